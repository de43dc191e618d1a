//! The report as an aligned table (pure code): a row per period and page with a total per
//! period and a grand total, or, with `--compare`, a row per page beside the other range's.

use comfy_table::{presets, Cell, CellAlignment, Table};

use super::compare::change_text;
use super::engagement::{page_cells, BOUNCE, ENGAGED, SCROLL};
use super::period::{Grain, Unit};
use super::view::{Breakdown, Totals, View};
use crate::model::day::DayRange;
use crate::model::engagement::{PageEngagement, SiteEngagement};
use crate::model::text::{counted, thousands};

/// Rows per period and page, a subtotal per period when there are several, and a grand
/// total. A day's visitors are distinct people that day (site-wide in totals, not a sum over
/// pages); summed over days (a week, a month, a range) they are visitor-days, labelled so.
/// Where engagement is known, each row adds its bounce rate, mean engaged time and scroll
/// depth (a period's and the total's of the whole site).
pub fn render(view: &View) -> String {
    if view.previous.is_some() {
        return compared(view);
    }
    let engaged = shows_engagement(view);
    let mut header = vec![
        capitalised(view.unit.noun()),
        "Page".to_owned(),
        "Views".to_owned(),
        visitors_header(view).to_owned(),
    ];
    if engaged {
        header.extend([BOUNCE, ENGAGED, SCROLL].map(str::to_owned));
    }
    let mut table = new_table(header);
    let several = view.periods.len() > 1;
    let mut lines = view.lines.iter().peekable();
    while let Some(line) = lines.next() {
        let period = &view.periods[line.period];
        let label = period.period.full_label();
        let mut row = numbers_row(&label, &line.page, line.views, line.visitors);
        add_engagement(&mut row, engaged, line.engagement.as_ref());
        table.add_row(row);
        let period_ends = lines.peek().is_none_or(|next| next.period != line.period);
        if several && period_ends {
            let shown = view
                .lines
                .iter()
                .filter(|other| other.period == line.period);
            let views = match view.top_only {
                true => shown.map(|other| other.views).sum(),
                false => period.views,
            };
            let visitors = period.visitors.filter(|_| !view.top_only);
            let what = format!("({} total)", view.unit.noun());
            let mut row = numbers_row(&label, &what, views, visitors);
            let site = period.engagement.filter(|_| !view.top_only);
            add_engagement(&mut row, engaged, site_pages(site).as_ref());
            table.add_row(row);
        }
    }
    add_totals(&mut table, view, engaged);
    let mut text = table.to_string();
    if let Some(site) = view.totals.engagement.filter(|_| engaged) {
        text.push('\n');
        text.push_str(&site_line(&site));
    }
    text
}

/// Whether rows show engagement: per day, week or month, when any row has it.
pub(super) fn shows_engagement(view: &View) -> bool {
    view.unit != Unit::Hours && view.lines.iter().any(|line| line.engagement.is_some())
}

fn add_engagement(row: &mut Vec<Cell>, shown: bool, page: Option<&PageEngagement>) {
    if shown {
        row.extend(
            page_cells(page).map(|text| Cell::new(text).set_alignment(CellAlignment::Right)),
        );
    }
}

fn site_pages(site: Option<SiteEngagement>) -> Option<PageEngagement> {
    site.map(|site| site.pages)
}

/// The site's visits over the range in one line, under the table.
pub fn site_line(site: &SiteEngagement) -> String {
    use super::engagement::{duration_text, per_visit_text, percent_text};
    format!(
        "{}: bounce rate {}, {} views per visit, {} engaged on average per view (of {} with engagement known)",
        counted(site.visits(), "visit"),
        percent_text(site.bounce_rate()),
        per_visit_text(site.views_per_visit()),
        duration_text(site.average_engaged_ms()),
        thousands(site.pages.engaged_views)
    )
}

fn add_totals(table: &mut Table, view: &View, engaged: bool) {
    let totals = &view.totals;
    let summed = match (view.unit, totals.visitors_are_days() && !view.top_only) {
        (Unit::Days(Grain::Day), true) => ", visitors summed per day",
        _ => "",
    };
    let label = match view.top_only {
        true => "Total shown",
        false => "Total",
    };
    let rows = format!("{}{summed}", counted(view.lines.len() as u64, "row"));
    let shown: u64 = view.lines.iter().map(|line| line.views).sum();
    let visitors = (!view.top_only).then_some(totals.visitors);
    let mut row = numbers_row(label, &rows, shown, visitors);
    let site = site_pages(totals.engagement);
    add_engagement(&mut row, engaged, site.as_ref().filter(|_| !view.top_only));
    table.add_row(row);
    if view.top_only {
        let all = "(not only the top ones)";
        let mut row = numbers_row("All pages", all, totals.views, Some(totals.visitors));
        add_engagement(&mut row, engaged, site.as_ref());
        table.add_row(row);
    }
    add_keyless(table, totals);
}

fn add_keyless(table: &mut Table, totals: &Totals) {
    if totals.keyless_views > 0 {
        let what = "(views without a visitor key: counted as views only)";
        table.add_row(numbers_row("", what, totals.keyless_views, None));
    }
}

/// With `--compare`: a line naming both ranges, then each page's views and visitors beside
/// the other range's and the change, new and vanished pages marked, and the totals.
fn compared(view: &View) -> String {
    let (totals, previous) = (&view.totals, view.previous.as_ref().expect("compared"));
    let visitors = entry_visitors_header(view);
    let mut table = new_table(
        [
            "Page", "Views", "Previous", "Change", visitors, "Previous", "Change",
        ]
        .map(str::to_owned)
        .to_vec(),
    );
    let pages = &view.breakdowns[0];
    for entry in &pages.entries {
        let before = entry.previous.unwrap_or_default();
        let mut row = vec![Cell::new(&entry.key)];
        row.extend(compared_cells(entry.views, before.views));
        row.extend(compared_cells(entry.visitors, before.visitors));
        table.add_row(row);
    }
    let label = match view.top_only {
        true => "All pages (not only the top ones)",
        false => "Total",
    };
    let mut row = vec![Cell::new(label)];
    row.extend(compared_cells(totals.views, previous.views));
    row.extend(compared_cells(totals.visitors, previous.visitors));
    table.add_row(row);
    add_vanished_unlisted(&mut table, pages);
    add_keyless(&mut table, totals);
    format!(
        "{} against {}\n{table}",
        range_text(totals.range),
        range_text(previous.range)
    )
}

fn add_vanished_unlisted(table: &mut Table, pages: &Breakdown) {
    if pages.vanished_unlisted > 0 {
        let what = format!(
            "({} vanished: viewed before, not now; not listed with --top)",
            counted(pages.vanished_unlisted as u64, "page")
        );
        table.add_row(vec![Cell::new(what)]);
    }
}

fn compared_cells(now: u64, before: u64) -> [Cell; 3] {
    [
        number(now),
        number(before),
        Cell::new(change_text(now, before)).set_alignment(CellAlignment::Right),
    ]
}

/// `2021-03-13`, or `2021-03-01 to 2021-03-31`.
pub fn range_text(range: DayRange) -> String {
    match range.len() {
        1 => range.from.to_string(),
        _ => format!("{} to {}", range.from, range.to),
    }
}

/// The visitors of periods: "Visitors" per day or hour, "Visitor-days" per week or month.
pub fn visitors_header(view: &View) -> &'static str {
    days_or_people(matches!(view.unit, Unit::Days(Grain::Week | Grain::Month)))
}

/// The visitors of breakdown entries, over the whole range: "Visitor-days" over several days.
pub fn entry_visitors_header(view: &View) -> &'static str {
    days_or_people(view.totals.visitors_are_days())
}

fn days_or_people(summed_days: bool) -> &'static str {
    match summed_days {
        true => "Visitor-days",
        false => "Visitors",
    }
}

fn new_table(header: Vec<String>) -> Table {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED);
    table.set_header(header);
    table
}

pub fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn number(value: u64) -> Cell {
    Cell::new(thousands(value)).set_alignment(CellAlignment::Right)
}

/// A table row: a label, a page (or what the row sums), views and, where they add up,
/// visitors.
fn numbers_row(first: &str, page: &str, views: u64, visitors: Option<u64>) -> Vec<Cell> {
    let visitors = visitors.map_or("-".to_owned(), thousands);
    vec![
        Cell::new(first),
        Cell::new(page),
        number(views),
        Cell::new(visitors).set_alignment(CellAlignment::Right),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures::{compared_view, site_view};

    fn table(grain: Grain, top: Option<usize>) -> String {
        render(&site_view(Unit::Days(grain), top))
    }

    /// The cells of the first row that has a cell starting with `first` after `skip` cells.
    fn cells(table: &str, skip: usize, first: &str) -> Vec<String> {
        let rows = table.lines().map(|line| {
            let cells = line.trim_matches('|').split('|');
            cells.map(|cell| cell.trim().to_owned()).collect::<Vec<_>>()
        });
        rows.filter(|row| row.len() > skip)
            .find(|row| row[skip].starts_with(first))
            .unwrap_or_else(|| panic!("no row with {first}: {table}"))
    }

    #[test]
    fn days_have_totals_with_the_sites_visitors_and_a_grand_total() {
        let table = table(Grain::Day, None);
        assert_eq!(table.matches("(day total)").count(), 3, "{table}");
        assert_eq!(
            cells(&table, 1, "(day total)"),
            ["2021-03-27", "(day total)", "15", "6"]
        );
        assert_eq!(
            cells(&table, 0, "Total"),
            ["Total", "5 rows, visitors summed per day", "27", "13"]
        );
    }

    #[test]
    fn weeks_say_visitor_days_and_how_much_of_each_week_they_hold() {
        let table = table(Grain::Week, None);
        assert_eq!(
            cells(&table, 0, "Week"),
            ["Week", "Page", "Views", "Visitor-days"]
        );
        assert_eq!(
            cells(&table, 1, "(week total)"),
            ["2021-W12 (2 of 7 days)", "(week total)", "24", "12"]
        );
    }

    #[test]
    fn a_top_table_says_what_its_total_covers() {
        let table = table(Grain::Day, Some(1));
        assert_eq!(
            cells(&table, 0, "Total shown"),
            ["Total shown", "2 rows", "17", "-"]
        );
        assert_eq!(cells(&table, 0, "All pages")[2..], ["27", "13"]);
    }

    #[test]
    fn a_comparison_names_both_ranges_and_marks_pages() {
        let table = render(&compared_view(None));
        assert!(table.starts_with("2021-03-27 to 2021-03-29 against 2021-03-24 to 2021-03-26\n"));
        assert_eq!(cells(&table, 0, "Page")[4], "Visitor-days");
        assert_eq!(cells(&table, 0, "/")[..4], ["/", "17", "8", "+112.5%"]);
        assert_eq!(cells(&table, 0, "/a")[3], "new");
        assert_eq!(cells(&table, 0, "/old")[3], "vanished");
        assert_eq!(
            cells(&table, 0, "Total"),
            ["Total", "27", "12", "+125%", "13", "10", "+30%"]
        );
    }
}
