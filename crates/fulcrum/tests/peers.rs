//! Fulcrum's statistics against the reference implementations analysts trust, on the same series.

mod common;

use common::*;
use fulcrum_relations::changepoint::{Cost, pelt};

/// Piecewise series with Gaussian-ish noise from a fixed generator (sum of uniforms).
fn series(seed: u64, levels: &[(usize, f64, f64)]) -> Vec<f64> {
    let mut state = seed;
    let mut uniform = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut y = Vec::new();
    for &(len, mean, sd) in levels {
        for _ in 0..len {
            let z: f64 = (0..12).map(|_| uniform()).sum::<f64>() - 6.0;
            y.push(mean + sd * z);
        }
    }
    y
}

const RUPTURES: &str = r#"
import json, sys, warnings
import numpy as np, ruptures as rpt
warnings.simplefilter("ignore")
cases = json.load(open(sys.argv[1]))
out = []
for c in cases:
    algo = rpt.Pelt(model=c["model"], min_size=c["min_size"], jump=c["jump"]).fit(np.array(c["y"]).reshape(-1, 1))
    out.append(algo.predict(pen=c["pen"]))
print(json.dumps(out))
"#;

#[test]
fn pelt_matches_ruptures_with_l2_and_normal_costs() {
    let Some(python) = python_with("ruptures") else {
        return;
    };
    let mut cases = Vec::new();
    let shapes: [&[(usize, f64, f64)]; 4] = [
        &[(60, 0.0, 1.0), (40, 3.0, 1.0), (80, -1.0, 1.0)],
        &[(100, 0.0, 0.5), (100, 0.0, 3.0), (50, 2.0, 0.5)],
        &[
            (30, 5.0, 2.0),
            (30, 8.0, 2.0),
            (30, 5.0, 2.0),
            (30, 9.0, 2.0),
        ],
        &[(200, 0.0, 1.0)],
    ];
    for (k, shape) in shapes.iter().enumerate() {
        let y = series(k as u64 + 1, shape);
        for (model, cost) in [("l2", Cost::L2), ("normal", Cost::Normal)] {
            for (min_size, jump) in [(2, 1), (2, 5), (5, 3)] {
                for pen in [3.0, 10.0, 30.0] {
                    let ours = pelt(&y, cost, pen, min_size, jump);
                    cases.push((serde_json::json!({"y": y, "model": model, "min_size": min_size, "jump": jump, "pen": pen}), ours));
                }
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cases.json");
    std::fs::write(
        &input,
        serde_json::to_string(&cases.iter().map(|c| &c.0).collect::<Vec<_>>()).unwrap(),
    )
    .unwrap();
    let theirs: Vec<Vec<usize>> = serde_json::from_str(&python_output(
        &python,
        RUPTURES,
        &[input.to_str().unwrap()],
    ))
    .unwrap();
    let mut mismatches = Vec::new();
    for ((case, ours), theirs) in cases.iter().zip(&theirs) {
        if ours != theirs {
            mismatches.push(format!(
                "{} min_size {} jump {} pen {}: fulcrum {ours:?}, ruptures {theirs:?}",
                case["model"], case["min_size"], case["jump"], case["pen"]
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
    eprintln!("PELT: {} cases identical to ruptures", cases.len());
}

const STATSMODELS: &str = r#"
import json, sys, warnings
import numpy as np
from statsmodels.tsa.api import VAR
warnings.simplefilter("ignore")
case = json.load(open(sys.argv[1]))
data = np.array(case["data"])
model = VAR(data)
res = model.fit(case["p"], trend="c")
sel = model.select_order(case["max_lags"], trend="c")
out = {
    "params": res.params.tolist(),
    "sigma_u": np.asarray(res.sigma_u).tolist(),
    "granger": [float(res.test_causality(t["caused"], t["causing"], kind="f").test_statistic) for t in case["tests"]],
    "granger_p": [float(res.test_causality(t["caused"], t["causing"], kind="f").pvalue) for t in case["tests"]],
    "irf": res.irf(case["horizon"]).orth_irfs.tolist(),
    "aic": [float(x) for x in sel.ics["aic"]],
    "bic": [float(x) for x in sel.ics["bic"]],
}
print(json.dumps(out))
"#;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[test]
fn var_matches_statsmodels_coefficients_granger_and_irfs() {
    use fulcrum_relations::var::{fit, select_order};
    use nalgebra::DMatrix;
    let Some(python) = python_with("statsmodels") else {
        return;
    };
    // Six directed series of a triad, simulated from a VAR(2) with cross effects.
    let (n, k, p) = (240, 6, 2);
    let noise = series(99, &[(n * k, 0.0, 1.0)]);
    let mut data = DMatrix::zeros(n, k);
    for t in 2..n {
        for v in 0..k {
            let own = 0.4 * data[(t - 1, v)] - 0.15 * data[(t - 2, v)];
            let reciprocity = 0.25 * data[(t - 1, v ^ 1)]; // A→B answers B→A
            let third = if v >= 2 { 0.1 * data[(t - 1, 0)] } else { 0.0 };
            data[(t, v)] = 0.5 + own + reciprocity + third + noise[t * k + v];
        }
    }
    let tests: Vec<(Vec<usize>, Vec<usize>)> = vec![
        (vec![0], vec![1]),
        (vec![1], vec![0]),
        (vec![0, 1], vec![2, 3, 4, 5]),
        (vec![4], vec![0]),
    ];
    let case = serde_json::json!({
        "data": (0..n).map(|t| (0..k).map(|v| data[(t, v)]).collect::<Vec<_>>()).collect::<Vec<_>>(),
        "p": p, "max_lags": 4, "horizon": 10,
        "tests": tests.iter().map(|(c, g)| serde_json::json!({"caused": c, "causing": g})).collect::<Vec<_>>(),
    });
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("var.json");
    std::fs::write(&input, case.to_string()).unwrap();
    let sm: serde_json::Value = serde_json::from_str(&python_output(
        &python,
        STATSMODELS,
        &[input.to_str().unwrap()],
    ))
    .unwrap();

    let ours = fit(&data, p).unwrap();
    let mut worst: f64 = 0.0;
    let mut check = |what: &str, a: f64, b: f64| {
        worst = worst.max((a - b).abs() / b.abs().max(1.0));
        assert!(close(a, b), "{what}: fulcrum {a} vs statsmodels {b}");
    };
    for (r, row) in sm["params"].as_array().unwrap().iter().enumerate() {
        for (c, v) in row.as_array().unwrap().iter().enumerate() {
            check(
                &format!("params[{r},{c}]"),
                ours.params[(r, c)],
                v.as_f64().unwrap(),
            );
        }
    }
    for (i, row) in sm["sigma_u"].as_array().unwrap().iter().enumerate() {
        for (j, v) in row.as_array().unwrap().iter().enumerate() {
            check(
                &format!("sigma_u[{i},{j}]"),
                ours.sigma_u[(i, j)],
                v.as_f64().unwrap(),
            );
        }
    }
    for (t, (caused, causing)) in tests.iter().enumerate() {
        let g = ours.granger(caused, causing);
        check(
            &format!("Granger F {caused:?} <- {causing:?}"),
            g.f,
            sm["granger"][t].as_f64().unwrap(),
        );
        check(
            &format!("Granger p {caused:?} <- {causing:?}"),
            g.p_value,
            sm["granger_p"][t].as_f64().unwrap(),
        );
    }
    let irf = ours.orth_irf(10).unwrap();
    for (h, m) in sm["irf"].as_array().unwrap().iter().enumerate() {
        for (i, row) in m.as_array().unwrap().iter().enumerate() {
            for (j, v) in row.as_array().unwrap().iter().enumerate() {
                check(
                    &format!("IRF[{h}][{i},{j}]"),
                    irf[h][(i, j)],
                    v.as_f64().unwrap(),
                );
            }
        }
    }
    let sel = select_order(&data, 4).unwrap();
    for (p, v) in sm["aic"].as_array().unwrap().iter().enumerate() {
        check(&format!("AIC({p})"), sel.aic[p], v.as_f64().unwrap());
        check(
            &format!("BIC({p})"),
            sel.bic[p],
            sm["bic"][p].as_f64().unwrap(),
        );
    }
    eprintln!("VAR: largest relative difference from statsmodels {worst:.2e}");
}
