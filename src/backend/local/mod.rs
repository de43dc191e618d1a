//! The local backend: one SQLite database per deployment name, holding an SQS-like queue, the
//! dead-letter queue, the raw-events table and the daily table. Database work runs on tokio's
//! blocking pool, never on the runtime's worker threads: a busy database (another process
//! holding the write lock for up to the busy timeout) must not hold up signals, HTTP answers or
//! other tasks.

mod counting;
mod daily;
mod dead_letters;
mod deployment;
mod files;
mod imported;
mod migrations;
mod parts;
mod queue;
mod record;
mod salts;
mod schema;
mod store;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::{Backend, BackendError, BackendResult, Facts};
use crate::model::zone::Zone;

pub use deployment::{data_dir, LocalDeployment};
pub use files::replace_file;

/// How long a writer waits for another process's write transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// What the local backend is like.
pub const FACTS: Facts = Facts {
    exact_counts: true,
    default_wait: Duration::from_secs(1),
    event_count_note: "",
    expires_raw_events: false,
    leaves_unfinished_writes: false,
};

/// Visibility timeout of a new local queue unless `init` is told otherwise.
pub const DEFAULT_VISIBILITY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open local deployment. One connection per process; SQLite's locks order processes.
pub struct LocalBackend {
    db: Arc<Database>,
    max_receives: u32,
    visibility_timeout: Duration,
    zone: Zone,
    /// Parts a day is counted in, each on a thread (`counting`).
    count_parts: usize,
}

/// Most parts a day is counted in. Each part's thread reads past the rows of the others, so
/// parts beyond the cores, or many parts, cost more than they save.
const MAX_COUNT_PARTS: usize = 4;

/// Parts a day is counted in here: one per core this process may use, at most `MAX_COUNT_PARTS`.
fn count_parts() -> usize {
    std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(MAX_COUNT_PARTS)
}

/// The connection and the file it is for, shared with the blocking tasks that use it.
struct Database {
    conn: Mutex<Connection>,
    path: PathBuf,
}

/// The database file of deployment `name` under `data_dir`.
pub fn database_path(data_dir: &Path, name: &str) -> PathBuf {
    data_dir.join(format!("{name}.sqlite3"))
}

/// A new local deployment named `t` in `dir`, opened: the unit tests' backend.
#[cfg(test)]
pub fn test_backend(dir: &Path) -> Backend {
    deployment::init(dir, "t", &super::InitOptions::default()).expect("init a local deployment");
    open(dir, "t").expect("open the local deployment")
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
    let mut conn = connect(&path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let not_ours = |err: String| {
        BackendError::permanent(format!(
            "{} is not a pageviews database ({err}); move it aside or choose another --name",
            path.display()
        ))
    };
    let mut settings = schema::read_settings(&conn).map_err(not_ours)?;
    let lacks_columns = !schema::missing_field_columns(&conn)
        .map_err(|err| sqlite_error(&path, err))?
        .is_empty();
    if settings.version < schema::SCHEMA_VERSION || lacks_columns {
        upgrade(&mut conn, &path)?;
        settings = schema::read_settings(&conn).map_err(not_ours)?;
    }
    let backend = Arc::new(LocalBackend {
        db: Arc::new(Database {
            conn: Mutex::new(conn),
            path: path.clone(),
        }),
        max_receives: settings.max_receives,
        visibility_timeout: settings.visibility_timeout,
        zone: settings.zone,
        count_parts: count_parts(),
    });
    Ok(Backend::served_by(
        backend,
        FACTS,
        path.display().to_string(),
        settings.zone,
        Some(settings.visibility_timeout),
        settings.retention_days,
    ))
}

/// Brings a database made by an older pageviews up to this one's tables, in one transaction.
fn upgrade(conn: &mut Connection, path: &Path) -> BackendResult<()> {
    let upgraded = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|err| sqlite_error(path, err))
        .and_then(|tx| {
            migrations::migrate(&tx, path)?;
            tx.commit().map_err(|err| sqlite_error(path, err))
        });
    upgraded.map_err(|err| match err.kind() {
        super::ErrorKind::Permanent
            if conn
                .is_readonly(rusqlite::DatabaseName::Main)
                .unwrap_or(false) =>
        {
            BackendError::permanent(format!(
                "database {} was made by an older pageviews and must be upgraded once, which \
                 this user cannot do: run `pageviews init` as the user who owns it",
                path.display()
            ))
            .caused_by(err)
        }
        _ => err,
    })
}

/// The connection, or, when this user may neither write the database's folder nor find the
/// WAL index SQLite keeps beside the file (no writer has it open), a read-only connection
/// that reads the file as it is on disk: reading commands then still work.
fn readable(conn: Connection, path: &Path) -> BackendResult<Connection> {
    use rusqlite::ffi::{SQLITE_READONLY_CANTINIT, SQLITE_READONLY_DIRECTORY};
    let probe = conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| {
        row.get::<_, i64>(0)
    });
    match probe {
        Err(rusqlite::Error::SqliteFailure(failure, _))
            if [SQLITE_READONLY_DIRECTORY, SQLITE_READONLY_CANTINIT]
                .contains(&failure.extended_code) =>
        {
            drop(conn);
            tracing::info!(path = %path.display(), "the database's folder is read-only here; reading the file as it is on disk");
            let uri = format!("file:{}?immutable=1", path.display());
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            Connection::open_with_flags(&uri, flags).map_err(|err| sqlite_error(path, err))
        }
        Err(err) => Err(sqlite_error(path, err)),
        Ok(_) => Ok(conn),
    }
}

/// Opens an existing database file with the settings every local connection uses.
#[cfg(any(test, feature = "test-support"))]
pub fn connect_existing(path: &Path) -> BackendResult<Connection> {
    connect(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
}

/// The page size of a new database. Larger than SQLite's 4 KiB default: a day's rows are read
/// in key order and written at the end of their range, and with 16 KiB pages counting a day of
/// 2,000,000 events took 0.91-0.96 of the time and draining them 0.92 (docs/performance.md).
const PAGE_BYTES: i64 = 16_384;

fn connect(path: &Path, flags: OpenFlags) -> BackendResult<Connection> {
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|err| sqlite_error(path, err))?;
    let conn = readable(conn, path)?;
    let setup = || -> rusqlite::Result<()> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // SQLite opens a file this user may not write read-only: reading commands (report,
        // status) still work; setting the journal mode would be a write. The mode is kept in
        // the file, so a database `init` made is in WAL mode already.
        if !conn.is_readonly(rusqlite::DatabaseName::Main)? {
            // Before the journal mode: a new database takes its page size from its first
            // table, and a database in WAL mode keeps the size it has (so does any database
            // made before).
            conn.pragma_update(None, "page_size", PAGE_BYTES)?;
            // WAL lets readers (report, aggregate) run beside a writer (drain); NORMAL sync
            // keeps commit order on power loss, which is all delete-after-write needs.
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 8 MB: several times a drain's write transaction. Writes append in key order and
        // bodies are read once, so a larger cache held pages not read again: 32 MB drained no
        // faster and peaked about 25 MB higher.
        conn.pragma_update(None, "cache_size", -8_000)
    };
    setup().map_err(|err| sqlite_error(path, err))?;
    Ok(conn)
}

impl Database {
    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (the transaction
        // rolls back), so a poisoned lock is safe to reuse.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` in a transaction of `behavior`, committing (or, for reads, finishing) it.
    fn transaction<T>(
        &self,
        behavior: TransactionBehavior,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T>,
    ) -> BackendResult<T> {
        let mut conn = self.lock();
        let run = || {
            let tx = conn.transaction_with_behavior(behavior)?;
            let value = work(&tx)?;
            match behavior {
                TransactionBehavior::Deferred => tx.finish()?,
                _ => tx.commit()?,
            }
            Ok(value)
        };
        run().map_err(|err| sqlite_error(&self.path, err))
    }
}

impl LocalBackend {
    /// Runs `work` in a write transaction taken up front (so two processes never deadlock
    /// upgrading read locks), on the blocking pool.
    async fn write<T: Send + 'static>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    ) -> BackendResult<T> {
        let db = self.db.clone();
        off_the_runtime(move || db.transaction(TransactionBehavior::Immediate, work)).await
    }

    /// Runs `work` in a read transaction (one consistent snapshot, no lock on writers in WAL
    /// mode), on the blocking pool.
    async fn read<T: Send + 'static>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    ) -> BackendResult<T> {
        let db = self.db.clone();
        off_the_runtime(move || db.transaction(TransactionBehavior::Deferred, work)).await
    }
}

/// Runs blocking database work on tokio's blocking pool and waits for it.
async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> BackendResult<T> + Send + 'static,
) -> BackendResult<T> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|join| {
            Err(BackendError::permanent("a database task did not finish").caused_by(join))
        })
}

/// Busy and locked databases are worth a retry; everything else is not. The message names the
/// file and, for the failures people meet, the likely cause.
fn sqlite_error(path: &Path, err: rusqlite::Error) -> BackendError {
    use rusqlite::ErrorCode::*;
    let file = path.display();
    let (message, transient) = match err.sqlite_error_code() {
        Some(DatabaseBusy | DatabaseLocked) => (format!("database {file} is busy: {err}"), true),
        Some(ReadOnly) => (
            format!(
                "database {file} is read-only here ({err}): this command writes; run it as a \
                 user who may write the file and its folder"
            ),
            false,
        ),
        Some(CannotOpen | PermissionDenied) => (
            format!(
                "cannot open database {file} ({err}): check that the file and its folder exist \
                 and this user may read them"
            ),
            false,
        ),
        Some(DiskFull) => (
            format!("database {file}: the disk is full ({err}); free some space and run again"),
            false,
        ),
        Some(DatabaseCorrupt | NotADatabase) => (
            format!(
                "database {file} is damaged or not a database ({err}); restore it from a \
                 backup or move it aside and run `pageviews init`"
            ),
            false,
        ),
        Some(SystemIoFailure) => (
            format!("database {file}: input/output error ({err}); check the disk"),
            false,
        ),
        _ => (format!("database {file}: {err}"), false),
    };
    let error = match transient {
        true => BackendError::transient(message),
        false => BackendError::permanent(message),
    };
    error.caused_by(err)
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
