//! The events that relations are measured from, read out of the store.
//!
//! Two ways to get them, one rule for which rows count:
//! - [`load`] asks the store by SQL for the rows between the actors' states (the CLI: one question, then exit);
//! - [`EventTable`] reads the analysis columns of the whole store into memory once and answers each question from
//!   a per-state-pair index (the server: many questions a second).
//!
//! Both decode rows with the same [`Matcher`], so a dyad counted by `fulcrum dyad` and by `GET /api/dyad` is the
//! same set of events. The analyses themselves live in `fulcrum-relations` and never see the store.

mod table;

use std::collections::HashMap;

use fulcrum_model::actors::ActorSpec;
use fulcrum_model::{Dedup, Event, Period, code_key, iso_date};
use fulcrum_query::arrow::array::{Array, AsArray, StringArray};
use fulcrum_query::arrow::datatypes::{
    DataType, Date32Type, Float64Type, Int8Type, Int64Type, UInt64Type,
};
use fulcrum_query::{QueryEngine, QueryError, RecordBatch, sql_string};

pub use table::{CountryCount, DatasetSummary, EventTable};

/// Which events a question is about, besides the actors.
#[derive(Debug, Clone)]
pub struct Selection {
    /// First day (days since 1970-01-01); `None`: the first event between the actors.
    pub from: Option<i32>,
    /// Last day, inclusive; `None`: the last event between the actors.
    pub to: Option<i32>,
    pub period: Period,
    /// Only these datasets (`gdelt1`, `icews`, …); `None`: all.
    pub datasets: Option<Vec<String>>,
    pub dedup: Dedup,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            from: None,
            to: None,
            period: Period::Month,
            datasets: None,
            dedup: Dedup::Raw,
        }
    }
}

impl Selection {
    fn wants_dataset(&self, dataset: &str) -> bool {
        self.datasets
            .as_ref()
            .is_none_or(|list| list.iter().any(|d| d == dataset))
    }

    fn in_window(&self, day: i32) -> bool {
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }
}

/// Events between any two of the actors (`src`/`dst` index the actor list), with the window resolved.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub events: Vec<Event>,
    pub from: i32,
    pub to: i32,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("no events between {actors} in the store{}", if *.windowed { " in that window" } else { "" })]
    NoEvents { actors: String, windowed: bool },
    #[error("the store's events table has an unexpected column type: {0}")]
    Schema(String),
}

/// Decides whether a row is an event between two of the actors, and reduces it to an [`Event`].
pub struct Matcher<'a> {
    actors: &'a [ActorSpec],
}

/// What happened, as stored: CAMEO code, QuadClass, Goldstein score, tone (NaN when the source has none).
#[derive(Clone, Copy)]
pub struct Action<'s> {
    pub code: &'s str,
    pub quad_class: i8,
    pub goldstein: f64,
    pub tone: f64,
}

impl Action<'_> {
    /// The event of `src` (index into the actor list) doing this to `dst` on `day`.
    pub fn event(self, day: i32, src: u16, dst: u16) -> Event {
        Event {
            day,
            src,
            dst,
            code: code_key(self.code),
            quad_class: self.quad_class as u8,
            goldstein: self.goldstein,
            tone: self.tone,
        }
    }
}

/// One event side as stored: state, actor code, sector type code.
#[derive(Clone, Copy)]
pub struct Side<'s> {
    pub country: Option<&'s str>,
    pub actor: Option<&'s str>,
    pub kind: Option<&'s str>,
}

impl<'a> Matcher<'a> {
    pub fn new(actors: &'a [ActorSpec]) -> Self {
        Matcher { actors }
    }

    /// Index of the actor an event side belongs to on `day`, if any (the first that matches).
    pub fn actor_of(&self, side: Side<'_>, day: i32) -> Option<u16> {
        self.actors
            .iter()
            .position(|a| a.matches(side.country, side.actor, side.kind, day))
            .map(|i| i as u16)
    }

    /// The event, when its two sides are two different actors of the list.
    pub fn event(
        &self,
        day: i32,
        source: Side<'_>,
        target: Side<'_>,
        action: Action<'_>,
    ) -> Option<Event> {
        let src = self.actor_of(source, day)?;
        let dst = self.actor_of(target, day)?;
        (src != dst).then(|| action.event(day, src, dst))
    }
}

/// Every state an actor list can match, sorted, for filtering rows before matching.
pub fn countries_of(actors: &[ActorSpec]) -> Vec<String> {
    let mut countries: Vec<String> = actors.iter().flat_map(|a| a.countries()).collect();
    countries.sort();
    countries.dedup();
    countries
}

/// States that two of the actors include (RUSGOV and RUSMIL; overlapping groups): only their domestic events can
/// be between two different actors, so every other state's domestic events are skipped before matching.
pub fn shared_countries(actors: &[ActorSpec]) -> Vec<String> {
    countries_of(actors)
        .into_iter()
        .filter(|c| actors.iter().filter(|a| a.countries().contains(c)).count() >= 2)
        .collect()
}

/// Sorts by day, applies the counting rule and resolves the window: the shared end of both ways of loading.
fn finish(
    mut events: Vec<Event>,
    actors: &[ActorSpec],
    selection: &Selection,
) -> Result<Loaded, LoadError> {
    events.sort_by_key(|e| e.day);
    let events = selection.dedup.apply(&events);
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        let names: Vec<String> = actors.iter().map(ActorSpec::label).collect();
        return Err(LoadError::NoEvents {
            actors: names.join(", "),
            windowed: selection.from.is_some() || selection.to.is_some(),
        });
    };
    let (from, to) = (
        selection.from.unwrap_or(first.day),
        selection.to.unwrap_or(last.day),
    );
    Ok(Loaded { events, from, to })
}

fn dataset_filter(selection: &Selection) -> String {
    match &selection.datasets {
        Some(list) => {
            let items: Vec<String> = list.iter().map(|d| sql_string(d)).collect();
            format!(" AND dataset IN ({})", items.join(", "))
        }
        None => String::new(),
    }
}

/// The columns both loaders read, in this order.
const ANALYSIS_COLUMNS: &str = "event_date, actor1_code, actor1_country_code, actor1_type1_code, actor2_code, actor2_country_code, \
     actor2_type1_code, event_code, quad_class, goldstein, avg_tone, dataset";

/// The analysis columns of one batch, decoded.
struct Columns {
    dates: fulcrum_query::arrow::array::Date32Array,
    text: [StringArray; 7],
    quad: fulcrum_query::arrow::array::Int8Array,
    goldstein: fulcrum_query::arrow::array::Float64Array,
    tone: fulcrum_query::arrow::array::Float64Array,
    dataset: StringArray,
}

fn get(a: &StringArray, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}

impl Columns {
    fn decode(batch: &RecordBatch) -> Result<Self, LoadError> {
        let schema_err =
            |e: fulcrum_query::arrow::error::ArrowError| LoadError::Schema(e.to_string());
        let text = |i: usize| -> Result<StringArray, LoadError> {
            let c = fulcrum_query::arrow::compute::cast(batch.column(i), &DataType::Utf8)
                .map_err(schema_err)?;
            Ok(c.as_string::<i32>().clone())
        };
        let prim = |i: usize, dt: &DataType| {
            fulcrum_query::arrow::compute::cast(batch.column(i), dt).map_err(schema_err)
        };
        Ok(Columns {
            dates: prim(0, &DataType::Date32)?
                .as_primitive::<Date32Type>()
                .clone(),
            text: [
                text(1)?,
                text(2)?,
                text(3)?,
                text(4)?,
                text(5)?,
                text(6)?,
                text(7)?,
            ],
            quad: prim(8, &DataType::Int8)?.as_primitive::<Int8Type>().clone(),
            goldstein: prim(9, &DataType::Float64)?
                .as_primitive::<Float64Type>()
                .clone(),
            tone: prim(10, &DataType::Float64)?
                .as_primitive::<Float64Type>()
                .clone(),
            dataset: text(11)?,
        })
    }

    fn len(&self) -> usize {
        self.dates.len()
    }

    fn side(&self, first: usize, i: usize) -> Side<'_> {
        Side {
            actor: get(&self.text[first], i),
            country: get(&self.text[first + 1], i),
            kind: get(&self.text[first + 2], i),
        }
    }

    fn action(&self, i: usize) -> Action<'_> {
        Action {
            code: get(&self.text[6], i).unwrap_or(""),
            quad_class: self.quad.value(i),
            goldstein: self.goldstein.value(i),
            tone: if self.tone.is_null(i) {
                f64::NAN
            } else {
                self.tone.value(i)
            },
        }
    }
}

/// The SQL condition that keeps the rows which can be events between two of the actors in the selection's window
/// and datasets (a superset: [`Matcher`] decides each row). Shared by [`load`] and the server's event listing.
pub fn where_clause(actors: &[ActorSpec], selection: &Selection) -> String {
    let list = countries_of(actors)
        .iter()
        .map(|c| sql_string(c))
        .collect::<Vec<_>>()
        .join(", ");
    let mut clause = format!(
        "actor1_country_code IN ({list}) AND actor2_country_code IN ({list}){}",
        dataset_filter(selection)
    );
    let shared = shared_countries(actors);
    if shared.is_empty() {
        clause.push_str(" AND actor1_country_code <> actor2_country_code");
    } else {
        let shared = shared
            .iter()
            .map(|c| sql_string(c))
            .collect::<Vec<_>>()
            .join(", ");
        clause.push_str(&format!(
            " AND (actor1_country_code <> actor2_country_code OR actor1_country_code IN ({shared}))"
        ));
    }
    if let Some(from) = selection.from {
        clause.push_str(&format!(" AND event_date >= DATE '{}'", iso_date(from)));
    }
    if let Some(to) = selection.to {
        clause.push_str(&format!(" AND event_date <= DATE '{}'", iso_date(to)));
    }
    clause
}

/// Events between any two of `actors`, asked of the store by SQL (rows outside the actors' states are never read).
pub fn load(
    engine: &QueryEngine,
    actors: &[ActorSpec],
    selection: &Selection,
) -> Result<Loaded, LoadError> {
    let query = format!(
        "SELECT {ANALYSIS_COLUMNS} FROM events WHERE {}",
        where_clause(actors, selection)
    );
    let (_, batches) = engine.sql(&query)?;
    let matcher = Matcher::new(actors);
    let mut events = Vec::new();
    for batch in &batches {
        let c = Columns::decode(batch)?;
        for i in 0..c.len() {
            let day = c.dates.value(i);
            if let Some(e) = matcher.event(day, c.side(0, i), c.side(3, i), c.action(i)) {
                events.push(e);
            }
        }
    }
    finish(events, actors, selection)
}

/// Events of the whole store per period (for normalising by coverage), by SQL.
pub fn totals(
    engine: &QueryEngine,
    selection: &Selection,
    from: i32,
    to: i32,
) -> Result<HashMap<i32, u64>, LoadError> {
    let query = format!(
        "SELECT event_date, count(*) FROM events WHERE event_date BETWEEN DATE '{}' AND DATE '{}'{} GROUP BY event_date",
        iso_date(from),
        iso_date(to),
        dataset_filter(selection)
    );
    let (_, batches) = engine.sql(&query)?;
    let mut out = HashMap::new();
    for b in &batches {
        let days = b.column(0).as_primitive::<Date32Type>();
        let n = fulcrum_query::arrow::compute::cast(b.column(1), &DataType::UInt64)
            .map_err(|e| LoadError::Schema(e.to_string()))?;
        let n = n.as_primitive::<UInt64Type>();
        for i in 0..b.num_rows() {
            *out.entry(selection.period.start(days.value(i)))
                .or_insert(0) += n.value(i);
        }
    }
    Ok(out)
}

/// Where a stored row is: the input it came from, its line there, and its event id (together unique).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRef {
    pub input_file: String,
    pub line_number: i64,
    /// Absent for sources without ids (TKG facts).
    pub event_id: Option<i64>,
}

/// The stored rows that are events between two of the actors (as `(source, target)` actor indices), ordered by
/// day, input and line — without reading the rows' other columns, so a caller can page through them and fetch
/// only the page.
pub fn matching_rows(
    engine: &QueryEngine,
    actors: &[ActorSpec],
    selection: &Selection,
) -> Result<Vec<(RowRef, u16, u16)>, LoadError> {
    let query = format!(
        "SELECT {ANALYSIS_COLUMNS}, input_file, line_number, event_id FROM events WHERE {} ORDER BY event_date, input_file, line_number, event_id",
        where_clause(actors, selection)
    );
    let (_, batches) = engine.sql(&query)?;
    let matcher = Matcher::new(actors);
    let schema_err = |e: fulcrum_query::arrow::error::ArrowError| LoadError::Schema(e.to_string());
    let mut out = Vec::new();
    for batch in &batches {
        let c = Columns::decode(batch)?;
        let n = ANALYSIS_COLUMNS.split(',').count();
        let cast = |i: usize, dt: &DataType| {
            fulcrum_query::arrow::compute::cast(batch.column(n + i), dt).map_err(schema_err)
        };
        let (files, lines, ids) = (
            cast(0, &DataType::Utf8)?,
            cast(1, &DataType::Int64)?,
            cast(2, &DataType::Int64)?,
        );
        let (files, lines, ids) = (
            files.as_string::<i32>(),
            lines.as_primitive::<Int64Type>(),
            ids.as_primitive::<Int64Type>(),
        );
        for i in 0..c.len() {
            let day = c.dates.value(i);
            if let Some(e) = matcher.event(day, c.side(0, i), c.side(3, i), c.action(i)) {
                let row = RowRef {
                    input_file: files.value(i).to_string(),
                    line_number: lines.value(i),
                    event_id: (!ids.is_null(i)).then(|| ids.value(i)),
                };
                out.push((row, e.src, e.dst));
            }
        }
    }
    Ok(out)
}

/// Every stored event with both actors named and an event code, as (subject, relation, object, day): the facts
/// of a temporal knowledge graph built from the store. Subjects and objects are actor names (else codes);
/// relations read "code label" ("036 Express intent to meet or negotiate").
pub fn named_facts(
    engine: &QueryEngine,
    datasets: Option<&[String]>,
) -> Result<Vec<(String, String, String, i32)>, LoadError> {
    let mut query = "SELECT coalesce(actor1_name, actor1_code), event_code, coalesce(actor2_name, actor2_code), event_date FROM events \
                     WHERE coalesce(actor1_name, actor1_code) IS NOT NULL AND coalesce(actor2_name, actor2_code) IS NOT NULL \
                     AND event_code IS NOT NULL"
        .to_string();
    if let Some(list) = datasets {
        let items: Vec<String> = list.iter().map(|d| sql_string(d.trim())).collect();
        query.push_str(&format!(" AND dataset IN ({})", items.join(", ")));
    }
    let (_, batches) = engine.sql(&query)?;
    let schema_err = |e: fulcrum_query::arrow::error::ArrowError| LoadError::Schema(e.to_string());
    let mut facts = Vec::new();
    for b in &batches {
        let text = |i: usize| -> Result<StringArray, LoadError> {
            Ok(
                fulcrum_query::arrow::compute::cast(b.column(i), &DataType::Utf8)
                    .map_err(schema_err)?
                    .as_string::<i32>()
                    .clone(),
            )
        };
        let (s, r, o) = (text(0)?, text(1)?, text(2)?);
        let days = fulcrum_query::arrow::compute::cast(b.column(3), &DataType::Date32)
            .map_err(schema_err)?;
        let days = days.as_primitive::<Date32Type>();
        for i in 0..b.num_rows() {
            let code = r.value(i);
            let relation = match fulcrum_model::cameo::event_code(code) {
                Some(info) => format!("{code} {}", info.label),
                None => code.to_string(),
            };
            facts.push((
                s.value(i).to_string(),
                relation,
                o.value(i).to_string(),
                days.value(i),
            ));
        }
    }
    Ok(facts)
}

/// Where questions read events from. Both implementations decode rows with the same [`Matcher`], so they return
/// the same events for the same question.
pub trait EventSource: Send + Sync {
    /// Events between any two of `actors` in the selection, de-duplicated by its rule, with the window resolved.
    fn select(&self, actors: &[ActorSpec], selection: &Selection) -> Result<Loaded, LoadError>;
    /// Events of the whole store per period start in `[from, to]` (for normalising by coverage).
    fn totals(
        &self,
        selection: &Selection,
        from: i32,
        to: i32,
    ) -> Result<HashMap<i32, u64>, LoadError>;
}

/// The store asked by SQL for each question: nothing is held between questions (the CLI).
pub struct SqlSource<'e> {
    pub engine: &'e QueryEngine,
}

impl EventSource for SqlSource<'_> {
    fn select(&self, actors: &[ActorSpec], selection: &Selection) -> Result<Loaded, LoadError> {
        load(self.engine, actors, selection)
    }

    fn totals(
        &self,
        selection: &Selection,
        from: i32,
        to: i32,
    ) -> Result<HashMap<i32, u64>, LoadError> {
        totals(self.engine, selection, from, to)
    }
}

impl EventSource for EventTable {
    fn select(&self, actors: &[ActorSpec], selection: &Selection) -> Result<Loaded, LoadError> {
        EventTable::select(self, actors, selection)
    }

    fn totals(
        &self,
        selection: &Selection,
        from: i32,
        to: i32,
    ) -> Result<HashMap<i32, u64>, LoadError> {
        Ok(EventTable::totals(self, selection, from, to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actors(names: &[&str]) -> Vec<ActorSpec> {
        names.iter().map(|n| ActorSpec::parse(n).unwrap()).collect()
    }

    #[test]
    fn domestic_events_count_only_when_two_actors_share_a_state() {
        assert!(shared_countries(&actors(&["RUS", "IND"])).is_empty());
        assert_eq!(
            shared_countries(&actors(&["RUSGOV", "RUSMIL"])),
            vec!["RUS"]
        );
        // India and Pakistan are SCO members: a group and a member share the member's state.
        assert_eq!(shared_countries(&actors(&["SCO", "IND"])), vec!["IND"]);
    }

    /// A store of the given rows: (day, actor1 country, actor2 country, dataset).
    fn store(dir: &std::path::Path, rows: &[(i32, &str, &str, &str)]) -> QueryEngine {
        let mut builder = fulcrum_model::EventBatchBuilder::with_capacity(rows.len());
        for (i, &(day, c1, c2, dataset)) in rows.iter().enumerate() {
            builder.append(&fulcrum_model::EventRow {
                event_id: Some(i as i64),
                event_date: Some(day),
                dataset: Some(dataset),
                actor1_country_code: Some(c1),
                actor2_country_code: Some(c2),
                event_code: Some("042"),
                event_base_code: Some("042"),
                event_root_code: Some("04"),
                quad_class: Some(1),
                goldstein: Some(1.9),
                input_file: Some("fixture"),
                line_number: Some(i as i64 + 1),
                ..Default::default()
            });
        }
        let keys: Vec<u64> = (0..rows.len() as u64).collect();
        let mut st = fulcrum_store::Store::open(dir.to_path_buf()).unwrap();
        let mut txn = st.begin(fulcrum_store::WriteOptions::default());
        txn.begin_input("fixture", None);
        txn.write(&builder.finish(), &keys, Vec::new(), rows.len() as u64)
            .unwrap();
        txn.end_input("fixture", "test").unwrap();
        txn.commit().unwrap();
        drop(st);
        QueryEngine::open(dir).unwrap()
    }

    fn count(engine: &QueryEngine, clause: &str) -> String {
        let (_, batches) = engine
            .sql(&format!(
                "SELECT event_id FROM events WHERE {clause} ORDER BY event_id"
            ))
            .unwrap();
        let ids: Vec<String> = batches
            .iter()
            .flat_map(|b| {
                let ids = b.column(0).as_primitive::<Int64Type>().clone();
                (0..b.num_rows()).map(move |i| ids.value(i).to_string())
            })
            .collect();
        ids.join(",")
    }

    #[test]
    fn the_sql_condition_keeps_the_rows_of_the_states_window_and_datasets() {
        let dir = tempfile::tempdir().unwrap();
        let (jan10, dec31, feb28, mar1) = (17_906, 17_896, 17_955, 17_956);
        let engine = store(
            dir.path(),
            &[
                (jan10, "RUS", "PAK", "gdelt2"), // 0: kept
                (feb28, "PAK", "RUS", "gdelt2"), // 1: kept (last day of the window)
                (jan10, "RUS", "RUS", "gdelt2"), // 2: domestic: no two actors share RUS
                (dec31, "RUS", "PAK", "gdelt2"), // 3: before the window
                (mar1, "RUS", "PAK", "gdelt2"),  // 4: after it
                (jan10, "RUS", "PAK", "icews"),  // 5: another dataset
                (jan10, "IND", "PAK", "gdelt2"), // 6: another state
            ],
        );
        let selection = Selection {
            from: Some(17_897),
            to: Some(feb28),
            datasets: Some(vec!["gdelt2".into()]),
            ..Selection::default()
        };
        assert_eq!(
            count(&engine, &where_clause(&actors(&["RUS", "PAK"]), &selection)),
            "0,1"
        );
        // RUSGOV and RUSMIL share Russia: its domestic events may be between them; every window and dataset.
        assert_eq!(
            count(
                &engine,
                &where_clause(&actors(&["RUSGOV", "RUSMIL"]), &Selection::default())
            ),
            "2"
        );
        assert_eq!(
            count(
                &engine,
                &where_clause(&actors(&["RUS", "PAK"]), &Selection::default())
            ),
            "0,1,3,4,5"
        );
    }

    #[test]
    fn the_matcher_takes_the_first_actor_and_never_pairs_an_actor_with_itself() {
        let list = actors(&["RUS", "SCO"]);
        let m = Matcher::new(&list);
        let side = |c: &'static str| Side {
            country: Some(c),
            actor: None,
            kind: None,
        };
        let act = Action {
            code: "057",
            quad_class: 1,
            goldstein: 8.0,
            tone: f64::NAN,
        };
        let day = 17_897; // 2019-01-01: India is an SCO member
        assert_eq!(
            m.actor_of(side("RUS"), day),
            Some(0),
            "RUS is also in SCO; the first actor wins"
        );
        assert!(
            m.event(day, side("RUS"), side("IND"), act)
                .is_some_and(|e| e.src == 0 && e.dst == 1)
        );
        assert!(m.event(day, side("RUS"), side("RUS"), act).is_none());
        assert!(
            m.event(10_000, side("RUS"), side("IND"), act).is_none(),
            "1997: India was not yet in the SCO"
        );
    }
}
