//! An event as analyses see it, and the rules for counting events: de-duplication and the measures of a series.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use crate::ValueError;

/// One event reduced to what relations need. `src` and `dst` index the caller's actor list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// Days since 1970-01-01.
    pub day: i32,
    pub src: u16,
    pub dst: u16,
    /// The CAMEO event code as a number with its length folded in (see [`code_key`]), for de-duplication.
    pub code: u32,
    pub quad_class: u8,
    pub goldstein: f64,
    /// GDELT AvgTone; NaN when the source has none.
    pub tone: f64,
}

/// A CAMEO code string as a number that keeps leading zeros apart: `"014"` and `"14"` differ.
pub fn code_key(code: &str) -> u32 {
    let digits = code
        .bytes()
        .take(6)
        .fold(0u32, |acc, b| acc * 10 + (b.wrapping_sub(b'0') as u32 % 10));
    digits * 8 + code.len().min(7) as u32
}

/// How repeated reports of the same event are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dedup {
    /// Every stored event counts.
    #[default]
    Raw,
    /// One event per day, source, target and event code (the Phoenix "one-a-day" rule).
    Daily,
    /// One event per day, source, target and root code.
    Root,
}

impl FromStr for Dedup {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "raw" => Ok(Dedup::Raw),
            "daily" | "one-a-day" => Ok(Dedup::Daily),
            "root" => Ok(Dedup::Root),
            _ => Err(ValueError::new(s, "a counting rule", "raw, daily or root")),
        }
    }
}

impl fmt::Display for Dedup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dedup::Raw => "raw",
            Dedup::Daily => "daily",
            Dedup::Root => "root",
        })
    }
}

impl Dedup {
    /// Applies the rule, keeping the first event of each group (input order).
    pub fn apply(self, events: &[Event]) -> Vec<Event> {
        if self == Dedup::Raw {
            return events.to_vec();
        }
        let mut seen = HashSet::with_capacity(events.len());
        events
            .iter()
            .filter(|e| {
                let code = match self {
                    Dedup::Root => root_of_key(e.code),
                    _ => e.code,
                };
                seen.insert((e.day, e.src, e.dst, code))
            })
            .copied()
            .collect()
    }
}

/// The CAMEO code a [`code_key`] stands for: `code_of_key(code_key("014")) == "014"`.
pub fn code_of_key(key: u32) -> String {
    let len = (key % 8) as usize;
    format!("{:0len$}", key / 8)
}

/// The key of a code's root (its first two digits): code_key = digits * 8 + length.
fn root_of_key(key: u32) -> u32 {
    let len = key % 8;
    let mut digits = key / 8;
    for _ in 2..len {
        digits /= 10;
    }
    digits * 8 + 2
}

/// Which value of a dyad series to look at (change points, forecasts, charts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    #[default]
    Events,
    GoldsteinSum,
    GoldsteinMean,
    NetCoop,
}

impl FromStr for Measure {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "events" => Measure::Events,
            "goldstein_sum" => Measure::GoldsteinSum,
            "goldstein_mean" => Measure::GoldsteinMean,
            "net_coop" => Measure::NetCoop,
            _ => {
                return Err(ValueError::new(
                    s,
                    "a series",
                    "events, goldstein_sum, goldstein_mean or net_coop",
                ));
            }
        })
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Measure {
    pub fn name(self) -> &'static str {
        match self {
            Measure::Events => "events",
            Measure::GoldsteinSum => "goldstein_sum",
            Measure::GoldsteinMean => "goldstein_mean",
            Measure::NetCoop => "net_coop",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(day: i32, code: &str) -> Event {
        Event {
            day,
            src: 0,
            dst: 1,
            code: code_key(code),
            quad_class: 1,
            goldstein: 1.0,
            tone: f64::NAN,
        }
    }

    #[test]
    fn codes_keep_leading_zeros_apart() {
        assert_ne!(code_key("014"), code_key("14"));
        assert_eq!(root_of_key(code_key("0141")), code_key("01"));
    }

    #[test]
    fn counting_rules_keep_one_event_per_group() {
        let events = [
            event(1, "0141"),
            event(1, "0141"),
            event(1, "0142"),
            event(2, "0141"),
        ];
        assert_eq!(Dedup::Raw.apply(&events).len(), 4);
        assert_eq!(Dedup::Daily.apply(&events).len(), 3);
        assert_eq!(Dedup::Root.apply(&events).len(), 2);
    }

    #[test]
    fn a_wrong_value_names_itself_and_the_accepted_forms() {
        let e = "hourly".parse::<crate::Period>().unwrap_err();
        assert_eq!(
            e.to_string(),
            "'hourly' is not a period: want day, week or month"
        );
        assert!(
            "sometimes"
                .parse::<Dedup>()
                .unwrap_err()
                .to_string()
                .contains("raw, daily or root")
        );
        assert!(
            "tone"
                .parse::<Measure>()
                .unwrap_err()
                .to_string()
                .contains("net_coop")
        );
    }
}
