//! `fulcrum serve`: the HTTP API and the web dashboard over a store.

use crate::cmd::Place;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use fulcrum_server::{Limits, Reloaded, Server, SqlLimits};

const AFTER: &str = "\
Open the printed address in a browser: pick states (type to search, or a group such as SCO), a period and a
granularity; click a point of the chart to list the events behind it, with links to their sources.

The API (JSON; described at /api/openapi.json):
  GET  /api/stats, /api/actors                   what the store holds
  GET  /api/dyad?a=RUS&b=IND&by=month            both directions of a dyad, with change points
  GET  /api/balance?third=RUS&a=IND&b=PAK        the balancer view (tilt), with &break=YYYY-MM-DD a shift test
  GET  /api/triad?states=RUS,IND,PAK             signed triangles and structural balance per period
  GET  /api/changes, /api/var, /api/forecast     change points, triangular VAR, dyad forecasts
  GET  /api/events?a=RUS&b=IND&from=…&to=…       the events behind a point, paged, with sources and provenance
  GET  /api/sql?q=SELECT…  (or POST the query)   read-only SQL over the events table, with row and time limits
  POST /api/check  {\"text\": …, \"date\": …}    an article's claims about relations tested (as `fulcrum check`)
Window parameters everywhere: from, to (YYYY-MM-DD), by (day|week|month), dataset (comma-separated), dedup.

The server reads the store at start (at most 16 bytes of memory per event; it prints how many) and never writes to it;
when `fulcrum compact` has saved the store's pair index for its current snapshot, it maps that instead of reading
the Parquet files, and starts in seconds on a big store (FULCRUM_PAIR_INDEX=off reads the files anyway). Every
--reload-every seconds it looks at the store's manifest; when an ingest or fetch has committed since, it reads the
store again beside the old reading (for that moment both are in memory) and swaps it in: new requests see the new
data, requests already running finish on the old reading. It binds to loopback; give --addr 0.0.0.0:PORT only on a
network you trust: there is no authentication.

Examples:
  fulcrum --store icews18-store serve
  fulcrum serve --addr 127.0.0.1:9000 --sql-timeout 30
  curl 'http://127.0.0.1:8080/api/balance?third=RUS&a=IND&b=PAK&by=month'";

/// Serve the HTTP API and the web dashboard (read-only).
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Most rows a SQL query returns.
    #[arg(long, default_value_t = 10_000)]
    max_rows: usize,
    /// Seconds a SQL query may run.
    #[arg(long, default_value_t = 10)]
    sql_timeout: u64,
    /// Seconds any request may take.
    #[arg(long, default_value_t = 30)]
    request_timeout: u64,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    max_body: usize,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Seconds between looks for newly committed data (0: never; read the store once).
    #[arg(long, default_value_t = 2.0, value_name = "SECONDS")]
    reload_every: f64,
}

/// One line on standard error per swap or failed reload.
fn report_reload(result: std::result::Result<Reloaded, fulcrum_events::LoadError>) {
    match result {
        Ok(Reloaded::Swapped {
            events_before,
            events,
            transactions,
            seconds,
        }) => eprintln!(
            "reloaded: {events} events (was {events_before}) after transaction {transactions}, read in {seconds:.1} s"
        ),
        Ok(Reloaded::Unchanged) => {}
        Err(e) => {
            eprintln!("warning: could not read the store's new data (still serving the old): {e}")
        }
    }
}

pub fn run(at: &Place, args: ServeArgs) -> Result<ExitCode> {
    if !(args.reload_every.is_finite() && args.reload_every >= 0.0) {
        anyhow::bail!(
            "--reload-every is a number of seconds, 0 or more (0: never reload); got {}",
            args.reload_every
        );
    }
    let store = at.local_store("serve reads")?;
    let limits = Limits {
        max_body_bytes: args.max_body,
        request_timeout: Duration::from_secs(args.request_timeout.max(1)),
        sql: SqlLimits {
            max_rows: args.max_rows.max(1),
            timeout: Duration::from_secs(args.sql_timeout.max(1)),
        },
        ..Limits::default()
    };
    let started = Instant::now();
    let spinner = crate::progress::spinner(&format!("reading {}", store.display()));
    let server = Server::open(
        store,
        limits,
        Some(crate::cmd::relations::resolver(&at.dict)),
    )
    .with_context(|| format!("opening store {}", store.display()));
    spinner.finish_and_clear();
    let server = Arc::new(server?.with_dictionaries(at.dict.clone()));
    let (events, bytes) = (server.events(), server.table_bytes());
    let how = if server.reading().from_pair_index() {
        "mapped the pair index of"
    } else {
        "read"
    };
    eprintln!(
        "{how} {events} events in {:.1} s (in memory: {:.1} MiB, {:.1} bytes per event)",
        started.elapsed().as_secs_f64(),
        bytes as f64 / 1048576.0,
        bytes as f64 / events.max(1) as f64
    );
    if !fulcrum_server::is_loopback(&args.addr) {
        eprintln!(
            "warning: listening on {} — reachable from other machines, with no authentication",
            args.addr
        );
    }
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.threads {
        runtime.worker_threads(n.max(1));
    }
    let runtime = runtime.enable_all().build()?;
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("listening on {}", args.addr))?;
        let local = listener.local_addr()?;
        // One line on stdout with the address, for people and for scripts that start the server on port 0.
        println!("serving http://{local}/ (Ctrl-C to stop)");
        if args.reload_every > 0.0 {
            let every = Duration::from_secs_f64(args.reload_every.max(0.1));
            tokio::spawn(fulcrum_server::watch(server.clone(), every, report_reload));
        }
        fulcrum_server::serve(listener, server.clone())
            .await
            .context("serving")
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
    // The last reference to the server (and the query engine's own runtime) is dropped here, outside any runtime.
    drop(server);
    result.map(|_| ExitCode::SUCCESS)
}
