//! The monthly bill of each way to run the pipeline, item by item, with the working shown.
//!
//! Quantities are computed for one day and multiplied by 730 / 24 days: AWS prices a month as
//! 730 hours. Storage is the steady state once data has been kept for the retention period.
//! One file per service; the queue, the daily table and the reports are in every option.

mod archive;
mod dynamodb;
mod influxdb;
mod kinesis;
mod lambda;
mod pricing;
mod timestream;

use super::fmt::count;
use super::items::{LineItem, PipelineOption};
use super::prices::PriceKey;
use super::sqs::LONG_POLL_SECONDS;
use super::workload::{DrainOn, QueueKind};

pub use pricing::Pricing;
use pricing::{Counted, Daily};

pub const HOURS_PER_MONTH: f64 = 730.0;
pub const DAYS_PER_MONTH: f64 = HOURS_PER_MONTH / 24.0;
/// Storage is billed in GB of 10^9 bytes.
pub const GB: f64 = 1e9;

/// The three options, and with `--queue kinesis` the two Kinesis ones, each with the whole
/// pipeline counted.
pub fn estimate(pricing: &Pricing) -> Vec<PipelineOption> {
    let mut options = vec![
        dynamodb::option(pricing),
        timestream::option(pricing),
        influxdb::option(pricing),
    ];
    if pricing.workload.queue == QueueKind::Kinesis {
        options.extend(kinesis::options(pricing));
    }
    if pricing.workload.drain == DrainOn::Lambda {
        for option in &mut options {
            option.items.extend(lambda::items(pricing));
            option.notes.push(
                "The drain and the aggregation run as Lambda functions (`deploy`); Lambda's \
                 SQS pollers' empty receives are counted as one machine drain's."
                    .into(),
            );
        }
    }
    options
}

fn sqs_item(p: &Pricing) -> LineItem {
    let requests = p.workload.queue_day().requests();
    let day = Daily::new(requests.total() as f64, "requests");
    let month = Counted::less_free(day.monthly(), p.free_sqs_requests);
    let working = format!(
        "{}/day (sends {}, receives {}, deletes {}, empty {LONG_POLL_SECONDS} s long polls {}) \
         {}; first {} a month free -> {} billable",
        count(day.per_day),
        count(requests.sends as f64),
        count(requests.receives as f64),
        count(requests.deletes as f64),
        count(requests.empty_receives as f64),
        day.to_month(),
        count(p.free_sqs_requests),
        count(month.billable),
    );
    p.item("SQS requests", month, PriceKey::SqsRequest, working)
}

#[cfg(test)]
mod tests;
