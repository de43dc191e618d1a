//! What every command needs: the global flags, the deployment they name, and stderr helpers.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

use crate::backend::aws::AwsSettings;
use crate::backend::{self, Backend, Deployment, Target};
use crate::cli::GlobalArgs;
use crate::model::bad_input::BadInput;

pub struct Context {
    pub global: GlobalArgs,
    /// The deployment the flags name, on whichever backend they chose.
    pub deployment: Box<dyn Deployment>,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Self {
        let deployment = backend::deployment(&target(&global));
        Context { global, deployment }
    }

    /// Opens the deployment for use; it must have been created by `init`.
    pub async fn open(&self) -> anyhow::Result<Backend> {
        let backend = self.deployment.open().await?;
        tracing::info!(name = %self.global.name, location = %backend.location, "deployment opened");
        Ok(backend)
    }

    /// Opens another deployment on the same backend and data directory (`report --versus`);
    /// one that does not exist is a name to correct (exit code 2).
    pub async fn open_other(&self, name: &str) -> anyhow::Result<Backend> {
        let global = GlobalArgs {
            name: name.to_owned(),
            ..self.global.clone()
        };
        let opened = backend::deployment(&target(&global)).open().await;
        let backend = opened.map_err(|err| match err.downcast_ref::<backend::BackendError>() {
            Some(backend::BackendError::NotProvisioned { location, .. }) => BadInput(format!(
                "no deployment {name:?} ({location}): give the --name of a deployment made by `init` on this backend"
            ))
            .into(),
            _ => err,
        })?;
        tracing::info!(name, location = %backend.location, "other deployment opened");
        Ok(backend)
    }

    /// A human-facing line on stderr, unless --quiet.
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.global.quiet {
            crate::output::say(line.as_ref());
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

/// The deployment the global flags name.
pub fn target(global: &GlobalArgs) -> Target {
    Target {
        kind: global.backend,
        name: global.name.clone(),
        data_dir: global.data_dir.clone(),
        aws: AwsSettings {
            profile: global.profile.clone(),
            region: global.region.clone(),
            endpoint_url: global.endpoint_url.clone(),
            attempt_timeout: Duration::from_secs(global.aws_timeout),
            credentials: None,
        },
    }
}
