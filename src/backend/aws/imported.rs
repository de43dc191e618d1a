//! The AWS imported objects: items of the daily table under one partition per bucket
//! (`imported#BUCKET`), sorted by object key, each with the ETag read; a prefix's items are
//! one query (`begins_with` on the key), never a scan.

use async_trait::async_trait;
use std::collections::HashMap;

use super::keys::IMPORTED_PARTITION;
use super::request::send;
use super::writes::each_page;
use super::{number, string, AwsBackend};
use crate::backend::{BackendResult, ImportedObjects};

#[async_trait]
impl ImportedObjects for AwsBackend {
    async fn imported(&self, bucket: &str, prefix: &str) -> BackendResult<HashMap<String, String>> {
        let table = &self.names.daily_table;
        let mut query = self
            .dynamodb
            .query()
            .table_name(table)
            .expression_attribute_values(":bucket", string(format!("{IMPORTED_PARTITION}{bucket}")))
            .projection_expression("sk, etag");
        // DynamoDB refuses an empty string in a key condition: no prefix is the whole bucket.
        query = match prefix.is_empty() {
            true => query.key_condition_expression("pk = :bucket"),
            false => query
                .key_condition_expression("pk = :bucket AND begins_with(sk, :prefix)")
                .expression_attribute_values(":prefix", string(prefix)),
        };
        let mut objects = HashMap::new();
        let what = format!("Query (imported objects) on {table}");
        each_page(&self.retry, query, &what, |page| {
            for item in page.items.unwrap_or_default() {
                let text = |name: &str| item.get(name).and_then(|value| value.as_s().ok());
                if let (Some(key), Some(etag)) = (text("sk"), text("etag")) {
                    objects.insert(key.clone(), etag.clone());
                }
            }
        })
        .await?;
        Ok(objects)
    }

    async fn remember_imported(&self, bucket: &str, key: &str, etag: &str) -> BackendResult<()> {
        let table = &self.names.daily_table;
        let read_at = chrono::Utc::now().timestamp_millis();
        send(
            &self.retry,
            &format!("PutItem (imported object) on {table}"),
            || {
                self.dynamodb
                    .put_item()
                    .table_name(table)
                    .item("pk", string(format!("{IMPORTED_PARTITION}{bucket}")))
                    .item("sk", string(key))
                    .item("etag", string(etag))
                    .item("read_at_ms", number(read_at))
                    .send()
            },
        )
        .await?;
        Ok(())
    }
}
