//! Change points in a series.
//!
//! **Offline: PELT** (Killick, Fearnhead & Eckley 2012) minimises Σ cost(segment) + penalty × (segments − 1)
//! exactly, pruning candidates that can never be optimal again. The search follows `ruptures`' `Pelt`
//! (candidate breakpoints every `jump` points, segments of at least `min_size` points), so both give the
//! same breakpoints for the same cost and penalty. Costs:
//!
//! * `L2`: Σ (y − ȳ)², a change in mean;
//! * `Normal`: n · ln(σ̂² + 10⁻⁶) with σ̂² the segment's population variance, a change in mean and/or variance
//!   (as `ruptures`' `CostNormal` with its small diagonal term);
//! * `Poisson`: 2 (n λ̂ − S ln λ̂) with λ̂ = S / n, S the segment's total: −2 × log-likelihood of counts up to
//!   terms that do not depend on the segmentation (a segment of zeros costs 0).
//!
//! Default penalties (BIC): `Normal` 3 ln n (mean, variance and location per change); `Poisson` 2 ln n (rate
//! and location); `L2` 2 σ̂² ln n, σ̂ estimated from first differences (σ̂ = MAD(Δy) / (0.6745 √2)), robust to
//! the changes themselves.
//!
//! **Online: Bayesian change-point detection** (Adams & MacKay 2007) with a constant hazard 1/λ and a
//! Normal–Gamma model (unknown mean and variance), updated one observation at a time; it reports the
//! posterior probability that a change happened within the last `window` observations, and the most
//! probable run length.

use std::str::FromStr;

/// A segment cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cost {
    L2,
    Normal,
    Poisson,
}

impl FromStr for Cost {
    type Err = fulcrum_model::ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "l2" | "mean" => Ok(Cost::L2),
            "normal" | "meanvar" => Ok(Cost::Normal),
            "poisson" | "counts" => Ok(Cost::Poisson),
            _ => Err(fulcrum_model::ValueError::new(
                s,
                "a segment cost",
                "l2, normal or poisson",
            )),
        }
    }
}

/// Prefix sums that give any segment's cost in O(1).
struct Sums {
    s1: Vec<f64>,
    s2: Vec<f64>,
}

impl Sums {
    fn new(y: &[f64]) -> Self {
        let mut s1 = Vec::with_capacity(y.len() + 1);
        let mut s2 = Vec::with_capacity(y.len() + 1);
        s1.push(0.0);
        s2.push(0.0);
        for &v in y {
            s1.push(s1.last().unwrap() + v);
            s2.push(s2.last().unwrap() + v * v);
        }
        Sums { s1, s2 }
    }

    /// Cost of `y[start..end]`.
    fn cost(&self, cost: Cost, start: usize, end: usize) -> f64 {
        let n = (end - start) as f64;
        let s = self.s1[end] - self.s1[start];
        let ss = self.s2[end] - self.s2[start];
        match cost {
            Cost::L2 => (ss - s * s / n).max(0.0),
            Cost::Normal => {
                let var = (ss / n - (s / n).powi(2)).max(0.0);
                n * (var + 1e-6).ln()
            }
            Cost::Poisson => {
                if s <= 0.0 {
                    0.0
                } else {
                    let rate = s / n;
                    2.0 * (n * rate - s * rate.ln())
                }
            }
        }
    }
}

/// The BIC-style default penalty for `cost` on `y` (see the module docs).
pub fn default_penalty(cost: Cost, y: &[f64]) -> f64 {
    let ln_n = (y.len().max(2) as f64).ln();
    match cost {
        Cost::Normal => 3.0 * ln_n,
        Cost::Poisson => 2.0 * ln_n,
        Cost::L2 => {
            let mut d: Vec<f64> = y.windows(2).map(|w| w[1] - w[0]).collect();
            let mad = if d.is_empty() {
                0.0
            } else {
                let med = median(&mut d);
                let mut dev: Vec<f64> = d.iter().map(|x| (x - med).abs()).collect();
                median(&mut dev)
            };
            let mut sigma = mad / (0.6745 * std::f64::consts::SQRT_2);
            if sigma == 0.0 && d.len() > 1 {
                // Over half the differences are equal (e.g. a mostly flat count series): fall back to their
                // standard deviation.
                let m = d.iter().sum::<f64>() / d.len() as f64;
                sigma = (d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (d.len() - 1) as f64)
                    .sqrt()
                    / std::f64::consts::SQRT_2;
            }
            2.0 * sigma * sigma * ln_n
        }
    }
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// PELT. Returns the breakpoints as `ruptures` does: the end index of each segment, the last being `y.len()`.
pub fn pelt(y: &[f64], cost: Cost, penalty: f64, min_size: usize, jump: usize) -> Vec<usize> {
    let n = y.len();
    if n == 0 {
        return Vec::new();
    }
    let (min_size, jump) = (min_size.max(1), jump.max(1));
    let sums = Sums::new(y);
    // best[t] = (total cost of the best partition of y[..t] including penalties, breakpoints).
    let mut best: std::collections::HashMap<usize, (f64, Vec<usize>)> =
        std::collections::HashMap::new();
    best.insert(0, (0.0, Vec::new()));
    let mut admissible: Vec<usize> = Vec::new();
    let mut ends: Vec<usize> = (0..n).step_by(jump).filter(|&k| k >= min_size).collect();
    ends.push(n);
    for &end in &ends {
        // A series shorter than min_size is one segment (the subtraction would underflow).
        let candidate = end.saturating_sub(min_size) / jump * jump;
        admissible.push(candidate);
        let mut options: Vec<(usize, f64)> = Vec::with_capacity(admissible.len());
        for &t in &admissible {
            if let Some((total, _)) = best.get(&t) {
                options.push((t, total + sums.cost(cost, t, end) + penalty));
            }
        }
        // ruptures keeps the first minimum in admissible order.
        let Some(&(arg, value)) = options.iter().min_by(|a, b| a.1.total_cmp(&b.1)) else {
            continue;
        };
        let mut bkps = best[&arg].1.clone();
        bkps.push(end);
        best.insert(end, (value, bkps));
        let keep: std::collections::HashSet<usize> = options
            .iter()
            .filter(|o| o.1 <= value + penalty)
            .map(|o| o.0)
            .collect();
        admissible.retain(|t| keep.contains(t));
    }
    best.remove(&n).map(|(_, b)| b).unwrap_or_else(|| vec![n])
}

/// One step of online detection.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct OnlineStep {
    /// Posterior probability that the current run started within the last `window` observations.
    pub p_recent_change: f64,
    /// The most probable run length (observations since the last change).
    pub map_run_length: usize,
}

/// Adams & MacKay online Bayesian change-point detection with a Normal–Gamma model.
/// `hazard_lambda` is the expected run length; the prior is centred on the series' first value with a
/// scale from its overall variance (weakly informative).
pub fn bocpd(y: &[f64], hazard_lambda: f64, window: usize) -> Vec<OnlineStep> {
    if y.is_empty() {
        return Vec::new();
    }
    let h = 1.0 / hazard_lambda.max(1.0);
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let var = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).max(1e-6);
    // Normal-Gamma prior: mu0, kappa0, alpha0, beta0 (beta0 / alpha0 = prior variance guess).
    let (mu0, kappa0, alpha0, beta0) = (y[0], 1.0, 1.0, var);
    let mut mu = vec![mu0];
    let mut kappa = vec![kappa0];
    let mut alpha = vec![alpha0];
    let mut beta = vec![beta0];
    let mut r = vec![1.0f64]; // run-length distribution
    let mut out = Vec::with_capacity(y.len());
    for &x in y {
        // Student-t predictive of x for each run length.
        let pred: Vec<f64> = (0..r.len())
            .map(|i| {
                let df = 2.0 * alpha[i];
                let scale2 = beta[i] * (kappa[i] + 1.0) / (alpha[i] * kappa[i]);
                student_t_pdf(x, mu[i], scale2, df)
            })
            .collect();
        let mut next = vec![0.0; r.len() + 1];
        let mut change = 0.0;
        for i in 0..r.len() {
            let m = r[i] * pred[i];
            next[i + 1] = m * (1.0 - h);
            change += m * h;
        }
        next[0] = change;
        let total: f64 = next.iter().sum();
        if total > 0.0 && total.is_finite() {
            next.iter_mut().for_each(|v| *v /= total);
        } else {
            next = vec![0.0; r.len() + 1];
            next[0] = 1.0;
        }
        // Update the sufficient statistics: run length 0 restarts from the prior.
        let mut nmu = vec![mu0];
        let mut nkappa = vec![kappa0];
        let mut nalpha = vec![alpha0];
        let mut nbeta = vec![beta0];
        for i in 0..r.len() {
            nmu.push((kappa[i] * mu[i] + x) / (kappa[i] + 1.0));
            nkappa.push(kappa[i] + 1.0);
            nalpha.push(alpha[i] + 0.5);
            nbeta.push(beta[i] + kappa[i] * (x - mu[i]).powi(2) / (2.0 * (kappa[i] + 1.0)));
        }
        (mu, kappa, alpha, beta, r) = (nmu, nkappa, nalpha, nbeta, next);
        let map = r
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let recent: f64 = r.iter().take(window.max(1)).sum();
        out.push(OnlineStep {
            p_recent_change: recent,
            map_run_length: map,
        });
    }
    out
}

fn student_t_pdf(x: f64, mu: f64, scale2: f64, df: f64) -> f64 {
    use statrs::function::gamma::ln_gamma;
    let z = (x - mu).powi(2) / scale2;
    let ln = ln_gamma((df + 1.0) / 2.0)
        - ln_gamma(df / 2.0)
        - 0.5 * (df * std::f64::consts::PI * scale2).ln()
        - (df + 1.0) / 2.0 * (1.0 + z / df).ln();
    ln.exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_series_shorter_than_the_smallest_segment_is_one_segment() {
        for cost in [Cost::L2, Cost::Normal, Cost::Poisson] {
            assert_eq!(pelt(&[3.0], cost, 1.0, 2, 1), vec![1]);
            assert_eq!(pelt(&[3.0, 4.0], cost, 1.0, 5, 1), vec![2]);
        }
    }

    /// Uniform noise in [-0.5, 0.5) from a fixed linear congruential generator.
    fn noise(n: usize) -> Vec<f64> {
        let mut state: u64 = 42;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
            })
            .collect()
    }

    fn steps() -> Vec<f64> {
        noise(150).into_iter().enumerate().map(|(i, e)| if i < 50 { 0.0 } else if i < 100 { 5.0 } else { 1.0 } + e).collect()
    }

    #[test]
    fn pelt_finds_mean_shifts_with_each_cost() {
        let y = steps();
        for cost in [Cost::L2, Cost::Normal] {
            let b = pelt(&y, cost, default_penalty(cost, &y), 2, 1);
            assert_eq!(b, vec![50, 100, 150], "{cost:?}");
        }
        let counts: Vec<f64> = (0..120)
            .map(|i| {
                if i < 60 {
                    2.0 + (i % 3) as f64
                } else {
                    20.0 + (i % 5) as f64
                }
            })
            .collect();
        assert_eq!(
            pelt(
                &counts,
                Cost::Poisson,
                default_penalty(Cost::Poisson, &counts),
                2,
                1
            ),
            vec![60, 120]
        );
    }

    #[test]
    fn pelt_without_change_returns_one_segment() {
        let y: Vec<f64> = (0..80).map(|i| ((i * 31) % 7) as f64).collect();
        assert_eq!(pelt(&y, Cost::L2, 1e9, 2, 5), vec![80]);
        assert!(pelt(&[], Cost::L2, 1.0, 2, 1).is_empty());
    }

    #[test]
    fn online_detection_reacts_after_the_shift() {
        let y = steps();
        let steps = bocpd(&y, 100.0, 5);
        assert!(steps[40].p_recent_change < 0.5, "{:?}", steps[40]);
        assert!(steps[53].p_recent_change > 0.5, "{:?}", steps[53]);
        assert!(steps[95].map_run_length > 30, "{:?}", steps[95]);
    }
}
