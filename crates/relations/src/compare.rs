//! Comparing a window of a dyad with its usual behaviour: the tests the known-episode suite applies.

use statrs::distribution::{ContinuousCDF, Normal};

/// A window's events against the baseline's: rate and mean Goldstein.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WindowVsBaseline {
    pub window_events: u64,
    pub window_days: u32,
    pub baseline_events: u64,
    pub baseline_days: u32,
    /// Events per day in the window over events per day in the baseline (infinite with an empty baseline).
    pub rate_ratio: f64,
    pub window_mean: f64,
    pub baseline_mean: f64,
    /// Welch z of window mean − baseline mean (normal approximation); NaN with fewer than two events on a side.
    pub z: f64,
    /// One-sided p-values: that the window is more cooperative, and that it is more hostile, than the baseline.
    pub p_cooperative: f64,
    pub p_hostile: f64,
}

fn mean_var(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = if x.len() < 2 {
        f64::NAN
    } else {
        x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    };
    (mean, var)
}

/// Compares the Goldstein scores of a window's events with a baseline's, over the given numbers of days.
pub fn window_vs_baseline(
    window: &[f64],
    window_days: u32,
    baseline: &[f64],
    baseline_days: u32,
) -> WindowVsBaseline {
    let (wm, wv) = mean_var(window);
    let (bm, bv) = mean_var(baseline);
    let rate = |n: usize, days: u32| n as f64 / f64::from(days.max(1));
    let z = (wm - bm) / (wv / window.len() as f64 + bv / baseline.len() as f64).sqrt();
    let upper = |z: f64| {
        if z.is_finite() {
            1.0 - Normal::standard().cdf(z)
        } else {
            f64::NAN
        }
    };
    WindowVsBaseline {
        window_events: window.len() as u64,
        window_days,
        baseline_events: baseline.len() as u64,
        baseline_days,
        rate_ratio: rate(window.len(), window_days) / rate(baseline.len(), baseline_days),
        window_mean: wm,
        baseline_mean: bm,
        z,
        p_cooperative: upper(z),
        p_hostile: upper(-z),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busier_warmer_window_is_told_apart_from_noise() {
        let baseline: Vec<f64> = (0..100)
            .map(|i| if i % 2 == 0 { 1.0 } else { -1.0 })
            .collect();
        let warm: Vec<f64> = (0..40)
            .map(|i| if i % 2 == 0 { 4.0 } else { 2.0 })
            .collect();
        let c = window_vs_baseline(&warm, 4, &baseline, 100);
        assert!((c.rate_ratio - 10.0).abs() < 1e-12);
        assert!(c.p_cooperative < 1e-6 && c.p_hostile > 0.99, "{c:?}");
        let same = window_vs_baseline(&baseline[..20], 20, &baseline, 100);
        assert!(same.p_cooperative > 0.3 && same.p_hostile > 0.3, "{same:?}");
    }
}
