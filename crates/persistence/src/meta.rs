//! Key/value facts about this installation.

use chrono::Utc;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::PersistenceResult;
use crate::schema::app_meta;

pub fn get(conn: &mut DbConnection, key: &str) -> PersistenceResult<Option<String>> {
    Ok(app_meta::table
        .find(key)
        .select(app_meta::value)
        .first::<String>(conn)
        .optional()?)
}

pub fn set(conn: &mut DbConnection, key: &str, value: &str) -> PersistenceResult<()> {
    let now = Utc::now().naive_utc();
    let updated = diesel::update(app_meta::table.find(key))
        .set((app_meta::value.eq(value), app_meta::updated_at.eq(now)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(app_meta::table)
            .values((
                app_meta::key.eq(key),
                app_meta::value.eq(value),
                app_meta::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Whether the database answers a trivial query (readiness probe).
pub fn ping(conn: &mut DbConnection) -> PersistenceResult<()> {
    diesel::sql_query("SELECT 1").execute(conn)?;
    Ok(())
}
