//! S3, where exports and archives go and where logs come from: one bucket's objects, written
//! whole (PutObject) or in parts (a multipart upload), read back and measured, listed under a
//! prefix a page at a time (ListObjectsV2), and read as they arrive (GetObject streamed, a
//! lost connection resumed from the byte reached). Every call runs under the one retry policy
//! (S3 answers 503 SlowDown under load); a bucket that is not there is the user's to fix.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::Bytes;

use super::errors::{classify_as, is_missing, Missing};
use super::request::call_classified;
use crate::backend::retry::retry;
use crate::backend::{BackendError, BackendResult};
use crate::model::retry::RetryPolicy;

/// Size of the parts a file is written in: above S3's 5 MiB minimum for a multipart upload's
/// parts, and what an export holds in memory at most besides one chunk of rows.
pub const PART_BYTES: usize = 8 * 1024 * 1024;

/// A part sent, as completing the upload names it.
#[derive(Debug, Clone)]
pub struct Part {
    number: i32,
    etag: Option<String>,
}

/// One bucket, through the command's connection (cheap to clone: the client is shared).
#[derive(Clone)]
pub struct S3Bucket {
    client: aws_sdk_s3::Client,
    bucket: String,
    retry: RetryPolicy,
}

impl S3Bucket {
    pub(super) fn new(client: aws_sdk_s3::Client, bucket: &str, retry: RetryPolicy) -> Self {
        S3Bucket {
            client,
            bucket: bucket.to_owned(),
            retry,
        }
    }

    pub fn name(&self) -> &str {
        &self.bucket
    }

    fn what(&self, operation: &str, key: &str) -> String {
        format!("S3 {operation} s3://{}/{key}", self.bucket)
    }

    /// S3's failures in the user's terms: a missing bucket is theirs to fix (they named it:
    /// export's --output, import's s3:// location), a refusal with exit code 2; an object
    /// replaced while it was read says so.
    fn classify<'a, E>(
        &'a self,
        what: &'a str,
    ) -> impl Fn(SdkError<E, HttpResponse>) -> BackendError + 'a
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        move |err| {
            let code = err.code().map(str::to_owned);
            let error = classify_as(Missing::Resource, what, err);
            if code.as_deref() == Some("PreconditionFailed") {
                return error.reworded(format!(
                    "{what}: the object was replaced while it was read; run again (what was \
                     read of it counts once)"
                ));
            }
            if code.as_deref() != Some("NoSuchBucket") {
                return error;
            }
            let bucket = &self.bucket;
            error.into_refusal().reworded(format!(
                "bucket {bucket:?} does not exist: create it (`aws s3 mb s3://{bucket}`) or \
                 check the s3:// location you gave and the region"
            ))
        }
    }

    /// Sends `call` under the retry policy: `Some` with its answer, `None` when `expected`
    /// recognises its error.
    async fn send<T, E, F, Fut>(
        &self,
        what: &str,
        expected: impl Fn(&SdkError<E, HttpResponse>) -> bool,
        call: F,
    ) -> BackendResult<Option<T>>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        call_classified(&self.retry, what, expected, self.classify(what), call).await
    }

    /// Sends `call` under the retry policy; every error is a failure.
    async fn must<T, E, F, Fut>(&self, what: &str, call: F) -> BackendResult<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let answer = self.send(what, |_| false, call).await?;
        answer.ok_or_else(|| BackendError::permanent(format!("{what}: no answer")))
    }

    /// The whole object, or `None` when there is none. Reading the body is part of each
    /// attempt: a connection lost halfway is retried like a failed call.
    pub async fn get(&self, key: &str) -> BackendResult<Option<Vec<u8>>> {
        let what = self.what("GetObject", key);
        let classify = self.classify(&what);
        retry(&self.retry, &what, || async {
            let sent = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(key)
                .send()
                .await;
            let object = match sent {
                Ok(object) => object,
                Err(err) if no_such_key(&err) => return Ok(None),
                Err(err) => return Err(classify(err)),
            };
            match object.body.collect().await {
                Ok(body) => Ok(Some(body.into_bytes().to_vec())),
                Err(err) => Err(
                    BackendError::transient(format!("{what}: reading it: {err}")).caused_by(err),
                ),
            }
        })
        .await
    }

    /// The object's size, or `None` when there is none.
    pub async fn size(&self, key: &str) -> BackendResult<Option<u64>> {
        let head = self
            .send(&self.what("HeadObject", key), no_such_key, || {
                self.client
                    .head_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .send()
            })
            .await?;
        Ok(head.map(|head| head.content_length.unwrap_or(0).max(0) as u64))
    }

    /// Writes the object whole.
    pub async fn put(&self, key: &str, bytes: Bytes) -> BackendResult<()> {
        self.must(&self.what("PutObject", key), || {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(key)
                .body(ByteStream::from(bytes.clone()))
                .send()
        })
        .await?;
        Ok(())
    }

    /// Starts a multipart upload; returns its id. (An attempt whose answer was lost leaves an
    /// upload nobody completes: a bucket lifecycle rule for incomplete uploads removes it.)
    pub async fn start_upload(&self, key: &str) -> BackendResult<String> {
        let what = self.what("CreateMultipartUpload", key);
        let started = self
            .must(&what, || {
                self.client
                    .create_multipart_upload()
                    .bucket(&self.bucket)
                    .key(key)
                    .send()
            })
            .await?;
        started
            .upload_id
            .ok_or_else(|| BackendError::permanent(format!("{what}: S3 gave no upload id")))
    }

    /// Sends part `number` (from 1) of an upload.
    pub async fn upload_part(
        &self,
        key: &str,
        upload: &str,
        number: i32,
        bytes: Bytes,
    ) -> BackendResult<Part> {
        let what = format!("{} (part {number})", self.what("UploadPart", key));
        let sent = self
            .must(&what, || {
                self.client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(upload)
                    .part_number(number)
                    .body(ByteStream::from(bytes.clone()))
                    .send()
            })
            .await?;
        Ok(Part {
            number,
            etag: sent.e_tag,
        })
    }

    /// Completes an upload of `parts` holding `bytes` bytes in all. An upload S3 no longer
    /// knows, while the object is there with that size, was completed by an attempt whose
    /// answer was lost.
    pub async fn complete_upload(
        &self,
        key: &str,
        upload: &str,
        parts: &[Part],
        bytes: u64,
    ) -> BackendResult<()> {
        let completed: Vec<CompletedPart> = parts
            .iter()
            .map(|part| {
                CompletedPart::builder()
                    .set_e_tag(part.etag.clone())
                    .part_number(part.number)
                    .build()
            })
            .collect();
        let what = self.what("CompleteMultipartUpload", key);
        let no_such_upload = |err: &SdkError<_, _>| err.code() == Some("NoSuchUpload");
        let done = self
            .send(&what, no_such_upload, || {
                self.client
                    .complete_multipart_upload()
                    .bucket(&self.bucket)
                    .key(key)
                    .upload_id(upload)
                    .multipart_upload(
                        CompletedMultipartUpload::builder()
                            .set_parts(Some(completed.clone()))
                            .build(),
                    )
                    .send()
            })
            .await?;
        if done.is_some() {
            return Ok(());
        }
        match self.size(key).await? {
            Some(size) if size == bytes => Ok(()),
            _ => Err(BackendError::permanent(format!(
                "{what}: S3 no longer knows the upload, and the object is not the {bytes} bytes \
                 sent; export again"
            ))),
        }
    }

    /// Abandons an upload: its parts are billed as storage until it is aborted.
    pub async fn abort_upload(&self, key: &str, upload: &str) -> BackendResult<()> {
        self.must(&self.what("AbortMultipartUpload", key), || {
            self.client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload)
                .send()
        })
        .await?;
        Ok(())
    }
}

/// An object of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub key: String,
    /// Its ETag as S3 gives it (in quotes), which changes when the object is replaced.
    pub etag: String,
    pub size: u64,
}

/// One page of a listing, and where the next one starts.
#[derive(Debug, Default)]
pub struct ListPage {
    pub objects: Vec<Listed>,
    /// `None` on the last page.
    pub next: Option<String>,
}

impl S3Bucket {
    /// Up to 1,000 objects whose keys start with `prefix`, in key order, from the page `start`
    /// names (`None`: the first).
    pub async fn list_page(&self, prefix: &str, start: Option<&str>) -> BackendResult<ListPage> {
        let what = format!("S3 ListObjectsV2 s3://{}/{prefix}", self.bucket);
        let page = self
            .must(&what, || {
                self.client
                    .list_objects_v2()
                    .bucket(&self.bucket)
                    .prefix(prefix)
                    .set_continuation_token(start.map(str::to_owned))
                    .send()
            })
            .await?;
        let objects = page
            .contents()
            .iter()
            .filter_map(|object| {
                Some(Listed {
                    key: object.key()?.to_owned(),
                    etag: object.e_tag().unwrap_or_default().to_owned(),
                    size: object.size().unwrap_or(0).max(0) as u64,
                })
            })
            .collect();
        let next = match page.is_truncated() {
            Some(true) => page.next_continuation_token().map(str::to_owned),
            _ => None,
        };
        Ok(ListPage { objects, next })
    }

    /// Object `key`, to be read as it arrives.
    pub fn stream(&self, key: &str) -> ObjectStream {
        ObjectStream {
            bucket: self.clone(),
            key: key.to_owned(),
            etag: None,
            offset: 0,
            body: None,
        }
    }
}

/// An object read as it arrives, a chunk at a time, so that memory does not grow with its
/// size. Each chunk is one attempt under the retry policy: a connection lost halfway is
/// asked again from the byte reached, of the same ETag, so that an object replaced meanwhile
/// is never read as half of each (that is refused instead).
pub struct ObjectStream {
    bucket: S3Bucket,
    key: String,
    /// The ETag of what is being read, from the first answer.
    etag: Option<String>,
    /// Bytes read so far.
    offset: u64,
    body: Option<ByteStream>,
}

impl ObjectStream {
    /// The ETag of the object being read, once its first chunk has come.
    pub fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// The next chunk of the object, or `None` at its end.
    pub async fn next_chunk(&mut self) -> BackendResult<Option<Bytes>> {
        let what = self.bucket.what("GetObject", &self.key);
        let policy = self.bucket.retry;
        // `retry` calls a closure for each attempt; the stream's state is shared between them.
        let stream = tokio::sync::Mutex::new(self);
        retry(&policy, &what, || async {
            stream.lock().await.attempt(&what).await
        })
        .await
    }

    async fn attempt(&mut self, what: &str) -> BackendResult<Option<Bytes>> {
        if self.body.is_none() {
            let range = (self.offset > 0).then(|| format!("bytes={}-", self.offset));
            let sent = self
                .bucket
                .client
                .get_object()
                .bucket(&self.bucket.bucket)
                .key(&self.key)
                .set_range(range)
                .set_if_match(self.etag.clone())
                .send()
                .await;
            let object = sent.map_err(self.bucket.classify(what))?;
            if self.etag.is_none() {
                self.etag = object.e_tag.clone();
            }
            self.body = Some(object.body);
        }
        let body = self.body.as_mut().expect("opened above");
        match body.try_next().await {
            Ok(Some(chunk)) => {
                self.offset += chunk.len() as u64;
                Ok(Some(chunk))
            }
            Ok(None) => Ok(None),
            Err(err) => {
                self.body = None;
                Err(BackendError::transient(format!("{what}: reading it: {err}")).caused_by(err))
            }
        }
    }
}

/// The object is not there (GetObject's NoSuchKey; HeadObject answers a bare 404).
fn no_such_key<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    is_missing(err) && err.code() != Some("NoSuchBucket")
}
