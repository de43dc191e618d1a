//! A day's raw events on DynamoDB read whole (`export`, `archive`) and deleted once counted
//! and made the day's record (`prune`, `archive`): the day's shards one after the other, items
//! of either layout, each event once however many copies are stored.

use chrono::Utc;
use futures::stream::{self, BoxStream, StreamExt};

use super::events::unreadable_item;
use super::layout::{day_version, each_event, Item};
use super::marks::EVENT_COUNTERS;
use super::request::conditional;
use super::writes::{delete, each_page};
use super::{get_number, number, AwsBackend};
use crate::backend::BackendResult;
use crate::model::day::Day;
use crate::model::event::Event;
use crate::model::seen::SeenIds;

/// Where reading a day's events is: the shard read next, and what is left of the one read.
struct Reading {
    shards: Option<u32>,
    /// The version up to which the day's raw events are deleted.
    deleted: u64,
    next_shard: u32,
    left: std::vec::IntoIter<Event>,
}

impl AwsBackend {
    /// The events of `day`, shard by shard (shard 0 first), each shard's in the order of time,
    /// page and id; memory holds one shard's events at a time. The items of raw events deleted
    /// (their versions up to the day's `deleted_version`) are left out, whether or not the
    /// deletion got to them yet.
    pub(super) fn raw_day_events(
        &self,
        day: Day,
        chunk: usize,
    ) -> BoxStream<'_, BackendResult<Vec<Event>>> {
        let chunk = chunk.max(1);
        let start = Reading {
            shards: None,
            deleted: 0,
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
                    None => {
                        let status = self.day_item(day).await?.unwrap_or_default();
                        reading.deleted = get_number(&status, "deleted_version").unwrap_or(0);
                        *reading.shards.insert(self.config().await?.shards)
                    }
                };
                if reading.next_shard >= shards {
                    return Ok(None);
                }
                let deleted = reading.deleted;
                let (events, _) = self
                    .read_shard(day, reading.next_shard, |version| version > deleted)
                    .await?;
                reading.next_shard += 1;
                reading.left = events.into_iter();
            }
        })
        .boxed()
    }

    /// The events, each once, sorted, and the keys of the items of one shard whose day version
    /// `wanted` takes.
    async fn read_shard(
        &self,
        day: Day,
        shard: u32,
        wanted: impl Fn(u64) -> bool,
    ) -> BackendResult<(Vec<Event>, Vec<Item>)> {
        let now = Utc::now().timestamp();
        let mut seen = SeenIds::default();
        let mut events = Vec::new();
        let mut keys = Vec::new();
        let mut unreadable = None;
        let query = self.shard_query(day, shard);
        each_page(&self.retry, query, "Query (day's events)", |page| {
            for item in page.items.unwrap_or_default() {
                if !wanted(day_version(&item)) {
                    continue;
                }
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
            return Err(unreadable_item(day, shard, &err));
        }
        events.sort_by(|a, b| (a.time_ms(), &a.page, &a.id).cmp(&(b.time_ms(), &b.page, &b.id)));
        Ok((events, keys))
    }

    /// Deletes the raw items of `day` counted at `version`, while it stays counted at it: its
    /// counts become its record first, then the day is marked deleted up to `version` (counts
    /// and exports leave those items out from then on, so a deletion that stops half-way loses
    /// nothing and counts nothing twice), then the items of versions up to `version` are
    /// deleted shard by shard; items written since are kept. Returns the events deleted.
    pub(super) async fn delete_raw_day(
        &self,
        day: Day,
        version: u64,
    ) -> BackendResult<Option<u64>> {
        let Some(status) = self.keep_record(day, version).await? else {
            return Ok(None);
        };
        self.mark_deleted(day, version, &status).await?;
        let shards = self.config().await?.shards;
        let mut deleted = 0;
        for shard in 0..shards {
            let (events, keys) = self.read_shard(day, shard, |v| v <= version).await?;
            let requests = keys
                .into_iter()
                .map(delete)
                .collect::<BackendResult<Vec<_>>>()?;
            self.write_all(&self.names.events_table, requests).await?;
            deleted += events.len() as u64;
        }
        Ok(Some(deleted))
    }

    /// Records that the raw events counted at `version` are deleted, with their views, and takes
    /// the events written until then (the counters in `status`) off the events stored; once.
    async fn mark_deleted(&self, day: Day, version: u64, status: &Item) -> BackendResult<()> {
        let mut update = "SET deleted_version = :version, deleted_views = :views".to_owned();
        let written: Vec<(&str, u64)> = EVENT_COUNTERS
            .into_iter()
            .filter_map(|counter| Some((counter, get_number(status, counter)?)))
            .filter(|(_, events)| *events > 0)
            .collect();
        let adds: Vec<String> = written
            .iter()
            .map(|(counter, _)| format!("#{counter} :{counter}"))
            .collect();
        if !adds.is_empty() {
            update.push_str(&format!(" ADD {}", adds.join(", ")));
        }
        conditional(&self.retry, "UpdateItem (raw events deleted)", || {
            let mut request = self
                .dynamodb
                .update_item()
                .table_name(&self.names.daily_table)
                .set_key(Some(self.day_key(day)))
                .update_expression(&update)
                .condition_expression(
                    "attribute_not_exists(deleted_version) OR deleted_version < :version",
                )
                .expression_attribute_values(":version", number(version))
                .expression_attribute_values(
                    ":views",
                    number(get_number(status, "views").unwrap_or(0)),
                );
            for (counter, events) in &written {
                request = request
                    .expression_attribute_names(format!("#{counter}"), *counter)
                    .expression_attribute_values(format!(":{counter}"), number(-(*events as i64)));
            }
            request.send()
        })
        .await?;
        Ok(())
    }
}
