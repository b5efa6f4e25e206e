//! Errors as the API returns them: a status and a message that says what to fix, always as JSON.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An API error: `{"error": {"status": 400, "message": "..."}}`.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    /// Something the server should have handled; the details go to its log, not to the client.
    pub fn internal(error: impl std::fmt::Display) -> Self {
        eprintln!("internal error: {error}");
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "internal error; see the server's log".into(),
        }
    }
}

/// The JSON body of an error response.
pub fn error_body(status: StatusCode, message: &str) -> serde_json::Value {
    serde_json::json!({ "error": { "status": status.as_u16(), "message": message } })
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            axum::Json(error_body(self.status, &self.message)),
        )
            .into_response()
    }
}

impl From<fulcrum_events::LoadError> for ApiError {
    fn from(e: fulcrum_events::LoadError) -> Self {
        match e {
            fulcrum_events::LoadError::NoEvents { .. } => ApiError::not_found(e.to_string()),
            other => ApiError::internal(other),
        }
    }
}

impl From<fulcrum_questions::QuestionError> for ApiError {
    fn from(e: fulcrum_questions::QuestionError) -> Self {
        use fulcrum_questions::ErrorKind;
        let status = match e.kind() {
            ErrorKind::Invalid => StatusCode::BAD_REQUEST,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::TimedOut => StatusCode::SERVICE_UNAVAILABLE,
            ErrorKind::Internal => return ApiError::internal(e),
        };
        ApiError {
            status,
            message: e.to_string(),
        }
    }
}

impl From<fulcrum_query::QueryError> for ApiError {
    fn from(e: fulcrum_query::QueryError) -> Self {
        use fulcrum_query::QueryError as Q;
        match e {
            Q::NotReadOnly(_) => ApiError {
                status: StatusCode::FORBIDDEN,
                message: e.to_string(),
            },
            Q::TimedOut(_) => ApiError {
                status: StatusCode::REQUEST_TIMEOUT,
                message: e.to_string(),
            },
            // Planning and parsing errors are the query's fault: say so with DataFusion's message.
            Q::DataFusion(inner) => {
                ApiError::bad_request(format!("the query failed: {}", inner.strip_backtrace()))
            }
            other => ApiError::internal(other),
        }
    }
}
