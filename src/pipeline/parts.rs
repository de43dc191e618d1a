//! A day counted in parts (`model::parts`): each part counted and stored on its own, in any
//! process or on any machine, in any order and as often as it comes; the day's rows are written
//! from the parts' sum once every part counts what is stored.

use std::time::Instant;

use crate::backend::retry::{retry, RetryPolicy};
use crate::backend::{Backend, BackendResult, DayCount, DayParts};
use crate::model::count::Tally;
use crate::model::day::Day;
use crate::model::parts::Part;
use crate::pipeline::aggregate::{store_day, DayResult};

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
    let to_count: Vec<Part> = match only {
        Some(part) => vec![Part { parts, part }],
        None => {
            let stored = read_parts(backend, day, parts, policy).await?;
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
            };
            Some(store_day(backend, day, &count, started, policy).await?)
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
    })
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
    tracing::debug!(%day, %part, views = count.views(), version = count.version, "part counted and stored");
    Ok(PartResult {
        part: part.part,
        version: count.version,
        views: count.views(),
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
