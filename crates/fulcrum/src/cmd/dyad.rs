//! `fulcrum dyad A B`: both directions of a dyad over time.

use crate::cmd::Place;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fulcrum_questions::relations::DyadRequest;

use crate::cmd::relations::{Outputs, ask};

const AFTER: &str = "\
Columns, per period and direction (source → target):
  events           number of events (per 1,000 events of the whole store with --normalize)
  goldstein_sum    sum of Goldstein scores (−10 most conflictual … +10 most cooperative); normalised alike
  goldstein_mean   mean Goldstein score
  net_coop         (cooperative − conflictual events) / events, QuadClass 1+2 against 3+4; −1 … 1
  q1..q4           events per QuadClass: verbal cooperation, material cooperation, verbal conflict, material conflict
  share_q1..q4     the same as shares of the period's events
  tone_mean        mean GDELT AvgTone (empty for sources without tone)

--dedup daily applies the Phoenix one-a-day rule (one event per day, source, target and CAMEO code);
root keeps one per day, source, target and root code. --normalize divides by the store's event volume of each
period: news coverage grows over the years, so raw counts trend up regardless of relations.
Actors: CAMEO country codes (RUS), names (Russia), exact actor codes (RUSGOV) or groups (SCO, BRICS, QUAD, NATO, EU).

Examples:
  fulcrum dyad RUS PAK --by month
  fulcrum dyad India Pakistan --by week --from 2019-01-01 --to 2019-04-30 --dedup daily --csv ind-pak.csv
  fulcrum dyad RUS SCO --by month --normalize";

/// Directed-dyad series: how A treats B and B treats A, period by period.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct DyadArgs {
    #[command(flatten)]
    request: DyadRequest,
    /// Mark this date on the chart (YYYY-MM-DD).
    #[arg(long = "break", value_parser = fulcrum_questions::parse_day)]
    break_day: Option<i32>,
    #[command(flatten)]
    outputs: Outputs,
}

pub fn run(at: &Place, args: DyadArgs) -> Result<ExitCode> {
    let answer = ask(at, |q| q.dyad(&args.request))?;
    args.outputs.write(&answer.table()?)?;
    args.outputs
        .plot(|| Ok(fulcrum_questions::charts::dyad(&answer, args.break_day)))?;
    Ok(ExitCode::SUCCESS)
}
