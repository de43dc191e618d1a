//! `pageviews prune`: delete the raw events of counted days older than the retention, or
//! before a day; their daily rows (and so every report) stay.

use anyhow::Context as _;
use clap::Args;

use crate::cmd::context::Context;
use crate::model::bad_input::bad_input;
use crate::model::day::Day;
use crate::output::{counted, print_data, SummaryFormat};
use crate::pipeline::retention::{first_kept_day, prune, read_plan, PrunePlan, Pruned};

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
A day's raw events are deleted only when its daily rows hold their count: the day was \
aggregated and no event arrived since. Days not counted yet are kept and listed; run \
`pageviews aggregate --pending` and prune again. `aggregate` applies the retention by itself \
after counting; prune is for a retention set later, or for deleting earlier than it.

Locally raw events are kept for ever unless `init --retention-days N` set a retention. On AWS, \
DynamoDB's TTL deletes them after the retention (free, within a few days); prune deletes them \
now (each deletion is a write).

Examples:
  pageviews init --retention-days 90 && pageviews prune
  pageviews prune --before 2021-01-01 --dry-run
  pageviews archive --before 2021-01-01 --output s3://bucket/pageviews   # keep a copy first")]
pub struct PruneArgs {
    /// Delete raw events of counted days before this day [default: the days older than the
    /// deployment's retention].
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub before: Option<Day>,

    /// Say what would be deleted, and delete nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

pub async fn run(ctx: &Context, args: PruneArgs) -> anyhow::Result<()> {
    let backend = ctx.open().await?;
    let today = backend.zone.today();
    let before =
        match (args.before, backend.retention_days) {
            (Some(day), _) if day > today.next() => {
                return bad_input(format!(
                    "--before {day} is after tomorrow ({}): raw events of days to come are not \
                 counted yet",
                    backend.zone
                ))
            }
            (Some(day), _) => day,
            (None, Some(days)) => first_kept_day(today, days),
            (None, None) => return bad_input(
                "this deployment keeps raw events for ever: give --before YYYY-MM-DD, or set a \
                 retention with `pageviews init --retention-days N`",
            ),
        };
    let (_, planned) = read_plan(&backend, before)
        .await
        .context("cannot read the days' statuses")?;
    let pruned = if args.dry_run {
        Pruned {
            days: planned.days.iter().map(|(day, _)| *day).collect(),
            pending: planned.pending.clone(),
            ..Pruned::default()
        }
    } else {
        prune(&backend, &planned)
            .await
            .context("deleting raw events stopped; the days deleted so far keep their rows")?
    };
    match args.format {
        SummaryFormat::Json => print_data(&serde_json::to_string_pretty(&pruned)?)?,
        SummaryFormat::Text => say_pruned(ctx, &pruned, &planned, before, args.dry_run),
    }
    Ok(())
}

fn say_pruned(ctx: &Context, pruned: &Pruned, planned: &PrunePlan, before: Day, dry_run: bool) {
    let days = |days: &[Day]| match days {
        [] => String::new(),
        [one] => one.to_string(),
        [first, .., last] => format!("{first}..{last}"),
    };
    if dry_run {
        ctx.say(format!(
            "would delete the raw events of {} before {before} ({}); nothing was deleted",
            counted(planned.days.len() as u64, "counted day"),
            days(&pruned.days)
        ));
    } else if pruned.days.is_empty() {
        ctx.say(format!(
            "no raw events of counted days before {before} to delete"
        ));
    } else {
        ctx.say(format!(
            "deleted {} of {} before {before} ({}); their daily rows are kept",
            counted(pruned.events_deleted, "raw event"),
            counted(pruned.days.len() as u64, "day"),
            days(&pruned.days)
        ));
    }
    let waiting: Vec<Day> = pruned
        .pending
        .iter()
        .chain(&pruned.changed)
        .copied()
        .collect();
    if !waiting.is_empty() {
        let list: Vec<String> = waiting.iter().map(Day::to_string).collect();
        ctx.say(format!(
            "kept {} not counted since their last events ({}): run `pageviews aggregate \
             --pending`, then prune again",
            counted(waiting.len() as u64, "day"),
            list.join(", ")
        ));
    }
}
