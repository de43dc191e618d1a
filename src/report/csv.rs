//! The report as CSV: a header of the records' field names, then one line per record (pure
//! code).

use super::records::{records, Value};
use super::view::View;

/// The one field that holds a list.
const LIST_FIELD: &str = "hours";

/// CSV of the records (`day,page,views,visitors` for days); lists such as `hours` are left to
/// JSON.
pub fn render(view: &View) -> String {
    let records = records(view);
    let kept: Vec<usize> = (0..records.fields.len())
        .filter(|&index| records.fields[index] != LIST_FIELD)
        .collect();
    let header: Vec<&str> = kept.iter().map(|&index| records.fields[index]).collect();
    let mut out = header.join(",");
    out.push('\n');
    for row in &records.rows {
        let fields: Vec<String> = kept.iter().map(|&index| field(&row[index])).collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn field(value: &Value) -> String {
    match value {
        Value::Text(text) => quoted(text),
        Value::Count(count) => count.to_string(),
        Value::Percent(percent) => percent.map(|p| p.to_string()).unwrap_or_default(),
        Value::Maybe(text) => text.unwrap_or_default().to_owned(),
        Value::Hours(_) => String::new(),
    }
}

/// Quotes a CSV field when it holds a comma or a quote (pages cannot hold line breaks).
pub fn quoted(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}
