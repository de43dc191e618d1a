//! A deployment as a whole: which backend it lives on, creating and deleting its resources,
//! opening it for use, and the facts about its backend that commands need.

use async_trait::async_trait;
use indicatif::ProgressBar;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::aws::{self, Aws, Functions};
use super::{local, Backend};
use crate::model::zone::Zone;

/// Where a deployment lives; the `--backend` flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendKind {
    /// Embedded SQLite database in --data-dir; nothing to set up.
    Local,
    /// Amazon SQS and DynamoDB through the standard AWS configuration.
    Aws,
}

/// Which deployment, as the global flags name it.
#[derive(Debug, Clone)]
pub struct Target {
    pub kind: BackendKind,
    pub name: String,
    /// The local backend's data directory; `None` for the user's data directory.
    pub data_dir: Option<PathBuf>,
    /// The command's one connection to AWS (loaded on first use): the AWS backend's, and
    /// S3's for exports from either backend.
    pub aws: Arc<Aws>,
}

/// What a backend is like, for the commands that adapt to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    /// Queue depths and dead-letter counts are exact (SQLite), not approximate (SQS).
    pub exact_counts: bool,
    /// How long one receive waits for a message unless told otherwise.
    pub default_wait: Duration,
    /// What to add to the stored-events count: how it was obtained, when it is an estimate.
    pub event_count_note: &'static str,
    /// The store deletes raw events past the retention by itself (DynamoDB's TTL), so
    /// `aggregate` leaves them to it.
    pub expires_raw_events: bool,
    /// A write stopped midway can leave its days marked as being written until its window
    /// ends (DynamoDB), keeping them pending meanwhile; a local write is one transaction.
    pub leaves_unfinished_writes: bool,
}

/// Settings `init` provisions with; `None` for what the user did not ask for, which the backend
/// fills with its own default (and does not report as a difference on an existing deployment).
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    pub visibility_timeout: Option<Duration>,
    pub max_receives: Option<u32>,
    /// Days raw events are kept (DynamoDB's TTL; locally, deleted by `aggregate` and `prune`
    /// once counted); `None`: the backend's default (for ever locally).
    pub retention_days: Option<u32>,
    /// Partitions a day's raw events are spread over (DynamoDB only).
    pub shards: Option<u32>,
    /// The zone whose calendar days the deployment counts in (UTC unless asked).
    pub time_zone: Option<Zone>,
    /// Which queue the AWS backend puts events through (`None`: SQS, or what the deployment
    /// already has).
    pub queue: Option<QueueKind>,
    /// Shards of a new Kinesis stream (`None`: on-demand capacity).
    pub stream_shards: Option<u32>,
    /// Move an existing deployment to `queue` when it has the other kind: the new queue is
    /// created and recorded, and the old one is kept for every drain to empty first.
    pub change_queue: bool,
    /// Say what would be created, create nothing.
    pub dry_run: bool,
}

/// The queue of an AWS deployment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueueKind {
    /// Amazon SQS: a message a batch of events, billed per request; the simplest to run.
    #[default]
    Sqs,
    /// A Kinesis data stream: billed per shard-hour (or on demand), cheaper at a steady high
    /// rate; drains share its shards by leases.
    Kinesis,
}

impl QueueKind {
    pub fn name(self) -> &'static str {
        match self {
            QueueKind::Sqs => "sqs",
            QueueKind::Kinesis => "kinesis",
        }
    }

    pub fn parse(name: &str) -> Option<QueueKind> {
        match name {
            "sqs" => Some(QueueKind::Sqs),
            "kinesis" => Some(QueueKind::Kinesis),
            _ => None,
        }
    }
}

/// Deliveries of a message before it is dead-lettered, unless `init` was told otherwise.
pub const DEFAULT_MAX_RECEIVES: u32 = 5;

/// What `init` found or did for one resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceState {
    Created,
    Exists,
    WouldCreate,
    /// An existing resource changed as asked (the settings of a queue change).
    Changed,
    WouldChange,
}

/// One resource `init` looked at.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ResourceReport {
    pub kind: &'static str,
    pub name: String,
    pub state: ResourceState,
    /// Settings that differ from what was asked for (or, for a dry run, the plan).
    pub differences: Vec<String>,
}

/// One resource `teardown` looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// What it was, e.g. "queue pageviews-events" or "database /data/pageviews.sqlite3".
    pub resource: String,
    /// Whether it existed (and is now deleted).
    pub existed: bool,
}

/// A deployment on one backend: everything that differs between backends at the level of a
/// whole deployment. Commands hold a `Box<dyn Deployment>` and never ask which one it is.
#[async_trait]
pub trait Deployment: Send + Sync {
    /// Opens the deployment for use; it must have been created by `init`.
    async fn open(&self) -> anyhow::Result<Backend>;

    /// Creates what is missing (idempotent) and reports each resource.
    async fn provision(
        &self,
        options: &InitOptions,
        progress: &ProgressBar,
    ) -> anyhow::Result<Vec<ResourceReport>>;

    /// Deletes the deployment's resources with everything in them.
    async fn teardown(&self) -> anyhow::Result<Vec<Removal>>;

    /// The pipeline as functions (AWS Lambda): what `deploy`, `undeploy` and `status` work
    /// with; `None` where the backend cannot run it so.
    fn functions(&self) -> Option<Functions> {
        None
    }
}

/// The deployment the flags name, on its backend.
pub fn deployment(target: &Target) -> Box<dyn Deployment> {
    match target.kind {
        BackendKind::Local => Box::new(local::LocalDeployment::new(
            target.data_dir.clone(),
            &target.name,
        )),
        BackendKind::Aws => Box::new(aws::AwsDeployment::new(target.aws.clone(), &target.name)),
    }
}

/// Why a deployment with events keeps its time zone.
pub fn zone_refusal(current: Zone, asked: Zone) -> String {
    format!(
        "the deployment's days are days of {current}, and it holds events already counted in \
         them: its time zone cannot change to {asked} (stored days would mean other hours); \
         keep {current}, or make a new deployment with another --name"
    )
}
