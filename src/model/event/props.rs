//! Properties of the message decoder over generated input: it never panics on any bytes, what
//! it accepts is valid and canonically spelt, packed events round-trip, and a packed message
//! keeps exactly its good events. (`fuzz/` drives the same functions with coverage guidance, on nightly.)

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use proptest::prelude::*;
use proptest::test_runner::Config;

use super::decode::MessageError;
use super::*;

// A fixed clock, so a case found once fails the same way again.
use crate::model::fixtures::now;

const MESSAGE_ID: &str = "m-1";

/// Every code a refusal may carry (docs/architecture.md lists them for operators).
const CODES: &[&str] = &[
    "empty",
    "not-utf8",
    "too-large",
    "not-json",
    "too-many-events",
    "no-events",
    "unknown-shape",
    "malformed-event",
    "missing-page",
    "missing-time",
    "page-not-path",
    "page-too-long",
    "page-control-char",
    "time-not-rfc3339",
    "time-too-old",
    "time-in-future",
    "bad-id",
];

/// A few hundred cases per property: seconds in a debug build, on every `cargo test`.
fn config() -> Config {
    Config {
        cases: 300,
        failure_persistence: None,
        ..Config::default()
    }
}

fn printable(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(
        // What a queue message can carry: no control characters, no U+FFFE or U+FFFF (mapped
        // to a letter rather than filtered, so no case is rejected).
        any::<char>().prop_map(|c| if super::unfit_for_a_queue(c) { 'x' } else { c }),
        0..max,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn page() -> impl Strategy<Value = String> {
    printable(40).prop_map(|rest| format!("/{rest}"))
}

fn id() -> impl Strategy<Value = String> {
    printable(30).prop_filter_map("1 to 256 bytes", |id| {
        (!id.is_empty() && id.len() <= MAX_ID_BYTES).then_some(id)
    })
}

/// Any instant from 1970 up to the 24 h of clock skew allowed, to the nanosecond.
fn time() -> impl Strategy<Value = DateTime<Utc>> {
    let latest = (now() + MAX_FUTURE).timestamp();
    (0..=latest, 0..1_000_000_000u32).prop_filter_map("in range", move |(secs, nanos)| {
        DateTime::from_timestamp(secs, nanos).filter(|t| *t <= now() + MAX_FUTURE)
    })
}

/// A page as the decoder gives it back: in its canonical spelling.
fn canonical_page() -> impl Strategy<Value = String> {
    page().prop_filter_map("a page", |page| normalise(&page).ok())
}

fn event() -> impl Strategy<Value = Event> {
    (id(), canonical_page(), time()).prop_map(|(id, page, time)| Event {
        id,
        page,
        time,
        ..Default::default()
    })
}

/// Text made of JSON's own tokens and the field names the decoder looks for: reaches far
/// deeper into the decoder than random bytes do.
fn json_like() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("{"),
        Just("}"),
        Just("["),
        Just("]"),
        Just(","),
        Just(":"),
        Just("\"page\""),
        Just("\"time\""),
        Just("\"id\""),
        Just("\"queryStringParameters\""),
        Just("\"requestContext\""),
        Just("\"requestTimeEpoch\""),
        Just("\"/p\""),
        Just("\"2021-03-13T12:00:00Z\""),
        Just("\"\\u0000\""),
        Just("null"),
        Just("-1e999"),
        Just("1615638896000"),
        Just(" "),
    ];
    prop::collection::vec(token, 0..60).prop_map(|tokens| tokens.concat())
}

/// An item of a packed message that can never be valid, whatever else is around it.
fn bad_item() -> impl Strategy<Value = String> {
    let valid_time = "2021-03-13T12:00:00Z";
    let future = (now() + Duration::days(2)).to_rfc3339();
    prop_oneof![
        Just("42".to_owned()),
        Just("null".to_owned()),
        Just("\"/p\"".to_owned()),
        Just("[]".to_owned()),
        Just(format!(r#"{{"time":"{valid_time}"}}"#)),
        page().prop_map(|page| format!(r#"{{"page":{}}}"#, serde_json::json!(page))),
        printable(10).prop_map(move |page| format!(
            r#"{{"page":{},"time":"{valid_time}"}}"#,
            serde_json::json!(format!("x{page}"))
        )),
        Just(format!(r#"{{"page":"/a\u0007","time":"{valid_time}"}}"#)),
        Just(format!(r#"{{"page":5,"time":"{valid_time}"}}"#)),
        printable(12).prop_map(|text| format!(
            r#"{{"page":"/p","time":{}}}"#,
            serde_json::json!(format!("T{text}"))
        )),
        Just(format!(r#"{{"page":"/p","time":"{future}"}}"#)),
        Just(r#"{"page":"/p","time":"1969-12-31T23:59:59Z"}"#.to_owned()),
        Just(format!(r#"{{"page":"/p","time":"{valid_time}","id":""}}"#)),
    ]
}

/// A good item, with or without its own id (then it derives one from its position).
fn good_item() -> impl Strategy<Value = (Event, bool)> {
    (event(), any::<bool>())
}

fn item_json(event: &Event, with_id: bool) -> String {
    if with_id {
        return event.to_json();
    }
    let time = event.time.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    serde_json::json!({ "page": event.page, "time": time }).to_string()
}

/// What the decoder accepted must pass validation again, on its own.
fn assert_valid(event: &Event) -> Result<(), TestCaseError> {
    prop_assert!(validate_page(&event.page).is_ok(), "{event:?}");
    prop_assert_eq!(normalise(&event.page), Ok(event.page.clone()));
    prop_assert!(validate_id(&event.id).is_ok(), "{event:?}");
    let time = event.time.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    prop_assert_eq!(parse_time(&time, now()), Ok(event.time));
    Ok(())
}

fn assert_decodes_sanely(body: &[u8]) -> Result<(), TestCaseError> {
    match decode_message(body, MESSAGE_ID, now()) {
        Ok(decoded) => {
            prop_assert!(!decoded.events.is_empty() || !decoded.rejected.is_empty());
            for event in &decoded.events {
                assert_valid(event)?;
            }
            for rejected in &decoded.rejected {
                prop_assert!(CODES.contains(&rejected.error.code()));
            }
        }
        Err(err) => prop_assert!(CODES.contains(&err.code()), "{err:?}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_bytes_decode_without_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        assert_decodes_sanely(&body)?;
        if let Ok(line) = std::str::from_utf8(&body) {
            if let Ok(event) = decode_input_line(line, || "fallback".into(), now()) {
                assert_valid(&event)?;
            }
        }
    }

    #[test]
    fn json_like_text_decodes_without_panic(body in json_like()) {
        assert_decodes_sanely(body.as_bytes())?;
        if let Ok(event) = decode_input_line(&body, || "fallback".into(), now()) {
            assert_valid(&event)?;
        }
    }

    #[test]
    fn packed_events_decode_to_the_same_events(
        events in prop::collection::vec(event(), 1..40),
        max_bytes in 100usize..4_000,
        max_events in 1usize..20,
    ) {
        let mut packer = Packer::new(max_bytes, max_events);
        let mut bodies: Vec<String> = events.iter().filter_map(|e| packer.push(e)).collect();
        bodies.extend(packer.finish());
        let mut decoded = Vec::new();
        for body in &bodies {
            let message = decode_message(body.as_bytes(), MESSAGE_ID, now()).unwrap();
            prop_assert!(message.rejected.is_empty());
            // Over the limit only when one event alone does not fit.
            prop_assert!(body.len() <= max_bytes || message.events.len() == 1);
            prop_assert!(message.events.len() <= max_events);
            decoded.extend(message.events);
        }
        prop_assert_eq!(decoded, events);
    }

    #[test]
    fn a_packed_message_keeps_exactly_its_good_events(
        items in prop::collection::vec(
            prop_oneof![good_item().prop_map(Ok), bad_item().prop_map(Err)],
            1..30,
        ),
    ) {
        let json: Vec<String> = items
            .iter()
            .map(|item| match item {
                Ok((event, with_id)) => item_json(event, *with_id),
                Err(bad) => bad.clone(),
            })
            .collect();
        let body = format!("[{}]", json.join(","));
        let decoded = decode_message(body.as_bytes(), MESSAGE_ID, now()).unwrap();
        let mut good = Vec::new();
        let mut bad = Vec::new();
        for (index, item) in items.iter().enumerate() {
            match item {
                Ok((event, true)) => good.push(event.clone()),
                Ok((event, false)) => good.push(Event {
                    id: format!("{MESSAGE_ID}:{index}"),
                    ..event.clone()
                }),
                Err(raw) => bad.push((index, raw.clone())),
            }
        }
        prop_assert_eq!(decoded.events, good);
        let rejected: Vec<(usize, String)> = decoded
            .rejected
            .into_iter()
            .map(|r| (r.index, r.raw))
            .collect();
        prop_assert_eq!(rejected, bad);
    }

    #[test]
    fn every_way_in_spells_the_page_canonically(page in page(), time in time()) {
        let time = time.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        let object = serde_json::json!({ "page": page, "time": time }).to_string();
        let gateway = serde_json::json!({ "queryStringParameters": { "page": page, "time": time } });
        let bodies = [object.clone(), format!("[{object}]"), gateway.to_string()];
        let expected = normalise(&page);
        let line = decode_input_line(&object, || "fallback".into(), now()).map(|e| e.page);
        prop_assert_eq!(&line, &expected);
        for body in bodies {
            let decoded = decode_message(body.as_bytes(), MESSAGE_ID, now());
            let page = match decoded {
                Ok(mut decoded) if decoded.events.len() == 1 => Ok(decoded.events.remove(0).page),
                Ok(decoded) => Err(decoded.rejected[0].error.clone()),
                Err(MessageError::Event(err)) => Err(err),
                Err(other) => return Err(TestCaseError::fail(format!("{other:?}"))),
            };
            prop_assert_eq!(&page, &expected, "{}", body);
        }
    }

    #[test]
    fn input_lines_round_trip(event in event()) {
        let decoded = decode_input_line(&event.to_json(), || "unused".into(), now());
        prop_assert_eq!(decoded, Ok(event));
    }
}
