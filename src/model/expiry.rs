//! When raw events may expire where a store expires them by itself (DynamoDB's TTL), and the
//! margins kept before then (pure code): a day's counts become its record well before its
//! first raw event may expire, and raw events still uncounted are reported as soon as they
//! have waited longer than a working daily aggregation ever lets them.

use super::day::Day;
use super::zone::Zone;

const DAY_SECONDS: i64 = 86_400;
/// How long before its raw events may expire a counted day's counts become its record: a week,
/// so that a daily aggregation has seven chances; all of a retention shorter than that.
const RECORD_LEAD_DAYS: i64 = 7;
/// How long raw events may wait uncounted before they are reported: two days, longer than a
/// daily aggregation ever leaves them; half of a retention shorter than four days.
const UNCOUNTED_GRACE_SECONDS: i64 = 2 * DAY_SECONDS;

/// The end of `day` in `zone`, in epoch seconds: from then on it can be counted.
pub fn day_end(zone: Zone, day: Day) -> i64 {
    zone.start_of(day.next()).timestamp()
}

/// When a raw event of a day ending at `day_end` (epoch seconds), written at `now`, may expire:
/// `retention_days` after its day can be counted, or after it was written if that is later (a
/// late event, a backfill), so no event is written already expired or close to it.
pub fn expires_at(day_end: i64, now: i64, retention_days: u32) -> i64 {
    day_end.max(now) + i64::from(retention_days) * DAY_SECONDS
}

/// Seconds before its first raw event may expire that a counted day's counts become its record.
pub fn record_lead(retention_days: u32) -> i64 {
    i64::from(retention_days).min(RECORD_LEAD_DAYS) * DAY_SECONDS
}

/// The earliest a raw event of a day ending at `day_end` may expire, when nothing better is
/// known: the retention after the day's end.
pub fn earliest_expiry(day_end: i64, retention_days: u32) -> i64 {
    day_end + i64::from(retention_days) * DAY_SECONDS
}

/// Whether a counted day whose first raw event not in its record expires at `expiry` should
/// make its counts its record at `now`: once that is within the lead.
pub fn record_due(expiry: i64, now: i64, retention_days: u32) -> bool {
    now >= expiry - record_lead(retention_days)
}

/// Whether uncounted raw events whose first expires at `expiry` have waited too long at `now`:
/// longer than the grace (two days, or half a shorter retention) since they could be counted.
pub fn uncounted_too_long(expiry: i64, now: i64, retention_days: u32) -> bool {
    let retention = i64::from(retention_days) * DAY_SECONDS;
    let grace = UNCOUNTED_GRACE_SECONDS.min(retention / 2);
    expiry - now < retention - grace
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{berlin, day};

    const NOON_13_MARCH: i64 = 1_615_636_800;
    const MIDNIGHT_14_MARCH: i64 = 1_615_680_000;

    #[test]
    fn an_event_expires_a_retention_after_its_day_can_be_counted() {
        let end = day_end(Zone::UTC, day("2021-03-13"));
        assert_eq!(end, MIDNIGHT_14_MARCH);
        // Berlin's 13 March ends an hour earlier in UTC.
        assert_eq!(day_end(berlin(), day("2021-03-13")), end - 3600);
        // Written during its day: a retention from the day's end, wherever in the day.
        assert_eq!(expires_at(end, NOON_13_MARCH, 30), end + 30 * DAY_SECONDS);
        // Written later (a late event, a backfill): a retention from when it was written.
        assert_eq!(expires_at(end, end + 99, 30), end + 99 + 30 * DAY_SECONDS);
        // A retention of one day still outlives an aggregation just after midnight.
        assert!(expires_at(end, NOON_13_MARCH, 1) > end + 3600);
    }

    #[test]
    fn a_days_record_is_made_a_week_before_its_events_may_expire() {
        let end = MIDNIGHT_14_MARCH;
        let expiry = earliest_expiry(end, 400);
        assert_eq!(expiry, end + 400 * DAY_SECONDS);
        assert_eq!(record_lead(400), 7 * DAY_SECONDS);
        assert!(!record_due(expiry, expiry - 7 * DAY_SECONDS - 1, 400));
        assert!(record_due(expiry, expiry - 7 * DAY_SECONDS, 400));
        // Seven days of retention or fewer: as soon as the day is counted.
        assert_eq!(record_lead(3), 3 * DAY_SECONDS);
        assert!(record_due(earliest_expiry(end, 3), end, 3));
        assert!(record_due(earliest_expiry(end, 7), end + 60, 7));
        assert!(!record_due(earliest_expiry(end, 8), end + 60, 8));
        // Events of a long gone day written today (a backfill) expire a retention from now.
        let now = end + 1000 * DAY_SECONDS;
        assert!(!record_due(expires_at(end, now, 400), now, 400));
    }

    #[test]
    fn uncounted_events_are_reported_after_two_days_of_waiting() {
        let retention = 400 * DAY_SECONDS;
        let written = MIDNIGHT_14_MARCH;
        let expiry = written + retention;
        assert!(!uncounted_too_long(expiry, written + 2 * DAY_SECONDS, 400));
        assert!(uncounted_too_long(
            expiry,
            written + 2 * DAY_SECONDS + 1,
            400
        ));
        // A retention of three days: after a day and a half, with a day and a half left.
        let short = written + 3 * DAY_SECONDS;
        assert!(!uncounted_too_long(short, written + 129_600, 3));
        assert!(uncounted_too_long(short, written + 129_601, 3));
        // Expired already: reported too.
        assert!(uncounted_too_long(expiry, expiry + 1, 400));
    }
}
