//! Putting events on the queue: packed into messages, sent in batches with several batches in
//! flight, failed entries retried.

use anyhow::bail;
use futures::future::BoxFuture;
use futures::stream::{FuturesUnordered, StreamExt};
use indicatif::ProgressBar;
use std::time::Instant;

use crate::backend::retry::{retry, RetryPolicy};
use crate::backend::{BackendError, Queue, MAX_QUEUE_BATCH};
use crate::model::event::{Event, Packer};
use crate::model::text::counted;

/// SQS bills every 64 KiB of a message as one request: the cost-optimal message size.
pub const MESSAGE_BYTES: usize = 64 * 1024;
/// Batch calls in flight at once: enough to hide a network round trip.
pub const SEND_CONCURRENCY: usize = 4;

/// What a send did.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct SendStats {
    pub events: u64,
    pub messages: u64,
    pub batch_requests: u64,
    pub retried_entries: u64,
    /// From the first event to the last confirmed batch.
    pub seconds: f64,
}

impl SendStats {
    fn add(&mut self, other: SendStats) {
        self.events += other.events;
        self.messages += other.messages;
        self.batch_requests += other.batch_requests;
        self.retried_entries += other.retried_entries;
    }
}

/// A message body with the number of events packed in it.
type Body = (String, u64);

/// A batch that could not be sent: what was confirmed, what was not, and why.
struct BatchFailure {
    sent: SendStats,
    unconfirmed_events: u64,
    error: String,
}

/// Streams events into packed messages and sends them; holds at most a few batches in memory.
pub struct Sender<'a> {
    queue: &'a dyn Queue,
    packer: Packer,
    batch: Vec<Body>,
    /// Bytes of the bodies in `batch`.
    batch_bytes: usize,
    in_flight: FuturesUnordered<BoxFuture<'a, Result<SendStats, BatchFailure>>>,
    stats: SendStats,
    policy: RetryPolicy,
    progress: ProgressBar,
    started: Instant,
    pending_events: u64,
}

impl<'a> Sender<'a> {
    pub fn new(queue: &'a dyn Queue, events_per_message: usize, progress: ProgressBar) -> Self {
        Sender {
            queue,
            packer: Packer::new(MESSAGE_BYTES, events_per_message),
            batch: Vec::with_capacity(queue.batch_limit().min(MAX_QUEUE_BATCH)),
            batch_bytes: 0,
            in_flight: FuturesUnordered::new(),
            stats: SendStats::default(),
            policy: RetryPolicy::default(),
            progress,
            started: Instant::now(),
            pending_events: 0,
        }
    }

    pub async fn push(&mut self, event: &Event) -> anyhow::Result<()> {
        let body = self.packer.push(event);
        self.packed(body).await
    }

    /// Pushes an event encoded already (as [`Event::write_json`] does).
    pub async fn push_encoded(&mut self, encoded: &str) -> anyhow::Result<()> {
        let body = self.packer.push_encoded(encoded);
        self.packed(body).await
    }

    /// Counts the event just packed, and sends the body it did not fit in, if any.
    async fn packed(&mut self, finished: Option<String>) -> anyhow::Result<()> {
        if let Some(body) = finished {
            // The event just packed went into the next body, not this one.
            let events = std::mem::take(&mut self.pending_events);
            self.add_to_batch(body, events).await?;
        }
        self.pending_events += 1;
        Ok(())
    }

    /// Sends what is packed so far, even a message not yet full, and waits for every batch in
    /// flight: for a producer that pauses (a followed log at its end), so that views do not
    /// wait for a full message.
    pub async fn flush(&mut self) -> anyhow::Result<()> {
        if let Some(body) = self.packer.finish() {
            let events = std::mem::take(&mut self.pending_events);
            self.add_to_batch(body, events).await?;
        }
        if !self.batch.is_empty() {
            self.dispatch().await?;
        }
        while !self.in_flight.is_empty() {
            self.settle_one().await?;
        }
        Ok(())
    }

    /// Sends what is left, waits for every batch in flight, and returns the totals.
    pub async fn finish(mut self) -> anyhow::Result<SendStats> {
        self.flush().await?;
        self.progress.finish_and_clear();
        self.stats.seconds = self.started.elapsed().as_secs_f64();
        Ok(self.stats)
    }

    /// Adds a body to the batch, sending the batch first if the body would take it over the
    /// queue's bytes a call, and after if it is then as long as a call takes (10 messages on
    /// SQS, 500 records or 5 MiB on a stream).
    async fn add_to_batch(&mut self, body: String, events: u64) -> anyhow::Result<()> {
        if !self.batch.is_empty() && self.batch_bytes + body.len() > self.queue.batch_bytes() {
            self.dispatch().await?;
        }
        self.batch_bytes += body.len();
        self.batch.push((body, events));
        if self.batch.len() >= self.queue.batch_limit() {
            self.dispatch().await?;
        }
        Ok(())
    }

    /// Starts sending the current batch, first waiting for a slot if all are busy.
    async fn dispatch(&mut self) -> anyhow::Result<()> {
        while self.in_flight.len() >= SEND_CONCURRENCY {
            self.settle_one().await?;
        }
        self.batch_bytes = 0;
        let batch = std::mem::take(&mut self.batch);
        let (queue, policy) = (self.queue, self.policy);
        self.in_flight
            .push(Box::pin(send_with_retries(queue, policy, batch)));
        Ok(())
    }

    async fn settle_one(&mut self) -> anyhow::Result<()> {
        match self.in_flight.next().await {
            Some(Ok(sent)) => {
                self.progress.inc(sent.events);
                self.stats.add(sent);
                Ok(())
            }
            Some(Err(failure)) => {
                self.stats.add(failure.sent);
                // Let the other batches in flight finish, so the count below is true.
                while let Some(other) = self.in_flight.next().await {
                    match other {
                        Ok(sent) => self.stats.add(sent),
                        Err(other) => self.stats.add(other.sent),
                    }
                }
                bail!(
                    "sending stopped after {} confirmed in {}; {} of a failed batch may or may \
                     not be on the queue: {}",
                    counted(self.stats.events, "event"),
                    counted(self.stats.messages, "message"),
                    counted(failure.unconfirmed_events, "event"),
                    failure.error
                )
            }
            None => Ok(()),
        }
    }
}

/// Sends one batch; entries that fail are sent again, up to the retry policy's attempts. The
/// bodies are moved, never copied: only those that failed are kept for the next attempt.
async fn send_with_retries(
    queue: &dyn Queue,
    policy: RetryPolicy,
    batch: Vec<Body>,
) -> Result<SendStats, BatchFailure> {
    let mut sent = SendStats::default();
    let (mut bodies, mut events): (Vec<String>, Vec<u64>) = batch.into_iter().unzip();
    let mut attempt = 1;
    loop {
        sent.batch_requests += 1;
        let results = match retry(&policy, "send", || queue.send_batch(&bodies)).await {
            Ok(results) => results,
            Err(err) => return Err(failure(sent, &events, err)),
        };
        let (mut failed, mut failed_events) = (Vec::new(), Vec::new());
        let mut last_error = None;
        for ((body, count), result) in bodies.into_iter().zip(events).zip(results) {
            match result {
                Ok(()) => {
                    sent.messages += 1;
                    sent.events += count;
                }
                Err(err) => {
                    failed.push(body);
                    failed_events.push(count);
                    last_error = Some(err);
                }
            }
        }
        match last_error {
            None => return Ok(sent),
            Some(err) if !err.is_transient() || attempt >= policy.attempts => {
                return Err(failure(sent, &failed_events, err))
            }
            Some(_) => {}
        }
        sent.retried_entries += failed.len() as u64;
        tokio::time::sleep(policy.delay(attempt)).await;
        attempt += 1;
        (bodies, events) = (failed, failed_events);
    }
}

/// A batch that stopped with `unsent_events` in the entries not confirmed.
fn failure(sent: SendStats, unsent_events: &[u64], error: BackendError) -> BatchFailure {
    BatchFailure {
        sent,
        unconfirmed_events: unsent_events.iter().sum(),
        error: error.to_string(),
    }
}
