//! `pageviews collect`: runs the beacon endpoint until SIGINT/SIGTERM, then flushes and exits.

use anyhow::Context as _;
use clap::Args;
use std::sync::Arc;
use std::time::Duration;

use crate::backend::InitOptions;
use crate::cmd::context::Context;
use crate::cmd::init;
use crate::collect::audience::AudienceSettings;
use crate::collect::connections::Limits;
use crate::collect::download::DownloadHosts;
use crate::collect::geoip::GeoFile;
use crate::collect::policy::OriginPolicy;
use crate::collect::view::ViewRules;
use crate::collect::{salt_keeper, serve, Settings};
use crate::model::bad_input::{bad_input, BadInput};
use crate::model::text::{counted, thousands};
use crate::model::values::{listen_address, seconds, whole};
use crate::pipeline::shutdown::Shutdown;

#[derive(Debug, Clone, Args)]
#[command(after_help = "\
Endpoints:
  POST /v1/view           {\"page\": \"/path\"} as JSON (what the snippet sends), or page= and time=
                          in the query string with an empty body (the article's beacon)
  GET  /v1/view.gif?page= a 1x1 GIF, for pages without JavaScript (r= the referrer)
  GET  /v1/download?url=  counts a download of URL's path and redirects (302) to URL, for links
                          in emails and on other sites; only to hosts of --download-host
  GET  /pageviews.js      the tracking script (see `pageviews snippet`)
  GET  /healthz           200, or 503 while the buffer is full
  GET  /metrics           Prometheus metrics: accepted, dropped by reason, queue sends, buffer

A view's time is when it arrived; its page is reduced to the path (query and fragment dropped,
after utm_source, utm_medium, utm_campaign, ref, source and variant are read from it); its
referrer is kept as a host, unless it is the site itself. No IP address, user agent or cookie is
stored: each view carries only a visitor key, a keyed hash of the day's random salt, the address
and the user agent (every host of the site shares one key space; the salt is deleted once its
day is over: docs/privacy.md), and
what is derived and dropped at once: the country and region (--geoip, --country-header), the
device class, browser and OS families with major versions, and the screen class the script
sends. Requests with DNT: 1 or Sec-GPC: 1, and from --ignore-network, are answered normally but
counted nowhere. Bots (by user agent) are answered normally and counted apart, as hits of their
category and name (report --by bot), never as views. SIGINT/SIGTERM stop accepting, put every
accepted view on the queue, and exit 0.

Slow clients cannot hold the collector: a connection is closed after --idle-timeout without a \
request, --header-timeout for a request's headers, --body-timeout (408) for its body; at \
--max-connections a new connection takes the place of the one waiting longest.

Examples:
  pageviews collect --allow-origin https://example.com
  pageviews collect --listen 0.0.0.0:8080 --allow-origin https://example.com \\
      --allow-origin 'https://*.example.com' --download-host files.example.com --rate-limit 10/s
  pageviews --backend aws collect --listen :8080 --allow-origin https://example.com
  pageviews collect --allow-origin https://example.com --geoip /var/lib/GeoIP/dbip-city-lite.mmdb \\
      --ignore-network 203.0.113.0/24
  pageviews collect --allow-origin https://example.com --trust-forwarded-for \\
      --country-header CloudFront-Viewer-Country --region-header CloudFront-Viewer-Country-Region")]
pub struct CollectArgs {
    /// Create the deployment first where it does not exist yet, as `pageviews init` does with
    /// its defaults (an existing one is left as it is), so that one command starts counting.
    #[arg(long, env = "PAGEVIEWS_COLLECT_INIT")]
    pub init: bool,

    /// Address and port to listen on (`:8080` means every interface).
    #[arg(long, env = "PAGEVIEWS_LISTEN", value_name = "ADDR", default_value = "127.0.0.1:8080",
          value_parser = listen_address)]
    pub listen: std::net::SocketAddr,

    /// A site allowed to send views, as scheme://host[:port] (repeatable, or comma-separated);
    /// scheme://*.host[:port] allows every subdomain of host. Checked against Origin (or, for
    /// the pixel, Referer); CORS answers name the request's origin.
    #[arg(
        long,
        env = "PAGEVIEWS_ALLOW_ORIGIN",
        value_name = "ORIGIN",
        value_delimiter = ',',
        required_unless_present = "allow_any_origin"
    )]
    pub allow_origin: Vec<String>,

    /// Accept views from any site (answers CORS with *).
    #[arg(
        long,
        env = "PAGEVIEWS_ALLOW_ANY_ORIGIN",
        conflicts_with = "allow_origin"
    )]
    pub allow_any_origin: bool,

    /// A host that `GET /v1/download?url=URL` may redirect to, e.g. files.example.com or
    /// host:port (repeatable, or comma-separated). A URL on any other host is refused with
    /// 400, so the collector is never an open redirect [default: downloads refused].
    #[arg(
        long,
        env = "PAGEVIEWS_DOWNLOAD_HOST",
        value_name = "HOST",
        value_delimiter = ','
    )]
    pub download_host: Vec<String>,

    /// A query parameter kept in the stored page, e.g. utm_source (repeatable, or
    /// comma-separated); every other parameter is dropped.
    #[arg(
        long,
        env = "PAGEVIEWS_KEEP_QUERY",
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub keep_query: Vec<String>,

    /// Count views whose request carries DNT: 1 or Sec-GPC: 1.
    #[arg(long, env = "PAGEVIEWS_IGNORE_DNT")]
    pub ignore_dnt: bool,

    /// Use the time (RFC 3339) and id a client sends instead of the arrival time and a fresh
    /// id: for replaying recorded views, which are then stored once however often replayed.
    #[arg(long, env = "PAGEVIEWS_TRUST_CLIENT_TIME")]
    pub trust_client_time: bool,

    /// Views per client allowed, as N/s, N/min or N/h; over it the client gets 429. Clients are
    /// told apart by address, held in memory only [default: no limit].
    #[arg(long, env = "PAGEVIEWS_RATE_LIMIT", value_name = "RATE", value_parser = crate::collect::rate::parse_rate)]
    pub rate_limit: Option<governor::Quota>,

    /// Behind a reverse proxy or load balancer: the client's address is the last
    /// X-Forwarded-For entry (the one the proxy added, with or without a port), not the
    /// connection's. It tells clients apart for --rate-limit and goes into visitor keys; an
    /// entry that is no address gives a view without a visitor key (counted and logged).
    #[arg(long, env = "PAGEVIEWS_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,

    /// A MaxMind-format database (DB-IP Lite or GeoLite2, Country or City edition) to find each
    /// view's country (and, with a City database that has them, its ISO region code) by the
    /// client's address, which is then dropped. Read into memory at start, and again whenever
    /// the file changes on disk (checked every 5 s), without a restart.
    #[arg(long, env = "PAGEVIEWS_GEOIP", value_name = "FILE")]
    pub geoip: Option<std::path::PathBuf>,

    /// Behind a CDN that says where the visitor is: the header naming the country as an ISO
    /// code, e.g. CloudFront-Viewer-Country or CF-IPCountry. Trusted only when given; a
    /// request without it falls back to --geoip.
    #[arg(long, env = "PAGEVIEWS_COUNTRY_HEADER", value_name = "NAME",
          value_parser = header_name)]
    pub country_header: Option<axum::http::HeaderName>,

    /// With --country-header: the header naming the region, as its ISO 3166-2 code with or
    /// without the country (CloudFront-Viewer-Country-Region says BY for DE-BY).
    #[arg(long, env = "PAGEVIEWS_REGION_HEADER", value_name = "NAME",
          value_parser = header_name, requires = "country_header")]
    pub region_header: Option<axum::http::HeaderName>,

    /// A network whose requests are answered as usual and counted nowhere, e.g. your office
    /// or home: CIDR notation or one address (repeatable, or comma-separated). /metrics
    /// counts them (reason ignored-network).
    #[arg(long, env = "PAGEVIEWS_IGNORE_NETWORK", value_name = "CIDR", value_delimiter = ',',
          value_parser = crate::collect::audience::parse_network)]
    pub ignore_network: Vec<ipnet::IpNet>,

    /// Bots' hits kept per second, all clients together, as N/s, N/min or N/h: each is stored
    /// as a hit of its category and name, so a flood of bots cannot flood the tables. Hits
    /// over it are counted in /metrics only.
    #[arg(long, env = "PAGEVIEWS_BOT_LIMIT", value_name = "RATE", default_value = "50/s",
          value_parser = crate::collect::rate::parse_rate)]
    pub bot_limit: governor::Quota,

    /// Seconds between sends of a partly filled message; a full one (64 KiB) is sent at once.
    #[arg(long, env = "PAGEVIEWS_FLUSH_INTERVAL", value_name = "SECONDS", default_value_t = 1.0,
          value_parser = seconds(0.01, 60.0, ""))]
    pub flush_interval: f64,

    /// Views held in memory on their way to the queue; when it is full (queue down or slow)
    /// new views are answered 503 with Retry-After.
    /// At most about 800 bytes a view: 50,000 take at most 40 MiB.
    #[arg(long, env = "PAGEVIEWS_BUFFER", value_name = "VIEWS", default_value_t = 50_000,
          value_parser = whole::<u32>(100, 1_000_000), allow_negative_numbers = true)]
    pub buffer: u32,

    /// After SIGINT/SIGTERM: seconds to keep trying to put buffered views on the queue before
    /// giving up with exit 1 (and the number of views lost).
    #[arg(long, env = "PAGEVIEWS_SHUTDOWN_TIMEOUT", value_name = "SECONDS", default_value_t = 30,
          value_parser = whole::<u64>(1, 3_600), allow_negative_numbers = true)]
    pub shutdown_timeout: u64,

    /// Seconds a request's headers may take from its first byte; a client slower than that
    /// (partial headers, as a slowloris attack sends them) has its connection closed.
    #[arg(long, env = "PAGEVIEWS_HEADER_TIMEOUT", value_name = "SECONDS", default_value_t = 10.0,
          value_parser = seconds(0.1, 3_600.0, ""), help_heading = "Slow clients")]
    pub header_timeout: f64,

    /// Seconds a request's body may take once its headers are in; a body that does not come
    /// in time is answered 408 and the connection closed.
    #[arg(long, env = "PAGEVIEWS_BODY_TIMEOUT", value_name = "SECONDS", default_value_t = 10.0,
          value_parser = seconds(0.1, 3_600.0, ""), help_heading = "Slow clients")]
    pub body_timeout: f64,

    /// Seconds a connection may stay open waiting for its next request (keep-alive), or for
    /// its first one.
    #[arg(long, env = "PAGEVIEWS_IDLE_TIMEOUT", value_name = "SECONDS", default_value_t = 30.0,
          value_parser = seconds(0.1, 3_600.0, ""), help_heading = "Slow clients")]
    pub idle_timeout: f64,

    /// Connections open at once. At the cap, a new connection closes the one that has waited
    /// longest without a request being handled, so /healthz and views still get in. Lowered,
    /// with a warning, to what the open-file limit (ulimit -n) leaves after 64 for the rest.
    #[arg(long, env = "PAGEVIEWS_MAX_CONNECTIONS", value_name = "N", default_value_t = 1_000,
          value_parser = whole::<usize>(1, 1_000_000), allow_negative_numbers = true,
          help_heading = "Slow clients")]
    pub max_connections: usize,
}

/// File descriptors kept for what is not a client's connection: the listener, the database or
/// the AWS clients' connections, logs.
const RESERVED_FILES: u64 = 64;

/// `asked`, or less when the open-file limit would run out first (and then a warning): a
/// collector out of descriptors cannot accept even /healthz.
fn connection_cap(asked: usize, open_files_limit: Option<u64>) -> usize {
    let Some(limit) = open_files_limit else {
        return asked;
    };
    let room = limit.saturating_sub(RESERVED_FILES).max(1);
    if asked as u64 <= room {
        return asked;
    }
    tracing::warn!(
        asked,
        open_files_limit = limit,
        allowed = room,
        "--max-connections is more than the open-file limit allows; using {room} (raise \
         ulimit -n, or LimitNOFILE= under systemd, for more)"
    );
    room as usize
}

fn open_files_limit() -> Option<u64> {
    rustix::process::getrlimit(rustix::process::Resource::Nofile).current
}

/// A header name as a flag gives it: `CloudFront-Viewer-Country` (HTTP header names are
/// case-insensitive).
fn header_name(text: &str) -> Result<axum::http::HeaderName, String> {
    axum::http::HeaderName::from_bytes(text.trim().as_bytes()).map_err(|_| {
        format!(
            "{text:?} is not an HTTP header name: e.g. CloudFront-Viewer-Country or CF-IPCountry"
        )
    })
}

/// After a stop, how long open connections may take to finish their requests.
const GRACE: Duration = Duration::from_secs(5);

pub async fn run(ctx: &Context, args: CollectArgs) -> anyhow::Result<()> {
    let settings = settings(&args)?;
    let shutdown = Shutdown::on_signals();
    if args.init {
        init::provision(ctx, &InitOptions::default()).await?;
    }
    let backend = ctx.open().await?;
    // Fail before listening when the queue cannot be reached, not on the first view.
    backend
        .queue
        .check_can_send()
        .await
        .with_context(|| format!("cannot reach the queue of {}", backend.location))?;
    let visitors = salt_keeper(&backend).await?;
    let (listener, address) = super::listen(args.listen).await?;
    // Tests and supervisors read this line to learn the port when --listen asked for port 0.
    ctx.say(format!(
        "collecting views on http://{address} into {}; SIGINT/SIGTERM to stop",
        backend.location
    ));
    let summary = serve(listener, settings, &backend, visitors, shutdown).await?;
    let bots = match summary.bot_hits {
        0 => String::new(),
        hits => format!("; {} counted apart", counted(hits, "bot hit")),
    };
    let engagements = match summary.engagements {
        0 => String::new(),
        beacons => format!(" and {}", counted(beacons, "engagement beacon")),
    };
    ctx.say(format!(
        "stopped: {}{engagements} accepted, {} put on the queue in {}{bots}",
        counted(summary.accepted, "view"),
        thousands(summary.flushed.views),
        counted(summary.flushed.requests, "request"),
    ));
    Ok(())
}

pub fn settings(args: &CollectArgs) -> anyhow::Result<Settings> {
    let origins =
        OriginPolicy::from_flags(&args.allow_origin, args.allow_any_origin).map_err(BadInput)?;
    if let Some(name) = args.keep_query.iter().find(|name| name.trim().is_empty()) {
        return bad_input(format!(
            "--keep-query {name:?} is empty: name a query parameter, e.g. utm_source"
        ));
    }
    let downloads = DownloadHosts::from_flags(&args.download_host).map_err(BadInput)?;
    let geoip = match &args.geoip {
        Some(path) => Some(Arc::new(GeoFile::open(path).map_err(BadInput)?)),
        None => None,
    };
    Ok(Settings {
        origins,
        downloads,
        rules: ViewRules {
            keep_query: args.keep_query.clone(),
            trust_client_time: args.trust_client_time,
        },
        audience: AudienceSettings {
            geoip,
            country_header: args.country_header.clone(),
            region_header: args.region_header.clone(),
            ignored_networks: args.ignore_network.clone(),
            bot_limit: Some(args.bot_limit),
        },
        ignore_dnt: args.ignore_dnt,
        rate_limit: args.rate_limit,
        trust_forwarded_for: args.trust_forwarded_for,
        buffer_views: args.buffer as usize,
        flush_interval: Duration::from_secs_f64(args.flush_interval),
        grace: GRACE,
        drain_timeout: Duration::from_secs(args.shutdown_timeout),
        connections: Limits {
            header_timeout: Duration::from_secs_f64(args.header_timeout),
            idle_timeout: Duration::from_secs_f64(args.idle_timeout),
            max_connections: connection_cap(args.max_connections, open_files_limit()),
        },
        body_timeout: Duration::from_secs_f64(args.body_timeout),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_connection_cap_leaves_room_for_the_rest() {
        assert_eq!(connection_cap(1_000, None), 1_000);
        assert_eq!(connection_cap(1_000, Some(1_024)), 960);
        assert_eq!(connection_cap(1_000, Some(128)), 64);
        assert_eq!(connection_cap(10, Some(128)), 10);
        assert_eq!(connection_cap(10, Some(20)), 1);
    }
}
