//! The one error type for a value a user typed that does not parse: it names the value and the form expected.

use std::borrow::Cow;

/// A value that is not of the expected form (`'2019-13-01' is not a date: want YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}' is not {what}: want {expected}")]
pub struct ValueError {
    /// The text as given.
    pub value: String,
    /// What it should have been ("a date", "a period").
    pub what: &'static str,
    /// The accepted forms ("YYYY-MM-DD", "day, week or month").
    pub expected: Cow<'static, str>,
}

impl ValueError {
    pub fn new(value: &str, what: &'static str, expected: impl Into<Cow<'static, str>>) -> Self {
        ValueError {
            value: value.to_string(),
            what,
            expected: expected.into(),
        }
    }
}

/// A whole number within `min..=max`, for options whose range is part of their definition.
pub fn parse_in_range(s: &str, min: usize, max: usize) -> Result<usize, ValueError> {
    s.trim()
        .parse::<usize>()
        .ok()
        .filter(|v| (min..=max).contains(v))
        .ok_or_else(|| ValueError::new(s, "a whole number in range", format!("{min} to {max}")))
}
