//! The agent dictionary (`Phoenix.agents.txt`): generic roles that refine an actor's code.
//!
//! ```text
//! !PERSON! = MAN, MEN, WOMAN, WOMEN, PERSON     substitution set
//! FOREIGN_MINISTER [~GOV]                         appended to the actor: RUS + ~GOV → RUSGOV
//! CHAMBER_OF_COMMERCE {CHAMBERS_OF_COMMERCE} [~BUS]   explicit plural ({} = none)
//! CATTLE!PERSON! [~AGR]                           one entry per member of the set, no plurals
//! PEACEKEEPING_TROOPS {} [IGO~]                   prepended instead
//! ```

use std::collections::HashMap;
use std::path::Path;

use super::{DictError, XmlComments, phrase_words, plural, strip_comment};

/// An agent's code and whether it goes before the actor's code (`IGO~`) or after (`~GOV`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCode {
    pub code: String,
    pub prefix: bool,
}

#[derive(Debug, Default)]
pub struct AgentDict {
    by_first: HashMap<String, Vec<(Vec<String>, AgentCode)>>,
    pub phrases: usize,
    /// Entries skipped because they could not be read (the production file has a few typos).
    pub warnings: Vec<DictError>,
}

impl AgentDict {
    /// Reads an agent file; entries that cannot be read are skipped and listed in `warnings`.
    pub fn add_text(&mut self, path: &Path, text: &str) -> Result<(), DictError> {
        let mut sets: HashMap<String, Vec<String>> = HashMap::new();
        let mut comments = XmlComments::default();
        for (i, raw) in text.lines().enumerate() {
            let line = comments.filter(raw);
            let line = strip_comment(&line).trim().to_string();
            if line.is_empty() {
                continue;
            }
            if let Err(e) = self.add_line(path, i + 1, &line, &mut sets) {
                self.warnings.push(e);
            }
        }
        Ok(())
    }

    fn add_line(
        &mut self,
        path: &Path,
        line_no: usize,
        line: &str,
        sets: &mut HashMap<String, Vec<String>>,
    ) -> Result<(), DictError> {
        {
            let line = line.to_string();
            if line.starts_with('!') && line.contains('=') {
                let (name, members) = line.split_once('=').expect("checked '='");
                let name = name.trim().to_uppercase();
                if !(name.len() > 2 && name.ends_with('!')) {
                    return Err(DictError::new(
                        path,
                        line_no,
                        format!("bad substitution set name {name:?} (want !NAME!)"),
                    ));
                }
                sets.insert(
                    name,
                    members
                        .split(',')
                        .map(|m| m.trim().to_uppercase())
                        .filter(|m| !m.is_empty())
                        .collect(),
                );
                return Ok(());
            }
            let Some(open) = line.find('[') else {
                return Err(DictError::new(
                    path,
                    line_no,
                    "no [CODE]; ignored (as PETRARCH-2 does)",
                ));
            };
            let close = line[open..]
                .find(']')
                .map(|c| c + open)
                .ok_or_else(|| DictError::new(path, line_no, "unclosed '['"))?;
            let raw_code = line[open + 1..close].trim().to_uppercase();
            let code = if let Some(c) = raw_code.strip_prefix('~') {
                AgentCode {
                    code: c.to_string(),
                    prefix: false,
                }
            } else if let Some(c) = raw_code.strip_suffix('~') {
                AgentCode {
                    code: c.to_string(),
                    prefix: true,
                }
            } else {
                return Err(DictError::new(
                    path,
                    line_no,
                    format!("agent code {raw_code:?} needs a '~' (~GOV or IGO~)"),
                ));
            };
            let head = line[..open].trim();
            let (phrase, plural_form) = match head.find('{') {
                Some(b) => {
                    let e = head[b..]
                        .find('}')
                        .map(|e| e + b)
                        .ok_or_else(|| DictError::new(path, line_no, "unclosed '{'"))?;
                    (head[..b].trim(), Some(head[b + 1..e].trim()))
                }
                None => (head, None),
            };
            let phrase = phrase.to_uppercase();
            if let Some(start) = phrase.find('!') {
                let end = phrase[start + 1..]
                    .find('!')
                    .map(|e| e + start + 1)
                    .ok_or_else(|| DictError::new(path, line_no, "unclosed !SET!"))?;
                let name = &phrase[start..=end];
                let members = sets.get(name).ok_or_else(|| {
                    DictError::new(path, line_no, format!("unknown substitution set {name}"))
                })?;
                for m in members.clone() {
                    let expanded = format!("{}{m}{}", &phrase[..start], &phrase[end + 1..]);
                    self.insert(&expanded, &code);
                }
                return Ok(());
            }
            self.insert(&phrase, &code);
            match plural_form {
                Some("") => {}
                Some(p) => self.insert(p, &code),
                None => {
                    let mut words = phrase_words(&phrase);
                    if let Some(last) = words.last_mut() {
                        *last = plural(last);
                        self.insert(&words.join(" "), &code);
                    }
                }
            }
        }
        Ok(())
    }

    fn insert(&mut self, phrase: &str, code: &AgentCode) {
        let words = phrase_words(phrase);
        let Some(first) = words.first().cloned() else {
            return;
        };
        let list = self.by_first.entry(first).or_default();
        list.push((words, code.clone()));
        list.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        self.phrases += 1;
    }

    /// The longest agent phrase starting at `words[at]`: its length and code.
    pub fn longest_match(&self, words: &[String], at: usize) -> Option<(usize, AgentCode)> {
        let candidates = self.by_first.get(words.get(at)?)?;
        candidates
            .iter()
            .find(|(p, _)| words.len() - at >= p.len() && words[at..at + p.len()] == p[..])
            .map(|(p, c)| (p.len(), c.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_plurals_and_codes() {
        let text = "!PERSON! = MAN, MEN\nFOREIGN_MINISTER [~GOV]\nCHAMBER_OF_COMMERCE {CHAMBERS_OF_COMMERCE} [~BUS]\n\
                    ARMED_POLICE {} [~COP]\nCATTLE!PERSON! [~AGR]\nPEACEKEEPING_TROOPS {} [IGO~]\nNO CODE HERE\n";
        let mut d = AgentDict::default();
        d.add_text(Path::new("agents.txt"), text).unwrap();
        let w = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(
            d.longest_match(&w("FOREIGN MINISTERS"), 0).unwrap(),
            (
                2,
                AgentCode {
                    code: "GOV".into(),
                    prefix: false
                }
            )
        );
        assert_eq!(d.longest_match(&w("CHAMBERS OF COMMERCE"), 0).unwrap().0, 3);
        assert!(d.longest_match(&w("ARMED POLICES"), 0).is_none());
        assert_eq!(d.longest_match(&w("CATTLEMEN"), 0).unwrap().1.code, "AGR");
        assert!(
            d.longest_match(&w("PEACEKEEPING TROOPS"), 0)
                .unwrap()
                .1
                .prefix
        );
        let mut lenient = AgentDict::default();
        lenient
            .add_text(
                Path::new("agents.txt"),
                "\n\nX!NOPE! [~GOV]\nDEPARMENT [~ENV}\nCOP [~COP]\n",
            )
            .unwrap();
        assert_eq!(
            lenient.warnings[0].to_string(),
            "agents.txt:3: unknown substitution set !NOPE!"
        );
        assert_eq!(lenient.warnings[1].line, 4);
        assert!(lenient.longest_match(&w("COP"), 0).is_some());
    }
}
