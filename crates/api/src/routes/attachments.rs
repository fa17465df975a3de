//! Files (tệp đính kèm): uploaded first, then attached by id when a
//! directive, task or timeline entry is saved, and downloaded by whoever
//! may read what they are attached to.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDateTime;
use futures_util::StreamExt;
use persistence::attachments::{self as store, AttachmentRow, NewAttachment, Owner};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode, Problem};
use crate::state::AppState;

/// The most files one directive, task or timeline entry may carry.
pub const MAX_PER_OWNER: usize = 20;

/// A stored file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    #[schema(example = "Bao-cao-tien-do.pdf")]
    pub file_name: String,
    #[schema(example = "application/pdf")]
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content, lowercase hex.
    pub sha256: String,
    pub uploader_name: String,
    #[serde(with = "crate::utc")]
    pub uploaded_at: NaiveDateTime,
    /// Where to download it (with the same bearer token).
    #[schema(example = "/api/v1/attachments/7/content")]
    pub download_url: String,
}

impl From<AttachmentRow> for Attachment {
    fn from(r: AttachmentRow) -> Self {
        Self {
            download_url: format!("/api/v1/attachments/{}/content", r.id),
            id: r.id,
            file_name: r.file_name,
            content_type: r.content_type,
            size_bytes: r.size_bytes,
            sha256: r.sha256,
            uploader_name: r.uploader_name,
            uploaded_at: r.uploaded_at,
        }
    }
}

/// Links the caller's freshly uploaded files to what was just saved; an id
/// that is unknown, someone else's or already attached is a 422 on `field`.
pub fn attach(
    conn: &mut DbConnection,
    actor: &Actor,
    ids: &[i64],
    owner: Owner<'_>,
    field: &str,
) -> ApiResult<Vec<Attachment>> {
    if ids.len() > MAX_PER_OWNER {
        return Err(ApiError::field(
            field,
            "too_many",
            format!("Tối đa {MAX_PER_OWNER} tệp đính kèm (at most {MAX_PER_OWNER} files)"),
        ));
    }
    let rows =
        store::link(conn, ids, &actor.principal.to_string(), owner).map_err(|e| match e {
            persistence::PersistenceError::NotFound => ApiError::field(
                field,
                "unknown_attachment",
                "Tệp đính kèm không tồn tại, không phải của bạn hoặc đã được đính kèm nơi khác \
             (unknown attachment, not yours, or already attached)",
            ),
            other => other.into(),
        })?;
    Ok(rows.into_iter().map(Attachment::from).collect())
}

/// The multipart form of an upload. (It documents the form; the serde
/// attribute tells the schema that no other field is taken.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UploadForm {
    /// The file; its type is checked from its content and must match its
    /// name's extension.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

pub fn upload_error(code: &str, message: &str) -> ApiError {
    ApiError::field("file", code, message)
}

/// A multipart form with one file.
pub struct UploadedForm {
    /// The file name the client gave.
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// The other (short, text) parts by name.
    pub fields: HashMap<String, String>,
}

/// The longest text part accepted beside the file.
const MAX_FIELD_BYTES: usize = 4096;

/// Reads a form: its `file` part, refused as soon as it passes the size
/// limit, and its short text parts.
pub async fn read_form(
    mut form: Multipart,
    max_bytes: usize,
    known: &[&str],
) -> ApiResult<UploadedForm> {
    let mut file = None;
    let mut fields = HashMap::new();
    while let Some(field) = form.next().await {
        let mut field = field.map_err(|e| upload_error("malformed", &e.to_string()))?;
        let part = field.name().unwrap_or_default().to_owned();
        let is_file = part == "file";
        if !is_file && !known.contains(&part.as_str()) {
            return Err(ApiError::field(
                &part,
                "unknown_field",
                "Biểu mẫu không có trường này (the form takes no such field)",
            ));
        }
        let limit = if is_file { max_bytes } else { MAX_FIELD_BYTES };
        let name = field
            .content_disposition()
            .and_then(|cd| cd.get_filename().map(str::to_owned))
            .unwrap_or_default();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| upload_error("malformed", &e.to_string()))?;
            if bytes.len() + chunk.len() > limit {
                if !is_file {
                    return Err(ApiError::field(
                        &part,
                        "too_long",
                        format!("Tối đa {MAX_FIELD_BYTES} byte (at most {MAX_FIELD_BYTES} bytes)"),
                    ));
                }
                let rejection = storage::Rejection::TooLarge { max_bytes };
                return Err(ApiError::with_detail(
                    ErrorCode::PayloadTooLarge,
                    rejection.message_vi(),
                ));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            file = Some((name, bytes));
        } else {
            fields.insert(part, String::from_utf8_lossy(&bytes).trim().to_owned());
        }
    }
    let (file_name, bytes) = file
        .ok_or_else(|| upload_error("required", "Chưa chọn tệp (the form has no `file` part)"))?;
    Ok(UploadedForm {
        file_name,
        bytes,
        fields,
    })
}

/// Stores an uploaded file's content and returns its SHA-256 (503 when
/// the blob store is unreachable).
pub async fn put_blob(store: &storage::BlobStore, bytes: Vec<u8>) -> ApiResult<String> {
    store.put(bytes.into()).await.map_err(|e| {
        tracing::error!(error = %e, "storing an upload failed");
        ApiError::with_detail(
            ErrorCode::ServiceUnavailable,
            "Kho tệp tạm thời không sẵn sàng (file storage unavailable)",
        )
    })
}

/// Upload a file (multipart/form-data, part `file`). Office documents, PDF,
/// images and archives up to the configured size; the type is read from
/// the content. The answer's `id` is then given in `attachment_ids` when
/// saving a directive, a task or a timeline entry; a file not attached by
/// then stays visible to its uploader only.
#[utoipa::path(
    operation_id = "upload_attachment",
    tag = "attachments",
    security(("bearer" = [])),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = Attachment),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Empty, a type not allowed, or a name that does not match the content", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/attachments")]
pub async fn upload_attachment(
    state: web::Data<AppState>,
    actor: Actor,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let max_bytes = state.uploads.max_bytes;
    let UploadedForm {
        file_name: name,
        bytes,
        ..
    } = read_form(form, max_bytes, &[]).await?;
    let inspected = storage::inspect(&name, &bytes, max_bytes)
        .map_err(|r| upload_error(r.code(), &r.message_vi()))?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let sha256 = put_blob(&state.uploads.store, bytes).await?;
    let row = state
        .db
        .write(move |conn| -> ApiResult<AttachmentRow> {
            let row = store::insert(
                conn,
                &NewAttachment {
                    sha256: &sha256,
                    size_bytes: size,
                    content_type: inspected.content_type,
                    file_name: &inspected.file_name,
                    uploaded_by: &actor.principal.to_string(),
                    uploader_name: &actor.name,
                },
            )?;
            persistence::audit::append(
                conn,
                actor.audit(
                    "attachment.upload",
                    "attachment",
                    row.id,
                    None,
                    Some(serde_json::json!({"file_name": row.file_name, "sha256": row.sha256, "size_bytes": row.size_bytes})),
                ),
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(Attachment::from(row)))
}

/// May the actor read this file? Attached: when they may read its
/// directive, task or NTM evaluation (404 otherwise). Not yet attached: its uploader only.
fn readable(conn: &mut DbConnection, actor: &Actor, row: &AttachmentRow) -> ApiResult<()> {
    if let Some(task_id) = row.task_id {
        return super::tasks::visible_task(conn, actor, task_id).map(|_| ());
    }
    if let Some(directive_id) = row.directive_id {
        return super::tasks::visible_directive(conn, actor, directive_id).map(|_| ());
    }
    if let Some(evaluation_id) = row.ntm_evaluation_id {
        return super::ntm_evaluations::visible(conn, actor, evaluation_id).map(|_| ());
    }
    if row.uploaded_by == actor.principal.to_string() {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// A file's description.
#[utoipa::path(
    operation_id = "get_attachment",
    tag = "attachments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Attachment id", example = 7)),
    responses((status = 200, body = Attachment), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/attachments/{id}")]
pub async fn get_attachment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Attachment>> {
    let id = id.into_inner();
    let row = state
        .db
        .run(move |conn| -> ApiResult<AttachmentRow> {
            let row = store::get(conn, id)?;
            readable(conn, &actor, &row)?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// Download a file, under its original name.
#[utoipa::path(
    operation_id = "download_attachment",
    tag = "attachments",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Attachment id", example = 7)),
    responses(
        (status = 200, description = "The file's bytes, with its content type", content_type = "*/*", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/attachments/{id}/content")]
pub async fn download_attachment(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let row = state
        .db
        .run(move |conn| -> ApiResult<AttachmentRow> {
            let row = store::get(conn, id)?;
            readable(conn, &actor, &row)?;
            Ok(row)
        })
        .await?;
    let bytes = state.uploads.store.get(&row.sha256).await.map_err(|e| {
        tracing::error!(error = %e, attachment = row.id, "reading an attachment failed");
        ApiError::with_detail(
            ErrorCode::ServiceUnavailable,
            "Không đọc được tệp từ kho (the file could not be read from storage)",
        )
    })?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii_name(&row.file_name)),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: row.file_name.clone().into_bytes(),
            }),
        ],
    };
    Ok(HttpResponse::Ok()
        .content_type(row.content_type)
        .insert_header(disposition)
        .insert_header((actix_web::http::header::ETAG, format!("\"{}\"", row.sha256)))
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            "private, max-age=3600",
        ))
        .body(bytes))
}

/// The name without diacritics, for clients that ignore `filename*`.
fn ascii_name(name: &str) -> String {
    domain::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| *c != '"' && *c != '\\')
        .collect()
}

/// Attachments grouped for a task's detail: the task's own (no timeline
/// entry) and, per entry, its files.
pub fn split_by_event(rows: Vec<AttachmentRow>) -> (Vec<Attachment>, Vec<(i64, Attachment)>) {
    let mut own = Vec::new();
    let mut per_event = Vec::new();
    for row in rows {
        match row.event_id {
            Some(event) => per_event.push((event, row.into())),
            None => own.push(row.into()),
        }
    }
    (own, per_event)
}
