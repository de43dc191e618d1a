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
//! them, take 8 bytes); tag 3 the kind (`download` or `event`; absent for a view); then each
//! optional field of the event as text under its own tag (`FieldSpec::packed_tag`: 4 a custom
//! event's name, 5 the referrer, 6 the campaign's source, 7 its medium, 8 its name, 9 the A/B
//! variant, and so on). A view that carries none of them pays nothing for them. A new field is
//! a new tag: a reader skips the tags it does not know, so items written by a newer
//! `pageviews` still count for an older one.

use thiserror::Error;

use crate::model::dimension::Observed;
use crate::model::event::{Event, Field, Kind};

/// The one version this code writes.
pub const VERSION: u8 = 1;

const END: u8 = 0;
const VISITOR_TEXT: u8 = 1;
const VISITOR_HEX: u8 = 2;
const KIND: u8 = 3;

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
    #[error("an event's kind is not view, download, event or bot")]
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
    for (field, text) in event.fields.present() {
        put_field(out, field.spec().packed_tag, text);
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
                tag => match Field::of_packed_tag(tag) {
                    Some(field) => event.fields[field.index()] = Some(reader.text()?),
                    // A field of a newer version: not counted here, skipped.
                    None => {
                        reader.string()?;
                    }
                },
            }
        }
        event.visitor = has_visitor.then_some(visitor.as_str());
        each(EventView { id, event });
        count += 1;
    }
    Ok(count)
}

/// The events of an item, whole (for tests and tools; counting uses [`each_event`]).
#[cfg(any(test, feature = "test-support"))]
pub fn decode(bytes: &[u8]) -> Result<Vec<Event>, PackedError> {
    let mut events = Vec::new();
    let mut bad_time = false;
    each_event(bytes, |view| match view.event.to_event(view.id) {
        Some(event) => events.push(event),
        None => bad_time = true,
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
#[cfg(test)]
pub fn header_bytes(base_ms: i64) -> usize {
    1 + varint_bytes(base_ms.max(0) as u64)
}

#[cfg(test)]
#[path = "packed_tests.rs"]
mod tests;
