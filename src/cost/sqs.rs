//! SQS requests a day of traffic costs: sends, receives, deletes and empty long polls.
//!
//! SQS bills every 64 KiB chunk of a call's payload as one request, so a SendMessageBatch of ten
//! full 64 KiB messages is ten requests, and a batch of ten small messages is one.

use super::sizes::message_bytes;
use crate::backend::MAX_QUEUE_BATCH;

/// SQS's billing chunk.
pub const CHUNK_BYTES: u64 = 64 * 1024;
/// The longest long poll SQS allows, which `drain` uses on AWS.
pub const LONG_POLL_SECONDS: u64 = 20;
const SECONDS_PER_DAY: u64 = 86_400;

/// How the pipeline uses the queue in a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDay {
    pub events: u64,
    pub wire_bytes: u64,
    pub events_per_message: u64,
    /// `drain --follow` loops polling all day.
    pub drain_workers: u64,
}

/// Billed requests of one day, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueRequests {
    pub messages: u64,
    pub batch_calls: u64,
    pub sends: u64,
    pub receives: u64,
    pub deletes: u64,
    pub empty_receives: u64,
}

impl QueueRequests {
    pub fn total(&self) -> u64 {
        self.sends + self.receives + self.deletes + self.empty_receives
    }
}

impl QueueDay {
    pub fn requests(&self) -> QueueRequests {
        let epm = self.events_per_message.max(1);
        let messages = self.events.div_ceil(epm);
        let batch_calls = messages.div_ceil(MAX_QUEUE_BATCH as u64);
        // Receives are assumed to come back in the same groups of ten they were sent in, so
        // they carry, and are billed for, the same payloads.
        let sends = self.billed_batches();
        QueueRequests {
            messages,
            batch_calls,
            sends,
            receives: sends,
            deletes: batch_calls,
            empty_receives: self.empty_receives(),
        }
    }

    /// Billed chunks of the day's SendMessageBatch calls: full batches of full messages, then
    /// one last batch with the leftover full messages and the partly filled one.
    fn billed_batches(&self) -> u64 {
        let epm = self.events_per_message.max(1);
        let batch = MAX_QUEUE_BATCH as u64;
        let full_messages = self.events / epm;
        let leftover_events = self.events % epm;
        let full_body = message_bytes(epm, self.wire_bytes, epm);
        let full_batches = full_messages / batch;
        let mut billed = full_batches * chunks(batch * full_body);
        let mut last_payload = (full_messages % batch) * full_body;
        if leftover_events > 0 {
            last_payload += message_bytes(leftover_events, self.wire_bytes, epm);
        }
        if last_payload > 0 {
            billed += chunks(last_payload);
        }
        billed
    }

    /// An idle long poll returns after 20 s: three requests a minute per polling worker. Time
    /// spent on non-empty receives is negligible next to a day.
    fn empty_receives(&self) -> u64 {
        self.drain_workers * SECONDS_PER_DAY / LONG_POLL_SECONDS
    }
}

/// Requests a call of `payload` bytes is billed as (at least one).
pub fn chunks(payload: u64) -> u64 {
    payload.div_ceil(CHUNK_BYTES).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The requests of a day of `events` events of 105 bytes (send's default event), packed
    /// `per_message` a message.
    fn requests(events: u64, per_message: u64, drain_workers: u64) -> QueueRequests {
        let day = QueueDay {
            events,
            wire_bytes: 105,
            events_per_message: per_message,
            drain_workers,
        };
        day.requests()
    }

    #[test]
    fn default_day_of_packed_messages() {
        // 10,000 events of 105 bytes, 618 a message: 16 full messages (65,509 bytes) and one
        // of 112 events (112 * 106 + 1 = 11,873 bytes): 17 messages in 2 batch calls.
        // Batch 1: 10 * 65,509 = 655,090 bytes = 10 chunks (655,360 is 10 * 64 KiB).
        // Batch 2: 6 * 65,509 + 11,873 = 404,927 bytes = 7 chunks (6.18 rounded up).
        // Sends 17 + receives 17 + deletes 2 + empty polls 86,400 / 20 = 4,320: 4,356.
        let requests = requests(10_000, 618, 1);
        assert_eq!(
            requests,
            QueueRequests {
                messages: 17,
                batch_calls: 2,
                sends: 17,
                receives: 17,
                deletes: 2,
                empty_receives: 4_320,
            }
        );
        assert_eq!(requests.total(), 4_356);
    }

    #[test]
    fn one_event_per_message_is_one_request_per_ten_events() {
        // 10,000 bare events of 105 bytes: 1,000 batches of 1,050 bytes, one chunk each.
        let requests = requests(10_000, 1, 2);
        assert_eq!(requests.messages, 10_000);
        assert_eq!(requests.sends, 1_000);
        assert_eq!(requests.receives, 1_000);
        assert_eq!(requests.deletes, 1_000);
        assert_eq!(requests.empty_receives, 8_640);
        assert_eq!(requests.total(), 11_640);
    }

    #[test]
    fn a_million_events() {
        // 1,000,000 / 618: 1,618 full messages and one of 76 events (76 * 106 + 1 = 8,057).
        // 161 full batches * 10 chunks = 1,610; the last: 8 * 65,509 + 8,057 = 532,129 bytes
        // = 8.12 chunks -> 9. Sends 1,619, receives 1,619, deletes 162, empty 4,320: 7,720.
        let requests = requests(1_000_000, 618, 1);
        assert_eq!(requests.messages, 1_619);
        assert_eq!(requests.sends, 1_619);
        assert_eq!(requests.deletes, 162);
        assert_eq!(requests.total(), 7_720);
    }

    #[test]
    fn oversized_messages_cost_a_request_per_chunk() {
        // 1,000 events of 105 bytes in one message: 106,001 bytes = 2 chunks.
        assert_eq!(requests(1_000, 1_000, 0).sends, 2);
        assert_eq!(chunks(0), 1);
        assert_eq!(chunks(65_536), 1);
        assert_eq!(chunks(65_537), 2);
    }
}
