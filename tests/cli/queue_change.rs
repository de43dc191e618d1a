//! An AWS deployment moved between SQS and a Kinesis stream with `init --change-queue`,
//! against moto: what the old queue holds is drained into the table, a sender that opened the
//! deployment before the change and still puts events on the old queue loses none (every
//! drain empties the old queue first), and every view counts once, there and back.

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use pageviews::model::event::Event;
use pageviews::pipeline::send::Sender;

use crate::harness::{aws_settings, block_on, Env, Kind};

const DAY: &str = "2026-11-21";

fn send(env: &Env, count: u64) {
    env.ok(&["send", "--count", &count.to_string(), "--day", DAY]);
}

/// Aggregates the day and returns its views.
fn counted(env: &Env) -> u64 {
    env.ok(&["aggregate", "--day", DAY]);
    env.total(&["--from", DAY, "--to", DAY])
}

fn status(env: &Env) -> serde_json::Value {
    serde_json::from_str(&env.ok(&["status", "--format", "json"])).unwrap()
}

fn late_view(i: u64) -> Event {
    let time: DateTime<Utc> = format!("{DAY}T09:00:00Z").parse().unwrap();
    Event {
        id: format!("late-{i}"),
        page: format!("/late/{}", i % 5),
        time: time + chrono::Duration::seconds(i as i64),
        ..Default::default()
    }
}

/// Puts `count` views through `queue`, as a sender started before a change would.
fn send_through(queue: &dyn pageviews::backend::Queue, count: u64) {
    block_on(async {
        let mut sender = Sender::new(queue, 20, ProgressBar::hidden());
        for i in 0..count {
            sender.push(&late_view(i)).await.unwrap();
        }
        assert_eq!(sender.finish().await.unwrap().events, count);
    });
}

#[test]
fn a_deployment_moves_to_a_stream_and_back_losing_and_doubling_nothing() {
    let env = Env::on(Kind::Aws, &[]);
    send(&env, 1_000);
    // Another kind is refused without the flag, in one line that names it.
    let (code, _, refused) = env.run(&["init", "--queue", "kinesis", "--stream-shards", "2"]);
    assert_eq!(code, 2, "{refused}");
    assert!(refused.contains("add --change-queue"), "{refused}");
    assert_eq!(refused.trim().lines().count(), 1, "{refused}");
    // A dry run says what would change and changes nothing.
    let change = [
        "init",
        "--queue",
        "kinesis",
        "--stream-shards",
        "2",
        "--change-queue",
    ];
    let (code, _, planned) = env.run(&[&change[..], &["--dry-run"]].concat());
    assert_eq!(code, 0, "{planned}");
    assert!(planned.contains("would create stream"), "{planned}");
    assert!(planned.contains("would change settings"), "{planned}");
    let unchanged = status(&env);
    assert!(unchanged["previous_queue"].is_null(), "{unchanged}");
    assert!(
        unchanged["queue"]["visible"].as_u64().unwrap() > 0,
        "{unchanged}"
    );

    // A sender that opened the deployment before the change keeps the SQS queue.
    let before = block_on(pageviews::backend::aws::open(&aws_settings(), &env.name)).unwrap();
    let (code, _, said) = env.run(&change);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("created      stream"), "{said}");
    assert!(said.contains("changed      settings"), "{said}");
    assert!(said.contains("queue sqs -> kinesis"), "{said}");
    assert!(
        said.contains("drained the old queue: 1,000 events stored"),
        "{said}"
    );
    let moved = status(&env);
    assert_eq!(moved["events_stored"], 1_000, "{moved}");
    assert_eq!(moved["previous_queue"]["visible"], 0, "{moved}");
    assert!(
        moved["location"]
            .as_str()
            .unwrap()
            .contains("Kinesis stream"),
        "{moved}"
    );
    // A second run changes nothing more.
    let (code, _, again) = env.run(&["init", "--queue", "kinesis"]);
    assert_eq!(code, 0, "{again}");
    assert!(again.contains("exists       stream"), "{again}");

    send_through(before.queue.as_ref(), 300);
    send(&env, 500);
    let waiting = status(&env);
    assert_eq!(waiting["previous_queue"]["visible"], 15, "{waiting}");
    let (_, out, err) = env.run(&["status"]);
    let text = out + &err;
    assert!(
        text.contains("old queue       15 waiting, 0 in flight"),
        "{text}"
    );
    let (code, json, said) = env.run(&["drain", "--format", "json"]);
    assert_eq!(code, 0, "{said}");
    let drained: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(drained["events_written"], 800, "{drained}");
    assert_eq!(drained["from_previous_queue"], 300, "{drained}");
    assert_eq!(counted(&env), 1_800);

    // And back to SQS: the stream is drained, and a sender still on it loses nothing.
    let on_stream = block_on(pageviews::backend::aws::open(&aws_settings(), &env.name)).unwrap();
    send(&env, 200);
    let (code, _, said) = env.run(&["init", "--queue", "sqs", "--change-queue"]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("queue kinesis -> sqs"), "{said}");
    assert!(
        said.contains("drained the old queue: 200 events stored"),
        "{said}"
    );
    send_through(on_stream.queue.as_ref(), 40);
    send(&env, 100);
    let drained = env.drain(&[]);
    assert_eq!(drained.events_written, 140);
    // 1,800 + 200 + 100; the 40 late views share ids with the first 300 and count once.
    assert_eq!(counted(&env), 2_100);

    // The old stream deleted by hand, then a stream again: the new one starts with no
    // checkpoints (the old stream's would skip its first records), and its records, numbered
    // afresh, are named apart from the old stream's (whose raw items they would replace).
    block_on(async {
        pageviews::backend::aws::connect(&aws_settings())
            .await
            .unwrap()
            .kinesis
            .delete_stream()
            .stream_name(format!("{}-events", env.name))
            .send()
            .await
            .unwrap();
    });
    let (code, out, said) = env.run(&["status"]);
    assert_eq!(code, 0, "a missing old queue is said, not fatal: {said}");
    assert!(
        (out + &said).contains("old queue       cannot be read"),
        "status"
    );
    let (code, _, said) = env.run(&[&change[..], &[]].concat());
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("created      stream"), "{said}");
    send(&env, 60);
    assert_eq!(env.drain(&[]).events_written, 60);
    assert_eq!(counted(&env), 2_160);
    let (code, removed, said) = env.run(&["teardown", "--yes"]);
    assert_eq!(code, 0, "{said}");
    assert!(
        (removed + &said).contains(&format!("stream {}-events", env.name)),
        "the old stream goes with the deployment"
    );
}

#[test]
fn a_change_of_queue_is_refused_on_the_local_backend_and_without_a_kind() {
    let env = Env::on(Kind::Local, &[]);
    let (code, _, said) = env.run(&["init", "--queue", "sqs", "--change-queue"]);
    assert_eq!(code, 2, "{said}");
    assert!(
        said.contains("--change-queue moves an AWS deployment"),
        "{said}"
    );
    let (code, _, said) = env.run(&["init", "--change-queue"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("--queue"), "{said}");
}
