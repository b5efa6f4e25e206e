//! The endpoints that ask the store itself: read-only SQL and the events behind a point (with sources and provenance).

use fulcrum_events::{RowRef, Selection, matching_rows};
use fulcrum_model::actors::ActorSpec;
use fulcrum_model::iso_date;
use fulcrum_query::arrow::json::{ArrayWriter, WriterBuilder};
use fulcrum_query::{QueryEngine, RecordBatch, SchemaRef, sql_string};
use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// Rows as JSON objects, nulls written out (a table needs every column).
pub fn rows_json(batches: &[RecordBatch]) -> Result<Vec<Map<String, Value>>, ApiError> {
    let mut buf = Vec::new();
    {
        let mut writer: ArrayWriter<&mut Vec<u8>> = WriterBuilder::new()
            .with_explicit_nulls(true)
            .build(&mut buf);
        for b in batches {
            writer.write(b).map_err(ApiError::internal)?;
        }
        writer.finish().map_err(ApiError::internal)?;
    }
    if buf.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_slice(&buf).map_err(ApiError::internal)
}

fn columns_json(schema: &SchemaRef) -> Vec<Value> {
    schema
        .fields()
        .iter()
        .map(|f| json!({ "name": f.name(), "type": f.data_type().to_string() }))
        .collect()
}

/// Limits of the SQL endpoint.
#[derive(Debug, Clone, Copy)]
pub struct SqlLimits {
    pub max_rows: usize,
    pub timeout: std::time::Duration,
}

/// `GET|POST /api/sql`: one read-only statement, at most `max_rows` rows, within the time limit.
pub fn run_sql(
    engine: &QueryEngine,
    query: &str,
    max_rows: usize,
    limits: SqlLimits,
) -> Result<Value, ApiError> {
    if query.trim().is_empty() {
        return Err(ApiError::bad_request(
            "empty query; try: SELECT dataset, count(*) FROM events GROUP BY dataset",
        ));
    }
    let started = std::time::Instant::now();
    let out = engine.read_only(query, max_rows.min(limits.max_rows), limits.timeout)?;
    let rows = rows_json(&out.batches)?;
    Ok(json!({
        "columns": columns_json(&out.schema), "rows": rows, "row_count": rows.len(), "truncated": out.truncated,
        "max_rows": max_rows.min(limits.max_rows), "elapsed_ms": started.elapsed().as_secs_f64() * 1e3,
    }))
}

/// The columns the events table of the dashboard shows: what happened, who said so, and where the row came from.
const EVENT_COLUMNS: &str = "event_date, dataset, event_id, actor1_code, actor1_name, actor1_country_code, actor1_type1_code, \
     actor2_code, actor2_name, actor2_country_code, actor2_type1_code, event_code, event_text, quad_class, goldstein, avg_tone, \
     num_mentions, num_sources, num_articles, source_url, publisher, story_id, sentence_number, sentence_text, input_file, line_number";

/// Which way events must run: a → b, b → a, or either.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Reverse,
    Both,
}

impl std::str::FromStr for Direction {
    type Err = fulcrum_model::ValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ab" | "forward" => Ok(Direction::Forward),
            "ba" | "reverse" => Ok(Direction::Reverse),
            "both" => Ok(Direction::Both),
            _ => Err(fulcrum_model::ValueError::new(
                s,
                "a direction",
                "ab, ba or both",
            )),
        }
    }
}

/// `GET /api/events`: the stored events between two actors in a window, a page at a time, with the same matching
/// rule as the series (so the count of a period equals the `events` of its point when `dedup` is raw).
pub fn events(
    engine: &QueryEngine,
    actors: &[ActorSpec],
    selection: &Selection,
    direction: Direction,
    page: usize,
    page_size: usize,
) -> Result<Value, ApiError> {
    // First which rows match (the analysis columns only), then every column of the requested page alone: the
    // JSON is built for at most `page_size` rows, however many events the window holds.
    let matched: Vec<RowRef> = matching_rows(engine, actors, selection)?
        .into_iter()
        .filter(|(_, src, dst)| {
            matches!(
                (src, dst, direction),
                (0, 1, Direction::Forward | Direction::Both)
                    | (1, 0, Direction::Reverse | Direction::Both)
            )
        })
        .map(|(row, _, _)| row)
        .collect();
    let total = matched.len();
    let pages = total.div_ceil(page_size).max(1);
    if page > pages {
        return Err(ApiError::bad_request(format!(
            "page {page} is past the last page ({pages})"
        )));
    }
    let wanted = &matched[((page - 1) * page_size).min(total)..(page * page_size).min(total)];
    let rows: Vec<Value> = if wanted.is_empty() {
        Vec::new()
    } else {
        let keys: Vec<String> = wanted
            .iter()
            .map(|r| {
                let id = r.event_id.map_or("event_id IS NULL".to_string(), |id| {
                    format!("event_id = {id}")
                });
                format!(
                    "(input_file = {} AND line_number = {} AND {id})",
                    sql_string(&r.input_file),
                    r.line_number,
                )
            })
            .collect();
        let query = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE ({}) ORDER BY event_date, input_file, line_number, event_id",
            keys.join(" OR ")
        );
        let (_, batches) = engine.sql(&query)?;
        rows_json(&batches)?
            .into_iter()
            .map(Value::Object)
            .collect()
    };
    Ok(json!({
        "a": actors[0].label(), "b": actors[1].label(),
        "direction": match direction { Direction::Forward => "ab", Direction::Reverse => "ba", Direction::Both => "both" },
        "from": selection.from.map(iso_date), "to": selection.to.map(iso_date),
        "total": total, "page": page, "page_size": page_size, "pages": pages, "events": rows,
    }))
}
