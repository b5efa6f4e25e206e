//! `fulcrum forecast tkg` (next events on a temporal knowledge graph, scored by the standard protocol) and
//! `fulcrum forecast dyad` (counts or Goldstein sums of one dyad, with predictive intervals).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand, ValueEnum};
use fulcrum_forecast::dyad::{Forecast, Model, Settings, Target, forecast};
use fulcrum_forecast::tkg::{self, TieBreak, TkgData, recurrency, rules::RuleModel};
use fulcrum_query::{QueryEngine, sql_string};
use fulcrum_query::arrow::array::{AsArray, StringArray};
use fulcrum_query::arrow::datatypes::{DataType, Date32Type};
use fulcrum_relations::dyad::dyad_series;
use fulcrum_relations::iso_date;

use crate::cmd::relations::{Col, Outputs, Window, batch, load, parse_actors};

#[derive(Args)]
pub struct ForecastArgs {
    #[command(subcommand)]
    command: ForecastCommand,
}

#[derive(Subcommand)]
enum ForecastCommand {
    Tkg(TkgArgs),
    Dyad(DyadForecastArgs),
}

pub fn run(store: &Path, args: ForecastArgs) -> Result<ExitCode> {
    match args.command {
        ForecastCommand::Tkg(a) => run_tkg(store, a),
        ForecastCommand::Dyad(a) => run_dyad(store, a),
    }
}

// ------------------------------------------------------------------------------------------------ TKG

const TKG_AFTER: &str = "\
Protocol (as in RE-GCN, TLogic and the recurrency baseline): single-step — every query sees the true history
before its time; both directions — (s, r, ?, t) and (?, r, o, t), the latter as (o, r⁻¹, ?, t); time-aware
filter — other true answers of the same query at the same time are not counted against the answer.
Ties with the answer are broken at random (seeded) by default; --ties best gives the optimistic rank some
older papers report, --ties expected the exact expectation under random ties.

Models:
  recurrency  Gastinger et al. (IJCAI 2024): strict recurrency ψ (the same fact before, decayed by recency)
              mixed with relaxed recurrency ξ (the object's share of the relation); λ, α per relation from
              the validation set. Published time-aware filtered MRR: ICEWS14 37.2, ICEWS18 28.7.
  rules       length-1 temporal rules b ⇒ r learned on the training split (confidence = precision of
              the candidates a body relation proposes), added to ψ with a weight chosen on validation.

Without --dataset, the graph is built from the store: entities are actor names, relations CAMEO codes,
the last --test-days are the test split and the --valid-days before them the validation split.

Examples:
  fulcrum forecast tkg --dataset ../shared/data/icews14/xerte --model both
  fulcrum forecast tkg --dataset ../shared/data/icews18/diffutkg --model rules --predictions top10.csv
  fulcrum forecast tkg --dataset-filter icews --valid-days 30 --test-days 30";

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TkgModel {
    Recurrency,
    Rules,
    Both,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Ties {
    Random,
    Best,
    Expected,
}

/// Forecast next events on a temporal knowledge graph and score them (MRR, Hits@1/3/10).
#[derive(Args)]
#[command(after_help = TKG_AFTER)]
pub struct TkgArgs {
    /// A benchmark folder (train/valid/test[.txt|.txt.gz], entity2id, relation2id); default: the store.
    #[arg(long, value_name = "DIR")]
    dataset: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "both")]
    model: TkgModel,
    /// How ties with the answer are broken.
    #[arg(long, value_enum, default_value = "random")]
    ties: Ties,
    /// Seed of the random tie breaking.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Rules kept per relation (rule model).
    #[arg(long, default_value_t = tkg::rules::DEFAULT_BODIES)]
    bodies: usize,
    /// Store graphs: days in the validation split.
    #[arg(long, default_value_t = 30)]
    valid_days: i32,
    /// Store graphs: days in the test split (the last ones).
    #[arg(long, default_value_t = 30)]
    test_days: i32,
    /// Store graphs: only these datasets (comma-separated: gdelt1,gdelt2,icews,tkg,coded).
    #[arg(long = "dataset-filter", value_name = "LIST")]
    dataset_filter: Option<String>,
    /// Write every test query's ten best predictions here (.csv, .json, .jsonl or .parquet).
    #[arg(long, value_name = "FILE")]
    predictions: Option<PathBuf>,
    /// Also write the results table as CSV.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Also write the results table as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn run_tkg(store: &Path, args: TkgArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let (data, source) = match &args.dataset {
        Some(dir) => (tkg::load_benchmark(dir).with_context(|| format!("loading the TKG benchmark in {}", dir.display()))?, dir.display().to_string()),
        None => (tkg_from_store(store, &args)?, format!("store {}", store.display())),
    };
    let load_seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "{source}: {} entities, {} relations; train {}, valid {}, test {} facts ({} test queries with inverses)",
        data.num_entities(),
        data.num_relations(),
        data.train.len(),
        data.valid.len(),
        data.test.len(),
        2 * data.test.len()
    );
    let policy = match args.ties {
        Ties::Random => TieBreak::Random { seed: args.seed },
        Ties::Best => TieBreak::Optimistic,
        Ties::Expected => TieBreak::Expected,
    };
    let facts = data.all_with_inverses();
    let relations = 2 * data.num_relations();
    let valid = data.queries(&data.valid);
    let test = data.queries(&data.test);
    let models = match args.model {
        TkgModel::Both => vec![TkgModel::Recurrency, TkgModel::Rules],
        one => vec![one],
    };
    let mut rows: Vec<(String, tkg::Metrics, f64)> = Vec::new();
    let mut predictions = None;
    for model in models {
        let t0 = Instant::now();
        let name = if model == TkgModel::Rules { "rules" } else { "recurrency" };
        let bar = crate::progress::spinner(&format!("{name}: learning"));
        let rules = (model == TkgModel::Rules).then(|| RuleModel::learn(&facts, &data.queries(&data.train), relations, args.bodies));
        bar.set_message(format!("{name}: choosing parameters on {} validation queries", valid.len()));
        let params = recurrency::select_params(&facts, &valid, data.num_entities(), relations, rules.as_ref());
        bar.set_message(format!("{name}: answering {} test queries", test.len()));
        let want_top = args.predictions.is_some();
        let (metrics, tops) = recurrency::evaluate(&facts, &test, data.num_entities(), relations, rules.as_ref(), &params, policy, |_, scores| {
            if want_top { recurrency::top_k(scores, 10) } else { Vec::new() }
        });
        bar.finish_and_clear();
        let seconds = t0.elapsed().as_secs_f64();
        if let Some(r) = &rules {
            eprintln!("{name}: {} rules kept", r.len());
        }
        rows.push((name.to_string(), metrics, seconds));
        if want_top {
            predictions = Some((name, tops));
        }
    }
    let col = |f: &dyn Fn(&(String, tkg::Metrics, f64)) -> f64| Col::F64(rows.iter().map(f).collect());
    let (schema, batches) = batch(vec![
        ("model", Col::Str(rows.iter().map(|r| r.0.clone()).collect())),
        ("queries", Col::U64(rows.iter().map(|r| r.1.queries).collect())),
        ("mrr", col(&|r| 100.0 * r.1.mrr())),
        ("hits1", col(&|r| 100.0 * r.1.hits()[0])),
        ("hits3", col(&|r| 100.0 * r.1.hits()[1])),
        ("hits10", col(&|r| 100.0 * r.1.hits()[2])),
        ("seconds", col(&|r| r.2)),
    ])?;
    eprintln!("time-aware filtered, ties {}; scores in %; seconds exclude loading ({load_seconds:.2} s)", match args.ties {
        Ties::Random => "random",
        Ties::Best => "best (optimistic)",
        Ties::Expected => "expected",
    });
    Outputs { plot: None, csv: args.csv.clone(), json: args.json.clone(), parquet: None }.write(&schema, &batches)?;
    if let (Some(path), Some((model, tops))) = (&args.predictions, predictions) {
        write_predictions(path, &data, &test, model, &tops)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_predictions(path: &Path, data: &TkgData, test: &[tkg::Quad], model: &str, tops: &[Vec<(u32, f64)>]) -> Result<()> {
    let name = |e: u32| data.entities.get(e as usize).cloned().unwrap_or_else(|| format!("#{e}"));
    let day = |t: i64| match data.day_of(t) {
        Ok(day) => iso_date(day),
        Err(step) => format!("day {step}"),
    };
    let mut cols: Vec<(String, Vec<String>)> = vec![
        ("model".into(), vec![model.to_string(); test.len()]),
        ("time".into(), test.iter().map(|q| day(q.t)).collect()),
        ("subject".into(), test.iter().map(|q| name(q.s)).collect()),
        ("relation".into(), test.iter().map(|q| data.relation_name(q.r)).collect()),
        ("answer".into(), test.iter().map(|q| name(q.o)).collect()),
    ];
    for k in 0..10 {
        cols.push((format!("top{}", k + 1), tops.iter().map(|t| t.get(k).map(|p| name(p.0)).unwrap_or_default()).collect()));
    }
    let (schema, batches) = batch(cols.iter().map(|(n, v)| (n.as_str(), Col::Str(v.clone()))).collect())?;
    let format = path
        .to_str()
        .and_then(fulcrum_query::OutputFormat::from_path)
        .with_context(|| format!("{}: want a .csv, .json, .jsonl or .parquet file", path.display()))?;
    crate::cmd::sql::emit(format, Some(path), &schema, &batches)
}

fn tkg_from_store(store: &Path, args: &TkgArgs) -> Result<TkgData> {
    let engine = QueryEngine::open(store).with_context(|| format!("opening store {}", store.display()))?;
    let mut query = "SELECT coalesce(actor1_name, actor1_code), event_code, coalesce(actor2_name, actor2_code), event_date FROM events \
                     WHERE coalesce(actor1_name, actor1_code) IS NOT NULL AND coalesce(actor2_name, actor2_code) IS NOT NULL \
                     AND event_code IS NOT NULL"
        .to_string();
    if let Some(list) = &args.dataset_filter {
        let items: Vec<String> = list.split(',').map(|d| sql_string(d.trim())).collect();
        query.push_str(&format!(" AND dataset IN ({})", items.join(", ")));
    }
    let (_, batches) = engine.sql(&query)?;
    let mut facts = Vec::new();
    for b in &batches {
        let text = |i: usize| -> Result<StringArray> {
            Ok(fulcrum_query::arrow::compute::cast(b.column(i), &DataType::Utf8)?.as_string::<i32>().clone())
        };
        let (s, r, o) = (text(0)?, text(1)?, text(2)?);
        let days = b.column(3).as_primitive::<Date32Type>();
        for i in 0..b.num_rows() {
            // Relations read "code label" (e.g. "036 Express intent to meet or negotiate").
            let code = r.value(i);
            let relation = match fulcrum_model::cameo::event_code(code) {
                Some(info) => format!("{code} {}", info.label),
                None => code.to_string(),
            };
            facts.push((s.value(i).to_string(), relation, o.value(i).to_string(), days.value(i)));
        }
    }
    if facts.is_empty() {
        bail!("the store has no events with both actors and an event code; ingest data first (fulcrum ingest …)");
    }
    Ok(TkgData::from_named(&facts, args.valid_days, args.test_days)?)
}

// ------------------------------------------------------------------------------------------------ dyad

const DYAD_AFTER: &str = "\
The series is one direction of the dyad (A → B) per period: all events, one QuadClass (--quad 1..4:
verbal cooperation, material cooperation, verbal conflict, material conflict) or the Goldstein sum
(--goldstein). Models (every one gives a predictive distribution, from seeded sample paths):
  last-poisson  Poisson with the last observed count as mean (Goldstein: random walk with past changes)
  bootstrap     every future period drawn from all past periods
  negbin        negative-binomial regression on the last count, the mean of the last four, the reverse
                direction (B → A) and an annual cycle; both directions simulated together
                (Goldstein: the same regressors, linear, bootstrapped residuals)
Columns: period, model, mean, q05, q25, median, q75, q95 (50% interval q25–q75, 90% q05–q95).
How good are they? `fulcrum backtest dyad` scores them on the past.

Examples:
  fulcrum forecast dyad RUS PAK --by week --horizon 12 --plot rus-pak.svg
  fulcrum forecast dyad India Pakistan --by month --quad 4 --model all --csv ind-pak.csv";

/// What to forecast for a dyad; shared with `fulcrum backtest dyad`.
#[derive(Args, Clone)]
pub struct DyadTarget {
    /// Source actor (CAMEO code, name, exact code or group).
    pub a: String,
    /// Target actor.
    pub b: String,
    #[command(flatten)]
    pub window: Window,
    /// Only events of this QuadClass (1 verbal coop., 2 material coop., 3 verbal conflict, 4 material conflict).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4), conflicts_with = "goldstein")]
    pub quad: Option<u8>,
    /// Forecast the Goldstein sum instead of a count.
    #[arg(long)]
    pub goldstein: bool,
    /// Sample paths per forecast.
    #[arg(long, default_value_t = 2000)]
    pub samples: usize,
    /// Seed of the sample paths.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// The dyad's series in both directions over the window, with what they are.
pub struct DyadSeries {
    pub periods: Vec<i32>,
    pub forward: Vec<f64>,
    pub reverse: Vec<f64>,
    pub source: String,
    pub target: String,
    pub what: String,
    pub settings: Settings,
}

impl DyadTarget {
    pub fn load(&self, store: &Path, horizon: usize) -> Result<DyadSeries> {
        let actors = parse_actors(&[self.a.clone(), self.b.clone()])?;
        let loaded = load(store, &actors, &self.window)?;
        let period = self.window.period;
        let series = dyad_series(&loaded.events, 0, 1, period, loaded.from, loaded.to, None);
        let value = |p: &fulcrum_relations::dyad::DyadPoint| match (self.goldstein, self.quad) {
            (true, _) => p.goldstein_sum,
            (false, Some(q)) => p.quad_counts[q as usize - 1],
            (false, None) => p.events,
        };
        let last_period = period.start(loaded.to);
        if period.next(last_period) - 1 > loaded.to {
            eprintln!(
                "note: the last {period} ({}) is only covered up to {}: its count is partial; end the window earlier with --to to leave it out",
                period.label(last_period),
                iso_date(loaded.to)
            );
        }
        let pick = |s: u16| series.iter().filter(|p| p.source == s).map(value).collect::<Vec<f64>>();
        let periods = series.iter().filter(|p| p.source == 0).map(|p| p.period).collect();
        let what = match (self.goldstein, self.quad) {
            (true, _) => "Goldstein sum".to_string(),
            (false, Some(q)) => format!("QuadClass {q} events"),
            (false, None) => "events".to_string(),
        };
        let settings = Settings {
            target: if self.goldstein { Target::Goldstein } else { Target::Counts },
            periods_per_year: period.per_year(),
            horizon,
            samples: self.samples.max(10),
            seed: self.seed,
        };
        Ok(DyadSeries { periods, forward: pick(0), reverse: pick(1), source: actors[0].label(), target: actors[1].label(), what, settings })
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModelChoice {
    All,
    LastPoisson,
    Bootstrap,
    Negbin,
}

impl ModelChoice {
    pub fn models(self) -> Vec<Model> {
        match self {
            ModelChoice::All => Model::ALL.to_vec(),
            ModelChoice::LastPoisson => vec![Model::LastPoisson],
            ModelChoice::Bootstrap => vec![Model::Bootstrap],
            ModelChoice::Negbin => vec![Model::NegBinomial],
        }
    }
}

/// Forecast one direction of a dyad, with 50% and 90% predictive intervals.
#[derive(Args)]
#[command(after_help = DYAD_AFTER)]
pub struct DyadForecastArgs {
    #[command(flatten)]
    target: DyadTarget,
    /// Periods ahead.
    #[arg(long, default_value_t = 12)]
    horizon: usize,
    #[arg(long, value_enum, default_value = "negbin")]
    model: ModelChoice,
    #[command(flatten)]
    outputs: Outputs,
}

fn run_dyad(store: &Path, args: DyadForecastArgs) -> Result<ExitCode> {
    if args.horizon == 0 {
        bail!("--horizon must be at least 1");
    }
    let s = args.target.load(store, args.horizon)?;
    let period = args.target.window.period;
    let last = *s.periods.last().context("the window has no periods")?;
    let mut future = Vec::with_capacity(args.horizon);
    let mut p = last;
    for _ in 0..args.horizon {
        p = period.next(p);
        future.push(p);
    }
    let forecasts: Vec<Forecast> =
        args.model.models().into_iter().map(|m| forecast(m, &s.forward, Some(&s.reverse), &s.settings)).collect::<Result<_, _>>()?;
    let mut rows: (Vec<String>, Vec<String>, [Vec<f64>; 6]) = (Vec::new(), Vec::new(), Default::default());
    for f in &forecasts {
        for (h, step) in f.steps.iter().enumerate() {
            rows.0.push(period.label(future[h]));
            rows.1.push(f.model.name().to_string());
            for (col, v) in rows.2.iter_mut().zip([step.mean(), step.quantile(0.05), step.quantile(0.25), step.quantile(0.5), step.quantile(0.75), step.quantile(0.95)]) {
                col.push(v);
            }
        }
    }
    let [mean, q05, q25, median, q75, q95] = rows.2;
    let (schema, batches) = batch(vec![
        ("period", Col::Str(rows.0)),
        ("model", Col::Str(rows.1)),
        ("mean", Col::F64(mean)),
        ("q05", Col::F64(q05)),
        ("q25", Col::F64(q25)),
        ("median", Col::F64(median)),
        ("q75", Col::F64(q75)),
        ("q95", Col::F64(q95)),
    ])?;
    eprintln!(
        "{} → {}: {} by {period}, {} periods observed ({} … {}), forecast {} ahead",
        s.source,
        s.target,
        s.what,
        s.forward.len(),
        iso_date(s.periods[0]),
        iso_date(last),
        args.horizon
    );
    args.outputs.write(&schema, &batches)?;
    let mut lines = vec![fulcrum_plot::Line {
        name: format!("{} → {} (observed)", s.source, s.target),
        points: s.periods.iter().copied().zip(s.forward.iter().copied()).collect(),
        markers: Vec::new(),
        band: None,
    }];
    for f in &forecasts {
        // The median joined to the last observation, once with the 90% band and once with the 50% band.
        let mut points = vec![(last, *s.forward.last().unwrap_or(&0.0))];
        points.extend(future.iter().zip(&f.steps).map(|(&d, st)| (d, st.quantile(0.5))));
        let origin_value = points[0].1;
        let band = |lo: f64, hi: f64| {
            let mut b = vec![(origin_value, origin_value)];
            b.extend(f.steps.iter().map(|st| (st.quantile(lo), st.quantile(hi))));
            Some(b)
        };
        lines.push(fulcrum_plot::Line { name: format!("{} median, 90% interval", f.model.name()), points: points.clone(), markers: Vec::new(), band: band(0.05, 0.95) });
        lines.push(fulcrum_plot::Line { name: format!("{} 50% interval", f.model.name()), points, markers: Vec::new(), band: band(0.25, 0.75) });
    }
    args.outputs.plot(&fulcrum_plot::DatedChart {
        title: format!("{} → {}: {} by {period}, forecast {} ahead", s.source, s.target, s.what, args.horizon),
        y_label: s.what.clone(),
        lines,
        events: vec![(last, "forecast origin".to_string())],
        zero_line: s.settings.target == Target::Goldstein,
    })?;
    Ok(ExitCode::SUCCESS)
}
