//! `pageviews dlq list|redrive|purge`: look at dead letters, send them back after a fix, or
//! delete them.

use anyhow::Context as _;
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::backend::{Backend, DeadLetter, RedriveMethod, RedriveOutcome};
use crate::cmd::confirm::confirmed;
use crate::cmd::context::Context;
use crate::model::bad_input::bad_input;
use crate::model::values::whole;
use crate::output::SummaryFormat;
use crate::output::{one_line, print_data, thousands};
use comfy_table::{presets, Cell, CellAlignment, Table};

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
A drain dead-letters a message that can never be stored (not JSON, a bad page or time, ...) \
with a reason, and a message received --max-receives times without being deleted (its writes \
kept failing). Fix the cause, then redrive: the next drain takes the messages again. Events \
keep their ids through a redrive, so a message whose events were already stored is not \
counted twice.

Examples:
  pageviews dlq list
  pageviews dlq list --format json | jq -r '.[].reason'
  pageviews dlq redrive && pageviews drain
  pageviews dlq purge --yes")]
pub struct DlqArgs {
    #[command(subcommand)]
    pub command: DlqCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum DlqCommand {
    /// Show dead letters: reason, receive count, when, and the start of the body.
    List(DlqListArgs),
    /// Move every dead letter back to the main queue (after a fix), with a fresh receive count.
    Redrive(DlqRedriveArgs),
    /// Delete every dead letter for good, after confirmation.
    Purge(DlqPurgeArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Aligned table; bodies cut to a preview.
    Table,
    /// JSON array of {message_id, reason, receive_count, dead_lettered_at, body}, whole bodies.
    Json,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Listing changes nothing locally. SQS has no way to look at messages without receiving them: on \
the AWS backend the listing receives dead letters (without deleting them), which hides them \
from other consumers while it runs, then makes them visible again at once. A listing that is \
interrupted leaves them hidden for up to 30 s. Each listing counts as a receive in SQS's \
ApproximateReceiveCount; the count shown is the one before it.

Examples:
  pageviews dlq list
  pageviews dlq list --limit 10 --format json")]
pub struct DlqListArgs {
    /// Show at most N dead letters (the oldest first, locally; in SQS's order on AWS).
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = whole::<u32>(1, 10_000))]
    pub limit: u32,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    pub format: ListFormat,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Locally the dead letters go back to the queue in one transaction. On AWS an SQS message move \
task moves them (waited for until it ends; approximate count); where the service has no move \
tasks (an emulator), each message is received from the dead-letter queue, sent to the main \
queue, and deleted only once sent. Messages that are still bad are dead-lettered again by the \
next drain.

Examples:
  pageviews dlq redrive
  pageviews --backend aws dlq redrive --format json")]
pub struct DlqRedriveArgs {
    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
The views in purged messages are lost for good; `pageviews dlq list --format json > saved.json` \
keeps a copy first. On AWS this is SQS PurgeQueue: the count is approximate, and SQS takes up to \
60 s to finish and allows one purge a minute.

Examples:
  pageviews dlq purge               # asks for the deployment name to confirm
  pageviews dlq purge --yes")]
pub struct DlqPurgeArgs {
    /// Do not ask for confirmation (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,

    /// Summary format: text on stderr, or JSON on stdout.
    #[arg(long, value_enum, default_value_t = SummaryFormat::Text)]
    pub format: SummaryFormat,
}

pub async fn run(ctx: &Context, args: DlqArgs) -> anyhow::Result<()> {
    match args.command {
        DlqCommand::List(args) => list(ctx, args).await,
        DlqCommand::Redrive(args) => redrive(ctx, args).await,
        DlqCommand::Purge(args) => purge(ctx, args).await,
    }
}

/// A dead letter as `dlq list --format json` prints it: the whole body, as text.
#[derive(Serialize)]
struct ListedLetter {
    message_id: String,
    reason: String,
    receive_count: u32,
    dead_lettered_at: Option<String>,
    body: String,
}

impl From<DeadLetter> for ListedLetter {
    fn from(letter: DeadLetter) -> Self {
        ListedLetter {
            message_id: letter.message_id,
            reason: letter.reason,
            receive_count: letter.receive_count,
            dead_lettered_at: letter
                .dead_lettered_at
                .map(|time| time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            // Bodies are UTF-8 except in not-utf8 letters, which show replacement characters.
            body: String::from_utf8_lossy(&letter.body).into_owned(),
        }
    }
}

async fn list(ctx: &Context, args: DlqListArgs) -> anyhow::Result<()> {
    let backend = ctx.open().await?;
    let letters = backend
        .queue
        .list_dead_letters(args.limit as usize)
        .await
        .context("cannot list the dead-letter queue")?;
    let total = dead_letter_count(&backend).await?;
    ctx.say(listing_note(
        letters.len() as u64,
        total,
        backend.facts.exact_counts,
    ));
    match args.format {
        ListFormat::Table if letters.is_empty() => Ok(()),
        ListFormat::Table => print_data(&dead_letter_table(&letters)),
        ListFormat::Json => {
            let listed: Vec<ListedLetter> = letters.into_iter().map(Into::into).collect();
            print_data(&serde_json::to_string_pretty(&listed)?)
        }
    }
}

async fn dead_letter_count(backend: &Backend) -> anyhow::Result<u64> {
    let stats = backend
        .queue
        .stats()
        .await
        .context("cannot read the dead-letter queue's depth")?;
    Ok(stats.dead_letters)
}

/// "3 dead letters", or "10 of about 250 dead letters shown (--limit shows more)".
fn listing_note(shown: u64, total: u64, exact: bool) -> String {
    let about = if exact { "" } else { "about " };
    if shown == 0 && total == 0 {
        "no dead letters".to_owned()
    } else if shown >= total {
        format!("{} dead letter(s)", thousands(shown))
    } else {
        format!(
            "{} of {about}{} dead letter(s) shown (--limit shows more)",
            thousands(shown),
            thousands(total)
        )
    }
}

async fn redrive(ctx: &Context, args: DlqRedriveArgs) -> anyhow::Result<()> {
    let backend = ctx.open().await?;
    let outcome = backend
        .queue
        .redrive_dead_letters()
        .await
        .context("cannot redrive the dead-letter queue")?;
    match args.format {
        SummaryFormat::Json => print_data(&serde_json::to_string_pretty(&outcome)?)?,
        SummaryFormat::Text => ctx.say(redrive_text(&outcome)),
    }
    if outcome.failed > 0 {
        anyhow::bail!(
            "{} dead letter(s) could not be moved and are still dead letters; run `pageviews dlq redrive` again",
            outcome.failed
        );
    }
    Ok(())
}

fn redrive_text(outcome: &RedriveOutcome) -> String {
    let how = match outcome.method {
        RedriveMethod::Transaction => "in one transaction",
        RedriveMethod::MoveTask => "by an SQS message move task",
        RedriveMethod::Copy => "by copying (this SQS has no message move tasks)",
    };
    let about = if outcome.exact { "" } else { "about " };
    let mut text = format!(
        "moved {about}{} dead letter(s) back to the queue {how}",
        thousands(outcome.moved)
    );
    if outcome.moved > 0 {
        text.push_str("; `pageviews drain` takes them next");
    }
    text
}

/// What `dlq purge --format json` prints.
#[derive(Serialize)]
struct Purged {
    purged: u64,
    exact: bool,
}

async fn purge(ctx: &Context, args: DlqPurgeArgs) -> anyhow::Result<()> {
    let backend = ctx.open().await?;
    let name = &ctx.global.name;
    if !args.yes {
        let count = dead_letter_count(&backend).await?;
        let question = format!(
            "This deletes the {} dead letter(s) of {name:?} for good.",
            thousands(count)
        );
        let no_terminal =
            "purge deletes every dead letter; stdin is not a terminal to confirm on, so pass --yes";
        if !confirmed(&question, name, no_terminal)? {
            return bad_input(format!(
                "purge of {name:?}'s dead letters not confirmed; nothing was deleted (pass --yes to skip the question)"
            ));
        }
    }
    let purged = Purged {
        purged: backend
            .queue
            .purge_dead_letters()
            .await
            .context("cannot purge the dead-letter queue")?,
        exact: backend.facts.exact_counts,
    };
    match args.format {
        SummaryFormat::Json => print_data(&serde_json::to_string_pretty(&purged)?)?,
        SummaryFormat::Text => {
            let about = if purged.exact { "" } else { "about " };
            ctx.say(format!(
                "purged {about}{} dead letter(s)",
                thousands(purged.purged)
            ));
        }
    }
    Ok(())
}

/// Characters of a reason and of a body preview in the dead-letter table.
const REASON_CHARS: usize = 60;
const PREVIEW_CHARS: usize = 50;

/// Dead letters as a table: when, receives, reason and the start of the body, one line each.
fn dead_letter_table(letters: &[DeadLetter]) -> String {
    let mut table = Table::new();
    table.load_preset(presets::ASCII_FULL_CONDENSED);
    table.set_header(vec!["Dead-lettered (UTC)", "Receives", "Reason", "Body"]);
    for letter in letters {
        let when = letter.dead_lettered_at.map_or("-".into(), |time| {
            time.format("%Y-%m-%d %H:%M:%S").to_string()
        });
        table.add_row(vec![
            Cell::new(when),
            Cell::new(letter.receive_count).set_alignment(CellAlignment::Right),
            Cell::new(one_line(&letter.reason, REASON_CHARS)),
            Cell::new(one_line(
                &String::from_utf8_lossy(&letter.body),
                PREVIEW_CHARS,
            )),
        ]);
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dead_letter_previews_stay_on_one_line() {
        let letter = DeadLetter {
            message_id: "m".into(),
            reason: "not-json: expected value".into(),
            receive_count: 1,
            body: b"this is\nnot json".to_vec(),
            dead_lettered_at: chrono::DateTime::from_timestamp(1_615_638_896, 0),
        };
        let table = dead_letter_table(&[letter]);
        assert!(table.contains("2021-03-13 12:34:56"), "{table}");
        assert!(table.contains("this is\\nnot json"), "{table}");
        assert_eq!(table.lines().count(), 5, "{table}");
    }

    #[test]
    fn the_note_says_when_the_limit_cut_the_list() {
        assert_eq!(listing_note(0, 0, true), "no dead letters");
        assert_eq!(listing_note(3, 3, true), "3 dead letter(s)");
        assert_eq!(
            listing_note(100, 1_250, false),
            "100 of about 1,250 dead letter(s) shown (--limit shows more)"
        );
    }

    #[test]
    fn redrive_summaries_say_how_and_how_many() {
        let outcome = RedriveOutcome {
            method: RedriveMethod::MoveTask,
            moved: 12,
            failed: 0,
            exact: false,
        };
        assert_eq!(
            redrive_text(&outcome),
            "moved about 12 dead letter(s) back to the queue by an SQS message move task; \
             `pageviews drain` takes them next"
        );
    }
}
