//! The discard list (`Phoenix.discards.txt`): phrases that mark a sentence (or, with `+`, a whole story) as
//! not worth coding — sports, history, and the like.

use std::path::Path;
use std::sync::OnceLock;

use super::{DictError, FirstWordIndex, XmlComments, phrase_words, strip_comment};

#[derive(Debug, Default)]
pub struct DiscardDict {
    /// (words, whole story?)
    phrases: Vec<(Vec<String>, bool)>,
    /// First word → phrases, built on first use.
    index: OnceLock<FirstWordIndex>,
}

/// What a discard phrase found in a sentence asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Discard {
    Sentence(String),
    Story(String),
}

impl DiscardDict {
    pub fn add_text(&mut self, _path: &Path, text: &str) -> Result<(), DictError> {
        let mut comments = XmlComments::default();
        for raw in text.lines() {
            let line = comments.filter(raw);
            let line = strip_comment(&line).trim().to_string();
            if line.is_empty() {
                continue;
            }
            let (phrase, story) = match line.strip_prefix('+') {
                Some(p) => (p, true),
                None => (line.as_str(), false),
            };
            let words = phrase_words(phrase);
            if !words.is_empty() {
                self.phrases.push((words, story));
                self.index = OnceLock::new();
            }
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.phrases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.phrases.is_empty()
    }

    /// The first discard phrase (in dictionary order) among `words` (consecutive whole words), if any.
    pub fn find(&self, words: &[String]) -> Option<Discard> {
        let index = self
            .index
            .get_or_init(|| FirstWordIndex::new(self.phrases.iter().map(|p| p.0.as_slice())));
        let first = index
            .matches(words, |k| &self.phrases[k].0)
            .into_iter()
            .next();
        let (phrase, story) = &self.phrases[first?];
        let text = phrase.join(" ");
        Some(if *story {
            Discard::Story(text)
        } else {
            Discard::Sentence(text)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_and_story_discards() {
        let mut d = DiscardDict::default();
        d.add_text(
            Path::new("d.txt"),
            "YEARS LATER\n+Manchester United   # pas\nBASEBALL\n",
        )
        .unwrap();
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            d.find(&w("TWO YEARS LATER HE LEFT")),
            Some(Discard::Sentence("YEARS LATER".into()))
        );
        assert_eq!(
            d.find(&w("MANCHESTER UNITED WON")),
            Some(Discard::Story("MANCHESTER UNITED".into()))
        );
        assert_eq!(d.find(&w("YEARS AGO")), None);
    }
}
