//! `fulcrum changes A B`: change points in a dyad's series, offline (PELT) and online (BOCPD).

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use fulcrum_relations::changepoint::{Cost, bocpd, default_penalty, pelt};
use fulcrum_relations::dyad::{DyadPoint, Measure, dyad_series};

use crate::cmd::relations::{Col, Outputs, Window, batch, load, parse_actors};

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
    a: String,
    b: String,
    #[command(flatten)]
    window: Window,
    /// The series to segment: events, goldstein_sum, goldstein_mean, net_coop.
    #[arg(long, default_value = "events")]
    series: Measure,
    /// Segment cost: poisson, normal, l2 (default: poisson for events, normal otherwise).
    #[arg(long)]
    cost: Option<Cost>,
    /// Penalty per change (default: BIC-like, see above).
    #[arg(long)]
    penalty: Option<f64>,
    /// Fewest periods in a segment.
    #[arg(long, default_value_t = 2)]
    min_size: usize,
    /// Expected periods between changes, for the online detector.
    #[arg(long, default_value_t = 50.0)]
    hazard: f64,
    /// Periods the online detector looks back for a recent change.
    #[arg(long, default_value_t = 3)]
    alert_window: usize,
    #[command(flatten)]
    outputs: Outputs,
}

pub fn run(store: &Path, args: ChangesArgs) -> Result<ExitCode> {
    let actors = parse_actors(&[args.a.clone(), args.b.clone()])?;
    let loaded = load(store, &actors, &args.window)?;
    let events = loaded.events;
    let period = args.window.period;
    let series = dyad_series(&events, 0, 1, period, loaded.from, loaded.to, None);
    let cost = args.cost.unwrap_or(if args.series == Measure::Events { Cost::Poisson } else { Cost::Normal });
    let mut cols: (Vec<String>, Vec<String>, Vec<String>, Vec<String>, Vec<u64>, Vec<f64>) = Default::default();
    let mut alerts = Vec::new();
    let mut lines = Vec::new();
    for (s, d) in [(0u16, 1u16), (1, 0)] {
        let points: Vec<&DyadPoint> = series.iter().filter(|p| p.source == s && p.target == d).collect();
        let y: Vec<f64> = points.iter().map(|p| args.series.value(p)).collect();
        let penalty = args.penalty.unwrap_or_else(|| default_penalty(cost, &y));
        let bkps = pelt(&y, cost, penalty, args.min_size, 1);
        let direction = format!("{} → {}", actors[s as usize].label(), actors[d as usize].label());
        let mut start = 0;
        for &end in &bkps {
            let mean = y[start..end].iter().sum::<f64>() / (end - start) as f64;
            cols.0.push(direction.clone());
            cols.1.push(period.label(points[start].period));
            cols.2.push(period.label(points[end - 1].period));
            cols.3.push(if start == 0 { "start".into() } else { "change".into() });
            cols.4.push((end - start) as u64);
            cols.5.push(mean);
            start = end;
        }
        for (i, step) in bocpd(&y, args.hazard, args.alert_window).iter().enumerate() {
            if step.p_recent_change > 0.5 && i >= args.alert_window {
                alerts.push(format!("{direction} {}: p(change in last {}) = {:.2}", period.label(points[i].period), args.alert_window, step.p_recent_change));
            }
        }
        println!("{direction}: {} change point(s), cost {cost:?}, penalty {penalty:.3}", bkps.len().saturating_sub(1));
        lines.push(fulcrum_plot::Line {
            name: direction.clone(),
            points: points.iter().zip(&y).map(|(p, v)| (p.period, *v)).collect(),
            markers: bkps.iter().filter(|&&b| b < points.len()).map(|&b| points[b].period).collect(),
            band: None,
        });
    }
    let (schema, batches) = batch(vec![
        ("direction", Col::Str(cols.0)),
        ("from", Col::Str(cols.1)),
        ("to", Col::Str(cols.2)),
        ("begins_with", Col::Str(cols.3)),
        ("periods", Col::U64(cols.4)),
        ("mean", Col::F64(cols.5)),
    ])?;
    args.outputs.write(&schema, &batches)?;
    args.outputs.plot(&fulcrum_plot::DatedChart {
        title: format!("{} and {}: {} by {period} (▲ change points, PELT {cost:?})", actors[0].label(), actors[1].label(), args.series.name()),
        y_label: args.series.name().into(),
        lines,
        events: Vec::new(),
        zero_line: args.series != Measure::Events,
    })?;
    if alerts.is_empty() {
        println!("online detector: no alerts");
    } else {
        println!("online detector alerts:");
        for a in alerts {
            println!("  {a}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
