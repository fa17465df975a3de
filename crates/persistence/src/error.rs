use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// Everything the storage layer can fail with, classified so the API can map
/// it to a status without looking at backend-specific messages.
#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    #[error("record not found")]
    NotFound,
    #[error("unique constraint violated: {constraint}")]
    UniqueViolation { constraint: String },
    #[error("foreign key constraint violated: {constraint}")]
    ForeignKeyViolation { constraint: String },
    #[error("the database is busy or unreachable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("database error")]
    Database(#[source] DieselError),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("invalid database configuration: {0}")]
    Config(String),
    #[error("background task failed: {0}")]
    Task(String),
    /// A backup or restore refused or failed; the message says why.
    #[error("{0}")]
    Backup(String),
}

pub type PersistenceResult<T> = Result<T, PersistenceError>;

impl From<DieselError> for PersistenceError {
    fn from(e: DieselError) -> Self {
        match e {
            DieselError::NotFound => Self::NotFound,
            DieselError::DatabaseError(kind, ref info) => {
                let constraint = info
                    .constraint_name()
                    .map(str::to_owned)
                    .unwrap_or_else(|| info.message().to_owned());
                match kind {
                    DatabaseErrorKind::UniqueViolation => Self::UniqueViolation { constraint },
                    DatabaseErrorKind::ForeignKeyViolation => {
                        Self::ForeignKeyViolation { constraint }
                    }
                    DatabaseErrorKind::ClosedConnection => Self::Unavailable(Box::new(e)),
                    _ if is_sqlite_busy(info.message()) => Self::Unavailable(Box::new(e)),
                    _ => Self::Database(e),
                }
            }
            other => Self::Database(other),
        }
    }
}

impl From<diesel::r2d2::PoolError> for PersistenceError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        Self::Unavailable(Box::new(e))
    }
}

fn is_sqlite_busy(message: &str) -> bool {
    message.contains("database is locked") || message.contains("database is busy")
}

/// An update or delete that touched no row means the row does not exist.
pub(crate) fn affected(rows: usize) -> PersistenceResult<()> {
    if rows == 0 {
        Err(PersistenceError::NotFound)
    } else {
        Ok(())
    }
}
