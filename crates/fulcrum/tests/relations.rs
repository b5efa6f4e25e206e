//! `fulcrum dyad` and `fulcrum balance` on a fixture store, and on ICEWS18 when the shared data is present.

mod common;

use common::*;

#[test]
fn dyad_series_by_month_with_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let csv = dir.path().join("dyad.csv");
    let out = ok(
        &store,
        &[
            "dyad",
            "Russia",
            "PAK",
            "--by",
            "month",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    let printed = table_rows(&out);
    assert_eq!(
        (
            printed[0]["period"].as_str(),
            printed[0]["source"].as_str(),
            printed[0]["target"].as_str()
        ),
        ("2019-01", "RUS", "PAK")
    );
    assert_eq!(printed[0]["events"].parse::<f64>(), Ok(4.0), "{out}");
    let records = csv_records(&std::fs::read_to_string(&csv).unwrap());
    let header = "period,source,target,events,goldstein_sum,goldstein_mean,net_coop,q1,q2,q3,q4,share_q1,share_q2,share_q3,share_q4,tone_mean";
    assert_eq!(records[0].join(","), header);
    assert_eq!(records.len(), 1 + 3 * 2, "three months, two directions");
    let first: Vec<f64> = records[1][3..]
        .iter()
        .map(|v| v.parse().unwrap_or(f64::NAN))
        .collect();
    assert_eq!(&records[1][..3], ["2019-01", "RUS", "PAK"]);
    // 4 accusations (−2 each): 4 events, sum −8, mean −2, all verbal conflict; tone −1.25 per the fixture.
    assert_eq!(
        first,
        [
            4.0, -8.0, -2.0, -1.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 1.0, 0.0, -1.25
        ]
    );
    // One-a-day: the fixture has one event per day and direction, so nothing changes; normalised counts
    // are per 1,000 events of the whole store.
    let out = ok(
        &store,
        &[
            "dyad",
            "RUS",
            "PAK",
            "--by",
            "month",
            "--dedup",
            "daily",
            "--normalize",
            "--from",
            "2019-01-01",
            "--to",
            "2019-01-31",
        ],
    );
    let printed = table_rows(&out);
    let january = printed
        .iter()
        .find(|r| r["source"] == "RUS" && r["period"] == "2019-01")
        .expect("RUS → PAK in January");
    assert_eq!(
        january["events"].parse::<f64>(),
        Ok(250.0),
        "4 of 16 January events = 250 per 1,000:\n{out}"
    );
    let err = run(&store, &["dyad", "RUS", "Atlantis"]);
    assert!(
        !err.status.success()
            && String::from_utf8_lossy(&err.stderr).contains("unknown actor 'Atlantis'")
    );
}

#[test]
fn balance_detects_the_shift_towards_pakistan() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let json = dir.path().join("balance.json");
    let out = ok(
        &store,
        &[
            "balance",
            "RUS",
            "--between",
            "IND",
            "PAK",
            "--by",
            "month",
            "--break",
            "2019-02-14",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    // Before (5 dates): net(RUS,IND) = 5 × (8 + 1.9) = 49.5, net(RUS,PAK) = 5 × (−2 − 2) = −20, volumes 49.5 and
    // 20 → tilt (49.5 + 20) / (49.5 + 20 + 10) = 0.874. After: both 49.5 → tilt 0.
    assert!(
        out.contains("tilt before +0.874 [")
            && out.contains("→ IND (10/10 events), after +0.000 ["),
        "{out}"
    );
    assert!(out.contains("the tilt moved towards PAK"), "{out}");
    assert!(
        out.contains("RUS leaned to IND in 1 and to PAK in 0 of 3 periods, even in 2, too little evidence in 0"),
        "{out}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v[0]["period"], "2019-01");
    // January: (39.6 + 16) / (39.6 + 16 + 10); the old mean tilt 4.95 − (−2) stays as a column.
    assert_eq!(v[0]["tilt"], 0.847561);
    assert_eq!(v[0]["mean_tilt"], 6.95);
    assert_eq!(v[0]["leans_to"], "IND");
    assert_eq!(v[1]["leans_to"], "even");
    // January has 16 events with the rivals, February and March 12 each: with 13 required, those two are thin.
    let strict = ok(
        &store,
        &[
            "balance",
            "RUS",
            "--between",
            "IND",
            "PAK",
            "--min-events",
            "13",
        ],
    );
    assert!(
        strict.contains("RUS leaned to IND in 1 and to PAK in 0 of 3 periods, even in 0, too little evidence in 2"),
        "{strict}"
    );
    assert_eq!(v[2]["hostility_ab"], 10.0);
    // A group as an actor, with membership dates: India and Pakistan joined the SCO in 2017, so in January 2019
    // Russia's 4 agreements with India (+8) and 4 accusations of Pakistan (−2) are all Russia → SCO. Russia is a
    // member too, but a side goes to the first actor named that matches it.
    let sco = dir.path().join("sco.json");
    ok(
        &store,
        &[
            "dyad",
            "RUS",
            "SCO",
            "--by",
            "month",
            "--json",
            sco.to_str().unwrap(),
        ],
    );
    let rows: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sco).unwrap()).unwrap();
    let january = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["period"] == "2019-01" && r["source"] == "RUS")
        .unwrap();
    assert_eq!(
        (
            january["events"].as_f64(),
            january["goldstein_sum"].as_f64()
        ),
        (Some(8.0), Some(24.0)),
        "{january}"
    );
}

#[test]
fn russia_india_pakistan_on_icews18() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&store, &["ingest", data.join("icews18").to_str().unwrap()]);
    let out = ok(
        &store,
        &[
            "balance",
            "RUS",
            "--between",
            "IND",
            "PAK",
            "--by",
            "month",
            "--break",
            "2018-06-01",
        ],
    );
    assert!(
        out.contains("| 2018-01 |") && out.contains("| 2018-10 |"),
        "{out}"
    );
    assert!(out.contains("break at 2018-06-01"), "{out}");
    let out = ok(
        &store,
        &["dyad", "IND", "PAK", "--by", "week", "--dedup", "daily"],
    );
    assert!(
        out.lines().filter(|l| l.contains("| IND    | PAK")).count() >= 40,
        "{out}"
    );
    let irf = dir.path().join("irf.csv");
    let out = ok(
        &store,
        &[
            "triad",
            "RUS",
            "IND",
            "PAK",
            "--by",
            "week",
            "--var",
            "--bootstrap",
            "50",
            "--irf-csv",
            irf.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("VAR(1) on 43 observations") && out.contains("reciprocity   IND→PAK"),
        "{out}"
    );
    assert_eq!(
        std::fs::read_to_string(&irf).unwrap().lines().count(),
        1 + 9 * 36,
        "horizons 0..8 × 36 pairs"
    );
}

#[test]
fn triad_signs_and_balance() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let out = ok(&store, &["triad", "RUS", "IND", "PAK", "--by", "month"]);
    // January: RUS-IND friendly, RUS-PAK hostile, no IND-PAK events: no triangle.
    let rows = table_rows(&out);
    assert_eq!(rows[0]["period"], "2019-01");
    assert_eq!(
        rows[0]["edges"], "RUS-IND:+4.9 RUS-PAK:−2.0 IND-PAK:·",
        "{out}"
    );
    // March: all friendly with Russia, IND-PAK at war (−10): one unbalanced triangle, frustration 1.
    let march = rows.iter().find(|r| r["period"] == "2019-03").unwrap();
    assert!(march["edges"].contains("IND-PAK:−10.0"), "{march:?}");
    let counts = ["triangles", "balanced", "triangle_index", "frustration"]
        .map(|k| march[k].parse::<f64>().unwrap());
    assert_eq!(counts, [1.0, 0.0, 0.0, 1.0], "{march:?}");
}

#[test]
fn changes_finds_the_warming() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let out = ok(
        &store,
        &[
            "changes",
            "RUS",
            "PAK",
            "--by",
            "day",
            "--series",
            "goldstein_sum",
            "--cost",
            "l2",
            "--penalty",
            "20",
        ],
    );
    assert!(out.contains("RUS → PAK: 1 change point(s)"), "{out}");
    // The one change falls between the last hostile day (2019-02-08) and the first friendly one (2019-02-15).
    let rows = table_rows(&out);
    let change = rows
        .iter()
        .find(|r| r["direction"] == "RUS → PAK" && r["begins_with"] == "change")
        .unwrap();
    assert!(
        ("2019-02-09".."2019-02-16").contains(&change["from"].as_str()),
        "{change:?}"
    );
}
