//! `pageviews share create|list|revoke`: read-only links to one site's dashboard, kept (as
//! hashes of their tokens) in the data directory's `shares.json`, which `serve` reads.

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use std::path::Path;

use crate::cmd::context::Context;
use crate::model::bad_input::BadInput;
use crate::output::print_data;
use crate::serve::shares::{self, Book, Share};

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
A share link opens one site's dashboard, its pages and its API, read-only, to whoever holds it, \
when `serve` asks for a token (--token-file, or any address other than loopback). Give the \
path `create` prints after the dashboard's address: /?site=SITE&share=TOKEN (the API takes \
share=TOKEN too). The token is printed once and kept nowhere: the data directory's \
shares.json holds its SHA-256 only. A running `serve` sees a revoked or new link at once.

Examples:
  pageviews --name blog share create --expires 30d
  pageviews share list --all
  pageviews share revoke 3f9a1c2b")]
pub struct ShareArgs {
    #[command(subcommand)]
    pub command: ShareCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum ShareCommand {
    /// Create a link to the dashboard of the deployment --name names; prints its token once.
    Create(ShareCreateArgs),
    /// List the links (never their tokens): id, site, created, expires, whether it still works.
    List(ShareListArgs),
    /// Revoke a link by its id; a running `serve` refuses it at once.
    Revoke(ShareRevokeArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ShareCreateArgs {
    /// How long the link works: 90s, 15m, 12h, 30d (at most 3650d), or never.
    #[arg(long, value_name = "DURATION", default_value = "30d", value_parser = lasts)]
    pub expires: Lasts,
}

/// How long a new link works; forever when none.
#[derive(Debug, Clone, Copy)]
pub struct Lasts(Option<chrono::Duration>);

fn lasts(text: &str) -> Result<Lasts, String> {
    shares::expiry(text).map(Lasts)
}

#[derive(Debug, Clone, Args)]
pub struct ShareListArgs {
    /// Every site's links [default: those of the deployment --name names].
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ShareRevokeArgs {
    /// The link's id, as `share list` shows it.
    #[arg(value_name = "ID")]
    pub id: String,
}

pub async fn run(ctx: &Context, args: ShareArgs) -> anyhow::Result<()> {
    let path = crate::backend::local::data_dir(ctx.global.data_dir.as_deref())?.join(shares::FILE);
    match args.command {
        ShareCommand::Create(args) => create(ctx, &path, args).await,
        ShareCommand::List(args) => list(ctx, &path, &args),
        ShareCommand::Revoke(args) => revoke(ctx, &path, &args),
    }
}

async fn create(ctx: &Context, path: &Path, args: ShareCreateArgs) -> anyhow::Result<()> {
    let site = &ctx.global.name;
    // A link to a deployment that does not exist is a name to correct.
    ctx.open_other(site).await?;
    let mut book = Book::load(path)?;
    let (share, token) = book.create(site, args.expires.0, Utc::now());
    book.save(path)?;
    print_data(&format!(
        "{token}\n/?site={site}&{}={token}\n",
        shares::PARAMETER
    ))?;
    let until = share
        .expires
        .as_deref()
        .map_or("never expires".to_owned(), |at| format!("works until {at}"));
    ctx.say(format!(
        "share link {} to {site} created; it {until}. The token above is shown this once; \
         `pageviews share revoke {}` revokes it",
        share.id, share.id
    ));
    Ok(())
}

fn list(ctx: &Context, path: &Path, args: &ShareListArgs) -> anyhow::Result<()> {
    let book = Book::load(path)?;
    let shown: Vec<&Share> = book
        .shares
        .iter()
        .filter(|share| args.all || share.site == ctx.global.name)
        .collect();
    if shown.is_empty() {
        ctx.say("no share links; `pageviews share create` makes one");
        return Ok(());
    }
    print_data(&listing(&shown, Utc::now()))
}

/// One line per link under a heading, columns aligned; never a token or its hash.
fn listing(shown: &[&Share], now: DateTime<Utc>) -> String {
    let rows: Vec<[String; 5]> = shown
        .iter()
        .map(|share| {
            let state = if share.expired(now) {
                "expired"
            } else {
                "active"
            };
            [
                share.id.clone(),
                share.site.clone(),
                share.created.clone(),
                share.expires.clone().unwrap_or_else(|| "never".to_owned()),
                state.to_owned(),
            ]
        })
        .collect();
    let heading = ["ID", "SITE", "CREATED", "EXPIRES", "STATE"].map(str::to_owned);
    let widths: Vec<usize> = (0..5)
        .map(|column| {
            let cells = rows.iter().chain([&heading]);
            cells.map(|row| row[column].len()).max().unwrap_or(0)
        })
        .collect();
    let line = |row: &[String; 5]| {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        cells.join("  ").trim_end().to_owned() + "\n"
    };
    [&heading].into_iter().chain(&rows).map(line).collect()
}

fn revoke(ctx: &Context, path: &Path, args: &ShareRevokeArgs) -> anyhow::Result<()> {
    let mut book = Book::load(path)?;
    let Some(share) = book.revoke(&args.id) else {
        return Err(BadInput(format!(
            "no share link has the id {:?}: `pageviews share list --all` shows the ids",
            args.id
        ))
        .into());
    };
    book.save(path)?;
    ctx.say(format!(
        "share link {} to {} revoked; a running `serve` refuses it from now on",
        share.id, share.site
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listing_names_no_token() {
        let share = Share {
            id: "3f9a1c2b".into(),
            site: "blog".into(),
            sha256: "ab".repeat(32),
            created: "2021-03-13T12:00:00Z".into(),
            expires: Some("2021-03-14T12:00:00Z".into()),
        };
        let forever = Share {
            id: "00c0ffee".into(),
            site: "shop".into(),
            expires: None,
            ..share.clone()
        };
        let now = DateTime::parse_from_rfc3339("2021-03-14T13:00:00Z")
            .unwrap()
            .into();
        assert_eq!(
            listing(&[&share, &forever], now),
            "ID        SITE  CREATED               EXPIRES               STATE\n\
             3f9a1c2b  blog  2021-03-13T12:00:00Z  2021-03-14T12:00:00Z  expired\n\
             00c0ffee  shop  2021-03-13T12:00:00Z  never                 active\n"
        );
    }
}
