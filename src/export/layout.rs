//! Where a day's export lives and what its manifest says (pure code): `day=YYYY-MM-DD/`
//! folders (Hive-style partitions, as DuckDB, Athena, Spark and pandas read them), one
//! `<what>.<format>.gz` per day, and a `manifest.json` per day listing each file's rows, views,
//! size and SHA-256.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::model::day::Day;

/// The version of the files' layout and manifest, bumped when either changes shape.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's name in each day's folder.
pub const MANIFEST: &str = "manifest.json";

/// What is exported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum What {
    /// Raw events, one row per event with every field it has.
    Events,
    /// The daily table: views, visitors and views per hour of each page.
    Daily,
}

/// The rows' format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object per line (events as `send --input` and `import --format ndjson` read).
    Ndjson,
    /// Comma-separated values with a header row (RFC 4180 quoting).
    Csv,
}

impl What {
    pub fn name(self) -> &'static str {
        match self {
            What::Events => "events",
            What::Daily => "daily",
        }
    }
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Ndjson => "ndjson",
            Format::Csv => "csv",
        }
    }
}

/// The folder of one day: `day=2021-03-13`.
pub fn day_folder(day: Day) -> String {
    format!("day={day}")
}

/// The file of one day's rows inside its folder: `events.ndjson.gz`.
pub fn file_name(what: What, format: Format) -> String {
    format!("{}.{}.gz", what.name(), format.name())
}

/// The file of raw events a day received after its first ones were deleted (late events),
/// archived beside the first file rather than over it: `events.v7.ndjson.gz`, named by the
/// day's version they were counted at, so each archive of the day has a file of its own.
pub fn later_events_file_name(format: Format, version: u64) -> String {
    format!("{}.v{version}.{}.gz", What::Events.name(), format.name())
}

/// What one file holds, as its manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub what: What,
    pub format: Format,
    /// Rows of data (a CSV header is not one).
    pub rows: u64,
    /// Page views among them (events of kind view; the daily rows' views).
    pub views: u64,
    /// Size of the gzip file.
    pub bytes: u64,
    /// SHA-256 of the gzip file, in hex.
    pub sha256: String,
}

/// A day's manifest: every file exported for the day, by name. It holds nothing that changes
/// from one export to the next (no time of export), so exporting an unchanged day again writes
/// the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub day: Day,
    /// The time zone whose calendar day this is.
    pub time_zone: String,
    pub files: BTreeMap<String, FileEntry>,
}

impl Manifest {
    pub fn new(day: Day, time_zone: &str) -> Self {
        Manifest {
            format_version: FORMAT_VERSION,
            day,
            time_zone: time_zone.to_owned(),
            files: BTreeMap::new(),
        }
    }

    /// A manifest read back; `None` for text that is not one of ours (it is then replaced).
    pub fn parse(text: &[u8]) -> Option<Manifest> {
        serde_json::from_slice::<Manifest>(text)
            .ok()
            .filter(|manifest| manifest.format_version == FORMAT_VERSION)
    }

    /// The manifest with `entry` recorded for the file `name`, the other files' entries kept
    /// (an export of events and one of the daily rows may share a folder, and so may the
    /// archives of a day's first and late events).
    pub fn with_file(mut self, name: &str, entry: FileEntry) -> Manifest {
        self.files.insert(name.to_owned(), entry);
        self
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut text = serde_json::to_vec_pretty(self).expect("a manifest serialises");
        text.push(b'\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::day;

    fn entry(what: What, rows: u64) -> FileEntry {
        FileEntry {
            what,
            format: Format::Ndjson,
            rows,
            views: rows - 1,
            bytes: 100,
            sha256: "ab".repeat(32),
        }
    }

    #[test]
    fn names_are_hive_partitions() {
        assert_eq!(day_folder(day("2021-03-13")), "day=2021-03-13");
        assert_eq!(file_name(What::Events, Format::Csv), "events.csv.gz");
        assert_eq!(file_name(What::Daily, Format::Ndjson), "daily.ndjson.gz");
        assert_eq!(
            later_events_file_name(Format::Ndjson, 7),
            "events.v7.ndjson.gz"
        );
    }

    #[test]
    fn manifests_round_trip_and_keep_the_other_files() {
        let manifest = Manifest::new(day("2021-03-13"), "Europe/Berlin")
            .with_file(
                &file_name(What::Events, Format::Ndjson),
                entry(What::Events, 10),
            )
            .with_file(
                &file_name(What::Daily, Format::Ndjson),
                entry(What::Daily, 3),
            );
        let bytes = manifest.to_bytes();
        let read = Manifest::parse(&bytes).unwrap();
        assert_eq!(read, manifest);
        let again = read.clone().with_file(
            &file_name(What::Events, Format::Ndjson),
            entry(What::Events, 12),
        );
        assert_eq!(again.files.len(), 2);
        assert_eq!(again.files["events.ndjson.gz"].rows, 12);
        // Late events archived later: a file of their own beside the first.
        let later = read.with_file(
            &later_events_file_name(Format::Ndjson, 7),
            entry(What::Events, 2),
        );
        assert_eq!(later.files.len(), 3);
        assert_eq!(later.files["events.ndjson.gz"].rows, 10);
        assert_eq!(later.files["events.v7.ndjson.gz"].rows, 2);
        // The same content is the same bytes, whatever order entries were recorded in.
        let other_order = Manifest::new(day("2021-03-13"), "Europe/Berlin")
            .with_file(
                &file_name(What::Daily, Format::Ndjson),
                entry(What::Daily, 3),
            )
            .with_file(
                &file_name(What::Events, Format::Ndjson),
                entry(What::Events, 10),
            );
        assert_eq!(other_order.to_bytes(), bytes);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.contains("\"day\": \"2021-03-13\""), "{text}");
        assert_eq!(Manifest::parse(b"{\"format_version\": 99}"), None);
        assert_eq!(Manifest::parse(b"not json"), None);
    }
}
