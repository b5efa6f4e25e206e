//! Query-string parameters: checked against what the endpoint takes, parsed with messages that teach.

use std::collections::HashMap;
use std::str::FromStr;

use fulcrum_events::Selection;
use fulcrum_model::actors::ActorSpec;
use fulcrum_model::{Dedup, Period};
use fulcrum_questions::Window;

use crate::error::ApiError;

/// The window parameters every relations endpoint takes.
pub const WINDOW: &[&str] = &["from", "to", "by", "dataset", "dedup"];

pub struct Params {
    map: HashMap<String, String>,
}

impl Params {
    /// Rejects parameters the endpoint does not know (a typo would otherwise be silently ignored).
    pub fn new(map: HashMap<String, String>, own: &[&str], window: bool) -> Result<Self, ApiError> {
        let known = |k: &str| own.contains(&k) || (window && WINDOW.contains(&k));
        if let Some(unknown) = map.keys().find(|k| !known(k)) {
            let mut all: Vec<&str> = own.to_vec();
            if window {
                all.extend_from_slice(WINDOW);
            }
            return Err(ApiError::bad_request(format!(
                "unknown parameter '{unknown}'; this endpoint takes {}",
                all.join(", ")
            )));
        }
        Ok(Params { map })
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.map
            .get(key)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    pub fn required(&self, key: &str) -> Result<&str, ApiError> {
        self.get(key)
            .ok_or_else(|| ApiError::bad_request(format!("missing parameter '{key}'")))
    }

    /// A parsed value, or `default` when absent.
    pub fn parse<T: FromStr>(&self, key: &str, default: T) -> Result<T, ApiError>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|e| ApiError::bad_request(format!("parameter '{key}': {e}"))),
        }
    }

    /// A number within bounds.
    pub fn bounded(
        &self,
        key: &str,
        default: usize,
        min: usize,
        max: usize,
    ) -> Result<usize, ApiError> {
        let v: usize = self.parse(key, default)?;
        if v < min || v > max {
            return Err(ApiError::bad_request(format!(
                "parameter '{key}' must be between {min} and {max}, not {v}"
            )));
        }
        Ok(v)
    }

    pub fn date(&self, key: &str) -> Result<Option<i32>, ApiError> {
        self.get(key)
            .map(|v| {
                fulcrum_model::parse_iso_date(v)
                    .map_err(|e| ApiError::bad_request(format!("parameter '{key}': {e}")))
            })
            .transpose()
    }

    pub fn actor(&self, key: &str) -> Result<ActorSpec, ApiError> {
        ActorSpec::parse(self.required(key)?)
            .map_err(|e| ApiError::bad_request(format!("parameter '{key}': {e}")))
    }

    /// The window (from, to, dataset; by and dedup where the endpoint takes them), checked as every question
    /// checks it ([`Window::selection`]).
    pub fn selection(&self) -> Result<Selection, ApiError> {
        let window = Window {
            from: self.date("from")?,
            to: self.date("to")?,
            period: self.parse::<Period>("by", Period::Month)?,
            dataset: self.get("dataset").map(str::to_string),
            dedup: self.parse::<Dedup>("dedup", Dedup::Raw)?,
            no_resolve: self.parse::<bool>("no_resolve", false)?,
        };
        Ok(window.selection()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)], own: &[&str]) -> Result<Params, ApiError> {
        Params::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            own,
            true,
        )
    }

    #[test]
    fn unknown_parameters_are_refused_with_the_list_of_known_ones() {
        let e = params(&[("a", "RUS"), ("granularity", "week")], &["a", "b"])
            .err()
            .unwrap();
        assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
        assert!(
            e.message.contains("unknown parameter 'granularity'")
                && e.message.contains("a, b, from, to, by"),
            "{}",
            e.message
        );
    }

    #[test]
    fn values_are_parsed_with_messages_that_teach() {
        let p = params(
            &[
                ("by", "week"),
                ("from", "2019-02-14"),
                ("n", "900"),
                ("flag", "maybe"),
            ],
            &["n", "flag"],
        )
        .unwrap();
        let s = p.selection().unwrap();
        assert_eq!((s.period, s.from), (Period::Week, Some(17_941)));
        assert!(
            p.bounded("n", 1, 1, 500)
                .err()
                .unwrap()
                .message
                .contains("between 1 and 500, not 900")
        );
        let p = params(&[("from", "2019-03-01"), ("to", "2019-01-01")], &[]).unwrap();
        assert!(
            p.selection()
                .err()
                .unwrap()
                .message
                .contains("'from' is after 'to'")
        );
    }
}
