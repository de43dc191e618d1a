//! `pageviews collect`'s refusals: every refusal path counted by reason, the rate limit per
//! client, trusted client time, CORS preflights, start-up errors, and connections that stay
//! usable after a refusal.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

use crate::collector::{counted_views, Collector, BROWSER, SITE};
use crate::harness::{Env, Kind};

#[test]
fn every_refusal_is_answered_and_counted_by_reason() {
    let env = Env::new();
    let collector = Collector::start(&env, &["--allow-origin", SITE]);
    let json = r#"{"page": "/ok"}"#;
    let post = |headers: &[(&str, &str)], body: &str| collector.post("/v1/view", headers, body);

    let foreign = post(
        &[
            ("origin", "https://elsewhere.test"),
            ("user-agent", BROWSER),
        ],
        json,
    );
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.header("access-control-allow-origin"), None);
    assert_eq!(
        post(&[("user-agent", BROWSER)], json).status,
        403,
        "no Origin"
    );
    // A refused pixel is still an image, so the page shows no broken-image icon.
    let refused_pixel = collector.get(
        "/v1/view.gif?page=/x",
        &[
            ("referer", "https://elsewhere.test/x"),
            ("user-agent", BROWSER),
        ],
    );
    assert_eq!(refused_pixel.status, 403);
    assert!(refused_pixel.body.starts_with(b"GIF89a"));

    let ok = [("origin", SITE), ("user-agent", BROWSER)];
    let big = format!(r#"{{"page": "/big", "pad": "{}"}}"#, "x".repeat(5000));
    let too_large = post(&ok, &big);
    assert_eq!(too_large.status, 413);
    assert_eq!(
        chunked_post(&collector, &big),
        413,
        "a chunked body is cut off too"
    );
    let long_query = format!("/v1/view.gif?page=/{}", "q".repeat(5000));
    assert_eq!(
        collector
            .get(
                &long_query,
                &[("referer", "http://site.test/"), ("user-agent", BROWSER)]
            )
            .status,
        413
    );

    // Not counted, but answered like a counted view so that nothing retries.
    assert_eq!(
        post(
            &[("origin", SITE), ("user-agent", BROWSER), ("dnt", "1")],
            json
        )
        .status,
        204
    );
    assert_eq!(
        post(
            &[("origin", SITE), ("user-agent", BROWSER), ("sec-gpc", "1")],
            json
        )
        .status,
        204
    );
    let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    assert_eq!(
        post(&[("origin", SITE), ("user-agent", googlebot)], json).status,
        204
    );
    let headless = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) \
                    HeadlessChrome/131.0.0.0 Safari/537.36";
    assert_eq!(
        post(&[("origin", SITE), ("user-agent", headless)], json).status,
        204
    );
    assert_eq!(
        post(&[("origin", SITE), ("user-agent", "")], json).status,
        204
    );

    let too_long_page = format!(r#"{{"page": "/{}"}}"#, "p".repeat(700));
    for (body, reason) in [
        (too_long_page.as_str(), "more than the 700 allowed"),
        (r#"{"page": "relative"}"#, "page must be a path"),
        (r#"{"page": 5}"#, "JSON object with a string `page`"),
        ("{not json", "not JSON"),
        (r#"{"referrer": "/x"}"#, "missing field `page`"),
    ] {
        let reply = post(&ok, body);
        assert_eq!(reply.status, 400, "{body}");
        assert!(reply.text().contains(reason), "{body}: {}", reply.text());
    }
    assert_eq!(
        collector.post("/v1/view", &ok, "").status,
        400,
        "no page anywhere"
    );

    assert_eq!(collector.get("/v1/view", &ok).status, 405);
    assert_eq!(collector.get("/wp-login.php", &ok).status, 404);
    assert_eq!(collector.get("/healthz", &[]).status, 200);
    // A HEAD of the pixel (link checkers, prefetchers) is answered, never counted.
    let head = collector.head(
        "/v1/view.gif?page=/checked",
        &[("referer", "http://site.test/"), ("user-agent", BROWSER)],
    );
    assert_eq!(head, 200);

    assert_eq!(collector.view("/counted").status, 204);
    let expected = [
        ("origin", 3.0),
        ("too-large", 3.0),
        ("dnt", 2.0),
        ("bot", 2.0),
        ("no-user-agent", 1.0),
        ("bad-request", 6.0),
        ("rate-limited", 0.0),
        ("overloaded", 0.0),
    ];
    for (reason, count) in expected {
        assert_eq!(collector.dropped(reason), count, "{reason}");
    }
    assert_eq!(
        collector.metric("pageviews_collect_views_accepted_total"),
        1.0
    );
    collector.stop_ok();
    assert_eq!(
        counted_views(&env),
        BTreeMap::from([("/counted".to_string(), 1)])
    );
}

/// A POST whose body has no declared length; returns the status code.
fn chunked_post(collector: &Collector, body: &str) -> u16 {
    let address = collector.address();
    let mut stream = collector.raw_connection();
    let head = format!(
        "POST /v1/view HTTP/1.1\r\nhost: {address}\r\norigin: {SITE}\r\nuser-agent: {BROWSER}\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).unwrap();
    for chunk in body.as_bytes().chunks(1000) {
        // The server may answer and close before the whole body is written.
        if write!(stream, "{:x}\r\n", chunk.len()).is_err()
            || stream.write_all(chunk).is_err()
            || stream.write_all(b"\r\n").is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"))
}

#[test]
fn the_rate_limit_is_per_client_and_trusts_only_the_proxys_entry() {
    let env = Env::new();
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            SITE,
            "--rate-limit",
            "3/min",
            "--trust-forwarded-for",
        ],
    );
    let from = |forwarded_for: &str| {
        collector.post(
            "/v1/view",
            &[
                ("origin", SITE),
                ("user-agent", BROWSER),
                ("x-forwarded-for", forwarded_for),
            ],
            r#"{"page": "/limited"}"#,
        )
    };
    let statuses: Vec<u16> = (0..5).map(|_| from("203.0.113.1").status).collect();
    assert_eq!(statuses, [204, 204, 204, 429, 429]);
    assert_eq!(from("203.0.113.1").header("retry-after"), Some("20"));
    // A client cannot escape by writing its own entry first: the proxy's last entry counts.
    assert_eq!(from("10.9.9.9, 203.0.113.1").status, 429);
    assert_eq!(from("203.0.113.2").status, 204);
    assert_eq!(collector.dropped("rate-limited"), 4.0);
    collector.stop_ok();
    assert_eq!(
        counted_views(&env),
        BTreeMap::from([("/limited".to_string(), 4)])
    );
}

#[test]
fn client_time_is_used_only_when_trusted() {
    let env = Env::new();
    let collector = Collector::start(&env, &["--allow-any-origin", "--trust-client-time"]);
    let headers = [("user-agent", BROWSER)];
    let replay = collector.post(
        "/v1/view",
        &headers,
        r#"{"page": "/replayed", "time": "2021-03-13T12:34:56Z", "id": "replay-1"}"#,
    );
    assert_eq!(replay.status, 204);
    assert_eq!(replay.header("access-control-allow-origin"), Some("*"));
    // The same id and time again: stored once.
    collector.post(
        "/v1/view",
        &headers,
        r#"{"page": "/replayed", "time": "2021-03-13T12:34:56Z", "id": "replay-1"}"#,
    );
    let future = collector.post(
        "/v1/view",
        &headers,
        r#"{"page": "/x", "time": "2999-01-01T00:00:00Z"}"#,
    );
    assert_eq!(future.status, 400);
    assert!(future.text().contains("in the future"), "{}", future.text());
    collector.stop_ok();
    env.drain(&[]);
    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(
        env.views(&["--day", "2021-03-13"]),
        BTreeMap::from([(("2021-03-13".to_string(), "/replayed".to_string()), 1)])
    );
}

#[test]
fn cors_preflight_names_only_allowed_origins() {
    let env = Env::new();
    let collector = Collector::start(&env, &["--allow-origin", SITE]);
    let allowed = collector.options(
        "/v1/view",
        &[("origin", SITE), ("access-control-request-method", "POST")],
    );
    assert_eq!(allowed.status, 204);
    assert_eq!(allowed.header("access-control-allow-origin"), Some(SITE));
    assert_eq!(allowed.header("access-control-allow-methods"), Some("POST"));
    let refused = collector.options("/v1/view", &[("origin", "https://elsewhere.test")]);
    assert_eq!(refused.status, 403);
    assert_eq!(refused.header("access-control-allow-origin"), None);
    collector.stop_ok();
}

#[test]
fn collect_refuses_to_start_without_a_deployment_or_a_free_port() {
    for kind in [Kind::Local, Kind::Aws] {
        let bare = Env::bare_on(kind);
        let (code, _, stderr) =
            bare.run(&["collect", "--allow-any-origin", "--listen", "127.0.0.1:0"]);
        assert_eq!(code, 1, "{kind:?}: {stderr}");
        assert!(
            stderr.contains("run `pageviews init` first"),
            "{kind:?}: {stderr}"
        );
        assert_eq!(stderr.lines().count(), 1, "{kind:?}: {stderr}");
    }
    let env = Env::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let (code, _, stderr) = env.run(&["collect", "--allow-any-origin", "--listen", &address]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot listen on {address}; choose another --listen"
        )),
        "{stderr}"
    );
}

/// Sends `requests` one after another on one keep-alive connection; returns the status of each
/// answered before the connection closed.
fn statuses_on_one_connection(collector: &Collector, requests: &[String]) -> Vec<u16> {
    let stream = collector.raw_connection();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = std::io::BufReader::new(stream);
    let mut statuses = Vec::new();
    for request in requests {
        // Head and body in two writes, as browsers often send them: the server may answer
        // before the body has arrived.
        let (head, body) = request.split_at(request.find("\r\n\r\n").unwrap() + 4);
        if writer.write_all(head.as_bytes()).is_err() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        if writer.write_all(body.as_bytes()).is_err() {
            break;
        }
        let mut status_line = String::new();
        if std::io::BufRead::read_line(&mut reader, &mut status_line).unwrap_or(0) == 0 {
            break;
        }
        let mut length = 0;
        loop {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        statuses.push(
            status_line
                .split_whitespace()
                .nth(1)
                .unwrap()
                .parse()
                .unwrap(),
        );
    }
    statuses
}

#[test]
fn refused_requests_leave_the_connection_usable_for_the_next_view() {
    let env = Env::new();
    let collector = Collector::start(&env, &["--allow-origin", SITE]);
    let request = |origin: &str, agent: &str, extra: &str| {
        let body = r#"{"page": "/kept-alive"}"#;
        format!(
            "POST /v1/view HTTP/1.1\r\nhost: x\r\norigin: {origin}\r\nuser-agent: {agent}\r\n\
             {extra}content-type: text/plain\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        )
    };
    let requests = [
        request("https://elsewhere.test", BROWSER, ""),
        request(SITE, BROWSER, "dnt: 1\r\n"),
        request(SITE, "curl/8.5.0", ""),
        request(SITE, BROWSER, ""),
    ];
    assert_eq!(
        statuses_on_one_connection(&collector, &requests),
        [403, 204, 204, 204]
    );
    collector.stop_ok();
    assert_eq!(
        counted_views(&env),
        BTreeMap::from([("/kept-alive".to_string(), 1)])
    );
}
