//! `pageviews teardown`: delete what `init` created, after confirmation.

use std::io::{BufRead, IsTerminal, Write};

use crate::cli::TeardownArgs;
use crate::context::Context;
use crate::error::bad_input;

pub async fn run(ctx: &Context, args: TeardownArgs) -> anyhow::Result<()> {
    let name = &ctx.global.name;
    if !args.yes && !confirmed(name)? {
        return bad_input(format!(
            "teardown of {name:?} not confirmed; nothing was deleted (pass --yes to skip the question)"
        ));
    }
    for (resource, deleted) in ctx.teardown().await? {
        let state = if deleted { "deleted" } else { "absent " };
        ctx.say(format!("{state} {resource}"));
    }
    Ok(())
}

/// Asks for the deployment name on a terminal; without one there is nobody to ask.
fn confirmed(name: &str) -> anyhow::Result<bool> {
    if !std::io::stdin().is_terminal() {
        return bad_input(
            "teardown deletes every view stored; stdin is not a terminal to confirm on, so pass --yes",
        );
    }
    eprint!("This deletes the queues and tables of {name:?} with all their data. Type the name to confirm: ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == name)
}
