//! The local queue: SQS semantics (visibility timeout, receipts, receive counts, dead letters)
//! on an SQLite table.

use async_trait::async_trait;
use rusqlite::params;
use std::time::{Duration, Instant};

use super::{now_ms, LocalBackend};
use crate::backend::{
    random_token, BackendError, BackendResult, BatchResults, DeadLetter, Poison, Queue, QueueStats,
    ReceiveOptions, ReceivedMessage, RedriveOutcome, MAX_QUEUE_BATCH,
};

/// How often an empty receive looks again while it waits.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

impl LocalBackend {
    /// Whether any message is visible, without taking the write lock: an idle drain polls
    /// often and must not hold up the writers.
    async fn any_visible(&self) -> BackendResult<bool> {
        self.read(|tx| {
            tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM queue WHERE visible_at_ms <= ?1)",
                [now_ms()],
                |row| row.get(0),
            )
        })
        .await
    }

    async fn receive_now(&self, visibility: Duration) -> BackendResult<Vec<ReceivedMessage>> {
        if !self.any_visible().await? {
            return Ok(Vec::new());
        }
        let max_receives = self.max_receives;
        self.write(move |tx| {
            let now = now_ms();
            let mut select = tx.prepare_cached(
                "SELECT seq, message_id, body, receive_count FROM queue
                 WHERE visible_at_ms <= ?1 ORDER BY seq LIMIT ?2",
            )?;
            let candidates = select
                .query_map(params![now, MAX_QUEUE_BATCH as i64], |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, Vec<u8>>(2)?,
                        row.get::<_, u32>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut received = Vec::with_capacity(candidates.len());
            for (seq, message_id, body, receive_count) in candidates {
                if receive_count >= max_receives {
                    // As with an SQS redrive policy: received too often without a delete.
                    let reason = format!(
                        "max-receives: received {receive_count} times without being deleted"
                    );
                    move_to_dead_letters(tx, seq, &reason, now)?;
                    continue;
                }
                let token = random_token();
                tx.prepare_cached(
                    "UPDATE queue SET visible_at_ms = ?1, receive_count = receive_count + 1,
                     receipt = ?2 WHERE seq = ?3",
                )?
                .execute(params![
                    now + visibility.as_millis() as i64,
                    token,
                    seq
                ])?;
                received.push(ReceivedMessage {
                    message_id,
                    receipt: format!("{seq}:{token}"),
                    body,
                    receive_count: receive_count + 1,
                });
            }
            Ok(received)
        })
        .await
    }
}

fn move_to_dead_letters(
    tx: &rusqlite::Transaction<'_>,
    seq: i64,
    reason: &str,
    now: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO dead_letters (message_id, body, reason, receive_count, dead_lettered_at_ms)
         SELECT message_id, body, ?1, receive_count, ?2 FROM queue WHERE seq = ?3",
    )?
    .execute(params![reason, now, seq])?;
    tx.prepare_cached("DELETE FROM queue WHERE seq = ?1")?
        .execute([seq])?;
    Ok(())
}

/// Splits a receipt into the message's sequence number and the receive's token.
fn parse_receipt(receipt: &str) -> Option<(i64, &str)> {
    let (seq, token) = receipt.split_once(':')?;
    Some((seq.parse().ok()?, token))
}

/// One result per receipt, in order: `act` runs on the message a receipt names (its sequence
/// number and the receive's token) and says whether the receipt still held it.
fn by_receipt(
    receipts: &[String],
    mut act: impl FnMut(i64, &str) -> rusqlite::Result<bool>,
) -> rusqlite::Result<Vec<BackendResult<()>>> {
    let mut results = Vec::with_capacity(receipts.len());
    for receipt in receipts {
        let held = match parse_receipt(receipt) {
            Some((seq, token)) => act(seq, token)?,
            None => false,
        };
        results.push(if held {
            Ok(())
        } else {
            // Deleted meanwhile, or received again by someone else after its visibility
            // timeout: the newer receiver owns it now.
            Err(BackendError::permanent(format!(
                "receipt {receipt} is stale or unknown"
            )))
        });
    }
    Ok(results)
}

#[async_trait]
impl Queue for LocalBackend {
    async fn send_batch(&self, bodies: &[String]) -> BatchResults {
        let bodies = bodies.to_vec();
        self.write(move |tx| {
            let now = now_ms();
            let mut insert = tx.prepare_cached(
                "INSERT INTO queue (message_id, body, sent_at_ms, visible_at_ms)
                 VALUES (?1, ?2, ?3, ?3)",
            )?;
            for body in &bodies {
                insert.execute(params![random_token(), body.as_bytes(), now])?;
            }
            Ok(bodies.iter().map(|_| Ok(())).collect())
        })
        .await
    }

    async fn receive(&self, options: ReceiveOptions) -> BackendResult<Vec<ReceivedMessage>> {
        let ReceiveOptions { wait, visibility } = options;
        let visibility = visibility.unwrap_or(self.visibility_timeout);
        let deadline = Instant::now() + wait;
        loop {
            let received = self.receive_now(visibility).await?;
            let remaining = deadline.saturating_duration_since(Instant::now());
            if !received.is_empty() || remaining.is_zero() {
                return Ok(received);
            }
            tokio::time::sleep(remaining.min(POLL_INTERVAL)).await;
        }
    }

    async fn delete_batch(&self, receipts: &[String]) -> BatchResults {
        let receipts = receipts.to_vec();
        self.write(move |tx| {
            let mut delete =
                tx.prepare_cached("DELETE FROM queue WHERE seq = ?1 AND receipt = ?2")?;
            by_receipt(&receipts, |seq, token| {
                Ok(delete.execute(params![seq, token])? == 1)
            })
        })
        .await
    }

    async fn change_visibility(&self, receipts: &[String], timeout: Duration) -> BatchResults {
        let receipts = receipts.to_vec();
        self.write(move |tx| {
            let mut hide = tx.prepare_cached(
                "UPDATE queue SET visible_at_ms = ?1 WHERE seq = ?2 AND receipt = ?3",
            )?;
            let visible_at = now_ms() + timeout.as_millis() as i64;
            by_receipt(&receipts, |seq, token| {
                Ok(hide.execute(params![visible_at, seq, token])? == 1)
            })
        })
        .await
    }

    async fn visibility_timeout(&self) -> BackendResult<Duration> {
        Ok(self.visibility_timeout)
    }

    async fn send_dead_letter(&self, poison: &Poison) -> BackendResult<()> {
        let message = &poison.message;
        let (message_id, receive_count) = (message.message_id.clone(), message.receive_count);
        let (body, reason) = (poison.body.clone(), poison.reason.clone());
        self.write(move |tx| {
            tx.prepare_cached(
                "INSERT INTO dead_letters
                 (message_id, body, reason, receive_count, dead_lettered_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![message_id, body, reason, receive_count, now_ms()])?;
            Ok(())
        })
        .await
    }

    async fn stats(&self) -> BackendResult<QueueStats> {
        self.read(|tx| {
            let (visible, in_flight) = tx.query_row(
                "SELECT coalesce(sum(visible_at_ms <= ?1), 0), coalesce(sum(visible_at_ms > ?1), 0)
                 FROM queue",
                [now_ms()],
                |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)),
            )?;
            let dead_letters = tx.query_row("SELECT count(*) FROM dead_letters", [], |row| {
                row.get::<_, i64>(0)
            })?;
            Ok(QueueStats {
                visible: visible as u64,
                in_flight: in_flight as u64,
                dead_letters: dead_letters as u64,
            })
        })
        .await
    }

    async fn list_dead_letters(&self, limit: usize) -> BackendResult<Vec<DeadLetter>> {
        self.dead_letters(limit).await
    }

    async fn redrive_dead_letters(&self) -> BackendResult<RedriveOutcome> {
        self.redrive().await
    }

    async fn purge_dead_letters(&self) -> BackendResult<u64> {
        self.purge().await
    }
}

#[cfg(test)]
mod tests {
    use super::parse_receipt;

    #[test]
    fn receipts_carry_sequence_and_token() {
        assert_eq!(parse_receipt("42:abc"), Some((42, "abc")));
        assert_eq!(parse_receipt("x:abc"), None);
        assert_eq!(parse_receipt("42"), None);
    }
}
