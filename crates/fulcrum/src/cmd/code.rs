//! `fulcrum code`: English text → CAMEO events, into the store or a file; `--gold` scores the coder on
//! gold-standard records instead.

use crate::cmd::Place;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;
use fulcrum_coder::analysis::OracleLevel;
use fulcrum_coder::documents::{self, Document};
use fulcrum_coder::eval::parse_gold;
use fulcrum_coder::{CodedEvent, Coder, Dictionaries};
use fulcrum_model::cameo;
use fulcrum_query::OutputFormat;

const AFTER: &str = "\
Inputs: plain-text files (one document each; the file name is its id), JSON Lines files (*.jsonl) with
\"id\", \"date\" (YYYY-MM-DD) and \"text\" per line, or - for standard input (plain text). Invalid UTF-8 is
replaced and reported, HTML tags and entities are removed, very long sentences are cut (and said so).

Events get the store's schema with dataset = coded, Goldstein and QuadClass from the CAMEO tables, and their
provenance: story_id (document id), sentence_number, sentence_text, source_phrase, target_phrase and
verb_phrase (the verb with the dictionary pattern line, or the block default, that gave the code).

Dictionaries: a PETRARCH-2 folder (CAMEO.2.0.txt, Phoenix.*.actors.txt, Phoenix.agents.txt, discards,
issues); `fulcrum dict fetch` downloads them.

Examples:
  fulcrum dict fetch --dir dictionaries
  fulcrum code statement.txt --date 2019-03-01 --dict dictionaries            # into the store
  fulcrum code news.jsonl --dict dictionaries --out events.parquet
  fulcrum code op-ed.txt --date 2019-03-01 --dict dictionaries --explain --out -
  fulcrum code --gold PETR2_GSR_validation.xml --dict dictionaries           # precision / recall / F1";

/// Code English news text into CAMEO events (who did what to whom, when).
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct CodeArgs {
    /// Text files, JSON Lines files (*.jsonl) or - for standard input.
    inputs: Vec<PathBuf>,
    /// Date of plain-text documents (YYYY-MM-DD); JSON Lines records carry their own.
    #[arg(long, value_parser = fulcrum_questions::parse_day)]
    date: Option<i32>,
    /// Write the events to this file (.parquet, .csv, .json, .jsonl; - prints a table) instead of the store.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Show, per sentence, the actors found, the verbs, the patterns that fired and why events were or were not coded.
    #[arg(long)]
    explain: bool,
    /// Score the coder on gold-standard records (PETRARCH validation XML) instead of coding inputs.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["inputs", "out"])]
    gold: Option<PathBuf>,
    /// With --gold: fail (exit 1) if the root-code triple F1 is below this.
    #[arg(long, requires = "gold")]
    min_root_f1: Option<f64>,
    /// With --gold: code the records this many times to measure speed (scores come from the first pass).
    #[arg(long, requires = "gold", default_value_t = 1)]
    repeat: usize,
    /// With --gold: code each record with its own <Parse> (CoNLL-U) in place of the coder's guesses, to measure
    /// what a tagger (`tags`: which words are verbs, passive participles) or a parser (`parse`: also subjects,
    /// objects and passive agents) would gain. A measuring aid: ordinary text has no gold parse.
    #[arg(long, requires = "gold", value_enum)]
    oracle: Option<OracleArg>,
}

/// How much of a gold record's own analysis `--oracle` uses.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum OracleArg {
    Tags,
    Parse,
}

impl From<OracleArg> for OracleLevel {
    fn from(o: OracleArg) -> Self {
        match o {
            OracleArg::Tags => OracleLevel::Tags,
            OracleArg::Parse => OracleLevel::Parse,
        }
    }
}

pub fn run(at: &Place, args: CodeArgs) -> Result<ExitCode> {
    let t0 = Instant::now();
    let dict = Dictionaries::load(&at.dict)
        .with_context(|| format!("loading dictionaries from {}", at.dict.display()))?;
    eprintln!(
        "dictionaries ({:.2} s): {}",
        t0.elapsed().as_secs_f64(),
        dict.summary()
    );
    if let Some(gold) = &args.gold {
        let oracle = args.oracle.map(OracleLevel::from);
        return evaluate(&dict, gold, args.min_root_f1, args.repeat.max(1), oracle);
    }
    if args.inputs.is_empty() {
        bail!("give input files (or - for standard input), or --gold FILE to evaluate");
    }
    let docs = read_documents(&args.inputs, args.date)?;
    let coder = Coder::new(&dict);
    let coded = documents::code_all(&coder, &docs, |doc, reports| {
        if args.explain {
            for r in reports {
                println!("[{} #{}] {}", doc.id, r.sentence_number, r.sentence);
                for line in &r.lines {
                    println!("    {line}");
                }
            }
        }
    });
    eprintln!("{}", coded.summary());
    let events = coded.events;
    let fulcrum_coder::rows::CodedRows {
        batch,
        keys,
        dropped,
    } = fulcrum_coder::rows::coded_batch(&events);
    for why in &dropped {
        eprintln!("left out: {why}");
    }
    if !dropped.is_empty() {
        eprintln!(
            "{} of {} event(s) left out (above); the rest are written",
            dropped.len(),
            events.len()
        );
    }
    let schema = fulcrum_model::event_schema();
    match &args.out {
        Some(path) if path.as_os_str() == "-" => {
            let (s, b) = summary_table(&events)?;
            crate::cmd::sql::emit(OutputFormat::Table, None, &s, &b)?;
        }
        Some(path) => {
            let format = path
                .to_str()
                .and_then(OutputFormat::from_path)
                .with_context(|| {
                    format!("{}: want .parquet, .csv, .json or .jsonl", path.display())
                })?;
            crate::cmd::sql::emit(format, Some(path), &schema, &[batch])?;
        }
        None => {
            let label = format!(
                "coded: {}",
                args.inputs
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let digest = fulcrum_coder::rows::digest(&keys);
            let store = at.local_store("code (without --out) writes")?;
            let outcome =
                fulcrum_intake::store_batch(store, &label, &batch, &keys, &digest, "coded")?;
            match outcome {
                fulcrum_store::InputOutcome::Added(rec) => {
                    println!(
                        "stored {} event(s) in {} ({} already there)",
                        rec.rows_stored,
                        store.display(),
                        rec.duplicates_skipped
                    )
                }
                fulcrum_store::InputOutcome::AlreadyStored(_) => {
                    println!("these events are already in {}", store.display())
                }
            }
            let (s, b) = summary_table(&events)?;
            crate::cmd::sql::emit(OutputFormat::Table, None, &s, &b)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// YYYYMMDD of a day number.
/// Reads every input (a file, or - for standard input) into documents.
pub(crate) fn read_documents(inputs: &[PathBuf], date: Option<i32>) -> Result<Vec<Document>> {
    let mut docs = Vec::new();
    for path in inputs {
        let (name, bytes) = if path.as_os_str() == "-" {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("reading standard input")?;
            ("stdin".to_string(), buf)
        } else {
            (
                path.display().to_string(),
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?,
            )
        };
        let (text, fault) = documents::decode(bytes);
        if let Some(at) = fault {
            eprintln!("warning: {name}: invalid UTF-8 at byte {at}; replaced with U+FFFD");
        }
        if path.extension().is_some_and(|e| e == "jsonl") {
            docs.extend(documents::from_jsonl(&name, &text, date)?);
        } else {
            let day = date.with_context(|| {
                format!("{name}: plain text has no date; give --date YYYY-MM-DD")
            })?;
            docs.push(Document {
                id: name,
                day,
                text,
            });
        }
    }
    Ok(docs)
}

fn summary_table(
    events: &[(CodedEvent, i32)],
) -> Result<(fulcrum_query::SchemaRef, Vec<fulcrum_query::RecordBatch>)> {
    use fulcrum_questions::table::{Col, table};
    let s =
        |f: &dyn Fn(&CodedEvent) -> String| Col::Str(events.iter().map(|(e, _)| f(e)).collect());
    let t = table(vec![
        (
            "date",
            Col::Str(
                events
                    .iter()
                    .map(|(_, d)| fulcrum_relations::iso_date(*d))
                    .collect(),
            ),
        ),
        ("document", s(&|e| e.doc_id.clone())),
        (
            "sentence",
            Col::U64(
                events
                    .iter()
                    .map(|(e, _)| e.sentence_number as u64)
                    .collect(),
            ),
        ),
        ("source", s(&|e| e.source.clone())),
        ("target", s(&|e| e.target.clone())),
        ("code", s(&|e| e.code.clone())),
        (
            "event",
            s(&|e| match cameo::event_code(&e.code) {
                Some(c) => c.label.to_string(),
                // A code outside the table reads as its nearest listed ancestor, said so.
                None => cameo::scores_of(&e.code)
                    .and_then(|sc| sc.from)
                    .and_then(cameo::event_code)
                    .map(|c| format!("{} (as {}: not in the CAMEO table)", c.label, c.code))
                    .unwrap_or_default(),
            }),
        ),
        ("source_phrase", s(&|e| e.source_phrase.clone())),
        ("target_phrase", s(&|e| e.target_phrase.clone())),
    ])?;
    Ok((t.schema, t.batches))
}

fn evaluate(
    dict: &Dictionaries,
    gold_path: &Path,
    min_root_f1: Option<f64>,
    repeat: usize,
    oracle: Option<OracleLevel>,
) -> Result<ExitCode> {
    let text =
        std::fs::read(gold_path).with_context(|| format!("reading {}", gold_path.display()))?;
    let records = parse_gold(&String::from_utf8_lossy(&text));
    if records.is_empty() {
        bail!("{}: no <Sentence> records with <Text>", gold_path.display());
    }
    let scores = fulcrum_coder::eval::score(&Coder::new(dict), &records, repeat, oracle);
    print!("{}", scores.report(&gold_path.display().to_string()));
    let rooted = scores.rooted;
    if let Some(min) = min_root_f1
        && rooted.f1() < min
    {
        eprintln!(
            "error: root-code triple F1 {:.3} is below --min-root-f1 {min}",
            rooted.f1()
        );
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
