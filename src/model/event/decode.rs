//! Decoding queue message bodies into events: one event, a packed array, or an API Gateway
//! proxy event; bad events of a packed message are kept aside with their reasons.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::HashMap;
use thiserror::Error;

use super::{
    validate, Event, EventError, Field, FieldValue, Fields, FIELD_COUNT, MAX_EVENTS_PER_MESSAGE,
    MAX_MESSAGE_BYTES,
};

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

/// The fields of an event as they arrive, before validation; keys that name nothing are
/// ignored, a key given twice is refused.
#[derive(Default)]
pub(crate) struct RawEvent {
    pub page: Option<String>,
    pub time: Option<String>,
    pub id: Option<String>,
    pub visitor: Option<String>,
    pub kind: Option<String>,
    /// The optional fields as sent, unchecked.
    pub fields: Fields,
}

impl<'de> Deserialize<'de> for RawEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RawEventVisitor)
    }
}

struct RawEventVisitor;

impl<'de> Visitor<'de> for RawEventVisitor {
    type Value = RawEvent;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEvent, A::Error> {
        let mut raw = RawEvent::default();
        let mut seen_fields = [false; FIELD_COUNT];
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let slot = match key.as_ref() {
                "page" => &mut raw.page,
                "time" => &mut raw.time,
                "id" => &mut raw.id,
                "visitor" => &mut raw.visitor,
                "kind" => &mut raw.kind,
                other => match Field::named(other) {
                    Some(field) => {
                        if std::mem::replace(&mut seen_fields[field.index()], true) {
                            return Err(de::Error::duplicate_field(field.name()));
                        }
                        raw.fields.set(field, map.next_value::<FieldText>()?.0);
                        continue;
                    }
                    None => {
                        map.next_value::<de::IgnoredAny>()?;
                        continue;
                    }
                },
            };
            if slot.is_some() {
                return Err(de::Error::custom(format_args!("duplicate field `{key}`")));
            }
            *slot = map.next_value()?;
        }
        Ok(raw)
    }
}

/// An optional field's value as sent: text, or a JSON number taken as its text (a beacon's
/// `"engaged_ms": 12500`), or null for none. The field's rule checks it either way.
pub(crate) struct FieldText(pub Option<FieldValue>);

impl<'de> Deserialize<'de> for FieldText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = FieldText;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string, a number or null")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<FieldText, E> {
                Ok(FieldText(Some(FieldValue::from(text))))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<FieldText, E> {
                Ok(FieldText(Some(FieldValue::from(text))))
            }

            // Numbers as the standard library writes them (`12.0` as `12`), not as a faster
            // formatter might.
            fn visit_u64<E: de::Error>(self, number: u64) -> Result<FieldText, E> {
                Ok(FieldText(Some(number.to_string().into())))
            }

            fn visit_i64<E: de::Error>(self, number: i64) -> Result<FieldText, E> {
                Ok(FieldText(Some(number.to_string().into())))
            }

            fn visit_f64<E: de::Error>(self, number: f64) -> Result<FieldText, E> {
                Ok(FieldText(Some(number.to_string().into())))
            }

            fn visit_unit<E: de::Error>(self) -> Result<FieldText, E> {
                Ok(FieldText(None))
            }

            fn visit_none<E: de::Error>(self) -> Result<FieldText, E> {
                Ok(FieldText(None))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
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
    let mut raw = RawEvent {
        page,
        time,
        id,
        visitor: take("visitor"),
        kind: take("kind"),
        fields: Fields::default(),
    };
    for field in Field::all() {
        raw.fields
            .set(field, take(field.name()).map(FieldValue::from));
    }
    validate(raw, now, || derived_id(message_id, 0)).map_err(MessageError::Event)
}

/// The id of the event at `index` of a message that carried none: stable across redeliveries.
fn derived_id(message_id: &str, index: usize) -> String {
    format!("{message_id}:{index}")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::now;

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
        assert_eq!(
            decoded.events[0]
                .day_in(crate::model::zone::Zone::UTC)
                .to_string(),
            "2021-03-13"
        );
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
    fn pages_are_spelt_canonically_in_every_shape() {
        let time = "2021-03-13T12:34:56Z";
        for body in [
            format!(r#"{{"page": "/%c3%bcn%c3%af/../%E6%97%A5", "time": "{time}"}}"#),
            format!(r#"[{{"page": "/ünï/./../日", "time": "{time}"}}]"#),
            format!(r#"{{"queryStringParameters": {{"page": "/%2e%2e/日", "time": "{time}"}}}}"#),
        ] {
            assert_eq!(decode(&body).unwrap().events[0].page, "/日", "{body}");
        }
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

    #[test]
    fn optional_fields_are_kept_checked_and_round_trip() {
        let body = r#"[
            {"page":"/a","time":"2021-03-13T01:00:00Z","id":"1",
             "referrer":"https://www.News.example/x?y","source":"mail","medium":"email",
             "campaign":"spring","variant":"B"},
            {"page":"/f.pdf","time":"2021-03-13T01:00:00Z","id":"2","kind":"download"},
            {"page":"/a","time":"2021-03-13T01:00:00Z","id":"3","kind":"event","name":"signup"},
            {"page":"/a","time":"2021-03-13T01:00:00Z","kind":"event"},
            {"page":"/a","time":"2021-03-13T01:00:00Z","kind":"click"},
            {"page":"/a","time":"2021-03-13T01:00:00Z","referrer":"not a host"},
            {"page":"/a","time":"2021-03-13T01:00:00Z","variant":"a-very-long-variant-name-over-32-chars"}
        ]"#;
        let decoded = decode(body).unwrap();
        let first = &decoded.events[0];
        assert_eq!(first.field(Field::Referrer), Some("news.example"));
        assert_eq!(
            (
                first.field(Field::Source),
                first.field(Field::Medium),
                first.field(Field::Campaign)
            ),
            (Some("mail"), Some("email"), Some("spring"))
        );
        assert_eq!(first.field(Field::Variant), Some("B"));
        assert_eq!(decoded.events[1].kind, crate::model::event::Kind::Download);
        assert_eq!(decoded.events[2].field(Field::Name), Some("signup"));
        let codes: Vec<&str> = decoded.rejected.iter().map(|r| r.error.code()).collect();
        assert_eq!(
            codes,
            ["bad-name", "bad-kind", "bad-referrer", "bad-variant"]
        );
        // What the queue carries decodes to the same events.
        for event in &decoded.events {
            let again = decode(&event.to_json()).unwrap();
            assert_eq!(&again.events[0], event);
        }
    }

    #[test]
    fn engagement_beacons_take_numbers_and_keep_their_fields_to_themselves() {
        let body = r#"[
            {"page":"/a","time":"2021-03-13T01:00:00Z","id":"p1.0","kind":"engagement",
             "engaged_ms":12500,"scroll":80},
            {"page":"/a","time":"2021-03-13T01:00:00Z","id":"p1.1","kind":"engagement",
             "engaged_ms":"3000","scroll":"90","scroll_before":80},
            {"page":"/a","time":"2021-03-13T01:00:00Z","kind":"engagement","scroll":10},
            {"page":"/a","time":"2021-03-13T01:00:00Z","kind":"engagement","engaged_ms":1.5},
            {"page":"/a","time":"2021-03-13T01:00:00Z","kind":"engagement","engaged_ms":1,"scroll":101},
            {"page":"/a","time":"2021-03-13T01:00:00Z","scroll":50},
            {"page":"/a","time":"2021-03-13T01:00:00Z","kind":"engagement","engaged_ms":null}
        ]"#;
        let decoded = decode(body).unwrap();
        assert_eq!(decoded.events.len(), 2);
        let first = &decoded.events[0];
        assert_eq!(first.kind, crate::model::event::Kind::Engagement);
        assert_eq!(
            (first.field(Field::EngagedMs), first.field(Field::Scroll)),
            (Some("12500"), Some("80"))
        );
        assert_eq!(first.field(Field::ScrollBefore), None);
        assert_eq!(decoded.events[1].field(Field::ScrollBefore), Some("80"));
        let codes: Vec<&str> = decoded.rejected.iter().map(|r| r.error.code()).collect();
        assert_eq!(
            codes,
            [
                "bad-engaged-ms",
                "bad-engaged-ms",
                "bad-scroll",
                "engagement-without-beacon",
                "bad-engaged-ms"
            ]
        );
        for event in &decoded.events {
            let again = decode(&event.to_json()).unwrap();
            assert_eq!(&again.events[0], event);
        }
    }
}
