//! Beacons through a function URL: each request is handed to the collector's own routes, so
//! origins, DNT/GPC, bots, size limits and visitor keys follow `collect`'s rules exactly; a
//! view is put on the queue before its request is answered.

use aws_lambda_events::event::lambda_function_urls::{
    LambdaFunctionUrlRequest, LambdaFunctionUrlResponse,
};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode};
use base64::Engine as _;
use lambda_runtime::tower::ServiceExt as _;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use crate::backend::Backend;
use crate::collect::buffer::ViewBuffer;
use crate::collect::metrics::Metrics;
use crate::collect::routes::{self, Collector, MAX_BODY_BYTES};
use crate::collect::{salt_keeper, Settings};

/// The collector of a function: views go straight to the queue. Fetching the day's salt here
/// makes a salts store the function cannot use fail the first request, not count views without
/// visitors.
pub async fn collector_for(
    backend: &Backend,
    settings: &Settings,
) -> anyhow::Result<Arc<Collector>> {
    let visitors = salt_keeper(backend).await?;
    // Per function instance: Lambda runs several, so the rate limit is per instance. The
    // function URL hands over the whole body: the body timeout never waits for one.
    Ok(Arc::new(Collector::new(
        settings,
        ViewBuffer::Direct(backend.queue.clone()),
        Arc::new(Metrics::new(1)),
        visitors,
        1,
    )))
}

/// Answers one function URL request with the collector's routes.
pub(super) async fn serve(
    collector: Arc<Collector>,
    request: LambdaFunctionUrlRequest,
) -> LambdaFunctionUrlResponse {
    let request = match to_http(request) {
        Ok(request) => request,
        Err(why) => return text(StatusCode::BAD_REQUEST, why),
    };
    let response = routes::router(collector)
        .oneshot(request)
        .await
        .unwrap_or_else(|never| match never {});
    from_http(response).await
}

/// The answer when the function has no collector settings (or cannot get the day's salt).
pub(super) fn unavailable(why: &str) -> LambdaFunctionUrlResponse {
    tracing::error!(why, "a beacon request, but the function cannot collect");
    text(
        StatusCode::SERVICE_UNAVAILABLE,
        "this function does not collect views (see its log)".to_owned(),
    )
}

fn text(status: StatusCode, body: String) -> LambdaFunctionUrlResponse {
    let mut response = LambdaFunctionUrlResponse::default();
    response.status_code = i64::from(status.as_u16());
    response.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response.body = Some(body);
    response
}

/// The request as the collector's routes take it. The client's address is the one the function
/// URL saw (it never leaves memory: it goes into the visitor key's hash and the rate limit).
fn to_http(request: LambdaFunctionUrlRequest) -> Result<Request<Body>, String> {
    let http = &request.request_context.http;
    let method = http.method.as_deref().unwrap_or("GET");
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| "bad method".to_owned())?;
    let path = request
        .raw_path
        .as_deref()
        .or(http.path.as_deref())
        .unwrap_or("/");
    let uri = match request.raw_query_string.as_deref() {
        Some(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    };
    let peer_ip = http
        .source_ip
        .as_deref()
        .and_then(|ip| ip.parse::<IpAddr>().ok())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let body = match (request.body, request.is_base64_encoded) {
        (None, _) => Vec::new(),
        (Some(body), false) => body.into_bytes(),
        (Some(body), true) => base64::engine::general_purpose::STANDARD
            .decode(body)
            .map_err(|_| "a body that is not base64".to_owned())?,
    };
    let mut headers = request.headers;
    // Function URLs give no Content-Length; the collector's size check reads it.
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    // Lambda has already read the body, so an oversized one is refused before it is copied.
    let body = match body.len() > MAX_BODY_BYTES {
        true => Body::empty(),
        false => Body::from(body),
    };
    let mut built = Request::builder()
        .method(method)
        .uri(uri)
        .body(body)
        .map_err(|err| format!("bad request: {err}"))?;
    *built.headers_mut() = headers;
    built
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(peer_ip, 0)));
    Ok(built)
}

/// The collector's answer as a function URL response: text as text, anything else (the GIF)
/// in base64.
async fn from_http(response: Response<Body>) -> LambdaFunctionUrlResponse {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut answer = LambdaFunctionUrlResponse::default();
    answer.status_code = i64::from(parts.status.as_u16());
    let binary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|kind| kind.starts_with("image/"));
    answer.headers = parts.headers;
    // A function URL manages its connections itself.
    answer.headers.remove(header::CONNECTION);
    if !bytes.is_empty() {
        answer.body = Some(match binary {
            true => base64::engine::general_purpose::STANDARD.encode(&bytes),
            false => String::from_utf8_lossy(&bytes).into_owned(),
        });
        answer.is_base64_encoded = binary;
    }
    answer
}
