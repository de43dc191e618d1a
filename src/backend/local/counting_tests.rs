//! Tests of a day counted from SQLite, in one part or several.

use super::*;
use crate::backend::local::{connect_existing, database_path, test_backend};
use crate::backend::MessageEvents;
use crate::model::event::{Event, Field, Fields};
use crate::model::fixtures::{day, time};
use std::collections::HashSet;
use std::sync::Mutex;

fn database(dir: &std::path::Path) -> Database {
    let path = database_path(dir, "t");
    Database {
        conn: Mutex::new(connect_existing(&path).unwrap()),
        path,
    }
}

/// `count` views of a day by 900 visitors (keys of 16 hex digits spread over their range,
/// and some of other text), every seventh without a key; each second view with its
/// engagement beacon, each fifth with a referrer and a country; a download per 50 views.
fn mixed_day(on: &str, count: usize) -> Vec<Event> {
    let start = time(&format!("{on}T00:00:00Z"));
    let mut events = Vec::new();
    for n in 0..count {
        let person = (n * 7_919) % 900;
        let visitor = match (n % 7, person % 10) {
            (0, _) => None,
            (_, 0) => Some(format!("visitor-{person}")),
            _ => Some(format!(
                "{:016x}",
                (person as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
            )),
        };
        let at = start + chrono::Duration::seconds((n * 86_000 / count) as i64);
        let mut fields = Fields::default();
        if n % 5 == 0 {
            fields = fields
                .with(Field::Referrer, &format!("site{}.example", n % 13))
                .with(Field::Country, ["DE", "FR", "US"][n % 3]);
        }
        let view = Event {
            id: format!("v{n}"),
            page: format!("/page-{}", n % 40),
            time: at,
            visitor,
            kind: Kind::View,
            fields,
        };
        if n % 2 == 0 {
            let engaged = Fields::default()
                .with(Field::EngagedMs, &(1_000 * (n % 90)).to_string())
                .with(Field::Scroll, &(n % 101).to_string());
            events.push(Event {
                id: format!("v{n}.0"),
                time: at + chrono::Duration::seconds(30),
                kind: Kind::Engagement,
                fields: engaged,
                ..view.clone()
            });
        }
        if n % 50 == 0 {
            events.push(Event {
                id: format!("d{n}"),
                page: "/files/report.pdf".into(),
                kind: Kind::Download,
                fields: Fields::default(),
                ..view.clone()
            });
        }
        events.push(view);
    }
    events
}

async fn store(backend: &crate::backend::Backend, events: Vec<Event>) {
    let messages: Vec<MessageEvents> = events
        .chunks(500)
        .enumerate()
        .map(|(at, events)| MessageEvents {
            source: format!("m{at}"),
            events: events.to_vec().into(),
        })
        .collect();
    backend.events.put_events(&messages).await.unwrap();
}

#[tokio::test]
async fn a_day_counted_in_parts_is_the_day_counted_in_one() {
    let dir = tempfile::tempdir().unwrap();
    let backend = test_backend(dir.path());
    let on = day("2021-03-13");
    let events = mixed_day("2021-03-13", 6_000);
    let views = events.iter().filter(|e| e.kind == Kind::View).count() as u64;
    let events_views_without_key = events
        .iter()
        .filter(|e| e.kind == Kind::View && e.visitor.is_none())
        .count() as u64;
    let visitors: HashSet<_> = events
        .iter()
        .filter(|e| e.kind == Kind::View)
        .filter_map(|e| e.visitor.clone())
        .collect();
    store(&backend, events).await;
    let db = database(dir.path());
    let one = count_day(&db, Zone::UTC, on, 1).unwrap();
    assert_eq!(one.views(), views);
    assert_eq!(one.tally.visitors, visitors.len() as u64);
    assert_eq!((views, events_views_without_key), (6_000, 858));
    assert_eq!(one.tally.keyless_views, events_views_without_key);
    let beacons: u64 = one
        .tally
        .pages
        .values()
        .map(|page| page.engagement.unwrap().engaged_views)
        .sum();
    assert_eq!(beacons, 3_000);
    assert!(one.tally.breakdowns.len() > 10, "breakdowns counted");
    for parts in 2..=4 {
        let counted = count_day(&db, Zone::UTC, on, parts).unwrap();
        assert_eq!(counted.tally, one.tally, "{parts} parts");
        assert_eq!(counted.version, one.version);
    }
}

#[tokio::test]
async fn rows_stored_before_events_kept_their_fields_present_count_every_field() {
    let dir = tempfile::tempdir().unwrap();
    let on = day("2021-03-13");
    let events = mixed_day("2021-03-13", 3_000);
    let (early, late) = events.split_at(events.len() / 2);
    let backend = test_backend(dir.path());
    store(&backend, events.clone()).await;
    let whole = count_day(&database(dir.path()), Zone::UTC, on, 2).unwrap();
    assert!(
        whole.tally.breakdowns.len() > 10,
        "referrers, countries, downloads"
    );
    drop(backend);
    // The first half as a database of version 7 holds it: without the column.
    let dir = tempfile::tempdir().unwrap();
    let backend = test_backend(dir.path());
    store(&backend, early.to_vec()).await;
    drop(backend);
    connect_existing(&database_path(dir.path(), "t"))
        .unwrap()
        .execute_batch(
            "ALTER TABLE events DROP COLUMN fields_present;
             DROP TABLE queue_bodies;
             ALTER TABLE queue ADD COLUMN body BLOB NOT NULL DEFAULT x'';
             UPDATE settings SET value = '7' WHERE key = 'schema_version';",
        )
        .unwrap();
    let backend = crate::backend::local::open(dir.path(), "t").unwrap();
    store(&backend, late.to_vec()).await;
    let unknown: i64 = connect_existing(&database_path(dir.path(), "t"))
        .unwrap()
        .query_row(
            "SELECT count(*) FROM events WHERE fields_present IS NULL",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(unknown as usize, early.len());
    for parts in [1, 2] {
        let counted = count_day(&database(dir.path()), Zone::UTC, on, parts).unwrap();
        assert_eq!(counted.tally, whole.tally, "{parts} parts");
    }
}

#[tokio::test]
async fn a_day_being_written_is_counted_in_one_part_without_waiting_for_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let backend = test_backend(dir.path());
    let on = day("2021-03-13");
    let events = mixed_day("2021-03-13", 300);
    store(&backend, events).await;
    let writer = connect_existing(&database_path(dir.path(), "t")).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let db = database(dir.path());
    let started = std::time::Instant::now();
    let counted = count_day(&db, Zone::UTC, on, 3).unwrap();
    assert!(
        started.elapsed() < BUSY_TIMEOUT,
        "did not wait for the writer"
    );
    assert_eq!(counted.views(), 300);
    writer.execute_batch("ROLLBACK").unwrap();
    assert_eq!(
        count_day(&db, Zone::UTC, on, 3).unwrap().tally,
        counted.tally
    );
}

#[tokio::test]
async fn a_beacon_stored_under_two_visitors_keys_counts_for_each_whole_or_in_parts() {
    let dir = tempfile::tempdir().unwrap();
    let backend = test_backend(dir.path());
    let (first, last) = ("0000000000000001", "f000000000000000");
    let event = |id: &str, at: &str, visitor: &str, kind: Kind, fields: Fields| Event {
        id: id.into(),
        page: "/a".into(),
        time: time(at),
        visitor: Some(visitor.into()),
        kind,
        fields,
    };
    let engaged = || {
        Fields::default()
            .with(Field::EngagedMs, "5000")
            .with(Field::Scroll, "50")
    };
    // The beacon arrived twice, the second time from another address (another key, in
    // another part): counted once per visitor key, so each part counts its own.
    store(
        &backend,
        vec![
            event(
                "v1",
                "2021-03-13T10:00:00Z",
                first,
                Kind::View,
                Fields::default(),
            ),
            event(
                "v2",
                "2021-03-13T10:00:00Z",
                last,
                Kind::View,
                Fields::default(),
            ),
            event(
                "b1",
                "2021-03-13T10:01:00Z",
                first,
                Kind::Engagement,
                engaged(),
            ),
            event(
                "b1",
                "2021-03-13T10:02:00Z",
                last,
                Kind::Engagement,
                engaged(),
            ),
        ],
    )
    .await;
    let db = database(dir.path());
    let on = day("2021-03-13");
    let one = count_day(&db, Zone::UTC, on, 1).unwrap();
    let engagement = one.tally.pages["/a"].engagement.unwrap();
    assert_eq!(
        (engagement.engaged_ms, engagement.engaged_views),
        (10_000, 2)
    );
    assert_eq!(count_day(&db, Zone::UTC, on, 2).unwrap().tally, one.tally);
    let mut summed = count_one_part(&db, Zone::UTC, on, Part::new(2, 0).unwrap()).unwrap();
    let second = count_one_part(&db, Zone::UTC, on, Part::new(2, 1).unwrap()).unwrap();
    assert_eq!(summed.views(), 1, "one view in each part");
    summed.tally.add(&second.tally);
    assert_eq!(summed.tally, one.tally);
}
