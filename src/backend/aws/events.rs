//! The raw-events table on DynamoDB: each message's events packed into a few items per day's
//! shard, written in batches after the days are marked; a day counted by querying its shards,
//! items of either layout, each event once however many copies are stored.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::ReturnConsumedCapacity;
use chrono::Utc;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use super::keys::{event_partition, DAYS_PARTITION};
use super::layout::{
    day_version, each_event, pack_messages, stamp_day_versions, visitor_shards, Item, Sharding,
    DAY_VERSION, EVENTS, PACKED_ITEM_BYTES, TTL, VISITOR,
};
use super::marks::{countable_version, whole_only, EVENT_COUNTERS};
use super::parts::basis_of;
use super::record::{recorded_version, RECORD_ATTEMPTS};
use super::writes::{each_page, put};
use super::{get_number, string, AwsBackend};
use crate::backend::{
    random_token, BackendError, BackendResult, DayCount, DayParts, EventStore, MessageEvents,
    WriteOutcome, WRITE_BOUND,
};
use crate::model::count::DayCounter;
use crate::model::day::Day;
use crate::model::event::{Event, Kind};
use crate::model::expiry::{day_end, expires_at};
use crate::model::parts::Part;
use crate::model::seen::{beacon_key, SeenIds};
use crate::model::zone::Zone;
use std::collections::BTreeMap;
use std::ops::Range;

/// Shards of a day counted at once: each holds the ids of its events while it is counted.
const COUNT_CONCURRENCY: usize = 8;

/// What counting one shard found.
struct Shard {
    counter: DayCounter,
    capacity: f64,
}

/// The error of a shard holding an item that cannot be read.
pub(super) fn unreadable_item(day: Day, shard: u32, err: &str) -> BackendError {
    BackendError::permanent(format!(
        "a raw item of {} cannot be read: {err}",
        event_partition(day, shard)
    ))
}

impl AwsBackend {
    /// The query of one shard of a day's raw items. Strongly consistent: a count or a read of
    /// the day must include every write already acknowledged, or a day could be marked done
    /// (or exported and deleted) without its newest events.
    pub(super) fn shard_query(&self, day: Day, shard: u32) -> QueryFluentBuilder {
        self.dynamodb
            .query()
            .table_name(&self.names.events_table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(event_partition(day, shard)))
            .consistent_read(true)
    }

    /// Counts one shard of a day, following every page of results, each event once, leaving out
    /// the items the day's record holds (those of versions up to `recorded`).
    async fn count_shard(
        &self,
        day: Day,
        shard: u32,
        zone: Zone,
        recorded: Option<u64>,
    ) -> BackendResult<Shard> {
        let now = Utc::now().timestamp();
        let mut counter = DayCounter::new(zone, day);
        let mut seen = SeenIds::default();
        let mut scratch = Vec::new();
        let mut capacity = 0.0;
        let mut unreadable = None;
        let query = self
            .shard_query(day, shard)
            .projection_expression("sk, #ttl, #visitor, #events, #version")
            .expression_attribute_names("#ttl", TTL)
            .expression_attribute_names("#visitor", VISITOR)
            .expression_attribute_names("#events", EVENTS)
            .expression_attribute_names("#version", DAY_VERSION)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        each_page(&self.retry, query, "Query (count day)", |page| {
            capacity += page
                .consumed_capacity
                .and_then(|c| c.capacity_units)
                .unwrap_or(0.0);
            for item in page.items.unwrap_or_default() {
                if recorded.is_some_and(|recorded| day_version(&item) <= recorded) {
                    continue;
                }
                let read = each_event(&item, now, |event| {
                    // Copies of an event share its id; a beacon counts once per visitor it
                    // came from, as in every count (`beacon_key`).
                    let key = match event.event.kind {
                        Kind::Engagement => beacon_key(&mut scratch, event.id, event.event.visitor),
                        _ => event.id.as_bytes(),
                    };
                    if seen.insert_bytes(key) {
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
            return Err(unreadable_item(day, shard, &err));
        }
        tracing::debug!(%day, shard, events = seen.len(), id_bytes = seen.bytes(), "shard counted");
        Ok(Shard { counter, capacity })
    }

    /// One count of the day's `shards`: their raw events the record (`recorded`, read from
    /// `status`) does not hold, plus the record itself `with_record` (the whole day, or its
    /// first part).
    async fn count_on_record(
        &self,
        day: Day,
        status: &Item,
        recorded: Option<u64>,
        shards: Range<u32>,
        with_record: bool,
    ) -> BackendResult<DayCount> {
        // The version first: events written after it make the day pending again; so do those of
        // a write under way now, which the count may miss.
        let (version, stale) = countable_version(status, Utc::now().timestamp());
        if !stale.is_empty() {
            self.forget_writes(day, &stale).await?;
        }
        let config = self.config().await?;
        let counted: Vec<Shard> = stream::iter(shards)
            .map(|shard| self.count_shard(day, shard, config.zone, recorded))
            .buffer_unordered(COUNT_CONCURRENCY)
            .try_collect()
            .await?;
        let mut counter = DayCounter::new(config.zone, day);
        let mut capacity = 0.0;
        for shard in counted {
            counter.merge(shard.counter);
            capacity += shard.capacity;
        }
        let mut tally = counter.finish();
        if let (Some(recorded), true) = (recorded, with_record) {
            tally.add(&self.read_record(day, recorded, status).await?);
        }
        Ok(DayCount {
            day: Some(day),
            version,
            tally,
            read_capacity_units: Some(capacity),
            basis: None,
        })
    }

    /// Counts the day's `shards`: the whole day, or `part` (its shards), again while a record
    /// of the day is made meanwhile (it may take raw events the count had not read yet with
    /// it). A part's count says what it was counted on.
    async fn count_shards(
        &self,
        day: Day,
        shards: Range<u32>,
        part: Option<Part>,
    ) -> BackendResult<DayCount> {
        let with_record = part.is_none_or(Part::is_first);
        for _ in 0..RECORD_ATTEMPTS {
            let status = self.adopt_record_of_deleted_day(day).await?;
            if let Some(why) = whole_only(&status).filter(|_| part.is_some()) {
                return Err(BackendError::refused(format!(
                    "{day} cannot be counted in parts: {why}; count it whole (without --parts)"
                )));
            }
            let recorded = recorded_version(&status);
            let basis = basis_of(&status, shards.clone(), Utc::now().timestamp());
            let mut count = self
                .count_on_record(day, &status, recorded, shards.clone(), with_record)
                .await?;
            let now = self.day_item(day).await?.unwrap_or_default();
            if recorded_version(&now) == recorded {
                count.basis = part.map(|_| basis);
                return Ok(count);
            }
        }
        Err(BackendError::transient(format!(
            "the record of {day} changed while it was counted, {RECORD_ATTEMPTS} times"
        )))
    }
}

#[async_trait]
impl EventStore for AwsBackend {
    async fn put_events(&self, messages: &[MessageEvents]) -> BackendResult<WriteOutcome> {
        let config = self.config().await?;
        let now = Utc::now().timestamp();
        // Before the rows: from here on a crash or a failure leaves the days pending. A mark
        // the table refuses is the deployment's trouble, not the data's. The marks also say
        // how each day places its events.
        let token = random_token();
        let mut capacity = 0.0;
        let (mut versions, mut sharding) = (BTreeMap::new(), BTreeMap::new());
        for (day, shards) in visitor_shards(messages, &config) {
            let expiry = expires_at(day_end(config.zone, day), now, config.retention_days);
            let begun = self
                .begin_write(day, &token, expiry, &shards)
                .await
                .map_err(BackendError::not_the_data)?;
            capacity += begun.capacity;
            versions.insert(day, begun.version);
            sharding.insert(day, begun.sharding);
        }
        let sharding_of = |day: Day| sharding.get(&day).copied().unwrap_or(Sharding::ByVisitor);
        let mut packed = pack_messages(messages, &config, now, PACKED_ITEM_BYTES, sharding_of);
        stamp_day_versions(&mut packed.items, &versions);
        let requests = packed
            .items
            .into_iter()
            .map(put)
            .collect::<BackendResult<Vec<_>>>()?;
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
                .end_write(day, &token, sharding_of(day).counter(), events)
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
        let shards = self.config().await?.shards;
        self.count_shards(day, 0..shards, None).await
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
            .projection_expression("#c0, #c1, #c2")
            .expression_attribute_names("#c0", EVENT_COUNTERS[0])
            .expression_attribute_names("#c1", EVENT_COUNTERS[1])
            .expression_attribute_names("#c2", EVENT_COUNTERS[2]);
        let mut events = 0;
        each_page(&self.retry, query, "Query (day statuses)", |page| {
            for item in page.items.unwrap_or_default() {
                events += EVENT_COUNTERS
                    .iter()
                    .map(|counter| get_number(&item, counter).unwrap_or(0))
                    .sum::<u64>();
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

    async fn record_day(&self, day: Day, version: u64) -> BackendResult<bool> {
        Ok(self.keep_record(day, version).await?.is_some())
    }

    async fn count_part(&self, day: Day, part: Part) -> BackendResult<DayCount> {
        self.check_parts(part.parts).await?;
        let shards = part.shards_among(self.config().await?.shards);
        self.count_shards(day, shards, Some(part)).await
    }

    async fn put_part(&self, day: Day, part: Part, count: &DayCount) -> BackendResult<()> {
        self.store_part(day, part, count).await
    }

    async fn read_parts(&self, day: Day, parts: u32) -> BackendResult<DayParts> {
        self.stored_parts(day, parts).await
    }

    async fn read_part_counts(
        &self,
        day: Day,
        parts: u32,
    ) -> BackendResult<Vec<Option<crate::model::count::Tally>>> {
        self.stored_part_counts(day, parts).await
    }
}
