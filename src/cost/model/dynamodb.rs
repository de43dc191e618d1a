//! DynamoDB on-demand: the raw events of the option the `aws` backend is built for, and the
//! daily table and its reports in every option.

use super::pricing::{Counted, Daily, Pricing};
use super::{sqs_item, GB};
use crate::cost::fmt::{count, gb};
use crate::cost::items::{LineItem, PipelineOption};
use crate::cost::packing::{packed_day, PackedDay};
use crate::cost::prices::PriceKey::{DynamodbRead, DynamodbStorage, DynamodbWrite};
use crate::cost::sizes::DYNAMODB_ITEM_OVERHEAD;
use crate::cost::workload::Workload;

const WRITE_UNIT: u64 = 1024;
const READ_UNIT: u64 = 4096;

pub(super) fn option(p: &Pricing) -> PipelineOption {
    pipeline(p, "DynamoDB", vec![sqs_item(p)], &packed_day(p.workload))
}

/// Raw events in DynamoDB behind the queue whose `queue` items are given: `packed` is what
/// the drain writes from that queue's messages.
pub(super) fn pipeline(
    p: &Pricing,
    name: &str,
    queue: Vec<LineItem>,
    packed: &PackedDay,
) -> PipelineOption {
    let w = p.workload;
    let mut items = queue;
    items.extend([
        raw_writes_item(p, packed),
        aggregation_reads_item(p, packed),
        daily_writes_item(p),
        report_reads_item(p),
        storage_item(
            p,
            "DynamoDB storage (raw events + daily rows)",
            Some(packed),
        ),
    ]);
    let mut notes = vec![
        match w.archive {
            None => format!(
                "Raw events expire through TTL after {} days; TTL deletes are free.",
                w.raw_days()
            ),
            Some(_) => format!(
                "Raw events are deleted by `archive` after {} days, each delete billed as a \
                 write (the deployment's TTL, --retention-days at init, must be longer, or \
                 they expire unarchived).",
                w.raw_days()
            ),
        },
        "Raw events are packed, as init's deployments write them: the events of a message on \
         one day's shard share items of at most 8 KB, each billed in whole 1 KB write units, \
         written in BatchWriteItem calls of 25 items."
            .into(),
    ];
    if w.archive.is_some() {
        items.extend(super::archive::items(p, packed));
        notes.push(super::archive::note(w));
    }
    PipelineOption {
        name: name.into(),
        items,
        notes,
    }
}

/// `value` to a tenth, as the working shows expected counts.
pub(super) fn tenths(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Read units of one Query returning `bytes`: whole 4 KB units, at least one; eventually
/// consistent reads cost half.
pub(super) fn query_read_units(bytes: u64, eventually_consistent: bool) -> f64 {
    let units = bytes.div_ceil(READ_UNIT).max(1) as f64;
    if eventually_consistent {
        units / 2.0
    } else {
        units
    }
}

fn consistency_text(w: &Workload) -> &'static str {
    if w.eventually_consistent {
        "eventually consistent: half"
    } else {
        "strongly consistent"
    }
}

fn raw_writes_item(p: &Pricing, packed: &PackedDay) -> LineItem {
    let w = p.workload;
    // Each write of the drain marks its day before and after its rows (an item under 1 KB).
    let marks = 2.0 * packed.writes;
    let day = Daily::new(packed.write_units + marks, "WRU");
    let working = format!(
        "{} events/day in {} messages over {} shards: {} items/day (about {} B each, {} \
         events of {} B a full item) = {} WRU + 2 day marks x {} drain writes {}",
        count(w.views_per_day as f64),
        count(tenths(packed.messages)),
        w.shards,
        count(tenths(packed.items)),
        count(packed.bytes / packed.items.max(1.0)),
        count(packed.events_per_item as f64),
        packed.event_bytes,
        count(packed.write_units.round()),
        count(packed.writes),
        day.day_to_month(),
    );
    p.item("DynamoDB raw event writes", day, DynamodbWrite, working)
}

fn aggregation_reads_item(p: &Pricing, packed: &PackedDay) -> LineItem {
    let w = p.workload;
    let bytes = (packed.bytes / w.shards as f64).ceil() as u64;
    let units = query_read_units(bytes, w.eventually_consistent);
    let day = Daily::new(w.shards as f64 * units, "RRU");
    let working = format!(
        "{} shard queries/day x {} RRU ({} items, {} B, 4 KB units, {}) {}",
        w.shards,
        count(units),
        count(tenths(packed.items / w.shards as f64)),
        count(bytes as f64),
        consistency_text(w),
        day.day_to_month(),
    );
    p.item("DynamoDB aggregation reads", day, DynamodbRead, working)
}

pub(super) fn daily_writes_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let row = w.daily_item_bytes();
    let units = row.div_ceil(WRITE_UNIT);
    // One row per page, plus the day's summary row (well under 1 KB).
    let day = Daily::new((w.pages * units + 1) as f64, "WRU");
    let working = format!(
        "{} rows x {units} WRU ({row}-byte row) + 1 summary row {}",
        count(w.pages as f64),
        day.day_to_month(),
    );
    p.item("DynamoDB daily table writes", day, DynamodbWrite, working)
}

pub(super) fn report_reads_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let row = w.daily_item_bytes();
    // A report queries each day's page rows (sort keys start with '/'; the summary row is
    // left out by the key condition).
    let bytes = w.pages * row;
    let units = query_read_units(bytes, w.eventually_consistent);
    let day = Daily::new(
        (w.report_queries_per_day * w.report_days) as f64 * units,
        "RRU",
    );
    let working = format!(
        "{} reports/day x {} day(s) each x {} RRU ({} rows x {row} B = {} B, {}) {}",
        count(w.report_queries_per_day as f64),
        w.report_days,
        count(units),
        count(w.pages as f64),
        count(bytes as f64),
        consistency_text(w),
        day.day_to_month(),
    );
    p.item("DynamoDB report reads", day, DynamodbRead, working)
}

/// The daily table keeps its rows (no TTL); counted here after the retention period, like
/// the raw events. `raw` is `None` when the raw events live elsewhere.
pub(super) fn storage_item(p: &Pricing, component: &str, raw: Option<&PackedDay>) -> LineItem {
    let w = p.workload;
    let raw_bytes = raw.map_or(0.0, |packed| {
        (packed.bytes + packed.items * DYNAMODB_ITEM_OVERHEAD as f64) * w.raw_days() as f64
    });
    let row = w.daily_item_bytes() + DYNAMODB_ITEM_OVERHEAD;
    let daily_bytes = (w.pages * w.retention_days * row) as f64;
    let total_gb = (raw_bytes + daily_bytes) / GB;
    let month = Counted::less_free(total_gb, p.free_dynamodb_gb);
    let raw_part = if let Some(packed) = raw.filter(|_| raw_bytes > 0.0) {
        format!(
            "raw items {}/day x {} days x ({} + 100) B = {} GB; ",
            count(tenths(packed.items)),
            w.raw_days(),
            count(packed.bytes / packed.items.max(1.0)),
            gb(raw_bytes / GB)
        )
    } else {
        String::new()
    };
    let working = format!(
        "{raw_part}daily rows {} x {} days x ({} + 100) B = {} GB; total {} GB, first {} GB \
         free -> {} GB billable",
        count(w.pages as f64),
        w.retention_days,
        w.daily_item_bytes(),
        gb(daily_bytes / GB),
        gb(total_gb),
        count(p.free_dynamodb_gb),
        gb(month.billable),
    );
    p.item(component, month, DynamodbStorage, working)
}
