//! Answers as text for people: the reports the CLI prints and a notebook shows as an answer's `repr`.

use std::fmt;

use fulcrum_model::iso_date;
use fulcrum_relations::balance::{Lean, TiltEstimate};

use crate::relations::{BalanceAnswer, Lags, VarAnswer, VarReport};
use crate::table::{Col, Table, table};

/// A reading in words: "+0.62 [+0.55, +0.70] → IND (86/2 events)".
pub fn describe_tilt(t: &TiltEstimate, a: &str, b: &str) -> String {
    format!(
        "{:+.3} [{:+.3}, {:+.3}] → {} ({}/{} events)",
        t.tilt,
        t.tilt_low,
        t.tilt_high,
        t.lean.describe(a, b),
        t.events_ta,
        t.events_tb
    )
}

impl BalanceAnswer {
    /// What the tilt means, over which window.
    pub fn headline(&self) -> String {
        let [t, a, b] = self.actors.each_ref().map(|x| x.code.as_str());
        format!(
            "{t} between {a} and {b}, {} .. {} (tilt > 0: leans to {a}; < 0: leans to {b}; \
             net cooperation weighed by volume, 90% band)",
            iso_date(self.span.from),
            iso_date(self.span.to)
        )
    }

    /// How many periods leaned each way, and the reading over the whole window.
    pub fn summary(&self) -> String {
        let [t, a, b] = self.actors.each_ref().map(|x| x.code.as_str());
        let count = |lean: Lean| self.points.iter().filter(|p| p.tilt.lean == lean).count();
        format!(
            "{t} leaned to {a} in {} and to {b} in {} of {} periods, even in {}, too little evidence in {}; \
             over the window: tilt {}",
            count(Lean::TowardA),
            count(Lean::TowardB),
            self.points.len(),
            count(Lean::Even),
            count(Lean::Thin),
            describe_tilt(&self.overall, a, b)
        )
    }

    /// The break test in words, when one was asked for.
    pub fn break_summary(&self) -> Option<String> {
        let test = self.break_test.as_ref()?;
        let (a, b) = (&self.actors[1].code, &self.actors[2].code);
        let verdict = if test.p_value < 0.05 {
            format!(
                "the tilt moved towards {}",
                if test.shift < 0.0 { b } else { a }
            )
        } else {
            "no significant shift at the 5% level".to_string()
        };
        Some(format!(
            "break at {}: tilt before {}, after {}\n\
             shift {:+.3}, SE {:.3}, z {:.2}, p {:.4} — {verdict}",
            iso_date(test.break_day),
            describe_tilt(&test.before, a, b),
            describe_tilt(&test.after, a, b),
            test.shift,
            test.standard_error,
            test.z,
            test.p_value,
        ))
    }
}

impl VarReport {
    /// Every impulse response in long format: horizon, response, shock, irf, lower90, upper90.
    pub fn irf_table(
        &self,
        names: &[String],
    ) -> Result<Table, fulcrum_query::arrow::error::ArrowError> {
        let k = names.len();
        let cells: Vec<(usize, usize, usize)> = (0..self.irf.len())
            .flat_map(|t| (0..k).flat_map(move |i| (0..k).map(move |j| (t, i, j))))
            .collect();
        let band = |side: usize| {
            Col::F64(
                cells
                    .iter()
                    .map(|&(t, i, j)| {
                        self.bands.as_ref().map_or(f64::NAN, |b| {
                            if side == 0 {
                                b.0[t][(i, j)]
                            } else {
                                b.1[t][(i, j)]
                            }
                        })
                    })
                    .collect(),
            )
        };
        table(vec![
            (
                "horizon",
                Col::U64(cells.iter().map(|c| c.0 as u64).collect()),
            ),
            (
                "response",
                Col::Str(cells.iter().map(|c| names[c.1].clone()).collect()),
            ),
            (
                "shock",
                Col::Str(cells.iter().map(|c| names[c.2].clone()).collect()),
            ),
            (
                "irf",
                Col::F64(cells.iter().map(|&(t, i, j)| self.irf[t][(i, j)]).collect()),
            ),
            ("lower90", band(0)),
            ("upper90", band(1)),
        ])
    }

    /// Granger tests, the within-dyad responses at horizon 1 and the variance decomposition at `horizon`.
    fn write(&self, f: &mut fmt::Formatter<'_>, names: &[String], horizon: usize) -> fmt::Result {
        writeln!(
            f,
            "VAR({}) on {} observations",
            self.lags, self.observations
        )?;
        writeln!(f, "\nGranger tests (F; p-value):")?;
        for g in &self.granger {
            let t = &g.test;
            let causing = if g.kind == "reciprocity" {
                format!("{:<10}", g.causing[0])
            } else {
                "the other four     ".into()
            };
            let kind = format!("{:<13}", g.kind);
            writeln!(
                f,
                "  {kind} {:<10} ← {causing} F({:>2},{:>4}) = {:>7.3}; p = {:.4}",
                g.caused, t.df_num, t.df_den, t.f, t.p_value
            )?;
        }
        writeln!(
            f,
            "\nOrthogonalised impulse responses at horizon 1 (response to a one-s.d. shock; 90% bootstrap band):"
        )?;
        for (i, response) in names.iter().enumerate() {
            for (j, shock) in names.iter().enumerate() {
                // Only the responses within a dyad: the two directions of one pair.
                if i == j || i / 2 != j / 2 {
                    continue;
                }
                let band = self
                    .bands
                    .as_ref()
                    .map(|(lo, hi)| format!(" [{:.2}, {:.2}]", lo[1][(i, j)], hi[1][(i, j)]))
                    .unwrap_or_default();
                writeln!(
                    f,
                    "  {response:<10} to {shock:<10} {:>8.3}{band}",
                    self.irf[1][(i, j)]
                )?;
            }
        }
        writeln!(
            f,
            "\nForecast-error variance decomposition at horizon {horizon} (share of each series' variance due to each shock):"
        )?;
        write!(f, "  {:<10}", "")?;
        for n in names {
            write!(f, " {n:>10}")?;
        }
        writeln!(f)?;
        for (i, n) in names.iter().enumerate() {
            write!(f, "  {n:<10}")?;
            for j in 0..names.len() {
                write!(f, " {:>10.3}", self.fevd[horizon][(i, j)])?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl fmt::Display for VarAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let span = &self.span;
        let labels: Vec<&str> = self.states.iter().map(|s| s.code.as_str()).collect();
        writeln!(
            f,
            "triangular VAR of {} over {} {}s ({} .. {}); series = Goldstein sum per {}",
            labels.join("–"),
            span.periods().len(),
            span.period,
            iso_date(span.from),
            iso_date(span.to),
            span.period
        )?;
        let c = &self.choice;
        if let Some((aic, bic)) = c.best {
            let (by, chosen) = if c.by == Lags::Aic {
                ("AIC", aic)
            } else {
                ("BIC", bic)
            };
            let note = if chosen == 0 {
                "; 0 means no detectable dynamics, so 1 is used"
            } else {
                ""
            };
            writeln!(
                f,
                "lag order by {by}: {} (AIC best {aic}, BIC best {bic}; orders 0..{}{note})",
                c.lags, c.max_lags
            )?;
        }
        let horizon = self.whole.irf.len().saturating_sub(1);
        self.whole.write(f, &self.names, horizon)?;
        for (label, periods, fit) in &self.split {
            writeln!(f, "\n== {label} ({periods} periods) ==")?;
            match fit {
                Ok(report) => report.write(f, &self.names, horizon)?,
                Err(e) => writeln!(f, "cannot fit: {e}")?,
            }
        }
        Ok(())
    }
}

impl crate::relations::ChangesAnswer {
    /// Per direction: how many change points, under which cost and penalty.
    pub fn headline(&self) -> String {
        self.directions
            .iter()
            .map(|d| {
                format!(
                    "{} → {}: {} change point(s), cost {:?}, penalty {:.3}",
                    d.source,
                    d.target,
                    d.change_points.len(),
                    self.cost,
                    d.penalty
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The online detector's alerts, one line each, or "no alerts".
    pub fn alerts_summary(&self) -> String {
        let period = self.span.period;
        let alerts: Vec<String> = self
            .directions
            .iter()
            .flat_map(|d| {
                d.alerts(self.alert_window).map(move |(day, p)| {
                    format!(
                        "  {} → {} {}: p(change in last {}) = {p:.2}",
                        d.source,
                        d.target,
                        period.label(day),
                        self.alert_window
                    )
                })
            })
            .collect();
        if alerts.is_empty() {
            "online detector: no alerts".to_string()
        } else {
            format!("online detector alerts:\n{}", alerts.join("\n"))
        }
    }
}

impl crate::forecast::DyadSeries {
    /// A note when the last period runs past the window's end, so its count is partial.
    pub fn partial_note(&self) -> Option<String> {
        let span = &self.span;
        span.last_period_partial().then(|| {
            format!(
                "note: the last {} ({}) is only covered up to {}: its count is partial; end the window earlier with \
                 --to to leave it out",
                span.period,
                span.period.label(span.period.start(span.to)),
                iso_date(span.to)
            )
        })
    }
}

impl crate::forecast::DyadForecastAnswer {
    /// What was forecast: direction, measure, periods observed and ahead.
    pub fn headline(&self) -> Result<String, crate::QuestionError> {
        let s = &self.series;
        Ok(format!(
            "{} → {}: {} by {}, {} periods observed ({} … {}), forecast {} ahead",
            s.source.code,
            s.target.code,
            s.measure.describe(),
            s.span.period,
            s.forward.len(),
            iso_date(s.periods[0]),
            iso_date(s.last()?),
            self.future.len()
        ))
    }
}

impl crate::forecast::BacktestAnswer {
    /// What was scored: direction, measure, origins and horizons.
    pub fn headline(&self, horizon: usize) -> String {
        let s = &self.series;
        let period = s.span.period;
        let origin = |i: usize| {
            self.origins
                .get(i)
                .and_then(|&o| s.periods.get(o))
                .map_or_else(String::new, |&p| period.label(p))
        };
        format!(
            "{} → {}: {} by {period}, {} periods; {} origins ({} … {}), horizons 1..{horizon}",
            s.source.code,
            s.target.code,
            s.measure.describe(),
            s.forward.len(),
            self.origins.len(),
            origin(0),
            origin(self.origins.len().saturating_sub(1)),
        )
    }
}

impl crate::forecast::TkgAnswer {
    /// The graph (`source` says where it came from), the rules kept, and how the scores were computed.
    pub fn headline(&self, source: &str) -> String {
        let d = &self.data;
        let mut lines = vec![format!(
            "{source}: {} entities, {} relations; train {}, valid {}, test {} facts ({} test queries with inverses)",
            d.num_entities(),
            d.num_relations(),
            d.train.len(),
            d.valid.len(),
            d.test.len(),
            2 * d.test.len()
        )];
        for row in &self.rows {
            if let Some(rules) = row.rules {
                lines.push(format!("{}: {rules} rules kept", row.model));
            }
        }
        lines.push(format!(
            "time-aware filtered, ties {}; scores in %; seconds exclude loading ({:.2} s)",
            self.ties.describe(),
            self.load_seconds
        ));
        lines.join("\n")
    }
}
