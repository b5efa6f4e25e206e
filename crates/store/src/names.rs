//! The index of actor names stored without a state: `_fulcrum/names/<txn>.names`.
//!
//! Why: a question resolves sides named only by name ("VLADIMIR PUTIN", no state) to the states they act for,
//! so its SQL must also read the rows of the names that may resolve to its states. Finding those names by
//! scanning the store (`SELECT DISTINCT actor1_name … WHERE actor1_country_code IS NULL`) reads a third of a
//! GDELT store for every question. Each transaction therefore writes the distinct names its rows carry on a side
//! without a state, with the first and last day they occur: a few thousand rows that a question reads in
//! milliseconds. The file is Parquet (name, first_day, last_day) under a name that no data reader lists.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, AsArray, Date32Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Date32Type, Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::properties::WriterProperties;

use crate::{Result, StoreError};

/// A name stored without a state, and the span of days it occurs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatelessName {
    pub name: String,
    pub first_day: i32,
    pub last_day: i32,
}

/// Collects the names of rows as they are written.
#[derive(Debug, Default)]
pub(crate) struct NameCollector {
    spans: HashMap<Box<str>, (i32, i32)>,
}

impl NameCollector {
    /// Adds the names on either side of `batch` that have no state (an event batch of the store's schema).
    pub(crate) fn add(&mut self, batch: &RecordBatch) {
        let Some(days) = batch
            .column_by_name("event_date")
            .and_then(|c| c.as_any().downcast_ref::<Date32Array>())
        else {
            return;
        };
        for side in ["actor1", "actor2"] {
            let column = |suffix: &str| {
                batch
                    .column_by_name(&format!("{side}_{suffix}"))
                    .and_then(|c| c.as_any().downcast_ref::<StringArray>())
            };
            let (Some(states), Some(names)) = (column("country_code"), column("name")) else {
                continue;
            };
            for i in 0..batch.num_rows() {
                if states.is_valid(i) || names.is_null(i) || days.is_null(i) {
                    continue;
                }
                let day = days.value(i);
                match self.spans.get_mut(names.value(i)) {
                    Some((first, last)) => {
                        *first = (*first).min(day);
                        *last = (*last).max(day);
                    }
                    None => {
                        self.spans.insert(names.value(i).into(), (day, day));
                    }
                }
            }
        }
    }

    pub(crate) fn merge(&mut self, other: NameCollector) {
        for (name, (first, last)) in other.spans {
            let span = self.spans.entry(name).or_insert((first, last));
            span.0 = span.0.min(first);
            span.1 = span.1.max(last);
        }
    }

    /// Writes the index (sorted by name) to `path`.
    pub(crate) fn write(&self, path: &Path) -> Result<()> {
        let mut rows: Vec<(&str, i32, i32)> =
            self.spans.iter().map(|(n, &(f, l))| (&**n, f, l)).collect();
        rows.sort_unstable();
        let batch = RecordBatch::try_new(
            schema(),
            vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
                Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.1))),
                Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.2))),
            ],
        )?;
        let file = File::create(path).map_err(|e| StoreError::io(path, e))?;
        let mut writer =
            ArrowWriter::try_new(file, schema(), Some(WriterProperties::builder().build()))?;
        writer.write(&batch)?;
        writer.close()?;
        Ok(())
    }
}

fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("first_day", DataType::Date32, false),
        Field::new("last_day", DataType::Date32, false),
    ]))
}

/// Reads one transaction's index.
pub fn read_names(path: &Path) -> Result<Vec<StatelessName>> {
    let file = File::open(path).map_err(|e| StoreError::io(path, e))?;
    let mut out = Vec::new();
    for batch in ParquetRecordBatchReaderBuilder::try_new(file)?.build()? {
        let batch = batch?;
        let corrupt = || StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: "not a names index (name, first_day, last_day)".into(),
        };
        if batch.num_columns() != 3 {
            return Err(corrupt());
        }
        let names = batch.column(0).as_string_opt::<i32>().ok_or_else(corrupt)?;
        let first = batch
            .column(1)
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(corrupt)?;
        let last = batch
            .column(2)
            .as_primitive_opt::<Date32Type>()
            .ok_or_else(corrupt)?;
        out.extend((0..batch.num_rows()).map(|i| StatelessName {
            name: names.value(i).to_string(),
            first_day: first.value(i),
            last_day: last.value(i),
        }));
    }
    Ok(out)
}
