//! A corpus of bad messages mixed with good ones: every good event is counted, every bad one
//! reaches the dead-letter queue with its reason, and the drain never stops.

use std::collections::BTreeMap;

use crate::harness::{block_on, dead_letters, Env, Kind};
use crate::on_both_backends;

on_both_backends!(poison_corpus_is_isolated_and_every_good_event_counted);

fn good(id: &str, hour: u32) -> String {
    format!(r#"{{"id":"{id}","page":"/good","time":"2021-03-13T{hour:02}:00:00Z"}}"#)
}

/// (body, the reason code it must be dead-lettered with)
fn corpus() -> Vec<(String, &'static str)> {
    let future = (chrono::Utc::now() + chrono::Duration::days(30)).to_rfc3339();
    let hundred_kb_page = format!("/{}", "p".repeat(100 * 1024));
    let hundred_thousand_events = format!("[{}]", vec!["{}"; 100_000].join(","));
    vec![
        ("definitely not json".into(), "not-json"),
        (
            r#"{"page": 5, "time": "2021-03-13T01:00:00Z"}"#.into(),
            "malformed-event",
        ),
        (
            r#"{"page": "/p", "time": 1615597200}"#.into(),
            "malformed-event",
        ),
        (r#"{"page": "/p"}"#.into(), "missing-time"),
        (r#"{"time": "2021-03-13T01:00:00Z"}"#.into(), "missing-page"),
        (
            r#"{"page": "/p", "time": "2021-02-30T01:00:00Z"}"#.into(),
            "time-not-rfc3339",
        ),
        (
            format!(r#"{{"page": "/p", "time": "{future}"}}"#),
            "time-in-future",
        ),
        (
            r#"{"page": "/p\u0000q", "time": "2021-03-13T01:00:00Z"}"#.into(),
            "page-control-char",
        ),
        (
            format!(r#"{{"page": "{hundred_kb_page}", "time": "2021-03-13T01:00:00Z"}}"#),
            "page-too-long",
        ),
        (
            format!("{}1{}", r#"{"a":"#.repeat(5_000), "}".repeat(5_000)),
            "not-json",
        ),
        (hundred_thousand_events, "too-many-events"),
        ("[]".into(), "no-events"),
        ("42".into(), "unknown-shape"),
        (
            r#"{"queryStringParameters": {"time": "2021-03-13T01:00:00Z"}}"#.into(),
            "missing-page",
        ),
    ]
}

fn poison_corpus_is_isolated_and_every_good_event_counted(kind: Kind) {
    let env = Env::on(kind, &[]);
    let corpus = corpus();
    block_on(async {
        let backend = env.open_backend().await;
        // Good events in every batch of the corpus, so bad ones never hold good ones up.
        let mut bodies: Vec<String> = Vec::new();
        for (i, (bad, _)) in corpus.iter().enumerate() {
            bodies.push(bad.clone());
            bodies.push(good(&format!("g{i}"), (i % 24) as u32));
        }
        // A packed message with good and bad events: only the bad ones go.
        bodies.push(format!(
            "[{},{{\"page\":\"no-slash\",\"time\":\"2021-03-13T05:00:00Z\"}},{},{{\"time\":\"x\"}}]",
            good("p1", 5),
            good("p2", 6)
        ));
        for chunk in bodies.chunks(2) {
            backend.queue.send_batch(chunk).await.unwrap();
        }
    });
    if kind == Kind::Local {
        insert_raw_local(&env, &[0xff, 0xfe, 0x00]);
        insert_raw_local(&env, b"");
    }
    let (code, stdout, stderr) = env.run(&["drain", "--format", "json", "--wait-seconds", "0.2"]);
    assert_eq!(code, 0, "the drain never stops: {stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let good_events = corpus.len() as u64 + 2;
    assert_eq!(summary["events_written"], good_events);

    let mut expected: BTreeMap<&str, u64> = BTreeMap::new();
    for (_, code) in &corpus {
        *expected.entry(code).or_default() += 1;
    }
    if kind == Kind::Local {
        *expected.entry("not-utf8").or_default() += 1;
        *expected.entry("empty").or_default() += 1;
    }
    let dead: BTreeMap<&str, u64> = summary["dead_lettered_messages"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(code, n)| (code.as_str(), n.as_u64().unwrap()))
        .collect();
    assert_eq!(dead, expected);
    assert_eq!(summary["rejected_events"]["page-not-path"], 1);
    assert_eq!(summary["rejected_events"]["missing-page"], 1);

    let whole_messages: u64 = expected.values().sum();
    let letters = block_on(dead_letters(&env));
    assert_eq!(
        letters.len() as u64,
        whole_messages + 1,
        "plus the packed message's bad part"
    );
    for (code, count) in &expected {
        let found = letters
            .iter()
            .filter(|(reason, _)| reason.starts_with(&format!("{code}: ")))
            .count() as u64;
        assert_eq!(found, *count, "reason {code}");
    }
    let partial = letters
        .iter()
        .find(|(reason, _)| reason.contains("2 events of the message refused"))
        .expect("the packed message's bad events");
    assert!(
        partial.0.contains("#2 page must be a path"),
        "{}",
        partial.0
    );
    assert!(partial.0.contains("; #4 "), "{}", partial.0);

    env.ok(&["aggregate", "--day", "2021-03-13"]);
    assert_eq!(env.total(&["--day", "2021-03-13"]), good_events);
    let status = env.status();
    assert_eq!((status.queue.visible, status.queue.in_flight), (0, 0));
}

/// Bodies SQS would never accept (not UTF-8, empty), put straight into the local queue.
fn insert_raw_local(env: &Env, body: &[u8]) {
    let path = pageviews::backend::local::database_path(env.data_dir(), &env.name);
    let db = rusqlite::Connection::open(path).unwrap();
    db.execute(
        "INSERT INTO queue (message_id, sent_at_ms, visible_at_ms) VALUES ('raw', 0, 0)",
        [],
    )
    .unwrap();
    db.execute(
        "INSERT INTO queue_bodies (seq, body) VALUES (?1, ?2)",
        rusqlite::params![db.last_insert_rowid(), body],
    )
    .unwrap();
}
