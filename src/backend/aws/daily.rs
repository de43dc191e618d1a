//! The daily table on DynamoDB: a day's rows and its summary item (change version, lease of
//! the aggregation in progress, what was stored), read a day at a time.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use futures::stream::{self, StreamExt, TryStreamExt};

use super::keys::DAYS_PARTITION;
use super::marks::{unfinished_writes_until, LAST_EXPIRY, PENDING_EXPIRY, UNRECORDED_EXPIRY};
use super::marks::{BY_ID_WRITES, BY_VISITOR_WRITES, PER_EVENT_WRITES};
use super::record::recorded_version;
use super::request::{conditional, send};
use super::writes::{delete, each_page, key, put, Item};
use super::{get_number, number, string, AwsBackend};
use crate::backend::{
    sort_breakdown, BackendError, BackendResult, BreakdownRow, DailyRow, DailyStore, DayCount,
    DayStatus, DayWrite, RawLayout, RawState,
};
use crate::model::count::merge_spellings;
use crate::model::day::{Day, DayRange};
use crate::model::dimension::{Dimension, PART_SEPARATOR};
use crate::model::engagement::{PageEngagement, ENGAGEMENT_COLUMNS};

/// Days read at once for a report.
const READ_CONCURRENCY: usize = 8;
/// How long an aggregation may hold a day before another may take it over.
const LEASE_SECONDS: i64 = 60;

impl AwsBackend {
    pub(super) fn day_key(&self, day: Day) -> Item {
        key(DAYS_PARTITION, day.to_string())
    }

    pub(super) async fn day_item(&self, day: Day) -> BackendResult<Option<Item>> {
        let output = send(&self.retry, "GetItem (day status)", || {
            self.dynamodb
                .get_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .consistent_read(true)
                .send()
        })
        .await?;
        Ok(output.item)
    }

    /// Takes the day for this aggregation, so two aggregations cannot interleave their writes.
    /// A lease held by another run is waited for (it ends at most `LEASE_SECONDS` after it was
    /// taken, even if that run died). Returns the day item as the lease left it.
    pub(super) async fn take_lease(&self, day: Day) -> BackendResult<Item> {
        let give_up = Utc::now().timestamp() + LEASE_SECONDS + 5;
        loop {
            let now = Utc::now().timestamp();
            let taken = conditional(&self.retry, "UpdateItem (take day)", || {
                self.dynamodb
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
            })
            .await?;
            match taken {
                Some(output) => return Ok(output.attributes.unwrap_or_default()),
                None if now < give_up => {
                    tracing::info!(%day, "another aggregation holds the day; waiting for it");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
                None => {
                    return Err(BackendError::transient(format!(
                        "another aggregation of {day} held it for over {LEASE_SECONDS} s"
                    )))
                }
            }
        }
    }

    pub(super) async fn free_lease(&self, day: Day) -> BackendResult<()> {
        // A failed condition: gone already (a lost answer), nothing to free.
        conditional(&self.retry, "UpdateItem (free day)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression("REMOVE lease_owner, lease_until")
                .condition_expression("lease_owner = :owner")
                .expression_attribute_values(":owner", string(&self.lease_owner))
                .send()
        })
        .await?;
        Ok(())
    }

    /// Records the count's version and frees the lease, in one conditional update.
    async fn finish_lease(&self, day: Day, count: &DayCount) -> BackendResult<()> {
        let at = Utc::now().timestamp_millis();
        let finished = conditional(&self.retry, "UpdateItem (finish day)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression(
                    "SET aggregated_version = :version, aggregated_at = :at, #views = :views, \
                     pages = :pages, visitors = :visitors, keyless = :keyless \
                     REMOVE lease_owner, lease_until",
                )
                .condition_expression("lease_owner = :owner")
                .expression_attribute_names("#views", "views")
                .expression_attribute_values(":owner", string(&self.lease_owner))
                .expression_attribute_values(":version", number(count.version))
                .expression_attribute_values(":at", number(at))
                .expression_attribute_values(":views", number(count.views()))
                .expression_attribute_values(":pages", number(count.tally.pages.len()))
                .expression_attribute_values(":visitors", number(count.tally.visitors))
                .expression_attribute_values(":keyless", number(count.tally.keyless_views))
                .send()
        })
        .await?;
        match finished {
            Some(_) => Ok(()),
            None => self.lease_lost(day, count).await,
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
        self.mark_changed(day).await?;
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
    pub(super) async fn query_daily(&self, day: Day, keys_only: bool) -> BackendResult<Vec<Item>> {
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
        each_page(&self.retry, query, "Query (daily rows)", |page| {
            items.extend(page.items.unwrap_or_default())
        })
        .await?;
        Ok(items)
    }

    async fn write_day_rows(&self, day: Day, count: &DayCount) -> BackendResult<()> {
        let breakdowns: Vec<String> = count
            .tally
            .breakdowns
            .keys()
            .map(|(dimension, key)| breakdown_sort_key(*dimension, key))
            .collect();
        let stale: Vec<String> = self
            .daily_pages(day)
            .await?
            .into_iter()
            .filter(|sk| !count.tally.pages.contains_key(sk) && !breakdowns.contains(sk))
            .collect();
        let mut requests = Vec::with_capacity(count.tally.pages.len() + stale.len());
        for ((dimension, key), row) in &count.tally.breakdowns {
            let mut item = key_item(day, breakdown_sort_key(*dimension, key));
            item.insert("views".to_owned(), number(row.views));
            item.insert("visitors".to_owned(), number(row.visitors));
            requests.push(put(item)?);
        }
        for (page, tally) in &count.tally.pages {
            let mut item = key(day.to_string(), page.clone());
            item.insert("views".to_owned(), number(tally.views()));
            item.insert("visitors".to_owned(), number(tally.visitors));
            if let Some(keyless) = tally.keyless {
                item.insert("keyless".to_owned(), number(keyless));
            }
            if let Some(engagement) = tally.engagement {
                for (name, value) in ENGAGEMENT_COLUMNS.iter().zip(engagement.values()) {
                    item.insert((*name).to_owned(), number(value));
                }
            }
            item.insert(
                "hours".to_owned(),
                AttributeValue::L(tally.hours.iter().map(number).collect()),
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

/// A breakdown row's sort key under its day: the dimension's name, a separator, the key. Page
/// rows' sort keys are pages, which start with '/': the two never mix.
fn breakdown_sort_key(dimension: Dimension, key: &str) -> String {
    format!("{}{PART_SEPARATOR}{key}", dimension.name())
}

fn key_item(day: Day, sort: String) -> Item {
    key(day.to_string(), sort)
}

pub(super) fn breakdown_of(day: Day, item: &Item) -> Option<BreakdownRow> {
    let sort = item.get("sk")?.as_s().ok()?;
    let (name, key) = sort.split_once(PART_SEPARATOR)?;
    let dimension = Dimension::from_name(name)?;
    Some(BreakdownRow {
        day,
        dimension,
        key: key.to_owned(),
        views: get_number(item, "views")?,
        visitors: get_number(item, "visitors").unwrap_or(0),
    })
}

pub(super) fn row_of(day: Day, item: &Item) -> Option<DailyRow> {
    let page = item.get("sk")?.as_s().ok()?.clone();
    if !page.starts_with('/') {
        return None;
    }
    let hours = item
        .get("hours")
        .and_then(|h| h.as_l().ok())
        .map(|list| {
            list.iter()
                .map(|value| value.as_n().ok().and_then(|n| n.parse().ok()).unwrap_or(0))
                .collect()
        })
        .unwrap_or_else(|| vec![0; 24]);
    Some(DailyRow {
        day,
        page,
        views: get_number(item, "views")?,
        // Rows aggregated before visitors were counted have none.
        visitors: get_number(item, "visitors").unwrap_or(0),
        hours,
        // Nor, before pages kept them, views without a key, or their engagement.
        keyless: get_number(item, "keyless"),
        engagement: engagement_of(item),
    })
}

/// A daily row's engagement, when it was counted with it (every attribute there).
fn engagement_of(item: &Item) -> Option<PageEngagement> {
    let mut values = [0; ENGAGEMENT_COLUMNS.len()];
    for (value, name) in values.iter_mut().zip(ENGAGEMENT_COLUMNS) {
        *value = get_number(item, name)?;
    }
    Some(PageEngagement::from_values(values))
}

/// A time attribute in epoch seconds.
fn time_of(item: &Item, name: &str) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(get_number(item, name)? as i64, 0)
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
        visitors: get_number(item, "visitors"),
        keyless_views: get_number(item, "keyless"),
        raw: RawState {
            deleted_version: get_number(item, "deleted_version"),
            deleted_views: get_number(item, "deleted_views").unwrap_or(0),
            record_version: recorded_version(item),
            uncounted_expiry: time_of(item, PENDING_EXPIRY),
            last_expiry: time_of(item, LAST_EXPIRY),
            unrecorded_expiry: time_of(item, UNRECORDED_EXPIRY),
            unfinished_writes_until: unfinished_writes_until(item),
        },
        // The counters of events written in each layout (items of one event were counted in
        // `writes` before packed items existed).
        layouts: [
            (PER_EVENT_WRITES, RawLayout::PerEvent),
            (BY_ID_WRITES, RawLayout::Packed),
            (BY_VISITOR_WRITES, RawLayout::PackedByVisitor),
        ]
        .into_iter()
        .filter(|(counter, _)| get_number(item, counter).is_some_and(|events| events > 0))
        .map(|(_, layout)| layout)
        .collect(),
    })
}

#[async_trait]
impl DailyStore for AwsBackend {
    async fn put_day(&self, day: Day, count: &DayCount) -> BackendResult<DayWrite> {
        self.put_day_unless(day, count, false).await
    }

    async fn put_day_once(&self, day: Day, count: &DayCount) -> BackendResult<DayWrite> {
        self.put_day_unless(day, count, true).await
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

    async fn read_breakdown(
        &self,
        range: DayRange,
        dimension: Option<Dimension>,
    ) -> BackendResult<Vec<BreakdownRow>> {
        self.config().await?;
        let per_day: Vec<Vec<BreakdownRow>> = stream::iter(range.days())
            .map(|day| async move {
                let items = self.query_daily(day, false).await?;
                let rows = items
                    .iter()
                    .filter_map(|item| breakdown_of(day, item))
                    .filter(|row| dimension.is_none_or(|wanted| row.dimension == wanted));
                Ok::<_, BackendError>(rows.collect())
            })
            .buffered(READ_CONCURRENCY)
            .try_collect()
            .await?;
        let mut rows: Vec<BreakdownRow> = per_day.into_iter().flatten().collect();
        sort_breakdown(&mut rows);
        Ok(rows)
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
        each_page(&self.retry, query, "Query (day statuses)", |page| {
            statuses.extend(page.items.unwrap_or_default().iter().filter_map(status_of))
        })
        .await?;
        Ok(statuses)
    }
}

impl AwsBackend {
    /// `put_day`, and with `once` `put_day_once`: under the day's lease, the stored count is
    /// kept when it is of a newer version, larger, or (`once`) of the same version with the
    /// day unchanged since.
    async fn put_day_unless(
        &self,
        day: Day,
        count: &DayCount,
        once: bool,
    ) -> BackendResult<DayWrite> {
        let leased = self.take_lease(day).await?;
        let stored_version = get_number(&leased, "aggregated_version");
        let stored_views = get_number(&leased, "views");
        let unchanged = get_number(&leased, "change_version").unwrap_or(0) == count.version;
        let keep = if stored_version.is_some_and(|stored| stored > count.version) {
            Some(DayWrite::KeptNewer)
        } else if stored_views.is_some_and(|stored| stored > count.views()) {
            // Counts only grow (raw events deleted, or about to expire, are in the day's
            // record first), but for raw events that expired before their day's record was
            // made: never trade a count for a smaller one made after part of the day expired.
            Some(DayWrite::KeptLarger)
        } else if once && unchanged && stored_version == Some(count.version) {
            Some(DayWrite::AlreadyStored)
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
        self.settle_expiry(day, count.version, PENDING_EXPIRY)
            .await?;
        Ok(DayWrite::Stored)
    }
}
