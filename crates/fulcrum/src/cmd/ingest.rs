//! `fulcrum ingest`: read inputs into the store, one atomic transaction per group of whole inputs (the run itself
//! is `fulcrum_intake::ingest`; this file parses arguments and reports).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fulcrum_ingest::{ExpandOptions, Format};
use fulcrum_intake::{
    IngestOptions, InputEvent, IntakeError, Observer, RejectCounts, sorted_reasons,
};
use indicatif::ProgressBar;

use crate::progress;

const AFTER: &str = "\
Inputs are files, folders (walked recursively; documentation and TKG id maps are passed over), globs, or -
for standard input; .gz and .zip are read directly. The format is detected from the first line:
  gdelt1     GDELT 1.0 export, 57 columns (back-files) or 58 (daily files)
  gdelt2     GDELT 2.0 export, 61 columns
  icews      ICEWS raw events, tab-separated with its header line
  tkg-ids    TKG benchmark split (subject relation object time), names from entity2id/relation2id beside it
  tkg-named  TKG split with names and ISO dates (TLogic / mmkb layout)

Nothing is lost: a line that cannot be stored (wrong column count, bad date or number, invalid UTF-8,
unknown CAMEO code) goes to the quarantine table with its file, line number, raw bytes and reason
(`fulcrum sql \"SELECT * FROM quarantine\"`). Rows read = stored + quarantined + duplicates skipped.
Events already in the store (GDELT GLOBALEVENTID, ICEWS event id + date, TKG quadruple) are skipped,
and an unchanged file that was ingested before is not read again.

Each group of whole inputs is committed atomically: if ingest is killed, every input is either fully in
the store or not at all, and re-running the same command finishes the job.

Examples:
  fulcrum ingest ../shared/data/gdelt2/arekziobrowski-gdelt-big-data/20191024143000.export.CSV
  fulcrum ingest 'downloads/*.export.CSV.zip' --max-reject-rate 0.01
  zcat events.tsv.gz | fulcrum ingest - --format icews
  fulcrum ingest ../shared/data/icews14/xerte            # TKG: dates from the ICEWS14 calendar
  fulcrum ingest my-tkg/ --tkg-epoch 2020-01-01          # an id-coded TKG of your own";

/// Read event files into the store.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct IngestArgs {
    /// Files, folders, globs, or - for standard input.
    #[arg(required = true)]
    inputs: Vec<String>,

    /// Read every input as this format instead of detecting it.
    #[arg(long, value_name = "gdelt1|gdelt2|icews|tkg-ids|tkg-named")]
    format: Option<Format>,

    /// Fail, committing nothing of this run, if more than this share of rows is rejected
    /// (0.01 or 1%). With it, the whole run is one transaction.
    #[arg(long, value_name = "RATE", value_parser = parse_rate)]
    max_reject_rate: Option<f64>,

    /// Commit after a group of whole inputs has stored at least this many rows.
    #[arg(long, default_value_t = 5_000_000, value_name = "ROWS")]
    commit_rows: u64,

    /// Day 0 of the time stamps of an id-coded TKG (YYYY-MM-DD); ICEWS14/ICEWS18/ICEWS05-15 folders are
    /// recognised by name.
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    tkg_epoch: Option<i32>,

    /// Time stamps per day in an id-coded TKG (24 when stamps are hours in steps of a day).
    #[arg(long, value_name = "N")]
    tkg_units_per_day: Option<i64>,

    /// Parser threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,

    /// zstd level of the Parquet files (1 fastest … 22 smallest).
    #[arg(long, default_value_t = 1)]
    zstd_level: i32,
}

impl IngestArgs {
    /// Default options for a list of inputs (used by `fetch --ingest`).
    pub fn for_inputs(inputs: Vec<String>) -> Self {
        let d = IngestOptions::default();
        IngestArgs {
            inputs,
            format: None,
            max_reject_rate: None,
            commit_rows: d.commit_rows,
            tkg_epoch: None,
            tkg_units_per_day: None,
            threads: None,
            zstd_level: d.zstd_level,
        }
    }
}

fn parse_rate(s: &str) -> Result<f64, fulcrum_model::ValueError> {
    let (num, scale) = match s.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (s, 1.0),
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .map(|v| v / scale)
        .filter(|v| (0.0..=1.0).contains(v))
        .ok_or_else(|| {
            fulcrum_model::ValueError::new(
                s,
                "a rate",
                "a share from 0 to 1 or a percentage (0.01 or 1%)",
            )
        })
}

pub(crate) fn parse_date(s: &str) -> Result<i32, fulcrum_model::ValueError> {
    fulcrum_model::parse_iso_date(s)
}

/// Draws the run on a byte bar and prints a line per input.
struct Report {
    bar: ProgressBar,
}

impl Observer for Report {
    fn start(&self, total_bytes: u64) {
        self.bar.set_length(total_bytes);
    }

    fn progress(&self, bytes: u64) {
        self.bar.set_position(bytes);
    }

    fn reading(&self, input: &str) {
        self.bar.set_message(input.to_string());
    }

    fn input_done(&self, event: &InputEvent) {
        let line = event.describe();
        progress::say(&self.bar, line);
    }
}

pub fn run(store_dir: &Path, args: IngestArgs) -> Result<ExitCode> {
    let options = IngestOptions {
        format: args.format,
        max_reject_rate: args.max_reject_rate,
        commit_rows: args.commit_rows,
        expand: ExpandOptions {
            tkg_epoch: args.tkg_epoch,
            tkg_units_per_day: args.tkg_units_per_day,
        },
        threads: args.threads,
        zstd_level: args.zstd_level,
    };
    let report = Report {
        bar: progress::bytes_bar(0, "ingest"),
    };
    let result = fulcrum_intake::ingest(store_dir, &args.inputs, &options, &report);
    report.bar.finish_and_clear();
    let done = match result {
        Ok(done) => done,
        Err(e) => {
            if let IntakeError::TooManyRejects { rejects, .. } = &e {
                // Exit 2: the data, not the program, failed the run.
                print_reasons(rejects);
                eprintln!("error: {e} (--max-reject-rate)");
                return Ok(ExitCode::from(2));
            }
            return Err(e.into());
        }
    };
    if !done.passed_over.is_empty() {
        let names: Vec<String> = done
            .passed_over
            .iter()
            .take(4)
            .map(|p| {
                p.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        let more = if done.passed_over.len() > 4 {
            format!(", … ({} in all)", done.passed_over.len())
        } else {
            String::new()
        };
        eprintln!(
            "note: passed over files that are not event rows: {}{more}",
            names.join(", ")
        );
    }
    print_reasons(&done.rejects);
    println!("{}", done.summary(store_dir));
    Ok(ExitCode::SUCCESS)
}

/// Prints the quarantined rows by kind, most first.
fn print_reasons(rejects: &RejectCounts) {
    if rejects.is_empty() {
        return;
    }
    eprintln!("quarantined rows by reason (see: fulcrum sql \"SELECT * FROM quarantine\"):");
    for (reason, n) in sorted_reasons(rejects).iter().take(10) {
        eprintln!("  {n:>8}  {reason}");
    }
}
