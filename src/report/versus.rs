//! `report --versus NAME`: each page's views per day in this deployment beside those of
//! another one counting the same site another way (the beacon's beside the server logs'),
//! with their ratio, as a table, CSV, JSON or an HTML page (pure code). A ratio under 1 is
//! what this deployment misses (ad blockers, scripts that did not run); over 1, what the
//! other misses or this one counts more (bots that run scripts, for a beacon). A page
//! missing on one side shows 0 there, and which side alone has it.

use comfy_table::{presets, Cell, CellAlignment, Table};
use maud::html;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::{html::page, Format, Meta};
use crate::model::csv;
use crate::model::daily::DailyRow;
use crate::model::day::{Day, DayRange};
use crate::model::text::{counted, thousands};
use crate::pipeline::report::Report;

/// One page on one day, on both sides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub day: Day,
    pub page: String,
    pub views: u64,
    pub versus_views: u64,
}

/// Which deployment alone has views of a row's page that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnlyIn {
    This,
    Versus,
}

impl Row {
    pub fn ratio(&self) -> Option<f64> {
        ratio(self.views, self.versus_views)
    }

    pub fn only_in(&self) -> Option<OnlyIn> {
        match (self.views, self.versus_views) {
            (1.., 0) => Some(OnlyIn::This),
            (0, 1..) => Some(OnlyIn::Versus),
            _ => None,
        }
    }
}

/// `views / versus_views` to three decimals; none when the other side has none.
pub fn ratio(views: u64, versus_views: u64) -> Option<f64> {
    (versus_views > 0).then(|| (views as f64 * 1000.0 / versus_views as f64).round() / 1000.0)
}

/// One side: the deployment's name and what is not counted yet there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub name: String,
    pub unaggregated_days: Vec<Day>,
    pub stale_days: Vec<Day>,
}

/// Both deployments' views of a range, row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct Versus {
    pub range: DayRange,
    pub this: Side,
    pub versus: Side,
    pub rows: Vec<Row>,
    /// Views of every page on each side, whatever `--top` keeps.
    pub views: u64,
    pub versus_views: u64,
    /// Only the pages with the most views on both sides together are rows.
    pub top_only: bool,
}

/// The rows of `this` and `versus` (each built from its deployment's daily rows) side by
/// side, by day and page; with `top`, those of the `top` pages with the most views on both
/// sides together over the range.
pub fn build(names: (&str, &str), this: &Report, versus: &Report, top: Option<usize>) -> Versus {
    let mut merged: BTreeMap<(Day, &str), (u64, u64)> = BTreeMap::new();
    for row in &this.rows {
        merged.entry((row.day, &row.page)).or_default().0 += row.views;
    }
    for row in &versus.rows {
        merged.entry((row.day, &row.page)).or_default().1 += row.views;
    }
    let kept = top.map(|top| top_pages(&this.rows, &versus.rows, top));
    let rows = merged
        .into_iter()
        .filter(|((_, page), _)| kept.as_ref().is_none_or(|kept| kept.contains(*page)))
        .map(|((day, page), (views, versus_views))| Row {
            day,
            page: page.to_owned(),
            views,
            versus_views,
        })
        .collect();
    let side = |name: &str, report: &Report| Side {
        name: name.to_owned(),
        unaggregated_days: report.unaggregated_days.clone(),
        stale_days: report.stale_days.clone(),
    };
    Versus {
        range: this.range,
        this: side(names.0, this),
        versus: side(names.1, versus),
        rows,
        views: this.total(),
        versus_views: versus.total(),
        top_only: top.is_some(),
    }
}

fn top_pages(this: &[DailyRow], versus: &[DailyRow], top: usize) -> HashSet<String> {
    let mut totals: HashMap<&str, u64> = HashMap::new();
    for row in this.iter().chain(versus) {
        *totals.entry(&row.page).or_default() += row.views;
    }
    let mut ranked: Vec<(&str, u64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    ranked
        .into_iter()
        .take(top)
        .map(|(page, _)| page.to_owned())
        .collect()
}

/// The comparison as a table, CSV, JSON or HTML (the chart has no place for two sides).
pub fn render(versus: &Versus, format: Format, meta: &Meta) -> String {
    match format {
        Format::Csv => csv(versus),
        Format::Json => json(versus),
        Format::Html => html_page(versus, meta),
        Format::Table | Format::Chart => table(versus),
    }
}

/// A row for programs: CSV's columns and JSON's fields, in this order.
#[derive(serde::Serialize)]
struct Record<'a> {
    day: String,
    page: &'a str,
    views: u64,
    versus_views: u64,
    /// None (JSON `null`, empty in CSV) when the other side has no views.
    ratio: Option<f64>,
    /// The deployment that alone has views of the page that day.
    only_in: Option<&'a str>,
}

const FIELDS: [&str; 6] = ["day", "page", "views", "versus_views", "ratio", "only_in"];

fn record<'a>(versus: &'a Versus, row: &'a Row) -> Record<'a> {
    Record {
        day: row.day.to_string(),
        page: &row.page,
        views: row.views,
        versus_views: row.versus_views,
        ratio: row.ratio(),
        only_in: row.only_in().map(|side| match side {
            OnlyIn::This => versus.this.name.as_str(),
            OnlyIn::Versus => versus.versus.name.as_str(),
        }),
    }
}

fn csv(versus: &Versus) -> String {
    let mut out = Vec::new();
    csv::header(&mut out, &FIELDS);
    for row in &versus.rows {
        let record = record(versus, row);
        let mut line = csv::Record::new(&mut out);
        line.text(&record.day)
            .text(record.page)
            .number(record.views)
            .number(record.versus_views);
        match record.ratio {
            Some(ratio) => line.number(ratio),
            None => line.empty(),
        };
        line.text(record.only_in.unwrap_or_default());
        line.end();
    }
    csv::into_text(out)
}

fn json(versus: &Versus) -> String {
    let records: Vec<Record> = versus.rows.iter().map(|row| record(versus, row)).collect();
    serde_json::to_string_pretty(&records).expect("records serialise")
}

/// A ratio for people: `0.724`, or which side alone has views.
fn ratio_text(versus: &Versus, row: &Row) -> String {
    match (row.only_in(), row.ratio()) {
        (Some(OnlyIn::This), _) => format!("only in {}", versus.this.name),
        (Some(OnlyIn::Versus), _) => format!("only in {}", versus.versus.name),
        (None, Some(ratio)) => ratio.to_string(),
        (None, None) => "-".to_owned(),
    }
}

fn total_ratio(views: u64, versus_views: u64) -> String {
    ratio(views, versus_views).map_or("-".to_owned(), |ratio| ratio.to_string())
}

fn table(versus: &Versus) -> String {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED);
    table.set_header(vec![
        "Day",
        "Page",
        versus.this.name.as_str(),
        versus.versus.name.as_str(),
        "Ratio",
    ]);
    let number = |value: u64| Cell::new(thousands(value)).set_alignment(CellAlignment::Right);
    let line = |first: String, second: String, views: u64, versus_views: u64, ratio: String| {
        vec![
            Cell::new(first),
            Cell::new(second),
            number(views),
            number(versus_views),
            Cell::new(ratio).set_alignment(CellAlignment::Right),
        ]
    };
    for row in &versus.rows {
        let ratio = ratio_text(versus, row);
        table.add_row(line(
            row.day.to_string(),
            row.page.clone(),
            row.views,
            row.versus_views,
            ratio,
        ));
    }
    let (shown, versus_shown) = shown(versus);
    let rows = counted(versus.rows.len() as u64, "row");
    let label = if versus.top_only {
        "Total shown"
    } else {
        "Total"
    };
    let ratio = total_ratio(shown, versus_shown);
    table.add_row(line(label.into(), rows, shown, versus_shown, ratio));
    if versus.top_only {
        let ratio = total_ratio(versus.views, versus.versus_views);
        let all = "(not only the top ones)".to_owned();
        table.add_row(line(
            "All pages".into(),
            all,
            versus.views,
            versus.versus_views,
            ratio,
        ));
    }
    table.to_string()
}

/// Views of the rows shown, on each side.
fn shown(versus: &Versus) -> (u64, u64) {
    let views = versus.rows.iter().map(|row| row.views).sum();
    (views, versus.rows.iter().map(|row| row.versus_views).sum())
}

fn html_page(versus: &Versus, meta: &Meta) -> String {
    let (this, other) = (&versus.this.name, &versus.versus.name);
    let heading = format!("Page views of {this} versus {other}");
    let period = match versus.range.len() {
        1 => versus.range.from.to_string(),
        _ => format!("{} to {}", versus.range.from, versus.range.to),
    };
    let notes: Vec<(String, &Vec<Day>)> = [&versus.this, &versus.versus]
        .into_iter()
        .flat_map(|side| {
            [
                (
                    format!("{}: not aggregated yet", side.name),
                    &side.unaggregated_days,
                ),
                (
                    format!("{}: late events arrived after aggregation", side.name),
                    &side.stale_days,
                ),
            ]
        })
        .filter(|(_, days)| !days.is_empty())
        .collect();
    let main = html! {
        section id="summary" {
            dl {
                div id="views" { dt { (this) } dd data-value=(versus.views) { (thousands(versus.views)) } }
                div id="versus-views" { dt { (other) } dd data-value=(versus.versus_views) { (thousands(versus.versus_views)) } }
                div id="ratio" { dt { "Ratio" } dd { (total_ratio(versus.views, versus.versus_views)) } }
            }
        }
        section id="pages" {
            h2 { "Views per page and day" }
            table {
                thead { tr { th { "Day" } th { "Page" } th class="number" { (this) } th class="number" { (other) } th class="number" { "Ratio" } } }
                tbody {
                    @for row in &versus.rows {
                        tr {
                            td { (row.day) } td { (row.page) }
                            td class="number" { (thousands(row.views)) }
                            td class="number" { (thousands(row.versus_views)) }
                            td class="number" { (ratio_text(versus, row)) }
                        }
                    }
                }
            }
        }
        @if !notes.is_empty() {
            section id="notes" {
                h2 { "Not counted yet" }
                ul { @for (what, days) in &notes { li { (what) ": " (days.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")) } } }
            }
        }
    };
    let note =
        format!("The ratio is {this}'s views divided by {other}'s: under 1, {this} counts fewer.");
    page(&heading, &period, main, meta, &note)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{day, row};
    use crate::pipeline::report::build as report;

    fn versus(top: Option<usize>) -> Versus {
        let range = DayRange::new(day("2021-03-13"), day("2021-03-14")).unwrap();
        let beacon = vec![
            row("2021-03-13", "/", 72),
            row("2021-03-13", "/app", 4),
            row("2021-03-14", "/", 30),
        ];
        let logs = vec![
            row("2021-03-13", "/", 100),
            row("2021-03-13", "/feed", 9),
            row("2021-03-14", "/", 30),
        ];
        build(
            ("beacon", "logs"),
            &report(range, beacon, &[], None, false),
            &report(range, logs, &[], None, false),
            top,
        )
    }

    #[test]
    fn rows_side_by_side_with_their_ratio() {
        let versus = versus(None);
        type Seen<'a> = (&'a str, &'a str, u64, u64, Option<f64>, Option<OnlyIn>);
        let rows: Vec<Seen> = versus
            .rows
            .iter()
            .map(|r| {
                let day: &'static str = if r.day == day("2021-03-13") {
                    "13"
                } else {
                    "14"
                };
                (
                    day,
                    r.page.as_str(),
                    r.views,
                    r.versus_views,
                    r.ratio(),
                    r.only_in(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("13", "/", 72, 100, Some(0.72), None),
                ("13", "/app", 4, 0, None, Some(OnlyIn::This)),
                ("13", "/feed", 0, 9, Some(0.0), Some(OnlyIn::Versus)),
                ("14", "/", 30, 30, Some(1.0), None),
            ]
        );
        assert_eq!((versus.views, versus.versus_views), (106, 139));
        assert_eq!(ratio(2, 3), Some(0.667));
    }

    #[test]
    fn csv_json_and_table() {
        let versus = versus(None);
        let meta = crate::report::fixtures::meta();
        assert_eq!(
            render(&versus, Format::Csv, &meta),
            "day,page,views,versus_views,ratio,only_in\n\
             2021-03-13,/,72,100,0.72,\n\
             2021-03-13,/app,4,0,,beacon\n\
             2021-03-13,/feed,0,9,0,logs\n\
             2021-03-14,/,30,30,1,\n"
        );
        let json: serde_json::Value =
            serde_json::from_str(&render(&versus, Format::Json, &meta)).unwrap();
        assert_eq!(
            json[1],
            serde_json::json!({"day": "2021-03-13", "page": "/app", "views": 4,
                "versus_views": 0, "ratio": null, "only_in": "beacon"})
        );
        assert_eq!(json[0]["only_in"], serde_json::Value::Null);
        let table = render(&versus, Format::Table, &meta);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[3..],
            [
                "| 2021-03-13 | /      |     72 |  100 |           0.72 |",
                "| 2021-03-13 | /app   |      4 |    0 | only in beacon |",
                "| 2021-03-13 | /feed  |      0 |    9 |   only in logs |",
                "| 2021-03-14 | /      |     30 |   30 |              1 |",
                "| Total      | 4 rows |    106 |  139 |          0.763 |",
                "+------------+--------+--------+------+----------------+",
            ],
            "{table}"
        );
        let top = render(&self::versus(Some(1)), Format::Table, &meta);
        let lines: Vec<&str> = top.lines().collect();
        assert_eq!(
            lines[5..7],
            [
                "| Total shown | 2 rows                  |    102 |  130 | 0.785 |",
                "| All pages   | (not only the top ones) |    106 |  139 | 0.763 |",
            ],
            "{top}"
        );
    }

    #[test]
    fn the_html_page_names_both_sides() {
        let page = render(
            &versus(None),
            Format::Html,
            &crate::report::fixtures::meta(),
        );
        let document = scraper::Html::parse_document(&page);
        assert!(document.errors.is_empty(), "{:?}", document.errors);
        assert!(
            page.contains("<h1>Page views of beacon versus logs</h1>"),
            "{page}"
        );
        assert!(
            page.contains("<td class=\"number\">only in beacon</td>"),
            "{page}"
        );
        assert!(page.contains("<dd>0.763</dd>"), "{page}");
    }
}
