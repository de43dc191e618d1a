//! The raw-events table's item layouts (pure code).
//!
//! **Packed** (what `pageviews` writes): one item per day, shard, message and chunk. The events
//! of one message that fall on one day's shard are sorted by time and packed (`packed.rs`) into
//! items of at most [`PACKED_ITEM_BYTES`]; each item is written once and never appended to. Its
//! key: `pk` = `YYYY-MM-DD#SS` as before (the shard is still a hash of each event's id, so every
//! copy of an event lands in the same shard, where the count removes duplicates), `sk` = `#`,
//! the message's identity, `#`, the chunk's number. A redelivered message has the same identity
//! and the same events, so it rewrites the same items.
//!
//! **One item per event** (what `pageviews` wrote before): `sk` = page, U+001F, time, U+001F,
//! id, with the visitor key in `v`. Still read, so a deployment upgrades without a migration.
//! A page starts with `/`, so the two layouts' sort keys never meet.

use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};

use super::keys::{
    day_of_partition, event_partition, expiry_epoch_seconds, parse_event_sort_key, shard_of,
};
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

/// The items that hold `messages`' events, and how many events each day got. Within a message,
/// an id given twice counts once; a message given twice (the same identity) is written once.
pub struct Packed {
    pub items: Vec<Item>,
    pub per_day: BTreeMap<Day, u64>,
}

/// Packs the events of `messages` into items of at most `item_bytes` bytes.
pub fn pack_messages(
    messages: &[MessageEvents],
    config: &DeploymentConfig,
    now: i64,
    item_bytes: usize,
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
        for ((day, shard), events) in groups(&message.events, config) {
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
) -> BTreeMap<(Day, u32), Vec<&'a Event>> {
    let mut seen = HashSet::with_capacity(events.len());
    let mut groups: BTreeMap<(Day, u32), Vec<&Event>> = BTreeMap::new();
    for event in events.iter().filter(|event| seen.insert(event.id.as_str())) {
        let key = (
            event.day_in(config.zone),
            shard_of(&event.id, config.shards),
        );
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
mod tests {
    use super::*;
    use crate::model::fixtures::event;
    use crate::model::zone::Zone;

    fn config(shards: u32) -> DeploymentConfig {
        DeploymentConfig {
            shards,
            retention_days: 400,
            zone: Zone::UTC,
        }
    }

    fn message(source: &str, events: Vec<Event>) -> MessageEvents {
        MessageEvents {
            source: source.into(),
            events: events.into(),
        }
    }

    fn read(items: &[Item]) -> Vec<String> {
        let mut ids = Vec::new();
        for item in items {
            each_event(item, 0, |view| ids.push(view.id.to_owned())).unwrap();
        }
        ids.sort();
        ids
    }

    #[test]
    fn a_message_is_items_per_day_and_shard_each_within_its_size() {
        let events: Vec<Event> = (0..600)
            .map(|i| {
                let day = if i % 3 == 0 { 13 } else { 14 };
                let time = format!("2021-03-{day}T{:02}:{:02}:00Z", i / 60 % 24, i % 60);
                event(&format!("0000000000000001-{i}"), "/posts/some-post", &time)
            })
            .collect();
        let packed = pack_messages(&[message("m-1", events.clone())], &config(4), 0, 2048);
        assert!(packed
            .items
            .iter()
            .all(|item| item_bytes(item) <= 2048 - MARGIN_BYTES));
        // Every day's shard got its own items; a few of them hold the rest of a shard.
        let partitions: HashSet<&str> = packed
            .items
            .iter()
            .map(|item| item["pk"].as_s().unwrap().as_str())
            .collect();
        assert_eq!(partitions.len(), 8);
        assert!(packed.items.len() < 8 + 600 * 40 / 2000 + 8);
        let days: Vec<(String, u64)> = packed
            .per_day
            .iter()
            .map(|(d, n)| (d.to_string(), *n))
            .collect();
        assert_eq!(
            days,
            [("2021-03-13".into(), 200), ("2021-03-14".into(), 400)]
        );
        let mut expected: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
        expected.sort();
        assert_eq!(read(&packed.items), expected);
        assert!(packed
            .items
            .iter()
            .all(|item| layout_of(item) == RawLayout::Packed));
    }

    #[test]
    fn the_same_message_packs_the_same_items_and_counts_once_in_one_write() {
        let events = vec![
            event("a", "/x", "2021-03-13T01:00:00Z"),
            event("b", "/x", "2021-03-13T02:00:00Z"),
            event("a", "/x", "2021-03-13T01:00:00Z"),
        ];
        let once = pack_messages(&[message("m", events.clone())], &config(1), 0, 8192);
        let twice = pack_messages(
            &[message("m", events.clone()), message("m", events)],
            &config(1),
            0,
            8192,
        );
        assert_eq!(
            once.items, twice.items,
            "a redelivery rewrites the same items"
        );
        assert_eq!(read(&once.items), ["a", "b"]);
        assert_eq!(once.per_day.values().sum::<u64>(), 2);
        let sk = once.items[0]["sk"].as_s().unwrap();
        assert_eq!(sk, "#m#0");
        let long = "x".repeat(500);
        let packed = pack_messages(
            &[message(
                &long,
                vec![event("a", "/", "2021-03-13T00:00:00Z")],
            )],
            &config(1),
            0,
            8192,
        );
        assert_eq!(packed.items[0]["sk"].as_s().unwrap().len(), 1 + 64 + 2);
    }

    #[test]
    fn items_of_one_event_are_still_read_and_expired_items_are_not() {
        let old = Item::from([
            ("pk".to_owned(), AttributeValue::S("2021-03-13#00".into())),
            (
                "sk".to_owned(),
                AttributeValue::S("/a\u{1f}2021-03-13T01:02:03.000Z\u{1f}id-1".into()),
            ),
            (TTL.to_owned(), AttributeValue::N("2000".into())),
            (VISITOR.to_owned(), AttributeValue::S("00ff".into())),
        ]);
        assert_eq!(layout_of(&old), RawLayout::PerEvent);
        let mut seen = Vec::new();
        each_event(&old, 1000, |view| {
            seen.push((
                view.id.to_owned(),
                view.event.page.to_owned(),
                view.event.visitor.map(str::to_owned),
            ))
        })
        .unwrap();
        assert_eq!(seen, [("id-1".into(), "/a".into(), Some("00ff".into()))]);
        let mut none = 0;
        each_event(&old, 2001, |_| none += 1).unwrap();
        assert_eq!(none, 0, "expired");
        let broken = Item::from([("sk".to_owned(), AttributeValue::S("garbage".into()))]);
        assert!(each_event(&broken, 0, |_| {}).is_err());
    }

    #[test]
    fn sizes_are_dynamodbs() {
        let item = Item::from([
            ("pk".to_owned(), AttributeValue::S("2021-03-13#07".into())),
            ("ttl".to_owned(), AttributeValue::N("1650000000".into())),
            ("e".to_owned(), AttributeValue::B(Blob::new(vec![0; 100]))),
        ]);
        // pk 2 + 13, ttl 3 + (3 significant digits, "165": 2 + 1), e 1 + 100.
        assert_eq!(item_bytes(&item), 15 + 6 + 101);
        // The keys, the TTL, room for a day version of 20 digits (2 + 11), the events' name.
        assert_eq!(
            fixed_bytes("2021-03-13#07", "m", 1_650_000_000),
            15 + 2 + 1 + 1 + 1 + 4 + 3 + 6 + 13 + 1
        );
        let mut stamped = item.clone();
        stamp_day_versions(
            std::slice::from_mut(&mut stamped),
            &BTreeMap::from([(crate::model::fixtures::day("2021-03-13"), u64::MAX)]),
        );
        assert_eq!(day_version(&stamped), u64::MAX);
        assert_eq!(item_bytes(&stamped), item_bytes(&item) + DAY_VERSION_BYTES);
        assert_eq!(day_version(&item), UNDATED_VERSION);
    }
}
