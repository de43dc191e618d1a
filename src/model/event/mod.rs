//! The page-view event: its fields, their limits and validation (pure code). Message decoding
//! lives in `decode`, packing into message bodies in `pack`.

mod audience;
mod decode;
pub mod engagement;
pub mod fields;
pub mod location;
mod pack;
pub mod page;
pub(crate) mod plain_url;
#[cfg(test)]
mod props;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::Serialize;
use thiserror::Error;

use crate::model::day::Day;
use crate::model::visitor::{valid_visitor, MAX_VISITOR_BYTES};
use crate::model::zone::Zone;

pub(crate) use decode::FieldText;
pub use decode::{decode_input_line, decode_message, DecodedMessage, RejectedEvent};
pub use engagement::MAX_ENGAGED_MS;
pub use fields::{Field, FieldValue, Fields, Kind, FIELD_COUNT};
#[cfg(any(test, feature = "test-support"))]
pub use fields::{FieldSpec, FIELDS};
pub use pack::Packer;
pub use page::normalise;

/// Longest page path we store, in bytes: with the longest id and the time, a raw event's
/// DynamoDB sort key (page, time, id) must stay within DynamoDB's 1,024 bytes.
pub const MAX_PAGE_BYTES: usize = 700;
/// Longest event id we accept, in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// SQS refuses bodies over 1 MiB, so a larger body can only be a malformed injection.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;
/// The smallest valid event is about 40 bytes, so 1 MiB never holds more than this many.
pub const MAX_EVENTS_PER_MESSAGE: usize = 25_000;
/// How far in the future an event's time may be (clock skew), before it is refused.
pub const MAX_FUTURE: Duration = Duration::hours(24);

/// One event, validated: a path, a UTC time, the id that makes writes idempotent, the opaque
/// key of the visitor who made it when the producer knew one, what it records (a page view
/// unless `kind` says otherwise), and the optional fields of `fields.rs`.
/// `Event { .., ..Default::default() }` leaves the rest unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    /// The page viewed, or the path of the file downloaded, or where a custom event happened.
    pub page: String,
    pub time: DateTime<Utc>,
    pub visitor: Option<String>,
    pub kind: Kind,
    pub fields: Fields,
}

impl Event {
    /// The calendar day of the view in the deployment's time zone.
    pub fn day_in(&self, zone: Zone) -> Day {
        zone.day_of(self.time)
    }

    pub fn time_ms(&self) -> i64 {
        self.time.timestamp_millis()
    }

    /// The value of an optional field.
    pub fn field(&self, field: Field) -> Option<&str> {
        self.fields.get(field)
    }

    /// The JSON object `send` puts on the queue, and `drain` decodes again: `id`, `page`,
    /// `time`, then `visitor`, `kind` (unless a view) and the fields that have a value.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&WireEvent(self)).expect("an event always serialises")
    }

    /// The same JSON, appended to `out` (a buffer used again for every event).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        serde_json::to_writer(out, &WireEvent(self)).expect("an event always serialises");
    }
}

/// An event's time as its JSON says it, `to_rfc3339_opts(SecondsFormat::AutoSi, true)`'s
/// spelling (`2026-12-08T01:02:03.250Z`: the fraction in 0, 3, 6 or 9 digits as needed), written
/// into the message itself rather than into a `String` of its own for each event.
struct WireTime<'a>(&'a DateTime<Utc>);

impl Serialize for WireTime<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = [0; WIRE_TIME_BYTES];
        match write_wire_time(self.0, &mut text) {
            Some(written) => serializer.serialize_str(written),
            None => serializer.serialize_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        }
    }
}

/// The longest `write_wire_time` writes: `2026-12-08T01:02:03.123456789Z`.
const WIRE_TIME_BYTES: usize = 30;

/// `time` as `WireTime` spells it, written into `out` digit by digit (chrono's own formatting
/// builds a `String` first, and `write!` is slower than either); `None` for a year outside 0 to
/// 9999, which chrono writes otherwise.
fn write_wire_time<'a>(
    time: &DateTime<Utc>,
    out: &'a mut [u8; WIRE_TIME_BYTES],
) -> Option<&'a str> {
    use chrono::{Datelike, Timelike};
    let year = u32::try_from(time.year())
        .ok()
        .filter(|year| *year <= 9999)?;
    // A leap second's nanoseconds run past a billion; chrono writes it as second 60.
    let (mut second, mut nano) = (time.second(), time.nanosecond());
    if nano >= 1_000_000_000 {
        second += 1;
        nano -= 1_000_000_000;
    }
    out[..20].copy_from_slice(b"0000-00-00T00:00:00.");
    for (at, value, width) in [
        (0, year, 4),
        (5, time.month(), 2),
        (8, time.day(), 2),
        (11, time.hour(), 2),
        (14, time.minute(), 2),
        (17, second, 2),
    ] {
        put_digits(&mut out[at..at + width], value);
    }
    let fraction = match nano {
        0 => 0,
        _ if nano % 1_000_000 == 0 => put_digits(&mut out[20..23], nano / 1_000_000),
        _ if nano % 1_000 == 0 => put_digits(&mut out[20..26], nano / 1_000),
        _ => put_digits(&mut out[20..29], nano),
    };
    let end = match fraction {
        0 => 19,
        digits => 20 + digits,
    };
    out[end] = b'Z';
    std::str::from_utf8(&out[..=end]).ok()
}

/// `value`'s last `digits.len()` decimal digits, zero-padded, into `digits`; says how many.
fn put_digits(digits: &mut [u8], mut value: u32) -> usize {
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
    digits.len()
}

/// An event as JSON: fields in a fixed order, absent ones left out.
struct WireEvent<'a>(&'a Event);

impl Serialize for WireEvent<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let event = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("id", &event.id)?;
        map.serialize_entry("page", &event.page)?;
        map.serialize_entry("time", &WireTime(&event.time))?;
        if let Some(visitor) = &event.visitor {
            map.serialize_entry("visitor", visitor)?;
        }
        if !event.kind.is_view() {
            map.serialize_entry("kind", &event.kind)?;
        }
        for (field, value) in event.fields.present() {
            map.serialize_entry(field.name(), value)?;
        }
        map.end()
    }
}

/// Why one event was refused. `code()` is the short, stable name used in summaries.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EventError {
    #[error("not an event object: {0}")]
    Malformed(String),
    #[error("missing field `page`")]
    MissingPage,
    #[error("missing field `time`")]
    MissingTime,
    #[error("page must be a path starting with '/'")]
    PageNotPath,
    #[error("page is {0} bytes, more than the {MAX_PAGE_BYTES} allowed")]
    PageTooLong(usize),
    #[error("page contains a control character or a noncharacter (U+FFFE, U+FFFF)")]
    PageControlChar,
    #[error("time {0:?} is not RFC 3339 (e.g. 2021-03-13T12:34:56Z)")]
    TimeNotRfc3339(String),
    #[error("time {0} is before 1970-01-01")]
    TimeTooOld(String),
    #[error("time {0} is more than 24 h in the future")]
    TimeInFuture(String),
    #[error("id must be 1 to {MAX_ID_BYTES} bytes without control characters or noncharacters")]
    BadId,
    #[error("visitor must be 1 to {MAX_VISITOR_BYTES} printable ASCII characters (no spaces)")]
    BadVisitor,
    #[error("kind must be view, download, event, bot or engagement")]
    BadKind,
    /// An optional field whose value its rule refuses (`FieldSpec::rule`).
    #[error("{}", .0.spec().rule)]
    BadField(Field),
    #[error("name is for events of kind event only")]
    NameWithoutEvent,
    #[error("engaged_ms, scroll and scroll_before are for events of kind engagement only")]
    EngagementWithoutBeacon,
}

impl EventError {
    pub fn code(&self) -> &'static str {
        match self {
            EventError::Malformed(_) => "malformed-event",
            EventError::MissingPage => "missing-page",
            EventError::MissingTime => "missing-time",
            EventError::PageNotPath => "page-not-path",
            EventError::PageTooLong(_) => "page-too-long",
            EventError::PageControlChar => "page-control-char",
            EventError::TimeNotRfc3339(_) => "time-not-rfc3339",
            EventError::TimeTooOld(_) => "time-too-old",
            EventError::TimeInFuture(_) => "time-in-future",
            EventError::BadId => "bad-id",
            EventError::BadVisitor => "bad-visitor",
            EventError::BadKind => "bad-kind",
            EventError::BadField(field) => field.spec().code,
            EventError::NameWithoutEvent => "name-without-event",
            EventError::EngagementWithoutBeacon => "engagement-without-beacon",
        }
    }
}

/// Checks the fields and spells the page canonically; `fallback_id` names an event that arrived
/// without an id.
pub(crate) fn validate(
    raw: decode::RawEvent,
    now: DateTime<Utc>,
    fallback_id: impl FnOnce() -> String,
) -> Result<Event, EventError> {
    let page = page::normalise_owned(raw.page.ok_or(EventError::MissingPage)?)?;
    let time = parse_time(raw.time.as_deref().ok_or(EventError::MissingTime)?, now)?;
    let id = match raw.id {
        Some(id) => {
            validate_id(&id)?;
            id
        }
        None => fallback_id(),
    };
    if raw
        .visitor
        .as_deref()
        .is_some_and(|key| !valid_visitor(key))
    {
        return Err(EventError::BadVisitor);
    }
    let kind = raw.kind.as_deref().map_or(Ok(Kind::View), Kind::parse)?;
    let mut fields = Fields::default();
    for field in Field::all() {
        if let Some(text) = raw.fields.get(field) {
            fields.set(field, field.check(text)?);
        }
    }
    fields::check_kind_and_name(kind, fields.get(Field::Name))?;
    engagement::check_kind_and_engagement(kind, &fields)?;
    Ok(Event {
        id,
        page,
        time,
        visitor: raw.visitor,
        kind,
        fields,
    })
}

/// A page is a path: starts with '/', at most 700 bytes, no control characters. (An event's
/// page is also in its canonical spelling: `page::normalise`.)
pub fn validate_page(page: &str) -> Result<(), EventError> {
    if !page.starts_with('/') {
        return Err(EventError::PageNotPath);
    }
    if page.len() > MAX_PAGE_BYTES {
        return Err(EventError::PageTooLong(page.len()));
    }
    if page.chars().any(unfit_for_a_queue) {
        return Err(EventError::PageControlChar);
    }
    Ok(())
}

/// Control characters make keys ambiguous; SQS refuses a whole message holding U+FFFE or
/// U+FFFF, which would hold up every other view packed with it.
fn unfit_for_a_queue(c: char) -> bool {
    c.is_control() || c == '\u{fffe}' || c == '\u{ffff}'
}

pub fn validate_id(id: &str) -> Result<(), EventError> {
    if id.is_empty() || id.len() > MAX_ID_BYTES || id.chars().any(unfit_for_a_queue) {
        return Err(EventError::BadId);
    }
    Ok(())
}

/// Parses an RFC 3339 time and checks it is neither before 1970 nor over 24 h ahead of `now`.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, EventError> {
    let time = DateTime::parse_from_rfc3339(text)
        .map_err(|_| EventError::TimeNotRfc3339(shorten(text, 64)))?
        .with_timezone(&Utc);
    if time.timestamp_millis() < 0 {
        return Err(EventError::TimeTooOld(text.to_owned()));
    }
    if time > now + MAX_FUTURE {
        return Err(EventError::TimeInFuture(text.to_owned()));
    }
    Ok(time)
}

/// Cuts user-provided text for an error message, on a character boundary.
pub fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::now;

    #[test]
    fn an_events_time_is_written_as_rfc3339_writes_it() {
        use chrono::{NaiveDate, SecondsFormat};
        let day = NaiveDate::from_ymd_opt(2026, 12, 8).unwrap();
        // Whole seconds, milli-, micro- and nanoseconds, a leap second, other years.
        let times = [
            (day, 0, 0, 0, 0),
            (day, 1, 2, 3, 250_000_000),
            (day, 23, 59, 59, 999_999_000),
            (day, 9, 8, 7, 1),
            (day, 23, 59, 59, 1_500_000_000),
            (
                NaiveDate::from_ymd_opt(1, 1, 1).unwrap(),
                0,
                0,
                0,
                10_000_000,
            ),
            (
                NaiveDate::from_ymd_opt(9999, 12, 31).unwrap(),
                23,
                59,
                59,
                123_456_789,
            ),
            (NaiveDate::from_ymd_opt(10000, 1, 1).unwrap(), 0, 0, 0, 0),
        ];
        for (date, hour, minute, second, nano) in times {
            let time = date
                .and_hms_nano_opt(hour, minute, second, nano)
                .unwrap()
                .and_utc();
            let expected = time.to_rfc3339_opts(SecondsFormat::AutoSi, true);
            let written = serde_json::to_string(&WireTime(&time)).unwrap();
            assert_eq!(written, format!("\"{expected}\""));
        }
    }

    #[test]
    fn page_rules() {
        assert_eq!(validate_page("/"), Ok(()));
        assert_eq!(validate_page("posts"), Err(EventError::PageNotPath));
        assert_eq!(validate_page("/a\u{7}b"), Err(EventError::PageControlChar));
        assert_eq!(
            validate_page("/a\u{ffff}"),
            Err(EventError::PageControlChar)
        );
        assert_eq!(validate_id("x\u{fffe}"), Err(EventError::BadId));
        let long = format!("/{}", "a".repeat(MAX_PAGE_BYTES));
        assert_eq!(validate_page(&long), Err(EventError::PageTooLong(701)));
        assert_eq!(validate_page(&long[..MAX_PAGE_BYTES]), Ok(()));
    }

    #[test]
    fn time_rules() {
        assert!(parse_time("2021-03-13T12:34:56Z", now()).is_ok());
        assert!(parse_time("2021-03-13T12:34:56.123456+02:00", now()).is_ok());
        assert_eq!(
            parse_time("2021-03-13 12:34", now()).unwrap_err().code(),
            "time-not-rfc3339"
        );
        assert_eq!(
            parse_time("2021-02-30T00:00:00Z", now())
                .unwrap_err()
                .code(),
            "time-not-rfc3339"
        );
        assert!(parse_time("2021-03-14T23:59:59Z", now()).is_ok());
        assert_eq!(
            parse_time("2021-03-15T00:00:01Z", now())
                .unwrap_err()
                .code(),
            "time-in-future"
        );
        assert_eq!(
            parse_time("1969-12-31T23:59:59Z", now())
                .unwrap_err()
                .code(),
            "time-too-old"
        );
    }
}
