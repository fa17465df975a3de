use diesel::sql_types::BigInt;
use diesel::{sql_query, RunQueryDsl};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::db::{Db, DbConnection};
use crate::error::{PersistenceError, PersistenceResult};

const SQLITE: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

/// The migration folders, relative to the workspace root. Both hold the same
/// migration names; a test enforces it.
pub const MIGRATION_DIRS: [&str; 2] = ["migrations/sqlite", "migrations/postgres"];

/// Key of the PostgreSQL advisory lock that serialises migrations across
/// servers starting at once.
const PG_MIGRATION_LOCK: i64 = 0x0D1E_4A27;

fn migration_error(e: impl std::fmt::Display) -> PersistenceError {
    PersistenceError::Migration(e.to_string())
}

/// Names of the embedded migrations of one backend, in order.
pub fn migration_names(postgres: bool) -> Vec<String> {
    use diesel::migration::MigrationSource;
    let names = if postgres {
        MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES)
            .map(|m| m.iter().map(|m| m.name().to_string()).collect())
    } else {
        MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE)
            .map(|m| m.iter().map(|m| m.name().to_string()).collect())
    };
    names.unwrap_or_default()
}

/// Versions (`YYYYMMDDNNNNNN`) of the embedded SQLite migrations, as
/// diesel records them in `__diesel_schema_migrations`.
pub(crate) fn sqlite_versions() -> Vec<String> {
    use diesel::migration::MigrationSource;
    MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE)
        .map(|m| m.iter().map(|m| m.name().version().to_string()).collect())
        .unwrap_or_default()
}

impl Db {
    /// Runs every pending migration; on PostgreSQL under an advisory lock so
    /// several servers starting together migrate once; then fills in what
    /// the application derives (users' search keys). Returns the names
    /// applied now.
    pub fn migrate(&self) -> PersistenceResult<Vec<String>> {
        let mut conn = self.conn()?;
        let applied = match &mut *conn {
            DbConnection::Sqlite(c) => c
                .run_pending_migrations(SQLITE)
                .map_err(migration_error)?
                .iter()
                .map(ToString::to_string)
                .collect(),
            DbConnection::Postgres(c) => {
                sql_query("SELECT pg_advisory_lock($1)")
                    .bind::<BigInt, _>(PG_MIGRATION_LOCK)
                    .execute(c)?;
                let result = c
                    .run_pending_migrations(POSTGRES)
                    .map(|v| v.iter().map(ToString::to_string).collect())
                    .map_err(migration_error);
                sql_query("SELECT pg_advisory_unlock($1)")
                    .bind::<BigInt, _>(PG_MIGRATION_LOCK)
                    .execute(c)?;
                result?
            }
        };
        crate::identity::fill_search_keys(&mut conn)?;
        Ok(applied)
    }

    /// Reverts every applied migration (tests and disaster recovery only).
    pub fn revert_all_migrations(&self) -> PersistenceResult<usize> {
        let mut conn = self.conn()?;
        let reverted = match &mut *conn {
            DbConnection::Sqlite(c) => c.revert_all_migrations(SQLITE).map_err(migration_error)?,
            DbConnection::Postgres(c) => {
                c.revert_all_migrations(POSTGRES).map_err(migration_error)?
            }
        };
        Ok(reverted.len())
    }
}
