//! Text handling: HTML remnants, sentence splitting and tokenisation. Works on any UTF-8 and never panics;
//! time is linear in the input.

/// Removes tags and decodes the common entities, so scraped pages code like plain text.
pub fn strip_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' if !in_tag => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// Words after which a full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &[
    "MR", "MRS", "MS", "DR", "PROF", "GEN", "COL", "LT", "SGT", "CAPT", "MAJ", "ADM", "GOV", "SEN",
    "REP", "ST", "JR", "SR", "NO", "VS", "INC", "CO", "CORP", "LTD", "JAN", "FEB", "MAR", "APR",
    "JUN", "JUL", "AUG", "SEP", "SEPT", "OCT", "NOV", "DEC", "U.S", "U.N", "U.K", "E.U",
];

/// Characters of the longest entry of [`ABBREVIATIONS`].
const LONGEST_ABBREVIATION: usize = 4;

/// Splits a document into sentences (trimmed, non-empty).
pub fn sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let paragraph = c == '\n' && chars.get(i + 1).is_some_and(|&n| n == '\n');
        if matches!(c, '.' | '!' | '?') || paragraph {
            let mut end = i + 1;
            while end < chars.len() && matches!(chars[end], '"' | '\'' | ')' | '”' | '’') {
                end += 1;
            }
            let next_is_start = {
                let mut j = end;
                while j < chars.len() && chars[j].is_whitespace() {
                    j += 1;
                }
                j >= chars.len()
                    || (j > end
                        && (chars[j].is_uppercase()
                            || chars[j].is_ascii_digit()
                            || matches!(chars[j], '"' | '“' | '\'' | '(')))
            };
            // Only a word as short as the longest abbreviation can be one, so look back no further than that:
            // scanning the whole run ("a.a.a.a…") at every '.' made splitting quadratic.
            let word_before: String = chars[start..i]
                .iter()
                .rev()
                .take_while(|c| c.is_alphanumeric() || **c == '.')
                .take(LONGEST_ABBREVIATION + 1)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let abbreviation = c == '.' && {
                let w = word_before.to_uppercase();
                ABBREVIATIONS.contains(&w.as_str())
                    || (w.chars().count() == 1 && w.chars().all(char::is_alphabetic))
            };
            if paragraph || (next_is_start && !abbreviation) {
                push_sentence(&mut out, &chars[start..end]);
                start = end;
                i = end;
                continue;
            }
        }
        i += 1;
    }
    push_sentence(&mut out, &chars[start..]);
    out
}

fn push_sentence(out: &mut Vec<String>, chars: &[char]) {
    let s: String = chars
        .iter()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if s.chars().any(char::is_alphanumeric) {
        out.push(s);
    }
}

/// Upper-cased word tokens; punctuation that matters for clauses (`,` `;` `:` `"` `(` `)`) is kept as tokens,
/// possessive `'S` is split off, and dotted abbreviations keep their dots (`U.S.`).
pub fn tokens(sentence: &str) -> Vec<String> {
    tokens_and_case(sentence).0
}

/// How a token was written in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Letters, none of them capitals: "pole", "tunisian".
    Lower,
    /// At least one capital: "Pole", "al-Qaeda", "U.S.".
    Capital,
    /// No letters of its own: punctuation, numbers, the split-off possessive `'S`.
    None,
}

/// [`tokens`], with how each was written in the text ("a pole" is not "a Pole").
pub fn tokens_and_case(sentence: &str) -> (Vec<String>, Vec<Case>) {
    let mut out = Vec::new();
    let mut cases = Vec::new();
    let mut word = String::new();
    let chars: Vec<char> = sentence.chars().collect();
    let flush = |word: &mut String, out: &mut Vec<String>, cases: &mut Vec<Case>| {
        if word.is_empty() {
            return;
        }
        let case = if word.chars().any(char::is_uppercase) {
            Case::Capital
        } else if word.chars().any(char::is_lowercase) {
            Case::Lower
        } else {
            Case::None
        };
        let w = word.to_uppercase();
        if let Some(stem) = w.strip_suffix("'S").or_else(|| w.strip_suffix("’S")) {
            if !stem.is_empty() {
                out.push(stem.to_string());
                cases.push(case);
            }
            out.push("'S".to_string());
            cases.push(Case::None);
        } else {
            out.push(w.trim_end_matches(['\'', '’']).to_string());
            cases.push(case);
        }
        word.clear();
    };
    for (i, &c) in chars.iter().enumerate() {
        let next_alnum = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        // Letters and digits, and joiners (-, ', &) between them, belong to the word.
        let joins = matches!(c, '-' | '\'' | '’' | '&') && !word.is_empty() && next_alnum;
        if c.is_alphanumeric() || joins {
            word.push(c);
        } else if c == '.'
            && !word.is_empty()
            && (next_alnum
                || word.contains('.')
                || (word.chars().count() == 1 && word.chars().all(char::is_uppercase)))
        {
            // U.S. / U.N.: letters with dots stay one token.
            word.push('.');
        } else {
            flush(&mut word, &mut out, &mut cases);
            if matches!(c, ',' | ';' | ':' | '"' | '(' | ')' | '“' | '”') {
                out.push(c.to_string());
                cases.push(Case::None);
            }
        }
    }
    flush(&mut word, &mut out, &mut cases);
    (out, cases)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_respect_abbreviations_and_quotes() {
        let s = sentences(
            "Mr. Putin met Gen. Bajwa in Moscow. \"We agree,\" he said! Then the U.S. objected.\n\nNew paragraph",
        );
        assert_eq!(
            s,
            [
                "Mr. Putin met Gen. Bajwa in Moscow.",
                "\"We agree,\" he said!",
                "Then the U.S. objected.",
                "New paragraph"
            ]
        );
        assert!(sentences("  ...  ").is_empty());
    }

    #[test]
    fn the_longest_abbreviation_is_what_the_look_back_allows() {
        assert_eq!(
            ABBREVIATIONS.iter().map(|a| a.chars().count()).max(),
            Some(LONGEST_ABBREVIATION)
        );
    }

    #[test]
    fn a_long_run_of_dotted_letters_splits_in_linear_time() {
        // 400,000 characters: each '.' used to rescan the run back to its start (~4·10¹⁰ steps, hours); now a few
        // steps each. The fuzz corpus holds the same input (fuzz/seeds/text/dotted-run; `cargo fuzz run text fuzz/corpus/text fuzz/seeds/text`).
        let text = "a.".repeat(200_000);
        let s = sentences(&text);
        assert_eq!(s.concat().len(), text.len());
    }

    #[test]
    fn tokens_split_possessives_and_keep_dotted_abbreviations() {
        assert_eq!(
            tokens("Russia's envoy met the U.S. team, then left."),
            [
                "RUSSIA", "'S", "ENVOY", "MET", "THE", "U.S.", "TEAM", ",", "THEN", "LEFT"
            ]
        );
        assert_eq!(tokens("Sino-Indian talks"), ["SINO-INDIAN", "TALKS"]);
        assert_eq!(
            strip_html("<p>India &amp; Pakistan</p>"),
            " India & Pakistan "
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for text in [
            "",
            "\u{0}\u{1}",
            "日本は.中国。",
            &"a. ".repeat(10_000),
            &"x".repeat(100_000),
            "'''---...",
            "<<<>>>&&&;",
        ] {
            for s in sentences(text) {
                let _ = tokens(&s);
            }
            let _ = strip_html(text);
        }
    }
}
