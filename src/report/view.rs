//! What a report shows, whatever its format: totals per period (day, ISO week, month, or hour
//! of one day), rows per period and page, the breakdowns (pages today) with a trend per entry,
//! and, with `--compare`, the other range's numbers (pure code). Every format renders this
//! one view, so they show the same numbers.

use std::collections::{BTreeMap, HashMap};

use super::compare::{self, Previous};
use super::period::{hours_of, periods_of, Grain, Period, Unit};
use crate::backend::DailyRow;
use crate::model::day::{Day, DayRange};
use crate::model::dimension;
use crate::model::engagement::{PageEngagement, SiteEngagement};
use crate::model::zone::Zone;
use crate::pipeline::report::{add_engagement, Report};

/// A report ready for any format.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub unit: Unit,
    /// Views and visitors of every page (or the page asked for) per period.
    pub periods: Vec<PeriodTotal>,
    /// Views and visitors per period and page, for the pages shown (all, or `--top`).
    pub lines: Vec<Line>,
    /// Breakdowns of the range in the order they are shown; pages, for now.
    pub breakdowns: Vec<Breakdown>,
    pub totals: Totals,
    /// The range compared with (`--compare`).
    pub previous: Option<Totals>,
    /// Only the top pages are shown (`--top`).
    pub top_only: bool,
    /// Days of the range not aggregated yet, or changed since.
    pub unaggregated_days: Vec<Day>,
    pub stale_days: Vec<Day>,
    /// Days of the compared range (`--compare`) not aggregated yet, or changed since: the
    /// comparison's numbers depend on them, the range's own do not, so they are named apart.
    pub compared_unaggregated_days: Vec<Day>,
    pub compared_stale_days: Vec<Day>,
    /// CSV and JSON add a record of each period's totals after its pages (`--totals`).
    pub total_rows: bool,
}

/// One period's views, and its visitors: exact for a day, visitor-days for a week or month,
/// unknown for an hour (visitors are counted per day).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodTotal {
    pub period: Period,
    pub views: u64,
    pub visitors: Option<u64>,
    /// Views per hourly slot, for a day.
    pub hours: Option<Vec<u64>>,
    /// Visits, bounces and engagement of the period (per day, so none per hour), where known.
    pub engagement: Option<SiteEngagement>,
}

/// One page in one period (an index into `View::periods`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub period: usize,
    pub page: String,
    pub views: u64,
    pub visitors: Option<u64>,
    /// Views per hourly slot, for a day.
    pub hours: Option<Vec<u64>>,
    /// The page's engagement in the period (per day, so none per hour), where known.
    pub engagement: Option<PageEngagement>,
}

/// A range's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    pub range: DayRange,
    pub views: u64,
    /// Distinct visitors of each day, summed over the range's days (visitor-days when it has
    /// more than one).
    pub visitors: u64,
    pub pages: usize,
    pub keyless_views: u64,
    /// Visits, bounces, views per visit and engaged time over the range, where known.
    pub engagement: Option<SiteEngagement>,
}

impl Totals {
    fn of(report: &Report) -> Totals {
        Totals {
            range: report.range,
            views: report.all_views(),
            visitors: report.visitor_days(),
            pages: report.pages.len(),
            keyless_views: report.keyless_views,
            engagement: report.engagement(),
        }
    }

    /// Visitors summed over more than one day count visitor-days, not people.
    pub fn visitors_are_days(&self) -> bool {
        self.range.len() > 1
    }
}

/// What a breakdown counts: its entries are one column of the table (pages, or one of the
/// model's dimensions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dimension {
    /// A name for programs and HTML ids.
    pub id: &'static str,
    /// The heading people read.
    pub title: &'static str,
    /// The header of its key column.
    pub column: &'static str,
    /// What its entries count, as the header of their counts: views, or the downloads, custom
    /// events or (bots) hits of the breakdowns of those.
    pub measure: &'static str,
}

pub const PAGES: Dimension = Dimension {
    id: "pages",
    title: "Pages",
    column: "Page",
    measure: "Views",
};

/// How a breakdown of the daily table shows (its section in the model's description); goals
/// are read by `report experiment` only.
fn dimension_of(dimension: dimension::Dimension) -> Option<Dimension> {
    let spec = dimension.spec();
    let (title, id) = spec.section?;
    Some(Dimension {
        id,
        title,
        column: spec.column,
        measure: spec.measure,
    })
}

impl Breakdown {
    /// `Pages`, or `Top 10 of 57 pages` when only the top ones are shown.
    pub fn heading(&self, top_only: bool) -> String {
        let title = self.dimension.title;
        let shown = self.entries.iter().filter(|entry| entry.views > 0).count();
        match top_only && shown < self.all_entries {
            true => format!(
                "Top {shown} of {} {}",
                crate::model::text::thousands(self.all_entries as u64),
                title.to_lowercase()
            ),
            false => title.to_owned(),
        }
    }
}

/// The entries of one dimension over the range, most viewed first.
#[derive(Debug, Clone, PartialEq)]
pub struct Breakdown {
    pub dimension: Dimension,
    pub entries: Vec<Entry>,
    /// Entries with views in the range, shown or not.
    pub all_entries: usize,
    /// Entries of the compared range without views now that are not listed (under `--top`).
    pub vanished_unlisted: usize,
    /// What an entry's share is of: all views for pages and what views carry (referrers,
    /// campaigns, variants), all downloads or all custom events for those.
    pub share_of: u64,
}

/// One entry of a breakdown: its views and visitors over the range (visitor-days over more
/// than one day), its views per period, and, with `--compare`, the other range's numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub views: u64,
    pub visitors: u64,
    pub trend: Vec<u64>,
    pub previous: Option<Previous>,
    /// A page's engagement over the range, where known (none for other breakdowns).
    pub engagement: Option<PageEngagement>,
}

/// Builds the view of `report` by `unit` (hours: of the report's one day, in `zone`), with
/// `previous` for `--compare`.
pub fn build(report: &Report, previous: Option<&Report>, unit: Unit, zone: Zone) -> View {
    let periods = match unit {
        Unit::Days(grain) => day_periods(report, grain),
        Unit::Hours => hour_periods(report, zone),
    };
    let lines = lines(report, &periods, unit);
    let mut breakdowns = vec![pages(report, previous, &periods, unit)];
    breakdowns.extend(counted_breakdowns(report, &periods, unit));
    let compared = |days: fn(&Report) -> &Vec<Day>| previous.map(days).cloned().unwrap_or_default();
    View {
        unit,
        periods,
        lines,
        breakdowns,
        totals: Totals::of(report),
        previous: previous.map(Totals::of),
        top_only: report.all_pages_views.is_some(),
        unaggregated_days: report.unaggregated_days.clone(),
        stale_days: report.stale_days.clone(),
        compared_unaggregated_days: compared(|report| &report.unaggregated_days),
        compared_stale_days: compared(|report| &report.stale_days),
        total_rows: false,
    }
}

fn day_periods(report: &Report, grain: Grain) -> Vec<PeriodTotal> {
    let mut totals: Vec<PeriodTotal> = periods_of(report.range, grain)
        .into_iter()
        .map(|period| PeriodTotal {
            period,
            views: 0,
            visitors: Some(0),
            hours: (grain == Grain::Day).then(Vec::new),
            engagement: None,
        })
        .collect();
    let index = day_index(&totals);
    for day in &report.days {
        if let Some(total) = index.get(&day.day).map(|&at| &mut totals[at]) {
            total.views += day.views;
            total.visitors = total.visitors.map(|visitors| visitors + day.visitors);
            total.engagement = add_engagement([total.engagement.as_ref(), day.engagement.as_ref()]);
            if let Some(hours) = total.hours.as_mut() {
                hours.clone_from(&day.hours);
            }
        }
    }
    totals
}

/// The period each day of the range is in.
fn day_index(periods: &[PeriodTotal]) -> HashMap<Day, usize> {
    let days = periods.iter().enumerate().flat_map(|(index, total)| {
        let period = &total.period;
        let range = DayRange::new(period.from, period.to).expect("a period ends after it starts");
        range.days().map(move |day| (day, index))
    });
    days.collect()
}

/// A row's views per period: in the period of its day, or per hourly slot.
fn row_views<'a>(
    row: &'a DailyRow,
    unit: Unit,
    index: &'a HashMap<Day, usize>,
) -> impl Iterator<Item = (usize, u64)> + 'a {
    let (day, hours) = match unit {
        Unit::Days(_) => (index.get(&row.day).map(|&at| (at, row.views)), &[][..]),
        Unit::Hours => (None, &row.hours[..]),
    };
    day.into_iter()
        .chain(hours.iter().copied().enumerate())
        .filter(|(_, views)| *views > 0)
}

fn hour_periods(report: &Report, zone: Zone) -> Vec<PeriodTotal> {
    let day = report.range.from;
    let hours = report
        .days
        .first()
        .map(|total| total.hours.clone())
        .unwrap_or_default();
    let slots = zone.hours_in(day).max(hours.len());
    hours_of(zone, day, slots)
        .into_iter()
        .enumerate()
        .map(|(slot, period)| PeriodTotal {
            period,
            views: hours.get(slot).copied().unwrap_or(0),
            visitors: None,
            hours: None,
            engagement: None,
        })
        .collect()
}

/// Rows per period and page: a day's rows as they are, summed per week or month (visitors
/// as visitor-days), or split into hourly slots (views only).
fn lines(report: &Report, periods: &[PeriodTotal], unit: Unit) -> Vec<Line> {
    let index = day_index(periods);
    let mut lines: BTreeMap<(usize, &str), Line> = BTreeMap::new();
    for row in &report.rows {
        for (period, views) in row_views(row, unit, &index) {
            let line = lines.entry((period, &row.page)).or_insert_with(|| Line {
                period,
                page: row.page.clone(),
                views: 0,
                visitors: (unit != Unit::Hours).then_some(0),
                hours: (unit == Unit::Days(Grain::Day)).then(|| row.hours.clone()),
                engagement: None,
            });
            line.views += views;
            line.visitors = line.visitors.map(|visitors| visitors + row.visitors);
            if unit != Unit::Hours {
                line.engagement = add_page_engagement(line.engagement, row.engagement.as_ref());
            }
        }
    }
    let mut lines: Vec<Line> = lines.into_values().collect();
    lines.sort_by(|a, b| (a.period, b.views, &a.page).cmp(&(b.period, a.views, &b.page)));
    lines
}

/// A page's engagement with one more row's: the known ones summed.
fn add_page_engagement(
    total: Option<PageEngagement>,
    row: Option<&PageEngagement>,
) -> Option<PageEngagement> {
    crate::model::engagement::sum([total.as_ref(), row])
}

/// The pages breakdown: each shown page's views, visitors and trend, most viewed first; with
/// `previous`, its numbers there, and the pages that had views there and none now (listed
/// unless only the top pages are shown).
fn pages(
    report: &Report,
    previous: Option<&Report>,
    periods: &[PeriodTotal],
    unit: Unit,
) -> Breakdown {
    let index = day_index(periods);
    let mut entries: BTreeMap<&str, Entry> = BTreeMap::new();
    for row in &report.rows {
        let entry = entries.entry(&row.page).or_insert_with(|| Entry {
            key: row.page.clone(),
            views: 0,
            visitors: 0,
            trend: vec![0; periods.len()],
            previous: previous.map(|_| Previous::default()),
            engagement: None,
        });
        entry.views += row.views;
        entry.visitors += row.visitors;
        entry.engagement = add_page_engagement(entry.engagement, row.engagement.as_ref());
        for (period, views) in row_views(row, unit, &index) {
            if let Some(trend) = entry.trend.get_mut(period) {
                *trend += views;
            }
        }
    }
    let vanished_unlisted = match previous {
        Some(previous) => compare::add_previous(&mut entries, report, previous, periods.len()),
        None => 0,
    };
    let mut entries: Vec<Entry> = entries.into_values().collect();
    entries.sort_by(|a, b| {
        let before = |entry: &Entry| entry.previous.map_or(0, |p| p.views);
        (b.views, before(b))
            .cmp(&(a.views, before(a)))
            .then(a.key.cmp(&b.key))
    });
    Breakdown {
        dimension: PAGES,
        entries,
        all_entries: report.pages.len(),
        vanished_unlisted,
        share_of: report.all_views(),
    }
}

/// The breakdowns the report read beside its pages, one per dimension that has rows of a known
/// value, most viewed first; per period their views (per day, so none per hour).
fn counted_breakdowns(report: &Report, periods: &[PeriodTotal], unit: Unit) -> Vec<Breakdown> {
    let index = day_index(periods);
    let mut by_dimension: BTreeMap<dimension::Dimension, BTreeMap<String, Entry>> = BTreeMap::new();
    for row in &report.breakdowns {
        let entries = by_dimension.entry(row.dimension).or_default();
        let entry = entries.entry(row.key.clone()).or_insert_with(|| Entry {
            key: row.dimension.display_key(&row.key),
            views: 0,
            visitors: 0,
            trend: vec![0; periods.len()],
            previous: None,
            engagement: None,
        });
        entry.views += row.views;
        entry.visitors += row.visitors;
        let period = matches!(unit, Unit::Days(_))
            .then(|| index.get(&row.day))
            .flatten();
        if let Some(trend) = period.and_then(|&at| entry.trend.get_mut(at)) {
            *trend += row.views;
        }
    }
    by_dimension
        .into_iter()
        // A breakdown of every view that knows nothing of any (screens before the script sent
        // them, countries without --geoip) would only say "unknown": it is left out.
        .filter(|(_, entries)| entries.keys().any(|key| !key.is_empty()))
        .filter_map(|(dimension, entries)| {
            let mut entries: Vec<Entry> = entries.into_values().collect();
            entries.sort_by(|a, b| b.views.cmp(&a.views).then(a.key.cmp(&b.key)));
            let all_entries = entries.len();
            let dimension = dimension_of(dimension)?;
            let share_of = match dimension.measure {
                "Views" => report.all_views(),
                _ => entries.iter().map(|entry| entry.views).sum(),
            };
            entries.truncate(report.top.unwrap_or(usize::MAX));
            Some(Breakdown {
                dimension,
                entries,
                all_entries,
                vanished_unlisted: 0,
                share_of,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{aggregated, berlin, day, row_in_hours};
    use crate::pipeline::report::build as build_report;
    use crate::report::fixtures::site_report;

    fn numbers(view: &View) -> Vec<(String, u64, Option<u64>)> {
        let numbers = view.periods.iter().map(|total| {
            let label = total.period.full_label();
            (label, total.views, total.visitors)
        });
        numbers.collect()
    }

    #[test]
    fn days_show_each_days_views_and_distinct_site_visitors() {
        let view = build(&site_report(None), None, Unit::Days(Grain::Day), berlin());
        assert_eq!(
            numbers(&view),
            [
                ("2021-03-27".into(), 15, Some(6)),
                ("2021-03-28".into(), 9, Some(6)),
                ("2021-03-29".into(), 3, Some(1)),
            ]
        );
        assert_eq!((view.totals.views, view.totals.visitors), (27, 13));
        assert!(view.totals.visitors_are_days());
        assert_eq!(view.lines.len(), 5);
        assert_eq!(view.lines[0].hours.as_ref().unwrap().len(), 24);
        let pages = &view.breakdowns[0];
        let entry = |key: &str| pages.entries.iter().find(|e| e.key == key).unwrap();
        assert_eq!(pages.entries[0].key, "/");
        assert_eq!((entry("/").views, entry("/").visitors), (17, 9));
        assert_eq!(entry("/").trend, [10, 7, 0]);
        assert_eq!(entry("/a").trend, [5, 0, 3]);
        assert_eq!(pages.heading(view.top_only), "Pages");
    }

    #[test]
    fn weeks_sum_views_exactly_and_visitors_as_visitor_days() {
        let view = build(&site_report(None), None, Unit::Days(Grain::Week), berlin());
        assert_eq!(
            numbers(&view),
            [
                ("2021-W12 (2 of 7 days)".into(), 24, Some(12)),
                ("2021-W13 (1 of 7 days)".into(), 3, Some(1)),
            ]
        );
        let lines: Vec<(usize, &str, u64, Option<u64>)> = view
            .lines
            .iter()
            .map(|l| (l.period, l.page.as_str(), l.views, l.visitors))
            .collect();
        assert_eq!(
            lines,
            [
                (0, "/", 17, Some(9)),
                (0, "/a", 5, Some(3)),
                (0, "/b", 2, Some(2)),
                (1, "/a", 3, Some(1))
            ]
        );
        assert!(view.lines.iter().all(|line| line.hours.is_none()));
        assert_eq!(view.breakdowns[0].entries[0].trend, [17, 0]);
    }

    #[test]
    fn hours_of_a_day_of_23_hours_follow_the_clock() {
        let rows = vec![
            row_in_hours("2021-03-28", "/", 23, &[(1, 3), (2, 4)], 5),
            row_in_hours("2021-03-28", "/b", 23, &[(2, 1), (22, 2)], 2),
        ];
        let range = DayRange::single(day("2021-03-28"));
        let report = build_report(range, rows, &[aggregated("2021-03-28", 6)], None, false);
        let view = build(&report, None, Unit::Hours, berlin());
        assert_eq!(view.periods.len(), 23);
        let slot = |index: usize| &view.periods[index];
        assert_eq!((slot(2).period.label.as_str(), slot(2).views), ("03:00", 5));
        assert_eq!(
            (slot(22).period.label.as_str(), slot(22).views),
            ("23:00", 2)
        );
        assert!(view.periods.iter().all(|total| total.visitors.is_none()));
        assert_eq!(view.totals.visitors, 6);
        assert!(!view.totals.visitors_are_days());
        let lines: Vec<(usize, &str, u64)> = view
            .lines
            .iter()
            .map(|l| (l.period, l.page.as_str(), l.views))
            .collect();
        assert_eq!(
            lines,
            [(1, "/", 3), (2, "/", 4), (2, "/b", 1), (22, "/b", 2)]
        );
        assert_eq!(view.breakdowns[0].entries[1].trend[22], 2);
    }
}
