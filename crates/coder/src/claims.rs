//! Claims about relations between states, read out of commentary: which sentences say something checkable about
//! two or three states, what kind of claim it is, and which way it points.
//!
//! Deliberately shallow, and explicit about it: a claim is a *cue* (a word from the claims dictionary,
//! `claims/Fulcrum.Claims.txt`) in a clause with the states nearest to it. The kinds:
//! - **level** — the states cooperate / are hostile (`[COOPERATIVE]`, `[HOSTILE]`);
//! - **trend** — relations grow, warm / worsen, decline (`[WARMING]`, `[COOLING]`), past or future;
//! - **alignment** — a state balances between two others (`[BALANCE]`) or takes one's side (`[SIDE]`);
//! - **event** — events of given CAMEO codes happened between the states (`[EVENT 062]`: joint exercises).
//!
//! A negation just before the cue (`no longer`, `not`) reverses it; a future marker in its clause (`will`, `could`)
//! makes it a forecast. The states of a claim are those nearest the cue in its clause (then the sentence); when a
//! sentence names fewer than a claim needs ("balancing between both South Asian powers"), the article's most
//! mentioned states fill in, and the claim says which were inferred. A sentence that names two states but carries
//! no cue is reported as *not understood* — never silently dropped.

use std::collections::HashMap;

use serde::Serialize;

use crate::Dictionaries;
use crate::documents::date_number;
use crate::text::{Case, sentences, strip_html, tokens_and_case};

/// The claims dictionary compiled into Fulcrum.
pub const BUILTIN_CLAIMS: &str = include_str!("../claims/Fulcrum.Claims.txt");

/// Words (tokens, the possessive `'S` counted) within which a negation before a cue reverses it: "no longer
/// taking India's side" puts six between `no` and `side`.
const NEGATION_REACH: usize = 6;

/// What a claim is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimKind {
    Level,
    Trend,
    Alignment,
    Event,
}

/// A cue's meaning, as its dictionary code says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cue {
    Cooperative,
    Hostile,
    Warming,
    Cooling,
    Balance,
    Side,
    /// CAMEO code prefixes.
    Event(Vec<String>),
}

impl Cue {
    pub fn kind(&self) -> ClaimKind {
        match self {
            Cue::Cooperative | Cue::Hostile => ClaimKind::Level,
            Cue::Warming | Cue::Cooling => ClaimKind::Trend,
            Cue::Balance | Cue::Side => ClaimKind::Alignment,
            Cue::Event(_) => ClaimKind::Event,
        }
    }

    /// The dictionary's name for it.
    pub fn code(&self) -> String {
        match self {
            Cue::Cooperative => "COOPERATIVE".into(),
            Cue::Hostile => "HOSTILE".into(),
            Cue::Warming => "WARMING".into(),
            Cue::Cooling => "COOLING".into(),
            Cue::Balance => "BALANCE".into(),
            Cue::Side => "SIDE".into(),
            Cue::Event(codes) => format!("EVENT {}", codes.join(" ")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Negation,
    Future,
    Clause,
    /// A name whose words are never cues ("Shanghai Cooperation Organization").
    Name,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Code {
    State(String),
    Cue(Cue),
    Marker(Marker),
}

/// One word of a phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Word {
    Exact(String),
    /// `COOPERAT*`: any word beginning so.
    Prefix(String),
}

impl Word {
    fn matches(&self, token: &str) -> bool {
        match self {
            Word::Exact(w) => w == token,
            Word::Prefix(p) => token.starts_with(p.as_str()),
        }
    }
}

#[derive(Debug, Clone)]
struct Entry {
    words: Vec<Word>,
    code: Code,
}

/// A line of a claims dictionary that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct ClaimDictError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// Cue words, markers and state words (`claims/Fulcrum.Claims.txt`, plus any file a user adds).
#[derive(Debug, Clone, Default)]
pub struct ClaimDictionary {
    entries: Vec<Entry>,
    /// Entries by their first word (exact first words only).
    by_first: HashMap<String, Vec<usize>>,
    /// Entries whose first word is a prefix.
    by_prefix: Vec<usize>,
    /// Where the entries came from, with their version lines.
    pub sources: Vec<String>,
}

impl ClaimDictionary {
    /// The dictionary compiled into Fulcrum, with every country name Fulcrum knows as a state word.
    pub fn builtin() -> Self {
        let mut dict = ClaimDictionary::default();
        for (name, code) in fulcrum_model::cameo::country_name_codes() {
            if code.len() != 3 {
                continue; // territories written as a country code + region
            }
            let (words, _) = tokens_and_case(name);
            if !words.is_empty() && !words.iter().any(|w| w == "," || w == "(" || w == ")") {
                dict.insert(Entry {
                    words: words.into_iter().map(Word::Exact).collect(),
                    code: Code::State(code.to_string()),
                });
            }
        }
        dict.add_text("Fulcrum.Claims.txt (built in)", BUILTIN_CLAIMS)
            .expect("the built-in claims dictionary reads");
        dict
    }

    fn insert(&mut self, entry: Entry) {
        // A phrase listed again replaces the earlier entry's code.
        if let Some(old) = self.entries.iter_mut().find(|e| e.words == entry.words) {
            old.code = entry.code;
            return;
        }
        let index = self.entries.len();
        match &entry.words[0] {
            Word::Exact(w) => self.by_first.entry(w.clone()).or_default().push(index),
            Word::Prefix(_) => self.by_prefix.push(index),
        }
        self.entries.push(entry);
    }

    /// Adds the entries of a dictionary file (see the built-in file's header for the format).
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<(), ClaimDictError> {
        let error = |line: usize, message: String| ClaimDictError {
            file: file.to_string(),
            line,
            message,
        };
        let mut section: Option<&str> = None;
        let mut version = None;
        for (n, raw) in text.lines().enumerate() {
            let line_number = n + 1;
            let line = raw.split('#').next().unwrap_or("").trim();
            if version.is_none()
                && let Some(v) = raw.trim_start_matches('#').trim().strip_prefix("Version")
            {
                version = Some(format!("version{v}"));
            }
            if line.is_empty() {
                continue;
            }
            if let Some(name) = line.strip_prefix("==").and_then(|l| l.strip_suffix("==")) {
                section = match name.trim() {
                    s @ ("STATES" | "CUES" | "MARKERS") => Some(s),
                    other => {
                        return Err(error(
                            line_number,
                            format!("unknown section {other:?} (STATES, CUES or MARKERS)"),
                        ));
                    }
                };
                continue;
            }
            let Some(section) = section else {
                return Err(error(
                    line_number,
                    "an entry before any `== SECTION ==` line".into(),
                ));
            };
            let (phrase, code) = match (line.find('['), line.rfind(']')) {
                (Some(open), Some(close)) if close > open => {
                    (line[..open].trim(), line[open + 1..close].trim())
                }
                _ => {
                    return Err(error(
                        line_number,
                        format!("{line:?}: expected PHRASE [CODE]"),
                    ));
                }
            };
            if phrase.is_empty() || phrase.contains(char::is_whitespace) {
                return Err(error(
                    line_number,
                    format!("{phrase:?}: a phrase is words joined by `_`, without spaces"),
                ));
            }
            let words: Vec<Word> = phrase
                .split('_')
                .filter(|w| !w.is_empty())
                .map(|w| {
                    let w = w.to_uppercase();
                    match w.strip_suffix('*') {
                        Some(p) if !p.is_empty() => Word::Prefix(p.to_string()),
                        _ => Word::Exact(w),
                    }
                })
                .collect();
            if words.is_empty() {
                return Err(error(line_number, "an empty phrase".into()));
            }
            let code = match section {
                "STATES" => {
                    if code.len() != 3 || fulcrum_model::cameo::country_label(code).is_none() {
                        return Err(error(
                            line_number,
                            format!("{code:?} is not a CAMEO country code"),
                        ));
                    }
                    Code::State(code.to_string())
                }
                "CUES" => Code::Cue(parse_cue(code).map_err(|m| error(line_number, m))?),
                _ => Code::Marker(match code {
                    "NEGATION" => Marker::Negation,
                    "FUTURE" => Marker::Future,
                    "CLAUSE" => Marker::Clause,
                    "NAME" => Marker::Name,
                    other => {
                        return Err(error(
                            line_number,
                            format!("unknown marker {other:?} (NEGATION, FUTURE, CLAUSE or NAME)"),
                        ));
                    }
                }),
            };
            self.insert(Entry { words, code });
        }
        self.sources.push(match version {
            Some(v) => format!("{file} ({v})"),
            None => file.to_string(),
        });
        Ok(())
    }

    /// The longest entry starting at `tokens[at]` whose code `want` accepts: its length and code.
    fn longest(
        &self,
        tokens: &[String],
        at: usize,
        want: impl Fn(&Code) -> bool,
    ) -> Option<(usize, &Code)> {
        let first = tokens.get(at)?;
        let exact = self.by_first.get(first).into_iter().flatten();
        let prefixed = self
            .by_prefix
            .iter()
            .filter(|&&i| self.entries[i].words[0].matches(first));
        exact
            .chain(prefixed)
            .map(|&i| &self.entries[i])
            .filter(|e| want(&e.code))
            .filter(|e| {
                e.words.len() <= tokens.len() - at
                    && e.words.iter().zip(&tokens[at..]).all(|(w, t)| w.matches(t))
            })
            .max_by_key(|e| e.words.len())
            .map(|e| (e.words.len(), &e.code))
    }
}

fn parse_cue(code: &str) -> Result<Cue, String> {
    let mut parts = code.split_whitespace();
    Ok(match parts.next().unwrap_or("") {
        "COOPERATIVE" => Cue::Cooperative,
        "HOSTILE" => Cue::Hostile,
        "WARMING" => Cue::Warming,
        "COOLING" => Cue::Cooling,
        "BALANCE" => Cue::Balance,
        "SIDE" => Cue::Side,
        "EVENT" => {
            let codes: Vec<String> = parts.map(str::to_string).collect();
            if codes.is_empty() {
                return Err("EVENT needs CAMEO codes: [EVENT 062]".into());
            }
            for c in &codes {
                if fulcrum_model::cameo::event_code(c).is_none() {
                    return Err(format!("{c:?} is not a CAMEO event code"));
                }
            }
            Cue::Event(codes)
        }
        other => {
            return Err(format!(
                "unknown cue {other:?} (COOPERATIVE, HOSTILE, WARMING, COOLING, BALANCE, SIDE or EVENT codes)"
            ));
        }
    })
}

/// A state named in a sentence.
#[derive(Debug, Clone)]
struct Mention {
    state: String,
    /// Token where the mention starts and the one after it ends.
    start: usize,
    end: usize,
    /// Followed by the possessive `'S` ("India's trust").
    possessive: bool,
}

/// One claim read from a sentence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Claim {
    /// 1-based, in the article.
    pub sentence_number: usize,
    pub sentence: String,
    pub kind: ClaimKind,
    pub cue: Cue,
    /// The words that matched the cue, as written in the dictionary's case.
    pub cue_words: String,
    /// Level and trend: +1 cooperative / warming, −1 hostile / cooling (after negation). Alignment and event: +1 as
    /// stated, −1 negated ("no longer takes India's side").
    pub sign: i8,
    pub negated: bool,
    /// Said of the future ("will grow", "could increase"): tested on what followed the article's date.
    pub future: bool,
    /// Level, trend, event: the two states. Balance: the third state, then the two it balances between. Side: the
    /// third state, the one whose side it takes, then the rival.
    pub states: Vec<String>,
    /// Whether the first state acts on the second ("India's trust in Russia"); else both directions count.
    pub directed: bool,
    /// States not named in the sentence but taken from the article (its most mentioned states).
    pub inferred: Vec<String>,
}

/// A sentence that relates states but says nothing Fulcrum can test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotUnderstood {
    pub sentence_number: usize,
    pub sentence: String,
    pub states: Vec<String>,
    pub why: String,
}

/// What an article claims.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArticleClaims {
    pub sentences: usize,
    pub claims: Vec<Claim>,
    pub not_understood: Vec<NotUnderstood>,
    /// States by mentions, most first: where inferred states come from.
    pub topic_states: Vec<(String, usize)>,
}

/// The states named in a sentence's tokens: the claims dictionary's state words and country names (capitalised in
/// the text), the parts of hyphenated words ("Indo-Pak"), and with `actors`, the PETRARCH actors on `date`.
fn mentions(
    dict: &ClaimDictionary,
    actors: Option<&Dictionaries>,
    tokens: &[String],
    cases: &[Case],
    date: u32,
) -> Vec<Mention> {
    let is_state = |c: &Code| matches!(c, Code::State(_));
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if cases.get(i) != Some(&Case::Capital) {
            i += 1;
            continue;
        }
        let possessive = |end: usize| tokens.get(end).is_some_and(|t| t == "'S");
        if let Some((len, Code::State(state))) = dict.longest(tokens, i, is_state) {
            out.push(Mention {
                state: state.clone(),
                start: i,
                end: i + len,
                possessive: possessive(i + len),
            });
            i += len;
            continue;
        }
        if let Some((len, code)) = actors.and_then(|d| d.actors.longest_match(tokens, i, date))
            && let Some(country) = code.get(..3)
            && fulcrum_model::cameo::country_label(country).is_some()
        {
            out.push(Mention {
                state: country.to_string(),
                start: i,
                end: i + len,
                possessive: possessive(i + len),
            });
            i += len;
            continue;
        }
        if tokens[i].contains('-') {
            for part in tokens[i].split('-') {
                if let Some((1, Code::State(state))) =
                    dict.longest(&[part.to_string()], 0, is_state)
                {
                    out.push(Mention {
                        state: state.clone(),
                        start: i,
                        end: i + 1,
                        possessive: possessive(i + 1),
                    });
                }
            }
        }
        i += 1;
    }
    out
}

/// The distinct states of mentions, in order.
fn distinct(mentions: &[Mention]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for m in mentions {
        if !out.contains(&m.state) {
            out.push(m.state.clone());
        }
    }
    out
}

/// One sentence, tokenised, with its states, cues and markers.
struct Sentence {
    text: String,
    tokens: Vec<String>,
    mentions: Vec<Mention>,
    /// (start, end, cue) of each cue found.
    cues: Vec<(usize, usize, Cue)>,
    /// Token positions of negations and future markers; clause boundaries.
    negations: Vec<usize>,
    futures: Vec<usize>,
    clause_starts: Vec<usize>,
}

impl Sentence {
    fn read(
        dict: &ClaimDictionary,
        actors: Option<&Dictionaries>,
        text: String,
        date: u32,
    ) -> Self {
        let (tokens, cases) = tokens_and_case(&text);
        let mentions = mentions(dict, actors, &tokens, &cases, date);
        let mut cues = Vec::new();
        let (mut negations, mut futures, mut clause_starts) = (Vec::new(), Vec::new(), vec![0]);
        let mut i = 0;
        while i < tokens.len() {
            if matches!(tokens[i].as_str(), "," | ";" | ":") {
                clause_starts.push(i + 1);
                i += 1;
                continue;
            }
            // Words inside a state's name are never cues ("United" in "United States").
            if mentions.iter().any(|m| m.start <= i && i < m.end) {
                i += 1;
                continue;
            }
            match dict.longest(&tokens, i, |c| !matches!(c, Code::State(_))) {
                Some((len, Code::Cue(cue))) => {
                    cues.push((i, i + len, cue.clone()));
                    i += len;
                }
                Some((len, Code::Marker(marker))) => {
                    match marker {
                        Marker::Negation => negations.push(i),
                        Marker::Future => futures.push(i),
                        Marker::Clause => clause_starts.push(i),
                        Marker::Name => {}
                    }
                    i += len;
                }
                _ => i += 1,
            }
        }
        Sentence {
            text,
            tokens,
            mentions,
            cues,
            negations,
            futures,
            clause_starts,
        }
    }

    /// The clause a token is in: its first token and the one after its last.
    fn clause(&self, at: usize) -> (usize, usize) {
        let start = self
            .clause_starts
            .iter()
            .copied()
            .filter(|&s| s <= at)
            .max()
            .unwrap_or(0);
        let end = self
            .clause_starts
            .iter()
            .copied()
            .filter(|&s| s > at)
            .min()
            .unwrap_or(self.tokens.len());
        (start, end)
    }

    /// Mentions ordered by how close they are to a cue: in its clause first, then before it, then by distance.
    fn nearest(&self, cue_start: usize, cue_end: usize) -> Vec<&Mention> {
        let (lo, hi) = self.clause(cue_start);
        // (outside the clause, a topic, after the cue, distance, position): smaller is nearer.
        type Rank = (bool, bool, bool, usize, usize);
        let mut ranked: Vec<(Rank, &Mention)> = self
            .mentions
            .iter()
            .map(|m| {
                let outside = m.start < lo || m.start >= hi;
                // "cooperating on Afghanistan": a state after these is the topic, not a party.
                let topic = m.start >= 1
                    && matches!(
                        self.tokens[m.start - 1].as_str(),
                        "ON" | "ABOUT" | "OVER" | "REGARDING" | "CONCERNING"
                    );
                let after = m.start >= cue_end;
                let distance = if after {
                    m.start - cue_end
                } else {
                    cue_start.saturating_sub(m.end)
                };
                ((outside, topic, after, distance, m.start), m)
            })
            .collect();
        ranked.sort_by_key(|&(rank, _)| rank);
        ranked.into_iter().map(|(_, m)| m).collect()
    }
}

/// Picks `n` distinct states from `candidates`, then from the article's topic states; says which were inferred.
fn fill(
    mut chosen: Vec<String>,
    n: usize,
    topic: &[(String, usize)],
) -> (Vec<String>, Vec<String>) {
    let mut inferred = Vec::new();
    for (state, _) in topic {
        if chosen.len() >= n {
            break;
        }
        if !chosen.contains(state) {
            chosen.push(state.clone());
            inferred.push(state.clone());
        }
    }
    chosen.truncate(n);
    (chosen, inferred)
}

fn push_distinct(into: &mut Vec<String>, state: &str) {
    if !into.iter().any(|s| s == state) {
        into.push(state.to_string());
    }
}

/// Reads the claims of an article (plain text or HTML) dated `day` (days since 1970-01-01). With `actors` (the
/// PETRARCH dictionaries) people and institutions are found too.
pub fn find_claims(
    text: &str,
    day: i32,
    dict: &ClaimDictionary,
    actors: Option<&Dictionaries>,
) -> ArticleClaims {
    let date = date_number(day);
    let plain = if text.contains('<') {
        strip_html(text)
    } else {
        text.to_string()
    };
    let read: Vec<Sentence> = sentences(&plain)
        .into_iter()
        .map(|s| Sentence::read(dict, actors, s, date))
        .collect();
    let mut counts: Vec<(String, usize)> = Vec::new();
    for s in &read {
        for m in &s.mentions {
            match counts.iter_mut().find(|(c, _)| *c == m.state) {
                Some((_, n)) => *n += 1,
                None => counts.push((m.state.clone(), 1)),
            }
        }
    }
    // Most mentioned first; ties in order of first mention (the sort is stable).
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    let mut out = ArticleClaims {
        sentences: read.len(),
        topic_states: counts.clone(),
        ..ArticleClaims::default()
    };
    for (n, s) in read.iter().enumerate() {
        let sentence_number = n + 1;
        let states = distinct(&s.mentions);
        if s.mentions.is_empty() {
            continue;
        }
        if s.cues.is_empty() {
            if states.len() >= 2 {
                out.not_understood.push(NotUnderstood {
                    sentence_number,
                    sentence: s.text.clone(),
                    states,
                    why: "no cue word for a relation (see the CUES of the claims dictionary)"
                        .into(),
                });
            }
            continue;
        }
        let before = out.claims.len();
        for (start, end, cue) in &s.cues {
            if let Some(claim) = read_claim(s, sentence_number, *start, *end, cue, &counts)
                && !out.claims[before..].iter().any(|c| same_claim(c, &claim))
            {
                out.claims.push(claim);
            }
        }
        if out.claims.len() == before && states.len() >= 2 {
            out.not_understood.push(NotUnderstood {
                sentence_number,
                sentence: s.text.clone(),
                states,
                why: "cue words without the states they would relate".into(),
            });
        }
    }
    out
}

fn same_claim(a: &Claim, b: &Claim) -> bool {
    a.kind == b.kind
        && a.cue == b.cue
        && a.states == b.states
        && a.negated == b.negated
        && a.future == b.future
}

fn read_claim(
    s: &Sentence,
    sentence_number: usize,
    start: usize,
    end: usize,
    cue: &Cue,
    topic: &[(String, usize)],
) -> Option<Claim> {
    let (lo, _) = s.clause(start);
    let negated = s
        .negations
        .iter()
        .any(|&n| n < start && n >= lo && start - n <= NEGATION_REACH);
    let future = s.futures.iter().any(|&f| f < start && f >= lo);
    let nearest = s.nearest(start, end);
    if nearest.is_empty() {
        return None;
    }
    let mut directed = false;
    let (states, inferred) = match cue {
        Cue::Balance => {
            // "balancing between India and Pakistan": the two after BETWEEN; the third is the nearest other state.
            let between_at = (end..s.tokens.len().min(end + 4)).find(|&i| s.tokens[i] == "BETWEEN");
            let mut rivals = Vec::new();
            if let Some(b) = between_at {
                for m in s.mentions.iter().filter(|m| m.start > b) {
                    push_distinct(&mut rivals, &m.state);
                }
                rivals.truncate(2);
            }
            let third = nearest
                .iter()
                .find(|m| !rivals.contains(&m.state))
                .map(|m| m.state.clone())?;
            if rivals.len() < 2 {
                for m in &nearest {
                    if m.state != third {
                        push_distinct(&mut rivals, &m.state);
                    }
                }
            }
            rivals.truncate(2);
            let mut chosen = vec![third];
            chosen.extend(rivals);
            fill(chosen, 3, topic)
        }
        Cue::Side => {
            // "taking India's side": the state before `'S SIDE`; "sides with Pakistan": the state after the cue.
            let favoured = if start >= 1 && s.tokens[start - 1] == "'S" {
                s.mentions
                    .iter()
                    .find(|m| m.end + 1 == start && m.possessive)
                    .map(|m| m.state.clone())
            } else {
                s.mentions
                    .iter()
                    .find(|m| m.start >= end && m.start <= end + 2)
                    .map(|m| m.state.clone())
            }?;
            let third = nearest
                .iter()
                .find(|m| m.state != favoured)
                .map(|m| m.state.clone())?;
            let mut chosen = vec![third.clone(), favoured.clone()];
            if let Some(rival) = nearest
                .iter()
                .find(|m| m.state != third && m.state != favoured)
            {
                chosen.push(rival.state.clone());
            }
            fill(chosen, 3, topic)
        }
        _ => {
            let mut chosen: Vec<String> = Vec::new();
            let mut first: Option<&Mention> = None;
            for m in &nearest {
                if !chosen.contains(&m.state) {
                    if chosen.is_empty() {
                        first = Some(m);
                    }
                    chosen.push(m.state.clone());
                }
                if chosen.len() == 2 {
                    break;
                }
            }
            // "India's trust in Russia": the possessive state acts on the one named after a preposition.
            if chosen.len() == 2
                && let Some(f) = first
            {
                let second = nearest.iter().copied().find(|m| m.state == chosen[1]);
                if let Some(second) = second {
                    let (a, b) = if f.start < second.start {
                        (f, second)
                    } else {
                        (second, f)
                    };
                    let preposition = b.start >= 1
                        && matches!(
                            s.tokens[b.start - 1].as_str(),
                            "IN" | "TOWARD" | "TOWARDS" | "FOR" | "WITH"
                        );
                    if a.possessive && preposition {
                        directed = true;
                        chosen = vec![a.state.clone(), b.state.clone()];
                    }
                }
            }
            if !directed && chosen.len() == 2 {
                // Undirected: in the order the sentence names them.
                let at = |state: &str| s.mentions.iter().position(|m| m.state == state);
                chosen.sort_by_key(|c| at(c));
            }
            fill(chosen, 2, topic)
        }
    };
    let needed = if cue.kind() == ClaimKind::Alignment {
        3
    } else {
        2
    };
    if states.len() < needed {
        return None;
    }
    let base: i8 = match cue {
        Cue::Hostile | Cue::Cooling => -1,
        _ => 1,
    };
    Some(Claim {
        sentence_number,
        sentence: s.text.clone(),
        kind: cue.kind(),
        cue: cue.clone(),
        cue_words: s.tokens[start..end].join(" "),
        sign: if negated { -base } else { base },
        negated,
        future,
        states,
        directed,
        inferred,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(text: &str) -> ArticleClaims {
        find_claims(text, 17_942, &ClaimDictionary::builtin(), None)
    }

    #[test]
    fn the_built_in_dictionary_reads_and_bad_lines_are_named() {
        let dict = ClaimDictionary::builtin();
        assert!(dict.sources[0].contains("version 1"), "{:?}", dict.sources);
        let mut d = ClaimDictionary::default();
        let e = d
            .add_text("mine.txt", "== CUES ==\nFOO [LUKEWARM]\n")
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.to_string().contains("unknown cue"), "{e}");
        let e = d.add_text("mine.txt", "FOO [WARMING]\n").unwrap_err();
        assert!(e.to_string().contains("before any"), "{e}");
        let e = d
            .add_text("mine.txt", "== STATES ==\nNARNIA [NAR]\n")
            .unwrap_err();
        assert!(e.to_string().contains("not a CAMEO country code"), "{e}");
        let e = d
            .add_text("mine.txt", "== CUES ==\nPARADE [EVENT 999]\n")
            .unwrap_err();
        assert!(e.to_string().contains("not a CAMEO event code"), "{e}");
    }

    #[test]
    fn levels_trends_and_their_states_are_read_with_direction_negation_and_tense() {
        let a = claims(
            "Russia and Pakistan are now cooperating on Afghanistan. While India's trust in Russia is declining, \
             Russia's trust in Pakistan could increase. Relations between Britain and Russia did not improve.",
        );
        let got: Vec<(ClaimKind, i8, bool, bool, Vec<String>)> = a
            .claims
            .iter()
            .map(|c| (c.kind, c.sign, c.directed, c.future, c.states.clone()))
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            vec![
                (ClaimKind::Level, 1, false, false, s(&["RUS", "PAK"])),
                (ClaimKind::Trend, -1, true, false, s(&["IND", "RUS"])),
                (ClaimKind::Trend, 1, true, true, s(&["RUS", "PAK"])),
                (ClaimKind::Trend, -1, false, false, s(&["GBR", "RUS"])),
            ]
        );
        assert!(a.claims[3].negated);
    }

    #[test]
    fn alignment_claims_find_the_third_state_and_fill_rivals_from_the_article() {
        let a = claims(
            "The Indo-Pak hostilities worried Moscow. Russia emerged as a non-partisan player interested in \
             balancing between both South Asian powers. Russia is no longer taking India's side. Russia could \
             use the SCO for balancing between India and Pakistan.",
        );
        type Reading<'c> = (&'c Cue, i8, Vec<String>, Vec<String>, bool);
        let alignment: Vec<Reading<'_>> = a
            .claims
            .iter()
            .filter(|c| c.kind == ClaimKind::Alignment)
            .map(|c| {
                (
                    &c.cue,
                    c.sign,
                    c.states.clone(),
                    c.inferred.clone(),
                    c.future,
                )
            })
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            alignment,
            vec![
                (
                    &Cue::Balance,
                    1,
                    s(&["RUS", "IND", "PAK"]),
                    s(&["IND", "PAK"]),
                    false
                ),
                (
                    &Cue::Side,
                    -1,
                    s(&["RUS", "IND", "PAK"]),
                    s(&["PAK"]),
                    false
                ),
                (&Cue::Balance, 1, s(&["RUS", "IND", "PAK"]), vec![], true),
            ]
        );
        // "Indo-Pak hostilities": the hyphenated word names both states.
        let level = a
            .claims
            .iter()
            .find(|c| c.kind == ClaimKind::Level)
            .unwrap();
        assert_eq!(level.states, s(&["IND", "PAK"]));
        assert_eq!(level.sign, -1);
    }

    #[test]
    fn events_and_sentences_without_a_cue_are_reported() {
        let a = claims(
            "Russia and Pakistan held joint exercises. Barabanov compared Russia with China. We visited us. \
             Russia and Pakistan are now cooperating on Afghanistan, partaking in yearly joint exercises.",
        );
        assert_eq!(a.claims.len(), 3);
        assert_eq!(a.claims[0].cue, Cue::Event(vec!["062".into()]));
        // Afghanistan is what they cooperate on; the exercises (after the comma) are Russia's and Pakistan's.
        for c in &a.claims[1..] {
            assert_eq!(c.states, vec!["RUS", "PAK"], "{c:?}");
        }
        assert_eq!(a.not_understood.len(), 1);
        assert_eq!(a.not_understood[0].states, vec!["RUS", "CHN"]);
        // "us" in lower case is not the United States.
        assert!(a.topic_states.iter().all(|(s, _)| s != "USA"));
    }
}
