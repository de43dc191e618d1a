//! Hand-calculated bills: every expected number is worked out in the comments.

use super::*;
use crate::cost::items::LineItem;
use crate::cost::prices::PriceTable;
use crate::cost::workload::Workload;

/// 730 h / 24 h.
const DAYS: f64 = 30.416_666_666_666_668;

/// Raw write units of the default workload's day in the packed layout: 10,000 events in
/// 10,000 / 485 = 20.6186 messages (485 events of 134 B fill a 64 KiB message); a message's
/// events fall on 8 shards by a hash of their ids, Binomial(485, 1/8) a shard (60.6 on
/// average); a share of k events (up to 119 a full item) is one item of 78 + 68k bytes, billed
/// ceil((78 + 68k) / 1024) units: 4 for 45 to 59 events, 5 for 60 to 74. Over the binomial a
/// share takes 4.57495 units, so 20.6186 x 8 x 4.57495 = 754.630 WRU a day (an independent
/// computation of the same sum agrees to 9 digits; `packing::tests` has a case done by hand).
const DEFAULT_RAW_WRU: f64 = 754.630_331_524_944_5;

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
    // SQS: 21 sends + 21 receives + 3 deletes + 4,320 empty polls = 4,365 requests/day
    // x 30.4167 = 132,769 a month, under the free 1,000,000.
    close(item(dynamo, "SQS requests").quantity, 0.0);
    close(item(dynamo, "SQS requests").used, 4_365.0 * DAYS / 1e6);
    // Raw writes: 754.630 WRU of items + 2 day marks x 2 drain writes (1 MiB groups of 16
    // messages) = 758.630 WRU/day x 30.4167 = 23,075.0 WRU x $0.625/M = $0.0144219.
    close(
        item(dynamo, "DynamoDB raw event writes").quantity,
        (DEFAULT_RAW_WRU + 4.0) * DAYS / 1e6,
    );
    assert_monthly(
        dynamo,
        &[
            ("SQS requests", 0.0),
            (
                "DynamoDB raw event writes",
                (DEFAULT_RAW_WRU + 4.0) * DAYS / 1e6 * 0.625,
            ),
            // Aggregation: the items hold 692,866 B a day (their sizes summed over the same
            // binomial), 86,608 B a shard: 8 shards x ceil(86,608 / 4096) = 8 x 22 = 176
            // RRU/day = 5,353.33 RRU x $0.125/M = $0.000669167.
            ("DynamoDB aggregation reads", 176.0 * DAYS / 1e6 * 0.125),
            ("DynamoDB aggregation reads", 0.000_669_166_666_666_666_7),
            // Daily rows: 100 x 1 WRU (132 B) + 1 summary = 101 WRU/day = 3,072.08 WRU
            // = $0.00192005.
            ("DynamoDB daily table writes", 0.001_920_052_083_333_333_4),
            // Reports: 24 x ceil(100 x 132 B / 4096) = 24 x 4 = 96 RRU/day = 2,920 RRU
            // = $0.000365.
            ("DynamoDB report reads", 0.000_365),
            // Storage: raw items (692,866 B + 164.948 items x 100 B) x 400 = 0.283744 GB,
            // daily rows 100 x 400 x 232 B = 0.00928 GB: 0.293024 GB, under the free 25 GB.
            ("DynamoDB storage (raw events + daily rows)", 0.0),
        ],
    );
    let storage = item(dynamo, "DynamoDB storage (raw events + daily rows)");
    close((storage.used * 1e6).round() / 1e6, 0.293_024);
    assert!(
        storage.working.contains("total 0.293024 GB"),
        "{}",
        storage.working
    );
    // Total: 0.014421879 + 0.000669167 + 0.001920052 + 0.000365 = $0.017376097.
    let raw = (DEFAULT_RAW_WRU + 4.0) * DAYS / 1e6 * 0.625;
    close(
        dynamo.monthly_usd(),
        raw + 0.000_669_166_666_666_666_7 + 0.001_920_052_083_333_333_4 + 0.000_365,
    );
    assert!(dynamo.missing().is_empty());
}

#[test]
fn default_workload_in_us_west_2_timestream() {
    let all = options(Workload::default(), "us-west-2");
    let timestream = &all[1];
    // A record keeps its time 8, page 4 + 30, id 2 + 22, visitor 7 + 16 and the measure 13:
    // 102 B. Memory: 10,000 x 102 B x 24/24 = 0.00102 GB x 730 h = 0.7446 GB-h.
    close(item(timestream, "Timestream memory store").quantity, 0.7446);
    // Magnetic: 10,000 x 102 B x (400 - 1) days = 0.40698 GB.
    close(
        item(timestream, "Timestream magnetic store").quantity,
        0.406_98,
    );
    assert_monthly(
        timestream,
        &[
            // Writes: 100 requests/day of 100 x 89 B + 13 B = 8,913 B = 9 KiB-writes each:
            // 900/day = 27,375 a month x $0.50/M = $0.0136875.
            ("Timestream writes", 900.0 * DAYS / 1e6 * 0.5),
            // 0.7446 GB-h x $0.036 = $0.0268056.
            ("Timestream memory store", 0.026_805_6),
            // 0.40698 GB x $0.03 = $0.0122094.
            ("Timestream magnetic store", 0.012_209_4),
        ],
    );
    // Queries: 1 a day x 4 TCUs x 30 s = 1/30 TCU-hour a day = 1.0139 TCU-hours; no price.
    let queries = item(timestream, "Timestream queries");
    close(queries.quantity, DAYS / 30.0);
    assert_eq!(queries.monthly_usd, None);
    assert!(queries.note.as_deref().unwrap().starts_with("not included"));
    // Total of what has a price: 0.0136875 + 0.0268056 + 0.0122094 + 0.001920052 + 0.000365.
    close(timestream.monthly_usd(), 0.054_987_552_083_333_33);
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
    // Packed as in the default workload but 691 ms apart on a shard (a 2-byte gap): events
    // of 67 B, 120 a full item; 2,061.86 messages x 8 shares of Binomial(485, 1/8) events:
    // 16,494.8 items of 68,286,598 B in all, 75,330.0 WRU a day.
    // Storage: (68,286,598 B + 1,649,485 B of overhead) x 400 = 27.974433 GB + daily rows
    // 100 x 400 x 257 B = 0.01028 GB = 27.984713 GB - 25 free = 2.984713 GB.
    close(
        item(dynamo, "DynamoDB storage (raw events + daily rows)").quantity,
        2.984_712_989_690_806,
    );
    assert_monthly(
        dynamo,
        &[
            // SQS: still under the free tier.
            ("SQS requests", 0.0),
            // Raw writes: 75,330.02 + 2 marks x 129 drain writes = 75,588.02 WRU/day
            // x 30.4167 = 2,299,135 WRU x $0.625/M = $1.436960.
            (
                "DynamoDB raw event writes",
                (75_330.016_393_542_29 + 258.0) * DAYS / 1e6 * 0.625,
            ),
            // Aggregation: 8 x ceil(8,535,825 B / 4096) = 8 x 2,084 = 16,672 RRU/day
            // = 507,107 RRU x $0.125/M = $0.0633883.
            ("DynamoDB aggregation reads", 0.063_388_333_333_333_34),
            // Daily rows are 157 B now (10,000 views a page): still 1 WRU each, 4 RRU a report.
            ("DynamoDB daily table writes", 0.001_920_052_083_333_333_4),
            ("DynamoDB report reads", 0.000_365),
            // 2.984713 GB x $0.25 = $0.746178.
            (
                "DynamoDB storage (raw events + daily rows)",
                0.746_178_247_422_701_4,
            ),
        ],
    );
    // $1.436960 + $0.0633883 + $0.001920052 + $0.000365 + $0.746178 = $2.248811: it was
    // $33.26 with one item per event ($19.01 of writes, $14.15 of storage).
    let raw = (75_330.016_393_542_29 + 258.0) * DAYS / 1e6 * 0.625;
    let sum = raw
        + 0.063_388_333_333_333_34
        + 0.001_920_052_083_333_333_4
        + 0.000_365
        + 0.746_178_247_422_701_4;
    assert!(
        (dynamo.monthly_usd() - sum).abs() < 1e-6,
        "{}",
        dynamo.monthly_usd()
    );

    let timestream = &all[1];
    assert_monthly(
        timestream,
        &[
            // Writes: 10,000 requests x 9 = 90,000/day = 2,737,500 x $0.50/M = $1.36875.
            ("Timestream writes", 1.368_75),
            // Memory: 0.102 GB x 730 h = 74.46 GB-h x $0.036 = $2.68056.
            ("Timestream memory store", 2.680_56),
            // Magnetic: 0.102 GB x 399 days = 40.698 GB x $0.03 = $1.22094.
            ("Timestream magnetic store", 1.220_94),
        ],
    );
    // More than DynamoDB's $2.22 before any query is paid for.
    close(timestream.monthly_usd(), 5.272_535_052_083_333);
    assert!(timestream.monthly_usd() > dynamo.monthly_usd());
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
    // 176 / 2 = 88 RRU/day; 96 / 2 = 48 RRU/day.
    assert_monthly(
        &all[0],
        &[
            ("DynamoDB aggregation reads", 88.0 * DAYS / 1e6 * 0.125),
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
            // Unverified $0.7063/M: 23,075.0 WRU = $0.0162979.
            (
                "DynamoDB raw event writes",
                (DEFAULT_RAW_WRU + 4.0) * DAYS / 1e6 * 0.7063,
            ),
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
    let raw = DEFAULT_RAW_WRU + 4.0;
    let expected = (raw * 0.7125 + 176.0 * 0.1425 + 101.0 * 0.7125 + 96.0 * 0.1425) * DAYS / 1e6;
    close(all[0].monthly_usd(), expected);
}

#[test]
fn a_day_counted_in_parts_on_lambda_adds_an_invocation_a_part_and_its_counting_time() {
    use crate::cost::workload::DrainOn;
    let billion = |parts: u64| Workload {
        views_per_day: 1_000_000_000,
        shards: 64,
        drain: DrainOn::Lambda,
        lambda_memory: 2048,
        aggregate_parts: parts,
        ..Workload::default()
    };
    let whole = &options(billion(1), "us-east-1")[0];
    let parts = &options(billion(64), "us-east-1")[0];
    let month = 730.0 / 24.0;
    let requests = |option| item(option, "Lambda requests").quantity;
    close(requests(parts) - requests(whole), 64.0 * month / 1e6);
    // A part of one shard reads 15,625,000 events at 160,000 a second (97.7 s), slower than
    // it counts them on its one thread (25.2 s): 64 x 97.7 s x 2 GB.
    let duration = |option| item(option, "Lambda duration").quantity;
    let part_seconds = 15_625_000.0 / 160_000.0;
    close(
        duration(parts) - duration(whole),
        64.0 * part_seconds * 2.0 * month,
    );
    // One invocation cannot count such a day (the ids of 8 shards at once, 44 bytes each,
    // and 42 bytes an event for the day's visitors and counters); 64 parts of one shard's
    // 15.6 million events each (86 bytes an event) fit 2 GB.
    let working = |option| item(option, "Lambda duration").working.clone();
    let told = working(whole);
    assert!(
        told.contains("the day's count needs about 47,520 MB"),
        "{told}"
    );
    assert!(told.contains("more than Lambda's 10,240 MB: give more --aggregate-parts"));
    // Reading 8 shards at once, a whole day takes 781 s; counting on one thread, 1,611 s.
    assert!(
        told.contains("takes about 1,611 s, more than Lambda's 900 s"),
        "{told}"
    );
    let told = working(parts);
    assert!(told.contains("64 parts of 15,625,000 views"), "{told}");
    assert!(!told.contains("more than"), "{told}");
}

#[test]
fn a_lambda_drain_is_priced_per_request_and_gb_second_in_every_option() {
    use crate::cost::workload::DrainOn;
    let workload = Workload {
        events_per_message: Some(1),
        drain: DrainOn::Lambda,
        ..Workload::default()
    };
    for option in options(workload.clone(), "us-east-1") {
        // 10,000 one-event messages a day in batches of 10: 1,000 drain invocations and the
        // aggregation, 1,001 a day x 730 / 24 days.
        let requests = item(&option, "Lambda requests");
        close(requests.quantity, 1_001.0 * 730.0 / 24.0 / 1e6);
        close(
            requests.monthly_usd.unwrap(),
            1_001.0 * 730.0 / 24.0 / 1e6 * 0.20,
        );
        // (1,000 x 200 ms + 50 s) x 256 MB = 62.5 GB-s a day.
        let duration = item(&option, "Lambda duration");
        close(duration.quantity, 62.5 * 730.0 / 24.0);
        close(
            duration.monthly_usd.unwrap(),
            62.5 * 730.0 / 24.0 * 0.000_016_666_7,
        );
    }
    let machine = Workload {
        drain: DrainOn::Machine,
        ..workload
    };
    let dynamo = &options(machine, "us-east-1")[0];
    assert!(dynamo
        .items
        .iter()
        .all(|item| !item.component.starts_with("Lambda")));
    // Where the table has no Lambda prices, the items say so instead of guessing.
    let elsewhere = Workload {
        drain: DrainOn::Lambda,
        ..Workload::default()
    };
    let dynamo = &options(elsewhere, "eu-west-1")[0];
    let note = item(dynamo, "Lambda duration").note.clone().unwrap();
    assert!(note.starts_with("not included"), "{note}");
}

#[test]
fn kinesis_options_with_the_default_workload_in_us_east_1() {
    use crate::cost::workload::QueueKind;
    let workload = Workload {
        queue: QueueKind::Kinesis,
        ..Workload::default()
    };
    let all = options(workload, "us-east-1");
    let names: Vec<&str> = all.iter().map(|option| option.name.as_str()).collect();
    assert_eq!(
        names[3..],
        [
            "DynamoDB, Kinesis provisioned",
            "DynamoDB, Kinesis on-demand"
        ]
    );
    let provisioned = &all[3];
    // 21 records a day (20 of 65,476 B, one of 40,501 B): 1,350,021 B/day, under one shard.
    // Leases: 21 checkpoints + 576 renewals of 1 shard + 8,640 heartbeats = 9,237 WRU/day;
    // reads 8,640 x 2 Queries of 1 RRU = 17,280 RRU/day.
    assert_monthly(
        provisioned,
        &[
            // 1 shard x 730 h x $0.015.
            ("Kinesis shard-hours", 10.95),
            // 20 x 3 + 2 = 62 units/day = 1,885.83 units x $0.014/M.
            ("Kinesis PUT payload units", 62.0 * DAYS / 1e6 * 0.014),
            (
                "DynamoDB lease and checkpoint writes",
                9_237.0 * DAYS / 1e6 * 0.625,
            ),
            ("DynamoDB lease reads", 17_280.0 * DAYS / 1e6 * 0.125),
        ],
    );
    assert!(provisioned
        .items
        .iter()
        .all(|item| item.component != "SQS requests"));
    assert!(provisioned.missing().is_empty());
    let on_demand = &all[4];
    // 20 x 64 KB + 40 KB = 1,320 KB/day, written and read: 1,320 x 1,024 / 1,024^3 GB.
    let gb_per_day = 1_320.0 / (1024.0 * 1024.0);
    assert_monthly(
        on_demand,
        &[
            // 1 stream x 730 h x $0.04.
            ("Kinesis on-demand stream-hours", 29.2),
            ("Kinesis on-demand writes", gb_per_day * DAYS * 0.08),
            ("Kinesis on-demand reads", gb_per_day * DAYS * 0.04),
            // The leases of the 4 shards an on-demand stream starts with: 21 + 4 x 576 +
            // 8,640 = 10,965 WRU/day.
            (
                "DynamoDB lease and checkpoint writes",
                10_965.0 * DAYS / 1e6 * 0.625,
            ),
        ],
    );
    // The raw events' items are named by a 77-byte record identity, not a 36-byte message
    // id: 41 bytes more each, 118 events a full item instead of 119.
    let sqs_raw = item(&all[0], "DynamoDB raw event writes").quantity;
    let stream_raw = item(provisioned, "DynamoDB raw event writes").quantity;
    assert!(stream_raw > sqs_raw, "{stream_raw} <= {sqs_raw}");
}

#[test]
fn kinesis_with_a_lambda_drain_keeps_no_leases() {
    use crate::cost::workload::{DrainOn, QueueKind};
    let workload = Workload {
        queue: QueueKind::Kinesis,
        drain: DrainOn::Lambda,
        stream_shards: Some(3),
        ..Workload::default()
    };
    let all = options(workload, "us-east-1");
    for option in &all[3..] {
        assert!(option
            .items
            .iter()
            .all(|item| !item.component.starts_with("DynamoDB lease")));
    }
    // --stream-shards wins over what the traffic needs: 3 x 730 h x $0.015.
    assert_monthly(&all[3], &[("Kinesis shard-hours", 3.0 * 730.0 * 0.015)]);
}
