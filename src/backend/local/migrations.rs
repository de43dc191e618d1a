//! Upgrading a local database made by an older pageviews: what turns each schema version into
//! the next, run in order when a newer pageviews first opens it.

use std::path::Path;

use super::schema::{create_tables, read_settings};
use super::sqlite_error;
use crate::backend::{BackendError, BackendResult};

/// What turns a database of version N into N + 1, at index N - 1.
const MIGRATIONS: &[&str] = &[
    "
ALTER TABLE events ADD COLUMN visitor TEXT;
ALTER TABLE daily ADD COLUMN visitors INTEGER NOT NULL DEFAULT 0;
ALTER TABLE days ADD COLUMN visitors INTEGER;
ALTER TABLE days ADD COLUMN keyless INTEGER;
INSERT OR IGNORE INTO settings (key, value) VALUES ('time_zone', 'UTC');
",
    "
ALTER TABLE events ADD COLUMN kind TEXT;
ALTER TABLE events ADD COLUMN name TEXT;
ALTER TABLE events ADD COLUMN referrer TEXT;
ALTER TABLE events ADD COLUMN source TEXT;
ALTER TABLE events ADD COLUMN medium TEXT;
ALTER TABLE events ADD COLUMN campaign TEXT;
ALTER TABLE events ADD COLUMN variant TEXT;
",
    "
ALTER TABLE days ADD COLUMN deleted_version INTEGER;
",
    // Pages keep their views without a visitor key; a day whose raw events were deleted keeps
    // its counts as its record. A day deleted before had its rows as its only record: they
    // become its record now, so late events stored since are added to them.
    "
ALTER TABLE daily ADD COLUMN keyless INTEGER;
ALTER TABLE days ADD COLUMN record_version INTEGER;
ALTER TABLE days ADD COLUMN record_views INTEGER;
ALTER TABLE days ADD COLUMN record_visitors INTEGER;
ALTER TABLE days ADD COLUMN record_keyless INTEGER;
CREATE TABLE IF NOT EXISTS record_daily (
    day INTEGER NOT NULL, page TEXT NOT NULL, views INTEGER NOT NULL, hours TEXT NOT NULL,
    visitors INTEGER NOT NULL, keyless INTEGER, PRIMARY KEY (day, page)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS record_breakdowns (
    day INTEGER NOT NULL, dimension TEXT NOT NULL, key TEXT NOT NULL, views INTEGER NOT NULL,
    visitors INTEGER NOT NULL, PRIMARY KEY (day, dimension, key)
) WITHOUT ROWID;
-- A database older than breakdowns has none to copy (TABLES makes the table after this).
CREATE TABLE IF NOT EXISTS breakdowns (
    day INTEGER NOT NULL, dimension TEXT NOT NULL, key TEXT NOT NULL, views INTEGER NOT NULL,
    visitors INTEGER NOT NULL, PRIMARY KEY (day, dimension, key)
) WITHOUT ROWID;
INSERT INTO record_daily (day, page, views, hours, visitors)
    SELECT daily.day, page, daily.views, hours, daily.visitors FROM daily
    JOIN days ON days.day = daily.day WHERE days.deleted_version IS NOT NULL;
INSERT INTO record_breakdowns (day, dimension, key, views, visitors)
    SELECT breakdowns.day, dimension, key, breakdowns.views, breakdowns.visitors FROM breakdowns
    JOIN days ON days.day = breakdowns.day WHERE days.deleted_version IS NOT NULL;
UPDATE days SET record_version = deleted_version, record_views = views,
    record_visitors = visitors, record_keyless = keyless WHERE deleted_version IS NOT NULL;
",
    // Pages keep their engagement (`model::engagement::ENGAGEMENT_COLUMNS`); NULL in rows
    // counted before, which reports show as not known.
    "
ALTER TABLE daily ADD COLUMN entries INTEGER;
ALTER TABLE daily ADD COLUMN exits INTEGER;
ALTER TABLE daily ADD COLUMN bounces INTEGER;
ALTER TABLE daily ADD COLUMN engaged_ms INTEGER;
ALTER TABLE daily ADD COLUMN engaged_views INTEGER;
ALTER TABLE daily ADD COLUMN scroll_25 INTEGER;
ALTER TABLE daily ADD COLUMN scroll_50 INTEGER;
ALTER TABLE daily ADD COLUMN scroll_75 INTEGER;
ALTER TABLE daily ADD COLUMN scroll_100 INTEGER;
ALTER TABLE record_daily ADD COLUMN entries INTEGER;
ALTER TABLE record_daily ADD COLUMN exits INTEGER;
ALTER TABLE record_daily ADD COLUMN bounces INTEGER;
ALTER TABLE record_daily ADD COLUMN engaged_ms INTEGER;
ALTER TABLE record_daily ADD COLUMN engaged_views INTEGER;
ALTER TABLE record_daily ADD COLUMN scroll_25 INTEGER;
ALTER TABLE record_daily ADD COLUMN scroll_50 INTEGER;
ALTER TABLE record_daily ADD COLUMN scroll_75 INTEGER;
ALTER TABLE record_daily ADD COLUMN scroll_100 INTEGER;
",
    // Days mark the shards each change touched (`model::parts`), from their next change on
    // (TABLES makes `day_shards` and `day_parts`).
    "
ALTER TABLE days ADD COLUMN shards_marked_from INTEGER;
",
    // Events keep which fields they have, so that counting reads only those; NULL in the rows
    // stored before (counting reads all their fields).
    "
ALTER TABLE events ADD COLUMN fields_present INTEGER;
",
    // Queued bodies move to a table of their own, so that a receive rewrites only the short
    // row of the message's state.
    "
CREATE TABLE queue_bodies (seq INTEGER PRIMARY KEY, body BLOB NOT NULL);
INSERT INTO queue_bodies (seq, body) SELECT seq, body FROM queue;
ALTER TABLE queue DROP COLUMN body;
",
];

/// Upgrades a database made by an older pageviews, in the caller's transaction: the columns
/// its tables lack, then the tables it lacks altogether.
pub(super) fn migrate(tx: &rusqlite::Transaction<'_>, path: &Path) -> BackendResult<()> {
    let version = read_settings(tx).map_err(BackendError::permanent)?.version;
    for (from, migration) in MIGRATIONS.iter().enumerate().skip(version as usize - 1) {
        tx.execute_batch(migration)
            .and_then(|()| {
                tx.execute(
                    "UPDATE settings SET value = ?1 WHERE key = 'schema_version'",
                    [(from as u64 + 2).to_string()],
                )
            })
            .map_err(|err| sqlite_error(path, err))?;
    }
    create_tables(tx, path)
}
