//! Temporal-knowledge-graph forecasting: data, the evaluation protocol and the models.
//!
//! A TKG is a set of facts `(subject, relation, object, time)`. Forecasting asks, for each test fact, two
//! queries: `(s, r, ?, t)` and `(?, r, o, t)`. As is standard, the second is asked as `(o, r⁻¹, ?, t)` with an
//! inverse relation `r + R`, so every model only ever predicts objects. Models see the true history strictly
//! before `t` (single-step forecasting).

pub mod combiner;
mod eval;
mod fit;
mod history;
mod load;
pub mod recurrency;
pub mod rules;

pub use eval::{Filter, Metrics, RankCounts, Scores, TieBreak, evaluate_ranks};
pub use fit::{Fitted, Fitting, ModelKind};
pub use history::History;
pub use load::{TkgError, load_benchmark, load_dataset, load_tgb_edgelist};

use std::collections::HashMap;

/// One fact. `r` may be an inverse relation (`r >= num_relations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quad {
    pub s: u32,
    pub r: u32,
    pub o: u32,
    /// Time in the dataset's own units (the ICEWS benchmarks count hours in steps of 24).
    pub t: i64,
}

/// A temporal knowledge graph split chronologically for forecasting.
#[derive(Debug, Clone, Default)]
pub struct TkgData {
    pub entities: Vec<String>,
    /// Names of the base relations (without inverses).
    pub relations: Vec<String>,
    pub train: Vec<Quad>,
    pub valid: Vec<Quad>,
    pub test: Vec<Quad>,
    /// Time units per day (24 for the ICEWS benchmarks and for graphs built from a store).
    pub units_per_day: i64,
    /// The date of time 0 as days since 1970-01-01, when known (graphs built from a store).
    pub day_zero: Option<i32>,
}

impl TkgData {
    pub fn num_entities(&self) -> usize {
        self.entities.len()
    }

    /// Base relations; with inverses there are twice as many.
    pub fn num_relations(&self) -> usize {
        self.relations.len()
    }

    /// Builds a TKG from named facts `(subject, relation, object, day)`, split chronologically: the last
    /// `test_days` days are the test set, the `valid_days` before them the validation set.
    pub fn from_named(
        facts: &[(String, String, String, i32)],
        valid_days: i32,
        test_days: i32,
    ) -> Result<Self, TkgError> {
        let mut entity_ids: HashMap<&str, u32> = HashMap::new();
        let mut relation_ids: HashMap<&str, u32> = HashMap::new();
        // Times are kept in hours in steps of 24, like the ICEWS benchmarks, so the models' decay rates mean
        // the same on a store as on the benchmarks.
        let mut data = TkgData {
            units_per_day: 24,
            day_zero: Some(0),
            ..Default::default()
        };
        let Some(last_day) = facts.iter().map(|f| f.3).max() else {
            return Err(TkgError::Empty("no facts to forecast from".into()));
        };
        let test_from = last_day - test_days + 1;
        let valid_from = test_from - valid_days;
        let mut quads = Vec::with_capacity(facts.len());
        for (s, r, o, day) in facts {
            let s = intern(&mut entity_ids, &mut data.entities, s);
            let o = intern(&mut entity_ids, &mut data.entities, o);
            let r = intern(&mut relation_ids, &mut data.relations, r);
            quads.push(Quad {
                s,
                r,
                o,
                t: *day as i64 * 24,
            });
        }
        quads.sort_unstable_by_key(|q| (q.t, q.s, q.r, q.o));
        quads.dedup();
        for q in quads {
            let day = (q.t / 24) as i32;
            if day >= test_from {
                data.test.push(q);
            } else if day >= valid_from {
                data.valid.push(q);
            } else {
                data.train.push(q);
            }
        }
        if data.train.is_empty() || data.valid.is_empty() || data.test.is_empty() {
            return Err(TkgError::Empty(format!(
                "splitting {} facts into train / last {valid_days} days valid / last {test_days} days test left a split empty \
                 (train {}, valid {}, test {})",
                facts.len(),
                data.train.len(),
                data.valid.len(),
                data.test.len()
            )));
        }
        Ok(data)
    }

    /// Every fact of the three splits with its inverse, sorted by time: the history models draw from when
    /// they answer the test queries.
    pub fn all_with_inverses(&self) -> Vec<Quad> {
        self.with_inverses(&[&self.train, &self.valid, &self.test])
    }

    /// The facts of `splits` with their inverses, sorted by time.
    pub fn with_inverses(&self, splits: &[&[Quad]]) -> Vec<Quad> {
        let mut all: Vec<Quad> =
            Vec::with_capacity(2 * splits.iter().map(|s| s.len()).sum::<usize>());
        for q in splits.iter().flat_map(|s| s.iter()) {
            all.push(*q);
            all.push(self.inverse(*q));
        }
        all.sort_unstable_by_key(|q| (q.t, q.r, q.s, q.o));
        all
    }

    /// The object and subject queries of a split, sorted by time.
    pub fn queries(&self, split: &[Quad]) -> Vec<Quad> {
        let mut out: Vec<Quad> = split.iter().flat_map(|q| [*q, self.inverse(*q)]).collect();
        out.sort_unstable_by_key(|q| (q.t, q.r, q.s, q.o));
        out.dedup();
        out
    }

    pub fn inverse(&self, q: Quad) -> Quad {
        let n = self.num_relations() as u32;
        let r = if q.r < n { q.r + n } else { q.r - n };
        Quad {
            s: q.o,
            r,
            o: q.s,
            t: q.t,
        }
    }

    /// Days since 1970-01-01 of a time stamp if the calendar is known, else days since time 0 (as `Err`).
    pub fn day_of(&self, t: i64) -> Result<i32, i64> {
        let day = t / self.units_per_day.max(1);
        match self.day_zero {
            Some(zero) => Ok(zero + day as i32),
            None => Err(day),
        }
    }

    /// The name of a relation, inverses shown as `name⁻¹`.
    pub fn relation_name(&self, r: u32) -> String {
        let n = self.num_relations();
        match self.relations.get(r as usize % n.max(1)) {
            Some(name) if (r as usize) < n => name.clone(),
            Some(name) => format!("{name}⁻¹"),
            None => format!("relation {r}"),
        }
    }
}

/// Queries are replayed in contiguous chunks, in parallel, each chunk with its own history. A fixed number
/// keeps results (random tie breaking included) the same on any machine; on large graphs fewer chunks
/// bound memory, since every chunk indexes the whole history it has passed.
pub(crate) fn replay_chunks(facts: usize) -> usize {
    /// Facts (inverses included) beyond which a graph is large.
    const LARGE: usize = 4_000_000;
    if facts > LARGE { 2 } else { 8 }
}

/// Walks `queries` (sorted by time) in [`replay_chunks`] parallel chunks. Each chunk makes its own index of
/// the history with `new_index` and brings it up to every query's time with `advance` (facts strictly before
/// it) before `visit`. Returns one accumulator per chunk, in order.
pub(crate) fn replay<I, A: Send>(
    facts: usize,
    queries: &[Quad],
    new_index: impl Fn() -> I + Sync,
    advance: impl Fn(&mut I, i64) + Sync,
    init: impl Fn(usize) -> A + Sync,
    visit: impl Fn(&I, &Quad, &mut A) + Sync,
) -> Vec<A> {
    use rayon::prelude::*;
    let chunk_len = queries.len().div_ceil(replay_chunks(facts)).max(1);
    queries
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(i, chunk)| {
            let mut index = new_index();
            let mut acc = init(i);
            for q in chunk {
                advance(&mut index, q.t);
                visit(&index, q, &mut acc);
            }
            acc
        })
        .collect()
}

/// Answers `queries` (sorted by time): per chunk of [`replay`] an index of the history (`new_index`,
/// `advance`) and scratch space (`new_work`); `score` fills each query's scores, which are ranked under the
/// time-aware filter and `policy`. Returns the metrics and whatever `per_query` makes of each query's scores,
/// in query order.
#[allow(clippy::too_many_arguments)]
pub(crate) fn answer<I, W: Send, T: Send>(
    facts: usize,
    queries: &[Quad],
    num_entities: usize,
    policy: TieBreak,
    new_index: impl Fn() -> I + Sync,
    advance: impl Fn(&mut I, i64) + Sync,
    new_work: impl Fn() -> W + Sync,
    score: impl Fn(&I, &Quad, &mut W, &mut Scores) + Sync,
    per_query: impl Fn(&Quad, &Scores) -> T + Sync,
) -> (Metrics, Vec<T>) {
    let filter = Filter::time_aware(queries);
    let init = |i| {
        (
            Metrics::with_stream(policy, i as u64),
            new_work(),
            Scores::new(num_entities),
            Vec::new(),
        )
    };
    let chunks = replay(
        facts,
        queries,
        new_index,
        advance,
        init,
        |index, q, (metrics, work, scores, out)| {
            scores.clear();
            score(index, q, work, scores);
            metrics.add(scores.rank_counts(q.o, filter.answers(q)));
            out.push(per_query(q, scores));
        },
    );
    let mut total = Metrics::new(policy);
    let mut outputs = Vec::with_capacity(queries.len());
    for (metrics, _, _, out) in chunks {
        total.merge(&metrics);
        outputs.extend(out);
    }
    (total, outputs)
}

/// About `max` of `queries` (all of them when there are fewer), evenly spread and reproducible: whole
/// `(time, subject, relation)` groups are kept or dropped by a hash of the group, so the time-aware filter
/// still knows every answer of a kept query.
pub fn sample_queries(queries: &[Quad], max: usize) -> Vec<Quad> {
    if queries.len() <= max {
        return queries.to_vec();
    }
    let keep = max as f64 / queries.len() as f64;
    queries
        .iter()
        .filter(|q| {
            let key = (q.t as u64)
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .wrapping_add(((q.s as u64) << 32) | q.r as u64);
            (splitmix(key) >> 11) as f64 / (1u64 << 53) as f64 <= keep
        })
        .copied()
        .collect()
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn intern<'a>(ids: &mut HashMap<&'a str, u32>, names: &mut Vec<String>, name: &'a str) -> u32 {
    *ids.entry(name).or_insert_with(|| {
        names.push(name.to_string());
        (names.len() - 1) as u32
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_facts_split_by_date_and_get_inverse_queries() {
        let f =
            |s: &str, r: &str, o: &str, d: i32| (s.to_string(), r.to_string(), o.to_string(), d);
        let facts = vec![
            f("A", "x", "B", 0),
            f("A", "x", "B", 0),
            f("B", "y", "C", 5),
            f("C", "x", "A", 8),
            f("A", "y", "C", 9),
        ];
        let data = TkgData::from_named(&facts, 3, 2).unwrap();
        // Days 8 and 9 are the test set, day 5 validation; the repeated fact on day 0 counts once.
        assert_eq!(
            (data.train.len(), data.valid.len(), data.test.len()),
            (1, 1, 2)
        );
        assert_eq!(data.entities, ["A", "B", "C"]);
        let queries = data.queries(&data.test);
        assert_eq!(queries.len(), 4);
        assert!(queries.iter().any(|q| data.relation_name(q.r) == "y⁻¹"));
        assert_eq!(queries[0].t, 8 * 24);
        assert!(
            TkgData::from_named(&facts, 0, 2).is_err(),
            "an empty validation split is an error"
        );
    }
}
