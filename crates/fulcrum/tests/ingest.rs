//! Ingest on small synthetic fixtures: formats, accounting, quarantine, de-duplication, re-ingest, outputs.

mod common;

use std::io::Write;

use common::*;

fn accounting(stdout: &str) -> (u64, u64, u64, u64) {
    // "... read N = stored S + quarantined Q + duplicates skipped D; ..."
    let line = stdout
        .lines()
        .find(|l| l.starts_with("ingested "))
        .expect("summary line");
    let num = |key: &str| -> u64 {
        let at = line.find(key).unwrap_or_else(|| panic!("{key} in {line}")) + key.len();
        line[at..]
            .trim_start()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let (r, s, q, d) = (
        num("read "),
        num("stored "),
        num("quarantined "),
        num("duplicates skipped "),
    );
    assert_eq!(r, s + q + d, "accounting adds up in: {line}");
    (r, s, q, d)
}

#[test]
fn every_format_is_detected_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("in");
    std::fs::create_dir_all(inputs.join("tkg")).unwrap();
    write_lines(
        &inputs,
        "g2.export.CSV",
        &[gdelt2_line(&Ev::new(
            1, "20190214", "INDGOV", "PAKGOV", "112",
        ))],
    );
    write_lines(
        &inputs,
        "g1.csv",
        &[
            gdelt1_line(&Ev::new(10, "20160728", "RUSGOV", "INDGOV", "0311"), true),
            gdelt1_line(&Ev::new(11, "19820102", "USA", "RUS", "014"), false),
        ],
    );
    write_lines(
        &inputs,
        "icews.tab",
        &[
            ICEWS_HEADER.to_string(),
            icews_line(
                5,
                "2018-06-01",
                "Government (India)",
                "India",
                "040",
                "Russia",
                "Russian Federation",
            ),
        ],
    );
    write_lines(
        &inputs.join("tkg"),
        "entity2id.txt",
        &["India\t0\r".into(), "Government (Pakistan)\t1\r".into()],
    );
    write_lines(
        &inputs.join("tkg"),
        "relation2id.txt",
        &[
            "Make statement\t0".into(),
            "Threaten with repression\t1".into(),
        ],
    );
    write_lines(
        &inputs.join("tkg"),
        "train.txt",
        &["0\t0\t1\t0".into(), "1\t1\t0\t48".into()],
    );
    write_lines(
        &inputs,
        "named.txt",
        &["Government_(India)\tUse_conventional_military_force\tPakistan\t2018-09-28".into()],
    );

    let store = dir.path().join("store");
    let out = ok(
        &store,
        &[
            "ingest",
            inputs.to_str().unwrap(),
            "--tkg-epoch",
            "2018-01-01",
        ],
    );
    assert_eq!(accounting(&out), (7, 7, 0, 0), "{out}");
    for (dataset, n) in [("gdelt1", 2), ("gdelt2", 1), ("icews", 1), ("tkg", 3)] {
        assert_eq!(
            sql_one(
                &store,
                &format!("SELECT count(*) FROM events WHERE dataset = '{dataset}'")
            ),
            n.to_string()
        );
    }
    // Leading zeros survive; ICEWS and TKG rows get Goldstein and QuadClass from the tables.
    let rows = sql_rows(
        &store,
        "SELECT event_code, event_root_code, quad_class, goldstein FROM events WHERE event_id = 10",
    );
    assert_eq!(rows, vec![vec!["0311", "03", "1", "5.2"]]);
    let rows = sql_rows(
        &store,
        "SELECT actor1_country_code, actor1_type1_code, actor2_country_code, event_code, quad_class, goldstein, CAST(event_date AS VARCHAR) AS d \
         FROM events WHERE dataset = 'tkg' ORDER BY event_date",
    );
    assert_eq!(
        rows[0],
        vec!["IND", "", "PAK", "010", "1", "0.0", "2018-01-01"]
    );
    assert_eq!(
        rows[1],
        vec!["PAK", "GOV", "IND", "137", "3", "-7.0", "2018-01-03"]
    );
    assert_eq!(
        rows[2],
        vec!["IND", "GOV", "PAK", "190", "4", "-10.0", "2018-09-28"]
    );
    let rows = sql_rows(
        &store,
        "SELECT actor2_country_code, actor2_country_name, intensity, goldstein FROM events WHERE dataset = 'icews'",
    );
    assert_eq!(rows, vec![vec!["RUS", "Russian Federation", "1.0", "1.0"]]);
    // Partition folders are Hive-style and zero-padded; the year/month columns are strings.
    assert!(store.join("year=2019/month=02").is_dir());
    assert_eq!(
        sql_one(
            &store,
            "SELECT count(*) FROM events WHERE year = '2019' AND month = '02'"
        ),
        "1"
    );
    // Provenance points at the line.
    let rows = sql_rows(
        &store,
        "SELECT input_file, line_number FROM events WHERE event_id = 11",
    );
    assert!(
        rows[0][0].ends_with("g1.csv") && rows[0][1] == "2",
        "{rows:?}"
    );
}

#[test]
fn bad_lines_are_quarantined_with_reason_line_and_raw_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let good = gdelt2_line(&Ev::new(100, "20190214", "INDGOV", "PAKGOV", "112"));
    let mut lines: Vec<Vec<u8>> = vec![good.clone().into_bytes()];
    let mut short = good.clone();
    short.truncate(short.rfind('\t').unwrap()); // 60 columns
    lines.push(short.into_bytes());
    lines.push(
        gdelt2_line(&Ev::new(101, "20190214", "INDGOV", "PAKGOV", "112"))
            .replacen("20190214", "20190230", 1)
            .into_bytes(),
    );
    lines.push(
        gdelt2_line(&Ev::new(102, "20190214", "INDGOV", "PAKGOV", "112"))
            .replace("\t-1.25\t", "\tminus one\t")
            .into_bytes(),
    );
    let mut bad_utf8 =
        gdelt2_line(&Ev::new(103, "20190214", "INDGOV", "PAKGOV", "112")).into_bytes();
    bad_utf8[30] = 0xff;
    lines.push(bad_utf8.clone());
    lines.push(
        gdelt2_line(&Ev::new(104, "20190214", "INDGOV", "PAKGOV", "112"))
            .replace("\t112\t112\t11\t", "\t999\t999\t99\t")
            .into_bytes(),
    );
    lines.push(Vec::new());
    lines.push(gdelt2_line(&Ev::new(105, "20190214", "INDGOV", "PAKGOV", "112")).into_bytes());
    let path = dir.path().join("mixed.export.CSV");
    let mut f = std::fs::File::create(&path).unwrap();
    for l in &lines {
        f.write_all(l).unwrap();
        f.write_all(b"\n").unwrap();
    }
    drop(f);

    let store = dir.path().join("store");
    let out = ok(&store, &["ingest", path.to_str().unwrap()]);
    assert_eq!(accounting(&out), (8, 2, 6, 0), "{out}");
    let rows = sql_rows(
        &store,
        "SELECT line_number, reason FROM quarantine ORDER BY line_number",
    );
    let reasons: Vec<(String, String)> = rows
        .into_iter()
        .map(|r| (r[0].clone(), r[1..].join(",")))
        .collect();
    let expect = [
        ("2", "expected 61 columns"),
        ("3", "bad date"),
        ("4", "bad number in column AvgTone"),
        ("5", "invalid UTF-8"),
        ("6", "unknown CAMEO event code '999'"),
        ("7", "empty line"),
    ];
    assert_eq!(reasons.len(), expect.len(), "{reasons:?}");
    for ((line, reason), (want_line, want)) in reasons.iter().zip(expect) {
        assert_eq!(line, want_line);
        assert!(
            reason.contains(want),
            "line {line}: '{reason}' should say '{want}'"
        );
    }
    // The raw bytes are kept exactly, invalid UTF-8 included.
    let hex = sql_one(
        &store,
        "SELECT encode(raw, 'hex') FROM quarantine WHERE line_number = 5",
    );
    assert_eq!(
        hex,
        bad_utf8
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
}

#[test]
fn max_reject_rate_fails_and_commits_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = many_gdelt2(1, 10);
    lines.push("garbage".into());
    lines.push("more garbage".into());
    let path = write_lines(dir.path(), "x.export.CSV", &lines);
    let store = dir.path().join("store");
    let out = run(
        &store,
        &["ingest", path.to_str().unwrap(), "--max-reject-rate", "5%"],
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was committed"));
    assert_eq!(sql_one(&store, "SELECT count(*) FROM events"), "0");
    // Under the threshold it commits.
    let out = ok(
        &store,
        &["ingest", path.to_str().unwrap(), "--max-reject-rate", "0.2"],
    );
    assert_eq!(accounting(&out), (12, 10, 2, 0));
}

#[test]
fn reingest_is_a_no_op_and_overlaps_do_not_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_lines(dir.path(), "a.export.CSV", &many_gdelt2(1, 100));
    let store = dir.path().join("store");
    ok(&store, &["ingest", a.to_str().unwrap()]);
    // Same file again: recognised without reading it.
    let out = ok(&store, &["ingest", a.to_str().unwrap()]);
    assert!(out.contains("unchanged since ingested"), "{out}");
    // Same bytes under another name, gzip-compressed: recognised by content.
    let gz = dir.path().join("copy.export.CSV.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).unwrap(),
        flate2::Compression::fast(),
    );
    enc.write_all(&std::fs::read(&a).unwrap()).unwrap();
    enc.finish().unwrap();
    let out = ok(&store, &["ingest", gz.to_str().unwrap()]);
    assert!(out.contains("same content as"), "{out}");
    // A later file re-emitting 50 of the events (GDELT 2.0 does this): only the new ones are stored.
    let b = write_lines(dir.path(), "b.export.CSV", &many_gdelt2(51, 100));
    let out = ok(&store, &["ingest", b.to_str().unwrap()]);
    assert_eq!(accounting(&out), (100, 50, 0, 50));
    assert_eq!(sql_one(&store, "SELECT count(*) FROM events"), "150");
    assert_eq!(
        sql_one(&store, "SELECT count(DISTINCT event_id) FROM events"),
        "150"
    );
    assert_eq!(sql_one(&store, "SELECT count(*) FROM quarantine"), "0");
}

/// Stores written before BLAKE3 identify their inputs by SHA-256 alone: the same content is still recognised,
/// and inputs added later record their SHA-256 too.
#[test]
fn inputs_recorded_by_sha256_alone_are_still_recognised() {
    use sha2::Digest;
    let dir = tempfile::tempdir().unwrap();
    let a = write_lines(dir.path(), "a.export.CSV", &many_gdelt2(1, 40));
    let store = dir.path().join("store");
    ok(&store, &["ingest", a.to_str().unwrap()]);
    let manifest_path = store.join("_fulcrum/manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    let input = &mut manifest["inputs"][0];
    let checksum = input["checksum"].as_str().unwrap().to_string();
    let content = std::fs::read(&a).unwrap();
    assert_eq!(
        checksum,
        format!("blake3:{}", blake3_hex(&content)),
        "the checksum is BLAKE3 of the content"
    );
    assert_eq!(input["sha256"], "", "no SHA-256 for a new store: {input}");
    // Make it an old record: SHA-256 only.
    let sha = format!("{:x}", sha2::Sha256::digest(&content));
    let record = input.as_object_mut().unwrap();
    record.remove("checksum");
    record.insert("sha256".into(), sha.clone().into());
    std::fs::write(
        &manifest_path,
        serde_json::to_vec_pretty(&manifest).unwrap(),
    )
    .unwrap();

    let copy = dir.path().join("copy.export.CSV");
    std::fs::write(&copy, &content).unwrap();
    let out = ok(&store, &["ingest", copy.to_str().unwrap()]);
    assert!(out.contains("same content as"), "{out}");

    let b = write_lines(dir.path(), "b.export.CSV", &many_gdelt2(100, 5));
    ok(&store, &["ingest", b.to_str().unwrap()]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    let added = &manifest["inputs"][1];
    let b_content = std::fs::read(&b).unwrap();
    assert_eq!(
        added["sha256"].as_str(),
        Some(format!("{:x}", sha2::Sha256::digest(&b_content)).as_str())
    );
    assert_eq!(
        added["checksum"].as_str(),
        Some(format!("blake3:{}", blake3_hex(&b_content)).as_str())
    );
}

fn blake3_hex(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[test]
fn archives_and_stdin_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = many_gdelt2(1, 20).join("\n") + "\n";
    let zip_path = dir.path().join("20190214000000.export.CSV.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        z.start_file(
            "20190214000000.export.CSV",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(text.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    let store = dir.path().join("store");
    let out = ok(&store, &["ingest", zip_path.to_str().unwrap()]);
    assert_eq!(accounting(&out), (20, 20, 0, 0));
    let file = sql_one(&store, "SELECT DISTINCT input_file FROM events");
    assert!(file.ends_with(".zip!20190214000000.export.CSV"), "{file}");

    let mut child = fulcrum()
        .arg("--store")
        .arg(&store)
        .args(["ingest", "-", "--format", "gdelt2"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(many_gdelt2(1000, 5).join("\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        accounting(&String::from_utf8_lossy(&out.stdout)),
        (5, 5, 0, 0)
    );
}

#[test]
fn damaged_archives_fail_naming_the_file_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let text = many_gdelt2(1, 5000).join("\n");
    let gz = dir.path().join("cut.export.CSV.gz");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(text.as_bytes()).unwrap();
    let bytes = enc.finish().unwrap();
    std::fs::write(&gz, &bytes[..bytes.len() / 2]).unwrap();
    let store = dir.path().join("store");
    let out = run(&store, &["ingest", gz.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("cut.export.CSV.gz") && err.contains("corrupt or truncated"),
        "{err}"
    );
    assert_eq!(sql_one(&store, "SELECT count(*) FROM events"), "0");

    let zip_path = dir.path().join("broken.zip");
    std::fs::write(&zip_path, b"PK\x03\x04 this is not really a zip").unwrap();
    let out = run(&store, &["ingest", zip_path.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("broken.zip"), "{err}");

    let unknown = write_lines(
        dir.path(),
        "notes.txt",
        &["this is prose, not events".into()],
    );
    let out = run(&store, &["ingest", unknown.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("notes.txt") && err.contains("--format"),
        "{err}"
    );
}

#[test]
fn sql_writes_every_output_format() {
    let dir = tempfile::tempdir().unwrap();
    let a = write_lines(dir.path(), "a.export.CSV", &many_gdelt2(1, 40));
    let store = dir.path().join("store");
    ok(&store, &["ingest", a.to_str().unwrap()]);
    let q = "SELECT actor1_country_code AS src, actor2_country_code AS dst, count(*) AS n, sum(goldstein) AS g \
             FROM events GROUP BY 1, 2 ORDER BY 1, 2";
    let table = ok(&store, &["sql", q]);
    let printed = table_rows(&table);
    assert!(
        printed
            .iter()
            .any(|r| r["src"] == "RUS" && r["dst"] == "IND" && r["n"] == "10"),
        "{table}"
    );
    let json = ok(&store, &["sql", q, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 4);
    assert_eq!(v[0]["src"], "IND");
    let parquet = dir.path().join("dyads.parquet");
    ok(&store, &["sql", q, "--output", parquet.to_str().unwrap()]);
    assert_eq!(&std::fs::read(&parquet).unwrap()[..4], b"PAR1");
    let empty = ok(
        &store,
        &[
            "sql",
            "SELECT * FROM events WHERE false",
            "--format",
            "json",
        ],
    );
    assert_eq!(empty.trim(), "[]");
    let bad = run(&store, &["sql", "SELECT nope FROM events"]);
    assert!(!bad.status.success());
    let stats = ok(&store, &["stats"]);
    assert!(
        stats.contains("rows read 40 = stored 40 + quarantined 0 + duplicates skipped 0"),
        "{stats}"
    );
}

#[test]
fn a_wrong_column_name_is_said_once_with_the_nearest_names() {
    let dir = tempfile::tempdir().unwrap();
    let input = write_lines(dir.path(), "a.export.CSV", &many_gdelt2(1, 4));
    let store = dir.path().join("store");
    ok(&store, &["ingest", input.to_str().unwrap()]);
    let out = run(&store, &["sql", "SELECT acter1_code FROM events"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no column 'acter1_code' — did you mean actor1_code"),
        "{err}"
    );
    assert!(err.contains("fulcrum sql --schema"), "{err}");
    assert_eq!(err.matches("acter1_code").count(), 1, "said once: {err}");
    assert!(
        !err.contains("goldstein"),
        "without the list of every column: {err}"
    );
    let schema = ok(&store, &["sql", "--schema"]);
    let events: Vec<&str> = schema
        .lines()
        .skip_while(|l| *l != "events")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert!(
        events
            .iter()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["actor1_code", "Utf8"]),
        "{schema}"
    );
    assert!(events.len() >= 60, "every column of events: {schema}");
    assert!(schema.lines().any(|l| l == "quarantine"), "{schema}");
}

/// `fulcrum sql … | head` closes the pipe early: the program ends quietly, as `cat` does, with no panic.
#[test]
fn output_into_a_pipe_closed_early_ends_quietly() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let input = write_lines(dir.path(), "a.export.CSV", &many_gdelt2(1, 3000));
    let store = dir.path().join("store");
    ok(&store, &["ingest", input.to_str().unwrap()]);
    let mut child = fulcrum()
        .args([
            "--store",
            store.to_str().unwrap(),
            "sql",
            "SELECT * FROM events",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 256];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap(); // then the pipe closes
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.is_empty(), "nothing said on a closed pipe: {err}");
}
