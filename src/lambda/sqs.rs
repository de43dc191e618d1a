//! SQS batches from the event source mapping: each message stored exactly as `drain` stores
//! it (the same identity, the same idempotent writes, poison dead-lettered with its reason),
//! and the messages whose events could not be stored reported back as partial batch failures,
//! so that Lambda deletes all the others and delivers those again.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::backend::{Backend, ReceivedMessage, WRITE_BOUND};
use crate::pipeline::drain::{DrainSummary, Storer};
use crate::pipeline::retry::RetryPolicy;

/// Kept free before the invocation's deadline: a write still going then is given up, so the
/// function answers (with its failures) instead of being stopped, which would fail the batch.
const MARGIN: Duration = Duration::from_secs(3);

/// What one batch became: the answer for Lambda, and what was stored, for the log.
#[derive(Debug)]
pub struct BatchOutcome {
    pub response: SqsBatchResponse,
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
    let bound = WRITE_BOUND.min(time_left.saturating_sub(MARGIN));
    let mut storer = Storer::new(backend.clone(), RetryPolicy::default(), bound);
    let stored = storer.store(messages).await;
    let failed: BTreeSet<&String> = stored
        .unfinished
        .iter()
        .filter_map(|receipt| identities.get(receipt))
        .collect();
    let mut response = SqsBatchResponse::default();
    for id in failed {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id.clone();
        response.batch_item_failures.push(failure);
    }
    let mut summary = storer.summary;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    summary.busy_seconds = summary.elapsed_seconds;
    log(&summary, response.batch_item_failures.len());
    BatchOutcome { response, summary }
}

/// One line per batch: what CloudWatch keeps of it, and what tests and benchmarks read.
fn log(summary: &DrainSummary, failed: usize) {
    let json = serde_json::to_string(summary).unwrap_or_default();
    match failed {
        0 => tracing::info!(summary = %json, "batch stored"),
        _ => {
            tracing::warn!(summary = %json, failed, "batch stored in part; the failed messages come back")
        }
    }
}
