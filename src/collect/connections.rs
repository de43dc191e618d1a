//! The collector's connections, served by its own accept loop over hyper so that slow clients
//! cannot hold it: a connection waiting for a request is closed after the idle timeout, one
//! whose request has begun but whose headers have not all come after the header timeout (a
//! body is bounded by the routes' body timeout), and at most `max_connections` are open at
//! once. A connection that comes at the cap makes room by closing the one that has waited
//! longest without a request being handled, as nginx reuses idle connections, so `/healthz`
//! and real views still get in while slow clients hold many sockets.

use axum::extract::{ConnectInfo, Request};
use axum::http::Method;
use axum::response::Response;
use axum::Router;
use futures::future::Either;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tower::ServiceExt as _;

use crate::collect::metrics::{Closed, Metrics};
use crate::pipeline::shutdown::Shutdown;

/// How long a connection may be slow, and how many may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// From a request's first byte to the end of its headers.
    pub header_timeout: Duration,
    /// From a connection's opening, or its last answer, to the next request's first byte.
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

/// Where a connection is in its life, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// No request in progress and no byte of the next one.
    Waiting(Instant),
    /// Bytes of a request head have come, not yet the whole head.
    Head(Instant),
    /// A request is being handled (its body read within the routes' body timeout).
    Busy,
}

/// One open connection, as its reads, its requests and the accept loop see it.
struct Tracked {
    phase: Mutex<Phase>,
    /// Woken when the accept loop needs this connection's place.
    evict: Notify,
}

impl Tracked {
    fn phase(&self) -> Phase {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, phase: Phase) {
        *self.phase.lock().unwrap_or_else(|p| p.into_inner()) = phase;
    }

    /// Bytes were read: while waiting, they start a request head (and its shorter deadline).
    fn bytes_read(&self) {
        let mut phase = self.phase.lock().unwrap_or_else(|p| p.into_inner());
        if let Phase::Waiting(_) = *phase {
            *phase = Phase::Head(Instant::now());
        }
    }

    /// When the connection is to be closed, and why; `None` while a request is handled.
    fn deadline(&self, limits: &Limits) -> Option<(Instant, Closed)> {
        match self.phase() {
            Phase::Waiting(since) => Some((since + limits.idle_timeout, Closed::IdleTimeout)),
            Phase::Head(since) => Some((since + limits.header_timeout, Closed::HeaderTimeout)),
            Phase::Busy => None,
        }
    }
}

/// Marks a request handled when its handling ends, however it ends.
struct Handling(Arc<Tracked>);

impl Handling {
    fn start(tracked: Arc<Tracked>) -> Handling {
        tracked.set(Phase::Busy);
        Handling(tracked)
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.set(Phase::Waiting(Instant::now()));
    }
}

/// The open connections, for the cap.
#[derive(Default)]
struct Registry {
    open: Mutex<HashMap<u64, Arc<Tracked>>>,
    next_id: AtomicU64,
    /// Woken whenever a connection closes.
    closed: Notify,
}

impl Registry {
    fn len(&self) -> usize {
        self.open.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    fn add(&self, tracked: Arc<Tracked>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.insert(id, tracked);
        id
    }

    fn remove(&self, id: u64) {
        self.open
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&id);
        self.closed.notify_waiters();
    }

    /// Asks the connection that has waited longest without a request being handled to close;
    /// false when every connection is handling one.
    fn evict_longest_waiting(&self) -> bool {
        let open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let since = |tracked: &Tracked| match tracked.phase() {
            Phase::Waiting(since) | Phase::Head(since) => Some(since),
            Phase::Busy => None,
        };
        let oldest = open
            .values()
            .filter_map(|tracked| since(tracked).map(|since| (since, tracked)))
            .min_by_key(|(since, _)| *since);
        match oldest {
            Some((_, tracked)) => {
                tracked.evict.notify_one();
                true
            }
            None => false,
        }
    }
}

/// What answers a connection's requests: a `POST` to `first_path` (the route nearly every
/// request takes) is answered by `first`, given the peer's address, without the router's
/// matching, its boxed services and the `ConnectInfo` extension; everything else by `router`.
#[derive(Clone)]
pub struct Routes<F> {
    pub first_path: &'static str,
    pub first: F,
    pub router: Router,
}

/// Serves `routes` on `listener` until `shutdown`; then lets each connection finish the
/// request it is handling and returns once all are closed. Dropping the future closes them.
pub async fn serve<F, A>(
    listener: TcpListener,
    routes: Routes<F>,
    limits: Limits,
    metrics: Arc<Metrics>,
    shutdown: Shutdown,
) where
    F: Fn(Request, SocketAddr) -> A + Clone + Send + Sync + 'static,
    A: Future<Output = Response> + Send + 'static,
{
    let registry = Arc::new(Registry::default());
    let mut connections = JoinSet::new();
    loop {
        let (stream, peer) = tokio::select! {
            () = shutdown.requested() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, or a connection reset before it was accepted:
                    // the listener is fine, so wait a little rather than spin or stop.
                    tracing::warn!(%err, "cannot accept a connection; trying again shortly");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        while registry.len() >= limits.max_connections {
            let closed = registry.closed.notified();
            if !registry.evict_longest_waiting() {
                tracing::debug!("every connection is handling a request; the new one waits");
            }
            tokio::select! {
                () = closed => {}
                () = shutdown.requested() => break,
            }
        }
        if shutdown.is_requested() {
            break;
        }
        while connections.try_join_next().is_some() {}
        let tracked = Arc::new(Tracked {
            phase: Mutex::new(Phase::Waiting(Instant::now())),
            evict: Notify::new(),
        });
        let id = registry.add(tracked.clone());
        metrics.connection_opened();
        let (routes, metrics, registry, shutdown) = (
            routes.clone(),
            metrics.clone(),
            registry.clone(),
            shutdown.clone(),
        );
        connections.spawn(async move {
            let closed = connection(stream, peer, routes, tracked, &limits, &shutdown).await;
            metrics.connection_closed(closed);
            registry.remove(id);
        });
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Serves one connection until it ends or is closed; says why it ended.
async fn connection<F, A>(
    stream: TcpStream,
    peer: SocketAddr,
    routes: Routes<F>,
    tracked: Arc<Tracked>,
    limits: &Limits,
    shutdown: &Shutdown,
) -> Closed
where
    F: Fn(Request, SocketAddr) -> A + Clone + Send + Sync + 'static,
    A: Future<Output = Response> + Send + 'static,
{
    let io = TokioIo::new(Watched {
        stream,
        tracked: tracked.clone(),
    });
    let handler = tracked.clone();
    let service = hyper::service::service_fn(move |request: axum::http::Request<Incoming>| {
        let handling = Handling::start(handler.clone());
        let request = request.map(axum::body::Body::new);
        let first = request.method() == Method::POST && request.uri().path() == routes.first_path;
        let answer = match first {
            true => Either::Left((routes.first)(request, peer)),
            false => {
                let mut request = request;
                request.extensions_mut().insert(ConnectInfo(peer));
                Either::Right(routes.router.clone().oneshot(request))
            }
        };
        async move {
            let answer = match answer {
                Either::Left(answer) => Ok(answer.await),
                Either::Right(routed) => routed.await,
            };
            drop(handling);
            answer
        }
    });
    let conn = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
    tokio::pin!(conn);
    // The phase's deadline is looked at on a timer, not each time the phase moves (twice a
    // request): every phase lasts at least `step` before its deadline, and the timer never
    // waits longer than `step`, so each deadline is still met on time.
    let step = limits.header_timeout.min(limits.idle_timeout);
    let check = tokio::time::sleep(step);
    tokio::pin!(check);
    let mut stopping = false;
    loop {
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(err) = served {
                    tracing::debug!(%err, "a connection ended with an error");
                }
                return Closed::Ended;
            }
            () = check.as_mut() => {
                let now = Instant::now();
                match tracked.deadline(limits) {
                    Some((at, why)) if at <= now => return why,
                    Some((at, _)) => check.as_mut().reset(at.min(now + step)),
                    None => check.as_mut().reset(now + step),
                }
            }
            () = tracked.evict.notified() => return Closed::Evicted,
            () = shutdown.requested(), if !stopping => {
                // Finishes the request in progress, if any, then closes.
                conn.as_mut().graceful_shutdown();
                stopping = true;
            }
        }
    }
}

/// A connection's socket, telling its `Tracked` when bytes arrive.
struct Watched {
    stream: TcpStream,
    tracked: Arc<Tracked>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.tracked.bytes_read();
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
