//! The deployment's capability to run the pipeline as functions (AWS Lambda): what `deploy`,
//! `undeploy` and `status` work with, from the deployment's own connection, so they never
//! build clients or read AWS settings themselves. A backend without it (the local one) offers
//! no `Functions` at all.

use aws_sdk_sqs::types::QueueAttributeName;
use std::sync::Arc;

use super::iam::Iam;
use super::lambda::Lambda;
use super::provision::queue_url;
use super::request::send;
use super::scheduler::Scheduler;
use super::settings::read_settings;
use super::{Aws, Names};
use crate::backend::{BackendError, BackendResult, QueueKind};
use crate::model::retry::RetryPolicy;

/// The functions side of an AWS deployment; nothing is loaded until it is connected.
pub struct Functions {
    aws: Arc<Aws>,
    name: String,
}

impl Functions {
    /// The functions of deployment `name` through `aws`.
    pub fn new(aws: Arc<Aws>, name: &str) -> Functions {
        Functions {
            aws,
            name: name.to_owned(),
        }
    }

    /// Lambda alone: what a function needs to invoke itself.
    pub async fn lambda(&self) -> anyhow::Result<Lambda> {
        self.aws.lambda().await
    }

    /// The clients of every service the functions need, from the checked configuration.
    pub async fn connect(&self) -> anyhow::Result<FunctionClients> {
        let clients = self.aws.clients().await?;
        Ok(FunctionClients {
            iam: self.aws.iam().await?,
            lambda: self.aws.lambda().await?,
            scheduler: self.aws.scheduler().await?,
            queue: QueueSettings {
                sqs: clients.sqs,
                kinesis: clients.kinesis,
                dynamodb: clients.dynamodb,
                names: Names::new(&self.name),
                name: Names::new(&self.name).queue,
                deployment: self.name.clone(),
                retry: self.aws.retry(),
                region: clients.region.clone(),
            },
            region: clients.region,
        })
    }
}

/// What deploying, undeploying and describing the functions call.
pub struct FunctionClients {
    pub iam: Iam,
    pub lambda: Lambda,
    pub scheduler: Scheduler,
    /// The deployment's queue, which feeds the drain function.
    pub queue: QueueSettings,
    pub region: String,
}

/// The queue's settings a function depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueFacts {
    /// The SQS queue's URL (empty for a stream).
    pub url: String,
    /// The queue's or the stream's ARN: what the drain's mapping reads.
    pub arn: String,
    pub visibility_seconds: u64,
    pub kind: QueueKind,
    /// The dead-letter queue's ARN, where a stream's mapping describes what it gives up.
    pub dead_letter_arn: Option<String>,
}

/// The deployment's queue, as the functions see it.
pub struct QueueSettings {
    sqs: aws_sdk_sqs::Client,
    kinesis: aws_sdk_kinesis::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    names: Names,
    name: String,
    deployment: String,
    retry: RetryPolicy,
    region: String,
}

impl QueueSettings {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The queue's URL, ARN and visibility timeout; or the stream's ARN and the dead-letter
    /// queue's, for a deployment whose queue is a Kinesis stream.
    pub async fn read(&self) -> BackendResult<QueueFacts> {
        let kind = read_settings(&self.dynamodb, &self.names.daily_table)
            .await?
            .map_or(QueueKind::Sqs, |(_, queue)| queue.kind);
        match kind {
            QueueKind::Sqs => self.read_sqs(&self.name).await,
            QueueKind::Kinesis => self.read_stream().await,
        }
    }

    async fn read_stream(&self) -> BackendResult<QueueFacts> {
        let name = &self.name;
        let output = send(
            &self.retry,
            &format!("DescribeStreamSummary {name}"),
            || {
                self.kinesis
                    .describe_stream_summary()
                    .stream_name(name)
                    .send()
            },
        )
        .await?;
        let arn = output
            .stream_description_summary
            .map(|summary| summary.stream_arn)
            .unwrap_or_default();
        let dead_letters = self.read_sqs(&self.names.dead_letter_queue).await?;
        Ok(QueueFacts {
            url: String::new(),
            arn,
            visibility_seconds: dead_letters.visibility_seconds,
            kind: QueueKind::Kinesis,
            dead_letter_arn: Some(dead_letters.arn),
        })
    }

    async fn read_sqs(&self, name: &str) -> BackendResult<QueueFacts> {
        let Some(url) = queue_url(&self.sqs, name).await? else {
            return Err(BackendError::NotProvisioned {
                name: self.deployment.clone(),
                location: format!("SQS in {}", self.region),
            });
        };
        let what = format!("GetQueueAttributes {name}");
        let output = send(&self.retry, &what, || {
            self.sqs
                .get_queue_attributes()
                .queue_url(&url)
                .attribute_names(QueueAttributeName::QueueArn)
                .attribute_names(QueueAttributeName::VisibilityTimeout)
                .send()
        })
        .await?;
        let attributes = output.attributes.unwrap_or_default();
        Ok(QueueFacts {
            arn: attributes
                .get(&QueueAttributeName::QueueArn)
                .cloned()
                .unwrap_or_default(),
            visibility_seconds: attributes
                .get(&QueueAttributeName::VisibilityTimeout)
                .and_then(|value| value.parse().ok())
                .unwrap_or(30),
            url,
            kind: QueueKind::Sqs,
            dead_letter_arn: None,
        })
    }

    /// Sets the queue's visibility timeout.
    pub async fn set_visibility_timeout(
        &self,
        queue: &QueueFacts,
        seconds: u64,
    ) -> BackendResult<()> {
        let what = format!("SetQueueAttributes (visibility timeout) {}", self.name);
        send(&self.retry, &what, || {
            self.sqs
                .set_queue_attributes()
                .queue_url(&queue.url)
                .attributes(QueueAttributeName::VisibilityTimeout, seconds.to_string())
                .send()
        })
        .await?;
        Ok(())
    }
}
