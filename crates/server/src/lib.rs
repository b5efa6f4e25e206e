//! Fulcrum's HTTP API and web dashboard.
//!
//! [`Server::open`] reads a store: its analysis columns into an in-memory [`EventTable`] (for the relations
//! endpoints, which must answer in milliseconds) and a read-only [`QueryEngine`] (for SQL and the event drill-down,
//! which need every column) — together a [`Reading`]. [`router`] builds the axum application; [`serve`] runs it
//! until Ctrl-C; [`watch`] swaps in a new reading when a transaction is committed to the store, while requests in
//! flight finish on the reading they started with.
//!
//! Safety by default: the CLI binds to loopback; request bodies are capped; every request has a deadline; static
//! files come from a fixed table compiled into the binary (no file system path is ever built from a URL); no CORS
//! headers are sent; and nothing here can write to the store (no endpoint writes, SQL is parsed read-only).

mod api;
mod assets;
mod error;
mod params;
mod sql;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fulcrum_events::{EventTable, Resolver, TableLookup};
use fulcrum_query::QueryEngine;
use serde_json::Value;

pub use error::ApiError;
use params::Params;
pub use sql::SqlLimits;

/// Limits of a running server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body accepted (`POST /api/sql` and `POST /api/check` take one).
    pub max_body_bytes: usize,
    /// Deadline of every request.
    pub request_timeout: Duration,
    pub sql: SqlLimits,
    /// SQL queries and event drill-downs that may run at once (each can use every core).
    pub concurrent_scans: usize,
    /// Analyses (triad, changes, balance, VAR, forecast) that may run at once; more wait their turn.
    pub concurrent_analyses: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 * 1024,
            request_timeout: Duration::from_secs(30),
            sql: SqlLimits {
                max_rows: 10_000,
                timeout: Duration::from_secs(10),
            },
            concurrent_scans: 2,
            concurrent_analyses: 2,
        }
    }
}

/// One reading of the store, which every request answers from. A reload builds a new one and swaps it in; a request
/// keeps the reading it started with until it finishes, so no answer mixes two states of the store.
pub struct Reading {
    table: EventTable,
    /// Whether the table is the store's saved pair index (memory-mapped) rather than read from the Parquet files.
    from_pair_index: bool,
    engine: QueryEngine,
    inputs: usize,
    transactions: usize,
    /// The last committed transaction, which tells whether the store has changed since.
    last_transaction: Option<String>,
}

impl Reading {
    fn open(store: &Path, resolver: Option<&Resolver>) -> Result<Self, fulcrum_events::LoadError> {
        let engine = QueryEngine::open(store)?;
        let switched_off = std::env::var(fulcrum_questions::source::PAIR_INDEX_ENV)
            .is_ok_and(|v| v.eq_ignore_ascii_case("off"));
        // The pair index saved for this very snapshot is the table itself, memory-mapped: no Parquet to read. A
        // damaged one is said and read around.
        let saved = if switched_off {
            None
        } else {
            match EventTable::open_saved(engine.snapshot(), resolver, true) {
                Ok(TableLookup::Fresh(table)) => Some(*table),
                Ok(TableLookup::Missing | TableLookup::Stale) => None,
                Err(e) => {
                    eprintln!("warning: {e}; reading the store's Parquet files instead");
                    None
                }
            }
        };
        let from_pair_index = saved.is_some();
        let table = match saved {
            Some(table) => table,
            None => EventTable::from_store(&engine, resolver)?,
        };
        let manifest = &engine.snapshot().manifest;
        Ok(Reading {
            from_pair_index,
            inputs: manifest.inputs.len(),
            transactions: manifest.txns.len(),
            last_transaction: manifest.txns.last().map(|t| t.id.clone()),
            table,
            engine,
        })
    }

    /// Events held in memory.
    pub fn events(&self) -> usize {
        self.table.len()
    }

    /// Committed transactions of the store when it was read.
    pub fn transactions(&self) -> usize {
        self.transactions
    }

    /// Bytes the in-memory table holds (an estimate: see [`EventTable::heap_bytes`]).
    pub fn table_bytes(&self) -> usize {
        self.table.heap_bytes()
    }

    /// Whether the table was mapped from the store's saved pair index (else read from its Parquet files).
    pub fn from_pair_index(&self) -> bool {
        self.from_pair_index
    }
}

/// What a reload found.
#[derive(Debug, Clone, PartialEq)]
pub enum Reloaded {
    /// The store has no transaction the server has not read.
    Unchanged,
    /// New transactions were read and now answer every new request.
    Swapped {
        events_before: usize,
        events: usize,
        transactions: usize,
        seconds: f64,
    },
}

/// What the handlers share: the store's current reading, the limits and the work queues.
pub struct Server {
    store: PathBuf,
    /// Dated roles that resolve names to states in the reading's table; the event listing resolves and explains
    /// with them too.
    resolver: Option<Resolver>,
    current: RwLock<Arc<Reading>>,
    /// Readings swapped out but perhaps still used by requests in flight. Each is dropped by the reloader once it
    /// holds the last reference: a reading owns a query engine with its own runtime, which must not be dropped on
    /// an async worker (tokio forbids it), as the last request to finish with it would otherwise do.
    retired: Mutex<Vec<Arc<Reading>>>,
    /// The manifest file's stamp when last looked at: a cheap test before reading it.
    manifest_seen: Mutex<Option<ManifestStamp>>,
    limits: Limits,
    scans: tokio::sync::Semaphore,
    analyses: tokio::sync::Semaphore,
    /// The dictionary folder the claim check finds people with (read at the first check, not at start).
    dictionaries: Option<PathBuf>,
    claims: std::sync::OnceLock<api::ClaimReader>,
}

impl Server {
    /// Opens a store and reads its analysis columns into memory (blocking; call before starting the runtime).
    /// With a resolver, actors named only by name count as the state they act for (see `fulcrum_model::resolve`).
    pub fn open(
        store: &Path,
        limits: Limits,
        resolver: Option<Resolver>,
    ) -> Result<Self, fulcrum_events::LoadError> {
        let manifest_seen = manifest_stamp(store);
        let reading = Reading::open(store, resolver.as_ref())?;
        let (scans, analyses) = (
            limits.concurrent_scans.max(1),
            limits.concurrent_analyses.max(1),
        );
        Ok(Server {
            store: store.to_path_buf(),
            resolver,
            current: RwLock::new(Arc::new(reading)),
            retired: Mutex::new(Vec::new()),
            manifest_seen: Mutex::new(manifest_seen),
            limits,
            scans: tokio::sync::Semaphore::new(scans),
            analyses: tokio::sync::Semaphore::new(analyses),
            dictionaries: None,
            claims: std::sync::OnceLock::new(),
        })
    }

    /// Finds people in checked articles with the PETRARCH actors of this folder (when it loads).
    pub fn with_dictionaries(mut self, folder: PathBuf) -> Self {
        self.dictionaries = Some(folder);
        self
    }

    /// The claim reader, built at the first check.
    fn claim_reader(&self) -> &api::ClaimReader {
        self.claims.get_or_init(|| api::ClaimReader {
            dictionary: fulcrum_coder::claims::ClaimDictionary::builtin(),
            actors: self
                .dictionaries
                .as_deref()
                .filter(|d| d.is_dir())
                .and_then(|d| fulcrum_coder::Dictionaries::load(d).ok()),
        })
    }

    /// The reading new requests answer from.
    pub fn reading(&self) -> Arc<Reading> {
        // A poisoned lock only means a reload panicked after the swap; the reading inside is whole either way.
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Events held in memory (of the current reading).
    pub fn events(&self) -> usize {
        self.reading().events()
    }

    /// Bytes the current reading's in-memory table holds.
    pub fn table_bytes(&self) -> usize {
        self.reading().table_bytes()
    }

    /// Reads the store again if a transaction was committed since the current reading (blocking: call it off the
    /// async workers). The new reading is built beside the old one — for that moment both are in memory — and
    /// swapped in whole; requests already running finish on the old one. On an error the old reading stays.
    pub fn reload(&self) -> Result<Reloaded, fulcrum_events::LoadError> {
        self.drop_retired();
        // Held for the whole reload, so two calls never read and swap at once.
        let mut seen = self
            .manifest_seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let stamp = manifest_stamp(&self.store);
        if stamp.is_some() && *seen == stamp {
            return Ok(Reloaded::Unchanged);
        }
        let result = self.read_again();
        // After an error, try again at the next look even if the manifest does not change before it.
        *seen = if result.is_ok() { stamp } else { None };
        result
    }

    fn read_again(&self) -> Result<Reloaded, fulcrum_events::LoadError> {
        let old = self.reading();
        let snapshot = fulcrum_store::Snapshot::open(self.store.clone())
            .map_err(fulcrum_query::QueryError::from)?;
        let last = snapshot.manifest.txns.last().map(|t| t.id.as_str());
        if snapshot.manifest.txns.len() == old.transactions
            && last == old.last_transaction.as_deref()
        {
            return Ok(Reloaded::Unchanged);
        }
        let started = Instant::now();
        let new = Arc::new(Reading::open(&self.store, self.resolver.as_ref())?);
        let reloaded = Reloaded::Swapped {
            events_before: old.events(),
            events: new.events(),
            transactions: new.transactions,
            seconds: started.elapsed().as_secs_f64(),
        };
        {
            let mut current = self
                .current
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *current = new;
        }
        self.retired
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(old);
        Ok(reloaded)
    }

    /// Drops the swapped-out readings no request uses any more (here, off the async workers).
    fn drop_retired(&self) {
        let unused: Vec<Arc<Reading>> = {
            let mut retired = self
                .retired
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let (unused, used) = std::mem::take(&mut *retired)
                .into_iter()
                .partition(|r| Arc::strong_count(r) == 1);
            *retired = used;
            unused
        };
        drop(unused);
    }
}

/// What identifies a version of the manifest file without reading it: its size, modification time and (on Unix)
/// inode — a commit replaces the file by a rename, so the inode changes even when size and time would not.
type ManifestStamp = (u64, SystemTime, u64);

fn manifest_stamp(store: &Path) -> Option<ManifestStamp> {
    let meta = std::fs::metadata(fulcrum_store::StorePaths::new(store).manifest()).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0;
    Some((meta.len(), meta.modified().ok()?, inode))
}

type Shared = Arc<Server>;
type Json = Result<axum::Json<Value>, ApiError>;
type QueryMap = Query<HashMap<String, String>>;

/// Runs a CPU-heavy or blocking handler off the async workers, so quick requests keep flowing.
async fn blocking<F>(server: &Shared, scan: bool, f: F) -> Json
where
    F: FnOnce(&Server, &Reading) -> Result<Value, ApiError> + Send + 'static,
{
    let reading = server.reading();
    let _permit = if scan {
        Some(server.scans.acquire().await.map_err(ApiError::internal)?)
    } else {
        None
    };
    let s = server.clone();
    let value = tokio::task::spawn_blocking(move || f(&s, &reading))
        .await
        .map_err(ApiError::internal)??;
    Ok(axum::Json(value))
}

fn params(q: HashMap<String, String>, own: &[&str], window: bool) -> Result<Params, ApiError> {
    Params::new(q, own, window)
}

async fn health(State(s): State<Shared>) -> Json {
    let r = s.reading();
    Ok(axum::Json(
        serde_json::json!({ "status": "ok", "events": r.events(), "transactions": r.transactions }),
    ))
}

async fn stats(State(s): State<Shared>) -> Json {
    let r = s.reading();
    Ok(axum::Json(api::stats(&r.table, r.inputs, r.transactions)))
}

async fn actors(State(s): State<Shared>) -> Json {
    Ok(axum::Json(api::actors(&s.reading().table)))
}

/// The limits of one question: a work budget of the request's deadline.
fn question_limits(s: &Server) -> fulcrum_questions::Limits {
    fulcrum_questions::Limits::default().with_budget(s.limits.request_timeout)
}

async fn dyad(
    State(s): State<Shared>,
    Query(q): QueryMap,
) -> Result<axum::Json<api::DyadJson>, ApiError> {
    // The hot path: answered from the index in well under a millisecond, so on the async worker.
    Ok(axum::Json(api::dyad(
        &s.reading().table,
        &q,
        question_limits(&s),
    )?))
}

/// The questions whose work grows fast with their parameters (exact frustration over 2^(n-1) splits per period,
/// PELT, the VAR's bootstrap, forecast sample paths) run off the async workers, at most
/// `Limits::concurrent_analyses` at once, and stop at the request's deadline.
async fn analysis<F>(s: Shared, f: F) -> Json
where
    F: FnOnce(&Reading, fulcrum_questions::Limits) -> Result<Value, ApiError> + Send + 'static,
{
    // The reading is taken when the request arrives, before it waits its turn.
    let reading = s.reading();
    let _permit = s.analyses.acquire().await.map_err(ApiError::internal)?;
    let limits = question_limits(&s);
    let value = tokio::task::spawn_blocking(move || f(&reading, limits))
        .await
        .map_err(ApiError::internal)??;
    Ok(axum::Json(value))
}

async fn changes(State(s): State<Shared>, Query(q): QueryMap) -> Json {
    analysis(s, move |r, l| api::changes(&r.table, &q, l)).await
}

async fn balance(State(s): State<Shared>, Query(q): QueryMap) -> Json {
    analysis(s, move |r, l| api::balance(&r.table, &q, l)).await
}

async fn triad(State(s): State<Shared>, Query(q): QueryMap) -> Json {
    analysis(s, move |r, l| api::triad(&r.table, &q, l)).await
}

async fn var(State(s): State<Shared>, Query(q): QueryMap) -> Json {
    analysis(s, move |r, l| api::var(&r.table, &q, l)).await
}

async fn forecast(State(s): State<Shared>, Query(q): QueryMap) -> Json {
    analysis(s, move |r, l| api::forecast_dyad(&r.table, &q, l)).await
}

async fn check(State(s): State<Shared>, body: Bytes) -> Json {
    let server = s.clone();
    analysis(s, move |r, l| {
        api::check(&r.table, &r.engine, server.claim_reader(), &body, l)
    })
    .await
}

async fn relations_map(State(s): State<Shared>, Query(q): QueryMap) -> Json {
    analysis(s, move |r, l| api::relations_map(&r.table, &q, l)).await
}

async fn event_map(State(s): State<Shared>, Query(q): QueryMap) -> Json {
    // Coordinates are not in the in-memory table: a scan of the store, like the event listing.
    blocking(&s, true, move |s, r| {
        api::event_map(&r.engine, s.resolver.as_ref(), &q)
    })
    .await
}

/// The country shapes never change while the binary runs: built once, served from memory.
async fn map_shapes() -> Response {
    static SHAPES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let body = SHAPES.get_or_init(api::map_shapes).clone();
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

async fn events(State(s): State<Shared>, Query(q): QueryMap) -> Json {
    let p = params(
        q,
        &[
            "a",
            "b",
            "from",
            "to",
            "dataset",
            "direction",
            "page",
            "page_size",
            "no_resolve",
        ],
        false,
    )?;
    let actors = vec![p.actor("a")?, p.actor("b")?];
    let selection = p.selection()?;
    let direction: sql::Direction = p.parse("direction", sql::Direction::Both)?;
    let page = p.bounded("page", 1, 1, usize::MAX)?;
    let page_size = p.bounded("page_size", 50, 1, 500)?;
    blocking(&s, true, move |s, r| {
        let listing = sql::Listing {
            actors: &actors,
            selection: &selection,
            resolver: s.resolver.as_ref(),
        };
        sql::events(&r.engine, &listing, direction, page, page_size)
    })
    .await
}

async fn sql_get(State(s): State<Shared>, Query(q): QueryMap) -> Json {
    let p = params(q, &["q", "max_rows"], false)?;
    let query = p.required("q")?.to_string();
    let max_rows = p.bounded("max_rows", s.limits.sql.max_rows, 1, s.limits.sql.max_rows)?;
    blocking(&s, true, move |s, r| {
        sql::run_sql(&r.engine, &query, max_rows, s.limits.sql)
    })
    .await
}

/// `POST /api/sql` with `{"sql": "...", "max_rows": n}` (JSON) or the statement as plain text.
async fn sql_post(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Json {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (query, max_rows) =
        if is_json {
            let v: Value = serde_json::from_slice(&body)
                .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
            let query = v.get("sql").and_then(Value::as_str).ok_or_else(|| {
                ApiError::bad_request("the JSON body needs a string field \"sql\"")
            })?;
            let max_rows =
                match v.get("max_rows") {
                    None | Some(Value::Null) => s.limits.sql.max_rows,
                    Some(n) => n.as_u64().filter(|&n| n >= 1).ok_or_else(|| {
                        ApiError::bad_request("\"max_rows\" is a positive integer")
                    })? as usize,
                };
            (query.to_string(), max_rows)
        } else {
            let text = String::from_utf8(body.to_vec())
                .map_err(|_| ApiError::bad_request("the body is not UTF-8 text"))?;
            (text, s.limits.sql.max_rows)
        };
    blocking(&s, true, move |s, r| {
        sql::run_sql(&r.engine, &query, max_rows, s.limits.sql)
    })
    .await
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        assets::OPENAPI,
    )
        .into_response()
}

async fn not_found(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no such endpoint: {} {}; see /api/openapi.json",
        request.method(),
        request.uri().path()
    ))
}

/// Every response leaves with safe headers; errors that axum itself produces (a malformed query string, a body too
/// large, a wrong method) are turned into the same JSON shape as the API's own; and every request has a deadline.
async fn guard(State(s): State<Shared>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = match tokio::time::timeout(s.limits.request_timeout, next.run(request)).await
    {
        Ok(r) => r,
        Err(_) => ApiError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            message: format!(
                "the request took longer than {:?}; narrow the window or the query",
                s.limits.request_timeout
            ),
        }
        .into_response(),
    };
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let body = axum::body::to_bytes(std::mem::take(response.body_mut()), 64 * 1024)
            .await
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&body);
        let message = if text.trim().is_empty() {
            status.canonical_reason().unwrap_or("error").to_string()
        } else {
            text.trim().to_string()
        };
        response = (status, axum::Json(error::error_body(status, &message))).into_response();
    }
    let h = response.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; connect-src 'self'"),
    );
    h.insert(
        header::HeaderName::from_static("server-timing"),
        HeaderValue::from_str(&format!(
            "app;dur={:.2}",
            started.elapsed().as_secs_f64() * 1e3
        ))
        .unwrap_or(HeaderValue::from_static("app")),
    );
    response
}

/// The application: API under `/api`, the dashboard at `/`.
pub fn router(server: Arc<Server>) -> Router {
    let limits = server.limits;
    Router::new()
        .route("/api/health", get(health))
        .route("/api/stats", get(stats))
        .route("/api/actors", get(actors))
        .route("/api/dyad", get(dyad))
        .route("/api/changes", get(changes))
        .route("/api/balance", get(balance))
        .route("/api/triad", get(triad))
        .route("/api/var", get(var))
        .route("/api/forecast", get(forecast))
        .route("/api/map", get(relations_map))
        .route("/api/map/events", get(event_map))
        .route("/api/map/shapes", get(map_shapes))
        .route("/api/events", get(events))
        .route("/api/sql", get(sql_get).post(sql_post))
        .route("/api/check", axum::routing::post(check))
        .route("/api/openapi.json", get(openapi))
        .route("/", get(assets::index))
        .route("/assets/{name}", get(assets::asset))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(middleware::from_fn_with_state(server.clone(), guard))
        .with_state(server)
}

/// Serves until Ctrl-C (or SIGTERM), then finishes the requests in flight.
pub async fn serve(listener: tokio::net::TcpListener, server: Arc<Server>) -> std::io::Result<()> {
    axum::serve(listener, router(server))
        .with_graceful_shutdown(shutdown())
        .await
}

/// Looks for new transactions in the store every `every` and swaps in a new reading when there are (see
/// [`Server::reload`]); `report` hears of every swap and every failed attempt. Runs until the runtime stops.
pub async fn watch<F>(server: Arc<Server>, every: Duration, report: F)
where
    F: Fn(Result<Reloaded, fulcrum_events::LoadError>) + Send + 'static,
{
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await; // the first tick is immediate; the store was just read
    loop {
        ticks.tick().await;
        let s = server.clone();
        match tokio::task::spawn_blocking(move || s.reload()).await {
            Ok(Ok(Reloaded::Unchanged)) => {}
            Ok(result) => report(result),
            // The reload panicked (a bug): the old reading stays and serves on.
            Err(_) => {}
        }
    }
}

async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => return std::future::pending().await,
            };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// Whether an address is only reachable from this machine.
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reload_swaps_in_new_transactions_and_running_requests_keep_their_reading() {
        let dir = tempfile::tempdir().unwrap();
        sql::tests::commit_events(dir.path(), 0, 40);
        let server = Server::open(dir.path(), Limits::default(), None).unwrap();
        assert_eq!(server.reload().unwrap(), Reloaded::Unchanged);

        let in_flight = server.reading();
        sql::tests::commit_events(dir.path(), 40, 25);
        let Reloaded::Swapped {
            events_before,
            events,
            transactions,
            ..
        } = server.reload().unwrap()
        else {
            panic!("a new transaction is read")
        };
        assert_eq!((events_before, events, transactions), (40, 65, 2));
        assert_eq!(server.events(), 65, "new requests see the new transaction");
        assert_eq!(
            in_flight.events(),
            40,
            "a request in flight keeps its reading"
        );

        assert_eq!(server.reload().unwrap(), Reloaded::Unchanged);
        assert_eq!(server.retired.lock().unwrap().len(), 1, "kept while in use");
        drop(in_flight);
        server.reload().unwrap();
        assert!(
            server.retired.lock().unwrap().is_empty(),
            "dropped once unused"
        );
    }
}
