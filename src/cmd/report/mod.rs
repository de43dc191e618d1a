//! `pageviews report`: views and visitors from the daily table, per day, week, month or hour,
//! against another range or beside another deployment if asked, as a table, CSV, JSON, a
//! terminal chart or an HTML page.

mod beside;
mod breakdown;
mod notes;

use anyhow::Context as _;
use clap::Args;
use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::LazyLock;

use crate::backend::Backend;
use crate::cmd::context::Context;
use crate::cmd::experiment::{self, ExperimentArgs};
use crate::cmd::range::{DayRangeArgs, RangeHelp};
use crate::collect::geoip::GeoFile;
use crate::model::bad_input::{bad_input, BadInput};
use crate::model::day::{check_range, DayRange};
use crate::model::dimension::Dimension;
use crate::model::event::normalise;
use crate::model::geo::DBIP_ATTRIBUTION;
use crate::model::values::{deployment_name, whole};
use crate::output::{counted, print_data, write_file};
use crate::pipeline::catch_up::catch_up;
use crate::pipeline::reading::{read_report, statuses_of, Reading};
use crate::pipeline::report::{build, Report};
use crate::report::period::Unit;
use crate::report::visits::End;
use crate::report::{chart, render, view, Format, Grain, Meta};

/// Pages the chart and the HTML page show when `--top` is not given.
const CHART_TOP: usize = 10;
const HTML_TOP: usize = 20;

#[derive(Debug, Clone, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "\
Reports read the daily table only; run `pageviews aggregate` first. Days in the range that were \
never aggregated, or that received late events since, are named on stderr. Days are days of the \
deployment's time zone (`init --time-zone`). Visitors are distinct per day; summed over several \
days (a week, a month, a range) they are visitor-days, and labelled so.

`--day`, `--from` and `--to` also take `today` and `yesterday`.

Examples:
  pageviews report --day 2021-03-13
  pageviews report --fresh --day today
  pageviews report --from 2021-03-01 --to 2021-03-31 --top 10
  pageviews report --day 2021-03-13 --page /pricing --format csv
  pageviews report --from 2021-03-01 --to 2021-03-31 --format json --totals
  pageviews report --from 2021-03-01 --to 2021-03-31 --chart
  pageviews report --day 2021-03-13 --hourly --chart --ascii
  pageviews report --from 2021-01-01 --to 2021-06-30 --by-period month
  pageviews report --from 2021-03-08 --to 2021-03-14 --compare previous
  pageviews report --from 2021-03-01 --to 2021-03-31 --format html --output /var/www/stats/index.html
  pageviews report --from 2021-03-01 --to 2021-03-31 --by referrer --top 10
  pageviews --name beacon report --from 2021-03-01 --to 2021-03-31 --versus logs
  pageviews report experiment --goal signup --from 2021-03-01 --to 2021-03-14"
)]
pub struct ReportArgs {
    #[command(subcommand)]
    pub command: Option<ReportCommand>,

    /// What the rows are: pages, or one of the breakdowns counted beside them (a table, CSV or
    /// JSON; the chart and the HTML page show every breakdown).
    #[arg(long, value_enum, value_name = "WHAT", default_value_t = By::Page)]
    pub by: By,

    #[command(flatten)]
    pub days: DayRangeArgs<ReportDays>,

    /// Only this page (an exact path, e.g. /pricing).
    #[arg(long, value_name = "PATH")]
    pub page: Option<String>,

    /// Only the N pages with the most views over the whole range [default: all; the chart
    /// shows 10, the HTML page 20].
    #[arg(long, value_name = "N", value_parser = whole::<usize>(1, 1_000_000), allow_negative_numbers = true)]
    pub top: Option<usize>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Draw a chart for the terminal: the same as --format chart.
    #[arg(long, conflicts_with = "format")]
    pub chart: bool,

    /// Draw the chart with ASCII characters only (no Unicode blocks).
    #[arg(long)]
    pub ascii: bool,

    /// Sum per day, per ISO week (Monday to Sunday) or per calendar month; visitors are
    /// summed per day (visitor-days).
    #[arg(long, value_enum, value_name = "PERIOD", default_value_t = Grain::Day)]
    pub by_period: Grain,

    /// Per hour of the one day reported (23 or 25 hours on days clocks change); views only, as
    /// visitors are counted per day.
    #[arg(long, conflicts_with_all = ["by_period", "compare"])]
    pub hourly: bool,

    /// Beside each page, its numbers in another range and the change in percent: `previous`
    /// (as many days, just before) or YYYY-MM-DD..YYYY-MM-DD. New and vanished pages are
    /// marked.
    #[arg(long, value_name = "RANGE", conflicts_with = "by_period")]
    pub compare: Option<Against>,

    /// Beside each page's views per day, those of the deployment NAME (on the same backend
    /// and data directory) and the ratio of the two: run one deployment from the beacon and
    /// one from the server's logs, and see what the beacon misses (ad blockers, scripts that
    /// did not run) and what it counts that the logs call bots. Pages one side lacks show 0
    /// there. A table, CSV, JSON or the HTML page.
    #[arg(long, value_name = "NAME", value_parser = deployment_name,
          conflicts_with_all = ["compare", "hourly", "chart", "totals"])]
    pub versus: Option<String>,

    /// CSV and JSON: after each day's pages (or week's, month's, hour's), a record of its
    /// totals with no page (empty in CSV, null in JSON): the views of every page and the
    /// site's distinct visitors, which no sum over pages gives.
    #[arg(long)]
    pub totals: bool,

    /// First drain the queue and count the range's days that got views since their last count
    /// (what cron's `drain` and `aggregate` do), so the report includes views of a minute ago;
    /// e.g. `--fresh --day today`.
    #[arg(long)]
    pub fresh: bool,

    /// The GeoIP database the collector reads (`collect --geoip`, the same PAGEVIEWS_GEOIP):
    /// when it is DB-IP's, the HTML page credits it under countries and regions, as its licence
    /// (CC BY 4.0) asks. Read only for --format html.
    #[arg(long, env = "PAGEVIEWS_GEOIP", value_name = "FILE")]
    pub geoip: Option<PathBuf>,

    /// Write the report into FILE instead of stdout. The file is replaced at once, never seen
    /// half-written, and readable by everyone: fit for a web server's folder.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What report's range flags say.
#[derive(Debug, Clone)]
pub struct ReportDays;

impl RangeHelp for ReportDays {
    const COMMAND: &'static str = "report";
    const DAY: &'static str =
        "Report this day [default: yesterday, in the deployment's time zone].";
    const FROM: &'static str = "First day of the report.";
    const TO: &'static str = "Last day of the report.";
}

/// Reports of their own.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum ReportCommand {
    /// An A/B test: per variant, visitors, conversions to a goal, rates with 95% intervals,
    /// lift and p-value against the control.
    Experiment(ExperimentArgs),
}

/// What the rows of a report are: pages, or the entries of one of the model's dimensions
/// (`model::dimension::DIMENSIONS` gives the values and their help).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Page,
    /// The pages visits entered at or left from (`report::visits`).
    Visits(End),
    Dimension(Dimension),
}

static BY_VALUES: LazyLock<Vec<By>> = LazyLock::new(|| {
    [By::Page, By::Visits(End::Entry), By::Visits(End::Exit)]
        .into_iter()
        .chain(Dimension::reported().map(By::Dimension))
        .collect()
});

impl clap::ValueEnum for By {
    fn value_variants<'a>() -> &'a [Self] {
        &BY_VALUES
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        let (name, help) = match self {
            By::Page => ("page", "Views and visitors per page"),
            By::Visits(End::Entry) => (
                "entry",
                "Pages where visits began (a visit is a visitor's day), with their bounces",
            ),
            By::Visits(End::Exit) => (
                "exit",
                "Pages where visits ended, with the share of their views that ended one",
            ),
            By::Dimension(dimension) => (dimension.name(), dimension.spec().about),
        };
        Some(clap::builder::PossibleValue::new(name).help(help))
    }
}

impl By {
    fn dimension(self) -> Option<Dimension> {
        match self {
            By::Page | By::Visits(_) => None,
            By::Dimension(dimension) => Some(dimension),
        }
    }

    /// Its name, as `--by` takes it.
    fn name(self) -> &'static str {
        match self {
            By::Page => "page",
            By::Visits(End::Entry) => "entry",
            By::Visits(End::Exit) => "exit",
            By::Dimension(dimension) => dimension.name(),
        }
    }
}

/// What `--compare` compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    Previous,
    Range(DayRange),
}

impl std::str::FromStr for Against {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim() {
            "previous" => Ok(Against::Previous),
            range => DayRange::parse(range)
                .map(Against::Range)
                .map_err(|err| format!("expected `previous` or YYYY-MM-DD..YYYY-MM-DD: {err}")),
        }
    }
}

pub async fn run(ctx: &Context, args: ReportArgs) -> anyhow::Result<()> {
    if let Some(ReportCommand::Experiment(args)) = args.command {
        return experiment::run(ctx, args).await;
    }
    let format = if args.chart {
        Format::Chart
    } else {
        args.format
    };
    if let Some(other) = &args.versus {
        return beside::run(ctx, &args, other, format).await;
    }
    if let Some(dimension) = args.by.dimension() {
        return breakdown::by_dimension(ctx, &args, dimension, format).await;
    }
    if let By::Visits(end) = args.by {
        return breakdown::by_visits(ctx, &args, end, format).await;
    }
    if args.ascii && format != Format::Chart {
        return bad_input("--ascii draws the chart in plain ASCII: add --chart");
    }
    check_totals(&args, format)?;
    let page = page_asked(&args)?;
    let backend = ctx.open().await?;
    let asked = args.days.asked(backend.zone)?;
    let today = backend.zone.today();
    let range = asked.unwrap_or(DayRange::single(today.prev()));
    let against = args.compare.map(|against| match against {
        Against::Previous => range.before(),
        Against::Range(range) => Some(range),
    });
    check_days(&backend, range, against)?;
    if args.fresh {
        freshen(ctx, &backend, range).await?;
    }
    if args.hourly && range.len() > 1 {
        return bad_input(format!(
            "--hourly shows the hours of one day; {range} has {} days: give --day",
            range.len()
        ));
    }
    let top = args.top.or(match format {
        Format::Chart => Some(CHART_TOP),
        Format::Html => Some(HTML_TOP),
        _ => None,
    });
    let reading = Reading {
        page: page.as_deref(),
        // The chart and the page show every breakdown beside the pages.
        breakdowns: matches!(format, Format::Chart | Format::Html) && page.is_none(),
    };
    let report = read_report(&*backend.daily, range, reading, top).await?;
    let previous = match against.flatten() {
        Some(range) => Some(read_report(&*backend.daily, range, reading, None).await?),
        None => None,
    };
    let unit = match args.hourly {
        true => Unit::Hours,
        false => Unit::Days(args.by_period),
    };
    let mut view = view::build(&report, previous.as_ref(), unit, backend.zone);
    view.total_rows = args.totals;
    let meta = Meta {
        geo_credit: geo_credit(&args, format)?,
        ..meta(ctx, &backend)
    };
    let style = chart_style(args.ascii, args.output.is_none());
    let rendered = render(&view, &meta, format, style);
    match &args.output {
        Some(path) => write_file(path, &rendered)?,
        None => print_data(&rendered)?,
    }
    notes::note_days(ctx, &view);
    Ok(())
}

/// `--page`, spelt as pages are stored, so that `/caf%C3%A9` finds `/café`.
fn page_asked(args: &ReportArgs) -> anyhow::Result<Option<String>> {
    args.page
        .as_deref()
        .map(|page| normalise(page).or_else(|err| bad_input(format!("--page {page:?}: {err}"))))
        .transpose()
}

/// `--totals` adds records to CSV and JSON of the whole site; the other formats show totals
/// already, and one page's totals are its rows.
fn check_totals(args: &ReportArgs, format: Format) -> anyhow::Result<()> {
    if !args.totals {
        return Ok(());
    }
    if !matches!(format, Format::Csv | Format::Json) {
        return bad_input(
            "--totals adds total records to --format csv or json; the table, the chart and the \
             HTML page show totals already",
        );
    }
    if args.page.is_some() {
        return bad_input("--totals adds the whole site's records; with --page the rows are the page's totals already: drop one");
    }
    Ok(())
}

/// Refuses days that cannot have been counted yet, and compared ranges that are too long.
fn check_days(
    backend: &Backend,
    range: DayRange,
    against: Option<Option<DayRange>>,
) -> anyhow::Result<()> {
    let today = backend.zone.today();
    let compared = match against {
        Some(None) => return bad_input(format!("{range} has no range of as many days before it")),
        Some(Some(compared)) => {
            check_range(compared, "--compare")?;
            Some(compared)
        }
        None => None,
    };
    for range in [Some(range), compared].into_iter().flatten() {
        if range.to > today {
            return bad_input(format!(
                "{} is in the future ({}): nothing is counted for it yet; report days up to today",
                range.to, backend.zone
            ));
        }
    }
    Ok(())
}

/// `--fresh`: the queue drained and the range's pending days counted, said on stderr.
async fn freshen(ctx: &Context, backend: &Backend, range: DayRange) -> anyhow::Result<()> {
    let caught_up = catch_up(backend, range, &ctx.progress(None, "draining")).await?;
    let days = caught_up
        .counted
        .iter()
        .map(|day| format!("{} ({})", day.day, counted(day.views, "view")))
        .collect::<Vec<_>>();
    ctx.say(format!(
        "fresh: drained {} from the queue; counted {}",
        counted(caught_up.drained.events_written, "new view"),
        match days.is_empty() {
            true => "no day again (none had new views)".to_owned(),
            false => days.join(", "),
        }
    ));
    Ok(())
}

/// Reads reports of one deployment, for all pages or one, with the breakdowns or without.
struct Read<'a> {
    backend: &'a Backend,
    page: Option<&'a str>,
    breakdowns: bool,
}

impl Read<'_> {
    async fn report(&self, range: DayRange, top: Option<usize>) -> anyhow::Result<Report> {
        let rows = self
            .backend
            .daily
            .read_rows(range, self.page)
            .await
            .context("cannot read the daily table")?;
        let statuses = statuses_of(&*self.backend.daily, range).await?;
        let mut report = build(range, rows, &statuses, top, self.page.is_some());
        if self.breakdowns {
            report.breakdowns = self
                .backend
                .daily
                .read_breakdown(range, None)
                .await
                .context("cannot read the daily table")?;
        }
        Ok(report)
    }
}

/// The credit a DB-IP database asks for, when the HTML page shows its data.
fn geo_credit(args: &ReportArgs, format: Format) -> anyhow::Result<Option<&'static str>> {
    let (Some(path), Format::Html) = (&args.geoip, format) else {
        return Ok(None);
    };
    let file = GeoFile::open(path).map_err(BadInput)?;
    Ok(file.database().is_dbip().then_some(DBIP_ATTRIBUTION))
}

/// What a page or chart says of where its numbers come from, made now.
pub(crate) fn meta(ctx: &Context, backend: &Backend) -> Meta {
    let generated = backend.zone.clock(chrono::Utc::now());
    let kind = clap::ValueEnum::to_possible_value(&ctx.global.backend);
    Meta {
        deployment: ctx.global.name.clone(),
        backend: kind.map_or_else(String::new, |kind| kind.get_name().to_owned()),
        zone: backend.zone,
        generated: generated.format("%Y-%m-%d %H:%M %:z").to_string(),
        version: env!("CARGO_PKG_VERSION"),
        geo_credit: None,
    }
}

/// The terminal's width when stdout is one, else `COLUMNS`, else 80; colours only on a
/// terminal and never with NO_COLOR.
fn chart_style(ascii: bool, to_stdout: bool) -> chart::Style {
    let stdout = std::io::stdout();
    let on_terminal = to_stdout && stdout.is_terminal();
    let terminal =
        terminal_size::terminal_size_of(&stdout).filter(|(width, _)| on_terminal && width.0 > 0);
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|text| text.parse().ok());
    let width = terminal
        .map(|(width, _)| width.0 as usize)
        .or(columns)
        .unwrap_or(80);
    chart::Style {
        width,
        ascii,
        color: on_terminal && crate::logging::color_enabled_on(&stdout),
    }
}
