//! Vector autoregression in the tradition of Goldstein & Freeman (1991): the directed series of a triad
//! explained by their own past and each other's.
//!
//! Estimation follows Lütkepohl (2005) and matches `statsmodels`' `VAR(...).fit(p, trend="c")`:
//! equation-by-equation OLS with a constant; Σ̂ᵤ = SSR / (T − kp − 1); coefficient covariance
//! (Z′Z)⁻¹ ⊗ Σ̂ᵤ. Lag order: AIC/BIC on ln det Σ̃ᵤ (ML) with p k² + k parameters, every order fitted on the
//! same sample (the first `max_lags` observations held back), as `select_order`. Granger causality: Wald
//! test of the lags of the causing variables in the caused equations, reported as F = W / q on
//! (q, k (T − kp − 1)) degrees of freedom. Impulse responses are orthogonalised by the Cholesky factor of
//! Σ̂ᵤ (variable order = shock ordering); bands come from a residual bootstrap; the forecast-error variance
//! decomposition is built from the orthogonalised responses.

use nalgebra::{DMatrix, DVector};
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

/// Why a VAR cannot be fitted.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum VarError {
    #[error("{0} observations are too few for a VAR({1}) in {2} variables")]
    TooShort(usize, usize, usize),
    #[error(
        "the regressors are collinear (a series is constant or duplicates another): cannot invert Z'Z"
    )]
    Singular,
    #[error("the residual covariance is not positive definite (a series may be constant)")]
    NotPositiveDefinite,
}

/// The six directed pairs of a triad, in the order of the triangular VAR: A→B, B→A, A→C, C→A, B→C, C→B.
pub const TRIAD_PAIRS: [(u16, u16); 6] = [(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)];

/// The data of a triangular VAR: one row per period of `[from, to]`, one column per directed pair of the triad
/// (actors 0, 1, 2 of the events), each the pair's Goldstein sum; and the columns' names (`A→B`, …).
pub fn triad_data(
    events: &[crate::Event],
    labels: &[String],
    period: crate::Period,
    from: i32,
    to: i32,
) -> (Vec<String>, DMatrix<f64>) {
    let names = TRIAD_PAIRS
        .iter()
        .map(|&(s, d)| format!("{}→{}", labels[s as usize], labels[d as usize]))
        .collect();
    let periods = period.range(from, to);
    let mut data = DMatrix::zeros(periods.len(), 6);
    for (v, &(s, d)) in TRIAD_PAIRS.iter().enumerate() {
        let series = crate::dyad::dyad_series(events, s.min(d), s.max(d), period, from, to, None);
        for (t, point) in series
            .iter()
            .filter(|p| p.source == s && p.target == d)
            .enumerate()
        {
            data[(t, v)] = point.goldstein_sum;
        }
    }
    (names, data)
}

/// Lower and upper bands of impulse responses, one matrix per horizon.
pub type Bands = (Vec<DMatrix<f64>>, Vec<DMatrix<f64>>);

/// A fitted VAR(p) with a constant.
#[derive(Debug, Clone)]
pub struct VarFit {
    pub k: usize,
    pub p: usize,
    /// Observations used (T = n − p).
    pub nobs: usize,
    /// (1 + k p) × k: row 0 the constants, then lag 1 of variables 0..k, lag 2, ...; column = equation.
    pub params: DMatrix<f64>,
    /// Σ̂ᵤ = SSR / (T − kp − 1).
    pub sigma_u: DMatrix<f64>,
    pub resid: DMatrix<f64>,
    /// (Z′Z)⁻¹
    zz_inv: DMatrix<f64>,
    /// The data the model was fitted on (n × k), kept for the bootstrap.
    data: DMatrix<f64>,
}

/// Z (T × (1 + kp)) and Y (T × k) for a VAR(p) on `data[offset..]`.
fn design(data: &DMatrix<f64>, p: usize, offset: usize) -> (DMatrix<f64>, DMatrix<f64>) {
    let (n, k) = data.shape();
    let t = n - offset - p;
    let mut z = DMatrix::zeros(t, 1 + k * p);
    let mut y = DMatrix::zeros(t, k);
    for row in 0..t {
        let now = offset + p + row;
        z[(row, 0)] = 1.0;
        for lag in 1..=p {
            for v in 0..k {
                z[(row, 1 + (lag - 1) * k + v)] = data[(now - lag, v)];
            }
        }
        for v in 0..k {
            y[(row, v)] = data[(now, v)];
        }
    }
    (z, y)
}

/// Coefficients, residuals and (Z′Z)⁻¹ of a least-squares fit.
type OlsFit = (DMatrix<f64>, DMatrix<f64>, DMatrix<f64>);

fn ols(z: &DMatrix<f64>, y: &DMatrix<f64>) -> Result<OlsFit, VarError> {
    let zz_inv = (z.transpose() * z)
        .try_inverse()
        .ok_or(VarError::Singular)?;
    let params = &zz_inv * z.transpose() * y;
    let resid = y - z * &params;
    Ok((params, resid, zz_inv))
}

/// Fits a VAR(p) with a constant to `data` (rows = time, columns = variables).
pub fn fit(data: &DMatrix<f64>, p: usize) -> Result<VarFit, VarError> {
    let (n, k) = data.shape();
    if n <= p + k * p + 1 {
        return Err(VarError::TooShort(n, p, k));
    }
    let (z, y) = design(data, p, 0);
    let (params, resid, zz_inv) = ols(&z, &y)?;
    let t = n - p;
    let df = (t - k * p - 1) as f64;
    let sigma_u = resid.transpose() * &resid / df;
    Ok(VarFit {
        k,
        p,
        nobs: t,
        params,
        sigma_u,
        resid,
        zz_inv,
        data: data.clone(),
    })
}

/// Information criteria of each lag order 0..=max_lags (same sample for all).
#[derive(Debug, Clone, PartialEq)]
pub struct LagSelection {
    pub aic: Vec<f64>,
    pub bic: Vec<f64>,
    pub best_aic: usize,
    pub best_bic: usize,
}

pub fn select_order(data: &DMatrix<f64>, max_lags: usize) -> Result<LagSelection, VarError> {
    let (n, k) = data.shape();
    if n <= max_lags + k * max_lags + 1 {
        return Err(VarError::TooShort(n, max_lags, k));
    }
    let (mut aic, mut bic) = (Vec::new(), Vec::new());
    for p in 0..=max_lags {
        let (z, y) = design(data, p, max_lags - p);
        let (_, resid, _) = ols(&z, &y)?;
        let t = z.nrows() as f64;
        let sigma_mle = resid.transpose() * &resid / t;
        let ld = sigma_mle
            .cholesky()
            .ok_or(VarError::NotPositiveDefinite)?
            .l()
            .diagonal()
            .map(|d| d.ln())
            .sum()
            * 2.0;
        let free = (p * k * k + k) as f64;
        aic.push(ld + 2.0 / t * free);
        bic.push(ld + t.ln() / t * free);
    }
    let argmin = |v: &[f64]| {
        v.iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| i)
            .unwrap_or(0)
    };
    Ok(LagSelection {
        best_aic: argmin(&aic),
        best_bic: argmin(&bic),
        aic,
        bic,
    })
}

/// A Granger / block-exogeneity test.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct GrangerTest {
    pub caused: Vec<usize>,
    pub causing: Vec<usize>,
    pub f: f64,
    pub df_num: usize,
    pub df_den: usize,
    pub p_value: f64,
}

impl VarFit {
    fn df_resid(&self) -> usize {
        self.nobs - self.k * self.p - 1
    }

    /// Coefficient of lag `lag` (1-based) of variable `from` in the equation of `to`.
    pub fn coef(&self, to: usize, from: usize, lag: usize) -> f64 {
        self.params[(1 + (lag - 1) * self.k + from, to)]
    }

    /// Do the lags of `causing` help predict `caused`? (Wald test as F.)
    pub fn granger(&self, caused: &[usize], causing: &[usize]) -> GrangerTest {
        let (k, p) = (self.k, self.p);
        // Index into vec(params') (row-major params): (row, eq) → row * k + eq.
        let mut idx = Vec::new();
        for lag in 0..p {
            for &ing in causing {
                for &ed in caused {
                    idx.push(((1 + lag * k + ing), ed));
                }
            }
        }
        let q = idx.len();
        let b = DVector::from_iterator(q, idx.iter().map(|&(r, e)| self.params[(r, e)]));
        let v = DMatrix::from_fn(q, q, |i, j| {
            let ((r1, e1), (r2, e2)) = (idx[i], idx[j]);
            self.zz_inv[(r1, r2)] * self.sigma_u[(e1, e2)]
        });
        let w = match v.try_inverse() {
            Some(inv) => (b.transpose() * inv * &b)[(0, 0)],
            None => f64::NAN,
        };
        let f = w / q as f64;
        let df_den = k * self.df_resid();
        let p_value = FisherSnedecor::new(q as f64, df_den as f64)
            .map(|d| 1.0 - d.cdf(f))
            .unwrap_or(f64::NAN);
        GrangerTest {
            caused: caused.to_vec(),
            causing: causing.to_vec(),
            f,
            df_num: q,
            df_den,
            p_value,
        }
    }

    /// Moving-average coefficients Φ₀..Φ_h (k × k each).
    fn ma_rep(&self, horizon: usize) -> Vec<DMatrix<f64>> {
        let k = self.k;
        let a: Vec<DMatrix<f64>> = (0..self.p)
            .map(|lag| DMatrix::from_fn(k, k, |to, from| self.params[(1 + lag * k + from, to)]))
            .collect();
        let mut phi = vec![DMatrix::identity(k, k)];
        // Φ_i = Σ_{j ≤ min(i, p)} Φ_{i−j} A_j (Lütkepohl 2.1.22; the product order statsmodels uses).
        for i in 1..=horizon {
            let mut m = DMatrix::zeros(k, k);
            for j in 1..=i.min(self.p) {
                m += &phi[i - j] * &a[j - 1];
            }
            phi.push(m);
        }
        phi
    }

    /// Orthogonalised impulse responses Θ₀..Θ_h: `[h][(response, shock)]`.
    pub fn orth_irf(&self, horizon: usize) -> Result<Vec<DMatrix<f64>>, VarError> {
        let chol = self
            .sigma_u
            .clone()
            .cholesky()
            .ok_or(VarError::NotPositiveDefinite)?
            .l();
        Ok(self
            .ma_rep(horizon)
            .into_iter()
            .map(|phi| phi * &chol)
            .collect())
    }

    /// Forecast-error variance decomposition: `[h][(variable, shock)]`, rows summing to 1.
    pub fn fevd(&self, horizon: usize) -> Result<Vec<DMatrix<f64>>, VarError> {
        let theta = self.orth_irf(horizon)?;
        let k = self.k;
        let mut acc = DMatrix::zeros(k, k);
        let mut out = Vec::new();
        for t in &theta {
            acc += t.map(|x| x * x);
            let totals: Vec<f64> = (0..k).map(|i| acc.row(i).sum()).collect();
            out.push(DMatrix::from_fn(k, k, |i, j| {
                if totals[i] > 0.0 {
                    acc[(i, j)] / totals[i]
                } else {
                    f64::NAN
                }
            }));
        }
        Ok(out)
    }

    /// Residual-bootstrap bands of the orthogonalised IRFs: (lower, upper) at `level` (e.g. 0.9), from
    /// `reps` replications with a seeded generator (deterministic).
    pub fn irf_bands(
        &self,
        horizon: usize,
        reps: usize,
        level: f64,
        seed: u64,
    ) -> Result<Bands, VarError> {
        let (n, k) = self.data.shape();
        let p = self.p;
        let mut rng = seed.max(1);
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        let mut draws: Vec<Vec<DMatrix<f64>>> = Vec::with_capacity(reps);
        for _ in 0..reps {
            let mut sim = DMatrix::zeros(n, k);
            for t in 0..p {
                for v in 0..k {
                    sim[(t, v)] = self.data[(t, v)];
                }
            }
            for t in p..n {
                let r = (next() % self.nobs as u64) as usize;
                for v in 0..k {
                    let mut x = self.params[(0, v)] + self.resid[(r, v)];
                    for lag in 1..=p {
                        for w in 0..k {
                            x += self.params[(1 + (lag - 1) * k + w, v)] * sim[(t - lag, w)];
                        }
                    }
                    sim[(t, v)] = x;
                }
            }
            if let Ok(f) = fit(&sim, p)
                && let Ok(irf) = f.orth_irf(horizon)
            {
                draws.push(irf);
            }
        }
        let quantile = |h: usize, i: usize, j: usize, q: f64| {
            let mut v: Vec<f64> = draws.iter().map(|d| d[h][(i, j)]).collect();
            v.sort_by(|a, b| a.total_cmp(b));
            if v.is_empty() {
                return f64::NAN;
            }
            v[((v.len() - 1) as f64 * q).round() as usize]
        };
        let lo = (1.0 - level) / 2.0;
        let lower = (0..=horizon)
            .map(|h| DMatrix::from_fn(k, k, |i, j| quantile(h, i, j, lo)))
            .collect();
        let upper = (0..=horizon)
            .map(|h| DMatrix::from_fn(k, k, |i, j| quantile(h, i, j, 1.0 - lo)))
            .collect();
        Ok((lower, upper))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A known VAR(1) simulated with fixed noise: the estimates recover its coefficients.
    #[test]
    fn recovers_a_known_var1() {
        let n = 4000;
        let mut state = 7u64;
        let mut noise = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 2.0
        };
        let mut data = DMatrix::zeros(n, 2);
        for t in 1..n {
            let (x, y) = (data[(t - 1, 0)], data[(t - 1, 1)]);
            data[(t, 0)] = 1.0 + 0.5 * x + 0.2 * y + noise();
            data[(t, 1)] = -0.5 + 0.0 * x + 0.3 * y + noise();
        }
        let f = fit(&data, 1).unwrap();
        assert!((f.coef(0, 0, 1) - 0.5).abs() < 0.05 && (f.coef(0, 1, 1) - 0.2).abs() < 0.05);
        assert!(f.coef(1, 0, 1).abs() < 0.05);
        assert!(f.granger(&[0], &[1]).p_value < 1e-6, "y drives x");
        assert!(f.granger(&[1], &[0]).p_value > 0.001, "x does not drive y");
        let fevd = f.fevd(10).unwrap();
        assert!((fevd[10].row(0).sum() - 1.0).abs() < 1e-12);
        assert_eq!(select_order(&data, 4).unwrap().best_bic, 1);
        let irf = f.orth_irf(5).unwrap();
        let (lo, hi) = f.irf_bands(5, 50, 0.9, 1).unwrap();
        assert!(lo[1][(0, 0)] <= irf[1][(0, 0)] && irf[1][(0, 0)] <= hi[1][(0, 0)]);
    }

    #[test]
    fn too_short_and_singular_are_errors() {
        assert_eq!(
            fit(&DMatrix::zeros(3, 2), 1).unwrap_err(),
            VarError::TooShort(3, 1, 2)
        );
        assert_eq!(
            fit(&DMatrix::from_element(20, 2, 1.0), 1).unwrap_err(),
            VarError::Singular
        );
    }
}
