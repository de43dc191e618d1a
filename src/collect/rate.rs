//! The optional per-client rate limit (`--rate-limit 10/s`), held only in memory and keyed by
//! the client's address (or X-Forwarded-For behind a trusted reverse proxy).

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often clients whose allowance has refilled are forgotten.
const FORGET_EVERY: Duration = Duration::from_secs(10);
/// Most clients remembered at once (about 100 bytes each). A flood from more distinct clients
/// than this, faster than they are forgotten, is refused as a whole rather than remembered.
pub const MAX_TRACKED_CLIENTS: usize = 200_000;

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
    retry_after: Duration,
    last_early_forget: Mutex<Instant>,
}

impl RateLimit {
    /// Must be called inside the runtime: it starts the task that forgets idle clients.
    pub fn new(quota: Quota) -> Self {
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
            retry_after: quota.replenish_interval(),
            last_early_forget: Mutex::new(Instant::now()),
        }
    }

    /// `Err` with the seconds to put in Retry-After when the client is over its rate. `client`
    /// is the client's address (`policy::client_address`), none when a forwarded one could not
    /// be read.
    pub fn check(&self, client: Option<IpAddr>) -> Result<(), u64> {
        let retry_after = self.retry_after.as_secs_f64().ceil().max(1.0) as u64;
        if self.limiter.len() >= MAX_TRACKED_CLIENTS {
            self.forget_early();
            if self.limiter.len() >= MAX_TRACKED_CLIENTS {
                return Err(retry_after);
            }
        }
        // A forwarded address that cannot be read is the proxy's fault, not a client's: it is
        // not limited, rather than limiting everyone behind the proxy as one client.
        let Some(client) = client else {
            return Ok(());
        };
        self.limiter
            .check_key(&network_of(client))
            .map_err(|_| retry_after)
    }

    /// Forgets refilled clients before the next scheduled pass, at most once a second and by
    /// one request at a time: a pass walks every remembered client.
    fn forget_early(&self) {
        let Ok(mut last) = self.last_early_forget.try_lock() else {
            return;
        };
        if last.elapsed() >= Duration::from_secs(1) {
            self.limiter.retain_recent();
            *last = Instant::now();
        }
    }

    /// Clients currently remembered.
    #[cfg(test)]
    pub fn tracked_clients(&self) -> usize {
        self.limiter.len()
    }
}

/// The unit a client is limited by: its IPv4 address, or its IPv6 /64 (one subscriber's
/// network: a client that rotates addresses within it stays one client).
fn network_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let limit = RateLimit::new(parse_rate("2/min").unwrap());
        let (one, two): (IpAddr, IpAddr) =
            ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        assert_eq!(limit.check(Some(one)), Ok(()));
        assert_eq!(limit.check(Some(one)), Ok(()));
        assert_eq!(limit.check(Some(one)), Err(30));
        assert_eq!(limit.check(Some(two)), Ok(()));
        assert_eq!(limit.tracked_clients(), 2);
        // Addresses of one IPv6 /64 share one allowance.
        let (a, b): (IpAddr, IpAddr) = (
            "2001:db8:1:2::1".parse().unwrap(),
            "2001:db8:1:2:ffff::9".parse().unwrap(),
        );
        assert_eq!(limit.check(Some(a)), Ok(()));
        assert_eq!(limit.check(Some(b)), Ok(()));
        assert_eq!(limit.check(Some(a)), Err(30));
        assert_eq!(limit.tracked_clients(), 3);
    }
}
