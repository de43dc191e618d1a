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
    let mut select =
        tx.prepare_cached("SELECT part, version FROM day_parts WHERE day = ?1 AND parts = ?2")?;
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
        *slot = Some(StoredPart {
            version,
            current: part_is_current(part, version, &changes),
        });
    }
    Ok(DayParts {
        version: changes.version,
        parts: stored,
        whole_only: None,
    })
}

/// The day's parts' stored counts, by number.
pub(super) fn read_counts(
    tx: &Transaction<'_>,
    day: Day,
    parts: u32,
) -> rusqlite::Result<Vec<Option<Tally>>> {
    let mut counts: Vec<Option<Tally>> = vec![None; parts as usize];
    let mut select =
        tx.prepare_cached("SELECT part, counts FROM day_parts WHERE day = ?1 AND parts = ?2")?;
    let mut rows = select.query(params![day.number(), parts])?;
    while let Some(row) = rows.next()? {
        let number: u32 = row.get(0)?;
        let Some(slot) = counts.get_mut(number as usize) else {
            continue;
        };
        let tally = serde_json::from_str::<Tally>(row.get_ref(1)?.as_str()?);
        if let Err(err) = &tally {
            let part = Part {
                parts,
                part: number,
            };
            let what = "a part's stored counts cannot be read; it is counted again";
            tracing::warn!(%day, %part, %err, "{what}");
        }
        *slot = tally.ok();
    }
    Ok(counts)
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

#[cfg(test)]
mod tests {
    use crate::backend::local::{connect_existing, database_path, test_backend};
    use crate::backend::{DayParts, MessageEvents};
    use crate::model::fixtures::{day, visitor_view};
    use crate::model::parts::Part;

    fn view(id: &str, at: &str, visitor: &str) -> MessageEvents {
        MessageEvents::one(visitor_view(id, at, visitor))
    }

    /// Whether each stored part is current (every part of `stored` is there).
    fn currents(stored: &DayParts) -> Vec<bool> {
        let stored = stored.parts.iter().map(|part| part.as_ref().unwrap());
        stored.map(|part| part.current).collect()
    }

    #[tokio::test]
    async fn a_day_stored_before_shards_were_marked_marks_them_from_its_next_change() {
        let dir = tempfile::tempdir().unwrap();
        let backend = test_backend(dir.path());
        let on = day("2021-03-13");
        let first = view("v1", "2021-03-13T10:00:00Z", "0000000000000001");
        backend.events.put_events(&[first]).await.unwrap();
        // As a database made before shards were marked leaves its days.
        let conn = connect_existing(&database_path(dir.path(), "t")).unwrap();
        conn.execute_batch("UPDATE days SET shards_marked_from = NULL; DELETE FROM day_shards")
            .unwrap();
        let halves = [Part::new(2, 0).unwrap(), Part::new(2, 1).unwrap()];
        for part in halves {
            let count = backend.events.count_part(on, part).await.unwrap();
            assert_eq!(count.version, 1);
            backend.events.put_part(on, part, &count).await.unwrap();
        }
        let stored = backend.events.read_parts(on, 2).await.unwrap();
        assert_eq!(currents(&stored), [true, true]);
        // A late view of the second half's visitors: the first half still holds.
        let late = view("v2", "2021-03-13T11:00:00Z", "f000000000000001");
        backend.events.put_events(&[late]).await.unwrap();
        let stored = backend.events.read_parts(on, 2).await.unwrap();
        assert_eq!(stored.version, 2);
        assert_eq!(currents(&stored), [true, false]);
        // Counted again, the second half holds the late view; the first is still of version 1.
        let count = backend.events.count_part(on, halves[1]).await.unwrap();
        assert_eq!((count.version, count.views()), (2, 1));
        backend
            .events
            .put_part(on, halves[1], &count)
            .await
            .unwrap();
        let stored = backend.events.read_parts(on, 2).await.unwrap();
        let versions: Vec<u64> = stored
            .parts
            .iter()
            .map(|p| p.as_ref().unwrap().version)
            .collect();
        assert_eq!(versions, [1, 2]);
        assert_eq!(currents(&stored), [true, true]);
        // An older count of a part never replaces a newer one.
        let mut older = count.clone();
        older.version = 1;
        older.tally = Default::default();
        backend
            .events
            .put_part(on, halves[1], &older)
            .await
            .unwrap();
        let stored = backend.events.read_parts(on, 2).await.unwrap();
        let counts = backend.events.read_part_counts(on, 2).await.unwrap();
        let second = stored.parts[1].as_ref().unwrap();
        assert_eq!(
            (second.version, counts[1].as_ref().unwrap().views()),
            (2, 1)
        );
    }

    #[tokio::test]
    async fn a_part_counted_before_its_days_raw_events_were_deleted_is_stale() {
        let dir = tempfile::tempdir().unwrap();
        let backend = test_backend(dir.path());
        let on = day("2021-03-13");
        let first = view("v1", "2021-03-13T10:00:00Z", "0000000000000001");
        backend.events.put_events(&[first]).await.unwrap();
        let part = Part::new(2, 1).unwrap();
        // Counted before the deletion, stored after it (a slow part, a prune between).
        let early = backend.events.count_part(on, part).await.unwrap();
        let whole = backend.events.count_day(on).await.unwrap();
        backend.daily.put_day(on, &whole).await.unwrap();
        assert_eq!(backend.events.delete_day(on, 1).await.unwrap(), Some(1));
        backend.events.put_part(on, part, &early).await.unwrap();
        let stored = backend.events.read_parts(on, 2).await.unwrap();
        assert!(stored.parts[0].is_none());
        assert!(!stored.parts[1].as_ref().unwrap().current);
        let statuses = backend.daily.day_statuses(None).await.unwrap();
        assert!(!statuses[0].is_pending(), "the day stays counted");
        assert!(!statuses[0].has_raw_events());
        assert_eq!(statuses[0].unrecorded(), None, "its count is its record");
        // Counted after it, both parts hold; the first holds the record.
        for part in [Part::new(2, 0).unwrap(), part] {
            let count = backend.events.count_part(on, part).await.unwrap();
            backend.events.put_part(on, part, &count).await.unwrap();
        }
        let stored = backend.events.read_parts(on, 2).await.unwrap();
        assert_eq!(currents(&stored), [true, true]);
        let counts = backend.events.read_part_counts(on, 2).await.unwrap();
        let views: Vec<u64> = counts
            .iter()
            .map(|counts| counts.as_ref().unwrap().views())
            .collect();
        assert_eq!(views, [1, 0], "the record in the first part");
    }
}
