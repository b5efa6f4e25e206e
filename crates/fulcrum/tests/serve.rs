//! `fulcrum serve`: the API against a fixture store (answers as the CLI does, errors, limits, safety), and the
//! dashboard end to end in headless Chromium (tests/browser/dashboard.mjs).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use common::*;
use serde_json::Value;

fn post(s: &Served, path: &str, content_type: &str, body: &[u8]) -> (u16, Value) {
    let mut r = agent()
        .post(&s.url(path))
        .header("Content-Type", content_type)
        .send(body)
        .expect("request completes");
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Reads a CSV the CLI wrote into rows of named cells.
fn csv_rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut records = csv_records(&std::fs::read_to_string(path).unwrap()).into_iter();
    let header = records.next().unwrap_or_default();
    records
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn close(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-5
}

/// The relations fixture plus varied weekly events among RUS, IND and PAK (so the six series of a triangular VAR
/// are not collinear); returns the store and the number of extra events per directed pair.
fn fixture(dir: &Path) -> (PathBuf, BTreeMap<(&'static str, &'static str), usize>) {
    let store = relations_fixture_store(dir);
    const DATES: [&str; 12] = [
        "20190102", "20190109", "20190116", "20190124", "20190130", "20190206", "20190213",
        "20190220", "20190227", "20190306", "20190313", "20190320",
    ];
    const CODES: [&str; 7] = ["036", "042", "057", "111", "112", "173", "190"];
    const PAIRS: [(&str, &str); 6] = [
        ("RUSGOV", "INDGOV"),
        ("INDGOV", "RUSGOV"),
        ("RUSGOV", "PAKGOV"),
        ("PAKGOV", "RUSGOV"),
        ("INDGOV", "PAKGOV"),
        ("PAKGOV", "INDGOV"),
    ];
    let (mut lines, mut per_pair) = (Vec::new(), BTreeMap::new());
    for (w, date) in DATES.iter().enumerate() {
        for (k, (src, dst)) in PAIRS.iter().enumerate() {
            // A different number of events and mix of codes per week and pair.
            for r in 0..(w * 5 + k * 3) % 4 {
                let code = CODES[(w * 3 + k * 5 + r) % CODES.len()];
                lines.push(gdelt2_line(&Ev::new(
                    10_000 + lines.len() as i64,
                    date,
                    src,
                    dst,
                    code,
                )));
                *per_pair.entry((&src[..3], &dst[..3])).or_insert(0) += 1;
            }
        }
    }
    let input = write_lines(dir, "varied.export.CSV", &lines);
    ok(&store, &["ingest", input.to_str().unwrap()]);
    (store, per_pair)
}

#[test]
fn api_answers_as_the_cli_does() {
    let dir = tempfile::tempdir().unwrap();
    let (store, extra) = fixture(dir.path());
    let s = Served::start(&store, &[]);

    // The dyad series, against `fulcrum dyad --csv`.
    let csv = dir.path().join("dyad.csv");
    ok(
        &store,
        &[
            "dyad",
            "RUS",
            "IND",
            "--by",
            "week",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    let cli = csv_rows(&csv);
    let api = get_ok(&s, "/api/dyad?a=RUS&b=IND&by=week");
    let points: Vec<(String, &Value)> = api["directions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            d["points"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |p| (d["source"].as_str().unwrap().to_string(), p))
        })
        .collect();
    assert_eq!(points.len(), cli.len(), "same number of rows as the CLI");
    for row in &cli {
        let (_, p) = points
            .iter()
            .find(|(src, p)| *src == row["source"] && p["period"] == row["period"].as_str())
            .expect("period in API");
        for (api_key, cli_key) in [
            ("events", "events"),
            ("goldstein_sum", "goldstein_sum"),
            ("goldstein_mean", "goldstein_mean"),
            ("net_coop", "net_coop"),
        ] {
            let want: f64 = row[cli_key].parse().unwrap_or(f64::NAN);
            assert!(
                close(num(&p[api_key]), want),
                "{} {} {api_key}: API {} CLI {want}",
                row["source"],
                row["period"],
                p[api_key]
            );
        }
    }
    let rus_ind = 20 + extra[&("RUS", "IND")] + extra[&("IND", "RUS")];
    assert_eq!(
        api["events"].as_u64(),
        Some(rus_ind as u64),
        "10 RUS→IND and 10 IND→RUS events and the varied ones"
    );

    // The balancer view, against `fulcrum balance --csv`.
    let csv = dir.path().join("balance.csv");
    ok(
        &store,
        &[
            "balance",
            "RUS",
            "--between",
            "IND",
            "PAK",
            "--by",
            "month",
            "--csv",
            csv.to_str().unwrap(),
        ],
    );
    let api = get_ok(
        &s,
        "/api/balance?third=RUS&a=IND&b=PAK&by=month&break=2019-02-14",
    );
    let cli = csv_rows(&csv);
    assert_eq!(api["points"].as_array().unwrap().len(), cli.len());
    for (p, row) in api["points"].as_array().unwrap().iter().zip(&cli) {
        assert_eq!(p["period"], row["period"].as_str());
        assert!(
            close(num(&p["tilt"]), row["tilt"].parse().unwrap_or(f64::NAN)),
            "tilt {} vs {}",
            p["tilt"],
            row["tilt"]
        );
    }
    let test = &api["break_test"];
    assert_eq!(test["break_day"], "2019-02-14");
    assert!(
        num(&test["shift"]) < 0.0,
        "Russia warms to Pakistan after the break: the tilt moves towards PAK: {test}"
    );

    // Triads: March has one unbalanced triangle (as `fulcrum triad` says in the relations tests).
    let api = get_ok(&s, "/api/triad?states=RUS,IND,PAK&by=month");
    for p in api["periods"].as_array().unwrap() {
        let signs: Vec<i64> = p["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["sign"].as_i64().unwrap())
            .collect();
        let product: i64 = signs.iter().product();
        // A triangle exists when all three pairs are signed, and is balanced when the product of signs is positive.
        let triangle = signs.iter().all(|&x| x != 0);
        assert_eq!(p["triangles"].as_u64(), Some(triangle as u64), "{p}");
        assert_eq!(
            p["balanced"].as_u64(),
            Some((triangle && product > 0) as u64),
            "{p}"
        );
    }

    // Every point's events can be listed, and the total is the point's count; the rows carry sources and provenance.
    let api = get_ok(&s, "/api/dyad?a=RUS&b=PAK&by=month");
    for (k, dir) in api["directions"].as_array().unwrap().iter().enumerate() {
        for p in dir["points"].as_array().unwrap() {
            let path = format!(
                "/api/events?a=RUS&b=PAK&from={}&to={}&direction={}&page_size=2",
                p["start"].as_str().unwrap(),
                p["end"].as_str().unwrap(),
                ["ab", "ba"][k]
            );
            let ev = get_ok(&s, &path);
            assert_eq!(ev["total"].as_f64(), p["events"].as_f64(), "{path}");
            for e in ev["events"].as_array().unwrap() {
                assert!(
                    e["source_url"]
                        .as_str()
                        .unwrap()
                        .starts_with("https://example.org/news/"),
                    "{e}"
                );
                assert!(
                    e["input_file"].as_str().unwrap().ends_with(".export.CSV")
                        && e["line_number"].as_i64().unwrap() >= 1,
                    "{e}"
                );
                assert_eq!(e["actor1_country_code"], dir["source"]);
            }
        }
    }
    let page2 = get_ok(&s, "/api/events?a=RUS&b=PAK&page_size=3&page=2");
    let rus_pak = (20 + extra[&("RUS", "PAK")] + extra[&("PAK", "RUS")]) as u64;
    assert_eq!(
        (
            page2["total"].as_u64(),
            page2["pages"].as_u64(),
            page2["events"].as_array().unwrap().len()
        ),
        (Some(rus_pak), Some(rus_pak.div_ceil(3)), 3)
    );

    // Change points, the triangular VAR and forecasts answer with their shapes.
    let ch = get_ok(&s, "/api/changes?a=RUS&b=PAK&by=week&series=goldstein_sum");
    assert!(
        ch["directions"][0]["segments"].as_array().unwrap().len() >= 2,
        "Russia → Pakistan turns at 2019-02-14: {ch}"
    );
    let var = get_ok(&s, "/api/var?states=RUS,IND,PAK&by=day&lags=1");
    assert_eq!(var["series"].as_array().unwrap().len(), 6);
    assert_eq!(var["irf"].as_array().unwrap().len(), 9, "horizons 0..8");
    let fc = get_ok(
        &s,
        "/api/forecast?a=RUS&b=PAK&by=week&horizon=4&model=bootstrap",
    );
    assert_eq!(fc["forecast"].as_array().unwrap().len(), 4);
    assert!(fc["forecast"][0]["q05"].as_f64() <= fc["forecast"][0]["q95"].as_f64());

    // What the store holds, and the picker's states and groups.
    let stats = get_ok(&s, "/api/stats");
    assert_eq!(
        stats["events"].as_u64(),
        Some(45 + extra.values().sum::<usize>() as u64)
    );
    assert_eq!(stats["datasets"][0]["dataset"], "gdelt2");
    let actors = get_ok(&s, "/api/actors");
    assert!(
        actors["countries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["code"] == "PAK" && c["name"] == "Pakistan")
    );
    assert!(
        actors["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["code"] == "SCO")
    );
    // A group works wherever a state does.
    let sco = get_ok(&s, "/api/dyad?a=RUS&b=SCO&by=month");
    assert_eq!(sco["b"]["name"], "Shanghai Cooperation Organisation");
}

#[test]
fn errors_are_json_with_the_status_and_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let s = Served::start(&store, &["--max-body", "1024"]);
    for (path, status, says) in [
        ("/api/dyad?a=RUS", 400, "missing parameter 'b'"),
        (
            "/api/dyad?a=RUS&b=ATLANTIS",
            400,
            "unknown actor 'ATLANTIS'",
        ),
        (
            "/api/dyad?a=RUS&b=IND&granularity=week",
            400,
            "unknown parameter 'granularity'",
        ),
        (
            "/api/dyad?a=RUS&b=IND&from=2019-13-01",
            400,
            "is not a date",
        ),
        (
            "/api/dyad?a=RUS&b=IND&from=2019-03-01&to=2019-01-01",
            400,
            "'from' is after 'to'",
        ),
        (
            "/api/dyad?a=RUS&b=IND&by=year",
            400,
            "'year' is not a period: want day, week or month",
        ),
        ("/api/dyad?a=USA&b=CHN", 404, "no events between USA, CHN"),
        (
            "/api/dyad?a=RUS&b=IND&by=day&from=1990-01-01",
            400,
            "more than 3660: use a coarser 'by'",
        ),
        ("/api/triad?states=RUS,IND", 400, "3 to 20"),
        (
            "/api/balance?third=RUS&a=IND&b=PAK&break=2030-01-01",
            400,
            "outside the window",
        ),
        ("/api/events?a=RUS&b=IND&page=99", 400, "past the last page"),
        (
            "/api/events?a=RUS&b=IND&page_size=100000",
            400,
            "between 1 and 500",
        ),
        ("/api/nothing", 404, "no such endpoint"),
        ("/api/sql", 400, "missing parameter 'q'"),
    ] {
        let (got, body) = get(&s, path);
        assert_eq!(got, status, "GET {path}: {body}");
        let message = body["error"]["message"]
            .as_str()
            .unwrap_or_else(|| panic!("GET {path}: not a JSON error: {body}"));
        assert!(message.contains(says), "GET {path}: {message}");
        assert_eq!(body["error"]["status"], status);
    }
    // Errors axum itself raises are JSON too: wrong method, body too large, malformed JSON.
    let (status, body) = post(&s, "/api/dyad", "text/plain", b"");
    assert_eq!(status, 405, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    let (status, body) = post(&s, "/api/sql", "text/plain", &vec![b' '; 4096]);
    assert_eq!(status, 413, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    let (status, body) = post(&s, "/api/sql", "application/json", b"{\"query\": 1}");
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"sql\""),
        "{body}"
    );
}

/// The most expensive valid question (20 states by day over ten years: the exact frustration index over 2¹⁹ splits
/// in each of 3,657 periods) runs off the async workers and stops at the deadline, while cheap questions sent at the
/// same time keep answering quickly.
#[test]
fn an_expensive_question_is_cut_at_the_deadline_and_cheap_ones_keep_their_latency() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let s = std::sync::Arc::new(Served::start(&store, &["--request-timeout", "2"]));
    let states = "RUS,IND,PAK,CHN,USA,GBR,FRA,DEU,JPN,IRN,AFG,TUR,SAU,ISR,EGY,BRA,ZAF,KOR,PRK,UKR";
    let heavy = format!("/api/triad?states={states}&by=day&from=2009-02-01&to=2019-02-05");
    let started = std::time::Instant::now();
    let expensive: Vec<_> = (0..4)
        .map(|_| {
            let (s, path) = (s.clone(), heavy.clone());
            std::thread::spawn(move || {
                let (status, body) = get(&s, &path);
                (status, body, started.elapsed())
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut latencies = Vec::new();
    while started.elapsed() < std::time::Duration::from_secs(3) {
        let t = std::time::Instant::now();
        let (status, body) = get(&s, "/api/dyad?a=RUS&b=IND&by=week");
        assert_eq!(status, 200, "{body}");
        latencies.push(t.elapsed());
    }
    for handle in expensive {
        let (status, body, took) = handle.join().unwrap();
        assert_eq!(status, 503, "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("longer than"),
            "{body}"
        );
        assert!(
            took < std::time::Duration::from_secs(6),
            "cut at the 2 s deadline, not after {took:?}"
        );
    }
    latencies.sort();
    let (median, worst) = (
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1],
    );
    assert!(
        latencies.len() >= 10,
        "only {} cheap answers in 2.8 s",
        latencies.len()
    );
    assert!(
        median < std::time::Duration::from_millis(100) && worst < std::time::Duration::from_secs(1),
        "cheap questions waited: median {median:?}, worst {worst:?}"
    );
}

#[test]
fn sql_is_read_only_and_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let before = tree(&store);
    let s = Served::start(&store, &["--max-rows", "10", "--sql-timeout", "1"]);
    let out = get_ok(
        &s,
        "/api/sql?q=SELECT%20dataset,%20count(*)%20AS%20n%20FROM%20events%20GROUP%20BY%20dataset",
    );
    assert_eq!(out["rows"][0]["n"], 45);
    assert_eq!(out["columns"][1]["name"], "n");
    let (status, out) = post(
        &s,
        "/api/sql",
        "application/json",
        br#"{"sql": "SELECT event_id FROM events ORDER BY event_id", "max_rows": 5}"#,
    );
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        (out["row_count"].as_u64(), out["truncated"].as_bool()),
        (Some(5), Some(true))
    );
    let (_, out) = post(&s, "/api/sql", "text/plain", b"SELECT event_id FROM events");
    assert_eq!(
        (out["row_count"].as_u64(), out["truncated"].as_bool()),
        (Some(10), Some(true)),
        "the server's limit caps every query"
    );

    let outside = dir.path().join("stolen.csv");
    for statement in [
        "DROP TABLE events".to_string(),
        "CREATE TABLE t AS SELECT 1".to_string(),
        "INSERT INTO events SELECT * FROM events".to_string(),
        format!("COPY (SELECT * FROM events) TO '{}'", outside.display()),
        format!(
            "CREATE EXTERNAL TABLE x STORED AS CSV LOCATION '{}'",
            dir.path().join("fixture.export.CSV").display()
        ),
        "SET datafusion.execution.batch_size = 1".to_string(),
    ] {
        let (status, body) = post(&s, "/api/sql", "text/plain", statement.as_bytes());
        assert_eq!(status, 403, "{statement}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("only a single SELECT"),
            "{body}"
        );
    }
    // A SELECT the planner cannot plan is the query's fault (400, with the planner's reason), never a refusal for
    // not being read-only, even when the reason says "not supported" (the refusal is the planner's verify_plan).
    let (status, body) = post(
        &s,
        "/api/sql",
        "text/plain",
        b"SELECT dataset, count(*) FROM events GROUP BY ROLLUP ((dataset, year))",
    );
    assert_eq!(status, 400, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("not supported for Rollup") && !message.contains("only a single SELECT"),
        "{body}"
    );
    // File paths are not tables.
    let (status, body) = post(
        &s,
        "/api/sql",
        "text/plain",
        format!(
            "SELECT * FROM '{}'",
            dir.path().join("fixture.export.CSV").display()
        )
        .as_bytes(),
    );
    assert_eq!(status, 400, "{body}");
    assert!(!outside.exists());
    // A runaway query is stopped at the time limit.
    let (status, body) = post(
        &s,
        "/api/sql",
        "text/plain",
        b"SELECT count(*) FROM generate_series(1, 100000000000)",
    );
    assert_eq!(status, 408, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("longer than the limit"),
        "{body}"
    );
    assert_eq!(
        tree(&store),
        before,
        "the store is never written through the server"
    );
}

/// Every file of a folder with its size and modification time.
fn tree(dir: &Path) -> Vec<(PathBuf, u64, SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            }
            out.push((e.path(), m.len(), m.modified().unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn static_files_cors_and_defaults_are_safe() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let s = Served::start(&store, &[]);
    let mut r = agent().get(&s.url("/")).call().unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()
            .get("content-security-policy")
            .unwrap()
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    let html = r.body_mut().read_to_string().unwrap();
    assert!(
        html.contains("/assets/app.js") && !html.contains("http://") && !html.contains("https://"),
        "no CDN"
    );
    for asset in [
        "app.js", "map.js", "check.js", "chart.js", "app.css", "icon.svg",
    ] {
        let mut r = agent()
            .get(&s.url(&format!("/assets/{asset}")))
            .call()
            .unwrap();
        assert_eq!(r.status(), 200, "{asset}");
        assert!(
            !r.body_mut()
                .read_to_string()
                .unwrap()
                .contains("https://cdn"),
            "{asset} loads nothing from a CDN"
        );
    }
    for path in [
        "/assets/../Cargo.toml",
        "/assets/..%2F..%2FCargo.toml",
        "/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fCargo.toml",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/assets/....//....//etc/passwd",
    ] {
        let mut r = agent().get(&s.url(path)).call().unwrap();
        let status = r.status().as_u16();
        let body = r.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 404, "{path}");
        assert!(
            !body.contains("[package]") && !body.contains("root:"),
            "{path}: {body}"
        );
    }
    // No CORS: a page from another origin gets no permission to read the API.
    let r = agent()
        .get(&s.url("/api/stats"))
        .header("Origin", "http://elsewhere.example")
        .call()
        .unwrap();
    assert!(r.headers().get("access-control-allow-origin").is_none());
    let r = agent()
        .options(&s.url("/api/sql"))
        .header("Origin", "http://elsewhere.example")
        .header("Access-Control-Request-Method", "POST")
        .call()
        .unwrap();
    assert!(
        r.headers().get("access-control-allow-origin").is_none() && r.status().as_u16() >= 400,
        "{}",
        r.status()
    );
    // Loopback unless told otherwise.
    let help =
        String::from_utf8(fulcrum().args(["serve", "--help"]).output().unwrap().stdout).unwrap();
    assert!(
        help.split_whitespace()
            .collect::<String>()
            .contains("[default:127.0.0.1:8080]"),
        "{help}"
    );
}

#[test]
fn openapi_documents_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = fixture(dir.path());
    let s = Served::start(&store, &[]);
    let doc = get_ok(&s, "/api/openapi.json");
    assert_eq!(doc["openapi"], "3.0.3");
    let documented: Vec<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    // The router's own list of API routes, read from its source, so a new route without documentation fails here.
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../server/src/lib.rs"))
            .unwrap();
    let mut routed: Vec<String> = source
        .split(".route(\"")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .filter(|r| r.starts_with("/api/"))
        .map(str::to_string)
        .collect();
    routed.sort();
    let mut documented_sorted = documented.clone();
    documented_sorted.sort();
    assert_eq!(routed, documented_sorted);
    // Each documented GET answers 200 with its documented examples (adjusted to the fixture's dates).
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        let query: Vec<String> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["required"] == true || p["name"] == "from" || p["name"] == "to")
            .filter_map(|p| {
                let name = p["name"].as_str().unwrap();
                let value = match name {
                    "from" => "2019-01-01".to_string(),
                    "to" => "2019-03-31".to_string(),
                    _ => p["example"].as_str()?.replace(' ', "%20"),
                };
                Some(format!("{name}={value}"))
            })
            .collect();
        // Weekly, so the VAR and the forecast have enough periods in the fixture's three months.
        let extra = match path.as_str() {
            "/api/var" => "&by=day&lags=1",
            "/api/forecast" => "&by=week",
            // Without actors an event map needs a code: ask for one pair's.
            "/api/map/events" => "&actors=IND,PAK",
            _ => "",
        };
        let url = format!("{path}?{}{extra}", query.join("&"));
        let (status, body) = get(&s, &url);
        assert_eq!(status, 200, "GET {url}: {body}");
    }
}

/// Schemathesis (property-based API testing from the OpenAPI document): over a thousand generated requests, none
/// may get a 5xx. Seeded, so a failure reproduces.
#[test]
fn no_server_errors_under_schemathesis() {
    let Some(python) = python_with("schemathesis") else {
        return;
    };
    let st = Path::new(&python)
        .parent()
        .map(|d| d.join("st"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("st"));
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = fixture(dir.path());
    let s = Served::start(&store, &[]);
    let out = Command::new(&st)
        .args([
            "run",
            &s.url("/api/openapi.json"),
            "--url",
            s.base.trim_end_matches('/'),
            "--checks",
            "not_a_server_error",
        ])
        .args(["--max-examples", "60", "--seed", "20190214", "--no-color"])
        .env("SCHEMATHESIS_HOOKS", "")
        .current_dir(dir.path())
        .output()
        .expect("schemathesis runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis found server errors:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("generated") && !text.contains("errored"),
        "{text}"
    );
}

/// Runs tests/browser/dashboard.mjs against a served store, if Chromium, Node.js and playwright-core are installed
/// (scripts/test installs them; with FULCRUM_REQUIRE_BROWSER=1 their absence fails the test).
fn browser_test(store: &Path, script: &str, screenshot: &Path, args: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let script = root.join("tests/browser").join(script);
    let have_node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let missing: Vec<&str> = [
        (!Path::new(&chromium).exists()).then_some("chromium"),
        (!have_node).then_some("node"),
        (!root
            .join("tests/browser/node_modules/playwright-core")
            .is_dir())
        .then_some("playwright-core (npm ci in tests/browser)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        if std::env::var("FULCRUM_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "missing {} but FULCRUM_REQUIRE_BROWSER=1 (scripts/test installs them)",
                missing.join(", ")
            );
        }
        skipped(&format!(
            "browser test needs {} (scripts/test installs them)",
            missing.join(", ")
        ));
        return;
    }
    std::fs::create_dir_all(screenshot.parent().unwrap()).unwrap();
    let s = Served::start(store, &[]);
    let out = Command::new("node")
        .arg(&script)
        .arg(&s.base)
        .arg(screenshot)
        .args(args)
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{stdout}");
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::metadata(screenshot).unwrap().len() > 20_000,
        "the screenshot has content"
    );
}

fn screenshots() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser")
}

#[test]
fn dashboard_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    browser_test(
        &store,
        "dashboard.mjs",
        &screenshots().join("fixture-dashboard.png"),
        &["RUS", "PAK", "IND", "2019-01-01", "2019-03-31", "week"],
    );
}

#[test]
fn check_an_article_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    browser_test(
        &store,
        "check.mjs",
        &screenshots().join("fixture-check.png"),
        &[
            "2019-03-31",
            "Russia and Pakistan are cooperating. Relations between India and Pakistan worsened. Russia is \
             no longer taking India's side. Barabanov compared Russia with China.",
        ],
    );
}

#[test]
fn dashboard_shows_russia_india_pakistan_on_icews18() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ok(
        &store,
        &["ingest", data.join("icews18/diffutkg").to_str().unwrap()],
    );
    browser_test(
        &store,
        "dashboard.mjs",
        &screenshots().join("icews18-dashboard.png"),
        &["RUS", "IND", "PAK", "2018-01-01", "2018-10-31", "month"],
    );
}

/// Events of both directions of a dyad, as `/api/dyad` counts them.
fn dyad_events(s: &Served, a: &str, b: &str) -> f64 {
    let body = get_ok(s, &format!("/api/dyad?a={a}&b={b}&by=month"));
    body["directions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["points"].as_array().unwrap().iter())
        .map(|p| {
            p["events"]
                .as_f64()
                .unwrap_or_else(|| panic!("a count of events in {p}"))
        })
        .sum()
}

#[test]
fn a_running_server_answers_with_data_ingested_after_it_started() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let s = Served::start(&store, &["--reload-every", "0.2"]);
    let before = get_ok(&s, "/api/health");
    let (events, transactions) = (
        before["events"].as_u64().unwrap(),
        before["transactions"].as_u64().unwrap(),
    );
    let rus_pak = dyad_events(&s, "RUS", "PAK");

    let lines: Vec<String> = (0..7)
        .map(|i| gdelt2_line(&Ev::new(50_000 + i, "20190301", "RUSGOV", "PAKGOV", "042")))
        .collect();
    let input = write_lines(dir.path(), "later.export.CSV", &lines);
    ok(&store, &["ingest", input.to_str().unwrap()]);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let after = loop {
        let health = get_ok(&s, "/api/health");
        if health["events"].as_u64() != Some(events) || std::time::Instant::now() > deadline {
            break health;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_eq!(
        (after["events"].as_u64(), after["transactions"].as_u64()),
        (Some(events + 7), Some(transactions + 1)),
        "the server read the new transaction without a restart: {after}"
    );
    assert_eq!(dyad_events(&s, "RUS", "PAK"), rus_pak + 7.0);
    let stats = get_ok(&s, "/api/stats");
    assert_eq!(stats["events"].as_u64(), Some(events + 7), "{stats}");

    // Without reloading, the server keeps the store as it read it.
    let fixed = Served::start(&store, &["--reload-every", "0"]);
    ok(
        &store,
        &[
            "ingest",
            write_lines(
                dir.path(),
                "last.export.CSV",
                &[gdelt2_line(&Ev::new(
                    60_000, "20190302", "RUSGOV", "PAKGOV", "042",
                ))],
            )
            .to_str()
            .unwrap(),
        ],
    );
    // Longer than the default interval (2 s), so a `0` read as "the default" would show here.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(
        get_ok(&fixed, "/api/health")["events"].as_u64(),
        Some(events + 7)
    );
}

#[test]
fn the_claim_check_answers_as_the_cli_does_and_says_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let store = relations_fixture_store(dir.path());
    let text = "Russia and Pakistan are cooperating. Relations between India and Pakistan worsened. Russia is no \
                longer taking India's side. Barabanov compared Russia with China.";
    let article = dir.path().join("article.txt");
    std::fs::write(&article, text).unwrap();
    let cli: Value = serde_json::from_str(&ok(
        &store,
        &[
            "check",
            article.to_str().unwrap(),
            "--date",
            "2019-03-31",
            "--window",
            "60d",
            "--format",
            "json",
        ],
    ))
    .unwrap();
    let s = Served::start(&store, &[]);
    let body = serde_json::json!({"text": text, "date": "2019-03-31", "window": "60d"}).to_string();
    let (status, api) = post(&s, "/api/check", "application/json", body.as_bytes());
    assert_eq!(status, 200, "{api}");
    assert_eq!(
        api["checks"], cli["checks"],
        "the API and the CLI check alike"
    );
    assert_eq!(api["not_understood"], cli["not_understood"]);
    assert!(
        api["markdown"]
            .as_str()
            .unwrap()
            .starts_with("# Claims checked")
    );
    assert_eq!(api["checks"].as_array().unwrap().len(), 3, "{api:#}");
    for (body, says) in [
        (r#"{"date": "2019-03-31"}"#, "text"),
        (
            r#"{"text": "Russia and India cooperate.", "date": "31/03/2019"}"#,
            "date",
        ),
        (
            r#"{"text": "Russia and India cooperate.", "date": "2019-03-31", "window": "3y"}"#,
            "window",
        ),
        ("not json", "not JSON"),
        (
            r#"{"text": "Russia and India cooperate.", "date": "2500-01-01"}"#,
            "outside",
        ),
    ] {
        let (status, err) = post(&s, "/api/check", "application/json", body.as_bytes());
        assert_eq!(status, 400, "{body}: {err}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains(says),
            "{body}: {err}"
        );
    }
}
