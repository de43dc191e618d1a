//! `pageviews drain`: move the queue backlog into the raw-events table, then summarise.

use clap::Args;
use std::time::Duration;

use crate::backend::WRITE_BOUND;
use crate::cmd::context::Context;
use crate::model::retry::RetryPolicy;
use crate::model::values::{seconds, whole};
use crate::output::SummaryFormat;
use crate::output::{counted, pace, print_data, say, thousands};
use crate::pipeline::drain::{drain, DrainOptions, DrainSummary};
use crate::pipeline::salts::delete_old_salts;
use crate::pipeline::shutdown::Shutdown;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
A message is deleted from the queue only after its events are stored; a drain killed at any \
point loses nothing (its messages come back after the visibility timeout), and one stopped by a \
signal finishes the messages it received or hands them back at once. Any number of drains \
can share a queue. Messages that can never be stored go to the dead-letter queue with a reason.

Examples:
  pageviews drain                 # until the queue stays empty, e.g. from cron
  pageviews drain --follow        # under a supervisor; SIGINT/SIGTERM stop it cleanly")]
pub struct DrainArgs {
    /// Keep polling until SIGINT or SIGTERM, then finish the messages in hand (the group being
    /// written and the one received after it) and exit 0.
    #[arg(long, env = "PAGEVIEWS_FOLLOW")]
    pub follow: bool,

    /// Seconds a received message stays hidden from other drains [default: the queue's, set
    /// at init].
    #[arg(long, env = "PAGEVIEWS_DRAIN_VISIBILITY_TIMEOUT", value_name = "SECONDS",
          value_parser = whole::<u64>(1, 43_200), allow_negative_numbers = true)]
    pub visibility_timeout: Option<u64>,

    /// Seconds one receive waits for messages (long polling) [default: 1 locally, 20 on AWS].
    #[arg(long, value_name = "SECONDS", value_parser = seconds(0.0, 20.0, " (SQS's long-poll limit)"))]
    pub wait_seconds: Option<f64>,

    /// Empty receives in a row after which the queue counts as drained.
    #[arg(long, value_name = "N", default_value_t = 2,
          value_parser = whole::<u32>(1, 1_000), allow_negative_numbers = true)]
    pub idle_polls: u32,

    /// Concurrent receive loops (each already decodes one group of messages while the group
    /// before is written).
    #[arg(long, env = "PAGEVIEWS_WORKERS", value_name = "N", default_value_t = 1,
          value_parser = whole::<u16>(1, 64), allow_negative_numbers = true)]
    pub workers: u16,

    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

pub async fn run(ctx: &Context, args: DrainArgs) -> anyhow::Result<()> {
    let backend = ctx.open().await?;
    delete_old_salts(&backend).await;
    let options = DrainOptions {
        wait: args
            .wait_seconds
            .map(Duration::from_secs_f64)
            .unwrap_or(backend.facts.default_wait),
        visibility: args.visibility_timeout.map(Duration::from_secs),
        idle_polls: args.idle_polls,
        follow: args.follow,
        workers: args.workers as usize,
        retry: RetryPolicy::default(),
        write_bound: WRITE_BOUND,
    };
    // Signals stop a plain drain as gracefully as a following one.
    let shutdown = Shutdown::on_signals();
    if !ctx.global.quiet {
        announce_stop(&shutdown, options.wait);
    }
    let summary = drain(
        &backend,
        &options,
        &shutdown,
        &ctx.progress(None, "draining"),
    )
    .await?;
    let stats = backend.queue.stats().await.ok();
    match args.format {
        SummaryFormat::Json => print_data(&serde_json::to_string_pretty(&summary)?)?,
        SummaryFormat::Text => ctx.say(summary_text(&summary)),
    }
    if let Some(stats) = stats.filter(|stats| stats.in_flight > 0) {
        let timeout = options
            .visibility
            .or(backend.default_visibility)
            .map_or(String::new(), |t| format!(" ({} s)", t.as_secs()));
        ctx.say(format!(
            "note: {} in flight (received by another drain, or by one that stopped); they \
             return to the queue after the visibility timeout{timeout}",
            match stats.in_flight {
                1 => "1 message is".to_owned(),
                n => format!("{} messages are", thousands(n)),
            },
        ));
    }
    if summary.write_failures > 0 {
        anyhow::bail!(
            "{} could not be stored and stay on the queue; they will be delivered again (see \
             the errors above, then run drain again)",
            counted(summary.write_failures, "message")
        );
    }
    Ok(())
}

/// Says on stderr, when a stop comes, why the drain may take a little longer to exit.
fn announce_stop(shutdown: &Shutdown, wait: Duration) {
    let shutdown = shutdown.clone();
    tokio::spawn(async move {
        shutdown.requested().await;
        say(&format!(
            "stopping: finishing the messages received; a receive under way ends within {} s",
            wait.as_secs_f64()
        ));
    });
}

fn by_reason(counts: &std::collections::BTreeMap<String, u64>) -> String {
    counts
        .iter()
        .map(|(reason, count)| format!("{reason} {count}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn summary_text(summary: &DrainSummary) -> String {
    let duplicates = match summary.duplicates {
        Some(count) => format!(", {} ignored", counted(count, "duplicate")),
        // DynamoDB overwrites a repeated item without saying so.
        None if summary.events_written > 0 => ", duplicates not counted on this backend".into(),
        None => String::new(),
    };
    let mut lines = vec![format!(
        "drained {}: {} written ({}){duplicates}",
        counted(summary.messages, "message"),
        counted(summary.events_written, "event"),
        pace(summary.events_written, summary.busy_seconds),
    )];
    if summary.from_previous_queue > 0 {
        lines.push(format!(
            "{} of them from the queue the deployment had before its queue change",
            counted(summary.from_previous_queue, "event")
        ));
    }
    if let Some(units) = summary.write_capacity_units {
        lines.push(format!("write capacity consumed: {units:.1} units"));
    }
    let dead: u64 = summary.dead_lettered_messages.values().sum();
    if dead > 0 {
        lines.push(format!(
            "dead-lettered {} ({})",
            counted(dead, "message"),
            by_reason(&summary.dead_lettered_messages)
        ));
    }
    let rejected: u64 = summary.rejected_events.values().sum();
    if rejected > 0 {
        lines.push(format!(
            "dead-lettered {} of packed messages ({})",
            counted(rejected, "invalid event"),
            by_reason(&summary.rejected_events)
        ));
    }
    if summary.messages_released > 0 {
        lines.push(format!(
            "{} could not be finished before the stop and were handed back to the queue",
            counted(summary.messages_released, "message")
        ));
    }
    if summary.delete_failures > 0 {
        lines.push(format!(
            "{} stored but not deleted; they will come back and be stored once",
            counted(summary.delete_failures, "message")
        ));
    }
    lines.join("\n")
}
