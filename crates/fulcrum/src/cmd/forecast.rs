//! `fulcrum forecast tkg` (next events on a temporal knowledge graph, scored by the standard protocol) and
//! `fulcrum forecast dyad` (counts or Goldstein sums of one dyad, with predictive intervals).

use crate::cmd::Place;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use fulcrum_questions::forecast::{DyadForecastRequest, TkgRequest, forecast_tkg, tkg_data};

use crate::cmd::relations::{Outputs, ask};

#[derive(Args)]
pub struct ForecastArgs {
    #[command(subcommand)]
    command: ForecastCommand,
}

#[derive(Subcommand)]
enum ForecastCommand {
    Tkg(TkgArgs),
    Dyad(DyadForecastArgs),
}

pub fn run(at: &Place, args: ForecastArgs) -> Result<ExitCode> {
    match args.command {
        ForecastCommand::Tkg(a) => run_tkg(at, a),
        ForecastCommand::Dyad(a) => run_dyad(at, a),
    }
}

// ------------------------------------------------------------------------------------------------ TKG

const TKG_AFTER: &str = "\
Protocol (as in RE-GCN, TLogic and the recurrency baseline): single-step — every query sees the true history
before its time; both directions — (s, r, ?, t) and (?, r, o, t), the latter as (o, r⁻¹, ?, t); time-aware
filter — other true answers of the same query at the same time are not counted against the answer.
Ties with the answer are broken at random (seeded) by default; --ties best gives the optimistic rank some
older papers report, --ties expected the exact expectation under random ties.

Models:
  recurrency  Gastinger et al. (IJCAI 2024): strict recurrency ψ (the same fact before, decayed by recency)
              mixed with relaxed recurrency ξ (the object's share of the relation); λ, α per relation from
              the validation set. Published time-aware filtered MRR: ICEWS14 37.2, ICEWS18 28.7.
  rules       length-1 temporal rules b ⇒ r learned on the training split (confidence = precision of
              the candidates a body relation proposes), added to ψ with a weight chosen on validation.
  combined    the rule model plus what it leaves out — the subject's partners in any relation (recent,
              yesterday, long-run), partners of partners, what partners did with this relation, recent
              popularity, activity — weighted to maximise a smoothed MRR on validation. ICEWS14 (RE-GCN
              split) 44.9, ICEWS18 33.5, in about 30 s and 2 min on 2 cores; TiRGN: 44.0 and 33.7.
  all         (default; alias both) the three, the combined model reusing the rule model's fit.
Fitting sees only the training and validation facts; the test split is read only to answer it.

Without --dataset, the graph is built from the store: entities are actor names, relations CAMEO codes,
the last --test-days are the test split and the --valid-days before them the validation split.

Examples:
  fulcrum forecast tkg --dataset ../shared/data/icews14/regcn
  fulcrum forecast tkg --dataset ../shared/data/icews18/diffutkg --model rules --predictions top10.csv
  fulcrum forecast tkg --dataset-filter icews --valid-days 30 --test-days 30";

/// Forecast next events on a temporal knowledge graph and score them (MRR, Hits@1/3/10).
#[derive(Args)]
#[command(after_help = TKG_AFTER)]
pub struct TkgArgs {
    #[command(flatten)]
    request: TkgRequest,
    /// Write every test query's ten best predictions here (.csv, .json, .jsonl or .parquet).
    #[arg(long, value_name = "FILE")]
    predictions: Option<PathBuf>,
    /// Also write the results table as CSV.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Also write the results table as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

fn run_tkg(at: &Place, mut args: TkgArgs) -> Result<ExitCode> {
    let store = &at.store;
    let started = Instant::now();
    args.request.keep_predictions = args.predictions.is_some();
    let (data, source) = tkg_data(&args.request, store)?;
    let load_seconds = started.elapsed().as_secs_f64();
    let bar = crate::progress::spinner("forecast tkg");
    let answer = forecast_tkg(&args.request, data, load_seconds, &|step| {
        bar.set_message(step)
    });
    bar.finish_and_clear();
    eprintln!("{}", answer.headline(&source));
    Outputs {
        plot: None,
        csv: args.csv.clone(),
        json: args.json.clone(),
        parquet: None,
    }
    .write(&answer.table()?)?;
    if let (Some(path), Some(table)) = (&args.predictions, answer.predictions_table()) {
        let table = table?;
        let format = path
            .to_str()
            .and_then(fulcrum_query::OutputFormat::from_path)
            .with_context(|| {
                format!(
                    "{}: want a .csv, .json, .jsonl or .parquet file",
                    path.display()
                )
            })?;
        crate::cmd::sql::emit(format, Some(path), &table.schema, &table.batches)?;
    }
    Ok(ExitCode::SUCCESS)
}

// ------------------------------------------------------------------------------------------------ dyad

const DYAD_AFTER: &str = "\
The series is one direction of the dyad (A → B) per period: all events (--target events), one QuadClass
(--target q1..q4: verbal cooperation, material cooperation, verbal conflict, material conflict) or the
Goldstein sum (--target goldstein). Models (every one gives a predictive distribution, from seeded sample paths):
  last-poisson  Poisson with the last observed count as mean (Goldstein: random walk with past changes)
  bootstrap     every future period drawn from all past periods
  negbin        negative-binomial regression on the last count, the mean of the last four, the reverse
                direction (B → A) and an annual cycle; both directions simulated together
                (Goldstein: the same regressors, linear, bootstrapped residuals)
  calibrated    negbin with its quantiles recalibrated on its own past errors: at up to 16 earlier origins
                of the series, where did the outcomes fall in its predictive distribution (PIT)? Intervals
                that were too narrow widen, too wide narrow.
Columns: period, model, mean, q05, q25, median, q75, q95 (50% interval q25–q75, 90% q05–q95).
How good are they? `fulcrum backtest dyad` scores them on the past.

Examples:
  fulcrum forecast dyad RUS PAK --by week --horizon 12 --plot rus-pak.svg
  fulcrum forecast dyad India Pakistan --by month --target q4 --model all --csv ind-pak.csv";

/// Forecast one direction of a dyad, with 50% and 90% predictive intervals.
#[derive(Args)]
#[command(after_help = DYAD_AFTER)]
pub struct DyadForecastArgs {
    #[command(flatten)]
    request: DyadForecastRequest,
    #[command(flatten)]
    outputs: Outputs,
}

fn run_dyad(at: &Place, args: DyadForecastArgs) -> Result<ExitCode> {
    let answer = ask(at, |q| q.forecast_dyad(&args.request))?;
    if let Some(note) = answer.series.partial_note() {
        eprintln!("{note}");
    }
    eprintln!("{}", answer.headline()?);
    args.outputs.write(&answer.table()?)?;
    args.outputs
        .plot(|| Ok(fulcrum_questions::charts::forecast(&answer)?))?;
    Ok(ExitCode::SUCCESS)
}
