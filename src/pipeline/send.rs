//! Putting events on the queue: packed into messages, sent in batches, failed entries retried.

use anyhow::{bail, Context as _};
use indicatif::ProgressBar;
use std::time::Instant;

use crate::backend::{BackendError, Queue, MAX_QUEUE_BATCH};
use crate::event::{Event, Packer};
use crate::pipeline::retry::{retry, RetryPolicy};

/// SQS bills every 64 KiB of a message as one request: the cost-optimal message size.
pub const MESSAGE_BYTES: usize = 64 * 1024;

/// What a send did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SendStats {
    pub events: u64,
    pub messages: u64,
    pub batch_requests: u64,
    pub retried_entries: u64,
}

/// Streams events into packed messages and sends them; holds at most one batch in memory.
pub struct Sender<'a> {
    queue: &'a dyn Queue,
    packer: Packer,
    batch: Vec<(String, u64)>,
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
            batch: Vec::with_capacity(MAX_QUEUE_BATCH),
            stats: SendStats::default(),
            policy: RetryPolicy::default(),
            progress,
            started: Instant::now(),
            pending_events: 0,
        }
    }

    pub async fn push(&mut self, event: &Event) -> anyhow::Result<()> {
        if let Some(body) = self.packer.push(event) {
            self.queue_body(body).await?;
        }
        self.pending_events += 1;
        Ok(())
    }

    async fn queue_body(&mut self, body: String) -> anyhow::Result<()> {
        // The event being pushed goes into the next body, not this one.
        let events = std::mem::take(&mut self.pending_events);
        self.batch.push((body, events));
        if self.batch.len() == MAX_QUEUE_BATCH {
            self.send_batch().await?;
        }
        Ok(())
    }

    /// Sends what is left and returns the totals.
    pub async fn finish(mut self) -> anyhow::Result<SendStats> {
        if let Some(body) = self.packer.finish() {
            let events = std::mem::take(&mut self.pending_events);
            self.batch.push((body, events));
        }
        if !self.batch.is_empty() {
            self.send_batch().await?;
        }
        self.progress.finish_and_clear();
        Ok(self.stats)
    }

    pub fn elapsed_seconds(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Sends the batch; entries that fail are sent again, up to the retry policy's attempts.
    async fn send_batch(&mut self) -> anyhow::Result<()> {
        let mut unsent = std::mem::take(&mut self.batch);
        let mut attempt = 1;
        loop {
            let bodies: Vec<String> = unsent.iter().map(|(body, _)| body.clone()).collect();
            self.stats.batch_requests += 1;
            let results = retry(&self.policy, "send", || self.queue.send_batch(&bodies))
                .await
                .with_context(|| self.failure_note(&unsent))?;
            let mut failed = Vec::new();
            let mut last_error: Option<BackendError> = None;
            for (entry, result) in unsent.into_iter().zip(results) {
                match result {
                    Ok(()) => {
                        self.stats.messages += 1;
                        self.stats.events += entry.1;
                        self.progress.inc(entry.1);
                    }
                    Err(err) => {
                        failed.push(entry);
                        last_error = Some(err);
                    }
                }
            }
            if failed.is_empty() {
                return Ok(());
            }
            if attempt >= self.policy.attempts {
                let err = last_error.map(|err| err.to_string()).unwrap_or_default();
                bail!("{}: {err}", self.failure_note(&failed));
            }
            self.stats.retried_entries += failed.len() as u64;
            tokio::time::sleep(self.policy.delay(attempt)).await;
            attempt += 1;
            unsent = failed;
        }
    }

    fn failure_note(&self, unsent: &[(String, u64)]) -> String {
        let lost: u64 = unsent.iter().map(|(_, events)| events).sum();
        format!(
            "sending stopped after {} confirmed events in {} messages; {lost} events of the \
             failed batch may or may not be on the queue",
            self.stats.events, self.stats.messages
        )
    }
}
