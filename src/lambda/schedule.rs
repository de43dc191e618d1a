//! The daily schedule: aggregate yesterday and the pending days, as `aggregate` does without a
//! day flag, one day after another while the invocation has time; the days left stay pending
//! and the next run counts them. With parts (`parts.rs`), each day's parts are invoked instead.

use anyhow::Context as _;
use std::time::{Duration, Instant};

use crate::backend::{Backend, DayWrite};
use crate::model::day::Day;
use crate::model::day::DayRange;
use crate::model::retry::RetryPolicy;
use crate::pipeline::aggregate::{
    aggregate_day, pending_days, plan_days, unfinished_writes, DayResult, UnfinishedWrite,
};
use crate::pipeline::retention::{record_before_expiry, warn_expiring, Expiring};
use crate::pipeline::salts::delete_old_salts;

use super::parts::{DayFannedOut, FanOut};

pub use crate::deploy::schedule::SCHEDULE_INPUT;
/// A day is begun only with this much time left, and given up this long before the deadline.
const MARGIN: Duration = Duration::from_secs(5);

/// What one scheduled run did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScheduleSummary {
    pub aggregated: Vec<DayResult>,
    /// Days not reached before the deadline; still pending, for the next run.
    pub left_pending: Vec<Day>,
    /// Days left uncounted whose raw events have waited too long: DynamoDB's TTL expires them
    /// from the time given unless they are counted first (each is logged as a warning).
    pub expiring_uncounted: Vec<Expiring>,
    /// Days counted that stay pending because a write of their raw events has not said it is
    /// done (a drain stopped mid-write, on DynamoDB), and until when (each logged as a warning).
    pub unfinished_writes: Vec<UnfinishedWrite>,
    /// Days whose parts were invoked (with `PAGEVIEWS_PARTS`): the last part to be stored
    /// writes the day.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts_invoked: Vec<PartsInvoked>,
}

/// A day whose parts were invoked.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PartsInvoked {
    pub day: Day,
    pub parts: u32,
    pub invoked: Vec<u32>,
}

/// Aggregates yesterday (in the deployment's zone) and the pending days, stopping before
/// `time_left` runs out; with `fan_out`, each day's parts are invoked instead of counted here.
/// An error means a day could not be counted; the days after it stay pending and the
/// schedule's retry (or tomorrow's run) counts them.
pub async fn aggregate_until(
    backend: &Backend,
    time_left: Duration,
    fan_out: Option<&FanOut>,
) -> anyhow::Result<ScheduleSummary> {
    let deadline = Instant::now() + time_left;
    delete_old_salts(backend).await;
    let pending = pending_days(backend)
        .await
        .context("cannot list the days with late events")?;
    let days = plan_days(None, false, &pending, backend.zone.today().prev());
    let policy = RetryPolicy::default();
    let mut summary = ScheduleSummary {
        aggregated: Vec::with_capacity(days.len()),
        left_pending: Vec::new(),
        expiring_uncounted: Vec::new(),
        unfinished_writes: Vec::new(),
        parts_invoked: Vec::new(),
    };
    for (index, day) in days.iter().copied().enumerate() {
        let left = deadline.saturating_duration_since(Instant::now());
        if left <= MARGIN * 2 {
            summary.left_pending = days[index..].to_vec();
            break;
        }
        let counting = async {
            match fan_out {
                Some(fan_out) => fan_out.day(backend, day, &policy).await,
                None => Ok(DayFannedOut::Counted(
                    aggregate_day(backend, day, &policy).await?,
                )),
            }
        };
        match tokio::time::timeout(left - MARGIN, counting).await {
            Ok(result) => match result.with_context(|| format!("cannot aggregate {day}"))? {
                DayFannedOut::Counted(result) => {
                    log(&result);
                    summary.aggregated.push(result);
                }
                DayFannedOut::Invoked {
                    day,
                    parts,
                    invoked,
                } => summary.parts_invoked.push(PartsInvoked {
                    day,
                    parts,
                    invoked,
                }),
            },
            Err(_) => {
                tracing::warn!(%day, "the invocation's time ran out while counting; the day stays pending");
                summary.left_pending = days[index..].to_vec();
                break;
            }
        }
    }
    if !summary.left_pending.is_empty() {
        tracing::warn!(days = ?summary.left_pending, "not aggregated before the deadline; they stay pending for the next run");
    }
    if let (Some(first), Some(last)) = (summary.aggregated.first(), summary.aggregated.last()) {
        let counted = DayRange {
            from: first.day,
            to: last.day,
        };
        summary.unfinished_writes = unfinished_writes(backend, counted)
            .await
            .context("cannot read the counted days' statuses")?;
        for write in &summary.unfinished_writes {
            tracing::warn!("{}", write.describe());
        }
    }
    if deadline.saturating_duration_since(Instant::now()) > MARGIN * 2 {
        record_before_expiry(backend)
            .await
            .context("keeping the counts of days whose raw events expire soon")?;
    }
    summary.expiring_uncounted = warn_expiring(backend)
        .await
        .context("cannot read the days' statuses")?;
    Ok(summary)
}

fn log(result: &DayResult) {
    let kept = match result.write {
        DayWrite::Stored => "stored",
        DayWrite::KeptNewer => "kept a newer count",
        DayWrite::KeptLarger => "kept a larger count",
        DayWrite::AlreadyStored => "already stored",
    };
    tracing::info!(day = %result.day, views = result.views, pages = result.pages,
        visitors = result.visitors, seconds = result.seconds, kept, "aggregated");
}
