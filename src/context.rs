//! What every command needs: the global flags, the opened backend, and stderr helpers.

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

use crate::backend::aws::{self, AwsSettings, Names};
use crate::backend::{self, Backend, InitOptions, ResourceReport};
use crate::cli::{BackendKind, GlobalArgs};

pub struct Context {
    pub global: GlobalArgs,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Self {
        Context { global }
    }

    /// The local backend's data directory: --data-dir, else the user's data directory.
    pub fn data_dir(&self) -> anyhow::Result<PathBuf> {
        if let Some(dir) = &self.global.data_dir {
            return Ok(dir.clone());
        }
        dirs::data_dir().map(|dir| dir.join("pageviews")).context(
            "no user data directory is known here: pass --data-dir or set PAGEVIEWS_DATA_DIR",
        )
    }

    pub fn aws_settings(&self) -> AwsSettings {
        AwsSettings {
            profile: self.global.profile.clone(),
            region: self.global.region.clone(),
            endpoint_url: self.global.endpoint_url.clone(),
            attempt_timeout: Duration::from_secs(self.global.aws_timeout),
        }
    }

    /// Opens the deployment for use; it must have been created by `init`.
    pub async fn open(&self) -> anyhow::Result<Backend> {
        match self.global.backend {
            BackendKind::Local => Ok(backend::local::open(&self.data_dir()?, &self.global.name)?),
            BackendKind::Aws => aws::open(&self.aws_settings(), &self.global.name).await,
        }
    }

    /// Creates the deployment's resources (idempotent).
    pub async fn provision(&self, options: &InitOptions) -> anyhow::Result<Vec<ResourceReport>> {
        match self.global.backend {
            BackendKind::Local => Ok(backend::local::init(
                &self.data_dir()?,
                &self.global.name,
                options,
            )?),
            BackendKind::Aws => {
                let clients = aws::connect(&self.aws_settings()).await?;
                let spinner = self.progress(None, "init");
                let names = Names::new(&self.global.name);
                let reports = aws::provision::init(&clients, &names, options, &spinner).await;
                spinner.finish_and_clear();
                reports
            }
        }
    }

    /// Deletes the deployment's resources; returns each with whether it existed.
    pub async fn teardown(&self) -> anyhow::Result<Vec<(String, bool)>> {
        match self.global.backend {
            BackendKind::Local => {
                let dir = self.data_dir()?;
                let deleted = backend::local::teardown(&dir, &self.global.name)?;
                let path = backend::local::database_path(&dir, &self.global.name);
                Ok(vec![(format!("database {}", path.display()), deleted)])
            }
            BackendKind::Aws => {
                let clients = aws::connect(&self.aws_settings()).await?;
                aws::provision::teardown(&clients, &Names::new(&self.global.name)).await
            }
        }
    }

    /// Visibility timeout `init` gives the queue unless told otherwise.
    pub fn default_visibility_timeout(&self) -> Duration {
        match self.global.backend {
            BackendKind::Local => Duration::from_secs(30),
            BackendKind::Aws => Duration::from_secs(300),
        }
    }

    /// Whether the backend's queue counts are exact (SQLite) or approximate (SQS).
    pub fn is_exact(&self) -> bool {
        self.global.backend == BackendKind::Local
    }

    /// Default long-poll wait of one receive on this backend.
    pub fn default_wait(&self) -> Duration {
        match self.global.backend {
            BackendKind::Local => Duration::from_secs(1),
            BackendKind::Aws => Duration::from_secs(20),
        }
    }

    /// A human-facing line on stderr, unless --quiet.
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.global.quiet {
            eprintln!("{}", line.as_ref());
        }
    }

    /// A progress bar with a rate, drawn only on a terminal and never with --quiet.
    pub fn progress(&self, total: Option<u64>, what: &str) -> ProgressBar {
        if self.global.quiet || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let bar = match total {
            Some(total) => ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
            None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
        };
        let template = match total {
            Some(_) => {
                "{spinner} {prefix} [{bar:30}] {human_pos}/{human_len} ({per_sec}, {eta} left)"
            }
            None => "{spinner} {prefix} {human_pos} ({per_sec}) {elapsed}",
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(what.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }
}
