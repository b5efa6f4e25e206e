//! The `fulcrum` command line. Thin: it parses arguments, calls the library crates and prints.

mod cmd;
mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fulcrum_store::StoreLocation;

const ABOUT: &str = "Fulcrum measures relations between states from event data (GDELT 1.0/2.0, ICEWS, \
temporal-knowledge-graph benchmarks): ingest it into a Parquet store, query it with SQL, fetch GDELT, \
measure dyads, balance and triads, and forecast.";

const EXAMPLES: &str = "\
Examples:
  # Load the sample files beside the project and look at what is there
  fulcrum ingest ../shared/data/gdelt2 ../shared/data/icews
  fulcrum stats

  # Who did what to whom: Russia and India, by month
  fulcrum sql \"SELECT year, month, actor1_country_code AS src, actor2_country_code AS dst,
                count(*) AS events, sum(goldstein) AS goldstein
         FROM events WHERE actor1_country_code IN ('RUS','IND') AND actor2_country_code IN ('RUS','IND')
         GROUP BY ALL ORDER BY ALL\"

  # Russia between India and Pakistan: tilt per month, and whether it shifted after Pulwama
  fulcrum balance RUS --between IND PAK --by month --break 2019-02-14
  fulcrum dyad RUS PAK --by week --dedup daily

  # What next? Forecast Russia → Pakistan events for 12 weeks, and score the models on the past
  fulcrum forecast dyad RUS PAK --by week --horizon 12 --plot rus-pak.svg
  fulcrum backtest dyad RUS PAK --by week --horizon 4

  # Next-event forecasting on a temporal-knowledge-graph benchmark (MRR, Hits@k)
  fulcrum forecast tkg --dataset ../shared/data/icews14/xerte

  # Look at it in a browser: the dashboard and the JSON API at http://127.0.0.1:8080/
  fulcrum serve

  # Fetch GDELT 2.0 around the Pulwama attack (needs network) and ingest it
  fulcrum fetch gdelt --version 2 --from 2019-02-10 --to 2019-02-20 --ingest

The store is a folder of Hive-partitioned Parquet (year=YYYY/month=MM/*.parquet) that DuckDB, Spark,
polars and DataFusion read as-is. Its location: --store, else $FULCRUM_STORE, else ./fulcrum-store.";

#[derive(Parser)]
#[command(name = "fulcrum", version, about = ABOUT, after_help = EXAMPLES)]
struct Cli {
    /// The store: a folder (a path or a file:// URL), or s3://BUCKET/PREFIX for one in S3 or an S3-compatible
    /// server (read-only: see `fulcrum push --help`).
    #[arg(
        long,
        global = true,
        env = "FULCRUM_STORE",
        default_value = "fulcrum-store",
        value_parser = fulcrum_store::store_location
    )]
    store: StoreLocation,

    /// The dictionary folder (PETRARCH-2 layout, `fulcrum dict fetch`): the coder's verbs and actors, and the
    /// dated roles that resolve people and organisations named only by name ("Vladimir Putin") to the state
    /// they act for. Without it, only actors stored with a state count.
    #[arg(
        long,
        global = true,
        env = "FULCRUM_DICT",
        default_value = "dictionaries"
    )]
    dict: PathBuf,

    /// Run the store's reads on an Apache DataFusion Ballista cluster: df://HOST:PORT of its scheduler (see
    /// `fulcrum cluster --help`). Used by sql, stats, dyad, balance, triad, changes, forecast dyad and backtest.
    #[arg(
        long,
        global = true,
        env = "FULCRUM_CLUSTER",
        value_name = "df://HOST:PORT"
    )]
    cluster: Option<String>,

    /// With --cluster: seconds a query may take before the client gives up on it (a cluster that lost an
    /// executor mid-query can stall a job).
    #[arg(long, global = true, env = "FULCRUM_CLUSTER_TIMEOUT", default_value_t = 600, value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..))]
    cluster_timeout: u64,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Ingest(cmd::ingest::IngestArgs),
    Sql(cmd::sql::SqlArgs),
    Stats(cmd::stats::StatsArgs),
    Fetch(cmd::fetch::FetchArgs),
    Dyad(cmd::dyad::DyadArgs),
    Balance(cmd::balance::BalanceArgs),
    Triad(cmd::triad::TriadArgs),
    Changes(cmd::changes::ChangesArgs),
    Map(cmd::map::MapArgs),
    /// Forecast: next events on a temporal knowledge graph, or a dyad's counts with intervals.
    Forecast(cmd::forecast::ForecastArgs),
    /// Backtest forecasts on the past (rolling origin).
    Backtest(cmd::backtest::BacktestArgs),
    Code(cmd::code::CodeArgs),
    /// The coder's dictionaries: fetch or check them.
    Dict(cmd::dict::DictArgs),
    Serve(cmd::serve::ServeArgs),
    Cluster(cmd::cluster::ClusterArgs),
    Push(cmd::push::PushArgs),
    Compact(cmd::compact::CompactArgs),
    Check(cmd::check::CheckArgs),
}

/// Output piped into `head` and closed early ends the program quietly, as it ends `cat`: Rust ignores SIGPIPE, so
/// every print to the closed pipe would panic instead. Not for `serve`, whose sockets must outlive a client that
/// leaves early.
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: restores a signal's default disposition at start-up, before the program starts any thread.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve(_) | Command::Cluster(_)) {
        quiet_on_closed_pipe();
    }
    let at = cmd::Place {
        store: cli.store.clone(),
        dict: cli.dict.clone(),
        cluster: cli.cluster.clone().map(|url| fulcrum_questions::Cluster {
            url,
            timeout: std::time::Duration::from_secs(cli.cluster_timeout),
        }),
    };
    let result = match cli.command {
        Command::Ingest(args) => at
            .local_store("ingest writes")
            .and_then(|store| cmd::ingest::run(store, args)),
        Command::Sql(args) => cmd::sql::run(&at, args),
        Command::Stats(args) => cmd::stats::run(&at, args),
        Command::Fetch(args) => at
            .local_store("fetch --ingest writes")
            .and_then(|store| cmd::fetch::run(store, args)),
        Command::Dyad(args) => cmd::dyad::run(&at, args),
        Command::Balance(args) => cmd::balance::run(&at, args),
        Command::Triad(args) => cmd::triad::run(&at, args),
        Command::Changes(args) => cmd::changes::run(&at, args),
        Command::Map(args) => cmd::map::run(&at, args),
        Command::Forecast(args) => cmd::forecast::run(&at, args),
        Command::Backtest(args) => cmd::backtest::run(&at, args),
        Command::Code(args) => cmd::code::run(&at, args),
        Command::Dict(args) => cmd::dict::run(&at, args),
        Command::Serve(args) => cmd::serve::run(&at, args),
        Command::Cluster(args) => cmd::cluster::run(args),
        Command::Push(args) => cmd::push::run(&at, args),
        Command::Compact(args) => cmd::compact::run(&at, args),
        Command::Check(args) => cmd::check::run(&at, args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
