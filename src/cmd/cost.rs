//! `pageviews cost`: the monthly AWS bill of the pipeline for a workload, option by option.

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use std::path::Path;
use std::path::PathBuf;

use crate::backend::aws::keys::MAX_SHARDS;
use crate::cmd::values::{gigabytes, usd, whole};
use crate::context::Context;
use crate::cost::workload::MAX_TIMESTREAM_BATCH;
use crate::cost::{render, usage, Estimate, PriceTable, Usage, Workload};
use crate::error::{bad_input, BadInput};
use crate::event::{MAX_EVENTS_PER_MESSAGE, MAX_ID_BYTES, MAX_PAGE_BYTES};
use crate::output::print_data;

/// DynamoDB items are at most 400 KB.
const MAX_DYNAMODB_ITEM_BYTES: u64 = 400 * 1024;

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
new customers since 2025-06-20); in Timestream for InfluxDB. Prices come from a table compiled \
into pageviews, with a source and a date for each; a price nobody verified for the region is \
marked *, and a price we do not know is left out and its line says \"not included\". \
See docs/cost.md for the model.

Examples:
  pageviews cost --region us-west-2
  pageviews cost --region eu-west-1 --views-per-day 1000000 --retention-days 90
  pageviews cost --region us-east-1 --timestream-tcu-hour-usd <PRICE> --format json
  pageviews cost --from-usage                      # volumes from the deployment
  pageviews cost --prices my-prices.json --region us-west-2")]
pub struct CostArgs {
    /// Page views a day.
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 1_000_000_000_000), default_value_t = crate::cost::workload::DEFAULT_VIEWS_PER_DAY,
          conflicts_with = "from_usage", allow_negative_numbers = true, help_heading = "Workload")]
    pub views_per_day: u64,

    /// Distinct pages viewed a day (one daily row each).
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 100_000_000), default_value_t = crate::cost::workload::DEFAULT_PAGES,
          conflicts_with = "from_usage", allow_negative_numbers = true, help_heading = "Workload")]
    pub pages: u64,

    /// Days raw events are kept (DynamoDB TTL, or Timestream retention).
    #[arg(long, value_name = "DAYS", value_parser = whole::<u64>(1, 36_500), default_value_t = crate::cost::workload::DEFAULT_RETENTION_DAYS,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub retention_days: u64,

    /// Reports run a day (each reads the daily table).
    #[arg(long, value_name = "N", value_parser = whole::<u64>(0, 1_000_000), default_value_t = crate::cost::workload::DEFAULT_REPORT_QUERIES_PER_DAY,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub report_queries_per_day: u64,

    /// Days each report covers.
    #[arg(long, value_name = "DAYS", value_parser = whole::<u64>(1, 3_660), default_value_t = crate::cost::workload::DEFAULT_REPORT_DAYS,
          allow_negative_numbers = true, help_heading = "Workload")]
    pub report_days: u64,

    /// Read volumes (views a day, pages) from the deployment: the mean of its last 30
    /// aggregated days.
    #[arg(long, help_heading = "Workload")]
    pub from_usage: bool,

    /// Size of a raw event item in DynamoDB [default: computed from the item layout with
    /// --page-bytes and --id-bytes].
    #[arg(long, value_name = "BYTES", value_parser = whole::<u64>(1, MAX_DYNAMODB_ITEM_BYTES), allow_negative_numbers = true,
          help_heading = "Sizes")]
    pub event_bytes: Option<u64>,

    /// Typical page path length in bytes.
    #[arg(long, value_name = "BYTES", value_parser = whole::<u64>(1, MAX_PAGE_BYTES as u64), default_value_t = crate::cost::workload::DEFAULT_PAGE_BYTES,
          allow_negative_numbers = true, help_heading = "Sizes")]
    pub page_bytes: u64,

    /// Event id length in bytes (send's ids: 16 hex digits, '-', the index).
    #[arg(long, value_name = "BYTES", value_parser = whole::<u64>(1, MAX_ID_BYTES as u64), default_value_t = crate::cost::workload::DEFAULT_ID_BYTES,
          allow_negative_numbers = true, help_heading = "Sizes")]
    pub id_bytes: u64,

    /// Events per queue message [default: what send packs into 64 KiB].
    #[arg(long, value_name = "N", value_parser = whole::<usize>(1, MAX_EVENTS_PER_MESSAGE as u64), allow_negative_numbers = true,
          help_heading = "Pipeline")]
    pub events_per_message: Option<usize>,

    /// Shards a day's raw events are spread over (one aggregation query each).
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, MAX_SHARDS.into()), default_value_t = crate::cost::workload::DEFAULT_SHARDS,
          allow_negative_numbers = true, help_heading = "Pipeline")]
    pub shards: u64,

    /// `drain --follow` workers long-polling the queue all day.
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 64), default_value_t = crate::cost::workload::DEFAULT_DRAIN_WORKERS,
          allow_negative_numbers = true, help_heading = "Pipeline")]
    pub drain_workers: u64,

    /// Price aggregation and report reads as eventually consistent (half the read units).
    #[arg(long, help_heading = "Pipeline")]
    pub eventually_consistent: bool,

    /// Hours Timestream keeps events in its memory store before the magnetic store.
    #[arg(long, value_name = "HOURS", value_parser = whole::<u64>(1, 8_766), default_value_t = crate::cost::workload::DEFAULT_MEMORY_STORE_HOURS,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub memory_store_hours: u64,

    /// Records per Timestream WriteRecords request (at most 100).
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, MAX_TIMESTREAM_BATCH), default_value_t = crate::cost::workload::MAX_TIMESTREAM_BATCH,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub timestream_batch: u64,

    /// Seconds the daily aggregation query runs (billed with a 30 s minimum).
    #[arg(long, value_name = "SECONDS", value_parser = whole::<u64>(1, 86_400), default_value_t = crate::cost::workload::MIN_TCU_SECONDS,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub timestream_query_seconds: u64,

    /// Price of a Timestream compute unit hour (TCU-hour) in USD: not in the price table.
    #[arg(long, value_name = "USD", value_parser = usd, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub timestream_tcu_hour_usd: Option<f64>,

    /// Timestream for InfluxDB instances running all month.
    #[arg(long, value_name = "N", value_parser = whole::<u64>(1, 100), default_value_t = 1,
          allow_negative_numbers = true, help_heading = "Timestream")]
    pub influxdb_instances: u64,

    /// Price of a Timestream for InfluxDB instance-hour in USD: not in the price table.
    #[arg(long, value_name = "USD", value_parser = usd, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub influxdb_instance_hour_usd: Option<f64>,

    /// Price of a GB-month of Timestream for InfluxDB storage in USD: not in the price table.
    #[arg(long, value_name = "USD", value_parser = usd, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub influxdb_storage_gb_month_usd: Option<f64>,

    /// Storage allocated to InfluxDB in GB [default: the data volume].
    #[arg(long, value_name = "GB", value_parser = gigabytes, allow_negative_numbers = true,
          help_heading = "Timestream")]
    pub influxdb_storage_gb: Option<f64>,

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
    let workload = workload(&args, usage.as_ref());
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
        "using the mean of {} aggregated day(s), {}..{}: {} views a day, {} pages",
        usage.days_used, usage.first_day, usage.last_day, usage.views_per_day, usage.pages
    ));
    Ok(usage)
}

fn workload(args: &CostArgs, usage: Option<&Usage>) -> Workload {
    Workload {
        views_per_day: usage.map_or(args.views_per_day, |usage| usage.views_per_day),
        pages: usage.map_or(args.pages, |usage| usage.pages),
        retention_days: args.retention_days,
        report_queries_per_day: args.report_queries_per_day,
        report_days: args.report_days,
        page_bytes: args.page_bytes,
        id_bytes: args.id_bytes,
        event_bytes: args.event_bytes,
        events_per_message: args.events_per_message.map(|n| n as u64),
        shards: args.shards,
        drain_workers: args.drain_workers,
        eventually_consistent: args.eventually_consistent,
        memory_store_hours: args.memory_store_hours,
        timestream_batch: args.timestream_batch,
        timestream_query_seconds: args.timestream_query_seconds,
        timestream_tcu_hour_usd: args.timestream_tcu_hour_usd,
        influxdb_instances: args.influxdb_instances,
        influxdb_instance_hour_usd: args.influxdb_instance_hour_usd,
        influxdb_storage_gb_month_usd: args.influxdb_storage_gb_month_usd,
        influxdb_storage_gb: args.influxdb_storage_gb,
    }
}
