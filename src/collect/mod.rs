//! `pageviews collect`: an HTTP server that takes page-view beacons from browsers and puts them,
//! packed, on the deployment's queue.

pub mod audience;
pub mod body;
pub mod buffer;
pub mod connections;
pub mod download;
#[cfg(test)]
mod fixtures;
pub mod geoip;
pub mod metrics;
pub mod policy;
pub mod rate;
pub mod routes;
mod service;
pub mod view;
pub mod visitors;

use anyhow::Context as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::backend::Backend;
use crate::collect::audience::{Audience, AudienceSettings};
use crate::collect::buffer::{FlushSettings, FlushSummary, ViewBuffer};
use crate::collect::download::DownloadHosts;
use crate::collect::metrics::Metrics;
use crate::collect::policy::OriginPolicy;
use crate::collect::rate::RateLimit;
use crate::collect::routes::Collector;
use crate::collect::view::{IdSource, ViewRules};
use crate::collect::visitors::{Clock, SaltKeeper};
use crate::pipeline::shutdown::Shutdown;

/// How the collector behaves; built from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub origins: OriginPolicy,
    /// Hosts `/v1/download` may redirect to.
    pub downloads: DownloadHosts,
    pub rules: ViewRules,
    /// How visitors' browsers, countries and bots are told, and which networks are ignored.
    pub audience: AudienceSettings,
    pub ignore_dnt: bool,
    /// Views per client allowed.
    pub rate_limit: Option<governor::Quota>,
    /// Whether the last X-Forwarded-For entry names the client (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    pub buffer_views: usize,
    pub flush_interval: Duration,
    /// After a stop: how long open connections may finish their requests.
    pub grace: Duration,
    /// After a stop and the grace period: how long buffered views may take to reach the queue.
    pub drain_timeout: Duration,
    /// Slow clients' limits and the connection cap (`--header-timeout`, `--idle-timeout`,
    /// `--max-connections`).
    pub connections: connections::Limits,
    /// How long a request's body may take to arrive (`--body-timeout`).
    pub body_timeout: Duration,
}

/// What one run of the collector did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub accepted: u64,
    /// Engagement beacons accepted (on the queue with the views).
    pub engagements: u64,
    /// Bots' hits kept (on the queue with the views, counted apart).
    pub bot_hits: u64,
    pub flushed: FlushSummary,
}

impl Collector {
    /// The collector `settings` describe, putting views into `buffer`; a client the buffer
    /// turns away is told to come back in `retry_after_seconds`. Its rate limit is this
    /// process's own.
    pub(crate) fn new(
        settings: &Settings,
        buffer: ViewBuffer,
        metrics: Arc<Metrics>,
        visitors: SaltKeeper,
        retry_after_seconds: u64,
    ) -> Self {
        Collector {
            buffer,
            metrics,
            origins: settings.origins.clone(),
            audience: Audience::new(settings.audience.clone()),
            rate: settings.rate_limit.map(RateLimit::new),
            ids: IdSource::new(),
            rules: settings.rules.clone(),
            ignore_dnt: settings.ignore_dnt,
            retry_after_seconds,
            visitors,
            trust_forwarded_for: settings.trust_forwarded_for,
            downloads: settings.downloads.clone(),
            body_timeout: settings.body_timeout,
        }
    }
}

/// Fetches the day's visitor salt, so that a salts store this collector cannot use (no
/// permission, unreachable) is found before it listens; returns what keeps the salts.
pub async fn salt_keeper(backend: &Backend) -> anyhow::Result<SaltKeeper> {
    let keeper = SaltKeeper::new(
        backend.salts.clone(),
        backend.zone,
        Clock::from_environment(),
    );
    keeper
        .start()
        .await
        .context("cannot get the day's visitor salt")?;
    Ok(keeper)
}

/// Serves until `shutdown`, then stops accepting, flushes every accepted view to the queue and
/// returns. An error means accepted views could not be queued; it says how many.
pub async fn serve(
    listener: TcpListener,
    settings: Settings,
    backend: &Backend,
    visitors: SaltKeeper,
    shutdown: Shutdown,
) -> anyhow::Result<Summary> {
    let queue = backend.queue.clone();
    let metrics = Arc::new(Metrics::new(settings.buffer_views));
    let (buffer, flusher) = buffer::channel(
        FlushSettings {
            capacity: settings.buffer_views,
            interval: settings.flush_interval,
            stop_budget: settings.grace + settings.drain_timeout,
        },
        queue,
        metrics.clone(),
        shutdown.clone(),
    );
    // A client the full buffer turns away comes back once it may have been flushed.
    let retry_after_seconds = settings.flush_interval.as_secs().clamp(1, 60);
    let collector = Arc::new(Collector::new(
        &settings,
        buffer,
        metrics.clone(),
        visitors,
        retry_after_seconds,
    ));
    let (stop_flusher, flusher_stop) = oneshot::channel();
    let flushing = tokio::spawn(flusher.run(flusher_stop));
    if let Some(geoip) = settings.audience.geoip {
        let stopping = shutdown.clone();
        tokio::spawn(geoip.watch(async move { stopping.requested().await }));
    }

    let first = {
        let collector = collector.clone();
        move |request, peer| routes::answer_beacon(collector.clone(), peer, request)
    };
    let routes = connections::Routes {
        first_path: routes::BEACON_PATH,
        first,
        router: routes::router(collector),
    };
    let server = connections::serve(
        listener,
        routes,
        settings.connections,
        metrics.clone(),
        shutdown.clone(),
    );
    let grace = settings.grace;
    tokio::select! {
        () = server => {}
        _ = async { shutdown.requested().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(?grace, "connections still open after the grace period; closing them");
        }
    }
    // The server has stopped accepting: what is in the buffer now is all there will be.
    let _ = stop_flusher.send(());
    let flushed = flushing
        .await
        .context("the queue flusher stopped unexpectedly")?
        .with_context(|| {
            let unsent = metrics
                .events_accepted_total()
                .saturating_sub(metrics.queued_total());
            format!(
                "{unsent} accepted views, engagement beacons and bot hits are not confirmed \
                 on the queue"
            )
        })?;
    let (accepted, engagements) = (metrics.accepted_total(), metrics.engagements_total());
    Ok(Summary {
        accepted,
        engagements,
        bot_hits: metrics.events_accepted_total() - accepted - engagements,
        flushed,
    })
}
