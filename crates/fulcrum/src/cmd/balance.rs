//! `fulcrum balance T --between A B`: how a third state treats two rivals.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fulcrum_questions::relations::BalanceRequest;

use crate::cmd::relations::{Outputs, ask};

const AFTER: &str = "\
For events between T and A (either direction), coop(T,A) is their mean Goldstein score; likewise coop(T,B).
  tilt        coop(T,A) − coop(T,B): above 0 T leans to A, below 0 to B (−20 … 20)
  balance     1 − |tilt| / 20: 1 when T treats both alike, 0 when maximally one-sided
  hostility   −(mean Goldstein of events between A and B): how hostile the rivals are to each other
With --break DATE, the tilt before and after the date is compared: shift = after − before, with a standard
error from the event-level variances (Welch-style) and a two-sided p-value (normal approximation).
Formulas: docs/relations.md.

Examples:
  fulcrum balance RUS --between IND PAK --by month --break 2019-02-14
  fulcrum balance China --between India Pakistan --by week --dedup daily --csv tilt.csv";

/// The balancer view: a third state's tilt between two rivals, and whether it shifted after a date.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct BalanceArgs {
    #[command(flatten)]
    request: BalanceRequest,
    #[command(flatten)]
    outputs: Outputs,
}

pub fn run(store: &Path, args: BalanceArgs) -> Result<ExitCode> {
    let answer = ask(store, |q| q.balance(&args.request))?;
    println!("{}", answer.headline());
    args.outputs.write(&answer.table()?)?;
    args.outputs
        .plot(|| Ok(fulcrum_questions::charts::balance(&answer)))?;
    if let Some(summary) = answer.break_summary() {
        println!("\n{summary}");
    }
    Ok(ExitCode::SUCCESS)
}
