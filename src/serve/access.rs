//! Who may read the dashboard and the API: everyone on a loopback address or with `--public`,
//! else only requests carrying the token of `--token-file` (a bearer token, or the cookie the
//! login form sets). Tokens are kept and compared as SHA-256 hashes, in constant time; wrong
//! or missing ones get a bare 401, and a burst of them is slowed down.

use sha2::{Digest as _, Sha256};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use subtle::ConstantTimeEq as _;

/// The cookie the login form sets: the token itself, HttpOnly, SameSite=Strict, Secure.
pub const COOKIE: &str = "pageviews_token";

/// Shortest token accepted from `--token-file`: 128 bits as hex.
pub const MIN_TOKEN_CHARS: usize = 32;

/// What `serve` asks of a request.
#[derive(Debug)]
pub enum Access {
    /// Everyone may read (a loopback address, or `--public`).
    Open,
    /// Requests must carry the token whose hash this is.
    Token(TokenCheck),
}

/// Refuses a listening address other than loopback without a token or an explicit `--public`.
pub fn check_listen(address: SocketAddr, token: bool, public: bool) -> Result<(), String> {
    match (address.ip().is_loopback(), token, public) {
        (true, _, _) | (_, true, _) | (_, _, true) => Ok(()),
        _ => Err(format!(
            "--listen {address} is reachable from other machines: give --token-file FILE (a \
             secret every request must carry) or --public (anyone may read the numbers)"
        )),
    }
}

/// The token from the text of a token file: its one line, long enough to be a secret.
pub fn token_from_file(text: &str) -> Result<String, String> {
    let token = text.trim();
    if token.len() < MIN_TOKEN_CHARS || token.chars().any(char::is_whitespace) {
        return Err(format!(
            "the token file must hold one token of at least {MIN_TOKEN_CHARS} characters \
             without spaces, e.g. the output of `openssl rand -hex 32`"
        ));
    }
    Ok(token.to_owned())
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The token's SHA-256 as 64 lowercase hex digits: what a Lambda function is given instead of
/// the token itself (`deploy --dashboard`), so that its configuration holds no secret.
pub fn token_sha256_hex(token: &str) -> String {
    super::shares::hex(&hash(token))
}

/// The token's hash, and the failures seen lately.
#[derive(Debug)]
pub struct TokenCheck {
    hash: [u8; 32],
    failures: Mutex<Failures>,
}

/// Failed attempts in the current minute.
#[derive(Debug)]
struct Failures {
    since: Instant,
    count: u32,
}

/// Failures a minute answered at once; each one past them waits a little longer.
const FREE_FAILURES: u32 = 10;
const LONGEST_WAIT: Duration = Duration::from_secs(5);

impl TokenCheck {
    pub fn new(token: &str) -> TokenCheck {
        TokenCheck::of_hash(hash(token))
    }

    /// The check of the token whose SHA-256 is `hex` (as `token_sha256_hex` writes it), for a
    /// process that is never given the token itself.
    pub fn from_sha256_hex(hex: &str) -> Result<TokenCheck, String> {
        let text = hex.trim();
        let digits = text.bytes().all(|byte| byte.is_ascii_hexdigit());
        let bytes: Option<Vec<u8>> = text
            .as_bytes()
            .chunks(2)
            .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok())
            .collect();
        match (digits, bytes.map(<[u8; 32]>::try_from)) {
            (true, Some(Ok(hash))) => Ok(TokenCheck::of_hash(hash)),
            _ => Err("not a SHA-256 as 64 hex digits".to_owned()),
        }
    }

    fn of_hash(hash: [u8; 32]) -> TokenCheck {
        TokenCheck {
            hash,
            failures: Mutex::new(Failures {
                since: Instant::now(),
                count: 0,
            }),
        }
    }

    /// Whether `presented` is the token: hashes compared in constant time, so that the time
    /// taken says nothing of how much of it was right.
    pub fn accepts(&self, presented: &str) -> bool {
        bool::from(hash(presented).ct_eq(&self.hash))
    }

    /// Counts a failure; returns how long to wait before answering it: nothing for the first
    /// few of a minute, then 100 ms more per failure, up to 5 s.
    pub fn failed(&self) -> Duration {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if failures.since.elapsed() > Duration::from_secs(60) {
            failures.since = Instant::now();
            failures.count = 0;
        }
        failures.count += 1;
        let over = failures.count.saturating_sub(FREE_FAILURES);
        (Duration::from_millis(100) * over).min(LONGEST_WAIT)
    }
}

/// The token a request carries: `Authorization: Bearer`, else the login cookie.
pub fn presented<'a>(authorization: Option<&'a str>, cookies: Option<&'a str>) -> Option<&'a str> {
    if let Some(token) = authorization.and_then(|value| value.strip_prefix("Bearer ")) {
        return Some(token.trim());
    }
    cookies?.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE).then_some(value)
    })
}

/// The login cookie for `token`, sent only over HTTPS, never to scripts or other sites.
pub fn cookie(token: &str) -> String {
    format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Secure")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_machines_need_a_token_or_public() {
        let lan: SocketAddr = "0.0.0.0:8090".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8090".parse().unwrap();
        let local6: SocketAddr = "[::1]:8090".parse().unwrap();
        assert!(check_listen(local, false, false).is_ok());
        assert!(check_listen(local6, false, false).is_ok());
        assert!(check_listen(lan, true, false).is_ok());
        assert!(check_listen(lan, false, true).is_ok());
        assert_eq!(
            check_listen(lan, false, false).unwrap_err(),
            "--listen 0.0.0.0:8090 is reachable from other machines: give --token-file FILE (a \
             secret every request must carry) or --public (anyone may read the numbers)"
        );
    }

    #[test]
    fn only_the_token_is_accepted() {
        let token = "0123456789abcdef0123456789abcdef";
        let check = TokenCheck::new(token);
        assert!(check.accepts(token));
        assert!(!check.accepts("0123456789abcdef0123456789abcdee"));
        assert!(!check.accepts(""));
        let hex = token_sha256_hex(token);
        assert_eq!(hex.len(), 64);
        let from_hash = TokenCheck::from_sha256_hex(&hex).unwrap();
        assert!(from_hash.accepts(token) && !from_hash.accepts(&hex));
        assert!(TokenCheck::from_sha256_hex("abc").is_err());
        assert!(TokenCheck::from_sha256_hex(&"zz".repeat(32)).is_err());
        assert_eq!(token_from_file(&format!("{token}\n")).unwrap(), token);
        assert!(token_from_file("short").is_err());
    }

    #[test]
    fn a_burst_of_failures_waits_longer_and_longer() {
        let check = TokenCheck::new("0123456789abcdef0123456789abcdef");
        let waits: Vec<Duration> = (0..12).map(|_| check.failed()).collect();
        assert_eq!(waits[9], Duration::ZERO);
        assert_eq!(waits[10], Duration::from_millis(100));
        assert_eq!(waits[11], Duration::from_millis(200));
    }

    #[test]
    fn the_token_comes_from_the_header_or_the_cookie() {
        assert_eq!(presented(Some("Bearer abc"), None), Some("abc"));
        assert_eq!(
            presented(None, Some("a=1; pageviews_token=xyz")),
            Some("xyz")
        );
        assert_eq!(presented(Some("Basic abc"), Some("a=1")), None);
        assert!(cookie("t").contains("HttpOnly; SameSite=Strict; Secure"));
    }
}
