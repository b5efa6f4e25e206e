//! Fulcrum's questions layer: one function per question, used by every front end.
//!
//! A question is a typed request (its options and their defaults defined once, as a `clap::Args`), answered by a
//! method of [`Questions`] into a typed answer. The CLI parses the request from its command line and prints the
//! answer; the server parses the same request from a query string ([`front::from_query`]) and serialises the
//! answer; Python turns answers into Arrow tables ([`table`]). Questions read events through
//! [`fulcrum_events::EventSource`]: the store's saved pair index or SQL over the store (the CLI, Python: see
//! [`source::StoreSource`]), the in-memory `EventTable` (the server), or a remote engine.
//!
//! | question | request | answer |
//! |---|---|---|
//! | directed-dyad series | [`relations::DyadRequest`] | [`relations::DyadAnswer`] |
//! | change points | [`relations::ChangesRequest`] | [`relations::ChangesAnswer`] |
//! | balancer view | [`relations::BalanceRequest`] | [`relations::BalanceAnswer`] |
//! | signed triads | [`relations::TriadRequest`] | [`relations::TriadAnswer`] |
//! | triangular VAR | [`relations::VarRequest`] | [`relations::VarAnswer`] |
//! | dyad forecast | [`forecast::DyadForecastRequest`] | [`forecast::DyadForecastAnswer`] |
//! | dyad backtest | [`forecast::BacktestRequest`] | [`forecast::BacktestAnswer`] |
//! | TKG forecast | [`forecast::TkgRequest`] | [`forecast::TkgAnswer`] |
//! | what the store holds | [`stats::store_stats`] | [`stats::StoreStats`] |

pub mod charts;
pub mod check;
pub mod episodes;
mod error;
pub mod forecast;
pub mod front;
pub mod maps;
pub mod relations;
mod report;
pub mod source;
pub mod stats;
pub mod table;

use std::time::{Duration, Instant};

use fulcrum_events::{EventSource, Loaded, Partnered, Selection};
use fulcrum_model::actors::{ActorSpec, groups};
use fulcrum_model::{Dedup, Period, ValueError, iso_date, parse_iso_date};

pub use error::{ErrorKind, QuestionError};

/// A day as `YYYY-MM-DD`, for clap and the query-string front end.
pub fn parse_day(s: &str) -> Result<i32, ValueError> {
    parse_iso_date(s)
}

/// A Ballista cluster that runs the store's reads: its scheduler (`df://HOST:PORT`) and how long a query may take.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub url: String,
    pub timeout: Duration,
}

/// Opens the store for reading: in process, or on the cluster.
pub fn open_store(
    store: &fulcrum_store::StoreLocation,
    cluster: Option<&Cluster>,
) -> Result<fulcrum_query::QueryEngine, QuestionError> {
    match cluster {
        None => fulcrum_query::QueryEngine::open_at(store),
        Some(c) => fulcrum_query::QueryEngine::connect(store, &c.url, c.timeout),
    }
    .map_err(|error| QuestionError::Open {
        store: store.to_string(),
        cluster: cluster.map(|c| c.url.clone()),
        error: Box::new(error),
    })
}

/// The dated actor roles that resolve people and organisations to states: the dictionary folder's (and Fulcrum's
/// built-in ones), or the built-in ones alone without a folder (or with one that does not load) — then with a note
/// that says so, for the front end to show once.
pub fn actor_roles(dict: &std::path::Path) -> (fulcrum_model::resolve::Resolver, Option<String>) {
    use fulcrum_coder::Dictionaries;
    if !dict.is_dir() {
        let note = format!(
            "note: no dictionary folder at {}: people are resolved to states only by Fulcrum's built-in roles of \
             recent leaders; `fulcrum dict fetch --dir {0}` downloads the PETRARCH-2 dictionaries (tens of \
             thousands of dated roles), --dict DIR points elsewhere.",
            dict.display()
        );
        return (Dictionaries::builtin_resolver(), Some(note));
    }
    match Dictionaries::resolver(dict) {
        Ok(r) => (r, None),
        Err(e) => (
            Dictionaries::builtin_resolver(),
            Some(format!(
                "warning: {e}; resolving names with Fulcrum's built-in roles only"
            )),
        ),
    }
}

/// The window every relations question shares: which days, how they are bucketed, which datasets, and how
/// repeated reports are counted.
#[derive(clap::Args, Debug, Clone, PartialEq)]
pub struct Window {
    /// First day (YYYY-MM-DD); default: the first event between the actors.
    #[arg(long, value_parser = parse_day)]
    pub from: Option<i32>,
    /// Last day, inclusive (YYYY-MM-DD); default: the last event between the actors.
    #[arg(long, value_parser = parse_day)]
    pub to: Option<i32>,
    /// Series granularity.
    #[arg(long = "by", default_value = "month", value_name = "day|week|month")]
    pub period: Period,
    /// Only these datasets (comma-separated: gdelt1,gdelt2,icews,tkg,coded); default all.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Counting rule for repeated reports: raw, daily (one-a-day), root.
    #[arg(long, default_value = "raw")]
    pub dedup: Dedup,
    /// Count only actors stored with a state: do not resolve people and organisations named only by name
    /// ("Vladimir Putin") to the state they act for on the day.
    #[arg(long)]
    pub no_resolve: bool,
}

impl Window {
    /// The window as the event sources take it; refuses a window that ends before it starts.
    pub fn selection(&self) -> Result<Selection, QuestionError> {
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            return Err(QuestionError::WindowReversed {
                from: iso_date(from),
                to: iso_date(to),
            });
        }
        Ok(Selection {
            from: self.from,
            to: self.to,
            period: self.period,
            datasets: self.dataset.as_ref().map(|list| {
                list.split(',')
                    .map(|d| d.trim().to_string())
                    .filter(|d| !d.is_empty())
                    .collect()
            }),
            dedup: self.dedup,
            resolve: !self.no_resolve,
        })
    }
}

/// The window with every default: all days, by month, all datasets, raw counts, names resolved.
pub fn default_window() -> Window {
    Window {
        from: None,
        to: None,
        period: Period::Month,
        dataset: None,
        dedup: Dedup::Raw,
        no_resolve: false,
    }
}

/// The window an answer covers, resolved against the data.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Span {
    /// First and last day (days since 1970-01-01).
    pub from: i32,
    pub to: i32,
    pub period: Period,
    pub dedup: Dedup,
    pub datasets: Option<Vec<String>>,
    /// Whether actors named only by name were resolved to states.
    pub resolved: bool,
}

impl Span {
    /// Every period start of the window.
    pub fn periods(&self) -> Vec<i32> {
        self.period.range(self.from, self.to)
    }

    /// The resolved window as the event sources take it.
    pub fn selection(&self) -> Selection {
        Selection {
            from: Some(self.from),
            to: Some(self.to),
            period: self.period,
            datasets: self.datasets.clone(),
            dedup: self.dedup,
            resolve: self.resolved,
        }
    }

    /// Whether the last period runs past the window's end (its counts are partial).
    pub fn last_period_partial(&self) -> bool {
        self.period.next(self.period.start(self.to)) - 1 > self.to
    }
}

/// An actor of an answer: the code tables use and the name people read.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Actor {
    pub code: String,
    pub name: String,
}

impl Actor {
    pub fn of(spec: &ActorSpec) -> Self {
        let name = match spec {
            ActorSpec::Country { code } => fulcrum_model::cameo::country_label(code)
                .unwrap_or(code)
                .to_string(),
            ActorSpec::Exact { code } => code.clone(),
            ActorSpec::Group { name, .. } => groups()
                .into_iter()
                .find(|g| g.0 == name)
                .map_or(name.clone(), |g| g.1.to_string()),
        };
        Actor {
            code: spec.label(),
            name,
        }
    }
}

/// Bounds a front end puts on the work of one question (the server's; the CLI has none).
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// Most periods a window may have.
    pub max_periods: Option<usize>,
    /// When the question must be answered by; long loops stop with [`QuestionError::DeadlineExceeded`].
    pub deadline: Option<(Instant, Duration)>,
}

impl Limits {
    /// A deadline `budget` from now.
    pub fn with_budget(self, budget: Duration) -> Self {
        Limits {
            deadline: Some((Instant::now() + budget, budget)),
            ..self
        }
    }

    /// Fails once the deadline has passed; called between units of work.
    pub fn check(&self) -> Result<(), QuestionError> {
        match self.deadline {
            Some((at, budget)) if Instant::now() >= at => {
                Err(QuestionError::DeadlineExceeded(budget))
            }
            _ => Ok(()),
        }
    }
}

/// Answers questions from one event source, within limits.
pub struct Questions<'s> {
    source: &'s dyn EventSource,
    limits: Limits,
}

impl<'s> Questions<'s> {
    pub fn new(source: &'s dyn EventSource) -> Self {
        Questions {
            source,
            limits: Limits::default(),
        }
    }

    pub fn with_limits(self, limits: Limits) -> Self {
        Questions { limits, ..self }
    }

    /// The events between the actors in the window, refusing windows with more periods than the limit.
    fn load(&self, actors: &[ActorSpec], window: &Window) -> Result<(Loaded, Span), QuestionError> {
        let selection = window.selection()?;
        let loaded = self.source.select(actors, &selection)?;
        let span = self.span(selection, loaded.from, loaded.to)?;
        Ok((loaded, span))
    }

    /// The events between one of `focus` and every other state in the window.
    fn load_partners(
        &self,
        focus: &[ActorSpec],
        window: &Window,
    ) -> Result<(Partnered, Span), QuestionError> {
        let selection = window.selection()?;
        let loaded = self.source.partners(focus, &selection)?;
        let span = self.span(selection, loaded.from, loaded.to)?;
        Ok((loaded, span))
    }

    /// The window resolved against the data, refusing windows with more periods than the limit.
    fn span(&self, selection: Selection, from: i32, to: i32) -> Result<Span, QuestionError> {
        let span = Span {
            from,
            to,
            period: selection.period,
            dedup: selection.dedup,
            datasets: selection.datasets,
            resolved: selection.resolve && self.source.resolves_names(),
        };
        let periods = span.periods().len();
        if let Some(max) = self.limits.max_periods
            && periods > max
        {
            return Err(QuestionError::TooManyPeriods {
                from: iso_date(span.from),
                to: iso_date(span.to),
                periods,
                period: span.period.to_string(),
                max,
            });
        }
        Ok(span)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::FromArgMatches;

    #[test]
    fn the_default_window_is_what_the_clap_definition_gives() {
        let cmd =
            <Window as clap::Args>::augment_args(clap::Command::new("w").no_binary_name(true));
        let matches = cmd.try_get_matches_from(Vec::<String>::new()).unwrap();
        assert_eq!(
            Window::from_arg_matches(&matches).unwrap(),
            default_window()
        );
    }
}
