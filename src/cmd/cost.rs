//! `pageviews cost`: the monthly AWS bill of the pipeline for a workload, option by option.

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use std::path::Path;
use std::path::PathBuf;

use crate::cmd::context::Context;
use crate::cost::{render, usage, Estimate, PriceTable, Usage, Workload};
use crate::model::bad_input::{bad_input, BadInput};
use crate::output::{counted, print_data};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CostFormat {
    /// One table per option, with the working and the assumptions under it.
    Table,
    /// JSON on stdout: region, prices_as_of, inputs, options with their items.
    Json,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Options compared, each with the whole pipeline (queue, raw events, aggregation, daily table, \
reports) counted: raw events in DynamoDB on-demand; in Timestream for LiveAnalytics (closed to \
new customers since 2025-06-20); in Timestream for InfluxDB; with --queue kinesis, raw events in \
DynamoDB behind a provisioned and an on-demand Kinesis data stream. Prices come from a table compiled \
into pageviews, with a source and a date for each; a price nobody verified for the region is \
marked *, and a price we do not know is left out and its line says \"not included\". \
See docs/cost.md for the model.

Examples:
  pageviews cost --region us-west-2
  pageviews cost --region eu-west-1 --views-per-day 1000000 --retention-days 90
  pageviews cost --region us-east-1 --timestream-tcu-hour-usd <PRICE> --format json
  pageviews cost --queue kinesis --views-per-day 100000000  # SQS against Kinesis
  pageviews cost --from-usage                      # volumes from the deployment
  pageviews cost --prices my-prices.json --region us-west-2")]
pub struct CostArgs {
    #[command(flatten)]
    pub workload: Workload,

    /// Read volumes (views a day, pages) from the deployment: the mean of its last 30
    /// aggregated days.
    #[arg(long, help_heading = "Workload", conflicts_with_all = ["views_per_day", "pages"])]
    pub from_usage: bool,

    /// Price table to use instead of the built-in one (JSON; format in docs/cost.md).
    #[arg(
        long,
        env = "PAGEVIEWS_PRICES",
        value_name = "FILE",
        help_heading = "Region and prices"
    )]
    pub prices: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = CostFormat::Table)]
    pub format: CostFormat,
}

pub async fn run(ctx: &Context, args: CostArgs) -> anyhow::Result<()> {
    let table = price_table(args.prices.as_deref())?;
    let code = pricing_region(ctx);
    let Some(region) = table.region(&code) else {
        return bad_input(format!(
            "unknown region {code:?} for --region; known regions: {}",
            table.region_codes().join(", ")
        ));
    };
    let usage = if args.from_usage {
        Some(read_usage(ctx).await?)
    } else {
        None
    };
    let workload = match &usage {
        Some(usage) => args.workload.with_usage(usage),
        None => args.workload,
    };
    if let Err(message) = workload.check() {
        return bad_input(message);
    }
    let estimate = Estimate::new(&workload, &table, region, usage);
    let rendered = match args.format {
        CostFormat::Table => render::text(&estimate),
        CostFormat::Json => render::json(&estimate) + "\n",
    };
    print_data(&rendered)
}

/// The region to price: --region, else AWS_REGION, else us-east-1 (AWS's default region).
fn pricing_region(ctx: &Context) -> String {
    ctx.global
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
        .unwrap_or_else(|| "us-east-1".to_owned())
}

fn price_table(path: Option<&Path>) -> anyhow::Result<PriceTable> {
    let Some(path) = path else {
        return PriceTable::built_in().context("the built-in price table is broken");
    };
    let text = std::fs::read_to_string(path)
        .map_err(|err| BadInput(format!("cannot read --prices {}: {err}", path.display())))?;
    PriceTable::parse(&text)
        .map_err(|err| BadInput(format!("--prices {}: {err}", path.display())).into())
}

/// Views and pages of the deployment's recent aggregated days.
async fn read_usage(ctx: &Context) -> anyhow::Result<Usage> {
    let backend = ctx.open().await?;
    let days = backend
        .daily
        .day_statuses(None)
        .await
        .context("cannot read the daily table")?;
    let usage = usage::from_days(&days).with_context(|| {
        format!(
            "no aggregated day in {}: run `pageviews aggregate` first, or give \
             --views-per-day and --pages",
            backend.location
        )
    })?;
    ctx.say(format!(
        "using the mean of {}, {}..{}: {} a day, {}",
        counted(usage.days_used as u64, "aggregated day"),
        usage.first_day,
        usage.last_day,
        counted(usage.views_per_day, "view"),
        counted(usage.pages, "page")
    ));
    Ok(usage)
}
