//! `pageviews init`: provision the queue, dead-letter queue and tables, idempotently.

use std::time::Duration;

use crate::backend::InitOptions;
use crate::cli::InitArgs;
use crate::context::Context;

pub async fn run(ctx: &Context, args: InitArgs) -> anyhow::Result<()> {
    let options = InitOptions {
        visibility_timeout: Duration::from_secs(args.visibility_timeout),
        max_receives: args.max_receives,
    };
    let resources = ctx.provision(&options)?;
    for resource in &resources {
        let state = if resource.created {
            "created"
        } else {
            "exists "
        };
        ctx.say(format!("{state} {:<17} {}", resource.kind, resource.name));
        for difference in &resource.differences {
            ctx.say(format!("        note: {difference}"));
        }
    }
    if let Ok(backend) = ctx.open() {
        ctx.say(format!(
            "deployment {:?} is ready at {}",
            ctx.global.name, backend.location
        ));
    }
    Ok(())
}
