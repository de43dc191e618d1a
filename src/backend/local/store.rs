//! The local raw-events table (the daily table is daily.rs's).

use async_trait::async_trait;
use chrono::DateTime;
use futures::stream::{self, BoxStream, StreamExt};
use rusqlite::params;
use std::ops::Range;
use std::sync::{Arc, LazyLock};

use super::{counting, parts, record, LocalBackend};
use crate::backend::{
    BackendError, BackendResult, DayCount, DayParts, EventStore, MessageEvents, WriteOutcome,
};
use crate::model::day::Day;
use crate::model::event::{Event, Field, FieldValue, Fields, Kind, FIELD_COUNT};
use crate::model::parts::{shard_of, Part, SHARDS};
use crate::model::zone::Zone;

#[async_trait]
impl EventStore for LocalBackend {
    async fn put_events(&self, messages: &[MessageEvents]) -> BackendResult<WriteOutcome> {
        // Shared with the thread that writes, not copied.
        let shared: Vec<Arc<Vec<Event>>> = messages.iter().map(|m| m.events.clone()).collect();
        let zone = self.zone;
        self.write(move |tx| {
            // Inserting in key order keeps the B-tree writes local.
            let mut sorted: Vec<(i64, &str, &Event)> = shared
                .iter()
                .flat_map(|events| events.iter())
                .map(|event| (event.time_ms(), event.page.as_str(), event))
                .collect();
            sorted.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
            let mut insert = tx.prepare_cached(&INSERT_EVENT)?;
            let mut days = DayOfTime::new(zone);
            let mut written_per_day: Vec<DayWritten> = Vec::new();
            // A statement keeps its parameters between rows: a column is bound again only when
            // it differs from the row before's (the day, the kind and most fields seldom do).
            // Binding every column of every row was a tenth of a drain's time. The first row
            // binds every one.
            let mut before: Option<Bound<'_>> = None;
            for &(time_ms, _, event) in &sorted {
                let day = days.of(time_ms, event);
                insert.raw_bind_parameter(2, time_ms)?;
                insert.raw_bind_parameter(3, &event.page)?;
                insert.raw_bind_parameter(4, &event.id)?;
                insert.raw_bind_parameter(5, &event.visitor)?;
                before = Some(bind_unlike(&mut insert, before, day, event)?);
                let inserted = insert.raw_execute()? as u64;
                if written_per_day.last().is_none_or(|last| last.day != day) {
                    written_per_day.push(DayWritten::new(day));
                }
                let last = written_per_day.last_mut().expect("pushed above");
                if inserted > 0 {
                    last.events += inserted;
                    last.shards |= 1 << shard_of(event.visitor.as_deref());
                }
            }
            let written = mark_days(tx, &written_per_day)?;
            Ok(WriteOutcome {
                written,
                duplicates: Some(sorted.len() as u64 - written),
                capacity_units: None,
            })
        })
        .await
    }

    async fn count_day(&self, day: Day) -> BackendResult<DayCount> {
        let (db, zone, parts) = (self.db.clone(), self.zone, self.count_parts);
        super::off_the_runtime(move || counting::count_day(&db, zone, day, parts)).await
    }

    async fn count_part(&self, day: Day, part: Part) -> BackendResult<DayCount> {
        let (db, zone) = (self.db.clone(), self.zone);
        super::off_the_runtime(move || counting::count_one_part(&db, zone, day, part)).await
    }

    async fn put_part(&self, day: Day, part: Part, count: &DayCount) -> BackendResult<()> {
        let counts = serde_json::to_string(&count.tally)
            .map_err(|err| BackendError::permanent(format!("cannot encode {part}: {err}")))?;
        let count = count.clone();
        self.write(move |tx| parts::put(tx, day, part, &count, &counts))
            .await
    }

    async fn read_parts(&self, day: Day, parts: u32) -> BackendResult<DayParts> {
        self.read(move |tx| parts::read(tx, day, parts)).await
    }

    async fn read_part_counts(
        &self,
        day: Day,
        parts: u32,
    ) -> BackendResult<Vec<Option<crate::model::count::Tally>>> {
        self.read(move |tx| parts::read_counts(tx, day, parts))
            .await
    }

    async fn event_count(&self) -> BackendResult<u64> {
        self.read(|tx| {
            tx.query_row("SELECT coalesce(sum(events), 0) FROM days", [], |row| {
                row.get::<_, i64>(0)
            })
        })
        .await
        .map(|count| count as u64)
    }

    fn day_events(&self, day: Day, chunk: usize) -> BoxStream<'_, BackendResult<Vec<Event>>> {
        // Key order is (time, page, id): each chunk starts after the last key of the one
        // before, a range read of the primary key, so a day of any size is read a chunk at a
        // time.
        let start: Option<EventKey> = None;
        stream::try_unfold(Some(start), move |after| async move {
            let Some(after) = after else {
                return Ok(None);
            };
            let events = self
                .read(move |tx| read_events_after(tx, day, after.as_ref(), chunk))
                .await?;
            if events.is_empty() {
                return Ok(None);
            }
            let next = (events.len() == chunk).then(|| events.last().map(EventKey::of));
            Ok(Some((events, next)))
        })
        .boxed()
    }

    async fn delete_day(&self, day: Day, version: u64) -> BackendResult<Option<u64>> {
        self.write(move |tx| {
            let counted: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM days WHERE day = ?1 AND change_version = ?2
                 AND aggregated_version = ?2)",
                params![day.number(), version as i64],
                |row| row.get(0),
            )?;
            if !counted {
                return Ok(None);
            }
            // One transaction: the counts become the record exactly when the events go.
            record::keep(tx, day, version)?;
            let deleted = tx.execute("DELETE FROM events WHERE day = ?1", [day.number()])?;
            // Parts counted before hold events the record holds now: every part is counted
            // again (the first adds the record to the events stored since). The deletion is a
            // change of the day's raw events, marked by no shard: a part whose count began
            // before it and is stored after it is stale too. The day stays counted, its rows
            // its record, all at the version after the deletion.
            tx.execute("DELETE FROM day_parts WHERE day = ?1", [day.number()])?;
            tx.execute(
                "UPDATE days SET events = 0, change_version = ?2, aggregated_version = ?2,
                 deleted_version = ?2, record_version = ?2, shards_marked_from = ?2
                 WHERE day = ?1",
                params![day.number(), version as i64 + 1],
            )?;
            Ok(Some(deleted as u64))
        })
        .await
    }
}

/// The events a write stored on one day, and the shards of visitor keys (`model::parts`) they
/// fall in, one bit each.
struct DayWritten {
    day: Day,
    events: u64,
    shards: u64,
}

impl DayWritten {
    fn new(day: Day) -> Self {
        DayWritten {
            day,
            events: 0,
            shards: 0,
        }
    }
}

/// Marks each day the write changed, and the shards it changed, in the transaction of the rows:
/// a day is marked changed exactly when it changed. A day marks its shards from its first
/// change on (from its next, in a database made before shards were marked). The events
/// stored.
fn mark_days(tx: &rusqlite::Transaction<'_>, written: &[DayWritten]) -> rusqlite::Result<u64> {
    const _: () = assert!(SHARDS <= u64::BITS, "a write's shards are bits of a u64");
    let mut mark = tx.prepare_cached(
        "INSERT INTO days (day, events, change_version, shards_marked_from) VALUES (?1, ?2, 1, 0)
         ON CONFLICT (day) DO UPDATE
         SET events = events + ?2, change_version = change_version + 1,
             shards_marked_from = coalesce(shards_marked_from, change_version)
         RETURNING change_version",
    )?;
    let mut mark_shard = tx.prepare_cached(
        "INSERT INTO day_shards (day, shard, changed_version) VALUES (?1, ?2, ?3)
         ON CONFLICT (day, shard) DO UPDATE SET changed_version = ?3",
    )?;
    let mut events = 0;
    for day in written.iter().filter(|day| day.events > 0) {
        let version: i64 = mark.query_row(params![day.day.number(), day.events as i64], |row| {
            row.get(0)
        })?;
        for shard in (0..SHARDS).filter(|shard| day.shards & (1 << shard) != 0) {
            mark_shard.execute(params![day.day.number(), shard, version])?;
        }
        events += day.events;
    }
    Ok(events)
}

/// Where a chunk of a day's events ended: its last key.
#[derive(Debug, Clone)]
struct EventKey {
    time_ms: i64,
    page: String,
    id: String,
}

impl EventKey {
    fn of(event: &Event) -> EventKey {
        EventKey {
            time_ms: event.time_ms(),
            page: event.page.clone(),
            id: event.id.clone(),
        }
    }
}

/// Up to `limit` events of `day` in key order, after `after` (from the start when `None`).
fn read_events_after(
    tx: &rusqlite::Transaction<'_>,
    day: Day,
    after: Option<&EventKey>,
    limit: usize,
) -> rusqlite::Result<Vec<Event>> {
    let mut select = tx.prepare_cached(&SELECT_EVENTS_AFTER)?;
    let rows = select.query_map(
        params![
            day.number(),
            after.map(|key| key.time_ms),
            after.map(|key| key.page.as_str()),
            after.map(|key| key.id.as_str()),
            limit as i64
        ],
        event_of_row,
    )?;
    rows.collect()
}

/// The events table's columns for the optional fields, in table order (`FIELDS`).
pub(super) fn field_columns() -> String {
    Field::all().map(Field::name).collect::<Vec<_>>().join(", ")
}

/// Stores an event: day, time, page, id, visitor, kind, the fields it has, then each optional
/// field. The columns before the fields in `INSERT_EVENT`.
const FIXED_COLUMNS: usize = 7;

static INSERT_EVENT: LazyLock<String> = LazyLock::new(|| {
    let places: Vec<String> = (1..=FIXED_COLUMNS + FIELD_COUNT)
        .map(|at| format!("?{at}"))
        .collect();
    format!(
        "INSERT OR IGNORE INTO events (day, time_ms, page, id, visitor, kind, fields_present, {})
         VALUES ({})",
        field_columns(),
        places.join(", ")
    )
});

/// A day's events whole, in key order after a key: time, page, id, visitor, kind, fields.
static SELECT_EVENTS_AFTER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT time_ms, page, id, visitor, kind, {} FROM events
         WHERE day = ?1 AND (?2 IS NULL OR (time_ms, page, id) > (?2, ?3, ?4))
         ORDER BY time_ms, page, id LIMIT ?5",
        field_columns()
    )
});

/// A stored row as the event it was.
fn event_of_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    let time_ms: i64 = row.get(0)?;
    let mut fields = Fields::default();
    for field in Field::all() {
        let value: Option<String> = row.get(5 + field.index())?;
        fields.set(field, value.map(FieldValue::from));
    }
    Ok(Event {
        time: DateTime::from_timestamp_millis(time_ms).unwrap_or_default(),
        page: row.get(1)?,
        id: row.get(2)?,
        visitor: row.get(3)?,
        kind: kind_of(row.get_ref(4)?.as_str_or_null()?),
        fields,
    })
}

/// What the insert statement holds bound from the row before.
#[derive(Clone, Copy)]
struct Bound<'a> {
    day: Day,
    event: &'a Event,
    present: i64,
}

/// Binds the kind and the fields of `event` where they differ from those of the row bound
/// `before` (all of them when there was none); returns what is bound now.
fn bind_unlike<'a>(
    insert: &mut rusqlite::CachedStatement<'_>,
    before: Option<Bound<'a>>,
    day: Day,
    event: &'a Event,
) -> rusqlite::Result<Bound<'a>> {
    if before.is_none_or(|before| before.day != day) {
        insert.raw_bind_parameter(1, day.number())?;
    }
    if before.is_none_or(|before| before.event.kind != event.kind) {
        let kind = (!event.kind.is_view()).then(|| event.kind.as_str());
        insert.raw_bind_parameter(6, kind)?;
    }
    let present = event.fields.present_bits();
    if before.is_none_or(|before| before.present != present) {
        insert.raw_bind_parameter(7, present)?;
    }
    let values = event.fields.values().enumerate();
    match before {
        Some(before) => {
            for ((at, value), bound) in values.zip(before.event.fields.values()) {
                if value != bound {
                    insert.raw_bind_parameter(FIXED_COLUMNS + 1 + at, value)?;
                }
            }
        }
        None => {
            for (at, value) in values {
                insert.raw_bind_parameter(FIXED_COLUMNS + 1 + at, value)?;
            }
        }
    }
    Ok(Bound {
        day,
        event,
        present,
    })
}

/// The day of times in a zone, for times that mostly fall on the day of the time before: the
/// zone is consulted once a day, not once a row.
struct DayOfTime {
    zone: Zone,
    /// The last day found, and the times (ms since the epoch) that fall on it.
    last: Option<(Day, Range<i64>)>,
}

impl DayOfTime {
    fn new(zone: Zone) -> Self {
        DayOfTime { zone, last: None }
    }

    /// The day of `event`, whose time is `time_ms`.
    fn of(&mut self, time_ms: i64, event: &Event) -> Day {
        if let Some((day, times)) = &self.last {
            if times.contains(&time_ms) {
                return *day;
            }
        }
        let day = event.day_in(self.zone);
        let times = self.zone.start_ms(day)..self.zone.start_ms(day.next());
        self.last = Some((day, times));
        day
    }
}

/// The kind stored: NULL for a page view.
pub(super) fn kind_of(stored: Option<&str>) -> Kind {
    stored.map_or(Kind::View, |kind| Kind::parse(kind).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::local::test_backend;
    use crate::model::fixtures::{day, time};

    /// Events whose fields come and go and change from one to the next, in the order they are
    /// stored (time, then page, then id).
    fn changing_fields() -> Vec<Event> {
        let start = time("2021-03-13T10:00:00Z");
        (0..300)
            .map(|n: usize| {
                let mut fields = Fields::default();
                if !n.is_multiple_of(3) {
                    fields = fields.with(Field::Referrer, ["a.example", "b.example"][n % 5 / 3]);
                }
                if n % 4 == 1 {
                    fields = fields.with(Field::Country, "DE");
                }
                if n.is_multiple_of(7) {
                    fields = fields.with(Field::Browser, &format!("B{}", n % 2));
                }
                Event {
                    id: format!("e{n:03}"),
                    page: "/p".into(),
                    // Across midnight: the day changes between rows as well.
                    time: start + chrono::Duration::minutes(7 * n as i64),
                    visitor: (!n.is_multiple_of(11)).then(|| format!("{:016x}", n % 13)),
                    kind: [Kind::View, Kind::View, Kind::Download, Kind::Engagement][n % 9 / 3],
                    fields,
                }
            })
            .collect()
    }

    #[tokio::test]
    async fn every_field_is_stored_as_its_event_has_it_whatever_the_row_before_had() {
        let dir = tempfile::tempdir().unwrap();
        let backend = test_backend(dir.path());
        let events = changing_fields();
        // Two writes: the second starts from a statement used before.
        for (at, part) in events.chunks(170).enumerate() {
            let message = MessageEvents {
                source: format!("m{at}"),
                events: part.to_vec().into(),
            };
            backend.events.put_events(&[message]).await.unwrap();
        }
        let mut stored: Vec<Event> = Vec::new();
        for date in ["2021-03-13", "2021-03-14"] {
            let on_day = backend.events.day_events(day(date), 1_000);
            stored.extend(on_day.map(|chunk| chunk.unwrap()).concat().await);
        }
        assert_eq!(stored, events);
        let path = super::super::database_path(dir.path(), "t");
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut rows = conn
            .prepare("SELECT day, fields_present FROM events ORDER BY day, time_ms, page, id")
            .unwrap();
        let stored: Vec<(i64, i64)> = rows
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let expected: Vec<(i64, i64)> = (events.iter())
            .map(|e| (e.day_in(Zone::UTC).number(), e.fields.present_bits()))
            .collect();
        assert_eq!(stored, expected);
        assert_eq!(
            (stored.first().unwrap().0, stored.last().unwrap().0),
            (day("2021-03-13").number(), day("2021-03-14").number()),
            "the rows span two days"
        );
    }

    #[test]
    fn the_day_of_a_time_is_the_zones_day_across_clock_changes() {
        // New York's clocks go forward on 2021-03-14 and back on 2021-11-07; Havana's skip
        // midnight on 2021-03-14.
        for (zone, from) in [
            ("America/New_York", "2021-03-12T00:00:00Z"),
            ("America/New_York", "2021-11-05T00:00:00Z"),
            ("America/Havana", "2021-03-12T00:00:00Z"),
            ("Australia/Lord_Howe", "2021-04-02T00:00:00Z"),
        ] {
            let zone = Zone::parse(zone).unwrap();
            let mut days = DayOfTime::new(zone);
            let mut event = changing_fields().remove(0);
            // Every 7 minutes for four days, then back to the first day and forward again.
            let times = (0..4 * 24 * 60 / 7).chain(0..40);
            for step in times {
                event.time = time(from) + chrono::Duration::minutes(7 * step);
                let found = days.of(event.time_ms(), &event);
                assert_eq!(
                    found,
                    event.day_in(zone),
                    "{} at {}",
                    zone.name(),
                    event.time
                );
            }
        }
    }
}
