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

/// Most messages one batch call takes: each call is one transaction, and fewer, larger ones
/// leave more of the writer's time to the events (a drain's group, up to 250 messages, is
/// received in one and deleted in one).
const LOCAL_BATCH_LIMIT: usize = 250;

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

    async fn receive_now(
        &self,
        visibility: Duration,
        max_messages: usize,
        max_bytes: usize,
    ) -> BackendResult<Vec<ReceivedMessage>> {
        if !self.any_visible().await? {
            return Ok(Vec::new());
        }
        let max_receives = self.max_receives;
        self.write(move |tx| {
            let now = now_ms();
            let candidates = visible_messages(tx, now, max_messages, max_bytes)?;
            let mut received = Vec::with_capacity(candidates.len());
            for Candidate {
                seq,
                message_id,
                body,
                receive_count,
            } in candidates
            {
                if receive_count >= max_receives {
                    // As with an SQS redrive policy: received too often without a delete.
                    let reason = format!(
                        "max-receives: received {receive_count} times without being deleted"
                    );
                    move_to_dead_letters(tx, seq, &reason, now)?;
                    continue;
                }
                let token = random_token();
                // The body is in a table of its own, so a receive rewrites only this short row.
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

/// A visible message about to be received.
struct Candidate {
    seq: i64,
    message_id: String,
    body: Vec<u8>,
    receive_count: u32,
}

/// The oldest visible messages, up to `max_messages` and until their bodies reach `max_bytes`:
/// bodies past that are not read.
fn visible_messages(
    tx: &rusqlite::Transaction<'_>,
    now: i64,
    max_messages: usize,
    max_bytes: usize,
) -> rusqlite::Result<Vec<Candidate>> {
    let mut select = tx.prepare_cached(
        "SELECT queue.seq, message_id, body, receive_count FROM queue
         JOIN queue_bodies ON queue_bodies.seq = queue.seq
         WHERE visible_at_ms <= ?1 ORDER BY queue.seq LIMIT ?2",
    )?;
    let mut rows = select.query(params![now, max_messages as i64])?;
    let (mut candidates, mut bytes) = (Vec::new(), 0);
    while bytes < max_bytes {
        let Some(row) = rows.next()? else { break };
        let body: Vec<u8> = row.get(2)?;
        bytes += body.len();
        candidates.push(Candidate {
            seq: row.get(0)?,
            message_id: row.get(1)?,
            body,
            receive_count: row.get(3)?,
        });
    }
    Ok(candidates)
}

fn move_to_dead_letters(
    tx: &rusqlite::Transaction<'_>,
    seq: i64,
    reason: &str,
    now: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO dead_letters (message_id, body, reason, receive_count, dead_lettered_at_ms)
         SELECT message_id, body, ?1, receive_count, ?2 FROM queue
         JOIN queue_bodies ON queue_bodies.seq = queue.seq WHERE queue.seq = ?3",
    )?
    .execute(params![reason, now, seq])?;
    tx.prepare_cached("DELETE FROM queue WHERE seq = ?1")?
        .execute([seq])?;
    delete_body(tx, seq)
}

/// Deletes the body of message `seq`, which is no longer in the queue.
fn delete_body(tx: &rusqlite::Transaction<'_>, seq: i64) -> rusqlite::Result<()> {
    tx.prepare_cached("DELETE FROM queue_bodies WHERE seq = ?1")?
        .execute([seq])?;
    Ok(())
}

/// Puts a message on the queue, visible at `visible_at_ms`: its state row, then its body
/// under the same sequence number.
pub(super) fn enqueue(
    tx: &rusqlite::Transaction<'_>,
    message_id: &str,
    body: &[u8],
    sent_at_ms: i64,
    visible_at_ms: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO queue (message_id, sent_at_ms, visible_at_ms) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![message_id, sent_at_ms, visible_at_ms])?;
    let seq = tx.last_insert_rowid();
    tx.prepare_cached("INSERT INTO queue_bodies (seq, body) VALUES (?1, ?2)")?
        .execute(params![seq, body])?;
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
    fn batch_limit(&self) -> usize {
        LOCAL_BATCH_LIMIT
    }

    async fn send_batch(&self, bodies: &[String]) -> BatchResults {
        let bodies = bodies.to_vec();
        self.write(move |tx| {
            let now = now_ms();
            for body in &bodies {
                enqueue(tx, &random_token(), body.as_bytes(), now, now)?;
            }
            Ok(bodies.iter().map(|_| Ok(())).collect())
        })
        .await
    }

    async fn receive(&self, options: ReceiveOptions) -> BackendResult<Vec<ReceivedMessage>> {
        let ReceiveOptions {
            wait,
            visibility,
            max_messages,
            max_bytes,
        } = options;
        let visibility = visibility.unwrap_or(self.visibility_timeout);
        let max_messages =
            max_messages.map_or(MAX_QUEUE_BATCH, |max| max.clamp(1, LOCAL_BATCH_LIMIT));
        let max_bytes = max_bytes.unwrap_or(usize::MAX);
        let deadline = Instant::now() + wait;
        loop {
            let received = self
                .receive_now(visibility, max_messages, max_bytes)
                .await?;
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
                let held = delete.execute(params![seq, token])? == 1;
                if held {
                    delete_body(tx, seq)?;
                }
                Ok(held)
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
    use super::*;
    use crate::backend::local::{database_path, test_backend};

    #[tokio::test]
    async fn a_receive_takes_up_to_its_count_and_bytes_and_a_delete_takes_a_whole_group() {
        let dir = tempfile::tempdir().unwrap();
        let backend = test_backend(dir.path());
        let queue = &backend.queue;
        assert_eq!(queue.batch_limit(), LOCAL_BATCH_LIMIT);
        let bodies: Vec<String> = (0..30).map(|n| format!("{n:0100}")).collect();
        for chunk in bodies.chunks(MAX_QUEUE_BATCH) {
            queue.send_batch(chunk).await.unwrap();
        }
        let receive = |max_messages, max_bytes| ReceiveOptions {
            max_messages,
            max_bytes,
            ..Default::default()
        };
        // 100 bytes each: the tenth reaches 1,000 bytes, and no more are read.
        let mut received = queue
            .receive(receive(Some(250), Some(1_000)))
            .await
            .unwrap();
        assert_eq!(received.len(), 10);
        received.extend(queue.receive(receive(Some(5), None)).await.unwrap());
        assert_eq!(received.len(), 15);
        // Unbounded, a receive brings as many as SQS would.
        received.extend(queue.receive(receive(None, None)).await.unwrap());
        assert_eq!(received.len(), 25);
        received.extend(queue.receive(receive(Some(250), None)).await.unwrap());
        let got: Vec<&[u8]> = received.iter().map(|m| m.body.as_slice()).collect();
        let sent: Vec<&[u8]> = bodies.iter().map(|b| b.as_bytes()).collect();
        assert_eq!(got, sent, "every message once, in the order sent");
        let receipts: Vec<String> = received.into_iter().map(|m| m.receipt).collect();
        let deleted = queue.delete_batch(&receipts).await.unwrap();
        assert_eq!(deleted.iter().filter(|result| result.is_ok()).count(), 30);
        let stats = queue.stats().await.unwrap();
        assert_eq!((stats.visible, stats.in_flight), (0, 0));
        let bodies_left: i64 = rusqlite::Connection::open(database_path(dir.path(), "t"))
            .unwrap()
            .query_row("SELECT count(*) FROM queue_bodies", [], |row| row.get(0))
            .unwrap();
        assert_eq!(bodies_left, 0, "a deleted message's body goes with it");
    }

    #[test]
    fn receipts_carry_sequence_and_token() {
        assert_eq!(parse_receipt("42:abc"), Some((42, "abc")));
        assert_eq!(parse_receipt("x:abc"), None);
        assert_eq!(parse_receipt("42"), None);
    }
}
