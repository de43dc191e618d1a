//! Which AWS operation a request is, and an error answer as the service would give it, for
//! each protocol the project's services speak: JSON with a target header (SQS, DynamoDB), REST
//! with JSON (Lambda, EventBridge Scheduler), REST with XML (S3) and the query protocol (IAM).

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Response, StatusCode};

/// The service a request is signed for: the fourth part of its SigV4 credential scope
/// (`Credential=KEY/20250101/us-east-1/lambda/aws4_request`).
fn service(parts: &http::request::Parts) -> String {
    parts
        .headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|scope| scope.split('/').nth(3))
        .unwrap_or_default()
        .to_owned()
}

/// The operation of a request, as AWS names it (`UploadPart`, `CreateFunction`), or "" when
/// it is none the tests script.
pub(super) fn operation(parts: &http::request::Parts, body: &[u8]) -> String {
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok());
    if let Some(target) = target {
        return target.rsplit('.').next().unwrap_or_default().to_owned();
    }
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let query = parts.uri.query().unwrap_or_default();
    let name = match service(parts).as_str() {
        "iam" => return query_action(body),
        "lambda" => lambda(method, path),
        "scheduler" => scheduler(method, path),
        "s3" => s3(method, path, query),
        _ => "",
    };
    name.to_owned()
}

/// The query protocol names the operation in the form body: `Action=CreateRole&...`.
fn query_action(body: &[u8]) -> String {
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
        .unwrap_or_default()
        .to_owned()
}

fn lambda(method: &str, path: &str) -> &'static str {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, parts.as_slice()) {
        ("POST", [_, "functions"]) => "CreateFunction",
        ("GET", [_, "functions", _]) => "GetFunction",
        ("DELETE", [_, "functions", _]) => "DeleteFunction",
        ("PUT", [_, "functions", _, "code"]) => "UpdateFunctionCode",
        ("PUT", [_, "functions", _, "configuration"]) => "UpdateFunctionConfiguration",
        ("POST", [_, "functions", _, "policy"]) => "AddPermission",
        ("POST", [_, "functions", _, "invocations"]) => "Invoke",
        ("GET", [_, "functions", _, "url"]) => "GetFunctionUrlConfig",
        ("POST", [_, "functions", _, "url"]) => "CreateFunctionUrlConfig",
        ("PUT", [_, "functions", _, "url"]) => "UpdateFunctionUrlConfig",
        ("POST", [_, "event-source-mappings"]) => "CreateEventSourceMapping",
        ("GET", [_, "event-source-mappings"]) => "ListEventSourceMappings",
        ("PUT", [_, "event-source-mappings", _]) => "UpdateEventSourceMapping",
        ("DELETE", [_, "event-source-mappings", _]) => "DeleteEventSourceMapping",
        _ => "",
    }
}

fn scheduler(method: &str, path: &str) -> &'static str {
    match (method, path.trim_matches('/').split('/').next()) {
        ("GET", Some("schedules")) => "GetSchedule",
        ("POST", Some("schedules")) => "CreateSchedule",
        ("PUT", Some("schedules")) => "UpdateSchedule",
        ("DELETE", Some("schedules")) => "DeleteSchedule",
        _ => "",
    }
}

/// Path-style S3 (`/bucket/key`), as the SDK addresses an endpoint it is given.
fn s3(method: &str, path: &str, query: &str) -> &'static str {
    let has = |name: &str| {
        query
            .split('&')
            .any(|pair| pair == name || pair.starts_with(&format!("{name}=")))
    };
    // `/bucket/` (a listing, as the SDK writes it) names no object.
    let object = path
        .trim_start_matches('/')
        .split_once('/')
        .is_some_and(|(_, key)| !key.is_empty());
    match (method, object) {
        ("PUT", true) if has("partNumber") => "UploadPart",
        ("PUT", true) => "PutObject",
        ("PUT", false) => "CreateBucket",
        ("POST", true) if has("uploads") => "CreateMultipartUpload",
        ("POST", true) if has("uploadId") => "CompleteMultipartUpload",
        ("DELETE", true) if has("uploadId") => "AbortMultipartUpload",
        ("DELETE", true) => "DeleteObject",
        ("GET", true) => "GetObject",
        ("GET", false) if has("list-type") => "ListObjectsV2",
        ("GET", false) => "ListObjects",
        ("HEAD", true) => "HeadObject",
        _ => "",
    }
}

fn answer(status: u16, content_type: &str, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

/// An error answer to `parts` in its service's protocol: the code and message the SDK reads.
pub(super) fn error(
    parts: &http::request::Parts,
    status: u16,
    code: &str,
    message: &str,
) -> Response<Full<Bytes>> {
    let json = || serde_json::json!({ "__type": code, "message": message }).to_string();
    if parts.headers.contains_key("x-amz-target") {
        return answer(status, "application/x-amz-json-1.0", json());
    }
    match service(parts).as_str() {
        "s3" => answer(
            status,
            "application/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
                 <Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>"
            ),
        ),
        "iam" => answer(
            status,
            "text/xml",
            format!(
                "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error>\
                 <Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
                 <RequestId>fault-proxy</RequestId></ErrorResponse>"
            ),
        ),
        _ => {
            let mut response = answer(status, "application/json", json());
            response
                .headers_mut()
                .insert("x-amzn-errortype", code.parse().unwrap());
            response
        }
    }
}
