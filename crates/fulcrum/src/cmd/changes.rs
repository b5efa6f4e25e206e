//! `fulcrum changes A B`: change points in a dyad's series, offline (PELT) and online (BOCPD).

use crate::cmd::Place;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fulcrum_questions::relations::ChangesRequest;

use crate::cmd::relations::{Outputs, ask};

const AFTER: &str = "\
The series of each direction (A → B, B → A) is segmented with PELT: the segmentation minimising the sum
of segment costs plus a penalty per change. Costs: poisson (counts; the default for --series events),
normal (mean and variance; the default otherwise), l2 (mean only). The default penalty is BIC-like:
normal 3 ln n, poisson 2 ln n, l2 2 σ̂² ln n (σ̂ from first differences). The online detector
(Adams & MacKay) is run alongside: an alert marks periods where the posterior probability of a change within
the last --alert-window periods exceeds 0.5. Formulas: crates/relations/src/changepoint.rs, docs/relations.md.

Examples:
  fulcrum changes IND PAK --by week
  fulcrum changes RUS PAK --by month --series goldstein_mean --cost normal --penalty 8";

/// Change points in a dyad's series.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct ChangesArgs {
    #[command(flatten)]
    request: ChangesRequest,
    #[command(flatten)]
    outputs: Outputs,
}

pub fn run(at: &Place, args: ChangesArgs) -> Result<ExitCode> {
    let answer = ask(at, |q| q.changes(&args.request))?;
    println!("{}", answer.headline());
    args.outputs.write(&answer.table()?)?;
    args.outputs
        .plot(|| Ok(fulcrum_questions::charts::changes(&answer)))?;
    println!("{}", answer.alerts_summary());
    Ok(ExitCode::SUCCESS)
}
