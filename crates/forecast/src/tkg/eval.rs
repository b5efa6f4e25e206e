//! The evaluation protocol: time-aware filtered ranks, tie policies, MRR and Hits@k.
//!
//! For a query `(s, r, ?, t)` with answer `o`, the rank of `o` counts the entities scored higher, after
//! removing the *other* true answers of `(s, r, ?, t)` at the same time `t` ("time-aware filter", Han et al.
//! 2021; the protocol of RE-GCN, TLogic and the recurrency baseline). Entities with the same score as `o` are
//! ties; how they are broken matters a lot for models that leave most entities at zero.

use std::collections::HashMap;

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::Quad;

/// Sparse scores over entities for one query; every entity not touched scores 0. Reused across queries.
#[derive(Debug, Clone)]
pub struct Scores {
    dense: Vec<f64>,
    touched: Vec<u32>,
}

impl Scores {
    pub fn new(num_entities: usize) -> Self {
        Self {
            dense: vec![0.0; num_entities],
            touched: Vec::new(),
        }
    }

    /// Adds to an entity's score; zeros are skipped so every touched entity scores above zero.
    pub fn add(&mut self, entity: u32, value: f64) {
        if value == 0.0 {
            return;
        }
        let slot = &mut self.dense[entity as usize];
        if *slot == 0.0 {
            self.touched.push(entity);
        }
        *slot += value;
    }

    pub fn get(&self, entity: u32) -> f64 {
        self.dense[entity as usize]
    }

    /// Entities that may have a non-zero score (a touched entity can sum back to 0).
    pub fn touched(&self) -> &[u32] {
        &self.touched
    }

    pub fn num_entities(&self) -> usize {
        self.dense.len()
    }

    pub fn clear(&mut self) {
        for &e in &self.touched {
            self.dense[e as usize] = 0.0;
        }
        self.touched.clear();
    }

    /// The (greater, tied) counts of `target` among all entities, skipping `filtered` (the other true
    /// answers). Scores must not be negative.
    pub fn rank_counts(&self, target: u32, filtered: &[u32]) -> RankCounts {
        let mut counter = RankCounter::new(self.get(target), target, filtered);
        for &e in &self.touched {
            counter.see(e, self.dense[e as usize]);
        }
        counter.finish(self.dense.len())
    }

    /// Like [`Scores::rank_counts`] for the weighted sum of several score sets, without materialising it.
    pub fn mixed_rank_counts(
        parts: &[(f64, &Scores)],
        target: u32,
        filtered: &[u32],
    ) -> RankCounts {
        let value = |e: u32| parts.iter().map(|(w, s)| w * s.get(e)).sum::<f64>();
        let mut counter = RankCounter::new(value(target), target, filtered);
        for (i, (_, part)) in parts.iter().enumerate() {
            for &e in &part.touched {
                // Count each entity once: in the first part that touched it.
                if parts[..i].iter().all(|(_, earlier)| earlier.get(e) == 0.0) {
                    counter.see(e, value(e));
                }
            }
        }
        counter.finish(parts.first().map_or(0, |p| p.1.dense.len()))
    }
}

/// Counts, over the non-zero scores, how many beat or tie the target's.
struct RankCounter<'f> {
    target_score: f64,
    target: u32,
    filtered: &'f [u32],
    greater: u64,
    equal: u64,
}

impl<'f> RankCounter<'f> {
    fn new(target_score: f64, target: u32, filtered: &'f [u32]) -> Self {
        Self {
            target_score,
            target,
            filtered,
            greater: 0,
            equal: 0,
        }
    }

    fn see(&mut self, e: u32, v: f64) {
        if e == self.target || self.filtered.contains(&e) {
            return;
        }
        if v > self.target_score {
            self.greater += 1;
        } else if v == self.target_score {
            self.equal += 1;
        }
    }

    fn finish(self, num_entities: usize) -> RankCounts {
        let ties = if self.target_score > 0.0 {
            self.equal
        } else {
            // Everything neither filtered nor scored higher ties with a zero score, touched or not.
            let others =
                (num_entities - 1 - self.filtered.iter().filter(|&&e| e != self.target).count())
                    as u64;
            others - self.greater
        };
        RankCounts {
            greater: self.greater,
            ties,
        }
    }
}

/// How many candidates outrank the answer, and how many tie with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RankCounts {
    pub greater: u64,
    pub ties: u64,
}

/// How ties with the answer are broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TieBreak {
    /// The answer lands at a uniformly random place among its ties (seeded): the default, and fair.
    Random { seed: u64 },
    /// The answer ranks first among its ties ("best rank", as some older papers reported).
    Optimistic,
    /// The expectation under random placement, computed exactly (no noise; used to select parameters).
    Expected,
}

/// MRR and Hits@1/3/10 accumulated over queries.
#[derive(Debug, Clone)]
pub struct Metrics {
    policy: TieBreak,
    rng: ChaCha8Rng,
    pub queries: u64,
    reciprocal: f64,
    hits: [f64; 3],
}

const HITS_AT: [u64; 3] = [1, 3, 10];

impl Metrics {
    pub fn new(policy: TieBreak) -> Self {
        Self::with_stream(policy, 0)
    }

    /// A random tie stream derived from the seed and `stream`, so work split in fixed chunks stays
    /// reproducible whatever the number of threads.
    pub fn with_stream(policy: TieBreak, stream: u64) -> Self {
        let seed = if let TieBreak::Random { seed } = policy {
            seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        } else {
            0
        };
        Self {
            policy,
            rng: ChaCha8Rng::seed_from_u64(seed),
            queries: 0,
            reciprocal: 0.0,
            hits: [0.0; 3],
        }
    }

    pub fn add(&mut self, c: RankCounts) {
        self.queries += 1;
        match self.policy {
            TieBreak::Optimistic => self.add_rank(c.greater + 1),
            TieBreak::Random { .. } => {
                let extra = if c.ties == 0 {
                    0
                } else {
                    self.rng.random_range(0..=c.ties)
                };
                self.add_rank(c.greater + 1 + extra)
            }
            TieBreak::Expected => {
                // Rank is uniform on greater+1 ..= greater+1+ties.
                let n = (c.ties + 1) as f64;
                self.reciprocal += (harmonic(c.greater + 1 + c.ties) - harmonic(c.greater)) / n;
                for (h, &k) in self.hits.iter_mut().zip(&HITS_AT) {
                    let inside = k.saturating_sub(c.greater).min(c.ties + 1);
                    *h += inside as f64 / n;
                }
            }
        }
    }

    fn add_rank(&mut self, rank: u64) {
        self.reciprocal += 1.0 / rank as f64;
        for (h, &k) in self.hits.iter_mut().zip(&HITS_AT) {
            if rank <= k {
                *h += 1.0;
            }
        }
    }

    /// Adds another accumulator's queries (its random stream is not carried over).
    pub fn merge(&mut self, other: &Metrics) {
        self.queries += other.queries;
        self.reciprocal += other.reciprocal;
        for (a, b) in self.hits.iter_mut().zip(other.hits) {
            *a += b;
        }
    }

    pub fn mrr(&self) -> f64 {
        self.reciprocal / self.queries.max(1) as f64
    }

    /// Hits@1, Hits@3, Hits@10.
    pub fn hits(&self) -> [f64; 3] {
        self.hits.map(|h| h / self.queries.max(1) as f64)
    }
}

/// H(n) = 1 + 1/2 + … + 1/n, exactly for small n and by its asymptotic series beyond.
fn harmonic(n: u64) -> f64 {
    if n < 64 {
        return (1..=n).map(|k| 1.0 / k as f64).sum();
    }
    let x = n as f64;
    const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;
    x.ln() + EULER_GAMMA + 1.0 / (2.0 * x) - 1.0 / (12.0 * x * x) + 1.0 / (120.0 * x.powi(4))
}

/// The true answers of every `(t, s, r)` among a set of queries: what the time-aware filter removes.
#[derive(Debug, Default)]
pub struct Filter {
    answers: HashMap<(i64, u32, u32), Vec<u32>>,
}

impl Filter {
    pub fn time_aware(queries: &[Quad]) -> Self {
        let mut answers: HashMap<(i64, u32, u32), Vec<u32>> = HashMap::new();
        for q in queries {
            let list = answers.entry((q.t, q.s, q.r)).or_default();
            if !list.contains(&q.o) {
                list.push(q.o);
            }
        }
        Self { answers }
    }

    /// The true answers of the query's `(t, s, r)`, including its own.
    pub fn answers(&self, q: &Quad) -> &[u32] {
        self.answers
            .get(&(q.t, q.s, q.r))
            .map_or(&[], Vec::as_slice)
    }
}

/// Scores every query with `score` (which fills `Scores` from the history before the query's time) and
/// accumulates metrics. Queries must be sorted by time.
pub fn evaluate_ranks(
    queries: &[Quad],
    filter: &Filter,
    num_entities: usize,
    policy: TieBreak,
    mut score: impl FnMut(&Quad, &mut Scores),
) -> Metrics {
    let mut metrics = Metrics::new(policy);
    let mut scores = Scores::new(num_entities);
    for q in queries {
        scores.clear();
        score(q, &mut scores);
        metrics.add(scores.rank_counts(q.o, filter.answers(q)));
    }
    metrics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_skip_other_true_answers_and_count_zero_ties() {
        let mut s = Scores::new(10);
        s.add(1, 0.5);
        s.add(2, 0.9);
        s.add(3, 0.5);
        s.add(4, 0.7);
        // Target 1 (0.5): 2 and 4 are higher, but 4 is another true answer; 3 ties.
        assert_eq!(
            s.rank_counts(1, &[1, 4]),
            RankCounts {
                greater: 1,
                ties: 1
            }
        );
        // Target 7 (0): four scored entities are higher; the other five zeros tie.
        assert_eq!(
            s.rank_counts(7, &[7]),
            RankCounts {
                greater: 4,
                ties: 5
            }
        );
        assert_eq!(
            s.rank_counts(7, &[7, 8]),
            RankCounts {
                greater: 4,
                ties: 4
            }
        );
        let mut other = Scores::new(10);
        other.add(5, 1.0);
        other.add(1, 1.0);
        // 0.5·s + 0.5·other: 1 → 0.75, 2 → 0.45, 3 → 0.25, 4 → 0.35, 5 → 0.5.
        let parts = [(0.5, &s), (0.5, &other)];
        assert_eq!(
            Scores::mixed_rank_counts(&parts, 5, &[5]),
            RankCounts {
                greater: 1,
                ties: 0
            }
        );
        assert_eq!(
            Scores::mixed_rank_counts(&parts, 9, &[9]),
            RankCounts {
                greater: 5,
                ties: 4
            }
        );
    }

    #[test]
    fn tie_policies_agree_without_ties_and_bracket_each_other_with_them() {
        let c = RankCounts {
            greater: 2,
            ties: 0,
        };
        for p in [
            TieBreak::Optimistic,
            TieBreak::Expected,
            TieBreak::Random { seed: 3 },
        ] {
            let mut m = Metrics::new(p);
            m.add(c);
            assert!((m.mrr() - 1.0 / 3.0).abs() < 1e-12);
            assert_eq!(m.hits(), [0.0, 1.0, 1.0]);
        }
        let c = RankCounts {
            greater: 0,
            ties: 3,
        };
        let mut best = Metrics::new(TieBreak::Optimistic);
        best.add(c);
        let mut expected = Metrics::new(TieBreak::Expected);
        expected.add(c);
        assert_eq!(best.mrr(), 1.0);
        assert!((expected.mrr() - (1.0 + 0.5 + 1.0 / 3.0 + 0.25) / 4.0).abs() < 1e-12);
        assert!(
            (expected.hits()[0] - 0.25).abs() < 1e-12 && (expected.hits()[1] - 0.75).abs() < 1e-12
        );
        let mut random = Metrics::new(TieBreak::Random { seed: 1 });
        for _ in 0..20_000 {
            random.add(c);
        }
        assert!(
            (random.mrr() - expected.mrr()).abs() < 0.01,
            "random ties average to the expectation"
        );
    }

    #[test]
    fn harmonic_series_is_continuous_at_the_switch() {
        let exact: f64 = (1..=64u64).map(|k| 1.0 / k as f64).sum();
        assert!((harmonic(64) - exact).abs() < 1e-12);
    }

    #[test]
    fn filter_collects_answers_per_time_subject_relation() {
        let q = |s, r, o, t| Quad { s, r, o, t };
        let f = Filter::time_aware(&[q(0, 1, 2, 5), q(0, 1, 3, 5), q(0, 1, 2, 6)]);
        assert_eq!(f.answers(&q(0, 1, 2, 5)), [2, 3]);
        assert_eq!(f.answers(&q(0, 1, 2, 6)), [2]);
    }
}
