//! CAMEO reference tables compiled into the binary, and the look-ups every reader and analysis uses.
//!
//! The tables themselves live in the generated [`crate::cameo_data`] (see `tools/gen_cameo_tables.py`).
//! Event codes are strings: `"014"` is not `14`, and the parent of a code is its prefix.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::cameo_data::*;

/// One CAMEO event code with its label and GDELT's Goldstein weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventCodeInfo {
    pub code: &'static str,
    pub label: &'static str,
    pub goldstein: f64,
}

/// All CAMEO event codes known to the tables, sorted by code.
pub fn event_codes() -> impl Iterator<Item = EventCodeInfo> {
    EVENT_CODES
        .iter()
        .map(|&(code, label, goldstein)| EventCodeInfo {
            code,
            label,
            goldstein,
        })
}

/// Where a two-to-four-digit code sits in a table of every such code (`"01"` and `"010"` apart), or `None`.
fn digit_code_slot(code: &str) -> Option<usize> {
    let bytes = code.as_bytes();
    if !(2..=4).contains(&bytes.len()) || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = bytes
        .iter()
        .fold(0usize, |v, b| v * 10 + usize::from(b - b'0'));
    // Two-digit codes take slots 0..100, three-digit 100..1100, four-digit 1100..11100.
    Some(match bytes.len() {
        2 => value,
        3 => 100 + value,
        _ => 1100 + value,
    })
}

/// The index in `EVENT_CODES` of each digit code, plus one (0: no such code). Every ingested row looks its code
/// up, so this replaces a binary search of string comparisons with one array read.
fn event_code_index(code: &str) -> Option<usize> {
    static SLOTS: std::sync::OnceLock<Vec<u16>> = std::sync::OnceLock::new();
    let slots = SLOTS.get_or_init(|| {
        let mut slots = vec![0u16; 11_100];
        for (i, (c, _, _)) in EVENT_CODES.iter().enumerate() {
            if let Some(slot) = digit_code_slot(c) {
                slots[slot] = u16::try_from(i + 1).expect("fewer than 65,535 CAMEO codes");
            }
        }
        slots
    });
    match digit_code_slot(code) {
        Some(slot) => slots[slot].checked_sub(1).map(usize::from),
        // Codes that are not 2-4 digits (none in the tables today) are still found by search.
        None => EVENT_CODES.binary_search_by(|(c, _, _)| c.cmp(&code)).ok(),
    }
}

/// Label and Goldstein weight of an event code (exact match; `"0140"` is not `"014"`).
pub fn event_code(code: &str) -> Option<EventCodeInfo> {
    event_code_index(code).map(|i| {
        let (code, label, goldstein) = EVENT_CODES[i];
        EventCodeInfo {
            code,
            label,
            goldstein,
        }
    })
}

/// The root (first two digits) of an event code.
pub fn root_of(code: &str) -> Option<&str> {
    code.get(..2)
        .filter(|r| r.bytes().all(|b| b.is_ascii_digit()))
}

/// The base code (first three digits, or the root for two-digit codes).
pub fn base_of(code: &str) -> &str {
    code.get(..3).unwrap_or(code)
}

/// GDELT QuadClass of a root code: 1 verbal cooperation, 2 material cooperation, 3 verbal conflict,
/// 4 material conflict.
pub fn quad_class_of_root(root: &str) -> Option<u8> {
    ROOT_QUADCLASS
        .iter()
        .find(|(r, _)| *r == root)
        .map(|&(_, q)| q)
}

/// The Goldstein weight and QuadClass of an event code, and where they come from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scores {
    pub goldstein: f64,
    pub quad_class: u8,
    /// `None`: the code's own table entry; else the nearest listed ancestor whose weight it takes.
    pub from: Option<&'static str>,
}

/// Scores for any code with a CAMEO root: its own table entry, else its nearest listed ancestor's (CAMEO 2.0's 176
/// "hack into computers" is not in GDELT's table and takes root 17's weight; a user's sub-code 1825 would take
/// 182's). QuadClass always comes from the root. `None` only for a code without a CAMEO root (01–20).
pub fn scores_of(code: &str) -> Option<Scores> {
    let quad_class = quad_class_of_root(root_of(code)?)?;
    if let Some(info) = event_code(code) {
        return Some(Scores {
            goldstein: info.goldstein,
            quad_class,
            from: None,
        });
    }
    (2..code.len())
        .rev()
        .find_map(|n| code.get(..n).and_then(event_code))
        .map(|info| Scores {
            goldstein: info.goldstein,
            quad_class,
            from: Some(info.code),
        })
}

/// The Goldstein weight and QuadClass the tables derive for an event code (listed codes only).
pub fn derived_scores(code: &str) -> Option<(f64, u8)> {
    let info = event_code(code)?;
    let quad = quad_class_of_root(root_of(code)?)?;
    Some((info.goldstein, quad))
}

fn lookup_sorted(
    table: &'static [(&'static str, &'static str)],
    key: &str,
) -> Option<&'static str> {
    table
        .binary_search_by(|(k, _)| (*k).cmp(key))
        .ok()
        .map(|i| table[i].1)
}

/// Label of a CAMEO country or region code (`IND` → "India").
pub fn country_label(code: &str) -> Option<&'static str> {
    lookup_sorted(COUNTRY_CODES, code)
}
/// Every CAMEO country and region code with its label.
pub fn country_codes() -> impl Iterator<Item = (&'static str, &'static str)> {
    COUNTRY_CODES.iter().copied()
}

/// Label of a CAMEO actor type (role) code (`GOV` → "Government").
pub fn type_label(code: &str) -> Option<&'static str> {
    lookup_sorted(TYPE_CODES, code)
}
/// Label of a CAMEO known-group code (`EEC` → "European Union").
pub fn known_group_label(code: &str) -> Option<&'static str> {
    lookup_sorted(KNOWN_GROUP_CODES, code)
}
/// Label of a CAMEO ethnic code.
pub fn ethnic_label(code: &str) -> Option<&'static str> {
    lookup_sorted(ETHNIC_CODES, code)
}
/// Label of a CAMEO religion code.
pub fn religion_label(code: &str) -> Option<&'static str> {
    lookup_sorted(RELIGION_CODES, code)
}

/// Normalises an ICEWS event text the way the generated table's keys are normalised.
fn normalise_event_text(text: &str) -> String {
    let lowered = text.to_lowercase().replace(['-', ',', '_'], " ");
    let without = lowered.replace("not specified below", "");
    without.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The CAMEO code of an ICEWS event text or TKG relation name ("Use conventional military force" → "190").
/// Underscores are read as spaces, so the TLogic spelling ("Make_statement") resolves too.
pub fn icews_event_code(text: &str) -> Option<&'static str> {
    lookup_sorted(ICEWS_EVENT_TEXT, &normalise_event_text(text))
}

/// ICEWS spells some states differently from the text_to_CAMEO country list; these are the ones seen in
/// the ICEWS and TKG benchmark files.
const EXTRA_COUNTRY_NAMES: &[(&str, &str)] = &[
    ("Russia", "RUS"),
    ("United States", "USA"),
    ("United Kingdom", "GBR"),
    ("Iran", "IRN"),
    ("Syria", "SYR"),
    ("North Korea", "PRK"),
    ("South Korea", "KOR"),
    ("Vietnam", "VNM"),
    ("Occupied Palestinian Territory", "PSE"),
    // ICEWS writes it this way round too ("Citizen (Palestinian Territory, Occupied)").
    ("Palestinian Territory, Occupied", "PSE"),
    ("Holy See Vatican City State", "VAT"),
];

fn country_names() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for &(name, code) in ICEWS_COUNTRY_NAMES.iter().chain(EXTRA_COUNTRY_NAMES) {
            map.entry(name.to_lowercase()).or_insert(code);
        }
        map
    })
}

/// Every country name Fulcrum knows with its CAMEO code (ICEWS's names and a few other spellings).
pub fn country_name_codes() -> impl Iterator<Item = (&'static str, &'static str)> {
    ICEWS_COUNTRY_NAMES
        .iter()
        .chain(EXTRA_COUNTRY_NAMES)
        .copied()
}

/// The CAMEO country code for a country name as ICEWS writes it ("Russian Federation" → "RUS").
pub fn country_code_for_name(name: &str) -> Option<&'static str> {
    country_names().get(&name.trim().to_lowercase()).copied()
}

fn sector_names() -> &'static HashMap<String, &'static str> {
    static MAP: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for &(name, code) in ICEWS_SECTOR_NAMES {
            map.entry(name.to_lowercase()).or_insert(code);
        }
        map
    })
}

/// The CAMEO agent code of an ICEWS sector name ("Government" → "GOV").
pub fn sector_code(name: &str) -> Option<&'static str> {
    sector_names().get(&name.trim().to_lowercase()).copied()
}

/// What an ICEWS actor name says about the actor: its state and its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IcewsActor {
    pub country_code: Option<&'static str>,
    pub type_code: Option<&'static str>,
}

/// Reads an ICEWS/TKG actor name: a bare state ("India"), or a sector of a state
/// ("Government (India)", "Head of Government (India)"). People and other names resolve to nothing.
pub fn resolve_icews_actor(name: &str) -> IcewsActor {
    let name = name.trim();
    if let Some(code) = country_code_for_name(name) {
        return IcewsActor {
            country_code: Some(code),
            type_code: None,
        };
    }
    if let Some(open) = name.rfind('(')
        && name.ends_with(')')
    {
        let inner = &name[open + 1..name.len() - 1];
        let sector = name[..open].trim();
        if let Some(code) = country_code_for_name(inner) {
            return IcewsActor {
                country_code: Some(code),
                type_code: sector_code(sector),
            };
        }
    }
    IcewsActor::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_table_finds_what_a_search_of_the_codes_finds() {
        let searched = |code: &str| EVENT_CODES.binary_search_by(|(c, _, _)| c.cmp(&code)).ok();
        for (code, _, _) in EVENT_CODES {
            assert_eq!(event_code_index(code), searched(code), "{code}");
        }
        let mut others: Vec<String> = (0..11_100).map(|n| format!("{n:02}")).collect();
        others.extend((0..1000).map(|n| format!("{n:03}")));
        others.extend((0..10_000).map(|n| format!("{n:04}")));
        others.extend(["", "0", "01a", "12345", "٠١", "1.0", "-01"].map(String::from));
        for code in &others {
            assert_eq!(event_code_index(code), searched(code), "{code:?}");
        }
    }

    #[test]
    fn codes_keep_leading_zeros() {
        assert_eq!(event_code("014").map(|i| i.goldstein), Some(0.0));
        // Codes are strings: the root "14" (protest) and "014" (a neutral comment) are different codes.
        let (protest, comment) = (event_code("14").unwrap(), event_code("014").unwrap());
        assert_eq!((protest.code, protest.goldstein), ("14", -6.5));
        assert_ne!(protest.label, comment.label);
        assert_eq!(event_code("0874").map(|i| i.goldstein), Some(10.0));
        assert_eq!(root_of("0874"), Some("08"));
        assert_eq!(base_of("0874"), "087");
    }

    #[test]
    fn codes_outside_the_table_take_their_nearest_listed_ancestor() {
        assert_eq!(event_code("176"), None);
        let hack = scores_of("176").unwrap();
        assert_eq!(
            (hack.goldstein, hack.quad_class, hack.from),
            (event_code("17").unwrap().goldstein, 4, Some("17"))
        );
        assert_eq!(scores_of("1825").unwrap().from, Some("182"));
        assert_eq!(scores_of("1823").unwrap().from, None, "listed");
        assert_eq!(scores_of("190").unwrap().from, None);
        assert_eq!(scores_of("21"), None, "no CAMEO root 21");
        assert_eq!(scores_of("9"), None);
    }

    #[test]
    fn quad_classes_follow_gdelt() {
        assert_eq!(derived_scores("190"), Some((-10.0, 4)));
        assert_eq!(quad_class_of_root("09"), Some(2));
        assert_eq!(quad_class_of_root("14"), Some(3));
        assert_eq!(quad_class_of_root("21"), None);
    }

    #[test]
    fn icews_texts_and_names_resolve() {
        assert_eq!(
            icews_event_code("Use conventional military force"),
            Some("190")
        );
        assert_eq!(icews_event_code("Make_statement"), Some("010"));
        assert_eq!(icews_event_code("Threaten with repression"), Some("137"));
        assert_eq!(icews_event_code("Dance"), None);
        assert_eq!(
            resolve_icews_actor("Russian Federation").country_code,
            Some("RUS")
        );
        assert_eq!(resolve_icews_actor("Russia").country_code, Some("RUS"));
        let gov = resolve_icews_actor("Government (India)");
        assert_eq!(
            (gov.country_code, gov.type_code),
            (Some("IND"), Some("GOV"))
        );
        assert_eq!(resolve_icews_actor("Narendra Modi"), IcewsActor::default());
    }

    #[test]
    fn labels() {
        assert_eq!(country_label("IND"), Some("India"));
        assert_eq!(type_label("GOV"), Some("Government"));
    }
}
