//! Fixtures the report tests share: a small site's report, an earlier one to compare with,
//! their views, and where a page says its numbers come from.

use crate::model::day::DayRange;
use crate::model::fixtures::{aggregated, berlin, day, row_in_hours};
use crate::pipeline::report::{build, Report};
use crate::report::period::{Grain, Unit};
use crate::report::{view, Meta, View};

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

/// Where a chart or page says its numbers come from.
pub fn meta() -> Meta {
    Meta {
        geo_credit: None,
        deployment: "site".into(),
        backend: "local".into(),
        zone: berlin(),
        generated: "2021-03-30 08:00 +02:00".into(),
        version: "0.0.0",
    }
}
