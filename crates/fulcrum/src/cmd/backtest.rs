//! `fulcrum backtest dyad`: rolling-origin evaluation of the dyad forecast models, side by side.

use crate::cmd::Place;
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use fulcrum_questions::forecast::BacktestRequest;

use crate::cmd::relations::{Outputs, ask};

#[derive(Args)]
pub struct BacktestArgs {
    #[command(subcommand)]
    command: BacktestCommand,
}

#[derive(Subcommand)]
enum BacktestCommand {
    Dyad(DyadBacktestArgs),
}

const AFTER: &str = "\
Protocol (rolling origin): at each origin the models see only the periods before it, forecast --horizon
periods, and every forecast with an outcome is scored. Origins are spread evenly from --min-train periods
to the last one that leaves a full horizon.
Columns, per model and horizon (horizon 'all' averages them):
  forecasts   how many forecasts were scored
  crps        continuous ranked probability score, in the series' units (lower is better)
  mse_log     squared error of E[log(1+X)] against log(1+y) (Goldstein: of the mean against y)
  cover50     share of outcomes inside the central 50% interval (calibrated: 0.50)
  cover90     share inside the central 90% interval (calibrated: 0.90)
The chart (--plot) shows the series and each model's one-step-ahead median and 90% interval at every origin.

Examples:
  fulcrum backtest dyad RUS PAK --by week --horizon 4 --origins 20
  fulcrum backtest dyad India Pakistan --by week --target q4 --csv backtest.csv --plot backtest.svg";

/// Score the dyad forecast models on the past: CRPS, MSE of log counts, interval coverage.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct DyadBacktestArgs {
    #[command(flatten)]
    request: BacktestRequest,
    #[command(flatten)]
    outputs: Outputs,
}

pub fn run(at: &Place, args: BacktestArgs) -> Result<ExitCode> {
    let BacktestCommand::Dyad(args) = args.command;
    let answer = ask(at, |q| q.backtest_dyad(&args.request))?;
    if let Some(note) = answer.series.partial_note() {
        eprintln!("{note}");
    }
    eprintln!("{}", answer.headline(args.request.horizon));
    args.outputs.write(&answer.table()?)?;
    args.outputs
        .plot(|| Ok(fulcrum_questions::charts::backtest(&answer)?))?;
    Ok(ExitCode::SUCCESS)
}
