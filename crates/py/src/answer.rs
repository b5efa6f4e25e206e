//! Questions answered for Python: the request parsed by its one definition, the same call the CLI makes, the
//! answer as Arrow tables, a summary in words and a chart handle.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use arrow_array::{Array, RecordBatch};
use arrow_pyarrow::IntoPyArrow;
use fulcrum_coder::documents::Document;
use fulcrum_coder::{Coder, Dictionaries};
use fulcrum_intake::{IngestOptions, IngestReport, InputEvent, Observer};
use fulcrum_model::resolve::Resolver;
use fulcrum_plot::DatedChart;
use fulcrum_query::{QueryEngine, SchemaRef};
use fulcrum_questions::forecast::{
    BacktestRequest, DyadForecastRequest, TkgRequest, forecast_tkg, tkg_data,
};
use fulcrum_questions::front::{Parameter, Request, from_query, parameters as params_of};
use fulcrum_questions::relations::{
    BalanceRequest, ChangesRequest, DyadRequest, TriadRequest, VarReport, VarRequest,
};
use fulcrum_questions::source::StoreSource;
use fulcrum_questions::table::Table;
use fulcrum_questions::{Cluster, QuestionError, Questions, charts, parse_day};
use fulcrum_store::StoreLocation;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::run::{Note, Notes};

/// The questions, by the name Python calls them with.
pub const QUESTIONS: &[&str] = &[
    "dyad",
    "changes",
    "balance",
    "triad",
    "var",
    "forecast_dyad",
    "backtest",
    "forecast_tkg",
];

/// Parameters Python takes besides a request's own: (question, name, help). The CLI has them as options of its
/// commands rather than of the requests (they decide what is drawn or kept, not what is computed).
const FRONT_END_PARAMETERS: &[(&str, &str, &str)] = &[
    ("dyad", "break", "Mark this date on the chart (YYYY-MM-DD)."),
    (
        "forecast_tkg",
        "predictions",
        "Also return every test query's ten best predictions (of the last model), as the table `predictions`.",
    ),
];

/// Every parameter a question takes: its request's (from the one definition), then the front end's own.
pub fn parameters(question: &str) -> Result<Vec<Parameter>> {
    let mut params = match question {
        "dyad" => params_of::<DyadRequest>(),
        "changes" => params_of::<ChangesRequest>(),
        "balance" => params_of::<BalanceRequest>(),
        "triad" => params_of::<TriadRequest>(),
        "var" => params_of::<VarRequest>(),
        "forecast_dyad" => params_of::<DyadForecastRequest>(),
        "backtest" => params_of::<BacktestRequest>(),
        "forecast_tkg" => params_of::<TkgRequest>(),
        other => return Err(unknown_question(other)),
    };
    params.extend(
        FRONT_END_PARAMETERS
            .iter()
            .filter(|(q, _, _)| *q == question)
            .map(|(_, name, help)| Parameter {
                name: name.to_string(),
                required: false,
                default: (*name == "predictions").then(|| "false".to_string()),
                help: help.to_string(),
                many: false,
                positional: false,
            }),
    );
    Ok(params)
}

fn unknown_question(name: &str) -> anyhow::Error {
    QuestionError::Parameter(format!(
        "unknown question '{name}'; there are {}",
        QUESTIONS.join(", ")
    ))
    .into()
}

/// Opens the store for reading, in process or on the cluster, as the CLI does.
pub fn open(store: &StoreLocation, cluster: Option<&Cluster>) -> Result<QueryEngine> {
    Ok(fulcrum_questions::open_store(store, cluster)?)
}

/// The dated actor roles, saying once (as a note) when only the built-in ones are used.
pub fn resolver(dict: &Path, notes: &Notes) -> Resolver {
    let (resolver, note) = fulcrum_questions::actor_roles(dict);
    if let Some(note) = note {
        notes.send(Note::Line(note));
    }
    resolver
}

/// What to draw, kept as data until Python asks for the picture.
#[derive(Clone)]
enum Drawing {
    Dated(Box<DatedChart>),
    Irf {
        states: String,
        names: Vec<String>,
        report: Box<VarReport>,
    },
}

/// A chart of an answer: the same drawing the CLI's `--plot` makes.
#[pyclass(
    module = "fulcrum._fulcrum",
    name = "_Chart",
    frozen,
    skip_from_py_object
)]
#[derive(Clone)]
pub struct Chart {
    drawing: Drawing,
}

impl Chart {
    fn dated(chart: DatedChart) -> Self {
        Chart {
            drawing: Drawing::Dated(Box::new(chart)),
        }
    }

    /// Draws to `path` (.svg or .png).
    pub fn draw(&self, path: &Path) -> Result<()> {
        match &self.drawing {
            Drawing::Dated(c) => fulcrum_plot::dated_chart(path, c)?,
            Drawing::Irf {
                states,
                names,
                report,
            } => charts::irf_grid(path, states, names, report)?,
        }
        Ok(())
    }

    /// The drawing as SVG text.
    pub fn svg(&self) -> Result<String> {
        let dir = tempfile::tempdir().context("creating a temporary folder for the chart")?;
        let path = dir.path().join("chart.svg");
        self.draw(&path)?;
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    }
}

/// An answer before it crosses into Python.
pub struct Answered {
    question: String,
    title: String,
    summary: String,
    table: Table,
    chart: Option<Chart>,
    /// Further tables by name (the TKG predictions).
    extra: Vec<(String, Table)>,
}

/// Takes a front-end parameter out of the query (the request would refuse it as unknown).
fn take(params: &mut HashMap<String, String>, name: &str) -> Option<String> {
    params.remove(name).filter(|v| !v.trim().is_empty())
}

fn take_day(params: &mut HashMap<String, String>, name: &str) -> Result<Option<i32>> {
    take(params, name)
        .map(|v| {
            parse_day(v.trim())
                .map_err(|e| QuestionError::Parameter(format!("parameter '{name}': {e}")).into())
        })
        .transpose()
}

fn take_flag(params: &mut HashMap<String, String>, name: &str) -> Result<bool> {
    match take(params, name).as_deref().map(str::trim) {
        None | Some("false") | Some("0") => Ok(false),
        Some("true") | Some("1") => Ok(true),
        Some(other) => Err(QuestionError::Parameter(format!(
            "parameter '{name}' is true or false, not '{other}'"
        ))
        .into()),
    }
}

fn request<T: Request>(params: &HashMap<String, String>) -> Result<T> {
    Ok(from_query::<T>(params)?)
}

fn lines(parts: impl IntoIterator<Item = Option<String>>) -> String {
    parts.into_iter().flatten().collect::<Vec<_>>().join("\n")
}

/// Answers `question` on the store, as the CLI's command of that name does.
pub fn ask(
    store: &StoreLocation,
    dict: &Path,
    cluster: Option<&Cluster>,
    question: &str,
    mut params: HashMap<String, String>,
    notes: &Notes,
) -> Result<Answered> {
    if !QUESTIONS.contains(&question) {
        return Err(unknown_question(question));
    }
    if question == "forecast_tkg" {
        return tkg(store, params, notes);
    }
    let mark = if question == "dyad" {
        take_day(&mut params, "break")?
    } else {
        None
    };
    let (source, note) = StoreSource::open(store, cluster, resolver(dict, notes))?;
    if let Some(note) = note {
        notes.send(Note::Line(note));
    }
    let q = Questions::new(&source);
    let answered = |title: String, summary: String, table: Table, chart: Option<Chart>| Answered {
        question: question.to_string(),
        title,
        summary,
        table,
        chart,
        extra: Vec::new(),
    };
    Ok(match question {
        "dyad" => {
            let a = q.dyad(&request::<DyadRequest>(&params)?)?;
            let title = format!(
                "dyad {} ↔ {}, {} .. {} by {}: {} events",
                a.actors[0].code,
                a.actors[1].code,
                fulcrum_model::iso_date(a.span.from),
                fulcrum_model::iso_date(a.span.to),
                a.span.period,
                a.events
            );
            let chart = Chart::dated(charts::dyad(&a, mark));
            answered(title, String::new(), a.table()?, Some(chart))
        }
        "changes" => {
            let a = q.changes(&request::<ChangesRequest>(&params)?)?;
            let title = format!(
                "change points of {} between {} and {}",
                a.series.name(),
                a.actors[0].code,
                a.actors[1].code
            );
            let summary = lines([Some(a.headline()), Some(a.alerts_summary())]);
            let chart = Chart::dated(charts::changes(&a));
            answered(title, summary, a.table()?, Some(chart))
        }
        "balance" => {
            let r = request::<BalanceRequest>(&params)?;
            if r.third.is_none() {
                let ranking = q.rank_balancers(&r)?;
                let [a, b] = ranking.rivals.each_ref().map(|x| x.code.as_str());
                let title = format!(
                    "every third state between {a} and {b}, {} .. {} (tilt > 0: leans to {a}; < 0: leans to {b}; 90% band)",
                    fulcrum_model::iso_date(ranking.span.from),
                    fulcrum_model::iso_date(ranking.span.to)
                );
                answered(title, ranking.summary(), ranking.table()?, None)
            } else {
                let a = q.balance(&r)?;
                // A blank line between the two, as the CLI prints them.
                let summary = match a.break_summary() {
                    Some(shift) => format!("{}\n\n{shift}", a.summary()),
                    None => a.summary(),
                };
                let chart = Chart::dated(charts::balance(&a));
                answered(a.headline(), summary, a.table()?, Some(chart))
            }
        }
        "triad" => {
            let a = q.triad(&request::<TriadRequest>(&params)?)?;
            let states: Vec<&str> = a.states.iter().map(|s| s.code.as_str()).collect();
            let title = format!(
                "signed triads among {}, by {}",
                states.join(", "),
                a.span.period
            );
            let chart = Chart::dated(charts::triad(&a));
            answered(title, String::new(), a.table()?, Some(chart))
        }
        "var" => {
            let a = q.var(&request::<VarRequest>(&params)?)?;
            let states: Vec<&str> = a.states.iter().map(|s| s.code.as_str()).collect();
            let title = format!(
                "triangular VAR of {}: orthogonalised impulse responses",
                states.join("–")
            );
            let table = a.whole.irf_table(&a.names)?;
            let chart = Chart {
                drawing: Drawing::Irf {
                    states: states.join("–"),
                    names: a.names.clone(),
                    report: Box::new(a.whole.clone()),
                },
            };
            answered(title, a.to_string(), table, Some(chart))
        }
        "forecast_dyad" => {
            let a = q.forecast_dyad(&request::<DyadForecastRequest>(&params)?)?;
            let summary = lines([Some(a.headline()?), a.series.partial_note()]);
            let title = format!(
                "forecast {} → {}",
                a.series.source.code, a.series.target.code
            );
            let chart = Chart::dated(charts::forecast(&a)?);
            answered(title, summary, a.table()?, Some(chart))
        }
        "backtest" => {
            let r = request::<BacktestRequest>(&params)?;
            let a = q.backtest_dyad(&r)?;
            let summary = lines([Some(a.headline(r.horizon)), a.series.partial_note()]);
            let title = format!(
                "backtest {} → {}",
                a.series.source.code, a.series.target.code
            );
            let chart = Chart::dated(charts::backtest(&a)?);
            answered(title, summary, a.table()?, Some(chart))
        }
        other => return Err(unknown_question(other)),
    })
}

/// The TKG question: a benchmark folder's graph or the store's, scored as `fulcrum forecast tkg` does.
fn tkg(
    store: &StoreLocation,
    mut params: HashMap<String, String>,
    notes: &Notes,
) -> Result<Answered> {
    let keep = take_flag(&mut params, "predictions")?;
    let mut r = request::<TkgRequest>(&params)?;
    r.keep_predictions = keep;
    let started = Instant::now();
    let (data, source) = tkg_data(&r, store)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let answer = forecast_tkg(&r, data, load_seconds, &|step| notes.send(Note::Step(step)));
    let mut extra = Vec::new();
    if let Some(predictions) = answer.predictions_table() {
        extra.push(("predictions".to_string(), predictions?));
    }
    Ok(Answered {
        question: "forecast_tkg".into(),
        title: format!("next-event forecasts on {source} (MRR, Hits@k)"),
        summary: answer.headline(&source),
        table: answer.table()?,
        chart: None,
        extra,
    })
}

/// The addresses of every data buffer of the first batch, per column: what a zero-copy hand-over keeps.
fn buffer_addresses(batch: Option<&RecordBatch>) -> Vec<Vec<usize>> {
    batch.map_or_else(Vec::new, |b| {
        b.columns()
            .iter()
            .map(|c| {
                c.to_data()
                    .buffers()
                    .iter()
                    .map(|buf| buf.as_ptr() as usize)
                    .collect()
            })
            .collect()
    })
}

/// Batches as a `pyarrow.Table` through the Arrow C stream interface (no copy), and the Rust buffer addresses.
pub fn arrow_table(
    py: Python<'_>,
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> PyResult<(Py<PyAny>, Vec<Vec<usize>>)> {
    let addresses = buffer_addresses(batches.first());
    // DataFusion may hand batches whose schema differs from the plan's in metadata only: use the batches' own.
    let schema = batches.first().map_or(schema, |b| b.schema());
    let table = arrow_pyarrow::Table::try_new(batches, schema)
        .map_err(|e| crate::errors::FulcrumError::new_err(e.to_string()))?;
    Ok((table.into_pyarrow(py)?.unbind(), addresses))
}

/// The answer as the dict the Python `Answer` class wraps.
pub fn answer_dict(py: Python<'_>, a: Answered) -> PyResult<Py<PyAny>> {
    let out = PyDict::new(py);
    out.set_item("question", a.question)?;
    out.set_item("title", a.title)?;
    out.set_item("summary", a.summary)?;
    let (table, addresses) = arrow_table(py, a.table.schema, a.table.batches)?;
    out.set_item("table", table)?;
    out.set_item("addresses", addresses)?;
    out.set_item("chart", a.chart.map(|c| Py::new(py, c)).transpose()?)?;
    let extra = PyDict::new(py);
    for (name, t) in a.extra {
        extra.set_item(name, arrow_table(py, t.schema, t.batches)?.0)?;
    }
    out.set_item("extra", extra)?;
    Ok(out.into_any().unbind())
}

/// Ingest options from Python's keyword arguments; the rest are the library's defaults (the CLI's too).
pub fn ingest_options(
    format: Option<&str>,
    max_reject_rate: Option<f64>,
    tkg_epoch: Option<&str>,
    tkg_units_per_day: Option<i64>,
    threads: Option<usize>,
) -> Result<IngestOptions> {
    let invalid = |m: String| anyhow::Error::from(QuestionError::Parameter(m));
    let mut options = IngestOptions::default();
    if let Some(f) = format {
        options.format = Some(
            f.parse()
                .map_err(|e| invalid(format!("parameter 'format': {e}")))?,
        );
    }
    if let Some(rate) = max_reject_rate {
        if !(0.0..=1.0).contains(&rate) {
            return Err(invalid(format!(
                "parameter 'max_reject_rate': {rate} is not a share from 0 to 1"
            )));
        }
        options.max_reject_rate = Some(rate);
    }
    if let Some(day) = tkg_epoch {
        options.expand.tkg_epoch =
            Some(parse_day(day).map_err(|e| invalid(format!("parameter 'tkg_epoch': {e}")))?);
    }
    options.expand.tkg_units_per_day = tkg_units_per_day;
    if threads == Some(0) {
        return Err(invalid("parameter 'threads': give 1 or more".into()));
    }
    options.threads = threads;
    Ok(options)
}

/// Hands ingest progress to Python: the total, a progress step per 0.5% of it, and each input's line.
struct Forward<'n> {
    notes: &'n Notes,
    total: AtomicU64,
    sent: AtomicU64,
}

impl Observer for Forward<'_> {
    fn start(&self, total_bytes: u64) {
        self.total.store(total_bytes, Ordering::Relaxed);
        self.notes.send(Note::Start(total_bytes));
    }

    fn progress(&self, bytes: u64) {
        let step = (self.total.load(Ordering::Relaxed) / 200).max(1);
        let sent = self.sent.load(Ordering::Relaxed);
        if bytes >= sent + step || sent == 0 {
            self.sent.store(bytes.max(1), Ordering::Relaxed);
            self.notes.send(Note::Progress(bytes));
        }
    }

    fn input_done(&self, event: &InputEvent) {
        self.notes.send(Note::Line(event.describe()));
    }
}

/// A finished ingest: the report and the closing line the CLI prints.
pub struct Ingested {
    pub report: IngestReport,
    pub summary: String,
}

pub fn ingest(
    store: &Path,
    inputs: &[String],
    options: &IngestOptions,
    notes: &Notes,
) -> Result<Ingested> {
    let observer = Forward {
        notes,
        total: AtomicU64::new(0),
        sent: AtomicU64::new(0),
    };
    let report = fulcrum_intake::ingest(store, inputs, options, &observer)?;
    let summary = report.summary(store);
    Ok(Ingested { report, summary })
}

/// Coded documents: the events as rows of the store's schema (with provenance), and what was left out.
pub struct Coded {
    pub batch: RecordBatch,
    pub dropped: Vec<String>,
    pub summary: String,
}

/// Codes documents (id, date or none, text) with the dictionaries in `dict`; `date` is the default date.
pub fn code(
    docs: Vec<(String, Option<String>, String)>,
    dict: &Path,
    date: Option<&str>,
) -> Result<Coded> {
    let parse = |name: &str, v: &str| -> Result<i32> {
        parse_day(v.trim()).map_err(|e| QuestionError::Parameter(format!("{name}: {e}")).into())
    };
    let default_day = date.map(|d| parse("parameter 'date'", d)).transpose()?;
    let mut documents = Vec::with_capacity(docs.len());
    for (id, day, text) in docs {
        let day = match (day, default_day) {
            (Some(d), _) => parse(&format!("document '{id}'"), &d)?,
            (None, Some(d)) => d,
            (None, None) => {
                return Err(QuestionError::Parameter(format!(
                    "document '{id}' has no date; give date='YYYY-MM-DD'"
                ))
                .into());
            }
        };
        documents.push(Document { id, day, text });
    }
    let dictionaries = Dictionaries::load(dict)
        .with_context(|| format!("loading dictionaries from {}", dict.display()))?;
    let coder = Coder::new(&dictionaries);
    let coded = fulcrum_coder::documents::code_all(&coder, &documents, |_, _| {});
    let summary = coded.summary();
    let events = coded.events;
    let rows = fulcrum_coder::rows::coded_batch(&events);
    Ok(Coded {
        batch: rows.batch,
        dropped: rows.dropped,
        summary,
    })
}
