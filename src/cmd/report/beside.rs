//! `report --versus NAME`: this deployment's views per page and day beside another's, with
//! their ratio.

use anyhow::Context as _;

use super::notes::day_list;
use super::{check_days, meta, page_asked, By, Read, ReportArgs};
use crate::cmd::context::Context;
use crate::model::bad_input::bad_input;
use crate::model::day::DayRange;
use crate::output::{print_data, write_file};
use crate::report::{versus, Format, Grain};

/// `--versus NAME`: this deployment's views per page and day beside NAME's.
pub(super) async fn run(
    ctx: &Context,
    args: &ReportArgs,
    other: &str,
    format: Format,
) -> anyhow::Result<()> {
    let refuse = |what: &str| {
        bad_input(format!(
            "--versus sets two deployments' views per page and day side by side; {what}"
        ))
    };
    if other == ctx.global.name {
        return refuse(&format!(
            "{other} is this deployment (--name): give another deployment's name"
        ));
    }
    if args.by != By::Page || args.by_period != Grain::Day || args.ascii {
        return refuse("--by, --by-period and --ascii go without it");
    }
    let page = page_asked(args)?;
    let backend = ctx.open().await?;
    let asked = args.days.asked(backend.zone)?;
    let theirs = ctx
        .open_other(other)
        .await
        .with_context(|| format!("cannot open --versus {other}"))?;
    if theirs.zone != backend.zone {
        return refuse(&format!(
            "{} counts days in {}, {other} in {}: their days differ, so their rows cannot be set side by side",
            ctx.global.name, backend.zone, theirs.zone
        ));
    }
    let range = asked.unwrap_or(DayRange::single(backend.zone.today().prev()));
    check_days(&backend, range, None)?;
    let read = |backend| Read {
        backend,
        page: page.as_deref(),
        breakdowns: false,
    };
    let this = read(&backend).report(range, None).await?;
    let that = read(&theirs).report(range, None).await?;
    let compared = versus::build((&ctx.global.name, other), &this, &that, args.top);
    let rendered = versus::render(&compared, format, &meta(ctx, &backend));
    match &args.output {
        Some(path) => write_file(path, &rendered)?,
        None => print_data(&rendered)?,
    }
    for side in [&compared.this, &compared.versus] {
        note_side_days(ctx, side);
    }
    Ok(())
}

fn note_side_days(ctx: &Context, side: &versus::Side) {
    if !side.unaggregated_days.is_empty() {
        ctx.say(format!(
            "note: {}: not aggregated yet: {}; run `pageviews --name {} aggregate` for them",
            side.name,
            day_list(&side.unaggregated_days),
            side.name
        ));
    }
    if !side.stale_days.is_empty() {
        ctx.say(format!(
            "note: {}: late events arrived after aggregation for {}; run `pageviews --name {} aggregate --pending`",
            side.name,
            day_list(&side.stale_days),
            side.name
        ));
    }
}
