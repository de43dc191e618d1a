//! The bounded buffer between the HTTP handlers and the queue: views are packed into messages
//! of at most 64 KiB and sent when a message is full or every flush interval. When the queue
//! cannot keep up the buffer fills and the handlers answer 503; it never grows past its bound.

use anyhow::anyhow;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio::time::MissedTickBehavior;

use crate::backend::{BackendError, BackendResult, BatchResults, Queue};
use crate::collect::metrics::{Metrics, SendResult};
use crate::model::event::{Event, Packer, MAX_EVENTS_PER_MESSAGE};
use crate::model::retry::RetryPolicy;
use crate::pipeline::send::MESSAGE_BYTES;
use crate::pipeline::shutdown::Shutdown;

/// How often the flusher takes what the handlers buffered. Waiting on the buffer instead, it was
/// woken by every view: a task wake-up per request, often a sleeping worker thread's (a futex
/// call). At 50,000 views a second this takes about 500 at a time; the views wait at most this
/// long more before their message is packed (they are sent every flush interval anyway).
const TAKE_EVERY: Duration = Duration::from_millis(10);
/// Views taken between two yields to the handlers.
const TAKE_AT_ONCE: usize = 256;

/// The handlers' side: offers a view, or says the buffer is full.
#[derive(Clone)]
pub enum ViewBuffer {
    /// Views wait in the bounded buffer for the flusher (the `collect` server).
    Buffered(mpsc::Sender<Event>),
    /// Each view goes to the queue before its request is answered: a Lambda function has no
    /// life between invocations in which to flush a buffer.
    Direct(Arc<dyn Queue>),
}

/// The buffer holds its capacity of views (or, sending directly, the queue refused the view);
/// the queue must catch up first.
#[derive(Debug)]
pub struct BufferFull;

impl ViewBuffer {
    pub async fn offer(&self, event: Event) -> Result<(), BufferFull> {
        match self {
            ViewBuffer::Buffered(sender) => sender.try_send(event).map_err(|_| BufferFull),
            ViewBuffer::Direct(queue) => send_now(queue, event).await,
        }
    }

    pub fn has_room(&self) -> bool {
        match self {
            ViewBuffer::Buffered(sender) => sender.capacity() > 0,
            ViewBuffer::Direct(_) => true,
        }
    }
}

/// Puts one view on the queue as a message of its own (the beacon's shape), retried a few
/// times; a view that cannot be queued is refused, so the client may send it again.
async fn send_now(queue: &Arc<dyn Queue>, event: Event) -> Result<(), BufferFull> {
    let bodies = [event.to_json()];
    let sent = crate::backend::retry::retry(&RetryPolicy::default(), "send view", || async {
        first_result(queue.send_batch(&bodies).await)
    })
    .await;
    sent.map_err(|err| {
        tracing::error!(%err, "a view could not be put on the queue; refused");
        BufferFull
    })
}

/// What the flusher did over the collector's life.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FlushSummary {
    pub views: u64,
    pub requests: u64,
    pub failed_requests: u64,
}

/// The queue's side: takes views from the buffer and puts them on the queue.
pub struct Flusher {
    receiver: mpsc::Receiver<Event>,
    queue: Arc<dyn Queue>,
    metrics: Arc<Metrics>,
    interval: Duration,
    packer: Packer,
    views_in_packer: u64,
    summary: FlushSummary,
    policy: RetryPolicy,
    shutdown: Shutdown,
    /// From the stop request: how long the last views may take to reach the queue.
    stop_budget: Duration,
    /// Set when a stop is noticed; sends and retries past it give up.
    deadline: Option<Instant>,
}

/// How the flusher sends and when it gives up.
pub struct FlushSettings {
    pub capacity: usize,
    pub interval: Duration,
    /// Time allowed from a stop request until every buffered view is on the queue.
    pub stop_budget: Duration,
}

/// A buffer of `capacity` views and the flusher that empties it into `queue`.
pub fn channel(
    settings: FlushSettings,
    queue: Arc<dyn Queue>,
    metrics: Arc<Metrics>,
    shutdown: Shutdown,
) -> (ViewBuffer, Flusher) {
    let (sender, receiver) = mpsc::channel(settings.capacity.max(1));
    let flusher = Flusher {
        receiver,
        queue,
        metrics,
        interval: settings.interval,
        packer: Packer::new(MESSAGE_BYTES, MAX_EVENTS_PER_MESSAGE),
        views_in_packer: 0,
        summary: FlushSummary::default(),
        // Sends are retried until they succeed or the stop deadline passes; this only shapes
        // the backoff between them.
        policy: RetryPolicy {
            attempts: u32::MAX,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(5),
            ..RetryPolicy::default()
        },
        shutdown,
        stop_budget: settings.stop_budget,
        deadline: None,
    };
    (ViewBuffer::Buffered(sender), flusher)
}

/// The flusher gave up on views because the stop deadline passed.
#[derive(Debug)]
struct DeadlinePassed;

impl Flusher {
    /// Runs until `server_stopped` fires (nothing more can be accepted), then puts every view
    /// still buffered on the queue. Failed sends are retried without limit while running, and
    /// until the stop budget is spent once a stop was requested; then the views not yet on the
    /// queue are reported as an error.
    pub async fn run(
        mut self,
        mut server_stopped: oneshot::Receiver<()>,
    ) -> anyhow::Result<FlushSummary> {
        // The first flush is one interval after the start, not at once.
        let first = tokio::time::Instant::now() + self.interval;
        let mut tick = tokio::time::interval_at(first, self.interval);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut take = tokio::time::interval(TAKE_EVERY.min(self.interval));
        take.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = &mut server_stopped => break,
                _ = take.tick() => {
                    if !self.take_buffered().await? {
                        break;
                    }
                }
                _ = tick.tick() => self.flush().await?,
            }
        }
        self.receiver.close();
        while let Some(event) = self.receiver.recv().await {
            self.add(event).await?;
        }
        self.flush().await?;
        Ok(self.summary)
    }

    /// Packs every view buffered now; `false` once no handler can buffer more. It lets the
    /// handlers on its thread run between runs of [`TAKE_AT_ONCE`] views.
    async fn take_buffered(&mut self) -> anyhow::Result<bool> {
        loop {
            for _ in 0..TAKE_AT_ONCE {
                match self.receiver.try_recv() {
                    Ok(event) => self.add(event).await?,
                    Err(mpsc::error::TryRecvError::Empty) => return Ok(true),
                    Err(mpsc::error::TryRecvError::Disconnected) => return Ok(false),
                }
            }
            tokio::task::yield_now().await;
        }
    }

    async fn add(&mut self, event: Event) -> anyhow::Result<()> {
        if let Some(body) = self.packer.push(&event) {
            // The event just pushed starts the next message.
            let views = std::mem::replace(&mut self.views_in_packer, 1);
            return self.send(body, views).await;
        }
        self.views_in_packer += 1;
        Ok(())
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        match self.packer.finish() {
            Some(body) => {
                let views = std::mem::take(&mut self.views_in_packer);
                self.send(body, views).await
            }
            None => Ok(()),
        }
    }

    /// Sends one message, retrying until it is confirmed or the stop deadline passes.
    async fn send(&mut self, body: String, views: u64) -> anyhow::Result<()> {
        let bodies = [body];
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            // The backends keep blocking work off the runtime, so a slow or locked queue
            // never holds up the threads that answer HTTP requests.
            let (queue, bodies) = (self.queue.clone(), &bodies);
            let call = async move { first_result(queue.send_batch(bodies).await) };
            let outcome = match self.before_deadline(call).await {
                Ok(outcome) => outcome,
                Err(DeadlinePassed) => Err(BackendError::transient(
                    "the send did not finish before the shutdown timeout; it may or may not \
                     have reached the queue",
                )),
            };
            let seconds = started.elapsed().as_secs_f64();
            self.summary.requests += 1;
            let err = match outcome {
                Ok(()) => {
                    self.metrics.sent(SendResult::Ok, seconds, views);
                    self.summary.views += views;
                    return Ok(());
                }
                Err(err) => err,
            };
            self.metrics.sent(SendResult::Error, seconds, 0);
            self.summary.failed_requests += 1;
            let delay = self.policy.delay(attempt.min(16));
            tracing::warn!(%err, views, attempt, ?delay, "queue send failed; retrying");
            if self
                .before_deadline(tokio::time::sleep(delay))
                .await
                .is_err()
            {
                return Err(anyhow!(
                    "the queue did not take them within the shutdown timeout (if the queue \
                     recovers slowly, raise --shutdown-timeout): {err}"
                ));
            }
        }
    }

    /// Awaits `work`; once a stop is requested (now or while waiting), only until the deadline.
    async fn before_deadline<F: Future>(&mut self, work: F) -> Result<F::Output, DeadlinePassed> {
        tokio::pin!(work);
        loop {
            if let Some(deadline) = self.deadline {
                return tokio::time::timeout_at(deadline.into(), &mut work)
                    .await
                    .map_err(|_| DeadlinePassed);
            }
            let shutdown = self.shutdown.clone();
            tokio::select! {
                output = &mut work => return Ok(output),
                _ = shutdown.requested() => {
                    self.deadline = Some(Instant::now() + self.stop_budget);
                }
            }
        }
    }
}

/// The result of a one-message send. A send abandoned at the stop deadline finishes or fails
/// on its own; its message has fixed event ids, so a message that arrives twice is still
/// stored once.
fn first_result(results: BatchResults) -> BackendResult<()> {
    results?.pop().unwrap_or_else(|| {
        Err(BackendError::permanent(
            "the queue answered a send with no result",
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::local::test_backend as local_backend;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_view_offered_reaches_the_queue_packed() {
        let dir = tempfile::tempdir().unwrap();
        let backend = local_backend(dir.path());
        let capacity = 10_000;
        let metrics = Arc::new(Metrics::new(capacity));
        let (_trigger, shutdown) = Shutdown::new();
        // No flush by the clock during the test: messages go when full, the rest at the stop.
        let settings = FlushSettings {
            capacity,
            interval: Duration::from_secs(3600),
            stop_budget: Duration::from_secs(10),
        };
        let (buffer, flusher) = channel(settings, backend.queue.clone(), metrics.clone(), shutdown);
        let views = 5_000;
        for n in 0..views {
            let event = Event {
                id: format!("v{n}"),
                page: format!("/posts/{}", n % 100),
                time: chrono::Utc::now(),
                ..Default::default()
            };
            metrics.buffering();
            buffer.offer(event).await.unwrap();
            metrics.accepted();
        }
        let (stop, stopped) = oneshot::channel();
        let flushing = tokio::spawn(flusher.run(stopped));
        // The flusher takes the views in bulk while it runs, before any stop.
        let deadline = Instant::now() + Duration::from_secs(10);
        let ViewBuffer::Buffered(sender) = &buffer else {
            unreachable!("channel() makes a buffer")
        };
        while sender.capacity() < capacity {
            assert!(
                Instant::now() < deadline,
                "the flusher did not take the views"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(metrics.queued_total() > 0, "full messages are sent at once");
        stop.send(()).unwrap();
        let summary = flushing.await.unwrap().unwrap();
        assert_eq!(summary.views, views as u64);
        assert_eq!(metrics.queued_total(), views as u64);
        assert_eq!(summary.failed_requests, 0);
        // About 700 views fit in a 64 KiB message.
        assert!(summary.requests <= 10, "{summary:?}");
        let stats = backend.queue.stats().await.unwrap();
        assert_eq!(stats.visible, summary.requests);
    }
}
