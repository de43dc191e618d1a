//! The import key: a random secret kept in a file outside the deployment (never in its
//! database, queue, tables, exports or logs), from which `import` derives each day's visitor
//! salt and each line's id. Whoever holds only what is stored cannot test a guess of a salt,
//! an address or a line; every run, restart and machine that holds the key derives the same
//! salts and ids, however a day's lines are split over files and runs.

use anyhow::Context as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::model::bad_input::BadInput;
use crate::model::day::Day;
use crate::model::visitor::Salt;

/// Bytes of an import key.
pub const KEY_BYTES: usize = 32;

/// The secret of imported days. Never printed: its `Debug` says only that it is a key.
#[derive(Clone, PartialEq, Eq)]
pub struct ImportKey([u8; KEY_BYTES]);

impl fmt::Debug for ImportKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ImportKey(..)")
    }
}

impl ImportKey {
    #[cfg(test)]
    pub fn from_bytes(bytes: [u8; KEY_BYTES]) -> ImportKey {
        ImportKey(bytes)
    }

    pub fn random() -> ImportKey {
        let mut bytes = [0u8; KEY_BYTES];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        ImportKey(bytes)
    }

    /// HMAC-SHA256 keyed by the key with a purpose (so that a salt is never an id) and its
    /// separator already hashed: the state each of the purpose's digests starts from.
    fn keyed_for(&self, purpose: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key size");
        mac.update(purpose);
        mac.update(b"\0");
        mac
    }

    /// HMAC-SHA256 keyed by the key, over a purpose and data.
    fn digest(&self, purpose: &[u8], data: &[u8]) -> [u8; 32] {
        let mut mac = self.keyed_for(purpose);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// The salt of `day`'s visitor keys.
    pub fn salt_of(&self, day: Day) -> Salt {
        let digest = self.digest(b"pageviews import salt", day.to_string().as_bytes());
        Salt::from_bytes(&digest).expect("32 bytes")
    }

    /// The first 64 bits of the line's keyed hash: what an id is made of (a run keys its
    /// `line_hasher` once instead).
    #[cfg(any(test, feature = "test-support"))]
    pub fn line_digest(&self, line: &[u8]) -> [u8; 8] {
        self.line_hasher().digest(line)
    }

    /// What lines' digests are computed with, keyed once for a whole run.
    pub fn line_hasher(&self) -> LineHasher {
        LineHasher(self.keyed_for(LINE_PURPOSE))
    }

    /// The key as the file holds it: 64 hex digits.
    fn to_text(&self) -> String {
        hex(&self.0)
    }

    fn parse(text: &str) -> Option<ImportKey> {
        let text = text.trim();
        if text.len() != KEY_BYTES * 2 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut bytes = [0u8; KEY_BYTES];
        for (at, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[at * 2..at * 2 + 2], 16).ok()?;
        }
        Some(ImportKey(bytes))
    }
}

/// What a line's digest is keyed by, besides the key.
const LINE_PURPOSE: &[u8] = b"pageviews import line";

/// The line digest's HMAC with the key and purpose already hashed in. Keying HMAC-SHA256 takes
/// two compressions of its own, a fifth of a CloudFront line's digest; a clone of this state
/// per line skips them and gives the same digest.
#[derive(Clone)]
pub struct LineHasher(Hmac<Sha256>);

impl LineHasher {
    /// The first 64 bits of the line's keyed hash: what an id is made of.
    pub fn digest(&self, line: &[u8]) -> [u8; 8] {
        let mut mac = self.0.clone();
        mac.update(line);
        let digest = mac.finalize().into_bytes();
        digest[..8].try_into().expect("8 bytes")
    }
}

impl fmt::Debug for LineHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LineHasher(..)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Where the key is kept: a file the user named (`--key-file`), or the default one.
#[derive(Debug, Clone)]
pub struct KeyFile {
    pub path: PathBuf,
    /// Named by the user: a missing file is then a mistake to report, not a key to make.
    pub named: bool,
}

impl KeyFile {
    /// The default file of a deployment: `<config dir>/pageviews/import-keys/<backend>-<name>.key`
    /// (`~/.config/...` on Linux), apart from the data directory and its backups.
    pub fn default_for(backend: &str, name: &str) -> Result<KeyFile, BadInput> {
        let config = dirs::config_dir().ok_or_else(|| {
            BadInput("no configuration directory to keep the import key in: give --key-file".into())
        })?;
        Ok(KeyFile {
            path: config
                .join("pageviews")
                .join("import-keys")
                .join(format!("{backend}-{name}.key")),
            named: false,
        })
    }
}

/// The key in `file`; when the default file does not exist yet, a new key written there
/// first (readable by its owner only). The flag says whether it was made now.
pub fn load_or_create(file: &KeyFile) -> anyhow::Result<(ImportKey, bool)> {
    match std::fs::read_to_string(&file.path) {
        Ok(text) => return Ok((parse_file(&file.path, &text)?, false)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && !file.named => {}
        Err(err) => {
            return Err(BadInput(format!(
                "cannot read the import key {}: {err} (give the file this deployment's \
                 imports were made with; a new key would count a log imported before again)",
                file.path.display()
            ))
            .into())
        }
    }
    let key = ImportKey::random();
    if write_new(&file.path, &key)? {
        return Ok((key, true));
    }
    // Another import made it first: use theirs.
    let text = std::fs::read_to_string(&file.path)
        .with_context(|| format!("cannot read the import key {}", file.path.display()))?;
    Ok((parse_file(&file.path, &text)?, false))
}

fn parse_file(path: &Path, text: &str) -> Result<ImportKey, BadInput> {
    ImportKey::parse(text).ok_or_else(|| {
        BadInput(format!(
            "the import key {} is not 64 hex digits: restore the file this deployment's \
             imports were made with",
            path.display()
        ))
    })
}

/// Writes `key` to `path` unless a file is there already (false then). The key is written to
/// a temporary file first and linked into place, so nobody ever reads half a key.
fn write_new(path: &Path, key: &ImportKey) -> anyhow::Result<bool> {
    let folder = path.parent().unwrap_or(Path::new("."));
    let cannot = || format!("cannot write the import key {}", path.display());
    create_private_folder(folder).with_context(cannot)?;
    let mut temporary = tempfile::NamedTempFile::new_in(folder).with_context(cannot)?;
    temporary
        .write_all(format!("{}\n", key.to_text()).as_bytes())
        .and_then(|()| temporary.as_file().sync_all())
        .with_context(cannot)?;
    // NamedTempFile is created readable by its owner only.
    match std::fs::hard_link(temporary.path(), path) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(err) => Err(err).with_context(cannot),
    }
}

fn create_private_folder(folder: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(folder)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salts_and_ids_depend_on_the_key_and_nothing_else() {
        let key = ImportKey::from_bytes([3; KEY_BYTES]);
        let day = Day::parse("2021-03-13").unwrap();
        assert_eq!(key.salt_of(day), key.clone().salt_of(day));
        assert_ne!(key.salt_of(day), key.salt_of(day.next()));
        let other = ImportKey::from_bytes([4; KEY_BYTES]);
        assert_ne!(key.salt_of(day), other.salt_of(day));
        let line = b"203.0.113.9 - - [13/Mar/2021:10:00:00 +0000] \"GET /a HTTP/1.1\" 200 5";
        assert_ne!(key.line_digest(line), other.line_digest(line));
        assert_eq!(format!("{key:?}"), "ImportKey(..)");
    }

    #[test]
    fn the_keyed_line_hasher_gives_the_plain_hmac() {
        let key = ImportKey::from_bytes([5; KEY_BYTES]);
        let hasher = key.line_hasher();
        for line in [&b""[..], b"a", &[b'x'; 200], &[b'y'; 1000]] {
            // The digest as it was always computed: keyed, purpose, separator, line.
            let mut plain = Hmac::<Sha256>::new_from_slice(&[5; KEY_BYTES]).unwrap();
            plain.update(b"pageviews import line\0");
            plain.update(line);
            let plain = plain.finalize().into_bytes();
            assert_eq!(hasher.digest(line), plain[..8], "{} bytes", line.len());
            assert_eq!(key.line_digest(line), plain[..8]);
        }
    }

    #[test]
    fn the_default_file_is_made_once_and_a_named_one_must_exist() {
        let dir = tempfile::tempdir().unwrap();
        let default = KeyFile {
            path: dir.path().join("keys/local-site.key"),
            named: false,
        };
        let (made, new) = load_or_create(&default).unwrap();
        assert!(new);
        let (read, new) = load_or_create(&default).unwrap();
        assert_eq!((read, new), (made, false));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&default.path)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let named = KeyFile {
            path: dir.path().join("missing.key"),
            named: true,
        };
        let err = load_or_create(&named).unwrap_err();
        assert!(err.downcast_ref::<BadInput>().is_some(), "{err}");
        assert!(!named.path.exists());
        std::fs::write(&named.path, "not a key\n").unwrap();
        let err = load_or_create(&named).unwrap_err().to_string();
        assert!(err.contains("is not 64 hex digits"), "{err}");
    }
}
