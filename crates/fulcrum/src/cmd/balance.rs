//! `fulcrum balance T --between A B`: how a third state treats two rivals.

use crate::cmd::Place;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fulcrum_questions::relations::BalanceRequest;

use crate::cmd::relations::{Outputs, ask};

const AFTER: &str = "\
For events between T and A (either direction), net(T,A) is the sum of their Goldstein scores (net cooperation,
Goldstein & Pevehouse 1997) and vol(T,A) the sum of their absolute scores; likewise for B. Then
  tilt        (net(T,A) − net(T,B)) / (vol(T,A) + vol(T,B) + 10): above 0 T leans to A, below 0 to B (−1 … 1).
              It weighs how cooperative and how intense T's dealings are: a state visit outweighs two reports.
              The 10 is a prior of neutral evidence that shrinks readings built on a few events.
  tilt_low/high  the 90% band (delta method; events as a compound Poisson sample)
  leans_to    A or B when the band excludes 0; even when it includes 0; too little evidence below --min-events
  balance     1 − |tilt|: 1 when T treats both alike, 0 when all its net cooperation goes to one side
  mean_tilt   the old tone-only reading: mean Goldstein of T–A minus that of T–B (ignores how much happened)
  hostility   −(mean Goldstein of events between A and B): how hostile the rivals are to each other
With --break DATE, the tilt before and after the date is compared: shift = after − before, z = shift / SE,
two-sided p-value (normal approximation).
Without T, every third state (and the groups SCO, BRICS, QUAD, NATO, EU) is ranked by its tilt over the window.
Formulas and a worked example: docs/relations.md.

Examples:
  fulcrum balance RUS --between IND PAK --by month --break 2019-02-14
  fulcrum balance --between IND PAK --from 2018-01-01 --to 2018-10-31     # who balances whom
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

pub fn run(at: &Place, args: BalanceArgs) -> Result<ExitCode> {
    if args.request.third.is_none() {
        let ranking = ask(at, |q| q.rank_balancers(&args.request))?;
        let [a, b] = ranking.rivals.each_ref().map(|x| x.code.as_str());
        println!(
            "every third state between {a} and {b}, {} .. {} (tilt > 0: leans to {a}; < 0: leans to {b}; 90% band)",
            fulcrum_model::iso_date(ranking.span.from),
            fulcrum_model::iso_date(ranking.span.to)
        );
        args.outputs.write(&ranking.table()?)?;
        println!("\n{}", ranking.summary());
        return Ok(ExitCode::SUCCESS);
    }
    let answer = ask(at, |q| q.balance(&args.request))?;
    println!("{}", answer.headline());
    args.outputs.write(&answer.table()?)?;
    args.outputs
        .plot(|| Ok(fulcrum_questions::charts::balance(&answer)))?;
    println!("\n{}", answer.summary());
    if let Some(summary) = answer.break_summary() {
        println!("\n{summary}");
    }
    Ok(ExitCode::SUCCESS)
}
