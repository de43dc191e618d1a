//! The raw-events table on DynamoDB: de-duplicated batched writes of events, each under its
//! day's shard; a day counted by querying its shards in parallel.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ReturnConsumedCapacity, WriteRequest};
use chrono::Utc;
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, HashSet};

use super::keys::{
    event_partition, event_sort_key, expiry_epoch_seconds, parse_event_sort_key, shard_of,
};
use super::writes::{each_page, key, put};
use super::{classify, get_number, number, string, AwsBackend, DeploymentConfig};

/// The raw item's attribute holding the visitor key, when the view came with one.
const VISITOR: &str = "v";
use crate::backend::{BackendError, BackendResult, DayCount, EventStore, WriteOutcome};
use crate::day::Day;
use crate::event::Event;
use crate::pipeline::breakdown::Observed;
use crate::pipeline::count::DayCounter;
use crate::zone::Zone;

/// The write requests for `events`, one per distinct key (BatchWriteItem refuses a call that
/// names one key twice), with how many fell on each day.
pub fn event_writes(
    events: &[Event],
    config: &DeploymentConfig,
) -> BackendResult<(Vec<WriteRequest>, BTreeMap<Day, u64>)> {
    let now = Utc::now().timestamp();
    let mut seen = HashSet::with_capacity(events.len());
    let mut requests = Vec::with_capacity(events.len());
    let mut per_day = BTreeMap::new();
    for event in events {
        let day = event.day_in(config.zone);
        let partition = event_partition(day, shard_of(&event.id, config.shards));
        let sort = event_sort_key(event);
        if !seen.insert((partition.clone(), sort.clone())) {
            continue;
        }
        let mut item = key(partition, sort);
        item.insert(
            "ttl".to_owned(),
            number(expiry_epoch_seconds(event, config.retention_days, now)),
        );
        if let Some(visitor) = &event.visitor {
            item.insert(VISITOR.to_owned(), string(visitor));
        }
        requests.push(put(item)?);
        *per_day.entry(day).or_insert(0) += 1;
    }
    Ok((requests, per_day))
}

impl AwsBackend {
    /// Counts one shard of a day, following every page of results.
    async fn count_shard(
        &self,
        day: Day,
        shard: u32,
        zone: Zone,
    ) -> BackendResult<(DayCounter, f64)> {
        let now = Utc::now().timestamp();
        let mut counter = DayCounter::new(zone, day);
        let mut capacity = 0.0;
        let query = self
            .dynamodb
            .query()
            .table_name(&self.names.events_table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(event_partition(day, shard)))
            .projection_expression("sk, #ttl, #visitor")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_names("#visitor", VISITOR)
            // Strongly consistent: a count must include every write already acknowledged, or a
            // day could be marked done without its newest events.
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        each_page(query, "Query (count day)", |page| {
            capacity += page
                .consumed_capacity
                .and_then(|c| c.capacity_units)
                .unwrap_or(0.0);
            for item in page.items.unwrap_or_default() {
                // TTL deletion is best effort and late: expired items are not views any more.
                if get_number(&item, "ttl").is_some_and(|ttl| (ttl as i64) < now) {
                    continue;
                }
                let sort = item.get("sk").and_then(|v| v.as_s().ok());
                let visitor = item.get(VISITOR).and_then(|v| v.as_s().ok());
                if let Some((page, time_ms)) = sort.and_then(|s| parse_event_sort_key(s)) {
                    counter.add(&Observed {
                        page,
                        time_ms,
                        visitor: visitor.map(String::as_str),
                        ..Observed::default()
                    });
                }
            }
        })
        .await?;
        Ok((counter, capacity))
    }
}

#[async_trait]
impl EventStore for AwsBackend {
    async fn put_events(&self, events: &[Event]) -> BackendResult<WriteOutcome> {
        let config = self.config().await?;
        let (requests, per_day) = event_writes(events, &config)?;
        let written = requests.len() as u64;
        let mut capacity = self.write_all(&self.names.events_table, requests).await?;
        // After the rows: an aggregation that ran in between sees the day change again.
        for (day, writes) in per_day {
            capacity += self.mark_changed(day, writes).await?;
        }
        Ok(WriteOutcome {
            written,
            duplicates: None,
            capacity_units: Some(capacity),
        })
    }

    async fn count_day(&self, day: Day) -> BackendResult<DayCount> {
        // The version first: events written after it make the day pending again.
        let version = self
            .day_item(day)
            .await?
            .and_then(|item| get_number(&item, "change_version"))
            .unwrap_or(0);
        let config = self.config().await?;
        let shards: Vec<(DayCounter, f64)> = stream::iter(0..config.shards)
            .map(|shard| self.count_shard(day, shard, config.zone))
            .buffer_unordered(config.shards as usize)
            .try_collect()
            .await?;
        let mut counter = DayCounter::new(config.zone, day);
        let mut capacity = 0.0;
        for (shard, units) in shards {
            counter.merge(shard);
            capacity += units;
        }
        Ok(DayCount {
            day: Some(day),
            version,
            tally: counter.finish(),
            read_capacity_units: Some(capacity),
        })
    }

    async fn event_count(&self) -> BackendResult<u64> {
        let output = self
            .dynamodb
            .describe_table()
            .table_name(&self.names.events_table)
            .send()
            .await
            .map_err(|err| classify("DescribeTable", err))?;
        Ok(output
            .table
            .and_then(|table| table.item_count)
            .unwrap_or(0)
            .max(0) as u64)
    }

    fn day_events(&self, _day: Day, _chunk: usize) -> BoxStream<'_, BackendResult<Vec<Event>>> {
        stream::once(async { Err(BackendError::permanent("not yet")) }).boxed()
    }

    async fn delete_day(&self, _day: Day, _version: u64) -> BackendResult<Option<u64>> {
        Err(BackendError::permanent("not yet"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::event;

    #[test]
    fn writes_are_deduplicated_by_key_and_counted_per_day() {
        let events = [
            event("a", "/x", "2021-03-13T01:00:00Z"),
            event("a", "/x", "2021-03-13T01:00:00Z"),
            event("b", "/x", "2021-03-13T01:00:00Z"),
            event("c", "/y", "2021-03-14T01:00:00Z"),
        ];
        let config = |zone: &str| DeploymentConfig {
            shards: 8,
            retention_days: 400,
            zone: Zone::parse(zone).unwrap(),
        };
        let (requests, per_day) = event_writes(&events, &config("UTC")).unwrap();
        assert_eq!(requests.len(), 3);
        let days: Vec<(String, u64)> = per_day.iter().map(|(d, n)| (d.to_string(), *n)).collect();
        assert_eq!(
            days,
            [("2021-03-13".to_owned(), 2), ("2021-03-14".to_owned(), 1)]
        );
        // 01:00 UTC is still the evening before in New York.
        let (_, per_day) = event_writes(&events, &config("America/New_York")).unwrap();
        let days: Vec<String> = per_day.keys().map(Day::to_string).collect();
        assert_eq!(days, ["2021-03-12", "2021-03-13"]);
    }
}
