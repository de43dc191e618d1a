//! A day's parts on DynamoDB (`aggregate --parts N`): each part's counts stored in the daily
//! table until the parts are added up, and whether each still counts what is stored.
//!
//! A part's counts are JSON, deflated and cut into chunks of at most [`CHUNK_BYTES`] (a busy
//! site's part has more pages and breakdown rows than one item holds): the chunks under
//! `partcounts#<day>#<parts>#<part>#<copy>`, one item per chunk, written first; then the part's
//! item (`parts#<day>#<parts>`, sort key the part's number) names the copy, by one conditional
//! write that keeps a count of a newer version. Readers follow the part's item, so a copy is
//! seen whole or not at all; the copy it replaced is deleted after (a crash between leaves an
//! unnamed copy, never a wrong count).
//!
//! Whether a part still holds (`part_holds`): every write of a day placed by visitor adds one
//! to the day's version, to its count of such writes and to the counter of each shard it
//! touches, in the one update that marks it (`marks.rs`). A part counted at version `v` holds
//! while the day's record is the one it counted on and every change since was such a write
//! touching none of its shards.

use std::io::{Read, Write};
use std::ops::Range;

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::WriteRequest;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::Utc;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::marks::{countable_version, shard_writes, whole_only, SHARDED_WRITES};
use super::record::recorded_version;
use super::request::conditional;
use super::writes::{delete, each_page, key, put, Item};
use super::{get_number, number, string, AwsBackend};
use crate::backend::{
    random_token, BackendError, BackendResult, DayCount, DayParts, PartBasis, StoredPart,
};
use crate::model::count::Tally;
use crate::model::day::Day;
use crate::model::parts::Part;

/// Largest chunk of a part's deflated counts: well inside DynamoDB's 400 KB item.
const CHUNK_BYTES: usize = 350_000;
/// The part item's attributes.
const VERSION: &str = "version";
const BASIS: &str = "basis";
const COPY: &str = "copy";
const CHUNKS: &str = "chunks";
/// A chunk's bytes.
const DATA: &str = "data";
/// Parts' counts read at once when a day is added up (each a query of its own partition).
const COPIES_READ_AT_ONCE: usize = 8;

fn parts_partition(day: Day, parts: u32) -> String {
    format!("parts#{day}#{parts}")
}

fn part_sort_key(part: u32) -> String {
    format!("{part:02}")
}

fn copy_partition(day: Day, part: Part, copy: &str) -> String {
    format!("partcounts#{day}#{}#{}#{copy}", part.parts, part.part)
}

/// The state of a day before a part of it is counted: what tells later whether the part
/// still holds (see the module's note).
pub(super) fn basis_of(status: &Item, shards: Range<u32>, now: i64) -> PartBasis {
    let (countable, _) = countable_version(status, now);
    let under_way = countable < get_number(status, "change_version").unwrap_or(0);
    PartBasis {
        record: recorded_version(status),
        sharded_writes: (!under_way).then(|| get_number(status, SHARDED_WRITES).unwrap_or(0)),
        shard_writes: shards
            .map(|shard| get_number(status, &shard_writes(shard)).unwrap_or(0))
            .collect(),
    }
}

/// Whether a part counted at `counted` on `basis` (its shards `shards`) still counts what the
/// day as `status` says is stored.
pub(super) fn part_holds(
    counted: u64,
    basis: &PartBasis,
    status: &Item,
    shards: Range<u32>,
) -> bool {
    if recorded_version(status) != basis.record {
        return false;
    }
    let version = get_number(status, "change_version").unwrap_or(0);
    if counted == version {
        return true;
    }
    let Some(sharded_then) = basis.sharded_writes else {
        return false;
    };
    let sharded_now = get_number(status, SHARDED_WRITES).unwrap_or(0);
    let changes = version.checked_sub(counted);
    let sharded_changes = sharded_now.checked_sub(sharded_then);
    changes.is_some()
        && changes == sharded_changes
        && basis.shard_writes.len() == shards.len()
        && shards
            .zip(&basis.shard_writes)
            .all(|(shard, then)| get_number(status, &shard_writes(shard)).unwrap_or(0) == *then)
}

/// A part's counts as stored: deflated JSON, in chunks.
fn encode(tally: &Tally) -> BackendResult<Vec<Vec<u8>>> {
    let json = serde_json::to_vec(tally)
        .map_err(|err| BackendError::permanent(format!("a part's counts as JSON: {err}")))?;
    let mut encoder = DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    let deflated = encoder
        .write_all(&json)
        .and_then(|()| encoder.finish())
        .map_err(|err| BackendError::permanent(format!("deflating a part's counts: {err}")))?;
    Ok(deflated.chunks(CHUNK_BYTES).map(<[u8]>::to_vec).collect())
}

fn decode(chunks: &[Vec<u8>]) -> Result<Tally, String> {
    let mut json = Vec::new();
    DeflateDecoder::new(chunks.concat().as_slice())
        .read_to_end(&mut json)
        .map_err(|err| err.to_string())?;
    serde_json::from_slice(&json).map_err(|err| err.to_string())
}

/// A stored part's item, read.
struct PartItem {
    part: u32,
    version: u64,
    basis: Option<PartBasis>,
    copy: String,
    chunks: u64,
}

fn part_item_of(item: &Item) -> Option<PartItem> {
    let text = |name: &str| item.get(name)?.as_s().ok().cloned();
    Some(PartItem {
        part: text("sk")?.parse().ok()?,
        version: get_number(item, VERSION)?,
        basis: text(BASIS).and_then(|basis| serde_json::from_str(&basis).ok()),
        copy: text(COPY)?,
        chunks: get_number(item, CHUNKS)?,
    })
}

/// The deletes of a copy's chunks.
fn copy_deletes(day: Day, part: Part, copy: &str, chunks: u64) -> BackendResult<Vec<WriteRequest>> {
    let partition = copy_partition(day, part, copy);
    (0..chunks)
        .map(|n| delete(key(partition.clone(), format!("{n:04}"))))
        .collect()
}

impl AwsBackend {
    /// Refuses more parts than a day has shards: a part is whole shards.
    pub(super) async fn check_parts(&self, parts: u32) -> BackendResult<()> {
        let shards = self.config().await?.shards;
        if parts > shards {
            return Err(BackendError::refused(format!(
                "this deployment spreads a day over {shards} shards (set by its first init), and \
                 a part is whole shards: count a day in at most {shards} parts"
            )));
        }
        Ok(())
    }

    pub(super) async fn store_part(
        &self,
        day: Day,
        part: Part,
        count: &DayCount,
    ) -> BackendResult<()> {
        let basis = count.basis.as_ref().ok_or_else(|| {
            BackendError::permanent("a part's count without what it was counted on")
        })?;
        let chunks = encode(&count.tally)?;
        let copy = random_token();
        self.write_copy(day, part, &copy, &chunks).await?;
        let basis = serde_json::to_string(basis)
            .map_err(|err| BackendError::permanent(format!("a part's basis as JSON: {err}")))?;
        let replaced = conditional(&self.retry, "PutItem (part counted)", || {
            self.dynamodb
                .put_item()
                .table_name(&self.names.daily_table)
                .set_item(Some(key(
                    parts_partition(day, part.parts),
                    part_sort_key(part.part),
                )))
                .item(VERSION, number(count.version))
                .item(BASIS, string(&basis))
                .item(COPY, string(&copy))
                .item(CHUNKS, number(chunks.len()))
                .condition_expression("attribute_not_exists(pk) OR #version <= :version")
                .expression_attribute_names("#version", VERSION)
                .expression_attribute_values(":version", number(count.version))
                .return_values(ReturnValue::AllOld)
                .send()
        })
        .await?;
        let Some(replaced) = replaced else {
            // A count of a newer version is stored: this copy is not needed.
            tracing::debug!(%day, %part, "a newer count of the part is stored; kept");
            return self
                .delete_copy(day, part, &copy, chunks.len() as u64)
                .await;
        };
        match replaced.attributes.as_ref().and_then(part_item_of) {
            Some(old) if old.copy != copy => {
                self.delete_copy(day, part, &old.copy, old.chunks).await
            }
            _ => Ok(()),
        }
    }

    async fn write_copy(
        &self,
        day: Day,
        part: Part,
        copy: &str,
        chunks: &[Vec<u8>],
    ) -> BackendResult<()> {
        let partition = copy_partition(day, part, copy);
        let requests = chunks
            .iter()
            .enumerate()
            .map(|(n, chunk)| {
                let mut item = key(partition.clone(), format!("{n:04}"));
                item.insert(DATA.to_owned(), AttributeValue::B(Blob::new(chunk.clone())));
                put(item)
            })
            .collect::<BackendResult<Vec<_>>>()?;
        self.write_all(&self.names.daily_table, requests).await?;
        Ok(())
    }

    async fn delete_copy(
        &self,
        day: Day,
        part: Part,
        copy: &str,
        chunks: u64,
    ) -> BackendResult<()> {
        let requests = copy_deletes(day, part, copy, chunks)?;
        self.write_all(&self.names.daily_table, requests).await?;
        Ok(())
    }

    /// A stored copy's counts, `None` (with a warning) when they cannot be read.
    async fn read_copy(
        &self,
        day: Day,
        part: Part,
        stored: &PartItem,
    ) -> BackendResult<Option<Tally>> {
        let query = self
            .dynamodb
            .query()
            .table_name(&self.names.daily_table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(copy_partition(day, part, &stored.copy)))
            .consistent_read(true);
        let mut chunks = Vec::new();
        each_page(&self.retry, query, "Query (part's counts)", |page| {
            for item in page.items.unwrap_or_default() {
                if let Some(AttributeValue::B(data)) = item.get(DATA) {
                    chunks.push(data.as_ref().to_vec());
                }
            }
        })
        .await?;
        let tally = match chunks.len() as u64 == stored.chunks {
            true => decode(&chunks),
            false => Err(format!(
                "{} of its {} chunks found",
                chunks.len(),
                stored.chunks
            )),
        };
        Ok(tally
            .inspect_err(|err| {
                let what = "a part's stored counts cannot be read; it is counted again";
                tracing::warn!(%day, %part, %err, "{what}");
            })
            .ok())
    }

    /// The items of the parts of `day` (counted in `parts`) as stored.
    async fn part_items(&self, day: Day, parts: u32) -> BackendResult<Vec<PartItem>> {
        let query = self
            .dynamodb
            .query()
            .table_name(&self.names.daily_table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", string(parts_partition(day, parts)))
            .consistent_read(true);
        let mut items = Vec::new();
        each_page(&self.retry, query, "Query (day's parts)", |page| {
            items.extend(
                page.items
                    .unwrap_or_default()
                    .iter()
                    .filter_map(part_item_of),
            );
        })
        .await?;
        Ok(items)
    }

    /// Deletes the parts of `day` counted on a record older than the one of `record` made now
    /// (they can never be current again), whatever number of parts they were counted in: what
    /// parts a day keeps lasts as long as its raw events, not for ever.
    pub(super) async fn drop_parts_before_record(
        &self,
        day: Day,
        record: u64,
    ) -> BackendResult<()> {
        let shards = self.config().await?.shards;
        let mut requests = Vec::new();
        for parts in 1..=shards {
            for item in self.part_items(day, parts).await? {
                let counted_on = item.basis.as_ref().and_then(|basis| basis.record);
                if counted_on == Some(record) {
                    continue;
                }
                let part = Part {
                    parts,
                    part: item.part,
                };
                requests.push(delete(key(
                    parts_partition(day, parts),
                    part_sort_key(item.part),
                ))?);
                requests.extend(copy_deletes(day, part, &item.copy, item.chunks)?);
            }
        }
        // The parts' items and their chunks in batched writes (a part's item may go before
        // its chunks: a reader then finds the part missing, which it is).
        self.write_all(&self.names.daily_table, requests).await?;
        Ok(())
    }

    pub(super) async fn stored_parts(&self, day: Day, parts: u32) -> BackendResult<DayParts> {
        self.check_parts(parts).await?;
        let shards = self.config().await?.shards;
        let status = self.day_item(day).await?.unwrap_or_default();
        let items = self.part_items(day, parts).await?;
        let mut stored: Vec<Option<StoredPart>> = vec![None; parts as usize];
        for item in items {
            let part = Part {
                parts,
                part: item.part,
            };
            let Some(slot) = stored.get_mut(item.part as usize) else {
                continue;
            };
            let current = item.basis.as_ref().is_some_and(|basis| {
                part_holds(item.version, basis, &status, part.shards_among(shards))
            });
            *slot = Some(StoredPart {
                version: item.version,
                current,
            });
        }
        Ok(DayParts {
            version: countable_version(&status, Utc::now().timestamp()).0,
            parts: stored,
            whole_only: whole_only(&status),
        })
    }

    /// The counts of the day's parts as the parts' items name them, read a part at a time.
    pub(super) async fn stored_part_counts(
        &self,
        day: Day,
        parts: u32,
    ) -> BackendResult<Vec<Option<Tally>>> {
        self.check_parts(parts).await?;
        let items = self.part_items(day, parts).await?;
        let read: Vec<(u32, Option<Tally>)> = stream::iter(items)
            .filter(|item| std::future::ready(item.part < parts))
            .map(|item| async move {
                let part = Part {
                    parts,
                    part: item.part,
                };
                Ok::<_, BackendError>((item.part, self.read_copy(day, part, &item).await?))
            })
            .buffer_unordered(COPIES_READ_AT_ONCE)
            .try_collect()
            .await?;
        let mut counts: Vec<Option<Tally>> = vec![None; parts as usize];
        for (part, tally) in read {
            counts[part as usize] = tally;
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(pairs: &[(&str, u64)]) -> Item {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), number(value)))
            .collect()
    }

    fn basis(record: Option<u64>, sharded: Option<u64>, shards: &[u64]) -> PartBasis {
        PartBasis {
            record,
            sharded_writes: sharded,
            shard_writes: shards.to_vec(),
        }
    }

    #[test]
    fn a_part_holds_while_only_writes_to_other_shards_came_after_it() {
        // Counted at version 4: 3 writes placed by visitor, shard 2 touched once, shard 3 never.
        let then = status(&[("change_version", 4), (SHARDED_WRITES, 3), ("sw02", 1)]);
        let counted = basis_of(&then, 2..4, 0);
        assert_eq!(counted, basis(None, Some(3), &[1, 0]));
        // Two writes since, to shards 5 and 7 only: it holds.
        let now = status(&[
            ("change_version", 6),
            (SHARDED_WRITES, 5),
            ("sw02", 1),
            ("sw05", 1),
            ("sw07", 1),
        ]);
        assert!(part_holds(4, &counted, &now, 2..4));
        // One of its shards written since: it does not.
        let touched = status(&[("change_version", 5), (SHARDED_WRITES, 4), ("sw03", 1)]);
        assert!(!part_holds(4, &counted, &touched, 2..4));
        // A change that marked no shard (a lost lease, an older pageviews's write): it does not.
        let unmarked = status(&[("change_version", 5), (SHARDED_WRITES, 3), ("sw02", 1)]);
        assert!(!part_holds(4, &counted, &unmarked, 2..4));
    }

    #[test]
    fn a_part_counted_during_a_write_holds_only_at_its_version_and_a_record_change_ends_it() {
        // A write under way (its window not over): the count claims version 3, not 4.
        let writing = Item::from([
            ("change_version".to_owned(), number(4)),
            (
                "writing".to_owned(),
                AttributeValue::Ss(vec!["w".to_owned()]),
            ),
            ("writing_until".to_owned(), number(i64::MAX / 2)),
        ]);
        let counted = basis_of(&writing, 0..2, 0);
        assert_eq!(counted.sharded_writes, None);
        assert!(!part_holds(3, &counted, &writing, 0..2));
        // Counted with nothing under way, the same day: it holds until the record moves.
        let quiet = status(&[("change_version", 4), ("record_version", 2)]);
        let counted = basis_of(&quiet, 0..2, 0);
        assert!(part_holds(4, &counted, &quiet, 0..2));
        let recorded = status(&[("change_version", 4), ("record_version", 4)]);
        assert!(!part_holds(4, &counted, &recorded, 0..2));
    }

    #[test]
    fn counts_round_trip_through_chunks() {
        let tally = Tally {
            visitors: 7,
            keyless_views: 2,
            ..Tally::default()
        };
        let chunks = encode(&tally).unwrap();
        assert_eq!(chunks.len(), 1);
        assert_eq!(decode(&chunks).unwrap(), tally);
        assert!(decode(&[b"not deflated".to_vec()]).is_err());
    }
}
