//! Confirmation of destructive commands: the user types the deployment name on a terminal.

use std::io::{BufRead, IsTerminal, Write};

use crate::model::bad_input::bad_input;

/// Asks `question` and wants the deployment `name` typed back. Without a terminal there is
/// nobody to ask: that is bad input, and `no_terminal` says what to pass instead.
pub fn confirmed(question: &str, name: &str, no_terminal: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        return bad_input(no_terminal);
    }
    eprint!("{question} Type the name to confirm: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == name)
}
