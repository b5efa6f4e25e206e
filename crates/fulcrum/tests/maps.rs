//! `fulcrum map`: the relations map and the event map from the CLI — values against hand-computed ones on a
//! fixture, the files it writes, its errors, the compiled-in shapes against the npm package they come from, and
//! the real data (ICEWS18, GDELT 2.0 samples) when present.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{csv_records, ok, relations_fixture_store, run, shared_data, skipped};
use serde_json::Value;

/// The CSV a command wrote, as one map per row keyed by column.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).expect("the CSV was written");
    let records = csv_records(&text);
    let (header, rows) = records.split_first().expect("a header");
    rows.iter()
        .map(|r| header.iter().cloned().zip(r.iter().cloned()).collect())
        .collect()
}

fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?}", row[column]))
}

fn row<'a>(rows: &'a [BTreeMap<String, String>], code: &str) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("{code} is in {rows:?}"))
}

#[test]
fn relations_map_gives_each_state_its_tie_index_and_colour() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let (csv, json, svg, png) = (
        dir.path().join("map.csv"),
        dir.path().join("map.json"),
        dir.path().join("map.svg"),
        dir.path().join("map.png"),
    );
    let out = ok(
        &store,
        &[
            "map",
            "RUS",
            "--window",
            "2019-01-01..2019-03-31",
            "--csv",
            csv.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
            "--plot",
            svg.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("RUS and every other state, 2019-01-01 .. 2019-03-31"),
        "{out}"
    );
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 2, "{rows:?}");
    // RUS–IND: ten agreements (+8.0) and ten visits (+1.9): N = W = 99, index = 99 / (99 + 10).
    let ind = row(&rows, "IND");
    assert_eq!(ind["events"], "20");
    assert!(
        (number(ind, "index") - 99.0 / 109.0).abs() < 1e-6,
        "{ind:?}"
    );
    assert_eq!(ind["tie"], "cooperative");
    assert_eq!(ind["iso3"], "IND");
    // RUS–PAK: ten accusations and criticisms (−2.0, verbal conflict), then five agreements and five visits
    // (verbal cooperation): N = 29.5, W = 69.5.
    let pak = row(&rows, "PAK");
    assert!((number(pak, "index") - 29.5 / 79.5).abs() < 1e-6, "{pak:?}");
    assert!((number(pak, "goldstein") - 29.5 / 20.0).abs() < 1e-6);
    assert!(
        (number(pak, "q3") - 0.5).abs() < 1e-9 && (number(pak, "q1") - 0.5).abs() < 1e-9,
        "{pak:?}"
    );
    // The warmer tie is listed first, and the two are coloured differently on the diverging scale.
    assert_eq!(rows[0]["code"], "IND");
    assert_ne!(ind["colour"], pak["colour"]);
    // The JSON holds the same rows; the SVG paints the states in the table's colours.
    let parsed: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(parsed.as_array().map(Vec::len), Some(2));
    let drawing = std::fs::read_to_string(&svg).unwrap();
    for colour in [&ind["colour"], &pak["colour"], &"#3c3c3c".to_string()] {
        assert!(
            drawing.to_lowercase().contains(&colour.to_lowercase()),
            "the map uses {colour}"
        );
    }
    assert!(
        drawing.matches("<polygon").count() > 240,
        "every shape is drawn"
    );
    ok(
        &store,
        &[
            "map",
            "RUS",
            "--from",
            "2019-01-01",
            "--plot",
            png.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&png).unwrap();
    assert!(
        bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
        "{} bytes",
        bytes.len()
    );
}

#[test]
fn a_difference_map_shows_the_change_across_the_break() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let csv = dir.path().join("change.csv");
    ok(
        &store,
        &[
            "map",
            "RUS",
            "--from",
            "2019-01-01",
            "--to",
            "2019-03-31",
            "--break",
            "2019-02-14",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    let rows = csv_rows(&csv);
    // PAK: from −20/30 (hostile) to 49.5/59.5 (cooperative); IND unchanged at 49.5/59.5.
    let pak = row(&rows, "PAK");
    let expected = 49.5 / 59.5 + 20.0 / 30.0;
    assert!((number(pak, "value") - expected).abs() < 1e-6, "{pak:?}");
    assert!((number(pak, "before") + 20.0 / 30.0).abs() < 1e-6);
    assert!(number(pak, "p_value") < 0.01, "{pak:?}");
    assert_eq!(
        (pak["events_before"].as_str(), pak["events_after"].as_str()),
        ("10", "10")
    );
    let ind = row(&rows, "IND");
    assert!(number(ind, "value").abs() < 1e-9, "{ind:?}");
    assert_eq!(
        rows[0]["code"], "PAK",
        "the state that grew closest comes first"
    );
    // Counts change as a monthly rate: ten events in 44 days, then ten in 46.
    let csv = dir.path().join("rate.csv");
    ok(
        &store,
        &[
            "map",
            "RUS",
            "--window",
            "2019-01-01..2019-03-31",
            "--break",
            "2019-02-14",
            "--measure",
            "events",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    let rows = csv_rows(&csv);
    let pak = row(&rows, "PAK");
    assert!(
        (number(pak, "value") - (10.0 * 30.0 / 46.0 - 10.0 * 30.0 / 44.0)).abs() < 1e-6,
        "{pak:?}"
    );
}

#[test]
fn directions_thin_evidence_and_bad_requests_are_handled() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let csv = dir.path().join("in.csv");
    // Only PAK → RUS events: five criticisms, then five visits.
    ok(
        &store,
        &[
            "map",
            "RUS",
            "--direction",
            "in",
            "--min-events",
            "11",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    let rows = csv_rows(&csv);
    let pak = row(&rows, "PAK");
    assert_eq!(pak["events"], "10");
    assert_eq!(
        pak["coloured"], "false",
        "ten events are fewer than --min-events 11"
    );
    assert_eq!(pak["colour"], "#c8c8c8");
    for (args, message) in [
        (
            vec!["map", "RUS", "--window", "2019-03-31..2019-01-01"],
            "a first day no later than the last",
        ),
        (vec!["map", "RUS", "--window", "2019"], "FROM..TO"),
        (
            vec!["map", "RUS", "--measure", "warmth"],
            "index, goldstein, events",
        ),
        (
            vec!["map", "RUS", "--break", "2018-01-01"],
            "must fall after the window's first day",
        ),
        (
            vec![
                "map",
                "RUS",
                "--window",
                "2019-01-01..2019-02-01",
                "--from",
                "2019-01-01",
            ],
            "not both",
        ),
        (vec!["map", "NOWHERE"], "unknown actor"),
        (vec!["map", "events"], "one or two actors, or a --code"),
        (
            vec!["map", "events", "IND", "--code", "1'; DROP"],
            "1 to 4 digits",
        ),
    ] {
        let out = run(&store, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(message),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn event_map_places_the_events_and_counts_those_without_coordinates() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let (csv, svg) = (dir.path().join("places.csv"), dir.path().join("events.svg"));
    let out = ok(
        &store,
        &[
            "map",
            "events",
            "IND",
            "PAK",
            "--csv",
            csv.to_str().unwrap(),
            "--plot",
            svg.to_str().unwrap(),
        ],
    );
    // The fixture's five fights between the armies are all recorded at 20°N 77°E.
    assert!(
        out.contains("events between IND and PAK: 5 of 5 have coordinates"),
        "{out}"
    );
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0]["lat"].as_str(),
            rows[0]["lon"].as_str(),
            rows[0]["events"].as_str()
        ),
        ("20.0", "77.0", "5")
    );
    assert_eq!(
        (rows[0]["q4"].as_str(), rows[0]["quad_class"].as_str()),
        ("5", "4")
    );
    assert!(std::fs::read_to_string(&svg).unwrap().contains("<circle"));
    // Every event of one type, without actors; one actor with anyone.
    let out = ok(&store, &["map", "events", "--code", "19"]);
    assert!(out.contains("5 of 5 have coordinates"), "{out}");
    // RUS's agreements (057): ten with IND, five with PAK.
    let out = ok(&store, &["map", "events", "RUS", "--code", "05"]);
    assert!(out.contains("15 of 15 have coordinates"), "{out}");
}

#[test]
fn compiled_in_shapes_are_the_npm_package_byte_for_byte() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let ours = std::fs::read(root.join("crates/geo/data/countries-50m.json")).unwrap();
    let package = root.join("tests/browser/node_modules/world-atlas/countries-50m.json");
    let Ok(theirs) = std::fs::read(&package) else {
        if std::env::var("FULCRUM_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "{} is missing (npm ci in tests/browser installs it)",
                package.display()
            );
        }
        skipped("world-atlas is not installed in tests/browser (scripts/test runs npm ci there)");
        return;
    };
    assert!(
        ours == theirs,
        "crates/geo/data/countries-50m.json differs from world-atlas's; run tools/update-shapes"
    );
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("tests/browser/node_modules/world-atlas/package.json"))
            .unwrap(),
    )
    .unwrap();
    let source = std::fs::read_to_string(root.join("crates/geo/data/SOURCE.md")).unwrap();
    let version = manifest["version"].as_str().unwrap();
    assert!(
        source.contains(&format!("world-atlas {version}")),
        "SOURCE.md names version {version}"
    );
    assert_eq!(manifest["license"], "ISC");
}

/// Expected from the public record before the first run (2018-01-01 .. 2018-10-31): Russia cooperative with
/// China, India and Syria (Assad's ally; summits with Xi and Modi), hostile with Ukraine (Kerch Strait, Donbas) and
/// the United Kingdom (the Skripal poisoning, diplomats expelled in March).
#[test]
fn russia_and_the_world_on_icews18() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(&store, &["ingest", data.join("icews18").to_str().unwrap()]);
    let (csv, svg, png) = (
        dir.path().join("rus.csv"),
        dir.path().join("rus.svg"),
        dir.path().join("rus.png"),
    );
    let out = ok(
        &store,
        &[
            "map",
            "RUS",
            "--window",
            "2018-01-01..2018-10-31",
            "--csv",
            csv.to_str().unwrap(),
            "--plot",
            svg.to_str().unwrap(),
        ],
    );
    eprintln!("{out}");
    let rows = csv_rows(&csv);
    let coloured = rows.iter().filter(|r| r["coloured"] == "true").count();
    assert!(
        rows.len() > 100 && coloured > 50,
        "{} states, {coloured} coloured",
        rows.len()
    );
    for code in ["CHN", "IND", "SYR"] {
        let r = row(&rows, code);
        assert!(
            number(r, "index") > 0.0 && r["tie"] == "cooperative",
            "{code}: {r:?}"
        );
    }
    for code in ["UKR", "GBR"] {
        let r = row(&rows, code);
        assert!(number(r, "index") < 0.0, "{code}: {r:?}");
    }
    let drawing = std::fs::read_to_string(&svg).unwrap().to_lowercase();
    for code in ["CHN", "UKR"] {
        assert!(
            drawing.contains(&row(&rows, code)["colour"].to_lowercase()),
            "{code}'s colour is on the map"
        );
    }
    ok(
        &store,
        &[
            "map",
            "RUS",
            "--window",
            "2018-01-01..2018-10-31",
            "--plot",
            png.to_str().unwrap(),
        ],
    );
    // TKG facts have no coordinates: the event map says so instead of drawing nothing silently.
    let out = ok(
        &store,
        &[
            "map",
            "events",
            "RUS",
            "UKR",
            "--window",
            "2018-01-01..2018-10-31",
        ],
    );
    assert!(
        out.contains(": 0 of ") && out.contains("without coordinates are not on the map"),
        "{out}"
    );
}

/// GDELT 2.0 codes where events happened: the event map places every event with coordinates, and its counts
/// agree with SQL over the same rows.
#[test]
fn event_map_on_gdelt_samples() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(
        &store,
        &[
            "ingest",
            data.join("gdelt2/arekziobrowski-gdelt-big-data")
                .to_str()
                .unwrap(),
        ],
    );
    let json = dir.path().join("places.json");
    let out = ok(
        &store,
        &[
            "map",
            "events",
            "--code",
            "1",
            "--json",
            json.to_str().unwrap(),
            "--max-points",
            "100000",
        ],
    );
    let sql = ok(
        &store,
        &[
            "sql",
            "SELECT count(*) AS n, count(*) FILTER (WHERE action_geo_lat IS NOT NULL AND action_geo_lon IS NOT NULL \
             AND NOT (action_geo_lat = 0 AND action_geo_lon = 0)) AS located FROM events WHERE starts_with(event_code, '1')",
            "--format",
            "json",
        ],
    );
    let counts: Value = serde_json::from_str(sql.trim()).unwrap();
    let (n, located) = (
        counts[0]["n"].as_u64().unwrap(),
        counts[0]["located"].as_u64().unwrap(),
    );
    assert!(located > 100, "{counts}");
    assert!(
        out.contains(&format!("{located} of {n} have coordinates")),
        "{out}\nSQL: {counts}"
    );
    let places: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let places = places.as_array().unwrap();
    let total: u64 = places.iter().map(|p| p["events"].as_u64().unwrap()).sum();
    assert_eq!(total, located, "every located event is at one place");
    assert!(places.iter().all(|p| {
        let (lat, lon) = (p["lat"].as_f64().unwrap(), p["lon"].as_f64().unwrap());
        (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)
    }));
    let svg = dir.path().join("gdelt.svg");
    ok(
        &store,
        &["map", "events", "USA", "--plot", svg.to_str().unwrap()],
    );
    assert!(
        std::fs::read_to_string(&svg)
            .unwrap()
            .matches("<circle")
            .count()
            > 10
    );
}
