//! Where `import` reads lines from, as a [`Source`]: files (paths, `-` for stdin), gzip read
//! directly (told by its first bytes, whatever the name), and a followed file read as it grows
//! (`tail -f`), reopened when it is rotated. The objects under an S3 prefix are another
//! implementation (`s3_input`): inputs streamed in chunks, remembered once read whole.

use anyhow::Context as _;
use async_trait::async_trait;
use flate2::read::MultiGzDecoder;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::model::bad_input::BadInput;
use crate::pipeline::ndjson::{Line, MAX_LINE_BYTES};

/// How often a followed file is looked at again.
const FOLLOW_POLL: Duration = Duration::from_millis(250);

/// What a source gives next.
pub enum Next {
    /// An input to read whole, start to end.
    Input(Opened),
    /// Complete lines of an input read in parts (a followed file, an object as it arrives);
    /// `first` is the number of the first of them in that input (from 1).
    Lines {
        name: String,
        first: u64,
        lines: Vec<Line>,
    },
    /// The input read in parts named `name` has ended: once its views are queued, the import
    /// tells the source ([`Source::read_whole`]), which may remember it (so that a run from
    /// cron reads only new inputs).
    Finished { name: String },
    /// Nothing new yet: send what was read, then ask again after this long (or stop on a
    /// signal).
    Idle(Duration),
    /// Everything was read.
    End,
}

/// A source of log lines for one import run.
#[async_trait]
pub trait Source: Send {
    async fn next(&mut self) -> anyhow::Result<Next>;

    /// Whether the source waits for more at its end, until SIGINT or SIGTERM.
    fn follows(&self) -> bool {
        false
    }

    /// The input `name` ([`Next::Finished`]) was read whole and its views are queued.
    async fn read_whole(&mut self, _name: &str) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Files named on the command line, each read once, in order.
pub struct Files {
    paths: VecDeque<PathBuf>,
}

impl Files {
    pub fn new(paths: &[PathBuf]) -> Files {
        Files {
            paths: paths.iter().cloned().collect(),
        }
    }
}

#[async_trait]
impl Source for Files {
    async fn next(&mut self) -> anyhow::Result<Next> {
        match self.paths.pop_front() {
            Some(path) => Ok(Next::Input(open(&path)?)),
            None => Ok(Next::End),
        }
    }
}

/// One plain file read as it grows, until the import is stopped.
pub struct FollowedFile {
    name: String,
    followed: Followed,
    lines_read: u64,
}

impl FollowedFile {
    pub fn open(path: &Path) -> anyhow::Result<FollowedFile> {
        Ok(FollowedFile {
            name: path.display().to_string(),
            followed: Followed::open(path)?,
            lines_read: 0,
        })
    }
}

#[async_trait]
impl Source for FollowedFile {
    async fn next(&mut self) -> anyhow::Result<Next> {
        let lines = self.followed.read_more()?;
        if lines.is_empty() {
            return Ok(Next::Idle(FOLLOW_POLL));
        }
        let first = self.lines_read + 1;
        self.lines_read += lines.len() as u64;
        let lines = lines
            .into_iter()
            .map(|text| match text.len() > MAX_LINE_BYTES {
                true => Line::TooLong(text.len() as u64),
                false => Line::Text(text),
            })
            .collect();
        Ok(Next::Lines {
            name: self.name.clone(),
            first,
            lines,
        })
    }

    fn follows(&self) -> bool {
        true
    }
}

/// The first bytes of a gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// An input opened for reading once, start to end.
pub struct Opened {
    pub name: String,
    pub reader: Box<dyn BufRead + Send>,
}

fn unreadable(path: &Path, err: &dyn std::fmt::Display) -> BadInput {
    BadInput(format!("cannot read {}: {err}", path.display()))
}

/// Opens `path` (`-`: stdin), gunzipping it when it is gzip.
pub fn open(path: &Path) -> anyhow::Result<Opened> {
    if path == Path::new("-") {
        let reader = BufReader::with_capacity(1 << 16, std::io::stdin());
        return Ok(Opened {
            name: "stdin".into(),
            reader: gunzip_if_needed(reader)?,
        });
    }
    let file = File::open(path).map_err(|err| unreadable(path, &err))?;
    if file.metadata().is_ok_and(|meta| meta.is_dir()) {
        return Err(unreadable(path, &"it is a folder").into());
    }
    let reader = BufReader::with_capacity(1 << 16, file);
    Ok(Opened {
        name: path.display().to_string(),
        reader: gunzip_if_needed(reader)?,
    })
}

/// `reader`, gunzipped when its first bytes are gzip's.
pub fn gunzip_if_needed<R: BufRead + Send + 'static>(
    mut reader: R,
) -> anyhow::Result<Box<dyn BufRead + Send>> {
    let start = reader.fill_buf().context("cannot read the input")?;
    if start.starts_with(&GZIP_MAGIC) {
        let decoder = MultiGzDecoder::new(reader);
        return Ok(Box::new(BufReader::with_capacity(1 << 16, decoder)));
    }
    Ok(Box::new(reader))
}

/// A plain file read as it grows: at its end, [`Followed::read_more`] waits for more.
pub struct Followed {
    path: PathBuf,
    file: File,
    /// Bytes read so far of the current file.
    offset: u64,
    /// The end of a line not yet complete.
    partial: Vec<u8>,
}

impl Followed {
    pub fn open(path: &Path) -> anyhow::Result<Followed> {
        let file = File::open(path).map_err(|err| unreadable(path, &err))?;
        if file.metadata().is_ok_and(|meta| meta.is_dir()) {
            return Err(unreadable(path, &"it is a folder").into());
        }
        Ok(Followed {
            path: path.to_owned(),
            file,
            offset: 0,
            partial: Vec::new(),
        })
    }

    /// The complete lines written since the last call (without their line breaks), read from
    /// the file as it is now; after a rotation (the file at the path is another one, or it
    /// shrank) the new file from its start.
    pub fn read_more(&mut self) -> anyhow::Result<Vec<Vec<u8>>> {
        self.reopen_if_rotated()?;
        let mut bytes = Vec::new();
        self.file
            .seek(SeekFrom::Start(self.offset))
            .and_then(|_| self.file.read_to_end(&mut bytes))
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        self.offset += bytes.len() as u64;
        self.partial.extend_from_slice(&bytes);
        let Some(last_break) = self.partial.iter().rposition(|&byte| byte == b'\n') else {
            return Ok(Vec::new());
        };
        let rest = self.partial.split_off(last_break + 1);
        let complete = std::mem::replace(&mut self.partial, rest);
        Ok(complete[..complete.len() - 1]
            .split(|&byte| byte == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line).to_vec())
            .collect())
    }

    fn reopen_if_rotated(&mut self) -> anyhow::Result<()> {
        let Ok(now) = std::fs::metadata(&self.path) else {
            // Between a rename and the new file's creation: keep reading the old one.
            return Ok(());
        };
        let current = self.file.metadata()?;
        if same_file(&now, &current) && now.len() >= self.offset {
            return Ok(());
        }
        // The rest of the old file first would need it still open; it is read to its end
        // before each wait, so only lines written in the last moment could be missed.
        self.file = File::open(&self.path)
            .with_context(|| format!("cannot reopen {}", self.path.display()))?;
        self.offset = 0;
        self.partial.clear();
        tracing::info!(path = %self.path.display(), "log rotated; reading the new file");
        Ok(())
    }
}

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn gzip_is_read_by_its_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log.1");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"one\ntwo\n").unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        let mut text = String::new();
        open(&path)
            .unwrap()
            .reader
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "one\ntwo\n");
        let plain = dir.path().join("access.log");
        std::fs::write(&plain, "three\n").unwrap();
        let mut text = String::new();
        open(&plain)
            .unwrap()
            .reader
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "three\n");
        assert!(open(dir.path()).is_err());
    }

    #[test]
    fn a_followed_file_gives_whole_lines_and_survives_rotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        std::fs::write(&path, "a\nb\npart").unwrap();
        let mut followed = Followed::open(&path).unwrap();
        assert_eq!(
            followed.read_more().unwrap(),
            [b"a".to_vec(), b"b".to_vec()]
        );
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"ial\r\nc\n").unwrap();
        assert_eq!(
            followed.read_more().unwrap(),
            [b"partial".to_vec(), b"c".to_vec()]
        );
        assert!(followed.read_more().unwrap().is_empty());
        std::fs::rename(&path, dir.path().join("access.log.1")).unwrap();
        std::fs::write(&path, "d\n").unwrap();
        assert_eq!(followed.read_more().unwrap(), [b"d".to_vec()]);
    }
}
