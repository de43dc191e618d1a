//! Deleting raw events once they are no longer needed: the days older than the retention
//! (`aggregate` and `prune`), or before a day asked for (`prune --before`, `archive`). A day's
//! raw events go only when its daily rows hold their count: the day was aggregated and has not
//! changed since. Its counts become its record, which later counts add late events to.
//!
//! Where the store expires raw events by itself (DynamoDB's TTL), a counted day's counts become
//! its record a margin before its raw events may expire, and uncounted raw events that have
//! waited too long are named, with when they expire (`model/expiry.rs` has the margins).

use chrono::{DateTime, Utc};

use crate::backend::retry::{retry, RetryPolicy};
use crate::backend::{Backend, BackendResult, DayStatus};
use crate::model::day::Day;
use crate::model::expiry::{day_end, earliest_expiry, record_due, uncounted_too_long};

/// The first day whose raw events a retention of `days` keeps, counted back from `today`:
/// a day goes once all of it is older than the retention, as DynamoDB's TTL lets an event go
/// once it is older than the retention.
pub fn first_kept_day(today: Day, days: u32) -> Day {
    Day::from_number(today.number() - i64::from(days))
        .unwrap_or(Day::EPOCH)
        .max(Day::EPOCH)
}

/// What deleting the raw events before a day would do, decided from the days' statuses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrunePlan {
    /// Days to delete, each with the version its daily rows were counted at.
    pub days: Vec<(Day, u64)>,
    /// Days before the cut that hold raw events not counted yet (never aggregated, or changed
    /// since): kept until they are.
    pub pending: Vec<Day>,
}

/// The days before `before` whose raw events may go, and those that must wait for `aggregate`.
pub fn plan(statuses: &[DayStatus], before: Day) -> PrunePlan {
    let mut plan = PrunePlan::default();
    for status in statuses.iter().filter(|status| status.day < before) {
        if !status.has_raw_events() {
            continue;
        }
        match status.aggregated_version {
            Some(version) if !status.is_pending() => plan.days.push((status.day, version)),
            _ => plan.pending.push(status.day),
        }
    }
    plan
}

/// What a prune did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Pruned {
    pub days: Vec<Day>,
    pub events_deleted: u64,
    /// Days that changed between planning and deleting: kept.
    pub changed: Vec<Day>,
    /// Days not counted yet: kept.
    pub pending: Vec<Day>,
}

/// Deletes the raw events of the planned days, each only if it is still as planned.
pub async fn prune(backend: &Backend, plan: &PrunePlan) -> BackendResult<Pruned> {
    let policy = RetryPolicy::default();
    let mut pruned = Pruned {
        pending: plan.pending.clone(),
        ..Pruned::default()
    };
    for &(day, version) in &plan.days {
        let deleted = retry(&policy, "delete raw events", || {
            backend.events.delete_day(day, version)
        })
        .await?;
        match deleted {
            Some(events) => {
                tracing::info!(%day, events, "raw events deleted; the daily rows are kept");
                pruned.days.push(day);
                pruned.events_deleted += events;
            }
            None => pruned.changed.push(day),
        }
    }
    Ok(pruned)
}

/// Where raw events expire by themselves, makes the counts of the counted days whose raw events
/// may expire within the margin their records, so that late events still add to them once the
/// counted events are gone. Returns the days whose records were made; none elsewhere.
pub async fn record_before_expiry(backend: &Backend) -> BackendResult<Vec<Day>> {
    let Some(days) = backend.retention_days else {
        return Ok(Vec::new());
    };
    if !backend.facts.expires_raw_events {
        return Ok(Vec::new());
    }
    let now = Utc::now().timestamp();
    let statuses = backend.daily.day_statuses(None).await?;
    let policy = RetryPolicy::default();
    let mut recorded = Vec::new();
    for status in &statuses {
        let Some(version) = status.unrecorded() else {
            continue;
        };
        // Written before the store kept when: the earliest any raw event of the day expires.
        let expiry = status.raw.unrecorded_expiry.map_or_else(
            || earliest_expiry(day_end(backend.zone, status.day), days),
            |expiry| expiry.timestamp(),
        );
        if !record_due(expiry, now, days) {
            continue;
        }
        let day = status.day;
        if retry(&policy, "record day", || {
            backend.events.record_day(day, version)
        })
        .await?
        {
            tracing::debug!(%day, version, "the day's counts are its record now");
            recorded.push(day);
        }
    }
    Ok(recorded)
}

/// A day whose raw events are not all counted yet and have waited longer than a working daily
/// aggregation lets them, with when the first of them expires (DynamoDB's TTL).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Expiring {
    pub day: Day,
    #[serde(serialize_with = "rfc3339")]
    pub expires_at: DateTime<Utc>,
}

/// A time as RFC 3339 to the second, in UTC.
pub fn rfc3339<S: serde::Serializer>(time: &DateTime<Utc>, to: S) -> Result<S::Ok, S::Error> {
    to.serialize_str(&time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

impl Expiring {
    /// "2021-03-10 is not counted and its raw events expire from 2026-12-05 11:00 UTC (in 3
    /// hours)".
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        let left = (self.expires_at - now).num_minutes();
        let when = match left {
            ..=0 => "already".to_owned(),
            1..120 => format!("in {left} minutes"),
            120..2880 => format!("in {} hours", left / 60),
            _ => format!("in {} days", left / 1440),
        };
        format!(
            "{} is not counted and its raw events expire from {} ({when})",
            self.day,
            self.expires_at.format("%Y-%m-%d %H:%M UTC")
        )
    }
}

/// The pending days whose uncounted raw events have waited too long, oldest expiry first.
pub fn expiring_uncounted(
    statuses: &[DayStatus],
    now: DateTime<Utc>,
    retention_days: Option<u32>,
) -> Vec<Expiring> {
    let Some(days) = retention_days else {
        return Vec::new();
    };
    let mut expiring: Vec<Expiring> = statuses
        .iter()
        .filter(|status| status.is_pending())
        .filter_map(|status| {
            let expires_at = status.raw.uncounted_expiry?;
            uncounted_too_long(expires_at.timestamp(), now.timestamp(), days).then_some(Expiring {
                day: status.day,
                expires_at,
            })
        })
        .collect();
    expiring.sort_by_key(|day| (day.expires_at, day.day));
    expiring
}

/// Logs a warning for each pending day whose uncounted raw events have waited too long (and
/// will expire, DynamoDB's TTL), and returns them.
pub async fn warn_expiring(backend: &Backend) -> BackendResult<Vec<Expiring>> {
    if !backend.facts.expires_raw_events {
        return Ok(Vec::new());
    }
    let statuses = backend.daily.day_statuses(None).await?;
    let now = Utc::now();
    let expiring = expiring_uncounted(&statuses, now, backend.retention_days);
    for day in &expiring {
        tracing::warn!(
            "{}: run `pageviews aggregate --pending` before then",
            day.describe(now)
        );
    }
    Ok(expiring)
}

/// Deletes the raw events of the counted days the deployment's retention no longer keeps;
/// nothing when it keeps them for ever, or when the store expires them by itself (TTL).
pub async fn apply_retention(backend: &Backend) -> BackendResult<Option<Pruned>> {
    let Some(days) = backend.retention_days else {
        return Ok(None);
    };
    if backend.facts.expires_raw_events {
        return Ok(None);
    }
    let before = first_kept_day(backend.zone.today(), days);
    let (_, planned) = read_plan(backend, before).await?;
    prune(backend, &planned).await.map(Some)
}

/// The days' statuses as the store has them now, and the plan for deleting before `before`.
pub async fn read_plan(
    backend: &Backend,
    before: Day,
) -> BackendResult<(Vec<DayStatus>, PrunePlan)> {
    let statuses = backend.daily.day_statuses(None).await?;
    let planned = plan(&statuses, before);
    Ok((statuses, planned))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::RawState;
    use crate::model::fixtures::day;

    fn status(on: &str, change: u64, aggregated: Option<u64>, deleted: Option<u64>) -> DayStatus {
        DayStatus {
            day: day(on),
            change_version: change,
            aggregated_version: aggregated,
            aggregated_at: None,
            views: aggregated.map(|_| 5),
            pages: None,
            visitors: None,
            keyless_views: None,
            raw: RawState {
                deleted_version: deleted,
                record_version: deleted,
                ..RawState::default()
            },
            layouts: Vec::new(),
        }
    }

    #[test]
    fn only_counted_unchanged_days_before_the_cut_go() {
        let statuses = [
            status("2021-03-01", 2, Some(2), None),
            status("2021-03-02", 3, Some(2), None),
            status("2021-03-03", 1, None, None),
            status("2021-03-04", 4, Some(4), Some(4)),
            status("2021-03-05", 5, Some(4), Some(4)),
            status("2021-03-06", 1, Some(1), None),
            status("2021-03-07", 6, Some(6), Some(4)),
        ];
        let plan = plan(&statuses, day("2021-03-08"));
        // Counted and unchanged; and late events after a deletion, counted on top of the
        // record: they go in their turn.
        assert_eq!(
            plan.days,
            vec![
                (day("2021-03-01"), 2),
                (day("2021-03-06"), 1),
                (day("2021-03-07"), 6)
            ]
        );
        // Changed since counted, never counted, or late events after a deletion not counted
        // yet: kept. Deleted and unchanged since: nothing to delete.
        assert_eq!(
            plan.pending,
            vec![day("2021-03-02"), day("2021-03-03"), day("2021-03-05")]
        );
        assert_eq!(statuses[6].unrecorded(), Some(6));
        assert_eq!(statuses[3].unrecorded(), None);
        assert_eq!(statuses[4].unrecorded(), None, "pending");
    }

    #[test]
    fn uncounted_events_are_named_once_they_have_waited_two_days() {
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let expiring = |on: &str, aggregated, left_days: i64| DayStatus {
            raw: RawState {
                uncounted_expiry: Some(now + chrono::Duration::days(left_days)),
                ..RawState::default()
            },
            ..status(on, 3, aggregated, None)
        };
        let statuses = [
            expiring("2021-03-01", Some(2), 397),
            expiring("2021-03-02", Some(2), 398),
            expiring("2021-03-03", None, 1),
            // Counted since its events were written: nothing waits.
            expiring("2021-03-04", Some(3), 1),
        ];
        let named = expiring_uncounted(&statuses, now, Some(400));
        let days: Vec<Day> = named.iter().map(|e| e.day).collect();
        assert_eq!(days, [day("2021-03-03"), day("2021-03-01")]);
        assert_eq!(
            named[0].describe(now),
            "2021-03-03 is not counted and its raw events expire from 2023-11-15 22:13 UTC \
             (in 24 hours)"
        );
        assert!(named[1].describe(now).ends_with("(in 397 days)"));
        assert_eq!(expiring_uncounted(&statuses, now, None), []);
    }

    #[test]
    fn a_retention_keeps_its_number_of_whole_days() {
        assert_eq!(first_kept_day(day("2021-03-31"), 30), day("2021-03-01"));
        assert_eq!(first_kept_day(day("1970-01-02"), 400), Day::EPOCH);
    }
}
