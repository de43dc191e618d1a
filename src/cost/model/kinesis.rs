//! A Kinesis data stream as the queue (`cost --queue kinesis`): raw events in DynamoDB behind
//! a provisioned stream and behind an on-demand one. The stream's items replace the SQS
//! requests; the drains' leases and checkpoints, items in the daily table, are billed as
//! DynamoDB requests; the raw events, the aggregation, the daily table and the reports are
//! the DynamoDB option's, with items named by shard and sequence number.

use super::dynamodb::pipeline;
use super::pricing::{Daily, Pricing};
use super::HOURS_PER_MONTH;
use crate::cost::fmt::{count, gb};
use crate::cost::items::{LineItem, PipelineOption};
use crate::cost::packing::stream_packed_day;
use crate::cost::prices::PriceKey::{
    DynamodbRead, DynamodbWrite, KinesisOnDemandRead, KinesisOnDemandStreamHour,
    KinesisOnDemandWrite, KinesisPutPayloadUnit, KinesisShardHour,
};
use crate::cost::stream::{
    StreamDay, HEARTBEAT_SECONDS, LEASE_RENEWAL_SECONDS, ON_DEMAND_GB_BYTES, ON_DEMAND_MIN_SHARDS,
    ON_DEMAND_RECORD_UNIT_BYTES, PAYLOAD_UNIT_BYTES,
};
use crate::cost::workload::DrainOn;

const PROVISIONED: &str = "DynamoDB, Kinesis provisioned";
const ON_DEMAND: &str = "DynamoDB, Kinesis on-demand";

/// The stream in both capacity modes, each with the whole pipeline counted.
pub(super) fn options(p: &Pricing) -> Vec<PipelineOption> {
    vec![provisioned(p), on_demand(p)]
}

fn provisioned(p: &Pricing) -> PipelineOption {
    let w = p.workload;
    let day = w.stream_day();
    let shards = w.stream_shards.unwrap_or_else(|| day.shards_needed());
    let mut queue = vec![
        shard_hours_item(p, &day, shards),
        payload_units_item(p, &day),
    ];
    queue.extend(lease_items(p, &day, shards));
    let mut option = pipeline(p, PROVISIONED, queue, &stream_packed_day(w));
    option.notes.extend(stream_notes(p));
    option
        .notes
        .push("GetRecords calls are free on a provisioned stream.".into());
    option
}

fn on_demand(p: &Pricing) -> PipelineOption {
    let w = p.workload;
    let day = w.stream_day();
    // AWS picks an on-demand stream's shards; it starts with 4 and grows with the traffic.
    let shards = day.shards_needed().max(ON_DEMAND_MIN_SHARDS);
    let mut queue = vec![stream_hours_item(p)];
    queue.extend(on_demand_data_items(p, &day));
    queue.extend(lease_items(p, &day, shards));
    let mut option = pipeline(p, ON_DEMAND, queue, &stream_packed_day(w));
    option.notes.extend(stream_notes(p));
    option.notes.push(format!(
        "GetRecords calls are free; an on-demand stream bills the GB they read. Its shards are \
         AWS's choice: the drains' leases are counted for {shards} (an on-demand stream starts \
         with {ON_DEMAND_MIN_SHARDS})."
    ));
    option
}

/// What both modes share: retention, fan-out and the dead-letter queue.
fn stream_notes(p: &Pricing) -> Vec<String> {
    let mut notes = vec![
        "Records are kept 24 hours, the retention included in the price; extended retention \
         and enhanced fan-out are not used by pageviews and not priced."
            .to_owned(),
        "Poison goes to the deployment's SQS dead-letter queue: no dead letters are counted."
            .to_owned(),
    ];
    if p.workload.drain == DrainOn::Lambda {
        notes.push(
            "With --drain lambda the event source mapping reads the stream and keeps its own \
             positions: no leases or checkpoints in the daily table."
                .into(),
        );
    }
    notes
}

fn shard_hours_item(p: &Pricing, day: &StreamDay, shards: u64) -> LineItem {
    let traffic = day.traffic();
    let per_second = |count: u64| count as f64 / 86_400.0;
    let why = match p.workload.stream_shards {
        Some(_) => "--stream-shards".to_owned(),
        None => format!(
            "the day's mean rate: writes {} MB/s of 1 a shard, {} records/s of 1,000, reads {} \
             MB/s of 2; at least 1",
            gb(per_second(traffic.bytes) / (1024.0 * 1024.0)),
            count(per_second(traffic.records)),
            gb(per_second(traffic.bytes) / (1024.0 * 1024.0)),
        ),
    };
    let working = format!(
        "{shards} shard(s) ({why}) x {} h a month",
        count(HOURS_PER_MONTH)
    );
    let shard_hours = shards as f64 * HOURS_PER_MONTH;
    p.item(
        "Kinesis shard-hours",
        shard_hours,
        KinesisShardHour,
        working,
    )
}

fn payload_units_item(p: &Pricing, day: &StreamDay) -> LineItem {
    let traffic = day.traffic();
    let units = Daily::new(traffic.payload_units as f64, "PUT units");
    let working = format!(
        "{} records/day ({} B in all), each in whole {} B units: {} units {}",
        count(traffic.records as f64),
        count(traffic.bytes as f64),
        count(PAYLOAD_UNIT_BYTES as f64),
        count(units.per_day),
        units.to_month(),
    );
    p.item(
        "Kinesis PUT payload units",
        units,
        KinesisPutPayloadUnit,
        working,
    )
}

fn stream_hours_item(p: &Pricing) -> LineItem {
    let working = format!("1 stream x {} h a month", count(HOURS_PER_MONTH));
    p.item(
        "Kinesis on-demand stream-hours",
        HOURS_PER_MONTH,
        KinesisOnDemandStreamHour,
        working,
    )
}

/// Every record is written once and read once (the drains share the shards by leases), each
/// rounded up to whole KB both ways.
fn on_demand_data_items(p: &Pricing, day: &StreamDay) -> Vec<LineItem> {
    let traffic = day.traffic();
    let gb_per_day =
        traffic.billed_kib as f64 * ON_DEMAND_RECORD_UNIT_BYTES as f64 / ON_DEMAND_GB_BYTES;
    let data = Daily::new(gb_per_day, "GB");
    let working = |verb: &str| {
        format!(
            "{} records/day {verb}, each rounded up to whole KB: {} KB = {} GB of 1,024^3 B {}",
            count(traffic.records as f64),
            count(traffic.billed_kib as f64),
            gb(gb_per_day),
            data.to_month(),
        )
    };
    vec![
        p.item(
            "Kinesis on-demand writes",
            data,
            KinesisOnDemandWrite,
            working("written"),
        ),
        p.item(
            "Kinesis on-demand reads",
            data,
            KinesisOnDemandRead,
            working("read once"),
        ),
    ]
}

/// The drains' checkpoints, lease renewals and heartbeats in the daily table; none when the
/// Lambda event source mapping reads the stream.
fn lease_items(p: &Pricing, day: &StreamDay, shards: u64) -> Vec<LineItem> {
    if p.workload.drain == DrainOn::Lambda {
        return Vec::new();
    }
    let leases = day.leases(shards);
    let writes = Daily::new(leases.write_units() as f64, "WRU");
    let writes_working = format!(
        "checkpoints {} ({} records, {} a checkpoint) + lease renewals {} ({shards} shard(s) \
         every {LEASE_RENEWAL_SECONDS} s) + heartbeats {} ({} drain(s) every \
         {HEARTBEAT_SECONDS} s), 1 WRU each {}",
        count(leases.checkpoints as f64),
        count(day.traffic().records as f64),
        day.records_per_checkpoint,
        count(leases.renewals as f64),
        count(leases.heartbeats as f64),
        day.drain_workers,
        writes.day_to_month(),
    );
    let reads = Daily::new(leases.read_units as f64, "RRU");
    let reads_working = format!(
        "{} heartbeats x 2 strongly consistent Queries (live drains; the leases of {shards} \
         shard(s)) {}",
        count(leases.heartbeats as f64),
        reads.day_to_month(),
    );
    vec![
        p.item(
            "DynamoDB lease and checkpoint writes",
            writes,
            DynamodbWrite,
            writes_working,
        ),
        p.item("DynamoDB lease reads", reads, DynamodbRead, reads_working),
    ]
}
