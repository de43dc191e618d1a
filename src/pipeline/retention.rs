//! Deleting raw events once they are no longer needed: the days older than the retention
//! (`aggregate` and `prune`), or before a day asked for (`prune --before`, `archive`). A day's
//! raw events go only when its daily rows hold their count: the day was aggregated and has not
//! changed since. Its daily rows are kept.

use crate::backend::retry::{retry, RetryPolicy};
use crate::backend::{Backend, BackendResult, DayStatus};
use crate::model::day::Day;

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
    let statuses = backend.daily.day_statuses(None).await?;
    prune(backend, &plan(&statuses, before)).await.map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::day;

    fn status(on: &str, change: u64, aggregated: Option<u64>, deleted: bool) -> DayStatus {
        DayStatus {
            day: day(on),
            change_version: change,
            aggregated_version: aggregated,
            aggregated_at: None,
            views: aggregated.map(|_| 5),
            pages: None,
            visitors: None,
            keyless_views: None,
            raw_deleted: deleted,
            layouts: Vec::new(),
        }
    }

    #[test]
    fn only_counted_unchanged_days_before_the_cut_go() {
        let statuses = [
            status("2021-03-01", 2, Some(2), false),
            status("2021-03-02", 3, Some(2), false),
            status("2021-03-03", 1, None, false),
            status("2021-03-04", 4, Some(4), true),
            status("2021-03-05", 5, Some(4), true),
            status("2021-03-06", 1, Some(1), false),
        ];
        let plan = plan(&statuses, day("2021-03-06"));
        assert_eq!(plan.days, vec![(day("2021-03-01"), 2)]);
        // Changed since counted, never counted, or late events after a deletion: kept.
        assert_eq!(
            plan.pending,
            vec![day("2021-03-02"), day("2021-03-03"), day("2021-03-05")]
        );
    }

    #[test]
    fn a_retention_keeps_its_number_of_whole_days() {
        assert_eq!(first_kept_day(day("2021-03-31"), 30), day("2021-03-01"));
        assert_eq!(first_kept_day(day("1970-01-02"), 400), Day::EPOCH);
    }
}
