//! Raw events past the retention: deleted locally by `aggregate` (once their day is counted)
//! and by `prune`, on both backends by `prune --before`; the daily rows, and so the reports,
//! stay; nothing is deleted that was not counted; `status` says what is kept.

use serde_json::Value;

use futures::TryStreamExt;

use crate::harness::{block_on, Env, Kind};
use crate::on_both_backends;
use pageviews::backend::Backend;
use pageviews::model::day::Day;

on_both_backends!(
    prune_before_deletes_only_counted_days_and_keeps_their_reports,
    a_day_is_deleted_only_at_the_version_it_was_counted,
);

/// The day `ago` days before today (UTC), as text.
fn days_ago(ago: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(ago)).to_string()
}

fn send(env: &Env, day: &str, count: u64, seed: u64) {
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--day",
        day,
        "--seed",
        &seed.to_string(),
    ]);
    env.drain(&[]);
}

fn status(env: &Env) -> Value {
    serde_json::from_str(&env.ok(&["status", "--format", "json"])).unwrap()
}

fn json(env: &Env, args: &[&str]) -> Value {
    serde_json::from_str(&env.ok(args)).unwrap()
}

#[test]
fn aggregate_deletes_counted_days_past_the_retention_and_keeps_their_rows() {
    let env = Env::on(Kind::Local, &["--retention-days", "30"]);
    let (old, recent) = (days_ago(40), days_ago(5));
    send(&env, &old, 100, 1);
    send(&env, &recent, 50, 2);
    assert_eq!(status(&env)["oldest_raw_day"], old.as_str());
    env.ok(&["aggregate", "--pending"]);
    let after = status(&env);
    assert_eq!(after["retention_days"], 30);
    assert_eq!(after["oldest_raw_day"], recent.as_str());
    assert_eq!(after["events_stored"], 50);
    assert_eq!(env.total(&["--day", &old]), 100, "the daily rows stay");
    assert_eq!(env.total(&["--day", &recent]), 50);
    let text = env.ok(&["status"]);
    assert!(
        text.contains(&format!("kept 30 days once counted, oldest day {recent}")),
        "{text}"
    );
    // Events sent late for a day past the retention: stored until counted, then deleted.
    send(&env, &days_ago(45), 7, 3);
    let (code, _, stderr) = env.run(&["prune"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "kept 1 day not counted since their last events ({})",
            days_ago(45)
        )),
        "{stderr}"
    );
    assert_eq!(status(&env)["events_stored"], 57);
    env.ok(&["aggregate", "--pending"]);
    assert_eq!(env.total(&["--day", &days_ago(45)]), 7);
    assert_eq!(status(&env)["events_stored"], 50);
}

#[test]
fn without_a_retention_nothing_is_deleted_unless_asked() {
    let env = Env::new();
    let old = days_ago(800);
    send(&env, &old, 20, 1);
    env.ok(&["aggregate", "--pending"]);
    assert_eq!(status(&env)["events_stored"], 20);
    assert_eq!(status(&env)["retention_days"], Value::Null);
    assert!(env
        .ok(&["status"])
        .contains(&format!("kept for ever, oldest day {old}")));
    let (code, _, stderr) = env.run(&["prune"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("keeps raw events for ever: give --before"),
        "{stderr}"
    );
    // A retention set later is applied by the next aggregate, or now by prune.
    env.ok(&["init", "--retention-days", "400"]);
    let pruned = json(&env, &["prune", "--format", "json"]);
    assert_eq!(pruned["events_deleted"], 20, "{pruned}");
    assert_eq!(status(&env)["events_stored"], 0);
    assert_eq!(env.total(&["--day", &old]), 20);
}

fn prune_before_deletes_only_counted_days_and_keeps_their_reports(kind: Kind) {
    let env = Env::on(kind, &[]);
    let (first, second, third) = (days_ago(30), days_ago(20), days_ago(10));
    send(&env, &first, 60, 1);
    send(&env, &second, 40, 2);
    env.ok(&["aggregate", "--from", &first, "--to", &second]);
    // Counted, then changed: kept until counted again.
    send(&env, &second, 5, 3);
    send(&env, &third, 30, 4);
    env.ok(&["aggregate", "--day", &third]);
    let dry = json(
        &env,
        &[
            "prune",
            "--before",
            &days_ago(0),
            "--dry-run",
            "--format",
            "json",
        ],
    );
    assert_eq!(dry["events_deleted"], 0);
    let pruned = json(
        &env,
        &["prune", "--before", &days_ago(0), "--format", "json"],
    );
    assert_eq!(
        pruned["days"],
        serde_json::json!([first, third]),
        "{pruned}"
    );
    assert_eq!(pruned["events_deleted"], 90);
    assert_eq!(pruned["pending"], serde_json::json!([second]));
    assert_eq!(env.total(&["--day", &first]), 60);
    assert_eq!(env.total(&["--day", &third]), 30);
    // The changed day, counted now, keeps every event, then may go too.
    env.ok(&["aggregate", "--day", &second]);
    assert_eq!(env.total(&["--day", &second]), 45);
    let pruned = json(
        &env,
        &["prune", "--before", &days_ago(0), "--format", "json"],
    );
    assert_eq!(pruned["days"], serde_json::json!([second]));
    assert_eq!(pruned["events_deleted"], 45);
    assert_eq!(env.total(&["--day", &second]), 45);
    // Exporting the events of a pruned day finds none; its daily rows are still exported.
    let out = tempfile::tempdir().unwrap();
    let dest = out.path().to_str().unwrap();
    let events = json(
        &env,
        &[
            "export",
            "--day",
            &first,
            "--what",
            "events",
            "--output",
            dest,
            "--summary",
            "json",
        ],
    );
    assert_eq!(events, serde_json::json!([]));
    let daily = json(
        &env,
        &[
            "export",
            "--day",
            &first,
            "--what",
            "daily",
            "--output",
            dest,
            "--summary",
            "json",
        ],
    );
    assert_eq!(daily[0]["views"], 60);
}

/// Raw events stored for `day`, each once, and the version its rows were counted at.
async fn stored(backend: &Backend, day: Day) -> (u64, Option<u64>) {
    let chunks: Vec<Vec<pageviews::model::event::Event>> = backend
        .events
        .day_events(day, 7)
        .try_collect()
        .await
        .unwrap();
    assert!(chunks.iter().all(|chunk| chunk.len() <= 7));
    let statuses = backend.daily.day_statuses(None).await.unwrap();
    let status = statuses.iter().find(|status| status.day == day).unwrap();
    let counted = status.aggregated_version.filter(|_| !status.is_pending());
    (chunks.iter().map(Vec::len).sum::<usize>() as u64, counted)
}

fn a_day_is_deleted_only_at_the_version_it_was_counted(kind: Kind) {
    let env = Env::on(kind, &[]);
    let text = days_ago(15);
    let day = Day::parse(&text).unwrap();
    send(&env, &text, 20, 1);
    env.ok(&["aggregate", "--day", &text]);
    block_on(async {
        let backend = env.open_backend().await;
        let (events, version) = stored(&backend, day).await;
        let version = version.expect("counted");
        assert_eq!(events, 20);
        assert_eq!(
            backend.events.delete_day(day, version + 1).await.unwrap(),
            None
        );
        assert_eq!(stored(&backend, day).await.0, 20);
    });
    // Late events: the day is no longer what was counted.
    send(&env, &text, 5, 2);
    let version = block_on(async {
        let backend = env.open_backend().await;
        let statuses = backend.daily.day_statuses(None).await.unwrap();
        let status = statuses.iter().find(|status| status.day == day).unwrap();
        let old = status.aggregated_version.unwrap();
        assert_eq!(backend.events.delete_day(day, old).await.unwrap(), None);
        assert_eq!(stored(&backend, day).await, (25, None));
        old
    });
    env.ok(&["aggregate", "--day", &text]);
    block_on(async {
        let backend = env.open_backend().await;
        let (events, counted) = stored(&backend, day).await;
        let counted = counted.expect("counted again");
        assert!(counted > version);
        assert_eq!(events, 25);
        assert_eq!(
            backend.events.delete_day(day, counted).await.unwrap(),
            Some(25)
        );
        assert_eq!(stored(&backend, day).await.0, 0);
    });
    assert_eq!(env.total(&["--day", &text]), 25);
}
