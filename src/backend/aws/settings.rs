//! The deployment's settings item in the daily table: written by the first `init`, read by
//! every other command (shards and retention are fixed for the deployment's life).

use super::errors::is_condition_failure;
use super::keys::{CONFIG_PARTITION, CONFIG_SORT};
use super::provision::report;
use super::{
    classify, get_number, number, string, Clients, DeploymentConfig, Names, DEFAULT_RETENTION_DAYS,
    DEFAULT_SHARDS,
};
use crate::backend::{BackendError, BackendResult, InitOptions, ResourceReport, ResourceState};

/// The settings `init` recorded, or `None` when the daily table or the item is missing.
pub async fn read_config(
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> BackendResult<Option<DeploymentConfig>> {
    let result = dynamodb
        .get_item()
        .table_name(table)
        .key("pk", string(CONFIG_PARTITION))
        .key("sk", string(CONFIG_SORT))
        .consistent_read(true)
        .send()
        .await;
    let item = match result {
        Ok(output) => output.item,
        Err(err)
            if err
                .as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception()) =>
        {
            return Ok(None)
        }
        Err(err) => return Err(classify(&format!("GetItem on {table}"), err)),
    };
    Ok(item.and_then(|item| {
        Some(DeploymentConfig {
            shards: get_number(&item, "shards")? as u32,
            retention_days: get_number(&item, "retention_days")? as u32,
        })
    }))
}

pub(super) async fn ensure_config(
    clients: &Clients,
    names: &Names,
    options: &InitOptions,
) -> anyhow::Result<ResourceReport> {
    let name = format!("{}#{CONFIG_PARTITION}", names.daily_table);
    let shards = options.shards.unwrap_or(DEFAULT_SHARDS);
    let retention_days = options.retention_days.unwrap_or(DEFAULT_RETENTION_DAYS);
    let wanted = format!("{shards} shards a day, raw events kept {retention_days} days");
    if options.dry_run {
        let existing = read_config(&clients.dynamodb, &names.daily_table).await?;
        let state = if existing.is_some() {
            ResourceState::Exists
        } else {
            ResourceState::WouldCreate
        };
        return Ok(report("settings", &name, state, vec![wanted]));
    }
    let put = clients
        .dynamodb
        .put_item()
        .table_name(&names.daily_table)
        .item("pk", string(CONFIG_PARTITION))
        .item("sk", string(CONFIG_SORT))
        .item("shards", number(shards))
        .item("retention_days", number(retention_days))
        .item("schema_version", number(1))
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await;
    match put {
        Ok(_) => Ok(report(
            "settings",
            &name,
            ResourceState::Created,
            vec![wanted],
        )),
        Err(err) if is_condition_failure(&err) => {
            let current = read_config(&clients.dynamodb, &names.daily_table)
                .await?
                .ok_or_else(|| BackendError::permanent("the settings item is unreadable"))?;
            let differences = config_differences(current, options);
            Ok(report(
                "settings",
                &name,
                ResourceState::Exists,
                differences,
            ))
        }
        Err(err) => Err(classify("PutItem (settings)", err).into()),
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
