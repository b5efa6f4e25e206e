//! The relations and forecast endpoints: each parses its request with the questions layer's own definition
//! (`front::from_query`), asks the same function the CLI asks, and writes the answer as JSON. Nothing here
//! computes an answer; nothing here writes.

use std::collections::HashMap;

use fulcrum_events::EventTable;
use fulcrum_model::actors::groups;
use fulcrum_model::{Period, iso_date};
use fulcrum_questions::charts::matrix_rows;
use fulcrum_questions::forecast::{DyadForecastRequest, QUANTILES};
use fulcrum_questions::front::{Request, from_query};
use fulcrum_questions::maps::{EventMapRequest, RelationsMapRequest};
use fulcrum_questions::relations::{
    BalanceRequest, ChangesRequest, DyadRequest, TriadRequest, VarRequest, direction,
};
use fulcrum_questions::{Limits, Questions, Span};
use fulcrum_relations::dyad::DyadPoint;
use serde_json::{Value, json};

use crate::error::ApiError;

/// Most periods one answer covers: ten years of days. Longer series are unreadable in a chart, and PELT, the VAR
/// and the forecasting models grow faster than linearly with them.
pub const MAX_PERIODS: usize = 3_660;

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

fn window_json(span: &Span) -> Value {
    json!({
        "from": iso_date(span.from), "to": iso_date(span.to), "by": span.period.to_string(),
        "dedup": span.dedup, "datasets": span.datasets, "resolved": span.resolved,
    })
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Parses a request: the endpoint's parameters are its request type's, named as in [`front`](fulcrum_questions::front).
fn request<T: Request>(query: &HashMap<String, String>) -> Result<T, ApiError> {
    Ok(from_query::<T>(query)?)
}

/// The questions over the in-memory table, within the server's limits.
fn questions(table: &EventTable, limits: Limits) -> Questions<'_> {
    Questions::new(table).with_limits(Limits {
        max_periods: Some(MAX_PERIODS),
        ..limits
    })
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
    let top: Vec<Value> = table
        .countries()
        .iter()
        .take(20)
        .map(|c| json!({ "code": c.code, "events": c.events }))
        .collect();
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
pub fn dyad(
    table: &EventTable,
    query: &HashMap<String, String>,
    limits: Limits,
) -> Result<DyadJson, ApiError> {
    let r: DyadRequest = request(query)?;
    let a = questions(table, limits).dyad(&r)?;
    let period = a.span.period;
    let dir = |i: usize| DirectionJson {
        source: a.actors[i].code.clone(),
        target: a.actors[1 - i].code.clone(),
        points: direction(&a.series, i as u16)
            .iter()
            .map(|p| dyad_point_json(period, p))
            .collect(),
        change_points: a.change_points[i]
            .iter()
            .map(|&d| period.label(d))
            .collect(),
    };
    Ok(DyadJson {
        a: to_value(&a.actors[0]),
        b: to_value(&a.actors[1]),
        window: window_json(&a.span),
        normalized: a.normalized,
        events: a.events,
        directions: [dir(0), dir(1)],
    })
}

/// `GET /api/changes`: change points of one measure in both directions (PELT and the online detector).
pub fn changes(
    table: &EventTable,
    query: &HashMap<String, String>,
    limits: Limits,
) -> Result<Value, ApiError> {
    let r: ChangesRequest = request(query)?;
    let a = questions(table, limits).changes(&r)?;
    let period = a.span.period;
    let dirs: Vec<Value> = a
        .directions
        .iter()
        .map(|d| {
            let segments: Vec<Value> = d
                .segments
                .iter()
                .map(|s| json!({ "from": period.label(s.from), "to": period.label(s.to), "periods": s.periods, "mean": s.mean }))
                .collect();
            let online: Vec<Value> = d.online.iter().map(|&(p, prob)| json!({ "period": period.label(p), "p_recent_change": prob })).collect();
            json!({
                "source": d.source, "target": d.target, "online": online, "penalty": d.penalty,
                "change_points": d.change_points.iter().map(|&p| period.label(p)).collect::<Vec<_>>(), "segments": segments,
            })
        })
        .collect();
    Ok(json!({
        "a": to_value(&a.actors[0]), "b": to_value(&a.actors[1]), "window": window_json(&a.span),
        "series": a.series.name(), "cost": format!("{:?}", a.cost).to_lowercase(), "alert_window": a.alert_window, "directions": dirs,
    }))
}

/// `GET /api/balance`: how `third` treats `a` and `b`, period by period; with `break`, whether the tilt shifted.
pub fn balance(
    table: &EventTable,
    query: &HashMap<String, String>,
    limits: Limits,
) -> Result<Value, ApiError> {
    let r: BalanceRequest = request(query)?;
    let q = questions(table, limits);
    if r.third.is_none() {
        let ranking = q.rank_balancers(&r)?;
        return Ok(json!({
            "a": to_value(&ranking.rivals[0]), "b": to_value(&ranking.rivals[1]),
            "window": window_json(&ranking.span), "ranking": to_value(&ranking.rows),
            "summary": ranking.summary(),
        }));
    }
    let a = q.balance(&r)?;
    let period = a.span.period;
    let points: Vec<Value> = a
        .points
        .iter()
        .map(|pt| merge(to_value(pt), period_json(period, pt.period)))
        .collect();
    let test = a
        .break_test
        .as_ref()
        .map(|t| merge(to_value(t), json!({ "break_day": iso_date(t.break_day) })));
    Ok(json!({
        "third": to_value(&a.actors[0]), "a": to_value(&a.actors[1]), "b": to_value(&a.actors[2]),
        "window": window_json(&a.span), "points": points, "overall": to_value(&a.overall),
        "summary": a.summary(), "break_test": test,
    }))
}

/// `GET /api/map`: every state's ties with `focus` (or their change across `break`), with the colour to paint it.
pub fn relations_map(
    table: &EventTable,
    query: &HashMap<String, String>,
    limits: Limits,
) -> Result<Value, ApiError> {
    let r: RelationsMapRequest = request(query)?;
    let a = questions(table, limits).relations_map(&r)?;
    let states: Vec<Value> = a
        .states
        .iter()
        .map(|st| {
            let shift = st.shift.as_ref().map(|t| {
                json!({
                    "before": t.before.value(a.measure), "after": t.after.value(a.measure),
                    "events_before": t.before.events, "events_after": t.after.events,
                    "standard_error": t.standard_error, "z": t.z, "p_value": t.p_value,
                })
            });
            json!({
                "code": st.code, "name": st.name, "iso3": st.iso3, "codes": st.codes,
                "value": st.value, "low": st.low, "high": st.high, "coloured": st.coloured, "colour": st.colour,
                "reading": to_value(&st.reading), "shift": shift,
            })
        })
        .collect();
    Ok(json!({
        "focus": to_value(&a.focus), "focus_iso3": a.focus_iso3, "window": window_json(&a.span),
        "measure": a.measure, "direction": a.direction.to_string(), "break": a.break_day.map(iso_date),
        "min_events": a.min_events, "describe": a.describe(),
        "scale": { "diverging": a.scale.diverging, "limit": a.scale.limit,
                   "stops": (0..=10).map(|i| {
                       let v = a.scale.value_at(f64::from(i) / 10.0);
                       json!({ "value": v, "colour": fulcrum_plot::map::hex(a.scale.colour(v)) })
                   }).collect::<Vec<_>>() },
        "no_events_colour": fulcrum_plot::map::hex(fulcrum_plot::map::NO_EVENTS),
        "thin_colour": fulcrum_plot::map::hex(fulcrum_plot::map::THIN),
        "focus_colour": fulcrum_plot::map::hex(fulcrum_plot::map::FOCUS),
        "states": states, "summary": a.summary(),
    }))
}

/// `GET /api/map/events`: the places where the events between `actors` (or of `code`) were recorded.
pub fn event_map(
    engine: &fulcrum_query::QueryEngine,
    resolver: Option<&fulcrum_events::Resolver>,
    query: &HashMap<String, String>,
) -> Result<Value, ApiError> {
    let r: EventMapRequest = request(query)?;
    let a = fulcrum_questions::maps::event_map(engine, resolver, &r)?;
    Ok(json!({
        "actors": to_value(&a.actors), "code": a.code, "place": a.place,
        "from": a.from.map(iso_date), "to": a.to.map(iso_date),
        "located": a.located, "without_coordinates": a.without_coordinates, "dropped_points": a.dropped_points,
        "points": to_value(&a.points), "summary": a.summary(),
    }))
}

/// `GET /api/map/shapes`: every country shape as an SVG path in the maps' frame, with its ISO and CAMEO codes.
pub fn map_shapes() -> String {
    let (frame, paths) = fulcrum_questions::maps::shape_paths();
    json!({
        "width": frame.width, "height": frame.height, "projection": "Equal Earth",
        "attribution": fulcrum_geo::shapes::ATTRIBUTION, "shapes": to_value(&paths),
    })
    .to_string()
}

/// `GET /api/triad`: the signed graph among the states per (rolling) period, its triangles and frustration.
pub fn triad(
    table: &EventTable,
    query: &HashMap<String, String>,
    limits: Limits,
) -> Result<Value, ApiError> {
    let r: TriadRequest = request(query)?;
    let a = questions(table, limits).triad(&r)?;
    let n = a.states.len();
    let out: Vec<Value> = a
        .periods
        .iter()
        .map(|p| {
            let mut edges = Vec::new();
            for i in 0..n {
                for j in i + 1..n {
                    let g = &p.graph;
                    edges.push(json!({
                        "a": a.states[i].code, "b": a.states[j].code, "weight": g.weight[i][j], "events": g.events[i][j], "sign": g.sign[i][j],
                    }));
                }
            }
            let partition = p.frustration.as_ref().map(|(f, _)| json!({ "frustration": f, "camps": a.camps(p) }));
            merge(
                period_json(a.span.period, p.start),
                json!({
                    "edges": edges, "triangles": p.triangles.triangles, "balanced": p.triangles.balanced,
                    "triangle_index": p.triangles.triangle_index, "partition": partition,
                }),
            )
        })
        .collect();
    Ok(json!({
        "states": a.states, "window": window_json(&a.span), "span": a.rolling, "neutral_band": a.neutral_band, "periods": out,
    }))
}

/// `GET /api/var`: the triangular VAR over the six directed Goldstein-sum series of three states.
pub fn var(
    table: &EventTable,
    query: &HashMap<String, String>,
    limits: Limits,
) -> Result<Value, ApiError> {
    let r: VarRequest = request(query)?;
    let a = questions(table, limits).var(&r)?;
    let w = &a.whole;
    let granger: Vec<Value> = w
        .granger
        .iter()
        .map(|g| {
            let t = &g.test;
            json!({ "kind": g.kind, "caused": g.caused, "causing": g.causing, "f": t.f, "df": [t.df_num, t.df_den], "p_value": t.p_value })
        })
        .collect();
    let bands = w.bands.as_ref().map(
        |(lo, hi)| json!({ "level": 0.9, "lower": matrix_rows(lo), "upper": matrix_rows(hi) }),
    );
    Ok(json!({
        "states": a.states, "window": window_json(&a.span),
        "series": a.names, "lags": w.lags, "observations": w.observations, "granger": granger,
        "irf": matrix_rows(&w.irf), "irf_bands": bands, "fevd": matrix_rows(&w.fevd),
        "note": "irf[h][response][shock]: orthogonalised response at horizon h to a one-s.d. shock",
    }))
}

/// `GET /api/forecast`: one direction (a → b) forecast `horizon` periods ahead, with 50% and 90% intervals.
pub fn forecast_dyad(
    table: &EventTable,
    query: &HashMap<String, String>,
    limits: Limits,
) -> Result<Value, ApiError> {
    let r: DyadForecastRequest = request(query)?;
    let a = questions(table, limits).forecast_dyad(&r)?;
    let s = &a.series;
    let period = s.span.period;
    let steps = |f: &fulcrum_forecast::dyad::Forecast| -> Vec<Value> {
        a.future
            .iter()
            .zip(&f.steps)
            .map(|(&start, step)| {
                let mut v = json!({ "mean": step.mean() });
                for (name, q) in QUANTILES {
                    v[name] = json!(step.quantile(q));
                }
                merge(period_json(period, start), v)
            })
            .collect()
    };
    let models: Vec<Value> = a
        .forecasts
        .iter()
        .map(|f| json!({ "model": f.model.name(), "forecast": steps(f) }))
        .collect();
    let first = a
        .forecasts
        .first()
        .ok_or_else(|| ApiError::internal("no forecast model ran"))?;
    let observed: Vec<Value> = s
        .periods
        .iter()
        .zip(&s.forward)
        .map(|(&p, &v)| merge(period_json(period, p), json!({ "value": v })))
        .collect();
    Ok(json!({
        "source": s.source, "target": s.target, "window": window_json(&s.span),
        "model": first.model.name(), "measure": s.measure.name(), "samples": s.settings.samples, "seed": s.settings.seed,
        "last_period_partial": s.span.last_period_partial(),
        "observed": observed, "forecast": steps(first), "models": models,
    }))
}

/// How the server reads claims out of an article: the claims dictionary and, with a dictionary folder, the
/// PETRARCH actors (people found too).
pub struct ClaimReader {
    pub dictionary: fulcrum_coder::claims::ClaimDictionary,
    pub actors: Option<fulcrum_coder::Dictionaries>,
}

/// `POST /api/check`: an article's claims tested. Body (JSON): `text` and `date` (YYYY-MM-DD), optional `window`
/// and `after` (`90d`, `12w`, `3m`).
pub fn check(
    table: &EventTable,
    engine: &fulcrum_query::QueryEngine,
    reader: &ClaimReader,
    body: &[u8],
    limits: Limits,
) -> Result<Value, ApiError> {
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    let text = v
        .get("text")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(
                "the JSON body needs a non-empty string field \"text\" (the article)",
            )
        })?;
    let date = v.get("date").and_then(Value::as_str).ok_or_else(|| {
        ApiError::bad_request("the JSON body needs \"date\": the article's date, YYYY-MM-DD")
    })?;
    let date = fulcrum_model::parse_iso_date(date)
        .map_err(|e| ApiError::bad_request(format!("'date': {e}")))?;
    fulcrum_questions::check::check_date(date)?;
    let span = |key: &str, default: &str| -> Result<i32, ApiError> {
        let s = match v.get(key) {
            None | Some(Value::Null) => default,
            Some(Value::String(s)) => s.as_str(),
            Some(_) => {
                return Err(ApiError::bad_request(format!(
                    "'{key}' is a string such as \"{default}\""
                )));
            }
        };
        fulcrum_questions::check::parse_span(s)
            .map_err(|e| ApiError::bad_request(format!("'{key}': {e}")))
    };
    let windows = fulcrum_questions::check::CheckWindows {
        date,
        window_days: span("window", "90d")?,
        after_days: span("after", "180d")?,
    };
    let claims =
        fulcrum_coder::claims::find_claims(text, date, &reader.dictionary, reader.actors.as_ref());
    let mut answer = questions(table, limits).check(&claims, windows)?;
    fulcrum_questions::check::add_provenance(engine, &mut answer, &limits)?;
    let mut out = serde_json::to_value(&answer).map_err(ApiError::internal)?;
    out["markdown"] = Value::String(answer.markdown("the article"));
    out["dictionary"] = json!(reader.dictionary.sources);
    out["people"] = Value::Bool(reader.actors.is_some());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use fulcrum_questions::front::{Parameter, parameters};

    use super::*;

    /// A default as text, numbers compared as numbers (`1.0` and `1` are the same default).
    fn same_default(doc: Option<&Value>, def: Option<&str>) -> bool {
        match (doc, def) {
            (None | Some(Value::Null), None) => true,
            (Some(Value::String(a)), Some(b)) => a == b,
            (Some(Value::Bool(a)), Some(b)) => a.to_string() == b,
            (Some(Value::Number(a)), Some(b)) => {
                b.parse::<f64>().is_ok_and(|b| a.as_f64() == Some(b))
            }
            _ => false,
        }
    }

    fn check(path: &str, request: Vec<Parameter>) -> Vec<String> {
        let doc: Value =
            serde_json::from_str(crate::assets::OPENAPI).expect("openapi.json is JSON");
        let documented = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut problems = Vec::new();
        for p in &request {
            match documented.iter().find(|d| d["name"] == p.name.as_str()) {
                None => problems.push(format!("{path}: '{}' is not documented", p.name)),
                Some(d) if !same_default(d["schema"].get("default"), p.default.as_deref()) => {
                    problems.push(format!(
                        "{path}: '{}' is documented with default {} but defined with {:?}",
                        p.name, d["schema"]["default"], p.default
                    ))
                }
                Some(_) => {}
            }
        }
        for d in &documented {
            if !request.iter().any(|p| d["name"] == p.name.as_str()) {
                problems.push(format!(
                    "{path}: documents '{}', which the request does not take",
                    d["name"]
                ));
            }
        }
        problems
    }

    #[test]
    fn the_openapi_document_lists_each_request_with_its_defaults() {
        let mut problems = Vec::new();
        problems.extend(check("/api/dyad", parameters::<DyadRequest>()));
        problems.extend(check("/api/changes", parameters::<ChangesRequest>()));
        problems.extend(check("/api/balance", parameters::<BalanceRequest>()));
        problems.extend(check("/api/triad", parameters::<TriadRequest>()));
        problems.extend(check("/api/var", parameters::<VarRequest>()));
        problems.extend(check("/api/map", parameters::<RelationsMapRequest>()));
        problems.extend(check("/api/map/events", parameters::<EventMapRequest>()));
        problems.extend(check("/api/forecast", parameters::<DyadForecastRequest>()));
        assert!(problems.is_empty(), "{problems:#?}");
        // And the check sees a default that differs.
        let mut changed = parameters::<DyadForecastRequest>();
        changed
            .iter_mut()
            .find(|p| p.name == "horizon")
            .expect("horizon")
            .default = Some("6".into());
        assert_eq!(check("/api/forecast", changed).len(), 1);
    }
}
