//! A whole estimate: region, inputs, the priced options, and the assumptions they rest on.

use serde::Serialize;

use super::fmt::{count, gb};
use super::items::PipelineOption;
use super::model::{self, Pricing, DAYS_PER_MONTH, GB};
use super::prices::{PriceTable, Region};
use super::sizes::{self, DYNAMODB_ITEM_OVERHEAD};
use super::sqs::{chunks, LONG_POLL_SECONDS};
use super::usage::Usage;
use super::workload::Workload;

#[derive(Debug, Clone)]
pub struct Estimate {
    pub region: String,
    pub region_name: String,
    pub prices_as_of: String,
    pub inputs: Inputs,
    pub options: Vec<PipelineOption>,
    pub assumptions: Vec<String>,
}

/// The workload as the model used it: given values and derived sizes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Inputs {
    pub views_per_day: u64,
    pub pages: u64,
    pub retention_days: u64,
    pub report_queries_per_day: u64,
    pub report_days: u64,
    pub event_bytes: u64,
    pub event_bytes_from: &'static str,
    pub events_per_message: u64,
    pub events_per_message_from: &'static str,
    pub page_bytes: u64,
    pub id_bytes: u64,
    pub wire_event_bytes: u64,
    pub daily_row_bytes: u64,
    pub shards: u64,
    pub drain_workers: u64,
    pub read_consistency: &'static str,
    pub memory_store_hours: u64,
    pub timestream_batch: u64,
    pub timestream_query_seconds: u64,
    pub timestream_tcu_hour_usd: Option<f64>,
    pub influxdb_instances: u64,
    pub influxdb_instance_hour_usd: Option<f64>,
    pub influxdb_storage_gb_month_usd: Option<f64>,
    pub influxdb_storage_gb: Option<f64>,
    pub from_usage: Option<Usage>,
}

impl Inputs {
    fn new(w: &Workload, usage: Option<Usage>) -> Self {
        Inputs {
            views_per_day: w.views_per_day,
            pages: w.pages,
            retention_days: w.retention_days,
            report_queries_per_day: w.report_queries_per_day,
            report_days: w.report_days,
            event_bytes: w.event_bytes(),
            event_bytes_from: match w.event_bytes {
                Some(_) => "--event-bytes",
                None => "item layout",
            },
            events_per_message: w.events_per_message(),
            events_per_message_from: match w.events_per_message {
                Some(_) => "--events-per-message",
                None => "send's packing",
            },
            page_bytes: w.page_bytes,
            id_bytes: w.id_bytes,
            wire_event_bytes: w.wire_bytes(),
            daily_row_bytes: w.daily_item_bytes(),
            shards: w.shards,
            drain_workers: w.drain_workers,
            read_consistency: if w.eventually_consistent {
                "eventual"
            } else {
                "strong"
            },
            memory_store_hours: w.memory_store_hours,
            timestream_batch: w.timestream_batch,
            timestream_query_seconds: w.timestream_query_seconds,
            timestream_tcu_hour_usd: w.timestream_tcu_hour_usd,
            influxdb_instances: w.influxdb_instances,
            influxdb_instance_hour_usd: w.influxdb_instance_hour_usd,
            influxdb_storage_gb_month_usd: w.influxdb_storage_gb_month_usd,
            influxdb_storage_gb: w.influxdb_storage_gb,
            from_usage: usage,
        }
    }
}

impl Estimate {
    pub fn new(
        workload: &Workload,
        table: &PriceTable,
        region: &Region,
        usage: Option<Usage>,
    ) -> Self {
        let pricing = Pricing::new(workload, table, region);
        Estimate {
            region: region.code.clone(),
            region_name: region.name.clone(),
            prices_as_of: table.as_of.clone(),
            options: model::estimate(&pricing),
            assumptions: assumptions(workload, usage.as_ref()),
            inputs: Inputs::new(workload, usage),
        }
    }
}

fn assumptions(w: &Workload, usage: Option<&Usage>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(usage) = usage {
        lines.push(format!(
            "Volumes from the deployment (--from-usage): mean views and pages of {} aggregated \
             day(s), {}..{}.",
            usage.days_used, usage.first_day, usage.last_day
        ));
    }
    lines.push(format!(
        "A month is 730 hours: {} days of traffic.",
        count(DAYS_PER_MONTH)
    ));
    lines.push(raw_item_text(w));
    lines.push(daily_row_text(w));
    lines.push(queue_text(w));
    lines.push(format!(
        "Raw events are spread over {} shards a day (--shards); aggregation queries each once \
         a day and every day is aggregated once (late events that reopen a day cost another \
         read of it). Reads are {}.",
        w.shards,
        if w.eventually_consistent {
            "eventually consistent (half a read unit per 4 KB)"
        } else {
            "strongly consistent (a read unit per 4 KB; --eventually-consistent halves them)"
        }
    ));
    lines.push(storage_text(w));
    lines.push(
        "Free tiers are per account: 1,000,000 SQS requests a month and 25 GB of DynamoDB \
         storage; other queues and tables you run share them."
            .into(),
    );
    lines.push(
        "Not counted: data transfer (everything in one region), the machine that runs send, \
         drain and aggregate, CloudWatch, backups."
            .into(),
    );
    lines
}

fn raw_item_text(w: &Workload) -> String {
    if w.event_bytes.is_some() {
        return format!("Raw item {} B (--event-bytes).", w.event_bytes());
    }
    format!(
        "Raw item {} B, from its layout: pk 2 + {} (\"YYYY-MM-DD#SS\"), sk 2 + {} (page) + 1 + \
         {} (time) + 1 + {} (id), ttl 3 + {} (10-digit Number). Pages are assumed {} B \
         (--page-bytes); ids {} B (--id-bytes): send's ids are 16 hex digits, '-' and the \
         event's index.",
        w.event_bytes(),
        sizes::RAW_PK_BYTES,
        w.page_bytes,
        sizes::TIME_BYTES,
        w.id_bytes,
        sizes::number_bytes(sizes::TTL_DIGITS),
        w.page_bytes,
        w.id_bytes,
    )
}

fn daily_row_text(w: &Workload) -> String {
    let per_page = w.views_per_page();
    format!(
        "Daily row {} B: pk 2 + 10, sk 2 + {}, views 5 + {}, hours 5 + 3 + 24 x (1 + {}), for \
         {} views a page a day ({} an hour); the day's summary row is under 1 KB.",
        w.daily_item_bytes(),
        w.page_bytes,
        sizes::number_bytes(sizes::digits(per_page)),
        sizes::number_bytes(sizes::digits(per_page.div_ceil(24))),
        count(per_page as f64),
        count(per_page.div_ceil(24) as f64),
    )
}

fn queue_text(w: &Workload) -> String {
    let epm = w.events_per_message();
    let body = sizes::message_bytes(epm, w.wire_bytes(), epm);
    let packing = match w.events_per_message {
        None => format!("send packs {} a message", count(epm as f64)),
        Some(_) => format!("{} a message (--events-per-message)", count(epm as f64)),
    };
    format!(
        "Each event is {} B on the wire; {packing}: {} B, {} billing chunk(s) of 64 KiB. \
         {} drain --follow worker(s) long-poll ({LONG_POLL_SECONDS} s) all day; receives come \
         back in the groups of ten they were sent in; no redeliveries or dead letters.",
        w.wire_bytes(),
        count(body as f64),
        chunks(body),
        w.drain_workers,
    )
}

fn storage_text(w: &Workload) -> String {
    let daily_per_year = (w.pages * 365 * (w.daily_item_bytes() + DYNAMODB_ITEM_OVERHEAD)) as f64;
    format!(
        "Storage is in GB of 10^9 bytes, DynamoDB items with their 100-byte index overhead, \
         once data has been kept {} days (--retention-days). The daily table has no TTL and \
         keeps growing by {} GB a year.",
        w.retention_days,
        gb(daily_per_year / GB),
    )
}
