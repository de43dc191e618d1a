//! The workload an estimate is for, with the defaults and the sizes derived from it.

use super::sizes;
use crate::event::MAX_MESSAGE_BYTES;

pub const DEFAULT_VIEWS_PER_DAY: u64 = 10_000;
pub const DEFAULT_RETENTION_DAYS: u64 = 400;
pub const DEFAULT_PAGES: u64 = 100;
pub const DEFAULT_REPORT_QUERIES_PER_DAY: u64 = 24;
pub const DEFAULT_REPORT_DAYS: u64 = 1;
/// A typical path such as "/posts/2021/03/some-post-title".
pub const DEFAULT_PAGE_BYTES: u64 = 30;
/// `send`'s ids: 16 hex digits of the seed, "-", the event's index (5 digits at 10,000 a day),
/// e.g. "0000000000000007-12345".
pub const DEFAULT_ID_BYTES: u64 = 22;
pub const DEFAULT_SHARDS: u64 = 8;
pub const DEFAULT_DRAIN_WORKERS: u64 = 1;
/// Events up to a day late (a drain from cron, yesterday's aggregation) still land in the
/// memory store, which is where Timestream accepts ordinary writes.
pub const DEFAULT_MEMORY_STORE_HOURS: u64 = 24;
/// WriteRecords takes at most 100 records.
pub const MAX_TIMESTREAM_BATCH: u64 = 100;
/// TCUs are billed per second with a 30 s minimum.
pub const MIN_TCU_SECONDS: u64 = 30;
/// A query account needs at least 4 TCUs (Timestream developer guide, "MaxQuery TCU").
pub const MIN_QUERY_TCUS: u64 = 4;

#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub views_per_day: u64,
    pub pages: u64,
    pub retention_days: u64,
    pub report_queries_per_day: u64,
    pub report_days: u64,
    pub page_bytes: u64,
    pub id_bytes: u64,
    /// The raw item's size; `None` computes it from the item layout.
    pub event_bytes: Option<u64>,
    /// `None` packs as `send` does.
    pub events_per_message: Option<u64>,
    pub shards: u64,
    pub drain_workers: u64,
    pub eventually_consistent: bool,
    pub memory_store_hours: u64,
    pub timestream_batch: u64,
    pub timestream_query_seconds: u64,
    pub timestream_tcu_hour_usd: Option<f64>,
    pub influxdb_instances: u64,
    pub influxdb_instance_hour_usd: Option<f64>,
    pub influxdb_storage_gb_month_usd: Option<f64>,
    pub influxdb_storage_gb: Option<f64>,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            views_per_day: DEFAULT_VIEWS_PER_DAY,
            pages: DEFAULT_PAGES,
            retention_days: DEFAULT_RETENTION_DAYS,
            report_queries_per_day: DEFAULT_REPORT_QUERIES_PER_DAY,
            report_days: DEFAULT_REPORT_DAYS,
            page_bytes: DEFAULT_PAGE_BYTES,
            id_bytes: DEFAULT_ID_BYTES,
            event_bytes: None,
            events_per_message: None,
            shards: DEFAULT_SHARDS,
            drain_workers: DEFAULT_DRAIN_WORKERS,
            eventually_consistent: false,
            memory_store_hours: DEFAULT_MEMORY_STORE_HOURS,
            timestream_batch: MAX_TIMESTREAM_BATCH,
            timestream_query_seconds: MIN_TCU_SECONDS,
            timestream_tcu_hour_usd: None,
            influxdb_instances: 1,
            influxdb_instance_hour_usd: None,
            influxdb_storage_gb_month_usd: None,
            influxdb_storage_gb: None,
        }
    }
}

impl Workload {
    /// The raw DynamoDB item: given, or computed from the key layout.
    pub fn event_bytes(&self) -> u64 {
        self.event_bytes
            .unwrap_or_else(|| sizes::raw_item_bytes(self.page_bytes, self.id_bytes))
    }

    pub fn wire_bytes(&self) -> u64 {
        sizes::wire_event_bytes(self.page_bytes, self.id_bytes)
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

    /// Limits that involve two flags; clap checks each flag's own range.
    pub fn check(&self) -> Result<(), String> {
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
    fn defaults_derive_the_sizes() {
        let workload = Workload::default();
        assert_eq!(workload.event_bytes(), 104);
        assert_eq!(workload.wire_bytes(), 105);
        assert_eq!(workload.events_per_message(), 618);
        assert_eq!(workload.views_per_page(), 100);
        assert_eq!(workload.daily_item_bytes(), 132);
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
