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

pub(super) fn items(p: &Pricing) -> Vec<LineItem> {
    let w = p.workload;
    let messages = p.workload.queue_day().requests().messages as f64;
    let batches = (messages / BATCH_MESSAGES).ceil();
    let requests = Daily::new(batches + 1.0, "requests");
    let requests_working = format!(
        "{} messages/day in batches of {BATCH_MESSAGES} = {} drain invocations + 1 aggregation \
         {}",
        count(messages),
        count(batches),
        requests.day_to_month()
    );
    let gb = w.lambda_memory as f64 / 1024.0;
    let drain_seconds = batches * w.lambda_batch_ms as f64 / 1000.0;
    let duration = Daily::new((drain_seconds + AGGREGATION_SECONDS) * gb, "GB-s");
    let duration_working = format!(
        "({} batches x {} ms + 1 aggregation of at most {AGGREGATION_SECONDS} s) x {} MB {}; \
         priced at x86_64's rate (arm64's lower rate is not in the table)",
        count(batches),
        w.lambda_batch_ms,
        w.lambda_memory,
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
