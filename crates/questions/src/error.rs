//! What can go wrong answering a question, typed, with the kind of fault so each front end can say it its way
//! (an exit code, an HTTP status, a Python exception).

use std::time::Duration;

use fulcrum_events::LoadError;
use fulcrum_model::actors::UnknownActor;

/// Whose fault an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request is wrong: a value, a missing parameter, a window the question cannot use.
    Invalid,
    /// The request is fine but the store holds nothing to answer it.
    NotFound,
    /// The question ran past its deadline.
    TimedOut,
    /// The store or the program failed.
    Internal,
}

#[derive(Debug, thiserror::Error)]
pub enum QuestionError {
    /// A parameter that is missing, unknown or malformed; the message names it and says what it takes.
    #[error("{0}")]
    Parameter(String),
    #[error(transparent)]
    Actor(#[from] UnknownActor),
    /// A parameter naming an actor that resolves to nothing.
    #[error("parameter '{key}': {error}")]
    ActorParameter { key: String, error: UnknownActor },
    #[error("'from' is after 'to' ({from} > {to})")]
    WindowReversed { from: String, to: String },
    #[error(
        "the window {from} .. {to} has {periods} {period}s, more than {max}: use a coarser 'by' (week, month) or a shorter window"
    )]
    TooManyPeriods {
        from: String,
        to: String,
        periods: usize,
        period: String,
        max: usize,
    },
    #[error("'break' {day} is outside the window {from} .. {to}")]
    BreakOutsideWindow {
        day: String,
        from: String,
        to: String,
    },
    /// The data cannot support the question as asked (too few periods for a model, a singular VAR).
    #[error("{0}")]
    Unanswerable(String),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Query(#[from] fulcrum_query::QueryError),
    #[error("opening store {store}{}: {error}", cluster.as_ref().map(|c| format!(" on the cluster {c}")).unwrap_or_default())]
    Open {
        store: String,
        cluster: Option<String>,
        // Boxed: the variant would otherwise make every `Result<_, QuestionError>` large (clippy::result_large_err).
        error: Box<fulcrum_query::QueryError>,
    },
    #[error("loading the TKG benchmark in {}: {error}", dir.display())]
    TkgLoad {
        dir: std::path::PathBuf,
        error: fulcrum_forecast::tkg::TkgError,
    },
    #[error(transparent)]
    Forecast(#[from] fulcrum_forecast::dyad::ForecastError),
    #[error(transparent)]
    Tkg(#[from] fulcrum_forecast::tkg::TkgError),
    #[error(
        "the question took longer than its limit of {0:?}; narrow the window, use a coarser 'by' or ask about fewer states"
    )]
    DeadlineExceeded(Duration),
}

impl QuestionError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            QuestionError::Load(LoadError::NoEvents { .. }) => ErrorKind::NotFound,
            QuestionError::Load(_)
            | QuestionError::Query(_)
            | QuestionError::Open { .. }
            | QuestionError::TkgLoad { .. }
            | QuestionError::Tkg(_) => ErrorKind::Internal,
            QuestionError::DeadlineExceeded(_) => ErrorKind::TimedOut,
            _ => ErrorKind::Invalid,
        }
    }
}
