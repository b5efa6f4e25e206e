//! Atomicity: ingest killed at any moment leaves a readable store holding each input whole or not at all,
//! and running the same command again completes it.

mod common;

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use common::*;

const INPUTS: usize = 6;
const ROWS: usize = 30_000;

/// Every input is either fully present or absent; returns how many are present.
fn check_all_or_none(store: &std::path::Path) -> usize {
    if !store.exists() {
        return 0; // killed before it created the store
    }
    let rows = sql_rows(
        store,
        "SELECT input_file, count(*) FROM events GROUP BY input_file",
    );
    let counts: BTreeMap<String, String> = rows
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    for (input, n) in &counts {
        assert_eq!(n, &ROWS.to_string(), "input {input} is partly stored");
    }
    let stats = ok(store, &["stats"]);
    assert!(
        stats.contains(&format!("{} input(s)", counts.len())),
        "manifest and data disagree:\n{stats}"
    );
    if let Some(python) = python_with_duckdb() {
        let (n, _) = duckdb_count_and_goldstein(&python, store);
        assert_eq!(
            n as usize,
            counts.len() * ROWS,
            "DuckDB sees another row count than fulcrum"
        );
    }
    counts.len()
}

#[test]
fn sigkill_mid_ingest_then_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir(&inputs).unwrap();
    for i in 0..INPUTS {
        write_lines(
            &inputs,
            &format!("part{i}.export.CSV"),
            &many_gdelt2((i * ROWS) as i64 + 1, ROWS),
        );
    }
    let store = dir.path().join("store");
    let args = [
        "ingest",
        inputs.to_str().unwrap(),
        "--commit-rows",
        "1",
        "--threads",
        "2",
    ];
    let mut seen_partial_progress = false;
    for delay_ms in [5u64, 40, 120, 250, 400, 650, 900, 1300] {
        let mut child = fulcrum()
            .arg("--store")
            .arg(&store)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        let present = check_all_or_none(&store);
        if !finished && present > 0 && present < INPUTS {
            seen_partial_progress = true;
        }
        if finished || present == INPUTS {
            break;
        }
    }
    ok(&store, &args);
    assert_eq!(check_all_or_none(&store), INPUTS);
    assert_eq!(
        sql_one(&store, "SELECT count(DISTINCT event_id) FROM events"),
        (INPUTS * ROWS).to_string()
    );
    eprintln!("killed with some inputs committed and others not: {seen_partial_progress}");
}

#[test]
fn crash_at_the_worst_moments_of_a_commit_is_recovered() {
    for point in ["after-journal", "after-first-rename"] {
        let dir = tempfile::tempdir().unwrap();
        let input = write_lines(dir.path(), "a.export.CSV", &many_gdelt2(1, 2_000));
        let store = dir.path().join("store");
        let out = fulcrum()
            .arg("--store")
            .arg(&store)
            .args(["ingest", input.to_str().unwrap()])
            .env("FULCRUM_FAILPOINT", point)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "{point}: the failpoint should have killed ingest"
        );
        assert!(
            std::fs::read_dir(store.join("_fulcrum/journal"))
                .unwrap()
                .next()
                .is_some(),
            "{point}: journal left behind"
        );
        // The commit was decided (journal written), so opening the store rolls it forward.
        assert_eq!(
            sql_one(&store, "SELECT count(*) FROM events"),
            "2000",
            "{point}"
        );
        assert_eq!(
            std::fs::read_dir(store.join("_fulcrum/journal"))
                .unwrap()
                .count(),
            0
        );
        let again = ok(&store, &["ingest", input.to_str().unwrap()]);
        assert!(
            again.contains("unchanged since ingested"),
            "{point}: {again}"
        );
        assert_eq!(sql_one(&store, "SELECT count(*) FROM events"), "2000");
    }
}
