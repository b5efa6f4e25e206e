//! The coder proper: one sentence at a time, a shallow analysis good enough to find who did what to whom.

use crate::Dictionaries;

/// Appends an explanation line, formatting it only when someone asked for explanations.
macro_rules! note {
    ($why:expr, $($arg:tt)*) => {
        if let Some(lines) = $why.as_deref_mut() {
            lines.push(format!($($arg)*));
        }
    };
}
use crate::analysis::{Aligned, Oracle, OracleLevel};
use crate::combine;
use crate::dict::discards::Discard;
use crate::dict::verbs::{Elem, VerbForm};
use crate::text::{self, Case};

/// One coded event with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct CodedEvent {
    pub doc_id: String,
    /// 1-based, within the document.
    pub sentence_number: usize,
    pub sentence: String,
    pub source: String,
    pub target: String,
    pub code: String,
    /// The words that named the source and target, and the verb with the pattern that fired.
    pub source_phrase: String,
    pub target_phrase: String,
    pub verb_phrase: String,
    pub issues: Vec<String>,
}

/// What happened to one sentence, for `--explain`.
#[derive(Debug, Clone, Default)]
pub struct SentenceReport {
    pub sentence_number: usize,
    pub sentence: String,
    pub lines: Vec<String>,
    pub events: usize,
}

/// Sentences longer than this many tokens are cut: bounded time per sentence whatever the input.
const MAX_TOKENS: usize = 120;
/// How many words a pattern may skip between the verb and its next word after the verb.
const PATTERN_GAP: usize = 8;
/// How far after the verb its object and pattern words are looked for.
const OBJECT_WINDOW: usize = 14;

const DETERMINERS: &[&str] = &[
    "THE", "A", "AN", "ITS", "HIS", "HER", "THEIR", "OUR", "THIS", "THESE", "THOSE", "'S", "ANY",
    "EACH", "NO", "SUCH", "ANOTHER",
];
const BE: &[&str] = &[
    "IS", "ARE", "WAS", "WERE", "BE", "BEEN", "BEING", "AM", "GET", "GOT", "GETS",
];
const SKIPPABLE: &[&str] = &[
    "NOT",
    "ALSO",
    "ALREADY",
    "REPORTEDLY",
    "ALLEGEDLY",
    "NEVER",
    "JUST",
    "RECENTLY",
    "STILL",
    "FORMALLY",
    "NOW",
    "THEN",
    "BEEN",
    "FINALLY",
    "OFFICIALLY",
    "REPEATEDLY",
    "JOINTLY",
    "LONGER",
];
const AUXILIARIES: &[&str] = &[
    "WILL", "WOULD", "SHALL", "SHOULD", "CAN", "COULD", "MAY", "MIGHT", "MUST", "HAS", "HAVE",
    "HAD", "DID", "DOES", "DO", "TO",
];
const CLAUSE_BREAK: &[&str] = &[
    ";", ":", "WHO", "WHICH", "THAT", "WHILE", "BECAUSE", "ALTHOUGH", "THOUGH", "WHEREAS", "\"",
    "“", "”", "(", ")", "BUT", "SINCE", "UNLESS",
];
/// Verbs whose object takes a bare infinitive: "helped militants join", "let Russia keep", "made Iran abandon".
const CAUSATIVES: &[&str] = &[
    "HELP", "HELPS", "HELPED", "HELPING", "LET", "LETS", "LETTING", "MAKE", "MAKES", "MADE",
    "MAKING",
];
/// Modal auxiliaries: before another word they are not verbs of their own ("will abandon ties"), whatever a verb
/// dictionary lists (PETRARCH-2's 2018 file had a WILL block that coded 030 for every "will"; removed in 2019).
const MODALS: &[&str] = &[
    "WILL", "WOULD", "SHALL", "SHOULD", "CAN", "COULD", "MAY", "MIGHT", "MUST",
];
/// Words of a time expression: "on Thursday fired" is not a noun phrase after a preposition.
const TIME_WORDS: &[&str] = &[
    "MONDAY",
    "TUESDAY",
    "WEDNESDAY",
    "THURSDAY",
    "FRIDAY",
    "SATURDAY",
    "SUNDAY",
    "JANUARY",
    "FEBRUARY",
    "MARCH",
    "APRIL",
    "JUNE",
    "JULY",
    "AUGUST",
    "SEPTEMBER",
    "OCTOBER",
    "NOVEMBER",
    "DECEMBER",
    "YESTERDAY",
    "TODAY",
    "TONIGHT",
    "MORNING",
    "AFTERNOON",
    "EVENING",
    "NIGHT",
    "WEEKEND",
];
const PREPOSITIONS: &[&str] = &[
    "TO", "WITH", "AGAINST", "ON", "FOR", "FROM", "IN", "AT", "BY", "OVER", "OF", "INTO", "ABOUT",
    "UPON", "TOWARD", "TOWARDS", "BETWEEN", "AMONG", "UNDER", "BEFORE", "AFTER", "DURING",
    "THROUGH", "ACROSS", "WITHIN", "WITHOUT", "ONTO", "NEAR", "BEYOND",
];

/// One verb with what the analysis found around it.
struct Clause {
    block: usize,
    code: Option<String>,
    how: String,
    verb: String,
    sources: Vec<Entity>,
    targets: Vec<Entity>,
    /// Used up by a transformation.
    consumed: bool,
    /// An infinitive whose subject is the outer verb's ("Obama wants to attack B"): no subject of its own, as
    /// transformations see it (`a (_ b ATTACK) WANT`).
    subject_inherited: bool,
    /// The paired event's code (`[040:040]`: the target meets the source too), from target back to source.
    reverse: Option<String>,
    /// The grammatical subject (before a passive swaps roles), for a verb conjoined to this one.
    subject: Vec<Entity>,
    /// Whether a compound subject without an object acts on itself ("The US, Russia and Switzerland met"): not
    /// for a gerund that says how ("…, especially by promoting biofuels"), nor for a clause read passively ("a
    /// step enjoyed support from Moscow and Beijing").
    mutual: bool,
    /// A gerund adjunct ("…, seeking to mend ties") or an infinitive it governs: no subject of its own.
    adjunct: bool,
}

const PRONOUNS: &[&str] = &["THEY", "HE", "SHE", "IT", "WE"];
const REFLEXIVES: &[&str] = &["THEMSELVES", "ITSELF", "HIMSELF", "HERSELF", "OURSELVES"];

/// A noun phrase that names an actor.
#[derive(Debug, Clone)]
struct Entity {
    start: usize,
    end: usize,
    code: String,
}

pub struct Coder<'d> {
    dict: &'d Dictionaries,
}

impl<'d> Coder<'d> {
    pub fn new(dict: &'d Dictionaries) -> Self {
        Self { dict }
    }

    /// Codes a document (`date` as YYYYMMDD, for date-restricted actor codes). Events repeated within the
    /// story (same source, target and code) are kept once.
    pub fn code_document(
        &self,
        doc_id: &str,
        date: u32,
        raw: &str,
        explain: Option<&mut Vec<SentenceReport>>,
    ) -> Vec<CodedEvent> {
        let clean = text::strip_html(raw);
        let sentences = text::sentences(&clean);
        let mut events: Vec<CodedEvent> = Vec::new();
        let mut reports = Vec::new();
        let explain_on = explain.is_some();
        // A story-level discard skips the whole story.
        for s in &sentences {
            if let Some(Discard::Story(phrase)) = self.dict.discards.find(&text::tokens(s)) {
                if let Some(out) = explain {
                    out.push(SentenceReport {
                        sentence_number: 0,
                        sentence: String::new(),
                        lines: vec![format!("story discarded: contains \"{phrase}\"")],
                        events: 0,
                    });
                }
                return Vec::new();
            }
        }
        for (k, s) in sentences.iter().enumerate() {
            let mut report = SentenceReport {
                sentence_number: k + 1,
                sentence: s.clone(),
                ..Default::default()
            };
            for e in self.code_sentence(s, date, explain_on.then_some(&mut report.lines)) {
                let event = CodedEvent {
                    doc_id: doc_id.to_string(),
                    sentence_number: k + 1,
                    sentence: s.clone(),
                    ..e
                };
                if !events.iter().any(|x| {
                    x.source == event.source && x.target == event.target && x.code == event.code
                }) {
                    report.events += 1;
                    events.push(event);
                } else {
                    report.lines.push(format!(
                        "duplicate in story: {} {} {}",
                        event.source, event.target, event.code
                    ));
                }
            }
            reports.push(report);
        }
        if let Some(out) = explain {
            out.extend(reports);
        }
        events
    }

    /// Codes one sentence; with `explain`, one line per decision is appended to it (and only then are
    /// those lines formatted: coding without it is faster).
    pub fn code_sentence(
        &self,
        sentence: &str,
        date: u32,
        explain: Option<&mut Vec<String>>,
    ) -> Vec<CodedEvent> {
        self.code_sentence_with(sentence, date, None, explain)
    }

    /// Codes one sentence with an outside analysis of it (tags, a dependency parse) used in place of the
    /// coder's own guesses where it has a reading: the oracle runs of `--gold … --oracle` (see
    /// [`crate::analysis`]).
    pub fn code_sentence_with(
        &self,
        sentence: &str,
        date: u32,
        oracle: Option<Oracle>,
        explain: Option<&mut Vec<String>>,
    ) -> Vec<CodedEvent> {
        let mut why = explain;
        let why = &mut why;
        let (mut words, mut case) = text::tokens_and_case(sentence);
        if words.len() > MAX_TOKENS {
            note!(
                why,
                "long sentence: only the first {MAX_TOKENS} of {} tokens are coded",
                words.len()
            );
            words.truncate(MAX_TOKENS);
            case.truncate(MAX_TOKENS);
        }
        if let Some(Discard::Sentence(p)) = self.dict.discards.find(&words) {
            note!(why, "discarded: contains \"{p}\"");
            return Vec::new();
        }
        let entities = self.entities(&words, &case, date);
        for e in &entities {
            note!(
                why,
                "actor \"{}\" → {}",
                words[e.start..e.end].join(" "),
                e.code
            );
        }
        let oracle = oracle.map(|o| Aligned::new(&words, o));
        let verbs = self.verbs(&words, &entities, oracle.as_ref());
        let issues = self.dict.issues.find(&words);
        let mut clauses: Vec<Clause> = Vec::new();
        for (i, &(at, form)) in verbs.iter().enumerate() {
            let next_verb = verbs.get(i + 1).map_or(words.len(), |v| v.0);
            let block = &self.dict.verbs.blocks[form.block];
            let verb_text = words[at..at + form.words.len()].join(" ");
            let passive = match oracle
                .as_ref()
                .and_then(|a| Some((a.level, a.is_passive(at)?)))
            {
                Some((OracleLevel::Parse, passive)) => passive,
                Some((OracleLevel::Tags, participle)) => participle && preceded_by(&words, at, BE),
                None => form.participle && preceded_by(&words, at, BE),
            };
            let verb_end = at + form.words.len();
            // Subject: the nearest actor before the verb within the clause (with its compound partners), not
            // reaching past the previous verb unless this one continues it ("sought to block", "began talking").
            let mut clause_start = clause_start(&words, at);
            // An actor between the previous verb and this one: this verb's own subject (or the previous one's
            // object, as in "pressured by Congress to help").
            let mut has_own_subject = false;
            if i > 0 {
                let (p, pf) = verbs[i - 1];
                let chained = words[at - 1] == "TO" || words[at].ends_with("ING");
                has_own_subject = entities
                    .iter()
                    .any(|e| e.start >= p + pf.words.len() && e.end <= at);
                if has_own_subject || !chained {
                    clause_start = clause_start.max(p + pf.words.len());
                }
            }
            // "…, seeking to mend ties", "jailed a student for helping militants", "a trip aimed at pushing for a
            // ceasefire": a gerund after a comma or a preposition, following a clause, is an adjunct saying how or
            // why — it has no subject of its own, so it is no event (both gold sets code none), and an infinitive
            // it governs ("seeking to mend") has none either.
            // The word before a gerund that follows another verb, adverbs skipped: "," or a preposition.
            let gerund_after = (i > 0 && words[at].ends_with("ING"))
                .then(|| {
                    let previous_end = verbs[i - 1].0 + verbs[i - 1].1.words.len();
                    (previous_end..at).rev().find(|&j| {
                        let w = words[j].as_str();
                        !(SKIPPABLE.contains(&w) || (w.len() > 4 && w.ends_with("LY")))
                    })
                })
                .flatten()
                .map(|j| words[j].as_str());
            // But a list of progressive verbs ("Iran is arming, training and funding rebels") and the manner of the
            // act ("Russia responded to Pakistan by expelling 60 diplomats": the expelling is what Russia did)
            // share the previous verb's subject.
            let listed = i > 0 && {
                let (p, pf) = verbs[i - 1];
                words[p + pf.head].ends_with("ING") && preceded_by(&words, p, BE)
            };
            let shares_subject =
                matches!(gerund_after, Some("BY")) || (gerund_after == Some(",") && listed);
            let adjunct = !shares_subject
                && (gerund_after
                    .is_some_and(|w| w == "," || (w != "TO" && PREPOSITIONS.contains(&w)))
                    || (i > 0
                        && words[at - 1] == "TO"
                        && !has_own_subject
                        && clauses.last().is_some_and(|c| c.adjunct)));
            let subjects = if adjunct {
                Vec::new()
            } else {
                nearest_before(&entities, &words, clause_start, at)
            };
            // A pronoun subject ("they", "he") stands for the last subject of the sentence.
            let pronoun = subjects.is_empty()
                && !adjunct
                && (clause_start..at).any(|j| PRONOUNS.contains(&words[j].as_str()));
            // "Bush scheduled to give a speech … and meet with dissidents": a verb conjoined by "and" with no
            // subject of its own shares the previous verb's.
            // (An actor inside a prepositional phrase there — "a speech on US relations with Asia and meet" — is
            // not a subject.)
            let in_phrase =
                |e: &&Entity| e.start > 0 && PREPOSITIONS.contains(&words[e.start - 1].as_str());
            let conjoined = (subjects.is_empty() || subjects.iter().all(in_phrase))
                && !adjunct
                && i > 0
                && (clause_start..at)
                    .rev()
                    .find(|&j| !SKIPPABLE.contains(&words[j].as_str()))
                    .is_some_and(|j| words[j] == "AND" && j >= verbs[i - 1].0);
            // "scaling a pole and unfurling banners": a verb conjoined to an adjunct is one too.
            let adjunct = adjunct || (conjoined && clauses.last().is_some_and(|c| c.adjunct));
            let subjects: Vec<Entity> = if pronoun {
                last_source(&clauses)
            } else if conjoined || shares_subject {
                clauses
                    .last()
                    .map(|c| c.subject.clone())
                    .unwrap_or_default()
            } else {
                subjects.into_iter().cloned().collect()
            };
            // Object: the first actor after the verb, before the next verb or clause break.
            let clause_end = clause_end(&words, verb_end)
                .min(next_verb.max(verb_end + 1))
                .min(verb_end + OBJECT_WINDOW);
            // Targets must name an actor: an agent alone ("---CVL") is too vague to be on the receiving end, so
            // the first phrase after it that names one is the object ("conducting military exercises in
            // Alaska" → USA).
            // An agent skipped that way joins the state an of-phrase names: "the mayor of … Nablus" → PSEGOV,
            // "an Islamic State target southwest of Baghdad" → IRQMUS.
            let mut objects: Vec<Entity> = Vec::new();
            let mut from = verb_end;
            let mut skipped: Vec<&Entity> = Vec::new();
            while objects.is_empty() && from < clause_end {
                let group = first_after(&entities, &words, from, clause_end);
                let Some(last) = group.last() else { break };
                let start = group.first().map_or(from, |e| e.start);
                if skipped
                    .last()
                    .is_some_and(|s| !words[s.end..start].iter().any(|w| w == "OF"))
                {
                    skipped.clear();
                }
                from = last.end;
                objects = group
                    .iter()
                    .filter(|e| !e.code.starts_with("---"))
                    .map(|&e| e.clone())
                    .collect();
                if objects.is_empty() {
                    skipped.extend(group);
                }
            }
            if let Some(agent) = skipped.first().and_then(|s| s.code.get(3..))
                && !agent.is_empty()
            {
                for o in objects.iter_mut().filter(|o| o.code.len() == 3) {
                    o.code.push_str(agent);
                }
            }
            // "…, US Deputy Secretary Jeffrey Kupfer said": an actor after a comma, just before the next verb, is
            // that verb's subject, not this one's object (nor the last of a list of objects).
            while let Some(last) = objects.last()
                && last.start > 0
                && words[last.start - 1] == ","
                && next_verb < words.len()
                && next_verb >= last.end
                && next_verb - last.end <= 2
                && words[last.end..next_verb]
                    .iter()
                    .all(|w| w != "," && !CLAUSE_BREAK.contains(&w.as_str()))
            {
                objects.pop();
            }
            let subject = subjects.clone();
            let mut sources = subjects;
            // "Iraq had attacked themselves": a reflexive object is the subject (an event only through a
            // transformation — "The US said that Iraq had attacked themselves" → USA IRQ 112).
            if objects.is_empty()
                && (verb_end..clause_end).any(|j| REFLEXIVES.contains(&words[j].as_str()))
            {
                objects = sources.clone();
            }
            if passive {
                // "B was attacked by A": A is the source; B the target. PETRARCH-2 also takes the agent from a
                // from-phrase ("a bomb was fired at it from the Gaza Strip").
                let agent_phrase = (verb_end..clause_end)
                    .find(|&j| words[j] == "BY")
                    .or_else(|| (verb_end..clause_end).find(|&j| words[j] == "FROM"));
                let agents: Vec<Entity> = agent_phrase
                    .map(|b| {
                        first_after(&entities, &words, b + 1, clause_end)
                            .into_iter()
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                objects = std::mem::replace(&mut sources, agents);
                // No actor as the subject: the target is in an at/against phrase, where "it" / "them" stands
                // for the sentence's earlier subject.
                if objects.is_empty()
                    && let Some(p) = (verb_end..clause_end).find(|&j| {
                        matches!(words[j].as_str(), "AT" | "AGAINST" | "TOWARD" | "TOWARDS")
                    })
                {
                    let named: Vec<Entity> =
                        first_after(&entities, &words, p + 1, (p + 4).min(clause_end))
                            .into_iter()
                            .filter(|e| e.start == p + 1 || e.start == p + 2)
                            .cloned()
                            .collect();
                    objects = if !named.is_empty() {
                        named
                    } else if words.get(p + 1).is_some_and(|w| w == "IT" || w == "THEM") {
                        last_source(&clauses)
                    } else {
                        Vec::new()
                    };
                }
            }
            // With a parse, its subject, object and agent phrases name the actors where they hold one.
            if let Some(a) = &oracle
                && let (Some(subjects), Some((objects_of, agent))) =
                    (a.subjects(at), a.objects_and_agent(at))
            {
                let subject_entities = entities_in(&entities, &subjects);
                let agent_entities = entities_in(&entities, std::slice::from_ref(&agent));
                let object_entities = objects_of
                    .iter()
                    .map(|p| entities_in(&entities, std::slice::from_ref(p)))
                    .find(|e| !e.is_empty())
                    .unwrap_or_default();
                let (subject_side, object_side) = if passive {
                    (&mut objects, &mut sources)
                } else {
                    (&mut sources, &mut objects)
                };
                if !subject_entities.is_empty() {
                    *subject_side = subject_entities;
                }
                let other = if passive {
                    agent_entities
                } else {
                    object_entities
                        .into_iter()
                        .filter(|e| !e.code.starts_with("---"))
                        .collect()
                };
                if !other.is_empty() {
                    *object_side = other;
                }
            }
            // The pattern: the most specific one of the block whose words are all found.
            let pre_words = &words[clause_start..at];
            let post_words = &words[verb_end..clause_end.max(verb_end)];
            let mut best: Option<(usize, &crate::dict::verbs::Pattern)> = None;
            for p in &block.patterns {
                if let Some(score) = self.pattern_score(p, pre_words, post_words)
                    && best.is_none_or(|(s, _)| score > s)
                {
                    best = Some((score, p));
                }
            }
            let (chosen, how) = match best {
                Some((_, p)) => (
                    &p.code,
                    format!("pattern line {} `{}`", p.line, p.text.trim()),
                ),
                None => (
                    form.code.as_ref().unwrap_or(&block.code),
                    format!("block {} default", block.name),
                ),
            };
            let mut code = chosen.get(passive).map(str::to_string);
            let mut reverse = chosen.reverse().map(str::to_string);
            let mut read_passively = false;
            // "Obama faces pressure from Congress" (`- * PRESSURE [:100]`): a code given only for the passive
            // reading reads the active clause passively — the one in the object phrase did it to the subject.
            if !passive
                && code.is_none()
                && chosen.active.is_none()
                && let Some(b) = chosen.passive.as_deref()
            {
                // The doer may be an agent alone ("from Congress"); the sufferer must name an actor.
                let doers = first_after(&entities, &words, verb_end, clause_end)
                    .into_iter()
                    .cloned()
                    .collect();
                objects = std::mem::replace(&mut sources, doers);
                objects.retain(|e| !e.code.starts_with("---"));
                code = Some(b.to_string());
                read_passively = true;
            }
            let voice = match (passive, read_passively) {
                (true, _) => " (passive)",
                (false, true) => " (read passively)",
                (false, false) => "",
            };
            // "would not provide", "never met", "no longer takes": refused cooperation, or no event.
            let (mut code, mut how) = (code, how);
            if negated_before(&words, at) {
                let refused = code.as_deref().and_then(combine::negate);
                how = match &refused {
                    Some(r) => format!("{how}, negated → {r}"),
                    None => format!("{how} under negation (not an event)"),
                };
                code = refused;
                reverse = None;
            }
            // "X sought to deepen ties with Y": an infinitive continuing the previous verb with the same subject
            // is one event; the inner verb says what was done unless it codes nothing, combined with an outer
            // intention ("wants to help" → 033).
            let infinitive = i > 0 && words[at - 1] == "TO";
            let chained = infinitive
                && !has_own_subject
                && clauses
                    .last()
                    .is_some_and(|c| same_codes(&c.sources, &sources));
            // "X urged / pressured / allowed Y to do Z": Z is what was asked for, not done — no event of its own
            // (the outer verb's event, or the appeal combined below, says what happened).
            // (The one asked is the previous verb's object: within a few words of it — "urged Eriador to",
            // "give permission to Russia to".)
            let object_of_previous = |sources: &[Entity]| {
                !sources.is_empty()
                    && sources.iter().all(|e| {
                        let previous_end = verbs[i - 1].0 + verbs[i - 1].1.words.len();
                        e.start >= previous_end && e.start <= previous_end + 3
                    })
            };
            // "helping young militants join a group", "let Russia keep", "made Iran abandon": a bare infinitive
            // after help / let / make and their object is what the object was helped or made to do — the same.
            let bare_complement = i > 0
                && !infinitive
                && form.base
                && words[verbs[i - 1].0..verbs[i - 1].0 + verbs[i - 1].1.words.len()]
                    .iter()
                    .any(|w| CAUSATIVES.contains(&w.as_str()))
                && object_of_previous(&sources)
                && !words[verbs[i - 1].0..at]
                    .iter()
                    .any(|w| w == "," || CLAUSE_BREAK.contains(&w.as_str()));
            let mut consumed =
                (infinitive && !chained && object_of_previous(&sources)) || bare_complement;
            if consumed {
                note!(
                    why,
                    "verb \"{verb_text}\" via {how}: what another was asked, helped or made to do, not an event"
                );
            }
            if chained && let Some(inner) = code.clone() {
                let previous = clauses.last_mut().expect("i > 0");
                previous.consumed = true;
                if objects.is_empty() {
                    objects = previous.targets.clone();
                }
                if let Some(frame @ combine::Frame::Intend) =
                    previous.code.as_deref().and_then(combine::Frame::of)
                    && let Some(combined) = combine::combine(frame, &inner)
                {
                    how = format!("{how}, inside \"{}\" → {combined}", previous.verb);
                    code = Some(combined);
                    reverse = None;
                }
            } else if infinitive
                && let Some(inner) = code.clone()
                && let Some(previous) = clauses.last_mut()
                && !previous.consumed
                && previous.code.as_deref().and_then(combine::Frame::of)
                    == Some(combine::Frame::Appeal)
                && (sources.is_empty() || same_codes(&previous.targets, &sources))
                && let Some(combined) = combine::combine(combine::Frame::Appeal, &inner)
            {
                // "A asked B to help C": A appeals to B for aid (023); the inner event is what was asked for.
                previous.how = format!("{}, asking for \"{verb_text}\" → {combined}", previous.how);
                previous.code = Some(combined);
                consumed = true;
            }
            clauses.push(Clause {
                block: form.block,
                code,
                how,
                verb: format!("{verb_text}{voice}"),
                sources,
                targets: objects,
                consumed,
                subject_inherited: chained,
                subject,
                reverse,
                mutual: (!words[at].ends_with("ING") || preceded_by(&words, at, BE))
                    && !read_passively,
                adjunct,
            });
        }
        let mut out = Vec::new();
        let mut emit = |s: &Entity,
                        t: &Entity,
                        code: &str,
                        verb: &str,
                        how: &str,
                        why: &mut Option<&mut Vec<String>>| {
            // An actor acting on itself is not an event between actors.
            if s.code == t.code {
                return;
            }
            note!(
                why,
                "event {} {} {code}: verb \"{verb}\" via {how}",
                s.code,
                t.code
            );
            out.push(CodedEvent {
                doc_id: String::new(),
                sentence_number: 0,
                sentence: String::new(),
                source: s.code.clone(),
                target: t.code.clone(),
                code: code.to_string(),
                source_phrase: words[s.start..s.end].join(" "),
                target_phrase: words[t.start..t.end].join(" "),
                verb_phrase: format!("{verb} [{how}]"),
                issues: issues.clone(),
            });
        };
        // Transformations: "A said that A attacked B" → A → B 015, and the like.
        for o in 0..clauses.len() {
            if clauses[o].sources.is_empty() || o + 1 >= clauses.len() {
                continue;
            }
            for t in &self.dict.verbs.transformations {
                if self.dict.verbs.block_of(&t.outer_verb) != Some(clauses[o].block) {
                    continue;
                }
                let inner = &clauses[o + 1];
                let inner_sources: &[Entity] = if inner.subject_inherited {
                    &[]
                } else {
                    &inner.sources
                };
                let inner_ok = t.inner_verb == "Q"
                    || self.dict.verbs.block_of(&t.inner_verb) == Some(inner.block);
                let same = |a: &[Entity], b: &[Entity]| {
                    !a.is_empty()
                        && a.len() == b.len()
                        && a.iter().zip(b).all(|(x, y)| x.code == y.code)
                };
                let fits = |var: char, side: &[Entity]| match var {
                    '_' => side.is_empty(),
                    '.' => !side.is_empty(),
                    v if v == t.outer_subject => same(side, &clauses[o].sources),
                    _ => !side.is_empty(),
                };
                if !inner_ok
                    || !fits(t.inner_source, inner_sources)
                    || !fits(t.inner_target, &inner.targets)
                {
                    continue;
                }
                let bind = |var: char| -> Vec<Entity> {
                    if var == t.outer_subject {
                        clauses[o].sources.clone()
                    } else if var == t.inner_source {
                        inner_sources.to_vec()
                    } else if var == t.inner_target {
                        inner.targets.clone()
                    } else {
                        Vec::new()
                    }
                };
                let code = if t.code == "Q" {
                    inner.code.clone()
                } else {
                    Some(t.code.clone())
                };
                let Some(code) = code else { continue };
                let how = format!("transformation line {}", t.line);
                let verb = format!("{} … {}", clauses[o].verb, inner.verb);
                for s in bind(t.source) {
                    for g in bind(t.target) {
                        emit(&s, &g, &code, &verb, &how, why);
                    }
                }
                clauses[o + 1].consumed = true;
                clauses[o].consumed = true;
                break;
            }
        }
        for c in &clauses {
            if c.consumed {
                continue;
            }
            let Some(code) = &c.code else {
                note!(why, "verb \"{}\": {} gives no code", c.verb, c.how);
                continue;
            };
            // "The US, Russia and Switzerland met": a compound subject of a cooperative verb acts on itself.
            let reciprocal = c.targets.is_empty()
                && c.sources.len() > 1
                && c.mutual
                && matches!(&code[..2.min(code.len())], "03" | "04" | "05" | "06");
            if reciprocal {
                for s in &c.sources {
                    for t in &c.sources {
                        emit(
                            s,
                            t,
                            code,
                            &c.verb,
                            &format!("{} (compound subject)", c.how),
                            why,
                        );
                    }
                }
                continue;
            }
            if c.sources.is_empty() || c.targets.is_empty() {
                note!(
                    why,
                    "verb \"{}\" → {code} via {}: no event ({})",
                    c.verb,
                    c.how,
                    if c.sources.is_empty() {
                        "no source actor"
                    } else {
                        "no target actor"
                    }
                );
                continue;
            }
            for s in &c.sources {
                for t in &c.targets {
                    emit(s, t, code, &c.verb, &c.how, why);
                    if let Some(back) = &c.reverse {
                        emit(t, s, back, &c.verb, &format!("{} (paired)", c.how), why);
                    }
                }
            }
        }
        out
    }

    /// Actor noun phrases: longest actor and agent matches, merged when adjacent ("Russian Foreign Minister
    /// Sergei Lavrov" → RUS + ~GOV + RUSGOV → RUSGOV).
    fn entities(&self, words: &[String], case: &[Case], date: u32) -> Vec<Entity> {
        // Names are capitalised: in a sentence written in mixed case, an actor phrase written all in lower case
        // is a common word ("scaling a pole" is not Poland; "tunisian rioters" is not how a name is written).
        // (The first word is capitalised whatever it is; punctuation and numbers say nothing.)
        let mixed_case =
            case.contains(&Case::Lower) && case.iter().skip(1).any(|&c| c == Case::Capital);
        let mut spans: Vec<(
            usize,
            usize,
            Option<String>,
            Option<crate::dict::agents::AgentCode>,
        )> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let actor = self
                .dict
                .actors
                .longest_match(words, i, date)
                .filter(|(n, _)| {
                    let phrase = &case[i..i + n];
                    !(mixed_case
                        && phrase.contains(&Case::Lower)
                        && !phrase.contains(&Case::Capital))
                });
            let agent = self.dict.agents.longest_match(words, i);
            match (actor, agent) {
                (Some((n, code)), Some((m, _))) if n >= m => {
                    spans.push((i, i + n, Some(code), None));
                    i += n;
                }
                (_, Some((m, agent))) => {
                    spans.push((i, i + m, None, Some(agent)));
                    i += m;
                }
                (Some((n, code)), None) => {
                    spans.push((i, i + n, Some(code), None));
                    i += n;
                }
                (None, None) => i += 1,
            }
        }
        // Merge spans separated by nothing, a determiner or "'S" / "OF" into one noun phrase; "FROM" joins agents
        // to the state they come from ("soldiers from Gondor" → GONMIL, "dissidents from Egypt" → EGYOPP).
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (k, span) in spans.iter().enumerate() {
            let joins = groups.last().is_some_and(|g| {
                let prev = &spans[*g.last().expect("non-empty")];
                let gap = &words[prev.1..span.0];
                let agents_only = g.iter().all(|&m| spans[m].2.is_none());
                // "dissidents from military-ruled Myanmar": a couple of modifiers may follow FROM.
                let from_state = agents_only
                    && span.2.is_some()
                    && gap.first().is_some_and(|w| w == "FROM")
                    && gap.len() <= 3
                    && gap[1..].iter().all(|w| {
                        w == "THE" || (content_word(w) && !matches!(w.as_str(), "AND" | "OR"))
                    });
                from_state
                    || (gap.len() <= 1 && gap.iter().all(|w| w == "'S" || w == "OF" || w == "THE"))
            });
            if joins {
                groups.last_mut().expect("checked").push(k);
            } else {
                groups.push(vec![k]);
            }
        }
        let mut out = Vec::new();
        // The agent codes each phrase added to its actor (for a modifier shared across "and", below).
        let mut added: Vec<Option<String>> = Vec::new();
        for g in groups {
            let actors: Vec<&String> = g.iter().filter_map(|&k| spans[k].2.as_ref()).collect();
            let agents: Vec<&crate::dict::agents::AgentCode> =
                g.iter().filter_map(|&k| spans[k].3.as_ref()).collect();
            // The most specific actor code (a composed one beats its country).
            // An agent without an actor is coded as PETRARCH-2 does: "---" and the agent ("---GOV").
            let none = "---".to_string();
            let actor = actors
                .iter()
                .max_by_key(|c| c.len())
                .copied()
                .unwrap_or(&none);
            if actors.is_empty() && agents.is_empty() {
                continue;
            }
            let mut code = actor.clone();
            // Every distinct agent of the phrase not already in the actor's code, in order (IRQ + GOV + MIL →
            // IRQGOVMIL); ~PPL only alone. Composed and IGO codes take agents too, as PETRARCH-2 does: "UN
            // troops" → IGOUNOMIL, "Gonzo GMO activists" → GONGMOOPP; "President Suleiman" stays LBNGOV.
            let mut seen: Vec<&str> = Vec::new();
            for agent in agents
                .iter()
                .filter(|a| a.code != "PPL" || agents.len() == 1)
            {
                if seen.contains(&agent.code.as_str())
                    || seen.len() == 2
                    || holds_agent(&code, &agent.code)
                {
                    continue;
                }
                seen.push(&agent.code);
                code = if agent.prefix {
                    format!("{}{code}", agent.code)
                } else {
                    format!("{code}{}", agent.code)
                };
            }
            let leads_with_actor = spans[g[0]].2.is_some();
            added.push(
                code.strip_prefix(actor.as_str())
                    .filter(|agents| leads_with_actor && !agents.is_empty())
                    .map(str::to_string),
            );
            out.push(Entity {
                start: spans[g[0]].0,
                end: spans[*g.last().expect("non-empty")].1,
                code,
            });
        }
        // "US and British activists", "French and German ministers": a lone adjective of nationality joined by
        // "and" to a phrase "adjective + agent" shares that agent (USAOPP and GBROPP). Only adjectives and short
        // abbreviations: "Israel and Palestinian militants" stays ISR.
        for k in 1..out.len() {
            let (first, second) = (&out[k - 1], &out[k]);
            let shares = first.end - first.start == 1
                && first.code.len() == 3
                && !first.code.starts_with('-')
                && words[first.end..second.start] == ["AND"]
                && nationality_adjective(&words[first.start]);
            if shares && let Some(agents) = &added[k] {
                out[k - 1].code.push_str(agents);
            }
        }
        out
    }

    /// Verb readings: dictionary verb forms outside actor phrases, minus the ones that read as nouns.
    fn verbs(
        &self,
        words: &[String],
        entities: &[Entity],
        oracle: Option<&Aligned>,
    ) -> Vec<(usize, &'d VerbForm)> {
        let in_entity = |j: usize| entities.iter().any(|e| j >= e.start && j < e.end);
        // Adjectival agent words ("Islamic", "military") modify a noun: "an Islamic State target", "military
        // exercises"; a named actor or a noun agent ("the government expressed") stops the look-back.
        let in_actor = |j: usize| {
            entities.iter().any(|e| {
                j >= e.start
                    && j < e.end
                    && !(e.code.starts_with("---")
                        && e.end - e.start == 1
                        && ["IC", "ARY", "AL"]
                            .iter()
                            .any(|end| words[j].ends_with(end)))
            })
        };
        let mut out: Vec<(usize, &'d VerbForm)> = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let is_word = words[i].chars().next().is_some_and(char::is_alphabetic);
            let modal = MODALS.contains(&words[i].as_str())
                && words
                    .get(i + 1)
                    .is_some_and(|w| w.chars().next().is_some_and(char::is_alphabetic));
            // Right after a lone adjectival agent ("military", "Islamic"): without a determiner before it, the agent
            // is an adjective and the verb form the noun it modifies ("conducting military exercises", "offering
            // further military support"); after one, the agent may be the noun and a past tense its verb ("the
            // military attacked", "the military said"), other forms as the local rules read them ("the military
            // exercises near its border" stays a noun).
            let after_adjective = i > 0 && in_entity(i - 1) && !in_actor(i - 1);
            let agent_is_noun = i > 1 && DETERMINERS.contains(&words[i - 2].as_str());
            // After "the military" only a past tense is surely its verb: "the military exercises" may be a noun.
            let past = |form: &VerbForm| {
                let w = &words[i + form.head];
                !form.base && !w.ends_with('S') && !w.ends_with("ING")
            };
            if is_word
                && !modal
                && !in_entity(i)
                && let Some(form) = self.dict.verbs.verb_at(words, i)
                && oracle.and_then(|a| a.is_verb(i)).unwrap_or_else(|| {
                    let verb_reading =
                        || !self.reads_as_noun(words, i, &in_actor, out.last().copied());
                    if after_adjective && form.head == 0 {
                        agent_is_noun && (past(form) || verb_reading())
                    } else {
                        verb_reading()
                    }
                })
            {
                out.push((i, form));
                i += form.words.len();
                continue;
            }
            i += 1;
        }
        out
    }

    /// Local rules for the noun reading of a verb form: a determiner or preposition shortly before it with
    /// only modifiers between ("an air strike", "the Islamic State target", "in support"), or coming right
    /// after another verb ("enjoyed support") unless it is a gerund or infinitive.
    fn reads_as_noun(
        &self,
        words: &[String],
        i: usize,
        in_actor: &dyn Fn(usize) -> bool,
        previous: Option<(usize, &VerbForm)>,
    ) -> bool {
        // Right after a nationality adjective ("the Russian building", "Chinese support") a verb form is a noun.
        if i > 0 && in_actor(i - 1) && !in_actor(i) {
            let w = words[i - 1].as_str();
            if ["IAN", "EAN", "ESE", "ISH"]
                .iter()
                .any(|end| w.ends_with(end))
            {
                return true;
            }
        }
        let mut j = i;
        for _ in 0..3 {
            if j == 0 {
                break;
            }
            j -= 1;
            let w = words[j].as_str();
            if DETERMINERS.contains(&w)
                || (PREPOSITIONS.contains(&w) && w != "TO" && !words[i].ends_with("ING"))
            {
                return true;
            }
            let modifier = w.chars().next().is_some_and(char::is_alphabetic)
                && !matches!(w, "AND" | "OR" | "NOR")
                && !in_actor(j)
                && !TIME_WORDS.contains(&w)
                && !AUXILIARIES.contains(&w)
                && !BE.contains(&w)
                && !SKIPPABLE.contains(&w)
                // A verb form already read as a noun ("an Islamic State target") is a modifier too, unless this
                // word is a past tense after it ("a step enjoyed support").
                && (self.dict.verbs.verb_at(words, j).is_none()
                    || (!words[i].ends_with("ED")
                        && previous.is_none_or(|(p, f)| j < p || j >= p + f.words.len())));
            if !modifier {
                break;
            }
        }
        if let Some((p, form)) = previous {
            let end = p + form.words.len();
            let between = &words[end..i];
            // "conducting military exercises": up to two adjectives between do not change that.
            let adjectives = between
                .iter()
                .enumerate()
                .filter(|(_, w)| !SKIPPABLE.contains(&w.as_str()))
                .all(|(k, w)| {
                    let w = w.as_str();
                    k < 2
                        && !in_actor(end + k)
                        && content_word(w)
                        && !TIME_WORDS.contains(&w)
                        && !matches!(w, "AND" | "OR" | "NOR")
                        && !PRONOUNS.contains(&w)
                        && self.dict.verbs.verb_at(words, end + k).is_none()
                });
            let only_adverbs = between.iter().all(|w| SKIPPABLE.contains(&w.as_str()));
            // A past tense after "verb adjective" is a verb ("indicated it deplored").
            if adjectives
                && (only_adverbs || !words[i].ends_with("ED"))
                && !words[i].ends_with("ING")
                && words[i - 1] != "TO"
            {
                return true;
            }
        }
        false
    }

    /// How specific a pattern is (number of elements matched), if all of its elements are found in order.
    fn pattern_score(
        &self,
        p: &crate::dict::verbs::Pattern,
        pre: &[String],
        post: &[String],
    ) -> Option<usize> {
        let mut score = 0;
        let mut pos = 0;
        for e in &p.post {
            let (at, n) = self.find_elem(e, post, pos)?;
            // A pattern word more than eight words on is in another phrase ("made his remarks in Doha at the
            // start of a regional trip" is not "made a trip").
            if at > pos + PATTERN_GAP {
                return None;
            }
            pos = at;
            score += n;
        }
        let mut pos = 0;
        for e in &p.pre {
            let (at, n) = self.find_elem(e, pre, pos)?;
            pos = at;
            score += n;
        }
        Some(score + 1)
    }

    /// Finds an element in `words` at or after `from`: the position after it and how many parts matched.
    fn find_elem(&self, e: &Elem, words: &[String], from: usize) -> Option<(usize, usize)> {
        match e {
            Elem::Word(w) => (from..words.len())
                .find(|&j| word_matches(&words[j], w))
                .map(|j| (j + 1, 1)),
            Elem::Synset(name) => {
                let members = self.dict.verbs.synset(name);
                (from..words.len()).find_map(|j| {
                    members
                        .iter()
                        .find(|m| {
                            words.len() - j >= m.len()
                                && m.iter().zip(&words[j..]).all(|(a, b)| word_matches(b, a))
                        })
                        .map(|m| (j + m.len(), 1))
                })
            }
            Elem::Phrase(parts) => {
                // The words of a phrase must be close together (modifiers before the head noun).
                (from..words.len()).find_map(|start| {
                    let mut pos = start;
                    for (k, part) in parts.iter().enumerate() {
                        let (next, _) = self.find_elem(part, words, pos)?;
                        if (k == 0 && next != start + 1) || next - pos > 3 {
                            return None;
                        }
                        pos = next;
                    }
                    Some((pos, parts.len()))
                })
            }
            Elem::Prep { prep, objects } => (from..words.len())
                .filter(|&j| words[j] == *prep)
                .find_map(|j| {
                    let mut pos = j + 1;
                    let mut n = 1;
                    for o in objects {
                        let (next, m) = self.find_elem(o, words, pos)?;
                        if next - pos > 6 {
                            return None;
                        }
                        pos = next;
                        n += m;
                    }
                    Some((pos, n))
                }),
        }
    }
}

/// The actor phrases that overlap any of the given phrases (coder word positions), named actors before bare
/// agents: "officials of Iran" is Iran's.
fn entities_in(entities: &[Entity], phrases: &[Vec<usize>]) -> Vec<Entity> {
    let found: Vec<&Entity> = entities
        .iter()
        .filter(|e| phrases.iter().flatten().any(|&w| w >= e.start && w < e.end))
        .collect();
    let named = found.iter().any(|e| !e.code.starts_with("---"));
    found
        .into_iter()
        .filter(|e| !named || !e.code.starts_with("---"))
        .cloned()
        .collect()
}

/// A word that can modify a noun: alphabetic and not a function word (auxiliary, form of *be*, preposition,
/// determiner, clause break).
fn content_word(w: &str) -> bool {
    w.chars().next().is_some_and(char::is_alphabetic)
        && !AUXILIARIES.contains(&w)
        && !BE.contains(&w)
        && !PREPOSITIONS.contains(&w)
        && !DETERMINERS.contains(&w)
        && !CLAUSE_BREAK.contains(&w)
}

/// Whether a composed actor code already holds an agent code, aligned on the three-letter parts after the
/// country ("HGWGOVMED" holds GOV and GOVMED; "PSEGZA" does not hold EGZ).
fn holds_agent(code: &str, agent: &str) -> bool {
    let rest = code.as_bytes().get(3..).unwrap_or_default();
    (0..rest.len())
        .step_by(3)
        .any(|k| rest[k..].starts_with(agent.as_bytes()))
}

/// A word that reads as an adjective of nationality ("British", "Iraqi", "Chinese") or a short abbreviation
/// used as one ("US", "U.S.", "UK", "EU").
/// (A heuristic: a country named in -i — "Mali and French troops" — reads as an adjective too.)
fn nationality_adjective(w: &str) -> bool {
    w.chars().filter(|&c| c != '.').count() <= 3
        || ["IAN", "EAN", "ESE", "ISH", "I", "IC", "CH"]
            .iter()
            .any(|end| w.ends_with(end))
}

/// What a pronoun stands for: the sentence's last source so far.
fn last_source(clauses: &[Clause]) -> Vec<Entity> {
    clauses
        .iter()
        .rev()
        .find(|c| !c.sources.is_empty())
        .map(|c| c.sources.clone())
        .unwrap_or_default()
}

fn same_codes(a: &[Entity], b: &[Entity]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.code == y.code)
}

/// A text word matches a dictionary word exactly or as its regular plural.
fn word_matches(text: &str, dict: &str) -> bool {
    text == dict
        || (text.len() == dict.len() + 1 && text.ends_with('S') && text.starts_with(dict))
        || (text.len() == dict.len() + 2 && text.ends_with("ES") && text.starts_with(dict))
}

/// Whether the verb at `at` is negated: "not", "never", "-n't" or "no longer" among the auxiliaries and adverbs
/// just before it.
fn negated_before(words: &[String], at: usize) -> bool {
    let mut j = at;
    let mut negated = false;
    while j > 0 && at - j < 5 {
        j -= 1;
        let w = words[j].as_str();
        let contracted = w.ends_with("N'T") || w.ends_with("N’T");
        if w == "NOT"
            || w == "NEVER"
            || contracted
            || (w == "LONGER" && j > 0 && words[j - 1] == "NO")
        {
            negated = true;
            continue;
        }
        if !(SKIPPABLE.contains(&w) || AUXILIARIES.contains(&w) || BE.contains(&w) || w == "NO") {
            break;
        }
    }
    negated
}

/// Whether a word from `set` comes just before `at`, skipping adverbs and auxiliaries.
fn preceded_by(words: &[String], at: usize, set: &[&str]) -> bool {
    let mut j = at;
    while j > 0 {
        j -= 1;
        let w = words[j].as_str();
        if set.contains(&w) {
            return true;
        }
        // Adverbs in -LY ("was heavily criticized") sit between the auxiliary and the participle too.
        let adverb = w.len() > 4 && w.ends_with("LY");
        if !(SKIPPABLE.contains(&w) || AUXILIARIES.contains(&w) || adverb) {
            return false;
        }
    }
    false
}

fn clause_start(words: &[String], at: usize) -> usize {
    (0..at)
        .rev()
        .find(|&j| CLAUSE_BREAK.contains(&words[j].as_str()))
        .map_or(0, |j| j + 1)
}

fn clause_end(words: &[String], from: usize) -> usize {
    (from..words.len())
        .find(|&j| CLAUSE_BREAK.contains(&words[j].as_str()) && words[j] != "\"")
        .unwrap_or(words.len())
}

/// The actor nearest before `at` (from `start`), with actors joined to it by AND / commas.
fn nearest_before<'e>(
    entities: &'e [Entity],
    words: &[String],
    start: usize,
    at: usize,
) -> Vec<&'e Entity> {
    let candidates: Vec<&Entity> = entities
        .iter()
        .filter(|e| e.start >= start && e.end <= at)
        .collect();
    let Some(last) = candidates.last() else {
        return Vec::new();
    };
    // Skip an actor that sits inside a prepositional phrase ("X, a close ally of Y, said") when an earlier one exists.
    let mut chosen = *last;
    if last.start > 0
        && PREPOSITIONS.contains(&words[last.start - 1].as_str())
        && candidates.len() > 1
    {
        chosen = candidates[candidates.len() - 2];
    }
    let mut group = vec![chosen];
    let mut cur = chosen;
    let mut listed = false;
    for e in candidates.iter().rev() {
        if e.end > cur.start {
            continue;
        }
        match joins_compound(&words[e.end..cur.start]) {
            // "The US commander in Iraq, General David Petraeus, held talks": a comma and a title without an
            // "and" nearer the verb is an apposition, not a list.
            Some(Join::CommaModified) if !listed => break,
            Some(join) => {
                listed |= join == Join::And;
                group.insert(0, e);
                cur = e;
            }
            None => {}
        }
    }
    group
}

/// How two actors are joined into a compound actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    /// The gap holds "and" ("Arnor and the evil awful Gondor").
    And,
    /// Commas (and "the") only: "The US, Russia, and …".
    Comma,
    /// A comma and modifiers without "and": a list only when an "and" joins it elsewhere ("Mordor, the awful
    /// Arnor, and good Gondor"), else an apposition ("Iraq, General David Petraeus").
    CommaModified,
}

/// Whether the words between two actors join them into one compound actor: "and", a comma, or both, then
/// perhaps "the" and a few modifiers ("Arnor and the evil awful Gondor", "Mordor, the awful Arnor, and good
/// Gondor").
fn joins_compound(gap: &[String]) -> Option<Join> {
    let first = gap.first()?;
    if gap.len() > 5 || !(first == "AND" || first == ",") {
        return None;
    }
    let mut modifiers = 0;
    let joins = gap.iter().all(|w| {
        let w = w.as_str();
        if matches!(w, "AND" | "," | "THE") {
            return true;
        }
        modifiers += 1;
        modifiers <= 3 && content_word(w)
    });
    if !joins {
        return None;
    }
    Some(if gap.iter().any(|w| w == "AND") {
        Join::And
    } else if modifiers > 0 {
        Join::CommaModified
    } else {
        Join::Comma
    })
}

/// The first actor at or after `from` and before `end`, with actors joined to it by AND.
fn first_after<'e>(
    entities: &'e [Entity],
    words: &[String],
    from: usize,
    end: usize,
) -> Vec<&'e Entity> {
    let candidates: Vec<&Entity> = entities
        .iter()
        .filter(|e| e.start >= from && e.end <= end)
        .collect();
    let Some(first) = candidates.first() else {
        return Vec::new();
    };
    let mut group = vec![*first];
    let mut cur = *first;
    let (mut listed, mut apposition_at) = (false, None);
    for e in &candidates[1..] {
        let Some(join) = joins_compound(&words[cur.end..e.start]) else {
            break;
        };
        listed |= join == Join::And;
        if join == Join::CommaModified && apposition_at.is_none() {
            apposition_at = Some(group.len());
        }
        group.push(e);
        cur = e;
    }
    // Without an "and" anywhere, a comma-and-title join is an apposition: the list ends before it.
    if let Some(at) = apposition_at
        && !listed
    {
        group.truncate(at);
    }
    group
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dict::{actors::ActorDict, agents::AgentDict, verbs::VerbDict};
    use std::path::Path;

    fn dictionaries(verbs: &str, actors: &str, agents: &str) -> Dictionaries {
        let mut actor_dict = ActorDict::default();
        actor_dict.add_text(Path::new("a"), actors).unwrap();
        let mut agent_dict = AgentDict::default();
        agent_dict.add_text(Path::new("g"), agents).unwrap();
        Dictionaries {
            verbs: VerbDict::parse(Path::new("v"), verbs).unwrap(),
            actors: actor_dict,
            agents: agent_dict,
            ..Default::default()
        }
    }

    fn toy() -> Dictionaries {
        let verbs = "####### VERB PATTERNS #######\n---  ACCUSE   [112]  ---\nACCUSE\n\
                     ---  MEET   [040]  ---\nMEET {MET MEETS MEETING}\n- * (FOR TALKS) [043]\n\
                     ---  ATTACK   [190]  ---\nATTACK\n- * &WEAPON [195]\n---  SAY   [---]  ---\nSAY {SAID SAYS}\n\
                     ---  WANT   [030]  ---\nWANT\n---  ASK   [020]  ---\nASK\n---  HELP   [070]  ---\nHELP\n\
                     ---  YIELD   [080]  ---\nGIVE {GAVE GIVES GIVEN} \n---  WILL   [030]  ---\nWILL\n\
                     ---  FACE   [---]  ---\nFACE\n- * PRESSURE [:100]\n---  PRESSURE   [170]  ---\nPRESSURE\n\
                     ---  FIRE   [183]  ---\nFIRE\n######## TRANSFORMATIONS ##########\n~ a (b . ATTACK) SAY = a b 112\n";
        let verbs = format!("####### SYNONYM SETS #######\n&WEAPON\n+DRONE\n{verbs}");
        dictionaries(
            &verbs,
            "RUSSIA_ [RUS]\n+RUSSIAN_\nPAKISTAN_ [PAK]\nINDIA_ [IND]\n+INDIAN_\nSERGEI_LAVROV [RUSGOV]\n",
            "FOREIGN_MINISTER [~GOV]\nTROOPS {} [~MIL]\n",
        )
    }

    fn code(d: &Dictionaries, s: &str) -> Vec<(String, String, String)> {
        Coder::new(d)
            .code_sentence(s, 20190301, None)
            .into_iter()
            .map(|e| (e.source, e.target, e.code))
            .collect()
    }

    /// Codes each sentence and compares it with its expected events ("SOURCE TARGET CODE"), naming the case.
    fn expect(d: &Dictionaries, cases: &[(&str, &[&str], &str)]) {
        for (sentence, expected, why) in cases {
            let expected: Vec<_> = expected
                .iter()
                .map(|e| {
                    let parts: Vec<&str> = e.split(' ').collect();
                    t(parts[0], parts[1], parts[2])
                })
                .collect();
            assert_eq!(code(d, sentence), expected, "{why}: {sentence}");
        }
    }

    fn t(a: &str, b: &str, c: &str) -> (String, String, String) {
        (a.into(), b.into(), c.into())
    }

    #[test]
    fn subject_verb_object_with_patterns_agents_and_compounds() {
        let d = toy();
        assert_eq!(
            code(&d, "Russia accused Pakistan."),
            [t("RUS", "PAK", "112")]
        );
        assert_eq!(
            code(
                &d,
                "Russian Foreign Minister Sergei Lavrov met Pakistan for talks."
            ),
            [t("RUSGOV", "PAK", "043")]
        );
        assert_eq!(
            code(&d, "Indian troops attacked Pakistan with a drone."),
            [t("INDMIL", "PAK", "195")]
        );
        assert_eq!(
            code(&d, "India and Russia met Pakistan."),
            [t("IND", "PAK", "040"), t("RUS", "PAK", "040")]
        );
        assert!(
            code(&d, "Russia said the meeting was useful.").is_empty(),
            "no target, and 'the meeting' is a noun"
        );
    }

    #[test]
    fn nested_verbs_combine_and_negation_refuses() {
        expect(
            &toy(),
            &[
                (
                    "Russia wants to help Pakistan.",
                    &["RUS PAK 033"],
                    "an intention to help is 033, as PETRARCH-2 combines codes",
                ),
                (
                    "Russia asked India to help Pakistan.",
                    &["RUS IND 023"],
                    "an appeal to B to help is an appeal from A to B",
                ),
                (
                    "Pakistan faces pressure from Russia.",
                    &["RUS PAK 100"],
                    "[:100] reads an active clause passively",
                ),
                (
                    "Pakistan was pressured by Russia to help India.",
                    &["RUS PAK 170"],
                    "the by-phrase is the pressure's source, not the helper",
                ),
                (
                    "Russia said a shell was fired at it from Pakistan.",
                    &["PAK RUS 183"],
                    "a passive's agent in a from-phrase, its target in an at-phrase",
                ),
                (
                    "Russia said that India had attacked themselves.",
                    &["RUS IND 112"],
                    "a reflexive object lets the transformation see a target",
                ),
                (
                    "Russia asked India to attack Pakistan.",
                    &["RUS IND 020"],
                    "what one asks of another is not an event of its own",
                ),
                (
                    "Russia would not help Pakistan.",
                    &["RUS PAK 121"],
                    "negated cooperation is refused cooperation",
                ),
                (
                    "Russia didn't give Pakistan anything.",
                    &["RUS PAK 124"],
                    "-n't negates; yielding refused is 124",
                ),
                (
                    "Russia is no longer meeting Pakistan.",
                    &["RUS PAK 125"],
                    "no longer negates",
                ),
                (
                    "Russia never attacked Pakistan.",
                    &[],
                    "a negated attack is no event",
                ),
            ],
        );
    }

    #[test]
    fn symmetric_codes_compounds_with_modifiers_and_agents_from_states() {
        let verbs = "####### VERB PATTERNS #######\n---  MEET   [040:040]  ---\nMEET {MET MEETS MEETING}\n\
                     ---  VISIT   [042:043]  ---\nVISIT\n---  BUILD   [---]  ---\nBUILD\n---  ATTACK   [190]  ---\nATTACK\n";
        let d = dictionaries(
            verbs,
            "RUSSIA_ [RUS]\n+RUSSIAN_\nPAKISTAN_ [PAK]\nINDIA_ [IND]\n\
                 SAM_GAMGEE [HOB]\n\t[HOBCIV <20080120]\n\t[HOBMIL 20080120-20121109]\n",
            "SOLDIERS {} [~MIL]\nISLAMIC [~MUS]\n",
        );
        expect(
            &d,
            &[
                (
                    "Russia met Pakistan.",
                    &["RUS PAK 040", "PAK RUS 040"],
                    "[040:040]: meeting is mutual",
                ),
                (
                    "Russia visited India.",
                    &["RUS IND 042", "IND RUS 043"],
                    "[042:043]: the visited hosts the visitor",
                ),
                (
                    "Russia, Mighty Pakistan, attacked India.",
                    &["PAK IND 190"],
                    "a comma and a title without 'and' is an apposition",
                ),
                (
                    "Russia and the evil awful Pakistan attacked India.",
                    &["RUS IND 190", "PAK IND 190"],
                    "a compound across modifiers",
                ),
                (
                    "Soldiers from India attacked Pakistan.",
                    &["INDMIL PAK 190"],
                    "soldiers from India are India's military",
                ),
                (
                    "The Russian building was attacked by India.",
                    &["IND RUS 190"],
                    "a verb form after a nationality adjective is a noun",
                ),
                (
                    "Russia attacked the soldiers in India.",
                    &["RUS IND 190"],
                    "an agent alone is not a target; the next actor is",
                ),
                (
                    "Russia attacked the soldiers of northern India.",
                    &["RUS INDMIL 190"],
                    "an of-phrase joins the skipped agent to it",
                ),
            ],
        );
        // Dated codes win over the record's undated default (date 2010-01-01: HOBMIL).
        let coded: Vec<_> = Coder::new(&d)
            .code_sentence("Sam Gamgee attacked India.", 20100101, None)
            .into_iter()
            .map(|e| e.source)
            .collect();
        assert_eq!(coded, ["HOBMIL"]);
    }

    #[test]
    fn adjuncts_complements_case_and_shared_agents() {
        let verbs = "####### VERB PATTERNS #######\n---  MEET   [040:040]  ---\nMEET {MET MEETS MEETING}\n\
                     ---  ATTACK   [190]  ---\nATTACK\n---  HELP   [070]  ---\nHELP\n\
                     ---  SEEK   [030]  ---\nSEEK {SOUGHT SEEKS SEEKING}\n---  YIELD   [080]  ---\nGIVE {GAVE GIVES GIVEN}\n\
                     ---  EXERCISE   [150]  ---\nEXERCISE\n";
        let d = dictionaries(
            verbs,
            "RUSSIA_ [RUS]\n+RUSSIAN_\nPAKISTAN_ [PAK]\nINDIA_ [IND]\n+INDIAN_\nPOLE_ [POL]\n\
                 UN_ [IGOUNO]\nSERGEI_LAVROV [RUSGOV]\n",
            "TROOPS {} [~MIL]\nMILITARY [~MIL]\nFOREIGN_MINISTER [~GOV]\n",
        );
        expect(
            &d,
            &[
                (
                    "Russia met Pakistan, helping India.",
                    &["RUS PAK 040", "PAK RUS 040"],
                    "a gerund after a comma is an adjunct without a subject",
                ),
                (
                    "Russia attacked Pakistan for helping India.",
                    &["RUS PAK 190"],
                    "a gerund after a preposition too",
                ),
                (
                    "Russia met Pakistan by attacking India.",
                    &["RUS PAK 040", "PAK RUS 040", "RUS IND 190"],
                    "a gerund after 'by' is the manner of the act: the main subject did it",
                ),
                (
                    "Russia is attacking, helping India.",
                    &["RUS IND 070"],
                    "a list of progressive verbs shares the subject",
                ),
                (
                    "Russia attacked Pakistan, seeking to help India.",
                    &["RUS PAK 190"],
                    "an infinitive governed by an adjunct has no subject either",
                ),
                (
                    "Russia gave military help to India.",
                    &["RUS IND 080"],
                    "a base form after an adjectival agent is a noun",
                ),
                (
                    "The military helped India.",
                    &["---MIL IND 070"],
                    "after a determiner the agent is a noun, and a past tense its verb",
                ),
                (
                    "Russia held military exercises near India.",
                    &[],
                    "without one, any form after the adjective is a noun",
                ),
                (
                    "Russian and Indian troops attacked Pakistan.",
                    &["RUSMIL PAK 190", "INDMIL PAK 190"],
                    "a nationality adjective shares the agent after 'and'",
                ),
                (
                    "Russia and Indian troops attacked Pakistan.",
                    &["RUS PAK 190", "INDMIL PAK 190"],
                    "a country's name does not",
                ),
                (
                    "UN troops attacked Pakistan.",
                    &["IGOUNOMIL PAK 190"],
                    "agents compose onto IGO codes",
                ),
                (
                    "Foreign Minister Sergei Lavrov met India.",
                    &["RUSGOV IND 040", "IND RUSGOV 040"],
                    "but not twice onto a code that has them",
                ),
                (
                    "Russia attacked a pole near India.",
                    &["RUS IND 190"],
                    "a lower-case word in mixed-case text is not a name",
                ),
                (
                    "Russia attacked a Pole near India.",
                    &["RUS POL 190"],
                    "a capitalised one is",
                ),
                (
                    "russia, as ever, attacked india.",
                    &["RUS IND 190"],
                    "text all in lower case keeps its names (punctuation says nothing)",
                ),
                (
                    "Russia helped Pakistan attack India.",
                    &["RUS PAK 070"],
                    "a bare infinitive after help and its object is what was helped, not an event",
                ),
                (
                    "Russia helped Pakistan; India attack Russia.",
                    &["RUS PAK 070", "IND RUS 190"],
                    "not across a clause break",
                ),
            ],
        );
        assert!(holds_agent("HGWGOVMED", "GOVMED") && holds_agent("HGWGOVMED", "MED"));
        assert!(!holds_agent("PSEGZA", "EGZ") && !holds_agent("USA", "GOV"));
    }

    #[test]
    fn modals_time_words_and_reporting_subjects() {
        expect(
            &toy(),
            &[
                (
                    "Russia will help Pakistan.",
                    &["RUS PAK 070"],
                    "'will' before a verb is an auxiliary, whatever the dictionary lists",
                ),
                (
                    "Russia accused brutal attacks against Pakistan.",
                    &["RUS PAK 112"],
                    "a verb form after a verb and an adjective is a noun",
                ),
                (
                    "Russia on Thursday attacked Pakistan.",
                    &["RUS PAK 190"],
                    "a time expression does not make a noun reading",
                ),
                (
                    "Russia is helping, Indian Foreign Minister said.",
                    &[],
                    "an actor after a comma before a reporting verb is its subject",
                ),
                (
                    "Russia accused Pakistan, India said.",
                    &["RUS PAK 112"],
                    "… also at the end of a list of objects",
                ),
            ],
        );
    }

    #[test]
    fn passive_voice_swaps_source_and_target() {
        let d = toy();
        assert_eq!(
            code(&d, "Pakistan was accused by India on Monday."),
            [t("IND", "PAK", "112")]
        );
    }

    #[test]
    fn documents_deduplicate_and_explain() {
        let d = toy();
        let mut why = Vec::new();
        let ev = Coder::new(&d).code_document(
            "doc1",
            20190301,
            "Russia accused Pakistan. Later, Russia accused Pakistan again.",
            Some(&mut why),
        );
        assert_eq!(ev.len(), 1);
        assert_eq!(
            (
                ev[0].sentence_number,
                ev[0].source_phrase.as_str(),
                ev[0].target_phrase.as_str()
            ),
            (1, "RUSSIA", "PAKISTAN")
        );
        assert!(
            why[1]
                .lines
                .iter()
                .any(|l| l.starts_with("duplicate in story")),
            "{why:?}"
        );
    }
}
