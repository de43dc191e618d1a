//! The serverless deployment on AWS (`deploy`, `undeploy`, the functions in `status`): one IAM
//! role and one Lambda function per job (drain, aggregate, collect, dashboard), the event
//! source mapping of the SQS queue or the Kinesis stream, the aggregation's EventBridge Scheduler schedule and the function URLs of the
//! collector and the dashboard.
//! Each step looks before it acts, so a second run reports what exists and what differs.

mod functions;
pub mod package;
mod roles;
pub mod schedule;
mod triggers;

use serde::Serialize;
use std::time::Duration;

use crate::backend::aws::policies::IamRole;
use crate::backend::aws::{FunctionClients, QueueFacts};
use package::Architecture;

pub use functions::describe;
pub use roles::account_of;

/// What `deploy` was asked for.
#[derive(Debug, Clone)]
pub struct DeployOptions {
    /// The zip, shared by every upload of it.
    pub package: bytes::Bytes,
    pub architecture: Architecture,
    pub memory_mb: i32,
    /// The aggregation function's memory and timeout: a day's count (or a part's) holds its
    /// visitors, and reads its shards for as long as they take.
    pub aggregate_memory_mb: i32,
    pub aggregate_timeout_seconds: i32,
    pub timeout_seconds: i32,
    pub batch_size: i32,
    pub batching_window_seconds: i32,
    pub max_concurrency: i32,
    /// Hour and minute of the daily aggregation, in `zone`.
    pub aggregate_at: (u32, u32),
    pub zone: String,
    /// The origins of the beacon endpoint, when one is wanted.
    pub collector: Option<Vec<String>>,
    /// The SHA-256 (hex) of the dashboard's token, when the dashboard is wanted: the function
    /// is given this, never the token.
    pub dashboard: Option<String>,
    /// Create the event source mapping disabled: nothing is drained until it is enabled.
    pub paused: bool,
    /// Parts the aggregation function counts each day in, one invocation of it per part
    /// (`lambda/parts.rs`); 1: each day counted by the scheduled invocation itself.
    pub aggregate_parts: u32,
    /// How a Kinesis stream's mapping reads it (unused for an SQS queue).
    pub stream: StreamOptions,
    pub dry_run: bool,
}

/// How the drain's mapping reads a Kinesis stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamOptions {
    /// Batches of one shard processed at once (1 to 10).
    pub parallelization_factor: i32,
    /// Retries of a batch whose function fails before it is given up; -1: until it succeeds
    /// or its records expire, so nothing is given up while the stream keeps it.
    pub max_retries: i32,
    /// Oldest record the mapping still hands over, in seconds; -1: as long as the stream
    /// keeps it.
    pub max_record_age_seconds: i32,
}

impl Default for StreamOptions {
    /// Nothing given up: a batch that keeps failing is retried as long as the stream keeps
    /// its records (24 hours), and only then described on the dead-letter queue.
    fn default() -> Self {
        StreamOptions {
            parallelization_factor: 1,
            max_retries: -1,
            max_record_age_seconds: -1,
        }
    }
}

/// One job of the deployment as a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Drain,
    Aggregate,
    Collect,
    Dashboard,
}

/// The variable that tells a function which job it has when the event's shape does not: a
/// function URL request is a beacon unless it is `dashboard` (src/lambda/mod.rs reads it).
pub const FUNCTION_ROLE_VARIABLE: &str = "PAGEVIEWS_FUNCTION_ROLE";
/// The parts the aggregation function's schedule counts each day in (`aggregate --parts`'s
/// variable too).
pub const PARTS_VARIABLE: &str = "PAGEVIEWS_PARTS";
/// The variable holding the SHA-256 (hex) of the dashboard's token.
pub const TOKEN_HASH_VARIABLE: &str = "PAGEVIEWS_DASHBOARD_TOKEN_SHA256";

impl Job {
    pub const ALL: [Job; 4] = [Job::Drain, Job::Aggregate, Job::Collect, Job::Dashboard];

    pub fn word(self) -> &'static str {
        match self {
            Job::Drain => "drain",
            Job::Aggregate => "aggregate",
            Job::Collect => "collect",
            Job::Dashboard => "dashboard",
        }
    }

    /// The `iam-policy` role whose permissions the job's function gets.
    pub fn role(self) -> IamRole {
        match self {
            Job::Drain => IamRole::Drainer,
            Job::Aggregate => IamRole::Aggregator,
            Job::Collect => IamRole::Sender,
            Job::Dashboard => IamRole::Dashboard,
        }
    }

    /// Whether this run of `deploy` makes or updates the job's function: the collector and the
    /// dashboard only when asked for (a run without them leaves those deployed earlier as
    /// they are).
    fn wanted(self, options: &DeployOptions) -> bool {
        match self {
            Job::Drain | Job::Aggregate => true,
            Job::Collect => options.collector.is_some(),
            Job::Dashboard => options.dashboard.is_some(),
        }
    }

    pub fn function_name(self, deployment: &str) -> String {
        format!("{deployment}-{}", self.word())
    }

    pub fn role_name(self, deployment: &str) -> String {
        format!("{deployment}-{}-function", self.word())
    }
}

/// The schedule's name, and the role the scheduler assumes to invoke the aggregation.
pub fn schedule_name(deployment: &str) -> String {
    format!("{deployment}-aggregate")
}

pub fn scheduler_role_name(deployment: &str) -> String {
    format!("{deployment}-scheduler")
}

/// What a step found or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepState {
    Created,
    Updated,
    Unchanged,
    WouldCreate,
    WouldUpdate,
    Deleted,
    Absent,
}

impl StepState {
    pub fn word(self) -> &'static str {
        match self {
            StepState::Created => "created",
            StepState::Updated => "updated",
            StepState::Unchanged => "exists",
            StepState::WouldCreate => "would create",
            StepState::WouldUpdate => "would update",
            StepState::Deleted => "deleted",
            StepState::Absent => "absent",
        }
    }
}

/// One resource looked at.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub kind: &'static str,
    pub name: String,
    pub state: StepState,
    /// What differed (and was or would be changed), or what was created.
    pub details: Vec<String>,
}

/// The steps of one run, in order, and the function URLs of the collector and the dashboard
/// when there are.
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    pub steps: Vec<Step>,
    /// The beacon endpoint.
    pub function_url: Option<String>,
    pub dashboard_url: Option<String>,
}

impl Outcome {
    fn push(&mut self, kind: &'static str, name: &str, state: StepState, details: Vec<String>) {
        self.steps.push(Step {
            kind,
            name: name.to_owned(),
            state,
            details,
        });
    }
}

/// Whether a resource that exists is changed (or would be) for the differences found.
fn change_state(differences: &[String], dry_run: bool) -> StepState {
    match (differences.is_empty(), dry_run) {
        (true, _) => StepState::Unchanged,
        (false, true) => StepState::WouldUpdate,
        (false, false) => StepState::Updated,
    }
}

/// How long a function may take to settle from its last update (Lambda refuses another
/// change meanwhile): `deploy` waits for that, with a deadline, before it changes it again.
const SETTLE: Duration = Duration::from_secs(60);

/// Creates or updates everything; `queue` is the deployment's queue (or stream).
pub async fn deploy(
    clients: &FunctionClients,
    deployment: &str,
    queue: &QueueFacts,
    options: &DeployOptions,
) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    let jobs: Vec<Job> = Job::ALL
        .into_iter()
        .filter(|job| job.wanted(options))
        .collect();
    for job in &jobs {
        let role = roles::ensure_function_role(
            clients,
            deployment,
            *job,
            queue.kind,
            options,
            &mut outcome,
        )
        .await?;
        functions::ensure(clients, deployment, *job, &role, options, &mut outcome).await?;
    }
    triggers::ensure_mapping(clients, deployment, queue, options, &mut outcome).await?;
    let scheduler_role =
        roles::ensure_scheduler_role(clients, deployment, options.dry_run, &mut outcome).await?;
    schedule::ensure(clients, deployment, &scheduler_role, options, &mut outcome).await?;
    if let Some(origins) = &options.collector {
        let cors = triggers::collector_cors(origins);
        outcome.function_url = triggers::ensure_url(
            clients,
            &Job::Collect.function_name(deployment),
            Some(&cors),
            options.dry_run,
            &mut outcome,
        )
        .await?;
    }
    if options.dashboard.is_some() {
        // No CORS: the dashboard is read on its own origin, and its API answers CORS itself.
        outcome.dashboard_url = triggers::ensure_url(
            clients,
            &Job::Dashboard.function_name(deployment),
            None,
            options.dry_run,
            &mut outcome,
        )
        .await?;
    }
    Ok(outcome)
}

/// Deletes what `deploy` created; the queues and tables stay.
pub async fn undeploy(clients: &FunctionClients, deployment: &str) -> anyhow::Result<Outcome> {
    let mut outcome = Outcome::default();
    schedule::remove(clients, deployment, &mut outcome).await?;
    triggers::remove_mappings(clients, deployment, &mut outcome).await?;
    for job in Job::ALL {
        functions::remove(clients, deployment, job, &mut outcome).await?;
        roles::remove(clients, &job.role_name(deployment), &mut outcome).await?;
    }
    roles::remove(clients, &scheduler_role_name(deployment), &mut outcome).await?;
    Ok(outcome)
}
