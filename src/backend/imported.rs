//! The contract of the imported-objects store: which objects of a bucket `import s3://...`
//! has read whole, each with the ETag it had, so that a later run reads only objects that are
//! new (or were replaced since).

use async_trait::async_trait;
use std::collections::HashMap;

use super::BackendResult;

/// Where the deployment remembers the objects it imported (a table of the SQLite database; a
/// partition of the DynamoDB daily table per bucket).
#[async_trait]
pub trait ImportedObjects: Send + Sync {
    /// The objects of `bucket` whose keys start with `prefix` that were read whole: key to
    /// ETag.
    async fn imported(&self, bucket: &str, prefix: &str) -> BackendResult<HashMap<String, String>>;

    /// Remembers that object `key` of `bucket`, as of `etag`, was read whole and its views
    /// are on the queue (replacing what was remembered of the key).
    async fn remember_imported(&self, bucket: &str, key: &str, etag: &str) -> BackendResult<()>;
}
