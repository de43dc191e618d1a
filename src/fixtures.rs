//! Fixtures the unit tests share: a fixed clock, an event, a day, a daily row, a local
//! deployment. Defined once, so a new event field changes one place.

use chrono::{DateTime, Utc};
use std::path::Path;

use crate::backend::{local, Backend, DailyRow, InitOptions};
use crate::day::Day;
use crate::event::Event;

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

/// A new local deployment named `t` in `dir`, opened.
pub fn local_backend(dir: &Path) -> Backend {
    local::init(dir, "t", &InitOptions::default()).expect("init a local deployment");
    local::open(dir, "t").expect("open the local deployment")
}
