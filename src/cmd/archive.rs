//! `pageviews archive`: move the raw events of old days to a folder or S3, keeping their
//! daily rows: exported, verified on the destination, then deleted.

use clap::Args;

use crate::cmd::context::Context;
use crate::export::archive::{archive, Archived, Kept};
use crate::export::destination;
use crate::export::layout::Format;
use crate::model::bad_input::bad_input;
use crate::model::day::Day;
use crate::output::{counted, print_data, SummaryFormat};

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
For each counted day before --before that still has raw events: its events are exported as \
`export --what events` writes them (DEST/day=YYYY-MM-DD/events.ndjson.gz and manifest.json), \
the manifest is read back from the destination and checked against what was written (rows, \
views, size, SHA-256), the file's views are checked against the day's count, and only then \
are the day's raw events deleted. Reports are unchanged: they read the daily rows, which stay.

Nothing is deleted that was not counted: a day with events newer than its last aggregation is \
kept (run `pageviews aggregate --pending` first), and so is a day whose events change while it \
is archived. Archiving again is safe: days already archived have no raw events left. Late \
events of a day archived before are added to its counts by `aggregate`, and archived in their \
turn into a file of their own beside the first (events.v<VERSION>.ndjson.gz, in the manifest).

To bring days back: `pageviews import --format ndjson DEST/day=*/events*.ndjson.gz` into a \
fresh deployment (for S3, copy the files down first), then drain and aggregate. Not into the \
deployment they came from: its days' counts already hold them.

Examples:
  pageviews archive --before 2021-01-01 --output s3://bucket/pageviews-archive
  pageviews --backend aws archive --before \"$(date -d '90 days ago' +%F)\" --output s3://b/p
  pageviews archive --before 2021-01-01 --output /backup/pageviews")]
pub struct ArchiveArgs {
    /// Archive the counted days before this day.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub before: Day,

    /// Where: s3://BUCKET/PREFIX, or a folder.
    #[arg(long, value_name = "DEST", env = "PAGEVIEWS_ARCHIVE_OUTPUT")]
    pub output: String,

    /// Row format of the archived files.
    #[arg(long, value_enum, default_value_t = Format::Ndjson)]
    pub format: Format,

    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long = "summary", value_enum, default_value_t = SummaryFormat::Text)]
    pub summary: SummaryFormat,
}

pub async fn run(ctx: &Context, args: ArchiveArgs) -> anyhow::Result<()> {
    let backend = ctx.open().await?;
    if args.before > backend.zone.today() {
        return bad_input(format!(
            "--before {} is after today ({}): only days already over can be archived",
            args.before, backend.zone
        ));
    }
    let dest = destination::open(&args.output, &ctx.aws).await?;
    let progress = ctx.progress(None, "archiving");
    let archived = archive(&backend, dest.as_ref(), args.before, args.format, &progress).await;
    progress.finish_and_clear();
    let archived = archived?;
    match args.summary {
        SummaryFormat::Json => print_data(&serde_json::to_string_pretty(&archived)?)?,
        SummaryFormat::Text => say_archived(ctx, &archived, &dest.name(""), args.before),
    }
    Ok(())
}

fn say_archived(ctx: &Context, archived: &Archived, dest: &str, before: Day) {
    let events: u64 = archived.days.iter().map(|day| day.deleted).sum();
    match (archived.days.first(), archived.days.last()) {
        (Some(first), Some(last)) => ctx.say(format!(
            "archived {} of {} ({}..{}) to {dest}, verified, and deleted them from the \
             deployment; daily rows kept",
            counted(events, "raw event"),
            counted(archived.days.len() as u64, "day"),
            first.day,
            last.day
        )),
        _ => ctx.say(format!(
            "no raw events of counted days before {before} to archive"
        )),
    }
    for kept in &archived.kept {
        ctx.say(match kept {
            Kept::NotCounted { day } => format!(
                "kept {day}: events arrived after its last aggregation; run `pageviews \
                 aggregate --pending`, then archive again"
            ),
            Kept::Mismatch {
                day,
                archived_views,
                counted_views,
            } => format!(
                "kept {day}: its raw events hold {} but the day counted {counted_views} (some \
                 expired or were deleted); the file written is left on the destination, the raw \
                 events are not deleted",
                counted(*archived_views, "view")
            ),
            Kept::Changed { day } => format!(
                "kept {day}: events arrived while it was archived; archive again to take them"
            ),
        });
    }
}
