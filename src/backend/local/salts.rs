//! The local salts: a table of the database, one row per day; a deleted salt is overwritten
//! on disk (SQLite's secure delete) and flushed out of the write-ahead log, so no copy of it
//! stays in any file.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{sqlite_error, LocalBackend};
use crate::backend::{BackendError, BackendResult, SaltStore};
use crate::model::day::Day;
use crate::model::visitor::Salt;

#[async_trait]
impl SaltStore for LocalBackend {
    async fn salt_for(&self, day: Day, expires: DateTime<Utc>) -> BackendResult<Salt> {
        let fresh = Salt::random();
        let stored: Vec<u8> = self
            .write(move |tx| {
                // The first collector's salt wins; later ones read it.
                tx.execute(
                    "INSERT OR IGNORE INTO salts (day, salt, expires_ms) VALUES (?1, ?2, ?3)",
                    params![
                        day.number(),
                        &fresh.as_bytes()[..],
                        expires.timestamp_millis()
                    ],
                )?;
                tx.query_row(
                    "SELECT salt FROM salts WHERE day = ?1",
                    [day.number()],
                    |row| row.get(0),
                )
            })
            .await?;
        Salt::from_bytes(&stored)
            .ok_or_else(|| BackendError::permanent(format!("the stored salt of {day} is damaged")))
    }

    async fn delete_salts_before(&self, day: Day) -> BackendResult<u64> {
        let db = self.db.clone();
        super::off_the_runtime(move || {
            let conn = db.lock();
            let delete = || -> rusqlite::Result<u64> {
                conn.pragma_update(None, "secure_delete", true)?;
                let deleted = conn.execute("DELETE FROM salts WHERE day < ?1", [day.number()]);
                conn.pragma_update(None, "secure_delete", false)?;
                let deleted = deleted? as u64;
                if deleted > 0 {
                    // The pages that held the salts move from the log into the file, zeroed,
                    // and the log is emptied. Readers in other processes can delay this; the
                    // next deletion (each collector's rotation, each drain) tries again.
                    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                }
                Ok(deleted)
            };
            delete().map_err(|err| sqlite_error(&db.path, err))
        })
        .await
    }

    async fn salt_days(&self) -> BackendResult<Vec<Day>> {
        self.read(|tx| {
            let mut select = tx.prepare("SELECT day FROM salts ORDER BY day")?;
            let days = select.query_map([], |row| row.get::<_, i64>(0))?;
            days.map(|day| day.map(|number| Day::from_number(number).unwrap_or(Day::EPOCH)))
                .collect()
        })
        .await
    }
}
