//! `fulcrum compact`: re-cluster the store by actor pair so questions read only the rows they ask about.

use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::Args;
use fulcrum_events::{EventTable, TableLookup};
use fulcrum_store::{CompactOptions, Store};

use super::Place;

const AFTER: &str = "\
Ingest writes rows in the order they arrive, so every part of every file holds every pair of states and
a question about one dyad reads the whole store. Compaction rewrites each month partition as one file
sorted by (actor1 state, actor2 state — actor names where a side has no state — then day), in small row
groups. The files' statistics then tell Fulcrum, DuckDB, Spark and polars which row groups can hold a
pair, and they skip the rest: `dyad`, `balance` and `triad` on a big store read a small share of it.

Nothing else changes: the same rows, columns and year=/month= folders (plain Parquet any tool reads),
the same de-duplication keys and provenance. Months already compacted are skipped, so run it after
ingests (daily, say): only months with new files are rewritten. It is one transaction: readers see the
old files or the new ones, and a killed compaction leaves the store as it was or finishes on next open.
It holds two months in memory at once, about 2.4 KB per GDELT event (3 GiB for two months of 640,000
events, measured); --threads 1 halves that.

Then it saves the store's pair index (_fulcrum/tables/): the columns questions use, grouped by pair of
states, as Arrow IPC files of about 16 bytes per event between two states. `dyad`, `balance`, `triad`,
the other relations questions, Python and `fulcrum serve` map it instead of reading Parquet, as long as
the store has not changed since and the same actor dictionaries are used; after an ingest they read the
Parquet files again (and say so) until the next compaction saves a new one. It is derived data: deleting
the folder loses nothing. FULCRUM_PAIR_INDEX=off makes questions ignore it.

  fulcrum compact
  fulcrum compact --row-group-rows 32768 --force   # rewrite every month with smaller row groups";

/// Re-cluster the store by actor pair (one sorted file per month), so dyad questions skip most of it.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct CompactArgs {
    /// Rows per Parquet row group in the rewritten files (smaller: finer skipping, larger footers).
    #[arg(long, default_value_t = 65536, value_parser = clap::value_parser!(u64).range(1024..=16_777_216))]
    row_group_rows: u64,
    /// zstd compression level of the rewritten files (1 fastest … 22 smallest).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(i32).range(1..=22))]
    zstd_level: i32,
    /// Rewrite months that are already compacted too (e.g. to change --row-group-rows).
    #[arg(long)]
    force: bool,
    /// Months rewritten at once (each is held in memory while it is sorted); default: up to 2, by cores.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=64))]
    threads: Option<u64>,
    /// Do not save the pair index (questions then read the compacted Parquet files).
    #[arg(long)]
    no_pair_index: bool,
}

pub fn run(at: &Place, args: CompactArgs) -> Result<ExitCode> {
    let root = at.local_store("compact rewrites")?;
    let mut store =
        Store::open(root).with_context(|| format!("opening {} for writing", root.display()))?;
    let defaults = CompactOptions::default();
    let options = CompactOptions {
        row_group_rows: args.row_group_rows as usize,
        zstd_level: args.zstd_level,
        force: args.force,
        threads: args.threads.map_or(defaults.threads, |n| n as usize),
    };
    let started = std::time::Instant::now();
    let bar = crate::progress::spinner(&format!("compacting {}", root.display()));
    let report = store
        .compact(&options, &mut |done, total, rows| {
            bar.set_message(format!(
                "compacting: {done}/{total} month(s), {rows} events rewritten"
            ));
        })
        .with_context(|| format!("compacting {}", root.display()))?;
    bar.finish_and_clear();
    let mib = |b: u64| b as f64 / 1048576.0;
    if report.rewritten == 0 {
        println!(
            "{}: all {} month(s) already compacted ({} file(s)); nothing to do (--force rewrites them)",
            root.display(),
            report.partitions,
            report.files_after
        );
    } else {
        println!(
            "compacted {}: {} of {} month(s) rewritten, {} events; {} file(s) → {}; {:.1} MiB → {:.1} MiB \
             (rewritten months); {:.1} s; transaction {}",
            root.display(),
            report.rewritten,
            report.partitions,
            report.rows,
            report.files_before,
            report.files_after,
            mib(report.bytes_before),
            mib(report.bytes_after),
            started.elapsed().as_secs_f64(),
            report.txn.as_deref().unwrap_or("-")
        );
    }
    if !args.no_pair_index {
        // Still holding the writer lock: no ingest can change the store while its index is built.
        save_pair_index(at, root)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds and saves the pair index of the store's current snapshot, unless it is saved already.
fn save_pair_index(at: &Place, root: &std::path::Path) -> Result<()> {
    let resolver = crate::cmd::relations::resolver(&at.dict);
    let engine = fulcrum_query::QueryEngine::open(root)
        .with_context(|| format!("opening {}", root.display()))?;
    let snapshot = engine.snapshot();
    if let Ok(TableLookup::Fresh(_)) = EventTable::open_saved(snapshot, Some(&resolver), false) {
        println!("the pair index is up to date");
        return Ok(());
    }
    let started = std::time::Instant::now();
    let bar = crate::progress::spinner("saving the pair index: reading the store");
    let table = EventTable::from_store(&engine, Some(&resolver))
        .with_context(|| format!("reading {} for its pair index", root.display()))?;
    bar.set_message("saving the pair index: writing");
    let saved = table
        .save(snapshot, Some(&resolver))
        .with_context(|| format!("saving the pair index of {}", root.display()))?;
    bar.finish_and_clear();
    if let Some(saved) = saved {
        println!(
            "saved the pair index: {} events, {:.1} MiB in {}; {:.1} s",
            table.len(),
            saved.bytes as f64 / 1048576.0,
            saved.path.display(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
