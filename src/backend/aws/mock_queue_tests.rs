//! SQS failures moto cannot produce, replayed with aws-smithy-mocks: throttling and server
//! errors, failed batch entries, limits checked before sending, and redrives with and without
//! message move tasks (the DynamoDB ones are in mock_tests.rs, with the shared helpers).

use super::mock_tests::*;
use crate::backend::{EventStore, Queue, RedriveMethod, RedriveOutcome};
use aws_sdk_sqs::operation::delete_message_batch::DeleteMessageBatchOutput;
use aws_sdk_sqs::operation::get_queue_attributes::GetQueueAttributesOutput;
use aws_sdk_sqs::operation::list_message_move_tasks::ListMessageMoveTasksOutput;
use aws_sdk_sqs::operation::receive_message::ReceiveMessageOutput;
use aws_sdk_sqs::operation::send_message_batch::SendMessageBatchOutput;
use aws_sdk_sqs::operation::start_message_move_task::StartMessageMoveTaskOutput;
use aws_sdk_sqs::types::{
    BatchResultErrorEntry, DeleteMessageBatchResultEntry, ListMessageMoveTasksResultEntry, Message,
    MessageAttributeValue, QueueAttributeName,
};
use aws_smithy_mocks::{mock, mock_client, RuleMode};

#[tokio::test]
async fn throttling_and_server_errors_are_transient_and_client_errors_are_not() {
    for (status, code, transient) in [
        (400, "ProvisionedThroughputExceededException", true),
        (400, "ThrottlingException", true),
        (500, "InternalServerError", true),
        (503, "ServiceUnavailable", true),
        (400, "ValidationException", false),
    ] {
        let body =
            format!(r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{code}","message":"m"}}"#);
        let failing =
            mock!(aws_sdk_dynamodb::Client::batch_write_item).then_http_response(move || {
                aws_smithy_runtime_api::http::Response::new(
                    aws_smithy_runtime_api::http::StatusCode::try_from(status).unwrap(),
                    aws_smithy_types::body::SdkBody::from(body.clone()),
                )
            });
        let mark = mark_day();
        let dynamodb = mocked!(aws_sdk_dynamodb, [&failing, &mark]);
        let err = backend(unused_sqs(), dynamodb)
            .put_events(&messages(1))
            .await
            .unwrap_err();
        assert_eq!(err.is_transient(), transient, "{code}: {err}");
        // Refused data, which the drain splits a group to find: not a refused deployment.
        let invalid = code == "ValidationException";
        assert_eq!(
            err.kind() == crate::backend::ErrorKind::Invalid,
            invalid,
            "{code}"
        );
        assert!(err.to_string().contains(code), "{err}");
    }
}

#[tokio::test]
async fn failed_delete_entries_are_reported_per_entry() {
    let partly = mock!(aws_sdk_sqs::Client::delete_message_batch).then_output(|| {
        DeleteMessageBatchOutput::builder()
            .successful(
                DeleteMessageBatchResultEntry::builder()
                    .id("0")
                    .build()
                    .unwrap(),
            )
            .failed(
                BatchResultErrorEntry::builder()
                    .id("1")
                    .sender_fault(true)
                    .code("ReceiptHandleIsInvalid")
                    .message("stale receipt")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    });
    let sqs = mocked!(aws_sdk_sqs, [&partly]);
    let results = backend(sqs, unused_dynamodb())
        .delete_batch(&["r0".into(), "r1".into()])
        .await
        .unwrap();
    assert!(results[0].is_ok());
    let err = results[1].as_ref().unwrap_err();
    assert!(!err.is_transient());
    assert!(err.to_string().contains("stale receipt"), "{err}");
}

#[tokio::test]
async fn failed_send_entries_are_transient_unless_the_sender_is_at_fault() {
    let partly = mock!(aws_sdk_sqs::Client::send_message_batch).then_output(|| {
        SendMessageBatchOutput::builder()
            .failed(
                BatchResultErrorEntry::builder()
                    .id("0")
                    .sender_fault(false)
                    .code("InternalError")
                    .build()
                    .unwrap(),
            )
            .set_successful(Some(Vec::new()))
            .build()
            .unwrap()
    });
    let sqs = mocked!(aws_sdk_sqs, [&partly]);
    let results = backend(sqs, unused_dynamodb())
        .send_batch(&["{}".into(), "{}".into()])
        .await
        .unwrap();
    assert!(results[0].as_ref().unwrap_err().is_transient());
    assert!(results[1].is_ok());
}

#[tokio::test]
async fn batches_over_sqs_limits_are_refused_before_sending() {
    let backend = backend(unused_sqs(), unused_dynamodb());
    let eleven: Vec<String> = (0..11).map(|_| "{}".to_owned()).collect();
    assert!(backend.send_batch(&eleven).await.is_err());
    let too_big = vec!["x".repeat(600 * 1024), "y".repeat(600 * 1024)];
    assert!(backend.send_batch(&too_big).await.is_err());
}

fn queue_arns() -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_sqs::Client::get_queue_attributes).then_compute_output(|req| {
        let name = req.queue_url().unwrap_or_default().rsplit('/').next();
        GetQueueAttributesOutput::builder()
            .attributes(
                QueueAttributeName::QueueArn,
                format!("arn:aws:sqs:us-east-1:1:{}", name.unwrap_or_default()),
            )
            .build()
    })
}

fn move_task(status: &str, moved: i64) -> ListMessageMoveTasksOutput {
    ListMessageMoveTasksOutput::builder()
        .results(
            ListMessageMoveTasksResultEntry::builder()
                .status(status)
                .approximate_number_of_messages_moved(moved)
                .build(),
        )
        .build()
}

#[tokio::test]
async fn a_redrive_starts_a_message_move_task_and_waits_for_it() {
    let arns = queue_arns();
    let start = mock!(aws_sdk_sqs::Client::start_message_move_task)
        .match_requests(|req| {
            req.source_arn() == Some("arn:aws:sqs:us-east-1:1:mock-events-dlq")
                && req.destination_arn() == Some("arn:aws:sqs:us-east-1:1:mock-events")
        })
        .then_output(|| {
            StartMessageMoveTaskOutput::builder()
                .task_handle("task-1")
                .build()
        });
    let progress = mock!(aws_sdk_sqs::Client::list_message_move_tasks)
        .sequence()
        .output(|| move_task("RUNNING", 3))
        .output(|| move_task("COMPLETED", 7))
        .build();
    let sqs = mocked!(aws_sdk_sqs, [&arns, &start, &progress]);
    let outcome = backend(sqs, unused_dynamodb())
        .redrive_dead_letters()
        .await
        .unwrap();
    assert_eq!(
        outcome,
        RedriveOutcome {
            method: RedriveMethod::MoveTask,
            moved: 7,
            failed: 0,
            exact: false,
        }
    );
    assert_eq!((start.num_calls(), progress.num_calls()), (1, 2));
}

fn dead_letter_message(id: &str, source_id: Option<&str>) -> Message {
    let mut message = Message::builder()
        .message_id(id)
        .receipt_handle(format!("receipt-{id}"))
        .body(format!("body-{id}"));
    if let Some(source) = source_id {
        let value = MessageAttributeValue::builder()
            .data_type("String")
            .string_value(source)
            .build()
            .unwrap();
        message = message.message_attributes("source_message_id", value);
    }
    message.build()
}

/// moto 5.2.1's answer to StartMessageMoveTask: an HTML error page, no AWS error code.
fn not_implemented() -> aws_smithy_runtime_api::http::Response {
    aws_smithy_runtime_api::http::Response::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(500).unwrap(),
        aws_smithy_types::body::SdkBody::from(
            "<!doctype html><title>500 Internal Server Error</title>",
        ),
    )
}

#[tokio::test]
async fn without_move_tasks_a_redrive_copies_and_deletes_only_what_was_sent() {
    let arns = queue_arns();
    let start =
        mock!(aws_sdk_sqs::Client::start_message_move_task).then_http_response(not_implemented);
    let receive = mock!(aws_sdk_sqs::Client::receive_message)
        .sequence()
        .output(|| {
            ReceiveMessageOutput::builder()
                .messages(dead_letter_message("d-1", Some("original-1")))
                .messages(dead_letter_message("d-2", None))
                .build()
        })
        .output(|| ReceiveMessageOutput::builder().build())
        .build();
    // Both keep their identity; the second entry fails and stays a dead letter.
    let send = mock!(aws_sdk_sqs::Client::send_message_batch)
        .match_requests(|req| {
            let identity = |i: usize| {
                req.entries()[i].message_attributes()?["source_message_id"]
                    .string_value()
                    .map(str::to_owned)
            };
            req.queue_url() == Some("https://sqs.test/1/mock-events")
                && identity(0).as_deref() == Some("original-1")
                && identity(1).as_deref() == Some("d-2")
        })
        .then_output(|| {
            SendMessageBatchOutput::builder()
                .failed(
                    BatchResultErrorEntry::builder()
                        .id("1")
                        .sender_fault(false)
                        .code("InternalError")
                        .build()
                        .unwrap(),
                )
                .set_successful(Some(Vec::new()))
                .build()
                .unwrap()
        });
    let delete = mock!(aws_sdk_sqs::Client::delete_message_batch)
        .match_requests(|req| {
            req.queue_url() == Some("https://sqs.test/1/mock-events-dlq")
                && req.entries().len() == 1
                && req.entries()[0].receipt_handle() == "receipt-d-1"
        })
        .then_output(|| {
            DeleteMessageBatchOutput::builder()
                .set_successful(Some(Vec::new()))
                .set_failed(Some(Vec::new()))
                .build()
                .unwrap()
        });
    let sqs = mocked!(aws_sdk_sqs, [&arns, &start, &receive, &send, &delete]);
    let outcome = backend(sqs, unused_dynamodb())
        .redrive_dead_letters()
        .await
        .unwrap();
    assert_eq!(
        outcome,
        RedriveOutcome {
            method: RedriveMethod::Copy,
            moved: 1,
            failed: 1,
            exact: true,
        }
    );
    assert_eq!(
        start.num_calls(),
        1,
        "not retried: the answer means unsupported"
    );
    assert_eq!((send.num_calls(), delete.num_calls()), (1, 1));
}

#[tokio::test]
async fn a_move_task_refused_for_another_reason_is_an_error() {
    let arns = queue_arns();
    let start = mock!(aws_sdk_sqs::Client::start_message_move_task).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
            aws_smithy_types::body::SdkBody::from(
                r#"{"__type":"com.amazonaws.sqs#InvalidAddress","message":"no such queue"}"#,
            ),
        )
    });
    let sqs = mocked!(aws_sdk_sqs, [&arns, &start]);
    let err = backend(sqs, unused_dynamodb())
        .redrive_dead_letters()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("InvalidAddress"), "{err}");
    assert!(!err.is_transient());
}
