//! `pageviews undeploy`: delete what `deploy` created, after confirmation; the queues and
//! tables (and every view in them) stay.

use clap::Args;

use crate::cmd::confirm::confirmed;
use crate::cmd::context::Context;
use crate::deploy::undeploy;
use crate::model::bad_input::bad_input;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Deletes the schedule, the event source mapping, the functions (with the URLs of the collector \
and the dashboard, and the permissions to call them) and their roles. The queues and tables stay: `drain` and `aggregate` take over from a machine, or \
`deploy` again.

Examples:
  pageviews --backend aws undeploy            # asks for the deployment name to confirm
  pageviews --backend aws --name staging undeploy --yes")]
pub struct UndeployArgs {
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
}

pub async fn run(ctx: &Context, args: UndeployArgs) -> anyhow::Result<()> {
    let functions = crate::cmd::deploy::functions(ctx)?;
    let name = &ctx.global.name;
    if !args.yes
        && !confirmed(
            &format!("This deletes the functions, schedule and roles of {name:?}; views stop being drained and counted until you run drain and aggregate."),
            name,
            "undeploy stops the serverless pipeline; stdin is not a terminal to confirm on, so pass --yes",
        )?
    {
        return bad_input(format!(
            "undeploy of {name:?} not confirmed; nothing was deleted (pass --yes to skip the question)"
        ));
    }
    let clients = functions.connect().await?;
    let outcome = undeploy(&clients, name).await?;
    ctx.say(crate::cmd::deploy::text(&outcome));
    ctx.say("the queues and tables stay; `pageviews teardown` deletes them");
    Ok(())
}
