//! Who the visitors are, never who they are: the screen class the script sends, counted per
//! view with exact visitors, views without one under "unknown"; through the collector, on
//! both backends, in every format of `report --by`.

use std::collections::BTreeMap;

use crate::collector::{today_range, Collector, BROWSER, SITE};
use crate::harness::{Env, Kind};
use crate::on_both_backends;

on_both_backends!(screens_are_counted_per_view_with_exact_visitors,);

/// A beacon from the test site by a client at `address` (the collector trusts
/// X-Forwarded-For here, so each address is another visitor).
pub fn beacon_from(collector: &Collector, address: &str, agent: &str, body: &str) -> u16 {
    let headers = [
        ("origin", SITE),
        ("user-agent", agent),
        ("content-type", "text/plain;charset=UTF-8"),
        ("x-forwarded-for", address),
    ];
    let reply = collector.post("/v1/view", &headers, body);
    assert_eq!(reply.status, 204, "{body}: {}", reply.text());
    reply.status
}

/// `report --by what` over today and yesterday in JSON, as key (the columns joined by " / ")
/// -> (views, visitors), summed over the days (a test may cross midnight).
pub fn by(env: &Env, what: &str, columns: &[&str]) -> BTreeMap<String, (u64, u64)> {
    let mut args = vec!["report", "--by", what, "--format", "json"];
    let range = today_range();
    args.extend(range.iter().map(String::as_str));
    let rows: serde_json::Value = serde_json::from_str(&env.ok(&args)).expect("JSON");
    let mut counted = BTreeMap::new();
    for row in rows.as_array().expect("an array") {
        let key: Vec<&str> = columns.iter().map(|c| row[c].as_str().unwrap()).collect();
        let entry: &mut (u64, u64) = counted.entry(key.join(" / ")).or_default();
        entry.0 += row["views"].as_u64().unwrap();
        entry.1 += row["visitors"].as_u64().unwrap();
    }
    counted
}

/// Drains the queue and aggregates today and yesterday.
pub fn store_and_count(env: &Env) {
    env.drain(&[]);
    let mut args = vec!["aggregate"];
    let range = today_range();
    args.extend(range.iter().map(String::as_str));
    env.ok(&args);
}

fn screens_are_counted_per_view_with_exact_visitors(kind: Kind) {
    let env = Env::on(kind, &[]);
    let collector = Collector::start(&env, &["--allow-origin", SITE, "--trust-forwarded-for"]);
    for (address, screen) in [
        ("203.0.113.1", "phone"),
        ("203.0.113.1", "phone"),
        ("203.0.113.2", "Phone"),
        ("203.0.113.3", "desktop"),
        ("203.0.113.4", ""),
    ] {
        let body = format!(r#"{{"page": "/a", "screen": "{screen}"}}"#);
        beacon_from(&collector, address, BROWSER, &body);
    }
    let refused = collector.post(
        "/v1/view",
        &[("origin", SITE), ("user-agent", BROWSER)],
        r#"{"page": "/a", "screen": "1920x1080"}"#,
    );
    assert_eq!(refused.status, 400);
    assert!(refused
        .text()
        .contains("screen must be phone, tablet, laptop or desktop"));
    collector.stop_ok();
    store_and_count(&env);
    let expected = BTreeMap::from([
        ("desktop".to_owned(), (1, 1)),
        ("phone".to_owned(), (3, 2)),
        ("unknown".to_owned(), (1, 1)),
    ]);
    assert_eq!(by(&env, "screen", &["screen"]), expected);
    let mut args = vec!["report", "--by", "screen", "--format", "csv"];
    let range = today_range();
    args.extend(range.iter().map(String::as_str));
    let csv = env.ok(&args);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("day,screen,views,visitors"));
    let mut rows: Vec<&str> = lines.map(|line| line.split_once(',').unwrap().1).collect();
    rows.sort();
    assert_eq!(rows, ["desktop,1,1", "phone,3,2", "unknown,1,1"]);
}
