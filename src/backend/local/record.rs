//! A day's record in SQLite: its daily and breakdown rows copied aside, with its site-wide
//! numbers, in the transaction that deletes its raw events; read back by every later count of
//! the day, which adds the raw events stored since (late events) to it.

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::daily::{decode_hours, engagement_of};
use crate::backend::{BreakdownRow, DailyRow};
use crate::model::count::record_tally;
use crate::model::count::Tally;
use crate::model::day::Day;
use crate::model::dimension::Dimension;
use crate::model::engagement::ENGAGEMENT_COLUMNS;

/// Makes the day's rows and numbers, as counted at `version`, its record: what its raw events,
/// deleted in the same transaction, counted to.
pub(super) fn keep(tx: &Transaction<'_>, day: Day, version: u64) -> rusqlite::Result<()> {
    let day = day.number();
    tx.execute("DELETE FROM record_daily WHERE day = ?1", [day])?;
    let engagement = ENGAGEMENT_COLUMNS.join(", ");
    tx.execute(
        &format!(
            "INSERT INTO record_daily (day, page, views, hours, visitors, keyless, {engagement})
             SELECT day, page, views, hours, visitors, keyless, {engagement} FROM daily
             WHERE day = ?1"
        ),
        [day],
    )?;
    tx.execute("DELETE FROM record_breakdowns WHERE day = ?1", [day])?;
    tx.execute(
        "INSERT INTO record_breakdowns (day, dimension, key, views, visitors)
         SELECT day, dimension, key, views, visitors FROM breakdowns WHERE day = ?1",
        [day],
    )?;
    tx.execute(
        "UPDATE days SET record_version = ?2, record_views = views,
         record_visitors = visitors, record_keyless = keyless WHERE day = ?1",
        params![day, version as i64],
    )?;
    Ok(())
}

/// The day's record as a count, if it has one.
pub(super) fn read(tx: &Connection, day: Day) -> rusqlite::Result<Option<Tally>> {
    let numbers: Option<(i64, i64)> = tx
        .query_row(
            "SELECT coalesce(record_visitors, 0), coalesce(record_keyless, 0) FROM days
             WHERE day = ?1 AND record_version IS NOT NULL",
            [day.number()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let Some((visitors, keyless)) = numbers else {
        return Ok(None);
    };
    let mut select = tx.prepare_cached(&format!(
        "SELECT page, views, hours, visitors, keyless, {} FROM record_daily WHERE day = ?1",
        ENGAGEMENT_COLUMNS.join(", ")
    ))?;
    let rows = select
        .query_map([day.number()], |row| {
            Ok(DailyRow {
                day,
                page: row.get(0)?,
                views: row.get::<_, i64>(1)? as u64,
                hours: decode_hours(row.get_ref(2)?.as_str()?),
                visitors: row.get::<_, i64>(3)? as u64,
                keyless: row.get::<_, Option<i64>>(4)?.map(|n| n as u64),
                engagement: engagement_of(row, 5)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut select = tx.prepare_cached(
        "SELECT dimension, key, views, visitors FROM record_breakdowns WHERE day = ?1",
    )?;
    let breakdowns = select
        .query_map([day.number()], |row| {
            let dimension: String = row.get(0)?;
            let Some(dimension) = Dimension::from_name(&dimension) else {
                return Ok(None);
            };
            Ok(Some(BreakdownRow {
                day,
                dimension,
                key: row.get(1)?,
                views: row.get::<_, i64>(2)? as u64,
                visitors: row.get::<_, i64>(3)? as u64,
            }))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    // A dimension this pageviews does not know (written by a newer one) is left out, as in
    // reports.
    let breakdowns: Vec<BreakdownRow> = breakdowns.into_iter().flatten().collect();
    Ok(Some(record_tally(
        &rows,
        &breakdowns,
        visitors as u64,
        keyless as u64,
    )))
}
