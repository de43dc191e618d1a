//! Daily aggregation: which days to count, and counting one day into the daily table.

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::backend::retry::{retry, RetryPolicy};
use crate::backend::{Backend, BackendResult, DayCount, DayWrite};
use crate::model::daily::DayStatus;
use crate::model::day::{Day, DayRange};
use crate::pipeline::retention::rfc3339;

/// A day with a write of raw events that has not said it is done and may still land (on
/// DynamoDB, a drain stopped mid-write): no count claims the day until then, so it stays
/// pending; nothing is lost, as the write's messages are stored again from the queue.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnfinishedWrite {
    pub day: Day,
    #[serde(serialize_with = "rfc3339")]
    pub until: DateTime<Utc>,
}

impl UnfinishedWrite {
    /// The day's unfinished write as of `now`, if it has one.
    pub fn of(status: &DayStatus, now: DateTime<Utc>) -> Option<Self> {
        let until = status.write_unfinished(now)?;
        Some(UnfinishedWrite {
            day: status.day,
            until,
        })
    }

    /// What it means for the day, and what to do, in one line.
    pub fn describe(&self) -> String {
        format!(
            "{} stays pending until {}: a write of its raw events was stopped before it said it \
             was done (a drain killed or timed out mid-write); nothing is lost, its messages are \
             stored again from the queue; the next `aggregate` after that time counts the day in \
             full",
            self.day,
            self.until.format("%Y-%m-%d %H:%M:%S UTC")
        )
    }
}

/// The days of `counted` that a count just made could not claim: still pending because of an
/// unfinished write. Reads the statuses of those days only, and only where a backend can leave
/// a write so.
pub async fn unfinished_writes(
    backend: &Backend,
    counted: DayRange,
) -> BackendResult<Vec<UnfinishedWrite>> {
    if !backend.facts.leaves_unfinished_writes {
        return Ok(Vec::new());
    }
    let now = Utc::now();
    let statuses = backend.daily.day_statuses(Some(counted)).await?;
    Ok(statuses
        .iter()
        .filter(|status| status.is_pending())
        .filter_map(|status| UnfinishedWrite::of(status, now))
        .collect())
}

/// What aggregating one day did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DayResult {
    pub day: Day,
    pub views: u64,
    pub pages: u64,
    /// The site's distinct visitors that day.
    pub visitors: u64,
    /// Views that came without a visitor key (counted as views, not visitors).
    pub keyless_views: u64,
    /// Whether the count was stored, or a better one kept.
    pub write: DayWrite,
    /// Read capacity units the count consumed, where the store reports them (DynamoDB).
    pub read_capacity_units: Option<f64>,
    pub seconds: f64,
}

/// The days an aggregation run covers: the asked-for range, or yesterday when none was given,
/// plus the pending days (raw events changed since last counted) when asked for or by default.
pub fn plan_days(
    range: Option<DayRange>,
    include_pending: bool,
    pending: &[Day],
    yesterday: Day,
) -> Vec<Day> {
    let mut days = BTreeSet::new();
    match range {
        Some(range) => days.extend(range.days()),
        None if include_pending => {}
        None => {
            days.insert(yesterday);
        }
    }
    if include_pending || range.is_none() {
        // Today is still filling up: it is counted tomorrow, as yesterday.
        days.extend(pending.iter().copied().filter(|day| *day <= yesterday));
    }
    days.into_iter().collect()
}

/// Days whose raw events changed since they were last aggregated.
pub async fn pending_days(backend: &Backend) -> BackendResult<Vec<Day>> {
    Ok(backend
        .daily
        .day_statuses(None)
        .await?
        .into_iter()
        .filter(|status| status.is_pending())
        .map(|status| status.day)
        .collect())
}

/// Counts one day from its raw events and overwrites its daily rows.
pub async fn aggregate_day(
    backend: &Backend,
    day: Day,
    policy: &RetryPolicy,
) -> BackendResult<DayResult> {
    let started = Instant::now();
    let count = retry(policy, "count day", || backend.events.count_day(day)).await?;
    tracing::debug!(%day, views = count.views(), pages = count.tally.pages.len(), visitors = count.tally.visitors, version = count.version,
        seconds = started.elapsed().as_secs_f64(), "day counted from its raw events");
    store_day(backend, day, &count, started, policy).await
}

/// Overwrites the day's rows with `count`, made since `started`.
pub async fn store_day(
    backend: &Backend,
    day: Day,
    count: &DayCount,
    started: Instant,
    policy: &RetryPolicy,
) -> BackendResult<DayResult> {
    let write = retry(policy, "store day", || backend.daily.put_day(day, count)).await?;
    tracing::debug!(%day, ?write, "daily rows written");
    Ok(day_result(day, count, write, started))
}

/// What storing `count` (made since `started`) did.
pub fn day_result(day: Day, count: &DayCount, write: DayWrite, started: Instant) -> DayResult {
    DayResult {
        day,
        views: count.views(),
        pages: count.tally.pages.len() as u64,
        visitors: count.tally.visitors,
        keyless_views: count.tally.keyless_views,
        write,
        read_capacity_units: count.read_capacity_units,
        seconds: started.elapsed().as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::day;

    #[test]
    fn default_run_is_yesterday_plus_pending() {
        let pending = [day("2021-03-01"), day("2021-03-13")];
        assert_eq!(
            plan_days(None, false, &pending, day("2021-03-13")),
            vec![day("2021-03-01"), day("2021-03-13")]
        );
        assert_eq!(
            plan_days(None, false, &[], day("2021-03-13")),
            vec![day("2021-03-13")]
        );
    }

    #[test]
    fn explicit_range_adds_pending_only_when_asked() {
        let range = DayRange::new(day("2021-03-10"), day("2021-03-11")).unwrap();
        let pending = [day("2021-03-01")];
        assert_eq!(
            plan_days(Some(range), false, &pending, day("2021-03-20")),
            vec![day("2021-03-10"), day("2021-03-11")]
        );
        assert_eq!(
            plan_days(Some(range), true, &pending, day("2021-03-20")).len(),
            3
        );
        assert_eq!(
            plan_days(None, true, &pending, day("2021-03-20")),
            vec![day("2021-03-01")]
        );
    }
}
