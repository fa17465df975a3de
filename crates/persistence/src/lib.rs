//! Storage for both backends: one diesel schema, a pooled connection that is
//! either SQLite or PostgreSQL, embedded migrations, and the rule that
//! blocking database work never runs on the async executor.

pub mod audit;
mod db;
mod error;
pub mod identity;
pub mod meta;
mod migrate;
pub mod notifications;
pub mod schema;
pub mod tasks;
pub mod units;

pub use db::{Backend, Db, DbConnection, DbOptions};
pub use error::{PersistenceError, PersistenceResult};
pub use migrate::{migration_names, MIGRATION_DIRS};
