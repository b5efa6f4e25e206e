//! The balancer view: how a third state T treats two rivals A and B.
//!
//! For events between T and A in either direction, `coop(T,A)` is their mean Goldstein score; likewise
//! `coop(T,B)`. Then
//!
//! * tilt = coop(T,A) − coop(T,B): above 0 T leans to A, below 0 to B (range −20..20);
//! * balance = 1 − |tilt| / 20: 1 when T treats both alike, 0 when maximally one-sided;
//! * hostility(A,B) = −(mean Goldstein of events between A and B, either direction).
//!
//! The break test compares the tilt before and after a date. With event-level variances,
//! SE(tilt) = sqrt(var_A/n_A + var_B/n_B), the shift's SE = sqrt(SE_before² + SE_after²), z = shift / SE, and
//! the p-value is two-sided under the normal approximation (Welch-style: no equal variances assumed).

use statrs::distribution::{ContinuousCDF, Normal};

use crate::{Event, Period};

/// One period of the balancer view.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BalancePoint {
    pub period: i32,
    pub events_ta: u64,
    pub events_tb: u64,
    pub events_ab: u64,
    /// Mean Goldstein of T–A events (both directions); NaN without events.
    pub coop_ta: f64,
    pub coop_tb: f64,
    /// coop(T,A) − coop(T,B); NaN unless both have events.
    pub tilt: f64,
    /// Standard error of the tilt, √(s²_TA/n_TA + s²_TB/n_TB); NaN with fewer than two events on a side.
    pub tilt_se: f64,
    /// 1 − |tilt| / 20.
    pub balance: f64,
    /// −mean Goldstein of A–B events.
    pub hostility_ab: f64,
}

#[derive(Default, Clone, Copy)]
struct Moments {
    n: u64,
    sum: f64,
    sum_sq: f64,
}

impl Moments {
    fn add(&mut self, x: f64) {
        self.n += 1;
        self.sum += x;
        self.sum_sq += x * x;
    }
    fn mean(&self) -> f64 {
        if self.n == 0 {
            f64::NAN
        } else {
            self.sum / self.n as f64
        }
    }
    /// Sample variance (n − 1); NaN below two events.
    fn variance(&self) -> f64 {
        if self.n < 2 {
            return f64::NAN;
        }
        let n = self.n as f64;
        ((self.sum_sq - self.sum * self.sum / n) / (n - 1.0)).max(0.0)
    }
}

fn between(e: &Event, x: u16, y: u16) -> bool {
    (e.src == x && e.dst == y) || (e.src == y && e.dst == x)
}

/// The balancer view of `t` between `a` and `b`, per period of `[from, to]` (zero-filled).
pub fn balancer(
    events: &[Event],
    t: u16,
    a: u16,
    b: u16,
    period: Period,
    from: i32,
    to: i32,
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
            let tilt = ta.mean() - tb.mean();
            BalancePoint {
                period: p,
                events_ta: ta.n,
                events_tb: tb.n,
                events_ab: ab.n,
                coop_ta: ta.mean(),
                coop_tb: tb.mean(),
                tilt,
                tilt_se: (ta.variance() / ta.n as f64 + tb.variance() / tb.n as f64).sqrt(),
                balance: 1.0 - tilt.abs() / 20.0,
                hostility_ab: -ab.mean(),
            }
        })
        .collect()
}

/// The tilt over a span, with its standard error.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TiltEstimate {
    pub events_ta: u64,
    pub events_tb: u64,
    pub coop_ta: f64,
    pub coop_tb: f64,
    pub tilt: f64,
    pub standard_error: f64,
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

fn estimate(events: &[Event], t: u16, a: u16, b: u16, lo: i32, hi: i32) -> TiltEstimate {
    let (mut ta, mut tb) = (Moments::default(), Moments::default());
    for e in events.iter().filter(|e| e.day >= lo && e.day <= hi) {
        if between(e, t, a) {
            ta.add(e.goldstein);
        } else if between(e, t, b) {
            tb.add(e.goldstein);
        }
    }
    TiltEstimate {
        events_ta: ta.n,
        events_tb: tb.n,
        coop_ta: ta.mean(),
        coop_tb: tb.mean(),
        tilt: ta.mean() - tb.mean(),
        standard_error: (ta.variance() / ta.n as f64 + tb.variance() / tb.n as f64).sqrt(),
    }
}

/// Tests whether `t`'s tilt between `a` and `b` shifted at `break_day` (events on the break day count as after).
pub fn tilt_shift(
    events: &[Event],
    t: u16,
    a: u16,
    b: u16,
    break_day: i32,
    from: i32,
    to: i32,
) -> BreakTest {
    let before = estimate(events, t, a, b, from, break_day - 1);
    let after = estimate(events, t, a, b, break_day, to);
    let shift = after.tilt - before.tilt;
    let se = (before.standard_error.powi(2) + after.standard_error.powi(2)).sqrt();
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
    fn tilt_balance_and_hostility() {
        // T=0, A=1, B=2.
        let events = vec![
            ev(0, 0, 1, 4.0),
            ev(0, 1, 0, 2.0),
            ev(0, 0, 2, -1.0),
            ev(0, 1, 2, -10.0),
        ];
        let v = balancer(&events, 0, 1, 2, Period::Day, 0, 1);
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].coop_ta, v[0].coop_tb, v[0].tilt), (3.0, -1.0, 4.0));
        assert!((v[0].balance - 0.8).abs() < 1e-12);
        assert_eq!(v[0].hostility_ab, 10.0);
        assert!(v[1].tilt.is_nan());
    }

    #[test]
    fn break_test_detects_a_real_shift_and_not_noise() {
        let mut events = Vec::new();
        for d in 0..100 {
            let wobble = if d % 2 == 0 { 1.0 } else { -1.0 };
            events.push(ev(d, 0, 1, 3.0 + wobble)); // T-A steady
            events.push(ev(d, 0, 2, if d < 50 { -2.0 } else { 3.0 } + wobble)); // T-B warms at day 50
        }
        let t = tilt_shift(&events, 0, 1, 2, 50, 0, 99);
        assert!((t.before.tilt - 5.0).abs() < 1e-9 && t.after.tilt.abs() < 1e-9);
        assert!(t.shift < -4.9 && t.p_value < 1e-6, "{t:?}");
        let flat = tilt_shift(&events, 0, 1, 2, 25, 0, 49);
        assert!(flat.p_value > 0.5, "{flat:?}");
    }
}
