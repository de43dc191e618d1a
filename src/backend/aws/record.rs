//! A day's record on DynamoDB: its daily rows as counted at a version, copied under the
//! partition `record#YYYY-MM-DD` (sort key `<version>#<row's sort key>`), and named by the day's
//! `record_version` with its site-wide numbers. Counts add to it the raw items of later
//! versions only (`layout.rs`: each item carries the day version its write made), so the
//! items it holds may be deleted (`prune`, `archive`) or expire (TTL) without changing a count,
//! and late events are added once whatever the number of counts.
//!
//! Making a record is safe to stop at any point: the rows of the new version are written
//! first, then one conditional update makes them the record (taken under the day's aggregation
//! lease, so no count of the day is stored meanwhile), then the rows of older versions go.

use chrono::Utc;

use super::daily::{breakdown_of, row_of};
use super::layout::Item;
use super::marks::{countable_version, UNRECORDED_EXPIRY};
use super::request::conditional;
use super::writes::{delete, each_page, put};
use super::{get_number, number, string, AwsBackend};
use crate::backend::{BackendError, BackendResult};
use crate::model::count::record_tally;
use crate::model::count::Tally;
use crate::model::day::Day;

/// The day item's attributes of the record: its version and site-wide numbers.
const RECORD_VERSION: &str = "record_version";
const RECORD_VISITORS: &str = "record_visitors";
const RECORD_KEYLESS: &str = "record_keyless";
/// Counts of a day attempted while records of it keep being made.
pub(super) const RECORD_ATTEMPTS: u32 = 3;

/// The version whose count the day's record holds, from the day's status item.
pub(super) fn recorded_version(status: &Item) -> Option<u64> {
    get_number(status, RECORD_VERSION)
}

/// Whether the day's rows hold the count of every raw event stored: counted at `version`, not
/// changed since, no write of it under way (from its status item, at `now`).
pub(super) fn counted_at(status: &Item, version: u64, now: i64) -> bool {
    let (countable, _) = countable_version(status, now);
    get_number(status, "aggregated_version") == Some(version)
        && get_number(status, "change_version") == Some(version)
        && countable == version
}

fn record_partition(day: Day) -> String {
    format!("record#{day}")
}

fn version_prefix(version: u64) -> String {
    format!("{version}#")
}

impl AwsBackend {
    /// The record of `version` as a count, its site-wide numbers from `status`.
    pub(super) async fn read_record(
        &self,
        day: Day,
        version: u64,
        status: &Item,
    ) -> BackendResult<Tally> {
        let prefix = version_prefix(version);
        let query = self
            .dynamodb
            .query()
            .table_name(&self.names.daily_table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", string(record_partition(day)))
            .expression_attribute_values(":prefix", string(&prefix))
            .consistent_read(true);
        let (mut rows, mut breakdowns) = (Vec::new(), Vec::new());
        each_page(&self.retry, query, "Query (day's record)", |page| {
            for mut item in page.items.unwrap_or_default() {
                let sort = item.get("sk").and_then(|sk| sk.as_s().ok());
                let Some(row_key) = sort.and_then(|sort| sort.strip_prefix(&prefix)) else {
                    continue;
                };
                item.insert("sk".to_owned(), string(row_key));
                rows.extend(row_of(day, &item));
                breakdowns.extend(breakdown_of(day, &item));
            }
        })
        .await?;
        Ok(record_tally(
            &rows,
            &breakdowns,
            get_number(status, RECORD_VISITORS).unwrap_or(0),
            get_number(status, RECORD_KEYLESS).unwrap_or(0),
        ))
    }

    /// Makes the day's counts, as counted at `version`, its record; `None` (nothing done) when
    /// it was not counted at `version` or changed since. Returns the day's status item, read
    /// while the record was made.
    pub(super) async fn keep_record(&self, day: Day, version: u64) -> BackendResult<Option<Item>> {
        self.take_lease(day).await?;
        let kept = self.keep_record_leased(day, version).await;
        let freed = self.free_lease(day).await;
        let kept = kept?;
        freed?;
        if kept.is_some() {
            self.settle_expiry(day, version, UNRECORDED_EXPIRY).await?;
            self.drop_other_records(day, version).await?;
            self.drop_parts_before_record(day, version).await?;
        }
        Ok(kept)
    }

    async fn keep_record_leased(&self, day: Day, version: u64) -> BackendResult<Option<Item>> {
        let Some(status) = self.day_item(day).await? else {
            return Ok(None);
        };
        if !counted_at(&status, version, Utc::now().timestamp()) {
            return Ok(None);
        }
        if recorded_version(&status) != Some(version) {
            self.copy_rows_to_record(day, version, &status).await?;
        }
        Ok(Some(status))
    }

    /// Writes the day's rows as the record of `version`, then makes them its record: once, and
    /// only while this run holds the day's lease and the rows are still of a count of that
    /// version's (`aggregated` in `status`).
    async fn copy_rows_to_record(
        &self,
        day: Day,
        version: u64,
        status: &Item,
    ) -> BackendResult<()> {
        let aggregated = get_number(status, "aggregated_version").unwrap_or(0);
        let rows = self.query_daily(day, false).await?;
        let prefix = version_prefix(version);
        let requests = rows
            .into_iter()
            .filter_map(|mut row| {
                let sort = row.get("sk")?.as_s().ok()?.clone();
                row.insert("pk".to_owned(), string(record_partition(day)));
                row.insert("sk".to_owned(), string(format!("{prefix}{sort}")));
                Some(put(row))
            })
            .collect::<BackendResult<Vec<_>>>()?;
        self.write_all(&self.names.daily_table, requests).await?;
        let number_of = |name: &str| number(get_number(status, name).unwrap_or(0));
        let made = conditional(&self.retry, "UpdateItem (day's record)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression(
                    "SET #version = :version, #visitors = :visitors, #keyless = :keyless",
                )
                .condition_expression("lease_owner = :owner AND aggregated_version = :aggregated")
                .expression_attribute_names("#version", RECORD_VERSION)
                .expression_attribute_names("#visitors", RECORD_VISITORS)
                .expression_attribute_names("#keyless", RECORD_KEYLESS)
                .expression_attribute_values(":version", number(version))
                .expression_attribute_values(":visitors", number_of("visitors"))
                .expression_attribute_values(":keyless", number_of("keyless"))
                .expression_attribute_values(":owner", string(&self.lease_owner))
                .expression_attribute_values(":aggregated", number(aggregated))
                .send()
        })
        .await?;
        match made {
            Some(_) => Ok(()),
            None => Err(BackendError::transient(format!(
                "the counts of {day} changed while they were made its record; try again"
            ))),
        }
    }

    /// Deletes the record rows of versions other than `version`.
    async fn drop_other_records(&self, day: Day, version: u64) -> BackendResult<()> {
        let prefix = version_prefix(version);
        let query = self
            .dynamodb
            .query()
            .table_name(&self.names.daily_table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(record_partition(day)))
            .projection_expression("pk, sk")
            .consistent_read(true);
        let mut old = Vec::new();
        each_page(&self.retry, query, "Query (day's records)", |page| {
            let keys = page.items.unwrap_or_default().into_iter().filter(|key| {
                key.get("sk")
                    .and_then(|sk| sk.as_s().ok())
                    .is_some_and(|sk| !sk.starts_with(&prefix))
            });
            old.extend(keys);
        })
        .await?;
        let requests = old
            .into_iter()
            .map(delete)
            .collect::<BackendResult<Vec<_>>>()?;
        self.write_all(&self.names.daily_table, requests).await?;
        Ok(())
    }

    /// The day's status item to count with. A day whose raw events were deleted by a pageviews
    /// that kept no records has only its daily rows as its record: they become its record
    /// first, of version 0 when the raw items left were all written after the deletion (its
    /// count then is the one made before it), else of the version last counted.
    pub(super) async fn adopt_record_of_deleted_day(&self, day: Day) -> BackendResult<Item> {
        let status = self.day_item(day).await?.unwrap_or_default();
        let Some(deleted) = get_number(&status, "deleted_version") else {
            return Ok(status);
        };
        if recorded_version(&status).is_some() {
            return Ok(status);
        }
        self.take_lease(day).await?;
        let adopted = async {
            let status = self.day_item(day).await?.unwrap_or_default();
            if recorded_version(&status).is_some() {
                return Ok(());
            }
            let aggregated = get_number(&status, "aggregated_version").unwrap_or(0);
            let version = if aggregated == deleted { 0 } else { aggregated };
            self.copy_rows_to_record(day, version, &status).await
        }
        .await;
        let freed = self.free_lease(day).await;
        adopted?;
        freed?;
        tracing::info!(%day, "the daily rows of a day deleted before records existed are its record now");
        Ok(self.day_item(day).await?.unwrap_or_default())
    }
}
