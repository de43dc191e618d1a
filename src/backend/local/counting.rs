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
#[path = "counting_tests.rs"]
mod tests;
