//! `pageviews teardown`: delete what `init` created, after confirmation.

use crate::cli::TeardownArgs;
use crate::cmd::confirm::confirmed;
use crate::context::Context;
use crate::error::bad_input;

pub async fn run(ctx: &Context, args: TeardownArgs) -> anyhow::Result<()> {
    let name = &ctx.global.name;
    if !args.yes
        && !confirmed(
            &format!("This deletes the queues and tables of {name:?} with all their data."),
            name,
            "teardown deletes every view stored; stdin is not a terminal to confirm on, so pass --yes",
        )?
    {
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
