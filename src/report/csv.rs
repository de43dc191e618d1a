//! The report as CSV: a header of the records' field names, then one line per record (pure
//! code), through the project's one CSV writer (`model::csv`).

use super::records::{records, Value};
use super::view::View;
use crate::model::csv::{header, into_text, Record};

/// The one field that holds a list.
const LIST_FIELD: &str = "hours";

/// CSV of the records (`day,page,views,visitors` for days); lists such as `hours` are left to
/// JSON.
pub fn render(view: &View) -> String {
    let records = records(view);
    let kept: Vec<usize> = (0..records.fields.len())
        .filter(|&index| records.fields[index] != LIST_FIELD)
        .collect();
    let columns: Vec<&str> = kept.iter().map(|&index| records.fields[index]).collect();
    let mut out = Vec::new();
    header(&mut out, &columns);
    for row in &records.rows {
        let mut record = Record::new(&mut out);
        for &index in &kept {
            field(&mut record, &row[index]);
        }
        record.end();
    }
    into_text(out)
}

fn field(record: &mut Record, value: &Value) {
    match value {
        Value::Text(text) => record.text(text),
        Value::Count(count) => record.number(count),
        Value::Percent(Some(percent)) => record.number(percent),
        Value::Maybe(Some(word)) => record.text(word),
        Value::MaybeCount(Some(count)) => record.number(count),
        Value::Number(Some(number)) => record.number(number),
        Value::Percent(None)
        | Value::Maybe(None)
        | Value::Hours(_)
        | Value::MaybeCount(None)
        | Value::Number(None) => record.empty(),
    };
}
