//! The queue on a Kinesis data stream, the article's second pipeline: records put with
//! PutRecords (partition keys spread, only failed records retried); drains on any number of
//! processes share the shards by leases (conditional writes in the daily table), read a
//! closed parent to its end before its children, and checkpoint a shard only over records
//! whose events are stored, so a crash reads them again and stores the same events once.
//! Kinesis has no dead-letter queue: poison goes to the deployment's SQS one, with its reason.
//! This file holds the queue contract and sending; sharing.rs which shards a process reads,
//! reading.rs the reading and checkpoints, counts.rs what `status` sees, leases.rs the lease
//! items, progress.rs the pure bookkeeping of what is out.

mod counts;
mod leases;
mod progress;
pub(super) mod provision;
mod reading;
mod sharing;

use async_trait::async_trait;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::PutRecordsRequestEntry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

use super::dead_letters::{identity as dead_letter_identity, SendBack};
use super::request::send;
use super::{malformed, AwsBackend, QueueSetup};
use crate::backend::{
    BackendError, BackendResult, BatchResults, DeadLetter, Poison, Queue, QueueStats,
    ReceiveOptions, ReceivedMessage, RedriveOutcome, StreamState,
};
use crate::model::retry::RetryPolicy;
use leases::{now_ms, Leases};
pub(super) use leases::{LEASE_PARTITION, WORKER_PARTITION};
use progress::{Receipt, ShardProgress, Stale};

/// PutRecords takes at most 500 records and 5 MiB; a record holds at most 1 MiB.
const MAX_PUT_RECORDS: usize = 500;
const MAX_PUT_BYTES: usize = 5 * 1024 * 1024;
const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// GetRecords brings at most 10,000 records.
const MAX_GET_RECORDS: usize = 10_000;
/// How often a drain looks at the shards (new ones after a split, leases to take) at most.
const REFRESH: Duration = Duration::from_secs(10);
/// ... and at least this seldom: a refresh is four calls (made without the reading state, but
/// calls all the same).
const MIN_REFRESH: Duration = Duration::from_secs(1);
/// A shard answers 5 GetRecords a second: a waiting receive looks again after this.
const POLL: Duration = Duration::from_millis(250);
/// Most GetRecords calls `stats` makes a shard to count what is unread (each brings up to
/// 10,000 records).
const COUNT_CALLS: usize = 10;
/// A record whose partition key starts with this carries the identity its events derive
/// their ids from (a redriven dead letter); any other record is named by shard and sequence.
const SOURCE_KEY_PREFIX: &str = "src:";

/// A deployment's stream, as the drain's and the senders' queue.
pub(super) struct StreamQueue {
    kinesis: aws_sdk_kinesis::Client,
    stream: String,
    leases: Leases,
    /// The deployment's SQS side: the dead-letter queue.
    dead: Arc<AwsBackend>,
    /// How long a record handed out stays with its receiver, and how long a lease lasts
    /// without renewal (a process that dies loses its shards after it).
    visibility: Duration,
    /// Readings of a record (by this process) after which it goes to the dead-letter queue
    /// instead of being handed out again, as SQS's redrive policy does.
    max_receives: u32,
    /// Streams the deployment had before this one: part of its records' identities.
    epoch: u32,
    retry: RetryPolicy,
    reading: Mutex<Reading>,
}

/// What this process reads.
#[derive(Default)]
struct Reading {
    shards: BTreeMap<String, HeldShard>,
    /// How often this process read each record of the shards it let go, so that a shard taken
    /// again goes on counting its records' receives (for the max receives).
    readings_kept: BTreeMap<String, HashMap<String, u32>>,
    refreshed: Option<Instant>,
    /// The shard a receive starts at, so every held shard gets its turn.
    turn: usize,
    /// Shards taken so far: each taking is a holding of its own.
    holdings: u64,
}

/// A shard this process holds the lease of.
struct HeldShard {
    /// Where the next GetRecords reads; `None`: ask for one after `position`.
    iterator: Option<String>,
    /// The last record handed out in this reading (or the checkpoint).
    position: Option<String>,
    progress: ShardProgress,
    /// The lease runs out at this instant unless renewed.
    lease_until: Instant,
    /// The last record of a closed shard.
    ending: Option<String>,
    /// Every record was handed out.
    read_to_end: bool,
    /// Which taking of the shard this is (a read begun on an earlier one is not for it).
    holding: u64,
    /// A receive is reading it, without the reading state: no other receive reads it then.
    busy: bool,
}

impl Reading {
    /// Stops reading shard `id`, keeping how often its records were read.
    fn let_go(&mut self, id: &str) {
        if let Some(mut shard) = self.shards.remove(id) {
            self.readings_kept
                .insert(id.to_owned(), shard.progress.take_readings());
        }
    }
}

impl StreamQueue {
    pub(super) fn new(
        kinesis: aws_sdk_kinesis::Client,
        stream: String,
        dead: Arc<AwsBackend>,
        setup: QueueSetup,
    ) -> Self {
        let visibility = setup.visibility;
        StreamQueue {
            max_receives: setup.max_receives,
            epoch: setup.stream_epoch,
            kinesis,
            leases: Leases {
                dynamodb: dead.dynamodb.clone(),
                table: dead.names.daily_table.clone(),
                owner: dead.lease_owner.clone(),
            },
            retry: dead.retry,
            stream,
            dead,
            visibility,
            reading: Mutex::new(Reading::default()),
        }
    }

    /// How often the shards are looked at: a third of a lease, within bounds.
    fn refresh_interval(&self) -> Duration {
        REFRESH.min(self.visibility / 3).max(MIN_REFRESH)
    }

    /// DescribeStreamSummary of the stream: whether it is there and may be put to (a sender's
    /// permissions allow it), and its retention.
    async fn summary(
        &self,
    ) -> BackendResult<
        aws_sdk_kinesis::operation::describe_stream_summary::DescribeStreamSummaryOutput,
    > {
        send(
            &self.retry,
            &format!("DescribeStreamSummary {}", self.stream),
            || {
                self.kinesis
                    .describe_stream_summary()
                    .stream_name(&self.stream)
                    .send()
            },
        )
        .await
    }

    fn lease_until_ms(&self) -> i64 {
        now_ms() + self.visibility.as_millis() as i64
    }
}

/// The identity a record's id-less events derive their ids from, and its raw items are named
/// by: the one it carries in its partition key, or its shard and sequence number (the same at
/// every reading), after the stream's epoch when the deployment had streams before it (a new
/// stream numbers its records afresh).
pub fn record_identity(
    epoch: u32,
    shard: &str,
    sequence: &str,
    partition_key: Option<&str>,
) -> String {
    match (
        partition_key.and_then(|key| key.strip_prefix(SOURCE_KEY_PREFIX)),
        epoch,
    ) {
        (Some(source), _) => source.to_owned(),
        (None, 0) => format!("{shard}:{sequence}"),
        (None, epoch) => format!("{epoch}:{shard}:{sequence}"),
    }
}

#[async_trait]
impl Queue for StreamQueue {
    fn batch_limit(&self) -> usize {
        MAX_PUT_RECORDS
    }

    fn batch_bytes(&self) -> usize {
        MAX_PUT_BYTES
    }

    async fn check_can_send(&self) -> BackendResult<()> {
        self.summary().await.map(|_| ())
    }

    async fn send_batch(&self, bodies: &[String]) -> BatchResults {
        let total: usize = bodies.iter().map(String::len).sum();
        if bodies.len() > MAX_PUT_RECORDS
            || total > MAX_PUT_BYTES
            || bodies.iter().any(|body| body.len() > MAX_RECORD_BYTES)
        {
            return Err(BackendError::permanent(format!(
                "a batch of {} records and {total} bytes is over Kinesis's limits (500 records, 5 MiB, 1 MiB each)",
                bodies.len()
            )));
        }
        let entries = bodies
            .iter()
            .map(|body| {
                PutRecordsRequestEntry::builder()
                    .data(Blob::new(body.as_bytes()))
                    // A random key a record: records spread evenly over the shards.
                    .partition_key(crate::backend::random_token())
                    .build()
                    .map_err(malformed)
            })
            .collect::<BackendResult<Vec<_>>>()?;
        self.put(entries).await
    }

    async fn receive(&self, options: ReceiveOptions) -> BackendResult<Vec<ReceivedMessage>> {
        let deadline = Instant::now() + options.wait;
        let max_messages = options
            .max_messages
            .unwrap_or(MAX_GET_RECORDS)
            .clamp(1, MAX_GET_RECORDS);
        let hidden_for = options.visibility.unwrap_or(self.visibility);
        loop {
            if self.refresh_due().await {
                self.refresh().await?;
            }
            self.renew().await?;
            let messages = self
                .read_held(max_messages, options.max_bytes, hidden_for)
                .await?;
            if !messages.is_empty() {
                return Ok(messages);
            }
            if self.reading.lock().await.refreshed.is_none() {
                // A parent just finished: take its children before answering.
                continue;
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(Vec::new());
            }
            tokio::time::sleep(POLL.min(deadline - now)).await;
        }
    }

    async fn delete_batch(&self, receipts: &[String]) -> BatchResults {
        let mut reading = self.reading.lock().await;
        let mut results = Vec::with_capacity(receipts.len());
        let mut touched: Vec<String> = Vec::new();
        let mut shards_of = Vec::with_capacity(receipts.len());
        for text in receipts {
            let Some(receipt) = Receipt::decode(text) else {
                results.push(Err(BackendError::permanent(format!(
                    "not a stream receipt: {text}"
                ))));
                shards_of.push(None);
                continue;
            };
            let outcome = match reading.shards.get_mut(&receipt.shard) {
                None => Err(BackendError::transient(format!(
                    "shard {} is no longer read here: its new reader reads the record again (its events are stored once)",
                    receipt.shard
                ))),
                // Read again since: it comes back and is stored once more, harmlessly.
                Some(shard) => match shard.progress.done(&receipt) {
                    Ok(()) | Err(Stale::Reread) => Ok(()),
                    Err(Stale::Unknown) => Err(BackendError::permanent(format!(
                        "record {} of {} was not handed out by this reading",
                        receipt.sequence, receipt.shard
                    ))),
                },
            };
            if outcome.is_ok() && !touched.contains(&receipt.shard) {
                touched.push(receipt.shard.clone());
            }
            shards_of.push(Some(receipt.shard));
            results.push(outcome);
        }
        let lost = self.checkpoint(&mut reading, &touched).await;
        for (result, shard) in results.iter_mut().zip(shards_of) {
            if let Some(err) = shard.and_then(|shard| lost.get(&shard)) {
                if result.is_ok() {
                    // Every record of the shard shares the one failure.
                    *result = Err(match err.is_transient() {
                        true => BackendError::transient(err.to_string()),
                        false => BackendError::permanent(err.to_string()),
                    });
                }
            }
        }
        Ok(results)
    }

    async fn change_visibility(&self, receipts: &[String], timeout: Duration) -> BatchResults {
        let until = Instant::now() + timeout;
        let mut reading = self.reading.lock().await;
        let results = receipts
            .iter()
            .map(|text| {
                let receipt = Receipt::decode(text).ok_or_else(|| {
                    BackendError::permanent(format!("not a stream receipt: {text}"))
                })?;
                match reading.shards.get_mut(&receipt.shard) {
                    None => Err(BackendError::transient(format!(
                        "shard {} is no longer read here",
                        receipt.shard
                    ))),
                    Some(shard) => match shard.progress.hide(&receipt, until) {
                        Ok(()) | Err(Stale::Reread) => Ok(()),
                        Err(Stale::Unknown) => Err(BackendError::permanent(format!(
                            "record {} of {} is not out",
                            receipt.sequence, receipt.shard
                        ))),
                    },
                }
            })
            .collect();
        drop(reading);
        // Keeping records means keeping their shards.
        self.renew().await?;
        Ok(results)
    }

    async fn visibility_timeout(&self) -> BackendResult<Duration> {
        Ok(self.visibility)
    }

    async fn send_dead_letter(&self, poison: &Poison) -> BackendResult<()> {
        self.dead.send_dead_letter(poison).await
    }

    /// Kinesis counts no unread records: `visible` is counted by reading every shard from its
    /// checkpoint (at most [`COUNT_CALLS`] GetRecords a shard: past that, a lower bound), less
    /// what this process has out; `in_flight` is what this process has out (another
    /// process's is not known). The dead letters are counted by SQS.
    async fn stats(&self) -> BackendResult<QueueStats> {
        let unread = self.count_unread().await?;
        let in_flight: u64 = {
            let reading = self.reading.lock().await;
            let now = Instant::now();
            reading
                .shards
                .values()
                .map(|shard| shard.progress.hidden(now) as u64)
                .sum()
        };
        let url = self.dead.dead_letter_url().await?;
        let attributes = self.dead.queue_attributes(url).await?;
        let dead_letters = attributes
            .get(&aws_sdk_sqs::types::QueueAttributeName::ApproximateNumberOfMessages)
            .and_then(|value| value.parse().ok())
            .unwrap_or(0);
        Ok(QueueStats {
            visible: unread.saturating_sub(in_flight),
            in_flight,
            dead_letters,
        })
    }

    async fn list_dead_letters(&self, limit: usize) -> BackendResult<Vec<DeadLetter>> {
        self.dead.list_dead_letters_sqs(limit).await
    }

    /// Copies the dead letters back onto the stream (Kinesis has no move task), each with
    /// its identity in its partition key.
    async fn redrive_dead_letters(&self) -> BackendResult<RedriveOutcome> {
        self.dead.copy_back(self).await
    }

    async fn purge_dead_letters(&self) -> BackendResult<u64> {
        self.dead.purge_sqs().await
    }

    async fn stream_state(&self) -> BackendResult<Option<StreamState>> {
        self.describe().await.map(Some)
    }

    async fn finish_reading(&self) -> BackendResult<()> {
        let mut reading = self.reading.lock().await;
        let held: Vec<String> = reading.shards.keys().cloned().collect();
        for id in held {
            // What is still out was handed back or stays unstored: the next reader starts at
            // the checkpoint either way.
            self.leases.release(&id).await?;
            reading.let_go(&id);
        }
        reading.refreshed = None;
        self.leases.leave().await
    }
}

impl StreamQueue {}

#[async_trait]
impl SendBack for StreamQueue {
    async fn send_back(
        &self,
        letters: &[aws_sdk_sqs::types::Message],
    ) -> BackendResult<Vec<String>> {
        let entries = letters
            .iter()
            .map(|letter| {
                let identity = dead_letter_identity(letter).unwrap_or_default();
                PutRecordsRequestEntry::builder()
                    .data(Blob::new(
                        letter.body.clone().unwrap_or_default().into_bytes(),
                    ))
                    // The identity rides in the key (256 characters at most; a record's own
                    // is shard and sequence, well within it).
                    .partition_key(format!("{SOURCE_KEY_PREFIX}{identity}"))
                    .build()
                    .map_err(malformed)
            })
            .collect::<BackendResult<Vec<_>>>()?;
        let results = self.put(entries).await?;
        Ok(letters
            .iter()
            .zip(results)
            .filter_map(|(letter, result)| match result {
                Ok(()) => letter.receipt_handle.clone(),
                Err(err) => {
                    tracing::warn!(%err, "a dead letter was not put back on the stream; it stays dead");
                    None
                }
            })
            .collect())
    }
}

impl StreamQueue {
    /// PutRecords of prepared entries; one result per entry, in order: a record the stream
    /// refused (throttled, an internal failure) fails alone and is sent again by the caller.
    async fn put(&self, entries: Vec<PutRecordsRequestEntry>) -> BatchResults {
        let output = send(&self.retry, &format!("PutRecords {}", self.stream), || {
            self.kinesis
                .put_records()
                .stream_name(&self.stream)
                .set_records(Some(entries.clone()))
                .send()
        })
        .await?;
        let mut results: Vec<BackendResult<()>> = output
            .records()
            .iter()
            .map(|record| match record.error_code() {
                None => Ok(()),
                Some(code) => Err(BackendError::transient(format!(
                    "PutRecords entry failed: {code}: {}",
                    record.error_message().unwrap_or("")
                ))),
            })
            .collect();
        // An answer that does not account for every record: the rest are unconfirmed.
        results.resize_with(entries.len(), || {
            Err(BackendError::transient(
                "PutRecords did not answer for this record",
            ))
        });
        Ok(results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_is_the_carried_source_or_shard_and_sequence() {
        assert_eq!(
            record_identity(0, "shardId-1", "42", Some("ab12")),
            "shardId-1:42"
        );
        assert_eq!(
            record_identity(0, "shardId-1", "42", Some("src:m-7")),
            "m-7"
        );
        assert_eq!(record_identity(0, "shardId-1", "42", None), "shardId-1:42");
        // A later stream's record 42 is not the first stream's.
        assert_eq!(
            record_identity(2, "shardId-1", "42", None),
            "2:shardId-1:42"
        );
        assert_eq!(
            record_identity(2, "shardId-1", "42", Some("src:m-7")),
            "m-7"
        );
    }
}
