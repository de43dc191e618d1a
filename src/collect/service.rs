//! The collector's routes that take no view: the tracking script, the CORS preflight, health,
//! metrics and the answer to every other path.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::collect::metrics::DropReason;
use crate::collect::routes::{Shared, CROSS_ORIGIN_RESOURCE_POLICY, SCRIPT};

/// CORS preflight, for clients that post `application/json` (the snippet sends text/plain and
/// needs none).
pub(super) async fn preflight(State(collector): Shared, headers: HeaderMap) -> Response {
    let origin = match collector.origins.admit(&headers) {
        Ok(admitted) => admitted.allow_origin,
        Err(why) => {
            collector.metrics.dropped(DropReason::Origin);
            return (StatusCode::FORBIDDEN, why).into_response();
        }
    };
    (
        StatusCode::NO_CONTENT,
        [
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, origin),
            (
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            ),
            (
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type"),
            ),
            (
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            ),
            (header::VARY, HeaderValue::from_static("Origin")),
        ],
    )
        .into_response()
}

pub(super) async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
            (CROSS_ORIGIN_RESOURCE_POLICY, "cross-origin"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// 200 while the buffer has room; 503 when it is full, so a load balancer sends views to
/// another collector until the queue catches up.
pub(super) async fn health(State(collector): Shared) -> Response {
    if collector.buffer.has_room() {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "buffer full: the queue is not keeping up\n",
        )
            .into_response()
    }
}

pub(super) async fn metrics(State(collector): Shared) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        collector.metrics.render(),
    )
        .into_response()
}

pub(super) async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "not found: views go to POST /v1/view or GET /v1/view.gif, downloads to \
         GET /v1/download?url=; see also /pageviews.js, /healthz, /metrics\n",
    )
        .into_response()
}
