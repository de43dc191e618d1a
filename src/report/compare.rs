//! Comparing a report with another range (`--compare`): each entry's numbers there, the
//! entries that appear or vanish, and the change in percent (pure code).

use std::collections::BTreeMap;

use super::view::Entry;
use crate::pipeline::report::Report;

/// An entry's numbers in the compared range.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Previous {
    pub views: u64,
    pub visitors: u64,
}

/// An entry that appears or disappears between the compared ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    New,
    Vanished,
}

impl Mark {
    pub fn word(self) -> &'static str {
        match self {
            Mark::New => "new",
            Mark::Vanished => "vanished",
        }
    }
}

impl Entry {
    /// `new` or `vanished` between the compared ranges, if it is either.
    pub fn mark(&self) -> Option<Mark> {
        let previous = self.previous?;
        match (previous.views, self.views) {
            (0, 1..) => Some(Mark::New),
            (1.., 0) => Some(Mark::Vanished),
            _ => None,
        }
    }
}

/// The change from `before` to `now` in percent, to one decimal; none from nothing.
pub fn change_percent(now: u64, before: u64) -> Option<f64> {
    let percent = |before| (now as f64 - before) * 1000.0 / before;
    // Adding 0.0 turns a change rounded to -0.0 into 0.0.
    (before > 0).then(|| percent(before as f64).round() / 10.0 + 0.0)
}

/// A change for people: `+12.5%`, `-3%`, `0%`, or `new`, `vanished`, `-` (nothing either time).
pub fn change_text(now: u64, before: u64) -> String {
    match (change_percent(now, before), now) {
        (None, 0) => "-".to_owned(),
        (None, _) => Mark::New.word().to_owned(),
        (Some(_), 0) => Mark::Vanished.word().to_owned(),
        (Some(percent), _) if percent > 0.0 => format!("+{percent}%"),
        (Some(percent), _) => format!("{percent}%"),
    }
}

/// Gives each entry its numbers in `previous`, and adds the pages that had views there and
/// none now, unless only the top pages are shown; returns how many of those went unlisted.
pub fn add_previous<'a>(
    entries: &mut BTreeMap<&'a str, Entry>,
    report: &Report,
    previous: &'a Report,
    periods: usize,
) -> usize {
    let mut before: BTreeMap<&str, Previous> = BTreeMap::new();
    for row in &previous.rows {
        let numbers = before.entry(&row.page).or_default();
        numbers.views += row.views;
        numbers.visitors += row.visitors;
    }
    let mut vanished_unlisted = 0;
    for (page, numbers) in before {
        match entries.get_mut(page) {
            Some(entry) => entry.previous = Some(numbers),
            // Viewed now, but not among the top pages.
            None if report.pages.contains(page) => {}
            None if report.all_pages_views.is_some() => vanished_unlisted += 1,
            None => {
                let entry = Entry {
                    key: page.to_owned(),
                    views: 0,
                    visitors: 0,
                    trend: vec![0; periods],
                    previous: Some(numbers),
                    engagement: None,
                };
                entries.insert(page, entry);
            }
        }
    }
    vanished_unlisted
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{berlin, day};
    use crate::report::fixtures::{earlier_report, site_report};
    use crate::report::period::{Grain, Unit};
    use crate::report::view::build;

    #[test]
    fn a_comparison_marks_new_and_vanished_pages() {
        let earlier = earlier_report();
        let view = build(
            &site_report(None),
            Some(&earlier),
            Unit::Days(Grain::Day),
            berlin(),
        );
        let compared: Vec<(&str, u64, u64, Option<Mark>)> = view.breakdowns[0]
            .entries
            .iter()
            .map(|e| (e.key.as_str(), e.views, e.previous.unwrap().views, e.mark()))
            .collect();
        assert_eq!(
            compared,
            [
                ("/", 17, 8, None),
                ("/a", 8, 0, Some(Mark::New)),
                ("/b", 2, 0, Some(Mark::New)),
                ("/old", 0, 4, Some(Mark::Vanished)),
            ]
        );
        let previous = view.previous.as_ref().unwrap();
        assert_eq!((previous.views, previous.visitors), (12, 10));
        // 2021-03-26, of the compared range, was never aggregated: named apart.
        assert!(view.unaggregated_days.is_empty());
        assert_eq!(view.compared_unaggregated_days, [day("2021-03-26")]);
        // Under --top, vanished pages are counted, not listed.
        let top = build(
            &site_report(Some(1)),
            Some(&earlier),
            Unit::Days(Grain::Day),
            berlin(),
        );
        let pages = &top.breakdowns[0];
        assert_eq!(pages.entries.len(), 1);
        assert_eq!(pages.vanished_unlisted, 1);
        assert_eq!(pages.heading(top.top_only), "Top 1 of 3 pages");
        assert_eq!(top.totals.views, 27);
    }

    #[test]
    fn changes_read_in_percent_to_one_decimal() {
        assert_eq!(change_percent(3, 2), Some(50.0));
        assert_eq!(change_percent(1, 3), Some(-66.7));
        assert_eq!(change_percent(3, 0), None);
        assert_eq!(change_text(3, 2), "+50%");
        assert_eq!(change_text(1, 3), "-66.7%");
        assert_eq!(change_text(2, 2), "0%");
        assert_eq!(change_text(0, 3), "vanished");
        assert_eq!(change_text(3, 0), "new");
        assert_eq!(change_text(0, 0), "-");
        assert_eq!(change_text(17, 8), "+112.5%");
        // Changes that round to nothing or to everything are still numbers.
        assert_eq!(change_text(100_000, 100_001), "0%");
        assert_eq!(change_percent(100_000, 100_001).unwrap().to_string(), "0");
        assert_eq!(change_text(1, 100_000), "-100%");
    }
}
