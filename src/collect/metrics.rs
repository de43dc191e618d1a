//! The collector's Prometheus metrics: views accepted and dropped (by reason), bots' hits kept
//! (by category) and not kept, queue sends and their latency, and how many accepted events are
//! not yet on the queue.

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Least time between two log lines about unreadable X-Forwarded-For entries: a misconfigured
/// proxy sends one with every request, and one line a minute says it as well as a thousand.
const UNREADABLE_FORWARDED_LOG_EVERY: Duration = Duration::from_secs(60);

use crate::model::agent::BotCategory;
use crate::model::event::fields::BOT_CATEGORIES;

/// Why a request did not become a queued view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DropReason {
    Origin,
    TooLarge,
    RateLimited,
    DoNotTrack,
    Bot,
    NoUserAgent,
    /// From a network the site owner ignores (`--ignore-network`).
    IgnoredNetwork,
    BadRequest,
    Overloaded,
    SlowBody,
}

impl DropReason {
    pub const ALL: [DropReason; 10] = [
        DropReason::Origin,
        DropReason::TooLarge,
        DropReason::RateLimited,
        DropReason::DoNotTrack,
        DropReason::Bot,
        DropReason::NoUserAgent,
        DropReason::IgnoredNetwork,
        DropReason::BadRequest,
        DropReason::Overloaded,
        DropReason::SlowBody,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DropReason::Origin => "origin",
            DropReason::TooLarge => "too-large",
            DropReason::RateLimited => "rate-limited",
            DropReason::DoNotTrack => "dnt",
            DropReason::Bot => "bot",
            DropReason::NoUserAgent => "no-user-agent",
            DropReason::IgnoredNetwork => "ignored-network",
            DropReason::BadRequest => "bad-request",
            DropReason::Overloaded => "overloaded",
            DropReason::SlowBody => "slow-body",
        }
    }
}

impl EncodeLabelValue for DropReason {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReasonLabel {
    reason: DropReason,
}

/// How a connection ended: by itself (the client closed it, or asked to), or closed by the
/// collector because it was slow or its place was needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Closed {
    Ended,
    IdleTimeout,
    HeaderTimeout,
    Evicted,
}

impl Closed {
    pub const BY_THE_COLLECTOR: [Closed; 3] =
        [Closed::IdleTimeout, Closed::HeaderTimeout, Closed::Evicted];

    pub fn code(self) -> &'static str {
        match self {
            Closed::Ended => "ended",
            Closed::IdleTimeout => "idle-timeout",
            Closed::HeaderTimeout => "header-timeout",
            Closed::Evicted => "evicted",
        }
    }
}

impl EncodeLabelValue for Closed {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.code())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ClosedLabel {
    reason: Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct CategoryLabel {
    category: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SendResult {
    Ok,
    Error,
}

impl EncodeLabelValue for SendResult {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(match self {
            SendResult::Ok => "ok",
            SendResult::Error => "error",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ResultLabel {
    result: SendResult,
}

pub struct Metrics {
    registry: Registry,
    accepted: Counter,
    engagements: Counter,
    dropped: Family<ReasonLabel, Counter>,
    sends: Family<ResultLabel, Counter>,
    send_seconds: Histogram,
    queued: Counter,
    buffered: Gauge,
    keyless: Counter,
    unreadable_forwarded: Counter,
    connections: Gauge,
    closed: Family<ClosedLabel, Counter>,
    /// When an unreadable X-Forwarded-For was last logged, and how many came since.
    unreadable_forwarded_log: Mutex<(Option<Instant>, u64)>,
    bot_hits: Family<CategoryLabel, Counter>,
    bot_hits_not_kept: Counter,
}

impl Metrics {
    pub fn new(buffer_capacity: usize) -> Self {
        let mut registry = Registry::with_prefix("pageviews_collect");
        let accepted = Counter::default();
        let engagements = Counter::default();
        let dropped = Family::<ReasonLabel, Counter>::default();
        let sends = Family::<ResultLabel, Counter>::default();
        // 1 ms to about 16 s: a local queue answers in milliseconds, SQS in tens of them.
        let send_seconds = Histogram::new(exponential_buckets(0.001, 2.0, 15));
        let queued = Counter::default();
        let buffered = Gauge::default();
        let keyless = Counter::default();
        let unreadable_forwarded = Counter::default();
        let connections = Gauge::default();
        let closed = Family::<ClosedLabel, Counter>::default();
        let bot_hits = Family::<CategoryLabel, Counter>::default();
        let bot_hits_not_kept = Counter::default();
        let capacity = Gauge::<i64>::default();
        capacity.set(buffer_capacity as i64);
        registry.register(
            "views_accepted",
            "Views accepted (answered 204 or with the pixel)",
            accepted.clone(),
        );
        registry.register(
            "engagements_accepted",
            "Engagement beacons accepted (a view's engaged time and scroll, sent as it is left)",
            engagements.clone(),
        );
        registry.register(
            "views_dropped",
            "Requests not counted as views, by reason",
            dropped.clone(),
        );
        registry.register(
            "views_queued",
            "Accepted views and kept bot hits confirmed on the queue",
            queued.clone(),
        );
        registry.register(
            "bot_hits",
            "Bots' requests kept as hits of their category (never views), by category",
            bot_hits.clone(),
        );
        registry.register(
            "bot_hits_not_kept",
            "Bots' requests over --bot-limit (or met by a full buffer), counted here only",
            bot_hits_not_kept.clone(),
        );
        registry.register(
            "queue_sends",
            "Queue send requests, by result",
            sends.clone(),
        );
        registry.register(
            "queue_send_seconds",
            "Latency of queue send requests",
            send_seconds.clone(),
        );
        registry.register(
            "buffer_views",
            "Accepted views not yet confirmed on the queue",
            buffered.clone(),
        );
        registry.register(
            "views_without_visitor_key",
            "Accepted views that got no visitor key: the day's salt was unavailable",
            keyless.clone(),
        );
        registry.register(
            "forwarded_for_unreadable",
            "Views whose last X-Forwarded-For entry was not an address (--trust-forwarded-for): \
             counted without a visitor key",
            unreadable_forwarded.clone(),
        );
        registry.register("connections", "Open HTTP connections", connections.clone());
        registry.register(
            "connections_closed",
            "Connections the collector closed: slow (idle or header timeout), or evicted at \
             --max-connections",
            closed.clone(),
        );
        registry.register(
            "buffer_capacity_views",
            "Views the buffer holds before answering 503",
            capacity,
        );
        // Every reason appears from the start, so a dashboard's rate() has a series to read.
        for reason in DropReason::ALL {
            let _ = dropped.get_or_create(&ReasonLabel { reason });
        }
        for reason in Closed::BY_THE_COLLECTOR {
            let _ = closed.get_or_create(&ClosedLabel { reason });
        }
        for result in [SendResult::Ok, SendResult::Error] {
            let _ = sends.get_or_create(&ResultLabel { result });
        }
        for category in BOT_CATEGORIES {
            let _ = bot_hits.get_or_create(&CategoryLabel { category });
        }
        Metrics {
            registry,
            accepted,
            engagements,
            dropped,
            sends,
            send_seconds,
            queued,
            buffered,
            keyless,
            unreadable_forwarded,
            connections,
            closed,
            unreadable_forwarded_log: Mutex::new((None, 0)),
            bot_hits,
            bot_hits_not_kept,
        }
    }

    pub fn connection_opened(&self) {
        self.connections.inc();
    }

    pub fn connection_closed(&self, why: Closed) {
        self.connections.dec();
        if why != Closed::Ended {
            self.closed
                .get_or_create(&ClosedLabel { reason: why })
                .inc();
        }
    }

    /// Counts a view whose X-Forwarded-For could not be read. Returns, at most once a minute,
    /// how many there were since the last time it returned: when to log, and what to say.
    pub fn forwarded_for_unreadable(&self) -> Option<u64> {
        self.unreadable_forwarded.inc();
        let mut log = self
            .unreadable_forwarded_log
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let (last, unlogged) = &mut *log;
        *unlogged += 1;
        if last.is_some_and(|at| at.elapsed() < UNREADABLE_FORWARDED_LOG_EVERY) {
            return None;
        }
        *last = Some(Instant::now());
        Some(std::mem::take(unlogged))
    }

    /// A bot's hit entered the buffer.
    pub fn bot_hit_kept(&self, category: BotCategory) {
        let category = category.as_str();
        self.bot_hits
            .get_or_create(&CategoryLabel { category })
            .inc();
    }

    /// A bot's hit was not kept (over `--bot-limit`, or the buffer was full).
    pub fn bot_hit_not_kept(&self) {
        self.bot_hits_not_kept.inc();
    }

    /// Accepted views, engagement beacons and kept bot hits: what the flusher has to put on
    /// the queue.
    pub fn events_accepted_total(&self) -> u64 {
        let bots: u64 = BOT_CATEGORIES
            .iter()
            .map(|&category| {
                self.bot_hits
                    .get_or_create(&CategoryLabel { category })
                    .get()
            })
            .sum();
        self.accepted.get() + self.engagements.get() + bots
    }

    /// A view was accepted without a visitor key.
    pub fn visitor_key_failed(&self) {
        self.keyless.inc();
    }

    /// A view is about to enter the buffer: counted before the flusher can see it, so the
    /// gauge never dips below zero.
    pub fn buffering(&self) {
        self.buffered.inc();
    }

    /// The buffer refused the view that `buffering` announced.
    pub fn not_buffered(&self) {
        self.buffered.dec();
    }

    pub fn accepted(&self) {
        self.accepted.inc();
    }

    /// An engagement beacon entered the buffer (counted apart from views).
    pub fn engagement_accepted(&self) {
        self.engagements.inc();
    }

    pub fn dropped(&self, reason: DropReason) {
        self.dropped.get_or_create(&ReasonLabel { reason }).inc();
    }

    pub fn sent(&self, result: SendResult, seconds: f64, views: u64) {
        self.sends.get_or_create(&ResultLabel { result }).inc();
        self.send_seconds.observe(seconds);
        if result == SendResult::Ok {
            self.queued.inc_by(views);
            self.buffered.dec_by(views as i64);
        }
    }

    pub fn accepted_total(&self) -> u64 {
        self.accepted.get()
    }

    pub fn engagements_total(&self) -> u64 {
        self.engagements.get()
    }

    pub fn queued_total(&self) -> u64 {
        self.queued.get()
    }

    /// The text exposition format Prometheus scrapes.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_by_reason_and_buffer_depth() {
        let metrics = Metrics::new(100);
        for _ in 0..2 {
            metrics.buffering();
            metrics.accepted();
        }
        metrics.dropped(DropReason::Bot);
        metrics.connection_opened();
        metrics.connection_opened();
        metrics.connection_closed(Closed::Ended);
        metrics.connection_closed(Closed::HeaderTimeout);
        metrics.connection_opened();
        metrics.sent(SendResult::Ok, 0.002, 1);
        // Logged once a minute at most, saying how many since.
        assert_eq!(metrics.forwarded_for_unreadable(), Some(1));
        assert_eq!(metrics.forwarded_for_unreadable(), None);
        assert_eq!(metrics.forwarded_for_unreadable(), None);
        metrics.bot_hit_kept(BotCategory::AiCrawler);
        metrics.bot_hit_not_kept();
        metrics.engagement_accepted();
        assert_eq!(metrics.events_accepted_total(), 4);
        let text = metrics.render();
        for line in [
            "pageviews_collect_views_accepted_total 2",
            "pageviews_collect_engagements_accepted_total 1",
            "pageviews_collect_views_dropped_total{reason=\"bot\"} 1",
            "pageviews_collect_views_dropped_total{reason=\"origin\"} 0",
            "pageviews_collect_views_queued_total 1",
            "pageviews_collect_queue_sends_total{result=\"ok\"} 1",
            "pageviews_collect_buffer_views 1",
            "pageviews_collect_buffer_capacity_views 100",
            "pageviews_collect_forwarded_for_unreadable_total 3",
            "pageviews_collect_connections 1",
            "pageviews_collect_connections_closed_total{reason=\"header-timeout\"} 1",
            "pageviews_collect_connections_closed_total{reason=\"evicted\"} 0",
            "pageviews_collect_bot_hits_total{category=\"ai-crawler\"} 1",
            "pageviews_collect_bot_hits_total{category=\"seo\"} 0",
            "pageviews_collect_bot_hits_not_kept_total 1",
            "pageviews_collect_views_dropped_total{reason=\"ignored-network\"} 0",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from:\n{text}"
            );
        }
    }
}
