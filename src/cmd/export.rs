//! `pageviews export`: raw events or daily rows of a range of days, one gzipped file per day
//! with a manifest, into a folder or an S3 bucket.

use anyhow::Context as _;
use clap::Args;
use std::time::Instant;

use crate::cmd::context::Context;
use crate::cmd::range::{DayRangeArgs, RangeHelp};
use crate::export::destination;
use crate::export::layout::{FileEntry, Format, What};
use crate::export::{export_day, file_key};
use crate::model::bad_input::bad_input;
use crate::model::day::Day;
use crate::output::{counted, print_data, thousands, SummaryFormat};

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Each day is one file, DEST/day=YYYY-MM-DD/<what>.<format>.gz, with DEST/day=YYYY-MM-DD/\
manifest.json beside it (format version, rows, views, bytes and SHA-256 of each file): a \
day-partitioned table that DuckDB, Athena, Spark or pandas read as it is. Exporting again \
rewrites the same files with the same bytes for days that did not change. A day is read a \
chunk at a time, so memory stays flat whatever its size.

Events are written in the form `send --input` and `import --format ndjson` read (every field, \
ids and visitor keys included), so an export imported into another deployment gives the same \
reports. Days whose raw events were deleted (retention, prune, archive) are skipped: their \
daily rows remain, `--what daily` exports those.

S3 uses the AWS configuration of the AWS backend (--profile, --region, --endpoint-url, \
AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_S3); files over 8 MiB are multipart uploads.

Examples:
  pageviews export --from 2021-03-01 --to 2021-03-31 --what events --output ./export
  pageviews export --day 2021-03-13 --what daily --format csv --output s3://bucket/pageviews
  duckdb -c \"SELECT page, count(*) FROM read_json('export/*/events.ndjson.gz', \\
      hive_partitioning = true) GROUP BY page\"")]
pub struct ExportArgs {
    #[command(flatten)]
    pub days: DayRangeArgs<ExportDays>,

    /// What to export: raw events (every field of every event), or the daily rows (views,
    /// visitors and views per hour of each page).
    #[arg(long, value_enum)]
    pub what: What,

    /// Row format of the files.
    #[arg(long, value_enum, default_value_t = Format::Ndjson)]
    pub format: Format,

    /// A folder, or s3://BUCKET/PREFIX.
    #[arg(long, value_name = "DEST", env = "PAGEVIEWS_EXPORT_OUTPUT")]
    pub output: String,

    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long = "summary", value_enum, default_value_t = SummaryFormat::Text)]
    pub summary: SummaryFormat,
}

/// What an export wrote, for the summary.
#[derive(Debug, serde::Serialize)]
struct DayExported {
    day: Day,
    file: String,
    #[serde(flatten)]
    entry: FileEntry,
}

/// What export's range flags say: it has no default range.
#[derive(Debug, Clone)]
pub struct ExportDays;

impl RangeHelp for ExportDays {
    const COMMAND: &'static str = "export";
    const DAY: &'static str = "Export this day (or give --from and --to).";
    const FROM: &'static str = "First day of the range to export.";
    const TO: &'static str = "Last day of the range to export.";
}

pub async fn run(ctx: &Context, args: ExportArgs) -> anyhow::Result<()> {
    let Some(range) = args.days.asked()? else {
        return bad_input("say which days to export: --day YYYY-MM-DD, or --from and --to");
    };
    let backend = ctx.open().await?;
    let dest = destination::open(&args.output, &ctx.aws).await?;
    let statuses = backend
        .daily
        .day_statuses(Some(range))
        .await
        .context("cannot read the days' statuses")?;
    let days: Vec<Day> = statuses
        .iter()
        .filter(|status| match args.what {
            What::Events => status.has_raw_events(),
            What::Daily => status.aggregated_version.is_some(),
        })
        .map(|status| status.day)
        .collect();
    let progress = ctx.progress(None, "exporting");
    let started = Instant::now();
    let mut exported = Vec::new();
    for day in days {
        progress.set_message(day.to_string());
        if let Some(entry) = export_day(
            &backend,
            dest.as_ref(),
            day,
            args.what,
            args.format,
            &progress,
        )
        .await?
        {
            let file = dest.name(&file_key(day, args.what, args.format));
            exported.push(DayExported { day, file, entry });
        }
    }
    progress.finish_and_clear();
    match args.summary {
        SummaryFormat::Json => print_data(&serde_json::to_string_pretty(&exported)?)?,
        SummaryFormat::Text => {
            let seconds = started.elapsed().as_secs_f64();
            let bytes: u64 = exported.iter().map(|day| day.entry.bytes).sum();
            let rows: u64 = exported.iter().map(|day| day.entry.rows).sum();
            ctx.say(format!(
                "exported {} of {} to {} ({}, {} gzipped) in {seconds:.1} s",
                counted(rows, "row"),
                counted(exported.len() as u64, "day"),
                dest.name(""),
                args.what.name(),
                human_bytes(bytes),
            ));
            let skipped = deleted_days(&statuses, args.what);
            if !skipped.is_empty() {
                ctx.say(format!(
                    "skipped {} whose raw events were deleted (their daily rows remain: \
                     --what daily)",
                    counted(skipped.len() as u64, "day")
                ));
            }
        }
    }
    Ok(())
}

/// Days of the range whose raw events are gone, when events were asked for.
fn deleted_days(statuses: &[crate::backend::DayStatus], what: What) -> Vec<Day> {
    match what {
        What::Daily => Vec::new(),
        What::Events => statuses
            .iter()
            .filter(|status| status.raw_deleted() && !status.has_raw_events())
            .map(|status| status.day)
            .collect(),
    }
}

/// 1536 -> "1.5 KiB".
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{} bytes", thousands(bytes));
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}
