//! The deployment's settings item in the daily table: written by the first `init`, read by
//! every other command (shards and retention are fixed for the deployment's life).

use aws_sdk_dynamodb::operation::get_item::GetItemError;
use aws_sdk_sqs::error::SdkError;

use super::keys::{CONFIG_PARTITION, CONFIG_SORT, DAYS_PARTITION};
use super::provision::report;
use super::request::{conditional, policy, send, send_unless};
use super::{
    get_number, number, string, Clients, DeploymentConfig, Names, DEFAULT_RETENTION_DAYS,
    DEFAULT_SHARDS,
};
use crate::backend::zone_refusal;
use crate::backend::{BackendError, BackendResult, InitOptions, ResourceReport, ResourceState};
use crate::model::zone::Zone;

/// The settings `init` recorded, or `None` when the daily table or the item is missing.
pub(super) async fn read_config(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> BackendResult<Option<DeploymentConfig>> {
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
    Ok((|| {
        Some(DeploymentConfig {
            shards: get_number(&item, "shards")? as u32,
            retention_days: get_number(&item, "retention_days")? as u32,
            zone,
        })
    })())
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
    let wanted =
        format!("{shards} shards a day, raw events kept {retention_days} days, days of {zone}");
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
