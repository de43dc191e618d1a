//! A command's one connection to AWS: the standard configuration chain with what the command
//! line adds, loaded and checked once, on first use; and the client of every service the
//! project calls (SQS, Kinesis, DynamoDB, S3, IAM, Lambda, EventBridge Scheduler), each built from it
//! and sending every request under the one retry policy. A new service is a client file
//! beside the others and one method here.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_sqs::config::{ProvideCredentials, Region};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

#[cfg(any(test, feature = "test-support"))]
use super::faults::FaultPlan;
use super::iam::Iam;
use super::lambda::Lambda;
use super::s3::S3Bucket;
use super::scheduler::Scheduler;
use super::{errors, request, AwsSettings};
use crate::model::bad_input::BadInput;
use crate::model::retry::RetryPolicy;

/// Connection attempts give up quickly so an unreachable endpoint fails fast.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The SQS and DynamoDB clients of the deployment's queues and tables.
#[derive(Clone)]
pub struct Clients {
    pub sqs: aws_sdk_sqs::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// The stream's, for deployments whose queue is a Kinesis data stream.
    pub kinesis: aws_sdk_kinesis::Client,
    pub region: String,
}

/// What a command reaches AWS through; cheap to make: nothing is loaded until a client is
/// asked for, so a command that never calls AWS never needs its settings.
pub struct Aws {
    settings: AwsSettings,
    config: OnceCell<SdkConfig>,
    retry: RetryPolicy,
    /// Faults for tests (faults.rs); not in a release build.
    #[cfg(any(test, feature = "test-support"))]
    faults: Option<Arc<FaultPlan>>,
}

impl std::fmt::Debug for Aws {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Aws")
            .field("settings", &self.settings)
            .field("loaded", &self.config.initialized())
            .finish()
    }
}

impl Aws {
    pub fn new(settings: AwsSettings) -> Arc<Aws> {
        Arc::new(Aws {
            settings,
            config: OnceCell::new(),
            retry: request::policy(),
            #[cfg(any(test, feature = "test-support"))]
            faults: None,
        })
    }

    /// A connection whose clients fail the calls `plan` names, for tests of faults no
    /// emulator gives (faults.rs).
    #[cfg(any(test, feature = "test-support"))]
    pub fn with_faults(settings: AwsSettings, plan: Arc<FaultPlan>) -> Arc<Aws> {
        Arc::new(Aws {
            settings,
            config: OnceCell::new(),
            retry: request::policy(),
            faults: Some(plan),
        })
    }

    /// The checked configuration every client is built from.
    pub async fn config(&self) -> anyhow::Result<&SdkConfig> {
        self.config
            .get_or_try_init(|| load_config(&self.settings))
            .await
    }

    /// The one retry policy every client sends under.
    pub fn retry(&self) -> RetryPolicy {
        self.retry
    }

    /// The region the configuration leads to.
    pub async fn region(&self) -> anyhow::Result<String> {
        let config = self.config().await?;
        Ok(config
            .region()
            .map(|region| region.to_string())
            .unwrap_or_default())
    }

    /// The clients of the deployment's queues and tables.
    pub async fn clients(&self) -> anyhow::Result<Clients> {
        let config = self.config().await?;
        let sqs = aws_sdk_sqs::config::Builder::from(config);
        let dynamodb = aws_sdk_dynamodb::config::Builder::from(config);
        let kinesis = aws_sdk_kinesis::config::Builder::from(config);
        Ok(Clients {
            sqs: aws_sdk_sqs::Client::from_conf(self.intercepted(sqs).build()),
            dynamodb: aws_sdk_dynamodb::Client::from_conf(self.intercepted(dynamodb).build()),
            kinesis: aws_sdk_kinesis::Client::from_conf(self.intercepted(kinesis).build()),
            region: self.region().await?,
        })
    }

    /// A bucket on S3 (or anything that speaks its API), addressed by path when an endpoint
    /// is given: emulators and most S3-compatible servers need it.
    pub async fn s3(&self, bucket: &str) -> anyhow::Result<S3Bucket> {
        let config = self.config().await?;
        let custom_endpoint = config.endpoint_url().is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some_and(|url| !url.is_empty());
        let builder = aws_sdk_s3::config::Builder::from(config).force_path_style(custom_endpoint);
        let client = aws_sdk_s3::Client::from_conf(self.intercepted(builder).build());
        Ok(S3Bucket::new(client, bucket, self.retry))
    }

    pub async fn iam(&self) -> anyhow::Result<Iam> {
        let builder = aws_sdk_iam::config::Builder::from(self.config().await?);
        let client = aws_sdk_iam::Client::from_conf(self.intercepted(builder).build());
        Ok(Iam::new(client, self.retry))
    }

    pub async fn lambda(&self) -> anyhow::Result<Lambda> {
        let builder = aws_sdk_lambda::config::Builder::from(self.config().await?);
        let client = aws_sdk_lambda::Client::from_conf(self.intercepted(builder).build());
        Ok(Lambda::new(client, self.retry))
    }

    pub async fn scheduler(&self) -> anyhow::Result<Scheduler> {
        let builder = aws_sdk_scheduler::config::Builder::from(self.config().await?);
        let client = aws_sdk_scheduler::Client::from_conf(self.intercepted(builder).build());
        Ok(Scheduler::new(client, self.retry))
    }

    /// A service's configuration with the fault plan's interceptor, when there is one.
    #[cfg(any(test, feature = "test-support"))]
    fn intercepted<B: super::faults::Interceptable>(&self, builder: B) -> B {
        match &self.faults {
            Some(plan) => builder.with_faults(plan.clone()),
            None => builder,
        }
    }

    /// A release build has no fault plans: the configuration as it is.
    #[cfg(not(any(test, feature = "test-support")))]
    fn intercepted<B>(&self, builder: B) -> B {
        builder
    }
}

/// The standard AWS configuration chain with what the command line adds, checked: a region
/// and usable credentials, so that a missing setting is one clear line instead of a failure
/// deep inside the first call.
async fn load_config(settings: &AwsSettings) -> anyhow::Result<SdkConfig> {
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

/// The SQS and DynamoDB clients from a fresh connection (tests).
#[cfg(any(test, feature = "test-support"))]
pub async fn connect(settings: &AwsSettings) -> anyhow::Result<Clients> {
    Aws::new(settings.clone()).clients().await
}
