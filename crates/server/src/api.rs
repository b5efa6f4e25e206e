//! The relations endpoints: each takes its parameters, selects events from the in-memory table and calls the same
//! `fulcrum-relations` / `fulcrum-forecast` functions as the CLI. Pure over the state: nothing here writes.

use fulcrum_events::{EventTable, Loaded, Selection};
use fulcrum_forecast::dyad::{Model, Settings, Target, forecast};
use fulcrum_relations::actors::{ActorSpec, groups};
use fulcrum_relations::balance::{balancer, tilt_shift};
use fulcrum_relations::changepoint::{Cost, bocpd, default_penalty, pelt};
use fulcrum_relations::dyad::{DyadPoint, Measure, dyad_series};
use fulcrum_relations::triads::{MAX_EXACT_STATES, frustration_index, signed_graph, triangles};
use fulcrum_relations::var::{VarFit, fit, select_order, triad_data};
use fulcrum_relations::{Period, iso_date};
use nalgebra::DMatrix;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::params::Params;

/// A period as the dashboard needs it: label and the days it covers.
fn period_json(period: Period, start: i32) -> Value {
    json!({ "period": period.label(start), "start": iso_date(start), "end": iso_date(period.next(start) - 1) })
}

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Value::Object(b), Value::Object(e)) = (&mut base, extra) {
        b.extend(e);
    }
    base
}

fn actor_json(a: &ActorSpec) -> Value {
    let name = match a {
        ActorSpec::Country { code } => fulcrum_model::cameo::country_label(code).unwrap_or(code).to_string(),
        ActorSpec::Exact { code } => code.clone(),
        ActorSpec::Group { name, .. } => groups().into_iter().find(|g| g.0 == name).map_or(name.clone(), |g| g.1.to_string()),
    };
    json!({ "code": a.label(), "name": name })
}

fn window_json(selection: &Selection, loaded: &Loaded) -> Value {
    json!({
        "from": iso_date(loaded.from), "to": iso_date(loaded.to), "by": selection.period.to_string(),
        "dedup": selection.dedup, "datasets": selection.datasets,
    })
}

/// Most periods one answer covers: ten years of days. Longer series are unreadable in a chart, and PELT, the VAR
/// and the forecasting models grow faster than linearly with them.
pub const MAX_PERIODS: usize = 3_660;

/// The events of a question, refusing windows with more periods than [`MAX_PERIODS`].
fn select(table: &EventTable, actors: &[ActorSpec], selection: &Selection) -> Result<Loaded, ApiError> {
    let loaded = table.select(actors, selection)?;
    let periods = selection.period.range(loaded.from, loaded.to).len();
    if periods > MAX_PERIODS {
        return Err(ApiError::bad_request(format!(
            "the window {} .. {} has {periods} {}s, more than {MAX_PERIODS}: use a coarser 'by' (week, month) or a shorter window",
            iso_date(loaded.from),
            iso_date(loaded.to),
            selection.period
        )));
    }
    Ok(loaded)
}

/// Summary of the store: events per dataset, span, top states.
pub fn stats(table: &EventTable, inputs: usize, transactions: usize) -> Value {
    let summaries = table.datasets();
    let datasets: Vec<Value> = summaries
        .iter()
        .map(|d| json!({ "dataset": d.dataset, "events": d.events, "first": iso_date(d.first), "last": iso_date(d.last) }))
        .collect();
    let first = summaries.iter().map(|d| d.first).min();
    let last = summaries.iter().map(|d| d.last).max();
    let top: Vec<Value> = table.countries().iter().take(20).map(|c| json!({ "code": c.code, "events": c.events })).collect();
    json!({
        "events": table.len(), "first": first.map(iso_date), "last": last.map(iso_date),
        "datasets": datasets, "inputs": inputs, "transactions": transactions, "top_countries": top,
    })
}

/// States in the store (with names and event counts) and the named groups, for the state picker.
pub fn actors(table: &EventTable) -> Value {
    let countries: Vec<Value> = table
        .countries()
        .iter()
        .map(|c| json!({ "code": c.code, "name": fulcrum_model::cameo::country_label(&c.code), "events": c.events }))
        .collect();
    let groups: Vec<Value> = groups()
        .into_iter()
        .map(|(code, name, members)| {
            let members: Vec<Value> = members
                .iter()
                .map(|m| {
                    let date = |(y, mo, d): (i32, u32, u32)| format!("{y:04}-{mo:02}-{d:02}");
                    json!({ "code": m.country, "joined": date(m.joined), "left": m.left.map(date) })
                })
                .collect();
            json!({ "code": code, "name": name, "members": members })
        })
        .collect();
    json!({ "countries": countries, "groups": groups })
}

/// One period of one direction, as the API writes it (a typed struct: the dyad endpoint is the hot path).
#[derive(serde::Serialize)]
struct PointJson {
    period: String,
    start: String,
    end: String,
    events: f64,
    goldstein_sum: f64,
    goldstein_mean: f64,
    net_coop: f64,
    q1: f64,
    q2: f64,
    q3: f64,
    q4: f64,
    tone_mean: f64,
}

fn dyad_point_json(period: Period, p: &DyadPoint) -> PointJson {
    PointJson {
        period: period.label(p.period),
        start: iso_date(p.period),
        end: iso_date(period.next(p.period) - 1),
        events: p.events,
        goldstein_sum: p.goldstein_sum,
        goldstein_mean: p.goldstein_mean,
        net_coop: p.net_cooperation,
        q1: p.quad_counts[0],
        q2: p.quad_counts[1],
        q3: p.quad_counts[2],
        q4: p.quad_counts[3],
        tone_mean: p.tone_mean,
    }
}

/// PELT on one measure of one direction's series: the penalty used and the segment ends (exclusive).
fn pelt_of(points: &[&DyadPoint], measure: Measure, cost: Cost, penalty: Option<f64>, min_size: usize) -> (Vec<f64>, f64, Vec<usize>) {
    let y: Vec<f64> = points.iter().map(|p| measure.value(p)).collect();
    let penalty = penalty.unwrap_or_else(|| default_penalty(cost, &y));
    let ends = pelt(&y, cost, penalty, min_size, 1);
    (y, penalty, ends)
}

/// The periods where a new segment begins.
fn change_labels(period: Period, points: &[&DyadPoint], ends: &[usize]) -> Vec<String> {
    ends.iter().filter(|&&b| b < points.len()).map(|&b| period.label(points[b].period)).collect()
}

/// Change points of one direction's series: PELT segments with their means.
fn change_points(period: Period, points: &[&DyadPoint], measure: Measure, cost: Cost, penalty: Option<f64>, min_size: usize) -> Value {
    let (y, penalty, ends) = pelt_of(points, measure, cost, penalty, min_size);
    let mut segments = Vec::new();
    let mut start = 0;
    for &end in &ends {
        let mean = y[start..end].iter().sum::<f64>() / (end - start) as f64;
        segments.push(json!({
            "from": period.label(points[start].period), "to": period.label(points[end - 1].period),
            "periods": end - start, "mean": mean,
        }));
        start = end;
    }
    json!({ "penalty": penalty, "change_points": change_labels(period, points, &ends), "segments": segments })
}

fn directions(series: &[DyadPoint]) -> [Vec<&DyadPoint>; 2] {
    [series.iter().filter(|p| p.source == 0).collect(), series.iter().filter(|p| p.source == 1).collect()]
}

/// One direction of a dyad, as the API writes it.
#[derive(serde::Serialize)]
pub struct DirectionJson {
    source: String,
    target: String,
    points: Vec<PointJson>,
    /// Periods where a new segment of the Goldstein sum begins (PELT, L2 cost, as the CLI's dyad chart).
    change_points: Vec<String>,
}

/// The answer of `GET /api/dyad`.
#[derive(serde::Serialize)]
pub struct DyadJson {
    a: Value,
    b: Value,
    window: Value,
    normalized: bool,
    events: usize,
    directions: [DirectionJson; 2],
}

/// `GET /api/dyad`: both directions of a dyad, period by period, with change points of the Goldstein sum.
pub fn dyad(table: &EventTable, p: &Params) -> Result<DyadJson, ApiError> {
    let actors = vec![p.actor("a")?, p.actor("b")?];
    let selection = p.selection()?;
    let normalize = p.flag("normalize")?;
    let loaded = select(table, &actors, &selection)?;
    let period = selection.period;
    let totals = normalize.then(|| table.totals(&selection, loaded.from, loaded.to));
    let series = dyad_series(&loaded.events, 0, 1, period, loaded.from, loaded.to, totals.as_ref());
    let dirs = directions(&series);
    let direction = |i: usize| {
        let (_, _, ends) = pelt_of(&dirs[i], Measure::GoldsteinSum, Cost::L2, None, 2);
        DirectionJson {
            source: actors[i].label(),
            target: actors[1 - i].label(),
            points: dirs[i].iter().map(|pt| dyad_point_json(period, pt)).collect(),
            change_points: change_labels(period, &dirs[i], &ends),
        }
    };
    Ok(DyadJson {
        a: actor_json(&actors[0]),
        b: actor_json(&actors[1]),
        window: window_json(&selection, &loaded),
        normalized: normalize,
        events: loaded.events.len(),
        directions: [direction(0), direction(1)],
    })
}

/// `GET /api/changes`: change points of one measure in both directions (PELT and the online detector).
pub fn changes(table: &EventTable, p: &Params) -> Result<Value, ApiError> {
    let actors = vec![p.actor("a")?, p.actor("b")?];
    let selection = p.selection()?;
    let measure: Measure = p.parse("series", Measure::GoldsteinSum)?;
    let cost: Cost = p.parse("cost", if measure == Measure::Events { Cost::Poisson } else { Cost::Normal })?;
    let penalty: Option<f64> = p.get("penalty").map(|v| v.parse().map_err(|_| ApiError::bad_request("parameter 'penalty' is a number"))).transpose()?;
    let min_size = p.bounded("min_size", 2, 1, 1000)?;
    let hazard: f64 = p.parse("hazard", 50.0)?;
    let loaded = select(table, &actors, &selection)?;
    let period = selection.period;
    let series = dyad_series(&loaded.events, 0, 1, period, loaded.from, loaded.to, None);
    let dirs = directions(&series);
    let direction = |i: usize| {
        let y: Vec<f64> = dirs[i].iter().map(|pt| measure.value(pt)).collect();
        let online: Vec<Value> = bocpd(&y, hazard, 3)
            .iter()
            .zip(&dirs[i])
            .map(|(s, pt)| json!({ "period": period.label(pt.period), "p_recent_change": s.p_recent_change }))
            .collect();
        merge(
            json!({ "source": actors[i].label(), "target": actors[1 - i].label(), "online": online }),
            change_points(period, &dirs[i], measure, cost, penalty, min_size),
        )
    };
    Ok(json!({
        "a": actor_json(&actors[0]), "b": actor_json(&actors[1]), "window": window_json(&selection, &loaded),
        "series": measure.name(), "cost": format!("{cost:?}").to_lowercase(), "directions": [direction(0), direction(1)],
    }))
}

/// `GET /api/balance`: how `third` treats `a` and `b`, period by period; with `break`, whether the tilt shifted.
pub fn balance(table: &EventTable, p: &Params) -> Result<Value, ApiError> {
    let actors = vec![p.actor("third")?, p.actor("a")?, p.actor("b")?];
    let selection = p.selection()?;
    let break_day = p.date("break")?;
    let loaded = select(table, &actors, &selection)?;
    let period = selection.period;
    let view = balancer(&loaded.events, 0, 1, 2, period, loaded.from, loaded.to);
    let points: Vec<Value> =
        view.iter().map(|pt| merge(serde_json::to_value(pt).unwrap_or(Value::Null), period_json(period, pt.period))).collect();
    let test = match break_day {
        Some(day) if day <= loaded.from || day > loaded.to => {
            return Err(ApiError::bad_request(format!(
                "'break' {} is outside the window {} .. {}",
                iso_date(day),
                iso_date(loaded.from),
                iso_date(loaded.to)
            )));
        }
        Some(day) => Some(merge(
            serde_json::to_value(tilt_shift(&loaded.events, 0, 1, 2, day, loaded.from, loaded.to)).unwrap_or(Value::Null),
            json!({ "break_day": iso_date(day) }),
        )),
        None => None,
    };
    Ok(json!({
        "third": actor_json(&actors[0]), "a": actor_json(&actors[1]), "b": actor_json(&actors[2]),
        "window": window_json(&selection, &loaded), "points": points, "break_test": test,
    }))
}

/// `GET /api/triad`: the signed graph among the states per (rolling) period, its triangles and frustration.
pub fn triad(table: &EventTable, p: &Params) -> Result<Value, ApiError> {
    let actors = p.actors("states", 3, MAX_EXACT_STATES)?;
    let selection = p.selection()?;
    let span = p.bounded("span", 1, 1, 120)?;
    let band: f64 = p.parse("neutral_band", 1.0)?;
    let loaded = select(table, &actors, &selection)?;
    let period = selection.period;
    let periods = period.range(loaded.from, loaded.to);
    let labels: Vec<String> = actors.iter().map(|a| a.label()).collect();
    let n = actors.len();
    let mut out = Vec::with_capacity(periods.len());
    for (k, &start) in periods.iter().enumerate() {
        let first = periods[k + 1 - span.min(k + 1)];
        let g = signed_graph(&loaded.events, n, first, period.next(start) - 1, band);
        let t = triangles(&g);
        let camps = frustration_index(&g).map(|(f, camp)| {
            let side = |c: u8| (0..n).filter(|&i| camp[i] == c).map(|i| labels[i].clone()).collect::<Vec<_>>();
            json!({ "frustration": f, "camps": [side(0), side(1)] })
        });
        let mut edges = Vec::new();
        for i in 0..n {
            for j in i + 1..n {
                edges.push(json!({ "a": labels[i], "b": labels[j], "weight": g.weight[i][j], "events": g.events[i][j], "sign": g.sign[i][j] }));
            }
        }
        out.push(merge(
            period_json(period, start),
            json!({ "edges": edges, "triangles": t.triangles, "balanced": t.balanced, "triangle_index": t.triangle_index, "partition": camps }),
        ));
    }
    Ok(json!({
        "states": actors.iter().map(actor_json).collect::<Vec<_>>(), "window": window_json(&selection, &loaded),
        "span": span, "neutral_band": band, "periods": out,
    }))
}

fn matrix_rows(m: &DMatrix<f64>) -> Vec<Vec<f64>> {
    (0..m.nrows()).map(|i| (0..m.ncols()).map(|j| m[(i, j)]).collect()).collect()
}

/// `GET /api/var`: the triangular VAR over the six directed Goldstein-sum series of three states.
pub fn var(table: &EventTable, p: &Params) -> Result<Value, ApiError> {
    let actors = p.actors("states", 3, 3)?;
    let selection = p.selection()?;
    let lags = p.get("lags").unwrap_or("bic").to_string();
    let max_lags = p.bounded("max_lags", 4, 1, 12)?;
    let horizon = p.bounded("horizon", 8, 1, 48)?;
    let bootstrap = p.bounded("bootstrap", 0, 0, 500)?;
    let loaded = select(table, &actors, &selection)?;
    let period = selection.period;
    let labels: Vec<String> = actors.iter().map(|a| a.label()).collect();
    let (names, data) = triad_data(&loaded.events, &labels, period, loaded.from, loaded.to);
    let order = match lags.as_str() {
        "aic" | "bic" => {
            let sel = select_order(&data, max_lags).map_err(|e| ApiError::bad_request(format!("choosing the lag order: {e} (try a lower max_lags or a finer 'by')")))?;
            (if lags == "aic" { sel.best_aic } else { sel.best_bic }).max(1)
        }
        n => n.parse::<usize>().ok().filter(|&p| p >= 1).ok_or_else(|| ApiError::bad_request("parameter 'lags' is a positive number, aic or bic"))?,
    };
    let f: VarFit = fit(&data, order).map_err(|e| ApiError::bad_request(format!("fitting the VAR: {e}")))?;
    let mut granger = Vec::new();
    for dyad in 0..3 {
        let (x, y) = (2 * dyad, 2 * dyad + 1);
        for (caused, causing) in [(x, y), (y, x)] {
            let g = f.granger(&[caused], &[causing]);
            granger.push(json!({ "kind": "reciprocity", "caused": names[caused], "causing": [names[causing]], "f": g.f, "df": [g.df_num, g.df_den], "p_value": g.p_value }));
        }
        let others: Vec<usize> = (0..6).filter(|&v| v != x && v != y).collect();
        let g = f.granger(&[x, y], &others);
        granger.push(json!({
            "kind": "triangularity", "caused": format!("{}/{}", names[x], names[y]),
            "causing": others.iter().map(|&o| names[o].clone()).collect::<Vec<_>>(), "f": g.f, "df": [g.df_num, g.df_den], "p_value": g.p_value,
        }));
    }
    let internal = |e: fulcrum_relations::var::VarError| ApiError::bad_request(format!("impulse responses: {e}"));
    let irf: Vec<Vec<Vec<f64>>> = f.orth_irf(horizon).map_err(internal)?.iter().map(matrix_rows).collect();
    let fevd: Vec<Vec<Vec<f64>>> = f.fevd(horizon).map_err(internal)?.iter().map(matrix_rows).collect();
    let bands = if bootstrap > 0 {
        let (lo, hi) = f.irf_bands(horizon, bootstrap, 0.9, 20_190_214).map_err(internal)?;
        Some(json!({ "level": 0.9, "lower": lo.iter().map(matrix_rows).collect::<Vec<_>>(), "upper": hi.iter().map(matrix_rows).collect::<Vec<_>>() }))
    } else {
        None
    };
    Ok(json!({
        "states": actors.iter().map(actor_json).collect::<Vec<_>>(), "window": window_json(&selection, &loaded),
        "series": names, "lags": f.p, "observations": f.nobs, "granger": granger,
        "irf": irf, "irf_bands": bands, "fevd": fevd,
        "note": "irf[h][response][shock]: orthogonalised response at horizon h to a one-s.d. shock",
    }))
}

/// `GET /api/forecast`: one direction (a → b) forecast `horizon` periods ahead, with 50% and 90% intervals.
pub fn forecast_dyad(table: &EventTable, p: &Params) -> Result<Value, ApiError> {
    let actors = vec![p.actor("a")?, p.actor("b")?];
    let selection = p.selection()?;
    let horizon = p.bounded("horizon", 6, 1, 60)?;
    let samples = p.bounded("samples", 2000, 10, 20_000)?;
    let seed: u64 = p.parse("seed", 1)?;
    let model: Model = p.parse("model", Model::NegBinomial)?;
    let target = p.get("target").unwrap_or("events");
    let loaded = select(table, &actors, &selection)?;
    let period = selection.period;
    let series = dyad_series(&loaded.events, 0, 1, period, loaded.from, loaded.to, None);
    let value = |pt: &DyadPoint| -> Result<f64, ApiError> {
        Ok(match target {
            "events" => pt.events,
            "goldstein" => pt.goldstein_sum,
            "q1" | "q2" | "q3" | "q4" => pt.quad_counts[(target.as_bytes()[1] - b'1') as usize],
            other => return Err(ApiError::bad_request(format!("unknown target '{other}' (events, goldstein, q1, q2, q3, q4)"))),
        })
    };
    let pick = |s: u16| series.iter().filter(|pt| pt.source == s).map(value).collect::<Result<Vec<f64>, _>>();
    let (forward, reverse) = (pick(0)?, pick(1)?);
    let periods: Vec<i32> = series.iter().filter(|pt| pt.source == 0).map(|pt| pt.period).collect();
    let settings = Settings {
        target: if target == "goldstein" { Target::Goldstein } else { Target::Counts },
        periods_per_year: period.per_year(),
        horizon,
        samples,
        seed,
    };
    let f = forecast(model, &forward, Some(&reverse), &settings).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let last = *periods.last().ok_or_else(|| ApiError::bad_request("the window has no periods"))?;
    let mut future = Vec::with_capacity(horizon);
    let mut next = last;
    for step in &f.steps {
        next = period.next(next);
        future.push(merge(
            period_json(period, next),
            json!({
                "mean": step.mean(), "q05": step.quantile(0.05), "q25": step.quantile(0.25), "median": step.quantile(0.5),
                "q75": step.quantile(0.75), "q95": step.quantile(0.95),
            }),
        ));
    }
    let observed: Vec<Value> = periods.iter().zip(&forward).map(|(&s, &v)| merge(period_json(period, s), json!({ "value": v }))).collect();
    // The last period is partial when the window ends inside it: its count is low and the forecast starts from it.
    let partial = period.next(period.start(loaded.to)) - 1 > loaded.to;
    Ok(json!({
        "source": actor_json(&actors[0]), "target": actor_json(&actors[1]), "window": window_json(&selection, &loaded),
        "model": model.name(), "measure": target, "samples": samples, "seed": seed, "last_period_partial": partial,
        "observed": observed, "forecast": future,
    }))
}
