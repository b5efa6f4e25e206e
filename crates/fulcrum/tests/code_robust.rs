//! `fulcrum code` never loses a run: codes outside GDELT's CAMEO table (PETRARCH-2's CAMEO 2.0 code 176 "hack into
//! computers", or a user's own sub-code such as 1825) are written to every output format and to the store with their nearest listed
//! ancestor's scores, flagged in `scores_from_code`; a code with no CAMEO root is left out with a message.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use fulcrum_coder::CodedEvent;
use fulcrum_query::OutputFormat;

/// Verbs coding to a listed code, to two codes GDELT's table lacks, and to a code with no CAMEO root.
const VERBS: &str = "\
####### VERB PATTERNS #######
---  ACCUSE   [112]  ---
ACCUSE
---  HACK   [176]  ---
HACK {HACKED HACKS}
---  SHELL   [1825]  ---
SHELL {SHELLED}
---  BEFRIEND   [215]  ---
BEFRIEND {BEFRIENDED}
";

fn dictionaries(dir: &Path) -> PathBuf {
    let d = dir.join("dict");
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("CAMEO.2.0.txt"), VERBS).unwrap();
    std::fs::write(
        d.join("toy.actors.txt"),
        "RUSSIA_ [RUS]\nINDIA_ [IND]\nPAKISTAN_ [PAK]\nNORTH_KOREA_ [PRK]\nSOUTH_KOREA_ [KOR]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("toy.IssueCoding.txt"),
        "n:computer [CYBER]\nn:missile [MISSILES]\n",
    )
    .unwrap();
    d
}

const TEXT: &str = "North Korea hacked South Korea computers. Russia shelled Pakistan. Russia befriended India. India accused Pakistan.";

#[test]
fn codes_outside_the_table_reach_every_output_and_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let dict = dictionaries(dir.path());
    let doc = dir.path().join("news.txt");
    std::fs::write(&doc, TEXT).unwrap();
    let store = dir.path().join("store");
    let code = |out: Option<&Path>| {
        let mut args = vec![
            "--dict".to_string(),
            dict.display().to_string(),
            "code".into(),
            doc.display().to_string(),
            "--date".into(),
            "2019-01-01".into(),
        ];
        if let Some(out) = out {
            args.extend(["--out".into(), out.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = run(&store, &args);
        let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
        assert!(run.status.success(), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        (String::from_utf8_lossy(&run.stdout).into_owned(), stderr)
    };
    for ext in ["csv", "json", "jsonl", "parquet"] {
        let out = dir.path().join(format!("events.{ext}"));
        let (_, stderr) = code(Some(&out));
        assert!(
            stderr.contains("code \"215\" has no CAMEO root")
                && stderr.contains("1 of 4 event(s) left out"),
            "{stderr}"
        );
        assert!(std::fs::metadata(&out).unwrap().len() > 0, "{ext}");
    }
    let jsonl = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    let rows: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by_code = |c: &str| {
        rows.iter()
            .find(|r| r["event_code"] == c)
            .unwrap_or_else(|| panic!("{c}: {jsonl}"))
    };
    assert_eq!(by_code("176")["scores_from_code"], "17");
    assert_eq!(by_code("176")["quad_class"], 4);
    assert_eq!(by_code("1825")["scores_from_code"], "182");
    assert!(
        by_code("112")["scores_from_code"].is_null(),
        "a listed code keeps its own scores"
    );
    // Into the store, and readable back with the flag.
    let (stdout, _) = code(None);
    assert!(stdout.contains("stored 3 event(s)"), "{stdout}");
    let flagged = sql_rows(
        &store,
        "SELECT event_code, scores_from_code, quad_class FROM events ORDER BY event_code",
    );
    assert_eq!(
        flagged,
        vec![
            vec!["112".to_string(), "".into(), "3".into()],
            vec!["176".into(), "17".into(), "4".into()],
            vec!["1825".into(), "182".into(), "4".into()],
        ]
    );
}

/// Every code that the shipped CAMEO.2.0 verbs file can produce (block defaults, patterns, verb forms and
/// transformations), as coded events, through the same rows and writers as `fulcrum code`, and into a store.
#[test]
fn every_code_of_the_petrarch2_verbs_file_is_written() {
    let Some(data) = shared_data() else { return };
    let path = data.join("cameo/petrarch2-dictionaries/CAMEO.2.0.txt");
    let verbs = fulcrum_coder::dict::verbs::VerbDict::parse(
        &path,
        &std::fs::read_to_string(&path).unwrap(),
    )
    .unwrap();
    let mut codes: Vec<String> = Vec::new();
    let mut add = |c: &fulcrum_coder::dict::verbs::EventCode| {
        codes.extend(c.active.iter().chain(&c.passive).cloned());
    };
    for block in &verbs.blocks {
        add(&block.code);
        for p in &block.patterns {
            add(&p.code);
        }
    }
    for form in verbs.verb_forms() {
        if let Some(c) = &form.code {
            add(c);
        }
    }
    codes.extend(verbs.transformations.iter().map(|t| t.code.clone()));
    // "---" and friends mean "no event".
    codes.retain(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()));
    codes.sort();
    codes.dedup();
    assert!(codes.len() > 200, "{} codes", codes.len());
    let events: Vec<(CodedEvent, i32)> = codes
        .iter()
        .enumerate()
        .map(|(i, code)| {
            (
                CodedEvent {
                    doc_id: "every-code".into(),
                    sentence_number: i + 1,
                    sentence: format!("Russia did {code} to India."),
                    source: "RUSGOV".into(),
                    target: "INDGOV".into(),
                    code: code.clone(),
                    source_phrase: "Russia".into(),
                    target_phrase: "India".into(),
                    verb_phrase: code.clone(),
                    issues: Vec::new(),
                },
                17_897,
            )
        })
        .collect();
    let rows = fulcrum_coder::rows::coded_batch(&events);
    let outside: Vec<&String> = codes
        .iter()
        .filter(|c| fulcrum_model::cameo::event_code(c).is_none())
        .collect();
    eprintln!(
        "{} codes, {} of them outside GDELT's table: {outside:?}",
        codes.len(),
        outside.len()
    );
    assert!(
        rows.dropped.is_empty(),
        "every code of the file has a CAMEO root: {:?}",
        rows.dropped
    );
    assert_eq!(rows.batch.num_rows(), codes.len());
    let schema = fulcrum_model::event_schema();
    for format in [
        OutputFormat::Csv,
        OutputFormat::Json,
        OutputFormat::Jsonl,
        OutputFormat::Parquet,
    ] {
        let mut buf: Vec<u8> = Vec::new();
        fulcrum_query::write_batches(format, &schema, std::slice::from_ref(&rows.batch), &mut buf)
            .unwrap();
        assert!(!buf.is_empty());
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let digest = fulcrum_coder::rows::digest(&rows.keys);
    fulcrum_intake::store_batch(
        &store,
        "every code",
        &rows.batch,
        &rows.keys,
        &digest,
        "coded",
    )
    .unwrap();
    let stored = sql_one(
        &store,
        "SELECT count(*) FROM events WHERE scores_from_code IS NOT NULL",
    );
    assert_eq!(stored, outside.len().to_string());
    assert_eq!(
        sql_one(&store, "SELECT count(*) FROM events"),
        codes.len().to_string()
    );
}
