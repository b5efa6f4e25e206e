//! Naming actors: states by code or name, exact CAMEO actor codes, and named groups of states with
//! membership dates.

use crate::cameo;

/// A group member and the day (days since 1970-01-01) it joined; `left` is the first day it was out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    pub country: &'static str,
    pub joined: (i32, u32, u32),
    pub left: Option<(i32, u32, u32)>,
}

const fn m(country: &'static str, joined: (i32, u32, u32)) -> Membership {
    Membership {
        country,
        joined,
        left: None,
    }
}

/// Named groups of states. Dates are accession dates (for founders, the founding date).
pub fn groups() -> Vec<(&'static str, &'static str, Vec<Membership>)> {
    let founded_sco = (2001, 6, 15);
    let nato_1949 = (1949, 8, 24);
    let eec_1958 = (1958, 1, 1);
    vec![
        (
            "SCO",
            "Shanghai Cooperation Organisation",
            vec![
                m("CHN", founded_sco),
                m("RUS", founded_sco),
                m("KAZ", founded_sco),
                m("KGZ", founded_sco),
                m("TJK", founded_sco),
                m("UZB", founded_sco),
                m("IND", (2017, 6, 9)),
                m("PAK", (2017, 6, 9)),
                m("IRN", (2023, 7, 4)),
                m("BLR", (2024, 7, 4)),
            ],
        ),
        (
            "BRICS",
            "BRICS (BRIC until South Africa joined)",
            vec![
                m("BRA", (2009, 6, 16)),
                m("RUS", (2009, 6, 16)),
                m("IND", (2009, 6, 16)),
                m("CHN", (2009, 6, 16)),
                m("ZAF", (2010, 12, 24)),
                m("EGY", (2024, 1, 1)),
                m("ETH", (2024, 1, 1)),
                m("IRN", (2024, 1, 1)),
                m("ARE", (2024, 1, 1)),
                m("IDN", (2025, 1, 6)),
            ],
        ),
        (
            "QUAD",
            "Quadrilateral Security Dialogue (revived November 2017)",
            vec![
                m("USA", (2017, 11, 12)),
                m("JPN", (2017, 11, 12)),
                m("IND", (2017, 11, 12)),
                m("AUS", (2017, 11, 12)),
            ],
        ),
        (
            "NATO",
            "North Atlantic Treaty Organization",
            vec![
                m("BEL", nato_1949),
                m("CAN", nato_1949),
                m("DNK", nato_1949),
                m("FRA", nato_1949),
                m("ISL", nato_1949),
                m("ITA", nato_1949),
                m("LUX", nato_1949),
                m("NLD", nato_1949),
                m("NOR", nato_1949),
                m("PRT", nato_1949),
                m("GBR", nato_1949),
                m("USA", nato_1949),
                m("GRC", (1952, 2, 18)),
                m("TUR", (1952, 2, 18)),
                m("DEU", (1955, 5, 6)),
                m("ESP", (1982, 5, 30)),
                m("CZE", (1999, 3, 12)),
                m("HUN", (1999, 3, 12)),
                m("POL", (1999, 3, 12)),
                m("BGR", (2004, 3, 29)),
                m("EST", (2004, 3, 29)),
                m("LVA", (2004, 3, 29)),
                m("LTU", (2004, 3, 29)),
                m("ROU", (2004, 3, 29)),
                m("SVK", (2004, 3, 29)),
                m("SVN", (2004, 3, 29)),
                m("ALB", (2009, 4, 1)),
                m("HRV", (2009, 4, 1)),
                m("MNE", (2017, 6, 5)),
                m("MKD", (2020, 3, 27)),
                m("FIN", (2023, 4, 4)),
                m("SWE", (2024, 3, 7)),
            ],
        ),
        (
            "EU",
            "European Union (and its predecessors since 1958)",
            vec![
                m("BEL", eec_1958),
                m("FRA", eec_1958),
                m("DEU", eec_1958),
                m("ITA", eec_1958),
                m("LUX", eec_1958),
                m("NLD", eec_1958),
                m("DNK", (1973, 1, 1)),
                m("IRL", (1973, 1, 1)),
                Membership {
                    country: "GBR",
                    joined: (1973, 1, 1),
                    left: Some((2020, 2, 1)),
                },
                m("GRC", (1981, 1, 1)),
                m("PRT", (1986, 1, 1)),
                m("ESP", (1986, 1, 1)),
                m("AUT", (1995, 1, 1)),
                m("FIN", (1995, 1, 1)),
                m("SWE", (1995, 1, 1)),
                m("CYP", (2004, 5, 1)),
                m("CZE", (2004, 5, 1)),
                m("EST", (2004, 5, 1)),
                m("HUN", (2004, 5, 1)),
                m("LVA", (2004, 5, 1)),
                m("LTU", (2004, 5, 1)),
                m("MLT", (2004, 5, 1)),
                m("POL", (2004, 5, 1)),
                m("SVK", (2004, 5, 1)),
                m("SVN", (2004, 5, 1)),
                m("BGR", (2007, 1, 1)),
                m("ROU", (2007, 1, 1)),
                m("HRV", (2013, 7, 1)),
            ],
        ),
    ]
}

fn day((y, mo, d): (i32, u32, u32)) -> i32 {
    crate::days_from_civil(y, mo, d).expect("valid membership date")
}

/// An actor as a user names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActorSpec {
    /// Every actor of a state (`RUS`, `Russia`).
    Country { code: String },
    /// One exact CAMEO actor code (`RUSGOV`): GDELT's actor code, or for ICEWS/TKG rows the state plus
    /// the sector's type code.
    Exact { code: String },
    /// A group of states, each counted while it is a member.
    Group {
        name: String,
        members: Vec<(String, i32, Option<i32>)>,
    },
}

/// An actor name that resolves to nothing.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "unknown actor '{name}': use a CAMEO country code (RUS), a country name (Russia), an actor code (RUSGOV) or a group ({groups})"
)]
pub struct UnknownActor {
    pub name: String,
    pub groups: String,
}

impl ActorSpec {
    /// Resolves a user's actor name.
    pub fn parse(name: &str) -> Result<Self, UnknownActor> {
        let trimmed = name.trim();
        let upper = trimmed.to_ascii_uppercase();
        if let Some((gname, _, members)) = groups().into_iter().find(|(g, _, _)| *g == upper) {
            let members = members
                .into_iter()
                .map(|mb| (mb.country.to_string(), day(mb.joined), mb.left.map(day)))
                .collect();
            return Ok(ActorSpec::Group {
                name: gname.to_string(),
                members,
            });
        }
        let is_code = trimmed.len() >= 3 && trimmed.bytes().all(|b| b.is_ascii_uppercase());
        if is_code && trimmed.len() == 3 && cameo::country_label(trimmed).is_some() {
            return Ok(ActorSpec::Country { code: upper });
        }
        if is_code
            && trimmed.len() > 3
            && trimmed.len().is_multiple_of(3)
            && cameo::country_label(&trimmed[..3]).is_some()
        {
            return Ok(ActorSpec::Exact { code: upper });
        }
        if let Some(code) =
            cameo::country_code_for_name(trimmed).or_else(|| country_by_label(trimmed))
        {
            return Ok(ActorSpec::Country {
                code: code.to_string(),
            });
        }
        Err(UnknownActor {
            name: name.to_string(),
            groups: groups().iter().map(|g| g.0).collect::<Vec<_>>().join(", "),
        })
    }

    /// What tables and plots call it.
    ///
    /// (Also what `FromStr` parses back, so command-line and query-string front ends can take actors directly.)
    pub fn label(&self) -> String {
        match self {
            ActorSpec::Country { code } | ActorSpec::Exact { code } => code.clone(),
            ActorSpec::Group { name, .. } => name.clone(),
        }
    }

    /// The states whose events can match (for filtering the store before matching).
    pub fn countries(&self) -> Vec<String> {
        match self {
            ActorSpec::Country { code } => vec![code.clone()],
            ActorSpec::Exact { code } => vec![code[..3].to_string()],
            ActorSpec::Group { members, .. } => members.iter().map(|(c, _, _)| c.clone()).collect(),
        }
    }

    /// Whether an event side belongs to this actor on `day`.
    pub fn matches(
        &self,
        country: Option<&str>,
        actor_code: Option<&str>,
        type_code: Option<&str>,
        day: i32,
    ) -> bool {
        match self {
            ActorSpec::Country { code } => country == Some(code.as_str()),
            ActorSpec::Exact { code } => match actor_code {
                Some(a) => a == code,
                None => country == Some(&code[..3]) && type_code == Some(&code[3..6]),
            },
            ActorSpec::Group { members, .. } => members.iter().any(|(c, joined, left)| {
                country == Some(c.as_str()) && day >= *joined && left.is_none_or(|l| day < l)
            }),
        }
    }
}

fn country_by_label(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    crate::cameo::country_codes()
        .find(|(_, label)| label.to_lowercase() == lower)
        .map(|(c, _)| c)
}

impl std::str::FromStr for ActorSpec {
    type Err = UnknownActor;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActorSpec::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_codes_and_groups_resolve() {
        assert_eq!(
            ActorSpec::parse("RUS").unwrap(),
            ActorSpec::Country { code: "RUS".into() }
        );
        assert_eq!(
            ActorSpec::parse("Russia").unwrap(),
            ActorSpec::Country { code: "RUS".into() }
        );
        assert_eq!(
            ActorSpec::parse("india").unwrap(),
            ActorSpec::Country { code: "IND".into() }
        );
        assert_eq!(
            ActorSpec::parse("RUSGOV").unwrap(),
            ActorSpec::Exact {
                code: "RUSGOV".into()
            }
        );
        assert!(
            ActorSpec::parse("Atlantis")
                .unwrap_err()
                .to_string()
                .contains("SCO")
        );
        let sco = ActorSpec::parse("sco").unwrap();
        let d = |y, m, dd| crate::days_from_civil(y, m, dd).unwrap();
        assert!(
            !sco.matches(Some("IND"), None, None, d(2016, 1, 1)),
            "India joined the SCO in 2017"
        );
        assert!(sco.matches(Some("IND"), None, None, d(2019, 2, 14)));
        let eu = ActorSpec::parse("EU").unwrap();
        assert!(eu.matches(Some("GBR"), None, None, d(2019, 2, 14)));
        assert!(!eu.matches(Some("GBR"), None, None, d(2021, 1, 1)));
    }

    #[test]
    fn exact_codes_match_gdelt_codes_and_icews_sectors() {
        let gov = ActorSpec::parse("RUSGOV").unwrap();
        assert!(gov.matches(Some("RUS"), Some("RUSGOV"), Some("GOV"), 0));
        assert!(!gov.matches(Some("RUS"), Some("RUSMIL"), Some("MIL"), 0));
        assert!(
            gov.matches(Some("RUS"), None, Some("GOV"), 0),
            "ICEWS rows have no actor code"
        );
    }
}
