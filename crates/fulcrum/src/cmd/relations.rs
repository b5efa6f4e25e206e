//! Shared glue of the relations commands: load the events between named actors from the store, and turn
//! result rows into Arrow batches for the common output formats.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result};
use clap::Args;
use fulcrum_events::Selection;
use fulcrum_query::{OutputFormat, QueryEngine, RecordBatch, SchemaRef};
use fulcrum_relations::actors::ActorSpec;
use fulcrum_relations::{Event, Period};
use fulcrum_query::arrow::array::{ArrayRef, Float64Array, StringArray, UInt64Array};
use fulcrum_query::arrow::datatypes::{DataType, Field, Schema};

use crate::cmd::ingest::parse_date;

/// Options every relations command shares.
#[derive(Args, Clone)]
pub struct Window {
    /// First day (YYYY-MM-DD); default: the first event between the actors.
    #[arg(long, value_parser = parse_date)]
    pub from: Option<i32>,
    /// Last day, inclusive (YYYY-MM-DD); default: the last event between the actors.
    #[arg(long, value_parser = parse_date)]
    pub to: Option<i32>,
    /// Series granularity.
    #[arg(long = "by", default_value = "month", value_name = "day|week|month")]
    pub period: Period,
    /// Only these datasets (comma-separated: gdelt1,gdelt2,icews,tkg,coded); default all.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Counting rule for repeated reports: raw, daily (one-a-day), root.
    #[arg(long, default_value = "raw")]
    pub dedup: fulcrum_relations::dyad::Dedup,
}

/// Where results go besides the table on standard output.
#[derive(Args, Clone)]
pub struct Outputs {
    /// Draw a chart to this file (.svg or .png).
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Also write the result as CSV.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Also write the result as JSON.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Also write the result as Parquet.
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,
}

impl Outputs {
    /// Draws the chart if --plot was given.
    pub fn plot(&self, chart: &fulcrum_plot::DatedChart) -> Result<()> {
        if let Some(path) = &self.plot {
            fulcrum_plot::dated_chart(path, chart)?;
            eprintln!("wrote chart to {}", path.display());
        }
        Ok(())
    }

    pub fn write(&self, schema: &SchemaRef, batches: &[RecordBatch]) -> Result<()> {
        crate::cmd::sql::emit(OutputFormat::Table, None, schema, batches)?;
        for (path, format) in [(&self.csv, OutputFormat::Csv), (&self.json, OutputFormat::Json), (&self.parquet, OutputFormat::Parquet)] {
            if let Some(path) = path {
                crate::cmd::sql::emit(format, Some(path), schema, batches)?;
            }
        }
        Ok(())
    }
}

/// Events between any two of `actors` (indices into it as `src`/`dst`), with the window resolved.
pub struct Loaded {
    pub events: Vec<Event>,
    pub from: i32,
    pub to: i32,
    pub engine: QueryEngine,
}

pub fn parse_actors(names: &[String]) -> Result<Vec<ActorSpec>> {
    names.iter().map(|n| ActorSpec::parse(n).map_err(anyhow::Error::from)).collect()
}

impl Window {
    /// The window as the loaders take it.
    pub fn selection(&self) -> Selection {
        Selection {
            from: self.from,
            to: self.to,
            period: self.period,
            datasets: self.dataset.as_ref().map(|list| list.split(',').map(|d| d.trim().to_string()).collect()),
            dedup: self.dedup,
        }
    }
}

/// Opens the store and loads the events between the actors (see `fulcrum_events::load`).
pub fn load(store: &Path, actors: &[ActorSpec], window: &Window) -> Result<Loaded> {
    let engine = QueryEngine::open(store).with_context(|| format!("opening store {}", store.display()))?;
    let loaded = fulcrum_events::load(&engine, actors, &window.selection())?;
    Ok(Loaded { events: loaded.events, from: loaded.from, to: loaded.to, engine })
}

/// Events of the whole store per period (for normalising by coverage).
pub fn totals(engine: &QueryEngine, window: &Window, from: i32, to: i32) -> Result<HashMap<i32, u64>> {
    Ok(fulcrum_events::totals(engine, &window.selection(), from, to)?)
}

/// Builds a batch from named columns (strings, floats or counts).
pub enum Col {
    Str(Vec<String>),
    F64(Vec<f64>),
    U64(Vec<u64>),
}

pub fn batch(columns: Vec<(&str, Col)>) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (name, col) in columns {
        let (dt, array): (DataType, ArrayRef) = match col {
            Col::Str(v) => (DataType::Utf8, Arc::new(StringArray::from(v))),
            // NaN is "no value": shown empty, written as null.
            Col::F64(v) => (
                DataType::Float64,
                Arc::new(Float64Array::from(v.into_iter().map(|x| x.is_finite().then(|| round(x))).collect::<Vec<_>>())),
            ),
            Col::U64(v) => (DataType::UInt64, Arc::new(UInt64Array::from(v))),
        };
        fields.push(Field::new(name, dt, true));
        arrays.push(array);
    }
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), arrays)?;
    Ok((schema, vec![batch]))
}

/// Six significant decimals are plenty for scores and keep tables readable.
fn round(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
