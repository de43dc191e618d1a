//! Reading a held shard: GetRecords from where this process is (a fresh iterator after an
//! expiry or a rewind), records handed out with their receipts, those read too often
//! dead-lettered, the end of a closed shard, and the checkpoint moved over what is stored.

use aws_sdk_kinesis::operation::get_records::{GetRecordsError, GetRecordsOutput};
use aws_sdk_kinesis::types::ShardIteratorType;
use aws_sdk_sqs::error::SdkError;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use super::progress::{sequence_order, Receipt};
use super::{record_identity, HeldShard, Reading, StreamQueue, MAX_GET_RECORDS};
use crate::backend::aws::request::{send, send_unless};
use crate::backend::{BackendError, BackendResult, Poison, Queue, ReceivedMessage};

/// A read of one held shard under way outside the reading state: where it reads from, and which
/// holding of the shard it is for (one taken again meanwhile is another holding).
pub(super) struct ShardRead {
    id: String,
    holding: u64,
    iterator: Option<String>,
    position: Option<String>,
}

impl StreamQueue {
    /// Reads what the held shards have, from the shard whose turn it is on, up to the limits.
    /// The reading state is held only to pick a shard and to record what was read: the calls
    /// to the stream are made without it, so a drain keeping its records hidden, or another
    /// worker, never waits for them.
    pub(super) async fn read_held(
        &self,
        max_messages: usize,
        max_bytes: Option<usize>,
        hidden_for: Duration,
    ) -> BackendResult<Vec<ReceivedMessage>> {
        let shards = self.reading.lock().await.shards.len();
        let mut finished = false;
        for _ in 0..shards {
            let Some(read) = self.begin_read().await else {
                break;
            };
            let fetched = self
                .fetch(
                    &read.id,
                    read.iterator.clone(),
                    read.position.as_deref(),
                    max_messages,
                )
                .await;
            let mut reading = self.reading.lock().await;
            let Some(shard) = reading
                .shards
                .get_mut(&read.id)
                .filter(|shard| shard.holding == read.holding)
            else {
                // Let go meanwhile (its lease lost): its next reader reads these records.
                continue;
            };
            shard.busy = false;
            let output = fetched?;
            let messages = self
                .take_records(&read.id, shard, output, max_bytes, hidden_for)
                .await?;
            if shard.read_to_end && shard.progress.in_flight() == 0 {
                finished |= self.finish(&mut reading, &read.id).await?;
            }
            if !messages.is_empty() {
                return Ok(messages);
            }
        }
        if finished {
            // The children of a finished parent may be read now.
            self.reading.lock().await.refreshed = None;
        }
        Ok(Vec::new())
    }

    /// Picks the next held shard to read, whose turn it is, that is not read to its end or
    /// being read by another receive, and marks it as being read. A shard with records out
    /// too long is first rewound to its checkpoint, as SQS delivers again what was not
    /// deleted in time.
    async fn begin_read(&self) -> Option<ShardRead> {
        let mut reading = self.reading.lock().await;
        let ids: Vec<String> = reading.shards.keys().cloned().collect();
        let now = Instant::now();
        for k in 0..ids.len() {
            let id = &ids[(reading.turn + k) % ids.len()];
            let shard = reading.shards.get_mut(id).expect("a held shard");
            if shard.busy {
                continue;
            }
            if shard.progress.overdue(now) {
                tracing::debug!(shard = %id, "records out too long; reading again from the checkpoint");
                shard.progress.rewind();
                shard.position = shard.progress.checkpoint().map(str::to_owned);
                shard.iterator = None;
                shard.read_to_end = false;
            }
            if shard.read_to_end {
                continue;
            }
            shard.busy = true;
            let read = ShardRead {
                id: id.clone(),
                holding: shard.holding,
                iterator: shard.iterator.clone(),
                position: shard.position.clone(),
            };
            reading.turn = (reading.turn + k + 1) % ids.len();
            return Some(read);
        }
        None
    }

    /// One GetRecords on shard `id` from `iterator`, or after `position` when there is none or
    /// it expired.
    async fn fetch(
        &self,
        id: &str,
        iterator: Option<String>,
        position: Option<&str>,
        max_messages: usize,
    ) -> BackendResult<GetRecordsOutput> {
        let iterator = match iterator {
            Some(iterator) => iterator,
            None => self.iterator_after(id, position).await?,
        };
        if let Some(output) = self.get_records(id, &iterator, max_messages).await? {
            return Ok(output);
        }
        // The iterator expired (five minutes unused): a fresh one from the position.
        let fresh = self.iterator_after(id, position).await?;
        self.get_records(id, &fresh, max_messages)
            .await?
            .ok_or_else(|| BackendError::transient("shard iterator expired twice"))
    }

    /// Hands out the records a read brought, up to the byte bound (those read too often go to
    /// the dead-letter queue), and notes where the shard's next read starts.
    async fn take_records(
        &self,
        id: &str,
        shard: &mut HeldShard,
        output: GetRecordsOutput,
        max_bytes: Option<usize>,
        hidden_for: Duration,
    ) -> BackendResult<Vec<ReceivedMessage>> {
        let hidden_until = Instant::now() + hidden_for;
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
                message_id: record_identity(self.epoch, id, sequence, record.partition_key()),
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
    pub(super) async fn checkpoint_shard(
        &self,
        id: &str,
        shard: &mut HeldShard,
    ) -> BackendResult<bool> {
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
    pub(super) async fn dead_letter_worn_out(
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

    /// One GetRecords from `iterator`; `None` when the iterator had expired.
    pub(super) async fn get_records(
        &self,
        id: &str,
        iterator: &str,
        max_messages: usize,
    ) -> BackendResult<Option<GetRecordsOutput>> {
        let expired = |err: &SdkError<GetRecordsError, _>| {
            err.as_service_error()
                .is_some_and(|e| e.is_expired_iterator_exception())
        };
        send_unless(&self.retry, &format!("GetRecords {id}"), expired, || {
            self.kinesis
                .get_records()
                .shard_iterator(iterator)
                .limit(max_messages.clamp(1, MAX_GET_RECORDS) as i32)
                .send()
        })
        .await
    }

    pub(super) async fn iterator_after(
        &self,
        id: &str,
        position: Option<&str>,
    ) -> BackendResult<String> {
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
    pub(super) async fn checkpoint(
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

/// Whether a closed shard whose last record is `ending` was read to it. A closed shard that
/// never held a record ends at "0" on the emulator.
fn reached(ending: Option<&str>, position: Option<&str>) -> bool {
    match (ending, position) {
        (None, _) => false,
        (Some(ending), None) => ending == "0",
        (Some(ending), Some(position)) => sequence_order(position, ending).is_ge(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_shard_ends_at_its_last_record() {
        assert!(!reached(None, Some("5")), "open");
        assert!(!reached(Some("9"), Some("5")));
        assert!(reached(Some("9"), Some("9")));
        assert!(reached(Some("10"), Some("11")));
        assert!(reached(Some("0"), None), "closed and empty");
        assert!(!reached(Some("3"), None));
    }
}
