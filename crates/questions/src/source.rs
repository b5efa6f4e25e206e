//! Where a front end's questions read their events: the store's pair index when one is saved for its current
//! snapshot (`fulcrum compact` saves it), else the store's Parquet files by SQL.
//!
//! Both give the same events (`EventTable` and `SqlSource` decode rows with one `Matcher`); the index only makes a
//! question on a big store cost its own rows rather than a scan.

use std::collections::HashMap;

use fulcrum_events::{
    EventSource, EventTable, LoadError, Loaded, Partnered, Resolver, Selection, SqlSource,
    TableLookup,
};
use fulcrum_model::actors::ActorSpec;
use fulcrum_query::QueryEngine;
use fulcrum_store::{Snapshot, StoreLocation};

use crate::{Cluster, QuestionError, open_store};

/// Set to `off` to never read the pair index (to compare answers or timings with the SQL path).
pub const PAIR_INDEX_ENV: &str = "FULCRUM_PAIR_INDEX";

/// A store opened for questions.
pub enum StoreSource {
    /// The pair index saved for this snapshot and these actor roles, memory-mapped.
    Table(Box<EventTable>),
    /// The store asked by SQL.
    Sql {
        engine: Box<QueryEngine>,
        resolver: Resolver,
    },
}

impl StoreSource {
    /// Opens the store's pair index if one is saved for its current snapshot and `resolver`'s roles, else the store
    /// for SQL (always on a cluster, or with `FULCRUM_PAIR_INDEX=off`). The note, if any, is for the user: why a
    /// saved index was not used.
    pub fn open(
        store: &StoreLocation,
        cluster: Option<&Cluster>,
        resolver: Resolver,
    ) -> Result<(Self, Option<String>), QuestionError> {
        let switched_off =
            std::env::var(PAIR_INDEX_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("off"));
        let wanted = cluster.is_none() && !switched_off;
        let mut note = None;
        if wanted && let StoreLocation::Local(_) = store {
            let snapshot = Snapshot::open_at(store).map_err(|e| QuestionError::Open {
                store: store.to_string(),
                cluster: None,
                error: Box::new(e.into()),
            })?;
            match EventTable::open_saved(&snapshot, Some(&resolver), false) {
                Ok(TableLookup::Fresh(table)) => return Ok((StoreSource::Table(table), None)),
                Ok(TableLookup::Missing) => {}
                Ok(TableLookup::Stale) => {
                    note = Some(
                        "note: the store's pair index was saved before its last transaction (or with other actor \
                         dictionaries): questions read the Parquet files instead, which is slower on a big store; \
                         `fulcrum compact` saves a new one"
                            .to_string(),
                    )
                }
                Err(e) => note = Some(format!("warning: {e}; reading the Parquet files instead")),
            }
        }
        let engine = open_store(store, cluster)?;
        Ok((
            StoreSource::Sql {
                engine: Box::new(engine),
                resolver,
            },
            note,
        ))
    }

    /// Whether questions read the pair index.
    pub fn uses_pair_index(&self) -> bool {
        matches!(self, StoreSource::Table(_))
    }

    fn with<T>(&self, f: impl FnOnce(&dyn EventSource) -> T) -> T {
        match self {
            StoreSource::Table(table) => f(table.as_ref()),
            StoreSource::Sql { engine, resolver } => f(&SqlSource {
                engine,
                resolver: Some(resolver),
            }),
        }
    }
}

impl EventSource for StoreSource {
    fn select(&self, actors: &[ActorSpec], selection: &Selection) -> Result<Loaded, LoadError> {
        self.with(|s| s.select(actors, selection))
    }

    fn totals(
        &self,
        selection: &Selection,
        from: i32,
        to: i32,
    ) -> Result<HashMap<i32, u64>, LoadError> {
        self.with(|s| s.totals(selection, from, to))
    }

    fn partners(&self, focus: &[ActorSpec], selection: &Selection) -> Result<Partnered, LoadError> {
        self.with(|s| s.partners(focus, selection))
    }

    fn resolves_names(&self) -> bool {
        self.with(|s| s.resolves_names())
    }
}
