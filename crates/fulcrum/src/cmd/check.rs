//! `fulcrum check`: an article's claims about relations between states, tested against the store.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use fulcrum_coder::Dictionaries;
use fulcrum_coder::claims::{ClaimDictionary, find_claims};
use fulcrum_query::OutputFormat;
use fulcrum_questions::check::{CheckAnswer, CheckWindows};

use crate::cmd::Place;

const AFTER: &str = "\
Reads the article (plain text, HTML, or JSON Lines with \"id\", \"date\" and \"text\" per line, as
`fulcrum code`), finds its sentences that relate states — by name, adjective, capital (\"Moscow\",
\"Indo-Pak\"), and with a PETRARCH dictionary folder (--dict) people too (\"Lavrov\" → Russia on the
article's date) — and reads a claim where a cue word of the claims dictionary is: a level
(cooperate / hostile), a trend (grow, deepen / decline, sour; past or future), an alignment
(balances between / takes the side of) or an event (exercises, mediation, agreements). Sentences
that name states but carry no cue are listed as not understood.

Each claim is tested on the store around --date: levels against 0 and the pair's year before,
trends against the year before the window (Welch), alignment with the balancer reading (and its
shift for \"no longer takes X's side\"), events by their CAMEO codes in the year to the date; a
claim about the future on what followed the date when the store has it, else on Fulcrum's
forecast. Verdicts: supported, contradicted, not clear, no data (fewer than 10 events: it says
whether the store covers the period at all). The rules: docs/check.md.

The claims dictionary (cue words, state words) is built in
(crates/coder/claims/Fulcrum.Claims.txt, versioned); --claims FILE adds entries of your own in the
same format.

Examples:
  fulcrum check op-ed.txt --date 2019-03-21
  fulcrum check op-ed.txt --date 2019-03-21 --window 60d --after 12w --format markdown > report.md
  fulcrum --dict dictionaries check articles.jsonl --format json
  fulcrum check op-ed.txt --date 2019-03-21 --plot charts/     # one chart per claim";

/// How the report is written.
#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Markdown,
    Csv,
    Parquet,
}

/// Check an article's claims about relations between states against the data.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct CheckArgs {
    /// The article: a text or HTML file, JSON Lines (*.jsonl, one article per line), or - for standard input.
    article: PathBuf,
    /// The article's date (YYYY-MM-DD): claims are read as of that day. JSON Lines carry their own.
    #[arg(long, value_parser = fulcrum_questions::parse_day)]
    date: Option<i32>,
    /// How far back "now" reaches from the date: days (90d), weeks (12w) or months (3m).
    #[arg(long, default_value = "90d", value_parser = fulcrum_questions::check::parse_span)]
    window: i32,
    /// How far after the date a claim about the future is tested (or forecast).
    #[arg(long, default_value = "180d", value_parser = fulcrum_questions::check::parse_span)]
    after: i32,
    /// A claims dictionary of your own, added to the built-in one.
    #[arg(long, value_name = "FILE")]
    claims: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write the report here instead of standard output (needed for parquet).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Draw each claim's chart into this folder: its two states' dyad (Goldstein sum each way) over the periods
    /// tested, the article's date marked (`ARTICLE-claim-N.svg`; alignment claims: the third state with the first
    /// of the two others).
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
}

pub fn run(at: &Place, args: CheckArgs) -> Result<ExitCode> {
    if matches!(args.format, Format::Parquet) && args.out.is_none() {
        bail!("--format parquet needs --out FILE");
    }
    let documents =
        crate::cmd::code::read_documents(std::slice::from_ref(&args.article), args.date)?;
    if documents.is_empty() {
        bail!("{}: no article in it", args.article.display());
    }
    let mut dict = ClaimDictionary::builtin();
    if let Some(path) = &args.claims {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        dict.add_text(&path.display().to_string(), &text)?;
    }
    let actors = if at.dict.is_dir() {
        match Dictionaries::load(&at.dict) {
            Ok(d) => Some(d),
            Err(e) => {
                eprintln!("warning: {e}; finding states by name only (no people)");
                None
            }
        }
    } else {
        eprintln!(
            "note: no dictionary folder at {}: states are found by name, adjective and capital, not by their people \
             (`fulcrum dict fetch --dir {0}` downloads the PETRARCH-2 dictionaries)",
            at.dict.display()
        );
        None
    };
    let mut reports: Vec<(String, CheckAnswer)> = Vec::new();
    for doc in &documents {
        fulcrum_questions::check::check_date(doc.day).with_context(|| doc.id.clone())?;
        let claims = find_claims(&doc.text, doc.day, &dict, actors.as_ref());
        let windows = CheckWindows {
            date: doc.day,
            window_days: args.window,
            after_days: args.after,
        };
        let mut answer = crate::cmd::relations::ask(at, |q| q.check(&claims, windows))?;
        if at.cluster.is_none() {
            let engine = at.engine()?;
            fulcrum_questions::check::add_provenance(
                &engine,
                &mut answer,
                &fulcrum_questions::Limits::default(),
            )?;
        }
        if let Some(dir) = &args.plot {
            draw_charts(at, dir, &doc.id, &answer)?;
        }
        reports.push((doc.id.clone(), answer));
    }
    let text = match args.format {
        Format::Markdown => reports
            .iter()
            .map(|(id, r)| r.markdown(id))
            .collect::<Vec<_>>()
            .join("\n"),
        Format::Json => {
            let value = if reports.len() == 1 {
                serde_json::to_value(&reports[0].1)?
            } else {
                serde_json::Value::Array(
                    reports
                        .iter()
                        .map(|(id, r)| {
                            let mut v = serde_json::to_value(r)?;
                            v["id"] = serde_json::Value::String(id.clone());
                            Ok(v)
                        })
                        .collect::<Result<_, serde_json::Error>>()?,
                )
            };
            serde_json::to_string_pretty(&value)? + "\n"
        }
        Format::Table => {
            for (id, r) in &reports {
                println!("{id}, dated {}: {}", r.date, summary(r));
                let table = CheckAnswer::table(std::slice::from_ref(&(id.clone(), r.clone())))?;
                crate::cmd::sql::emit(
                    OutputFormat::Table,
                    args.out.as_deref(),
                    &table.schema,
                    &table.batches,
                )?;
                if !r.not_understood.is_empty() {
                    println!(
                        "not understood (they name states but carry no claim Fulcrum can test):"
                    );
                    for n in &r.not_understood {
                        println!(
                            "  sentence {} ({}): {}",
                            n.sentence_number,
                            n.states.join(", "),
                            n.sentence
                        );
                    }
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        Format::Csv | Format::Parquet => {
            // Every article's claims in one table, the article in its first column.
            let table = CheckAnswer::table(&reports)?;
            let format = if matches!(args.format, Format::Csv) {
                OutputFormat::Csv
            } else {
                OutputFormat::Parquet
            };
            crate::cmd::sql::emit(format, args.out.as_deref(), &table.schema, &table.batches)?;
            return Ok(ExitCode::SUCCESS);
        }
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn summary(r: &CheckAnswer) -> String {
    let tally: Vec<String> = r
        .tally()
        .iter()
        .map(|(v, n)| format!("{n} {}", v.label()))
        .collect();
    format!(
        "{} sentences, {} claims ({}), {} not understood",
        r.sentences,
        r.checks.len(),
        tally.join(", "),
        r.not_understood.len()
    )
}

/// One chart per claim: the dyad of its first two states over the periods it was tested on, by week (by month
/// beyond 400 days), the article's date marked.
fn draw_charts(
    at: &Place,
    dir: &std::path::Path,
    article: &str,
    answer: &CheckAnswer,
) -> Result<()> {
    use fulcrum_model::actors::ActorSpec;
    use fulcrum_model::{Period, parse_iso_date};
    use fulcrum_questions::relations::DyadRequest;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let stem: String = std::path::Path::new(article)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "article".into())
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let date = parse_iso_date(&answer.date)?;
    let mut drawn = 0;
    for (n, check) in answer.checks.iter().enumerate() {
        let days: Vec<i32> = check
            .periods
            .iter()
            .flat_map(|p| [parse_iso_date(&p.from), parse_iso_date(&p.to)])
            .collect::<Result<_, _>>()?;
        let (Some(&from), Some(&to)) = (days.iter().min(), days.iter().max()) else {
            continue;
        };
        let state = |i: usize| ActorSpec::Country {
            code: check.claim.states[i].clone(),
        };
        let request = DyadRequest {
            a: state(0),
            b: state(1),
            window: fulcrum_questions::Window {
                from: Some(from),
                to: Some(to),
                period: if to - from > 400 {
                    Period::Month
                } else {
                    Period::Week
                },
                ..fulcrum_questions::default_window()
            },
            normalize: false,
        };
        let path = dir.join(format!("{stem}-claim-{}.svg", n + 1));
        match crate::cmd::relations::ask(at, |q| q.dyad(&request)) {
            Ok(dyad) => {
                let mut chart = fulcrum_questions::charts::dyad(&dyad, Some(date));
                chart.title = format!(
                    "claim {}: {} — {}",
                    n + 1,
                    check.reading,
                    check.verdict.label()
                );
                fulcrum_plot::dated_chart(&path, &chart)?;
                drawn += 1;
            }
            Err(e) => eprintln!("claim {}: no chart ({e:#})", n + 1),
        }
    }
    eprintln!("wrote {drawn} chart(s) to {}", dir.display());
    Ok(())
}
