//! What sets the functions off: the SQS event source mapping of the drain (partial batch
//! failures on), and the collector's public function URL (CORS from its origins).

use aws_sdk_lambda::types::{
    Cors, EventSourceMappingConfiguration, FunctionResponseType, FunctionUrlAuthType, ScalingConfig,
};

use super::roles::failed;
use super::{change_state, DeployClients, DeployOptions, Job, Outcome, StepState};

pub(super) async fn ensure_mapping(
    clients: &DeployClients,
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
    let existing = match options.dry_run && !function_exists(clients, &function).await? {
        true => Vec::new(),
        false => clients
            .lambda
            .list_event_source_mappings()
            .function_name(&function)
            .event_source_arn(queue_arn)
            .send()
            .await
            .map_err(|err| failed("ListEventSourceMappings", err))?
            .event_source_mappings
            .unwrap_or_default(),
    };
    let scaling = ScalingConfig::builder()
        .maximum_concurrency(options.max_concurrency)
        .build();
    let Some(current) = existing.first() else {
        if options.dry_run {
            outcome.push("mapping", &name, StepState::WouldCreate, plan);
            return Ok(());
        }
        // Lambda checks that the new role may receive from the queue.
        super::while_roles_settle(
            || {
                clients
                    .lambda
                    .create_event_source_mapping()
                    .function_name(&function)
                    .event_source_arn(queue_arn)
                    .batch_size(options.batch_size)
                    .maximum_batching_window_in_seconds(options.batching_window_seconds)
                    .scaling_config(scaling.clone())
                    .function_response_types(FunctionResponseType::ReportBatchItemFailures)
                    .enabled(!options.paused)
                    .send()
            },
            |err| {
                err.as_service_error()
                    .is_some_and(|e| e.is_invalid_parameter_value_exception())
            },
        )
        .await
        .map_err(|err| failed("CreateEventSourceMapping", err))?;
        outcome.push("mapping", &name, StepState::Created, plan);
        return Ok(());
    };
    let differences = mapping_differences(current, options);
    let state = change_state(&differences, options.dry_run);
    if state == StepState::Updated {
        clients
            .lambda
            .update_event_source_mapping()
            .uuid(current.uuid().unwrap_or_default())
            .batch_size(options.batch_size)
            .maximum_batching_window_in_seconds(options.batching_window_seconds)
            .scaling_config(scaling)
            .function_response_types(FunctionResponseType::ReportBatchItemFailures)
            .send()
            .await
            .map_err(|err| failed("UpdateEventSourceMapping", err))?;
    }
    outcome.push("mapping", &name, state, differences);
    Ok(())
}

/// What differs between the mapping found and the one asked for.
fn mapping_differences(
    current: &EventSourceMappingConfiguration,
    options: &DeployOptions,
) -> Vec<String> {
    let mut differences = Vec::new();
    if current.batch_size() != Some(options.batch_size) {
        differences.push(format!("batch size -> {}", options.batch_size));
    }
    let window = current.maximum_batching_window_in_seconds().unwrap_or(0);
    if window != options.batching_window_seconds {
        differences.push(format!(
            "batching window -> {} s",
            options.batching_window_seconds
        ));
    }
    let concurrency = current
        .scaling_config()
        .and_then(|s| s.maximum_concurrency());
    if concurrency != Some(options.max_concurrency) {
        differences.push(format!("max concurrency -> {}", options.max_concurrency));
    }
    let reports = current
        .function_response_types()
        .contains(&FunctionResponseType::ReportBatchItemFailures);
    if !reports {
        differences.push("partial batch failures -> on".to_owned());
    }
    differences
}

/// The event source mappings of the drain function; none when it does not exist.
async fn drain_mappings(
    clients: &DeployClients,
    function: &str,
) -> anyhow::Result<Vec<EventSourceMappingConfiguration>> {
    if !function_exists(clients, function).await? {
        return Ok(Vec::new());
    }
    Ok(clients
        .lambda
        .list_event_source_mappings()
        .function_name(function)
        .send()
        .await
        .map_err(|err| failed("ListEventSourceMappings", err))?
        .event_source_mappings
        .unwrap_or_default())
}

async fn function_exists(clients: &DeployClients, name: &str) -> anyhow::Result<bool> {
    match clients
        .lambda
        .get_function()
        .function_name(name)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(false)
        }
        Err(err) => Err(failed(&format!("GetFunction {name}"), err)),
    }
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

fn cors(origins: &[String]) -> Cors {
    Cors::builder()
        .set_allow_origins(Some(cors_origins(origins)))
        .allow_methods("GET")
        .allow_methods("POST")
        .allow_headers("content-type")
        .max_age(86_400)
        .build()
}

/// The collector's public function URL; returns it (`None` on a dry run that would create it).
pub(super) async fn ensure_url(
    clients: &DeployClients,
    deployment: &str,
    origins: &[String],
    dry_run: bool,
    outcome: &mut Outcome,
) -> anyhow::Result<Option<String>> {
    let function = Job::Collect.function_name(deployment);
    let found = match dry_run && !function_exists(clients, &function).await? {
        true => None,
        false => match clients
            .lambda
            .get_function_url_config()
            .function_name(&function)
            .send()
            .await
        {
            Ok(config) => Some(config),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                None
            }
            Err(err) => return Err(failed("GetFunctionUrlConfig", err)),
        },
    };
    let Some(current) = found else {
        if dry_run {
            outcome.push("function URL", &function, StepState::WouldCreate, vec![]);
            return Ok(None);
        }
        let created = clients
            .lambda
            .create_function_url_config()
            .function_name(&function)
            .auth_type(FunctionUrlAuthType::None)
            .cors(cors(origins))
            .send()
            .await
            .map_err(|err| failed("CreateFunctionUrlConfig", err))?;
        allow_public_calls(clients, &function).await?;
        outcome.push("function URL", &function, StepState::Created, vec![]);
        return Ok(Some(created.function_url));
    };
    let current_origins = current.cors().map(|cors| cors.allow_origins().to_vec());
    let differences = match current_origins == Some(cors_origins(origins)) {
        true => vec![],
        false => vec![format!("allowed origins -> {}", origins.join(", "))],
    };
    let state = change_state(&differences, dry_run);
    if state == StepState::Updated {
        clients
            .lambda
            .update_function_url_config()
            .function_name(&function)
            .cors(cors(origins))
            .send()
            .await
            .map_err(|err| failed("UpdateFunctionUrlConfig", err))?;
    }
    outcome.push("function URL", &function, state, differences);
    Ok(Some(current.function_url))
}

/// A public URL needs both permissions: to call the URL, and to invoke through it only.
async fn allow_public_calls(clients: &DeployClients, function: &str) -> anyhow::Result<()> {
    clients
        .lambda
        .add_permission()
        .function_name(function)
        .statement_id("pageviews-public-url")
        .action("lambda:InvokeFunctionUrl")
        .principal("*")
        .function_url_auth_type(FunctionUrlAuthType::None)
        .send()
        .await
        .map_err(|err| failed("AddPermission (InvokeFunctionUrl)", err))?;
    clients
        .lambda
        .add_permission()
        .function_name(function)
        .statement_id("pageviews-public-url-invoke")
        .action("lambda:InvokeFunction")
        .principal("*")
        .invoked_via_function_url(true)
        .send()
        .await
        .map_err(|err| failed("AddPermission (InvokeFunction via the URL)", err))?;
    Ok(())
}

pub(super) async fn remove_mappings(
    clients: &DeployClients,
    deployment: &str,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let function = Job::Drain.function_name(deployment);
    let mappings = drain_mappings(clients, &function).await?;
    for mapping in mappings {
        let uuid = mapping.uuid().unwrap_or_default();
        clients
            .lambda
            .delete_event_source_mapping()
            .uuid(uuid)
            .send()
            .await
            .map_err(|err| failed("DeleteEventSourceMapping", err))?;
        let name = format!(
            "{} -> {function}",
            mapping.event_source_arn().unwrap_or("?")
        );
        outcome.push("mapping", &name, StepState::Deleted, vec![]);
    }
    Ok(())
}

/// The mapping's state, for `status`.
pub(super) async fn describe_mapping(
    clients: &DeployClients,
    deployment: &str,
) -> anyhow::Result<Vec<String>> {
    let function = Job::Drain.function_name(deployment);
    let mappings = drain_mappings(clients, &function).await?;
    Ok(mappings
        .iter()
        .map(|mapping| {
            format!(
                "mapping -> {function}: {}, batches of {}",
                mapping.state().unwrap_or("?"),
                mapping.batch_size().unwrap_or_default()
            )
        })
        .collect())
}
