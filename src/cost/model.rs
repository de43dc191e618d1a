//! The monthly bill of each way to run the pipeline, item by item, with the working shown.
//!
//! Quantities are computed for one day and multiplied by 730 / 24 days: AWS prices a month as
//! 730 hours. Storage is the steady state once data has been kept for the retention period.

use super::fmt::{count, gb};
use super::items::{LineItem, PipelineOption, UnitPrice};
use super::prices::{FreeKey, PriceKey, PriceTable, Region, Service};
use super::sizes::{self, DYNAMODB_ITEM_OVERHEAD};
use super::sqs::{QueueDay, LONG_POLL_SECONDS};
use super::workload::{Workload, MIN_QUERY_TCUS, MIN_TCU_SECONDS};

pub const HOURS_PER_MONTH: f64 = 730.0;
pub const DAYS_PER_MONTH: f64 = HOURS_PER_MONTH / 24.0;
/// Storage is billed in GB of 10^9 bytes.
pub const GB: f64 = 1e9;
const MILLION: f64 = 1e6;
const WRITE_UNIT: u64 = 1024;
const READ_UNIT: u64 = 4096;
const TIMESTREAM_WRITE_UNIT: u64 = 1024;

/// Everything the items need: the workload, the region's prices and the free allowances.
pub struct Pricing<'a> {
    pub workload: &'a Workload,
    pub region: &'a Region,
    pub free_sqs_requests: f64,
    pub free_dynamodb_gb: f64,
}

impl<'a> Pricing<'a> {
    pub fn new(workload: &'a Workload, table: &PriceTable, region: &'a Region) -> Self {
        Pricing {
            workload,
            region,
            free_sqs_requests: table.free(FreeKey::SqsRequests).value,
            free_dynamodb_gb: table.free(FreeKey::DynamodbStorage).value,
        }
    }

    fn price(&self, key: PriceKey) -> Result<UnitPrice, String> {
        self.region
            .price(key)
            .map(UnitPrice::from_table)
            .ok_or_else(|| format!("{key} price unknown for {}", self.region.code))
    }

    fn timestream_offered(&self) -> Result<(), String> {
        match self.region.unavailable(Service::Timestream) {
            Some(_) => Err(format!(
                "Timestream for LiveAnalytics is not offered in {}",
                self.region.code
            )),
            None => Ok(()),
        }
    }

    /// Timestream prices, or why Timestream cannot be priced here.
    fn timestream_price(&self, key: PriceKey) -> Result<UnitPrice, String> {
        self.timestream_offered().and_then(|()| self.price(key))
    }
}

/// The three options, each with the whole pipeline counted.
pub fn estimate(pricing: &Pricing) -> Vec<PipelineOption> {
    vec![
        dynamodb_option(pricing),
        timestream_option(pricing),
        influxdb_option(pricing),
    ]
}

fn dynamodb_option(p: &Pricing) -> PipelineOption {
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
            dynamodb_storage_item(p, "DynamoDB storage (raw events + daily rows)", raw_bytes),
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

fn timestream_option(p: &Pricing) -> PipelineOption {
    let w = p.workload;
    let mut notes = vec![
        "Timestream for LiveAnalytics has been closed to new customers since 2025-06-20: only \
         accounts that already use it can choose this option."
            .to_owned(),
        format!(
            "Each raw event is one record: dimensions page and id (so two views of a page in \
             the same millisecond stay apart), measure views = 1 (BIGINT) sent once per request \
             as a common attribute. drain batches {} records per WriteRecords.",
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
            timestream_writes_item(p),
            memory_store_item(p),
            magnetic_store_item(p),
            timestream_queries_item(p),
            daily_writes_item(p),
            report_reads_item(p),
            dynamodb_storage_item(p, "DynamoDB storage (daily rows)", 0.0),
        ],
        notes,
    }
}

fn influxdb_option(p: &Pricing) -> PipelineOption {
    PipelineOption {
        name: "Timestream for InfluxDB".into(),
        items: vec![
            sqs_item(p),
            influxdb_instance_item(p),
            influxdb_storage_item(p),
            daily_writes_item(p),
            report_reads_item(p),
            dynamodb_storage_item(p, "DynamoDB storage (daily rows)", 0.0),
        ],
        notes: vec![
            "AWS points new time-series users to Timestream for InfluxDB: an instance billed per \
             hour while it runs, plus allocated storage; writes and queries cost nothing extra."
                .into(),
            "Its rates are not in the price table; give them with --influxdb-instance-hour-usd \
             and --influxdb-storage-gb-month-usd."
                .into(),
        ],
    }
}

fn per_month(per_day: f64) -> f64 {
    per_day * DAYS_PER_MONTH
}

fn days_text() -> String {
    count(DAYS_PER_MONTH)
}

pub fn queue_day(w: &Workload) -> QueueDay {
    QueueDay {
        events: w.views_per_day,
        wire_bytes: w.wire_bytes(),
        events_per_message: w.events_per_message(),
        drain_workers: w.drain_workers,
    }
}

fn sqs_item(p: &Pricing) -> LineItem {
    let requests = queue_day(p.workload).requests();
    let monthly = per_month(requests.total() as f64);
    let billable = (monthly - p.free_sqs_requests).max(0.0);
    let working = format!(
        "{}/day (sends {}, receives {}, deletes {}, empty {} s long polls {}) x {} days = {} \
         requests; first {} a month free -> {} billable",
        count(requests.total() as f64),
        count(requests.sends as f64),
        count(requests.receives as f64),
        count(requests.deletes as f64),
        LONG_POLL_SECONDS,
        count(requests.empty_receives as f64),
        days_text(),
        count(monthly),
        count(p.free_sqs_requests),
        count(billable),
    );
    LineItem::new(
        "SQS requests",
        billable / MILLION,
        "million requests",
        p.price(PriceKey::SqsRequest),
        working,
    )
}

fn raw_writes_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let units = w.event_bytes().div_ceil(WRITE_UNIT);
    let per_day = w.views_per_day * units;
    let monthly = per_month(per_day as f64);
    let working = format!(
        "{} events/day x {units} WRU ({}-byte item, 1 KB units) x {} days = {} WRU",
        count(w.views_per_day as f64),
        w.event_bytes(),
        days_text(),
        count(monthly),
    );
    LineItem::new(
        "DynamoDB raw event writes",
        monthly / MILLION,
        "million WRU",
        p.price(PriceKey::DynamodbWrite),
        working,
    )
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

fn aggregation_reads_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let items_per_shard = w.views_per_day.div_ceil(w.shards);
    let bytes = items_per_shard * w.event_bytes();
    let units = query_read_units(bytes, w.eventually_consistent);
    let per_day = w.shards as f64 * units;
    let monthly = per_month(per_day);
    let working = format!(
        "{} shard queries/day x {} RRU ({} items x {} B = {} B, 4 KB units, {}) = {} RRU/day x \
         {} days = {} RRU",
        w.shards,
        count(units),
        count(items_per_shard as f64),
        w.event_bytes(),
        count(bytes as f64),
        consistency_text(w),
        count(per_day),
        days_text(),
        count(monthly),
    );
    LineItem::new(
        "DynamoDB aggregation reads",
        monthly / MILLION,
        "million RRU",
        p.price(PriceKey::DynamodbRead),
        working,
    )
}

fn daily_writes_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let row = w.daily_item_bytes();
    let units = row.div_ceil(WRITE_UNIT);
    // One row per page, plus the day's summary row (well under 1 KB).
    let per_day = w.pages * units + 1;
    let monthly = per_month(per_day as f64);
    let working = format!(
        "{} rows x {units} WRU ({row}-byte row) + 1 summary row = {} WRU/day x {} days = {} WRU",
        count(w.pages as f64),
        count(per_day as f64),
        days_text(),
        count(monthly),
    );
    LineItem::new(
        "DynamoDB daily table writes",
        monthly / MILLION,
        "million WRU",
        p.price(PriceKey::DynamodbWrite),
        working,
    )
}

fn report_reads_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let row = w.daily_item_bytes();
    // A report queries each day's page rows (sort keys start with '/'; the summary row is
    // left out by the key condition).
    let bytes = w.pages * row;
    let units = query_read_units(bytes, w.eventually_consistent);
    let per_day = (w.report_queries_per_day * w.report_days) as f64 * units;
    let monthly = per_month(per_day);
    let working = format!(
        "{} reports/day x {} day(s) each x {} RRU ({} rows x {row} B = {} B, {}) = {} RRU/day \
         x {} days = {} RRU",
        count(w.report_queries_per_day as f64),
        w.report_days,
        count(units),
        count(w.pages as f64),
        count(bytes as f64),
        consistency_text(w),
        count(per_day),
        days_text(),
        count(monthly),
    );
    LineItem::new(
        "DynamoDB report reads",
        monthly / MILLION,
        "million RRU",
        p.price(PriceKey::DynamodbRead),
        working,
    )
}

/// The daily table keeps its rows (no TTL); counted here after the retention period, like
/// the raw events. `raw_bytes` is zero when the raw events live elsewhere.
fn dynamodb_storage_item(p: &Pricing, component: &str, raw_bytes: f64) -> LineItem {
    let w = p.workload;
    let row = w.daily_item_bytes() + DYNAMODB_ITEM_OVERHEAD;
    let daily_bytes = (w.pages * w.retention_days * row) as f64;
    let total_gb = (raw_bytes + daily_bytes) / GB;
    let billable = (total_gb - p.free_dynamodb_gb).max(0.0);
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
        gb(billable),
    );
    LineItem::new(
        component,
        billable,
        "GB-month",
        p.price(PriceKey::DynamodbStorage),
        working,
    )
}

/// Billed 1 KiB writes of one WriteRecords request of `records` records.
fn timestream_request_writes(records: u64, record_bytes: u64) -> u64 {
    (records * record_bytes + sizes::timestream_common_bytes()).div_ceil(TIMESTREAM_WRITE_UNIT)
}

fn timestream_writes_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let record = sizes::timestream_record_write_bytes(w.page_bytes, w.id_bytes);
    let batch = w.timestream_batch;
    let full_requests = w.views_per_day / batch;
    let leftover = w.views_per_day % batch;
    let per_full = timestream_request_writes(batch, record);
    let mut per_day = full_requests * per_full;
    if leftover > 0 {
        per_day += timestream_request_writes(leftover, record);
    }
    let unbatched = w.views_per_day * timestream_request_writes(1, record);
    let monthly = per_month(per_day as f64);
    let working = format!(
        "{} WriteRecords/day of up to {batch} records ({batch} x {record} B + {} B common = {} B \
         = {per_full} writes of 1 KiB each) = {} writes/day x {} days = {} writes \
         (one record per request: {} writes/day)",
        count(w.views_per_day.div_ceil(batch) as f64),
        sizes::timestream_common_bytes(),
        count((batch * record + sizes::timestream_common_bytes()) as f64),
        count(per_day as f64),
        days_text(),
        count(monthly),
        count(unbatched as f64),
    );
    LineItem::new(
        "Timestream writes",
        monthly / MILLION,
        "million writes",
        p.timestream_price(PriceKey::TimestreamWrite),
        working,
    )
}

fn timestream_day_bytes(w: &Workload) -> f64 {
    (w.views_per_day * sizes::timestream_record_storage_bytes(w.page_bytes, w.id_bytes)) as f64
}

fn memory_store_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let record = sizes::timestream_record_storage_bytes(w.page_bytes, w.id_bytes);
    let resident_gb = timestream_day_bytes(w) * (w.memory_store_hours as f64 / 24.0) / GB;
    let gb_hours = resident_gb * HOURS_PER_MONTH;
    let working = format!(
        "the last {} h of events stay in memory: {} events/day x {record} B x {}/24 = {} GB x \
         730 h = {} GB-hours",
        w.memory_store_hours,
        count(w.views_per_day as f64),
        w.memory_store_hours,
        gb(resident_gb),
        gb(gb_hours),
    );
    LineItem::new(
        "Timestream memory store",
        gb_hours,
        "GB-hour",
        p.timestream_price(PriceKey::TimestreamMemory),
        working,
    )
}

fn magnetic_store_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let record = sizes::timestream_record_storage_bytes(w.page_bytes, w.id_bytes);
    let days = w.retention_days as f64 - w.memory_store_hours as f64 / 24.0;
    let stored_gb = timestream_day_bytes(w) * days / GB;
    let working = format!(
        "{} events/day x {record} B x ({} - {}) days = {} GB",
        count(w.views_per_day as f64),
        w.retention_days,
        count(w.memory_store_hours as f64 / 24.0),
        gb(stored_gb),
    );
    LineItem::new(
        "Timestream magnetic store",
        stored_gb,
        "GB-month",
        p.timestream_price(PriceKey::TimestreamMagnetic),
        working,
    )
}

fn timestream_queries_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let seconds = w.timestream_query_seconds.max(MIN_TCU_SECONDS);
    let per_day = (MIN_QUERY_TCUS * seconds) as f64 / 3600.0;
    let monthly = per_month(per_day);
    let working = format!(
        "1 aggregation query/day x {MIN_QUERY_TCUS} TCUs x {seconds} s (per second, {MIN_TCU_SECONDS} s \
         minimum) = {} TCU-hours/day x {} days = {} TCU-hours; reports read the daily table",
        count(per_day),
        days_text(),
        count(monthly),
    );
    let price = p.timestream_offered().and_then(|()| {
        w.timestream_tcu_hour_usd
            .map(|usd| UnitPrice::from_flag(usd, "--timestream-tcu-hour-usd"))
            .ok_or_else(|| {
                "TCU-hour price unknown; give it with --timestream-tcu-hour-usd".to_owned()
            })
    });
    LineItem::new("Timestream queries", monthly, "TCU-hour", price, working)
}

fn influxdb_instance_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let hours = w.influxdb_instances as f64 * HOURS_PER_MONTH;
    let working = format!(
        "{} instance(s) x 730 h (it runs all month) = {} instance-hours",
        w.influxdb_instances,
        count(hours),
    );
    let price = w
        .influxdb_instance_hour_usd
        .map(|usd| UnitPrice::from_flag(usd, "--influxdb-instance-hour-usd"))
        .ok_or_else(|| {
            "instance-hour price unknown; give it with --influxdb-instance-hour-usd".to_owned()
        });
    LineItem::new("InfluxDB instance", hours, "instance-hour", price, working)
}

fn influxdb_storage_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let (stored_gb, working) = match w.influxdb_storage_gb {
        Some(given) => (
            given,
            format!("{} GB allocated (--influxdb-storage-gb)", gb(given)),
        ),
        None => {
            let record = sizes::timestream_record_storage_bytes(w.page_bytes, w.id_bytes);
            let stored = timestream_day_bytes(w) * w.retention_days as f64 / GB;
            let text = format!(
                "at least the data: {} events/day x {record} B x {} days = {} GB \
                 (you pay for what you allocate: set --influxdb-storage-gb)",
                count(w.views_per_day as f64),
                w.retention_days,
                gb(stored)
            );
            (stored, text)
        }
    };
    let price = w
        .influxdb_storage_gb_month_usd
        .map(|usd| UnitPrice::from_flag(usd, "--influxdb-storage-gb-month-usd"))
        .ok_or_else(|| {
            "storage price unknown; give it with --influxdb-storage-gb-month-usd".to_owned()
        });
    LineItem::new("InfluxDB storage", stored_gb, "GB-month", price, working)
}

#[cfg(test)]
mod tests;
