//! Views from web server access logs (nginx and Apache `combined` and `common`, Caddy's JSON,
//! CloudFront, load balancers, S3 websites, W3C/IIS, JSON lines: `format`) and from exported
//! events (NDJSON), line by line (pure code but for the files, in `input`).
//!
//! Ids come from each line's content (the client address left out, so that nothing stored
//! could confirm a guess of it) and how many identical lines came before it: importing a log
//! again, or after more was appended to it, gives each line the id it had, and it is counted
//! once. Visitor keys are the collector's keyed hash of site, address and user agent, keyed by
//! a salt per day that is derived from the first line of that day the import reads, held in
//! memory only and never written: a log read again (or appended to) gets the same salt, so one
//! visitor stays one, while nobody without the log can compute it.

pub mod alb;
pub mod caddy;
pub mod cloudfront;
pub mod filter;
pub mod format;
pub mod glob;
pub mod input;
pub mod json_log;
pub mod request;
pub mod s3_access;
pub mod summary;
pub mod tokens;
pub mod w3c;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

use crate::model::day::Day;
use crate::model::event::{validate_page, Event};
use crate::model::visitor::Salt;
use crate::model::zone::Zone;
use crate::pipeline::ndjson::{parse_line, ContentIds, Line, LineOutcome};
use filter::{Rules, Skip};
pub use format::LogFormat;
use format::{Parsed, Parser};
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

/// Reads lines into events; one per import run.
pub struct Importer {
    format: LogFormat,
    parser: Parser,
    rules: Rules,
    zone: Zone,
    now: DateTime<Utc>,
    salts: HashMap<Day, Salt>,
    occurrences: HashMap<[u8; 8], (u32, i64)>,
    newest_ms: i64,
    lines: u64,
    ndjson_ids: ContentIds,
}

impl Importer {
    pub fn new(parser: impl Into<Parser>, rules: Rules, zone: Zone) -> Self {
        let parser = parser.into();
        let format = parser.format();
        Importer {
            format,
            parser,
            rules: match format.has_agents() {
                false => rules.without_agents(),
                true => rules,
            },
            zone,
            now: Utc::now(),
            salts: HashMap::new(),
            occurrences: HashMap::new(),
            newest_ms: i64::MIN,
            lines: 0,
            ndjson_ids: ContentIds::default(),
        }
    }

    /// What `line` (without its line break) is.
    pub fn line(&mut self, line: &[u8]) -> Outcome {
        self.lines += 1;
        if self.lines.is_multiple_of(CLEAR_EVERY) {
            let horizon = self.newest_ms.saturating_sub(OCCURRENCE_MEMORY_MS);
            self.occurrences.retain(|_, (_, time)| *time >= horizon);
        }
        if self.format == LogFormat::Ndjson {
            return self.ndjson(line);
        }
        // Bytes that are not UTF-8 (a raw Latin-1 path) are kept as `%XX`, not the line lost.
        let text = tokens::escape_invalid_utf8(line);
        let text = text.trim_end();
        if text.trim_start().is_empty() {
            return Outcome::Blank;
        }
        let request = match self.parser.parse(text) {
            Ok(Parsed::Request(request)) => request,
            Ok(Parsed::Directive) => return Outcome::Blank,
            Ok(Parsed::NotAVisit(skip)) => return Outcome::Skipped(skip),
            Err(reason) => return Outcome::Unparsable(reason.to_owned()),
        };
        match self.view(text, request) {
            Ok(event) => Outcome::View(Box::new(event)),
            Err(skip) => Outcome::Skipped(skip),
        }
    }

    fn ndjson(&mut self, line: &[u8]) -> Outcome {
        let line = Line::Text(line.to_vec());
        let ids = &mut self.ndjson_ids;
        match parse_line(&line, self.now, || ids.next(&line)) {
            LineOutcome::Blank => Outcome::Blank,
            LineOutcome::Event(event) => Outcome::View(event),
            LineOutcome::Invalid(reason) => Outcome::Unparsable(reason),
        }
    }

    fn view(&mut self, text: &str, request: Request<'_>) -> Result<Event, Skip> {
        let view = self.rules.view(&request, self.now.timestamp_millis())?;
        let mut event = view.event;
        validate_page(&event.page).map_err(|_| Skip::Invalid)?;
        let day = event.day_in(self.zone);
        let salt = self.salts.entry(day).or_insert_with(|| day_salt(day, text));
        event.visitor = Some(salt.visitor_key_of_address(
            &view.site,
            &request.address,
            request.user_agent.as_deref().unwrap_or(""),
        ));
        event.id = self.id_of(
            content_of(self.format, text, &request.address),
            request.time_ms,
        );
        Ok(event)
    }

    /// `<16 hex digits of the content's SHA-256>-<how many identical lines so far>`.
    fn id_of(&mut self, content: [&str; 2], time_ms: i64) -> String {
        self.newest_ms = self.newest_ms.max(time_ms);
        let digest = Sha256::new()
            .chain_update(content[0])
            .chain_update(content[1])
            .finalize();
        let key: [u8; 8] = digest[..8].try_into().expect("8 bytes");
        let seen = self.occurrences.entry(key).or_insert((0, time_ms));
        seen.0 += 1;
        let mut id = String::with_capacity(24);
        for byte in key {
            id.push(char::from(HEX[usize::from(byte >> 4)]));
            id.push(char::from(HEX[usize::from(byte & 15)]));
        }
        id.push('-');
        id.push_str(&seen.0.to_string());
        id
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The part of a line an id is made from, in two pieces hashed one after the other (so that
/// cutting the address out copies nothing): an NCSA line without its first word (the client's
/// address; with a virtual host first, without its second); a Caddy line whole (its address
/// is one of many fields, among them times to the microsecond, so the line cannot be
/// guessed); a line of the other formats without its address.
fn content_of<'a>(format: LogFormat, line: &'a str, address: &str) -> [&'a str; 2] {
    let line = line.trim_start();
    let after_first_word = |line: &'a str| line.find(' ').map_or("", |at| &line[at..]);
    match format {
        LogFormat::Combined | LogFormat::Common => [after_first_word(line), ""],
        LogFormat::CombinedVhost | LogFormat::CommonVhost => {
            let host_end = line.find(' ').unwrap_or(line.len());
            [&line[..host_end], after_first_word(line[host_end..].trim_start())]
        }
        LogFormat::Caddy | LogFormat::Ndjson => [line, ""],
        _ if address.is_empty() => [line, ""],
        _ => match line.find(address) {
            Some(at) => [&line[..at], &line[at + address.len()..]],
            None => [line, ""],
        },
    }
}

/// The salt of `day`'s visitor keys: a hash of the first line of the day read, which only
/// those who hold the log know.
fn day_salt(day: Day, first_line: &str) -> Salt {
    let mut hash = Sha256::new();
    hash.update(b"pageviews import salt\0");
    hash.update(day.to_string().as_bytes());
    hash.update(b"\0");
    hash.update(first_line.as_bytes());
    Salt::from_bytes(&hash.finalize()).expect("32 bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

    fn importer() -> Importer {
        Importer::new(
            LogFormat::Combined,
            Rules::new(Vec::new(), Vec::new(), Some("example.com".into())),
            Zone::UTC,
        )
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
        // The address is not part of the id: only the count of identical lines tells apart
        // two clients' identical requests.
        let mut other = importer();
        let moved = view(
            &mut other,
            &line("192.0.2.1", "13/Mar/2021:10:00:00 +0000", "/a"),
        );
        assert_eq!(moved.id, first[0].id);
        assert_ne!(moved.visitor, first[0].visitor);
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
