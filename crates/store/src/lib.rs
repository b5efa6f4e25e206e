//! Fulcrum's embedded event store.
//!
//! Layout of a store directory (readable as-is by DuckDB, Spark, DataFusion and polars):
//!
//! ```text
//! STORE/year=2019/month=02/part-<txn>.parquet   events, zstd Parquet, one file per month per transaction
//! STORE/_fulcrum/manifest.json                  every committed input and transaction
//! STORE/_fulcrum/keys/<txn>.keys                de-duplication keys of the rows a transaction stored
//! STORE/_fulcrum/quarantine/<txn>.quarantine    rejected lines (Parquet, deliberately not *.parquet)
//! STORE/_fulcrum/journal/<txn>.json             present only while a commit is being applied
//! STORE/_fulcrum/lock                           held by the one process that may write
//! ```
//!
//! Partition values live only in the folder names (`year`, `month`, zero-padded strings), never inside the
//! files: Spark rejects a column that is both. Names starting with `_` or `.` are ignored by Spark and by
//! Fulcrum's own listing, and staging files end in `.tmp`, so no reader ever sees a half-written file.
//!
//! Commit protocol (see `ARCHITECTURE.md`): stage every file under a temporary name and fsync it; write the
//! journal atomically; rename the staged files into place; rewrite the manifest atomically; delete the
//! journal. Opening a store for writing replays a journal left by a killed process (roll forward) and
//! deletes staged files that no journal names (roll back), so every input is stored whole or not at all.

pub mod compact;
mod encode;
mod fsutil;
mod keys;
mod manifest;
pub mod names;
pub mod remote;
mod txn;

use std::fs::{self, File};
use std::path::{Path, PathBuf};

pub use compact::{CompactOptions, CompactReport};
pub use manifest::{InputRecord, Manifest, TxnRecord};
pub use remote::{PushReport, PushStep, StoreLocation, push, store_location};
pub use txn::{
    InputOutcome, ROW_GROUPS_IN_FLIGHT, Txn, WriteOptions, ingest_properties, quarantine_schema,
};

use keys::KeyIndex;

/// Errors of the store. Paths are always named.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    #[error("store {} is locked by another writer (an ingest is running); try again when it ends", .0.display())]
    Locked(PathBuf),
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    #[error(
        "rows given for {}-{:02} include a row of {}-{:02}: each call of `write_month` takes one month's rows",
        month.0, month.1, found.0, found.1
    )]
    WrongMonth {
        month: (i32, u32),
        found: (i32, u32),
    },
    #[error("the Parquet encoder threads could not start: {0}")]
    Threads(std::io::Error),
    #[error("{url}: {error}")]
    Remote {
        url: String,
        error: object_store::Error,
    },
    #[error(
        "{0}: no Fulcrum store here (no _fulcrum/manifest.json); copy a local store there with `fulcrum push {0}`"
    )]
    NoRemoteStore(String),
}

impl StoreError {
    pub(crate) fn remote(url: &url::Url, error: object_store::Error) -> Self {
        StoreError::Remote {
            url: url.to_string(),
            error,
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        StoreError::Io {
            path: path.to_path_buf(),
            error: source,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The folder of Fulcrum's own files inside a store.
pub const META_DIR: &str = "_fulcrum";
/// The manifest's file name inside [`META_DIR`], on disk and in an object store alike.
pub(crate) const MANIFEST_FILE: &str = "manifest.json";

/// Paths inside a store.
#[derive(Debug, Clone)]
pub struct StorePaths {
    pub root: PathBuf,
}

impl StorePaths {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StorePaths { root: root.into() }
    }
    pub fn meta(&self) -> PathBuf {
        self.root.join(META_DIR)
    }
    pub fn manifest(&self) -> PathBuf {
        self.meta().join(MANIFEST_FILE)
    }
    pub fn journal_dir(&self) -> PathBuf {
        self.meta().join("journal")
    }
    pub fn keys_dir(&self) -> PathBuf {
        self.meta().join("keys")
    }
    pub fn quarantine_dir(&self) -> PathBuf {
        self.meta().join("quarantine")
    }
    pub fn names_dir(&self) -> PathBuf {
        self.meta().join("names")
    }
    /// Where the questions' pair index lives (`fulcrum-events`' persisted event table), one folder per snapshot
    /// it was built from. Outside the manifest: derived data that can always be rebuilt or deleted.
    pub fn tables_dir(&self) -> PathBuf {
        self.meta().join("tables")
    }
    fn lock(&self) -> PathBuf {
        self.meta().join("lock")
    }
}

/// A store opened for writing: holds the writer lock, the manifest and the de-duplication index.
pub struct Store {
    paths: StorePaths,
    manifest: Manifest,
    keys: KeyIndex,
    _lock: File,
}

impl Store {
    /// Opens (creating if needed) a store for writing, recovering from any interrupted commit.
    pub fn open(root: impl Into<PathBuf>) -> Result<Store> {
        let paths = StorePaths::new(root);
        for dir in [
            paths.meta(),
            paths.journal_dir(),
            paths.keys_dir(),
            paths.quarantine_dir(),
            paths.names_dir(),
        ] {
            fs::create_dir_all(&dir).map_err(|e| StoreError::io(&dir, e))?;
        }
        let lock_path = paths.lock();
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| StoreError::io(&lock_path, e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(StoreError::Locked(paths.root.clone()));
            }
            Err(fs::TryLockError::Error(e)) => return Err(StoreError::io(&lock_path, e)),
        }
        txn::recover(&paths)?;
        let manifest = Manifest::load(&paths.manifest())?;
        let keys = KeyIndex::load(&paths, &manifest)?;
        Ok(Store {
            paths,
            manifest,
            keys,
            _lock: lock,
        })
    }

    pub fn paths(&self) -> &StorePaths {
        &self.paths
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Number of distinct events the store holds (by de-duplication key).
    pub fn event_keys(&self) -> usize {
        self.keys.len()
    }

    /// Starts a transaction. Inputs added to it become visible together when it commits.
    pub fn begin(&mut self, options: WriteOptions) -> Txn<'_> {
        Txn::new(self, options)
    }
}

/// A read-only view of a committed store: what queries read.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub location: StoreLocation,
    pub manifest: Manifest,
}

impl Snapshot {
    /// Reads the manifest of a store on this machine. If a killed writer left a journal and no writer is running
    /// now, the commit is finished first, so the snapshot never shows half an input.
    pub fn open(root: impl Into<PathBuf>) -> Result<Snapshot> {
        let paths = StorePaths::new(root);
        if !paths.root.is_dir() {
            return Err(StoreError::Io {
                path: paths.root.clone(),
                error: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    "no store here (run `fulcrum ingest` first)",
                ),
            });
        }
        let journal_pending = fs::read_dir(paths.journal_dir())
            .map(|mut d| d.next().is_some())
            .unwrap_or(false);
        if journal_pending {
            match Store::open(paths.root.clone()) {
                Ok(store) => drop(store),
                Err(StoreError::Locked(_)) => {} // a writer is running and will finish the job itself
                Err(e) => return Err(e),
            }
        }
        let manifest = Manifest::load(&paths.manifest())?;
        Ok(Snapshot {
            location: StoreLocation::Local(paths.root),
            manifest,
        })
    }

    /// Reads the manifest of a store wherever it is: on this machine, or in an object store.
    pub fn open_at(location: &StoreLocation) -> Result<Snapshot> {
        match location {
            StoreLocation::Local(path) => Snapshot::open(path.clone()),
            StoreLocation::Remote(url) => Ok(Snapshot {
                location: location.clone(),
                manifest: remote::read_manifest(url)?,
            }),
        }
    }

    /// Committed event files, relative to the store root.
    pub fn data_files(&self) -> impl Iterator<Item = &str> {
        self.manifest
            .txns
            .iter()
            .flat_map(|t| t.data_files.iter().map(String::as_str))
    }

    /// Every name stored without a state, from the transactions' name indexes (`names.rs`). `None` when the
    /// store is remote or some transaction holding events has no index (committed by an older version; `fulcrum
    /// compact` writes one): then the names must be found by scanning.
    pub fn stateless_names(&self) -> Result<Option<Vec<names::StatelessName>>> {
        let StoreLocation::Local(root) = &self.location else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for t in &self.manifest.txns {
            match &t.names_file {
                Some(f) => out.extend(names::read_names(&root.join(f))?),
                None if t.data_files.is_empty() => {}
                None => return Ok(None),
            }
        }
        Ok(Some(out))
    }

    /// Committed quarantine files, relative to the store root.
    pub fn quarantine_files(&self) -> impl Iterator<Item = &str> {
        self.manifest
            .txns
            .iter()
            .filter_map(|t| t.quarantine_file.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fulcrum_model::{EventBatchBuilder, EventRow};

    fn batch(ids: &[i64]) -> (arrow::array::RecordBatch, Vec<u64>) {
        batch_dated(ids, |id| 17_941 + id as i32 * 40)
    }

    /// Events with the given ids, each on the day `day(id)`; keys follow the ids.
    fn batch_dated(ids: &[i64], day: impl Fn(i64) -> i32) -> (arrow::array::RecordBatch, Vec<u64>) {
        let mut b = EventBatchBuilder::with_capacity(ids.len());
        for &id in ids {
            b.append(&EventRow {
                event_id: Some(id),
                event_date: Some(day(id)),
                dataset: Some("gdelt2"),
                event_code: Some("042"),
                event_base_code: Some("042"),
                event_root_code: Some("04"),
                quad_class: Some(1),
                goldstein: Some(1.9),
                input_file: Some("t"),
                line_number: Some(id),
                ..Default::default()
            })
            .unwrap();
        }
        (b.finish(), ids.iter().map(|&i| i as u64 * 7919).collect())
    }

    fn parquet_files(dir: &Path) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for e in fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(parquet_files(&p));
            } else {
                out.push(p);
            }
        }
        out
    }

    #[test]
    fn rows_written_by_month_come_back_whole_and_in_order_across_many_row_groups() {
        use arrow::array::{AsArray, Int64Array};
        use arrow::datatypes::Int64Type;
        use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        // Every row on 2019-02-14; keys distinct.
        let february =
            |ids: std::ops::Range<i64>| batch_dated(&ids.collect::<Vec<_>>(), |_| 17_941);
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        // Tiny row groups and a budget of one byte: every write cuts row groups, several are in flight.
        let mut txn = store.begin(WriteOptions {
            row_group_rows: 3,
            memory_budget: 1,
            ..WriteOptions::default()
        });
        txn.begin_input("t", None);
        for ids in [0..10, 10..17, 17..18] {
            let (batch, keys) = february(ids);
            txn.write_month((2019, 2), &batch, &keys).unwrap();
        }
        // Rows of February offered as March's are refused, not filed under March.
        let (batch, keys) = february(100..101);
        let refused = txn.write_month((2019, 3), &batch, &keys).unwrap_err();
        assert!(
            matches!(
                refused,
                StoreError::WrongMonth {
                    month: (2019, 3),
                    found: (2019, 2)
                }
            ),
            "{refused}"
        );
        txn.add_lines(Vec::new(), 18);
        txn.end_input("sha", None, "gdelt2").unwrap();
        txn.commit().unwrap();

        let files = parquet_files(&dir.path().join("year=2019"));
        assert_eq!(files.len(), 1, "{files:?}");
        let reader =
            ParquetRecordBatchReaderBuilder::try_new(fs::File::open(&files[0]).unwrap()).unwrap();
        let groups: Vec<i64> = reader
            .metadata()
            .row_groups()
            .iter()
            .map(|g| g.num_rows())
            .collect();
        assert!(
            groups.len() >= 6 && groups.iter().all(|&n| (1..=3).contains(&n)),
            "{groups:?}"
        );
        let ids: Vec<i64> = reader
            .build()
            .unwrap()
            .flat_map(|b| {
                let b = b.unwrap();
                let ids: &Int64Array = b
                    .column_by_name("event_id")
                    .unwrap()
                    .as_primitive::<Int64Type>();
                ids.values().to_vec()
            })
            .collect();
        assert_eq!(ids, (0..18).collect::<Vec<_>>());
    }

    #[test]
    fn dropped_transaction_leaves_no_file_and_a_second_writer_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert!(matches!(
            Store::open(dir.path()),
            Err(StoreError::Locked(_))
        ));
        {
            let mut txn = store.begin(WriteOptions::default());
            txn.begin_input("a", None);
            let (b, k) = batch(&[1, 2, 3]);
            txn.write(&b, &k, vec![], 3).unwrap();
            txn.end_input("sha-a", None, "gdelt2").unwrap();
            // dropped here without commit
        }
        let data: Vec<_> = parquet_files(dir.path())
            .into_iter()
            .filter(|p| !p.starts_with(dir.path().join(META_DIR)))
            .collect();
        assert!(data.is_empty(), "{data:?}");
        assert!(store.manifest().inputs.is_empty());
    }

    #[test]
    fn commit_partitions_by_month_and_dedups_across_transactions() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let mut txn = store.begin(WriteOptions::default());
        txn.begin_input("a", None);
        let (b, k) = batch(&[0, 1, 2]);
        txn.write(&b, &k, vec![], 3).unwrap();
        txn.end_input("sha-a", None, "gdelt2").unwrap();
        let record = txn.commit().unwrap().unwrap();
        assert_eq!(
            record.data_files.len(),
            3,
            "three months: {:?}",
            record.data_files
        );
        assert!(record.data_files[0].starts_with("year=2019/month=02/part-"));
        let mut txn = store.begin(WriteOptions::default());
        txn.begin_input("b", None);
        let (b, k) = batch(&[2, 3]);
        txn.write(&b, &k, vec![], 2).unwrap();
        match txn.end_input("sha-b", None, "gdelt2").unwrap() {
            InputOutcome::Added(r) => assert_eq!((r.rows_stored, r.duplicates_skipped), (1, 1)),
            other => panic!("{other:?}"),
        }
        txn.commit().unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.event_keys(), 4);
        assert_eq!(store.manifest().inputs.len(), 2);
    }
}
