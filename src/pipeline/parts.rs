//! A day counted in parts (`model::parts`): each part counted and stored on its own, in any
//! process or on any machine, in any order and as often as it comes; the day's rows are written
//! from the parts' sum once every part counts what is stored.

use std::time::Instant;

use crate::backend::retry::{retry, RetryPolicy};
use crate::backend::{Backend, BackendResult, DayCount, DayParts};
use crate::model::count::Tally;
use crate::model::day::Day;
use crate::model::parts::Part;
use crate::pipeline::aggregate::{day_result, store_day, DayResult};

/// One part counted and stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PartResult {
    pub part: u32,
    /// The day's change version it counted.
    pub version: u64,
    pub views: u64,
    pub visitors: u64,
    pub seconds: f64,
}

/// What a run did with one day's parts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PartsRun {
    pub day: Day,
    pub parts: u32,
    pub counted: Vec<PartResult>,
    /// The day's rows as written from every part, when each one counted what is stored.
    pub merged: Option<DayResult>,
    /// Parts with no count stored (or one this pageviews cannot read).
    pub missing: Vec<u32>,
    /// Parts counted before a change to their shards (late events): counted again, they let
    /// the day be merged.
    pub stale: Vec<u32>,
    /// Why the day was counted whole (by part 0's run; other parts' runs leave it to that),
    /// when its raw events are not placed so that a part is exact on its own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub whole_only: Option<&'static str>,
}

/// Counts `only` (or, without it, every part of `parts` that is not stored and current), stores
/// each, and merges the day when every part is current.
pub async fn aggregate_in_parts(
    backend: &Backend,
    day: Day,
    parts: u32,
    only: Option<u32>,
    policy: &RetryPolicy,
) -> BackendResult<PartsRun> {
    let started = Instant::now();
    let stored = read_parts(backend, day, parts, policy).await?;
    if let Some(why) = stored.whole_only {
        return count_whole(backend, day, parts, only, why, policy).await;
    }
    let to_count: Vec<Part> = match only {
        Some(part) => vec![Part { parts, part }],
        None => {
            let (missing, stale) = left_to_count(&stored);
            let mut left: Vec<u32> = missing.into_iter().chain(stale).collect();
            left.sort_unstable();
            left.into_iter().map(|part| Part { parts, part }).collect()
        }
    };
    let mut counted = Vec::with_capacity(to_count.len());
    for part in to_count {
        counted.push(count_and_store(backend, day, part, policy).await?);
    }
    let stored = read_parts(backend, day, parts, policy).await?;
    let (missing, stale) = left_to_count(&stored);
    let merged = match sum_of_parts(&stored) {
        Some(tally) if missing.is_empty() && stale.is_empty() => {
            let count = DayCount {
                day: Some(day),
                version: stored.version,
                tally,
                read_capacity_units: None,
                basis: None,
            };
            Some(merge(backend, day, &count, started, policy).await?)
        }
        _ => None,
    };
    Ok(PartsRun {
        day,
        parts,
        counted,
        merged,
        missing,
        stale,
        whole_only: None,
    })
}

/// A day that cannot be counted in parts, counted whole by the run of part 0 (or of every
/// part); the runs of other parts leave it to that one.
async fn count_whole(
    backend: &Backend,
    day: Day,
    parts: u32,
    only: Option<u32>,
    why: &'static str,
    policy: &RetryPolicy,
) -> BackendResult<PartsRun> {
    let merged = match only {
        None | Some(0) => {
            Some(crate::pipeline::aggregate::aggregate_day(backend, day, policy).await?)
        }
        Some(_) => None,
    };
    tracing::debug!(%day, why, counted = merged.is_some(), "the day is counted whole");
    Ok(PartsRun {
        day,
        parts,
        counted: Vec::new(),
        merged,
        missing: Vec::new(),
        stale: Vec::new(),
        whole_only: Some(why),
    })
}

/// Writes the day's rows from its parts' sum (`count`), unless the same count is stored
/// already (`DailyStore::put_day_once`).
async fn merge(
    backend: &Backend,
    day: Day,
    count: &DayCount,
    started: Instant,
    policy: &RetryPolicy,
) -> BackendResult<DayResult> {
    let write = retry(policy, "store day", || {
        backend.daily.put_day_once(day, count)
    })
    .await?;
    tracing::debug!(%day, ?write, "the day's parts added up");
    Ok(day_result(day, count, write, started))
}

/// Attempts at counting a day's parts from one version before counting it in one run.
const SAME_VERSION_ATTEMPTS: usize = 3;

/// The day counted in `workers` parts at once in this process, their counts added and stored:
/// `aggregate --workers N`. The parts must have counted one version of the day (a write between
/// their reads changes it): otherwise they are counted again, and after a few tries the day is
/// counted in one run.
pub async fn aggregate_with_workers(
    backend: &Backend,
    day: Day,
    workers: u32,
    policy: &RetryPolicy,
) -> BackendResult<DayResult> {
    let started = Instant::now();
    if read_parts(backend, day, workers, policy)
        .await?
        .whole_only
        .is_some()
    {
        return crate::pipeline::aggregate::aggregate_day(backend, day, policy).await;
    }
    for _ in 0..SAME_VERSION_ATTEMPTS {
        let counting = Part::all(workers).map(|part| {
            retry(policy, "count part", move || {
                backend.events.count_part(day, part)
            })
        });
        let counts = futures::future::try_join_all(counting).await?;
        let version = counts[0].version;
        let record = counts[0].basis.as_ref().map(|basis| basis.record);
        let same = |count: &DayCount| {
            count.version == version && count.basis.as_ref().map(|basis| basis.record) == record
        };
        if counts.iter().all(same) {
            let mut tally = Tally::default();
            counts.iter().for_each(|count| tally.add(&count.tally));
            let count = DayCount {
                day: Some(day),
                version,
                tally,
                read_capacity_units: None,
                basis: None,
            };
            return store_day(backend, day, &count, started, policy).await;
        }
        tracing::debug!(%day, "a write landed while the parts were counted; counting them again");
    }
    crate::pipeline::aggregate::aggregate_day(backend, day, policy).await
}

async fn read_parts(
    backend: &Backend,
    day: Day,
    parts: u32,
    policy: &RetryPolicy,
) -> BackendResult<DayParts> {
    retry(policy, "read parts", || {
        backend.events.read_parts(day, parts)
    })
    .await
}

/// Counts one part and stores its count.
async fn count_and_store(
    backend: &Backend,
    day: Day,
    part: Part,
    policy: &RetryPolicy,
) -> BackendResult<PartResult> {
    let started = Instant::now();
    let count = retry(policy, "count part", || {
        backend.events.count_part(day, part)
    })
    .await?;
    retry(policy, "store part", || {
        backend.events.put_part(day, part, &count)
    })
    .await?;
    let views = count.views();
    tracing::debug!(%day, %part, views, version = count.version, "part counted and stored");
    Ok(PartResult {
        part: part.part,
        version: count.version,
        views,
        visitors: count.tally.visitors,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The parts with no readable count stored, and those stored but no longer current.
fn left_to_count(stored: &DayParts) -> (Vec<u32>, Vec<u32>) {
    let (mut missing, mut stale) = (Vec::new(), Vec::new());
    for (part, count) in stored.parts.iter().enumerate() {
        match count {
            Some(count) if count.tally.is_some() && count.current => {}
            Some(count) if count.tally.is_some() => stale.push(part as u32),
            _ => missing.push(part as u32),
        }
    }
    (missing, stale)
}

/// The sum of the day's parts, each readable (`None` where one is not stored or not readable):
/// the day as stored at its version now, where every part is current.
fn sum_of_parts(stored: &DayParts) -> Option<Tally> {
    let mut sum = Tally::default();
    for part in &stored.parts {
        sum.add(part.as_ref()?.tally.as_ref()?);
    }
    Some(sum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::faulty::{wrap, FaultPlan, Op};
    use crate::backend::local::test_backend;
    use crate::backend::MessageEvents;
    use crate::model::fixtures::{day, visitor_view};
    use std::time::Duration;

    fn view(id: &str, visitor: &str) -> MessageEvents {
        MessageEvents::one(visitor_view(id, "2021-03-13T10:00:00Z", visitor))
    }

    #[tokio::test]
    async fn parts_that_counted_two_versions_are_counted_again() {
        let dir = tempfile::tempdir().unwrap();
        let plan = FaultPlan::new();
        let backend = wrap(test_backend(dir.path()), plan.clone());
        let (first_half, second_half) = ("0000000000000001", "f000000000000001");
        let stored = [view("v1", first_half), view("v2", second_half)];
        backend.events.put_events(&stored).await.unwrap();
        // The first part reads late; the second has counted and waits while a view of its
        // visitors is stored: the first part then reads a version the second did not.
        plan.delay(Op::CountDay, Duration::from_secs(2), 1);
        let held = plan.hold(Op::CountDay, 1);
        let writer = backend.clone();
        let late = tokio::spawn(async move {
            held.reached().await;
            let late = [view("v3", "f000000000000002")];
            writer.events.put_events(&late).await.unwrap();
            held.release();
        });
        let policy = RetryPolicy::default();
        let on = day("2021-03-13");
        let result = aggregate_with_workers(&backend, on, 2, &policy)
            .await
            .unwrap();
        late.await.unwrap();
        assert_eq!(
            (result.views, result.visitors),
            (3, 3),
            "the late view counted"
        );
        let statuses = backend.daily.day_statuses(None).await.unwrap();
        assert!(!statuses[0].is_pending());
        assert_eq!(statuses[0].change_version, 2);
    }
}
