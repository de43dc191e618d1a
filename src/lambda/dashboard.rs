//! The dashboard as a function (`deploy --dashboard`): function URL requests go to `serve`'s
//! own router, made once per function instance for the deployment, behind a token of which the
//! function knows only the SHA-256 (`PAGEVIEWS_DASHBOARD_TOKEN_SHA256`). The function URL has
//! no IAM authentication: the token is the only key, checked by the dashboard's guard as
//! `serve --token-file` checks it.

use crate::backend::Backend;
use crate::deploy::TOKEN_HASH_VARIABLE;
use crate::report::Meta;
use crate::serve::access::{Access, TokenCheck};
use crate::serve::{routes, Dashboard, Site};
use std::sync::Arc;

use super::http::App;

/// The largest body handed to the dashboard: its only form is the login's, a token long.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// The token check from the variable `deploy` sets; never an open dashboard: a function
/// without a valid hash serves no numbers.
pub(super) fn token_check(hash: Option<&str>) -> Result<TokenCheck, String> {
    let hash = hash.filter(|hash| !hash.trim().is_empty()).ok_or_else(|| {
        format!("{TOKEN_HASH_VARIABLE} is not set: `deploy --dashboard --token-file FILE` sets it")
    })?;
    TokenCheck::from_sha256_hex(hash).map_err(|why| format!("{TOKEN_HASH_VARIABLE}: {why}"))
}

/// The dashboard of the deployment: one site, token required, no share links (they live in a
/// data directory, which a function has not), no origins for the count API's CORS.
pub(super) fn dashboard_app(backend: &Backend, meta: Meta, token: TokenCheck) -> App {
    let site = Site::new(backend.clone(), meta);
    let dashboard = Dashboard::new(vec![site], Access::Token(token), Vec::new(), None);
    App {
        router: routes::router(Arc::new(dashboard)),
        max_body_bytes: MAX_BODY_BYTES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_needs_a_valid_token_hash() {
        let token = "0123456789abcdef0123456789abcdef";
        let hash = crate::serve::access::token_sha256_hex(token);
        assert!(token_check(Some(&hash)).unwrap().accepts(token));
        assert!(token_check(None)
            .unwrap_err()
            .starts_with("PAGEVIEWS_DASHBOARD_TOKEN_SHA256 is not set"));
        assert!(token_check(Some(" ")).is_err());
        assert!(token_check(Some(token)).is_err());
    }
}
