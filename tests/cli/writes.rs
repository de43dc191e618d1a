//! How the drain survives slow and refused writes: a slow table never makes a message come back
//! while it is being written; a message the table refuses goes to the dead-letter queue alone;
//! a day is marked changed before its rows are stored; a throttled write is tried within one
//! budget, not retries of retries.

use std::time::{Duration, Instant};

use pageviews::backend::faulty::{self, FaultPlan, Op};
use pageviews::pipeline::drain::DrainOptions;

use crate::fault_proxy::{self, Action, Rule};
use crate::guarantees::{day_views, deployment, drain_options, event, run_drain};
use crate::harness::{block_on, dead_letters, visible_again, Env, Kind};
use crate::on_every_queue;

on_every_queue!(
    a_write_past_its_bound_gives_up_and_the_messages_come_back,
    a_refused_message_goes_to_the_dead_letter_queue_and_the_others_are_stored,
    a_slow_write_keeps_its_messages_hidden_and_stores_them_once,
);

const DAY: &str = "2021-03-13";
const TIME: &str = "2021-03-13T01:00:00Z";

fn a_slow_write_keeps_its_messages_hidden_and_stores_them_once(kind: Kind) {
    block_on(async {
        let (_env, backend) = deployment(kind, 1, 100).await;
        let bodies: Vec<String> = (0..3)
            .map(|i| event(&format!("e{i}"), "/slow", TIME).to_json())
            .collect();
        backend.queue.send_batch(&bodies).await.unwrap();
        let plan = FaultPlan::new();
        // The first write takes three times the 1 s visibility timeout.
        plan.delay(Op::PutEvents, Duration::from_secs(3), 1);
        let faulty = faulty::wrap(backend.clone(), plan);
        // A second worker polls all the while: a message whose visibility ran out would be
        // received again, and written a second time.
        let options = DrainOptions {
            workers: 2,
            wait: Duration::from_secs(1),
            idle_polls: 6,
            ..drain_options(Duration::from_secs(1))
        };
        let summary = run_drain(&faulty, &options).await;
        assert_eq!(
            (summary.messages, summary.messages_deleted),
            (3, 3),
            "each message received once and deleted: {summary:?}"
        );
        let stats = backend.queue.stats().await.unwrap();
        assert_eq!((stats.visible, stats.in_flight), (0, 0));
        assert_eq!(day_views(&backend, DAY).await, 3);
    })
}

fn a_write_past_its_bound_gives_up_and_the_messages_come_back(kind: Kind) {
    block_on(async {
        let (_env, backend) = deployment(kind, 1, 100).await;
        let bodies: Vec<String> = (0..3)
            .map(|i| event(&format!("e{i}"), "/stuck", TIME).to_json())
            .collect();
        backend.queue.send_batch(&bodies).await.unwrap();
        let plan = FaultPlan::new();
        plan.delay(Op::PutEvents, Duration::from_secs(5), 1);
        let faulty = faulty::wrap(backend.clone(), plan);
        let options = DrainOptions {
            write_bound: Duration::from_secs(2),
            ..drain_options(Duration::from_secs(1))
        };
        let started = std::time::Instant::now();
        let first = run_drain(&faulty, &options).await;
        assert!(
            started.elapsed() < Duration::from_secs(4),
            "gave up at the bound"
        );
        assert_eq!(
            (first.messages, first.write_failures, first.messages_deleted),
            (3, 3, 0),
            "{first:?}"
        );
        // No longer kept hidden, they come back after their visibility timeout.
        visible_again(&backend, 3).await;
        let second = run_drain(&faulty, &options).await;
        assert_eq!((second.messages, second.messages_deleted), (3, 3));
        assert_eq!(day_views(&backend, DAY).await, 3);
    })
}

fn a_refused_message_goes_to_the_dead_letter_queue_and_the_others_are_stored(kind: Kind) {
    block_on(async {
        let (env, backend) = deployment(kind, 30, 5).await;
        let pair = |a: &str, b: &str| {
            format!(
                "[{},{}]",
                event(a, "/ok", TIME).to_json(),
                event(b, "/ok", TIME).to_json()
            )
        };
        let mut bodies: Vec<String> = (0..5)
            .map(|m| pair(&format!("m{m}a"), &format!("m{m}b")))
            .collect();
        let refused = pair("refused", "beside-refused");
        bodies.insert(2, refused.clone());
        backend.queue.send_batch(&bodies).await.unwrap();
        let plan = FaultPlan::new();
        plan.refuse_event("refused");
        let faulty = faulty::wrap(backend.clone(), plan);
        let summary = run_drain(&faulty, &drain_options(Duration::from_secs(30))).await;
        assert_eq!(summary.write_failures, 0, "{summary:?}");
        assert_eq!(
            summary.dead_lettered_messages.get("write-refused"),
            Some(&1),
            "{summary:?}"
        );
        assert_eq!(summary.messages_deleted, 6);
        let letters = dead_letters(&env).await;
        assert_eq!(letters.len(), 1, "{letters:?}");
        let (reason, body) = &letters[0];
        assert!(reason.starts_with("write-refused: "), "{reason}");
        assert!(reason.contains("ValidationException"), "{reason}");
        assert_eq!(body, refused.as_bytes());
        let stats = backend.queue.stats().await.unwrap();
        assert_eq!((stats.visible, stats.in_flight), (0, 0));
        assert_eq!(day_views(&backend, DAY).await, 10);
    })
}

/// Runs `pageviews` through `proxy`; returns its exit code and stderr.
fn through(env: &Env, proxy: &fault_proxy::FaultProxy, args: &[&str]) -> (i32, String) {
    let output = env
        .std_cmd()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("PAGEVIEWS_AWS_TIMEOUT", "4")
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code().unwrap_or(-1), stderr)
}

fn send(env: &Env, count: u64, seed: u64) {
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--day",
        DAY,
        "--seed",
        &seed.to_string(),
    ]);
}

/// A drain whose day marks DynamoDB refuses (all of them, or all after the first) must not
/// leave rows that `aggregate --pending` never counts: after it, the pending days' totals
/// equal a count of the raw table.
#[test]
fn a_day_is_marked_changed_before_its_rows_are_written() {
    let env = Env::on(Kind::Aws, &[]);
    send(&env, 20, 1);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", DAY]);
    // A write's mark is one UpdateItem only when its window (whole seconds) ends later than
    // the last write's; in the same second it takes a second one, which `skip` would not
    // expect. The drains below come at least a second after this one.
    std::thread::sleep(Duration::from_millis(1_100));
    for (seed, skip) in [(2, 0), (3, 1)] {
        send(&env, 10, seed);
        let proxy = fault_proxy::scripted(
            crate::moto::endpoint(),
            vec![Rule {
                operation: "UpdateItem",
                action: Action::Refuse {
                    status: 400,
                    code: "AccessDeniedException",
                    message: "injected by the test proxy",
                },
                skip,
                times: u32::MAX,
            }],
        );
        let (code, stderr) = through(&env, &proxy, &["drain", "--wait-seconds", "0.2"]);
        assert_eq!(code, 1, "the drain reports the refused write: {stderr}");
        // The mark after the rows refused (skip 1): the write never says it is done, so the
        // day stays pending until its window ends, and the scheduled function's answer,
        // aggregate and status say so.
        let unfinished = skip == 1;
        let summary = block_on(async {
            let backend = env.open_backend().await;
            pageviews::lambda::aggregate_until(&backend, Duration::from_secs(60), None)
                .await
                .unwrap()
        });
        let named: Vec<String> = summary
            .unfinished_writes
            .iter()
            .map(|write| write.day.to_string())
            .collect();
        let expected = if unfinished {
            vec![DAY.to_owned()]
        } else {
            vec![]
        };
        assert_eq!(named, expected, "{summary:?}\n{stderr}");
        let (code, _, said) = env.run(&["aggregate", "--pending"]);
        assert_eq!(code, 0, "{said}");
        let stays = format!("{DAY} stays pending until");
        assert_eq!(said.contains(&stays), unfinished, "{said}");
        let status = env.status();
        let listed = status
            .unfinished_writes
            .iter()
            .any(|write| write.day == DAY);
        assert_eq!(listed, unfinished, "{:?}", status.unfinished_writes);
        assert_eq!(status.pending_days.contains(&DAY.to_owned()), unfinished);
        let after_pending = env.total(&["--day", DAY]);
        env.ok(&["aggregate", "--day", DAY]);
        assert_eq!(
            after_pending,
            env.total(&["--day", DAY]),
            "rows written by a drain whose day mark failed (skip {skip}) were never counted"
        );
    }
}

/// Every BatchWriteItem throttled: the write is attempted as often as the one retry policy
/// says, and then left for redelivery; no layer retries another layer's retries.
#[test]
fn a_throttled_write_is_tried_within_one_budget() {
    let env = Env::on(Kind::Aws, &[]);
    env.ok(&[
        "send",
        "--count",
        "5",
        "--day",
        DAY,
        "--events-per-message",
        "5",
    ]);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![Rule::every("BatchWriteItem", Action::Throttle)],
    );
    let started = Instant::now();
    let (code, stderr) = through(&env, &proxy, &["drain", "--wait-seconds", "0.2"]);
    let elapsed = started.elapsed();
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        proxy.calls("BatchWriteItem"),
        pageviews::model::retry::RetryPolicy::default().attempts as u64,
        "{stderr}"
    );
    assert!(elapsed < Duration::from_secs(30), "took {elapsed:?}");
}

/// Every BatchWriteItem answered 4 s late, with a 2 s visibility timeout, while a second drain
/// polls the queue: the slow drain keeps its messages hidden until it has written them.
#[test]
fn a_slow_table_never_makes_a_message_come_back() {
    let env = Env::on(Kind::Aws, &["--visibility-timeout", "2"]);
    env.ok(&[
        "send",
        "--count",
        "30",
        "--day",
        DAY,
        "--events-per-message",
        "10",
    ]);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![Rule::every(
            "BatchWriteItem",
            Action::Delay(Duration::from_secs(4)),
        )],
    );
    let slow = env
        .std_cmd()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args(["drain", "--format", "json", "--wait-seconds", "1"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while env.status().queue.in_flight == 0 {
        assert!(Instant::now() < deadline, "the slow drain received nothing");
        std::thread::sleep(Duration::from_millis(50));
    }
    let other: crate::harness::DrainSummary = serde_json::from_str(&env.ok(&[
        "drain",
        "--format",
        "json",
        "--wait-seconds",
        "1",
        "--idle-polls",
        "6",
    ]))
    .unwrap();
    let output = slow.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let slow: crate::harness::DrainSummary = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        slow.messages + other.messages,
        3,
        "each message received once (slow {}, other {})",
        slow.messages,
        other.messages
    );
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(env.total(&["--day", DAY]), 30);
}
