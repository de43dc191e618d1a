//! Synthetic traffic: Zipf-like page popularity, a daily curve in the deployment's time zone,
//! and, when asked, visitors who make visits of a few pages and views that send engagement
//! beacons; reproducible from a seed.

use chrono::{DateTime, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::f64::consts::PI;

use crate::model::day::{Day, DayRange};
use crate::model::event::{Event, Field, Kind, MAX_ENGAGED_MS};
use crate::model::zone::Zone;

const MS_PER_HOUR: i64 = 3_600_000;

/// Path of the page with popularity rank `rank` (0 is the most viewed).
pub fn page_path(rank: usize) -> String {
    if rank == 0 {
        "/".to_owned()
    } else {
        format!("/posts/post-{rank}")
    }
}

/// Relative traffic of each UTC hour: low at night, peak in the afternoon.
pub fn hour_weights() -> [f64; 24] {
    std::array::from_fn(|hour| 1.0 + 0.8 * (2.0 * PI * (hour as f64 - 14.0) / 24.0).cos())
}

/// Zipf weights (exponent 1) for `pages` pages: page k gets 1/(k+1) of the top page's views.
pub fn zipf_weights(pages: usize) -> Vec<f64> {
    (0..pages).map(|rank| 1.0 / (rank as f64 + 1.0)).collect()
}

fn cumulative(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let mut running = 0.0;
    weights
        .iter()
        .map(|weight| {
            running += weight / total;
            running
        })
        .collect()
}

fn pick(cdf: &[f64], draw: f64) -> usize {
    cdf.partition_point(|&edge| edge < draw).min(cdf.len() - 1)
}

/// A stream of `count` events; the same seed gives the same events and ids. Within each day
/// the times ascend, as views reach a queue in real life, following the daily curve.
pub struct Synth {
    rng: ChaCha8Rng,
    seed: u64,
    range: DayRange,
    count: u64,
    next: u64,
    /// Position of the previous event within its day, as a fraction of the day's traffic.
    last_quantile: f64,
    page_cdf: Vec<f64>,
    pages: Vec<String>,
    hour_cdf: Vec<f64>,
    zone: Zone,
    visits: Option<Visits>,
    extras: Option<Extras>,
    engagement: Option<Engagement>,
}

/// Each view's engagement beacon, from a stream of its own: one per view, right after it and
/// at its time (so times still ascend), with its id `<view id>.0` as a collector derives it.
struct Engagement {
    rng: ChaCha8Rng,
    pending: Option<Event>,
}

/// Mean engaged time of a synthetic view.
const MEAN_ENGAGED_MS: f64 = 45_000.0;

impl Engagement {
    fn new(seed: u64) -> Self {
        Engagement {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x656e_6761_6765),
            pending: None,
        }
    }

    /// The beacon of `view`: an engaged time drawn from an exponential distribution (mean
    /// 45 s, at most the beacon's limit), a scroll depth uniform over 0 to 100 but for a
    /// quarter of views that read to the end.
    fn beacon_of(&mut self, view: &Event) -> Event {
        let draw: f64 = self.rng.gen();
        let engaged = (-MEAN_ENGAGED_MS * (1.0 - draw).ln()).min(MAX_ENGAGED_MS as f64) as u64;
        let scroll = match self.rng.gen_bool(0.25) {
            true => 100,
            false => self.rng.gen_range(0..=100u64),
        };
        let fields = crate::model::event::Fields::default()
            .with(Field::EngagedMs, &engaged.to_string())
            .with(Field::Scroll, &scroll.to_string());
        Event {
            id: format!("{}.0", view.id),
            page: view.page.clone(),
            time: view.time,
            visitor: view.visitor.clone(),
            kind: Kind::Engagement,
            fields,
        }
    }
}

/// Where synthetic visitors came from and what else they did: a realistic mix of referrers,
/// campaigns, A/B variants, downloads and custom events, from a stream of its own.
struct Extras {
    rng: ChaCha8Rng,
    referrer_cdf: Vec<f64>,
}

/// Hosts synthetic visitors come from, most common first.
const REFERRERS: [&str; 8] = [
    "google.com",
    "news.ycombinator.com",
    "duckduckgo.com",
    "bing.com",
    "reddit.com",
    "t.co",
    "lobste.rs",
    "example.org",
];

impl Extras {
    fn new(seed: u64) -> Self {
        Extras {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6578_7472_6173),
            referrer_cdf: cumulative(&zipf_weights(REFERRERS.len())),
        }
    }

    /// Dresses a view: 40% come with a referrer, 10% from a campaign, half see variant A or
    /// B; 3% of events are downloads of a file and 2% sign-ups.
    fn dress(&mut self, event: &mut Event) {
        let draw: f64 = self.rng.gen();
        if draw < 0.03 {
            event.kind = crate::model::event::Kind::Download;
            event.page = format!("/files/report-{}.pdf", self.rng.gen_range(1..=5));
            return;
        }
        if draw < 0.05 {
            event.kind = crate::model::event::Kind::Event;
            event.fields.set(Field::Name, Some("signup".into()));
        }
        if self.rng.gen_bool(0.4) {
            let host = REFERRERS[pick(&self.referrer_cdf, self.rng.gen())];
            event.fields.set(Field::Referrer, Some(host.into()));
        }
        if self.rng.gen_bool(0.1) {
            let source = ["newsletter", "twitter", "partner"][self.rng.gen_range(0..3)];
            let medium = ["email", "social", "referral"][self.rng.gen_range(0..3)];
            let campaign = format!("spring-{}", self.rng.gen_range(1..=4));
            event.fields.set(Field::Source, Some(source.into()));
            event.fields.set(Field::Medium, Some(medium.into()));
            event.fields.set(Field::Campaign, Some(campaign.into()));
        }
        if self.rng.gen_bool(0.5) {
            let variant = ["A", "B"][self.rng.gen_range(0..2)];
            event.fields.set(Field::Variant, Some(variant.into()));
        }
    }
}

/// Who makes each view: visits of a few pages each (1 + a geometric number, 3 on average),
/// by people drawn so that each of them visits once before anyone returns, then at random.
struct Visits {
    rng: ChaCha8Rng,
    seed: u64,
    people: u64,
    visits: u64,
    current: u64,
    pages_left: u32,
}

/// Chance that a visit goes on to one more page: visits of 3 pages on average.
const NEXT_PAGE: f64 = 2.0 / 3.0;

impl Visits {
    fn new(seed: u64, people: u64) -> Self {
        Visits {
            // Its own stream: the pages and times of a seed stay the same with or without
            // visitors.
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x7669_7369_746f_7273),
            seed,
            people: people.max(1),
            visits: 0,
            current: 0,
            pages_left: 0,
        }
    }

    /// The key of the person who makes the next view.
    fn next_key(&mut self) -> String {
        if self.pages_left == 0 {
            self.current = self.next_person();
            self.visits += 1;
            self.pages_left = 1;
            while self.rng.gen_bool(NEXT_PAGE) && self.pages_left < 50 {
                self.pages_left += 1;
            }
        }
        self.pages_left -= 1;
        let person = u64::from(self.seed as u32) << 32 | u64::from(self.current as u32);
        format!("{:016x}", spread(person))
    }

    /// Everyone once, in a scrambled order (a stride coprime with the number of people), then
    /// whoever comes back.
    fn next_person(&mut self) -> u64 {
        if self.visits < self.people {
            let stride = (1..)
                .map(|k| self.people / 2 + k)
                .find(|stride| gcd(*stride, self.people) == 1)
                .unwrap_or(1);
            return (self.visits * stride) % self.people;
        }
        self.rng.gen_range(0..self.people)
    }
}

/// A person's key as the collector's would look: 16 hex digits spread evenly over their range
/// (collected keys are keyed hashes), so a count split by ranges of keys (`model::parts`) gets
/// parts of even size. One person, one key: the mix (SplitMix64's finaliser) is a bijection.
fn spread(person: u64) -> u64 {
    let mut mixed = person;
    mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    mixed ^ (mixed >> 31)
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

impl Synth {
    pub fn new(count: u64, range: DayRange, pages: usize, seed: u64) -> Self {
        Synth {
            rng: ChaCha8Rng::seed_from_u64(seed),
            seed,
            range,
            count,
            next: 0,
            last_quantile: 0.0,
            page_cdf: cumulative(&zipf_weights(pages)),
            pages: (0..pages).map(page_path).collect(),
            hour_cdf: cumulative(&hour_weights()),
            zone: Zone::UTC,
            visits: None,
            extras: None,
            engagement: None,
        }
    }

    /// Each view followed by its engagement beacon (downloads and custom events send none).
    pub fn with_engagement(mut self, on: bool) -> Self {
        self.engagement = on.then(|| Engagement::new(self.seed));
        self
    }

    /// Views with referrers, campaigns and variants, and some downloads and custom events.
    pub fn with_breakdowns(mut self, on: bool) -> Self {
        self.extras = on.then(|| Extras::new(self.seed));
        self
    }

    /// Days of `zone` instead of UTC days: each day's views fall within its local hours.
    pub fn in_zone(mut self, zone: Zone) -> Self {
        self.zone = zone;
        self
    }

    /// Views by `people` visitors, each view carrying its visitor's key.
    pub fn with_visitors(mut self, people: Option<u64>) -> Self {
        self.visits = people.map(|people| Visits::new(self.seed, people));
        self
    }

    /// The id of view number `index`: with engagement, as a collector gives a view whose script
    /// sent a page-view token (`p` and 16 hex digits, so its beacon's id is that and `.0`), one
    /// per index for the seed; else the seed and the index.
    fn view_id(&self, index: u64) -> String {
        match self.engagement {
            Some(_) => format!("p{:016x}", spread(spread(self.seed) ^ index)),
            None => format!("{:016x}-{index}", self.seed),
        }
    }

    /// Events are split evenly over the days of the range, in order: index -> day offset.
    fn day_offset(&self, index: u64) -> u64 {
        (index as u128 * self.range.len() as u128 / self.count.max(1) as u128) as u64
    }

    /// First index of day `offset`.
    fn day_begin(&self, offset: u64) -> u64 {
        let days = self.range.len() as u128;
        (offset as u128 * self.count as u128).div_ceil(days) as u64
    }

    /// The next of the day's `left` remaining sorted uniform draws: the minimum of `left`
    /// uniforms above the previous one, so the times come out in order without sorting.
    fn next_quantile(&mut self, left: u64) -> f64 {
        let draw: f64 = self.rng.gen();
        let quantile = 1.0 - (1.0 - self.last_quantile) * draw.powf(1.0 / left as f64);
        self.last_quantile = quantile;
        quantile
    }

    /// Milliseconds into the day at `quantile` of the daily curve's traffic.
    fn time_of_day_ms(&self, quantile: f64) -> i64 {
        let hour = pick(&self.hour_cdf, quantile);
        let below = if hour == 0 {
            0.0
        } else {
            self.hour_cdf[hour - 1]
        };
        let share = self.hour_cdf[hour] - below;
        let within = ((quantile - below) / share).clamp(0.0, 1.0);
        let ms = hour as i64 * MS_PER_HOUR + (within * MS_PER_HOUR as f64) as i64;
        ms.min(24 * MS_PER_HOUR - 1)
    }
}

impl Iterator for Synth {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if let Some(beacon) = self.engagement.as_mut().and_then(|e| e.pending.take()) {
            return Some(beacon);
        }
        if self.next >= self.count {
            return None;
        }
        let index = self.next;
        self.next += 1;
        let offset = self.day_offset(index);
        if index == self.day_begin(offset) {
            self.last_quantile = 0.0;
        }
        let left = self.day_begin(offset + 1) - index;
        let quantile = self.next_quantile(left);
        let page = pick(&self.page_cdf, self.rng.gen());
        let day = Day::from_number(self.range.from.number() + offset as i64).expect("in range");
        let day_start = self.zone.start_ms(day);
        let day_length = self.zone.start_ms(day.next()) - day_start;
        // The curve is drawn over 24 hours and stretched to the day's own length (23 or 25
        // hours on the days clocks change), so every view stays within its local day.
        let into_day =
            self.time_of_day_ms(quantile) as i128 * day_length as i128 / (24 * MS_PER_HOUR) as i128;
        let time_ms = day_start + into_day as i64;
        let mut event = Event {
            id: self.view_id(index),
            page: self.pages[page].clone(),
            time: DateTime::<Utc>::from_timestamp_millis(time_ms).expect("time within range"),
            visitor: self.visits.as_mut().map(Visits::next_key),
            ..Default::default()
        };
        if let Some(extras) = &mut self.extras {
            extras.dress(&mut event);
        }
        if let Some(engagement) = self.engagement.as_mut().filter(|_| event.kind.is_view()) {
            engagement.pending = Some(engagement.beacon_of(&event));
        }
        Some(event)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = (self.count - self.next) as usize;
        match self.engagement {
            // One beacon per view at most.
            Some(_) => (left, Some(left * 2 + 1)),
            None => (left, Some(left)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::day::Day;

    fn range(from: &str, to: &str) -> DayRange {
        DayRange::new(Day::parse(from).unwrap(), Day::parse(to).unwrap()).unwrap()
    }

    #[test]
    fn visitors_make_visits_of_a_few_pages_and_some_return() {
        let views: Vec<Event> = Synth::new(30_000, range("2021-03-13", "2021-03-13"), 20, 3)
            .with_visitors(Some(5_000))
            .collect();
        let mut per_visitor = std::collections::HashMap::new();
        for view in &views {
            *per_visitor
                .entry(view.visitor.clone().unwrap())
                .or_insert(0u32) += 1;
        }
        // 30,000 views in visits of 3 on average: about 10,000 visits by 5,000 people, each
        // of whom visits at least once.
        assert_eq!(per_visitor.len(), 5_000);
        let mean = 30_000.0 / per_visitor.len() as f64;
        assert!((4.5..7.5).contains(&mean), "{mean}");
        // The same seed gives the same visitors; without visitors the pages and times stay.
        let again: Vec<Event> = Synth::new(30_000, range("2021-03-13", "2021-03-13"), 20, 3)
            .with_visitors(Some(5_000))
            .collect();
        assert_eq!(views, again);
        let plain: Vec<Event> =
            Synth::new(30_000, range("2021-03-13", "2021-03-13"), 20, 3).collect();
        assert!(plain.iter().all(|view| view.visitor.is_none()));
        assert!(plain
            .iter()
            .zip(&views)
            .all(|(a, b)| a.page == b.page && a.time == b.time));
    }

    #[test]
    fn breakdowns_come_in_a_realistic_mix_that_validates() {
        let events: Vec<Event> = Synth::new(10_000, range("2021-03-13", "2021-03-13"), 20, 2)
            .with_breakdowns(true)
            .collect();
        let share = |keep: &dyn Fn(&Event) -> bool| {
            events.iter().filter(|e| keep(e)).count() as f64 / events.len() as f64
        };
        let downloads = share(&|e| e.kind == crate::model::event::Kind::Download);
        assert!((0.02..0.04).contains(&downloads), "{downloads}");
        assert!((0.3..0.45).contains(&share(&|e| e.field(Field::Referrer).is_some())));
        for event in &events {
            let line = event.to_json();
            let back =
                crate::model::event::decode_input_line(&line, String::new, chrono::Utc::now());
            assert_eq!(back.as_ref(), Ok(event), "{line}");
        }
    }

    #[test]
    fn days_of_a_zone_hold_their_views() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        for day in ["2021-03-28", "2021-10-31", "2021-03-13"] {
            let views: Vec<Event> = Synth::new(2_000, range(day, day), 5, 1)
                .in_zone(berlin)
                .collect();
            assert!(views
                .iter()
                .all(|view| view.day_in(berlin).to_string() == day));
        }
    }

    #[test]
    fn same_seed_same_events_and_counts_exact() {
        let a: Vec<Event> = Synth::new(1_000, range("2021-03-13", "2021-03-13"), 10, 7).collect();
        let b: Vec<Event> = Synth::new(1_000, range("2021-03-13", "2021-03-13"), 10, 7).collect();
        assert_eq!(a.len(), 1_000);
        assert_eq!(a, b);
        let c: Vec<Event> = Synth::new(1_000, range("2021-03-13", "2021-03-13"), 10, 8).collect();
        assert_ne!(a, c);
        let ids: std::collections::HashSet<&str> = a.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), 1_000);
    }

    #[test]
    fn popularity_and_daily_curve_have_the_intended_shape() {
        let events: Vec<Event> =
            Synth::new(20_000, range("2021-03-13", "2021-03-13"), 20, 1).collect();
        let top = events.iter().filter(|e| e.page == "/").count();
        let second = events.iter().filter(|e| e.page == "/posts/post-1").count();
        // Zipf: the top page gets about twice the second's views.
        assert!(
            (1.7..2.3).contains(&(top as f64 / second as f64)),
            "{top} vs {second}"
        );
        let at = |h: u32| {
            events
                .iter()
                .filter(|e| chrono::Timelike::hour(&e.time) == h)
                .count()
        };
        assert!(
            at(14) > 5 * at(2),
            "afternoon {} vs night {}",
            at(14),
            at(2)
        );
        assert!(events
            .iter()
            .all(|e| e.day_in(Zone::UTC).to_string() == "2021-03-13"));
    }

    #[test]
    fn times_ascend_within_each_day() {
        for (count, days) in [
            (1_000, ("2021-03-13", "2021-03-13")),
            (999, ("2021-03-01", "2021-03-07")),
        ] {
            let events: Vec<Event> = Synth::new(count, range(days.0, days.1), 5, 2).collect();
            assert_eq!(events.len() as u64, count);
            for pair in events.windows(2) {
                assert!(
                    pair[0].time <= pair[1].time,
                    "{:?} then {:?}",
                    pair[0].time,
                    pair[1].time
                );
            }
        }
    }

    #[test]
    fn events_spread_evenly_over_days() {
        let events: Vec<Event> = Synth::new(300, range("2021-03-01", "2021-03-03"), 5, 3).collect();
        for day in ["2021-03-01", "2021-03-02", "2021-03-03"] {
            assert_eq!(
                events
                    .iter()
                    .filter(|e| e.day_in(Zone::UTC).to_string() == day)
                    .count(),
                100
            );
        }
    }

    #[test]
    fn views_with_engagement_are_each_followed_by_their_beacon() {
        let events: Vec<Event> = Synth::new(2_000, range("2021-03-13", "2021-03-13"), 20, 5)
            .with_visitors(Some(300))
            .with_engagement(true)
            .collect();
        assert_eq!(events.len(), 4_000);
        for pair in events.chunks(2) {
            let (view, beacon) = (&pair[0], &pair[1]);
            assert_eq!(beacon.kind, Kind::Engagement);
            assert_eq!(beacon.id, format!("{}.0", view.id));
            assert_eq!((&beacon.page, beacon.time), (&view.page, view.time));
            assert_eq!(beacon.visitor, view.visitor);
            let scroll: u64 = beacon.field(Field::Scroll).unwrap().parse().unwrap();
            assert!(scroll <= 100);
        }
        let engaged: Vec<u64> = events
            .iter()
            .filter_map(|event| event.field(Field::EngagedMs)?.parse().ok())
            .collect();
        let mean = engaged.iter().sum::<u64>() as f64 / engaged.len() as f64;
        assert!((40_000.0..50_000.0).contains(&mean), "{mean}");
        // Ids as a collector derives them from a page-view token, one per view.
        let ids: std::collections::HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids.len(), 4_000);
        let token_shaped = |id: &str| {
            id.strip_prefix('p').is_some_and(|hex| {
                hex.len() == 16
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            })
        };
        assert!(events.iter().step_by(2).all(|view| token_shaped(&view.id)));
        // Without engagement, the same seed gives the same views, under ids of another shape.
        let views: Vec<Event> = Synth::new(2_000, range("2021-03-13", "2021-03-13"), 20, 5)
            .with_visitors(Some(300))
            .collect();
        let without_id = |event: &Event| Event {
            id: String::new(),
            ..event.clone()
        };
        let engaged_views: Vec<Event> = events.iter().step_by(2).map(without_id).collect();
        assert_eq!(
            views.iter().map(without_id).collect::<Vec<_>>(),
            engaged_views
        );
    }
}
