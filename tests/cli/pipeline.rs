//! End-to-end runs of the whole pipeline, on the local backend and on moto's SQS and DynamoDB,
//! with exact counts.

use crate::harness::{line, Env, Kind};
use crate::on_every_queue;

on_every_queue!(
    known_ndjson_is_counted_exactly_per_day_page_and_hour,
    synthetic_traffic_sent_equals_traffic_reported,
    same_seed_sends_the_same_events_which_are_stored_once,
    one_event_per_message_is_counted_like_packed,
    init_is_idempotent_and_reports_what_exists,
    commands_before_init_say_to_run_init,
    late_events_make_a_day_pending_until_reaggregated,
    default_aggregate_covers_yesterday_and_pending_days,
    reaggregating_gives_the_same_rows,
    an_aggregated_day_without_views_reports_empty_not_missing,
    several_workers_in_one_drain_count_exactly,
);

fn several_workers_in_one_drain_count_exactly(kind: Kind) {
    let env = Env::on(kind, &[]);
    let count = env.scale(5_000, 600);
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--day",
        "2021-03-13",
        "--events-per-message",
        "3",
        "--seed",
        "21",
    ]);
    let drained = env.drain(&["--workers", "3"]);
    // SQS (and moto) may hand a message to two workers; the local queue never does.
    if env.is_local() {
        assert_eq!(drained.messages, count.div_ceil(3));
    } else {
        assert!(drained.messages >= count.div_ceil(3));
    }
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(env.total(&["--day", "2021-03-13"]), count);
    assert_eq!(env.status().queue.visible, 0);
}

fn known_ndjson_is_counted_exactly_per_day_page_and_hour(kind: Kind) {
    let env = Env::on(kind, &[]);
    let lines = [
        line("/", "2021-03-13T00:10:00Z", Some("a1")),
        line("/", "2021-03-13T00:20:00Z", None),
        line("/", "2021-03-13T13:00:00.250+00:00", None),
        line("/posts/some-post", "2021-03-13T12:34:56Z", None),
        line("/posts/some-post", "2021-03-13T23:59:59.999Z", None),
        // 2021-03-14T01:30 in UTC, though written with an offset.
        line("/posts/some-post", "2021-03-13T20:30:00-05:00", None),
        line("/about", "2021-03-14T08:00:00Z", Some("b7")),
    ];
    let input = env.write("views.ndjson", &(lines.join("\n") + "\n\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    let drained = env.drain(&[]);
    assert_eq!(drained.events_written, 7);
    if env.is_local() {
        assert_eq!(drained.duplicates, Some(0));
    }
    env.ok(&["aggregate", "--from", "2021-03-13", "--to", "2021-03-14"]);
    let status = env.status();
    assert_eq!(status.events_stored, 7);
    assert_eq!(status.days_aggregated, 2);
    assert_eq!(status.queue.dead_letters, 0);

    let rows = env.report(&["--from", "2021-03-13", "--to", "2021-03-14"]);
    let got: Vec<(&str, &str, u64)> = rows
        .iter()
        .map(|r| (r.day.as_str(), r.page.as_str(), r.views))
        .collect();
    assert_eq!(
        got,
        [
            ("2021-03-13", "/", 3),
            ("2021-03-13", "/posts/some-post", 2),
            ("2021-03-14", "/about", 1),
            ("2021-03-14", "/posts/some-post", 1),
        ]
    );
    let home = &rows[0];
    assert_eq!(home.hours[0], 2);
    assert_eq!(home.hours[13], 1);
    assert_eq!(rows[1].hours[12], 1);
    assert_eq!(rows[1].hours[23], 1);
    assert_eq!(rows[3].hours[1], 1);

    let csv = env.ok(&["report", "--day", "2021-03-13", "--format", "csv"]);
    assert_eq!(
        csv,
        "day,page,views,visitors,entries,exits,bounces,bounce_rate,engaged_views,\
         avg_engaged_seconds,scroll_25,scroll_50,scroll_75,scroll_100\n\
         2021-03-13,/,3,0,0,0,0,,0,,,,,\n2021-03-13,/posts/some-post,2,0,0,0,0,,0,,,,,\n"
    );
    let table = env.ok(&["report", "--from", "2021-03-13", "--to", "2021-03-14"]);
    assert!(
        table
            .lines()
            .any(|l| l.contains("Total") && l.contains(" 7 ")),
        "{table}"
    );
}

fn synthetic_traffic_sent_equals_traffic_reported(kind: Kind) {
    let env = Env::on(kind, &[]);
    let count = env.scale(20_000, 2_000);
    let per_day = count / 4;
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--from",
        "2021-03-01",
        "--to",
        "2021-03-04",
        "--pages",
        "30",
        "--seed",
        "42",
    ]);
    // About 80 bytes an event: the events pack into a few 64 KiB messages.
    let queued = env.status().queue.visible;
    let expected_messages = count * 80 / 65_536;
    assert!(
        (expected_messages / 2..=expected_messages * 2 + 1).contains(&queued),
        "{queued} messages"
    );
    let drained = env.drain(&[]);
    assert_eq!(drained.events_written, count);
    env.ok(&["aggregate", "--from", "2021-03-01", "--to", "2021-03-04"]);
    let views = env.views(&["--from", "2021-03-01", "--to", "2021-03-04"]);
    assert_eq!(views.values().sum::<u64>(), count);
    for day in ["2021-03-01", "2021-03-02", "2021-03-03", "2021-03-04"] {
        let day_total: u64 = views
            .iter()
            .filter(|((d, _), _)| d == day)
            .map(|(_, v)| v)
            .sum();
        assert_eq!(day_total, per_day, "{day}");
    }
    let pages: std::collections::BTreeSet<&String> = views.keys().map(|(_, p)| p).collect();
    assert_eq!(pages.len(), 30);

    let top = env.report(&["--from", "2021-03-01", "--to", "2021-03-04", "--top", "3"]);
    let top_pages: std::collections::BTreeSet<&str> = top.iter().map(|r| r.page.as_str()).collect();
    assert_eq!(top_pages.len(), 3);
    assert!(top_pages.contains("/"));
    let one_page = env.report(&[
        "--from",
        "2021-03-01",
        "--to",
        "2021-03-04",
        "--page",
        "/posts/post-1",
    ]);
    assert_eq!(one_page.len(), 4);
    assert!(one_page.iter().all(|r| r.page == "/posts/post-1"));
}

fn same_seed_sends_the_same_events_which_are_stored_once(kind: Kind) {
    let env = Env::on(kind, &[]);
    let count = env.scale(3_000, 600);
    let send = [
        "send",
        "--count",
        &count.to_string(),
        "--day",
        "2021-03-13",
        "--seed",
        "9",
    ];
    env.ok(&send);
    env.ok(&send);
    let drained = env.drain(&[]);
    if env.is_local() {
        assert_eq!(drained.events_written, count);
        assert_eq!(drained.duplicates, Some(count));
    }
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(env.total(&["--day", "2021-03-13"]), count);
    // Stored once locally; on DynamoDB the days' counters count writes: each event twice.
    let written = if env.is_local() { count } else { 2 * count };
    assert_eq!(env.status().events_stored, written);
}

fn one_event_per_message_is_counted_like_packed(kind: Kind) {
    let env = Env::on(kind, &[]);
    let count = env.scale(300, 60);
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--day",
        "2021-03-13",
        "--events-per-message",
        "1",
        "--seed",
        "3",
    ]);
    assert_eq!(env.status().queue.visible, count);
    let drained = env.drain(&[]);
    assert_eq!(drained.messages, count);
    assert_eq!(drained.events_written, count);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(env.total(&["--day", "2021-03-13"]), count);
}

fn init_is_idempotent_and_reports_what_exists(kind: Kind) {
    let env = Env::bare_on(kind);
    let resources = if env.is_local() { 4 } else { 5 };
    let (code, _, stderr) = env.run(&["init"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stderr.matches("created").count(), resources, "{stderr}");
    let (code, _, stderr) = env.run(&["init", "--max-receives", "3"]);
    assert_eq!(code, 0);
    assert_eq!(stderr.matches("exists").count(), resources, "{stderr}");
    assert!(
        stderr.contains("max receives is 5, not 3 (kept)"),
        "{stderr}"
    );
}

fn commands_before_init_say_to_run_init(kind: Kind) {
    let env = Env::bare_on(kind);
    for args in [
        &["send", "--count", "1"][..],
        &["drain"],
        &["status"],
        &["report"],
    ] {
        let (code, stdout, stderr) = env.run(args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("run `pageviews init` first"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "one-line error: {stderr}");
    }
}

fn late_events_make_a_day_pending_until_reaggregated(kind: Kind) {
    let env = Env::on(kind, &[]);
    env.ok(&[
        "send",
        "--count",
        "500",
        "--day",
        "2021-03-13",
        "--seed",
        "1",
    ]);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert!(env.status().pending_days.is_empty());
    assert_eq!(env.total(&["--day", "2021-03-13"]), 500);

    // Late events for an aggregated day, and events of a day never aggregated.
    env.ok(&[
        "send",
        "--count",
        "70",
        "--day",
        "2021-03-13",
        "--seed",
        "2",
    ]);
    env.ok(&[
        "send",
        "--count",
        "30",
        "--day",
        "2021-03-10",
        "--seed",
        "3",
    ]);
    env.drain(&[]);
    assert_eq!(env.status().pending_days, ["2021-03-10", "2021-03-13"]);
    let (_, stdout, stderr) = env.run(&["report", "--from", "2021-03-10", "--to", "2021-03-13"]);
    assert!(
        stderr.contains("late events arrived after aggregation for 2021-03-13"),
        "{stderr}"
    );
    assert!(
        stderr.contains("not aggregated yet: 2021-03-10, 2021-03-11, 2021-03-12"),
        "{stderr}"
    );
    assert!(
        stdout.contains("500"),
        "the old count until re-aggregated: {stdout}"
    );

    let aggregated = env.ok(&["aggregate", "--pending", "--format", "json"]);
    let days: Vec<serde_json::Value> = serde_json::from_str(&aggregated).unwrap();
    let days: Vec<&str> = days.iter().map(|d| d["day"].as_str().unwrap()).collect();
    assert_eq!(days, ["2021-03-10", "2021-03-13"]);
    assert!(env.status().pending_days.is_empty());
    assert_eq!(env.total(&["--day", "2021-03-13"]), 570);
    assert_eq!(env.total(&["--day", "2021-03-10"]), 30);
}

fn default_aggregate_covers_yesterday_and_pending_days(kind: Kind) {
    let env = Env::on(kind, &[]);
    env.ok(&["send", "--count", "40", "--seed", "5"]); // yesterday by default
    env.ok(&[
        "send",
        "--count",
        "10",
        "--day",
        "2021-03-13",
        "--seed",
        "6",
    ]);
    env.drain(&[]);
    let aggregated = env.ok(&["aggregate", "--format", "json"]);
    let days: Vec<serde_json::Value> = serde_json::from_str(&aggregated).unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0]["day"], "2021-03-13");
    assert_eq!(days[0]["views"], 10);
    assert_eq!(days[1]["views"], 40);
    assert_eq!(env.total(&[]), 40, "report defaults to yesterday");
}

fn reaggregating_gives_the_same_rows(kind: Kind) {
    let env = Env::on(kind, &[]);
    let count = env.scale(2_000, 500);
    env.ok(&[
        "send",
        "--count",
        &count.to_string(),
        "--day",
        "2021-03-13",
        "--seed",
        "8",
    ]);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let first = env.report(&["--day", "2021-03-13"]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(env.report(&["--day", "2021-03-13"]), first);
    assert_eq!(first.iter().map(|r| r.views).sum::<u64>(), count);
}

fn an_aggregated_day_without_views_reports_empty_not_missing(kind: Kind) {
    let env = Env::on(kind, &[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let (code, stdout, stderr) = env.run(&["report", "--day", "2021-03-13", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(stdout.trim(), "[]");
    assert!(!stderr.contains("not aggregated"), "{stderr}");
}

#[test]
fn invalid_input_lines_stop_the_send_unless_skipped() {
    let env = Env::new();
    let input = env.write(
        "mixed.ndjson",
        &[
            line("/ok", "2021-03-13T10:00:00Z", None),
            "not json".to_owned(),
            line("no-slash", "2021-03-13T10:00:00Z", None),
            line("/late", "2021-02-30T10:00:00Z", None),
            line("/ok2", "2021-03-13T11:00:00Z", None),
        ]
        .join("\n"),
    );
    let path = input.to_str().unwrap();
    let (code, _, stderr) = env.run(&["send", "--input", path]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("mixed.ndjson:2:"), "{stderr}");
    assert!(
        stderr.contains("mixed.ndjson:3: page must be a path"),
        "{stderr}"
    );
    assert!(stderr.contains("mixed.ndjson:4: time"), "{stderr}");
    assert!(stderr.contains("3 of 5 lines"), "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert_eq!(env.status().queue.visible, 0);

    let (code, _, stderr) = env.run(&["send", "--input", path, "--skip-invalid"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("skipped 3 invalid lines"), "{stderr}");
    assert_eq!(env.drain(&[]).events_written, 2);
}

#[test]
fn stdin_input_is_sent_and_resending_it_counts_once() {
    let env = Env::new();
    let body = [
        line("/a", "2021-03-13T10:00:00Z", None),
        line("/a", "2021-03-13T10:00:00Z", None),
    ]
    .join("\n");
    for _ in 0..2 {
        env.cmd()
            .args(["send", "--input", "-"])
            .write_stdin(body.clone())
            .assert()
            .success();
    }
    let drained = env.drain(&[]);
    assert_eq!(
        drained.events_written, 2,
        "two lines, same instant: two views"
    );
    assert_eq!(
        drained.duplicates,
        Some(2),
        "the second send repeats the ids"
    );
}

#[test]
fn quiet_prints_nothing_but_data() {
    let env = Env::new();
    let (code, stdout, stderr) =
        env.run(&["--quiet", "send", "--count", "10", "--day", "2021-03-13"]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
    let (_, stdout, stderr) = env.run(&["-q", "drain", "--wait-seconds", "0.1"]);
    assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
    let (_, stdout, stderr) = env.run(&["-q", "aggregate", "--day", "2021-03-13"]);
    assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
    let (_, stdout, stderr) = env.run(&["-q", "report", "--day", "2021-03-13", "--format", "csv"]);
    assert!(stdout.starts_with("day,page,views,visitors,entries,"));
    assert_eq!(stderr, "");
}

#[test]
fn teardown_deletes_the_deployment_after_confirmation() {
    let env = Env::new();
    let (code, _, stderr) = env.run(&["teardown"]);
    assert_eq!(code, 2, "no terminal to confirm on: {stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(env.status().queue.visible, 0, "still there");
    env.ok(&["teardown", "--yes"]);
    let (code, _, stderr) = env.run(&["status"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("run `pageviews init` first"), "{stderr}");
}
