//! An outside analysis of a sentence — part-of-speech tags, and a dependency parse — handed to the coder in
//! place of its own shallow guesses. The gold files carry such analyses (CoNLL-U from UDPipe), so scoring the
//! coder with them as an *oracle* measures what a tagger or a parser would gain before anyone builds one
//! (`fulcrum code --gold FILE --oracle tags|parse`, docs/coder.md "What a tagger or a parser would gain").
//!
//! The analysis is tokenised its own way ("Dagolath" "'s"; "U.S."), so it is aligned to the coder's tokens by
//! their letters and digits, in order: a coder token maps to the analysis token where its first letter falls.
//! Tokens that do not align (punctuation, a resync after a mismatch) get no reading, and the coder falls back
//! to its own rules there.

/// One token of a CoNLL-U parse.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedToken {
    pub form: String,
    /// Universal part of speech (VERB, NOUN, PROPN, AUX, …).
    pub upos: String,
    /// Penn Treebank tag (VBD, VBN, NN, …).
    pub xpos: String,
    /// 1-based index of the head among the record's tokens (absolute even when the parse holds several
    /// sentences); 0 for the root.
    pub head: usize,
    /// Dependency relation to the head (UD v1 or v2 labels: `dobj`/`obj`, `nsubjpass`/`nsubj:pass`, …).
    pub deprel: String,
}

/// Reads CoNLL-U token lines (10 tab-separated columns); comments, blank lines, multi-word ranges (`3-4`) and
/// empty nodes (`3.1`) are skipped. Lines that are not tokens are ignored rather than refused: the oracle is a
/// measuring aid, and a record without a usable parse is coded as without one.
pub fn parse_conllu(text: &str) -> Vec<ParsedToken> {
    let mut out = Vec::new();
    // Several sentences restart their ids at 1: heads are made absolute, so one tree spans the record.
    let mut base = 0;
    for line in text.lines() {
        let cols: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
        if cols.len() < 8 || cols[0].contains(['-', '.']) {
            continue;
        }
        let Ok(id) = cols[0].parse::<usize>() else {
            continue;
        };
        if id == 1 {
            base = out.len();
        }
        let head = cols[6].parse::<usize>().unwrap_or(0);
        out.push(ParsedToken {
            form: cols[1].to_string(),
            upos: cols[3].to_string(),
            xpos: cols[4].to_string(),
            head: if head == 0 { 0 } else { base + head },
            deprel: cols[7].to_string(),
        });
    }
    out
}

/// An outside analysis given to the coder for one sentence: the record's tokens, where this sentence's start
/// (a record may hold several), and how much of it to use.
#[derive(Debug, Clone, Copy)]
pub struct Oracle<'a> {
    pub tokens: &'a [ParsedToken],
    pub from: usize,
    pub level: OracleLevel,
}

/// How much of the outside analysis the coder uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OracleLevel {
    /// Only part-of-speech tags: which dictionary verb forms are verbs, and which participles are passive.
    #[default]
    Tags,
    /// Tags and the dependency tree: subjects, objects and passive agents read off the parse.
    Parse,
}

/// An analysis aligned to the coder's tokens of one sentence.
#[derive(Debug, Clone)]
pub struct Aligned<'a> {
    tokens: &'a [ParsedToken],
    /// For each coder token, the analysis token it falls on.
    map: Vec<Option<usize>>,
    pub level: OracleLevel,
}

/// Subject relations (UD v1 and v2), and object relations in order of preference.
const SUBJECT: &[&str] = &["nsubj", "nsubjpass", "nsubj:pass", "csubj"];
const PASSIVE_MARK: &[&str] = &["nsubjpass", "nsubj:pass", "auxpass", "aux:pass"];
const DIRECT_OBJECT: &[&str] = &["dobj", "obj", "iobj"];
const OBLIQUE: &[&str] = &["nmod", "obl", "obl:tmod", "nmod:tmod"];
/// Relations that open a phrase of their own: an actor inside one is not the head's subject or object.
const OWN_CLAUSE: &[&str] = &[
    "acl",
    "acl:relcl",
    "relcl",
    "appos",
    "parataxis",
    "advcl",
    "ccomp",
    "xcomp",
    "dep",
    "punct",
];

impl<'a> Aligned<'a> {
    /// Aligns the oracle's tokens, from its `from`, to the coder's `words` (upper-cased) by their letters and
    /// digits, in order.
    pub fn new(words: &[String], oracle: Oracle<'a>) -> Self {
        let Oracle {
            tokens,
            from,
            level,
        } = oracle;
        // The analysis as one stream of upper-cased letters and digits, each with its token.
        let stream: Vec<(char, usize)> = tokens
            .iter()
            .enumerate()
            .skip(from)
            .flat_map(|(k, t)| {
                t.form
                    .chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_uppercase)
                    .map(move |c| (c, k))
            })
            .collect();
        // How far ahead a mismatch may look to resynchronise.
        const LOOKAHEAD: usize = 24;
        let mut at = 0;
        let map = words
            .iter()
            .map(|w| {
                let mut first = None;
                for c in w.chars().filter(|c| c.is_alphanumeric()) {
                    let limit = (at + LOOKAHEAD).min(stream.len());
                    let found = (at..limit).find(|&p| stream[p].0 == c)?;
                    first.get_or_insert(stream[found].1);
                    at = found + 1;
                }
                first
            })
            .collect();
        Self { tokens, map, level }
    }

    /// The token after the last one aligned: where the record's next sentence starts.
    pub fn end(&self) -> usize {
        self.map.iter().flatten().max().map_or(0, |k| k + 1)
    }

    fn token(&self, word: usize) -> Option<(usize, &'a ParsedToken)> {
        let k = (*self.map.get(word)?)?;
        Some((k, &self.tokens[k]))
    }

    /// Whether the analysis reads the word as a verb (None: no reading there).
    pub fn is_verb(&self, word: usize) -> Option<bool> {
        self.token(word).map(|(_, t)| t.upos == "VERB")
    }

    /// Whether the verb is passive: from the tree when the level allows, else "a VBN" (the coder adds "after a
    /// form of be").
    pub fn is_passive(&self, word: usize) -> Option<bool> {
        let (k, t) = self.token(word)?;
        Some(match self.level {
            OracleLevel::Parse => self
                .children(k)
                .any(|(_, c)| PASSIVE_MARK.contains(&c.deprel.as_str())),
            OracleLevel::Tags => t.xpos == "VBN",
        })
    }

    fn children(&self, k: usize) -> impl Iterator<Item = (usize, &'a ParsedToken)> + '_ {
        self.tokens
            .iter()
            .enumerate()
            .filter(move |(_, t)| t.head == k + 1)
    }

    /// Coder words whose analysis tokens lie in the phrase headed by `k` (not descending into clauses of their
    /// own), in word order.
    fn phrase_words(&self, k: usize) -> Vec<usize> {
        let mut inside = vec![false; self.tokens.len()];
        let mut stack = vec![k];
        let mut steps = 0;
        while let Some(h) = stack.pop() {
            // A malformed tree (a cycle) must not loop: each token is visited once.
            if inside[h] || steps > self.tokens.len() {
                continue;
            }
            inside[h] = true;
            steps += 1;
            for (c, t) in self.children(h) {
                if !OWN_CLAUSE.contains(&t.deprel.as_str()) {
                    stack.push(c);
                }
            }
        }
        (0..self.map.len())
            .filter(|&w| self.map[w].is_some_and(|k| inside[k]))
            .collect()
    }

    /// The verb's subject phrases from the tree (a conjoined or controlled verb inherits its head's subject).
    /// Each phrase is the coder words it covers. None: the verb has no reading here.
    pub fn subjects(&self, word: usize) -> Option<Vec<Vec<usize>>> {
        if self.level != OracleLevel::Parse {
            return None;
        }
        let (mut k, _) = self.token(word)?;
        for _ in 0..4 {
            let found: Vec<Vec<usize>> = self
                .children(k)
                .filter(|(_, t)| SUBJECT.contains(&t.deprel.as_str()))
                .map(|(c, _)| self.phrase_words(c))
                .collect();
            if !found.is_empty() {
                return Some(found);
            }
            let t = &self.tokens[k];
            if t.head == 0
                || t.head > self.tokens.len()
                || !matches!(t.deprel.as_str(), "conj" | "xcomp")
            {
                break;
            }
            k = t.head - 1;
        }
        Some(Vec::new())
    }

    /// The verb's object phrases from the tree: direct objects first, else oblique phrases in order; for a
    /// passive, the `by` phrase is returned separately as the agent.
    pub fn objects_and_agent(&self, word: usize) -> Option<(Vec<Vec<usize>>, Vec<usize>)> {
        if self.level != OracleLevel::Parse {
            return None;
        }
        let (k, _) = self.token(word)?;
        let mut direct = Vec::new();
        let mut oblique = Vec::new();
        let mut agent = Vec::new();
        for (c, t) in self.children(k) {
            let rel = t.deprel.as_str();
            let by = self
                .children(c)
                .any(|(_, m)| m.deprel == "case" && m.form.eq_ignore_ascii_case("by"));
            if rel == "nmod:agent" || rel == "obl:agent" || (by && OBLIQUE.contains(&rel)) {
                agent = self.phrase_words(c);
            } else if DIRECT_OBJECT.contains(&rel) {
                direct.push(self.phrase_words(c));
            } else if OBLIQUE.contains(&rel) {
                oblique.push(self.phrase_words(c));
            }
        }
        Some((if direct.is_empty() { oblique } else { direct }, agent))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARSE: &str = "1\tDagolath\tDagolath\tPROPN\tNNP\t_\t3\tnmod:poss\t_\t_\n\
                         2\t's\t's\tPART\tPOS\t_\t1\tcase\t_\t_\n\
                         3\tenvoy\tenvoy\tNOUN\tNN\t_\t4\tnsubjpass\t_\t_\n\
                         4\tattacked\tattack\tVERB\tVBN\t_\t0\troot\t_\t_\n\
                         5\tby\tby\tADP\tIN\t_\t6\tcase\t_\t_\n\
                         6\tGondor\tGondor\tPROPN\tNNP\t_\t4\tnmod\t_\t_\n\
                         7\tand\tand\tCCONJ\tCC\t_\t8\tcc\t_\t_\n\
                         8\tmet\tmeet\tVERB\tVBD\t_\t4\tconj\t_\t_\n\
                         9\tArnor\tArnor\tPROPN\tNNP\t_\t8\tobj\t_\t_\n";

    fn words(s: &str) -> Vec<String> {
        crate::text::tokens(s)
    }

    #[test]
    fn aligns_by_letters_and_reads_roles_off_the_tree() {
        let tokens = parse_conllu(&format!("# text = x\n{PARSE}\n"));
        assert_eq!(tokens.len(), 9);
        // The coder's words differ ("was" is missing from the parse) and the alignment still holds.
        let w = words("Dagolath's envoy was attacked by Gondor and met Arnor.");
        let oracle = |level| Oracle {
            tokens: &tokens,
            from: 0,
            level,
        };
        let a = Aligned::new(&w, oracle(OracleLevel::Parse));
        assert_eq!(a.map[0], Some(0));
        assert_eq!(a.end(), 9);
        assert_eq!(a.map[3], None, "WAS is not in the parse");
        assert_eq!(a.is_verb(4), Some(true));
        assert_eq!(a.is_verb(2), Some(false));
        assert_eq!(a.is_passive(4), Some(true));
        assert_eq!(a.subjects(4), Some(vec![vec![0, 1, 2]]));
        let (objects, agent) = a.objects_and_agent(4).unwrap();
        assert!(objects.is_empty());
        assert_eq!(agent, [5, 6]);
        // "met" is conjoined to "attacked": it inherits the subject.
        assert_eq!(a.subjects(8), Some(vec![vec![0, 1, 2]]));
        assert_eq!(a.objects_and_agent(8).unwrap().0, [vec![9]]);
        // Tags only: no roles, passive from the tag.
        let t = Aligned::new(&w, oracle(OracleLevel::Tags));
        assert_eq!(t.subjects(4), None);
        assert_eq!(t.is_passive(8), Some(false));
    }

    #[test]
    fn malformed_parses_do_not_panic_or_loop() {
        let cyclic =
            "1\ta\ta\tNOUN\tNN\t_\t2\tnsubj\t_\t_\n2\tb\tb\tVERB\tVB\t_\t1\tconj\t_\t_\n3\tc\n";
        let tokens = parse_conllu(cyclic);
        assert_eq!(tokens.len(), 2);
        let w = words("a b c d");
        let at = |tokens, from| Oracle {
            tokens,
            from,
            level: OracleLevel::Parse,
        };
        let a = Aligned::new(&w, at(&tokens, 0));
        let _ = a.subjects(1);
        let _ = a.objects_and_agent(1);
        let _ = a.subjects(3);
        assert_eq!(Aligned::new(&w, at(&[], 0)).is_verb(0), None);
        // A head beyond the sentence (a malformed line) is no head.
        let beyond = parse_conllu("1\ta\ta\tVERB\tVB\t_\t9\tconj\t_\t_\n");
        let a = Aligned::new(&w, at(&beyond, 0));
        assert_eq!(a.subjects(0), Some(Vec::new()));
        assert_eq!(Aligned::new(&w, at(&tokens, 7)).is_verb(0), None);
    }

    #[test]
    fn a_second_sentence_has_heads_of_its_own_and_aligns_from_where_the_first_ended() {
        let two = "1\tGondor\t_\tPROPN\tNNP\t_\t2\tnsubj\t_\t_\n2\tfell\t_\tVERB\tVBD\t_\t0\troot\t_\t_\n\n\
                   1\tArnor\t_\tPROPN\tNNP\t_\t2\tnsubj\t_\t_\n2\tmet\t_\tVERB\tVBD\t_\t0\troot\t_\t_\n3\tRohan\t_\tPROPN\tNNP\t_\t2\tobj\t_\t_\n";
        let tokens = parse_conllu(two);
        assert_eq!(tokens[2].head, 4);
        let first = Aligned::new(
            &words("Gondor fell."),
            Oracle {
                tokens: &tokens,
                from: 0,
                level: OracleLevel::Parse,
            },
        );
        assert_eq!(first.end(), 2);
        let second = Aligned::new(
            &words("Arnor met Rohan."),
            Oracle {
                tokens: &tokens,
                from: first.end(),
                level: OracleLevel::Parse,
            },
        );
        assert_eq!(second.subjects(1), Some(vec![vec![0]]));
        assert_eq!(second.objects_and_agent(1).unwrap().0, [vec![2]]);
    }
}
