//! `fulcrum cluster scheduler|executor`: the processes of an Apache DataFusion Ballista cluster that runs the
//! store's reads for `fulcrum --cluster df://HOST:PORT …` (the processes themselves are `fulcrum-cluster`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use fulcrum_cluster::{ExecutorOptions, SchedulerOptions};

const AFTER: &str = "\
A cluster is one scheduler and any number of executors; every process must see the store at the same
absolute path (a shared file system: NFS, a cluster file system, or one machine). Clients plan queries
and the scheduler hands their tasks to the executors, which read the Parquet files and send results
back to the client directly (Arrow Flight).

  machine A:   fulcrum cluster scheduler --bind 0.0.0.0:50050
  machine B:   fulcrum cluster executor --scheduler A:50050 --cores 8 --memory 16G --work-dir /scratch/fulcrum
  machine C:   fulcrum cluster executor --scheduler A:50050 --cores 8 --memory 16G --work-dir /scratch/fulcrum
  anywhere:    fulcrum --store /shared/fulcrum-store --cluster df://A:50050 balance RUS --between IND PAK

Ports: the scheduler's (50050) must be open to clients and executors; each executor's --port (50051) to
clients and the other executors. Nothing is encrypted or authenticated: run it inside a trusted network.
The scheduler answers GET /healthz and /readyz (200 once --min-executors are alive). Log lines go to
stderr (RUST_LOG=debug for more). docs/cluster.md has the details.";

/// Run the processes of a cluster that answers questions on stores too big for one machine.
#[derive(Args)]
#[command(after_help = AFTER)]
pub struct ClusterArgs {
    #[command(subcommand)]
    command: ClusterCommand,
}

#[derive(Subcommand)]
enum ClusterCommand {
    /// Run the scheduler: it plans queries, hands their tasks to executors and notices executors that leave.
    Scheduler(SchedulerArgs),
    /// Run an executor: it reads the store's Parquet files and runs tasks the scheduler hands it.
    Executor(ExecutorArgs),
}

#[derive(Args)]
struct SchedulerArgs {
    /// Address to listen on: clients and executors connect here.
    #[arg(long, default_value = "0.0.0.0:50050", value_name = "IP:PORT")]
    bind: SocketAddr,
    /// Seconds without word from an executor before it is taken as lost and its tasks run elsewhere.
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(2..))]
    executor_timeout: u64,
    /// Executors that must be alive before GET /readyz answers 200.
    #[arg(long, default_value_t = 1, value_name = "N")]
    min_executors: usize,
}

#[derive(Args)]
struct ExecutorArgs {
    /// The scheduler to work for.
    #[arg(long, value_name = "HOST:PORT")]
    scheduler: String,
    /// IP address to listen on.
    #[arg(long, default_value = "0.0.0.0", value_name = "IP")]
    bind: String,
    /// Arrow Flight port: clients and other executors fetch results and shuffle data here. One per executor.
    #[arg(long, default_value_t = 50051)]
    port: u16,
    /// Host name or IP the others reach this executor by (default: the address the scheduler sees it connect from).
    #[arg(long, value_name = "HOST")]
    external_host: Option<String>,
    /// Tasks run at once (0: every core).
    #[arg(long, default_value_t = 0, value_name = "N")]
    cores: usize,
    /// Memory for query operators, shared by the tasks, which spill to --work-dir beyond it: 16G, 512M, …
    /// (default: 70% of the machine's memory).
    #[arg(long, value_parser = parse_size, value_name = "SIZE")]
    memory: Option<u64>,
    /// Folder for shuffle and spill files (default: a temporary folder).
    #[arg(long, value_name = "DIR")]
    work_dir: Option<PathBuf>,
}

/// A size in bytes: a number with an optional K, M, G or T (powers of 1,024), e.g. `16G`, `512M`, `1.5G`.
fn parse_size(s: &str) -> Result<u64, fulcrum_model::ValueError> {
    let t = s.trim();
    let (number, unit) = match t.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&t[..i], t[i..].to_ascii_uppercase()),
        None => (t, String::new()),
    };
    let scale: u64 = match unit.trim_end_matches(['B', 'I']) {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => 0,
    };
    number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|n| *n > 0.0 && scale > 0)
        .map(|n| (n * scale as f64) as u64)
        .ok_or_else(|| {
            fulcrum_model::ValueError::new(s, "a size", "a number with K, M, G or T: 16G, 512M")
        })
}

pub fn run(args: ClusterArgs) -> Result<ExitCode> {
    fulcrum_cluster::init_logging();
    match args.command {
        ClusterCommand::Scheduler(a) => {
            eprintln!(
                "fulcrum cluster scheduler on {} (executor timeout {} s); clients: --cluster df://{}",
                a.bind,
                a.executor_timeout,
                if a.bind.ip().is_unspecified() {
                    format!("<this host>:{}", a.bind.port())
                } else {
                    a.bind.to_string()
                }
            );
            fulcrum_cluster::run_scheduler(&SchedulerOptions {
                bind: a.bind,
                executor_timeout_seconds: a.executor_timeout,
                min_executors: a.min_executors,
            })?;
        }
        ClusterCommand::Executor(a) => {
            let Some((host, port)) = a.scheduler.rsplit_once(':') else {
                bail!("--scheduler takes HOST:PORT, not '{}'", a.scheduler);
            };
            let Ok(port) = port.parse::<u16>() else {
                bail!("--scheduler takes HOST:PORT: '{port}' is not a port");
            };
            fulcrum_cluster::run_executor(&ExecutorOptions {
                scheduler_host: host.to_string(),
                scheduler_port: port,
                bind_host: a.bind,
                port: a.port,
                external_host: a.external_host,
                cores: a.cores,
                memory: a.memory,
                work_dir: a.work_dir,
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(parse_size("16G").unwrap(), 16 << 30);
        assert_eq!(parse_size("512m").unwrap(), 512 << 20);
        assert_eq!(parse_size("1.5GiB").unwrap(), 3 << 29);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        for bad in ["", "G", "-1G", "12X", "lots"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
