//! Where exported files go: a folder, or an S3 bucket and prefix (`s3://bucket/prefix`). Each
//! file is written whole or not at all: into a temporary file renamed over the old one, or an
//! S3 object that appears when its upload completes.

use anyhow::Context as _;
use async_trait::async_trait;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::s3::S3Destination;
use crate::backend::aws::Aws;
use crate::model::bad_input::BadInput;

/// A destination's files, by key (a path inside it such as `day=2021-03-13/manifest.json`).
#[async_trait]
pub trait Destination: Send + Sync {
    /// Starts writing the file at `key`, replacing any file there once finished.
    async fn create(&self, key: &str) -> anyhow::Result<Box<dyn Upload>>;

    /// The whole file at `key`, or `None` when there is none.
    async fn read(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>>;

    /// The size of the file at `key`, or `None` when there is none.
    async fn size(&self, key: &str) -> anyhow::Result<Option<u64>>;

    /// The file at `key` as people name it: a path, or an `s3://` URL.
    fn name(&self, key: &str) -> String;
}

/// One file being written, a part at a time.
#[async_trait]
pub trait Upload: Send {
    /// Adds the next part (each but the last at least [`PART_BYTES`]).
    async fn part(&mut self, bytes: Vec<u8>) -> anyhow::Result<()>;

    /// Adds the last bytes and makes the file appear whole.
    async fn finish(self: Box<Self>, last: Vec<u8>) -> anyhow::Result<()>;

    /// Gives up: nothing of this file appears.
    async fn abort(self: Box<Self>);
}

pub use crate::backend::aws::s3::PART_BYTES;

/// `s3://bucket/prefix` or a folder, from `--output`.
pub async fn open(output: &str, aws: &Aws) -> anyhow::Result<Box<dyn Destination>> {
    match output.strip_prefix("s3://") {
        Some(rest) => {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(BadInput(format!(
                    "--output {output:?} names no bucket: write s3://BUCKET/PREFIX"
                ))
                .into());
            }
            Ok(Box::new(S3Destination::new(aws.s3(bucket).await?, prefix)))
        }
        None if output.contains("://") => Err(BadInput(format!(
            "--output {output:?}: only folders and s3://BUCKET/PREFIX are supported"
        ))
        .into()),
        None => Ok(Box::new(Folder {
            root: PathBuf::from(output),
        })),
    }
}

/// A folder on this machine.
pub struct Folder {
    root: PathBuf,
}

impl Folder {
    fn path(&self, key: &str) -> PathBuf {
        self.root.join(key)
    }
}

#[async_trait]
impl Destination for Folder {
    async fn create(&self, key: &str) -> anyhow::Result<Box<dyn Upload>> {
        let path = self.path(key);
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(|err| {
            BadInput(format!(
                "cannot create the folder {} ({err}): check --output",
                dir.display()
            ))
        })?;
        let file = tempfile::Builder::new()
            .prefix(".pageviews-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot write in {}", dir.display()))?;
        Ok(Box::new(FolderUpload { file, path }))
    }

    async fn read(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let path = self.path(key);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    async fn size(&self, key: &str) -> anyhow::Result<Option<u64>> {
        let path = self.path(key);
        match std::fs::metadata(&path) {
            Ok(meta) => Ok(Some(meta.len())),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    fn name(&self, key: &str) -> String {
        self.path(key).display().to_string()
    }
}

/// A file written beside its final name and renamed over it when finished, so a reader never
/// sees half of it.
struct FolderUpload {
    file: tempfile::NamedTempFile,
    path: PathBuf,
}

#[async_trait]
impl Upload for FolderUpload {
    async fn part(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.file
            .write_all(&bytes)
            .with_context(|| format!("cannot write {}", self.path.display()))
    }

    async fn finish(mut self: Box<Self>, last: Vec<u8>) -> anyhow::Result<()> {
        let context = || format!("cannot write {}", self.path.display());
        self.file.write_all(&last).with_context(context)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let readable = std::fs::Permissions::from_mode(0o644);
            self.file
                .as_file()
                .set_permissions(readable)
                .with_context(context)?;
        }
        self.file.as_file().sync_all().with_context(context)?;
        let FolderUpload { file, path } = *self;
        file.persist(&path)
            .map_err(|err| err.error)
            .with_context(|| format!("cannot write {}", path.display()))?;
        Ok(())
    }

    async fn abort(self: Box<Self>) {
        // Dropping the temporary file deletes it.
    }
}
