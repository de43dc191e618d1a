//! A small Lambda Runtime API for tests: hands invocations to the function process that polls
//! it (`GET /2018-06-01/runtime/invocation/next`, with the request id and deadline headers)
//! and takes back its answers (`POST .../{id}/response` or `.../{id}/error`).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{mpsc, oneshot};

const PREFIX: &str = "/2018-06-01/runtime/invocation/";

/// What the function answered to one invocation.
#[derive(Debug)]
pub(crate) enum Answer {
    Response(Value),
    Error(Value),
}

/// One invocation's answer and how long the function took from fetching it to answering.
#[derive(Debug)]
pub(crate) struct Answered {
    pub answer: Answer,
    pub handler_time: Duration,
}

impl Answered {
    /// The response, or a panic naming the error the function reported.
    pub(crate) fn response(self) -> Value {
        match self.answer {
            Answer::Response(value) => value,
            Answer::Error(error) => panic!("the function reported an error: {error}"),
        }
    }
}

struct Pending {
    id: String,
    deadline_ms: u64,
    payload: Value,
}

struct State {
    next: tokio::sync::Mutex<mpsc::UnboundedReceiver<Pending>>,
    waiting: Mutex<HashMap<String, (Instant, oneshot::Sender<Answered>)>>,
    fetched_at: Mutex<HashMap<String, Instant>>,
    first_poll: Mutex<Option<Instant>>,
}

/// A running Runtime API; give its `address` to the function as AWS_LAMBDA_RUNTIME_API.
pub(crate) struct RuntimeApi {
    pub address: SocketAddr,
    queue: mpsc::UnboundedSender<Pending>,
    state: Arc<State>,
    count: std::sync::atomic::AtomicU64,
}

impl RuntimeApi {
    pub(crate) async fn start() -> RuntimeApi {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (queue, next) = mpsc::unbounded_channel();
        let state = Arc::new(State {
            next: tokio::sync::Mutex::new(next),
            waiting: Mutex::new(HashMap::new()),
            fetched_at: Mutex::new(HashMap::new()),
            first_poll: Mutex::new(None),
        });
        let serving = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let state = serving.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let state = state.clone();
                        async move { Ok::<_, std::convert::Infallible>(route(&state, request).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        RuntimeApi {
            address,
            queue,
            state,
            count: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// When the function first asked for an invocation (its cold start ends there).
    pub(crate) fn first_poll(&self) -> Option<Instant> {
        *self.state.first_poll.lock().unwrap()
    }

    /// Invokes the function with `payload` and a deadline `timeout` from now; waits for its
    /// answer (at most the timeout and a little more).
    pub(crate) async fn invoke(&self, payload: Value, timeout: Duration) -> Answered {
        let n = self
            .count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("request-{n}");
        let deadline = SystemTime::now() + timeout;
        let deadline_ms = deadline.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let (sender, receiver) = oneshot::channel();
        self.state
            .waiting
            .lock()
            .unwrap()
            .insert(id.clone(), (Instant::now(), sender));
        self.queue
            .send(Pending {
                id,
                deadline_ms,
                payload,
            })
            .unwrap();
        tokio::time::timeout(timeout + Duration::from_secs(30), receiver)
            .await
            .expect("the function answers before its deadline")
            .expect("the Runtime API keeps the answer")
    }
}

async fn route(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return reply(StatusCode::NOT_FOUND, "{}".into());
    };
    if rest == "next" {
        return next(state).await;
    }
    let Some((id, kind)) = rest.split_once('/') else {
        return reply(StatusCode::NOT_FOUND, "{}".into());
    };
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let answer = match kind {
        "response" => Answer::Response(value),
        "error" => Answer::Error(value),
        _ => return reply(StatusCode::NOT_FOUND, "{}".into()),
    };
    let fetched = state.fetched_at.lock().unwrap().remove(id);
    if let Some((queued, sender)) = state.waiting.lock().unwrap().remove(id) {
        let handler_time = Instant::now() - fetched.unwrap_or(queued);
        let _ = sender.send(Answered {
            answer,
            handler_time,
        });
    }
    reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#.into())
}

/// Long-polls for the next invocation, as Lambda's Runtime API does.
async fn next(state: &State) -> Response<Full<Bytes>> {
    state
        .first_poll
        .lock()
        .unwrap()
        .get_or_insert_with(Instant::now);
    let pending = state.next.lock().await.recv().await;
    let Some(pending) = pending else {
        return reply(StatusCode::GONE, "{}".into());
    };
    state
        .fetched_at
        .lock()
        .unwrap()
        .insert(pending.id.clone(), Instant::now());
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "application/json")
        .header("lambda-runtime-aws-request-id", &pending.id)
        .header(
            "lambda-runtime-deadline-ms",
            pending.deadline_ms.to_string(),
        )
        .header(
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:pageviews",
        )
        .body(Full::new(Bytes::from(pending.payload.to_string())))
        .unwrap()
}

fn reply(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}
