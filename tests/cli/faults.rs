//! 20% of the calls to SQS and DynamoDB faulted, answers lost after the service acted among
//! them: send, drain and aggregate 5,000 events, and the report equals what was sent.

use std::time::{Duration, Instant};

use crate::fault_proxy::{self, Fault};
use crate::harness::{Env, Kind};

const DAY: &str = "2021-03-13";
const EVENTS: u64 = 5_000;

/// Runs a command through the proxy until it succeeds (a faulted run may fail as a whole:
/// that is what running it again is for); returns how many runs it took.
fn until_it_succeeds(env: &Env, endpoint: &str, args: &[&str]) -> u32 {
    let mut last_error = String::new();
    for run in 1..=10 {
        let output = env
            .std_cmd()
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("PAGEVIEWS_AWS_TIMEOUT", "4")
            .args(args)
            .output()
            .unwrap();
        if output.status.success() {
            return run;
        }
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_eq!(
            output.status.code(),
            Some(1),
            "a runtime failure, not bad input: {stderr}"
        );
        eprintln!("pageviews {args:?}: run {run} failed: {stderr}");
        last_error = stderr;
    }
    panic!("pageviews {args:?} kept failing through the fault proxy: {last_error}");
}

#[test]
fn a_fifth_of_all_calls_faulted_and_the_report_still_equals_what_was_sent() {
    // A short visibility timeout brings back quickly the messages whose receive answer was lost.
    let env = Env::on(
        Kind::Aws,
        &["--visibility-timeout", "2", "--max-receives", "1000"],
    );
    let proxy = fault_proxy::start(crate::moto::endpoint(), 0.2, 10);
    let through = proxy.endpoint.clone();
    // The same seed makes a re-run of a failed send resend the same events, stored once.
    let send = [
        "send",
        "--count",
        "5000",
        "--day",
        DAY,
        "--seed",
        "3",
        "--events-per-message",
        "20",
    ];
    until_it_succeeds(&env, &through, &send);
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        until_it_succeeds(&env, &through, &["drain", "--wait-seconds", "1"]);
        let status = env.status();
        if status.queue.visible + status.queue.in_flight == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the queue did not empty: {status:?}"
        );
        // Messages whose answers were lost come back after the visibility timeout.
        std::thread::sleep(Duration::from_secs(2));
    }
    until_it_succeeds(&env, &through, &["aggregate", "--day", DAY]);
    let status = env.status();
    assert_eq!(status.queue.dead_letters, 0);
    assert!(status.pending_days.is_empty(), "{:?}", status.pending_days);
    assert_eq!(env.total(&["--day", DAY]), EVENTS);

    let injected = proxy.injected();
    let total: u64 = injected.values().sum();
    eprintln!("faults injected: {total} {injected:?}");
    assert!(total >= 20, "only {total} faults injected: {injected:?}");
    for fault in [
        Fault::LostAnswer,
        Fault::UnprocessedItems,
        Fault::FailedEntries,
        Fault::Reset,
    ] {
        assert!(
            injected.get(&fault).copied().unwrap_or(0) > 0,
            "no {fault:?}: {injected:?}"
        );
    }
}
