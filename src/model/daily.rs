//! The rows a counted day becomes, as every layer sees them: a page's daily row, a breakdown's
//! row, and what is known about a day (counted, changed since, raw events kept or deleted).

use chrono::{DateTime, Utc};

use super::day::Day;
use super::dimension::Dimension;

/// One row of the daily table: a page's views and distinct visitors on a day, and its views
/// per hour of the day (24 slots, or 23 or 25 on the days clocks change).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DailyRow {
    pub day: Day,
    pub page: String,
    pub views: u64,
    pub visitors: u64,
    pub hours: Vec<u64>,
}

/// How a day's raw events are stored, where a store has had more than one way (DynamoDB: one
/// item per event before, packed items now; both are read).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawLayout {
    /// One item per event.
    PerEvent,
    /// Many events per item.
    Packed,
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
    /// Its raw events were deleted after they were counted (retention, `prune`, `archive`):
    /// its daily rows are the record of the day.
    pub raw_deleted: bool,
    /// The layouts its raw events are stored in; empty where the store has only one.
    pub layouts: Vec<RawLayout>,
}

impl DayStatus {
    /// Raw events changed after the last aggregation (or the day was never aggregated).
    pub fn is_pending(&self) -> bool {
        self.aggregated_version
            .is_none_or(|aggregated| self.change_version > aggregated)
    }

    /// Raw events are stored for the day (some may have expired on a store with a TTL).
    pub fn has_raw_events(&self) -> bool {
        self.change_version > 0 && (!self.raw_deleted || self.is_pending())
    }
}
