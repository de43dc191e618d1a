//! DynamoDB failures moto cannot produce, replayed with aws-smithy-mocks: items left
//! unprocessed, throttling, one budget for both; and the helpers mock_queue_tests.rs shares.

use aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemOutput;
use aws_sdk_dynamodb::operation::update_item::UpdateItemOutput;
use aws_sdk_dynamodb::types::{ConsumedCapacity, WriteRequest};
use aws_smithy_mocks::{mock, mock_client, RuleMode};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;

use super::{AwsBackend, DeploymentConfig, Names};
use crate::backend::{EventStore, MessageEvents};
use crate::model::event::Event;
use crate::model::retry::RetryPolicy;
use tokio::sync::OnceCell;

pub(super) fn backend(sqs: aws_sdk_sqs::Client, dynamodb: aws_sdk_dynamodb::Client) -> AwsBackend {
    AwsBackend {
        sqs,
        dynamodb,
        names: Names::new("mock"),
        name: "mock".into(),
        region: "us-east-1".into(),
        queue_url: OnceCell::new_with(Some("https://sqs.test/1/mock-events".into())),
        dead_letter_url: OnceCell::new_with(Some("https://sqs.test/1/mock-events-dlq".into())),
        visibility_timeout: OnceCell::new(),
        config: OnceCell::new_with(Some(config())),
        lease_owner: "test".into(),
        placed_by_id: Default::default(),
        retry: RetryPolicy {
            attempts: 4,
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
            settle: Duration::from_millis(5),
        },
    }
}

pub(super) fn config() -> DeploymentConfig {
    DeploymentConfig {
        shards: 4,
        retention_days: 400,
        zone: crate::model::zone::Zone::UTC,
    }
}

pub(super) fn events(n: usize) -> Vec<Event> {
    let time = DateTime::parse_from_rfc3339("2021-03-13T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    (0..n)
        .map(|i| Event {
            id: format!("e{i}"),
            page: "/p".into(),
            time,
            ..Default::default()
        })
        .collect()
}

/// A mocked client of `service` answering by `rules`, configured as `connect` configures the
/// real ones: the SDK's own retries off.
macro_rules! mocked {
    ($service:ident, [$($rule:expr),* $(,)?]) => {{
        let rules: Vec<&aws_smithy_mocks::Rule> = vec![$($rule),*];
        mock_client!($service, RuleMode::MatchAny, rules, |conf| {
            conf.retry_config($service::config::retry::RetryConfig::disabled())
        })
    }};
}
pub(super) use mocked;

/// `n` messages of one event each: `n` packed items.
pub(super) fn messages(n: usize) -> Vec<MessageEvents> {
    events(n)
        .into_iter()
        .enumerate()
        .map(|(i, event)| MessageEvents {
            source: format!("m-{i}"),
            events: vec![event].into(),
        })
        .collect()
}

/// The write requests of [`messages`]`(n)`.
pub(super) fn writes(n: usize) -> Vec<WriteRequest> {
    super::layout::pack_messages(
        &messages(n),
        &config(),
        0,
        super::layout::PACKED_ITEM_BYTES,
        |_| super::layout::Sharding::ByVisitor,
    )
    .items
    .into_iter()
    .map(|item| super::writes::put(item).unwrap())
    .collect()
}

pub(super) fn unused_sqs() -> aws_sdk_sqs::Client {
    mocked!(aws_sdk_sqs, [])
}

pub(super) fn unused_dynamodb() -> aws_sdk_dynamodb::Client {
    mocked!(aws_sdk_dynamodb, [])
}

pub(super) fn capacity(units: f64) -> ConsumedCapacity {
    ConsumedCapacity::builder().capacity_units(units).build()
}

pub(super) fn mark_day() -> aws_smithy_mocks::Rule {
    mock!(aws_sdk_dynamodb::Client::update_item).then_output(|| UpdateItemOutput::builder().build())
}

#[tokio::test]
async fn unprocessed_items_are_written_again_until_none_are_left() {
    // The first answer leaves 5 of the 10 items unprocessed, the second takes them.
    let leftover: Vec<WriteRequest> = writes(5);
    let partial = mock!(aws_sdk_dynamodb::Client::batch_write_item)
        .match_requests(|req| {
            req.request_items()
                .is_some_and(|t| t["mock-events"].len() == 10)
        })
        .then_output(move || {
            BatchWriteItemOutput::builder()
                .unprocessed_items("mock-events", leftover.clone())
                .consumed_capacity(capacity(5.0))
                .build()
        });
    let rest = mock!(aws_sdk_dynamodb::Client::batch_write_item)
        .match_requests(|req| {
            req.request_items()
                .is_some_and(|t| t["mock-events"].len() == 5)
        })
        .then_output(|| {
            BatchWriteItemOutput::builder()
                .set_unprocessed_items(Some(HashMap::new()))
                .consumed_capacity(capacity(5.0))
                .build()
        });
    let mark = mark_day();
    let dynamodb = mocked!(aws_sdk_dynamodb, [&partial, &rest, &mark]);
    let outcome = backend(unused_sqs(), dynamodb)
        .put_events(&messages(10))
        .await
        .unwrap();
    assert_eq!(outcome.written, 10);
    assert_eq!(outcome.capacity_units, Some(10.0));
    // The day marked before its rows are written, and once they are.
    assert_eq!(
        (partial.num_calls(), rest.num_calls(), mark.num_calls()),
        (1, 1, 2)
    );
}

#[tokio::test]
async fn items_that_stay_unprocessed_fail_as_transient_after_the_attempts() {
    let leftover = writes(1);
    let stuck = mock!(aws_sdk_dynamodb::Client::batch_write_item).then_output(move || {
        BatchWriteItemOutput::builder()
            .unprocessed_items("mock-events", leftover.clone())
            .build()
    });
    let mark = mark_day();
    let dynamodb = mocked!(aws_sdk_dynamodb, [&stuck, &mark]);
    let err = backend(unused_sqs(), dynamodb)
        .put_events(&messages(1))
        .await
        .unwrap_err();
    assert!(err.is_transient(), "{err}");
    assert!(
        err.to_string()
            .contains("still unprocessed after 4 attempts"),
        "{err}"
    );
    assert_eq!(stuck.num_calls(), 4);
}

/// A throttling answer of DynamoDB.
pub(super) fn throttled() -> aws_smithy_runtime_api::http::Response {
    aws_smithy_runtime_api::http::Response::new(
        aws_smithy_runtime_api::http::StatusCode::try_from(400).unwrap(),
        aws_smithy_types::body::SdkBody::from(
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow down"}"#,
        ),
    )
}

#[tokio::test]
async fn failed_calls_and_unprocessed_items_share_one_budget() {
    let leftover = writes(1);
    let unprocessed = move || {
        BatchWriteItemOutput::builder()
            .unprocessed_items("mock-events", leftover.clone())
            .build()
    };
    let answers = mock!(aws_sdk_dynamodb::Client::batch_write_item)
        .sequence()
        .http_response(throttled)
        .output(unprocessed.clone())
        .http_response(throttled)
        .output(unprocessed)
        .http_response(throttled)
        .build();
    let mark = mark_day();
    let dynamodb = mocked!(aws_sdk_dynamodb, [&answers, &mark]);
    let err = backend(unused_sqs(), dynamodb)
        .put_events(&messages(1))
        .await
        .unwrap_err();
    // 4 attempts in all (the policy's), not 4 per kind of failure, nor the SDK's on top.
    assert_eq!(answers.num_calls(), 4);
    assert!(err.is_transient() && err.was_retried(), "{err}");
    assert!(
        err.to_string().contains("unprocessed after 4 attempts"),
        "{err}"
    );
}

#[tokio::test]
async fn writes_of_more_than_25_items_are_split_into_calls_of_25() {
    let calls = mock!(aws_sdk_dynamodb::Client::batch_write_item)
        .match_requests(|req| {
            req.request_items()
                .is_some_and(|t| t["mock-events"].len() <= 25)
        })
        .then_output(|| BatchWriteItemOutput::builder().build());
    let mark = mark_day();
    let dynamodb = mocked!(aws_sdk_dynamodb, [&calls, &mark]);
    let outcome = backend(unused_sqs(), dynamodb)
        .put_events(&messages(60))
        .await
        .unwrap();
    assert_eq!(outcome.written, 60);
    assert_eq!(calls.num_calls(), 3);
}
