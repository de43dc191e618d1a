//! Retries of transient backend failures under the one retry policy (`model::retry`). Each
//! failure is retried by one layer only, the innermost that sees it (on AWS, each request;
//! locally, each call of the pipeline): what gives up is marked retried, and a caller that
//! retries too passes it on instead of trying again, so attempts never multiply.

use std::future::Future;

use super::BackendResult;
pub use crate::model::retry::RetryPolicy;

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
    use std::time::Duration;

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
