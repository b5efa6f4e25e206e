//! The two kinds of cluster process, run by the `fulcrum` binary: an Apache DataFusion Ballista **scheduler**
//! (plans queries, hands tasks out, tracks executors) and **executors** (read Parquet and run tasks). Clients —
//! `fulcrum --cluster df://HOST:PORT …` — connect through `fulcrum-query`.
//!
//! Tasks are pulled: an executor asks the scheduler for work every 50 ms when idle, which is also its heartbeat,
//! so it needs one open port (Arrow Flight, for shuffle and results) and the scheduler never dials it. Every
//! process must see the store at the same absolute path: the scheduler lists and prunes the files, the executors
//! read them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use ballista_core::config::TaskSchedulingPolicy;

/// What can stop a cluster process.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("starting the runtime: {0}")]
    Runtime(#[from] std::io::Error),
    #[error("{0}")]
    Ballista(#[from] ballista_core::error::BallistaError),
    #[error("{0}")]
    Invalid(String),
}

/// The scheduler's settings.
#[derive(Debug, Clone)]
pub struct SchedulerOptions {
    /// Where it listens (gRPC for clients and executors, and `/healthz`, `/readyz`).
    pub bind: SocketAddr,
    /// An executor not heard from for this long is taken as lost and its tasks run elsewhere.
    pub executor_timeout_seconds: u64,
    /// `/readyz` answers 200 once this many executors are alive.
    pub min_executors: usize,
}

/// An executor's settings.
#[derive(Debug, Clone)]
pub struct ExecutorOptions {
    pub scheduler_host: String,
    pub scheduler_port: u16,
    /// The address to listen on (an IP) and the Arrow Flight port others fetch results and shuffle data from.
    pub bind_host: String,
    pub port: u16,
    /// The host name or IP others reach this executor by; default: the address the scheduler sees it connect from.
    pub external_host: Option<String>,
    /// Tasks run at once (0: every core).
    pub cores: usize,
    /// Memory for query operators, in bytes, shared by its tasks (they spill beyond it); default 70% of the
    /// machine's (or cgroup's) memory.
    pub memory: Option<u64>,
    /// Where shuffle and spill files go (default: a temporary folder).
    pub work_dir: Option<PathBuf>,
}

/// Shows Ballista's own log lines (which tasks an executor runs, executors joining and leaving) on stderr at info
/// level; `RUST_LOG` overrides.
pub fn init_logging() {
    let env = env_logger::Env::default().default_filter_or("info,datafusion=warn");
    let _ = env_logger::Builder::from_env(env)
        .format_target(false)
        .try_init();
}

/// A runtime like Ballista's own binaries': deep plans recurse, so threads get 32 MiB stacks.
fn runtime() -> Result<tokio::runtime::Runtime, ClusterError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 << 20)
        .build()?)
}

/// Runs a scheduler until the process is stopped.
pub fn run_scheduler(options: &SchedulerOptions) -> Result<(), ClusterError> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::{SchedulerConfig, TaskDistributionPolicy};
    use ballista_scheduler::scheduler_process::start_server;

    let timeout = options.executor_timeout_seconds.max(2);
    let config = SchedulerConfig {
        bind_host: options.bind.ip().to_string(),
        external_host: options.bind.ip().to_string(),
        bind_port: options.bind.port(),
        scheduling_policy: TaskSchedulingPolicy::PullStaged,
        task_distribution: TaskDistributionPolicy::RoundRobin,
        executor_timeout_seconds: timeout,
        expire_dead_executor_interval_seconds: (timeout / 5).clamp(1, 15),
        // A job waits this long for an executor to come back before it fails.
        no_executors_grace_period_seconds: timeout,
        min_ready_executors: options.min_executors,
        // The scheduler lists a store's files itself: it must reach object stores as the client does.
        override_session_builder: Some(Arc::new(|config| {
            let state = ballista_core::utils::default_session_builder(config)?;
            Ok(
                datafusion::execution::SessionStateBuilder::new_from_existing(state)
                    .with_runtime_env(fulcrum_query::runtime_env(None)?)
                    .build(),
            )
        })),
        ..Default::default()
    };
    runtime()?.block_on(async {
        let cluster = BallistaCluster::new_from_config(&config).await?;
        start_server(cluster, options.bind, Arc::new(config)).await?;
        Ok(())
    })
}

/// Runs an executor until the process is stopped (Ctrl-C, SIGTERM) or the scheduler tells it to stop.
pub fn run_executor(options: &ExecutorOptions) -> Result<(), ClusterError> {
    use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};

    if options.bind_host.parse::<std::net::IpAddr>().is_err() {
        return Err(ClusterError::Invalid(format!(
            "--bind takes an IP address (0.0.0.0, 127.0.0.1, …), not '{}'",
            options.bind_host
        )));
    }
    let config = ExecutorProcessConfig {
        bind_host: options.bind_host.clone(),
        external_host: options.external_host.clone(),
        port: options.port,
        // Bound only by push scheduling; kept apart from the Flight port all the same.
        grpc_port: options.port.wrapping_add(1),
        scheduler_host: options.scheduler_host.clone(),
        scheduler_port: options.scheduler_port,
        // Wait for a scheduler that is still starting (retried every 500 ms).
        scheduler_connect_timeout_seconds: 60,
        vcores: options.cores,
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        work_dir: options
            .work_dir
            .as_ref()
            .map(|d| d.to_string_lossy().into_owned()),
        memory_pool_size: options.memory,
        // Executors read the store's files: from this machine's file system or an object store (S3), with spill
        // files in the work dir. Ballista applies the memory pool on top.
        override_runtime_producer: Some({
            let work_dir = options
                .work_dir
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned());
            Arc::new(move |_config| fulcrum_query::runtime_env(work_dir.as_deref()))
        }),
        ..Default::default()
    };
    if let Some(dir) = &options.work_dir {
        std::fs::create_dir_all(dir)?;
    }
    runtime()?.block_on(async {
        start_executor_process(Arc::new(config)).await?;
        Ok(())
    })
}
