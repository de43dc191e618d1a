//! The IAM roles: one per function, with the least-privilege policy `iam-policy` writes for
//! its job's role (and its own log group), and the scheduler's, allowed to invoke only the
//! aggregation.

use serde_json::{json, Value};

use super::{change_state, DeployOptions, Job, Outcome, StepState};
use crate::backend::aws::policies::{policy_for, Scope};
use crate::backend::aws::{FunctionClients, Names};
use crate::backend::QueueKind;

/// The name of each role's one inline policy.
const POLICY_NAME: &str = "pageviews";
/// What a role made by `deploy` says it is.
const DESCRIPTION: &str = "pageviews: made by `pageviews deploy`";

/// The account an ARN belongs to (`arn:aws:iam::123456789012:role/x`).
pub fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|account| !account.is_empty())
}

fn trust(service: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
}

/// A role's ARN, or where a dry run would create it, a stand-in naming it.
pub(super) struct RoleArn(pub String);

/// The role of `job`'s function: `iam-policy`'s statements for the job's role, plus writing to
/// the function's own log group, and for an aggregation that counts days in parts, invoking
/// itself (once per part).
pub(super) async fn ensure_function_role(
    clients: &FunctionClients,
    deployment: &str,
    job: Job,
    queue: QueueKind,
    options: &DeployOptions,
    outcome: &mut Outcome,
) -> anyhow::Result<RoleArn> {
    let dry_run = options.dry_run;
    let invokes_itself = job == Job::Aggregate && options.aggregate_parts > 1;
    let function = job.function_name(deployment);
    let region = clients.region.clone();
    let document = move |account: &str| {
        let scope = Scope {
            region: &region,
            account,
        };
        let mut document = policy_for(job.role(), &Names::new(deployment), &scope, queue);
        let logs = format!("arn:aws:logs:{region}:{account}:log-group:/aws/lambda/{function}:*");
        let statements = document["Statement"].as_array_mut().expect("statements");
        statements.push(json!({
            "Sid": "OwnLogs", "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [logs]}));
        if invokes_itself {
            let own = format!("arn:aws:lambda:{region}:{account}:function:{function}");
            statements.push(json!({
                "Sid": "InvokeOwnParts", "Effect": "Allow", "Action": "lambda:InvokeFunction",
                "Resource": [own]}));
        }
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
    clients: &FunctionClients,
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
    clients: &FunctionClients,
    name: &str,
    trust: &Value,
    document: &dyn Fn(&str) -> Value,
    dry_run: bool,
    outcome: &mut Outcome,
) -> anyhow::Result<RoleArn> {
    let Some(arn) = clients.iam.role_arn(name).await? else {
        if dry_run {
            outcome.push("role", name, StepState::WouldCreate, vec![]);
            return Ok(RoleArn(format!("arn:aws:iam::<account>:role/{name}")));
        }
        let trust = trust.to_string();
        let arn = clients.iam.create_role(name, &trust, DESCRIPTION).await?;
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

async fn put_policy(clients: &FunctionClients, role: &str, document: &Value) -> anyhow::Result<()> {
    let document = document.to_string();
    clients
        .iam
        .put_inline_policy(role, POLICY_NAME, &document)
        .await?;
    Ok(())
}

/// The role's inline policy, as JSON (`None` when it has none, or it is not JSON).
async fn current_policy(clients: &FunctionClients, role: &str) -> anyhow::Result<Option<Value>> {
    let text = clients.iam.inline_policy(role, POLICY_NAME).await?;
    Ok(text.and_then(|text| serde_json::from_str(&text).ok()))
}

/// Deletes a role and its inline policy.
pub(super) async fn remove(
    clients: &FunctionClients,
    name: &str,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    clients.iam.delete_inline_policy(name, POLICY_NAME).await?;
    let state = match clients.iam.delete_role(name).await? {
        true => StepState::Deleted,
        false => StepState::Absent,
    };
    outcome.push("role", name, state, vec![]);
    Ok(())
}
