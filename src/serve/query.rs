//! What a dashboard or API request asks for, read from its query string (pure code): the
//! site, the range (a preset or `from`/`to`), the period of the chart, a page, a breakdown,
//! how many entries; each refusal a sentence saying what was wrong and what to send instead.

use chrono::Datelike as _;

use crate::model::day::{check_range, Day, DayRange};
use crate::model::event::normalise;
use crate::report::period::{Grain, Unit};

/// Longest query string read; anything longer is refused before it is parsed.
pub const MAX_QUERY_BYTES: usize = 4_096;

/// The ranges the dashboard offers, and their names in its links.
pub const PRESETS: [(&str, &str); 8] = [
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("7d", "7 days"),
    ("30d", "30 days"),
    ("90d", "90 days"),
    ("month", "This month"),
    ("year", "This year"),
    ("custom", "Custom"),
];

/// The dashboard's range when none is asked for.
pub const DEFAULT_PRESET: &str = "7d";

/// A request's parameters, as sent (names as in the links the dashboard makes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pub site: Option<String>,
    pub range: Option<String>,
    pub day: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub period: Option<String>,
    pub page: Option<String>,
    pub by: Option<String>,
    pub top: Option<String>,
    /// A share link's token (the access check reads it; links keep it).
    pub share: Option<String>,
    /// An experiment's goal: an event's name or `engaged:30s`; or a page; and its control.
    pub goal: Option<String>,
    pub goal_page: Option<String>,
    pub control: Option<String>,
}

impl Params {
    /// Reads a raw query string; unknown names are refused so that a typo is not ignored.
    pub fn parse(query: &str) -> Result<Params, String> {
        if query.len() > MAX_QUERY_BYTES {
            return Err(format!(
                "the query string has {} bytes; at most {MAX_QUERY_BYTES} are read",
                query.len()
            ));
        }
        let mut params = Params::default();
        for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let value = value.into_owned();
            let slot = match name.as_ref() {
                "site" => &mut params.site,
                "range" => &mut params.range,
                "day" => &mut params.day,
                "from" => &mut params.from,
                "to" => &mut params.to,
                "period" => &mut params.period,
                "page" => &mut params.page,
                "by" => &mut params.by,
                "top" => &mut params.top,
                "share" => &mut params.share,
                "goal" => &mut params.goal,
                "goal_page" => &mut params.goal_page,
                "control" => &mut params.control,
                other => {
                    return Err(format!(
                        "unknown parameter {other:?}: expected site, range, day, from, to, \
                         period, page, by, top, share, goal, goal_page or control"
                    ))
                }
            };
            // An empty field of a form (a custom range left blank) is as good as none.
            *slot = Some(value).filter(|value| !value.trim().is_empty());
        }
        Ok(params)
    }

    /// The range asked for: `day`, or `from` and `to`, or a preset (`default` when none);
    /// never past `today`.
    pub fn range(&self, today: Day, default: &str) -> Result<DayRange, String> {
        let day = |name: &str, text: &Option<String>| {
            text.as_deref()
                .map(|text| Day::parse(text.trim()).map_err(|err| format!("{name}: {err}")))
                .transpose()
        };
        let (one, from, to) = (
            day("day", &self.day)?,
            day("from", &self.from)?,
            day("to", &self.to)?,
        );
        let preset = self.range.as_deref().unwrap_or(default);
        let range =
            match (one, from, to) {
                (Some(one), None, None) => DayRange::single(one),
                (None, Some(from), Some(to)) => DayRange::new(from, to)?,
                (None, None, None) if preset != "custom" => preset_range(preset, today)?,
                _ => return Err(
                    "give day=YYYY-MM-DD, or both from= and to= (YYYY-MM-DD), or a range preset"
                        .into(),
                ),
            };
        if range.to > today {
            return Err(format!(
                "{} is in the future: nothing is counted for it yet; ask for days up to {today}",
                range.to
            ));
        }
        check_range(range, "the dashboard").map_err(|err| err.to_string())?;
        Ok(range)
    }

    /// The chart's periods: hours for a single day unless asked otherwise, else days.
    pub fn unit(&self, range: DayRange) -> Result<Unit, String> {
        match self.period.as_deref() {
            None if range.len() == 1 => Ok(Unit::Hours),
            None | Some("day") => Ok(Unit::Days(Grain::Day)),
            Some("week") => Ok(Unit::Days(Grain::Week)),
            Some("month") => Ok(Unit::Days(Grain::Month)),
            Some("hour") if range.len() == 1 => Ok(Unit::Hours),
            Some("hour") => Err(format!(
                "period=hour shows the hours of one day; {range} has {} days",
                range.len()
            )),
            Some(other) => Err(format!(
                "period={other:?}: expected hour, day, week or month"
            )),
        }
    }

    /// The page asked for, spelt as pages are stored.
    pub fn page(&self) -> Result<Option<String>, String> {
        self.page
            .as_deref()
            .map(|page| normalise(page).map_err(|err| format!("page={page:?}: {err}")))
            .transpose()
    }

    /// `top`, a whole number from 1 to 1,000,000.
    pub fn top(&self) -> Result<Option<usize>, String> {
        let Some(text) = self.top.as_deref() else {
            return Ok(None);
        };
        match text.trim().parse::<usize>() {
            Ok(top @ 1..=1_000_000) => Ok(Some(top)),
            _ => Err(format!(
                "top={text:?}: expected a whole number from 1 to 1,000,000"
            )),
        }
    }
}

/// The days of a preset, the last of them `today`'s or yesterday's: whole past days for the
/// `Nd` presets (what `aggregate` has counted), up to today for the others.
pub fn preset_range(preset: &str, today: Day) -> Result<DayRange, String> {
    let back = |days: i64| Day::from_number(today.number() - days).expect("a day in range");
    let range = match preset {
        "today" => DayRange::single(today),
        "yesterday" => DayRange::single(today.prev()),
        "7d" => DayRange::new(back(7), today.prev())?,
        "30d" => DayRange::new(back(30), today.prev())?,
        "90d" => DayRange::new(back(90), today.prev())?,
        "month" => DayRange::new(
            Day::from_date(today.date().with_day(1).expect("day 1")),
            today,
        )?,
        "year" => {
            let first = today.date().with_ordinal(1).expect("day 1 of the year");
            DayRange::new(Day::from_date(first), today)?
        }
        other => {
            let names: Vec<&str> = PRESETS.iter().map(|(name, _)| *name).collect();
            return Err(format!(
                "range={other:?}: expected one of {}",
                names.join(", ")
            ));
        }
    };
    Ok(range)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::day;

    fn range(query: &str) -> Result<String, String> {
        let today = day("2021-03-15");
        Params::parse(query)?
            .range(today, DEFAULT_PRESET)
            .map(|range| range.to_string())
    }

    #[test]
    fn presets_end_yesterday_or_today() {
        assert_eq!(range("").unwrap(), "2021-03-08..2021-03-14");
        assert_eq!(range("range=today").unwrap(), "2021-03-15..2021-03-15");
        assert_eq!(range("range=yesterday").unwrap(), "2021-03-14..2021-03-14");
        assert_eq!(range("range=30d").unwrap(), "2021-02-13..2021-03-14");
        assert_eq!(range("range=90d").unwrap(), "2020-12-15..2021-03-14");
        assert_eq!(range("range=month").unwrap(), "2021-03-01..2021-03-15");
        assert_eq!(range("range=year").unwrap(), "2021-01-01..2021-03-15");
        let custom = "range=custom&from=2021-03-01&to=2021-03-02";
        assert_eq!(range(custom).unwrap(), "2021-03-01..2021-03-02");
        assert_eq!(range("day=2021-03-10").unwrap(), "2021-03-10..2021-03-10");
    }

    #[test]
    fn bad_ranges_say_what_to_send() {
        assert_eq!(
            range("day=2021-03-16").unwrap_err(),
            "2021-03-16 is in the future: nothing is counted for it yet; ask for days up to 2021-03-15"
        );
        assert_eq!(
            range("range=week").unwrap_err(),
            "range=\"week\": expected one of today, yesterday, 7d, 30d, 90d, month, year, custom"
        );
        assert_eq!(
            range("from=2021-03-01").unwrap_err(),
            "give day=YYYY-MM-DD, or both from= and to= (YYYY-MM-DD), or a range preset"
        );
        assert_eq!(
            range("day=2021-02-30").unwrap_err(),
            "day: 2021-02-30 is not a real calendar date"
        );
        assert_eq!(
            Params::parse("colour=red").unwrap_err(),
            "unknown parameter \"colour\": expected site, range, day, from, to, period, page, by, top, share, goal, goal_page or control"
        );
        let long = format!("page=/{}", "a".repeat(100_000));
        assert_eq!(
            Params::parse(&long).unwrap_err(),
            "the query string has 100006 bytes; at most 4096 are read"
        );
    }

    #[test]
    fn periods_pages_and_tops() {
        let params = Params::parse("period=week&page=/caf%C3%A9&top=5").unwrap();
        let week = DayRange::new(day("2021-03-01"), day("2021-03-07")).unwrap();
        assert_eq!(params.unit(week), Ok(Unit::Days(Grain::Week)));
        assert_eq!(params.page(), Ok(Some("/café".to_owned())));
        assert_eq!(params.top(), Ok(Some(5)));
        let one = DayRange::single(day("2021-03-01"));
        assert_eq!(Params::default().unit(one), Ok(Unit::Hours));
        assert_eq!(
            Params::parse("period=hour").unwrap().unit(week),
            Err("period=hour shows the hours of one day; 2021-03-01..2021-03-07 has 7 days".into())
        );
        assert_eq!(
            Params::parse("top=0").unwrap().top(),
            Err("top=\"0\": expected a whole number from 1 to 1,000,000".into())
        );
    }
}
