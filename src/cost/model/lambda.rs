//! The drain and the aggregation as Lambda functions (`cost --drain lambda`): requests and
//! duration, added to every option, since every option has a drain and a daily aggregation.

use super::pricing::{Daily, Pricing};
use crate::cost::fmt::count;
use crate::cost::items::LineItem;
use crate::cost::prices::PriceKey::{LambdaGbSecond, LambdaRequest};

/// Messages the event source mapping hands the drain at once (`deploy --batch-size`).
pub(super) const BATCH_MESSAGES: f64 = 10.0;
/// The aggregation is priced at its timeout, `deploy --timeout`'s default: an upper bound.
pub(super) const AGGREGATION_SECONDS: f64 = 50.0;

/// Events a count reads back a second per vCPU: the lower end of `cargo bench --bench packing`'s
/// one-shard counts (decode, remove duplicates, count views and visitors; docs/performance.md).
pub(super) const COUNTED_PER_VCPU_SECOND: f64 = 620_644.0;
/// Lambda's memory per vCPU: a function gets CPU in proportion to its memory, one vCPU at
/// 1,769 MB. The function runs one thread of work (a current-thread runtime), so more than one
/// vCPU does not count faster.
const MB_PER_VCPU: f64 = 1_769.0;
/// Events one shard's strongly consistent query stream reads a second: DynamoDB serves a
/// partition 3,000 read units (12 MB) a second, about 160,000 packed events of 70 to 75 bytes
/// (an estimate: docs/scaling.md).
const READ_PER_SHARD_SECOND: f64 = 160_000.0;
/// What a count holds per event: the ids of the shards it is counting at once (at most
/// `COUNTED_AT_ONCE`), and for every event of its part the visitors and counters; measured by
/// `PAGEVIEWS_PACKING_SHARD_EVENTS=16000000 cargo bench --bench packing` (86 bytes an event,
/// 44 of them the ids), and what the process holds before counting.
const ID_BYTES: f64 = 44.0;
const COUNT_BYTES_PER_EVENT: f64 = 42.0;
const COUNTED_AT_ONCE: f64 = 8.0;
const PROCESS_MB: f64 = 20.0;
/// Lambda's longest invocation and largest memory.
const LAMBDA_SECONDS: f64 = 900.0;
const LAMBDA_MAX_MB: f64 = 10_240.0;

/// A day's parts on Lambda: GB-seconds a day, and what one part needs (memory, seconds).
struct PartsWork {
    gb_seconds: f64,
    part_mb: f64,
    part_seconds: f64,
}

/// The count of a day of `shards` in `parts` invocations of `memory_mb` each: as slow as the
/// slower of its CPU (one thread, a share of a vCPU below 1,769 MB) and its reads (the part's
/// shards read up to `COUNTED_AT_ONCE` at a time).
fn parts_work(views: f64, shards: f64, parts: f64, memory_mb: f64) -> PartsWork {
    let vcpus = (memory_mb / MB_PER_VCPU).min(1.0);
    let part_events = views / parts;
    let at_once = (shards / parts).clamp(1.0, COUNTED_AT_ONCE);
    let ids = at_once * views / shards * ID_BYTES;
    let counting = part_events / (COUNTED_PER_VCPU_SECOND * vcpus);
    let reading = part_events / (READ_PER_SHARD_SECOND * at_once);
    let part_seconds = counting.max(reading);
    PartsWork {
        gb_seconds: parts * part_seconds * memory_mb / 1024.0,
        part_mb: PROCESS_MB + (ids + part_events * COUNT_BYTES_PER_EVENT) / 1e6,
        part_seconds,
    }
}

/// What the working says of a part (`what`) that does not fit a function.
fn parts_fit(work: &PartsWork, memory_mb: f64, what: &str) -> String {
    let mut unfit = Vec::new();
    if work.part_mb > memory_mb {
        unfit.push(format!(
            "{what} needs about {} MB, more than the aggregation's {memory_mb} MB",
            count(work.part_mb)
        ));
    }
    if work.part_mb > LAMBDA_MAX_MB {
        unfit.push("more than Lambda's 10,240 MB: give more --aggregate-parts".to_owned());
    }
    if work.part_seconds > LAMBDA_SECONDS {
        unfit.push(format!(
            "{what} takes about {} s, more than Lambda's 900 s: give more parts",
            count(work.part_seconds)
        ));
    }
    match unfit.is_empty() {
        true => String::new(),
        false => format!("; {}", unfit.join("; ")),
    }
}

pub(super) fn items(p: &Pricing) -> Vec<LineItem> {
    let w = p.workload;
    let messages = p.workload.queue_day().requests().messages as f64;
    let batches = (messages / BATCH_MESSAGES).ceil();
    let parts = w.aggregate_parts.max(1) as f64;
    let part_invocations = if parts > 1.0 { parts } else { 0.0 };
    let requests = Daily::new(batches + 1.0 + part_invocations, "requests");
    let parts_requests = match part_invocations > 0.0 {
        true => format!(" + {} parts", count(parts)),
        false => String::new(),
    };
    let requests_working = format!(
        "{} messages/day in batches of {BATCH_MESSAGES} = {} drain invocations + 1 aggregation\
         {parts_requests} {}",
        count(messages),
        count(batches),
        requests.day_to_month()
    );
    let gb = w.lambda_memory as f64 / 1024.0;
    let memory = w.aggregate_memory.unwrap_or(w.lambda_memory) as f64;
    let aggregate_gb = memory / 1024.0;
    let drain_seconds = batches * w.lambda_batch_ms as f64 / 1000.0;
    let work = parts_work(w.views_per_day as f64, w.shards as f64, parts, memory);
    let parts_gb_seconds = if part_invocations > 0.0 {
        work.gb_seconds
    } else {
        0.0
    };
    let duration = Daily::new(
        drain_seconds * gb + AGGREGATION_SECONDS * aggregate_gb + parts_gb_seconds,
        "GB-s",
    );
    let parts_duration = match part_invocations > 0.0 {
        true => format!(
            " + {} parts of {} views, each {} s (the slower of counting at {} events/s a vCPU \
             and reading {} events/s a shard) x {} MB ({} GB-s){}",
            count(parts),
            count(w.views_per_day as f64 / parts),
            count(work.part_seconds.ceil()),
            count(COUNTED_PER_VCPU_SECOND),
            count(READ_PER_SHARD_SECOND),
            memory,
            count(work.gb_seconds),
            parts_fit(&work, memory, "a part")
        ),
        // One invocation counts the day: say when it cannot.
        false => parts_fit(&work, memory, "the day's count"),
    };
    let duration_working = format!(
        "{} batches x {} ms x {} MB + 1 aggregation of at most {AGGREGATION_SECONDS} s x {} MB\
         {parts_duration} {}; priced at x86_64's rate (arm64's lower rate is not in the table)",
        count(batches),
        w.lambda_batch_ms,
        w.lambda_memory,
        memory,
        duration.day_to_month()
    );
    vec![
        p.item("Lambda requests", requests, LambdaRequest, requests_working),
        p.item(
            "Lambda duration",
            duration,
            LambdaGbSecond,
            duration_working,
        ),
    ]
}
