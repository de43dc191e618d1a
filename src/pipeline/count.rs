//! Counting views per page and UTC hour (pure code, fed by whatever reads the raw events).

use std::collections::{BTreeMap, HashMap};

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
            let total = self.pages.entry(page).or_insert([0; 24]);
            for (sum, add) in total.iter_mut().zip(hours) {
                *sum += add;
            }
        }
    }

    /// The counts, ordered by page.
    pub fn finish(self) -> BTreeMap<String, Hours> {
        self.pages.into_iter().collect()
    }
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
