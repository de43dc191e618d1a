//! Fixtures the collector's unit tests share: request headers from name–value pairs.

use axum::http::{HeaderMap, HeaderValue};

/// Request headers with the given names and values.
pub(crate) fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.insert(*name, HeaderValue::from_static(value));
    }
    map
}
