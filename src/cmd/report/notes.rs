//! `report`'s notes on stderr about days whose numbers are not final yet: days of the range, or
//! of the compared range, not aggregated yet or changed by late events since.

use crate::cmd::context::Context;
use crate::model::day::Day;
use crate::report::view::View;

/// Says which days of the view are not counted yet, and what to run.
pub(super) fn note_days(ctx: &Context, view: &View) {
    let notes: [(&[Day], &str); 4] = [
        (
            &view.unaggregated_days,
            "not aggregated yet: DAYS; run `pageviews aggregate` for them",
        ),
        (
            &view.stale_days,
            "late events arrived after aggregation for DAYS; run `pageviews aggregate --pending`",
        ),
        (
            &view.compared_unaggregated_days,
            "the compared range is not aggregated yet for DAYS; its numbers may grow; run \
             `pageviews aggregate` for them",
        ),
        (
            &view.compared_stale_days,
            "late events arrived after aggregation in the compared range for DAYS; run \
             `pageviews aggregate --pending`",
        ),
    ];
    for (days, text) in notes.iter().filter(|(days, _)| !days.is_empty()) {
        ctx.say(format!("note: {}", text.replace("DAYS", &day_list(days))));
    }
}

/// A short list of days for a note: the first few, then how many more.
pub(super) fn day_list(days: &[Day]) -> String {
    const SHOWN: usize = 5;
    let mut text: Vec<String> = days.iter().take(SHOWN).map(Day::to_string).collect();
    if days.len() > SHOWN {
        text.push(format!("and {} more", days.len() - SHOWN));
    }
    text.join(", ")
}
