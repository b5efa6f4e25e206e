//! People and organisations named only by name count as the state they act for on the day (dated roles from an
//! actor dictionary), in the CLI and the API alike; switched off with --no-resolve; explained per event; and
//! `fulcrum stats` reports how many events have a state on both sides before and after.

mod common;

use std::path::{Path, PathBuf};

use common::*;

/// A small actor dictionary in the PETRARCH-2 format (written here, not copied from anywhere).
const ACTORS: &str = "\
VLADIMIR_PUTIN_  # fixture
+PUTIN_
\t[RUSGOV >20000507]
NARENDRA_MODI_
\t[INDGOV >20140526]
SERGEY_LAVROV_
\t[RUSGOV >20040309]
OLD_MINISTER_
\t[PAKGOV 20100101-20150101]
\t[PAKELI >20150101]
UNITED_NATIONS_ [IGOUNO]
";

/// ICEWS rows of January–February 2019, most of them between actors stored by name only.
fn fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let dict = dir.join("dictionaries");
    std::fs::create_dir_all(&dict).unwrap();
    std::fs::write(dict.join("Phoenix.Countries.actors.txt"), ACTORS).unwrap();
    let rows = [
        // Putin → Modi: both resolve (RUS → IND).
        icews_line(
            1,
            "2019-01-10",
            "Vladimir Putin",
            "",
            "057",
            "Narendra Modi",
            "",
        ),
        // Lavrov (middle name in the data, not in the dictionary) → India's government.
        icews_line(
            2,
            "2019-01-12",
            "Sergey Viktorovich Lavrov",
            "",
            "036",
            "Government (India)",
            "India",
        ),
        // Stored with states.
        icews_line(3, "2019-01-15", "Russia", "Russia", "042", "India", "India"),
        // A former minister is not the state: his role in 2019 is an elite's.
        icews_line(
            4,
            "2019-01-20",
            "Old Minister",
            "",
            "111",
            "Russia",
            "Russia",
        ),
        // The UN stays itself.
        icews_line(
            5,
            "2019-01-22",
            "United Nations",
            "",
            "042",
            "India",
            "India",
        ),
        // Putin → Pakistan: resolves to RUS → PAK.
        icews_line(
            6,
            "2019-02-02",
            "Vladimir Putin",
            "",
            "112",
            "Pakistan",
            "Pakistan",
        ),
    ];
    let mut lines = vec![ICEWS_HEADER.to_string()];
    lines.extend(rows);
    let input = write_lines(dir, "events.tab", &lines);
    let store = dir.join("store");
    ok(&store, &["ingest", input.to_str().unwrap()]);
    (store, dict)
}

fn events_of(out: &str, source: &str) -> f64 {
    table_rows(out)
        .iter()
        .filter(|r| r["source"] == source)
        .map(|r| r["events"].parse::<f64>().unwrap())
        .sum()
}

#[test]
fn names_resolve_to_states_on_their_dates_and_can_be_switched_off() {
    let dir = tempfile::tempdir().unwrap();
    let (store, dict) = fixture(dir.path());
    let dict = dict.to_str().unwrap();
    let out = ok(&store, &["--dict", dict, "dyad", "RUS", "IND"]);
    assert_eq!(
        events_of(&out, "RUS"),
        3.0,
        "Putin, Lavrov and Russia → India: {out}"
    );
    let out = ok(
        &store,
        &["--dict", dict, "dyad", "RUS", "IND", "--no-resolve"],
    );
    assert_eq!(
        events_of(&out, "RUS"),
        1.0,
        "only the row stored with states: {out}"
    );
    // The former minister (an elite in 2019) is not Pakistan; Putin → Pakistan is RUS → PAK.
    let out = ok(&store, &["--dict", dict, "dyad", "RUS", "PAK"]);
    assert_eq!(
        (events_of(&out, "RUS"), events_of(&out, "PAK")),
        (1.0, 0.0),
        "{out}"
    );
    // Without a dictionary: said plainly, and only stored states count.
    let missing = dir.path().join("nowhere");
    let run = run(
        &store,
        &["--dict", missing.to_str().unwrap(), "dyad", "RUS", "IND"],
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success() && stderr.contains("no dictionary folder"),
        "{stderr}"
    );
    assert_eq!(events_of(&String::from_utf8_lossy(&run.stdout), "RUS"), 1.0);

    let explained = ok(
        &store,
        &[
            "--dict",
            dict,
            "dict",
            "resolve",
            "Vladimir Putin",
            "Old Minister",
            "United Nations",
            "--date",
            "2019-01-10",
        ],
    );
    assert_eq!(
        explained,
        "Vladimir Putin: RUSGOV by Phoenix.Countries.actors.txt:1 VLADIMIR_PUTIN_ [RUSGOV 2000-05-07 .. open)\n\
         Old Minister: not the state: Phoenix.Countries.actors.txt:8 OLD_MINISTER_ [PAKELI 2015-01-01 .. open) is not a state role\n\
         United Nations: not the state: Phoenix.Countries.actors.txt:11 UNITED_NATIONS_ [IGOUNO open .. open) is not a state role\n"
    );

    let stats = ok(&store, &["--dict", dict, "stats"]);
    assert!(
        stats.contains("events with a state on both sides: 1 of 6 (16.7%) as stored; 4 (66.7%)"),
        "{stats}"
    );
    assert!(
        stats.contains("Old Minister") && stats.contains("PAKELI"),
        "the names left without a state, explained: {stats}"
    );
}

#[test]
fn the_api_resolves_like_the_cli_and_explains_each_event() {
    let dir = tempfile::tempdir().unwrap();
    let (store, dict) = fixture(dir.path());
    let dict = dict.to_str().unwrap();
    let served = Served::start(&store, &["--dict", dict]);
    let dyad = get_ok(&served, "/api/dyad?a=RUS&b=IND");
    let forward = &dyad["directions"][0];
    assert_eq!(forward["source"], "RUS");
    let total: f64 = forward["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["events"].as_f64().unwrap())
        .sum();
    assert_eq!(total, 3.0, "{dyad}");
    assert_eq!(dyad["window"]["resolved"], true);
    let off = get_ok(&served, "/api/dyad?a=RUS&b=IND&no_resolve=true");
    assert_eq!(off["directions"][0]["points"][0]["events"], 1.0, "{off}");

    let listing = get_ok(&served, "/api/events?a=RUS&b=IND&direction=ab");
    assert_eq!(listing["total"], 3, "{listing}");
    let putin = listing["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["actor1_name"] == "Vladimir Putin")
        .expect("Putin's event is listed");
    assert_eq!(
        putin["actor1_resolved"],
        "RUSGOV by Phoenix.Countries.actors.txt:1 VLADIMIR_PUTIN_ [RUSGOV 2000-05-07 .. open)"
    );
    assert_eq!(
        putin["actor2_resolved"],
        "INDGOV by Phoenix.Countries.actors.txt:4 NARENDRA_MODI_ [INDGOV 2014-05-26 .. open)"
    );
    let stored = listing["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["actor1_name"] == "Russia")
        .unwrap();
    assert!(
        stored["actor1_resolved"].is_null(),
        "stored with a state: nothing to explain"
    );
    let off = get_ok(
        &served,
        "/api/events?a=RUS&b=IND&direction=ab&no_resolve=true",
    );
    assert_eq!(off["total"], 1, "{off}");
}

#[test]
fn who_balances_whom_is_the_same_from_the_cli_and_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let (store, dict) = fixture(dir.path());
    let dict = dict.to_str().unwrap();
    let json = dir.path().join("ranking.json");
    let out = ok(
        &store,
        &[
            "--dict",
            dict,
            "balance",
            "--between",
            "IND",
            "PAK",
            "--min-events",
            "1",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("every third state between IND and PAK"),
        "{out}"
    );
    let cli: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let served = Served::start(&store, &["--dict", dict]);
    let api = get_ok(&served, "/api/balance?a=IND&b=PAK&min_events=1");
    let ranking = api["ranking"].as_array().unwrap();
    assert_eq!(ranking.len(), cli.as_array().unwrap().len(), "{api}");
    for (row, r) in cli.as_array().unwrap().iter().zip(ranking) {
        assert_eq!(row["third"], r["third"]["code"]);
        assert_eq!(row["events_ta"], r["events_ta"]);
        assert_eq!(row["events_tb"], r["events_tb"]);
        assert!((row["tilt"].as_f64().unwrap() - r["tilt"].as_f64().unwrap()).abs() < 1e-6);
    }
    // Russia: 3 events with India (+8, +3.6 … all cooperative), 1 hostile one with Pakistan → leans to India;
    // the groups Russia belongs to (SCO, BRICS) read the same from its events.
    let russia = ranking
        .iter()
        .find(|r| r["third"]["code"] == "RUS")
        .unwrap();
    assert_eq!(
        (russia["events_ta"].as_u64(), russia["events_tb"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(russia["lean"], "toward_a");
    for group in ["SCO", "BRICS"] {
        let g = ranking
            .iter()
            .find(|r| r["third"]["code"] == group)
            .unwrap_or_else(|| panic!("{group}: {api}"));
        assert_eq!(g["tilt"], russia["tilt"], "{group}");
    }
    assert!(
        api["summary"]
            .as_str()
            .unwrap()
            .starts_with("leaning to IND: BRICS, RUS, SCO;"),
        "{api}"
    );
    // A break test needs a third state.
    let (status, body) = get(&served, "/api/balance?a=IND&b=PAK&break=2019-01-15");
    assert_eq!(status, 400, "{body}");
}
