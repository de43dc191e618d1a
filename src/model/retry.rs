//! The one retry policy's terms: how many attempts, capped exponential backoff with full
//! jitter between them, and how long a change may take to spread through AWS (pure).
//! `backend::retry` runs calls under it.

use rand::Rng;
use std::time::Duration;

/// How hard to try before a transient failure is reported.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
    /// How long, from the first attempt, a refusal that passes once a change has spread
    /// through AWS is tried again (a role made a moment ago that Lambda or the scheduler
    /// cannot assume yet): IAM takes seconds, now and then tens of seconds, longer than
    /// `attempts` last. The same backoff, past the attempts, until this has passed.
    pub settle: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 8,
            base: Duration::from_millis(50),
            cap: Duration::from_secs(5),
            settle: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// The longest sleep before attempt `attempt` (1-based, after the first failure).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32
            .checked_shl(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The longest all the sleeps between the attempts can take together.
    #[cfg(test)]
    pub fn longest_wait(&self) -> Duration {
        (1..self.attempts)
            .map(|attempt| self.ceiling(attempt))
            .sum()
    }

    /// A random sleep in `[0, ceiling]` ("full jitter"), so that many clients that failed
    /// together do not retry together.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt).as_millis() as u64;
        Duration::from_millis(rand::thread_rng().gen_range(0..=ceiling))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.ceiling(1), Duration::from_millis(50));
        assert_eq!(policy.ceiling(2), Duration::from_millis(100));
        assert_eq!(policy.ceiling(5), Duration::from_millis(800));
        assert_eq!(policy.ceiling(30), Duration::from_secs(5));
        assert_eq!(policy.ceiling(200), Duration::from_secs(5));
        assert!(policy.delay(3) <= Duration::from_millis(200));
        // 50 + 100 + 200 + 400 + 800 + 1,600 + 3,200 ms between 8 attempts.
        assert_eq!(policy.longest_wait(), Duration::from_millis(6_350));
    }
}
