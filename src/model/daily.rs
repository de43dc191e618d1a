//! The rows a counted day becomes, as every layer sees them: a page's daily row, a breakdown's
//! row, and what is known about a day (counted, changed since, raw events kept or deleted).

use chrono::{DateTime, Utc};

use super::day::Day;
use super::dimension::Dimension;
use super::engagement::PageEngagement;

/// One row of the daily table: a page's views and distinct visitors on a day, its views per
/// hour of the day (24 slots, or 23 or 25 on the days clocks change), and how many of its views
/// came without a visitor key (`None` for rows counted before pages kept that number).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DailyRow {
    pub day: Day,
    pub page: String,
    pub views: u64,
    pub visitors: u64,
    pub hours: Vec<u64>,
    /// Not exported (`export --what daily` keeps its columns): reports show it.
    #[serde(skip)]
    pub keyless: Option<u64>,
    /// Its entries, exits, bounces, engaged time and scroll depth (`None` for rows counted
    /// before pages kept them). Not exported either: reports show it.
    #[serde(skip)]
    pub engagement: Option<PageEngagement>,
}

/// How a day's raw events are stored, where a store has had more than one way (DynamoDB: one
/// item per event before, packed items now; both are read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawLayout {
    /// One item per event.
    PerEvent,
    /// Many events per item, a day's shards by event id.
    Packed,
    /// Many events per item, a day's shards by visitor key: a day of only these can be counted
    /// in parts.
    PackedByVisitor,
}

/// One row of a day's breakdown: views and distinct visitors of one referrer, campaign,
/// download, event, variant or goal (pipeline/breakdown.rs says what each key holds).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BreakdownRow {
    pub day: Day,
    pub dimension: Dimension,
    pub key: String,
    pub views: u64,
    pub visitors: u64,
}

/// Breakdown rows in the order reports show them: by day, then views (highest first), then key.
pub fn sort_breakdown(rows: &mut [BreakdownRow]) {
    rows.sort_by(|a, b| (a.day, b.views, &a.key).cmp(&(b.day, a.views, &b.key)));
}

/// What the deployment knows about a day: has it changed since it was last aggregated?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayStatus {
    pub day: Day,
    pub change_version: u64,
    pub aggregated_version: Option<u64>,
    pub aggregated_at: Option<DateTime<Utc>>,
    pub views: Option<u64>,
    pub pages: Option<u64>,
    /// The site's distinct visitors that day, as last aggregated.
    pub visitors: Option<u64>,
    /// Views without a visitor key, as last aggregated.
    pub keyless_views: Option<u64>,
    /// What became of its raw events: deleted, kept in the day's record, expiring.
    pub raw: RawState,
    /// The layouts its raw events are stored in; empty where the store has only one.
    pub layouts: Vec<RawLayout>,
}

/// What became of a day's raw events once counted. A day's *record* is its counts as they were
/// when its raw events were deleted (retention, `prune`, `archive`) or, where a store expires
/// them by itself, before they could expire: later counts of the day add the raw events
/// written since (late events) to the record, so nothing counted is lost or counted twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawState {
    /// The raw events were deleted after they were counted at this version (locally, the
    /// version the deletion made: a deletion is a change of the day's raw events, counted
    /// with it); those written since (a higher change version) are stored.
    pub deleted_version: Option<u64>,
    /// Views among the deleted raw events: the part of the day's views no raw event holds.
    pub deleted_views: u64,
    /// The version whose count the day's record holds; `None`: no record, every count is of
    /// the raw events alone.
    pub record_version: Option<u64>,
    /// Where raw events expire by themselves (DynamoDB's TTL): when the first one not counted
    /// yet expires, while there is one.
    pub uncounted_expiry: Option<DateTime<Utc>>,
    /// Where raw events expire by themselves: when the day's last one expires.
    pub last_expiry: Option<DateTime<Utc>>,
    /// Where raw events expire by themselves: when the first one the day's record does not
    /// hold expires, while there is one (counted or not).
    pub unrecorded_expiry: Option<DateTime<Utc>>,
    /// Where a write marks its day before storing its rows and says when it is done after
    /// (DynamoDB): while a write has not said so, until when it may still land. A count made
    /// before then does not claim the day, which stays pending: a drain stopped mid-write
    /// keeps its day pending for that long, though its messages are stored again by another.
    pub unfinished_writes_until: Option<DateTime<Utc>>,
}

impl DayStatus {
    /// Raw events changed after the last aggregation (or the day was never aggregated).
    pub fn is_pending(&self) -> bool {
        self.aggregated_version
            .is_none_or(|aggregated| self.change_version > aggregated)
    }

    /// A write of the day's raw events has not said it is done and may still land at `now`.
    pub fn write_unfinished(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.raw
            .unfinished_writes_until
            .filter(|until| *until > now)
    }

    /// Raw events were written for the day since any were deleted (some may have expired on a
    /// store with a TTL: [`DayStatus::holds_raw_events`]).
    pub fn has_raw_events(&self) -> bool {
        self.change_version > self.raw.deleted_version.unwrap_or(0)
    }

    /// Raw events of the day are still stored at `now`: written since any were deleted, and
    /// not all past their expiry where they expire.
    pub fn holds_raw_events(&self, now: DateTime<Utc>) -> bool {
        self.has_raw_events() && self.raw.last_expiry.is_none_or(|last| last > now)
    }

    /// Its raw events were deleted once, whatever was written since.
    pub fn raw_deleted(&self) -> bool {
        self.raw.deleted_version.is_some()
    }

    /// Views of the raw events stored, as last counted: the day's views less those of the
    /// deleted ones.
    pub fn raw_views(&self) -> u64 {
        self.views
            .unwrap_or(0)
            .saturating_sub(self.raw.deleted_views)
    }

    /// Counted, not changed since, and the count not yet the day's record.
    pub fn unrecorded(&self) -> Option<u64> {
        let counted = self.aggregated_version.filter(|_| !self.is_pending())?;
        (counted > self.raw.record_version.unwrap_or(0)).then_some(counted)
    }
}
