//! Lines out of a stream of byte chunks (an S3 object read as it arrives), gunzipped when the
//! stream starts as gzip does, whatever its name (pure code). Each chunk gives the lines it
//! completes; a line longer than the limit is skipped without being kept, its length given, as
//! files' lines are (`pipeline::ndjson::numbered_lines`), so memory stays within a chunk, its
//! decompressed bytes and one line.

use flate2::write::MultiGzDecoder;
use std::io::Write as _;

use crate::pipeline::ndjson::Line;

/// The first bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// What the stream turned out to be.
enum Encoding {
    /// Fewer than two bytes seen: not known yet.
    Unknown(Vec<u8>),
    Plain,
    Gzip(Box<MultiGzDecoder<Vec<u8>>>),
}

/// Splits a stream of chunks into lines.
pub struct ChunkLines {
    encoding: Encoding,
    /// The current line so far, while it is within the limit.
    partial: Vec<u8>,
    /// The current line's length so far, kept or not.
    length: u64,
    max: usize,
}

impl ChunkLines {
    /// Lines of at most `max` bytes are given; longer ones as [`Line::TooLong`].
    pub fn new(max: usize) -> ChunkLines {
        ChunkLines {
            encoding: Encoding::Unknown(Vec::new()),
            partial: Vec::new(),
            length: 0,
            max,
        }
    }

    /// The lines `chunk` completes; an error when the gzip stream is damaged.
    pub fn push(&mut self, chunk: &[u8]) -> Result<Vec<Line>, String> {
        let mut lines = Vec::new();
        match &mut self.encoding {
            Encoding::Unknown(start) => {
                start.extend_from_slice(chunk);
                if start.len() < GZIP_MAGIC.len() {
                    return Ok(lines);
                }
                let start = std::mem::take(start);
                self.encoding = match start.starts_with(&GZIP_MAGIC) {
                    true => Encoding::Gzip(Box::new(MultiGzDecoder::new(Vec::new()))),
                    false => Encoding::Plain,
                };
                return self.push(&start);
            }
            Encoding::Plain => self.split(chunk, &mut lines),
            Encoding::Gzip(decoder) => {
                decoder
                    .write_all(chunk)
                    .and_then(|()| decoder.flush())
                    .map_err(|err| format!("not a valid gzip stream: {err}"))?;
                let decoded = std::mem::take(decoder.get_mut());
                self.split(&decoded, &mut lines);
            }
        }
        Ok(lines)
    }

    /// The last line, when the stream does not end with a line break; an error when a gzip
    /// stream ends early.
    pub fn finish(mut self) -> Result<Vec<Line>, String> {
        let mut lines = Vec::new();
        match std::mem::replace(&mut self.encoding, Encoding::Plain) {
            Encoding::Unknown(start) => self.split(&start, &mut lines),
            Encoding::Plain => {}
            Encoding::Gzip(decoder) => {
                let decoded = decoder
                    .finish()
                    .map_err(|err| format!("the gzip stream ends early: {err}"))?;
                self.split(&decoded, &mut lines);
            }
        }
        if self.length > 0 {
            lines.push(self.end_line());
        }
        Ok(lines)
    }

    fn split(&mut self, mut bytes: &[u8], lines: &mut Vec<Line>) {
        while let Some(at) = memchr::memchr(b'\n', bytes) {
            self.take(&bytes[..at]);
            lines.push(self.end_line());
            bytes = &bytes[at + 1..];
        }
        self.take(bytes);
    }

    fn take(&mut self, bytes: &[u8]) {
        self.length += bytes.len() as u64;
        match self.length <= self.max as u64 {
            true => self.partial.extend_from_slice(bytes),
            false => self.partial = Vec::new(),
        }
    }

    fn end_line(&mut self) -> Line {
        let length = std::mem::take(&mut self.length);
        let mut line = std::mem::take(&mut self.partial);
        if length > self.max as u64 {
            return Line::TooLong(length);
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        Line::Text(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(lines: Vec<Line>) -> Vec<String> {
        lines
            .into_iter()
            .map(|line| match line {
                Line::Text(text) => String::from_utf8(text).unwrap(),
                Line::TooLong(length) => format!("<{length} bytes>"),
            })
            .collect()
    }

    /// All the lines of `bytes` fed in chunks of `size`.
    fn lines_in_chunks(bytes: &[u8], size: usize, max: usize) -> Result<Vec<String>, String> {
        let mut split = ChunkLines::new(max);
        let mut lines = Vec::new();
        for chunk in bytes.chunks(size) {
            lines.extend(split.push(chunk)?);
        }
        lines.extend(split.finish()?);
        Ok(texts(lines))
    }

    fn gzip(parts: &[&[u8]]) -> Vec<u8> {
        // Members written one after another, as S3 log deliveries concatenate them.
        let mut out = Vec::new();
        for part in parts {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(part).unwrap();
            out.extend(gz.finish().unwrap());
        }
        out
    }

    #[test]
    fn lines_span_chunks_of_any_size_plain_or_gzipped() {
        let text = b"one\r\ntwo\n\nthree without a break";
        let want = ["one", "two", "", "three without a break"];
        for size in [1, 2, 3, 7, 64] {
            assert_eq!(lines_in_chunks(text, size, 100).unwrap(), want, "{size}");
            let zipped = gzip(&[b"one\r\ntwo\n", b"\nthree without a break"]);
            assert_eq!(lines_in_chunks(&zipped, size, 100).unwrap(), want, "{size}");
        }
        assert_eq!(lines_in_chunks(b"", 4, 100).unwrap(), Vec::<String>::new());
        assert_eq!(lines_in_chunks(b"x", 4, 100).unwrap(), ["x"]);
        assert_eq!(lines_in_chunks(b"a\n", 1, 100).unwrap(), ["a"]);
    }

    #[test]
    fn a_line_past_the_limit_is_given_by_its_length_only() {
        let text = format!("short\n{}\nafter\n", "x".repeat(25));
        assert_eq!(
            lines_in_chunks(text.as_bytes(), 4, 10).unwrap(),
            ["short", "<25 bytes>", "after"]
        );
    }

    #[test]
    fn a_damaged_gzip_stream_is_an_error() {
        let mut zipped = gzip(&[b"one\ntwo\n"]);
        zipped.truncate(zipped.len() - 6);
        let err = lines_in_chunks(&zipped, 8, 100).unwrap_err();
        assert!(err.starts_with("the gzip stream ends early"), "{err}");
        let mut garbled = gzip(&[b"one\ntwo\n"]);
        garbled[3] = 0xff;
        assert!(lines_in_chunks(&garbled, 8, 100).is_err());
    }
}
