//! The dead-letter queue on SQS: listing (receive without deleting, then visible again),
//! redrive (SQS's message move task, or a copy where the service has none) and purge.

use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::operation::start_message_move_task::StartMessageMoveTaskError;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, Message, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};
use chrono::{DateTime, Utc};
use std::collections::HashSet;
use std::time::Duration;

pub(super) use super::queue::identity;
use super::queue::{text_attribute, SOURCE_ID_ATTRIBUTE};
use super::request::{send, send_unless};
use super::{malformed, AwsBackend};
use crate::backend::{
    BackendError, BackendResult, DeadLetter, RedriveMethod, RedriveOutcome, MAX_QUEUE_BATCH,
};
use crate::model::event::MAX_MESSAGE_BYTES;

/// Seconds a dead letter stays hidden while `dlq list` or a copying redrive holds it: longer
/// than either needs for one batch, short enough that an interrupted listing heals quickly.
const HOLD_SECONDS: i32 = 30;
/// Long-poll wait of one receive from the dead-letter queue: a short poll samples only some
/// SQS servers and can answer empty while messages wait.
const RECEIVE_WAIT_SECONDS: i32 = 1;
/// How often a running message move task is looked at.
const MOVE_TASK_POLL: Duration = Duration::from_secs(1);
/// Error codes with which a service says it has no message move tasks.
const UNSUPPORTED_CODES: &[&str] = &[
    "AWS.SimpleQueueService.UnsupportedOperation",
    "UnsupportedOperation",
    "InvalidAction",
    "UnknownOperationException",
    "NotImplemented",
];
/// The reason of a message SQS's redrive policy moved: it carries no reason attribute.
const REDRIVE_POLICY_REASON: &str =
    "max-receives: received too often without being deleted (moved by the queue's redrive policy)";

/// A deployment's main queue, as a redrive puts dead letters back on it.
#[async_trait::async_trait]
pub(super) trait SendBack: Send + Sync {
    /// Sends dead letters back with the identity their events derive ids from; returns the
    /// receipts (in the dead-letter queue) of those sent.
    async fn send_back(&self, messages: &[Message]) -> BackendResult<Vec<String>>;
}

#[async_trait::async_trait]
impl SendBack for AwsBackend {
    async fn send_back(&self, messages: &[Message]) -> BackendResult<Vec<String>> {
        self.send_back_to_sqs(messages).await
    }
}

impl AwsBackend {
    pub(super) async fn list_dead_letters_sqs(
        &self,
        limit: usize,
    ) -> BackendResult<Vec<DeadLetter>> {
        let url = self.dead_letter_url().await?;
        let mut held = Vec::new();
        let listed = self.receive_dead_letters(url, limit, &mut held).await;
        // Visible again even when a receive failed halfway: listing must not hide anything.
        let released = self.release(url, &held).await;
        let letters = listed?;
        released?;
        Ok(letters)
    }

    /// Receives until `limit` distinct letters or an empty receive; every receipt taken goes
    /// into `held`, to be released.
    async fn receive_dead_letters(
        &self,
        url: &str,
        limit: usize,
        held: &mut Vec<String>,
    ) -> BackendResult<Vec<DeadLetter>> {
        let mut letters = Vec::new();
        let mut seen = HashSet::new();
        while letters.len() < limit {
            let messages = self.receive_held(url).await?;
            if messages.is_empty() {
                break;
            }
            for message in messages {
                held.extend(message.receipt_handle.clone());
                // A standard queue may deliver a message twice: list it once.
                let fresh = message.message_id.clone().is_some_and(|id| seen.insert(id));
                if fresh && letters.len() < limit {
                    letters.push(dead_letter(&message));
                }
            }
        }
        Ok(letters)
    }

    /// Up to 10 dead letters, hidden for [`HOLD_SECONDS`], with their attributes.
    async fn receive_held(&self, url: &str) -> BackendResult<Vec<Message>> {
        let output = send(
            &self.retry,
            "ReceiveMessage from the dead-letter queue",
            || {
                self.sqs
                    .receive_message()
                    .queue_url(url)
                    .max_number_of_messages(MAX_QUEUE_BATCH as i32)
                    .wait_time_seconds(RECEIVE_WAIT_SECONDS)
                    .visibility_timeout(HOLD_SECONDS)
                    .message_attribute_names("All")
                    .message_system_attribute_names(
                        MessageSystemAttributeName::ApproximateReceiveCount,
                    )
                    .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
                    .send()
            },
        )
        .await?;
        Ok(output.messages.unwrap_or_default())
    }

    /// Makes held messages visible again (visibility 0), 10 at a time.
    async fn release(&self, url: &str, receipts: &[String]) -> BackendResult<()> {
        for chunk in receipts.chunks(MAX_QUEUE_BATCH) {
            let results = self
                .change_visibility_on(url, chunk, Duration::ZERO)
                .await?;
            if let Some(Err(err)) = results.into_iter().find(Result::is_err) {
                // Still hidden, but only until HOLD_SECONDS have passed.
                tracing::warn!(%err, "a listed dead letter stays hidden for up to {HOLD_SECONDS} s");
            }
        }
        Ok(())
    }

    pub(super) async fn redrive_sqs(&self) -> BackendResult<RedriveOutcome> {
        let source = self.queue_arn(self.dead_letter_url().await?).await?;
        let destination = self.queue_arn(self.queue_url().await?).await?;
        let started = self.start_move_task(&source, &destination).await?;
        match started {
            Some(handle) => self.wait_for_move_task(&source, &handle).await,
            None => {
                tracing::info!("SQS here has no message move tasks; copying the dead letters back");
                self.copy_back(self).await
            }
        }
    }

    /// Starts SQS's own redrive; `None` when the service says it has none (e.g. an emulator,
    /// which answers an action it lacks with HTTP 500: not retried).
    async fn start_move_task(
        &self,
        source: &str,
        destination: &str,
    ) -> BackendResult<Option<String>> {
        let started = send_unless(
            &self.retry,
            "StartMessageMoveTask",
            move_task_unsupported,
            || {
                self.sqs
                    .start_message_move_task()
                    .source_arn(source)
                    .destination_arn(destination)
                    .send()
            },
        )
        .await?;
        Ok(started.map(|output| output.task_handle.unwrap_or_default()))
    }

    /// Waits until the move task ends; it moves a few hundred messages a second.
    async fn wait_for_move_task(
        &self,
        source: &str,
        handle: &str,
    ) -> BackendResult<RedriveOutcome> {
        loop {
            let output = send(&self.retry, "ListMessageMoveTasks", || {
                self.sqs
                    .list_message_move_tasks()
                    .source_arn(source)
                    .max_results(1)
                    .send()
            })
            .await?;
            // Only one task runs per queue at a time, so the latest is ours.
            let Some(task) = output.results.unwrap_or_default().into_iter().next() else {
                return Err(BackendError::permanent(format!(
                    "message move task {handle} is not listed by SQS"
                )));
            };
            let moved = task.approximate_number_of_messages_moved.max(0) as u64;
            match task.status.as_deref() {
                Some("COMPLETED") => {
                    return Ok(RedriveOutcome {
                        method: RedriveMethod::MoveTask,
                        moved,
                        failed: 0,
                        exact: false,
                    })
                }
                Some(status @ ("FAILED" | "CANCELLED")) => {
                    return Err(BackendError::permanent(format!(
                        "message move task {status} after moving about {moved} message(s): {}",
                        task.failure_reason.as_deref().unwrap_or("no reason given")
                    )))
                }
                _ => {
                    tracing::info!(moved, "message move task running");
                    tokio::time::sleep(MOVE_TASK_POLL).await;
                }
            }
        }
    }

    /// Receive, send to the main queue (`main`: SQS, or the stream), delete only what was
    /// sent: a failure at any point leaves a message dead, or on both queues (its events are
    /// still stored once, since it keeps its identity), never on neither.
    pub(super) async fn copy_back(&self, main: &dyn SendBack) -> BackendResult<RedriveOutcome> {
        let dead = self.dead_letter_url().await?;
        let mut outcome = RedriveOutcome {
            method: RedriveMethod::Copy,
            moved: 0,
            failed: 0,
            exact: true,
        };
        // Each message is handled once per redrive: one whose send or delete failed comes back
        // after HOLD_SECONDS and is hidden again untouched, left for the next redrive. The
        // loop ends at the first receive that finds nothing visible.
        let mut handled = HashSet::new();
        loop {
            let mut messages = self.receive_held(dead).await?;
            if messages.is_empty() {
                return Ok(outcome);
            }
            messages.retain(|message| {
                message
                    .message_id
                    .clone()
                    .is_some_and(|id| handled.insert(id))
            });
            for group in size_groups(&messages) {
                let sent = main.send_back(group).await.map_err(|err| {
                    BackendError::permanent(format!(
                        "redrive stopped after moving {} message(s): {err}",
                        outcome.moved
                    ))
                })?;
                outcome.moved += sent.len() as u64;
                outcome.failed += (group.len() - sent.len()) as u64;
                self.delete_sent(dead, &sent).await;
            }
        }
    }

    /// Sends `messages` to the main queue with their identity; returns the receipts of those
    /// sent.
    async fn send_back_to_sqs(&self, messages: &[Message]) -> BackendResult<Vec<String>> {
        let entries = messages
            .iter()
            .enumerate()
            .map(|(i, message)| send_entry(i, message))
            .collect::<BackendResult<Vec<_>>>()?;
        let results = self
            .send_entries(entries, "SendMessageBatch to the main queue")
            .await?;
        Ok(messages
            .iter()
            .zip(results)
            .filter_map(|(message, result)| match result {
                Ok(()) => message.receipt_handle.clone(),
                Err(err) => {
                    tracing::warn!(%err, "a dead letter was not sent back; it stays dead");
                    None
                }
            })
            .collect())
    }

    /// Deletes sent letters from the dead-letter queue. One that stays is on both queues: a
    /// later redrive sends it again, and its events are still stored once.
    async fn delete_sent(&self, url: &str, receipts: &[String]) {
        if receipts.is_empty() {
            return;
        }
        let entries: Vec<_> = receipts
            .iter()
            .enumerate()
            .filter_map(|(i, receipt)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(receipt)
                    .build()
                    .ok()
            })
            .collect();
        let deleted = send(&self.retry, "DeleteMessageBatch", || {
            self.sqs
                .delete_message_batch()
                .queue_url(url)
                .set_entries(Some(entries.clone()))
                .send()
        })
        .await;
        match deleted {
            Ok(output) if output.failed.is_empty() => {}
            Ok(output) => tracing::warn!(
                count = output.failed.len(),
                "redriven letters not deleted from the dead-letter queue; they are on both queues"
            ),
            Err(err) => tracing::warn!(
                %err,
                "redriven letters not deleted from the dead-letter queue; they are on both queues"
            ),
        }
    }

    pub(super) async fn purge_sqs(&self) -> BackendResult<u64> {
        let url = self.dead_letter_url().await?;
        let attributes = self.queue_attributes(url).await?;
        let count = [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ]
        .iter()
        .filter_map(|name| attributes.get(name)?.parse::<u64>().ok())
        .sum();
        send(&self.retry, "PurgeQueue on the dead-letter queue", || {
            self.sqs.purge_queue().queue_url(url).send()
        })
        .await?;
        Ok(count)
    }

    async fn queue_arn(&self, url: &str) -> BackendResult<String> {
        let output = send(&self.retry, "GetQueueAttributes", || {
            self.sqs
                .get_queue_attributes()
                .queue_url(url)
                .attribute_names(QueueAttributeName::QueueArn)
                .send()
        })
        .await?;
        output
            .attributes
            .and_then(|mut attributes| attributes.remove(&QueueAttributeName::QueueArn))
            .ok_or_else(|| BackendError::permanent(format!("queue {url} has no ARN")))
    }
}

/// A received dead letter as `dlq list` shows it.
fn dead_letter(message: &Message) -> DeadLetter {
    let text = |name: &str| {
        message
            .message_attributes
            .as_ref()?
            .get(name)?
            .string_value
            .clone()
    };
    let system = |name: MessageSystemAttributeName| -> Option<i64> {
        message.attributes.as_ref()?.get(&name)?.parse().ok()
    };
    let reason = text("reason");
    // Our own listing counts as a receive of the dead letter; the count before it is wanted.
    let receive_count = text("receive_count")
        .and_then(|count| count.parse().ok())
        .or_else(|| {
            system(MessageSystemAttributeName::ApproximateReceiveCount)
                .map(|count| count.saturating_sub(1).clamp(0, u32::MAX as i64) as u32)
        })
        .unwrap_or(0);
    // A message the redrive policy moved keeps its original send time: not when it died.
    let dead_lettered_at = reason
        .as_ref()
        .and(system(MessageSystemAttributeName::SentTimestamp))
        .and_then(DateTime::<Utc>::from_timestamp_millis);
    DeadLetter {
        message_id: identity(message).unwrap_or_default(),
        reason: reason.unwrap_or_else(|| REDRIVE_POLICY_REASON.to_owned()),
        receive_count,
        body: message.body.clone().unwrap_or_default().into_bytes(),
        dead_lettered_at,
    }
}

/// Entry `i` of a SendMessageBatch to the main queue: the body, and the identity the
/// message's events derive their ids from (the reason and counts stay behind).
fn send_entry(i: usize, message: &Message) -> BackendResult<SendMessageBatchRequestEntry> {
    let mut entry = SendMessageBatchRequestEntry::builder()
        .id(i.to_string())
        .message_body(message.body.clone().unwrap_or_default());
    if let Some(id) = identity(message) {
        entry = entry.message_attributes(SOURCE_ID_ATTRIBUTE, text_attribute(&id)?);
    }
    entry.build().map_err(malformed)
}

/// Splits messages into groups SendMessageBatch takes: 10 entries and 1 MiB at most. Each
/// entry counts its body plus room for the identity attribute.
fn size_groups(messages: &[Message]) -> Vec<&[Message]> {
    const ATTRIBUTE_ROOM: usize = 256;
    let mut groups = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, message) in messages.iter().enumerate() {
        let size = message.body.as_deref().map_or(0, str::len) + ATTRIBUTE_ROOM;
        if i > start && (i - start == MAX_QUEUE_BATCH || bytes + size > MAX_MESSAGE_BYTES) {
            groups.push(&messages[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < messages.len() {
        groups.push(&messages[start..]);
    }
    groups
}

/// Whether the service answered that it has no message move tasks: an unsupported-operation
/// code, HTTP 501, or a server error without any AWS error code (moto answers an action it does
/// not implement with a bare HTTP 500 page).
fn move_task_unsupported(err: &SdkError<StartMessageMoveTaskError, HttpResponse>) -> bool {
    let SdkError::ServiceError(service) = err else {
        return false;
    };
    let status = service.raw().status().as_u16();
    match service.err().code() {
        Some(code) => UNSUPPORTED_CODES.contains(&code) || status == 501,
        None => status >= 500,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body_bytes: usize) -> Message {
        Message::builder().body("x".repeat(body_bytes)).build()
    }

    #[test]
    fn groups_keep_to_ten_entries_and_one_mebibyte() {
        let small: Vec<Message> = (0..23).map(|_| message(10)).collect();
        let sizes: Vec<usize> = size_groups(&small).iter().map(|g| g.len()).collect();
        assert_eq!(sizes, [10, 10, 3]);
        let big: Vec<Message> = (0..4).map(|_| message(400 * 1024)).collect();
        let sizes: Vec<usize> = size_groups(&big).iter().map(|g| g.len()).collect();
        assert_eq!(sizes, [2, 2]);
        assert!(size_groups(&[]).is_empty());
    }

    #[test]
    fn a_letter_without_attributes_was_moved_by_the_redrive_policy() {
        let message = Message::builder()
            .message_id("m-1")
            .body("{}")
            .attributes(MessageSystemAttributeName::ApproximateReceiveCount, "3")
            .attributes(MessageSystemAttributeName::SentTimestamp, "1615638896000")
            .build();
        let letter = dead_letter(&message);
        assert!(letter.reason.starts_with("max-receives: "));
        assert_eq!(letter.receive_count, 2);
        assert_eq!(letter.message_id, "m-1");
        assert_eq!(letter.dead_lettered_at, None);
    }
}
