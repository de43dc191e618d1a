//! Crashes and concurrency: drains and aggregations killed with SIGKILL at random moments, and
//! four drains with two aggregations at once; afterwards every count is exact.

use rand::{Rng, SeedableRng};
use std::process::Child;
use std::time::{Duration, Instant};

use crate::harness::{wait_until, Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    drains_and_aggregations_killed_at_random_moments_lose_nothing,
    four_drains_and_two_aggregations_at_once_count_exactly,
);

const DAY: &str = "2021-03-13";

fn kill_if_running(child: &mut Child) -> bool {
    let running = child.try_wait().unwrap().is_none();
    if running {
        child.kill().unwrap(); // SIGKILL
    }
    child.wait().unwrap();
    running
}

fn drains_and_aggregations_killed_at_random_moments_lose_nothing(kind: Kind) {
    // Every kill leaves its messages to be received again: a high max-receive count keeps them
    // out of the dead-letter queue, which is not what this test is about.
    let env = Env::on(
        kind,
        &["--visibility-timeout", "1", "--max-receives", "100"],
    );
    let count = env.scale(30_000, 1_500);
    let per_message = env.scale(5, 15).to_string();
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--day",
        DAY,
        "--events-per-message",
        &per_message,
        "--seed",
        "4",
    ]);
    let wanted_kills = env.scale(24, 20);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(17);
    let (mut drain_kills, mut aggregate_kills) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(120);
    while drain_kills + aggregate_kills < wanted_kills && Instant::now() < deadline {
        let mut drain = env.spawn(&["drain", "--wait-seconds", "0.1"]);
        // Every other round an aggregation runs beside the drain and is killed too.
        let mut aggregate = rng
            .gen_bool(0.5)
            .then(|| env.spawn(&["aggregate", "--day", DAY]));
        // An aggregation takes tens of milliseconds: it is killed early, the drain later.
        if let Some(aggregate) = aggregate.as_mut() {
            std::thread::sleep(Duration::from_millis(rng.gen_range(1..30)));
            aggregate_kills += u64::from(kill_if_running(aggregate));
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(30..300)));
        drain_kills += u64::from(kill_if_running(&mut drain));
    }
    assert!(
        drain_kills + aggregate_kills >= wanted_kills,
        "only {drain_kills} drain and {aggregate_kills} aggregation kills within the time"
    );
    assert!(
        drain_kills > 0 && aggregate_kills > 0,
        "{drain_kills} / {aggregate_kills}"
    );
    // Messages in flight when a drain died come back after the 1 s visibility timeout: drain
    // until none is left on the queue, hidden or not.
    wait_until("the queue to empty", Duration::from_secs(60), || {
        env.drain(&["--idle-polls", "3"]);
        let queue = env.status().queue;
        queue.visible + queue.in_flight == 0
    });
    let status = env.status();
    assert_eq!(
        (status.queue.visible, status.queue.in_flight),
        (0, 0),
        "none in flight forever"
    );
    // Locally a stored event is a row; DynamoDB's figure counts writes, and a drain killed
    // after writing but before deleting its messages writes them again when they come back
    // (the same items, counted once by `aggregate`, below): at least every event, then.
    match env.kind {
        Kind::Local => assert_eq!(status.events_stored, count),
        Kind::Aws | Kind::Kinesis => {
            assert!(status.events_stored >= count, "{}", status.events_stored)
        }
    }
    assert_eq!(status.queue.dead_letters, 0);
    assert!(
        status.pending_days.iter().all(|day| day == DAY),
        "{:?}",
        status.pending_days
    );
    let (code, _, said) = env.run(&["aggregate"]);
    assert_eq!(code, 0, "{said}");
    assert_eq!(env.total(&["--day", DAY]), count);
    // A drain killed between marking the day and saying its write is done (DynamoDB) leaves
    // the day pending until that write's window ends, though its messages were stored again:
    // the only days still pending are those, and status names them.
    let status = env.status();
    let unfinished: Vec<&String> = status.unfinished_writes.iter().map(|w| &w.day).collect();
    let pending: Vec<&String> = status.pending_days.iter().collect();
    assert_eq!(pending, unfinished, "pending days beside unfinished writes");
    // ...and aggregate said so, naming the day.
    let stays = format!("{DAY} stays pending until");
    assert_eq!(said.contains(&stays), !unfinished.is_empty(), "{said}");
    if kind == Kind::Local {
        assert!(pending.is_empty(), "{pending:?}");
    }
}

fn four_drains_and_two_aggregations_at_once_count_exactly(kind: Kind) {
    let env = Env::on(kind, &[]);
    let count = env.scale(20_000, 1_200);
    let days = ["2021-03-12", "2021-03-13"];
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--from",
        days[0],
        "--to",
        days[1],
        "--events-per-message",
        "10",
        "--seed",
        "12",
    ]);
    let drains: Vec<Child> = (0..4)
        .map(|_| env.spawn(&["drain", "--wait-seconds", "0.2"]))
        .collect();
    // Two aggregations of both days, over and over while the drains write.
    let mut rounds = 0;
    let mut drains = drains;
    while drains.iter_mut().any(|d| d.try_wait().unwrap().is_none()) {
        let aggregations: Vec<Child> = (0..2)
            .map(|_| env.spawn(&["aggregate", "--from", days[0], "--to", days[1]]))
            .collect();
        for aggregation in aggregations {
            let output = aggregation.wait_with_output().unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        rounds += 1;
    }
    for drain in drains {
        let output = drain.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(rounds >= 1);
    // The last two, together, after the drains: both see every event.
    let last: Vec<Child> = (0..2)
        .map(|_| env.spawn(&["aggregate", "--pending"]))
        .collect();
    for aggregation in last {
        let output = aggregation.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let status = env.status();
    assert_eq!(status.events_stored, count);
    assert!(status.pending_days.is_empty(), "{:?}", status.pending_days);
    let views = env.views(&["--from", days[0], "--to", days[1]]);
    for day in days {
        let total: u64 = views
            .iter()
            .filter(|((d, _), _)| d == day)
            .map(|(_, v)| v)
            .sum();
        assert_eq!(total, count / 2, "{day}");
    }
}
