//! Fuzz target: any bytes as a queue message body and as an NDJSON input line. The decoder must
//! never panic, and whatever it accepts must pass validation again.

#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use pageviews::model::event::{decode_input_line, decode_message, parse_time, validate_page, Event};

/// Fixed, so that a crash reproduces whenever it is replayed.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_615_680_000, 0).expect("a valid instant")
}

fn assert_valid(event: &Event) {
    assert!(validate_page(&event.page).is_ok(), "{event:?}");
    assert!(!event.id.is_empty(), "{event:?}");
    let time = event.time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    assert_eq!(parse_time(&time, now()), Ok(event.time), "{event:?}");
}

fuzz_target!(|body: &[u8]| {
    if let Ok(decoded) = decode_message(body, "fuzz", now()) {
        decoded.events.iter().for_each(assert_valid);
    }
    if let Ok(line) = std::str::from_utf8(body) {
        if let Ok(event) = decode_input_line(line, || "fuzz:0".into(), now()) {
            assert_valid(&event);
        }
    }
});
