//! A temporal-rule model in the spirit of TLogic (Liu et al., AAAI 2022), kept to rules of length one so it
//! learns in seconds.
//!
//! A rule `b ⇒ r` reads "if `(s, b, o, t')` happened, `(s, r, o, t)` tends to follow at `t > t'`"; `b` may be
//! any other relation or an inverse one (`(o, b, s)` ⇒ `(s, r, o)`: reciprocity); `b = r` is left to the
//! recurrency term ψ. A rule's confidence is its precision as a predictor on the training queries: of the
//! candidates `o` it proposes for `(s, r, ?, t)` (every object of `(s, b, ·)` before `t`, weighted by the
//! recency of its latest grounding), the share that were the answer (smoothed). Decay, smoothing and
//! thresholds were chosen by validation MRR on ICEWS14.
//! For a query, each of the `bodies` most confident rules of `r` adds, for every grounding, its confidence
//! times the recency weight 2^(−λ (t − t')); the sum is normalised and mixed with the relation's object
//! shares exactly as the recurrency baseline mixes ψ and ξ, with λ and α chosen per relation on validation.

use std::collections::{HashMap, HashSet};

use super::eval::Scores;
use super::recurrency::decay;
use super::{History, Quad};

/// Smoothing of confidences: a rule with few proposals should not look perfect.
const CONFIDENCE_PRIOR: f64 = 3.0;
/// When learning, a proposal counts with weight 2^(−0.02 Δt) (Δt in hours: half-weight after about two days),
/// so rules are judged on what their recent groundings predict.
const LEARNING_DECAY: f64 = 0.02;
/// Rules whose (recency-weighted) hits on the training queries sum to less than this are dropped as noise.
const MIN_HITS: f64 = 1.0;
/// How many rules per head relation are kept, most confident first.
pub const DEFAULT_BODIES: usize = 150;

/// Learned rules `b ⇒ r`, the best `bodies` per head relation.
#[derive(Debug, Clone)]
pub struct RuleModel {
    /// Per head relation: `(body relation, confidence)`, most confident first.
    pub rules: Vec<Vec<(u32, f64)>>,
}

impl RuleModel {
    /// Learns confidences from `queries` (sorted by time), each seeing the history of `facts` before it.
    pub fn learn(facts: &[Quad], queries: &[Quad], num_relations: usize, bodies: usize) -> Self {
        let mut history = History::new(facts, num_relations);
        // The relations each subject has used so far (the bodies that can propose for its queries).
        let mut relations_of: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut used: HashSet<(u32, u32)> = HashSet::new();
        let mut proposed: HashMap<(u32, u32), f64> = HashMap::new();
        let mut hits: HashMap<(u32, u32), f64> = HashMap::new();
        for q in queries {
            for f in history.advance(q.t) {
                if used.insert((f.r, f.s)) {
                    relations_of.entry(f.s).or_default().push(f.r);
                }
            }
            let Some(bodies_of_s) = relations_of.get(&q.s) else {
                continue;
            };
            for &b in bodies_of_s {
                // Each proposed object counts with the recency of its latest grounding.
                let (mut proposals, mut hit) = (0.0, 0.0);
                for &(o, t) in history.latest(b, q.s) {
                    let weight = decay(LEARNING_DECAY, q.t - t);
                    proposals += weight;
                    if o == q.o {
                        hit = weight;
                    }
                }
                *proposed.entry((b, q.r)).or_insert(0.0) += proposals;
                if hit > 0.0 {
                    *hits.entry((b, q.r)).or_insert(0.0) += hit;
                }
            }
        }
        let mut rules = vec![Vec::new(); num_relations];
        for ((b, r), n) in hits {
            if n < MIN_HITS || b == r {
                continue;
            }
            let confidence = n / (proposed[&(b, r)] + CONFIDENCE_PRIOR);
            rules[r as usize].push((b, confidence));
        }
        for list in &mut rules {
            list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            list.truncate(bodies);
        }
        Self { rules }
    }

    /// How many rules were kept.
    pub fn len(&self) -> usize {
        self.rules.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl RuleModel {
    /// Adds `weight ×` the rules' evidence for the candidates of `q`: a noisy-or over rules of each rule's
    /// confidence times the recency of its latest grounding.
    pub fn add(
        &self,
        history: &History<'_>,
        q: &Quad,
        lambda: f64,
        weight: f64,
        scores: &mut Scores,
    ) {
        let Some(rules) = self.rules.get(q.r as usize) else {
            return;
        };
        if weight == 0.0 {
            return;
        }
        for &(b, confidence) in rules {
            for &(o, t) in history.latest(b, q.s) {
                let p = (confidence * decay(lambda, q.t - t)).min(0.999_999);
                // Noisy-or across rules, as a sum of −ln(1 − p): the same order as 1 − Π(1 − p).
                scores.add(o, -weight * (-p).ln_1p());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: u32, r: u32, o: u32, t: i64) -> Quad {
        Quad { s, r, o, t }
    }

    #[test]
    fn a_reliable_body_relation_gets_a_high_confidence() {
        // Relation 0 is always followed by relation 1 on the same pair; relation 2 proposes noise.
        let mut facts = Vec::new();
        for k in 0..40u32 {
            let t = k as i64 * 48;
            facts.push(q(k % 5, 0, 10 + k % 3, t));
            facts.push(q(k % 5, 1, 10 + k % 3, t + 24));
            facts.push(q(k % 5, 2, 20 + k, t));
        }
        facts.sort_by_key(|f| f.t);
        let queries: Vec<Quad> = facts.iter().filter(|f| f.r == 1).copied().collect();
        let model = RuleModel::learn(&facts, &queries, 3, 5);
        let conf = |b: u32| {
            model.rules[1]
                .iter()
                .find(|x| x.0 == b)
                .map_or(0.0, |x| x.1)
        };
        assert!(conf(0) > 0.3, "{:?}", model.rules[1]);
        assert!(conf(0) > 5.0 * conf(2), "{:?}", model.rules[1]);
        assert_eq!(model.rules[1][0].0, 0);
    }
}
