//! `pageviews init`: provision the queue (or stream), dead-letter queue and tables,
//! idempotently.

use clap::Args;
use std::time::Duration;

use crate::backend::{BackendKind, InitOptions, QueueKind, ResourceState};
use crate::cmd::context::Context;
use crate::model::bad_input::BadInput;
use crate::model::values::whole;
use crate::model::zone::Zone;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Safe to run again: it reports what exists, and the settings asked for that differ from the \
existing ones (it never changes an existing resource).

Examples:
  pageviews init
  pageviews init --time-zone Europe/Berlin
  pageviews --backend aws --region eu-west-1 init --dry-run
  pageviews --backend aws init --max-receives 5 --retention-days 400
  pageviews --backend aws init --queue kinesis --stream-shards 4")]
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
        dry_run: args.dry_run,
    };
    provision(ctx, &options).await
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
