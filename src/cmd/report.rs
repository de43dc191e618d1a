//! `pageviews report`: per-page daily views from the daily table.

use anyhow::Context as _;
use clap::{Args, ValueEnum};

use crate::cmd::values::whole;
use crate::context::Context;
use crate::day::{check_range, resolve_range, Day, DayRange};
use crate::error::bad_input;
use crate::event::normalise;
use crate::output::{print_data, report_csv, report_json, report_table};
use crate::pipeline::report::build;

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
    #[arg(long, value_name = "N", value_parser = whole::<usize>(1, 1_000_000), allow_negative_numbers = true)]
    pub top: Option<usize>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

pub async fn run(ctx: &Context, args: ReportArgs) -> anyhow::Result<()> {
    let asked = resolve_range(args.day, args.from, args.to).or_else(bad_input)?;
    if let Some(range) = asked {
        check_range(range, "report")?;
    }
    // Spelt as pages are stored, so that `/caf%C3%A9` finds `/café`.
    let page = args
        .page
        .as_deref()
        .map(|page| normalise(page).or_else(|err| bad_input(format!("--page {page:?}: {err}"))))
        .transpose()?;
    let backend = ctx.open().await?;
    let today = backend.zone.today();
    let range = asked.unwrap_or(DayRange::single(today.prev()));
    if range.to > today {
        return bad_input(format!(
            "{} is in the future ({}): nothing is counted for it yet; report days up to today",
            range.to, backend.zone
        ));
    }
    let rows = backend
        .daily
        .read_rows(range, page.as_deref())
        .await
        .context("cannot read the daily table")?;
    let statuses = backend
        .daily
        .day_statuses(Some(range))
        .await
        .context("cannot read which days are aggregated")?;
    let report = build(range, rows, &statuses, args.top, page.is_some());
    let rendered = match args.format {
        ReportFormat::Table => report_table(&report),
        ReportFormat::Csv => report_csv(&report.rows),
        ReportFormat::Json => report_json(&report.rows),
    };
    print_data(&rendered)?;
    if !report.unaggregated_days.is_empty() {
        ctx.say(format!(
            "note: not aggregated yet: {}; run `pageviews aggregate` for them",
            day_list(&report.unaggregated_days)
        ));
    }
    if !report.stale_days.is_empty() {
        ctx.say(format!(
            "note: late events arrived after aggregation for {}; run `pageviews aggregate --pending`",
            day_list(&report.stale_days)
        ));
    }
    Ok(())
}

/// A short list of days for a note: the first few, then how many more.
fn day_list(days: &[Day]) -> String {
    const SHOWN: usize = 5;
    let mut text: Vec<String> = days.iter().take(SHOWN).map(Day::to_string).collect();
    if days.len() > SHOWN {
        text.push(format!("and {} more", days.len() - SHOWN));
    }
    text.join(", ")
}
