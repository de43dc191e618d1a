//! Many events per raw item on DynamoDB, counted exactly: the same events arriving in other
//! messages count once (views and visitors), on both backends; items of the old layout (one
//! per event) written by an earlier `pageviews` are still counted beside packed ones, each
//! event once, and `status` says which layouts a day holds.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use pageviews::backend::aws::keys::{event_partition, event_sort_key, shard_of};
use pageviews::model::day::Day;
use pageviews::model::event::Event;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::harness::{aws_settings, block_on, Env, Kind};
use crate::on_both_backends;

on_both_backends!(the_same_events_in_other_messages_count_once_with_their_visitors);

const DAY: &str = "2021-03-13";

/// (page, views, visitors) per page of the day, and the site's visitors.
fn counts(env: &Env) -> (Vec<(String, u64, u64)>, u64) {
    let report: Value =
        serde_json::from_str(&env.ok(&["report", "--day", DAY, "--format", "json"])).unwrap();
    let mut rows: Vec<(String, u64, u64)> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["page"].as_str().unwrap().to_owned(),
                row["views"].as_u64().unwrap(),
                row["visitors"].as_u64().unwrap(),
            )
        })
        .collect();
    rows.sort();
    let status: Value = serde_json::from_str(&env.ok(&["status", "--format", "json"])).unwrap();
    (rows, status["last_day"]["visitors"].as_u64().unwrap())
}

fn the_same_events_in_other_messages_count_once_with_their_visitors(kind: Kind) {
    let count = 2_000.to_string();
    let send = |env: &Env, per_message: &str| {
        env.ok(&[
            "send",
            "--count",
            &count,
            "--day",
            DAY,
            "--seed",
            "4",
            "--pages",
            "30",
            "--visitors",
            "300",
            "--events-per-message",
            per_message,
        ]);
        env.drain(&[]);
        env.ok(&["aggregate", "--day", DAY]);
    };
    let once = Env::on(kind, &[]);
    send(&once, "500");
    // The same events again in messages of another size: no message is repeated, every event is.
    let thrice = Env::on(kind, &[]);
    send(&thrice, "500");
    send(&thrice, "77");
    send(&thrice, "1000");
    let (rows, visitors) = counts(&once);
    assert_eq!(rows.iter().map(|(_, views, _)| views).sum::<u64>(), 2_000);
    assert!(visitors > 200, "{visitors}");
    assert_eq!(counts(&thrice), (rows, visitors));
}

fn event(id: &str, page: &str, time: &str, visitor: Option<&str>) -> Event {
    Event {
        id: id.into(),
        page: page.into(),
        time: DateTime::parse_from_rfc3339(time)
            .unwrap()
            .with_timezone(&Utc),
        visitor: visitor.map(str::to_owned),
        ..Event::default()
    }
}

const V1: &str = "00000000000000a1";
const V2: &str = "00000000000000a2";
const V3: &str = "Visitor-3";
const V4: &str = "00000000000000a4";

/// Writes `events` as `pageviews` did before packed items: one item per event, then the day
/// marked changed with the events counted in `writes`.
async fn write_old_layout(env: &Env, events: &[(Event, i64)]) {
    let clients = pageviews::backend::aws::connect(&aws_settings())
        .await
        .unwrap();
    let day = Day::parse(DAY).unwrap();
    for (event, ttl) in events {
        let mut put = clients
            .dynamodb
            .put_item()
            .table_name(format!("{}-events", env.name))
            .item(
                "pk",
                AttributeValue::S(event_partition(day, shard_of(&event.id, 2))),
            )
            .item("sk", AttributeValue::S(event_sort_key(event)))
            .item("ttl", AttributeValue::N(ttl.to_string()));
        if let Some(visitor) = &event.visitor {
            put = put.item("v", AttributeValue::S(visitor.clone()));
        }
        put.send().await.unwrap();
    }
    clients
        .dynamodb
        .update_item()
        .table_name(format!("{}-daily", env.name))
        .key("pk", AttributeValue::S("days".into()))
        .key("sk", AttributeValue::S(DAY.into()))
        .update_expression("ADD change_version :one, writes :writes")
        .expression_attribute_values(":one", AttributeValue::N("1".into()))
        .expression_attribute_values(":writes", AttributeValue::N(events.len().to_string()))
        .send()
        .await
        .unwrap();
}

#[test]
fn items_of_the_old_layout_are_counted_beside_packed_ones() {
    let env = Env::on(Kind::Aws, &[]);
    let later = 4_102_444_800; // 2100-01-01
    let old = [
        event("o1", "/a", "2021-03-13T10:00:00Z", Some(V1)),
        event("o2", "/a", "2021-03-13T10:05:00Z", Some(V2)),
        event("o3", "/b", "2021-03-13T11:00:00Z", Some(V1)),
        event("o4", "/b", "2021-03-13T11:30:00Z", None),
        event("o5", "/a", "2021-03-13T12:00:00Z", Some(V3)),
        event("o6", "/c", "2021-03-13T13:00:00Z", Some(V2)),
    ];
    let mut stored: Vec<(Event, i64)> = old.iter().map(|e| (e.clone(), later)).collect();
    // Expired (its TTL has passed, DynamoDB has not deleted it yet): not a view any more.
    stored.push((event("o7", "/a", "2021-03-13T09:00:00Z", Some(V4)), 1));
    block_on(write_old_layout(&env, &stored));
    // After the upgrade: two of the old events again (a redrive), and new ones.
    let new = [
        event("o1", "/a", "2021-03-13T10:00:00Z", Some(V1)),
        event("o3", "/b", "2021-03-13T11:00:00Z", Some(V1)),
        event("n1", "/a", "2021-03-13T14:00:00Z", Some(V4)),
        event("n2", "/c", "2021-03-13T15:00:00Z", Some(V1)),
        event("n3", "/b", "2021-03-13T16:00:00Z", None),
        event("n4", "/a", "2021-03-13T16:30:00Z", Some(V2)),
    ];
    let lines: Vec<String> = new.iter().map(Event::to_json).collect();
    let input = env.write("new.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", DAY]);
    let (rows, visitors) = counts(&env);
    assert_eq!(
        rows,
        [
            ("/a".to_owned(), 5, 4),
            ("/b".to_owned(), 3, 1),
            ("/c".to_owned(), 2, 2),
        ]
    );
    assert_eq!(visitors, 4);
    let status: Value = serde_json::from_str(&env.ok(&["status", "--format", "json"])).unwrap();
    assert_eq!(status["last_day"]["keyless_views"], 2);
    let layouts: BTreeMap<String, Vec<String>> =
        serde_json::from_value(status["raw_layouts"].clone()).unwrap();
    assert_eq!(
        layouts,
        BTreeMap::from([
            ("packed".to_owned(), vec![DAY.to_owned()]),
            ("per-event".to_owned(), vec![DAY.to_owned()]),
        ])
    );
    // Events written, as the days' counters have them: 7 before, 6 after.
    assert_eq!(status["events_stored"], 13);
    let text = env.ok(&["status"]);
    assert!(
        text.contains(
            "raw layouts     packed by event id (a day counted whole): 1 day (2021-03-13); one \
             item per event (a day counted whole): 1 day (2021-03-13)"
        ),
        "{text}"
    );
}

#[test]
fn status_has_nothing_to_say_of_layouts_locally() {
    let env = Env::new();
    env.ok(&["send", "--count", "10", "--day", DAY]);
    env.drain(&[]);
    let status: Value = serde_json::from_str(&env.ok(&["status", "--format", "json"])).unwrap();
    assert!(status.get("raw_layouts").is_none(), "{status}");
    assert!(!env.ok(&["status"]).contains("raw layouts"));
}
