//! Engagement, per page and day, as sums that add up exactly over days, weeks and months:
//! where visits entered and left and which bounced (from each visitor's views of the day), how
//! long views were engaged and how deep they scrolled (from the script's engagement beacons).
//! A visit is a visitor-day: visitor keys are per day (`model::visitor`), so no visit can
//! outlast its day, and a visitor-day needs a few numbers per visitor whatever order the
//! events are read in (docs/reports.md says why no 30-minute cut). Pure code.

use crate::model::dimension::{goal_key, Goal};
use crate::model::event::Field;

/// The scroll depths counted, in percent: views that reached at least each.
pub const SCROLL_MARKS: [u64; 4] = [25, 50, 75, 100];
/// A visit of one view engaged for less than this is a bounce (10 s, as GA4's engaged
/// session: a view read for longer is not a bounce, even alone).
pub const BOUNCE_BELOW_MS: u64 = 10_000;
/// The engaged times `report experiment --goal engaged:Ns` can test, in seconds: counted per
/// variant when a day is counted, so only these (docs/experiments.md).
pub const ENGAGED_GOAL_SECONDS: [u64; 5] = [10, 30, 60, 120, 300];

/// The engagement goal `engaged:30s` (or `engaged:30`) names: `None` when `text` names none,
/// else its seconds, or why they are not among `ENGAGED_GOAL_SECONDS`.
pub fn engaged_goal(text: &str) -> Option<Result<u64, String>> {
    let seconds = text.strip_prefix("engaged:")?;
    let counted = || {
        let list: Vec<String> = ENGAGED_GOAL_SECONDS
            .iter()
            .map(|s| format!("engaged:{s}s"))
            .collect();
        list.join(", ")
    };
    let number = seconds.strip_suffix('s').unwrap_or(seconds).parse::<u64>();
    Some(match number {
        Ok(seconds) if ENGAGED_GOAL_SECONDS.contains(&seconds) => Ok(seconds),
        _ => Err(format!(
            "{text:?} is not an engaged time counted per variant; aggregation counts {}: pick one",
            counted()
        )),
    })
}

/// The sums a page keeps per day, in the order of `ENGAGEMENT_COLUMNS`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PageEngagement {
    /// Visits (visitor-days) whose first view was of this page.
    pub entries: u64,
    /// Visits whose last view was of this page.
    pub exits: u64,
    /// Visits of one view of this page, engaged for less than `BOUNCE_BELOW_MS`.
    pub bounces: u64,
    /// Engaged time of its views, as their beacons said.
    pub engaged_ms: u64,
    /// Views whose engaged time is known: those whose first beacon came.
    pub engaged_views: u64,
    /// Views that reached each of `SCROLL_MARKS`.
    pub scrolled: [u64; 4],
}

/// The names of a page's engagement sums: SQLite's columns of `daily`, DynamoDB's attributes
/// of a daily row.
pub const ENGAGEMENT_COLUMNS: [&str; 9] = [
    "entries",
    "exits",
    "bounces",
    "engaged_ms",
    "engaged_views",
    "scroll_25",
    "scroll_50",
    "scroll_75",
    "scroll_100",
];

impl PageEngagement {
    /// The sums in the order of `ENGAGEMENT_COLUMNS`.
    pub fn values(&self) -> [u64; 9] {
        let [s25, s50, s75, s100] = self.scrolled;
        [
            self.entries,
            self.exits,
            self.bounces,
            self.engaged_ms,
            self.engaged_views,
            s25,
            s50,
            s75,
            s100,
        ]
    }

    pub fn from_values(values: [u64; 9]) -> PageEngagement {
        let [entries, exits, bounces, engaged_ms, engaged_views, s25, s50, s75, s100] = values;
        PageEngagement {
            entries,
            exits,
            bounces,
            engaged_ms,
            engaged_views,
            scrolled: [s25, s50, s75, s100],
        }
    }

    pub fn add(&mut self, other: &PageEngagement) {
        let mut sums = self.values();
        for (sum, more) in sums.iter_mut().zip(other.values()) {
            *sum += more;
        }
        *self = PageEngagement::from_values(sums);
    }

    /// Adds an engagement beacon: its engaged time, its view as known if it is the view's
    /// first, and each scroll mark it passed since the view's previous beacon.
    pub fn add_beacon(&mut self, beacon: &Beacon) {
        self.engaged_ms += beacon.engaged_ms;
        if beacon.scroll_before.is_none() {
            self.engaged_views += 1;
        }
        let before = beacon.scroll_before;
        for (reached, mark) in self.scrolled.iter_mut().zip(SCROLL_MARKS) {
            if beacon.scroll >= mark && before.is_none_or(|before| before < mark) {
                *reached += 1;
            }
        }
    }

    /// Bounces of the visits that entered here, when any did.
    pub fn bounce_rate(&self) -> Option<f64> {
        ratio(self.bounces, self.entries)
    }

    /// The mean engaged time of the views whose time is known.
    pub fn average_engaged_ms(&self) -> Option<f64> {
        ratio(self.engaged_ms, self.engaged_views)
    }

    /// The share of the views whose engagement is known that reached `SCROLL_MARKS[at]`.
    pub fn scrolled_share(&self, at: usize) -> Option<f64> {
        ratio(self.scrolled[at], self.engaged_views)
    }
}

/// A site's (or a period's) engagement: its pages' sums, and the views its visits are made
/// of (views with a visitor key, of the rows whose engagement is known).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SiteEngagement {
    pub pages: PageEngagement,
    pub visit_views: u64,
}

impl SiteEngagement {
    /// Adds one page's daily row: its views with a visitor key, and its sums.
    pub fn add_row(&mut self, views: u64, keyless: Option<u64>, page: &PageEngagement) {
        self.pages.add(page);
        self.visit_views += views.saturating_sub(keyless.unwrap_or(0));
    }

    pub fn add(&mut self, other: &SiteEngagement) {
        self.pages.add(&other.pages);
        self.visit_views += other.visit_views;
    }

    /// Every visit enters at exactly one page.
    pub fn visits(&self) -> u64 {
        self.pages.entries
    }

    pub fn bounce_rate(&self) -> Option<f64> {
        self.pages.bounce_rate()
    }

    pub fn views_per_visit(&self) -> Option<f64> {
        ratio(self.visit_views, self.visits())
    }

    pub fn average_engaged_ms(&self) -> Option<f64> {
        self.pages.average_engaged_ms()
    }
}

fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Sums of several rows' engagement; `None` when none is known.
pub fn sum<'a>(
    rows: impl IntoIterator<Item = Option<&'a PageEngagement>>,
) -> Option<PageEngagement> {
    rows.into_iter().flatten().fold(None, |total, row| {
        let mut total = total.unwrap_or_default();
        total.add(row);
        Some(total)
    })
}

/// What one engagement beacon says, from its fields (checked when it was stored).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Beacon {
    pub engaged_ms: u64,
    /// The deepest scroll reached so far (0 when the beacon does not say).
    pub scroll: u64,
    /// What the view's previous beacon reported; `None` on its first.
    pub scroll_before: Option<u64>,
}

/// The fields counting reads of an engagement beacon (`Beacon::of`; its breakdowns count
/// nothing): a store may leave a beacon's other fields unread.
pub const BEACON_FIELDS: [Field; 3] = [Field::EngagedMs, Field::Scroll, Field::ScrollBefore];

impl Beacon {
    /// The beacon of an event's fields (by `Field::index`); reads only `BEACON_FIELDS`.
    pub fn of(field: impl Fn(Field) -> Option<u64>) -> Beacon {
        Beacon {
            engaged_ms: field(Field::EngagedMs).unwrap_or(0),
            scroll: field(Field::Scroll).unwrap_or(0),
            scroll_before: field(Field::ScrollBefore),
        }
    }
}

/// A visitor's day while it is counted: their views' count, first and last view (time, then
/// page number, the page's name deciding a tie), the engaged time of their beacons, and the
/// first of the A/B variants they saw by name (its number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct VisitorDay {
    first_ms: i64,
    last_ms: i64,
    engaged_ms: u64,
    views: u32,
    first_page: u32,
    last_page: u32,
    variant: u32,
}

const NO_VARIANT: u32 = u32::MAX;

impl Default for VisitorDay {
    fn default() -> Self {
        VisitorDay {
            first_ms: i64::MAX,
            last_ms: i64::MIN,
            engaged_ms: 0,
            views: 0,
            first_page: 0,
            last_page: 0,
            variant: NO_VARIANT,
        }
    }
}

/// Entries, exits and bounces of one page from the day's visits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageVisits {
    pub entries: u64,
    pub exits: u64,
    pub bounces: u64,
}

/// Counts the day's visits: one `VisitorDay` per visitor number (as `DayCounter` numbers
/// them), pages by number (their names given at each call that may need them for a tie), and
/// the variants seen, interned.
#[derive(Debug, Default)]
pub struct VisitsCounter {
    days: Vec<VisitorDay>,
    variants: Vec<Box<str>>,
}

impl VisitsCounter {
    /// Makes room for visitor `number` (numbers are handed out in order).
    pub fn number(&mut self, number: u32) {
        if self.days.len() <= number as usize {
            self.days.resize(number as usize + 1, VisitorDay::default());
        }
    }

    /// A view of page `page` (number; `names` gives any page's name) at `time_ms` by visitor
    /// `visitor`.
    pub fn view(&mut self, visitor: u32, time_ms: i64, page: u32, names: &[Box<str>]) {
        let day = &mut self.days[visitor as usize];
        day.views += 1;
        let order = |a: (i64, u32), b: (i64, u32)| {
            a.0.cmp(&b.0)
                .then_with(|| names[a.1 as usize].cmp(&names[b.1 as usize]))
        };
        if day.views == 1 || order((time_ms, page), (day.first_ms, day.first_page)).is_lt() {
            (day.first_ms, day.first_page) = (time_ms, page);
        }
        if day.views == 1 || order((time_ms, page), (day.last_ms, day.last_page)).is_gt() {
            (day.last_ms, day.last_page) = (time_ms, page);
        }
    }

    /// Engaged time a beacon of visitor `visitor` adds.
    pub fn engaged(&mut self, visitor: u32, engaged_ms: u64) {
        self.days[visitor as usize].engaged_ms += engaged_ms;
    }

    /// A variant visitor `visitor` saw; the first by name counts, so the result does not
    /// depend on the order events are read in.
    pub fn variant(&mut self, visitor: u32, variant: &str) {
        let held = self.days[visitor as usize].variant;
        if held != NO_VARIANT && *self.variants[held as usize] <= *variant {
            return;
        }
        let number = match self.variants.iter().position(|known| **known == *variant) {
            Some(at) => at as u32,
            None => {
                self.variants.push(variant.into());
                (self.variants.len() - 1) as u32
            }
        };
        self.days[visitor as usize].variant = number;
    }

    /// Adds another counter's visits of the same day: `visitors[n]` is our number of their
    /// visitor n, `pages[n]` of their page n; `names` are our pages' names.
    pub fn merge(
        &mut self,
        other: VisitsCounter,
        visitors: &[u32],
        pages: &[u32],
        names: &[Box<str>],
    ) {
        for (theirs, day) in other.days.into_iter().enumerate() {
            let ours = visitors[theirs];
            self.number(ours);
            if day.views > 0 {
                let (first, last) = (
                    pages[day.first_page as usize],
                    pages[day.last_page as usize],
                );
                let views = self.days[ours as usize].views;
                self.view(ours, day.first_ms, first, names);
                self.view(ours, day.last_ms, last, names);
                self.days[ours as usize].views = views + day.views;
            }
            self.engaged(ours, day.engaged_ms);
            if day.variant != NO_VARIANT {
                self.variant(ours, &other.variants[day.variant as usize]);
            }
        }
    }

    /// Per page number (of `pages` pages), its entries, exits and bounces; and per goal row
    /// key (`Goal::Engaged`), the visitors of each variant engaged that long.
    pub fn finish(self, pages: usize) -> (Vec<PageVisits>, Vec<(String, u64)>) {
        let mut visits = vec![PageVisits::default(); pages];
        let mut goals = vec![[0u64; ENGAGED_GOAL_SECONDS.len()]; self.variants.len()];
        for day in self.days.iter().filter(|day| day.views > 0) {
            visits[day.first_page as usize].entries += 1;
            visits[day.last_page as usize].exits += 1;
            if day.views == 1 && day.engaged_ms < BOUNCE_BELOW_MS {
                visits[day.first_page as usize].bounces += 1;
            }
            if day.variant != NO_VARIANT {
                for (reached, seconds) in goals[day.variant as usize]
                    .iter_mut()
                    .zip(ENGAGED_GOAL_SECONDS)
                {
                    *reached += u64::from(day.engaged_ms >= seconds * 1000);
                }
            }
        }
        let goal_rows = self
            .variants
            .iter()
            .zip(goals)
            .flat_map(|(variant, reached)| {
                ENGAGED_GOAL_SECONDS
                    .into_iter()
                    .zip(reached)
                    .filter(|(_, visitors)| *visitors > 0)
                    .map(move |(seconds, visitors)| {
                        (goal_key(variant, &Goal::Engaged(seconds)), visitors)
                    })
            })
            .collect();
        (visits, goal_rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pages: &[&str]) -> Vec<Box<str>> {
        pages.iter().map(|page| (*page).into()).collect()
    }

    #[test]
    fn engaged_goals_are_the_counted_ones() {
        assert_eq!(engaged_goal("signup"), None);
        assert_eq!(engaged_goal("engaged:30s"), Some(Ok(30)));
        assert_eq!(engaged_goal("engaged:300"), Some(Ok(300)));
        let refused = engaged_goal("engaged:45s").unwrap().unwrap_err();
        assert!(
            refused.contains("engaged:10s, engaged:30s, engaged:60s"),
            "{refused}"
        );
        assert!(engaged_goal("engaged:").unwrap().is_err());
    }

    #[test]
    fn a_beacon_is_read_from_its_beacon_fields_only() {
        let read = std::cell::RefCell::new(Vec::new());
        let beacon = Beacon::of(|field| {
            read.borrow_mut().push(field);
            Some(7)
        });
        assert_eq!(beacon.engaged_ms, 7);
        assert_eq!(read.into_inner(), BEACON_FIELDS);
    }

    #[test]
    fn beacons_add_time_known_views_and_the_marks_they_passed() {
        let mut page = PageEngagement::default();
        // A view's first beacon at 30%, then its second at 80%: 25 once, 50 and 75 once.
        page.add_beacon(&Beacon {
            engaged_ms: 4_000,
            scroll: 30,
            scroll_before: None,
        });
        page.add_beacon(&Beacon {
            engaged_ms: 6_500,
            scroll: 80,
            scroll_before: Some(30),
        });
        // Another view, read to the end in one go.
        page.add_beacon(&Beacon {
            engaged_ms: 20_000,
            scroll: 100,
            scroll_before: None,
        });
        assert_eq!(page.engaged_ms, 30_500);
        assert_eq!(page.engaged_views, 2);
        assert_eq!(page.scrolled, [2, 2, 2, 1]);
        assert_eq!(page.average_engaged_ms(), Some(15_250.0));
        assert_eq!(page.scrolled_share(3), Some(0.5));
        assert_eq!(PageEngagement::default().average_engaged_ms(), None);
        assert_eq!(PageEngagement::default().bounce_rate(), None);
    }

    #[test]
    fn sums_round_trip_through_their_columns_and_add() {
        let page = PageEngagement::from_values([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(page.values(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(page.scrolled, [6, 7, 8, 9]);
        let total = sum([Some(&page), None, Some(&page)]).unwrap();
        assert_eq!(total.values(), [2, 4, 6, 8, 10, 12, 14, 16, 18]);
        assert_eq!(sum([None, None]), None);
        assert_eq!(ENGAGEMENT_COLUMNS.len(), page.values().len());
    }

    #[test]
    fn a_sites_visits_are_its_entries_and_hold_its_keyed_views() {
        let mut site = SiteEngagement::default();
        let mut page = PageEngagement {
            entries: 3,
            bounces: 1,
            engaged_ms: 9_000,
            engaged_views: 2,
            ..PageEngagement::default()
        };
        site.add_row(5, Some(1), &page);
        page.entries = 1;
        page.bounces = 1;
        site.add_row(2, None, &page);
        assert_eq!(site.visits(), 4);
        assert_eq!(site.visit_views, 6);
        assert_eq!(site.views_per_visit(), Some(1.5));
        assert_eq!(site.bounce_rate(), Some(0.5));
        assert_eq!(site.average_engaged_ms(), Some(4_500.0));
        assert_eq!(SiteEngagement::default().views_per_visit(), None);
    }

    #[test]
    fn a_visit_enters_at_its_first_view_leaves_at_its_last_and_bounces_alone_and_brief() {
        let names = names(&["/a", "/b", "/c"]);
        let mut visits = VisitsCounter::default();
        for visitor in 0..4 {
            visits.number(visitor);
        }
        // Visitor 0: /b then /a then /c, read out of order.
        visits.view(0, 300, 2, &names);
        visits.view(0, 100, 1, &names);
        visits.view(0, 200, 0, &names);
        // Visitor 1: one view of /a, 9.999 s engaged: a bounce.
        visits.view(1, 100, 0, &names);
        visits.engaged(1, 9_999);
        // Visitor 2: one view of /a, 10 s engaged: not a bounce.
        visits.view(2, 100, 0, &names);
        visits.engaged(2, 10_000);
        // Visitor 3: two views in the same millisecond: /a's name comes first.
        visits.view(3, 100, 1, &names);
        visits.view(3, 100, 0, &names);
        let (pages, goals) = visits.finish(3);
        assert_eq!(
            pages,
            [
                PageVisits {
                    entries: 3,
                    exits: 2,
                    bounces: 1
                },
                PageVisits {
                    entries: 1,
                    exits: 1,
                    bounces: 0
                },
                PageVisits {
                    entries: 0,
                    exits: 1,
                    bounces: 0
                },
            ]
        );
        assert!(goals.is_empty());
    }

    #[test]
    fn visitors_engaged_long_enough_reach_the_engaged_goals_of_their_variant() {
        let names = names(&["/a"]);
        let mut visits = VisitsCounter::default();
        for (visitor, variant, engaged) in [(0, "B", 31_000), (1, "B", 9_000), (2, "A", 300_000)] {
            visits.number(visitor);
            visits.view(visitor, 0, 0, &names);
            visits.variant(visitor, variant);
            visits.engaged(visitor, engaged);
        }
        // A visitor shown two variants counts under the first by name.
        visits.variant(0, "C");
        let (_, goals) = visits.finish(1);
        let goal = |variant: &str, seconds| goal_key(variant, &Goal::Engaged(seconds));
        assert_eq!(
            goals,
            [
                (goal("B", 10), 1),
                (goal("B", 30), 1),
                (goal("A", 10), 1),
                (goal("A", 30), 1),
                (goal("A", 60), 1),
                (goal("A", 120), 1),
                (goal("A", 300), 1),
            ]
        );
    }

    #[test]
    fn visits_counted_in_parts_merge_into_the_visits_counted_whole() {
        let names = names(&["/a", "/b"]);
        let mut whole = VisitsCounter::default();
        whole.number(0);
        whole.view(0, 100, 0, &names);
        whole.view(0, 200, 1, &names);
        whole.engaged(0, 5_000);
        let (mut first, mut second) = (VisitsCounter::default(), VisitsCounter::default());
        first.number(0);
        first.view(0, 200, 1, &names);
        second.number(0);
        second.view(0, 100, 0, &names);
        second.engaged(0, 5_000);
        // The second part's visitor 0 is the first's visitor 0; its pages are the same.
        first.merge(second, &[0], &[0, 1], &names);
        assert_eq!(first.finish(2).0, whole.finish(2).0);
    }
}
