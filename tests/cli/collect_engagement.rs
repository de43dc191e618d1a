//! Engagement beacons through the collector and the Lambda function URL: a beacon names its
//! view by the script's page-view token, gets an id derived from it (so one delivered twice is
//! stored once), follows a view's origin, DNT and bot rules, and is on the queue when answered;
//! the report then shows exactly the engaged time and scroll the beacons said.

use serde_json::{json, Value};
use std::time::Duration;

use crate::collector::{today_range, Collector, BROWSER, SITE};
use crate::harness::{block_on, days_since, utc_today, Env, Kind};
use crate::lambda::FunctionProcess;
use crate::lambda_http::{beacon as function_request, SITE as FUNCTION_SITE};
use crate::on_both_backends;
use crate::runtime_api::RuntimeApi;

on_both_backends!(beacons_are_tied_to_their_view_and_stored_once);

const TOKEN: &str = "3f9a0c1d5e7b2a4c6d8e0f12";

fn view_body(page: &str) -> String {
    json!({"page": page, "token": TOKEN}).to_string()
}

/// Beacon `seq` of the view of `TOKEN`, as the script sends it.
fn beacon_body(page: &str, seq: u32, engaged_ms: u64, scroll: u64, before: Option<u64>) -> String {
    json!({"page": page, "kind": "engagement", "token": TOKEN, "seq": seq,
           "engaged_ms": engaged_ms, "scroll": scroll, "scroll_before": before})
    .to_string()
}

/// The report's CSV rows of `page` over `days`, without their day.
fn page_rows(env: &Env, days: &[&str], page: &str) -> Vec<String> {
    let csv = env.ok(&[&["report"][..], days, &["--format", "csv"]].concat());
    let prefix = format!("{page},");
    csv.lines()
        .filter_map(|line| line.split_once(',').map(|(_, rest)| rest))
        .filter(|rest| rest.starts_with(&prefix))
        .map(str::to_owned)
        .collect()
}

fn beacons_are_tied_to_their_view_and_stored_once(kind: Kind) {
    let env = Env::on(kind, &[]);
    let collector = Collector::start(&env, &["--allow-origin", SITE]);
    let browser = [
        ("origin", SITE),
        ("user-agent", BROWSER),
        ("content-type", "text/plain;charset=UTF-8"),
    ];
    let post = |headers: &[(&str, &str)], body: &str| collector.post("/v1/view", headers, body);
    assert_eq!(post(&browser, &view_body("/a")).status, 204);
    // The first beacon sent twice (a retried sendBeacon), then the second.
    let first = beacon_body("/a", 0, 12_000, 60, None);
    for _ in 0..2 {
        assert_eq!(post(&browser, &first).status, 204);
    }
    let second = beacon_body("/a", 1, 3_000, 90, Some(60));
    assert_eq!(post(&browser, &second).status, 204);
    // Refused or not counted as a view would be: without its token, out of bounds, from a
    // bot (not even as a bot's hit), with Do Not Track, from another origin.
    let untied = json!({"page": "/a", "kind": "engagement", "engaged_ms": 1}).to_string();
    let refused = post(&browser, &untied);
    assert_eq!(refused.status, 400);
    assert!(refused.text().contains("token"), "{}", refused.text());
    let endless = beacon_body("/a", 2, 14_400_001, 90, Some(90));
    assert_eq!(post(&browser, &endless).status, 400);
    let bot = [
        ("origin", SITE),
        (
            "user-agent",
            "Googlebot/2.1 (+http://www.google.com/bot.html)",
        ),
    ];
    assert_eq!(
        post(&bot, &beacon_body("/a", 3, 1_000, 90, None)).status,
        204
    );
    let dnt = [("origin", SITE), ("user-agent", BROWSER), ("dnt", "1")];
    assert_eq!(
        post(&dnt, &beacon_body("/a", 4, 1_000, 90, None)).status,
        204
    );
    let other = [("origin", "http://elsewhere.test"), ("user-agent", BROWSER)];
    assert_eq!(
        post(&other, &beacon_body("/a", 5, 1_000, 90, None)).status,
        403
    );
    assert_eq!(
        collector.metric("pageviews_collect_views_accepted_total"),
        1.0
    );
    assert_eq!(
        collector.metric("pageviews_collect_engagements_accepted_total"),
        3.0
    );
    let stderr = collector.stop_ok();
    assert!(
        stderr.contains("stopped: 1 view and 3 engagement beacons accepted, 4 put on the queue"),
        "{stderr}"
    );

    env.drain(&[]);
    let range = today_range();
    let days: Vec<&str> = range.iter().map(String::as_str).collect();
    env.ok(&[&["aggregate"][..], &days].concat());
    // One visit entering and leaving at /a, engaged 15 s (not a bounce), scrolled to 90%: the
    // first beacon's two deliveries, which share their id, counted once (else 27 s over 2).
    assert_eq!(
        page_rows(&env, &days, "/a"),
        ["/a,1,1,1,1,0,0,1,15,100,100,100,0"]
    );
}

#[test]
fn function_url_beacons_are_tied_to_their_view_and_stored_once() {
    let env = Env::on(Kind::Aws, &[]);
    let first_day = utc_today();
    let answers: Vec<Value> = block_on(async {
        let api = RuntimeApi::start().await;
        let settings = [("PAGEVIEWS_ALLOW_ORIGIN", FUNCTION_SITE)];
        let _function = FunctionProcess::start(&env, &api, &settings);
        let headers = json!({"origin": FUNCTION_SITE, "user-agent": BROWSER});
        let first = beacon_body("/b", 0, 4_000, 30, None);
        let mut answers = Vec::new();
        for body in [view_body("/b"), first.clone(), first] {
            let request = function_request(headers.clone(), &body);
            answers.push(
                api.invoke(request, Duration::from_secs(30))
                    .await
                    .response(),
            );
        }
        answers
    });
    let statuses: Vec<u64> = answers
        .iter()
        .map(|answer| answer["statusCode"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [204, 204, 204]);
    // Each on the queue when answered; the beacon's second delivery, in a message of its
    // own, is stored again and counted once.
    assert_eq!(env.status().queue.visible, 3);
    env.drain(&[]);
    let days = days_since(first_day);
    let days: Vec<&str> = days.iter().map(String::as_str).collect();
    env.ok(&[&["aggregate"][..], &days].concat());
    // A visit of one view engaged 4 s: a bounce; scrolled past 25% only.
    assert_eq!(
        page_rows(&env, &days, "/b"),
        ["/b,1,1,1,1,1,100,1,4,100,0,0,0"]
    );
}
