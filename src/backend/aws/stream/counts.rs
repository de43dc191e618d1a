//! What `status` and a starting drain see of the stream: the records after every shard's
//! checkpoint, counted by reading them, how old the oldest unread one is, who reads each shard.

use super::leases::now_ms;
use super::{StreamQueue, COUNT_CALLS, MAX_GET_RECORDS};
use crate::backend::aws::request::send;
use crate::backend::{BackendResult, ShardState, StreamState};

impl StreamQueue {
    /// Records after every shard's checkpoint, read and counted (see `stats`).
    pub(super) async fn count_unread(&self) -> BackendResult<u64> {
        let leases = self.leases.by_shard().await?;
        let mut unread = 0;
        for shard in self.list_shards().await? {
            let lease = leases.get(&shard.id);
            if lease.is_some_and(|lease| lease.finished) {
                continue;
            }
            let checkpoint = lease.and_then(|lease| lease.checkpoint.as_deref());
            unread += self.count_after(&shard.id, checkpoint).await?;
        }
        Ok(unread)
    }

    /// How long ago the first record after the checkpoint arrived; `None` when there is none.
    pub(super) async fn oldest_unread_age(
        &self,
        id: &str,
        checkpoint: Option<&str>,
    ) -> BackendResult<Option<u64>> {
        let iterator = self.iterator_after(id, checkpoint).await?;
        let output = send(&self.retry, &format!("GetRecords {id}"), || {
            self.kinesis
                .get_records()
                .shard_iterator(&iterator)
                .limit(1)
                .send()
        })
        .await?;
        let now = chrono::Utc::now().timestamp();
        Ok(output.records().first().map(|record| {
            record
                .approximate_arrival_timestamp()
                .map_or(0, |arrived| (now - arrived.secs()).max(0) as u64)
        }))
    }

    pub(super) async fn count_after(
        &self,
        id: &str,
        checkpoint: Option<&str>,
    ) -> BackendResult<u64> {
        let mut iterator = Some(self.iterator_after(id, checkpoint).await?);
        let mut count = 0;
        for _ in 0..COUNT_CALLS {
            let Some(current) = iterator.take() else {
                break;
            };
            let output = send(&self.retry, &format!("GetRecords {id}"), || {
                self.kinesis
                    .get_records()
                    .shard_iterator(&current)
                    .limit(MAX_GET_RECORDS as i32)
                    .send()
            })
            .await?;
            count += output.records().len() as u64;
            // At the tip: nothing more to count now.
            if output.records().is_empty() || output.millis_behind_latest() == Some(0) {
                break;
            }
            iterator = output.next_shard_iterator().map(str::to_owned);
        }
        Ok(count)
    }

    /// The stream's retention and every shard's reader and lag, for `status`.
    pub(super) async fn describe(&self) -> BackendResult<StreamState> {
        let summary = self.summary().await?;
        let retention_hours = summary
            .stream_description_summary
            .map_or(24, |summary| summary.retention_period_hours.max(0) as u32);
        let leases = self.leases.by_shard().await?;
        let now = now_ms();
        let mut shards = Vec::new();
        for listed in self.list_shards().await? {
            let lease = leases.get(&listed.id);
            let finished = lease.is_some_and(|lease| lease.finished);
            let held = lease.filter(|lease| lease.held(now));
            let oldest_unread_seconds = match finished {
                true => None,
                false => {
                    let checkpoint = lease.and_then(|lease| lease.checkpoint.as_deref());
                    self.oldest_unread_age(&listed.id, checkpoint).await?
                }
            };
            shards.push(ShardState {
                shard: listed.id,
                owner: held.and_then(|lease| lease.owner.clone()),
                lease_seconds_left: held.map(|lease| ((lease.expires_ms - now) / 1000) as u64),
                closed: listed.ending.is_some(),
                finished,
                oldest_unread_seconds,
            });
        }
        Ok(StreamState {
            retention_hours,
            shards,
        })
    }
}
