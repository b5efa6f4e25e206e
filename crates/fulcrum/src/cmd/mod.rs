pub mod backtest;
pub mod balance;
pub mod changes;
pub mod cluster;
pub mod code;
pub mod dict;
pub mod dyad;
pub mod fetch;
pub mod forecast;
pub mod ingest;
pub mod relations;
pub mod serve;
pub mod sql;
pub mod stats;
pub mod triad;
pub mod triad_var;

/// Where a command finds its inputs: the store, and the dictionary folder (the coder's, and the actor roles that
/// resolve people and organisations to states).
pub struct Place {
    pub store: std::path::PathBuf,
    pub dict: std::path::PathBuf,
    /// The Ballista scheduler (`df://HOST:PORT`) that runs the store's reads, if any.
    pub cluster: Option<String>,
    /// How long a query on the cluster may take.
    pub cluster_timeout: std::time::Duration,
}

impl Place {
    /// The store opened for reading: in process, or on the cluster.
    pub fn engine(&self) -> anyhow::Result<fulcrum_query::QueryEngine> {
        use anyhow::Context;
        match &self.cluster {
            None => fulcrum_query::QueryEngine::open(&self.store)
                .with_context(|| format!("opening store {}", self.store.display())),
            Some(url) => {
                fulcrum_query::QueryEngine::connect(&self.store, url, self.cluster_timeout)
                    .with_context(|| {
                        format!(
                            "opening store {} on the cluster {url}",
                            self.store.display()
                        )
                    })
            }
        }
    }
}
