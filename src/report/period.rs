//! The periods a report sums over: days, ISO weeks or calendar months of the deployment's
//! time zone (a report's days are already the zone's), or the hourly slots of one day, which
//! are 23 or 25 on the days clocks change (pure code).

use chrono::Datelike;
use std::fmt;

use crate::model::day::{Day, DayRange};
use crate::model::zone::Zone;

/// What `--by-period` sums over.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Grain {
    /// One row per day.
    #[default]
    Day,
    /// ISO weeks, Monday to Sunday.
    Week,
    /// Calendar months.
    Month,
}

/// The unit of a report's periods: a grain of days, or the hours of one day (`--hourly`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Days(Grain),
    Hours,
}

impl Unit {
    /// The period's name in headers and labels: "day", "week", "month" or "hour".
    pub fn noun(self) -> &'static str {
        match self {
            Unit::Days(Grain::Day) => "day",
            Unit::Days(Grain::Week) => "week",
            Unit::Days(Grain::Month) => "month",
            Unit::Hours => "hour",
        }
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.noun())
    }
}

/// One period of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// For people: `2021-03-13`, `2021-W10`, `2021-03`, or a clock time `02:00` (with its
    /// UTC offset when the day has two of them).
    pub label: String,
    /// For programs: the day, the week or month label, or the slot's start in RFC 3339.
    pub key: String,
    /// The days of the report's range the period covers (an hour: its day).
    pub from: Day,
    pub to: Day,
    /// Days of the period outside the range (a week or month cut by the range's ends).
    pub days_missing: usize,
}

impl Period {
    /// Days of the range the period covers.
    pub fn days(&self) -> usize {
        DayRange {
            from: self.from,
            to: self.to,
        }
        .len()
    }

    /// The label with, for a week or month cut by the range, how many of its days it has.
    pub fn full_label(&self) -> String {
        match self.days_missing {
            0 => self.label.clone(),
            missing => format!(
                "{} ({} of {} days)",
                self.label,
                self.days(),
                self.days() + missing
            ),
        }
    }
}

/// The periods of `range`, in order; the first and last week or month may be cut by it.
pub fn periods_of(range: DayRange, grain: Grain) -> Vec<Period> {
    let mut periods: Vec<Period> = Vec::new();
    for day in range.days() {
        let label = label_of(day, grain);
        match periods.last_mut() {
            Some(period) if period.label == label => period.to = day,
            _ => periods.push(Period {
                key: label.clone(),
                label,
                from: day,
                to: day,
                days_missing: 0,
            }),
        }
    }
    for period in &mut periods {
        period.days_missing = days_in(period.from, grain) - period.days();
    }
    periods
}

/// The hourly slots of `day` in `zone`: `slots` of them (24, or 23 or 25 on the days clocks
/// change), labelled by the zone's clock.
pub fn hours_of(zone: Zone, day: Day, slots: usize) -> Vec<Period> {
    let starts: Vec<_> = (0..slots).map(|slot| zone.slot_start(day, slot)).collect();
    let clock = |index: usize| starts[index].format("%H:%M").to_string();
    (0..slots)
        .map(|slot| {
            let repeated = (0..slots).any(|other| other != slot && clock(other) == clock(slot));
            let label = match repeated {
                true => format!("{} ({})", clock(slot), utc_offset(starts[slot].offset())),
                false => clock(slot),
            };
            Period {
                label,
                key: starts[slot].to_rfc3339(),
                from: day,
                to: day,
                days_missing: 0,
            }
        })
        .collect()
}

/// `UTC+2`, `UTC-5`, `UTC+10:30`: an offset as people write it. After a clock time it is in
/// brackets, since `01:00-04:00` would read as a range of hours.
fn utc_offset(offset: &impl chrono::Offset) -> String {
    let seconds = offset.fix().local_minus_utc();
    let sign = if seconds < 0 { '-' } else { '+' };
    let (hours, minutes) = (seconds.abs() / 3600, seconds.abs() % 3600 / 60);
    match minutes {
        0 => format!("UTC{sign}{hours}"),
        _ => format!("UTC{sign}{hours}:{minutes:02}"),
    }
}

fn label_of(day: Day, grain: Grain) -> String {
    let date = day.date();
    match grain {
        Grain::Day => day.to_string(),
        Grain::Week => {
            let week = date.iso_week();
            format!("{}-W{:02}", week.year(), week.week())
        }
        Grain::Month => format!("{}-{:02}", date.year(), date.month()),
    }
}

/// Days of the whole week or month that `day` is in.
fn days_in(day: Day, grain: Grain) -> usize {
    let date = day.date();
    match grain {
        Grain::Day => 1,
        Grain::Week => 7,
        Grain::Month => {
            let first = date.with_day(1).expect("every month has a first day");
            let next = first
                .checked_add_months(chrono::Months::new(1))
                .expect("a month follows");
            (next - first).num_days() as usize
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::day;

    fn range(from: &str, to: &str) -> DayRange {
        DayRange::new(day(from), day(to)).unwrap()
    }

    #[test]
    fn iso_weeks_run_monday_to_sunday_across_the_new_year() {
        // 2021-01-03 is a Sunday in ISO week 53 of 2020; 2021-01-04 starts 2021-W01.
        let weeks = periods_of(range("2020-12-30", "2021-01-12"), Grain::Week);
        let labels: Vec<String> = weeks.iter().map(Period::full_label).collect();
        assert_eq!(
            labels,
            [
                "2020-W53 (5 of 7 days)",
                "2021-W01",
                "2021-W02 (2 of 7 days)"
            ]
        );
        assert_eq!(
            (weeks[1].from, weeks[1].to),
            (day("2021-01-04"), day("2021-01-10"))
        );
        assert_eq!(weeks[0].days(), 5);
    }

    #[test]
    fn months_are_calendar_months_and_say_when_cut() {
        let months = periods_of(range("2020-02-15", "2020-04-30"), Grain::Month);
        let labels: Vec<String> = months.iter().map(Period::full_label).collect();
        assert_eq!(labels, ["2020-02 (15 of 29 days)", "2020-03", "2020-04"]);
        assert_eq!(months[1].days(), 31);
        assert_eq!(
            (months[2].from, months[2].to),
            (day("2020-04-01"), day("2020-04-30"))
        );
    }

    #[test]
    fn days_are_one_period_each() {
        let days = periods_of(range("2021-03-13", "2021-03-14"), Grain::Day);
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].full_label(), "2021-03-13");
        assert_eq!(days[1].key, "2021-03-14");
    }

    #[test]
    fn hours_follow_the_zones_clock_on_days_clocks_change() {
        let berlin = Zone::parse("Europe/Berlin").unwrap();
        let spring = hours_of(berlin, day("2021-03-28"), 23);
        let labels: Vec<&str> = spring.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(&labels[..4], ["00:00", "01:00", "03:00", "04:00"]);
        assert_eq!(labels[22], "23:00");
        let autumn = hours_of(berlin, day("2021-10-31"), 25);
        let labels: Vec<&str> = autumn.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(
            &labels[1..5],
            ["01:00", "02:00 (UTC+2)", "02:00 (UTC+1)", "03:00"]
        );
        // West of Greenwich an offset after a time read as a range (`01:00-04:00`); every
        // label is one hour.
        let new_york = Zone::parse("America/New_York").unwrap();
        let eastern = hours_of(new_york, day("2021-11-07"), 25);
        let labels: Vec<&str> = eastern.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(
            &labels[..4],
            ["00:00", "01:00 (UTC-4)", "01:00 (UTC-5)", "02:00"]
        );
        assert_eq!(eastern[2].key, "2021-11-07T01:00:00-05:00");
        let india = chrono::FixedOffset::east_opt(5 * 3600 + 1800).unwrap();
        assert_eq!(utc_offset(&india), "UTC+5:30");
        assert_eq!(labels[24], "23:00");
        assert_eq!(autumn[3].key, "2021-10-31T02:00:00+01:00");
        let utc = hours_of(Zone::UTC, day("2021-03-13"), 24);
        assert_eq!(utc[13].key, "2021-03-13T13:00:00+00:00");
    }
}
