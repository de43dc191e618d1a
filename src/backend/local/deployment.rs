//! A local deployment as a whole: where its database file is, creating and deleting it.

use anyhow::Context as _;
use async_trait::async_trait;
use indicatif::ProgressBar;
use rusqlite::OpenFlags;
use std::path::{Path, PathBuf};

use super::{connect, database_path, schema};
use crate::backend::{
    Backend, BackendError, BackendResult, Deployment, InitOptions, Removal, ResourceReport,
};

/// The deployment `name` in a data directory (`None`: the user's data directory).
pub struct LocalDeployment {
    data_dir: Option<PathBuf>,
    name: String,
}

impl LocalDeployment {
    pub fn new(data_dir: Option<PathBuf>, name: &str) -> Self {
        LocalDeployment {
            data_dir,
            name: name.to_owned(),
        }
    }

    fn data_dir(&self) -> anyhow::Result<PathBuf> {
        data_dir(self.data_dir.as_deref())
    }
}

/// --data-dir (`given`), else the user's data directory: where the local databases, and the
/// dashboard's share links on either backend, are kept.
pub fn data_dir(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = given {
        return Ok(dir.to_owned());
    }
    dirs::data_dir()
        .map(|dir| dir.join("pageviews"))
        .context("no user data directory is known here: pass --data-dir or set PAGEVIEWS_DATA_DIR")
}

#[async_trait]
impl Deployment for LocalDeployment {
    async fn open(&self) -> anyhow::Result<Backend> {
        Ok(super::open(&self.data_dir()?, &self.name)?)
    }

    async fn provision(
        &self,
        options: &InitOptions,
        _progress: &ProgressBar,
    ) -> anyhow::Result<Vec<ResourceReport>> {
        let dir = self.data_dir()?;
        let (name, options) = (self.name.clone(), options.clone());
        Ok(tokio::task::spawn_blocking(move || init(&dir, &name, &options)).await??)
    }

    async fn teardown(&self) -> anyhow::Result<Vec<Removal>> {
        let dir = self.data_dir()?;
        let existed = teardown(&dir, &self.name)?;
        let path = database_path(&dir, &self.name);
        Ok(vec![Removal {
            resource: format!("database {}", path.display()),
            existed,
        }])
    }
}

/// Creates the deployment's database and tables; safe to run again.
pub(super) fn init(
    data_dir: &Path,
    name: &str,
    options: &InitOptions,
) -> BackendResult<Vec<ResourceReport>> {
    std::fs::create_dir_all(data_dir).map_err(|err| {
        BackendError::permanent(format!(
            "cannot create data directory {}: {err}",
            data_dir.display()
        ))
        .caused_by(err)
    })?;
    let path = database_path(data_dir, name);
    let mut conn = connect(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )?;
    schema::provision(&mut conn, &path, name, options)
}

/// Deletes the deployment's database; returns whether there was one.
pub(super) fn teardown(data_dir: &Path, name: &str) -> BackendResult<bool> {
    let path = database_path(data_dir, name);
    if !path.exists() {
        return Ok(false);
    }
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&file) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(BackendError::permanent(format!(
                    "cannot delete {}: {err}",
                    file.display()
                ))
                .caused_by(err))
            }
            _ => {}
        }
    }
    Ok(true)
}
