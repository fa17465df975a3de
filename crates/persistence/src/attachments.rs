//! Attachment rows: what was uploaded, by whom, and what it is attached to.
//! The bytes themselves live in the blob store under `sha256`.

use chrono::{NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{PersistenceError, PersistenceResult};
use crate::schema::attachments;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: i64,
    pub sha256: String,
    pub size_bytes: i64,
    pub content_type: String,
    pub file_name: String,
    pub uploaded_by: String,
    pub uploader_name: String,
    pub uploaded_at: NaiveDateTime,
    pub directive_id: Option<i64>,
    pub task_id: Option<i64>,
    pub event_id: Option<i64>,
    pub ntm_evaluation_id: Option<i64>,
    pub ntm_indicator_code: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub sha256: &'a str,
    pub size_bytes: i64,
    pub content_type: &'a str,
    pub file_name: &'a str,
    /// The uploader's principal (`user:12`, `service:3`).
    pub uploaded_by: &'a str,
    pub uploader_name: &'a str,
}

/// What an attachment is linked to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner<'a> {
    Directive(i64),
    Task(i64),
    /// A timeline entry of a task.
    Event {
        task_id: i64,
        event_id: i64,
    },
    /// Evidence (*minh chứng*) for one indicator of an NTM evaluation.
    Evidence {
        evaluation_id: i64,
        indicator_code: &'a str,
    },
}

pub fn insert(conn: &mut DbConnection, a: &NewAttachment<'_>) -> PersistenceResult<AttachmentRow> {
    let id: i64 = diesel::insert_into(attachments::table)
        .values((
            attachments::sha256.eq(a.sha256),
            attachments::size_bytes.eq(a.size_bytes),
            attachments::content_type.eq(a.content_type),
            attachments::file_name.eq(a.file_name),
            attachments::uploaded_by.eq(a.uploaded_by),
            attachments::uploader_name.eq(a.uploader_name),
            attachments::uploaded_at.eq(Utc::now().naive_utc()),
        ))
        .returning(attachments::id)
        .get_result(conn)?;
    get(conn, id)
}

pub fn get(conn: &mut DbConnection, id: i64) -> PersistenceResult<AttachmentRow> {
    attachments::table
        .find(id)
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PersistenceError::NotFound)
}

/// Links the uploader's unlinked attachments `ids` to `owner`. Fails with
/// `NotFound` naming nothing when any id is unknown, someone else's or
/// already linked, and links none of them then (the caller's transaction
/// rolls back).
pub fn link(
    conn: &mut DbConnection,
    ids: &[i64],
    uploaded_by: &str,
    owner: Owner<'_>,
) -> PersistenceResult<Vec<AttachmentRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let (directive, task, event, evaluation, indicator) = match owner {
        Owner::Directive(id) => (Some(id), None, None, None, None),
        Owner::Task(id) => (None, Some(id), None, None, None),
        Owner::Event { task_id, event_id } => (None, Some(task_id), Some(event_id), None, None),
        Owner::Evidence {
            evaluation_id,
            indicator_code,
        } => (None, None, None, Some(evaluation_id), Some(indicator_code)),
    };
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let changed = diesel::update(
        attachments::table
            .filter(attachments::id.eq_any(&unique))
            .filter(attachments::uploaded_by.eq(uploaded_by))
            .filter(attachments::directive_id.is_null())
            .filter(attachments::task_id.is_null())
            .filter(attachments::ntm_evaluation_id.is_null()),
    )
    .set((
        attachments::directive_id.eq(directive),
        attachments::task_id.eq(task),
        attachments::event_id.eq(event),
        attachments::ntm_evaluation_id.eq(evaluation),
        attachments::ntm_indicator_code.eq(indicator),
    ))
    .execute(conn)?;
    if changed != unique.len() {
        return Err(PersistenceError::NotFound);
    }
    Ok(attachments::table
        .filter(attachments::id.eq_any(&unique))
        .order(attachments::id)
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// The attachments of a directive.
pub fn of_directive(
    conn: &mut DbConnection,
    directive_id: i64,
) -> PersistenceResult<Vec<AttachmentRow>> {
    Ok(attachments::table
        .filter(attachments::directive_id.eq(directive_id))
        .order(attachments::id)
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// The attachments of a task: its own and its timeline entries'.
pub fn of_task(conn: &mut DbConnection, task_id: i64) -> PersistenceResult<Vec<AttachmentRow>> {
    Ok(attachments::table
        .filter(attachments::task_id.eq(task_id))
        .order(attachments::id)
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// The evidence of an NTM evaluation, every indicator's.
pub fn of_evaluation(
    conn: &mut DbConnection,
    evaluation_id: i64,
) -> PersistenceResult<Vec<AttachmentRow>> {
    Ok(attachments::table
        .filter(attachments::ntm_evaluation_id.eq(evaluation_id))
        .order(attachments::id)
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// Uploads never attached and older than `before`, oldest first.
pub fn stale_unlinked(
    conn: &mut DbConnection,
    before: NaiveDateTime,
    limit: i64,
) -> PersistenceResult<Vec<AttachmentRow>> {
    Ok(attachments::table
        .filter(attachments::directive_id.is_null())
        .filter(attachments::task_id.is_null())
        .filter(attachments::ntm_evaluation_id.is_null())
        .filter(attachments::uploaded_at.lt(before))
        .order(attachments::id)
        .limit(limit)
        .select(AttachmentRow::as_select())
        .load(conn)?)
}

/// Deletes an attachment row if it is still unattached; returns whether
/// it did and whether another row still uses the same content.
pub fn delete_unlinked(
    conn: &mut DbConnection,
    row: &AttachmentRow,
) -> PersistenceResult<(bool, bool)> {
    let deleted = diesel::delete(
        attachments::table
            .filter(attachments::id.eq(row.id))
            .filter(attachments::directive_id.is_null())
            .filter(attachments::task_id.is_null())
            .filter(attachments::ntm_evaluation_id.is_null()),
    )
    .execute(conn)?;
    let shared: i64 = attachments::table
        .filter(attachments::sha256.eq(&row.sha256))
        .count()
        .get_result(conn)?;
    Ok((deleted == 1, shared > 0))
}
