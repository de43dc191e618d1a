//! What the packed layout writes and stores in a day (pure code), as the drain packs: each
//! message's events split over the shards by a hash of their ids (so a shard gets a binomial
//! number of them), each share packed into items of at most 8 KB, each item billed in whole
//! write units. Expected values over that binomial, per message, times the messages of a day.

use super::sizes::{self, MESSAGE_ID_BYTES, PACKED_HEADER_BYTES, STREAM_RECORD_ID_BYTES};
use super::workload::Workload;
use crate::backend::aws::layout::{room_for_events, PACKED_ITEM_BYTES};
use crate::model::event::MAX_MESSAGE_BYTES;

const WRITE_UNIT: u64 = 1024;
/// A drain writes at most this many messages at once (`pipeline::drain`).
const MESSAGES_PER_WRITE: u64 = 250;
const MS_PER_DAY: u64 = 86_400_000;

/// A day of packed writes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PackedDay {
    pub messages: f64,
    /// An event's bytes inside an item.
    pub event_bytes: u64,
    /// Events a full item holds.
    pub events_per_item: u64,
    pub items: f64,
    pub write_units: f64,
    /// The items' sizes, summed (without DynamoDB's 100 bytes a stored item).
    pub bytes: f64,
    /// The drain's writes, each marking its day before and after its rows.
    pub writes: f64,
}

/// Items, write units and bytes of one share of `events` events of a message on one shard,
/// in items named by a message identity of `source_bytes`.
fn share(events: u64, event_bytes: u64, per_item: u64, source_bytes: u64) -> (u64, u64, u64) {
    let size = |n: u64| sizes::packed_item_fixed_bytes_named(source_bytes) + n * event_bytes;
    let (full, rest) = (events / per_item, events % per_item);
    let mut items = full;
    let mut units = full * size(per_item).div_ceil(WRITE_UNIT);
    let mut bytes = full * size(per_item);
    if rest > 0 {
        items += 1;
        units += size(rest).div_ceil(WRITE_UNIT);
        bytes += size(rest);
    }
    (items, units, bytes)
}

/// P(k) of k successes in `n` draws of chance `p`, for every k, computed outward from the
/// most likely k so that nothing underflows.
fn binomial(n: u64, p: f64) -> Vec<f64> {
    let n = n as usize;
    if p >= 1.0 {
        let mut all = vec![0.0; n + 1];
        all[n] = 1.0;
        return all;
    }
    let mode = (((n + 1) as f64 * p).floor() as usize).min(n);
    let mut weights = vec![0.0; n + 1];
    weights[mode] = 1.0;
    let odds = p / (1.0 - p);
    for k in mode..n {
        weights[k + 1] = weights[k] * (n - k) as f64 / (k + 1) as f64 * odds;
    }
    for k in (1..=mode).rev() {
        weights[k - 1] = weights[k] * k as f64 / ((n - k + 1) as f64 * odds);
    }
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| w / total).collect()
}

/// The packed writes of `w`'s day from an SQS queue (items named by message ids).
pub fn packed_day(w: &Workload) -> PackedDay {
    packed_day_named(w, MESSAGE_ID_BYTES)
}

/// The packed writes of `w`'s day from a Kinesis stream: its items are named by shard and
/// sequence number, 41 bytes longer than an SQS message id.
pub fn stream_packed_day(w: &Workload) -> PackedDay {
    packed_day_named(w, STREAM_RECORD_ID_BYTES)
}

fn packed_day_named(w: &Workload, source_bytes: u64) -> PackedDay {
    let per_message = w.events_per_message().min(w.views_per_day).max(1);
    let messages = w.views_per_day as f64 / per_message as f64;
    let event_bytes = w.event_bytes();
    let room = room_for_events(PACKED_ITEM_BYTES, source_bytes as usize) as u64;
    let per_item = ((room - PACKED_HEADER_BYTES) / event_bytes).max(1);
    let (mut items, mut units, mut bytes) = (0.0, 0.0, 0.0);
    for (k, chance) in binomial(per_message, 1.0 / w.shards as f64)
        .into_iter()
        .enumerate()
        .skip(1)
    {
        let (i, u, b) = share(k as u64, event_bytes, per_item, source_bytes);
        items += chance * i as f64;
        units += chance * u as f64;
        bytes += chance * b as f64;
    }
    let shards = w.shards as f64 * messages;
    let body = sizes::message_bytes(per_message, w.wire_bytes(), per_message);
    let per_write = (MAX_MESSAGE_BYTES as u64 / body).clamp(1, MESSAGES_PER_WRITE);
    PackedDay {
        messages,
        event_bytes,
        events_per_item: per_item,
        items: items * shards,
        write_units: units * shards,
        bytes: bytes * shards,
        writes: (messages / per_write as f64).ceil(),
    }
}

/// Milliseconds between consecutive events of one message on one shard, in time order.
pub fn gap_ms(w: &Workload) -> u64 {
    MS_PER_DAY * w.shards / w.views_per_day.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::workload::Workload;

    #[test]
    fn the_binomial_sums_to_one_and_peaks_at_its_mean() {
        let p = binomial(618, 1.0 / 8.0);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        let mean: f64 = p.iter().enumerate().map(|(k, p)| k as f64 * p).sum();
        assert!((mean - 77.25).abs() < 1e-6, "{mean}");
        assert_eq!(binomial(5, 1.0), [0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        // No underflow for a large message over few shards.
        let p = binomial(25_000, 0.5);
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn one_shard_by_hand() {
        // 10,000 events/day on one shard: 8,640 ms apart (a 3-byte gap), events of 68 B; a
        // message holds 485 (134 B on the wire): 20.6186 messages. The room for events is
        // 8,192 - 8 (margin) - 82 (keys with 4 digits for the chunk, TTL, 13 for the day
        // version, name) - 7 (header) = 8,095 B: 119 events an item. 485 = 4 x 119 + 9: four
        // items of 78 + 8,092 B (8 WRU each) and one of 78 + 612 B (1 WRU): 33 WRU, 5 items a
        // message.
        let w = Workload {
            shards: 1,
            ..Workload::default()
        };
        let day = packed_day(&w);
        assert_eq!((day.event_bytes, day.events_per_item), (68, 119));
        let messages = 10_000.0 / 485.0;
        assert!((day.write_units - 33.0 * messages).abs() < 1e-6, "{day:?}");
        assert!((day.items - 5.0 * messages).abs() < 1e-6);
        assert!((day.bytes - (4.0 * 8_170.0 + 690.0) * messages).abs() < 1e-6);
        // 21 messages of 64 KiB, 16 to a write of at most 1 MiB: 2 writes.
        assert_eq!(day.writes, 2.0);
    }

    #[test]
    fn a_share_fills_items_and_rounds_each_up() {
        // 100 events of 68 B, 100 a full item: one item of 78 + 6,800 B = 7 units.
        assert_eq!(share(100, 68, 100, MESSAGE_ID_BYTES), (1, 7, 6_878));
        // 150: a full item (7 units) and one of 78 + 3,400 B (4 units).
        assert_eq!(
            share(150, 68, 100, MESSAGE_ID_BYTES),
            (2, 11, 6_878 + 3_478)
        );
        // Named by a Kinesis record (77 bytes, not 36): 119 + 3,400 B is still 4 units.
        assert_eq!(
            share(150, 68, 100, STREAM_RECORD_ID_BYTES),
            (2, 11, 6_919 + 3_519)
        );
    }
}
