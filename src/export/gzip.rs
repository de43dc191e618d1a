//! A file's compressed bytes as they are made: gzip with a fixed header (no time, no file
//! name), so the same rows always make the same bytes; hashed (SHA-256) and counted on the way
//! out, and held only until the destination takes them.

use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};
use sha2::{Digest, Sha256};
use std::io::Write;

/// The gzip header's operating system byte: "unknown", the same on every machine.
const ANY_OS: u8 = 255;

/// One file being compressed.
pub(super) struct Compressed {
    encoder: GzEncoder<Tap>,
}

/// What the encoder writes goes here: counted, hashed, and kept until taken.
#[derive(Default)]
struct Tap {
    ready: Vec<u8>,
    hasher: Sha256,
    bytes: u64,
}

impl Write for Tap {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.hasher.update(buf);
        self.ready.extend_from_slice(buf);
        self.bytes += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The end of a file: its last bytes, its size and its SHA-256 in hex.
pub(super) struct Finished {
    pub rest: Vec<u8>,
    pub bytes: u64,
    pub sha256: String,
}

impl Compressed {
    pub(super) fn new() -> Self {
        let encoder = GzBuilder::new()
            .mtime(0)
            .operating_system(ANY_OS)
            .write(Tap::default(), Compression::default());
        Compressed { encoder }
    }

    /// Compresses `data`. Writing to memory cannot fail.
    pub(super) fn write(&mut self, data: &[u8]) {
        self.encoder
            .write_all(data)
            .expect("compressing into memory cannot fail");
    }

    /// Compressed bytes not taken yet.
    pub(super) fn ready(&self) -> usize {
        self.encoder.get_ref().ready.len()
    }

    /// Takes the compressed bytes made so far.
    pub(super) fn take(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.encoder.get_mut().ready)
    }

    pub(super) fn finish(self) -> Finished {
        let tap = self
            .encoder
            .finish()
            .expect("compressing into memory cannot fail");
        Finished {
            rest: tap.ready,
            bytes: tap.bytes,
            sha256: hex(&tap.hasher.finalize()),
        }
    }
}

impl Default for Compressed {
    fn default() -> Self {
        Compressed::new()
    }
}

/// Bytes as lowercase hex digits.
pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn compress(chunks: &[&[u8]], take_between: bool) -> (Vec<u8>, Finished) {
        let mut file = Compressed::new();
        let mut out = Vec::new();
        for chunk in chunks {
            file.write(chunk);
            if take_between {
                out.extend(file.take());
            }
        }
        let finished = file.finish();
        out.extend_from_slice(&finished.rest);
        (out, finished)
    }

    #[test]
    fn the_same_rows_make_the_same_bytes_and_read_back() {
        let (first, done) = compress(&[b"a line\n", b"another\n"], true);
        let (second, _) = compress(&[b"a line\nanother\n"], false);
        assert_eq!(first, second);
        assert_eq!(done.bytes, first.len() as u64);
        assert_eq!(done.sha256, hex(&Sha256::digest(&first)));
        // No time and no name in the header: bytes 4..8 (mtime) are zero, no FNAME flag.
        assert_eq!(&first[4..8], &[0, 0, 0, 0]);
        assert_eq!(first[3] & 0x08, 0);
        let mut text = String::new();
        flate2::read::GzDecoder::new(&first[..])
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "a line\nanother\n");
    }
}
