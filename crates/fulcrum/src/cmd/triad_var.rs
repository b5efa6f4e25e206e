//! `fulcrum triad A B C --var`: the triangular VAR of Goldstein & Freeman over a triad's six directed series.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use fulcrum_relations::iso_date;
use fulcrum_relations::var::{VarFit, fit, select_order, triad_data};
use nalgebra::DMatrix;

use crate::cmd::relations::{load, parse_actors};
use crate::cmd::triad::TriadArgs;


pub fn run(store: &Path, args: &TriadArgs) -> Result<ExitCode> {
    let actors = parse_actors(&args.states[..3])?;
    if args.states.len() > 3 {
        eprintln!("note: --var uses the first three states ({})", args.states[..3].join(", "));
    }
    let loaded = load(store, &actors, &args.window)?;
    let events = loaded.events;
    let period = args.window.period;
    let labels: Vec<String> = actors.iter().map(|a| a.label()).collect();
    let periods = period.range(loaded.from, loaded.to);
    let (names, data) = triad_data(&events, &labels, period, loaded.from, loaded.to);
    println!(
        "triangular VAR of {} over {} {}s ({} .. {}); series = Goldstein sum per {}",
        labels.join("–"),
        periods.len(),
        period,
        iso_date(loaded.from),
        iso_date(loaded.to),
        period
    );
    let p = choose_lags(&data, args)?;
    let whole = fit(&data, p).context("fitting the VAR")?;
    let responses = report(&whole, &names, args)?;
    if let Some(irf_path) = &args.irf_csv {
        write_irf_csv(&responses, &names, irf_path)?;
    }
    if let Some(plot) = &args.outputs.plot {
        let to_vec = |ms: &[DMatrix<f64>]| -> Vec<Vec<Vec<f64>>> {
            ms.iter().map(|m| (0..m.nrows()).map(|i| (0..m.ncols()).map(|j| m[(i, j)]).collect()).collect()).collect()
        };
        let irf = to_vec(&responses.0);
        let bands = responses.1.as_ref().map(|(lo, hi)| (to_vec(lo), to_vec(hi)));
        fulcrum_plot::irf_grid(
            plot,
            &format!("{}: orthogonalised impulse responses (response ← shock), 90% bootstrap bands", labels.join("–")),
            &names,
            &irf,
            bands.as_ref().map(|(l, h)| (l.as_slice(), h.as_slice())),
        )?;
        eprintln!("wrote impulse-response grid to {}", plot.display());
    }
    if let Some(day) = args.break_day {
        let cut = periods.partition_point(|&s| s < period.start(day));
        for (label, rows) in [("before", 0..cut), ("from", cut..periods.len())] {
            let part = data.rows(rows.start, rows.len()).into_owned();
            println!("\n== {label} {} ({} periods) ==", iso_date(day), rows.len());
            match fit(&part, p) {
                Ok(f) => {
                    report(&f, &names, args)?;
                }
                Err(e) => println!("cannot fit: {e}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn choose_lags(data: &DMatrix<f64>, args: &TriadArgs) -> Result<usize> {
    match args.lags.as_str() {
        "aic" | "bic" => {
            let sel = select_order(data, args.max_lags).context("choosing the lag order (try fewer --max-lags or a finer --by)")?;
            let best = if args.lags == "aic" { sel.best_aic } else { sel.best_bic };
            let note = if best == 0 { "; 0 means no detectable dynamics, so 1 is used" } else { "" };
            println!(
                "lag order by {}: {} (AIC best {}, BIC best {}; orders 0..{}{note})",
                args.lags.to_uppercase(),
                best.max(1),
                sel.best_aic,
                sel.best_bic,
                args.max_lags
            );
            Ok(best.max(1))
        }
        n => match n.parse::<usize>() {
            Ok(p) if p >= 1 => Ok(p),
            _ => bail!("--lags takes a positive number, aic or bic"),
        },
    }
}

/// Orthogonalised responses Θ₀..Θ_h with optional (lower, upper) 90% bootstrap bands.
type Responses = (Vec<DMatrix<f64>>, Option<(Vec<DMatrix<f64>>, Vec<DMatrix<f64>>)>);

fn report(f: &VarFit, names: &[String], args: &TriadArgs) -> Result<Responses> {
    println!("VAR({}) on {} observations", f.p, f.nobs);
    println!("\nGranger tests (F; p-value):");
    for dyad in 0..3 {
        let (x, y) = (2 * dyad, 2 * dyad + 1);
        for (caused, causing) in [(x, y), (y, x)] {
            let g = f.granger(&[caused], &[causing]);
            println!("  reciprocity   {:<10} ← {:<10} F({:>2},{:>4}) = {:>7.3}; p = {:.4}", names[caused], names[causing], g.df_num, g.df_den, g.f, g.p_value);
        }
        let others: Vec<usize> = (0..6).filter(|&v| v != x && v != y).collect();
        let g = f.granger(&[x, y], &others);
        println!("  triangularity {:<10} ← the other four      F({:>2},{:>4}) = {:>7.3}; p = {:.4}", format!("{}/{}", names[x], names[y]), g.df_num, g.df_den, g.f, g.p_value);
    }
    let h = args.horizon;
    let irf = f.orth_irf(h)?;
    let bands = if args.bootstrap > 0 { Some(f.irf_bands(h, args.bootstrap, 0.9, 20_190_214)?) } else { None };
    println!("\nOrthogonalised impulse responses at horizon 1 (response to a one-s.d. shock; 90% bootstrap band):");
    for (i, response) in names.iter().enumerate() {
        for (j, shock) in names.iter().enumerate() {
            if i == j || !same_dyad(i, j) {
                continue;
            }
            let band = bands.as_ref().map(|(lo, hi)| format!(" [{:.2}, {:.2}]", lo[1][(i, j)], hi[1][(i, j)])).unwrap_or_default();
            println!("  {response:<10} to {shock:<10} {:>8.3}{band}", irf[1][(i, j)]);
        }
    }
    let fevd = f.fevd(h)?;
    println!("\nForecast-error variance decomposition at horizon {h} (share of each series' variance due to each shock):");
    print!("  {:<10}", "");
    for n in names {
        print!(" {n:>10}");
    }
    println!();
    for (i, n) in names.iter().enumerate() {
        print!("  {n:<10}");
        for j in 0..names.len() {
            print!(" {:>10.3}", fevd[h][(i, j)]);
        }
        println!();
    }
    Ok((irf, bands))
}

fn same_dyad(i: usize, j: usize) -> bool {
    i / 2 == j / 2
}

fn write_irf_csv((irf, bands): &Responses, names: &[String], path: &Path) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?);
    writeln!(out, "horizon,response,shock,irf,lower90,upper90")?;
    for (t, m) in irf.iter().enumerate() {
        for i in 0..names.len() {
            for j in 0..names.len() {
                let (lo, hi) = bands.as_ref().map(|(l, u)| (l[t][(i, j)], u[t][(i, j)])).unwrap_or((f64::NAN, f64::NAN));
                writeln!(out, "{t},{},{},{},{},{}", names[i], names[j], m[(i, j)], lo, hi)?;
            }
        }
    }
    out.flush()?;
    eprintln!("wrote impulse responses to {}", path.display());
    Ok(())
}
