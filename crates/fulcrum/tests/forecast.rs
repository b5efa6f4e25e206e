//! `fulcrum forecast` and `fulcrum backtest` on fixtures, and on the ICEWS benchmarks when the shared data
//! is present (there the recurrency baseline must reproduce its published MRR).

mod common;

use std::path::Path;

use common::*;

/// A small benchmark folder where every subject repeats the same fact every day: a perfect recurrency
/// signal, plus a second relation that always echoes the first a day later (a rule to learn).
fn recurrent_benchmark(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let entities: String = (0..12).map(|i| format!("E{i}\t{i}\n")).collect();
    std::fs::write(dir.join("entity2id.txt"), entities).unwrap();
    std::fs::write(dir.join("relation2id.txt"), "Consult\t0\nPraise\t1\n").unwrap();
    let split = |days: std::ops::Range<i64>| -> String {
        let mut out = String::new();
        for day in days {
            for s in 0..6u32 {
                out.push_str(&format!("{s}\t0\t{}\t{}\t-1\n", s + 6, day * 24));
                if day > 0 {
                    out.push_str(&format!("{s}\t1\t{}\t{}\t-1\n", s + 6, day * 24));
                }
            }
        }
        out
    };
    std::fs::write(dir.join("train.txt"), split(0..40)).unwrap();
    std::fs::write(dir.join("valid.txt"), split(40..45)).unwrap();
    std::fs::write(dir.join("test.txt"), split(45..50)).unwrap();
}

#[test]
fn tkg_models_answer_a_perfectly_recurrent_graph() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("bench");
    recurrent_benchmark(&data);
    let json = dir.path().join("results.json");
    let top = dir.path().join("top.csv");
    let store = dir.path().join("unused-store");
    let args = [
        "forecast",
        "tkg",
        "--dataset",
        data.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--predictions",
        top.to_str().unwrap(),
    ];
    let table = ok(&store, &args);
    assert!(
        table.contains("recurrency") && table.contains("rules") && table.contains("combined"),
        "{table}"
    );
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3);
    for row in rows {
        // 6 subjects × 2 relations × 5 days × 2 directions, minus nothing: every query has one answer.
        assert_eq!(row["queries"], 120, "{row}");
        assert_eq!(row["mrr"].as_f64().unwrap(), 100.0, "{row}");
        assert_eq!(row["hits1"].as_f64().unwrap(), 100.0, "{row}");
    }
    let csv = std::fs::read_to_string(&top).unwrap();
    let first = csv.lines().nth(1).unwrap();
    assert!(
        first.starts_with("combined,day 45,E0,Consult,E6,E6,"),
        "{first}"
    );
    // A folder without the splits is refused with a message naming what is missing.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let err = run(
        &store,
        &["forecast", "tkg", "--dataset", empty.to_str().unwrap()],
    );
    assert!(!err.status.success());
    assert!(
        String::from_utf8_lossy(&err.stderr).contains("no train.txt"),
        "{}",
        String::from_utf8_lossy(&err.stderr)
    );
}

/// Weekly Russia → Pakistan events rising from one to five a week over a year, and Pakistan answering.
fn dyad_store(dir: &Path) -> std::path::PathBuf {
    let mut lines = Vec::new();
    let mut id = 1;
    let dates: Vec<String> = (0..52)
        .map(|w| {
            let day = 17_897 + 7 * w; // 2019-01-01 + w weeks
            let (y, m, d) = fulcrum_model::civil_from_days(day);
            format!("{y:04}{m:02}{d:02}")
        })
        .collect();
    for (w, date) in dates.iter().enumerate() {
        let date: &'static str = Box::leak(date.clone().into_boxed_str());
        for _ in 0..(1 + w / 13) {
            lines.push(gdelt2_line(&Ev::new(id, date, "RUSGOV", "PAKGOV", "042")));
            lines.push(gdelt2_line(&Ev::new(
                id + 1,
                date,
                "PAKGOV",
                "RUSGOV",
                "043",
            )));
            id += 2;
        }
    }
    let input = write_lines(dir, "weekly.export.CSV", &lines);
    let store = dir.join("store");
    ok(&store, &["ingest", input.to_str().unwrap()]);
    store
}

#[test]
fn dyad_forecast_and_backtest_with_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let store = dyad_store(dir.path());
    let csv = dir.path().join("forecast.csv");
    let svg = dir.path().join("forecast.svg");
    let args = [
        "forecast",
        "dyad",
        "RUS",
        "PAK",
        "--by",
        "week",
        "--horizon",
        "6",
        "--model",
        "all",
        "--csv",
        csv.to_str().unwrap(),
        "--plot",
        svg.to_str().unwrap(),
    ];
    ok(&store, &args);
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 24, "4 models × 6 weeks:\n{text}");
    assert!(
        text.starts_with("period,model,mean,q05,q25,median,q75,q95"),
        "{text}"
    );
    // The last weeks had four events: the last-observed model is centred there, with ordered quantiles.
    let last_poisson: Vec<Vec<f64>> = csv_records(&text)
        .into_iter()
        .filter(|r| r[1] == "last-poisson")
        .map(|r| r[2..].iter().map(|v| v.parse().unwrap()).collect())
        .collect();
    for q in &last_poisson {
        assert!((q[0] - 4.0).abs() < 0.3, "{q:?}");
        assert!(
            q[1] <= q[2] && q[2] <= q[3] && q[3] <= q[4] && q[4] <= q[5],
            "{q:?}"
        );
    }
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));

    let bt = dir.path().join("backtest.json");
    let png = dir.path().join("backtest.png");
    let args = [
        "backtest",
        "dyad",
        "RUS",
        "PAK",
        "--by",
        "week",
        "--horizon",
        "3",
        "--origins",
        "10",
        "--json",
        bt.to_str().unwrap(),
        "--plot",
        png.to_str().unwrap(),
    ];
    ok(&store, &args);
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bt).unwrap()).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(
        rows.len(),
        4 * 3 + 4,
        "per model and horizon, plus one summary per model"
    );
    let crps = |model: &str| {
        rows.iter()
            .find(|r| r["model"] == model && r["horizon"] == "all")
            .unwrap()["crps"]
            .as_f64()
            .unwrap()
    };
    // On a rising series the global bootstrap, which forgets the level, must lose to the level-aware models.
    assert!(crps("last-poisson") < crps("bootstrap"), "{rows:?}");
    assert!(crps("negbin") < crps("bootstrap"), "{rows:?}");
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);

    // The store's events as a temporal knowledge graph: the last four weeks are the test split.
    let top = dir.path().join("top.csv");
    let table = ok(
        &store,
        &[
            "forecast",
            "tkg",
            "--valid-days",
            "28",
            "--test-days",
            "28",
            "--model",
            "recurrency",
            "--predictions",
            top.to_str().unwrap(),
        ],
    );
    // Repeated reports of the same fact on the same day are one fact: 2 a week, 4 weeks, 2 directions.
    let scores = table_rows(&table);
    let recurrency = scores
        .iter()
        .find(|r| r["model"] == "recurrency")
        .expect("a recurrency row");
    assert_eq!(recurrency["queries"], "16", "{table}");
    let csv = std::fs::read_to_string(&top).unwrap();
    let row = csv
        .lines()
        .find(|l| l.contains(",042 "))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(row.starts_with("recurrency,2019-12-03,"), "{row}");

    let err = run(
        &store,
        &[
            "backtest",
            "dyad",
            "RUS",
            "PAK",
            "--by",
            "month",
            "--min-train",
            "30",
        ],
    );
    assert!(!err.status.success());
    assert!(
        String::from_utf8_lossy(&err.stderr).contains("too few"),
        "{}",
        String::from_utf8_lossy(&err.stderr)
    );
}

fn mrr_of(table_json: &Path, model: &str) -> f64 {
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(table_json).unwrap()).unwrap();
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["model"] == model)
        .unwrap()["mrr"]
        .as_f64()
        .unwrap()
}

/// The proof that the evaluation is right: the recurrency baseline's published time-aware filtered MRR
/// (Gastinger et al. 2024: ICEWS14 37.2, ICEWS18 28.7, both on the RE-GCN splits the one-protocol tables use)
/// reproduced within ±0.5, with random ties. The xERTE split of ICEWS14 is a second row (no published figure of
/// its own; the same 37.2 holds there too), where the rule model must also clearly beat the baseline.
#[test]
fn recurrency_baseline_reproduces_the_published_mrr() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (folder, published, models) in [
        ("icews14/regcn", 37.2, "recurrency"),
        ("icews14/xerte", 37.2, "all"),
        ("icews18/diffutkg", 28.7, "recurrency"),
    ] {
        let json = tkg_scores(&data, dir.path(), folder, models);
        let mrr = mrr_of(&json, "recurrency");
        assert!(
            (mrr - published).abs() <= 0.5,
            "{folder}: recurrency MRR {mrr:.2}, published {published}"
        );
        if models == "all" {
            let rules = mrr_of(&json, "rules");
            assert!(
                rules > mrr + 3.0,
                "{folder}: rules MRR {rules:.2} should clearly beat recurrency {mrr:.2}"
            );
            let combined = mrr_of(&json, "combined");
            assert!(
                combined > rules + 1.0,
                "{folder}: combined MRR {combined:.2} should beat rules {rules:.2}"
            );
        }
    }
}

/// The combined model against the best verified results on the one-protocol splits (TiRGN: ICEWS14 44.0,
/// ICEWS18 33.7; RE-GCN 32.58 on ICEWS18). Measured 44.90 and 33.56 (bench/RESULTS.md): ICEWS14 must stay at
/// TiRGN's figure or above, ICEWS18 above RE-GCN's (it falls 0.14 short of TiRGN's).
#[test]
fn combined_model_reaches_the_best_published_accuracy() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (folder, floor) in [("icews14/regcn", 44.0), ("icews18/diffutkg", 33.3)] {
        let json = tkg_scores(&data, dir.path(), folder, "combined");
        let mrr = mrr_of(&json, "combined");
        assert!(
            mrr >= floor,
            "{folder}: combined MRR {mrr:.2}, want ≥ {floor}"
        );
    }
}

/// Runs `forecast tkg` on a benchmark folder of the shared data and returns the path of its JSON table.
fn tkg_scores(data: &Path, dir: &Path, folder: &str, models: &str) -> std::path::PathBuf {
    let json = dir.join(format!("{}-{models}.json", folder.replace('/', "-")));
    let path = data.join(folder);
    let table = ok(
        &dir.join("store"),
        &[
            "forecast",
            "tkg",
            "--dataset",
            path.to_str().unwrap(),
            "--model",
            models,
            "--json",
            json.to_str().unwrap(),
        ],
    );
    eprintln!("{folder}:\n{table}");
    json
}

#[test]
fn dyad_forecast_on_the_icews18_store() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(
        &store,
        &["ingest", data.join("icews18/diffutkg").to_str().unwrap()],
    );
    let png = dir.path().join("rus-pak.png");
    let out = ok(
        &store,
        &[
            "forecast",
            "dyad",
            "RUS",
            "PAK",
            "--by",
            "week",
            "--horizon",
            "12",
            "--plot",
            png.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.lines().filter(|l| l.contains("negbin")).count(),
        12,
        "{out}"
    );
    assert!(std::fs::metadata(&png).unwrap().len() > 1000);
    let svg = dir.path().join("ind-pak.svg");
    let out = ok(
        &store,
        &[
            "backtest",
            "dyad",
            "IND",
            "PAK",
            "--by",
            "week",
            "--horizon",
            "4",
            "--plot",
            svg.to_str().unwrap(),
        ],
    );
    for model in ["last-poisson", "bootstrap", "negbin", "calibrated"] {
        assert!(
            table_rows(&out)
                .iter()
                .any(|r| r["model"] == model && r["horizon"] == "all"),
            "{out}"
        );
    }
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));
}
