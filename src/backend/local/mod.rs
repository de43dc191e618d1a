//! The local backend: one SQLite database per deployment name, holding an SQS-like queue, the
//! dead-letter queue, the raw-events table and the daily table.

mod dead_letters;
mod queue;
mod schema;
mod store;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{Backend, BackendError, BackendResult, InitOptions, ResourceReport};

/// How long a writer waits for another process's write transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open local deployment. One connection per process; SQLite's locks order processes.
pub struct LocalBackend {
    conn: Mutex<Connection>,
    max_receives: u32,
    visibility_timeout: Duration,
}

/// The database file of deployment `name` under `data_dir`.
pub fn database_path(data_dir: &Path, name: &str) -> PathBuf {
    data_dir.join(format!("{name}.sqlite3"))
}

/// Opens an existing deployment; fails with `NotProvisioned` when `init` has not run.
pub fn open(data_dir: &Path, name: &str) -> BackendResult<Backend> {
    let path = database_path(data_dir, name);
    if !path.exists() {
        return Err(BackendError::NotProvisioned {
            name: name.to_owned(),
            location: path.display().to_string(),
        });
    }
    let conn = connect(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let settings = schema::read_settings(&conn).map_err(|err| {
        BackendError::Permanent(format!(
            "{} is not a pageviews database ({err}); move it aside or choose another --name",
            path.display()
        ))
    })?;
    let backend = Arc::new(LocalBackend {
        conn: Mutex::new(conn),
        max_receives: settings.max_receives,
        visibility_timeout: settings.visibility_timeout,
    });
    Ok(Backend {
        queue: backend.clone(),
        events: backend.clone(),
        daily: backend,
        default_visibility: Some(settings.visibility_timeout),
        location: path.display().to_string(),
    })
}

/// Creates the deployment's database and tables; safe to run again.
pub fn init(
    data_dir: &Path,
    name: &str,
    options: &InitOptions,
) -> BackendResult<Vec<ResourceReport>> {
    std::fs::create_dir_all(data_dir).map_err(|err| {
        BackendError::Permanent(format!(
            "cannot create data directory {}: {err}",
            data_dir.display()
        ))
    })?;
    let path = database_path(data_dir, name);
    let mut conn = connect(
        &path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
    )?;
    schema::provision(&mut conn, name, options)
}

/// Opens an existing database file with the settings every local connection uses.
pub fn connect_existing(path: &Path) -> BackendResult<Connection> {
    connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
}

/// Deletes the deployment's database; returns whether there was one.
pub fn teardown(data_dir: &Path, name: &str) -> BackendResult<bool> {
    let path = database_path(data_dir, name);
    if !path.exists() {
        return Ok(false);
    }
    for suffix in ["", "-wal", "-shm"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        match std::fs::remove_file(&file) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(BackendError::Permanent(format!(
                    "cannot delete {}: {err}",
                    file.display()
                )))
            }
            _ => {}
        }
    }
    Ok(true)
}

fn connect(path: &Path, flags: OpenFlags) -> BackendResult<Connection> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|err| BackendError::Permanent(format!("cannot open {}: {err}", path.display())))?;
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sqlite_error)?;
    // WAL lets readers (report, aggregate) run beside a writer (drain); NORMAL sync keeps
    // commit order on power loss, which is all delete-after-write needs.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(sqlite_error)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(sqlite_error)?;
    conn.pragma_update(None, "cache_size", -32_000)
        .map_err(sqlite_error)?;
    Ok(conn)
}

impl LocalBackend {
    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (the transaction
        // rolls back), so a poisoned lock is safe to reuse.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` in a write transaction taken up front, so two processes never deadlock
    /// upgrading read locks.
    fn write<T>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> BackendResult<T> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sqlite_error)?;
        let value = work(&tx).map_err(sqlite_error)?;
        tx.commit().map_err(sqlite_error)?;
        Ok(value)
    }

    /// Runs `work` in a read transaction: one consistent snapshot, no lock on writers (WAL).
    fn read<T>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> BackendResult<T> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Deferred)
            .map_err(sqlite_error)?;
        let value = work(&tx).map_err(sqlite_error)?;
        tx.finish().map_err(sqlite_error)?;
        Ok(value)
    }
}

/// Busy and locked databases are worth a retry; everything else is not.
fn sqlite_error(err: rusqlite::Error) -> BackendError {
    use rusqlite::ErrorCode::{DatabaseBusy, DatabaseLocked};
    match err.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked) => {
            BackendError::Transient(format!("database busy: {err}"))
        }
        _ => BackendError::Permanent(format!("database error: {err}")),
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
