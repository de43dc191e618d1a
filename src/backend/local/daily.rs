//! The local daily table: a day's rows and breakdowns, its status, and what reports read.

use async_trait::async_trait;
use chrono::DateTime;
use rusqlite::{params, OptionalExtension};
use std::sync::LazyLock;

use super::{now_ms, LocalBackend};
use crate::backend::{
    BackendResult, BreakdownRow, DailyRow, DailyStore, DayCount, DayStatus, DayWrite, RawState,
};
use crate::model::count::merge_spellings;
use crate::model::day::{Day, DayRange};
use crate::model::dimension::Dimension;
use crate::model::engagement::{PageEngagement, ENGAGEMENT_COLUMNS};
use crate::model::event::page::canonical_or_stored;

/// Stores a page's daily row: day, page, views, visitors, hours, keyless, then its engagement
/// (`ENGAGEMENT_COLUMNS`).
static INSERT_DAILY: LazyLock<String> = LazyLock::new(|| {
    let places: Vec<String> = (1..=6 + ENGAGEMENT_COLUMNS.len())
        .map(|at| format!("?{at}"))
        .collect();
    format!(
        "INSERT INTO daily (day, page, views, visitors, hours, keyless, {}) VALUES ({})",
        ENGAGEMENT_COLUMNS.join(", "),
        places.join(", ")
    )
});

/// A page's engagement as its columns' values: all NULL when not known.
fn engagement_values(engagement: Option<PageEngagement>) -> Vec<Option<i64>> {
    match engagement {
        Some(engagement) => engagement
            .values()
            .iter()
            .map(|value| Some(*value as i64))
            .collect(),
        None => vec![None; ENGAGEMENT_COLUMNS.len()],
    }
}

/// A page's engagement from its columns, from `first` on: not known when they are NULL.
pub(super) fn engagement_of(
    row: &rusqlite::Row<'_>,
    first: usize,
) -> rusqlite::Result<Option<PageEngagement>> {
    let mut values = [0u64; ENGAGEMENT_COLUMNS.len()];
    for (at, value) in values.iter_mut().enumerate() {
        match row.get::<_, Option<i64>>(first + at)? {
            Some(number) => *value = number as u64,
            None => return Ok(None),
        }
    }
    Ok(Some(PageEngagement::from_values(values)))
}

fn encode_hours(hours: &[u64]) -> String {
    serde_json::to_string(hours).expect("an array of numbers serialises")
}

/// The condition of the dimensions reports show, as SQL (their names are the project's own;
/// `?3`, always NULL here, keeps one statement's parameters for both readings).
static REPORTED_DIMENSIONS: LazyLock<String> = LazyLock::new(|| {
    let names: Vec<String> = Dimension::reported()
        .map(|dimension| format!("'{}'", dimension.name()))
        .collect();
    format!("?3 IS NULL AND dimension IN ({})", names.join(", "))
});

impl LocalBackend {
    /// Daily rows of `range` whose page meets `condition` (`?3` is `parameter`), and every
    /// row of a page holding what normalising acts on ('%', '#', '?', a dot segment): only
    /// those can be another spelling of a page asked for (`event::page`), matched once
    /// normalised, by `merge_spellings`. Unordered.
    async fn page_rows(
        &self,
        range: DayRange,
        condition: &str,
        parameter: Option<String>,
    ) -> BackendResult<Vec<DailyRow>> {
        let sql = format!(
            "SELECT day, page, views, hours, visitors, keyless, {} FROM daily
             WHERE day BETWEEN ?1 AND ?2 AND ({condition}
               OR instr(page, '%') OR instr(page, '#') OR instr(page, '?')
               OR instr(page, '/.'))",
            ENGAGEMENT_COLUMNS.join(", ")
        );
        self.read(move |tx| {
            let mut select = tx.prepare_cached(&sql)?;
            let rows = select.query_map(
                params![range.from.number(), range.to.number(), parameter],
                |row| {
                    let day: i64 = row.get(0)?;
                    Ok(DailyRow {
                        day: Day::from_number(day).unwrap_or(range.from),
                        page: row.get(1)?,
                        views: row.get::<_, i64>(2)? as u64,
                        visitors: row.get::<_, i64>(4)? as u64,
                        hours: decode_hours(row.get_ref(3)?.as_str()?),
                        keyless: row.get::<_, Option<i64>>(5)?.map(|n| n as u64),
                        engagement: engagement_of(row, 6)?,
                    })
                },
            )?;
            rows.collect()
        })
        .await
    }

    /// Breakdown rows of `range` where `condition` holds (`?3` is `parameter`), ordered by day,
    /// then views (highest first), then key.
    async fn breakdown_rows(
        &self,
        range: DayRange,
        condition: &str,
        parameter: Option<&'static str>,
    ) -> BackendResult<Vec<BreakdownRow>> {
        let sql = format!(
            "SELECT day, dimension, key, views, visitors FROM breakdowns
             WHERE day BETWEEN ?1 AND ?2 AND ({condition}) ORDER BY day, views DESC, key"
        );
        let rows = self
            .read(move |tx| {
                let mut select = tx.prepare_cached(&sql)?;
                let rows = select.query_map(
                    params![range.from.number(), range.to.number(), parameter],
                    |row| {
                        let dimension: String = row.get(1)?;
                        let Some(dimension) = Dimension::from_name(&dimension) else {
                            return Ok(None);
                        };
                        Ok(Some(BreakdownRow {
                            day: Day::from_number(row.get(0)?).unwrap_or(range.from),
                            dimension,
                            key: row.get(2)?,
                            views: row.get::<_, i64>(3)? as u64,
                            visitors: row.get::<_, i64>(4)? as u64,
                        }))
                    },
                )?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        // A dimension this pageviews does not know (written by a newer one) is skipped.
        Ok(rows.into_iter().flatten().collect())
    }
}

pub(super) fn decode_hours(text: &str) -> Vec<u64> {
    serde_json::from_str(text).unwrap_or_else(|_| vec![0; 24])
}

#[async_trait]
impl DailyStore for LocalBackend {
    async fn put_day(&self, day: Day, count: &DayCount) -> BackendResult<DayWrite> {
        let count = count.clone();
        self.write(move |tx| {
            let stored: Option<i64> = tx
                .query_row(
                    "SELECT aggregated_version FROM days WHERE day = ?1",
                    [day.number()],
                    |row| row.get(0),
                )
                .optional()?
                .flatten();
            if stored.is_some_and(|stored| stored as u64 > count.version) {
                // A concurrent aggregation already stored a newer count: keep it. (Raw events
                // are deleted only with their counts made the day's record, so a count is
                // never smaller for want of them.)
                return Ok(DayWrite::KeptNewer);
            }
            tx.execute("DELETE FROM daily WHERE day = ?1", [day.number()])?;
            let mut insert = tx.prepare_cached(&INSERT_DAILY)?;
            for (page, tally) in &count.tally.pages {
                let fixed = params![
                    day.number(),
                    page,
                    tally.views() as i64,
                    tally.visitors as i64,
                    encode_hours(&tally.hours),
                    tally.keyless.map(|keyless| keyless as i64)
                ];
                let engagement = engagement_values(tally.engagement);
                let values = fixed
                    .iter()
                    .copied()
                    .chain(engagement.iter().map(|value| value as &dyn rusqlite::ToSql));
                insert.execute(rusqlite::params_from_iter(values))?;
            }
            tx.execute("DELETE FROM breakdowns WHERE day = ?1", [day.number()])?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO breakdowns (day, dimension, key, views, visitors)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for ((dimension, key), row) in &count.tally.breakdowns {
                insert.execute(params![
                    day.number(),
                    dimension.name(),
                    key,
                    row.views as i64,
                    row.visitors as i64
                ])?;
            }
            tx.execute(
                "INSERT INTO days
                 (day, aggregated_version, aggregated_at_ms, views, pages, visitors, keyless)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (day) DO UPDATE SET aggregated_version = ?2,
                 aggregated_at_ms = ?3, views = ?4, pages = ?5, visitors = ?6, keyless = ?7",
                params![
                    day.number(),
                    count.version as i64,
                    now_ms(),
                    count.views() as i64,
                    count.tally.pages.len() as i64,
                    count.tally.visitors as i64,
                    count.tally.keyless_views as i64
                ],
            )?;
            Ok(DayWrite::Stored)
        })
        .await
    }

    async fn read_rows(&self, range: DayRange, page: Option<&str>) -> BackendResult<Vec<DailyRow>> {
        let page = page.map(|page| canonical_or_stored(page.to_owned()));
        let rows = self
            .page_rows(range, "?3 IS NULL OR page = ?3", page.clone())
            .await?;
        Ok(merge_spellings(rows, page.as_deref()))
    }

    async fn read_pages(&self, range: DayRange, pages: &[String]) -> BackendResult<Vec<DailyRow>> {
        let wanted = serde_json::to_string(pages).expect("strings serialise");
        let condition = "page IN (SELECT value FROM json_each(?3))";
        let mut rows = merge_spellings(self.page_rows(range, condition, Some(wanted)).await?, None);
        rows.retain(|row| pages.contains(&row.page));
        Ok(rows)
    }

    async fn read_breakdown(
        &self,
        range: DayRange,
        dimension: Option<Dimension>,
    ) -> BackendResult<Vec<BreakdownRow>> {
        let wanted = dimension.map(Dimension::name);
        self.breakdown_rows(range, "?3 IS NULL OR dimension = ?3", wanted)
            .await
    }

    async fn read_reported_breakdown(&self, range: DayRange) -> BackendResult<Vec<BreakdownRow>> {
        self.breakdown_rows(range, &REPORTED_DIMENSIONS, None).await
    }

    async fn day_statuses(&self, range: Option<DayRange>) -> BackendResult<Vec<DayStatus>> {
        let (from, to) = range.map_or((i64::MIN, i64::MAX), |range| {
            (range.from.number(), range.to.number())
        });
        self.read(move |tx| {
            let mut select = tx.prepare_cached(
                "SELECT day, change_version, aggregated_version, aggregated_at_ms, views, pages,
                 visitors, keyless, deleted_version, record_version, record_views
                 FROM days WHERE day BETWEEN ?1 AND ?2 ORDER BY day",
            )?;
            let rows = select.query_map(params![from, to], |row| {
                let day: i64 = row.get(0)?;
                Ok(DayStatus {
                    day: Day::from_number(day).unwrap_or(Day::EPOCH),
                    change_version: row.get::<_, i64>(1)? as u64,
                    aggregated_version: row.get::<_, Option<i64>>(2)?.map(|v| v as u64),
                    aggregated_at: row
                        .get::<_, Option<i64>>(3)?
                        .and_then(DateTime::from_timestamp_millis),
                    views: row.get::<_, Option<i64>>(4)?.map(|v| v as u64),
                    pages: row.get::<_, Option<i64>>(5)?.map(|v| v as u64),
                    visitors: row.get::<_, Option<i64>>(6)?.map(|v| v as u64),
                    keyless_views: row.get::<_, Option<i64>>(7)?.map(|v| v as u64),
                    // Records are made only when raw events are deleted: what the record
                    // holds is what was deleted.
                    raw: RawState {
                        deleted_version: row.get::<_, Option<i64>>(8)?.map(|v| v as u64),
                        deleted_views: row.get::<_, Option<i64>>(10)?.unwrap_or(0) as u64,
                        record_version: row.get::<_, Option<i64>>(9)?.map(|v| v as u64),
                        ..RawState::default()
                    },
                    layouts: Vec::new(),
                })
            })?;
            rows.collect()
        })
        .await
    }
}
