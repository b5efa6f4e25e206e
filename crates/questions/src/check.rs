//! The claim check: an article's claims about relations between states (read by `fulcrum_coder::claims`), each
//! tested on the store with the measures Fulcrum already has, with a verdict and its evidence.
//!
//! The tests are fixed here, before any article is run, and documented in docs/check.md. The article's date `D`,
//! the window `W` (default 90 days) and the horizon `A` (default 180 days) set the periods:
//! - **level** ("A and B cooperate"): the events between them in `[D−W+1, D]` (both directions, or one when the
//!   claim is directed); the mean Goldstein against 0 (one-sided, normal approximation, [`ALPHA`]); the pair's own
//!   baseline (the year before the window) is reported beside it.
//! - **trend** ("ties grow", "trust is declining"): the window's mean Goldstein against the year before it
//!   (one-sided Welch, as the known-episode tests). Said of the future ("will grow"): what followed — `(D, D+A]`
//!   against the window — when the store has it; else Fulcrum's forecast of the dyad's monthly events, whose 90%
//!   band decides only when it lies wholly above or below the window's level.
//! - **balance** ("balances between A and B"): the balancer reading of the third state over the window — even
//!   (enough events, band across 0): supported; leaning to either: contradicted.
//! - **side** ("takes A's side"): leaning to A: supported; to the rival: contradicted; even: not clear. Negated
//!   ("no longer takes A's side"): the shift of the tilt from the year before the window to the window (the
//!   break test) — away from A at [`ALPHA`] and not leaning to A any more: supported; still leaning to A:
//!   contradicted.
//! - **event** ("joint exercises"): events of the cue's CAMEO codes between the two in the year to `D` (articles
//!   cite the past year), or in `(D, D+A]` for the future: at least [`MIN_TYPED_EVENTS`]: supported; none while
//!   the pair has at least [`MIN_EVENTS`] events: contradicted.
//!
//! A verdict never rests on fewer than [`MIN_EVENTS`] events on each side compared (the balancer's own minimum for
//! alignment): below it the verdict is *no data*, saying whether the store covers the period at all.

use fulcrum_coder::claims::{ArticleClaims, Claim, Cue, NotUnderstood};
use fulcrum_events::{LoadError, Selection};
use fulcrum_model::actors::ActorSpec;
use fulcrum_model::{Event, code_of_key, iso_date};
use fulcrum_relations::balance::{Lean, TiltEstimate};
use fulcrum_relations::compare::window_vs_baseline;
use serde::Serialize;

use crate::forecast::{DyadForecastRequest, DyadTarget, ForecastTarget, Models};
use crate::relations::BalanceRequest;
use crate::{QuestionError, Questions, Window};

/// Fewest events on each side of a comparison for a verdict.
pub const MIN_EVENTS: usize = 10;
/// Fewest events of a claimed type for an event claim to be supported.
pub const MIN_TYPED_EVENTS: usize = 2;
/// Significance level of every test.
pub const ALPHA: f64 = 0.05;
/// Days before the window a trend is compared with (and a level's baseline).
pub const BASELINE_DAYS: i32 = 365;
/// Days an event claim looks back.
pub const EVENT_LOOKBACK_DAYS: i32 = 365;
/// Events listed behind each verdict.
pub const EVENTS_LISTED: usize = 8;

/// `90d`, `12w`, `3m` (30.4 days) or a bare number of days.
pub fn parse_span(s: &str) -> Result<i32, String> {
    let s = s.trim();
    let (number, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 'd'),
    };
    let n: f64 = number
        .parse()
        .map_err(|_| format!("{s:?}: a number of days, weeks or months, such as 90d, 12w or 3m"))?;
    let days = match unit {
        'd' => n,
        'w' => n * 7.0,
        'm' => n * 30.4,
        other => return Err(format!("{s:?}: unit {other:?} is not d, w or m")),
    };
    if !(1.0..=36_500.0).contains(&days) {
        return Err(format!("{s:?}: between 1 day and 100 years"));
    }
    Ok(days.round() as i32)
}

/// The article dates a check takes: 1800-01-01 .. 2200-12-31 (event data starts in 1979; far dates would overflow
/// the calendar arithmetic of the windows and of dated roles).
pub fn check_date(day: i32) -> Result<(), QuestionError> {
    const FIRST: i32 = -62_091; // 1800-01-01
    const LAST: i32 = 84_005; // 2200-12-31
    if (FIRST..=LAST).contains(&day) {
        Ok(())
    } else {
        Err(QuestionError::Parameter(format!(
            "the article's date {} is outside 1800-01-01 .. 2200-12-31",
            iso_date(day)
        )))
    }
}

/// When the claims are tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckWindows {
    /// The article's date (days since 1970-01-01).
    pub date: i32,
    /// Days up to the date that "now" covers.
    pub window_days: i32,
    /// Days after the date a forecast-like claim is tested on.
    pub after_days: i32,
}

/// The verdict on one claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Supported,
    Contradicted,
    NotClear,
    NoData,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Supported => "supported",
            Verdict::Contradicted => "contradicted",
            Verdict::NotClear => "not clear",
            Verdict::NoData => "no data",
        }
    }
}

/// A period a claim was tested on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    pub name: String,
    pub from: String,
    pub to: String,
}

/// One event behind a verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventLine {
    pub date: String,
    pub source: String,
    pub target: String,
    pub code: String,
    pub goldstein: f64,
    /// The stored row: `input:line` and its source URL, when [`add_provenance`] found it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
}

/// One claim, tested.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClaimCheck {
    pub claim: Claim,
    /// The claim in Fulcrum's terms ("RUS–PAK cooperate (level)").
    pub reading: String,
    pub verdict: Verdict,
    /// The figures behind the verdict, in words.
    pub evidence: String,
    pub periods: Vec<Period>,
    /// Events of the tested period (for event claims, those of the claimed type), latest first.
    pub events: Vec<EventLine>,
}

/// An article's claims, tested.
#[derive(Debug, Clone, Serialize)]
pub struct CheckAnswer {
    pub date: String,
    pub window_days: i32,
    pub after_days: i32,
    pub sentences: usize,
    pub checks: Vec<ClaimCheck>,
    pub not_understood: Vec<NotUnderstood>,
    /// States by mentions in the article.
    pub topic_states: Vec<(String, usize)>,
}

impl CheckAnswer {
    /// How many claims got each verdict.
    pub fn tally(&self) -> [(Verdict, usize); 4] {
        [
            Verdict::Supported,
            Verdict::Contradicted,
            Verdict::NotClear,
            Verdict::NoData,
        ]
        .map(|v| (v, self.checks.iter().filter(|c| c.verdict == v).count()))
    }
}

fn state(code: &str) -> ActorSpec {
    ActorSpec::Country {
        code: code.to_string(),
    }
}

fn describe_claim(c: &Claim) -> String {
    let pair = |sep: &str| format!("{}{sep}{}", c.states[0], c.states[1]);
    let link = if c.directed { " → " } else { "–" };
    let when = if c.future { ", future" } else { "" };
    let not = if c.negated { "not " } else { "" };
    match &c.cue {
        Cue::Cooperative | Cue::Hostile => {
            format!(
                "{} {}",
                pair(link),
                if c.sign > 0 {
                    "cooperate"
                } else {
                    "are hostile"
                }
            ) + &format!(" (level{when})")
        }
        Cue::Warming | Cue::Cooling => format!(
            "{} relations {} (trend{when})",
            pair(link),
            if c.sign > 0 { "warm" } else { "cool" }
        ),
        Cue::Balance => format!(
            "{} {not}balances between {} and {} (alignment{when})",
            c.states[0], c.states[1], c.states[2]
        ),
        Cue::Side => format!(
            "{} {}takes {}'s side against {} (alignment{when})",
            c.states[0],
            if c.negated { "no longer " } else { "" },
            c.states[1],
            c.states[2]
        ),
        Cue::Event(codes) => format!(
            "{not}events {} between {} (event{when})",
            codes.join("/"),
            pair("–")
        ),
    }
}

fn period(name: &str, from: i32, to: i32) -> Period {
    Period {
        name: name.to_string(),
        from: iso_date(from),
        to: iso_date(to),
    }
}

fn lines(events: &[&Event], states: &[String]) -> Vec<EventLine> {
    let mut sorted: Vec<&&Event> = events.iter().collect();
    sorted.sort_by_key(|e| std::cmp::Reverse(e.day));
    sorted
        .into_iter()
        .take(EVENTS_LISTED)
        .map(|e| EventLine {
            date: iso_date(e.day),
            source: states[usize::from(e.src)].clone(),
            target: states[usize::from(e.dst)].clone(),
            code: code_of_key(e.code),
            goldstein: e.goldstein,
            provenance: None,
        })
        .collect()
}

/// One-sided p-values that a sample's mean is above / below 0 (normal approximation).
fn sign_test(x: &[f64]) -> (f64, f64, f64, f64) {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    let se = (var / n).sqrt();
    let z = mean / se;
    let normal = normal_cdf;
    if se > 0.0 {
        (mean, se, 1.0 - normal(z), normal(z))
    } else if mean > 0.0 {
        (mean, se, 0.0, 1.0)
    } else if mean < 0.0 {
        (mean, se, 1.0, 0.0)
    } else {
        (mean, se, 0.5, 0.5)
    }
}

/// The verdict of a one-sided test each way: p that the claim holds, p that the opposite does.
fn verdict_of(p_claim: f64, p_against: f64) -> Verdict {
    if p_claim < ALPHA {
        Verdict::Supported
    } else if p_against < ALPHA {
        Verdict::Contradicted
    } else {
        Verdict::NotClear
    }
}

fn normal_cdf(z: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().cdf(z)
}

fn describe_tilt(t: &TiltEstimate, a: &str, b: &str) -> String {
    format!("tilt {} (90% band)", crate::report::describe_tilt(t, a, b))
}

impl Questions<'_> {
    /// Events between two states in `[from, to]`: both directions, or only the first acting on the second.
    fn pair_events(
        &self,
        states: &[String],
        directed: bool,
        from: i32,
        to: i32,
    ) -> Result<Vec<Event>, QuestionError> {
        let actors = [state(&states[0]), state(&states[1])];
        let selection = Selection {
            from: Some(from),
            to: Some(to),
            ..Selection::default()
        };
        let events = match self.source.select(&actors, &selection) {
            Ok(loaded) => loaded.events,
            Err(LoadError::NoEvents { .. }) => Vec::new(),
            Err(other) => return Err(other.into()),
        };
        Ok(events
            .into_iter()
            .filter(|e| !directed || (e.src == 0 && e.dst == 1))
            .collect())
    }

    /// Whether the store holds any event at all in `[from, to]`.
    fn covers(&self, from: i32, to: i32) -> Result<bool, QuestionError> {
        let selection = Selection {
            from: Some(from),
            to: Some(to),
            ..Selection::default()
        };
        Ok(self
            .source
            .totals(&selection, from, to)?
            .values()
            .any(|&n| n > 0))
    }

    fn no_data(
        &self,
        what: String,
        from: i32,
        to: i32,
    ) -> Result<(Verdict, String), QuestionError> {
        let coverage = if self.covers(from, to)? {
            "the store covers the period"
        } else {
            "the store holds no events at all in the period"
        };
        Ok((
            Verdict::NoData,
            format!(
                "{what}; a verdict needs at least {MIN_EVENTS} ({coverage}: {} .. {})",
                iso_date(from),
                iso_date(to)
            ),
        ))
    }

    /// Tests every claim of an article.
    pub fn check(
        &self,
        article: &ArticleClaims,
        w: CheckWindows,
    ) -> Result<CheckAnswer, QuestionError> {
        check_date(w.date)?;
        if w.window_days < 1 || w.after_days < 1 {
            return Err(QuestionError::Parameter(
                "the window and the horizon are at least one day".into(),
            ));
        }
        let mut checks = Vec::new();
        for claim in &article.claims {
            self.limits.check()?;
            checks.push(self.check_claim(claim, w)?);
        }
        Ok(CheckAnswer {
            date: iso_date(w.date),
            window_days: w.window_days,
            after_days: w.after_days,
            sentences: article.sentences,
            checks,
            not_understood: article.not_understood.clone(),
            topic_states: article.topic_states.clone(),
        })
    }

    fn check_claim(&self, c: &Claim, w: CheckWindows) -> Result<ClaimCheck, QuestionError> {
        let d = w.date;
        let now = (d - w.window_days + 1, d);
        let before = (now.0 - BASELINE_DAYS, now.0 - 1);
        let after = (d + 1, d + w.after_days);
        let mut periods = Vec::new();
        let listed;
        let (verdict, evidence) = match &c.cue {
            Cue::Cooperative | Cue::Hostile => {
                let tested = if c.future { after } else { now };
                periods.push(period(
                    if c.future { "after" } else { "window" },
                    tested.0,
                    tested.1,
                ));
                let events = self.pair_events(&c.states, c.directed, tested.0, tested.1)?;
                listed = lines(&events.iter().collect::<Vec<_>>(), &c.states);
                if events.len() < MIN_EVENTS {
                    self.no_data(
                        format!(
                            "{} events between {} and {}",
                            events.len(),
                            c.states[0],
                            c.states[1]
                        ),
                        tested.0,
                        tested.1,
                    )?
                } else {
                    let g: Vec<f64> = events.iter().map(|e| e.goldstein).collect();
                    let (mean, se, p_up, p_down) = sign_test(&g);
                    let (p_claim, p_against) = if c.sign > 0 {
                        (p_up, p_down)
                    } else {
                        (p_down, p_up)
                    };
                    let base = self.pair_events(&c.states, c.directed, before.0, before.1)?;
                    let base_mean = if base.is_empty() {
                        "no events".to_string()
                    } else {
                        format!(
                            "{:+.2} over {} events",
                            base.iter().map(|e| e.goldstein).sum::<f64>() / base.len() as f64,
                            base.len()
                        )
                    };
                    periods.push(period("baseline (reported)", before.0, before.1));
                    let verdict = verdict_of(p_claim, p_against);
                    (
                        verdict,
                        format!(
                            "mean Goldstein {mean:+.2} (95%: {:+.2} .. {:+.2}) over {} events; p(cooperative) {p_up:.3}, \
                             p(hostile) {p_down:.3}; the year before: {base_mean}",
                            mean - 1.96 * se,
                            mean + 1.96 * se,
                            g.len()
                        ),
                    )
                }
            }
            Cue::Warming | Cue::Cooling => {
                let (early, late) = if c.future {
                    (now, after)
                } else {
                    (before, now)
                };
                periods.push(period("before", early.0, early.1));
                periods.push(period(
                    if c.future { "after" } else { "window" },
                    late.0,
                    late.1,
                ));
                let first = self.pair_events(&c.states, c.directed, early.0, early.1)?;
                let second = self.pair_events(&c.states, c.directed, late.0, late.1)?;
                listed = lines(&second.iter().collect::<Vec<_>>(), &c.states);
                if c.future && second.len() < MIN_EVENTS && !self.covers(late.0, late.1)? {
                    self.forecast_trend(c, &first, early, late)?
                } else if first.len() < MIN_EVENTS || second.len() < MIN_EVENTS {
                    let (what, from, to) = if first.len() < MIN_EVENTS {
                        (first.len(), early.0, early.1)
                    } else {
                        (second.len(), late.0, late.1)
                    };
                    self.no_data(
                        format!("{what} events between {} and {}", c.states[0], c.states[1]),
                        from,
                        to,
                    )?
                } else {
                    let g = |x: &[Event]| x.iter().map(|e| e.goldstein).collect::<Vec<f64>>();
                    let days = |p: (i32, i32)| (p.1 - p.0 + 1) as u32;
                    let cmp = window_vs_baseline(&g(&second), days(late), &g(&first), days(early));
                    let (p_claim, p_against) = if c.sign > 0 {
                        (cmp.p_cooperative, cmp.p_hostile)
                    } else {
                        (cmp.p_hostile, cmp.p_cooperative)
                    };
                    let verdict = verdict_of(p_claim, p_against);
                    (
                        verdict,
                        format!(
                            "mean Goldstein {:+.2} over {} events, against {:+.2} over {} before (Welch z {:+.2}; \
                             p(warmer) {:.3}, p(cooler) {:.3}); {:.2}× the events per day{}",
                            cmp.window_mean,
                            cmp.window_events,
                            cmp.baseline_mean,
                            cmp.baseline_events,
                            cmp.z,
                            cmp.p_cooperative,
                            cmp.p_hostile,
                            cmp.rate_ratio,
                            if c.future {
                                " (what followed the date)"
                            } else {
                                ""
                            }
                        ),
                    )
                }
            }
            Cue::Balance | Cue::Side => {
                let (third, a, b) = (&c.states[0], &c.states[1], &c.states[2]);
                let tested = if c.future { after } else { now };
                let negated_side = matches!(c.cue, Cue::Side) && c.negated;
                // "No longer": the reading before (the year before the window, or the window itself for the future)
                // against the one tested.
                let base = if c.future { now } else { before };
                let from = if negated_side { base.0 } else { tested.0 };
                let request = BalanceRequest {
                    third: Some(state(third)),
                    between: vec![state(a), state(b)],
                    window: Window {
                        from: Some(from),
                        to: Some(tested.1),
                        ..crate::default_window()
                    },
                    break_day: negated_side.then_some(tested.0),
                    min_events: MIN_EVENTS as u64,
                };
                if negated_side {
                    periods.push(period("before", base.0, base.1));
                }
                periods.push(period(
                    if c.future { "after" } else { "window" },
                    tested.0,
                    tested.1,
                ));
                let answer = match self.balance(&request) {
                    Ok(answer) => Some(answer),
                    Err(QuestionError::Load(LoadError::NoEvents { .. })) => None,
                    Err(e) => return Err(e),
                };
                let trio = c.states.clone();
                let events_of =
                    |x: &[String; 2]| self.pair_events(&x[..], false, tested.0, tested.1);
                let mut all = events_of(&[third.clone(), a.clone()])?;
                all.extend(
                    events_of(&[third.clone(), b.clone()])?
                        .into_iter()
                        .map(|mut e| {
                            // Index into [third, a, b]: the second pair's `b` is the trio's third entry.
                            if e.src == 1 {
                                e.src = 2;
                            }
                            if e.dst == 1 {
                                e.dst = 2;
                            }
                            e
                        }),
                );
                listed = lines(&all.iter().collect::<Vec<_>>(), &trio);
                match answer {
                    None => self.no_data(
                        format!("no events between {third} and {a} or {b}"),
                        from,
                        tested.1,
                    )?,
                    Some(answer) if negated_side => {
                        let Some(t) = &answer.break_test else {
                            return Err(QuestionError::Unanswerable(
                                "the balance answer lacks its break test".into(),
                            ));
                        };
                        let words = format!(
                            "the year before: {}; the window: {}; shift {:+.2} (z {:+.2}, p {:.3})",
                            describe_tilt(&t.before, a, b),
                            describe_tilt(&t.after, a, b),
                            t.shift,
                            t.z,
                            t.p_value
                        );
                        if t.after.lean == Lean::Thin {
                            let what = format!("too few events for a reading: {words}");
                            self.no_data(what, tested.0, tested.1)?
                        } else if t.before.lean == Lean::Thin {
                            let what = format!("too few events for a reading: {words}");
                            self.no_data(what, base.0, base.1)?
                        } else if t.after.lean == Lean::TowardA {
                            (Verdict::Contradicted, words)
                        } else if t.shift < 0.0 && t.p_value < ALPHA {
                            (Verdict::Supported, words)
                        } else {
                            (Verdict::NotClear, words)
                        }
                    }
                    Some(answer) => {
                        let t = &answer.overall;
                        let words = describe_tilt(t, a, b);
                        if t.lean == Lean::Thin {
                            let what = format!("too few events for a reading: {words}");
                            self.no_data(what, tested.0, tested.1)?
                        } else {
                            let verdict = match (&c.cue, t.lean, c.negated) {
                                (_, Lean::Thin, _) => Verdict::NoData,
                                (Cue::Balance, Lean::Even, false) => Verdict::Supported,
                                (Cue::Balance, _, false) => Verdict::Contradicted,
                                (Cue::Balance, Lean::Even, true) => Verdict::Contradicted,
                                (Cue::Balance, _, true) => Verdict::Supported,
                                (_, Lean::TowardA, _) => Verdict::Supported,
                                (_, Lean::TowardB, _) => Verdict::Contradicted,
                                _ => Verdict::NotClear,
                            };
                            (verdict, words)
                        }
                    }
                }
            }
            Cue::Event(codes) => {
                let tested = if c.future {
                    after
                } else {
                    (d - EVENT_LOOKBACK_DAYS.max(w.window_days) + 1, d)
                };
                periods.push(period(
                    if c.future {
                        "after"
                    } else {
                        "the year to the date"
                    },
                    tested.0,
                    tested.1,
                ));
                let events = self.pair_events(&c.states, c.directed, tested.0, tested.1)?;
                let typed: Vec<&Event> = events
                    .iter()
                    .filter(|e| {
                        let code = code_of_key(e.code);
                        codes.iter().any(|p| code.starts_with(p.as_str()))
                    })
                    .collect();
                listed = lines(&typed, &c.states);
                let words = format!(
                    "{} events of code {} among {} between {} and {}",
                    typed.len(),
                    codes.join("/"),
                    events.len(),
                    c.states[0],
                    c.states[1]
                );
                if typed.len() >= MIN_TYPED_EVENTS {
                    (
                        if c.negated {
                            Verdict::Contradicted
                        } else {
                            Verdict::Supported
                        },
                        words,
                    )
                } else if typed.is_empty() && !c.future && !self.covers(now.0, now.1)? {
                    // An absence is read only where the store reaches the date: events of the year to it that the
                    // store has no data for may be the very ones claimed.
                    let what = format!(
                        "{words}, but the store holds nothing in the last {} days before the date",
                        w.window_days
                    );
                    (Verdict::NoData, what)
                } else if typed.is_empty() && events.len() >= MIN_EVENTS {
                    (
                        if c.negated {
                            Verdict::Supported
                        } else {
                            Verdict::Contradicted
                        },
                        words,
                    )
                } else if typed.is_empty() {
                    self.no_data(words, tested.0, tested.1)?
                } else {
                    (Verdict::NotClear, words)
                }
            }
        };
        Ok(ClaimCheck {
            reading: describe_claim(c),
            claim: c.clone(),
            verdict,
            evidence,
            periods,
            events: listed,
        })
    }

    /// A future trend when the store ends before the horizon: Fulcrum's forecast of the dyad's monthly events.
    fn forecast_trend(
        &self,
        c: &Claim,
        recent: &[Event],
        early: (i32, i32),
        late: (i32, i32),
    ) -> Result<(Verdict, String), QuestionError> {
        if recent.len() < MIN_EVENTS {
            return self.no_data(
                format!(
                    "the store ends before the horizon, and {} events before the date are too few to forecast from",
                    recent.len()
                ),
                early.0,
                early.1,
            );
        }
        let months = ((late.1 - late.0 + 1) as f64 / 30.4).ceil().max(1.0) as usize;
        // Whole months only: the forecast's history ends with the month before the date's.
        let date = iso_date(early.1);
        let month_start = fulcrum_model::parse_iso_date(&format!("{}-01", &date[..7]))
            .map_err(|e| QuestionError::Parameter(e.to_string()))?;
        let request = DyadForecastRequest {
            target: DyadTarget {
                a: state(&c.states[0]),
                b: state(&c.states[1]),
                window: Window {
                    to: Some(month_start - 1),
                    ..crate::default_window()
                },
                target: ForecastTarget::Events,
                samples: 2000,
                seed: 1,
            },
            horizon: months,
            model: "negbin"
                .parse::<Models>()
                .map_err(|e| QuestionError::Parameter(e.to_string()))?,
        };
        // A series the models cannot fit (too few months, say) leaves the claim unclear, not the article unchecked.
        let answer = match self.forecast_dyad(&request) {
            Ok(answer) => answer,
            Err(e @ QuestionError::DeadlineExceeded(_)) => return Err(e),
            Err(e) => return Ok((Verdict::NotClear, format!("no forecast could be made: {e}"))),
        };
        let Some(forecast) = answer.forecasts.first() else {
            return Ok((Verdict::NotClear, "no forecast could be made".into()));
        };
        // The level it is compared with: the same series (the first state acting on the second, by month) over the
        // window's last months.
        let window_months = (((early.1 - early.0 + 1) as f64 / 30.4).round() as usize).max(1);
        let history = &answer.series.forward;
        let last = &history[history.len().saturating_sub(window_months)..];
        if last.is_empty() {
            return Ok((
                Verdict::NotClear,
                "no months before the date to forecast from".into(),
            ));
        }
        let level = last.iter().sum::<f64>() / last.len() as f64;
        let lows: Vec<f64> = forecast.steps.iter().map(|p| p.quantile(0.05)).collect();
        let highs: Vec<f64> = forecast.steps.iter().map(|p| p.quantile(0.95)).collect();
        let medians: Vec<f64> = forecast.steps.iter().map(|p| p.quantile(0.5)).collect();
        let above = lows.iter().all(|&l| l > level);
        let below = highs.iter().all(|&h| h < level);
        let verdict = match (above, below, c.sign > 0) {
            (true, _, true) | (_, true, false) => Verdict::Supported,
            (true, _, false) | (_, true, true) => Verdict::Contradicted,
            _ => Verdict::NotClear,
        };
        Ok((
            verdict,
            format!(
                "the store ends before the horizon: Fulcrum's forecast ({}, {} months) of {}→{} events per month: \
                 median {:.0} .. {:.0}, 90% band {:.0} .. {:.0}, against {level:.1} a month over the last {} whole \
                 month(s) (a forecast of volume, one direction: it decides only when its band lies wholly above or \
                 below that level)",
                forecast.model.name(),
                months,
                c.states[0],
                c.states[1],
                medians.iter().copied().fold(f64::INFINITY, f64::min),
                medians.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                lows.iter().copied().fold(f64::INFINITY, f64::min),
                highs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                last.len(),
            ),
        ))
    }
}

impl CheckAnswer {
    /// One row per claim of each article: the article, sentence number, reading, verdict, evidence, the sentence.
    pub fn table(
        reports: &[(String, CheckAnswer)],
    ) -> Result<crate::table::Table, fulcrum_query::arrow::error::ArrowError> {
        use crate::table::{Col, table};
        let c: Vec<(&String, &ClaimCheck)> = reports
            .iter()
            .flat_map(|(id, r)| r.checks.iter().map(move |c| (id, c)))
            .collect();
        let s = |f: &dyn Fn(&ClaimCheck) -> String| Col::Str(c.iter().map(|(_, x)| f(x)).collect());
        table(vec![
            (
                "article",
                Col::Str(c.iter().map(|(id, _)| id.to_string()).collect()),
            ),
            (
                "sentence",
                Col::U64(
                    c.iter()
                        .map(|(_, x)| x.claim.sentence_number as u64)
                        .collect(),
                ),
            ),
            ("reading", s(&|x| x.reading.clone())),
            ("inferred", s(&|x| x.claim.inferred.join(","))),
            ("verdict", s(&|x| x.verdict.label().to_string())),
            ("evidence", s(&|x| x.evidence.clone())),
            ("text", s(&|x| x.claim.sentence.clone())),
        ])
    }

    /// The report as Markdown, for a reader: the tally, every claim with its evidence and events, and what was not
    /// understood.
    pub fn markdown(&self, title: &str) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Claims checked: {title}\n\nArticle dated {}; \"now\" is the {} days to that date, forecasts look {} days \
             ahead.\n",
            self.date, self.window_days, self.after_days
        );
        let tally: Vec<String> = self
            .tally()
            .iter()
            .map(|(v, n)| format!("{n} {}", v.label()))
            .collect();
        let _ = writeln!(
            out,
            "{} sentences; {} claims about relations between states: {}. {} sentences relate states without a claim \
             Fulcrum can test (listed at the end).\n",
            self.sentences,
            self.checks.len(),
            tally.join(", "),
            self.not_understood.len()
        );
        for (i, c) in self.checks.iter().enumerate() {
            let _ = writeln!(
                out,
                "## {}. {} — **{}**\n\n> {}\n\n- Reading: {} (cue: \"{}\", sentence {}){}\n- Evidence: {}",
                i + 1,
                c.reading,
                c.verdict.label(),
                c.claim.sentence,
                c.reading,
                c.claim.cue_words.to_lowercase(),
                c.claim.sentence_number,
                if c.claim.inferred.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} taken from the article's context",
                        c.claim.inferred.join(" and ")
                    )
                },
                c.evidence
            );
            for p in &c.periods {
                let _ = writeln!(out, "- {}: {} .. {}", p.name, p.from, p.to);
            }
            if !c.events.is_empty() {
                let _ = writeln!(
                    out,
                    "\n| date | source | target | CAMEO | Goldstein | where it was read |\n|---|---|---|---|---|---|"
                );
                for e in &c.events {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {:+.1} | {} |",
                        e.date,
                        e.source,
                        e.target,
                        e.code,
                        e.goldstein,
                        e.provenance.as_deref().unwrap_or("—")
                    );
                }
                if c.events.iter().any(|e| e.provenance.is_none()) {
                    let _ = writeln!(
                        out,
                        "\n— : a row stored with other codes (a side named only by name, resolved to the state by \
                         date); `GET /api/events` lists it with its source."
                    );
                }
            }
            out.push('\n');
        }
        if !self.not_understood.is_empty() {
            let _ = writeln!(out, "## Not understood\n");
            for n in &self.not_understood {
                let _ = writeln!(
                    out,
                    "- sentence {} ({}): {} — {}",
                    n.sentence_number,
                    n.states.join(", "),
                    n.sentence,
                    n.why
                );
            }
        }
        out
    }
}

/// Where each listed event of a check was read: the stored row's input file and line, and its source URL — looked
/// up in the store by SQL (the questions' event sources carry no provenance). Events whose sides were stored by name
/// only (resolved to states by date) are not matched and keep none: their rows are listed by `GET /api/events`.
pub fn add_provenance(
    engine: &fulcrum_query::QueryEngine,
    answer: &mut CheckAnswer,
    limits: &crate::Limits,
) -> Result<(), QuestionError> {
    use fulcrum_query::arrow::array::{Array, AsArray};
    use fulcrum_query::arrow::datatypes::DataType;
    use fulcrum_query::sql_string;
    for check in &mut answer.checks {
        if check.events.is_empty() {
            continue;
        }
        limits.check()?;
        let conditions: Vec<String> = check
            .events
            .iter()
            .map(|e| {
                // The partition columns too, so a big store reads only the events' months.
                format!(
                    "(year = {} AND month = {} AND event_date = DATE {} AND event_code = {} AND \
                     actor1_country_code = {} AND actor2_country_code = {})",
                    sql_string(e.date.get(..4).unwrap_or("")),
                    sql_string(e.date.get(5..7).unwrap_or("")),
                    sql_string(&e.date),
                    sql_string(&e.code),
                    sql_string(&e.source),
                    sql_string(&e.target)
                )
            })
            .collect();
        let query = format!(
            "SELECT CAST(event_date AS VARCHAR) AS day, event_code AS code, actor1_country_code AS a1, \
             actor2_country_code AS a2, input_file AS file, CAST(line_number AS BIGINT) AS line, source_url AS url \
             FROM events WHERE {} ORDER BY day, file, line",
            conditions.join(" OR ")
        );
        let (_, batches) = engine.sql(&query)?;
        // (date, code, source, target) of each stored row, and where it was read.
        let mut rows: Vec<([String; 4], String)> = Vec::new();
        for b in &batches {
            let text = |i: usize| {
                fulcrum_query::arrow::compute::cast(b.column(i), &DataType::Utf8)
                    .map_err(|e| QuestionError::Unanswerable(e.to_string()))
            };
            let columns = [text(0)?, text(1)?, text(2)?, text(3)?, text(4)?, text(6)?];
            let s: Vec<&fulcrum_query::arrow::array::StringArray> =
                columns.iter().map(|a| a.as_string::<i32>()).collect();
            let lines = b
                .column(5)
                .as_primitive::<fulcrum_query::arrow::datatypes::Int64Type>();
            for i in 0..b.num_rows() {
                let get = |a: &fulcrum_query::arrow::array::StringArray| {
                    if a.is_null(i) {
                        String::new()
                    } else {
                        a.value(i).to_string()
                    }
                };
                let line = if lines.is_null(i) { 0 } else { lines.value(i) };
                let url = get(s[5]);
                let place = if url.is_empty() {
                    format!("{}:{line}", get(s[4]))
                } else {
                    format!("{}:{line} {url}", get(s[4]))
                };
                rows.push(([get(s[0]), get(s[1]), get(s[2]), get(s[3])], place));
            }
        }
        let mut used = vec![false; rows.len()];
        for e in &mut check.events {
            let key = [&e.date, &e.code, &e.source, &e.target];
            let found = rows
                .iter()
                .enumerate()
                .position(|(i, (r, _))| !used[i] && r.iter().zip(key).all(|(a, b)| a == b));
            if let Some(i) = found {
                used[i] = true;
                e.provenance = Some(rows[i].1.clone());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_take_days_weeks_and_months() {
        assert_eq!(parse_span("90d"), Ok(90));
        assert_eq!(parse_span("12w"), Ok(84));
        assert_eq!(parse_span("3m"), Ok(91));
        assert_eq!(parse_span("45"), Ok(45));
        assert!(parse_span("0d").is_err());
        assert!(parse_span("3y").unwrap_err().contains("not d, w or m"));
        assert!(parse_span("soon").is_err());
    }

    #[test]
    fn codes_come_back_from_their_keys_and_the_sign_test_points_the_right_way() {
        for code in ["062", "0621", "14", "1663", "04"] {
            assert_eq!(code_of_key(fulcrum_model::code_key(code)), code);
        }
        let (mean, _, p_up, p_down) = sign_test(&[1.0, 2.0, 3.0, 2.0]);
        assert!((mean - 2.0).abs() < 1e-12 && p_up < 1e-6 && p_down > 0.999);
        let (_, _, p_up, p_down) = sign_test(&[1.0, -1.0, 1.0, -1.0]);
        assert!((p_up - 0.5).abs() < 1e-9 && (p_down - 0.5).abs() < 1e-9);
    }
}
