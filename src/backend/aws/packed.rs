//! The packed layout's encoding (pure code): the events of one raw item in one DynamoDB binary
//! attribute, small, versioned, and open to new fields.
//!
//! Version 1, byte by byte (varints are unsigned LEB128; a string is its length as a varint,
//! then its UTF-8 bytes):
//!
//! ```text
//! 1                      the version
//! varint                 the base time: milliseconds since the epoch
//! then, per event:
//!   varint               milliseconds after the previous event's time (the first event's:
//!                        after the base), zigzag-encoded, so an out-of-order time costs no more
//!   string               the id
//!   string               the page
//!   (u8 tag, string)*    optional fields, in any order
//!   0                    the end of the event
//! ```
//!
//! Optional fields: tag 1 is the visitor key as text; tag 2 is a visitor key of lowercase hex
//! digits stored as the bytes they spell, half the size (16 hex digits, as the collector makes
//! them, take 8 bytes); tag 3 the kind (`download` or `event`; absent for a view); then, as
//! text, tag 4 a custom event's name, 5 the referrer, 6 the campaign's source, 7 its medium,
//! 8 its name, 9 the A/B variant. A view that carries none of them pays nothing for them. A new
//! field is a new tag: a reader skips the tags it does not know, so items written by a newer
//! `pageviews` still count for an older one.

use chrono::DateTime;
use thiserror::Error;

use crate::event::{Event, Kind};
use crate::pipeline::breakdown::Observed;

/// The one version this code writes.
pub const VERSION: u8 = 1;

const END: u8 = 0;
const VISITOR_TEXT: u8 = 1;
const VISITOR_HEX: u8 = 2;
const KIND: u8 = 3;
const NAME: u8 = 4;
const REFERRER: u8 = 5;
const SOURCE: u8 = 6;
const MEDIUM: u8 = 7;
const CAMPAIGN: u8 = 8;
const VARIANT: u8 = 9;

/// Why an item's events could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PackedError {
    #[error("the events are empty")]
    Empty,
    #[error("version {0} of the packed layout is newer than this pageviews knows")]
    Version(u8),
    #[error("the events end in the middle of one")]
    Truncated,
    #[error("an event holds text that is not UTF-8")]
    NotUtf8,
    #[error("an event's time is out of range")]
    BadTime,
    #[error("an event's kind is not view, download or event")]
    BadKind,
}

/// One event as read from an item, borrowing from the item and the reader: its id, and what
/// counting needs of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventView<'a> {
    pub id: &'a str,
    pub event: Observed<'a>,
}

/// Builds the events of one item. Events are appended in the order given; in time order the
/// gaps, and so the events, are smallest.
#[derive(Debug, Clone)]
pub struct Encoder {
    bytes: Vec<u8>,
    previous_ms: i64,
    events: usize,
}

impl Encoder {
    /// An item whose times count from `base_ms` (its first event's time is cheapest).
    pub fn new(base_ms: i64) -> Self {
        let mut bytes = vec![VERSION];
        put_varint(&mut bytes, base_ms.max(0) as u64);
        Encoder {
            bytes,
            previous_ms: base_ms.max(0),
            events: 0,
        }
    }

    /// Bytes so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn events(&self) -> usize {
        self.events
    }

    pub fn is_empty(&self) -> bool {
        self.events == 0
    }

    /// What `event` would add.
    pub fn cost(&self, event: &Event) -> usize {
        let mut scratch = Vec::with_capacity(64);
        encode_event(&mut scratch, self.previous_ms, event);
        scratch.len()
    }

    pub fn push(&mut self, event: &Event) {
        encode_event(&mut self.bytes, self.previous_ms, event);
        self.previous_ms = event.time_ms();
        self.events += 1;
    }

    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

fn encode_event(out: &mut Vec<u8>, previous_ms: i64, event: &Event) {
    put_varint(out, zigzag(event.time_ms() - previous_ms));
    put_string(out, event.id.as_bytes());
    put_string(out, event.page.as_bytes());
    if let Some(visitor) = &event.visitor {
        match hex_bytes(visitor) {
            Some(bytes) => {
                out.push(VISITOR_HEX);
                put_string(out, &bytes);
            }
            None => {
                out.push(VISITOR_TEXT);
                put_string(out, visitor.as_bytes());
            }
        }
    }
    if !event.kind.is_view() {
        put_field(out, KIND, event.kind.as_str());
    }
    for (tag, field) in [
        (NAME, &event.name),
        (REFERRER, &event.referrer),
        (SOURCE, &event.source),
        (MEDIUM, &event.medium),
        (CAMPAIGN, &event.campaign),
        (VARIANT, &event.variant),
    ] {
        if let Some(text) = field {
            put_field(out, tag, text);
        }
    }
    out.push(END);
}

/// Splits `events` (in the order given) into items of at most `max_bytes` bytes each; an
/// event larger than that alone gets an item of its own.
pub fn pack(events: &[&Event], max_bytes: usize) -> Vec<Vec<u8>> {
    let mut items = Vec::new();
    let Some(first) = events.first() else {
        return items;
    };
    let mut current = Encoder::new(first.time_ms());
    for event in events {
        if !current.is_empty() && current.len() + current.cost(event) > max_bytes {
            let full = std::mem::replace(&mut current, Encoder::new(event.time_ms()));
            items.push(full.finish());
        }
        current.push(event);
    }
    items.push(current.finish());
    items
}

/// Calls `each` with every event of an item, in order; returns how many there were.
pub fn each_event(bytes: &[u8], mut each: impl FnMut(EventView<'_>)) -> Result<usize, PackedError> {
    let mut reader = Reader { bytes, at: 0 };
    match reader.byte().map_err(|_| PackedError::Empty)? {
        VERSION => {}
        newer => return Err(PackedError::Version(newer)),
    }
    let mut time_ms = i64::try_from(reader.varint()?).map_err(|_| PackedError::BadTime)?;
    let mut visitor = String::new();
    let mut count = 0;
    while !reader.at_end() {
        time_ms = time_ms
            .checked_add(unzigzag(reader.varint()?))
            .ok_or(PackedError::BadTime)?;
        let id = reader.text()?;
        let mut event = Observed {
            page: reader.text()?,
            time_ms,
            ..Observed::default()
        };
        let mut has_visitor = false;
        loop {
            match reader.byte()? {
                END => break,
                KIND => {
                    event.kind = Kind::parse(reader.text()?).map_err(|_| PackedError::BadKind)?
                }
                NAME => event.name = Some(reader.text()?),
                REFERRER => event.referrer = Some(reader.text()?),
                SOURCE => event.source = Some(reader.text()?),
                MEDIUM => event.medium = Some(reader.text()?),
                CAMPAIGN => event.campaign = Some(reader.text()?),
                VARIANT => event.variant = Some(reader.text()?),
                VISITOR_TEXT => {
                    visitor.clear();
                    visitor.push_str(reader.text()?);
                    has_visitor = true;
                }
                VISITOR_HEX => {
                    visitor.clear();
                    for byte in reader.string()? {
                        visitor.push_str(&format!("{byte:02x}"));
                    }
                    has_visitor = true;
                }
                // A field of a newer version: not counted here, skipped.
                _ => {
                    reader.string()?;
                }
            }
        }
        event.visitor = has_visitor.then_some(visitor.as_str());
        each(EventView { id, event });
        count += 1;
    }
    Ok(count)
}

/// The events of an item, whole (for tests and tools; counting uses [`each_event`]).
pub fn decode(bytes: &[u8]) -> Result<Vec<Event>, PackedError> {
    let mut events = Vec::new();
    let mut bad_time = false;
    each_event(bytes, |view| {
        let owned = |text: Option<&str>| text.map(str::to_owned);
        let event = view.event;
        match DateTime::from_timestamp_millis(event.time_ms) {
            Some(time) => events.push(Event {
                id: view.id.to_owned(),
                page: event.page.to_owned(),
                time,
                visitor: owned(event.visitor),
                kind: event.kind,
                name: owned(event.name),
                referrer: owned(event.referrer),
                source: owned(event.source),
                medium: owned(event.medium),
                campaign: owned(event.campaign),
                variant: owned(event.variant),
            }),
            None => bad_time = true,
        }
    })?;
    if bad_time {
        return Err(PackedError::BadTime);
    }
    Ok(events)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn at_end(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn byte(&mut self) -> Result<u8, PackedError> {
        let byte = *self.bytes.get(self.at).ok_or(PackedError::Truncated)?;
        self.at += 1;
        Ok(byte)
    }

    fn varint(&mut self) -> Result<u64, PackedError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(PackedError::Truncated)
    }

    fn string(&mut self) -> Result<&'a [u8], PackedError> {
        let len = usize::try_from(self.varint()?).map_err(|_| PackedError::Truncated)?;
        let end = self.at.checked_add(len).ok_or(PackedError::Truncated)?;
        let bytes = self.bytes.get(self.at..end).ok_or(PackedError::Truncated)?;
        self.at = end;
        Ok(bytes)
    }

    fn text(&mut self) -> Result<&'a str, PackedError> {
        std::str::from_utf8(self.string()?).map_err(|_| PackedError::NotUtf8)
    }
}

fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn put_field(out: &mut Vec<u8>, tag: u8, text: &str) {
    out.push(tag);
    put_string(out, text.as_bytes());
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

fn unzigzag(value: u64) -> i64 {
    ((value >> 1) as i64) ^ -((value & 1) as i64)
}

/// Bytes of a non-empty text of an even number of lowercase hex digits, which spell it back
/// exactly; `None` for any other text.
fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.is_empty() || !digits.len().is_multiple_of(2) {
        return None;
    }
    let value = |digit: u8| match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    };
    digits
        .chunks(2)
        .map(|pair| Some(value(pair[0])? << 4 | value(pair[1])?))
        .collect()
}

/// Bytes a varint of `value` takes.
pub fn varint_bytes(value: u64) -> usize {
    (64 - value.max(1).leading_zeros() as usize).div_ceil(7)
}

/// Bytes an event takes in an item, `gap_ms` after the previous one: for sizing items without
/// building them (the cost model).
pub fn event_bytes(page_bytes: usize, id_bytes: usize, visitor: Visitor, gap_ms: i64) -> usize {
    let text = |len: usize| varint_bytes(len as u64) + len;
    let visitor = match visitor {
        Visitor::None => 0,
        Visitor::Hex(digits) => 1 + text(digits / 2),
        Visitor::Text(len) => 1 + text(len),
    };
    varint_bytes(zigzag(gap_ms)) + text(id_bytes) + text(page_bytes) + visitor + 1
}

/// What an event's visitor key is like, for [`event_bytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visitor {
    None,
    /// That many lowercase hex digits (the collector's keys: 16).
    Hex(usize),
    /// Any other text of that many bytes.
    Text(usize),
}

/// Bytes of the version and base time that open an item.
pub fn header_bytes(base_ms: i64) -> usize {
    1 + varint_bytes(base_ms.max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::event;

    fn with_visitor(id: &str, page: &str, time: &str, visitor: &str) -> Event {
        Event {
            visitor: Some(visitor.into()),
            ..event(id, page, time)
        }
    }

    #[test]
    fn events_round_trip_with_every_kind_of_visitor() {
        let events = vec![
            event("0000000000000001-1", "/posts/a", "2021-03-13T01:00:00Z"),
            with_visitor(
                "b",
                "/ünï/日本",
                "2021-03-13T01:00:00.5Z",
                "00ff17a9c3d2e4b5",
            ),
            // Earlier than the one before: a negative gap.
            with_visitor("c", "/", "2021-03-13T00:59:59Z", "Not-Hex_key"),
            with_visitor("d", "/x", "2021-03-13T02:00:00Z", "ABCD"),
            with_visitor("e", "/x", "2021-03-14T02:00:00Z", "abc"),
        ];
        let refs: Vec<&Event> = events.iter().collect();
        let items = pack(&refs, 4096);
        assert_eq!(items.len(), 1);
        assert_eq!(decode(&items[0]).unwrap(), events);
    }

    #[test]
    fn every_optional_field_round_trips_and_a_plain_view_pays_nothing_for_them() {
        let plain = event("a", "/p", "2021-03-13T00:00:00Z");
        let mut download = Event {
            kind: Kind::Download,
            referrer: Some("news.example".into()),
            source: Some("newsletter".into()),
            medium: Some("email".into()),
            campaign: Some("spring".into()),
            variant: Some("B".into()),
            ..event("b", "/files/a.pdf", "2021-03-13T00:00:01Z")
        };
        let custom = Event {
            kind: Kind::Event,
            name: Some("signup".into()),
            visitor: Some("00ff17a9c3d2e4b5".into()),
            ..event("c", "/", "2021-03-13T00:00:02Z")
        };
        let events = vec![plain.clone(), download.clone(), custom];
        let refs: Vec<&Event> = events.iter().collect();
        assert_eq!(decode(&pack(&refs, 4096)[0]).unwrap(), events);
        let encoder = Encoder::new(plain.time_ms());
        assert_eq!(encoder.cost(&plain), event_bytes(2, 1, Visitor::None, 0));
        download.kind = Kind::parse("nonsense").unwrap_or(Kind::Download);
        let mut bytes = pack(&[&download], 4096).remove(0);
        let at = bytes.windows(8).position(|w| w == b"download").unwrap();
        bytes[at] = b'X';
        assert_eq!(decode(&bytes), Err(PackedError::BadKind));
    }

    #[test]
    fn the_sizes_are_those_written() {
        let mut visitor = with_visitor(
            "0000000000000007-12345",
            "/posts/2021/03/some-post-title",
            "2021-03-13T12:34:56.789Z",
            "00ff17a9c3d2e4b5",
        );
        let base = visitor.time_ms() - 70_000;
        let mut encoder = Encoder::new(base);
        assert_eq!(encoder.len(), header_bytes(base));
        assert_eq!(header_bytes(base), 7);
        let bytes = encoder.cost(&visitor);
        assert_eq!(
            bytes,
            event_bytes(30, 22, Visitor::Hex(16), 70_000),
            "{visitor:?}"
        );
        // A gap of 70 s (3 bytes) + id (1 + 22) + page (1 + 30) + visitor (1 + 1 + 8) + end.
        assert_eq!(bytes, 3 + 23 + 31 + 10 + 1);
        encoder.push(&visitor);
        visitor.visitor = Some("Text-key".into());
        assert_eq!(
            encoder.cost(&visitor),
            event_bytes(30, 22, Visitor::Text(8), 0)
        );
        visitor.visitor = None;
        assert_eq!(
            encoder.cost(&visitor),
            event_bytes(30, 22, Visitor::None, 0)
        );
        assert_eq!(encoder.cost(&visitor), 1 + 23 + 31 + 1);
    }

    #[test]
    fn items_stay_within_their_size_and_keep_every_event_in_order() {
        let events: Vec<Event> = (0..500)
            .map(|i| {
                let time = format!("2021-03-13T{:02}:{:02}:00Z", i / 60 % 24, i % 60);
                event(&format!("id-{i}"), &format!("/page/{}", i % 37), &time)
            })
            .collect();
        let refs: Vec<&Event> = events.iter().collect();
        let items = pack(&refs, 1000);
        assert!(items.len() >= 8, "{}", items.len());
        assert!(items.iter().all(|item| item.len() <= 1000));
        // Full items leave less room than one more event.
        assert!(items[..items.len() - 1].iter().all(|item| item.len() > 960));
        let read: Vec<Event> = items
            .iter()
            .flat_map(|item| decode(item).unwrap())
            .collect();
        assert_eq!(read, events);
        let big = event(
            "x",
            &format!("/{}", "p".repeat(699)),
            "2021-03-13T00:00:00Z",
        );
        let alone = pack(&[&big, &big], 500);
        assert_eq!(alone.len(), 2);
    }

    #[test]
    fn unknown_fields_are_skipped_and_damage_is_an_error() {
        let e = event("a", "/p", "2021-03-13T00:00:00Z");
        let mut encoder = Encoder::new(e.time_ms());
        encoder.push(&e);
        let mut bytes = encoder.finish();
        // Tag 200 (a field of a newer version) before the end of the event.
        let end = bytes.pop().unwrap();
        bytes.extend([200, 3, b'x', b'y', b'z', end]);
        assert_eq!(decode(&bytes).unwrap(), vec![e.clone()]);
        assert_eq!(
            decode(&bytes[..bytes.len() - 2]),
            Err(PackedError::Truncated)
        );
        assert_eq!(decode(&[]), Err(PackedError::Empty));
        assert_eq!(decode(&[2, 0]), Err(PackedError::Version(2)));
        let mut bad_text = Encoder::new(0);
        bad_text.push(&event("a", "/p", "1970-01-01T00:00:00Z"));
        let mut bytes = bad_text.finish();
        let at = bytes.iter().position(|b| *b == b'p').unwrap();
        bytes[at] = 0xff;
        assert_eq!(decode(&bytes), Err(PackedError::NotUtf8));
    }

    #[test]
    fn varints_and_zigzag() {
        for value in [
            0i64,
            1,
            -1,
            63,
            -64,
            64,
            1 << 40,
            -(1 << 40),
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(unzigzag(zigzag(value)), value);
            let mut out = Vec::new();
            put_varint(&mut out, zigzag(value));
            assert_eq!(out.len(), varint_bytes(zigzag(value)));
        }
        assert_eq!(varint_bytes(127), 1);
        assert_eq!(varint_bytes(128), 2);
        assert_eq!(hex_bytes("00ff"), Some(vec![0, 255]));
        assert_eq!(hex_bytes("0F"), None);
        assert_eq!(hex_bytes("abc"), None);
    }
}
