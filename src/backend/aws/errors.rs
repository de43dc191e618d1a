//! Turning AWS SDK errors into backend errors, for every service the project calls: what a
//! retry may fix, what is not there, and what to tell the user; the SDK error is kept as the
//! source.

use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{ProvideErrorMetadata, SdkError};

use crate::backend::BackendError;

/// Error codes that mean "slow down" or "try again", whichever service says them.
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
    // S3
    "SlowDown",
    "RequestTimeout",
    // Lambda
    "TooManyRequestsException",
    "ServiceException",
    // EventBridge Scheduler
    "InternalServerException",
    // IAM
    "ServiceFailure",
    "ConcurrentModification",
];

/// Error codes that mean the request's data will never be taken (an item too large, a key too
/// long): the data is at fault, not the deployment.
const INVALID_CODES: &[&str] = &["ValidationException"];

/// Error codes that mean the deployment's queue or table is not there: `init` has not run.
const MISSING_DEPLOYMENT_CODES: &[&str] = &[
    "QueueDoesNotExist",
    "AWS.SimpleQueueService.NonExistentQueue",
    "ResourceNotFoundException",
];

/// Error codes that mean what was named is not there (a role, a function, a schedule, a
/// bucket, an object, an upload).
const NOT_FOUND_CODES: &[&str] = &[
    "ResourceNotFoundException",
    "NoSuchEntity",
    "NoSuchBucket",
    "NoSuchKey",
    "NoSuchUpload",
    "NotFound",
];

/// Error codes that mean what was to be made is there already.
const ALREADY_THERE_CODES: &[&str] = &[
    "EntityAlreadyExists",
    "ResourceConflictException",
    "ConflictException",
];

/// Refusals AWS gives while a role made a moment ago has not reached the service that is to
/// assume it (IAM is eventually consistent): Lambda's "The role defined for the function
/// cannot be assumed by Lambda", the event source mapping's "The provided execution role does
/// not have permissions to call ReceiveMessage", the scheduler's "The execution role you
/// provide must allow AWS EventBridge Scheduler to assume the role".
const PROPAGATION_REFUSALS: &[&str] = &[
    "cannot be assumed by",
    "execution role does not have permissions",
    "to assume the role",
];

/// What a missing resource means to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Missing {
    /// The deployment's own queue or table: `init` has not run (or `teardown` has).
    Deployment,
    /// Something a command named or made (a role, a function, a bucket).
    Resource,
}

/// Classifies an SDK error of a request to the deployment's queue or tables, `what` (e.g.
/// "ReceiveMessage on pageviews-events"), keeping the SDK error as the cause.
pub(super) fn classify<E>(what: &str, err: SdkError<E, HttpResponse>) -> BackendError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    classify_as(Missing::Deployment, what, err)
}

/// Classifies an SDK error of call `what`, keeping the SDK error as the cause; `missing` says
/// what a "not found" answer means.
pub(super) fn classify_as<E>(
    missing: Missing,
    what: &str,
    err: SdkError<E, HttpResponse>,
) -> BackendError
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
            } else {
                answered(missing, what, status, code, message)
            }
        }
        _ => BackendError::permanent(format!("{what}: {detail}")),
    };
    error.caused_by(err)
}

/// An AWS service's answer with an error code, in the user's terms.
fn answered(missing: Missing, what: &str, status: u16, code: &str, message: &str) -> BackendError {
    let said = format!("{what}: {code} (HTTP {status}): {message}");
    if missing == Missing::Deployment && MISSING_DEPLOYMENT_CODES.contains(&code) {
        BackendError::not_found(format!(
            "{what}: {code}: {message}; run `pageviews init` first"
        ))
    } else if NOT_FOUND_CODES.contains(&code) || status == 404 {
        BackendError::not_found(said)
    } else if is_propagation_refusal(code, message) {
        BackendError::settling(format!(
            "{said} (a role made a moment ago has not reached the service yet)"
        ))
    } else if TRANSIENT_CODES.contains(&code)
        || status >= 500
        || status == 429
        || is_update_in_progress(code, message)
    {
        BackendError::transient(said)
    } else if INVALID_CODES.contains(&code) {
        BackendError::invalid(said)
    } else {
        BackendError::permanent(said)
    }
}

fn is_propagation_refusal(code: &str, message: &str) -> bool {
    matches!(
        code,
        "InvalidParameterValueException" | "ValidationException"
    ) && PROPAGATION_REFUSALS
        .iter()
        .any(|refusal| message.contains(refusal))
}

/// Lambda refuses a change while the function's last update is under way.
fn is_update_in_progress(code: &str, message: &str) -> bool {
    code == "ResourceConflictException" && message.contains("in progress")
}

/// True when `err` says what was asked for is not there.
pub(super) fn is_missing<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            NOT_FOUND_CODES.contains(&code)
                || (code.is_empty() && service.raw().status().as_u16() == 404)
        }
        _ => false,
    }
}

/// True when `err` says what was to be made is there already (made by an attempt whose answer
/// was lost, or by another run); never a change refused while an update is under way.
pub(super) fn is_already_there<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    match err {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or_default();
            let message = service.err().message().unwrap_or_default();
            ALREADY_THERE_CODES.contains(&code) && !is_update_in_progress(code, message)
        }
        _ => false,
    }
}

/// Longest piece of an unexpected answer's body quoted in an error.
const BODY_PREVIEW_CHARS: usize = 80;

/// An answer without an AWS error code: something other than an AWS service answered (a web
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
         that --endpoint-url or AWS_ENDPOINT_URL points at AWS (or an emulator)"
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
pub(super) fn is_condition_failure<E: ProvideErrorMetadata>(
    err: &SdkError<E, HttpResponse>,
) -> bool {
    matches!(err, SdkError::ServiceError(service)
        if service.err().code() == Some("ConditionalCheckFailedException"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::ErrorKind;
    use aws_sdk_lambda::operation::create_function::CreateFunctionError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;

    /// A Lambda CreateFunction answer of `status` with `code` and `message`, as the SDK gives it.
    fn answer(
        status: u16,
        code: &str,
        message: &str,
    ) -> SdkError<CreateFunctionError, HttpResponse> {
        let meta = ErrorMetadata::builder().code(code).message(message).build();
        let raw = HttpResponse::new(status.try_into().unwrap(), SdkBody::empty());
        SdkError::service_error(CreateFunctionError::generic(meta), raw)
    }

    fn kind(status: u16, code: &str, message: &str) -> (ErrorKind, bool) {
        let err = classify_as(
            Missing::Resource,
            "CreateFunction f",
            answer(status, code, message),
        );
        (err.kind(), err.is_settling())
    }

    #[test]
    fn every_services_slow_downs_are_transient_and_propagation_refusals_settle() {
        let transient = (ErrorKind::Transient, false);
        assert_eq!(
            kind(503, "SlowDown", "Please reduce your request rate."),
            transient
        );
        assert_eq!(
            kind(429, "TooManyRequestsException", "Rate exceeded"),
            transient
        );
        assert_eq!(kind(400, "Throttling", "Rate exceeded"), transient);
        assert_eq!(kind(500, "InternalServerException", ""), transient);
        assert_eq!(kind(500, "ServiceFailure", ""), transient);
        let update = "An update is in progress for resource: f";
        assert_eq!(kind(409, "ResourceConflictException", update), transient);
        let role = "The role defined for the function cannot be assumed by Lambda.";
        assert_eq!(
            kind(400, "InvalidParameterValueException", role),
            (ErrorKind::Transient, true)
        );
        let scheduler = "The execution role you provide must allow AWS EventBridge Scheduler \
                         to assume the role.";
        assert_eq!(
            kind(400, "ValidationException", scheduler),
            (ErrorKind::Transient, true)
        );
        // A bad parameter that is not about a new role fails at once.
        assert_eq!(
            kind(
                400,
                "InvalidParameterValueException",
                "MemorySize must be at most 10240"
            ),
            (ErrorKind::Permanent, false)
        );
        assert_eq!(
            kind(404, "NoSuchEntity", "no role"),
            (ErrorKind::NotFound, false)
        );
        assert_eq!(
            kind(403, "AccessDenied", "no"),
            (ErrorKind::Permanent, false)
        );
    }

    #[test]
    fn the_sdk_error_is_the_source_and_the_code_is_in_the_message() {
        use std::error::Error as _;
        let err = classify_as(
            Missing::Resource,
            "CreateFunction f",
            answer(429, "TooManyRequestsException", "Rate exceeded"),
        );
        assert_eq!(
            err.to_string(),
            "CreateFunction f: TooManyRequestsException (HTTP 429): Rate exceeded"
        );
        assert!(err.source().is_some());
        // A queue that is not there means `init` has not run; a function that is not there
        // means nothing of the kind.
        let missing = classify("GetQueueUrl q", answer(400, "QueueDoesNotExist", "gone"));
        assert!(
            missing.to_string().ends_with("run `pageviews init` first"),
            "{missing}"
        );
        let function = classify_as(
            Missing::Resource,
            "UpdateFunctionCode f",
            answer(404, "ResourceNotFoundException", "Function not found"),
        );
        assert!(!function.to_string().contains("init"), "{function}");
        assert!(is_already_there(&answer(
            409,
            "EntityAlreadyExists",
            "Role exists"
        )));
        let update = "An update is in progress for resource: f";
        assert!(!is_already_there(&answer(
            409,
            "ResourceConflictException",
            update
        )));
        assert!(is_missing(&answer(404, "NoSuchEntity", "no role")));
    }
}
