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
//!
//! The first mark also gives the write its day version (the change version it made, stamped on
//! its items: a day's record holds the items up to a version) and records when its items expire:
//! `last_expiry`, the day's latest, and `pending_expiry`, the first of those not counted yet
//! (a TTL grows with the time of writing, so the first write after a count has the earliest;
//! to the second, give or take the clocks of the machines writing).

use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, ReturnValue};
use chrono::Utc;
use std::time::Duration;

use super::layout::Sharding;
use super::request::{conditional, send};
use super::writes::Item;
use super::{get_number, number, string, AwsBackend};
use crate::backend::{BackendError, BackendResult, WRITE_BOUND};
use crate::model::day::Day;
use std::collections::BTreeSet;

/// How long after a write began its day counts as possibly still being written.
pub(super) const WRITE_WINDOW: Duration = Duration::from_secs(WRITE_BOUND.as_secs() + 120);

/// The writes under way of a day item, by token.
const WRITING: &str = "writing";
const WRITING_UNTIL: &str = "writing_until";
/// When the day's first raw event not counted yet expires, and its last (epoch seconds).
pub(super) const PENDING_EXPIRY: &str = "pending_expiry";
pub(super) const LAST_EXPIRY: &str = "last_expiry";
/// When the day's first raw event not in its record expires (epoch seconds).
pub(super) const UNRECORDED_EXPIRY: &str = "unrecorded_expiry";

fn tokens(tokens: &[String]) -> AttributeValue {
    AttributeValue::Ss(tokens.to_vec())
}

fn units(capacity: Option<aws_sdk_dynamodb::types::ConsumedCapacity>) -> f64 {
    capacity.and_then(|c| c.capacity_units).unwrap_or(0.0)
}

/// The version a count of the day may claim, read from its status item before counting: its
/// change version, or one less while a write of it may be under way (the day stays pending).
/// Also the tokens of writes that will never say they are done (their window has passed).
pub(super) fn countable_version(item: &Item, now: i64) -> (u64, Vec<String>) {
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

/// Until when writes of the day that have not said they are done may still land; `None` when
/// none is listed.
pub(super) fn unfinished_writes_until(item: &Item) -> Option<chrono::DateTime<Utc>> {
    let listed = item
        .get(WRITING)
        .and_then(|set| set.as_ss().ok())
        .is_some_and(|set| !set.is_empty());
    let until = get_number(item, WRITING_UNTIL)?;
    listed
        .then(|| chrono::DateTime::from_timestamp(until as i64, 0))
        .flatten()
}

/// What marking a day's write did: the capacity it used, the day version it gave the write,
/// and how the day's events are placed on its shards.
pub(super) struct Begun {
    pub capacity: f64,
    pub version: u64,
    pub sharding: Sharding,
}

/// The day item's attribute naming how its raw events are placed (present: by visitor).
pub(super) const SHARDING: &str = "sharding";
const BY_VISITOR: &str = "visitor";
/// The day item's counters of events written, one per way of placing them (`packed` is the
/// name packed items by id had before visitors placed events, `writes` that of items of one
/// event before packed items).
pub(super) const BY_ID_WRITES: &str = "packed";
pub(super) const BY_VISITOR_WRITES: &str = "by_visitor";
pub(super) const PER_EVENT_WRITES: &str = "writes";
/// Every counter of events written.
pub(super) const EVENT_COUNTERS: [&str; 3] = [BY_ID_WRITES, BY_VISITOR_WRITES, PER_EVENT_WRITES];
/// Writes of a day placed by visitor, each counted once, and per shard the writes that
/// touched it (`sw00`, `sw01`, ...): a part counted before stays current while every change
/// since was such a write and none touched its shards (`parts.rs`).
pub(super) const SHARDED_WRITES: &str = "sharded_writes";

/// The day item's counter of writes that touched `shard`.
pub(super) fn shard_writes(shard: u32) -> String {
    format!("sw{shard:02}")
}

/// Whether the day's events are placed by visitor: days first written before (they have a
/// change version but no sharding) stay placed by id.
pub(super) fn sharding_of(item: &Item) -> Sharding {
    match (
        item.contains_key(SHARDING),
        item.contains_key("change_version"),
    ) {
        (false, true) => Sharding::ById,
        _ => Sharding::ByVisitor,
    }
}

/// Why a day cannot be counted in parts, from its status item; `None` when it can.
pub(super) fn whole_only(item: &Item) -> Option<&'static str> {
    if sharding_of(item) == Sharding::ById {
        return Some("its raw events were first written before events were placed by visitor");
    }
    let by_id = [BY_ID_WRITES, PER_EVENT_WRITES]
        .iter()
        .any(|counter| get_number(item, counter).is_some_and(|events| events > 0));
    by_id.then_some("some of its raw events were written by an older pageviews, placed by event id")
}

/// Attempts at marking a day whose item keeps changing between reads.
const MARK_ATTEMPTS: usize = 5;

impl Begun {
    fn of(output: UpdateItemOutput, sharding: Sharding) -> Begun {
        let version = output
            .attributes
            .as_ref()
            .and_then(|item| get_number(item, "change_version"))
            .unwrap_or(0);
        Begun {
            capacity: units(output.consumed_capacity),
            version,
            sharding,
        }
    }
}

/// What one attempt at marking a day does, decided from the day item as last read (`None`:
/// not read; the common case is tried first).
struct MarkPlan {
    /// Moves `writing_until` later (it is earlier than this write's window).
    extend: bool,
    sharding: Sharding,
}

impl MarkPlan {
    /// The plan from the day item as read, or, unread, from how this process last saw the day
    /// placed (`known`).
    fn from(item: Option<&Item>, until: i64, known: Sharding) -> MarkPlan {
        let Some(item) = item else {
            return MarkPlan {
                extend: true,
                sharding: known,
            };
        };
        MarkPlan {
            extend: get_number(item, WRITING_UNTIL).is_none_or(|stored| (stored as i64) < until),
            sharding: sharding_of(item),
        }
    }

    /// The update expression and condition; the shard counters' names are `#s0`, `#s1`, ...
    fn expressions(&self, shards: usize) -> (String, String) {
        let mut add = vec![
            "change_version :one".to_owned(),
            "#writing :token".to_owned(),
        ];
        let mut set = vec![
            "#pending = if_not_exists(#pending, :expiry)".to_owned(),
            "#unrecorded = if_not_exists(#unrecorded, :expiry)".to_owned(),
        ];
        let mut conditions = Vec::new();
        if self.extend {
            set.push("#until = :until".to_owned());
            set.push("#last = :expiry".to_owned());
            conditions.push("(attribute_not_exists(#until) OR #until < :until)");
        }
        match self.sharding {
            Sharding::ByVisitor => {
                set.push("#sharding = :visitor".to_owned());
                add.push("#sharded :one".to_owned());
                add.extend((0..shards).map(|n| format!("#s{n} :one")));
                conditions
                    .push("(attribute_exists(#sharding) OR attribute_not_exists(change_version))");
            }
            Sharding::ById => conditions
                .push("(attribute_exists(change_version) AND attribute_not_exists(#sharding))"),
        }
        let update = format!("ADD {} SET {}", add.join(", "), set.join(", "));
        (update, conditions.join(" AND "))
    }
}

impl AwsBackend {
    /// Marks `day` changed and write `token` under way, before any of its rows is written; its
    /// items expire at `expiry` (epoch seconds), and placed by visitor they fall in `shards`.
    /// Returns how the day places its events: a day first written now is placed by visitor.
    pub(super) async fn begin_write(
        &self,
        day: Day,
        token: &str,
        expiry: i64,
        shards: &BTreeSet<u32>,
    ) -> BackendResult<Begun> {
        let until = Utc::now().timestamp() + WRITE_WINDOW.as_secs() as i64;
        let token = [token.to_owned()];
        let mut read: Option<Item> = None;
        let known = match self
            .placed_by_id
            .lock()
            .expect("not poisoned")
            .contains(&day)
        {
            true => Sharding::ById,
            false => Sharding::ByVisitor,
        };
        for _ in 0..MARK_ATTEMPTS {
            let plan = MarkPlan::from(read.as_ref(), until, known);
            let (update, condition) = plan.expressions(shards.len());
            let marked = conditional(&self.retry, "UpdateItem (day being written)", || {
                let mut request = self
                    .dynamodb
                    .update_item()
                    .table_name(&self.names.daily_table)
                    .set_key(Some(self.day_key(day)))
                    .update_expression(&update)
                    .condition_expression(&condition)
                    .expression_attribute_names("#writing", WRITING)
                    .expression_attribute_names("#pending", PENDING_EXPIRY)
                    .expression_attribute_names("#unrecorded", UNRECORDED_EXPIRY)
                    .expression_attribute_names("#sharding", SHARDING)
                    .expression_attribute_values(":one", number(1))
                    .expression_attribute_values(":token", tokens(&token))
                    .expression_attribute_values(":expiry", number(expiry))
                    .return_values(ReturnValue::UpdatedNew)
                    .return_consumed_capacity(ReturnConsumedCapacity::Total);
                if plan.extend {
                    // `writing_until` only moves later: a machine whose clock is behind must
                    // not cut short the window of a write begun elsewhere. The latest expiry
                    // moves with it (a later write's items expire later).
                    request = request
                        .expression_attribute_names("#until", WRITING_UNTIL)
                        .expression_attribute_names("#last", LAST_EXPIRY)
                        .expression_attribute_values(":until", number(until));
                }
                if plan.sharding == Sharding::ByVisitor {
                    request = request
                        .expression_attribute_names("#sharded", SHARDED_WRITES)
                        .expression_attribute_values(":visitor", string(BY_VISITOR));
                    for (n, shard) in shards.iter().enumerate() {
                        request = request
                            .expression_attribute_names(format!("#s{n}"), shard_writes(*shard));
                    }
                }
                request.send()
            })
            .await?;
            if let Some(output) = marked {
                if plan.sharding == Sharding::ById {
                    self.placed_by_id.lock().expect("not poisoned").insert(day);
                }
                return Ok(Begun::of(output, plan.sharding));
            }
            // Another write moved the window further, or the day was written before events
            // were placed by visitor: read it and mark it as it is.
            read = Some(self.day_item(day).await?.unwrap_or_default());
        }
        Err(BackendError::transient(format!(
            "the status item of {day} changed under every one of {MARK_ATTEMPTS} attempts to mark a write"
        )))
    }

    /// Forgets when the day's first uncounted raw event expires (`PENDING_EXPIRY`), once a
    /// count of `version` is stored, or the first one not in its record (`UNRECORDED_EXPIRY`),
    /// once a record of `version` is made; only if nothing was written since (otherwise the
    /// earlier time stays: an event written since may not be in them).
    pub(super) async fn settle_expiry(
        &self,
        day: Day,
        version: u64,
        attribute: &str,
    ) -> BackendResult<()> {
        conditional(&self.retry, "UpdateItem (day counted)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression("REMOVE #expiry")
                .condition_expression("change_version = :version")
                .expression_attribute_names("#expiry", attribute)
                .expression_attribute_values(":version", number(version))
                .send()
        })
        .await?;
        Ok(())
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
    fn a_listed_write_is_unfinished_until_its_window_ends() {
        let until = |item: &Item| unfinished_writes_until(item).map(|t| t.timestamp());
        assert_eq!(until(&item(7, &["w"], 150)), Some(150));
        assert_eq!(until(&item(7, &[], 0)), None);
        // Forgotten writes leave the time behind, not the token.
        let mut forgotten = item(7, &[], 0);
        forgotten.insert(WRITING_UNTIL.to_owned(), number(150));
        assert_eq!(until(&forgotten), None);
    }

    #[test]
    fn a_new_day_is_placed_by_visitor_and_a_day_written_before_stays_placed_by_id() {
        // Not read yet: the common case, a day placed by visitor whose window moves later.
        let plan = MarkPlan::from(None, 100, Sharding::ByVisitor);
        assert_eq!((plan.extend, plan.sharding), (true, Sharding::ByVisitor));
        let (update, condition) = plan.expressions(2);
        assert_eq!(
            update,
            "ADD change_version :one, #writing :token, #sharded :one, #s0 :one, #s1 :one \
             SET #pending = if_not_exists(#pending, :expiry), \
             #unrecorded = if_not_exists(#unrecorded, :expiry), #until = :until, \
             #last = :expiry, #sharding = :visitor"
        );
        assert_eq!(
            condition,
            "(attribute_not_exists(#until) OR #until < :until) AND \
             (attribute_exists(#sharding) OR attribute_not_exists(change_version))"
        );
        // Read after a refusal: a day with a version and no sharding was written before
        // events were placed by visitor; its window is later than this write's.
        let old = item(7, &["w"], 150);
        let plan = MarkPlan::from(Some(&old), 100, Sharding::ByVisitor);
        assert_eq!((plan.extend, plan.sharding), (false, Sharding::ById));
        let (update, condition) = plan.expressions(2);
        assert!(
            !update.contains("#sharded") && !update.contains("#until"),
            "{update}"
        );
        assert_eq!(
            condition,
            "(attribute_exists(change_version) AND attribute_not_exists(#sharding))"
        );
        // A day item with no version yet (an aggregation's lease made it) is new.
        assert_eq!(sharding_of(&Item::new()), Sharding::ByVisitor);
        let mut placed = item(7, &[], 0);
        placed.insert(SHARDING.to_owned(), string(BY_VISITOR));
        assert_eq!(sharding_of(&placed), Sharding::ByVisitor);
        assert_eq!(whole_only(&placed), None);
        placed.insert(BY_ID_WRITES.to_owned(), number(3));
        assert!(whole_only(&placed).unwrap().contains("older pageviews"));
        assert!(whole_only(&old).unwrap().contains("first written before"));
        // Unread, a day this process saw placed by id is marked so at once.
        let plan = MarkPlan::from(None, 100, Sharding::ById);
        assert_eq!((plan.extend, plan.sharding), (true, Sharding::ById));
        assert_eq!(shard_writes(7), "sw07");
    }

    #[test]
    fn the_window_outlasts_the_write_and_its_last_requests() {
        assert!(WRITE_WINDOW >= WRITE_BOUND + Duration::from_secs(60));
    }
}
