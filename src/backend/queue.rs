//! The queue contract every backend keeps, shaped after SQS: batches of at most ten, receipts,
//! visibility timeouts, receive counts and a dead-letter queue.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::time::Duration;

use super::BackendResult;
use crate::model::event::MAX_MESSAGE_BYTES;

/// SQS takes at most 10 entries per batch call; a queue may take more ([`Queue::batch_limit`]).
pub const MAX_QUEUE_BATCH: usize = 10;

/// What a batch call answers: one result per entry, in order; or the whole call's failure.
pub type BatchResults = BackendResult<Vec<BackendResult<()>>>;

/// A message as a consumer sees it: who it is, how to delete it, what it holds.
#[derive(Debug, Clone)]
pub struct ReceivedMessage {
    pub message_id: String,
    /// Proof of this particular receive; deleting needs it, as with SQS receipt handles.
    pub receipt: String,
    pub body: Vec<u8>,
    /// How many times the message has been received, this time included.
    pub receive_count: u32,
}

/// How a receive waits, and how long what it receives stays hidden.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiveOptions {
    /// Up to how long to wait for the first message; zero takes what is visible now.
    pub wait: Duration,
    /// How long each message received is hidden from other consumers; `None`: the queue's
    /// own visibility timeout.
    pub visibility: Option<Duration>,
    /// Up to how many messages to bring; `None`, or more than the queue's
    /// [`Queue::batch_limit`]: that limit.
    pub max_messages: Option<usize>,
    /// Once the bodies brought reach this many bytes, no more messages are added (the last one
    /// may pass it); `None`: no such bound. SQS, which answers with its batch, cannot keep it.
    pub max_bytes: Option<usize>,
}

/// A message whose body, or part of it, goes to the dead-letter queue, and why.
#[derive(Debug, Clone)]
pub struct Poison {
    pub message: ReceivedMessage,
    pub body: Vec<u8>,
    pub reason: String,
}

/// Queue depth. On SQS these numbers are approximate and lag by up to a minute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueStats {
    pub visible: u64,
    pub in_flight: u64,
    pub dead_letters: u64,
}

/// A stream's shards as `status` shows them (a queue that has shards: Kinesis).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct StreamState {
    /// Hours the stream keeps a record.
    pub retention_hours: u32,
    pub shards: Vec<ShardState>,
}

/// One shard: who reads it, how far behind.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ShardState {
    pub shard: String,
    /// The drain process holding its lease, while it does.
    pub owner: Option<String>,
    /// Seconds left on that lease.
    pub lease_seconds_left: Option<u64>,
    /// Closed by a split or merge: no new records.
    pub closed: bool,
    /// Read and stored to its end (a closed shard).
    pub finished: bool,
    /// Age of the oldest record after the checkpoint, in seconds; `None`: nothing unread.
    pub oldest_unread_seconds: Option<u64>,
}

/// A message in the dead-letter queue, as `dlq list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The identity the message's events derive their ids from (kept through a redrive).
    pub message_id: String,
    pub reason: String,
    /// Receives before the message was dead-lettered (on SQS approximate for messages its
    /// redrive policy moved).
    pub receive_count: u32,
    pub body: Vec<u8>,
    /// When it was dead-lettered, where the queue knows.
    pub dead_lettered_at: Option<DateTime<Utc>>,
}

/// How a redrive moved dead letters back to the main queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RedriveMethod {
    /// In one database transaction: all or nothing.
    Transaction,
    /// SQS's own message move task (StartMessageMoveTask), waited for until it finished.
    MoveTask,
    /// Received from the dead-letter queue, sent to the main queue, then deleted: for services
    /// without message move tasks. A message is deleted only after it was sent.
    Copy,
}

/// What a redrive did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RedriveOutcome {
    pub method: RedriveMethod,
    /// Messages now on the main queue (SQS's move task reports an approximate number).
    pub moved: u64,
    /// Messages that could not be moved and are still dead letters.
    pub failed: u64,
    /// Whether `moved` and `failed` are exact.
    pub exact: bool,
}

/// The message queue with its dead-letter queue.
#[async_trait]
pub trait Queue: Send + Sync {
    /// Most entries one batch call takes (send, receive, delete, change visibility):
    /// [`MAX_QUEUE_BATCH`] on SQS.
    fn batch_limit(&self) -> usize {
        MAX_QUEUE_BATCH
    }

    /// Most bytes of bodies one send call takes: 1 MiB on SQS (a batch's whole payload).
    fn batch_bytes(&self) -> usize {
        MAX_MESSAGE_BYTES
    }

    /// Sends at most [`Queue::batch_limit`] bodies of at most [`Queue::batch_bytes`] in all;
    /// one result per body, in order.
    async fn send_batch(&self, bodies: &[String]) -> BatchResults;

    /// Receives up to [`Queue::batch_limit`] visible messages (fewer as `options` say),
    /// waiting and hiding them as `options` say; a message received more often than the
    /// queue's maximum receive count goes to the dead-letter queue instead.
    async fn receive(&self, options: ReceiveOptions) -> BackendResult<Vec<ReceivedMessage>>;

    /// Deletes at most [`Queue::batch_limit`] messages by receipt; one result per receipt, in
    /// order.
    async fn delete_batch(&self, receipts: &[String]) -> BatchResults;

    /// Hides received messages from other consumers for `timeout` from now, whatever was left
    /// of their visibility timeout (on SQS, ChangeMessageVisibilityBatch): a consumer still
    /// working on them keeps them, and `Duration::ZERO` hands them back at once, for a
    /// consumer that stops before it could finish them. One result per receipt, in order.
    async fn change_visibility(&self, receipts: &[String], timeout: Duration) -> BatchResults;

    /// How long a received message stays hidden unless the receiver says otherwise.
    async fn visibility_timeout(&self) -> BackendResult<Duration>;

    /// Puts the poison's body on the dead-letter queue with its reason. The original message
    /// is untouched: the caller deletes it once this has succeeded.
    async fn send_dead_letter(&self, poison: &Poison) -> BackendResult<()>;

    async fn stats(&self) -> BackendResult<QueueStats>;

    /// Checks that the queue exists and this process may send to it, asking for no more than
    /// a sender's permissions allow (so a least-privilege collector can start).
    async fn check_can_send(&self) -> BackendResult<()> {
        self.stats().await.map(|_| ())
    }

    /// Up to `limit` dead letters, oldest first where the queue keeps an order. They stay in
    /// the dead-letter queue (on SQS they are received, hidden briefly, and made visible again).
    async fn list_dead_letters(&self, limit: usize) -> BackendResult<Vec<DeadLetter>>;

    /// Moves every dead letter back to the main queue, with a fresh receive count, keeping the
    /// identity its events derive their ids from.
    async fn redrive_dead_letters(&self) -> BackendResult<RedriveOutcome>;

    /// Deletes every dead letter; returns how many there were (approximate on SQS).
    async fn purge_dead_letters(&self) -> BackendResult<u64>;

    /// Called when a drain stops receiving, after every message it received was deleted or
    /// handed back: a queue that shares its work out by leases (a Kinesis stream) gives
    /// them up here, so the next drain need not wait for them to run out.
    async fn finish_reading(&self) -> BackendResult<()> {
        Ok(())
    }

    /// The shards of a queue that has them (a Kinesis stream), for `status`; `None` for a
    /// queue without shards.
    async fn stream_state(&self) -> BackendResult<Option<StreamState>> {
        Ok(None)
    }
}
