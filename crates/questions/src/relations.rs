//! The relations questions: a dyad's series, its change points, the balancer view, signed triads and the
//! triangular VAR. Each request's options and defaults are defined here once, for the CLI and the API alike.

use fulcrum_model::actors::ActorSpec;
use fulcrum_model::{Measure, parse_in_range};
use fulcrum_relations::balance::{
    BalancePoint, BreakTest, Lean, MIN_EVENTS, TiltEstimate, balancer, tilt_over, tilt_shift,
};
use fulcrum_relations::changepoint::{Cost, bocpd, default_penalty, pelt};
use fulcrum_relations::dyad::{DyadPoint, dyad_series};
use fulcrum_relations::iso_date;
use fulcrum_relations::triads::{
    MAX_EXACT_STATES, SignedGraph, Triangles, frustration_index, signed_graph, triangles,
};
use fulcrum_relations::var::{GrangerTest, VarFit, fit, select_order, triad_data};
use nalgebra::DMatrix;

use crate::front::Request;
use crate::table::{Col, Table, floats, table};
use crate::{Actor, QuestionError, Questions, Span, Window};

type Result<T> = std::result::Result<T, QuestionError>;

fn range(
    min: usize,
    max: usize,
) -> impl Fn(&str) -> std::result::Result<usize, fulcrum_model::ValueError> + Clone + Send + Sync + 'static
{
    move |s| parse_in_range(s, min, max)
}

/// Change points of one direction's series by PELT: the segment ends (exclusive) and the penalty used.
fn segment(y: &[f64], cost: Cost, penalty: Option<f64>, min_size: usize) -> (Vec<usize>, f64) {
    let penalty = penalty.unwrap_or_else(|| default_penalty(cost, y));
    (pelt(y, cost, penalty, min_size, 1), penalty)
}

/// The starts of the periods where a new segment begins.
fn change_starts(points: &[&DyadPoint], ends: &[usize]) -> Vec<i32> {
    ends.iter()
        .filter(|&&b| b < points.len())
        .map(|&b| points[b].period)
        .collect()
}

/// The points of one direction (source index 0 or 1).
pub fn direction(series: &[DyadPoint], source: u16) -> Vec<&DyadPoint> {
    series.iter().filter(|p| p.source == source).collect()
}

// ------------------------------------------------------------------------------------------------ dyad

/// Directed-dyad series: how A treats B and B treats A, period by period.
#[derive(clap::Args, Debug, Clone)]
pub struct DyadRequest {
    /// First actor (CAMEO code, name, exact actor code or group).
    pub a: ActorSpec,
    /// Second actor.
    pub b: ActorSpec,
    #[command(flatten)]
    pub window: Window,
    /// Express counts and sums per 1,000 events of the whole store in the period.
    #[arg(long)]
    pub normalize: bool,
}

impl Request for DyadRequest {}

/// Both directions of a dyad over the window.
#[derive(Debug, Clone)]
pub struct DyadAnswer {
    pub actors: [Actor; 2],
    pub span: Span,
    pub normalized: bool,
    /// Events counted (after the counting rule).
    pub events: usize,
    /// Every period of both directions, as `dyad_series` orders them; `source`/`target` index `actors`.
    pub series: Vec<DyadPoint>,
    /// Per direction (A → B, B → A): the periods where a new segment of the Goldstein sum begins (PELT, L2 cost:
    /// robust to the many empty periods), the markers of the dyad chart.
    pub change_points: [Vec<i32>; 2],
}

impl DyadAnswer {
    pub fn table(&self) -> std::result::Result<Table, fulcrum_query::arrow::error::ArrowError> {
        let s = &self.series;
        let label = |i: u16| self.actors[i as usize].code.clone();
        table(vec![
            (
                "period",
                Col::Str(s.iter().map(|p| self.span.period.label(p.period)).collect()),
            ),
            (
                "source",
                Col::Str(s.iter().map(|p| label(p.source)).collect()),
            ),
            (
                "target",
                Col::Str(s.iter().map(|p| label(p.target)).collect()),
            ),
            ("events", floats(s, |p| p.events)),
            ("goldstein_sum", floats(s, |p| p.goldstein_sum)),
            ("goldstein_mean", floats(s, |p| p.goldstein_mean)),
            ("net_coop", floats(s, |p| p.net_cooperation)),
            ("q1", floats(s, |p| p.quad_counts[0])),
            ("q2", floats(s, |p| p.quad_counts[1])),
            ("q3", floats(s, |p| p.quad_counts[2])),
            ("q4", floats(s, |p| p.quad_counts[3])),
            ("share_q1", floats(s, |p| p.quad_shares[0])),
            ("share_q2", floats(s, |p| p.quad_shares[1])),
            ("share_q3", floats(s, |p| p.quad_shares[2])),
            ("share_q4", floats(s, |p| p.quad_shares[3])),
            ("tone_mean", floats(s, |p| p.tone_mean)),
        ])
    }
}

// ------------------------------------------------------------------------------------------------ changes

/// Change points in a dyad's series.
#[derive(clap::Args, Debug, Clone)]
pub struct ChangesRequest {
    /// First actor.
    pub a: ActorSpec,
    /// Second actor.
    pub b: ActorSpec,
    #[command(flatten)]
    pub window: Window,
    /// The series to segment: events, goldstein_sum, goldstein_mean, net_coop.
    #[arg(long, default_value = "events")]
    pub series: Measure,
    /// Segment cost: poisson, normal, l2 (default: poisson for events, normal otherwise).
    #[arg(long)]
    pub cost: Option<Cost>,
    /// Penalty per change (default: BIC-like, see above).
    #[arg(long)]
    pub penalty: Option<f64>,
    /// Fewest periods in a segment.
    #[arg(long, default_value_t = 2, value_parser = range(1, 1000))]
    pub min_size: usize,
    /// Expected periods between changes, for the online detector.
    #[arg(long, default_value_t = 50.0)]
    pub hazard: f64,
    /// Periods the online detector looks back for a recent change.
    #[arg(long, default_value_t = 3, value_parser = range(1, 100))]
    pub alert_window: usize,
}

impl Request for ChangesRequest {}

/// A segment between change points.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Segment {
    /// First and last period start.
    pub from: i32,
    pub to: i32,
    pub periods: usize,
    pub mean: f64,
}

/// Change points of one direction.
#[derive(Debug, Clone)]
pub struct ChangeDirection {
    pub source: String,
    pub target: String,
    pub penalty: f64,
    /// (period start, value) of the segmented series.
    pub values: Vec<(i32, f64)>,
    pub segments: Vec<Segment>,
    /// Starts of the periods where a new segment begins.
    pub change_points: Vec<i32>,
    /// (period start, posterior probability of a change within the last `alert_window` periods).
    pub online: Vec<(i32, f64)>,
}

impl ChangeDirection {
    /// Periods where the online detector is confident (p > 0.5) of a recent change, once it has seen enough.
    pub fn alerts(&self, alert_window: usize) -> impl Iterator<Item = (i32, f64)> + '_ {
        self.online
            .iter()
            .enumerate()
            .filter(move |(i, (_, p))| *p > 0.5 && *i >= alert_window)
            .map(|(_, &x)| x)
    }
}

#[derive(Debug, Clone)]
pub struct ChangesAnswer {
    pub actors: [Actor; 2],
    pub span: Span,
    pub series: Measure,
    pub cost: Cost,
    pub alert_window: usize,
    pub directions: [ChangeDirection; 2],
}

impl ChangesAnswer {
    pub fn table(&self) -> std::result::Result<Table, fulcrum_query::arrow::error::ArrowError> {
        let rows: Vec<(&ChangeDirection, &Segment, bool)> = self
            .directions
            .iter()
            .flat_map(|d| {
                d.segments
                    .iter()
                    .enumerate()
                    .map(move |(i, s)| (d, s, i == 0))
            })
            .collect();
        let label = |day: i32| self.span.period.label(day);
        table(vec![
            (
                "direction",
                Col::Str(
                    rows.iter()
                        .map(|(d, _, _)| format!("{} → {}", d.source, d.target))
                        .collect(),
                ),
            ),
            (
                "from",
                Col::Str(rows.iter().map(|(_, s, _)| label(s.from)).collect()),
            ),
            (
                "to",
                Col::Str(rows.iter().map(|(_, s, _)| label(s.to)).collect()),
            ),
            (
                "begins_with",
                Col::Str(
                    rows.iter()
                        .map(|(_, _, first)| if *first { "start" } else { "change" }.to_string())
                        .collect(),
                ),
            ),
            (
                "periods",
                Col::U64(rows.iter().map(|(_, s, _)| s.periods as u64).collect()),
            ),
            (
                "mean",
                Col::F64(rows.iter().map(|(_, s, _)| s.mean).collect()),
            ),
        ])
    }
}

// ------------------------------------------------------------------------------------------------ balance

/// The balancer view: a third state's tilt between two rivals, and whether it shifted after a date.
#[derive(clap::Args, Debug, Clone)]
pub struct BalanceRequest {
    /// The third state (or group); without it, every third state and the groups SCO, BRICS, QUAD, NATO and EU
    /// are ranked by their tilt over the window.
    pub third: Option<ActorSpec>,
    /// The two rivals.
    #[arg(long, num_args = 2, required = true, value_names = ["A", "B"])]
    pub between: Vec<ActorSpec>,
    #[command(flatten)]
    pub window: Window,
    /// Test whether the tilt shifted at this date (YYYY-MM-DD).
    #[arg(long = "break", value_parser = crate::parse_day)]
    pub break_day: Option<i32>,
    /// Fewest events of T with the two rivals for a reading with a sign; below it a period reads
    /// "too little evidence".
    #[arg(long, default_value_t = MIN_EVENTS, value_parser = clap::value_parser!(u64).range(1..))]
    pub min_events: u64,
}

impl Request for BalanceRequest {
    const ALIASES: &'static [(&'static str, &'static str)] = &[("a", "between"), ("b", "between")];
}

#[derive(Debug, Clone)]
pub struct BalanceAnswer {
    /// Third state, A, B.
    pub actors: [Actor; 3],
    pub span: Span,
    pub points: Vec<BalancePoint>,
    /// The reading over the whole window.
    pub overall: TiltEstimate,
    pub break_test: Option<BreakTest>,
}

impl BalanceAnswer {
    /// One row per period: the default tilt with its band and reading, the evidence, and the mean (tone-only) tilt.
    pub fn table(&self) -> std::result::Result<Table, fulcrum_query::arrow::error::ArrowError> {
        let v = &self.points;
        let u = |get: fn(&BalancePoint) -> u64| Col::U64(v.iter().map(get).collect());
        let [a, b] = [&self.actors[1].code, &self.actors[2].code];
        let mut columns = vec![(
            "period",
            Col::Str(v.iter().map(|p| self.span.period.label(p.period)).collect()),
        )];
        columns.extend(tilt_columns(v, |p| &p.tilt, [a, b]));
        columns.extend([
            ("balance", floats(v, |p| p.balance)),
            ("coop_ta", floats(v, |p| p.tilt.coop_ta)),
            ("coop_tb", floats(v, |p| p.tilt.coop_tb)),
            ("mean_tilt_se", floats(v, |p| p.tilt.mean_tilt_se)),
            ("events_ab", u(|p| p.events_ab)),
            ("hostility_ab", floats(v, |p| p.hostility_ab)),
        ]);
        table(columns)
    }
}

/// The columns of a tilt reading, shared by the per-period view and the ranking: the evidence, the default tilt
/// with its band and lean, and the mean (tone-only) tilt.
fn tilt_columns<T>(
    rows: &[T],
    tilt: impl Fn(&T) -> &TiltEstimate,
    [a, b]: [&str; 2],
) -> Vec<(&'static str, Col)> {
    let get = |f: fn(&TiltEstimate) -> f64| floats(rows, |r| f(tilt(r)));
    vec![
        (
            "events_ta",
            Col::U64(rows.iter().map(|r| tilt(r).events_ta).collect()),
        ),
        (
            "events_tb",
            Col::U64(rows.iter().map(|r| tilt(r).events_tb).collect()),
        ),
        ("net_ta", get(|t| t.net_ta)),
        ("net_tb", get(|t| t.net_tb)),
        ("tilt", get(|t| t.tilt)),
        ("tilt_low", get(|t| t.tilt_low)),
        ("tilt_high", get(|t| t.tilt_high)),
        (
            "leans_to",
            Col::Str(
                rows.iter()
                    .map(|r| tilt(r).lean.describe(a, b).to_string())
                    .collect(),
            ),
        ),
        ("mean_tilt", get(|t| t.mean_tilt)),
    ]
}

/// The groups ranked beside the states when no third state is named.
pub const RANKED_GROUPS: &[&str] = &["SCO", "BRICS", "QUAD", "NATO", "EU"];

/// One third state (or group) of a ranking, with its reading over the window.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RankedThird {
    pub third: Actor,
    pub group: bool,
    #[serde(flatten)]
    pub tilt: TiltEstimate,
}

/// Who balances whom: every third state's tilt between two rivals over one window.
#[derive(Debug, Clone)]
pub struct BalancerRanking {
    /// A, B.
    pub rivals: [Actor; 2],
    pub span: Span,
    /// Readings with a sign or even first, by tilt from A's side to B's; then too-little-evidence ones by events.
    pub rows: Vec<RankedThird>,
}

impl BalancerRanking {
    pub fn table(&self) -> std::result::Result<Table, fulcrum_query::arrow::error::ArrowError> {
        let v = &self.rows;
        let [a, b] = [&self.rivals[0].code, &self.rivals[1].code];
        let mut columns = vec![
            (
                "third",
                Col::Str(v.iter().map(|r| r.third.code.clone()).collect()),
            ),
            (
                "name",
                Col::Str(v.iter().map(|r| r.third.name.clone()).collect()),
            ),
        ];
        columns.extend(tilt_columns(v, |r| &r.tilt, [a, b]));
        table(columns)
    }

    /// The leaners in words: who leans to A, who to B, how many are even or thin.
    pub fn summary(&self) -> String {
        let [a, b] = [&self.rivals[0].code, &self.rivals[1].code];
        let names = |lean: Lean| {
            let list: Vec<&str> = self
                .rows
                .iter()
                .filter(|r| r.tilt.lean == lean)
                .map(|r| r.third.code.as_str())
                .collect();
            if list.is_empty() {
                "none".to_string()
            } else {
                list.join(", ")
            }
        };
        let count = |lean: Lean| self.rows.iter().filter(|r| r.tilt.lean == lean).count();
        format!(
            "leaning to {a}: {}; leaning to {b}: {}; even: {} third states or groups; too little evidence: {}",
            names(Lean::TowardA),
            names(Lean::TowardB),
            count(Lean::Even),
            count(Lean::Thin)
        )
    }
}

fn rivals(r: &BalanceRequest) -> Result<[ActorSpec; 2]> {
    <[ActorSpec; 2]>::try_from(r.between.clone())
        .map_err(|_| QuestionError::Parameter("'between' takes exactly two actors".into()))
}

// ------------------------------------------------------------------------------------------------ triad

/// Signed triads and structural balance among states over time.
#[derive(clap::Args, Debug, Clone)]
pub struct TriadRequest {
    /// Three or more states (codes, names or groups); at most 20, since frustration is computed exactly.
    #[arg(num_args = 3..=MAX_EXACT_STATES, required = true)]
    pub states: Vec<ActorSpec>,
    #[command(flatten)]
    pub window: Window,
    /// Periods per rolling window.
    #[arg(long, default_value_t = 1, value_parser = range(1, 120))]
    pub span: usize,
    /// Mean Goldstein scores within ±this are neutral (no edge).
    #[arg(long, default_value_t = 1.0)]
    pub neutral_band: f64,
}

impl Request for TriadRequest {}

/// The signed graph of one (rolling) period.
#[derive(Debug, Clone)]
pub struct TriadPeriod {
    pub start: i32,
    pub graph: SignedGraph,
    pub triangles: Triangles,
    /// The least number of edges to remove for a balanced graph, and a split into two camps attaining it.
    pub frustration: Option<(u32, Vec<u8>)>,
}

#[derive(Debug, Clone)]
pub struct TriadAnswer {
    pub states: Vec<Actor>,
    pub span: Span,
    pub rolling: usize,
    pub neutral_band: f64,
    pub periods: Vec<TriadPeriod>,
}

impl TriadAnswer {
    /// The two camps of a period, as lists of state codes.
    pub fn camps(&self, p: &TriadPeriod) -> Option<[Vec<String>; 2]> {
        let (_, camp) = p.frustration.as_ref()?;
        let side = |c: u8| {
            (0..self.states.len())
                .filter(|&i| camp[i] == c)
                .map(|i| self.states[i].code.clone())
                .collect()
        };
        Some([side(0), side(1)])
    }

    pub fn table(&self) -> std::result::Result<Table, fulcrum_query::arrow::error::ArrowError> {
        let n = self.states.len();
        let labels: Vec<&str> = self.states.iter().map(|s| s.code.as_str()).collect();
        let edges = |g: &SignedGraph| {
            let mut e = Vec::new();
            for i in 0..n {
                for j in i + 1..n {
                    let w = g.weight[i][j];
                    let value = match g.sign[i][j] {
                        _ if w.is_nan() => "·".to_string(), // no events
                        1 => format!("+{w:.1}"),
                        -1 => format!("−{:.1}", -w),
                        _ => format!("~{w:.1}"), // inside the neutral band
                    };
                    e.push(format!("{}-{}:{value}", labels[i], labels[j]));
                }
            }
            e.join(" ")
        };
        let camps = |p: &TriadPeriod| match self.camps(p) {
            Some(sides) => {
                let side = |s: &[String]| {
                    if s.is_empty() {
                        "—".to_string()
                    } else {
                        s.join(",")
                    }
                };
                format!("{} | {}", side(&sides[0]), side(&sides[1]))
            }
            None => String::new(),
        };
        let ps = &self.periods;
        table(vec![
            (
                "period",
                Col::Str(ps.iter().map(|p| self.span.period.label(p.start)).collect()),
            ),
            (
                "edges",
                Col::Str(ps.iter().map(|p| edges(&p.graph)).collect()),
            ),
            (
                "triangles",
                Col::U64(ps.iter().map(|p| p.triangles.triangles).collect()),
            ),
            (
                "balanced",
                Col::U64(ps.iter().map(|p| p.triangles.balanced).collect()),
            ),
            ("triangle_index", floats(ps, |p| p.triangles.triangle_index)),
            (
                "frustration",
                Col::U64(
                    ps.iter()
                        .map(|p| p.frustration.as_ref().map_or(0, |f| f.0 as u64))
                        .collect(),
                ),
            ),
            ("camps", Col::Str(ps.iter().map(camps).collect())),
        ])
    }
}

// ------------------------------------------------------------------------------------------------ VAR

/// How the VAR's lag order is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lags {
    Aic,
    Bic,
    Fixed(usize),
}

impl std::str::FromStr for Lags {
    type Err = fulcrum_model::ValueError;
    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "aic" => Ok(Lags::Aic),
            "bic" => Ok(Lags::Bic),
            n => n
                .parse::<usize>()
                .ok()
                .filter(|&p| (1..=52).contains(&p))
                .map(Lags::Fixed)
                .ok_or_else(|| {
                    fulcrum_model::ValueError::new(
                        s,
                        "a lag order",
                        "aic, bic or a whole number from 1 to 52",
                    )
                }),
        }
    }
}

/// The triangular VAR of Goldstein & Freeman over the six directed series of three states.
#[derive(clap::Args, Debug, Clone)]
pub struct VarRequest {
    /// Three states (codes, names or groups).
    #[arg(num_args = 3..=3, required = true)]
    pub states: Vec<ActorSpec>,
    #[command(flatten)]
    pub window: Window,
    #[command(flatten)]
    pub options: VarOptions,
}

/// The VAR's own options (shared with `fulcrum triad --var`).
#[derive(clap::Args, Debug, Clone)]
pub struct VarOptions {
    /// VAR lag order, or "aic" / "bic" to choose it (up to --max-lags).
    #[arg(long, default_value = "bic")]
    pub lags: Lags,
    /// Largest lag order considered by aic/bic.
    #[arg(long, default_value_t = 4, value_parser = range(1, 12))]
    pub max_lags: usize,
    /// Impulse-response horizon (periods).
    #[arg(long, default_value_t = 8, value_parser = range(1, 48))]
    pub horizon: usize,
    /// Bootstrap replications for the impulse-response bands (0: none).
    #[arg(long, default_value_t = 200, value_parser = range(0, 2000))]
    pub bootstrap: usize,
    /// Also fit before and after this date (YYYY-MM-DD).
    #[arg(long = "break", value_parser = crate::parse_day)]
    pub break_day: Option<i32>,
}

impl Request for VarRequest {}

/// The seed of the impulse-response bootstrap (the Pulwama attack's date), so bands are reproducible.
pub const BOOTSTRAP_SEED: u64 = 20_190_214;

/// A Granger test as reported: reciprocity (one series of a dyad on the other) or triangularity (a dyad's two
/// series on the other four).
#[derive(Debug, Clone)]
pub struct Granger {
    pub kind: &'static str,
    pub caused: String,
    pub causing: Vec<String>,
    pub test: GrangerTest,
}

/// One fitted VAR and what is reported of it.
#[derive(Debug, Clone)]
pub struct VarReport {
    pub lags: usize,
    pub observations: usize,
    pub granger: Vec<Granger>,
    /// Orthogonalised responses Θ₀..Θ_h: `irf[h][(response, shock)]`.
    pub irf: Vec<DMatrix<f64>>,
    /// (lower, upper) 90% bootstrap bands.
    pub bands: Option<fulcrum_relations::var::Bands>,
    pub fevd: Vec<DMatrix<f64>>,
}

/// How the lag order was chosen.
#[derive(Debug, Clone)]
pub struct LagChoice {
    pub lags: usize,
    pub by: Lags,
    /// (best by AIC, best by BIC) when chosen by a criterion.
    pub best: Option<(usize, usize)>,
    pub max_lags: usize,
}

#[derive(Debug, Clone)]
pub struct VarAnswer {
    pub states: [Actor; 3],
    pub span: Span,
    /// The six series: "A→B", "B→A", "A→C", "C→A", "B→C", "C→B".
    pub names: Vec<String>,
    pub choice: LagChoice,
    pub whole: VarReport,
    /// With a break: the fits of the periods before and from it (label, periods, fit or why none).
    pub split: Vec<(String, usize, std::result::Result<VarReport, String>)>,
}

fn report(f: &VarFit, names: &[String], horizon: usize, bootstrap: usize) -> Result<VarReport> {
    let mut granger = Vec::new();
    for dyad in 0..3 {
        let (x, y) = (2 * dyad, 2 * dyad + 1);
        for (caused, causing) in [(x, y), (y, x)] {
            granger.push(Granger {
                kind: "reciprocity",
                caused: names[caused].clone(),
                causing: vec![names[causing].clone()],
                test: f.granger(&[caused], &[causing]),
            });
        }
        let others: Vec<usize> = (0..6).filter(|&v| v != x && v != y).collect();
        granger.push(Granger {
            kind: "triangularity",
            caused: format!("{}/{}", names[x], names[y]),
            causing: others.iter().map(|&o| names[o].clone()).collect(),
            test: f.granger(&[x, y], &others),
        });
    }
    let var_err = |e: fulcrum_relations::var::VarError| {
        QuestionError::Unanswerable(format!("impulse responses: {e}"))
    };
    let irf = f.orth_irf(horizon).map_err(var_err)?;
    let fevd = f.fevd(horizon).map_err(var_err)?;
    let bands = if bootstrap > 0 {
        Some(
            f.irf_bands(horizon, bootstrap, 0.9, BOOTSTRAP_SEED)
                .map_err(var_err)?,
        )
    } else {
        None
    };
    Ok(VarReport {
        lags: f.p,
        observations: f.nobs,
        granger,
        irf,
        bands,
        fevd,
    })
}

// ------------------------------------------------------------------------------------------------ answers

fn actors<const N: usize>(specs: &[ActorSpec]) -> [Actor; N] {
    std::array::from_fn(|i| Actor::of(&specs[i]))
}

impl Questions<'_> {
    /// Both directions of a dyad, period by period, with the change points of the Goldstein sum.
    pub fn dyad(&self, r: &DyadRequest) -> Result<DyadAnswer> {
        let specs = [r.a.clone(), r.b.clone()];
        let (loaded, span) = self.load(&specs, &r.window)?;
        let totals = if r.normalize {
            Some(self.source.totals(&span.selection(), span.from, span.to)?)
        } else {
            None
        };
        let series = dyad_series(
            &loaded.events,
            0,
            1,
            span.period,
            span.from,
            span.to,
            totals.as_ref(),
        );
        let change_points = [0u16, 1].map(|s| {
            let points = direction(&series, s);
            let y: Vec<f64> = points.iter().map(|p| p.goldstein_sum).collect();
            change_starts(&points, &segment(&y, Cost::L2, None, 2).0)
        });
        Ok(DyadAnswer {
            actors: actors(&specs),
            span,
            normalized: r.normalize,
            events: loaded.events.len(),
            series,
            change_points,
        })
    }

    /// Change points of one measure in both directions: PELT offline and the Adams–MacKay detector online.
    pub fn changes(&self, r: &ChangesRequest) -> Result<ChangesAnswer> {
        let specs = [r.a.clone(), r.b.clone()];
        let (loaded, span) = self.load(&specs, &r.window)?;
        let series = dyad_series(&loaded.events, 0, 1, span.period, span.from, span.to, None);
        let cost = r.cost.unwrap_or(if r.series == Measure::Events {
            Cost::Poisson
        } else {
            Cost::Normal
        });
        let names = actors::<2>(&specs);
        let one = |s: u16| -> Result<ChangeDirection> {
            self.limits.check()?;
            let points = direction(&series, s);
            let y: Vec<f64> = points.iter().map(|p| p.value(r.series)).collect();
            let (ends, penalty) = segment(&y, cost, r.penalty, r.min_size);
            let mut segments = Vec::with_capacity(ends.len());
            let mut start = 0;
            for &end in &ends {
                let mean = y[start..end].iter().sum::<f64>() / (end - start) as f64;
                segments.push(Segment {
                    from: points[start].period,
                    to: points[end - 1].period,
                    periods: end - start,
                    mean,
                });
                start = end;
            }
            self.limits.check()?;
            let online = bocpd(&y, r.hazard, r.alert_window)
                .iter()
                .zip(&points)
                .map(|(step, p)| (p.period, step.p_recent_change))
                .collect();
            Ok(ChangeDirection {
                source: names[s as usize].code.clone(),
                target: names[1 - s as usize].code.clone(),
                penalty,
                values: points.iter().map(|p| p.period).zip(y).collect(),
                segments,
                change_points: change_starts(&points, &ends),
                online,
            })
        };
        let directions = [one(0)?, one(1)?];
        Ok(ChangesAnswer {
            actors: names,
            span,
            series: r.series,
            cost,
            alert_window: r.alert_window,
            directions,
        })
    }

    /// How a third state treats two rivals, period by period; with a break date, whether its tilt shifted.
    pub fn balance(&self, r: &BalanceRequest) -> Result<BalanceAnswer> {
        let [a, b] = rivals(r)?;
        let third = r.third.clone().ok_or_else(|| {
            QuestionError::Parameter(
                "name a third state, or ask for the ranking of all third states (rank_balancers)"
                    .into(),
            )
        })?;
        let specs = [third, a, b];
        let (loaded, span) = self.load(&specs, &r.window)?;
        let points = balancer(
            &loaded.events,
            0,
            1,
            2,
            span.period,
            span.from,
            span.to,
            r.min_events,
        );
        let break_test = match r.break_day {
            Some(day) if day <= span.from || day > span.to => {
                return Err(QuestionError::BreakOutsideWindow {
                    day: iso_date(day),
                    from: iso_date(span.from),
                    to: iso_date(span.to),
                });
            }
            Some(day) => Some(tilt_shift(
                &loaded.events,
                0,
                1,
                2,
                day,
                span.from,
                span.to,
                r.min_events,
            )),
            None => None,
        };
        let overall = tilt_over(&loaded.events, 0, 1, 2, (span.from, span.to), r.min_events);
        Ok(BalanceAnswer {
            actors: actors(&specs),
            span,
            points,
            overall,
            break_test,
        })
    }

    /// Who balances whom: every third state's (and group's) tilt between the two rivals over the window.
    pub fn rank_balancers(&self, r: &BalanceRequest) -> Result<BalancerRanking> {
        let rivals = rivals(r)?;
        if r.break_day.is_some() {
            return Err(QuestionError::Parameter(
                "a break test needs a third state; the ranking covers one window".into(),
            ));
        }
        let (loaded, span) = self.load_partners(&rivals, &r.window)?;
        let groups: Vec<ActorSpec> = RANKED_GROUPS
            .iter()
            .filter_map(|g| ActorSpec::parse(g).ok())
            .collect();
        let states = loaded.partners.len();
        // Each third's events with T as actor 2 and the rivals as 0 and 1.
        let mut buckets: Vec<Vec<fulcrum_model::Event>> = vec![Vec::new(); states + groups.len()];
        for e in &loaded.events {
            let (partner, as_t) = if e.src >= 2 {
                (e.src, fulcrum_model::Event { src: 2, ..*e })
            } else {
                (e.dst, fulcrum_model::Event { dst: 2, ..*e })
            };
            let state = &loaded.partners[partner as usize - 2];
            buckets[partner as usize - 2].push(as_t);
            for (g, group) in groups.iter().enumerate() {
                if group.matches(Some(state), None, None, e.day) {
                    buckets[states + g].push(as_t);
                }
            }
        }
        self.limits.check()?;
        let window = (span.from, span.to);
        let mut rows: Vec<RankedThird> = buckets
            .iter()
            .enumerate()
            .filter(|(_, events)| !events.is_empty())
            .map(|(k, events)| {
                let (third, group) = if k < states {
                    let code = &loaded.partners[k];
                    let spec = ActorSpec::Country { code: code.clone() };
                    (Actor::of(&spec), false)
                } else {
                    (Actor::of(&groups[k - states]), true)
                };
                RankedThird {
                    third,
                    group,
                    tilt: tilt_over(events, 2, 0, 1, window, r.min_events),
                }
            })
            .collect();
        rows.sort_by(|x, y| {
            let thin = |t: &RankedThird| t.tilt.lean == Lean::Thin;
            thin(x)
                .cmp(&thin(y))
                .then_with(|| {
                    if thin(x) {
                        (y.tilt.events_ta + y.tilt.events_tb)
                            .cmp(&(x.tilt.events_ta + x.tilt.events_tb))
                    } else {
                        y.tilt.tilt.total_cmp(&x.tilt.tilt)
                    }
                })
                .then_with(|| x.third.code.cmp(&y.third.code))
        });
        Ok(BalancerRanking {
            rivals: rivals.each_ref().map(Actor::of),
            span,
            rows,
        })
    }

    /// The signed graph among the states per (rolling) period, its triangles and its frustration.
    pub fn triad(&self, r: &TriadRequest) -> Result<TriadAnswer> {
        if r.states.len() < 3 || r.states.len() > MAX_EXACT_STATES {
            return Err(QuestionError::Parameter(format!(
                "a triad takes 3 to {MAX_EXACT_STATES} states, got {}",
                r.states.len()
            )));
        }
        let (loaded, span) = self.load(&r.states, &r.window)?;
        let starts = span.periods();
        let n = r.states.len();
        let mut periods = Vec::with_capacity(starts.len());
        for (k, &start) in starts.iter().enumerate() {
            // The exact frustration index is exponential in the number of states: check the budget every period.
            self.limits.check()?;
            let first = starts[k + 1 - r.span.clamp(1, k + 1)];
            let graph = signed_graph(
                &loaded.events,
                n,
                first,
                span.period.next(start) - 1,
                r.neutral_band,
            );
            let triangles = triangles(&graph);
            let frustration = frustration_index(&graph);
            periods.push(TriadPeriod {
                start,
                graph,
                triangles,
                frustration,
            });
        }
        let states = r.states.iter().map(Actor::of).collect();
        Ok(TriadAnswer {
            states,
            span,
            rolling: r.span,
            neutral_band: r.neutral_band,
            periods,
        })
    }

    /// The triangular VAR over the six directed Goldstein-sum series of three states.
    pub fn var(&self, r: &VarRequest) -> Result<VarAnswer> {
        let specs: [ActorSpec; 3] = <[ActorSpec; 3]>::try_from(r.states.clone()).map_err(|_| {
            QuestionError::Parameter(format!(
                "the VAR takes exactly three states, got {}",
                r.states.len()
            ))
        })?;
        let (loaded, span) = self.load(&specs, &r.window)?;
        let labels: Vec<String> = specs.iter().map(ActorSpec::label).collect();
        let (names, data) = triad_data(&loaded.events, &labels, span.period, span.from, span.to);
        let o = &r.options;
        let choice = match o.lags {
            Lags::Fixed(p) => LagChoice {
                lags: p,
                by: o.lags,
                best: None,
                max_lags: o.max_lags,
            },
            by => {
                let sel = select_order(&data, o.max_lags).map_err(|e| {
                    QuestionError::Unanswerable(format!(
                        "choosing the lag order: {e} (try fewer max_lags or a finer 'by')"
                    ))
                })?;
                let best = if by == Lags::Aic {
                    sel.best_aic
                } else {
                    sel.best_bic
                };
                // Order 0 means no detectable dynamics; a VAR needs at least one lag.
                LagChoice {
                    lags: best.max(1),
                    by,
                    best: Some((sel.best_aic, sel.best_bic)),
                    max_lags: o.max_lags,
                }
            }
        };
        let fitted = fit(&data, choice.lags)
            .map_err(|e| QuestionError::Unanswerable(format!("fitting the VAR: {e}")))?;
        self.limits.check()?;
        let whole = report(&fitted, &names, o.horizon, o.bootstrap)?;
        let mut split = Vec::new();
        if let Some(day) = o.break_day {
            let periods = span.periods();
            let cut = periods.partition_point(|&s| s < span.period.start(day));
            for (label, rows) in [("before", 0..cut), ("from", cut..periods.len())] {
                self.limits.check()?;
                let part = data.rows(rows.start, rows.len()).into_owned();
                let fitted = fit(&part, choice.lags).map_err(|e| e.to_string());
                let result = match fitted {
                    Ok(f) => report(&f, &names, o.horizon, o.bootstrap).map_err(|e| e.to_string()),
                    Err(e) => Err(e),
                };
                split.push((format!("{label} {}", iso_date(day)), rows.len(), result));
            }
        }
        Ok(VarAnswer {
            states: actors(&specs),
            span,
            names,
            choice,
            whole,
            split,
        })
    }
}
