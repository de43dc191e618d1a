//! A whole estimate: region, inputs, the priced options, and the assumptions they rest on.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};

use super::fmt::{count, gb};
use super::items::PipelineOption;
use super::model::{self, Pricing, DAYS_PER_MONTH, GB};
use super::packing;
use super::prices::{PriceTable, Region};
use super::sizes::{self, DYNAMODB_ITEM_OVERHEAD};
use super::sqs::{chunks, LONG_POLL_SECONDS};
use super::stream::{self, PAYLOAD_UNIT_BYTES};
use super::usage::Usage;
use super::workload::{QueueKind, Workload};
use crate::backend::aws::layout::PACKED_ITEM_BYTES;

/// Field order is the order of `--format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub region: String,
    pub region_name: String,
    pub prices_as_of: String,
    pub inputs: Inputs,
    pub options: Vec<PipelineOption>,
    pub assumptions: Vec<String>,
}

/// The workload as the model used it, and what `--from-usage` measured.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    pub workload: Workload,
    pub from_usage: Option<Usage>,
}

/// The given values with the sizes derived from them, each derived one beside what it came
/// from.
impl Serialize for Inputs {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let w = &self.workload;
        let mut out = serializer.serialize_struct("Inputs", 29)?;
        out.serialize_field("views_per_day", &w.views_per_day)?;
        out.serialize_field("pages", &w.pages)?;
        out.serialize_field("retention_days", &w.retention_days)?;
        out.serialize_field("report_queries_per_day", &w.report_queries_per_day)?;
        out.serialize_field("report_days", &w.report_days)?;
        out.serialize_field("event_bytes", &w.event_bytes())?;
        let event_bytes_from = w.event_bytes.map_or("packed encoding", |_| "--event-bytes");
        out.serialize_field("event_bytes_from", event_bytes_from)?;
        out.serialize_field("events_per_message", &w.events_per_message())?;
        let packing = w
            .events_per_message
            .map_or("send's packing", |_| "--events-per-message");
        out.serialize_field("events_per_message_from", packing)?;
        out.serialize_field("page_bytes", &w.page_bytes)?;
        out.serialize_field("id_bytes", &w.id_bytes)?;
        out.serialize_field("visitor_bytes", &w.visitor_bytes)?;
        out.serialize_field("wire_event_bytes", &w.wire_bytes())?;
        out.serialize_field("daily_row_bytes", &w.daily_item_bytes())?;
        out.serialize_field("shards", &w.shards)?;
        out.serialize_field("drain_workers", &w.drain_workers)?;
        out.serialize_field("drain", &w.drain)?;
        out.serialize_field("lambda_memory_mb", &w.lambda_memory)?;
        out.serialize_field("lambda_batch_ms", &w.lambda_batch_ms)?;
        let read_consistency = if w.eventually_consistent {
            "eventual"
        } else {
            "strong"
        };
        out.serialize_field("read_consistency", read_consistency)?;
        out.serialize_field("memory_store_hours", &w.memory_store_hours)?;
        out.serialize_field("timestream_batch", &w.timestream_batch)?;
        out.serialize_field("timestream_query_seconds", &w.timestream_query_seconds)?;
        out.serialize_field("timestream_tcu_hour_usd", &w.timestream_tcu_hour_usd)?;
        out.serialize_field("influxdb_instances", &w.influxdb_instances)?;
        out.serialize_field("influxdb_instance_hour_usd", &w.influxdb_instance_hour_usd)?;
        let storage_usd = &w.influxdb_storage_gb_month_usd;
        out.serialize_field("influxdb_storage_gb_month_usd", storage_usd)?;
        out.serialize_field("influxdb_storage_gb", &w.influxdb_storage_gb)?;
        out.serialize_field("from_usage", &self.from_usage)?;
        // Only with --queue kinesis, so that the SQS estimate reads as it always did.
        if w.queue == QueueKind::Kinesis {
            out.serialize_field("queue", &w.queue)?;
            let needed = w.stream_day().shards_needed();
            out.serialize_field("stream_shards", &w.stream_shards.unwrap_or(needed))?;
            let shards_from = w
                .stream_shards
                .map_or("the day's mean rate", |_| "--stream-shards");
            out.serialize_field("stream_shards_from", shards_from)?;
            let per_checkpoint = w.stream_day().records_per_checkpoint;
            out.serialize_field("records_per_checkpoint", &per_checkpoint)?;
        }
        out.end()
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
            inputs: Inputs {
                workload: workload.clone(),
                from_usage: usage,
            },
        }
    }
}

fn assumptions(w: &Workload, usage: Option<&Usage>) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(usage) = usage {
        lines.push(format!(
            "Volumes from the deployment (--from-usage): mean views and pages of {}, {}..{}.",
            crate::model::text::counted(usage.days_used as u64, "aggregated day"),
            usage.first_day,
            usage.last_day
        ));
    }
    lines.push(format!(
        "A month is 730 hours: {} days of traffic.",
        count(DAYS_PER_MONTH)
    ));
    lines.push(raw_item_text(w));
    lines.push(daily_row_text(w));
    lines.push(queue_text(w));
    if w.queue == QueueKind::Kinesis {
        lines.push(stream_text(w));
    }
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
    let packed = packing::packed_day(w);
    let items = format!(
        "Raw items are packed, the layout init creates: the events of a message that fall on \
         one day's shard (a hash of each event's id) share items of at most {} B, written once; \
         a full item holds {} events of {} B, plus {} B of its own: pk 2 + {} (\"YYYY-MM-DD#SS\"), \
         sk 2 + {} (\"#\", a message id of {}, \"#\", the chunk), ttl 3 + {}, dv 2 + {} (the \
         day's version), e 1 + {} (version and base time). Each item is billed in whole 1 KB \
         write units.",
        count(PACKED_ITEM_BYTES as f64),
        count(packed.events_per_item as f64),
        packed.event_bytes,
        sizes::packed_item_fixed_bytes(),
        sizes::RAW_PK_BYTES,
        sizes::MESSAGE_ID_BYTES + 3,
        sizes::MESSAGE_ID_BYTES,
        sizes::number_bytes(sizes::PACKED_TTL_DIGITS),
        sizes::number_bytes(sizes::DAY_VERSION_DIGITS),
        sizes::PACKED_HEADER_BYTES,
    );
    if w.event_bytes.is_some() {
        return format!(
            "{items} An event takes {} B (--event-bytes).",
            w.event_bytes()
        );
    }
    let gap = packing::gap_ms(w);
    let visitor = match w.visitor_bytes {
        0 => "no visitor key (--visitor-bytes 0)".to_owned(),
        n if n % 2 == 0 => format!(
            "the visitor key 1 + 1 + {} ({n} hex digits, --visitor-bytes)",
            n / 2
        ),
        n => format!("the visitor key 1 + 1 + {n} (--visitor-bytes)"),
    };
    format!(
        "{items} An event: its time's gap to the one before ({} ms apart: {} B), the id 1 + {} \
         (--id-bytes: send's ids are 16 hex digits, '-' and the event's index), the page 1 + {} \
         (--page-bytes), {visitor}, an end byte.",
        count(gap as f64),
        sizes::packed_event_bytes(0, 0, 0, gap) - 3,
        w.id_bytes,
        w.page_bytes,
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

fn stream_text(w: &Workload) -> String {
    let day = w.stream_day();
    let traffic = day.traffic();
    format!(
        "Kinesis (--queue kinesis): each packed message is one record, {} records a day put \
         with PutRecords; a provisioned stream bills them in {} B payload units, an on-demand \
         one in whole KB written and read. Shards are sized for the day's mean rate (1 MB/s or \
         1,000 records/s of writes, 2 MB/s of reads a shard); peaks need more (--stream-shards). \
         Drains checkpoint a shard every {} record(s) stored (--records-per-checkpoint), renew \
         each lease every {} s and heartbeat every {} s, each an item write in the daily \
         table; raw items are named by shard and sequence number ({} B).",
        count(traffic.records as f64),
        count(PAYLOAD_UNIT_BYTES as f64),
        day.records_per_checkpoint,
        stream::LEASE_RENEWAL_SECONDS,
        stream::HEARTBEAT_SECONDS,
        sizes::STREAM_RECORD_ID_BYTES,
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
