//! The balancer view: how a third state T treats two rivals A and B.
//!
//! **Default measure — net-cooperation tilt.** Following Goldstein & Pevehouse (1997), who sum Goldstein (1992)
//! weights per dyad and period, T's dealings with A are summarised by their *net cooperation*
//! `N_A = Σ g` over T–A events (both directions) and their *volume* `W_A = Σ |g|`; likewise for B. Then
//!
//! ```text
//! tilt = (N_A − N_B) / (W_A + W_B + κ)        in (−1, 1); > 0 leans to A, < 0 to B
//! ```
//!
//! It weighs both how cooperative and how intense T's dealings with each rival are: 86 cooperative events with A
//! outweigh 2 with B, where a difference of means would not. `κ` ([`PRIOR_WEIGHT`], 10 Goldstein points, about
//! three typical cooperative events) is a prior of neutral evidence: it shrinks readings built on a few reports
//! toward 0. The standard error is the delta-method variance of a ratio of sums under compound-Poisson sampling
//! of events (each event's weight varies independently): with per-event `n_i = ±g_i` (+ for A, − for B) and
//! `d_i = |g_i|`, `Var(tilt) ≈ (Σn_i² − 2·tilt·Σn_i·d_i + tilt²·Σd_i²) / (W_A + W_B + κ)²`. The band is
//! `tilt ± 1.645·SE` (90%), clipped to [−1, 1]. A reading is [`Lean::Thin`] below `min_events` T–A plus T–B
//! events, otherwise toward A or B when the band excludes 0, else [`Lean::Even`].
//!
//! **Kept for comparison — mean tilt** (the tone-only reading): `mean_tilt = mean g(T,A) − mean g(T,B)`, with
//! the Welch standard error `√(s²_A/n_A + s²_B/n_B)`. It ignores how much happened.
//!
//! * balance = 1 − |tilt|: 1 when T treats both alike, 0 when all of its net cooperation goes to one side;
//! * hostility(A,B) = −(mean Goldstein of events between A and B, either direction).
//!
//! The break test compares the default tilt before and after a date: shift / √(SE_before² + SE_after²) is
//! referred to the standard normal (two-sided).

use statrs::distribution::{ContinuousCDF, Normal};

use crate::{Event, Period};

/// κ: neutral evidence added to the volume of every reading, in Goldstein points.
pub const PRIOR_WEIGHT: f64 = 10.0;
/// z for the two-sided 90% band.
const Z90: f64 = 1.644_853_626_951_472_2;
/// Fewest T–A plus T–B events for a reading with a sign, unless asked otherwise.
pub const MIN_EVENTS: u64 = 10;

/// Which way a reading points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lean {
    /// The 90% band lies above 0.
    TowardA,
    /// The 90% band lies below 0.
    TowardB,
    /// Enough events, but the band includes 0.
    Even,
    /// Fewer than `min_events` events with the two rivals: no reading.
    Thin,
}

impl Lean {
    /// The reading in words, naming the rivals.
    pub fn describe<'a>(self, a: &'a str, b: &'a str) -> &'a str {
        match self {
            Lean::TowardA => a,
            Lean::TowardB => b,
            Lean::Even => "even",
            Lean::Thin => "too little evidence",
        }
    }
}

/// T's dealings with the two rivals over some days, with both readings of the tilt.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TiltEstimate {
    pub events_ta: u64,
    pub events_tb: u64,
    /// Σ Goldstein of T–A events (net cooperation).
    pub net_ta: f64,
    pub net_tb: f64,
    /// The default, evidence-weighted tilt in (−1, 1); 0 without weighted evidence (the lean says `thin`).
    pub tilt: f64,
    pub tilt_se: f64,
    /// The 90% band.
    pub tilt_low: f64,
    pub tilt_high: f64,
    pub lean: Lean,
    /// Mean Goldstein of T–A events; NaN without events.
    pub coop_ta: f64,
    pub coop_tb: f64,
    /// coop_ta − coop_tb: the tone-only reading; NaN unless both have events.
    pub mean_tilt: f64,
    /// Welch standard error of the mean tilt; NaN with fewer than two events on a side.
    pub mean_tilt_se: f64,
}

/// One period of the balancer view.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BalancePoint {
    pub period: i32,
    #[serde(flatten)]
    pub tilt: TiltEstimate,
    /// 1 − |tilt|.
    pub balance: f64,
    pub events_ab: u64,
    /// −mean Goldstein of A–B events.
    pub hostility_ab: f64,
}

#[derive(Default, Clone, Copy)]
pub(crate) struct Moments {
    pub(crate) n: u64,
    pub(crate) sum: f64,
    sum_sq: f64,
    /// Σ g·|g|: the covariance term of net cooperation and volume.
    sum_signed_sq: f64,
    /// Σ |g|.
    pub(crate) volume: f64,
}

impl Moments {
    pub(crate) fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
        self.sum_signed_sq += x * x.abs();
        self.volume += x.abs();
    }
    pub(crate) fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.sum / self.n as f64
        }
    }
    /// Sample variance (n − 1); NaN below two events.
    pub(crate) fn variance(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        let n = self.n as f64;
        ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
    }
}

/// Both readings from the moments of T–A and T–B events.
pub(crate) fn reading(ta: &Moments, tb: &Moments, min_events: u64) -> TiltEstimate {
    let denominator = ta.volume + tb.volume + PRIOR_WEIGHT;
    let tilt = (ta.sum - tb.sum) / denominator;
    let var_n = ta.sum_sq + tb.sum_sq;
    let cov = ta.sum_signed_sq - tb.sum_signed_sq;
    let variance = (var_n - 2.0 * tilt * cov + tilt * tilt * var_n).max(0.0) / denominator.powi(2);
    let tilt_se = variance.sqrt();
    let (tilt_low, tilt_high) = (
        (tilt - Z90 * tilt_se).max(-1.0),
        (tilt + Z90 * tilt_se).min(1.0),
    );
    let lean = if ta.n + tb.n < min_events.max(1) {
        Lean::Thin
    } else if tilt_low > 0.0 {
        Lean::TowardA
    } else if tilt_high < 0.0 {
        Lean::TowardB
    } else {
        Lean::Even
    };
    TiltEstimate {
        events_ta: ta.n,
        events_tb: tb.n,
        net_ta: ta.sum,
        net_tb: tb.sum,
        tilt,
        tilt_se,
        tilt_low,
        tilt_high,
        lean,
        coop_ta: ta.mean(),
        coop_tb: tb.mean(),
        mean_tilt: ta.mean() - tb.mean(),
        mean_tilt_se: (ta.variance() / ta.n as f64 + tb.variance() / tb.n as f64).sqrt(),
    }
}

fn between(e: &Event, x: u16, y: u16) -> bool {
    (e.src == x && e.dst == y) || (e.src == y && e.dst == x)
}

/// The balancer view of `t` between `a` and `b`, per period of `[from, to]` (zero-filled).
#[allow(clippy::too_many_arguments)]
pub fn balancer(
    events: &[Event],
    t: u16,
    a: u16,
    b: u16,
    period: Period,
    from: i32,
    to: i32,
    min_events: u64,
) -> Vec<BalancePoint> {
    let periods = period.range(from, to);
    let index = |day: i32| periods.binary_search(&period.start(day)).ok();
    let mut acc = vec![[Moments::default(); 3]; periods.len()];
    for e in events.iter().filter(|e| e.day >= from && e.day <= to) {
        let Some(i) = index(e.day) else { continue };
        let slot = if between(e, t, a) {
            0
        } else if between(e, t, b) {
            1
        } else if between(e, a, b) {
            2
        } else {
            continue;
        };
        acc[i][slot].add(e.goldstein);
    }
    periods
        .iter()
        .zip(acc)
        .map(|(&p, [ta, tb, ab])| {
            let tilt = reading(&ta, &tb, min_events);
            BalancePoint {
                period: p,
                balance: 1.0 - tilt.tilt.abs(),
                tilt,
                events_ab: ab.n,
                hostility_ab: -ab.mean(),
            }
        })
        .collect()
}

/// The tilt of `t` between `a` and `b` over the days `[lo, hi]`.
pub fn tilt_over(
    events: &[Event],
    t: u16,
    a: u16,
    b: u16,
    (lo, hi): (i32, i32),
    min_events: u64,
) -> TiltEstimate {
    let (mut ta, mut tb) = (Moments::default(), Moments::default());
    for e in events.iter().filter(|e| e.day >= lo && e.day <= hi) {
        if between(e, t, a) {
            ta.add(e.goldstein);
        } else if between(e, t, b) {
            tb.add(e.goldstein);
        }
    }
    reading(&ta, &tb, min_events)
}

/// Whether the tilt moved at a break date.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BreakTest {
    pub break_day: i32,
    pub before: TiltEstimate,
    pub after: TiltEstimate,
    /// after.tilt − before.tilt
    pub shift: f64,
    pub standard_error: f64,
    pub z: f64,
    /// Two-sided, normal approximation.
    pub p_value: f64,
}

/// Tests whether `t`'s tilt between `a` and `b` shifted at `break_day` (events on the break day count as after).
#[allow(clippy::too_many_arguments)]
pub fn tilt_shift(
    events: &[Event],
    t: u16,
    a: u16,
    b: u16,
    break_day: i32,
    from: i32,
    to: i32,
    min_events: u64,
) -> BreakTest {
    let before = tilt_over(events, t, a, b, (from, break_day - 1), min_events);
    let after = tilt_over(events, t, a, b, (break_day, to), min_events);
    let shift = after.tilt - before.tilt;
    let se = (before.tilt_se.powi(2) + after.tilt_se.powi(2)).sqrt();
    let z = shift / se;
    let p_value = if z.is_finite() {
        2.0 * (1.0 - Normal::standard().cdf(z.abs()))
    } else {
        f64::NAN
    };
    BreakTest {
        break_day,
        before,
        after,
        shift,
        standard_error: se,
        z,
        p_value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_key;

    fn ev(day: i32, src: u16, dst: u16, g: f64) -> Event {
        Event {
            day,
            src,
            dst,
            code: code_key("042"),
            quad_class: 1,
            goldstein: g,
            tone: f64::NAN,
        }
    }

    #[test]
    fn both_readings_balance_and_hostility() {
        // T=0, A=1, B=2.
        let events = vec![
            ev(0, 0, 1, 4.0),
            ev(0, 1, 0, 2.0),
            ev(0, 0, 2, -1.0),
            ev(0, 1, 2, -10.0),
        ];
        let v = balancer(&events, 0, 1, 2, Period::Day, 0, 1, 1);
        assert_eq!(v.len(), 2);
        let t = &v[0].tilt;
        assert_eq!((t.coop_ta, t.coop_tb, t.mean_tilt), (3.0, -1.0, 4.0));
        // (6 − (−1)) / (6 + 1 + κ)
        assert!((t.tilt - 7.0 / 17.0).abs() < 1e-12, "{t:?}");
        assert!((v[0].balance - (1.0 - 7.0 / 17.0)).abs() < 1e-12);
        assert_eq!(v[0].hostility_ab, 10.0);
        assert!(v[1].tilt.mean_tilt.is_nan());
        assert_eq!((v[1].tilt.tilt, v[1].tilt.lean), (0.0, Lean::Thin));
    }

    /// The issue's case: a state visit (many cooperative events with A) against two warmer reports with B.
    #[test]
    fn many_events_outweigh_a_warmer_pair_of_reports() {
        let mut events: Vec<Event> = (0..86)
            .map(|i| ev(0, (i % 2) as u16, 1 - (i % 2) as u16, 4.33))
            .collect();
        events.extend([ev(0, 0, 2, 5.2), ev(0, 2, 0, 5.2)]);
        let t = tilt_over(&events, 0, 1, 2, (0, 0), MIN_EVENTS);
        assert!(t.mean_tilt < 0.0, "the mean reading leans to B: {t:?}");
        assert!(t.tilt > 0.9 && t.tilt_low > 0.8, "{t:?}");
        assert_eq!(t.lean, Lean::TowardA);
    }

    #[test]
    fn a_few_reports_are_thin_and_the_prior_shrinks_them() {
        let events = vec![ev(0, 0, 1, 3.0), ev(0, 0, 1, 3.0), ev(0, 0, 1, 3.0)];
        let t = tilt_over(&events, 0, 1, 2, (0, 0), MIN_EVENTS);
        assert_eq!(t.lean, Lean::Thin);
        assert!((t.tilt - 9.0 / 19.0).abs() < 1e-12 && t.tilt_se > 0.0);
        // Mixed evidence on both sides: enough events, band across 0.
        let mixed: Vec<Event> = (0..20)
            .map(|i| ev(0, 0, 1 + (i % 2) as u16, if i % 4 < 2 { 3.0 } else { -2.0 }))
            .collect();
        let t = tilt_over(&mixed, 0, 1, 2, (0, 0), MIN_EVENTS);
        assert_eq!(t.lean, Lean::Even, "{t:?}");
    }

    #[test]
    fn break_test_detects_a_real_shift_and_not_noise() {
        let mut events = Vec::new();
        for d in 0..100 {
            let wobble = if d % 2 == 0 { 1.0 } else { -1.0 };
            events.push(ev(d, 0, 1, 3.0 + wobble)); // T-A steady
            events.push(ev(d, 0, 2, if d < 50 { -2.0 } else { 3.0 } + wobble)); // T-B warms at day 50
        }
        let t = tilt_shift(&events, 0, 1, 2, 50, 0, 99, MIN_EVENTS);
        assert!(t.before.tilt > 0.5 && t.after.tilt.abs() < 0.01, "{t:?}");
        assert!(t.shift < -0.5 && t.p_value < 1e-6, "{t:?}");
        assert_eq!((t.before.lean, t.after.lean), (Lean::TowardA, Lean::Even));
        let flat = tilt_shift(&events, 0, 1, 2, 25, 0, 49, MIN_EVENTS);
        assert!(flat.p_value > 0.5, "{flat:?}");
    }
}
