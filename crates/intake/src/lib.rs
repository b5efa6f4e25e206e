//! An ingest run: inputs expanded and parsed by `fulcrum-ingest`, written into `fulcrum-store` transactions of
//! whole inputs, with the policy a run follows (skip unchanged files, commit every so many rows, refuse a run whose
//! reject rate is too high) and reports for a progress observer. The CLI and the Python package drive it; neither
//! re-implements it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, UNIX_EPOCH};

use fulcrum_ingest::{
    ExpandOptions, Format, IngestError, InputSpec, ParseFailure, ParseOptions, expand_inputs,
    parse_input,
};
use fulcrum_model::RejectKind;
use fulcrum_store::{InputOutcome, InputRecord, Store, StoreError, Txn, WriteOptions};

/// How a run reads and commits.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Read every input as this format instead of detecting it.
    pub format: Option<Format>,
    /// Fail, committing nothing of the run, above this share of rejected rows; the run is then one transaction.
    pub max_reject_rate: Option<f64>,
    /// Commit after a group of whole inputs has stored at least this many rows.
    pub commit_rows: u64,
    pub expand: ExpandOptions,
    /// Parser threads (`None`: all cores).
    pub threads: Option<usize>,
    /// zstd level of the Parquet files.
    pub zstd_level: i32,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            format: None,
            max_reject_rate: None,
            commit_rows: 5_000_000,
            expand: ExpandOptions::default(),
            threads: None,
            zstd_level: 1,
        }
    }
}

/// What happened to one input.
#[derive(Debug, Clone)]
pub enum InputEvent {
    /// The same file (path, size, modification time) was ingested before, in this transaction.
    Unchanged { input: String, txn: String },
    /// Its rows were read: stored, quarantined or skipped as duplicates.
    Added(InputRecord),
    /// The same content was ingested before under another name.
    SameContent {
        input: String,
        earlier: String,
        txn: String,
    },
}

/// Hears about a run as it goes; every method has a default that ignores it.
pub trait Observer {
    /// The inputs are known: their total size on disk.
    fn start(&self, _total_bytes: u64) {}
    /// Bytes read so far, of all inputs.
    fn progress(&self, _bytes: u64) {}
    /// An input is being read.
    fn reading(&self, _input: &str) {}
    /// An input is done.
    fn input_done(&self, _event: &InputEvent) {}
}

impl InputEvent {
    /// The line a front end shows when the input is done (the CLI prints it, Python too).
    pub fn describe(&self) -> String {
        match self {
            InputEvent::Unchanged { input, txn } => {
                format!("= {input}: unchanged since ingested in transaction {txn}; skipped")
            }
            InputEvent::Added(r) => format!(
                "+ {} [{}]: read {}, stored {}, quarantined {}, duplicates skipped {}",
                r.input,
                r.format,
                r.rows_read,
                r.rows_stored,
                r.rows_quarantined,
                r.duplicates_skipped
            ),
            InputEvent::SameContent {
                input,
                earlier,
                txn,
            } => format!("= {input}: same content as {earlier} (transaction {txn}); nothing added"),
        }
    }
}

/// An observer that ignores everything.
pub struct Quiet;
impl Observer for Quiet {}

/// Rows of a run: read = stored + quarantined + duplicates skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub inputs: u64,
    pub unchanged: u64,
    pub read: u64,
    pub stored: u64,
    pub quarantined: u64,
    pub duplicates: u64,
    pub bytes: u64,
}

/// Quarantined rows counted by kind and column ("bad value in column GoldsteinScale").
pub type RejectCounts = BTreeMap<(RejectKind, Option<String>), u64>;

/// How a reject group reads in a summary.
pub fn describe_reject((kind, column): &(RejectKind, Option<String>)) -> String {
    match column {
        Some(c) => format!("{} in column {c}", kind.describe()),
        None => kind.describe().to_string(),
    }
}

/// What a whole run did.
#[derive(Debug, Clone)]
pub struct IngestReport {
    pub totals: Totals,
    pub rejects: RejectCounts,
    /// Files passed over because they are not event rows (documentation, id maps).
    pub passed_over: Vec<PathBuf>,
    pub transactions: usize,
    pub seconds: f64,
}

impl IngestReport {
    /// The closing line of a run: rows read = stored + quarantined + duplicates skipped, and the speed.
    pub fn summary(&self, store: &Path) -> String {
        let (t, secs) = (&self.totals, self.seconds.max(1e-9));
        format!(
            "ingested {} input(s) ({} unchanged, skipped) into {}: read {} = stored {} + quarantined {} + duplicates \
             skipped {}; {:.1} s, {:.0} rows/s, {:.1} MB/s",
            t.inputs,
            t.unchanged,
            store.display(),
            t.read,
            t.stored,
            t.quarantined,
            t.duplicates,
            self.seconds,
            t.read as f64 / secs,
            t.bytes as f64 / 1e6 / secs,
        )
    }

    /// Quarantined rows by reason, most first (the reasons as [`describe_reject`] words them).
    pub fn reasons(&self) -> Vec<(String, u64)> {
        sorted_reasons(&self.rejects)
    }
}

/// Reject groups by count, most first, worded by [`describe_reject`].
pub fn sorted_reasons(rejects: &RejectCounts) -> Vec<(String, u64)> {
    let mut sorted: Vec<(String, u64)> = rejects
        .iter()
        .map(|(group, n)| (describe_reject(group), *n))
        .collect();
    sorted.sort_by_key(|r| std::cmp::Reverse(r.1));
    sorted
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("no inputs to read")]
    NoInputs,
    #[error(transparent)]
    Expand(IngestError),
    #[error("opening store {}: {error}", path.display())]
    Open { path: PathBuf, error: StoreError },
    /// An input that cannot be read at all; its group was not committed, earlier groups were.
    #[error(
        "{error}\nnothing of this input, nor of the {group} other input(s) of its uncommitted group, was stored; \
         {committed} earlier transaction(s) stay committed. Fix or remove the input and run again: inputs already \
         stored are skipped."
    )]
    Input {
        error: Box<dyn std::error::Error + Send + Sync>,
        group: usize,
        committed: usize,
    },
    /// Too many rows were rejected: nothing of the run was committed.
    #[error(
        "{:.3}% of rows rejected ({quarantined} of {read}), above the maximum {:.3}%; nothing was committed",
        rate * 100.0,
        max * 100.0
    )]
    TooManyRejects {
        rate: f64,
        max: f64,
        quarantined: u64,
        read: u64,
        rejects: RejectCounts,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The on-disk identity of a file input, for skipping an unchanged file without reading it.
fn fingerprint(spec: &InputSpec) -> Option<(String, u64, i64)> {
    let path = spec.path.as_ref()?;
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_nanos() as i64;
    let canonical = std::fs::canonicalize(path)
        .ok()?
        .to_string_lossy()
        .into_owned();
    let id = match &spec.zip_entry {
        Some(entry) => format!("{canonical}!{entry}"),
        None => canonical,
    };
    Some((id, meta.len(), modified))
}

/// Reads `inputs` (files, folders, globs, `-`) into the store at `store_dir`, one atomic transaction per group of
/// whole inputs.
pub fn ingest(
    store_dir: &Path,
    inputs: &[String],
    options: &IngestOptions,
    observer: &dyn Observer,
) -> Result<IngestReport, IntakeError> {
    let (specs, passed_over) =
        expand_inputs(inputs, &options.expand).map_err(IntakeError::Expand)?;
    if specs.is_empty() {
        return Err(IntakeError::NoInputs);
    }
    let mut store = Store::open(store_dir.to_path_buf()).map_err(|error| IntakeError::Open {
        path: store_dir.to_path_buf(),
        error,
    })?;
    let write_options = WriteOptions {
        zstd_level: options.zstd_level,
        ..WriteOptions::default()
    };
    let mut parse_options = ParseOptions {
        format: options.format,
        sha256: store.manifest().needs_sha256(),
        ..ParseOptions::default()
    };
    if let Some(t) = options.threads {
        parse_options.threads = t.max(1);
    }
    let one_txn = options.max_reject_rate.is_some();
    observer.start(specs.iter().filter_map(InputSpec::size_on_disk).sum());
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut run = Run {
        observer,
        counter,
        totals: Totals::default(),
        rejects: RejectCounts::new(),
    };
    let mut transactions = 0;
    let mut next = 0;
    while next < specs.len() {
        let mut txn = store.begin(write_options.clone());
        while next < specs.len() {
            let spec = &specs[next];
            next += 1;
            if let Err(error) = run.ingest_one(&mut txn, spec, &parse_options) {
                let group = txn.inputs().len();
                drop(txn);
                return Err(IntakeError::Input {
                    error,
                    group,
                    committed: transactions,
                });
            }
            if !one_txn && txn.rows_stored() >= options.commit_rows {
                break;
            }
        }
        if let Some(max) = options.max_reject_rate {
            let t = &run.totals;
            let rate = if t.read == 0 {
                0.0
            } else {
                t.quarantined as f64 / t.read as f64
            };
            if rate > max {
                drop(txn);
                return Err(IntakeError::TooManyRejects {
                    rate,
                    max,
                    quarantined: t.quarantined,
                    read: t.read,
                    rejects: run.rejects,
                });
            }
        }
        txn.commit()?;
        transactions += 1;
    }
    let totals = run.totals;
    debug_assert_eq!(
        totals.read,
        totals.stored + totals.quarantined + totals.duplicates
    );
    Ok(IngestReport {
        totals,
        rejects: run.rejects,
        passed_over,
        transactions,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The state of a run across its inputs.
struct Run<'o> {
    observer: &'o dyn Observer,
    counter: Arc<AtomicU64>,
    totals: Totals,
    rejects: RejectCounts,
}

impl Run<'_> {
    fn ingest_one(
        &mut self,
        txn: &mut Txn<'_>,
        spec: &InputSpec,
        options: &ParseOptions,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let fp = fingerprint(spec);
        if let Some((path, size, modified)) = &fp
            && let Some(earlier) = txn.manifest().find_file(path, *size, *modified)
        {
            let event = InputEvent::Unchanged {
                input: spec.display.clone(),
                txn: earlier.txn.clone(),
            };
            self.totals.unchanged += 1;
            self.observer
                .progress(self.counter.fetch_add(*size, Ordering::Relaxed) + size);
            self.observer.input_done(&event);
            return Ok(());
        }
        self.observer.reading(&spec.display);
        txn.begin_input(&spec.display, fp);
        let (observer, counter, rejects) = (self.observer, self.counter.clone(), &mut self.rejects);
        let summary = parse_input(spec, options, counter.clone(), |chunk| {
            observer.progress(counter.load(Ordering::Relaxed));
            for r in &chunk.rejects {
                *rejects.entry((r.kind, r.column.clone())).or_default() += 1;
            }
            for month in &chunk.months {
                txn.write_month((month.year, month.month), &month.batch, &month.keys)?;
            }
            txn.add_lines(chunk.rejects, chunk.lines);
            Ok::<_, StoreError>(())
        })
        .map_err(|failure| -> Box<dyn std::error::Error + Send + Sync> {
            match failure {
                ParseFailure::Input(e) => Box::new(e),
                ParseFailure::Sink(e) => Box::new(e),
            }
        })?;
        let content = &summary.content;
        self.totals.bytes += content.bytes;
        let checksum = format!("blake3:{}", content.blake3);
        let event = match txn.end_input(
            &checksum,
            content.sha256.as_deref(),
            summary.format.as_str(),
        )? {
            InputOutcome::Added(rec) => {
                let t = &mut self.totals;
                t.inputs += 1;
                t.read += rec.rows_read;
                t.stored += rec.rows_stored;
                t.quarantined += rec.rows_quarantined;
                t.duplicates += rec.duplicates_skipped;
                InputEvent::Added(rec)
            }
            InputOutcome::AlreadyStored(earlier) => {
                self.totals.unchanged += 1;
                InputEvent::SameContent {
                    input: spec.display.clone(),
                    earlier: earlier.input.clone(),
                    txn: earlier.txn.clone(),
                }
            }
        };
        self.observer.input_done(&event);
        Ok(())
    }
}

/// Writes one batch of events made in memory (by the coder) into the store as one input of one transaction.
/// `digest` identifies the content, so the same events added again are recognised as already stored.
pub fn store_batch(
    store_dir: &Path,
    label: &str,
    batch: &fulcrum_model::arrow_array::RecordBatch,
    keys: &[u64],
    digest: &str,
    format: &str,
) -> Result<InputOutcome, IntakeError> {
    let mut store = Store::open(store_dir.to_path_buf()).map_err(|error| IntakeError::Open {
        path: store_dir.to_path_buf(),
        error,
    })?;
    let mut txn = store.begin(WriteOptions::default());
    txn.begin_input(label, None);
    txn.write(batch, keys, Vec::new(), batch.num_rows() as u64)?;
    let outcome = txn.end_input(digest, None, format)?;
    txn.commit()?;
    Ok(outcome)
}
