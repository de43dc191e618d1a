//! Visitor keys in the collector: the day's salt held in memory, renewed at the deployment's
//! midnight (the salt of the day before yesterday and older deleted then), and the key of each
//! view computed from it. The address and user agent go into the hash and nowhere else.

use chrono::{DateTime, Duration, Utc};
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use tokio::sync::Mutex;

use crate::backend::{BackendResult, SaltStore};
use crate::model::day::Day;
use crate::model::visitor::Salt;
use crate::model::zone::Zone;

/// How long after its day ends a salt may exist at most (deleted explicitly well before; a
/// store that expires items by itself drops it then at the latest).
pub const SALT_LIFETIME_AFTER_DAY: Duration = Duration::hours(48);

/// Environment variable that shifts the collector's clock by whole seconds, for tests that
/// cross midnight without waiting for it. Only debug builds read it.
pub const CLOCK_OFFSET_VARIABLE: &str = "PAGEVIEWS_TEST_CLOCK_OFFSET_SECONDS";

/// The collector's clock: the system's, or, in debug builds under test, shifted.
#[derive(Debug, Clone, Copy, Default)]
pub struct Clock {
    offset: Duration,
}

impl Clock {
    pub fn from_environment() -> Clock {
        let seconds = cfg!(debug_assertions)
            .then(|| {
                std::env::var(CLOCK_OFFSET_VARIABLE)
                    .ok()?
                    .parse::<i64>()
                    .ok()
            })
            .flatten()
            .unwrap_or(0);
        Clock {
            offset: Duration::seconds(seconds),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }
}

/// The salt of the day being collected, and where salts are kept.
pub struct SaltKeeper {
    store: Arc<dyn SaltStore>,
    zone: Zone,
    clock: Clock,
    current: RwLock<Option<(Day, Salt)>>,
    /// One renewal at a time: the first request of a new day fetches its salt, the others wait
    /// for it.
    renewing: Mutex<()>,
}

impl SaltKeeper {
    pub fn new(store: Arc<dyn SaltStore>, zone: Zone, clock: Clock) -> Self {
        SaltKeeper {
            store,
            zone,
            clock,
            current: RwLock::new(None),
            renewing: Mutex::new(()),
        }
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// The visitor key of a client, with the salt of the day it is now. Every host of the
    /// deployment's site shares it (`model::visitor`).
    pub async fn key(&self, address: IpAddr, user_agent: &str) -> BackendResult<String> {
        Ok(self.today().await?.visitor_key(address, user_agent))
    }

    /// The keyed digest of a page view's token with the day's salt, which its view's and its
    /// engagement beacons' ids are made of: the same for every collector of the deployment,
    /// unlinkable to the token once the salt is deleted, and another one the next day.
    pub async fn view_digest(&self, token: &str) -> BackendResult<u64> {
        let mut data = b"page view token\0".to_vec();
        data.extend_from_slice(token.as_bytes());
        Ok(self.today().await?.keyed_digest(&data))
    }

    async fn today(&self) -> BackendResult<Salt> {
        let today = self.zone.day_of(self.clock.now());
        match self.held(today) {
            Some(salt) => Ok(salt),
            None => self.renew(today).await,
        }
    }

    fn held(&self, day: Day) -> Option<Salt> {
        let current = self.current.read().unwrap_or_else(|p| p.into_inner());
        current
            .as_ref()
            .filter(|(held, _)| *held == day)
            .map(|(_, salt)| salt.clone())
    }

    /// Fetches (or creates) the day's salt and deletes the salts no day being collected can
    /// need any more: the day before yesterday's and older, whose days ended a day ago or more.
    /// Yesterday's stays, for a collector whose clock is a little behind.
    pub async fn renew(&self, day: Day) -> BackendResult<Salt> {
        let _one_at_a_time = self.renewing.lock().await;
        if let Some(salt) = self.held(day) {
            return Ok(salt);
        }
        let expires = self.zone.start_of(day.next()) + SALT_LIFETIME_AFTER_DAY;
        let salt = self.store.salt_for(day, expires).await?;
        let deleted = self.store.delete_salts_before(day.prev()).await?;
        tracing::info!(%day, deleted, "the day's visitor salt is in use; older salts deleted");
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Some((day, salt.clone()));
        Ok(salt)
    }

    /// Today's salt, fetched at start so that a store the collector cannot use is found before
    /// the first view.
    pub async fn start(&self) -> BackendResult<()> {
        let today = self.zone.day_of(self.clock.now());
        self.renew(today).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::local::test_backend as local_backend;

    #[tokio::test]
    async fn keys_change_with_the_day_and_old_salts_go() {
        let dir = tempfile::tempdir().unwrap();
        let backend = local_backend(dir.path());
        let keeper = SaltKeeper::new(backend.salts.clone(), Zone::UTC, Clock::default());
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let today = Zone::UTC.today();
        let key = keeper.key(address, "agent").await.unwrap();
        assert_eq!(key, keeper.key(address, "agent").await.unwrap());
        // Another collector of the deployment gets the same salt, and so the same key.
        let other = SaltKeeper::new(backend.salts.clone(), Zone::UTC, Clock::default());
        assert_eq!(key, other.key(address, "agent").await.unwrap());
        // Salts of three days: renewing for the last deletes all but it and the day before.
        for day in [today.prev().prev(), today.prev()] {
            keeper.renew(day).await.unwrap();
        }
        keeper.renew(today.next()).await.unwrap();
        let days = backend.salts.salt_days().await.unwrap();
        assert_eq!(days, [today, today.next()]);
    }
}
