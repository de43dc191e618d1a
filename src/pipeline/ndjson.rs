//! NDJSON input of real events: reading it twice (validate, then send), lines of bounded
//! length, and ids derived from each line's content.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, Write};
use std::path::Path;

use crate::model::bad_input::BadInput;
use crate::model::event::{decode_input_line, Event};

/// Longest input line read: an event is at most a few KB; a longer line is refused like any
/// bad line, without holding it in memory.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// The input, readable twice: once to validate, once to send. Stdin is spooled to a temp file.
pub struct Input {
    pub name: String,
    reader: Box<dyn FnMut() -> std::io::Result<Box<dyn BufRead>>>,
}

impl Input {
    /// Reads the input again from its start.
    pub fn reopen(&mut self) -> anyhow::Result<Box<dyn BufRead>> {
        (self.reader)().context("cannot read the input again")
    }
}

/// Opens `path` ('-' for stdin); returns the input and a reader for the first pass.
pub fn open_input(path: &Path) -> anyhow::Result<(Input, Box<dyn BufRead>)> {
    if path == Path::new("-") {
        let spool = tempfile::tempfile().context("cannot create a temporary file for stdin")?;
        let mut spool_for_reading = spool.try_clone()?;
        let input = Input {
            name: "stdin".into(),
            reader: Box::new(move || {
                spool_for_reading.rewind()?;
                Ok(Box::new(BufReader::new(spool_for_reading.try_clone()?)) as Box<dyn BufRead>)
            }),
        };
        let tee = Tee {
            inner: std::io::stdin(),
            copy: spool,
        };
        return Ok((input, Box::new(BufReader::new(tee))));
    }
    let open = |path: &Path| -> Result<File, BadInput> {
        let unreadable = |err: &dyn std::fmt::Display| {
            BadInput(format!("cannot read --input {}: {err}", path.display()))
        };
        let file = File::open(path).map_err(|err| unreadable(&err))?;
        match file.metadata() {
            Ok(meta) if meta.is_dir() => Err(unreadable(&"it is a directory")),
            _ => Ok(file),
        }
    };
    let first = open(path)?;
    let owned = path.to_owned();
    let input = Input {
        name: path.display().to_string(),
        reader: Box::new(move || {
            let file = File::open(&owned)?;
            Ok(Box::new(BufReader::new(file)) as Box<dyn BufRead>)
        }),
    };
    Ok((input, Box::new(BufReader::new(first))))
}

/// Copies what is read from stdin into the spool file.
struct Tee<R: Read> {
    inner: R,
    copy: File,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.copy.write_all(&buf[..read])?;
        Ok(read)
    }
}

/// One line of input, without its line break.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(Vec<u8>),
    /// Longer than [`MAX_LINE_BYTES`]: skipped without being kept; its length is given.
    TooLong(u64),
}

/// Numbered lines (from 1), read one at a time, each at most `max` bytes held. A UTF-8 byte
/// order mark at the start of the input is skipped.
pub struct NumberedLines<R> {
    reader: R,
    number: u64,
    max: usize,
}

pub fn numbered_lines<R: BufRead>(reader: R) -> NumberedLines<R> {
    NumberedLines {
        reader,
        number: 0,
        max: MAX_LINE_BYTES,
    }
}

impl<R: BufRead> NumberedLines<R> {
    /// The next line into `line`, its buffer used again when it holds text (an import reads a
    /// file's lines without an allocation each): the line's number, or None at the end.
    pub fn next_into(&mut self, line: &mut Line) -> Option<anyhow::Result<u64>> {
        let mut text = match std::mem::replace(line, Line::TooLong(0)) {
            Line::Text(text) => text,
            Line::TooLong(_) => Vec::new(),
        };
        let length = match self.read_text(&mut text) {
            Ok(None) => return None,
            Ok(Some(length)) => length,
            Err(err) => return Some(Err(anyhow::Error::new(err).context("cannot read the input"))),
        };
        self.number += 1;
        if self.number == 1 && text.starts_with(b"\xef\xbb\xbf") {
            text.drain(..3);
        }
        *line = match length > self.max as u64 {
            true => Line::TooLong(length),
            false => Line::Text(text),
        };
        Some(Ok(self.number))
    }

    /// Reads up to the next line break into `text`, without it (and a `\r` before it); past
    /// `max` bytes the rest of the line is skipped and `text` left empty. The line's length,
    /// or None at the end of the input.
    fn read_text(&mut self, text: &mut Vec<u8>) -> std::io::Result<Option<u64>> {
        text.clear();
        let (mut length, mut any) = (0u64, false);
        loop {
            let available = self.reader.fill_buf()?;
            if available.is_empty() {
                break;
            }
            any = true;
            // memchr: a byte-by-byte search was a twentieth of an import's time.
            let end = memchr::memchr(b'\n', available);
            let chunk = &available[..end.unwrap_or(available.len())];
            length += chunk.len() as u64;
            match length <= self.max as u64 {
                true => text.extend_from_slice(chunk),
                false => text.clear(),
            }
            let consumed = end.map_or(chunk.len(), |end| end + 1);
            self.reader.consume(consumed);
            if end.is_some() {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        if length <= self.max as u64 && text.last() == Some(&b'\r') {
            text.pop();
        }
        Ok(Some(length))
    }
}

impl<R: BufRead> Iterator for NumberedLines<R> {
    type Item = anyhow::Result<(u64, Line)>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut line = Line::Text(Vec::new());
        let number = self.next_into(&mut line)?;
        Some(number.map(|number| (number, line)))
    }
}

/// What one line turned out to be.
pub enum LineOutcome {
    Blank,
    Event(Box<Event>),
    Invalid(String),
}

/// Decodes a line; `fallback_id` names an event whose line has no id.
pub fn parse_line(
    line: &Line,
    now: DateTime<Utc>,
    fallback_id: impl FnOnce() -> String,
) -> LineOutcome {
    let line = match line {
        Line::Text(line) => line,
        Line::TooLong(length) => {
            return LineOutcome::Invalid(format!(
                "line is {length} bytes, more than the {MAX_LINE_BYTES} an event may take"
            ))
        }
    };
    let Ok(text) = std::str::from_utf8(line) else {
        return LineOutcome::Invalid("not UTF-8".into());
    };
    let text = text.trim();
    if text.is_empty() {
        return LineOutcome::Blank;
    }
    if !text.starts_with('{') {
        return LineOutcome::Invalid("expected a JSON object with page and time".into());
    }
    match decode_input_line(text, fallback_id, now) {
        Ok(event) => LineOutcome::Event(Box::new(event)),
        Err(err) => LineOutcome::Invalid(err.to_string()),
    }
}

/// Ids for input lines without one: the line's content (SHA-256) and how many identical
/// lines came before it. Sending the same lines again, or the same file after more lines were
/// appended, gives the same ids, so nothing is counted twice; identical lines within one input
/// stay distinct views.
#[derive(Default)]
pub struct ContentIds {
    seen: HashMap<[u8; 8], u32>,
}

impl ContentIds {
    pub fn next(&mut self, line: &Line) -> String {
        let content = match line {
            Line::Text(text) => text.trim_ascii(),
            Line::TooLong(_) => &[],
        };
        let digest = Sha256::digest(content);
        let key: [u8; 8] = digest[..8].try_into().expect("8 bytes");
        let occurrence = self.seen.entry(key).or_insert(0);
        *occurrence += 1;
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        format!("{hex}-{occurrence}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<Line> {
        let mut lines = numbered_lines(input);
        lines.max = max;
        lines.map(|line| line.unwrap().1).collect()
    }

    #[test]
    fn long_lines_are_skipped_without_being_held() {
        let text = |t: &str| Line::Text(t.as_bytes().to_vec());
        assert_eq!(
            lines(b"abc\r\nabcdefgh\nxy", 4),
            [text("abc"), Line::TooLong(8), text("xy")]
        );
        assert_eq!(lines(b"abcd\n\n", 4), [text("abcd"), text("")]);
        assert_eq!(lines(b"\xef\xbb\xbfab\n", 8), [text("ab")]);
        // A line longer than the reader's own buffer is still measured whole.
        let long = vec![b'x'; 20_000];
        let reader = BufReader::with_capacity(16, &long[..]);
        let mut numbered = numbered_lines(reader);
        numbered.max = 100;
        assert_eq!(
            numbered.next().unwrap().unwrap(),
            (1, Line::TooLong(20_000))
        );
        assert!(numbered.next().is_none());
    }

    #[test]
    fn lines_read_into_one_buffer_are_the_lines_read_one_by_one() {
        let input = b"\xef\xbb\xbfab\r\nabcdefgh\n\nlonger line\nxy";
        let mut numbered = numbered_lines(&input[..]);
        numbered.max = 12;
        let mut line = Line::Text(Vec::new());
        let mut read = Vec::new();
        while let Some(number) = numbered.next_into(&mut line) {
            let text = match &line {
                Line::Text(text) => Line::Text(text.clone()),
                Line::TooLong(length) => Line::TooLong(*length),
            };
            read.push((number.unwrap(), text));
        }
        let expected: Vec<(u64, Line)> = (1..).zip(lines(input, 12)).collect();
        assert_eq!(read, expected);
        assert_eq!(read.len(), 5);
    }

    #[test]
    fn identical_lines_get_distinct_stable_ids() {
        let mut ids = ContentIds::default();
        let line = Line::Text(br#"{"page":"/a","time":"2021-03-13T00:00:00Z"}"#.to_vec());
        let (first, second) = (ids.next(&line), ids.next(&line));
        assert_ne!(first, second);
        assert!(first.ends_with("-1") && second.ends_with("-2"));
        assert_eq!(ContentIds::default().next(&line), first);
    }
}
