//! Re-clustering a store by actor pair: `fulcrum compact`.
//!
//! Why: a question about a dyad, a balancer or a triad reads the rows of a few state pairs — a tiny share of a big
//! store. Ingest writes rows in arrival order, so every row group holds every pair and a reader must scan them
//! all. Compaction rewrites each month partition as one file whose rows are sorted by
//! (actor1 state, actor1 name when it has no state, actor2 state, actor2 name when it has no state, day) in small
//! row groups: the min/max statistics of the row groups and pages then tell DataFusion, DuckDB and Spark which few
//! of them can hold a pair's rows, and they skip the rest. The files stay plain Hive-partitioned Parquet with the
//! same schema and rows (invariant 3); only their order and grouping change.
//!
//! Atomic like every other write: the new files are staged under hidden names, a journal names them and the files
//! they replace, and the commit renames them into place, deletes the replaced files and rewrites the manifest. A
//! killed compaction is rolled forward (journal written) or back (no journal), never left half done.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use arrow::array::{Array, ArrayRef, RecordBatch, UInt32Array, new_null_array};
use arrow::compute::kernels::zip::zip;
use arrow::compute::{SortOptions, cast, concat_batches, is_null, take_record_batch};
use arrow::row::{RowConverter, SortField};
use fulcrum_model::event_schema;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::{KeyValue, ParquetMetaDataReader};
use parquet::file::properties::WriterProperties;

use crate::fsutil::fsync;
use crate::manifest::TxnRecord;
use crate::names::NameCollector;
use crate::txn::{Journal, failpoint, new_txn_id, now_secs};
use crate::{Result, Store, StoreError};

/// Key of the Parquet footer entry that names a file's row order.
pub const LAYOUT_KEY: &str = "fulcrum.layout";
/// Value of [`LAYOUT_KEY`] for files sorted by actor pair (see the module documentation).
pub const PAIR_CLUSTERED: &str = "actor-pair-v1";

/// How `compact` writes.
#[derive(Debug, Clone)]
pub struct CompactOptions {
    /// Rows per row group: smaller groups let readers skip closer to a pair's rows, at the cost of a larger
    /// footer. 64 Ki rows is ten or so groups for a month of 600,000 events.
    pub row_group_rows: usize,
    /// zstd level (ingest uses 1 for speed; compaction runs once and can afford 3, DuckDB's default).
    pub zstd_level: i32,
    /// Rewrite partitions that are already one pair-clustered file.
    pub force: bool,
    /// Partitions rewritten at once (each holds its rows in memory while it is sorted).
    pub threads: usize,
}

impl Default for CompactOptions {
    fn default() -> Self {
        CompactOptions {
            row_group_rows: 64 * 1024,
            zstd_level: 3,
            force: false,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get().min(2)),
        }
    }
}

/// What a compaction did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CompactReport {
    /// Month partitions in the store.
    pub partitions: usize,
    /// Partitions rewritten (the others were already one clustered file).
    pub rewritten: usize,
    pub files_before: usize,
    pub files_after: usize,
    /// Events in the rewritten partitions.
    pub rows: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
    /// The compaction's transaction, when it rewrote anything.
    pub txn: Option<String>,
}

/// One rewritten partition, staged.
struct Rewritten {
    staged_rel: String,
    final_rel: String,
    replaced: Vec<String>,
    rows: u64,
    bytes_before: u64,
    bytes_after: u64,
    names: NameCollector,
}

/// The row order of a pair-clustered file: indices that sort `batch` by (actor1 state, actor1 name when it has no
/// state, actor2 state, actor2 name when it has no state, day, input file, line). States without a value sort
/// last. The provenance columns make the order total, so the output does not depend on the order of the inputs.
pub fn cluster_order(batch: &RecordBatch) -> Result<UInt32Array> {
    let column = |name: &str| -> Result<ArrayRef> {
        batch.column_by_name(name).cloned().ok_or_else(|| {
            arrow::error::ArrowError::SchemaError(format!("no column {name}")).into()
        })
    };
    // A side's name counts only when it has no state: rows with a state are grouped by state alone.
    let name_without_state = |side: u8| -> Result<ArrayRef> {
        let state = column(&format!("actor{side}_country_code"))?;
        let name = column(&format!("actor{side}_name"))?;
        let none = new_null_array(name.data_type(), name.len());
        Ok(zip(&is_null(&state)?, &name, &none)?)
    };
    let keys = [
        column("actor1_country_code")?,
        name_without_state(1)?,
        column("actor2_country_code")?,
        name_without_state(2)?,
        column("event_date")?,
        column("input_file")?,
        column("line_number")?,
    ];
    let options = SortOptions {
        descending: false,
        nulls_first: false,
    };
    let converter = RowConverter::new(
        keys.iter()
            .map(|k| SortField::new_with_options(k.data_type().clone(), options))
            .collect(),
    )?;
    let rows = converter.convert_columns(&keys)?;
    let mut order: Vec<u32> = (0..batch.num_rows() as u32).collect();
    order.sort_unstable_by(|&a, &b| rows.row(a as usize).cmp(&rows.row(b as usize)));
    Ok(UInt32Array::from(order))
}

/// Whether a data file says (in its footer) that it is pair-clustered.
pub fn is_pair_clustered(path: &Path) -> Result<bool> {
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let metadata = ParquetMetaDataReader::new().parse_and_finish(&file)?;
    Ok(metadata
        .file_metadata()
        .key_value_metadata()
        .is_some_and(|kv| {
            kv.iter()
                .any(|e| e.key == LAYOUT_KEY && e.value.as_deref() == Some(PAIR_CLUSTERED))
        }))
}

/// Reads a data file with today's event schema: columns a file written by an older version lacks are null,
/// columns of another type are cast.
fn read_events(path: &Path) -> Result<Vec<RecordBatch>> {
    let schema = event_schema();
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)?
        .with_batch_size(64 * 1024)
        .build()?;
    let mut out = Vec::new();
    for batch in reader {
        let batch = batch?;
        let columns = schema
            .fields()
            .iter()
            .map(|f| match batch.column_by_name(f.name()) {
                Some(c) if c.data_type() == f.data_type() => Ok(c.clone()),
                Some(c) => cast(c, f.data_type()),
                None => Ok(new_null_array(f.data_type(), batch.num_rows())),
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        out.push(RecordBatch::try_new(schema.clone(), columns)?);
    }
    Ok(out)
}

fn file_size(path: &Path) -> Result<u64> {
    fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| StoreError::io(path, e))
}

impl Store {
    /// Rewrites every month partition that is not already one pair-clustered file as one file sorted by actor pair
    /// (see [`cluster_order`]), in one transaction. `progress` is called after each partition with (partitions
    /// done, partitions to rewrite, rows so far). Rows, schema and partitioning are unchanged; only the files are.
    pub fn compact(
        &mut self,
        options: &CompactOptions,
        progress: &mut dyn FnMut(usize, usize, u64),
    ) -> Result<CompactReport> {
        let root = self.paths.root.clone();
        let mut partitions: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in &self.manifest.txns {
            for f in &t.data_files {
                let folder = Path::new(f)
                    .parent()
                    .map(|p| p.to_string_lossy().into_owned())
                    .unwrap_or_default();
                partitions.entry(folder).or_default().push(f.clone());
            }
        }
        let mut report = CompactReport {
            partitions: partitions.len(),
            ..CompactReport::default()
        };
        let mut todo = Vec::new();
        for (folder, files) in partitions {
            report.files_before += files.len();
            let clustered = files.len() == 1 && is_pair_clustered(&root.join(&files[0]))?;
            if clustered && !options.force {
                report.files_after += 1;
            } else {
                todo.push((folder, files));
            }
        }
        if todo.is_empty() {
            return Ok(report);
        }
        let id = new_txn_id();
        let level = ZstdLevel::try_new(options.zstd_level).unwrap_or_default();
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(level))
            .set_max_row_group_row_count(Some(options.row_group_rows.max(1)))
            .set_created_by(format!("fulcrum {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(vec![KeyValue::new(
                LAYOUT_KEY.to_string(),
                PAIR_CLUSTERED.to_string(),
            )]))
            .build();

        let total = todo.len();
        let queue = Mutex::new(todo.into_iter());
        let failed = AtomicBool::new(false);
        let (send, receive) = std::sync::mpsc::channel::<Result<Rewritten>>();
        let mut done: Vec<Rewritten> = Vec::new();
        let mut first_error = None;
        std::thread::scope(|scope| {
            for _ in 0..options.threads.max(1) {
                let send = send.clone();
                let (queue, failed, props, root, id) = (&queue, &failed, &props, &root, &id);
                scope.spawn(move || {
                    loop {
                        if failed.load(Ordering::Relaxed) {
                            return;
                        }
                        let next = queue.lock().map(|mut q| q.next()).unwrap_or(None);
                        let Some((folder, files)) = next else { return };
                        let result = rewrite_partition(root, id, &folder, files, props);
                        if result.is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                        if send.send(result).is_err() {
                            return;
                        }
                    }
                });
            }
            drop(send);
            for result in receive {
                match result {
                    Ok(r) => {
                        report.rows += r.rows;
                        done.push(r);
                        progress(done.len(), total, report.rows);
                    }
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
        });
        if let Some(e) = first_error {
            for r in &done {
                let _ = fs::remove_file(root.join(&r.staged_rel));
            }
            return Err(e);
        }
        done.sort_by(|a, b| a.final_rel.cmp(&b.final_rel));
        let mut txn = TxnRecord {
            id: id.clone(),
            committed_at: now_secs(),
            data_files: Vec::new(),
            quarantine_file: None,
            keys_file: None,
            replaced_files: Vec::new(),
            names_file: None,
        };
        let mut renames = Vec::new();
        // The rewritten rows' names, so that a store from before the names index gets one.
        let mut names = NameCollector::default();
        for r in &mut done {
            names.merge(std::mem::take(&mut r.names));
        }
        let staged = self.paths.names_dir().join(format!(".{id}.names.tmp"));
        names.write(&staged)?;
        fsync(&staged)?;
        let names_rel = format!("{}/names/{id}.names", crate::META_DIR);
        renames.push((crate::txn::rel(&root, &staged), names_rel.clone()));
        txn.names_file = Some(names_rel);
        for r in done {
            report.rewritten += 1;
            report.files_after += 1;
            report.bytes_before += r.bytes_before;
            report.bytes_after += r.bytes_after;
            txn.data_files.push(r.final_rel.clone());
            txn.replaced_files.extend(r.replaced);
            renames.push((r.staged_rel, r.final_rel));
        }
        let journal = Journal::new(txn, Vec::new(), renames);
        let journal_path = journal.write(&self.paths)?;
        failpoint("compact-after-journal");
        journal.apply(&self.paths, &mut self.manifest, &journal_path)?;
        report.txn = Some(id);
        Ok(report)
    }
}

/// Reads one partition's files, sorts their rows by actor pair and stages them as one new file.
fn rewrite_partition(
    root: &Path,
    txn: &str,
    folder: &str,
    files: Vec<String>,
    props: &WriterProperties,
) -> Result<Rewritten> {
    let mut batches = Vec::new();
    let mut bytes_before = 0;
    for f in &files {
        let path = root.join(f);
        bytes_before += file_size(&path)?;
        batches.extend(read_events(&path)?);
    }
    let all = concat_batches(&event_schema(), &batches)?;
    drop(batches);
    let sorted = take_record_batch(&all, &cluster_order(&all)?)?;
    drop(all);
    let mut names = NameCollector::default();
    names.add(&sorted);
    let name = format!("part-{txn}.parquet");
    let staged_rel = format!("{folder}/.{name}.tmp");
    let staged = root.join(&staged_rel);
    let file = File::create(&staged).map_err(|e| StoreError::io(&staged, e))?;
    let written = (|| {
        let mut writer = ArrowWriter::try_new(file, event_schema(), Some(props.clone()))?;
        writer.write(&sorted)?;
        writer.close()?;
        fsync(&staged)
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&staged);
        return Err(e);
    }
    Ok(Rewritten {
        bytes_after: file_size(&staged)?,
        final_rel: format!("{folder}/{name}"),
        staged_rel,
        replaced: files,
        rows: sorted.num_rows() as u64,
        bytes_before,
        names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WriteOptions;
    use arrow::array::AsArray;
    use fulcrum_model::{EventBatchBuilder, EventRow};

    const STATES: [Option<&str>; 4] = [Some("USA"), None, Some("RUS"), Some("CHN")];
    const NAMES: [&str; 3] = ["PUTIN", "KREMLIN", "POLICE"];

    /// Rows `ids` spread over two months, with states and names cycling so that every pair occurs.
    fn batch(ids: std::ops::Range<i64>) -> (RecordBatch, Vec<u64>) {
        let mut b = EventBatchBuilder::with_capacity(ids.clone().count());
        for id in ids.clone() {
            let i = id as usize;
            b.append(&EventRow {
                event_id: Some(id),
                event_date: Some(17_941 + (id as i32 % 20)),
                dataset: Some("gdelt2"),
                actor1_country_code: STATES[i % 4],
                actor1_name: Some(NAMES[i % 3]),
                actor2_country_code: STATES[(i / 4) % 4],
                actor2_name: Some(NAMES[(i / 3) % 3]),
                event_code: Some("042"),
                event_base_code: Some("042"),
                event_root_code: Some("04"),
                quad_class: Some(1),
                goldstein: Some(id as f64 / 10.0),
                input_file: Some("t"),
                line_number: Some(id),
                ..Default::default()
            })
            .unwrap();
        }
        (b.finish(), ids.map(|i| i as u64 * 7919).collect())
    }

    fn ingest(store: &mut Store, ids: std::ops::Range<i64>) {
        let mut txn = store.begin(WriteOptions::default());
        txn.begin_input(&format!("input-{}", ids.start), None);
        let n = ids.clone().count() as u64;
        let (b, k) = batch(ids.clone());
        txn.write(&b, &k, vec![], n).unwrap();
        txn.end_input(&format!("sha-{}", ids.start), None, "gdelt2")
            .unwrap();
        txn.commit().unwrap();
    }

    /// Every stored row as (event id, goldstein), sorted, and the rows of each file in file order.
    fn read_store(store: &Store) -> (Vec<(i64, f64)>, Vec<Vec<RecordBatch>>) {
        let mut rows = Vec::new();
        let mut files = Vec::new();
        for t in &store.manifest().txns {
            for f in &t.data_files {
                let batches = read_events(&store.paths().root.join(f)).unwrap();
                for b in &batches {
                    let ids = b
                        .column_by_name("event_id")
                        .unwrap()
                        .as_primitive::<arrow::datatypes::Int64Type>();
                    let g = b
                        .column_by_name("goldstein")
                        .unwrap()
                        .as_primitive::<arrow::datatypes::Float64Type>();
                    rows.extend((0..b.num_rows()).map(|i| (ids.value(i), g.value(i))));
                }
                files.push(batches);
            }
        }
        rows.sort_by_key(|r| r.0);
        (rows, files)
    }

    #[test]
    fn compaction_keeps_every_row_in_one_sorted_file_per_month_and_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        ingest(&mut store, 0..300);
        ingest(&mut store, 300..700);
        ingest(&mut store, 700..1000);
        let (before, _) = read_store(&store);
        assert_eq!(before.len(), 1000);
        let options = CompactOptions {
            row_group_rows: 64,
            ..CompactOptions::default()
        };
        let mut calls = Vec::new();
        let report = store
            .compact(&options, &mut |done, total, rows| {
                calls.push((done, total, rows))
            })
            .unwrap();
        assert_eq!((report.partitions, report.rewritten), (2, 2), "{report:?}");
        assert_eq!((report.files_before, report.files_after), (6, 2));
        assert_eq!(report.rows, 1000);
        assert_eq!(calls.last().copied(), Some((2, 2, 1000)));
        let (after, files) = read_store(&store);
        assert_eq!(before, after, "the same rows, no more, no less");
        assert_eq!(files.len(), 2);
        // Sorted by pair: (actor1 state, actor1 name without state, actor2 state, …), states without a value last.
        for batches in &files {
            let all = concat_batches(&event_schema(), batches).unwrap();
            let key = |i: usize| {
                let s = |c: &str| {
                    let a = all.column_by_name(c).unwrap().as_string::<i32>();
                    (a.is_null(i), a.is_valid(i).then(|| a.value(i).to_string()))
                };
                let (n1, c1) = s("actor1_country_code");
                let (n2, c2) = s("actor2_country_code");
                let name1 = if n1 { s("actor1_name").1 } else { None };
                (n1, c1, name1, n2, c2)
            };
            for i in 1..all.num_rows() {
                assert!(
                    key(i - 1) <= key(i),
                    "row {i}: {:?} after {:?}",
                    key(i),
                    key(i - 1)
                );
            }
        }
        // The replaced files are gone from disk and manifest; the compaction's files are marked clustered.
        let on_disk: Vec<_> = walk(dir.path());
        assert_eq!(on_disk.len(), 2, "{on_disk:?}");
        for f in &on_disk {
            assert!(is_pair_clustered(f).unwrap());
        }
        let last = store.manifest().txns.last().unwrap();
        assert_eq!(last.replaced_files.len(), 6);
        assert!(
            store.manifest().txns[..3]
                .iter()
                .all(|t| t.data_files.is_empty())
        );
        // Names stored without a state are indexed, by ingest and by compaction alike.
        let snapshot = crate::Snapshot::open(dir.path()).unwrap();
        let mut names: Vec<String> = snapshot
            .stateless_names()
            .unwrap()
            .expect("every transaction has a names index")
            .into_iter()
            .map(|n| n.name)
            .collect();
        names.sort();
        names.dedup();
        assert_eq!(names, ["KREMLIN", "POLICE", "PUTIN"]);
        // Again: nothing to do.
        let again = store.compact(&options, &mut |_, _, _| {}).unwrap();
        assert_eq!(
            (again.rewritten, again.files_after, again.txn),
            (0, 2, None)
        );
        // A new ingest adds a file to one month: only that month is rewritten.
        ingest(&mut store, 1000..1010);
        let third = store.compact(&options, &mut |_, _, _| {}).unwrap();
        assert_eq!(
            (third.rewritten, third.files_before, third.files_after),
            (1, 3, 2),
            "{third:?}"
        );
        assert_eq!(read_store(&store).0.len(), 1010);
        // The de-duplication index still knows every row.
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.event_keys(), 1010);
    }

    fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
        let mut out = Vec::new();
        for e in fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.ends_with(crate::META_DIR) {
                continue;
            }
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
        out
    }
}
