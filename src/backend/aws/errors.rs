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

/// Error codes that mean the request's data will never be taken (an item too large, a key too
/// long): the data is at fault, not the deployment.
const INVALID_CODES: &[&str] = &["ValidationException"];

/// Error codes that mean the queue or table is not there.
const MISSING_CODES: &[&str] = &[
    "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue",
    "ResourceNotFoundException",
];

/// Classifies an SDK error of call `what` (e.g. "ReceiveMessage on pageviews-events"),
/// keeping the SDK error as the cause.
pub fn classify<E>(what: &str, err: SdkError<E, HttpResponse>) -> BackendError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = causes(&err);
    let error = match &err {
        SdkError::TimeoutError(_) => BackendError::transient(format!("{what} timed out")),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => {
            BackendError::transient(format!("{what} timed out: {detail}"))
        }
        SdkError::DispatchFailure(failure) if failure.is_user() => {
            BackendError::permanent(explain_setup(what, &detail))
        }
        // Refused, reset or dropped connections: a restart or a network blip may pass, so
        // retried; an endpoint that stays down still fails within seconds, saying what to check.
        SdkError::DispatchFailure(_) => BackendError::transient(format!(
            "{what}: cannot reach the AWS endpoint ({detail}); check the network, --endpoint-url \
             and AWS_ENDPOINT_URL"
        )),
        SdkError::ConstructionFailure(_) => BackendError::permanent(explain_setup(what, &detail)),
        SdkError::ResponseError(response) => not_an_aws_answer(what, response.raw(), &detail),
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let code = service.err().code().unwrap_or_default();
            let message = service.err().message().unwrap_or_default();
            if code.is_empty() {
                not_an_aws_answer(what, service.raw(), message)
            } else if MISSING_CODES.contains(&code) {
                BackendError::permanent(format!(
                    "{what}: {code}: {message}; run `pageviews init` first"
                ))
            } else if TRANSIENT_CODES.contains(&code) || status >= 500 || status == 429 {
                BackendError::transient(format!("{what}: {code} (HTTP {status}): {message}"))
            } else if INVALID_CODES.contains(&code) {
                BackendError::invalid(format!("{what}: {code} (HTTP {status}): {message}"))
            } else {
                BackendError::permanent(format!("{what}: {code} (HTTP {status}): {message}"))
            }
        }
        _ => BackendError::permanent(format!("{what}: {detail}")),
    };
    error.caused_by(err)
}

/// Longest piece of an unexpected answer's body quoted in an error.
const BODY_PREVIEW_CHARS: usize = 80;

/// An answer without an AWS error code: something other than SQS or DynamoDB answered (a web
/// server, a proxy's error page). Only a gateway's passing trouble is worth a retry.
fn not_an_aws_answer(what: &str, response: &HttpResponse, detail: &str) -> BackendError {
    let status = response.status().as_u16();
    let body = response
        .body()
        .bytes()
        .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
        .unwrap_or_default();
    let body = crate::model::text::one_line(body.trim(), BODY_PREVIEW_CHARS);
    let answered = match body.is_empty() {
        true => format!("HTTP {status} with an empty body"),
        false => format!("HTTP {status}: {body:?}"),
    };
    let detail = match detail.is_empty() {
        true => String::new(),
        false => format!(" ({detail})"),
    };
    let message = format!(
        "{what}: the endpoint answered {answered}, which is not an AWS answer{detail}; check \
         that --endpoint-url or AWS_ENDPOINT_URL points at SQS and DynamoDB (or an emulator)"
    );
    match status {
        500 | 502 | 503 | 504 | 429 => BackendError::transient(message),
        _ => BackendError::permanent(message),
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
