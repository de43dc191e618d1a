//! A day's raw events on DynamoDB read whole (`export`, `archive`) and deleted once counted
//! (`prune`, `archive`): the day's shards one after the other, items of either layout, each
//! event once however many copies are stored.

use chrono::Utc;
use futures::stream::{self, BoxStream, StreamExt};

use super::keys::event_partition;
use super::layout::{each_event, Item};
use super::marks::countable_version;
use super::request::send;
use super::writes::{delete, each_page};
use super::{get_number, number, string, AwsBackend};
use crate::backend::{BackendError, BackendResult};
use crate::model::day::Day;
use crate::model::event::Event;
use crate::model::seen::SeenIds;

/// Where reading a day's events is: the shard read next, and what is left of the one read.
struct Reading {
    shards: Option<u32>,
    next_shard: u32,
    left: std::vec::IntoIter<Event>,
}

impl AwsBackend {
    /// The events of `day`, shard by shard (shard 0 first), each shard's in the order of time,
    /// page and id; memory holds one shard's events at a time.
    pub(super) fn raw_day_events(
        &self,
        day: Day,
        chunk: usize,
    ) -> BoxStream<'_, BackendResult<Vec<Event>>> {
        let chunk = chunk.max(1);
        let start = Reading {
            shards: None,
            next_shard: 0,
            left: Vec::new().into_iter(),
        };
        stream::try_unfold(start, move |mut reading| async move {
            loop {
                let taken: Vec<Event> = reading.left.by_ref().take(chunk).collect();
                if !taken.is_empty() {
                    return Ok(Some((taken, reading)));
                }
                let shards = match reading.shards {
                    Some(shards) => shards,
                    None => *reading.shards.insert(self.config().await?.shards),
                };
                if reading.next_shard >= shards {
                    return Ok(None);
                }
                let (events, _) = self.read_shard(day, reading.next_shard).await?;
                reading.next_shard += 1;
                reading.left = events.into_iter();
            }
        })
        .boxed()
    }

    /// One shard's events, each once, sorted; and the keys of its items.
    async fn read_shard(&self, day: Day, shard: u32) -> BackendResult<(Vec<Event>, Vec<Item>)> {
        let now = Utc::now().timestamp();
        let mut seen = SeenIds::default();
        let mut events = Vec::new();
        let mut keys = Vec::new();
        let mut unreadable = None;
        let query = self
            .dynamodb
            .query()
            .table_name(&self.names.events_table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(event_partition(day, shard)))
            .consistent_read(true);
        each_page(&self.retry, query, "Query (day's events)", |page| {
            for item in page.items.unwrap_or_default() {
                let read = each_event(&item, now, |view| {
                    if seen.insert(view.id) {
                        match view.event.to_event(view.id) {
                            Some(event) => events.push(event),
                            None => {
                                unreadable.get_or_insert(format!("event {} has no time", view.id));
                            }
                        }
                    }
                });
                if let Err(err) = read {
                    unreadable.get_or_insert(err);
                }
                if let (Some(pk), Some(sk)) = (item.get("pk"), item.get("sk")) {
                    keys.push(Item::from([
                        ("pk".to_owned(), pk.clone()),
                        ("sk".to_owned(), sk.clone()),
                    ]));
                }
            }
        })
        .await?;
        if let Some(err) = unreadable {
            return Err(BackendError::permanent(format!(
                "a raw item of {} cannot be read: {err}",
                event_partition(day, shard)
            )));
        }
        events.sort_by(|a, b| (a.time_ms(), &a.page, &a.id).cmp(&(b.time_ms(), &b.page, &b.id)));
        Ok((events, keys))
    }

    /// Whether the day's rows still hold the count of every raw event stored: counted at
    /// `version`, not changed since, no write of it under way.
    async fn still_counted(&self, day: Day, version: u64) -> BackendResult<bool> {
        let Some(item) = self.day_item(day).await? else {
            return Ok(false);
        };
        let (countable, _) = countable_version(&item, Utc::now().timestamp());
        Ok(get_number(&item, "aggregated_version") == Some(version)
            && get_number(&item, "change_version") == Some(version)
            && countable == version)
    }

    /// Deletes the raw items of `day` while it stays counted at `version`, shard by shard: the
    /// keys of a shard are read, the day checked again, then those items (and only those: an
    /// item written since is kept) deleted. Returns the events deleted.
    pub(super) async fn delete_raw_day(
        &self,
        day: Day,
        version: u64,
    ) -> BackendResult<Option<u64>> {
        if !self.still_counted(day, version).await? {
            return Ok(None);
        }
        let shards = self.config().await?.shards;
        let mut deleted = 0;
        for shard in 0..shards {
            let (events, keys) = self.read_shard(day, shard).await?;
            if !self.still_counted(day, version).await? {
                if deleted == 0 {
                    return Ok(None);
                }
                // Shards already deleted were counted; the day's rows stay their record.
                tracing::warn!(%day, "the day changed while its raw events were deleted");
                break;
            }
            let requests = keys
                .into_iter()
                .map(delete)
                .collect::<BackendResult<Vec<_>>>()?;
            self.write_all(&self.names.events_table, requests).await?;
            deleted += events.len() as u64;
        }
        send(&self.retry, "UpdateItem (raw events deleted)", || {
            self.dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression("SET deleted_version = :version")
                .expression_attribute_values(":version", number(version))
                .send()
        })
        .await?;
        Ok(Some(deleted))
    }
}
