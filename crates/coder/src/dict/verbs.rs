//! The PETRARCH-2 verb dictionary (`CAMEO.2.0.txt`): synonym sets, verb blocks with their patterns, and
//! transformations.
//!
//! ```text
//! ####### SYNONYM SETS #######
//! &CURRENCY                         a set; members follow
//! +MONEY
//! +CASH_                            trailing _: no plural
//! ####### VERB PATTERNS #######
//! ---  ASK   [---]  ---             a block: name and default code ([---]: the bare verb codes nothing)
//! ASK     [020]                     a verb of the block, with its own default code
//! QUERY {QUERYING QUERIES QUERIED}  irregular forms given
//! +CORDON_OFF                       multi-word verb, '+' marks the verb word
//! - * (FOR {FINANCIAL AID})  [0231] a pattern: '*' the verb, words/{phrases}/(prepositional phrases)/&SETS
//! - PROSECUTOR * &DETENTION  [173]  left of '*': the subject side; right: the object side
//! - * (BEFORE COURT)         [:173] [active:passive] codes
//! ######## TRANSFORMATIONS ##########
//! ~ a (a b ATTACK) SAY = a b 015
//! ```

use std::collections::HashMap;
use std::path::Path;

use super::{DictError, phrase_words, plural, strip_comment};

/// An element of a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elem {
    /// A head noun (or any word).
    Word(String),
    /// `&NAME`: any member of a synonym set.
    Synset(String),
    /// `{W1 W2 HEAD}`: words in this order.
    Phrase(Vec<Elem>),
    /// `(PREP …)`: a preposition followed by its objects.
    Prep { prep: String, objects: Vec<Elem> },
}

/// A pattern's or a verb's code: `[A]`, `[A:B]` (a paired action: the source does A to the target, the target
/// B back — `MEET [040:040]`, `VISIT [042:043]`: the visited hosts, `RECEIVE … [043:042]`, `CLASH [175:145]`),
/// `[:B]` (B only in the passive, or read passively), `[---]` (none). The gold sets pair `[A:A]`, `[043:042]` and
/// `[175:145]`; one record (VERB_1) leaves `[042:043]` one way, which Fulcrum does not follow.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventCode {
    pub active: Option<String>,
    pub passive: Option<String>,
    /// Written `[A:B]` with both codes: the target does B to the source.
    pub paired: bool,
}

impl EventCode {
    fn parse(text: &str) -> Result<Self, String> {
        let inner = text
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim();
        let code = |s: &str| -> Result<Option<String>, String> {
            // The production CAMEO.2.0.txt has one "[080!]"; PETRARCH-2 reads it as 080, so do we.
            let s = s.trim().trim_end_matches('!');
            if s.is_empty() || s.starts_with("---") {
                Ok(None)
            } else if (2..=6).contains(&s.len())
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '+')
            {
                // CAMEO codes are digits; the PETRARCH validation dictionaries also use test codes (075A, xxy, +++).
                Ok(Some(s.to_uppercase()))
            } else {
                Err(format!(
                    "bad event code {s:?} (want a CAMEO code such as 042, --- or A:B)"
                ))
            }
        };
        match inner.split_once(':') {
            Some((a, b)) => {
                let (active, passive) = (code(a)?, code(b)?);
                Ok(Self {
                    paired: active.is_some() && passive.is_some(),
                    active,
                    passive,
                })
            }
            None => {
                let c = code(inner)?;
                Ok(Self {
                    active: c.clone(),
                    passive: c,
                    paired: false,
                })
            }
        }
    }

    /// The code of the event from source to target.
    pub fn get(&self, passive: bool) -> Option<&str> {
        if self.paired {
            self.active.as_deref()
        } else if passive {
            self.passive.as_deref()
        } else {
            self.active.as_deref()
        }
    }

    /// The code of the paired event from target back to source, if the action is symmetric.
    pub fn reverse(&self) -> Option<&str> {
        self.paired.then_some(self.passive.as_deref()).flatten()
    }
}

#[derive(Debug, Clone)]
pub struct Pattern {
    /// Elements on the subject side of the verb, in order.
    pub pre: Vec<Elem>,
    /// Elements on the object side, in order.
    pub post: Vec<Elem>,
    pub code: EventCode,
    /// Line in the dictionary (for `--explain`).
    pub line: usize,
    /// The pattern as written.
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct VerbBlock {
    pub name: String,
    pub code: EventCode,
    pub patterns: Vec<Pattern>,
}

/// One inflected form of a verb, possibly several words long.
#[derive(Debug, Clone)]
pub struct VerbForm {
    pub words: Vec<String>,
    /// Index of the verb word among `words`.
    pub head: usize,
    pub block: usize,
    /// The verb's own default code, when it has one.
    pub code: Option<EventCode>,
    /// Whether this form is a past participle candidate (for passive voice).
    pub participle: bool,
    /// Whether this is the verb's base form ("support", not "supports" / "supported" / "said"), the one that
    /// doubles as a noun.
    pub base: bool,
}

/// `~ a (a b ATTACK) SAY = a b 015`: "a SAYs that a ATTACKed b" is coded as a → b 015.
/// Variables are letters; `.` any actor, `_` none; `Q` any verb (and, as a result code, the inner code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transformation {
    pub outer_subject: char,
    pub inner_source: char,
    pub inner_target: char,
    pub inner_verb: String,
    pub outer_verb: String,
    pub source: char,
    pub target: char,
    pub code: String,
    pub line: usize,
}

impl Transformation {
    fn parse(line: &str, line_no: usize) -> Result<Self, String> {
        let spaced = line.trim_start_matches('~').replace(['(', ')'], " ");
        let t: Vec<&str> = spaced.split_whitespace().collect();
        let var = |s: &str| -> Result<char, String> {
            let mut c = s.chars();
            match (c.next(), c.next()) {
                (Some(ch), None) => Ok(ch),
                _ => Err(format!("bad variable {s:?} in a transformation")),
            }
        };
        if t.len() != 9 || t[5] != "=" {
            return Err("want a transformation like: ~ a (a b VERB) VERB = a b CODE".into());
        }
        Ok(Self {
            outer_subject: var(t[0])?,
            inner_source: var(t[1])?,
            inner_target: var(t[2])?,
            inner_verb: t[3].to_uppercase(),
            outer_verb: t[4].to_uppercase(),
            source: var(t[6])?,
            target: var(t[7])?,
            code: t[8].to_string(),
            line: line_no,
        })
    }
}

#[derive(Debug, Default)]
pub struct VerbDict {
    pub synsets: HashMap<String, Vec<Vec<String>>>,
    pub blocks: Vec<VerbBlock>,
    forms_by_first: HashMap<String, Vec<VerbForm>>,
    pub transformations: Vec<Transformation>,
    pub forms: usize,
}

#[derive(PartialEq)]
enum Section {
    Preamble,
    Synsets,
    Verbs,
    Transformations,
}

impl VerbDict {
    /// Every verb form of every block (a form may carry its own code).
    pub fn verb_forms(&self) -> impl Iterator<Item = &VerbForm> {
        self.forms_by_first.values().flatten()
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self, DictError> {
        let mut dict = VerbDict::default();
        let mut section = Section::Preamble;
        let mut synset: Option<(String, bool)> = None;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let upper = raw.trim().to_uppercase();
            if upper.starts_with("####### SYNONYM SETS")
                || upper.starts_with("######## SYNONYM SETS")
            {
                section = Section::Synsets;
                continue;
            }
            if upper.contains("VERB PATTERNS") && upper.starts_with("####") {
                section = Section::Verbs;
                continue;
            }
            if upper.contains("TRANSFORMATIONS") && upper.starts_with("####") {
                section = Section::Transformations;
                continue;
            }
            let line = strip_comment(raw).trim();
            if line.is_empty() {
                continue;
            }
            let err = |m: String| DictError::new(path, line_no, m);
            match section {
                Section::Preamble => {}
                Section::Synsets => {
                    if let Some(label) = line.strip_prefix('&') {
                        let label = label.trim().to_uppercase();
                        let no_plurals = label.ends_with('_');
                        let name = label.trim_end_matches('_').to_string();
                        dict.synsets.entry(name.clone()).or_default();
                        synset = Some((name, no_plurals));
                    } else if let Some(member) = line.strip_prefix('+') {
                        let (name, no_plurals) = synset.as_ref().ok_or_else(|| {
                            err("a synonym-set member (+) before any &SET".into())
                        })?;
                        let member = member.trim().to_uppercase();
                        let words = phrase_words(&member);
                        if words.is_empty() {
                            continue;
                        }
                        let set = dict.synsets.get_mut(name).expect("created with the label");
                        if !no_plurals && !member.ends_with('_') {
                            let mut p = words.clone();
                            let last = p.pop().expect("non-empty");
                            p.push(plural(&last));
                            set.push(p);
                        }
                        set.push(words);
                    } else {
                        return Err(err(format!(
                            "unexpected line in the synonym sets: {line:?} (want &SET or +MEMBER)"
                        )));
                    }
                }
                Section::Verbs => {
                    if line.starts_with("---") {
                        let tokens: Vec<&str> = line.split_whitespace().collect();
                        let (Some(open), Some(close)) = (line.find('['), line.find(']')) else {
                            return Err(err("a block header needs ---  NAME  [CODE]  ---".into()));
                        };
                        if tokens.len() < 3 || close < open {
                            return Err(err("a block header needs ---  NAME  [CODE]  ---".into()));
                        }
                        let code = EventCode::parse(&line[open..=close]).map_err(err)?;
                        dict.blocks.push(VerbBlock {
                            name: tokens[1].to_uppercase(),
                            code,
                            patterns: Vec::new(),
                        });
                    } else if let Some(body) = line.strip_prefix('-') {
                        let block = dict
                            .blocks
                            .last_mut()
                            .ok_or_else(|| err("a pattern before any --- block ---".into()))?;
                        let pattern = parse_pattern(body, line_no).map_err(err)?;
                        block.patterns.push(pattern);
                    } else if line.starts_with('&')
                        || line.starts_with('+') && dict.blocks.is_empty()
                    {
                        return Err(err(format!(
                            "unexpected line {line:?} before any verb block"
                        )));
                    } else {
                        let block = dict
                            .blocks
                            .len()
                            .checked_sub(1)
                            .ok_or_else(|| err("a verb before any --- block ---".into()))?;
                        dict.add_verb(line, block).map_err(err)?;
                    }
                }
                Section::Transformations => {
                    if line.starts_with('~') {
                        dict.transformations
                            .push(Transformation::parse(line, line_no).map_err(err)?);
                    }
                }
            }
        }
        if dict.blocks.is_empty() {
            return Err(DictError::new(
                path,
                1,
                "no verb blocks found (is this a PETRARCH-2 verb dictionary with a '####### VERB PATTERNS #######' line?)",
            ));
        }
        Ok(dict)
    }

    fn add_verb(&mut self, line: &str, block: usize) -> Result<(), String> {
        let (line, code) = match line.find('[') {
            Some(b) => (&line[..b], Some(EventCode::parse(&line[b..])?)),
            None => (line, None),
        };
        let (head, explicit) = match line.find('{') {
            Some(b) => {
                let e = line[b..].find('}').map(|e| e + b).ok_or("unclosed '{'")?;
                (
                    line[..b].trim(),
                    Some(line[b + 1..e].split_whitespace().collect::<Vec<_>>()),
                )
            }
            None => (line.trim(), None),
        };
        let (words, verb_at) = verb_words(head)?;
        let form = |words: Vec<String>, head: usize, participle: bool, base: bool| VerbForm {
            words,
            head,
            block,
            code: code.clone(),
            participle,
            base,
        };
        let mut forms: Vec<VerbForm> = Vec::new();
        match explicit {
            Some(list) => {
                forms.push(form(words.clone(), verb_at, false, true));
                for f in list {
                    let (w, h) = verb_words(f)?;
                    let participle =
                        w[h].ends_with("ED") || w[h].ends_with('N') || w[h].ends_with('T');
                    forms.push(form(w, h, participle, false));
                }
            }
            None => {
                for f in verb_forms(&words[verb_at]) {
                    let participle = f.ends_with("ED");
                    let base = f == words[verb_at];
                    let mut w = words.clone();
                    w[verb_at] = f;
                    forms.push(form(w, verb_at, participle, base));
                }
            }
        }
        for form in forms {
            let list = self
                .forms_by_first
                .entry(form.words[0].clone())
                .or_default();
            list.push(form);
            list.sort_by_key(|f| std::cmp::Reverse(f.words.len()));
            self.forms += 1;
        }
        Ok(())
    }

    /// The longest verb form starting at `words[at]`.
    pub fn verb_at(&self, words: &[String], at: usize) -> Option<&VerbForm> {
        self.forms_by_first.get(words.get(at)?)?.iter().find(|f| {
            words.len() - at >= f.words.len() && words[at..at + f.words.len()] == f.words[..]
        })
    }

    /// The block a single verb word belongs to.
    pub fn block_of(&self, verb: &str) -> Option<usize> {
        self.verb_at(&[verb.to_string()], 0).map(|f| f.block)
    }

    /// Members of a synonym set.
    pub fn synset(&self, name: &str) -> &[Vec<String>] {
        self.synsets.get(name).map_or(&[], Vec::as_slice)
    }

    pub fn patterns(&self) -> usize {
        self.blocks.iter().map(|b| b.patterns.len()).sum()
    }
}

/// `+CORDON_OFF` → (["CORDON", "OFF"], 0); `WIRE_+TAP` → (["WIRE", "TAP"], 1); `ASK` → (["ASK"], 0).
fn verb_words(text: &str) -> Result<(Vec<String>, usize), String> {
    let mut words = Vec::new();
    let mut head = None;
    for part in text.split(['_', ' ']).filter(|p| !p.is_empty()) {
        let part = part.to_uppercase();
        if let Some(p) = part.strip_prefix('+') {
            head = Some(words.len());
            words.push(p.to_string());
        } else {
            words.push(part);
        }
    }
    if words.is_empty() {
        return Err(format!("empty verb {text:?}"));
    }
    Ok((words, head.unwrap_or(0)))
}

/// Regular forms of a verb: base, 3rd person, past, gerund.
pub fn verb_forms(verb: &str) -> Vec<String> {
    let v = verb.to_uppercase();
    let consonant_before = |s: &str| s.chars().rev().nth(1).is_some_and(|c| !"AEIOU".contains(c));
    let third = if v.ends_with('Y') && consonant_before(&v) {
        format!("{}IES", &v[..v.len() - 1])
    } else if v.ends_with('S')
        || v.ends_with("SH")
        || v.ends_with("CH")
        || v.ends_with('X')
        || v.ends_with('Z')
        || v.ends_with('O')
    {
        format!("{v}ES")
    } else {
        format!("{v}S")
    };
    let past = if v.ends_with('E') {
        format!("{v}D")
    } else if v.ends_with('Y') && consonant_before(&v) {
        format!("{}IED", &v[..v.len() - 1])
    } else {
        format!("{v}ED")
    };
    let gerund = if v.ends_with('E') && !v.ends_with("EE") && v.len() > 2 {
        format!("{}ING", &v[..v.len() - 1])
    } else {
        format!("{v}ING")
    };
    vec![v, third, past, gerund]
}

/// Parses the part of a pattern line after the leading `-`.
fn parse_pattern(body: &str, line: usize) -> Result<Pattern, String> {
    let open = body.rfind('[').ok_or("a pattern needs a [CODE]")?;
    let code = EventCode::parse(&body[open..])?;
    let spec = &body[..open];
    let tokens = tokenize_pattern(spec)?;
    let star = tokens
        .iter()
        .position(|t| t == "*")
        .ok_or("a pattern needs a '*' for the verb")?;
    let elems = |ts: &[String]| -> Result<Vec<Elem>, String> {
        ts.iter()
            .filter_map(|t| parse_elem(t).transpose())
            .collect()
    };
    Ok(Pattern {
        pre: elems(&tokens[..star])?,
        post: elems(&tokens[star + 1..])?,
        code,
        line,
        text: format!("-{}", body.trim_end()),
    })
}

/// Splits a pattern into tokens, keeping `{…}` and `(…)` groups whole.
fn tokenize_pattern(spec: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = spec.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut token = String::new();
        if c == '*' {
            // The verb marker may touch a word ("*SCEPTICAL" in CAMEO.2.0.txt).
            chars.next();
            out.push("*".to_string());
            continue;
        }
        if c == '{' || c == '(' {
            let close = if c == '{' { '}' } else { ')' };
            let mut depth = 0;
            for ch in chars.by_ref() {
                token.push(ch);
                if ch == c {
                    depth += 1;
                } else if ch == close {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
            if depth != 0 {
                return Err(format!("unclosed '{c}' in pattern"));
            }
        } else {
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || ch == '{' || ch == '(' || ch == '*' {
                    break;
                }
                token.push(ch);
                chars.next();
            }
        }
        out.push(token);
    }
    Ok(out)
}

/// One token of a pattern; `None` for the legacy actor markers `$ + % ^`, which PETRARCH-2 ignores too.
fn parse_elem(token: &str) -> Result<Option<Elem>, String> {
    let t = token.trim();
    if matches!(t, "$" | "+" | "%" | "^" | "") {
        return Ok(None);
    }
    if let Some(inner) = t.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
        let parts: Vec<Elem> = tokenize_pattern(inner)?
            .iter()
            .filter_map(|p| parse_elem(p).transpose())
            .collect::<Result<_, _>>()?;
        return Ok(Some(Elem::Phrase(parts)));
    }
    if let Some(inner) = t.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
        let tokens = tokenize_pattern(inner)?;
        let (prep, rest) = tokens.split_first().ok_or("empty '()' in pattern")?;
        let objects = rest
            .iter()
            .filter_map(|p| parse_elem(p).transpose())
            .collect::<Result<_, _>>()?;
        return Ok(Some(Elem::Prep {
            prep: prep.to_uppercase(),
            objects,
        }));
    }
    if let Some(name) = t.strip_prefix('&') {
        return Ok(Some(Elem::Synset(
            name.trim_end_matches('_').to_uppercase(),
        )));
    }
    // Multi-word tokens joined with '_' are a phrase.
    let words = phrase_words(t);
    Ok(match words.len() {
        0 => None,
        1 => Some(Elem::Word(words[0].clone())),
        _ => Some(Elem::Phrase(words.into_iter().map(Elem::Word).collect())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
####### SYNONYM SETS #######
&CURRENCY
+MONEY
+CASH_
&AUXVERB1_
+WAS
####### VERB PATTERNS #######
---  ASK   [---]  ---
+ASK_FOR {+ASKED_FOR +ASKING_FOR +ASKS_FOR} [020]
ASK     [020]
QUERY {QUERYING QUERIES QUERIED }
- * (FOR {FINANCIAL AID})                             [0231]        # ASK
- PROSECUTOR * &CURRENCY                             [173]
---  APPEAR   [---]  ---
APPEAR
- * (BEFORE COURT)   [:173]
- * (TO) $  [042:043]
######## TRANSFORMATIONS ##########
~ a (a b ATTACK) SAY = a b 015
";

    fn w(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn parses_sets_blocks_patterns_and_forms() {
        let d = VerbDict::parse(Path::new("verbs.txt"), SAMPLE).unwrap();
        assert_eq!(d.synset("CURRENCY"), [w("MONEYS"), w("MONEY"), w("CASH")]);
        assert_eq!(d.synset("AUXVERB1"), [w("WAS")]);
        assert_eq!(d.blocks.len(), 2);
        let ask = &d.blocks[0];
        assert_eq!(ask.patterns.len(), 2);
        assert_eq!(
            ask.patterns[0].post,
            [Elem::Prep {
                prep: "FOR".into(),
                objects: vec![Elem::Phrase(vec![
                    Elem::Word("FINANCIAL".into()),
                    Elem::Word("AID".into())
                ])]
            }]
        );
        assert_eq!(ask.patterns[1].pre, [Elem::Word("PROSECUTOR".into())]);
        assert_eq!(ask.patterns[1].code.get(false), Some("173"));
        let f = d.verb_at(&w("HE ASKED FOR MONEY"), 1).unwrap();
        assert_eq!(
            (f.words.len(), f.block, f.code.as_ref().unwrap().get(false)),
            (2, 0, Some("020"))
        );
        assert_eq!(d.verb_at(&w("QUERIED"), 0).unwrap().block, 0);
        assert!(
            d.verb_at(&w("QUERYED"), 0).is_none(),
            "explicit forms replace the generated ones"
        );
        assert!(d.verb_at(&w("APPEARED"), 0).unwrap().participle);
        let appear = &d.blocks[1];
        assert_eq!(
            (
                appear.patterns[0].code.get(false),
                appear.patterns[0].code.get(true)
            ),
            (None, Some("173"))
        );
        assert_eq!(
            (
                appear.patterns[1].code.get(false),
                appear.patterns[1].code.get(true),
                appear.patterns[1].code.reverse()
            ),
            (Some("042"), Some("042"), Some("043"))
        );
        assert_eq!(d.transformations.len(), 1);
        let t = &d.transformations[0];
        assert_eq!(
            (
                t.outer_subject,
                t.inner_source,
                t.inner_target,
                t.inner_verb.as_str(),
                t.outer_verb.as_str(),
                t.code.as_str()
            ),
            ('a', 'a', 'b', "ATTACK", "SAY", "015")
        );
    }

    #[test]
    fn errors_name_the_line() {
        let bad = SAMPLE.replace("[0231]", "[02.1]");
        let err = VerbDict::parse(Path::new("CAMEO.2.0.txt"), &bad).unwrap_err();
        assert_eq!(err.line, 12);
        assert!(
            err.to_string()
                .starts_with("CAMEO.2.0.txt:12: bad event code"),
            "{err}"
        );
        let glued = VerbDict::parse(
            Path::new("v.txt"),
            &SAMPLE.replace("- PROSECUTOR * &CURRENCY", "- *PROSECUTOR"),
        )
        .unwrap();
        assert_eq!(
            glued.blocks[0].patterns[1].post,
            [Elem::Word("PROSECUTOR".into())]
        );
        let err = VerbDict::parse(
            Path::new("v.txt"),
            &SAMPLE.replace("- PROSECUTOR * &CURRENCY", "- PROSECUTOR &CURRENCY"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("needs a '*'"), "{err}");
        assert!(VerbDict::parse(Path::new("v.txt"), "just text\n").is_err());
    }

    #[test]
    fn regular_forms() {
        assert_eq!(
            verb_forms("accuse"),
            ["ACCUSE", "ACCUSES", "ACCUSED", "ACCUSING"]
        );
        assert_eq!(verb_forms("deny"), ["DENY", "DENIES", "DENIED", "DENYING"]);
        assert_eq!(verb_forms("meet"), ["MEET", "MEETS", "MEETED", "MEETING"]);
    }
}
