//! Shared helpers for the CLI tests: fixture writers (small, synthetic, written here) and a runner.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use fulcrum_model::cameo;

pub fn fulcrum() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fulcrum"))
}

/// Runs `fulcrum --store STORE args…` and returns its output.
pub fn run(store: &Path, args: &[&str]) -> Output {
    fulcrum()
        .arg("--store")
        .arg(store)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("fulcrum runs")
}

/// Like [`run`], but panics with both streams unless it succeeded.
pub fn ok(store: &Path, args: &[&str]) -> String {
    let out = run(store, args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "fulcrum {args:?} failed ({}):\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The rows of a printed table (`+---+` borders, `| a | b |` lines) as column name → trimmed cell, so tests
/// compare values, not padding.
pub fn table_rows(out: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut lines = out.lines().filter(|l| l.starts_with('|'));
    let cells = |l: &str| -> Vec<String> {
        l.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let Some(header) = lines.next().map(cells) else {
        return Vec::new();
    };
    lines
        .map(|l| header.iter().cloned().zip(cells(l)).collect())
        .collect()
}

/// The records of a CSV text (RFC 4180: quoted fields may hold commas, quotes and newlines).
pub fn csv_records(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => record.push(std::mem::take(&mut field)),
            ('\n', false) => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            ('\r', false) => {}
            (c, _) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// Runs a query and returns its CSV rows (without the header).
pub fn sql_rows(store: &Path, query: &str) -> Vec<Vec<String>> {
    let out = ok(store, &["sql", query, "--format", "csv"]);
    csv_records(&out).into_iter().skip(1).collect()
}

pub fn sql_one(store: &Path, query: &str) -> String {
    let rows = sql_rows(store, query);
    assert_eq!(rows.len(), 1, "{query} returned {rows:?}");
    rows[0][0].clone()
}

/// One synthetic event for the fixture writers.
#[derive(Clone, Debug)]
pub struct Ev {
    pub id: i64,
    /// YYYYMMDD
    pub date: &'static str,
    pub src: &'static str,
    pub dst: &'static str,
    pub code: &'static str,
}

impl Ev {
    pub fn new(
        id: i64,
        date: &'static str,
        src: &'static str,
        dst: &'static str,
        code: &'static str,
    ) -> Self {
        Ev {
            id,
            date,
            src,
            dst,
            code,
        }
    }
    fn scores(&self) -> (f64, u8) {
        cameo::derived_scores(self.code).expect("fixture uses known codes")
    }
}

fn actor(code: &str) -> Vec<String> {
    // code, name, country, known group, ethnic, religion1, religion2, type1, type2, type3
    if code.is_empty() {
        return vec![String::new(); 10];
    }
    let country = &code[..3];
    let kind = code.get(3..6).unwrap_or("");
    vec![
        code.into(),
        cameo::country_label(country).unwrap_or("").to_uppercase(),
        country.into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        kind.into(),
        String::new(),
        String::new(),
    ]
}

fn geo(with_adm2: bool) -> Vec<String> {
    let mut g = vec!["1".into(), "India".into(), "IN".into(), "IN".into()];
    if with_adm2 {
        g.push(String::new());
    }
    g.extend(["20".into(), "77".into(), "IN".into()]);
    g
}

fn gdelt_fields(e: &Ev, with_adm2: bool) -> Vec<String> {
    let (g, q) = e.scores();
    let mut f = vec![
        e.id.to_string(),
        e.date.into(),
        e.date[..6].into(),
        e.date[..4].into(),
        format!("{}.5000", &e.date[..4]),
    ];
    f.extend(actor(e.src));
    f.extend(actor(e.dst));
    f.extend([
        "1".into(),
        e.code.into(),
        cameo::base_of(e.code).into(),
        cameo::root_of(e.code).unwrap().into(),
        q.to_string(),
        format!("{g:.1}"),
        "4".into(),
        "1".into(),
        "4".into(),
        "-1.25".into(),
    ]);
    for _ in 0..3 {
        f.extend(geo(with_adm2));
    }
    f
}

/// A GDELT 2.0 export line (61 columns).
pub fn gdelt2_line(e: &Ev) -> String {
    let mut f = gdelt_fields(e, true);
    f.push(format!("{}143000", e.date));
    f.push(format!("https://example.org/news/{}", e.id));
    assert_eq!(f.len(), 61);
    f.join("\t")
}

/// A GDELT 1.0 export line: 58 columns (daily file) or 57 (back-file, no SOURCEURL).
pub fn gdelt1_line(e: &Ev, with_url: bool) -> String {
    let mut f = gdelt_fields(e, false);
    f.push(e.date.into());
    if with_url {
        f.push(format!("https://example.org/old/{}", e.id));
    }
    assert_eq!(f.len(), if with_url { 58 } else { 57 });
    f.join("\t")
}

pub const ICEWS_HEADER: &str = "Event ID\tEvent Date\tSource Name\tSource Sectors\tSource Country\tEvent Text\tCAMEO Code\tIntensity\tTarget Name\tTarget Sectors\tTarget Country\tStory ID\tSentence Number\tPublisher\tCity\tDistrict\tProvince\tCountry\tLatitude\tLongitude";

/// An ICEWS raw line; `date` is YYYY-MM-DD.
pub fn icews_line(
    id: i64,
    date: &str,
    src: &str,
    src_country: &str,
    code: &str,
    dst: &str,
    dst_country: &str,
) -> String {
    let label = cameo::event_code(code)
        .map(|i| i.label)
        .unwrap_or("Unknown");
    format!(
        "{id}\t{date}\t{src}\tGovernment\t{src_country}\t{label}\t{code}\t1\t{dst}\tGovernment\t{dst_country}\t{}\t1\tFixture Wire\tNew Delhi\tNA\tDelhi\tIndia\t28.6\t77.2",
        id * 10
    )
}

/// Writes lines (each followed by "\n") to a file and returns its path.
pub fn write_lines(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    path
}

/// `n` GDELT 2.0 events with ids from `first_id`, spread over a few months of 2019.
pub fn many_gdelt2(first_id: i64, n: usize) -> Vec<String> {
    const DATES: [&str; 4] = ["20190110", "20190214", "20190226", "20190301"];
    const DYADS: [(&str, &str, &str); 4] = [
        ("RUSGOV", "INDGOV", "036"),
        ("RUSGOV", "PAKGOV", "042"),
        ("INDMIL", "PAKMIL", "190"),
        ("PAKGOV", "INDGOV", "111"),
    ];
    (0..n)
        .map(|i| {
            let (s, d, c) = DYADS[i % 4];
            gdelt2_line(&Ev::new(first_id + i as i64, DATES[(i / 4) % 4], s, d, c))
        })
        .collect()
}

/// Records that the running test did not run what it is for: said on stderr and, when scripts/test set
/// FULCRUM_SKIP_LOG, appended to that file, so the test command counts skips in its closing line.
pub fn skipped(why: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    eprintln!("SKIPPED: {test}: {why}");
    if let Ok(log) = std::env::var("FULCRUM_SKIP_LOG") {
        use std::io::Write;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log);
        if let Ok(mut f) = file {
            let _ = writeln!(f, "{test}: {why}");
        }
    }
}

/// Where the shared real data is, if present. With FULCRUM_REQUIRE_SHARED_DATA=1 (CI) its absence fails.
pub fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    if dir.join("INDEX-event-data.md").is_file() {
        return Some(dir);
    }
    if std::env::var("FULCRUM_REQUIRE_SHARED_DATA").as_deref() == Ok("1") {
        panic!("../shared/data is missing but FULCRUM_REQUIRE_SHARED_DATA=1");
    }
    skipped("../shared/data is absent (real-data tests run in CI, where it is present)");
    None
}

/// A Python that can import `module` (FULCRUM_PYTHON, else python3), if present.
/// With FULCRUM_REQUIRE_PEERS=1 (scripts/test) its absence fails the test instead of skipping it.
pub fn python_with(module: &str) -> Option<String> {
    let python = std::env::var("FULCRUM_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if ok {
        return Some(python);
    }
    if std::env::var("FULCRUM_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!(
            "{python} cannot import {module} but FULCRUM_REQUIRE_PEERS=1 (scripts/test installs it)"
        );
    }
    skipped(&format!(
        "no Python with {module} (scripts/test installs it)"
    ));
    None
}

pub fn python_with_duckdb() -> Option<String> {
    python_with("duckdb")
}

/// Runs a Python script with arguments and returns its standard output.
pub fn python_output(python: &str, script: &str, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs a DuckDB query from Python over the store's Parquet files and returns `count(*)` and `sum(goldstein)`.
pub fn duckdb_count_and_goldstein(python: &str, store: &Path) -> (u64, f64) {
    let glob = format!("{}/**/*.parquet", store.display());
    let script = format!(
        "import duckdb, glob\nif not glob.glob('{glob}', recursive=True): print(0, 0.0)\nelse:\n  r = duckdb.connect().execute(\"SELECT count(*), coalesce(sum(goldstein), 0) FROM read_parquet('{glob}', hive_partitioning=true)\").fetchone(); print(r[0], repr(float(r[1])))"
    );
    let out = Command::new(python)
        .args(["-c", &script])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "duckdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    (
        parts.next().unwrap().parse().unwrap(),
        parts.next().unwrap().parse().unwrap(),
    )
}

/// A store where Russia warms to Pakistan after 2019-02-14 while staying steady with India.
pub fn relations_fixture_store(dir: &Path) -> PathBuf {
    let mut lines = Vec::new();
    let mut id = 1;
    let mut push = |date: &'static str, s: &'static str, d: &'static str, code: &'static str| {
        lines.push(gdelt2_line(&Ev::new(id, date, s, d, code)));
        id += 1;
    };
    for date in ["20190107", "20190115", "20190123", "20190131", "20190208"] {
        push(date, "RUSGOV", "INDGOV", "057"); // sign agreement, +8.0
        push(date, "INDGOV", "RUSGOV", "042"); // +1.9
        push(date, "RUSGOV", "PAKGOV", "112"); // accuse, −2.0
        push(date, "PAKGOV", "RUSGOV", "111"); // criticize, −2.0
    }
    for date in ["20190215", "20190222", "20190301", "20190308", "20190315"] {
        push(date, "RUSGOV", "INDGOV", "057");
        push(date, "INDGOV", "RUSGOV", "042");
        push(date, "RUSGOV", "PAKGOV", "057");
        push(date, "PAKGOV", "RUSGOV", "042");
        push(date, "INDMIL", "PAKMIL", "190");
    }
    let input = write_lines(dir, "fixture.export.CSV", &lines);
    let store = dir.join("store");
    ok(&store, &["ingest", input.to_str().unwrap()]);
    store
}

/// A running `fulcrum serve` on a free loopback port, stopped when dropped.
pub struct Served {
    child: std::process::Child,
    pub base: String,
}

impl Served {
    pub fn start(store: &Path, extra: &[&str]) -> Self {
        let mut child = fulcrum()
            .arg("--store")
            .arg(store)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("fulcrum serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Served { child, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path.trim_start_matches('/'))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

/// GET → (status, body as JSON or text).
pub fn get(s: &Served, path: &str) -> (u16, Value) {
    let mut r = agent().get(&s.url(path)).call().expect("request completes");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

pub fn get_ok(s: &Served, path: &str) -> Value {
    let (status, body) = get(s, path);
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// What `cargo ARGS…` prints on standard output, run in the workspace; the test fails if cargo does.
pub fn cargo_output(args: &[&str]) -> Vec<u8> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo {} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `cargo metadata --format-version 1 ARGS…` of the workspace, as JSON.
pub fn cargo_metadata(args: &[&str]) -> Value {
    let args: Vec<&str> = ["metadata", "--format-version", "1"]
        .into_iter()
        .chain(args.iter().copied())
        .collect();
    serde_json::from_slice(&cargo_output(&args)).expect("cargo metadata prints JSON")
}
