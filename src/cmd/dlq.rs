//! `pageviews dlq list|redrive|purge`: look at dead letters, send them back after a fix, or
//! delete them.

use anyhow::Context as _;
use serde::Serialize;

use crate::backend::{Backend, DeadLetter, RedriveMethod, RedriveOutcome};
use crate::cli::{
    DlqArgs, DlqCommand, DlqListArgs, DlqPurgeArgs, DlqRedriveArgs, ListFormat, SummaryFormat,
};
use crate::cmd::confirm::confirmed;
use crate::context::Context;
use crate::error::bad_input;
use crate::output::{dead_letter_table, print_data, thousands};

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
    ctx.say(listing_note(letters.len() as u64, total, ctx.is_exact()));
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
        exact: ctx.is_exact(),
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

#[cfg(test)]
mod tests {
    use super::*;

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
