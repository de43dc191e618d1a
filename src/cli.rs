//! The command line: the global flags and the list of commands (each command's own flags live
//! beside its `run` in `src/cmd/<name>.rs`).

use clap::builder::BoolishValueParser;
use clap::{Arg, ArgAction, Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use std::ffi::OsString;
use std::path::PathBuf;

use crate::backend::BackendKind;
use crate::cmd::{
    aggregate::AggregateArgs, archive::ArchiveArgs, collect::CollectArgs,
    completions::CompletionsArgs, cost::CostArgs, dlq::DlqArgs, drain::DrainArgs,
    export::ExportArgs, iam_policy::IamPolicyArgs, import::ImportArgs, init::InitArgs,
    prune::PruneArgs, report::ReportArgs, send::SendArgs, snippet::SnippetArgs, status::StatusArgs,
    teardown::TeardownArgs,
};
use crate::cmd::{deploy::DeployArgs, serve::ServeArgs, share::ShareArgs, undeploy::UndeployArgs};
use crate::model::values::{deployment_name, whole};

const AFTER_HELP: &str = "\
Examples:
  pageviews init
  pageviews send --count 100000 --day 2021-03-13
  pageviews drain
  pageviews aggregate --day 2021-03-13
  pageviews report --day 2021-03-13 --top 10

From cron, in the deployment's time zone (UTC unless `init --time-zone` set another):
  CRON_TZ=UTC
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
    #[arg(long, global = true, env = "PAGEVIEWS_NAME", default_value = "pageviews", value_parser = deployment_name)]
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

    /// AWS region of the deployment [default: AWS_REGION, or the profile's region], and the
    /// region `cost` prices [default: AWS_REGION, or us-east-1].
    #[arg(
        long,
        global = true,
        value_name = "REGION",
        help_heading = "AWS backend"
    )]
    pub region: Option<String>,

    /// Endpoint for SQS, DynamoDB and S3 (export, archive), e.g. an emulator [default:
    /// AWS_ENDPOINT_URL, or AWS_ENDPOINT_URL_SQS, _DYNAMODB and _S3, or AWS's own].
    #[arg(long, global = true, value_name = "URL", help_heading = "AWS backend")]
    pub endpoint_url: Option<String>,

    /// Seconds one attempt of an AWS call may take before it is abandoned and retried (a long
    /// poll gets its wait on top).
    #[arg(long, global = true, env = "PAGEVIEWS_AWS_TIMEOUT", value_name = "SECONDS",
          default_value_t = 15, value_parser = whole::<u64>(1, 300),
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
    /// Views and visitors per page and day, week, month or hour: a table, CSV, JSON, a chart
    /// for the terminal or a self-contained HTML page.
    Report(ReportArgs),
    /// A dashboard in the browser, and a JSON API, of one site or several (read-only).
    Serve(ServeArgs),
    /// Create, list or revoke read-only share links to one site's dashboard.
    Share(ShareArgs),
    /// Show queue depth, in-flight and dead-lettered messages, stored events, pending days.
    Status(StatusArgs),
    /// List, redrive or purge the dead-letter queue: messages a drain could not store.
    Dlq(DlqArgs),
    /// Copy raw events or daily rows to day-partitioned files in a folder or on S3.
    Export(ExportArgs),
    /// Turn web server access logs (nginx, Apache, Caddy) or exported events into views.
    Import(ImportArgs),
    /// Delete the raw events of counted days past the retention; daily rows stay.
    Prune(PruneArgs),
    /// Move the raw events of old days to S3 or a folder: exported, verified, then deleted.
    Archive(ArchiveArgs),
    /// Estimate the monthly AWS bill: DynamoDB vs Timestream, the whole pipeline counted.
    Cost(CostArgs),
    /// Delete the queues and tables `init` created, with everything in them.
    Teardown(TeardownArgs),
    /// Print a least-privilege IAM policy (JSON) for one role of the AWS deployment.
    IamPolicy(IamPolicyArgs),
    /// Run the drain, the daily aggregation and the beacon endpoint as AWS Lambda functions.
    Deploy(DeployArgs),
    /// Delete the Lambda functions, schedule and roles `deploy` created (queues and tables stay).
    Undeploy(UndeployArgs),
    /// Print a shell completion script.
    Completions(CompletionsArgs),
}

impl Cli {
    /// Parses `argv` the way every command expects: a flag given on the command line wins over
    /// its environment twin (whose value is then not even checked), an empty environment
    /// variable counts as unset, a switch's twin takes yes/no/1/0/true/false/on/off, and a
    /// negative number reaches the flag's range check instead of looking like a flag.
    pub fn parse_from_env(argv: Vec<OsString>) -> Result<Cli, clap::Error> {
        let command = adjust_command(Cli::command(), &argv);
        let matches = command.try_get_matches_from(argv)?;
        Cli::from_arg_matches(&matches)
    }
}

/// Removes the AWS SDK's own variables (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`, ...)
/// that are set but empty, so that, as for every `PAGEVIEWS_*` twin, an empty variable counts
/// as unset: the SDK would take `AWS_REGION=` for a region named "" and fail on the first
/// request. Call it first thing in `main`, before any thread could read the environment.
pub fn unset_empty_aws_variables() {
    let empty = std::env::vars_os().filter(|(name, value)| {
        value.is_empty() && name.to_str().is_some_and(|name| name.starts_with("AWS_"))
    });
    for (name, _) in empty.collect::<Vec<_>>() {
        std::env::remove_var(name);
    }
}

fn adjust_command(command: clap::Command, argv: &[OsString]) -> clap::Command {
    command
        .mut_args(|arg| adjust_arg(arg, argv))
        .mut_subcommands(|sub| adjust_command(sub, argv))
}

fn adjust_arg(mut arg: Arg, argv: &[OsString]) -> Arg {
    if arg.get_action().takes_values() {
        arg = arg.allow_negative_numbers(true);
    }
    let Some(variable) = arg.get_env() else {
        return arg;
    };
    let empty = std::env::var_os(variable).is_some_and(|value| value.is_empty());
    if empty || given_on_the_command_line(&arg, argv) {
        return arg.env(None);
    }
    if matches!(arg.get_action(), ArgAction::SetTrue) {
        arg = arg.value_parser(BoolishValueParser::new());
    }
    arg
}

/// Whether `argv` names the flag (`--name`, `--name=x`, or its short form).
fn given_on_the_command_line(arg: &Arg, argv: &[OsString]) -> bool {
    let long = arg.get_long().map(|long| format!("--{long}"));
    let short = arg.get_short().map(|short| format!("-{short}"));
    argv.iter()
        .skip(1)
        .filter_map(|word| word.to_str())
        .any(|word| {
            let flag = word.split_once('=').map_or(word, |(flag, _)| flag);
            Some(flag) == long.as_deref() || Some(word) == short.as_deref()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn negative_numbers_reach_the_range_check() {
        let err = Cli::parse_from_env(argv(&["pageviews", "send", "--seed", "-1"])).unwrap_err();
        assert!(
            err.to_string()
                .contains("expected a whole number from 0 to"),
            "{err}"
        );
    }
}
