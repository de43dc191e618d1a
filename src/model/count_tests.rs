//! Tests of counting a day.

use super::*;
use crate::model::event::{Field, Fields, Kind};
use crate::model::fixtures::{day, time};

const HOUR: i64 = 3_600_000;

impl DayCounter {
    fn add_view(&mut self, page: &str, time_ms: i64, visitor: Option<&str>) {
        self.add(&Observed {
            page,
            time_ms,
            visitor,
            ..Observed::default()
        });
    }
}

#[test]
fn breakdowns_count_beside_pages_and_never_in_them() {
    let (mut counter, start) = utc_counter();
    counter.add_view("/a", start, Some("x"));
    let news = Fields::default()
        .with(Field::Referrer, "news.example")
        .with(Field::Variant, "B");
    let from_news = Observed {
        page: "/a",
        time_ms: start,
        visitor: Some("y"),
        fields: news.borrowed(),
        ..Observed::default()
    };
    counter.add(&from_news);
    counter.add(&Observed {
        visitor: Some("x"),
        ..from_news
    });
    let download = Observed {
        page: "/f.pdf",
        time_ms: start,
        visitor: Some("z"),
        kind: Kind::Download,
        ..Observed::default()
    };
    counter.add(&download);
    let signup = Fields::default()
        .with(Field::Name, "signup")
        .with(Field::Variant, "B");
    counter.add(&Observed {
        page: "/a",
        time_ms: start,
        visitor: Some("y"),
        kind: Kind::Event,
        fields: signup.borrowed(),
    });
    let tally = counter.finish();
    // Pages and the site count views only: 3 views of /a by x and y.
    assert_eq!(tally.pages.len(), 1);
    assert_eq!(tally.pages["/a"].views(), 3);
    assert_eq!(tally.pages["/a"].visitors, 2);
    assert_eq!(tally.visitors, 2);
    let row = |dimension, key: &str| tally.breakdowns[&(dimension, key.to_owned())];
    assert_eq!(
        row(Dimension::Referrer, "news.example"),
        RowTally {
            views: 2,
            visitors: 2
        }
    );
    assert_eq!(
        row(Dimension::Variant, "B"),
        RowTally {
            views: 2,
            visitors: 2
        }
    );
    assert_eq!(
        row(Dimension::Download, "/f.pdf"),
        RowTally {
            views: 1,
            visitors: 1
        }
    );
    assert_eq!(
        row(Dimension::Event, "signup"),
        RowTally {
            views: 1,
            visitors: 1
        }
    );
    assert_eq!(
        row(Dimension::Goal, "B\u{1f}event:signup"),
        RowTally {
            views: 1,
            visitors: 1
        }
    );
    assert_eq!(
        row(Dimension::Goal, "B\u{1f}page:/a"),
        RowTally {
            views: 2,
            visitors: 2
        }
    );
}

fn utc_counter() -> (DayCounter, i64) {
    let start = time("2021-03-13T00:00:00Z").timestamp_millis();
    (DayCounter::new(Zone::UTC, day("2021-03-13")), start)
}

#[test]
fn views_fall_in_their_hour_of_the_day() {
    let (mut counter, start) = utc_counter();
    for (page, at) in [
        ("/a", 0),
        ("/a", HOUR),
        ("/b", HOUR),
        ("/a", HOUR + 1),
        ("/b", 23 * HOUR + 59 * 60_000),
    ] {
        counter.add_view(page, start + at, None);
    }
    let tally = counter.finish();
    assert_eq!(tally.pages["/a"].hours[..2], [1, 2]);
    assert_eq!(tally.pages["/b"].hours[1], 1);
    assert_eq!(tally.pages["/b"].hours[23], 1);
    assert_eq!(tally.views(), 5);
    assert_eq!(tally.keyless_views, 5);
    assert_eq!(tally.visitors, 0);
}

#[test]
fn visitors_are_distinct_per_page_and_for_the_site() {
    let (mut counter, start) = utc_counter();
    for (page, visitor) in [
        ("/a", Some("x")),
        ("/a", Some("x")),
        ("/a", Some("y")),
        ("/b", Some("x")),
        ("/b", Some("z")),
        ("/b", None),
    ] {
        counter.add_view(page, start, visitor);
    }
    let tally = counter.finish();
    assert_eq!(tally.pages["/a"].visitors, 2);
    assert_eq!(tally.pages["/b"].visitors, 2);
    // The site's visitors are the distinct keys of the day, not the sum over pages (4).
    assert_eq!(tally.visitors, 3);
    assert_eq!(tally.keyless_views, 1);
}

#[test]
fn hex_keys_held_as_numbers_are_the_same_visitors_as_their_text_and_no_others() {
    let hex = "3b83aa1800000000";
    let (mut a, start) = utc_counter();
    // The same key twice, an uppercase spelling (another key) and a key of other text.
    for visitor in [hex, hex, "3B83AA1800000000", "visitor-1"] {
        a.add_view("/a", start, Some(visitor));
    }
    let (mut b, _) = utc_counter();
    for visitor in [hex, "visitor-1", "visitor-2", "0000000000000000"] {
        b.add_view("/b", start, Some(visitor));
    }
    a.merge(b);
    let tally = a.finish();
    assert_eq!(tally.pages["/a"].visitors, 3);
    assert_eq!(tally.pages["/b"].visitors, 4);
    // hex, its uppercase spelling, visitor-1, visitor-2 and the zero key.
    assert_eq!(tally.visitors, 5);
}

#[test]
fn a_25_hour_day_has_25_slots() {
    let berlin = Zone::parse("Europe/Berlin").unwrap();
    let mut counter = DayCounter::new(berlin, day("2021-10-31"));
    counter.add_view("/a", time("2021-10-31T00:30:00Z").timestamp_millis(), None);
    counter.add_view("/a", time("2021-10-31T01:30:00Z").timestamp_millis(), None);
    counter.add_view("/a", time("2021-10-31T22:59:59Z").timestamp_millis(), None);
    let hours = &counter.finish().pages["/a"].hours;
    assert_eq!(hours.len(), 25);
    assert_eq!((hours[2], hours[3], hours[24]), (1, 1, 1));
}

#[test]
fn shards_merge_into_one_day_with_shared_visitors_counted_once() {
    let (mut a, start) = utc_counter();
    a.add_view("/a", start, Some("x"));
    a.add_view("/a", start, Some("y"));
    let (mut b, _) = utc_counter();
    b.add_view("/a", start + HOUR, Some("y"));
    b.add_view("/b", start + HOUR, Some("z"));
    b.add_view("/b", start + HOUR, None);
    a.merge(b);
    let tally = a.finish();
    assert_eq!(tally.pages["/a"].hours[..2], [2, 1]);
    assert_eq!(tally.pages["/a"].visitors, 2);
    assert_eq!(tally.pages["/b"].visitors, 1);
    assert_eq!(tally.visitors, 3);
    assert_eq!(tally.keyless_views, 1);
}

#[test]
fn spellings_of_one_page_are_counted_as_one() {
    let (mut counter, start) = utc_counter();
    for (page, at, visitor) in [
        ("/ünï", 0, Some("x")),
        ("/%C3%BCn%C3%AF", HOUR, Some("x")),
        ("/%c3%bcn%c3%af", HOUR, Some("y")),
        ("/a/../%C3%BCn%C3%AF", 0, None),
        ("/b", 0, None),
    ] {
        counter.add_view(page, start + at, visitor);
    }
    let tally = counter.finish();
    assert_eq!(tally.pages.keys().collect::<Vec<_>>(), ["/b", "/ünï"]);
    assert_eq!(tally.pages["/ünï"].hours[..2], [2, 2]);
    assert_eq!(tally.pages["/ünï"].visitors, 2);
}

#[test]
fn daily_rows_of_one_page_in_two_spellings_are_one_row() {
    let row = |day: &str, page: &str, views: u64, hour: usize| {
        let mut row = crate::model::fixtures::row(day, page, views);
        row.hours[hour] = views;
        row
    };
    let rows = vec![
        row("2021-03-01", "/%C3%A9", 2, 1),
        row("2021-03-01", "/b", 3, 0),
        row("2021-03-01", "/é", 2, 5),
        row("2021-03-02", "/%c3%a9", 1, 0),
        row("2021-03-02", "/../%2e%2e/b", 1, 0),
    ];
    let merged = merge_spellings(rows.clone(), None);
    let got: Vec<(String, &str, u64)> = merged
        .iter()
        .map(|r| (r.day.to_string(), r.page.as_str(), r.views))
        .collect();
    assert_eq!(
        got,
        [
            ("2021-03-01".into(), "/é", 4),
            ("2021-03-01".into(), "/b", 3),
            ("2021-03-02".into(), "/b", 1),
            ("2021-03-02".into(), "/é", 1),
        ]
    );
    assert_eq!((merged[0].hours[1], merged[0].hours[5]), (2, 2));
    let one_page = merge_spellings(rows, Some("/%C3%A9"));
    let views: Vec<u64> = one_page.iter().map(|r| r.views).collect();
    assert_eq!(views, [4, 1]);
    assert!(one_page.iter().all(|r| r.page == "/é"));
}
