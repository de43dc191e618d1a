//! The contract of the salts store: one random salt per day of the deployment's time zone,
//! shared by every collector of the deployment, and deleted once its day is over.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::BackendResult;
use crate::model::day::Day;
use crate::model::visitor::Salt;

/// Where the deployment keeps its salts (the SQLite database; the DynamoDB daily table).
#[async_trait]
pub trait SaltStore: Send + Sync {
    /// The salt of `day`: the one stored, or, when no collector has made it yet, a new random
    /// one stored so that every collector gets the same. `expires` is when a store that
    /// expires items by itself (DynamoDB's TTL) may drop it, as a backstop to deletion.
    async fn salt_for(&self, day: Day, expires: DateTime<Utc>) -> BackendResult<Salt>;

    /// Deletes, for good, the salts of every day before `day`; returns how many there were.
    async fn delete_salts_before(&self, day: Day) -> BackendResult<u64>;

    /// The days that have a salt stored (never the salts themselves).
    async fn salt_days(&self) -> BackendResult<Vec<Day>>;
}
