//! Every command that has an endpoint gives the same numbers as the endpoint when neither is given an optional
//! parameter: defaults are defined once (the questions layer), and these tests would see one that differs.
//! One test per pair, generated from one table.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

/// Three years of varied monthly relations among RUS, IND and PAK: enough periods at the default granularity
/// (month) for a VAR with lag selection, change points and forecasts.
fn store(dir: &Path) -> PathBuf {
    const PAIRS: [(&str, &str); 6] = [
        ("RUSGOV", "INDGOV"),
        ("INDGOV", "RUSGOV"),
        ("RUSGOV", "PAKGOV"),
        ("PAKGOV", "RUSGOV"),
        ("INDGOV", "PAKGOV"),
        ("PAKGOV", "INDGOV"),
    ];
    const CODES: [&str; 8] = ["036", "042", "057", "111", "112", "173", "190", "061"];
    let mut lines = Vec::new();
    // A fixed linear congruential sequence: varied counts and codes, the same on every run.
    let mut state: u64 = 2019;
    let mut next = |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    for month in 0..36 {
        let (year, m) = (2017 + month / 12, month % 12 + 1);
        for (src, dst) in PAIRS {
            for _ in 0..1 + next(6) {
                let day = 1 + next(28);
                let date: &'static str = format!("{year}{m:02}{day:02}").leak();
                let code = CODES[next(CODES.len() as u64) as usize];
                lines.push(gdelt2_line(&Ev::new(
                    1 + lines.len() as i64,
                    date,
                    src,
                    dst,
                    code,
                )));
            }
        }
    }
    let input = write_lines(dir, "parity.export.CSV", &lines);
    let store = dir.join("store");
    ok(&store, &["ingest", input.to_str().unwrap()]);
    store
}

/// What the CLI said: the rows of its `--json` file (when it writes one), its standard output, and a side file.
struct Cli {
    rows: Vec<Value>,
    stdout: String,
    side_file: Option<String>,
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) => s.parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

fn same(what: &str, cli: f64, api: f64) {
    let equal = (cli.is_nan() && api.is_nan()) || (cli - api).abs() <= 1e-6 * cli.abs().max(1.0);
    assert!(equal, "{what}: CLI {cli}, API {api}");
}

/// The CLI's rows as a list; `--json` writes one JSON object per row.
fn read_rows(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(rows)) => rows,
        _ => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("a JSON row"))
            .collect(),
    }
}

/// One command and its endpoint, with no optional parameter, and how to compare their numbers.
struct Pair {
    cli: &'static [&'static str],
    /// Where the CLI writes a side file (the VAR's impulse responses), if anywhere.
    side_file: Option<&'static str>,
    api: &'static str,
    compare: fn(&Cli, &Value),
}

fn compare_dyad(cli: &Cli, api: &Value) {
    let mut points = 0;
    for d in api["directions"].as_array().unwrap() {
        for p in d["points"].as_array().unwrap() {
            let row = cli
                .rows
                .iter()
                .find(|r| r["source"] == d["source"] && r["period"] == p["period"])
                .expect("the CLI has the API's period");
            for key in [
                "events",
                "goldstein_sum",
                "goldstein_mean",
                "net_coop",
                "q4",
            ] {
                same(
                    &format!("{} {} {key}", d["source"], p["period"]),
                    num(&row[key]),
                    num(&p[key]),
                );
            }
            points += 1;
        }
    }
    assert_eq!(points, cli.rows.len());
}

fn compare_balance(cli: &Cli, api: &Value) {
    let points = api["points"].as_array().unwrap();
    assert_eq!(points.len(), cli.rows.len());
    for (p, row) in points.iter().zip(&cli.rows) {
        assert_eq!(p["period"], row["period"]);
        for key in [
            "tilt",
            "tilt_low",
            "tilt_high",
            "events_ta",
            "events_tb",
            "mean_tilt",
            "hostility_ab",
        ] {
            same(
                &format!("{} {key}", p["period"]),
                num(&row[key]),
                num(&p[key]),
            );
        }
    }
}

fn compare_map(cli: &Cli, api: &Value) {
    let states = api["states"].as_array().unwrap();
    assert_eq!(states.len(), cli.rows.len());
    for (s, row) in states.iter().zip(&cli.rows) {
        assert_eq!(s["code"], row["code"]);
        assert_eq!(s["colour"], row["colour"]);
        for key in ["value", "low", "high"] {
            same(
                &format!("{} {key}", s["code"]),
                num(&row[key]),
                num(&s[key]),
            );
        }
        same(
            &format!("{} events", s["code"]),
            num(&row["events"]),
            num(&s["reading"]["events"]),
        );
    }
}

fn compare_event_map(cli: &Cli, api: &Value) {
    let points = api["points"].as_array().unwrap();
    assert_eq!(points.len(), cli.rows.len());
    for (p, row) in points.iter().zip(&cli.rows) {
        for key in ["lat", "lon", "events", "quad_class"] {
            same(key, num(&row[key]), num(&p[key]));
        }
    }
}

fn compare_triad(cli: &Cli, api: &Value) {
    let periods = api["periods"].as_array().unwrap();
    assert_eq!(periods.len(), cli.rows.len());
    for (p, row) in periods.iter().zip(&cli.rows) {
        assert_eq!(p["period"], row["period"]);
        same("triangles", num(&row["triangles"]), num(&p["triangles"]));
        same("balanced", num(&row["balanced"]), num(&p["balanced"]));
        same(
            "frustration",
            num(&row["frustration"]),
            num(&p["partition"]["frustration"]),
        );
    }
}

fn compare_changes(cli: &Cli, api: &Value) {
    let mut segments = 0;
    for d in api["directions"].as_array().unwrap() {
        let direction = format!(
            "{} → {}",
            d["source"].as_str().unwrap(),
            d["target"].as_str().unwrap()
        );
        let rows: Vec<&Value> = cli
            .rows
            .iter()
            .filter(|r| r["direction"] == direction.as_str())
            .collect();
        let api_segments = d["segments"].as_array().unwrap();
        assert_eq!(rows.len(), api_segments.len(), "{direction}: segments");
        for (row, s) in rows.iter().zip(api_segments) {
            assert_eq!((&row["from"], &row["to"]), (&s["from"], &s["to"]));
            same(
                &format!("{direction} mean"),
                num(&row["mean"]),
                num(&s["mean"]),
            );
        }
        segments += rows.len();
    }
    assert_eq!(segments, cli.rows.len());
    assert_eq!(api["series"], "events", "the documented default series");
}

fn compare_var(cli: &Cli, api: &Value) {
    let lags = cli
        .stdout
        .lines()
        .find_map(|l| {
            l.strip_prefix("VAR(")?
                .split(')')
                .next()?
                .parse::<u64>()
                .ok()
        })
        .expect("the CLI prints VAR(p)");
    assert_eq!(Some(lags), api["lags"].as_u64(), "lag order");
    let names: Vec<&str> = api["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let csv = cli.side_file.as_deref().expect("the impulse responses");
    let mut rows = 0;
    for line in csv.lines().skip(1) {
        // horizon,response,shock,irf,lower90,upper90 — names have no commas.
        let f: Vec<&str> = line.split(',').collect();
        let (h, i, j) = (
            f[0].parse::<usize>().unwrap(),
            names.iter().position(|n| *n == f[1]).unwrap(),
            names.iter().position(|n| *n == f[2]).unwrap(),
        );
        same(
            &format!("irf h{h} {}←{}", f[1], f[2]),
            f[3].parse().unwrap(),
            num(&api["irf"][h][i][j]),
        );
        // The bootstrap bands: the same replications and seed by default.
        same(
            &format!("lower90 h{h} {}←{}", f[1], f[2]),
            f[4].parse().unwrap_or(f64::NAN),
            num(&api["irf_bands"]["lower"][h][i][j]),
        );
        rows += 1;
    }
    assert_eq!(
        rows,
        api["irf"].as_array().unwrap().len() * 36,
        "every horizon, response and shock"
    );
}

fn compare_forecast(cli: &Cli, api: &Value) {
    let steps = api["forecast"].as_array().unwrap();
    assert_eq!(steps.len(), cli.rows.len(), "horizon");
    for (s, row) in steps.iter().zip(&cli.rows) {
        assert_eq!(
            (&s["period"], api["model"].as_str()),
            (&row["period"], row["model"].as_str())
        );
        for key in ["mean", "q05", "median", "q95"] {
            same(
                &format!("{} {key}", s["period"]),
                num(&row[key]),
                num(&s[key]),
            );
        }
    }
}

const PAIRS: &[(&str, Pair)] = &[
    (
        "dyad",
        Pair {
            cli: &["dyad", "RUS", "IND"],
            side_file: None,
            api: "/api/dyad?a=RUS&b=IND",
            compare: compare_dyad,
        },
    ),
    (
        "balance",
        Pair {
            cli: &["balance", "RUS", "--between", "IND", "PAK"],
            side_file: None,
            api: "/api/balance?third=RUS&a=IND&b=PAK",
            compare: compare_balance,
        },
    ),
    (
        "triad",
        Pair {
            cli: &["triad", "RUS", "IND", "PAK"],
            side_file: None,
            api: "/api/triad?states=RUS,IND,PAK",
            compare: compare_triad,
        },
    ),
    (
        "changes",
        Pair {
            cli: &["changes", "RUS", "PAK"],
            side_file: None,
            api: "/api/changes?a=RUS&b=PAK",
            compare: compare_changes,
        },
    ),
    (
        "var",
        Pair {
            cli: &["triad", "RUS", "IND", "PAK", "--var"],
            side_file: Some("--irf-csv"),
            api: "/api/var?states=RUS,IND,PAK",
            compare: compare_var,
        },
    ),
    (
        "map",
        Pair {
            cli: &["map", "RUS"],
            side_file: None,
            api: "/api/map?focus=RUS",
            compare: compare_map,
        },
    ),
    (
        "event_map",
        Pair {
            cli: &["map", "events", "RUS", "PAK"],
            side_file: None,
            api: "/api/map/events?actors=RUS,PAK",
            compare: compare_event_map,
        },
    ),
    (
        "forecast",
        Pair {
            cli: &["forecast", "dyad", "RUS", "PAK"],
            side_file: None,
            api: "/api/forecast?a=RUS&b=PAK",
            compare: compare_forecast,
        },
    ),
];

fn check(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path());
    let served = Served::start(&store, &[]);
    let pair = &PAIRS
        .iter()
        .find(|(n, _)| *n == name)
        .expect("a pair of that name")
        .1;
    let json = dir.path().join(format!("{name}.json"));
    let side = dir.path().join(format!("{name}.side"));
    let mut args: Vec<&str> = pair.cli.to_vec();
    if let Some(flag) = pair.side_file {
        args.extend([flag, side.to_str().unwrap()]);
    } else {
        args.extend(["--json", json.to_str().unwrap()]);
    }
    let stdout = ok(&store, &args);
    let cli = Cli {
        rows: read_rows(&json),
        stdout,
        side_file: std::fs::read_to_string(&side).ok(),
    };
    let api = get_ok(&served, pair.api);
    (pair.compare)(&cli, &api);
}

macro_rules! parity_tests {
    ($($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
        #[test]
        fn every_pair_of_the_table_has_its_test() {
            let tested = [$(stringify!($name)),*];
            for (name, _) in PAIRS {
                assert!(tested.contains(name), "{name} is in the table but has no test");
            }
        }
    };
}

parity_tests!(dyad, balance, triad, changes, var, forecast, map, event_map);
