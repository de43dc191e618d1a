//! The workload an estimate is for: the `cost` flags that describe it (their defaults and
//! ranges are the model's), and the sizes derived from it.

use clap::{Args, FromArgMatches};

use super::sizes;
use super::sqs::QueueDay;
use super::stream::{StreamDay, MAX_RECORDS_PER_CHECKPOINT};
use super::usage::Usage;
use crate::backend::aws::keys::MAX_SHARDS;
use crate::backend::aws::layout::PACKED_ITEM_BYTES;
use crate::model::event::{
    MAX_EVENTS_PER_MESSAGE, MAX_ID_BYTES, MAX_MESSAGE_BYTES, MAX_PAGE_BYTES,
};
use crate::model::values::{gigabytes, usd, whole};
use crate::model::visitor::MAX_VISITOR_BYTES;

/// Where the drain and the aggregation run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DrainOn {
    Machine,
    Lambda,
}

/// The queue the estimate prices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueKind {
    /// Amazon SQS, `init`'s default: the options as they always were.
    Sqs,
    /// A Kinesis data stream too (`init --queue kinesis`): raw events in DynamoDB behind a
    /// provisioned stream and behind an on-demand one, beside the SQS options.
    Kinesis,
}

/// WriteRecords takes at most 100 records.
pub const MAX_TIMESTREAM_BATCH: u64 = 100;
/// TCUs are billed per second with a 30 s minimum.
pub const MIN_TCU_SECONDS: u64 = 30;
/// A query account needs at least 4 TCUs (Timestream developer guide, "MaxQuery TCU").
pub const MIN_QUERY_TCUS: u64 = 4;
/// An event inside a packed item, at most: a whole item of the packed layout.
const MAX_EVENT_BYTES: u64 = PACKED_ITEM_BYTES as u64;

// The flags are declared in the order `cost --help` lists them under each heading; `--from-usage`
// (in `CostArgs`) replaces views_per_day and pages with what the deployment measured.
#[derive(Debug, Clone, PartialEq, Args)]
pub struct Workload {
    /// Page views a day.
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 1_000_000_000_000), default_value_t = 10_000,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub views_per_day: u64,

    /// Distinct pages viewed a day (one daily row each).
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 100_000_000), default_value_t = 100,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub pages: u64,

    /// Days raw events are kept (DynamoDB TTL, or Timestream retention).
    #[arg(long, value_name = "DAYS", value_parser = whole::<u64>(1, 36_500), default_value_t = 400,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub retention_days: u64,

    /// Reports run a day (each reads the daily table).
    #[arg(long, value_name = "N", value_parser = whole::<u64>(0, 1_000_000), default_value_t = 24,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub report_queries_per_day: u64,

    /// Days each report covers.
    #[arg(long, value_name = "DAYS", value_parser = whole::<u64>(1, 3_660), default_value_t = 1,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub report_days: u64,

    /// Bytes an event takes inside a packed raw item in DynamoDB [default: computed from the
    /// encoding with --page-bytes, --id-bytes and --visitor-bytes].
    #[arg(long, value_name = "BYTES", value_parser = whole::<u64>(1, MAX_EVENT_BYTES), allow_negative_numbers = true,
          help_heading = "Sizes")]
    pub event_bytes: Option<u64>,

    // A typical path such as "/posts/2021/03/some-post-title".
    /// Typical page path length in bytes.
    #[arg(long, value_name = "BYTES", value_parser = whole::<u64>(1, MAX_PAGE_BYTES as u64), default_value_t = 30,
          allow_negative_numbers = true, help_heading = "Sizes")]
    pub page_bytes: u64,

    // `send`'s ids: 16 hex digits of the seed, "-", the event's index (5 digits at 10,000 a
    // day), e.g. "0000000000000007-12345".
    /// Event id length in bytes (send's ids: 16 hex digits, '-', the index).
    #[arg(long, value_name = "BYTES", value_parser = whole::<u64>(1, MAX_ID_BYTES as u64), default_value_t = 22,
          allow_negative_numbers = true, help_heading = "Sizes")]
    pub id_bytes: u64,

    // The collector's keys are 16 hex digits, which a packed item holds in 8 bytes; `send`
    // makes views without keys unless given --visitors.
    /// Visitor key length in bytes (the collector's: 16 hex digits); 0 for views without one.
    #[arg(long, value_name = "BYTES", value_parser = whole::<u64>(0, MAX_VISITOR_BYTES as u64), default_value_t = 16,
          allow_negative_numbers = true, help_heading = "Sizes")]
    pub visitor_bytes: u64,

    /// Events per queue message [default: what send packs into 64 KiB].
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, MAX_EVENTS_PER_MESSAGE as u64), allow_negative_numbers = true,
          help_heading = "Pipeline")]
    pub events_per_message: Option<u64>,

    /// Shards a day's raw events are spread over (one aggregation query each).
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, MAX_SHARDS.into()), default_value_t = 8,
          allow_negative_numbers = true, help_heading = "Pipeline")]
    pub shards: u64,

    /// `drain --follow` workers long-polling the queue all day.
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 64), default_value_t = 1,
          allow_negative_numbers = true, help_heading = "Pipeline")]
    pub drain_workers: u64,

    /// Price aggregation and report reads as eventually consistent (half the read units).
    #[arg(long, help_heading = "Pipeline")]
    pub eventually_consistent: bool,

    /// Where the drain and the daily aggregation run: on a machine of yours (not priced), or
    /// as Lambda functions (`deploy`), priced per request and GB-second.
    #[arg(long, value_enum, default_value_t = DrainOn::Machine, help_heading = "Pipeline")]
    pub drain: DrainOn,

    /// Memory of the Lambda functions in MB (`deploy --memory`), with --drain lambda.
    #[arg(long, value_name = "MB", value_parser = whole::<u64>(128, 10_240), default_value_t = 256,
          allow_negative_numbers = true, help_heading = "Pipeline")]
    pub lambda_memory: u64,

    /// Memory of the aggregation function in MB (`deploy --aggregate-memory`), with --drain
    /// lambda [default: --lambda-memory].
    #[arg(long, value_name = "MB", value_parser = whole::<u64>(128, 10_240),
          allow_negative_numbers = true, help_heading = "Pipeline")]
    pub aggregate_memory: Option<u64>,

    /// Parts the aggregation function counts each day in (`deploy --aggregate-parts`), one
    /// invocation each, with --drain lambda.
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 64), default_value_t = 1,
          allow_negative_numbers = true, help_heading = "Pipeline")]
    pub aggregate_parts: u64,

    /// Milliseconds the drain function takes per batch of 10 messages, with --drain lambda
    /// (docs/performance.md, "Lambda handler": 32-66 ms for 10 full messages against an
    /// emulator on loopback; in AWS add each call's latency).
    #[arg(long, value_name = "MS", value_parser = whole::<u64>(1, 900_000), default_value_t = 200,
          allow_negative_numbers = true, help_heading = "Pipeline")]
    pub lambda_batch_ms: u64,

    // Events up to a day late (a drain from cron, yesterday's aggregation) still land in the
    // memory store, which is where Timestream accepts ordinary writes.
    /// Hours Timestream keeps events in its memory store before the magnetic store.
    #[arg(long, value_name = "HOURS", value_parser = whole::<u64>(1, 8_766), default_value_t = 24,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub memory_store_hours: u64,

    /// Records per Timestream WriteRecords request (at most 100).
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, MAX_TIMESTREAM_BATCH), default_value_t = MAX_TIMESTREAM_BATCH,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub timestream_batch: u64,

    /// Seconds the daily aggregation query runs (billed with a 30 s minimum).
    #[arg(long, value_name = "SECONDS", value_parser = whole::<u64>(1, 86_400), default_value_t = MIN_TCU_SECONDS,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub timestream_query_seconds: u64,

    /// Price of a Timestream compute unit hour (TCU-hour) in USD: not in the price table.
    #[arg(long, value_name = "USD", value_parser = usd, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub timestream_tcu_hour_usd: Option<f64>,

    /// Timestream for InfluxDB instances running all month.
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 100), default_value_t = 1,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub influxdb_instances: u64,

    /// Price of a Timestream for InfluxDB instance-hour in USD: not in the price table.
    #[arg(long, value_name = "USD", value_parser = usd, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub influxdb_instance_hour_usd: Option<f64>,

    /// Price of a GB-month of Timestream for InfluxDB storage in USD: not in the price table.
    #[arg(long, value_name = "USD", value_parser = usd, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub influxdb_storage_gb_month_usd: Option<f64>,

    /// Storage allocated to InfluxDB in GB [default: the data volume].
    #[arg(long, value_name = "GB", value_parser = gigabytes, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub influxdb_storage_gb: Option<f64>,

    /// Days raw events stay in DynamoDB, fewer than --retention-days: older ones are deleted
    /// (TTL), or archived with --archive [default: --retention-days].
    #[arg(long, value_name = "DAYS", value_parser = whole::<u64>(1, 36_500), allow_negative_numbers = true,
          help_heading = "Archive")]
    pub raw_retention_days: Option<u64>,

    /// Archive raw events older than --raw-retention-days (`pageviews archive`) and keep them
    /// there until --retention-days.
    #[arg(
        long,
        value_enum,
        value_name = "WHERE",
        requires = "raw_retention_days",
        help_heading = "Archive"
    )]
    pub archive: Option<ArchiveTarget>,

    // Measured: `send --visitors` events, whose ids and keys repeat, gzip to 10 bytes; random
    // 22-byte ids and 16-digit keys (half their hex digits' bits) make about 30.
    /// Bytes an archived event takes (gzipped NDJSON).
    #[arg(long, value_name = "BYTES", value_parser = whole::<u64>(1, 100_000), default_value_t = 30,
          allow_negative_numbers = true, help_heading = "Archive")]
    pub archive_event_bytes: u64,

    /// The queue to price: sqs, or kinesis to add a Kinesis data stream, provisioned and
    /// on-demand, beside the SQS options.
    #[arg(long, value_enum, default_value_t = QueueKind::Sqs, help_heading = "Kinesis")]
    pub queue: QueueKind,

    /// Shards of the provisioned stream (`init --stream-shards`), with --queue kinesis
    /// [default: what the day's mean rate needs, at least 1].
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 100_000), allow_negative_numbers = true,
          help_heading = "Kinesis")]
    pub stream_shards: Option<u64>,

    // A drain that keeps up stores records about as they arrive, each group and checkpoint
    // holding one; reading a backlog it fills groups of 250.
    /// Records a drain stores between two checkpoints of a shard, with --queue kinesis: 1
    /// when it keeps up with the traffic, up to 250 when it reads a backlog [default: 1].
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, MAX_RECORDS_PER_CHECKPOINT), allow_negative_numbers = true,
          help_heading = "Kinesis")]
    pub records_per_checkpoint: Option<u64>,
}

/// Where `--archive` keeps old raw events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ArchiveTarget {
    /// Amazon S3 Standard: `pageviews archive --output s3://...`.
    S3,
}

impl Default for Workload {
    /// The workload of `pageviews cost` without flags: the defaults are written once, on the
    /// flags.
    fn default() -> Self {
        let flags = Workload::augment_args(clap::Command::new("cost").no_binary_name(true));
        let matches = flags
            .try_get_matches_from(std::iter::empty::<&str>())
            .expect("every flag has a default or is optional");
        Workload::from_arg_matches(&matches).expect("the defaults parse")
    }
}

impl Workload {
    /// The volumes `--from-usage` measured, in place of the flags'.
    pub fn with_usage(self, usage: &Usage) -> Workload {
        Workload {
            views_per_day: usage.views_per_day,
            pages: usage.pages,
            ..self
        }
    }

    /// An event inside a packed raw item: given, or computed from the encoding, with the gap
    /// between the times of a message's consecutive events on one shard.
    pub fn event_bytes(&self) -> u64 {
        self.event_bytes.unwrap_or_else(|| {
            let gap = super::packing::gap_ms(self);
            sizes::packed_event_bytes(self.page_bytes, self.id_bytes, self.visitor_bytes, gap)
        })
    }

    pub fn wire_bytes(&self) -> u64 {
        sizes::wire_event_bytes(self.page_bytes, self.id_bytes, self.visitor_bytes)
    }

    pub fn events_per_message(&self) -> u64 {
        self.events_per_message
            .unwrap_or_else(|| sizes::packed_events_per_message(self.wire_bytes()))
    }

    /// Mean views of a page in a day, rounded up (at least 1).
    pub fn views_per_page(&self) -> u64 {
        self.views_per_day.div_ceil(self.pages.max(1)).max(1)
    }

    pub fn daily_item_bytes(&self) -> u64 {
        sizes::daily_item_bytes(self.page_bytes, self.views_per_page())
    }

    /// Days raw events stay in DynamoDB.
    pub fn raw_days(&self) -> u64 {
        self.raw_retention_days.unwrap_or(self.retention_days)
    }

    /// A Timestream record as stored (InfluxDB keeps about as much).
    pub fn record_bytes(&self) -> u64 {
        sizes::timestream_record_storage_bytes(self.page_bytes, self.id_bytes, self.visitor_bytes)
    }

    /// How the pipeline uses the queue in a day.
    pub fn queue_day(&self) -> QueueDay {
        QueueDay {
            events: self.views_per_day,
            wire_bytes: self.wire_bytes(),
            events_per_message: self.events_per_message(),
            drain_workers: self.drain_workers,
        }
    }

    /// How the pipeline uses a Kinesis stream in a day.
    pub fn stream_day(&self) -> StreamDay {
        StreamDay {
            events: self.views_per_day,
            wire_bytes: self.wire_bytes(),
            events_per_message: self.events_per_message(),
            drain_workers: self.drain_workers,
            records_per_checkpoint: self.records_per_checkpoint.unwrap_or(1),
        }
    }

    /// Limits that involve two flags; clap checks each flag's own range.
    pub fn check(&self) -> Result<(), String> {
        if self.queue != QueueKind::Kinesis {
            let stream_flag = [
                ("--stream-shards", self.stream_shards.is_some()),
                (
                    "--records-per-checkpoint",
                    self.records_per_checkpoint.is_some(),
                ),
            ];
            if let Some((flag, _)) = stream_flag.iter().find(|(_, given)| *given) {
                return Err(format!(
                    "{flag} describes a Kinesis stream: give it with --queue kinesis"
                ));
            }
        }
        if let Some(raw) = self
            .raw_retention_days
            .filter(|raw| *raw > self.retention_days)
        {
            return Err(format!(
                "--raw-retention-days {raw} is longer than --retention-days {}: raw events \
                 cannot outlive the history kept",
                self.retention_days
            ));
        }
        let retention_hours = self.retention_days * 24;
        if self.memory_store_hours > retention_hours {
            return Err(format!(
                "--memory-store-hours {} is longer than --retention-days {} ({retention_hours} h)",
                self.memory_store_hours, self.retention_days
            ));
        }
        let epm = self.events_per_message();
        let body = sizes::message_bytes(epm, self.wire_bytes(), epm);
        if body > MAX_MESSAGE_BYTES as u64 {
            return Err(format!(
                "--events-per-message {epm}: a message of {epm} events of {} bytes is {body} \
                 bytes, over SQS's 1 MiB limit",
                self.wire_bytes()
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_flags_and_derive_the_sizes() {
        let workload = Workload::default();
        assert_eq!(
            (
                workload.views_per_day,
                workload.pages,
                workload.retention_days
            ),
            (10_000, 100, 400)
        );
        assert_eq!(workload.events_per_message, None);
        // A gap of 69,120 ms (3 bytes), id 1 + 22, page 1 + 30, visitor key 1 + 1 + 8, end 1.
        assert_eq!(workload.event_bytes(), 68);
        assert_eq!(workload.wire_bytes(), 134);
        assert_eq!(workload.events_per_message(), 485);
        assert_eq!(workload.views_per_page(), 100);
        assert_eq!(workload.daily_item_bytes(), 132);
        assert_eq!(workload.record_bytes(), 102);
        assert_eq!(workload.check(), Ok(()));
    }

    #[test]
    fn given_sizes_win() {
        let workload = Workload {
            event_bytes: Some(2_000),
            events_per_message: Some(10),
            ..Workload::default()
        };
        assert_eq!(workload.event_bytes(), 2_000);
        assert_eq!(workload.events_per_message(), 10);
    }

    #[test]
    fn cross_flag_limits() {
        let long_memory = Workload {
            retention_days: 1,
            memory_store_hours: 25,
            ..Workload::default()
        };
        assert!(long_memory
            .check()
            .unwrap_err()
            .contains("--memory-store-hours"));
        let shards_without_a_stream = Workload {
            stream_shards: Some(2),
            ..Workload::default()
        };
        assert_eq!(
            shards_without_a_stream.check(),
            Err("--stream-shards describes a Kinesis stream: give it with --queue kinesis".into())
        );
        let huge_messages = Workload {
            events_per_message: Some(20_000),
            ..Workload::default()
        };
        assert!(huge_messages
            .check()
            .unwrap_err()
            .contains("--events-per-message"));
    }
}
