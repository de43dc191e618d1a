//! Views from web server access logs (nginx and Apache `combined` and `common`, Caddy's JSON,
//! CloudFront, load balancers, S3 websites, W3C/IIS, JSON lines: `format`) and from exported
//! events (NDJSON), line by line (pure code but for the inputs, in `input`, and the import
//! key's file, in `key`).
//!
//! Everything derived from a line is keyed by the import key (`key`), a secret kept outside
//! the deployment: each day's visitor salt (so a day's visitors are the same however its lines
//! are split over files, runs, restarts and machines that share the key), and each line's id,
//! the keyed hash of the line and how many identical lines came before it (so a log imported
//! again, or after it grew, counts each line once). Nothing stored lets anyone without the key
//! test a guess of a salt, an address or a line.

pub mod alb;
pub mod caddy;
pub mod chunks;
pub mod cloudfront;
pub mod filter;
pub mod format;
pub mod glob;
pub mod input;
pub mod json_log;
pub mod key;
pub mod request;
pub mod s3_access;
pub mod s3_input;
pub mod summary;
pub mod tokens;
pub mod w3c;
pub mod worker;

use chrono::{DateTime, Utc};
use foldhash::fast::RandomState;
use std::collections::HashMap;
use std::fmt::Write as _;

use crate::model::day::Day;
use crate::model::event::{validate_page, Event};
use crate::model::visitor::VisitorHasher;
use crate::model::zone::Zone;
use crate::pipeline::ndjson::{parse_line, Line, LineOutcome};
use filter::{Rules, Skip};
pub use format::LogFormat;
use format::{Parsed, Parser};
use key::{ImportKey, LineHasher};
use request::Request;

/// What one line is.
#[derive(Debug)]
pub enum Outcome {
    Blank,
    View(Box<Event>),
    Skipped(Skip),
    Unparsable(String),
}

/// Identical lines further apart in time than this are not expected: the counts of identical
/// lines older than this behind the newest line are forgotten, so memory stays bounded.
const OCCURRENCE_MEMORY_MS: i64 = 3_600_000;
/// Lines between two clear-outs of old occurrence counts.
const CLEAR_EVERY: u64 = 200_000;

/// Reads lines into events, one after the other on one thread: a [`LineReader`] and the
/// [`LineIds`] of what it reads. An import runs the two apart ([`worker`]); tests read lines
/// with both together.
#[cfg(test)]
pub struct Importer {
    reader: LineReader,
    ids: LineIds,
}

#[cfg(test)]
impl Importer {
    pub fn new(parser: impl Into<Parser>, rules: Rules, zone: Zone, key: ImportKey) -> Self {
        Importer::from_parts(
            LineReader::new(parser, rules, zone, key),
            LineIds::default(),
        )
    }

    pub fn from_parts(reader: LineReader, ids: LineIds) -> Self {
        Importer { reader, ids }
    }

    /// What `line` (without its line break) is.
    pub fn line(&mut self, line: &[u8]) -> Outcome {
        let (outcome, digest) = self.reader.line(line);
        self.ids.give(outcome, digest)
    }
}

/// The keyed digest of a line that becomes an event without an id, and the line's time: what
/// its id is made of, with how many identical lines came before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineDigest {
    digest: [u8; 8],
    time_ms: i64,
}

/// Reads a line into what it is, but for the count of identical lines before it in its id:
/// everything that depends on no line before it but a W3C log's `#Fields:` line (parsed here
/// too, or set with [`LineReader::set_parser`] by whoever reads the lines in order).
#[derive(Clone)]
pub struct LineReader {
    format: LogFormat,
    parser: Parser,
    rules: Rules,
    zone: Zone,
    now: DateTime<Utc>,
    key: ImportKey,
    /// The key keyed once for the lines' digests.
    lines_hasher: LineHasher,
    /// Each day's salt, keyed once for its visitor keys.
    salts: HashMap<Day, VisitorHasher>,
}

impl LineReader {
    pub fn new(parser: impl Into<Parser>, rules: Rules, zone: Zone, key: ImportKey) -> Self {
        let parser = parser.into();
        let format = parser.format();
        LineReader {
            format,
            parser,
            rules: match format.has_agents() {
                false => rules.without_agents(),
                true => rules,
            },
            zone,
            now: Utc::now(),
            lines_hasher: key.line_hasher(),
            key,
            salts: HashMap::new(),
        }
    }

    /// The parser as it is after the lines read so far.
    pub fn parser(&self) -> &Parser {
        &self.parser
    }

    /// Reads the next lines as `parser` would, as the lines before them left it.
    pub fn set_parser(&mut self, parser: &Parser) {
        self.parser.clone_from(parser);
    }

    /// What `line` (without its line break) is, with the digest its id is made of when it
    /// is an event that needs one.
    pub fn line(&mut self, line: &[u8]) -> (Outcome, Option<LineDigest>) {
        if self.format == LogFormat::Ndjson {
            return self.ndjson(line);
        }
        // Bytes that are not UTF-8 (a raw Latin-1 path) are kept as `%XX`, not the line lost.
        let text = tokens::escape_invalid_utf8(line);
        let text = text.trim_end();
        if text.trim_start().is_empty() {
            return (Outcome::Blank, None);
        }
        let request = match self.parser.parse(text) {
            Ok(Parsed::Request(request)) => request,
            Ok(Parsed::Directive) => return (Outcome::Blank, None),
            Ok(Parsed::NotAVisit(skip)) => return (Outcome::Skipped(skip), None),
            Err(reason) => return (Outcome::Unparsable(reason.to_owned()), None),
        };
        match self.view(text, request) {
            Ok((event, digest)) => (Outcome::View(Box::new(event)), Some(digest)),
            Err(skip) => (Outcome::Skipped(skip), None),
        }
    }

    fn ndjson(&mut self, line: &[u8]) -> (Outcome, Option<LineDigest>) {
        let content = line.trim_ascii();
        let line = Line::Text(line.to_vec());
        let mut without_id = false;
        let parsed = parse_line(&line, self.now, || {
            without_id = true;
            String::from("-")
        });
        match parsed {
            LineOutcome::Blank => (Outcome::Blank, None),
            LineOutcome::Event(event) => {
                let digest = without_id.then(|| LineDigest {
                    digest: self.lines_hasher.digest(content),
                    time_ms: event.time.timestamp_millis(),
                });
                (Outcome::View(event), digest)
            }
            LineOutcome::Invalid(reason) => (Outcome::Unparsable(reason), None),
        }
    }

    fn view(&mut self, text: &str, request: Request<'_>) -> Result<(Event, LineDigest), Skip> {
        let view = self.rules.view(&request, self.now.timestamp_millis())?;
        let mut event = view.event;
        validate_page(&event.page).map_err(|_| Skip::Invalid)?;
        let day = event.day_in(self.zone);
        let key = &self.key;
        let salt = self
            .salts
            .entry(day)
            .or_insert_with(|| key.salt_of(day).hasher());
        // A bot's hit counts apart and has no visitor.
        event.visitor = event.kind.is_view().then(|| {
            salt.visitor_key_of_address(
                &request.address,
                request.user_agent.as_deref().unwrap_or(""),
            )
        });
        let digest = LineDigest {
            digest: self.lines_hasher.digest(text.as_bytes()),
            time_ms: request.time_ms,
        };
        Ok((event, digest))
    }
}

/// Gives events their ids in the order of their lines: `<16 hex digits of the line's keyed
/// hash>-<how many identical lines so far>`.
pub struct LineIds {
    /// Keyed digests of lines are what is hashed here: foldhash, not SipHash, is enough
    /// (nobody without the key can choose them), and the map is looked up once a line.
    occurrences: HashMap<[u8; 8], (u32, i64), RandomState>,
    newest_ms: i64,
    lines: u64,
}

impl Default for LineIds {
    fn default() -> Self {
        LineIds {
            occurrences: HashMap::default(),
            newest_ms: i64::MIN,
            lines: 0,
        }
    }
}

impl LineIds {
    /// `outcome`, the next line's, with its id when `digest` says it needs one.
    #[cfg(test)]
    pub fn give(&mut self, mut outcome: Outcome, digest: Option<LineDigest>) -> Outcome {
        self.next_line();
        if let (Outcome::View(event), Some(digest)) = (&mut outcome, digest) {
            event.id.clear();
            self.write_id(digest, &mut event.id);
        }
        outcome
    }

    /// Counts a line read (whatever it is), forgetting now and then the lines long past.
    pub fn next_line(&mut self) {
        self.lines += 1;
        if self.lines.is_multiple_of(CLEAR_EVERY) {
            let horizon = self.newest_ms.saturating_sub(OCCURRENCE_MEMORY_MS);
            self.occurrences.retain(|_, (_, time)| *time >= horizon);
        }
    }

    /// Appends the id of the line of `digest`, counting it as one more of its kind.
    pub fn write_id(&mut self, line: LineDigest, id: &mut String) {
        self.newest_ms = self.newest_ms.max(line.time_ms);
        let seen = self
            .occurrences
            .entry(line.digest)
            .or_insert((0, line.time_ms));
        seen.0 += 1;
        for byte in line.digest {
            id.push(char::from(HEX[usize::from(byte >> 4)]));
            id.push(char::from(HEX[usize::from(byte & 15)]));
        }
        id.push('-');
        write!(id, "{}", seen.0).expect("a String takes any text");
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

    fn importer_with(key: u8) -> Importer {
        Importer::new(
            LogFormat::Combined,
            Rules::new(Vec::new(), Vec::new(), Some("example.com".into())),
            Zone::UTC,
            ImportKey::from_bytes([key; key::KEY_BYTES]),
        )
    }

    fn importer() -> Importer {
        importer_with(1)
    }

    fn line(address: &str, time: &str, path: &str) -> String {
        format!(r#"{address} - - [{time}] "GET {path} HTTP/1.1" 200 512 "-" "{FIREFOX}""#)
    }

    fn view(importer: &mut Importer, text: &str) -> Event {
        match importer.line(text.as_bytes()) {
            Outcome::View(event) => *event,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn ids_and_visitors_are_the_same_when_read_again() {
        let lines = [
            line("203.0.113.9", "13/Mar/2021:10:00:00 +0000", "/a"),
            line("203.0.113.9", "13/Mar/2021:10:00:00 +0000", "/a"),
            line("198.51.100.1", "13/Mar/2021:10:05:00 +0000", "/b"),
        ];
        let first: Vec<Event> = {
            let mut importer = importer();
            lines.iter().map(|l| view(&mut importer, l)).collect()
        };
        assert_eq!(first[0].visitor, first[1].visitor);
        assert_ne!(first[0].visitor, first[2].visitor);
        assert_ne!(first[0].id, first[1].id, "identical lines are two views");
        assert!(first[0].id.ends_with("-1") && first[1].id.ends_with("-2"));
        let mut again = importer();
        let second: Vec<Event> = lines.iter().map(|l| view(&mut again, l)).collect();
        assert_eq!(first, second);
        // A run that starts later in the log (the day split over two runs) gives its lines the
        // keys and ids they have in one run.
        let mut rest = importer();
        assert_eq!(view(&mut rest, &lines[2]), first[2]);
        // Another key: other ids, other visitor keys, for the same lines.
        let mut other = importer_with(2);
        let elsewhere = view(&mut other, &lines[0]);
        assert_ne!(elsewhere.id, first[0].id);
        assert_ne!(elsewhere.visitor, first[0].visitor);
    }

    #[test]
    fn ndjson_lines_without_an_id_get_a_keyed_one() {
        let mut importer = importer();
        importer.reader.format = LogFormat::Ndjson;
        let line = br#"{"page":"/a","time":"2021-03-13T10:00:00Z"}"#;
        let ids: Vec<String> = (0..2)
            .map(|_| match importer.line(line) {
                Outcome::View(event) => event.id,
                other => panic!("{other:?}"),
            })
            .collect();
        let digest = importer.reader.key.line_digest(line);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(ids, [format!("{hex}-1"), format!("{hex}-2")]);
        match importer.line(br#"{"page":"/a","time":"2021-03-13T10:00:00Z","id":"given"}"#) {
            Outcome::View(event) => assert_eq!(event.id, "given"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn outcomes() {
        let mut importer = importer();
        assert!(matches!(importer.line(b""), Outcome::Blank));
        assert!(matches!(importer.line(b"garbage"), Outcome::Unparsable(_)));
        assert!(matches!(importer.line(b"\xff\xfe"), Outcome::Unparsable(_)));
        let asset = line("::1", "13/Mar/2021:10:00:00 +0000", "/app.js");
        assert!(matches!(
            importer.line(asset.as_bytes()),
            Outcome::Skipped(Skip::Asset)
        ));
    }
}
