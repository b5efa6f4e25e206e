//! `fulcrum balance T --between A B`: how a third state treats two rivals.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::Args;
use fulcrum_relations::balance::{balancer, tilt_shift};
use fulcrum_relations::iso_date;

use crate::cmd::ingest::parse_date;
use crate::cmd::relations::{Col, Outputs, Window, batch, load, parse_actors};

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
    /// The third state.
    third: String,
    /// The two rivals.
    #[arg(long, num_args = 2, required = true, value_names = ["A", "B"])]
    between: Vec<String>,
    #[command(flatten)]
    window: Window,
    /// Test whether the tilt shifted at this date (YYYY-MM-DD).
    #[arg(long = "break", value_parser = parse_date)]
    break_day: Option<i32>,
    #[command(flatten)]
    outputs: Outputs,
}

pub fn run(store: &Path, args: BalanceArgs) -> Result<ExitCode> {
    let actors = parse_actors(&[args.third.clone(), args.between[0].clone(), args.between[1].clone()])?;
    let loaded = load(store, &actors, &args.window)?;
    let events = loaded.events;
    let period = args.window.period;
    let view = balancer(&events, 0, 1, 2, period, loaded.from, loaded.to);
    let (t, a, b) = (actors[0].label(), actors[1].label(), actors[2].label());
    println!("{t} between {a} and {b}, {} .. {} (tilt > 0: leans to {a}; < 0: leans to {b})", iso_date(loaded.from), iso_date(loaded.to));
    let f = |get: fn(&fulcrum_relations::balance::BalancePoint) -> f64| Col::F64(view.iter().map(get).collect());
    let u = |get: fn(&fulcrum_relations::balance::BalancePoint) -> u64| Col::U64(view.iter().map(get).collect());
    let (schema, batches) = batch(vec![
        ("period", Col::Str(view.iter().map(|p| period.label(p.period)).collect())),
        ("events_ta", u(|p| p.events_ta)),
        ("events_tb", u(|p| p.events_tb)),
        ("coop_ta", f(|p| p.coop_ta)),
        ("coop_tb", f(|p| p.coop_tb)),
        ("tilt", f(|p| p.tilt)),
        ("tilt_se", f(|p| p.tilt_se)),
        ("balance", f(|p| p.balance)),
        ("events_ab", u(|p| p.events_ab)),
        ("hostility_ab", f(|p| p.hostility_ab)),
    ])?;
    args.outputs.write(&schema, &batches)?;
    args.outputs.plot(&fulcrum_plot::DatedChart {
        title: format!("{t} between {a} and {b}: tilt (> 0 leans to {a}) by {period}"),
        y_label: "tilt = coop(T,A) − coop(T,B), Goldstein points".into(),
        lines: vec![fulcrum_plot::Line {
            name: format!("tilt of {t} (band: ±1.96 SE)"),
            points: view.iter().map(|p| (p.period, p.tilt)).collect(),
            markers: Vec::new(),
            band: Some(view.iter().map(|p| (p.tilt - 1.96 * p.tilt_se, p.tilt + 1.96 * p.tilt_se)).collect()),
        }, fulcrum_plot::Line {
            name: format!("hostility {a}–{b}"),
            points: view.iter().map(|p| (p.period, p.hostility_ab)).collect(),
            markers: Vec::new(),
            band: None,
        }],
        events: args.break_day.map(|d| (d, format!("break {}", iso_date(d)))).into_iter().collect(),
        zero_line: true,
    })?;
    if let Some(day) = args.break_day {
        if day <= loaded.from || day > loaded.to {
            bail!("--break {} is outside the window {} .. {}", iso_date(day), iso_date(loaded.from), iso_date(loaded.to));
        }
        let test = tilt_shift(&events, 0, 1, 2, day, loaded.from, loaded.to);
        println!(
            "\nbreak at {}: tilt before {:.3} (±{:.3}; {}/{} events), after {:.3} (±{:.3}; {}/{} events)\n\
             shift {:+.3}, SE {:.3}, z {:.2}, p {:.4} — {}",
            iso_date(day),
            test.before.tilt,
            test.before.standard_error,
            test.before.events_ta,
            test.before.events_tb,
            test.after.tilt,
            test.after.standard_error,
            test.after.events_ta,
            test.after.events_tb,
            test.shift,
            test.standard_error,
            test.z,
            test.p_value,
            if test.p_value < 0.05 {
                format!("the tilt moved towards {}", if test.shift < 0.0 { &b } else { &a })
            } else {
                "no significant shift at the 5% level".to_string()
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
