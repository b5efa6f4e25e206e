//! A learned combination of evidence: the rule model's score plus what it leaves out — who the subject has
//! dealt with lately in any relation, who its partners deal with (two hops), and who is active — weighted by a
//! log-linear model fitted on the validation queries.
//!
//! For a query `(s, r, ?, t)` each evidence `k` gives every candidate `o` a value `f_k(o) ≥ 0`; values are
//! scaled by their largest value in the query (`x_k = f_k / max f_k`, so the weights mean the same in every
//! query) and the candidate's score is
//!
//! ```text
//! score(o) = Σ_k w_k · ln(1 + x_k(o) / ε),   w_k ≥ 0
//! ```
//!
//! plus the same with `x_k` itself and with `ln(1 + x_k/ε) · ln(1 + x_ξ/ε)` (each evidence against the
//! relation's popularity) — a product of experts: each evidence multiplies the odds. An entity no evidence
//! touches scores 0, below every touched one, as in the other models. Queries fall into [`GROUPS`] groups
//! with weights of their own: whether the subject did this relation before (ψ has candidates), whether it is
//! a hub (more than 64 partners), whether it is new.
//!
//! The weights maximise the mean *smoothed reciprocal rank* of the answers of (a time-ordered sample of) the
//! validation queries, `1 / (1 + Σ_c σ((s_c − s_answer)/τ))` over every other entity, time-aware filtered like
//! the evaluation: what MRR rewards. (Maximising the softmax likelihood instead lowered validation MRR on
//! ICEWS18 below the rule model's: it spends the weights on lifting hopeless answers from the tail.) The fit
//! is full-batch Adam from `w = (1, 0, …)` — the rule model itself — projected onto `w ≥ 0`, and
//! deterministic. It sees only the training and validation facts (see [`super::fit`]).

use std::collections::HashMap;

use rayon::prelude::*;

use super::eval::{Filter, Metrics, Scores, TieBreak};
use super::recurrency::{self, Params, decay};
use super::rules::RuleModel;
use super::{History, Quad};

/// The evidence, in the order of the weights.
pub const PART_NAMES: [&str; PARTS] = [
    "rule model",
    "recurrency ψ",
    "rules",
    "popularity ξ",
    "pair recency",
    "pair history",
    "two hops",
    "activity",
    "recent popularity",
    "partners' objects",
    "pair yesterday",
];
pub const PARTS: usize = 11;
/// Where ξ, the relation's popularity, sits among the parts (each evidence is also weighed against it).
const POPULARITY_PART: usize = 3;
/// Each part enters three times: as `ln(1 + x/ε)`, as `x`, and as `ln(1 + x/ε)` times ξ's.
pub const FEATURES: usize = 3 * PARTS;
/// Queries are weighed in groups: the subject has done this relation before, or has not but has partners
/// (each split by whether it is a hub); the subject is new.
pub const GROUPS: usize = 5;
/// Subjects with more partners than this are hubs, weighed apart.
const HUB_PARTNERS: usize = 64;

/// Pair recency: any fact between the subject and the candidate, half weight after about four days (hours).
const PAIR_LAMBDA: f64 = 0.01;
/// Pair yesterday: the same, half weight after ten hours.
const PAIR_SHARP_LAMBDA: f64 = 0.1;
/// Pair history: every fact between them, half weight after about eleven weeks.
const PAIR_SLOW_LAMBDA: f64 = 0.0005;
/// Activity: every fact of the candidate's, half weight after about six days.
const ACTIVITY_LAMBDA: f64 = 0.007;
/// Recent popularity: how often the candidate was an object of the relation lately, half weight after ~4 days.
const POPULARITY_LAMBDA: f64 = 0.01;
/// Two hops go through the subject's most recent partners only.
const TWO_HOP_PARTNERS: usize = 16;
/// Scale of the log transform: evidence below ε of the query's strongest barely counts.
const EPSILON: f64 = 1e-3;
/// The fit uses at most this many validation queries, evenly spaced in time…
const FIT_QUERIES: usize = 30_000;
/// …and per query the answer and the strongest other candidates; the rest count as untouched.
const FIT_CANDIDATES: usize = 150;
const FIT_ITERATIONS: usize = 500;
const FIT_STEP: f64 = 0.05;
/// Temperature of the smoothed rank: a competitor counts as ahead by σ((s_c − s_answer)/τ).
const SMOOTHING: f64 = 0.5;
/// The fit's loss is summed in this many chunks, in parallel, always in the same order.
const CHUNKS: usize = 8;

/// The fitted weights (per query group), with the fit's loss (minus the mean smoothed reciprocal rank)
/// before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct Combiner {
    pub weights: [[f64; FEATURES]; GROUPS],
    pub fit_queries: usize,
    pub loss_before: f64,
    pub loss_after: f64,
}

impl Default for Combiner {
    /// Where the fit starts: the rule model alone (weight 1 on its log score).
    fn default() -> Self {
        let mut weights = [[0.0; FEATURES]; GROUPS];
        for w in &mut weights {
            w[0] = 1.0;
        }
        Self {
            weights,
            fit_queries: 0,
            loss_before: f64::NAN,
            loss_after: f64::NAN,
        }
    }
}

/// Per subject, every entity it has had a fact with (either direction: the facts include inverses).
struct Neighbourhood<'a> {
    facts: &'a [Quad],
    next: usize,
    partners: Vec<Vec<Partner>>,
    slot: HashMap<(u32, u32), u32>,
    /// Per entity: decayed count of its facts, and when it was last brought up to date.
    activity: Vec<(f64, i64)>,
    /// Per relation: each object's decayed count, and when it was last brought up to date.
    popularity: Vec<Vec<(u32, f64, i64)>>,
    popularity_slot: HashMap<(u32, u32), u32>,
}

#[derive(Clone, Copy)]
struct Partner {
    entity: u32,
    latest: i64,
    history: f64,
    history_at: i64,
}

impl<'a> Neighbourhood<'a> {
    fn new(facts: &'a [Quad], num_entities: usize, num_relations: usize) -> Self {
        Self {
            facts,
            next: 0,
            partners: vec![Vec::new(); num_entities],
            slot: HashMap::new(),
            activity: vec![(0.0, 0); num_entities],
            popularity: vec![Vec::new(); num_relations],
            popularity_slot: HashMap::new(),
        }
    }

    fn advance(&mut self, t: i64) {
        while let Some(f) = self.facts.get(self.next).filter(|f| f.t < t) {
            let list = &mut self.partners[f.s as usize];
            let slot = *self.slot.entry((f.s, f.o)).or_insert_with(|| {
                list.push(Partner {
                    entity: f.o,
                    latest: f.t,
                    history: 0.0,
                    history_at: f.t,
                });
                (list.len() - 1) as u32
            });
            let p = &mut list[slot as usize];
            p.history = p.history * decay(PAIR_SLOW_LAMBDA, f.t - p.history_at) + 1.0;
            p.history_at = f.t;
            p.latest = f.t;
            let a = &mut self.activity[f.s as usize];
            *a = (a.0 * decay(ACTIVITY_LAMBDA, f.t - a.1) + 1.0, f.t);
            let objects = &mut self.popularity[f.r as usize];
            let slot = *self.popularity_slot.entry((f.r, f.o)).or_insert_with(|| {
                objects.push((f.o, 0.0, f.t));
                (objects.len() - 1) as u32
            });
            let p = &mut objects[slot as usize];
            *p = (f.o, p.1 * decay(POPULARITY_LAMBDA, f.t - p.2) + 1.0, f.t);
            self.next += 1;
        }
    }
}

/// Scratch space for one query's evidence.
struct Evidence {
    parts: Vec<Scores>,
    candidates: Vec<u32>,
    seen: Vec<bool>,
    partners: Vec<(f64, u32)>,
    group: usize,
}

impl Evidence {
    fn new(num_entities: usize) -> Self {
        Self {
            parts: (0..PARTS).map(|_| Scores::new(num_entities)).collect(),
            candidates: Vec::new(),
            seen: vec![false; num_entities],
            partners: Vec::new(),
            group: 0,
        }
    }

    /// Fills every part for `q` and lists the candidates (entities any part touched).
    fn gather(
        &mut self,
        ctx: &Context<'_>,
        history: &History<'_>,
        hood: &Neighbourhood<'_>,
        q: &Quad,
    ) {
        for part in &mut self.parts {
            part.clear();
        }
        for &e in &self.candidates {
            self.seen[e as usize] = false;
        }
        self.candidates.clear();
        let r = q.r as usize;
        let [
            model,
            psi,
            rules,
            xi,
            recent,
            long,
            hops,
            active,
            popular,
            partners_did,
            yesterday,
        ] = &mut self.parts[..]
        else {
            unreachable!("PARTS parts")
        };
        recurrency::score_query(history, ctx.rules, ctx.params, q, model);
        recurrency::add_strict_recurrency(history, q, ctx.params.lambda[r], 1.0, psi);
        if let Some(model) = ctx.rules {
            model.add(history, q, ctx.params.rule_lambda[r], 1.0, rules);
        }
        recurrency::add_object_shares(history, q.r, 1.0, xi);
        self.partners.clear();
        for p in &hood.partners[q.s as usize] {
            let w = decay(PAIR_LAMBDA, q.t - p.latest);
            recent.add(p.entity, w);
            yesterday.add(p.entity, decay(PAIR_SHARP_LAMBDA, q.t - p.latest));
            long.add(
                p.entity,
                p.history * decay(PAIR_SLOW_LAMBDA, q.t - p.history_at),
            );
            self.partners.push((w, p.entity));
        }
        // Two hops: partners of the subject's most recent partners, weighted by both recencies.
        let k = TWO_HOP_PARTNERS.min(self.partners.len());
        if k > 0 && k < self.partners.len() {
            self.partners
                .select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        }
        for &(w, x) in &self.partners[..k] {
            for p in &hood.partners[x as usize] {
                if p.entity != q.s {
                    hops.add(p.entity, w * decay(PAIR_LAMBDA, q.t - p.latest));
                }
            }
            // What the partners did with this very relation.
            for &(o, t) in history.latest(q.r, x) {
                if o != q.s {
                    partners_did.add(o, w * decay(PAIR_LAMBDA, q.t - t));
                }
            }
        }
        for &(o, n, at) in &hood.popularity[r] {
            popular.add(o, n * decay(POPULARITY_LAMBDA, q.t - at));
        }
        for part in [
            &*model,
            &*psi,
            &*rules,
            &*xi,
            &*recent,
            &*long,
            &*hops,
            &*popular,
            &*partners_did,
            &*yesterday,
        ] {
            for &e in part.touched() {
                if !self.seen[e as usize] {
                    self.seen[e as usize] = true;
                    self.candidates.push(e);
                }
            }
        }
        // In entity order: the parts' own orders follow hash maps, and sums must not depend on them.
        self.candidates.sort_unstable();
        let hub = usize::from(self.partners.len() > HUB_PARTNERS);
        self.group = if !psi.touched().is_empty() {
            hub
        } else if !self.partners.is_empty() {
            2 + hub
        } else {
            4
        };
        // Activity only modifies candidates some other evidence proposed.
        for &e in &self.candidates {
            let (a, at) = hood.activity[e as usize];
            active.add(e, a * decay(ACTIVITY_LAMBDA, q.t - at));
        }
    }

    /// Each part's largest value in this query (1 where a part is empty).
    fn scales(&self) -> [f64; PARTS] {
        let mut out = [1.0; PARTS];
        for (k, part) in self.parts.iter().enumerate() {
            let max = part
                .touched()
                .iter()
                .map(|&e| part.get(e))
                .fold(0.0, f64::max);
            if max > 0.0 {
                out[k] = max;
            }
        }
        out
    }

    /// The transformed evidence of candidate `e`.
    fn features(&self, e: u32, scales: &[f64; PARTS]) -> [f64; FEATURES] {
        let mut out = [0.0; FEATURES];
        for k in 0..PARTS {
            let x = self.parts[k].get(e).max(0.0) / scales[k];
            out[k] = (x / EPSILON).ln_1p();
            out[PARTS + k] = x;
        }
        let scale = (1.0 / EPSILON).ln_1p();
        for k in 0..PARTS {
            out[2 * PARTS + k] = out[k] * out[POPULARITY_PART] / scale;
        }
        out
    }
}

/// What every query's evidence needs besides the history.
struct Context<'a> {
    rules: Option<&'a RuleModel>,
    params: &'a Params,
}

/// What a chunk of queries indexes of the history: the models' index and the neighbourhood.
struct Index<'a> {
    history: History<'a>,
    hood: Neighbourhood<'a>,
}

impl<'a> Index<'a> {
    fn new(facts: &'a [Quad], num_entities: usize, num_relations: usize) -> Self {
        Self {
            history: History::new(facts, num_relations),
            hood: Neighbourhood::new(facts, num_entities, num_relations),
        }
    }

    fn advance(&mut self, t: i64) {
        self.history.advance(t);
        self.hood.advance(t);
    }
}

/// One fitting query: the answer's features first, then the kept candidates'; `untouched` entities score 0.
struct FitQuery {
    features: Vec<[f32; FEATURES]>,
    untouched: f64,
    group: usize,
}

impl Combiner {
    /// Fits the weights on `queries` (validation queries, sorted by time), each seeing the history of `facts`
    /// before it, with the rule model and parameters already chosen on the same queries.
    pub fn fit(
        facts: &[Quad],
        queries: &[Quad],
        num_entities: usize,
        num_relations: usize,
        rules: Option<&RuleModel>,
        params: &Params,
    ) -> Self {
        let filter = Filter::time_aware(queries);
        let stride = queries.len().div_ceil(FIT_QUERIES).max(1);
        let sample: Vec<Quad> = queries.iter().step_by(stride).copied().collect();
        let ctx = Context { rules, params };
        let chunks = super::replay(
            facts.len(),
            &sample,
            || Index::new(facts, num_entities, num_relations),
            Index::advance,
            |_| (Evidence::new(num_entities), Vec::new()),
            |index, q, (evidence, out): &mut (Evidence, Vec<FitQuery>)| {
                evidence.gather(&ctx, &index.history, &index.hood, q);
                let scales = evidence.scales();
                let others = filter.answers(q);
                let mut kept: Vec<(f64, [f64; FEATURES])> = evidence
                    .candidates
                    .iter()
                    .filter(|&&e| e != q.o && !others.contains(&e))
                    .map(|&e| {
                        let f = evidence.features(e, &scales);
                        (f.iter().copied().fold(0.0, f64::max), f)
                    })
                    .collect();
                let filtered = others.iter().filter(|&&e| e != q.o).count();
                let mut untouched = (num_entities - 1 - filtered - kept.len()) as f64;
                if kept.len() > FIT_CANDIDATES {
                    kept.select_nth_unstable_by(FIT_CANDIDATES - 1, |a, b| b.0.total_cmp(&a.0));
                    untouched += (kept.len() - FIT_CANDIDATES) as f64;
                    kept.truncate(FIT_CANDIDATES);
                }
                let mut features = Vec::with_capacity(kept.len() + 1);
                features.push(to_f32(evidence.features(q.o, &scales)));
                features.extend(kept.iter().map(|(_, f)| to_f32(*f)));
                out.push(FitQuery {
                    features,
                    untouched,
                    group: evidence.group,
                });
            },
        );
        let data: Vec<FitQuery> = chunks.into_iter().flat_map(|(_, out)| out).collect();
        let mut weights = Self::default().weights;
        let (loss_before, _) = loss_and_gradient(&data, &weights);
        // Adam, projected onto w ≥ 0.
        let (mut m, mut v) = ([[0.0; FEATURES]; GROUPS], [[0.0; FEATURES]; GROUPS]);
        let (b1, b2) = (0.9f64, 0.999f64);
        for step in 1..=FIT_ITERATIONS {
            let (_, grad) = loss_and_gradient(&data, &weights);
            for g in 0..GROUPS {
                for k in 0..FEATURES {
                    let d = grad[g][k];
                    m[g][k] = b1 * m[g][k] + (1.0 - b1) * d;
                    v[g][k] = b2 * v[g][k] + (1.0 - b2) * d * d;
                    let m_hat = m[g][k] / (1.0 - b1.powi(step as i32));
                    let v_hat = v[g][k] / (1.0 - b2.powi(step as i32));
                    weights[g][k] =
                        (weights[g][k] - FIT_STEP * m_hat / (v_hat.sqrt() + 1e-9)).max(0.0);
                }
            }
        }
        let (loss_after, _) = loss_and_gradient(&data, &weights);
        Self {
            weights,
            fit_queries: data.len(),
            loss_before,
            loss_after,
        }
    }

    /// Scores `queries` (sorted by time) and returns the metrics under `policy`, and whatever `per_query`
    /// makes of each query's scores, in query order.
    #[allow(clippy::too_many_arguments)]
    pub fn evaluate<T: Send>(
        &self,
        facts: &[Quad],
        queries: &[Quad],
        num_entities: usize,
        num_relations: usize,
        rules: Option<&RuleModel>,
        params: &Params,
        policy: TieBreak,
        per_query: impl Fn(&Quad, &Scores) -> T + Sync,
    ) -> (Metrics, Vec<T>) {
        let ctx = Context { rules, params };
        super::answer(
            facts.len(),
            queries,
            num_entities,
            policy,
            || Index::new(facts, num_entities, num_relations),
            Index::advance,
            || Evidence::new(num_entities),
            |index, q, evidence, scores| {
                evidence.gather(&ctx, &index.history, &index.hood, q);
                let scales = evidence.scales();
                let w = &self.weights[evidence.group];
                for &e in &evidence.candidates {
                    let f = evidence.features(e, &scales);
                    scores.add(e, f.iter().zip(w).map(|(x, w)| x * w).sum());
                }
            },
            per_query,
        )
    }
}

fn to_f32(f: [f64; FEATURES]) -> [f32; FEATURES] {
    f.map(|x| x as f32)
}

type Weights = [[f64; FEATURES]; GROUPS];

/// Minus the mean smoothed reciprocal rank, 1 / (1 + Σ_c σ((s_c − s_answer)/τ)), and its gradient.
fn loss_and_gradient(data: &[FitQuery], weights: &Weights) -> (f64, Weights) {
    let tau = SMOOTHING;
    let chunk = data.len().div_ceil(CHUNKS).max(1);
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp());
    let parts: Vec<(f64, Weights)> = data
        .par_chunks(chunk)
        .map(|queries| {
            let mut loss = 0.0;
            let mut grad = [[0.0; FEATURES]; GROUPS];
            let mut scores = Vec::new();
            for q in queries {
                let w = &weights[q.group];
                let grad = &mut grad[q.group];
                scores.clear();
                scores.extend(
                    q.features
                        .iter()
                        .map(|f| f.iter().zip(w).map(|(&x, w)| x as f64 * w).sum::<f64>()),
                );
                let answer = scores[0];
                let mut d = 1.0;
                let mut dd = [0.0; FEATURES];
                let mut answer_pull = 0.0;
                for (f, s) in q.features.iter().zip(&scores).skip(1) {
                    let p = sigmoid((s - answer) / tau);
                    d += p;
                    let slope = p * (1.0 - p) / tau;
                    answer_pull += slope;
                    for k in 0..FEATURES {
                        dd[k] += slope * f[k] as f64;
                    }
                }
                let p = sigmoid(-answer / tau);
                d += q.untouched * p;
                answer_pull += q.untouched * p * (1.0 - p) / tau;
                loss -= 1.0 / d;
                for ((g, slope), &answer) in grad.iter_mut().zip(&dd).zip(&q.features[0]) {
                    *g += (slope - answer_pull * answer as f64) / (d * d);
                }
            }
            (loss, grad)
        })
        .collect();
    let n = data.len().max(1) as f64;
    let mut loss = 0.0;
    let mut grad = [[0.0; FEATURES]; GROUPS];
    for (l, g) in parts {
        loss += l;
        for (total, part) in grad.iter_mut().zip(&g) {
            for k in 0..FEATURES {
                total[k] += part[k] / n;
            }
        }
    }
    (loss / n, grad)
}
