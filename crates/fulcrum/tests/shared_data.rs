//! Tests on the real event data beside the project (`../shared/data`). They say SKIPPED when it is absent,
//! and fail in CI (FULCRUM_REQUIRE_SHARED_DATA=1) if it is missing there.

mod common;

use std::collections::BTreeMap;

use common::*;
use fulcrum_model::cameo;

const FOLDERS: [&str; 6] = [
    "gdelt1",
    "gdelt2",
    "icews",
    "icews14",
    "icews18",
    "icews05-15",
];

/// Data lines per input file, as the folders' SOURCE.md files state them.
const EXPECTED_LINES: [(&str, u64); 18] = [
    ("gdelt1/aamend-spark-gdelt/events1.csv", 100),
    ("gdelt1/reed9999-gdelt-demo/events.csv", 710),
    ("gdelt2/aamend-spark-gdelt/events.csv", 100),
    (
        "gdelt2/arekziobrowski-gdelt-big-data/20191024143000.export.CSV",
        2111,
    ),
    ("icews/andybega-icews/events.2018.sample.tab", 3705),
    ("icews14/xerte/train.txt", 63685),
    ("icews14/xerte/valid.txt", 13823),
    ("icews14/xerte/test.txt", 13222),
    ("icews14/regcn/train.txt", 74845),
    ("icews14/regcn/valid.txt", 8514),
    ("icews14/regcn/test.txt", 7371),
    ("icews18/diffutkg/train.txt.gz", 373018),
    ("icews18/diffutkg/valid.txt", 45995),
    ("icews18/diffutkg/test.txt", 49545),
    ("icews18/tlogic-named/valid.txt.gz", 45995),
    ("icews18/tlogic-named/test.txt.gz", 49545),
    ("icews05-15/mmkb-named/icews_2005-2015_valid.txt.gz", 46275),
    ("icews05-15/mmkb-named/icews_2005-2015_test.txt.gz", 46092),
];

#[test]
fn every_shared_file_ingests_with_accounting_that_adds_up_and_duckdb_agrees() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mut args = vec!["ingest".to_string()];
    args.extend(
        FOLDERS
            .iter()
            .map(|f| data.join(f).to_string_lossy().into_owned()),
    );
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ok(&store, &argv);
    eprintln!("{out}");

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(store.join("_fulcrum/manifest.json")).unwrap())
            .unwrap();
    let mut read_by_input = BTreeMap::new();
    for input in manifest["inputs"].as_array().unwrap() {
        let n = |k: &str| input[k].as_u64().unwrap();
        assert_eq!(
            n("rows_read"),
            n("rows_stored") + n("rows_quarantined") + n("duplicates_skipped"),
            "accounting of {}",
            input["input"]
        );
        read_by_input.insert(input["input"].as_str().unwrap().to_string(), n("rows_read"));
    }
    for (suffix, lines) in EXPECTED_LINES {
        let (_, read) = read_by_input
            .iter()
            .find(|(k, _)| k.ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} was not ingested: {read_by_input:?}"));
        assert_eq!(*read, lines, "{suffix}");
    }
    assert_eq!(read_by_input.len(), EXPECTED_LINES.len());

    // The only rejects allowed on real data are explained ones; today there are none.
    assert_eq!(sql_one(&store, "SELECT count(*) FROM quarantine"), "0");

    let fulcrum_count: u64 = sql_one(&store, "SELECT count(*) FROM events")
        .parse()
        .unwrap();
    let fulcrum_sum: f64 = sql_one(&store, "SELECT sum(goldstein) FROM events")
        .parse()
        .unwrap();
    let stored: u64 = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["rows_stored"].as_u64().unwrap())
        .sum();
    assert_eq!(fulcrum_count, stored);
    if let Some(python) = python_with_duckdb() {
        let (count, sum) = duckdb_count_and_goldstein(&python, &store);
        assert_eq!(count, fulcrum_count, "DuckDB row count");
        assert!(
            (sum - fulcrum_sum).abs() <= 1e-9 * fulcrum_sum.abs().max(1.0),
            "Goldstein sum: DuckDB {sum} vs fulcrum {fulcrum_sum}"
        );
        eprintln!("DuckDB agrees: {count} rows, Goldstein sum {sum}");
    }
}

#[test]
fn gdelt_goldstein_and_quadclass_match_the_compiled_tables() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(
        &store,
        &[
            "ingest",
            data.join("gdelt1").to_str().unwrap(),
            data.join("gdelt2").to_str().unwrap(),
        ],
    );
    let rows = sql_rows(
        &store,
        "SELECT event_code, quad_class, goldstein, count(*) FROM events GROUP BY 1, 2, 3 ORDER BY 1",
    );
    let mut checked = 0u64;
    let mut mismatches = Vec::new();
    for r in &rows {
        let n: u64 = r[3].parse().unwrap();
        checked += n;
        let (quad, goldstein): (u8, f64) = (r[1].parse().unwrap(), r[2].parse().unwrap());
        match cameo::derived_scores(&r[0]) {
            Some((g, q)) if q == quad && (g - goldstein).abs() < 1e-9 => {}
            derived => mismatches.push(format!(
                "{n} row(s) code {}: GDELT says ({goldstein}, Q{quad}), tables say {derived:?}",
                r[0]
            )),
        }
    }
    assert_eq!(checked, 3021, "every GDELT row checked");
    assert!(
        mismatches.is_empty(),
        "derived scores differ from GDELT's own:\n{}",
        mismatches.join("\n")
    );
}
