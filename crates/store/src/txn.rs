//! Transactions: staging partitioned Parquet files, de-duplicating, quarantining, and the atomic commit.

use std::collections::HashMap;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use arrow::array::{
    Array, BinaryBuilder, BooleanArray, Date32Array, Int64Builder, RecordBatch, StringBuilder,
    UInt32Array,
};
use arrow::compute::{filter_record_batch, take_record_batch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use fulcrum_model::{Reject, civil_from_days, event_schema};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties};
use parquet::schema::types::ColumnPath;
use serde::{Deserialize, Serialize};

use crate::encode::{EncoderPool, PartitionFile};
use crate::fsutil::{fsync, sync_dir, write_atomic};
use crate::keys::{KeySet, write_keys};
use crate::manifest::{InputRecord, Manifest, TxnRecord};
use crate::names::NameCollector;
use crate::{Result, Store, StoreError, StorePaths};

/// How a transaction writes.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// zstd level of the Parquet files (1 is fastest; 3 is DuckDB's default).
    pub zstd_level: i32,
    /// Rows per Parquet row group.
    pub row_group_rows: usize,
    /// Bytes that rows waiting for their row group may hold in memory, over all partitions, before the largest
    /// partition's are encoded early. Besides these, at most [`ROW_GROUPS_IN_FLIGHT`] row groups are being
    /// encoded at any time.
    pub memory_budget: usize,
}

/// Row groups being encoded at once, whatever the number of cores: each spreads its columns over every encoder
/// thread already, and two keep them busy while the next row group fills.
pub const ROW_GROUPS_IN_FLIGHT: usize = 2;

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            zstd_level: 1,
            row_group_rows: 256 * 1024,
            memory_budget: 512 << 20,
        }
    }
}

/// What became of an input when it ended.
#[derive(Debug, Clone, PartialEq)]
pub enum InputOutcome {
    /// Its rows are part of the transaction.
    Added(InputRecord),
    /// The same content was committed before (as `InputRecord`); nothing of it is added again.
    AlreadyStored(InputRecord),
}

/// The journal: what a commit is about to do, written before it does it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Journal {
    txn: TxnRecord,
    inputs: Vec<InputRecord>,
    /// (staged path, final path), relative to the store root.
    renames: Vec<(String, String)>,
}

impl Journal {
    pub(crate) fn new(
        txn: TxnRecord,
        inputs: Vec<InputRecord>,
        renames: Vec<(String, String)>,
    ) -> Self {
        Journal {
            txn,
            inputs,
            renames,
        }
    }

    /// Writes the journal atomically: from then on the commit is decided and [`recover`] rolls it forward.
    pub(crate) fn write(&self, paths: &StorePaths) -> Result<PathBuf> {
        let path = paths.journal_dir().join(format!("{}.json", self.txn.id));
        write_atomic(
            &path,
            &serde_json::to_vec_pretty(self).expect("journal serialises"),
        )?;
        Ok(path)
    }

    /// Applies the journal to the store and the manifest, then deletes it.
    pub(crate) fn apply(
        &self,
        paths: &StorePaths,
        manifest: &mut Manifest,
        path: &Path,
    ) -> Result<()> {
        apply_journal(paths, self, manifest)?;
        fs::remove_file(path).map_err(|e| StoreError::io(path, e))
    }
}

struct PartitionWriter {
    staged: PathBuf,
    final_rel: String,
    file: PartitionFile,
}

struct CurrentInput {
    record: InputRecord,
    rejects: Vec<Reject>,
}

/// A set of inputs that will be committed together. Dropping it without [`Txn::commit`] discards it.
pub struct Txn<'s> {
    store: &'s mut Store,
    id: String,
    options: WriteOptions,
    props: WriterProperties,
    writers: HashMap<(i32, u32), PartitionWriter>,
    /// Encodes the partition files' row groups; started with the first row.
    pool: Option<EncoderPool>,
    /// Keys stored by this transaction, in order (written to the key file).
    new_keys: Vec<u64>,
    new_key_set: KeySet,
    /// Names stored without a state, for the names index.
    names: NameCollector,
    quarantine: QuarantineBuilder,
    inputs: Vec<InputRecord>,
    current: Option<CurrentInput>,
    finished: bool,
}

fn event_dates(batch: &RecordBatch) -> &Date32Array {
    batch
        .column_by_name("event_date")
        .and_then(|c| c.as_any().downcast_ref::<Date32Array>())
        .expect("event batches have a Date32 event_date")
}

/// The (year, month) of each row's event date.
fn month_of_rows(batch: &RecordBatch) -> impl Iterator<Item = (i32, u32)> + '_ {
    event_dates(batch).values().iter().map(|&day| {
        let (y, m, _) = civil_from_days(day);
        (y, m)
    })
}

/// Columns whose values are nearly all distinct: a dictionary would only cost time and grow the file.
const NO_DICTIONARY: &[&str] = &[
    "event_id",
    "line_number",
    "avg_tone",
    "actor1_geo_lat",
    "actor1_geo_lon",
    "actor2_geo_lat",
    "actor2_geo_lon",
    "action_geo_lat",
    "action_geo_lon",
];

/// Text columns whose row-group minimum and maximum can prune an ingest file (few distinct values per file).
/// Names, places and URLs of unsorted rows span the alphabet in every row group, so their statistics would
/// prune nothing and cost a comparison per value; `fulcrum compact` writes full statistics for sorted files.
const TEXT_STATISTICS: &[&str] = &[
    "dataset",
    "event_code",
    "event_base_code",
    "event_root_code",
    "actor1_country_code",
    "actor2_country_code",
    "input_file",
    "kg_split",
];

/// How an ingest writes its Parquet files (measured by `crates/store/examples/encode_cost.rs`: these choices
/// cut encoding time by about a quarter and the files by a quarter on GDELT 2.0 rows).
pub fn ingest_properties(options: &WriteOptions) -> WriterProperties {
    let level = ZstdLevel::try_new(options.zstd_level).unwrap_or_default();
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(options.row_group_rows))
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_created_by(format!("fulcrum {}", env!("CARGO_PKG_VERSION")));
    // Dates follow the input's order closely (a day's file, a year's file), so page statistics prune them.
    for column in ["event_date", "date_added"] {
        builder = builder
            .set_column_statistics_enabled(ColumnPath::from(column), EnabledStatistics::Page);
    }
    for column in NO_DICTIONARY {
        builder = builder.set_column_dictionary_enabled(ColumnPath::from(*column), false);
    }
    for field in event_schema().fields() {
        if field.data_type() == &DataType::Utf8 && !TEXT_STATISTICS.contains(&field.name().as_str())
        {
            builder = builder.set_column_statistics_enabled(
                ColumnPath::from(field.name().as_str()),
                EnabledStatistics::None,
            );
        }
    }
    builder.build()
}

pub(crate) fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) fn new_txn_id() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{:013}-{:08x}",
        now.as_millis(),
        std::process::id() ^ now.subsec_nanos()
    )
}

impl<'s> Txn<'s> {
    pub(crate) fn new(store: &'s mut Store, options: WriteOptions) -> Self {
        let props = ingest_properties(&options);
        Txn {
            store,
            id: new_txn_id(),
            options,
            props,
            writers: HashMap::new(),
            pool: None,
            new_keys: Vec::new(),
            new_key_set: KeySet::default(),
            names: NameCollector::default(),
            quarantine: QuarantineBuilder::default(),
            inputs: Vec::new(),
            current: None,
            finished: false,
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// The store's manifest as committed before this transaction.
    pub fn manifest(&self) -> &Manifest {
        &self.store.manifest
    }

    /// Rows this transaction has stored so far.
    pub fn rows_stored(&self) -> u64 {
        self.new_keys.len() as u64
    }

    /// Starts an input. `source` is the file it comes from, if any, for the unchanged-file check.
    pub fn begin_input(&mut self, display: &str, source: Option<(String, u64, i64)>) {
        let (source_path, size, modified) = match source {
            Some((p, s, m)) => (Some(p), Some(s), Some(m)),
            None => (None, None, None),
        };
        self.current = Some(CurrentInput {
            record: InputRecord {
                input: display.to_string(),
                source_path,
                size,
                modified,
                checksum: String::new(),
                sha256: String::new(),
                format: String::new(),
                rows_read: 0,
                rows_stored: 0,
                rows_quarantined: 0,
                duplicates_skipped: 0,
                txn: self.id.clone(),
                started_at: now_secs(),
                finished_at: 0,
            },
            rejects: Vec::new(),
        });
    }

    /// Adds parsed rows (with one de-duplication key per row) and rejected lines of the current input.
    pub fn write(
        &mut self,
        batch: &RecordBatch,
        keys: &[u64],
        rejects: Vec<Reject>,
        lines: u64,
    ) -> Result<()> {
        self.add_lines(rejects, lines);
        self.store_rows(batch, keys, None)
    }

    /// Adds parsed rows that all fall in one month of event date (`(year, month)`), with one de-duplication
    /// key per row, to the current input; the lines they came from are counted by [`add_lines`](Self::add_lines).
    pub fn write_month(
        &mut self,
        month: (i32, u32),
        batch: &RecordBatch,
        keys: &[u64],
    ) -> Result<()> {
        self.store_rows(batch, keys, Some(month))
    }

    /// Counts lines read from the current input and keeps its rejected lines.
    pub fn add_lines(&mut self, rejects: Vec<Reject>, lines: u64) {
        let current = self
            .current
            .as_mut()
            .expect("add_lines() outside begin_input()/end_input()");
        current.record.rows_read += lines;
        current.record.rows_quarantined += rejects.len() as u64;
        current.rejects.extend(rejects);
    }

    fn store_rows(
        &mut self,
        batch: &RecordBatch,
        keys: &[u64],
        month: Option<(i32, u32)>,
    ) -> Result<()> {
        let current = self
            .current
            .as_mut()
            .expect("write() outside begin_input()/end_input()");
        assert_eq!(batch.num_rows(), keys.len(), "one key per row");
        let mut keep = Vec::with_capacity(keys.len());
        let mut duplicates = 0u64;
        for &k in keys {
            let fresh = !self.store.keys.contains(k) && self.new_key_set.insert(k);
            if fresh {
                self.new_keys.push(k);
            } else {
                duplicates += 1;
            }
            keep.push(fresh);
        }
        current.record.duplicates_skipped += duplicates;
        current.record.rows_stored += keys.len() as u64 - duplicates;
        let batch = if duplicates == 0 {
            batch.clone()
        } else {
            filter_record_batch(batch, &BooleanArray::from(keep))?
        };
        if batch.num_rows() == 0 {
            return Ok(());
        }
        match month {
            Some(month) => {
                // A month is a contiguous range of days: its earliest and latest rows decide for all.
                let dates = event_dates(&batch).values();
                let (earliest, latest) = dates
                    .iter()
                    .fold((i32::MAX, i32::MIN), |(lo, hi), &d| (lo.min(d), hi.max(d)));
                if let Some(other) = [earliest, latest]
                    .map(|d| {
                        let (y, m, _) = civil_from_days(d);
                        (y, m)
                    })
                    .into_iter()
                    .find(|&m| m != month)
                {
                    return Err(StoreError::WrongMonth {
                        month,
                        found: other,
                    });
                }
                self.names.add(&batch);
                self.write_to(month, &batch)?;
                self.enforce_memory_budget()
            }
            None => self.route(&batch),
        }
    }

    /// Ends the current input with the identity of its content (see [`InputRecord::checksum`]; `sha256` when
    /// computed for a store with records identified by it alone) and the format it was read as.
    pub fn end_input(
        &mut self,
        checksum: &str,
        sha256: Option<&str>,
        format: &str,
    ) -> Result<InputOutcome> {
        let CurrentInput {
            mut record,
            rejects,
        } = self
            .current
            .take()
            .expect("end_input() without begin_input()");
        record.checksum = checksum.to_string();
        record.sha256 = sha256.unwrap_or_default().to_string();
        record.format = format.to_string();
        record.finished_at = now_secs();
        let earlier = self
            .store
            .manifest
            .find_content(checksum, sha256)
            .or_else(|| self.inputs.iter().find(|i| i.is_content(checksum, sha256)));
        if let Some(earlier) = earlier {
            // Same bytes as an input already stored: its rows were all duplicates; keep no second copy
            // of its rejects either.
            return Ok(InputOutcome::AlreadyStored(earlier.clone()));
        }
        for r in &rejects {
            self.quarantine.push(&record.input, r, &self.id);
        }
        self.inputs.push(record.clone());
        Ok(InputOutcome::Added(record))
    }

    /// Inputs added so far.
    pub fn inputs(&self) -> &[InputRecord] {
        &self.inputs
    }

    fn route(&mut self, batch: &RecordBatch) -> Result<()> {
        self.names.add(batch);
        let months: Vec<(i32, u32)> = month_of_rows(batch).collect();
        let first = months[0];
        if months.iter().all(|&m| m == first) {
            self.write_to(first, batch)?;
        } else {
            let mut groups: HashMap<(i32, u32), Vec<u32>> = HashMap::new();
            for (i, month) in months.into_iter().enumerate() {
                groups.entry(month).or_default().push(i as u32);
            }
            let mut months: Vec<_> = groups.into_iter().collect();
            months.sort_by_key(|(k, _)| *k);
            for (month, rows) in months {
                let part = take_record_batch(batch, &UInt32Array::from(rows))?;
                self.write_to(month, &part)?;
            }
        }
        self.enforce_memory_budget()
    }

    fn write_to(&mut self, month: (i32, u32), batch: &RecordBatch) -> Result<()> {
        if self.pool.is_none() {
            let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
            self.pool = Some(EncoderPool::new(cores)?);
        }
        let pool = self.pool.as_ref().expect("started above");
        let writer = self.writers.get_mut(&month);
        let writer = match writer {
            Some(w) => w,
            None => {
                let w = Self::new_writer(&self.store.paths.root, &self.id, month, &self.props)?;
                self.writers.entry(month).or_insert(w)
            }
        };
        writer.file.write(batch, pool)
    }

    fn new_writer(
        root: &Path,
        txn: &str,
        (year, month): (i32, u32),
        props: &WriterProperties,
    ) -> Result<PartitionWriter> {
        let dir_rel = format!("year={year:04}/month={month:02}");
        let dir = root.join(&dir_rel);
        fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        let name = format!("part-{txn}.parquet");
        let staged = dir.join(format!(".{name}.tmp"));
        let file = File::create(&staged).map_err(|e| StoreError::io(&staged, e))?;
        Ok(PartitionWriter {
            file: PartitionFile::new(file, event_schema(), props.clone())?,
            staged,
            final_rel: format!("{dir_rel}/{name}"),
        })
    }

    /// Keeps memory bounded: rows waiting for their row group over all partitions stay under the budget (the
    /// largest waiting partition is encoded early), and at most [`ROW_GROUPS_IN_FLIGHT`] are being encoded.
    fn enforce_memory_budget(&mut self) -> Result<()> {
        let Some(pool) = &self.pool else {
            return Ok(());
        };
        loop {
            let waiting: usize = self.writers.values().map(|w| w.file.pending_bytes()).sum();
            if waiting <= self.options.memory_budget {
                break;
            }
            let largest = self
                .writers
                .values_mut()
                .max_by_key(|w| w.file.pending_bytes())
                .expect("non-empty");
            largest.file.start_row_group(pool)?;
        }
        loop {
            let in_flight: usize = self
                .writers
                .values()
                .map(|w| w.file.row_groups_in_flight())
                .sum();
            if in_flight <= ROW_GROUPS_IN_FLIGHT {
                return Ok(());
            }
            let busiest = self
                .writers
                .values_mut()
                .max_by_key(|w| w.file.row_groups_in_flight())
                .expect("non-empty");
            busiest.file.append_oldest()?;
        }
    }

    /// Makes every input of the transaction visible at once. Returns the committed transaction record,
    /// or `None` when nothing new was added.
    pub fn commit(mut self) -> Result<Option<TxnRecord>> {
        assert!(self.current.is_none(), "commit() with an input still open");
        self.finished = true;
        let root = self.store.paths.root.clone();
        let mut renames = Vec::new();
        let mut data_files = Vec::new();
        let mut writers: Vec<_> = self.writers.drain().collect();
        writers.sort_by_key(|(k, _)| *k);
        if let Some(pool) = &self.pool {
            // Every file's last rows to the encoders first, so the cores share them, then each file is finished.
            for (_, w) in &mut writers {
                w.file.start_row_group(pool)?;
            }
        }
        for (_, w) in writers {
            let pool = self
                .pool
                .as_ref()
                .expect("a partition file exists only once its rows went to the pool");
            w.file.close(pool)?;
            fsync(&w.staged)?;
            renames.push((rel(&root, &w.staged), w.final_rel.clone()));
            data_files.push(w.final_rel);
        }
        if self.inputs.is_empty() {
            self.discard_staged(&renames);
            return Ok(None);
        }
        let paths = self.store.paths.clone();
        let keys_file = if self.new_keys.is_empty() {
            None
        } else {
            let staged = paths.keys_dir().join(format!(".{}.keys.tmp", self.id));
            write_keys(&staged, &self.new_keys)?;
            fsync(&staged)?;
            let final_rel = format!("{}/keys/{}.keys", crate::META_DIR, self.id);
            renames.push((rel(&root, &staged), final_rel.clone()));
            Some(final_rel)
        };
        let names_file = {
            let staged = paths.names_dir().join(format!(".{}.names.tmp", self.id));
            self.names.write(&staged)?;
            fsync(&staged)?;
            let final_rel = format!("{}/names/{}.names", crate::META_DIR, self.id);
            renames.push((rel(&root, &staged), final_rel.clone()));
            final_rel
        };
        let quarantine_file = if self.quarantine.len == 0 {
            None
        } else {
            let staged = paths
                .quarantine_dir()
                .join(format!(".{}.quarantine.tmp", self.id));
            self.quarantine.write(&staged, &self.props)?;
            fsync(&staged)?;
            let final_rel = format!("{}/quarantine/{}.quarantine", crate::META_DIR, self.id);
            renames.push((rel(&root, &staged), final_rel.clone()));
            Some(final_rel)
        };
        let txn = TxnRecord {
            id: self.id.clone(),
            committed_at: now_secs(),
            data_files,
            quarantine_file,
            keys_file,
            replaced_files: Vec::new(),
            names_file: Some(names_file),
        };
        let journal = Journal {
            txn: txn.clone(),
            inputs: std::mem::take(&mut self.inputs),
            renames,
        };
        let journal_path = journal.write(&paths)?;
        // From here on the commit is decided: a crash is rolled forward by `recover`.
        failpoint("after-journal");
        journal.apply(&paths, &mut self.store.manifest, &journal_path)?;
        self.store
            .keys
            .absorb(std::mem::take(&mut self.new_key_set));
        Ok(Some(txn))
    }

    fn discard_staged(&self, renames: &[(String, String)]) {
        for (staged, _) in renames {
            let _ = fs::remove_file(self.store.paths.root.join(staged));
        }
    }
}

impl Drop for Txn<'_> {
    fn drop(&mut self) {
        if !self.finished {
            // Abandoned: remove what was staged. (A killed process leaves them to `recover`.)
            for (_, w) in self.writers.drain() {
                drop(w.file);
                let _ = fs::remove_file(&w.staged);
            }
        }
    }
}

/// Crash-test hook: `FULCRUM_FAILPOINT=after-journal` (or `after-first-rename`) makes the process die at
/// that point of a commit, as a SIGKILL would, so tests can prove recovery at the exact worst moments.
pub(crate) fn failpoint(name: &str) {
    if std::env::var_os("FULCRUM_FAILPOINT").is_some_and(|v| v == name) {
        std::process::abort();
    }
}

pub(crate) fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Renames staged files into place, deletes the files a compaction replaced and records the transaction in the
/// manifest. Idempotent.
fn apply_journal(paths: &StorePaths, journal: &Journal, manifest: &mut Manifest) -> Result<()> {
    let root = &paths.root;
    let mut dirs = Vec::new();
    let remove = |rel: &str| {
        let path = root.join(rel);
        match fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(StoreError::io(&path, e)),
            _ => Ok(()),
        }
    };
    for (staged, fin) in &journal.renames {
        let (staged_path, fin_path) = (root.join(staged), root.join(fin));
        if staged_path.exists() {
            fs::rename(&staged_path, &fin_path).map_err(|e| StoreError::io(&fin_path, e))?;
            failpoint("after-first-rename");
        } else if !fin_path.exists() {
            return Err(StoreError::Corrupt {
                path: fin_path,
                reason: format!(
                    "transaction {} lost a staged file before it was renamed",
                    journal.txn.id
                ),
            });
        }
        // A partition's replaced files go right after its new file is in place, so a reader listing the folder
        // meanwhile sees its rows twice for as short a time as possible.
        let fin_dir = Path::new(fin).parent();
        for old in &journal.txn.replaced_files {
            if Path::new(old).parent() == fin_dir {
                remove(old)?;
            }
        }
        if let Some(d) = root.join(fin).parent() {
            dirs.push(d.to_path_buf());
        }
    }
    for old in &journal.txn.replaced_files {
        remove(old)?;
    }
    dirs.sort();
    dirs.dedup();
    for d in dirs {
        sync_dir(&d);
    }
    if !manifest.has_txn(&journal.txn.id) {
        for t in &mut manifest.txns {
            t.data_files
                .retain(|f| !journal.txn.replaced_files.contains(f));
        }
        manifest.inputs.extend(journal.inputs.iter().cloned());
        manifest.txns.push(journal.txn.clone());
        manifest.save(&paths.manifest())?;
    }
    Ok(())
}

/// Finishes commits that a killed process decided but did not complete, and removes staged files of
/// transactions that never reached their journal. Called with the writer lock held.
pub(crate) fn recover(paths: &StorePaths) -> Result<()> {
    let mut manifest = Manifest::load(&paths.manifest())?;
    let journal_dir = paths.journal_dir();
    let mut entries: Vec<PathBuf> = fs::read_dir(&journal_dir)
        .map_err(|e| StoreError::io(&journal_dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            let _ = fs::remove_file(&path); // a journal that was never completely written
            continue;
        }
        let bytes = fs::read(&path).map_err(|e| StoreError::io(&path, e))?;
        let journal: Journal = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            path: path.clone(),
            reason: format!("bad journal: {e}"),
        })?;
        apply_journal(paths, &journal, &mut manifest)?;
        fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
    }
    remove_staged(&paths.root)?;
    Ok(())
}

/// Deletes staged (`.*.tmp`) files anywhere in the store: with no journal left, they belong to nothing.
fn remove_staged(dir: &Path) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io(dir, e)),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
            remove_staged(&path)?;
        } else if name.starts_with('.') && name.ends_with(".tmp") || name.ends_with(".tmp-write") {
            fs::remove_file(&path).map_err(|e| StoreError::io(&path, e))?;
        }
    }
    Ok(())
}

/// Schema of the quarantine table.
pub fn quarantine_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("input_file", DataType::Utf8, false),
        Field::new("line_number", DataType::Int64, false),
        Field::new("raw", DataType::Binary, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("txn", DataType::Utf8, false),
    ]))
}

#[derive(Default)]
struct QuarantineBuilder {
    input_file: StringBuilder,
    line_number: Int64Builder,
    raw: BinaryBuilder,
    reason: StringBuilder,
    txn: StringBuilder,
    len: usize,
}

impl QuarantineBuilder {
    fn push(&mut self, input: &str, reject: &Reject, txn: &str) {
        self.input_file.append_value(input);
        self.line_number.append_value(reject.line_number as i64);
        self.raw.append_value(&reject.raw);
        self.reason.append_value(&reject.reason);
        self.txn.append_value(txn);
        self.len += 1;
    }

    fn write(&mut self, path: &Path, props: &WriterProperties) -> Result<()> {
        let batch = RecordBatch::try_new(
            quarantine_schema(),
            vec![
                Arc::new(self.input_file.finish()),
                Arc::new(self.line_number.finish()),
                Arc::new(self.raw.finish()),
                Arc::new(self.reason.finish()),
                Arc::new(self.txn.finish()),
            ],
        )?;
        let file = File::create(path).map_err(|e| StoreError::io(path, e))?;
        let mut writer = ArrowWriter::try_new(file, quarantine_schema(), Some(props.clone()))?;
        writer.write(&batch)?;
        writer.close()?;
        Ok(())
    }
}
