//! Rolling-origin evaluation of dyad forecasts.
//!
//! For each origin `o` (the number of periods the model may see), every model is fitted on `series[..o]`
//! and forecasts `horizon` periods; each forecast of period `o + h − 1` that has an outcome is scored.
//! Scores, averaged per model and horizon:
//! * CRPS of the predictive distribution (lower is better; in the series' units);
//! * MSE of log counts: (E[log(1 + X)] − log(1 + y))² for counts, (E[X] − y)² for Goldstein sums;
//! * coverage of the central 50% and 90% intervals (well calibrated: 0.5 and 0.9).

use crate::dyad::{Forecast, ForecastError, Model, Settings, Target, forecast};

/// Scores of one model at one horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    pub model: Model,
    pub horizon: usize,
    pub forecasts: usize,
    pub crps: f64,
    pub mse: f64,
    pub coverage50: f64,
    pub coverage90: f64,
}

/// The origins used: `origins` evenly spaced ones ending so that the last full horizon is scored, none
/// earlier than `min_train`.
pub fn origins(len: usize, horizon: usize, origins: usize, min_train: usize) -> Vec<usize> {
    let last = len.saturating_sub(horizon).max(min_train);
    if last < min_train || len <= min_train || origins == 0 {
        return Vec::new();
    }
    let span = last - min_train;
    let n = origins.min(span + 1);
    let mut out: Vec<usize> = (0..n)
        .map(|i| {
            if n == 1 {
                last
            } else {
                min_train + span * i / (n - 1)
            }
        })
        .collect();
    out.dedup();
    out
}

/// Backtests `models` on `series` (and its reverse direction) at the given origins.
pub fn backtest(
    models: &[Model],
    series: &[f64],
    reverse: Option<&[f64]>,
    origins: &[usize],
    settings: &Settings,
) -> Result<Vec<Score>, ForecastError> {
    let mut out = Vec::new();
    for &model in models {
        let mut acc = vec![(0usize, 0.0, 0.0, 0usize, 0usize); settings.horizon];
        for &origin in origins {
            let seen = &series[..origin];
            let seen_reverse = reverse.map(|r| &r[..origin]);
            let f: Forecast = forecast(
                model,
                seen,
                seen_reverse,
                &Settings {
                    seed: settings.seed ^ origin as u64,
                    ..*settings
                },
            )?;
            for (h, step) in f.steps.iter().enumerate() {
                let Some(&y) = series.get(origin + h) else {
                    break;
                };
                let a = &mut acc[h];
                a.0 += 1;
                a.1 += step.crps(y);
                a.2 += match settings.target {
                    Target::Counts => {
                        (step.mean_of(|x| x.max(0.0).ln_1p()) - y.max(0.0).ln_1p()).powi(2)
                    }
                    Target::Goldstein => (step.mean() - y).powi(2),
                };
                a.3 += step.covers(y, 0.5) as usize;
                a.4 += step.covers(y, 0.9) as usize;
            }
        }
        for (h, (n, crps, mse, c50, c90)) in acc.into_iter().enumerate() {
            if n == 0 {
                continue;
            }
            let nf = n as f64;
            out.push(Score {
                model,
                horizon: h + 1,
                forecasts: n,
                crps: crps / nf,
                mse: mse / nf,
                coverage50: c50 as f64 / nf,
                coverage90: c90 as f64 / nf,
            });
        }
    }
    Ok(out)
}

/// Averages over horizons per model (each horizon weighted by its number of forecasts).
pub fn summary(scores: &[Score]) -> Vec<Score> {
    let mut models: Vec<Model> = scores.iter().map(|s| s.model).collect();
    models.dedup();
    models
        .into_iter()
        .map(|model| {
            let rows: Vec<&Score> = scores.iter().filter(|s| s.model == model).collect();
            let n: usize = rows.iter().map(|s| s.forecasts).sum();
            let avg = |f: &dyn Fn(&Score) -> f64| {
                rows.iter().map(|s| f(s) * s.forecasts as f64).sum::<f64>() / n.max(1) as f64
            };
            Score {
                model,
                horizon: 0,
                forecasts: n,
                crps: avg(&|s| s.crps),
                mse: avg(&|s| s.mse),
                coverage50: avg(&|s| s.coverage50),
                coverage90: avg(&|s| s.coverage90),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_leave_room_for_the_horizon_and_respect_the_minimum() {
        assert_eq!(origins(20, 4, 3, 8), vec![8, 12, 16]);
        assert_eq!(origins(20, 4, 100, 14), vec![14, 15, 16]);
        assert!(origins(5, 4, 3, 8).is_empty());
    }

    #[test]
    fn a_model_that_tracks_the_level_beats_the_bootstrap_on_a_trend() {
        let series: Vec<f64> = (0..60).map(|t| (t as f64 * 1.5).round()).collect();
        let s = Settings {
            target: Target::Counts,
            periods_per_year: 52.0,
            horizon: 2,
            samples: 1000,
            seed: 1,
        };
        let o = origins(series.len(), 2, 10, 20);
        let scores = backtest(
            &[Model::LastPoisson, Model::Bootstrap],
            &series,
            None,
            &o,
            &s,
        )
        .unwrap();
        let crps = |m: Model, h: usize| {
            scores
                .iter()
                .find(|x| x.model == m && x.horizon == h)
                .unwrap()
                .crps
        };
        assert!(crps(Model::LastPoisson, 1) < crps(Model::Bootstrap, 1) / 3.0);
        let sum = summary(&scores);
        assert_eq!(sum.len(), 2);
        assert_eq!(sum[0].forecasts, 2 * o.len());
    }
}
