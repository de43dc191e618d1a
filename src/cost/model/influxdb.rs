//! Raw events in Timestream for InfluxDB, where AWS now sends new time-series users: an
//! instance billed per hour while it runs, plus allocated storage.

use super::pricing::{given, Pricing};
use super::timestream::{records_gb, records_text};
use super::HOURS_PER_MONTH;
use super::{dynamodb, sqs_item};
use crate::cost::fmt::{count, gb};
use crate::cost::items::{LineItem, PipelineOption};

pub(super) fn option(p: &Pricing) -> PipelineOption {
    PipelineOption {
        name: "Timestream for InfluxDB".into(),
        items: vec![
            sqs_item(p),
            instance_item(p),
            storage_item(p),
            dynamodb::daily_writes_item(p),
            dynamodb::report_reads_item(p),
            dynamodb::storage_item(p, "DynamoDB storage (daily rows)", None),
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

fn instance_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let hours = w.influxdb_instances as f64 * HOURS_PER_MONTH;
    let working = format!(
        "{} instance(s) x 730 h (it runs all month) = {} instance-hours",
        w.influxdb_instances,
        count(hours),
    );
    let usd = w.influxdb_instance_hour_usd;
    let price = given(
        "instance-hour",
        usd,
        "--influxdb-instance-hour-usd",
        "instance-hour",
    );
    p.item("InfluxDB instance", hours, price, working)
}

fn storage_item(p: &Pricing) -> LineItem {
    let w = p.workload;
    let (stored_gb, working) = match w.influxdb_storage_gb {
        Some(given) => (
            given,
            format!("{} GB allocated (--influxdb-storage-gb)", gb(given)),
        ),
        None => {
            let stored = records_gb(w, w.retention_days as f64);
            let text = format!(
                "at least the data: {} x {} days = {} GB (you pay for what you allocate: \
                 set --influxdb-storage-gb)",
                records_text(w),
                w.retention_days,
                gb(stored)
            );
            (stored, text)
        }
    };
    let usd = w.influxdb_storage_gb_month_usd;
    let price = given(
        "GB-month",
        usd,
        "--influxdb-storage-gb-month-usd",
        "storage",
    );
    p.item("InfluxDB storage", stored_gb, price, working)
}
