//! Logging to stderr with `tracing`; the level follows -q/-v, or PAGEVIEWS_LOG when set.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `verbosity`: -1 quiet, 0 default, 1..3 for -v, -vv, -vvv.
pub fn init(verbosity: i8) {
    let level = match verbosity {
        i8::MIN..=-1 => "error",
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_env("PAGEVIEWS_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("pageviews={level},warn")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color_enabled())
        .with_target(false)
        .try_init();
}

/// Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org).
pub fn color_enabled() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty())
        && std::io::stderr().is_terminal()
}
