//! Where DataFusion finds a store's files: on this machine, or in an S3 bucket, whose client is made on first use
//! from the environment (`fulcrum_store::remote`). Every process that reads a store uses this registry: the CLI,
//! Python, and a cluster's scheduler and executors.

use std::sync::Arc;

use datafusion::error::DataFusionError;
use datafusion::execution::object_store::{DefaultObjectStoreRegistry, ObjectStoreRegistry};
use datafusion::execution::runtime_env::{RuntimeEnv, RuntimeEnvBuilder};
use object_store::ObjectStore;
use url::Url;

/// Local files, and S3 buckets on demand.
#[derive(Debug, Default)]
pub struct StoreObjects {
    known: DefaultObjectStoreRegistry,
}

impl ObjectStoreRegistry for StoreObjects {
    fn register_store(
        &self,
        url: &Url,
        store: Arc<dyn ObjectStore>,
    ) -> Option<Arc<dyn ObjectStore>> {
        self.known.register_store(url, store)
    }

    fn deregister_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        self.known.deregister_store(url)
    }

    fn get_store(&self, url: &Url) -> datafusion::error::Result<Arc<dyn ObjectStore>> {
        if url.scheme() != "s3" {
            return self.known.get_store(url);
        }
        if let Ok(store) = self.known.get_store(url) {
            return Ok(store);
        }
        let store = fulcrum_store::remote::object_store(url)
            .map_err(|e| DataFusionError::External(Box::new(e)))?;
        self.known.register_store(url, store.clone());
        Ok(store)
    }
}

/// A DataFusion runtime that reads stores wherever they are; spill files go to `temp_dir` when given.
pub fn runtime_env(temp_dir: Option<&str>) -> datafusion::error::Result<Arc<RuntimeEnv>> {
    let mut builder =
        RuntimeEnvBuilder::new().with_object_store_registry(Arc::new(StoreObjects::default()));
    if let Some(dir) = temp_dir {
        builder = builder.with_temp_file_path(dir);
    }
    builder.build_arc()
}
