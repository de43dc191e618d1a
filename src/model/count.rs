//! Counting one day's views per page and hour of the day, and its visitors exactly (pure code,
//! fed by whatever reads the raw events); and merging the counts of pages stored in another
//! spelling before pages were normalised.

use foldhash::fast::RandomState;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use crate::model::daily::{BreakdownRow, DailyRow};
use crate::model::day::Day;
use crate::model::dimension::{Dimension, Observed, DIMENSION_COUNT};
use crate::model::event::page::canonical_or_stored;
use crate::model::zone::Zone;

/// Views of one page on one day: per hourly slot (24, or 23 or 25 on daylight-saving days),
/// the distinct visitors among them, and those that came without a visitor key (`None`: not
/// known, for rows counted before pages kept theirs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageTally {
    pub hours: Vec<u64>,
    pub visitors: u64,
    pub keyless: Option<u64>,
}

impl PageTally {
    pub fn views(&self) -> u64 {
        self.hours.iter().sum()
    }
}

/// Views and distinct visitors of one breakdown row (a referrer, a download, a variant...).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowTally {
    pub views: u64,
    pub visitors: u64,
}

/// A day counted: per page, the site's distinct visitors, the views that came without a
/// visitor key (they count as views, not as visitors), and the breakdowns. Only page views
/// count in pages and in the site's numbers; downloads and custom events count in their own
/// breakdowns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub pages: BTreeMap<String, PageTally>,
    pub visitors: u64,
    pub keyless_views: u64,
    pub breakdowns: BTreeMap<(Dimension, String), RowTally>,
}

impl Tally {
    pub fn views(&self) -> u64 {
        self.pages.values().map(PageTally::views).sum()
    }

    /// Adds a day's record (the counts of raw events since deleted) to this count of the raw
    /// events left. Views add exactly; visitors add too, as a record holds no visitor keys to
    /// tell whether a visitor of the record came back among the raw events (docs/data.md).
    pub fn add_record(&mut self, record: &Tally) {
        for (page, theirs) in &record.pages {
            let total = self.pages.entry(page.clone()).or_insert_with(|| PageTally {
                keyless: Some(0),
                ..PageTally::default()
            });
            add_hours(&mut total.hours, &theirs.hours);
            total.visitors += theirs.visitors;
            total.keyless = total.keyless.zip(theirs.keyless).map(|(a, b)| a + b);
        }
        self.visitors += record.visitors;
        self.keyless_views += record.keyless_views;
        for (key, theirs) in &record.breakdowns {
            let total = self.breakdowns.entry(key.clone()).or_default();
            total.views += theirs.views;
            total.visitors += theirs.visitors;
        }
    }
}

/// Hash maps and sets of the counting loop: foldhash is several times faster than the standard
/// SipHash on short keys, and seeded per process, so crafted pages cannot collide on purpose.
type HashMap<K, V> = std::collections::HashMap<K, V, RandomState>;
type HashSet<K> = std::collections::HashSet<K, RandomState>;

/// Views and visitors of one page while counting; visitors by their number in the day.
#[derive(Debug, Default)]
struct PageCounter {
    hours: Vec<u64>,
    visitors: HashSet<u32>,
    keyless: u64,
}

/// Views and visitors of one breakdown row while counting.
#[derive(Debug, Default)]
struct RowCounter {
    views: u64,
    visitors: HashSet<u32>,
}

/// A visitor key's number in the day, and whether it viewed a page (the site's visitors are
/// those who did).
#[derive(Debug, Clone, Copy)]
struct Numbered {
    number: u32,
    viewed: bool,
}

/// Accumulates one day's events. Looking a page or a visitor up by `&str` allocates only for
/// one not seen before; each visitor key is held once, numbered, whatever its pages. Distinct
/// counts are exact: sets of visitors, not estimates.
#[derive(Debug)]
pub struct DayCounter {
    day_start_ms: i64,
    slots: usize,
    pages: HashMap<String, PageCounter>,
    visitors: HashMap<Box<str>, Numbered>,
    keyless_views: u64,
    /// Per dimension (by `Dimension::index`), the rows by key.
    breakdowns: [HashMap<String, RowCounter>; DIMENSION_COUNT],
    /// Where keys of several parts are built, so a key seen before costs no allocation.
    scratch: String,
}

impl DayCounter {
    /// A counter of `day` in `zone`, whose hourly slots start at the day's local midnight.
    pub fn new(zone: Zone, day: Day) -> Self {
        DayCounter {
            day_start_ms: zone.start_ms(day),
            slots: zone.hours_in(day),
            pages: HashMap::default(),
            visitors: HashMap::default(),
            keyless_views: 0,
            breakdowns: Default::default(),
            scratch: String::new(),
        }
    }

    pub fn add(&mut self, event: &Observed) {
        let viewed = event.kind.is_view();
        let visitor = event.visitor.map(|key| self.number_of(key, viewed));
        if event.has_breakdowns() {
            self.add_breakdowns(event, visitor);
        }
        if !viewed {
            return;
        }
        if visitor.is_none() {
            self.keyless_views += 1;
        }
        let slot = Zone::slot(self.day_start_ms, event.time_ms).min(self.slots - 1);
        let counter = match self.pages.get_mut(event.page) {
            Some(counter) => counter,
            None => self
                .pages
                .entry(event.page.to_owned())
                .or_insert_with(|| PageCounter {
                    hours: vec![0; self.slots],
                    ..PageCounter::default()
                }),
        };
        counter.hours[slot] += 1;
        match visitor {
            Some(visitor) => {
                counter.visitors.insert(visitor);
            }
            None => counter.keyless += 1,
        }
    }

    fn add_breakdowns(&mut self, event: &Observed, visitor: Option<u32>) {
        let breakdowns = &mut self.breakdowns;
        event.each_breakdown(&mut self.scratch, |dimension, key| {
            let rows = &mut breakdowns[dimension.index()];
            let row = match rows.get_mut(key) {
                Some(row) => row,
                None => rows.entry(key.to_owned()).or_default(),
            };
            row.views += 1;
            row.visitors.extend(visitor);
        });
    }

    fn number_of(&mut self, key: &str, viewed: bool) -> u32 {
        if let Some(numbered) = self.visitors.get_mut(key) {
            numbered.viewed |= viewed;
            return numbered.number;
        }
        let number = self.visitors.len() as u32;
        self.visitors
            .insert(key.into(), Numbered { number, viewed });
        number
    }

    /// Adds another counter's views of the same day (a day counted in shards): visitors seen
    /// by both are one visitor.
    pub fn merge(&mut self, other: DayCounter) {
        let mut keys: Vec<(Box<str>, Numbered)> = other.visitors.into_iter().collect();
        keys.sort_unstable_by_key(|(_, numbered)| numbered.number);
        let renumbered: Vec<u32> = keys
            .iter()
            .map(|(key, numbered)| self.number_of(key, numbered.viewed))
            .collect();
        let ours = |number: &u32| renumbered[*number as usize];
        for (page, theirs) in other.pages {
            let total = self.pages.entry(page).or_insert_with(|| PageCounter {
                hours: vec![0; self.slots],
                ..PageCounter::default()
            });
            add_hours(&mut total.hours, &theirs.hours);
            total.visitors.extend(theirs.visitors.iter().map(ours));
            total.keyless += theirs.keyless;
        }
        for (index, rows) in other.breakdowns.into_iter().enumerate() {
            for (key, theirs) in rows {
                let total = self.breakdowns[index].entry(key).or_default();
                total.views += theirs.views;
                total.visitors.extend(theirs.visitors.iter().map(ours));
            }
        }
        self.keyless_views += other.keyless_views;
    }

    /// The counts, ordered by page, each under its page's canonical spelling: raw events stored
    /// before pages were normalised count with the others of their page once the day is
    /// aggregated again (their visitors united, not added). Normalised here, once per distinct
    /// page, rather than once per event.
    pub fn finish(self) -> Tally {
        let mut merged: BTreeMap<String, PageCounter> = BTreeMap::new();
        for (page, counter) in self.pages {
            match merged.entry(canonical_or_stored(page)) {
                Entry::Vacant(slot) => {
                    slot.insert(counter);
                }
                Entry::Occupied(mut slot) => {
                    let total = slot.get_mut();
                    add_hours(&mut total.hours, &counter.hours);
                    total.visitors.extend(counter.visitors);
                    total.keyless += counter.keyless;
                }
            }
        }
        let pages = merged
            .into_iter()
            .map(|(page, counter)| {
                let visitors = counter.visitors.len() as u64;
                let tally = PageTally {
                    hours: counter.hours,
                    visitors,
                    keyless: Some(counter.keyless),
                };
                (page, tally)
            })
            .collect();
        let breakdowns = Dimension::all()
            .zip(self.breakdowns)
            .flat_map(|(dimension, rows)| {
                rows.into_iter().map(move |(key, row)| {
                    let tally = RowTally {
                        views: row.views,
                        visitors: row.visitors.len() as u64,
                    };
                    ((dimension, key), tally)
                })
            })
            .collect();
        Tally {
            pages,
            visitors: self.visitors.values().filter(|n| n.viewed).count() as u64,
            keyless_views: self.keyless_views,
            breakdowns,
        }
    }
}

fn add_hours(total: &mut Vec<u64>, hours: &[u64]) {
    if total.len() < hours.len() {
        total.resize(hours.len(), 0);
    }
    for (sum, add) in total.iter_mut().zip(hours) {
        *sum += add;
    }
}

/// Daily rows under their pages' canonical spelling, ordered by day, views (highest first) and
/// page, as `DailyStore::read_rows` returns them. Rows of one day whose pages were stored in
/// different spellings (aggregated before pages were normalised, and so before visitors were
/// counted) become one row, so a report never splits a page; `page`, when given, is matched in
/// its canonical spelling too.
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
                total.visitors += row.visitors;
                total.keyless = total.keyless.zip(row.keyless).map(|(a, b)| a + b);
                add_hours(&mut total.hours, &row.hours);
            }
        }
    }
    let mut rows: Vec<DailyRow> = merged.into_values().collect();
    rows.sort_by(|a, b| (a.day, b.views, &a.page).cmp(&(b.day, a.views, &b.page)));
    rows
}

/// A day's record read back: its page rows, breakdown rows and site-wide numbers, as the count
/// later counts add to.
pub fn record_tally(
    rows: &[DailyRow],
    breakdowns: &[BreakdownRow],
    visitors: u64,
    keyless_views: u64,
) -> Tally {
    Tally {
        pages: rows
            .iter()
            .map(|row| {
                let page = PageTally {
                    hours: row.hours.clone(),
                    visitors: row.visitors,
                    keyless: row.keyless,
                };
                (row.page.clone(), page)
            })
            .collect(),
        visitors,
        keyless_views,
        breakdowns: breakdowns
            .iter()
            .map(|row| {
                let tally = RowTally {
                    views: row.views,
                    visitors: row.visitors,
                };
                ((row.dimension, row.key.clone()), tally)
            })
            .collect(),
    }
}

#[cfg(test)]
#[path = "count_tests.rs"]
mod tests;
