//! Retries of transient backend failures with capped exponential backoff and full jitter: the
//! one retry policy. Each failure is retried by one layer only, the innermost that sees it (on
//! AWS, each request; locally, each call of the pipeline): what gives up is marked retried, and
//! a caller that retries too passes it on instead of trying again, so attempts never multiply.

use rand::Rng;
use std::future::Future;
use std::time::Duration;

use crate::backend::BackendResult;

/// How hard to try before a transient failure is reported.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base: Duration,
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 8,
            base: Duration::from_millis(50),
            cap: Duration::from_secs(5),
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

/// Runs `call` until it succeeds, fails permanently, runs out of attempts, or fails with an
/// error retried already by a layer below (passed on at once). A transient failure it gives up
/// on is marked retried.
pub async fn retry<T, F, Fut>(policy: &RetryPolicy, what: &str, mut call: F) -> BackendResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = BackendResult<T>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Err(err) if err.is_transient() && !err.was_retried() && attempt < policy.attempts => {
                let delay = policy.delay(attempt);
                tracing::info!(%err, attempt, ?delay, "{what} failed; retrying");
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(err) => return Err(err.retried()),
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendError;
    use std::cell::Cell;

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

    fn quick() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        }
    }

    #[tokio::test]
    async fn transient_errors_are_retried_until_attempts_run_out() {
        let calls = Cell::new(0);
        let result: BackendResult<()> = retry(&quick(), "test", || {
            calls.set(calls.get() + 1);
            async { Err(BackendError::transient("busy")) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.get(), 3);

        let calls = Cell::new(0);
        let result = retry(&quick(), "test", || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n < 2 {
                    Err(BackendError::transient("busy"))
                } else {
                    Ok(n)
                }
            }
        })
        .await;
        assert_eq!(result.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_failure_retried_below_is_not_retried_again() {
        let calls = Cell::new(0);
        let inner = || {
            calls.set(calls.get() + 1);
            async { Err::<(), _>(BackendError::transient("throttled")) }
        };
        let policy = quick();
        let result = retry(&policy, "outer", || retry(&policy, "inner", inner)).await;
        let err = result.unwrap_err();
        assert!(err.is_transient() && err.was_retried());
        assert_eq!(calls.get(), 3, "3 attempts in all, not 3 x 3");
    }

    #[tokio::test]
    async fn permanent_errors_are_not_retried() {
        let calls = Cell::new(0);
        let result: BackendResult<()> = retry(&quick(), "test", || {
            calls.set(calls.get() + 1);
            async { Err(BackendError::permanent("bad")) }
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.get(), 1);
    }
}
