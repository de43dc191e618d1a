//! The local imported objects: a table of the database, one row per bucket and object key.
//! Made by `init`, and on first use in a database made before it existed (so no schema
//! version is spent on it).

use async_trait::async_trait;
use rusqlite::params;
use std::collections::HashMap;

use super::{now_ms, LocalBackend};
use crate::backend::{BackendResult, ImportedObjects};

/// The table, as `init` makes it and as a first use in an older database makes it.
pub(super) const IMPORTED_OBJECTS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS imported_objects (
    bucket      TEXT NOT NULL,
    key         TEXT NOT NULL,
    etag        TEXT NOT NULL,
    read_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
";

#[async_trait]
impl ImportedObjects for LocalBackend {
    async fn imported(&self, bucket: &str, prefix: &str) -> BackendResult<HashMap<String, String>> {
        let (bucket, prefix) = (bucket.to_owned(), prefix.to_owned());
        self.write(move |tx| {
            tx.execute_batch(IMPORTED_OBJECTS_TABLE)?;
            // The prefix's keys are one range of the primary key, from the prefix on.
            let mut select = tx.prepare(
                "SELECT key, etag FROM imported_objects WHERE bucket = ?1 AND key >= ?2 \
                 ORDER BY key",
            )?;
            let mut rows = select.query(params![bucket, prefix])?;
            let mut objects = HashMap::new();
            while let Some(row) = rows.next()? {
                let key: String = row.get(0)?;
                if !key.starts_with(&prefix) {
                    break;
                }
                objects.insert(key, row.get(1)?);
            }
            Ok(objects)
        })
        .await
    }

    async fn remember_imported(&self, bucket: &str, key: &str, etag: &str) -> BackendResult<()> {
        let (bucket, key, etag) = (bucket.to_owned(), key.to_owned(), etag.to_owned());
        self.write(move |tx| {
            tx.execute_batch(IMPORTED_OBJECTS_TABLE)?;
            tx.execute(
                "INSERT INTO imported_objects (bucket, key, etag, read_at_ms) \
                 VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (bucket, key) DO UPDATE SET etag = ?3, read_at_ms = ?4",
                params![bucket, key, etag, now_ms()],
            )?;
            Ok(())
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use crate::backend::local::test_backend;

    #[tokio::test]
    async fn objects_are_remembered_by_bucket_and_key_and_found_by_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let backend = test_backend(dir.path());
        let imported = &backend.imported;
        assert!(imported.imported("logs", "").await.unwrap().is_empty());
        for (bucket, key, etag) in [
            ("logs", "cf/E2.2021-03-13-10.a.gz", "\"1\""),
            ("logs", "cf/E2.2021-03-13-11.b.gz", "\"2\""),
            ("logs", "cg/other.gz", "\"3\""),
            ("other", "cf/E2.2021-03-13-10.a.gz", "\"4\""),
        ] {
            imported.remember_imported(bucket, key, etag).await.unwrap();
        }
        // An object replaced is remembered with its new ETag.
        imported
            .remember_imported("logs", "cf/E2.2021-03-13-11.b.gz", "\"5\"")
            .await
            .unwrap();
        let found = imported.imported("logs", "cf/").await.unwrap();
        let mut found: Vec<(String, String)> = found.into_iter().collect();
        found.sort();
        assert_eq!(
            found,
            [
                ("cf/E2.2021-03-13-10.a.gz".to_owned(), "\"1\"".to_owned()),
                ("cf/E2.2021-03-13-11.b.gz".to_owned(), "\"5\"".to_owned()),
            ]
        );
        assert_eq!(imported.imported("logs", "").await.unwrap().len(), 3);
        assert_eq!(imported.imported("other", "cg").await.unwrap().len(), 0);
    }
}
