//! How a drain ends, on both backends: stopped by a signal while a receive is under way or
//! while it gathers a batch, or on its own with several workers, it leaves no message in flight
//! (finished, or handed back at once) and counts every event exactly.

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use pageviews::backend::faulty::{self, Fault, FaultPlan, Op};
use pageviews::backend::{Backend, QueueStats};
use pageviews::model::event::Event;
use pageviews::model::retry::RetryPolicy;
use pageviews::pipeline::drain::{drain, DrainOptions, DrainSummary, MAX_GROUP_MESSAGES};
use pageviews::pipeline::shutdown::Shutdown;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::harness::{Env, Kind};
use crate::on_every_queue;

on_every_queue!(
    a_receive_under_way_when_the_stop_comes_is_finished,
    a_receive_of_the_gathering_under_way_when_the_stop_comes_is_finished,
    a_stopping_drain_hands_back_at_once_what_it_cannot_write,
    a_stop_while_a_group_is_written_finishes_it_and_the_group_received_after_it,
    sigterm_during_a_long_poll_lets_the_poll_end_and_finishes_what_it_brought,
    sigterm_in_the_middle_of_a_backlog_finishes_the_batch_and_loses_nothing,
    four_workers_that_empty_the_queue_handle_each_message_once_and_leave_none_in_flight,
);

const DAY: &str = "2021-03-13";
/// Long enough that a message stranded by a drain is still in flight when the test looks.
const VISIBILITY: &str = "300";
/// Messages on the queue for the in-process scenarios: more than one receive's worth.
const QUEUED: u64 = 25;

fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        attempts: 8,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(20),
        settle: Duration::from_millis(5),
    }
}

/// Runs an in-process scenario on one thread: the drain then runs only while the test waits,
/// so when the test sees a receive held, the drain is parked on it, and the stop comes while
/// the receive is under way (on several threads the drain could take the answer in the same
/// poll that found no stop yet).
fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(future)
}

/// A deployment with [`QUEUED`] one-event messages waiting, and its backend opened in-process.
async fn queued_deployment(kind: Kind) -> (Env, Backend) {
    queued_deployment_of(kind, QUEUED).await
}

/// A deployment with `queued` one-event messages waiting, and its backend opened in-process.
async fn queued_deployment_of(kind: Kind, queued: u64) -> (Env, Backend) {
    let env = Env::on(kind, &["--visibility-timeout", VISIBILITY]);
    let backend = env.open_backend().await;
    let time = DateTime::parse_from_rfc3339("2021-03-13T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let bodies: Vec<String> = (0..queued)
        .map(|i| {
            Event {
                id: format!("e{i}"),
                page: "/p".into(),
                time,
                ..Default::default()
            }
            .to_json()
        })
        .collect();
    for chunk in bodies.chunks(10) {
        let results = backend.queue.send_batch(chunk).await.unwrap();
        assert!(results.iter().all(Result::is_ok));
    }
    (env, backend)
}

/// Runs a following drain over `faulty`, stops it while the receive `plan` holds is under way
/// (the queue has acted, the answer is not yet back), and returns its summary.
async fn stop_while_a_receive_is_held(
    faulty: Backend,
    plan: &FaultPlan,
    receives_before: u32,
) -> DrainSummary {
    stop_while_held(faulty, plan, Op::Receive, receives_before).await
}

/// Runs a following drain over `faulty`, stops it while the call of `op` that `plan` holds is
/// under way (it has acted, its answer is not yet back), and returns the drain's summary.
async fn stop_while_held(faulty: Backend, plan: &FaultPlan, op: Op, before: u32) -> DrainSummary {
    let hold = plan.hold(op, before);
    let (trigger, shutdown) = Shutdown::new();
    let options = DrainOptions {
        wait: Duration::from_secs(1),
        visibility: None,
        idle_polls: 2,
        follow: true,
        workers: 1,
        retry: quick_retry(),
        write_bound: pageviews::backend::WRITE_BOUND,
    };
    let running =
        tokio::spawn(
            async move { drain(&faulty, &options, &shutdown, &ProgressBar::hidden()).await },
        );
    hold.reached().await;
    trigger.trigger();
    hold.release();
    running.await.unwrap().unwrap()
}

/// What a drain finished: messages received, events written, messages deleted; then what the
/// queue holds: visible, in flight.
async fn finished(summary: &DrainSummary, backend: &Backend) -> (u64, u64, u64, u64, u64) {
    let (visible, in_flight) = queue_stats(backend).await;
    (
        summary.messages,
        summary.events_written,
        summary.messages_deleted,
        visible,
        in_flight,
    )
}

/// How many of the queued messages the first `receives` receives bring: 10 a receive on SQS,
/// all of them at once on the local queue (which takes a whole group in one receive).
fn received_by(backend: &Backend, receives: u64) -> u64 {
    (receives * backend.queue.batch_limit() as u64).min(QUEUED)
}

async fn queue_stats(backend: &Backend) -> (u64, u64) {
    let QueueStats {
        visible, in_flight, ..
    } = backend.queue.stats().await.unwrap();
    (visible, in_flight)
}

fn a_receive_under_way_when_the_stop_comes_is_finished(kind: Kind) {
    block_on(async {
        let (_env, backend) = queued_deployment(kind).await;
        let plan = FaultPlan::new();
        let faulty = faulty::wrap(backend.clone(), plan.clone());
        let summary = stop_while_a_receive_is_held(faulty, &plan, 0).await;
        // The receive brought its messages; the stop came before any more were asked for.
        let received = received_by(&backend, 1);
        assert_eq!(
            finished(&summary, &backend).await,
            (received, received, received, QUEUED - received, 0)
        );
    })
}

fn a_receive_of_the_gathering_under_way_when_the_stop_comes_is_finished(kind: Kind) {
    block_on(async {
        let (_env, backend) = queued_deployment(kind).await;
        let plan = FaultPlan::new();
        let faulty = faulty::wrap(backend.clone(), plan.clone());
        // The second receive is the first of those that fill the batch before its write.
        let summary = stop_while_a_receive_is_held(faulty, &plan, 1).await;
        let received = received_by(&backend, 2);
        assert_eq!(
            finished(&summary, &backend).await,
            (received, received, received, QUEUED - received, 0)
        );
    })
}

fn a_stopping_drain_hands_back_at_once_what_it_cannot_write(kind: Kind) {
    block_on(async {
        let (_env, backend) = queued_deployment(kind).await;
        let plan = FaultPlan::new();
        // Every attempt of the write fails: the stopping drain cannot finish its messages.
        plan.inject(Op::PutEvents, Fault::Refuse, quick_retry().attempts);
        let faulty = faulty::wrap(backend.clone(), plan.clone());
        let summary = stop_while_a_receive_is_held(faulty, &plan, 0).await;
        // Visible again now, not after the 300 s visibility timeout.
        let (visible, in_flight) = queue_stats(&backend).await;
        assert_eq!(
            (
                summary.messages,
                summary.write_failures,
                summary.messages_released,
                visible,
                in_flight
            ),
            (
                received_by(&backend, 1),
                received_by(&backend, 1),
                received_by(&backend, 1),
                QUEUED,
                0
            )
        );
    })
}

fn a_stop_while_a_group_is_written_finishes_it_and_the_group_received_after_it(kind: Kind) {
    block_on(async {
        // A group's worth of messages and ten more: the ten are received, as a second group,
        // before the first group's write starts, and decoded while it goes on.
        let queued = MAX_GROUP_MESSAGES as u64 + 10;
        let (_env, backend) = queued_deployment_of(kind, queued).await;
        let plan = FaultPlan::new();
        let faulty = faulty::wrap(backend.clone(), plan.clone());
        // The stop comes while the first group's events are being written.
        let summary = stop_while_held(faulty, &plan, Op::PutEvents, 0).await;
        assert_eq!(
            finished(&summary, &backend).await,
            (queued, queued, queued, 0, 0)
        );
    })
}

/// Sends `count` synthetic views of [`DAY`], one per message.
fn send(env: &Env, count: u64, seed: u64) {
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--day",
        DAY,
        "--events-per-message",
        "1",
        "--seed",
        &seed.to_string(),
    ]);
}

fn sigterm(child: &Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits (a bounded poll of `status`) until `done` holds.
fn wait_for_status(env: &Env, what: &str, done: impl Fn(&crate::harness::Status) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = env.status();
        if done(&status) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {status:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for a stopped drain; it must exit 0 with a JSON summary. Returns it and stderr.
fn stopped(drain: Child) -> (crate::harness::DrainSummary, String) {
    let output = drain.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    (serde_json::from_slice(&output.stdout).unwrap(), stderr)
}

fn sigterm_during_a_long_poll_lets_the_poll_end_and_finishes_what_it_brought(kind: Kind) {
    let env = Env::on(kind, &["--visibility-timeout", VISIBILITY]);
    let drain = env.spawn(&[
        "drain",
        "--follow",
        "--wait-seconds",
        "20",
        "--format",
        "json",
    ]);
    send(&env, 20, 1);
    // Drained and deleted: the drain is now waiting in a long poll of an empty queue.
    wait_for_status(&env, "the first 20 drained", |status| {
        status.events_stored == 20 && status.queue.visible + status.queue.in_flight == 0
    });
    sigterm(&drain);
    // Messages that arrive now meet the long poll still under way, which takes some of them.
    send(&env, 30, 2);
    let (summary, stderr) = stopped(drain);
    let status = env.status();
    assert_eq!(status.queue.in_flight, 0, "none stranded\n{stderr}");
    assert!(summary.messages > 20, "the poll under way brought messages");
    assert_eq!(summary.messages_deleted, summary.messages);
    assert_eq!(status.queue.visible, 50 - summary.messages);
    assert_eq!(status.events_stored, summary.events_written);
    // A requested stop is normal operation: said plainly, not warned about.
    assert!(stderr.contains("stopping:"), "{stderr}");
    assert!(!stderr.contains("WARN"), "{stderr}");
    env.drain(&[]);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(env.total(&["--day", DAY]), 50);
}

fn sigterm_in_the_middle_of_a_backlog_finishes_the_batch_and_loses_nothing(kind: Kind) {
    let env = Env::on(kind, &["--visibility-timeout", VISIBILITY]);
    // A drain holds up to two groups of 250 messages when it stops (one being written, the
    // next received and decoded meanwhile): the backlog is more than that.
    // A stream's receive brings a whole group at once: it needs a longer backlog to be
    // stopped in the middle of it.
    let (count, per_message) = match kind {
        Kind::Kinesis => (12_000, 4),
        _ => (env.scale(60_000, 3_200), env.scale(20, 4)),
    };
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--day",
        DAY,
        "--events-per-message",
        &per_message.to_string(),
        "--seed",
        "9",
    ]);
    let drain = env.spawn(&[
        "drain",
        "--follow",
        "--wait-seconds",
        "0.2",
        "--format",
        "json",
    ]);
    wait_for_status(&env, "a first batch stored", |status| {
        status.events_stored > 0
    });
    sigterm(&drain);
    let (summary, stderr) = stopped(drain);
    let status = env.status();
    assert!(
        summary.events_written < count,
        "stopped before the end of the backlog"
    );
    assert_eq!(
        status.events_stored, summary.events_written,
        "the batch in flight was stored"
    );
    assert_eq!(
        status.queue.in_flight, 0,
        "and its messages deleted\n{stderr}"
    );
    assert_eq!(summary.messages_deleted, summary.messages);
    assert_eq!(status.queue.visible, count / per_message - summary.messages);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(env.total(&["--day", DAY]), count);
}

fn four_workers_that_empty_the_queue_handle_each_message_once_and_leave_none_in_flight(kind: Kind) {
    let env = Env::on(kind, &["--visibility-timeout", VISIBILITY]);
    let count = env.scale(2_000, 400);
    send(&env, count, 3);
    let summary = env.drain(&["--workers", "4"]);
    assert_eq!(
        (
            summary.messages,
            summary.messages_deleted,
            summary.events_written
        ),
        (count, count, count)
    );
    let status = env.status();
    assert_eq!((status.queue.visible, status.queue.in_flight), (0, 0));
    assert_eq!(status.events_stored, count);
}
