pub mod balance;
pub mod dyad;
pub mod fetch;
pub mod ingest;
pub mod sql;
pub mod stats;
pub mod triad;
pub mod relations;
