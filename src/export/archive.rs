//! Archiving: the raw events of every counted day before a given day are exported, checked on
//! the destination (the manifest read back, the file's size, the views against the day's
//! count), and only then deleted from the store. The daily rows stay, so reports do not change.

use anyhow::Context as _;
use indicatif::ProgressBar;
use serde::Serialize;

use super::destination::Destination;
use super::layout::{file_name, later_events_file_name, Format, What};
use super::{export_file, verify};
use crate::backend::{Backend, DayStatus};
use crate::model::day::Day;
use crate::pipeline::retention::read_plan;

/// One day archived and deleted.
#[derive(Debug, Clone, Serialize)]
pub struct ArchivedDay {
    pub day: Day,
    /// The file in the day's folder: `events.ndjson.gz`, or for late events archived after the
    /// first ones `events.v<version>.ndjson.gz` beside it.
    pub file: String,
    pub rows: u64,
    pub views: u64,
    pub bytes: u64,
    pub deleted: u64,
}

/// Why a day before the cut keeps its raw events.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "reason")]
pub enum Kept {
    /// Not counted since its last events: `aggregate` first.
    NotCounted { day: Day },
    /// The file holds other views than the day's count (raw events expired or missing).
    Mismatch {
        day: Day,
        archived_views: u64,
        counted_views: u64,
    },
    /// Events arrived while it was archived; the next archive takes them.
    Changed { day: Day },
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Archived {
    pub days: Vec<ArchivedDay>,
    pub kept: Vec<Kept>,
}

/// Archives the raw events of the counted days before `before` to `dest` in `format`.
pub async fn archive(
    backend: &Backend,
    dest: &dyn Destination,
    before: Day,
    format: Format,
    progress: &ProgressBar,
) -> anyhow::Result<Archived> {
    let (statuses, planned) = read_plan(backend, before)
        .await
        .context("cannot read the days' statuses")?;
    let mut archived = Archived::default();
    archived
        .kept
        .extend(planned.pending.iter().map(|&day| Kept::NotCounted { day }));
    for &(day, version) in &planned.days {
        let Some(status) = statuses.iter().find(|status| status.day == day) else {
            continue;
        };
        if let Some(outcome) = archive_day(backend, dest, status, version, format, progress)
            .await
            .with_context(|| format!("archiving {day} stopped; its raw events are kept"))?
        {
            match outcome {
                Ok(done) => archived.days.push(done),
                Err(kept) => archived.kept.push(kept),
            }
        }
    }
    Ok(archived)
}

/// One day: exported, verified, deleted. `None` when the store had no events for it. The raw
/// events of a day deleted before (late events) go into a file of their own, and must hold
/// the views the day gained since.
async fn archive_day(
    backend: &Backend,
    dest: &dyn Destination,
    status: &DayStatus,
    version: u64,
    format: Format,
    progress: &ProgressBar,
) -> anyhow::Result<Option<Result<ArchivedDay, Kept>>> {
    let day = status.day;
    let name = match status.raw_deleted() {
        true => later_events_file_name(format, version),
        false => file_name(What::Events, format),
    };
    let what = (What::Events, format);
    let Some(entry) = export_file(backend, dest, day, what, &name, progress).await? else {
        return Ok(None);
    };
    verify(dest, day, &name, &entry).await?;
    let counted_views = status.raw_views();
    if entry.views != counted_views {
        return Ok(Some(Err(Kept::Mismatch {
            day,
            archived_views: entry.views,
            counted_views,
        })));
    }
    let deleted = backend
        .events
        .delete_day(day, version)
        .await
        .context("the archive is written and verified, but deleting the raw events failed")?;
    Ok(Some(match deleted {
        Some(deleted) => Ok(ArchivedDay {
            day,
            file: name,
            rows: entry.rows,
            views: entry.views,
            bytes: entry.bytes,
            deleted,
        }),
        None => Err(Kept::Changed { day }),
    }))
}
