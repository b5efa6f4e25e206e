//! Shared glue of the relations commands: load the events between named actors from the store, and turn
//! result rows into Arrow batches for the common output formats.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::Args;
use fulcrum_model::civil_from_days;
use fulcrum_query::{OutputFormat, QueryEngine, RecordBatch, SchemaRef, sql_string};
use fulcrum_relations::actors::ActorSpec;
use fulcrum_relations::{Event, Period, code_key, iso_date};
use fulcrum_query::arrow::array::{Array, ArrayRef, AsArray, Float64Array, StringArray, UInt64Array};
use fulcrum_query::arrow::datatypes::{DataType, Date32Type, Field, Float64Type, Int8Type, Schema};

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

fn get(a: &StringArray, i: usize) -> Option<&str> {
    (!a.is_null(i)).then(|| a.value(i))
}

pub fn parse_actors(names: &[String]) -> Result<Vec<ActorSpec>> {
    names.iter().map(|n| ActorSpec::parse(n).map_err(anyhow::Error::from)).collect()
}

fn dataset_filter(window: &Window) -> String {
    match &window.dataset {
        Some(list) => {
            let items: Vec<String> = list.split(',').map(|d| sql_string(d.trim())).collect();
            format!(" AND dataset IN ({})", items.join(", "))
        }
        None => String::new(),
    }
}

pub fn load(store: &Path, actors: &[ActorSpec], window: &Window) -> Result<Loaded> {
    let engine = QueryEngine::open(store).with_context(|| format!("opening store {}", store.display()))?;
    let mut countries: Vec<String> = actors.iter().flat_map(|a| a.countries()).collect();
    countries.sort();
    countries.dedup();
    let list = countries.iter().map(|c| sql_string(c)).collect::<Vec<_>>().join(", ");
    let mut query = format!(
        "SELECT event_date, actor1_code, actor1_country_code, actor1_type1_code, actor2_code, actor2_country_code, \
         actor2_type1_code, event_code, quad_class, goldstein, avg_tone FROM events \
         WHERE actor1_country_code IN ({list}) AND actor2_country_code IN ({list}){}",
        dataset_filter(window)
    );
    if let Some(from) = window.from {
        query.push_str(&format!(" AND event_date >= DATE '{}'", iso_date(from)));
    }
    if let Some(to) = window.to {
        query.push_str(&format!(" AND event_date <= DATE '{}'", iso_date(to)));
    }
    let (_, batches) = engine.sql(&query)?;
    let mut events = Vec::new();
    for batch in &batches {
        let dates = batch.column(0).as_primitive::<Date32Type>();
        let text = |i: usize| -> StringArray {
            let c = fulcrum_query::arrow::compute::cast(batch.column(i), &DataType::Utf8).expect("strings cast to Utf8");
            c.as_string::<i32>().clone()
        };
        let (a1, c1, t1, a2, c2, t2, code) = (text(1), text(2), text(3), text(4), text(5), text(6), text(7));
        let quad = batch.column(8).as_primitive::<Int8Type>();
        let gold = batch.column(9).as_primitive::<Float64Type>();
        let tone = batch.column(10).as_primitive::<Float64Type>();
        for i in 0..batch.num_rows() {
            let day = dates.value(i);
            let src = actors.iter().position(|a| a.matches(get(&c1, i), get(&a1, i), get(&t1, i), day));
            let dst = actors.iter().position(|a| a.matches(get(&c2, i), get(&a2, i), get(&t2, i), day));
            if let (Some(s), Some(d)) = (src, dst)
                && s != d
            {
                events.push(Event {
                    day,
                    src: s as u16,
                    dst: d as u16,
                    code: code_key(code.value(i)),
                    quad_class: quad.value(i) as u8,
                    goldstein: gold.value(i),
                    tone: if tone.is_null(i) { f64::NAN } else { tone.value(i) },
                });
            }
        }
    }
    events.sort_by_key(|e| e.day);
    let events = fulcrum_relations::dyad::dedup(&events, window.dedup);
    let (Some(first), Some(last)) = (events.first(), events.last()) else {
        let names: Vec<String> = actors.iter().map(ActorSpec::label).collect();
        bail!("no events between {} in the store{}", names.join(", "), if window.from.is_some() || window.to.is_some() { " in that window" } else { "" });
    };
    let (from, to) = (window.from.unwrap_or(first.day), window.to.unwrap_or(last.day));
    Ok(Loaded { events, from, to, engine })
}

/// Events of the whole store per period (for normalising by coverage).
pub fn totals(engine: &QueryEngine, window: &Window, from: i32, to: i32) -> Result<HashMap<i32, u64>> {
    let query = format!(
        "SELECT event_date, count(*) FROM events WHERE event_date BETWEEN DATE '{}' AND DATE '{}'{} GROUP BY event_date",
        iso_date(from),
        iso_date(to),
        dataset_filter(window)
    );
    let (_, batches) = engine.sql(&query)?;
    let mut out = HashMap::new();
    for b in &batches {
        let days = b.column(0).as_primitive::<Date32Type>();
        let n = fulcrum_query::arrow::compute::cast(b.column(1), &DataType::UInt64)?;
        let n = n.as_primitive::<fulcrum_query::arrow::datatypes::UInt64Type>();
        for i in 0..b.num_rows() {
            *out.entry(window.period.start(days.value(i))).or_insert(0) += n.value(i);
        }
    }
    Ok(out)
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

/// `YYYY-MM` for months, `YYYY-MM-DD` otherwise.
pub fn period_label(period: Period, start: i32) -> String {
    match period {
        Period::Month => {
            let (y, m, _) = civil_from_days(start);
            format!("{y:04}-{m:02}")
        }
        _ => iso_date(start),
    }
}
