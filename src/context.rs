//! What every command needs: the global flags, the opened backend, and stderr helpers.

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

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

    /// Opens the deployment for use; it must have been created by `init`.
    pub fn open(&self) -> anyhow::Result<Backend> {
        match self.global.backend {
            BackendKind::Local => Ok(backend::local::open(&self.data_dir()?, &self.global.name)?),
            BackendKind::Aws => aws_not_available(),
        }
    }

    /// Creates the deployment's resources (idempotent).
    pub fn provision(&self, options: &InitOptions) -> anyhow::Result<Vec<ResourceReport>> {
        match self.global.backend {
            BackendKind::Local => Ok(backend::local::init(
                &self.data_dir()?,
                &self.global.name,
                options,
            )?),
            BackendKind::Aws => aws_not_available(),
        }
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

fn aws_not_available<T>() -> anyhow::Result<T> {
    anyhow::bail!(
        "the aws backend is not part of this build yet; use --backend local (the default)"
    )
}
