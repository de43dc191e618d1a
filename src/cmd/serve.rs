//! `pageviews serve`: the dashboard and the JSON API of one deployment or several, over HTTP.

use anyhow::Context as _;
use clap::Args;
use std::path::{Path, PathBuf};

use crate::cmd::context::Context;
use crate::model::bad_input::{bad_input, BadInput};
use crate::model::values::{deployment_name, listen_address};
use crate::pipeline::shutdown::Shutdown;
use crate::report::Meta;
use crate::serve::access::{check_listen, token_from_file, Access, TokenCheck};
use crate::serve::shares::{self, ShareCheck};
use crate::serve::{serve, Dashboard, Site};

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
The dashboard reads the daily rows `aggregate` wrote; today's numbers are counted from its raw \
events, at most once a minute. Every number equals what `report --format json` gives for the \
same range. /api/v1/report answers exactly what `report --format json` prints (parameters day, \
from, to, by, top, page, period); /api/v1/count?page=/path gives one page's views. \
/experiment?goal=NAME shows `report experiment` for a goal with its verdict, and \
/api/v1/experiment answers what `report experiment --format json` prints (goal, goal_page, \
control and the range). \
docs/dashboard.md says more.

On a loopback address anyone on this machine may read; on any other address `serve` refuses to \
start without --token-file (requests carry `Authorization: Bearer TOKEN`, or sign in at /login) \
or --public. With --token-file, a share link (`pageviews share create`) opens one site \
read-only: /?site=SITE&share=TOKEN; `pageviews share revoke ID` closes it at once.

Examples:
  pageviews serve
  pageviews serve --site blog --site shop
  openssl rand -hex 32 > ~/.config/pageviews/token && chmod 600 ~/.config/pageviews/token
  pageviews serve --listen :8090 --token-file ~/.config/pageviews/token")]
pub struct ServeArgs {
    /// Address and port to listen on (`:8090` means every interface: needs --token-file or
    /// --public).
    #[arg(long, env = "PAGEVIEWS_SERVE_LISTEN", value_name = "ADDR", default_value = "127.0.0.1:8090",
          value_parser = listen_address)]
    pub listen: std::net::SocketAddr,

    /// A deployment to show; repeat for several, with a switcher between them [default: the
    /// deployment --name names].
    #[arg(long, env = "PAGEVIEWS_SITES", value_name = "NAME", value_delimiter = ',',
          value_parser = deployment_name)]
    pub site: Vec<String>,

    /// A file holding the token every request must carry (one line of at least 32
    /// characters, e.g. from `openssl rand -hex 32`).
    #[arg(long, env = "PAGEVIEWS_TOKEN_FILE", value_name = "FILE")]
    pub token_file: Option<PathBuf>,

    /// Anyone who can reach the address may read the numbers: no token.
    #[arg(long, env = "PAGEVIEWS_PUBLIC", conflicts_with = "token_file")]
    pub public: bool,

    /// An origin whose pages' scripts may read /api/v1/count (CORS), e.g.
    /// https://example.com; repeat or separate with commas.
    #[arg(
        long,
        env = "PAGEVIEWS_ALLOW_ORIGIN",
        value_name = "ORIGIN",
        value_delimiter = ','
    )]
    pub allow_origin: Vec<String>,
}

pub async fn run(ctx: &Context, args: ServeArgs) -> anyhow::Result<()> {
    check_listen(args.listen, args.token_file.is_some(), args.public).map_err(BadInput)?;
    let access = match &args.token_file {
        Some(path) => Access::Token(TokenCheck::new(&read_token(path)?)),
        None => Access::Open,
    };
    if let Some(origin) = args.allow_origin.iter().find(|origin| !is_origin(origin)) {
        return bad_input(format!(
            "--allow-origin {origin:?} is not an origin: give scheme and host, e.g. https://example.com"
        ));
    }
    let mut names = args.site.clone();
    if names.is_empty() {
        names.push(ctx.global.name.clone());
    }
    names.dedup();
    let mut sites = Vec::with_capacity(names.len());
    for name in &names {
        let backend = ctx
            .open_named(name)
            .await
            .with_context(|| format!("cannot open the deployment {name:?}"))?;
        sites.push(Site::new(backend.clone(), meta(ctx, name, &backend)));
    }
    let shutdown = Shutdown::on_signals();
    let (listener, address) = super::listen(args.listen).await?;
    // Tests and supervisors read this line to learn the port when --listen asked for port 0.
    ctx.say(format!(
        "serving the dashboard of {} on http://{address}; SIGINT/SIGTERM to stop",
        names.join(", ")
    ));
    // Share links open one site each when a token is asked for; they live in the data
    // directory on either backend.
    let shares = match (
        &access,
        crate::backend::local::data_dir(ctx.global.data_dir.as_deref()),
    ) {
        (Access::Token(_), Ok(dir)) => Some(ShareCheck::new(dir.join(shares::FILE))),
        _ => None,
    };
    let dashboard = Dashboard::new(sites, access, args.allow_origin, shares);
    serve(listener, dashboard, shutdown).await?;
    ctx.say("stopped");
    Ok(())
}

/// The token of `--token-file` (`serve`'s and `deploy --dashboard`'s).
pub(crate) fn read_token(path: &Path) -> anyhow::Result<String> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        BadInput(format!(
            "cannot read --token-file {}: {err}",
            path.display()
        ))
    })?;
    token_from_file(&text)
        .map_err(|err| BadInput(format!("--token-file {}: {err}", path.display())).into())
}

/// `scheme://host[:port]`, nothing after.
fn is_origin(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| {
        matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.origin().ascii_serialization() == text
    })
}

/// What the pages say of a site (`serve`'s, and the dashboard function's).
pub(crate) fn meta(ctx: &Context, name: &str, backend: &crate::backend::Backend) -> Meta {
    let kind = clap::ValueEnum::to_possible_value(&ctx.global.backend);
    Meta {
        deployment: name.to_owned(),
        backend: kind.map_or_else(String::new, |kind| kind.get_name().to_owned()),
        zone: backend.zone,
        generated: String::new(),
        version: env!("CARGO_PKG_VERSION"),
        geo_credit: None,
    }
}
