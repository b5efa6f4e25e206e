//! Streaming readers that turn GDELT 1.0/2.0, ICEWS and temporal-knowledge-graph files into Arrow batches
//! of the canonical event schema, with every rejected line kept and explained.
//!
//! The entry points are [`expand_inputs`] (command-line arguments → [`InputSpec`]s) and [`parse_input`]
//! (one input → ordered [`ParsedChunk`]s). This crate never writes: the store decides what to keep.

mod feed;
mod fields;
mod format;
mod months;
mod pipeline;
mod readers;
mod source;

pub use format::{Format, detect_format};
pub use fulcrum_model::Reject;
pub use months::MonthBatch;
pub use pipeline::{InputSummary, ParseFailure, ParseOptions, ParsedChunk, parse_input};
pub use readers::{TkgCalendar, TkgVocabulary, event_key};
pub use source::{Checksums, ExpandOptions, InputSpec, TkgContext, expand_inputs};

/// Why an input could not be read at all (as opposed to a bad line, which becomes a [`Reject`]).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{input}: {error}")]
    Io {
        input: String,
        error: std::io::Error,
    },
    #[error("{input}: corrupt or truncated archive: {reason}")]
    Corrupt { input: String, reason: String },
    #[error(
        "{input}: cannot tell the format from the first line ({first_line:?}); pass --format gdelt1|gdelt2|icews|tkg-ids|tkg-named"
    )]
    UnknownFormat { input: String, first_line: String },
    #[error("{input}: {reason}")]
    BadInput { input: String, reason: String },
}

impl IngestError {
    pub(crate) fn io(input: impl std::fmt::Display, source: std::io::Error) -> Self {
        IngestError::Io {
            input: input.to_string(),
            error: source,
        }
    }

    /// A read error in the middle of a stream usually means a damaged compressed file.
    pub(crate) fn from_read_error(input: &str, e: std::io::Error) -> Self {
        use std::io::ErrorKind::*;
        match e.kind() {
            UnexpectedEof | InvalidData | InvalidInput | Other => IngestError::Corrupt {
                input: input.to_string(),
                reason: e.to_string(),
            },
            _ => IngestError::io(input, e),
        }
    }
}
