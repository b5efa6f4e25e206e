//! `fulcrum stats`: what the store holds.

use crate::cmd::Place;
use std::process::ExitCode;

use std::io::Write;

use anyhow::Result;
use clap::Args;
use fulcrum_query::{OutputFormat, write_batches};

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
    let engine = at.engine()?;
    let resolver = crate::cmd::relations::resolver(&at.dict);
    let stats = fulcrum_questions::stats::store_stats(&engine, &resolver, args.top)?;
    let mut out = std::io::BufWriter::new(std::io::stdout());
    if args.json {
        let mut obj = serde_json::Map::new();
        obj.insert("summary".into(), serde_json::Value::String(stats.header));
        obj.insert("resolution".into(), serde_json::to_value(stats.coverage)?);
        obj.insert(
            "names without a state".into(),
            serde_json::to_value(&stats.names_without_state)?,
        );
        for (title, t) in &stats.sections {
            let mut buf = Vec::new();
            write_batches(OutputFormat::Json, &t.schema, &t.batches, &mut buf)?;
            obj.insert((*title).into(), serde_json::from_slice(&buf)?);
        }
        writeln!(out, "{}", serde_json::to_string_pretty(&obj)?)?;
    } else {
        writeln!(out, "{}\n{}\n", stats.header, stats.resolution)?;
        writeln!(
            out,
            "names most often stored without a state, and how they resolve on their latest day:"
        )?;
        for n in &stats.names_without_state {
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
        for (title, t) in &stats.sections {
            writeln!(out, "{title}:")?;
            write_batches(OutputFormat::Table, &t.schema, &t.batches, &mut out)?;
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
