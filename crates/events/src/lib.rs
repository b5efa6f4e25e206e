//! The events that relations are measured from, read out of the store.
//!
//! Two ways to get them, one rule for which rows count:
//! - [`load`] asks the store by SQL for the rows between the actors' states (the CLI: one question, then exit);
//! - [`EventTable`] reads the analysis columns of the whole store into memory once and answers each question from
//!   a per-state-pair index (the server: many questions a second).
//!
//! Both decode rows with the same [`Matcher`], so a dyad counted by `fulcrum dyad` and by `GET /api/dyad` is the
//! same set of events. The analyses themselves live in `fulcrum-relations` and never see the store.

mod located;
mod table;

use std::collections::HashMap;

use fulcrum_model::actors::ActorSpec;
pub use fulcrum_model::resolve::Resolver;
use fulcrum_model::{Dedup, Event, Period, code_key, iso_date};
use fulcrum_query::arrow::array::{Array, AsArray, StringArray};
use fulcrum_query::arrow::datatypes::{
    DataType, Date32Type, Float64Type, Int8Type, Int64Type, UInt64Type,
};
use fulcrum_query::{QueryEngine, QueryError, RecordBatch, sql_string};

pub use located::{Located, LocatedEvent, Place, located};
pub use table::{
    CountryCount, DatasetSummary, EventTable, SavedState, SavedTable, TableLookup, table_key,
};

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
    /// Count actors named only by name (people, ministries) as the state they act for on the day, when the
    /// source has a [`Resolver`]. See `fulcrum_model::resolve`.
    pub resolve: bool,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            from: None,
            to: None,
            period: Period::Month,
            datasets: None,
            dedup: Dedup::Raw,
            resolve: true,
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
    #[error("{}: {error}", path.display())]
    Io {
        path: std::path::PathBuf,
        error: std::io::Error,
    },
    #[error(
        "the store's pair index is damaged ({}: {message}); delete that folder, or run `fulcrum compact` to \
         write it again",
        path.display()
    )]
    BadTable {
        path: std::path::PathBuf,
        message: String,
    },
}

/// Decides whether a row is an event between two of the actors, and reduces it to an [`Event`].
pub struct Matcher<'a> {
    actors: &'a [ActorSpec],
    resolver: Option<&'a Resolver>,
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

/// One event side as stored: state, actor code, sector type code, and the actor's name.
#[derive(Clone, Copy, Default)]
pub struct Side<'s> {
    pub country: Option<&'s str>,
    pub actor: Option<&'s str>,
    pub kind: Option<&'s str>,
    pub name: Option<&'s str>,
}

impl<'s> Side<'s> {
    /// The side as counted: a side without a state takes the state its name acts for on `day`, if any
    /// (its actor code is then dropped: the resolved state and agent stand for it).
    pub fn resolved(self, resolver: Option<&'s Resolver>, day: i32) -> (Side<'s>, bool) {
        if self.country.is_some() {
            return (self, false);
        }
        let hit = resolver.zip(self.name).and_then(|(r, n)| r.resolve(n, day));
        match hit {
            Some(r) => (
                Side {
                    country: Some(r.country),
                    actor: None,
                    kind: r.agent,
                    name: self.name,
                },
                true,
            ),
            None => (self, false),
        }
    }
}

impl<'a> Matcher<'a> {
    pub fn new(actors: &'a [ActorSpec]) -> Self {
        Matcher {
            actors,
            resolver: None,
        }
    }

    /// Resolves sides without a state by name (see [`Side::resolved`]).
    pub fn resolving(mut self, resolver: Option<&'a Resolver>) -> Self {
        self.resolver = resolver;
        self
    }

    /// Index of the actor an event side belongs to on `day`, if any (the first that matches).
    pub fn actor_of(&self, side: Side<'_>, day: i32) -> Option<u16> {
        let (side, _) = side.resolved(self.resolver, day);
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
    // A total order, not only by day: sums of floating-point scores and the report a de-duplication rule keeps
    // then do not depend on the order the store's files hand rows over (ingest order, compaction, CLI or server).
    events.sort_by(|a, b| {
        (a.day, a.src, a.dst, a.code, a.quad_class)
            .cmp(&(b.day, b.src, b.dst, b.code, b.quad_class))
            .then(a.goldstein.total_cmp(&b.goldstein))
            .then(a.tone.total_cmp(&b.tone))
    });
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
     actor2_type1_code, event_code, quad_class, goldstein, avg_tone, dataset, actor1_name, actor2_name";

/// The analysis columns of one batch, decoded.
struct Columns {
    dates: fulcrum_query::arrow::array::Date32Array,
    text: [StringArray; 7],
    quad: fulcrum_query::arrow::array::Int8Array,
    goldstein: fulcrum_query::arrow::array::Float64Array,
    tone: fulcrum_query::arrow::array::Float64Array,
    dataset: StringArray,
    /// actor1_name, actor2_name.
    names: [StringArray; 2],
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
            names: [text(12)?, text(13)?],
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
            name: get(&self.names[first / 3], i),
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

fn sql_list(items: &[String]) -> String {
    items
        .iter()
        .map(|c| sql_string(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn window_filter(selection: &Selection) -> String {
    let mut clause = dataset_filter(selection);
    if let Some(from) = selection.from {
        clause.push_str(&format!(" AND event_date >= DATE '{}'", iso_date(from)));
    }
    if let Some(to) = selection.to {
        clause.push_str(&format!(" AND event_date <= DATE '{}'", iso_date(to)));
    }
    clause
}

/// "This side can be one of these states": by its stored state, or by a name that may resolve to one of them.
fn side_in(side: u8, countries: &[String], names: &[String]) -> String {
    let by_state = format!("actor{side}_country_code IN ({})", sql_list(countries));
    if names.is_empty() {
        by_state
    } else {
        format!(
            "({by_state} OR (actor{side}_country_code IS NULL AND actor{side}_name IN ({})))",
            sql_list(names)
        )
    }
}

/// The SQL condition that keeps the rows which can be events between two of the actors in the selection's window
/// and datasets (a superset: [`Matcher`] decides each row). `names` are stored actor names without a state that
/// may resolve to one of the actors' states ([`resolvable_names`]). Shared by [`load`] and the server's event
/// listing.
pub fn where_clause(actors: &[ActorSpec], selection: &Selection, names: &[String]) -> String {
    let countries = countries_of(actors);
    let shared = shared_countries(actors);
    // Rows with both states stored: one (state, state) pair per term, never a state with itself unless two
    // actors share it. Written as pairs of equalities rather than `IN … AND actor1 <> actor2` because readers can
    // skip row groups and pages on equalities (min/max statistics) but not on a comparison of two columns: on a
    // store compacted by pair, a US–Russia question then never reads the US's domestic rows.
    let mut pairs = Vec::new();
    for a in &countries {
        for b in &countries {
            if a != b || shared.contains(a) {
                pairs.push(format!(
                    "(actor1_country_code = {} AND actor2_country_code = {})",
                    sql_string(a),
                    sql_string(b)
                ));
            }
        }
    }
    let stated = if pairs.is_empty() {
        "false".to_string()
    } else {
        pairs.join(" OR ")
    };
    // Each side on its own, implied by the pairs: readers skip pages (not only row groups) on conditions of one
    // column, and DataFusion's page index pruning takes only those.
    let one_side = |side: u8| {
        let states = format!("actor{side}_country_code IN ({})", sql_list(&countries));
        if names.is_empty() {
            states
        } else {
            format!("({states} OR actor{side}_country_code IS NULL)")
        }
    };
    let mut clause = format!("{} AND {} AND ", one_side(1), one_side(2));
    clause.push_str(&if names.is_empty() {
        format!("({stated})")
    } else {
        // A side resolved by name has no stored state: it cannot be told domestic before matching.
        let named = |side: u8| {
            format!(
                "(actor{side}_country_code IS NULL AND actor{side}_name IN ({}))",
                sql_list(names)
            )
        };
        format!(
            "({stated} OR ({} AND {}) OR ({} AND {}))",
            named(1),
            side_in(2, &countries, names),
            side_in(1, &countries, names),
            named(2)
        )
    });
    clause.push_str(&window_filter(selection));
    clause
}

/// Stored actor names without a state, in the selection's window and datasets, that the resolver may resolve to
/// one of `countries` (any state when `None`) on some day: the names a question must read besides its states.
pub fn resolvable_names(
    engine: &QueryEngine,
    resolver: &Resolver,
    countries: Option<&[String]>,
    selection: &Selection,
) -> Result<Vec<String>, LoadError> {
    let keep = |name: &str| match countries {
        Some(list) => resolver.may_resolve_to(name, list),
        None => resolver.may_resolve(name),
    };
    // The store's names index answers without a scan; stores from before it (or remote ones) are scanned.
    let indexed = engine
        .snapshot()
        .stateless_names()
        .map_err(|e| LoadError::Query(QueryError::Store(e)))?;
    if let Some(indexed) = indexed {
        let mut names: Vec<String> = indexed
            .into_iter()
            .filter(|n| {
                selection.from.is_none_or(|f| n.last_day >= f)
                    && selection.to.is_none_or(|t| n.first_day <= t)
                    && keep(&n.name)
            })
            .map(|n| n.name)
            .collect();
        names.sort();
        names.dedup();
        return Ok(names);
    }
    let filter = window_filter(selection);
    let query = format!(
        "SELECT DISTINCT name FROM (\
         SELECT actor1_name AS name FROM events WHERE actor1_country_code IS NULL AND actor1_name IS NOT NULL{filter} \
         UNION ALL \
         SELECT actor2_name AS name FROM events WHERE actor2_country_code IS NULL AND actor2_name IS NOT NULL{filter})"
    );
    let (_, batches) = engine.sql(&query)?;
    let mut names = Vec::new();
    for b in &batches {
        let column = fulcrum_query::arrow::compute::cast(b.column(0), &DataType::Utf8)
            .map_err(|e| LoadError::Schema(e.to_string()))?;
        let column = column.as_string::<i32>();
        for i in 0..b.num_rows() {
            let name = column.value(i);
            if keep(name) {
                names.push(name.to_string());
            }
        }
    }
    names.sort();
    Ok(names)
}

/// The resolver a question uses (none when the selection switches resolution off), and the stored names it needs.
fn names_for<'r>(
    engine: &QueryEngine,
    resolver: Option<&'r Resolver>,
    countries: Option<&[String]>,
    selection: &Selection,
) -> Result<(Option<&'r Resolver>, Vec<String>), LoadError> {
    match resolver.filter(|_| selection.resolve) {
        Some(r) => Ok((Some(r), resolvable_names(engine, r, countries, selection)?)),
        None => Ok((None, Vec::new())),
    }
}

/// Events between any two of `actors`, asked of the store by SQL (rows outside the actors' states are never read).
pub fn load(
    engine: &QueryEngine,
    actors: &[ActorSpec],
    selection: &Selection,
    resolver: Option<&Resolver>,
) -> Result<Loaded, LoadError> {
    let (resolver, names) = names_for(engine, resolver, Some(&countries_of(actors)), selection)?;
    let query = format!(
        "SELECT {ANALYSIS_COLUMNS} FROM events WHERE {}",
        where_clause(actors, selection, &names)
    );
    let (_, batches) = engine.sql(&query)?;
    let matcher = Matcher::new(actors).resolving(resolver);
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

/// Events between one of the focus actors and any state outside them: for ranking every third state.
#[derive(Debug, Clone)]
pub struct Partnered {
    /// `src`/`dst` index the focus actors first (0 … k−1), then `partners` (k …).
    pub events: Vec<Event>,
    /// The other states, by their CAMEO codes.
    pub partners: Vec<String>,
    pub from: i32,
    pub to: i32,
}

/// Collects [`Partnered`] events row by row: the one rule for both sources.
struct PartnerCollector<'a> {
    matcher: Matcher<'a>,
    focus_states: Vec<String>,
    focus: usize,
    partners: Vec<String>,
    events: Vec<Event>,
}

impl<'a> PartnerCollector<'a> {
    fn new(focus: &'a [ActorSpec], resolver: Option<&'a Resolver>) -> Self {
        PartnerCollector {
            matcher: Matcher::new(focus).resolving(resolver),
            focus_states: countries_of(focus),
            focus: focus.len(),
            partners: Vec::new(),
            events: Vec::new(),
        }
    }

    fn partner(&mut self, side: Side<'_>, day: i32) -> Option<u16> {
        let (side, _) = side.resolved(self.matcher.resolver, day);
        let state = side.country?;
        if self.focus_states.iter().any(|c| c == state) {
            return None;
        }
        let index = match self.partners.iter().position(|p| p == state) {
            Some(i) => i,
            None => {
                self.partners.push(state.to_string());
                self.partners.len() - 1
            }
        };
        Some((self.focus + index) as u16)
    }

    fn add(&mut self, day: i32, source: Side<'_>, target: Side<'_>, action: Action<'_>) {
        let (s, t) = (
            self.matcher.actor_of(source, day),
            self.matcher.actor_of(target, day),
        );
        let pair = match (s, t) {
            (Some(s), None) => self.partner(target, day).map(|t| (s, t)),
            (None, Some(t)) => self.partner(source, day).map(|s| (s, t)),
            _ => None,
        };
        if let Some((src, dst)) = pair {
            self.events.push(action.event(day, src, dst));
        }
    }

    fn finish(self, selection: &Selection) -> Result<Partnered, LoadError> {
        let focus: Vec<ActorSpec> = self.matcher.actors.to_vec();
        let loaded = finish(self.events, &focus, selection)?;
        Ok(Partnered {
            events: loaded.events,
            partners: self.partners,
            from: loaded.from,
            to: loaded.to,
        })
    }
}

/// Events between one of `focus` and any other state, by SQL.
pub fn load_partners(
    engine: &QueryEngine,
    focus: &[ActorSpec],
    selection: &Selection,
    resolver: Option<&Resolver>,
) -> Result<Partnered, LoadError> {
    let countries = countries_of(focus);
    let (resolver, names) = names_for(engine, resolver, None, selection)?;
    let focus_names: Vec<String> = match resolver {
        Some(r) => names
            .iter()
            .filter(|n| r.may_resolve_to(n, &countries))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    let query = format!(
        "SELECT {ANALYSIS_COLUMNS} FROM events WHERE ({} OR {}){}",
        side_in(1, &countries, &focus_names),
        side_in(2, &countries, &focus_names),
        window_filter(selection)
    );
    let (_, batches) = engine.sql(&query)?;
    let mut collector = PartnerCollector::new(focus, resolver);
    for batch in &batches {
        let c = Columns::decode(batch)?;
        for i in 0..c.len() {
            collector.add(c.dates.value(i), c.side(0, i), c.side(3, i), c.action(i));
        }
    }
    collector.finish(selection)
}

/// How many events have a state on both sides: as stored, and once names are resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    pub events: u64,
    /// Both sides stored with a state.
    pub both_stored: u64,
    /// Both sides with a state once sides without one are resolved by name (equal to `both_stored` without a
    /// resolver).
    pub both_resolved: u64,
}

/// Counts [`Coverage`] over the whole store. Rows missing a state are grouped by day and names first, so the
/// resolver sees each (day, name) once.
pub fn coverage(engine: &QueryEngine, resolver: Option<&Resolver>) -> Result<Coverage, LoadError> {
    let (_, batches) = engine.sql(
        "SELECT count(*), count(*) FILTER (WHERE actor1_country_code IS NOT NULL AND actor2_country_code IS NOT NULL) \
         FROM events",
    )?;
    let number = |b: &RecordBatch, i: usize| -> Result<u64, LoadError> {
        let c = fulcrum_query::arrow::compute::cast(b.column(i), &DataType::UInt64)
            .map_err(|e| LoadError::Schema(e.to_string()))?;
        Ok(c.as_primitive::<UInt64Type>().values().iter().sum())
    };
    let (mut events, mut both_stored) = (0, 0);
    for b in &batches {
        events += number(b, 0)?;
        both_stored += number(b, 1)?;
    }
    let mut both_resolved = both_stored;
    if let Some(resolver) = resolver {
        let (_, batches) = engine.sql(
            "SELECT event_date, actor1_country_code IS NOT NULL, actor1_name, actor2_country_code IS NOT NULL, \
             actor2_name, count(*) FROM events WHERE actor1_country_code IS NULL OR actor2_country_code IS NULL \
             GROUP BY 1, 2, 3, 4, 5",
        )?;
        let schema_err =
            |e: fulcrum_query::arrow::error::ArrowError| LoadError::Schema(e.to_string());
        for b in &batches {
            let days = fulcrum_query::arrow::compute::cast(b.column(0), &DataType::Date32)
                .map_err(schema_err)?;
            let days = days.as_primitive::<Date32Type>();
            let has = [b.column(1).as_boolean(), b.column(3).as_boolean()];
            let names = [
                fulcrum_query::arrow::compute::cast(b.column(2), &DataType::Utf8)
                    .map_err(schema_err)?,
                fulcrum_query::arrow::compute::cast(b.column(4), &DataType::Utf8)
                    .map_err(schema_err)?,
            ];
            let names = [names[0].as_string::<i32>(), names[1].as_string::<i32>()];
            let counts = fulcrum_query::arrow::compute::cast(b.column(5), &DataType::UInt64)
                .map_err(schema_err)?;
            let counts = counts.as_primitive::<UInt64Type>();
            for i in 0..b.num_rows() {
                let day = days.value(i);
                let side_ok = |k: usize| {
                    has[k].value(i)
                        || (!names[k].is_null(i)
                            && resolver.resolve(names[k].value(i), day).is_some())
                };
                if side_ok(0) && side_ok(1) {
                    both_resolved += counts.value(i);
                }
            }
        }
    }
    Ok(Coverage {
        events,
        both_stored,
        both_resolved,
    })
}

/// A name stored without a state, how often, and what the resolver makes of it on its latest day.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NameWithoutState {
    pub name: String,
    /// Event sides with this name and no stored state.
    pub sides: u64,
    /// Its last day in the store.
    pub last_day: i32,
    /// The resolver's reading on that day ("RUSGOV by …", "not the state: …", "no dictionary phrase").
    pub resolution: String,
}

/// The `top` names most often stored without a state, each explained on its latest day: what resolution
/// covers and what it leaves.
pub fn names_without_state(
    engine: &QueryEngine,
    resolver: &Resolver,
    top: usize,
) -> Result<Vec<NameWithoutState>, LoadError> {
    let query = format!(
        "SELECT name, count(*) AS sides, max(day) AS last FROM (\
         SELECT actor1_name AS name, event_date AS day FROM events WHERE actor1_country_code IS NULL AND actor1_name IS NOT NULL \
         UNION ALL \
         SELECT actor2_name AS name, event_date AS day FROM events WHERE actor2_country_code IS NULL AND actor2_name IS NOT NULL) \
         GROUP BY name ORDER BY sides DESC, name LIMIT {top}"
    );
    let (_, batches) = engine.sql(&query)?;
    let schema_err = |e: fulcrum_query::arrow::error::ArrowError| LoadError::Schema(e.to_string());
    let mut out = Vec::new();
    for b in &batches {
        let names = fulcrum_query::arrow::compute::cast(b.column(0), &DataType::Utf8)
            .map_err(schema_err)?;
        let names = names.as_string::<i32>();
        let sides = fulcrum_query::arrow::compute::cast(b.column(1), &DataType::UInt64)
            .map_err(schema_err)?;
        let sides = sides.as_primitive::<UInt64Type>();
        let days = fulcrum_query::arrow::compute::cast(b.column(2), &DataType::Date32)
            .map_err(schema_err)?;
        let days = days.as_primitive::<Date32Type>();
        for i in 0..b.num_rows() {
            let (name, day) = (names.value(i), days.value(i));
            out.push(NameWithoutState {
                name: name.to_string(),
                sides: sides.value(i),
                last_day: day,
                resolution: resolver.explain(name, day).to_string(),
            });
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
    resolver: Option<&Resolver>,
) -> Result<Vec<(RowRef, u16, u16)>, LoadError> {
    let (resolver, names) = names_for(engine, resolver, Some(&countries_of(actors)), selection)?;
    let query = format!(
        "SELECT {ANALYSIS_COLUMNS}, input_file, line_number, event_id FROM events WHERE {} ORDER BY event_date, input_file, line_number, event_id",
        where_clause(actors, selection, &names)
    );
    let (_, batches) = engine.sql(&query)?;
    let matcher = Matcher::new(actors).resolving(resolver);
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
    /// Events between one of `focus` and any other state, de-duplicated, with the window resolved.
    fn partners(&self, focus: &[ActorSpec], selection: &Selection) -> Result<Partnered, LoadError>;
    /// Whether actors named only by name are resolved to states (a dictionary was loaded).
    fn resolves_names(&self) -> bool;
}

/// The store asked by SQL for each question: nothing is held between questions (the CLI).
pub struct SqlSource<'e> {
    pub engine: &'e QueryEngine,
    /// Dated roles for actors named only by name; `None`: only stored states count.
    pub resolver: Option<&'e Resolver>,
}

impl EventSource for SqlSource<'_> {
    fn select(&self, actors: &[ActorSpec], selection: &Selection) -> Result<Loaded, LoadError> {
        load(self.engine, actors, selection, self.resolver)
    }

    fn partners(&self, focus: &[ActorSpec], selection: &Selection) -> Result<Partnered, LoadError> {
        load_partners(self.engine, focus, selection, self.resolver)
    }

    fn resolves_names(&self) -> bool {
        self.resolver.is_some()
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

    fn partners(&self, focus: &[ActorSpec], selection: &Selection) -> Result<Partnered, LoadError> {
        EventTable::partners(self, focus, selection)
    }

    fn resolves_names(&self) -> bool {
        EventTable::resolves_names(self)
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
        store_input(dir, rows, "fixture")
    }

    /// [`store`], the rows read from the input named `input`.
    fn store_input(
        dir: &std::path::Path,
        rows: &[(i32, &str, &str, &str)],
        input: &str,
    ) -> QueryEngine {
        let mut builder = fulcrum_model::EventBatchBuilder::with_capacity(rows.len());
        for (i, &(day, c1, c2, dataset)) in rows.iter().enumerate() {
            builder
                .append(&fulcrum_model::EventRow {
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
                })
                .unwrap();
        }
        let keys: Vec<u64> = (0..rows.len() as u64).collect();
        let mut st = fulcrum_store::Store::open(dir.to_path_buf()).unwrap();
        let mut txn = st.begin(fulcrum_store::WriteOptions::default());
        txn.begin_input(input, None);
        txn.write(&builder.finish(), &keys, Vec::new(), rows.len() as u64)
            .unwrap();
        txn.end_input(input, None, "test").unwrap();
        txn.commit().unwrap();
        drop(st);
        QueryEngine::open(dir).unwrap()
    }

    #[test]
    fn a_saved_table_answers_as_the_one_built_from_the_store_until_the_store_changes() {
        let dir = tempfile::tempdir().unwrap();
        let rows = [
            (17_906, "RUS", "PAK", "gdelt2"),
            (17_955, "PAK", "RUS", "gdelt2"),
            (17_906, "RUS", "RUS", "gdelt2"),
            (17_896, "RUS", "IND", "icews"),
            (17_956, "IND", "PAK", "gdelt2"),
            (17_960, "IND", "RUS", "icews"),
        ];
        let engine = store(dir.path(), &rows);
        let resolver = Resolver::default();
        let built = EventTable::from_store(&engine, Some(&resolver)).unwrap();
        let snapshot = engine.snapshot().clone();
        assert!(matches!(
            EventTable::open_saved(&snapshot, Some(&resolver), true).unwrap(),
            TableLookup::Missing
        ));
        let saved = built.save(&snapshot, Some(&resolver)).unwrap().unwrap();
        assert!(saved.bytes > 0);
        let answers = |t: &EventTable| {
            let trio = actors(&["RUS", "PAK", "IND"]);
            let icews = Selection {
                datasets: Some(vec!["icews".into()]),
                ..Selection::default()
            };
            format!(
                "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
                t.select(&trio, &Selection::default()).unwrap(),
                t.select(&trio, &icews).unwrap(),
                t.partners(&actors(&["RUS"]), &Selection::default())
                    .unwrap()
                    .events,
                {
                    let mut totals: Vec<_> = t
                        .totals(&Selection::default(), 0, 20_000)
                        .into_iter()
                        .collect();
                    totals.sort();
                    totals
                },
                t.datasets()
                    .iter()
                    .map(|d| (&d.dataset, d.events, d.first, d.last))
                    .collect::<Vec<_>>(),
                t.countries()
                    .iter()
                    .map(|c| (&c.code, c.events))
                    .collect::<Vec<_>>(),
            )
        };
        for verify in [true, false] {
            let TableLookup::Fresh(opened) =
                EventTable::open_saved(&snapshot, Some(&resolver), verify).unwrap()
            else {
                panic!("the saved table was not found");
            };
            assert_eq!(answers(&opened), answers(&built));
            assert_eq!(opened.len(), rows.len());
        }
        // Another resolution, then another snapshot: the table no longer answers.
        assert!(matches!(
            EventTable::open_saved(&snapshot, None, true).unwrap(),
            TableLookup::Stale
        ));
        drop(engine);
        // (The first rows are already stored: only the last one is new.)
        let mut more = rows.to_vec();
        more.push((17_970, "RUS", "PAK", "gdelt2"));
        let engine = store_input(dir.path(), &more, "more");
        assert_eq!(engine.snapshot().manifest.txns.len(), 2);
        assert!(matches!(
            EventTable::open_saved(engine.snapshot(), Some(&resolver), true).unwrap(),
            TableLookup::Stale
        ));
        // A damaged file is an error that names it, not a panic.
        let rows_file = saved.path.join("rows.arrow");
        let bytes = std::fs::read(&rows_file).unwrap();
        std::fs::write(&rows_file, &bytes[..bytes.len() / 2]).unwrap();
        let error = EventTable::open_saved(&snapshot, Some(&resolver), true)
            .err()
            .expect("a truncated file must not open");
        assert!(error.to_string().contains("rows.arrow"), "{error}");
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
            count(
                &engine,
                &where_clause(&actors(&["RUS", "PAK"]), &selection, &[])
            ),
            "0,1"
        );
        // RUSGOV and RUSMIL share Russia: its domestic events may be between them; every window and dataset.
        assert_eq!(
            count(
                &engine,
                &where_clause(&actors(&["RUSGOV", "RUSMIL"]), &Selection::default(), &[])
            ),
            "2"
        );
        assert_eq!(
            count(
                &engine,
                &where_clause(&actors(&["RUS", "PAK"]), &Selection::default(), &[])
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
            ..Side::default()
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
