//! What operators read: verbose flags, one-line AWS and endpoint errors, summaries in words,
//! a top report's total, and wildcard origins (more of what a new user hit; operator.rs has
//! the rest).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::collector::{Collector, BROWSER};
use crate::harness::{line, Env, Kind};

#[test]
fn verbose_flags_show_what_the_command_does() {
    let env = Env::new();
    let (_, _, quiet) = env.run(&["status"]);
    assert!(!quiet.contains("deployment opened"), "{quiet}");
    let (code, _, verbose) = env.run(&["-v", "status"]);
    assert_eq!(code, 0);
    assert!(verbose.contains("deployment opened"), "{verbose}");
    env.ok(&[
        "send",
        "--count",
        "10",
        "--day",
        "2021-03-13",
        "--seed",
        "1",
    ]);
    env.drain(&[]);
    let (_, _, debug) = env.run(&["-vv", "aggregate", "--day", "2021-03-13"]);
    assert!(debug.contains("day counted from its raw events"), "{debug}");
}

#[test]
fn a_missing_region_is_one_line_without_the_sdks_records() {
    let env = Env::bare_on(Kind::Local);
    let output = env
        .cmd()
        .env("PAGEVIEWS_BACKEND", "aws")
        .env("HOME", env.data_dir())
        // Instance metadata on a closed local port: the lookup fails at once, and says so.
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")
        .arg("status")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr,
        "error: no AWS region: pass --region, set AWS_REGION, or give your profile a region in \
         ~/.aws/config\n"
    );
}

/// A web server that answers every request with `status` and an HTML page.
fn not_aws(status: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body = "<html><body>not here</body></html>";
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{address}")
}

#[test]
fn a_web_server_on_the_endpoint_is_named_as_such_and_not_retried() {
    let endpoint = not_aws("501 Not Implemented");
    let env = Env::bare_on(Kind::Aws);
    let (code, _, stderr) = env.run(&["--endpoint-url", &endpoint, "status"]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("the endpoint answered HTTP 501: \"<html><body>not here</body></html>\""),
        "{stderr}"
    );
    assert!(stderr.contains("which is not an AWS answer"), "{stderr}");
    assert!(!stderr.contains("retried"), "{stderr}");
}

#[test]
fn a_send_that_cannot_start_says_nothing_was_sent() {
    let env = Env::bare_on(Kind::Aws);
    let (code, _, stderr) = env.run(&["send", "--count", "10", "--seed", "1"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(stderr.contains("run `pageviews init` first"), "{stderr}");
    assert!(!stderr.contains("may or may not"), "{stderr}");
    let started = Instant::now();
    let (code, _, stderr) = env.run(&[
        "--endpoint-url",
        "http://127.0.0.1:9",
        "send",
        "--count",
        "10",
    ]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("nothing was sent"), "{stderr}");
    assert!(stderr.contains("cannot reach the AWS endpoint"), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn summaries_count_in_words_that_read_right() {
    let env = Env::new();
    let input = env.write(
        "one.ndjson",
        &line("/only", "2021-03-13T05:00:00Z", Some("a")),
    );
    let (_, _, sent) = env.run(&["send", "--input", input.to_str().unwrap()]);
    assert!(sent.starts_with("sent 1 event from "), "{sent}");
    assert!(sent.contains(" in 1 message ("), "{sent}");
    let (_, _, drained) = env.run(&["drain", "--wait-seconds", "0.1"]);
    assert!(
        drained.starts_with("drained 1 message: 1 event written ("),
        "{drained}"
    );
    assert!(
        !drained.contains("/s"),
        "a rate of one event says nothing: {drained}"
    );
    let (_, _, aggregated) = env.run(&["aggregate", "--day", "2021-03-13"]);
    assert!(
        aggregated.starts_with("aggregated 2021-03-13: 1 view on 1 page, 0 visitors in "),
        "{aggregated}"
    );
    let table = env.ok(&["report", "--day", "2021-03-13"]);
    assert!(table.contains("| 1 row "), "{table}");
}

#[test]
fn a_top_report_says_what_its_total_covers() {
    let env = Env::new();
    env.ok(&[
        "send",
        "--count",
        "500",
        "--day",
        "2021-03-13",
        "--pages",
        "20",
        "--seed",
        "4",
    ]);
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    let table = env.ok(&["report", "--day", "2021-03-13", "--top", "3"]);
    let shown: u64 = env
        .report(&["--day", "2021-03-13", "--top", "3"])
        .iter()
        .map(|row| row.views)
        .sum();
    assert!(shown < 500);
    let row_with = |label: &str| {
        table
            .lines()
            .find(|row| row.contains(label))
            .unwrap_or_else(|| panic!("no {label} row: {table}"))
            .to_owned()
    };
    assert!(
        row_with("Total shown").contains(&format!(" {shown} ")),
        "{table}"
    );
    assert!(row_with("All pages").contains(" 500 "), "{table}");
}

#[test]
fn wildcard_origins_let_every_subdomain_send_views() {
    let env = Env::new();
    let collector = Collector::start(&env, &["--allow-origin", "https://*.site.test"]);
    let view = |origin: &str| {
        collector
            .post(
                "/v1/view",
                &[("origin", origin), ("user-agent", BROWSER)],
                r#"{"page":"/w"}"#,
            )
            .status
    };
    assert_eq!(view("https://blog.site.test"), 204);
    assert_eq!(view("https://a.b.site.test"), 204);
    assert_eq!(view("https://site.test"), 403);
    assert_eq!(view("https://evilsite.test"), 403);
    collector.stop_ok();
    assert_eq!(
        crate::collector::counted_views(&env).get("/w").copied(),
        Some(2)
    );
}
