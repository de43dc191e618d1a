//! The storage contracts every backend keeps (queue, event store, daily store), shaped after SQS
//! and DynamoDB so that the pipeline is written once.

pub mod aws;
pub mod faulty;
pub mod local;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

use crate::day::{Day, DayRange};
use crate::event::Event;

/// SQS takes at most 10 entries per batch call; the local queue keeps the same limit.
pub const MAX_QUEUE_BATCH: usize = 10;

/// A fresh random token, as hex: message ids, receipts, lease owners.
pub fn random_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A failure at a backend boundary. `is_transient` decides whether a retry may help.
#[derive(Debug, Error)]
pub enum BackendError {
    #[error("deployment {name:?} not found ({location}): run `pageviews init` first")]
    NotProvisioned { name: String, location: String },
    #[error("{0} (temporary; retried)")]
    Transient(String),
    #[error("{0}")]
    Permanent(String),
}

impl BackendError {
    pub fn is_transient(&self) -> bool {
        matches!(self, BackendError::Transient(_))
    }
}

pub type BackendResult<T> = Result<T, BackendError>;

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

/// Queue depth. On SQS these numbers are approximate and lag by up to a minute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct QueueStats {
    pub visible: u64,
    pub in_flight: u64,
    pub dead_letters: u64,
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
    /// Sends at most [`MAX_QUEUE_BATCH`] bodies; one result per body, in order.
    async fn send_batch(&self, bodies: &[String]) -> BackendResult<Vec<BackendResult<()>>>;

    /// Receives up to `max` visible messages, waiting up to `wait` for the first one. Each is
    /// hidden from other consumers for `visibility` (`None`: the queue's own timeout); a
    /// message received more often than the queue's maximum receive count goes to the
    /// dead-letter queue instead.
    async fn receive(
        &self,
        max: usize,
        wait: Duration,
        visibility: Option<Duration>,
    ) -> BackendResult<Vec<ReceivedMessage>>;

    /// Deletes messages by receipt; one result per receipt, in order.
    async fn delete_batch(&self, receipts: &[String]) -> BackendResult<Vec<BackendResult<()>>>;

    /// Puts `body` on the dead-letter queue with `reason`. The original message is untouched:
    /// the caller deletes it once this has succeeded.
    async fn send_dead_letter(
        &self,
        message: &ReceivedMessage,
        body: &[u8],
        reason: &str,
    ) -> BackendResult<()>;

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
}

/// What a write of events did. Duplicates are known only where the store can tell.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WriteOutcome {
    pub written: u64,
    pub duplicates: Option<u64>,
    /// Write capacity units the store reported consuming (DynamoDB), if it reports any.
    pub capacity_units: Option<f64>,
}

/// Views of one day per page, split by UTC hour, with the change version the count reflects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayCount {
    pub day: Option<Day>,
    pub version: u64,
    pub pages: BTreeMap<String, [u64; 24]>,
    /// Read capacity units the count consumed (DynamoDB), if the store reports any.
    pub read_capacity_units: Option<f64>,
}

impl DayCount {
    pub fn views(&self) -> u64 {
        self.pages.values().flatten().sum()
    }
}

/// The raw-events table.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Writes events durably and idempotently (the same event twice leaves one row), and records
    /// each day it touched as changed before returning, so a later aggregation sees it.
    async fn put_events(&self, events: &[Event]) -> BackendResult<WriteOutcome>;

    /// Counts one day's views per page and hour, reading that day's events only.
    async fn count_day(&self, day: Day) -> BackendResult<DayCount>;

    /// Number of raw events stored.
    async fn event_count(&self) -> BackendResult<u64>;
}

/// One row of the daily table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DailyRow {
    pub day: Day,
    pub page: String,
    pub views: u64,
    pub hours: [u64; 24],
}

/// What the deployment knows about a day: has it changed since it was last aggregated?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayStatus {
    pub day: Day,
    pub change_version: u64,
    pub aggregated_version: Option<u64>,
    pub aggregated_at: Option<DateTime<Utc>>,
    pub views: Option<u64>,
    pub pages: Option<u64>,
}

impl DayStatus {
    /// Raw events changed after the last aggregation (or the day was never aggregated).
    pub fn is_pending(&self) -> bool {
        self.aggregated_version
            .is_none_or(|aggregated| self.change_version > aggregated)
    }
}

/// What `put_day` did with a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DayWrite {
    /// The day's rows now hold this count.
    Stored,
    /// A concurrent aggregation had already stored a count of newer events; it was kept.
    KeptNewer,
    /// The stored count is larger: raw events have expired (retention) since it was made, so
    /// the stored rows stay the record of that day.
    KeptLarger,
}

/// The daily table.
#[async_trait]
pub trait DailyStore: Send + Sync {
    /// Replaces the day's rows with `count`, unless a count of a newer version, or a larger
    /// count (made before raw events expired), is already stored.
    async fn put_day(&self, day: Day, count: &DayCount) -> BackendResult<DayWrite>;

    /// Daily rows in `range`, for one page or all, ordered by day then views (highest first).
    async fn read_rows(&self, range: DayRange, page: Option<&str>) -> BackendResult<Vec<DailyRow>>;

    /// Every day that has events or has been aggregated, in `range` or in all.
    async fn day_statuses(&self, range: Option<DayRange>) -> BackendResult<Vec<DayStatus>>;
}

/// Settings `init` provisions with.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub visibility_timeout: Duration,
    pub max_receives: u32,
    /// Days raw events are kept (DynamoDB TTL; the local backend keeps them until deleted).
    pub retention_days: u32,
    /// Partitions a day's raw events are spread over (DynamoDB only).
    pub shards: u32,
    /// Say what would be created, create nothing.
    pub dry_run: bool,
}

/// What `init` found or did for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceState {
    Created,
    Exists,
    WouldCreate,
}

/// One resource `init` looked at.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResourceReport {
    pub kind: &'static str,
    pub name: String,
    pub state: ResourceState,
    /// Settings that differ from what `init` would create now (or, for a dry run, the plan).
    pub differences: Vec<String>,
}

/// A deployment opened for use: its queue and tables behind the contracts above.
#[derive(Clone)]
pub struct Backend {
    pub queue: Arc<dyn Queue>,
    pub events: Arc<dyn EventStore>,
    pub daily: Arc<dyn DailyStore>,
    /// The queue's visibility timeout, where known without asking the service.
    pub default_visibility: Option<Duration>,
    /// Where the deployment lives, for messages.
    pub location: String,
}
