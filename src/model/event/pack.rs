//! Packing events into queue message bodies of a bounded size (pure code).

use super::Event;

/// Encodes events into message bodies of at most `max_bytes` and `max_events` each.
/// One event per message is sent as a bare object (the beacon's shape); more as a JSON array.
#[derive(Debug)]
pub struct Packer {
    max_bytes: usize,
    max_events: usize,
    buffer: String,
    count: usize,
    /// The event being added, encoded: one buffer for every event, not a string each.
    encoded: Vec<u8>,
}

impl Packer {
    pub fn new(max_bytes: usize, max_events: usize) -> Self {
        Packer {
            max_bytes,
            max_events: max_events.max(1),
            buffer: String::new(),
            count: 0,
            encoded: Vec::new(),
        }
    }

    /// Adds an event; returns a finished body when the event did not fit in the current one.
    pub fn push(&mut self, event: &Event) -> Option<String> {
        let mut bytes = std::mem::take(&mut self.encoded);
        bytes.clear();
        event.write_json(&mut bytes);
        let finished = self.push_encoded(std::str::from_utf8(&bytes).expect("JSON is UTF-8"));
        self.encoded = bytes;
        finished
    }

    /// Adds an event encoded already (as [`Event::write_json`] does); returns a finished body
    /// when the event did not fit in the current one.
    pub fn push_encoded(&mut self, encoded: &str) -> Option<String> {
        let full = self.count > 0
            && (self.count >= self.max_events
                || self.body_len_with(encoded.len()) > self.max_bytes);
        let finished = if full { self.finish() } else { None };
        match (self.count > 0, self.max_events == 1) {
            (true, _) => self.buffer.push(','),
            // A packed body's bracket is written first, so finishing it copies nothing.
            (false, false) => self.buffer.push('['),
            (false, true) => {}
        }
        self.buffer.push_str(encoded);
        self.count += 1;
        finished
    }

    /// Length of the body if an encoded event of `extra` bytes were added: a comma, and the
    /// brackets of a packed message.
    fn body_len_with(&self, extra: usize) -> usize {
        // The opening bracket is in the buffer already.
        let bracket = if self.max_events == 1 { 0 } else { 1 };
        self.buffer.len() + 1 + extra + bracket
    }

    /// Takes the body being built, if any.
    pub fn finish(&mut self) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        if self.max_events > 1 {
            self.buffer.push(']');
        }
        let body = std::mem::take(&mut self.buffer);
        self.count = 0;
        Some(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::decode_message;
    use crate::model::fixtures::now;
    use chrono::Duration;

    fn decode(body: &str) -> Vec<Event> {
        decode_message(body.as_bytes(), "m-1", now())
            .unwrap()
            .events
    }

    #[test]
    fn packer_respects_byte_and_count_limits_and_round_trips() {
        let events: Vec<Event> = (0..100)
            .map(|i| Event {
                id: format!("id-{i}"),
                page: format!("/page/{i}"),
                time: now() - Duration::hours(1),
                ..Default::default()
            })
            .collect();
        let mut packer = Packer::new(1_000, 1_000);
        let mut bodies: Vec<String> = events.iter().filter_map(|e| packer.push(e)).collect();
        bodies.extend(packer.finish());
        assert!(bodies.len() > 1);
        assert!(bodies.iter().all(|b| b.len() <= 1_000));
        let decoded: Vec<Event> = bodies.iter().flat_map(|b| decode(b)).collect();
        assert_eq!(decoded, events);

        // Bodies fill up to the limit exactly, never past it.
        let one = events[0].to_json().len();
        let exact = 2 + 3 * one + 2;
        let mut tight = Packer::new(exact, 1_000);
        let mut same_size = events[..4].to_vec();
        for event in &mut same_size {
            event.page = events[0].page.clone();
            event.id = events[0].id.clone();
        }
        let bodies: Vec<String> = same_size.iter().filter_map(|e| tight.push(e)).collect();
        assert_eq!(bodies.len(), 1);
        assert_eq!(bodies[0].len(), exact);
        let joined: Vec<String> = same_size[..3].iter().map(Event::to_json).collect();
        assert_eq!(bodies[0], format!("[{}]", joined.join(",")));
        let mut limit = Packer::new(exact - 1, 1_000);
        let first = same_size.iter().find_map(|e| limit.push(e)).unwrap();
        assert_eq!(first.len(), 2 * one + 3);

        let mut single = Packer::new(65_536, 1);
        let first = single.push(&events[0]);
        assert_eq!(first, None);
        let body = single.push(&events[1]).unwrap();
        assert!(body.starts_with('{'));
        assert_eq!(decode(&body), vec![events[0].clone()]);
    }
}
