//! Least-privilege IAM policies for each role of a deployment (pure code).

use serde_json::{json, Value};

use super::Names;

/// A role of the AWS deployment, as `iam-policy --role` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IamRole {
    /// `send` and the collector: put messages on the queue.
    Sender,
    /// `drain`: receive and delete messages, write raw events, dead-letter poison.
    Drainer,
    /// `aggregate`: read a day's raw events, write daily rows.
    Aggregator,
    /// `report` and `status`: read daily rows and queue depth.
    Reader,
    /// `init` and `teardown`: create and delete the queues and tables.
    Admin,
}

/// Where the policy's resources live; `*` where unknown.
pub struct Scope<'a> {
    pub region: &'a str,
    pub account: &'a str,
}

fn queue_arn(scope: &Scope, name: &str) -> String {
    format!("arn:aws:sqs:{}:{}:{name}", scope.region, scope.account)
}

fn table_arn(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:dynamodb:{}:{}:table/{name}",
        scope.region, scope.account
    )
}

fn statement(sid: &str, actions: &[&str], resources: Vec<String>) -> Value {
    json!({ "Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resources })
}

/// The statements one role needs: the API calls its commands make (docs/aws.md), on the
/// deployment's own resources only. Batch calls are authorised by their single-item action
/// (SendMessageBatch by sqs:SendMessage, DeleteMessageBatch by sqs:DeleteMessage,
/// ChangeMessageVisibilityBatch by sqs:ChangeMessageVisibility).
pub fn policy(role: IamRole, names: &Names, scope: &Scope) -> Value {
    let queue = queue_arn(scope, &names.queue);
    let dead_letters = queue_arn(scope, &names.dead_letter_queue);
    let events = table_arn(scope, &names.events_table);
    let daily = table_arn(scope, &names.daily_table);
    let statements = match role {
        IamRole::Sender => vec![statement(
            "SendViews",
            &["sqs:SendMessage", "sqs:GetQueueUrl"],
            vec![queue.clone()],
        )],
        IamRole::Drainer => vec![
            statement(
                "ConsumeQueue",
                &[
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    // A stopping drain hands back what it could not finish.
                    "sqs:ChangeMessageVisibility",
                    "sqs:GetQueueUrl",
                    "sqs:GetQueueAttributes",
                ],
                vec![queue.clone()],
            ),
            statement(
                "DeadLetter",
                &[
                    "sqs:SendMessage",
                    "sqs:GetQueueUrl",
                    "sqs:GetQueueAttributes",
                ],
                vec![dead_letters.clone()],
            ),
            statement(
                "WriteEvents",
                &["dynamodb:BatchWriteItem"],
                vec![events.clone()],
            ),
            statement(
                "MarkDaysChanged",
                &["dynamodb:UpdateItem", "dynamodb:GetItem"],
                vec![daily.clone()],
            ),
        ],
        IamRole::Aggregator => vec![
            statement("ReadEvents", &["dynamodb:Query"], vec![events.clone()]),
            statement(
                "WriteDaily",
                &[
                    "dynamodb:GetItem",
                    "dynamodb:Query",
                    "dynamodb:BatchWriteItem",
                    "dynamodb:UpdateItem",
                ],
                vec![daily.clone()],
            ),
        ],
        IamRole::Reader => vec![
            statement(
                "ReadDaily",
                &["dynamodb:GetItem", "dynamodb:Query"],
                vec![daily.clone()],
            ),
            statement(
                "CountEvents",
                &["dynamodb:DescribeTable"],
                vec![events.clone()],
            ),
            statement(
                "QueueDepth",
                &["sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
                vec![queue.clone(), dead_letters.clone()],
            ),
        ],
        IamRole::Admin => vec![
            statement(
                "ManageQueues",
                &[
                    "sqs:CreateQueue",
                    "sqs:DeleteQueue",
                    "sqs:GetQueueUrl",
                    "sqs:GetQueueAttributes",
                    "sqs:SetQueueAttributes",
                ],
                vec![queue.clone(), dead_letters.clone()],
            ),
            // `dlq list|redrive|purge`. A message move task reads and deletes on the
            // dead-letter queue and sends to the main queue; without one, redrive does the same.
            statement(
                "OperateDeadLetters",
                &[
                    "sqs:ReceiveMessage",
                    "sqs:ChangeMessageVisibility",
                    "sqs:DeleteMessage",
                    "sqs:PurgeQueue",
                    "sqs:StartMessageMoveTask",
                    "sqs:ListMessageMoveTasks",
                ],
                vec![dead_letters],
            ),
            statement("RedriveToQueue", &["sqs:SendMessage"], vec![queue]),
            statement(
                "ManageTables",
                &[
                    "dynamodb:CreateTable",
                    "dynamodb:DeleteTable",
                    "dynamodb:DescribeTable",
                    "dynamodb:UpdateTimeToLive",
                    "dynamodb:DescribeTimeToLive",
                ],
                vec![events, daily.clone()],
            ),
            statement(
                "WriteSettings",
                &["dynamodb:PutItem", "dynamodb:GetItem"],
                vec![daily],
            ),
        ],
    };
    json!({ "Version": "2012-10-17", "Statement": statements })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actions(policy: &Value) -> Vec<String> {
        policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| {
                s["Action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_owned())
            })
            .collect()
    }

    #[test]
    fn roles_get_only_what_their_commands_call() {
        let names = Names::new("shop");
        let scope = Scope {
            region: "us-west-2",
            account: "123456789012",
        };
        let drainer = policy(IamRole::Drainer, &names, &scope);
        assert!(actions(&drainer).contains(&"dynamodb:BatchWriteItem".to_owned()));
        assert!(actions(&drainer).contains(&"sqs:ChangeMessageVisibility".to_owned()));
        assert!(!actions(&drainer)
            .iter()
            .any(|a| a.contains("Create") || a.contains("Delete") && a.starts_with("dynamodb")));
        let reader = policy(IamRole::Reader, &names, &scope);
        assert!(actions(&reader)
            .iter()
            .all(|a| !a.contains("Write") && !a.contains("Send")));
        let text = drainer.to_string();
        assert!(text.contains("arn:aws:sqs:us-west-2:123456789012:shop-events"));
        assert!(text.contains("arn:aws:dynamodb:us-west-2:123456789012:table/shop-daily"));
        assert!(!text.contains("\"*\""), "no wildcard resource: {text}");
    }
}
