//! Issue coding (`Phoenix.IssueCoding.txt`): keyword phrases that tag a sentence's events with issues.
//!
//! ```text
//! <ISSUE CATEGORY="EDUCATION" TYPE="ALL">        tag lines are ignored
//! n:preschool [EARLY_CHILDHOOD_EDUCATION]        n: noun, singular and plural; v: verb forms
//! pre+n:school [EARLY_CHILDHOOD_EDUCATION]       '+' joins with a space or a hyphen
//! ~phrase                                         if present, the sentence gets no issues
//! ```

use std::path::Path;
use std::sync::OnceLock;

use super::{DictError, FirstWordIndex, XmlComments, plural, strip_comment};

#[derive(Debug, Default)]
pub struct IssueDict {
    /// (words, issue code)
    phrases: Vec<(Vec<String>, String)>,
    /// Phrases that switch issue coding off for a sentence.
    blockers: Vec<Vec<String>>,
    /// First word → phrases, built on first use.
    index: OnceLock<FirstWordIndex>,
}

impl IssueDict {
    pub fn add_text(&mut self, path: &Path, text: &str) -> Result<(), DictError> {
        let mut comments = XmlComments::default();
        let mut category: Option<String> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = comments.filter(raw);
            let line = strip_comment(&line).trim().to_string();
            if line.starts_with("<ISSUE") {
                // Phrases without their own [CODE] take the block's category.
                category = line
                    .split("CATEGORY=\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .map(str::to_string);
                continue;
            }
            if line.starts_with("</ISSUE") {
                category = None;
                continue;
            }
            if line.is_empty() || line.starts_with('<') {
                continue;
            }
            if let Some(blocker) = line.strip_prefix('~') {
                let blocker = blocker.trim_start_matches('~');
                for v in expand(blocker).map_err(|m| DictError::new(path, i + 1, m))? {
                    self.blockers.push(v);
                }
                continue;
            }
            let Some(open) = line.find('[') else {
                let code = category.clone().ok_or_else(|| {
                    DictError::new(
                        path,
                        i + 1,
                        "an issue phrase outside an <ISSUE> block needs a [CODE]",
                    )
                })?;
                for words in expand(&line).map_err(|m| DictError::new(path, i + 1, m))? {
                    self.phrases.push((words, code.clone()));
                }
                self.index = OnceLock::new();
                continue;
            };
            let close = line[open..]
                .find(']')
                .map(|c| c + open)
                .ok_or_else(|| DictError::new(path, i + 1, "unclosed '['"))?;
            let code = line[open + 1..close].trim().to_string();
            if code.is_empty() {
                return Err(DictError::new(path, i + 1, "empty issue code"));
            }
            for words in expand(&line[..open]).map_err(|m| DictError::new(path, i + 1, m))? {
                self.phrases.push((words, code.clone()));
            }
            self.index = OnceLock::new();
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// Issue codes found in a sentence, each once, in dictionary order.
    pub fn find(&self, words: &[String]) -> Vec<String> {
        if self.phrases.is_empty() {
            return Vec::new();
        }
        let has = |p: &[String]| words.windows(p.len()).any(|w| w == p);
        if self.blockers.iter().any(|b| has(b)) {
            return Vec::new();
        }
        // Only phrases whose first word occurs in the sentence can match.
        let index = self
            .index
            .get_or_init(|| FirstWordIndex::new(self.phrases.iter().map(|p| p.0.as_slice())));
        let hits = index.matches(words, |k| &self.phrases[k].0);
        let mut out: Vec<String> = Vec::new();
        for k in hits {
            let code = &self.phrases[k].1;
            if !out.contains(code) {
                out.push(code.clone());
            }
        }
        out
    }
}

/// A phrase may stand for at most this many word sequences (each `+` doubles them): beyond it the line is an
/// error, not an exponential blow-up (found by fuzzing).
const MAX_VARIANTS: usize = 256;

/// All word sequences a phrase stands for (`n:`, `v:` and `+` expansions).
fn expand(phrase: &str) -> Result<Vec<Vec<String>>, String> {
    let joins = phrase.matches('+').count();
    let inflected = phrase.matches(':').count();
    if joins + 2 * inflected > MAX_VARIANTS.ilog2() as usize {
        return Err(format!(
            "the phrase expands to more than {MAX_VARIANTS} variants ({joins} '+' joins, {inflected} n:/v: words)"
        ));
    }
    let mut variants: Vec<Vec<String>> = vec![Vec::new()];
    for token in phrase.split_whitespace() {
        let token = token.to_uppercase();
        // Each token may join parts with '+' (space- or hyphen-joined), each part with a prefix.
        let parts: Vec<&str> = token.split('+').collect();
        let part_forms: Vec<Vec<String>> = parts.iter().map(|p| forms(p)).collect();
        let mut joined: Vec<Vec<String>> = vec![Vec::new()];
        for (k, forms) in part_forms.iter().enumerate() {
            let mut next = Vec::new();
            for prefix in &joined {
                for f in forms {
                    if k == 0 {
                        next.push(vec![f.clone()]);
                    } else {
                        let mut spaced = prefix.clone();
                        spaced.push(f.clone());
                        next.push(spaced);
                        let mut hyphen = prefix.clone();
                        let last = hyphen.pop().unwrap_or_default();
                        hyphen.push(format!("{last}-{f}"));
                        next.push(hyphen);
                    }
                }
            }
            joined = next;
        }
        variants = variants
            .iter()
            .flat_map(|v| joined.iter().map(move |j| [v.clone(), j.clone()].concat()))
            .collect();
    }
    variants.retain(|v| !v.is_empty());
    Ok(variants)
}

fn forms(part: &str) -> Vec<String> {
    if let Some(noun) = part.strip_prefix("N:") {
        vec![noun.to_string(), plural(noun)]
    } else if let Some(verb) = part.strip_prefix("V:") {
        super::verbs::verb_forms(verb)
    } else {
        vec![part.to_string()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansions_blockers_and_errors() {
        let text = "<ISSUE CATEGORY=\"EDUCATION\" TYPE=\"ALL\">\nn:kindergarten [EDU]\npre+n:school [EDU]\nv:vaccinate [HEALTH]\n~school bus\nn:college\n</ISSUE>\n";
        let mut d = IssueDict::default();
        d.add_text(Path::new("issues.txt"), text).unwrap();
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(d.find(&w("NEW KINDERGARTENS AND PRE-SCHOOLS")), ["EDU"]);
        assert_eq!(
            d.find(&w("THEY VACCINATED PRE SCHOOL CHILDREN")),
            ["EDU", "HEALTH"]
        );
        assert!(d.find(&w("A SCHOOL BUS NEAR THE KINDERGARTEN")).is_empty());
        assert_eq!(d.find(&w("TWO COLLEGES")), ["EDUCATION"]);
        assert_eq!(
            IssueDict::default()
                .add_text(Path::new("i.txt"), "n:thing\n")
                .unwrap_err()
                .line,
            1
        );
        let many = format!("A{}B [X]\n", "+".repeat(60));
        let err = IssueDict::default()
            .add_text(Path::new("i.txt"), &many)
            .unwrap_err();
        assert!(err.to_string().contains("more than 256 variants"), "{err}");
    }
}
