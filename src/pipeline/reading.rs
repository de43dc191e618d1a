//! Reading reports from the daily table: whole, as `report` prints them, or summed day by day
//! for a dashboard's overview, which keeps every page's totals but only the shown pages' rows;
//! and today so far, counted from its raw events without writing anything.

use anyhow::Context as _;
use std::collections::{BTreeSet, HashMap};

use super::experiment::{evaluate, Experiment};
use super::report::{build, top_keys, Report};
use crate::backend::{BreakdownRow, DailyRow, DailyStore, DayStatus, EventStore};
use crate::model::count::{merge_spellings, Tally};
use crate::model::daily::sort_breakdown;
use crate::model::day::{Day, DayRange};
use crate::model::dimension::{Dimension, Goal};
use crate::model::engagement::SiteEngagement;

/// The experiment of `range` (`report experiment`): its variant and goal rows read, then
/// evaluated; a refusal (no variant, a goal never reached) is the inner error, naming the days.
pub async fn read_experiment(
    daily: &dyn DailyStore,
    range: DayRange,
    goal: &Goal<'_>,
    control: Option<&str>,
) -> anyhow::Result<Result<Experiment, String>> {
    let read = |dimension| daily.read_breakdown(range, Some(dimension));
    let seen = read(Dimension::Variant)
        .await
        .context("cannot read the daily table")?;
    let goals = read(Dimension::Goal)
        .await
        .context("cannot read the daily table")?;
    let days = match range.len() {
        1 => range.from.to_string(),
        _ => format!("{} to {}", range.from, range.to),
    };
    Ok(evaluate(&seen, &goals, goal, control).map_err(|why| {
        format!(
            "{why} ({days}); run `pageviews aggregate` for its days first if they are not \
             counted yet"
        )
    }))
}

/// What a report reads: one page or all, with the breakdowns beside the pages or without.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading<'a> {
    pub page: Option<&'a str>,
    pub breakdowns: bool,
}

/// The statuses of the days of `range`: which are aggregated, and at which version.
pub async fn statuses_of(
    daily: &dyn DailyStore,
    range: DayRange,
) -> anyhow::Result<Vec<DayStatus>> {
    daily
        .day_statuses(Some(range))
        .await
        .context("cannot read which days are aggregated")
}

/// The report of `range` as `report` builds it: every daily row of the range read at once.
pub async fn read_report(
    daily: &dyn DailyStore,
    range: DayRange,
    reading: Reading<'_>,
    top: Option<usize>,
) -> anyhow::Result<Report> {
    let rows = daily
        .read_rows(range, reading.page)
        .await
        .context("cannot read the daily table")?;
    let statuses = statuses_of(daily, range).await?;
    let mut report = build(range, rows, &statuses, top, reading.page.is_some());
    if reading.breakdowns {
        report.breakdowns = daily
            .read_breakdown(range, None)
            .await
            .context("cannot read the daily table")?;
    }
    Ok(report)
}

/// A day counted from its raw events as the daily table would hold it once aggregated: its
/// rows, breakdowns and status. Nothing is written.
#[derive(Debug, Clone, PartialEq)]
pub struct CountedDay {
    pub day: Day,
    pub rows: Vec<DailyRow>,
    pub breakdowns: Vec<BreakdownRow>,
    pub status: DayStatus,
}

/// Counts `day` from its raw events (and its record), as `aggregate` would, without storing it.
pub async fn count_live(events: &dyn EventStore, day: Day) -> anyhow::Result<CountedDay> {
    let count = events
        .count_day(day)
        .await
        .with_context(|| format!("cannot count {day} from its raw events"))?;
    Ok(counted_day(day, count.version, &count.tally))
}

/// The rows, breakdowns and status that a tally of `day` at `version` becomes.
pub fn counted_day(day: Day, version: u64, tally: &Tally) -> CountedDay {
    let rows = tally.pages.iter().map(|(page, counted)| DailyRow {
        day,
        page: page.clone(),
        views: counted.views(),
        visitors: counted.visitors,
        hours: counted.hours.clone(),
        keyless: counted.keyless,
        engagement: counted.engagement,
    });
    let mut rows = merge_spellings(rows.collect(), None);
    rows.sort_by(|a, b| (b.views, &a.page).cmp(&(a.views, &b.page)));
    let mut breakdowns: Vec<BreakdownRow> = tally
        .breakdowns
        .iter()
        .map(|((dimension, key), counted)| BreakdownRow {
            day,
            dimension: *dimension,
            key: key.clone(),
            views: counted.views,
            visitors: counted.visitors,
        })
        .collect();
    sort_breakdown(&mut breakdowns);
    let status = DayStatus {
        day,
        change_version: version,
        aggregated_version: Some(version),
        aggregated_at: None,
        views: Some(tally.views()),
        pages: Some(tally.pages.len() as u64),
        visitors: Some(tally.visitors),
        keyless_views: Some(tally.keyless_views),
        raw: Default::default(),
        layouts: Vec::new(),
    };
    CountedDay {
        day,
        rows,
        breakdowns,
        status,
    }
}

/// What summing the range day by day keeps: per page its views, per day the views, hourly
/// views and engagement of all pages.
#[derive(Debug, Default)]
struct Sums {
    pages: HashMap<String, u64>,
    day_views: Vec<u64>,
    day_hours: Vec<Vec<u64>>,
    day_engagement: Vec<Option<SiteEngagement>>,
}

impl Sums {
    fn add_day(&mut self, rows: Vec<DailyRow>) {
        let (mut views, mut hours) = (0, Vec::new());
        let mut engagement: Option<SiteEngagement> = None;
        for row in rows {
            views += row.views;
            if let Some(page) = &row.engagement {
                let site = engagement.get_or_insert_with(SiteEngagement::default);
                site.add_row(row.views, row.keyless, page);
            }
            if hours.len() < row.hours.len() {
                hours.resize(row.hours.len(), 0);
            }
            for (slot, count) in row.hours.iter().enumerate() {
                hours[slot] += count;
            }
            *self.pages.entry(row.page).or_default() += row.views;
        }
        self.day_views.push(views);
        self.day_hours.push(hours);
        self.day_engagement.push(engagement);
    }

    /// The `top` pages with the most views (ties by path), as `keep_top_pages` ranks them.
    fn top(&self, top: usize) -> Vec<&str> {
        let totals = self
            .pages
            .iter()
            .map(|(page, views)| (page.as_str(), *views));
        top_keys(totals, top)
    }
}

/// The report of `range` with only its `top` pages' rows: every page's views summed one day
/// at a time so that a long range of many pages never holds all its rows, then the rows of
/// the top pages read: what a dashboard's overview shows. Its numbers are those of
/// [`read_report`] with breakdowns (engagement included), except that the breakdowns hold
/// only the dimensions reports show (not the goals experiments read). `today`, when the
/// range holds its day, stands in for that day's daily rows.
pub async fn read_summed(
    daily: &dyn DailyStore,
    range: DayRange,
    top: usize,
    today: Option<&CountedDay>,
) -> anyhow::Result<Report> {
    let today = today.filter(|counted| range.contains(counted.day));
    let mut statuses = statuses_of(daily, range).await?;
    let mut sums = Sums::default();
    for day in range.days() {
        let rows = match today {
            Some(counted) if counted.day == day => counted.rows.clone(),
            _ => daily
                .read_rows(DayRange::single(day), None)
                .await
                .context("cannot read the daily table")?,
        };
        sums.add_day(rows);
    }
    let mut breakdowns = daily
        .read_reported_breakdown(range)
        .await
        .context("cannot read the daily table")?;
    if let Some(counted) = today {
        statuses.retain(|status| status.day != counted.day);
        statuses.push(counted.status.clone());
        breakdowns.retain(|row| row.day != counted.day);
        let reported = counted.breakdowns.iter();
        let reported = reported.filter(|row| row.dimension.spec().section.is_some());
        breakdowns.extend(reported.cloned());
        sort_breakdown(&mut breakdowns);
    }
    let top_pages: Vec<String> = sums.top(top).into_iter().map(str::to_owned).collect();
    let mut shown = daily
        .read_pages(range, &top_pages)
        .await
        .context("cannot read the daily table")?;
    if let Some(counted) = today {
        shown.retain(|row| row.day != counted.day);
        let rows = counted.rows.iter();
        shown.extend(rows.filter(|row| top_pages.contains(&row.page)).cloned());
    }
    sort_rows(&mut shown);
    let mut report = build(range, shown, &statuses, Some(top), false);
    let day_sums = sums.day_views.into_iter().zip(sums.day_hours);
    let day_sums = day_sums.zip(sums.day_engagement);
    for (total, ((views, hours), engagement)) in report.days.iter_mut().zip(day_sums) {
        total.views = views;
        total.hours = hours;
        total.engagement = engagement;
    }
    report.all_pages_views = Some(report.days.iter().map(|total| total.views).sum());
    report.pages = sums.pages.into_keys().collect::<BTreeSet<String>>();
    report.breakdowns = breakdowns;
    Ok(report)
}

/// One page's report of `range` as `report --page` builds it, with `today`, when the range
/// holds its day, standing in for that day's daily rows.
pub async fn read_page(
    daily: &dyn DailyStore,
    range: DayRange,
    page: &str,
    today: Option<&CountedDay>,
) -> anyhow::Result<Report> {
    let mut rows = daily
        .read_rows(range, Some(page))
        .await
        .context("cannot read the daily table")?;
    let mut statuses = statuses_of(daily, range).await?;
    if let Some(counted) = today.filter(|counted| range.contains(counted.day)) {
        rows.retain(|row| row.day != counted.day);
        rows.extend(counted.rows.iter().filter(|row| row.page == page).cloned());
        statuses.retain(|status| status.day != counted.day);
        statuses.push(counted.status.clone());
        sort_rows(&mut rows);
    }
    Ok(build(range, rows, &statuses, None, true))
}

/// Rows as the daily table gives them: by day, then views (highest first), then page.
fn sort_rows(rows: &mut [DailyRow]) {
    rows.sort_by(|a, b| (a.day, b.views, &a.page).cmp(&(b.day, a.views, &b.page)));
}

/// The report of one day with `today` standing in for its daily rows: the hourly view of
/// today so far.
pub fn today_report(counted: &CountedDay, top: Option<usize>, breakdowns: bool) -> Report {
    let range = DayRange::single(counted.day);
    let statuses = [counted.status.clone()];
    let mut report = build(range, counted.rows.clone(), &statuses, top, false);
    if breakdowns {
        report.breakdowns = counted.breakdowns.clone();
    }
    report
}

/// Keeps what `read_summed` keeps of a whole report: its breakdowns that reports show.
#[cfg(test)]
fn as_summed(mut report: Report) -> Report {
    report
        .breakdowns
        .retain(|row| row.dimension.spec().section.is_some());
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::local::test_backend;
    use crate::backend::DayCount;
    use crate::model::count::{PageTally, RowTally};
    use crate::model::dimension::Dimension;
    use crate::model::fixtures::day;

    fn tally(pages: &[(&str, u64, u64)], referrers: &[(&str, u64)]) -> Tally {
        let mut tally = Tally::default();
        for (page, views, visitors) in pages {
            let mut hours = vec![0; 24];
            hours[10] = *views;
            let counted = PageTally {
                hours,
                visitors: *visitors,
                keyless: Some(0),
                engagement: None,
            };
            tally.pages.insert((*page).to_owned(), counted);
            tally.visitors += visitors;
        }
        for (key, views) in referrers {
            let counted = RowTally {
                views: *views,
                visitors: 1,
            };
            tally
                .breakdowns
                .insert((Dimension::Referrer, (*key).to_owned()), counted);
        }
        tally
    }

    async fn store(backend: &crate::backend::Backend, on: &str, tally: Tally) {
        let count = DayCount {
            day: Some(day(on)),
            version: 1,
            tally,
            read_capacity_units: None,
            basis: None,
        };
        backend.daily.put_day(day(on), &count).await.unwrap();
    }

    #[tokio::test]
    async fn summing_day_by_day_gives_the_whole_reports_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let backend = test_backend(dir.path());
        let a = tally(&[("/", 9, 4), ("/a", 5, 2), ("/b", 5, 3)], &[("x.com", 4)]);
        let mut b = tally(&[("/", 2, 2), ("/c", 7, 1)], &[("x.com", 1), ("y.org", 2)]);
        let goal = RowTally {
            views: 1,
            visitors: 1,
        };
        let goal_key = (Dimension::Goal, "A\u{1f}page:/c".to_owned());
        b.breakdowns.insert(goal_key, goal);
        store(&backend, "2021-03-01", a).await;
        store(&backend, "2021-03-02", b).await;
        let range = DayRange::new(day("2021-03-01"), day("2021-03-03")).unwrap();
        let whole = Reading {
            page: None,
            breakdowns: true,
        };
        let expected = read_report(&*backend.daily, range, whole, Some(2))
            .await
            .unwrap();
        let summed = read_summed(&*backend.daily, range, 2, None).await.unwrap();
        assert_eq!(summed, as_summed(expected));
        // The goal is stored, and only the summed report leaves it out.
        let goals = backend.daily.read_breakdown(range, Some(Dimension::Goal));
        assert_eq!(goals.await.unwrap().len(), 1);
        assert!(summed
            .breakdowns
            .iter()
            .all(|r| r.dimension != Dimension::Goal));
        assert_eq!(summed.all_pages_views, Some(28));
        assert_eq!(summed.pages.len(), 4);
        let shown: BTreeSet<&str> = summed.rows.iter().map(|r| r.page.as_str()).collect();
        assert_eq!(shown, BTreeSet::from(["/", "/c"]));
        assert_eq!(summed.days[0].hours[10], 19);
        assert_eq!(summed.unaggregated_days, [day("2021-03-03")]);
    }

    #[tokio::test]
    async fn a_day_counted_live_stands_in_for_its_daily_rows() {
        let dir = tempfile::tempdir().unwrap();
        let backend = test_backend(dir.path());
        store(&backend, "2021-03-01", tally(&[("/", 3, 1)], &[])).await;
        // An aggregation of the 2nd made earlier in the day: the live count replaces it.
        store(
            &backend,
            "2021-03-02",
            tally(&[("/", 1, 1)], &[("old.com", 1)]),
        )
        .await;
        let live = counted_day(
            day("2021-03-02"),
            7,
            &tally(&[("/", 4, 2), ("/new", 2, 1)], &[("x.com", 2)]),
        );
        let range = DayRange::new(day("2021-03-01"), day("2021-03-02")).unwrap();
        let report = read_summed(&*backend.daily, range, 10, Some(&live))
            .await
            .unwrap();
        assert_eq!(report.all_views(), 9);
        assert_eq!(report.visitor_days(), 4);
        assert_eq!(report.days[1].views, 6);
        let keys: Vec<(&str, u64)> = report
            .breakdowns
            .iter()
            .map(|row| (row.key.as_str(), row.views))
            .collect();
        assert_eq!(keys, [("x.com", 2)]);
        assert!(report.unaggregated_days.is_empty() && report.stale_days.is_empty());
        let today = today_report(&live, None, true);
        assert_eq!((today.all_views(), today.visitor_days()), (6, 3));
        assert_eq!(today.days[0].hours[10], 6);
    }
}
