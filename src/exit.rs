//! The edge of errors: which exit code an error means, and the one place errors are printed.

use crate::model::bad_input::BadInput;

use std::process::ExitCode;

/// Exit code for a runtime failure (backend down, I/O error, ...).
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad usage or bad input; clap uses the same code for its own usage errors.
pub const EXIT_BAD_INPUT: u8 = 2;

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

/// Prints the error once, on one line, and returns the exit code for it. By default the chain
/// stops at a backend error, whose message already says what failed in the user's terms; with
/// `-v` (`whole_chain`) the errors underneath it (SDK, SQLite) follow.
pub fn report_and_exit_code(result: anyhow::Result<()>, whole_chain: bool) -> ExitCode {
    let Err(err) = result else {
        return ExitCode::SUCCESS;
    };
    crate::output::say(&format!("error: {}", one_line(&err, whole_chain)));
    ExitCode::from(exit_code_for(&err))
}

/// The error's chain on one line: each cause once (an SDK error often repeats its source's
/// text), line breaks of multi-line causes folded.
pub fn one_line(err: &anyhow::Error, whole_chain: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !text.is_empty() && !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        if !whole_chain && cause.is::<crate::backend::BackendError>() {
            break;
        }
    }
    parts.join(": ")
}

/// Bad input anywhere in the chain, or a request the deployment refuses, means the user has
/// something to fix: exit 2.
pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    let refused = |cause: &(dyn std::error::Error + 'static)| {
        cause
            .downcast_ref::<crate::backend::BackendError>()
            .is_some_and(|err| err.kind() == crate::backend::ErrorKind::Refused)
    };
    if err
        .chain()
        .any(|cause| cause.is::<BadInput>() || refused(cause))
    {
        EXIT_BAD_INPUT
    } else {
        EXIT_FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendError;

    #[test]
    fn the_chain_stops_at_the_backend_error_unless_asked_for() {
        let sqlite = std::io::Error::other("disk I/O error");
        let err = anyhow::Error::new(
            BackendError::permanent("database /d/x.sqlite3: input/output error").caused_by(sqlite),
        )
        .context("cannot read the queue");
        assert_eq!(
            one_line(&err, false),
            "cannot read the queue: database /d/x.sqlite3: input/output error"
        );
        assert_eq!(
            one_line(&err, true),
            "cannot read the queue: database /d/x.sqlite3: input/output error: disk I/O error"
        );
        assert_eq!(exit_code_for(&err), EXIT_FAILURE);
    }

    #[test]
    fn usage_errors_become_one_line() {
        let rendered = "error: the following required arguments were not provided:\n  --to <YYYY-MM-DD>\n\nUsage: pageviews send --from <YYYY-MM-DD> --to <YYYY-MM-DD>\n\nFor more information, try '--help'.\n";
        assert_eq!(
            one_line_usage_error(rendered),
            "error: the following required arguments were not provided: --to <YYYY-MM-DD>; see --help"
        );
    }
}
