//! Counting a day's raw events: in parts (`model::parts`: ranges of visitor keys, each exact on
//! its own), each on a thread and a connection of its own, all reading one snapshot of the
//! database, then added up; or in one part where parts cannot be had (one core, a file this
//! user cannot lock). A part alone is what `aggregate --parts N --part K` counts and stores.

use rusqlite::{Connection, OpenFlags};
use std::sync::LazyLock;

use super::store::{field_columns, kind_of};
use super::{connect, record, sqlite_error, Database, BUSY_TIMEOUT};
use crate::backend::{BackendError, BackendResult, DayCount};
use crate::model::count::{DayCounter, Tally};
use crate::model::day::Day;
use crate::model::dimension::Observed;
use crate::model::engagement::BEACON_FIELDS;
use crate::model::event::{Kind, FIELD_COUNT};
use crate::model::parts::Part;
use crate::model::seen::{beacon_key, SeenIds};
use crate::model::zone::Zone;

/// SQLite's page cache of a part's connection, in KiB. A count reads each page of the day
/// once, in key order: a larger cache would hold pages never read again (each connection's
/// cache is otherwise 32 MB).
const PART_CACHE_KIB: i64 = 4096;

/// How long a count in parts waits for a writer to let go before counting in one part.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// The day counted in `threads` parts (one when fewer can be had), exactly as in one.
pub(super) fn count_day(
    db: &Database,
    zone: Zone,
    day: Day,
    threads: usize,
) -> BackendResult<DayCount> {
    if threads > 1 {
        if let Some(snapshots) = db.snapshots(threads)? {
            return count_in_parts(db, snapshots, zone, day);
        }
    }
    count_one_part(db, zone, day, Part::WHOLE)
}

/// One part of the day, counted on a snapshot of its own: its counts at the day's version
/// then, the day's record included in the first part.
pub(super) fn count_one_part(
    db: &Database,
    zone: Zone,
    day: Day,
    part: Part,
) -> BackendResult<DayCount> {
    // A connection of its own, with a part's small cache, rather than the command's: a count
    // reads every page of the day once.
    let counted = count_part(&db.snapshot()?, zone, day, part);
    Ok(counted
        .map_err(|err| sqlite_error(&db.path, err))?
        .finish(day))
}

/// Counts each snapshot's part of the day on a thread of its own and adds the parts up.
fn count_in_parts(
    db: &Database,
    snapshots: Vec<Connection>,
    zone: Zone,
    day: Day,
) -> BackendResult<DayCount> {
    let parts = Part::all(snapshots.len() as u32);
    let counted: Vec<DayCount> = std::thread::scope(|scope| {
        let threads: Vec<_> = snapshots
            .into_iter()
            .zip(parts)
            .map(|(conn, part)| {
                scope.spawn(move || count_part(&conn, zone, day, part).map(|p| p.finish(day)))
            })
            .collect();
        threads
            .into_iter()
            .map(|thread| match thread.join() {
                Ok(counted) => counted.map_err(|err| sqlite_error(&db.path, err)),
                Err(_) => Err(BackendError::permanent("a counting thread stopped")),
            })
            .collect::<BackendResult<_>>()
    })?;
    // Each part was finished on its thread: what is left is adding the counts.
    let mut counted = counted.into_iter();
    let mut total = counted.next().expect("at least one part");
    for part in counted {
        debug_assert_eq!(total.version, part.version, "parts of one snapshot");
        total.tally.add(&part.tally);
    }
    Ok(total)
}

/// A part counted but not finished: the day's change version it saw, its counter, and (the
/// first part) the day's record.
struct PartCount {
    version: u64,
    counter: DayCounter,
    record: Option<Tally>,
}

impl PartCount {
    /// Its counts: the counter finished, with the record added (the raw events stored are those
    /// the record does not hold: deleted with it).
    fn finish(self, day: Day) -> DayCount {
        let mut tally = self.counter.finish();
        if let Some(record) = self.record {
            tally.add(&record);
        }
        DayCount {
            day: Some(day),
            version: self.version,
            tally,
            read_capacity_units: None,
            basis: None,
        }
    }
}

/// Counts the events of `part`'s visitors on `day` as `conn` sees the database; the first part
/// reads the day's record too.
fn count_part(conn: &Connection, zone: Zone, day: Day, part: Part) -> rusqlite::Result<PartCount> {
    let version: i64 = conn
        .query_row(
            "SELECT change_version FROM days WHERE day = ?1",
            [day.number()],
            |row| row.get(0),
        )
        .or_else(|err| match err {
            rusqlite::Error::QueryReturnedNoRows => Ok(0),
            err => Err(err),
        })?;
    let range = part.range();
    let mut select = conn.prepare_cached(&SELECT_OBSERVED)?;
    let mut rows = select.query(rusqlite::params![
        day.number(),
        range.from.as_deref(),
        range.until.as_deref()
    ])?;
    let started = std::time::Instant::now();
    let mut counter = DayCounter::new(zone, day);
    let (mut beacons, mut scratch) = (SeenIds::default(), Vec::new());
    while let Some(row) = rows.next()? {
        let observed = observed(row)?;
        // A beacon delivered twice arrived at two times: two rows of one id, derived from its
        // view's token (`collect::view`); counted once per visitor it came from.
        if let Some(id) = row.get_ref(BEACON_ID_COLUMN)?.as_str_or_null()? {
            if !beacons.insert_bytes(beacon_key(&mut scratch, id, observed.visitor)) {
                continue;
            }
        }
        counter.add(&observed);
    }
    tracing::debug!(%day, %part, seconds = started.elapsed().as_secs_f64(), "part of the day counted");
    let record = match part.is_first() {
        true => record::read(conn, day)?,
        false => None,
    };
    Ok(PartCount {
        version: version as u64,
        counter,
        record,
    })
}

impl Database {
    /// `count` new connections, each in a read transaction of one and the same snapshot: the
    /// newest committed state, as writers wait while they open. `None` where this user cannot
    /// hold writers back (a file it may only read): one part must then do.
    fn snapshots(&self, count: usize) -> BackendResult<Option<Vec<Connection>>> {
        let conn = self.lock();
        let readonly = conn
            .is_readonly(rusqlite::DatabaseName::Main)
            .map_err(|err| sqlite_error(&self.path, err))?;
        if readonly {
            return Ok(None);
        }
        // A writer holding the lock for long (a large drain's transaction) is not waited for
        // as long as a write would wait: counting in one part needs no lock.
        let lock = conn
            .busy_timeout(LOCK_WAIT)
            .and_then(|()| conn.execute_batch("BEGIN IMMEDIATE"));
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|err| sqlite_error(&self.path, err))?;
        match lock {
            Err(err) if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => {
                tracing::debug!("the database is being written; counting the day in one part");
                return Ok(None);
            }
            locked => locked.map_err(|err| sqlite_error(&self.path, err))?,
        }
        let opened: BackendResult<Vec<Connection>> = (0..count).map(|_| self.snapshot()).collect();
        conn.execute_batch("ROLLBACK")
            .map_err(|err| sqlite_error(&self.path, err))?;
        opened.map(Some)
    }

    /// A read-only connection in a read transaction whose snapshot is taken (a first read).
    fn snapshot(&self) -> BackendResult<Connection> {
        let conn = connect(&self.path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let begin = || -> rusqlite::Result<()> {
            conn.pragma_update(None, "cache_size", -PART_CACHE_KIB)?;
            conn.execute_batch("BEGIN")?;
            conn.query_row("SELECT count(*) FROM days", [], |_| Ok(()))
        };
        begin().map_err(|err| sqlite_error(&self.path, err))?;
        Ok(conn)
    }
}

/// What counting reads of a day's events of a range of visitors (the first range also those
/// without a key): page, time, visitor, kind, the fields the event has, each field, then an
/// engagement beacon's id (NULL for any other event: only beacons are told apart by id).
static SELECT_OBSERVED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT page, time_ms, visitor, kind, fields_present, {},
         CASE WHEN kind = 'engagement' THEN id END
         FROM events WHERE day = ?1 AND (?2 IS NULL OR visitor >= ?2)
         AND (?3 IS NULL OR visitor IS NULL OR visitor < ?3)",
        field_columns()
    )
});

/// Where `SELECT_OBSERVED` puts the fields an event has, its first field, and a beacon's id.
const FIELDS_PRESENT_COLUMN: usize = 4;
const FIRST_FIELD_COLUMN: usize = 5;
const BEACON_ID_COLUMN: usize = FIRST_FIELD_COLUMN + FIELD_COUNT;

/// Every field, a bit each as in `fields_present`: what a row stored before it was kept may
/// have.
const EVERY_FIELD: i64 = (1 << FIELD_COUNT) - 1;

/// The fields of `BEACON_FIELDS`, a bit each as in `fields_present`.
const BEACON_FIELD_BITS: i64 = {
    let mut bits = 0;
    let mut at = 0;
    while at < BEACON_FIELDS.len() {
        bits |= 1 << BEACON_FIELDS[at].index();
        at += 1;
    }
    bits
};

/// A raw event row as counting sees it, borrowed from the row.
fn observed<'a>(row: &'a rusqlite::Row<'_>) -> rusqlite::Result<Observed<'a>> {
    let text = |column: usize| -> rusqlite::Result<Option<&'a str>> {
        Ok(row.get_ref(column)?.as_str_or_null()?)
    };
    let kind = kind_of(text(3)?);
    let mut fields = [None; FIELD_COUNT];
    // Only the fields the event has are read: most of a view's fields are empty, and half of
    // a day's rows may be engagement beacons, of whose fields counting reads three. Reading
    // every field of every row took a tenth of an aggregation.
    let present: Option<i64> = row.get(FIELDS_PRESENT_COLUMN)?;
    let mut present = present.unwrap_or(EVERY_FIELD);
    if kind == Kind::Engagement {
        present &= BEACON_FIELD_BITS;
    }
    while present != 0 {
        let at = present.trailing_zeros() as usize;
        present &= present - 1;
        if let Some(value) = fields.get_mut(at) {
            *value = text(FIRST_FIELD_COLUMN + at)?;
        }
    }
    Ok(Observed {
        page: row.get_ref(0)?.as_str()?,
        time_ms: row.get(1)?,
        visitor: text(2)?,
        kind,
        fields,
    })
}

#[cfg(test)]
mod tests {
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
}
