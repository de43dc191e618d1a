//! The AWS backend with a Kinesis data stream as its queue, against moto's Kinesis: every view
//! counted once however the stream is read (twice after a crash before a checkpoint, by a
//! drain that died holding its shards, by two drains at once, across a shard split), poison
//! isolated with its reason without blocking its shard, and the faults moto never gives
//! (records refused inside a PutRecords answer, an expired iterator).

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_kinesis::operation::put_records::PutRecordsOutput;
use aws_sdk_kinesis::primitives::Blob;
use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use pageviews::backend::aws::faults::{FaultPlan as Edits, Rule as Edit};
use pageviews::backend::aws::Aws;
use pageviews::backend::faulty::{self, Fault, FaultPlan, Op};
use pageviews::backend::ReceiveOptions;
use pageviews::model::event::Event;
use pageviews::pipeline::drain::{drain, DrainOptions};
use pageviews::pipeline::send::Sender;
use pageviews::pipeline::shutdown::Shutdown;
use std::collections::HashMap;
use std::time::Duration;

use crate::fault_proxy::{self, Action, Rule};
use crate::harness::{aws_settings, block_on, Env, Kind};

const DAY: &str = "2026-11-20";

/// A deployment whose queue is a stream of `shards` provisioned shards; `visibility` seconds
/// a lease lasts unrenewed.
pub(crate) fn stream_env(shards: u32, visibility: u32) -> Env {
    let shards = shards.to_string();
    let visibility = visibility.to_string();
    Env::on(
        Kind::Aws,
        &[
            "--queue",
            "kinesis",
            "--stream-shards",
            &shards,
            "--visibility-timeout",
            &visibility,
        ],
    )
}

pub(crate) fn send(env: &Env, count: u64) {
    env.ok(&["send", "--count", &count.to_string(), "--day", DAY]);
}

/// Aggregates the day and returns its views.
pub(crate) fn counted(env: &Env) -> u64 {
    env.ok(&["aggregate", "--day", DAY]);
    env.total(&["--from", DAY, "--to", DAY])
}

pub(crate) async fn kinesis() -> aws_sdk_kinesis::Client {
    pageviews::backend::aws::connect(&aws_settings())
        .await
        .unwrap()
        .kinesis
}

pub(crate) fn stream(env: &Env) -> String {
    format!("{}-events", env.name)
}

/// The items of one partition of the deployment's daily table.
fn daily_items(env: &Env, partition: &str) -> Vec<HashMap<String, AttributeValue>> {
    block_on(async {
        let clients = pageviews::backend::aws::connect(&aws_settings())
            .await
            .unwrap();
        clients
            .dynamodb
            .query()
            .table_name(format!("{}-daily", env.name))
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(partition.into()))
            .send()
            .await
            .unwrap()
            .items
            .unwrap_or_default()
    })
}

/// A record no drain can decode.
pub(crate) async fn put_poison(env: &Env) {
    kinesis()
        .await
        .put_record()
        .stream_name(stream(env))
        .partition_key("p")
        .data(Blob::new(b"not json at all".to_vec()))
        .send()
        .await
        .unwrap();
}

#[test]
fn a_stream_deployment_counts_every_view_once() {
    let env = stream_env(2, 30);
    send(&env, 1_500);
    // `status` counts what waits by reading each shard, and says how old the oldest is.
    let before: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--format", "json"])).unwrap();
    let shards = before["stream"]["shards"].as_array().unwrap();
    assert_eq!(shards.len(), 2, "{before}");
    assert_eq!(before["stream"]["retention_hours"], 24);
    assert!(
        shards
            .iter()
            .any(|shard| shard["oldest_unread_seconds"].is_u64()),
        "{before}"
    );
    let (_, out, err) = env.run(&["status"]);
    let text = out + &err;
    assert!(
        text.contains("stream          2 shard(s), records kept 24 hours"),
        "{text}"
    );
    let first = env.drain(&[]);
    assert_eq!(first.events_written, 1_500);
    assert_eq!(first.messages, first.messages_deleted);
    assert_eq!(before["queue"]["visible"], first.messages);
    let after: serde_json::Value =
        serde_json::from_str(&env.ok(&["status", "--format", "json"])).unwrap();
    assert_eq!(after["queue"]["visible"], 0);
    for shard in after["stream"]["shards"].as_array().unwrap() {
        assert!(shard["oldest_unread_seconds"].is_null(), "{after}");
        assert!(
            shard["owner"].is_null(),
            "the drain gave its leases up: {after}"
        );
    }
    // The checkpoints hold: a second drain finds nothing new.
    let second = env.drain(&[]);
    assert_eq!((second.messages, second.events_written), (0, 0));
    assert_eq!(counted(&env), 1_500);
    // init again is idempotent; another queue kind is refused, in one line.
    let (code, _, again) = env.run(&["init", "--queue", "kinesis"]);
    assert_eq!(code, 0, "{again}");
    assert!(again.contains("exists       stream"), "{again}");
    let (code, _, stderr) = env.run(&["init", "--queue", "sqs"]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("puts its events through kinesis, not sqs"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let (code, removed, said) = env.run(&["teardown", "--yes"]);
    assert_eq!(code, 0, "{said}");
    let removed = removed + &said;
    assert!(
        removed.contains(&format!("stream {}", stream(&env))),
        "{removed}"
    );
}

#[test]
fn poison_on_the_stream_goes_to_the_dead_letter_queue_and_its_shard_goes_on() {
    let env = stream_env(1, 30);
    block_on(put_poison(&env));
    send(&env, 200);
    let summary = env.drain(&[]);
    assert_eq!(summary.events_written, 200);
    let letters: Vec<serde_json::Value> =
        serde_json::from_str(&env.ok(&["dlq", "list", "--format", "json"])).unwrap();
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["body"], "not json at all");
    let reason = letters[0]["reason"].as_str().unwrap();
    assert!(reason.contains("JSON"), "{reason}");
    // Redriven onto the stream it keeps its identity, and is dead-lettered again as itself.
    let identity = letters[0]["message_id"].clone();
    assert!(
        identity.as_str().unwrap().starts_with("shardId-"),
        "{identity}"
    );
    let redriven: serde_json::Value =
        serde_json::from_str(&env.ok(&["dlq", "redrive", "--format", "json"])).unwrap();
    assert_eq!(
        (redriven["moved"].as_u64(), redriven["failed"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!(redriven["method"], "copy");
    let again = env.drain(&[]);
    assert_eq!((again.messages, again.events_written), (1, 0));
    let letters: Vec<serde_json::Value> =
        serde_json::from_str(&env.ok(&["dlq", "list", "--format", "json"])).unwrap();
    assert_eq!(letters.len(), 1, "{letters:?}");
    assert_eq!(letters[0]["message_id"], identity);
    assert_eq!(counted(&env), 200);
}

/// A crash after the events were stored and before the checkpoint: every delete fails, so no
/// checkpoint moves; the next drain reads the same records and stores the same events.
#[test]
fn records_stored_before_a_crash_are_read_again_and_counted_once() {
    let env = stream_env(2, 30);
    send(&env, 400);
    let written = block_on(async {
        let plan = FaultPlan::new();
        plan.inject(Op::Delete, Fault::FailEntries, 1_000);
        let backend = faulty::wrap(env.open_backend().await, plan);
        let (_trigger, shutdown) = Shutdown::new();
        // The stream's own visibility (its lease time), not a test's shorter one.
        let options = DrainOptions {
            wait: Duration::from_millis(300),
            visibility: None,
            ..crate::guarantees::drain_options(Duration::from_secs(30))
        };
        let summary = drain(&backend, &options, &shutdown, &ProgressBar::hidden())
            .await
            .unwrap();
        assert_eq!(summary.messages_deleted, 0);
        summary.events_written
    });
    assert_eq!(written, 400);
    let again = env.drain(&[]);
    assert_eq!(again.events_written, 400, "read again from the checkpoint");
    assert_eq!(counted(&env), 400);
}

/// A drain that dies holding its shards (records out, nothing stored, leases never given up):
/// once its leases run out, another drain takes the shards and stores everything once.
#[test]
fn a_drain_that_dies_holding_its_shards_loses_them_to_another() {
    let env = stream_env(2, 2);
    send(&env, 300);
    let taken = block_on(async {
        let backend = env.open_backend().await;
        let options = ReceiveOptions {
            wait: Duration::from_secs(1),
            ..ReceiveOptions::default()
        };
        let received = backend.queue.receive(options).await.unwrap();
        // Dropped without a delete or `finish_reading`: as a process killed.
        received.len()
    });
    assert!(taken > 0);
    let output = env.ok(&["drain", "--format", "json", "--wait-seconds", "4"]);
    let summary: serde_json::Value = serde_json::from_str(&output).unwrap();
    assert_eq!(summary["events_written"], 300);
    assert_eq!(counted(&env), 300);
    // The dead process's item went once it ran out; the drain's own when it ended.
    assert_eq!(daily_items(&env, "stream_worker").len(), 0);
}

#[test]
fn two_drains_at_once_share_the_shards_and_count_once() {
    let env = stream_env(4, 30);
    send(&env, 2_000);
    let drains: Vec<_> = (0..2)
        .map(|_| env.spawn(&["drain", "--format", "json", "--wait-seconds", "1"]))
        .collect();
    let mut written = 0;
    for child in drains {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        written += summary["events_written"].as_u64().unwrap();
    }
    // Leases are exclusive: no record was stored by both.
    assert_eq!(written, 2_000);
    assert_eq!(counted(&env), 2_000);
}

#[test]
fn a_split_shard_is_read_to_its_end_before_its_children() {
    let env = stream_env(1, 30);
    send(&env, 500);
    block_on(async {
        let client = kinesis().await;
        let shards = client
            .list_shards()
            .stream_name(stream(&env))
            .send()
            .await
            .unwrap();
        let parent = shards.shards()[0].shard_id().to_owned();
        client
            .split_shard()
            .stream_name(stream(&env))
            .shard_to_split(parent)
            .new_starting_hash_key((u128::MAX / 2).to_string())
            .send()
            .await
            .unwrap();
    });
    send(&env, 700);
    let summary = env.drain(&[]);
    assert_eq!(summary.events_written, 1_200);
    assert_eq!(env.drain(&[]).events_written, 0);
    assert_eq!(counted(&env), 1_200);
    // The parent is recorded read to its end, and its children were taken after it (a lease
    // item is made by taking; the drain gave the children up at its end, its owner gone with
    // it). moto puts every record into the closed parent, those before the split and after:
    // its children stay empty, so their order is the unit tests'.
    let leases = daily_items(&env, "stream_lease");
    let finished: Vec<bool> = leases
        .iter()
        .map(|item| {
            item.get("finished")
                .is_some_and(|f| f.as_bool() == Ok(&true))
        })
        .collect();
    assert_eq!(finished, [true, false, false], "{leases:?}");
    assert!(
        leases[1..].iter().all(|item| !item.contains_key("owner")),
        "the children's leases given up: {leases:?}"
    );
}

/// PutRecords answers for each record: one refused (throttled) is sent again alone. The edit
/// marks a record refused that the emulator stored, so the stream holds it twice: its events
/// still count once.
#[test]
fn a_throttled_record_is_sent_again_alone_and_counts_once() {
    let env = stream_env(2, 30);
    let plan = Edits::new(vec![Edit::edit(
        "PutRecords",
        0,
        1,
        |output: &mut PutRecordsOutput| {
            output.failed_record_count = Some(1);
            let record = &mut output.records[0];
            record.error_code = Some("ProvisionedThroughputExceededException".into());
            record.error_message = Some("Rate exceeded for shard".into());
            record.sequence_number = None;
            record.shard_id = None;
        },
    )]);
    let stats = block_on(async {
        let aws = Aws::with_faults(aws_settings(), plan.clone());
        let backend = pageviews::backend::aws::open_through(&aws, &env.name)
            .await
            .unwrap();
        let mut sender = Sender::new(backend.queue.as_ref(), 50, ProgressBar::hidden());
        for i in 0..600 {
            sender.push(&view(i)).await.unwrap();
        }
        sender.finish().await.unwrap()
    });
    assert_eq!(plan.edited("PutRecords"), 1);
    assert_eq!(stats.retried_entries, 1);
    assert_eq!(stats.events, 600);
    assert_eq!(
        env.drain(&[]).events_written,
        650,
        "one record of 50 events read twice"
    );
    assert_eq!(counted(&env), 600);
}

/// An iterator unused for five minutes expires: the drain asks for a fresh one where it was.
#[test]
fn an_expired_iterator_is_replaced_where_the_drain_was() {
    let env = stream_env(1, 30);
    send(&env, 300);
    let proxy = fault_proxy::scripted(
        crate::moto::endpoint(),
        vec![Rule {
            operation: "GetRecords",
            action: Action::Refuse {
                status: 400,
                code: "ExpiredIteratorException",
                message: "Iterator expired",
            },
            skip: 0,
            times: 1,
        }],
    );
    let output = env
        .cmd()
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .args(["drain", "--format", "json", "--wait-seconds", "0.2"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(summary["events_written"], 300);
    // One for the count the drain starts with, one to start reading, one after the expiry.
    assert_eq!(proxy.calls("GetShardIterator"), 3);
    assert_eq!(counted(&env), 300);
}

fn view(i: u64) -> Event {
    let time: DateTime<Utc> = format!("{DAY}T10:00:00Z").parse().unwrap();
    Event {
        id: format!("view-{i}"),
        page: format!("/page/{}", i % 7),
        time: time + chrono::Duration::seconds(i as i64),
        ..Default::default()
    }
}
