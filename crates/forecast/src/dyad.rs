//! Forecasts for one directed dyad: a series per period (events of a QuadClass, or a Goldstein sum), and a
//! predictive distribution for each of the next `horizon` periods.
//!
//! Every model returns sample paths (deterministic under a seed), so predictive distributions over several
//! steps are honest about how uncertainty compounds, and every score (CRPS, intervals) is computed the same
//! way for all models.
//!
//! * [`Model::LastPoisson`]: the next counts are Poisson with the last observed count as mean (for a Goldstein
//!   sum: a random walk with the spread of the past changes).
//! * [`Model::Bootstrap`]: every future period is drawn from all past periods (the "global bootstrap").
//! * [`Model::NegBinomial`]: a negative-binomial regression (NB2, log link) on the last count, the mean of the
//!   last four, the reverse direction's last count and an annual cycle; the reverse direction gets its own
//!   regression and both are simulated together. For a Goldstein sum the same regressors feed a linear
//!   model with bootstrapped residuals.

use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, Poisson};

/// What the series measures: counts (non-negative integers) or a real-valued sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Counts,
    Goldstein,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Model {
    LastPoisson,
    Bootstrap,
    NegBinomial,
    /// The negative-binomial regression with its quantiles recalibrated on its own past errors.
    Calibrated,
}

impl Model {
    pub const ALL: [Model; 4] = [
        Model::LastPoisson,
        Model::Bootstrap,
        Model::NegBinomial,
        Model::Calibrated,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Model::LastPoisson => "last-poisson",
            Model::Bootstrap => "bootstrap",
            Model::NegBinomial => "negbin",
            Model::Calibrated => "calibrated",
        }
    }
}

impl std::str::FromStr for Model {
    type Err = fulcrum_model::ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Model::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| {
                fulcrum_model::ValueError::new(
                    s,
                    "a forecast model",
                    "last-poisson, bootstrap, negbin or calibrated",
                )
            })
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ForecastError {
    #[error("the series has {got} periods; {model} needs at least {need}")]
    TooShort {
        model: &'static str,
        got: usize,
        need: usize,
    },
    #[error(
        "the reverse series has {got} periods, the series {want}: they must cover the same periods"
    )]
    Mismatch { got: usize, want: usize },
}

/// Predictive samples for each step ahead: `steps[h]` holds the sorted draws for period `h + 1`.
#[derive(Debug, Clone)]
pub struct Forecast {
    pub model: Model,
    pub steps: Vec<Predictive>,
}

/// A predictive distribution as sorted samples.
#[derive(Debug, Clone)]
pub struct Predictive {
    samples: Vec<f64>,
}

impl Predictive {
    pub fn from_samples(mut samples: Vec<f64>) -> Self {
        samples.sort_by(f64::total_cmp);
        Self { samples }
    }

    pub fn mean(&self) -> f64 {
        self.samples.iter().sum::<f64>() / self.samples.len().max(1) as f64
    }

    /// The `p` quantile (type 1: the smallest sample with at least `p` of the mass at or below it).
    pub fn quantile(&self, p: f64) -> f64 {
        let n = self.samples.len();
        if n == 0 {
            return f64::NAN;
        }
        let k = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        self.samples[k]
    }

    /// Mean of `f(sample)`: e.g. the best point forecast of log counts under squared error.
    pub fn mean_of(&self, f: impl Fn(f64) -> f64) -> f64 {
        self.samples.iter().map(|&x| f(x)).sum::<f64>() / self.samples.len().max(1) as f64
    }

    /// Continuous ranked probability score of the outcome `y`: E|X − y| − ½ E|X − X'| (lower is better).
    pub fn crps(&self, y: f64) -> f64 {
        let n = self.samples.len();
        if n == 0 {
            return f64::NAN;
        }
        let nf = n as f64;
        let to_outcome = self.samples.iter().map(|x| (x - y).abs()).sum::<f64>() / nf;
        // Σ_i Σ_j |x_i − x_j| over sorted samples = 2 Σ_i (2i − n + 1) x_i.
        let spread: f64 = self
            .samples
            .iter()
            .enumerate()
            .map(|(i, x)| (2.0 * i as f64 - nf + 1.0) * x)
            .sum::<f64>()
            * 2.0;
        to_outcome - 0.5 * spread / (nf * nf)
    }

    /// The probability integral transform of the outcome `y`: the predictive probability below it plus
    /// `v` (uniform in [0, 1)) of the probability at it, so that for counts too a calibrated forecast gives
    /// uniform values.
    pub fn pit(&self, y: f64, v: f64) -> f64 {
        let n = self.samples.len().max(1) as f64;
        let below = self.samples.partition_point(|&x| x < y) as f64;
        let at_or_below = self.samples.partition_point(|&x| x <= y) as f64;
        (below + v * (at_or_below - below)) / n
    }

    /// Whether `y` lies in the central interval of probability `level`.
    pub fn covers(&self, y: f64, level: f64) -> bool {
        let tail = (1.0 - level) / 2.0;
        y >= self.quantile(tail) && y <= self.quantile(1.0 - tail)
    }
}

/// Forecasting settings.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub target: Target,
    /// Periods per year (52 for weeks, 12 for months, 365 for days), for the annual cycle.
    pub periods_per_year: f64,
    pub horizon: usize,
    pub samples: usize,
    pub seed: u64,
}

/// Forecasts `series` (oldest first) `settings.horizon` periods ahead. `reverse` is the other direction of
/// the dyad over the same periods (used by the regression).
pub fn forecast(
    model: Model,
    series: &[f64],
    reverse: Option<&[f64]>,
    settings: &Settings,
) -> Result<Forecast, ForecastError> {
    if let Some(r) = reverse
        && r.len() != series.len()
    {
        return Err(ForecastError::Mismatch {
            got: r.len(),
            want: series.len(),
        });
    }
    let need = match model {
        Model::LastPoisson | Model::Bootstrap => 1,
        Model::NegBinomial | Model::Calibrated => MIN_REGRESSION_PERIODS,
    };
    if series.len() < need {
        return Err(ForecastError::TooShort {
            model: model.name(),
            got: series.len(),
            need,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let paths: Vec<Vec<f64>> = match model {
        Model::LastPoisson => last_observed_paths(series, settings, &mut rng),
        Model::Bootstrap => (0..settings.samples)
            .map(|_| {
                (0..settings.horizon)
                    .map(|_| series[rng.random_range(0..series.len())])
                    .collect()
            })
            .collect(),
        Model::NegBinomial => regression_paths(series, reverse, settings, &mut rng),
        Model::Calibrated => return calibrated(series, reverse, settings),
    };
    let steps = (0..settings.horizon)
        .map(|h| Predictive::from_samples(paths.iter().map(|p| p[h]).collect()))
        .collect();
    Ok(Forecast { model, steps })
}

/// At most this many past origins measure how the regression's quantiles have fared.
const CALIBRATION_ORIGINS: usize = 16;
/// Weight, in forecasts, of the prior that a horizon is calibrated like the pooled horizons (and the pool
/// like a calibrated model): few past forecasts move the quantiles little.
const CALIBRATION_PRIOR: f64 = 4.0;

/// The negative-binomial regression, recalibrated: at up to [`CALIBRATION_ORIGINS`] earlier origins of the
/// same series (each seeing only what came before it) the regression's forecasts are scored by the
/// probability integral transform (PIT) of the outcome, randomised for counts; the forecast's quantile at level
/// `p` is then its quantile at the level `G⁻¹(p)`, `G` being the distribution of those PITs, per horizon,
/// shrunk towards all horizons pooled and those towards uniform. A calibrated model's PITs are uniform and
/// `G⁻¹(p) = p`; one whose intervals are too narrow has PITs piled at both ends, and is widened (quantile
/// recalibration: Gneiting, Balabdaoui & Raftery 2007; Kuleshov, Fenner & Ermon 2018).
fn calibrated(
    series: &[f64],
    reverse: Option<&[f64]>,
    settings: &Settings,
) -> Result<Forecast, ForecastError> {
    let base = forecast(Model::NegBinomial, series, reverse, settings)?;
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed ^ 0xCA11_B8A7);
    let mut pits: Vec<Vec<f64>> = vec![Vec::new(); settings.horizon];
    let first = series
        .len()
        .saturating_sub(CALIBRATION_ORIGINS)
        .max(MIN_REGRESSION_PERIODS);
    for origin in first..series.len() {
        let past = forecast(
            Model::NegBinomial,
            &series[..origin],
            reverse.map(|r| &r[..origin]),
            &Settings {
                seed: settings.seed ^ (origin as u64).wrapping_mul(0x9E37_79B9),
                ..*settings
            },
        )?;
        for (h, step) in past.steps.iter().enumerate() {
            if let Some(&y) = series.get(origin + h) {
                pits[h].push(step.pit(y, rng.random()));
            }
        }
    }
    let pooled: Vec<f64> = pits.iter().flatten().copied().collect();
    let steps = base
        .steps
        .iter()
        .zip(&pits)
        .map(|(step, own)| {
            let n = step.samples.len();
            let g = |u: f64| {
                let pool = (share_at_or_below(&pooled, u) * pooled.len() as f64
                    + CALIBRATION_PRIOR * u)
                    / (pooled.len() as f64 + CALIBRATION_PRIOR);
                (share_at_or_below(own, u) * own.len() as f64 + CALIBRATION_PRIOR * pool)
                    / (own.len() as f64 + CALIBRATION_PRIOR)
            };
            let samples = (0..n)
                .map(|k| step.quantile(inverse(&g, (k as f64 + 0.5) / n as f64)))
                .collect();
            Predictive::from_samples(samples)
        })
        .collect();
    Ok(Forecast {
        model: Model::Calibrated,
        steps,
    })
}

fn share_at_or_below(values: &[f64], u: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().filter(|&&v| v <= u).count() as f64 / values.len() as f64
}

/// The smallest `u` in [0, 1] with `g(u) ≥ p`, for a non-decreasing `g` (bisection).
fn inverse(g: &dyn Fn(f64) -> f64, p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..40 {
        let mid = 0.5 * (lo + hi);
        if g(mid) >= p {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

fn last_observed_paths(series: &[f64], settings: &Settings, rng: &mut ChaCha8Rng) -> Vec<Vec<f64>> {
    let last = *series.last().expect("checked non-empty");
    match settings.target {
        Target::Counts => {
            let mean = last.max(0.0);
            let poisson = (mean > 0.0).then(|| Poisson::new(mean).expect("positive finite mean"));
            (0..settings.samples)
                .map(|_| {
                    (0..settings.horizon)
                        .map(|_| poisson.as_ref().map_or(0.0, |p| p.sample(rng)))
                        .collect()
                })
                .collect()
        }
        Target::Goldstein => {
            let diffs: Vec<f64> = series.windows(2).map(|w| w[1] - w[0]).collect();
            (0..settings.samples)
                .map(|_| {
                    let mut level = last;
                    (0..settings.horizon)
                        .map(|_| {
                            if !diffs.is_empty() {
                                level += diffs[rng.random_range(0..diffs.len())];
                            }
                            level
                        })
                        .collect()
                })
                .collect()
        }
    }
}

/// The regression needs a few periods beyond its longest lag to estimate anything.
const MIN_REGRESSION_PERIODS: usize = 8;

/// Regressors for predicting period `t` from what precedes it: the last value, an exponentially weighted
/// level (half-life about two periods), the reverse direction's level, and an annual cycle only when the
/// series spans two years (with less it cannot be told from noise).
/// The regressors at period `t`. `seasonal` adds the annual cycle; it is decided once, from the length of the
/// series a model is fitted on, so simulated periods have exactly the fitted model's regressors.
fn regressors(
    own: &[f64],
    other: Option<&[f64]>,
    t: usize,
    seasonal: Option<f64>,
    target: Target,
) -> Vec<f64> {
    let f = |x: f64| match target {
        Target::Counts => x.max(0.0).ln_1p(),
        Target::Goldstein => x,
    };
    let level = |s: &[f64]| {
        let mut l = s[0];
        for &v in &s[..t.min(s.len())] {
            l = LEVEL_WEIGHT * v + (1.0 - LEVEL_WEIGHT) * l;
        }
        l
    };
    let last = if t >= 1 { own[t - 1] } else { own[0] };
    let mut x = vec![1.0, f(last), f(level(own))];
    if let Some(other) = other {
        x.push(f(level(other)));
    }
    if let Some(periods_per_year) = seasonal {
        let angle = 2.0 * std::f64::consts::PI * t as f64 / periods_per_year;
        x.extend([angle.sin(), angle.cos()]);
    }
    x
}

/// The annual cycle's period when a series of `len` periods covers two years or more (enough to estimate it).
fn seasonal(len: usize, periods_per_year: f64) -> Option<f64> {
    (len as f64 >= 2.0 * periods_per_year).then_some(periods_per_year)
}

const LEVEL_WEIGHT: f64 = 0.3;
/// Ridge penalty on every coefficient but the intercept: short, sparse series shrink towards their mean.
const RIDGE: f64 = 1.0;

/// A fitted regression for one direction.
struct Fitted {
    beta: DVector<f64>,
    /// The annual cycle's period, if the model has one (see [`seasonal`]).
    seasonal: Option<f64>,
    /// NB2 dispersion (counts) — variance μ + φμ².
    dispersion: f64,
    /// Residuals (Goldstein sums).
    residuals: Vec<f64>,
}

fn fit(own: &[f64], other: Option<&[f64]>, settings: &Settings) -> Fitted {
    let season = seasonal(own.len(), settings.periods_per_year);
    let rows: Vec<Vec<f64>> = (1..own.len())
        .map(|t| regressors(own, other, t, season, settings.target))
        .collect();
    let y: Vec<f64> = own[1..].to_vec();
    let x = DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j]);
    match settings.target {
        Target::Counts => Fitted {
            seasonal: season,
            ..fit_negbin(&x, &y)
        },
        Target::Goldstein => {
            let w = vec![1.0; y.len()];
            let beta = weighted_least_squares(&x, &DVector::from_vec(y.clone()), &w);
            let fitted = &x * &beta;
            let residuals = y.iter().zip(fitted.iter()).map(|(a, b)| a - b).collect();
            Fitted {
                beta,
                seasonal: season,
                dispersion: 0.0,
                residuals,
            }
        }
    }
}

/// Ridge-stabilised weighted least squares: small series with collinear lags must still solve.
fn weighted_least_squares(x: &DMatrix<f64>, z: &DVector<f64>, w: &[f64]) -> DVector<f64> {
    let p = x.ncols();
    let mut xtwx = DMatrix::<f64>::zeros(p, p);
    let mut xtwz = DVector::<f64>::zeros(p);
    for i in 0..x.nrows() {
        let row = x.row(i);
        for a in 0..p {
            xtwz[a] += w[i] * row[a] * z[i];
            for b in 0..p {
                xtwx[(a, b)] += w[i] * row[a] * row[b];
            }
        }
    }
    for a in 1..p {
        xtwx[(a, a)] += RIDGE;
    }
    xtwx[(0, 0)] += 1e-9;
    xtwx.cholesky()
        .map(|c| c.solve(&xtwz))
        .unwrap_or_else(|| DVector::zeros(p))
}

/// NB2 regression by iteratively reweighted least squares, the dispersion by Pearson moments.
fn fit_negbin(x: &DMatrix<f64>, y: &[f64]) -> Fitted {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let mut beta = DVector::<f64>::zeros(x.ncols());
    beta[0] = (mean + 0.1).ln();
    let mut dispersion: f64 = 0.1;
    for _ in 0..25 {
        let eta = x * &beta;
        let mu: Vec<f64> = eta.iter().map(|e| e.clamp(-20.0, 20.0).exp()).collect();
        // Working response and weights of the log link: z = η + (y − μ)/μ, w = μ / (1 + φμ).
        let z = DVector::from_iterator(n, (0..n).map(|i| eta[i] + (y[i] - mu[i]) / mu[i]));
        let w: Vec<f64> = mu.iter().map(|m| m / (1.0 + dispersion * m)).collect();
        let next = weighted_least_squares(x, &z, &w);
        let mu: Vec<f64> = (x * &next)
            .iter()
            .map(|e| e.clamp(-20.0, 20.0).exp())
            .collect();
        let dof = (n as f64 - x.ncols() as f64).max(1.0);
        let excess: f64 = (0..n)
            .map(|i| ((y[i] - mu[i]).powi(2) - mu[i]) / (mu[i] * mu[i]))
            .sum::<f64>()
            / dof;
        let converged = (&next - &beta).amax() < 1e-8;
        beta = next;
        dispersion = excess.clamp(1e-6, 50.0);
        if converged {
            break;
        }
    }
    Fitted {
        beta,
        seasonal: None,
        dispersion,
        residuals: Vec::new(),
    }
}

fn regression_paths(
    series: &[f64],
    reverse: Option<&[f64]>,
    settings: &Settings,
    rng: &mut ChaCha8Rng,
) -> Vec<Vec<f64>> {
    let own_fit = fit(series, reverse, settings);
    let other_fit = reverse.map(|r| fit(r, Some(series), settings));
    let n = series.len();
    let mut paths = Vec::with_capacity(settings.samples);
    let mut own = series.to_vec();
    let mut other = reverse.map(<[f64]>::to_vec);
    for _ in 0..settings.samples {
        own.truncate(n);
        if let Some(o) = other.as_mut() {
            o.truncate(n);
        }
        for t in n..n + settings.horizon {
            let next_own = draw(&own_fit, &own, other.as_deref(), t, settings, rng);
            let next_other = match (&other_fit, other.as_deref()) {
                (Some(fit), Some(o)) => Some(draw(fit, o, Some(&own), t, settings, rng)),
                _ => None,
            };
            own.push(next_own);
            if let (Some(o), Some(v)) = (other.as_mut(), next_other) {
                o.push(v);
            }
        }
        paths.push(own[n..].to_vec());
    }
    paths
}

fn draw(
    fit: &Fitted,
    own: &[f64],
    other: Option<&[f64]>,
    t: usize,
    settings: &Settings,
    rng: &mut ChaCha8Rng,
) -> f64 {
    let x = DVector::from_vec(regressors(own, other, t, fit.seasonal, settings.target));
    let eta = fit.beta.dot(&x);
    match settings.target {
        Target::Counts => {
            let mu = eta.clamp(-20.0, 12.0).exp();
            // NB2 as a Gamma–Poisson mixture.
            let shape = 1.0 / fit.dispersion;
            let rate = Gamma::new(shape, mu / shape)
                .map(|g| g.sample(rng))
                .unwrap_or(mu);
            if rate > 0.0 {
                Poisson::new(rate)
                    .map(|p| p.sample(rng))
                    .unwrap_or(rate.round())
            } else {
                0.0
            }
        }
        Target::Goldstein => {
            let noise = if fit.residuals.is_empty() {
                0.0
            } else {
                fit.residuals[rng.random_range(0..fit.residuals.len())]
            };
            eta + noise
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(target: Target) -> Settings {
        Settings {
            target,
            periods_per_year: 52.0,
            horizon: 3,
            samples: 4000,
            seed: 7,
        }
    }

    #[test]
    fn crps_of_samples_matches_the_closed_form_for_a_point_mass_and_two_points() {
        let point = Predictive::from_samples(vec![2.0; 10]);
        assert!((point.crps(5.0) - 3.0).abs() < 1e-12);
        // Two equally likely points 0 and 2, outcome 1: E|X−y| = 1, E|X−X'| = 1 → CRPS 0.5.
        let two = Predictive::from_samples(vec![0.0, 2.0]);
        assert!((two.crps(1.0) - 0.5).abs() < 1e-12);
        assert_eq!((two.quantile(0.5), two.quantile(0.51)), (0.0, 2.0));
    }

    /// A series a little short of two years, forecast past the two-year mark: the simulated periods must use the
    /// fitted model's regressors (once, the annual cycle joined them mid-path and the dot product panicked).
    #[test]
    fn forecasts_crossing_two_years_of_periods_keep_the_fitted_regressors() {
        let series: Vec<f64> = (0..100).map(|i| (3 + i % 5) as f64).collect();
        let reverse: Vec<f64> = (0..100).map(|i| (2 + i % 3) as f64).collect();
        for target in [Target::Counts, Target::Goldstein] {
            let s = Settings {
                horizon: 12,
                samples: 200,
                ..settings(target)
            };
            for model in [Model::NegBinomial, Model::Calibrated] {
                let f = forecast(model, &series, Some(&reverse), &s).unwrap();
                assert_eq!(f.steps.len(), 12);
                assert!(f.steps.iter().all(|p| p.mean().is_finite()));
            }
        }
    }

    #[test]
    fn last_poisson_centres_on_the_last_count() {
        let f = forecast(
            Model::LastPoisson,
            &[3.0, 9.0, 20.0],
            None,
            &settings(Target::Counts),
        )
        .unwrap();
        for step in &f.steps {
            assert!((step.mean() - 20.0).abs() < 0.5, "{}", step.mean());
        }
        let zero = forecast(
            Model::LastPoisson,
            &[3.0, 0.0],
            None,
            &settings(Target::Counts),
        )
        .unwrap();
        assert_eq!(zero.steps[0].quantile(0.99), 0.0);
    }

    #[test]
    fn negbin_regression_learns_a_persistent_level_and_widens_with_the_horizon() {
        // A series that alternates between a low and a high regime with noise.
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut y = Vec::new();
        for t in 0..120 {
            let level: f64 = if (t / 20) % 2 == 0 { 5.0 } else { 40.0 };
            y.push(Poisson::new(level).unwrap().sample(&mut rng));
        }
        let rev: Vec<f64> = y.iter().map(|v| (v / 2.0).round()).collect();
        let s = Settings {
            horizon: 6,
            ..settings(Target::Counts)
        };
        let f = forecast(Model::NegBinomial, &y, Some(&rev), &s).unwrap();
        // The last regime is high (t = 100..119): the first step must be near 40, far from the global mean.
        assert!(
            (f.steps[0].mean() - 40.0).abs() < 8.0,
            "{}",
            f.steps[0].mean()
        );
        let width = |p: &Predictive| p.quantile(0.95) - p.quantile(0.05);
        assert!(width(&f.steps[5]) >= width(&f.steps[0]));
        let boot = forecast(Model::Bootstrap, &y, None, &s).unwrap();
        let truth = 40.0;
        assert!(f.steps[0].crps(truth) < boot.steps[0].crps(truth));
    }

    #[test]
    fn recalibration_brings_coverage_towards_nominal() {
        // Levels that jump every few periods: the regression's intervals are off.
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let y: Vec<f64> = (0..90)
            .map(|t| {
                let level = [4.0, 30.0, 12.0, 45.0, 2.0][(t / 6) % 5];
                Poisson::new(level).unwrap().sample(&mut rng)
            })
            .collect();
        let s = Settings {
            horizon: 2,
            samples: 400,
            ..settings(Target::Counts)
        };
        let origins = crate::backtest::origins(y.len(), 2, 40, 30);
        let scores = crate::backtest::summary(
            &crate::backtest::backtest(
                &[Model::NegBinomial, Model::Calibrated],
                &y,
                None,
                &origins,
                &s,
            )
            .unwrap(),
        );
        let (nb, cal) = (&scores[0], &scores[1]);
        let miss =
            |s: &crate::backtest::Score| (s.coverage50 - 0.5).abs() + (s.coverage90 - 0.9).abs();
        assert!(
            miss(nb) > 0.15,
            "the plain regression is miscalibrated here: {nb:?}"
        );
        assert!(
            miss(cal) < miss(nb) / 2.0,
            "negbin {nb:?}\ncalibrated {cal:?}"
        );
        // The PIT of a count is spread over the mass at it.
        let p = Predictive::from_samples(vec![1.0, 2.0, 2.0, 3.0]);
        assert_eq!(
            (p.pit(2.0, 0.0), p.pit(2.0, 1.0), p.pit(9.0, 0.5)),
            (0.25, 0.75, 1.0)
        );
    }

    #[test]
    fn goldstein_sums_can_be_negative_and_short_series_are_refused() {
        let y = [
            -10.0, -12.0, -8.0, -15.0, -11.0, -9.0, -14.0, -10.0, -12.0, -13.0,
        ];
        let f = forecast(Model::NegBinomial, &y, None, &settings(Target::Goldstein)).unwrap();
        assert!(f.steps[0].mean() < 0.0);
        let err = forecast(
            Model::NegBinomial,
            &y[..3],
            None,
            &settings(Target::Goldstein),
        )
        .unwrap_err();
        assert_eq!(
            err,
            ForecastError::TooShort {
                model: "negbin",
                got: 3,
                need: MIN_REGRESSION_PERIODS
            }
        );
        assert!(
            forecast(
                Model::Bootstrap,
                &y,
                Some(&y[..4]),
                &settings(Target::Counts)
            )
            .is_err()
        );
    }
}
