//! The report as JSON: an array of the records as objects, fields in order (pure code).

use super::records::{records, Object};
use super::view::View;

/// A JSON array of objects: `{day, page, views, visitors, hours}` for days.
pub fn render(view: &View) -> String {
    let records = records(view);
    let objects: Vec<Object> = records
        .rows
        .iter()
        .map(|values| Object {
            fields: &records.fields,
            values,
        })
        .collect();
    serde_json::to_string_pretty(&objects).expect("records serialise")
}
