//! What sets the functions off: the SQS event source mapping of the drain (partial batch
//! failures on), and the public function URLs of the collector (CORS from its origins) and of
//! the dashboard (no CORS: the token is checked by the dashboard itself).

use super::{change_state, DeployOptions, Job, Outcome, StepState};
use crate::backend::aws::lambda::{Cors, Mapping, MappingSpec, PublicPermission};
use crate::backend::aws::FunctionClients;

pub(super) async fn ensure_mapping(
    clients: &FunctionClients,
    deployment: &str,
    queue_arn: &str,
    options: &DeployOptions,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let function = Job::Drain.function_name(deployment);
    let name = format!("{queue_arn} -> {function}");
    let plan = vec![format!(
        "batches of {} within {} s, at most {} at once",
        options.batch_size, options.batching_window_seconds, options.max_concurrency
    )];
    let wanted = MappingSpec {
        function: &function,
        source_arn: queue_arn,
        batch_size: options.batch_size,
        batching_window_seconds: options.batching_window_seconds,
        max_concurrency: options.max_concurrency,
        enabled: !options.paused,
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
    let differences = mapping_differences(current, options);
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

/// What differs between the mapping found and the one asked for.
fn mapping_differences(current: &Mapping, options: &DeployOptions) -> Vec<String> {
    let mut differences = Vec::new();
    if current.batch_size != Some(options.batch_size) {
        differences.push(format!("batch size -> {}", options.batch_size));
    }
    if current.batching_window_seconds != options.batching_window_seconds {
        differences.push(format!(
            "batching window -> {} s",
            options.batching_window_seconds
        ));
    }
    if current.max_concurrency != Some(options.max_concurrency) {
        differences.push(format!("max concurrency -> {}", options.max_concurrency));
    }
    if !current.reports_batch_item_failures {
        differences.push("partial batch failures -> on".to_owned());
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
