//! Relations between states, measured from events. Pure functions: events in, series and tables out.
//! No I/O here; the questions layer (`fulcrum-questions`) loads events and hands them to these functions.
//!
//! The domain types (`Event`, `Period`, `ActorSpec`, `Dedup`, `Measure`) live in `fulcrum-model`; they are
//! re-exported here for convenience. Every formula is documented in `docs/relations.md`.

pub mod balance;
pub mod changepoint;
pub mod compare;
pub mod dyad;
pub mod ties;
pub mod triads;
pub mod var;

pub use fulcrum_model::actors;
pub use fulcrum_model::{Event, Period, code_key, iso_date};
