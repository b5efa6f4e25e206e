//! `fulcrum code` and `fulcrum dict`: toy dictionaries written here, and — when the shared data is present —
//! the PETRARCH-2 dictionaries fetched from a loopback mirror, the gold-standard records (the scores must
//! not fall below the level reached) and the seed op-ed.

mod common;

use std::path::{Path, PathBuf};

use common::*;

const VERBS: &str = "\
####### SYNONYM SETS #######
&WEAPON
+DRONE
####### VERB PATTERNS #######
---  ACCUSE   [112]  ---
ACCUSE
---  MEET   [040]  ---
MEET {MET MEETS MEETING}
- * (FOR TALKS) [043]
---  SAY   [---]  ---
SAY {SAID SAYS}
";

fn toy_dictionaries(dir: &Path) -> PathBuf {
    let d = dir.join("dict");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("CAMEO.2.0.txt"), VERBS).unwrap();
    std::fs::write(d.join("toy.actors.txt"), "RUSSIA_ [RUS]\n+MOSCOW\nPAKISTAN_ [PAK]\n+ISLAMABAD\nINDIA_ [IND]\nSERGEI_LAVROV [RUSGOV]\n").unwrap();
    std::fs::write(d.join("toy.agents.txt"), "FOREIGN_MINISTER [~GOV]\n").unwrap();
    std::fs::write(d.join("toy.discards.txt"), "CRICKET\n").unwrap();
    d
}

#[test]
fn codes_text_into_the_store_with_provenance_and_dyad_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let dict = toy_dictionaries(dir.path());
    let doc = dir.path().join("statement.txt");
    std::fs::write(&doc, "<p>Moscow accused Islamabad on Monday.</p> India met Pakistan for talks. Pakistan met India at cricket.\n").unwrap();
    let store = dir.path().join("store");
    let out = ok(
        &store,
        &[
            "code",
            doc.to_str().unwrap(),
            "--date",
            "2019-03-01",
            "--dict",
            dict.to_str().unwrap(),
        ],
    );
    assert!(out.contains("stored 2 event(s)"), "{out}");
    let rows = sql_rows(
        &store,
        "SELECT actor1_code, actor2_code, event_code, quad_class, goldstein, sentence_number, source_phrase, verb_phrase, dataset \
         FROM events ORDER BY sentence_number",
    );
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][..6], ["RUS", "PAK", "112", "3", "-2.0", "1"]);
    assert_eq!(rows[0][6], "MOSCOW");
    assert!(
        rows[0][7].starts_with("ACCUSED [block ACCUSE default]"),
        "{rows:?}"
    );
    assert_eq!(
        rows[1][..3],
        ["IND", "PAK", "043"],
        "the (FOR TALKS) pattern beats the block default"
    );
    assert_eq!(rows[1][8], "coded");
    let dyad = ok(&store, &["dyad", "RUS", "PAK", "--by", "month"]);
    assert!(
        table_rows(&dyad).iter().any(|r| r["period"] == "2019-03"
            && r["source"] == "RUS"
            && r["target"] == "PAK"
            && r["events"].parse::<f64>() == Ok(1.0)),
        "{dyad}"
    );
    // Coding the same document again adds nothing.
    let again = ok(
        &store,
        &[
            "code",
            doc.to_str().unwrap(),
            "--date",
            "2019-03-01",
            "--dict",
            dict.to_str().unwrap(),
        ],
    );
    assert!(again.contains("already"), "{again}");
}

#[test]
fn jsonl_files_explain_invalid_utf8_and_empty_documents() {
    let dir = tempfile::tempdir().unwrap();
    let dict = toy_dictionaries(dir.path());
    let jsonl = dir.path().join("news.jsonl");
    std::fs::write(&jsonl, "{\"id\": \"a\", \"date\": \"2019-02-20\", \"text\": \"Foreign Minister Sergei Lavrov met India.\"}\n{\"id\": 7, \"date\": \"2019-02-21\", \"text\": \"\"}\n").unwrap();
    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, b"India accused Pakistan \xff\xfe of lying.").unwrap();
    let events = dir.path().join("events.jsonl");
    let store = dir.path().join("unused");
    let args = [
        "code",
        jsonl.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--date",
        "2019-02-22",
        "--dict",
        dict.to_str().unwrap(),
        "--out",
        events.to_str().unwrap(),
        "--explain",
    ];
    let output = run(&store, &args);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("invalid UTF-8 at byte 23"), "{stderr}");
    assert!(
        stdout.contains("actor \"FOREIGN MINISTER SERGEI LAVROV\" → RUSGOV"),
        "{stdout}"
    );
    assert!(stdout.contains("event RUSGOV IND 040"), "{stdout}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        (
            lines[0]["story_id"].as_str(),
            lines[0]["event_date"].as_str()
        ),
        (Some("a"), Some("2019-02-20"))
    );
    assert_eq!(lines[1]["actor2_code"], "PAK");
    assert!(!store.exists(), "--out writes a file, not the store");
    // Plain text without a date is refused with a hint.
    let err = run(
        &store,
        &[
            "code",
            bad.to_str().unwrap(),
            "--dict",
            dict.to_str().unwrap(),
            "--out",
            "-",
        ],
    );
    assert!(String::from_utf8_lossy(&err.stderr).contains("give --date"));
}

#[test]
fn dictionary_errors_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let dict = toy_dictionaries(dir.path());
    std::fs::write(dict.join("CAMEO.2.0.txt"), VERBS.replace("[043]", "[04.3]")).unwrap();
    let out = run(
        &dir.path().join("s"),
        &["dict", "check", dict.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("CAMEO.2.0.txt:9: bad event code \"04.3\""),
        "{stderr}"
    );
}

/// Serves a folder's files over loopback HTTP (a mirror for `dict fetch`).
fn mirror(dir: &Path) -> String {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let base = format!("http://{}", server.server_addr().to_ip().unwrap());
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let name = req.url().trim_start_matches('/').to_string();
            let response = match std::fs::read(dir.join(&name)) {
                Ok(body) if !name.contains("..") => tiny_http::Response::from_data(body),
                _ => tiny_http::Response::from_data(b"not found".to_vec()).with_status_code(404),
            };
            let _ = req.respond(response);
        }
    });
    base
}

/// The score the coder reached on the PETRARCH-2 gold records (root-code triple F1); CI fails below it.
const GOLD_ROOT_F1: &str = "0.70";
/// And on the PETRARCH unit-test records with their toy dictionaries.
const UNIT_ROOT_F1: &str = "0.71";

#[test]
fn gold_records_and_seed_text_with_fetched_dictionaries() {
    let Some(data) = shared_data() else { return };
    let cameo = data.join("cameo");
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("dictionaries");
    let base = mirror(&cameo.join("petrarch2-dictionaries"));
    let store = dir.path().join("store");
    let fetched = ok(
        &store,
        &[
            "dict",
            "fetch",
            "--dir",
            dict.to_str().unwrap(),
            "--base-url",
            &base,
        ],
    );
    assert!(fetched.contains("397 verb blocks"), "{fetched}");
    let gold = cameo.join("universalpetrarch-validation/PETR2_GSR_validation.xml");
    let scores = ok(
        &store,
        &[
            "code",
            "--gold",
            gold.to_str().unwrap(),
            "--dict",
            dict.to_str().unwrap(),
            "--min-root-f1",
            GOLD_ROOT_F1,
        ],
    );
    eprintln!("{scores}");
    assert!(scores.contains("triples, root code"), "{scores}");

    let seed = data.join("../seed/post-pulwama-russia-pakistan.txt");
    let out = ok(
        &store,
        &[
            "code",
            seed.to_str().unwrap(),
            "--date",
            "2019-03-15",
            "--dict",
            dict.to_str().unwrap(),
        ],
    );
    assert!(out.contains("stored"), "{out}");
    let dyad = ok(
        &store,
        &["dyad", "RUS", "PAK", "--by", "month", "--dataset", "coded"],
    );
    assert!(
        table_rows(&dyad)
            .iter()
            .any(|r| r["period"] == "2019-03" && r["source"] == "RUS" && r["target"] == "PAK"),
        "{dyad}"
    );
}

#[test]
fn unit_test_records_with_their_toy_dictionaries() {
    let Some(data) = shared_data() else { return };
    let cameo = data.join("cameo");
    let dir = tempfile::tempdir().unwrap();
    let dict = dir.path().join("toy");
    std::fs::create_dir_all(&dict).unwrap();
    for (from, name) in [
        (
            "universalpetrarch-validation/PETR.Validate.verbs.2.0.txt",
            "PETR.Validate.verbs.2.0.txt",
        ),
        (
            "universalpetrarch-validation/PETR.Validate.actors.txt",
            "PETR.Validate.actors.txt",
        ),
        (
            "petrarch2-validation/PETR.Validate.agents.txt",
            "PETR.Validate.agents.txt",
        ),
        (
            "petrarch2-validation/PETR.Validate.discards.txt",
            "PETR.Validate.discards.txt",
        ),
    ] {
        std::fs::copy(cameo.join(from), dict.join(name)).unwrap();
    }
    let records = cameo
        .join("universalpetrarch-validation/PETR.UnitTest.records.parsing_parsed_udpipe_2.0.xml");
    let gold = |extra: &[&str]| {
        let mut args = vec![
            "code",
            "--gold",
            records.to_str().unwrap(),
            "--dict",
            dict.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let report = ok(&dir.path().join("s"), &args);
        eprintln!("{report}");
        report
    };
    let scores = gold(&["--min-root-f1", UNIT_ROOT_F1]);
    assert!(scores.contains("  SYNSET "), "per-category rows: {scores}");
    // The oracle run reads every record's own CoNLL-U parse (none coded without one) and scores per category.
    let oracle = gold(&["--oracle", "parse"]);
    assert!(
        oracle.contains("oracle: coded with the records' own tags and dependency parses (0 record(s) without a parse"),
        "{oracle}"
    );
}
