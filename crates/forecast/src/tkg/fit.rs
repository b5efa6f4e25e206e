//! Fitting the TKG models on what they may see: the training facts (rule learning) and the validation facts
//! (parameter selection, the combiner's weights). The test split never enters: fitting builds its history
//! from the training and validation facts alone, so no test fact can reach a model's choices whatever the
//! split's times — [`tests::test_facts_never_reach_fitting`] checks it.

use super::combiner::Combiner;
use super::eval::{Metrics, Scores, TieBreak};
use super::recurrency::{self, Params};
use super::rules::RuleModel;
use super::{Quad, TkgData};

/// The models, simplest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModelKind {
    /// The recurrency baseline (ψ and ξ, Gastinger et al. 2024).
    Recurrency,
    /// Recurrency plus length-one temporal rules.
    Rules,
    /// The rule model plus neighbourhood evidence, weighted on validation.
    Combined,
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Recurrency => "recurrency",
            ModelKind::Rules => "rules",
            ModelKind::Combined => "combined",
        }
    }
}

/// A fitted model.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub kind: ModelKind,
    pub rules: Option<RuleModel>,
    pub params: Params,
    pub combiner: Option<Combiner>,
}

/// What fitting needs of a graph: its training and validation facts with inverses, and the validation
/// queries.
pub struct Fitting<'a> {
    data: &'a TkgData,
    known: Vec<Quad>,
    valid: Vec<Quad>,
    max_queries: usize,
}

impl<'a> Fitting<'a> {
    pub fn new(data: &'a TkgData) -> Self {
        Self::with_max_queries(data, usize::MAX)
    }

    /// Chooses parameters on about `max` validation queries and learns rules from about `5 × max` training
    /// queries (see [`super::sample_queries`]); the history stays whole.
    pub fn with_max_queries(data: &'a TkgData, max: usize) -> Self {
        Self {
            data,
            known: data.with_inverses(&[&data.train, &data.valid]),
            valid: super::sample_queries(&data.queries(&data.valid), max),
            max_queries: max,
        }
    }

    fn relations(&self) -> usize {
        2 * self.data.num_relations()
    }

    /// How many validation queries choose the parameters.
    pub fn validation_queries(&self) -> usize {
        self.valid.len()
    }

    pub fn recurrency(&self) -> Fitted {
        let params = recurrency::select_params(
            &self.known,
            &self.valid,
            self.data.num_entities(),
            self.relations(),
            None,
        );
        Fitted {
            kind: ModelKind::Recurrency,
            rules: None,
            params,
            combiner: None,
        }
    }

    /// Learns rules on the training queries (`bodies` per relation), then chooses parameters on validation.
    pub fn rules(&self, bodies: usize) -> Fitted {
        let train = super::sample_queries(
            &self.data.queries(&self.data.train),
            self.max_queries.saturating_mul(5),
        );
        let rules = RuleModel::learn(&self.known, &train, self.relations(), bodies);
        let params = recurrency::select_params(
            &self.known,
            &self.valid,
            self.data.num_entities(),
            self.relations(),
            Some(&rules),
        );
        Fitted {
            kind: ModelKind::Rules,
            rules: Some(rules),
            params,
            combiner: None,
        }
    }

    /// Adds the combiner's weights to a fitted rule model.
    pub fn combined(&self, rules: &Fitted) -> Fitted {
        let combiner = Combiner::fit(
            &self.known,
            &self.valid,
            self.data.num_entities(),
            self.relations(),
            rules.rules.as_ref(),
            &rules.params,
        );
        Fitted {
            kind: ModelKind::Combined,
            rules: rules.rules.clone(),
            params: rules.params.clone(),
            combiner: Some(combiner),
        }
    }
}

impl Fitted {
    /// Answers `queries` (sorted by time) with the history of `facts` before each, returning the metrics
    /// under `policy` and whatever `per_query` makes of each query's scores.
    pub fn evaluate<T: Send>(
        &self,
        data: &TkgData,
        facts: &[Quad],
        queries: &[Quad],
        policy: TieBreak,
        per_query: impl Fn(&Quad, &Scores) -> T + Sync,
    ) -> (Metrics, Vec<T>) {
        let (entities, relations) = (data.num_entities(), 2 * data.num_relations());
        match &self.combiner {
            Some(c) => c.evaluate(
                facts,
                queries,
                entities,
                relations,
                self.rules.as_ref(),
                &self.params,
                policy,
                per_query,
            ),
            None => recurrency::evaluate(
                facts,
                queries,
                entities,
                relations,
                self.rules.as_ref(),
                &self.params,
                policy,
                per_query,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A graph with structure every model can use: repeats, reciprocity, partners of partners.
    fn graph(test_objects: impl Fn(u32) -> u32) -> TkgData {
        let mut data = TkgData {
            entities: (0..30).map(|e| format!("e{e}")).collect(),
            relations: vec!["a".into(), "b".into(), "c".into()],
            units_per_day: 24,
            ..Default::default()
        };
        let mut seed = 7u32;
        let mut next = move || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 16) % 30
        };
        for day in 0..60i64 {
            for _ in 0..12 {
                let s = next();
                let o = if next() % 3 == 0 {
                    next()
                } else {
                    (s + 1) % 30
                };
                let q = Quad {
                    s,
                    r: next() % 3,
                    o,
                    t: day * 24,
                };
                match day {
                    0..40 => data.train.push(q),
                    40..50 => data.valid.push(q),
                    _ => data.test.push(Quad {
                        o: test_objects(q.o),
                        ..q
                    }),
                }
            }
        }
        data
    }

    #[test]
    fn test_facts_never_reach_fitting() {
        let data = graph(|o| o);
        // The same graph with every test answer changed, and test facts moved into the validation period:
        // if any of them reached learning or selection, something fitted would differ.
        let mut changed = graph(|o| (o * 7 + 3) % 30);
        for q in &mut changed.test {
            q.t -= 15 * 24;
        }
        // Compared as printed: parameters of relations without validation queries are NaN.
        let same = |x: &Fitted, y: &Fitted| assert_eq!(format!("{x:?}"), format!("{y:?}"));
        let (a, b) = (Fitting::new(&data), Fitting::new(&changed));
        same(&a.recurrency(), &b.recurrency());
        let (rules_a, rules_b) = (a.rules(20), b.rules(20));
        same(&rules_a, &rules_b);
        assert!(!rules_a.rules.as_ref().unwrap().is_empty());
        let (combined_a, combined_b) = (a.combined(&rules_a), b.combined(&rules_b));
        same(&combined_a, &combined_b);
        assert_ne!(
            combined_a.combiner.as_ref().unwrap().weights,
            Combiner::default().weights,
            "the combiner learned something"
        );
        // …while the test answers themselves are scored differently.
        let score = |d: &TkgData, f: &Fitted| {
            f.evaluate(
                d,
                &d.all_with_inverses(),
                &d.queries(&d.test),
                TieBreak::Expected,
                |_, _| (),
            )
            .0
            .mrr()
        };
        assert_ne!(score(&data, &combined_a), score(&changed, &combined_b));
    }
}
