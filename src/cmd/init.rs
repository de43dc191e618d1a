//! `pageviews init`: provision the queue, dead-letter queue and tables, idempotently.

use std::time::Duration;

use crate::backend::{InitOptions, ResourceState};
use crate::cli::InitArgs;
use crate::context::Context;

pub async fn run(ctx: &Context, args: InitArgs) -> anyhow::Result<()> {
    let options = InitOptions {
        visibility_timeout: args
            .visibility_timeout
            .map(Duration::from_secs)
            .unwrap_or_else(|| ctx.default_visibility_timeout()),
        max_receives: args.max_receives,
        retention_days: args.retention_days,
        shards: args.shards,
        dry_run: args.dry_run,
    };
    let resources = ctx.provision(&options).await?;
    for resource in &resources {
        let state = match resource.state {
            ResourceState::Created => "created     ",
            ResourceState::Exists => "exists      ",
            ResourceState::WouldCreate => "would create",
        };
        ctx.say(format!("{state} {:<17} {}", resource.kind, resource.name));
        for difference in &resource.differences {
            ctx.say(format!("             - {difference}"));
        }
    }
    if options.dry_run {
        ctx.say("dry run: nothing was created");
    } else if let Ok(backend) = ctx.open().await {
        ctx.say(format!(
            "deployment {:?} is ready at {}",
            ctx.global.name, backend.location
        ));
    }
    Ok(())
}
