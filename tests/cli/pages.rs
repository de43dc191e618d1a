//! One page, one spelling: the same page sent by `send`, a collector, a raw queue message or
//! stored before pages were normalised is one report row, and `report --page` finds it by any
//! of its spellings.

use std::collections::BTreeMap;

use pageviews::backend::DayCount;
use pageviews::model::count::{PageTally, Tally};
use pageviews::model::day::Day;
use pageviews::model::event::Event;

use crate::collector::{Collector, BROWSER, SITE};
use crate::harness::{block_on, line, Env, Kind};
use crate::on_both_backends;

on_both_backends!(
    one_page_sent_collected_and_drained_is_one_row,
    pages_stored_in_an_old_spelling_count_as_one_page,
);

const DAY: &str = "2021-03-13";
/// The page as a person writes it, and as a browser's `location.pathname` spells it.
const READABLE: &str = "/ünï/日本";
const ENCODED: &str = "/%C3%BCn%C3%AF/%E6%97%A5%E6%9C%AC";

fn at(hour: u32) -> String {
    format!("{DAY}T{hour:02}:00:00Z")
}

/// Views per page on `DAY`, from the JSON report (a page twice would be a split count).
fn rows_of(env: &Env, extra: &[&str]) -> Vec<(String, u64)> {
    let mut range = vec!["--day", DAY];
    range.extend_from_slice(extra);
    env.report(&range)
        .into_iter()
        .map(|row| (row.page, row.views))
        .collect()
}

fn one_page_sent_collected_and_drained_is_one_row(kind: Kind) {
    let env = Env::on(kind, &[]);
    let lines = [
        line(READABLE, &at(1), None),
        line("/../etc/passwd", &at(2), None),
        line("/%2e%2e/secret", &at(3), None),
    ];
    let input = env.write("views.ndjson", &(lines.join("\n") + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);

    // A replaying collector, so that its views land on the same day as the others.
    let collector = Collector::start(&env, &["--allow-origin", SITE, "--trust-client-time"]);
    for (page, hour) in [(ENCODED, 4), ("/../etc/passwd", 5), ("/%2e%2e/secret", 6)] {
        let body = serde_json::json!({ "page": page, "time": at(hour) }).to_string();
        let reply = collector.post(
            "/v1/view",
            &[("origin", SITE), ("user-agent", BROWSER)],
            &body,
        );
        assert_eq!(reply.status, 204, "{page}: {}", reply.text());
    }
    collector.stop_ok();

    // Messages as other producers put them on the queue: a beacon, an API Gateway event and a
    // packed array, each with the page spelt another way.
    let beacon = serde_json::json!({ "page": ENCODED.to_lowercase(), "time": at(7) });
    let gateway = serde_json::json!({
        "queryStringParameters": { "page": "/x/../ünï/./日本", "time": at(8) }
    });
    let packed = serde_json::json!([
        { "page": "/%2E%2E/etc/passwd", "time": at(9) },
        { "page": "/a/b/../../%2e%2e/secret", "time": at(10) },
    ]);
    block_on(async {
        let backend = env.open_backend().await;
        let bodies = [beacon, gateway, packed].map(|body| body.to_string());
        let sent = backend.queue.send_batch(&bodies).await.unwrap();
        assert!(sent.iter().all(Result::is_ok), "{sent:?}");
    });

    assert_eq!(env.drain(&[]).events_written, 10);
    env.ok(&["aggregate", "--day", DAY]);
    let expected = BTreeMap::from([
        ("/etc/passwd".to_string(), 3),
        ("/secret".to_string(), 3),
        (READABLE.to_string(), 4),
    ]);
    let rows = rows_of(&env, &[]);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows.into_iter().collect::<BTreeMap<_, _>>(), expected);
    for spelling in [READABLE, ENCODED, "/%c3%bcn%c3%af/./%e6%97%a5%e6%9c%ac"] {
        assert_eq!(
            rows_of(&env, &["--page", spelling]),
            [(READABLE.to_string(), 4)],
            "--page {spelling}"
        );
    }
    assert_eq!(
        rows_of(&env, &["--page", "/../etc/passwd"]),
        [("/etc/passwd".to_string(), 3)]
    );
}

fn event(id: &str, page: &str, time: &str) -> Event {
    Event {
        id: id.into(),
        page: page.into(),
        time: time.parse().unwrap(),
        ..Default::default()
    }
}

fn hours(slots: &[(usize, u64)]) -> PageTally {
    let mut hours = vec![0; 24];
    for (hour, views) in slots {
        hours[*hour] = *views;
    }
    PageTally {
        hours,
        visitors: 0,
        keyless: None,
        engagement: None,
    }
}

fn pages_stored_in_an_old_spelling_count_as_one_page(kind: Kind) {
    let env = Env::on(kind, &[]);
    let before = "2021-03-12";
    block_on(async {
        let backend = env.open_backend().await;
        // Raw events written as earlier versions stored them: `send` kept pages as given.
        let events = [
            event("o1", READABLE, &at(1)),
            event("o2", ENCODED, &at(1)),
            event("o3", &ENCODED.to_lowercase(), &at(2)),
            event("o4", "/a/../ünï/日本", &at(2)),
            event("o5", "/../etc/passwd", &at(3)),
            event("o6", "/etc/passwd", &at(3)),
        ];
        let message = pageviews::backend::MessageEvents {
            source: "old".into(),
            events: events.to_vec().into(),
        };
        backend.events.put_events(&[message]).await.unwrap();
        // Daily rows aggregated before the upgrade, for a day that is not counted again.
        let pages = BTreeMap::from([
            (ENCODED.to_string(), hours(&[(1, 2)])),
            (READABLE.to_string(), hours(&[(1, 1), (5, 3)])),
            ("/%2e%2e/secret".to_string(), hours(&[(0, 1)])),
            ("/secret".to_string(), hours(&[(0, 1)])),
        ]);
        let count = DayCount {
            day: Some(Day::parse(before).unwrap()),
            version: 0,
            tally: Tally {
                pages,
                ..Tally::default()
            },
            read_capacity_units: None,
            basis: None,
        };
        let day = Day::parse(before).unwrap();
        backend.daily.put_day(day, &count).await.unwrap();
    });

    let old_rows = env.report(&["--day", before]);
    let got: Vec<(&str, u64)> = old_rows
        .iter()
        .map(|row| (row.page.as_str(), row.views))
        .collect();
    assert_eq!(got, [(READABLE, 6), ("/secret", 2)]);
    let mut merged_hours = vec![0; 24];
    merged_hours[1] = 3;
    merged_hours[5] = 3;
    assert_eq!(old_rows[0].hours, merged_hours);
    let found = env.report(&["--day", before, "--page", ENCODED]);
    assert_eq!(found, old_rows[..1]);

    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(
        rows_of(&env, &[]),
        [(READABLE.to_string(), 4), ("/etc/passwd".to_string(), 2)]
    );
    assert_eq!(
        rows_of(&env, &["--page", READABLE]),
        [(READABLE.to_string(), 4)]
    );
}

/// A right-to-left override makes `/\u{202E}gnp.exe` show as `/exe.png`: whichever way it
/// comes in (a browser's escaped location, a campaign parameter, a raw character in NDJSON),
/// it is stored escaped, and no report or CSV carries it raw.
#[test]
fn bidi_and_invisible_characters_are_stored_escaped() {
    let env = Env::new();
    let raw = serde_json::json!({
        "page": "/\u{202e}gnp.exe",
        "time": at(1),
        "campaign": "spring\u{200b}",
    })
    .to_string();
    assert!(
        raw.contains('\u{202e}'),
        "the character itself, not a JSON escape"
    );
    let input = env.write("views.ndjson", &(raw + "\n"));
    env.ok(&["send", "--input", input.to_str().unwrap()]);
    let collector = Collector::start(&env, &["--allow-origin", SITE, "--trust-client-time"]);
    let body = serde_json::json!({
        "page": "/%E2%80%AEgnp.exe?utm_campaign=spring%E2%80%8B",
        "time": at(2),
    });
    let reply = collector.post(
        "/v1/view",
        &[("origin", SITE), ("user-agent", BROWSER)],
        &body.to_string(),
    );
    assert_eq!(reply.status, 204, "{}", reply.text());
    collector.stop_ok();
    assert_eq!(env.drain(&[]).events_written, 2);
    env.ok(&["aggregate", "--day", DAY]);
    assert_eq!(rows_of(&env, &[]), [("/%E2%80%AEgnp.exe".to_string(), 2)]);
    let csv = env.ok(&["report", "--day", DAY, "--format", "csv"]);
    assert!(csv.contains("/%E2%80%AEgnp.exe,2"), "{csv}");
    let campaigns = env.ok(&[
        "report", "--day", DAY, "--by", "campaign", "--format", "csv",
    ]);
    assert!(campaigns.contains("spring%E2%80%8B"), "{campaigns}");
    let mut shown = csv + &campaigns;
    shown.push_str(&env.ok(&["report", "--day", DAY]));
    for invisible in ['\u{202e}', '\u{200b}'] {
        assert!(!shown.contains(invisible), "{shown}");
    }
}
