//! `pageviews deploy`: run the drain, the daily aggregation and (optionally) the beacon
//! endpoint and the dashboard as Lambda functions beside an AWS deployment made by `init`.

use anyhow::Context as _;
use clap::Args;
use std::path::PathBuf;

use crate::backend::aws::Functions;
use crate::backend::QueueKind;
use crate::cmd::context::Context;
use crate::deploy::package::{check, Architecture};
use crate::deploy::{deploy, DeployOptions, Outcome, Step, StepState, StreamOptions};
use crate::model::bad_input::{bad_input, BadInput};
use crate::model::values::whole;
use crate::output::{print_data, SummaryFormat};
use crate::serve::access::token_sha256_hex;

/// Lambda's advice: a queue's visibility timeout at least six times the function's timeout,
/// so a batch retried by the function is not delivered again meanwhile.
const VISIBILITY_FACTOR: u64 = 6;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Creates, beside the queue and tables of `init`: one IAM role per function with the policy \
`iam-policy` writes for its role; the functions <NAME>-drain (fed by the queue, reporting \
partial batch failures), <NAME>-aggregate (on an EventBridge Scheduler schedule in the \
deployment's time zone), with --collector, <NAME>-collect behind a public function URL, and \
with --dashboard, <NAME>-dashboard: the dashboard and API of `serve` behind a public function \
URL, every request carrying the token of --token-file (the function is given only its \
SHA-256). Safe to run again: it reports what exists, updates what differs (a new token \
included), and uploads the code when the package changed. See docs/serverless.md.

Examples:
  scripts/package-lambda.sh            # target/lambda/pageviews/bootstrap.zip, for arm64
  pageviews --backend aws deploy --package target/lambda/pageviews/bootstrap.zip --dry-run
  pageviews --backend aws deploy --package target/lambda/pageviews/bootstrap.zip \\
      --collector --allow-origin https://example.com
  openssl rand -hex 32 > ~/.config/pageviews/token && chmod 600 ~/.config/pageviews/token
  pageviews --backend aws deploy --package target/lambda/pageviews/bootstrap.zip \\
      --dashboard --token-file ~/.config/pageviews/token")]
pub struct DeployArgs {
    /// The function package: a zip holding `bootstrap` (scripts/package-lambda.sh builds it).
    #[arg(long, value_name = "FILE.zip")]
    pub package: PathBuf,

    /// The processor the functions run on; the package must be built for it.
    #[arg(long, value_enum, default_value_t = Architecture::Arm64)]
    pub architecture: Architecture,

    /// Memory of each function, in MB (CPU grows with it).
    #[arg(long, value_name = "MB", default_value_t = 256,
          value_parser = whole::<i32>(128, 10_240), allow_negative_numbers = true)]
    pub memory: i32,

    /// Memory of the aggregation function (or of each of its parts), in MB [default: --memory]:
    /// a count holds the day's visitors, about 86 bytes an event of a part of one shard
    /// (`pageviews cost --drain lambda` says what a day needs).
    #[arg(long, value_name = "MB", value_parser = whole::<i32>(128, 10_240),
          allow_negative_numbers = true)]
    pub aggregate_memory: Option<i32>,

    /// Longest run of the aggregation function (or of each of its parts), in seconds, up to
    /// Lambda's 900 [default: --timeout]; unlike the drain's, it does not bind the queue's
    /// visibility timeout.
    #[arg(long, value_name = "SECONDS", value_parser = whole::<i32>(3, 900),
          allow_negative_numbers = true)]
    pub aggregate_timeout: Option<i32>,

    /// Longest run of one invocation, in seconds; the queue's visibility timeout must be at
    /// least six times this (init's 300 s allow 50 s).
    #[arg(long, value_name = "SECONDS", default_value_t = 50,
          value_parser = whole::<i32>(10, 900), allow_negative_numbers = true)]
    pub timeout: i32,

    /// Most messages the drain function gets at once.
    #[arg(long, value_name = "N", default_value_t = 10,
          value_parser = whole::<i32>(1, 10_000), allow_negative_numbers = true)]
    pub batch_size: i32,

    /// Seconds Lambda may gather messages before it invokes the drain (at least 1 when
    /// --batch-size is over 10).
    #[arg(long, value_name = "SECONDS", default_value_t = 0,
          value_parser = whole::<i32>(0, 300), allow_negative_numbers = true)]
    pub batching_window: i32,

    /// Most drain functions running at once: bounds the write rate on the events table.
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = whole::<i32>(2, 1_000), allow_negative_numbers = true)]
    pub max_concurrency: i32,

    /// Count each day in this many parts, one invocation of the aggregation function per
    /// part, at once (1 to the deployment's shards): for days too large for one function's
    /// memory or 15 minutes. The schedule invokes the parts; the last one stored writes the
    /// day (docs/scaling.md sizes it).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = whole::<u32>(1, 64))]
    pub aggregate_parts: u32,

    /// When the daily aggregation runs, HH:MM in the deployment's time zone.
    #[arg(long, value_name = "HH:MM", default_value = "00:15", value_parser = time_of_day)]
    pub aggregate_at: (u32, u32),

    /// Also deploy the beacon endpoint (`collect`) behind a public function URL.
    #[arg(long, requires = "allow_origin")]
    pub collector: bool,

    /// A site allowed to send views to the function URL, as scheme://host[:port] (repeatable,
    /// or comma-separated); the URL's CORS answers only these.
    #[arg(
        long,
        env = "PAGEVIEWS_ALLOW_ORIGIN",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    pub allow_origin: Vec<String>,

    /// Also deploy the dashboard and its API (`serve`) behind a public function URL; needs
    /// --token-file.
    #[arg(long)]
    pub dashboard: bool,

    /// With --dashboard: a file holding the token every dashboard request must carry (one line
    /// of at least 32 characters, e.g. from `openssl rand -hex 32`); only its SHA-256 leaves
    /// this machine.
    #[arg(long, env = "PAGEVIEWS_TOKEN_FILE", value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Raise the queue's visibility timeout to six times --timeout when it is lower.
    #[arg(long)]
    pub raise_visibility_timeout: bool,

    /// Create the queue's event source mapping disabled: nothing is drained until it is
    /// enabled (e.g. `aws lambda update-event-source-mapping --enabled`).
    #[arg(long)]
    pub paused: bool,

    /// With a Kinesis stream: batches of one shard the drain processes at once.
    #[arg(long, value_name = "N", default_value_t = 1, help_heading = "Kinesis stream",
          value_parser = whole::<i32>(1, 10), allow_negative_numbers = true)]
    pub parallelization_factor: i32,

    /// With a Kinesis stream: retries of a batch whose function fails before the mapping
    /// gives it up (describing it on the dead-letter queue; its records are then skipped);
    /// -1 retries as long as the stream keeps the records [default: -1].
    #[arg(long, value_name = "N", help_heading = "Kinesis stream",
          value_parser = retries, allow_negative_numbers = true)]
    pub max_retries: Option<i32>,

    /// With a Kinesis stream: the oldest record, in seconds, the mapping still hands over
    /// (60 to 604,800); -1 as long as the stream keeps it [default: -1].
    #[arg(long, value_name = "SECONDS", help_heading = "Kinesis stream",
          value_parser = record_age, allow_negative_numbers = true)]
    pub max_record_age: Option<i32>,

    /// Print what would be created or changed, and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Output format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

/// -1 (no limit), or a limit in `range`, as Lambda takes it.
fn unlimited_or(
    text: &str,
    range: std::ops::RangeInclusive<i32>,
    what: &str,
) -> Result<i32, String> {
    match text.parse::<i32>() {
        Ok(-1) => Ok(-1),
        Ok(limit) if range.contains(&limit) => Ok(limit),
        _ => Err(format!(
            "{text:?} is not {what}: give -1 (no limit) or {} to {}",
            range.start(),
            range.end()
        )),
    }
}

fn retries(text: &str) -> Result<i32, String> {
    unlimited_or(text, 0..=10_000, "a number of retries")
}

fn record_age(text: &str) -> Result<i32, String> {
    unlimited_or(text, 60..=604_800, "a record age in seconds")
}

fn time_of_day(text: &str) -> Result<(u32, u32), String> {
    let parsed = text.split_once(':').and_then(|(hour, minute)| {
        let (hour, minute) = (hour.parse::<u32>().ok()?, minute.parse::<u32>().ok()?);
        (hour < 24 && minute < 60 && text.len() == 5).then_some((hour, minute))
    });
    parsed.ok_or_else(|| format!("{text:?} is not a time of day: give HH:MM, e.g. 00:15"))
}

/// The SHA-256 (hex) of the dashboard's token, when the dashboard is asked for: read from
/// --token-file by `serve`'s rules, refused without one.
fn dashboard_token_hash(args: &DeployArgs) -> anyhow::Result<Option<String>> {
    if !args.dashboard {
        return Ok(None);
    }
    let Some(path) = &args.token_file else {
        return bad_input(
            "--dashboard needs --token-file FILE: the token every dashboard request must carry \
             (e.g. `openssl rand -hex 32 > FILE`)",
        );
    };
    let token = crate::cmd::serve::read_token(path)?;
    Ok(Some(token_sha256_hex(&token)))
}

/// What can be checked before AWS is asked anything: the flags Lambda constrains, the origins,
/// and that the package is a Lambda zip for the architecture. Returns the package's bytes.
fn checked_package(args: &DeployArgs) -> anyhow::Result<Vec<u8>> {
    if args.batch_size > 10 && args.batching_window < 1 {
        return bad_input(
            "--batch-size over 10 needs a --batching-window of at least 1 second (Lambda's rule)",
        );
    }
    if args.collector {
        // The collector function reads the same list; refused here, not on every beacon.
        if let Err(why) =
            crate::collect::policy::OriginPolicy::from_flags(&args.allow_origin, false)
        {
            return bad_input(why);
        }
    }
    let package = std::fs::read(&args.package).map_err(|err| {
        crate::model::bad_input::BadInput(format!(
            "cannot read --package {}: {err}",
            args.package.display()
        ))
    })?;
    if let Err(why) = check(&package, args.architecture) {
        return bad_input(format!(
            "--package {} is not a Lambda package for {}: {why}; build one with \
             scripts/package-lambda.sh",
            args.package.display(),
            args.architecture.lambda_name()
        ));
    }
    Ok(package)
}

/// The deployment's functions, or the one line that says its backend has none.
pub fn functions(ctx: &Context) -> anyhow::Result<Functions> {
    ctx.deployment.functions().ok_or_else(|| {
        BadInput(
            "this backend has no functions: Lambda runs the AWS backend's pipeline; pass \
             --backend aws (or set PAGEVIEWS_BACKEND=aws)"
                .into(),
        )
        .into()
    })
}

/// The stream mapping's settings; asking for them on an SQS deployment is a mistake to say.
fn stream_options(args: &DeployArgs, queue: QueueKind) -> anyhow::Result<StreamOptions> {
    let asked = args.parallelization_factor != 1
        || args.max_retries.is_some()
        || args.max_record_age.is_some();
    if asked && queue == QueueKind::Sqs {
        return bad_input(
            "--parallelization-factor, --max-retries and --max-record-age set how a Kinesis \
             stream is read; this deployment's queue is SQS (init --queue kinesis makes a \
             stream)",
        );
    }
    let defaults = StreamOptions::default();
    Ok(StreamOptions {
        parallelization_factor: args.parallelization_factor,
        max_retries: args.max_retries.unwrap_or(defaults.max_retries),
        max_record_age_seconds: args
            .max_record_age
            .unwrap_or(defaults.max_record_age_seconds),
    })
}

pub async fn run(ctx: &Context, args: DeployArgs) -> anyhow::Result<()> {
    let functions = functions(ctx)?;
    let dashboard = dashboard_token_hash(&args)?;
    let package = checked_package(&args)?;
    // The deployment must exist (`init` first): opening it says so otherwise.
    let backend = ctx.open().await?;
    if let Some(shards) = backend
        .day_shards
        .filter(|&shards| args.aggregate_parts > shards)
    {
        return bad_input(format!(
            "--aggregate-parts {}: this deployment spreads a day over {shards} shards (set by its \
             first init), and a part is whole shards: give at most {shards}",
            args.aggregate_parts
        ));
    }
    let clients = functions.connect().await?;
    let queue = clients.queue.read().await?;
    let stream = stream_options(&args, queue.kind)?;
    // A stream has no visibility timeout: only an SQS queue must outlast the function.
    let needed = match queue.kind {
        QueueKind::Sqs => VISIBILITY_FACTOR * args.timeout as u64,
        QueueKind::Kinesis => 0,
    };
    if queue.visibility_seconds < needed && !args.raise_visibility_timeout {
        return bad_input(format!(
            "the queue's visibility timeout ({} s) is under six times the function timeout \
             (6 x {} s = {needed} s), as Lambda asks: pass --raise-visibility-timeout to \
             raise it to {needed} s, or a lower --timeout",
            queue.visibility_seconds, args.timeout
        ));
    }
    let options = DeployOptions {
        package: package.into(),
        architecture: args.architecture,
        memory_mb: args.memory,
        aggregate_memory_mb: args.aggregate_memory.unwrap_or(args.memory),
        aggregate_timeout_seconds: args.aggregate_timeout.unwrap_or(args.timeout),
        timeout_seconds: args.timeout,
        batch_size: args.batch_size,
        batching_window_seconds: args.batching_window,
        max_concurrency: args.max_concurrency,
        aggregate_at: args.aggregate_at,
        zone: backend.zone.to_string(),
        collector: args.collector.then(|| args.allow_origin.clone()),
        dashboard,
        paused: args.paused,
        aggregate_parts: args.aggregate_parts,
        stream,
        dry_run: args.dry_run,
    };
    let mut outcome = Outcome::default();
    if queue.visibility_seconds < needed {
        if !args.dry_run {
            clients
                .queue
                .set_visibility_timeout(&queue, needed)
                .await
                .context("cannot raise the queue's visibility timeout")?;
        }
        outcome.steps.push(Step {
            kind: "queue",
            name: clients.queue.name().to_owned(),
            state: match args.dry_run {
                true => StepState::WouldUpdate,
                false => StepState::Updated,
            },
            details: vec![format!(
                "visibility timeout {} -> {needed} s",
                queue.visibility_seconds
            )],
        });
    }
    let deployed = deploy(&clients, &ctx.global.name, &queue, &options).await?;
    outcome.steps.extend(deployed.steps);
    outcome.function_url = deployed.function_url;
    outcome.dashboard_url = deployed.dashboard_url;
    match args.format {
        SummaryFormat::Json => print_data(&serde_json::to_string_pretty(&outcome)?)?,
        SummaryFormat::Text => ctx.say(text(&outcome)),
    }
    Ok(())
}

/// One line per step, then the beacon endpoint and the tag to paste into pages, and the
/// dashboard's address.
pub fn text(outcome: &Outcome) -> String {
    let mut lines: Vec<String> = outcome
        .steps
        .iter()
        .map(|step| match step.details.is_empty() {
            true => format!("{} {} {}", step.state.word(), step.kind, step.name),
            false => format!(
                "{} {} {}: {}",
                step.state.word(),
                step.kind,
                step.name,
                step.details.join("; ")
            ),
        })
        .collect();
    if let Some(url) = &outcome.function_url {
        let endpoint = url.trim_end_matches('/');
        lines.push(format!("beacon endpoint: {endpoint}"));
        lines.push(format!(
            "paste into your pages: {}",
            crate::cmd::snippet::tag(endpoint, None)
        ));
    }
    if let Some(url) = &outcome.dashboard_url {
        lines.push(format!(
            "dashboard: {url} (sign in with the token, or send `Authorization: Bearer TOKEN`)"
        ));
    }
    lines.join("\n")
}
