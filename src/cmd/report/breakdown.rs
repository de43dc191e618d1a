//! `report --by`: one breakdown's rows per day, or the pages visits began or ended at, as a
//! table, CSV or JSON.

use anyhow::Context as _;

use super::{check_days, freshen, ReportArgs};
use crate::backend::Backend;
use crate::cmd::context::Context;
use crate::model::bad_input::bad_input;
use crate::model::day::DayRange;
use crate::model::dimension::Dimension;
use crate::output::{print_data, write_file};
use crate::report::visits::{self, End};
use crate::report::{by, Format, Grain};

/// What every `--by` report does before it reads: its flags checked, the deployment opened,
/// the range (yesterday by default) checked and, with `--fresh`, caught up.
async fn open_range(
    ctx: &Context,
    args: &ReportArgs,
    format: Format,
) -> anyhow::Result<(Backend, DayRange)> {
    check_by(args, format)?;
    let backend = ctx.open().await?;
    let asked = args.days.asked(backend.zone)?;
    let range = asked.unwrap_or(DayRange::single(backend.zone.yesterday()));
    check_days(&backend, range, None)?;
    if args.fresh {
        freshen(ctx, &backend, range).await?;
    }
    Ok((backend, range))
}

/// The rendered rows to `--output`, or to stdout.
fn emit(args: &ReportArgs, rendered: &str) -> anyhow::Result<()> {
    match &args.output {
        Some(path) => write_file(path, rendered),
        None => print_data(rendered),
    }
}

/// What `--by` other than pages refuses: the chart and the HTML page (which show every
/// breakdown, and engagement, already), and the flags that go with pages only.
fn check_by(args: &ReportArgs, format: Format) -> anyhow::Result<()> {
    let name = args.by.name();
    let refuse = |what: &str| -> anyhow::Result<()> {
        bad_input(format!(
            "--by {name} shows a table, CSV or JSON per day; {what}"
        ))
    };
    if matches!(format, Format::Chart | Format::Html) {
        return refuse("the chart and the HTML page show every breakdown already: drop --by");
    }
    if args.page.is_some()
        || args.hourly
        || args.compare.is_some()
        || args.by_period != Grain::Day
        || args.totals
    {
        return refuse("--page, --hourly, --compare, --by-period and --totals go with pages only");
    }
    Ok(())
}

/// `--by entry` or `--by exit`: per day, the pages visits began or ended at.
pub(super) async fn by_visits(
    ctx: &Context,
    args: &ReportArgs,
    end: End,
    format: Format,
) -> anyhow::Result<()> {
    let (backend, range) = open_range(ctx, args, format).await?;
    let daily = backend
        .daily
        .read_rows(range, None)
        .await
        .context("cannot read the daily table")?;
    let rendered = visits::render(end, &visits::rows(end, &daily, args.top), format);
    emit(args, &rendered)
}

/// `--by`: one breakdown's rows per day, as a table, CSV or JSON.
pub(super) async fn by_dimension(
    ctx: &Context,
    args: &ReportArgs,
    dimension: Dimension,
    format: Format,
) -> anyhow::Result<()> {
    let (backend, range) = open_range(ctx, args, format).await?;
    let rows = backend
        .daily
        .read_breakdown(range, Some(dimension))
        .await
        .context("cannot read the daily table")?;
    let rendered = by::render(dimension, &by::keep_top(rows, args.top), format);
    emit(args, &rendered)
}
