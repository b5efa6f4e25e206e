//! Parquet encoding on worker threads: a transaction's partition files are encoded column by column on every
//! core while the caller goes on de-duplicating and routing the next rows.
//!
//! Why: encoding (dictionaries, levels, statistics, zstd) is the largest single cost of an ingest, and with
//! `ArrowWriter` it ran on the one thread that also receives the parsed rows, which made that thread the
//! bottleneck of the whole pipeline. Here rows wait in a [`PartitionFile`] until a row group is full; the row
//! group's columns are then encoded in parallel by an [`EncoderPool`], and the finished column chunks are
//! appended to the file in row-group order, so a file's layout does not depend on thread timing.

use std::collections::VecDeque;
use std::fs::File;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use arrow::array::{ArrayRef, RecordBatch};
use arrow::datatypes::{FieldRef, SchemaRef};
use crossbeam_channel::{Receiver, Sender, unbounded};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves,
};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;

use crate::{Result, StoreError};

/// One column of one row group, to encode.
struct ColumnJob {
    writer: ArrowColumnWriter,
    field: FieldRef,
    arrays: Vec<ArrayRef>,
    column: usize,
    done: Sender<(usize, Result<ArrowColumnChunk, ParquetError>)>,
}

/// Threads that encode column chunks. Dropping the pool stops them once their current job is done.
pub(crate) struct EncoderPool {
    jobs: Option<Sender<ColumnJob>>,
    threads: Vec<JoinHandle<()>>,
    abandoned: Arc<AtomicBool>,
}

impl EncoderPool {
    pub(crate) fn new(threads: usize) -> Result<Self> {
        let (jobs, queue) = unbounded::<ColumnJob>();
        let abandoned = Arc::new(AtomicBool::new(false));
        let mut pool = EncoderPool {
            jobs: Some(jobs),
            threads: Vec::new(),
            abandoned: abandoned.clone(),
        };
        for i in 0..threads.max(1) {
            let queue = queue.clone();
            let abandoned = abandoned.clone();
            let thread = std::thread::Builder::new()
                .name(format!("fulcrum-encode-{i}"))
                .spawn(move || {
                    for job in queue {
                        if abandoned.load(Ordering::Relaxed) {
                            continue; // the transaction was dropped: nobody waits for this chunk
                        }
                        let (column, done) = (job.column, job.done.clone());
                        // A panic in the encoder is reported as this column's error (with its message) and the
                        // thread lives on for the next job.
                        let encoded =
                            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                encode_column(job)
                            }))
                            .unwrap_or_else(|panic| {
                                let message = panic
                                    .downcast_ref::<&str>()
                                    .map(|s| s.to_string())
                                    .or_else(|| panic.downcast_ref::<String>().cloned())
                                    .unwrap_or_else(|| "no message".into());
                                Err(ParquetError::General(format!(
                                    "encoding column {column} panicked: {message}"
                                )))
                            });
                        let _ = done.send((column, encoded));
                    }
                })
                .map_err(StoreError::Threads)?;
            pool.threads.push(thread);
        }
        Ok(pool)
    }

    fn submit(&self, job: ColumnJob) -> Result<()> {
        let jobs = self
            .jobs
            .as_ref()
            .expect("jobs are submitted before the pool is dropped");
        jobs.send(job)
            .map_err(|_| ParquetError::General("the encoder threads stopped".into()).into())
    }
}

fn encode_column(job: ColumnJob) -> Result<ArrowColumnChunk, ParquetError> {
    let ColumnJob {
        mut writer,
        field,
        arrays,
        ..
    } = job;
    for array in &arrays {
        for leaf in compute_leaves(&field, array)? {
            writer.write(&leaf)?;
        }
    }
    writer.close()
}

impl Drop for EncoderPool {
    fn drop(&mut self) {
        self.abandoned.store(true, Ordering::Relaxed);
        drop(self.jobs.take());
        for thread in self.threads.drain(..) {
            let _ = thread.join();
        }
    }
}

/// A row group whose columns are being encoded.
struct RowGroupInFlight {
    chunks: Vec<Option<ArrowColumnChunk>>,
    missing: usize,
    results: Receiver<(usize, Result<ArrowColumnChunk, ParquetError>)>,
}

impl RowGroupInFlight {
    /// Takes what has arrived; with `wait`, blocks until every column has. Returns whether it is complete.
    fn collect(&mut self, wait: bool) -> Result<bool> {
        while self.missing > 0 {
            let received = if wait {
                self.results.recv().ok()
            } else {
                self.results.try_recv().ok()
            };
            let Some((column, chunk)) = received else {
                if wait {
                    return Err(ParquetError::General("an encoder thread stopped".into()).into());
                }
                return Ok(false);
            };
            self.chunks[column] = Some(chunk?);
            self.missing -= 1;
        }
        Ok(true)
    }
}

/// One Parquet file being written by a transaction: rows waiting for a row group, row groups being encoded,
/// and the file that receives them in order.
pub(crate) struct PartitionFile {
    file: SerializedFileWriter<File>,
    factory: ArrowRowGroupWriterFactory,
    schema: SchemaRef,
    row_group_rows: usize,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    pending_bytes: usize,
    row_groups: usize,
    in_flight: VecDeque<RowGroupInFlight>,
}

impl PartitionFile {
    pub(crate) fn new(file: File, schema: SchemaRef, props: WriterProperties) -> Result<Self> {
        let row_group_rows = props.max_row_group_row_count().unwrap_or(1 << 20).max(1);
        // `ArrowWriter` writes the Arrow schema into the file's metadata (time zones, exact types), so the
        // file reads back as written; the column writers then come from its factory.
        let (file, factory) =
            ArrowWriter::try_new(file, schema.clone(), Some(props))?.into_serialized_writer()?;
        Ok(PartitionFile {
            file,
            factory,
            schema,
            row_group_rows,
            pending: Vec::new(),
            pending_rows: 0,
            pending_bytes: 0,
            row_groups: 0,
            in_flight: VecDeque::new(),
        })
    }

    /// Bytes of rows waiting for their row group.
    pub(crate) fn pending_bytes(&self) -> usize {
        self.pending_bytes
    }

    pub(crate) fn row_groups_in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Adds rows; every full row group is handed to the pool.
    pub(crate) fn write(&mut self, batch: &RecordBatch, pool: &EncoderPool) -> Result<()> {
        let mut batch = batch.clone();
        while batch.num_rows() > 0 {
            let room = self.row_group_rows - self.pending_rows;
            let take = room.min(batch.num_rows());
            let part = batch.slice(0, take);
            batch = batch.slice(take, batch.num_rows() - take);
            self.pending_bytes += slice_memory_size(&part);
            self.pending_rows += take;
            self.pending.push(part);
            if self.pending_rows == self.row_group_rows {
                self.start_row_group(pool)?;
            }
        }
        self.append_finished(false)
    }

    /// Hands the waiting rows to the pool as a row group, however few they are.
    pub(crate) fn start_row_group(&mut self, pool: &EncoderPool) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let writers = self.factory.create_column_writers(self.row_groups)?;
        self.row_groups += 1;
        let batches = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        self.pending_bytes = 0;
        let (done, results) = unbounded();
        let columns = writers.len();
        // One writer per leaf column; the event schema is flat, so leaves and fields correspond one to one.
        debug_assert_eq!(columns, self.schema.fields().len());
        for (column, writer) in writers.into_iter().enumerate() {
            pool.submit(ColumnJob {
                writer,
                field: self.schema.field(column).clone().into(),
                arrays: batches.iter().map(|b| b.column(column).clone()).collect(),
                column,
                done: done.clone(),
            })?;
        }
        self.in_flight.push_back(RowGroupInFlight {
            chunks: (0..columns).map(|_| None).collect(),
            missing: columns,
            results,
        });
        Ok(())
    }

    /// Appends the row groups whose encoding is done, in order; with `wait`, all of them.
    pub(crate) fn append_finished(&mut self, wait: bool) -> Result<()> {
        while let Some(front) = self.in_flight.front_mut() {
            if !front.collect(wait)? {
                return Ok(());
            }
            let done = self.in_flight.pop_front().expect("front exists");
            let mut row_group = self.file.next_row_group()?;
            for chunk in done.chunks {
                chunk
                    .expect("every column arrived")
                    .append_to_row_group(&mut row_group)?;
            }
            row_group.close()?;
        }
        Ok(())
    }

    /// Waits for the oldest row group in flight and appends it (and any finished after it).
    pub(crate) fn append_oldest(&mut self) -> Result<()> {
        if let Some(front) = self.in_flight.front_mut() {
            front.collect(true)?;
        }
        self.append_finished(false)
    }

    /// Encodes what is left, appends everything and writes the footer.
    pub(crate) fn close(mut self, pool: &EncoderPool) -> Result<()> {
        self.start_row_group(pool)?;
        self.append_finished(true)?;
        self.file.close()?;
        Ok(())
    }
}

/// Bytes of the rows of `batch`, counting only the part of each buffer its rows use: a batch may be a slice of
/// a bigger one (split at a row group's end) or share its all-null columns with other batches, and counting
/// whole buffers there would count the same memory many times and flush row groups early.
fn slice_memory_size(batch: &RecordBatch) -> usize {
    batch
        .columns()
        .iter()
        .map(|column| {
            let data = column.to_data();
            data.get_slice_memory_size()
                .unwrap_or_else(|_| column.get_array_memory_size())
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};

    #[test]
    fn a_slice_counts_the_memory_of_its_own_rows_only() {
        let ids = Int64Array::from_iter_values(0..10_000);
        let names = StringArray::from_iter_values((0..10_000).map(|i| format!("name {i}")));
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(ids) as ArrayRef),
            ("name", Arc::new(names)),
        ])
        .unwrap();
        let whole = slice_memory_size(&batch);
        let tenth = slice_memory_size(&batch.slice(0, 1_000));
        assert!(whole >= 10_000 * (8 + 4 + 8), "{whole}");
        assert!(
            tenth * 8 < whole && tenth * 12 > whole,
            "{tenth} of {whole}"
        );
    }
}
