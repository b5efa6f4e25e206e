//! `fulcrum ingest`: read inputs into the store, one atomic transaction per group of whole inputs.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::Args;
use fulcrum_ingest::{ExpandOptions, Format, InputSpec, ParseFailure, ParseOptions, expand_inputs, parse_input};
use fulcrum_store::{InputOutcome, Store, Txn, WriteOptions};

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
        IngestArgs {
            inputs,
            format: None,
            max_reject_rate: None,
            commit_rows: 5_000_000,
            tkg_epoch: None,
            tkg_units_per_day: None,
            threads: None,
            zstd_level: 1,
        }
    }
}

fn parse_rate(s: &str) -> Result<f64, String> {
    let (num, scale) = match s.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (s, 1.0),
    };
    let v: f64 = num.trim().parse().map_err(|_| format!("'{s}' is not a rate (e.g. 0.01 or 1%)"))?;
    let v = v / scale;
    if !(0.0..=1.0).contains(&v) {
        return Err(format!("'{s}' is not between 0 and 1 (0% and 100%)"));
    }
    Ok(v)
}

pub(crate) fn parse_date(s: &str) -> Result<i32, fulcrum_model::ValueError> {
    fulcrum_model::parse_iso_date(s)
}

#[derive(Default)]
struct Totals {
    inputs: u64,
    unchanged: u64,
    read: u64,
    stored: u64,
    quarantined: u64,
    duplicates: u64,
    bytes: u64,
}

/// The on-disk identity of a file input, for skipping an unchanged file without reading it.
fn fingerprint(spec: &InputSpec) -> Option<(String, u64, i64)> {
    let path = spec.path.as_ref()?;
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos() as i64;
    let canonical = std::fs::canonicalize(path).ok()?.to_string_lossy().into_owned();
    let id = match &spec.zip_entry {
        Some(entry) => format!("{canonical}!{entry}"),
        None => canonical,
    };
    Some((id, meta.len(), modified))
}

pub fn run(store_dir: &Path, args: IngestArgs) -> Result<ExitCode> {
    let expand = ExpandOptions { tkg_epoch: args.tkg_epoch, tkg_units_per_day: args.tkg_units_per_day };
    let (inputs, skipped) = expand_inputs(&args.inputs, &expand)?;
    if !skipped.is_empty() {
        let names: Vec<String> =
            skipped.iter().take(4).map(|p| p.file_name().unwrap_or_default().to_string_lossy().into_owned()).collect();
        let more = if skipped.len() > 4 { format!(", … ({} in all)", skipped.len()) } else { String::new() };
        eprintln!("note: passed over files that are not event rows: {}{more}", names.join(", "));
    }
    if inputs.is_empty() {
        bail!("no inputs to read");
    }
    let mut store = Store::open(store_dir.to_path_buf())
        .with_context(|| format!("opening store {}", store_dir.display()))?;
    let write_options = WriteOptions { zstd_level: args.zstd_level, ..WriteOptions::default() };
    let mut parse_options = ParseOptions { format: args.format, ..ParseOptions::default() };
    if let Some(t) = args.threads {
        parse_options.threads = t.max(1);
    }
    let one_txn = args.max_reject_rate.is_some();

    let total_bytes: u64 = inputs.iter().filter_map(InputSpec::size_on_disk).sum();
    let bar = progress::bytes_bar(total_bytes, "ingest");
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut totals = Totals::default();
    let mut reasons: BTreeMap<String, u64> = BTreeMap::new();
    let mut committed_txns = 0;
    let mut next = 0;
    while next < inputs.len() {
        let mut txn = store.begin(write_options.clone());
        while next < inputs.len() {
            let spec = &inputs[next];
            next += 1;
            let mut run = InputRun { bar: &bar, counter: &counter, totals: &mut totals, reasons: &mut reasons };
            if let Err(e) = run.ingest_one(&mut txn, spec, &parse_options) {
                bar.abandon();
                let group = txn.inputs().len();
                drop(txn);
                bail!(
                    "{e}\nnothing of this input, nor of the {group} other input(s) of its uncommitted group, was stored; \
                     {committed_txns} earlier transaction(s) stay committed. Fix or remove the input and run again: \
                     inputs already stored are skipped."
                );
            }
            if !one_txn && txn.rows_stored() >= args.commit_rows {
                break;
            }
        }
        if let Some(max) = args.max_reject_rate {
            let rate = if totals.read == 0 { 0.0 } else { totals.quarantined as f64 / totals.read as f64 };
            if rate > max {
                bar.finish_and_clear();
                drop(txn);
                print_reasons(&reasons);
                eprintln!(
                    "error: {:.3}% of rows rejected ({} of {}), above --max-reject-rate {:.3}%; nothing was committed",
                    rate * 100.0,
                    totals.quarantined,
                    totals.read,
                    max * 100.0
                );
                return Ok(ExitCode::from(2));
            }
        }
        txn.commit()?;
        committed_txns += 1;
    }
    bar.finish_and_clear();
    print_reasons(&reasons);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "ingested {} input(s) ({} unchanged, skipped) into {}: read {} = stored {} + quarantined {} + duplicates skipped {}; \
         {:.1} s, {:.0} rows/s, {:.1} MB/s",
        totals.inputs,
        totals.unchanged,
        store_dir.display(),
        totals.read,
        totals.stored,
        totals.quarantined,
        totals.duplicates,
        secs,
        totals.read as f64 / secs.max(1e-9),
        totals.bytes as f64 / 1e6 / secs.max(1e-9),
    );
    debug_assert_eq!(totals.read, totals.stored + totals.quarantined + totals.duplicates);
    Ok(ExitCode::SUCCESS)
}

/// What one input's ingest reports into.
struct InputRun<'a> {
    bar: &'a indicatif::ProgressBar,
    counter: &'a Arc<AtomicU64>,
    totals: &'a mut Totals,
    reasons: &'a mut BTreeMap<String, u64>,
}

impl InputRun<'_> {
    fn ingest_one(&mut self, txn: &mut Txn<'_>, spec: &InputSpec, options: &ParseOptions) -> Result<()> {
        let fp = fingerprint(spec);
        if let Some((path, size, modified)) = &fp
            && let Some(earlier) = txn.manifest().find_file(path, *size, *modified)
        {
            progress::say(self.bar, format!("= {}: unchanged since ingested in transaction {}; skipped", spec.display, earlier.txn));
            self.totals.unchanged += 1;
            self.counter.fetch_add(*size, Ordering::Relaxed);
            return Ok(());
        }
        self.bar.set_message(spec.display.clone());
        txn.begin_input(&spec.display, fp);
        let (bar, counter, reasons) = (self.bar, self.counter, &mut *self.reasons);
        let summary = parse_input(spec, options, counter.clone(), |chunk| {
            bar.set_position(counter.load(Ordering::Relaxed));
            for r in &chunk.rejects {
                *reasons.entry(reason_kind(&r.reason)).or_default() += 1;
            }
            txn.write(&chunk.batch, &chunk.keys, chunk.rejects, chunk.lines)
        })
        .map_err(|failure| match failure {
            ParseFailure::Input(e) => anyhow::Error::new(e),
            ParseFailure::Sink(e) => anyhow::Error::new(e),
        })?;
        self.totals.bytes += summary.bytes;
        match txn.end_input(&summary.sha256, summary.format.as_str())? {
            InputOutcome::Added(rec) => {
                self.totals.inputs += 1;
                self.totals.read += rec.rows_read;
                self.totals.stored += rec.rows_stored;
                self.totals.quarantined += rec.rows_quarantined;
                self.totals.duplicates += rec.duplicates_skipped;
                progress::say(self.bar, format!(
                    "+ {} [{}]: read {}, stored {}, quarantined {}, duplicates skipped {}",
                    rec.input, rec.format, rec.rows_read, rec.rows_stored, rec.rows_quarantined, rec.duplicates_skipped
                ));
            }
            InputOutcome::AlreadyStored(earlier) => {
                self.totals.unchanged += 1;
                progress::say(self.bar, format!(
                    "= {}: same content as {} (transaction {}); nothing added",
                    spec.display, earlier.input, earlier.txn
                ));
            }
        }
        Ok(())
    }
}

/// Groups reasons by their wording without the quoted value ("bad integer in column X").
fn reason_kind(reason: &str) -> String {
    reason.split(": '").next().unwrap_or(reason).to_string()
}

fn print_reasons(reasons: &BTreeMap<String, u64>) {
    if reasons.is_empty() {
        return;
    }
    let mut sorted: Vec<_> = reasons.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1));
    eprintln!("quarantined rows by reason (see: fulcrum sql \"SELECT * FROM quarantine\"):");
    for (reason, n) in sorted.iter().take(10) {
        eprintln!("  {n:>8}  {reason}");
    }
}
