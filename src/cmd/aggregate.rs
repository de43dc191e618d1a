//! `pageviews aggregate`: count views per page per day into the daily table.

use anyhow::Context as _;
use clap::Args;

use crate::backend::Backend;
use crate::backend::DayWrite;
use crate::cmd::context::Context;
use crate::cmd::range::{DayRangeArgs, RangeHelp};
use crate::model::bad_input::bad_input;
use crate::model::day::Day;
use crate::model::day::DayRange;
use crate::model::parts::Part;
use crate::model::retry::RetryPolicy;
use crate::output::SummaryFormat;
use crate::output::{counted, print_data};
use crate::pipeline::aggregate::{aggregate_day, pending_days, plan_days, unfinished_writes};
use crate::pipeline::parts::{aggregate_in_parts, aggregate_with_workers, PartsRun};
use crate::pipeline::retention::{apply_retention, record_before_expiry, warn_expiring};
use crate::pipeline::salts::delete_old_salts;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
With no day flag, aggregates yesterday plus every pending day: days whose raw events changed \
since they were last aggregated (late events). That is what cron should run, a little after \
midnight. Days, yesterday included, are days of the deployment's time zone (UTC unless \
`init --time-zone` set another; `status` names it).

On the local backend a day is counted on one thread per core this process may use (at most \
four), each counting a range of visitor keys, all from one snapshot of the database: run it \
under `taskset` or a CPU quota to leave cores to other work, or give --workers N for N parts \
at once (1 to 64).

With --parts N, a day is counted in N parts (1 to 64), each the events of a range of visitor \
keys and exact on its own; each part's counts are stored, and the day's rows are written from \
their sum once every part counts what is stored. With --part K as well, only part K (from 0 to \
N-1) is counted: run one process per part, in any order, again after a failure (a part \
counted twice changes nothing); whichever finishes the set writes the day. Late events make \
only the parts of their visitors' keys stale: `aggregate --pending --parts N` counts those \
again and writes the day. On AWS a part is whole shards of the day (at most `init --shards` \
parts), and a day first written by a pageviews that placed raw items by event id is counted \
whole by the run of part 0 (`status` lists which days can be split); `deploy \
--aggregate-parts N` runs the parts as Lambda invocations (docs/scaling.md).

Examples:
  pageviews aggregate                       # yesterday + pending
  pageviews aggregate --day 2021-03-13
  pageviews aggregate --from 2021-03-01 --to 2021-03-31
  pageviews aggregate --pending             # only days with late events
  pageviews aggregate --day 2021-03-13 --parts 8 --part 3   # one of eight processes")]
pub struct AggregateArgs {
    #[command(flatten)]
    pub days: DayRangeArgs<AggregateDays>,

    /// Also (or, without a day flag, only) recompute days whose raw events changed since they
    /// were last aggregated.
    #[arg(long)]
    pub pending: bool,

    /// Count each day in this many parts (1 to 64), stored one by one and added up into the
    /// day's rows once every part is counted.
    #[arg(long, value_name = "N", env = "PAGEVIEWS_PARTS")]
    pub parts: Option<u32>,

    /// With --parts: count only this part of each day (0 to N-1), then write the day if every
    /// part is counted.
    #[arg(long, value_name = "K", requires = "parts", env = "PAGEVIEWS_PART")]
    pub part: Option<u32>,

    /// Count each day in this many parts at once (1 to 64) in this process, and add them up:
    /// more or fewer cores than the default (one part per core, at most four).
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "parts",
        env = "PAGEVIEWS_AGGREGATE_WORKERS"
    )]
    pub workers: Option<u32>,

    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

/// What aggregate's range flags say.
#[derive(Debug, Clone)]
pub struct AggregateDays;

impl RangeHelp for AggregateDays {
    const COMMAND: &'static str = "aggregate";
    const DAY: &'static str = "Aggregate this day [default: yesterday in the deployment's time \
                               zone, and every pending day].";
    const FROM: &'static str = "First day of a range to aggregate.";
    const TO: &'static str = "Last day of a range to aggregate.";
}

pub async fn run(ctx: &Context, args: AggregateArgs) -> anyhow::Result<()> {
    let backend = ctx.open().await?;
    let range = args.days.asked(backend.zone)?;
    delete_old_salts(&backend).await;
    let today = backend.zone.today();
    if let Some(range) = range.filter(|range| range.to > today) {
        return bad_input(format!(
            "{} is in the future ({}); aggregate days up to today",
            range.to, backend.zone
        ));
    }
    let include_pending = args.pending || range.is_none();
    let pending = if include_pending {
        pending_days(&backend)
            .await
            .context("cannot list the days with late events")?
    } else {
        Vec::new()
    };
    let days = plan_days(range, args.pending, &pending, today.prev());
    if days.is_empty() {
        ctx.say("no days to aggregate: no raw events changed since the last aggregation");
    }
    let policy = RetryPolicy::default();
    if let Some(parts) = args.parts {
        let runs = in_parts(ctx, &backend, &days, parts, args.part, &policy, args.format).await?;
        if args.format == SummaryFormat::Json {
            print_data(&serde_json::to_string_pretty(&runs)?)?;
        }
        return keep_within_retention(ctx, &backend).await;
    }
    if let Some(workers) = args.workers {
        refuse_parts(&format!("--workers {workers}"), workers, 0)?;
    }
    let mut results = Vec::with_capacity(days.len());
    for day in days {
        let result = match args.workers {
            Some(workers) => aggregate_with_workers(&backend, day, workers, &policy).await,
            None => aggregate_day(&backend, day, &policy).await,
        };
        let result = result.with_context(|| format!("cannot aggregate {day}"))?;
        let note = match result.write {
            DayWrite::Stored => "",
            DayWrite::KeptNewer => " (not stored: a concurrent run stored a count of newer events)",
            DayWrite::KeptLarger => {
                " (not stored: the stored count is larger; raw events of the day expired before \
                 its counts became its record, docs/aws.md)"
            }
            DayWrite::AlreadyStored => " (already stored by another run)",
        };
        let capacity = result.read_capacity_units.map_or(String::new(), |units| {
            format!(", {units:.1} read capacity units")
        });
        if args.format == SummaryFormat::Text {
            ctx.say(format!(
                "aggregated {day}: {} on {}, {} in {:.2} s{capacity}{note}",
                counted(result.views, "view"),
                counted(result.pages, "page"),
                counted(result.visitors, "visitor"),
                result.seconds
            ));
        }
        results.push(result);
    }
    if args.format == SummaryFormat::Json {
        print_data(&serde_json::to_string_pretty(&results)?)?;
    }
    if let (Some(first), Some(last)) = (results.first(), results.last()) {
        let counted = DayRange {
            from: first.day,
            to: last.day,
        };
        say_unfinished_writes(ctx, &backend, counted).await?;
    }
    keep_within_retention(ctx, &backend).await
}

/// Each day counted in `parts` parts (only `part` where given), written where every part is.
async fn in_parts(
    ctx: &Context,
    backend: &Backend,
    days: &[Day],
    parts: u32,
    part: Option<u32>,
    policy: &RetryPolicy,
    format: SummaryFormat,
) -> anyhow::Result<Vec<PartsRun>> {
    let flags = match part {
        Some(part) => format!("--parts {parts} --part {part}"),
        None => format!("--parts {parts}"),
    };
    refuse_parts(&flags, parts, part.unwrap_or(0))?;
    let mut runs = Vec::with_capacity(days.len());
    for &day in days {
        let run = aggregate_in_parts(backend, day, parts, part, policy)
            .await
            .with_context(|| format!("cannot aggregate {day} in {parts} parts"))?;
        if format == SummaryFormat::Text {
            say_parts_run(ctx, &run);
        }
        runs.push(run);
    }
    Ok(runs)
}

/// Refuses (bad usage, naming `flags`) a part that does not exist.
fn refuse_parts(flags: &str, parts: u32, part: u32) -> anyhow::Result<()> {
    if let Err(err) = Part::new(parts, part) {
        return bad_input(format!("{flags}: {err}; see `pageviews aggregate --help`"));
    }
    Ok(())
}

/// What a run did with a day's parts, and what is left to do, a line each.
fn say_parts_run(ctx: &Context, run: &PartsRun) {
    let day = run.day;
    for part in &run.counted {
        ctx.say(format!(
            "counted {day} part {} of {}: {}, {} in {:.2} s",
            part.part,
            run.parts,
            counted(part.views, "view"),
            counted(part.visitors, "visitor"),
            part.seconds
        ));
    }
    if let (Some(why), None) = (run.whole_only, &run.merged) {
        ctx.say(format!(
            "{day} is counted whole, by the run of part 0, not in parts: {why} (`pageviews \
             status` lists the days that can be split)"
        ));
        return;
    }
    if let Some(merged) = &run.merged {
        let note = match merged.write {
            DayWrite::Stored => "",
            DayWrite::AlreadyStored => " (already stored by the run of another part)",
            _ => " (not stored: a count of newer events is)",
        };
        let how = match run.whole_only {
            Some(why) => format!("whole ({why})"),
            None => format!("from {}", counted(u64::from(run.parts), "part")),
        };
        ctx.say(format!(
            "aggregated {day} {how}: {} on {}, {}{note}",
            counted(merged.views, "view"),
            counted(merged.pages, "page"),
            counted(merged.visitors, "visitor")
        ));
        return;
    }
    let list = |parts: &[u32]| {
        let named: Vec<String> = parts.iter().map(u32::to_string).collect();
        named.join(", ")
    };
    let mut left = Vec::new();
    if !run.missing.is_empty() {
        left.push(format!("not counted yet: {}", list(&run.missing)));
    }
    if !run.stale.is_empty() {
        left.push(format!("counted before later events: {}", list(&run.stale)));
    }
    let current = run.parts as usize - run.missing.len() - run.stale.len();
    ctx.say(format!(
        "{day} is not written yet: {current} of {} parts counted; {}; the run that counts the \
         last of them writes it (`pageviews aggregate --day {day} --parts {}` counts all that \
         are left)",
        run.parts,
        left.join("; "),
        run.parts
    ));
}

/// Counted days a count could not claim because a write of their raw events has not said it
/// is done: each is named, with until when it stays pending.
async fn say_unfinished_writes(
    ctx: &Context,
    backend: &Backend,
    counted: DayRange,
) -> anyhow::Result<()> {
    let unfinished = unfinished_writes(backend, counted)
        .await
        .context("the days were aggregated, but their statuses cannot be read")?;
    for write in unfinished {
        ctx.say(write.describe());
    }
    Ok(())
}

/// After the counts are stored: the raw events of counted, unchanged days past the retention
/// are deleted, or where they expire by themselves, kept in the days' records before they do;
/// days left uncounted whose raw events will expire are named.
async fn keep_within_retention(ctx: &Context, backend: &Backend) -> anyhow::Result<()> {
    let pruned = apply_retention(backend)
        .await
        .context("the days were aggregated, but deleting raw events past the retention failed")?;
    if let Some(pruned) = pruned.filter(|pruned| !pruned.days.is_empty()) {
        ctx.say(format!(
            "deleted {} of {} older than the retention ({} days); their daily rows are kept",
            counted(pruned.events_deleted, "raw event"),
            counted(pruned.days.len() as u64, "day"),
            backend.retention_days.unwrap_or_default()
        ));
    }
    let recorded = record_before_expiry(backend).await.context(
        "the days were aggregated, but keeping the counts of days whose raw events expire soon \
         failed; the next aggregate tries again",
    )?;
    if !recorded.is_empty() {
        tracing::info!(
            days = recorded.len(),
            "counts kept as the days' records before their raw events expire"
        );
    }
    warn_expiring(backend)
        .await
        .context("cannot read the days' statuses")?;
    Ok(())
}
