//! The analysis columns of a whole store in memory, indexed by (source state, target state).
//!
//! Why: a server answers the same kind of question many times a second; scanning Parquet for each one would cost
//! tens of milliseconds, while the rows of one dyad are a slice of an index away. About 16 bytes per event.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use fulcrum_model::actors::ActorSpec;
use fulcrum_query::QueryEngine;
use fulcrum_query::arrow::buffer::ScalarBuffer;

use crate::{
    ANALYSIS_COLUMNS, Action, Columns, LoadError, Loaded, Matcher, PartnerCollector, Partnered,
    Resolver, Selection, Side, countries_of, finish, shared_countries,
};

mod file;

pub use file::{SavedState, SavedTable, TableLookup, table_key};

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

    /// Interned strings in id order, the first ("no value") included.
    fn from_strings(strings: Vec<Box<str>>) -> Self {
        let ids = strings
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        Names { strings, ids }
    }
}

/// Everything about a row's two sides but their states (which key its pair): interned once, shared by rows.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct Sides {
    /// actor1 code and type, actor2 code and type (interned) — as counted: a side resolved by name holds the
    /// agent it was resolved to.
    actor: [u32; 2],
    kind: [u32; 2],
    /// Whether a side was resolved by name: with resolution switched off, the row is not counted.
    resolved: bool,
}

/// What a row's event was, interned: a few hundred distinct values for millions of rows.
#[derive(Clone, Copy)]
struct ActionKey {
    code: u32,
    quad_class: i8,
    dataset: u8,
    goldstein: f64,
}

impl ActionKey {
    fn bits(&self) -> (u32, i8, u8, u64) {
        (
            self.code,
            self.quad_class,
            self.dataset,
            self.goldstein.to_bits(),
        )
    }
}

/// A row while the table is built: its pair, day and interned parts (sorted, then split into columns).
struct Staged {
    pair: u32,
    day: i32,
    sides: u32,
    action: u16,
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

/// The whole store's analysis columns, read once, in about 16 bytes per event between two states.
///
/// Built from the store ([`EventTable::from_store`]) or opened from the pair index saved next to it
/// ([`EventTable::open_saved`]), whose row columns stay memory-mapped: a question then touches only its pairs' pages.
///
/// Layout (struct of arrays): rows between two states are grouped by (actor1 state, actor2 state) and sorted by
/// day within a group; a row is its day (2 bytes, from the table's first day), its sides and action (interned:
/// 4 and 2 bytes) and its tone (8 bytes, kept exact so answers equal the CLI's). Rows with a side that has no
/// state, even after resolution, are never part of an answer: only their number per day is kept.
pub struct EventTable {
    names: Names,
    resolves: bool,
    first_day: i32,
    days: ScalarBuffer<u16>,
    sides: ScalarBuffer<u32>,
    actions: ScalarBuffer<u16>,
    tones: ScalarBuffer<f64>,
    side_table: Vec<Sides>,
    action_table: Vec<ActionKey>,
    /// (actor1 state, actor2 state) → its rows.
    by_pair: HashMap<(u32, u32), Range<u32>>,
    datasets: Vec<String>,
    /// Events per day and dataset (index into `datasets`), every event of the store.
    per_day: BTreeMap<i32, Vec<u64>>,
}

/// [`Side::resolved`], skipping the resolver (which splits and folds the name's words) for names already known
/// never to resolve: most stateless names in GDELT ("POLICE", "STUDENT") are such, and repeat millions of times.
fn resolved<'s>(
    side: Side<'s>,
    resolver: Option<&'s Resolver>,
    day: i32,
    may_resolve: &mut HashMap<Box<str>, bool>,
) -> (Side<'s>, bool) {
    if side.country.is_none()
        && let (Some(r), Some(name)) = (resolver, side.name)
    {
        let may = match may_resolve.get(name) {
            Some(&may) => may,
            None => {
                let may = r.may_resolve(name);
                may_resolve.insert(name.into(), may);
                may
            }
        };
        if !may {
            return (side, false);
        }
    }
    side.resolved(resolver, day)
}

/// A borrowed row of the table.
#[derive(Clone, Copy)]
struct RowView<'t> {
    day: i32,
    pair: (u32, u32),
    sides: &'t Sides,
    action: &'t ActionKey,
    tone: f64,
}

impl EventTable {
    /// Reads every event of the store (the analysis columns only), resolving sides without a state by name when
    /// a resolver is given (once, at load: questions then find them in the per-state-pair index).
    pub fn from_store(
        engine: &QueryEngine,
        resolver: Option<&Resolver>,
    ) -> Result<Self, LoadError> {
        let mut names = Names::new();
        let mut datasets: Vec<String> = Vec::new();
        let mut per_day: BTreeMap<i32, Vec<u64>> = BTreeMap::new();
        let mut side_ids: HashMap<Sides, u32> = HashMap::new();
        let mut side_table = Vec::new();
        let mut action_ids: HashMap<(u32, i8, u8, u64), u16> = HashMap::new();
        let mut action_table = Vec::new();
        let mut pair_ids: HashMap<(u32, u32), u32> = HashMap::new();
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut staged: Vec<Staged> = Vec::new();
        let mut may_resolve: HashMap<Box<str>, bool> = HashMap::new();
        engine.sql_each(&format!("SELECT {ANALYSIS_COLUMNS} FROM events"), |batch| {
            let c = Columns::decode(&batch)?;
            for i in 0..c.len() {
                let ds = c.dataset.value(i);
                let dataset = match datasets.iter().position(|d| d == ds) {
                    Some(p) => p,
                    None => {
                        datasets.push(ds.to_string());
                        datasets.len() - 1
                    }
                };
                let day = c.dates.value(i);
                let counts = per_day.entry(day).or_default();
                counts.resize(datasets.len(), 0);
                counts[dataset] += 1;
                let (s, s_resolved) = resolved(c.side(0, i), resolver, day, &mut may_resolve);
                let (t, t_resolved) = resolved(c.side(3, i), resolver, day, &mut may_resolve);
                let (Some(c1), Some(c2)) = (s.country, t.country) else {
                    continue;
                };
                let key = (names.intern(Some(c1)), names.intern(Some(c2)));
                let pair = *pair_ids.entry(key).or_insert_with(|| {
                    pairs.push(key);
                    pairs.len() as u32 - 1
                });
                let sides = Sides {
                    actor: [names.intern(s.actor), names.intern(t.actor)],
                    kind: [names.intern(s.kind), names.intern(t.kind)],
                    resolved: s_resolved || t_resolved,
                };
                let sides = *side_ids.entry(sides).or_insert_with(|| {
                    side_table.push(sides);
                    side_table.len() as u32 - 1
                });
                let act = c.action(i);
                let key = ActionKey {
                    code: names.intern(Some(act.code)),
                    quad_class: act.quad_class,
                    dataset: dataset as u8,
                    goldstein: act.goldstein,
                };
                let action = match action_ids.get(&key.bits()) {
                    Some(&id) => id,
                    None => {
                        let id = u16::try_from(action_table.len()).map_err(|_| {
                            LoadError::Schema(
                                "more than 65,536 distinct (event code, QuadClass, Goldstein, dataset) \
                                 combinations: too many for the server's table"
                                    .into(),
                            )
                        })?;
                        action_ids.insert(key.bits(), id);
                        action_table.push(key);
                        id
                    }
                };
                staged.push(Staged {
                    pair,
                    day,
                    sides,
                    action,
                    tone: act.tone,
                });
            }
            Ok::<(), LoadError>(())
        })?;
        if datasets.len() > usize::from(u8::MAX) {
            return Err(LoadError::Schema("more than 255 datasets".into()));
        }
        for counts in per_day.values_mut() {
            counts.resize(datasets.len(), 0);
        }
        let first_day = per_day.keys().next().copied().unwrap_or(0);
        if let Some(&last) = per_day.keys().next_back()
            && last - first_day > i32::from(u16::MAX)
        {
            return Err(LoadError::Schema(format!(
                "the store spans {} days; the server's table holds at most 65,536 (about 179 years)",
                last - first_day + 1
            )));
        }
        // Group by pair (in a stable order of the pairs' states), then by day; ties keep the store's order.
        let rank: Vec<u32> = {
            let mut order: Vec<u32> = (0..pairs.len() as u32).collect();
            order.sort_by_key(|&p| {
                let (a, b) = pairs[p as usize];
                (names.get(a), names.get(b))
            });
            let mut rank = vec![0; pairs.len()];
            for (r, &p) in order.iter().enumerate() {
                rank[p as usize] = r as u32;
            }
            rank
        };
        staged.sort_by_key(|r| (rank[r.pair as usize], r.day));
        let mut by_pair: HashMap<(u32, u32), Range<u32>> = HashMap::new();
        let n = staged.len();
        let (mut days, mut sides, mut actions, mut tones) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (i, r) in staged.into_iter().enumerate() {
            let range = by_pair
                .entry(pairs[r.pair as usize])
                .or_insert(i as u32..i as u32);
            range.end = i as u32 + 1;
            days.push((r.day - first_day) as u16);
            sides.push(r.sides);
            actions.push(r.action);
            tones.push(r.tone);
        }
        Ok(EventTable {
            names,
            resolves: resolver.is_some(),
            first_day,
            days: days.into(),
            sides: sides.into(),
            actions: actions.into(),
            tones: tones.into(),
            side_table,
            action_table,
            by_pair,
            datasets,
            per_day,
        })
    }

    /// Bytes the table holds (its columns, interned values and indexes; an estimate for the hash maps). Columns
    /// opened from a saved index are memory-mapped: counted here, they are paged in only as questions touch them.
    pub fn heap_bytes(&self) -> usize {
        let strings: usize = self.names.strings.iter().map(|s| s.len() + 16).sum();
        self.days.len() * 2
            + self.sides.len() * 4
            + self.actions.len() * 2
            + self.tones.len() * 8
            + self.side_table.capacity() * std::mem::size_of::<Sides>()
            + self.action_table.capacity() * std::mem::size_of::<ActionKey>()
            + self.by_pair.capacity() * 24
            + self.per_day.len() * (48 + 8 * self.datasets.len())
            + strings * 2
            + self.names.ids.capacity() * 8
    }

    fn row(&self, pair: (u32, u32), n: u32) -> RowView<'_> {
        let n = n as usize;
        RowView {
            day: self.first_day + i32::from(self.days[n]),
            pair,
            sides: &self.side_table[self.sides[n] as usize],
            action: &self.action_table[usize::from(self.actions[n])],
            tone: self.tones[n],
        }
    }

    /// Number of events read (every event of the store, with or without states).
    pub fn len(&self) -> usize {
        self.per_day
            .values()
            .map(|c| c.iter().sum::<u64>())
            .sum::<u64>() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.per_day.is_empty()
    }

    fn side(&self, r: &RowView<'_>, which: usize) -> Side<'_> {
        let state = if which == 0 { r.pair.0 } else { r.pair.1 };
        Side {
            actor: self.names.get(r.sides.actor[which]),
            country: self.names.get(state),
            kind: self.names.get(r.sides.kind[which]),
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
        let wanted = self.wanted(selection);
        // By day, then by pair: a deterministic order whatever the order the store's files were read in.
        let mut rows: Vec<RowView<'_>> = self
            .by_pair
            .iter()
            .filter(|((c1, c2), _)| ids.contains(c1) || ids.contains(c2))
            .flat_map(|(&pair, range)| self.counted(pair, range.clone(), selection, &wanted))
            .collect();
        rows.sort_by_key(|r| (r.day, self.names.get(r.pair.0), self.names.get(r.pair.1)));
        for r in rows {
            collector.add(r.day, self.side(&r, 0), self.side(&r, 1), self.action(&r));
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

    /// The rows of one pair (sorted by day) that the selection counts: in its window and datasets, and not
    /// resolved by name when resolution is off.
    fn counted<'a>(
        &'a self,
        pair: (u32, u32),
        rows: Range<u32>,
        selection: &'a Selection,
        wanted: &'a [bool],
    ) -> impl Iterator<Item = RowView<'a>> + 'a {
        // Rows are sorted by day: skip straight to the window, stop after it.
        let days = &self.days[rows.start as usize..rows.end as usize];
        let skip = selection.from.map_or(0, |f| {
            days.partition_point(|&d| self.first_day + i32::from(d) < f)
        });
        (rows.start + skip as u32..rows.end)
            .map(move |n| self.row(pair, n))
            .take_while(|r| selection.in_window(r.day))
            .filter(|r| {
                wanted[usize::from(r.action.dataset)] && (selection.resolve || !r.sides.resolved)
            })
    }

    fn action(&self, r: &RowView<'_>) -> Action<'_> {
        Action {
            code: self.names.get(r.action.code).unwrap_or(""),
            quad_class: r.action.quad_class,
            goldstein: r.action.goldstein,
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
                let Some(range) = self.by_pair.get(&(c1, c2)) else {
                    continue;
                };
                let known = state_actor(c1).zip(state_actor(c2));
                if matches!(known, Some((s, d)) if s == d) {
                    continue;
                }
                for r in self.counted((c1, c2), range.clone(), selection, &wanted) {
                    let action = self.action(&r);
                    let event = match known {
                        Some((src, dst)) => Some(action.event(r.day, src, dst)),
                        None => matcher.event(r.day, self.side(&r, 0), self.side(&r, 1), action),
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
