//! The audit trail: one append-only row per mutation, written in the same
//! transaction as the change. Each row's hash covers the previous row's
//! hash, so editing or deleting a row breaks the chain ([`verify`]).

use chrono::{NaiveDateTime, Timelike, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use sha2::{Digest, Sha256};

use crate::db::DbConnection;
use crate::error::PersistenceResult;
use crate::schema::audit_log;

/// The hash the first row chains to.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Serialises audit appends on PostgreSQL (SQLite writes are serial anyway).
const PG_AUDIT_LOCK: i64 = 0x0D1E_A0D1;

/// What happened, by whom.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    /// `user`, `service_account`, `system`.
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// e.g. `org_unit.create`, `user.update`, `auth.login`.
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before_json: Option<String>,
    pub after_json: Option<String>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// Length-prefixed fields, so no two different rows hash the same input.
fn row_hash(row: &AuditRow) -> String {
    let mut h = Sha256::new();
    let actor_id = row.actor_id.map(|v| v.to_string());
    let at = row.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    for field in [
        Some(row.prev_hash.as_str()),
        Some(at.as_str()),
        Some(row.actor_kind.as_str()),
        actor_id.as_deref(),
        Some(row.actor_name.as_str()),
        Some(row.action.as_str()),
        Some(row.entity.as_str()),
        Some(row.entity_id.as_str()),
        row.before_json.as_deref(),
        row.after_json.as_deref(),
        row.request_id.as_deref(),
        row.client_addr.as_deref(),
    ] {
        match field {
            Some(text) => {
                h.update((text.len() as u64).to_be_bytes());
                h.update(text.as_bytes());
            }
            None => h.update(u64::MAX.to_be_bytes()),
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Appends one row chained to the last. Call inside the write transaction
/// of the change it records.
pub fn append(conn: &mut DbConnection, entry: AuditEntry) -> PersistenceResult<i64> {
    if let DbConnection::Postgres(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(PG_AUDIT_LOCK)
            .execute(conn)?;
    }
    let prev_hash = audit_log::table
        .order(audit_log::id.desc())
        .select(audit_log::hash)
        .first::<String>(conn)
        .optional()?
        .unwrap_or_else(|| GENESIS.to_owned());
    let now = Utc::now().naive_utc();
    // Microseconds: what both backends store exactly, so the hash verifies.
    let at = now
        .with_nanosecond(now.nanosecond() / 1000 * 1000)
        .unwrap_or(now);
    let mut row = AuditRow {
        id: 0,
        at,
        actor_kind: entry.actor_kind,
        actor_id: entry.actor_id,
        actor_name: entry.actor_name,
        action: entry.action,
        entity: entry.entity,
        entity_id: entry.entity_id,
        before_json: entry.before.map(|v| v.to_string()),
        after_json: entry.after.map(|v| v.to_string()),
        request_id: entry.request_id,
        client_addr: entry.client_addr,
        prev_hash,
        hash: String::new(),
    };
    row.hash = row_hash(&row);
    let id = diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(row.at),
            audit_log::actor_kind.eq(&row.actor_kind),
            audit_log::actor_id.eq(row.actor_id),
            audit_log::actor_name.eq(&row.actor_name),
            audit_log::action.eq(&row.action),
            audit_log::entity.eq(&row.entity),
            audit_log::entity_id.eq(&row.entity_id),
            audit_log::before_json.eq(&row.before_json),
            audit_log::after_json.eq(&row.after_json),
            audit_log::request_id.eq(&row.request_id),
            audit_log::client_addr.eq(&row.client_addr),
            audit_log::prev_hash.eq(&row.prev_hash),
            audit_log::hash.eq(&row.hash),
        ))
        .returning(audit_log::id)
        .get_result(conn)?;
    Ok(id)
}

/// Filters of the audit list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
    pub actor_kind: Option<String>,
    pub actor_id: Option<i64>,
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
    pub limit: i64,
    pub offset: i64,
}

/// Newest first.
pub fn list(conn: &mut DbConnection, f: &AuditFilter) -> PersistenceResult<(Vec<AuditRow>, i64)> {
    let query = || {
        let mut q = audit_log::table.into_boxed();
        if let Some(v) = &f.entity {
            q = q.filter(audit_log::entity.eq(v.clone()));
        }
        if let Some(v) = &f.entity_id {
            q = q.filter(audit_log::entity_id.eq(v.clone()));
        }
        if let Some(v) = &f.action {
            q = q.filter(audit_log::action.eq(v.clone()));
        }
        if let Some(v) = &f.actor_kind {
            q = q.filter(audit_log::actor_kind.eq(v.clone()));
        }
        if let Some(v) = f.actor_id {
            q = q.filter(audit_log::actor_id.eq(v));
        }
        if let Some(v) = f.from {
            q = q.filter(audit_log::at.ge(v));
        }
        if let Some(v) = f.to {
            q = q.filter(audit_log::at.le(v));
        }
        q
    };
    let total = query().select(count_star()).first(conn)?;
    let rows = query()
        .order(audit_log::id.desc())
        .limit(f.limit)
        .offset(f.offset)
        .select(AuditRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub rows: u64,
    /// The first row whose hash or link does not match, if any.
    pub first_broken: Option<i64>,
}

/// Recomputes every row's hash in id order, in pages.
pub fn verify(conn: &mut DbConnection) -> PersistenceResult<ChainReport> {
    let mut prev = GENESIS.to_owned();
    let mut last_id = 0_i64;
    let mut rows = 0_u64;
    loop {
        let page: Vec<AuditRow> = audit_log::table
            .filter(audit_log::id.gt(last_id))
            .order(audit_log::id)
            .limit(1000)
            .select(AuditRow::as_select())
            .load(conn)?;
        if page.is_empty() {
            return Ok(ChainReport {
                rows,
                first_broken: None,
            });
        }
        for row in page {
            rows += 1;
            if row.prev_hash != prev || row_hash(&row) != row.hash {
                return Ok(ChainReport {
                    rows,
                    first_broken: Some(row.id),
                });
            }
            prev = row.hash;
            last_id = row.id;
        }
    }
}
