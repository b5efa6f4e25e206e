//! The history a model may use: every fact strictly before the query time, indexed the ways the models
//! look it up. Queries arrive in time order, so the index grows incrementally.

use std::collections::HashMap;

use super::Quad;

pub struct History<'a> {
    facts: &'a [Quad],
    next: usize,
    /// `(relation, subject)` → `(object, time)` in time order.
    edges: HashMap<(u32, u32), Vec<(u32, i64)>>,
    /// `(relation, subject)` → `(object, latest time)`, one entry per object.
    latest: HashMap<(u32, u32), Vec<(u32, i64)>>,
    latest_slot: HashMap<(u32, u32, u32), usize>,
    /// Per relation: how often each object occurred, and in total.
    objects: Vec<HashMap<u32, u32>>,
    totals: Vec<u64>,
    /// Per relation: first and last time seen.
    spans: Vec<(i64, i64)>,
}

impl<'a> History<'a> {
    /// `facts` sorted by time; `num_relations` counts inverse relations too.
    pub fn new(facts: &'a [Quad], num_relations: usize) -> Self {
        debug_assert!(
            facts.windows(2).all(|w| w[0].t <= w[1].t),
            "facts must be sorted by time"
        );
        Self {
            facts,
            next: 0,
            edges: HashMap::new(),
            latest: HashMap::new(),
            latest_slot: HashMap::new(),
            objects: vec![HashMap::new(); num_relations],
            totals: vec![0; num_relations],
            spans: vec![(i64::MAX, i64::MIN); num_relations],
        }
    }

    /// Takes in every fact before `t` and returns the newly added ones.
    pub fn advance(&mut self, t: i64) -> &'a [Quad] {
        let start = self.next;
        while let Some(q) = self.facts.get(self.next).filter(|q| q.t < t) {
            self.edges.entry((q.r, q.s)).or_default().push((q.o, q.t));
            let latest = self.latest.entry((q.r, q.s)).or_default();
            let slot = *self.latest_slot.entry((q.r, q.s, q.o)).or_insert_with(|| {
                latest.push((q.o, q.t));
                latest.len() - 1
            });
            latest[slot].1 = q.t;
            *self.objects[q.r as usize].entry(q.o).or_insert(0) += 1;
            self.totals[q.r as usize] += 1;
            let span = &mut self.spans[q.r as usize];
            *span = (span.0.min(q.t), span.1.max(q.t));
            self.next += 1;
        }
        &self.facts[start..self.next]
    }

    /// Objects of `(subject, relation, ?)` so far, with their times, oldest first.
    pub fn edges(&self, relation: u32, subject: u32) -> &[(u32, i64)] {
        self.edges
            .get(&(relation, subject))
            .map_or(&[], Vec::as_slice)
    }

    /// Distinct objects of `(subject, relation, ?)` so far, each with the last time it occurred.
    pub fn latest(&self, relation: u32, subject: u32) -> &[(u32, i64)] {
        self.latest
            .get(&(relation, subject))
            .map_or(&[], Vec::as_slice)
    }

    /// How often each object occurred with `relation` (any subject), and the total.
    pub fn objects(&self, relation: u32) -> (&HashMap<u32, u32>, u64) {
        (
            &self.objects[relation as usize],
            self.totals[relation as usize],
        )
    }

    /// First and last time `relation` occurred, if it has.
    pub fn span(&self, relation: u32) -> Option<(i64, i64)> {
        let s = self.spans[relation as usize];
        (s.0 <= s.1).then_some(s)
    }
}
