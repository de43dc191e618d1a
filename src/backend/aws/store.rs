//! The raw-events and daily tables on DynamoDB: batched, de-duplicated writes with
//! UnprocessedItems retried; a day counted by querying its shards in parallel.

use async_trait::async_trait;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, PutRequest, ReturnConsumedCapacity, ReturnValue, WriteRequest,
};
use chrono::Utc;
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::{BTreeMap, HashMap, HashSet};

use super::errors::is_condition_failure;
use super::keys::{
    event_partition, event_sort_key, expiry_epoch_seconds, parse_event_sort_key, shard_of,
    DAYS_PARTITION,
};
use super::{classify, get_number, number, string, AwsBackend};
use crate::backend::{
    BackendError, BackendResult, DailyRow, DailyStore, DayCount, DayStatus, DayWrite, EventStore,
    WriteOutcome,
};
use crate::day::{Day, DayRange};
use crate::event::Event;
use crate::pipeline::count::{merge_spellings, HourlyCounter, Hours};

/// BatchWriteItem takes at most 25 requests.
pub const MAX_WRITE_BATCH: usize = 25;
/// BatchWriteItem calls in flight at once for one put.
const WRITE_CONCURRENCY: usize = 16;
/// Days read at once for a report.
const READ_CONCURRENCY: usize = 8;
/// How long an aggregation may hold a day before another may take it over.
const LEASE_SECONDS: i64 = 60;

type Item = HashMap<String, AttributeValue>;

fn key(partition: impl Into<String>, sort: impl Into<String>) -> Item {
    HashMap::from([
        ("pk".to_owned(), string(partition)),
        ("sk".to_owned(), string(sort)),
    ])
}

fn put(item: Item) -> BackendResult<WriteRequest> {
    let request = PutRequest::builder()
        .set_item(Some(item))
        .build()
        .map_err(|err| BackendError::permanent(err.to_string()).caused_by(err))?;
    Ok(WriteRequest::builder().put_request(request).build())
}

fn delete(item_key: Item) -> BackendResult<WriteRequest> {
    let request = DeleteRequest::builder()
        .set_key(Some(item_key))
        .build()
        .map_err(|err| BackendError::permanent(err.to_string()).caused_by(err))?;
    Ok(WriteRequest::builder().delete_request(request).build())
}

/// The write requests for `events`, one per distinct key (BatchWriteItem refuses a call that
/// names one key twice), with how many fell on each day.
pub fn event_writes(
    events: &[Event],
    shards: u32,
    retention_days: u32,
) -> BackendResult<(Vec<WriteRequest>, BTreeMap<Day, u64>)> {
    let now = Utc::now().timestamp();
    let mut seen = HashSet::with_capacity(events.len());
    let mut requests = Vec::with_capacity(events.len());
    let mut per_day = BTreeMap::new();
    for event in events {
        let partition = event_partition(event.day(), shard_of(&event.id, shards));
        let sort = event_sort_key(event);
        if !seen.insert((partition.clone(), sort.clone())) {
            continue;
        }
        let mut item = key(partition, sort);
        item.insert(
            "ttl".to_owned(),
            number(expiry_epoch_seconds(event, retention_days, now)),
        );
        requests.push(put(item)?);
        *per_day.entry(event.day()).or_insert(0) += 1;
    }
    Ok((requests, per_day))
}

/// Runs a query to its last page (each page stops at 1 MB), handing each page to `each`.
async fn each_page(
    query: QueryFluentBuilder,
    what: &str,
    mut each: impl FnMut(QueryOutput),
) -> BackendResult<()> {
    let mut pages = query.into_paginator().send();
    while let Some(page) = pages.next().await {
        each(page.map_err(|err| classify(what, err))?);
    }
    Ok(())
}

fn capacity_of(consumed: Option<&[aws_sdk_dynamodb::types::ConsumedCapacity]>) -> f64 {
    consumed
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.capacity_units)
        .sum()
}

impl AwsBackend {
    /// Writes up to 25 requests; items DynamoDB leaves unprocessed (throttling inside a
    /// successful response) are sent again with capped exponential backoff and jitter.
    async fn batch_write(&self, table: &str, requests: Vec<WriteRequest>) -> BackendResult<f64> {
        let mut pending = requests;
        let mut capacity = 0.0;
        let mut attempt = 1;
        loop {
            let output = self
                .dynamodb
                .batch_write_item()
                .request_items(table, pending)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|err| classify("BatchWriteItem", err))?;
            capacity += capacity_of(output.consumed_capacity.as_deref());
            let unprocessed = output
                .unprocessed_items
                .and_then(|mut tables| tables.remove(table))
                .unwrap_or_default();
            if unprocessed.is_empty() {
                return Ok(capacity);
            }
            if attempt >= self.retry.attempts {
                return Err(BackendError::transient(format!(
                    "BatchWriteItem: {} items still unprocessed after {attempt} attempts",
                    unprocessed.len()
                )));
            }
            tracing::debug!(
                items = unprocessed.len(),
                attempt,
                "unprocessed items; retrying"
            );
            tokio::time::sleep(self.retry.delay(attempt)).await;
            attempt += 1;
            pending = unprocessed;
        }
    }

    /// Writes any number of requests, 25 per call, several calls at once; returns capacity.
    async fn write_all(&self, table: &str, requests: Vec<WriteRequest>) -> BackendResult<f64> {
        let chunks: Vec<Vec<WriteRequest>> = requests
            .chunks(MAX_WRITE_BATCH)
            .map(<[WriteRequest]>::to_vec)
            .collect();
        stream::iter(chunks)
            .map(|chunk| self.batch_write(table, chunk))
            .buffer_unordered(WRITE_CONCURRENCY)
            .try_fold(0.0, |total, units| async move { Ok(total + units) })
            .await
    }

    fn day_key(&self, day: Day) -> Item {
        key(DAYS_PARTITION, day.to_string())
    }

    async fn mark_changed(&self, day: Day, writes: u64) -> BackendResult<f64> {
        let output = self
            .dynamodb
            .update_item()
            .table_name(&self.names.daily_table)
            .set_key(Some(self.day_key(day)))
            .update_expression("ADD change_version :one, writes :writes")
            .expression_attribute_values(":one", number(1))
            .expression_attribute_values(":writes", number(writes))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|err| classify("UpdateItem (day changed)", err))?;
        Ok(output
            .consumed_capacity
            .and_then(|c| c.capacity_units)
            .unwrap_or(0.0))
    }

    /// Counts one shard of a day, following every page of results.
    async fn count_shard(&self, day: Day, shard: u32) -> BackendResult<(HourlyCounter, f64)> {
        let now = Utc::now().timestamp();
        let mut counter = HourlyCounter::default();
        let mut capacity = 0.0;
        let query = self
            .dynamodb
            .query()
            .table_name(&self.names.events_table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(event_partition(day, shard)))
            .projection_expression("sk, #ttl")
            .expression_attribute_names("#ttl", "ttl")
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
                if let Some((page, time_ms)) = sort.and_then(|s| parse_event_sort_key(s)) {
                    counter.add(page, time_ms);
                }
            }
        })
        .await?;
        Ok((counter, capacity))
    }

    async fn day_item(&self, day: Day) -> BackendResult<Option<Item>> {
        let output = self
            .dynamodb
            .get_item()
            .table_name(&self.names.daily_table)
            .set_key(Some(self.day_key(day)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|err| classify("GetItem (day status)", err))?;
        Ok(output.item)
    }

    /// Takes the day for this aggregation, so two aggregations cannot interleave their writes.
    /// A lease held by another run is waited for (it ends at most `LEASE_SECONDS` after it was
    /// taken, even if that run died). Returns the stored version and views.
    async fn take_lease(&self, day: Day) -> BackendResult<(Option<u64>, Option<u64>)> {
        let give_up = Utc::now().timestamp() + LEASE_SECONDS + 5;
        loop {
            let now = Utc::now().timestamp();
            let result = self
                .dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression("SET lease_owner = :owner, lease_until = :until")
                // Our own lease too: the answer to an earlier attempt may have been lost.
                .condition_expression(
                    "attribute_not_exists(lease_until) OR lease_until < :now OR lease_owner = :owner",
                )
                .expression_attribute_values(":owner", string(&self.lease_owner))
                .expression_attribute_values(":until", number(now + LEASE_SECONDS))
                .expression_attribute_values(":now", number(now))
                .return_values(ReturnValue::AllNew)
                .send()
                .await;
            match result {
                Ok(output) => {
                    let item = output.attributes.unwrap_or_default();
                    return Ok((
                        get_number(&item, "aggregated_version"),
                        get_number(&item, "views"),
                    ));
                }
                Err(err) if is_condition_failure(&err) && now < give_up => {
                    tracing::info!(%day, "another aggregation holds the day; waiting for it");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
                Err(err) if is_condition_failure(&err) => {
                    return Err(BackendError::transient(format!(
                        "another aggregation of {day} held it for over {LEASE_SECONDS} s"
                    )))
                }
                Err(err) => return Err(classify("UpdateItem (take day)", err)),
            }
        }
    }

    async fn free_lease(&self, day: Day) -> BackendResult<()> {
        let result = self
            .dynamodb
            .update_item()
            .table_name(&self.names.daily_table)
            .set_key(Some(self.day_key(day)))
            .update_expression("REMOVE lease_owner, lease_until")
            .condition_expression("lease_owner = :owner")
            .expression_attribute_values(":owner", string(&self.lease_owner))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Gone already (a lost answer): nothing to free.
            Err(err) if is_condition_failure(&err) => Ok(()),
            Err(err) => Err(classify("UpdateItem (free day)", err)),
        }
    }

    /// Records the count's version and frees the lease, in one conditional update.
    async fn finish_lease(&self, day: Day, count: &DayCount) -> BackendResult<()> {
        let result = self
            .dynamodb
            .update_item()
            .table_name(&self.names.daily_table)
            .set_key(Some(self.day_key(day)))
            .update_expression(
                "SET aggregated_version = :version, aggregated_at = :at, #views = :views, \
                 pages = :pages REMOVE lease_owner, lease_until",
            )
            .condition_expression("lease_owner = :owner")
            .expression_attribute_names("#views", "views")
            .expression_attribute_values(":owner", string(&self.lease_owner))
            .expression_attribute_values(":version", number(count.version))
            .expression_attribute_values(":at", number(Utc::now().timestamp_millis()))
            .expression_attribute_values(":views", number(count.views()))
            .expression_attribute_values(":pages", number(count.pages.len()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(err) if is_condition_failure(&err) => self.lease_lost(day, count).await,
            Err(err) => Err(classify("UpdateItem (finish day)", err)),
        }
    }

    /// The lease was gone when the count was recorded: either an earlier attempt recorded it
    /// and its answer was lost (fine), or the lease ran out and another run may have written
    /// rows in between; then the day is marked changed, so it is counted again.
    async fn lease_lost(&self, day: Day, count: &DayCount) -> BackendResult<()> {
        let stored = self
            .day_item(day)
            .await?
            .and_then(|item| get_number(&item, "aggregated_version"));
        if stored.is_some_and(|stored| stored >= count.version) {
            return Ok(());
        }
        self.mark_changed(day, 0).await?;
        Err(BackendError::transient(format!(
            "the aggregation of {day} outlived its {LEASE_SECONDS} s lease; the day is pending again"
        )))
    }

    /// Pages that have a daily row for `day`.
    async fn daily_pages(&self, day: Day) -> BackendResult<Vec<String>> {
        Ok(self
            .query_daily(day, true)
            .await?
            .into_iter()
            .filter_map(|item| item.get("sk")?.as_s().ok().cloned())
            .collect())
    }

    /// Every daily row of one day.
    async fn query_daily(&self, day: Day, keys_only: bool) -> BackendResult<Vec<Item>> {
        let mut query = self
            .dynamodb
            .query()
            .table_name(&self.names.daily_table)
            .key_condition_expression("pk = :day")
            .expression_attribute_values(":day", string(day.to_string()))
            .consistent_read(true);
        if keys_only {
            query = query.projection_expression("sk");
        }
        let mut items = Vec::new();
        each_page(query, "Query (daily rows)", |page| {
            items.extend(page.items.unwrap_or_default())
        })
        .await?;
        Ok(items)
    }

    async fn write_day_rows(&self, day: Day, count: &DayCount) -> BackendResult<()> {
        let stale: Vec<String> = self
            .daily_pages(day)
            .await?
            .into_iter()
            .filter(|page| !count.pages.contains_key(page))
            .collect();
        let mut requests = Vec::with_capacity(count.pages.len() + stale.len());
        for (page, hours) in &count.pages {
            let mut item = key(day.to_string(), page.clone());
            item.insert("views".to_owned(), number(hours.iter().sum::<u64>()));
            item.insert(
                "hours".to_owned(),
                AttributeValue::L(hours.iter().map(number).collect()),
            );
            requests.push(put(item)?);
        }
        for page in stale {
            requests.push(delete(key(day.to_string(), page))?);
        }
        self.write_all(&self.names.daily_table, requests).await?;
        Ok(())
    }
}

fn row_of(day: Day, item: &Item) -> Option<DailyRow> {
    let page = item.get("sk")?.as_s().ok()?.clone();
    let mut hours: Hours = [0; 24];
    if let Some(list) = item.get("hours").and_then(|h| h.as_l().ok()) {
        for (slot, value) in hours.iter_mut().zip(list) {
            *slot = value.as_n().ok().and_then(|n| n.parse().ok()).unwrap_or(0);
        }
    }
    Some(DailyRow {
        day,
        page,
        views: get_number(item, "views")?,
        hours,
    })
}

fn status_of(item: &Item) -> Option<DayStatus> {
    let day = Day::parse(item.get("sk")?.as_s().ok()?).ok()?;
    Some(DayStatus {
        day,
        change_version: get_number(item, "change_version").unwrap_or(0),
        aggregated_version: get_number(item, "aggregated_version"),
        aggregated_at: get_number(item, "aggregated_at")
            .and_then(|ms| chrono::DateTime::from_timestamp_millis(ms as i64)),
        views: get_number(item, "views"),
        pages: get_number(item, "pages"),
    })
}

#[async_trait]
impl EventStore for AwsBackend {
    async fn put_events(&self, events: &[Event]) -> BackendResult<WriteOutcome> {
        let config = self.config().await?;
        let (requests, per_day) = event_writes(events, config.shards, config.retention_days)?;
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
        let shard_count = self.config().await?.shards;
        let shards: Vec<(HourlyCounter, f64)> = stream::iter(0..shard_count)
            .map(|shard| self.count_shard(day, shard))
            .buffer_unordered(shard_count as usize)
            .try_collect()
            .await?;
        let mut counter = HourlyCounter::default();
        let mut capacity = 0.0;
        for (shard, units) in shards {
            counter.merge(shard);
            capacity += units;
        }
        Ok(DayCount {
            day: Some(day),
            version,
            pages: counter.finish(),
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
}

#[async_trait]
impl DailyStore for AwsBackend {
    async fn put_day(&self, day: Day, count: &DayCount) -> BackendResult<DayWrite> {
        let (stored_version, stored_views) = self.take_lease(day).await?;
        let keep = if stored_version.is_some_and(|stored| stored > count.version) {
            Some(DayWrite::KeptNewer)
        } else if stored_views.is_some_and(|stored| stored > count.views()) {
            // Raw events only ever grow, but for TTL expiry: never trade a count for a
            // smaller one made after part of the day expired.
            Some(DayWrite::KeptLarger)
        } else {
            None
        };
        if let Some(keep) = keep {
            self.free_lease(day).await?;
            return Ok(keep);
        }
        if let Err(err) = self.write_day_rows(day, count).await {
            // Free the day now rather than when the lease runs out; the error stands.
            let _ = self.free_lease(day).await;
            return Err(err);
        }
        self.finish_lease(day, count).await?;
        Ok(DayWrite::Stored)
    }

    async fn read_rows(&self, range: DayRange, page: Option<&str>) -> BackendResult<Vec<DailyRow>> {
        // Fails with "not provisioned" when the deployment is missing.
        self.config().await?;
        let per_day: Vec<Vec<DailyRow>> = stream::iter(range.days())
            .map(|day| async move {
                let items = self.query_daily(day, false).await?;
                Ok::<_, BackendError>(items.iter().filter_map(|item| row_of(day, item)).collect())
            })
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await?;
        // The page is matched once rows stored in an older spelling of it are normalised.
        let rows: Vec<DailyRow> = per_day.into_iter().flatten().collect();
        Ok(merge_spellings(rows, page))
    }

    async fn day_statuses(&self, range: Option<DayRange>) -> BackendResult<Vec<DayStatus>> {
        self.config().await?;
        let query = self
            .dynamodb
            .query()
            .table_name(&self.names.daily_table)
            .expression_attribute_values(":days", string(DAYS_PARTITION))
            .consistent_read(true);
        let query = match range {
            Some(range) => query
                .key_condition_expression("pk = :days AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":from", string(range.from.to_string()))
                .expression_attribute_values(":to", string(range.to.to_string())),
            None => query.key_condition_expression("pk = :days"),
        };
        let mut statuses = Vec::new();
        each_page(query, "Query (day statuses)", |page| {
            statuses.extend(page.items.unwrap_or_default().iter().filter_map(status_of))
        })
        .await?;
        Ok(statuses)
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
        let (requests, per_day) = event_writes(&events, 8, 400).unwrap();
        assert_eq!(requests.len(), 3);
        let days: Vec<(String, u64)> = per_day.iter().map(|(d, n)| (d.to_string(), *n)).collect();
        assert_eq!(
            days,
            [("2021-03-13".to_owned(), 2), ("2021-03-14".to_owned(), 1)]
        );
    }
}
