//! Storage for both backends: one diesel schema, a pooled connection that is
//! either SQLite or PostgreSQL, embedded migrations, and the rule that
//! blocking database work never runs on the async executor.

pub mod attachments;
pub mod audit;
pub mod backup;
pub mod bulk;
mod db;
mod error;
pub mod funds;
pub mod identity;
pub mod imports;
pub mod meta;
mod migrate;
pub mod notifications;
pub mod ntm;
pub mod schema;
pub mod tasks;
pub mod units;

pub use db::{Backend, Db, DbConnection, DbOptions};
pub use error::{PersistenceError, PersistenceResult};
pub use migrate::{migration_names, MIGRATION_DIRS};

/// `%text%` for a LIKE filter, with LIKE's wildcards in `text` escaped
/// (queries use `\\` as the escape character).
pub fn like_pattern(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}
