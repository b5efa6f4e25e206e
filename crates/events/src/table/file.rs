//! The event table saved next to the store: the *pair index* that questions read instead of scanning Parquet.
//!
//! Why: a question about one dyad needs a few thousand of the store's rows, and the table already groups them by
//! state pair. Saved once (by `fulcrum compact`) and memory-mapped when opened, it lets a CLI question touch only
//! its pairs' pages and a server start without reading the Parquet files.
//!
//! Layout: a folder `_fulcrum/tables/<key>/` of Arrow IPC files (any Arrow tool reads them) and `table.json`,
//! renamed into place only when complete. `<key>` digests what the table was built from — every committed
//! transaction and its data files, and the resolver's fingerprint — so a table answers only for the snapshot and
//! name resolution it was built with: after a new ingest, a compaction or with another dictionary, the lookup finds
//! it stale and questions read the store by SQL as before. The index is derived data, outside the manifest: deleting
//! the folder loses nothing.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;
use std::sync::Arc;

use fulcrum_query::RecordBatch;
use fulcrum_query::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int8Array, Int32Array, PrimitiveArray,
    StringArray, UInt8Array, UInt16Array, UInt32Array, UInt64Array,
};
use fulcrum_query::arrow::buffer::Buffer;
use fulcrum_query::arrow::datatypes::{ArrowPrimitiveType, Field, Schema};
use fulcrum_query::arrow::error::ArrowError;
use fulcrum_query::arrow::ipc::convert::fb_to_schema;
use fulcrum_query::arrow::ipc::reader::{FileDecoder, read_footer_length};
use fulcrum_query::arrow::ipc::root_as_footer;
use fulcrum_query::arrow::ipc::writer::FileWriter;
use fulcrum_store::{Snapshot, StoreLocation, StorePaths};
use serde::{Deserialize, Serialize};

use super::{ActionKey, EventTable, Names, Sides};
use crate::{LoadError, Resolver};

/// Version of the folder's layout: a table written by another version is not read (it is rebuilt).
const FORMAT: u32 = 1;
const META_FILE: &str = "table.json";

/// What the table was built from and how big it is; written last, so a folder without it is incomplete.
#[derive(Serialize, Deserialize)]
struct Meta {
    format: u32,
    key: String,
    first_day: i32,
    resolves: bool,
    datasets: Vec<String>,
    /// Rows between two states (the row columns' length) and every event of the store.
    rows: u64,
    events: u64,
}

/// What looking for a saved table found.
pub enum TableLookup {
    /// One built from this very snapshot with the same name resolution.
    Fresh(Box<EventTable>),
    /// None was ever saved (or the store is not on this machine).
    Missing,
    /// Only tables of other snapshots or resolutions: the store (or the dictionary) changed since it was saved.
    Stale,
}

/// The digest of what a table answers for: the snapshot's transactions and data files, and the resolver's
/// fingerprint (`none` without one). Hex, 32 digits.
pub fn table_key(snapshot: &Snapshot, resolver: Option<&Resolver>) -> String {
    let mut hash = xxhash_rust::xxh3::Xxh3::new();
    // The program's version too: a release that decodes rows differently must not answer from an older index
    // (within a version, a change to how rows are decoded bumps FORMAT).
    hash.update(format!("fulcrum-table-{FORMAT}-{}\n", env!("CARGO_PKG_VERSION")).as_bytes());
    for txn in &snapshot.manifest.txns {
        hash.update(txn.id.as_bytes());
        hash.update(b"\n");
        for file in &txn.data_files {
            hash.update(file.as_bytes());
            hash.update(b"\n");
        }
    }
    match resolver {
        Some(r) => hash.update(&r.fingerprint().to_le_bytes()),
        None => hash.update(b"none"),
    }
    format!("{:032x}", hash.digest128())
}

fn local_root(snapshot: &Snapshot) -> Option<&Path> {
    match &snapshot.location {
        StoreLocation::Local(root) => Some(root),
        StoreLocation::Remote(_) => None,
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> LoadError + '_ {
    move |error| LoadError::Io {
        path: path.to_path_buf(),
        error,
    }
}

fn bad(path: &Path) -> impl FnOnce(ArrowError) -> LoadError + '_ {
    move |e| LoadError::BadTable {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn write_ipc(path: &Path, columns: Vec<(&str, ArrayRef)>) -> Result<(), LoadError> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, a)| Field::new(*name, a.data_type().clone(), false))
        .collect();
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(bad(path))?;
    let file = File::create(path).map_err(io(path))?;
    let mut writer =
        FileWriter::try_new(BufWriter::new(file), &batch.schema()).map_err(bad(path))?;
    writer.write(&batch).map_err(bad(path))?;
    writer.finish().map_err(bad(path))?;
    let file = writer
        .into_inner()
        .map_err(bad(path))?
        .into_inner()
        .map_err(|e| e.into_error())
        .map_err(io(path))?;
    file.sync_all().map_err(io(path))
}

/// The file's bytes, memory-mapped.
fn map(path: &Path) -> Result<Buffer, LoadError> {
    let file = File::open(path).map_err(io(path))?;
    // SAFETY: a table's files are written once, under a folder named for their content, and never changed in place
    // (a new snapshot gets a new folder; an old one is only ever unlinked, which keeps a mapping valid on Unix).
    let mapped = unsafe { memmap2::Mmap::map(&file) }.map_err(io(path))?;
    let len = mapped.len();
    let Some(ptr) = NonNull::new(mapped.as_ptr().cast_mut()) else {
        return Ok(Buffer::from_vec(Vec::<u8>::new()));
    };
    // SAFETY: the mapping is valid for `len` bytes for as long as it lives, and the buffer owns it.
    Ok(unsafe { Buffer::from_custom_allocation(ptr, len, Arc::new(mapped)) })
}

/// The one record batch of an IPC file, its columns pointing into the mapped file (no copy: the writer aligns
/// every buffer to 64 bytes and a mapping starts on a page).
fn read_ipc(path: &Path) -> Result<RecordBatch, LoadError> {
    let buffer = map(path)?;
    let bad_file = |message: &str| LoadError::BadTable {
        path: path.to_path_buf(),
        message: message.to_string(),
    };
    let trailer = buffer
        .len()
        .checked_sub(10)
        .ok_or_else(|| bad_file("too short for an Arrow IPC file"))?;
    let mut tail = [0u8; 10];
    tail.copy_from_slice(&buffer[trailer..]);
    let footer_len = read_footer_length(tail).map_err(bad(path))?;
    let footer_start = trailer
        .checked_sub(footer_len)
        .ok_or_else(|| bad_file("footer longer than the file"))?;
    let footer = root_as_footer(&buffer[footer_start..trailer])
        .map_err(|e| bad_file(&format!("unreadable footer: {e}")))?;
    let schema = fb_to_schema(footer.schema().ok_or_else(|| bad_file("no schema"))?);
    let decoder = FileDecoder::new(Arc::new(schema), footer.version());
    let blocks = footer
        .recordBatches()
        .ok_or_else(|| bad_file("no record batch"))?;
    if blocks.len() != 1 {
        return Err(bad_file("expected exactly one record batch"));
    }
    let block = blocks.get(0);
    let start = usize::try_from(block.offset()).map_err(|_| bad_file("negative offset"))?;
    let len = usize::try_from(block.bodyLength())
        .ok()
        .zip(usize::try_from(block.metaDataLength()).ok())
        .and_then(|(body, meta)| body.checked_add(meta))
        .ok_or_else(|| bad_file("negative or overflowing block length"))?;
    if start.checked_add(len).is_none_or(|end| end > buffer.len()) {
        return Err(bad_file("record batch beyond the end of the file"));
    }
    decoder
        .read_record_batch(block, &buffer.slice_with_length(start, len))
        .map_err(bad(path))?
        .ok_or_else(|| bad_file("empty record batch"))
}

fn column<'b, T: ArrowPrimitiveType>(
    batch: &'b RecordBatch,
    name: &str,
    path: &Path,
) -> Result<&'b PrimitiveArray<T>, LoadError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_primitive_opt::<T>())
        .ok_or_else(|| LoadError::BadTable {
            path: path.to_path_buf(),
            message: format!("no column {name} of type {}", T::DATA_TYPE),
        })
}

/// Where a table saved for `key` lives.
fn folder(root: &Path, key: &str) -> PathBuf {
    StorePaths::new(root).tables_dir().join(key)
}

/// A table written to disk.
pub struct SavedTable {
    pub path: PathBuf,
    pub bytes: u64,
}

impl EventTable {
    /// Saves the table as the pair index of `snapshot` (which it must have been built from, with `resolver`),
    /// replacing the tables of older snapshots. Nothing is saved for a store that is not on this machine.
    pub fn save(
        &self,
        snapshot: &Snapshot,
        resolver: Option<&Resolver>,
    ) -> Result<Option<SavedTable>, LoadError> {
        let Some(root) = local_root(snapshot) else {
            return Ok(None);
        };
        let key = table_key(snapshot, resolver);
        let tables = StorePaths::new(root).tables_dir();
        let done = folder(root, &key);
        let partial = tables.join(format!("{key}.partial-{}", std::process::id()));
        if partial.exists() {
            fs::remove_dir_all(&partial).map_err(io(&partial))?;
        }
        fs::create_dir_all(&partial).map_err(io(&partial))?;
        let arr = |a: ArrayRef| a;
        write_ipc(
            &partial.join("rows.arrow"),
            vec![
                (
                    "day",
                    arr(Arc::new(UInt16Array::new(self.days.clone(), None))),
                ),
                (
                    "sides",
                    arr(Arc::new(UInt32Array::new(self.sides.clone(), None))),
                ),
                (
                    "action",
                    arr(Arc::new(UInt16Array::new(self.actions.clone(), None))),
                ),
                (
                    "tone",
                    arr(Arc::new(Float64Array::new(self.tones.clone(), None))),
                ),
            ],
        )?;
        // Pairs as [source, target, first row, row after the last], in row order.
        let mut pairs: Vec<[u32; 4]> = self
            .by_pair
            .iter()
            .map(|(&(s, t), r)| [s, t, r.start, r.end])
            .collect();
        pairs.sort_by_key(|p| p[2]);
        let pair_column = |i: usize| {
            arr(Arc::new(
                pairs.iter().map(|p| p[i]).collect::<UInt32Array>(),
            ))
        };
        write_ipc(
            &partial.join("pairs.arrow"),
            vec![
                ("source", pair_column(0)),
                ("target", pair_column(1)),
                ("start", pair_column(2)),
                ("end", pair_column(3)),
            ],
        )?;
        write_ipc(
            &partial.join("names.arrow"),
            vec![(
                "name",
                arr(Arc::new(
                    self.names
                        .strings
                        .iter()
                        .map(|s| Some(&**s))
                        .collect::<StringArray>(),
                )),
            )],
        )?;
        let side_column = |f: fn(&Sides) -> u32| {
            arr(Arc::new(
                self.side_table.iter().map(f).collect::<UInt32Array>(),
            ))
        };
        write_ipc(
            &partial.join("sides.arrow"),
            vec![
                ("actor1", side_column(|s| s.actor[0])),
                ("actor2", side_column(|s| s.actor[1])),
                ("kind1", side_column(|s| s.kind[0])),
                ("kind2", side_column(|s| s.kind[1])),
                (
                    "resolved",
                    arr(Arc::new(
                        self.side_table
                            .iter()
                            .map(|s| Some(s.resolved))
                            .collect::<BooleanArray>(),
                    )),
                ),
            ],
        )?;
        let a = &self.action_table;
        write_ipc(
            &partial.join("actions.arrow"),
            vec![
                (
                    "code",
                    arr(Arc::new(a.iter().map(|a| a.code).collect::<UInt32Array>())),
                ),
                (
                    "quad_class",
                    arr(Arc::new(
                        a.iter().map(|a| a.quad_class).collect::<Int8Array>(),
                    )),
                ),
                (
                    "dataset",
                    arr(Arc::new(
                        a.iter().map(|a| a.dataset).collect::<UInt8Array>(),
                    )),
                ),
                (
                    "goldstein",
                    arr(Arc::new(
                        a.iter().map(|a| a.goldstein).collect::<Float64Array>(),
                    )),
                ),
            ],
        )?;
        let (mut day, mut dataset, mut events) = (Vec::new(), Vec::new(), Vec::new());
        for (&d, counts) in &self.per_day {
            for (i, &n) in counts.iter().enumerate() {
                if n > 0 {
                    day.push(d);
                    dataset.push(i as u8);
                    events.push(n);
                }
            }
        }
        write_ipc(
            &partial.join("days.arrow"),
            vec![
                ("day", arr(Arc::new(Int32Array::from(day)))),
                ("dataset", arr(Arc::new(UInt8Array::from(dataset)))),
                ("events", arr(Arc::new(UInt64Array::from(events)))),
            ],
        )?;
        let meta = Meta {
            format: FORMAT,
            key: key.clone(),
            first_day: self.first_day,
            resolves: self.resolves,
            datasets: self.datasets.clone(),
            rows: self.days.len() as u64,
            events: self.len() as u64,
        };
        let meta_path = partial.join(META_FILE);
        let json = serde_json::to_vec_pretty(&meta).map_err(|e| LoadError::BadTable {
            path: meta_path.clone(),
            message: e.to_string(),
        })?;
        fs::write(&meta_path, json).map_err(io(&meta_path))?;
        // Saving a key again (after a damaged index): move the old folder aside first, so a reader sees the old
        // files, none (and reads Parquet), or the new ones — never a mix.
        let aside = tables.join(format!("{key}.old-{}", std::process::id()));
        if done.exists() {
            fs::rename(&done, &aside).map_err(io(&done))?;
        }
        fs::rename(&partial, &done).map_err(io(&done))?;
        if aside.exists() {
            let _ = fs::remove_dir_all(&aside);
        }
        // Tables of older snapshots can never be fresh again. A process still reading one keeps its mapping.
        for entry in fs::read_dir(&tables).map_err(io(&tables))?.flatten() {
            let path = entry.path();
            if path != done && !path.to_string_lossy().contains(".partial-") {
                let _ = fs::remove_dir_all(&path);
            }
        }
        let mut bytes = 0;
        for entry in fs::read_dir(&done).map_err(io(&done))?.flatten() {
            bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
        Ok(Some(SavedTable { path: done, bytes }))
    }

    /// The table saved for `snapshot` and `resolver`, memory-mapped, if there is one.
    ///
    /// Everything but the row columns is checked as it is read. `verify_rows` checks the rows too, which touches
    /// every page of them: a server, which will read them all anyway, should; a one-question process that trusts
    /// the files Fulcrum wrote (complete before their folder was renamed in) need not, and reads only its pairs.
    pub fn open_saved(
        snapshot: &Snapshot,
        resolver: Option<&Resolver>,
        verify_rows: bool,
    ) -> Result<TableLookup, LoadError> {
        Ok(match locate(snapshot, resolver)? {
            Located::Fresh(dir, meta) => {
                TableLookup::Fresh(Box::new(read_table(&dir, meta, verify_rows)?))
            }
            Located::Stale => TableLookup::Stale,
            Located::Missing => TableLookup::Missing,
        })
    }

    /// Whether a table is saved for `snapshot` and `resolver` (without reading it): for status lines.
    pub fn saved_state(
        snapshot: &Snapshot,
        resolver: Option<&Resolver>,
    ) -> Result<SavedState, LoadError> {
        Ok(match locate(snapshot, resolver)? {
            Located::Fresh(path, meta) => {
                let mut bytes = 0;
                for entry in fs::read_dir(&path).map_err(io(&path))?.flatten() {
                    bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
                }
                SavedState::Fresh {
                    saved: SavedTable { path, bytes },
                    events: meta.events,
                }
            }
            Located::Stale => SavedState::Stale,
            Located::Missing => SavedState::Missing,
        })
    }
}

/// [`TableLookup`] without the table: what [`EventTable::saved_state`] finds.
pub enum SavedState {
    Fresh { saved: SavedTable, events: u64 },
    Missing,
    Stale,
}

enum Located {
    Fresh(PathBuf, Meta),
    Missing,
    Stale,
}

fn locate(snapshot: &Snapshot, resolver: Option<&Resolver>) -> Result<Located, LoadError> {
    let Some(root) = local_root(snapshot) else {
        return Ok(Located::Missing);
    };
    let key = table_key(snapshot, resolver);
    let dir = folder(root, &key);
    let meta_path = dir.join(META_FILE);
    let meta: Meta = match fs::read(&meta_path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| LoadError::BadTable {
            path: meta_path.clone(),
            message: e.to_string(),
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let tables = StorePaths::new(root).tables_dir();
            let any = fs::read_dir(&tables).is_ok_and(|mut d| d.next().is_some());
            return Ok(if any {
                Located::Stale
            } else {
                Located::Missing
            });
        }
        Err(e) => return Err(io(&meta_path)(e)),
    };
    if meta.format != FORMAT || meta.key != key {
        return Ok(Located::Stale);
    }
    Ok(Located::Fresh(dir, meta))
}

fn read_table(dir: &Path, meta: Meta, verify_rows: bool) -> Result<EventTable, LoadError> {
    let bad_table = |path: &Path, message: String| LoadError::BadTable {
        path: path.to_path_buf(),
        message,
    };
    let path = dir.join("rows.arrow");
    let rows = read_ipc(&path)?;
    let days = column::<fulcrum_query::arrow::datatypes::UInt16Type>(&rows, "day", &path)?;
    let sides = column::<fulcrum_query::arrow::datatypes::UInt32Type>(&rows, "sides", &path)?;
    let actions = column::<fulcrum_query::arrow::datatypes::UInt16Type>(&rows, "action", &path)?;
    let tones = column::<fulcrum_query::arrow::datatypes::Float64Type>(&rows, "tone", &path)?;
    if rows.num_rows() as u64 != meta.rows {
        return Err(bad_table(
            &path,
            format!("{} rows, {} expected", rows.num_rows(), meta.rows),
        ));
    }

    let path = dir.join("names.arrow");
    let batch = read_ipc(&path)?;
    let strings = batch
        .column_by_name("name")
        .and_then(|c| c.as_string_opt::<i32>())
        .ok_or_else(|| bad_table(&path, "no column name of type Utf8".into()))?;
    let names = Names::from_strings(strings.iter().map(|s| s.unwrap_or("").into()).collect());
    let name_count = names.strings.len() as u32;
    let check_name = |id: u32, path: &Path| {
        if id < name_count {
            Ok(id)
        } else {
            Err(bad_table(
                path,
                format!("name {id} beyond the {name_count} names"),
            ))
        }
    };

    use fulcrum_query::arrow::datatypes::{
        Float64Type, Int8Type, Int32Type, UInt8Type, UInt32Type, UInt64Type,
    };
    let path = dir.join("sides.arrow");
    let batch = read_ipc(&path)?;
    let (a1, a2, k1, k2) = (
        column::<UInt32Type>(&batch, "actor1", &path)?,
        column::<UInt32Type>(&batch, "actor2", &path)?,
        column::<UInt32Type>(&batch, "kind1", &path)?,
        column::<UInt32Type>(&batch, "kind2", &path)?,
    );
    let resolved = batch
        .column_by_name("resolved")
        .and_then(|c| c.as_boolean_opt())
        .ok_or_else(|| bad_table(&path, "no column resolved of type Boolean".into()))?;
    let mut side_table = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        side_table.push(Sides {
            actor: [
                check_name(a1.value(i), &path)?,
                check_name(a2.value(i), &path)?,
            ],
            kind: [
                check_name(k1.value(i), &path)?,
                check_name(k2.value(i), &path)?,
            ],
            resolved: resolved.value(i),
        });
    }

    let path = dir.join("actions.arrow");
    let batch = read_ipc(&path)?;
    let (code, quad, dataset, goldstein) = (
        column::<UInt32Type>(&batch, "code", &path)?,
        column::<Int8Type>(&batch, "quad_class", &path)?,
        column::<UInt8Type>(&batch, "dataset", &path)?,
        column::<Float64Type>(&batch, "goldstein", &path)?,
    );
    let mut action_table = Vec::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        if usize::from(dataset.value(i)) >= meta.datasets.len() {
            return Err(bad_table(
                &path,
                format!("dataset {} unknown", dataset.value(i)),
            ));
        }
        action_table.push(ActionKey {
            code: check_name(code.value(i), &path)?,
            quad_class: quad.value(i),
            dataset: dataset.value(i),
            goldstein: goldstein.value(i),
        });
    }

    let path = dir.join("pairs.arrow");
    let batch = read_ipc(&path)?;
    let (source, target, start, end) = (
        column::<UInt32Type>(&batch, "source", &path)?,
        column::<UInt32Type>(&batch, "target", &path)?,
        column::<UInt32Type>(&batch, "start", &path)?,
        column::<UInt32Type>(&batch, "end", &path)?,
    );
    let mut by_pair = HashMap::with_capacity(batch.num_rows());
    for i in 0..batch.num_rows() {
        let range = start.value(i)..end.value(i);
        if range.start > range.end || u64::from(range.end) > meta.rows {
            return Err(bad_table(
                &path,
                format!("pair {i}: rows {range:?} out of range"),
            ));
        }
        let pair = (
            check_name(source.value(i), &path)?,
            check_name(target.value(i), &path)?,
        );
        by_pair.insert(pair, range);
    }

    let path = dir.join("days.arrow");
    let batch = read_ipc(&path)?;
    let (day, dataset, events) = (
        column::<Int32Type>(&batch, "day", &path)?,
        column::<UInt8Type>(&batch, "dataset", &path)?,
        column::<UInt64Type>(&batch, "events", &path)?,
    );
    let mut per_day: BTreeMap<i32, Vec<u64>> = BTreeMap::new();
    for i in 0..batch.num_rows() {
        let d = usize::from(dataset.value(i));
        if d >= meta.datasets.len() {
            return Err(bad_table(&path, format!("dataset {d} unknown")));
        }
        per_day
            .entry(day.value(i))
            .or_insert_with(|| vec![0; meta.datasets.len()])[d] += events.value(i);
    }

    // Values the questions index with: an out-of-range one must fail here, not panic in a request.
    let rows_path = dir.join("rows.arrow");
    let bad_sides = || {
        sides
            .values()
            .iter()
            .any(|&s| s as usize >= side_table.len())
    };
    let bad_actions = || {
        actions
            .values()
            .iter()
            .any(|&a| usize::from(a) >= action_table.len())
    };
    if verify_rows && (bad_sides() || bad_actions()) {
        return Err(bad_table(
            &rows_path,
            "a row refers to a side or action not in the table".into(),
        ));
    }
    let table = EventTable {
        names,
        resolves: meta.resolves,
        first_day: meta.first_day,
        days: days.values().clone(),
        sides: sides.values().clone(),
        actions: actions.values().clone(),
        tones: tones.values().clone(),
        side_table,
        action_table,
        by_pair,
        datasets: meta.datasets,
        per_day,
    };
    if table.len() as u64 != meta.events {
        return Err(bad_table(
            &dir.join("days.arrow"),
            "event counts do not add up".into(),
        ));
    }
    Ok(table)
}
