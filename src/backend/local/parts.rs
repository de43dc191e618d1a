//! A day's parts counted on their own (`aggregate --parts N --part K`) in SQLite: each part's
//! counts kept as JSON at the version it counted, read back with what tells whether they still
//! hold (the day's version, the shards its changes touched: `model::parts`).

use rusqlite::{params, OptionalExtension, Transaction};

use super::now_ms;
use crate::backend::{DayCount, DayParts, StoredPart};
use crate::model::count::Tally;
use crate::model::day::Day;
use crate::model::parts::{part_is_current, DayChanges, Part, SHARDS};

/// Stores `count` as `part`'s, unless the part is stored at a newer version.
pub(super) fn put(
    tx: &Transaction<'_>,
    day: Day,
    part: Part,
    count: &DayCount,
    counts: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO day_parts (day, parts, part, version, counted_at_ms, counts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (day, parts, part) DO UPDATE
         SET version = ?4, counted_at_ms = ?5, counts = ?6 WHERE version <= ?4",
        params![
            day.number(),
            part.parts,
            part.part,
            count.version as i64,
            now_ms(),
            counts
        ],
    )?;
    Ok(())
}

/// The day's parts when counted in `parts`, each with whether it still holds.
pub(super) fn read(tx: &Transaction<'_>, day: Day, parts: u32) -> rusqlite::Result<DayParts> {
    let changes = day_changes(tx, day)?;
    let mut stored: Vec<Option<StoredPart>> = vec![None; parts as usize];
    let mut select = tx.prepare_cached(
        "SELECT part, version, counts FROM day_parts WHERE day = ?1 AND parts = ?2",
    )?;
    let mut rows = select.query(params![day.number(), parts])?;
    while let Some(row) = rows.next()? {
        let number: u32 = row.get(0)?;
        let version = row.get::<_, i64>(1)? as u64;
        let Some(slot) = stored.get_mut(number as usize) else {
            continue;
        };
        let part = Part {
            parts,
            part: number,
        };
        let tally = serde_json::from_str::<Tally>(row.get_ref(2)?.as_str()?);
        if let Err(err) = &tally {
            tracing::warn!(%day, %part, %err, "a part's stored counts cannot be read; it is counted again");
        }
        *slot = Some(StoredPart {
            version,
            current: part_is_current(part, version, &changes),
            tally: tally.ok(),
        });
    }
    Ok(DayParts {
        version: changes.version,
        parts: stored,
    })
}

/// The day's version now and the shards its changes touched.
fn day_changes(tx: &Transaction<'_>, day: Day) -> rusqlite::Result<DayChanges> {
    let (version, marked_from): (i64, Option<i64>) = tx
        .query_row(
            "SELECT change_version, shards_marked_from FROM days WHERE day = ?1",
            [day.number()],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, Some(0)));
    let mut shard_changed = vec![0; SHARDS as usize];
    let mut select =
        tx.prepare_cached("SELECT shard, changed_version FROM day_shards WHERE day = ?1")?;
    let mut rows = select.query([day.number()])?;
    while let Some(row) = rows.next()? {
        let shard: u32 = row.get(0)?;
        if let Some(changed) = shard_changed.get_mut(shard as usize) {
            *changed = row.get::<_, i64>(1)? as u64;
        }
    }
    Ok(DayChanges {
        version: version as u64,
        shards_marked_from: marked_from.map(|from| from as u64),
        shard_changed,
    })
}
