//! A focal state's ties with each other state: the one-pair form of the balancer's evidence-weighted measure, and
//! the simpler readings a relations map can be coloured by.
//!
//! **Tie index** (default): `N / (W + κ)` with `N = Σ g` and `W = Σ |g|` over the pair's events (Goldstein
//! scores) — the balancer's tilt with one side only (see [`crate::balance`]): in (−1, 1), above 0 cooperative,
//! below 0 hostile, shrunk toward 0 by κ = [`PRIOR_WEIGHT`] when reports are few. Its standard error is the same
//! delta-method one, its band the 90% band; a tie is [`Tie::Thin`] below `min_events` events.
//!
//! The others: the mean Goldstein score (standard error s/√n), the number of events (Poisson, √n) and the share of
//! each QuadClass (binomial, √(p(1−p)/n)). Across a break date, [`tie_shift`] compares two readings: the index
//! and the mean by their difference, counts by the change of their rate per 30 days (the two periods differ in
//! length), shares by their difference; z = change / SE, two-sided normal p-value.

use std::fmt;
use std::str::FromStr;

use statrs::distribution::{ContinuousCDF, Normal};

use crate::Event;
use crate::balance::{Lean, Moments, reading};
use fulcrum_model::ValueError;

/// What a relations map is coloured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TieMeasure {
    /// The evidence-weighted tie index N / (W + κ), in (−1, 1).
    #[default]
    Index,
    /// Mean Goldstein score, −10 … 10.
    Goldstein,
    /// Number of events.
    Events,
    /// Share of verbal cooperation (QuadClass 1).
    Q1,
    /// Share of material cooperation (QuadClass 2).
    Q2,
    /// Share of verbal conflict (QuadClass 3).
    Q3,
    /// Share of material conflict (QuadClass 4).
    Q4,
}

impl TieMeasure {
    /// Whether 0 is neutral and values run both ways (a diverging colour scale), rather than from none upward.
    pub fn signed(self) -> bool {
        matches!(self, TieMeasure::Index | TieMeasure::Goldstein)
    }

    /// The measure in words, for legends.
    pub fn describe(self) -> &'static str {
        match self {
            TieMeasure::Index => "tie index N/(W+10): cooperative > 0 > hostile",
            TieMeasure::Goldstein => "mean Goldstein score",
            TieMeasure::Events => "events",
            TieMeasure::Q1 => "share of verbal cooperation (QuadClass 1)",
            TieMeasure::Q2 => "share of material cooperation (QuadClass 2)",
            TieMeasure::Q3 => "share of verbal conflict (QuadClass 3)",
            TieMeasure::Q4 => "share of material conflict (QuadClass 4)",
        }
    }
}

impl FromStr for TieMeasure {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "index" | "tie" => TieMeasure::Index,
            "goldstein" | "mean" => TieMeasure::Goldstein,
            "events" | "count" => TieMeasure::Events,
            "q1" => TieMeasure::Q1,
            "q2" => TieMeasure::Q2,
            "q3" => TieMeasure::Q3,
            "q4" => TieMeasure::Q4,
            _ => {
                return Err(ValueError::new(
                    s,
                    "a map measure",
                    "index, goldstein, events, q1, q2, q3 or q4",
                ));
            }
        })
    }
}

impl fmt::Display for TieMeasure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TieMeasure::Index => "index",
            TieMeasure::Goldstein => "goldstein",
            TieMeasure::Events => "events",
            TieMeasure::Q1 => "q1",
            TieMeasure::Q2 => "q2",
            TieMeasure::Q3 => "q3",
            TieMeasure::Q4 => "q4",
        })
    }
}

/// How a tie reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tie {
    /// The index's 90% band lies above 0.
    Cooperative,
    /// The band lies below 0.
    Hostile,
    /// Enough events, but the band includes 0.
    Neutral,
    /// Fewer than `min_events` events: no reading.
    Thin,
}

/// A pair's events over some days, read every way a map can show them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TieReading {
    pub events: u64,
    /// Σ Goldstein (net cooperation) and Σ |Goldstein| (volume).
    pub net: f64,
    pub volume: f64,
    pub index: f64,
    pub index_se: f64,
    pub index_low: f64,
    pub index_high: f64,
    pub tie: Tie,
    /// NaN without events.
    pub mean_goldstein: f64,
    /// NaN below two events.
    pub goldstein_se: f64,
    /// Events per QuadClass 1–4.
    pub quad: [u64; 4],
    /// Length of the window in days (for rates).
    pub days: u32,
}

impl TieReading {
    /// The reading of one measure; NaN where it is undefined (a share of no events).
    pub fn value(&self, measure: TieMeasure) -> f64 {
        match measure {
            TieMeasure::Index => self.index,
            TieMeasure::Goldstein => self.mean_goldstein,
            TieMeasure::Events => self.events as f64,
            q => self.share(q),
        }
    }

    /// The standard error of [`value`](Self::value).
    pub fn standard_error(&self, measure: TieMeasure) -> f64 {
        let n = self.events as f64;
        match measure {
            TieMeasure::Index => self.index_se,
            TieMeasure::Goldstein => self.goldstein_se,
            TieMeasure::Events => n.sqrt(),
            q => {
                let p = self.share(q);
                (p * (1.0 - p) / n).sqrt()
            }
        }
    }

    fn share(&self, measure: TieMeasure) -> f64 {
        let k = match measure {
            TieMeasure::Q1 => 0,
            TieMeasure::Q2 => 1,
            TieMeasure::Q3 => 2,
            TieMeasure::Q4 => 3,
            _ => return f64::NAN,
        };
        if self.events == 0 {
            f64::NAN
        } else {
            self.quad[k] as f64 / self.events as f64
        }
    }

    /// Events per 30 days.
    pub fn monthly_rate(&self) -> f64 {
        self.events as f64 * 30.0 / f64::from(self.days.max(1))
    }
}

/// Reads a pair's events over `days` days (the caller picks the events: window, direction).
pub fn tie<'a>(
    events: impl IntoIterator<Item = &'a Event>,
    days: u32,
    min_events: u64,
) -> TieReading {
    let mut m = Moments::default();
    let mut quad = [0u64; 4];
    for e in events {
        m.add(e.goldstein);
        if (1..=4).contains(&e.quad_class) {
            quad[usize::from(e.quad_class) - 1] += 1;
        }
    }
    // The tilt toward a partner with an empty other side is exactly N / (W + κ), with its band and lean.
    let r = reading(&m, &Moments::default(), min_events);
    TieReading {
        events: m.n,
        net: m.sum,
        volume: m.volume,
        index: r.tilt,
        index_se: r.tilt_se,
        index_low: r.tilt_low,
        index_high: r.tilt_high,
        tie: match r.lean {
            Lean::TowardA => Tie::Cooperative,
            Lean::TowardB => Tie::Hostile,
            Lean::Even => Tie::Neutral,
            Lean::Thin => Tie::Thin,
        },
        mean_goldstein: m.mean(),
        goldstein_se: (m.variance() / m.n as f64).sqrt(),
        quad,
        days,
    }
}

/// Whether a tie changed across a break date.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TieShift {
    pub before: TieReading,
    pub after: TieReading,
    /// after − before (counts: per 30 days); NaN when either side is undefined.
    pub change: f64,
    pub standard_error: f64,
    pub z: f64,
    /// Two-sided, normal approximation; NaN when the standard error is 0 or undefined.
    pub p_value: f64,
}

/// Compares two readings of one measure (see the module's notes for counts).
pub fn tie_shift(before: TieReading, after: TieReading, measure: TieMeasure) -> TieShift {
    let (change, standard_error) = if measure == TieMeasure::Events {
        let per = |r: &TieReading| 30.0 / f64::from(r.days.max(1));
        let (pb, pa) = (per(&before), per(&after));
        (
            after.events as f64 * pa - before.events as f64 * pb,
            (after.events as f64 * pa * pa + before.events as f64 * pb * pb).sqrt(),
        )
    } else {
        (
            after.value(measure) - before.value(measure),
            (after.standard_error(measure).powi(2) + before.standard_error(measure).powi(2)).sqrt(),
        )
    };
    let z = change / standard_error;
    let p_value = if z.is_finite() {
        2.0 * (1.0 - Normal::standard().cdf(z.abs()))
    } else {
        f64::NAN
    };
    TieShift {
        before,
        after,
        change,
        standard_error,
        z,
        p_value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::balance::PRIOR_WEIGHT;

    fn ev(g: f64, quad: u8) -> Event {
        Event {
            day: 0,
            src: 0,
            dst: 1,
            code: 0,
            quad_class: quad,
            goldstein: g,
            tone: f64::NAN,
        }
    }

    #[test]
    fn the_index_is_net_cooperation_over_volume_plus_the_prior() {
        let events = [ev(3.0, 1), ev(7.0, 2), ev(-2.0, 3), ev(4.0, 1)];
        let r = tie(&events, 30, 3);
        assert_eq!(r.events, 4);
        assert_eq!(r.net, 12.0);
        assert_eq!(r.volume, 16.0);
        assert!((r.index - 12.0 / (16.0 + PRIOR_WEIGHT)).abs() < 1e-12);
        assert!(r.index_low < r.index && r.index < r.index_high);
        assert_eq!(r.quad, [2, 1, 1, 0]);
        assert_eq!(r.value(TieMeasure::Q1), 0.5);
        assert_eq!(r.value(TieMeasure::Goldstein), 3.0);
        assert_eq!(r.value(TieMeasure::Events), 4.0);
        // Three of four cooperative and strong: the band excludes 0 only with more evidence.
        let many: Vec<Event> = events.iter().cycle().take(40).copied().collect();
        assert_eq!(tie(&many, 30, 3).tie, Tie::Cooperative);
        let hostile: Vec<Event> = (0..20).map(|_| ev(-10.0, 4)).collect();
        assert_eq!(tie(&hostile, 30, 3).tie, Tie::Hostile);
        assert_eq!(tie(&events[..2], 30, 3).tie, Tie::Thin);
    }

    #[test]
    fn no_events_read_as_thin_and_undefined() {
        let r = tie(&[], 10, 1);
        assert_eq!(r.tie, Tie::Thin);
        assert_eq!(r.index, 0.0);
        assert!(r.mean_goldstein.is_nan() && r.value(TieMeasure::Q4).is_nan());
    }

    #[test]
    fn a_shift_compares_like_with_like() {
        let before: Vec<Event> = (0..30).map(|_| ev(-5.0, 3)).collect();
        let after: Vec<Event> = (0..30).map(|_| ev(5.0, 1)).collect();
        let s = tie_shift(tie(&before, 60, 10), tie(&after, 30, 10), TieMeasure::Index);
        assert!(s.change > 1.0 && s.p_value < 1e-6, "{s:?}");
        // Thirty events in 60 days, then thirty in 30: the monthly rate went from 15 to 30.
        let s = tie_shift(
            tie(&before, 60, 10),
            tie(&after, 30, 10),
            TieMeasure::Events,
        );
        assert!((s.change - 15.0).abs() < 1e-9);
        let same = tie_shift(
            tie(&before, 60, 10),
            tie(&before, 60, 10),
            TieMeasure::Goldstein,
        );
        assert!(same.change == 0.0 && same.p_value.is_nan());
    }

    #[test]
    fn measures_parse_and_print_alike() {
        for m in [
            TieMeasure::Index,
            TieMeasure::Goldstein,
            TieMeasure::Events,
            TieMeasure::Q3,
        ] {
            assert_eq!(m.to_string().parse::<TieMeasure>(), Ok(m));
        }
        assert!("warmth".parse::<TieMeasure>().is_err());
    }
}
