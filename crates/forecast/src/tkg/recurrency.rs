//! The recurrency baseline of Gastinger et al., "History repeats itself: A Baseline for Temporal Knowledge
//! Graph Forecasting" (IJCAI 2024), and the parameter selection it uses.
//!
//! For a query `(s, r, ?, t)` every entity `o` gets
//!
//! ```text
//! score(o) = α · ψ(o) + (1 − α) · ξ(o)
//! ψ(o) = Σ_{(s, r, o, t') in the history, t' < t} 2^(−λ (t − t'))  /  Σ_{u = first_r}^{last_r − 1} 2^(−λ (t − u))
//! ξ(o) = share of `o` among the objects of relation `r` in the history
//! ```
//!
//! ψ is *strict recurrency* (the same fact happened before; recent and frequent repeats count more) and ξ
//! *relaxed recurrency* (how popular `o` is as an object of `r`). The denominator of ψ sums the decay over
//! every time unit between the first and last occurrence of `r` (in the benchmark's units, hours), as in the
//! authors' code; it does not change the order ψ gives but sets its weight against ξ. λ and α are chosen per
//! relation on the validation set from the paper's grids, each by the best validation MRR.
//!
//! The rule model in [`super::rules`] adds a third part, evidence from other relations, whose weight γ is
//! chosen the same way after λ and α.

use std::collections::HashMap;

use super::eval::{Filter, Metrics, RankCounts, Scores, TieBreak};
use super::rules::RuleModel;
use super::{History, Quad};

/// The λ grid of the paper (decay per time unit; 0 = no decay).
pub const LAMBDA_GRID: [f64; 14] = [
    0.0, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.5, 0.9, 1.0001,
];
/// The α grid of the paper (weight of ψ against ξ).
pub const ALPHA_GRID: [f64; 13] = [
    0.0, 0.00001, 0.0001, 0.001, 0.01, 0.1, 0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999, 1.0,
];
/// Used for relations absent from the validation set.
const DEFAULT_LAMBDA: f64 = 1.0001;
const DEFAULT_ALPHA: f64 = 0.99999;

/// ψ for one query: every past `(s, r, o, t')` adds `weight × 2^(−λ (t − t'))`, normalised.
pub fn add_strict_recurrency(
    history: &History<'_>,
    q: &Quad,
    lambda: f64,
    weight: f64,
    scores: &mut Scores,
) {
    let edges = history.edges(q.r, q.s);
    if edges.is_empty() || weight == 0.0 {
        return;
    }
    let w = weight / normaliser(history, q.r, q.t, lambda);
    for &(o, t) in edges {
        scores.add(o, w * decay(lambda, q.t - t));
    }
}

/// 2^(−λ Δt).
pub fn decay(lambda: f64, dt: i64) -> f64 {
    (-lambda * dt as f64).exp2()
}

/// Σ_{u = first}^{last − 1} 2^(−λ (t − u)) over the span of `relation` in the history (at least 1e-15).
pub fn normaliser(history: &History<'_>, relation: u32, t: i64, lambda: f64) -> f64 {
    let Some((first, last)) = history.span(relation) else {
        return 1e-15;
    };
    let sum = if lambda == 0.0 {
        (last - first) as f64
    } else {
        // Geometric series, written so that neither end overflows or underflows needlessly.
        (decay(lambda, t - last) - decay(lambda, t - first)) / (lambda.exp2() - 1.0)
    };
    sum.max(1e-15)
}

/// ξ: how often each object occurred with the relation, as a share.
pub fn add_object_shares(history: &History<'_>, relation: u32, weight: f64, scores: &mut Scores) {
    let (objects, total) = history.objects(relation);
    if total == 0 || weight == 0.0 {
        return;
    }
    let w = weight / total as f64;
    for (&o, &n) in objects {
        scores.add(o, w * n as f64);
    }
}

/// λ, α and (for the rule model) γ per relation, inverse relations included.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    pub lambda: Vec<f64>,
    pub alpha: Vec<f64>,
    /// Weight of the rules' evidence against ψ (0 for the plain baseline).
    pub gamma: Vec<f64>,
    /// Decay rate of the rules' evidence.
    pub rule_lambda: Vec<f64>,
    /// Validation MRR per relation of the chosen setting (NaN when the relation had no validation query).
    pub valid_mrr: Vec<f64>,
}

impl Params {
    pub fn defaults(num_relations: usize) -> Self {
        Self {
            lambda: vec![DEFAULT_LAMBDA; num_relations],
            alpha: vec![DEFAULT_ALPHA; num_relations],
            gamma: vec![0.0; num_relations],
            rule_lambda: vec![DEFAULT_LAMBDA; num_relations],
            valid_mrr: vec![f64::NAN; num_relations],
        }
    }
}

/// The γ grid: how much of the recurrency evidence the rules replace.
pub const GAMMA_GRID: [f64; 11] = [0.0, 0.0001, 0.001, 0.01, 0.1, 0.3, 0.5, 0.7, 0.9, 0.99, 1.0];

/// Walks the queries in time order (see [`super::replay`]) with a [`History`] per chunk.
fn replay<A: Send>(
    facts: &[Quad],
    queries: &[Quad],
    num_relations: usize,
    init: impl Fn(usize) -> A + Sync,
    visit: impl Fn(&History<'_>, &Quad, &mut A) + Sync,
) -> Vec<A> {
    super::replay(
        facts.len(),
        queries,
        || History::new(facts, num_relations),
        |history, t| {
            history.advance(t);
        },
        init,
        visit,
    )
}

/// Scratch space of one chunk during selection: per-relation metrics over a grid, and the score parts.
struct Selection {
    per_relation: HashMap<u32, Vec<Metrics>>,
    psi: Scores,
    rules: Scores,
    xi: Scores,
}

/// Per-relation metrics for each value of a grid, merged over chunks.
fn grid_metrics(chunks: Vec<Selection>, num_relations: usize) -> Vec<Vec<Metrics>> {
    let mut out: Vec<Vec<Metrics>> = vec![Vec::new(); num_relations];
    for chunk in chunks {
        for (r, metrics) in chunk.per_relation {
            let slot = &mut out[r as usize];
            if slot.is_empty() {
                *slot = metrics;
            } else {
                for (a, b) in slot.iter_mut().zip(&metrics) {
                    a.merge(b);
                }
            }
        }
    }
    out
}

/// Runs one selection pass: `rank` fills one rank per grid value for each query.
fn select_pass(
    facts: &[Quad],
    queries: &[Quad],
    num_entities: usize,
    num_relations: usize,
    grid_len: usize,
    rank: impl Fn(&History<'_>, &Quad, &mut Selection, &mut dyn FnMut(usize, RankCounts)) + Sync,
) -> Vec<Vec<Metrics>> {
    let init = |_| Selection {
        per_relation: HashMap::new(),
        psi: Scores::new(num_entities),
        rules: Scores::new(num_entities),
        xi: Scores::new(num_entities),
    };
    let chunks = replay(facts, queries, num_relations, init, |history, q, sel| {
        let mut slot = sel
            .per_relation
            .remove(&q.r)
            .unwrap_or_else(|| vec![Metrics::new(TieBreak::Expected); grid_len]);
        rank(history, q, sel, &mut |k, counts| slot[k].add(counts));
        sel.per_relation.insert(q.r, slot);
    });
    grid_metrics(chunks, num_relations)
}

/// Chooses λ, then α (then γ with rules) per relation by validation MRR (expected rank under random ties,
/// so no noise). `facts` is the whole history sorted by time (queries only see what precedes them);
/// `queries` the validation queries, sorted by time.
pub fn select_params(
    facts: &[Quad],
    queries: &[Quad],
    num_entities: usize,
    num_relations: usize,
    rules: Option<&RuleModel>,
) -> Params {
    let filter = Filter::time_aware(queries);
    let mut params = Params::defaults(num_relations);
    // Pass 1: λ with ψ alone.
    let per_lambda = select_pass(
        facts,
        queries,
        num_entities,
        num_relations,
        LAMBDA_GRID.len(),
        |history, q, sel, record| {
            for (k, &lambda) in LAMBDA_GRID.iter().enumerate() {
                sel.psi.clear();
                add_strict_recurrency(history, q, lambda, 1.0, &mut sel.psi);
                record(k, sel.psi.rank_counts(q.o, filter.answers(q)));
            }
        },
    );
    for (r, metrics) in per_lambda.iter().enumerate() {
        if !metrics.is_empty() {
            params.lambda[r] = best(&LAMBDA_GRID, metrics, 0.0).0;
        }
    }
    // Pass 2: α with the chosen λ.
    let lambda = params.lambda.clone();
    let per_alpha = select_pass(
        facts,
        queries,
        num_entities,
        num_relations,
        ALPHA_GRID.len(),
        |history, q, sel, record| {
            sel.psi.clear();
            sel.xi.clear();
            add_strict_recurrency(history, q, lambda[q.r as usize], 1.0, &mut sel.psi);
            add_object_shares(history, q.r, 1.0, &mut sel.xi);
            for (k, &alpha) in ALPHA_GRID.iter().enumerate() {
                record(
                    k,
                    Scores::mixed_rank_counts(
                        &[(alpha, &sel.psi), (1.0 - alpha, &sel.xi)],
                        q.o,
                        filter.answers(q),
                    ),
                );
            }
        },
    );
    for (r, metrics) in per_alpha.iter().enumerate() {
        if !metrics.is_empty() {
            let (alpha, mrr) = best(&ALPHA_GRID, metrics, 0.0);
            params.alpha[r] = alpha;
            params.valid_mrr[r] = mrr;
        }
    }
    // Pass 3: γ, the share of the rules' evidence, with λ and α fixed.
    if let Some(rules) = rules {
        // The rules' own decay rate, by their MRR alone.
        let per_lambda = select_pass(
            facts,
            queries,
            num_entities,
            num_relations,
            LAMBDA_GRID.len(),
            |history, q, sel, record| {
                for (k, &lambda) in LAMBDA_GRID.iter().enumerate() {
                    sel.rules.clear();
                    rules.add(history, q, lambda, 1.0, &mut sel.rules);
                    record(k, sel.rules.rank_counts(q.o, filter.answers(q)));
                }
            },
        );
        for (r, metrics) in per_lambda.iter().enumerate() {
            if !metrics.is_empty() {
                params.rule_lambda[r] = best(&LAMBDA_GRID, metrics, 0.0).0;
            }
        }
        let rule_lambda = params.rule_lambda.clone();
        let alpha: Vec<f64> = params.alpha.iter().map(|&a| effective_alpha(a)).collect();
        let per_gamma = select_pass(
            facts,
            queries,
            num_entities,
            num_relations,
            GAMMA_GRID.len(),
            |history, q, sel, record| {
                let r = q.r as usize;
                sel.psi.clear();
                sel.rules.clear();
                sel.xi.clear();
                add_strict_recurrency(history, q, lambda[r], 1.0, &mut sel.psi);
                rules.add(history, q, rule_lambda[r], 1.0, &mut sel.rules);
                add_object_shares(history, q.r, 1.0, &mut sel.xi);
                let a = alpha[r];
                for (k, &gamma) in GAMMA_GRID.iter().enumerate() {
                    let parts = [
                        (a * (1.0 - gamma), &sel.psi),
                        (a * gamma, &sel.rules),
                        (1.0 - a, &sel.xi),
                    ];
                    record(k, Scores::mixed_rank_counts(&parts, q.o, filter.answers(q)));
                }
            },
        );
        for (r, metrics) in per_gamma.iter().enumerate() {
            if !metrics.is_empty() {
                let (gamma, mrr) = best(&GAMMA_GRID, metrics, 0.0);
                params.gamma[r] = gamma;
                params.valid_mrr[r] = mrr;
            }
        }
        // α again, now that the rules share ψ's weight.
        let gamma = params.gamma.clone();
        let per_alpha = select_pass(
            facts,
            queries,
            num_entities,
            num_relations,
            ALPHA_GRID.len(),
            |history, q, sel, record| {
                let r = q.r as usize;
                sel.psi.clear();
                sel.rules.clear();
                sel.xi.clear();
                add_strict_recurrency(history, q, lambda[r], 1.0 - gamma[r], &mut sel.psi);
                rules.add(history, q, rule_lambda[r], gamma[r], &mut sel.psi);
                add_object_shares(history, q.r, 1.0, &mut sel.xi);
                for (k, &alpha) in ALPHA_GRID.iter().enumerate() {
                    let alpha = effective_alpha(alpha);
                    record(
                        k,
                        Scores::mixed_rank_counts(
                            &[(alpha, &sel.psi), (1.0 - alpha, &sel.xi)],
                            q.o,
                            filter.answers(q),
                        ),
                    );
                }
            },
        );
        for (r, metrics) in per_alpha.iter().enumerate() {
            if !metrics.is_empty() {
                let (alpha, mrr) = best(&ALPHA_GRID, metrics, params.alpha[r]);
                if mrr >= params.valid_mrr[r] {
                    params.alpha[r] = alpha;
                    params.valid_mrr[r] = mrr;
                }
            }
        }
    }
    params
}

/// The first grid value with the highest MRR; `fallback` when none beats zero (as the authors' code does).
fn best(grid: &[f64], metrics: &[Metrics], fallback: f64) -> (f64, f64) {
    let mut best = (fallback, 0.0);
    for (&value, m) in grid.iter().zip(metrics) {
        if m.mrr() > best.1 {
            best = (value, m.mrr());
        }
    }
    best
}

/// Scores the queries (sorted by time) with the selected parameters and returns the metrics under
/// `policy`, and whatever `per_query` makes of each query's scores, in query order.
#[allow(clippy::too_many_arguments)]
pub fn evaluate<T: Send>(
    facts: &[Quad],
    queries: &[Quad],
    num_entities: usize,
    num_relations: usize,
    rules: Option<&RuleModel>,
    params: &Params,
    policy: TieBreak,
    per_query: impl Fn(&Quad, &Scores) -> T + Sync,
) -> (Metrics, Vec<T>) {
    super::answer(
        facts.len(),
        queries,
        num_entities,
        policy,
        || History::new(facts, num_relations),
        |history, t| {
            history.advance(t);
        },
        || (),
        |history, q, _, scores| score_query(history, rules, params, q, scores),
        per_query,
    )
}

/// An α of exactly 1 becomes 0.99999 so ξ still orders what ψ leaves at zero (as the authors do).
fn effective_alpha(alpha: f64) -> f64 {
    if alpha >= 1.0 { DEFAULT_ALPHA } else { alpha }
}

/// α ((1 − γ) ψ + γ R) + (1 − α) ξ for one query, R being the rules' evidence (none for the baseline).
pub fn score_query(
    history: &History<'_>,
    rules: Option<&RuleModel>,
    params: &Params,
    q: &Quad,
    scores: &mut Scores,
) {
    let r = q.r as usize;
    let alpha = effective_alpha(params.alpha[r]);
    let gamma = if rules.is_some() {
        params.gamma[r]
    } else {
        0.0
    };
    add_strict_recurrency(history, q, params.lambda[r], alpha * (1.0 - gamma), scores);
    if let Some(rules) = rules {
        rules.add(history, q, params.rule_lambda[r], alpha * gamma, scores);
    }
    add_object_shares(history, q.r, 1.0 - alpha, scores);
}

/// The `k` best-scored entities, best first (ties by entity id).
pub fn top_k(scores: &Scores, k: usize) -> Vec<(u32, f64)> {
    let mut all: Vec<(u32, f64)> = scores
        .touched()
        .iter()
        .map(|&e| (e, scores.get(e)))
        .filter(|p| p.1 > 0.0)
        .collect();
    all.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    all.truncate(k);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(s: u32, r: u32, o: u32, t: i64) -> Quad {
        Quad { s, r, o, t }
    }

    #[test]
    fn normaliser_is_the_sum_it_stands_for() {
        let facts = [q(0, 0, 1, 24), q(0, 0, 2, 120)];
        let mut h = History::new(&facts, 1);
        h.advance(200);
        for lambda in [0.0, 0.01, 0.5, 1.0001] {
            let direct: f64 = (24..120).map(|u| decay(lambda, 200 - u)).sum();
            let fast = normaliser(&h, 0, 200, lambda);
            assert!(
                (fast - direct.max(1e-15)).abs() <= 1e-12 * direct.max(1e-15),
                "λ={lambda}: {fast} vs {direct}"
            );
        }
    }

    #[test]
    fn recent_and_frequent_repeats_score_higher() {
        let facts = [
            q(0, 0, 1, 0),
            q(0, 0, 2, 24),
            q(0, 0, 1, 48),
            q(5, 0, 3, 48),
        ];
        let mut h = History::new(&facts, 1);
        h.advance(72);
        let mut s = Scores::new(6);
        add_strict_recurrency(&h, &q(0, 0, 9, 72), 0.1, 1.0, &mut s);
        assert!(s.get(1) > s.get(2) && s.get(2) > 0.0 && s.get(3) == 0.0);
        s.clear();
        add_object_shares(&h, 0, 1.0, &mut s);
        assert_eq!((s.get(1), s.get(2), s.get(3)), (0.5, 0.25, 0.25));
    }

    #[test]
    fn selection_prefers_the_decay_that_fits() {
        // Subject 0 switches partner every 10 steps: only a steep decay predicts the latest partner.
        let mut facts = Vec::new();
        for step in 0..60i64 {
            let partner = if (step / 10) % 2 == 0 { 1 } else { 2 };
            facts.push(q(0, 0, partner, step * 24));
        }
        let queries: Vec<Quad> = facts.iter().filter(|f| f.t >= 40 * 24).copied().collect();
        let params = select_params(&facts, &queries, 3, 1, None);
        assert!(params.lambda[0] >= 0.01, "chose λ = {}", params.lambda[0]);
        assert!(params.valid_mrr[0] > 0.8);
    }
}
