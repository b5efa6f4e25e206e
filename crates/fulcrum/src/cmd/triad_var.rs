//! `fulcrum triad A B C --var`: prints the triangular VAR of Goldstein & Freeman over a triad's six directed series.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use fulcrum_questions::relations::{Lags, VarReport, VarRequest};
use fulcrum_relations::iso_date;

use crate::cmd::relations::ask;
use crate::cmd::triad::TriadArgs;

pub fn run(store: &Path, request: &VarRequest, args: &TriadArgs) -> Result<ExitCode> {
    let answer = ask(store, |q| q.var(request))?;
    let span = &answer.span;
    let labels: Vec<&str> = answer.states.iter().map(|s| s.code.as_str()).collect();
    println!(
        "triangular VAR of {} over {} {}s ({} .. {}); series = Goldstein sum per {}",
        labels.join("–"),
        span.periods().len(),
        span.period,
        iso_date(span.from),
        iso_date(span.to),
        span.period
    );
    let c = &answer.choice;
    if let Some((aic, bic)) = c.best {
        let by = if c.by == Lags::Aic { "AIC" } else { "BIC" };
        let chosen = if c.by == Lags::Aic { aic } else { bic };
        let note = if chosen == 0 {
            "; 0 means no detectable dynamics, so 1 is used"
        } else {
            ""
        };
        println!(
            "lag order by {by}: {} (AIC best {aic}, BIC best {bic}; orders 0..{}{note})",
            c.lags, c.max_lags
        );
    }
    let horizon = request.options.horizon;
    print_report(&answer.whole, &answer.names, horizon);
    if let Some(path) = &args.irf_csv {
        write_irf_csv(&answer.whole, &answer.names, path)?;
    }
    if let Some(plot) = &args.outputs.plot {
        fulcrum_questions::charts::irf_grid(plot, &labels.join("–"), &answer.names, &answer.whole)?;
        eprintln!("wrote impulse-response grid to {}", plot.display());
    }
    for (label, periods, fit) in &answer.split {
        println!("\n== {label} ({periods} periods) ==");
        match fit {
            Ok(report) => print_report(report, &answer.names, horizon),
            Err(e) => println!("cannot fit: {e}"),
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(r: &VarReport, names: &[String], h: usize) {
    println!("VAR({}) on {} observations", r.lags, r.observations);
    println!("\nGranger tests (F; p-value):");
    for g in &r.granger {
        let t = &g.test;
        if g.kind == "reciprocity" {
            println!(
                "  reciprocity   {:<10} ← {:<10} F({:>2},{:>4}) = {:>7.3}; p = {:.4}",
                g.caused, g.causing[0], t.df_num, t.df_den, t.f, t.p_value
            );
        } else {
            println!(
                "  triangularity {:<10} ← the other four      F({:>2},{:>4}) = {:>7.3}; p = {:.4}",
                g.caused, t.df_num, t.df_den, t.f, t.p_value
            );
        }
    }
    println!(
        "\nOrthogonalised impulse responses at horizon 1 (response to a one-s.d. shock; 90% bootstrap band):"
    );
    for (i, response) in names.iter().enumerate() {
        for (j, shock) in names.iter().enumerate() {
            // Only the responses within a dyad: the two directions of one pair.
            if i == j || i / 2 != j / 2 {
                continue;
            }
            let band = r
                .bands
                .as_ref()
                .map(|(lo, hi)| format!(" [{:.2}, {:.2}]", lo[1][(i, j)], hi[1][(i, j)]))
                .unwrap_or_default();
            println!(
                "  {response:<10} to {shock:<10} {:>8.3}{band}",
                r.irf[1][(i, j)]
            );
        }
    }
    println!(
        "\nForecast-error variance decomposition at horizon {h} (share of each series' variance due to each shock):"
    );
    print!("  {:<10}", "");
    for n in names {
        print!(" {n:>10}");
    }
    println!();
    for (i, n) in names.iter().enumerate() {
        print!("  {n:<10}");
        for j in 0..names.len() {
            print!(" {:>10.3}", r.fevd[h][(i, j)]);
        }
        println!();
    }
}

fn write_irf_csv(r: &VarReport, names: &[String], path: &Path) -> Result<()> {
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    writeln!(out, "horizon,response,shock,irf,lower90,upper90")?;
    for (t, m) in r.irf.iter().enumerate() {
        for i in 0..names.len() {
            for j in 0..names.len() {
                let (lo, hi) = r
                    .bands
                    .as_ref()
                    .map(|(l, u)| (l[t][(i, j)], u[t][(i, j)]))
                    .unwrap_or((f64::NAN, f64::NAN));
                writeln!(
                    out,
                    "{t},{},{},{},{},{}",
                    names[i],
                    names[j],
                    m[(i, j)],
                    lo,
                    hi
                )?;
            }
        }
    }
    out.flush()?;
    eprintln!("wrote impulse responses to {}", path.display());
    Ok(())
}
