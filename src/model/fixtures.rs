//! Fixtures the unit tests share: a fixed clock, an event, a day, a daily row, a day's status.
//! Defined once, so a new event field changes one place.

use chrono::{DateTime, Utc};

use super::daily::{DailyRow, DayStatus};
use super::day::Day;
use super::event::Event;
use super::zone::Zone;

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

/// A view of `/a` at `at` with event id `id` by the visitor of key `visitor`.
pub fn visitor_view(id: &str, at: &str, visitor: &str) -> Event {
    Event {
        visitor: Some(visitor.into()),
        ..event(id, "/a", at)
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
        keyless: Some(0),
        engagement: None,
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
        keyless: Some(0),
        engagement: None,
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
        raw: Default::default(),
        layouts: Vec::new(),
    }
}

pub fn berlin() -> Zone {
    Zone::parse("Europe/Berlin").expect("an IANA zone")
}
