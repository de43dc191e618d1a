//! The stream's leases and checkpoints, as items in the deployment's daily table: one item a
//! shard (who reads it, until when, the last record stored with all before it, whether it was
//! read to its end), and one item a live drain process, by which processes share the shards
//! evenly. Every change is a conditional write, so two processes never both hold a shard.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use std::collections::{BTreeMap, HashMap};

use crate::backend::aws::request::{conditional, policy, send};
use crate::backend::aws::{get_number, number, string};
use crate::backend::BackendResult;

/// The daily table partition of the shards' leases, one item per shard.
pub(crate) const LEASE_PARTITION: &str = "stream_lease";
/// The daily table partition of the live drain processes, one item per process.
pub(crate) const WORKER_PARTITION: &str = "stream_worker";

/// A shard's lease as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lease {
    pub shard: String,
    pub owner: Option<String>,
    /// Milliseconds since the epoch the owner holds it until.
    pub expires_ms: i64,
    /// The last record stored, with every record before it.
    pub checkpoint: Option<String>,
    /// Read to its end (a closed parent): its children may be read.
    pub finished: bool,
}

impl Lease {
    fn from_item(item: &HashMap<String, AttributeValue>) -> Option<Lease> {
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        Some(Lease {
            shard: text("sk")?,
            owner: text("owner"),
            expires_ms: get_number(item, "expires_ms").unwrap_or(0) as i64,
            checkpoint: text("checkpoint"),
            finished: item
                .get("finished")
                .and_then(|v| v.as_bool().ok())
                .copied()
                .unwrap_or(false),
        })
    }

    /// Held by someone until after `now_ms`.
    pub(crate) fn held(&self, now_ms: i64) -> bool {
        self.owner.is_some() && self.expires_ms > now_ms
    }
}

/// The leases of one stream's shards in one table.
#[derive(Clone)]
pub(crate) struct Leases {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub table: String,
    pub owner: String,
}

pub(crate) fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Leases {
    /// Every shard's lease item, by shard.
    pub(crate) async fn by_shard(&self) -> BackendResult<BTreeMap<String, Lease>> {
        let items = self.items(LEASE_PARTITION).await?;
        Ok(items
            .iter()
            .filter_map(Lease::from_item)
            .map(|lease| (lease.shard.clone(), lease))
            .collect())
    }

    async fn items(&self, partition: &str) -> BackendResult<Vec<HashMap<String, AttributeValue>>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let output = send(&policy(), &format!("Query on {}", self.table), || {
                self.dynamodb
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("pk = :pk")
                    .expression_attribute_values(":pk", string(partition))
                    .consistent_read(true)
                    .set_exclusive_start_key(start.clone())
                    .send()
            })
            .await?;
            items.extend(output.items.unwrap_or_default());
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// Says this process is alive until `until_ms`; returns how many processes are.
    pub(crate) async fn heartbeat(&self, until_ms: i64) -> BackendResult<usize> {
        send(&policy(), "PutItem (drain process)", || {
            self.dynamodb
                .put_item()
                .table_name(&self.table)
                .item("pk", string(WORKER_PARTITION))
                .item("sk", string(&self.owner))
                .item("expires_ms", number(until_ms))
                .send()
        })
        .await?;
        let now = now_ms();
        let mut live = 0;
        for item in self.items(WORKER_PARTITION).await? {
            let expires_ms = get_number(&item, "expires_ms").unwrap_or(0) as i64;
            if expires_ms > now {
                live += 1;
            } else if let Some(process) = item.get("sk") {
                // A process that died without saying so: its item goes, unless it came back.
                self.forget_process(process, expires_ms).await?;
            }
        }
        Ok(live.max(1))
    }

    /// Deletes a process item that ran out at `expires_ms`, if it was not renewed since.
    async fn forget_process(&self, process: &AttributeValue, expires_ms: i64) -> BackendResult<()> {
        conditional(&policy(), "DeleteItem (a drain process gone)", || {
            self.dynamodb
                .delete_item()
                .table_name(&self.table)
                .key("pk", string(WORKER_PARTITION))
                .key("sk", process.clone())
                .condition_expression("expires_ms = :seen")
                .expression_attribute_values(":seen", number(expires_ms))
                .send()
        })
        .await?;
        Ok(())
    }

    /// Says this process is gone, so the others share its shards at once.
    pub(crate) async fn leave(&self) -> BackendResult<()> {
        send(&policy(), "DeleteItem (drain process)", || {
            self.dynamodb
                .delete_item()
                .table_name(&self.table)
                .key("pk", string(WORKER_PARTITION))
                .key("sk", string(&self.owner))
                .send()
        })
        .await
        .map(|_| ())
    }

    /// Takes the shard's lease until `until_ms` if nobody holds it; `None` if somebody does.
    pub(crate) async fn take(&self, shard: &str, until_ms: i64) -> BackendResult<Option<Lease>> {
        let now = now_ms();
        let taken = conditional(&policy(), "UpdateItem (take a shard's lease)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.table)
                .key("pk", string(LEASE_PARTITION))
                .key("sk", string(shard))
                .update_expression("SET #owner = :me, expires_ms = :until")
                .condition_expression(
                    "attribute_not_exists(pk) OR #owner = :me OR expires_ms <= :now",
                )
                .expression_attribute_names("#owner", "owner")
                .expression_attribute_values(":me", string(&self.owner))
                .expression_attribute_values(":until", number(until_ms))
                .expression_attribute_values(":now", number(now))
                .return_values(ReturnValue::AllNew)
                .send()
        })
        .await?;
        Ok(taken.and_then(|output| Lease::from_item(&output.attributes.unwrap_or_default())))
    }

    /// Changes the shard's lease if this process still holds it: `set` is an update
    /// expression over `values`. `false`: the lease was lost (it expired and was taken).
    async fn update_held(
        &self,
        shard: &str,
        what: &str,
        set: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> BackendResult<bool> {
        let done = conditional(&policy(), what, || {
            let mut update = self
                .dynamodb
                .update_item()
                .table_name(&self.table)
                .key("pk", string(LEASE_PARTITION))
                .key("sk", string(shard))
                .update_expression(set)
                .condition_expression("#owner = :me")
                .expression_attribute_names("#owner", "owner")
                .expression_attribute_values(":me", string(&self.owner));
            for (name, value) in &values {
                update = update.expression_attribute_values(*name, value.clone());
            }
            update.send()
        })
        .await?;
        Ok(done.is_some())
    }

    pub(crate) async fn renew(&self, shard: &str, until_ms: i64) -> BackendResult<bool> {
        self.update_held(
            shard,
            "UpdateItem (renew a shard's lease)",
            "SET expires_ms = :until",
            vec![(":until", number(until_ms))],
        )
        .await
    }

    /// Records that every record up to `sequence` is stored.
    pub(crate) async fn checkpoint(
        &self,
        shard: &str,
        sequence: &str,
        until_ms: i64,
    ) -> BackendResult<bool> {
        self.update_held(
            shard,
            "UpdateItem (checkpoint)",
            "SET checkpoint = :sequence, expires_ms = :until",
            vec![
                (":sequence", string(sequence)),
                (":until", number(until_ms)),
            ],
        )
        .await
    }

    /// Records that the shard (closed) was read and stored to its end.
    pub(crate) async fn finish(&self, shard: &str) -> BackendResult<bool> {
        self.update_held(
            shard,
            "UpdateItem (shard read to its end)",
            "SET finished = :yes",
            vec![(":yes", AttributeValue::Bool(true))],
        )
        .await
    }

    /// Deletes every lease and process item: for a stream just created under a name an older
    /// stream had, whose checkpoints name records the new one does not have.
    pub(crate) async fn forget_all(&self) -> BackendResult<usize> {
        let mut forgotten = 0;
        for partition in [LEASE_PARTITION, WORKER_PARTITION] {
            for item in self.items(partition).await? {
                let Some(sort) = item.get("sk").cloned() else {
                    continue;
                };
                send(&policy(), "DeleteItem (an older stream's lease)", || {
                    self.dynamodb
                        .delete_item()
                        .table_name(&self.table)
                        .key("pk", string(partition))
                        .key("sk", sort.clone())
                        .send()
                })
                .await?;
                forgotten += 1;
            }
        }
        Ok(forgotten)
    }

    /// Gives the shard's lease up now, for another process to take. Its owner goes too, so a
    /// renewal this process had under way fails instead of taking the shard back.
    pub(crate) async fn release(&self, shard: &str) -> BackendResult<bool> {
        self.update_held(
            shard,
            "UpdateItem (release a shard's lease)",
            "SET expires_ms = :zero REMOVE #owner",
            vec![(":zero", number(0))],
        )
        .await
    }
}
