//! Actor dictionaries (`Phoenix.*.actors.txt`): phrases with CAMEO actor codes, possibly date-restricted.
//!
//! ```text
//! SERGEY_LAVROV_  # comment
//! +LAVROV                               synonym of the record above
//!     [RUSGOV 19940922-20040712]          code line: valid from the first date, before the second
//!     [RUSGOV >20040309]                  valid on and after the date ('<' before it)
//! AFGHANISTAN_  [AFG]                   codes may sit on the primary line
//! ```

use std::collections::HashMap;
use std::path::Path;

use fulcrum_model::days_from_civil;
use fulcrum_model::resolve::{Origin, Resolver, Role};

use super::{DictError, XmlComments, phrase_words, strip_comment};

/// Phrases → records of dated codes, looked up by longest match.
#[derive(Debug, Default)]
pub struct ActorDict {
    /// Each record's dated codes (`Role`: a code valid over `[from, until)` in days, shared with the resolver).
    records: Vec<Vec<Role>>,
    /// Where each record starts: file, line and primary phrase (for explaining a resolution).
    origins: Vec<Origin>,
    /// First word → (all words, record), longest phrases first.
    by_first: HashMap<String, Vec<(Vec<String>, usize)>>,
    pub phrases: usize,
    /// Entries skipped because a code or date could not be read (the production files have a few).
    pub warnings: Vec<DictError>,
}

impl ActorDict {
    /// Adds one actor file's text.
    pub fn add_text(&mut self, path: &Path, text: &str) -> Result<(), DictError> {
        let mut comments = XmlComments::default();
        let mut current: Option<usize> = None;
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = comments.filter(raw);
            let line = strip_comment(&line);
            if line.trim().is_empty() {
                continue;
            }
            let starts_blank = line.starts_with([' ', '\t']);
            let trimmed = line.trim();
            if starts_blank && trimmed.starts_with('[') {
                let record = current
                    .ok_or_else(|| DictError::new(path, line_no, "a code line before any actor"))?;
                match parse_codes(trimmed) {
                    Ok(codes) => self.records[record].extend(codes),
                    Err(m) => self.warnings.push(DictError::new(path, line_no, m)),
                }
                continue;
            }
            let (phrase, codes) = match trimmed.find('[') {
                Some(b) => match parse_codes(&trimmed[b..]) {
                    Ok(codes) => (&trimmed[..b], codes),
                    Err(m) => {
                        self.warnings.push(DictError::new(path, line_no, m));
                        (&trimmed[..b], Vec::new())
                    }
                },
                None => (trimmed, Vec::new()),
            };
            if let Some(synonym) = phrase.strip_prefix('+') {
                let record = current.ok_or_else(|| {
                    DictError::new(path, line_no, "a synonym (+) before any actor")
                })?;
                self.records[record].extend(codes);
                self.insert(synonym, record);
            } else {
                self.records.push(codes);
                self.origins.push(Origin {
                    file: path.file_name().map_or_else(
                        || path.display().to_string(),
                        |n| n.to_string_lossy().into(),
                    ),
                    line: line_no,
                    phrase: phrase.trim().to_string(),
                });
                let record = self.records.len() - 1;
                current = Some(record);
                self.insert(phrase, record);
            }
        }
        Ok(())
    }

    fn insert(&mut self, phrase: &str, record: usize) {
        let words = phrase_words(phrase);
        let Some(first) = words.first().cloned() else {
            return;
        };
        let list = self.by_first.entry(first).or_default();
        list.push((words, record));
        list.sort_by_key(|(w, _)| std::cmp::Reverse(w.len()));
        self.phrases += 1;
    }

    /// The longest actor phrase starting at `words[at]`: its length and its code on `date` (YYYYMMDD).
    pub fn longest_match(&self, words: &[String], at: usize, date: u32) -> Option<(usize, String)> {
        let day = day_of(date)?;
        let candidates = self.by_first.get(words.get(at)?)?;
        // Longest phrases first. Among the records naming the same phrase (the production files list
        // "PRESIDENT BUSH" under both Bushes), one whose dated code holds on the day wins over one that only
        // has its undated default; otherwise the first read. A record without codes is skipped.
        let mut fallback: Option<(usize, &Role)> = None;
        for (phrase, record) in candidates {
            if fallback.is_some_and(|(n, _)| phrase.len() < n) {
                break;
            }
            if words.len() - at >= phrase.len() && words[at..at + phrase.len()] == phrase[..] {
                let Some(role) = Role::on(&self.records[*record], day) else {
                    continue;
                };
                if role.from.is_some() || role.until.is_some() {
                    return Some((phrase.len(), role.code.clone()));
                }
                fallback.get_or_insert((phrase.len(), role));
            }
        }
        fallback.map(|(n, role)| (n, role.code.clone()))
    }
}

impl ActorDict {
    /// Every phrase with its dated roles, for resolving actor names in stored events to states
    /// (`fulcrum_model::resolve`). Synonyms resolve with their record's roles and origin.
    pub fn resolver(&self) -> Resolver {
        let mut resolver = Resolver::default();
        let mut phrases: Vec<(&Vec<String>, usize)> = self
            .by_first
            .values()
            .flat_map(|list| list.iter().map(|(words, record)| (words, *record)))
            .collect();
        // Deterministic: records sharing a phrase pool their roles in the order read (Resolver::insert).
        phrases.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(b.0)));
        for (words, record) in phrases {
            resolver.insert(
                &words.join(" "),
                self.records[record].clone(),
                self.origins[record].clone(),
            );
        }
        resolver
    }
}

/// Days since 1970-01-01 of a YYYYMMDD number.
fn day_of(date: u32) -> Option<i32> {
    days_from_civil((date / 10_000) as i32, date / 100 % 100, date % 100)
}

/// `[CODE]`, `[CODE >DATE]`, `[CODE <DATE]`, `[CODE D1-D2]`, several per line.
fn parse_codes(text: &str) -> Result<Vec<Role>, String> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while let Some(open) = rest.find('[') {
        let close = rest[open..].find(']').ok_or("unclosed '['")? + open;
        let inner = rest[open + 1..close].trim();
        let mut parts = inner.splitn(2, char::is_whitespace);
        let code = parts.next().unwrap_or("").trim().to_uppercase();
        if code.is_empty() {
            return Err("empty code in []".into());
        }
        let dates: String = parts
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let (from, until) = if dates.is_empty() {
            (None, None)
        } else if let Some(d) = dates.strip_prefix('>') {
            (Some(parse_date(d)?), None)
        } else if let Some(d) = dates.strip_prefix('<') {
            (None, Some(parse_date(d)?))
        } else if let Some((a, b)) = dates.split_once('-') {
            (Some(parse_date(a)?), Some(parse_date(b)?))
        } else {
            return Err(format!(
                "bad date restriction {dates:?} (want >DATE, <DATE or DATE-DATE)"
            ));
        };
        out.push(Role { code, from, until });
        rest = &rest[close + 1..];
    }
    Ok(out)
}

/// A date written YYYYMMDD, or YYMMDD as the PETRARCH files also write them (YY ≤ 30 → 20YY, else 19YY), as the
/// number YYYYMMDD.
pub fn full_date(d: &str) -> Option<u32> {
    if !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u32 = d.parse().ok()?;
    match d.len() {
        8 => Some(n),
        6 if n / 10000 <= 30 => Some(20_000_000 + n),
        6 => Some(19_000_000 + n),
        _ => None,
    }
}

/// YYYYMMDD or YYMMDD ([`full_date`]) as days since 1970-01-01.
fn parse_date(d: &str) -> Result<i32, String> {
    let full = full_date(d).ok_or_else(|| format!("bad date {d:?} (want YYYYMMDD or YYMMDD)"))?;
    day_of(full).ok_or_else(|| format!("bad date {d:?} (no such day)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn records_synonyms_dates_and_longest_match() {
        let text = "AFGHANISTAN_  [AFG]\n+KABUL_\n\nSERGEY_LAVROV_  # note\n+LAVROV\n\t[RUSGOV 19940922-20040712]\n\t[RUSGOV > 040309]\n\
                    <!-- hidden\nHIDDEN [XXX]\n-->\nUNITED_STATES [USA]\nUNITED_STATES_SENATE [USALEG]\n";
        let mut d = ActorDict::default();
        d.add_text(Path::new("a.txt"), text).unwrap();
        let w = words("THE UNITED STATES SENATE AND KABUL");
        assert_eq!(d.longest_match(&w, 1, 20190101), Some((3, "USALEG".into())));
        assert_eq!(d.longest_match(&w, 5, 20190101), Some((1, "AFG".into())));
        assert_eq!(
            d.longest_match(&words("LAVROV SAID"), 0, 20190101),
            Some((1, "RUSGOV".into()))
        );
        assert_eq!(d.longest_match(&words("LAVROV SAID"), 0, 19900101), None);
        assert_eq!(d.longest_match(&words("HIDDEN"), 0, 20190101), None);
        let mut lenient = ActorDict::default();
        lenient
            .add_text(Path::new("bad.txt"), "X [ABC 2019]\nY [DEF]\n")
            .unwrap();
        assert_eq!(
            lenient.warnings[0].to_string(),
            "bad.txt:1: bad date restriction \"2019\" (want >DATE, <DATE or DATE-DATE)"
        );
        assert_eq!(
            lenient.longest_match(&words("Y"), 0, 20190101),
            Some((1, "DEF".into()))
        );
        let err = ActorDict::default()
            .add_text(Path::new("bad.txt"), "\n+ORPHAN\n")
            .unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn the_resolver_keeps_roles_dates_and_where_they_were_read() {
        let text = "SERGEY_LAVROV_  # note\n+LAVROV\n\t[RUSGOV 19940922-20040712]\n\t[RUSGOV > 040309]\nUNITED_NATIONS_ [IGOUNO]\n";
        let mut d = ActorDict::default();
        d.add_text(Path::new("dir/Phoenix.Countries.actors.txt"), text)
            .unwrap();
        let r = d.resolver();
        let day = |y, m, dd| days_from_civil(y, m, dd).unwrap();
        let hit = r.resolve("Sergey Lavrov", day(2018, 10, 1)).unwrap();
        assert_eq!((hit.country, hit.agent), ("RUS", Some("GOV")));
        assert_eq!(hit.role.from, Some(day(2004, 3, 9)));
        assert_eq!(
            (
                hit.origin.file.as_str(),
                hit.origin.line,
                hit.origin.phrase.as_str()
            ),
            ("Phoenix.Countries.actors.txt", 1, "SERGEY_LAVROV_")
        );
        assert!(r.resolve("United Nations", day(2018, 10, 1)).is_none());
    }
}
