//! The deployment's settings item in the daily table: written by the first `init`, read by
//! every other command (shards and retention are fixed for the deployment's life).

use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_sqs::error::SdkError;

use super::keys::{CONFIG_PARTITION, CONFIG_SORT, DAYS_PARTITION};
use super::provision::report;
use super::request::{conditional, policy, send, send_unless};
use super::{
    get_number, number, string, Clients, DeploymentConfig, Names, QueueSetup,
    DEFAULT_RETENTION_DAYS, DEFAULT_SHARDS, DEFAULT_VISIBILITY_TIMEOUT,
};
use crate::backend::{zone_refusal, QueueKind, DEFAULT_MAX_RECEIVES};
use crate::backend::{BackendError, BackendResult, InitOptions, ResourceReport, ResourceState};
use crate::model::zone::Zone;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use std::time::Duration;

/// The settings `init` recorded, or `None` when the daily table or the item is missing.
pub(super) async fn read_config(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> BackendResult<Option<DeploymentConfig>> {
    Ok(read_settings(dynamodb, table)
        .await?
        .map(|(config, _)| config))
}

/// The settings `init` recorded with the deployment's queue, or `None` when the daily table
/// or the item is missing.
pub(super) async fn read_settings(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> BackendResult<Option<(DeploymentConfig, QueueSetup)>> {
    let missing = |err: &SdkError<GetItemError, _>| {
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    };
    let found = send_unless(&policy(), &format!("GetItem on {table}"), missing, || {
        dynamodb
            .get_item()
            .table_name(table)
            .key("pk", string(CONFIG_PARTITION))
            .key("sk", string(CONFIG_SORT))
            .consistent_read(true)
            .send()
    })
    .await?;
    let Some(item) = found.and_then(|output| output.item) else {
        return Ok(None);
    };
    let zone = match item.get("time_zone").and_then(|zone| zone.as_s().ok()) {
        // Deployments made before time zones counted in UTC days.
        None => Zone::UTC,
        Some(name) => Zone::parse(name).map_err(|err| {
            BackendError::permanent(format!("the settings item of {table}: {err}"))
        })?,
    };
    let queue = queue_setup(&item)
        .map_err(|err| BackendError::permanent(format!("the settings item of {table}: {err}")))?;
    Ok((|| {
        let config = DeploymentConfig {
            shards: get_number(&item, "shards")? as u32,
            retention_days: get_number(&item, "retention_days")? as u32,
            zone,
        };
        Some((config, queue))
    })())
}

/// The deployment's queue as its settings item records it (deployments made before Kinesis
/// have SQS).
fn queue_setup(item: &HashMap<String, AttributeValue>) -> Result<QueueSetup, String> {
    let kind = match item.get("queue_kind").and_then(|kind| kind.as_s().ok()) {
        None => QueueKind::Sqs,
        Some(name) => {
            QueueKind::parse(name).ok_or_else(|| format!("unknown queue kind {name:?}"))?
        }
    };
    let visibility = get_number(item, "visibility_seconds")
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_VISIBILITY_TIMEOUT);
    let max_receives = get_number(item, "max_receives")
        .map(|receives| receives as u32)
        .unwrap_or(DEFAULT_MAX_RECEIVES);
    let previous = item
        .get("previous_queue_kind")
        .and_then(|kind| kind.as_s().ok())
        .map(|name| {
            QueueKind::parse(name).ok_or_else(|| format!("unknown previous queue kind {name:?}"))
        })
        .transpose()?;
    Ok(QueueSetup {
        kind,
        visibility,
        max_receives,
        previous,
        stream_epoch: get_number(item, "stream_epoch").unwrap_or(0) as u32,
    })
}

pub(super) async fn ensure_config(
    clients: &Clients,
    names: &Names,
    options: &InitOptions,
) -> anyhow::Result<ResourceReport> {
    let name = format!("{}#{CONFIG_PARTITION}", names.daily_table);
    let shards = options.shards.unwrap_or(DEFAULT_SHARDS);
    let retention_days = options.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS);
    let zone = options.time_zone.unwrap_or_default();
    let queue = options.queue.unwrap_or_default();
    let visibility = options
        .visibility_timeout
        .unwrap_or(DEFAULT_VISIBILITY_TIMEOUT);
    let wanted = format!(
        "{shards} shards a day, raw events kept {retention_days} days, days of {zone}, \
         queue {}",
        queue.name()
    );
    if options.dry_run {
        let existing = read_config(&clients.dynamodb, &names.daily_table).await?;
        let state = if existing.is_some() {
            ResourceState::Exists
        } else {
            ResourceState::WouldCreate
        };
        return Ok(report("settings", &name, state, vec![wanted]));
    }
    let put = conditional(&policy(), "PutItem (settings)", || {
        clients
            .dynamodb
            .put_item()
            .table_name(&names.daily_table)
            .item("pk", string(CONFIG_PARTITION))
            .item("sk", string(CONFIG_SORT))
            .item("shards", number(shards))
            .item("retention_days", number(retention_days))
            .item("time_zone", string(zone.name()))
            .item("schema_version", number(1))
            .item("queue_kind", string(queue.name()))
            .item("visibility_seconds", number(visibility.as_secs()))
            .item(
                "max_receives",
                number(options.max_receives.unwrap_or(DEFAULT_MAX_RECEIVES)),
            )
            .condition_expression("attribute_not_exists(pk)")
            .send()
    })
    .await?;
    match put {
        Some(_) => Ok(report(
            "settings",
            &name,
            ResourceState::Created,
            vec![wanted],
        )),
        None => {
            let current = read_config(&clients.dynamodb, &names.daily_table)
                .await?
                .ok_or_else(|| BackendError::permanent("the settings item is unreadable"))?;
            let mut differences = config_differences(current, options);
            differences.extend(change_zone(clients, names, current.zone, options.time_zone).await?);
            Ok(report(
                "settings",
                &name,
                ResourceState::Exists,
                differences,
            ))
        }
    }
}

/// Records that the deployment's events now go through `to`, and that the queue of kind `from`
/// is kept for the drains to empty first. Conditional on `from` still being recorded, so two
/// changes at once cannot both pass.
pub(super) async fn change_queue_kind(
    clients: &Clients,
    names: &Names,
    from: QueueKind,
    to: QueueKind,
    new_stream: bool,
    dry_run: bool,
) -> anyhow::Result<ResourceReport> {
    let name = format!("{}#{CONFIG_PARTITION}", names.daily_table);
    let change = format!(
        "queue {} -> {}; the {} queue is kept, and every drain empties it before the new one",
        from.name(),
        to.name(),
        from.name()
    );
    if dry_run {
        return Ok(report(
            "settings",
            &name,
            ResourceState::WouldChange,
            vec![change],
        ));
    }
    let updated = conditional(&policy(), "UpdateItem (settings: queue kind)", || {
        let update = clients
            .dynamodb
            .update_item()
            .table_name(&names.daily_table)
            .key("pk", string(CONFIG_PARTITION))
            .key("sk", string(CONFIG_SORT))
            // A stream created now numbers its records afresh: a new epoch names them apart
            // from an earlier stream's.
            .update_expression(match new_stream {
                true => "SET queue_kind = :to, previous_queue_kind = :from ADD stream_epoch :one",
                false => "SET queue_kind = :to, previous_queue_kind = :from",
            })
            // Deployments made before Kinesis recorded no kind: theirs is SQS.
            .condition_expression(match from {
                QueueKind::Sqs => "queue_kind = :from OR attribute_not_exists(queue_kind)",
                QueueKind::Kinesis => "queue_kind = :from",
            })
            .expression_attribute_values(":to", string(to.name()))
            .expression_attribute_values(":from", string(from.name()));
        match new_stream {
            true => update.expression_attribute_values(":one", number(1)),
            false => update,
        }
        .send()
    })
    .await?;
    if updated.is_none() {
        return Err(BackendError::refused(format!(
            "the deployment's queue kind changed while init ran (no longer {}); run init again",
            from.name()
        ))
        .into());
    }
    Ok(report(
        "settings",
        &name,
        ResourceState::Changed,
        vec![change],
    ))
}

/// Settings asked for that the recorded ones do not have (they are kept).
fn config_differences(current: DeploymentConfig, asked: &InitOptions) -> Vec<String> {
    let mut differences = Vec::new();
    if let Some(shards) = asked.shards.filter(|shards| *shards != current.shards) {
        differences.push(format!(
            "{} shards a day, not {shards} (kept: fixed at the first init)",
            current.shards
        ));
    }
    if let Some(days) = asked
        .retention_days
        .filter(|days| *days != current.retention_days)
    {
        differences.push(format!(
            "raw events kept {} days, not {days} (kept)",
            current.retention_days
        ));
    }
    differences
}

/// Sets the time zone asked for, unless the deployment holds events: days already stored were
/// cut at the old zone's midnights, so another zone is refused then.
async fn change_zone(
    clients: &Clients,
    names: &Names,
    current: Zone,
    asked: Option<Zone>,
) -> BackendResult<Option<String>> {
    let Some(asked) = asked.filter(|asked| *asked != current) else {
        return Ok(None);
    };
    let table = &names.daily_table;
    let days = send(&policy(), &format!("Query on {table}"), || {
        clients
            .dynamodb
            .query()
            .table_name(table)
            .key_condition_expression("pk = :days")
            .expression_attribute_values(":days", string(DAYS_PARTITION))
            .limit(1)
            .consistent_read(true)
            .send()
    })
    .await?;
    if days.count > 0 {
        return Err(BackendError::refused(zone_refusal(current, asked)));
    }
    send(&policy(), &format!("UpdateItem on {table}"), || {
        clients
            .dynamodb
            .update_item()
            .table_name(table)
            .key("pk", string(CONFIG_PARTITION))
            .key("sk", string(CONFIG_SORT))
            .update_expression("SET time_zone = :zone")
            .expression_attribute_values(":zone", string(asked.name()))
            .send()
    })
    .await?;
    Ok(Some(format!(
        "time zone changed from {current} to {asked} (it held no events)"
    )))
}
