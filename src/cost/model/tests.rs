//! Hand-calculated bills: every expected number is worked out in the comments.

use super::*;
use crate::cost::items::LineItem;
use crate::cost::prices::PriceTable;
use crate::cost::workload::Workload;

/// 730 h / 24 h.
const DAYS: f64 = 30.416_666_666_666_668;

/// DynamoDB, Timestream and InfluxDB for `workload` in `region`, at the built-in prices.
fn options(workload: Workload, region: &str) -> Vec<PipelineOption> {
    let table = PriceTable::built_in().unwrap();
    let region = table.region(region).unwrap();
    estimate(&Pricing::new(&workload, &table, region))
}

fn item<'a>(option: &'a PipelineOption, component: &str) -> &'a LineItem {
    option
        .items
        .iter()
        .find(|item| item.component == component)
        .unwrap_or_else(|| panic!("{component} missing from {}", option.name))
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{actual} != {expected}"
    );
}

/// Each component's monthly USD against its hand calculation.
fn assert_monthly(option: &PipelineOption, expected: &[(&str, f64)]) {
    for (component, usd) in expected {
        let item = item(option, component);
        let monthly = item
            .monthly_usd
            .unwrap_or_else(|| panic!("{component} has no price: {:?}", item.note));
        close(monthly, *usd);
    }
}

#[test]
fn default_workload_in_us_west_2_dynamodb() {
    let all = options(Workload::default(), "us-west-2");
    let dynamo = &all[0];
    assert_eq!(dynamo.name, "DynamoDB");
    // SQS: 4,356 requests/day x 30.4167 = 132,495 a month, under the free 1,000,000.
    close(item(dynamo, "SQS requests").quantity, 0.0);
    close(item(dynamo, "SQS requests").used, 4_356.0 * DAYS / 1e6);
    // Raw writes: 10,000 x 1 WRU (104 B) x 30.4167 = 304,166.67 WRU x $0.625/M = $0.190104.
    close(
        item(dynamo, "DynamoDB raw event writes").quantity,
        10_000.0 * DAYS / 1e6,
    );
    assert_monthly(
        dynamo,
        &[
            ("SQS requests", 0.0),
            ("DynamoDB raw event writes", 0.190_104_166_666_666_7),
            // Aggregation: 8 shards x ceil(1,250 x 104 B / 4096) = 8 x 32 = 256 RRU/day
            // = 7,786.67 RRU x $0.125/M = $0.000973333.
            ("DynamoDB aggregation reads", 256.0 * DAYS / 1e6 * 0.125),
            ("DynamoDB aggregation reads", 0.000_973_333_333_333_333_4),
            // Daily rows: 100 x 1 WRU (132 B) + 1 summary = 101 WRU/day = 3,072.08 WRU
            // = $0.00192005.
            ("DynamoDB daily table writes", 0.001_920_052_083_333_333_4),
            // Reports: 24 x ceil(100 x 132 B / 4096) = 24 x 4 = 96 RRU/day = 2,920 RRU
            // = $0.000365.
            ("DynamoDB report reads", 0.000_365),
            // Storage: 10,000 x 400 x 204 B + 100 x 400 x 232 B = 0.82528 GB, under the free
            // 25 GB.
            ("DynamoDB storage (raw events + daily rows)", 0.0),
        ],
    );
    let storage = item(dynamo, "DynamoDB storage (raw events + daily rows)");
    close(storage.used, 0.825_28);
    assert!(
        storage.working.contains("total 0.82528 GB"),
        "{}",
        storage.working
    );
    // Total: 0.190104167 + 0.000973333 + 0.001920052 + 0.000365 = $0.193362552.
    close(dynamo.monthly_usd(), 0.193_362_552_083_333_35);
    assert!(dynamo.missing().is_empty());
}

#[test]
fn default_workload_in_us_west_2_timestream() {
    let all = options(Workload::default(), "us-west-2");
    let timestream = &all[1];
    // Memory: 10,000 x 79 B x 24/24 = 0.00079 GB x 730 h = 0.5767 GB-h.
    close(item(timestream, "Timestream memory store").quantity, 0.5767);
    // Magnetic: 10,000 x 79 B x (400 - 1) days = 0.31521 GB.
    close(
        item(timestream, "Timestream magnetic store").quantity,
        0.315_21,
    );
    assert_monthly(
        timestream,
        &[
            // Writes: 100 requests/day of 100 x 66 B + 13 B = 6,613 B = 7 KiB-writes each:
            // 700/day = 21,291.67 a month x $0.50/M = $0.0106458.
            ("Timestream writes", 700.0 * DAYS / 1e6 * 0.5),
            // 0.5767 GB-h x $0.036 = $0.0207612.
            ("Timestream memory store", 0.020_761_2),
            // 0.31521 GB x $0.03 = $0.0094563.
            ("Timestream magnetic store", 0.009_456_3),
        ],
    );
    // Queries: 1 a day x 4 TCUs x 30 s = 1/30 TCU-hour a day = 1.0139 TCU-hours; no price.
    let queries = item(timestream, "Timestream queries");
    close(queries.quantity, DAYS / 30.0);
    assert_eq!(queries.monthly_usd, None);
    assert!(queries.note.as_deref().unwrap().starts_with("not included"));
    // Total of what has a price: 0.010645833 + 0.0207612 + 0.0094563 + 0.001920052 + 0.000365.
    close(timestream.monthly_usd(), 0.043_148_385_416_666_67);
    assert_eq!(timestream.missing().len(), 1);
    assert!(timestream.notes[0].contains("closed to new customers since 2025-06-20"));
}

#[test]
fn a_million_views_a_day_in_us_east_1() {
    let workload = Workload {
        views_per_day: 1_000_000,
        ..Workload::default()
    };
    let all = options(workload, "us-east-1");
    let dynamo = &all[0];
    // Storage: 1,000,000 x 400 x 204 B = 81.6 GB + 100 x 400 x 257 B = 0.01028 GB
    // = 81.61028 GB - 25 free = 56.61028 GB.
    close(
        item(dynamo, "DynamoDB storage (raw events + daily rows)").quantity,
        56.610_28,
    );
    assert_monthly(
        dynamo,
        &[
            // SQS: 7,720/day x 30.4167 = 234,816.67, still under the free tier.
            ("SQS requests", 0.0),
            // Raw writes: 1,000,000 x 30.4167 = 30,416,666.67 WRU x $0.625/M = $19.0104167.
            ("DynamoDB raw event writes", 19.010_416_666_666_668),
            // Aggregation: 4 x ceil(250,000 x 104 / 4096) = 4 x 6,348 = 25,392 RRU/day
            // = 772,340 RRU x $0.125/M = $0.0965425.
            ("DynamoDB aggregation reads", 0.096_542_5),
            // Daily rows are 157 B now (10,000 views a page): still 1 WRU each, 4 RRU a report.
            ("DynamoDB daily table writes", 0.001_920_052_083_333_333_4),
            ("DynamoDB report reads", 0.000_365),
            // 56.61028 GB x $0.25 = $14.15257.
            ("DynamoDB storage (raw events + daily rows)", 14.152_57),
        ],
    );
    close(dynamo.monthly_usd(), 33.261_814_218_75);

    let timestream = &all[1];
    assert_monthly(
        timestream,
        &[
            // Writes: 10,000 requests x 7 = 70,000/day = 2,129,166.67 x $0.50/M = $1.0645833.
            ("Timestream writes", 1.064_583_333_333_333_3),
            // Memory: 0.079 GB x 730 h = 57.67 GB-h x $0.036 = $2.07612.
            ("Timestream memory store", 2.076_12),
            // Magnetic: 0.079 GB x 399 days = 31.521 GB x $0.03 = $0.94563.
            ("Timestream magnetic store", 0.945_63),
        ],
    );
    close(timestream.monthly_usd(), 4.088_618_385_416_667);
}

#[test]
fn given_query_and_influxdb_prices_are_used() {
    // Prices made up for the test only: they are inputs, not facts.
    let workload = Workload {
        timestream_tcu_hour_usd: Some(0.5),
        influxdb_instance_hour_usd: Some(0.2),
        influxdb_storage_gb_month_usd: Some(0.1),
        influxdb_storage_gb: Some(20.0),
        ..Workload::default()
    };
    let all = options(workload, "us-east-1");
    // 1.0138889 TCU-hours x 0.5 = 0.50694444.
    assert_monthly(&all[1], &[("Timestream queries", DAYS / 30.0 * 0.5)]);
    assert!(all[1].missing().is_empty());
    let influx = &all[2];
    // 730 instance-hours x 0.2 = 146; 20 GB x 0.1 = 2.
    assert_monthly(
        influx,
        &[("InfluxDB instance", 146.0), ("InfluxDB storage", 2.0)],
    );
    // Plus the shared daily table lines: 0.001920052 + 0.000365.
    close(influx.monthly_usd(), 148.002_285_052_083_33);
}

#[test]
fn eventually_consistent_reads_cost_half() {
    let workload = Workload {
        eventually_consistent: true,
        ..Workload::default()
    };
    let all = options(workload, "us-west-2");
    // 256 / 2 = 128 RRU/day; 96 / 2 = 48 RRU/day.
    assert_monthly(
        &all[0],
        &[
            ("DynamoDB aggregation reads", 128.0 * DAYS / 1e6 * 0.125),
            ("DynamoDB report reads", 48.0 * DAYS / 1e6 * 0.125),
        ],
    );
}

#[test]
fn unbatched_queue_messages_leave_the_free_tier() {
    // One event per message, 100,000 views/day, 3 drain workers:
    // 10,000 send batches + 10,000 receives + 10,000 deletes + 12,960 empty polls = 42,960/day
    // x 30.4167 = 1,306,700 a month - 1,000,000 free = 306,700 x $0.40/M = $0.12268.
    let workload = Workload {
        views_per_day: 100_000,
        events_per_message: Some(1),
        drain_workers: 3,
        ..Workload::default()
    };
    let all = options(workload, "us-east-1");
    close(item(&all[0], "SQS requests").quantity, 0.306_7);
    assert_monthly(&all[0], &[("SQS requests", 0.122_68)]);
}

#[test]
fn ireland_prices_what_it_knows_and_says_what_it_does_not() {
    let all = options(Workload::default(), "eu-west-1");
    let dynamo = &all[0];
    assert_monthly(
        dynamo,
        &[
            // Unverified $0.7063/M: 304,166.67 WRU = $0.21483292.
            ("DynamoDB raw event writes", 10_000.0 * DAYS / 1e6 * 0.7063),
            // No SQS or storage price, but nothing is billable: free either way.
            ("SQS requests", 0.0),
            ("DynamoDB storage (raw events + daily rows)", 0.0),
        ],
    );
    let writes = item(dynamo, "DynamoDB raw event writes");
    assert!(!writes.price.as_ref().unwrap().verified);
    assert!(dynamo.missing().is_empty());
    // Timestream prices are unknown there.
    let writes = item(&all[1], "Timestream writes");
    assert_eq!(writes.monthly_usd, None);
    assert_eq!(
        writes.note.as_deref(),
        Some("not included: timestream_write price unknown for eu-west-1")
    );
}

#[test]
fn singapore_has_no_timestream_option_to_price() {
    let all = options(Workload::default(), "ap-southeast-1");
    for component in [
        "Timestream writes",
        "Timestream memory store",
        "Timestream magnetic store",
        "Timestream queries",
    ] {
        assert_eq!(
            item(&all[1], component).note.as_deref(),
            Some("not included: Timestream for LiveAnalytics is not offered in ap-southeast-1"),
        );
    }
    // DynamoDB: unverified $0.7125/M writes, $0.1425/M reads.
    let expected =
        (10_000.0 * 0.7125 + 256.0 * 0.1425 + 101.0 * 0.7125 + 96.0 * 0.1425) * DAYS / 1e6;
    close(all[0].monthly_usd(), expected);
}
