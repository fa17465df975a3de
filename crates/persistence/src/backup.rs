//! Backup and restore of the SQLite database file. PostgreSQL is backed up
//! with its own tools (`pg_dump`/`pg_restore`, docs/deploy.md).
//!
//! A backup is `VACUUM INTO` a temporary file beside the target: one read
//! transaction, so the copy is a consistent snapshot while the server keeps
//! writing (WAL). A restore copies the file beside the database, checks it,
//! and renames it over the database, so the database is either the old one
//! or the new one, never half of each.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use diesel::connection::SimpleConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{sql_query, Connection, QueryableByName, RunQueryDsl, SqliteConnection};

use crate::db::{sqlite_file, Backend};
use crate::error::{PersistenceError, PersistenceResult};

/// Table where diesel records the applied migrations.
const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// What a checked database file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub path: PathBuf,
    pub bytes: u64,
    /// Migrations applied in the file.
    pub migrations: usize,
    /// The latest of them (`YYYYMMDDNNNNNN`).
    pub latest_migration: Option<String>,
}

impl std::fmt::Display for FileReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({} bytes, {} migrations, latest {}, integrity ok)",
            self.path.display(),
            self.bytes,
            self.migrations,
            self.latest_migration.as_deref().unwrap_or("none")
        )
    }
}

fn refused(message: String) -> PersistenceError {
    PersistenceError::Backup(message)
}

/// The SQLite file a database URL names; PostgreSQL and in-memory
/// databases have none and are refused with the way to back them up.
pub fn sqlite_database_file(url: &str) -> PersistenceResult<PathBuf> {
    if Backend::from_url(url) == Backend::Postgres {
        return Err(refused(
            "sao lưu và phục hồi PostgreSQL bằng pg_dump và pg_restore, không qua lệnh này: \
             `pg_dump --format=custom --file=FILE URL`, \
             `pg_restore --clean --if-exists --no-owner --dbname=URL FILE` \
             (PostgreSQL is backed up with pg_dump and restored with pg_restore; see \
             docs/deploy.md)"
                .into(),
        ));
    }
    let path = sqlite_file(url)?;
    if path.as_os_str() == ":memory:" {
        return Err(refused(
            "cơ sở dữ liệu trong bộ nhớ không sao lưu được (an in-memory database has no file)"
                .into(),
        ));
    }
    Ok(path)
}

fn open(path: &Path) -> PersistenceResult<SqliteConnection> {
    let url = path_text(path)?;
    SqliteConnection::establish(url).map_err(|e| PersistenceError::Unavailable(Box::new(e)))
}

/// A temporary file in `target`'s folder (a rename within one file system
/// is atomic), removed unless it is persisted.
fn temp_beside(target: &Path) -> PersistenceResult<tempfile::NamedTempFile> {
    let dir = target
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tempfile::Builder::new()
        .prefix(".restore-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| {
            refused(format!(
                "không tạo được tệp tạm trong {}: {e}",
                dir.display()
            ))
        })
}

/// Copies the database at `source` to `to` while it may be in use, checks
/// the copy and moves it into place. An existing `to` is refused unless
/// `overwrite`.
pub fn backup(source: &Path, to: &Path, overwrite: bool) -> PersistenceResult<FileReport> {
    if !source.is_file() {
        return Err(refused(format!(
            "không có cơ sở dữ liệu tại {} (no database at that path)",
            source.display()
        )));
    }
    if to.exists() && !overwrite {
        return Err(refused(format!(
            "{} đã tồn tại; thêm --force để ghi đè ({} exists; add --force to overwrite it)",
            to.display(),
            to.display()
        )));
    }
    let temp = temp_beside(to)?;
    let temp_path = path_text(temp.path())?;
    let mut conn = open(source)?;
    conn.batch_execute("PRAGMA busy_timeout = 15000;")?;
    // VACUUM INTO accepts an empty file as its target.
    sql_query("VACUUM INTO ?")
        .bind::<Text, _>(temp_path)
        .execute(&mut conn)?;
    drop(conn);
    let checked = check_file(temp.path())?;
    let persisted = if overwrite {
        temp.persist(to).map_err(|e| e.error)
    } else {
        temp.persist_noclobber(to).map_err(|e| e.error)
    };
    persisted.map_err(|e| refused(format!("không ghi được {}: {e}", to.display())))?;
    Ok(FileReport {
        path: to.to_owned(),
        ..checked
    })
}

fn path_text(path: &Path) -> PersistenceResult<&str> {
    path.to_str().ok_or_else(|| {
        refused(format!(
            "đường dẫn không phải UTF-8 (path is not UTF-8): {}",
            path.display()
        ))
    })
}

#[derive(QueryableByName)]
struct IntegrityLine {
    #[diesel(sql_type = Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

#[derive(QueryableByName)]
struct JournalMode {
    #[diesel(sql_type = Text)]
    journal_mode: String,
}

/// Checks that `path` is a sound SQLite database of this application whose
/// migrations this binary knows (it may lack newer ones: they are applied
/// after a restore).
pub fn check_file(path: &Path) -> PersistenceResult<FileReport> {
    let not_ours = |why: String| {
        refused(format!(
            "{} không phải bản sao lưu hợp lệ của ứng dụng này: {why} \
             ({} is not a valid backup of this application)",
            path.display(),
            path.display()
        ))
    };
    if !path.is_file() {
        return Err(not_ours("không có tệp (no such file)".into()));
    }
    let mut conn = open(path)?;
    let integrity = sql_query("PRAGMA integrity_check")
        .load::<IntegrityLine>(&mut conn)
        .map_err(|e| not_ours(e.to_string()))?;
    if integrity.len() != 1 || integrity[0].integrity_check != "ok" {
        let problems: Vec<String> = integrity.into_iter().map(|l| l.integrity_check).collect();
        return Err(not_ours(format!(
            "kiểm tra toàn vẹn thất bại (integrity check failed): {}",
            problems.join("; ")
        )));
    }
    let tables =
        sql_query("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?")
            .bind::<Text, _>(MIGRATIONS_TABLE)
            .get_result::<Count>(&mut conn)?;
    if tables.n == 0 {
        return Err(not_ours(
            "không có bảng migration (no migrations table)".into(),
        ));
    }
    let applied: Vec<String> = sql_query(format!(
        "SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version"
    ))
    .load::<Version>(&mut conn)?
    .into_iter()
    .map(|v| v.version)
    .collect();
    let known: BTreeSet<String> = crate::migrate::sqlite_versions().into_iter().collect();
    if let Some(unknown) = applied.iter().find(|v| !known.contains(*v)) {
        return Err(not_ours(format!(
            "có migration {unknown} mà chương trình này không biết — tệp của phiên bản mới hơn \
             (migration {unknown} is unknown to this binary: the file is from a newer version)"
        )));
    }
    drop(conn);
    let bytes = std::fs::metadata(path)
        .map_err(|e| refused(format!("{}: {e}", path.display())))?
        .len();
    Ok(FileReport {
        path: path.to_owned(),
        bytes,
        migrations: applied.len(),
        latest_migration: applied.last().cloned(),
    })
}

/// Refuses when another connection has the database at `path` open: a
/// server keeps its WAL database open, and leaving WAL mode needs the
/// only connection. The database is left in rollback-journal mode with
/// its WAL checkpointed into the file (the server switches back at start).
/// A file that is not a readable database cannot be in use by a server and
/// is not refused.
fn ensure_unused(path: &Path) -> PersistenceResult<()> {
    if !path.exists() {
        return Ok(());
    }
    let in_use = || {
        refused(format!(
            "{} đang được sử dụng: dừng máy chủ trước khi phục hồi \
             ({} is in use: stop the server before restoring)",
            path.display(),
            path.display()
        ))
    };
    let mut conn = open(path)?;
    match sql_query("PRAGMA journal_mode = DELETE").get_result::<JournalMode>(&mut conn) {
        Ok(mode) if mode.journal_mode.eq_ignore_ascii_case("delete") => Ok(()),
        Ok(_) => Err(in_use()),
        Err(e) => match PersistenceError::from(e) {
            PersistenceError::Unavailable(_) => Err(in_use()),
            other => {
                tracing::warn!(error = %other, "the database being replaced is not readable");
                Ok(())
            }
        },
    }
}

/// Replaces the database at `target` with the backup at `from`: copies it
/// beside the target, checks it ([`check_file`]), refuses while the target
/// is in use, removes the target's stale `-wal`/`-shm` files and renames
/// the copy over it. Pending migrations are the caller's to run.
pub fn restore(from: &Path, target: &Path) -> PersistenceResult<FileReport> {
    if !from.is_file() {
        return Err(refused(format!(
            "không có tệp {} (no such file)",
            from.display()
        )));
    }
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| refused(format!("không tạo được {}: {e}", dir.display())))?;
    }
    let mut temp = temp_beside(target)?;
    let io = |e: std::io::Error| refused(format!("sao chép {} thất bại: {e}", from.display()));
    let mut source = std::fs::File::open(from).map_err(io)?;
    std::io::copy(&mut source, temp.as_file_mut()).map_err(io)?;
    temp.as_file().sync_all().map_err(io)?;
    let checked = check_file(temp.path())?;
    ensure_unused(target)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut stale = target.as_os_str().to_owned();
        stale.push(suffix);
        match std::fs::remove_file(&stale) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(refused(format!(
                    "không xóa được {}: {e}",
                    Path::new(&stale).display()
                )))
            }
            _ => {}
        }
    }
    temp.persist(target)
        .map_err(|e| refused(format!("không ghi được {}: {e}", target.display())))?;
    Ok(FileReport {
        path: target.to_owned(),
        ..checked
    })
}
