use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::{Connection, PgConnection, SqliteConnection};

use crate::error::{PersistenceError, PersistenceResult};

/// One connection type for both backends. Queries are written once against
/// it; backend specifics stay in this crate.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a database URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// `postgres://` and `postgresql://` select PostgreSQL; `sqlite://PATH`,
    /// `sqlite:PATH` or a bare path select SQLite.
    pub fn from_url(url: &str) -> Self {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Self::Postgres
        } else {
            Self::Sqlite
        }
    }
}

/// Pool options; the defaults suit the embedded SQLite file.
#[derive(Debug, Clone)]
pub struct DbOptions {
    pub max_connections: u32,
    pub connect_timeout: Duration,
    pub sqlite_busy_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 8,
            connect_timeout: Duration::from_secs(10),
            sqlite_busy_timeout: Duration::from_secs(15),
        }
    }
}

/// How much of a SQLite database each pooled connection reads through a
/// memory map of the file instead of copying pages into a cache of its own
/// (2 MB by default). The pool's connections then share the operating
/// system's pages: under 8 concurrent requests on a 10,000-task database
/// the task search went from 61 to 281 requests a second, its CPU per
/// request from 32 to 7 ms (BENCHMARKS.md). Writes still go through the
/// WAL; the file is never truncated under a running server (a restore
/// refuses while it is open and renames a new file into place).
const SQLITE_MMAP_BYTES: u64 = 1 << 30;

#[derive(Debug)]
struct SqlitePragmas {
    busy_timeout_ms: u128,
}

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for SqlitePragmas {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        if let DbConnection::Sqlite(c) = conn {
            c.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; \
                 PRAGMA analysis_limit = 1000; PRAGMA optimize = 0x10002; PRAGMA mmap_size = {};",
                self.busy_timeout_ms, SQLITE_MMAP_BYTES
            ))
            .map_err(diesel::r2d2::Error::QueryError)?;
        }
        Ok(())
    }
}

/// The database handle shared by the application: a pool plus the rule that
/// work on it runs on the blocking thread pool.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<DbConnection>>,
    backend: Backend,
    /// SQLite has one writer: writes in this process queue here instead of
    /// spinning on the busy timeout. Other processes still meet the timeout.
    sqlite_writer: Arc<Mutex<()>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

/// Turns a configured URL into what the driver expects, creating the folder of
/// a SQLite file when it does not exist yet.
fn driver_url(url: &str, backend: Backend) -> PersistenceResult<String> {
    match backend {
        Backend::Postgres => Ok(url.to_owned()),
        Backend::Sqlite => {
            let path = sqlite_path(url)?;
            if path != ":memory:" {
                if let Some(dir) = Path::new(path)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        PersistenceError::Config(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
            }
            Ok(path.to_owned())
        }
    }
}

/// The path of a SQLite URL (`sqlite://PATH`, `sqlite:PATH` or a bare path).
fn sqlite_path(url: &str) -> PersistenceResult<&str> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    if path.is_empty() {
        return Err(PersistenceError::Config("empty SQLite path".into()));
    }
    Ok(path)
}

/// The file of a SQLite URL, as [`Db::connect`] opens it.
pub(crate) fn sqlite_file(url: &str) -> PersistenceResult<std::path::PathBuf> {
    sqlite_path(url).map(std::path::PathBuf::from)
}

impl Db {
    /// Opens a pool on the backend the URL selects. Connections are checked
    /// out lazily; the first one is opened here so a wrong URL fails early.
    pub fn connect(url: &str, options: &DbOptions) -> PersistenceResult<Self> {
        let backend = Backend::from_url(url);
        let driver_url = driver_url(url, backend)?;
        if backend == Backend::Sqlite {
            // WAL is a property of the file; switch once, before the pool
            // opens connections that would contend for the lock to switch.
            let mut first = SqliteConnection::establish(&driver_url)
                .map_err(|e| PersistenceError::Unavailable(Box::new(e)))?;
            first.batch_execute(&format!(
                "PRAGMA busy_timeout = {}; PRAGMA journal_mode = WAL;",
                options.sqlite_busy_timeout.as_millis()
            ))?;
        }
        let manager = ConnectionManager::<DbConnection>::new(driver_url);
        let builder = Pool::builder()
            .max_size(options.max_connections)
            .min_idle(Some(1))
            .connection_timeout(options.connect_timeout)
            .connection_customizer(Box::new(SqlitePragmas {
                busy_timeout_ms: options.sqlite_busy_timeout.as_millis(),
            }));
        let pool = builder
            .build(manager)
            .map_err(|e| PersistenceError::Unavailable(Box::new(e)))?;
        Ok(Self {
            pool,
            backend,
            sqlite_writer: Arc::new(Mutex::new(())),
        })
    }

    /// Refreshes the query planner's statistics where they are stale
    /// (`PRAGMA optimize` on SQLite, bounded by `analysis_limit`); the
    /// board and statistics plans depend on them. PostgreSQL's autovacuum
    /// does this itself.
    pub async fn optimize(&self) -> PersistenceResult<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        self.run(|conn| -> PersistenceResult<()> {
            if let DbConnection::Sqlite(c) = conn {
                c.batch_execute("PRAGMA analysis_limit = 1000; PRAGMA optimize;")?;
            }
            Ok(())
        })
        .await
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A pooled connection for synchronous callers (CLI, tests, the blocking
    /// closures below).
    pub fn conn(&self) -> PersistenceResult<PooledConnection<ConnectionManager<DbConnection>>> {
        Ok(self.pool.get()?)
    }

    /// Runs `f` with a connection on the blocking thread pool, inside the
    /// caller's tracing span. Use for reads.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<PersistenceError> + Send + 'static,
    {
        let db = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || {
            span.in_scope(|| {
                let mut conn = db.conn()?;
                f(&mut conn)
            })
        })
        .await
        .map_err(|e| E::from(PersistenceError::Task(e.to_string())))?
    }

    /// Runs `f` in one write transaction on the blocking thread pool: on
    /// SQLite begun IMMEDIATE (the write lock is taken up front, so two
    /// writers never deadlock upgrading a read lock), on PostgreSQL a normal
    /// transaction. Commits when `f` returns `Ok`, rolls back otherwise.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<PersistenceError> + Send + 'static,
    {
        let db = self.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| db.write_blocking(f)))
            .await
            .map_err(|e| E::from(PersistenceError::Task(e.to_string())))?
    }

    /// The synchronous form of [`Db::write`], for the CLI and seeding.
    pub fn write_blocking<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<PersistenceError>,
    {
        let mut conn = self.conn()?;
        match self.backend {
            Backend::Postgres => transaction(&mut conn, f),
            Backend::Sqlite => {
                let _writer = self
                    .sqlite_writer
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                transaction(&mut conn, f)
            }
        }
    }
}

/// A transaction on either backend; SQLite's is begun IMMEDIATE.
fn transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<PersistenceError>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    let begun = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        DbConnection::Postgres(_) => Manager::begin_transaction(conn),
    };
    begun.map_err(|e| E::from(e.into()))?;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn).map_err(|e| E::from(e.into()))?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                tracing::error!(error = %rollback, "rollback failed");
            }
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use diesel::sql_types::BigInt;
    use diesel::{sql_query, QueryableByName, RunQueryDsl};

    #[derive(QueryableByName)]
    struct Mapped {
        #[diesel(sql_type = BigInt)]
        mmap_size: i64,
    }

    #[test]
    fn pooled_sqlite_connections_read_through_a_memory_map() {
        let dir = std::env::temp_dir().join(format!("db-mmap-{}", std::process::id()));
        let url = format!("sqlite://{}", dir.join("app.db").display());
        let db = Db::connect(&url, &DbOptions::default()).unwrap();
        let mut conn = db.conn().unwrap();
        let DbConnection::Sqlite(sqlite) = &mut *conn else {
            panic!("a SQLite URL gave another backend");
        };
        let mapped = sql_query("PRAGMA mmap_size")
            .get_result::<Mapped>(sqlite)
            .unwrap();
        drop(conn);
        drop(db);
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(mapped.mmap_size, i64::try_from(SQLITE_MMAP_BYTES).unwrap());
    }
}
