//! Exports to Amazon S3 (or anything that speaks its API): the same AWS configuration as the
//! SQS and DynamoDB clients (profile, region, credentials, `--endpoint-url`,
//! `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_S3`), path-style addressing when an endpoint is
//! given (emulators and most S3-compatible servers need it), a file of up to one part in one
//! PutObject and a larger one as a multipart upload.

use anyhow::Context as _;
use async_trait::async_trait;
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use super::destination::{Destination, Upload};
use crate::backend::aws::{classify, load_config, AwsSettings};
use crate::model::bad_input::BadInput;

/// A bucket and a prefix in it.
pub struct S3Destination {
    client: aws_sdk_s3::Client,
    bucket: String,
    /// Empty, or ending in `/`.
    prefix: String,
}

impl S3Destination {
    pub async fn connect(
        settings: &AwsSettings,
        bucket: &str,
        prefix: &str,
    ) -> anyhow::Result<Self> {
        let config = load_config(settings).await?;
        let custom_endpoint = config.endpoint_url().is_some()
            || std::env::var_os("AWS_ENDPOINT_URL_S3").is_some_and(|url| !url.is_empty());
        let s3 = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(custom_endpoint)
            .build();
        let prefix = prefix.trim_matches('/');
        Ok(S3Destination {
            client: aws_sdk_s3::Client::from_conf(s3),
            bucket: bucket.to_owned(),
            prefix: match prefix {
                "" => String::new(),
                prefix => format!("{prefix}/"),
            },
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

/// An S3 error in the user's terms: a missing bucket says so.
fn s3_error<E>(
    what: &str,
    bucket: &str,
    err: aws_sdk_s3::error::SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if err.code() == Some("NoSuchBucket") {
        return BadInput(format!(
            "bucket {bucket:?} does not exist: create it (`aws s3 mb s3://{bucket}`) or check \
             --output and the region"
        ))
        .into();
    }
    classify(&format!("S3 {what} in bucket {bucket}"), err).into()
}

#[async_trait]
impl Destination for S3Destination {
    async fn create(&self, key: &str) -> anyhow::Result<Box<dyn Upload>> {
        Ok(Box::new(S3Upload {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: self.key(key),
            multipart: None,
        }))
    }

    async fn read(&self, key: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let answer = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(self.key(key))
            .send()
            .await;
        let object = match answer {
            Ok(object) => object,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Ok(None)
            }
            Err(err) => return Err(s3_error("GetObject", &self.bucket, err)),
        };
        let body = object
            .body
            .collect()
            .await
            .with_context(|| format!("cannot read {}", self.name(key)))?;
        Ok(Some(body.into_bytes().to_vec()))
    }

    async fn size(&self, key: &str) -> anyhow::Result<Option<u64>> {
        let answer = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(self.key(key))
            .send()
            .await;
        match answer {
            Ok(head) => Ok(Some(head.content_length.unwrap_or(0).max(0) as u64)),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(None),
            Err(err) => Err(s3_error("HeadObject", &self.bucket, err)),
        }
    }

    fn name(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, self.key(key))
    }
}

/// One object being written: nothing is sent until a whole part is ready; a file that never
/// grows past one part is one PutObject.
struct S3Upload {
    client: aws_sdk_s3::Client,
    bucket: String,
    key: String,
    multipart: Option<Multipart>,
}

/// A multipart upload under way: its id and the parts sent.
struct Multipart {
    id: String,
    parts: Vec<CompletedPart>,
}

impl S3Upload {
    async fn start(&mut self) -> anyhow::Result<&mut Multipart> {
        if self.multipart.is_none() {
            let started = self
                .client
                .create_multipart_upload()
                .bucket(&self.bucket)
                .key(&self.key)
                .send()
                .await
                .map_err(|err| s3_error("CreateMultipartUpload", &self.bucket, err))?;
            let id = started
                .upload_id
                .context("S3 started a multipart upload without an id")?;
            self.multipart = Some(Multipart {
                id,
                parts: Vec::new(),
            });
        }
        Ok(self.multipart.as_mut().expect("started above"))
    }

    async fn send_part(&mut self, bytes: Vec<u8>) -> anyhow::Result<()> {
        let (client, bucket, key) = (self.client.clone(), self.bucket.clone(), self.key.clone());
        let multipart = self.start().await?;
        let number = multipart.parts.len() as i32 + 1;
        let sent = client
            .upload_part()
            .bucket(&bucket)
            .key(&key)
            .upload_id(&multipart.id)
            .part_number(number)
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|err| s3_error("UploadPart", &bucket, err))?;
        multipart.parts.push(
            CompletedPart::builder()
                .set_e_tag(sent.e_tag)
                .part_number(number)
                .build(),
        );
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
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .body(ByteStream::from(last))
                .send()
                .await
                .map_err(|err| s3_error("PutObject", &self.bucket, err))?;
            return Ok(());
        }
        if !last.is_empty() {
            self.send_part(last).await?;
        }
        let multipart = self.multipart.take().expect("checked above");
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&multipart.id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(multipart.parts))
                    .build(),
            )
            .send()
            .await
            .map_err(|err| s3_error("CompleteMultipartUpload", &self.bucket, err))?;
        Ok(())
    }

    async fn abort(self: Box<Self>) {
        let Some(multipart) = &self.multipart else {
            return;
        };
        // Parts of an upload never completed are billed as storage until aborted.
        let aborted = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(&multipart.id)
            .send()
            .await;
        if let Err(err) = aborted {
            tracing::warn!(key = %self.key, error = %crate::backend::aws::causes(&err),
                "cannot abort the multipart upload; a bucket lifecycle rule for incomplete uploads cleans it up");
        }
    }
}
