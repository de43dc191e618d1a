//! DynamoDB on-demand: the raw events of the option the `aws` backend is built for, and the
//! daily table and its reports in every option.

use super::pricing::{Counted, Daily, Pricing};
use super::{sqs_item, GB};
use crate::cost::fmt::{count, gb};
use crate::cost::items::{LineItem, PipelineOption};
use crate::cost::prices::PriceKey::{DynamodbRead, DynamodbStorage, DynamodbWrite};
use crate::cost::sizes::DYNAMODB_ITEM_OVERHEAD;
use crate::cost::workload::Workload;

const WRITE_UNIT: u64 = 1024;
const READ_UNIT: u64 = 4096;

pub fn option(p: &Pricing) -> PipelineOption {
    let w = p.workload;
    let raw_bytes =
        (w.views_per_day * w.retention_days * (w.event_bytes() + DYNAMODB_ITEM_OVERHEAD)) as f64;
    PipelineOption {
        name: "DynamoDB".into(),
        items: vec![
            sqs_item(p),
            raw_writes_item(p),
            aggregation_reads_item(p),
            daily_writes_item(p),
            report_reads_item(p),
            storage_item(p, "DynamoDB storage (raw events + daily rows)", raw_bytes),
        ],
        notes: vec![
            format!(
                "Raw events expire through TTL after {} days; TTL deletes are free.",
                w.retention_days
            ),
            "Raw events go through BatchWriteItem in calls of 25; each item is billed on its own \
             (per 1 KB), so batching saves calls, not write units."
                .into(),
        ],
    }
}

/// Read units of one Query returning `bytes`: whole 4 KB units, at least one; eventually
/// consistent reads cost half.
fn query_read_units(bytes: u64, eventually_consistent: bool) -> f64 {
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

fn raw_writes_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let units = w.event_bytes().div_ceil(WRITE_UNIT);
    let day = Daily::new((w.views_per_day * units) as f64, "WRU");
    let working = format!(
        "{} events/day x {units} WRU ({}-byte item, 1 KB units) {}",
        count(w.views_per_day as f64),
        w.event_bytes(),
        day.to_month(),
    );
    p.item("DynamoDB raw event writes", day, DynamodbWrite, working)
}

fn aggregation_reads_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let items_per_shard = w.views_per_day.div_ceil(w.shards);
    let bytes = items_per_shard * w.event_bytes();
    let units = query_read_units(bytes, w.eventually_consistent);
    let day = Daily::new(w.shards as f64 * units, "RRU");
    let working = format!(
        "{} shard queries/day x {} RRU ({} items x {} B = {} B, 4 KB units, {}) {}",
        w.shards,
        count(units),
        count(items_per_shard as f64),
        w.event_bytes(),
        count(bytes as f64),
        consistency_text(w),
        day.day_to_month(),
    );
    p.item("DynamoDB aggregation reads", day, DynamodbRead, working)
}

pub fn daily_writes_item(p: &Pricing) -> LineItem {
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

pub fn report_reads_item(p: &Pricing) -> LineItem {
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
/// the raw events. `raw_bytes` is zero when the raw events live elsewhere.
pub fn storage_item(p: &Pricing, component: &str, raw_bytes: f64) -> LineItem {
    let w = p.workload;
    let row = w.daily_item_bytes() + DYNAMODB_ITEM_OVERHEAD;
    let daily_bytes = (w.pages * w.retention_days * row) as f64;
    let total_gb = (raw_bytes + daily_bytes) / GB;
    let month = Counted::less_free(total_gb, p.free_dynamodb_gb);
    let raw_part = if raw_bytes > 0.0 {
        format!(
            "raw events {} x {} days x ({} + 100) B = {} GB; ",
            count(w.views_per_day as f64),
            w.retention_days,
            w.event_bytes(),
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
