//! Storing what the drain received: each message decoded, the events of the good ones written
//! (a group the table refuses split until the refused message is alone), and what can never be
//! stored dead-lettered with its reason. Each message ends done (to delete) or unfinished (left
//! on the queue for redelivery).

use chrono::Utc;
use indicatif::ProgressBar;
use std::ops::Range;
use std::time::Duration;

use super::{add_known, DrainSummary};
use crate::backend::retry::{retry, RetryPolicy};
use crate::backend::{Backend, BackendError, ErrorKind, MessageEvents, Poison, ReceivedMessage};
use crate::model::event::{decode_message, shorten, DecodedMessage, RejectedEvent};
use crate::model::text::counted;

/// Longest reason stored with a dead letter.
const MAX_REASON_CHARS: usize = 1_000;
/// Appended to a message's identity for the dead letter of its refused events.
const REJECTED_SUFFIX: &str = "#rejected";
/// The dead-letter reason of a message whose events the table refuses for good.
const WRITE_REFUSED: &str = "write-refused";

/// The messages that hold events to write, in the order of their events.
#[derive(Default)]
struct ToWrite {
    messages: Vec<ReceivedMessage>,
    events: Vec<MessageEvents>,
    /// The refused events of each message, if any, dead-lettered once the others are stored.
    refused_parts: Vec<Option<Poison>>,
}

/// A group of messages decoded, not yet written: what [`Storer::decode`] hands to
/// [`Storer::store_decoded`].
pub struct Decoded {
    to_write: ToWrite,
    /// What goes to the dead-letter queue whole (or, for part of a message, apart).
    letters: Vec<Poison>,
}

/// What became of one message's write.
#[derive(Debug, Clone, PartialEq)]
enum Written {
    Stored,
    /// The store refuses it for good: what it said.
    Refused(String),
    /// Not stored (yet): the message stays on the queue.
    Failed,
}

/// The receipts of the messages done with (to delete) and of those left on the queue.
#[derive(Debug, Default)]
pub struct Stored {
    pub done: Vec<String>,
    pub unfinished: Vec<String>,
}

/// Stores groups of received messages: what a drain does with each group it receives, and
/// what the Lambda function does with each batch its event source mapping hands it.
pub struct Storer {
    pub backend: Backend,
    pub retry: RetryPolicy,
    /// How long one write may take before it is given up ([`crate::backend::WRITE_BOUND`]).
    pub write_bound: Duration,
    pub progress: ProgressBar,
    /// What was stored so far.
    pub summary: DrainSummary,
}

impl Storer {
    pub fn new(backend: Backend, retry: RetryPolicy, write_bound: Duration) -> Self {
        Storer {
            backend,
            retry,
            write_bound,
            progress: ProgressBar::hidden(),
            summary: DrainSummary::default(),
        }
    }

    /// Writes every good event of `messages`, then dead-letters what can never be written.
    pub async fn store(&mut self, messages: Vec<ReceivedMessage>) -> Stored {
        let decoded = self.decode(messages);
        self.store_decoded(decoded).await
    }

    /// Writes every good event of messages decoded before, then dead-letters what can never
    /// be written.
    pub async fn store_decoded(&mut self, decoded: Decoded) -> Stored {
        let Decoded {
            to_write,
            mut letters,
        } = decoded;
        let ToWrite {
            messages,
            events,
            refused_parts,
        } = to_write;
        let written = self.write_split(&events).await;
        // Freeing a group's events (tens of thousands of strings; about 3% of a drain's samples
        // in `perf`) is left to a thread of the blocking pool, while the messages are deleted
        // and the next group written.
        tokio::task::spawn_blocking(move || drop(events));
        let mut stored = Stored::default();
        let parts = refused_parts.into_iter();
        for ((message, written), part) in messages.into_iter().zip(written).zip(parts) {
            match (written, part) {
                (Written::Stored, None) => stored.done.push(message.receipt),
                (Written::Stored, Some(part)) => letters.push(part),
                (Written::Refused(said), _) => {
                    self.count_dead(WRITE_REFUSED);
                    letters.push(Poison {
                        body: message.body.clone(),
                        reason: shorten(&format!("{WRITE_REFUSED}: {said}"), MAX_REASON_CHARS),
                        message,
                    });
                }
                (Written::Failed, _) => stored.unfinished.push(message.receipt),
            }
        }
        for letter in letters {
            let receipt = letter.message.receipt.clone();
            match self.dead_letter(&letter).await {
                true => stored.done.push(receipt),
                false => stored.unfinished.push(receipt),
            }
        }
        stored
    }

    /// Decodes the messages, sorting them into those with events to write and those that go
    /// to the dead-letter queue whole. Touches neither the queue nor the table: a drain decodes
    /// one group while the group before is being written.
    pub fn decode(&mut self, messages: Vec<ReceivedMessage>) -> Decoded {
        self.summary.messages += messages.len() as u64;
        let now = Utc::now();
        let mut to_write = ToWrite::default();
        let mut poison = Vec::new();
        for message in messages {
            match decode_message(&message.body, &message.message_id, now) {
                Ok(DecodedMessage { events, rejected }) => {
                    self.count_rejected(&rejected);
                    let kept_some = !events.is_empty();
                    let part = (!rejected.is_empty())
                        .then(|| partial_poison(message.clone(), &rejected, kept_some));
                    match (kept_some, part) {
                        (false, Some(part)) => poison.push(part),
                        (_, part) => {
                            to_write.events.push(MessageEvents {
                                source: message.message_id.clone(),
                                events: events.into(),
                            });
                            to_write.messages.push(message);
                            to_write.refused_parts.push(part);
                        }
                    }
                }
                Err(err) => {
                    self.count_dead(err.code());
                    let reason = format!("{}: {err}", err.code());
                    let body = message.body.clone();
                    poison.push(Poison {
                        message,
                        body,
                        reason,
                    });
                }
            }
        }
        Decoded {
            to_write,
            letters: poison,
        }
    }

    /// Writes `messages`; a group the store refuses for good is split in halves, and those
    /// again, until each refused message is alone. Other failures leave the group's messages
    /// unstored.
    async fn write_split(&mut self, messages: &[MessageEvents]) -> Vec<Written> {
        let mut written = vec![Written::Failed; messages.len()];
        let mut groups: Vec<Range<usize>> = Vec::new();
        groups.push(0..messages.len());
        while let Some(group) = groups.pop() {
            if group.is_empty() {
                continue;
            }
            match self.write(&messages[group.clone()]).await {
                Ok(()) => written[group].fill(Written::Stored),
                Err(err) if err.kind() == ErrorKind::Invalid && group.len() > 1 => {
                    tracing::info!(%err, messages = group.len(), "the table refuses part of a group; splitting it");
                    let middle = group.start + group.len() / 2;
                    groups.push(middle..group.end);
                    groups.push(group.start..middle);
                }
                Err(err) if err.kind() == ErrorKind::Invalid => {
                    tracing::warn!(%err, "the table refuses a message; it goes to the dead-letter queue");
                    written[group.start] = Written::Refused(err.to_string());
                }
                Err(err) => {
                    tracing::error!(%err, messages = group.len(), "cannot write events; the messages stay on the queue for redelivery");
                    self.summary.write_failures += group.len() as u64;
                }
            }
        }
        written
    }

    /// One write of a group of messages' events, retried under the policy and bounded in time.
    async fn write(&mut self, messages: &[MessageEvents]) -> Result<(), BackendError> {
        let store = &self.backend.events;
        let write = retry(&self.retry, "write events", || store.put_events(messages));
        let bound = self.write_bound;
        let outcome = tokio::time::timeout(bound, write)
            .await
            .unwrap_or_else(|_| {
                Err(BackendError::transient(format!(
                    "the write did not finish within {} s; given up",
                    bound.as_secs_f64()
                ))
                .retried())
            })?;
        self.summary.events_written += outcome.written;
        self.summary.duplicates = add_known(self.summary.duplicates, outcome.duplicates);
        self.summary.write_capacity_units =
            add_known(self.summary.write_capacity_units, outcome.capacity_units);
        self.progress.inc(outcome.written);
        Ok(())
    }

    async fn dead_letter(&mut self, item: &Poison) -> bool {
        let queue = &self.backend.queue;
        let sent = retry(&self.retry, "dead-letter", || queue.send_dead_letter(item)).await;
        match sent {
            Ok(()) => {
                tracing::info!(message_id = %item.message.message_id, reason = %item.reason, "dead-lettered");
                true
            }
            Err(err) => {
                tracing::error!(%err, message_id = %item.message.message_id, "cannot dead-letter; the message stays on the queue");
                self.summary.write_failures += 1;
                false
            }
        }
    }

    fn count_dead(&mut self, reason: &str) {
        *self
            .summary
            .dead_lettered_messages
            .entry(reason.to_owned())
            .or_default() += 1;
    }

    fn count_rejected(&mut self, rejected: &[RejectedEvent]) {
        for event in rejected {
            *self
                .summary
                .rejected_events
                .entry(event.error.code().to_owned())
                .or_default() += 1;
        }
    }
}

/// The refused events of a packed message, as a packed message of their own, with the reasons.
/// When some events were kept, the dead letter gets an identity of its own: its events sit at
/// new positions, and must not derive the ids of the kept events if a redrive after a fix makes
/// them valid. When none were kept, positions are unchanged and so is the identity.
fn partial_poison(message: ReceivedMessage, rejected: &[RejectedEvent], kept_some: bool) -> Poison {
    let message = match kept_some {
        true => ReceivedMessage {
            message_id: format!("{}{REJECTED_SUFFIX}", message.message_id),
            ..message
        },
        false => message,
    };
    let raw: Vec<&str> = rejected.iter().map(|event| event.raw.as_str()).collect();
    let body = format!("[{}]", raw.join(",")).into_bytes();
    // Positions as people count them, from 1 (`#2`: the message's second event); the ids of
    // events without one still count from 0, as they always have.
    let details: Vec<String> = rejected
        .iter()
        .map(|event| format!("#{} {}", event.index + 1, event.error))
        .collect();
    let reason = format!(
        "{}: {} of the message refused: {}",
        rejected[0].error.code(),
        counted(rejected.len() as u64, "event"),
        details.join("; ")
    );
    Poison {
        message,
        body,
        reason: shorten(&reason, MAX_REASON_CHARS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::EventError;

    #[test]
    fn refused_events_beside_kept_ones_get_an_identity_of_their_own() {
        let message = ReceivedMessage {
            message_id: "m-1".into(),
            receipt: "r".into(),
            body: Vec::new(),
            receive_count: 1,
        };
        let rejected = [RejectedEvent {
            index: 1,
            raw: r#"{"page":"x","time":"2021-03-13T00:00:00Z"}"#.into(),
            error: EventError::PageNotPath,
        }];
        let alone = partial_poison(message.clone(), &rejected, false);
        assert_eq!(alone.message.message_id, "m-1");
        let poison = partial_poison(message, &rejected, true);
        assert_eq!(poison.message.message_id, "m-1#rejected");
        assert_eq!(poison.message.receipt, "r");
        assert_eq!(
            poison.body,
            br#"[{"page":"x","time":"2021-03-13T00:00:00Z"}]"#.to_vec()
        );
        assert_eq!(
            poison.reason,
            "page-not-path: 1 event of the message refused: #2 page must be a path starting with '/'"
        );
    }
}
