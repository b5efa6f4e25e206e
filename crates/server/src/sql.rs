//! The endpoints that ask the store itself: read-only SQL and the events behind a point (with sources and provenance).

use fulcrum_events::{Resolver, RowRef, Selection, matching_rows};
use fulcrum_model::actors::ActorSpec;
use fulcrum_model::iso_date;
use fulcrum_query::arrow::json::{ArrayWriter, WriterBuilder};
use fulcrum_query::{QueryEngine, RecordBatch, SchemaRef, sql_string};
use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// Rows turned into JSON so far (tests check that a page converts only its own rows).
#[cfg(test)]
static ROWS_CONVERTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Rows as JSON objects, nulls written out (a table needs every column).
pub fn rows_json(batches: &[RecordBatch]) -> Result<Vec<Map<String, Value>>, ApiError> {
    #[cfg(test)]
    ROWS_CONVERTED.fetch_add(
        batches.iter().map(RecordBatch::num_rows).sum(),
        std::sync::atomic::Ordering::Relaxed,
    );
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
/// Which events a listing is of.
pub struct Listing<'a> {
    pub actors: &'a [ActorSpec],
    pub selection: &'a Selection,
    pub resolver: Option<&'a Resolver>,
}

/// `actor1_resolved`/`actor2_resolved`: how a side stored without a state was resolved by name, or why not.
fn explain_resolution(row: &mut Map<String, Value>, resolver: &Resolver) {
    let day = row
        .get("event_date")
        .and_then(Value::as_str)
        .and_then(|d| fulcrum_model::parse_iso_date(d).ok());
    for side in ["actor1", "actor2"] {
        let stateless = row
            .get(&format!("{side}_country_code"))
            .is_none_or(Value::is_null);
        let name = row.get(&format!("{side}_name")).and_then(Value::as_str);
        let explained = match (stateless, name, day) {
            (true, Some(name), Some(day)) => Value::String(resolver.explain(name, day).to_string()),
            _ => Value::Null,
        };
        row.insert(format!("{side}_resolved"), explained);
    }
}

pub fn events(
    engine: &QueryEngine,
    listing: &Listing<'_>,
    direction: Direction,
    page: usize,
    page_size: usize,
) -> Result<Value, ApiError> {
    let (actors, selection) = (listing.actors, listing.selection);
    let resolver = listing.resolver.filter(|_| selection.resolve);
    // First which rows match (the analysis columns only), then every column of the requested page alone: the
    // JSON is built for at most `page_size` rows, however many events the window holds.
    let matched: Vec<RowRef> = matching_rows(engine, actors, selection, resolver)?
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
            .map(|mut row| {
                if let Some(r) = resolver {
                    explain_resolution(&mut row, r);
                }
                Value::Object(row)
            })
            .collect()
    };
    Ok(json!({
        "a": actors[0].label(), "b": actors[1].label(),
        "direction": match direction { Direction::Forward => "ab", Direction::Reverse => "ba", Direction::Both => "both" },
        "from": selection.from.map(iso_date), "to": selection.to.map(iso_date),
        "total": total, "page": page, "page_size": page_size, "pages": pages, "events": rows,
    }))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::atomic::Ordering;

    use super::*;

    /// A store with `n` events RUS → PAK on consecutive days of 2019.
    fn store(dir: &std::path::Path, n: usize) -> QueryEngine {
        commit_events(dir, 0, n);
        QueryEngine::open(dir).unwrap()
    }

    /// Commits one transaction of `n` events RUS → PAK with ids (and days after 2019-01-01) from `first`.
    pub(crate) fn commit_events(dir: &std::path::Path, first: usize, n: usize) {
        let mut builder = fulcrum_model::EventBatchBuilder::with_capacity(n);
        for i in first..first + n {
            builder
                .append(&fulcrum_model::EventRow {
                    event_id: Some(i as i64),
                    event_date: Some(17_897 + i as i32),
                    dataset: Some("gdelt2"),
                    actor1_country_code: Some("RUS"),
                    actor2_country_code: Some("PAK"),
                    event_code: Some("042"),
                    event_base_code: Some("042"),
                    event_root_code: Some("04"),
                    quad_class: Some(1),
                    goldstein: Some(1.9),
                    input_file: Some("fixture"),
                    line_number: Some(i as i64 + 1),
                    ..Default::default()
                })
                .unwrap();
        }
        let keys: Vec<u64> = (first as u64..(first + n) as u64).collect();
        let input = format!("fixture-{first}");
        let mut st = fulcrum_store::Store::open(dir.to_path_buf()).unwrap();
        let mut txn = st.begin(fulcrum_store::WriteOptions::default());
        txn.begin_input(&input, None);
        txn.write(&builder.finish(), &keys, Vec::new(), n as u64)
            .unwrap();
        txn.end_input(&input, None, "test").unwrap();
        txn.commit().unwrap();
    }

    #[test]
    fn a_page_of_events_turns_only_its_own_rows_into_json() {
        let dir = tempfile::tempdir().unwrap();
        let engine = store(dir.path(), 300);
        let actors: Vec<ActorSpec> = ["RUS", "PAK"]
            .iter()
            .map(|a| ActorSpec::parse(a).unwrap())
            .collect();
        let before = ROWS_CONVERTED.load(Ordering::Relaxed);
        let listing = Listing {
            actors: &actors,
            selection: &Selection::default(),
            resolver: None,
        };
        let page = events(&engine, &listing, Direction::Both, 3, 7).unwrap();
        let converted = ROWS_CONVERTED.load(Ordering::Relaxed) - before;
        assert_eq!(
            (page["total"].as_u64(), page["pages"].as_u64()),
            (Some(300), Some(43))
        );
        let ids: Vec<i64> = page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event_id"].as_i64().unwrap())
            .collect();
        assert_eq!(
            ids,
            (14..21).collect::<Vec<i64>>(),
            "the third page of seven, in date order"
        );
        assert_eq!(
            converted, 7,
            "only the page's rows become JSON, not all 300 matching rows"
        );
    }
}
