//! The AWS backend: the queue on Amazon SQS, the events and daily tables on DynamoDB, through
//! the official SDK and the standard AWS configuration chain; and the one client layer of
//! every AWS service the project calls (connection.rs builds the clients: s3.rs, iam.rs,
//! lambda.rs, scheduler.rs beside the queue and table code), every request under the one retry
//! policy (request.rs), every failure classified once (errors.rs).

mod connection;
mod daily;
mod dead_letters;
mod deployment;
mod errors;
mod events;
#[cfg(any(test, feature = "test-support"))]
pub mod faults;
mod functions;
pub mod iam;
mod imported;
mod invoke;
pub mod keys;
pub mod lambda;
pub mod layout;
mod marks;
#[cfg(test)]
mod mock_queue_tests;
#[cfg(test)]
mod mock_tests;
pub mod packed;
mod parts;
pub mod policies;
mod provision;
mod queue;
mod raw_days;
mod record;
mod request;
pub mod s3;
mod salts;
pub mod scheduler;
mod settings;
mod stream;
mod writes;

use aws_sdk_dynamodb::types::AttributeValue;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

use super::{Backend, BackendError, BackendResult, Facts, Queue, QueueKind};
use crate::model::retry::RetryPolicy;
use crate::model::zone::Zone;

#[cfg(any(test, feature = "test-support"))]
pub use connection::connect;
pub use connection::{Aws, Clients};
pub use deployment::AwsDeployment;
pub use errors::causes;
use errors::classify;
pub use functions::{FunctionClients, Functions, QueueFacts};
pub use stream::record_identity as stream_record_identity;

/// What the AWS backend is like.
pub const FACTS: Facts = Facts {
    // SQS's queue attributes are approximate and lag by up to a minute.
    exact_counts: false,
    // SQS's longest long poll: fewer empty receives, each billed as a request.
    default_wait: Duration::from_secs(20),
    event_count_note: " (written, by the days' counters: a message delivered twice counts twice)",
    expires_raw_events: true,
    // A write marks its days before its rows and says when it is done after (backend::aws::marks).
    leaves_unfinished_writes: true,
};

/// Visibility timeout of a new queue unless `init` is told otherwise: one batch can mean
/// hundreds of table writes.
pub const DEFAULT_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(300);
/// Partitions a day's raw events are spread over unless `init` is told otherwise.
pub const DEFAULT_SHARDS: u32 = 8;
/// Days DynamoDB keeps raw events (TTL) unless `init` is told otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 400;

/// Where to find AWS: what the command line adds to the standard configuration chain.
#[derive(Debug, Clone)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// One attempt of an ordinary call (not a long poll).
    pub attempt_timeout: Duration,
    /// Access keys to use instead of the configuration chain's: for programs that hold their
    /// own (the tests give an emulator's), never read from a flag.
    pub credentials: Option<aws_sdk_sqs::config::Credentials>,
}

/// The names of a deployment's resources.
#[derive(Debug, Clone)]
pub struct Names {
    pub queue: String,
    pub dead_letter_queue: String,
    pub events_table: String,
    pub daily_table: String,
}

impl Names {
    pub fn new(name: &str) -> Self {
        Names {
            queue: format!("{name}-events"),
            dead_letter_queue: format!("{name}-events-dlq"),
            events_table: format!("{name}-events"),
            daily_table: format!("{name}-daily"),
        }
    }
}

/// An open AWS deployment. Queue URLs and settings are looked up on first use, so each
/// command pays only for the lookups it needs.
pub struct AwsBackend {
    sqs: aws_sdk_sqs::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    names: Names,
    /// For "not provisioned" errors.
    name: String,
    region: String,
    queue_url: OnceCell<String>,
    dead_letter_url: OnceCell<String>,
    /// The main queue's visibility timeout, read once when asked for.
    visibility_timeout: OnceCell<Duration>,
    config: OnceCell<DeploymentConfig>,
    /// Identifies this process's aggregation leases.
    lease_owner: String,
    /// Days this process has seen placed by event id (`marks.rs`): a day's placement never
    /// changes, so its next write is marked as such at once instead of after a refusal.
    placed_by_id: std::sync::Mutex<std::collections::HashSet<crate::model::day::Day>>,
    /// How each request is retried (the one retry policy).
    retry: RetryPolicy,
}

/// The deployment's queue, as `init` recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSetup {
    pub kind: crate::backend::QueueKind,
    /// How long a record handed out stays with its reader (a stream's; SQS keeps its own).
    pub visibility: Duration,
    /// Readings of a record before a stream's reader dead-letters it (SQS keeps its own in
    /// the redrive policy).
    pub max_receives: u32,
    /// The queue of the kind the deployment had before `init --change-queue`: kept, and
    /// emptied by every drain before its own queue, for senders that started before the change.
    pub previous: Option<crate::backend::QueueKind>,
    /// Streams created by queue changes after the first (see [`Backend::stream_epoch`]).
    pub stream_epoch: u32,
}

/// Settings `init` records in the daily table, read back by every other command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeploymentConfig {
    pub shards: u32,
    pub retention_days: u32,
    pub zone: Zone,
}

/// Opens a deployment, reading its settings (one GetItem; `NotProvisioned` when `init` has
/// not run). Queues are looked up on first use, so each command pays only for what it needs.
#[cfg(any(test, feature = "test-support"))]
pub async fn open(settings: &AwsSettings, name: &str) -> anyhow::Result<Backend> {
    open_through(&Aws::new(settings.clone()), name).await
}

/// Opens a deployment through a command's connection.
pub async fn open_through(aws: &Aws, name: &str) -> anyhow::Result<Backend> {
    let clients = aws.clients().await?;
    let backend = Arc::new(AwsBackend {
        sqs: clients.sqs,
        dynamodb: clients.dynamodb,
        names: Names::new(name),
        name: name.to_owned(),
        region: clients.region.clone(),
        queue_url: OnceCell::new(),
        dead_letter_url: OnceCell::new(),
        visibility_timeout: OnceCell::new(),
        config: OnceCell::new(),
        lease_owner: super::random_token(),
        placed_by_id: Default::default(),
        retry: aws.retry(),
    });
    let (config, queue) = settings::read_settings(&backend.dynamodb, &backend.names.daily_table)
        .await?
        .ok_or_else(|| backend.not_provisioned())?;
    let _ = backend.config.set(config);
    let mut opened = Backend::served_by(
        backend.clone(),
        FACTS,
        format!("AWS {} (queue {name}-events)", clients.region),
        config.zone,
        None,
        Some(config.retention_days),
    );
    let stream = || -> Arc<dyn Queue> {
        Arc::new(stream::StreamQueue::new(
            clients.kinesis.clone(),
            backend.names.queue.clone(),
            backend.clone(),
            queue,
        ))
    };
    if queue.kind == QueueKind::Kinesis {
        opened.location = format!("AWS {} (Kinesis stream {name}-events)", clients.region);
        opened.default_visibility = Some(queue.visibility);
        opened.queue = stream();
    }
    opened.stream_epoch = queue.stream_epoch;
    opened.day_shards = Some(config.shards);
    opened.previous_queue = match queue.previous {
        Some(previous) if previous == queue.kind => None,
        Some(QueueKind::Kinesis) => Some(stream()),
        Some(QueueKind::Sqs) => Some(backend.clone()),
        None => None,
    };
    Ok(opened)
}

impl AwsBackend {
    fn not_provisioned(&self) -> BackendError {
        BackendError::NotProvisioned {
            name: self.name.clone(),
            location: format!("SQS and DynamoDB in {}", self.region),
        }
    }

    async fn resolve_queue(&self, name: &str) -> BackendResult<String> {
        provision::queue_url(&self.sqs, name)
            .await?
            .ok_or_else(|| self.not_provisioned())
    }

    async fn queue_url(&self) -> BackendResult<&str> {
        let url = self
            .queue_url
            .get_or_try_init(|| self.resolve_queue(&self.names.queue))
            .await?;
        Ok(url.as_str())
    }

    async fn dead_letter_url(&self) -> BackendResult<&str> {
        let url = self
            .dead_letter_url
            .get_or_try_init(|| self.resolve_queue(&self.names.dead_letter_queue))
            .await?;
        Ok(url.as_str())
    }

    async fn config(&self) -> BackendResult<DeploymentConfig> {
        let config = self
            .config
            .get_or_try_init(|| async {
                settings::read_config(&self.dynamodb, &self.names.daily_table)
                    .await?
                    .ok_or_else(|| self.not_provisioned())
            })
            .await?;
        Ok(*config)
    }
}

/// A request or entry the SDK would not build: the same input would not build on a retry.
fn malformed(err: aws_smithy_types::error::operation::BuildError) -> BackendError {
    BackendError::permanent(err.to_string()).caused_by(err)
}

fn string(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn number(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A numeric attribute of an item, if present and a number.
fn get_number(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> Option<u64> {
    item.get(name)?
        .as_n()
        .ok()?
        .parse::<f64>()
        .ok()
        .map(|n| n as u64)
}
