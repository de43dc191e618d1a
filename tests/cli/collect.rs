//! `pageviews collect` end to end: views in over HTTP, exact counts after drain, aggregate and
//! report, the buffer's bound, the privacy scan, and a clean stop on SIGTERM (refusals:
//! collect_refusals.rs).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::collector::{counted_views, Collector, BROWSER, SITE};
use crate::harness::{Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    beacons_pixels_and_query_beacons_are_counted_exactly,
    views_accepted_just_before_sigterm_are_all_on_the_queue,
    views_answered_while_sigterm_arrives_are_all_on_the_queue,
);

fn beacons_pixels_and_query_beacons_are_counted_exactly(kind: Kind) {
    let env = Env::on(kind, &[]);
    let collector = Collector::start(
        &env,
        &["--allow-origin", SITE, "--keep-query", "utm_source"],
    );
    for _ in 0..3 {
        assert_eq!(collector.view("/").status, 204);
    }
    // Query strings and fragments are dropped, except the kept parameter.
    let reply = collector.view("/posts/a?utm_source=news&email=someone%40example.com#top");
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("access-control-allow-origin"), Some(SITE));
    assert_eq!(
        collector.view(&format!("{SITE}/posts/a?q=secret")).status,
        204
    );
    // The article's beacon: an empty POST with page and time in the query string.
    let article = collector.post(
        "/v1/view?page=%2Fposts%2Fb&time=2021-03-13T12:34:56Z",
        &[("origin", SITE), ("user-agent", BROWSER)],
        "",
    );
    assert_eq!(article.status, 204, "{}", article.text());
    // The pixel: a GIF, checked against the Referer's origin.
    let pixel = collector.get(
        "/v1/view.gif?page=/no-js",
        &[
            ("referer", "http://site.test/no-js"),
            ("user-agent", BROWSER),
        ],
    );
    assert_eq!(pixel.status, 200);
    assert_eq!(pixel.header("content-type"), Some("image/gif"));
    assert_eq!(pixel.header("cache-control"), Some("no-store"));
    assert!(pixel.body.starts_with(b"GIF89a") && pixel.body.len() == 43);

    // A client's id is not used for live views: the same id twice is two views.
    for _ in 0..2 {
        let reply = collector.post(
            "/v1/view",
            &[("origin", SITE), ("user-agent", BROWSER)],
            r#"{"page": "/same-id", "id": "chosen-by-the-client"}"#,
        );
        assert_eq!(reply.status, 204);
    }
    assert_eq!(
        collector.metric("pageviews_collect_views_accepted_total"),
        9.0
    );
    let stderr = collector.stop_ok();
    assert!(
        stderr.contains("9 views accepted, 9 put on the queue"),
        "{stderr}"
    );
    let expected = BTreeMap::from([
        ("/".to_string(), 3),
        ("/posts/a".to_string(), 1),
        ("/posts/a?utm_source=news".to_string(), 1),
        // The client's time is ignored: the view counts when it arrived.
        ("/posts/b".to_string(), 1),
        ("/no-js".to_string(), 1),
        ("/same-id".to_string(), 2),
    ]);
    assert_eq!(counted_views(&env), expected);
}

fn views_accepted_just_before_sigterm_are_all_on_the_queue(kind: Kind) {
    let env = Env::on(kind, &[]);
    // A long flush interval: at the stop, the views are still in the buffer.
    let collector = Collector::start(&env, &["--allow-origin", SITE, "--flush-interval", "60"]);
    let senders = 4;
    // 240 views (each with its visitor key and its browser's families) fill less than one
    // 64 KiB message, so none is sent before the stop.
    let per_sender = 60;
    let accepted = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..senders)
            .map(|sender| {
                let collector = &collector;
                scope.spawn(move || {
                    (0..per_sender)
                        .filter(|n| collector.view(&format!("/s{sender}/{}", n % 7)).status == 204)
                        .count()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap())
            .sum::<usize>()
    });
    assert_eq!(accepted, senders * per_sender);
    assert_eq!(
        collector.metric("pageviews_collect_views_queued_total"),
        0.0,
        "nothing should have been flushed yet"
    );
    let stderr = collector.stop_ok();
    assert!(
        stderr.contains(&format!(
            "{accepted} views accepted, {accepted} put on the queue"
        )),
        "{stderr}"
    );
    let views = counted_views(&env);
    assert_eq!(views.values().sum::<u64>(), accepted as u64);
    assert_eq!(views.len(), senders * 7);
}

fn views_answered_while_sigterm_arrives_are_all_on_the_queue(kind: Kind) {
    let env = Env::on(kind, &[]);
    let collector = Collector::start(&env, &["--allow-origin", SITE]);
    let senders = 4;
    let before_stop = env.scale(400, 100) as f64;
    let answered = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..senders)
            .map(|sender| {
                let collector = &collector;
                scope.spawn(move || {
                    // Views until the server stops answering: some are in flight at SIGTERM.
                    let mut accepted = 0u64;
                    for n in 0.. {
                        match collector.try_view(&format!("/t{sender}/{}", n % 5)) {
                            Some(204) => accepted += 1,
                            Some(503) => {}
                            Some(other) => panic!("status {other}"),
                            None => break,
                        }
                    }
                    accepted
                })
            })
            .collect();
        while collector.metric("pageviews_collect_views_accepted_total") < before_stop {
            std::thread::sleep(Duration::from_millis(5));
        }
        collector.signal_stop();
        workers.into_iter().map(|w| w.join().unwrap()).sum::<u64>()
    });
    let stderr = collector.stop_ok();
    assert!(answered >= before_stop as u64, "{answered}");
    assert!(
        stderr.contains(&format!(
            "{answered} views accepted, {answered} put on the queue"
        )),
        "{answered} answered 204; {stderr}"
    );
    assert_eq!(counted_views(&env).values().sum::<u64>(), answered);
}

#[test]
fn a_stop_while_the_queue_is_down_gives_up_after_the_timeout_and_says_how_many() {
    let env = Env::new();
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            SITE,
            "--flush-interval",
            "0.05",
            "--shutdown-timeout",
            "2",
        ],
    );
    let _lock = lock_database(&env);
    for n in 0..20 {
        assert_eq!(collector.view(&format!("/down/{n}")).status, 204);
    }
    let started = Instant::now();
    let (code, stderr) = collector.stop();
    // The 2 s timeout after at most the 5 s grace; never the database's 30 s busy wait.
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, Some(1), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(
            "error: 20 accepted views, engagement beacons and bot hits are not confirmed on the queue"
        ),
        "{stderr}"
    );
}

#[test]
fn the_script_is_served_and_the_snippet_points_at_it() {
    let env = Env::new();
    let tag = env.ok(&["snippet", "--endpoint", "https://stats.example.com/"]);
    assert_eq!(
        tag.trim(),
        r#"<script defer src="https://stats.example.com/pageviews.js"></script>"#
    );
    let tag = env.ok(&[
        "snippet",
        "--endpoint",
        "https://stats.example.com",
        "--variant-cookie",
        "ab-variant",
    ]);
    assert_eq!(
        tag.trim(),
        r#"<script defer src="https://stats.example.com/pageviews.js" data-variant-cookie="ab-variant"></script>"#
    );
    let collector = Collector::start(&env, &["--allow-any-origin"]);
    let script = collector.get("/pageviews.js", &[]);
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert_eq!(script.text(), pageviews::collect::routes::SCRIPT);
    collector.stop_ok();
}

/// Holds the local database's write lock, as a long write by another process would.
fn lock_database(env: &Env) -> rusqlite::Connection {
    let path = pageviews::backend::local::database_path(env.data_dir(), &env.name);
    let connection = rusqlite::Connection::open(path).unwrap();
    connection.execute_batch("BEGIN EXCLUSIVE").unwrap();
    connection
}

#[test]
fn a_full_buffer_answers_503_then_recovers_without_losing_a_view() {
    let env = Env::new();
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            SITE,
            "--buffer",
            "100",
            "--flush-interval",
            "0.05",
        ],
    );
    let lock = lock_database(&env);
    let mut accepted = 0;
    let mut overloaded = None;
    for n in 0..400 {
        let reply = collector.view(&format!("/p{}", n % 10));
        match reply.status {
            204 => accepted += 1,
            503 => {
                overloaded = Some(reply);
                break;
            }
            other => panic!("unexpected status {other}: {}", reply.text()),
        }
    }
    let overloaded = overloaded.expect("a full buffer answers 503");
    assert_eq!(overloaded.header("retry-after"), Some("1"));
    assert_eq!(collector.get("/healthz", &[]).status, 503);
    // The buffer holds its capacity, plus the one message (at most about 900 views of this
    // size) the flusher took out and is trying to send.
    assert!((100..1_000).contains(&accepted), "{accepted} accepted");
    assert_eq!(collector.dropped("overloaded"), 1.0);

    lock.execute_batch("ROLLBACK").unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while collector.metric("pageviews_collect_buffer_views") > 0.0 {
        assert!(Instant::now() < deadline, "the buffer never emptied");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(collector.get("/healthz", &[]).status, 200);
    assert_eq!(collector.view("/after").status, 204);
    accepted += 1;
    collector.stop_ok();
    assert_eq!(counted_views(&env).values().sum::<u64>(), accepted);
}

#[test]
fn nothing_about_the_visitor_reaches_the_database() {
    let env = Env::new();
    let collector = Collector::start(&env, &["--allow-origin", SITE]);
    let reply = collector.post(
        "/v1/view",
        &[
            ("origin", SITE),
            (
                "user-agent",
                "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0 Safari/537.36 UniqueAgent7",
            ),
            ("cookie", "session=cookie-value-42"),
            ("x-forwarded-for", "198.51.100.77"),
            ("referer", "http://site.test/from?who=referrer-secret"),
        ],
        r#"{"page": "/private?email=visitor%40example.com&utm_source=kept#frag",
            "referrer": "https://search.test/path-secret?q=referrer-query-secret#frag-secret"}"#,
    );
    assert_eq!(reply.status, 204);
    assert_eq!(reply.header("set-cookie"), None);
    collector.stop_ok();
    assert_eq!(
        counted_views(&env),
        BTreeMap::from([("/private".to_string(), 1)])
    );
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(env.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            stored.extend(std::fs::read(path).unwrap());
        }
    }
    let stored = String::from_utf8_lossy(&stored);
    for secret in [
        "UniqueAgent7",
        "cookie-value-42",
        "198.51.100.77",
        "127.0.0.1",
        "referrer-secret",
        "visitor@example",
        "visitor%40example",
        "frag",
        "path-secret",
        "referrer-query-secret",
    ] {
        assert!(!stored.contains(secret), "{secret} was stored");
    }
}
