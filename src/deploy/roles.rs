//! The IAM roles: one per function, with the least-privilege policy `iam-policy` writes for
//! its job's role (and its own log group), and the scheduler's, allowed to invoke only the
//! aggregation.

use anyhow::anyhow;
use aws_sdk_iam::error::DisplayErrorContext;
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

use super::{change_state, DeployClients, Job, Outcome, StepState};
use crate::backend::aws::iam::{policy, Scope};
use crate::backend::aws::Names;

/// The name of each role's one inline policy.
const POLICY_NAME: &str = "pageviews";

/// The account an ARN belongs to (`arn:aws:iam::123456789012:role/x`).
pub fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|account| !account.is_empty())
}

pub(super) fn failed(
    what: &str,
    err: impl std::error::Error + Send + Sync + 'static,
) -> anyhow::Error {
    anyhow!("{what} failed: {}", DisplayErrorContext(&err))
}

fn trust(service: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
}

/// A role's ARN, or where a dry run would create it, a stand-in naming it.
pub(super) struct RoleArn(pub String);

/// The role of `job`'s function: `iam-policy`'s statements for the job's role, plus writing to
/// the function's own log group.
pub(super) async fn ensure_function_role(
    clients: &DeployClients,
    deployment: &str,
    job: Job,
    dry_run: bool,
    outcome: &mut Outcome,
) -> anyhow::Result<RoleArn> {
    let function = job.function_name(deployment);
    let region = clients.region.clone();
    let document = move |account: &str| {
        let scope = Scope {
            region: &region,
            account,
        };
        let mut document = policy(job.role(), &Names::new(deployment), &scope);
        let logs = format!("arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{function}:*");
        document["Statement"]
            .as_array_mut()
            .expect("statements")
            .push(json!({
            "Sid": "OwnLogs", "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [logs]}));
        document
    };
    let name = job.role_name(deployment);
    ensure(
        clients,
        &name,
        &trust("lambda.amazonaws.com"),
        &document,
        dry_run,
        outcome,
    )
    .await
}

/// The role EventBridge Scheduler assumes: it may invoke the aggregation function only.
pub(super) async fn ensure_scheduler_role(
    clients: &DeployClients,
    deployment: &str,
    dry_run: bool,
    outcome: &mut Outcome,
) -> anyhow::Result<RoleArn> {
    let region = clients.region.clone();
    let function = Job::Aggregate.function_name(deployment);
    let document = move |account: &str| {
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "InvokeAggregation", "Effect": "Allow", "Action": "lambda:InvokeFunction",
            "Resource": [format!("arn:aws:lambda:{region}:{account}:function:{function}")]}]})
    };
    let name = super::scheduler_role_name(deployment);
    ensure(
        clients,
        &name,
        &trust("scheduler.amazonaws.com"),
        &document,
        dry_run,
        outcome,
    )
    .await
}

async fn ensure(
    clients: &DeployClients,
    name: &str,
    trust: &Value,
    document: &dyn Fn(&str) -> Value,
    dry_run: bool,
    outcome: &mut Outcome,
) -> anyhow::Result<RoleArn> {
    let found = clients.iam.get_role().role_name(name).send().await;
    let existing = match found {
        Ok(output) => output.role.map(|role| role.arn),
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            None
        }
        Err(err) => return Err(failed(&format!("GetRole {name}"), err)),
    };
    let Some(arn) = existing else {
        if dry_run {
            outcome.push("role", name, StepState::WouldCreate, vec![]);
            return Ok(RoleArn(format!("arn:aws:iam::<account>:role/{name}")));
        }
        let created = clients
            .iam
            .create_role()
            .role_name(name)
            .assume_role_policy_document(trust.to_string())
            .description("pageviews: made by `pageviews deploy`")
            .send()
            .await
            .map_err(|err| failed(&format!("CreateRole {name}"), err))?;
        let arn = created.role.map(|role| role.arn).unwrap_or_default();
        let wanted = document(account_of(&arn).unwrap_or("*"));
        put_policy(clients, name, &wanted).await?;
        outcome.push("role", name, StepState::Created, vec![]);
        return Ok(RoleArn(arn));
    };
    let wanted = document(account_of(&arn).unwrap_or("*"));
    let current = current_policy(clients, name).await?;
    let differences = match current == Some(wanted.clone()) {
        true => vec![],
        false => vec!["its policy differs from `iam-policy`'s".to_owned()],
    };
    let state = change_state(&differences, dry_run);
    if state == StepState::Updated {
        put_policy(clients, name, &wanted).await?;
    }
    outcome.push("role", name, state, differences);
    Ok(RoleArn(arn))
}

async fn put_policy(clients: &DeployClients, role: &str, document: &Value) -> anyhow::Result<()> {
    clients
        .iam
        .put_role_policy()
        .role_name(role)
        .policy_name(POLICY_NAME)
        .policy_document(document.to_string())
        .send()
        .await
        .map_err(|err| failed(&format!("PutRolePolicy on {role}"), err))?;
    Ok(())
}

/// The role's inline policy; IAM returns it URL-encoded.
async fn current_policy(clients: &DeployClients, role: &str) -> anyhow::Result<Option<Value>> {
    let found = clients
        .iam
        .get_role_policy()
        .role_name(role)
        .policy_name(POLICY_NAME)
        .send()
        .await;
    match found {
        Ok(output) => {
            let text = percent_decode_str(&output.policy_document)
                .decode_utf8_lossy()
                .into_owned();
            Ok(serde_json::from_str(&text).ok())
        }
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            Ok(None)
        }
        Err(err) => Err(failed(&format!("GetRolePolicy on {role}"), err)),
    }
}

/// Deletes a role and its inline policy.
pub(super) async fn remove(
    clients: &DeployClients,
    name: &str,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let deleted = clients
        .iam
        .delete_role_policy()
        .role_name(name)
        .policy_name(POLICY_NAME)
        .send()
        .await;
    if let Err(err) = deleted {
        if !err
            .as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception())
        {
            return Err(failed(&format!("DeleteRolePolicy on {name}"), err));
        }
    }
    let state = match clients.iam.delete_role().role_name(name).send().await {
        Ok(_) => StepState::Deleted,
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_no_such_entity_exception()) =>
        {
            StepState::Absent
        }
        Err(err) => return Err(failed(&format!("DeleteRole {name}"), err)),
    };
    outcome.push("role", name, state, vec![]);
    Ok(())
}
