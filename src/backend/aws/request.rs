//! Every request to AWS goes through here. The SDK's own retries are off, so a request is
//! retried by the one retry policy and by nothing else: at most `attempts` attempts (throttling,
//! 5xx, timeouts, lost connections), with capped exponential backoff and full jitter between
//! them; what gives up is marked retried, and no caller retries it again.

use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use std::future::Future;

use super::classify;
use super::errors::is_condition_failure;
use crate::backend::retry::{retry, RetryPolicy};
use crate::backend::BackendResult;

/// The one retry policy of every request to AWS.
pub(super) fn policy() -> RetryPolicy {
    RetryPolicy::default()
}

/// Sends a request (`call` builds and sends it; it runs once per attempt) under `policy`.
pub(super) async fn send<T, E, F, Fut>(
    policy: &RetryPolicy,
    what: &str,
    call: F,
) -> BackendResult<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    retry(policy, what, || async {
        call().await.map_err(|err| classify(what, err))
    })
    .await
}

/// Sends a conditional write under `policy`: `Some` with the answer when it was done, `None`
/// when its condition failed (an answer, not a failure: never retried).
pub(super) async fn conditional<T, E, F, Fut>(
    policy: &RetryPolicy,
    what: &str,
    call: F,
) -> BackendResult<Option<T>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    send_unless(policy, what, is_condition_failure, call).await
}

/// Sends a request under `policy`: `Some` with the answer, or `None` when it fails with an
/// error `expected` recognises (a failed condition, a queue or table that is not there), which
/// is an answer too and never retried.
pub(super) async fn send_unless<T, E, F, Fut>(
    policy: &RetryPolicy,
    what: &str,
    expected: impl Fn(&SdkError<E, HttpResponse>) -> bool,
    call: F,
) -> BackendResult<Option<T>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    retry(policy, what, || async {
        match call().await {
            Ok(output) => Ok(Some(output)),
            Err(err) if expected(&err) => Ok(None),
            Err(err) => Err(classify(what, err)),
        }
    })
    .await
}
