//! One exported row as bytes (pure code): an event or a daily row as an NDJSON line or a CSV
//! record. Events are written in their wire form (`Event::to_json`), the one `send --input` and
//! `import --format ndjson` read back, so a field added to the event is exported with it.

use crate::backend::DailyRow;
use crate::model::event::Event;

use super::layout::Format;

/// The columns of an events CSV, in the wire form's names; `wire_fields_are_csv_columns`
/// fails when the event gains a field this list lacks.
pub const EVENT_COLUMNS: [&str; 11] = [
    "id", "time", "page", "visitor", "kind", "name", "referrer", "source", "medium", "campaign",
    "variant",
];

/// The columns of a daily CSV; `hours` is the JSON array of views per hour of the day.
pub const DAILY_COLUMNS: [&str; 5] = ["day", "page", "views", "visitors", "hours"];

/// The header line of a CSV file, or nothing for NDJSON.
pub fn header(format: Format, columns: &[&str]) -> Vec<u8> {
    match format {
        Format::Ndjson => Vec::new(),
        Format::Csv => {
            let mut line = columns.join(",").into_bytes();
            line.extend_from_slice(b"\r\n");
            line
        }
    }
}

/// Appends one event as a line of `format`.
pub fn event_line(out: &mut Vec<u8>, event: &Event, format: Format) {
    let json = event.to_json();
    match format {
        Format::Ndjson => out.extend_from_slice(json.as_bytes()),
        Format::Csv => {
            // From the wire form, so every column is spelt as the NDJSON spells it.
            let object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&json).expect("an event's wire form is an object");
            let cells = EVENT_COLUMNS
                .iter()
                .map(|column| match object.get(*column) {
                    Some(serde_json::Value::String(text)) => text.clone(),
                    Some(other) => other.to_string(),
                    // A page view's kind is left out of the wire form.
                    None if *column == "kind" => event.kind.as_str().to_owned(),
                    None => String::new(),
                });
            csv_record(out, cells);
            return;
        }
    }
    out.push(b'\n');
}

/// Appends one daily row as a line of `format`.
pub fn daily_line(out: &mut Vec<u8>, row: &DailyRow, format: Format) {
    let hours = serde_json::to_string(&row.hours).expect("numbers serialise");
    match format {
        Format::Ndjson => {
            let line = serde_json::to_vec(row).expect("a daily row serialises");
            out.extend_from_slice(&line);
            out.push(b'\n');
        }
        Format::Csv => csv_record(
            out,
            [
                row.day.to_string(),
                row.page.clone(),
                row.views.to_string(),
                row.visitors.to_string(),
                hours,
            ]
            .into_iter(),
        ),
    }
}

/// One CSV record (RFC 4180): a cell holding a comma, a quote or a line break is quoted, its
/// quotes doubled; records end in CRLF.
fn csv_record(out: &mut Vec<u8>, cells: impl Iterator<Item = String>) {
    for (at, cell) in cells.enumerate() {
        if at > 0 {
            out.push(b',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push(b'"');
            out.extend_from_slice(cell.replace('"', "\"\"").as_bytes());
            out.push(b'"');
        } else {
            out.extend_from_slice(cell.as_bytes());
        }
    }
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::Kind;
    use crate::model::fixtures::{day, event};

    fn full_event() -> Event {
        Event {
            visitor: Some("3f9c0a7d12e4b855".into()),
            kind: Kind::Event,
            name: Some("signup".into()),
            referrer: Some("news.example".into()),
            source: Some("letter, \"spring\"".into()),
            medium: Some("email".into()),
            campaign: Some("c".into()),
            variant: Some("B".into()),
            ..event("e1", "/a,b", "2021-03-13T12:34:56.789Z")
        }
    }

    #[test]
    fn wire_fields_are_csv_columns() {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&full_event().to_json()).unwrap();
        let mut wire: Vec<&str> = object.keys().map(String::as_str).collect();
        let mut columns = EVENT_COLUMNS.to_vec();
        wire.sort_unstable();
        columns.sort_unstable();
        assert_eq!(
            wire, columns,
            "a field of the event is missing from the CSV columns"
        );
    }

    #[test]
    fn events_are_written_in_their_wire_form() {
        let mut out = Vec::new();
        event_line(&mut out, &full_event(), Format::Ndjson);
        let line = String::from_utf8(out).unwrap();
        assert_eq!(line, format!("{}\n", full_event().to_json()));
        let mut out = Vec::new();
        event_line(&mut out, &full_event(), Format::Csv);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "e1,2021-03-13T12:34:56.789Z,\"/a,b\",3f9c0a7d12e4b855,event,signup,news.example,\
             \"letter, \"\"spring\"\"\",email,c,B\r\n"
        );
        let mut out = Vec::new();
        event_line(
            &mut out,
            &event("e2", "/", "2021-03-13T00:00:00Z"),
            Format::Csv,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "e2,2021-03-13T00:00:00Z,/,,view,,,,,,\r\n"
        );
    }

    #[test]
    fn daily_rows_and_headers() {
        let row = DailyRow {
            day: day("2021-03-13"),
            page: "/a".into(),
            views: 3,
            visitors: 2,
            hours: vec![1, 2],
            keyless: Some(1),
        };
        let mut out = header(Format::Csv, &DAILY_COLUMNS);
        daily_line(&mut out, &row, Format::Csv);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "day,page,views,visitors,hours\r\n2021-03-13,/a,3,2,\"[1,2]\"\r\n"
        );
        let mut out = header(Format::Ndjson, &DAILY_COLUMNS);
        daily_line(&mut out, &row, Format::Ndjson);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"day\":\"2021-03-13\",\"page\":\"/a\",\"views\":3,\"visitors\":2,\"hours\":[1,2]}\n"
        );
    }
}
