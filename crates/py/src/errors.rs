//! Errors as Python exceptions: one class per kind of fault, the message exactly what the CLI prints after
//! `error: `.

use fulcrum_events::LoadError;
use fulcrum_intake::IntakeError;
use fulcrum_query::QueryError;
use fulcrum_questions::{ErrorKind, QuestionError};
use fulcrum_store::StoreError;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    fulcrum,
    FulcrumError,
    PyException,
    "Every error Fulcrum raises; the message is what the CLI prints."
);
create_exception!(
    fulcrum,
    InvalidRequestError,
    FulcrumError,
    "A parameter is missing, unknown or malformed, or the window cannot be used."
);
create_exception!(
    fulcrum,
    UnknownActorError,
    InvalidRequestError,
    "An actor that is neither a CAMEO code, a known name, an actor code nor a group."
);
create_exception!(
    fulcrum,
    NoDataError,
    FulcrumError,
    "The request is fine but the store holds no events to answer it."
);
create_exception!(
    fulcrum,
    StoreNotFoundError,
    FulcrumError,
    "There is no store at the path: ingest something first."
);
create_exception!(
    fulcrum,
    StoreLockedError,
    FulcrumError,
    "Another process is writing to the store (an ingest is running)."
);
create_exception!(
    fulcrum,
    TooManyRejectsError,
    FulcrumError,
    "Ingest stopped: more rows were quarantined than max_reject_rate allows."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("FulcrumError", py.get_type::<FulcrumError>())?;
    m.add("InvalidRequestError", py.get_type::<InvalidRequestError>())?;
    m.add("UnknownActorError", py.get_type::<UnknownActorError>())?;
    m.add("NoDataError", py.get_type::<NoDataError>())?;
    m.add("StoreNotFoundError", py.get_type::<StoreNotFoundError>())?;
    m.add("StoreLockedError", py.get_type::<StoreLockedError>())?;
    m.add("TooManyRejectsError", py.get_type::<TooManyRejectsError>())?;
    Ok(())
}

/// What went wrong, by kind.
enum Fault {
    Invalid,
    UnknownActor,
    NoData,
    StoreMissing,
    StoreLocked,
    TooManyRejects,
    Other,
}

fn store_fault(e: &StoreError) -> Option<Fault> {
    match e {
        StoreError::Locked(_) => Some(Fault::StoreLocked),
        StoreError::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
            Some(Fault::StoreMissing)
        }
        _ => None,
    }
}

fn query_fault(e: &QueryError) -> Option<Fault> {
    match e {
        QueryError::Store(s) => store_fault(s),
        QueryError::UnknownColumn { .. }
        | QueryError::NotReadOnly(_)
        | QueryError::Invalid(_)
        | QueryError::ClusterUrl(_) => Some(Fault::Invalid),
        _ => None,
    }
}

fn load_fault(e: &LoadError) -> Option<Fault> {
    match e {
        LoadError::NoEvents { .. } => Some(Fault::NoData),
        LoadError::Query(q) => query_fault(q),
        _ => None,
    }
}

/// The kind of the first link of the chain that says one.
fn fault(e: &anyhow::Error) -> Fault {
    for link in e.chain() {
        let found = if let Some(q) = link.downcast_ref::<QuestionError>() {
            match q {
                QuestionError::Actor(_) | QuestionError::ActorParameter { .. } => {
                    Some(Fault::UnknownActor)
                }
                QuestionError::Open { error, .. } => query_fault(error),
                QuestionError::Query(error) => query_fault(error),
                QuestionError::Load(l) => load_fault(l).or(Some(Fault::Other)),
                other => match other.kind() {
                    ErrorKind::Invalid => Some(Fault::Invalid),
                    ErrorKind::NotFound => Some(Fault::NoData),
                    ErrorKind::TimedOut | ErrorKind::Internal => None,
                },
            }
        } else if let Some(i) = link.downcast_ref::<IntakeError>() {
            match i {
                IntakeError::Open { error, .. } => store_fault(error),
                IntakeError::TooManyRejects { .. } => Some(Fault::TooManyRejects),
                _ => None,
            }
        } else if let Some(q) = link.downcast_ref::<QueryError>() {
            query_fault(q)
        } else if let Some(s) = link.downcast_ref::<StoreError>() {
            store_fault(s)
        } else if let Some(l) = link.downcast_ref::<LoadError>() {
            load_fault(l)
        } else if link
            .downcast_ref::<fulcrum_model::actors::UnknownActor>()
            .is_some()
        {
            Some(Fault::UnknownActor)
        } else {
            None
        };
        if let Some(f) = found {
            return f;
        }
    }
    Fault::Other
}

/// The Python exception for an error: its class by kind, its message as the CLI prints it (`{:#}`: the
/// contexts and causes joined by ": ").
pub fn to_py(e: anyhow::Error) -> PyErr {
    let message = format!("{e:#}");
    match fault(&e) {
        Fault::Invalid => InvalidRequestError::new_err(message),
        Fault::UnknownActor => UnknownActorError::new_err(message),
        Fault::NoData => NoDataError::new_err(message),
        Fault::StoreMissing => StoreNotFoundError::new_err(message),
        Fault::StoreLocked => StoreLockedError::new_err(message),
        Fault::TooManyRejects => TooManyRejectsError::new_err(message),
        Fault::Other => FulcrumError::new_err(message),
    }
}
