//! CSV as every report and file of the project writes it (pure code): fields quoted by
//! csv-core (the csv crate's writer) when RFC 4180 needs it, records ending in `\n`, and text
//! that a spreadsheet would run as a formula neutralised as OWASP recommends.
//!
//! Text comes from outside: pages, campaign parts, event names and variants are whatever a
//! browser posted. A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
//! a formula to Excel, LibreOffice and Google Sheets (`=HYPERLINK(...)` sends a click
//! elsewhere), so such text is written with a `'` before it, and quoted: the spreadsheet shows
//! it as text. Numbers the project computed (counts, rates, a change of -12.5%) are written as
//! numbers.

use csv_core::{quote, QuoteStyle, WriteResult, Writer, WriterBuilder};
use std::fmt::Display;

/// What starts a formula in a spreadsheet cell (OWASP, "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a spreadsheet would take `text` for a formula.
pub fn starts_like_formula(text: &str) -> bool {
    text.starts_with(FORMULA_STARTS)
}

/// One record being appended to `out`: fields in order, then [`end`](Record::end).
pub struct Record<'a> {
    out: &'a mut Vec<u8>,
    fields: usize,
    /// csv-core's rule of when RFC 4180 needs a field quoted (a comma, a quote, a line break).
    rules: Writer,
}

impl<'a> Record<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Record<'a> {
        Record {
            out,
            fields: 0,
            rules: WriterBuilder::new()
                .quote_style(QuoteStyle::Necessary)
                .build(),
        }
    }

    /// Text from outside; neutralised when it starts like a formula.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.delimit();
        if starts_like_formula(text) {
            let prefixed = format!("'{text}");
            quoted(self.out, prefixed.as_bytes());
        } else if self.rules.should_quote(text.as_bytes()) {
            quoted(self.out, text.as_bytes());
        } else {
            self.out.extend_from_slice(text.as_bytes());
        }
        self
    }

    /// A number the project computed, as `Display` writes it: never prefixed, even when it
    /// is negative.
    pub fn number(&mut self, number: impl Display) -> &mut Self {
        self.delimit();
        self.out.extend_from_slice(number.to_string().as_bytes());
        self
    }

    /// A field with nothing in it.
    pub fn empty(&mut self) -> &mut Self {
        self.delimit();
        self
    }

    /// Ends the record with `\n`.
    pub fn end(&mut self) {
        self.out.push(b'\n');
    }

    fn delimit(&mut self) {
        if self.fields > 0 {
            self.out.push(b',');
        }
        self.fields += 1;
    }
}

/// Appends a header record: the column names, which are the project's own words.
pub fn header(out: &mut Vec<u8>, columns: &[&str]) {
    let mut record = Record::new(out);
    for column in columns {
        record.text(column);
    }
    record.end();
}

/// What was written, as text: fields were text, and quoting adds only quotes.
pub fn into_text(out: Vec<u8>) -> String {
    String::from_utf8(out).expect("CSV written from text is text")
}

/// Appends `field` in quotes, its quotes doubled by csv-core.
fn quoted(out: &mut Vec<u8>, field: &[u8]) {
    out.push(b'"');
    let start = out.len();
    // Room for the worst case: every byte a quote, doubled.
    out.resize(start + 2 * field.len(), 0);
    let (result, read, written) = quote(field, &mut out[start..], b'"', b'\\', true);
    debug_assert!(matches!(result, WriteResult::InputEmpty) && read == field.len());
    out.truncate(start + written);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(build: impl FnOnce(&mut Record)) -> String {
        let mut out = Vec::new();
        let mut record = Record::new(&mut out);
        build(&mut record);
        record.end();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quotes_only_what_rfc_4180_needs() {
        assert_eq!(
            line(|r| {
                r.text("/a,b").text("/q\"x").text("plain").empty().number(3);
            }),
            "\"/a,b\",\"/q\"\"x\",plain,,3\n"
        );
        assert_eq!(
            line(|r| {
                r.text("two\nlines");
            }),
            "\"two\nlines\"\n"
        );
        let mut out = Vec::new();
        header(&mut out, &["day", "page", "views"]);
        assert_eq!(out, b"day,page,views\n");
    }

    #[test]
    fn text_that_starts_a_formula_is_prefixed_and_quoted() {
        let cells = [
            (
                "=HYPERLINK(\"http://x.example\",\"y\")",
                "\"'=HYPERLINK(\"\"http://x.example\"\",\"\"y\"\")\"",
            ),
            ("+1", "\"'+1\""),
            ("-2+3", "\"'-2+3\""),
            ("@SUM(A1)", "\"'@SUM(A1)\""),
            ("\tx", "\"'\tx\""),
            ("\rx", "\"'\rx\""),
        ];
        for (text, written) in cells {
            assert_eq!(
                line(|r| {
                    r.text(text);
                }),
                format!("{written}\n"),
                "{text:?}"
            );
        }
        // Only the first character counts, and numbers of our own are left as they are.
        assert_eq!(
            line(|r| {
                r.text("a=1").text("1-2").number(-100).number(12.5);
            }),
            "a=1,1-2,-100,12.5\n"
        );
    }

    #[test]
    fn a_csv_reader_reads_back_every_field() {
        let texts = [
            "/a,b",
            "q\"x",
            "",
            "=1+2",
            "-",
            "caf\u{e9}",
            "multi\r\nline",
        ];
        let mut out = Vec::new();
        header(&mut out, &["a", "b", "c", "d", "e", "f", "g"]);
        let mut record = Record::new(&mut out);
        for text in texts {
            record.text(text);
        }
        record.end();
        let mut reader = csv::Reader::from_reader(out.as_slice());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let read: Vec<&str> = rows[0].iter().collect();
        assert_eq!(
            read,
            [
                "/a,b",
                "q\"x",
                "",
                "'=1+2",
                "'-",
                "caf\u{e9}",
                "multi\r\nline"
            ]
        );
    }
}
