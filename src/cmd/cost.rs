//! `pageviews cost`: the monthly AWS bill of the pipeline for a workload, option by option.

use anyhow::Context as _;
use std::path::Path;

use crate::cli::{CostArgs, CostFormat};
use crate::context::Context;
use crate::cost::{render, usage, Estimate, PriceTable, Usage, Workload};
use crate::error::{bad_input, BadInput};
use crate::output::print_data;

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
