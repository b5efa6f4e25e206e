//! Fulcrum's event coder: English text in, CAMEO events out — who did what to whom — using the PETRARCH-2
//! dictionaries and no external parser.
//!
//! Pipeline (see `ARCHITECTURE.md` and `docs/coder.md`): [`text`] splits sentences and tokens; [`Coder`]
//! finds actor and agent phrases (longest match), verbs (inflected forms from the verb dictionary), decides
//! noun-vs-verb readings and passive voice with a few local rules, assigns subject and object noun phrases
//! within the clause, matches the verb block's patterns to choose the code, and emits events with their
//! provenance. Pure functions over in-memory dictionaries; [`Dictionaries::load`] is the only I/O.

pub mod analysis;
pub mod claims;
mod coder;
mod combine;
pub mod dict;
pub mod documents;
pub mod eval;
pub mod rows;
pub mod text;

pub use coder::{CodedEvent, Coder, SentenceReport};

use std::path::{Path, PathBuf};

use dict::DictError;
use dict::actors::ActorDict;
use dict::agents::AgentDict;
use dict::discards::DiscardDict;
use dict::issues::IssueDict;
use dict::verbs::VerbDict;

/// Fulcrum's dated roles of recent leaders, compiled in (see the file's header for what and why).
const BUILTIN_ROLES: &str = include_str!("../roles/Fulcrum.Leaders.actors.txt");
const BUILTIN_ROLES_FILE: &str = "Fulcrum.Leaders.actors.txt";

/// Everything the coder reads.
#[derive(Debug, Default)]
pub struct Dictionaries {
    pub verbs: VerbDict,
    pub actors: ActorDict,
    pub agents: AgentDict,
    pub discards: DiscardDict,
    pub issues: IssueDict,
    /// The files read, for reports.
    pub files: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Dict(#[from] DictError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Missing(String),
}

impl Dictionaries {
    /// Loads a dictionary folder laid out like PETRARCH-2's: a verb file (`CAMEO.2.0.txt`, else a file
    /// with `verbs` in its name), every `*actors*.txt`, and the agents, discards and issue files if present.
    pub fn load(dir: &Path) -> Result<Self, LoadError> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map_err(|source| LoadError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_file())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        names.sort();
        let find = |pred: &dyn Fn(&str) -> bool| {
            names
                .iter()
                .filter(|n| pred(&n.to_lowercase()))
                .map(|n| dir.join(n))
                .collect::<Vec<_>>()
        };
        let verbs = find(&|n| n == "cameo.2.0.txt").into_iter().next().or_else(|| find(&|n| n.contains("verbs") && n.ends_with(".txt")).into_iter().last()).ok_or_else(|| {
            LoadError::Missing(format!("{}: no verb dictionary (CAMEO.2.0.txt or *verbs*.txt); `fulcrum dict fetch` downloads the PETRARCH-2 dictionaries", dir.display()))
        })?;
        let actors = find(&|n| n.contains("actors") && n.ends_with(".txt"));
        if actors.is_empty() {
            return Err(LoadError::Missing(format!(
                "{}: no actor dictionary (*actors*.txt)",
                dir.display()
            )));
        }
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| LoadError::Io {
                path: p.to_path_buf(),
                source,
            })
        };
        let mut d = Dictionaries {
            verbs: VerbDict::parse(&verbs, &read(&verbs)?)?,
            ..Default::default()
        };
        d.files.push(verbs.clone());
        for a in actors {
            d.actors.add_text(&a, &read(&a)?)?;
            d.files.push(a);
        }
        for a in find(&|n| n.contains("agents") && n.ends_with(".txt")) {
            d.agents.add_text(&a, &read(&a)?)?;
            d.files.push(a);
        }
        for a in find(&|n| n.contains("discards") && n.ends_with(".txt")) {
            d.discards.add_text(&a, &read(&a)?)?;
            d.files.push(a);
        }
        for a in find(&|n| n.contains("issue") && n.ends_with(".txt")) {
            d.issues.add_text(&a, &read(&a)?)?;
            d.files.push(a);
        }
        Ok(d)
    }

    /// Fulcrum's own dated roles of recent leaders and ministers (`roles/Fulcrum.Leaders.actors.txt`, compiled
    /// in): what resolves names when no dictionary folder is at hand.
    pub fn builtin_resolver() -> fulcrum_model::resolve::Resolver {
        let mut actors = ActorDict::default();
        actors
            .add_text(Path::new(BUILTIN_ROLES_FILE), BUILTIN_ROLES)
            .expect("the built-in roles file parses (checked by a test)");
        let mut resolver = actors.resolver();
        resolver.sources = vec![format!("{BUILTIN_ROLES_FILE} (built in)")];
        resolver
    }

    /// The actor files of a dictionary folder only, as dated roles for resolving names in stored events
    /// (quicker than [`Dictionaries::load`]: no verb patterns). Fulcrum's built-in roles are read first, so
    /// their dates win over older entries for the same words.
    pub fn resolver(dir: &Path) -> Result<fulcrum_model::resolve::Resolver, LoadError> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|source| LoadError::Io {
                path: dir.to_path_buf(),
                source,
            })?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.is_file()
                    && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        let n = n.to_lowercase();
                        n.contains("actors") && n.ends_with(".txt")
                    })
            })
            .collect();
        names.sort();
        if names.is_empty() {
            return Err(LoadError::Missing(format!(
                "{}: no actor dictionary (*actors*.txt); `fulcrum dict fetch` downloads the PETRARCH-2 dictionaries",
                dir.display()
            )));
        }
        let mut actors = ActorDict::default();
        actors.add_text(Path::new(BUILTIN_ROLES_FILE), BUILTIN_ROLES)?;
        for path in &names {
            let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
                path: path.clone(),
                source,
            })?;
            actors.add_text(path, &text)?;
        }
        let mut resolver = actors.resolver();
        resolver.sources = std::iter::once(format!("{BUILTIN_ROLES_FILE} (built in)"))
            .chain(names.iter().map(|p| p.display().to_string()))
            .collect();
        Ok(resolver)
    }

    /// Entries skipped while loading (file:line: why).
    pub fn warnings(&self) -> Vec<&DictError> {
        self.actors
            .warnings
            .iter()
            .chain(&self.agents.warnings)
            .collect()
    }

    /// One line summarising what was loaded.
    pub fn summary(&self) -> String {
        format!(
            "{} verb blocks, {} verb forms, {} patterns, {} synonym sets, {} transformations, {} actor phrases, {} agent phrases, {} discards, {} issue phrases; {} entries skipped",
            self.verbs.blocks.len(),
            self.verbs.forms,
            self.verbs.patterns(),
            self.verbs.synsets.len(),
            self.verbs.transformations.len(),
            self.actors.phrases,
            self.agents.phrases,
            self.discards.len(),
            self.issues.len(),
            self.warnings().len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fulcrum_model::days_from_civil;

    #[test]
    fn the_built_in_roles_parse_cleanly_and_hold_on_their_dates() {
        let mut actors = ActorDict::default();
        actors
            .add_text(Path::new(BUILTIN_ROLES_FILE), BUILTIN_ROLES)
            .unwrap();
        assert!(actors.warnings.is_empty(), "{:?}", actors.warnings);
        let r = Dictionaries::builtin_resolver();
        let day = |y, m, d| days_from_civil(y, m, d).unwrap();
        let trump = r.resolve("Donald Trump", day(2018, 10, 5)).unwrap();
        assert_eq!((trump.country, trump.agent), ("USA", Some("GOV")));
        assert!(
            r.resolve("Donald Trump", day(2022, 6, 1)).is_none(),
            "out of office"
        );
        assert!(
            r.resolve("Donald Trump", day(2025, 6, 1)).is_some(),
            "second term"
        );
        assert_eq!(
            r.resolve("Imran Khan", day(2018, 10, 5)).unwrap().country,
            "PAK"
        );
        assert!(
            r.resolve("Imran Khan", day(2018, 8, 17)).is_none(),
            "the day before he took office"
        );
        assert_eq!(
            r.resolve("Kim Jong-Un", day(2018, 6, 12)).unwrap().country,
            "PRK"
        );
        assert_eq!(
            r.resolve("Pedro Sánchez", day(2019, 1, 1)).unwrap().country,
            "ESP"
        );
        assert!(
            r.resolve("Antonio Guterres", day(2019, 1, 1)).is_none(),
            "the UN is not a state"
        );
    }
}
