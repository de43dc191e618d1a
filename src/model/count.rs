//! Counting one day's views per page and hour of the day, and its visitors exactly (pure code,
//! fed by whatever reads the raw events), with each page's engagement (`model::engagement`:
//! entries, exits, bounces from the visitors' views; engaged time and scroll from beacons);
//! and merging the counts of pages stored in another spelling before pages were normalised.

use foldhash::fast::RandomState;
use std::collections::btree_map::Entry;
use std::collections::BTreeMap;

use crate::model::daily::{BreakdownRow, DailyRow};
use crate::model::day::Day;
use crate::model::dimension::{Dimension, Observed, DIMENSION_COUNT};
use crate::model::distinct::DistinctNumbers;
use crate::model::engagement::{Beacon, PageEngagement, VisitsCounter};
use crate::model::event::page::{canonical_or_stored, respelt};
use crate::model::event::{Field, Kind};
use crate::model::visitor_numbers::{Numbered, VisitorKey, VisitorKeys};
use crate::model::zone::Zone;

/// Views of one page on one day: per hourly slot (24, or 23 or 25 on daylight-saving days),
/// the distinct visitors among them, and those that came without a visitor key (`None`: not
/// known, for rows counted before pages kept theirs); and its engagement (`None`: not known,
/// for rows counted before pages kept it).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageTally {
    pub hours: Vec<u64>,
    pub visitors: u64,
    pub keyless: Option<u64>,
    pub engagement: Option<PageEngagement>,
}

impl PageTally {
    pub fn views(&self) -> u64 {
        self.hours.iter().sum()
    }
}

/// Views and distinct visitors of one breakdown row (a referrer, a download, a variant...).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RowTally {
    pub views: u64,
    pub visitors: u64,
}

/// A day counted: per page, the site's distinct visitors, the views that came without a
/// visitor key (they count as views, not as visitors), and the breakdowns. Only page views
/// count in pages and in the site's numbers; downloads and custom events count in their own
/// breakdowns.
/// As JSON (a part of a day counted on its own is stored so), the breakdowns are a list of
/// `[dimension, key, row]`: a map's keys are text.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub pages: BTreeMap<String, PageTally>,
    pub visitors: u64,
    pub keyless_views: u64,
    #[serde(with = "breakdown_list")]
    pub breakdowns: BTreeMap<(Dimension, String), RowTally>,
}

/// A tally's breakdowns as a list of `[dimension, key, row]` in JSON.
mod breakdown_list {
    use super::{Dimension, RowTally};
    use serde::{Deserialize, Deserializer, Serializer};
    use std::collections::BTreeMap;

    type Breakdowns = BTreeMap<(Dimension, String), RowTally>;

    pub(super) fn serialize<S: Serializer>(rows: &Breakdowns, to: S) -> Result<S::Ok, S::Error> {
        to.collect_seq(
            rows.iter()
                .map(|((dimension, key), row)| (dimension, key, row)),
        )
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(from: D) -> Result<Breakdowns, D::Error> {
        let rows: Vec<(Dimension, String, RowTally)> = Vec::deserialize(from)?;
        Ok(rows
            .into_iter()
            .map(|(dimension, key, row)| ((dimension, key), row))
            .collect())
    }
}

impl Tally {
    pub fn views(&self) -> u64 {
        self.pages.values().map(PageTally::views).sum()
    }

    /// Adds another count of the same day: a part's (`model::parts`: its visitors are no other
    /// part's, so every number adds exactly), or the day's record (the counts of raw events
    /// since deleted) to a count of the raw events left, where views add exactly and visitors
    /// add too, as a record holds no visitor keys to tell whether a visitor of the record came
    /// back among the raw events (docs/data.md).
    pub fn add(&mut self, record: &Tally) {
        for (page, theirs) in &record.pages {
            let total = self.pages.entry(page.clone()).or_insert_with(|| PageTally {
                keyless: Some(0),
                engagement: Some(PageEngagement::default()),
                ..PageTally::default()
            });
            add_hours(&mut total.hours, &theirs.hours);
            total.visitors += theirs.visitors;
            total.keyless = total.keyless.zip(theirs.keyless).map(|(a, b)| a + b);
            total.engagement = add_engagement(total.engagement, theirs.engagement);
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

/// Views and visitors of one page while counting; visitors by their number in the day; the
/// page's own number in the day (visits name pages by it) and its beacons' sums.
#[derive(Debug, Default)]
struct PageCounter {
    hours: Vec<u64>,
    visitors: DistinctNumbers,
    keyless: u64,
    number: u32,
    engagement: PageEngagement,
}

/// Views and visitors of one breakdown row while counting.
#[derive(Debug, Default)]
struct RowCounter {
    views: u64,
    visitors: DistinctNumbers,
}

/// One dimension's rows while counting. The row without a value (a view whose country or
/// browser is not known, counted under the empty key) is kept apart from the map: most views
/// of a day may lack those fields, and finding the empty key in the map cost 40% of an
/// aggregation's time: comparing two empty strings calls `memcmp` with a length of zero, which
/// took about 150 ns on the build machine against 17 ns for a one-byte key (glibc's AVX-512
/// `memcmp`; docs/performance.md).
#[derive(Debug, Default)]
struct Rows {
    valued: HashMap<String, RowCounter>,
    unknown: Option<RowCounter>,
}

impl Rows {
    /// The row of `key`, made when new; allocates only for a value not seen before.
    fn row(&mut self, key: &str) -> &mut RowCounter {
        if key.is_empty() {
            return self.unknown.get_or_insert_with(RowCounter::default);
        }
        if !self.valued.contains_key(key) {
            self.valued.insert(key.to_owned(), RowCounter::default());
        }
        self.valued.get_mut(key).expect("inserted above")
    }

    /// Every row by its key, the unknown one under the empty key.
    fn into_rows(self) -> impl Iterator<Item = (String, RowCounter)> {
        let unknown = self.unknown.map(|row| (String::new(), row));
        self.valued.into_iter().chain(unknown)
    }
}

/// Accumulates one day's events. Looking a page or a visitor up by `&str` allocates only for
/// one not seen before; each visitor key is held once, numbered, whatever its pages. Distinct
/// counts are exact: sets of visitors, not estimates.
#[derive(Debug)]
pub struct DayCounter {
    day_start_ms: i64,
    slots: usize,
    /// Each page's number in the day: its counter's place in `page_counters` and its name's
    /// in `page_names`.
    pages: HashMap<Box<str>, u32>,
    page_counters: Vec<PageCounter>,
    visitors: VisitorKeys,
    keyless_views: u64,
    /// Per dimension (by `Dimension::index`), the rows by key.
    breakdowns: [Rows; DIMENSION_COUNT],
    /// Where keys of several parts are built, so a key seen before costs no allocation.
    scratch: String,
    /// Pages by their number in the day, and the visits that name them so.
    page_names: Vec<Box<str>>,
    visits: VisitsCounter,
}

impl DayCounter {
    /// A counter of `day` in `zone`, whose hourly slots start at the day's local midnight.
    pub fn new(zone: Zone, day: Day) -> Self {
        DayCounter {
            day_start_ms: zone.start_ms(day),
            slots: zone.hours_in(day),
            pages: HashMap::default(),
            page_counters: Vec::new(),
            visitors: VisitorKeys::default(),
            keyless_views: 0,
            breakdowns: Default::default(),
            scratch: String::new(),
            page_names: Vec::new(),
            visits: VisitsCounter::default(),
        }
    }

    pub fn add(&mut self, event: &Observed) {
        let viewed = event.kind.is_view();
        let visitor = event
            .visitor
            .map(|key| self.number_of(VisitorKey::of(key), viewed));
        if event.kind == Kind::Engagement {
            self.add_beacon(event, visitor);
            return;
        }
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
        let counter = self.page_counter(event.page);
        counter.hours[slot] += 1;
        let page = counter.number;
        match visitor {
            Some(visitor) => {
                counter.visitors.insert(visitor);
                self.visits
                    .view(visitor, event.time_ms, page, &self.page_names);
                if let Some(variant) = event.field(Field::Variant) {
                    self.visits.variant(visitor, variant);
                }
            }
            None => counter.keyless += 1,
        }
    }

    /// The counter of `page`, made (and numbered) when the page is new to the day: one look-up
    /// of a page seen before.
    fn page_counter(&mut self, page: &str) -> &mut PageCounter {
        let number = match self.pages.get(page) {
            Some(number) => *number,
            None => self.new_page(page),
        };
        &mut self.page_counters[number as usize]
    }

    /// Numbers a page new to the day and makes its counter.
    fn new_page(&mut self, page: &str) -> u32 {
        let number = self.page_names.len() as u32;
        self.page_names.push(page.into());
        self.pages.insert(page.into(), number);
        self.page_counters.push(PageCounter {
            hours: vec![0; self.slots],
            number,
            ..PageCounter::default()
        });
        number
    }

    /// An engagement beacon: its page's engaged time and scroll (the page counted even when
    /// none of its views is among the day's events: a page left open over midnight), and its
    /// visitor's engaged time, which decides whether their visit bounced.
    fn add_beacon(&mut self, event: &Observed, visitor: Option<u32>) {
        let beacon = Beacon::of(|field| event.field(field)?.parse().ok());
        self.page_counter(event.page).engagement.add_beacon(&beacon);
        if let Some(visitor) = visitor {
            self.visits.engaged(visitor, beacon.engaged_ms);
        }
    }

    fn add_breakdowns(&mut self, event: &Observed, visitor: Option<u32>) {
        let breakdowns = &mut self.breakdowns;
        event.each_breakdown(&mut self.scratch, |dimension, key| {
            let row = breakdowns[dimension.index()].row(key);
            row.views += 1;
            row.visitors.extend(visitor);
        });
    }

    fn number_of(&mut self, key: VisitorKey<'_>, viewed: bool) -> u32 {
        if let Some(numbered) = self.visitors.get_mut(key) {
            numbered.viewed |= viewed;
            return numbered.number;
        }
        let number = self.visitors.next_number() as u32;
        self.visitors.insert(key, Numbered { number, viewed });
        self.visits.number(number);
        number
    }

    /// Adds another counter's views of the same day (a day counted in shards): visitors seen
    /// by both are one visitor.
    pub fn merge(&mut self, other: DayCounter) {
        let mut keys: Vec<(VisitorKey<'_>, Numbered)> = other.visitors.numbered().collect();
        keys.sort_unstable_by_key(|(_, numbered)| numbered.number);
        let renumbered: Vec<u32> = keys
            .iter()
            .map(|(key, numbered)| self.number_of(*key, numbered.viewed))
            .collect();
        drop(keys);
        let ours = |number: &u32| renumbered[*number as usize];
        let mut pages = vec![0; other.page_names.len()];
        for (page, theirs) in other.page_names.into_iter().zip(other.page_counters) {
            let total = self.page_counter(&page);
            add_hours(&mut total.hours, &theirs.hours);
            total
                .visitors
                .extend(theirs.visitors.into_sorted().iter().map(ours));
            total.keyless += theirs.keyless;
            total.engagement.add(&theirs.engagement);
            pages[theirs.number as usize] = total.number;
        }
        self.visits
            .merge(other.visits, &renumbered, &pages, &self.page_names);
        for (index, rows) in other.breakdowns.into_iter().enumerate() {
            for (key, theirs) in rows.into_rows() {
                let total = self.breakdowns[index].row(&key);
                total.views += theirs.views;
                total
                    .visitors
                    .extend(theirs.visitors.into_sorted().iter().map(ours));
            }
        }
        self.keyless_views += other.keyless_views;
    }

    /// The counts, ordered by page, each under its page's canonical spelling: raw events stored
    /// before pages were normalised count with the others of their page once the day is
    /// aggregated again (their visitors united, not added). Normalised here, once per distinct
    /// page, rather than once per event.
    pub fn finish(mut self) -> Tally {
        let (visits, goals) = self.visits.finish(self.page_names.len());
        for counter in &mut self.page_counters {
            let page = visits[counter.number as usize];
            counter.engagement.entries += page.entries;
            counter.engagement.exits += page.exits;
            counter.engagement.bounces += page.bounces;
        }
        let mut merged: BTreeMap<String, PageCounter> = BTreeMap::new();
        for (page, counter) in self.page_names.into_iter().zip(self.page_counters) {
            match merged.entry(canonical_or_stored(page.into())) {
                Entry::Vacant(slot) => {
                    slot.insert(counter);
                }
                Entry::Occupied(mut slot) => {
                    let total = slot.get_mut();
                    add_hours(&mut total.hours, &counter.hours);
                    total.visitors.extend(counter.visitors.into_sorted());
                    total.keyless += counter.keyless;
                    total.engagement.add(&counter.engagement);
                }
            }
        }
        let pages = merged
            .into_iter()
            .map(|(page, mut counter)| {
                let visitors = counter.visitors.count();
                let tally = PageTally {
                    hours: counter.hours,
                    visitors,
                    keyless: Some(counter.keyless),
                    engagement: Some(counter.engagement),
                };
                (page, tally)
            })
            .collect();
        let mut breakdowns: BTreeMap<(Dimension, String), RowTally> = Dimension::all()
            .zip(self.breakdowns)
            .flat_map(|(dimension, rows)| {
                rows.into_rows().map(move |(key, mut row)| {
                    let tally = RowTally {
                        views: row.views,
                        visitors: row.visitors.count(),
                    };
                    ((dimension, key), tally)
                })
            })
            .collect();
        for (key, visitors) in goals {
            let tally = RowTally {
                views: visitors,
                visitors,
            };
            breakdowns.insert((Dimension::Goal, key), tally);
        }
        Tally {
            pages,
            visitors: self.visitors.numbered().filter(|(_, n)| n.viewed).count() as u64,
            keyless_views: self.keyless_views,
            breakdowns,
        }
    }
}

/// Engagement of two counts of one page: unknown when either is (counted before pages kept it).
fn add_engagement(
    total: Option<PageEngagement>,
    more: Option<PageEngagement>,
) -> Option<PageEngagement> {
    let (mut total, more) = (total?, more?);
    total.add(&more);
    Some(total)
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
    // Every page stored in its one spelling (the rule since pages were normalised): a store
    // holds a (day, page) once, so there is nothing to merge and sorting is all there is to do.
    if page.is_none() && !rows.iter().any(|row| respelt(&row.page).is_some()) {
        let mut rows = rows;
        rows.sort_by(|a, b| (a.day, b.views, &a.page).cmp(&(b.day, a.views, &b.page)));
        return rows;
    }
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
                total.engagement = add_engagement(total.engagement, row.engagement);
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
                    engagement: row.engagement,
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
