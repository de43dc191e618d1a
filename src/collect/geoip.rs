//! The GeoIP database file of `collect --geoip`: read whole into memory at start (refused then
//! with one line when it is missing, unreadable or holds no countries), and read again when the
//! file on disk changes, so a database updated by geoipupdate or a cron job is used without a
//! restart. The change is found by looking at the file's size, modification time and inode
//! every `CHECK_EVERY`; a new file that cannot be used leaves the old one in use.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use crate::model::geo::GeoDatabase;

/// How often the file is looked at for a change.
pub const CHECK_EVERY: Duration = Duration::from_secs(5);

/// What tells one version of the file from another.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

fn stamp_of(path: &Path) -> std::io::Result<Stamp> {
    use std::os::unix::fs::MetadataExt as _;
    let metadata = std::fs::metadata(path)?;
    Ok(Stamp {
        len: metadata.len(),
        modified: metadata.modified().ok(),
        inode: metadata.ino(),
    })
}

/// The database in use and the file it came from.
pub struct GeoFile {
    path: PathBuf,
    current: RwLock<Arc<GeoDatabase>>,
    stamp: Mutex<Option<Stamp>>,
}

impl fmt::Debug for GeoFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "GeoFile({}, {})",
            self.path.display(),
            self.database().kind
        )
    }
}

/// What a look at the file found.
#[derive(Debug, PartialEq, Eq)]
pub enum Reload {
    Unchanged,
    Reloaded,
    /// The file changed but cannot be used (half written, another kind): the old one stays.
    Failed(String),
}

impl GeoFile {
    /// Opens `path`, or says in one line what is wrong with it and what to give instead.
    pub fn open(path: &Path) -> Result<GeoFile, String> {
        let stamp = stamp_of(path).ok();
        let database = read(path)?;
        Ok(GeoFile {
            path: path.to_owned(),
            current: RwLock::new(Arc::new(database)),
            stamp: Mutex::new(stamp),
        })
    }

    /// The database in use now.
    pub fn database(&self) -> Arc<GeoDatabase> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reads the file again if it changed since it was last read.
    pub fn reload_if_changed(&self) -> Reload {
        let now = stamp_of(&self.path).ok();
        let mut seen = self.stamp.lock().unwrap_or_else(|p| p.into_inner());
        if now.is_none() || *seen == now {
            // A file that is gone for a moment (being replaced) keeps the database in use.
            return Reload::Unchanged;
        }
        *seen = now;
        match read(&self.path) {
            Ok(database) => {
                *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(database);
                Reload::Reloaded
            }
            Err(why) => Reload::Failed(why),
        }
    }

    /// Looks at the file every `CHECK_EVERY` until `stop` resolves, logging each reload.
    pub async fn watch(self: Arc<Self>, stop: impl std::future::Future<Output = ()>) {
        let mut every = tokio::time::interval(CHECK_EVERY);
        every.tick().await;
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = &mut stop => return,
                _ = every.tick() => {}
            }
            let file = self.clone();
            let outcome = tokio::task::spawn_blocking(move || file.reload_if_changed()).await;
            match outcome {
                Ok(Reload::Reloaded) => tracing::info!(
                    path = %self.path.display(),
                    kind = %self.database().kind,
                    "the GeoIP database changed on disk and is in use"
                ),
                Ok(Reload::Failed(why)) => tracing::warn!(
                    path = %self.path.display(),
                    "the GeoIP database changed on disk but {why}; the one read before stays in use"
                ),
                _ => {}
            }
        }
    }
}

fn read(path: &Path) -> Result<GeoDatabase, String> {
    let bytes = std::fs::read(path).map_err(|err| {
        format!(
            "--geoip {}: cannot read it ({err}); give a DB-IP Lite or GeoLite2 Country or City \
             database (.mmdb)",
            path.display()
        )
    })?;
    GeoDatabase::from_bytes(bytes).map_err(|why| format!("--geoip {}: {why}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/cli/fixtures/geoip")
            .join(name)
    }

    #[test]
    fn a_replaced_file_is_read_again_and_a_bad_one_leaves_the_old() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("geo.mmdb");
        std::fs::copy(fixture("city.mmdb"), &path).unwrap();
        let file = GeoFile::open(&path).unwrap();
        assert_eq!(file.database().kind, "GeoLite2-City");
        assert_eq!(file.reload_if_changed(), Reload::Unchanged);
        // Replaced as geoipupdate does: a new file renamed over the old one.
        let next = dir.path().join("geo.mmdb.new");
        std::fs::copy(fixture("dbip-country.mmdb"), &next).unwrap();
        std::fs::rename(&next, &path).unwrap();
        assert_eq!(file.reload_if_changed(), Reload::Reloaded);
        assert_eq!(file.database().kind, "DBIP-Country-Lite");
        std::fs::write(&path, b"half a file").unwrap();
        let Reload::Failed(why) = file.reload_if_changed() else {
            panic!("a broken file is not used");
        };
        assert!(
            why.contains("is not a MaxMind-format (.mmdb) database"),
            "{why}"
        );
        assert_eq!(file.database().kind, "DBIP-Country-Lite");
    }

    #[test]
    fn missing_and_wrong_files_are_refused_in_one_line() {
        let missing = GeoFile::open(Path::new("/nonexistent/GeoLite2-City.mmdb")).unwrap_err();
        assert!(missing.starts_with("--geoip /nonexistent/GeoLite2-City.mmdb: cannot read it"));
        let asn = GeoFile::open(&fixture("asn.mmdb")).unwrap_err();
        assert!(
            asn.contains("is a GeoLite2-ASN database, which holds no countries"),
            "{asn}"
        );
        assert!(!missing.contains('\n') && !asn.contains('\n'));
    }
}
