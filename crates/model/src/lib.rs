//! The data model every Fulcrum crate shares: the canonical event schema and the CAMEO reference tables.
//!
//! Nothing here does I/O. Readers (`fulcrum-ingest`) fill [`EventRow`]s, the store writes the batches
//! [`EventBatchBuilder`] makes, and analysis reads the columns named in [`EVENT_COLUMNS`].

pub mod cameo;
#[rustfmt::skip]
mod cameo_data;
mod dataset;
mod schema;

pub use dataset::Dataset;
pub use schema::{EVENT_COLUMNS, EventBatchBuilder, EventRow, civil_from_days, days_from_civil, event_schema, UTC};
