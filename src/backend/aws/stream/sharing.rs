//! Which shards this process reads: the stream's shards as ListShards gives them, the ones
//! readable now (parents read to their end first), and this process's share of them, taken,
//! renewed and given up through the lease items.

use std::collections::BTreeMap;
use std::time::Instant;

use super::leases::{now_ms, Lease};
use super::progress::ShardProgress;
use super::{HeldShard, Reading, StreamQueue};
use crate::backend::aws::request::send;
use crate::backend::BackendResult;

/// A shard as ListShards gives it.
#[derive(Debug, Clone)]
pub(super) struct ListedShard {
    pub id: String,
    pub parents: Vec<String>,
    pub ending: Option<String>,
}

impl StreamQueue {
    pub(super) async fn list_shards(&self) -> BackendResult<Vec<ListedShard>> {
        let mut shards = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = send(&self.retry, &format!("ListShards {}", self.stream), || {
                // A next token names the stream itself: the two are never sent together.
                let request = self.kinesis.list_shards();
                match &token {
                    Some(token) => request.next_token(token),
                    None => request.stream_name(&self.stream),
                }
                .send()
            })
            .await?;
            for shard in output.shards() {
                shards.push(ListedShard {
                    id: shard.shard_id().to_owned(),
                    parents: [shard.parent_shard_id(), shard.adjacent_parent_shard_id()]
                        .into_iter()
                        .flatten()
                        .map(str::to_owned)
                        .collect(),
                    ending: shard
                        .sequence_number_range()
                        .and_then(|range| range.ending_sequence_number())
                        .map(str::to_owned),
                });
            }
            token = output.next_token().map(str::to_owned);
            if token.is_none() {
                return Ok(shards);
            }
        }
    }

    /// Whether the shards are to be looked at now; if so, the caller does it (another receive
    /// meanwhile does not).
    pub(super) async fn refresh_due(&self) -> bool {
        let mut reading = self.reading.lock().await;
        let due = reading
            .refreshed
            .is_none_or(|at| at.elapsed() >= self.refresh_interval());
        if due {
            reading.refreshed = Some(Instant::now());
        }
        due
    }

    /// Looks at the shards and the other processes: takes free shards up to this process's
    /// share, gives up what is over it, drops shards whose lease was lost. The stream and the
    /// lease items are read without the reading state.
    pub(super) async fn refresh(&self) -> BackendResult<()> {
        let processes = self.leases.heartbeat(self.lease_until_ms()).await?;
        let listed = self.list_shards().await?;
        let leases = self.leases.by_shard().await?;
        let readable = readable_shards(&listed, &leases);
        let share = readable.len().div_ceil(processes);
        let mut reading = self.reading.lock().await;
        let reading = &mut *reading;
        reading
            .shards
            .retain(|id, _| readable.iter().any(|shard| &shard.id == id));
        self.give_up_over_share(reading, share).await;
        let now = now_ms();
        for shard in readable {
            if reading.shards.len() >= share {
                break;
            }
            if reading.shards.contains_key(&shard.id)
                || leases.get(&shard.id).is_some_and(|lease| lease.held(now))
            {
                continue;
            }
            if let Some(lease) = self.leases.take(&shard.id, self.lease_until_ms()).await? {
                tracing::debug!(shard = %shard.id, checkpoint = ?lease.checkpoint, "shard taken");
                reading.holdings += 1;
                reading.shards.insert(
                    shard.id.clone(),
                    HeldShard {
                        iterator: None,
                        position: lease.checkpoint.clone(),
                        progress: ShardProgress::starting_at(lease.checkpoint)
                            .with_readings(reading.readings_kept.remove(&shard.id)),
                        lease_until: Instant::now() + self.visibility,
                        ending: shard.ending.clone(),
                        read_to_end: false,
                        holding: reading.holdings,
                        busy: false,
                    },
                );
            }
        }
        Ok(())
    }

    /// Releases shards over `share` that have nothing out, for processes that hold fewer.
    pub(super) async fn give_up_over_share(&self, reading: &mut Reading, share: usize) {
        let idle: Vec<String> = reading
            .shards
            .iter()
            .filter(|(_, shard)| shard.progress.in_flight() == 0 && !shard.busy)
            .map(|(id, _)| id.clone())
            .collect();
        for id in idle
            .into_iter()
            .take(reading.shards.len().saturating_sub(share))
        {
            reading.let_go(&id);
            if let Err(err) = self.leases.release(&id).await {
                tracing::warn!(%err, shard = %id, "lease not released; it runs out by itself");
            }
        }
    }

    /// Renews the leases past half their time; drops those lost. The lease items are written
    /// without the reading state.
    pub(super) async fn renew(&self) -> BackendResult<()> {
        let due: Vec<(String, u64)> = {
            let reading = self.reading.lock().await;
            let soon = Instant::now() + self.visibility / 2;
            reading
                .shards
                .iter()
                .filter(|(_, shard)| shard.lease_until < soon)
                .map(|(id, shard)| (id.clone(), shard.holding))
                .collect()
        };
        for (id, holding) in due {
            let renewed_at = Instant::now();
            let held = self.leases.renew(&id, self.lease_until_ms()).await?;
            let mut reading = self.reading.lock().await;
            let Some(shard) = reading.shards.get_mut(&id) else {
                continue;
            };
            if shard.holding != holding {
                continue;
            }
            if held {
                shard.lease_until = shard.lease_until.max(renewed_at + self.visibility);
            } else {
                tracing::warn!(shard = %id, "lease lost: another process reads the shard now");
                reading.shards.remove(&id);
            }
        }
        Ok(())
    }

    /// Records that a closed shard was stored to its end, and lets it go.
    pub(super) async fn finish(&self, reading: &mut Reading, id: &str) -> BackendResult<bool> {
        reading.shards.remove(id);
        let done = self.leases.finish(id).await?;
        if done {
            tracing::debug!(shard = %id, "shard read and stored to its end");
        }
        Ok(done)
    }
}

/// The shards to read now: open or unfinished ones whose parents were read to their end (or
/// are gone from the stream), parents first.
pub(super) fn readable_shards<'a>(
    listed: &'a [ListedShard],
    leases: &BTreeMap<String, Lease>,
) -> Vec<&'a ListedShard> {
    let finished = |id: &str| leases.get(id).is_some_and(|lease| lease.finished);
    let listed_ids: Vec<&str> = listed.iter().map(|shard| shard.id.as_str()).collect();
    listed
        .iter()
        .filter(|shard| !finished(&shard.id))
        .filter(|shard| {
            shard
                .parents
                .iter()
                .all(|parent| finished(parent) || !listed_ids.contains(&parent.as_str()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: &str, parents: &[&str]) -> ListedShard {
        ListedShard {
            id: id.into(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            ending: None,
        }
    }

    fn finished(id: &str) -> (String, Lease) {
        (
            id.into(),
            Lease {
                shard: id.into(),
                finished: true,
                ..Lease::default()
            },
        )
    }

    #[test]
    fn children_wait_until_their_parents_are_read_to_the_end() {
        let listed = vec![
            shard("p", &[]),
            shard("a", &["p"]),
            shard("b", &["p"]),
            shard("m", &["a", "b"]),
        ];
        let ids = |leases: &BTreeMap<String, Lease>| {
            readable_shards(&listed, leases)
                .iter()
                .map(|s| s.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&BTreeMap::new()), ["p"]);
        let leases = BTreeMap::from([finished("p")]);
        assert_eq!(ids(&leases), ["a", "b"]);
        let leases = BTreeMap::from([finished("p"), finished("a")]);
        assert_eq!(ids(&leases), ["b"], "a merge waits for both parents");
        let leases = BTreeMap::from([finished("p"), finished("a"), finished("b")]);
        assert_eq!(ids(&leases), ["m"]);
        // A parent aged out of the stream no longer holds its children back.
        let orphan = vec![shard("c", &["gone"])];
        assert_eq!(readable_shards(&orphan, &BTreeMap::new()).len(), 1);
    }
}
