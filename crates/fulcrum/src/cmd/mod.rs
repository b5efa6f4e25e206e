pub mod fetch;
pub mod ingest;
pub mod sql;
pub mod stats;
