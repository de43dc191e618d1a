//! Least-privilege IAM policies for each role of a deployment (pure code).

use serde_json::{json, Value};

use super::keys::{CONFIG_PARTITION, SALT_PARTITION};
use super::stream::{LEASE_PARTITION, WORKER_PARTITION};
use super::Names;
use crate::backend::QueueKind;

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
    /// The dashboard (`serve`, and the function of `deploy --dashboard`): read daily rows and
    /// settings, and today's raw events for "today so far". Nothing else.
    Dashboard,
}

/// The statements one role needs on a deployment whose queue is `queue`: with a Kinesis
/// stream, those of [`policy`] and the stream's (the SQS queue's statements stay: its name is
/// the deployment's, and the dead-letter queue is SQS either way).
pub fn policy_for(role: IamRole, names: &Names, scope: &Scope, queue: QueueKind) -> Value {
    let mut document = policy(role, names, scope);
    if queue == QueueKind::Kinesis {
        let stream = stream_arn(scope, &names.queue);
        let daily = table_arn(scope, &names.daily_table);
        document["Statement"]
            .as_array_mut()
            .expect("statements")
            .extend(stream_statements(role, &stream, &daily));
    }
    document
}

fn stream_arn(scope: &Scope, name: &str) -> String {
    format!(
        "arn:aws:kinesis:{}:{}:stream/{name}",
        scope.region, scope.account
    )
}

/// What each role calls on the stream, and the drain's leases in the daily table.
fn stream_statements(role: IamRole, stream: &str, daily: &str) -> Vec<Value> {
    let on_stream = |sid: &str, actions: &[&str]| statement(sid, actions, vec![stream.to_owned()]);
    match role {
        IamRole::Sender => vec![on_stream(
            "PutRecords",
            &["kinesis:PutRecords", "kinesis:DescribeStreamSummary"],
        )],
        IamRole::Drainer => vec![
            on_stream(
                "ReadStream",
                &[
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:ListShards",
                    "kinesis:DescribeStream",
                    "kinesis:DescribeStreamSummary",
                ],
            ),
            // Lambda's Kinesis mapping lists the account's streams; AWS's own policy for it
            // (AWSLambdaKinesisExecutionRole) grants this one action on every resource.
            statement(
                "ListStreams",
                &["kinesis:ListStreams"],
                vec!["*".to_owned()],
            ),
            on_partitions(
                "StreamLeases",
                &[
                    "dynamodb:Query",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                ],
                daily,
                &[LEASE_PARTITION, WORKER_PARTITION],
            ),
        ],
        IamRole::Admin => vec![on_stream(
            "ManageStream",
            &[
                "kinesis:CreateStream",
                "kinesis:DeleteStream",
                "kinesis:DescribeStreamSummary",
                // `dlq redrive` puts dead letters back on the stream.
                "kinesis:PutRecords",
            ],
        )],
        IamRole::Aggregator | IamRole::Reader | IamRole::Dashboard => Vec::new(),
    }
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
    let arns = Arns {
        queue: queue_arn(scope, &names.queue),
        dead_letters: queue_arn(scope, &names.dead_letter_queue),
        events: table_arn(scope, &names.events_table),
        daily: table_arn(scope, &names.daily_table),
    };
    let statements = match role {
        IamRole::Sender => sender(&arns),
        IamRole::Drainer => drainer(&arns),
        IamRole::Aggregator => aggregator(&arns),
        IamRole::Reader => reader(&arns),
        IamRole::Admin => admin(&arns),
        IamRole::Dashboard => dashboard(&arns),
    };
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The deployment's resources, as ARNs.
struct Arns {
    queue: String,
    dead_letters: String,
    events: String,
    daily: String,
}

/// A statement on the daily table limited to the items of some partitions (the settings item,
/// the salts), so a role that needs those never gets the daily rows.
fn on_partitions(sid: &str, actions: &[&str], daily: &str, partitions: &[&str]) -> Value {
    let mut statement = statement(sid, actions, vec![daily.to_owned()]);
    statement["Condition"] = json!({
        "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": partitions }
    });
    statement
}

/// `send` and `collect`: the queue; the collector also reads the settings (the time zone)
/// and keeps the day's salt of visitor keys.
fn sender(arns: &Arns) -> Vec<Value> {
    vec![
        statement(
            "SendViews",
            &["sqs:SendMessage", "sqs:GetQueueUrl"],
            vec![arns.queue.clone()],
        ),
        on_partitions(
            "SettingsAndSalts",
            &[
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:DeleteItem",
            ],
            &arns.daily,
            &[CONFIG_PARTITION, SALT_PARTITION],
        ),
    ]
}

fn drainer(arns: &Arns) -> Vec<Value> {
    vec![
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
            vec![arns.queue.clone()],
        ),
        statement(
            "DeadLetter",
            &[
                "sqs:SendMessage",
                "sqs:GetQueueUrl",
                "sqs:GetQueueAttributes",
            ],
            vec![arns.dead_letters.clone()],
        ),
        statement(
            "WriteEvents",
            &["dynamodb:BatchWriteItem"],
            vec![arns.events.clone()],
        ),
        statement(
            "MarkDaysChanged",
            &["dynamodb:UpdateItem", "dynamodb:GetItem"],
            vec![arns.daily.clone()],
        ),
        delete_old_salts(arns),
    ]
}

/// `drain` and `aggregate` delete the salts of days that are over.
fn delete_old_salts(arns: &Arns) -> Value {
    on_partitions(
        "DeleteOldSalts",
        &["dynamodb:Query", "dynamodb:DeleteItem"],
        &arns.daily,
        &[SALT_PARTITION],
    )
}

fn aggregator(arns: &Arns) -> Vec<Value> {
    vec![
        statement("ReadEvents", &["dynamodb:Query"], vec![arns.events.clone()]),
        statement(
            "WriteDaily",
            &[
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:BatchWriteItem",
                "dynamodb:UpdateItem",
            ],
            vec![arns.daily.clone()],
        ),
        delete_old_salts(arns),
    ]
}

fn reader(arns: &Arns) -> Vec<Value> {
    vec![
        statement(
            "ReadDaily",
            &["dynamodb:GetItem", "dynamodb:Query"],
            vec![arns.daily.clone()],
        ),
        statement(
            "CountEvents",
            &["dynamodb:DescribeTable"],
            vec![arns.events.clone()],
        ),
        statement(
            "QueueDepth",
            &["sqs:GetQueueUrl", "sqs:GetQueueAttributes"],
            vec![arns.queue.clone(), arns.dead_letters.clone()],
        ),
    ]
}

/// Reads only: the daily table (rows, day statuses, settings) and Queries of today's raw
/// events; no queue, no writes, no table descriptions.
fn dashboard(arns: &Arns) -> Vec<Value> {
    vec![
        statement(
            "ReadDaily",
            &["dynamodb:GetItem", "dynamodb:Query"],
            vec![arns.daily.clone()],
        ),
        statement("CountToday", &["dynamodb:Query"], vec![arns.events.clone()]),
    ]
}

fn admin(arns: &Arns) -> Vec<Value> {
    vec![
        statement(
            "ManageQueues",
            &[
                "sqs:CreateQueue",
                "sqs:DeleteQueue",
                "sqs:GetQueueUrl",
                "sqs:GetQueueAttributes",
                "sqs:SetQueueAttributes",
            ],
            vec![arns.queue.clone(), arns.dead_letters.clone()],
        ),
        // `dlq list|redrive|purge`. A message move task reads and deletes on the dead-letter
        // queue and sends to the main queue; without one, redrive does the same.
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
            vec![arns.dead_letters.clone()],
        ),
        statement(
            "RedriveToQueue",
            &["sqs:SendMessage"],
            vec![arns.queue.clone()],
        ),
        statement(
            "ManageTables",
            &[
                "dynamodb:CreateTable",
                "dynamodb:DeleteTable",
                "dynamodb:DescribeTable",
                "dynamodb:UpdateTimeToLive",
                "dynamodb:DescribeTimeToLive",
            ],
            vec![arns.events.clone(), arns.daily.clone()],
        ),
        // The settings item, and changing the time zone of a deployment that holds no events
        // (a Query of the days partition tells).
        statement(
            "WriteSettings",
            &[
                "dynamodb:PutItem",
                "dynamodb:GetItem",
                "dynamodb:UpdateItem",
                "dynamodb:Query",
            ],
            vec![arns.daily.clone()],
        ),
    ]
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
    fn a_stream_deployment_adds_the_streams_statements_to_the_roles_that_use_it() {
        let names = Names::new("shop");
        let scope = Scope {
            region: "us-west-2",
            account: "123456789012",
        };
        let stream = |role| actions(&policy_for(role, &names, &scope, QueueKind::Kinesis));
        let queue = |role| actions(&policy_for(role, &names, &scope, QueueKind::Sqs));
        assert!(stream(IamRole::Sender).contains(&"kinesis:PutRecords".to_owned()));
        assert!(stream(IamRole::Drainer).contains(&"kinesis:GetRecords".to_owned()));
        assert!(stream(IamRole::Admin).contains(&"kinesis:CreateStream".to_owned()));
        assert_eq!(stream(IamRole::Aggregator), queue(IamRole::Aggregator));
        assert!(!queue(IamRole::Drainer)
            .iter()
            .any(|a| a.starts_with("kinesis:")));
        let text = policy_for(IamRole::Drainer, &names, &scope, QueueKind::Kinesis).to_string();
        assert!(text.contains("arn:aws:kinesis:us-west-2:123456789012:stream/shop-events"));
        assert!(text.contains("stream_lease") && text.contains("stream_worker"));
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
        assert!(!actions(&drainer).iter().any(|a| a.contains("Create")));
        // Deleting on the daily table only where the salts are.
        for statement in drainer["Statement"].as_array().unwrap() {
            let deletes = statement["Action"]
                .to_string()
                .contains("dynamodb:DeleteItem");
            let salts_only = statement["Condition"]
                == serde_json::json!({
                    "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": ["salt"] }
                });
            assert!(!deletes || salts_only, "{statement}");
        }
        let sender = policy(IamRole::Sender, &names, &scope).to_string();
        assert!(
            sender.contains(r#""dynamodb:LeadingKeys":["config","salt"]"#),
            "{sender}"
        );
        let reader = policy(IamRole::Reader, &names, &scope);
        assert!(actions(&reader)
            .iter()
            .all(|a| !a.contains("Write") && !a.contains("Send")));
        let dashboard = policy(IamRole::Dashboard, &names, &scope);
        assert_eq!(
            actions(&dashboard),
            ["dynamodb:GetItem", "dynamodb:Query", "dynamodb:Query"]
        );
        let text = drainer.to_string();
        assert!(text.contains("arn:aws:sqs:us-west-2:123456789012:shop-events"));
        assert!(text.contains("arn:aws:dynamodb:us-west-2:123456789012:table/shop-daily"));
        assert!(!text.contains("\"*\""), "no wildcard resource: {text}");
    }
}
