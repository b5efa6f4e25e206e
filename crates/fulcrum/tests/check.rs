//! `fulcrum check`: on a fixture store every verdict is reached for the claim it is built for, in every output
//! format; on an empty store every claim of the seed op-ed is listed as *no data*; on the real ICEWS18 data the 2018
//! test articles get the verdicts written down for them before any run (`tests/check/expected-2018.json`), with
//! the agreement and the misses reported.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use fulcrum_model::{iso_date, parse_iso_date};
use serde_json::Value;

/// `n` events from `first` every `step` days (alternating direction when `both`), with ids from `id`.
fn series(
    id: &mut i64,
    first: &str,
    n: usize,
    step: i32,
    (a, b): (&'static str, &'static str),
    both: bool,
    code: &'static str,
) -> Vec<String> {
    let start = parse_iso_date(first).unwrap();
    (0..n)
        .map(|i| {
            *id += 1;
            let day = iso_date(start + i as i32 * step).replace('-', "");
            let date: &'static str = Box::leak(day.into_boxed_str());
            let (s, d) = if both && i % 2 == 1 { (b, a) } else { (a, b) };
            gdelt2_line(&Ev::new(*id, date, s, d, code))
        })
        .collect()
}

/// Events for the fixture article dated 2019-03-21: "now" is 2018-12-22 .. 2019-03-21, "before" the year before.
fn fixture_store(dir: &Path) -> PathBuf {
    let mut id = 0;
    let mut lines = Vec::new();
    // Russia–Pakistan: accusations through 2018, visits and joint exercises in the window.
    lines.extend(series(
        &mut id,
        "2018-01-05",
        24,
        14,
        ("RUSGOV", "PAKGOV"),
        true,
        "112",
    ));
    lines.extend(series(
        &mut id,
        "2018-12-23",
        24,
        3,
        ("RUSGOV", "PAKGOV"),
        false,
        "042",
    ));
    lines.extend(series(
        &mut id,
        "2019-01-11",
        4,
        9,
        ("RUSMIL", "INDMIL"),
        false,
        "062",
    ));
    lines.extend(series(
        &mut id,
        "2019-01-10",
        4,
        9,
        ("RUSMIL", "PAKMIL"),
        false,
        "062",
    ));
    // Russia → India: visits all through 2018, then as many as with Pakistan in the window.
    lines.extend(series(
        &mut id,
        "2018-01-03",
        40,
        8,
        ("RUSGOV", "INDGOV"),
        false,
        "042",
    ));
    lines.extend(series(
        &mut id,
        "2018-12-24",
        24,
        3,
        ("RUSGOV", "INDGOV"),
        false,
        "042",
    ));
    // Japan → China: visits before, accusations in the window.
    lines.extend(series(
        &mut id,
        "2018-02-01",
        20,
        14,
        ("JPNGOV", "CHNGOV"),
        false,
        "042",
    ));
    lines.extend(series(
        &mut id,
        "2018-12-25",
        20,
        4,
        ("JPNGOV", "CHNGOV"),
        false,
        "112",
    ));
    // India–China: as many visits as accusations in the window.
    lines.extend(series(
        &mut id,
        "2018-12-26",
        12,
        7,
        ("INDGOV", "CHNGOV"),
        true,
        "042",
    ));
    lines.extend(series(
        &mut id,
        "2018-12-27",
        12,
        7,
        ("INDGOV", "CHNGOV"),
        true,
        "112",
    ));
    let store = dir.join("store");
    let input = write_lines(dir, "fixture.export.CSV", &lines);
    ok(&store, &["ingest", input.to_str().unwrap()]);
    store
}

const ARTICLE: &str = "Russia and Pakistan are now cooperating closely. Russia and Pakistan held joint exercises. \
Relations between Russia and Pakistan worsened. Russia is no longer taking India's side against Pakistan. \
Russia emerged as a balancer between India and Pakistan. Japan's trust in China is declining. India and China \
cooperate. Brazil and Argentina cooperate. Japan and China held joint exercises. Barabanov compared Russia with \
China.";

fn check_json(store: &Path, article: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "--dict",
        "no-dictionaries-here",
        "check",
        article.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(&ok(store, &args)).unwrap()
}

#[test]
fn each_verdict_is_reached_on_a_fixture_store_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let store = fixture_store(dir.path());
    let article = dir.path().join("article.txt");
    std::fs::write(&article, ARTICLE).unwrap();
    let report = check_json(&store, &article, &["--date", "2019-03-21"]);
    let got: Vec<(u64, String, String)> = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["claim"]["sentence_number"].as_u64().unwrap(),
                c["reading"].as_str().unwrap().to_string(),
                c["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        (1, "RUS–PAK cooperate (level)", "supported"),
        (2, "events 062 between RUS–PAK (event)", "supported"),
        (3, "RUS–PAK relations cool (trend)", "contradicted"),
        (
            4,
            "RUS no longer takes IND's side against PAK (alignment)",
            "supported",
        ),
        (
            5,
            "RUS balances between IND and PAK (alignment)",
            "supported",
        ),
        (6, "JPN → CHN relations cool (trend)", "supported"),
        (7, "IND–CHN cooperate (level)", "not_clear"),
        (8, "BRA–ARG cooperate (level)", "no_data"),
        (9, "events 062 between JPN–CHN (event)", "contradicted"),
    ];
    let want: Vec<(u64, String, String)> = want
        .iter()
        .map(|(n, r, v)| (*n, r.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want, "{report:#}");
    // Evidence carries the figures and the events behind the verdict.
    let first = &report["checks"][0];
    assert!(
        first["evidence"]
            .as_str()
            .unwrap()
            .contains("mean Goldstein +"),
        "{first}"
    );
    assert!(!first["events"].as_array().unwrap().is_empty());
    // … with where each was read: the input, its line and the source URL.
    let provenance = first["events"][0]["provenance"].as_str().unwrap();
    assert!(
        provenance.contains("fixture.export.CSV:")
            && provenance.contains("https://example.org/news/"),
        "{provenance}"
    );
    let no_data = &report["checks"][7]["evidence"];
    assert!(
        no_data
            .as_str()
            .unwrap()
            .contains("the store covers the period"),
        "{no_data}"
    );
    // The sentence naming two states without a claim is listed, not dropped.
    assert_eq!(report["not_understood"][0]["sentence_number"], 10);

    // The same report as a table, Markdown, CSV and Parquet.
    let table = ok(
        &store,
        &["check", article.to_str().unwrap(), "--date", "2019-03-21"],
    );
    assert!(
        table.contains(
            "9 claims (5 supported, 2 contradicted, 1 not clear, 1 no data), 1 not understood"
        ),
        "{table}"
    );
    let md = dir.path().join("report.md");
    ok(
        &store,
        &[
            "check",
            article.to_str().unwrap(),
            "--date",
            "2019-03-21",
            "--format",
            "markdown",
            "--out",
            md.to_str().unwrap(),
        ],
    );
    let md = std::fs::read_to_string(md).unwrap();
    assert!(
        md.starts_with("# Claims checked:")
            && md.contains("## 9.")
            && md.contains("## Not understood"),
        "{md}"
    );
    let csv = ok(
        &store,
        &[
            "check",
            article.to_str().unwrap(),
            "--date",
            "2019-03-21",
            "--format",
            "csv",
        ],
    );
    assert_eq!(csv_records(&csv).len(), 10, "{csv}");
    let parquet = dir.path().join("report.parquet");
    ok(
        &store,
        &[
            "check",
            article.to_str().unwrap(),
            "--date",
            "2019-03-21",
            "--format",
            "parquet",
            "--out",
            parquet.to_str().unwrap(),
        ],
    );
    assert!(std::fs::metadata(&parquet).unwrap().len() > 0);
    // A claim about the future when the store ends at the date: Fulcrum's forecast, with its band.
    let future = dir.path().join("future.txt");
    std::fs::write(&future, "Relations between Russia and Pakistan will grow.").unwrap();
    let report = check_json(&store, &future, &["--date", "2019-03-21"]);
    let c = &report["checks"][0];
    assert_eq!(
        c["reading"], "RUS–PAK relations warm (trend, future)",
        "{c:#}"
    );
    let evidence = c["evidence"].as_str().unwrap();
    assert!(
        evidence.contains("Fulcrum's forecast") && evidence.contains("90% band"),
        "{evidence}"
    );
    assert_ne!(c["verdict"], "no_data", "{c:#}");
    // Several articles (JSON Lines) in one CSV, the article in its first column.
    let jsonl = dir.path().join("articles.jsonl");
    std::fs::write(
        &jsonl,
        "{\"id\": \"one\", \"date\": \"2019-03-21\", \"text\": \"Russia and Pakistan are now cooperating closely.\"}\n\
         {\"id\": \"two\", \"date\": \"2019-03-21\", \"text\": \"India and China cooperate.\"}\n",
    )
    .unwrap();
    let csv = ok(
        &store,
        &["check", jsonl.to_str().unwrap(), "--format", "csv"],
    );
    let records = csv_records(&csv);
    assert_eq!(records[0][0], "article", "{csv}");
    assert_eq!(
        records[1..]
            .iter()
            .map(|r| r[0].as_str())
            .collect::<Vec<_>>(),
        ["one", "two"],
        "{csv}"
    );
    let out = run(
        &store,
        &["check", article.to_str().unwrap(), "--date", "2500-01-01"],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside 1800-01-01"));
    // One chart per claim (the ninth, Brazil–Argentina, has no events to draw).
    let charts = dir.path().join("charts");
    ok(
        &store,
        &[
            "check",
            article.to_str().unwrap(),
            "--date",
            "2019-03-21",
            "--plot",
            charts.to_str().unwrap(),
        ],
    );
    let svg = std::fs::read_to_string(charts.join("article-claim-1.svg")).unwrap();
    assert!(
        svg.contains("<svg") && svg.contains("RUS → PAK"),
        "{svg:.300}"
    );
    assert_eq!(std::fs::read_dir(&charts).unwrap().count(), 8);
    // Errors say what to fix.
    let out = run(&store, &["check", article.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("give --date"));
    let out = run(
        &store,
        &[
            "check",
            article.to_str().unwrap(),
            "--date",
            "2019-03-21",
            "--window",
            "3y",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("not d, w or m"));
}

#[test]
fn the_seed_op_ed_lists_its_claims_and_says_no_data_on_a_store_without_2019() {
    let Some(data) = shared_data() else {
        skipped("the seed op-ed is beside the project in ../shared/seed");
        return;
    };
    let seed = data.join("../seed/post-pulwama-russia-pakistan.txt");
    let dir = tempfile::tempdir().unwrap();
    // A store with data, but none in 2019: ICEWS18 ends 2018-10-31.
    let store = dir.path().join("store");
    ok(
        &store,
        &["ingest", data.join("icews18/diffutkg").to_str().unwrap()],
    );
    let report = check_json(&store, &seed, &["--date", "2019-03-21"]);
    let checks = report["checks"].as_array().unwrap();
    let find = |sentence: &str, reading: &str| {
        checks
            .iter()
            .find(|c| {
                c["claim"]["sentence"].as_str().unwrap().contains(sentence)
                    && c["reading"].as_str().unwrap() == reading
            })
            .unwrap_or_else(|| {
                panic!("no claim {reading:?} in the sentence {sentence:?}: {report:#}")
            })
    };
    // The five claims the issue quotes, with their structured reading. ICEWS18 ends on 2018-10-31: the window
    // before the article and the months after it are empty, so those claims have no data; only the joint exercises,
    // looked for in the year to the date, are found (in 2018).
    let quoted = [
        (
            "is no longer taking India",
            "RUS no longer takes IND's side against PAK (alignment)",
            "no_data",
        ),
        (
            "non-partisan player",
            "RUS balances between IND and PAK (alignment)",
            "no_data",
        ),
        (
            "cooperating on Afghanistan",
            "RUS–PAK cooperate (level)",
            "no_data",
        ),
        (
            "yearly joint anti-terrorist exercises",
            "events 062 between RUS–PAK (event)",
            "supported",
        ),
        (
            "trust in Russia is declining",
            "IND → RUS relations cool (trend)",
            "no_data",
        ),
        (
            "will rapidly grow",
            "RUS–PAK relations warm (trend, future)",
            "no_data",
        ),
    ];
    for (sentence, reading, verdict) in quoted {
        let c = find(sentence, reading);
        assert_eq!(c["verdict"], verdict, "{c:#}");
        let evidence = c["evidence"].as_str().unwrap();
        if verdict == "no_data" {
            assert!(
                evidence.contains("the store holds no events at all"),
                "{evidence}"
            );
        }
    }
    // The mediation offer (February 2019) is not in the store: its absence is not read as a contradiction.
    let mediation = find("mediation offer", "events 039/045 between RUS–IND (event)");
    assert_eq!(mediation["verdict"], "no_data", "{mediation:#}");
    assert!(report["not_understood"].as_array().unwrap().len() >= 3);
}

#[test]
fn the_2018_articles_get_the_verdicts_written_down_for_them_on_icews18() {
    let Some(data) = shared_data() else {
        skipped("the 2018 test articles are checked on ICEWS18 from ../shared/data");
        return;
    };
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check");
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(here.join("expected-2018.json")).unwrap())
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(
        &store,
        &["ingest", data.join("icews18/diffutkg").to_str().unwrap()],
    );
    let dict = data.join("cameo/petrarch2-dictionaries");
    let out = ok(
        &store,
        &[
            "--dict",
            dict.to_str().unwrap(),
            "check",
            here.join("articles-2018.jsonl").to_str().unwrap(),
            "--window",
            expected["window"].as_str().unwrap(),
            "--after",
            expected["after"].as_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let reports: Value = serde_json::from_str(&out).unwrap();
    let mut table = String::from(
        "| article | sentence | claim | expected | measured | agree | evidence |\n|---|---|---|---|---|---|---|\n",
    );
    let (mut agree, mut found, mut total) = (0, 0, 0);
    for e in expected["expected"].as_array().unwrap() {
        total += 1;
        let article = reports
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == e["article"])
            .unwrap_or_else(|| panic!("no report for {}", e["article"]));
        // `cue` names the cue's code for levels, trends and sides (WARMING) and its word for events (SUMMIT).
        let cue = e["cue"].as_str().unwrap();
        let claim = article["checks"].as_array().unwrap().iter().find(|c| {
            let code = c["claim"]["cue"].as_str().map(str::to_uppercase);
            let words = c["claim"]["cue_words"].as_str().unwrap();
            c["claim"]["sentence_number"] == e["sentence"]
                && c["claim"]["kind"] == e["kind"]
                && (code.as_deref() == Some(cue) || words.starts_with(&cue[..4]))
        });
        let (measured, evidence) = match claim {
            Some(c) => {
                found += 1;
                (
                    c["verdict"].as_str().unwrap().replace('_', " "),
                    format!(
                        "{}: {}",
                        c["reading"].as_str().unwrap(),
                        c["evidence"].as_str().unwrap()
                    ),
                )
            }
            None => (
                "not read".to_string(),
                "the claim was not read from the sentence".to_string(),
            ),
        };
        let ok = measured == e["verdict"].as_str().unwrap().replace('_', " ");
        agree += usize::from(ok);
        table += &format!(
            "| {} | {} | {} {} | {} | {} | {} | {} |\n",
            e["article"].as_str().unwrap(),
            e["sentence"],
            e["kind"].as_str().unwrap(),
            e["cue"].as_str().unwrap(),
            e["verdict"].as_str().unwrap(),
            measured,
            if ok { "yes" } else { "**no**" },
            evidence
        );
    }
    let extra: usize = reports
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["checks"].as_array().unwrap().len())
        .sum::<usize>()
        - found;
    let summary = format!(
        "# The 2018 test articles on ICEWS18\n\n{agree} of {total} expected verdicts agree; {found} of {total} expected \
         claims were read; {extra} further claims were read that the expectations do not list.\n\n"
    );
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("check-2018-report.md");
    std::fs::write(&path, format!("{summary}{table}")).unwrap();
    eprintln!("{summary}{table}report written to {}", path.display());
    assert_eq!(found, total, "every expected claim is read:\n{table}");
    // A floor against regressions, set after the first run (17 of 21 agreed, 2026-12-07): the expectations
    // themselves were written before it and are not tuned.
    assert!(
        agree * 100 >= total * 70,
        "{agree} of {total} agree:\n{table}"
    );
}
