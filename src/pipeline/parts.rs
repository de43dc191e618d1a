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
    let mut added = add_up(backend, day, parts, started, policy).await?;
    if only.is_none() && !added.unreadable.is_empty() {
        // Stored in a shape this pageviews cannot read: counted again, then added up.
        for part in std::mem::take(&mut added.unreadable) {
            let part = Part { parts, part };
            counted.push(count_and_store(backend, day, part, policy).await?);
        }
        added = add_up(backend, day, parts, started, policy).await?;
    }
    let Added {
        merged,
        mut missing,
        stale,
        unreadable,
    } = added;
    missing.extend(unreadable);
    missing.sort_unstable();
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

/// What adding up a day's parts found.
struct Added {
    merged: Option<DayResult>,
    missing: Vec<u32>,
    stale: Vec<u32>,
    /// Parts stored and current whose counts cannot be read.
    unreadable: Vec<u32>,
}

/// Writes the day's rows from the sum of its parts when every part is stored and current,
/// reading their counts only then.
async fn add_up(
    backend: &Backend,
    day: Day,
    parts: u32,
    started: Instant,
    policy: &RetryPolicy,
) -> BackendResult<Added> {
    let stored = read_parts(backend, day, parts, policy).await?;
    let (missing, stale) = left_to_count(&stored);
    let mut added = Added {
        merged: None,
        missing,
        stale,
        unreadable: Vec::new(),
    };
    if !(added.missing.is_empty() && added.stale.is_empty()) {
        return Ok(added);
    }
    let counts = retry(policy, "read parts' counts", || {
        backend.events.read_part_counts(day, parts)
    })
    .await?;
    let mut tally = Tally::default();
    for (part, counts) in counts.iter().enumerate() {
        match counts {
            Some(counts) => tally.add(counts),
            None => added.unreadable.push(part as u32),
        }
    }
    if added.unreadable.is_empty() {
        let count = DayCount {
            day: Some(day),
            version: stored.version,
            tally,
            read_capacity_units: None,
            basis: None,
        };
        added.merged = Some(merge(backend, day, &count, started, policy).await?);
    }
    Ok(added)
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

/// The parts with no count stored, and those stored but no longer current.
fn left_to_count(stored: &DayParts) -> (Vec<u32>, Vec<u32>) {
    let (mut missing, mut stale) = (Vec::new(), Vec::new());
    for (part, count) in stored.parts.iter().enumerate() {
        match count {
            Some(count) if count.current => {}
            Some(_) => stale.push(part as u32),
            None => missing.push(part as u32),
        }
    }
    (missing, stale)
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
    async fn a_part_whose_counts_cannot_be_read_is_counted_again_before_the_day_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let backend = test_backend(dir.path());
        let stored = [
            view("v1", "0000000000000001"),
            view("v2", "f000000000000001"),
        ];
        backend.events.put_events(&stored).await.unwrap();
        let (policy, on) = (RetryPolicy::default(), day("2021-03-13"));
        for part in [0, 1] {
            aggregate_in_parts(&backend, on, 2, Some(part), &policy)
                .await
                .unwrap();
        }
        // As a newer pageviews might have stored it.
        let path = crate::backend::local::database_path(dir.path(), "t");
        let db = crate::backend::local::connect_existing(&path).unwrap();
        db.execute(
            "UPDATE day_parts SET counts = '{\"shape\": 2}' WHERE part = 1",
            [],
        )
        .unwrap();
        // One part's run cannot add them up, and says which part is missing.
        let run = aggregate_in_parts(&backend, on, 2, Some(0), &policy)
            .await
            .unwrap();
        assert_eq!((run.merged.is_none(), run.missing.clone()), (true, vec![1]));
        // A run of every part counts it again and writes the day.
        let run = aggregate_in_parts(&backend, on, 2, None, &policy)
            .await
            .unwrap();
        let counted: Vec<u32> = run.counted.iter().map(|part| part.part).collect();
        assert_eq!(counted, [1]);
        let merged = run.merged.unwrap();
        assert_eq!((merged.views, merged.visitors), (2, 2));
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
