//! The known-episode suite (`episodes/episodes.json`) on the real ICEWS18 and ICEWS14 data: every measure is run
//! on every episode inside the data's span, and hits and misses are reported (docs/relations.md, "Known
//! episodes"). The definitions are fixed in `fulcrum_questions::episodes`; nothing here is tuned per episode.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::{ok, shared_data};
use fulcrum_events::{Resolver, SqlSource};
use fulcrum_query::QueryEngine;
use fulcrum_questions::Questions;
use fulcrum_questions::episodes::{EpisodeCheck, EpisodeFile, Expectation};

fn episodes() -> EpisodeFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../episodes/episodes.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

struct Tally {
    hits: usize,
    checks: usize,
}

/// Runs every episode inside `span` and appends a report section; returns (hits, checks) with names resolved.
fn run_suite(
    store: &Path,
    resolver: &Resolver,
    span: (i32, i32),
    title: &str,
    report: &mut String,
) -> (Tally, Tally, usize) {
    let engine = QueryEngine::open(store).unwrap();
    let resolving = SqlSource {
        engine: &engine,
        resolver: Some(resolver),
    };
    let stored_only = SqlSource {
        engine: &engine,
        resolver: None,
    };
    let file = episodes();
    let inside: Vec<_> = file
        .episodes
        .iter()
        .filter(|e| {
            let (from, to) = e.days().unwrap();
            from >= span.0 && to <= span.1
        })
        .collect();
    let (mut with, mut without) = (Tally { hits: 0, checks: 0 }, Tally { hits: 0, checks: 0 });
    writeln!(
        report,
        "\n### {title}: {} episodes\n\n| episode | expects | hit | measured (names resolved) | hit, names not resolved |\n|---|---|---|---|---|",
        inside.len()
    )
    .unwrap();
    for e in &inside {
        let checks: Vec<EpisodeCheck> = Questions::new(&resolving)
            .check_episode(e, span)
            .unwrap_or_else(|err| panic!("episode {}: {err}", e.id));
        let plain = Questions::new(&stored_only)
            .check_episode(e, span)
            .unwrap_or_else(|err| panic!("episode {}: {err}", e.id));
        for (c, p) in checks.iter().zip(&plain) {
            with.checks += 1;
            without.checks += 1;
            with.hits += usize::from(c.hit);
            without.hits += usize::from(p.hit);
            let mark = |hit: bool| if hit { "hit" } else { "**miss**" };
            let mean = match c.mean_tilt_hit {
                Some(h) => format!(
                    " (mean tilt: {})",
                    if h { "right way" } else { "wrong way" }
                ),
                None => String::new(),
            };
            writeln!(
                report,
                "| {} {}..{} | {:?} | {} | {}{mean} | {} |",
                e.id,
                e.from,
                e.to,
                c.expectation,
                mark(c.hit),
                c.measured,
                mark(p.hit)
            )
            .unwrap();
        }
    }
    (with, without, inside.len())
}

#[test]
fn known_episodes_on_icews18_and_icews14() {
    let Some(data) = shared_data() else { return };
    let resolver =
        fulcrum_coder::Dictionaries::resolver(&data.join("cameo/petrarch2-dictionaries")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let day = |s: &str| fulcrum_model::parse_iso_date(s).unwrap();
    let mut report = String::new();
    let mut totals = Vec::new();
    for (folder, span, title) in [
        (
            "icews18/diffutkg",
            (day("2018-01-01"), day("2018-10-31")),
            "ICEWS18 (2018-01-01 .. 2018-10-31)",
        ),
        (
            "icews14/regcn",
            (day("2014-01-01"), day("2014-12-31")),
            "ICEWS14 (2014)",
        ),
    ] {
        let store = dir.path().join(folder.replace('/', "-"));
        ok(&store, &["ingest", data.join(folder).to_str().unwrap()]);
        let (with, without, episodes) = run_suite(&store, &resolver, span, title, &mut report);
        totals.push((title, with, without, episodes));
    }
    let mut summary = String::from(
        "| data | episodes | checks | hits (names resolved) | hits (not resolved) |\n|---|---|---|---|---|\n",
    );
    for (title, with, without, episodes) in &totals {
        writeln!(
            summary,
            "| {title} | {episodes} | {} | {} ({:.0}%) | {} ({:.0}%) |",
            with.checks,
            with.hits,
            100.0 * with.hits as f64 / with.checks as f64,
            without.hits,
            100.0 * without.hits as f64 / without.checks as f64
        )
        .unwrap();
    }
    let full = format!("{summary}{report}");
    println!("{full}");
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("episodes-report.md");
    std::fs::write(&out, &full).unwrap();
    eprintln!("report written to {}", out.display());
    let (_, icews18, _, n18) = &totals[0];
    assert!(
        *n18 >= 15,
        "the issue asks for at least 15 episodes inside ICEWS18's window, found {n18}"
    );
    // A floor against regressions, below the rate measured when the definitions were fixed (README and docs give
    // the measured figures, misses listed): a change that loses episodes fails here and must be explained.
    let rate = icews18.hits as f64 / icews18.checks as f64;
    assert!(
        rate >= HIT_RATE_FLOOR,
        "ICEWS18 hit rate {rate:.2} fell below {HIT_RATE_FLOOR}\n{full}"
    );
}

const HIT_RATE_FLOOR: f64 = 0.70;

/// The file itself: every episode well-formed (runs on a fresh clone, without the data).
#[test]
fn the_episode_file_is_well_formed() {
    let file = episodes();
    assert_eq!(file.version, 1);
    let mut ids = std::collections::HashSet::new();
    for e in &file.episodes {
        assert!(ids.insert(e.id.clone()), "duplicate id {}", e.id);
        let (from, to) = e.days().unwrap();
        assert!(
            from <= to && to - from <= 31,
            "{}: window {from}..{to}",
            e.id
        );
        assert!(
            !e.sources.is_empty() && e.sources.iter().all(|s| s.starts_with("http")),
            "{}: sources",
            e.id
        );
        let tilt = e.expect.contains(&Expectation::Tilt);
        if tilt {
            let between = e.between.as_ref().expect("tilt has between");
            assert!(e.dyad.is_none() && e.third.is_some(), "{}", e.id);
            assert!(
                between.contains(e.toward.as_ref().unwrap()),
                "{}: toward is one of the rivals",
                e.id
            );
        } else {
            assert!(e.dyad.is_some() && e.third.is_none(), "{}", e.id);
        }
        for code in e
            .dyad
            .iter()
            .flatten()
            .chain(e.between.iter().flatten())
            .chain(&e.third)
        {
            fulcrum_model::actors::ActorSpec::parse(code)
                .unwrap_or_else(|err| panic!("{}: {err}", e.id));
        }
    }
    let in_2018 = file
        .episodes
        .iter()
        .filter(|e| e.from.as_str() >= "2018-01-01" && e.to.as_str() <= "2018-10-31")
        .count();
    assert!(in_2018 >= 15, "{in_2018} episodes in ICEWS18's window");
}
