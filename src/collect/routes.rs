//! The collector's HTTP surface: the beacon, the pixel, the download redirect, the script,
//! health and metrics, and how each refusal is answered.

use axum::extract::{ConnectInfo, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::collect::audience::Audience;
use crate::collect::body::{check_query_size, read_body, BodyRefused};
use crate::collect::buffer::ViewBuffer;
use crate::collect::download::{download_fields, download_request, DownloadHosts};
use crate::collect::metrics::{DropReason, Metrics};
use crate::collect::policy::{
    asks_not_to_be_tracked, client_address, Admitted, OriginPolicy, UnreadableForwardedFor,
};
use crate::collect::rate::RateLimit;
use crate::collect::service;
use crate::collect::view::{to_event, view_token, BadView, IdSource, ViewFields, ViewRules};
use crate::collect::visitors::SaltKeeper;
use crate::model::agent::NotAVisitor;
use crate::model::event::{Field, Kind};

pub use crate::collect::body::MAX_BODY_BYTES;
/// The tracking script `pageviews snippet` points pages at.
pub const SCRIPT: &str = include_str!("pageviews.js");
/// A transparent 1x1 GIF (43 bytes).
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// Everything a request handler needs; shared by all connections.
pub struct Collector {
    pub buffer: ViewBuffer,
    pub metrics: Arc<Metrics>,
    pub origins: OriginPolicy,
    /// Who the visitor is: bots, ignored networks, browsers, countries.
    pub audience: Audience,
    pub rate: Option<RateLimit>,
    pub ids: IdSource,
    pub rules: ViewRules,
    pub ignore_dnt: bool,
    /// Seconds a client is told to wait when the buffer is full.
    pub retry_after_seconds: u64,
    pub visitors: SaltKeeper,
    /// Whether the last X-Forwarded-For entry names the client (behind a reverse proxy).
    pub trust_forwarded_for: bool,
    /// Where `/v1/download` may redirect to (`--download-host`).
    pub downloads: DownloadHosts,
    /// How long a request's body may take to arrive (`--body-timeout`).
    pub body_timeout: std::time::Duration,
}

pub(super) type Shared = State<Arc<Collector>>;

/// The client's address as the request gives it (`client_address`), read once.
type ClientAddress = Result<std::net::IpAddr, UnreadableForwardedFor>;

pub fn router(collector: Arc<Collector>) -> Router {
    Router::new()
        .route(
            BEACON_PATH,
            axum::routing::post(beacon).options(service::preflight),
        )
        // A HEAD (link checkers, prefetchers) is answered but never counted.
        .route("/v1/view.gif", get(pixel).head(|| async { pixel_image() }))
        .route("/v1/download", get(download))
        .route("/pageviews.js", get(service::script))
        .route("/healthz", get(service::health))
        .route("/metrics", get(service::metrics))
        .fallback(service::not_found)
        .with_state(collector)
}

/// Where views are posted.
pub const BEACON_PATH: &str = "/v1/view";

/// Why a request did not become a queued view.
enum Refusal {
    Origin(&'static str),
    TooLarge,
    RateLimited {
        retry_after: u64,
    },
    /// Not a visitor's view to count (DNT, a bot): answered as if accepted, so nothing retries.
    NotCounted(DropReason),
    Bad(BadView),
    Overloaded,
    /// The body did not all come within the body timeout.
    SlowBody,
}

impl Refusal {
    fn reason(&self) -> DropReason {
        match self {
            Refusal::Origin(_) => DropReason::Origin,
            Refusal::TooLarge => DropReason::TooLarge,
            Refusal::RateLimited { .. } => DropReason::RateLimited,
            Refusal::NotCounted(reason) => *reason,
            Refusal::Bad(_) => DropReason::BadRequest,
            Refusal::Overloaded => DropReason::Overloaded,
            Refusal::SlowBody => DropReason::SlowBody,
        }
    }
}

impl From<BodyRefused> for Refusal {
    fn from(refused: BodyRefused) -> Refusal {
        match refused {
            BodyRefused::TooLarge => Refusal::TooLarge,
            BodyRefused::Slow => Refusal::SlowBody,
        }
    }
}

impl From<BadView> for Refusal {
    fn from(bad: BadView) -> Self {
        Refusal::Bad(bad)
    }
}

/// The answer to a view: what a beacon gets (204) or what a pixel gets (the GIF).
#[derive(Clone, Copy)]
enum Answer {
    Beacon,
    Pixel,
}

impl Collector {
    /// The checks made before the request's content is looked at, cheapest first: the origin
    /// (`admitted`, read once per request), then the visitor's. Gives the site of the view
    /// and the client's address.
    fn screen(
        &self,
        peer: SocketAddr,
        headers: &HeaderMap,
        admitted: Result<Admitted, &'static str>,
    ) -> Result<(Arc<str>, ClientAddress), Refusal> {
        let admitted = admitted.map_err(Refusal::Origin)?;
        let client = self.screen_visitor(peer, headers)?;
        Ok((admitted.site, client))
    }

    /// Whether the request may count: not from an ignored network, within the rate limit,
    /// not asking not to be tracked. (Whether it is a visitor's or a bot's, `accept` sees.)
    /// Gives the client's address, read once for every step of the request.
    fn screen_visitor(
        &self,
        peer: SocketAddr,
        headers: &HeaderMap,
    ) -> Result<ClientAddress, Refusal> {
        let client = client_address(peer.ip(), headers, self.trust_forwarded_for);
        let address = client.as_ref().ok().copied();
        if address.is_some_and(|address| self.audience.is_ignored(address)) {
            return Err(Refusal::NotCounted(DropReason::IgnoredNetwork));
        }
        if let Some(rate) = &self.rate {
            rate.check(address)
                .map_err(|retry_after| Refusal::RateLimited { retry_after })?;
        }
        if !self.ignore_dnt && asks_not_to_be_tracked(headers) {
            return Err(Refusal::NotCounted(DropReason::DoNotTrack));
        }
        Ok(client)
    }

    /// The client's address: the peer's, or with --trust-forwarded-for the last entry of
    /// X-Forwarded-For. An entry that is no address gives none: the view then counts without
    /// a visitor key and a country, and is logged (once a minute at most) and counted.
    fn client(&self, client: ClientAddress) -> Option<std::net::IpAddr> {
        match client {
            Ok(address) => Some(address),
            Err(unreadable) => {
                if let Some(views) = self.metrics.forwarded_for_unreadable() {
                    tracing::warn!(
                        shape = %unreadable.shape,
                        views,
                        "the last X-Forwarded-For entry is not an address (its letters and \
                         digits shown as x): such views count without a visitor key; check \
                         what the proxy in front of the collector writes"
                    );
                }
                None
            }
        }
    }

    /// The visitor key of a view (of any host of the site: one key space). When the salt
    /// cannot be had (its store unreachable), the view still counts, as a view without a
    /// visitor, and the failure is logged and counted.
    async fn visitor_key(&self, address: std::net::IpAddr, agent: Option<&str>) -> Option<String> {
        match self.visitors.key(address, agent.unwrap_or_default()).await {
            Ok(key) => Some(key),
            Err(err) => {
                self.metrics.visitor_key_failed();
                tracing::warn!(%err, "no visitor key for a view: the day's salt is unavailable");
                None
            }
        }
    }

    /// Makes the event of a view of `site` and buffers it; a bot's request becomes a bot's
    /// hit instead (`bot_hit`, collect::audience), never a view (and a bot's engagement beacon
    /// nothing). A referrer that is the site itself is a move within the site, not an arrival
    /// from elsewhere, and is dropped. An engagement beacon carries no audience fields: its
    /// view has them.
    async fn accept(
        &self,
        fields: ViewFields<'_>,
        client: ClientAddress,
        headers: &HeaderMap,
        site: &str,
    ) -> Result<(), Refusal> {
        let agent_text = headers
            .get(header::USER_AGENT)
            .and_then(|value| value.to_str().ok());
        let agent = self.audience.agent(agent_text);
        let engagement = fields.kind.as_deref() == Some(Kind::Engagement.as_str());
        if let Some(not) = agent.not_a_visitor() {
            if !engagement {
                self.bot_hit(&fields, &agent).await;
            }
            return Err(Refusal::NotCounted(match not {
                NotAVisitor::Bot => DropReason::Bot,
                NotAVisitor::NoUserAgent => DropReason::NoUserAgent,
            }));
        }
        let token = view_token(&fields, &self.rules)?;
        let mut event = to_event(fields, &self.rules, &self.ids, self.visitors.clock().now())?;
        if let Some(token) = token {
            // Without the day's salt the event keeps its fresh id: it still counts, and the
            // failure is logged and counted with the visitor key's.
            if let Ok(digest) = self.visitors.view_digest(&token.token).await {
                event.id = token.event_id(digest);
            }
        }
        if event
            .field(Field::Referrer)
            .is_some_and(|host| self.origins.is_own_referrer(host, site))
        {
            event.fields.set(Field::Referrer, None);
        }
        let address = self.client(client);
        event.visitor = match address {
            Some(address) => self.visitor_key(address, agent_text).await,
            None => None,
        };
        if !engagement {
            self.audience
                .set_view_fields(&mut event.fields, &agent, address, headers);
        }
        self.metrics.buffering();
        if self.buffer.offer(event).await.is_err() {
            self.metrics.not_buffered();
            return Err(Refusal::Overloaded);
        }
        match engagement {
            true => self.metrics.engagement_accepted(),
            false => self.metrics.accepted(),
        }
        Ok(())
    }

    fn answer(
        &self,
        result: Result<(), Refusal>,
        answer: Answer,
        cors: Option<HeaderValue>,
    ) -> Response {
        let mut response = match result {
            Ok(()) => counted(answer),
            Err(refusal) => {
                self.metrics.dropped(refusal.reason());
                self.refused(refusal, answer)
            }
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(origin) = cors {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            // A script posting with fetch may read when to retry.
            headers.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("Retry-After"),
            );
            headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        }
        response
    }

    /// A refusal's status, reason and Retry-After. The pixel gets its GIF whatever the status,
    /// so a refused `<img>` does not show as a broken image.
    fn refused(&self, refusal: Refusal, answer: Answer) -> Response {
        let (status, reason, retry_after) = match refusal {
            Refusal::Origin(why) => (StatusCode::FORBIDDEN, why.to_owned(), None),
            Refusal::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("request over {MAX_BODY_BYTES} bytes"),
                None,
            ),
            Refusal::RateLimited { retry_after } => (
                StatusCode::TOO_MANY_REQUESTS,
                "too many views from this client; slow down".to_owned(),
                Some(retry_after),
            ),
            Refusal::NotCounted(_) => return counted(answer),
            Refusal::Bad(bad) => (StatusCode::BAD_REQUEST, bad.reason, None),
            Refusal::Overloaded => (
                StatusCode::SERVICE_UNAVAILABLE,
                "the queue is not keeping up; retry later".to_owned(),
                Some(self.retry_after_seconds),
            ),
            Refusal::SlowBody => (
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request's body did not come within {} s",
                    self.body_timeout.as_secs_f64()
                ),
                None,
            ),
        };
        let mut response = match answer {
            Answer::Beacon => (status, reason).into_response(),
            Answer::Pixel => (status, pixel_image()).into_response(),
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if matches!(
            status,
            StatusCode::PAYLOAD_TOO_LARGE | StatusCode::REQUEST_TIMEOUT
        ) {
            // The rest of the body is not read, so the connection cannot carry another request;
            // saying so keeps a client from sending its next view on a connection being closed.
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        response
    }
}

fn counted(answer: Answer) -> Response {
    match answer {
        Answer::Beacon => StatusCode::NO_CONTENT.into_response(),
        Answer::Pixel => pixel_image(),
    }
}

/// The GIF, embeddable by pages that require CORP on cross-origin resources.
fn pixel_image() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/gif"),
            (CROSS_ORIGIN_RESOURCE_POLICY, "cross-origin"),
        ],
        PIXEL,
    )
        .into_response()
}

pub(super) const CROSS_ORIGIN_RESOURCE_POLICY: header::HeaderName =
    header::HeaderName::from_static("cross-origin-resource-policy");

/// `POST /v1/view`: a JSON body `{"page": ...}`, or (the article's beacon) an empty body with
/// `page` and `time` in the query string.
/// The request is taken whole, not through the `HeaderMap` and `RawQuery` extractors, which
/// copy the headers and the query: a copy of every header of every view, then freed.
async fn beacon(
    State(collector): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    answer_beacon(collector, peer, request).await
}

/// A view's `POST /v1/view`, the route's handler; also answered before the router
/// (`connections::Routes::first`), since nearly every request is one.
pub async fn answer_beacon(
    collector: Arc<Collector>,
    peer: SocketAddr,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let (headers, query) = (&parts.headers, parts.uri.query());
    let admitted = collector.origins.admit(headers);
    let cors = admitted
        .as_ref()
        .ok()
        .map(|admitted| admitted.allow_origin.clone());
    let result = async {
        // The body is read before any refusal: a request answered with its body unread leaves
        // the connection unusable, and hyper closes it under the client's next request.
        let body = read_body(headers, body, collector.body_timeout).await?;
        let (site, client) = collector.screen(peer, headers, admitted)?;
        let fields = if body.iter().all(u8::is_ascii_whitespace) {
            check_query_size(query)?;
            ViewFields::from_query(query)?
        } else {
            ViewFields::from_json(&body)?
        };
        collector.accept(fields, client, headers, &site).await
    }
    .await;
    collector.answer(result, Answer::Beacon, cors)
}

/// `GET /v1/view.gif?page=...`: for pages without JavaScript.
/// Taken whole, as the beacon's request is.
async fn pixel(
    State(collector): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (headers, query) = (request.headers(), request.uri().query());
    let result = async {
        let (site, client) = collector.screen(peer, headers, collector.origins.admit(headers))?;
        check_query_size(query)?;
        let fields = ViewFields::from_query(query)?;
        collector.accept(fields, client, headers, &site).await
    }
    .await;
    collector.answer(result, Answer::Pixel, None)
}

/// `GET /v1/download?url=URL`: counts a download of URL's path and redirects to it, so that
/// links in emails and on other sites count without JavaScript. The target decides between
/// 400 and the redirect; whether the download counts (bots, DNT/GPC, the rate limit, a bad
/// campaign value, a full buffer) never keeps a visitor from their file. No Origin is
/// needed: a link in an email has none. A HEAD is answered but never counted.
async fn download(
    State(collector): Shared,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let checked = check_query_size(query.as_deref())
        .map_err(Refusal::from)
        .and_then(|()| {
            let (raw, link) = download_request(query.as_deref())?;
            let target = collector
                .downloads
                .target(&raw)
                .map_err(|why| BadView::new("bad-download", why))?;
            Ok((target, link))
        });
    let (target, link) = match checked {
        Ok(checked) => checked,
        Err(refusal) => {
            collector.metrics.dropped(refusal.reason());
            return no_store(collector.refused(refusal, Answer::Beacon));
        }
    };
    if method != Method::HEAD {
        let counted = async {
            let client = collector.screen_visitor(peer, &headers)?;
            let referrer = headers
                .get(header::REFERER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let fields = download_fields(&target, link, referrer);
            collector
                .accept(fields, client, &headers, &target.host)
                .await
        }
        .await;
        if let Err(refusal) = counted {
            collector.metrics.dropped(refusal.reason());
        }
    }
    let location = HeaderValue::from_str(target.target.as_str())
        .expect("a serialised URL is a valid header value");
    no_store((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

/// Every click is a download to count: no cache may answer for the collector.
fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
#[path = "routes_tests.rs"]
mod tests;
