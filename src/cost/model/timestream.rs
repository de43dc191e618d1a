//! Raw events in Timestream for LiveAnalytics: the option the article recommends, closed to new
//! customers since 2025-06-20.

use super::pricing::{given, Daily, Price, Pricing};
use super::{dynamodb, sqs_item};
use super::{GB, HOURS_PER_MONTH};
use crate::cost::fmt::{count, gb};
use crate::cost::items::{LineItem, PipelineOption};
use crate::cost::prices::PriceKey::{TimestreamMagnetic, TimestreamMemory, TimestreamWrite};
use crate::cost::prices::Service;
use crate::cost::sizes;
use crate::cost::workload::{Workload, MIN_QUERY_TCUS, MIN_TCU_SECONDS};

const TIMESTREAM_WRITE_UNIT: u64 = 1024;

pub(super) fn option(p: &Pricing) -> PipelineOption {
    let w = p.workload;
    let mut notes = vec![
        "Timestream for LiveAnalytics has been closed to new customers since 2025-06-20: only \
         accounts that already use it can choose this option."
            .to_owned(),
        format!(
            "Each raw event is one record: dimensions page, id (so two views of a page in the \
             same millisecond stay apart){}, measure views = 1 (BIGINT) sent once per request \
             as a common attribute. drain batches {} records per WriteRecords.",
            if w.visitor_bytes > 0 {
                " and visitor"
            } else {
                ""
            },
            w.timestream_batch
        ),
        format!(
            "Memory store retention {} h, magnetic store the rest of the {} days. The daily \
             table and the reports stay in DynamoDB.",
            w.memory_store_hours, w.retention_days
        ),
    ];
    if let Some(reason) = p.region.unavailable(Service::Timestream) {
        notes.push(reason.to_owned());
    }
    PipelineOption {
        name: "Timestream for LiveAnalytics".into(),
        items: vec![
            sqs_item(p),
            writes_item(p),
            memory_store_item(p),
            magnetic_store_item(p),
            queries_item(p),
            dynamodb::daily_writes_item(p),
            dynamodb::report_reads_item(p),
            dynamodb::storage_item(p, "DynamoDB storage (daily rows)", None),
        ],
        notes,
    }
}

/// GB of records `days` days of events occupy (InfluxDB keeps about as much).
pub(super) fn records_gb(w: &Workload, days: f64) -> f64 {
    (w.views_per_day * w.record_bytes()) as f64 * days / GB
}

/// A day of records as the working shows it: "10,000 events/day x 79 B".
pub(super) fn records_text(w: &Workload) -> String {
    format!(
        "{} events/day x {} B",
        count(w.views_per_day as f64),
        w.record_bytes()
    )
}

/// Billed 1 KiB writes of one WriteRecords request of `records` records.
fn request_writes(records: u64, record_bytes: u64) -> u64 {
    (records * record_bytes + sizes::timestream_common_bytes()).div_ceil(TIMESTREAM_WRITE_UNIT)
}

fn writes_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let record = sizes::timestream_record_write_bytes(w.page_bytes, w.id_bytes, w.visitor_bytes);
    let batch = w.timestream_batch;
    let per_full = request_writes(batch, record);
    let mut per_day = w.views_per_day / batch * per_full;
    let leftover = w.views_per_day % batch;
    if leftover > 0 {
        per_day += request_writes(leftover, record);
    }
    let day = Daily::new(per_day as f64, "writes");
    let working = format!(
        "{} WriteRecords/day of up to {batch} records ({batch} x {record} B + {} B common = {} B \
         = {per_full} writes of 1 KiB each) {} (one record per request: {} writes/day)",
        count(w.views_per_day.div_ceil(batch) as f64),
        sizes::timestream_common_bytes(),
        count((batch * record + sizes::timestream_common_bytes()) as f64),
        day.day_to_month(),
        count((w.views_per_day * request_writes(1, record)) as f64),
    );
    p.item("Timestream writes", day, TimestreamWrite, working)
}

fn memory_store_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let resident_gb = records_gb(w, w.memory_store_hours as f64 / 24.0);
    let gb_hours = resident_gb * HOURS_PER_MONTH;
    let working = format!(
        "the last {} h of events stay in memory: {} x {}/24 = {} GB x 730 h = {} GB-hours",
        w.memory_store_hours,
        records_text(w),
        w.memory_store_hours,
        gb(resident_gb),
        gb(gb_hours),
    );
    p.item(
        "Timestream memory store",
        gb_hours,
        TimestreamMemory,
        working,
    )
}

fn magnetic_store_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let stored_gb = records_gb(
        w,
        w.retention_days as f64 - w.memory_store_hours as f64 / 24.0,
    );
    let working = format!(
        "{} x ({} - {}) days = {} GB",
        records_text(w),
        w.retention_days,
        count(w.memory_store_hours as f64 / 24.0),
        gb(stored_gb),
    );
    p.item(
        "Timestream magnetic store",
        stored_gb,
        TimestreamMagnetic,
        working,
    )
}

fn queries_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let seconds = w.timestream_query_seconds.max(MIN_TCU_SECONDS);
    let day = Daily::new((MIN_QUERY_TCUS * seconds) as f64 / 3600.0, "TCU-hours");
    let working = format!(
        "1 aggregation query/day x {MIN_QUERY_TCUS} TCUs x {seconds} s (per second, \
         {MIN_TCU_SECONDS} s minimum) {}; reports read the daily table",
        day.day_to_month(),
    );
    let usd = w.timestream_tcu_hour_usd;
    let price = match p.timestream_offered() {
        Ok(()) => given("TCU-hour", usd, "--timestream-tcu-hour-usd", "TCU-hour"),
        Err(why) => Price::Given("TCU-hour", Err(why)),
    };
    p.item("Timestream queries", day, price, working)
}
