//! Function URL requests (payload format 2.0) as HTTP: each is turned into an `http::Request`
//! for a router and its answer back into a function URL response. The collector's routes take
//! beacons (origins, DNT/GPC, bots, size limits and visitor keys follow `collect`'s rules
//! exactly; a view is put on the queue before its request is answered); the dashboard
//! function's take the dashboard's (lambda/dashboard.rs).

use aws_lambda_events::event::lambda_function_urls::{
    LambdaFunctionUrlRequest, LambdaFunctionUrlResponse,
};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Method, Request, Response, StatusCode};
use axum::Router;
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

/// The collector's routes, for a function that takes beacons.
pub(super) fn collector_app(collector: Arc<Collector>) -> App {
    App {
        router: routes::router(collector),
        max_body_bytes: MAX_BODY_BYTES,
    }
}

/// The routes a function URL request goes to, and the largest body handed to them.
#[derive(Clone)]
pub(super) struct App {
    pub router: Router,
    pub max_body_bytes: usize,
}

/// Answers one function URL request with `app`'s routes.
pub(super) async fn serve(
    app: &App,
    request: LambdaFunctionUrlRequest,
) -> LambdaFunctionUrlResponse {
    let request = match to_http(request, app.max_body_bytes) {
        Ok(request) => request,
        Err(why) => return text(StatusCode::BAD_REQUEST, why),
    };
    let response = app
        .router
        .clone()
        .oneshot(request)
        .await
        .unwrap_or_else(|never| match never {});
    from_http(response).await
}

/// The answer when the function cannot make its routes (no collector settings, no day's salt,
/// no dashboard token hash): the details go to the log only.
pub(super) fn unavailable(serves: &str, why: &str) -> LambdaFunctionUrlResponse {
    tracing::error!(
        why,
        "a function URL request, but the function cannot {serves}"
    );
    text(
        StatusCode::SERVICE_UNAVAILABLE,
        format!("this function does not {serves} (see its log)"),
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

/// The request as the routes take it. The client's address is the one the function URL saw (it
/// never leaves memory: it goes into the visitor key's hash and the rate limit). Payload format
/// 2.0 carries the cookies apart from the headers: they become one `Cookie` header again.
fn to_http(
    request: LambdaFunctionUrlRequest,
    max_body_bytes: usize,
) -> Result<Request<Body>, String> {
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
    if let Some(cookies) = request.cookies.filter(|cookies| !cookies.is_empty()) {
        let joined = HeaderValue::from_str(&cookies.join("; "))
            .map_err(|_| "a cookie that is not a header value".to_owned())?;
        headers.insert(header::COOKIE, joined);
    }
    // Lambda has already read the body, so an oversized one is refused before it is copied.
    let body = match body.len() > max_body_bytes {
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

/// The routes' answer as a function URL response: text as text, anything else (the GIF) in
/// base64; the cookies set in `cookies`, where a function URL takes them (its headers hold one
/// value per name).
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
    if let header::Entry::Occupied(set) = answer.headers.entry(header::SET_COOKIE) {
        let (_, values) = set.remove_entry_mult();
        answer.cookies = values
            .filter_map(|value| value.to_str().ok().map(str::to_owned))
            .collect();
    }
    if !bytes.is_empty() {
        answer.body = Some(match binary {
            true => base64::engine::general_purpose::STANDARD.encode(&bytes),
            false => String::from_utf8_lossy(&bytes).into_owned(),
        });
        answer.is_base64_encoded = binary;
    }
    answer
}
