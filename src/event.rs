//! The page-view event: validation, and decoding/encoding of queue message bodies (pure code).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::collections::HashMap;
use thiserror::Error;

use crate::day::Day;

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

/// One page view, validated: a path, a UTC time, and the id that makes writes idempotent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub page: String,
    pub time: DateTime<Utc>,
}

impl Event {
    pub fn day(&self) -> Day {
        Day::of(self.time)
    }

    pub fn time_ms(&self) -> i64 {
        self.time.timestamp_millis()
    }

    /// The JSON object `send` puts on the queue, and `drain` decodes again.
    pub fn to_json(&self) -> String {
        let wire = WireEvent {
            id: Some(&self.id),
            page: &self.page,
            time: self.time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        };
        serde_json::to_string(&wire).expect("an event always serialises")
    }
}

#[derive(Serialize)]
struct WireEvent<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    page: &'a str,
    time: String,
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
        }
    }
}

/// Why a whole message was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MessageError {
    #[error("empty message body")]
    Empty,
    #[error("message body is not UTF-8")]
    NotUtf8,
    #[error("message body is {0} bytes, more than the 1 MiB a queue message may hold")]
    TooLarge(usize),
    #[error("message body is not JSON: {0}")]
    NotJson(String),
    #[error("packed message holds {0} events, more than the {MAX_EVENTS_PER_MESSAGE} allowed")]
    TooManyEvents(usize),
    #[error("packed message holds no events")]
    NoEvents,
    #[error("not a page-view message: {0}")]
    UnknownShape(String),
    #[error("{0}")]
    Event(EventError),
}

impl MessageError {
    pub fn code(&self) -> &'static str {
        match self {
            MessageError::Empty => "empty",
            MessageError::NotUtf8 => "not-utf8",
            MessageError::TooLarge(_) => "too-large",
            MessageError::NotJson(_) => "not-json",
            MessageError::TooManyEvents(_) => "too-many-events",
            MessageError::NoEvents => "no-events",
            MessageError::UnknownShape(_) => "unknown-shape",
            MessageError::Event(err) => err.code(),
        }
    }
}

/// An event of a packed message that failed validation, kept so it can be dead-lettered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedEvent {
    pub index: usize,
    pub raw: String,
    pub error: EventError,
}

/// What one message body turned into: good events, plus any refused events of a packed message.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DecodedMessage {
    pub events: Vec<Event>,
    pub rejected: Vec<RejectedEvent>,
}

/// The fields of an event as they arrive, before validation.
#[derive(Deserialize)]
struct RawEvent {
    page: Option<String>,
    time: Option<String>,
    id: Option<String>,
}

/// The article's beacon as API Gateway puts it on the queue.
#[derive(Deserialize)]
struct ProxyEvent {
    #[serde(rename = "queryStringParameters")]
    query: Option<HashMap<String, Option<String>>>,
    #[serde(rename = "requestContext")]
    context: Option<ProxyContext>,
}

#[derive(Deserialize)]
struct ProxyContext {
    #[serde(rename = "requestTimeEpoch")]
    request_time_epoch_ms: Option<i64>,
}

/// Decodes a message body into events. `message_id` gives events without an id a stable one
/// (`<message id>:<position>`), so a redelivered message maps to the same ids.
pub fn decode_message(
    body: &[u8],
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<DecodedMessage, MessageError> {
    if body.len() > MAX_MESSAGE_BYTES {
        return Err(MessageError::TooLarge(body.len()));
    }
    let text = std::str::from_utf8(body).map_err(|_| MessageError::NotUtf8)?;
    let trimmed = text.trim_start();
    match trimmed.as_bytes().first() {
        None => Err(MessageError::Empty),
        Some(b'[') => decode_packed(trimmed, message_id, now),
        Some(b'{') => decode_object(trimmed, message_id, now).map(|event| DecodedMessage {
            events: vec![event],
            rejected: Vec::new(),
        }),
        Some(_) => Err(
            match serde_json::from_str::<serde::de::IgnoredAny>(trimmed) {
                Ok(_) => MessageError::UnknownShape("expected a JSON object or array".into()),
                Err(err) => MessageError::NotJson(err.to_string()),
            },
        ),
    }
}

fn decode_packed(
    text: &str,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<DecodedMessage, MessageError> {
    let items: Vec<&RawValue> =
        serde_json::from_str(text).map_err(|err| MessageError::NotJson(err.to_string()))?;
    if items.is_empty() {
        return Err(MessageError::NoEvents);
    }
    if items.len() > MAX_EVENTS_PER_MESSAGE {
        return Err(MessageError::TooManyEvents(items.len()));
    }
    let mut decoded = DecodedMessage {
        events: Vec::with_capacity(items.len()),
        rejected: Vec::new(),
    };
    for (index, item) in items.into_iter().enumerate() {
        let parsed = serde_json::from_str::<RawEvent>(item.get())
            .map_err(|err| EventError::Malformed(err.to_string()))
            .and_then(|raw| validate(raw, now, || derived_id(message_id, index)));
        match parsed {
            Ok(event) => decoded.events.push(event),
            Err(error) => decoded.rejected.push(RejectedEvent {
                index,
                raw: item.get().to_owned(),
                error,
            }),
        }
    }
    Ok(decoded)
}

fn decode_object(text: &str, message_id: &str, now: DateTime<Utc>) -> Result<Event, MessageError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|err| MessageError::NotJson(err.to_string()))?;
    if value.get("queryStringParameters").is_some() {
        let proxy: ProxyEvent = serde_json::from_value(value)
            .map_err(|err| MessageError::UnknownShape(format!("API Gateway event: {err}")))?;
        return decode_proxy(proxy, message_id, now);
    }
    let raw: RawEvent = serde_json::from_value(value)
        .map_err(|err| MessageError::Event(EventError::Malformed(err.to_string())))?;
    validate(raw, now, || derived_id(message_id, 0)).map_err(MessageError::Event)
}

fn decode_proxy(
    proxy: ProxyEvent,
    message_id: &str,
    now: DateTime<Utc>,
) -> Result<Event, MessageError> {
    let mut query = proxy.query.unwrap_or_default();
    let mut take = |key: &str| query.remove(key).flatten();
    let page = take("page");
    let id = take("id");
    // The gateway's own receive time stands in when the beacon did not say when.
    let time = take("time").or_else(|| {
        proxy
            .context
            .and_then(|context| context.request_time_epoch_ms)
            .and_then(DateTime::<Utc>::from_timestamp_millis)
            .map(|time| time.to_rfc3339_opts(SecondsFormat::Millis, true))
    });
    validate(RawEvent { page, time, id }, now, || {
        derived_id(message_id, 0)
    })
    .map_err(MessageError::Event)
}

/// Checks the fields; `fallback_id` names an event that arrived without an id.
fn validate(
    raw: RawEvent,
    now: DateTime<Utc>,
    fallback_id: impl FnOnce() -> String,
) -> Result<Event, EventError> {
    let page = raw.page.ok_or(EventError::MissingPage)?;
    validate_page(&page)?;
    let time = parse_time(raw.time.as_deref().ok_or(EventError::MissingTime)?, now)?;
    let id = match raw.id {
        Some(id) => {
            validate_id(&id)?;
            id
        }
        None => fallback_id(),
    };
    Ok(Event { id, page, time })
}

/// The id of the event at `index` of a message that carried none: stable across redeliveries.
fn derived_id(message_id: &str, index: usize) -> String {
    format!("{message_id}:{index}")
}

/// A page is a path: starts with '/', at most 700 bytes, no control characters.
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

/// Decodes one NDJSON input line for `send` (the same rules as `drain`); `fallback_id` is used
/// when the line has no id.
pub fn decode_input_line(
    line: &str,
    fallback_id: impl FnOnce() -> String,
    now: DateTime<Utc>,
) -> Result<Event, EventError> {
    let raw: RawEvent =
        serde_json::from_str(line).map_err(|err| EventError::Malformed(err.to_string()))?;
    validate(raw, now, fallback_id)
}

/// Cuts user-provided text for an error message, on a character boundary.
pub fn shorten(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

/// Encodes events into message bodies of at most `max_bytes` and `max_events` each.
/// One event per message is sent as a bare object (the beacon's shape); more as a JSON array.
#[derive(Debug)]
pub struct Packer {
    max_bytes: usize,
    max_events: usize,
    buffer: String,
    count: usize,
}

impl Packer {
    pub fn new(max_bytes: usize, max_events: usize) -> Self {
        Packer {
            max_bytes,
            max_events: max_events.max(1),
            buffer: String::new(),
            count: 0,
        }
    }

    /// Adds an event; returns a finished body when the event did not fit in the current one.
    pub fn push(&mut self, event: &Event) -> Option<String> {
        let encoded = event.to_json();
        let full = self.count > 0
            && (self.count >= self.max_events
                || self.body_len_with(encoded.len()) > self.max_bytes);
        let finished = if full { self.finish() } else { None };
        if self.count > 0 {
            self.buffer.push(',');
        }
        self.buffer.push_str(&encoded);
        self.count += 1;
        finished
    }

    /// Length of the body if an encoded event of `extra` bytes were added: a comma, and the
    /// brackets of a packed message.
    fn body_len_with(&self, extra: usize) -> usize {
        let brackets = if self.max_events == 1 { 0 } else { 2 };
        self.buffer.len() + 1 + extra + brackets
    }

    /// Takes the body being built, if any.
    pub fn finish(&mut self) -> Option<String> {
        if self.count == 0 {
            return None;
        }
        let body = if self.max_events == 1 {
            std::mem::take(&mut self.buffer)
        } else {
            format!("[{}]", std::mem::take(&mut self.buffer))
        };
        self.count = 0;
        Some(body)
    }
}

#[cfg(test)]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2021-03-14T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn decode(body: &str) -> Result<DecodedMessage, MessageError> {
        decode_message(body.as_bytes(), "m-1", now())
    }

    #[test]
    fn single_beacon_gets_an_id_from_the_message() {
        let decoded =
            decode(r#"{"page": "/posts/some-post", "time": "2021-03-13T12:34:56Z"}"#).unwrap();
        assert_eq!(decoded.events.len(), 1);
        assert_eq!(decoded.events[0].id, "m-1:0");
        assert_eq!(decoded.events[0].page, "/posts/some-post");
        assert_eq!(decoded.events[0].day().to_string(), "2021-03-13");
    }

    #[test]
    fn packed_message_keeps_good_events_and_rejects_bad_ones() {
        let body = r#"[{"page":"/a","time":"2021-03-13T01:00:00Z","id":"x"},
                       {"page":"nope","time":"2021-03-13T01:00:00Z"},
                       {"page":5,"time":"2021-03-13T01:00:00Z"},
                       {"page":"/b","time":"2021-03-13T02:00:00Z"}]"#;
        let decoded = decode(body).unwrap();
        let ids: Vec<&str> = decoded.events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["x", "m-1:3"]);
        assert_eq!(decoded.rejected.len(), 2);
        assert_eq!(decoded.rejected[0].index, 1);
        assert_eq!(decoded.rejected[0].error, EventError::PageNotPath);
        assert_eq!(decoded.rejected[1].error.code(), "malformed-event");
    }

    #[test]
    fn api_gateway_proxy_event_is_accepted() {
        let body = r#"{"resource":"/","queryStringParameters":{"page":"/p","time":"2021-03-13T12:34:56Z"}}"#;
        assert_eq!(decode(body).unwrap().events[0].page, "/p");
        let no_time = r#"{"queryStringParameters":{"page":"/p"},"requestContext":{"requestTimeEpoch":1615638896000}}"#;
        let event = &decode(no_time).unwrap().events[0];
        assert_eq!(event.time.to_rfc3339(), "2021-03-13T12:34:56+00:00");
        let no_page = r#"{"queryStringParameters":{"time":"2021-03-13T12:34:56Z"}}"#;
        assert_eq!(
            decode(no_page).unwrap_err(),
            MessageError::Event(EventError::MissingPage)
        );
    }

    #[test]
    fn whole_message_failures_have_reasons() {
        assert_eq!(decode("").unwrap_err(), MessageError::Empty);
        assert_eq!(decode("   ").unwrap_err(), MessageError::Empty);
        assert_eq!(decode("[]").unwrap_err(), MessageError::NoEvents);
        assert_eq!(decode("hello").unwrap_err().code(), "not-json");
        assert_eq!(decode("42").unwrap_err().code(), "unknown-shape");
        assert_eq!(decode("{\"page\":").unwrap_err().code(), "not-json");
        assert_eq!(
            decode_message(&[0xff, 0xfe], "m", now()).unwrap_err(),
            MessageError::NotUtf8
        );
        for depth in [10_000, 400_000] {
            let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let rejected = match decode(&nested) {
                Ok(decoded) => decoded.rejected[0].error.code(),
                Err(err) => err.code(),
            };
            assert!(
                ["malformed-event", "not-json"].contains(&rejected),
                "{rejected}"
            );
        }
        let deep_object = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
        assert_eq!(decode(&deep_object).unwrap_err().code(), "not-json");
        let huge = vec![b' '; MAX_MESSAGE_BYTES + 1];
        assert_eq!(
            decode_message(&huge, "m", now()).unwrap_err().code(),
            "too-large"
        );
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

    #[test]
    fn packer_respects_byte_and_count_limits_and_round_trips() {
        let events: Vec<Event> = (0..100)
            .map(|i| Event {
                id: format!("id-{i}"),
                page: format!("/page/{i}"),
                time: now() - Duration::hours(1),
            })
            .collect();
        let mut packer = Packer::new(1_000, 1_000);
        let mut bodies: Vec<String> = events.iter().filter_map(|e| packer.push(e)).collect();
        bodies.extend(packer.finish());
        assert!(bodies.len() > 1);
        assert!(bodies.iter().all(|b| b.len() <= 1_000));
        let decoded: Vec<Event> = bodies
            .iter()
            .flat_map(|b| decode(b).unwrap().events)
            .collect();
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
        let mut limit = Packer::new(exact - 1, 1_000);
        let first = same_size.iter().find_map(|e| limit.push(e)).unwrap();
        assert_eq!(first.len(), 2 * one + 3);

        let mut single = Packer::new(65_536, 1);
        let first = single.push(&events[0]);
        assert_eq!(first, None);
        let body = single.push(&events[1]).unwrap();
        assert!(body.starts_with('{'));
        assert_eq!(decode(&body).unwrap().events, vec![events[0].clone()]);
    }

    #[test]
    fn input_lines_get_the_fallback_id_only_when_missing() {
        let line = r#"{"page":"/a","time":"2021-03-13T01:00:00Z"}"#;
        let event = decode_input_line(line, || "run-7".into(), now()).unwrap();
        assert_eq!(event.id, "run-7");
        let with_id = r#"{"page":"/a","time":"2021-03-13T01:00:00Z","id":"mine"}"#;
        assert_eq!(
            decode_input_line(with_id, || "x".into(), now()).unwrap().id,
            "mine"
        );
        assert_eq!(
            decode_input_line("{}", || "x".into(), now()).unwrap_err(),
            EventError::MissingPage
        );
    }
}
