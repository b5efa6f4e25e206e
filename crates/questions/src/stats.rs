//! What the store holds: inputs and rows, events by dataset and year, the date range, top actors and dyads,
//! quarantine by reason, and how many events have a state on both sides once people are resolved. The CLI's
//! `stats` prints it; Python returns it.

use fulcrum_events::{Coverage, NameWithoutState};
use fulcrum_model::resolve::Resolver;
use fulcrum_query::QueryEngine;

use crate::QuestionError;
use crate::table::Table;

/// The store summarised.
#[derive(Debug, Clone)]
pub struct StoreStats {
    /// "store X: N input(s) in M transaction(s); rows read … = stored … + quarantined … + duplicates skipped …".
    pub header: String,
    /// How many events have a state on both sides, as stored and with names resolved.
    pub resolution: String,
    pub coverage: Coverage,
    /// The names most often stored without a state, and how they resolve on their latest day.
    pub names_without_state: Vec<NameWithoutState>,
    /// Titled tables: events by dataset and year, date range, top actors, top dyads, quarantine by reason.
    pub sections: Vec<(&'static str, Table)>,
}

/// Summarises the store; `top` bounds the lists of actors, dyads and names.
pub fn store_stats(
    engine: &QueryEngine,
    resolver: &Resolver,
    top: usize,
) -> Result<StoreStats, QuestionError> {
    let manifest = &engine.snapshot().manifest;
    let sum =
        |f: fn(&fulcrum_store::InputRecord) -> u64| manifest.inputs.iter().map(f).sum::<u64>();
    let header = format!(
        "store {}: {} input(s) in {} transaction(s); rows read {} = stored {} + quarantined {} + duplicates skipped {}",
        engine.snapshot().location,
        manifest.inputs.len(),
        manifest.txns.len(),
        sum(|i| i.rows_read),
        sum(|i| i.rows_stored),
        sum(|i| i.rows_quarantined),
        sum(|i| i.duplicates_skipped),
    );
    let index = match fulcrum_events::EventTable::saved_state(engine.snapshot(), Some(resolver)) {
        Err(e) => format!("pair index: unreadable ({e})"),
        Ok(state) => match state {
        fulcrum_events::SavedState::Fresh { saved, events } => format!(
            "pair index: up to date ({events} events, {:.1} MiB in {}): questions read it instead of the Parquet files",
            saved.bytes as f64 / 1048576.0,
            saved.path.display()
        ),
        fulcrum_events::SavedState::Stale => "pair index: out of date (saved before the last transaction, or with \
             other actor dictionaries): questions read the Parquet files; `fulcrum compact` saves a new one"
            .to_string(),
        fulcrum_events::SavedState::Missing => "pair index: none (`fulcrum compact` saves one: on a big store, \
             questions then read only the rows of their pairs)"
            .to_string(),
        },
    };
    let header = format!("{header}\n{index}");
    let queries: Vec<(&'static str, String)> = vec![
        (
            "events by dataset and year",
            "SELECT dataset, year, count(*) AS events, min(event_date) AS first, max(event_date) AS last, \
             round(avg(goldstein), 3) AS mean_goldstein FROM events GROUP BY dataset, year ORDER BY dataset, year"
                .into(),
        ),
        (
            "date range",
            "SELECT count(*) AS events, min(event_date) AS first, max(event_date) AS last, \
             count(DISTINCT dataset) AS datasets FROM events"
                .into(),
        ),
        (
            "top actors (country code, either side)",
            format!(
                "SELECT actor, count(*) AS events FROM (SELECT actor1_country_code AS actor FROM events \
                 UNION ALL SELECT actor2_country_code AS actor FROM events) WHERE actor IS NOT NULL \
                 GROUP BY actor ORDER BY events DESC, actor LIMIT {top}"
            ),
        ),
        (
            "top directed dyads (country codes)",
            format!(
                "SELECT actor1_country_code AS source, actor2_country_code AS target, count(*) AS events, \
                 round(sum(goldstein), 1) AS goldstein_sum FROM events WHERE actor1_country_code IS NOT NULL \
                 AND actor2_country_code IS NOT NULL AND actor1_country_code <> actor2_country_code \
                 GROUP BY 1, 2 ORDER BY events DESC, source, target LIMIT {top}"
            ),
        ),
        (
            "quarantine by reason",
            "SELECT split_part(reason, ': ''', 1) AS reason, count(*) AS rows, count(DISTINCT input_file) AS inputs \
             FROM quarantine GROUP BY 1 ORDER BY rows DESC LIMIT 20"
                .into(),
        ),
    ];
    let coverage = fulcrum_events::coverage(engine, Some(resolver))?;
    let share = |n: u64| 100.0 * n as f64 / coverage.events.max(1) as f64;
    let resolution = format!(
        "events with a state on both sides: {} of {} ({:.1}%) as stored; {} ({:.1}%) with people and organisations \
         resolved to states by the dated roles in {}",
        coverage.both_stored,
        coverage.events,
        share(coverage.both_stored),
        coverage.both_resolved,
        share(coverage.both_resolved),
        resolver.sources.join(", ")
    );
    let names_without_state = fulcrum_events::names_without_state(engine, resolver, top)?;
    let mut sections = Vec::with_capacity(queries.len());
    for (title, query) in queries {
        let (schema, batches) = engine.sql(&query)?;
        sections.push((title, Table { schema, batches }));
    }
    Ok(StoreStats {
        header,
        resolution,
        coverage,
        names_without_state,
        sections,
    })
}
