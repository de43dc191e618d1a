//! Every request to AWS goes through here, whichever service it is for. The SDK's own retries
//! are off, so a request is retried by the one retry policy and by nothing else: at most
//! `attempts` attempts (throttling, 5xx, S3's SlowDown, timeouts, lost connections; IAM's
//! propagation refusals for up to `settle`), with capped exponential backoff and full jitter
//! between them; what gives up is marked retried, and no caller retries it again. `send`,
//! `conditional` and `send_unless` serve the deployment's queue and tables; `call` and
//! `call_unless` the service clients (S3, IAM, Lambda, Scheduler).

use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};
use std::future::Future;

use super::classify;
use super::errors::{classify_as, is_condition_failure, Missing};
use crate::backend::retry::{retry, RetryPolicy};
use crate::backend::{BackendError, BackendResult};

/// The one retry policy of every request to AWS.
pub(super) fn policy() -> RetryPolicy {
    RetryPolicy::default()
}

/// Sends a service client's request under `policy`; a "not found" answer is an error about
/// what the command named.
pub(super) async fn call<T, E, F, Fut>(
    policy: &RetryPolicy,
    what: &str,
    call: F,
) -> BackendResult<T>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let classify = resource(what);
    retry(policy, what, || async { call().await.map_err(&classify) }).await
}

/// Sends a service client's request under `policy`: `Some` with the answer, or `None` when it
/// fails with an error `expected` recognises (not there, there already), which is an answer
/// too and never retried.
pub(super) async fn call_unless<T, E, F, Fut>(
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
    call_classified(policy, what, expected, resource(what), call).await
}

/// The classification of a service client's failures.
fn resource<E>(what: &str) -> impl Fn(SdkError<E, HttpResponse>) -> BackendError + '_
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |err| classify_as(Missing::Resource, what, err)
}

/// [`call_unless`] with a client's own classification of what fails (S3 names the bucket).
pub(super) async fn call_classified<T, E, F, Fut>(
    policy: &RetryPolicy,
    what: &str,
    expected: impl Fn(&SdkError<E, HttpResponse>) -> bool,
    classify: impl Fn(SdkError<E, HttpResponse>) -> BackendError,
    call: F,
) -> BackendResult<Option<T>>
where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
{
    retry(policy, what, || async {
        match call().await {
            Ok(output) => Ok(Some(output)),
            Err(err) if expected(&err) => Ok(None),
            Err(err) => Err(classify(err)),
        }
    })
    .await
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
    let classify = |err| classify(what, err);
    call_classified(policy, what, expected, classify, call).await
}
