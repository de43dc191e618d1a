//! Counting views per page and UTC hour (pure code, fed by whatever reads the raw events), and
//! merging the counts of pages stored in another spelling before pages were normalised.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, HashMap};

use crate::backend::DailyRow;
use crate::day::Day;
use crate::event::page::canonical_or_stored;

/// Per-hour view counts of one page for one day.
pub type Hours = [u64; 24];

/// The UTC hour (0-23) of a time in milliseconds since the epoch.
pub fn hour_of(time_ms: i64) -> usize {
    (time_ms.rem_euclid(86_400_000) / 3_600_000) as usize
}

/// Accumulates views; looking a page up by `&str` allocates only for a page not seen before.
#[derive(Debug, Default)]
pub struct HourlyCounter {
    pages: HashMap<String, Hours>,
}

impl HourlyCounter {
    pub fn add(&mut self, page: &str, time_ms: i64) {
        let hour = hour_of(time_ms);
        match self.pages.get_mut(page) {
            Some(hours) => hours[hour] += 1,
            None => {
                let mut hours = [0; 24];
                hours[hour] = 1;
                self.pages.insert(page.to_owned(), hours);
            }
        }
    }

    /// Adds another counter's views (a day counted in shards).
    pub fn merge(&mut self, other: HourlyCounter) {
        for (page, hours) in other.pages {
            add_hours(self.pages.entry(page).or_insert([0; 24]), &hours);
        }
    }

    /// The counts, ordered by page, each under its page's canonical spelling: raw events stored
    /// before pages were normalised count with the others of their page once the day is
    /// aggregated again. Normalised here, once per distinct page, rather than once per event.
    pub fn finish(self) -> BTreeMap<String, Hours> {
        let mut pages = BTreeMap::new();
        for (page, hours) in self.pages {
            add_hours(
                pages.entry(canonical_or_stored(page)).or_insert([0; 24]),
                &hours,
            );
        }
        pages
    }
}

fn add_hours(total: &mut Hours, hours: &Hours) {
    for (sum, add) in total.iter_mut().zip(hours) {
        *sum += add;
    }
}

/// Daily rows under their pages' canonical spelling, ordered by day, views (highest first) and
/// page, as `DailyStore::read_rows` returns them. Rows of one day whose pages were stored in
/// different spellings (aggregated before pages were normalised) become one row, so a report
/// never splits a page; `page`, when given, is matched in its canonical spelling too.
pub fn merge_spellings(rows: Vec<DailyRow>, page: Option<&str>) -> Vec<DailyRow> {
    let wanted = page.map(|page| canonical_or_stored(page.to_owned()));
    let mut merged: BTreeMap<(Day, String), DailyRow> = BTreeMap::new();
    for mut row in rows {
        row.page = canonical_or_stored(row.page);
        if wanted.as_ref().is_some_and(|wanted| *wanted != row.page) {
            continue;
        }
        match merged.entry((row.day, row.page.clone())) {
            Entry::Vacant(slot) => {
                slot.insert(row);
            }
            Entry::Occupied(mut slot) => {
                let total = slot.get_mut();
                total.views += row.views;
                add_hours(&mut total.hours, &row.hours);
            }
        }
    }
    let mut rows: Vec<DailyRow> = merged.into_values().collect();
    rows.sort_by(|a, b| (a.day, b.views, &a.page).cmp(&(b.day, a.views, &b.page)));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    #[test]
    fn hours_are_utc_hours_of_the_day() {
        assert_eq!(hour_of(0), 0);
        assert_eq!(hour_of(HOUR - 1), 0);
        assert_eq!(hour_of(13 * HOUR + 5), 13);
        assert_eq!(hour_of(86_400_000 + 23 * HOUR), 23);
    }

    #[test]
    fn counts_grouped_and_interleaved_pages_alike() {
        let mut counter = HourlyCounter::default();
        for (page, time) in [
            ("/a", 0),
            ("/a", HOUR),
            ("/b", HOUR),
            ("/a", HOUR + 1),
            ("/b", 0),
        ] {
            counter.add(page, time);
        }
        let pages = counter.finish();
        assert_eq!(pages.len(), 2);
        assert_eq!(pages["/a"][0], 1);
        assert_eq!(pages["/a"][1], 2);
        assert_eq!(pages["/b"][0], 1);
        assert_eq!(pages["/b"][1], 1);
        assert_eq!(pages.values().flatten().sum::<u64>(), 5);
    }

    #[test]
    fn spellings_of_one_page_are_counted_as_one() {
        let mut counter = HourlyCounter::default();
        for (page, time) in [
            ("/ünï", 0),
            ("/%C3%BCn%C3%AF", HOUR),
            ("/%c3%bcn%c3%af", HOUR),
            ("/a/../%C3%BCn%C3%AF", 0),
            ("/b", 0),
        ] {
            counter.add(page, time);
        }
        let pages = counter.finish();
        assert_eq!(pages.keys().collect::<Vec<_>>(), ["/b", "/ünï"]);
        assert_eq!(pages["/ünï"][0], 2);
        assert_eq!(pages["/ünï"][1], 2);
    }

    #[test]
    fn daily_rows_of_one_page_in_two_spellings_are_one_row() {
        let row = |day: &str, page: &str, views: u64, hour: usize| {
            let mut row = crate::fixtures::row(day, page, views);
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

    #[test]
    fn merged_counters_add_up() {
        let mut a = HourlyCounter::default();
        a.add("/a", 0);
        let mut b = HourlyCounter::default();
        b.add("/a", 0);
        b.add("/b", HOUR);
        a.merge(b);
        let pages = a.finish();
        assert_eq!(pages["/a"][0], 2);
        assert_eq!(pages["/b"][1], 1);
    }
}
