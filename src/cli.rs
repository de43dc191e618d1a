//! Command-line definitions: global flags, one `Args` struct per subcommand, value parsers.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::day::Day;

const AFTER_HELP: &str = "\
Examples:
  pageviews init
  pageviews send --count 100000 --day 2021-03-13
  pageviews drain
  pageviews aggregate --day 2021-03-13
  pageviews report --day 2021-03-13 --top 10

From cron (UTC):
  */5 * * * *  pageviews drain --quiet
  15 0 * * *   pageviews aggregate --quiet

Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.";

/// Self-hosted page-view analytics: queue -> raw events -> daily counts -> reports.
///
/// A web page reports each view (path and time). Views go through a message queue into a
/// raw-events table; a daily job counts views per page per day; reports read those counts.
/// No IP address, cookie or anything else that identifies a visitor is stored.
#[derive(Debug, Parser)]
#[command(name = "pageviews", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Where the queue and tables live: an embedded SQLite database, or Amazon SQS + DynamoDB.
    #[arg(long, global = true, env = "PAGEVIEWS_BACKEND", value_enum, default_value_t = BackendKind::Local)]
    pub backend: BackendKind,

    /// Deployment name: resources are <NAME>-events (queue and table), <NAME>-events-dlq and
    /// <NAME>-daily.
    #[arg(long, global = true, env = "PAGEVIEWS_NAME", default_value = "pageviews", value_parser = parse_name)]
    pub name: String,

    /// Directory of the local backend's databases [default: the user's data directory,
    /// e.g. ~/.local/share/pageviews].
    #[arg(long, global = true, env = "PAGEVIEWS_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print errors only: no progress, no summaries.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// More log detail on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// AWS profile of the shared config and credentials files [default: AWS_PROFILE, or the
    /// default profile].
    #[arg(long, global = true, value_name = "NAME", help_heading = "AWS backend")]
    pub profile: Option<String>,

    /// AWS region of the deployment, and the region `cost` prices [default: AWS_REGION, or
    /// the profile's region].
    #[arg(
        long,
        global = true,
        value_name = "REGION",
        help_heading = "AWS backend"
    )]
    pub region: Option<String>,

    /// Endpoint for both SQS and DynamoDB, e.g. an emulator [default: AWS_ENDPOINT_URL, or
    /// AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_DYNAMODB, or AWS's own].
    #[arg(long, global = true, value_name = "URL", help_heading = "AWS backend")]
    pub endpoint_url: Option<String>,

    /// Seconds one attempt of an AWS call may take before it is abandoned and retried (a long
    /// poll gets its wait on top).
    #[arg(long, global = true, env = "PAGEVIEWS_AWS_TIMEOUT", value_name = "SECONDS",
          default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=300),
          help_heading = "AWS backend", allow_negative_numbers = true)]
    pub aws_timeout: u64,
}

impl GlobalArgs {
    /// -1 for quiet, 0 by default, then one step per -v.
    pub fn verbosity(&self) -> i8 {
        if self.quiet {
            -1
        } else {
            self.verbose.min(3) as i8
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendKind {
    /// Embedded SQLite database in --data-dir; nothing to set up.
    Local,
    /// Amazon SQS and DynamoDB through the standard AWS configuration.
    Aws,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create the queue, dead-letter queue, events table and daily table (safe to re-run).
    Init(InitArgs),
    /// Put page views on the queue: synthetic traffic, or real events from NDJSON.
    Send(SendArgs),
    /// Take page views from browsers over HTTP (the beacon endpoint) and put them on the queue.
    Collect(CollectArgs),
    /// Print the script tag a site adds to its pages to report views to `collect`.
    Snippet(SnippetArgs),
    /// Move the queue backlog into the raw-events table, in batches.
    Drain(DrainArgs),
    /// Count views per page per day into the daily table (re-running overwrites).
    Aggregate(AggregateArgs),
    /// Print per-page daily views as a table, CSV or JSON.
    Report(ReportArgs),
    /// Show queue depth, in-flight and dead-lettered messages, stored events, pending days.
    Status(StatusArgs),
    /// List, redrive or purge the dead-letter queue: messages a drain could not store.
    Dlq(DlqArgs),
    /// Estimate the monthly AWS bill: DynamoDB vs Timestream, the whole pipeline counted.
    Cost(CostArgs),
    /// Delete the queues and tables `init` created, with everything in them.
    Teardown(TeardownArgs),
    /// Print a least-privilege IAM policy (JSON) for one role of the AWS deployment.
    IamPolicy(IamPolicyArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Safe to run again: it reports what exists, and settings that differ from what it would create \
(it never changes an existing resource).

Examples:
  pageviews init
  pageviews --backend aws --region eu-west-1 init --dry-run
  pageviews --backend aws init --max-receives 5 --retention-days 400")]
pub struct InitArgs {
    /// Seconds a received message stays hidden from other drains before it is delivered again
    /// [default: 30 locally; 300 on AWS, where one batch can mean hundreds of table writes].
    #[arg(long, env = "PAGEVIEWS_VISIBILITY_TIMEOUT", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=43_200), allow_negative_numbers = true)]
    pub visibility_timeout: Option<u64>,

    /// Deliveries of a message before it is moved to the dead-letter queue.
    #[arg(long, env = "PAGEVIEWS_MAX_RECEIVES", value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..=1_000), allow_negative_numbers = true)]
    pub max_receives: u32,

    /// Days DynamoDB keeps raw events (TTL, free of charge); the local backend keeps them.
    #[arg(long, value_name = "DAYS", default_value_t = 400,
          value_parser = clap::value_parser!(u32).range(1..=36_500), allow_negative_numbers = true)]
    pub retention_days: u32,

    /// Partitions each day's raw events are spread over on DynamoDB (about 1,000 writes/s
    /// each); fixed at the first init.
    #[arg(long, value_name = "N", default_value_t = 8,
          value_parser = clap::value_parser!(u32).range(1..=100), allow_negative_numbers = true)]
    pub shards: u32,

    /// Print what would be created, and create nothing.
    #[arg(long)]
    pub dry_run: bool,
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum IamRole {
    /// `send` and the collector: put messages on the queue.
    Sender,
    /// `drain`: receive and delete messages, write raw events, dead-letter poison.
    Drainer,
    /// `aggregate`: read a day's raw events, write daily rows.
    Aggregator,
    /// `report` and `status`: read daily rows and queue depth.
    Reader,
    /// `init` and `teardown`: create and delete the queues and tables.
    Admin,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
The policy names the deployment's own queues and tables (--name); --region and --account-id \
narrow it further (otherwise any region and account match). See docs/aws.md for what each \
command calls.

Examples:
  pageviews iam-policy --role drainer --region us-west-2 --account-id 123456789012
  pageviews --name shop iam-policy --role reader > reader-policy.json")]
pub struct IamPolicyArgs {
    /// The role to write the policy for.
    #[arg(long, value_enum)]
    pub role: IamRole,

    /// AWS account id the resources live in [default: any].
    #[arg(long, value_name = "ID", value_parser = parse_account_id)]
    pub account_id: Option<String>,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Synthetic events get ids derived from --seed: sending again with the same seed sends the same \
events, which are stored once. NDJSON lines without an id get one derived from the line's \
content (and, for identical lines, how many came before it): sending a file again, even after \
lines were appended to it, counts each line once.

Examples:
  pageviews send --count 100000 --day 2021-03-13 --pages 50 --seed 7
  pageviews send --count 1000000 --from 2021-03-01 --to 2021-03-31
  pageviews send --input views.ndjson
  zcat views.ndjson.gz | pageviews send --input - --skip-invalid")]
pub struct SendArgs {
    /// Number of synthetic events to send.
    #[arg(long, value_name = "N", value_parser = parse_count, conflicts_with = "input", default_value = "1000", allow_negative_numbers = true)]
    pub count: u64,

    /// Day of the synthetic events [default: yesterday, UTC].
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with_all = ["from", "to", "input"])]
    pub day: Option<Day>,

    /// First day of synthetic events spread over several days.
    #[arg(
        long,
        value_name = "YYYY-MM-DD",
        requires = "to",
        conflicts_with = "input"
    )]
    pub from: Option<Day>,

    /// Last day of synthetic events spread over several days.
    #[arg(
        long,
        value_name = "YYYY-MM-DD",
        requires = "from",
        conflicts_with = "input"
    )]
    pub to: Option<Day>,

    /// Distinct pages of synthetic traffic (Zipf-like popularity: a few pages get most views).
    #[arg(long, value_name = "K", default_value = "50", value_parser = parse_pages, conflicts_with = "input", allow_negative_numbers = true)]
    pub pages: usize,

    /// Seed of the synthetic generator: same seed, same events [default: random, printed].
    #[arg(long, value_name = "S", conflicts_with = "input")]
    pub seed: Option<u64>,

    /// Send real events from an NDJSON file ('-' for stdin): one object per line with `page`,
    /// `time` (RFC 3339) and optional `id`. Invalid lines stop the whole send (nothing is sent)
    /// unless --skip-invalid.
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,

    /// Skip invalid input lines (each is reported) and send the rest.
    #[arg(long, requires = "input")]
    pub skip_invalid: bool,

    /// Events per queue message [default: as many as fit in 64 KiB]. 1 sends each event alone.
    #[arg(long, value_name = "N", value_parser = parse_events_per_message, allow_negative_numbers = true)]
    pub events_per_message: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SummaryFormat {
    /// Human-readable summary on stderr.
    Text,
    /// JSON summary on stdout.
    Json,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
A message is deleted from the queue only after its events are stored; a drain killed at any \
point loses nothing (its messages come back after the visibility timeout). Any number of drains \
can share a queue. Messages that can never be stored go to the dead-letter queue with a reason.

Examples:
  pageviews drain                 # until the queue stays empty, e.g. from cron
  pageviews drain --follow        # under a supervisor; SIGINT/SIGTERM stop it cleanly")]
pub struct DrainArgs {
    /// Keep polling until SIGINT or SIGTERM, then finish the batch in flight and exit 0.
    #[arg(long, env = "PAGEVIEWS_FOLLOW")]
    pub follow: bool,

    /// Seconds a received message stays hidden from other drains [default: the queue's, set
    /// at init].
    #[arg(long, env = "PAGEVIEWS_DRAIN_VISIBILITY_TIMEOUT", value_name = "SECONDS",
          value_parser = clap::value_parser!(u64).range(1..=43_200), allow_negative_numbers = true)]
    pub visibility_timeout: Option<u64>,

    /// Seconds one receive waits for messages (long polling) [default: 1 locally, 20 on AWS].
    #[arg(long, value_name = "SECONDS", value_parser = parse_wait)]
    pub wait_seconds: Option<f64>,

    /// Empty receives in a row after which the queue counts as drained.
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=1_000), allow_negative_numbers = true)]
    pub idle_polls: u32,

    /// Concurrent receive loops.
    #[arg(long, env = "PAGEVIEWS_WORKERS", value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=64), allow_negative_numbers = true)]
    pub workers: u16,

    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
With no day flag, aggregates yesterday (UTC) plus every pending day: days whose raw events \
changed since they were last aggregated (late events). That is what cron should run.

Examples:
  pageviews aggregate                       # yesterday + pending
  pageviews aggregate --day 2021-03-13
  pageviews aggregate --from 2021-03-01 --to 2021-03-31
  pageviews aggregate --pending             # only days with late events")]
pub struct AggregateArgs {
    /// Aggregate this day.
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with_all = ["from", "to"])]
    pub day: Option<Day>,

    /// First day of a range to aggregate.
    #[arg(long, value_name = "YYYY-MM-DD", requires = "to")]
    pub from: Option<Day>,

    /// Last day of a range to aggregate.
    #[arg(long, value_name = "YYYY-MM-DD", requires = "from")]
    pub to: Option<Day>,

    /// Also (or, without a day flag, only) recompute days whose raw events changed since they
    /// were last aggregated.
    #[arg(long)]
    pub pending: bool,

    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned table with totals.
    Table,
    /// CSV with the header day,page,views.
    Csv,
    /// JSON array of {day, page, views, hours}.
    Json,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Reports read the daily table only; run `pageviews aggregate` first. Days in the range that were \
never aggregated, or that received late events since, are named on stderr.

Examples:
  pageviews report --day 2021-03-13
  pageviews report --from 2021-03-01 --to 2021-03-31 --top 10
  pageviews report --day 2021-03-13 --page /pricing --format csv")]
pub struct ReportArgs {
    /// Report this day [default: yesterday, UTC].
    #[arg(long, value_name = "YYYY-MM-DD", conflicts_with_all = ["from", "to"])]
    pub day: Option<Day>,

    /// First day of the report.
    #[arg(long, value_name = "YYYY-MM-DD", requires = "to")]
    pub from: Option<Day>,

    /// Last day of the report.
    #[arg(long, value_name = "YYYY-MM-DD", requires = "from")]
    pub to: Option<Day>,

    /// Only this page (an exact path, e.g. /pricing).
    #[arg(long, value_name = "PATH")]
    pub page: Option<String>,

    /// Only the N pages with the most views over the whole range.
    #[arg(long, value_name = "N", value_parser = parse_top, allow_negative_numbers = true)]
    pub top: Option<usize>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Output format: text, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
A drain dead-letters a message that can never be stored (not JSON, a bad page or time, ...) \
with a reason, and a message received --max-receives times without being deleted (its writes \
kept failing). Fix the cause, then redrive: the next drain takes the messages again. Events \
keep their ids through a redrive, so a message whose events were already stored is not \
counted twice.

Examples:
  pageviews dlq list
  pageviews dlq list --format json | jq -r '.[].reason'
  pageviews dlq redrive && pageviews drain
  pageviews dlq purge --yes")]
pub struct DlqArgs {
    #[command(subcommand)]
    pub command: DlqCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DlqCommand {
    /// Show dead letters: reason, receive count, when, and the start of the body.
    List(DlqListArgs),
    /// Move every dead letter back to the main queue (after a fix), with a fresh receive count.
    Redrive(DlqRedriveArgs),
    /// Delete every dead letter for good, after confirmation.
    Purge(DlqPurgeArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned table; bodies cut to a preview.
    Table,
    /// JSON array of {message_id, reason, receive_count, dead_lettered_at, body}, whole bodies.
    Json,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Listing changes nothing locally. SQS has no way to look at messages without receiving them: on \
the AWS backend the listing receives dead letters (without deleting them), which hides them \
from other consumers while it runs, then makes them visible again at once. A listing that is \
interrupted leaves them hidden for up to 30 s. Each listing counts as a receive in SQS's \
ApproximateReceiveCount; the count shown is the one before it.

Examples:
  pageviews dlq list
  pageviews dlq list --limit 10 --format json")]
pub struct DlqListArgs {
    /// Show at most N dead letters (the oldest first, locally; in SQS's order on AWS).
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub limit: u32,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Locally the dead letters go back to the queue in one transaction. On AWS an SQS message move \
task moves them (waited for until it ends; approximate count); where the service has no move \
tasks (an emulator), each message is received from the dead-letter queue, sent to the main \
queue, and deleted only once sent. Messages that are still bad are dead-lettered again by the \
next drain.

Examples:
  pageviews dlq redrive
  pageviews --backend aws dlq redrive --format json")]
pub struct DlqRedriveArgs {
    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
The views in purged messages are lost for good; `pageviews dlq list --format json > saved.json` \
keeps a copy first. On AWS this is SQS PurgeQueue: the count is approximate, and SQS takes up to \
60 s to finish and allows one purge a minute.

Examples:
  pageviews dlq purge               # asks for the deployment name to confirm
  pageviews dlq purge --yes")]
pub struct DlqPurgeArgs {
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,

    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CostFormat {
    /// One table per option, with the working and the assumptions under it.
    Table,
    /// JSON on stdout: region, prices_as_of, inputs, options with their items.
    Json,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Options compared, each with the whole pipeline (queue, raw events, aggregation, daily table, \
reports) counted: raw events in DynamoDB on-demand; in Timestream for LiveAnalytics (closed to \
new customers since 2025-06-20); in Timestream for InfluxDB. Prices come from a table compiled \
into pageviews, with a source and a date for each; a price nobody verified for the region is \
marked *, and a price we do not know is left out and its line says \"not included\". \
See docs/cost.md for the model.

Examples:
  pageviews cost --region us-west-2
  pageviews cost --region eu-west-1 --views-per-day 1000000 --retention-days 90
  pageviews cost --region us-east-1 --timestream-tcu-hour-usd <PRICE> --format json
  pageviews cost --from-usage                      # volumes from the deployment
  pageviews cost --prices my-prices.json --region us-west-2")]
pub struct CostArgs {
    /// Page views a day.
    #[arg(long, value_name = "N", value_parser = parse_views, default_value_t = crate::cost::workload::DEFAULT_VIEWS_PER_DAY,
          conflicts_with = "from_usage", allow_negative_numbers = true, help_heading = "Workload")]
    pub views_per_day: u64,

    /// Distinct pages viewed a day (one daily row each).
    #[arg(long, value_name = "N", value_parser = parse_cost_pages, default_value_t = crate::cost::workload::DEFAULT_PAGES,
          conflicts_with = "from_usage", allow_negative_numbers = true, help_heading = "Workload")]
    pub pages: u64,

    /// Days raw events are kept (DynamoDB TTL, or Timestream retention).
    #[arg(long, value_name = "DAYS", value_parser = parse_retention, default_value_t = crate::cost::workload::DEFAULT_RETENTION_DAYS,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub retention_days: u64,

    /// Reports run a day (each reads the daily table).
    #[arg(long, value_name = "N", value_parser = parse_reports, default_value_t = crate::cost::workload::DEFAULT_REPORT_QUERIES_PER_DAY,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub report_queries_per_day: u64,

    /// Days each report covers.
    #[arg(long, value_name = "DAYS", value_parser = parse_report_days, default_value_t = crate::cost::workload::DEFAULT_REPORT_DAYS,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub report_days: u64,

    /// Read volumes (views a day, pages) from the deployment: the mean of its last 30
    /// aggregated days.
    #[arg(long, help_heading = "Workload")]
    pub from_usage: bool,

    /// Size of a raw event item in DynamoDB [default: computed from the item layout with
    /// --page-bytes and --id-bytes].
    #[arg(long, value_name = "BYTES", value_parser = parse_item_bytes, allow_negative_numbers = true,
          help_heading = "Sizes")]
    pub event_bytes: Option<u64>,

    /// Typical page path length in bytes.
    #[arg(long, value_name = "BYTES", value_parser = parse_page_bytes, default_value_t = crate::cost::workload::DEFAULT_PAGE_BYTES,
          allow_negative_numbers = true, help_heading = "Sizes")]
    pub page_bytes: u64,

    /// Event id length in bytes (send's ids: 16 hex digits, '-', the index).
    #[arg(long, value_name = "BYTES", value_parser = parse_id_bytes, default_value_t = crate::cost::workload::DEFAULT_ID_BYTES,
          allow_negative_numbers = true, help_heading = "Sizes")]
    pub id_bytes: u64,

    /// Events per queue message [default: what send packs into 64 KiB].
    #[arg(long, value_name = "N", value_parser = parse_events_per_message, allow_negative_numbers = true,
          help_heading = "Pipeline")]
    pub events_per_message: Option<usize>,

    /// Shards a day's raw events are spread over (one aggregation query each).
    #[arg(long, value_name = "N", value_parser = parse_shards, default_value_t = crate::cost::workload::DEFAULT_SHARDS,
          allow_negative_numbers = true, help_heading = "Pipeline")]
    pub shards: u64,

    /// `drain --follow` workers long-polling the queue all day.
    #[arg(long, value_name = "N", value_parser = parse_drain_workers, default_value_t = crate::cost::workload::DEFAULT_DRAIN_WORKERS,
          allow_negative_numbers = true, help_heading = "Pipeline")]
    pub drain_workers: u64,

    /// Price aggregation and report reads as eventually consistent (half the read units).
    #[arg(long, help_heading = "Pipeline")]
    pub eventually_consistent: bool,

    /// Hours Timestream keeps events in its memory store before the magnetic store.
    #[arg(long, value_name = "HOURS", value_parser = parse_memory_hours, default_value_t = crate::cost::workload::DEFAULT_MEMORY_STORE_HOURS,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub memory_store_hours: u64,

    /// Records per Timestream WriteRecords request (at most 100).
    #[arg(long, value_name = "N", value_parser = parse_timestream_batch, default_value_t = crate::cost::workload::MAX_TIMESTREAM_BATCH,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub timestream_batch: u64,

    /// Seconds the daily aggregation query runs (billed with a 30 s minimum).
    #[arg(long, value_name = "SECONDS", value_parser = parse_query_seconds, default_value_t = crate::cost::workload::MIN_TCU_SECONDS,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub timestream_query_seconds: u64,

    /// Price of a Timestream compute unit hour (TCU-hour) in USD: not in the price table.
    #[arg(long, value_name = "USD", value_parser = parse_usd, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub timestream_tcu_hour_usd: Option<f64>,

    /// Timestream for InfluxDB instances running all month.
    #[arg(long, value_name = "N", value_parser = parse_instances, default_value_t = 1,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub influxdb_instances: u64,

    /// Price of a Timestream for InfluxDB instance-hour in USD: not in the price table.
    #[arg(long, value_name = "USD", value_parser = parse_usd, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub influxdb_instance_hour_usd: Option<f64>,

    /// Price of a GB-month of Timestream for InfluxDB storage in USD: not in the price table.
    #[arg(long, value_name = "USD", value_parser = parse_usd, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub influxdb_storage_gb_month_usd: Option<f64>,

    /// Storage allocated to InfluxDB in GB [default: the data volume].
    #[arg(long, value_name = "GB", value_parser = parse_storage_gb, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub influxdb_storage_gb: Option<f64>,

    /// Price table to use instead of the built-in one (JSON; format in docs/cost.md).
    #[arg(
        long,
        env = "PAGEVIEWS_PRICES",
        value_name = "FILE",
        help_heading = "Region and prices"
    )]
    pub prices: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CostFormat::Table)]
    pub format: CostFormat,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Examples:
  pageviews completions bash > ~/.local/share/bash-completion/completions/pageviews
  pageviews completions zsh > ~/.zfunc/_pageviews
  pageviews completions fish > ~/.config/fish/completions/pageviews.fish")]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Endpoints:
  POST /v1/view           {\"page\": \"/path\"} as JSON (what the snippet sends), or page= and time=
                          in the query string with an empty body (the article's beacon)
  GET  /v1/view.gif?page= a 1x1 GIF, for pages without JavaScript
  GET  /pageviews.js      the tracking script (see `pageviews snippet`)
  GET  /healthz           200, or 503 while the buffer is full
  GET  /metrics           Prometheus metrics: accepted, dropped by reason, queue sends, buffer

A view's time is when it arrived; its page is reduced to the path (query and fragment dropped).
No IP address, user agent or cookie is stored. Requests with DNT: 1 or Sec-GPC: 1, and bots (by
user agent), are answered normally but not counted. SIGINT/SIGTERM stop accepting, put every
accepted view on the queue, and exit 0.

Examples:
  pageviews collect --allow-origin https://example.com
  pageviews collect --listen 0.0.0.0:8080 --allow-origin https://example.com \\
      --allow-origin https://www.example.com --keep-query utm_source --rate-limit 10/s
  pageviews --backend aws collect --listen :8080 --allow-origin https://example.com")]
pub struct CollectArgs {
    /// Address and port to listen on (`:8080` means every interface).
    #[arg(long, env = "PAGEVIEWS_LISTEN", value_name = "ADDR", default_value = "127.0.0.1:8080",
          value_parser = parse_listen)]
    pub listen: std::net::SocketAddr,

    /// A site allowed to send views, as scheme://host[:port] (repeatable, or comma-separated).
    /// Checked against Origin (or, for the pixel, Referer); CORS answers name it.
    #[arg(
        long,
        env = "PAGEVIEWS_ALLOW_ORIGIN",
        value_name = "ORIGIN",
        value_delimiter = ',',
        required_unless_present = "allow_any_origin"
    )]
    pub allow_origin: Vec<String>,

    /// Accept views from any site (answers CORS with *).
    #[arg(
        long,
        env = "PAGEVIEWS_ALLOW_ANY_ORIGIN",
        conflicts_with = "allow_origin"
    )]
    pub allow_any_origin: bool,

    /// A query parameter kept in the stored page, e.g. utm_source (repeatable, or
    /// comma-separated); every other parameter is dropped.
    #[arg(
        long,
        env = "PAGEVIEWS_KEEP_QUERY",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub keep_query: Vec<String>,

    /// Count views whose request carries DNT: 1 or Sec-GPC: 1.
    #[arg(long, env = "PAGEVIEWS_IGNORE_DNT")]
    pub ignore_dnt: bool,

    /// Use the time (RFC 3339) and id a client sends instead of the arrival time and a fresh
    /// id: for replaying recorded views, which are then stored once however often replayed.
    #[arg(long, env = "PAGEVIEWS_TRUST_CLIENT_TIME")]
    pub trust_client_time: bool,

    /// Views per client allowed, as N/s, N/min or N/h; over it the client gets 429. Clients are
    /// told apart by address, held in memory only [default: no limit].
    #[arg(long, env = "PAGEVIEWS_RATE_LIMIT", value_name = "RATE", value_parser = parse_rate_limit)]
    pub rate_limit: Option<governor::Quota>,

    /// Behind a reverse proxy: tell clients apart by the last X-Forwarded-For entry (the one the
    /// proxy added) instead of the connection's address.
    #[arg(long, env = "PAGEVIEWS_TRUST_FORWARDED_FOR", requires = "rate_limit")]
    pub trust_forwarded_for: bool,

    /// Seconds between sends of a partly filled message; a full one (64 KiB) is sent at once.
    #[arg(long, env = "PAGEVIEWS_FLUSH_INTERVAL", value_name = "SECONDS", default_value_t = 1.0,
          value_parser = parse_flush_interval)]
    pub flush_interval: f64,

    /// Views held in memory on their way to the queue; when it is full (queue down or slow)
    /// new views are answered 503 with Retry-After.
    /// At most about 800 bytes a view: 50,000 take at most 40 MiB.
    #[arg(long, env = "PAGEVIEWS_BUFFER", value_name = "VIEWS", default_value_t = 50_000,
          value_parser = clap::value_parser!(u32).range(100..=1_000_000), allow_negative_numbers = true)]
    pub buffer: u32,

    /// After SIGINT/SIGTERM: seconds to keep trying to put buffered views on the queue before
    /// giving up with exit 1 (and the number of views lost).
    #[arg(long, env = "PAGEVIEWS_SHUTDOWN_TIMEOUT", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3_600), allow_negative_numbers = true)]
    pub shutdown_timeout: u64,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Add the printed tag to every page, e.g. before </head>. The script (under 1 KB gzipped) sends the
page's path with navigator.sendBeacon, counts single-page-app navigations (pushState,
replaceState, back/forward) once each, and does nothing when Do Not Track or Global Privacy
Control is on. Pages without JavaScript can use the pixel: <img src=\"ENDPOINT/v1/view.gif?page=/path\">.

Examples:
  pageviews snippet --endpoint https://stats.example.com
  pageviews snippet --endpoint https://example.com/stats   # collect behind a path prefix")]
pub struct SnippetArgs {
    /// Public URL where `pageviews collect` is reachable from visitors' browsers.
    #[arg(long, env = "PAGEVIEWS_ENDPOINT", value_name = "URL")]
    pub endpoint: String,
}

/// Deployment names become queue and table names: SQS allows 80 characters of [A-Za-z0-9_-]
/// and the longest suffix is "-events-dlq".
pub fn parse_name(text: &str) -> Result<String, String> {
    let valid_chars = text
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if text.is_empty() || text.len() > 69 || !valid_chars {
        return Err(
            "use 1 to 69 letters, digits, '-' or '_' (it prefixes queue and table names)".into(),
        );
    }
    Ok(text.to_owned())
}

fn parse_account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_owned())
    } else {
        Err("expected a 12-digit AWS account id".into())
    }
}

fn parse_whole(text: &str, min: u64, max: u64) -> Result<u64, String> {
    let number: u64 = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a whole number from {min} to {max}"))?;
    if number < min || number > max {
        return Err(format!("expected a whole number from {min} to {max}"));
    }
    Ok(number)
}

fn parse_count(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, 1_000_000_000_000)
}

fn parse_pages(text: &str) -> Result<usize, String> {
    parse_whole(text, 1, 1_000_000).map(|n| n as usize)
}

fn parse_top(text: &str) -> Result<usize, String> {
    parse_whole(text, 1, 1_000_000).map(|n| n as usize)
}

fn parse_events_per_message(text: &str) -> Result<usize, String> {
    parse_whole(text, 1, crate::event::MAX_EVENTS_PER_MESSAGE as u64).map(|n| n as usize)
}

fn parse_views(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, 1_000_000_000_000)
}

fn parse_cost_pages(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, 100_000_000)
}

fn parse_retention(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, 36_500)
}

fn parse_reports(text: &str) -> Result<u64, String> {
    parse_whole(text, 0, 1_000_000)
}

fn parse_report_days(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, 3_660)
}

/// DynamoDB items are at most 400 KB.
fn parse_item_bytes(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, 400 * 1024)
}

fn parse_page_bytes(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, crate::event::MAX_PAGE_BYTES as u64)
}

fn parse_id_bytes(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, crate::event::MAX_ID_BYTES as u64)
}

fn parse_shards(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, u64::from(crate::backend::aws::keys::MAX_SHARDS))
}

fn parse_drain_workers(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, 64)
}

fn parse_memory_hours(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, 8_766)
}

fn parse_timestream_batch(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, crate::cost::workload::MAX_TIMESTREAM_BATCH)
}

fn parse_query_seconds(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, 86_400)
}

fn parse_instances(text: &str) -> Result<u64, String> {
    parse_whole(text, 1, 100)
}

fn parse_usd(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(usd) if usd.is_finite() && usd >= 0.0 => Ok(usd),
        _ => Err("expected a price in USD of at least 0, e.g. 0.25".into()),
    }
}

fn parse_storage_gb(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(gb) if gb.is_finite() && gb > 0.0 => Ok(gb),
        _ => Err("expected a size in GB above 0, e.g. 20".into()),
    }
}

/// `HOST:PORT`, or `:PORT` for every interface.
fn parse_listen(text: &str) -> Result<std::net::SocketAddr, String> {
    let text = text.trim();
    let full = match text.strip_prefix(':') {
        Some(port) => format!("0.0.0.0:{port}"),
        None => text.to_owned(),
    };
    full.parse().map_err(|_| {
        "expected an IP address and port, e.g. 127.0.0.1:8080, [::1]:8080 or :8080".into()
    })
}

fn parse_rate_limit(text: &str) -> Result<governor::Quota, String> {
    crate::collect::rate::parse_rate(text)
}

fn parse_flush_interval(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(seconds) if (0.01..=60.0).contains(&seconds) => Ok(seconds),
        _ => Err("expected seconds from 0.01 to 60, e.g. 1".into()),
    }
}

fn parse_wait(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(seconds) if (0.0..=20.0).contains(&seconds) => Ok(seconds),
        _ => Err("expected seconds from 0 to 20 (SQS's long-poll limit)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn names_follow_queue_name_rules() {
        assert!(parse_name("pageviews").is_ok());
        assert!(parse_name("site_2-prod").is_ok());
        assert!(parse_name("").is_err());
        assert!(parse_name("a b").is_err());
        assert!(parse_name(&"x".repeat(70)).is_err());
    }

    #[test]
    fn numbers_are_range_checked() {
        assert_eq!(parse_count("10"), Ok(10));
        assert!(parse_count("0").is_err());
        assert!(parse_count("-5").is_err());
        assert!(parse_count("ten").is_err());
        assert!(parse_wait("21").is_err());
        assert_eq!(parse_wait("0.5"), Ok(0.5));
    }
}
