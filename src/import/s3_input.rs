//! The objects under an S3 prefix as a [`Source`] of lines (`import s3://BUCKET/PREFIX`): the
//! prefix is listed a page at a time, in key order; each object not read before, or replaced
//! since (another ETag), is read as it arrives, gunzipped when it is gzip. Once an object's
//! views are on the queue the deployment remembers its key and ETag, so a later run (from
//! cron) reads only what is new; `--follow` lists the prefix again after each wait.
//!
//! An object read again (a run stopped halfway, an object replaced by a longer one) gives its
//! lines the ids they had, since ids come from the lines: they are stored once and counted
//! once.

use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use super::chunks::ChunkLines;
use super::input::{Next, Source};
use crate::backend::aws::s3::{Listed, ObjectStream, S3Bucket};
use crate::backend::{ErrorKind, ImportedObjects};
use crate::model::bad_input::BadInput;
use crate::pipeline::ndjson::MAX_LINE_BYTES;

/// `s3://BUCKET/PREFIX`, split; `None` when `text` is not an S3 location at all.
pub fn s3_location(text: &str) -> Option<Result<(String, String), BadInput>> {
    let rest = text.strip_prefix("s3://")?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    let valid = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    Some(match valid {
        true => Ok((bucket.to_owned(), prefix.to_owned())),
        false => Err(BadInput(format!(
            "{text:?} names no valid bucket (3 to 63 lowercase letters, digits, dots and \
             hyphens): write s3://BUCKET/PREFIX"
        ))),
    })
}

/// One object being read.
struct Reading {
    name: String,
    key: String,
    /// The ETag the listing gave, if the answers give none.
    listed_etag: String,
    stream: ObjectStream,
    lines: Option<ChunkLines>,
    /// The number of the next line, from 1.
    next_line: u64,
}

/// The objects under one prefix of one bucket.
pub struct S3Prefix {
    bucket: S3Bucket,
    prefix: String,
    store: Arc<dyn ImportedObjects>,
    /// Key to ETag of the objects read whole, this run or before.
    read: HashMap<String, String>,
    /// The current page of the listing, less what was taken from it.
    page: VecDeque<Listed>,
    /// Where the listing goes on: `Some(None)` at its start, `Some(Some(token))` before a
    /// later page, `None` once it is done.
    listing: Option<Option<String>>,
    reading: Option<Reading>,
    /// With `--follow`: how long to wait before listing again.
    poll: Option<Duration>,
}

impl S3Prefix {
    /// The objects under `prefix`, less those `store` remembers reading.
    pub async fn open(
        bucket: S3Bucket,
        prefix: &str,
        store: Arc<dyn ImportedObjects>,
        poll: Option<Duration>,
    ) -> anyhow::Result<S3Prefix> {
        let read = store.imported(bucket.name(), prefix).await?;
        tracing::info!(
            bucket = bucket.name(),
            prefix,
            remembered = read.len(),
            "S3 prefix"
        );
        Ok(S3Prefix {
            bucket,
            prefix: prefix.to_owned(),
            store,
            read,
            page: VecDeque::new(),
            listing: Some(None),
            reading: None,
            poll,
        })
    }

    /// The next object to read, listing further when the page is used up; `None` when the
    /// listing is done.
    async fn next_object(&mut self) -> anyhow::Result<Option<Listed>> {
        loop {
            while let Some(object) = self.page.pop_front() {
                if self.read.get(&object.key) != Some(&object.etag) {
                    return Ok(Some(object));
                }
            }
            let Some(start) = self.listing.take() else {
                return Ok(None);
            };
            let page = self
                .bucket
                .list_page(&self.prefix, start.as_deref())
                .await?;
            self.page = page.objects.into();
            self.listing = page.next.map(Some);
        }
    }

    fn start(&mut self, object: Listed) -> Reading {
        Reading {
            name: format!("s3://{}/{}", self.bucket.name(), object.key),
            stream: self.bucket.stream(&object.key),
            key: object.key,
            listed_etag: object.etag,
            lines: Some(ChunkLines::new(MAX_LINE_BYTES)),
            next_line: 1,
        }
    }

    /// The next lines of the object being read, or, at its end, `Finished`; `None` when no
    /// object is being read.
    async fn read_on(&mut self) -> anyhow::Result<Option<Next>> {
        let Some(reading) = self.reading.as_mut() else {
            return Ok(None);
        };
        let bad = |name: &str, err: String| anyhow::anyhow!("cannot read {name}: {err}");
        loop {
            let Some(split) = reading.lines.as_mut() else {
                let name = reading.name.clone();
                return Ok(Some(Next::Finished { name }));
            };
            let lines = match reading.stream.next_chunk().await {
                Ok(Some(chunk)) => split.push(&chunk).map_err(|err| bad(&reading.name, err))?,
                Ok(None) => {
                    let split = reading.lines.take().expect("still reading");
                    split.finish().map_err(|err| bad(&reading.name, err))?
                }
                // Deleted since it was listed (by a lifecycle rule): there is nothing to read.
                Err(err) if err.kind() == ErrorKind::NotFound && reading.next_line == 1 => {
                    tracing::info!(object = %reading.name, "deleted before it was read; skipped");
                    self.reading = None;
                    return Ok(None);
                }
                Err(err) => return Err(err.into()),
            };
            if lines.is_empty() {
                continue;
            }
            let first = reading.next_line;
            reading.next_line += lines.len() as u64;
            return Ok(Some(Next::Lines {
                name: reading.name.clone(),
                first,
                lines,
            }));
        }
    }
}

#[async_trait]
impl Source for S3Prefix {
    async fn next(&mut self) -> anyhow::Result<Next> {
        loop {
            if let Some(next) = self.read_on().await? {
                return Ok(next);
            }
            match self.next_object().await? {
                Some(object) => self.reading = Some(self.start(object)),
                None => break,
            }
        }
        match self.poll {
            Some(wait) => {
                // The next call lists the prefix again from its start.
                self.listing = Some(None);
                Ok(Next::Idle(wait))
            }
            None => Ok(Next::End),
        }
    }

    fn follows(&self) -> bool {
        self.poll.is_some()
    }

    async fn read_whole(&mut self, name: &str) -> anyhow::Result<()> {
        let Some(reading) = self.reading.take_if(|reading| reading.name == name) else {
            return Ok(());
        };
        let etag = reading
            .stream
            .etag()
            .unwrap_or(&reading.listed_etag)
            .to_owned();
        self.store
            .remember_imported(self.bucket.name(), &reading.key, &etag)
            .await?;
        self.read.insert(reading.key, etag);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_locations() {
        let location = |text| s3_location(text).map(|parsed| parsed.map_err(|err| err.0));
        assert_eq!(location("access.log"), None);
        assert_eq!(
            location("s3://my-logs/cf/E2ABC."),
            Some(Ok(("my-logs".into(), "cf/E2ABC.".into())))
        );
        assert_eq!(
            location("s3://my-logs"),
            Some(Ok(("my-logs".into(), "".into())))
        );
        let err = location("s3:///logs").unwrap().unwrap_err();
        assert!(err.contains("names no valid bucket"), "{err}");
        assert!(location("s3://My_Logs/x").unwrap().is_err());
    }
}
