//! Turning AWS SDK errors into backend errors: what a retry may fix, and what to tell the user.

use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};

use crate::backend::BackendError;

/// Error codes that mean "slow down" or "try again" on SQS or DynamoDB.
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "KmsThrottled",
    "InternalServerError",
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
    "TransactionConflictException",
];

/// Error codes that mean the queue or table is not there.
const MISSING_CODES: &[&str] = &[
    "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue",
    "ResourceNotFoundException",
];

/// Classifies an SDK error of call `what` (e.g. "ReceiveMessage on pageviews-events").
pub fn classify<E>(what: &str, err: SdkError<E, HttpResponse>) -> BackendError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = causes(&err);
    match &err {
        SdkError::TimeoutError(_) => BackendError::Transient(format!("{what} timed out")),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            BackendError::Transient(format!("{what} timed out: {detail}"))
        }
        SdkError::DispatchFailure(failure) if failure.is_user() => {
            BackendError::Permanent(explain_setup(what, &detail))
        }
        // Refused, reset or dropped connections: a restart or a network blip may pass, so
        // retried; an endpoint that stays down still fails within seconds, saying what to check.
        SdkError::DispatchFailure(_) => BackendError::Transient(format!(
            "{what}: cannot reach the AWS endpoint ({detail}); check the network, --endpoint-url \
             and AWS_ENDPOINT_URL"
        )),
        SdkError::ConstructionFailure(_) => BackendError::Permanent(explain_setup(what, &detail)),
        SdkError::ResponseError(_) => {
            BackendError::Transient(format!("{what}: unreadable response: {detail}"))
        }
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or_default();
            let message = service.err().message().unwrap_or_default();
            if MISSING_CODES.contains(&code) {
                BackendError::Permanent(format!(
                    "{what}: {code}: {message}; run `pageviews init` first"
                ))
            } else if TRANSIENT_CODES.contains(&code) || status >= 500 || status == 429 {
                BackendError::Transient(format!("{what}: {code} (HTTP {status}): {message}"))
            } else {
                BackendError::Permanent(format!("{what}: {code} (HTTP {status}): {message}"))
            }
        }
        _ => BackendError::Permanent(format!("{what}: {detail}")),
    }
}

/// The error and its sources, each said once: "dispatch failure: io error: ... refused".
pub fn causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(cause) = next {
        let text = cause.to_string();
        if !parts.iter().any(|part| part.contains(&text)) {
            parts.push(text);
        }
        next = cause.source();
    }
    parts.join(": ")
}

/// Credentials and region problems surface as construction or dispatch failures.
fn explain_setup(what: &str, detail: &str) -> String {
    if detail.contains("credential") {
        format!(
            "{what}: no usable AWS credentials ({detail}); set AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY, choose a profile with --profile or AWS_PROFILE, or run \
             `aws sso login`"
        )
    } else {
        format!("{what}: {detail}")
    }
}

/// True when `err` is a failed condition of a conditional write.
pub fn is_condition_failure<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    matches!(err, SdkError::ServiceError(service)
        if service.err().code() == Some("ConditionalCheckFailedException"))
}
