//! Answers as Arrow tables: what the CLI prints and writes (table, CSV, JSON, Parquet) and Python receives.

use std::sync::Arc;

use fulcrum_query::arrow::array::{ArrayRef, Float64Array, StringArray, UInt64Array};
use fulcrum_query::arrow::datatypes::{DataType, Field, Schema};
use fulcrum_query::arrow::error::ArrowError;
use fulcrum_query::{RecordBatch, SchemaRef};

/// A named column of strings, floats or counts.
pub enum Col {
    Str(Vec<String>),
    /// NaN is "no value": shown empty, written as null.
    F64(Vec<f64>),
    U64(Vec<u64>),
}

/// A table: its schema and one batch.
#[derive(Debug, Clone)]
pub struct Table {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

/// Builds a table from named columns of equal length.
pub fn table<S: AsRef<str>>(columns: Vec<(S, Col)>) -> Result<Table, ArrowError> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, col) in columns {
        let (dt, array): (DataType, ArrayRef) = match col {
            Col::Str(v) => (DataType::Utf8, Arc::new(StringArray::from(v))),
            Col::F64(v) => (
                DataType::Float64,
                Arc::new(Float64Array::from(
                    v.into_iter()
                        .map(|x| x.is_finite().then(|| round(x)))
                        .collect::<Vec<_>>(),
                )),
            ),
            Col::U64(v) => (DataType::UInt64, Arc::new(UInt64Array::from(v))),
        };
        fields.push(Field::new(name.as_ref(), dt, true));
        arrays.push(array);
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    Ok(Table {
        schema,
        batches: vec![batch],
    })
}

/// A float column from a getter over rows.
pub fn floats<T>(rows: &[T], get: impl Fn(&T) -> f64) -> Col {
    Col::F64(rows.iter().map(get).collect())
}

/// Six significant decimals are plenty for scores and keep tables readable.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
