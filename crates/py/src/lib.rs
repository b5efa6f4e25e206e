//! `fulcrum._fulcrum`: the extension module behind the `fulcrum` Python package.
//!
//! Thin by design, like the CLI and the server: every question is parsed by the questions layer's own
//! definition (`front::from_query`, the same one the HTTP API uses, so names and defaults cannot drift from the
//! CLI's), answered by the same function the CLI calls, and handed to Python as `pyarrow.Table`s through the Arrow
//! C data interface — no copy. The Python side (`python/fulcrum`) adds signatures, docstrings, `repr`s and charts.
//!
//! Long calls run on a worker thread while the calling thread waits without the GIL and checks for Ctrl-C every
//! 100 ms: an interrupt raises `KeyboardInterrupt` at once; the worker finishes its current step in the background
//! and its result is dropped (ingest stays atomic per group of inputs, as when the CLI is killed).

mod answer;
mod errors;
mod run;

use std::collections::HashMap;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::answer::{Chart, answer_dict, arrow_table};
use crate::errors::to_py;
use crate::run::{Note, interruptible};
use fulcrum_questions::Cluster;

/// A store: a folder of Hive-partitioned Parquet written by `fulcrum ingest`, or its copy in an object store.
#[pyclass(module = "fulcrum._fulcrum", name = "_Store", frozen)]
struct Store {
    path: fulcrum_store::StoreLocation,
    dict: PathBuf,
    /// The Ballista cluster that runs the store's reads, if any.
    cluster: Option<Cluster>,
}

#[pymethods]
impl Store {
    #[new]
    #[pyo3(signature = (path, dict, cluster=None, cluster_timeout=600.0))]
    fn new(
        path: String,
        dict: PathBuf,
        cluster: Option<String>,
        cluster_timeout: f64,
    ) -> PyResult<Self> {
        let path = fulcrum_store::store_location(&path)
            .map_err(|e| errors::InvalidRequestError::new_err(e.to_string()))?;
        if !(cluster_timeout.is_finite() && cluster_timeout > 0.0) {
            return Err(errors::InvalidRequestError::new_err(format!(
                "cluster_timeout is a number of seconds above 0, not {cluster_timeout}"
            )));
        }
        Ok(Store {
            path,
            dict,
            cluster: cluster.map(|url| Cluster {
                url,
                timeout: std::time::Duration::from_secs_f64(cluster_timeout),
            }),
        })
    }

    #[getter]
    fn cluster(&self) -> Option<String> {
        self.cluster.as_ref().map(|c| c.url.clone())
    }

    #[getter]
    fn path(&self) -> String {
        self.path.to_string()
    }

    #[getter]
    fn dict(&self) -> PathBuf {
        self.dict.clone()
    }

    /// Answers one question; `params` are its query parameters (the HTTP API's names, values as text).
    fn ask(
        &self,
        py: Python<'_>,
        question: String,
        params: HashMap<String, String>,
        on_note: Py<PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let (store, dict, cluster) = (self.path.clone(), self.dict.clone(), self.cluster.clone());
        let answered = interruptible(
            py,
            move |notes| answer::ask(&store, &dict, cluster.as_ref(), &question, params, notes),
            |py, note| forward(py, &on_note, note),
        )?;
        answer_dict(py, answered)
    }

    /// Runs SQL over the store: a `pyarrow.Table` and the Rust buffer addresses of its first batch.
    fn sql(&self, py: Python<'_>, query: String) -> PyResult<Py<PyAny>> {
        let (store, cluster) = (self.path.clone(), self.cluster.clone());
        let (schema, batches) = interruptible(
            py,
            move |_| {
                let engine = answer::open(&store, cluster.as_ref())?;
                Ok(engine.sql(&query)?)
            },
            |_, _| Ok(()),
        )?;
        let out = PyDict::new(py);
        let (table, addresses) = arrow_table(py, schema, batches)?;
        out.set_item("table", table)?;
        out.set_item("addresses", addresses)?;
        Ok(out.into_any().unbind())
    }

    /// What the store holds, as `fulcrum stats` shows it.
    fn stats(&self, py: Python<'_>, top: usize, on_note: Py<PyAny>) -> PyResult<Py<PyAny>> {
        let (store, dict, cluster) = (self.path.clone(), self.dict.clone(), self.cluster.clone());
        let stats = interruptible(
            py,
            move |notes| {
                let engine = answer::open(&store, cluster.as_ref())?;
                let resolver = answer::resolver(&dict, notes);
                Ok(fulcrum_questions::stats::store_stats(
                    &engine, &resolver, top,
                )?)
            },
            |py, note| forward(py, &on_note, note),
        )?;
        let out = PyDict::new(py);
        out.set_item("summary", &stats.header)?;
        out.set_item("resolution", &stats.resolution)?;
        let names = PyDict::new(py);
        for n in &stats.names_without_state {
            names.set_item(
                &n.name,
                (n.sides, fulcrum_model::iso_date(n.last_day), &n.resolution),
            )?;
        }
        out.set_item("names_without_state", names)?;
        let sections = PyDict::new(py);
        for (title, t) in stats.sections {
            let (table, _) = arrow_table(py, t.schema, t.batches)?;
            sections.set_item(title, table)?;
        }
        out.set_item("tables", sections)?;
        Ok(out.into_any().unbind())
    }

    /// Ingests files, folders or globs; `on_note` hears every progress step and input line.
    #[pyo3(signature = (inputs, on_note, format=None, max_reject_rate=None, tkg_epoch=None, tkg_units_per_day=None, threads=None))]
    #[allow(clippy::too_many_arguments)]
    fn ingest(
        &self,
        py: Python<'_>,
        inputs: Vec<String>,
        on_note: Py<PyAny>,
        format: Option<String>,
        max_reject_rate: Option<f64>,
        tkg_epoch: Option<String>,
        tkg_units_per_day: Option<i64>,
        threads: Option<usize>,
    ) -> PyResult<Py<PyAny>> {
        let store = self
            .path
            .require_local("ingest writes")
            .map_err(|e| errors::InvalidRequestError::new_err(e.to_string()))?
            .to_path_buf();
        let options = answer::ingest_options(
            format.as_deref(),
            max_reject_rate,
            tkg_epoch.as_deref(),
            tkg_units_per_day,
            threads,
        )
        .map_err(to_py)?;
        let report = interruptible(
            py,
            move |notes| answer::ingest(&store, &inputs, &options, notes),
            |py, note| forward(py, &on_note, note),
        )?;
        let out = PyDict::new(py);
        let t = &report.report.totals;
        for (key, value) in [
            ("inputs", t.inputs),
            ("unchanged", t.unchanged),
            ("read", t.read),
            ("stored", t.stored),
            ("quarantined", t.quarantined),
            ("duplicates", t.duplicates),
            ("bytes", t.bytes),
        ] {
            out.set_item(key, value)?;
        }
        out.set_item("transactions", report.report.transactions)?;
        out.set_item("seconds", report.report.seconds)?;
        let reasons = PyDict::new(py);
        for (reason, n) in report.report.reasons() {
            reasons.set_item(reason, n)?;
        }
        out.set_item("quarantined_by_reason", reasons)?;
        let passed: Vec<String> = report
            .report
            .passed_over
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        out.set_item("passed_over", passed)?;
        out.set_item("summary", report.summary)?;
        Ok(out.into_any().unbind())
    }
}

/// Hands a note from the worker to the Python callback (on the calling thread, with the GIL).
fn forward(py: Python<'_>, on_note: &Py<PyAny>, note: Note) -> PyResult<()> {
    let (kind, value): (&str, Py<PyAny>) = match note {
        Note::Start(total) => ("start", total.into_pyobject(py)?.into_any().unbind()),
        Note::Progress(bytes) => ("progress", bytes.into_pyobject(py)?.into_any().unbind()),
        Note::Line(line) => ("line", line.into_pyobject(py)?.into_any().unbind()),
        Note::Step(step) => ("step", step.into_pyobject(py)?.into_any().unbind()),
    };
    on_note.call1(py, (kind, value))?;
    Ok(())
}

/// The parameters a question takes, from its one definition: (name, required, default, help, many, positional).
#[pyfunction]
#[allow(clippy::type_complexity)]
fn parameters(question: &str) -> PyResult<Vec<(String, bool, Option<String>, String, bool, bool)>> {
    let params = answer::parameters(question).map_err(to_py)?;
    Ok(params
        .into_iter()
        .map(|p| (p.name, p.required, p.default, p.help, p.many, p.positional))
        .collect())
}

/// Codes documents into CAMEO events: `docs` are (id, date or None, text); `date` is the default date.
#[pyfunction]
#[pyo3(signature = (docs, dictionaries, date=None))]
fn code(
    py: Python<'_>,
    docs: Vec<(String, Option<String>, String)>,
    dictionaries: PathBuf,
    date: Option<String>,
) -> PyResult<Py<PyAny>> {
    let coded = interruptible(
        py,
        move |_| answer::code(docs, &dictionaries, date.as_deref()),
        |_, _| Ok(()),
    )?;
    let out = PyDict::new(py);
    let schema = coded.batch.schema();
    let (table, addresses) = arrow_table(py, schema, vec![coded.batch])?;
    out.set_item("table", table)?;
    out.set_item("addresses", addresses)?;
    out.set_item("dropped", coded.dropped)?;
    out.set_item("summary", coded.summary)?;
    Ok(out.into_any().unbind())
}

/// Renders a chart handle to SVG text (the same drawing the CLI's `--plot FILE.svg` writes).
#[pyfunction]
fn chart_svg(py: Python<'_>, chart: &Bound<'_, Chart>) -> PyResult<String> {
    let chart = chart.get().clone();
    interruptible(py, move |_| chart.svg(), |_, _| Ok(()))
}

/// Draws a chart handle to a file (.svg or .png), as the CLI's `--plot FILE` does.
#[pyfunction]
fn chart_save(py: Python<'_>, chart: &Bound<'_, Chart>, path: PathBuf) -> PyResult<()> {
    let chart = chart.get().clone();
    interruptible(py, move |_| chart.draw(&path), |_, _| Ok(()))
}

#[pymodule]
fn _fulcrum(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Store>()?;
    m.add_class::<Chart>()?;
    m.add_function(wrap_pyfunction!(parameters, m)?)?;
    m.add_function(wrap_pyfunction!(code, m)?)?;
    m.add_function(wrap_pyfunction!(chart_svg, m)?)?;
    m.add_function(wrap_pyfunction!(chart_save, m)?)?;
    errors::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
