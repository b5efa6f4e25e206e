//! The forecasting questions: a dyad's next periods with predictive intervals, the backtest that scores the models
//! on the past, and next-event forecasting on a temporal knowledge graph.

use std::path::PathBuf;
use std::time::Instant;

use fulcrum_forecast::backtest::{Score, backtest, origins, summary};
use fulcrum_forecast::dyad::{Forecast, Model, Settings, Target, forecast};
use fulcrum_forecast::tkg::{
    self, Fitted, Fitting, Metrics, ModelKind, Quad, TieBreak, TkgData, recurrency,
    rules::RuleModel,
};
use fulcrum_model::actors::ActorSpec;
use fulcrum_model::{ValueError, iso_date, parse_in_range};
use fulcrum_query::arrow::error::ArrowError;
use fulcrum_relations::dyad::{DyadPoint, dyad_series};

use crate::front::Request;
use crate::table::{Col, Table, floats, table};
use crate::{Actor, QuestionError, Questions, Span, Window};

type Result<T> = std::result::Result<T, QuestionError>;

/// What of a dyad is forecast: all events, the events of one QuadClass, or the Goldstein sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ForecastTarget {
    #[default]
    Events,
    /// QuadClass 1..=4: verbal cooperation, material cooperation, verbal conflict, material conflict.
    Quad(u8),
    Goldstein,
}

impl std::str::FromStr for ForecastTarget {
    type Err = ValueError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "events" => Ok(ForecastTarget::Events),
            "goldstein" => Ok(ForecastTarget::Goldstein),
            "q1" => Ok(ForecastTarget::Quad(1)),
            "q2" => Ok(ForecastTarget::Quad(2)),
            "q3" => Ok(ForecastTarget::Quad(3)),
            "q4" => Ok(ForecastTarget::Quad(4)),
            _ => Err(ValueError::new(
                s,
                "a forecast target",
                "events, goldstein, q1, q2, q3 or q4",
            )),
        }
    }
}

impl ForecastTarget {
    /// The query-string name (`events`, `q3`, `goldstein`).
    pub fn name(self) -> String {
        match self {
            ForecastTarget::Events => "events".into(),
            ForecastTarget::Quad(q) => format!("q{q}"),
            ForecastTarget::Goldstein => "goldstein".into(),
        }
    }

    /// What the series is, for people.
    pub fn describe(self) -> String {
        match self {
            ForecastTarget::Events => "events".into(),
            ForecastTarget::Quad(q) => format!("QuadClass {q} events"),
            ForecastTarget::Goldstein => "Goldstein sum".into(),
        }
    }

    fn value(self, p: &DyadPoint) -> f64 {
        match self {
            ForecastTarget::Events => p.events,
            ForecastTarget::Quad(q) => p.quad_counts[usize::from(q.clamp(1, 4)) - 1],
            ForecastTarget::Goldstein => p.goldstein_sum,
        }
    }
}

/// Which dyad models to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Models {
    All,
    One(Model),
}

impl std::str::FromStr for Models {
    type Err = ValueError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        if s == "all" {
            return Ok(Models::All);
        }
        s.parse::<Model>().map(Models::One).map_err(|_| {
            ValueError::new(
                s,
                "a forecast model",
                "last-poisson, bootstrap, negbin, calibrated or all",
            )
        })
    }
}

impl Models {
    pub fn list(self) -> Vec<Model> {
        match self {
            Models::All => Model::ALL.to_vec(),
            Models::One(m) => vec![m],
        }
    }
}

/// The dyad and series a forecast or backtest is about; shared by both.
#[derive(clap::Args, Debug, Clone)]
pub struct DyadTarget {
    /// Source actor (CAMEO code, name, exact code or group).
    pub a: ActorSpec,
    /// Target actor.
    pub b: ActorSpec,
    #[command(flatten)]
    pub window: Window,
    /// What to forecast: events, q1..q4 (one QuadClass: verbal coop., material coop., verbal conflict, material
    /// conflict) or goldstein (the Goldstein sum).
    #[arg(
        long,
        default_value = "events",
        value_name = "events|q1|q2|q3|q4|goldstein"
    )]
    pub target: ForecastTarget,
    /// Sample paths per forecast.
    #[arg(long, default_value_t = 2000, value_parser = |s: &str| parse_in_range(s, 10, 20_000))]
    pub samples: usize,
    /// Seed of the sample paths.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A dyad's series in both directions over the window, with what they are.
#[derive(Debug, Clone)]
pub struct DyadSeries {
    pub source: Actor,
    pub target: Actor,
    pub span: Span,
    pub measure: ForecastTarget,
    /// Period starts.
    pub periods: Vec<i32>,
    pub forward: Vec<f64>,
    pub reverse: Vec<f64>,
    pub settings: Settings,
}

impl DyadSeries {
    /// The last observed period start.
    pub fn last(&self) -> Result<i32> {
        self.periods
            .last()
            .copied()
            .ok_or_else(|| QuestionError::Unanswerable("the window has no periods".into()))
    }
}

/// Forecast one direction of a dyad, with 50% and 90% predictive intervals.
#[derive(clap::Args, Debug, Clone)]
pub struct DyadForecastRequest {
    #[command(flatten)]
    pub target: DyadTarget,
    /// Periods ahead.
    #[arg(long, default_value_t = 12, value_parser = |s: &str| parse_in_range(s, 1, 120))]
    pub horizon: usize,
    /// last-poisson, bootstrap, negbin, calibrated or all.
    #[arg(long, default_value = "negbin")]
    pub model: Models,
}

impl Request for DyadForecastRequest {}

#[derive(Debug, Clone)]
pub struct DyadForecastAnswer {
    pub series: DyadSeries,
    /// Starts of the forecast periods.
    pub future: Vec<i32>,
    pub forecasts: Vec<Forecast>,
}

/// The quantiles every forecast table and chart shows: 90% and 50% central intervals and the median.
pub const QUANTILES: [(&str, f64); 5] = [
    ("q05", 0.05),
    ("q25", 0.25),
    ("median", 0.5),
    ("q75", 0.75),
    ("q95", 0.95),
];

impl DyadForecastAnswer {
    pub fn table(&self) -> std::result::Result<Table, ArrowError> {
        let rows: Vec<(usize, &Forecast)> = self
            .forecasts
            .iter()
            .flat_map(|f| (0..f.steps.len()).map(move |h| (h, f)))
            .collect();
        let mut cols = vec![
            (
                "period",
                Col::Str(
                    rows.iter()
                        .map(|(h, _)| self.series.span.period.label(self.future[*h]))
                        .collect(),
                ),
            ),
            (
                "model",
                Col::Str(
                    rows.iter()
                        .map(|(_, f)| f.model.name().to_string())
                        .collect(),
                ),
            ),
            ("mean", floats(&rows, |(h, f)| f.steps[*h].mean())),
        ];
        for (name, q) in QUANTILES {
            cols.push((name, floats(&rows, |(h, f)| f.steps[*h].quantile(q))));
        }
        table(cols)
    }
}

/// Score the dyad forecast models on the past: CRPS, MSE of log counts, interval coverage.
#[derive(clap::Args, Debug, Clone)]
pub struct BacktestRequest {
    #[command(flatten)]
    pub target: DyadTarget,
    /// Periods ahead scored at each origin.
    #[arg(long, default_value_t = 4, value_parser = |s: &str| parse_in_range(s, 1, 120))]
    pub horizon: usize,
    /// Number of forecast origins.
    #[arg(long, default_value_t = 20, value_parser = |s: &str| parse_in_range(s, 1, 1000))]
    pub origins: usize,
    /// Periods every model sees at the first origin (at least 8).
    #[arg(long, default_value_t = 12, value_parser = |s: &str| parse_in_range(s, 8, 10_000))]
    pub min_train: usize,
    /// last-poisson, bootstrap, negbin, calibrated or all.
    #[arg(long, default_value = "all")]
    pub model: Models,
}

impl Request for BacktestRequest {}

/// A one-step-ahead forecast: (period start, median, 5% and 95% quantiles).
pub type OneStep = (i32, f64, f64, f64);

/// The ten best (entity, score) of every test query.
pub type TopTen = Vec<Vec<(u32, f64)>>;

#[derive(Debug, Clone)]
pub struct BacktestAnswer {
    pub series: DyadSeries,
    pub models: Vec<Model>,
    /// Indices into the series of the forecast origins.
    pub origins: Vec<usize>,
    /// Scores per model and horizon, then the summaries over horizons (horizon 0).
    pub scores: Vec<Score>,
}

impl BacktestAnswer {
    pub fn table(&self) -> std::result::Result<Table, ArrowError> {
        let all = &self.scores;
        table(vec![
            (
                "model",
                Col::Str(all.iter().map(|x| x.model.name().to_string()).collect()),
            ),
            (
                "horizon",
                Col::Str(
                    all.iter()
                        .map(|x| {
                            if x.horizon == 0 {
                                "all".to_string()
                            } else {
                                x.horizon.to_string()
                            }
                        })
                        .collect(),
                ),
            ),
            (
                "forecasts",
                Col::U64(all.iter().map(|x| x.forecasts as u64).collect()),
            ),
            ("crps", floats(all, |x| x.crps)),
            ("mse_log", floats(all, |x| x.mse)),
            ("cover50", floats(all, |x| x.coverage50)),
            ("cover90", floats(all, |x| x.coverage90)),
        ])
    }

    /// Each model's one-step-ahead forecast at every origin.
    pub fn one_step(&self) -> Result<Vec<(Model, Vec<OneStep>)>> {
        let s = &self.series;
        let mut out = Vec::new();
        for &model in &self.models {
            let mut points = Vec::with_capacity(self.origins.len());
            for &o in &self.origins {
                let one = Settings {
                    horizon: 1,
                    seed: s.settings.seed ^ o as u64,
                    ..s.settings
                };
                let f = forecast(model, &s.forward[..o], Some(&s.reverse[..o]), &one)?;
                let step = &f.steps[0];
                points.push((
                    s.periods[o],
                    step.quantile(0.5),
                    step.quantile(0.05),
                    step.quantile(0.95),
                ));
            }
            out.push((model, points));
        }
        Ok(out)
    }
}

impl Questions<'_> {
    /// The dyad's series in both directions, as forecasts and backtests see them.
    fn dyad_target(&self, t: &DyadTarget, horizon: usize) -> Result<DyadSeries> {
        let specs = [t.a.clone(), t.b.clone()];
        let (loaded, span) = self.load(&specs, &t.window)?;
        let series = dyad_series(&loaded.events, 0, 1, span.period, span.from, span.to, None);
        let pick = |s: u16| {
            series
                .iter()
                .filter(|p| p.source == s)
                .map(|p| t.target.value(p))
                .collect::<Vec<f64>>()
        };
        let settings = Settings {
            target: if t.target == ForecastTarget::Goldstein {
                Target::Goldstein
            } else {
                Target::Counts
            },
            periods_per_year: span.period.per_year(),
            horizon,
            samples: t.samples,
            seed: t.seed,
        };
        Ok(DyadSeries {
            source: Actor::of(&specs[0]),
            target: Actor::of(&specs[1]),
            periods: series
                .iter()
                .filter(|p| p.source == 0)
                .map(|p| p.period)
                .collect(),
            forward: pick(0),
            reverse: pick(1),
            span,
            measure: t.target,
            settings,
        })
    }

    /// One direction (a → b) forecast `horizon` periods ahead by each model, as seeded sample paths.
    pub fn forecast_dyad(&self, r: &DyadForecastRequest) -> Result<DyadForecastAnswer> {
        let series = self.dyad_target(&r.target, r.horizon)?;
        let mut next = series.last()?;
        let future = (0..r.horizon)
            .map(|_| {
                next = series.span.period.next(next);
                next
            })
            .collect();
        let mut forecasts = Vec::new();
        for model in r.model.list() {
            self.limits.check()?;
            forecasts.push(forecast(
                model,
                &series.forward,
                Some(&series.reverse),
                &series.settings,
            )?);
        }
        Ok(DyadForecastAnswer {
            series,
            future,
            forecasts,
        })
    }

    /// Rolling-origin scores of the dyad models: at each origin they see only the periods before it.
    pub fn backtest_dyad(&self, r: &BacktestRequest) -> Result<BacktestAnswer> {
        let series = self.dyad_target(&r.target, r.horizon)?;
        let origin_list = origins(series.forward.len(), r.horizon, r.origins, r.min_train);
        if origin_list.is_empty() {
            return Err(QuestionError::Unanswerable(format!(
                "{} periods are too few for min_train {} and horizon {}: widen the window (from/to) or use a finer 'by'",
                series.forward.len(),
                r.min_train,
                r.horizon
            )));
        }
        let models = r.model.list();
        let mut scores = backtest(
            &models,
            &series.forward,
            Some(&series.reverse),
            &origin_list,
            &series.settings,
        )?;
        let summaries = summary(&scores);
        scores.extend(summaries);
        Ok(BacktestAnswer {
            series,
            models,
            origins: origin_list,
            scores,
        })
    }
}

// ------------------------------------------------------------------------------------------------ TKG

/// Which TKG models to evaluate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TkgModel {
    /// The recurrency baseline (Gastinger et al. 2024): the same fact again, and popular objects.
    Recurrency,
    /// Recurrency plus temporal rules of length one learned on the training split.
    Rules,
    /// The rule model plus neighbourhood evidence (partners, two hops, recent popularity), weighted on
    /// validation; the most accurate and the slowest.
    Combined,
    /// All three, each fitted from scratch except that the combined model reuses the rule model's fit.
    #[value(alias = "both")]
    All,
}

impl TkgModel {
    fn kinds(self) -> Vec<ModelKind> {
        match self {
            TkgModel::Recurrency => vec![ModelKind::Recurrency],
            TkgModel::Rules => vec![ModelKind::Rules],
            TkgModel::Combined => vec![ModelKind::Combined],
            TkgModel::All => vec![ModelKind::Recurrency, ModelKind::Rules, ModelKind::Combined],
        }
    }
}

/// How ties with the answer are broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Ties {
    Random,
    Best,
    Expected,
}

impl Ties {
    pub fn describe(self) -> &'static str {
        match self {
            Ties::Random => "random",
            Ties::Best => "best (optimistic)",
            Ties::Expected => "expected",
        }
    }
}

/// Forecast next events on a temporal knowledge graph and score them (MRR, Hits@1/3/10).
#[derive(clap::Args, Debug, Clone)]
pub struct TkgRequest {
    /// A benchmark folder (train/valid/test[.txt|.txt.gz], entity2id, relation2id) or a TGB 2.0 edge list
    /// (tkgl-*_edgelist.csv, split 70/15/15 by time as TGB does); default: the store.
    #[arg(long, value_name = "DIR")]
    pub dataset: Option<PathBuf>,
    /// Models to score: recurrency, rules, combined, or all three (alias both).
    #[arg(long, value_enum, default_value = "all")]
    pub model: TkgModel,
    /// How ties with the answer are broken.
    #[arg(long, value_enum, default_value = "random")]
    pub ties: Ties,
    /// Seed of the random tie breaking.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Rules kept per relation (rule model).
    #[arg(long, default_value_t = tkg::rules::DEFAULT_BODIES)]
    pub bodies: usize,
    /// Store graphs: days in the validation split.
    #[arg(long, default_value_t = 30)]
    pub valid_days: i32,
    /// Store graphs: days in the test split (the last ones).
    #[arg(long, default_value_t = 30)]
    pub test_days: i32,
    /// Store graphs: only these datasets (comma-separated: gdelt1,gdelt2,icews,tkg,coded).
    #[arg(long = "dataset-filter", value_name = "LIST")]
    pub dataset_filter: Option<String>,
    /// Answer (and choose parameters on) about this many test (validation) queries, and learn rules from about
    /// five times as many training queries, whole (time, subject, relation) groups drawn by a hash: for graphs
    /// too large to score every query against every entity. The history is always whole.
    #[arg(long, value_name = "N", value_parser = |s: &str| parse_in_range(s, 100, 1_000_000_000))]
    pub max_queries: Option<usize>,
    /// Keep every test query's ten best predictions (of the last model).
    #[arg(skip)]
    pub keep_predictions: bool,
}

impl Request for TkgRequest {}

/// The graph a TKG request is about — its benchmark folder, else the store's events — and a label saying which.
pub fn tkg_data(r: &TkgRequest, store: &fulcrum_store::StoreLocation) -> Result<(TkgData, String)> {
    match &r.dataset {
        Some(dir) => {
            let data = fulcrum_forecast::tkg::load_dataset(dir).map_err(|error| {
                QuestionError::TkgLoad {
                    dir: dir.clone(),
                    error,
                }
            })?;
            Ok((data, dir.display().to_string()))
        }
        None => {
            let engine = crate::open_store(store, None)?;
            Ok((tkg_from_store(&engine, r)?, format!("store {store}")))
        }
    }
}

/// One model's scores.
#[derive(Debug, Clone)]
pub struct TkgRow {
    pub model: &'static str,
    pub metrics: Metrics,
    /// Wall time of fitting (rule learning and parameter selection included, for the combined model the
    /// rule model's too) and answering.
    pub seconds: f64,
    /// Rules kept by the rule model.
    pub rules: Option<usize>,
}

#[derive(Debug)]
pub struct TkgAnswer {
    pub data: TkgData,
    pub test: Vec<Quad>,
    pub load_seconds: f64,
    pub ties: Ties,
    pub rows: Vec<TkgRow>,
    /// (model, the ten best (entity, score) of every test query).
    pub predictions: Option<(&'static str, TopTen)>,
}

impl TkgAnswer {
    pub fn table(&self) -> std::result::Result<Table, ArrowError> {
        let r = &self.rows;
        table(vec![
            (
                "model",
                Col::Str(r.iter().map(|x| x.model.to_string()).collect()),
            ),
            (
                "queries",
                Col::U64(r.iter().map(|x| x.metrics.queries).collect()),
            ),
            ("mrr", floats(r, |x| 100.0 * x.metrics.mrr())),
            ("hits1", floats(r, |x| 100.0 * x.metrics.hits()[0])),
            ("hits3", floats(r, |x| 100.0 * x.metrics.hits()[1])),
            ("hits10", floats(r, |x| 100.0 * x.metrics.hits()[2])),
            ("seconds", floats(r, |x| x.seconds)),
        ])
    }

    /// The predictions as a table: model, time, subject, relation, answer, top1..top10.
    pub fn predictions_table(&self) -> Option<std::result::Result<Table, ArrowError>> {
        let (model, tops) = self.predictions.as_ref()?;
        let data = &self.data;
        let name = |e: u32| {
            data.entities
                .get(e as usize)
                .cloned()
                .unwrap_or_else(|| format!("#{e}"))
        };
        let day = |t: i64| match data.day_of(t) {
            Ok(day) => iso_date(day),
            Err(step) => format!("day {step}"),
        };
        let test = &self.test;
        let mut cols: Vec<(String, Vec<String>)> = vec![
            ("model".into(), vec![model.to_string(); test.len()]),
            ("time".into(), test.iter().map(|q| day(q.t)).collect()),
            ("subject".into(), test.iter().map(|q| name(q.s)).collect()),
            (
                "relation".into(),
                test.iter().map(|q| data.relation_name(q.r)).collect(),
            ),
            ("answer".into(), test.iter().map(|q| name(q.o)).collect()),
        ];
        for k in 0..10 {
            cols.push((
                format!("top{}", k + 1),
                tops.iter()
                    .map(|t| t.get(k).map(|p| name(p.0)).unwrap_or_default())
                    .collect(),
            ));
        }
        Some(table(
            cols.into_iter().map(|(n, v)| (n, Col::Str(v))).collect(),
        ))
    }
}

/// Answers a TKG forecasting question on `data` (a benchmark folder's or the store's graph). `progress` hears what
/// is being done (learning, choosing parameters, answering).
pub fn forecast_tkg(
    r: &TkgRequest,
    data: TkgData,
    load_seconds: f64,
    progress: &dyn Fn(String),
) -> TkgAnswer {
    let policy = match r.ties {
        Ties::Random => TieBreak::Random { seed: r.seed },
        Ties::Best => TieBreak::Optimistic,
        Ties::Expected => TieBreak::Expected,
    };
    let facts = data.all_with_inverses();
    let max = r.max_queries.unwrap_or(usize::MAX);
    let test = tkg::sample_queries(&data.queries(&data.test), max);
    let fitting = Fitting::with_max_queries(&data, max);
    let mut rows = Vec::new();
    let mut predictions = None;
    // The rule model's fit and the seconds it took, for the combined model that builds on it.
    let mut rules_fit: Option<(Fitted, f64)> = None;
    for kind in r.model.kinds() {
        let started = Instant::now();
        let name = kind.name();
        // Time spent earlier on a fit this model reuses (the combined model's rule model).
        let mut earlier = 0.0;
        let fitted = match kind {
            ModelKind::Recurrency => {
                progress(format!(
                    "{name}: choosing parameters on {} validation queries",
                    fitting.validation_queries()
                ));
                fitting.recurrency()
            }
            ModelKind::Rules => {
                progress(format!(
                    "{name}: learning rules, choosing parameters on {} validation queries",
                    fitting.validation_queries()
                ));
                let fitted = fitting.rules(r.bodies);
                rules_fit = Some((fitted.clone(), started.elapsed().as_secs_f64()));
                fitted
            }
            ModelKind::Combined => {
                let rules = match rules_fit.take() {
                    Some((rules, seconds)) => {
                        earlier = seconds;
                        rules
                    }
                    None => {
                        progress(format!(
                            "{name}: learning rules, choosing parameters on {} validation queries",
                            fitting.validation_queries()
                        ));
                        fitting.rules(r.bodies)
                    }
                };
                progress(format!("{name}: weighing the evidence on validation"));
                fitting.combined(&rules)
            }
        };
        progress(format!("{name}: answering {} test queries", test.len()));
        let keep = r.keep_predictions;
        let (metrics, tops) = fitted.evaluate(&data, &facts, &test, policy, |_, scores| {
            if keep {
                recurrency::top_k(scores, 10)
            } else {
                Vec::new()
            }
        });
        rows.push(TkgRow {
            model: name,
            metrics,
            seconds: earlier + started.elapsed().as_secs_f64(),
            rules: fitted.rules.as_ref().map(RuleModel::len),
        });
        if keep {
            predictions = Some((name, tops));
        }
    }
    TkgAnswer {
        data,
        test,
        load_seconds,
        ties: r.ties,
        rows,
        predictions,
    }
}

/// The graph of the store's events for [`forecast_tkg`]: actor names as entities, CAMEO codes as relations, the
/// last `test_days` as the test split and the `valid_days` before them as validation.
pub fn tkg_from_store(engine: &fulcrum_query::QueryEngine, r: &TkgRequest) -> Result<TkgData> {
    let datasets: Option<Vec<String>> = r
        .dataset_filter
        .as_ref()
        .map(|l| l.split(',').map(|d| d.trim().to_string()).collect());
    let facts = fulcrum_events::named_facts(engine, datasets.as_deref())?;
    if facts.is_empty() {
        return Err(QuestionError::Unanswerable(
            "the store has no events with both actors and an event code; ingest data first (fulcrum ingest …)".into(),
        ));
    }
    Ok(TkgData::from_named(&facts, r.valid_days, r.test_days)?)
}
