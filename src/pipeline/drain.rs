//! The drain loop: queue backlog -> raw events table, delete after write, poison isolated; the
//! messages being stored kept hidden however slow the table is; on a stop, every message
//! received is finished or handed back to the queue at once.

use anyhow::Context as _;
use chrono::Utc;
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[cfg(doc)]
use crate::backend::WRITE_BOUND;
use crate::backend::{
    Backend, BackendError, BackendResult, Queue, ReceivedMessage, MAX_QUEUE_BATCH,
};
use crate::event::{decode_message, shorten, DecodedMessage, RejectedEvent};
use crate::pipeline::retry::{retry, RetryPolicy};
use crate::pipeline::shutdown::Shutdown;

/// Longest reason stored with a dead letter.
const MAX_REASON_CHARS: usize = 1_000;
/// Appended to a message's identity for the dead letter of its refused events.
const REJECTED_SUFFIX: &str = "#rejected";
/// While the queue keeps answering, receives are gathered into one write of up to this many
/// messages or bytes: small messages then fill whole table batches (25 items on DynamoDB, one
/// transaction locally) instead of one per receive of 10.
const MAX_GROUP_MESSAGES: usize = 250;
const MAX_GROUP_BYTES: usize = 1024 * 1024;

/// How a drain runs.
#[derive(Debug, Clone)]
pub struct DrainOptions {
    /// How long one receive waits for a message (long polling).
    pub wait: Duration,
    /// How long a received message stays hidden from other drains (`None`: the queue's own).
    pub visibility: Option<Duration>,
    /// Stop after this many empty receives in a row (unless following).
    pub idle_polls: u32,
    /// Keep polling until a stop is requested.
    pub follow: bool,
    /// Concurrent receive loops.
    pub workers: usize,
    pub retry: RetryPolicy,
    /// How long a write of received events may take ([`WRITE_BOUND`]); past it the drain gives
    /// up, and the messages come back after their visibility timeout.
    pub write_bound: Duration,
}

/// What a drain did; printed at the end.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct DrainSummary {
    pub messages: u64,
    pub messages_deleted: u64,
    pub events_written: u64,
    /// Events already stored (redelivery, resend); `None` where the store cannot tell.
    pub duplicates: Option<u64>,
    /// Write capacity units consumed, where the store reports them (DynamoDB).
    pub write_capacity_units: Option<f64>,
    pub dead_lettered_messages: BTreeMap<String, u64>,
    pub rejected_events: BTreeMap<String, u64>,
    /// Messages left on the queue because their events could not be written.
    pub write_failures: u64,
    /// Messages written but not deleted; they come back and are written again harmlessly.
    pub delete_failures: u64,
    /// Messages a stopping drain could not finish and made visible again at once.
    pub messages_released: u64,
    pub elapsed_seconds: f64,
    /// From the start to the end of the last batch: the time the rate is measured over, so
    /// the final empty polls do not dilute it.
    pub busy_seconds: f64,
}

impl DrainSummary {
    fn merge(&mut self, other: DrainSummary) {
        self.messages += other.messages;
        self.messages_deleted += other.messages_deleted;
        self.events_written += other.events_written;
        self.duplicates = add_known(self.duplicates, other.duplicates);
        self.write_capacity_units =
            add_known(self.write_capacity_units, other.write_capacity_units);
        for (reason, count) in other.dead_lettered_messages {
            *self.dead_lettered_messages.entry(reason).or_default() += count;
        }
        for (reason, count) in other.rejected_events {
            *self.rejected_events.entry(reason).or_default() += count;
        }
        self.write_failures += other.write_failures;
        self.delete_failures += other.delete_failures;
        self.messages_released += other.messages_released;
        self.busy_seconds = self.busy_seconds.max(other.busy_seconds);
    }
}

/// Adds two counts either of which may be unknown.
fn add_known<T: std::ops::Add<Output = T>>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, b) => a.or(b),
    }
}

/// Drains until the queue stays empty (or, when following, until a stop is requested).
/// Fails only when the queue cannot be reached at all; per-message trouble is in the summary.
pub async fn drain(
    backend: &Backend,
    options: &DrainOptions,
    shutdown: &Shutdown,
    progress: &ProgressBar,
) -> anyhow::Result<DrainSummary> {
    let started = Instant::now();
    // Known before the first receive: it says when received messages must be kept hidden.
    let visibility = match options.visibility {
        Some(visibility) => visibility,
        None => backend
            .queue
            .visibility_timeout()
            .await
            .context("cannot read the queue's visibility timeout")?,
    };
    let workers = (0..options.workers.max(1)).map(|_| {
        let worker = Worker {
            started,
            backend: backend.clone(),
            visibility,
            options: options.clone(),
            shutdown: shutdown.clone(),
            progress: progress.clone(),
            summary: DrainSummary::default(),
        };
        tokio::spawn(worker.run())
    });
    let mut summary = DrainSummary::default();
    let mut first_error = None;
    for handle in workers.collect::<Vec<_>>() {
        match handle.await {
            Ok(Ok(worker_summary)) => summary.merge(worker_summary),
            Ok(Err(err)) => first_error = first_error.or(Some(err)),
            Err(join_error) => {
                first_error =
                    first_error.or(Some(anyhow::anyhow!("drain worker failed: {join_error}")))
            }
        }
    }
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    progress.finish_and_clear();
    match first_error {
        Some(err) => Err(err),
        None => Ok(summary),
    }
}

struct Worker {
    started: Instant,
    backend: Backend,
    /// How long a received message stays hidden (`options.visibility`, or the queue's own).
    visibility: Duration,
    options: DrainOptions,
    shutdown: Shutdown,
    progress: ProgressBar,
    summary: DrainSummary,
}

/// A message whose body, or part of it, goes to the dead-letter queue.
struct Poison {
    message: ReceivedMessage,
    body: Vec<u8>,
    reason: String,
}

impl Worker {
    async fn run(mut self) -> anyhow::Result<DrainSummary> {
        let mut idle = 0;
        while !self.shutdown.is_requested() {
            // Never dropped for a stop: a receive abandoned half-way may already have taken
            // messages (SQS hides them as it answers; the local queue's transaction runs to its
            // end on the blocking pool), and they would stay hidden for the visibility timeout.
            // It ends within its long-poll wait, and what it brings is finished below.
            let messages = match self.receive().await {
                Ok(messages) => messages,
                Err(err) if self.options.follow => {
                    tracing::error!(%err, "cannot receive from the queue; trying again");
                    // Nothing is in hand, so a stop may cut the pause short.
                    tokio::select! {
                        _ = tokio::time::sleep(self.options.retry.cap) => {}
                        _ = self.shutdown.requested() => {}
                    }
                    continue;
                }
                Err(err) => {
                    return Err(anyhow::Error::new(err).context("cannot receive from the queue"))
                }
            };
            if messages.is_empty() {
                idle += 1;
                if !self.options.follow && idle >= self.options.idle_polls {
                    break;
                }
                continue;
            }
            idle = 0;
            // Their visibility timeout runs from about now (the first of them).
            let received_at = Instant::now();
            let messages = self.fill(messages).await;
            self.handle_batch(messages, received_at).await;
            self.summary.busy_seconds = self.started.elapsed().as_secs_f64();
        }
        Ok(self.summary)
    }

    /// Adds what the queue has ready (no waiting) to `batch`, up to the group limits.
    async fn fill(&self, mut batch: Vec<ReceivedMessage>) -> Vec<ReceivedMessage> {
        let mut bytes: usize = batch.iter().map(|m| m.body.len()).sum();
        while batch.len() < MAX_GROUP_MESSAGES
            && bytes < MAX_GROUP_BYTES
            && !self.shutdown.is_requested()
        {
            let more = self
                .backend
                .queue
                .receive(MAX_QUEUE_BATCH, Duration::ZERO, Some(self.visibility))
                .await;
            match more {
                Ok(more) if !more.is_empty() => {
                    bytes += more.iter().map(|m| m.body.len()).sum::<usize>();
                    batch.extend(more);
                }
                Ok(_) => break,
                // A failed receive brought nothing: store what is in hand; the next receive
                // retries.
                Err(err) => {
                    tracing::debug!(%err, "receive failed while gathering a batch; storing what is in hand");
                    break;
                }
            }
        }
        batch
    }

    async fn receive(&self) -> BackendResult<Vec<ReceivedMessage>> {
        let queue = &self.backend.queue;
        let (wait, visibility) = (self.options.wait, Some(self.visibility));
        retry(&self.options.retry, "receive", || {
            queue.receive(MAX_QUEUE_BATCH, wait, visibility)
        })
        .await
    }

    /// Write every good event of the batch, dead-letter what can never be written, and only
    /// then delete the messages: a crash anywhere leaves them to be delivered again. While
    /// their events are being stored they are kept hidden, however long the store takes (up
    /// to its write bound), so no other drain receives and writes them meanwhile.
    async fn handle_batch(&mut self, messages: Vec<ReceivedMessage>, received_at: Instant) {
        let receipts: Vec<String> = messages.iter().map(|m| m.receipt.clone()).collect();
        let keeper = Keeper {
            queue: self.backend.queue.clone(),
            receipts,
            visibility: self.visibility,
            since: received_at,
        };
        let Some((done, mut unfinished)) = keeper.keep_hidden(self.store(messages)).await else {
            return;
        };
        unfinished.extend(self.delete(done).await);
        self.hand_back_if_stopping(unfinished).await;
    }

    /// Stores the batch: its events written, what can never be written dead-lettered. Returns
    /// the receipts of the messages done (to delete) and of those left unfinished, or `None`
    /// when the write failed and every message was left (handed back, if stopping).
    async fn store(
        &mut self,
        messages: Vec<ReceivedMessage>,
    ) -> Option<(Vec<String>, Vec<String>)> {
        self.summary.messages += messages.len() as u64;
        let now = Utc::now();
        let mut events = Vec::new();
        let mut clean = Vec::new();
        let mut poison = Vec::new();
        for message in messages {
            match decode_message(&message.body, &message.message_id, now) {
                Ok(DecodedMessage {
                    events: good,
                    rejected,
                }) => {
                    let kept_some = !good.is_empty();
                    events.extend(good);
                    if rejected.is_empty() {
                        clean.push(message);
                    } else {
                        self.count_rejected(&rejected);
                        poison.push(partial_poison(message, &rejected, kept_some));
                    }
                }
                Err(err) => {
                    *self
                        .summary
                        .dead_lettered_messages
                        .entry(err.code().to_owned())
                        .or_default() += 1;
                    let reason = format!("{}: {err}", err.code());
                    let body = message.body.clone();
                    poison.push(Poison {
                        message,
                        body,
                        reason,
                    });
                }
            }
        }
        if !events.is_empty() && !self.write(&events, clean.len() + poison.len()).await {
            let unfinished = clean
                .into_iter()
                .map(|message| message.receipt)
                .chain(poison.into_iter().map(|item| item.message.receipt))
                .collect();
            self.hand_back_if_stopping(unfinished).await;
            return None;
        }
        let mut done: Vec<String> = clean.into_iter().map(|message| message.receipt).collect();
        let mut unfinished = Vec::new();
        for item in poison {
            if self.dead_letter(&item).await {
                done.push(item.message.receipt);
            } else {
                unfinished.push(item.message.receipt);
            }
        }
        Some((done, unfinished))
    }

    /// A stopping drain hands what it could not finish back to the queue at once, so another
    /// drain (or this one, restarted) gets it now rather than after the visibility timeout.
    /// A running drain leaves it hidden: the timeout then spaces out the next attempts.
    async fn hand_back_if_stopping(&mut self, receipts: Vec<String>) {
        if receipts.is_empty() || !self.shutdown.is_requested() {
            return;
        }
        let queue = &self.backend.queue;
        for chunk in receipts.chunks(MAX_QUEUE_BATCH) {
            match retry(&self.options.retry, "hand back", || {
                queue.change_visibility(chunk, Duration::ZERO)
            })
            .await
            {
                Ok(results) => {
                    for result in results {
                        match result {
                            Ok(()) => self.summary.messages_released += 1,
                            Err(err) => {
                                tracing::warn!(%err, "message not handed back; it returns after the visibility timeout")
                            }
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, messages = chunk.len(), "messages not handed back; they return after the visibility timeout")
                }
            }
        }
    }

    fn count_rejected(&mut self, rejected: &[RejectedEvent]) {
        for event in rejected {
            *self
                .summary
                .rejected_events
                .entry(event.error.code().to_owned())
                .or_default() += 1;
        }
    }

    async fn write(&mut self, events: &[crate::event::Event], messages: usize) -> bool {
        let store = &self.backend.events;
        let write = retry(&self.options.retry, "write events", || {
            store.put_events(events)
        });
        let bound = self.options.write_bound;
        let written = tokio::time::timeout(bound, write)
            .await
            .unwrap_or_else(|_| {
                Err(BackendError::transient(format!(
                    "the write did not finish within {} s; given up",
                    bound.as_secs_f64()
                ))
                .retried())
            });
        match written {
            Ok(outcome) => {
                self.summary.events_written += outcome.written;
                self.summary.duplicates = add_known(self.summary.duplicates, outcome.duplicates);
                self.summary.write_capacity_units =
                    add_known(self.summary.write_capacity_units, outcome.capacity_units);
                self.progress.inc(outcome.written);
                true
            }
            Err(err) => {
                tracing::error!(%err, messages, "cannot write events; the messages stay on the queue for redelivery");
                self.summary.write_failures += messages as u64;
                false
            }
        }
    }

    async fn dead_letter(&mut self, item: &Poison) -> bool {
        let queue = &self.backend.queue;
        let sent = retry(&self.options.retry, "dead-letter", || {
            queue.send_dead_letter(&item.message, &item.body, &item.reason)
        })
        .await;
        match sent {
            Ok(()) => {
                tracing::info!(message_id = %item.message.message_id, reason = %item.reason, "dead-lettered");
                true
            }
            Err(err) => {
                tracing::error!(%err, message_id = %item.message.message_id, "cannot dead-letter; the message stays on the queue");
                self.summary.write_failures += 1;
                false
            }
        }
    }

    /// Deletes what is done; returns the receipts it could not delete.
    async fn delete(&mut self, receipts: Vec<String>) -> Vec<String> {
        let queue = &self.backend.queue;
        let mut left = Vec::new();
        for chunk in receipts.chunks(MAX_QUEUE_BATCH) {
            match retry(&self.options.retry, "delete", || queue.delete_batch(chunk)).await {
                Ok(results) => {
                    for (receipt, result) in chunk.iter().zip(results) {
                        match result {
                            Ok(()) => self.summary.messages_deleted += 1,
                            Err(err) => {
                                tracing::warn!(%err, "message written but not deleted; it will be delivered again and written once");
                                self.summary.delete_failures += 1;
                                left.push(receipt.clone());
                            }
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(%err, "messages written but not deleted; they will be delivered again and written once");
                    self.summary.delete_failures += chunk.len() as u64;
                    left.extend_from_slice(chunk);
                }
            }
        }
        left
    }
}

/// Keeps received messages hidden while work on them goes on.
struct Keeper {
    queue: Arc<dyn Queue>,
    receipts: Vec<String>,
    visibility: Duration,
    /// When the first of them was received: their visibility timeout runs from then.
    since: Instant,
}

impl Keeper {
    /// Runs `work`; each time half the visibility timeout has passed (from `since`, then from
    /// each extension), the messages' visibility timeout starts again, until `work` is done.
    async fn keep_hidden<T>(self, work: impl Future<Output = T>) -> T {
        let period = self.visibility / 2;
        let extend = async {
            let mut due = self.since + period;
            loop {
                tokio::time::sleep_until(due.into()).await;
                due = Instant::now() + period;
                self.extend().await;
            }
        };
        tokio::select! {
            done = work => done,
            _ = extend => unreachable!("extends until the work is done"),
        }
    }

    async fn extend(&self) {
        for chunk in self.receipts.chunks(MAX_QUEUE_BATCH) {
            let failed = match self.queue.change_visibility(chunk, self.visibility).await {
                Ok(results) => results.into_iter().filter_map(Result::err).next(),
                Err(err) => Some(err),
            };
            if let Some(err) = failed {
                tracing::warn!(%err, "visibility not extended: a message may be received again meanwhile, and stored once more");
            }
        }
        tracing::debug!(
            messages = self.receipts.len(),
            seconds = self.visibility.as_secs(),
            "kept hidden while being stored"
        );
    }
}

/// The refused events of a packed message, as a packed message of their own, with the reasons.
/// When some events were kept, the dead letter gets an identity of its own: its events sit at
/// new positions, and must not derive the ids of the kept events if a redrive after a fix makes
/// them valid. When none were kept, positions are unchanged and so is the identity.
fn partial_poison(message: ReceivedMessage, rejected: &[RejectedEvent], kept_some: bool) -> Poison {
    let message = match kept_some {
        true => ReceivedMessage {
            message_id: format!("{}{REJECTED_SUFFIX}", message.message_id),
            ..message
        },
        false => message,
    };
    let raw: Vec<&str> = rejected.iter().map(|event| event.raw.as_str()).collect();
    let body = format!("[{}]", raw.join(",")).into_bytes();
    let details: Vec<String> = rejected
        .iter()
        .map(|event| format!("#{} {}", event.index, event.error))
        .collect();
    let reason = format!(
        "{}: {} event(s) of the message refused: {}",
        rejected[0].error.code(),
        rejected.len(),
        details.join("; ")
    );
    Poison {
        message,
        body,
        reason: shorten(&reason, MAX_REASON_CHARS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventError;

    #[test]
    fn refused_events_beside_kept_ones_get_an_identity_of_their_own() {
        let message = ReceivedMessage {
            message_id: "m-1".into(),
            receipt: "r".into(),
            body: Vec::new(),
            receive_count: 1,
        };
        let rejected = [RejectedEvent {
            index: 1,
            raw: r#"{"page":"x","time":"2021-03-13T00:00:00Z"}"#.into(),
            error: EventError::PageNotPath,
        }];
        let alone = partial_poison(message.clone(), &rejected, false);
        assert_eq!(alone.message.message_id, "m-1");
        let poison = partial_poison(message, &rejected, true);
        assert_eq!(poison.message.message_id, "m-1#rejected");
        assert_eq!(poison.message.receipt, "r");
        assert_eq!(
            poison.body,
            br#"[{"page":"x","time":"2021-03-13T00:00:00Z"}]"#.to_vec()
        );
        assert!(poison.reason.starts_with("page-not-path: 1 event(s)"));
    }
}
