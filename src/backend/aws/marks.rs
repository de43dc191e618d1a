//! A day's change marks on DynamoDB, which say when a day must be counted again. A write of raw
//! events marks each of its days *before* its rows are stored (its change version goes up, and
//! the write is listed as under way), and says when it is done *after*: no crash or failure
//! between the two can leave rows that `aggregate --pending` never sees. A count made while a
//! write is under way may miss its rows, so it does not claim the day's version: the day stays
//! pending until a count made after the write.
//!
//! Both marks are idempotent (a retried mark whose first answer was lost does no harm): a write
//! is listed by a token of its own in the set `writing`. A write that never says it is done (a
//! crash, a write given up) stops counting as under way once `writing_until` has passed: the
//! write's bound, plus the longest a request sent just before it may take to land, plus a margin
//! for clocks that differ between machines.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity};
use chrono::Utc;
use std::time::Duration;

use super::request::{conditional, send};
use super::writes::Item;
use super::{get_number, number, AwsBackend};
use crate::backend::{BackendResult, WRITE_BOUND};
use crate::model::day::Day;

/// How long after a write began its day counts as possibly still being written.
pub const WRITE_WINDOW: Duration = Duration::from_secs(WRITE_BOUND.as_secs() + 120);

/// The writes under way of a day item, by token.
const WRITING: &str = "writing";
const WRITING_UNTIL: &str = "writing_until";

fn tokens(tokens: &[String]) -> AttributeValue {
    AttributeValue::Ss(tokens.to_vec())
}

fn units(capacity: Option<aws_sdk_dynamodb::types::ConsumedCapacity>) -> f64 {
    capacity.and_then(|c| c.capacity_units).unwrap_or(0.0)
}

/// The version a count of the day may claim, read from its status item before counting: its
/// change version, or one less while a write of it may be under way (the day stays pending).
/// Also the tokens of writes that will never say they are done (their window has passed).
pub fn countable_version(item: &Item, now: i64) -> (u64, Vec<String>) {
    let version = get_number(item, "change_version").unwrap_or(0);
    let writing = item
        .get(WRITING)
        .and_then(|set| set.as_ss().ok())
        .cloned()
        .unwrap_or_default();
    if writing.is_empty() {
        return (version, Vec::new());
    }
    let until = get_number(item, WRITING_UNTIL).map_or(0, |until| until as i64);
    if until > now {
        (version.saturating_sub(1), Vec::new())
    } else {
        (version, writing)
    }
}

impl AwsBackend {
    /// Marks `day` changed and write `token` under way, before any of its rows is written.
    pub(super) async fn begin_write(&self, day: Day, token: &str) -> BackendResult<f64> {
        let until = Utc::now().timestamp() + WRITE_WINDOW.as_secs() as i64;
        let token = [token.to_owned()];
        // `writing_until` only moves later: a machine whose clock is behind must not cut short
        // the window of a write begun elsewhere.
        let extended = conditional(&self.retry, "UpdateItem (day being written)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression("ADD change_version :one, #writing :token SET #until = :until")
                .condition_expression("attribute_not_exists(#until) OR #until < :until")
                .expression_attribute_names("#writing", WRITING)
                .expression_attribute_names("#until", WRITING_UNTIL)
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(":token", tokens(&token))
                .expression_attribute_values(":until", number(until))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
        })
        .await?;
        if let Some(output) = extended {
            return Ok(units(output.consumed_capacity));
        }
        let output = send(&self.retry, "UpdateItem (day being written)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression("ADD change_version :one, #writing :token")
                .expression_attribute_names("#writing", WRITING)
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(":token", tokens(&token))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
        })
        .await?;
        Ok(units(output.consumed_capacity))
    }

    /// Says write `token` of `day` is done, having stored `events` events in `layout` (the
    /// counter of events written in that layout).
    pub(super) async fn end_write(
        &self,
        day: Day,
        token: &str,
        layout: &str,
        events: u64,
    ) -> BackendResult<f64> {
        let token = [token.to_owned()];
        let output = send(&self.retry, "UpdateItem (day written)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression("DELETE #writing :token ADD #layout :events")
                .expression_attribute_names("#writing", WRITING)
                .expression_attribute_names("#layout", layout)
                .expression_attribute_values(":token", tokens(&token))
                .expression_attribute_values(":events", number(events))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
        })
        .await?;
        Ok(units(output.consumed_capacity))
    }

    /// Marks `day` changed, so that it is counted again.
    pub(super) async fn mark_changed(&self, day: Day) -> BackendResult<f64> {
        let output = send(&self.retry, "UpdateItem (day changed)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression("ADD change_version :one")
                .expression_attribute_values(":one", number(1))
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
        })
        .await?;
        Ok(units(output.consumed_capacity))
    }

    /// Forgets writes that will never say they are done (their window has passed), so the set
    /// does not grow with every crash.
    pub(super) async fn forget_writes(&self, day: Day, stale: &[String]) -> BackendResult<()> {
        let now = Utc::now().timestamp();
        conditional(&self.retry, "UpdateItem (forget writes)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression("DELETE #writing :stale")
                .condition_expression("#until < :now")
                .expression_attribute_names("#writing", WRITING)
                .expression_attribute_names("#until", WRITING_UNTIL)
                .expression_attribute_values(":stale", tokens(stale))
                .expression_attribute_values(":now", number(now))
                .send()
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(version: u64, writing: &[&str], until: i64) -> Item {
        let mut item = Item::from([("change_version".to_owned(), number(version))]);
        if !writing.is_empty() {
            let set = writing.iter().map(|t| t.to_string()).collect();
            item.insert(WRITING.to_owned(), AttributeValue::Ss(set));
            item.insert(WRITING_UNTIL.to_owned(), number(until));
        }
        item
    }

    #[test]
    fn a_count_during_a_write_claims_less_than_the_days_version() {
        // Nothing under way: the whole version.
        assert_eq!(countable_version(&item(7, &[], 0), 100), (7, vec![]));
        // A write under way: one less, so the day stays pending.
        assert_eq!(countable_version(&item(7, &["w"], 150), 100), (6, vec![]));
        // Its window has passed (it crashed or gave up): the whole version, and it is stale.
        assert_eq!(
            countable_version(&item(7, &["w"], 100), 100),
            (7, vec!["w".to_owned()])
        );
        assert_eq!(countable_version(&Item::new(), 100), (0, vec![]));
    }

    #[test]
    fn the_window_outlasts_the_write_and_its_last_requests() {
        assert!(WRITE_WINDOW >= WRITE_BOUND + Duration::from_secs(60));
    }
}
