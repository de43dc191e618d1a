//! Retries of transient backend failures under the one retry policy (`model::retry`). Each
//! failure is retried by one layer only, the innermost that sees it (on AWS, each request to
//! any service; locally, each call of the pipeline): what gives up is marked retried, and a
//! caller that retries too passes it on instead of trying again, so attempts never multiply.

use std::future::Future;

use super::BackendResult;
pub use crate::model::retry::RetryPolicy;

/// Runs `call` until it succeeds, fails permanently, runs out of attempts, or fails with an
/// error retried already by a layer below (passed on at once). A refusal that passes once a
/// change has spread through AWS is tried past the attempts until `policy.settle` has passed.
/// A transient failure it gives up on is marked retried.
pub async fn retry<T, F, Fut>(policy: &RetryPolicy, what: &str, mut call: F) -> BackendResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = BackendResult<T>>,
{
    let started = std::time::Instant::now();
    let mut attempt = 1;
    loop {
        match call().await {
            Err(err)
                if err.is_transient()
                    && !err.was_retried()
                    && (attempt < policy.attempts
                        || (err.is_settling() && started.elapsed() < policy.settle)) =>
            {
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
    use std::time::Duration;

    fn quick() -> RetryPolicy {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
            settle: Duration::from_millis(5),
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

    /// IAM's propagation refusals are tried past the attempts, until `settle` has passed
    /// since the first; other transient failures are not.
    #[tokio::test]
    async fn a_settling_refusal_is_tried_until_the_settle_time_has_passed() {
        let policy = RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(10),
            cap: Duration::from_millis(40),
            settle: Duration::from_millis(300),
        };
        let calls = Cell::new(0);
        let started = std::time::Instant::now();
        let result: BackendResult<()> = retry(&policy, "CreateFunction", || {
            calls.set(calls.get() + 1);
            async { Err(BackendError::settling("cannot be assumed by Lambda")) }
        })
        .await;
        let err = result.unwrap_err();
        assert!(err.is_settling() && err.was_retried());
        let elapsed = started.elapsed();
        assert!(elapsed >= policy.settle, "gave up after {elapsed:?}");
        // Sleeps of at most 10, 20, then 40 ms: 300 ms take at least 9 attempts.
        assert!(calls.get() >= 9, "{} attempts", calls.get());

        let calls = Cell::new(0);
        let result: BackendResult<()> = retry(&policy, "CreateFunction", || {
            calls.set(calls.get() + 1);
            async { Err(BackendError::transient("throttled")) }
        })
        .await;
        assert!(result.unwrap_err().was_retried());
        assert_eq!(calls.get(), 3);
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
