//! Calendar days of the deployment's time zone (src/zone.rs says which instants a day holds):
//! parsing `YYYY-MM-DD` flags, day ranges, and the day number stored in tables.

use chrono::{Duration, NaiveDate};
use std::fmt;

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(NaiveDate);

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(date) => date,
    None => panic!("1970-01-01 is a date"),
};

impl Day {
    /// 1970-01-01, day number 0.
    pub const EPOCH: Day = Day(EPOCH);

    pub fn from_date(date: NaiveDate) -> Self {
        Day(date)
    }

    /// Parses `YYYY-MM-DD`, rejecting impossible dates such as 2021-02-30.
    pub fn parse(text: &str) -> Result<Self, String> {
        let shape_ok = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        if !shape_ok {
            return Err("expected a date as YYYY-MM-DD, e.g. 2021-03-13".into());
        }
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Day)
            .map_err(|_| format!("{text} is not a real calendar date"))
    }

    pub fn prev(self) -> Self {
        Day(self.0 - Duration::days(1))
    }

    pub fn next(self) -> Self {
        Day(self.0 + Duration::days(1))
    }

    pub fn date(self) -> NaiveDate {
        self.0
    }

    /// Days since 1970-01-01: the compact key stored in the local tables.
    pub fn number(self) -> i64 {
        (self.0 - EPOCH).num_days()
    }

    pub fn from_number(number: i64) -> Option<Self> {
        EPOCH
            .checked_add_signed(Duration::try_days(number)?)
            .map(Day)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

/// Days serialise as `YYYY-MM-DD`, as they are written on the command line.
impl serde::Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// ... and read back from it (export manifests).
impl<'de> serde::Deserialize<'de> for Day {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Day::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Day {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        Day::parse(text)
    }
}

/// An inclusive range of days, `from <= to` by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    pub from: Day,
    pub to: Day,
}

impl DayRange {
    pub fn single(day: Day) -> Self {
        DayRange { from: day, to: day }
    }

    /// Builds a range from `--from`/`--to`; the error names both flags.
    pub fn new(from: Day, to: Day) -> Result<Self, String> {
        if from > to {
            return Err(format!(
                "--from {from} is after --to {to}: give the earlier day to --from"
            ));
        }
        Ok(DayRange { from, to })
    }

    /// Days in the range; never none, as `to` is never before `from` (hence no `is_empty`).
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> usize {
        (self.to.number() - self.from.number() + 1) as usize
    }

    pub fn days(&self) -> impl Iterator<Item = Day> {
        let (from, to) = (self.from.number(), self.to.number());
        (from..=to).filter_map(Day::from_number)
    }

    pub fn contains(&self, day: Day) -> bool {
        self.from <= day && day <= self.to
    }

    /// The range of as many days that ends the day before this one starts.
    pub fn before(&self) -> Option<DayRange> {
        let len = self.len() as i64;
        let from = Day::from_number(self.from.number() - len)?;
        Some(DayRange {
            from,
            to: self.from.prev(),
        })
    }

    /// Parses `YYYY-MM-DD..YYYY-MM-DD` (both days included).
    pub fn parse(text: &str) -> Result<DayRange, String> {
        let (from, to) = text
            .split_once("..")
            .ok_or_else(|| format!("expected two days as YYYY-MM-DD..YYYY-MM-DD, not {text:?}"))?;
        let (from, to) = (Day::parse(from.trim())?, Day::parse(to.trim())?);
        match from <= to {
            true => Ok(DayRange { from, to }),
            false => Err(format!(
                "{from}..{to} ends before it starts: give the earlier day first"
            )),
        }
    }
}

impl fmt::Display for DayRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.from, self.to)
    }
}

/// Longest range a command reads day by day (ten years).
pub const MAX_RANGE_DAYS: usize = 3_660;

/// Refuses ranges longer than [`MAX_RANGE_DAYS`], which would cost one read per day.
pub fn check_range(range: DayRange, command: &str) -> anyhow::Result<()> {
    if range.len() > MAX_RANGE_DAYS {
        return crate::model::bad_input::bad_input(format!(
            "--from {} --to {} spans {} days; {command} takes at most {MAX_RANGE_DAYS} at once",
            range.from,
            range.to,
            range.len()
        ));
    }
    Ok(())
}

/// Resolves the usual `--day` / `--from` / `--to` trio into a range.
pub fn resolve_range(
    day: Option<Day>,
    from: Option<Day>,
    to: Option<Day>,
) -> Result<Option<DayRange>, String> {
    match (day, from, to) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
            Err("--day cannot be combined with --from/--to: use one or the other".into())
        }
        (Some(day), None, None) => Ok(Some(DayRange::single(day))),
        (None, Some(from), Some(to)) => DayRange::new(from, to).map(Some),
        (None, Some(from), None) => Err(format!(
            "--from {from} needs --to as well (use --day for a single day)"
        )),
        (None, None, Some(to)) => Err(format!(
            "--to {to} needs --from as well (use --day for a single day)"
        )),
        (None, None, None) => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_dates_and_rejects_impossible_ones() {
        assert_eq!(Day::parse("2021-03-13").unwrap().to_string(), "2021-03-13");
        assert!(Day::parse("2021-02-30").unwrap_err().contains("not a real"));
        assert!(Day::parse("2021-3-13").unwrap_err().contains("YYYY-MM-DD"));
        assert!(Day::parse("13/03/2021").is_err());
        assert!(Day::parse("").is_err());
    }

    #[test]
    fn day_numbers_round_trip() {
        let day = Day::parse("2021-03-13").unwrap();
        assert_eq!(day.number(), 18_699);
        assert_eq!(Day::from_number(18_699), Some(day));
        assert_eq!(Day::parse("1970-01-01").unwrap().number(), 0);
    }

    #[test]
    fn ranges_validate_order_and_count_days() {
        let a = Day::parse("2021-03-01").unwrap();
        let b = Day::parse("2021-03-03").unwrap();
        assert_eq!(DayRange::new(a, b).unwrap().len(), 3);
        assert!(DayRange::new(b, a).unwrap_err().contains("--from"));
        assert_eq!(DayRange::new(a, b).unwrap().days().count(), 3);
    }

    #[test]
    fn the_range_before_has_as_many_days() {
        let range = DayRange::parse("2021-03-01..2021-03-31").unwrap();
        assert_eq!(
            range.before().unwrap().to_string(),
            "2021-01-29..2021-02-28"
        );
        let one = DayRange::parse("2021-03-01..2021-03-01").unwrap();
        assert_eq!(one.before().unwrap().to_string(), "2021-02-28..2021-02-28");
        assert!(DayRange::parse("2021-03-02..2021-03-01")
            .unwrap_err()
            .contains("ends before"));
        assert!(DayRange::parse("2021-03-02").unwrap_err().contains(".."));
        assert!(DayRange::parse("2021-03-02..2021-02-30").is_err());
    }

    #[test]
    fn resolve_range_rejects_mixed_flags() {
        let a = Day::parse("2021-03-01").unwrap();
        assert!(resolve_range(Some(a), Some(a), None).is_err());
        assert!(resolve_range(None, Some(a), None)
            .unwrap_err()
            .contains("--to"));
        assert_eq!(resolve_range(None, None, None).unwrap(), None);
        assert_eq!(
            resolve_range(Some(a), None, None).unwrap(),
            Some(DayRange::single(a))
        );
    }
}
