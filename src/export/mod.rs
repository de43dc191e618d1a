//! Copies of the data in day-partitioned files: raw events or daily rows, NDJSON or CSV,
//! gzipped, one file per day with a manifest beside it, in a folder or on S3 (`destination`).
//! A day is streamed from the store a chunk at a time into its file, so memory stays flat
//! whatever the day's size; the same rows always make the same bytes.

pub mod archive;
pub mod destination;
mod gzip;
pub mod layout;
mod rows;
mod s3;

use anyhow::Context as _;
use futures::StreamExt;
use indicatif::ProgressBar;

use crate::backend::{Backend, DailyRow};
use crate::model::day::{Day, DayRange};
use destination::{Destination, Upload, PART_BYTES};
use gzip::Compressed;
use layout::{day_folder, file_name, FileEntry, Format, Manifest, What, MANIFEST};

/// Events read from the store at a time.
const CHUNK_EVENTS: usize = 10_000;

/// The key of a day's file of `what` in `format`.
pub fn file_key(day: Day, what: What, format: Format) -> String {
    named_key(day, &file_name(what, format))
}

/// The key of the file `name` in a day's folder.
fn named_key(day: Day, name: &str) -> String {
    format!("{}/{name}", day_folder(day))
}

/// The key of a day's manifest.
pub fn manifest_key(day: Day) -> String {
    format!("{}/{MANIFEST}", day_folder(day))
}

/// One day's file being written: compressed, counted, sent a part at a time.
struct DayFile {
    upload: Box<dyn Upload>,
    compressed: Compressed,
    rows: u64,
    views: u64,
}

impl DayFile {
    async fn create(dest: &dyn Destination, key: &str, header: Vec<u8>) -> anyhow::Result<Self> {
        let mut compressed = Compressed::new();
        compressed.write(&header);
        Ok(DayFile {
            upload: dest.create(key).await?,
            compressed,
            rows: 0,
            views: 0,
        })
    }

    /// Adds encoded rows; a whole part, once there is one, goes to the destination.
    async fn add(&mut self, lines: &[u8], rows: u64, views: u64) -> anyhow::Result<()> {
        self.compressed.write(lines);
        self.rows += rows;
        self.views += views;
        if self.compressed.ready() >= PART_BYTES {
            self.upload.part(self.compressed.take()).await?;
        }
        Ok(())
    }

    /// Completes the file; one without rows is abandoned (nothing replaces what was there).
    async fn finish(self, what: What, format: Format) -> anyhow::Result<Option<FileEntry>> {
        if self.rows == 0 {
            self.upload.abort().await;
            return Ok(None);
        }
        let finished = self.compressed.finish();
        self.upload.finish(finished.rest).await?;
        Ok(Some(FileEntry {
            what,
            format,
            rows: self.rows,
            views: self.views,
            bytes: finished.bytes,
            sha256: finished.sha256,
        }))
    }
}

/// Writes one day's `what` in `format` and records it in the day's manifest; `None` when the
/// day has no rows (nothing is written).
pub async fn export_day(
    backend: &Backend,
    dest: &dyn Destination,
    day: Day,
    what: What,
    format: Format,
    progress: &ProgressBar,
) -> anyhow::Result<Option<FileEntry>> {
    let name = file_name(what, format);
    export_file(backend, dest, day, (what, format), &name, progress).await
}

/// [`export_day`] into the file `name` of the day's folder.
pub async fn export_file(
    backend: &Backend,
    dest: &dyn Destination,
    day: Day,
    (what, format): (What, Format),
    name: &str,
    progress: &ProgressBar,
) -> anyhow::Result<Option<FileEntry>> {
    let key = named_key(day, name);
    let columns: &[&str] = match what {
        What::Events => &rows::EVENT_COLUMNS,
        What::Daily => &rows::DAILY_COLUMNS,
    };
    let mut file = DayFile::create(dest, &key, rows::header(format, columns)).await?;
    let written = match what {
        What::Events => write_events(backend, &mut file, day, format, progress).await,
        What::Daily => write_daily(backend, &mut file, day, format).await,
    };
    if let Err(err) = written {
        file.upload.abort().await;
        return Err(err.context(format!("cannot export {}", dest.name(&key))));
    }
    let Some(entry) = file.finish(what, format).await? else {
        return Ok(None);
    };
    record(dest, day, backend.zone.name(), name, &entry).await?;
    Ok(Some(entry))
}

async fn write_events(
    backend: &Backend,
    file: &mut DayFile,
    day: Day,
    format: Format,
    progress: &ProgressBar,
) -> anyhow::Result<()> {
    let mut chunks = backend.events.day_events(day, CHUNK_EVENTS);
    let mut lines = Vec::with_capacity(CHUNK_EVENTS * 128);
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.with_context(|| format!("cannot read the raw events of {day}"))?;
        lines.clear();
        for event in &chunk {
            rows::event_line(&mut lines, event, format);
        }
        let views = chunk.iter().filter(|event| event.kind.is_view()).count() as u64;
        file.add(&lines, chunk.len() as u64, views).await?;
        progress.inc(chunk.len() as u64);
    }
    Ok(())
}

async fn write_daily(
    backend: &Backend,
    file: &mut DayFile,
    day: Day,
    format: Format,
) -> anyhow::Result<()> {
    let mut rows: Vec<DailyRow> = backend
        .daily
        .read_rows(DayRange::single(day), None)
        .await
        .with_context(|| format!("cannot read the daily rows of {day}"))?;
    // By page: an order that does not depend on the counts' ties.
    rows.sort_by(|a, b| a.page.cmp(&b.page));
    let mut lines = Vec::new();
    for row in &rows {
        rows::daily_line(&mut lines, row, format);
    }
    let views = rows.iter().map(|row| row.views).sum();
    file.add(&lines, rows.len() as u64, views).await
}

/// Records a file in its day's manifest, keeping the entries of the day's other files. An
/// unchanged manifest is not written again.
async fn record(
    dest: &dyn Destination,
    day: Day,
    zone: &str,
    name: &str,
    entry: &FileEntry,
) -> anyhow::Result<()> {
    let key = manifest_key(day);
    let existing = dest.read(&key).await?;
    let manifest = existing
        .as_deref()
        .and_then(Manifest::parse)
        .filter(|manifest| manifest.day == day)
        .unwrap_or_else(|| Manifest::new(day, zone))
        .with_file(name, entry.clone());
    let bytes = manifest.to_bytes();
    if existing.as_deref() == Some(&bytes[..]) {
        return Ok(());
    }
    let upload = dest.create(&key).await?;
    upload
        .finish(bytes)
        .await
        .with_context(|| format!("cannot write {}", dest.name(&key)))
}

/// Checks the file `name` of a day's folder on the destination against what was written: its
/// manifest, read back, records it, and the file there has its size. An error says what
/// differs.
pub async fn verify(
    dest: &dyn Destination,
    day: Day,
    name: &str,
    entry: &FileEntry,
) -> anyhow::Result<()> {
    let key = manifest_key(day);
    let read = dest.read(&key).await?;
    let manifest = read
        .as_deref()
        .and_then(Manifest::parse)
        .with_context(|| format!("{} is missing or unreadable", dest.name(&key)))?;
    if manifest.files.get(name) != Some(entry) {
        anyhow::bail!("{} does not record {name} as written", dest.name(&key));
    }
    let file = named_key(day, name);
    let size = dest.size(&file).await?;
    if size != Some(entry.bytes) {
        anyhow::bail!(
            "{} is {} bytes, not the {} written",
            dest.name(&file),
            size.map_or("missing".to_owned(), |size| size.to_string()),
            entry.bytes
        );
    }
    Ok(())
}
