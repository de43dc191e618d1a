//! Building a report from daily rows: page filter, top N, totals (pure code).

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::backend::{BreakdownRow, DailyRow, DayStatus};
use crate::model::day::{Day, DayRange};
use crate::model::engagement::SiteEngagement;

/// A report ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub range: DayRange,
    pub rows: Vec<DailyRow>,
    /// Days in the range that were never aggregated.
    pub unaggregated_days: Vec<Day>,
    /// Days whose raw events changed after they were aggregated.
    pub stale_days: Vec<Day>,
    /// Views of every page over the range, when only the top pages are shown (`--top`).
    pub all_pages_views: Option<u64>,
    /// Every day of the range with the views of all its pages (or of the page asked for),
    /// whatever `--top` keeps, and its distinct visitors.
    pub days: Vec<DayTotal>,
    /// Pages with views in the range (or the page asked for), whatever `--top` keeps.
    pub pages: BTreeSet<String>,
    /// Views that came without a visitor key over the range: the site's, or the page's when
    /// the report is of one page (where a day's rows predate pages keeping theirs, those
    /// days' are not known and left out).
    pub keyless_views: u64,
    /// The day's breakdowns (referrers, campaigns, downloads, events, variants), where the
    /// report asked for them.
    pub breakdowns: Vec<BreakdownRow>,
    /// How many entries of a breakdown are shown (`--top`), when not all.
    pub top: Option<usize>,
}

/// One day of a report: views (and views per hourly slot) of every page, and distinct
/// visitors: the site's (or, for one page, the page's). Summed over several days, visitors
/// are visitor-days, not distinct people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotal {
    pub day: Day,
    pub views: u64,
    pub visitors: u64,
    pub hours: Vec<u64>,
    /// The engagement of its pages' rows (or the page's), where known; `None` when no row of
    /// the day has it (counted before pages kept it).
    pub engagement: Option<SiteEngagement>,
}

impl Report {
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|row| row.views).sum()
    }

    /// Visitors of one day of the report (site-wide, or of the page asked for).
    #[cfg(test)]
    pub fn visitors_on(&self, day: Day) -> u64 {
        self.days
            .iter()
            .find(|total| total.day == day)
            .map_or(0, |total| total.visitors)
    }

    /// The day's visitors for one day; their sum over the days for a range (visitor-days).
    pub fn visitor_days(&self) -> u64 {
        self.days.iter().map(|total| total.visitors).sum()
    }

    /// Views of every page over the range, whatever `--top` keeps.
    pub fn all_views(&self) -> u64 {
        self.days.iter().map(|total| total.views).sum()
    }

    /// The range's engagement (of every page, or the page asked for), where known.
    pub fn engagement(&self) -> Option<SiteEngagement> {
        add_engagement(self.days.iter().map(|total| total.engagement.as_ref()))
    }
}

/// Sums of engagement; `None` when none is known.
pub fn add_engagement<'a>(
    all: impl IntoIterator<Item = Option<&'a SiteEngagement>>,
) -> Option<SiteEngagement> {
    all.into_iter().flatten().fold(None, |total, more| {
        let mut total = total.unwrap_or_default();
        total.add(more);
        Some(total)
    })
}

impl DayTotal {
    fn empty(day: Day) -> DayTotal {
        DayTotal {
            day,
            views: 0,
            visitors: 0,
            hours: Vec::new(),
            engagement: None,
        }
    }
}

/// Keeps the rows of the `top` pages with the most views over the whole range (ties by path).
pub fn keep_top_pages(rows: Vec<DailyRow>, top: Option<usize>) -> Vec<DailyRow> {
    keep_top_rows(rows, top, |row| (row.page.as_str(), row.views))
}

/// Keeps the rows of the `top` keys with the most views over the whole range (ties by key);
/// `key_views` gives a row's key and views.
pub fn keep_top_rows<R>(
    rows: Vec<R>,
    top: Option<usize>,
    key_views: impl Fn(&R) -> (&str, u64),
) -> Vec<R> {
    let Some(top) = top else {
        return rows;
    };
    let mut totals: HashMap<&str, u64> = HashMap::new();
    for row in &rows {
        let (key, views) = key_views(row);
        *totals.entry(key).or_default() += views;
    }
    let kept: HashSet<String> = top_keys(totals, top)
        .into_iter()
        .map(str::to_owned)
        .collect();
    rows.into_iter()
        .filter(|row| kept.contains(key_views(row).0))
        .collect()
}

/// The `top` keys with the most views, most first (ties by key).
pub fn top_keys<'a>(totals: impl IntoIterator<Item = (&'a str, u64)>, top: usize) -> Vec<&'a str> {
    let mut ranked: Vec<(&str, u64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    ranked.into_iter().take(top).map(|(key, _)| key).collect()
}

/// Assembles the report and notes which days of the range cannot be trusted yet. With
/// `one_page`, the rows are one page's, and so are its visitors; otherwise a day's visitors
/// are the site's distinct visitors, from the day's status, not a sum over pages.
pub fn build(
    range: DayRange,
    rows: Vec<DailyRow>,
    statuses: &[DayStatus],
    top: Option<usize>,
    one_page: bool,
) -> Report {
    let by_day: HashMap<Day, &DayStatus> = statuses.iter().map(|s| (s.day, s)).collect();
    let mut unaggregated_days = Vec::new();
    let mut stale_days = Vec::new();
    for day in range.days() {
        match by_day.get(&day) {
            Some(status) if status.aggregated_version.is_none() => unaggregated_days.push(day),
            Some(status) if status.is_pending() => stale_days.push(day),
            Some(_) => {}
            None => unaggregated_days.push(day),
        }
    }
    let all_pages_views = top.map(|_| rows.iter().map(|row| row.views).sum());
    let mut of_day = day_totals(&rows);
    let days = range
        .days()
        .map(|day| {
            let mut total = of_day.remove(&day).unwrap_or_else(|| DayTotal::empty(day));
            if !one_page {
                total.visitors = by_day.get(&day).and_then(|s| s.visitors).unwrap_or(0);
            }
            total
        })
        .collect();
    let pages = rows.iter().map(|row| row.page.clone()).collect();
    let keyless_views = match one_page {
        true => rows.iter().filter_map(|row| row.keyless).sum(),
        false => statuses.iter().filter_map(|s| s.keyless_views).sum(),
    };
    Report {
        range,
        rows: keep_top_pages(rows, top),
        unaggregated_days,
        stale_days,
        all_pages_views,
        days,
        pages,
        keyless_views,
        breakdowns: Vec::new(),
        top,
    }
}

/// Per day: views, views per slot and the sum of page visitors of the day's rows.
fn day_totals(rows: &[DailyRow]) -> HashMap<Day, DayTotal> {
    let mut totals: HashMap<Day, DayTotal> = HashMap::new();
    for row in rows {
        let total = totals
            .entry(row.day)
            .or_insert_with(|| DayTotal::empty(row.day));
        total.views += row.views;
        total.visitors += row.visitors;
        if let Some(engagement) = &row.engagement {
            total
                .engagement
                .get_or_insert_with(SiteEngagement::default)
                .add_row(row.views, row.keyless, engagement);
        }
        if total.hours.len() < row.hours.len() {
            total.hours.resize(row.hours.len(), 0);
        }
        for (slot, views) in row.hours.iter().enumerate() {
            total.hours[slot] += views;
        }
    }
    totals
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{day, row};

    #[test]
    fn top_pages_are_ranked_over_the_whole_range() {
        let rows = vec![
            row("2021-03-01", "/a", 5),
            row("2021-03-01", "/b", 4),
            row("2021-03-01", "/c", 1),
            row("2021-03-02", "/b", 4),
            row("2021-03-02", "/c", 9),
        ];
        let top = keep_top_pages(rows.clone(), Some(1));
        assert_eq!(top.len(), 2);
        assert!(top.iter().all(|r| r.page == "/c"));
        let top2: std::collections::BTreeSet<String> = keep_top_pages(rows.clone(), Some(2))
            .into_iter()
            .map(|r| r.page)
            .collect();
        assert_eq!(top2, ["/b".to_owned(), "/c".to_owned()].into());
        assert_eq!(keep_top_pages(rows, None).len(), 5);
    }

    #[test]
    fn a_pages_report_has_the_pages_views_without_a_key_not_the_sites() {
        let range = DayRange::single(day("2021-03-01"));
        let status = DayStatus {
            keyless_views: Some(100),
            ..crate::model::fixtures::aggregated("2021-03-01", 4)
        };
        let keyed = |keyless| DailyRow {
            keyless,
            ..row("2021-03-01", "/p", 20)
        };
        let one = |rows| build(range, rows, std::slice::from_ref(&status), None, true);
        assert_eq!(one(vec![keyed(Some(16))]).keyless_views, 16);
        // Counted before pages kept the number: not known, not the site's.
        assert_eq!(one(vec![keyed(None)]).keyless_views, 0);
        assert_eq!(one(vec![]).keyless_views, 0);
        let site = build(range, vec![keyed(Some(16))], &[status], None, false);
        assert_eq!(site.keyless_views, 100);
    }

    #[test]
    fn a_top_report_keeps_the_total_of_every_page() {
        let range = DayRange::single(day("2021-03-01"));
        let rows = vec![row("2021-03-01", "/a", 5), row("2021-03-01", "/b", 4)];
        let report = build(range, rows, &[], Some(1), false);
        assert_eq!(report.total(), 5);
        assert_eq!(report.all_pages_views, Some(9));
    }

    #[test]
    fn days_without_aggregation_or_with_late_events_are_flagged() {
        let range = DayRange::new(
            Day::parse("2021-03-01").unwrap(),
            Day::parse("2021-03-03").unwrap(),
        )
        .unwrap();
        let status = |day: &str, change, aggregated| DayStatus {
            day: Day::parse(day).unwrap(),
            change_version: change,
            aggregated_version: aggregated,
            aggregated_at: None,
            views: None,
            pages: None,
            visitors: Some(change * 10),
            keyless_views: Some(1),
            raw: Default::default(),
            layouts: Vec::new(),
        };
        let statuses = [
            status("2021-03-01", 3, Some(3)),
            status("2021-03-02", 4, Some(3)),
        ];
        let report = build(
            range,
            vec![row("2021-03-01", "/a", 2)],
            &statuses,
            None,
            false,
        );
        assert_eq!(report.total(), 2);
        assert_eq!(report.all_pages_views, None);
        // Site visitors come from each day's status (3 x 10 on the first day): a range sums
        // them as visitor-days; days never aggregated have none.
        assert_eq!(report.visitors_on(Day::parse("2021-03-01").unwrap()), 30);
        assert_eq!(report.visitor_days(), 70);
        assert_eq!(report.keyless_views, 2);
        assert_eq!(report.all_views(), 2);
        assert_eq!(report.pages.len(), 1);
        assert_eq!(report.days.len(), 3);
        assert_eq!(report.days[0].hours.len(), 24);
        assert_eq!(report.stale_days, [Day::parse("2021-03-02").unwrap()]);
        assert_eq!(
            report.unaggregated_days,
            [Day::parse("2021-03-03").unwrap()]
        );
    }
}
