//! The local dead-letter queue's operations: list, redrive (back to the queue in one
//! transaction) and purge.

use chrono::{DateTime, Utc};

use super::{now_ms, queue, LocalBackend};
use crate::backend::{BackendResult, DeadLetter, RedriveMethod, RedriveOutcome};

impl LocalBackend {
    pub(super) async fn dead_letters(&self, limit: usize) -> BackendResult<Vec<DeadLetter>> {
        self.read(move |tx| {
            let mut select = tx.prepare_cached(
                "SELECT message_id, reason, receive_count, body, dead_lettered_at_ms
                 FROM dead_letters ORDER BY seq LIMIT ?1",
            )?;
            let letters = select
                .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
                    Ok(DeadLetter {
                        message_id: row.get(0)?,
                        reason: row.get(1)?,
                        receive_count: row.get(2)?,
                        body: row.get(3)?,
                        dead_lettered_at: DateTime::<Utc>::from_timestamp_millis(row.get(4)?),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(letters)
        })
        .await
    }

    /// All or nothing: a crash leaves every letter either dead or back on the queue, never
    /// both, so nothing is delivered twice. The message id is kept, so events without an id
    /// get the same derived ids as before.
    pub(super) async fn redrive(&self) -> BackendResult<RedriveOutcome> {
        self.write(|tx| {
            let now = now_ms();
            let mut letters =
                tx.prepare_cached("SELECT message_id, body FROM dead_letters ORDER BY seq")?;
            let mut rows = letters.query([])?;
            let mut moved: u64 = 0;
            while let Some(row) = rows.next()? {
                let body: Vec<u8> = row.get(1)?;
                queue::enqueue(tx, &row.get::<_, String>(0)?, &body, now, now)?;
                moved += 1;
            }
            drop(rows);
            drop(letters);
            tx.execute("DELETE FROM dead_letters", [])?;
            Ok(RedriveOutcome {
                method: RedriveMethod::Transaction,
                moved,
                failed: 0,
                exact: true,
            })
        })
        .await
    }

    pub(super) async fn purge(&self) -> BackendResult<u64> {
        self.write(|tx| Ok(tx.execute("DELETE FROM dead_letters", [])? as u64))
            .await
    }
}
