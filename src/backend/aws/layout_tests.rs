//! Tests of the raw-events table's item layouts.

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

fn by_visitor(_: Day) -> Sharding {
    Sharding::ByVisitor
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
    let packed = pack_messages(
        &[message("m-1", events.clone())],
        &config(4),
        0,
        2048,
        by_visitor,
    );
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
fn placed_by_visitor_a_visitors_events_share_a_shard_and_copies_always_do() {
    let view = |id: &str, visitor: Option<&str>| Event {
        visitor: visitor.map(str::to_owned),
        ..event(id, "/", "2021-03-13T01:00:00Z")
    };
    let shards = |sharding: Sharding, visitor: Option<&str>| -> HashSet<u32> {
        (0..200)
            .map(|n| sharding.shard_of(&view(&format!("id-{n}"), visitor), 8))
            .collect()
    };
    assert_eq!(
        shards(Sharding::ByVisitor, Some("0123456789abcdef")).len(),
        1
    );
    assert_eq!(shards(Sharding::ById, Some("0123456789abcdef")).len(), 8);
    assert_eq!(shards(Sharding::ByVisitor, None).len(), 8, "no key: by id");
    let keyless = view("id-1", None);
    assert_eq!(
        Sharding::ByVisitor.shard_of(&keyless, 8),
        Sharding::ById.shard_of(&keyless, 8)
    );
    assert_eq!(Sharding::ById.counter(), "packed");
    assert_eq!(Sharding::ByVisitor.counter(), "by_visitor");
}

#[test]
fn the_same_message_packs_the_same_items_and_counts_once_in_one_write() {
    let events = vec![
        event("a", "/x", "2021-03-13T01:00:00Z"),
        event("b", "/x", "2021-03-13T02:00:00Z"),
        event("a", "/x", "2021-03-13T01:00:00Z"),
    ];
    let once = pack_messages(
        &[message("m", events.clone())],
        &config(1),
        0,
        8192,
        by_visitor,
    );
    let twice = pack_messages(
        &[message("m", events.clone()), message("m", events)],
        &config(1),
        0,
        8192,
        by_visitor,
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
        by_visitor,
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
