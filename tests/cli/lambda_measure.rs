//! What the function costs: its cold start (process start to the first invocation asked for),
//! its own time per SQS batch of 10 packed messages, and its peak memory, on SQLite and on
//! moto. Printed for docs/performance.md (run with a release build in
//! PAGEVIEWS_MEASURE_BINARY and --nocapture); the counts are checked on every run.

use std::time::Duration;

use crate::harness::{block_on, Env, Kind};
use crate::lambda::{packed, sqs_event, sqs_record, FunctionProcess};
use crate::runtime_api::RuntimeApi;

const MESSAGES: usize = 10;
const BATCHES: usize = 5;

fn measure(kind: Kind, events_per_message: usize) {
    let env = Env::on(kind, &[]);
    let (cold_start, times, peak) = block_on(async {
        let api = RuntimeApi::start().await;
        let backend = [(
            "PAGEVIEWS_BACKEND",
            if env.is_local() { "local" } else { "aws" },
        )];
        let function = FunctionProcess::start(&env, &api, &backend);
        let mut times = Vec::new();
        for batch in 0..BATCHES {
            let records: Vec<_> = (0..MESSAGES)
                .map(|m| {
                    let body = packed(&format!("b{batch}m{m}"), events_per_message);
                    sqs_record(&format!("message-{batch}-{m}"), &body)
                })
                .collect();
            let answered = api
                .invoke(sqs_event(&records), Duration::from_secs(120))
                .await;
            times.push(answered.handler_time);
            let response = answered.response();
            assert_eq!(response["batchItemFailures"], serde_json::json!([]));
        }
        let cold_start = api.first_poll().expect("the function polled") - function.started;
        let summaries = function.batch_summaries();
        let written: u64 = summaries
            .iter()
            .map(|summary| summary["events_written"].as_u64().unwrap())
            .sum();
        assert_eq!(written, (BATCHES * MESSAGES * events_per_message) as u64);
        (cold_start, times, function.peak_memory_kib())
    });
    let millis: Vec<String> = times
        .iter()
        .map(|time| format!("{:.0}", time.as_secs_f64() * 1000.0))
        .collect();
    eprintln!(
        "lambda {kind:?}: {MESSAGES} messages x {events_per_message} events per batch; cold start \
         {:.0} ms; handler ms per batch {}; peak memory {} KiB",
        cold_start.as_secs_f64() * 1000.0,
        millis.join(", "),
        peak
    );
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let total = env.total(&["--day", "2021-03-13"]);
    assert_eq!(total, (BATCHES * MESSAGES * events_per_message) as u64);
}

/// Events per packed message: 100 in the suite; PAGEVIEWS_MEASURE_EVENTS for measurements (a
/// full 64 KiB message holds about 700 views).
fn events_per_message() -> usize {
    std::env::var("PAGEVIEWS_MEASURE_EVENTS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(100)
}

#[test]
fn batches_of_packed_messages_on_sqlite() {
    measure(Kind::Local, events_per_message());
}

#[test]
fn batches_of_packed_messages_on_moto() {
    measure(Kind::Aws, events_per_message());
}

/// Beacons through a function URL: each answered after its view is on the queue.
#[test]
fn beacons_through_a_function_url_on_moto() {
    use crate::lambda_http::{beacon, BROWSER, SITE};
    const BEACONS: usize = 50;
    let env = Env::on(Kind::Aws, &[]);
    let (mut times, peak) = block_on(async {
        let api = RuntimeApi::start().await;
        let function = FunctionProcess::start(&env, &api, &[("PAGEVIEWS_ALLOW_ORIGIN", SITE)]);
        let headers = serde_json::json!({"origin": SITE, "user-agent": BROWSER});
        let mut times = Vec::new();
        for n in 0..BEACONS {
            let body = format!(r#"{{"page":"/p{n}"}}"#);
            let answered = api
                .invoke(beacon(headers.clone(), &body), Duration::from_secs(30))
                .await;
            times.push(answered.handler_time);
            assert_eq!(answered.response()["statusCode"], 204);
        }
        (times, function.peak_memory_kib())
    });
    times.sort();
    eprintln!(
        "lambda beacons: {BEACONS}; handler ms median {:.1}, slowest {:.1}; \
         peak memory {peak} KiB",
        times[BEACONS / 2].as_secs_f64() * 1000.0,
        times[BEACONS - 1].as_secs_f64() * 1000.0
    );
    assert_eq!(env.status().queue.visible, BEACONS as u64);
}

/// What a function URL collector makes: one view a message.
#[test]
fn batches_of_one_view_messages_on_moto() {
    measure(Kind::Aws, 1);
}
