//! Fixtures the unit tests share: a fixed clock, an event, a day, a daily row, a local
//! deployment. Defined once, so a new event field changes one place.

use chrono::{DateTime, Utc};
use std::path::Path;

use crate::backend::{local, Backend, DailyRow, DayStatus, InitOptions};
use crate::day::{Day, DayRange};
use crate::event::Event;
use crate::pipeline::report::{build, Report};
use crate::report::period::{Grain, Unit};
use crate::report::{view, Meta, View};
use crate::zone::Zone;

/// A time from RFC 3339 text.
pub fn time(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("a valid RFC 3339 time")
        .with_timezone(&Utc)
}

/// The tests' "now": the day after 2021-03-13, the day most fixtures are on.
pub fn now() -> DateTime<Utc> {
    time("2021-03-14T00:00:00Z")
}

/// A day from `YYYY-MM-DD`.
pub fn day(text: &str) -> Day {
    Day::parse(text).expect("a valid day")
}

/// A view of `page` at `at` (RFC 3339) with event id `id`.
pub fn event(id: &str, page: &str, at: &str) -> Event {
    Event {
        id: id.into(),
        page: page.into(),
        time: time(at),
        ..Default::default()
    }
}

/// A daily row without visitors or an hourly breakdown.
pub fn row(on: &str, page: &str, views: u64) -> DailyRow {
    DailyRow {
        day: day(on),
        page: page.into(),
        views,
        visitors: 0,
        hours: vec![0; 24],
    }
}

/// A daily row of `visitors` and views in hourly slots (`(slot, views)`) of a day of `slots`.
pub fn row_in_hours(
    on: &str,
    page: &str,
    slots: usize,
    views: &[(usize, u64)],
    visitors: u64,
) -> DailyRow {
    let mut hours = vec![0; slots];
    for &(slot, count) in views {
        hours[slot] += count;
    }
    DailyRow {
        day: day(on),
        page: page.into(),
        views: hours.iter().sum(),
        visitors,
        hours,
    }
}

/// A day aggregated once, with the site's distinct visitors.
pub fn aggregated(on: &str, visitors: u64) -> DayStatus {
    DayStatus {
        day: day(on),
        change_version: 1,
        aggregated_version: Some(1),
        aggregated_at: None,
        views: None,
        pages: None,
        visitors: Some(visitors),
        keyless_views: Some(0),
        raw_deleted: false,
        layouts: Vec::new(),
    }
}

/// A small site in Europe/Berlin over 2021-03-27..29, across the day clocks went forward
/// (23 hours): 27 views, 13 site visitor-days, pages `/`, `/a`, `/b`.
pub fn site_report(top: Option<usize>) -> Report {
    let rows = vec![
        row_in_hours("2021-03-27", "/", 24, &[(9, 6), (23, 4)], 4),
        row_in_hours("2021-03-27", "/a", 24, &[(10, 5)], 3),
        row_in_hours("2021-03-28", "/", 23, &[(1, 3), (2, 4)], 5),
        row_in_hours("2021-03-28", "/b", 23, &[(22, 2)], 2),
        row_in_hours("2021-03-29", "/a", 24, &[(0, 3)], 1),
    ];
    let statuses = [
        aggregated("2021-03-27", 6),
        aggregated("2021-03-28", 6),
        aggregated("2021-03-29", 1),
    ];
    let range = DayRange::new(day("2021-03-27"), day("2021-03-29")).unwrap();
    build(range, rows, &statuses, top, false)
}

/// The three days before `site_report`'s: `/` 8 views, `/old` 4, 10 visitor-days.
pub fn earlier_report() -> Report {
    let rows = vec![
        row_in_hours("2021-03-24", "/", 24, &[(8, 8)], 3),
        row_in_hours("2021-03-25", "/old", 24, &[(8, 4)], 2),
    ];
    let statuses = [aggregated("2021-03-24", 5), aggregated("2021-03-25", 5)];
    let range = DayRange::new(day("2021-03-24"), day("2021-03-26")).unwrap();
    build(range, rows, &statuses, None, false)
}

/// `site_report`'s view by `unit`, in Europe/Berlin.
pub fn site_view(unit: Unit, top: Option<usize>) -> View {
    view::build(&site_report(top), None, unit, berlin())
}

/// `site_report`'s days against `earlier_report`'s.
pub fn compared_view(top: Option<usize>) -> View {
    let earlier = earlier_report();
    view::build(
        &site_report(top),
        Some(&earlier),
        Unit::Days(Grain::Day),
        berlin(),
    )
}

pub fn berlin() -> Zone {
    Zone::parse("Europe/Berlin").expect("an IANA zone")
}

/// Where a chart or page says its numbers come from.
pub fn meta() -> Meta {
    Meta {
        deployment: "site".into(),
        backend: "local".into(),
        zone: berlin(),
        generated: "2021-03-30 08:00 +02:00".into(),
        version: "0.0.0",
    }
}

/// A new local deployment named `t` in `dir`, opened.
pub fn local_backend(dir: &Path) -> Backend {
    local::init(dir, "t", &InitOptions::default()).expect("init a local deployment");
    local::open(dir, "t").expect("open the local deployment")
}
