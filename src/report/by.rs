//! `report --by DIMENSION`: one breakdown's rows per day as a table, CSV or JSON, its columns
//! from the dimension's description (`model::dimension`) (pure code). A row's visitors are distinct that day for that entry;
//! totals add views only, as a visitor may count under several entries.

use comfy_table::{presets, Cell, CellAlignment, Table};
use serde_json::{json, Map, Value};

use super::Format;
use crate::backend::BreakdownRow;
use crate::model::csv::{header, into_text, Record};
use crate::model::dimension::Dimension;
use crate::model::text::{counted, thousands};
use crate::pipeline::report::keep_top_rows;

/// The columns that name an entry of `dimension`.
fn key_columns(dimension: Dimension) -> &'static [&'static str] {
    dimension.spec().columns
}

/// Keeps the rows of the `top` entries with the most views over the whole range.
pub fn keep_top(rows: Vec<BreakdownRow>, top: Option<usize>) -> Vec<BreakdownRow> {
    keep_top_rows(rows, top, |row| (row.key.as_str(), row.views))
}

/// The rows in `format` (table, CSV or JSON).
pub fn render(dimension: Dimension, rows: &[BreakdownRow], format: Format) -> String {
    match format {
        Format::Csv => csv(dimension, rows),
        Format::Json => json(dimension, rows),
        _ => table(dimension, rows),
    }
}

fn table(dimension: Dimension, rows: &[BreakdownRow]) -> String {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED);
    let spec = dimension.spec();
    let header = vec!["Day", spec.column, spec.measure, "Visitors"];
    table.set_header(header);
    for row in rows {
        table.add_row(vec![
            Cell::new(row.day),
            Cell::new(dimension.display_key(&row.key)),
            Cell::new(thousands(row.views)).set_alignment(CellAlignment::Right),
            Cell::new(thousands(row.visitors)).set_alignment(CellAlignment::Right),
        ]);
    }
    let views: u64 = rows.iter().map(|row| row.views).sum();
    table.add_row(vec![
        Cell::new("Total"),
        Cell::new(format!(
            "{} (visitors are not added: one may count under several)",
            counted(rows.len() as u64, "row")
        )),
        Cell::new(thousands(views)).set_alignment(CellAlignment::Right),
        Cell::new("-").set_alignment(CellAlignment::Right),
    ]);
    table.to_string()
}

fn csv(dimension: Dimension, rows: &[BreakdownRow]) -> String {
    let mut columns = vec!["day"];
    columns.extend(key_columns(dimension));
    columns.extend(["views", "visitors"]);
    let mut out = Vec::new();
    header(&mut out, &columns);
    for row in rows {
        let mut record = Record::new(&mut out);
        record.text(&row.day.to_string());
        for value in dimension.key_values(&row.key) {
            record.text(value);
        }
        record.number(row.views).number(row.visitors).end();
    }
    into_text(out)
}

fn json(dimension: Dimension, rows: &[BreakdownRow]) -> String {
    let records: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut record = Map::new();
            record.insert("day".into(), json!(row.day));
            let values = dimension.key_values(&row.key);
            for (column, value) in key_columns(dimension).iter().zip(values) {
                record.insert((*column).into(), json!(value));
            }
            record.insert("views".into(), json!(row.views));
            record.insert("visitors".into(), json!(row.visitors));
            Value::Object(record)
        })
        .collect();
    serde_json::to_string_pretty(&records).expect("records serialise")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::day;

    fn row(key: &str, views: u64, visitors: u64) -> BreakdownRow {
        BreakdownRow {
            day: day("2021-03-13"),
            dimension: Dimension::Campaign,
            key: key.into(),
            views,
            visitors,
        }
    }

    #[test]
    fn campaigns_show_their_three_parts_in_every_format() {
        let rows = [
            row("mail\u{1f}email\u{1f}spring", 5, 3),
            row("x\u{1f}\u{1f}", 1, 1),
        ];
        assert_eq!(
            render(Dimension::Campaign, &rows, Format::Csv),
            "day,source,medium,campaign,views,visitors\n2021-03-13,mail,email,spring,5,3\n\
             2021-03-13,x,,,1,1\n"
        );
        let json: Value =
            serde_json::from_str(&render(Dimension::Campaign, &rows, Format::Json)).unwrap();
        assert_eq!(json[0]["campaign"], "spring");
        assert_eq!(json[1]["medium"], "");
        let table = render(Dimension::Campaign, &rows, Format::Table);
        assert!(table.contains("mail / email / spring"), "{table}");
        assert!(table.contains("x / - / -"), "{table}");
        assert!(table.contains("|     6 |"), "{table}");
    }

    #[test]
    fn the_top_entries_are_ranked_over_the_range() {
        let rows = vec![row("a", 1, 1), row("b", 5, 1), row("a", 3, 1)];
        let kept: Vec<String> = keep_top(rows, Some(1)).into_iter().map(|r| r.key).collect();
        assert_eq!(kept, ["b"]);
    }
}
