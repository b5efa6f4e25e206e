//! Known episodes from the public record, and whether the measures show them.
//!
//! An episode (`episodes/episodes.json`) is a window of days with what the record says happened: a dyad's
//! *spike* of activity, a *cooperative* or *hostile* turn, or a third state's *tilt* toward one of two rivals.
//! The tests are fixed here, before any episode is run, and documented in docs/relations.md ("Known episodes"):
//!
//! * the dyad's events (both directions) in the window are compared with its **baseline**: every other day of
//!   the data's span, leaving out [`MARGIN_DAYS`] either side of the window (build-up and aftermath);
//! * **spike**: at least [`SPIKE_RATIO`] times the baseline's events per day, and at least [`SPIKE_EVENTS`] events;
//! * **cooperative** / **hostile**: the window's mean Goldstein is above / below the baseline's, one-sided Welch
//!   test (normal approximation) at [`ALPHA`];
//! * **tilt**: the balancer's default reading over the window leans toward the named rival (its 90% band excludes
//!   0 on that side, with enough evidence); the old mean-tilt reading is reported beside it.

use fulcrum_model::actors::ActorSpec;
use fulcrum_model::parse_iso_date;
use fulcrum_relations::balance::Lean;
use fulcrum_relations::compare::window_vs_baseline;

use crate::relations::BalanceRequest;
use crate::{QuestionError, Questions, Window};

/// Days left out of the baseline on each side of an episode's window.
pub const MARGIN_DAYS: i32 = 14;
/// A spike is at least this many times the baseline rate …
pub const SPIKE_RATIO: f64 = 2.0;
/// … and at least this many events.
pub const SPIKE_EVENTS: u64 = 5;
/// Significance level of the cooperative and hostile tests.
pub const ALPHA: f64 = 0.05;

/// What the record says an episode shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expectation {
    Spike,
    Cooperative,
    Hostile,
    Tilt,
}

/// One episode as the file lists it.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Episode {
    pub id: String,
    pub title: String,
    pub from: String,
    pub to: String,
    /// For spike, cooperative and hostile: the two states.
    #[serde(default)]
    pub dyad: Option<[String; 2]>,
    /// For tilt: the third state, the two rivals, and the one the record says it leaned to.
    #[serde(default)]
    pub third: Option<String>,
    #[serde(default)]
    pub between: Option<[String; 2]>,
    #[serde(default)]
    pub toward: Option<String>,
    pub expect: Vec<Expectation>,
    pub sources: Vec<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// The file of episodes.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct EpisodeFile {
    pub version: u32,
    pub about: String,
    pub episodes: Vec<Episode>,
}

/// One expectation of one episode, tested.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EpisodeCheck {
    pub id: String,
    pub expectation: Expectation,
    pub hit: bool,
    /// What was measured, in words.
    pub measured: String,
    /// For tilt: whether the old mean-tilt reading pointed the same way (`None`: it has no reading, for lack of
    /// events with one of the rivals).
    pub mean_tilt_hit: Option<bool>,
}

impl Episode {
    /// First and last day.
    pub fn days(&self) -> Result<(i32, i32), QuestionError> {
        let day = |s: &str| {
            parse_iso_date(s)
                .map_err(|e| QuestionError::Parameter(format!("episode {}: {e}", self.id)))
        };
        Ok((day(&self.from)?, day(&self.to)?))
    }
}

fn actor(id: &str, name: &str) -> Result<ActorSpec, QuestionError> {
    ActorSpec::parse(name).map_err(|e| QuestionError::Parameter(format!("episode {id}: {e}")))
}

impl Questions<'_> {
    /// Tests every expectation of an episode on the events of `span` (the data's first and last day).
    pub fn check_episode(
        &self,
        e: &Episode,
        span: (i32, i32),
    ) -> Result<Vec<EpisodeCheck>, QuestionError> {
        let (from, to) = e.days()?;
        let mut out = Vec::new();
        for &expectation in &e.expect {
            let check = |hit: bool, measured: String, mean_tilt_hit: Option<bool>| EpisodeCheck {
                id: e.id.clone(),
                expectation,
                hit,
                measured,
                mean_tilt_hit,
            };
            if expectation == Expectation::Tilt {
                let (Some(third), Some([a, b]), Some(toward)) = (&e.third, &e.between, &e.toward)
                else {
                    return Err(QuestionError::Parameter(format!(
                        "episode {}: a tilt needs third, between and toward",
                        e.id
                    )));
                };
                let request = BalanceRequest {
                    third: Some(actor(&e.id, third)?),
                    between: vec![actor(&e.id, a)?, actor(&e.id, b)?],
                    window: Window {
                        from: Some(from),
                        to: Some(to),
                        ..crate::default_window()
                    },
                    break_day: None,
                    min_events: fulcrum_relations::balance::MIN_EVENTS,
                };
                let answer = self.balance(&request)?;
                let t = &answer.overall;
                let wanted = if toward == a {
                    Lean::TowardA
                } else {
                    Lean::TowardB
                };
                let mean_sign = if toward == a { 1.0 } else { -1.0 };
                out.push(check(
                    t.lean == wanted,
                    format!(
                        "tilt {:+.3} [{:+.3}, {:+.3}] → {} ({}/{} events); mean tilt {:+.3}",
                        t.tilt,
                        t.tilt_low,
                        t.tilt_high,
                        t.lean.describe(a, b),
                        t.events_ta,
                        t.events_tb,
                        t.mean_tilt
                    ),
                    t.mean_tilt
                        .is_finite()
                        .then_some(t.mean_tilt * mean_sign > 0.0),
                ));
                continue;
            }
            let Some([a, b]) = &e.dyad else {
                return Err(QuestionError::Parameter(format!(
                    "episode {}: {expectation:?} needs a dyad",
                    e.id
                )));
            };
            let actors = [actor(&e.id, a)?, actor(&e.id, b)?];
            let selection = fulcrum_events::Selection {
                from: Some(span.0),
                to: Some(span.1),
                ..fulcrum_events::Selection::default()
            };
            let events = match self.source.select(&actors, &selection) {
                Ok(loaded) => loaded.events,
                Err(fulcrum_events::LoadError::NoEvents { .. }) => Vec::new(),
                Err(other) => return Err(other.into()),
            };
            let in_window = |d: i32| d >= from && d <= to;
            let near = |d: i32| d >= from - MARGIN_DAYS && d <= to + MARGIN_DAYS;
            let window: Vec<f64> = events
                .iter()
                .filter(|x| in_window(x.day))
                .map(|x| x.goldstein)
                .collect();
            let baseline: Vec<f64> = events
                .iter()
                .filter(|x| !near(x.day))
                .map(|x| x.goldstein)
                .collect();
            let days_in = |lo: i32, hi: i32| (hi.min(span.1) - lo.max(span.0) + 1).max(0);
            let window_days = days_in(from, to);
            let baseline_days =
                days_in(span.0, span.1) - days_in(from - MARGIN_DAYS, to + MARGIN_DAYS);
            let c =
                window_vs_baseline(&window, window_days as u32, &baseline, baseline_days as u32);
            let (hit, what) = match expectation {
                Expectation::Spike => (
                    c.rate_ratio >= SPIKE_RATIO && c.window_events >= SPIKE_EVENTS,
                    format!("{:.1}× the baseline rate", c.rate_ratio),
                ),
                Expectation::Cooperative => (
                    c.p_cooperative < ALPHA,
                    format!("p(more cooperative) {:.3}", c.p_cooperative),
                ),
                _ => (
                    c.p_hostile < ALPHA,
                    format!("p(more hostile) {:.3}", c.p_hostile),
                ),
            };
            out.push(check(
                hit,
                format!(
                    "{what}: {} events in {} days (mean Goldstein {:+.2}) vs {} in {} days ({:+.2})",
                    c.window_events,
                    c.window_days,
                    c.window_mean,
                    c.baseline_events,
                    c.baseline_days,
                    c.baseline_mean
                ),
                None,
            ));
        }
        Ok(out)
    }
}
