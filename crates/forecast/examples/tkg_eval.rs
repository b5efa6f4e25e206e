use std::time::Instant;
use fulcrum_forecast::tkg::{self, recurrency, rules, TieBreak};

fn main() {
    let dir = std::env::args().nth(1).expect("dir");
    let bodies: usize = std::env::args().nth(2).map(|b| b.parse().unwrap()).unwrap_or(20);
    let t0 = Instant::now();
    let data = tkg::load_benchmark(std::path::Path::new(&dir)).unwrap();
    let facts = data.all_with_inverses();
    let nr = 2 * data.num_relations();
    let train = data.queries(&data.train);
    let valid = data.queries(&data.valid);
    let test = data.queries(&data.test);
    let learn_on: Vec<tkg::Quad> = if std::env::var("TV").is_ok() { let mut v = train.clone(); v.extend(valid.iter().copied()); v } else { train.clone() };
    let model = rules::RuleModel::learn(&facts, &learn_on, nr, bodies);
    eprintln!("learned {} rules {:?}", model.len(), t0.elapsed());
    dump(&model, &data);
    let params = recurrency::select_params(&facts, &valid, data.num_entities(), nr, Some(&model));
    eprintln!("selected {:?}", t0.elapsed());
    let m = recurrency::evaluate(&facts, &test, data.num_entities(), nr, Some(&model), &params, TieBreak::Random { seed: 0 }, |_, _| ()).0;
    eprintln!("rules: MRR {:.4} hits {:?} n {} {:?}", m.mrr(), m.hits(), m.queries, t0.elapsed());
}
#[allow(dead_code)]
fn dump(model: &rules::RuleModel, data: &tkg::TkgData) {
    for r in [0usize, 1, 2, 230, 231] {
        let list: Vec<String> = model.rules[r].iter().take(6).map(|(b, c)| format!("{}:{:.3}", data.relation_name(*b), c)).collect();
        eprintln!("{} <= {}", data.relation_name(r as u32), list.join(", "));
    }
}
