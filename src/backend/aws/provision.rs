//! Creating, checking and deleting a deployment's SQS queues (or its Kinesis stream and SQS
//! dead-letter queue) and DynamoDB tables.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
    TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_sqs::types::QueueAttributeName;
use indicatif::ProgressBar;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::request::{policy, send, send_unless};
use super::settings::{change_queue_kind, ensure_config, read_settings};
use super::{Clients, Names, DEFAULT_VISIBILITY_TIMEOUT};
use crate::backend::{
    BackendError, BackendResult, InitOptions, QueueKind, ResourceReport, ResourceState,
    DEFAULT_MAX_RECEIVES,
};
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_sqs::error::SdkError;
use aws_sdk_sqs::operation::get_queue_url::GetQueueUrlError;

/// Messages wait up to 14 days (SQS's maximum), so a long outage of the drains loses nothing.
const RETENTION_SECONDS: u32 = 1_209_600;
/// Long polling on by default for every receiver.
const RECEIVE_WAIT_SECONDS: u32 = 20;
/// How long `init` waits for a new table to become active.
const TABLE_WAIT: Duration = Duration::from_secs(300);

/// The queue's URL, or `None` when it does not exist.
pub(super) async fn queue_url(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
) -> BackendResult<Option<String>> {
    let missing = |err: &SdkError<GetQueueUrlError, _>| {
        err.as_service_error()
            .is_some_and(|e| e.is_queue_does_not_exist())
    };
    let found = send_unless(&policy(), &format!("GetQueueUrl {name}"), missing, || {
        sqs.get_queue_url().queue_name(name).send()
    })
    .await?;
    Ok(found.and_then(|output| output.queue_url))
}

async fn queue_attributes(
    sqs: &aws_sdk_sqs::Client,
    url: &str,
) -> BackendResult<HashMap<QueueAttributeName, String>> {
    let output = send(&policy(), "GetQueueAttributes", || {
        sqs.get_queue_attributes()
            .queue_url(url)
            .attribute_names(QueueAttributeName::All)
            .send()
    })
    .await?;
    Ok(output.attributes.unwrap_or_default())
}

pub(super) fn report(
    kind: &'static str,
    name: &str,
    state: ResourceState,
    differences: Vec<String>,
) -> ResourceReport {
    ResourceReport {
        kind,
        name: name.to_owned(),
        state,
        differences,
    }
}

/// Creates what is missing (or, with `dry_run`, says what it would create) and reports the
/// settings of what exists that differ from what `init` would create.
pub(super) async fn init(
    clients: &Clients,
    names: &Names,
    options: &InitOptions,
    spinner: &ProgressBar,
) -> anyhow::Result<Vec<ResourceReport>> {
    let (queue, changed_from) = queue_kind(clients, names, options).await?;
    let mut reports = Vec::new();
    let (dlq_report, dlq_url) = ensure_dead_letter_queue(clients, names, options).await?;
    reports.push(dlq_report);
    let queue_report = match queue {
        QueueKind::Sqs => ensure_queue(clients, names, options, dlq_url.as_deref()).await?,
        QueueKind::Kinesis => {
            super::stream::provision::ensure_stream(clients, &names.queue, options, spinner).await?
        }
    };
    let new_stream = queue == QueueKind::Kinesis && queue_report.state == ResourceState::Created;
    if changed_from.is_some() && new_stream {
        // An older stream of this name, read before an earlier change, left checkpoints that
        // name records the new stream does not have.
        super::stream::provision::forget_leases(clients, &names.daily_table).await?;
    }
    reports.push(queue_report);
    for (kind, table) in [
        ("events table", &names.events_table),
        ("daily table", &names.daily_table),
    ] {
        reports.push(ensure_table(clients, kind, table, options, spinner).await?);
    }
    if !options.dry_run {
        enable_ttl(clients, &names.events_table, &mut reports[2]).await?;
    }
    let options = InitOptions {
        queue: Some(queue),
        ..options.clone()
    };
    reports.push(match changed_from {
        Some(from) => {
            change_queue_kind(clients, names, from, queue, new_stream, options.dry_run).await?
        }
        None => ensure_config(clients, names, &options).await?,
    });
    Ok(reports)
}

/// The queue the deployment has, or gets, and the kind it changes from: asking for another
/// kind than it has is refused unless `--change-queue` says so, since what the old queue
/// holds must be drained.
async fn queue_kind(
    clients: &Clients,
    names: &Names,
    options: &InitOptions,
) -> anyhow::Result<(QueueKind, Option<QueueKind>)> {
    let recorded = read_settings(&clients.dynamodb, &names.daily_table)
        .await?
        .map(|(_, queue)| queue.kind);
    match (recorded, options.queue) {
        (Some(has), Some(asked)) if has != asked && options.change_queue => Ok((asked, Some(has))),
        (Some(has), Some(asked)) if has != asked => Err(BackendError::refused(format!(
            "deployment {:?} puts its events through {}, not {}: add --change-queue to move \
             it (the {} queue is kept and drained first, so nothing on it is lost)",
            names.queue.trim_end_matches("-events"),
            has.name(),
            asked.name(),
            has.name()
        ))
        .into()),
        (Some(has), _) => Ok((has, None)),
        (None, asked) => Ok((asked.unwrap_or_default(), None)),
    }
}

async fn ensure_dead_letter_queue(
    clients: &Clients,
    names: &Names,
    options: &InitOptions,
) -> anyhow::Result<(ResourceReport, Option<String>)> {
    let name = &names.dead_letter_queue;
    if let Some(url) = queue_url(&clients.sqs, name).await? {
        return Ok((
            report("dead-letter queue", name, ResourceState::Exists, Vec::new()),
            Some(url),
        ));
    }
    if options.dry_run {
        let plan = vec![format!("message retention {RETENTION_SECONDS} s (14 days)")];
        return Ok((
            report("dead-letter queue", name, ResourceState::WouldCreate, plan),
            None,
        ));
    }
    let output = send(&policy(), &format!("CreateQueue {name}"), || {
        clients
            .sqs
            .create_queue()
            .queue_name(name)
            .attributes(
                QueueAttributeName::MessageRetentionPeriod,
                RETENTION_SECONDS.to_string(),
            )
            .send()
    })
    .await?;
    Ok((
        report(
            "dead-letter queue",
            name,
            ResourceState::Created,
            Vec::new(),
        ),
        output.queue_url,
    ))
}

fn redrive_policy(dead_letter_arn: &str, max_receives: u32) -> String {
    serde_json::json!({ "deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": max_receives })
        .to_string()
}

async fn ensure_queue(
    clients: &Clients,
    names: &Names,
    options: &InitOptions,
    dead_letter_url: Option<&str>,
) -> anyhow::Result<ResourceReport> {
    let name = &names.queue;
    if let Some(url) = queue_url(&clients.sqs, name).await? {
        let attributes = queue_attributes(&clients.sqs, &url).await?;
        let differences = queue_differences(&attributes, options);
        return Ok(report("queue", name, ResourceState::Exists, differences));
    }
    let visibility = options
        .visibility_timeout
        .unwrap_or(DEFAULT_VISIBILITY_TIMEOUT)
        .as_secs()
        .to_string();
    let max_receives = options.max_receives.unwrap_or(DEFAULT_MAX_RECEIVES);
    let plan = vec![
        format!("visibility timeout {visibility} s"),
        format!("long polling {RECEIVE_WAIT_SECONDS} s"),
        format!("message retention {RETENTION_SECONDS} s (14 days)"),
        format!(
            "dead-letter queue {} after {max_receives} receives",
            names.dead_letter_queue
        ),
    ];
    let Some(dead_letter_url) = dead_letter_url.filter(|_| !options.dry_run) else {
        return Ok(report("queue", name, ResourceState::WouldCreate, plan));
    };
    let dead_letter_arn = queue_attributes(&clients.sqs, dead_letter_url)
        .await?
        .remove(&QueueAttributeName::QueueArn)
        .ok_or_else(|| BackendError::permanent("the dead-letter queue has no ARN"))?;
    send(&policy(), &format!("CreateQueue {name}"), || {
        clients
            .sqs
            .create_queue()
            .queue_name(name)
            .attributes(QueueAttributeName::VisibilityTimeout, &visibility)
            .attributes(
                QueueAttributeName::ReceiveMessageWaitTimeSeconds,
                RECEIVE_WAIT_SECONDS.to_string(),
            )
            .attributes(
                QueueAttributeName::MessageRetentionPeriod,
                RETENTION_SECONDS.to_string(),
            )
            .attributes(
                QueueAttributeName::RedrivePolicy,
                redrive_policy(&dead_letter_arn, max_receives),
            )
            .send()
    })
    .await?;
    Ok(report("queue", name, ResourceState::Created, Vec::new()))
}

/// Settings of an existing queue that differ from what was asked for; and a missing redrive
/// policy, without which poison would never leave the queue.
fn queue_differences(
    attributes: &HashMap<QueueAttributeName, String>,
    asked: &InitOptions,
) -> Vec<String> {
    let mut differences = Vec::new();
    let visibility = attributes
        .get(&QueueAttributeName::VisibilityTimeout)
        .map_or("unset", String::as_str);
    if let Some(asked) = asked.visibility_timeout.map(|t| t.as_secs().to_string()) {
        if visibility != asked {
            differences.push(format!(
                "visibility timeout is {visibility} s, not {asked} s (kept)"
            ));
        }
    }
    let redrive: Option<serde_json::Value> = attributes
        .get(&QueueAttributeName::RedrivePolicy)
        .and_then(|policy| serde_json::from_str(policy).ok());
    let receives = redrive
        .as_ref()
        .and_then(|policy| policy.get("maxReceiveCount"))
        .and_then(|count| count.as_u64().or_else(|| count.as_str()?.parse().ok()));
    match (receives, asked.max_receives) {
        (None, _) => {
            differences.push("no dead-letter queue is wired (redrive policy missing)".into())
        }
        (Some(count), Some(asked)) if count != u64::from(asked) => {
            differences.push(format!("max receives is {count}, not {asked} (kept)"))
        }
        _ => {}
    }
    differences
}

async fn ensure_table(
    clients: &Clients,
    kind: &'static str,
    table: &str,
    options: &InitOptions,
    spinner: &ProgressBar,
) -> anyhow::Result<ResourceReport> {
    let missing = |err: &SdkError<DescribeTableError, _>| {
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    };
    let described = send_unless(
        &policy(),
        &format!("DescribeTable {table}"),
        missing,
        || clients.dynamodb.describe_table().table_name(table).send(),
    )
    .await?;
    if let Some(output) = described {
        let mut differences = Vec::new();
        let billing = output
            .table
            .as_ref()
            .and_then(|t| t.billing_mode_summary.as_ref())
            .and_then(|b| b.billing_mode.clone());
        if billing != Some(BillingMode::PayPerRequest) {
            differences.push("billing is not on-demand (PAY_PER_REQUEST) (kept)".into());
        }
        return Ok(report(kind, table, ResourceState::Exists, differences));
    }
    if options.dry_run {
        let plan = vec!["key pk (string) + sk (string), on-demand billing".to_owned()];
        return Ok(report(kind, table, ResourceState::WouldCreate, plan));
    }
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    let key = |name: &str, key_type| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(key_type)
            .build()
    };
    let (pk, sk) = (attribute("pk")?, attribute("sk")?);
    let (hash, range) = (key("pk", KeyType::Hash)?, key("sk", KeyType::Range)?);
    send(&policy(), &format!("CreateTable {table}"), || {
        clients
            .dynamodb
            .create_table()
            .table_name(table)
            .attribute_definitions(pk.clone())
            .attribute_definitions(sk.clone())
            .key_schema(hash.clone())
            .key_schema(range.clone())
            .billing_mode(BillingMode::PayPerRequest)
            .send()
    })
    .await?;
    wait_until_active(clients, table, spinner).await?;
    Ok(report(kind, table, ResourceState::Created, Vec::new()))
}

async fn wait_until_active(
    clients: &Clients,
    table: &str,
    spinner: &ProgressBar,
) -> anyhow::Result<()> {
    let started = Instant::now();
    spinner.set_message(format!("waiting for table {table} to become active"));
    loop {
        let output = send(&policy(), &format!("DescribeTable {table}"), || {
            clients.dynamodb.describe_table().table_name(table).send()
        })
        .await?;
        let status = output.table.and_then(|t| t.table_status);
        if status == Some(TableStatus::Active) {
            return Ok(());
        }
        if started.elapsed() > TABLE_WAIT {
            anyhow::bail!(
                "table {table} is still {status:?} after {} s; run init again later",
                TABLE_WAIT.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Raw events expire through DynamoDB's TTL (free); turned on for a new table, reported if off.
async fn enable_ttl(
    clients: &Clients,
    table: &str,
    report: &mut ResourceReport,
) -> anyhow::Result<()> {
    let current = send(&policy(), &format!("DescribeTimeToLive {table}"), || {
        clients
            .dynamodb
            .describe_time_to_live()
            .table_name(table)
            .send()
    })
    .await?;
    let description = current.time_to_live_description;
    let status = description
        .as_ref()
        .and_then(|d| d.time_to_live_status.clone());
    let attribute = description.and_then(|d| d.attribute_name);
    let enabled = matches!(
        status,
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
    );
    if enabled && attribute.as_deref() == Some("ttl") {
        return Ok(());
    }
    if report.state == ResourceState::Exists {
        report
            .differences
            .push("TTL on attribute `ttl` is off: raw events never expire (kept)".into());
        return Ok(());
    }
    let specification = TimeToLiveSpecification::builder()
        .enabled(true)
        .attribute_name("ttl")
        .build()?;
    send(&policy(), &format!("UpdateTimeToLive {table}"), || {
        clients
            .dynamodb
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(specification.clone())
            .send()
    })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn existing_queue_settings_are_compared() {
        let mut attributes = HashMap::from([
            (QueueAttributeName::VisibilityTimeout, "300".to_owned()),
            (
                QueueAttributeName::RedrivePolicy,
                redrive_policy("arn:x", 5),
            ),
        ]);
        let asked = |visibility: u64, max_receives: u32| InitOptions {
            visibility_timeout: Some(Duration::from_secs(visibility)),
            max_receives: Some(max_receives),
            ..InitOptions::default()
        };
        assert!(queue_differences(&attributes, &asked(300, 5)).is_empty());
        let differences = queue_differences(&attributes, &asked(60, 3));
        assert_eq!(differences.len(), 2, "{differences:?}");
        // Nothing asked for, nothing to report.
        assert!(queue_differences(&attributes, &InitOptions::default()).is_empty());
        attributes.remove(&QueueAttributeName::RedrivePolicy);
        let missing = queue_differences(&attributes, &InitOptions::default());
        assert!(missing[0].contains("no dead-letter queue"), "{missing:?}");
    }
}
