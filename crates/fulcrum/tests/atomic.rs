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
    // Early kills at fixed delays (while the store is created or the first input is read), then kills right
    // after ingest reports the first and then the third input of this run as read: by then one earlier input per
    // report is committed (a transaction per input with --commit-rows 1) and later ones are not, so the store
    // must hold some inputs whole and none in part.
    let mut seen_partial_progress = false;
    for moment in [
        Kill::After(Duration::from_millis(5)),
        Kill::After(Duration::from_millis(40)),
        Kill::AtInput(1),
        Kill::AtInput(3),
    ] {
        let mut child = fulcrum()
            .arg("--store")
            .arg(&store)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        match moment {
            Kill::After(delay) => std::thread::sleep(delay),
            Kill::AtInput(n) => {
                use std::io::BufRead;
                let lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
                let mut reported = 0;
                for line in lines.map_while(Result::ok) {
                    // "+ input [format]: read …" for each input read in this run.
                    reported += line.starts_with("+ ") as usize;
                    if reported == n {
                        break;
                    }
                }
            }
        }
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        let present = check_all_or_none(&store);
        if !finished && present > 0 && present < INPUTS {
            seen_partial_progress = true;
        }
    }
    assert!(
        seen_partial_progress,
        "no kill landed between two committed inputs: the test did not exercise a partial run"
    );
    ok(&store, &args);
    assert_eq!(check_all_or_none(&store), INPUTS);
    assert_eq!(
        sql_one(&store, "SELECT count(DISTINCT event_id) FROM events"),
        (INPUTS * ROWS).to_string()
    );
}

/// When the test kills ingest.
#[derive(Clone, Copy)]
enum Kill {
    After(Duration),
    /// Right after ingest reports the n-th input of this run as read.
    AtInput(usize),
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
