//! `fulcrum triad A B C --var`: prints the triangular VAR of Goldstein & Freeman over a triad's six directed series.

use crate::cmd::Place;
use std::process::ExitCode;

use anyhow::Result;
use fulcrum_query::OutputFormat;
use fulcrum_questions::relations::VarRequest;

use crate::cmd::relations::ask;
use crate::cmd::triad::TriadArgs;

pub fn run(at: &Place, request: &VarRequest, args: &TriadArgs) -> Result<ExitCode> {
    let answer = ask(at, |q| q.var(request))?;
    print!("{answer}");
    if let Some(path) = &args.irf_csv {
        let irf = answer.whole.irf_table(&answer.names)?;
        crate::cmd::sql::emit(OutputFormat::Csv, Some(path), &irf.schema, &irf.batches)?;
        eprintln!("wrote impulse responses to {}", path.display());
    }
    if let Some(plot) = &args.outputs.plot {
        let states: Vec<&str> = answer.states.iter().map(|s| s.code.as_str()).collect();
        fulcrum_questions::charts::irf_grid(plot, &states.join("–"), &answer.names, &answer.whole)?;
        eprintln!("wrote impulse-response grid to {}", plot.display());
    }
    Ok(ExitCode::SUCCESS)
}
