//! Fulcrum's statistics against the reference implementations analysts trust, on the same series.

mod common;

use common::*;
use fulcrum_relations::changepoint::{Cost, pelt};

/// Piecewise series with Gaussian-ish noise from a fixed generator (sum of uniforms).
fn series(seed: u64, levels: &[(usize, f64, f64)]) -> Vec<f64> {
    let mut state = seed;
    let mut uniform = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
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
    let Some(python) = python_with("ruptures") else { return };
    let mut cases = Vec::new();
    let shapes: [&[(usize, f64, f64)]; 4] = [
        &[(60, 0.0, 1.0), (40, 3.0, 1.0), (80, -1.0, 1.0)],
        &[(100, 0.0, 0.5), (100, 0.0, 3.0), (50, 2.0, 0.5)],
        &[(30, 5.0, 2.0), (30, 8.0, 2.0), (30, 5.0, 2.0), (30, 9.0, 2.0)],
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
    std::fs::write(&input, serde_json::to_string(&cases.iter().map(|c| &c.0).collect::<Vec<_>>()).unwrap()).unwrap();
    let theirs: Vec<Vec<usize>> = serde_json::from_str(&python_output(&python, RUPTURES, &[input.to_str().unwrap()])).unwrap();
    let mut mismatches = Vec::new();
    for ((case, ours), theirs) in cases.iter().zip(&theirs) {
        if ours != theirs {
            mismatches.push(format!("{} min_size {} jump {} pen {}: fulcrum {ours:?}, ruptures {theirs:?}", case["model"], case["min_size"], case["jump"], case["pen"]));
        }
    }
    assert!(mismatches.is_empty(), "{} of {} cases differ:\n{}", mismatches.len(), cases.len(), mismatches.join("\n"));
    eprintln!("PELT: {} cases identical to ruptures", cases.len());
}
