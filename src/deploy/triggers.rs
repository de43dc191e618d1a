//! What sets the functions off: the event source mapping of the drain from the SQS queue or
//! the Kinesis stream (partial batch failures on), and the public function URLs of the collector (CORS from its origins) and of
//! the dashboard (no CORS: the token is checked by the dashboard itself).

use super::{change_state, DeployOptions, Job, Outcome, StepState};
use crate::backend::aws::lambda::{Cors, Mapping, MappingSpec, PublicPermission, StreamReading};
use crate::backend::aws::{FunctionClients, QueueFacts};
use crate::backend::QueueKind;

pub(super) async fn ensure_mapping(
    clients: &FunctionClients,
    deployment: &str,
    queue: &QueueFacts,
    options: &DeployOptions,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let function = Job::Drain.function_name(deployment);
    let queue_arn = queue.arn.as_str();
    let name = format!("{queue_arn} -> {function}");
    let stream = stream_reading(queue, options);
    let plan = vec![plan(options, stream.as_ref())];
    let wanted = MappingSpec {
        function: &function,
        source_arn: queue_arn,
        batch_size: options.batch_size,
        batching_window_seconds: options.batching_window_seconds,
        max_concurrency: options.max_concurrency,
        enabled: !options.paused,
        stream,
    };
    // No function (a dry run before the first deploy) has no mappings.
    let existing = clients.lambda.mappings(&function, Some(queue_arn)).await?;
    let Some(current) = existing.first() else {
        if options.dry_run {
            outcome.push("mapping", &name, StepState::WouldCreate, plan);
            return Ok(());
        }
        // Lambda checks that the new role may receive from the queue: a refusal while IAM
        // propagates is retried by the one retry policy.
        clients.lambda.create_mapping(&wanted).await?;
        outcome.push("mapping", &name, StepState::Created, plan);
        return Ok(());
    };
    let differences = mapping_differences(current, &wanted);
    let state = change_state(&differences, options.dry_run);
    if state == StepState::Updated {
        clients
            .lambda
            .update_mapping(&current.uuid, &wanted)
            .await?;
    }
    outcome.push("mapping", &name, state, differences);
    Ok(())
}

/// How the drain's mapping reads the deployment's stream; `None` for an SQS queue.
fn stream_reading(queue: &QueueFacts, options: &DeployOptions) -> Option<StreamReading> {
    (queue.kind == QueueKind::Kinesis).then(|| StreamReading {
        parallelization_factor: options.stream.parallelization_factor,
        max_retries: options.stream.max_retries,
        max_record_age_seconds: options.stream.max_record_age_seconds,
        on_failure_arn: queue.dead_letter_arn.clone().unwrap_or_default(),
    })
}

/// What a new mapping will be, in words.
fn plan(options: &DeployOptions, stream: Option<&StreamReading>) -> String {
    let batches = format!(
        "batches of {} within {} s",
        options.batch_size, options.batching_window_seconds
    );
    match stream {
        None => format!("{batches}, at most {} at once", options.max_concurrency),
        Some(stream) => format!(
            "{batches}, from the oldest record, {} batch(es) a shard at once, split on a \
             function error, retries {}, record age {}, given-up batches described on the \
             dead-letter queue",
            stream.parallelization_factor,
            forever_or(stream.max_retries, ""),
            forever_or(stream.max_record_age_seconds, " s"),
        ),
    }
}

/// A limit of a stream's mapping in words: -1 means none.
fn forever_or(limit: i32, unit: &str) -> String {
    match limit {
        -1 => "unlimited".to_owned(),
        limit => format!("{limit}{unit}"),
    }
}

/// What differs between the mapping found and the one asked for.
fn mapping_differences(current: &Mapping, wanted: &MappingSpec) -> Vec<String> {
    let mut differences = Vec::new();
    if current.batch_size != Some(wanted.batch_size) {
        differences.push(format!("batch size -> {}", wanted.batch_size));
    }
    if current.batching_window_seconds != wanted.batching_window_seconds {
        differences.push(format!(
            "batching window -> {} s",
            wanted.batching_window_seconds
        ));
    }
    if !current.reports_batch_item_failures {
        differences.push("partial batch failures -> on".to_owned());
    }
    match &wanted.stream {
        None => {
            if current.max_concurrency != Some(wanted.max_concurrency) {
                differences.push(format!("max concurrency -> {}", wanted.max_concurrency));
            }
        }
        Some(stream) => differences.extend(stream_differences(current, stream)),
    }
    differences
}

fn stream_differences(current: &Mapping, wanted: &StreamReading) -> Vec<String> {
    let mut differences = Vec::new();
    if current.parallelization_factor.unwrap_or(1) != wanted.parallelization_factor {
        differences.push(format!(
            "parallelization factor -> {}",
            wanted.parallelization_factor
        ));
    }
    if current.max_retries != Some(wanted.max_retries) {
        differences.push(format!("retries -> {}", forever_or(wanted.max_retries, "")));
    }
    if current.max_record_age_seconds != Some(wanted.max_record_age_seconds) {
        differences.push(format!(
            "record age -> {}",
            forever_or(wanted.max_record_age_seconds, " s")
        ));
    }
    if current.bisects_on_error != Some(true) {
        differences.push("split batches on a function error -> on".to_owned());
    }
    if current.on_failure_arn.as_deref() != Some(wanted.on_failure_arn.as_str()) {
        differences.push(format!("on failure -> {}", wanted.on_failure_arn));
    }
    differences
}

/// The URL's CORS: the sites themselves, or any origin where a site is a pattern of
/// subdomains (a function URL takes only exact origins); the collector still refuses, 403, a
/// view from any site the patterns do not allow.
fn cors_origins(origins: &[String]) -> Vec<String> {
    match origins.iter().any(|origin| origin.contains('*')) {
        true => vec!["*".to_owned()],
        false => origins.to_vec(),
    }
}

/// The collector URL's CORS.
pub(super) fn collector_cors(origins: &[String]) -> Cors {
    Cors {
        origins: cors_origins(origins),
        methods: vec!["GET".to_owned(), "POST".to_owned()],
        headers: vec!["content-type".to_owned()],
        max_age_seconds: 86_400,
    }
}

/// A public function URL (no IAM authentication) of `function` with `cors` (none when `None`);
/// returns it (`None` on a dry run that would create it).
pub(super) async fn ensure_url(
    clients: &FunctionClients,
    function: &str,
    cors: Option<&Cors>,
    dry_run: bool,
    outcome: &mut Outcome,
) -> anyhow::Result<Option<String>> {
    // No function (a dry run before the first deploy) has no URL.
    let Some(current) = clients.lambda.url(function).await? else {
        if dry_run {
            outcome.push("function URL", function, StepState::WouldCreate, vec![]);
            return Ok(None);
        }
        let url = clients.lambda.create_url(function, cors).await?;
        allow_public_calls(clients, function).await?;
        outcome.push("function URL", function, StepState::Created, vec![]);
        return Ok(Some(url));
    };
    let wanted = cors.map(|cors| cors.origins.clone()).unwrap_or_default();
    let differences = match current.allowed_origins.unwrap_or_default() == wanted {
        true => vec![],
        false if wanted.is_empty() => vec!["CORS -> none".to_owned()],
        false => vec![format!("allowed origins -> {}", wanted.join(", "))],
    };
    let state = change_state(&differences, dry_run);
    if state == StepState::Updated {
        clients.lambda.update_url(function, cors).await?;
    }
    outcome.push("function URL", function, state, differences);
    Ok(Some(current.url))
}

/// A public URL needs both permissions: to call the URL, and to invoke through it only.
async fn allow_public_calls(clients: &FunctionClients, function: &str) -> anyhow::Result<()> {
    for (statement_id, action, url_only) in [
        ("pageviews-public-url", "lambda:InvokeFunctionUrl", false),
        ("pageviews-public-url-invoke", "lambda:InvokeFunction", true),
    ] {
        let permission = PublicPermission {
            function,
            statement_id,
            action,
            url_only,
        };
        clients.lambda.allow_public(&permission).await?;
    }
    Ok(())
}

pub(super) async fn remove_mappings(
    clients: &FunctionClients,
    deployment: &str,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let function = Job::Drain.function_name(deployment);
    for mapping in clients.lambda.mappings(&function, None).await? {
        clients.lambda.delete_mapping(&mapping.uuid).await?;
        let name = format!(
            "{} -> {function}",
            mapping.source_arn.as_deref().unwrap_or("?")
        );
        outcome.push("mapping", &name, StepState::Deleted, vec![]);
    }
    Ok(())
}

/// The mapping's state, for `status`.
pub(super) async fn describe_mapping(
    clients: &FunctionClients,
    deployment: &str,
) -> anyhow::Result<Vec<String>> {
    let function = Job::Drain.function_name(deployment);
    let mappings = clients.lambda.mappings(&function, None).await?;
    Ok(mappings
        .iter()
        .map(|mapping| {
            format!(
                "mapping -> {function}: {}, batches of {}",
                mapping.state.as_deref().unwrap_or("?"),
                mapping.batch_size.unwrap_or_default()
            )
        })
        .collect())
}
