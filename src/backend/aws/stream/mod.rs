//! The queue on a Kinesis data stream, the article's second pipeline: records put with
//! PutRecords (partition keys spread, only failed records retried); drains on any number of
//! processes share the shards by leases (conditional writes in the daily table), read a
//! closed parent to its end before its children, and checkpoint a shard only over records
//! whose events are stored, so a crash reads them again and stores the same events once.
//! Kinesis has no dead-letter queue: poison goes to the deployment's SQS one, with its reason.

mod leases;
mod progress;
pub(super) mod provision;

use async_trait::async_trait;
use aws_sdk_kinesis::operation::get_records::GetRecordsError;
use aws_sdk_kinesis::primitives::Blob;
use aws_sdk_kinesis::types::{PutRecordsRequestEntry, ShardIteratorType};
use aws_sdk_sqs::error::SdkError;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

use super::dead_letters::{identity as dead_letter_identity, SendBack};
use super::request::{send, send_unless};
use super::{malformed, AwsBackend, QueueSetup};
use crate::backend::{
    BackendError, BackendResult, BatchResults, DeadLetter, Poison, Queue, QueueStats,
    ReceiveOptions, ReceivedMessage, RedriveOutcome, ShardState, StreamState,
};
use crate::model::retry::RetryPolicy;
use leases::{now_ms, Lease, Leases};
pub(super) use leases::{LEASE_PARTITION, WORKER_PARTITION};
use progress::{sequence_order, Receipt, ShardProgress, Stale};

/// PutRecords takes at most 500 records and 5 MiB; a record holds at most 1 MiB.
const MAX_PUT_RECORDS: usize = 500;
const MAX_PUT_BYTES: usize = 5 * 1024 * 1024;
const MAX_RECORD_BYTES: usize = 1024 * 1024;
/// GetRecords brings at most 10,000 records.
const MAX_GET_RECORDS: usize = 10_000;
/// How often a drain looks at the shards (new ones after a split, leases to take) at most.
const REFRESH: Duration = Duration::from_secs(10);
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
}

/// A shard as ListShards gives it.
#[derive(Debug, Clone)]
struct ListedShard {
    id: String,
    parents: Vec<String>,
    ending: Option<String>,
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

    fn lease_until_ms(&self) -> i64 {
        now_ms() + self.visibility.as_millis() as i64
    }

    async fn list_shards(&self) -> BackendResult<Vec<ListedShard>> {
        let mut shards = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = send(&self.retry, &format!("ListShards {}", self.stream), || {
                // A next token names the stream itself: the two are never sent together.
                let request = self.kinesis.list_shards();
                match &token {
                    Some(token) => request.next_token(token),
                    None => request.stream_name(&self.stream),
                }
                .send()
            })
            .await?;
            for shard in output.shards() {
                shards.push(ListedShard {
                    id: shard.shard_id().to_owned(),
                    parents: [shard.parent_shard_id(), shard.adjacent_parent_shard_id()]
                        .into_iter()
                        .flatten()
                        .map(str::to_owned)
                        .collect(),
                    ending: shard
                        .sequence_number_range()
                        .and_then(|range| range.ending_sequence_number())
                        .map(str::to_owned),
                });
            }
            token = output.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(shards);
            }
        }
    }

    /// Looks at the shards and the other processes: takes free shards up to this process's
    /// share, gives up what is over it, drops shards whose lease was lost.
    async fn refresh(&self, reading: &mut Reading) -> BackendResult<()> {
        reading.refreshed = Some(Instant::now());
        let processes = self.leases.heartbeat(self.lease_until_ms()).await?;
        let listed = self.list_shards().await?;
        let leases: BTreeMap<String, Lease> = self
            .leases
            .all()
            .await?
            .into_iter()
            .map(|lease| (lease.shard.clone(), lease))
            .collect();
        let readable = readable_shards(&listed, &leases);
        let share = readable.len().div_ceil(processes);
        reading
            .shards
            .retain(|id, _| readable.iter().any(|shard| &shard.id == id));
        self.give_up_over_share(reading, share).await;
        let now = now_ms();
        for shard in readable {
            if reading.shards.len() >= share {
                break;
            }
            if reading.shards.contains_key(&shard.id)
                || leases.get(&shard.id).is_some_and(|lease| lease.held(now))
            {
                continue;
            }
            if let Some(lease) = self.leases.take(&shard.id, self.lease_until_ms()).await? {
                tracing::debug!(shard = %shard.id, checkpoint = ?lease.checkpoint, "shard taken");
                reading.shards.insert(
                    shard.id.clone(),
                    HeldShard {
                        iterator: None,
                        position: lease.checkpoint.clone(),
                        progress: ShardProgress::starting_at(lease.checkpoint)
                            .with_readings(reading.readings_kept.remove(&shard.id)),
                        lease_until: Instant::now() + self.visibility,
                        ending: shard.ending.clone(),
                        read_to_end: false,
                    },
                );
            }
        }
        Ok(())
    }

    /// Releases shards over `share` that have nothing out, for processes that hold fewer.
    async fn give_up_over_share(&self, reading: &mut Reading, share: usize) {
        let idle: Vec<String> = reading
            .shards
            .iter()
            .filter(|(_, shard)| shard.progress.in_flight() == 0)
            .map(|(id, _)| id.clone())
            .collect();
        for id in idle
            .into_iter()
            .take(reading.shards.len().saturating_sub(share))
        {
            reading.let_go(&id);
            if let Err(err) = self.leases.release(&id).await {
                tracing::warn!(%err, shard = %id, "lease not released; it runs out by itself");
            }
        }
    }

    /// Renews the leases past half their time; drops those lost.
    async fn renew(&self, reading: &mut Reading) -> BackendResult<()> {
        let due: Vec<String> = reading
            .shards
            .iter()
            .filter(|(_, shard)| shard.lease_until < Instant::now() + self.visibility / 2)
            .map(|(id, _)| id.clone())
            .collect();
        for id in due {
            if self.leases.renew(&id, self.lease_until_ms()).await? {
                if let Some(shard) = reading.shards.get_mut(&id) {
                    shard.lease_until = Instant::now() + self.visibility;
                }
            } else {
                tracing::warn!(shard = %id, "lease lost: another process reads the shard now");
                reading.shards.remove(&id);
            }
        }
        Ok(())
    }

    /// Reads what the held shards have, from the shard whose turn it is on, up to the limits.
    async fn read_held(
        &self,
        reading: &mut Reading,
        max_messages: usize,
        max_bytes: Option<usize>,
        hidden_for: Duration,
    ) -> BackendResult<Vec<ReceivedMessage>> {
        let ids: Vec<String> = reading.shards.keys().cloned().collect();
        let mut finished = false;
        for k in 0..ids.len() {
            let id = &ids[(reading.turn + k) % ids.len()];
            let Some(shard) = reading.shards.get_mut(id) else {
                continue;
            };
            let messages = self
                .read_shard(id, shard, max_messages, max_bytes, hidden_for)
                .await?;
            if shard.read_to_end && shard.progress.in_flight() == 0 {
                finished |= self.finish(reading, id).await?;
            }
            if !messages.is_empty() {
                reading.turn = (reading.turn + k + 1) % ids.len().max(1);
                return Ok(messages);
            }
        }
        if finished {
            // The children of a finished parent may be read now.
            reading.refreshed = None;
        }
        Ok(Vec::new())
    }

    /// Records that a closed shard was stored to its end, and lets it go.
    async fn finish(&self, reading: &mut Reading, id: &str) -> BackendResult<bool> {
        reading.shards.remove(id);
        let done = self.leases.finish(id).await?;
        if done {
            tracing::debug!(shard = %id, "shard read and stored to its end");
        }
        Ok(done)
    }

    async fn read_shard(
        &self,
        id: &str,
        shard: &mut HeldShard,
        max_messages: usize,
        max_bytes: Option<usize>,
        hidden_for: Duration,
    ) -> BackendResult<Vec<ReceivedMessage>> {
        let now = Instant::now();
        if shard.progress.overdue(now) {
            // As SQS delivers again what was not deleted in time: from the checkpoint on.
            tracing::debug!(shard = %id, "records out too long; reading again from the checkpoint");
            shard.progress.rewind();
            shard.position = shard.progress.checkpoint().map(str::to_owned);
            shard.iterator = None;
            shard.read_to_end = false;
        }
        if shard.read_to_end {
            return Ok(Vec::new());
        }
        let output = match self.get_records(id, shard, max_messages).await? {
            Some(output) => output,
            None => {
                // The iterator expired (five minutes unused): a fresh one from the position.
                shard.iterator = None;
                match self.get_records(id, shard, max_messages).await? {
                    Some(output) => output,
                    None => return Err(BackendError::transient("shard iterator expired twice")),
                }
            }
        };
        let hidden_until = now + hidden_for;
        let mut messages = Vec::new();
        let mut bytes = 0;
        let mut taken = 0;
        let mut worn_out = false;
        let records = output.records();
        for record in records {
            if max_bytes.is_some_and(|max| bytes >= max) {
                break;
            }
            taken += 1;
            let sequence = record.sequence_number();
            let receive_count = shard.progress.handed_out(sequence, hidden_until);
            let message = ReceivedMessage {
                message_id: record_identity(id, sequence, record.partition_key()),
                receipt: Receipt {
                    shard: id.to_owned(),
                    generation: shard.progress.generation(),
                    sequence: sequence.to_owned(),
                }
                .encode(),
                body: record.data().as_ref().to_vec(),
                receive_count,
            };
            shard.position = Some(sequence.to_owned());
            if receive_count > self.max_receives {
                self.dead_letter_worn_out(shard, message).await?;
                worn_out = true;
                continue;
            }
            bytes += message.body.len();
            messages.push(message);
        }
        shard.iterator = if taken < records.len() {
            // Cut at the byte bound: the rest is read again after the position.
            None
        } else {
            output.next_shard_iterator().map(str::to_owned)
        };
        let at_end = output.next_shard_iterator().is_none()
            || (records.is_empty() && reached(shard.ending.as_deref(), shard.position.as_deref()));
        if at_end && taken == records.len() {
            shard.read_to_end = true;
        }
        if worn_out && !self.checkpoint_shard(id, shard).await? {
            return Err(BackendError::transient(format!(
                "the lease of {id} was lost while dead-lettering"
            )));
        }
        Ok(messages)
    }

    /// Moves the shard's checkpoint over the records now done at its head, if any; `false`
    /// when the lease was lost meanwhile.
    async fn checkpoint_shard(&self, id: &str, shard: &mut HeldShard) -> BackendResult<bool> {
        let Some(sequence) = shard.progress.advance() else {
            return Ok(true);
        };
        let held = self
            .leases
            .checkpoint(id, &sequence, self.lease_until_ms())
            .await?;
        if held {
            shard.lease_until = Instant::now() + self.visibility;
        }
        Ok(held)
    }

    /// A record read more often than the deployment's max receives without being stored goes
    /// to the dead-letter queue, as SQS's redrive policy moves a message, and counts as done:
    /// the shard goes on past it (its checkpoint moves at the next delete).
    async fn dead_letter_worn_out(
        &self,
        shard: &mut HeldShard,
        message: ReceivedMessage,
    ) -> BackendResult<()> {
        let receipt = Receipt::decode(&message.receipt).expect("a receipt made here");
        let reason = format!(
            "max-receives: read {} times without being stored (moved by the stream's reader)",
            message.receive_count - 1
        );
        // Its readings so far are what the dead-letter queue records.
        let mut letter = message;
        letter.receive_count -= 1;
        let poison = Poison {
            body: letter.body.clone(),
            message: letter,
            reason,
        };
        self.dead.send_dead_letter(&poison).await?;
        shard
            .progress
            .done(&receipt)
            .map_err(|stale| BackendError::permanent(format!("{stale:?} receipt just made")))?;
        Ok(())
    }

    /// One GetRecords on the shard (asking for an iterator first if it has none); `None` when
    /// the iterator had expired.
    async fn get_records(
        &self,
        id: &str,
        shard: &mut HeldShard,
        max_messages: usize,
    ) -> BackendResult<Option<aws_sdk_kinesis::operation::get_records::GetRecordsOutput>> {
        let iterator = match &shard.iterator {
            Some(iterator) => iterator.clone(),
            None => {
                let iterator = self.iterator_after(id, shard.position.as_deref()).await?;
                shard.iterator = Some(iterator.clone());
                iterator
            }
        };
        let expired = |err: &SdkError<GetRecordsError, _>| {
            err.as_service_error()
                .is_some_and(|e| e.is_expired_iterator_exception())
        };
        send_unless(&self.retry, &format!("GetRecords {id}"), expired, || {
            self.kinesis
                .get_records()
                .shard_iterator(&iterator)
                .limit(max_messages.clamp(1, MAX_GET_RECORDS) as i32)
                .send()
        })
        .await
    }

    async fn iterator_after(&self, id: &str, position: Option<&str>) -> BackendResult<String> {
        let output = send(&self.retry, &format!("GetShardIterator {id}"), || {
            let request = self
                .kinesis
                .get_shard_iterator()
                .stream_name(&self.stream)
                .shard_id(id);
            match position {
                Some(sequence) => request
                    .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                    .starting_sequence_number(sequence),
                None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
            }
            .send()
        })
        .await?;
        output
            .shard_iterator()
            .map(str::to_owned)
            .ok_or_else(|| BackendError::transient(format!("no iterator for shard {id}")))
    }

    /// Checkpoints every shard `touched` whose stored records now reach further.
    async fn checkpoint(
        &self,
        reading: &mut Reading,
        touched: &[String],
    ) -> BTreeMap<String, BackendError> {
        let mut lost = BTreeMap::new();
        for id in touched {
            let Some(shard) = reading.shards.get_mut(id) else {
                continue;
            };
            match self.checkpoint_shard(id, shard).await {
                Ok(true) => {}
                Ok(false) => {
                    reading.shards.remove(id);
                    lost.insert(id.clone(), BackendError::transient(format!(
                        "the lease of {id} was lost before its checkpoint: its new reader reads these records again (their events are stored once)"
                    )));
                }
                Err(err) => {
                    lost.insert(id.clone(), err);
                }
            }
        }
        lost
    }
}

/// The shards to read now: open or unfinished ones whose parents were read to their end (or
/// are gone from the stream), parents first.
fn readable_shards<'a>(
    listed: &'a [ListedShard],
    leases: &BTreeMap<String, Lease>,
) -> Vec<&'a ListedShard> {
    let finished = |id: &str| leases.get(id).is_some_and(|lease| lease.finished);
    let listed_ids: Vec<&str> = listed.iter().map(|shard| shard.id.as_str()).collect();
    listed
        .iter()
        .filter(|shard| !finished(&shard.id))
        .filter(|shard| {
            shard
                .parents
                .iter()
                .all(|parent| finished(parent) || !listed_ids.contains(&parent.as_str()))
        })
        .collect()
}

/// Whether a closed shard whose last record is `ending` was read to it. A closed shard that
/// never held a record ends at "0" on the emulator.
fn reached(ending: Option<&str>, position: Option<&str>) -> bool {
    match (ending, position) {
        (None, _) => false,
        (Some(ending), None) => ending == "0",
        (Some(ending), Some(position)) => sequence_order(position, ending).is_ge(),
    }
}

/// The identity a record's id-less events derive their ids from: the one it carries in its
/// partition key, or its shard and sequence number (the same at every reading).
pub fn record_identity(shard: &str, sequence: &str, partition_key: Option<&str>) -> String {
    match partition_key.and_then(|key| key.strip_prefix(SOURCE_KEY_PREFIX)) {
        Some(source) => source.to_owned(),
        None => format!("{shard}:{sequence}"),
    }
}

#[async_trait]
impl Queue for StreamQueue {
    fn batch_limit(&self) -> usize {
        MAX_PUT_RECORDS
    }

    async fn check_can_send(&self) -> BackendResult<()> {
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
        .map(|_| ())
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
        loop {
            {
                let mut reading = self.reading.lock().await;
                if reading
                    .refreshed
                    .is_none_or(|at| at.elapsed() >= REFRESH.min(self.visibility / 3))
                {
                    self.refresh(&mut reading).await?;
                }
                self.renew(&mut reading).await?;
                let hidden_for = options.visibility.unwrap_or(self.visibility);
                let messages = self
                    .read_held(&mut reading, max_messages, options.max_bytes, hidden_for)
                    .await?;
                if !messages.is_empty() {
                    return Ok(messages);
                }
                if reading.refreshed.is_none() {
                    // A parent just finished: take its children before answering.
                    continue;
                }
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
        let mut reading = self.reading.lock().await;
        let until = Instant::now() + timeout;
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
        // Keeping records means keeping their shards.
        self.renew(&mut reading).await?;
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
        let summary = send(
            &self.retry,
            &format!("DescribeStreamSummary {}", self.stream),
            || {
                self.kinesis
                    .describe_stream_summary()
                    .stream_name(&self.stream)
                    .send()
            },
        )
        .await?;
        let retention_hours = summary
            .stream_description_summary
            .map_or(24, |summary| summary.retention_period_hours.max(0) as u32);
        let leases: BTreeMap<String, Lease> = self
            .leases
            .all()
            .await?
            .into_iter()
            .map(|lease| (lease.shard.clone(), lease))
            .collect();
        let now = now_ms();
        let mut shards = Vec::new();
        for listed in self.list_shards().await? {
            let lease = leases.get(&listed.id);
            let finished = lease.is_some_and(|lease| lease.finished);
            let held = lease.filter(|lease| lease.held(now));
            let oldest_unread_seconds = match finished {
                true => None,
                false => {
                    let checkpoint = lease.and_then(|lease| lease.checkpoint.as_deref());
                    self.oldest_unread_age(&listed.id, checkpoint).await?
                }
            };
            shards.push(ShardState {
                shard: listed.id,
                owner: held.and_then(|lease| lease.owner.clone()),
                lease_seconds_left: held.map(|lease| ((lease.expires_ms - now) / 1000) as u64),
                closed: listed.ending.is_some(),
                finished,
                oldest_unread_seconds,
            });
        }
        Ok(Some(StreamState {
            retention_hours,
            shards,
        }))
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

impl StreamQueue {
    /// Records after every shard's checkpoint, read and counted (see `stats`).
    async fn count_unread(&self) -> BackendResult<u64> {
        let leases: BTreeMap<String, Lease> = self
            .leases
            .all()
            .await?
            .into_iter()
            .map(|lease| (lease.shard.clone(), lease))
            .collect();
        let mut unread = 0;
        for shard in self.list_shards().await? {
            let lease = leases.get(&shard.id);
            if lease.is_some_and(|lease| lease.finished) {
                continue;
            }
            let checkpoint = lease.and_then(|lease| lease.checkpoint.as_deref());
            unread += self.count_after(&shard.id, checkpoint).await?;
        }
        Ok(unread)
    }

    /// How long ago the first record after the checkpoint arrived; `None` when there is none.
    async fn oldest_unread_age(
        &self,
        id: &str,
        checkpoint: Option<&str>,
    ) -> BackendResult<Option<u64>> {
        let iterator = self.iterator_after(id, checkpoint).await?;
        let output = send(&self.retry, &format!("GetRecords {id}"), || {
            self.kinesis
                .get_records()
                .shard_iterator(&iterator)
                .limit(1)
                .send()
        })
        .await?;
        let now = chrono::Utc::now().timestamp();
        Ok(output.records().first().map(|record| {
            record
                .approximate_arrival_timestamp()
                .map_or(0, |arrived| (now - arrived.secs()).max(0) as u64)
        }))
    }

    async fn count_after(&self, id: &str, checkpoint: Option<&str>) -> BackendResult<u64> {
        let mut iterator = Some(self.iterator_after(id, checkpoint).await?);
        let mut count = 0;
        for _ in 0..COUNT_CALLS {
            let Some(current) = iterator.take() else {
                break;
            };
            let output = send(&self.retry, &format!("GetRecords {id}"), || {
                self.kinesis
                    .get_records()
                    .shard_iterator(&current)
                    .limit(MAX_GET_RECORDS as i32)
                    .send()
            })
            .await?;
            count += output.records().len() as u64;
            // At the tip: nothing more to count now.
            if output.records().is_empty() || output.millis_behind_latest() == Some(0) {
                break;
            }
            iterator = output.next_shard_iterator().map(str::to_owned);
        }
        Ok(count)
    }
}

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

    fn shard(id: &str, parents: &[&str]) -> ListedShard {
        ListedShard {
            id: id.into(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            ending: None,
        }
    }

    fn finished(id: &str) -> (String, Lease) {
        (
            id.into(),
            Lease {
                shard: id.into(),
                finished: true,
                ..Lease::default()
            },
        )
    }

    #[test]
    fn children_wait_until_their_parents_are_read_to_the_end() {
        let listed = vec![
            shard("p", &[]),
            shard("a", &["p"]),
            shard("b", &["p"]),
            shard("m", &["a", "b"]),
        ];
        let ids = |leases: &BTreeMap<String, Lease>| {
            readable_shards(&listed, leases)
                .iter()
                .map(|s| s.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&BTreeMap::new()), ["p"]);
        let leases = BTreeMap::from([finished("p")]);
        assert_eq!(ids(&leases), ["a", "b"]);
        let leases = BTreeMap::from([finished("p"), finished("a")]);
        assert_eq!(ids(&leases), ["b"], "a merge waits for both parents");
        let leases = BTreeMap::from([finished("p"), finished("a"), finished("b")]);
        assert_eq!(ids(&leases), ["m"]);
        // A parent aged out of the stream no longer holds its children back.
        let orphan = vec![shard("c", &["gone"])];
        assert_eq!(readable_shards(&orphan, &BTreeMap::new()).len(), 1);
    }

    #[test]
    fn a_closed_shard_ends_at_its_last_record() {
        assert!(!reached(None, Some("5")), "open");
        assert!(!reached(Some("9"), Some("5")));
        assert!(reached(Some("9"), Some("9")));
        assert!(reached(Some("10"), Some("11")));
        assert!(reached(Some("0"), None), "closed and empty");
        assert!(!reached(Some("3"), None));
    }

    #[test]
    fn identity_is_the_carried_source_or_shard_and_sequence() {
        assert_eq!(
            record_identity("shardId-1", "42", Some("ab12")),
            "shardId-1:42"
        );
        assert_eq!(record_identity("shardId-1", "42", Some("src:m-7")), "m-7");
        assert_eq!(record_identity("shardId-1", "42", None), "shardId-1:42");
    }
}
