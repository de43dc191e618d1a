//! Workload volumes read from a deployment: the mean of its recent aggregated days.

use serde::Serialize;

use crate::backend::DayStatus;
use crate::model::day::Day;

/// Aggregated days the mean is taken over, the most recent first.
pub const USAGE_DAYS: usize = 30;

/// What `--from-usage` measured, and from which days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub views_per_day: u64,
    pub pages: u64,
    pub days_used: usize,
    pub first_day: Day,
    pub last_day: Day,
}

/// The rounded mean views and pages of the last [`USAGE_DAYS`] aggregated days, or `None` when
/// no day has been aggregated.
pub fn from_days(days: &[DayStatus]) -> Option<Usage> {
    let mut aggregated: Vec<(Day, u64, u64)> = days
        .iter()
        // Days aggregated without ever receiving an event (a range run over a gap) say
        // nothing about the workload.
        .filter(|status| status.change_version > 0)
        .filter_map(|status| Some((status.day, status.views?, status.pages?)))
        .collect();
    aggregated.sort_by_key(|(day, _, _)| *day);
    let recent = &aggregated[aggregated.len().saturating_sub(USAGE_DAYS)..];
    let (first_day, last_day) = (recent.first()?.0, recent.last()?.0);
    let count = recent.len() as u64;
    let views: u64 = recent.iter().map(|(_, views, _)| views).sum();
    let pages: u64 = recent.iter().map(|(_, _, pages)| pages).sum();
    Some(Usage {
        views_per_day: rounded_mean(views, count),
        pages: rounded_mean(pages, count).max(1),
        days_used: recent.len(),
        first_day,
        last_day,
    })
}

fn rounded_mean(total: u64, count: u64) -> u64 {
    (total + count / 2) / count
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(day: &str, counts: Option<(u64, u64)>) -> DayStatus {
        DayStatus {
            day: Day::parse(day).unwrap(),
            change_version: 1,
            aggregated_version: counts.map(|_| 1),
            aggregated_at: None,
            views: counts.map(|(views, _)| views),
            pages: counts.map(|(_, pages)| pages),
            visitors: None,
            keyless_views: None,
            raw: Default::default(),
            layouts: Vec::new(),
        }
    }

    #[test]
    fn nothing_aggregated_means_no_usage() {
        assert_eq!(from_days(&[]), None);
        assert_eq!(from_days(&[status("2021-03-13", None)]), None);
    }

    #[test]
    fn mean_of_aggregated_days_only() {
        let days = [
            status("2021-03-12", Some((1_000, 10))),
            status("2021-03-13", None),
            status("2021-03-14", Some((2_001, 21))),
        ];
        // (1,000 + 2,001) / 2 = 1,500.5 -> 1,501; (10 + 21) / 2 = 15.5 -> 16.
        let usage = from_days(&days).unwrap();
        assert_eq!(usage.views_per_day, 1_501);
        assert_eq!(usage.pages, 16);
        assert_eq!(usage.days_used, 2);
        assert_eq!(usage.first_day.to_string(), "2021-03-12");
        assert_eq!(usage.last_day.to_string(), "2021-03-14");
    }

    #[test]
    fn only_the_last_thirty_days_count() {
        // 40 days: views 1..=40 on 2021-01-01..2021-02-09; the last 30 are 11..=40, mean 25.5.
        let mut days = Vec::new();
        let mut day = Day::parse("2021-01-01").unwrap();
        for views in 1..=40 {
            days.push(status(&day.to_string(), Some((views, 1))));
            day = day.next();
        }
        let usage = from_days(&days).unwrap();
        assert_eq!(usage.days_used, 30);
        assert_eq!(usage.views_per_day, 26);
        assert_eq!(usage.first_day.to_string(), "2021-01-11");
    }
}
