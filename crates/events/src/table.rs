//! The analysis columns of a whole store in memory, indexed by (source state, target state).
//!
//! Why: a server answers the same kind of question many times a second; scanning Parquet for each one would cost
//! tens of milliseconds, while the rows of one dyad are a slice of an index away. About 64 bytes per event.

use std::collections::{BTreeMap, HashMap};

use fulcrum_model::actors::ActorSpec;
use fulcrum_query::QueryEngine;

use crate::{
    ANALYSIS_COLUMNS, Action, Columns, LoadError, Loaded, Matcher, PartnerCollector, Partnered,
    Resolver, Selection, Side, countries_of, finish, shared_countries,
};

/// Interned strings: 0 is "no value".
#[derive(Default)]
struct Names {
    strings: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Names {
    fn new() -> Self {
        Names {
            strings: vec!["".into()],
            ids: HashMap::new(),
        }
    }

    fn intern(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return 0 };
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    fn get(&self, id: u32) -> Option<&str> {
        (id != 0).then(|| &*self.strings[id as usize])
    }

    fn id(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }
}

#[derive(Clone, Copy)]
struct Row {
    day: i32,
    /// actor1 code, country, type; actor2 code, country, type (interned) — as counted: a side resolved by name
    /// holds the state and agent it was resolved to.
    sides: [u32; 6],
    /// Whether a side was resolved by name: with resolution switched off, the row is not counted.
    resolved: bool,
    code: u32,
    quad_class: i8,
    dataset: u8,
    goldstein: f64,
    tone: f64,
}

/// Events and span of one dataset.
#[derive(Debug, Clone)]
pub struct DatasetSummary {
    pub dataset: String,
    pub events: u64,
    pub first: i32,
    pub last: i32,
}

/// How many events a state is on either side of.
#[derive(Debug, Clone)]
pub struct CountryCount {
    pub code: String,
    pub events: u64,
}

/// The whole store's analysis columns, read once.
pub struct EventTable {
    names: Names,
    resolves: bool,
    rows: Vec<Row>,
    /// (actor1 country, actor2 country) → row numbers, sorted by day.
    by_pair: HashMap<(u32, u32), Vec<u32>>,
    datasets: Vec<String>,
    /// Events per day and dataset (index into `datasets`).
    per_day: BTreeMap<i32, Vec<u64>>,
}

impl EventTable {
    /// Reads every event of the store (the analysis columns only), resolving sides without a state by name when
    /// a resolver is given (once, at load: questions then find them in the per-state-pair index).
    pub fn from_store(
        engine: &QueryEngine,
        resolver: Option<&Resolver>,
    ) -> Result<Self, LoadError> {
        let (_, batches) = engine.sql(&format!("SELECT {ANALYSIS_COLUMNS} FROM events"))?;
        let mut names = Names::new();
        let mut datasets: Vec<String> = Vec::new();
        let total: usize = batches.iter().map(|b| b.num_rows()).sum();
        let mut rows = Vec::with_capacity(total);
        for batch in &batches {
            let c = Columns::decode(batch)?;
            for i in 0..c.len() {
                let ds = c.dataset.value(i);
                let dataset = match datasets.iter().position(|d| d == ds) {
                    Some(p) => p,
                    None => {
                        datasets.push(ds.to_string());
                        datasets.len() - 1
                    }
                } as u8;
                let day = c.dates.value(i);
                let (s, s_resolved) = c.side(0, i).resolved(resolver, day);
                let (t, t_resolved) = c.side(3, i).resolved(resolver, day);
                let action = c.action(i);
                rows.push(Row {
                    day,
                    resolved: s_resolved || t_resolved,
                    sides: [
                        names.intern(s.actor),
                        names.intern(s.country),
                        names.intern(s.kind),
                        names.intern(t.actor),
                        names.intern(t.country),
                        names.intern(t.kind),
                    ],
                    code: names.intern(Some(action.code)),
                    quad_class: action.quad_class,
                    dataset,
                    goldstein: action.goldstein,
                    tone: action.tone,
                });
            }
        }
        rows.sort_by_key(|r| r.day);
        let mut by_pair: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
        let mut per_day: BTreeMap<i32, Vec<u64>> = BTreeMap::new();
        for (n, r) in rows.iter().enumerate() {
            if r.sides[1] != 0 && r.sides[4] != 0 {
                by_pair
                    .entry((r.sides[1], r.sides[4]))
                    .or_default()
                    .push(n as u32);
            }
            per_day
                .entry(r.day)
                .or_insert_with(|| vec![0; datasets.len()])[r.dataset as usize] += 1;
        }
        Ok(EventTable {
            names,
            resolves: resolver.is_some(),
            rows,
            by_pair,
            datasets,
            per_day,
        })
    }

    /// Number of events held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn side(&self, r: &Row, first: usize) -> Side<'_> {
        Side {
            actor: self.names.get(r.sides[first]),
            country: self.names.get(r.sides[first + 1]),
            kind: self.names.get(r.sides[first + 2]),
            name: None,
        }
    }

    /// Whether sides without a state were resolved by name at load.
    pub fn resolves_names(&self) -> bool {
        self.resolves
    }

    /// Events between one of `focus` and any other state; the same rows [`crate::load_partners`] would return.
    pub fn partners(
        &self,
        focus: &[ActorSpec],
        selection: &Selection,
    ) -> Result<Partnered, LoadError> {
        let ids: Vec<u32> = countries_of(focus)
            .iter()
            .filter_map(|c| self.names.id(c))
            .collect();
        let mut collector = PartnerCollector::new(focus, None);
        let mut pairs: Vec<(&(u32, u32), &Vec<u32>)> = self
            .by_pair
            .iter()
            .filter(|((c1, c2), _)| ids.contains(c1) || ids.contains(c2))
            .collect();
        // Deterministic partner order: the same as reading rows by day would not be, so sort rows afterwards.
        pairs.sort_by_key(|(k, _)| **k);
        let wanted = self.wanted(selection);
        let mut rows: Vec<u32> = pairs
            .into_iter()
            .flat_map(|(_, list)| self.counted(list, selection, &wanted).map(|(n, _)| n))
            .collect();
        rows.sort_unstable();
        for n in rows {
            let r = &self.rows[n as usize];
            collector.add(r.day, self.side(r, 0), self.side(r, 3), self.action(r));
        }
        collector.finish(selection)
    }

    /// Which of the store's datasets the selection takes, by index.
    fn wanted(&self, selection: &Selection) -> Vec<bool> {
        self.datasets
            .iter()
            .map(|d| selection.wants_dataset(d))
            .collect()
    }

    /// The rows of one pair's list (sorted by day) that the selection counts: in its window and datasets, and
    /// not resolved by name when resolution is off.
    fn counted<'a>(
        &'a self,
        list: &'a [u32],
        selection: &'a Selection,
        wanted: &'a [bool],
    ) -> impl Iterator<Item = (u32, &'a Row)> + 'a {
        // Rows are sorted by day: skip straight to the window, stop after it.
        let start = selection.from.map_or(0, |f| {
            list.partition_point(|&n| self.rows[n as usize].day < f)
        });
        list[start..]
            .iter()
            .map(|&n| (n, &self.rows[n as usize]))
            .take_while(|(_, r)| selection.in_window(r.day))
            .filter(|(_, r)| wanted[r.dataset as usize] && (selection.resolve || !r.resolved))
    }

    fn action(&self, r: &Row) -> Action<'_> {
        Action {
            code: self.names.get(r.code).unwrap_or(""),
            quad_class: r.quad_class,
            goldstein: r.goldstein,
            tone: r.tone,
        }
    }

    /// Events between any two of `actors`; the same rows [`crate::load`] would return.
    pub fn select(&self, actors: &[ActorSpec], selection: &Selection) -> Result<Loaded, LoadError> {
        let wanted = self.wanted(selection);
        let countries = countries_of(actors);
        let ids: Vec<u32> = countries.iter().filter_map(|c| self.names.id(c)).collect();
        // A state's domestic events (USA → USA: often the biggest pair of all) can only be between two of the
        // actors when two of them include that state (RUSGOV and RUSMIL, or overlapping groups): skip them otherwise.
        let shared: Vec<u32> = shared_countries(actors)
            .iter()
            .filter_map(|c| self.names.id(c))
            .collect();
        let matcher = Matcher::new(actors);
        // When every actor is a whole state, the index already decides who is who: the row's states are the
        // pair's, and the actor is the first one naming that state, as `Matcher` would find.
        let by_state: Option<Vec<(u32, u16)>> = actors
            .iter()
            .enumerate()
            .map(|(i, a)| match a {
                ActorSpec::Country { code } => {
                    Some((self.names.id(code).unwrap_or(u32::MAX), i as u16))
                }
                _ => None,
            })
            .collect();
        let state_actor = |id: u32| {
            by_state
                .as_ref()
                .and_then(|m| m.iter().find(|(c, _)| *c == id).map(|&(_, i)| i))
        };
        let mut events = Vec::new();
        for &c1 in &ids {
            for &c2 in &ids {
                if c1 == c2 && !shared.contains(&c1) {
                    continue;
                }
                let Some(list) = self.by_pair.get(&(c1, c2)) else {
                    continue;
                };
                let known = state_actor(c1).zip(state_actor(c2));
                if matches!(known, Some((s, d)) if s == d) {
                    continue;
                }
                for (_, r) in self.counted(list, selection, &wanted) {
                    let action = self.action(r);
                    let event = match known {
                        Some((src, dst)) => Some(action.event(r.day, src, dst)),
                        None => matcher.event(r.day, self.side(r, 0), self.side(r, 3), action),
                    };
                    events.extend(event);
                }
            }
        }
        finish(events, actors, selection)
    }

    /// Events of the whole store per period, as [`crate::totals`] counts them.
    pub fn totals(&self, selection: &Selection, from: i32, to: i32) -> HashMap<i32, u64> {
        let wanted = self.wanted(selection);
        let mut out = HashMap::new();
        for (&day, counts) in self.per_day.range(from..=to) {
            let n: u64 = counts
                .iter()
                .zip(&wanted)
                .filter(|(_, w)| **w)
                .map(|(c, _)| c)
                .sum();
            *out.entry(selection.period.start(day)).or_insert(0) += n;
        }
        out
    }

    /// Events, first and last day per dataset.
    pub fn datasets(&self) -> Vec<DatasetSummary> {
        let mut out: Vec<DatasetSummary> = self
            .datasets
            .iter()
            .map(|d| DatasetSummary {
                dataset: d.clone(),
                events: 0,
                first: i32::MAX,
                last: i32::MIN,
            })
            .collect();
        for (&day, counts) in &self.per_day {
            for (s, &n) in out.iter_mut().zip(counts) {
                if n > 0 {
                    s.events += n;
                    s.first = s.first.min(day);
                    s.last = s.last.max(day);
                }
            }
        }
        out.sort_by(|a, b| a.dataset.cmp(&b.dataset));
        out
    }

    /// States by the number of events they are on either side of, most first.
    pub fn countries(&self) -> Vec<CountryCount> {
        let mut counts: HashMap<u32, u64> = HashMap::new();
        for (&(c1, c2), rows) in &self.by_pair {
            *counts.entry(c1).or_default() += rows.len() as u64;
            if c2 != c1 {
                *counts.entry(c2).or_default() += rows.len() as u64;
            }
        }
        let mut out: Vec<CountryCount> = counts
            .into_iter()
            .filter_map(|(id, events)| {
                Some(CountryCount {
                    code: self.names.get(id)?.to_string(),
                    events,
                })
            })
            .collect();
        out.sort_by(|a, b| b.events.cmp(&a.events).then_with(|| a.code.cmp(&b.code)));
        out
    }
}
