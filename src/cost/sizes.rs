//! Byte sizes the bill depends on: DynamoDB items, queue messages, Timestream records.
//!
//! DynamoDB sizes follow the developer guide ("DynamoDB item sizes and formats"): an attribute is
//! its UTF-8 name plus its value; a String is its UTF-8 length; a Number is about one byte per two
//! significant digits plus one; a List is 3 bytes plus, per element, 1 byte and the element.

pub use crate::backend::aws::layout::{digits, number_bytes};
use crate::backend::aws::packed::{self, Visitor};
use crate::pipeline::send::MESSAGE_BYTES;

/// "YYYY-MM-DDTHH:MM:SS.mmmZ": how events carry their time on the wire and in the raw key.
pub const TIME_BYTES: u64 = 24;
/// "YYYY-MM-DD".
pub const DAY_BYTES: u64 = 10;
/// "YYYY-MM-DD#SS": day and two-digit shard.
pub const RAW_PK_BYTES: u64 = DAY_BYTES + 3;
/// Epoch seconds have 10 digits until 2286.
pub const TTL_DIGITS: u64 = 10;
/// A packed item's TTL is a midnight plus whole days (a retention after its day ends), a
/// multiple of 86,400 seconds: its last two digits are zeros, which DynamoDB does not count.
pub const PACKED_TTL_DIGITS: u64 = TTL_DIGITS - 2;
/// A day's change version, which every packed item carries: one more per write of the day,
/// five digits for a day of up to 99,999 writes.
pub const DAY_VERSION_DIGITS: u64 = 5;
/// DynamoDB bills storage per item as its size plus 100 bytes of index overhead.
pub const DYNAMODB_ITEM_OVERHEAD: u64 = 100;

/// An SQS message id, a UUID: what names a message's packed items.
pub const MESSAGE_ID_BYTES: u64 = 36;
/// A Kinesis record's name in its packed items: the shard id ("shardId-" and 12 digits), ":"
/// and the record's sequence number (56 digits as Kinesis writes them).
pub const STREAM_RECORD_ID_BYTES: u64 = 20 + 1 + 56;
/// A packed item's version and base time (6 bytes of varint for a time in milliseconds
/// between 2004 and 2039).
pub const PACKED_HEADER_BYTES: u64 = 7;

/// An item of one event, the layout written before packed items: `pk` "YYYY-MM-DD#SS", `sk`
/// page + U+001F + time + U+001F + id, `ttl` N.
#[cfg(any(test, feature = "test-support"))]
pub fn raw_item_bytes(page_bytes: u64, id_bytes: u64) -> u64 {
    let pk = 2 + RAW_PK_BYTES;
    let sk = 2 + page_bytes + 1 + TIME_BYTES + 1 + id_bytes;
    let ttl = 3 + number_bytes(TTL_DIGITS);
    pk + sk + ttl
}

/// What a packed item takes besides its events: `pk` "YYYY-MM-DD#SS", `sk` "#" + message id +
/// "#" + chunk (one digit), `ttl` N, `dv` N (its day's version), `e` (the name) and the events'
/// header.
pub fn packed_item_fixed_bytes() -> u64 {
    packed_item_fixed_bytes_named(MESSAGE_ID_BYTES)
}

/// [`packed_item_fixed_bytes`] for items named by a message identity of `source_bytes`.
pub fn packed_item_fixed_bytes_named(source_bytes: u64) -> u64 {
    let pk = 2 + RAW_PK_BYTES;
    let sk = 2 + 1 + source_bytes + 1 + 1;
    let ttl = 3 + number_bytes(PACKED_TTL_DIGITS);
    let day_version = 2 + number_bytes(DAY_VERSION_DIGITS);
    pk + sk + ttl + day_version + 1 + PACKED_HEADER_BYTES
}

/// An event inside a packed item, `gap_ms` after the one before it: the gap, the id, the
/// page and the visitor key (`visitor_bytes` of them, 0 for none; an even number of them is
/// taken for lowercase hex, as the collector's keys are, and stored in half).
pub fn packed_event_bytes(page_bytes: u64, id_bytes: u64, visitor_bytes: u64, gap_ms: u64) -> u64 {
    let visitor = match visitor_bytes {
        0 => Visitor::None,
        even if even % 2 == 0 => Visitor::Hex(even as usize),
        odd => Visitor::Text(odd as usize),
    };
    packed::event_bytes(
        page_bytes as usize,
        id_bytes as usize,
        visitor,
        gap_ms.min(i64::MAX as u64) as i64,
    ) as u64
}

/// One daily row: `pk` day, `sk` page, `views` N, `hours` a List of 24 N, sized for the mean
/// views of a page per day and per hour.
pub fn daily_item_bytes(page_bytes: u64, views_per_page: u64) -> u64 {
    let per_hour = views_per_page.div_ceil(24);
    let pk = 2 + DAY_BYTES;
    let sk = 2 + page_bytes;
    let views = 5 + number_bytes(digits(views_per_page));
    let hours = 5 + 3 + 24 * (1 + number_bytes(digits(per_hour)));
    pk + sk + views + hours
}

/// `{"id":"…","page":"…","time":"…","visitor":"…"}` as `Event::to_json` writes it (no
/// escaping needed for ordinary paths and ids; no visitor when `visitor_bytes` is 0).
pub fn wire_event_bytes(page_bytes: u64, id_bytes: u64, visitor_bytes: u64) -> u64 {
    let punctuation = r#"{"id":"","page":"","time":""}"#.len() as u64;
    // `,"visitor":` and the value's quotes.
    let visitor = match visitor_bytes {
        0 => 0,
        n => r#","visitor":"#.len() as u64 + 2 + n,
    };
    punctuation + id_bytes + page_bytes + TIME_BYTES + visitor
}

/// Events `send` packs into one message: `[e,e,…,e]` kept within one 64 KiB billing chunk.
pub fn packed_events_per_message(wire_bytes: u64) -> u64 {
    ((MESSAGE_BYTES as u64 - 1) / (wire_bytes + 1)).max(1)
}

/// Body of a message of `events` events; a message of one event sent alone has no brackets.
pub fn message_bytes(events: u64, wire_bytes: u64, events_per_message: u64) -> u64 {
    if events_per_message == 1 {
        wire_bytes
    } else {
        events * (wire_bytes + 1) + 1
    }
}

/// Timestream measure shared by every record ("views" = 1, BIGINT), sent once per request as
/// CommonAttributes.
pub const TIMESTREAM_MEASURE_NAME_BYTES: u64 = 5;
pub const TIMESTREAM_BIGINT_BYTES: u64 = 8;
pub const TIMESTREAM_TIME_BYTES: u64 = 8;

/// What each record adds to a WriteRecords request: its time and its dimensions `page`, `id`
/// (the id keeps two views of a page in the same millisecond apart) and, when views carry one,
/// `visitor`.
pub fn timestream_record_write_bytes(page_bytes: u64, id_bytes: u64, visitor_bytes: u64) -> u64 {
    let visitor = match visitor_bytes {
        0 => 0,
        n => 7 + n,
    };
    TIMESTREAM_TIME_BYTES + (4 + page_bytes) + (2 + id_bytes) + visitor
}

/// What the common attributes add to each request, once.
pub fn timestream_common_bytes() -> u64 {
    TIMESTREAM_MEASURE_NAME_BYTES + TIMESTREAM_BIGINT_BYTES
}

/// What one record occupies in the memory and magnetic stores: every part, since storage
/// keeps each record whole.
pub fn timestream_record_storage_bytes(page_bytes: u64, id_bytes: u64, visitor_bytes: u64) -> u64 {
    timestream_record_write_bytes(page_bytes, id_bytes, visitor_bytes) + timestream_common_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::{Event, Packer};
    use chrono::{DateTime, Utc};

    fn event(page_bytes: usize, id_bytes: usize, index: u64) -> Event {
        Event {
            id: format!("{:0>width$}", index, width = id_bytes),
            page: format!("/{}", "p".repeat(page_bytes - 1)),
            time: DateTime::parse_from_rfc3339("2021-03-13T12:34:56.789Z")
                .unwrap()
                .with_timezone(&Utc),
            ..Default::default()
        }
    }

    #[test]
    fn numbers_take_a_byte_per_two_digits_plus_one() {
        assert_eq!(number_bytes(1), 2);
        assert_eq!(number_bytes(2), 2);
        assert_eq!(number_bytes(3), 3);
        assert_eq!(number_bytes(10), 6);
        assert_eq!(digits(0), 1);
        assert_eq!(digits(417), 3);
    }

    #[test]
    fn raw_item_of_default_sizes() {
        // pk: 2 + 13 = 15; sk: 2 + 30 + 1 + 24 + 1 + 22 = 80; ttl: 3 + (10/2 + 1) = 9.
        assert_eq!(raw_item_bytes(30, 22), 104);
        // Items stay within one write unit (1 KB) until page + id reach 972 bytes.
        assert_eq!(raw_item_bytes(950, 22), 1024);
    }

    #[test]
    fn daily_item_of_default_sizes() {
        // 10,000 views over 100 pages: 100 a page (3 digits: 3 bytes), 5 an hour (2 bytes).
        // pk 12 + sk 32 + views (5 + 3) + hours (5 + 3 + 24 * (1 + 2)) = 132.
        assert_eq!(daily_item_bytes(30, 100), 132);
        // 1,000,000 views over 100 pages: 10,000 a page (5 digits: 4 bytes), 417 an hour
        // (3 digits: 3 bytes): 12 + 32 + 9 + 5 + 3 + 24 * 4 = 157.
        assert_eq!(daily_item_bytes(30, 10_000), 157);
    }

    #[test]
    fn wire_size_matches_what_send_encodes() {
        for (page, id) in [(30, 22), (14, 22), (1, 1), (100, 40)] {
            let encoded = event(page, id, 7).to_json();
            assert_eq!(
                wire_event_bytes(page as u64, id as u64, 0),
                encoded.len() as u64,
                "{encoded}"
            );
            let keyed = Event {
                visitor: Some("00ff17a9c3d2e4b5".into()),
                ..event(page, id, 7)
            };
            assert_eq!(
                wire_event_bytes(page as u64, id as u64, 16),
                keyed.to_json().len() as u64
            );
        }
        assert_eq!(wire_event_bytes(30, 22, 0), 105);
        assert_eq!(wire_event_bytes(30, 22, 16), 134);
    }

    #[test]
    fn packed_sizes_match_the_items_written() {
        use crate::backend::aws::layout::{
            item_bytes, pack_messages, stamp_day_versions, PACKED_ITEM_BYTES,
        };
        use crate::backend::aws::DeploymentConfig;
        use crate::backend::MessageEvents;
        // One event alone in its item, as the drain writes it for a message of an SQS id.
        let keyed = Event {
            visitor: Some("00ff17a9c3d2e4b5".into()),
            ..event(30, 22, 7)
        };
        let message = MessageEvents {
            source: "3f0a1e52-7c1e-4a6b-9a7e-0c2d5e8f1a2b".into(),
            events: vec![keyed].into(),
        };
        // A retention whose TTL, 2022-04-20 00:00 UTC, has 8 significant digits (1650326400).
        let config = DeploymentConfig {
            shards: 8,
            retention_days: 401,
            zone: crate::model::zone::Zone::UTC,
        };
        let now = 1_615_600_000;
        let by_visitor = |_| crate::backend::aws::layout::Sharding::ByVisitor;
        let mut items =
            pack_messages(&[message], &config, now, PACKED_ITEM_BYTES, by_visitor).items;
        let day = crate::model::day::Day::parse("2021-03-13").unwrap();
        stamp_day_versions(
            &mut items,
            &std::collections::BTreeMap::from([(day, 12_345)]),
        );
        // The first event of an item is 0 ms after the base time: a gap of one byte.
        let expected = packed_item_fixed_bytes() + packed_event_bytes(30, 22, 16, 0);
        assert_eq!(item_bytes(&items[0]) as u64, expected);
        // pk 15 + sk 41 + ttl 8 + dv 6 + e 1 + header 7 = 78; gap 1 + id 23 + page 31 + key 10
        // + end 1.
        assert_eq!(
            (packed_item_fixed_bytes(), packed_event_bytes(30, 22, 16, 0)),
            (78, 66)
        );
        assert_eq!(packed_event_bytes(30, 22, 16, 70_000), 68);
        assert_eq!(packed_event_bytes(30, 22, 0, 70_000), 58);
    }

    #[test]
    fn packing_matches_the_packer() {
        // 65,535 / 106 = 618.2: 618 events, a body of 618 * 106 + 1 = 65,509 bytes.
        assert_eq!(packed_events_per_message(105), 618);
        assert_eq!(message_bytes(618, 105, 618), 65_509);
        for (page, id) in [(30, 22), (14, 22), (200, 40)] {
            let wire = wire_event_bytes(page, id, 0);
            let expected = packed_events_per_message(wire);
            let mut packer = Packer::new(MESSAGE_BYTES, usize::MAX);
            let mut first = None;
            for index in 0..=expected {
                if let Some(body) = packer.push(&event(page as usize, id as usize, index)) {
                    first.get_or_insert(body);
                }
            }
            let body = first.expect("one message is full");
            assert_eq!(body.matches("\"id\"").count() as u64, expected);
            assert_eq!(body.len() as u64, message_bytes(expected, wire, expected));
        }
    }

    #[test]
    fn timestream_record_sizes() {
        // Write: time 8 + ("page" 4 + 30) + ("id" 2 + 22) = 66; common: "views" 5 + BIGINT 8.
        assert_eq!(timestream_record_write_bytes(30, 22, 0), 66);
        assert_eq!(timestream_common_bytes(), 13);
        assert_eq!(timestream_record_storage_bytes(30, 22, 0), 79);
        // With a visitor dimension: + "visitor" 7 + 16.
        assert_eq!(timestream_record_write_bytes(30, 22, 16), 89);
        assert_eq!(timestream_record_storage_bytes(30, 22, 16), 102);
    }
}
