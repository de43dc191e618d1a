//! Kinesis batches from the event source mapping: each record stored exactly as `drain` stores
//! it from the stream (the same identity, so a record delivered again writes the same events;
//! poison dead-lettered with its reason, not blocking its shard), and the records whose events
//! could not be stored reported back by sequence number, so Lambda retries from the first of
//! them and checkpoints everything before it.

use aws_lambda_events::event::kinesis::KinesisEvent;
use aws_lambda_events::event::streams::{KinesisBatchItemFailure, KinesisEventResponse};
use std::collections::HashSet;
use std::time::{Duration, Instant};

use super::sqs::{log, store_messages};
use crate::backend::aws::stream_record_identity;
use crate::backend::{Backend, ReceivedMessage};
use crate::pipeline::drain::DrainSummary;

/// What one batch became: the answer for Lambda, and what was stored, for the log.
#[derive(Debug)]
pub struct StreamBatchOutcome {
    pub response: KinesisEventResponse,
    #[cfg(any(test, feature = "test-support"))]
    pub summary: DrainSummary,
}

/// Stores the batch's records; writes stop a margin before `time_left` runs out.
pub async fn store_stream_batch(
    backend: &Backend,
    batch: KinesisEvent,
    time_left: Duration,
) -> StreamBatchOutcome {
    let started = Instant::now();
    let messages: Vec<ReceivedMessage> = batch
        .records
        .into_iter()
        .map(|record| {
            let sequence = record.kinesis.sequence_number;
            // The event id is `shardId-...:sequence`: the shard is its first part.
            let shard = record
                .event_id
                .as_deref()
                .and_then(|id| id.split(':').next())
                .unwrap_or("shard")
                .to_owned();
            ReceivedMessage {
                message_id: stream_record_identity(
                    backend.stream_epoch,
                    &shard,
                    &sequence,
                    Some(&record.kinesis.partition_key),
                ),
                receipt: sequence,
                body: record.kinesis.data.0,
                receive_count: 1,
            }
        })
        .collect();
    let (unfinished, summary) = store_messages(backend, messages, time_left).await;
    let response = response_for(unfinished);
    let mut summary: DrainSummary = summary;
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    summary.busy_seconds = summary.elapsed_seconds;
    log(&summary, response.batch_item_failures.len());
    StreamBatchOutcome {
        response,
        #[cfg(any(test, feature = "test-support"))]
        summary,
    }
}

/// Every record not stored, by sequence number (Lambda retries from the lowest).
fn response_for(unfinished: Vec<String>) -> KinesisEventResponse {
    let mut response = KinesisEventResponse::default();
    let mut seen = HashSet::new();
    for sequence in unfinished {
        if seen.insert(sequence.clone()) {
            let mut failure = KinesisBatchItemFailure::default();
            failure.item_identifier = Some(sequence);
            response.batch_item_failures.push(failure);
        }
    }
    response
}
