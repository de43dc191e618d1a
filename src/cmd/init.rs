//! `pageviews init`: provision the queue (or stream), dead-letter queue and tables,
//! idempotently.

use clap::Args;
use std::time::Duration;

use anyhow::Context as _;

use crate::backend::{BackendKind, InitOptions, QueueKind, ResourceState};
use crate::cmd::context::Context;
use crate::model::bad_input::BadInput;
use crate::model::values::whole;
use crate::model::zone::Zone;
use crate::output::{counted, thousands};
use crate::pipeline::drain::{drain_previous, DrainOptions};
use crate::pipeline::shutdown::Shutdown;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Safe to run again: it reports what exists, and the settings asked for that differ from the \
existing ones (it never changes an existing resource, except the queue kind with \
--change-queue).

Changing the queue kind (--queue with --change-queue): the new queue is created and recorded, \
so every command and function opened after it uses it; the old queue is then drained into the \
table, and kept: senders started before the change may still put events on it, and every \
drain empties it before the new queue. Run `deploy` again to map the functions to the new \
queue; `teardown` removes both.

Examples:
  pageviews init
  pageviews init --time-zone Europe/Berlin
  pageviews --backend aws --region eu-west-1 init --dry-run
  pageviews --backend aws init --max-receives 5 --retention-days 400
  pageviews --backend aws init --queue kinesis --stream-shards 4
  pageviews --backend aws init --queue kinesis --change-queue   # an SQS deployment moves")]
pub struct InitArgs {
    /// Seconds a received message stays hidden from other drains before it is delivered again
    /// [default: 30 locally; 300 on AWS, where one batch can mean hundreds of table writes].
    #[arg(long, env = "PAGEVIEWS_VISIBILITY_TIMEOUT", value_name = "SECONDS",
          value_parser = whole::<u64>(1, 43_200), allow_negative_numbers = true)]
    pub visibility_timeout: Option<u64>,

    /// Deliveries of a message before it is moved to the dead-letter queue [default: 5].
    #[arg(long, env = "PAGEVIEWS_MAX_RECEIVES", value_name = "N",
          value_parser = whole::<u32>(1, 1_000), allow_negative_numbers = true)]
    pub max_receives: Option<u32>,

    /// Days raw events are kept: on DynamoDB by its TTL (free of charge) [default: 400];
    /// locally `aggregate` and `prune` delete those of counted days older than this (daily
    /// rows stay) [default: kept for ever].
    #[arg(long, value_name = "DAYS",
          value_parser = whole::<u32>(1, 36_500), allow_negative_numbers = true)]
    pub retention_days: Option<u32>,

    /// Partitions each day's raw events are spread over on DynamoDB (about 1,000 writes/s
    /// each); fixed at the first init [default: 8].
    #[arg(long, value_name = "N",
          value_parser = whole::<u32>(1, 100), allow_negative_numbers = true)]
    pub shards: Option<u32>,

    /// The IANA time zone whose calendar days the deployment counts in (e.g. Europe/Berlin):
    /// the day a view belongs to, `aggregate --day`, report days, hourly breakdowns. It can
    /// change only while the deployment holds no events [default: UTC].
    #[arg(long, env = "PAGEVIEWS_TIME_ZONE", value_name = "ZONE", value_parser = Zone::parse)]
    pub time_zone: Option<Zone>,

    /// The queue events travel through on AWS: `sqs` (a message a batch, billed per request)
    /// or `kinesis` (a data stream with an SQS dead-letter queue beside it; drains share its
    /// shards by leases in the daily table). Fixed at the first init [default: sqs].
    #[arg(long, value_enum, value_name = "KIND")]
    pub queue: Option<QueueKind>,

    /// Provisioned shards of a new Kinesis stream (about 1,000 records or 1 MB/s each)
    /// [default: on-demand capacity, which needs no shard count].
    #[arg(long, value_name = "N", requires = "queue",
          value_parser = whole::<u32>(1, 500), allow_negative_numbers = true)]
    pub stream_shards: Option<u32>,

    /// Move an existing deployment to the queue kind given by --queue: the old queue is
    /// drained first and kept for late senders (without it, another kind is refused).
    #[arg(long, requires = "queue")]
    pub change_queue: bool,

    /// Print what would be created, and create nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub async fn run(ctx: &Context, args: InitArgs) -> anyhow::Result<()> {
    if args.queue == Some(QueueKind::Kinesis) && ctx.global.backend != BackendKind::Aws {
        return Err(BadInput(
            "--queue kinesis is a queue of the AWS backend: add --backend aws (the local \
             backend keeps its queue in its own database)"
                .into(),
        )
        .into());
    }
    if args.change_queue && ctx.global.backend != BackendKind::Aws {
        return Err(BadInput(
            "--change-queue moves an AWS deployment between SQS and Kinesis: add --backend aws"
                .into(),
        )
        .into());
    }
    if args.stream_shards.is_some() && args.queue != Some(QueueKind::Kinesis) {
        return Err(
            BadInput("--stream-shards sizes a Kinesis stream: add --queue kinesis".into()).into(),
        );
    }
    let options = InitOptions {
        visibility_timeout: args.visibility_timeout.map(Duration::from_secs),
        max_receives: args.max_receives,
        retention_days: args.retention_days,
        shards: args.shards,
        time_zone: args.time_zone,
        queue: args.queue,
        stream_shards: args.stream_shards,
        change_queue: args.change_queue,
        dry_run: args.dry_run,
    };
    provision(ctx, &options).await?;
    if args.change_queue && !args.dry_run {
        drain_previous_queue(ctx).await?;
    }
    Ok(())
}

/// How long each receive from the old queue waits after a change (twice empty ends it).
const OLD_QUEUE_WAIT: Duration = Duration::from_secs(1);

/// Drains what the queue from before a change holds, and says what is left on it.
async fn drain_previous_queue(ctx: &Context) -> anyhow::Result<()> {
    let backend = ctx.open().await?;
    let Some(previous) = backend.previous_queue.clone() else {
        return Ok(());
    };
    // Nothing new comes to the old queue but a late sender's events: a short poll ends it.
    let options = DrainOptions::until_empty(backend.facts.default_wait.min(OLD_QUEUE_WAIT));
    let summary = drain_previous(&backend, &options, &Shutdown::on_signals()).await;
    ctx.say(format!(
        "drained the old queue: {} stored from {}",
        counted(summary.events_written, "event"),
        counted(summary.messages, "message")
    ));
    let left = previous
        .stats()
        .await
        .context("cannot count what the old queue still holds")?;
    if left.visible + left.in_flight > 0 {
        ctx.say(format!(
            "the old queue still holds {} ({} in flight, with a drain that is still running or \
             returning after the visibility timeout): the next drain stores them",
            counted(left.visible + left.in_flight, "message"),
            thousands(left.in_flight)
        ));
    }
    if summary.write_failures > 0 {
        anyhow::bail!(
            "{} of the old queue could not be stored and stay on it; run drain again",
            counted(summary.write_failures, "message")
        );
    }
    Ok(())
}

/// Creates what is missing of the deployment, and says what exists and what was created.
pub async fn provision(ctx: &Context, options: &InitOptions) -> anyhow::Result<()> {
    let spinner = ctx.progress(None, "init");
    let resources = ctx.deployment.provision(options, &spinner).await;
    spinner.finish_and_clear();
    let resources = resources?;
    for resource in &resources {
        let state = match resource.state {
            ResourceState::Created => "created     ",
            ResourceState::Exists => "exists      ",
            ResourceState::WouldCreate => "would create",
            ResourceState::Changed => "changed     ",
            ResourceState::WouldChange => "would change",
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
            "deployment {:?} is ready at {}; its days are days of {}",
            ctx.global.name, backend.location, backend.zone
        ));
    }
    Ok(())
}
