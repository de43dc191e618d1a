//! The queue a deployment had before `init --change-queue`: every drain empties it before its
//! own queue, so the events put on it by senders that started before the change are stored.

use indicatif::ProgressBar;

use super::{drain, DrainOptions, DrainSummary};
use crate::backend::Backend;
use crate::pipeline::shutdown::Shutdown;

/// Drains the deployment's previous queue once, if it holds anything; what it did (nothing
/// when there is no previous queue, or it is empty). Trouble with it is warned about and left
/// there: its messages stay on it for the next drain, and the deployment's own queue goes on.
pub async fn drain_previous(
    backend: &Backend,
    options: &DrainOptions,
    shutdown: &Shutdown,
) -> DrainSummary {
    let Some(previous) = &backend.previous_queue else {
        return DrainSummary::default();
    };
    let waiting = match previous.stats().await {
        Ok(stats) => stats.visible + stats.in_flight,
        Err(err) => {
            tracing::warn!(%err, "the queue from before the queue change could not be read; what it holds stays on it");
            return DrainSummary::default();
        }
    };
    if waiting == 0 {
        return DrainSummary::default();
    }
    tracing::info!(
        messages = waiting,
        "the queue from before the queue change holds messages: draining it first"
    );
    let old = Backend {
        queue: previous.clone(),
        previous_queue: None,
        ..backend.clone()
    };
    let once = DrainOptions {
        follow: false,
        ..options.clone()
    };
    // No bar of its own: the drain's bar is for the deployment's queue.
    match Box::pin(drain(&old, &once, shutdown, &ProgressBar::hidden())).await {
        Ok(mut summary) => {
            summary.from_previous_queue = summary.events_written;
            summary
        }
        Err(err) => {
            tracing::warn!(%err, "the queue from before the queue change could not be drained; what it holds stays on it");
            DrainSummary::default()
        }
    }
}
