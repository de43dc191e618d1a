//! `pageviews report experiment`: an A/B test's result from the daily breakdowns, per variant
//! against the control, with its statistics and a plain verdict.

use clap::Args;

use crate::cmd::context::Context;
use crate::cmd::range::{DayRangeArgs, RangeHelp};
use crate::cmd::report::meta;
use crate::model::bad_input::bad_input;
use crate::model::day::DayRange;
use crate::model::event::normalise;
use crate::output::print_data;
use crate::pipeline::experiment::{goal_of, GoalSpelling};
use crate::pipeline::reading::read_experiment;
use crate::report::{experiment, Format};

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Per variant: the visitors who saw it (views carrying the variant), those who reached the goal \
the same day under the same variant (a custom event, a view of a page, or an engaged time), the \
conversion rate \
with its 95% Wilson interval, the lift against the control, and the two-sided p-value of a \
pooled two-proportion z-test; a sentence says whether each difference is significant at 5%, \
and a warning names variants with fewer than 100 visitors. Over several days visitors are \
summed per day (visitor-days). docs/experiments.md explains how to run a test.

Examples:
  pageviews report experiment --goal signup --from 2021-03-01 --to 2021-03-14
  pageviews report experiment --goal-page /thanks --control A --day 2021-03-13
  pageviews report experiment --goal engaged:30s --from 2021-03-01 --to 2021-03-14
  pageviews report experiment --goal signup --from 2021-03-01 --to 2021-03-14 --format json
  pageviews report experiment --goal signup --from 2021-03-01 --to 2021-03-14 --format html \
      > experiment.html")]
pub struct ExperimentArgs {
    /// The goal: a custom event's name (`pageviews(\"signup\")` in the page), or an engaged
    /// time: engaged:10s, engaged:30s, engaged:60s, engaged:120s or engaged:300s (a visitor's
    /// day engaged at least that long in all, from the script's engagement beacons).
    #[arg(
        long,
        value_name = "NAME",
        required_unless_present = "goal_page",
        conflicts_with = "goal_page"
    )]
    pub goal: Option<String>,

    /// The goal: a page whose view counts as success, e.g. /thanks.
    #[arg(long, value_name = "PATH")]
    pub goal_page: Option<String>,

    /// The variant the others are compared with [default: the first by name].
    #[arg(long, value_name = "VARIANT")]
    pub control: Option<String>,

    #[command(flatten)]
    pub days: DayRangeArgs<ExperimentDays>,

    /// Output format: table (with the verdict), csv, json, or html (a page of its own in the
    /// HTML report's look: redirect it to a file).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// What the experiment's range flags say.
#[derive(Debug, Clone)]
pub struct ExperimentDays;

impl RangeHelp for ExperimentDays {
    const COMMAND: &'static str = "report experiment";
    const DAY: &'static str = "Read this day [default: yesterday, in the deployment's time zone].";
    const FROM: &'static str = "First day of the experiment.";
    const TO: &'static str = "Last day of the experiment.";
}

pub async fn run(ctx: &Context, args: ExperimentArgs) -> anyhow::Result<()> {
    if args.format == Format::Chart {
        return bad_input(
            "report experiment prints a table, csv, json or html; choose one with --format",
        );
    }
    let page = match &args.goal_page {
        Some(page) => {
            Some(normalise(page).or_else(|err| bad_input(format!("--goal-page {page:?}: {err}")))?)
        }
        None => None,
    };
    let spelling = GoalSpelling {
        event: "--goal",
        page: "--goal-page",
    };
    let goal = goal_of(args.goal.as_deref(), page.as_deref(), spelling).or_else(bad_input)?;
    let backend = ctx.open().await?;
    let asked = args.days.asked(backend.zone)?;
    let range = asked.unwrap_or(DayRange::single(backend.zone.yesterday()));
    let result = read_experiment(&*backend.daily, range, &goal, args.control.as_deref())
        .await?
        .or_else(bad_input)?;
    let rendered = match args.format {
        Format::Html => experiment::page(&result, range, &meta(ctx, &backend)),
        format => experiment::render(&result, format),
    };
    print_data(&rendered)
}
