//! SQL over a Fulcrum store, with Apache DataFusion, and result output in the formats analysts use.
//!
//! Tables: `events` (the canonical schema plus the partition columns `year` and `month`, both zero-padded
//! strings, as in the folder names) and `quarantine` (rejected lines). See `ARCHITECTURE.md` for why
//! DataFusion.
//!
//! A query runs in process ([`QueryEngine::open`]) or on an Apache DataFusion Ballista cluster
//! ([`QueryEngine::connect`]): the same tables, the same SQL, planned here and run by the cluster's executors.

mod objects;
mod output;

use std::path::Path;
use std::sync::Arc;

pub use arrow::array::RecordBatch;
use arrow::datatypes::DataType;
pub use arrow::datatypes::SchemaRef;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::ListingOptions;
use datafusion::prelude::{SessionConfig, SessionContext};
use fulcrum_model::event_schema;
use fulcrum_store::{Snapshot, StoreLocation, quarantine_schema};

pub use arrow;
pub use objects::{StoreObjects, runtime_env};
pub use output::{OutputFormat, write_batches};

/// Errors of the query layer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    DataFusion(#[from] datafusion::error::DataFusionError),
    #[error(transparent)]
    Arrow(#[from] arrow::error::ArrowError),
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
    #[error(transparent)]
    Store(#[from] fulcrum_store::StoreError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Invalid(String),
    #[error(
        "no column '{column}'{}; `fulcrum sql --schema` lists every table and column",
        if nearest.is_empty() { String::new() } else { format!(" — did you mean {}?", nearest.join(", ")) }
    )]
    UnknownColumn {
        column: String,
        nearest: Vec<String>,
    },
    #[error("only a single SELECT (or WITH … SELECT, EXPLAIN, SHOW, DESCRIBE) can run here: {0}")]
    NotReadOnly(String),
    #[error(
        "the query ran longer than the limit of {0:?}; add filters (event_date, dataset) or an aggregate"
    )]
    TimedOut(std::time::Duration),
    #[error(
        "'{0}' is not a cluster address: give df://HOST:PORT (the scheduler started by `fulcrum cluster scheduler`)"
    )]
    ClusterUrl(String),
    #[error(
        "the cluster did not answer within {0:?} (--cluster-timeout): its job may have stalled after an executor was \
         lost mid-query, which Ballista 55 does not always recover from (the scheduler's log says); run it again"
    )]
    ClusterTimedOut(std::time::Duration),
}

/// The result of [`QueryEngine::read_only`]: at most `max_rows` rows, and whether more were left.
pub struct Bounded {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
    pub truncated: bool,
}

pub type Result<T, E = QueryError> = std::result::Result<T, E>;

/// A query session over one store snapshot.
pub struct QueryEngine {
    ctx: SessionContext,
    runtime: tokio::runtime::Runtime,
    snapshot: Snapshot,
    /// On a cluster: how long a query may take before the client gives up on it.
    cluster_timeout: Option<std::time::Duration>,
}

/// The partition columns, as DataFusion sees them. Strings, not integers: the folders are zero-padded
/// (`month=02`) and an integer type would make `month = 2` silently match nothing.
fn partition_cols() -> Vec<(String, DataType)> {
    vec![
        ("year".into(), DataType::Utf8),
        ("month".into(), DataType::Utf8),
    ]
}

fn dir_url(path: &Path) -> Result<String> {
    let abs = std::path::absolute(path)?;
    let mut s = abs.to_string_lossy().into_owned();
    if !s.ends_with('/') {
        s.push('/');
    }
    Ok(s)
}

/// The SQL name of a quarantine column's type.
fn sql_type(t: &DataType) -> &'static str {
    match t {
        DataType::Int8 | DataType::Int16 | DataType::Int32 => "INT",
        DataType::Int64 => "BIGINT",
        DataType::UInt8 | DataType::UInt16 | DataType::UInt32 => "INT UNSIGNED",
        DataType::UInt64 => "BIGINT UNSIGNED",
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => "BYTEA",
        DataType::Float32 | DataType::Float64 => "DOUBLE",
        _ => "VARCHAR",
    }
}

/// A planning error, with an unknown column said once, with the nearest names, instead of DataFusion's message
/// (which lists every column of the table, and can repeat through its context chain).
fn planning_error(e: datafusion::error::DataFusionError) -> QueryError {
    use datafusion::common::SchemaError;
    use datafusion::common::utils::datafusion_strsim::levenshtein;
    use datafusion::error::DataFusionError;
    if let DataFusionError::SchemaError(schema_error, _) = e.find_root()
        && let SchemaError::FieldNotFound {
            field,
            valid_fields,
        } = schema_error.as_ref()
    {
        let wanted = field.name.to_lowercase();
        let mut names: Vec<(usize, &str)> = valid_fields
            .iter()
            .map(|c| {
                (
                    levenshtein(&wanted, &c.name.to_lowercase()),
                    c.name.as_str(),
                )
            })
            .collect();
        names.sort();
        names.dedup_by(|a, b| a.1 == b.1);
        // Close enough to be a typo: at most a third of the name's letters differ.
        let nearest = names
            .iter()
            .filter(|(d, _)| *d <= wanted.chars().count().div_ceil(3).max(2))
            .take(3)
            .map(|(_, n)| n.to_string())
            .collect();
        return QueryError::UnknownColumn {
            column: field.name.clone(),
            nearest,
        };
    }
    QueryError::DataFusion(e)
}

impl QueryEngine {
    /// Opens a store on this machine for querying (read-only).
    pub fn open(store: &Path) -> Result<Self> {
        Self::open_at(&StoreLocation::Local(store.to_path_buf()))
    }

    /// Opens a store for querying (read-only), on this machine or in an object store.
    pub fn open_at(store: &StoreLocation) -> Result<Self> {
        let snapshot = Snapshot::open_at(store)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        let config = SessionConfig::new().with_information_schema(true);
        let ctx = SessionContext::new_with_config_rt(config, runtime_env(None)?);
        let engine = QueryEngine {
            ctx,
            runtime,
            snapshot,
            cluster_timeout: None,
        };
        engine.register()?;
        Ok(engine)
    }

    /// Opens a store for querying on a Ballista cluster (`df://HOST:PORT`, the scheduler). The scheduler and every
    /// executor must see the store at the same absolute path as this process, or reach the same object store
    /// (with the same credentials in their environment): they list and read its files themselves. Results come back as from [`QueryEngine::open`], except that strings are `Utf8`, never
    /// `Utf8View`. A query that takes longer than `timeout` fails with [`QueryError::ClusterTimedOut`] rather than
    /// wait for ever on a job the cluster lost.
    pub fn connect(
        store: &StoreLocation,
        cluster: &str,
        timeout: std::time::Duration,
    ) -> Result<Self> {
        use ballista::prelude::{SessionConfigExt, SessionContextExt};
        use datafusion::execution::SessionStateBuilder;
        let address = cluster.strip_prefix("df://").unwrap_or_default();
        let valid = address
            .rsplit_once(':')
            .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok());
        if !valid {
            return Err(QueryError::ClusterUrl(cluster.to_string()));
        }
        let snapshot = match store {
            StoreLocation::Local(path) => Snapshot::open(std::path::absolute(path)?)?,
            remote => Snapshot::open_at(remote)?,
        };
        // Deep plans recurse when they are (de)serialised: 32 MiB stacks, as Ballista's own processes have.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_stack_size(32 << 20)
            .build()?;
        let config = SessionConfig::new_with_ballista()
            .with_information_schema(true)
            // One partition per task, so a question's scan spreads over every executor's cores rather than
            // filling the first executor's.
            .set_usize("ballista.scheduler.max_partitions_per_task", 1);
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime_env(None)?)
            .with_default_features()
            .build();
        let ctx = runtime.block_on(SessionContext::remote_with_state(cluster, state))?;
        let engine = QueryEngine {
            ctx,
            runtime,
            snapshot,
            cluster_timeout: Some(timeout),
        };
        engine.register()?;
        Ok(engine)
    }

    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    fn register(&self) -> Result<()> {
        let events = ListingOptions::new(Arc::new(ParquetFormat::default()))
            .with_file_extension(".parquet")
            .with_table_partition_cols(partition_cols());
        let quarantine = ListingOptions::new(Arc::new(ParquetFormat::default()))
            .with_file_extension(".quarantine");
        let (root, quarantine_url) = match &self.snapshot.location {
            StoreLocation::Local(path) => {
                let dir = fulcrum_store::StorePaths::new(path.clone()).quarantine_dir();
                let url = if dir.is_dir() {
                    Some(dir_url(&dir)?)
                } else {
                    None
                };
                (dir_url(path)?, url)
            }
            StoreLocation::Remote(url) => {
                let quarantined = self.snapshot.quarantine_files().next().is_some();
                let dir = format!("{url}{}/quarantine/", fulcrum_store::META_DIR);
                (url.to_string(), quarantined.then_some(dir))
            }
        };
        self.runtime.block_on(async {
            self.ctx
                .register_listing_table("events", &root, events, Some(event_schema()), None)
                .await?;
            if let Some(url) = quarantine_url {
                self.ctx
                    .register_listing_table(
                        "quarantine",
                        &url,
                        quarantine,
                        Some(quarantine_schema()),
                        None,
                    )
                    .await?;
            } else {
                // Reading never writes to the store: an empty table stands in for a missing folder. A view, not
                // an in-memory table, so a cluster can plan it too.
                let columns: Vec<String> = quarantine_schema()
                    .fields()
                    .iter()
                    .map(|f| format!("CAST(NULL AS {}) AS {}", sql_type(f.data_type()), f.name()))
                    .collect();
                self.ctx
                    .sql(&format!(
                        "CREATE VIEW quarantine AS SELECT {} WHERE false",
                        columns.join(", ")
                    ))
                    .await?;
            }
            Ok::<_, QueryError>(())
        })
    }

    /// Runs one SQL statement and collects its result.
    pub fn sql(&self, query: &str) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        self.runtime.block_on(async {
            let run = async {
                let df = self.ctx.sql(query).await.map_err(planning_error)?;
                let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
                let batches = df.collect().await?;
                Ok((schema, batches))
            };
            match self.cluster_timeout {
                Some(limit) => tokio::time::timeout(limit, run)
                    .await
                    .map_err(|_| QueryError::ClusterTimedOut(limit))?,
                None => run.await,
            }
        })
    }

    /// Runs one SQL statement and hands its result to `each`, batch by batch as it is produced, never holding the
    /// whole result (for reading a big store into another form).
    pub fn sql_each<E: From<QueryError>>(
        &self,
        query: &str,
        mut each: impl FnMut(RecordBatch) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        use futures::StreamExt;
        self.runtime.block_on(async {
            let df = self.ctx.sql(query).await.map_err(planning_error)?;
            let mut stream = df
                .execute_stream()
                .await
                .map_err(|e| E::from(QueryError::from(e)))?;
            while let Some(batch) = stream.next().await {
                each(batch.map_err(|e| E::from(QueryError::from(e)))?)?;
            }
            Ok(())
        })
    }

    /// Runs one untrusted statement read-only: no DDL (CREATE, DROP), no DML (INSERT, COPY), no SET; tables are only
    /// the store's (`events`, `quarantine`, `information_schema`): file paths as table names are not enabled.
    /// Stops after `max_rows` rows and after `limit` of wall time.
    pub fn read_only(
        &self,
        query: &str,
        max_rows: usize,
        limit: std::time::Duration,
    ) -> Result<Bounded> {
        use futures::StreamExt;
        let options = datafusion::execution::context::SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        self.runtime.block_on(async {
            let run = async {
                // Plan first, then ask the planner's own check whether the plan is read-only: a refusal is told
                // apart from a query that does not plan by where it came from, not by its wording.
                let plan = self
                    .ctx
                    .state()
                    .create_logical_plan(query)
                    .await
                    .map_err(planning_error)?;
                options
                    .verify_plan(&plan)
                    .map_err(|e| QueryError::NotReadOnly(e.strip_backtrace()))?;
                let df = self.ctx.execute_logical_plan(plan).await?;
                let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
                let mut stream = df.execute_stream().await?;
                let (mut batches, mut rows, mut truncated) = (Vec::new(), 0usize, false);
                while let Some(batch) = stream.next().await {
                    let batch = batch?;
                    let room = max_rows - rows;
                    if batch.num_rows() > room {
                        batches.push(batch.slice(0, room));
                        truncated = true;
                        break;
                    }
                    rows += batch.num_rows();
                    batches.push(batch);
                }
                Ok(Bounded {
                    schema,
                    batches,
                    truncated,
                })
            };
            tokio::time::timeout(limit, run)
                .await
                .map_err(|_| QueryError::TimedOut(limit))?
        })
    }

    /// Every table with its columns and their types, for `fulcrum sql --schema`.
    pub fn describe(&self) -> Result<Vec<(String, SchemaRef)>> {
        let mut out = Vec::new();
        for table in ["events", "quarantine"] {
            let schema = self.runtime.block_on(async {
                let df = self.ctx.table(table).await?;
                Ok::<_, QueryError>(Arc::new(df.schema().as_arrow().clone()) as SchemaRef)
            })?;
            out.push((table.to_string(), schema));
        }
        Ok(out)
    }

    /// Runs a query that returns one row with one integer or float column.
    pub fn scalar_f64(&self, query: &str) -> Result<Option<f64>> {
        let (_, batches) = self.sql(query)?;
        let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
            return Ok(None);
        };
        let col = arrow::compute::cast(batch.column(0), &DataType::Float64)?;
        let col = col
            .as_any()
            .downcast_ref::<arrow::array::Float64Array>()
            .expect("cast to f64");
        Ok((!col.is_null(0)).then(|| col.value(0)))
    }
}

/// Quotes a string literal for SQL.
pub fn sql_string(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

use arrow::array::Array as _;
