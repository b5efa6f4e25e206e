//! The PETRARCH-2 dictionary formats: verb patterns (`CAMEO.2.0.txt`), actors, agents, discards and issues.
//! Each parser reads text and reports errors with the file and line; the syntax is described in
//! `docs/coder.md`.

pub mod actors;
pub mod agents;
pub mod discards;
pub mod issues;
pub mod verbs;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A dictionary line that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct DictError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl DictError {
    pub fn new(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            line,
            message: message.into(),
        }
    }
}

/// Removes a `#` comment, and reports whether anything is left.
pub(crate) fn strip_comment(line: &str) -> &str {
    match line.find('#') {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Dictionary phrases join words with `_` or spaces; a trailing `_` (an exact-word marker) is dropped.
pub(crate) fn phrase_words(phrase: &str) -> Vec<String> {
    phrase
        .split(|c: char| c == '_' || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_uppercase())
        .collect()
}

/// Phrases indexed by their first word, for finding every listed phrase in a sentence in one pass.
#[derive(Debug, Default)]
pub(crate) struct FirstWordIndex {
    by_first: HashMap<String, Vec<usize>>,
}

impl FirstWordIndex {
    pub fn new<'a>(phrases: impl Iterator<Item = &'a [String]>) -> Self {
        let mut by_first: HashMap<String, Vec<usize>> = HashMap::new();
        for (k, p) in phrases.enumerate() {
            if let Some(first) = p.first() {
                by_first.entry(first.clone()).or_default().push(k);
            }
        }
        Self { by_first }
    }

    /// Indices of the phrases that occur in `words` (as consecutive words), in increasing order.
    pub fn matches<'p>(
        &self,
        words: &[String],
        phrase: impl Fn(usize) -> &'p [String],
    ) -> Vec<usize> {
        let mut hits = Vec::new();
        for (i, w) in words.iter().enumerate() {
            for &k in self.by_first.get(w).map_or(&[][..], Vec::as_slice) {
                let p = phrase(k);
                if words.len() - i >= p.len() && words[i..i + p.len()] == *p {
                    hits.push(k);
                }
            }
        }
        hits.sort_unstable();
        hits.dedup();
        hits
    }
}

/// Regular English plural of a word (the dictionaries' own rule: …Y → …IES, …S → …SES, else +S).
pub(crate) fn plural(word: &str) -> String {
    if let Some(stem) = word.strip_suffix('Y')
        && !stem.ends_with(['A', 'E', 'O', 'U'])
    {
        return format!("{stem}IES");
    }
    if word.ends_with('S') || word.ends_with("SH") || word.ends_with("CH") || word.ends_with('X') {
        return format!("{word}ES");
    }
    format!("{word}S")
}

/// `<!-- … -->` comment state across lines.
#[derive(Default)]
pub(crate) struct XmlComments {
    inside: bool,
}

impl XmlComments {
    /// Returns the part of `line` outside XML comments.
    pub fn filter(&mut self, line: &str) -> String {
        let mut out = String::new();
        let mut rest = line;
        loop {
            if self.inside {
                match rest.find("-->") {
                    Some(i) => {
                        rest = &rest[i + 3..];
                        self.inside = false;
                    }
                    None => return out,
                }
            } else {
                match rest.find("<!--") {
                    Some(i) => {
                        out.push_str(&rest[..i]);
                        rest = &rest[i + 4..];
                        self.inside = true;
                    }
                    None => {
                        out.push_str(rest);
                        return out;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_plurals_and_comments() {
        assert_eq!(phrase_words("SERGEY_LAVROV_ "), ["SERGEY", "LAVROV"]);
        assert_eq!(phrase_words("foreign minister"), ["FOREIGN", "MINISTER"]);
        assert_eq!(
            (
                plural("ARMY"),
                plural("BOSS"),
                plural("DAY"),
                plural("TROOP")
            ),
            (
                "ARMIES".into(),
                "BOSSES".into(),
                "DAYS".into(),
                "TROOPS".into()
            )
        );
        let mut c = XmlComments::default();
        assert_eq!(c.filter("A <!-- x --> B <!-- y"), "A  B ");
        assert_eq!(c.filter("still comment --> C"), " C");
        assert_eq!(strip_comment("WORD [X] # note"), "WORD [X] ");
    }
}
