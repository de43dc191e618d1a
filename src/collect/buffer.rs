//! The bounded buffer between the HTTP handlers and the queue: views are packed into messages
//! of at most 64 KiB and sent when a message is full or every flush interval. When the queue
//! cannot keep up the buffer fills and the handlers answer 503; it never grows past its bound.

use anyhow::anyhow;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use tokio::time::MissedTickBehavior;

use crate::backend::Queue;
use crate::collect::metrics::{Metrics, SendResult};
use crate::event::{Event, Packer, MAX_EVENTS_PER_MESSAGE};
use crate::pipeline::retry::RetryPolicy;
use crate::pipeline::send::MESSAGE_BYTES;

/// The handlers' side: offers a view, or says the buffer is full.
#[derive(Clone)]
pub struct ViewBuffer {
    sender: mpsc::Sender<Event>,
}

/// The buffer holds its capacity of views; the queue must catch up first.
#[derive(Debug)]
pub struct BufferFull;

impl ViewBuffer {
    pub fn offer(&self, event: Event) -> Result<(), BufferFull> {
        self.sender.try_send(event).map_err(|_| BufferFull)
    }

    pub fn has_room(&self) -> bool {
        self.sender.capacity() > 0
    }
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
}

/// A buffer of `capacity` views and the flusher that empties it into `queue`.
pub fn channel(
    capacity: usize,
    queue: Arc<dyn Queue>,
    metrics: Arc<Metrics>,
    interval: Duration,
) -> (ViewBuffer, Flusher) {
    let (sender, receiver) = mpsc::channel(capacity.max(1));
    let flusher = Flusher {
        receiver,
        queue,
        metrics,
        interval,
        packer: Packer::new(MESSAGE_BYTES, MAX_EVENTS_PER_MESSAGE),
        views_in_packer: 0,
        summary: FlushSummary::default(),
        // Sends are retried until they succeed; this only shapes the backoff between them.
        policy: RetryPolicy {
            attempts: u32::MAX,
            base: Duration::from_millis(100),
            cap: Duration::from_secs(5),
        },
    };
    (ViewBuffer { sender }, flusher)
}

impl Flusher {
    /// Runs until `stop` fires (the server has stopped accepting), then puts every view still
    /// buffered on the queue. Sends that fail are retried without limit while running, and
    /// until `drain_timeout` after the stop; views still unsent then are reported as an error.
    pub async fn run(
        mut self,
        mut stop: oneshot::Receiver<()>,
        drain_timeout: Duration,
    ) -> anyhow::Result<FlushSummary> {
        let mut tick = tokio::time::interval(self.interval);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = &mut stop => break,
                received = self.receiver.recv() => match received {
                    Some(event) => self.add(event, None).await?,
                    None => break,
                },
                _ = tick.tick() => self.flush(None).await?,
            }
        }
        self.receiver.close();
        let deadline = Instant::now() + drain_timeout;
        while let Some(event) = self.receiver.recv().await {
            self.add(event, Some(deadline)).await?;
        }
        self.flush(Some(deadline)).await?;
        Ok(self.summary)
    }

    async fn add(&mut self, event: Event, deadline: Option<Instant>) -> anyhow::Result<()> {
        if let Some(body) = self.packer.push(&event) {
            // The event just pushed starts the next message.
            let views = std::mem::replace(&mut self.views_in_packer, 1);
            return self.send(body, views, deadline).await;
        }
        self.views_in_packer += 1;
        Ok(())
    }

    async fn flush(&mut self, deadline: Option<Instant>) -> anyhow::Result<()> {
        match self.packer.finish() {
            Some(body) => {
                let views = std::mem::take(&mut self.views_in_packer);
                self.send(body, views, deadline).await
            }
            None => Ok(()),
        }
    }

    /// Sends one message, retrying until it is confirmed or the deadline passes.
    async fn send(
        &mut self,
        body: String,
        views: u64,
        deadline: Option<Instant>,
    ) -> anyhow::Result<()> {
        let bodies = [body];
        let mut attempt = 0;
        loop {
            attempt += 1;
            let started = Instant::now();
            let outcome = match self.queue.send_batch(&bodies).await {
                Ok(mut results) => results.pop().unwrap_or_else(|| {
                    Err(crate::backend::BackendError::Permanent(
                        "the queue answered a send with no result".into(),
                    ))
                }),
                Err(err) => Err(err),
            };
            let seconds = started.elapsed().as_secs_f64();
            self.summary.requests += 1;
            match outcome {
                Ok(()) => {
                    self.metrics.sent(SendResult::Ok, seconds, views);
                    self.summary.views += views;
                    return Ok(());
                }
                Err(err) => {
                    self.metrics.sent(SendResult::Error, seconds, 0);
                    self.summary.failed_requests += 1;
                    if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                        return Err(anyhow!(
                            "{views} accepted views could not be put on the queue before the \
                             shutdown timeout (and more may be behind them): {err}"
                        ));
                    }
                    let delay = self.policy.delay(attempt.min(16));
                    tracing::warn!(%err, views, attempt, ?delay, "queue send failed; retrying");
                    tokio::time::sleep(delay).await;
                }
            }
        }
    }
}
