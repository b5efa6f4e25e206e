//! `fulcrum fetch` against a GDELT mirror served on loopback: listing, gaps, md5, resume, skip, ingest.

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use common::*;
use md5::{Digest, Md5};

/// (path, Range header) of every request served.
type Requests = Arc<Mutex<Vec<(String, Option<String>)>>>;

struct Mirror {
    base: String,
    requests: Requests,
}

/// Serves `files` (URL path → bytes) on 127.0.0.1, honouring `Range: bytes=N-`.
fn serve(files: HashMap<String, Vec<u8>>) -> Mirror {
    let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
    let base = format!("http://{}", server.server_addr().to_ip().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let log = requests.clone();
    std::thread::spawn(move || {
        for req in server.incoming_requests() {
            let path = req.url().to_string();
            let range = req
                .headers()
                .iter()
                .find(|h| h.field.equiv("Range"))
                .map(|h| h.value.to_string());
            log.lock().unwrap().push((path.clone(), range.clone()));
            let Some(body) = files.get(&path) else {
                let _ = req
                    .respond(tiny_http::Response::from_string("not found").with_status_code(404));
                continue;
            };
            let from = range
                .as_deref()
                .and_then(|r| r.strip_prefix("bytes="))
                .and_then(|r| r.strip_suffix('-'))
                .and_then(|n| n.parse::<usize>().ok());
            let response = match from {
                Some(n) if n < body.len() => {
                    tiny_http::Response::from_data(body[n..].to_vec()).with_status_code(206)
                }
                _ => tiny_http::Response::from_data(body.clone()),
            };
            let _ = req.respond(response);
        }
    });
    Mirror { base, requests }
}

fn zipped(entry: &str, content: &[u8]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file(entry, zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(content).unwrap();
    z.finish().unwrap().into_inner()
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(Md5::digest(bytes))
}

/// Builds a GDELT 2.0 mirror for 2019-02-14 from the given export contents, plus one file listed with a
/// wrong md5 and one listed but absent.
fn v2_mirror(exports: &[(&str, Vec<u8>)]) -> (Mirror, Vec<(String, Vec<u8>)>) {
    let mut files = HashMap::new();
    let mut list = String::new();
    let mut zips = Vec::new();
    for (stamp, content) in exports {
        let name = format!("{stamp}.export.CSV.zip");
        let z = zipped(&format!("{stamp}.export.CSV"), content);
        list.push_str(&format!(
            "{} {} http://data.gdeltproject.org/gdeltv2/{name}\n",
            z.len(),
            md5_hex(&z)
        ));
        list.push_str(&format!("123 0123456789abcdef0123456789abcdef http://data.gdeltproject.org/gdeltv2/{stamp}.mentions.CSV.zip\n"));
        files.insert(format!("/gdeltv2/{name}"), z.clone());
        zips.push((name, z));
    }
    let bad = zipped("20190214150000.export.CSV", b"whatever");
    list.push_str(&format!(
        "{} {} http://x/gdeltv2/20190214150000.export.CSV.zip\n",
        bad.len(),
        "0".repeat(32)
    ));
    files.insert("/gdeltv2/20190214150000.export.CSV.zip".into(), bad);
    list.push_str(
        "999 ffffffffffffffffffffffffffffffff http://x/gdeltv2/20190214151500.export.CSV.zip\n",
    );
    list.push_str(
        "999 ffffffffffffffffffffffffffffffff http://x/gdeltv2/20190301000000.export.CSV.zip\n",
    );
    files.insert("/gdeltv2/masterfilelist.txt".into(), list.into_bytes());
    (serve(files), zips)
}

fn check_v2_fetch(exports: Vec<(&str, Vec<u8>)>, expected_rows: usize) {
    let (mirror, zips) = v2_mirror(&exports);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("dl");
    std::fs::create_dir_all(&dest).unwrap();
    // An interrupted earlier download of the first file.
    let (first_name, first_zip) = &zips[0];
    std::fs::write(dest.join(format!("{first_name}.part")), &first_zip[..100]).unwrap();

    let store = dir.path().join("store");
    let args = [
        "fetch",
        "gdelt",
        "--version",
        "2",
        "--from",
        "2019-02-14",
        "--to",
        "2019-02-14",
        "--base-url",
        &mirror.base,
        "--dest",
        dest.to_str().unwrap(),
        "--ingest",
        "--jobs",
        "3",
    ];
    let out = run(&store, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(3),
        "failures make the exit code 3\n{stdout}\n{stderr}"
    );
    let listed = zips.len() + 2;
    assert!(
        stdout.contains(&format!("{listed} file(s) listed")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "{} expected file(s) not listed (gaps)",
            96 - listed
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("fetched {} file(s)", zips.len())),
        "{stdout}"
    );
    assert!(
        stderr.contains("20190214150000.export.CSV.zip: md5"),
        "{stderr}"
    );
    assert!(
        stderr.contains("20190214151500.export.CSV.zip") && stderr.contains("404"),
        "{stderr}"
    );
    assert!(
        !dest.join("20190214150000.export.CSV.zip").exists(),
        "a file failing its md5 is not kept"
    );
    for (name, z) in &zips {
        assert_eq!(
            &std::fs::read(dest.join(name)).unwrap(),
            z,
            "{name} downloaded intact"
        );
    }
    let resumed = mirror
        .requests
        .lock()
        .unwrap()
        .iter()
        .any(|(p, r)| p.ends_with(first_name.as_str()) && r.as_deref() == Some("bytes=100-"));
    assert!(
        resumed,
        "the partial download was resumed with a Range request"
    );
    assert_eq!(
        sql_one(&store, "SELECT count(*) FROM events"),
        expected_rows.to_string()
    );

    // A second run downloads nothing and stores nothing new.
    let before = mirror.requests.lock().unwrap().len();
    let out = run(&store, &args);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{} already present", zips.len())),
        "{stdout}"
    );
    let export_requests = mirror.requests.lock().unwrap()[before..]
        .iter()
        .filter(|(p, _)| zips.iter().any(|(n, _)| p.ends_with(n.as_str())))
        .count();
    assert_eq!(export_requests, 0, "present files are not downloaded again");
    assert_eq!(
        sql_one(&store, "SELECT count(*) FROM events"),
        expected_rows.to_string()
    );
}

#[test]
fn fetch_gdelt2_from_a_fixture_mirror() {
    let a = (many_gdelt2(1, 300).join("\n") + "\n").into_bytes();
    let b = (many_gdelt2(301, 200).join("\n") + "\n").into_bytes();
    check_v2_fetch(vec![("20190214143000", a), ("20190214144500", b)], 500);
}

#[test]
fn fetch_gdelt2_from_a_mirror_of_the_shared_sample() {
    let Some(data) = shared_data() else { return };
    let real =
        std::fs::read(data.join("gdelt2/arekziobrowski-gdelt-big-data/20191024143000.export.CSV"))
            .unwrap();
    // Served under a Pulwama-day name: the mirror is about the protocol, the rows are real.
    check_v2_fetch(vec![("20190214143000", real)], 2111);
}

#[test]
fn fetch_gdelt1_daily_files_and_report_gaps() {
    let content: Vec<u8> = match shared_data() {
        Some(data) => std::fs::read(data.join("gdelt1/reed9999-gdelt-demo/events.csv")).unwrap(),
        None => {
            let e = Ev::new(7, "20190214", "RUSGOV", "PAKGOV", "042");
            (gdelt1_line(&e, true) + "\n").into_bytes()
        }
    };
    let rows = content.iter().filter(|&&b| b == b'\n').count();
    let z = zipped("20190214.export.CSV", &content);
    let mut files = HashMap::new();
    files.insert(
        "/events/md5sums".to_string(),
        format!(
            "{}  20190214.export.CSV.zip\nabc  201302.zip\n",
            md5_hex(&z)
        )
        .into_bytes(),
    );
    files.insert(
        "/events/filesizes".to_string(),
        format!("{} 20190214.export.CSV.zip\n", z.len()).into_bytes(),
    );
    files.insert("/events/20190214.export.CSV.zip".to_string(), z);
    let mirror = serve(files);
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let dest = dir.path().join("v1");
    let out = ok(
        &store,
        &[
            "fetch",
            "gdelt",
            "--version",
            "1",
            "--from",
            "2019-02-13",
            "--to",
            "2019-02-15",
            "--base-url",
            &mirror.base,
            "--dest",
            dest.to_str().unwrap(),
            "--ingest",
        ],
    );
    assert!(
        out.contains("1 file(s) listed") && out.contains("2 expected file(s) not listed"),
        "{out}"
    );
    assert!(
        out.contains("20190213.export.CSV.zip") && out.contains("20190215.export.CSV.zip"),
        "gaps named: {out}"
    );
    assert_eq!(
        sql_one(&store, "SELECT count(*) FROM events"),
        rows.to_string()
    );
}

#[test]
fn offline_fetch_says_so_and_points_to_ingest() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 on loopback: nothing listens, the connection is refused at once.
    let out = run(
        &dir.path().join("store"),
        &[
            "fetch",
            "gdelt",
            "--version",
            "2",
            "--from",
            "2019-02-14",
            "--to",
            "2019-02-14",
            "--base-url",
            "http://127.0.0.1:9",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("cannot reach") && err.contains("fulcrum ingest"),
        "{err}"
    );
}
