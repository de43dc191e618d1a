//! An HTTP proxy between the AWS SDK and moto that injects the faults a real service produces
//! and moto does not: throttling, 500 and 503 answers, reset connections, answers slower than
//! the client's timeout, answers lost after the call took effect, BatchWriteItem calls that
//! leave items unprocessed, and DeleteMessageBatch calls with failed entries; at random, or
//! scripted for chosen calls of one operation of any service the project calls (every write
//! throttled, every write slow, a refusal from the third call on, one part of a multipart
//! upload slowed down, a function's creation throttled). protocol.rs tells the operations
//! apart and answers in each service's protocol.

mod protocol;

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
pub(crate) enum Fault {
    Throttle,
    ServerError,
    Unavailable,
    Reset,
    Slow,
    LostAnswer,
    UnprocessedItems,
    FailedEntries,
}

/// What a scripted rule does to a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// ThrottlingException (HTTP 400), nothing done.
    Throttle,
    /// The call is forwarded and done, and its answer comes this much later.
    Delay(Duration),
    /// An error answer, nothing done.
    Refuse {
        status: u16,
        code: &'static str,
        message: &'static str,
    },
    /// The call is forwarded and done, and the connection dropped before its answer.
    LoseAnswer,
}

/// A scripted fault: after `skip` calls of `operation` pass, the next `times` get `action`.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub operation: &'static str,
    pub action: Action,
    pub skip: u32,
    pub times: u32,
}

impl Rule {
    /// `action` for every call of `operation`.
    pub(crate) fn every(operation: &'static str, action: Action) -> Rule {
        Rule {
            operation,
            action,
            skip: 0,
            times: u32::MAX,
        }
    }
}

struct State {
    upstream: String,
    rate: f64,
    rules: Mutex<Vec<Rule>>,
    calls: Mutex<BTreeMap<String, u64>>,
    rng: Mutex<ChaCha8Rng>,
    injected: Mutex<BTreeMap<Fault, u64>>,
    /// The bodies of the calls of `RECORDED` operations, in order.
    recorded: Mutex<Vec<Bytes>>,
    client: Client<HttpConnector, Full<Bytes>>,
}

/// Operations whose request bodies the proxy keeps: a function's invocations of another (a
/// test runs them in its place, as moto does not).
const RECORDED: &str = "Invoke";

/// A running proxy: point AWS_ENDPOINT_URL at `endpoint`.
pub(crate) struct FaultProxy {
    pub endpoint: String,
    state: Arc<State>,
}

impl FaultProxy {
    /// Faults injected so far, by kind.
    pub(crate) fn injected(&self) -> BTreeMap<Fault, u64> {
        self.state.injected.lock().unwrap().clone()
    }

    /// The bodies of the Lambda invocations that reached the proxy so far, in order.
    pub(crate) fn invocations(&self) -> Vec<Bytes> {
        self.state.recorded.lock().unwrap().clone()
    }

    /// Calls of `operation` that reached the proxy so far, faulted or not.
    pub(crate) fn calls(&self, operation: &str) -> u64 {
        let calls = self.state.calls.lock().unwrap();
        calls.get(operation).copied().unwrap_or(0)
    }
}

/// Starts a proxy to `upstream` that faults `rate` of the calls, chosen by a seeded generator.
pub(crate) fn start(upstream: &str, rate: f64, seed: u64) -> FaultProxy {
    start_with(upstream, rate, seed, Vec::new())
}

/// Starts a proxy to `upstream` that applies `rules` and faults no other call.
pub(crate) fn scripted(upstream: &str, rules: Vec<Rule>) -> FaultProxy {
    start_with(upstream, 0.0, 0, rules)
}

fn start_with(upstream: &str, rate: f64, seed: u64, rules: Vec<Rule>) -> FaultProxy {
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
        rules: Mutex::new(rules),
        calls: Mutex::default(),
        rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
        injected: Mutex::default(),
        recorded: Mutex::default(),
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
    /// The scripted action for this call of `operation`, if a rule takes it.
    fn scripted(&self, operation: &str) -> Option<Action> {
        *self
            .calls
            .lock()
            .unwrap()
            .entry(operation.to_owned())
            .or_default() += 1;
        let mut rules = self.rules.lock().unwrap();
        let rule = rules
            .iter_mut()
            .find(|rule| rule.operation == operation && rule.times > 0)?;
        if rule.skip > 0 {
            rule.skip -= 1;
            return None;
        }
        rule.times -= 1;
        Some(rule.action)
    }

    fn pick(&self, operation: &str) -> Option<Fault> {
        if self.rate == 0.0 {
            return None;
        }
        let own = match operation {
            "BatchWriteItem" => Some(Fault::UnprocessedItems),
            "DeleteMessageBatch" => Some(Fault::FailedEntries),
            _ => None,
        };
        // The first call of an operation that has a fault of its own always gets it: a run
        // with few such calls still meets every fault, whatever order the calls came in.
        if let Some(fault) = own {
            if let std::collections::btree_map::Entry::Vacant(first) =
                self.injected.lock().unwrap().entry(fault)
            {
                first.insert(1);
                return Some(fault);
            }
        }
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
        if let Some(fault) = own {
            choices.extend([fault; 3]);
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
    let operation = protocol::operation(&parts, &body);
    if operation == RECORDED {
        state.recorded.lock().unwrap().push(body.clone());
    }
    let reset = || std::io::Error::other("connection reset by the test proxy");
    let injected = "injected by the test proxy";
    let error = |status: u16, code: &str| -> std::io::Result<Response<Full<Bytes>>> {
        Ok(protocol::error(&parts, status, code, injected))
    };
    match state.scripted(&operation) {
        None => {}
        Some(Action::Throttle) => return error(400, "ThrottlingException"),
        Some(Action::Refuse {
            status,
            code,
            message,
        }) => return Ok(protocol::error(&parts, status, code, message)),
        Some(Action::Delay(delay)) => {
            let answer = state.forward(&parts, body).await;
            tokio::time::sleep(delay).await;
            return answer;
        }
        Some(Action::LoseAnswer) => {
            state.forward(&parts, body).await?;
            return Err(reset());
        }
    }
    match state.pick(&operation) {
        None => state.forward(&parts, body).await,
        Some(Fault::Throttle) => error(400, "ThrottlingException"),
        Some(Fault::ServerError) => error(500, "InternalServerError"),
        Some(Fault::Unavailable) => error(503, "ServiceUnavailable"),
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
