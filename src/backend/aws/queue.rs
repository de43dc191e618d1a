//! The queue on Amazon SQS: batches of at most 10, long polling, receipts, a dead-letter queue
//! with the reason as a message attribute.

use async_trait::async_trait;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sqs::error::BuildError;
use aws_sdk_sqs::types::{
    BatchResultErrorEntry, ChangeMessageVisibilityBatchRequestEntry,
    DeleteMessageBatchRequestEntry, MessageAttributeValue, MessageSystemAttributeName,
    QueueAttributeName, SendMessageBatchRequestEntry,
};
use std::collections::HashMap;
use std::time::Duration;

use super::request::send;
use super::{malformed, AwsBackend};
use crate::backend::{
    BackendError, BackendResult, BatchResults, DeadLetter, Poison, Queue, QueueStats,
    ReceiveOptions, ReceivedMessage, RedriveOutcome, MAX_QUEUE_BATCH,
};
use crate::model::event::MAX_MESSAGE_BYTES;

/// SQS's longest long poll.
const MAX_WAIT_SECONDS: u64 = 20;
/// SQS's longest visibility timeout: 12 hours.
const MAX_VISIBILITY_SECONDS: u64 = 43_200;
/// SQS caps a message attribute's value; the reason is cut well below it.
const MAX_REASON_BYTES: usize = 1_000;
/// The identity a message's id-less events derive their ids from, when it differs from the SQS
/// message id: set on dead letters and on messages a redrive copied back, so a message keeps
/// its events' ids however often it moves between the queues.
pub(super) const SOURCE_ID_ATTRIBUTE: &str = "source_message_id";

/// The message's own identity: its source id if it carries one, else its SQS message id.
pub(super) fn identity(message: &aws_sdk_sqs::types::Message) -> Option<String> {
    message
        .message_attributes
        .as_ref()
        .and_then(|attributes| attributes.get(SOURCE_ID_ATTRIBUTE))
        .and_then(|value| value.string_value.clone())
        .or_else(|| message.message_id.clone())
}

/// A text message attribute.
pub(super) fn text_attribute(value: &str) -> BackendResult<MessageAttributeValue> {
    MessageAttributeValue::builder()
        .data_type("String")
        .string_value(value)
        .build()
        .map_err(malformed)
}

/// Sends `entries` to the queue at `url` with the batch call `operation` of the backend's SQS
/// client, retried as `what`; one result per entry, in order. A macro, as the batch calls'
/// builders share their methods but no type.
macro_rules! send_batch {
    ($backend:expr, $operation:ident, $what:expr, $url:expr, $entries:expr) => {{
        let entries = $entries;
        let output = send(&$backend.retry, $what, || {
            $backend
                .sqs
                .$operation()
                .queue_url($url)
                .set_entries(Some(entries.clone()))
                .send()
        })
        .await?;
        Ok(entry_results(entries.len(), output.failed, $what))
    }};
}

/// One batch entry per item, its id its position, by which `entry_results` places failures.
fn numbered<I, T>(
    items: &[I],
    entry: impl Fn(String, &I) -> Result<T, BuildError>,
) -> BackendResult<Vec<T>> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| entry(i.to_string(), item).map_err(malformed))
        .collect()
}

/// The results of a batch call, one per entry, from its list of failed entries.
pub(super) fn entry_results(
    entries: usize,
    failed: Vec<BatchResultErrorEntry>,
    what: &str,
) -> Vec<BackendResult<()>> {
    let mut results: Vec<BackendResult<()>> = (0..entries).map(|_| Ok(())).collect();
    for entry in failed {
        let id = entry.id;
        if let Some(slot) = id.parse::<usize>().ok().and_then(|i| results.get_mut(i)) {
            let message = entry.message.unwrap_or(entry.code);
            let text = format!("{what} entry {id} failed: {message}");
            // The sender's fault (a malformed entry) will not go away by retrying.
            *slot = Err(if entry.sender_fault {
                BackendError::permanent(text)
            } else {
                BackendError::transient(text)
            });
        }
    }
    results
}

#[async_trait]
impl Queue for AwsBackend {
    /// GetQueueUrl only: the sender role's policy has no GetQueueAttributes.
    async fn check_can_send(&self) -> BackendResult<()> {
        self.queue_url().await.map(|_| ())
    }

    async fn send_batch(&self, bodies: &[String]) -> BatchResults {
        let total: usize = bodies.iter().map(String::len).sum();
        if bodies.len() > MAX_QUEUE_BATCH || total > MAX_MESSAGE_BYTES {
            return Err(BackendError::permanent(format!(
                "a batch of {} messages and {total} bytes is over SQS's limits (10, 1 MiB)",
                bodies.len()
            )));
        }
        let entries = numbered(bodies, |id, body| {
            SendMessageBatchRequestEntry::builder()
                .id(id)
                .message_body(body)
                .build()
        })?;
        self.send_entries(entries, "SendMessageBatch").await
    }

    async fn receive(&self, options: ReceiveOptions) -> BackendResult<Vec<ReceivedMessage>> {
        let ReceiveOptions {
            wait,
            visibility,
            max_messages,
            max_bytes: _,
        } = options;
        let max_messages = max_messages
            .unwrap_or(MAX_QUEUE_BATCH)
            .clamp(1, MAX_QUEUE_BATCH);
        let wait_seconds = wait.as_secs().min(MAX_WAIT_SECONDS);
        // The attempt must outlive the long poll, or every quiet poll would time out.
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(Duration::from_secs(wait_seconds + 10))
            .build();
        let url = self.queue_url().await?;
        let output = send(&self.retry, "ReceiveMessage", || {
            self.sqs
                .receive_message()
                .queue_url(url)
                .max_number_of_messages(max_messages as i32)
                .wait_time_seconds(wait_seconds as i32)
                .set_visibility_timeout(visibility.map(|v| v.as_secs().max(1) as i32))
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .message_attribute_names(SOURCE_ID_ATTRIBUTE)
                .customize()
                .config_override(
                    aws_sdk_sqs::config::Builder::default().timeout_config(timeouts.clone()),
                )
                .send()
        })
        .await?;
        Ok(output
            .messages
            .unwrap_or_default()
            .into_iter()
            .filter_map(|message| {
                let receive_count = message
                    .attributes
                    .as_ref()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|count| count.parse().ok())
                    .unwrap_or(1);
                Some(ReceivedMessage {
                    message_id: identity(&message)?,
                    receipt: message.receipt_handle?,
                    body: message.body.unwrap_or_default().into_bytes(),
                    receive_count,
                })
            })
            .collect())
    }

    async fn delete_batch(&self, receipts: &[String]) -> BatchResults {
        let entries = numbered(receipts, |id, receipt| {
            DeleteMessageBatchRequestEntry::builder()
                .id(id)
                .receipt_handle(receipt)
                .build()
        })?;
        let url = self.queue_url().await?;
        send_batch!(
            self,
            delete_message_batch,
            "DeleteMessageBatch",
            url,
            entries
        )
    }

    async fn change_visibility(&self, receipts: &[String], timeout: Duration) -> BatchResults {
        self.change_visibility_on(self.queue_url().await?, receipts, timeout)
            .await
    }

    async fn visibility_timeout(&self) -> BackendResult<Duration> {
        let timeout = self
            .visibility_timeout
            .get_or_try_init(|| async {
                let url = self.queue_url().await?;
                let output = send(&self.retry, "GetQueueAttributes", || {
                    self.sqs
                        .get_queue_attributes()
                        .queue_url(url)
                        .attribute_names(QueueAttributeName::VisibilityTimeout)
                        .send()
                })
                .await?;
                output
                    .attributes
                    .and_then(|mut attributes| {
                        attributes.remove(&QueueAttributeName::VisibilityTimeout)
                    })
                    .and_then(|seconds| seconds.parse().ok())
                    .map(Duration::from_secs)
                    .ok_or_else(|| {
                        BackendError::permanent(format!("queue {url} has no visibility timeout"))
                    })
            })
            .await?;
        Ok(*timeout)
    }

    async fn send_dead_letter(&self, poison: &Poison) -> BackendResult<()> {
        let (message, body) = (&poison.message, &poison.body);
        let reason = crate::model::event::shorten(&poison.reason, MAX_REASON_BYTES / 4);
        let url = self.dead_letter_url().await?;
        let reason = text_attribute(&reason)?;
        let source = text_attribute(&message.message_id)?;
        let receive_count = MessageAttributeValue::builder()
            .data_type("Number")
            .string_value(message.receive_count.to_string())
            .build()
            .map_err(malformed)?;
        // Bodies come from SQS, so they are valid UTF-8 here.
        let body = String::from_utf8_lossy(body);
        send(&self.retry, "SendMessage to the dead-letter queue", || {
            self.sqs
                .send_message()
                .queue_url(url)
                .message_body(body.clone())
                .message_attributes("reason", reason.clone())
                .message_attributes(SOURCE_ID_ATTRIBUTE, source.clone())
                .message_attributes("receive_count", receive_count.clone())
                .send()
        })
        .await?;
        Ok(())
    }

    async fn stats(&self) -> BackendResult<QueueStats> {
        let main = self.queue_attributes(self.queue_url().await?).await?;
        let dead = self.queue_attributes(self.dead_letter_url().await?).await?;
        let count = |attributes: &HashMap<QueueAttributeName, String>, name| {
            attributes
                .get(&name)
                .and_then(|value| value.parse().ok())
                .unwrap_or(0)
        };
        Ok(QueueStats {
            visible: count(&main, QueueAttributeName::ApproximateNumberOfMessages),
            in_flight: count(
                &main,
                QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
            ),
            dead_letters: count(&dead, QueueAttributeName::ApproximateNumberOfMessages),
        })
    }

    async fn list_dead_letters(&self, limit: usize) -> BackendResult<Vec<DeadLetter>> {
        self.list_dead_letters_sqs(limit).await
    }

    async fn redrive_dead_letters(&self) -> BackendResult<RedriveOutcome> {
        self.redrive_sqs().await
    }

    async fn purge_dead_letters(&self) -> BackendResult<u64> {
        self.purge_sqs().await
    }
}

impl AwsBackend {
    /// Hides received messages of the queue at `url` for `timeout` from now (0: visible at
    /// once), 10 at most; one result per receipt, in order. The one way this backend changes
    /// a message's visibility: the drain keeping or handing back its messages, `dlq list`
    /// putting back what it looked at.
    pub(super) async fn change_visibility_on(
        &self,
        url: &str,
        receipts: &[String],
        timeout: Duration,
    ) -> BatchResults {
        let seconds = timeout.as_secs().min(MAX_VISIBILITY_SECONDS) as i32;
        let entries = numbered(receipts, |id, receipt| {
            ChangeMessageVisibilityBatchRequestEntry::builder()
                .id(id)
                .receipt_handle(receipt)
                .visibility_timeout(seconds)
                .build()
        })?;
        send_batch!(
            self,
            change_message_visibility_batch,
            "ChangeMessageVisibilityBatch",
            url,
            entries
        )
    }

    /// Sends prepared entries to the main queue; one result per entry, in order.
    pub(super) async fn send_entries(
        &self,
        entries: Vec<SendMessageBatchRequestEntry>,
        what: &str,
    ) -> BatchResults {
        let url = self.queue_url().await?;
        send_batch!(self, send_message_batch, what, url, entries)
    }

    pub(super) async fn queue_attributes(
        &self,
        url: &str,
    ) -> BackendResult<HashMap<QueueAttributeName, String>> {
        let output = send(&self.retry, "GetQueueAttributes", || {
            self.sqs
                .get_queue_attributes()
                .queue_url(url)
                .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
                .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
                .send()
        })
        .await?;
        Ok(output.attributes.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::entry_results;
    use aws_sdk_sqs::types::BatchResultErrorEntry;

    fn failure(id: &str, sender_fault: bool, message: &str) -> BatchResultErrorEntry {
        BatchResultErrorEntry::builder()
            .id(id)
            .sender_fault(sender_fault)
            .code("Code")
            .message(message)
            .build()
            .unwrap()
    }

    #[test]
    fn failed_entries_map_to_their_positions() {
        let failed = vec![
            failure("1", false, "throttled"),
            failure("2", true, "too big"),
        ];
        let results = entry_results(3, failed, "SendMessageBatch");
        assert!(results[0].is_ok());
        assert!(results[1].as_ref().unwrap_err().is_transient());
        assert!(!results[2].as_ref().unwrap_err().is_transient());
    }
}
