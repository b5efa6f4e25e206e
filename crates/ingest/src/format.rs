//! Input formats and their detection from the first line of an input.

use std::fmt;
use std::str::FromStr;

use fulcrum_model::Dataset;

/// The layout of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// GDELT 1.0 event export: 57 columns (back-files) or 58 (daily files, with SOURCEURL).
    Gdelt1,
    /// GDELT 2.0 event export: 61 columns.
    Gdelt2,
    /// ICEWS raw event file: tab-separated with a header line (`Event ID`, `Event Date`, ...).
    Icews,
    /// TKG benchmark split with integer ids: `subject relation object time [-1]`, names from
    /// `entity2id`/`relation2id` beside it.
    TkgIds,
    /// TKG benchmark split with names: `subject relation object YYYY-MM-DD`.
    TkgNamed,
}

impl Format {
    pub fn dataset(self) -> Dataset {
        match self {
            Format::Gdelt1 => Dataset::Gdelt1,
            Format::Gdelt2 => Dataset::Gdelt2,
            Format::Icews => Dataset::Icews,
            Format::TkgIds | Format::TkgNamed => Dataset::Tkg,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Gdelt1 => "gdelt1",
            Format::Gdelt2 => "gdelt2",
            Format::Icews => "icews",
            Format::TkgIds => "tkg-ids",
            Format::TkgNamed => "tkg-named",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = fulcrum_model::ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "gdelt1" => Format::Gdelt1,
            "gdelt2" => Format::Gdelt2,
            "icews" => Format::Icews,
            "tkg-ids" | "tkg" => Format::TkgIds,
            "tkg-named" => Format::TkgNamed,
            _ => {
                return Err(fulcrum_model::ValueError::new(
                    s,
                    "an input format",
                    "gdelt1, gdelt2, icews, tkg-ids or tkg-named",
                ));
            }
        })
    }
}

/// Guesses the format from the first line of an input. `None` when it matches nothing.
pub fn detect_format(first_line: &[u8]) -> Option<Format> {
    let line = first_line.strip_suffix(b"\n").unwrap_or(first_line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.starts_with(b"Event ID\t") {
        return Some(Format::Icews);
    }
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    let is_int = |f: &[u8]| {
        let f = f.strip_prefix(b"-").unwrap_or(f);
        !f.is_empty() && f.iter().all(u8::is_ascii_digit)
    };
    match fields.len() {
        57 | 58 => return Some(Format::Gdelt1),
        61 => return Some(Format::Gdelt2),
        4 | 5 if fields.iter().all(|f| is_int(f)) => return Some(Format::TkgIds),
        4 if is_iso_date(fields[3]) => return Some(Format::TkgNamed),
        _ => {}
    }
    None
}

fn is_iso_date(f: &[u8]) -> bool {
    f.len() == 10
        && f[4] == b'-'
        && f[7] == b'-'
        && f.iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_each_format() {
        let gdelt2 = vec!["x"; 61].join("\t");
        assert_eq!(detect_format(gdelt2.as_bytes()), Some(Format::Gdelt2));
        assert_eq!(
            detect_format(vec!["x"; 57].join("\t").as_bytes()),
            Some(Format::Gdelt1)
        );
        assert_eq!(
            detect_format(b"Event ID\tEvent Date\n"),
            Some(Format::Icews)
        );
        assert_eq!(detect_format(b"1200\t5\t371\t5760\n"), Some(Format::TkgIds));
        assert_eq!(detect_format(b"0\t9\t84\t0\t-1\n"), Some(Format::TkgIds));
        assert_eq!(
            detect_format(b"A_B\tConsult\tC\t2018-09-28\r\n"),
            Some(Format::TkgNamed)
        );
        assert_eq!(detect_format(b"hello world"), None);
    }
}
