//! What every command needs: the global flags, the deployment they name, and stderr helpers.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::aws::{Aws, AwsSettings};
use crate::backend::{self, Backend, Deployment, Target};
use crate::cli::GlobalArgs;
use crate::model::bad_input::BadInput;
use crate::output::thousands;

pub struct Context {
    pub global: GlobalArgs,
    /// The deployment the flags name, on whichever backend they chose.
    pub deployment: Box<dyn Deployment>,
    /// The command's one connection to AWS, shared with the AWS backend: S3 for exports and
    /// archives from either backend. Nothing is loaded until a client is asked for.
    pub aws: Arc<Aws>,
}

impl Context {
    pub fn new(global: GlobalArgs) -> Self {
        let target = target(&global);
        let deployment = backend::deployment(&target);
        Context {
            global,
            deployment,
            aws: target.aws,
        }
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
        // The same connection to AWS: one set of credentials and clients per command.
        let target = Target {
            aws: Arc::clone(&self.aws),
            ..target(&global)
        };
        let opened = backend::deployment(&target).open().await;
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

    /// Opens another deployment of the same backend, data directory and AWS connection
    /// (`serve --site`).
    pub async fn open_named(&self, name: &str) -> anyhow::Result<Backend> {
        let target = Target {
            kind: self.global.backend,
            name: name.to_owned(),
            data_dir: self.global.data_dir.clone(),
            aws: self.aws.clone(),
        };
        let backend = backend::deployment(&target).open().await?;
        tracing::info!(name, location = %backend.location, "deployment opened");
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
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
        bar.set_style(progress_style(total.is_some()));
        bar.set_prefix(what.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    }
}

/// A bar with its count, and its rate in whole events a second (indicatif's own `{per_sec}`
/// prints four decimals: `1234.5678/s`); with a total, how far along and the time left.
fn progress_style(with_total: bool) -> ProgressStyle {
    let template = match with_total {
        true => "{spinner} {prefix} [{bar:30}] {human_pos}/{human_len} ({rate}, {eta} left)",
        false => "{spinner} {prefix} {human_pos} ({rate}) {elapsed}",
    };
    let style = ProgressStyle::with_template(template).expect("the template is valid");
    style
        .with_key(
            "rate",
            |state: &ProgressState, out: &mut dyn std::fmt::Write| {
                let _ = write!(out, "{}/s", thousands(state.per_sec() as u64));
            },
        )
        .progress_chars("=> ")
}

/// The deployment the global flags name, and the AWS settings they give: the one place
/// they are read.
fn target(global: &GlobalArgs) -> Target {
    Target {
        kind: global.backend,
        name: global.name.clone(),
        data_dir: global.data_dir.clone(),
        aws: Aws::new(AwsSettings {
            profile: global.profile.clone(),
            region: global.region.clone(),
            endpoint_url: global.endpoint_url.clone(),
            attempt_timeout: Duration::from_secs(global.aws_timeout),
            credentials: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;
    use std::sync::{Arc, Mutex};

    /// A terminal that keeps what is written to it.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<String>>);

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            100
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, line: &str) -> std::io::Result<()> {
            self.write_str(&format!("{line}\n"))
        }
        fn write_str(&self, text: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push_str(text);
            Ok(())
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn progress_rates_are_whole_numbers_a_second() {
        for total in [Some(1_000_000), None] {
            let screen = Screen::default();
            let target = ProgressDrawTarget::term_like(Box::new(screen.clone()));
            let bar = ProgressBar::with_draw_target(total, target);
            bar.set_style(progress_style(total.is_some()));
            bar.set_prefix("sending");
            bar.inc(123_457);
            bar.abandon();
            let drawn = screen.0.lock().unwrap().clone();
            // Each drawing's rate, as in `(123,456/s, 3s left)`.
            let rates: Vec<&str> = drawn
                .split('(')
                .skip(1)
                .filter_map(|after| after.split_once("/s").map(|(rate, _)| rate))
                .collect();
            assert!(!rates.is_empty(), "{drawn:?}");
            for rate in rates {
                let whole = rate.chars().all(|c| c.is_ascii_digit() || c == ',');
                assert!(!rate.is_empty() && whole, "{rate:?} in {drawn:?}");
            }
            assert!(drawn.contains(" 123,457"), "{drawn:?}");
        }
    }
}
