//! An AWS deployment as a whole: its region and names, creating and deleting its queues and
//! tables.

use async_trait::async_trait;
use indicatif::ProgressBar;
use std::sync::Arc;

use super::provision::{self, queue_url};
use super::request::{policy, send, send_unless};
use super::{Aws, Clients, Functions, Names};
use crate::backend::{Backend, Deployment, InitOptions, QueueKind, Removal, ResourceReport};
use aws_sdk_dynamodb::operation::delete_table::DeleteTableError;
use aws_sdk_sqs::error::SdkError;

/// The deployment `name` in the account and region the command's connection leads to.
pub struct AwsDeployment {
    aws: Arc<Aws>,
    name: String,
}

impl AwsDeployment {
    pub fn new(aws: Arc<Aws>, name: &str) -> Self {
        AwsDeployment {
            aws,
            name: name.to_owned(),
        }
    }
}

#[async_trait]
impl Deployment for AwsDeployment {
    async fn open(&self) -> anyhow::Result<Backend> {
        super::open_through(&self.aws, &self.name).await
    }

    async fn provision(
        &self,
        options: &InitOptions,
        progress: &ProgressBar,
    ) -> anyhow::Result<Vec<ResourceReport>> {
        let clients = self.aws.clients().await?;
        provision::init(&clients, &Names::new(&self.name), options, progress).await
    }

    async fn teardown(&self) -> anyhow::Result<Vec<Removal>> {
        let clients = self.aws.clients().await?;
        teardown(&clients, &Names::new(&self.name)).await
    }

    fn functions(&self) -> Option<Functions> {
        Some(Functions::new(self.aws.clone(), &self.name))
    }
}

/// Deletes the queues and tables `init` created; returns what was deleted and what was absent.
pub(super) async fn teardown(clients: &Clients, names: &Names) -> anyhow::Result<Vec<Removal>> {
    let mut done = Vec::new();
    for queue in [&names.queue, &names.dead_letter_queue] {
        let deleted = match queue_url(&clients.sqs, queue).await? {
            Some(url) => {
                send(&policy(), &format!("DeleteQueue {queue}"), || {
                    clients.sqs.delete_queue().queue_url(&url).send()
                })
                .await?;
                true
            }
            None => false,
        };
        done.push(Removal {
            resource: format!("queue {queue}"),
            existed: deleted,
        });
    }
    // Read before the daily table that records it goes.
    let streamed = super::settings::read_settings(&clients.dynamodb, &names.daily_table)
        .await?
        .is_some_and(|(_, queue)| {
            queue.kind == QueueKind::Kinesis || queue.previous == Some(QueueKind::Kinesis)
        });
    if streamed {
        let existed = super::stream::provision::delete_stream(clients, &names.queue).await?;
        done.push(Removal {
            resource: format!("stream {}", names.queue),
            existed,
        });
    }
    for table in [&names.events_table, &names.daily_table] {
        let missing = |err: &SdkError<DeleteTableError, _>| {
            err.as_service_error()
                .is_some_and(|e| e.is_resource_not_found_exception())
        };
        let deleted = send_unless(&policy(), &format!("DeleteTable {table}"), missing, || {
            clients.dynamodb.delete_table().table_name(table).send()
        })
        .await?;
        done.push(Removal {
            resource: format!("table {table}"),
            existed: deleted.is_some(),
        });
    }
    Ok(done)
}
