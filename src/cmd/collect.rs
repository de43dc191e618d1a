//! `pageviews collect`: runs the beacon endpoint until SIGINT/SIGTERM, then flushes and exits.

use anyhow::Context as _;
use std::time::Duration;

use crate::cli::CollectArgs;
use crate::collect::policy::OriginPolicy;
use crate::collect::view::ViewRules;
use crate::collect::{serve, Settings};
use crate::context::Context;
use crate::error::{bad_input, BadInput};
use crate::output::thousands;
use crate::pipeline::shutdown::Shutdown;

/// After a stop, how long open connections may take to finish their requests.
const GRACE: Duration = Duration::from_secs(5);

pub async fn run(ctx: &Context, args: CollectArgs) -> anyhow::Result<()> {
    let settings = settings(&args)?;
    let shutdown = Shutdown::on_signals();
    let backend = ctx.open().await?;
    // Fail before listening when the queue cannot be reached, not on the first view.
    backend
        .queue
        .check_can_send()
        .await
        .with_context(|| format!("cannot reach the queue of {}", backend.location))?;
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}; choose another --listen", args.listen))?;
    let address = listener
        .local_addr()
        .context("cannot read the listening address")?;
    // Tests and supervisors read this line to learn the port when --listen asked for port 0.
    ctx.say(format!(
        "collecting views on http://{address} into {}; SIGINT/SIGTERM to stop",
        backend.location
    ));
    let summary = serve(listener, settings, backend.queue.clone(), shutdown).await?;
    ctx.say(format!(
        "stopped: {} views accepted, {} put on the queue in {} requests",
        thousands(summary.accepted),
        thousands(summary.flushed.views),
        thousands(summary.flushed.requests),
    ));
    Ok(())
}

fn settings(args: &CollectArgs) -> anyhow::Result<Settings> {
    let origins =
        OriginPolicy::from_flags(&args.allow_origin, args.allow_any_origin).map_err(BadInput)?;
    if let Some(name) = args.keep_query.iter().find(|name| name.trim().is_empty()) {
        return bad_input(format!(
            "--keep-query {name:?} is empty: name a query parameter, e.g. utm_source"
        ));
    }
    Ok(Settings {
        origins,
        rules: ViewRules {
            keep_query: args.keep_query.clone(),
            trust_client_time: args.trust_client_time,
        },
        ignore_dnt: args.ignore_dnt,
        rate_limit: args
            .rate_limit
            .map(|quota| (quota, args.trust_forwarded_for)),
        buffer_views: args.buffer as usize,
        flush_interval: Duration::from_secs_f64(args.flush_interval),
        grace: GRACE,
        drain_timeout: Duration::from_secs(args.shutdown_timeout),
    })
}
