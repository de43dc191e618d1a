//! The delivery guarantees, on both backends: no event lost and none counted twice under
//! redelivery, duplicate ids, same-instant views, lost answers, SIGKILL, concurrent drains and
//! poison messages.

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use pageviews::backend::faulty::{self, Fault, FaultPlan, Op};
use pageviews::backend::{Backend, ReceiveOptions};
use pageviews::model::day::Day;
use pageviews::model::event::Event;
use pageviews::model::retry::RetryPolicy;
use pageviews::pipeline::aggregate::aggregate_day;
use pageviews::pipeline::drain::{drain, DrainOptions, DrainSummary};
use pageviews::pipeline::send::Sender;
use pageviews::pipeline::shutdown::Shutdown;
use std::time::{Duration, Instant};

use crate::harness::{block_on, dead_letters, visible_again, Env, Kind};
use crate::on_every_queue;

on_every_queue!(
    a_message_delivered_twice_is_counted_once,
    a_delete_whose_entries_fail_leaves_the_message_to_be_written_once,
    a_write_that_fails_leaves_the_message_for_redelivery,
    a_send_retried_after_a_lost_answer_counts_once,
    same_instant_views_all_count_and_repeated_ids_count_once,
    poison_goes_to_the_dead_letter_queue_with_reasons_and_good_events_are_kept,
    a_message_received_too_often_moves_to_the_dead_letter_queue,
    random_faults_in_every_call_lose_and_double_nothing,
    two_drains_at_once_count_every_event_once,
    drain_follow_stops_on_sigterm_having_lost_nothing,
    api_gateway_proxy_events_are_counted,
);

pub(crate) fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 8,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(20),
        settle: Duration::from_millis(5),
    }
}

pub(crate) fn drain_options(visibility: Duration) -> DrainOptions {
    DrainOptions {
        wait: Duration::from_millis(100),
        visibility: Some(visibility),
        idle_polls: 2,
        follow: false,
        workers: 1,
        retry: quick_retry(),
        write_bound: pageviews::backend::WRITE_BOUND,
    }
}

/// A deployment with the given queue settings, and its backend opened in-process.
pub(crate) async fn deployment(
    kind: Kind,
    visibility_seconds: u32,
    max_receives: u32,
) -> (Env, Backend) {
    let env = Env::on(
        kind,
        &[
            "--visibility-timeout",
            &visibility_seconds.to_string(),
            "--max-receives",
            &max_receives.to_string(),
        ],
    );
    let backend = env.open_backend().await;
    (env, backend)
}

pub(crate) async fn run_drain(backend: &Backend, options: &DrainOptions) -> DrainSummary {
    let (_trigger, shutdown) = Shutdown::new();
    drain(backend, options, &shutdown, &ProgressBar::hidden())
        .await
        .unwrap()
}

pub(crate) async fn day_views(backend: &Backend, day: &str) -> u64 {
    aggregate_day(backend, Day::parse(day).unwrap(), &quick_retry())
        .await
        .unwrap()
        .views
}

pub(crate) fn event(id: &str, page: &str, time: &str) -> Event {
    Event {
        id: id.into(),
        page: page.into(),
        time: DateTime::parse_from_rfc3339(time)
            .unwrap()
            .with_timezone(&Utc),
        ..Default::default()
    }
}

fn a_message_delivered_twice_is_counted_once(kind: Kind) {
    block_on(async {
        let (_env, backend) = deployment(kind, 1, 5).await;
        // A beacon without an id: its id comes from the message id, the same on redelivery.
        backend
            .queue
            .send_batch(&[r#"{"page":"/p","time":"2021-03-13T12:00:00Z"}"#.to_owned()])
            .await
            .unwrap();
        let plan = FaultPlan::new();
        // Every attempt to delete fails: the drain gives up and the message stays.
        plan.inject(Op::Delete, Fault::Refuse, 8);
        let faulty = faulty::wrap(backend.clone(), plan.clone());
        let first = run_drain(&faulty, &drain_options(Duration::from_secs(1))).await;
        assert_eq!((first.events_written, first.delete_failures), (1, 1));
        assert_eq!(plan.injected(), 8);
        visible_again(&backend, 1).await;
        let second = run_drain(&backend, &drain_options(Duration::from_secs(5))).await;
        assert_eq!(second.messages, 1, "delivered again");
        if kind == Kind::Local {
            assert_eq!((second.events_written, second.duplicates), (0, Some(1)));
        }
        assert_eq!(day_views(&backend, "2021-03-13").await, 1);
    })
}

fn a_delete_whose_entries_fail_leaves_the_message_to_be_written_once(kind: Kind) {
    block_on(async {
        let (_env, backend) = deployment(kind, 1, 5).await;
        let body = format!(
            "[{},{}]",
            event("a", "/x", "2021-03-13T01:00:00Z").to_json(),
            event("b", "/x", "2021-03-13T02:00:00Z").to_json()
        );
        backend.queue.send_batch(&[body]).await.unwrap();
        let plan = FaultPlan::new();
        plan.inject(Op::Delete, Fault::FailEntries, 1);
        let faulty = faulty::wrap(backend.clone(), plan);
        let options = drain_options(Duration::from_secs(1));
        let first = run_drain(&faulty, &options).await;
        assert_eq!((first.events_written, first.messages), (2, 1));
        visible_again(&backend, 1).await;
        let second = run_drain(&faulty, &options).await;
        assert_eq!(second.messages, 1);
        if kind == Kind::Local {
            assert_eq!((second.events_written, second.duplicates), (0, Some(2)));
        }
        assert_eq!(backend.queue.stats().await.unwrap().visible, 0);
        assert_eq!(day_views(&backend, "2021-03-13").await, 2);
    })
}

fn a_write_that_fails_leaves_the_message_for_redelivery(kind: Kind) {
    block_on(async {
        let (_env, backend) = deployment(kind, 1, 5).await;
        let body = event("a", "/x", "2021-03-13T01:00:00Z").to_json();
        backend.queue.send_batch(&[body]).await.unwrap();
        let plan = FaultPlan::new();
        // More failures than the retry policy's attempts: the batch is given up for now.
        plan.inject(Op::PutEvents, Fault::Refuse, 8);
        let faulty = faulty::wrap(backend.clone(), plan);
        let options = drain_options(Duration::from_secs(1));
        let first = run_drain(&faulty, &options).await;
        assert_eq!((first.events_written, first.write_failures), (0, 1));
        visible_again(&backend, 1).await;
        let second = run_drain(&faulty, &options).await;
        assert_eq!(second.events_written, 1);
        assert_eq!(day_views(&backend, "2021-03-13").await, 1);
    })
}

fn a_send_retried_after_a_lost_answer_counts_once(kind: Kind) {
    block_on(async {
        let (_env, backend) = deployment(kind, 30, 5).await;
        let plan = FaultPlan::new();
        // The queue stores the batch, the answer is lost, the sender sends it again.
        plan.inject(Op::Send, Fault::LoseAnswer, 1);
        plan.inject(Op::Send, Fault::FailEntries, 1);
        let faulty = faulty::wrap(backend.clone(), plan.clone());
        let mut sender = Sender::new(faulty.queue.as_ref(), 1, ProgressBar::hidden());
        for i in 0..25 {
            sender
                .push(&event(&format!("e{i}"), "/p", "2021-03-13T05:00:00Z"))
                .await
                .unwrap();
        }
        let stats = sender.finish().await.unwrap();
        assert_eq!(stats.events, 25);
        assert_eq!(plan.injected(), 2);
        // The first batch went onto the queue twice: 10 messages on SQS, all 25 where one
        // call takes more (a stream's 500 records, the local queue's 250).
        let twice = 25.min(backend.queue.batch_limit() as u64);
        assert_eq!(backend.queue.stats().await.unwrap().visible, 25 + twice);
        let summary = run_drain(&backend, &drain_options(Duration::from_secs(30))).await;
        assert_eq!(summary.messages, 25 + twice);
        if kind == Kind::Local {
            assert_eq!(
                (summary.events_written, summary.duplicates),
                (25, Some(twice))
            );
        }
        assert_eq!(day_views(&backend, "2021-03-13").await, 25);
    })
}

fn same_instant_views_all_count_and_repeated_ids_count_once(kind: Kind) {
    block_on(async {
        let (_env, backend) = deployment(kind, 30, 5).await;
        let same_time = "2021-03-13T12:34:56Z";
        let bodies = vec![
            format!(
                "[{},{},{}]",
                event("v1", "/p", same_time).to_json(),
                event("v2", "/p", same_time).to_json(),
                event("v3", "/p", same_time).to_json()
            ),
            // The same ids again, in another message.
            format!(
                "[{},{}]",
                event("v1", "/p", same_time).to_json(),
                event("v2", "/p", same_time).to_json()
            ),
            // Two beacons without ids at the same instant: different messages, different ids.
            format!(r#"{{"page":"/p","time":"{same_time}"}}"#),
            format!(r#"{{"page":"/p","time":"{same_time}"}}"#),
        ];
        backend.queue.send_batch(&bodies).await.unwrap();
        let summary = run_drain(&backend, &drain_options(Duration::from_secs(30))).await;
        assert_eq!(summary.messages, 4);
        if kind == Kind::Local {
            assert_eq!((summary.events_written, summary.duplicates), (5, Some(2)));
        }
        assert_eq!(day_views(&backend, "2021-03-13").await, 5);
    })
}

fn poison_goes_to_the_dead_letter_queue_with_reasons_and_good_events_are_kept(kind: Kind) {
    block_on(async {
        let (env, backend) = deployment(kind, 30, 5).await;
        let far_future = (Utc::now() + chrono::Duration::days(3)).to_rfc3339();
        let mut bodies = vec![
            "this is not json".to_owned(),
            r#"{"time":"2021-03-13T12:00:00Z"}"#.to_owned(),
            r#"{"page":"/p","time":"yesterday"}"#.to_owned(),
            format!(r#"{{"page":"/p","time":"{far_future}"}}"#),
            r#"{"page":"/a\u0007b","time":"2021-03-13T12:00:00Z"}"#.to_owned(),
            // A packed message with two good events and one bad one.
            format!(
                "[{},{{\"page\":\"relative\",\"time\":\"2021-03-13T12:00:00Z\"}},{}]",
                event("g1", "/good", "2021-03-13T01:00:00Z").to_json(),
                event("g2", "/good", "2021-03-13T02:00:00Z").to_json()
            ),
            event("g3", "/good", "2021-03-13T03:00:00Z").to_json(),
        ];
        // SQS refuses empty bodies, so only the local queue can hold one.
        if kind == Kind::Local {
            bodies.push(String::new());
        }
        let messages = bodies.len() as u64;
        backend.queue.send_batch(&bodies).await.unwrap();
        let summary = run_drain(&backend, &drain_options(Duration::from_secs(30))).await;
        assert_eq!(summary.messages, messages);
        assert_eq!(summary.messages_deleted, messages);
        assert_eq!(summary.events_written, 3);
        let dead: Vec<(&str, u64)> = summary
            .dead_lettered_messages
            .iter()
            .map(|(reason, count)| (reason.as_str(), *count))
            .collect();
        let mut expected = vec![
            ("missing-page", 1),
            ("not-json", 1),
            ("page-control-char", 1),
            ("time-in-future", 1),
            ("time-not-rfc3339", 1),
        ];
        if kind == Kind::Local {
            expected.insert(0, ("empty", 1));
        }
        assert_eq!(dead, expected);
        assert_eq!(summary.rejected_events.get("page-not-path"), Some(&1));
        let stats = backend.queue.stats().await.unwrap();
        assert_eq!((stats.visible, stats.in_flight), (0, 0));
        assert_eq!(stats.dead_letters, messages - 1);
        assert_eq!(day_views(&backend, "2021-03-13").await, 3);

        let letters = dead_letters(&env).await;
        assert_eq!(letters.len() as u64, messages - 1);
        let not_json = letters
            .iter()
            .find(|(r, _)| r.starts_with("not-json: "))
            .unwrap();
        assert_eq!(not_json.1, b"this is not json");
        let partial = letters
            .iter()
            .find(|(r, _)| r.starts_with("page-not-path"))
            .unwrap();
        assert!(
            partial
                .0
                .contains("1 event of the message refused: #2 page must be a path"),
            "{}",
            partial.0
        );
        assert_eq!(
            partial.1,
            br#"[{"page":"relative","time":"2021-03-13T12:00:00Z"}]"#.to_vec()
        );
    })
}

fn a_message_received_too_often_moves_to_the_dead_letter_queue(kind: Kind) {
    block_on(async {
        let (_env, backend) = deployment(kind, 30, 2).await;
        backend
            .queue
            .send_batch(&[event("a", "/x", "2021-03-13T01:00:00Z").to_json()])
            .await
            .unwrap();
        let short = ReceiveOptions {
            wait: Duration::ZERO,
            visibility: Some(Duration::from_secs(1)),
            ..Default::default()
        };
        for expected in 1..=2 {
            let got = backend.queue.receive(short).await.unwrap();
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].receive_count, expected);
            // Not visible again until its visibility timeout has passed.
            assert!(backend.queue.receive(short).await.unwrap().is_empty());
            visible_again(&backend, 1).await;
        }
        assert!(backend.queue.receive(short).await.unwrap().is_empty());
        let stats = backend.queue.stats().await.unwrap();
        assert_eq!(
            (stats.visible, stats.in_flight, stats.dead_letters),
            (0, 0, 1)
        );
    })
}

fn random_faults_in_every_call_lose_and_double_nothing(kind: Kind) {
    block_on(async {
        let (env, backend) = deployment(kind, 1, 1_000).await;
        let count = env.scale(5_000, 400);
        let plan = FaultPlan::new();
        plan.random(0.2, 11);
        let faulty = faulty::wrap(backend.clone(), plan.clone());
        let mut sender = Sender::new(faulty.queue.as_ref(), 7, ProgressBar::hidden());
        let events = pageviews::synth::Synth::new(
            count,
            pageviews::model::day::DayRange::single(Day::parse("2021-03-13").unwrap()),
            20,
            5,
        );
        for event in events {
            sender.push(&event).await.unwrap();
        }
        assert_eq!(sender.finish().await.unwrap().events, count);
        let options = drain_options(Duration::from_secs(1));
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            run_drain(&faulty, &options).await;
            let stats = backend.queue.stats().await.unwrap();
            if stats.visible + stats.in_flight == 0 || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        // Faults came at about the rate asked for (1 call in 5), whatever number of calls the
        // queue needed (a stream's or the local queue's batches are longer than SQS's).
        let (injected, calls) = (plan.injected(), plan.calls());
        assert!(
            injected >= 2 && injected * 10 >= calls,
            "faults injected: {injected} in {calls} calls"
        );
        assert_eq!(backend.queue.stats().await.unwrap().dead_letters, 0);
        let views = aggregate_day(&faulty, Day::parse("2021-03-13").unwrap(), &quick_retry())
            .await
            .unwrap()
            .views;
        assert_eq!(views, count);
        assert_eq!(day_views(&backend, "2021-03-13").await, count);
    })
}

fn two_drains_at_once_count_every_event_once(kind: Kind) {
    let env = Env::on(kind, &[]);
    let count = env.scale(20_000, 2_000);
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--day",
        "2021-03-13",
        "--events-per-message",
        "10",
        "--seed",
        "12",
    ]);
    let drains: Vec<_> = (0..2)
        .map(|_| env.spawn(&["drain", "--format", "json", "--wait-seconds", "0.2"]))
        .collect();
    let mut messages = 0;
    for drain in drains {
        let output = drain.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary: crate::harness::DrainSummary = serde_json::from_slice(&output.stdout).unwrap();
        messages += summary.messages;
    }
    // Every message is handled at least once; SQS (and moto) may hand one to both drains.
    assert!(messages >= count / 10, "{messages} messages handled");
    if kind == Kind::Local {
        assert_eq!(
            messages,
            count / 10,
            "the local queue hands each message to one drain"
        );
    }
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(env.total(&["--day", "2021-03-13"]), count);
}

fn drain_follow_stops_on_sigterm_having_lost_nothing(kind: Kind) {
    let env = Env::on(kind, &[]);
    let per_send = env.scale(1_000, 200);
    let drain = env.spawn(&[
        "drain",
        "--follow",
        "--wait-seconds",
        "0.2",
        "--format",
        "json",
    ]);
    for seed in 0..5 {
        env.ok(&[
            "send",
            "--count",
            &per_send.to_string(),
            "--day",
            "2021-03-13",
            "--seed",
            &seed.to_string(),
        ]);
        std::thread::sleep(Duration::from_millis(100));
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.status().events_stored < 5 * per_send && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &drain.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let output = drain.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: crate::harness::DrainSummary = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary.events_written, 5 * per_send);
    let status = env.status();
    assert_eq!((status.queue.visible, status.queue.in_flight), (0, 0));
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(env.total(&["--day", "2021-03-13"]), 5 * per_send);
}

fn api_gateway_proxy_events_are_counted(kind: Kind) {
    let env = Env::on(kind, &[]);
    block_on(async {
        let backend = env.open_backend().await;
        backend
            .queue
            .send_batch(&[
                r#"{"resource":"/","httpMethod":"POST","queryStringParameters":{"page":"/posts/some-post","time":"2021-03-13T12:34:56Z"}}"#.to_owned(),
                r#"{"queryStringParameters":{"page":"/posts/some-post"},"requestContext":{"requestTimeEpoch":1615638896000}}"#.to_owned(),
            ])
            .await
            .unwrap();
    });
    assert_eq!(env.drain(&[]).events_written, 2);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(
        env.views(&["--day", "2021-03-13"])
            .into_iter()
            .collect::<Vec<_>>(),
        [(("2021-03-13".to_owned(), "/posts/some-post".to_owned()), 2)]
    );
}
