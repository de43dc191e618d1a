//! The storage contracts every backend keeps: the raw-events table and the daily table, shaped
//! after DynamoDB so that the pipeline is written once.

use super::BackendResult;
use crate::model::count::Tally;
pub use crate::model::daily::{
    sort_breakdown, BreakdownRow, DailyRow, DayStatus, RawLayout, RawState,
};
use crate::model::day::{Day, DayRange};
use crate::model::dimension::Dimension;
use crate::model::event::Event;
use crate::model::parts::Part;
use async_trait::async_trait;
use futures::stream::BoxStream;
use std::sync::Arc;
use std::time::Duration;

/// How long a write of events may take before it gives up: the drain keeps the messages it
/// writes hidden until then (their events are not yet stored), and the AWS store counts a day
/// as possibly still being written for as long (plus a margin) after it started a write.
pub const WRITE_BOUND: Duration = Duration::from_secs(120);

/// What a write of events did. Duplicates are known only where the store can tell.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WriteOutcome {
    pub written: u64,
    pub duplicates: Option<u64>,
    /// Write capacity units the store reported consuming (DynamoDB), if it reports any.
    pub capacity_units: Option<f64>,
}

/// The events of one queue message: what a store may keep together. `source` is the message's
/// identity, the same on every delivery and through redrives, so that writing a message again
/// rewrites what it wrote the first time. The events are shared, not copied, with a write
/// that runs on another thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageEvents {
    pub source: String,
    pub events: Arc<Vec<Event>>,
}

impl MessageEvents {
    /// Every event of `messages`, in order.
    #[cfg(any(test, feature = "test-support"))]
    pub fn all(messages: &[MessageEvents]) -> impl Iterator<Item = &Event> {
        messages.iter().flat_map(|message| message.events.iter())
    }

    /// A message of one event, named after it.
    #[cfg(test)]
    pub fn one(event: Event) -> MessageEvents {
        MessageEvents {
            source: format!("m-{}", event.id),
            events: Arc::new(vec![event]),
        }
    }
}

/// One day counted from its raw events (views and visitors per page and hour of the day), with
/// the change version the count reflects.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayCount {
    pub day: Option<Day>,
    pub version: u64,
    pub tally: Tally,
    /// Read capacity units the count consumed (DynamoDB), if the store reports any.
    pub read_capacity_units: Option<f64>,
    /// For a part's count, where the store needs more than the version to tell later whether
    /// it still counts what is stored.
    pub basis: Option<PartBasis>,
}

/// What a store read of a day before counting a part, where the version alone cannot say later
/// whether the part still holds (DynamoDB, whose writes mark their shards with counters:
/// `aws/marks.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PartBasis {
    /// The version of the day's record the part counted on.
    pub record: Option<u64>,
    /// Writes of the day that marked their shards; `None` when one was under way (the count
    /// may have missed its rows), so that the part holds only at the version it counted.
    pub sharded_writes: Option<u64>,
    /// Per shard of the part, in order, the writes that had marked it.
    pub shard_writes: Vec<u64>,
}

impl DayCount {
    pub fn views(&self) -> u64 {
        self.tally.views()
    }
}

/// The raw-events table.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Writes the events of `messages` durably and idempotently (the same event twice counts
    /// once), each day they touch marked changed before their rows are stored, so a later
    /// aggregation sees it whatever happens. Gives up within [`WRITE_BOUND`]. Fails with
    /// [`ErrorKind::Invalid`](super::ErrorKind::Invalid) when the store refuses some of the
    /// data for good; a caller may then write smaller groups of messages to find which.
    async fn put_events(&self, messages: &[MessageEvents]) -> BackendResult<WriteOutcome>;

    /// Counts one day's views and visitors per page and hour, reading that day's events only:
    /// its record (the counts of raw events since deleted, or about to expire) plus the raw
    /// events not in it, so raw events gone never take their views with them and late events
    /// are added to the record once, however often the day is counted.
    async fn count_day(&self, day: Day) -> BackendResult<DayCount>;

    /// Number of raw events stored.
    async fn event_count(&self) -> BackendResult<u64>;

    /// One day's raw events, each once, in a stable order (locally by time, then page, then
    /// id; on DynamoDB shard by shard, each in that order), in chunks of at most `chunk`
    /// events: what `export` and `archive` write. Memory stays within a chunk where the store
    /// reads in order (SQLite), within one shard's events where it cannot (DynamoDB).
    fn day_events(&self, day: Day, chunk: usize) -> BoxStream<'_, BackendResult<Vec<Event>>>;

    /// Deletes the raw events of `day`, keeping its daily rows, but only while they are what
    /// was counted: the day was aggregated at `version` and has not changed since. The day's
    /// counts become its record first (see `count_day`): events written later are added to it.
    /// Returns the events deleted, or `None` (nothing deleted) when the day changed or was
    /// never counted.
    async fn delete_day(&self, day: Day, version: u64) -> BackendResult<Option<u64>>;

    /// Makes the day's counts its record, as `delete_day` does, but leaves the raw events to
    /// expire by themselves: what a store that expires them (DynamoDB's TTL) does before they
    /// may. `false` when the day changed since it was counted at `version`, or was never
    /// counted; then nothing is done. A store whose raw events never expire by themselves has
    /// nothing to do.
    async fn record_day(&self, day: Day, version: u64) -> BackendResult<bool> {
        let _ = (day, version);
        Ok(false)
    }

    /// Counts one part of a day (`model::parts`: the events of a range of visitors, exact on
    /// its own) at the day's version now; the first part adds the day's record. Refused for a
    /// day `read_parts` says is counted whole only, or more parts than the store can make.
    async fn count_part(&self, day: Day, part: Part) -> BackendResult<DayCount>;

    /// Stores a part's count until the parts are added up, in one write, unless a count of the
    /// same part at a newer version is stored: a part counted twice leaves what once did.
    async fn put_part(&self, day: Day, part: Part, count: &DayCount) -> BackendResult<()>;

    /// The parts of the day counted in `parts`, as stored, and which still count what is
    /// stored (none of their shards changed since); without their counts, which a store may
    /// keep apart (a busy site's are megabytes a part).
    async fn read_parts(&self, day: Day, parts: u32) -> BackendResult<DayParts>;

    /// The stored counts of the day's parts, by number: `None` for a part with none stored,
    /// or with counts this pageviews cannot read (a newer one's shape; warned, counted again).
    async fn read_part_counts(&self, day: Day, parts: u32) -> BackendResult<Vec<Option<Tally>>>;
}

/// A day's parts as stored: its change version now and, per part (by number), its count if one
/// is stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayParts {
    pub version: u64,
    pub parts: Vec<Option<StoredPart>>,
    /// Why the day can only be counted whole, in one run (its raw events are not placed so
    /// that a part is exact on its own); `None` when it can be counted in parts.
    pub whole_only: Option<&'static str>,
}

/// A part's stored count: what tells whether it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPart {
    /// The day's change version it counted.
    pub version: u64,
    /// No shard of the part changed since it was counted.
    pub current: bool,
}

/// What `put_day` did with a count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DayWrite {
    /// The day's rows now hold this count.
    Stored,
    /// A concurrent aggregation had already stored a count of newer events; it was kept.
    KeptNewer,
    /// The stored count is larger: raw events expired (DynamoDB's TTL) before the day's counts
    /// became its record, so the stored rows stay the record of that day.
    KeptLarger,
    /// Not written: another run had stored a count of the same events (the day's parts added
    /// up by the run of another part that finished at the same time).
    AlreadyStored,
}

/// The daily table.
#[async_trait]
pub trait DailyStore: Send + Sync {
    /// Replaces the day's rows with `count`, unless a count of a newer version, or a larger
    /// count (made before raw events expired uncounted in a record), is already stored.
    async fn put_day(&self, day: Day, count: &DayCount) -> BackendResult<DayWrite>;

    /// As `put_day`, but a count of the same version stored while the day has not changed
    /// since (so of the same events) is left in place: `AlreadyStored`. What a day added up
    /// from its parts writes, since the runs of the last parts may finish together, and a
    /// large site's rows are many writes. A store with a lease checks under it.
    async fn put_day_once(&self, day: Day, count: &DayCount) -> BackendResult<DayWrite> {
        let statuses = self.day_statuses(Some(DayRange::single(day))).await?;
        let stored = statuses.iter().any(|status| {
            status.day == day
                && status.aggregated_version == Some(count.version)
                && status.change_version == count.version
        });
        match stored {
            true => Ok(DayWrite::AlreadyStored),
            false => self.put_day(day, count).await,
        }
    }

    /// Daily rows in `range`, for one page or all, ordered by day then views (highest first).
    async fn read_rows(&self, range: DayRange, page: Option<&str>) -> BackendResult<Vec<DailyRow>>;

    /// The breakdown rows in `range`, of one dimension or all, ordered by day then views
    /// (highest first).
    async fn read_breakdown(
        &self,
        range: DayRange,
        dimension: Option<Dimension>,
    ) -> BackendResult<Vec<BreakdownRow>>;

    /// Daily rows in `range` of `pages` only (in their canonical spelling), ordered as
    /// `read_rows` orders them: a dashboard's shown pages, without holding every page's rows
    /// of a long range at once (a day at a time here; one query where the store can).
    async fn read_pages(&self, range: DayRange, pages: &[String]) -> BackendResult<Vec<DailyRow>> {
        let mut rows = Vec::new();
        for day in range.days() {
            let mut day_rows = self.read_rows(DayRange::single(day), None).await?;
            day_rows.retain(|row| pages.contains(&row.page));
            rows.append(&mut day_rows);
        }
        Ok(rows)
    }

    /// The breakdown rows in `range` of the dimensions reports show ([`Dimension::reported`]),
    /// ordered as `read_breakdown` orders them: without the goals that only experiments read,
    /// which a site of many pages has a hundred times more of than all the rest.
    async fn read_reported_breakdown(&self, range: DayRange) -> BackendResult<Vec<BreakdownRow>> {
        let mut rows = self.read_breakdown(range, None).await?;
        rows.retain(|row| row.dimension.spec().section.is_some());
        Ok(rows)
    }

    /// Every day that has events or has been aggregated, in `range` or in all.
    async fn day_statuses(&self, range: Option<DayRange>) -> BackendResult<Vec<DayStatus>>;
}
