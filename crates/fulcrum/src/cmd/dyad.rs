//! `fulcrum dyad A B`: both directions of a dyad over time.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fulcrum_relations::changepoint::{Cost, default_penalty, pelt};
use fulcrum_relations::dyad::dyad_series;

use crate::cmd::relations::{Col, Outputs, Window, batch, load, parse_actors, totals};

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
    /// First actor.
    a: String,
    /// Second actor.
    b: String,
    #[command(flatten)]
    window: Window,
    /// Express counts and sums per 1,000 events of the whole store in the period.
    #[arg(long)]
    normalize: bool,
    /// Mark this date on the chart (YYYY-MM-DD).
    #[arg(long = "break", value_parser = crate::cmd::ingest::parse_date)]
    break_day: Option<i32>,
    #[command(flatten)]
    outputs: Outputs,
}

pub fn run(store: &Path, args: DyadArgs) -> Result<ExitCode> {
    let actors = parse_actors(&[args.a.clone(), args.b.clone()])?;
    let loaded = load(store, &actors, &args.window)?;
    let events = loaded.events;
    let period = args.window.period;
    let totals = if args.normalize { Some(totals(&loaded.engine, &args.window, loaded.from, loaded.to)?) } else { None };
    let series = dyad_series(&events, 0, 1, period, loaded.from, loaded.to, totals.as_ref());
    let label = |i: u16| actors[i as usize].label();
    let f = |get: fn(&fulcrum_relations::dyad::DyadPoint) -> f64| Col::F64(series.iter().map(get).collect());
    let (schema, batches) = batch(vec![
        ("period", Col::Str(series.iter().map(|p| period.label(p.period)).collect())),
        ("source", Col::Str(series.iter().map(|p| label(p.source)).collect())),
        ("target", Col::Str(series.iter().map(|p| label(p.target)).collect())),
        ("events", f(|p| p.events)),
        ("goldstein_sum", f(|p| p.goldstein_sum)),
        ("goldstein_mean", f(|p| p.goldstein_mean)),
        ("net_coop", f(|p| p.net_cooperation)),
        ("q1", f(|p| p.quad_counts[0])),
        ("q2", f(|p| p.quad_counts[1])),
        ("q3", f(|p| p.quad_counts[2])),
        ("q4", f(|p| p.quad_counts[3])),
        ("share_q1", f(|p| p.quad_shares[0])),
        ("share_q2", f(|p| p.quad_shares[1])),
        ("share_q3", f(|p| p.quad_shares[2])),
        ("share_q4", f(|p| p.quad_shares[3])),
        ("tone_mean", f(|p| p.tone_mean)),
    ])?;
    args.outputs.write(&schema, &batches)?;
    if args.outputs.plot.is_some() {
        let lines = [(0u16, 1u16), (1, 0)]
            .iter()
            .map(|&(s, d)| {
                let points: Vec<(i32, f64)> =
                    series.iter().filter(|p| p.source == s && p.target == d).map(|p| (p.period, p.goldstein_sum)).collect();
                // Change points of the plotted series (L2 cost: robust to the many empty periods) as markers.
                let y: Vec<f64> = points.iter().map(|p| p.1).collect();
                let bkps = pelt(&y, Cost::L2, default_penalty(Cost::L2, &y), 2, 1);
                let markers = bkps.iter().filter(|&&b| b < points.len()).map(|&b| points[b].0).collect();
                fulcrum_plot::Line { name: format!("{} → {}", label(s), label(d)), points, markers, band: None }
            })
            .collect();
        args.outputs.plot(&fulcrum_plot::DatedChart {
            title: format!("{} and {}: Goldstein-weighted net cooperation by {period} (▲ change points)", label(0), label(1)),
            y_label: if args.normalize { "Goldstein sum per 1,000 events".into() } else { "Goldstein sum".into() },
            lines,
            events: args.break_day.map(|d| (d, format!("break {}", fulcrum_relations::iso_date(d)))).into_iter().collect(),
            zero_line: true,
        })?;
    }
    Ok(ExitCode::SUCCESS)
}
