//! `fulcrum backtest dyad`: rolling-origin evaluation of the dyad forecast models, side by side.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use fulcrum_forecast::backtest::{backtest, origins, summary};
use fulcrum_forecast::dyad::{Settings, forecast};

use crate::cmd::forecast::{DyadTarget, ModelChoice};
use crate::cmd::relations::{Col, Outputs, batch};

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
  fulcrum backtest dyad India Pakistan --by week --quad 4 --csv backtest.csv --plot backtest.svg";

/// Score the dyad forecast models on the past: CRPS, MSE of log counts, interval coverage.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct DyadBacktestArgs {
    #[command(flatten)]
    target: DyadTarget,
    /// Periods ahead scored at each origin.
    #[arg(long, default_value_t = 4)]
    horizon: usize,
    /// Number of forecast origins.
    #[arg(long, default_value_t = 20)]
    origins: usize,
    /// Periods every model sees at the first origin.
    #[arg(long, default_value_t = 12)]
    min_train: usize,
    #[arg(long, value_enum, default_value = "all")]
    model: ModelChoice,
    #[command(flatten)]
    outputs: Outputs,
}

pub fn run(store: &Path, args: BacktestArgs) -> Result<ExitCode> {
    let BacktestCommand::Dyad(args) = args.command;
    if args.horizon == 0 {
        bail!("--horizon must be at least 1");
    }
    let s = args.target.load(store, args.horizon)?;
    let origin_list = origins(s.forward.len(), args.horizon, args.origins, args.min_train.max(8));
    if origin_list.is_empty() {
        bail!(
            "{} periods are too few for --min-train {} and --horizon {}: widen the window (--from/--to) or use a finer --by",
            s.forward.len(),
            args.min_train.max(8),
            args.horizon
        );
    }
    let models = args.model.models();
    let scores = backtest(&models, &s.forward, Some(&s.reverse), &origin_list, &s.settings)?;
    let mut all = scores.clone();
    all.extend(summary(&scores));
    let f = |get: fn(&fulcrum_forecast::backtest::Score) -> f64| Col::F64(all.iter().map(get).collect());
    let (schema, batches) = batch(vec![
        ("model", Col::Str(all.iter().map(|x| x.model.name().to_string()).collect())),
        ("horizon", Col::Str(all.iter().map(|x| if x.horizon == 0 { "all".to_string() } else { x.horizon.to_string() }).collect())),
        ("forecasts", Col::U64(all.iter().map(|x| x.forecasts as u64).collect())),
        ("crps", f(|x| x.crps)),
        ("mse_log", f(|x| x.mse)),
        ("cover50", f(|x| x.coverage50)),
        ("cover90", f(|x| x.coverage90)),
    ])?;
    eprintln!(
        "{} → {}: {} by {}, {} periods; {} origins ({} … {}), horizons 1..{}",
        s.source,
        s.target,
        s.what,
        args.target.window.period,
        s.forward.len(),
        origin_list.len(),
        args.target.window.period.label(s.periods[origin_list[0]]),
        args.target.window.period.label(s.periods[*origin_list.last().unwrap_or(&0)]),
        args.horizon
    );
    args.outputs.write(&schema, &batches)?;
    if args.outputs.plot.is_some() {
        let mut lines = vec![fulcrum_plot::Line {
            name: format!("{} → {} (observed)", s.source, s.target),
            points: s.periods.iter().copied().zip(s.forward.iter().copied()).collect(),
            markers: Vec::new(),
            band: None,
        }];
        for &model in &models {
            let mut points = Vec::new();
            let mut band = Vec::new();
            for &o in &origin_list {
                let seen_reverse = &s.reverse[..o];
                let one = Settings { horizon: 1, seed: s.settings.seed ^ o as u64, ..s.settings };
                let f = forecast(model, &s.forward[..o], Some(seen_reverse), &one)?;
                points.push((s.periods[o], f.steps[0].quantile(0.5)));
                band.push((f.steps[0].quantile(0.05), f.steps[0].quantile(0.95)));
            }
            lines.push(fulcrum_plot::Line { name: format!("{} one step ahead (90%)", model.name()), points, markers: Vec::new(), band: Some(band) });
        }
        args.outputs.plot(&fulcrum_plot::DatedChart {
            title: format!("{} → {}: {} — rolling-origin one-step forecasts", s.source, s.target, s.what),
            y_label: s.what.clone(),
            lines,
            events: Vec::new(),
            zero_line: false,
        })?;
    }
    Ok(ExitCode::SUCCESS)
}
