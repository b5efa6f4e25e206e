//! The chart of each answer, as `fulcrum-plot` draws it: the CLI's `--plot` and Python's `.plot()` show the same.

use fulcrum_model::iso_date;
use fulcrum_plot::{DatedChart, Line};
use fulcrum_relations::balance::{BalancePoint, Lean};
use nalgebra::DMatrix;

use crate::QuestionError;
use crate::forecast::{BacktestAnswer, DyadForecastAnswer};
use crate::relations::{
    BalanceAnswer, ChangesAnswer, DyadAnswer, TriadAnswer, VarReport, direction,
};

fn line(name: String, points: Vec<(i32, f64)>) -> Line {
    Line {
        name,
        points,
        markers: Vec::new(),
        band: None,
    }
}

fn break_marker(break_day: Option<i32>) -> Vec<(i32, String)> {
    break_day
        .map(|d| (d, format!("break {}", iso_date(d))))
        .into_iter()
        .collect()
}

/// Both directions' Goldstein sums with their change points, and an optional date marked.
pub fn dyad(a: &DyadAnswer, break_day: Option<i32>) -> DatedChart {
    let [x, y] = [&a.actors[0].code, &a.actors[1].code];
    let lines = [0u16, 1]
        .iter()
        .map(|&s| {
            let (from, to) = if s == 0 { (x, y) } else { (y, x) };
            Line {
                name: format!("{from} → {to}"),
                points: direction(&a.series, s)
                    .iter()
                    .map(|p| (p.period, p.goldstein_sum))
                    .collect(),
                markers: a.change_points[s as usize].clone(),
                band: None,
            }
        })
        .collect();
    DatedChart {
        title: format!(
            "{x} and {y}: Goldstein-weighted net cooperation by {} (▲ change points)",
            a.span.period
        ),
        y_label: if a.normalized {
            "Goldstein sum per 1,000 events".into()
        } else {
            "Goldstein sum".into()
        },
        lines,
        events: break_marker(break_day),
        zero_line: true,
    }
}

/// The segmented series of both directions with their change points.
pub fn changes(a: &ChangesAnswer) -> DatedChart {
    let lines = a
        .directions
        .iter()
        .map(|d| Line {
            name: format!("{} → {}", d.source, d.target),
            points: d.values.clone(),
            markers: d.change_points.clone(),
            band: None,
        })
        .collect();
    DatedChart {
        title: format!(
            "{} and {}: {} by {} (▲ change points, PELT {:?})",
            a.actors[0].code,
            a.actors[1].code,
            a.series.name(),
            a.span.period,
            a.cost
        ),
        y_label: a.series.name().into(),
        lines,
        events: Vec::new(),
        zero_line: a.series != fulcrum_model::Measure::Events,
    }
}

/// The default tilt with its 90% band; periods with too little evidence are left as gaps.
pub fn balance(a: &BalanceAnswer) -> DatedChart {
    let [t, x, y] = [&a.actors[0].code, &a.actors[1].code, &a.actors[2].code];
    let shown = |p: &BalancePoint, v: f64| {
        if p.tilt.lean == Lean::Thin {
            f64::NAN
        } else {
            v
        }
    };
    let v = &a.points;
    DatedChart {
        title: format!(
            "{t} between {x} and {y}: tilt (> 0 leans to {x}) by {}",
            a.span.period
        ),
        y_label: "tilt: net cooperation weighed by volume (−1 … 1)".into(),
        lines: vec![Line {
            name: format!("tilt of {t} (band: 90%; gaps: too little evidence)"),
            points: v
                .iter()
                .map(|p| (p.period, shown(p, p.tilt.tilt)))
                .collect(),
            markers: Vec::new(),
            band: Some(
                v.iter()
                    .map(|p| (shown(p, p.tilt.tilt_low), shown(p, p.tilt.tilt_high)))
                    .collect(),
            ),
        }],
        events: break_marker(a.break_test.as_ref().map(|b| b.break_day)),
        zero_line: true,
    }
}

/// Mean Goldstein of every pair per period.
pub fn triad(a: &TriadAnswer) -> DatedChart {
    let n = a.states.len();
    let mut lines = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let points = a
                .periods
                .iter()
                .map(|p| (p.start, p.graph.weight[i][j]))
                .collect();
            lines.push(line(
                format!("{}–{}", a.states[i].code, a.states[j].code),
                points,
            ));
        }
    }
    let labels: Vec<&str> = a.states.iter().map(|s| s.code.as_str()).collect();
    DatedChart {
        title: format!(
            "Signed relations among {} by {}: mean Goldstein per pair (sign band ±{})",
            labels.join(", "),
            a.span.period,
            a.neutral_band
        ),
        y_label: "mean Goldstein score (both directions)".into(),
        lines,
        events: Vec::new(),
        zero_line: true,
    }
}

/// Matrices as nested rows, as the IRF grid and JSON take them.
pub fn matrix_rows(ms: &[DMatrix<f64>]) -> Vec<Vec<Vec<f64>>> {
    ms.iter()
        .map(|m| {
            (0..m.nrows())
                .map(|i| (0..m.ncols()).map(|j| m[(i, j)]).collect())
                .collect()
        })
        .collect()
}

/// Draws the impulse-response grid of a VAR report.
pub fn irf_grid(
    path: &std::path::Path,
    states: &str,
    names: &[String],
    r: &VarReport,
) -> Result<(), fulcrum_plot::PlotError> {
    let irf = matrix_rows(&r.irf);
    let bands = r
        .bands
        .as_ref()
        .map(|(lo, hi)| (matrix_rows(lo), matrix_rows(hi)));
    fulcrum_plot::irf_grid(
        path,
        &format!(
            "{states}: orthogonalised impulse responses (response ← shock), 90% bootstrap bands"
        ),
        names,
        &irf,
        bands.as_ref().map(|(l, h)| (l.as_slice(), h.as_slice())),
    )
}

/// The observed direction of a dyad forecast or backtest.
fn observed(s: &crate::forecast::DyadSeries) -> Line {
    let points = s
        .periods
        .iter()
        .copied()
        .zip(s.forward.iter().copied())
        .collect();
    line(
        format!("{} → {} (observed)", s.source.code, s.target.code),
        points,
    )
}

/// The observed series and each model's median joined to the last observation, with 90% and 50% bands.
pub fn forecast(a: &DyadForecastAnswer) -> Result<DatedChart, QuestionError> {
    let s = &a.series;
    let last = s.last()?;
    let what = s.measure.describe();
    let mut lines = vec![observed(s)];
    let origin_value = s.forward.last().copied().unwrap_or(0.0);
    for f in &a.forecasts {
        let mut points = vec![(last, origin_value)];
        points.extend(
            a.future
                .iter()
                .zip(&f.steps)
                .map(|(&d, st)| (d, st.quantile(0.5))),
        );
        let band = |lo: f64, hi: f64| {
            let mut b = vec![(origin_value, origin_value)];
            b.extend(f.steps.iter().map(|st| (st.quantile(lo), st.quantile(hi))));
            Some(b)
        };
        let name = f.model.name();
        lines.push(Line {
            name: format!("{name} median, 90% interval"),
            points: points.clone(),
            markers: Vec::new(),
            band: band(0.05, 0.95),
        });
        lines.push(Line {
            name: format!("{name} 50% interval"),
            points,
            markers: Vec::new(),
            band: band(0.25, 0.75),
        });
    }
    Ok(DatedChart {
        title: format!(
            "{} → {}: {what} by {}, forecast {} ahead",
            s.source.code,
            s.target.code,
            s.span.period,
            a.future.len()
        ),
        y_label: what,
        lines,
        events: vec![(last, "forecast origin".to_string())],
        zero_line: s.measure == crate::forecast::ForecastTarget::Goldstein,
    })
}

/// The series and each model's one-step-ahead median and 90% interval at every origin.
pub fn backtest(a: &BacktestAnswer) -> Result<DatedChart, QuestionError> {
    let s = &a.series;
    let what = s.measure.describe();
    let mut lines = vec![observed(s)];
    for (model, steps) in a.one_step()? {
        lines.push(Line {
            name: format!("{} one step ahead (90%)", model.name()),
            points: steps.iter().map(|&(d, median, _, _)| (d, median)).collect(),
            markers: Vec::new(),
            band: Some(steps.iter().map(|&(_, _, lo, hi)| (lo, hi)).collect()),
        });
    }
    Ok(DatedChart {
        title: format!(
            "{} → {}: {what} — rolling-origin one-step forecasts",
            s.source.code, s.target.code
        ),
        y_label: what,
        lines,
        events: Vec::new(),
        zero_line: false,
    })
}
