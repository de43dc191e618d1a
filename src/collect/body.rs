//! A request's body and query string, read within the collector's limits: at most
//! `MAX_BODY_BYTES`, and a body that is slow to come no longer than the body timeout.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap};
use futures::StreamExt as _;
use std::task::Poll;
use std::time::Duration;

/// Largest request body accepted; a view is a few dozen bytes.
pub const MAX_BODY_BYTES: usize = 4096;

/// Why a body or query was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyRefused {
    /// Longer than `MAX_BODY_BYTES` (or unreadable).
    TooLarge,
    /// Not all there within the body timeout.
    Slow,
}

/// The request's body: refused at once when its declared length is too long.
pub async fn read_body(
    headers: &HeaderMap,
    body: Body,
    timeout: Duration,
) -> Result<Bytes, BodyRefused> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > MAX_BODY_BYTES as u64) {
        return Err(BodyRefused::TooLarge);
    }
    // A chunked body declares no length: it is cut off at the limit instead. A body that does
    // not come (a slow or stalled client) holds a connection no longer than the timeout. Nearly
    // always the whole body came with the headers and is read at once: only a body still
    // coming is given a timer.
    let mut reading = std::pin::pin!(body_bytes(body));
    match futures::poll!(reading.as_mut()) {
        Poll::Ready(read) => read,
        Poll::Pending => match tokio::time::timeout(timeout, reading).await {
            Ok(read) => read,
            Err(_) => Err(BodyRefused::Slow),
        },
    }
}

/// The body's bytes, at most `MAX_BODY_BYTES`; a body of one frame (a view's) as it came,
/// without a copy or a list of its frames.
async fn body_bytes(body: Body) -> Result<Bytes, BodyRefused> {
    let mut frames = body.into_data_stream();
    let mut read = Bytes::new();
    while let Some(frame) = frames.next().await {
        let frame = frame.map_err(|_| BodyRefused::TooLarge)?;
        if read.len() + frame.len() > MAX_BODY_BYTES {
            return Err(BodyRefused::TooLarge);
        }
        read = match read.is_empty() {
            true => frame,
            false => [read, frame].concat().into(),
        };
    }
    Ok(read)
}

/// A query string as long as a body may be.
pub fn check_query_size(query: Option<&str>) -> Result<(), BodyRefused> {
    match query {
        Some(query) if query.len() > MAX_BODY_BYTES => Err(BodyRefused::TooLarge),
        _ => Ok(()),
    }
}
