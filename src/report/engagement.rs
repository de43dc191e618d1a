//! How engagement reads in every format (pure code): bounce rates and scroll shares in
//! percent, engaged time in minutes and seconds, views per visit, and "-" where nothing is
//! known (days counted before pages kept engagement, or without any beacon: a log import).

use super::records::Value;
use crate::model::engagement::{PageEngagement, SCROLL_MARKS};

/// The headers of the page tables' engagement columns.
pub const BOUNCE: &str = "Bounce";
pub const ENGAGED: &str = "Engaged";
/// Shares of the views whose engagement is known that scrolled to 25, 50, 75 and 100%.
pub const SCROLL: &str = "Scroll 25/50/75/100";

/// The fields records (CSV, JSON) add for a page or a period: sums, then rates (percent) and
/// the mean engaged time (seconds), each empty or null when not known.
pub const FIELDS: [&str; 10] = [
    "entries",
    "exits",
    "bounces",
    "bounce_rate",
    "engaged_views",
    "avg_engaged_seconds",
    "scroll_25",
    "scroll_50",
    "scroll_75",
    "scroll_100",
];

/// A share as a whole percent for people: `42%`; `-` when not known.
pub fn percent_text(share: Option<f64>) -> String {
    share.map_or_else(|| "-".to_owned(), |share| format!("{:.0}%", share * 100.0))
}

/// A share in percent to one decimal, for programs.
pub fn percent_value(share: Option<f64>) -> Option<f64> {
    share.map(|share| (share * 1000.0).round() / 10.0)
}

/// A mean engaged time for people, in whole seconds: `45s`, `2m 05s`; `-` when not known.
pub fn duration_text(ms: Option<f64>) -> String {
    let Some(ms) = ms else {
        return "-".to_owned();
    };
    let seconds = (ms / 1000.0).round() as u64;
    match seconds {
        0..60 => format!("{seconds}s"),
        _ => format!("{}m {:02}s", seconds / 60, seconds % 60),
    }
}

/// Milliseconds as seconds to one decimal, for programs.
pub fn seconds_value(ms: Option<f64>) -> Option<f64> {
    ms.map(|ms| (ms / 100.0).round() / 10.0)
}

/// The shares that scrolled to each mark: `90/70/40/20%`; `-` when not known.
pub fn scroll_text(page: Option<&PageEngagement>) -> String {
    let Some(page) = page.filter(|page| page.engaged_views > 0) else {
        return "-".to_owned();
    };
    let shares: Vec<String> = (0..SCROLL_MARKS.len())
        .map(|at| format!("{:.0}", page.scrolled_share(at).unwrap_or(0.0) * 100.0))
        .collect();
    format!("{}%", shares.join("/"))
}

/// Views per visit to one decimal: `2.4`; `-` when not known.
pub fn per_visit_text(views: Option<f64>) -> String {
    views.map_or_else(|| "-".to_owned(), |views| format!("{views:.1}"))
}

/// A page's three table cells: bounce rate, mean engaged time, scroll shares.
pub fn page_cells(page: Option<&PageEngagement>) -> [String; 3] {
    [
        percent_text(page.and_then(PageEngagement::bounce_rate)),
        duration_text(page.and_then(PageEngagement::average_engaged_ms)),
        scroll_text(page),
    ]
}

/// A page's (or a period's) record values in the order of `FIELDS`: counts, then rates.
pub fn record_values(page: Option<&PageEngagement>) -> Vec<Value> {
    let count = |value: fn(&PageEngagement) -> u64| Value::MaybeCount(page.map(value));
    let number = |value: Option<f64>| Value::Number(value);
    let scroll = |at: usize| number(percent_value(page.and_then(|p| p.scrolled_share(at))));
    vec![
        count(|page| page.entries),
        count(|page| page.exits),
        count(|page| page.bounces),
        number(percent_value(page.and_then(PageEngagement::bounce_rate))),
        count(|page| page.engaged_views),
        number(seconds_value(
            page.and_then(PageEngagement::average_engaged_ms),
        )),
        scroll(0),
        scroll(1),
        scroll(2),
        scroll(3),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engagement_reads_in_whole_units_and_unknown_is_a_dash() {
        assert_eq!(percent_text(Some(0.4166)), "42%");
        assert_eq!(percent_text(None), "-");
        assert_eq!(percent_value(Some(0.41666)), Some(41.7));
        assert_eq!(duration_text(Some(44_600.0)), "45s");
        assert_eq!(duration_text(Some(125_000.0)), "2m 05s");
        assert_eq!(duration_text(None), "-");
        assert_eq!(seconds_value(Some(12_345.0)), Some(12.3));
        assert_eq!(per_visit_text(Some(2.44)), "2.4");
        let page = PageEngagement {
            entries: 4,
            bounces: 1,
            engaged_ms: 90_000,
            engaged_views: 2,
            scrolled: [2, 1, 1, 0],
            ..PageEngagement::default()
        };
        assert_eq!(page_cells(Some(&page)), ["25%", "45s", "100/50/50/0%"]);
        assert_eq!(page_cells(None), ["-", "-", "-"]);
        // Known visits, but no beacon: bounce known, time and scroll not.
        let imported = PageEngagement {
            entries: 2,
            bounces: 2,
            ..PageEngagement::default()
        };
        assert_eq!(page_cells(Some(&imported)), ["100%", "-", "-"]);
        use Value::{MaybeCount, Number};
        assert_eq!(
            record_values(Some(&page)),
            [
                MaybeCount(Some(4)),
                MaybeCount(Some(0)),
                MaybeCount(Some(1)),
                Number(Some(25.0)),
                MaybeCount(Some(2)),
                Number(Some(45.0)),
                Number(Some(100.0)),
                Number(Some(50.0)),
                Number(Some(50.0)),
                Number(Some(0.0)),
            ]
        );
        assert_eq!(record_values(None)[0], MaybeCount(None));
        assert_eq!(record_values(Some(&imported))[5], Number(None));
        assert_eq!(record_values(None).len(), FIELDS.len());
    }
}
