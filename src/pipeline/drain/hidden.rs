//! Keeping received messages hidden while the drain stores them: their visibility timeout
//! starts again each time half of it has passed, for as long as the work goes on.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::backend::Queue;

/// Keeps received messages hidden while work on them goes on.
pub(super) struct Keeper {
    pub queue: Arc<dyn Queue>,
    pub receipts: Vec<String>,
    pub visibility: Duration,
    /// When the first of them was received: their visibility timeout runs from then.
    pub since: Instant,
}

impl Keeper {
    /// Runs `work`; each time half the visibility timeout has passed (from `since`, then from
    /// each extension), the messages' visibility timeout starts again, until `work` is done.
    pub(super) async fn keep_hidden<T>(self, work: impl Future<Output = T>) -> T {
        let period = self.visibility / 2;
        let extend = async {
            let mut due = self.since + period;
            loop {
                tokio::time::sleep_until(due.into()).await;
                due = Instant::now() + period;
                self.extend().await;
            }
        };
        tokio::select! {
            done = work => done,
            _ = extend => unreachable!("extends until the work is done"),
        }
    }

    async fn extend(&self) {
        for chunk in self.receipts.chunks(self.queue.batch_limit()) {
            let failed = match self.queue.change_visibility(chunk, self.visibility).await {
                Ok(results) => results.into_iter().filter_map(Result::err).next(),
                Err(err) => Some(err),
            };
            if let Some(err) = failed {
                tracing::warn!(%err, "visibility not extended: a message may be received again meanwhile, and stored once more");
            }
        }
        tracing::debug!(
            messages = self.receipts.len(),
            seconds = self.visibility.as_secs(),
            "kept hidden while being stored"
        );
    }
}
