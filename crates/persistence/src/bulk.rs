//! Bulk loading for generated data sets (`server seed --scale`): many rows
//! per `INSERT … VALUES` statement, written as SQL literals both backends
//! read the same way. Diesel's multi-backend connection has no batch
//! insert, and row-at-a-time inserts would take hours for a million tasks.
//!
//! Only for data the program generates itself: text is quoted safely, but
//! nothing here checks the workflows' rules. Callers insert explicit ids
//! (from [`next_id`]) so related rows can refer to each other, then call
//! [`finish`] so PostgreSQL's identity sequences continue after them.

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};

use crate::{DbConnection, PersistenceResult};

/// Rows per statement: large enough to amortise parsing and round trips,
/// small enough to keep each statement's text around a few hundred kB.
const ROWS_PER_STATEMENT: usize = 500;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Bool(bool),
    Text(String),
    Date(NaiveDate),
    Timestamp(NaiveDateTime),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Self::Int(i64::from(v))
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<NaiveDate> for Value {
    fn from(v: NaiveDate) -> Self {
        Self::Date(v)
    }
}

impl From<NaiveDateTime> for Value {
    fn from(v: NaiveDateTime) -> Self {
        Self::Timestamp(v)
    }
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Self::Null, Into::into)
    }
}

impl Value {
    /// The value as an SQL literal. Text is single-quoted with quotes
    /// doubled (neither backend treats backslashes specially in standard
    /// strings); dates and timestamps are the ISO text both backends and
    /// diesel's SQLite mapping read.
    fn write_literal(&self, out: &mut String) {
        match self {
            Self::Null => out.push_str("NULL"),
            Self::Int(v) => {
                let _ = write!(out, "{v}");
            }
            Self::Bool(v) => out.push_str(if *v { "TRUE" } else { "FALSE" }),
            Self::Text(v) => {
                out.push('\'');
                for c in v.chars().filter(|c| *c != '\0') {
                    if c == '\'' {
                        out.push('\'');
                    }
                    out.push(c);
                }
                out.push('\'');
            }
            Self::Date(v) => {
                let _ = write!(out, "'{}'", v.format("%Y-%m-%d"));
            }
            Self::Timestamp(v) => {
                let _ = write!(out, "'{}'", v.format("%Y-%m-%d %H:%M:%S"));
            }
        }
    }
}

/// Buffers rows for one table and writes them [`ROWS_PER_STATEMENT`] at a
/// time.
pub struct Inserter {
    head: String,
    columns: usize,
    sql: String,
    pending: usize,
    written: usize,
}

impl Inserter {
    /// `table` and `columns` are the program's own identifiers, never input.
    pub fn new(table: &str, columns: &[&str]) -> Self {
        let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
        Self {
            sql: head.clone(),
            head,
            columns: columns.len(),
            pending: 0,
            written: 0,
        }
    }

    /// Adds a row (as many values as columns), writing the batch when full.
    pub fn push(&mut self, conn: &mut DbConnection, row: &[Value]) -> PersistenceResult<()> {
        debug_assert_eq!(row.len(), self.columns, "{}", self.head);
        if self.pending > 0 {
            self.sql.push(',');
        }
        self.sql.push('(');
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                self.sql.push(',');
            }
            value.write_literal(&mut self.sql);
        }
        self.sql.push(')');
        self.pending += 1;
        if self.pending == ROWS_PER_STATEMENT {
            self.flush(conn)?;
        }
        Ok(())
    }

    fn flush(&mut self, conn: &mut DbConnection) -> PersistenceResult<()> {
        if self.pending > 0 {
            self.written += diesel::sql_query(self.sql.as_str()).execute(conn)?;
            self.sql.clear();
            self.sql.push_str(&self.head);
            self.pending = 0;
        }
        Ok(())
    }

    /// Writes what is left; the number of rows written in all.
    pub fn finish(mut self, conn: &mut DbConnection) -> PersistenceResult<usize> {
        self.flush(conn)?;
        Ok(self.written)
    }
}

#[derive(QueryableByName)]
struct MaxId {
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    id: Option<i64>,
}

/// The first free id of `table` (one past the largest).
pub fn next_id(conn: &mut DbConnection, table: &str) -> PersistenceResult<i64> {
    let row: MaxId =
        diesel::sql_query(format!("SELECT MAX(id) AS id FROM {table}")).get_result(conn)?;
    Ok(row.id.unwrap_or(0) + 1)
}

/// After explicit ids: PostgreSQL's identity sequences of `tables` (each
/// with an `id` column) continue after the largest id; SQLite's
/// AUTOINCREMENT already does.
pub fn finish(conn: &mut DbConnection, tables_with_ids: &[&str]) -> PersistenceResult<()> {
    if let DbConnection::Postgres(_) = conn {
        for table in tables_with_ids {
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 (SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            ))
            .execute(conn)?;
        }
    }
    Ok(())
}

/// Leaves bulk-loaded `tables` as a database in use would be: the planner's
/// statistics refreshed on both backends and, on PostgreSQL, the tables
/// vacuumed, which sets the visibility map index-only scans rely on
/// (autovacuum would do it in time, and may be off). Outside a
/// transaction: PostgreSQL refuses `VACUUM` inside one.
pub fn settle(conn: &mut DbConnection, tables: &[&str]) -> PersistenceResult<()> {
    let command = match conn {
        DbConnection::Postgres(_) => "VACUUM (ANALYZE)",
        DbConnection::Sqlite(_) => "ANALYZE",
    };
    for table in tables {
        diesel::sql_query(format!("{command} {table}")).execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(v: Value) -> String {
        let mut out = String::new();
        v.write_literal(&mut out);
        out
    }

    #[test]
    fn literals_quote_text_and_format_dates() {
        assert_eq!(literal("Bản Nà Lầu".into()), "'Bản Nà Lầu'");
        assert_eq!(literal("O'Neil\0".into()), "'O''Neil'");
        assert_eq!(literal(Value::from(None::<i64>)), "NULL");
        assert_eq!(literal(Value::from(-5_i64)), "-5");
        assert_eq!(literal(true.into()), "TRUE");
        let day = NaiveDate::from_ymd_opt(2026, 1, 9).unwrap_or_default();
        assert_eq!(literal(day.into()), "'2026-01-09'");
        let at = day.and_hms_opt(8, 5, 0).unwrap_or_default();
        assert_eq!(literal(at.into()), "'2026-01-09 08:05:00'");
    }
}
