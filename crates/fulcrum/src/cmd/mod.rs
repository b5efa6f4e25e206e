pub mod backtest;
pub mod balance;
pub mod changes;
pub mod check;
pub mod cluster;
pub mod code;
pub mod compact;
pub mod dict;
pub mod dyad;
pub mod fetch;
pub mod forecast;
pub mod ingest;
pub mod map;
pub mod push;
pub mod relations;
pub mod serve;
pub mod sql;
pub mod stats;
pub mod triad;
pub mod triad_var;

/// Where a command finds its inputs: the store, and the dictionary folder (the coder's, and the actor roles that
/// resolve people and organisations to states).
pub struct Place {
    pub store: fulcrum_store::StoreLocation,
    pub dict: std::path::PathBuf,
    /// The Ballista cluster that runs the store's reads, if any.
    pub cluster: Option<fulcrum_questions::Cluster>,
}

impl Place {
    /// The store's folder, for a command that reads or writes its files directly (`what`: "ingest writes").
    pub fn local_store(&self, what: &str) -> anyhow::Result<&std::path::Path> {
        Ok(self.store.require_local(what)?)
    }

    /// The store opened for reading: in process, or on the cluster.
    pub fn engine(&self) -> anyhow::Result<fulcrum_query::QueryEngine> {
        Ok(fulcrum_questions::open_store(
            &self.store,
            self.cluster.as_ref(),
        )?)
    }
}
