//! The data model every Fulcrum crate shares: the canonical event schema, the CAMEO reference tables, and the
//! domain types of analysis — [`Event`], [`Period`], [`actors::ActorSpec`] with its groups, the counting rule
//! [`Dedup`] and the series [`Measure`].
//!
//! Nothing here does I/O. Readers (`fulcrum-ingest`) fill [`EventRow`]s, the store writes the batches
//! [`EventBatchBuilder`] makes, and analysis reads the columns named in [`EVENT_COLUMNS`]. Every crate of the
//! workspace may depend on this one; it depends on none of them.

pub mod actors;
pub mod cameo;
pub mod resolve;
#[rustfmt::skip]
mod cameo_data;
mod columns;
mod dataset;
mod event;
mod period;
mod schema;
mod value;

pub use arrow_array;

pub use dataset::{Dataset, event_key};
pub use event::{Dedup, Event, Measure, code_key, code_of_key};
pub use period::{Period, iso_date};
pub use schema::{
    EVENT_COLUMNS, EventBatchBuilder, EventRow, MissingColumn, UTC, civil_from_days,
    days_from_civil, event_schema, parse_iso_date,
};
pub use value::{ValueError, parse_in_range};

/// A line that could not be stored, with everything needed to understand and repair it.
/// It goes to the store's quarantine table instead of being dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    pub line_number: u64,
    /// The line's bytes exactly as read (without the line ending).
    pub raw: Vec<u8>,
    /// What is wrong, typed: summaries group rejects by it (and the column) rather than by message text.
    pub kind: RejectKind,
    /// The column at fault, when one is.
    pub column: Option<String>,
    /// The whole explanation, with the offending value (the quarantine table's `reason`).
    pub reason: String,
}

/// Why a line was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectKind {
    InvalidUtf8,
    EmptyLine,
    /// Not the number of columns the format has.
    ColumnCount,
    /// A required value is empty.
    MissingValue,
    /// A value that does not parse (number, date, timestamp, flag, id).
    BadValue,
    /// A value that parses but is outside what the format allows (QuadClass 7).
    OutOfRange,
    /// A CAMEO event code the tables do not list.
    UnknownCode,
}

impl RejectKind {
    /// How summaries name the kind.
    pub fn describe(self) -> &'static str {
        match self {
            RejectKind::InvalidUtf8 => "invalid UTF-8",
            RejectKind::EmptyLine => "empty line",
            RejectKind::ColumnCount => "wrong number of columns",
            RejectKind::MissingValue => "missing value",
            RejectKind::BadValue => "bad value",
            RejectKind::OutOfRange => "value out of range",
            RejectKind::UnknownCode => "unknown CAMEO event code",
        }
    }
}
