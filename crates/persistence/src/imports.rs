//! Legacy Excel imports: one row per uploaded file with the preview that
//! was answered for it.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{PersistenceError, PersistenceResult};
use crate::schema::imports;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = imports)]
pub struct ImportRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    /// The preview as JSON.
    pub preview: String,
    /// The uploader's principal (`user:12`, `service:3`).
    pub created_by: String,
    pub creator_name: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = imports)]
pub struct NewImport {
    pub kind: String,
    pub status: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub preview: String,
    pub created_by: String,
    pub creator_name: String,
}

pub fn insert(conn: &mut DbConnection, new: &NewImport) -> PersistenceResult<ImportRow> {
    let id: i64 = diesel::insert_into(imports::table)
        .values((new, imports::created_at.eq(Utc::now().naive_utc())))
        .returning(imports::id)
        .get_result(conn)?;
    get(conn, id)
}

pub fn get(conn: &mut DbConnection, id: i64) -> PersistenceResult<ImportRow> {
    imports::table
        .find(id)
        .select(ImportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PersistenceError::NotFound)
}

/// Imports of these kinds (None: all), newest first.
pub fn list(
    conn: &mut DbConnection,
    kinds: Option<&[&str]>,
    limit: i64,
    offset: i64,
) -> PersistenceResult<Vec<ImportRow>> {
    let mut q = imports::table.into_boxed();
    if let Some(kinds) = kinds {
        q = q.filter(
            imports::kind.eq_any(kinds.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>()),
        );
    }
    Ok(q.order(imports::id.desc())
        .limit(limit)
        .offset(offset)
        .select(ImportRow::as_select())
        .load(conn)?)
}
