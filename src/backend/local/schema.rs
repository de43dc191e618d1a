//! The local database's tables, created by `init`, and the settings recorded with them.

use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::time::Duration;

use super::migrations::migrate;
use super::{sqlite_error, DEFAULT_VISIBILITY_TIMEOUT};
use crate::backend::zone_refusal;
use crate::backend::{
    BackendError, BackendResult, InitOptions, ResourceReport, ResourceState, DEFAULT_MAX_RECEIVES,
};
use crate::model::event::Field;
use crate::model::zone::Zone;

/// Bumped when the tables change shape; `open` upgrades an older database (`migrations.rs`) and
/// refuses a newer one.
pub(super) const SCHEMA_VERSION: u64 = 9;

/// The columns of a page's daily row after its views, hours and visitors, and its key:
/// `daily` and `record_daily` hold the same rows (a record keeps them as they were).
macro_rules! daily_row_rest {
    () => {
        "    keyless       INTEGER,
    entries       INTEGER,
    exits         INTEGER,
    bounces       INTEGER,
    engaged_ms    INTEGER,
    engaged_views INTEGER,
    scroll_25     INTEGER,
    scroll_50     INTEGER,
    scroll_75     INTEGER,
    scroll_100    INTEGER,
    PRIMARY KEY (day, page)
) WITHOUT ROWID;
"
    };
}

/// The columns of a breakdown's row and its key: `breakdowns` and `record_breakdowns` hold
/// the same rows.
macro_rules! breakdown_row {
    () => {
        "    day        INTEGER NOT NULL,
    dimension  TEXT NOT NULL,
    key        TEXT NOT NULL,
    views      INTEGER NOT NULL,
    visitors   INTEGER NOT NULL,
    PRIMARY KEY (day, dimension, key)
) WITHOUT ROWID;
"
    };
}

const TABLES: &str = concat!(
    "
CREATE TABLE IF NOT EXISTS settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
-- The queue: a message is visible when visible_at_ms has passed; receiving it moves that
-- deadline forward, counts the receive and issues a new receipt.
CREATE TABLE IF NOT EXISTS queue (
    seq            INTEGER PRIMARY KEY,
    message_id     TEXT NOT NULL,
    sent_at_ms     INTEGER NOT NULL,
    visible_at_ms  INTEGER NOT NULL,
    receive_count  INTEGER NOT NULL DEFAULT 0,
    receipt        TEXT
);
-- A queued message's body, under its queue row's seq: written once when sent, read when
-- received, deleted with the message. Apart from the row a receive updates, which would
-- otherwise rewrite the whole body (up to 1 MiB) at every receive.
CREATE TABLE IF NOT EXISTS queue_bodies (
    seq   INTEGER PRIMARY KEY,
    body  BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS dead_letters (
    seq                 INTEGER PRIMARY KEY,
    message_id          TEXT NOT NULL,
    body                BLOB NOT NULL,
    reason              TEXT NOT NULL,
    receive_count       INTEGER NOT NULL,
    dead_lettered_at_ms INTEGER NOT NULL
);
-- Raw events, keyed so the same event written twice is one row and one day is one range.
-- Time before page: views arrive roughly in time order, so inserts append to the B-tree.
-- `day` is the calendar day of the deployment's time zone; `visitor` the opaque visitor key
-- (NULL for views that came without one); `kind` NULL for a page view, else 'download',
-- 'event' or 'engagement'; `fields_present` which optional fields the event has, a bit each
-- (`1 << Field::index`), so that counting reads only those (NULL in rows stored before it was
-- kept: every field is read). Then a column per optional field of the event
-- (`model::event::FIELDS`: name, referrer, source, medium, campaign, variant, ...), added by
-- `add_field_columns`, NULL when absent.
CREATE TABLE IF NOT EXISTS events (
    day       INTEGER NOT NULL,
    time_ms   INTEGER NOT NULL,
    page      TEXT NOT NULL,
    id        TEXT NOT NULL,
    visitor   TEXT,
    kind      TEXT,
    fields_present INTEGER,
    PRIMARY KEY (day, time_ms, page, id)
) WITHOUT ROWID;
-- Per day: how often its raw events changed, which change the daily rows reflect.
CREATE TABLE IF NOT EXISTS days (
    day                 INTEGER PRIMARY KEY,
    events              INTEGER NOT NULL DEFAULT 0,
    change_version      INTEGER NOT NULL DEFAULT 0,
    aggregated_version  INTEGER,
    aggregated_at_ms    INTEGER,
    views               INTEGER,
    pages               INTEGER,
    visitors            INTEGER,
    keyless             INTEGER,
    -- Set when the day's raw events were deleted after being counted at this version.
    deleted_version     INTEGER,
    -- The day's record: the version counted when its raw events were deleted, and the views,
    -- site visitors and views without a key then (its rows are in record_daily and
    -- record_breakdowns). Counts add the raw events stored since to it.
    record_version      INTEGER,
    record_views        INTEGER,
    record_visitors     INTEGER,
    record_keyless      INTEGER,
    -- The change version from which each change also marked the shards it touched in
    -- day_shards (NULL: none since; 0: every change).
    shards_marked_from  INTEGER
);
-- Per day and shard of visitor keys (model/parts.rs), the day's change version when a change
-- last touched the shard: which parts counted earlier still hold.
CREATE TABLE IF NOT EXISTS day_shards (
    day              INTEGER NOT NULL,
    shard            INTEGER NOT NULL,
    changed_version  INTEGER NOT NULL,
    PRIMARY KEY (day, shard)
) WITHOUT ROWID;
-- A day's parts counted on their own (`aggregate --parts N --part K`): each part's counts, as
-- JSON, at the day's change version it counted; added up into the daily rows once every part
-- of the day is current. Deleted with the day's raw events (the record then holds them).
CREATE TABLE IF NOT EXISTS day_parts (
    day            INTEGER NOT NULL,
    parts          INTEGER NOT NULL,
    part           INTEGER NOT NULL,
    version        INTEGER NOT NULL,
    counted_at_ms  INTEGER NOT NULL,
    counts         TEXT NOT NULL,
    PRIMARY KEY (day, parts, part)
) WITHOUT ROWID;
-- A page's views (per hour), distinct visitors, and views without a visitor key (NULL in rows
-- counted before pages kept that number); its engagement: entries, exits and bounces of
-- visits, engaged time and the views it is known for, views that scrolled to 25, 50, 75 and
-- 100% (NULL in rows counted before pages kept them).
CREATE TABLE IF NOT EXISTS daily (
    day           INTEGER NOT NULL,
    page          TEXT NOT NULL,
    views         INTEGER NOT NULL,
    hours         TEXT NOT NULL,
    visitors      INTEGER NOT NULL DEFAULT 0,
",
    daily_row_rest!(),
    "-- The rows of days' records: their daily and breakdown rows as they were when the days' raw
-- events were deleted.
CREATE TABLE IF NOT EXISTS record_daily (
    day           INTEGER NOT NULL,
    page          TEXT NOT NULL,
    views         INTEGER NOT NULL,
    hours         TEXT NOT NULL,
    visitors      INTEGER NOT NULL,
",
    daily_row_rest!(),
    "CREATE TABLE IF NOT EXISTS record_breakdowns (
",
    breakdown_row!(),
    "-- Per day, the breakdowns beside the pages: views and distinct visitors by referrer, source,
-- campaign, download, event, variant and goal (model/dimension.rs).
CREATE TABLE IF NOT EXISTS breakdowns (
",
    breakdown_row!(),
    "-- One random salt per day of the time zone, shared by the collectors; deleted once the day
-- before it is over too (and so never older than 48 hours past its day).
CREATE TABLE IF NOT EXISTS salts (
    day         INTEGER PRIMARY KEY,
    salt        BLOB NOT NULL,
    expires_ms  INTEGER NOT NULL
);
",
);

/// Settings recorded at `init`.
pub(super) struct Settings {
    pub version: u64,
    pub visibility_timeout: Duration,
    pub max_receives: u32,
    pub zone: Zone,
    /// Days raw events are kept once counted; `None`: for ever.
    pub retention_days: Option<u32>,
}

/// Creates what is missing and reports what was there, with the settings asked for that
/// differ from the existing ones.
pub(super) fn provision(
    conn: &mut Connection,
    path: &Path,
    name: &str,
    options: &InitOptions,
) -> BackendResult<Vec<ResourceReport>> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(|err| sqlite_error(path, err))?;
    let existed = tx
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'settings'",
            [],
            |row| row.get::<_, i64>(0),
        )
        .map_err(|err| sqlite_error(path, err))?
        > 0;
    if existed {
        migrate(&tx, path)?;
    }
    create_tables(&tx, path)?;
    let queue_differences = if existed {
        let current = read_settings(&tx).map_err(BackendError::permanent)?;
        let mut differences = differences(&current, options);
        differences.extend(change_zone(&tx, path, current.zone, options.time_zone)?);
        differences.extend(
            change_retention(&tx, current.retention_days, options.retention_days)
                .map_err(|err| sqlite_error(path, err))?,
        );
        differences
    } else {
        record_settings(&tx, name, options).map_err(|err| sqlite_error(path, err))?;
        Vec::new()
    };
    tx.commit().map_err(|err| sqlite_error(path, err))?;
    let state = if existed {
        ResourceState::Exists
    } else {
        ResourceState::Created
    };
    Ok(reports(name, state, queue_differences))
}

/// The tables this pageviews uses that do not exist yet, and the columns it stores events'
/// optional fields in.
pub(super) fn create_tables(tx: &rusqlite::Transaction<'_>, path: &Path) -> BackendResult<()> {
    tx.execute_batch(TABLES)
        .and_then(|()| tx.execute_batch(super::imported::IMPORTED_OBJECTS_TABLE))
        .and_then(|()| add_field_columns(tx))
        .map_err(|err| sqlite_error(path, err))
}

/// The optional fields (`FIELDS`) the events table has no column for: a field added to the
/// table since the database was made gets its column when a newer pageviews first opens it.
pub(super) fn missing_field_columns(conn: &Connection) -> rusqlite::Result<Vec<&'static str>> {
    let mut columns = conn.prepare("SELECT name FROM pragma_table_info('events')")?;
    let present: Vec<String> = columns
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Field::all()
        .map(Field::name)
        .filter(|name| !present.iter().any(|column| column == name))
        .collect())
}

fn add_field_columns(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    for column in missing_field_columns(tx)? {
        tx.execute_batch(&format!("ALTER TABLE events ADD COLUMN {column} TEXT"))?;
    }
    Ok(())
}

/// Sets the time zone asked for. Days already stored were cut at the old zone's midnights, so
/// a deployment that holds events keeps its zone: asking for another is refused.
fn change_zone(
    tx: &rusqlite::Transaction<'_>,
    path: &Path,
    current: Zone,
    asked: Option<Zone>,
) -> BackendResult<Option<String>> {
    let Some(asked) = asked.filter(|asked| *asked != current) else {
        return Ok(None);
    };
    let holds_events: bool = tx
        .query_row("SELECT EXISTS (SELECT 1 FROM days)", [], |row| row.get(0))
        .map_err(|err| sqlite_error(path, err))?;
    if holds_events {
        return Err(BackendError::refused(zone_refusal(current, asked)));
    }
    tx.execute(
        "UPDATE settings SET value = ?1 WHERE key = 'time_zone'",
        [asked.name()],
    )
    .map_err(|err| sqlite_error(path, err))?;
    Ok(Some(format!(
        "time zone changed from {current} to {asked} (it held no events)"
    )))
}

/// Sets the retention asked for. Unlike the zone it may change at any time: it only says which
/// counted days `aggregate` and `prune` may delete raw events of.
fn change_retention(
    tx: &rusqlite::Transaction<'_>,
    current: Option<u32>,
    asked: Option<u32>,
) -> rusqlite::Result<Option<String>> {
    let Some(asked) = asked.filter(|asked| Some(*asked) != current) else {
        return Ok(None);
    };
    tx.execute(
        "INSERT INTO settings (key, value) VALUES ('retention_days', ?1)
         ON CONFLICT (key) DO UPDATE SET value = ?1",
        [asked.to_string()],
    )?;
    let before = current.map_or("for ever".to_owned(), |days| format!("{days} days"));
    Ok(Some(format!(
        "raw events are now kept {asked} days once counted (were {before})"
    )))
}

/// The settings asked for that the existing queue does not have (they are kept as they are).
fn differences(current: &Settings, asked: &InitOptions) -> Vec<String> {
    let mut differences = Vec::new();
    if let Some(asked) = asked.visibility_timeout {
        if current.visibility_timeout != asked {
            differences.push(format!(
                "visibility timeout is {} s, not {} s (kept)",
                current.visibility_timeout.as_secs(),
                asked.as_secs()
            ));
        }
    }
    if let Some(asked) = asked.max_receives {
        if current.max_receives != asked {
            differences.push(format!(
                "max receives is {}, not {asked} (kept)",
                current.max_receives
            ));
        }
    }
    differences
}

/// The four resources of a deployment, all in one state.
pub(super) fn reports(
    name: &str,
    state: ResourceState,
    queue_differences: Vec<String>,
) -> Vec<ResourceReport> {
    let report = |kind, name: String, differences| ResourceReport {
        kind,
        name,
        state,
        differences,
    };
    vec![
        report("queue", format!("{name}-events"), queue_differences),
        report(
            "dead-letter queue",
            format!("{name}-events-dlq"),
            Vec::new(),
        ),
        report("events table", format!("{name}-events"), Vec::new()),
        report("daily table", format!("{name}-daily"), Vec::new()),
    ]
}

fn record_settings(
    tx: &rusqlite::Transaction<'_>,
    name: &str,
    options: &InitOptions,
) -> rusqlite::Result<()> {
    let mut put = tx.prepare("INSERT INTO settings (key, value) VALUES (?1, ?2)")?;
    put.execute(params!["schema_version", SCHEMA_VERSION.to_string()])?;
    put.execute(params!["name", name])?;
    let visibility = options
        .visibility_timeout
        .unwrap_or(DEFAULT_VISIBILITY_TIMEOUT);
    let max_receives = options.max_receives.unwrap_or(DEFAULT_MAX_RECEIVES);
    put.execute(params![
        "visibility_timeout_s",
        visibility.as_secs().to_string()
    ])?;
    put.execute(params!["max_receives", max_receives.to_string()])?;
    put.execute(params![
        "time_zone",
        options.time_zone.unwrap_or_default().name()
    ])?;
    if let Some(days) = options.retention_days {
        put.execute(params!["retention_days", days.to_string()])?;
    }
    Ok(())
}

/// Reads the settings table, checking the schema version.
pub(super) fn read_settings(conn: &Connection) -> Result<Settings, String> {
    let number = |key: &str| -> Result<u64, String> {
        let value: Option<String> = conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()
            .map_err(|err| err.to_string())?;
        value
            .and_then(|value| value.parse().ok())
            .ok_or_else(|| format!("setting {key} is missing or not a number"))
    };
    let version = number("schema_version")?;
    if version == 0 || version > SCHEMA_VERSION {
        return Err(format!(
            "schema version {version}; this pageviews understands 1 to {SCHEMA_VERSION}: use a \
             newer pageviews"
        ));
    }
    let text = |key: &str| -> Result<Option<String>, String> {
        conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()
        .map_err(|err| err.to_string())
    };
    let zone = text("time_zone")?;
    let retention_days = match text("retention_days")? {
        None => None,
        Some(days) => Some(
            days.parse()
                .map_err(|_| "setting retention_days is not a number")?,
        ),
    };
    Ok(Settings {
        version,
        visibility_timeout: Duration::from_secs(number("visibility_timeout_s")?),
        max_receives: u32::try_from(number("max_receives")?).unwrap_or(u32::MAX),
        zone: zone.as_deref().map_or(Ok(Zone::UTC), Zone::parse)?,
        retention_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::local;
    use crate::model::fixtures::{day, event};

    /// The tables and settings of the first pageviews (schema version 1).
    const VERSION_1: &str = "
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE queue (seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL,
            body BLOB NOT NULL, sent_at_ms INTEGER NOT NULL, visible_at_ms INTEGER NOT NULL,
            receive_count INTEGER NOT NULL DEFAULT 0, receipt TEXT);
        CREATE TABLE dead_letters (seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL,
            body BLOB NOT NULL, reason TEXT NOT NULL, receive_count INTEGER NOT NULL,
            dead_lettered_at_ms INTEGER NOT NULL);
        CREATE TABLE events (day INTEGER NOT NULL, time_ms INTEGER NOT NULL,
            page TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (day, time_ms, page, id))
            WITHOUT ROWID;
        CREATE TABLE days (day INTEGER PRIMARY KEY, events INTEGER NOT NULL DEFAULT 0,
            change_version INTEGER NOT NULL DEFAULT 0, aggregated_version INTEGER,
            aggregated_at_ms INTEGER, views INTEGER, pages INTEGER);
        CREATE TABLE daily (day INTEGER NOT NULL, page TEXT NOT NULL, views INTEGER NOT NULL,
            hours TEXT NOT NULL, PRIMARY KEY (day, page)) WITHOUT ROWID;
        INSERT INTO settings VALUES ('schema_version', '1'), ('name', 't'),
            ('visibility_timeout_s', '30'), ('max_receives', '5');
        INSERT INTO events VALUES (18699, 1615636800000, '/old', 'o1');
        INSERT INTO days (day, events, change_version) VALUES (18699, 1, 1);
        INSERT INTO queue (message_id, body, sent_at_ms, visible_at_ms)
            VALUES ('q1', X'5B5D', 0, 0), ('q2', X'7B7D', 0, 0);
    ";

    #[tokio::test]
    async fn a_database_of_the_first_version_is_upgraded_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = local::database_path(dir.path(), "t");
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute_batch(VERSION_1)
            .unwrap();
        let backend = local::open(dir.path(), "t").unwrap();
        assert_eq!(backend.zone, Zone::UTC);
        // What was queued is still there, bodies and all (they moved to a table of their own).
        let queued = backend.queue.receive(Default::default()).await.unwrap();
        let queued: Vec<(&str, &[u8])> = (queued.iter())
            .map(|m| (m.message_id.as_str(), m.body.as_slice()))
            .collect();
        assert_eq!(queued, [("q1", &b"[]"[..]), ("q2", &b"{}"[..])]);
        let fresh = event("n1", "/new", "2021-03-13T13:00:00Z");
        let message = crate::backend::MessageEvents {
            source: "m1".into(),
            events: vec![fresh].into(),
        };
        backend.events.put_events(&[message]).await.unwrap();
        let count = backend.events.count_day(day("2021-03-13")).await.unwrap();
        assert_eq!(count.tally.pages.len(), 2);
        assert_eq!(count.views(), 2);
        let version = read_settings(&rusqlite::Connection::open(&path).unwrap())
            .unwrap()
            .version;
        assert_eq!(version, SCHEMA_VERSION);
        assert!(backend.salts.salt_days().await.unwrap().is_empty());
        assert_eq!(
            page_size(&path),
            4_096,
            "a database keeps the page size it was made with"
        );
    }

    fn page_size(path: &Path) -> i64 {
        rusqlite::Connection::open(path)
            .unwrap()
            .query_row("PRAGMA page_size", [], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn a_new_database_has_pages_of_16_kib_in_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        local::test_backend(dir.path());
        let path = local::database_path(dir.path(), "t");
        assert_eq!(page_size(&path), 16_384);
        let mode: String = rusqlite::Connection::open(&path)
            .unwrap()
            .query_row("PRAGMA journal_mode", [], |row| row.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    /// A day of version 4's database, 2021-03-13, counted (3 views of /a) and its raw events
    /// deleted as version 4 deleted them, its rows its only record; then a late view of /b.
    #[test]
    fn a_day_deleted_before_records_existed_adds_its_late_events_to_its_rows() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let message = |id: &str, page: &str| crate::backend::MessageEvents {
            source: id.into(),
            events: vec![event(id, page, "2021-03-13T13:00:00Z")].into(),
        };
        runtime.block_on(async {
            let backend = local::test_backend(dir.path());
            let messages = [
                message("e1", "/a"),
                message("e2", "/a"),
                message("e3", "/a"),
            ];
            backend.events.put_events(&messages).await.unwrap();
            let count = backend.events.count_day(day("2021-03-13")).await.unwrap();
            backend
                .daily
                .put_day(day("2021-03-13"), &count)
                .await
                .unwrap();
        });
        let db = Connection::open(local::database_path(dir.path(), "t")).unwrap();
        db.execute_batch(
            "DELETE FROM events;
             ALTER TABLE events DROP COLUMN fields_present;
             DROP TABLE queue_bodies;
             ALTER TABLE queue ADD COLUMN body BLOB NOT NULL DEFAULT x'';
             UPDATE days SET events = 0, deleted_version = aggregated_version;
             DROP TABLE record_daily; DROP TABLE record_breakdowns;
             CREATE TABLE days_4 (day INTEGER PRIMARY KEY, events INTEGER NOT NULL DEFAULT 0,
                 change_version INTEGER NOT NULL DEFAULT 0, aggregated_version INTEGER,
                 aggregated_at_ms INTEGER, views INTEGER, pages INTEGER, visitors INTEGER,
                 keyless INTEGER, deleted_version INTEGER);
             INSERT INTO days_4 SELECT day, events, change_version, aggregated_version,
                 aggregated_at_ms, views, pages, visitors, keyless, deleted_version FROM days;
             DROP TABLE days; ALTER TABLE days_4 RENAME TO days;
             CREATE TABLE daily_4 (day INTEGER NOT NULL, page TEXT NOT NULL,
                 views INTEGER NOT NULL, hours TEXT NOT NULL,
                 visitors INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, page)) WITHOUT ROWID;
             INSERT INTO daily_4 SELECT day, page, views, hours, visitors FROM daily;
             DROP TABLE daily; ALTER TABLE daily_4 RENAME TO daily;
             UPDATE settings SET value = '4' WHERE key = 'schema_version';",
        )
        .unwrap();
        drop(db);
        runtime.block_on(async {
            let backend = local::open(dir.path(), "t").unwrap();
            backend
                .events
                .put_events(&[message("l1", "/b")])
                .await
                .unwrap();
            let count = backend.events.count_day(day("2021-03-13")).await.unwrap();
            assert_eq!(count.views(), 4);
            assert_eq!(count.tally.pages["/a"].views(), 3);
            assert_eq!(count.tally.pages["/b"].views(), 1);
            let statuses = backend.daily.day_statuses(None).await.unwrap();
            assert_eq!(statuses[0].raw.deleted_views, 3);
            assert!(statuses[0].is_pending() && statuses[0].has_raw_events());
        });
    }
}
