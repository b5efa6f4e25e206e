//! Calendar periods that series are bucketed into.

use std::fmt;
use std::str::FromStr;

use crate::{ValueError, civil_from_days, days_from_civil};

/// Granularity of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    /// ISO weeks, starting on Monday.
    Week,
    Month,
}

impl FromStr for Period {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "day" | "daily" => Ok(Period::Day),
            "week" | "weekly" => Ok(Period::Week),
            "month" | "monthly" => Ok(Period::Month),
            _ => Err(ValueError::new(s, "a period", "day, week or month")),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
        })
    }
}

impl Period {
    /// How tables and charts name the period starting on `start`: `YYYY-MM` for months, the first day otherwise.
    pub fn label(self, start: i32) -> String {
        match self {
            Period::Month => {
                let (y, m, _) = civil_from_days(start);
                format!("{y:04}-{m:02}")
            }
            _ => iso_date(start),
        }
    }

    /// Periods in a year (for seasonal terms of forecasting models).
    pub fn per_year(self) -> f64 {
        match self {
            Period::Day => 365.25,
            Period::Week => 365.25 / 7.0,
            Period::Month => 12.0,
        }
    }

    /// The first day (days since 1970-01-01) of the period holding `day`.
    pub fn start(self, day: i32) -> i32 {
        match self {
            Period::Day => day,
            // 1970-01-01 was a Thursday: Monday-based weekday is (day + 3) mod 7.
            Period::Week => day - (day + 3).rem_euclid(7),
            Period::Month => {
                let (y, m, _) = civil_from_days(day);
                days_from_civil(y, m, 1).expect("first of a month exists")
            }
        }
    }

    /// The first day of the period after the one starting at `start`.
    pub fn next(self, start: i32) -> i32 {
        match self {
            Period::Day => start + 1,
            Period::Week => start + 7,
            Period::Month => {
                let (y, m, _) = civil_from_days(start);
                let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                days_from_civil(y, m, 1).expect("first of a month exists")
            }
        }
    }

    /// Every period start from the period of `from` to the period of `to`, inclusive.
    pub fn range(self, from: i32, to: i32) -> Vec<i32> {
        let mut out = Vec::new();
        let mut p = self.start(from);
        while p <= to {
            out.push(p);
            p = self.next(p);
        }
        out
    }
}

/// `YYYY-MM-DD` of a day number.
pub fn iso_date(day: i32) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_where_the_calendar_says() {
        let d = |y, m, dd| days_from_civil(y, m, dd).unwrap();
        assert_eq!(Period::Week.start(d(2019, 2, 14)), d(2019, 2, 11)); // a Thursday → Monday
        assert_eq!(Period::Week.start(d(2019, 2, 11)), d(2019, 2, 11));
        assert_eq!(Period::Month.start(d(2019, 2, 14)), d(2019, 2, 1));
        assert_eq!(Period::Month.next(d(2019, 12, 1)), d(2020, 1, 1));
        assert_eq!(Period::Month.range(d(2019, 1, 20), d(2019, 3, 2)).len(), 3);
        assert_eq!(iso_date(d(2019, 2, 14)), "2019-02-14");
    }
}
