//! `pageviews status`: queue depth, dead letters, stored events, aggregated and pending days.

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;

use std::collections::BTreeMap;

use crate::backend::{DayStatus, QueueStats, RawLayout, ShardState, StreamState};
use crate::cmd::context::Context;
use crate::model::day::Day;
use crate::output::{counted, print_data, thousands};
use crate::pipeline::aggregate::UnfinishedWrite;
use crate::pipeline::retention::{expiring_uncounted, Expiring};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    /// Output format; either way the status is data, written to stdout.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
}

/// What `status` prints on stdout (unlike other commands' summaries, which go to stderr: the
/// status is what the command is asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFormat {
    /// Lines for people, on stdout.
    Text,
    /// A JSON object, on stdout.
    Json,
}

#[derive(Serialize)]
struct Status {
    name: String,
    location: String,
    time_zone: String,
    queue: QueueStats,
    /// The queue the deployment had before `init --change-queue`, which every drain empties
    /// first (its dead letters are the same queue's as `queue`'s).
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_queue: Option<OldQueue>,
    events_stored: u64,
    days_aggregated: u64,
    pending_days: Vec<Day>,
    last_aggregated_day: Option<Day>,
    /// Days raw events are kept once counted; `None`: for ever.
    retention_days: Option<u32>,
    /// The oldest day whose raw events are stored.
    oldest_raw_day: Option<Day>,
    /// The latest aggregated day's numbers.
    last_day: Option<LastDay>,
    /// The days whose raw events are stored in each layout, where the store has had more than
    /// one (DynamoDB); a day written before and after an upgrade is under both.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    raw_layouts: BTreeMap<RawLayout, Vec<Day>>,
    /// Days not counted whose raw events have waited too long, and when they start to expire
    /// (DynamoDB's TTL): `aggregate` before then, or their views are lost.
    expiring_uncounted: Vec<Expiring>,
    /// Days with a write of raw events that has not said it is done and may still land (a
    /// drain stopped mid-write, on DynamoDB): they stay pending until then.
    unfinished_writes: Vec<UnfinishedWrite>,
    /// The stream's shards, when the queue is a Kinesis stream.
    #[serde(skip_serializing_if = "Option::is_none")]
    stream: Option<StreamState>,
    #[serde(skip)]
    events_note: &'static str,
    /// The store deletes raw events past the retention by itself (DynamoDB's TTL).
    #[serde(skip)]
    expires_raw_events: bool,
}

/// The queue from before a queue change, as it was read.
#[derive(Serialize)]
#[serde(untagged)]
enum OldQueue {
    Stats(QueueStats),
    Unreadable { error: String },
}

#[derive(Serialize)]
struct LastDay {
    day: Day,
    views: u64,
    visitors: u64,
    keyless_views: u64,
}

pub async fn run(ctx: &Context, args: StatusArgs) -> anyhow::Result<()> {
    let backend = ctx.open().await?;
    let queue = backend
        .queue
        .stats()
        .await
        .context("cannot read the queue")?;
    let previous_queue = match &backend.previous_queue {
        // Deleted by hand once empty, say: what it would hold is not this deployment's trouble.
        Some(previous) => Some(match previous.stats().await {
            Ok(stats) => OldQueue::Stats(stats),
            Err(err) => OldQueue::Unreadable {
                error: err.to_string(),
            },
        }),
        None => None,
    };
    let stream = backend
        .queue
        .stream_state()
        .await
        .context("cannot read the stream's shards")?;
    let events_stored = backend
        .events
        .event_count()
        .await
        .context("cannot read the events table")?;
    let days = backend
        .daily
        .day_statuses(None)
        .await
        .context("cannot read the daily table")?;
    let aggregated: Vec<&DayStatus> = days
        .iter()
        .filter(|day| day.aggregated_version.is_some())
        .collect();
    let last_day = aggregated.last().map(|status| LastDay {
        day: status.day,
        views: status.views.unwrap_or(0),
        visitors: status.visitors.unwrap_or(0),
        keyless_views: status.keyless_views.unwrap_or(0),
    });
    let now = Utc::now();
    let status = Status {
        name: ctx.global.name.clone(),
        location: backend.location.clone(),
        time_zone: backend.zone.to_string(),
        queue,
        previous_queue,
        events_stored,
        days_aggregated: aggregated.len() as u64,
        pending_days: days
            .iter()
            .filter(|d| d.is_pending())
            .map(|d| d.day)
            .collect(),
        last_aggregated_day: aggregated.last().map(|status| status.day),
        retention_days: backend.retention_days,
        oldest_raw_day: days
            .iter()
            .find(|day| day.holds_raw_events(now))
            .map(|day| day.day),
        last_day,
        raw_layouts: raw_layouts(&days, now),
        expiring_uncounted: expiring_uncounted(&days, now, backend.retention_days),
        unfinished_writes: days
            .iter()
            .filter_map(|status| UnfinishedWrite::of(status, now))
            .collect(),
        stream,
        events_note: backend.facts.event_count_note,
        expires_raw_events: backend.facts.expires_raw_events,
    };
    let functions = serverless(ctx).await;
    match args.format {
        StatusFormat::Json => {
            let mut json = serde_json::to_value(&status)?;
            if !functions.is_empty() {
                json["functions"] = serde_json::json!(functions);
            }
            print_data(&serde_json::to_string_pretty(&json)?)?
        }
        StatusFormat::Text if functions.is_empty() => print_data(&status_text(&status))?,
        StatusFormat::Text => print_data(&format!(
            "{}\n{}",
            status_text(&status),
            functions.join("\n")
        ))?,
    }
    Ok(())
}

/// The functions `deploy` made, their mapping and schedule; nothing when none were deployed
/// or this identity may not look (a reader's role has no Lambda permissions).
async fn serverless(ctx: &Context) -> Vec<String> {
    let Some(functions) = ctx.deployment.functions() else {
        return Vec::new();
    };
    let described = async {
        let clients = functions.connect().await?;
        crate::deploy::describe(&clients, &ctx.global.name).await
    };
    described.await.unwrap_or_else(|err| {
        tracing::debug!(%err, "the deployed functions cannot be read");
        Vec::new()
    })
}

/// The days still holding raw events in each layout.
fn raw_layouts(days: &[DayStatus], now: DateTime<Utc>) -> BTreeMap<RawLayout, Vec<Day>> {
    let mut layouts: BTreeMap<RawLayout, Vec<Day>> = BTreeMap::new();
    for status in days.iter().filter(|status| status.holds_raw_events(now)) {
        for layout in &status.layouts {
            layouts.entry(*layout).or_default().push(status.day);
        }
    }
    layouts
}

/// `packed by visitor (...): 3 days (2021-03-12 to 2021-03-14); one item per event (...): 1 day
/// (2021-03-01)`.
fn layouts_text(layouts: &BTreeMap<RawLayout, Vec<Day>>) -> String {
    let parts: Vec<String> = layouts
        .iter()
        .rev()
        .map(|(layout, days)| {
            let name = match layout {
                RawLayout::PackedByVisitor => "packed by visitor (a day can be counted in parts)",
                RawLayout::Packed => "packed by event id (a day counted whole)",
                RawLayout::PerEvent => "one item per event (a day counted whole)",
            };
            let listed = match days.as_slice() {
                [] => String::new(),
                [first, .., last] if days.len() > 3 => format!("{first} to {last}"),
                days => days
                    .iter()
                    .map(Day::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            format!("{name}: {} ({listed})", counted(days.len() as u64, "day"))
        })
        .collect();
    parts.join("; ")
}

/// The stream's retention, then one line per shard: who reads it and how far behind it is.
fn stream_lines(stream: &StreamState) -> Vec<String> {
    let mut lines = vec![format!(
        "stream          {} shard(s), records kept {} hours",
        stream.shards.len(),
        stream.retention_hours
    )];
    lines.extend(stream.shards.iter().map(shard_line));
    lines
}

fn shard_line(shard: &ShardState) -> String {
    let reader = match (&shard.owner, shard.lease_seconds_left) {
        (Some(owner), Some(left)) => format!("read by {} ({left} s left)", short(owner)),
        _ if shard.finished => "read to its end".to_owned(),
        _ => "not read now".to_owned(),
    };
    let behind = match shard.oldest_unread_seconds {
        None => "nothing unread".to_owned(),
        Some(age) => format!("oldest unread record {age} s old"),
    };
    let closed = if shard.closed { ", closed" } else { "" };
    format!("  {}{closed}: {reader}, {behind}", shard.shard)
}

/// The first 8 characters of a lease owner's token: enough to tell processes apart.
fn short(owner: &str) -> &str {
    owner.get(..8).unwrap_or(owner)
}

fn status_text(status: &Status) -> String {
    let pending = if status.pending_days.is_empty() {
        "none".to_owned()
    } else {
        let days: Vec<String> = status.pending_days.iter().map(Day::to_string).collect();
        format!("{} ({})", days.len(), days.join(", "))
    };
    [
        format!(
            "deployment      {} ({}), days of {}",
            status.name, status.location, status.time_zone
        ),
        format!(
            "queue           {} waiting, {} in flight",
            thousands(status.queue.visible),
            thousands(status.queue.in_flight)
        ),
        match status.queue.dead_letters {
            0 => "dead letters    0".to_owned(),
            n => format!("dead letters    {} (pageviews dlq list)", thousands(n)),
        },
        format!(
            "events stored   {}{}",
            thousands(status.events_stored),
            status.events_note
        ),
        format!(
            "days aggregated {} (latest {})",
            status.days_aggregated,
            status
                .last_day
                .as_ref()
                .map_or("none".into(), |last| format!(
                    "{}: {}, {}",
                    last.day,
                    counted(last.views, "view"),
                    counted(last.visitors, "visitor")
                ))
        ),
        format!("pending days    {pending}"),
        format!(
            "raw events      kept {}, oldest day {}",
            status.retention_days.map_or("for ever".to_owned(), |days| {
                match status.expires_raw_events {
                    true => format!("{days} days (TTL)"),
                    false => format!("{days} days once counted"),
                }
            }),
            status
                .oldest_raw_day
                .map_or("none".to_owned(), |day| day.to_string())
        ),
    ]
    .into_iter()
    .chain(status.previous_queue.as_ref().map(|old| match old {
        OldQueue::Stats(old) => format!(
            "old queue       {} waiting, {} in flight (from before the queue change; every \
             drain empties it first)",
            thousands(old.visible),
            thousands(old.in_flight)
        ),
        OldQueue::Unreadable { error } => format!("old queue       cannot be read ({error})"),
    }))
    .chain(status.stream.iter().flat_map(stream_lines))
    .chain(
        (!status.raw_layouts.is_empty())
            .then(|| format!("raw layouts     {}", layouts_text(&status.raw_layouts))),
    )
    .chain(status.expiring_uncounted.iter().map(|expiring| {
        format!(
            "uncounted       {}: its raw events expire from {}; run `pageviews aggregate \
             --pending` before then",
            expiring.day,
            expiring.expires_at.format("%Y-%m-%d %H:%M UTC")
        )
    }))
    .chain(status.unfinished_writes.iter().map(|write| {
        format!(
            "unfinished      {}: a write was stopped before it said it was done (a drain killed \
             or timed out mid-write); nothing is lost, the day stays pending until {}, then \
             `pageviews aggregate` counts it in full",
            write.day,
            write.until.format("%Y-%m-%d %H:%M:%S UTC")
        )
    }))
    .collect::<Vec<_>>()
    .join("\n")
}
