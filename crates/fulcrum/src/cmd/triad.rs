//! `fulcrum triad A B C [...]`: signed graphs of states over time and their structural balance; with `--var`, the
//! triangular VAR of the first three.

use crate::cmd::Place;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fulcrum_questions::relations::{TriadRequest, VarOptions, VarRequest};

use crate::cmd::relations::{Outputs, ask};

const AFTER: &str = "\
For each period (a rolling window of --span periods ending with it), the weight of each pair of states is
the mean Goldstein score of the events between them (either direction). Its sign is + above
--neutral-band, − below minus it, and no edge inside the band or without events. Then:
  edges            every pair with its mean score: +x positive, −x negative, ~x neutral, · no events
  triangles        triangles with three edges; balanced: those whose sign product is positive
  triangle_index   balanced / triangles
  frustration      least number of edges to remove for a balanced graph (exact, up to 20 states)
  camps            a split into two camps attaining it
Formulas: docs/relations.md.

With --var, the six directed series of the first three states (A→B, B→A, A→C, C→A, B→C, C→B; each the
Goldstein sum per period) enter a VAR with a constant (Goldstein & Freeman 1991): lag order by AIC or BIC,
Granger tests of reciprocity (does B→A drive A→B?) and triangularity (do the four third-party series enter
a dyad's two equations?), orthogonalised impulse responses with bootstrap bands, and the forecast-error
variance decomposition; --break fits the periods before and after a date separately.

Examples:
  fulcrum triad RUS IND PAK --by month
  fulcrum triad RUS IND PAK --by week --var --lags bic --horizon 8 --irf-csv irf.csv
  fulcrum triad RUS IND PAK CHN USA --by month --span 3 --neutral-band 0.5 --csv triads.csv";

/// Signed triads and structural balance among states over time.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct TriadArgs {
    #[command(flatten)]
    pub request: TriadRequest,
    /// Fit a triangular VAR to the six directed Goldstein-sum series of the first three states.
    #[arg(long)]
    pub var: bool,
    #[command(flatten)]
    pub var_options: VarOptions,
    /// With --var: write the impulse responses (long format) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub irf_csv: Option<PathBuf>,
    #[command(flatten)]
    pub outputs: Outputs,
}

pub fn run(at: &Place, args: TriadArgs) -> Result<ExitCode> {
    if args.var {
        let states = &args.request.states;
        if states.len() > 3 {
            let first: Vec<String> = states[..3].iter().map(|s| s.label()).collect();
            eprintln!(
                "note: --var uses the first three states ({})",
                first.join(", ")
            );
        }
        let request = VarRequest {
            states: states[..3].to_vec(),
            window: args.request.window.clone(),
            options: args.var_options.clone(),
        };
        return crate::cmd::triad_var::run(at, &request, &args);
    }
    let answer = ask(at, |q| q.triad(&args.request))?;
    args.outputs
        .plot(|| Ok(fulcrum_questions::charts::triad(&answer)))?;
    args.outputs.write(&answer.table()?)?;
    Ok(ExitCode::SUCCESS)
}
