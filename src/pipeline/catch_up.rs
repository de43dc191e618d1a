//! Catching a range of days up before reading it: the queue's backlog drained into the raw
//! events, and the range's days whose raw events changed counted again, as cron's `drain` and
//! `aggregate` would, so that a report can include the views of a minute ago.

use anyhow::Context as _;
use indicatif::ProgressBar;

use crate::backend::Backend;
use crate::model::day::DayRange;
use crate::model::retry::RetryPolicy;
use crate::pipeline::aggregate::{aggregate_day, DayResult};
use crate::pipeline::drain::{drain, DrainOptions, DrainSummary};
use crate::pipeline::shutdown::Shutdown;

/// What catching up did.
#[derive(Debug)]
pub struct CaughtUp {
    pub drained: DrainSummary,
    /// The days counted again: those of the range with raw events newer than their count.
    pub counted: Vec<DayResult>,
}

/// Drains the queue until it stays empty (a plain `drain`), then counts the days of `range`
/// that are pending. Costs what those two commands cost; days already counted and unchanged
/// are not read again.
pub async fn catch_up(
    backend: &Backend,
    range: DayRange,
    progress: &ProgressBar,
) -> anyhow::Result<CaughtUp> {
    let options = DrainOptions::until_empty(backend.facts.default_wait);
    let drained = drain(backend, &options, &Shutdown::on_signals(), progress).await?;
    if drained.write_failures > 0 {
        anyhow::bail!(
            "{} messages could not be stored and stay on the queue; see the errors above, then \
             run `pageviews drain`",
            drained.write_failures
        );
    }
    let pending = backend
        .daily
        .day_statuses(Some(range))
        .await
        .context("cannot read the days' statuses")?
        .into_iter()
        .filter(|status| status.is_pending() && status.has_raw_events())
        .map(|status| status.day);
    let policy = RetryPolicy::default();
    let mut counted = Vec::new();
    for day in pending {
        let result = aggregate_day(backend, day, &policy)
            .await
            .with_context(|| format!("cannot aggregate {day}"))?;
        counted.push(result);
    }
    Ok(CaughtUp { drained, counted })
}
