//! `pageviews teardown`: delete what `init` created, after confirmation.

use crate::cmd::confirm::confirmed;
use crate::cmd::context::Context;
use crate::model::bad_input::bad_input;
use clap::Args;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  pageviews teardown                         # asks for the deployment name to confirm
  pageviews --backend aws --name staging teardown --yes")]
pub struct TeardownArgs {
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
}

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
    for removal in ctx.deployment.teardown().await? {
        let state = if removal.existed {
            "deleted"
        } else {
            "absent "
        };
        ctx.say(format!("{state} {}", removal.resource));
    }
    Ok(())
}
