//! The Lambda functions: created from the package, or brought in line with what was asked for
//! (code, architecture, memory, timeout, role, environment).

use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture as LambdaArchitecture, Environment, FunctionCode, FunctionConfiguration,
    LastUpdateStatus, Runtime, State,
};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

use super::package::Architecture;
use super::roles::{failed, RoleArn};
use super::{change_state, DeployClients, DeployOptions, Job, Outcome, StepState};

use super::SETTLE;

/// The package's hash as Lambda reports it (CodeSha256: base64 of the SHA-256).
fn code_sha256(package: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(package))
}

fn architecture(arch: Architecture) -> LambdaArchitecture {
    LambdaArchitecture::from(arch.lambda_name())
}

/// The function's environment: the deployment it serves, and the collector's origins.
fn variables(deployment: &str, job: Job, options: &DeployOptions) -> HashMap<String, String> {
    let mut variables = HashMap::from([
        ("PAGEVIEWS_BACKEND".to_owned(), "aws".to_owned()),
        ("PAGEVIEWS_NAME".to_owned(), deployment.to_owned()),
    ]);
    if let (Job::Collect, Some(origins)) = (job, &options.collector) {
        variables.insert("PAGEVIEWS_ALLOW_ORIGIN".into(), origins.join(","));
    }
    variables
}

pub(super) async fn ensure(
    clients: &DeployClients,
    deployment: &str,
    job: Job,
    role: &RoleArn,
    options: &DeployOptions,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let name = job.function_name(deployment);
    let wanted_env = variables(deployment, job, options);
    let Some(current) = configuration(clients, &name).await? else {
        let plan = vec![format!(
            "{}, {} MB, {} s",
            options.architecture.lambda_name(),
            options.memory_mb,
            options.timeout_seconds
        )];
        if options.dry_run {
            outcome.push("function", &name, StepState::WouldCreate, plan);
            return Ok(());
        }
        create(clients, &name, role, wanted_env, options).await?;
        outcome.push("function", &name, StepState::Created, plan);
        return Ok(());
    };
    let changes = compare(&current, role, &wanted_env, options);
    let state = change_state(&changes.differences, options.dry_run);
    if state == StepState::Updated {
        update(clients, &name, role, wanted_env, options, &changes).await?;
    }
    let differences = changes.differences;
    outcome.push("function", &name, state, differences);
    Ok(())
}

/// How a deployed function differs from what was asked.
struct Changes {
    differences: Vec<String>,
    code: bool,
    architecture: bool,
}

/// A setting Lambda reported, or `unset`: people read the summary, not `Some(256)`.
fn shown(setting: Option<i32>) -> String {
    setting.map_or("unset".to_owned(), |value| value.to_string())
}

fn compare(
    current: &FunctionConfiguration,
    role: &RoleArn,
    wanted_env: &HashMap<String, String>,
    options: &DeployOptions,
) -> Changes {
    let mut differences = Vec::new();
    let code = current.code_sha256() != Some(code_sha256(&options.package).as_str());
    let arch = current.architectures().first() != Some(&architecture(options.architecture));
    if code {
        differences.push("the package changed".to_owned());
    }
    if arch {
        differences.push(format!(
            "architecture -> {}",
            options.architecture.lambda_name()
        ));
    }
    if current.memory_size() != Some(options.memory_mb) {
        differences.push(format!(
            "memory {} -> {} MB",
            shown(current.memory_size()),
            options.memory_mb
        ));
    }
    if current.timeout() != Some(options.timeout_seconds) {
        differences.push(format!(
            "timeout {} -> {} s",
            shown(current.timeout()),
            options.timeout_seconds
        ));
    }
    if current.role() != Some(role.0.as_str()) && !options.dry_run {
        differences.push("role".to_owned());
    }
    let env = current
        .environment()
        .and_then(|env| env.variables())
        .cloned()
        .unwrap_or_default();
    if &env != wanted_env {
        differences.push("environment".to_owned());
    }
    Changes {
        differences,
        code,
        architecture: arch,
    }
}

/// Uploads the code when it or the architecture changed, and the configuration when anything
/// else did; each after the function has settled from the previous update.
async fn update(
    clients: &DeployClients,
    name: &str,
    role: &RoleArn,
    wanted_env: HashMap<String, String>,
    options: &DeployOptions,
    changes: &Changes,
) -> anyhow::Result<()> {
    let config_changed =
        changes.differences.len() > usize::from(changes.code) + usize::from(changes.architecture);
    if changes.code || changes.architecture {
        settle(clients, name).await?;
        clients
            .lambda
            .update_function_code()
            .function_name(name)
            .zip_file(Blob::new(options.package.clone()))
            .architectures(architecture(options.architecture))
            .send()
            .await
            .map_err(|err| failed(&format!("UpdateFunctionCode {name}"), err))?;
    }
    if config_changed {
        settle(clients, name).await?;
        clients
            .lambda
            .update_function_configuration()
            .function_name(name)
            .role(&role.0)
            .memory_size(options.memory_mb)
            .timeout(options.timeout_seconds)
            .environment(
                Environment::builder()
                    .set_variables(Some(wanted_env))
                    .build(),
            )
            .send()
            .await
            .map_err(|err| failed(&format!("UpdateFunctionConfiguration {name}"), err))?;
    }
    Ok(())
}

/// Creates the function; a refusal of a role made a moment ago is retried for a while.
async fn create(
    clients: &DeployClients,
    name: &str,
    role: &RoleArn,
    variables: HashMap<String, String>,
    options: &DeployOptions,
) -> anyhow::Result<()> {
    let created = super::while_roles_settle(
        || {
            clients
                .lambda
                .create_function()
                .function_name(name)
                .runtime(Runtime::Providedal2023)
                .handler("bootstrap")
                .role(&role.0)
                .code(
                    FunctionCode::builder()
                        .zip_file(Blob::new(options.package.clone()))
                        .build(),
                )
                .architectures(architecture(options.architecture))
                .memory_size(options.memory_mb)
                .timeout(options.timeout_seconds)
                .environment(
                    Environment::builder()
                        .set_variables(Some(variables.clone()))
                        .build(),
                )
                .description("pageviews: made by `pageviews deploy`")
                .send()
        },
        |err| {
            err.as_service_error()
                .is_some_and(|e| e.is_invalid_parameter_value_exception())
        },
    )
    .await;
    created.map_err(|err| failed(&format!("CreateFunction {name}"), err))?;
    Ok(())
}

/// The function's configuration, or `None` when there is no such function.
async fn configuration(
    clients: &DeployClients,
    name: &str,
) -> anyhow::Result<Option<FunctionConfiguration>> {
    match clients
        .lambda
        .get_function()
        .function_name(name)
        .send()
        .await
    {
        Ok(output) => Ok(output.configuration),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(err) => Err(failed(&format!("GetFunction {name}"), err)),
    }
}

/// Waits until the function takes another update (Lambda refuses one while the last is under
/// way).
async fn settle(clients: &DeployClients, name: &str) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    while started.elapsed() < SETTLE {
        let Some(config) = configuration(clients, name).await? else {
            return Ok(());
        };
        let busy = config.state() == Some(&State::Pending)
            || config.last_update_status() == Some(&LastUpdateStatus::InProgress);
        if !busy {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    anyhow::bail!(
        "the function {name} is still updating after {} s; run deploy again",
        SETTLE.as_secs()
    )
}

pub(super) async fn remove(
    clients: &DeployClients,
    deployment: &str,
    job: Job,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let name = job.function_name(deployment);
    let state = match clients
        .lambda
        .delete_function()
        .function_name(&name)
        .send()
        .await
    {
        Ok(_) => StepState::Deleted,
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            StepState::Absent
        }
        Err(err) => return Err(failed(&format!("DeleteFunction {name}"), err)),
    };
    outcome.push("function", &name, state, vec![]);
    Ok(())
}

/// One line per deployed function, for `status`: empty when nothing is deployed.
pub async fn describe(clients: &DeployClients, deployment: &str) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for job in Job::ALL {
        let name = job.function_name(deployment);
        if let Some(config) = configuration(clients, &name).await? {
            lines.push(format!(
                "function {name}: {}, {} MB, {} s, {}",
                config
                    .architectures()
                    .first()
                    .map_or("?", |arch| arch.as_str()),
                config.memory_size().unwrap_or_default(),
                config.timeout().unwrap_or_default(),
                config.state().map_or("?", |state| state.as_str()),
            ));
        }
    }
    if lines.is_empty() {
        return Ok(lines);
    }
    lines.extend(super::triggers::describe_mapping(clients, deployment).await?);
    lines.extend(super::schedule::describe(clients, deployment).await?);
    Ok(lines)
}
