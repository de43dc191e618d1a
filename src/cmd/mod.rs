//! One module per subcommand; `run` dispatches to them.

pub mod aggregate;
pub mod archive;
pub mod collect;
pub mod completions;
pub mod confirm;
pub mod context;
pub mod cost;
pub mod deploy;
pub mod dlq;
pub mod drain;
pub mod experiment;
pub mod export;
pub mod iam_policy;
pub mod import;
pub mod init;
pub mod prune;
pub mod range;
pub mod report;
pub mod send;
pub mod serve;
pub mod share;
pub mod snippet;
pub mod status;
pub mod teardown;
pub mod undeploy;

use anyhow::Context as _;
use std::net::SocketAddr;

use crate::cli::{Cli, Command};
use crate::cmd::context::Context;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let Cli { global, command } = cli;
    match &command {
        Command::Completions(args) => return completions::run(args),
        Command::Snippet(args) => return snippet::run(args),
        _ => {}
    }
    let ctx = Context::new(global);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async move {
        match command {
            Command::Init(args) => init::run(&ctx, args).await,
            Command::Send(args) => send::run(&ctx, args).await,
            Command::Collect(args) => collect::run(&ctx, args).await,
            Command::Drain(args) => drain::run(&ctx, args).await,
            Command::Aggregate(args) => aggregate::run(&ctx, args).await,
            Command::Report(args) => report::run(&ctx, args).await,
            Command::Serve(args) => serve::run(&ctx, args).await,
            Command::Share(args) => share::run(&ctx, args).await,
            Command::Status(args) => status::run(&ctx, args).await,
            Command::Dlq(args) => dlq::run(&ctx, args).await,
            Command::Teardown(args) => teardown::run(&ctx, args).await,
            Command::Deploy(args) => deploy::run(&ctx, args).await,
            Command::Undeploy(args) => undeploy::run(&ctx, args).await,
            Command::IamPolicy(args) => iam_policy::run(&ctx, args),
            Command::Cost(args) => cost::run(&ctx, args).await,
            Command::Export(args) => export::run(&ctx, args).await,
            Command::Import(args) => import::run(&ctx, args).await,
            Command::Prune(args) => prune::run(&ctx, args).await,
            Command::Archive(args) => archive::run(&ctx, args).await,
            Command::Completions(_) | Command::Snippet(_) => {
                unreachable!("handled before the runtime starts")
            }
        }
    });
    // Database work abandoned at a deadline (a send `collect` gave up on at its stop) may still
    // wait on the blocking pool for a busy database; the process exits without waiting for it.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    result
}

/// Listens on `--listen`; with the address it got, whose port differs when port 0 was asked.
pub(crate) async fn listen(
    listen: SocketAddr,
) -> anyhow::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}; choose another --listen"))?;
    let address = listener
        .local_addr()
        .context("cannot read the listening address")?;
    Ok((listener, address))
}
