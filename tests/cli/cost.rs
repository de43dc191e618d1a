//! `pageviews cost`: bills checked against hand calculations, the price table, and usage.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

/// 730 h / 24 h: AWS prices a month as 730 hours.
const DAYS: f64 = 730.0 / 24.0;

/// Write units of a day of the default workload's packed items (src/cost/model/tests.rs works
/// them out): 10,000 events of 68 B in 20.6186 messages of 485, each split over 8 shards.
const DEFAULT_RAW_WRU: f64 = 754.630_332;

fn pageviews() -> Command {
    let mut cmd = Command::cargo_bin("pageviews").unwrap();
    cmd.env_remove("AWS_REGION")
        .env_remove("PAGEVIEWS_PRICES")
        .env_remove("PAGEVIEWS_BACKEND")
        .env_remove("PAGEVIEWS_DATA_DIR")
        .env_remove("PAGEVIEWS_NAME");
    cmd
}

fn cost_json(args: &[&str]) -> Value {
    let output = pageviews()
        .arg("cost")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn option<'a>(estimate: &'a Value, name: &str) -> &'a Value {
    estimate["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|option| option["name"] == name)
        .unwrap_or_else(|| panic!("no option {name}"))
}

fn item<'a>(option: &'a Value, component: &str) -> &'a Value {
    option["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["component"] == component)
        .unwrap_or_else(|| panic!("no item {component}"))
}

/// JSON amounts are rounded to a millionth.
fn assert_usd(value: &Value, expected: f64) {
    let actual = value
        .as_f64()
        .unwrap_or_else(|| panic!("{value} is not a number"));
    let rounded = (expected * 1e6).round() / 1e6;
    assert!((actual - rounded).abs() < 1e-9, "{actual} != {rounded}");
}

fn fails_with(args: &[&str], code: i32, needle: &str) {
    let output = pageviews().args(args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn cost_default_workload_in_us_west_2() {
    let estimate = cost_json(&["--region", "us-west-2"]);
    assert_eq!(estimate["region"], "us-west-2");
    assert_eq!(estimate["prices_as_of"], "2026-11-26");
    let inputs = &estimate["inputs"];
    assert_eq!(inputs["views_per_day"], 10_000);
    assert_eq!(inputs["pages"], 100);
    assert_eq!(inputs["retention_days"], 400);
    assert_eq!(inputs["report_queries_per_day"], 24);
    // In a packed item an event takes a gap of 3 B + id 1 + 22 + page 1 + 30 + visitor key
    // 1 + 1 + 8 + 1 = 68 B; on the wire 134 B, so 65,535 / 135 = 485 a message.
    assert_eq!(inputs["event_bytes"], 68);
    assert_eq!(inputs["visitor_bytes"], 16);
    assert_eq!(inputs["events_per_message"], 485);

    let dynamo = option(&estimate, "DynamoDB");
    // (754.630 WRU of items + 2 day marks x 2 drain writes) x 30.4167 = 23,075.0 WRU
    // x $0.625/M.
    let raw = DEFAULT_RAW_WRU + 4.0;
    let writes = item(dynamo, "DynamoDB raw event writes");
    assert_usd(&writes["quantity"], raw * DAYS / 1e6);
    assert_eq!(writes["unit"], "million WRU");
    assert_eq!(writes["unit_price_usd"], 0.625);
    assert_usd(&writes["monthly_usd"], raw * DAYS / 1e6 * 0.625);
    // 4,365 SQS requests/day = 132,769 a month: within the free million.
    assert_usd(&item(dynamo, "SQS requests")["monthly_usd"], 0.0);
    // Writes + aggregation 176 RRU/day + daily 101 WRU/day + reports 96 RRU/day.
    let expected = (raw * 0.625 + 176.0 * 0.125 + 101.0 * 0.625 + 96.0 * 0.125) * DAYS / 1e6;
    assert_usd(&dynamo["monthly_usd"], expected);
    assert_usd(&dynamo["monthly_usd"], 0.017_376);
    assert_eq!(dynamo["complete"], true);

    let timestream = option(&estimate, "Timestream for LiveAnalytics");
    // Records of 89 B (102 stored): writes 900/day x $0.50/M, memory 0.7446 GB-h x $0.036,
    // magnetic 0.40698 GB x $0.03, plus the daily table's 101 WRU and 96 RRU a day; queries
    // have no price.
    let expected = 900.0 * DAYS / 1e6 * 0.5
        + 0.7446 * 0.036
        + 0.406_98 * 0.03
        + (101.0 * 0.625 + 96.0 * 0.125) * DAYS / 1e6;
    assert_usd(&timestream["monthly_usd"], expected);
    assert_eq!(timestream["complete"], false);
    let queries = item(timestream, "Timestream queries");
    assert_eq!(queries["monthly_usd"], Value::Null);
    assert!(queries["note"]
        .as_str()
        .unwrap()
        .starts_with("not included"));
    let notes = timestream["notes"].to_string();
    assert!(
        notes.contains("closed to new customers since 2025-06-20"),
        "{notes}"
    );
}

#[test]
fn cost_a_million_views_in_us_east_1() {
    let estimate = cost_json(&["--region", "us-east-1", "--views-per-day", "1000000"]);
    let dynamo = option(&estimate, "DynamoDB");
    // Writes (75,330.0 WRU of items + 2 x 129 day marks a day) $1.436960 + aggregation
    // 16,672 RRU/day ($0.0633883) + daily table $0.0019201 + reports $0.000365 + storage
    // (27.984713 - 25 GB) x $0.25 = $0.746178 (src/cost/model/tests.rs works them out).
    // With one item per event it was $33.26.
    assert_usd(
        &item(dynamo, "DynamoDB storage (raw events + daily rows)")["quantity"],
        2.984_713,
    );
    assert_usd(&dynamo["monthly_usd"], 2.248_811);
    let timestream = option(&estimate, "Timestream for LiveAnalytics");
    // Writes 90,000/day ($1.36875) + memory 74.46 GB-h ($2.68056) + magnetic 40.698 GB
    // ($1.22094) + daily table and reports ($0.0022851): more than DynamoDB.
    assert_usd(
        &item(timestream, "Timestream writes")["monthly_usd"],
        1.368_75,
    );
    assert_usd(&timestream["monthly_usd"], 5.272_535);
}

#[test]
fn cost_in_ireland_with_unverified_and_unknown_prices() {
    let estimate = cost_json(&[
        "--region",
        "eu-west-1",
        "--views-per-day",
        "50000",
        "--pages",
        "500",
        "--retention-days",
        "90",
    ]);
    let dynamo = option(&estimate, "DynamoDB");
    // Writes: 5 times the default's items (events still 68 B: 13,824 ms apart) and 2 day
    // marks x 7 drain writes = 3,787.151 WRU/day x $0.7063/M = $0.0813619; aggregation
    // 8 x ceil(432,526 / 4096) = 848 RRU/day x $0.1413/M = $0.0036446; daily 501 WRU/day =
    // $0.0107631; reports 24 x ceil(500 x 132 / 4096) = 408 RRU/day = $0.0017535. SQS (138,061
    // requests) and storage (0.329281 GB) have no Irish price but nothing billable: free.
    let raw = 5.0 * DEFAULT_RAW_WRU + 14.0;
    let expected = (raw * 0.7063 + 848.0 * 0.1413 + 501.0 * 0.7063 + 408.0 * 0.1413) * DAYS / 1e6;
    assert_usd(&dynamo["monthly_usd"], expected);
    assert_usd(&dynamo["monthly_usd"], 0.097_522);
    assert_eq!(dynamo["complete"], true);
    let writes = item(dynamo, "DynamoDB raw event writes");
    assert_eq!(writes["unit_price_usd"], 0.7063);
    assert_eq!(writes["price_verified"], false);
    let sqs = item(dynamo, "SQS requests");
    assert_eq!(sqs["unit_price_usd"], Value::Null);
    assert_usd(&sqs["monthly_usd"], 0.0);
    let timestream = option(&estimate, "Timestream for LiveAnalytics");
    assert_eq!(
        item(timestream, "Timestream writes")["note"],
        "not included: timestream_write price unknown for eu-west-1"
    );
    assert_usd(&timestream["monthly_usd"], 0.012_517);
}

#[test]
fn cost_in_singapore_has_no_timestream() {
    let estimate = cost_json(&["--region", "ap-southeast-1"]);
    let timestream = option(&estimate, "Timestream for LiveAnalytics");
    assert_eq!(
        item(timestream, "Timestream memory store")["note"],
        "not included: Timestream for LiveAnalytics is not offered in ap-southeast-1"
    );
}

#[test]
fn cost_table_shows_totals_marks_and_assumptions() {
    let output = pageviews()
        .args(["cost", "--region", "us-west-2"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for needle in [
        "| Component",
        "| Unit price (USD) |",
        "| Total",
        "0.0174",
        "0.0550 + 1 item not included",
        "0.4*",
        "not included: TCU-hour price unknown",
        "Assumptions (all options):",
        "Raw items are packed, the layout init creates",
        "Timestream for LiveAnalytics costs more than DynamoDB whatever you pay for Timestream \
         queries.",
        "closed to new customers since 2025-06-20",
        "Unverified prices (*):",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
}

#[test]
fn cost_flag_prices_fill_the_unknown_lines() {
    // Prices made up for the test: the point is that given prices are used as given.
    let estimate = cost_json(&[
        "--region",
        "us-east-1",
        "--timestream-tcu-hour-usd",
        "0.5",
        "--influxdb-instance-hour-usd",
        "0.2",
        "--influxdb-storage-gb-month-usd",
        "0.1",
        "--influxdb-storage-gb",
        "20",
    ]);
    let timestream = option(&estimate, "Timestream for LiveAnalytics");
    // 1 query/day x 4 TCUs x 30 s = 1/30 TCU-hour a day x 30.4167 days x $0.5.
    assert_usd(
        &item(timestream, "Timestream queries")["monthly_usd"],
        DAYS / 30.0 * 0.5,
    );
    assert_eq!(timestream["complete"], true);
    let influx = option(&estimate, "Timestream for InfluxDB");
    // 730 h x $0.2 + 20 GB x $0.1 + daily table and reports.
    assert_usd(
        &influx["monthly_usd"],
        146.0 + 2.0 + (101.0 * 0.625 + 96.0 * 0.125) * DAYS / 1e6,
    );
}

#[test]
fn cost_unknown_region_lists_the_known_ones() {
    fails_with(
        &["cost", "--region", "mars-north-1"],
        2,
        "known regions: ap-northeast-1, ap-southeast-1, eu-central-1, eu-west-1, us-east-1, \
         us-east-2, us-west-2",
    );
}

#[test]
fn cost_bad_flag_values_name_the_flag() {
    for (flag, value) in [
        ("--views-per-day", "0"),
        ("--views-per-day", "lots"),
        ("--pages", "-3"),
        ("--retention-days", "0"),
        ("--report-queries-per-day", "-1"),
        ("--event-bytes", "500000"),
        ("--page-bytes", "0"),
        ("--events-per-message", "0"),
        ("--shards", "101"),
        ("--timestream-batch", "101"),
        ("--timestream-tcu-hour-usd", "-1"),
        ("--influxdb-storage-gb", "0"),
        ("--format", "yaml"),
    ] {
        fails_with(&["cost", flag, value], 2, flag);
    }
    fails_with(
        &[
            "cost",
            "--retention-days",
            "1",
            "--memory-store-hours",
            "48",
        ],
        2,
        "--memory-store-hours 48 is longer than --retention-days 1",
    );
    fails_with(
        &["cost", "--events-per-message", "20000"],
        2,
        "over SQS's 1 MiB limit",
    );
}

fn price(value: f64, unit: &str) -> Value {
    serde_json::json!({"value": value, "unit": unit, "source": "test", "as_of": "2026-11",
                       "verified": true})
}

fn write_prices(dir: &Path, table: &Value) -> String {
    let path = dir.join("prices.json");
    std::fs::write(&path, serde_json::to_string_pretty(table).unwrap()).unwrap();
    path.display().to_string()
}

#[test]
fn cost_prices_file_replaces_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let table = serde_json::json!({
        "as_of": "2030-01-02",
        "currency": "USD",
        "free_tier": {
            "sqs_requests": price(0.0, "requests per month"),
            "dynamodb_storage": price(0.0, "GB-month"),
        },
        "regions": {"xx-test-1": {"name": "Test", "prices": {
            "sqs_request": price(1.0, "USD per million requests"),
            "dynamodb_write": price(1.0, "USD per million write request units"),
            "dynamodb_read": price(1.0, "USD per million read request units"),
            "dynamodb_storage": price(1.0, "USD per GB-month"),
        }}},
    });
    let path = write_prices(dir.path(), &table);
    let estimate = cost_json(&["--prices", &path, "--region", "xx-test-1"]);
    assert_eq!(estimate["prices_as_of"], "2030-01-02");
    // No free tiers, $1 a unit: SQS 132,769 requests = $0.132769; writes 758.630 WRU/day;
    // reads 176 RRU/day; daily 101 WRU/day; reports 96 RRU/day; storage 0.293024 GB.
    let dynamo = option(&estimate, "DynamoDB");
    assert_usd(&item(dynamo, "SQS requests")["monthly_usd"], 0.132_769);
    assert_usd(
        &dynamo["monthly_usd"],
        0.132_769 + (DEFAULT_RAW_WRU + 4.0 + 176.0 + 101.0 + 96.0) * DAYS / 1e6 + 0.293_024_330,
    );
    // The built-in regions are gone with the built-in table.
    fails_with(
        &["cost", "--prices", &path, "--region", "us-west-2"],
        2,
        "known regions: xx-test-1",
    );
}

#[test]
fn cost_malformed_prices_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{ \"as_of\": ").unwrap();
    let broken = broken.display().to_string();
    fails_with(
        &["cost", "--prices", &broken],
        2,
        &format!("--prices {broken}: not a valid price table"),
    );

    let mixed_units = serde_json::json!({
        "as_of": "2030-01-02",
        "currency": "USD",
        "free_tier": {
            "sqs_requests": price(1e6, "requests per month"),
            "dynamodb_storage": price(25.0, "GB-month"),
        },
        "regions": {"us-west-2": {"name": "Oregon", "prices": {
            "dynamodb_write": price(1.25, "USD per GB"),
        }}},
    });
    let path = write_prices(dir.path(), &mixed_units);
    fails_with(
        &["cost", "--prices", &path, "--region", "us-west-2"],
        2,
        "regions.us-west-2.prices.dynamodb_write.unit is \"USD per GB\"",
    );

    let missing = dir.path().join("nowhere.json").display().to_string();
    fails_with(&["cost", "--prices", &missing], 2, "cannot read --prices");
}

fn local(data_dir: &Path, args: &[&str]) {
    let output = pageviews()
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn cost_from_usage_reads_the_local_deployment() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path();
    local(data_dir, &["init"]);
    let data_dir_arg = data_dir.display().to_string();
    fails_with(
        &["--data-dir", &data_dir_arg, "cost", "--from-usage"],
        1,
        "run `pageviews aggregate` first",
    );
    local(
        data_dir,
        &[
            "send",
            "--count",
            "700",
            "--day",
            "2021-03-13",
            "--seed",
            "1",
            "--pages",
            "3",
        ],
    );
    local(data_dir, &["drain"]);
    local(data_dir, &["aggregate", "--day", "2021-03-13"]);
    let output = pageviews()
        .args(["--data-dir", &data_dir_arg, "cost", "--from-usage"])
        .args(["--region", "us-east-1", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("2021-03-13..2021-03-13"), "{stderr}");
    let estimate: Value = serde_json::from_slice(&output.stdout).unwrap();
    let inputs = &estimate["inputs"];
    assert_eq!(inputs["views_per_day"], 700);
    assert_eq!(inputs["pages"], 3);
    assert_eq!(inputs["from_usage"]["days_used"], 1);
    assert_eq!(inputs["from_usage"]["first_day"], "2021-03-13");
    let assumptions = estimate["assumptions"].to_string();
    assert!(assumptions.contains("of 1 aggregated day, 2021-03-13..2021-03-13"));
    // 700 events of 68 B in 1.4433 messages, each split over 8 shards: 52.824 WRU of items
    // (the binomial expectation, as for the default workload) + 2 day marks of one drain
    // write = 54.824 WRU/day x 30.4167 days x $0.625/M.
    let dynamo = option(&estimate, "DynamoDB");
    assert_usd(
        &item(dynamo, "DynamoDB raw event writes")["monthly_usd"],
        (52.824_113 + 2.0) * DAYS / 1e6 * 0.625,
    );
    fails_with(
        &["cost", "--from-usage", "--views-per-day", "5"],
        2,
        "--views-per-day",
    );
}

#[test]
fn cost_queue_kinesis_prices_both_stream_modes_beside_sqs() {
    let estimate = cost_json(&["--region", "us-east-1", "--queue", "kinesis"]);
    let inputs = &estimate["inputs"];
    assert_eq!(inputs["queue"], "kinesis");
    assert_eq!(inputs["stream_shards"], 1);
    assert_eq!(inputs["stream_shards_from"], "the day's mean rate");
    assert_eq!(inputs["records_per_checkpoint"], 1);
    let names: Vec<&str> = estimate["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|option| option["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "DynamoDB",
            "Timestream for LiveAnalytics",
            "Timestream for InfluxDB",
            "DynamoDB, Kinesis provisioned",
            "DynamoDB, Kinesis on-demand",
        ]
    );
    // The SQS option is the one `cost` always printed.
    assert_usd(&option(&estimate, "DynamoDB")["monthly_usd"], 0.017_376);

    // 10,000 views a day are 21 records (20 of 65,476 B, one of 40,501 B).
    let provisioned = option(&estimate, "DynamoDB, Kinesis provisioned");
    let shards = item(provisioned, "Kinesis shard-hours");
    assert_eq!(shards["quantity"], 730.0);
    assert_eq!(shards["unit_price_usd"], 0.015);
    assert_usd(&shards["monthly_usd"], 10.95);
    // 20 x 3 + 2 = 62 payload units a day.
    let units = item(provisioned, "Kinesis PUT payload units");
    assert_usd(&units["quantity"], 62.0 * DAYS / 1e6);
    assert_usd(&units["monthly_usd"], 62.0 * DAYS / 1e6 * 0.014);
    // 21 checkpoints + 576 renewals + 8,640 heartbeats = 9,237 WRU a day.
    let leases = item(provisioned, "DynamoDB lease and checkpoint writes");
    assert_usd(&leases["monthly_usd"], 9_237.0 * DAYS / 1e6 * 0.625);
    // 8,640 heartbeats x 2 Queries of 1 RRU.
    let reads = item(provisioned, "DynamoDB lease reads");
    assert_usd(&reads["monthly_usd"], 17_280.0 * DAYS / 1e6 * 0.125);
    assert_eq!(provisioned["complete"], true);
    assert!(provisioned["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|item| item["component"] != "SQS requests"));

    let on_demand = option(&estimate, "DynamoDB, Kinesis on-demand");
    assert_usd(
        &item(on_demand, "Kinesis on-demand stream-hours")["monthly_usd"],
        29.2,
    );
    // 20 x 64 KB + 40 KB = 1,320 KB a day, written once and read once.
    let gb_per_day = 1_320.0 / (1024.0 * 1024.0);
    assert_usd(
        &item(on_demand, "Kinesis on-demand writes")["monthly_usd"],
        gb_per_day * DAYS * 0.08,
    );
    assert_usd(
        &item(on_demand, "Kinesis on-demand reads")["monthly_usd"],
        gb_per_day * DAYS * 0.04,
    );
    // The leases of the 4 shards an on-demand stream starts with: 21 + 2,304 + 8,640.
    let leases = item(on_demand, "DynamoDB lease and checkpoint writes");
    assert_usd(&leases["monthly_usd"], 10_965.0 * DAYS / 1e6 * 0.625);
}

#[test]
fn cost_stream_flags_need_the_kinesis_queue() {
    fails_with(
        &["cost", "--stream-shards", "2"],
        2,
        "--stream-shards describes a Kinesis stream: give it with --queue kinesis",
    );
    fails_with(
        &[
            "cost",
            "--queue",
            "kinesis",
            "--records-per-checkpoint",
            "251",
        ],
        2,
        "--records-per-checkpoint",
    );
    // Given shards are priced as given: 4 x 730 h x $0.015.
    let estimate = cost_json(&["--queue", "kinesis", "--stream-shards", "4"]);
    assert_eq!(estimate["inputs"]["stream_shards_from"], "--stream-shards");
    let provisioned = option(&estimate, "DynamoDB, Kinesis provisioned");
    assert_usd(
        &item(provisioned, "Kinesis shard-hours")["monthly_usd"],
        43.8,
    );
}
