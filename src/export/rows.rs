//! One exported row as bytes (pure code): an event or a daily row as an NDJSON line or a CSV
//! record (`model::csv`: records end in `\n`, and text that starts like a spreadsheet formula
//! gets a `'` before it; NDJSON carries every value as it is). Events are written in their wire form (`Event::to_json`), the one `send --input` and
//! `import --format ndjson` read back, so a field added to the event is exported with it.

use std::sync::LazyLock;

use crate::backend::DailyRow;
use crate::model::csv::{self, Record};
use crate::model::event::{Event, Field};

use super::layout::Format;

/// The columns of an events CSV, in the wire form's names: id, time, page, visitor, kind, then
/// each optional field in the model's order (`model::event::FIELDS`), so a field added there
/// is a column added at the end.
pub(super) static EVENT_COLUMNS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    ["id", "time", "page", "visitor", "kind"]
        .into_iter()
        .chain(Field::all().map(Field::name))
        .collect()
});

/// The columns of a daily CSV; `hours` is the JSON array of views per hour of the day.
pub(super) const DAILY_COLUMNS: [&str; 5] = ["day", "page", "views", "visitors", "hours"];

/// The header line of a CSV file, or nothing for NDJSON.
pub(super) fn header(format: Format, columns: &[&str]) -> Vec<u8> {
    match format {
        Format::Ndjson => Vec::new(),
        Format::Csv => {
            let mut line = Vec::new();
            csv::header(&mut line, columns);
            line
        }
    }
}

/// Appends one event as a line of `format`.
pub(super) fn event_line(out: &mut Vec<u8>, event: &Event, format: Format) {
    let json = event.to_json();
    match format {
        Format::Ndjson => out.extend_from_slice(json.as_bytes()),
        Format::Csv => {
            // From the wire form, so every column is spelt as the NDJSON spells it.
            let object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&json).expect("an event's wire form is an object");
            let mut record = Record::new(out);
            for &column in EVENT_COLUMNS.iter() {
                match object.get(column) {
                    Some(serde_json::Value::String(text)) => record.text(text),
                    Some(other) => record.text(&other.to_string()),
                    // A page view's kind is left out of the wire form.
                    None if column == "kind" => record.text(event.kind.as_str()),
                    None => record.empty(),
                };
            }
            record.end();
            return;
        }
    }
    out.push(b'\n');
}

/// Appends one daily row as a line of `format`.
pub(super) fn daily_line(out: &mut Vec<u8>, row: &DailyRow, format: Format) {
    let hours = serde_json::to_string(&row.hours).expect("numbers serialise");
    match format {
        Format::Ndjson => {
            let line = serde_json::to_vec(row).expect("a daily row serialises");
            out.extend_from_slice(&line);
            out.push(b'\n');
        }
        Format::Csv => {
            let mut record = Record::new(out);
            record
                .text(&row.day.to_string())
                .text(&row.page)
                .number(row.views)
                .number(row.visitors)
                .text(&hours)
                .end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::event::{Fields, Kind, FIELDS, FIELD_COUNT};
    use crate::model::fixtures::{day, event};

    /// An event with every optional field set (each field's example, the source one that
    /// needs quoting in CSV), so the tests cover fields added to the table later.
    const QUOTED_SOURCE: &str = "letter, \"spring\"";

    fn full_event() -> Event {
        let mut fields = Fields::default();
        for spec in &FIELDS {
            fields.set(spec.field, Some(spec.example.into()));
        }
        Event {
            visitor: Some("3f9c0a7d12e4b855".into()),
            kind: Kind::Event,
            fields: fields.with(Field::Source, QUOTED_SOURCE),
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
        let fields: Vec<&str> = FIELDS
            .iter()
            .map(|spec| match spec.field {
                Field::Source => "\"letter, \"\"spring\"\"\"",
                _ => spec.example,
            })
            .collect();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "e1,2021-03-13T12:34:56.789Z,\"/a,b\",3f9c0a7d12e4b855,event,{}\n",
                fields.join(",")
            )
        );
        let mut out = Vec::new();
        event_line(
            &mut out,
            &event("e2", "/", "2021-03-13T00:00:00Z"),
            Format::Csv,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "e2,2021-03-13T00:00:00Z,/,,view{}\n",
                ",".repeat(FIELD_COUNT)
            )
        );
    }

    #[test]
    fn csv_neutralises_formulas_and_ndjson_keeps_them() {
        let posted = Event {
            kind: Kind::Event,
            fields: Fields::default()
                .with(Field::Name, "+1")
                .with(Field::Source, "=HYPERLINK(\"http://x.example\",\"y\")")
                .with(Field::Medium, "-2+3")
                .with(Field::Variant, "@SUM(A1)"),
            ..event("-e3", "/", "2021-03-13T00:00:00Z")
        };
        let mut out = Vec::new();
        event_line(&mut out, &posted, Format::Csv);
        // The fields after the variant are empty.
        let after_variant = FIELD_COUNT - 1 - Field::Variant.index();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "\"'-e3\",2021-03-13T00:00:00Z,/,,event,\"'+1\",,\
                 \"'=HYPERLINK(\"\"http://x.example\"\",\"\"y\"\")\",\"'-2+3\",,\"'@SUM(A1)\"{}\n",
                ",".repeat(after_variant)
            )
        );
        let mut out = Vec::new();
        event_line(&mut out, &posted, Format::Ndjson);
        let line: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(line["name"], "+1");
        assert_eq!(line["variant"], "@SUM(A1)");
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
            engagement: None,
        };
        let mut out = header(Format::Csv, &DAILY_COLUMNS);
        daily_line(&mut out, &row, Format::Csv);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "day,page,views,visitors,hours\n2021-03-13,/a,3,2,\"[1,2]\"\n"
        );
        let mut out = header(Format::Ndjson, &DAILY_COLUMNS);
        daily_line(&mut out, &row, Format::Ndjson);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"day\":\"2021-03-13\",\"page\":\"/a\",\"views\":3,\"visitors\":2,\"hours\":[1,2]}\n"
        );
    }
}
