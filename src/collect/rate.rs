//! The optional per-client rate limit (`--rate-limit 10/s`), held only in memory and keyed by
//! the client's address (or X-Forwarded-For behind a trusted reverse proxy).

use axum::http::HeaderMap;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// How often addresses whose allowance has refilled are forgotten: the limiter then holds only
/// the clients seen in about the last refill period, however many came before.
const FORGET_EVERY: Duration = Duration::from_secs(10);

/// A rate as `N/s`, `N/min` or `N/h` (N from 1).
pub fn parse_rate(text: &str) -> Result<Quota, String> {
    let bad = || format!("rate {text:?} is not N/s, N/min or N/h with N from 1, e.g. 10/s");
    let (count, unit) = text.trim().split_once('/').ok_or_else(bad)?;
    let count: NonZeroU32 = count.trim().parse().map_err(|_| bad())?;
    match unit.trim() {
        "s" | "sec" | "second" => Ok(Quota::per_second(count)),
        "m" | "min" | "minute" => Ok(Quota::per_minute(count)),
        "h" | "hour" => Ok(Quota::per_hour(count)),
        _ => Err(bad()),
    }
}

pub struct RateLimit {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    trust_forwarded_for: bool,
    retry_after: Duration,
}

impl RateLimit {
    /// Must be called inside the runtime: it starts the task that forgets idle clients.
    pub fn new(quota: Quota, trust_forwarded_for: bool) -> Self {
        let limiter = Arc::new(RateLimiter::keyed(quota));
        let forgetting = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(FORGET_EVERY);
            loop {
                every.tick().await;
                let Some(limiter) = forgetting.upgrade() else {
                    return;
                };
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        });
        RateLimit {
            limiter,
            trust_forwarded_for,
            retry_after: quota.replenish_interval(),
        }
    }

    /// `Err` with the seconds to put in Retry-After when the client is over its rate.
    pub fn check(&self, peer: IpAddr, headers: &HeaderMap) -> Result<(), u64> {
        let client = self.client(peer, headers);
        self.limiter
            .check_key(&client)
            .map_err(|_| self.retry_after.as_secs_f64().ceil().max(1.0) as u64)
    }

    /// Behind a reverse proxy the peer is the proxy; the proxy appends the address it saw as
    /// the last X-Forwarded-For entry. Entries before it are whatever the client wrote, so
    /// they are never used.
    fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trust_forwarded_for {
            return peer;
        }
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .last()
            .and_then(|last| last.trim().parse().ok())
            .unwrap_or(peer)
    }

    /// Clients currently remembered (for tests of the memory bound).
    pub fn tracked_clients(&self) -> usize {
        self.limiter.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn rates_parse() {
        assert!(parse_rate("10/s").is_ok());
        assert!(parse_rate("600/min").is_ok());
        assert!(parse_rate(" 5 / h ").is_ok());
        for bad in ["10", "0/s", "-1/s", "ten/s", "10/day", "/s"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn limits_each_client_separately() {
        let limit = RateLimit::new(parse_rate("2/min").unwrap(), false);
        let (one, two): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let none = HeaderMap::new();
        assert_eq!(limit.check(one, &none), Ok(()));
        assert_eq!(limit.check(one, &none), Ok(()));
        assert_eq!(limit.check(one, &none), Err(30));
        assert_eq!(limit.check(two, &none), Ok(()));
        assert_eq!(limit.tracked_clients(), 2);
    }

    #[tokio::test]
    async fn forwarded_for_is_used_only_when_trusted() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let mut headers = HeaderMap::new();
        // The client wrote the first entry itself; the proxy appended the second.
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9"),
        );
        let trusting = RateLimit::new(parse_rate("1/min").unwrap(), true);
        assert_eq!(
            trusting.client(proxy, &headers),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
        let direct = RateLimit::new(parse_rate("1/min").unwrap(), false);
        assert_eq!(direct.client(proxy, &headers), proxy);
    }
}
