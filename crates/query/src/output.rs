//! Writing query results as an aligned table, CSV, JSON (array of objects) or Parquet.

use std::io::Write;
use std::str::FromStr;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use arrow::util::display::FormatOptions;
use arrow::util::pretty::pretty_format_batches_with_options;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::{QueryError, Result};

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
    /// JSON Lines: one object per row.
    Jsonl,
    Parquet,
}

impl FromStr for OutputFormat {
    type Err = fulcrum_model::ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "table" => OutputFormat::Table,
            "csv" => OutputFormat::Csv,
            "json" => OutputFormat::Json,
            "jsonl" | "ndjson" => OutputFormat::Jsonl,
            "parquet" => OutputFormat::Parquet,
            _ => {
                return Err(fulcrum_model::ValueError::new(
                    s,
                    "an output format",
                    "table, csv, json, jsonl or parquet",
                ));
            }
        })
    }
}

impl OutputFormat {
    /// The format a file name implies (`out.csv` → CSV).
    pub fn from_path(path: &str) -> Option<Self> {
        let ext = std::path::Path::new(path)
            .extension()?
            .to_str()?
            .to_ascii_lowercase();
        ext.parse().ok()
    }
}

/// Writes batches to `out`. Parquet needs a seekable file only in principle; arrow-rs writes it forward-only.
pub fn write_batches(
    format: OutputFormat,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    out: &mut (dyn Write + Send),
) -> Result<()> {
    match format {
        OutputFormat::Table => {
            let options = FormatOptions::default().with_null("");
            if batches.iter().all(|b| b.num_rows() == 0) {
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                writeln!(out, "(no rows; columns: {})", names.join(", "))?;
            } else {
                writeln!(
                    out,
                    "{}",
                    pretty_format_batches_with_options(batches, &options)?
                )?;
            }
        }
        OutputFormat::Csv => {
            let mut w = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut *out);
            for b in batches {
                w.write(b)?;
            }
        }
        OutputFormat::Json if batches.iter().all(|b| b.num_rows() == 0) => writeln!(out, "[]")?,
        OutputFormat::Json => {
            let mut w = arrow::json::ArrayWriter::new(&mut *out);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
            writeln!(out)?;
        }
        OutputFormat::Jsonl => {
            let mut w = arrow::json::LineDelimitedWriter::new(&mut *out);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
        }
        OutputFormat::Parquet => {
            let props = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .build();
            let mut w = ArrowWriter::try_new(&mut *out, schema.clone(), Some(props))?;
            for b in batches {
                w.write(b)?;
            }
            w.close()?;
        }
    }
    Ok(())
}

impl From<std::fmt::Error> for QueryError {
    fn from(e: std::fmt::Error) -> Self {
        QueryError::Invalid(e.to_string())
    }
}
