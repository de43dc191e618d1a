//! A day counted in parts on Lambda (`PAGEVIEWS_PARTS`, set by `deploy --aggregate-parts N`):
//! the daily schedule invokes this same function asynchronously once per part left to count,
//! each invocation counts and stores its part on an instance of its own, and the one that finds
//! every part stored and current writes the day (`pipeline::parts`).
//!
//! Asynchronous invokes rather than messages on a queue: the events queue carries views, which
//! a drain would have to tell apart from work, and a queue of its own would be one more thing
//! to provision and pay for. Lambda queues asynchronous invocations itself, runs them at once
//! (as many instances as parts, within the account's concurrency) and retries a failed one
//! twice. A part lost for good, or a merge that never came, leaves the day pending: the next
//! schedule invokes the parts still missing or stale, or writes the day when none is.

use anyhow::Context as _;
use std::time::Duration;

use crate::backend::aws::lambda::Lambda;
use crate::backend::Backend;
use crate::model::day::Day;
use crate::model::parts::Part;
use crate::model::retry::RetryPolicy;
use crate::pipeline::aggregate::{aggregate_day, DayResult};
use crate::pipeline::parts::{aggregate_in_parts, PartsRun};

/// The `pageviews` field of a part's invocation.
pub(super) const PART_INPUT_KIND: &str = "aggregate-part";

/// The payload of one part's invocation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartInput {
    /// Always [`PART_INPUT_KIND`].
    pub pageviews: String,
    pub day: Day,
    pub parts: u32,
    pub part: u32,
}

/// How the schedule fans a day out: the function to invoke and the number of parts.
pub struct FanOut {
    pub lambda: Lambda,
    pub function: String,
    pub parts: u32,
}

/// What the schedule did with one day.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayFannedOut {
    /// Counted here: whole (a day stored before events were placed by visitor), or written
    /// from parts that were all stored and current already.
    Counted(DayResult),
    /// These parts were invoked; the last of them to be stored writes the day.
    Invoked {
        day: Day,
        parts: u32,
        invoked: Vec<u32>,
    },
}

impl FanOut {
    /// Counts `day` by invoking one function per part left to count, or here when there is
    /// nothing to invoke.
    pub async fn day(
        &self,
        backend: &Backend,
        day: Day,
        policy: &RetryPolicy,
    ) -> anyhow::Result<DayFannedOut> {
        let stored = backend
            .events
            .read_parts(day, self.parts)
            .await
            .with_context(|| format!("cannot read the parts of {day}"))?;
        // A day with no events is no work to spread; one stored before events were placed
        // by visitor cannot be spread.
        if stored.whole_only.is_some() || stored.version == 0 {
            let counted = aggregate_day(backend, day, policy).await?;
            return Ok(DayFannedOut::Counted(counted));
        }
        let left: Vec<u32> = stored
            .parts
            .iter()
            .enumerate()
            .filter(|(_, part)| !part.as_ref().is_some_and(|part| part.current))
            .map(|(number, _)| number as u32)
            .collect();
        if left.is_empty() {
            // Every part stored and current: added up here (a part whose counts cannot be
            // read is counted again on the way).
            let run = aggregate_in_parts(backend, day, self.parts, None, policy).await?;
            return match run.merged {
                Some(merged) => Ok(DayFannedOut::Counted(merged)),
                // A part went stale meanwhile (late events): the next schedule invokes it.
                None => Ok(DayFannedOut::Invoked {
                    day,
                    parts: self.parts,
                    invoked: Vec::new(),
                }),
            };
        }
        for &part in &left {
            let input = PartInput {
                pageviews: PART_INPUT_KIND.to_owned(),
                day,
                parts: self.parts,
                part,
            };
            let payload = serde_json::to_vec(&input)?;
            self.lambda
                .invoke_async(&self.function, &payload)
                .await
                .with_context(|| {
                    format!(
                        "cannot invoke {} for {day}",
                        Part {
                            parts: self.parts,
                            part
                        }
                    )
                })?;
        }
        tracing::info!(%day, parts = self.parts, invoked = ?left, "parts invoked");
        Ok(DayFannedOut::Invoked {
            day,
            parts: self.parts,
            invoked: left,
        })
    }
}

/// One part's invocation: counts and stores the part, and writes the day when it was the
/// last; an error makes Lambda try the invocation again.
pub(super) async fn count_invoked_part(
    backend: &Backend,
    input: &PartInput,
    time_left: Duration,
) -> anyhow::Result<PartsRun> {
    let part = Part::new(input.parts, input.part)
        .map_err(|err| anyhow::anyhow!("a part's invocation names no part: {err}"))?;
    let policy = RetryPolicy::default();
    let counting = aggregate_in_parts(backend, input.day, part.parts, Some(part.part), &policy);
    let run = tokio::time::timeout(time_left, counting)
        .await
        .map_err(|_| {
            anyhow::anyhow!(
                "the invocation's time ran out while counting {part} of {}",
                input.day
            )
        })?
        .with_context(|| format!("cannot count {part} of {}", input.day))?;
    match &run.merged {
        Some(merged) => tracing::info!(day = %input.day, %part, views = merged.views,
            visitors = merged.visitors, "part counted; the day is written"),
        None => tracing::info!(day = %input.day, %part, missing = ?run.missing,
            stale = ?run.stale, "part counted"),
    }
    Ok(run)
}
