//! SQS batches from the event source mapping: each message stored exactly as `drain` stores
//! it (the same identity, the same idempotent writes, poison dead-lettered with its reason),
//! and the messages whose events could not be stored reported back as partial batch failures,
//! so that Lambda deletes all the others and delivers those again.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::backend::{Backend, ReceivedMessage, WRITE_BOUND};
use crate::model::retry::RetryPolicy;
use crate::pipeline::drain::{DrainSummary, Storer, MAX_GROUP_BYTES, MAX_GROUP_MESSAGES};

/// Kept free before the invocation's deadline: a write still going then is given up, so the
/// function answers (with its failures) instead of being stopped, which would fail the batch.
const MARGIN: Duration = Duration::from_secs(3);

/// What one batch became: the answer for Lambda, and what was stored, for the log.
#[derive(Debug)]
pub struct BatchOutcome {
    pub response: SqsBatchResponse,
    /// What was stored; the log says it, and tests read it.
    #[cfg(any(test, feature = "test-support"))]
    pub summary: DrainSummary,
}

/// Stores the batch's messages; writes stop `MARGIN` before `time_left` runs out.
pub async fn store_batch(backend: &Backend, batch: SqsEvent, time_left: Duration) -> BatchOutcome {
    let started = Instant::now();
    let mut identities = HashMap::new();
    let mut messages = Vec::with_capacity(batch.records.len());
    for record in batch.records {
        let Some(message_id) = record.message_id else {
            // Lambda always sends one; without it the record can be neither stored under the
            // drain's identity nor reported, and Lambda deletes it with the batch.
            tracing::error!("an SQS record without a message id; it cannot be stored");
            continue;
        };
        // The receipt only tells the batch's messages apart here: Lambda deletes them.
        let receipt = record.receipt_handle.unwrap_or_else(|| message_id.clone());
        let receive_count = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|count| count.parse().ok())
            .unwrap_or(1);
        identities.insert(receipt.clone(), message_id.clone());
        messages.push(ReceivedMessage {
            message_id,
            receipt,
            body: record.body.unwrap_or_default().into_bytes(),
            receive_count,
        });
    }
    let (unfinished, mut summary) = store_messages(backend, messages, time_left).await;
    let failed: BTreeSet<&String> = unfinished
        .iter()
        .filter_map(|receipt| identities.get(receipt))
        .collect();
    let mut response = SqsBatchResponse::default();
    for id in failed {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id.clone();
        response.batch_item_failures.push(failure);
    }
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    summary.busy_seconds = summary.elapsed_seconds;
    log(&summary, response.batch_item_failures.len());
    BatchOutcome {
        response,
        #[cfg(any(test, feature = "test-support"))]
        summary,
    }
}

/// Stores received messages as a drain does, in its groups, writes stopping `MARGIN` before
/// `time_left` runs out; returns the receipts of those not stored, and what was stored.
pub(super) async fn store_messages(
    backend: &Backend,
    messages: Vec<ReceivedMessage>,
    time_left: Duration,
) -> (Vec<String>, DrainSummary) {
    let deadline = Instant::now() + time_left.saturating_sub(MARGIN);
    let mut storer = Storer::new(backend.clone(), RetryPolicy::default(), WRITE_BOUND);
    let mut unfinished = Vec::new();
    for group in groups(messages) {
        let left = deadline.saturating_duration_since(Instant::now());
        storer.write_bound = WRITE_BOUND.min(left);
        unfinished.extend(storer.store(group).await.unfinished);
    }
    (unfinished, storer.summary)
}

/// The batch in the groups a drain writes at once: a mapping may hand over thousands of
/// messages (up to Lambda's 6 MB payload), and a group is one bounded write.
fn groups(messages: Vec<ReceivedMessage>) -> Vec<Vec<ReceivedMessage>> {
    let mut groups: Vec<Vec<ReceivedMessage>> = Vec::new();
    let mut bytes = 0;
    for message in messages {
        let full = groups.last().is_none_or(|group| {
            group.len() >= MAX_GROUP_MESSAGES || bytes + message.body.len() > MAX_GROUP_BYTES
        });
        if full {
            groups.push(Vec::new());
            bytes = 0;
        }
        bytes += message.body.len();
        groups
            .last_mut()
            .expect("a group was just made")
            .push(message);
    }
    groups
}

/// One line per batch: what CloudWatch keeps of it, and what tests and benchmarks read.
pub(super) fn log(summary: &DrainSummary, failed: usize) {
    let json = serde_json::to_string(summary).unwrap_or_default();
    match failed {
        0 => tracing::info!(summary = %json, "batch stored"),
        _ => {
            tracing::warn!(summary = %json, failed, "batch stored in part; the failed messages come back")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(n: usize, bytes: usize) -> ReceivedMessage {
        ReceivedMessage {
            message_id: format!("m{n}"),
            receipt: format!("r{n}"),
            body: vec![b'x'; bytes],
            receive_count: 1,
        }
    }

    #[test]
    fn a_large_batch_is_stored_in_the_drains_groups() {
        let many: Vec<_> = (0..600).map(|n| message(n, 10)).collect();
        let sizes: Vec<usize> = groups(many).iter().map(Vec::len).collect();
        assert_eq!(sizes, [250, 250, 100]);
        let large: Vec<_> = (0..5).map(|n| message(n, 400 * 1024)).collect();
        let sizes: Vec<usize> = groups(large).iter().map(Vec::len).collect();
        assert_eq!(sizes, [2, 2, 1]);
        assert!(groups(Vec::new()).is_empty());
    }
}
