//! Creating, checking and deleting a deployment's Kinesis stream.

use aws_sdk_kinesis::operation::delete_stream::DeleteStreamError;
use aws_sdk_kinesis::operation::describe_stream_summary::DescribeStreamSummaryError;
use aws_sdk_kinesis::types::{StreamMode, StreamModeDetails, StreamStatus};
use aws_sdk_sqs::error::SdkError;
use indicatif::ProgressBar;
use std::time::{Duration, Instant};

use crate::backend::aws::provision::report;
use crate::backend::aws::request::{policy, send, send_unless};
use crate::backend::aws::{malformed, Clients};
use crate::backend::{BackendError, InitOptions, ResourceReport, ResourceState};

/// How long `init` waits for a new stream to become active.
const STREAM_WAIT: Duration = Duration::from_secs(300);

/// What a stream is like: its capacity mode and open shards, its status.
struct Described {
    on_demand: bool,
    open_shards: i32,
    active: bool,
}

async fn describe(clients: &Clients, name: &str) -> anyhow::Result<Option<Described>> {
    let missing = |err: &SdkError<DescribeStreamSummaryError, _>| {
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    };
    let found = send_unless(
        &policy(),
        &format!("DescribeStreamSummary {name}"),
        missing,
        || {
            clients
                .kinesis
                .describe_stream_summary()
                .stream_name(name)
                .send()
        },
    )
    .await?;
    Ok(found
        .and_then(|output| output.stream_description_summary)
        .map(|summary| Described {
            on_demand: summary
                .stream_mode_details()
                .is_some_and(|mode| *mode.stream_mode() == StreamMode::OnDemand),
            open_shards: summary.open_shard_count(),
            active: *summary.stream_status() == StreamStatus::Active,
        }))
}

/// What `init` creates: on-demand capacity unless a shard count is asked for.
fn plan(options: &InitOptions) -> String {
    match options.stream_shards {
        Some(shards) => format!("provisioned, {shards} shard(s), records kept 24 hours"),
        None => "on-demand capacity, records kept 24 hours".into(),
    }
}

/// Creates the stream unless it exists (then reports what differs from what was asked).
pub(in crate::backend::aws) async fn ensure_stream(
    clients: &Clients,
    name: &str,
    options: &InitOptions,
    spinner: &ProgressBar,
) -> anyhow::Result<ResourceReport> {
    if let Some(existing) = describe(clients, name).await? {
        let mut differences = Vec::new();
        match (existing.on_demand, options.stream_shards) {
            (true, Some(asked)) => differences.push(format!(
                "on-demand capacity, not {asked} provisioned shard(s) (kept)"
            )),
            (false, Some(asked)) if asked as i32 != existing.open_shards => differences.push(
                format!("{} open shard(s), not {asked} (kept)", existing.open_shards),
            ),
            _ => {}
        }
        return Ok(report("stream", name, ResourceState::Exists, differences));
    }
    if options.dry_run {
        return Ok(report(
            "stream",
            name,
            ResourceState::WouldCreate,
            vec![plan(options)],
        ));
    }
    let mode = match options.stream_shards {
        Some(_) => StreamMode::Provisioned,
        None => StreamMode::OnDemand,
    };
    let mode = StreamModeDetails::builder()
        .stream_mode(mode)
        .build()
        .map_err(malformed)?;
    send(&policy(), &format!("CreateStream {name}"), || {
        clients
            .kinesis
            .create_stream()
            .stream_name(name)
            .set_shard_count(options.stream_shards.map(|shards| shards as i32))
            .stream_mode_details(mode.clone())
            .send()
    })
    .await?;
    wait_until_active(clients, name, spinner).await?;
    Ok(report(
        "stream",
        name,
        ResourceState::Created,
        vec![plan(options)],
    ))
}

async fn wait_until_active(
    clients: &Clients,
    name: &str,
    spinner: &ProgressBar,
) -> anyhow::Result<()> {
    spinner.set_message(format!("waiting for stream {name} to become active"));
    let started = Instant::now();
    loop {
        if describe(clients, name).await?.is_some_and(|s| s.active) {
            return Ok(());
        }
        if started.elapsed() > STREAM_WAIT {
            return Err(BackendError::transient(format!(
                "stream {name} is not active after {} s; run init again later",
                STREAM_WAIT.as_secs()
            ))
            .into());
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Deletes the lease and process items in the daily table `table`: a stream just created
/// where an older one of the same name was read starts from its own first record.
pub(in crate::backend::aws) async fn forget_leases(
    clients: &Clients,
    table: &str,
) -> anyhow::Result<usize> {
    let leases = super::leases::Leases {
        dynamodb: clients.dynamodb.clone(),
        table: table.to_owned(),
        owner: String::new(),
    };
    Ok(leases.forget_all().await?)
}

/// Deletes the stream; `false` when it was not there.
pub(in crate::backend::aws) async fn delete_stream(
    clients: &Clients,
    name: &str,
) -> anyhow::Result<bool> {
    let missing = |err: &SdkError<DeleteStreamError, _>| {
        err.as_service_error()
            .is_some_and(|e| e.is_resource_not_found_exception())
    };
    let deleted = send_unless(&policy(), &format!("DeleteStream {name}"), missing, || {
        clients
            .kinesis
            .delete_stream()
            .stream_name(name)
            .enforce_consumer_deletion(true)
            .send()
    })
    .await?;
    Ok(deleted.is_some())
}
