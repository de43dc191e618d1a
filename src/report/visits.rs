//! `report --by entry` and `--by exit`: per day, the pages visits entered at (with their
//! bounces) or left from (with the share of the page's views that ended a visit), as a table,
//! CSV or JSON (pure code). Read from the pages' daily rows; rows counted before pages kept
//! engagement have none and are left out.

use comfy_table::{presets, Cell, CellAlignment, Table};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use super::engagement::{percent_text, percent_value};
use super::Format;
use crate::backend::DailyRow;
use crate::model::csv::{header, into_text, Record};
use crate::model::text::{counted, thousands};

/// Which end of a visit the rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Entry,
    Exit,
}

/// One page on one day: visits that entered (or left) there, and the other number of its row.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitRow {
    pub day: crate::model::day::Day,
    pub page: String,
    /// Entries, or exits.
    pub visits: u64,
    /// Bounces of those entries, or the page's views (of which the exits ended a visit).
    pub of: u64,
}

impl VisitRow {
    /// Bounces per entry, or exits per view.
    fn rate(&self, end: End) -> Option<f64> {
        match end {
            End::Entry => (self.visits > 0).then(|| self.of as f64 / self.visits as f64),
            End::Exit => (self.of > 0).then(|| self.visits as f64 / self.of as f64),
        }
    }
}

/// The rows of `end` from daily rows: pages with at least one, by day, then most first, then
/// page; only the `top` pages with the most over the range when asked.
pub fn rows(end: End, daily: &[DailyRow], top: Option<usize>) -> Vec<VisitRow> {
    let mut rows: Vec<VisitRow> = daily
        .iter()
        .filter_map(|row| {
            let engagement = row.engagement?;
            let (visits, of) = match end {
                End::Entry => (engagement.entries, engagement.bounces),
                End::Exit => (engagement.exits, row.views),
            };
            (visits > 0).then(|| VisitRow {
                day: row.day,
                page: row.page.clone(),
                visits,
                of,
            })
        })
        .collect();
    if let Some(top) = top {
        let mut totals: HashMap<&str, u64> = HashMap::new();
        for row in &rows {
            *totals.entry(&row.page).or_default() += row.visits;
        }
        let mut ranked: Vec<(&str, u64)> = totals.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let kept: Vec<String> = ranked
            .iter()
            .take(top)
            .map(|(page, _)| page.to_string())
            .collect();
        rows.retain(|row| kept.contains(&row.page));
    }
    rows.sort_by(|a, b| (a.day, b.visits, &a.page).cmp(&(b.day, a.visits, &b.page)));
    rows
}

/// The columns of `end` for programs, and the header of people's table.
fn columns(end: End) -> ([&'static str; 5], [&'static str; 5]) {
    match end {
        End::Entry => (
            ["day", "page", "entries", "bounces", "bounce_rate"],
            ["Day", "Entry page", "Entries", "Bounces", "Bounce rate"],
        ),
        End::Exit => (
            ["day", "page", "exits", "views", "exit_rate"],
            ["Day", "Exit page", "Exits", "Views", "Exit rate"],
        ),
    }
}

/// The rows in `format` (table, CSV or JSON).
pub fn render(end: End, rows: &[VisitRow], format: Format) -> String {
    match format {
        Format::Csv => csv(end, rows),
        Format::Json => json(end, rows),
        _ => table(end, rows),
    }
}

fn table(end: End, rows: &[VisitRow]) -> String {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED);
    table.set_header(columns(end).1.to_vec());
    let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
    for row in rows {
        table.add_row(vec![
            Cell::new(row.day),
            Cell::new(&row.page),
            right(thousands(row.visits)),
            right(thousands(row.of)),
            right(percent_text(row.rate(end))),
        ]);
    }
    let visits: u64 = rows.iter().map(|row| row.visits).sum();
    let of: u64 = rows.iter().map(|row| row.of).sum();
    let total = VisitRow {
        day: crate::model::day::Day::EPOCH,
        page: String::new(),
        visits,
        of,
    };
    table.add_row(vec![
        Cell::new("Total"),
        Cell::new(counted(rows.len() as u64, "row")),
        right(thousands(visits)),
        right(thousands(of)),
        right(percent_text(total.rate(end))),
    ]);
    table.to_string()
}

fn csv(end: End, rows: &[VisitRow]) -> String {
    let mut out = Vec::new();
    header(&mut out, &columns(end).0);
    for row in rows {
        let mut record = Record::new(&mut out);
        record.text(&row.day.to_string()).text(&row.page);
        record.number(row.visits).number(row.of);
        match percent_value(row.rate(end)) {
            Some(rate) => record.number(rate),
            None => record.empty(),
        };
        record.end();
    }
    into_text(out)
}

fn json(end: End, rows: &[VisitRow]) -> String {
    let names = columns(end).0;
    let records: Vec<Value> = rows
        .iter()
        .map(|row| {
            let values = [
                json!(row.day),
                json!(row.page),
                json!(row.visits),
                json!(row.of),
                json!(percent_value(row.rate(end))),
            ];
            let record: Map<String, Value> = names
                .iter()
                .map(|name| (*name).to_owned())
                .zip(values)
                .collect();
            Value::Object(record)
        })
        .collect();
    serde_json::to_string_pretty(&records).expect("records serialise")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::engagement::PageEngagement;
    use crate::model::fixtures::{day, row};

    fn engaged(
        on: &str,
        page: &str,
        views: u64,
        entries: u64,
        exits: u64,
        bounces: u64,
    ) -> DailyRow {
        DailyRow {
            engagement: Some(PageEngagement {
                entries,
                exits,
                bounces,
                ..PageEngagement::default()
            }),
            ..row(on, page, views)
        }
    }

    #[test]
    fn entries_and_exits_per_day_with_their_rates() {
        let daily = vec![
            engaged("2021-03-13", "/a", 10, 4, 1, 1),
            engaged("2021-03-13", "/b", 5, 6, 5, 3),
            engaged("2021-03-14", "/a", 2, 0, 2, 0),
            // Counted before pages kept engagement: left out.
            row("2021-03-14", "/old", 7),
        ];
        let entries = rows(End::Entry, &daily, None);
        assert_eq!(
            entries
                .iter()
                .map(|r| (r.page.as_str(), r.visits, r.of))
                .collect::<Vec<_>>(),
            [("/b", 6, 3), ("/a", 4, 1)]
        );
        assert_eq!(
            render(End::Entry, &entries, Format::Csv),
            "day,page,entries,bounces,bounce_rate\n2021-03-13,/b,6,3,50\n2021-03-13,/a,4,1,25\n"
        );
        let exits = rows(End::Exit, &daily, None);
        assert_eq!(exits.len(), 3);
        assert_eq!(exits[2].day, day("2021-03-14"));
        let json: Value = serde_json::from_str(&render(End::Exit, &exits, Format::Json)).unwrap();
        assert_eq!(json[0]["page"], "/b");
        assert_eq!(json[0]["exit_rate"], 100.0);
        assert_eq!(json[1]["exit_rate"], 10.0);
        let table = render(End::Exit, &exits, Format::Table);
        assert!(table.contains("Exit page"), "{table}");
        assert!(table.contains("| 3 rows"), "{table}");
        // The page with the most exits over the range is /b (5, against /a's 3).
        let top = rows(End::Exit, &daily, Some(1));
        assert!(top.iter().all(|r| r.page == "/b"), "{top:?}");
    }
}
