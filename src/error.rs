//! Error kinds that decide the exit code, and the one place errors are printed.

use std::fmt;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for a runtime failure (backend down, I/O error, ...).
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for bad usage or bad input; clap uses the same code for its own usage errors.
pub const EXIT_BAD_INPUT: i32 = 2;

/// A mistake in what the user gave us (a flag, a file): exit code 2, never a stack trace.
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Shorthand for returning a [`BadInput`] error from a function that returns `anyhow::Result`.
pub fn bad_input<T>(message: impl Into<String>) -> anyhow::Result<T> {
    Err(BadInput(message.into()).into())
}

/// clap's usage error on one line: its message, without the usage and help hints.
pub fn one_line_usage_error(rendered: &str) -> String {
    let message: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty())
        .collect();
    format!("{}; see --help", message.join(" "))
}

/// Prints the error chain once, on one line, and returns the exit code for it.
pub fn report_and_exit_code(result: anyhow::Result<()>) -> i32 {
    let Err(err) = result else {
        return EXIT_OK;
    };
    // One line, even when a cause (an SDK's explanation, say) spans several.
    let chain: Vec<String> = err
        .chain()
        .map(|cause| {
            cause
                .to_string()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    eprintln!("error: {}", chain.join(": "));
    exit_code_for(&err)
}

/// Bad input anywhere in the chain means the user has something to fix: exit 2.
pub fn exit_code_for(err: &anyhow::Error) -> i32 {
    if err.chain().any(|cause| cause.is::<BadInput>()) {
        EXIT_BAD_INPUT
    } else {
        EXIT_FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::one_line_usage_error;

    #[test]
    fn usage_errors_become_one_line() {
        let rendered = "error: the following required arguments were not provided:\n  --to <YYYY-MM-DD>\n\nUsage: pageviews send --from <YYYY-MM-DD> --to <YYYY-MM-DD>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line_usage_error(rendered),
            "error: the following required arguments were not provided: --to <YYYY-MM-DD>; see --help"
        );
    }
}
