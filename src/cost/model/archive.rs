//! `pageviews archive` to S3 (`cost --raw-retention-days N --archive s3`): each day, once
//! older than N days, is read from DynamoDB, written to S3 as one gzipped file and a manifest,
//! read back, and its raw items deleted; S3 keeps it until the retention ends.

use super::dynamodb::{query_read_units, tenths};
use super::pricing::{Counted, Daily, Pricing};
use super::GB;
use crate::backend::aws::s3::PART_BYTES;
use crate::cost::fmt::{count, gb};
use crate::cost::items::LineItem;
use crate::cost::packing::PackedDay;
use crate::cost::prices::PriceKey::{DynamodbRead, DynamodbWrite, S3Get, S3Put, S3Storage};
use crate::cost::workload::Workload;

/// PUT-class requests a day archived takes: the file (in one PutObject, or a multipart
/// upload: its creation, each part, its completion) and the manifest.
fn puts_per_day(file_bytes: u64) -> u64 {
    let parts = file_bytes.div_ceil(PART_BYTES as u64).max(1);
    let file = if parts == 1 { 1 } else { parts + 2 };
    file + 1
}

/// GET-class requests a day archived takes: the manifest read before it is written, read
/// back to verify, and the file's size (HEAD).
const GETS_PER_DAY: u64 = 3;

pub(super) fn note(w: &Workload) -> String {
    format!(
        "Raw events older than {} days are archived to S3 Standard (`pageviews archive`) and \
         kept there until {} days; archived events are priced at {} B each (gzipped NDJSON, \
         --archive-event-bytes).",
        w.raw_days(),
        w.retention_days,
        w.archive_event_bytes
    )
}

pub(super) fn items(p: &Pricing, packed: &PackedDay) -> Vec<LineItem> {
    let w = p.workload;
    let file_bytes = w.views_per_day * w.archive_event_bytes;
    vec![
        reads_item(p, packed),
        deletes_item(p, packed),
        requests_item(
            p,
            "S3 archive PUT requests",
            puts_per_day(file_bytes),
            S3Put,
        ),
        requests_item(p, "S3 archive GET requests", GETS_PER_DAY, S3Get),
        storage_item(p, file_bytes),
    ]
}

/// Each archived day's shards are read once, whole, strongly consistent.
fn reads_item(p: &Pricing, packed: &PackedDay) -> LineItem {
    let w = p.workload;
    let bytes = (packed.bytes / w.shards as f64).ceil() as u64;
    let units = query_read_units(bytes, false);
    let day = Daily::new(w.shards as f64 * units, "RRU");
    let working = format!(
        "{} shard queries/day x {} RRU ({} B a shard, strongly consistent) {}",
        w.shards,
        count(units),
        count(bytes as f64),
        day.day_to_month(),
    );
    p.item("DynamoDB archive reads", day, DynamodbRead, working)
}

/// A delete is billed as a write of the item deleted: its size in 1 KB units.
fn deletes_item(p: &Pricing, packed: &PackedDay) -> LineItem {
    let day = Daily::new(packed.write_units, "WRU");
    let working = format!(
        "{} items/day deleted, each billed as its write {}",
        count(tenths(packed.items)),
        day.day_to_month(),
    );
    p.item("DynamoDB archive deletes", day, DynamodbWrite, working)
}

fn requests_item(
    p: &Pricing,
    component: &str,
    per_day: u64,
    key: crate::cost::prices::PriceKey,
) -> LineItem {
    let day = Daily::new(per_day as f64, "requests");
    let working = format!("{per_day} a day archived {}", day.day_to_month());
    p.item(component, day, key, working)
}

/// The steady state: every day between the raw retention and the retention is on S3.
fn storage_item(p: &Pricing, file_bytes: u64) -> LineItem {
    let w = p.workload;
    let days = w.retention_days.saturating_sub(w.raw_days());
    let stored_gb = (file_bytes * days) as f64 / GB;
    let working = format!(
        "{} events/day x {} B x {days} days = {} GB",
        count(w.views_per_day as f64),
        w.archive_event_bytes,
        gb(stored_gb),
    );
    p.item(
        "S3 archive storage",
        Counted::from(stored_gb),
        S3Storage,
        working,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_is_one_put_and_the_manifest_unless_it_takes_parts() {
        assert_eq!(puts_per_day(1), 2);
        assert_eq!(puts_per_day(PART_BYTES as u64), 2);
        // Three parts: create, three parts, complete, and the manifest.
        assert_eq!(puts_per_day(2 * PART_BYTES as u64 + 1), 6);
    }
}
