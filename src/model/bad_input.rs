//! A mistake in what the user gave (a flag, a file, a line): the one error kind that means
//! "you have something to fix", whichever layer finds it. The edge turns it into exit code 2.

use std::fmt;

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
