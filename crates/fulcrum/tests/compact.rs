//! `fulcrum compact`: a compacted store gives the same answers as before, holds one pair-clustered file per month,
//! is rolled forward when a compaction is killed after its journal, and the names index that spares questions a
//! scan for names without a state gives the same answers as the scan.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const ACTORS: &str = "\
VLADIMIR_PUTIN_  # fixture
\t[RUSGOV >20000507]
NARENDRA_MODI_
\t[INDGOV >20140526]
";

/// The relations fixture (RUS, IND, PAK in January–March 2019) plus ICEWS rows stored by name only, ingested as
/// three transactions so that each month has several files.
fn fixture(dir: &Path) -> (PathBuf, PathBuf) {
    let store = relations_fixture_store(dir);
    let dict = dir.join("dictionaries");
    std::fs::create_dir_all(&dict).unwrap();
    std::fs::write(dict.join("Phoenix.Countries.actors.txt"), ACTORS).unwrap();
    let names = [
        icews_line(
            1,
            "2019-01-10",
            "Vladimir Putin",
            "",
            "057",
            "Narendra Modi",
            "",
        ),
        icews_line(
            2,
            "2019-02-02",
            "Vladimir Putin",
            "",
            "112",
            "Pakistan",
            "Pakistan",
        ),
        icews_line(
            3,
            "2019-03-03",
            "Narendra Modi",
            "",
            "042",
            "Russia",
            "Russia",
        ),
        icews_line(4, "2019-03-09", "Some Crowd", "", "145", "India", "India"),
    ];
    let mut lines = vec![ICEWS_HEADER.to_string()];
    lines.extend(names);
    let input = write_lines(dir, "names.tab", &lines);
    ok(&store, &["ingest", input.to_str().unwrap()]);
    let more: Vec<String> = (0..40)
        .map(|i| {
            let date = ["20190111", "20190212", "20190313"][i % 3];
            let (s, d) = [
                ("RUSGOV", "PAKGOV"),
                ("PAKMIL", "INDMIL"),
                ("INDGOV", "RUSGOV"),
            ][i % 3];
            gdelt2_line(&Ev::new(1000 + i as i64, date, s, d, "036"))
        })
        .collect();
    let input = write_lines(dir, "more.export.CSV", &more);
    ok(&store, &["ingest", input.to_str().unwrap()]);
    (store, dict)
}

/// What the relations commands and SQL answer on a store (whole outputs, every figure printed).
fn answers(store: &Path, dict: &Path) -> Vec<String> {
    let dict = dict.to_str().unwrap();
    let questions: [&[&str]; 5] = [
        &["dyad", "RUS", "IND", "--by", "week"],
        &["dyad", "RUS", "PAK", "--no-resolve"],
        &[
            "balance",
            "RUS",
            "--between",
            "IND",
            "PAK",
            "--break",
            "2019-02-14",
        ],
        &["triad", "RUS", "IND", "PAK"],
        &["map", "RUS", "--window", "2019-01-01..2019-03-31"],
    ];
    let mut out: Vec<String> = questions
        .iter()
        .map(|q| {
            let mut args = vec!["--dict", dict];
            args.extend_from_slice(q);
            ok(store, &args)
        })
        .collect();
    out.push(
        sql_rows(
            store,
            // Rounded: DataFusion adds the partitions' partial sums in the order they finish, so the last
            // bits of a float sum differ from run to run even over the same files.
            "SELECT count(*), round(sum(goldstein), 6), count(DISTINCT input_file), max(line_number) FROM events",
        )
        .concat()
        .join(","),
    );
    out
}

/// The event files in each month folder.
fn files_per_month(store: &Path) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for year in std::fs::read_dir(store).unwrap().flatten() {
        if !year.file_name().to_string_lossy().starts_with("year=") {
            continue;
        }
        for month in std::fs::read_dir(year.path()).unwrap().flatten() {
            let n = std::fs::read_dir(month.path())
                .unwrap()
                .flatten()
                .filter(|f| f.file_name().to_string_lossy().ends_with(".parquet"))
                .count();
            out.push((
                format!(
                    "{}/{}",
                    year.file_name().to_string_lossy(),
                    month.file_name().to_string_lossy()
                ),
                n,
            ));
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn a_compacted_store_gives_the_same_answers_in_one_clustered_file_per_month() {
    let dir = tempfile::tempdir().unwrap();
    let (store, dict) = fixture(dir.path());
    let before = answers(&store, &dict);
    assert!(
        before[0].contains("RUS") && before[0].contains("IND"),
        "{}",
        before[0]
    );
    let months_before = files_per_month(&store);
    assert_eq!(
        months_before,
        [
            ("year=2019/month=01".to_string(), 3),
            ("year=2019/month=02".to_string(), 3),
            ("year=2019/month=03".to_string(), 3)
        ]
    );

    let out = ok(&store, &["compact", "--row-group-rows", "1024"]);
    assert!(out.contains("3 of 3 month(s) rewritten"), "{out}");
    assert!(out.contains("9 file(s) → 3"), "{out}");
    assert_eq!(
        files_per_month(&store)
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>(),
        [1, 1, 1]
    );
    let after = answers(&store, &dict);
    for (b, a) in before.iter().zip(&after) {
        assert_eq!(b, a, "an answer changed with compaction");
    }
    // The rows of each file are in pair order: the first rows of January are RUS → IND, its last ones have no
    // actor1 state (the stored-by-name rows sort last).
    let order = sql_rows(
        &store,
        "SELECT actor1_country_code, actor2_country_code FROM events WHERE year = '2019' AND month = '01'",
    );
    let mut sorted = order.clone();
    sorted.sort_by_key(|r| (r[0].is_empty(), r[0].clone(), r[1].is_empty(), r[1].clone()));
    assert_eq!(order, sorted, "January's file is sorted by actor pair");

    let again = ok(&store, &["compact"]);
    assert!(again.contains("already compacted"), "{again}");

    // A new ingest adds one file to March; only March is rewritten.
    let input = write_lines(
        dir.path(),
        "late.export.CSV",
        &[gdelt2_line(&Ev::new(
            5000, "20190320", "RUSGOV", "INDGOV", "057",
        ))],
    );
    ok(&store, &["ingest", input.to_str().unwrap()]);
    let out = ok(&store, &["compact"]);
    assert!(out.contains("1 of 3 month(s) rewritten"), "{out}");
    assert_eq!(
        sql_one(&store, "SELECT count(*) FROM events WHERE event_id = 5000"),
        "1"
    );
}

#[test]
fn a_compaction_killed_after_its_journal_is_finished_on_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let (store, dict) = fixture(dir.path());
    let before = answers(&store, &dict);
    let out = fulcrum()
        .arg("--store")
        .arg(&store)
        .arg("compact")
        .env("FULCRUM_FAILPOINT", "compact-after-journal")
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the failpoint should have killed compact"
    );
    assert_eq!(
        std::fs::read_dir(store.join("_fulcrum/journal"))
            .unwrap()
            .count(),
        1,
        "journal left behind"
    );
    // Reading rolls the compaction forward: one file per month, the same answers.
    let after = answers(&store, &dict);
    assert_eq!(before, after);
    assert!(files_per_month(&store).iter().all(|(_, n)| *n == 1));
    assert_eq!(
        std::fs::read_dir(store.join("_fulcrum/journal"))
            .unwrap()
            .count(),
        0
    );
}

#[test]
fn the_names_index_answers_as_the_scan_of_a_store_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let (store, dict) = fixture(dir.path());
    let manifest = std::fs::read_to_string(store.join("_fulcrum/manifest.json")).unwrap();
    assert_eq!(
        manifest.matches("\"names_file\"").count(),
        3,
        "every transaction indexes its names"
    );
    // A store written before the index: the same manifest without it, so questions scan for names.
    let old = dir.path().join("old-store");
    copy_dir(&store, &old);
    let mut json: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    for t in json["txns"].as_array_mut().unwrap() {
        t.as_object_mut().unwrap().remove("names_file");
    }
    std::fs::write(
        old.join("_fulcrum/manifest.json"),
        serde_json::to_vec_pretty(&json).unwrap(),
    )
    .unwrap();
    let indexed = answers(&store, &dict);
    assert_eq!(indexed, answers(&old, &dict));
    // Putin's and Modi's rows (stored by name only) count: resolution found them through the index.
    let dyad = ok(
        &store,
        &["--dict", dict.to_str().unwrap(), "dyad", "RUS", "IND"],
    );
    let unresolved = ok(
        &store,
        &[
            "--dict",
            dict.to_str().unwrap(),
            "dyad",
            "RUS",
            "IND",
            "--no-resolve",
        ],
    );
    assert_ne!(dyad, unresolved, "resolved names add events");
    // Compacting the old store writes it an index; the answers stay.
    ok(&old, &["compact"]);
    let compacted = std::fs::read_to_string(old.join("_fulcrum/manifest.json")).unwrap();
    assert_eq!(compacted.matches("\"names_file\"").count(), 1);
    assert_eq!(indexed, answers(&old, &dict));
}

/// Runs a question with the pair index switched off (`FULCRUM_PAIR_INDEX=off`) or left to the lookup.
fn question(store: &Path, dict: &Path, args: &[&str], pair_index: bool) -> (String, String) {
    let mut command = fulcrum();
    command
        .arg("--store")
        .arg(store)
        .arg("--dict")
        .arg(dict)
        .args(args);
    if !pair_index {
        command.env("FULCRUM_PAIR_INDEX", "off");
    }
    let out = command.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "fulcrum {args:?}: {stderr}");
    (stdout, stderr)
}

#[test]
fn the_pair_index_answers_for_its_snapshot_and_the_store_does_after_an_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let (store, dict) = fixture(dir.path());
    let d = dict.to_str().unwrap();
    let before = answers(&store, &dict);
    assert!(ok(&store, &["--dict", d, "stats"]).contains("pair index: none"));

    let out = ok(
        &store,
        &["--dict", d, "compact", "--row-group-rows", "1024"],
    );
    assert!(out.contains("saved the pair index: 89 events"), "{out}");
    assert!(ok(&store, &["--dict", d, "stats"]).contains("pair index: up to date (89 events"));
    assert_eq!(
        before,
        answers(&store, &dict),
        "the index answers as SQL did"
    );
    let dyad = ["dyad", "RUS", "IND", "--by", "week"];
    let (from_index, notes) = question(&store, &dict, &dyad, true);
    assert!(!notes.contains("pair index"), "{notes}");

    // The questions really read the index: with March's Parquet file moved away, they still see March (SQL does not).
    let march = store.join("year=2019/month=03");
    let aside = dir.path().join("march-aside");
    std::fs::rename(&march, &aside).unwrap();
    assert_eq!(question(&store, &dict, &dyad, true).0, from_index);
    assert_ne!(question(&store, &dict, &dyad, false).0, from_index);
    // So does a server, which maps the index rather than reading the files.
    {
        let served = Served::start(&store, &["--dict", d, "--reload-every", "0"]);
        let api = get_ok(&served, "/api/dyad?a=RUS&b=IND&by=week");
        let march_weeks = api["directions"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|d| d["points"].as_array().unwrap())
            .filter(|p| {
                p["period"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("2019-03"))
                    && p["events"].as_f64().is_some_and(|n| n > 0.0)
            })
            .count();
        assert!(march_weeks > 0, "{api}");
    }
    std::fs::rename(&aside, &march).unwrap();

    assert!(ok(&store, &["--dict", d, "compact"]).contains("the pair index is up to date"));

    // Another dictionary: not the index's roles, so questions read the files, and say why.
    let (_, notes) = question(&store, &dir.path().join("no-such-dict"), &dyad, true);
    assert!(notes.contains("pair index was saved before"), "{notes}");

    // A new ingest: the index is out of date; questions read the files (and see the new event) until the next
    // compaction saves a new index, which replaces the old one.
    let input = write_lines(
        dir.path(),
        "late.export.CSV",
        &[gdelt2_line(&Ev::new(
            5000, "20190320", "RUSGOV", "INDGOV", "057",
        ))],
    );
    ok(&store, &["ingest", input.to_str().unwrap()]);
    let (after_ingest, notes) = question(&store, &dict, &dyad, true);
    assert!(notes.contains("pair index was saved before"), "{notes}");
    assert_ne!(after_ingest, from_index, "the new event counts");
    assert_eq!(after_ingest, question(&store, &dict, &dyad, false).0);
    assert!(ok(&store, &["--dict", d, "stats"]).contains("pair index: out of date"));
    let out = ok(&store, &["--dict", d, "compact"]);
    assert!(out.contains("saved the pair index: 90 events"), "{out}");
    let (again, notes) = question(&store, &dict, &dyad, true);
    assert_eq!(again, after_ingest);
    assert!(!notes.contains("pair index"), "{notes}");
    assert_eq!(
        std::fs::read_dir(store.join("_fulcrum/tables"))
            .unwrap()
            .count(),
        1,
        "the old index is removed"
    );
}
