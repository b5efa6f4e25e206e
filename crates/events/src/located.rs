//! Events with the place they were recorded at: what an event map draws. GDELT codes three places per event
//! (where it happened and where each actor is); ICEWS raw rows carry one (where it happened); TKG facts none.

use fulcrum_model::actors::ActorSpec;
use fulcrum_query::arrow::array::{Array, AsArray};
use fulcrum_query::arrow::datatypes::{DataType, Float64Type, Int64Type};
use fulcrum_query::{QueryEngine, sql_string};

use crate::{
    ANALYSIS_COLUMNS, Columns, LoadError, Matcher, Resolver, Selection, countries_of, names_for,
    side_in, where_clause, window_filter,
};

/// Which recorded place of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    /// Where the event happened (GDELT ActionGeo; ICEWS's latitude and longitude).
    #[default]
    Action,
    /// Where actor 1 is (GDELT only).
    Actor1,
    /// Where actor 2 is (GDELT only).
    Actor2,
}

impl Place {
    fn prefix(self) -> &'static str {
        match self {
            Place::Action => "action_geo",
            Place::Actor1 => "actor1_geo",
            Place::Actor2 => "actor2_geo",
        }
    }
}

impl std::str::FromStr for Place {
    type Err = fulcrum_model::ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "action" => Ok(Place::Action),
            "actor1" => Ok(Place::Actor1),
            "actor2" => Ok(Place::Actor2),
            _ => Err(fulcrum_model::ValueError::new(
                s,
                "a place",
                "action, actor1 or actor2",
            )),
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Place::Action => "action",
            Place::Actor1 => "actor1",
            Place::Actor2 => "actor2",
        })
    }
}

/// One event at its recorded place.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LocatedEvent {
    pub day: i32,
    pub lat: f64,
    pub lon: f64,
    /// The place's full name ("Srinagar, Jammu and Kashmir, India") and country code as the source wrote them.
    pub place: Option<String>,
    pub place_country: Option<String>,
    pub code: String,
    pub quad_class: i8,
    pub goldstein: f64,
    /// Actor 1 and 2 as stored: name, else code.
    pub actor1: Option<String>,
    pub actor2: Option<String>,
    pub event_id: Option<i64>,
    pub source_url: Option<String>,
    pub dataset: String,
}

/// The located events of a selection, and how many of its events had no coordinates.
#[derive(Debug, Clone, Default)]
pub struct Located {
    pub events: Vec<LocatedEvent>,
    pub without_coordinates: u64,
}

/// Which events: between two actors, with one actor on either side, or (no actors) every event of a code.
/// `code_prefix` must be digits (the caller validates it; it is quoted anyway).
pub fn located(
    engine: &QueryEngine,
    actors: &[ActorSpec],
    selection: &Selection,
    resolver: Option<&Resolver>,
    code_prefix: Option<&str>,
    place: Place,
) -> Result<Located, LoadError> {
    let countries = countries_of(actors);
    let (resolver, names) = if actors.is_empty() {
        (None, Vec::new())
    } else {
        names_for(engine, resolver, Some(&countries), selection)?
    };
    let mut condition = match actors.len() {
        0 => format!("TRUE{}", window_filter(selection)),
        1 => format!(
            "({} OR {}){}",
            side_in(1, &countries, &names),
            side_in(2, &countries, &names),
            window_filter(selection)
        ),
        _ => where_clause(actors, selection, &names),
    };
    if let Some(code) = code_prefix {
        condition.push_str(&format!(
            " AND starts_with(event_code, {})",
            sql_string(code)
        ));
    }
    let p = place.prefix();
    let query = format!(
        "SELECT {ANALYSIS_COLUMNS}, {p}_lat, {p}_lon, {p}_full_name, {p}_country_code, event_id, source_url \
         FROM events WHERE {condition} ORDER BY event_date, input_file, line_number"
    );
    let (_, batches) = engine.sql(&query)?;
    let matcher = Matcher::new(actors).resolving(resolver);
    let schema_err = |e: fulcrum_query::arrow::error::ArrowError| LoadError::Schema(e.to_string());
    let mut out = Located::default();
    let n = ANALYSIS_COLUMNS.split(',').count();
    for batch in &batches {
        let c = Columns::decode(batch)?;
        let cast = |i: usize, dt: &DataType| {
            fulcrum_query::arrow::compute::cast(batch.column(n + i), dt).map_err(schema_err)
        };
        let (lat, lon) = (cast(0, &DataType::Float64)?, cast(1, &DataType::Float64)?);
        let (lat, lon) = (
            lat.as_primitive::<Float64Type>(),
            lon.as_primitive::<Float64Type>(),
        );
        let (name, country) = (cast(2, &DataType::Utf8)?, cast(3, &DataType::Utf8)?);
        let (name, country) = (name.as_string::<i32>(), country.as_string::<i32>());
        let (ids, urls) = (cast(4, &DataType::Int64)?, cast(5, &DataType::Utf8)?);
        let (ids, urls) = (ids.as_primitive::<Int64Type>(), urls.as_string::<i32>());
        let text = |a: &fulcrum_query::arrow::array::StringArray, i: usize| {
            (!a.is_null(i)).then(|| a.value(i).to_string())
        };
        for i in 0..c.len() {
            let day = c.dates.value(i);
            let (source, target) = (c.side(0, i), c.side(3, i));
            let keep = match actors.len() {
                0 => true,
                1 => {
                    matcher.actor_of(source, day).is_some()
                        || matcher.actor_of(target, day).is_some()
                }
                _ => matcher.event(day, source, target, c.action(i)).is_some(),
            };
            if !keep {
                continue;
            }
            let (y, x) = (lat.value(i), lon.value(i));
            let valid = !lat.is_null(i)
                && !lon.is_null(i)
                && (-90.0..=90.0).contains(&y)
                && (-180.0..=180.0).contains(&x)
                // (0, 0) is what some sources write for "unknown".
                && !(y == 0.0 && x == 0.0);
            if !valid {
                out.without_coordinates += 1;
                continue;
            }
            let action = c.action(i);
            out.events.push(LocatedEvent {
                day,
                lat: y,
                lon: x,
                place: text(name, i),
                place_country: text(country, i),
                code: action.code.to_string(),
                quad_class: action.quad_class,
                goldstein: action.goldstein,
                actor1: source.name.or(source.actor).map(str::to_string),
                actor2: target.name.or(target.actor).map(str::to_string),
                event_id: (!ids.is_null(i)).then(|| ids.value(i)),
                source_url: text(urls, i),
                dataset: c.dataset.value(i).to_string(),
            });
        }
    }
    Ok(out)
}
