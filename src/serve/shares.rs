//! Read-only share links: one site's dashboard and API for whoever holds a link's token.
//! The data directory's `shares.json` keeps each link's id, site, creation and expiry and the
//! SHA-256 of its token, never the token; `serve` re-reads the file when it changes, so a
//! revoked link stops working at once. Tokens are compared as hashes, in constant time.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use rand::RngCore as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;
use subtle::ConstantTimeEq as _;

use crate::backend::local::replace_file;

/// The file of the data directory that holds the links.
pub const FILE: &str = "shares.json";

/// The query parameter a link carries its token in: `/?site=SITE&share=TOKEN`.
pub const PARAMETER: &str = "share";

/// Longest `--expires`: ten years.
const MAX_EXPIRY_DAYS: u64 = 3_650;

/// One link as kept: never its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub id: String,
    pub site: String,
    /// SHA-256 of the token, as hex.
    pub sha256: String,
    /// RFC 3339, UTC.
    pub created: String,
    /// RFC 3339, UTC; none for a link that never expires.
    pub expires: Option<String>,
}

impl Share {
    /// Whether the link has expired at `now` (an expiry that cannot be read has).
    pub fn expired(&self, now: DateTime<Utc>) -> bool {
        self.expires.as_deref().is_some_and(|expires| {
            DateTime::parse_from_rfc3339(expires).map_or(true, |expires| expires <= now)
        })
    }
}

/// Every link of a data directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Book {
    pub shares: Vec<Share>,
}

/// How long a new link works: `90s`, `15m`, `12h`, `30d`, or `never`.
pub fn expiry(text: &str) -> Result<Option<chrono::Duration>, String> {
    let text = text.trim();
    if text == "never" {
        return Ok(None);
    }
    let refuse = || {
        format!(
            "{text:?} is not a duration: give a whole number and s, m, h or d (90s, 12h, 30d, \
             at most {MAX_EXPIRY_DAYS}d), or never"
        )
    };
    let split = text.len().checked_sub(1).ok_or_else(refuse)?;
    let (number, unit) = text.split_at(split);
    let seconds_per = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(refuse()),
    };
    let number: u64 = number.parse().map_err(|_| refuse())?;
    let seconds = number.checked_mul(seconds_per).ok_or_else(refuse)?;
    if number == 0 || seconds > MAX_EXPIRY_DAYS * 86_400 {
        return Err(refuse());
    }
    Ok(Some(chrono::Duration::seconds(seconds as i64)))
}

fn hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buffer);
    hex(&buffer)
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Book {
    /// The links kept at `path`; none when the file does not exist yet.
    pub fn load(path: &Path) -> anyhow::Result<Book> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Book::default()),
            Err(err) => return Err(err).with_context(|| format!("cannot read {}", path.display())),
        };
        serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a file of share links; move it away to start again",
                path.display()
            )
        })
    }

    /// Writes the links to `path` whole: a temporary file beside it, renamed over it, so that
    /// a reader sees the old links or the new ones; readable by its owner only.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let dir = path.parent().unwrap_or_else(|| Path::new("."));
        let context = || format!("cannot write {}", path.display());
        std::fs::create_dir_all(dir).with_context(context)?;
        let text = serde_json::to_string_pretty(self).context("cannot encode the share links")?;
        replace_file(path, dir, format!("{text}\n").as_bytes(), false).with_context(context)
    }

    /// A new link to `site`, working until `now + lasts` (forever without): the link as kept
    /// and its token, which is nowhere else.
    pub fn create(
        &mut self,
        site: &str,
        lasts: Option<chrono::Duration>,
        now: DateTime<Utc>,
    ) -> (Share, String) {
        let token = random_hex(32);
        let mut id = random_hex(4);
        while self.shares.iter().any(|share| share.id == id) {
            id = random_hex(4);
        }
        let share = Share {
            id,
            site: site.to_owned(),
            sha256: hash(&token),
            created: rfc3339(now),
            expires: lasts.map(|lasts| rfc3339(now + lasts)),
        };
        self.shares.push(share.clone());
        (share, token)
    }

    /// Removes the link `id`; returns it, or none when there is no such link.
    pub fn revoke(&mut self, id: &str) -> Option<Share> {
        let at = self.shares.iter().position(|share| share.id == id)?;
        Some(self.shares.remove(at))
    }

    /// The site `token` opens at `now`: its link's, if the link exists and has not expired.
    /// Every link's hash is compared, each in constant time.
    pub fn site_of(&self, token: &str, now: DateTime<Utc>) -> Option<&str> {
        let presented = hash(token);
        let mut found = None;
        for share in &self.shares {
            if bool::from(share.sha256.as_bytes().ct_eq(presented.as_bytes())) {
                found = Some(share);
            }
        }
        found
            .filter(|share| !share.expired(now))
            .map(|share| share.site.as_str())
    }
}

/// What `serve` knows of the links: the file, and its last reading with the file's stamp.
#[derive(Debug)]
pub struct ShareCheck {
    path: PathBuf,
    read: Mutex<Option<(Stamp, Book)>>,
}

/// When the file was last changed, its length and (on Unix) its inode, which every save
/// renews: a new stamp means a new reading.
type Stamp = Option<(SystemTime, u64, u64)>;

fn stamp(path: &Path) -> Stamp {
    let found = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&found);
    #[cfg(not(unix))]
    let inode = 0;
    Some((found.modified().ok()?, found.len(), inode))
}

impl ShareCheck {
    pub fn new(path: PathBuf) -> ShareCheck {
        ShareCheck {
            path,
            read: Mutex::new(None),
        }
    }

    /// The site `token` opens now. The file is read again whenever its stamp changed, so a
    /// link revoked or created meanwhile counts at once; a file that cannot be read opens
    /// nothing (and says so in the log).
    pub fn site_of(&self, token: &str) -> Option<String> {
        let now_stamp = stamp(&self.path);
        let mut read = self.read.lock().unwrap_or_else(|p| p.into_inner());
        let fresh =
            matches!(read.as_ref(), Some((at, _)) if *at == now_stamp && now_stamp.is_some());
        if !fresh {
            let book = Book::load(&self.path).unwrap_or_else(|err| {
                tracing::error!(error = format!("{err:#}"), "the share links cannot be read");
                Book::default()
            });
            *read = Some((now_stamp, book));
        }
        let (_, book) = read.as_ref()?;
        book.site_of(token, Utc::now()).map(str::to_owned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().into()
    }

    #[test]
    fn expiries_are_a_number_and_a_unit_or_never() {
        assert_eq!(expiry("90s"), Ok(Some(chrono::Duration::seconds(90))));
        assert_eq!(expiry("15m"), Ok(Some(chrono::Duration::seconds(900))));
        assert_eq!(expiry("12h"), Ok(Some(chrono::Duration::seconds(43_200))));
        assert_eq!(expiry("30d"), Ok(Some(chrono::Duration::days(30))));
        assert_eq!(expiry("never"), Ok(None));
        let refused = "\"3w\" is not a duration: give a whole number and s, m, h or d (90s, \
                       12h, 30d, at most 3650d), or never";
        assert_eq!(expiry("3w"), Err(refused.to_owned()));
        for bad in [
            "",
            "d",
            "0d",
            "-1d",
            "3651d",
            "1.5h",
            "99999999999999999999s",
        ] {
            assert!(expiry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_token_opens_its_site_until_it_expires_or_is_revoked() {
        let now = at("2021-03-13T12:00:00Z");
        let mut book = Book::default();
        let (share, token) = book.create("blog", Some(chrono::Duration::hours(1)), now);
        let (_, forever) = book.create("shop", None, now);
        assert_eq!(token.len(), 64);
        assert_eq!(share.id.len(), 8);
        assert_eq!(share.sha256, hash(&token));
        assert_eq!(share.created, "2021-03-13T12:00:00Z");
        assert_eq!(share.expires.as_deref(), Some("2021-03-13T13:00:00Z"));
        assert!(!serde_json::to_string(&book).unwrap().contains(&token));
        assert_eq!(book.site_of(&token, now), Some("blog"));
        assert_eq!(book.site_of(&forever, now), Some("shop"));
        assert_eq!(book.site_of("nope", now), None);
        let later = at("2021-03-13T13:00:00Z");
        assert_eq!(book.site_of(&token, later), None);
        assert_eq!(book.revoke(&share.id), Some(share));
        assert_eq!(book.revoke("missing"), None);
        assert_eq!(book.site_of(&token, now), None);
        assert_eq!(book.site_of(&forever, later), Some("shop"));
    }

    #[test]
    fn the_file_is_written_whole_and_read_again_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE);
        let check = ShareCheck::new(path.clone());
        assert_eq!(check.site_of("anything"), None);
        let mut book = Book::load(&path).unwrap();
        let (share, token) = book.create("blog", None, Utc::now());
        book.save(&path).unwrap();
        assert_eq!(Book::load(&path).unwrap(), book);
        assert_eq!(check.site_of(&token).as_deref(), Some("blog"));
        book.revoke(&share.id);
        book.save(&path).unwrap();
        assert_eq!(check.site_of(&token), None);
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(check.site_of(&token), None);
        assert!(Book::load(&path).is_err());
    }
}
