//! `pageviews dlq` on both backends: dead letters are listed with their reasons, redriven back
//! to the queue (and dead-lettered again while still bad), counted once after a redrive, and
//! purged.

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use pageviews::backend::faulty::{self, Fault, FaultPlan, Op};
use pageviews::backend::{Backend, ReceiveOptions};
use pageviews::model::event::Event;
use pageviews::model::retry::RetryPolicy;
use pageviews::pipeline::drain::{drain, DrainOptions};
use pageviews::pipeline::shutdown::Shutdown;
use serde::Deserialize;
use std::time::Duration;

use crate::harness::{block_on, visible_again, Env, Kind};
use crate::on_every_queue;

on_every_queue!(
    poison_is_listed_redriven_dead_lettered_again_and_purged,
    a_message_received_too_often_counts_once_after_a_redrive,
);

#[derive(Debug, Deserialize)]
struct Letter {
    message_id: String,
    reason: String,
    receive_count: u32,
    dead_lettered_at: Option<String>,
    body: String,
}

#[derive(Debug, Deserialize)]
struct Redriven {
    method: String,
    moved: u64,
    failed: u64,
}

#[derive(Debug, Deserialize)]
struct Purged {
    purged: u64,
}

fn event(id: &str, page: &str, time: &str) -> Event {
    Event {
        id: id.into(),
        page: page.into(),
        time: DateTime::parse_from_rfc3339(time)
            .unwrap()
            .with_timezone(&Utc),
        ..Default::default()
    }
}

/// Dead letters from `dlq list --format json`, ordered by reason (SQS has no order).
fn list(env: &Env) -> Vec<Letter> {
    let mut letters: Vec<Letter> =
        serde_json::from_str(&env.ok(&["dlq", "list", "--format", "json"])).expect("JSON list");
    letters.sort_by(|a, b| a.reason.cmp(&b.reason));
    letters
}

fn codes(letters: &[Letter]) -> Vec<&str> {
    letters
        .iter()
        .map(|letter| letter.reason.split(':').next().unwrap())
        .collect()
}

fn redrive(env: &Env) -> Redriven {
    serde_json::from_str(&env.ok(&["dlq", "redrive", "--format", "json"])).expect("JSON summary")
}

fn poison_is_listed_redriven_dead_lettered_again_and_purged(kind: Kind) {
    let env = Env::on(kind, &[]);
    block_on(async {
        let backend = env.open_backend().await;
        let bodies = [
            event("g1", "/good", "2021-03-13T01:00:00Z").to_json(),
            "this is not json".to_owned(),
            r#"{"time":"2021-03-13T12:00:00Z"}"#.to_owned(),
            format!(
                "[{},{{\"page\":\"relative\",\"time\":\"2021-03-13T12:00:00Z\"}}]",
                event("g2", "/good", "2021-03-13T02:00:00Z").to_json()
            ),
            event("g3", "/good", "2021-03-13T03:00:00Z").to_json(),
        ];
        backend.queue.send_batch(&bodies).await.unwrap();
    });
    let drained = env.drain(&[]);
    assert_eq!((drained.messages, drained.events_written), (5, 3));

    let letters = list(&env);
    assert_eq!(
        codes(&letters),
        ["missing-page", "not-json", "page-not-path"]
    );
    assert_eq!(letters[1].body, "this is not json");
    assert_eq!(letters[1].receive_count, 1);
    assert!(letters[1].dead_lettered_at.is_some());
    assert_eq!(
        letters[2].body,
        r#"[{"page":"relative","time":"2021-03-13T12:00:00Z"}]"#
    );
    // Its good event was kept: the letter of its refused one has an identity of its own.
    let partial_identity = letters[2].message_id.clone();
    assert!(
        partial_identity.ends_with("#rejected"),
        "{partial_identity}"
    );
    // Listing hid nothing: a second listing right away shows the same letters.
    assert_eq!(list(&env).len(), 3);
    let table = env.ok(&["dlq", "list"]);
    assert!(table.contains("not-json: ") && table.contains("this is not json"));

    let redriven = redrive(&env);
    assert_eq!((redriven.moved, redriven.failed), (3, 0));
    let expected_method = if kind == Kind::Local {
        "transaction"
    } else {
        // moto 5.2.1 has no StartMessageMoveTask: the redrive copies.
        "copy"
    };
    assert_eq!(redriven.method, expected_method);
    let status = env.status();
    assert_eq!((status.queue.visible, status.queue.dead_letters), (3, 0));

    // Still bad: the next drain dead-letters them again, and stores nothing more.
    let drained = env.drain(&[]);
    assert_eq!((drained.messages, drained.events_written), (3, 0));
    let again = list(&env);
    assert_eq!(codes(&again), ["missing-page", "not-json", "page-not-path"]);
    assert_eq!(again[2].message_id, partial_identity);
    assert_eq!(
        again[1].receive_count, 1,
        "redrive resets the receive count"
    );

    let (code, stdout, stderr) = env.run(&["dlq", "purge"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(env.status().queue.dead_letters, 3);
    let purged: Purged =
        serde_json::from_str(&env.ok(&["dlq", "purge", "--yes", "--format", "json"])).unwrap();
    assert_eq!(purged.purged, 3);
    assert!(list(&env).is_empty());
    assert_eq!(env.status().queue.dead_letters, 0);
    assert_eq!(redrive(&env).moved, 0);
    assert_eq!(
        env.total(&["--day", "2021-03-13"]),
        0,
        "nothing aggregated yet"
    );
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(env.total(&["--day", "2021-03-13"]), 3);
}

fn drain_options() -> DrainOptions {
    DrainOptions {
        wait: Duration::from_millis(100),
        visibility: Some(Duration::from_secs(1)),
        idle_polls: 2,
        follow: false,
        workers: 1,
        retry: RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(10),
            settle: Duration::from_millis(5),
        },
        write_bound: pageviews::backend::WRITE_BOUND,
    }
}

/// A drain whose every delete fails: events are stored, messages stay on the queue. Returns
/// the events written and known duplicates (the local store knows them; DynamoDB cannot tell).
async fn drain_without_deletes(backend: &Backend) -> u64 {
    let plan = FaultPlan::new();
    plan.inject(Op::Delete, Fault::FailEntries, 1_000);
    let faulty = faulty::wrap(backend.clone(), plan);
    let (_trigger, shutdown) = Shutdown::new();
    let summary = drain(&faulty, &drain_options(), &shutdown, &ProgressBar::hidden())
        .await
        .unwrap();
    assert_eq!(summary.messages_deleted, 0);
    summary.events_written + summary.duplicates.unwrap_or(0)
}

/// The worst case for counting: a message's events were stored, but its deletes kept failing
/// until the queue gave up on it. After a fix and a redrive its events (one of them without an
/// id of its own) are stored again, and still count once.
fn a_message_received_too_often_counts_once_after_a_redrive(kind: Kind) {
    let env = Env::on(kind, &["--max-receives", "2"]);
    block_on(async {
        let backend = env.open_backend().await;
        let packed = format!(
            "[{},{}]",
            event("a", "/x", "2021-03-13T01:00:00Z").to_json(),
            event("b", "/y", "2021-03-13T02:00:00Z").to_json()
        );
        let beacon = r#"{"page":"/z","time":"2021-03-13T03:00:00Z"}"#.to_owned();
        backend.queue.send_batch(&[packed, beacon]).await.unwrap();
        for _ in 0..2 {
            assert_eq!(drain_without_deletes(&backend).await, 3);
            visible_again(&backend, 2).await;
        }
        // The third receive finds both received twice: they go to the dead-letter queue.
        let received = backend.queue.receive(ReceiveOptions::default()).await;
        assert!(received.unwrap().is_empty());
        // A reader that stops gives up what it holds (a stream's shards) for the next.
        backend.queue.finish_reading().await.unwrap();
    });
    let letters = list(&env);
    assert_eq!(letters.len(), 2);
    for letter in &letters {
        assert!(letter.reason.starts_with("max-receives: "), "{letter:?}");
        assert_eq!(letter.receive_count, 2);
    }

    let redriven = redrive(&env);
    assert_eq!((redriven.moved, redriven.failed), (2, 0));
    let drained = env.drain(&[]);
    assert_eq!(drained.messages, 2);
    let duplicates = drained.duplicates.unwrap_or(0);
    assert_eq!(drained.events_written + duplicates, 3);
    if kind == Kind::Local {
        assert_eq!(duplicates, 3, "every redriven event was already stored");
    }
    let status = env.status();
    assert_eq!(
        (
            status.queue.visible,
            status.queue.in_flight,
            status.queue.dead_letters
        ),
        (0, 0, 0)
    );
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(env.total(&["--day", "2021-03-13"]), 3);
    // Stored once locally; on DynamoDB the days' counters count writes: three of 3 events.
    let stored = env.status().events_stored;
    assert_eq!(stored, if kind == Kind::Local { 3 } else { 9 });
}
