//! The Lambda functions: created from the package, or brought in line with what was asked for
//! (code, architecture, memory, timeout, role, environment).

use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::time::Duration;

use super::roles::RoleArn;
use super::{change_state, DeployOptions, Job, Outcome, StepState, SETTLE};
use super::{FUNCTION_ROLE_VARIABLE, TOKEN_HASH_VARIABLE};
use crate::backend::aws::lambda::{Function, FunctionSpec};
use crate::backend::aws::FunctionClients;

/// What runs the functions: the binary itself, as a custom runtime.
const RUNTIME: &str = "provided.al2023";
const HANDLER: &str = "bootstrap";

/// The package's hash as Lambda reports it (CodeSha256: base64 of the SHA-256).
fn code_sha256(package: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(package))
}

/// The function's environment: the deployment it serves, the collector's origins, the
/// aggregation's parts, and for the dashboard its job and the hash of its token (never the
/// token).
fn variables(deployment: &str, job: Job, options: &DeployOptions) -> HashMap<String, String> {
    let mut variables = HashMap::from([
        ("PAGEVIEWS_BACKEND".to_owned(), "aws".to_owned()),
        ("PAGEVIEWS_NAME".to_owned(), deployment.to_owned()),
    ]);
    if let (Job::Collect, Some(origins)) = (job, &options.collector) {
        variables.insert("PAGEVIEWS_ALLOW_ORIGIN".into(), origins.join(","));
    }
    if job == Job::Aggregate && options.aggregate_parts > 1 {
        let parts = options.aggregate_parts.to_string();
        variables.insert(super::PARTS_VARIABLE.into(), parts);
    }
    if let (Job::Dashboard, Some(hash)) = (job, &options.dashboard) {
        variables.insert(FUNCTION_ROLE_VARIABLE.into(), job.word().into());
        variables.insert(TOKEN_HASH_VARIABLE.into(), hash.clone());
    }
    variables
}

/// The names of the variables that differ between two environments, sorted: which ones
/// changed (a new token's hash, say), without their values.
fn changed_variables(
    current: &HashMap<String, String>,
    wanted: &HashMap<String, String>,
) -> Vec<String> {
    let mut names: Vec<String> = current
        .keys()
        .chain(wanted.keys())
        .filter(|name| current.get(*name) != wanted.get(*name))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

/// What the function of `job` is to be.
fn spec<'a>(
    name: &'a str,
    job: Job,
    role: &'a RoleArn,
    environment: HashMap<String, String>,
    options: &'a DeployOptions,
) -> FunctionSpec<'a> {
    let (memory_mb, timeout_seconds) = match job {
        Job::Aggregate => (
            options.aggregate_memory_mb,
            options.aggregate_timeout_seconds,
        ),
        _ => (options.memory_mb, options.timeout_seconds),
    };
    FunctionSpec {
        name,
        runtime: RUNTIME,
        handler: HANDLER,
        role: &role.0,
        architecture: options.architecture.lambda_name(),
        memory_mb,
        timeout_seconds,
        environment,
        description: "pageviews: made by `pageviews deploy`",
    }
}

pub(super) async fn ensure(
    clients: &FunctionClients,
    deployment: &str,
    job: Job,
    role: &RoleArn,
    options: &DeployOptions,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let name = job.function_name(deployment);
    let wanted = spec(
        &name,
        job,
        role,
        variables(deployment, job, options),
        options,
    );
    let Some(current) = clients.lambda.function(&name).await? else {
        let plan = vec![format!(
            "{}, {} MB, {} s",
            options.architecture.lambda_name(),
            wanted.memory_mb,
            wanted.timeout_seconds
        )];
        if options.dry_run {
            outcome.push("function", &name, StepState::WouldCreate, plan);
            return Ok(());
        }
        clients
            .lambda
            .create_function(&wanted, options.package.clone())
            .await?;
        outcome.push("function", &name, StepState::Created, plan);
        return Ok(());
    };
    let changes = compare(&current, &wanted, options);
    let state = change_state(&changes.differences, options.dry_run);
    if state == StepState::Updated {
        update(clients, &wanted, options, &changes).await?;
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

fn compare(current: &Function, wanted: &FunctionSpec, options: &DeployOptions) -> Changes {
    let mut differences = Vec::new();
    let code = current.code_sha256.as_deref() != Some(code_sha256(&options.package).as_str());
    let arch = current.architecture.as_deref() != Some(wanted.architecture);
    if code {
        differences.push("the package changed".to_owned());
    }
    if arch {
        differences.push(format!("architecture -> {}", wanted.architecture));
    }
    if current.memory_mb != Some(wanted.memory_mb) {
        differences.push(format!(
            "memory {} -> {} MB",
            shown(current.memory_mb),
            wanted.memory_mb
        ));
    }
    if current.timeout_seconds != Some(wanted.timeout_seconds) {
        differences.push(format!(
            "timeout {} -> {} s",
            shown(current.timeout_seconds),
            wanted.timeout_seconds
        ));
    }
    if current.role.as_deref() != Some(wanted.role) && !options.dry_run {
        differences.push("role".to_owned());
    }
    let changed = changed_variables(&current.environment, &wanted.environment);
    if !changed.is_empty() {
        differences.push(format!("environment: {}", changed.join(", ")));
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
    clients: &FunctionClients,
    wanted: &FunctionSpec<'_>,
    options: &DeployOptions,
    changes: &Changes,
) -> anyhow::Result<()> {
    let config_changed =
        changes.differences.len() > usize::from(changes.code) + usize::from(changes.architecture);
    if changes.code || changes.architecture {
        settle(clients, wanted.name).await?;
        clients
            .lambda
            .update_code(wanted.name, options.package.clone(), wanted.architecture)
            .await?;
    }
    if config_changed {
        settle(clients, wanted.name).await?;
        clients.lambda.update_configuration(wanted).await?;
    }
    Ok(())
}

/// Waits until the function takes another update (Lambda refuses one while the last is under
/// way): a condition polled until a deadline, not a retry of a failed call.
async fn settle(clients: &FunctionClients, name: &str) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    while started.elapsed() < SETTLE {
        match clients.lambda.function(name).await? {
            Some(function) if function.busy => {
                tracing::info!(function = name, "waiting for the last update to finish");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            _ => return Ok(()),
        }
    }
    anyhow::bail!(
        "the function {name} is still updating after {} s; run deploy again",
        SETTLE.as_secs()
    )
}

pub(super) async fn remove(
    clients: &FunctionClients,
    deployment: &str,
    job: Job,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let name = job.function_name(deployment);
    let state = match clients.lambda.delete_function(&name).await? {
        true => StepState::Deleted,
        false => StepState::Absent,
    };
    outcome.push("function", &name, state, vec![]);
    Ok(())
}

/// One line per deployed function (and its URL, when it has one), for `status`: empty when
/// nothing is deployed.
pub async fn describe(clients: &FunctionClients, deployment: &str) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for job in Job::ALL {
        let name = job.function_name(deployment);
        if let Some(function) = clients.lambda.function(&name).await? {
            lines.push(format!(
                "function {name}: {}, {} MB, {} s, {}",
                function.architecture.as_deref().unwrap_or("?"),
                function.memory_mb.unwrap_or_default(),
                function.timeout_seconds.unwrap_or_default(),
                function.state.as_deref().unwrap_or("?"),
            ));
            if matches!(job, Job::Collect | Job::Dashboard) {
                if let Some(url) = clients.lambda.url(&name).await? {
                    lines.push(format!("function URL of {name}: {}", url.url));
                }
            }
        }
    }
    if lines.is_empty() {
        return Ok(lines);
    }
    lines.extend(super::triggers::describe_mapping(clients, deployment).await?);
    lines.extend(super::schedule::describe(clients, deployment).await?);
    Ok(lines)
}
