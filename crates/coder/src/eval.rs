//! Scoring the coder against gold-standard records: the PETRARCH-2 validation file (not well-formed XML,
//! so read line by line) and the unit-test records.

use crate::analysis::{Aligned, Oracle, OracleLevel, ParsedToken, parse_conllu};

/// One gold record: its text and the expected (source, target, code) triples (empty: no event expected).
#[derive(Debug, Clone)]
pub struct GoldRecord {
    pub id: String,
    /// The record's category: its `category` (or `source`) attribute, else the id up to its first `_`
    /// (`COMPOUND_03` → COMPOUND).
    pub category: String,
    pub date: u32,
    pub text: String,
    pub expected: Vec<(String, String, String)>,
    /// The record's `<Parse>` (CoNLL-U), if it carries one: the oracle input of [`score`].
    pub parse: Vec<ParsedToken>,
}

fn attribute(line: &str, name: &str) -> Option<String> {
    let key = format!("{name}=\"");
    let start = line.find(&key)? + key.len();
    let end = line[start..].find('"')? + start;
    Some(line[start..end].to_string())
}

/// Reads `<Sentence …>` records with `<EventCoding …/>` and `<Text>` (either file layout).
pub fn parse_gold(text: &str) -> Vec<GoldRecord> {
    let mut out = Vec::new();
    let mut current: Option<GoldRecord> = None;
    let mut in_text = false;
    let mut parsing = false;
    let mut in_parse = String::new();
    for line in text.lines() {
        let t = line.trim();
        if parsing {
            if t.starts_with("</Parse>") {
                parsing = false;
                if let Some(r) = current.as_mut() {
                    r.parse = parse_conllu(&in_parse);
                }
                in_parse.clear();
                // The same line may close the record too.
            } else {
                // Keep the tabs: CoNLL-U columns.
                in_parse.push_str(line.trim_start_matches(' '));
                in_parse.push('\n');
                continue;
            }
        }
        if t.starts_with("<Parse>") {
            parsing = true;
            in_parse.clear();
            continue;
        }
        if t.starts_with("<Sentence ") {
            if let Some(r) = current.take() {
                out.push(r);
            }
            // Records date themselves YYYYMMDD or, like one GSR record ("121108"), YYMMDD.
            let date = attribute(t, "date")
                .and_then(|d| crate::dict::actors::full_date(&d))
                .unwrap_or(0);
            let id = attribute(t, "id").unwrap_or_default();
            let category = attribute(t, "category")
                .or_else(|| attribute(t, "source"))
                .unwrap_or_else(|| id.split('_').next().unwrap_or_default().to_string());
            current = Some(GoldRecord {
                id,
                category,
                date,
                text: String::new(),
                expected: Vec::new(),
                parse: Vec::new(),
            });
            in_parse = String::new();
            parsing = false;
        } else if t.starts_with("<EventCoding") {
            if let Some(r) = current.as_mut()
                && let (Some(s), Some(g), Some(c)) = (
                    attribute(t, "sourcecode"),
                    attribute(t, "targetcode"),
                    attribute(t, "eventcode"),
                )
            {
                r.expected.push((s, g, c));
            }
        } else if t.starts_with("<Text>") {
            in_text = true;
            let rest = t.trim_start_matches("<Text>");
            if let Some(r) = current.as_mut() {
                r.text.push_str(rest.trim_end_matches("</Text>"));
            }
            if t.ends_with("</Text>") {
                in_text = false;
            }
        } else if t.starts_with("</Text>") {
            in_text = false;
        } else if in_text && let Some(r) = current.as_mut() {
            if !r.text.is_empty() {
                r.text.push(' ');
            }
            r.text.push_str(t.trim_end_matches("</Text>"));
            if t.ends_with("</Text>") {
                in_text = false;
            }
        } else if (t.starts_with("</Sentence>") || t.ends_with("</Sentence>"))
            && let Some(r) = current.take()
        {
            out.push(r);
        }
    }
    if let Some(r) = current.take() {
        out.push(r);
    }
    out.retain(|r| !r.text.trim().is_empty());
    out
}

/// Precision, recall and F1 of predicted triples against expected ones (multiset matching per record).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Prf {
    pub true_positives: usize,
    pub predicted: usize,
    pub expected: usize,
}

impl Prf {
    pub fn add(
        &mut self,
        predicted: &[(String, String, String)],
        expected: &[(String, String, String)],
    ) {
        let mut left: Vec<&(String, String, String)> = expected.iter().collect();
        for p in predicted {
            if let Some(k) = left.iter().position(|e| *e == p) {
                left.remove(k);
                self.true_positives += 1;
            }
        }
        self.predicted += predicted.len();
        self.expected += expected.len();
    }

    pub fn precision(&self) -> f64 {
        if self.predicted == 0 {
            0.0
        } else {
            self.true_positives as f64 / self.predicted as f64
        }
    }

    pub fn recall(&self) -> f64 {
        if self.expected == 0 {
            0.0
        } else {
            self.true_positives as f64 / self.expected as f64
        }
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

/// The coder's scores on a set of gold records.
#[derive(Debug, Clone)]
pub struct GoldScores {
    pub records: usize,
    /// Triples with the full code, and with the root code only.
    pub full: Prf,
    pub rooted: Prf,
    /// Records with no expected event, as a detection task.
    pub no_event: Prf,
    /// Sentences coded (all passes) and the seconds they took on one thread.
    pub sentences: usize,
    pub seconds: f64,
    /// Records not coded exactly as expected: "id: expected [...], coded [...]".
    pub misses: Vec<String>,
    /// Root-code triples per record category, in order of first appearance.
    pub by_category: Vec<(String, Prf)>,
    /// The outside analysis used, if any, and how many records had none to give (coded without it).
    pub oracle: Option<OracleLevel>,
    pub records_without_parse: usize,
}

impl GoldScores {
    /// The scores as a report: counts, precision/recall/F1 per view, speed and every record missed.
    pub fn report(&self, source: &str) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let (full, no_event) = (&self.full, &self.no_event);
        let _ = writeln!(
            out,
            "{source}: {} records, {} expected triples, {} no-event records",
            self.records, full.expected, no_event.expected
        );
        let _ = writeln!(
            out,
            "{:<22} {:>9} {:>9} {:>9}   (tp / predicted / expected)",
            "", "precision", "recall", "F1"
        );
        if let Some(level) = self.oracle {
            let what = match level {
                OracleLevel::Tags => "the records' own part-of-speech tags",
                OracleLevel::Parse => "the records' own tags and dependency parses",
            };
            let _ = writeln!(
                out,
                "oracle: coded with {what} ({} record(s) without a parse coded without)",
                self.records_without_parse
            );
        }
        let categories: Vec<(String, &Prf)> = self
            .by_category
            .iter()
            .map(|(c, p)| (format!("  {c}"), p))
            .collect();
        let rows = [
            ("triples, full code".to_string(), full),
            ("triples, root code".to_string(), &self.rooted),
        ]
        .into_iter()
        .chain(categories)
        .chain([("no-event records".to_string(), no_event)]);
        for (name, p) in rows {
            let _ = writeln!(
                out,
                "{name:<22} {:>9.3} {:>9.3} {:>9.3}   ({} / {} / {})",
                p.precision(),
                p.recall(),
                p.f1(),
                p.true_positives,
                p.predicted,
                p.expected
            );
        }
        let _ = writeln!(
            out,
            "speed: {} sentences in {:.4} s = {:.0} sentences/s on one core",
            self.sentences,
            self.seconds,
            self.sentences as f64 / self.seconds.max(1e-9)
        );
        let _ = writeln!(
            out,
            "\nrecords not coded exactly as expected ({}):",
            self.misses.len()
        );
        for m in &self.misses {
            let _ = writeln!(out, "  {m}");
        }
        out
    }
}

/// Codes every record and scores the distinct triples of each against its expected ones. With `repeat` > 1 the
/// records are coded again, timed alone, to measure speed (scores come from the first pass). With `oracle`, each
/// record is coded with its own `<Parse>` in place of the coder's guesses (records without one are coded as
/// usual, and counted).
pub fn score(
    coder: &crate::Coder,
    records: &[GoldRecord],
    repeat: usize,
    oracle: Option<OracleLevel>,
) -> GoldScores {
    let (mut full, mut rooted, mut no_event) = (Prf::default(), Prf::default(), Prf::default());
    let mut by_category: Vec<(String, Prf)> = Vec::new();
    let mut misses = Vec::new();
    let mut records_without_parse = 0;
    let started = std::time::Instant::now();
    let mut sentences = 0;
    for r in records {
        let mut predicted: Vec<(String, String, String)> = Vec::new();
        records_without_parse += (oracle.is_some() && r.parse.is_empty()) as usize;
        let mut from = 0;
        for s in crate::text::sentences(&r.text) {
            sentences += 1;
            let given = oracle.filter(|_| !r.parse.is_empty()).map(|level| {
                let o = Oracle {
                    tokens: &r.parse,
                    from,
                    level,
                };
                from = Aligned::new(&crate::text::tokens(&s), o).end().max(from);
                o
            });
            for e in coder.code_sentence_with(&s, r.date, given, None) {
                let t = (e.source, e.target, e.code);
                if !predicted.contains(&t) {
                    predicted.push(t);
                }
            }
        }
        full.add(&predicted, &r.expected);
        let to_root = |v: &[(String, String, String)]| {
            v.iter()
                .map(|(a, b, c)| (a.clone(), b.clone(), root(c)))
                .collect::<Vec<_>>()
        };
        rooted.add(&to_root(&predicted), &to_root(&r.expected));
        let k = match by_category.iter().position(|(c, _)| *c == r.category) {
            Some(k) => k,
            None => {
                by_category.push((r.category.clone(), Prf::default()));
                by_category.len() - 1
            }
        };
        by_category[k]
            .1
            .add(&to_root(&predicted), &to_root(&r.expected));
        no_event.expected += r.expected.is_empty() as usize;
        no_event.predicted += predicted.is_empty() as usize;
        no_event.true_positives += (r.expected.is_empty() && predicted.is_empty()) as usize;
        let sorted = |v: &[(String, String, String)]| {
            let mut v = v.to_vec();
            v.sort();
            v
        };
        if sorted(&predicted) != sorted(&r.expected) {
            misses.push(format!(
                "{}: expected {:?}, coded {:?}",
                r.id, r.expected, predicted
            ));
        }
    }
    let timed = std::time::Instant::now();
    let mut coded = 0usize;
    for _ in 1..repeat {
        for r in records {
            for s in crate::text::sentences(&r.text) {
                coded += coder.code_sentence(&s, r.date, None).len();
                sentences += 1;
            }
        }
    }
    std::hint::black_box(coded);
    let seconds = started
        .elapsed()
        .as_secs_f64()
        .max(timed.elapsed().as_secs_f64());
    GoldScores {
        records: records.len(),
        full,
        rooted,
        no_event,
        sentences,
        seconds,
        misses,
        by_category,
        oracle,
        records_without_parse,
    }
}

/// The root (first two digits) of a CAMEO code.
pub fn root(code: &str) -> String {
    code.chars().take(2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_not_quite_xml_layout() {
        let text = "<Sentences>\n<Sentence category=\"AFP\" date=\"20080806\" id=\"A_1\" evaluate=\"true\"/>\n\
                    <EventCoding eventcode=\"031\" sourcecode=\"BRA\" targetcode=\"USA\" />\n<Text>\nBrazil and the\nUnited States met.\n</Text>\n\
                    <Parse>\n1\tBrazil\tBrazil\tPROPN\tNNP\t_\t0\troot\t_\t_\n</Parse></Sentence>\n<Sentence date=\"20080807\" id=\"B_1\">\n<EventCoding noevents=\"True\" />\n<Text>Nothing.</Text>\n</Sentence>\n";
        let gold = parse_gold(text);
        assert_eq!(gold.len(), 2);
        assert_eq!(gold[0].text, "Brazil and the United States met.");
        assert_eq!(
            gold[0].expected,
            [("BRA".into(), "USA".into(), "031".into())]
        );
        assert!(gold[1].expected.is_empty());
        assert_eq!((gold[0].date, gold[0].category.as_str()), (20080806, "AFP"));
        assert_eq!(
            gold[1].category, "B",
            "no category attribute: the id's prefix"
        );
        assert_eq!(gold[0].parse.len(), 1, "the <Parse> block is read");
        let short =
            parse_gold("<Sentence date=\"121108\" id=\"X_1\">\n<Text>Text.</Text>\n</Sentence>\n");
        assert_eq!(
            short[0].date, 20121108,
            "YYMMDD dates as the actor files read them"
        );
        let mut prf = Prf::default();
        let t = |a: &str| (a.to_string(), "X".to_string(), "01".to_string());
        prf.add(&[t("A"), t("B")], &[t("A"), t("C")]);
        assert_eq!((prf.precision(), prf.recall()), (0.5, 0.5));
    }
}
