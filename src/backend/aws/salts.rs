//! The AWS salts: items of the daily table under the `salt` partition, one per day, created
//! with a conditional put so that every collector reads the first one written, deleted
//! explicitly once their day is over (DynamoDB's TTL only as a backstop).

use async_trait::async_trait;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};

use super::keys::SALT_PARTITION;
use super::request::{conditional, send};
use super::writes::{each_page, Item};
use super::{number, string, AwsBackend};
use crate::backend::{BackendError, BackendResult, SaltStore};
use crate::model::day::Day;
use crate::model::visitor::Salt;

impl AwsBackend {
    async fn stored_salt(&self, day: Day) -> BackendResult<Option<Salt>> {
        let table = &self.names.daily_table;
        let output = send(&self.retry, &format!("GetItem (salt) on {table}"), || {
            self.dynamodb
                .get_item()
                .table_name(table)
                .key("pk", string(SALT_PARTITION))
                .key("sk", string(day.to_string()))
                .consistent_read(true)
                .send()
        })
        .await?;
        Ok(output.item.as_ref().and_then(salt_of))
    }
}

fn salt_of(item: &Item) -> Option<Salt> {
    Salt::from_bytes(item.get("salt")?.as_b().ok()?.as_ref())
}

#[async_trait]
impl SaltStore for AwsBackend {
    async fn salt_for(&self, day: Day, expires: DateTime<Utc>) -> BackendResult<Salt> {
        if let Some(salt) = self.stored_salt(day).await? {
            return Ok(salt);
        }
        let table = &self.names.daily_table;
        let fresh = Salt::random();
        let put = conditional(&self.retry, &format!("PutItem (salt) on {table}"), || {
            self.dynamodb
                .put_item()
                .table_name(table)
                .item("pk", string(SALT_PARTITION))
                .item("sk", string(day.to_string()))
                .item("salt", AttributeValue::B(Blob::new(&fresh.as_bytes()[..])))
                .item("ttl", number(expires.timestamp()))
                .condition_expression("attribute_not_exists(pk)")
                .send()
        })
        .await?;
        match put {
            Some(_) => Ok(fresh),
            // Another collector wrote the day's salt first: use theirs.
            None => self
                .stored_salt(day)
                .await?
                .ok_or_else(|| BackendError::transient(format!("the salt of {day} vanished"))),
        }
    }

    async fn delete_salts_before(&self, day: Day) -> BackendResult<u64> {
        let table = &self.names.daily_table;
        let mut deleted = 0;
        for old in self.salt_days().await?.into_iter().filter(|old| *old < day) {
            send(
                &self.retry,
                &format!("DeleteItem (salt) on {table}"),
                || {
                    self.dynamodb
                        .delete_item()
                        .table_name(table)
                        .key("pk", string(SALT_PARTITION))
                        .key("sk", string(old.to_string()))
                        .send()
                },
            )
            .await?;
            deleted += 1;
        }
        Ok(deleted)
    }

    async fn salt_days(&self) -> BackendResult<Vec<Day>> {
        let table = &self.names.daily_table;
        let query = self
            .dynamodb
            .query()
            .table_name(table)
            .key_condition_expression("pk = :salt")
            .expression_attribute_values(":salt", string(SALT_PARTITION))
            .projection_expression("sk")
            .consistent_read(true);
        let mut days = Vec::new();
        each_page(
            &self.retry,
            query,
            &format!("Query (salts) on {table}"),
            |page| {
                for item in page.items.unwrap_or_default() {
                    let sk = item.get("sk").and_then(|sk| sk.as_s().ok());
                    days.extend(sk.and_then(|sk| Day::parse(sk).ok()));
                }
            },
        )
        .await?;
        Ok(days)
    }
}
