//! The raw-events table on DynamoDB: each message's events packed into a few items per day's
//! shard, written in batches after the days are marked; a day counted by querying its shards,
//! items of either layout, each event once however many copies are stored.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use chrono::Utc;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::keys::{event_partition, DAYS_PARTITION};
use super::layout::{each_event, pack_messages, EVENTS, PACKED_ITEM_BYTES, TTL, VISITOR};
use super::marks::countable_version;
use super::writes::{each_page, put};
use super::{get_number, string, AwsBackend};
use crate::backend::{
    random_token, BackendError, BackendResult, DayCount, EventStore, MessageEvents, WriteOutcome,
    WRITE_BOUND,
};
use crate::model::count::DayCounter;
use crate::model::day::Day;
use crate::model::event::Event;
use crate::model::seen::SeenIds;
use crate::model::zone::Zone;

/// The day status counters of events written, one per layout.
pub const PACKED_WRITES: &str = "packed";
pub const PER_EVENT_WRITES: &str = "writes";
/// Shards of a day counted at once: each holds the ids of its events while it is counted.
const COUNT_CONCURRENCY: usize = 8;

/// What counting one shard found.
struct Shard {
    counter: DayCounter,
    capacity: f64,
}

impl AwsBackend {
    /// Counts one shard of a day, following every page of results, each event once.
    async fn count_shard(&self, day: Day, shard: u32, zone: Zone) -> BackendResult<Shard> {
        let now = Utc::now().timestamp();
        let mut counter = DayCounter::new(zone, day);
        let mut seen = SeenIds::default();
        let mut capacity = 0.0;
        let mut unreadable = None;
        let query = self
            .dynamodb
            .query()
            .table_name(&self.names.events_table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(event_partition(day, shard)))
            .projection_expression("sk, #ttl, #visitor, #events")
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_names("#visitor", VISITOR)
            .expression_attribute_names("#events", EVENTS)
            // Strongly consistent: a count must include every write already acknowledged, or a
            // day could be marked done without its newest events.
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        each_page(&self.retry, query, "Query (count day)", |page| {
            capacity += page
                .consumed_capacity
                .and_then(|c| c.capacity_units)
                .unwrap_or(0.0);
            for item in page.items.unwrap_or_default() {
                let read = each_event(&item, now, |event| {
                    if seen.insert(event.id) {
                        counter.add(&event.event);
                    }
                });
                if let Err(err) = read {
                    unreadable.get_or_insert(err);
                }
            }
        })
        .await?;
        if let Some(err) = unreadable {
            return Err(BackendError::permanent(format!(
                "a raw item of {} cannot be read: {err}",
                event_partition(day, shard)
            )));
        }
        tracing::debug!(%day, shard, events = seen.len(), id_bytes = seen.bytes(), "shard counted");
        Ok(Shard { counter, capacity })
    }
}

#[async_trait]
impl EventStore for AwsBackend {
    async fn put_events(&self, messages: &[MessageEvents]) -> BackendResult<WriteOutcome> {
        let config = self.config().await?;
        let packed = pack_messages(messages, &config, Utc::now().timestamp(), PACKED_ITEM_BYTES);
        let requests = packed
            .items
            .into_iter()
            .map(put)
            .collect::<BackendResult<Vec<_>>>()?;
        // Before the rows: from here on a crash or a failure leaves the days pending. A mark
        // the table refuses is the deployment's trouble, not the data's.
        let token = random_token();
        let mut capacity = 0.0;
        for day in packed.per_day.keys() {
            capacity += self
                .begin_write(*day, &token)
                .await
                .map_err(BackendError::not_the_data)?;
        }
        let table = &self.names.events_table;
        // Unless done, the days count as being written until their window has passed: a
        // request of this write may still land.
        capacity += tokio::time::timeout(WRITE_BOUND, self.write_all(table, requests))
            .await
            .map_err(|_| {
                BackendError::transient(format!(
                    "the events were not all written within {} s; given up",
                    WRITE_BOUND.as_secs()
                ))
                .retried()
            })??;
        let mut written = 0;
        for (day, events) in packed.per_day {
            written += events;
            capacity += self
                .end_write(day, &token, PACKED_WRITES, events)
                .await
                .map_err(BackendError::not_the_data)?;
        }
        Ok(WriteOutcome {
            written,
            duplicates: None,
            capacity_units: Some(capacity),
        })
    }

    async fn count_day(&self, day: Day) -> BackendResult<DayCount> {
        // The version first: events written after it make the day pending again; so do those of
        // a write under way now, which the count may miss.
        let status = self.day_item(day).await?.unwrap_or_default();
        let (version, stale) = countable_version(&status, Utc::now().timestamp());
        if !stale.is_empty() {
            self.forget_writes(day, &stale).await?;
        }
        let config = self.config().await?;
        let shards: Vec<Shard> = stream::iter(0..config.shards)
            .map(|shard| self.count_shard(day, shard, config.zone))
            .buffer_unordered(COUNT_CONCURRENCY)
            .try_collect()
            .await?;
        let mut counter = DayCounter::new(config.zone, day);
        let mut capacity = 0.0;
        for shard in shards {
            counter.merge(shard.counter);
            capacity += shard.capacity;
        }
        Ok(DayCount {
            day: Some(day),
            version,
            tally: counter.finish(),
            read_capacity_units: Some(capacity),
        })
    }

    /// Events written, from the days' counters (a message delivered twice counts twice): the
    /// table's own item count says nothing of events once they are packed.
    async fn event_count(&self) -> BackendResult<u64> {
        let query = self
            .dynamodb
            .query()
            .table_name(&self.names.daily_table)
            .key_condition_expression("pk = :days")
            .expression_attribute_values(":days", string(DAYS_PARTITION))
            .projection_expression("#packed, #writes")
            .expression_attribute_names("#packed", PACKED_WRITES)
            .expression_attribute_names("#writes", PER_EVENT_WRITES);
        let mut events = 0;
        each_page(&self.retry, query, "Query (day statuses)", |page| {
            for item in page.items.unwrap_or_default() {
                events += get_number(&item, PACKED_WRITES).unwrap_or(0)
                    + get_number(&item, PER_EVENT_WRITES).unwrap_or(0);
            }
        })
        .await?;
        Ok(events)
    }

    fn day_events(&self, day: Day, chunk: usize) -> BoxStream<'_, BackendResult<Vec<Event>>> {
        self.raw_day_events(day, chunk)
    }

    async fn delete_day(&self, day: Day, version: u64) -> BackendResult<Option<u64>> {
        self.delete_raw_day(day, version).await
    }
}
