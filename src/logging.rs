//! Logging to stderr with `tracing`; the level follows -q/-v, or PAGEVIEWS_LOG when set.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// The filter for a verbosity: -1 quiet, 0 default, 1..3 for -v, -vv, -vvv. By default only
/// pageviews' own warnings show: the libraries underneath (the AWS SDK's configuration lookup
/// among them) speak only from -v on, so an error stays the one line the user reads.
pub fn filter_for(verbosity: i8) -> String {
    let (ours, theirs) = match verbosity {
        i8::MIN..=-1 => ("error", "off"),
        0 => ("warn", "off"),
        1 => ("info", "warn"),
        2 => ("debug", "info"),
        _ => ("trace", "debug"),
    };
    format!("{theirs},pageviews={ours}")
}

/// Installs the global subscriber.
pub fn init(verbosity: i8) {
    let filter = EnvFilter::try_from_env("PAGEVIEWS_LOG")
        .unwrap_or_else(|_| EnvFilter::new(filter_for(verbosity)));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color_enabled())
        .with_target(verbosity >= 2)
        // A closed stderr must not turn into a panic (its fallback is `eprintln!`).
        .log_internal_errors(false)
        .try_init();
}

/// Colour in logs only on a terminal, and never when NO_COLOR is set (https://no-color.org).
pub fn color_enabled() -> bool {
    color_enabled_on(&std::io::stderr())
}

/// Colour on `stream` only when it is a terminal, and never when NO_COLOR is set.
pub fn color_enabled_on(stream: &impl IsTerminal) -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|value| value.is_empty()) && stream.is_terminal()
}

#[cfg(test)]
mod tests {
    use super::filter_for;

    #[test]
    fn libraries_are_silent_by_default_and_speak_with_v() {
        assert_eq!(filter_for(-1), "off,pageviews=error");
        assert_eq!(filter_for(0), "off,pageviews=warn");
        assert_eq!(filter_for(1), "warn,pageviews=info");
        assert_eq!(filter_for(3), "debug,pageviews=trace");
        assert_eq!(filter_for(9), "debug,pageviews=trace");
    }
}
