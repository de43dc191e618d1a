//! Slow clients cannot hold the collector (issue 21, item 10), over real sockets: partial
//! headers, a promised body that never comes and idle keep-alive connections are closed in
//! time, and more connections than the cap (or than `ulimit -n` allows) leave `/healthz`
//! answering.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::collector::{Collector, BROWSER, SITE};
use crate::harness::Env;

/// Reads until the collector closes the connection (at most 20 s); returns what it sent and
/// how long after `since` it closed.
fn until_closed(mut stream: TcpStream, since: Instant) -> (String, Duration) {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => received.extend_from_slice(&buffer[..read]),
            Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(err) => panic!("the collector kept the connection open: {err}"),
        }
    }
    (
        String::from_utf8_lossy(&received).into_owned(),
        since.elapsed(),
    )
}

/// Sends `request` and reads one answer (headers and a body of Content-Length bytes).
fn exchange(stream: &mut TcpStream, request: &str) -> String {
    stream.write_all(request.as_bytes()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        let read = stream.read(&mut buffer).expect("an answer in time");
        assert!(read > 0, "closed before answering");
        received.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&received).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .and_then(|length| length.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
    }
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nHost: collector.test\r\n\r\n")
}

/// The metrics as `name{labels}` -> value, from an answer to `GET /metrics`.
fn metrics_of(answer: &str) -> BTreeMap<String, f64> {
    answer
        .lines()
        .filter(|line| line.starts_with("pageviews_"))
        .filter_map(|line| line.rsplit_once(' '))
        .filter_map(|(name, value)| Some((name.to_owned(), value.parse().ok()?)))
        .collect()
}

#[test]
fn partial_headers_a_missing_body_and_idle_connections_are_closed_in_time() {
    let env = Env::new();
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            SITE,
            "--header-timeout",
            "1",
            "--body-timeout",
            "1",
            "--idle-timeout",
            "4",
        ],
    );
    let connect = || collector.raw_connection();
    let scenarios: Vec<std::thread::JoinHandle<(&str, String, Duration)>> = vec![
        {
            // Connected, and not a byte sent.
            let stream = connect();
            std::thread::spawn(move || {
                let (text, after) = until_closed(stream, Instant::now());
                ("idle", text, after)
            })
        },
        {
            // A slowloris: headers begun, never ended.
            let mut stream = connect();
            std::thread::spawn(move || {
                stream
                    .write_all(b"GET /healthz HTTP/1.1\r\nHost: collector.test\r\n")
                    .unwrap();
                let (text, after) = until_closed(stream, Instant::now());
                ("partial headers", text, after)
            })
        },
        {
            // A keep-alive connection after its answer.
            let mut stream = connect();
            std::thread::spawn(move || {
                let answer = exchange(&mut stream, &get("/healthz"));
                assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
                let (text, after) = until_closed(stream, Instant::now());
                ("keep-alive", text, after)
            })
        },
        {
            // A view whose promised body never comes.
            let mut stream = connect();
            std::thread::spawn(move || {
                let head = format!(
                    "POST /v1/view HTTP/1.1\r\nHost: collector.test\r\nOrigin: {SITE}\r\n\
                     User-Agent: {BROWSER}\r\nContent-Type: text/plain\r\n\
                     Content-Length: 50\r\n\r\n{{\"page\":"
                );
                stream.write_all(head.as_bytes()).unwrap();
                let (text, after) = until_closed(stream, Instant::now());
                ("missing body", text, after)
            })
        },
    ];
    let mut closed = BTreeMap::new();
    for scenario in scenarios {
        let (what, text, after) = scenario.join().unwrap();
        eprintln!("{what}: closed after {:.2} s", after.as_secs_f64());
        closed.insert(what, (text, after.as_secs_f64()));
    }
    let within = |what: &str, from: f64, to: f64| {
        let seconds = closed[what].1;
        assert!((from..to).contains(&seconds), "{what}: {seconds} s");
    };
    within("idle", 3.9, 12.0);
    within("partial headers", 0.9, 3.5);
    within("keep-alive", 3.9, 12.0);
    within("missing body", 0.9, 3.5);
    let slow_body = &closed["missing body"].0;
    assert!(slow_body.starts_with("HTTP/1.1 408"), "{slow_body}");
    assert!(slow_body.contains("did not come within 1 s"), "{slow_body}");
    assert_eq!(closed["partial headers"].0, "");
    assert_eq!(
        collector.metric("pageviews_collect_connections_closed_total{reason=\"idle-timeout\"}"),
        2.0
    );
    assert_eq!(
        collector.metric("pageviews_collect_connections_closed_total{reason=\"header-timeout\"}"),
        1.0
    );
    assert_eq!(collector.dropped("slow-body"), 1.0);
    assert_eq!(
        collector.metric("pageviews_collect_views_accepted_total"),
        0.0
    );
    collector.stop_ok();
}

/// Whether the collector has closed `stream` (nothing comes within 200 ms on an open one).
fn is_closed(mut stream: &TcpStream) -> bool {
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    match stream.read(&mut [0u8; 64]) {
        Ok(read) => read == 0,
        Err(err) => !matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

/// Opens `count` connections that each send the start of a request and no more.
fn slowloris(collector: &Collector, count: usize) -> Vec<TcpStream> {
    (0..count)
        .map(|_| {
            let mut stream = collector.raw_connection();
            stream.write_all(b"GET / HTTP/1.1\r\n").unwrap();
            stream
        })
        .collect()
}

#[test]
fn at_the_connection_cap_the_longest_waiting_make_room_for_healthz() {
    let env = Env::new();
    let collector = Collector::start(
        &env,
        &[
            "--allow-origin",
            SITE,
            "--max-connections",
            "8",
            "--header-timeout",
            "60",
            "--idle-timeout",
            "60",
        ],
    );
    let held = slowloris(&collector, 30);
    let started = Instant::now();
    let mut stream = collector.raw_connection();
    let health = exchange(&mut stream, &get("/healthz"));
    let answered = started.elapsed();
    eprintln!(
        "healthz past 30 slow connections (cap 8): {:.3} s",
        answered.as_secs_f64()
    );
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(answered < Duration::from_secs(5), "{answered:?}");
    // The same connection, so that no other is opened: 31 came, 8 stay.
    let metrics = metrics_of(&exchange(&mut stream, &get("/metrics")));
    let evicted = "pageviews_collect_connections_closed_total{reason=\"evicted\"}";
    assert_eq!(metrics[evicted], 23.0, "{metrics:?}");
    assert_eq!(metrics["pageviews_collect_connections"], 8.0);
    // 23 of the slow connections were closed (those that waited longest), 7 are still open.
    let closed = held.iter().filter(|stream| is_closed(stream)).count();
    assert_eq!(closed, 23);
    drop(stream);
    collector.stop_ok();
}

#[test]
fn with_ulimit_128_two_hundred_slow_connections_leave_healthz_answering() {
    let env = Env::new();
    let collector = Collector::start_with_open_files(&env, &["--allow-origin", SITE], 128);
    let held = slowloris(&collector, 200);
    let started = Instant::now();
    let reply = collector.get("/healthz", &[]);
    eprintln!(
        "healthz past 200 slow connections with ulimit -n 128: {:.3} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(collector.view("/after").status, 204);
    drop(held);
    let stderr = collector.stop_ok();
    assert!(
        stderr.contains("--max-connections is more than the open-file limit allows; using 64"),
        "{stderr}"
    );
}
