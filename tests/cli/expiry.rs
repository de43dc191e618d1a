//! Raw events DynamoDB's TTL expires (moto stores the TTL but never expires an item): the TTL
//! counted from when an event's day can be counted, uncounted events near their expiry named
//! by `status`, `aggregate` and the scheduled function, and `status` telling which days still
//! hold raw events, in which layouts.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Duration, Utc};
use serde_json::Value;

use crate::harness::{aws_settings, block_on, scan_table, Env, Kind};

const OLD_DAY: &str = "2021-03-10";

fn send(env: &Env, lines: &[String]) {
    let input = env.write("views.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
}

fn view(time: &str, id: &str) -> String {
    format!(r#"{{"page":"/a","time":"{time}","id":"{id}"}}"#)
}

fn status(env: &Env) -> Value {
    serde_json::from_str(&env.ok(&["status", "--format", "json"])).unwrap()
}

/// Epoch seconds of a number attribute.
fn number(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> i64 {
    item.get(name)
        .and_then(|value| value.as_n().ok())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number {name} in {item:?}"))
}

#[test]
fn raw_events_expire_a_retention_after_their_day_can_be_counted() {
    let env = Env::on(Kind::Aws, &["--retention-days", "30"]);
    let today = Utc::now().date_naive();
    let before = Utc::now().timestamp();
    send(
        &env,
        &[
            view(&format!("{OLD_DAY}T08:00:00Z"), "old"),
            view(&format!("{today}T00:00:01Z"), "today"),
        ],
    );
    let after = Utc::now().timestamp();
    let retention = 30 * 86_400;
    let items = block_on(scan_table(&format!("{}-events", env.name)));
    assert_eq!(items.len(), 2, "{items:?}");
    for item in &items {
        let pk = item["pk"].as_s().unwrap();
        let ttl = number(item, "ttl");
        if pk.starts_with(OLD_DAY) {
            // A day long over: the retention from when it was written.
            assert!(
                (before + retention..=after + retention).contains(&ttl),
                "{ttl}"
            );
        } else {
            // Today can be counted from midnight: the retention from then.
            let midnight = (today + Duration::days(1))
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp();
            assert_eq!(ttl, midnight + retention, "{pk}");
        }
        // The version of its day the write made (its first), which tells a later count
        // whether the day's record holds it.
        assert_eq!(number(item, "dv"), 1, "{pk}");
    }
}

/// Sets when the first uncounted raw event of `day` expires, as if it had been written long
/// ago (moto cannot wait a month).
fn expires_in(env: &Env, day: &str, seconds: i64) -> i64 {
    let at = Utc::now().timestamp() + seconds;
    block_on(async {
        let clients = pageviews::backend::aws::connect(&aws_settings())
            .await
            .unwrap();
        clients
            .dynamodb
            .update_item()
            .table_name(format!("{}-daily", env.name))
            .key("pk", AttributeValue::S("days".into()))
            .key("sk", AttributeValue::S(day.into()))
            .update_expression("SET pending_expiry = :at")
            .expression_attribute_values(":at", AttributeValue::N(at.to_string()))
            .send()
            .await
            .unwrap();
    });
    at
}

/// A deployment keeping raw events 30 days, with a view of 2021 (a backfill) and one of
/// yesterday, drained; and yesterday's date.
fn a_view_of_2021_and_one_of_yesterday() -> (Env, String) {
    let env = Env::on(Kind::Aws, &["--retention-days", "30"]);
    let yesterday = (Utc::now().date_naive() - Duration::days(1)).to_string();
    send(
        &env,
        &[
            view(&format!("{OLD_DAY}T08:00:00Z"), "old"),
            view(&format!("{yesterday}T08:00:00Z"), "recent"),
        ],
    );
    (env, yesterday)
}

#[test]
fn uncounted_events_near_their_expiry_are_named_by_status_aggregate_and_the_schedule() {
    let (env, yesterday) = a_view_of_2021_and_one_of_yesterday();
    // Just written: a month to go, nothing to say.
    assert_eq!(status(&env)["expiring_uncounted"], serde_json::json!([]));
    let at = expires_in(&env, OLD_DAY, 3 * 3600);
    let listed = status(&env)["expiring_uncounted"].clone();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["day"], OLD_DAY);
    let expires = chrono::DateTime::parse_from_rfc3339(listed[0]["expires_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert_eq!(expires, at);
    let text = env.ok(&["status"]);
    assert!(
        text.contains(&format!(
            "uncounted       {OLD_DAY}: its raw events expire from"
        )),
        "{text}"
    );

    // An aggregation that leaves the day uncounted says so.
    let (code, _, stderr) = env.run(&["aggregate", "--day", &yesterday]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{OLD_DAY} is not counted and its raw events expire from"
        )),
        "{stderr}"
    );
    // So does the scheduled function when its time runs out before the day.
    let summary = block_on(async {
        let backend = env.open_backend().await;
        pageviews::lambda::aggregate_until(&backend, std::time::Duration::from_secs(1), None)
            .await
            .unwrap()
    });
    assert!(
        summary
            .left_pending
            .iter()
            .any(|day| day.to_string() == OLD_DAY),
        "{summary:?}"
    );
    let expiring: Vec<String> = summary
        .expiring_uncounted
        .iter()
        .map(|day| day.day.to_string())
        .collect();
    assert_eq!(expiring, [OLD_DAY]);

    // Counted: nothing expires uncounted any more.
    let (code, _, stderr) = env.run(&["aggregate", "--pending"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("expire"), "{stderr}");
    assert_eq!(status(&env)["expiring_uncounted"], serde_json::json!([]));
}

#[test]
fn status_names_the_oldest_day_still_stored_and_only_days_that_hold_raw_events() {
    let (env, yesterday) = a_view_of_2021_and_one_of_yesterday();
    let before = status(&env);
    // Written today, the events of 2021 are kept 30 days from now.
    assert_eq!(before["oldest_raw_day"], OLD_DAY, "{before}");
    assert_eq!(
        before["raw_layouts"],
        serde_json::json!({ "packed-by-visitor": [OLD_DAY, yesterday] })
    );
    env.ok(&["aggregate", "--day", OLD_DAY]);
    env.ok(&["aggregate", "--day", &yesterday]);
    let dir = tempfile::tempdir().unwrap();
    let today = Utc::now().date_naive().to_string();
    env.ok(&[
        "archive",
        "--before",
        &yesterday,
        "--output",
        dir.path().to_str().unwrap(),
    ]);
    let after = status(&env);
    assert_eq!(after["oldest_raw_day"], yesterday.as_str(), "{after}");
    assert_eq!(
        after["raw_layouts"],
        serde_json::json!({ "packed-by-visitor": [yesterday] })
    );
    assert_eq!(after["events_stored"], 1);
    env.ok(&[
        "archive",
        "--before",
        &today,
        "--output",
        dir.path().to_str().unwrap(),
    ]);
    let none = status(&env);
    assert_eq!(none["oldest_raw_day"], Value::Null, "{none}");
    assert_eq!(none.get("raw_layouts"), None, "{none}");
    assert_eq!(none["events_stored"], 0);
}
