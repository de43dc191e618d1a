//! Exports to Amazon S3 (or anything that speaks its API), through the command's S3 client
//! (`backend::aws::s3`: the AWS configuration of the AWS backend, `AWS_ENDPOINT_URL_S3`, every
//! call under the one retry policy): a file of up to one part in one PutObject, a larger one as
//! a multipart upload that appears whole when completed, or not at all.

use async_trait::async_trait;
use bytes::Bytes;

use super::destination::{Destination, Upload};
use crate::backend::aws::s3::{Part, S3Bucket};
use std::sync::Arc;

/// A bucket and a prefix in it.
pub(super) struct S3Destination {
    bucket: Arc<S3Bucket>,
    /// Empty, or ending in `/`.
    prefix: String,
}

impl S3Destination {
    pub(super) fn new(bucket: S3Bucket, prefix: &str) -> Self {
        let prefix = prefix.trim_matches('/');
        S3Destination {
            bucket: Arc::new(bucket),
            prefix: match prefix {
                "" => String::new(),
                prefix => format!("{prefix}/"),
            },
        }
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl Destination for S3Destination {
    async fn create(&self, key: &str) -> anyhow::Result<Box<dyn Upload>> {
        Ok(Box::new(S3Upload {
            bucket: self.bucket.clone(),
            key: self.key(key),
            multipart: None,
        }))
    }

    async fn read(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self.bucket.get(&self.key(key)).await?)
    }

    async fn size(&self, key: &str) -> anyhow::Result<Option<u64>> {
        Ok(self.bucket.size(&self.key(key)).await?)
    }

    fn name(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket.name(), self.key(key))
    }
}

/// One object being written: nothing is sent until a whole part is ready; a file that never
/// grows past one part is one PutObject.
struct S3Upload {
    bucket: Arc<S3Bucket>,
    key: String,
    multipart: Option<Multipart>,
}

/// A multipart upload under way: its id, the parts sent, and their bytes in all.
struct Multipart {
    id: String,
    parts: Vec<Part>,
    bytes: u64,
}

impl S3Upload {
    async fn send_part(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        if self.multipart.is_none() {
            let id = self.bucket.start_upload(&self.key).await?;
            self.multipart = Some(Multipart {
                id,
                parts: Vec::new(),
                bytes: 0,
            });
        }
        let Some(multipart) = self.multipart.as_mut() else {
            return Ok(());
        };
        let number = multipart.parts.len() as i32 + 1;
        let size = bytes.len() as u64;
        let part = self
            .bucket
            .upload_part(&self.key, &multipart.id, number, Bytes::from(bytes))
            .await?;
        multipart.parts.push(part);
        multipart.bytes += size;
        Ok(())
    }

    /// Sends the last part and completes the upload.
    async fn complete(&mut self, last: Vec<u8>) -> anyhow::Result<()> {
        if !last.is_empty() {
            self.send_part(last).await?;
        }
        if let Some(multipart) = &self.multipart {
            self.bucket
                .complete_upload(&self.key, &multipart.id, &multipart.parts, multipart.bytes)
                .await?;
        }
        Ok(())
    }
}

#[async_trait]
impl Upload for S3Upload {
    async fn part(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        self.send_part(bytes).await
    }

    async fn finish(mut self: Box<Self>, last: Vec<u8>) -> anyhow::Result<()> {
        if self.multipart.is_none() {
            self.bucket.put(&self.key, Bytes::from(last)).await?;
            return Ok(());
        }
        let completed = self.complete(last).await;
        if completed.is_err() {
            // Nothing of a file that could not be completed appears, or stays billed.
            self.abort().await;
        }
        completed
    }

    async fn abort(self: Box<Self>) {
        let Some(multipart) = &self.multipart else {
            return;
        };
        if let Err(err) = self.bucket.abort_upload(&self.key, &multipart.id).await {
            tracing::warn!(key = %self.key, error = %crate::backend::aws::causes(&err),
                "cannot abort the multipart upload; a bucket lifecycle rule for incomplete uploads cleans it up");
        }
    }
}
