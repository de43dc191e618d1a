//! DynamoDB writes and reads shared by both tables: items, batched writes with UnprocessedItems
//! retried, queries followed to their last page.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::query::QueryOutput;
use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, ReturnConsumedCapacity, WriteRequest};
use futures::stream::{self, StreamExt, TryStreamExt};
use std::collections::HashMap;

use super::request::send;
use super::{classify, malformed, string, AwsBackend};
use crate::backend::retry::retry;
use crate::backend::{BackendError, BackendResult};
use crate::model::retry::RetryPolicy;

/// BatchWriteItem takes at most 25 requests.
pub(super) const MAX_WRITE_BATCH: usize = 25;
/// BatchWriteItem calls in flight at once for one put.
const WRITE_CONCURRENCY: usize = 16;

pub(super) use super::layout::Item;

pub(super) fn key(partition: impl Into<String>, sort: impl Into<String>) -> Item {
    HashMap::from([
        ("pk".to_owned(), string(partition)),
        ("sk".to_owned(), string(sort)),
    ])
}

pub(super) fn put(item: Item) -> BackendResult<WriteRequest> {
    let request = PutRequest::builder()
        .set_item(Some(item))
        .build()
        .map_err(malformed)?;
    Ok(WriteRequest::builder().put_request(request).build())
}

pub(super) fn delete(item_key: Item) -> BackendResult<WriteRequest> {
    let request = DeleteRequest::builder()
        .set_key(Some(item_key))
        .build()
        .map_err(malformed)?;
    Ok(WriteRequest::builder().delete_request(request).build())
}

/// Runs a query to its last page (each page stops at 1 MB), handing each page to `each`; each
/// page is one request under the retry policy.
pub(super) async fn each_page(
    policy: &RetryPolicy,
    query: QueryFluentBuilder,
    what: &str,
    mut each: impl FnMut(QueryOutput),
) -> BackendResult<()> {
    let mut start: Option<Item> = None;
    loop {
        let page = send(policy, what, || {
            query.clone().set_exclusive_start_key(start.clone()).send()
        })
        .await?;
        start = page
            .last_evaluated_key
            .clone()
            .filter(|key| !key.is_empty());
        each(page);
        if start.is_none() {
            return Ok(());
        }
    }
}

pub(super) fn capacity_of(consumed: Option<&[aws_sdk_dynamodb::types::ConsumedCapacity]>) -> f64 {
    consumed
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.capacity_units)
        .sum()
}

impl AwsBackend {
    /// Writes up to 25 requests under one retry budget: a failed call and items DynamoDB
    /// leaves unprocessed (throttling inside a successful answer) both take an attempt of the
    /// one retry policy (its loop, `backend::retry`), and only what is still pending is sent
    /// again after its backoff.
    pub(super) async fn batch_write(
        &self,
        table: &str,
        requests: Vec<WriteRequest>,
    ) -> BackendResult<f64> {
        // What is still to be written, and the capacity the attempts so far consumed.
        let state = std::sync::Mutex::new((requests, 0.0_f64));
        let attempts = std::sync::atomic::AtomicU32::new(0);
        retry(&self.retry, "BatchWriteItem", || async {
            let attempt = attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            let pending = state.lock().expect("batch state lock").0.clone();
            let output = self
                .dynamodb
                .batch_write_item()
                .request_items(table, pending)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(|err| classify("BatchWriteItem", err))?;
            let unprocessed = output
                .unprocessed_items
                .and_then(|mut tables| tables.remove(table))
                .unwrap_or_default();
            let mut state = state.lock().expect("batch state lock");
            state.1 += capacity_of(output.consumed_capacity.as_deref());
            if unprocessed.is_empty() {
                return Ok(state.1);
            }
            let failure = BackendError::transient(format!(
                "BatchWriteItem: {} items still unprocessed after {attempt} attempts",
                unprocessed.len()
            ));
            state.0 = unprocessed;
            Err(failure)
        })
        .await
    }

    /// Writes any number of requests, 25 per call, several calls at once; returns capacity.
    pub(super) async fn write_all(
        &self,
        table: &str,
        requests: Vec<WriteRequest>,
    ) -> BackendResult<f64> {
        let chunks: Vec<Vec<WriteRequest>> = requests
            .chunks(MAX_WRITE_BATCH)
            .map(<[WriteRequest]>::to_vec)
            .collect();
        stream::iter(chunks)
            .map(|chunk| self.batch_write(table, chunk))
            .buffer_unordered(WRITE_CONCURRENCY)
            .try_fold(0.0, |total, units| async move { Ok(total + units) })
            .await
    }
}
