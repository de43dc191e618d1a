//! An HTTP proxy between the AWS SDK and moto that injects the faults a real service produces
//! and moto does not: throttling, 500 and 503 answers, reset connections, answers slower than
//! the client's timeout, answers lost after the call took effect, BatchWriteItem calls that
//! leave items unprocessed, and DeleteMessageBatch calls with failed entries.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a "slow" answer takes: past the 4 s attempt timeout the tests give the client
/// (moto itself needs a second or more for a large query).
const SLOW: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fault {
    Throttle,
    ServerError,
    Unavailable,
    Reset,
    Slow,
    LostAnswer,
    UnprocessedItems,
    FailedEntries,
}

struct State {
    upstream: String,
    rate: f64,
    rng: Mutex<ChaCha8Rng>,
    injected: Mutex<BTreeMap<Fault, u64>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// A running proxy: point AWS_ENDPOINT_URL at `endpoint`.
pub struct FaultProxy {
    pub endpoint: String,
    state: Arc<State>,
}

impl FaultProxy {
    /// Faults injected so far, by kind.
    pub fn injected(&self) -> BTreeMap<Fault, u64> {
        self.state.injected.lock().unwrap().clone()
    }
}

/// Starts a proxy to `upstream` that faults `rate` of the calls, chosen by a seeded generator.
pub fn start(upstream: &str, rate: f64, seed: u64) -> FaultProxy {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let state = Arc::new(State {
        upstream: upstream.to_owned(),
        rate,
        rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        injected: Mutex::default(),
        client: Client::builder(TokioExecutor::new()).build_http(),
    });
    let serving = state.clone();
    std::thread::spawn(move || runtime.block_on(serve(listener, serving)));
    FaultProxy { endpoint, state }
}

async fn serve(listener: tokio::net::TcpListener, state: Arc<State>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| handle(request, state.clone()));
            // An Err from the service drops the connection: that is how resets are injected.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl State {
    fn pick(&self, operation: &str) -> Option<Fault> {
        let mut rng = self.rng.lock().unwrap();
        if !rng.gen_bool(self.rate) {
            return None;
        }
        let mut choices = vec![
            Fault::Throttle,
            Fault::ServerError,
            Fault::Unavailable,
            Fault::Reset,
            Fault::LostAnswer,
        ];
        // A long poll is slow by design; the client's timeout allows for it.
        if operation != "ReceiveMessage" {
            choices.push(Fault::Slow);
        }
        match operation {
            "BatchWriteItem" => choices.extend([Fault::UnprocessedItems; 3]),
            "DeleteMessageBatch" => choices.extend([Fault::FailedEntries; 3]),
            _ => {}
        }
        let fault = choices[rng.gen_range(0..choices.len())];
        *self.injected.lock().unwrap().entry(fault).or_default() += 1;
        Some(fault)
    }

    async fn forward(
        &self,
        parts: &http::request::Parts,
        body: Bytes,
    ) -> std::io::Result<Response<Full<Bytes>>> {
        let uri = format!(
            "{}{}",
            self.upstream,
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        );
        let mut request = Request::builder().method(parts.method.clone()).uri(uri);
        for (name, value) in &parts.headers {
            if name != "content-length" && name != "host" {
                request = request.header(name, value);
            }
        }
        let request = request
            .body(Full::new(body))
            .map_err(std::io::Error::other)?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(std::io::Error::other)?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(std::io::Error::other)?
            .to_bytes();
        let mut response = Response::builder().status(parts.status);
        for (name, value) in &parts.headers {
            if name != "content-length" && name != "transfer-encoding" {
                response = response.header(name, value);
            }
        }
        response
            .body(Full::new(body))
            .map_err(std::io::Error::other)
    }
}

fn json_response(status: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .header("content-type", "application/x-amz-json-1.0")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn error_response(status: u16, code: &str) -> Response<Full<Bytes>> {
    json_response(
        status,
        serde_json::json!({ "__type": code, "message": "injected by the test proxy" }),
    )
}

async fn handle(
    request: Request<Incoming>,
    state: Arc<State>,
) -> std::io::Result<Response<Full<Bytes>>> {
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map_err(std::io::Error::other)?
        .to_bytes();
    let operation = parts
        .headers
        .get("x-amz-target")
        .and_then(|value| value.to_str().ok())
        .and_then(|target| target.rsplit('.').next())
        .unwrap_or_default()
        .to_owned();
    let reset = || std::io::Error::other("connection reset by the test proxy");
    match state.pick(&operation) {
        None => state.forward(&parts, body).await,
        Some(Fault::Throttle) => Ok(error_response(400, "ThrottlingException")),
        Some(Fault::ServerError) => Ok(error_response(500, "InternalServerError")),
        Some(Fault::Unavailable) => Ok(error_response(503, "ServiceUnavailable")),
        Some(Fault::Reset) => Err(reset()),
        Some(Fault::Slow) => {
            let answer = state.forward(&parts, body).await;
            tokio::time::sleep(SLOW).await;
            answer
        }
        Some(Fault::LostAnswer) => {
            state.forward(&parts, body).await?;
            Err(reset())
        }
        Some(Fault::UnprocessedItems) => unprocessed_items(&state, &parts, body).await,
        Some(Fault::FailedEntries) => failed_entries(&state, &parts, body).await,
    }
}

/// Writes the first half of each table's items and answers that the rest were unprocessed.
async fn unprocessed_items(
    state: &State,
    parts: &http::request::Parts,
    body: Bytes,
) -> std::io::Result<Response<Full<Bytes>>> {
    let mut request: Value = serde_json::from_slice(&body)?;
    let mut unprocessed = serde_json::Map::new();
    let tables = request["RequestItems"].as_object_mut().unwrap();
    for (table, items) in tables.iter_mut() {
        let items = items.as_array_mut().unwrap();
        let keep = items.len() / 2;
        unprocessed.insert(table.clone(), Value::Array(items.split_off(keep)));
    }
    tables.retain(|_, items| !items.as_array().unwrap().is_empty());
    let mut answer = if tables.is_empty() {
        serde_json::json!({})
    } else {
        let forwarded = state
            .forward(parts, Bytes::from(request.to_string()))
            .await?;
        let bytes = forwarded
            .into_body()
            .collect()
            .await
            .map_err(std::io::Error::other)?
            .to_bytes();
        serde_json::from_slice(&bytes)?
    };
    answer["UnprocessedItems"] = Value::Object(unprocessed);
    Ok(json_response(200, answer))
}

/// Deletes the first half of the entries and answers that the rest failed.
async fn failed_entries(
    state: &State,
    parts: &http::request::Parts,
    body: Bytes,
) -> std::io::Result<Response<Full<Bytes>>> {
    let mut request: Value = serde_json::from_slice(&body)?;
    let entries = request["Entries"].as_array_mut().unwrap();
    let keep = entries.len() / 2;
    let failed: Vec<Value> = entries
        .split_off(keep)
        .iter()
        .map(|entry| {
            serde_json::json!({
                "Id": entry["Id"], "SenderFault": false, "Code": "InternalError",
                "Message": "injected by the test proxy"
            })
        })
        .collect();
    let mut answer = if keep == 0 {
        serde_json::json!({ "Successful": [] })
    } else {
        let forwarded = state
            .forward(parts, Bytes::from(request.to_string()))
            .await?;
        let bytes = forwarded
            .into_body()
            .collect()
            .await
            .map_err(std::io::Error::other)?
            .to_bytes();
        serde_json::from_slice(&bytes)?
    };
    answer["Failed"] = Value::Array(failed);
    Ok(json_response(200, answer))
}
