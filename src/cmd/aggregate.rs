//! `pageviews aggregate`: count views per page per day into the daily table.

use anyhow::Context as _;
use clap::Args;

use crate::backend::DayWrite;
use crate::context::Context;
use crate::model::bad_input::bad_input;
use crate::model::day::{check_range, resolve_range, Day};
use crate::model::retry::RetryPolicy;
use crate::output::SummaryFormat;
use crate::output::{counted, print_data};
use crate::pipeline::aggregate::{aggregate_day, pending_days, plan_days};
use crate::pipeline::retention::apply_retention;
use crate::pipeline::salts::delete_old_salts;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
With no day flag, aggregates yesterday plus every pending day: days whose raw events changed \
since they were last aggregated (late events). That is what cron should run, a little after \
midnight. Days, yesterday included, are days of the deployment's time zone (UTC unless \
`init --time-zone` set another; `status` names it).

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

pub async fn run(ctx: &Context, args: AggregateArgs) -> anyhow::Result<()> {
    let range = resolve_range(args.day, args.from, args.to).or_else(bad_input)?;
    if let Some(range) = range {
        check_range(range, "aggregate")?;
    }
    let backend = ctx.open().await?;
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
    let mut results = Vec::with_capacity(days.len());
    for day in days {
        let result = aggregate_day(&backend, day, &policy)
            .await
            .with_context(|| format!("cannot aggregate {day}"))?;
        let note = match result.write {
            DayWrite::Stored => "",
            DayWrite::KeptNewer => " (not stored: a concurrent run stored a count of newer events)",
            DayWrite::KeptLarger => {
                " (not stored: the stored count is larger, made before raw events expired)"
            }
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
    // After the counts are stored: only counted, unchanged days lose their raw events.
    let pruned = apply_retention(&backend)
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
    Ok(())
}
