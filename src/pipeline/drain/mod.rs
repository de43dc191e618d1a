//! The drain loop: queue backlog -> raw events table, delete after write, poison isolated; the
//! messages being stored kept hidden however slow the table is; on a stop, every message
//! received is finished or handed back to the queue at once.

mod hidden;
mod previous;
mod store;

use anyhow::Context as _;
use indicatif::ProgressBar;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::backend::retry::{retry, RetryPolicy};
#[cfg(doc)]
use crate::backend::WRITE_BOUND;
use crate::backend::{Backend, BackendResult, ReceiveOptions, ReceivedMessage};
use crate::pipeline::shutdown::Shutdown;
use hidden::Keeper;
pub use previous::drain_previous;
pub use store::Storer;
/// While the queue keeps answering, receives are gathered into one write of up to this many
/// messages or bytes: small messages then fill whole table batches (25 items on DynamoDB, one
/// transaction locally) instead of one per receive of 10.
pub const MAX_GROUP_MESSAGES: usize = 250;
pub const MAX_GROUP_BYTES: usize = 1024 * 1024;

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

impl DrainOptions {
    /// One worker draining until the queue stays empty (two empty receives of `wait`), with
    /// the queue's own visibility timeout: what commands that drain on the way mean.
    pub fn until_empty(wait: Duration) -> Self {
        DrainOptions {
            wait,
            visibility: None,
            idle_polls: 2,
            follow: false,
            workers: 1,
            retry: RetryPolicy::default(),
            write_bound: crate::backend::WRITE_BOUND,
        }
    }
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
    /// Of `events_written`, those from the queue the deployment had before a queue change.
    pub from_previous_queue: u64,
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
        self.from_previous_queue += other.from_previous_queue;
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
    // Senders that started before a queue change may still have put events on the old queue.
    let from_previous = previous::drain_previous(backend, options, shutdown).await;
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
    let mut summary = from_previous;
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
    // Every worker has deleted or handed back what it received.
    if let Err(err) = backend.queue.finish_reading().await {
        tracing::warn!(%err, "the queue's shares of work were not given up; they run out by themselves");
    }
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    progress.finish_and_clear();
    match first_error {
        Some(err) => Err(err),
        None => Ok(summary),
    }
}

/// What a task on the blocking pool returned; its panic goes on. (A blocking task is cancelled
/// only when the runtime shuts down, which a running drain never asks for.)
async fn finished<T>(task: tokio::task::JoinHandle<T>) -> T {
    match task.await {
        Ok(value) => value,
        Err(failed) if failed.is_panic() => std::panic::resume_unwind(failed.into_panic()),
        Err(failed) => panic!("a drain's decoding was cancelled: {failed}"),
    }
}

/// A receive towards a group that holds `messages` messages of `bytes` bytes so far: up to what
/// the group still has room for (a queue that takes large batches fills it in one receive).
fn group_receive(
    wait: Duration,
    visibility: Duration,
    messages: usize,
    bytes: usize,
) -> ReceiveOptions {
    ReceiveOptions {
        wait,
        visibility: Some(visibility),
        max_messages: Some(MAX_GROUP_MESSAGES.saturating_sub(messages)),
        max_bytes: Some(MAX_GROUP_BYTES.saturating_sub(bytes)),
    }
}

fn receipts_of(messages: &[ReceivedMessage]) -> Vec<String> {
    messages.iter().map(|m| m.receipt.clone()).collect()
}

/// A group of received messages, decoded, waiting to be written.
struct Group {
    /// What decoded it, and will store it (with what it counted so far).
    storer: Storer,
    decoded: store::Decoded,
    receipts: Vec<String>,
    /// When the first of them was received: their visibility timeout runs from then.
    received_at: Instant,
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

impl Worker {
    /// Receives and stores groups of messages until the queue stays empty or a stop is asked
    /// for. While one group is written, the next is received and decoded: decoding takes a
    /// core of its own instead of waiting for the write (the table has one writer, so the
    /// next group is received before the write starts, not during it).
    async fn run(mut self) -> anyhow::Result<DrainSummary> {
        let mut idle = 0;
        let mut in_hand: Option<Group> = None;
        while !self.shutdown.is_requested() {
            // With a group in hand, only what is ready now is received: the group is not held
            // back by a long poll.
            let wait = match in_hand {
                Some(_) => Duration::ZERO,
                None => self.options.wait,
            };
            // Never dropped for a stop: a receive abandoned half-way may already have taken
            // messages (SQS hides them as it answers; the local queue's transaction runs to its
            // end on the blocking pool), and they would stay hidden for the visibility timeout.
            // It ends within its long-poll wait, and what it brings is finished below.
            let messages = match self.receive(wait).await {
                Ok(messages) => messages,
                Err(err) if in_hand.is_some() => {
                    tracing::debug!(%err, "receive failed; storing the group in hand first");
                    Vec::new()
                }
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
            let next = match messages.is_empty() {
                true => None,
                // Their visibility timeout runs from about now (the first of them).
                false => {
                    let received_at = Instant::now();
                    Some((self.fill(messages).await, received_at))
                }
            };
            in_hand = match (in_hand.take(), next) {
                (None, None) => {
                    idle += 1;
                    if !self.options.follow && idle >= self.options.idle_polls {
                        break;
                    }
                    None
                }
                (None, Some((messages, received_at))) => {
                    idle = 0;
                    Some(self.decode_off_the_runtime(messages, received_at).await)
                }
                (Some(group), None) => {
                    self.handle_group(group).await;
                    None
                }
                (Some(group), Some((messages, received_at))) => {
                    idle = 0;
                    Some(
                        self.handle_while_decoding(group, messages, received_at)
                            .await,
                    )
                }
            };
        }
        // Received before the stop: finished (or handed back) like any other.
        if let Some(group) = in_hand {
            self.handle_group(group).await;
        }
        Ok(self.summary)
    }

    /// Stores `group` while the messages received after it are decoded on another thread; the
    /// latter are kept hidden meanwhile, as the group being stored is.
    async fn handle_while_decoding(
        &mut self,
        group: Group,
        messages: Vec<ReceivedMessage>,
        received_at: Instant,
    ) -> Group {
        let keeper = self.keeper(receipts_of(&messages), received_at);
        let decoding = self.start_decoding(messages, received_at);
        let work = async { tokio::join!(self.handle_group(group), finished(decoding)) };
        let ((), next) = keeper.keep_hidden(work).await;
        next
    }

    /// Decodes a group on the blocking pool, where it runs beside a write in progress.
    async fn decode_off_the_runtime(
        &self,
        messages: Vec<ReceivedMessage>,
        received_at: Instant,
    ) -> Group {
        finished(self.start_decoding(messages, received_at)).await
    }

    /// Starts decoding a group on the blocking pool.
    fn start_decoding(
        &self,
        messages: Vec<ReceivedMessage>,
        received_at: Instant,
    ) -> tokio::task::JoinHandle<Group> {
        let mut storer = Storer::new(
            self.backend.clone(),
            self.options.retry,
            self.options.write_bound,
        );
        storer.progress = self.progress.clone();
        tokio::task::spawn_blocking(move || {
            let receipts = receipts_of(&messages);
            let decoded = storer.decode(messages);
            Group {
                storer,
                decoded,
                receipts,
                received_at,
            }
        })
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
                .receive(group_receive(
                    Duration::ZERO,
                    self.visibility,
                    batch.len(),
                    bytes,
                ))
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

    async fn receive(&self, wait: Duration) -> BackendResult<Vec<ReceivedMessage>> {
        let queue = &self.backend.queue;
        let options = group_receive(wait, self.visibility, 0, 0);
        retry(&self.options.retry, "receive", || queue.receive(options)).await
    }

    /// Keeps the messages of `receipts`, received at `since`, hidden while work on them goes on.
    fn keeper(&self, receipts: Vec<String>, since: Instant) -> Keeper {
        Keeper {
            queue: self.backend.queue.clone(),
            receipts,
            visibility: self.visibility,
            since,
        }
    }

    /// Write every good event of the group, dead-letter what can never be written, and only
    /// then delete the messages: a crash anywhere leaves them to be delivered again. While
    /// their events are being stored they are kept hidden, however long the store takes (up
    /// to its write bound), so no other drain receives and writes them meanwhile.
    async fn handle_group(&mut self, group: Group) {
        let Group {
            mut storer,
            decoded,
            receipts,
            received_at,
        } = group;
        let keeper = self.keeper(receipts, received_at);
        let stored = keeper.keep_hidden(storer.store_decoded(decoded)).await;
        self.summary.merge(storer.summary);
        let mut unfinished = stored.unfinished;
        unfinished.extend(self.delete(stored.done).await);
        self.hand_back_if_stopping(unfinished).await;
        self.summary.busy_seconds = self.started.elapsed().as_secs_f64();
    }

    /// A stopping drain hands what it could not finish back to the queue at once, so another
    /// drain (or this one, restarted) gets it now rather than after the visibility timeout.
    /// A running drain leaves it hidden: the timeout then spaces out the next attempts.
    async fn hand_back_if_stopping(&mut self, receipts: Vec<String>) {
        if receipts.is_empty() || !self.shutdown.is_requested() {
            return;
        }
        let queue = &self.backend.queue;
        for chunk in receipts.chunks(queue.batch_limit()) {
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

    /// Deletes what is done; returns the receipts it could not delete.
    async fn delete(&mut self, receipts: Vec<String>) -> Vec<String> {
        let queue = &self.backend.queue;
        let mut left = Vec::new();
        for chunk in receipts.chunks(queue.batch_limit()) {
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
