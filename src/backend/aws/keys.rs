//! DynamoDB item keys of the AWS backend (pure code): raw events spread over `day#shard`
//! partitions (the items' layouts are in `layout.rs`), daily rows by day, and the bookkeeping
//! items.

#[cfg(any(test, feature = "test-support"))]
use chrono::SecondsFormat;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::model::day::Day;
use crate::model::event::Event;
use crate::model::expiry::{day_end, expires_at};
use crate::model::zone::Zone;

/// Separates page, time and id in a raw event's sort key. Pages and ids cannot hold control
/// characters, so the separator is unambiguous.
pub const SEPARATOR: char = '\u{1f}';
/// The daily table partition that lists every day's status.
pub const DAYS_PARTITION: &str = "days";
/// The daily table item holding the deployment's settings.
pub const CONFIG_PARTITION: &str = "config";
pub const CONFIG_SORT: &str = "deployment";
/// The daily table partition of the visitor-key salts, one item per day.
pub const SALT_PARTITION: &str = "salt";
/// The daily table partitions of the objects `import` read from S3: this, then the bucket
/// (`imported#my-logs`), one item per object key.
pub const IMPORTED_PARTITION: &str = "imported#";
/// Most shards a day's events can be spread over.
pub const MAX_SHARDS: u32 = 100;

/// Shard of an event: a stable hash of its id, so a redelivered event lands on the same item.
pub fn shard_of(id: &str, shards: u32) -> u32 {
    let digest = Sha256::digest(id.as_bytes());
    let head = u64::from_be_bytes(digest[..8].try_into().expect("8 bytes"));
    (head % u64::from(shards.max(1))) as u32
}

/// Partition key of one shard of one day: `2021-03-13#07`.
pub fn event_partition(day: Day, shard: u32) -> String {
    format!("{day}#{shard:02}")
}

/// The day of an events partition key.
pub fn day_of_partition(partition: &str) -> Option<Day> {
    let (day, _shard) = partition.split_once('#')?;
    Day::parse(day).ok()
}

/// Sort key of an item of one event (the layout written before packed items, still read):
/// page, time (fixed-width RFC 3339, so it sorts by time) and id.
#[cfg(any(test, feature = "test-support"))]
pub fn event_sort_key(event: &Event) -> String {
    format!(
        "{}{SEPARATOR}{}{SEPARATOR}{}",
        event.page,
        event.time.to_rfc3339_opts(SecondsFormat::Millis, true),
        event.id
    )
}

/// Page, time (ms since the epoch) and id from an item of one event's sort key; `None` for a
/// key of another kind.
pub fn parse_event_sort_key(key: &str) -> Option<(&str, i64, &str)> {
    let mut parts = key.splitn(3, SEPARATOR);
    let page = parts.next()?;
    let time = DateTime::parse_from_rfc3339(parts.next()?).ok()?;
    let id = parts.next()?;
    Some((page, time.with_timezone(&Utc).timestamp_millis(), id))
}

/// When DynamoDB may expire the event, in epoch seconds: the retention counted from the end of
/// its day in `zone` (when the day can be counted), or from `now` for an event written later
/// (a late event, a backfill), so that none expires before its day could be counted.
pub fn expiry_epoch_seconds(event: &Event, zone: Zone, retention_days: u32, now: i64) -> i64 {
    expires_at(day_end(zone, event.day_in(zone)), now, retention_days)
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_longest_page_and_id_fit_dynamodbs_sort_key_limit() {
        use crate::model::event::{MAX_ID_BYTES, MAX_PAGE_BYTES};
        let event = Event {
            id: "i".repeat(MAX_ID_BYTES),
            page: format!("/{}", "p".repeat(MAX_PAGE_BYTES - 1)),
            time: "9999-12-31T23:59:59.999Z".parse().unwrap(),
            ..Default::default()
        };
        assert!(event_sort_key(&event).len() <= 1024);
    }
    use super::*;
    use crate::model::fixtures::event;

    #[test]
    fn shards_are_stable_and_spread() {
        assert_eq!(shard_of("abc", 8), shard_of("abc", 8));
        assert_eq!(shard_of("abc", 1), 0);
        let mut counts = [0u32; 8];
        for i in 0..8_000 {
            counts[shard_of(&format!("id-{i}"), 8) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn sort_keys_round_trip_and_order_by_time() {
        let early = event("x", "/a#b", "2021-03-13T01:02:03Z");
        let late = event("y", "/a#b", "2021-03-13T01:02:03.5+00:00");
        let key = event_sort_key(&early);
        assert_eq!(key, "/a#b\u{1f}2021-03-13T01:02:03.000Z\u{1f}x");
        assert_eq!(
            parse_event_sort_key(&key),
            Some(("/a#b", early.time_ms(), "x"))
        );
        assert!(event_sort_key(&early) < event_sort_key(&late));
        assert_eq!(parse_event_sort_key("garbage"), None);
        assert_eq!(
            event_partition(early.day_in(crate::model::zone::Zone::UTC), 7),
            "2021-03-13#07".to_owned()
        );
    }

    #[test]
    fn expiry_counts_from_the_end_of_the_events_day_or_now_for_later_writes() {
        let e = event("x", "/", "2021-03-13T00:00:00Z");
        let then = e.time.timestamp();
        let day_end = then + 86_400;
        let utc = crate::model::zone::Zone::UTC;
        assert_eq!(
            expiry_epoch_seconds(&e, utc, 400, then + 5),
            day_end + 400 * 86_400
        );
        assert_eq!(
            expiry_epoch_seconds(&e, utc, 400, day_end + 99),
            day_end + 99 + 400 * 86_400
        );
        // The day of Berlin's zone ends an hour earlier.
        let berlin = crate::model::fixtures::berlin();
        assert_eq!(
            expiry_epoch_seconds(&e, berlin, 1, then),
            day_end - 3600 + 86_400
        );
        assert_eq!(day_of_partition("2021-03-13#07"), Some(e.day_in(utc)));
        assert_eq!(day_of_partition("config"), None);
    }
}
