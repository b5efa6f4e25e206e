//! The dashboard's files, compiled into the binary. URLs are looked up in this fixed table, so no request can name a
//! file outside it (no path traversal), and the dashboard works offline: nothing is fetched from elsewhere.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

pub const OPENAPI: &str = include_str!("../web/openapi.json");

const FILES: &[(&str, &str, &str)] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../web/app.js"),
    ),
    (
        "map.js",
        "text/javascript; charset=utf-8",
        include_str!("../web/map.js"),
    ),
    (
        "check.js",
        "text/javascript; charset=utf-8",
        include_str!("../web/check.js"),
    ),
    (
        "chart.js",
        "text/javascript; charset=utf-8",
        include_str!("../web/chart.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../web/app.css"),
    ),
    ("icon.svg", "image/svg+xml", include_str!("../web/icon.svg")),
];

pub async fn index() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../web/index.html"),
    )
        .into_response()
}

pub async fn asset(Path(name): Path<String>) -> Result<Response, ApiError> {
    let (_, mime, body) = FILES
        .iter()
        .find(|(n, _, _)| *n == name)
        .ok_or_else(|| ApiError::not_found(format!("no such file: /assets/{name}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, *mime),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        *body,
    )
        .into_response())
}
