//! `import` of web server access logs: real-looking nginx, Apache and Caddy lines (bots,
//! assets, 404s, IPv6, odd time zones, broken lines) and the exact views, visitors and skipped
//! lines each gives; a log imported again, or after it grew, counts each line once.

use serde_json::{json, Value};
use std::collections::BTreeMap;

use crate::harness::{Env, Kind, Row};
use crate::on_both_backends;

on_both_backends!(a_log_imported_again_and_appended_to_counts_each_line_once);

pub(crate) const FIREFOX: &str =
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
pub(crate) const SAFARI: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
pub(crate) const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

pub(crate) fn combined(
    address: &str,
    time: &str,
    request: &str,
    status: u16,
    referrer: &str,
    agent: &str,
) -> String {
    format!(r#"{address} - - [{time}] "{request}" {status} 5120 "{referrer}" "{agent}""#)
}

/// An nginx log of 2021-03-13 (UTC): 19 lines, 6 views by 4 visitors.
fn nginx_log() -> Vec<String> {
    vec![
        // 1: a view from a search, with a campaign and a query to drop.
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:00:00 +0000",
            "GET /posts/a?utm_source=news&utm_medium=email&q=secret HTTP/1.1",
            200,
            "https://www.google.com/search?q=x",
            FIREFOX,
        ),
        // 2, 3: what the page loads.
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:00:01 +0000",
            "GET /static/app.css?v=3 HTTP/1.1",
            200,
            "https://example.com/posts/a",
            FIREFOX,
        ),
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:00:01 +0000",
            "GET /favicon.ico HTTP/1.1",
            200,
            "-",
            FIREFOX,
        ),
        // 4: IPv6, at +0530: 10:00 UTC.
        combined(
            "2001:db8::1",
            "13/Mar/2021:15:30:00 +0530",
            "GET /posts/b HTTP/2.0",
            200,
            "-",
            SAFARI,
        ),
        // 5: -0800, the evening before where it was logged: 04:00 UTC on the 13th; cached.
        combined(
            "198.51.100.7",
            "12/Mar/2021:20:00:00 -0800",
            "GET / HTTP/1.1",
            304,
            "-",
            CHROME,
        ),
        // 6: a crawler.
        combined(
            "66.249.66.1",
            "13/Mar/2021:10:01:00 +0000",
            "GET /posts/a HTTP/1.1",
            200,
            "-",
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        ),
        // 7, 8, 9: not found, a form, a check.
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:02:00 +0000",
            "GET /missing HTTP/1.1",
            404,
            "-",
            FIREFOX,
        ),
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:03:00 +0000",
            "POST /contact HTTP/1.1",
            200,
            "-",
            FIREFOX,
        ),
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:03:00 +0000",
            "HEAD / HTTP/1.1",
            200,
            "-",
            FIREFOX,
        ),
        // 10, 11: a script, and no user agent.
        combined(
            "192.0.2.44",
            "13/Mar/2021:10:04:00 +0000",
            "GET / HTTP/1.1",
            200,
            "-",
            "curl/8.4.0",
        ),
        combined(
            "192.0.2.45",
            "13/Mar/2021:10:04:00 +0000",
            "GET / HTTP/1.1",
            200,
            "-",
            "-",
        ),
        // 12, 13: broken lines.
        "this is not a log line".to_owned(),
        r#"203.0.113.9 - - [13/Mar/2021:10:05:00 +0000] "GET /posts/a HTTP/1.1"#.to_owned(),
        // 14: the first visitor again, its address written as IPv4-mapped IPv6.
        combined(
            "::ffff:203.0.113.9",
            "13/Mar/2021:10:06:00 +0000",
            "GET /posts/b HTTP/1.1",
            200,
            "https://example.com/",
            FIREFOX,
        ),
        // 15: line 1 again, word for word: a second view.
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:00:00 +0000",
            "GET /posts/a?utm_source=news&utm_medium=email&q=secret HTTP/1.1",
            200,
            "https://www.google.com/search?q=x",
            FIREFOX,
        ),
        // 16: a redirect; 17: a feed.
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:07:00 +0000",
            "GET /old HTTP/1.1",
            301,
            "-",
            FIREFOX,
        ),
        combined(
            "203.0.113.9",
            "13/Mar/2021:10:07:00 +0000",
            "GET /feed.xml HTTP/1.1",
            200,
            "-",
            FIREFOX,
        ),
        // 18: +0100 after midnight: 23:30 UTC on the 13th.
        combined(
            "203.0.113.50",
            "14/Mar/2021:00:30:00 +0100",
            "GET /posts/c HTTP/1.1",
            200,
            "https://news.example.net/item?id=1",
            FIREFOX,
        ),
        // 19: an empty line, not counted as one.
        String::new(),
    ]
}

pub(crate) fn json_of(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON")
}

pub(crate) fn import(env: &Env, args: &[&str]) -> Value {
    json_of(&env.ok(&[&["import", "--summary", "json"][..], args].concat()))
}

pub(crate) fn rows(env: &Env) -> BTreeMap<String, (u64, u64)> {
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    env.report(&["--day", "2021-03-13"])
        .into_iter()
        .map(|row: Row| (row.page, (row.views, row.visitors)))
        .collect()
}

fn day_visitors(env: &Env) -> u64 {
    env.status().last_day.expect("aggregated").visitors
}

pub(crate) fn by(env: &Env, what: &str) -> Value {
    json_of(&env.ok(&[
        "report",
        "--day",
        "2021-03-13",
        "--by",
        what,
        "--format",
        "json",
    ]))
}

fn expected_rows(c_views: u64) -> BTreeMap<String, (u64, u64)> {
    BTreeMap::from([
        ("/".to_owned(), (1, 1)),
        ("/posts/a".to_owned(), (2, 1)),
        ("/posts/b".to_owned(), (2, 2)),
        ("/posts/c".to_owned(), (c_views, c_views.min(2))),
    ])
}

#[test]
fn nginx_lines_become_views_and_a_summary_by_reason() {
    let env = Env::new();
    let log = env.write("access.log", &(nginx_log().join("\n") + "\n"));
    let summary = import(
        &env,
        &[
            "--format",
            "combined",
            "--site",
            "example.com",
            log.to_str().unwrap(),
        ],
    );
    assert_eq!(summary["lines"], 18);
    assert_eq!(summary["views"], 6);
    // The crawler, the script and the line without a user agent: counted apart, not skipped.
    assert_eq!(summary["bot_hits"], 3);
    assert_eq!(
        summary["skipped"],
        json!({"method": 2, "status": 2, "asset": 3})
    );
    assert_eq!(summary["unparsable"], 2);
    let listed: Vec<(u64, String)> = summary["unparsable_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| {
            (
                line["line"].as_u64().unwrap(),
                line["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            (12, "no [time]".to_owned()),
            (13, "no \"request\"".to_owned())
        ]
    );
    assert_eq!(rows(&env), expected_rows(1));
    assert_eq!(day_visitors(&env), 4);
    // The referrer is a host; the site's own pages are no referrer; the campaign is kept.
    let referrers: Vec<(String, u64)> = by(&env, "referrer")
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["referrer"].as_str().unwrap().to_owned(),
                row["views"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        referrers,
        [
            ("google.com".to_owned(), 2),
            ("news.example.net".to_owned(), 1)
        ]
    );
    let sources = by(&env, "source");
    assert_eq!(sources[0]["source"], "news");
    assert_eq!(sources[0]["views"], 2);
    // Nothing of the query but the campaign is stored, nor any address.
    let pages = env.ok(&["report", "--day", "2021-03-13"]);
    assert!(!pages.contains("secret"), "{pages}");
}

#[test]
fn the_text_summary_names_broken_lines_and_counts_reasons() {
    let env = Env::new();
    let log = env.write("access.log", &(nginx_log().join("\n") + "\n"));
    let (code, _, stderr) = env.run(&["import", "--format", "combined", log.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("access.log:12: no [time]"), "{stderr}");
    assert!(stderr.contains("access.log:13: no \"request\""), "{stderr}");
    assert!(
        stderr.contains("imported 6 views from 1 file (18 lines)"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "skipped 9 lines: 3 not a page (asset), 2 not 2xx or 304, 2 not a GET, 2 unparsable"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("counted 3 hits of bots apart (report --by bot)"),
        "{stderr}"
    );
    // --strict stops at the first broken line, having queued the 3 views before it (lines 1, 4, 5).
    let (code, _, stderr) = env.run(&[
        "import",
        "--strict",
        "--format",
        "combined",
        log.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("access.log:12: no [time]; stopped by --strict (3 views before it queued"),
        "{stderr}"
    );
    // The wrong format says so.
    let (code, _, stderr) = env.run(&["import", "--format", "caddy", log.to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no line could be read as caddy: is --format right?"),
        "{stderr}"
    );
}

fn a_log_imported_again_and_appended_to_counts_each_line_once(kind: Kind) {
    let env = Env::on(kind, &[]);
    let mut lines = nginx_log();
    let log = env.write("access.log", &(lines.join("\n") + "\n"));
    let path = log.to_str().unwrap();
    let args = ["--format", "combined", "--site", "example.com", path];
    assert_eq!(import(&env, &args)["views"], 6);
    assert_eq!(rows(&env), expected_rows(1));
    // Again: the same ids, stored once.
    assert_eq!(import(&env, &args)["views"], 6);
    assert_eq!(rows(&env), expected_rows(1));
    assert_eq!(day_visitors(&env), 4);
    // Grown by a view of the first visitor and a bot's: one more view, no more visitor.
    lines.pop();
    lines.push(combined(
        "203.0.113.9",
        "13/Mar/2021:11:00:00 +0000",
        "GET /posts/c HTTP/1.1",
        200,
        "-",
        FIREFOX,
    ));
    lines.push(combined(
        "66.249.66.1",
        "13/Mar/2021:11:00:00 +0000",
        "GET /posts/c HTTP/1.1",
        200,
        "-",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
    ));
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    assert_eq!(import(&env, &args)["views"], 7);
    assert_eq!(rows(&env), expected_rows(2));
    assert_eq!(day_visitors(&env), 4);
}
