//! Directed-dyad time series.

use std::collections::HashMap;

use crate::{Event, Period};

pub use fulcrum_model::{Dedup, Measure};

/// One period of one direction of a dyad.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DyadPoint {
    /// First day of the period.
    pub period: i32,
    pub source: u16,
    pub target: u16,
    /// Events (per 1,000 events of the whole store in the period when normalised).
    pub events: f64,
    pub goldstein_sum: f64,
    /// Mean Goldstein score; NaN without events.
    pub goldstein_mean: f64,
    /// (verbal + material cooperation − verbal − material conflict) / events; NaN without events.
    pub net_cooperation: f64,
    /// Events per QuadClass 1..4 (normalised like `events`).
    pub quad_counts: [f64; 4],
    /// Share of each QuadClass; NaN without events.
    pub quad_shares: [f64; 4],
    /// Mean tone of events that have one; NaN when none do.
    pub tone_mean: f64,
}

impl DyadPoint {
    /// The value of one measure; a period without events has no mean and counts as neutral (0).
    pub fn value(&self, measure: Measure) -> f64 {
        let v = match measure {
            Measure::Events => self.events,
            Measure::GoldsteinSum => self.goldstein_sum,
            Measure::GoldsteinMean => self.goldstein_mean,
            Measure::NetCoop => self.net_cooperation,
        };
        if v.is_finite() { v } else { 0.0 }
    }
}

#[derive(Default, Clone, Copy)]
struct Acc {
    n: u64,
    goldstein: f64,
    quads: [u64; 4],
    tone_sum: f64,
    tone_n: u64,
}

/// The series of both directions of the dyad `a`–`b` for every period of `[from, to]`, zero-filled.
/// `totals`, when given, maps a period start to the number of all events in the store in that period; counts
/// and sums are then expressed per 1,000 of them (coverage grows over the years; this removes that trend).
pub fn dyad_series(
    events: &[Event],
    a: u16,
    b: u16,
    period: Period,
    from: i32,
    to: i32,
    totals: Option<&HashMap<i32, u64>>,
) -> Vec<DyadPoint> {
    let mut acc: HashMap<(i32, u16, u16), Acc> = HashMap::new();
    for e in events.iter().filter(|e| e.day >= from && e.day <= to) {
        if !((e.src == a && e.dst == b) || (e.src == b && e.dst == a)) {
            continue;
        }
        let x = acc.entry((period.start(e.day), e.src, e.dst)).or_default();
        x.n += 1;
        x.goldstein += e.goldstein;
        if (1..=4).contains(&e.quad_class) {
            x.quads[e.quad_class as usize - 1] += 1;
        }
        if e.tone.is_finite() {
            x.tone_sum += e.tone;
            x.tone_n += 1;
        }
    }
    let mut out = Vec::new();
    for p in period.range(from, to) {
        let scale = match totals {
            Some(t) => match t.get(&p) {
                Some(&n) if n > 0 => 1000.0 / n as f64,
                _ => f64::NAN,
            },
            None => 1.0,
        };
        for (s, d) in [(a, b), (b, a)] {
            let x = acc.get(&(p, s, d)).copied().unwrap_or_default();
            let n = x.n as f64;
            let per = |v: f64| if x.n == 0 { f64::NAN } else { v / n };
            out.push(DyadPoint {
                period: p,
                source: s,
                target: d,
                events: n * scale,
                goldstein_sum: x.goldstein * scale,
                goldstein_mean: per(x.goldstein),
                net_cooperation: per(
                    (x.quads[0] + x.quads[1]) as f64 - (x.quads[2] + x.quads[3]) as f64
                ),
                quad_counts: x.quads.map(|q| q as f64 * scale),
                quad_shares: x.quads.map(|q| per(q as f64)),
                tone_mean: if x.tone_n == 0 {
                    f64::NAN
                } else {
                    x.tone_sum / x.tone_n as f64
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code_key;

    fn ev(day: i32, src: u16, dst: u16, code: &str, quad: u8, g: f64) -> Event {
        Event {
            day,
            src,
            dst,
            code: code_key(code),
            quad_class: quad,
            goldstein: g,
            tone: f64::NAN,
        }
    }

    #[test]
    fn series_counts_both_directions_and_fills_gaps() {
        let events = vec![
            ev(0, 0, 1, "042", 1, 1.9),
            ev(1, 0, 1, "190", 4, -10.0),
            ev(2, 1, 0, "036", 1, 4.0),
            ev(3, 0, 2, "042", 1, 1.9), // another dyad
            ev(9, 0, 1, "042", 1, 1.9),
        ];
        let s = dyad_series(&events, 0, 1, Period::Week, 0, 13, None);
        // 1970-01-01 (day 0) is in the week starting 1969-12-29 (day -3); days 0..13 span 3 weeks.
        assert_eq!(s.len(), 6);
        let first = &s[0];
        assert_eq!((first.source, first.target, first.events), (0, 1, 2.0));
        assert!((first.goldstein_sum + 8.1).abs() < 1e-12);
        assert_eq!(first.net_cooperation, 0.0);
        assert_eq!(first.quad_shares, [0.5, 0.0, 0.0, 0.5]);
        assert_eq!(s[1].events, 1.0); // the reverse direction
        assert_eq!(s[4].events, 0.0);
        assert!(s[4].goldstein_mean.is_nan());
    }

    #[test]
    fn dedup_rules() {
        let events = vec![
            ev(0, 0, 1, "042", 1, 1.9),
            ev(0, 0, 1, "042", 1, 1.9),
            ev(0, 0, 1, "043", 1, 2.8),
            ev(0, 0, 1, "0431", 1, 2.8),
        ];
        assert_eq!(Dedup::Raw.apply(&events).len(), 4);
        assert_eq!(Dedup::Daily.apply(&events).len(), 3);
        assert_eq!(Dedup::Root.apply(&events).len(), 1);
        assert_ne!(code_key("014"), code_key("14"));
    }

    #[test]
    fn normalising_divides_by_store_volume() {
        let events = vec![ev(0, 0, 1, "042", 1, 2.0)];
        let totals = HashMap::from([(0, 500u64)]);
        let s = dyad_series(&events, 0, 1, Period::Day, 0, 0, Some(&totals));
        assert_eq!(s[0].events, 2.0); // 1 of 500 = 2 per 1,000
        assert_eq!(s[0].goldstein_sum, 4.0);
        assert_eq!(s[0].goldstein_mean, 2.0);
    }
}
