//! `fulcrum triad A B C [...]`: signed graphs of states over time and their structural balance.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use fulcrum_relations::triads::{MAX_EXACT_STATES, frustration_index, signed_graph, triangles};

use crate::cmd::relations::{Col, Outputs, Window, batch, load, parse_actors};

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
    /// Three or more states (codes, names or groups).
    #[arg(num_args = 3.., required = true)]
    pub states: Vec<String>,
    #[command(flatten)]
    pub window: Window,
    /// Periods per rolling window.
    #[arg(long, default_value_t = 1)]
    span: usize,
    /// Mean Goldstein scores within ±this are neutral (no edge).
    #[arg(long, default_value_t = 1.0)]
    neutral_band: f64,
    /// Fit a triangular VAR to the six directed Goldstein-sum series of the first three states.
    #[arg(long)]
    pub var: bool,
    /// VAR lag order, or "aic" / "bic" to choose it (up to --max-lags).
    #[arg(long, default_value = "bic")]
    pub lags: String,
    /// Largest lag order considered by aic/bic.
    #[arg(long, default_value_t = 4)]
    pub max_lags: usize,
    /// Impulse-response horizon (periods).
    #[arg(long, default_value_t = 8)]
    pub horizon: usize,
    /// Bootstrap replications for the impulse-response bands (0: none).
    #[arg(long, default_value_t = 200)]
    pub bootstrap: usize,
    /// With --var: also fit before and after this date (YYYY-MM-DD).
    #[arg(long = "break", value_parser = crate::cmd::ingest::parse_date)]
    pub break_day: Option<i32>,
    /// With --var: write the impulse responses (long format) to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub irf_csv: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub outputs: Outputs,
}

pub fn run(store: &Path, args: TriadArgs) -> Result<ExitCode> {
    if args.var {
        return crate::cmd::triad_var::run(store, &args);
    }
    if args.states.len() > MAX_EXACT_STATES {
        bail!("at most {MAX_EXACT_STATES} states (the frustration index is computed exactly)");
    }
    let actors = parse_actors(&args.states)?;
    let loaded = load(store, &actors, &args.window)?;
    let events = loaded.events;
    let period = args.window.period;
    let periods = period.range(loaded.from, loaded.to);
    let labels: Vec<String> = actors.iter().map(|a| a.label()).collect();
    let n = actors.len();
    let (mut names, mut edges, mut tri, mut bal, mut index, mut frus, mut camps) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    // Mean Goldstein of each pair per period, kept for the chart: (i, j) → points.
    let mut pair_points: Vec<((usize, usize), Vec<(i32, f64)>)> =
        (0..n).flat_map(|i| (i + 1..n).map(move |j| ((i, j), Vec::new()))).collect();
    for (k, &p) in periods.iter().enumerate() {
        let first = periods[k + 1 - args.span.max(1).min(k + 1)];
        let last = period.next(p) - 1;
        let g = signed_graph(&events, n, first, last, args.neutral_band);
        let t = triangles(&g);
        let (f, camp) = frustration_index(&g).expect("bounded above");
        for ((i, j), points) in &mut pair_points {
            points.push((p, g.weight[*i][*j]));
        }
        let mut e = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                let w = g.weight[i][j];
                let value = match g.sign[i][j] {
                    _ if w.is_nan() => "·".to_string(), // no events
                    1 => format!("+{:.1}", w),
                    -1 => format!("−{:.1}", -w),
                    _ => format!("~{:.1}", w), // inside the neutral band
                };
                e.push(format!("{}-{}:{value}", labels[i], labels[j]));
            }
        }
        let side = |c: u8| {
            let members: Vec<&str> = (0..n).filter(|&i| camp[i] == c).map(|i| labels[i].as_str()).collect();
            if members.is_empty() { "—".to_string() } else { members.join(",") }
        };
        names.push(period.label(p));
        edges.push(e.join(" "));
        tri.push(t.triangles);
        bal.push(t.balanced);
        index.push(t.triangle_index);
        frus.push(f as u64);
        camps.push(format!("{} | {}", side(0), side(1)));
    }
    let pair_lines = pair_points
        .into_iter()
        .map(|((i, j), points)| fulcrum_plot::Line {
            name: format!("{}–{}", labels[i], labels[j]),
            points,
            markers: Vec::new(),
            band: None,
        })
        .collect();
    args.outputs.plot(&fulcrum_plot::DatedChart {
        title: format!("Signed relations among {} by {period}: mean Goldstein per pair (sign band ±{})", labels.join(", "), args.neutral_band),
        y_label: "mean Goldstein score (both directions)".into(),
        lines: pair_lines,
        events: Vec::new(),
        zero_line: true,
    })?;
    let (schema, batches) = batch(vec![
        ("period", Col::Str(names)),
        ("edges", Col::Str(edges)),
        ("triangles", Col::U64(tri)),
        ("balanced", Col::U64(bal)),
        ("triangle_index", Col::F64(index)),
        ("frustration", Col::U64(frus)),
        ("camps", Col::Str(camps)),
    ])?;
    args.outputs.write(&schema, &batches)?;
    Ok(ExitCode::SUCCESS)
}
