//! The raw-events table's item layouts (pure code).
//!
//! **Packed** (what `pageviews` writes): one item per day, shard, message and chunk. The events
//! of one message that fall on one day's shard are sorted by time and packed (`packed.rs`) into
//! items of at most [`PACKED_ITEM_BYTES`]; each item is written once and never appended to. Its
//! key: `pk` = `YYYY-MM-DD#SS`, `sk` = `#`, the message's identity, `#`, the chunk's number. A
//! redelivered message has the same identity and the same events, so it rewrites the same items.
//!
//! A day's shard of an event is a hash of its visitor key (of its id when it has none: see
//! [`Sharding`]), so that every copy of an event lands in one shard, where the count removes
//! duplicates, and every event of a visitor too: each shard's numbers are exact on their own
//! and a day can be counted in parts. Days first written before that are sharded by event id
//! (every copy in one shard, a visitor's events anywhere), and stay so (`marks.rs` decides).
//!
//! **One item per event** (what `pageviews` wrote before): `sk` = page, U+001F, time, U+001F,
//! id, with the visitor key in `v`. Still read, so a deployment upgrades without a migration.
//! A page starts with `/`, so the two layouts' sort keys never meet.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use super::keys::{
    day_of_partition, event_partition, expiry_epoch_seconds, parse_event_sort_key, shard_of,
};
use super::marks::{BY_ID_WRITES, BY_VISITOR_WRITES};
use super::packed::{self, EventView};
use super::DeploymentConfig;
use crate::backend::MessageEvents;
#[cfg(test)]
use crate::backend::RawLayout;
use crate::model::day::Day;
use crate::model::dimension::Observed;
use crate::model::event::Event;

/// DynamoDB's size of a Number of `digits` significant digits; counting every digit as significant is the upper
/// bound (trailing zeros would be trimmed).
pub fn number_bytes(digits: u64) -> u64 {
    digits.max(1).div_ceil(2) + 1
}

pub fn digits(value: u64) -> u64 {
    value.to_string().len() as u64
}

/// A DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// Largest packed item: a whole number of write units (1 KB each, rounded up per item), and
/// more than most messages put on one day's shard, so that the events of a message on a shard
/// are one item (docs/performance.md has the measurements that chose it).
pub const PACKED_ITEM_BYTES: usize = 8 * 1024;
/// Bytes kept free below the size aimed at: DynamoDB sizes numbers approximately.
const MARGIN_BYTES: usize = 8;
/// Digits kept for a chunk's number in the sort key.
const CHUNK_DIGITS: usize = 4;
/// A message identity longer than this is replaced in sort keys by its SHA-256, in hex.
const LONGEST_SOURCE: usize = 128;

/// The packed events attribute.
pub const EVENTS: &str = "e";
/// The visitor key of an item of one event.
pub const VISITOR: &str = "v";
pub const TTL: &str = "ttl";
/// The change version of its day that the write of an item made (`marks.rs`): counts leave out
/// the items of versions the day's record holds.
pub const DAY_VERSION: &str = "dv";
/// Bytes a packed item keeps for its day version: the name and a number of up to 20 digits.
const DAY_VERSION_BYTES: usize = DAY_VERSION.len() + 11;
/// The day version of items written before items carried one: all of them were written before
/// any day's record was made, so every record holds them (a record of version 0, made of rows
/// kept when raw events were deleted before records existed, holds none).
const UNDATED_VERSION: u64 = 1;

/// How a day's raw events are placed on its shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharding {
    /// By a hash of the event's id: days first written before visitors placed events.
    ById,
    /// By a hash of the visitor key (the id for an event without one): every event of one
    /// visitor in one shard, so a shard's numbers are exact on their own.
    ByVisitor,
}

impl Sharding {
    /// The shard of `event` among `shards`.
    pub fn shard_of(self, event: &Event, shards: u32) -> u32 {
        match (self, event.visitor.as_deref()) {
            (Sharding::ByVisitor, Some(visitor)) => shard_of(visitor, shards),
            _ => shard_of(&event.id, shards),
        }
    }

    /// The day item's counter of the events written so.
    pub fn counter(self) -> &'static str {
        match self {
            Sharding::ById => BY_ID_WRITES,
            Sharding::ByVisitor => BY_VISITOR_WRITES,
        }
    }
}

/// The shards of each day that `messages`' events fall in, placed by visitor: what a write
/// marks before its rows (`marks.rs`), whatever the day's sharding turns out to be.
pub fn visitor_shards(
    messages: &[MessageEvents],
    config: &DeploymentConfig,
) -> BTreeMap<Day, BTreeSet<u32>> {
    let mut shards: BTreeMap<Day, BTreeSet<u32>> = BTreeMap::new();
    for event in messages.iter().flat_map(|message| message.events.iter()) {
        let shard = Sharding::ByVisitor.shard_of(event, config.shards);
        shards
            .entry(event.day_in(config.zone))
            .or_default()
            .insert(shard);
    }
    shards
}

/// The items that hold `messages`' events, and how many events each day got. Within a message,
/// an id given twice counts once; a message given twice (the same identity) is written once.
pub struct Packed {
    pub items: Vec<Item>,
    pub per_day: BTreeMap<Day, u64>,
}

/// Packs the events of `messages` into items of at most `item_bytes` bytes, each day's placed
/// on its shards as `sharding` says.
pub fn pack_messages(
    messages: &[MessageEvents],
    config: &DeploymentConfig,
    now: i64,
    item_bytes: usize,
    sharding: impl Fn(Day) -> Sharding,
) -> Packed {
    let mut written = Packed {
        items: Vec::new(),
        per_day: BTreeMap::new(),
    };
    let mut sources = HashSet::new();
    for message in messages {
        let source = source_key(&message.source);
        if !sources.insert(source.clone()) {
            continue;
        }
        for ((day, shard), events) in groups(&message.events, config, &sharding) {
            let partition = event_partition(day, shard);
            let ttl = events
                .iter()
                .map(|event| expiry_epoch_seconds(event, config.zone, config.retention_days, now))
                .max()
                .unwrap_or(now);
            let fixed = fixed_bytes(&partition, &source, ttl);
            let room = item_bytes.saturating_sub(fixed + MARGIN_BYTES);
            for (chunk, blob) in packed::pack(&events, room).into_iter().enumerate() {
                written.items.push(Item::from([
                    ("pk".to_owned(), AttributeValue::S(partition.clone())),
                    (
                        "sk".to_owned(),
                        AttributeValue::S(packed_sort_key(&source, chunk)),
                    ),
                    (TTL.to_owned(), AttributeValue::N(ttl.to_string())),
                    (EVENTS.to_owned(), AttributeValue::B(Blob::new(blob))),
                ]));
            }
            *written.per_day.entry(day).or_default() += events.len() as u64;
        }
    }
    written
}

/// A message's events by day and shard, each group without repeated ids and in time order.
fn groups<'a>(
    events: &'a [Event],
    config: &DeploymentConfig,
    sharding: impl Fn(Day) -> Sharding,
) -> BTreeMap<(Day, u32), Vec<&'a Event>> {
    let mut seen = HashSet::with_capacity(events.len());
    let mut groups: BTreeMap<(Day, u32), Vec<&Event>> = BTreeMap::new();
    for event in events.iter().filter(|event| seen.insert(event.id.as_str())) {
        let day = event.day_in(config.zone);
        let key = (day, sharding(day).shard_of(event, config.shards));
        groups.entry(key).or_default().push(event);
    }
    for group in groups.values_mut() {
        group.sort_by(|a, b| (a.time_ms(), &a.id).cmp(&(b.time_ms(), &b.id)));
    }
    groups
}

/// Bytes an item of at most `item_bytes` keeps for its events (their version and base time
/// included), for a message identity of `source_bytes` and a TTL of 10 digits: what
/// [`pack_messages`] packs to.
pub fn room_for_events(item_bytes: usize, source_bytes: usize) -> usize {
    let fixed = fixed_bytes("YYYY-MM-DD#SS", &"s".repeat(source_bytes), 1_000_000_000);
    item_bytes.saturating_sub(fixed + MARGIN_BYTES)
}

/// What an item takes besides its events: the keys, the TTL, the day version, the events
/// attribute's name.
fn fixed_bytes(partition: &str, source: &str, ttl: i64) -> usize {
    let sort = 1 + source.len() + 1 + CHUNK_DIGITS;
    2 + partition.len() + 2 + sort + TTL.len() + ttl_bytes(ttl) + DAY_VERSION_BYTES + EVENTS.len()
}

/// Stamps each item with the change version its day's mark gave this write (`versions`, by
/// day), once the days are marked.
pub fn stamp_day_versions(items: &mut [Item], versions: &BTreeMap<Day, u64>) {
    for item in items {
        let day = item
            .get("pk")
            .and_then(|pk| pk.as_s().ok())
            .and_then(|pk| day_of_partition(pk));
        if let Some(version) = day.and_then(|day| versions.get(&day)) {
            item.insert(
                DAY_VERSION.to_owned(),
                AttributeValue::N(version.to_string()),
            );
        }
    }
}

/// The change version of its day the write of an item made.
pub fn day_version(item: &Item) -> u64 {
    item.get(DAY_VERSION)
        .and_then(|version| version.as_n().ok()?.parse().ok())
        .unwrap_or(UNDATED_VERSION)
}

fn ttl_bytes(ttl: i64) -> usize {
    number_bytes(digits(ttl.max(0) as u64)) as usize
}

/// The identity of a message as its items' sort keys hold it.
fn source_key(source: &str) -> String {
    if source.len() <= LONGEST_SOURCE {
        return source.to_owned();
    }
    Sha256::digest(source.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Sort key of chunk `chunk` of a message's events on one day's shard: `#<identity>#<chunk>`.
pub fn packed_sort_key(source: &str, chunk: usize) -> String {
    format!("#{source}#{chunk}")
}

/// The layout of a stored item.
#[cfg(test)]
pub fn layout_of(item: &Item) -> RawLayout {
    match item.contains_key(EVENTS) {
        true => RawLayout::Packed,
        false => RawLayout::PerEvent,
    }
}

/// Calls `each` with every event of a stored item, whatever its layout; nothing for an item
/// whose TTL has passed (DynamoDB deletes expired items late, and they are not views any more).
/// Fails for an item that cannot be read.
pub fn each_event(
    item: &Item,
    now: i64,
    mut each: impl FnMut(EventView<'_>),
) -> Result<(), String> {
    let expired = item
        .get(TTL)
        .and_then(|ttl| ttl.as_n().ok()?.parse::<i64>().ok())
        .is_some_and(|ttl| ttl < now);
    if expired {
        return Ok(());
    }
    if let Some(events) = item.get(EVENTS) {
        let bytes = events.as_b().map_err(|_| "its events are not binary")?;
        packed::each_event(bytes.as_ref(), each).map_err(|err| err.to_string())?;
        return Ok(());
    }
    let sort = item.get("sk").and_then(|sk| sk.as_s().ok());
    let Some((page, time_ms, id)) = sort.and_then(|sort| parse_event_sort_key(sort)) else {
        return Err(format!("sort key {sort:?} is neither layout's"));
    };
    let visitor = item.get(VISITOR).and_then(|visitor| visitor.as_s().ok());
    each(EventView {
        id,
        event: Observed {
            page,
            time_ms,
            visitor: visitor.map(String::as_str),
            ..Observed::default()
        },
    });
    Ok(())
}

/// An item's size as DynamoDB bills it: each attribute's name and value (a string or binary
/// its length, a number a byte per two digits plus one), summed.
#[cfg(any(test, feature = "test-support"))]
pub fn item_bytes(item: &Item) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_bytes(value))
        .sum()
}

#[cfg(any(test, feature = "test-support"))]
fn value_bytes(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => {
            let significant = number.trim_start_matches(['-', '0']).replace('.', "");
            number_bytes(significant.trim_end_matches('0').len() as u64) as usize
        }
        AttributeValue::B(blob) => blob.as_ref().len(),
        AttributeValue::Ss(texts) => texts.iter().map(String::len).sum(),
        AttributeValue::L(values) => 3 + values.iter().map(|v| 1 + value_bytes(v)).sum::<usize>(),
        _ => 1,
    }
}

#[cfg(test)]
#[path = "layout_tests.rs"]
mod tests;
