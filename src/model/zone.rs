//! The deployment's time zone: which calendar day an instant belongs to, where a day starts,
//! and its hours (23 or 25 on daylight-saving days), from the IANA database of `chrono-tz`.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;

use crate::model::day::Day;

/// An IANA time zone such as `Europe/Berlin`; `UTC` unless `init --time-zone` set another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Zone(Tz);

/// Milliseconds in an hour: the width of one slot of a day's hourly breakdown.
const HOUR_MS: i64 = 3_600_000;

impl Zone {
    pub const UTC: Zone = Zone(Tz::UTC);

    /// Parses an IANA name (`Europe/Berlin`, `Asia/Kolkata`, `UTC`).
    pub fn parse(name: &str) -> Result<Zone, String> {
        name.trim().parse::<Tz>().map(Zone).map_err(|_| {
            format!(
                "{name:?} is not an IANA time zone name; use one such as Europe/Berlin, \
                 America/New_York or UTC"
            )
        })
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The calendar day `time` falls on in this zone.
    pub fn day_of(self, time: DateTime<Utc>) -> Day {
        Day::from_date(time.with_timezone(&self.0).date_naive())
    }

    pub fn today(self) -> Day {
        self.day_of(Utc::now())
    }

    pub fn yesterday(self) -> Day {
        self.today().prev()
    }

    /// The first instant of `day` here: local midnight, or, where a clock change skips
    /// midnight, the first local time that exists that day.
    pub fn start_of(self, day: Day) -> DateTime<Utc> {
        let midnight = day.date().and_time(NaiveTime::MIN);
        (0..=16)
            .map(|quarter| midnight + Duration::minutes(15 * quarter))
            .find_map(|local| self.0.from_local_datetime(&local).earliest())
            .map(|time| time.with_timezone(&Utc))
            // No zone skips four hours; were one to, the day would start at its UTC midnight.
            .unwrap_or_else(|| midnight.and_utc())
    }

    pub fn start_ms(self, day: Day) -> i64 {
        self.start_of(day).timestamp_millis()
    }

    /// Hourly slots of `day`: 24, or 23 and 25 on the days clocks change (a day of 23.5 or
    /// 24.5 hours gets 24 or 25: its last slot is shorter).
    pub fn hours_in(self, day: Day) -> usize {
        let length = self.start_ms(day.next()) - self.start_ms(day);
        (length as u64).div_ceil(HOUR_MS as u64).max(1) as usize
    }

    /// The slot of `time_ms` in the day that starts at `day_start_ms`: whole hours since then.
    pub fn slot(day_start_ms: i64, time_ms: i64) -> usize {
        ((time_ms - day_start_ms).max(0) / HOUR_MS) as usize
    }

    /// Where hourly slot `slot` of `day` starts, on this zone's clock (with its UTC offset, so
    /// the two 02:00 of a day that turns clocks back are told apart).
    pub fn slot_start(self, day: Day, slot: usize) -> DateTime<FixedOffset> {
        self.clock(self.start_of(day) + Duration::hours(slot as i64))
    }

    /// `time` on this zone's clock, with its UTC offset then.
    pub fn clock(self, time: DateTime<Utc>) -> DateTime<FixedOffset> {
        time.with_timezone(&self.0).fixed_offset()
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone::UTC
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Zone {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Zone::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{day, time};

    fn zone(name: &str) -> Zone {
        Zone::parse(name).unwrap()
    }

    #[test]
    fn days_change_at_local_midnight() {
        let berlin = zone("Europe/Berlin");
        // 2021-03-12 23:00 UTC is already 2021-03-13 00:00 in Berlin (CET, +01:00).
        assert_eq!(
            berlin.day_of(time("2021-03-12T22:59:59Z")),
            day("2021-03-12")
        );
        assert_eq!(
            berlin.day_of(time("2021-03-12T23:00:00Z")),
            day("2021-03-13")
        );
        assert_eq!(
            Zone::UTC.day_of(time("2021-03-12T23:00:00Z")),
            day("2021-03-12")
        );
        for (name, midnight_utc) in [
            ("Asia/Kolkata", "2021-03-12T18:30:00Z"),
            ("Asia/Kathmandu", "2021-03-12T18:15:00Z"),
            ("America/New_York", "2021-03-13T05:00:00Z"),
        ] {
            let zone = zone(name);
            let midnight = time(midnight_utc);
            assert_eq!(zone.start_of(day("2021-03-13")), midnight, "{name}");
            let before = midnight - Duration::seconds(1);
            assert_eq!(zone.day_of(before), day("2021-03-12"), "{name}");
            assert_eq!(zone.day_of(midnight), day("2021-03-13"), "{name}");
            assert_eq!(zone.hours_in(day("2021-03-13")), 24, "{name}");
        }
    }

    #[test]
    fn daylight_saving_days_have_23_and_25_hours() {
        let berlin = zone("Europe/Berlin");
        assert_eq!(berlin.hours_in(day("2021-03-28")), 23);
        assert_eq!(berlin.hours_in(day("2021-10-31")), 25);
        assert_eq!(berlin.hours_in(day("2021-07-01")), 24);
        // The 25-hour day: 02:30 happens twice, an hour apart, in slots 2 and 3.
        let start = berlin.start_ms(day("2021-10-31"));
        let first = time("2021-10-31T00:30:00Z").timestamp_millis(); // 02:30 CEST
        let second = time("2021-10-31T01:30:00Z").timestamp_millis(); // 02:30 CET
        assert_eq!(Zone::slot(start, first), 2);
        assert_eq!(Zone::slot(start, second), 3);
        let last = time("2021-10-31T22:59:59Z").timestamp_millis(); // 23:59:59 CET
        assert_eq!(Zone::slot(start, last), 24);
        let clock = |day: &str, slot| {
            berlin
                .slot_start(crate::model::fixtures::day(day), slot)
                .to_rfc3339()
        };
        assert_eq!(clock("2021-10-31", 2), "2021-10-31T02:00:00+02:00");
        assert_eq!(clock("2021-10-31", 3), "2021-10-31T02:00:00+01:00");
        assert_eq!(clock("2021-10-31", 24), "2021-10-31T23:00:00+01:00");
        assert_eq!(clock("2021-03-28", 2), "2021-03-28T03:00:00+02:00");
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_at_the_first_local_time() {
        // Chile moved its clocks from 00:00 to 01:00 on 2021-09-05 (Santiago, -04 to -03).
        let santiago = zone("America/Santiago");
        let start = santiago.start_of(day("2021-09-05"));
        assert_eq!(start, time("2021-09-05T04:00:00Z"));
        assert_eq!(
            santiago.day_of(start - Duration::seconds(1)),
            day("2021-09-04")
        );
        assert_eq!(santiago.hours_in(day("2021-09-05")), 23);
    }

    #[test]
    fn names_are_checked() {
        assert_eq!(zone("UTC"), Zone::UTC);
        assert_eq!(zone("Europe/Berlin").to_string(), "Europe/Berlin");
        let err = Zone::parse("Mars/Olympus").unwrap_err();
        assert!(err.contains("IANA"), "{err}");
    }
}
