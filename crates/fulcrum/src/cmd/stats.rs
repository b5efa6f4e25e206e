//! `fulcrum stats`: what the store holds.

use crate::cmd::Place;
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use fulcrum_query::{OutputFormat, QueryEngine, write_batches};

/// Summarise the store: rows by dataset and year, date range, top actors and dyads, quarantine.
#[derive(Args)]
pub struct StatsArgs {
    /// How many top actors and dyads to list.
    #[arg(long, default_value_t = 10)]
    top: usize,

    /// Print JSON (one object per section) instead of tables.
    #[arg(long)]
    json: bool,
}

pub fn run(at: &Place, args: StatsArgs) -> Result<ExitCode> {
    let store = at.store.as_path();
    let engine =
        QueryEngine::open(store).with_context(|| format!("opening store {}", store.display()))?;
    let manifest = &engine.snapshot().manifest;
    let sum =
        |f: fn(&fulcrum_store::InputRecord) -> u64| manifest.inputs.iter().map(f).sum::<u64>();
    let header = format!(
        "store {}: {} input(s) in {} transaction(s); rows read {} = stored {} + quarantined {} + duplicates skipped {}",
        store.display(),
        manifest.inputs.len(),
        manifest.txns.len(),
        sum(|i| i.rows_read),
        sum(|i| i.rows_stored),
        sum(|i| i.rows_quarantined),
        sum(|i| i.duplicates_skipped),
    );
    let top = args.top;
    let sections: Vec<(&str, String)> = vec![
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
    let resolver = crate::cmd::relations::resolver(&at.dict);
    let coverage = fulcrum_events::coverage(&engine, Some(&resolver))?;
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
    let mut out = std::io::BufWriter::new(std::io::stdout());
    if args.json {
        let mut obj = serde_json::Map::new();
        obj.insert("summary".into(), serde_json::Value::String(header));
        obj.insert("resolution".into(), serde_json::to_value(coverage)?);
        obj.insert(
            "names without a state".into(),
            serde_json::to_value(fulcrum_events::names_without_state(
                &engine, &resolver, top,
            )?)?,
        );
        for (title, query) in &sections {
            let (schema, batches) = engine.sql(query)?;
            let mut buf = Vec::new();
            write_batches(OutputFormat::Json, &schema, &batches, &mut buf)?;
            obj.insert((*title).into(), serde_json::from_slice(&buf)?);
        }
        use std::io::Write;
        writeln!(out, "{}", serde_json::to_string_pretty(&obj)?)?;
    } else {
        use std::io::Write;
        writeln!(out, "{header}\n{resolution}\n")?;
        {
            let names = fulcrum_events::names_without_state(&engine, &resolver, top)?;
            writeln!(
                out,
                "names most often stored without a state, and how they resolve on their latest day:"
            )?;
            for n in &names {
                writeln!(
                    out,
                    "  {:>8}  {:<40} {}: {}",
                    n.sides,
                    n.name,
                    fulcrum_model::iso_date(n.last_day),
                    n.resolution
                )?;
            }
            writeln!(out)?;
        }
        for (title, query) in &sections {
            let (schema, batches) = engine.sql(query)?;
            writeln!(out, "{title}:")?;
            write_batches(OutputFormat::Table, &schema, &batches, &mut out)?;
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
