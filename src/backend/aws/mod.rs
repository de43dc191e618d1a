//! The AWS backend: the queue on Amazon SQS, the events and daily tables on DynamoDB, through
//! the official SDK and the standard AWS configuration chain.

mod daily;
mod dead_letters;
mod deployment;
mod errors;
mod events;
pub mod iam;
pub mod keys;
pub mod layout;
mod marks;
#[cfg(test)]
mod mock_queue_tests;
#[cfg(test)]
mod mock_tests;
pub mod packed;
mod provision;
mod queue;
mod raw_days;
mod record;
mod request;
pub mod s3;
mod salts;
mod settings;
mod writes;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_sqs::config::{ProvideCredentials, Region};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

use super::{Backend, BackendError, BackendResult, Facts};
use crate::model::bad_input::BadInput;
use crate::model::retry::RetryPolicy;
use crate::model::zone::Zone;

pub use deployment::AwsDeployment;
pub use errors::{causes, classify};

/// What the AWS backend is like.
pub const FACTS: Facts = Facts {
    // SQS's queue attributes are approximate and lag by up to a minute.
    exact_counts: false,
    // SQS's longest long poll: fewer empty receives, each billed as a request.
    default_wait: Duration::from_secs(20),
    event_count_note: " (written, by the days' counters: a message delivered twice counts twice)",
    expires_raw_events: true,
    no_functions: None,
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

/// Connection attempts give up quickly so an unreachable endpoint fails fast.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

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

/// SDK clients built once from the configuration chain.
#[derive(Clone)]
pub struct Clients {
    pub sqs: aws_sdk_sqs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub region: String,
}

/// Loads the AWS configuration, checking region and credentials up front so that a missing
/// setting is one clear line instead of a failure deep inside the first call.
pub async fn connect(settings: &AwsSettings) -> anyhow::Result<Clients> {
    let config = load_config(settings).await?;
    let region = config
        .region()
        .map(|region| region.to_string())
        .unwrap_or_default();
    Ok(Clients {
        sqs: aws_sdk_sqs::Client::new(&config),
        dynamodb: aws_sdk_dynamodb::Client::new(&config),
        region,
    })
}

/// The standard AWS configuration chain with what the command line adds, checked: a region
/// and usable credentials. Every AWS client (SQS, DynamoDB, S3) is built from it.
pub async fn load_config(settings: &AwsSettings) -> anyhow::Result<aws_config::SdkConfig> {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(settings.attempt_timeout)
                .build(),
        )
        // The SDK's own retries are off: every request is retried by the one retry policy
        // (`request.rs`), and by nothing else.
        .retry_config(RetryConfig::disabled());
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = &settings.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(endpoint) = &settings.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(credentials) = &settings.credentials {
        loader = loader.credentials_provider(credentials.clone());
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(BadInput(
            "no AWS region: pass --region, set AWS_REGION, or give your profile a region in \
             ~/.aws/config"
                .into(),
        )
        .into());
    }
    let Some(credentials) = config.credentials_provider() else {
        return Err(BadInput("no AWS credentials provider is configured".into()).into());
    };
    if let Err(err) = credentials.provide_credentials().await {
        return Err(BadInput(format!(
            "no usable AWS credentials ({}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, \
             choose a profile with --profile or AWS_PROFILE, or run `aws sso login`",
            errors::causes(&err)
        ))
        .into());
    }
    Ok(config)
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
    /// How each request is retried (the one retry policy).
    retry: RetryPolicy,
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
pub async fn open(settings: &AwsSettings, name: &str) -> anyhow::Result<Backend> {
    let clients = connect(settings).await?;
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
        retry: request::policy(),
    });
    let config = backend.config().await?;
    Ok(Backend {
        queue: backend.clone(),
        events: backend.clone(),
        daily: backend.clone(),
        salts: backend,
        default_visibility: None,
        location: format!("AWS {} (queue {name}-events)", clients.region),
        facts: FACTS,
        zone: config.zone,
        retention_days: Some(config.retention_days),
    })
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
