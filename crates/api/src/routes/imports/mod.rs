//! Legacy Excel imports over HTTP, first step: upload a report and get a
//! preview of what it holds (its kind, read or asked for; the summary the
//! office would check; every record with its problems), written nowhere
//! but the import history. Committing a preview is not built yet.

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDateTime;
use domain::access::{Action, Target};
use interchange::legacy::Problem as ReadProblem;
use interchange::table::{self, Sheet, WorkbookError};
use interchange::{legacy_ntm, legacy_p135, legacy_tasks};
use persistence::imports::{self as store, ImportRow, NewImport};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

use super::attachments::{read_form, upload_error};
use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode, Problem};
use crate::state::AppState;

/// The kinds of legacy report the importer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Programme 135 allocation and disbursement by commune and village.
    P135AllocationReport,
    /// A provincial office's list of directives and their tasks.
    DirectiveTaskList,
    /// A district's table of communes × NTM criteria.
    NtmCriteriaMatrix,
}

impl ImportKind {
    /// In the order detection tries them.
    const ALL: [ImportKind; 3] = [
        ImportKind::DirectiveTaskList,
        ImportKind::NtmCriteriaMatrix,
        ImportKind::P135AllocationReport,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            ImportKind::P135AllocationReport => "p135_allocation_report",
            ImportKind::DirectiveTaskList => "directive_task_list",
            ImportKind::NtmCriteriaMatrix => "ntm_criteria_matrix",
        }
    }

    fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// What the records would be written through.
    const fn action(self) -> Action {
        match self {
            ImportKind::P135AllocationReport => Action::ManageFunds,
            ImportKind::DirectiveTaskList => Action::ManageDirectives,
            ImportKind::NtmCriteriaMatrix => Action::ManageNtm,
        }
    }
}

/// A problem found in the file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportIssue {
    /// The sheet row, 1-based.
    pub row: usize,
    #[schema(example = "total_mismatch")]
    pub code: String,
    pub message: String,
}

/// One record of the file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreviewRow {
    /// The sheet row, 1-based.
    pub row: usize,
    /// `ok`, `warning` or `error`.
    #[schema(example = "ok")]
    pub status: String,
    pub messages: Vec<String>,
    /// The record as read (fields depend on the kind).
    #[schema(value_type = Object)]
    pub values: Value,
}

/// What a file holds, as read.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreviewBody {
    pub kind: ImportKind,
    pub file_name: String,
    /// The sheet the table was found on.
    pub sheet: String,
    pub year: Option<i32>,
    /// The issuing committee named in the heading, e.g. `HUYỆN TÂN SƠN`.
    pub issuer: Option<String>,
    /// The figures to check against the paper: for `p135_allocation_report`
    /// `records`, `communes`, `total_planned_dong`, `total_disbursed_dong`,
    /// `total_row_reconciles`, `by_component_planned_dong`; for
    /// `directive_task_list` `directives`, `tasks`,
    /// `tasks_without_deadline`, `tasks_by_lead`; for
    /// `ntm_criteria_matrix` `communes`, `communes_meeting_all` (also as
    /// `communes_meeting_all_19` for 19 criteria), `average_criteria_met`,
    /// `per_criterion_communes_met`.
    #[schema(value_type = Object)]
    pub summary: Value,
    pub rows: Vec<PreviewRow>,
    /// Problems that do not stop a commit (a missing unit line, say).
    pub warnings: Vec<ImportIssue>,
    /// Problems that block a commit unless accepted: totals that do not
    /// add up, unreadable cells, rows without a name.
    pub errors: Vec<ImportIssue>,
}

/// An import: its preview and who uploaded it when.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportPreview {
    pub id: i64,
    /// `previewed`.
    #[schema(example = "previewed")]
    pub status: String,
    pub sha256: String,
    pub creator_name: String,
    pub created_at: NaiveDateTime,
    #[serde(flatten)]
    pub body: PreviewBody,
}

fn view(row: ImportRow) -> ApiResult<ImportPreview> {
    Ok(ImportPreview {
        id: row.id,
        status: row.status,
        sha256: row.sha256,
        creator_name: row.creator_name,
        created_at: row.created_at,
        body: serde_json::from_str(&row.preview).map_err(ApiError::internal)?,
    })
}

/// Rows with their problems, and the problems split into errors and
/// warnings.
fn assemble(
    kind: ImportKind,
    file_name: String,
    head: (String, Option<i32>, Option<String>),
    summary: Value,
    records: Vec<(usize, Value)>,
    problems: &[ReadProblem],
) -> PreviewBody {
    let issue = |p: &ReadProblem| ImportIssue {
        row: p.row,
        code: p.code.to_owned(),
        message: p.message.clone(),
    };
    let rows = records
        .into_iter()
        .map(|(row, values)| {
            let mine: Vec<&ReadProblem> = problems.iter().filter(|p| p.row == row).collect();
            let status = if mine.iter().any(|p| p.blocks_commit()) {
                "error"
            } else if mine.is_empty() {
                "ok"
            } else {
                "warning"
            };
            PreviewRow {
                row,
                status: status.to_owned(),
                messages: mine.iter().map(|p| p.message.clone()).collect(),
                values,
            }
        })
        .collect();
    let (errors, warnings): (Vec<&ReadProblem>, Vec<&ReadProblem>) =
        problems.iter().partition(|p| p.blocks_commit());
    let (sheet, year, issuer) = head;
    PreviewBody {
        kind,
        file_name,
        sheet,
        year,
        issuer,
        summary,
        rows,
        warnings: warnings.into_iter().map(issue).collect(),
        errors: errors.into_iter().map(issue).collect(),
    }
}

/// Why a reader found nothing: its stable code and message.
type NotRead = (&'static str, String);

fn ntm_preview(sheets: &[Sheet], file_name: String) -> Result<PreviewBody, NotRead> {
    let import = legacy_ntm::read_sheets(sheets).map_err(|e| (e.code(), e.to_string()))?;
    let s = legacy_ntm::summary(&import);
    let mut summary = json!({
        "communes": s.communes,
        "criteria": import.criteria.len(),
        "communes_meeting_all": s.communes_meeting_all,
        "average_criteria_met": s.average_criteria_met,
        "per_criterion_communes_met": s.per_criterion_met,
    });
    summary[format!("communes_meeting_all_{}", import.criteria.len())] =
        json!(s.communes_meeting_all);
    let records = import
        .rows
        .iter()
        .map(|r| {
            (
                r.row,
                json!({"code": r.code, "name": r.name, "met": r.met, "stated_count": r.stated_count, "note": r.note}),
            )
        })
        .collect();
    Ok(assemble(
        ImportKind::NtmCriteriaMatrix,
        file_name,
        (import.sheet.clone(), import.year, import.issuer.clone()),
        summary,
        records,
        &import.problems,
    ))
}

fn p135_preview(sheets: &[Sheet], file_name: String) -> Result<PreviewBody, NotRead> {
    let import = legacy_p135::read_sheets(sheets).map_err(|e| (e.code(), e.to_string()))?;
    let s = legacy_p135::summary(&import);
    let summary = json!({
        "records": s.records,
        "communes": s.communes,
        "amount_unit_in_file": import.amount_unit.label(),
        "total_planned_dong": s.total_planned_dong,
        "total_disbursed_dong": s.total_disbursed_dong,
        "total_row_reconciles": s.total_row_reconciles,
        "by_component_planned_dong": s.by_component_planned_dong,
    });
    let components: Vec<&str> = import.components.iter().map(|c| c.key.as_str()).collect();
    let by_component = |amounts: &[i64]| -> BTreeMap<&str, i64> {
        components
            .iter()
            .copied()
            .zip(amounts.iter().copied())
            .collect()
    };
    let records = import
        .rows
        .iter()
        .map(|r| {
            (
                r.row,
                json!({
                    "level": format!("{:?}", r.level).to_lowercase(),
                    "code": r.code, "commune_code": r.commune_code,
                    "name": r.name, "parent": r.parent,
                    "planned_dong": r.planned_dong,
                    "planned_by_component": by_component(&r.planned_by_component),
                    "disbursed_dong": r.disbursed_dong,
                    "disbursed_by_component": by_component(&r.disbursed_by_component),
                    "note": r.note,
                }),
            )
        })
        .collect();
    Ok(assemble(
        ImportKind::P135AllocationReport,
        file_name,
        (import.sheet.clone(), import.year, import.issuer.clone()),
        summary,
        records,
        &import.problems,
    ))
}

fn tasks_preview(sheets: &[Sheet], file_name: String) -> Result<PreviewBody, NotRead> {
    let import = legacy_tasks::read_sheets(sheets).map_err(|e| (e.code(), e.to_string()))?;
    let s = legacy_tasks::summary(&import);
    let summary = json!({
        "layout": import.layout.code(),
        "directives": s.directives,
        "tasks": s.tasks,
        "tasks_without_deadline": s.tasks_without_deadline,
        "tasks_by_lead": s.tasks_by_lead,
    });
    let records = import
        .tasks
        .iter()
        .map(|t| {
            let document = t.document_index.and_then(|i| import.documents.get(i));
            (
                t.row,
                json!({
                    "document_number": document.map(|d| d.number.clone()),
                    "document_date": document.and_then(|d| d.date),
                    "content": t.content,
                    "lead": t.lead, "lead_shown": t.lead_shown,
                    "coordinators": t.coordinators,
                    "deadline": t.deadline_text,
                    "status": t.status_text, "done": t.done,
                }),
            )
        })
        .collect();
    Ok(assemble(
        ImportKind::DirectiveTaskList,
        file_name,
        (import.sheet.clone(), import.year, import.issuer.clone()),
        summary,
        records,
        &import.problems,
    ))
}

fn preview_as(
    kind: ImportKind,
    sheets: &[Sheet],
    file_name: String,
) -> Result<PreviewBody, NotRead> {
    match kind {
        ImportKind::P135AllocationReport => p135_preview(sheets, file_name),
        ImportKind::DirectiveTaskList => tasks_preview(sheets, file_name),
        ImportKind::NtmCriteriaMatrix => ntm_preview(sheets, file_name),
    }
}

fn workbook_error(e: &WorkbookError) -> ApiError {
    upload_error(e.code(), &e.message_vi())
}

/// Reads the file as `kind`, or as the first kind whose table it holds.
fn read(bytes: &[u8], kind: Option<ImportKind>, file_name: String) -> ApiResult<PreviewBody> {
    let sheets = table::open_workbook(bytes).map_err(|e| workbook_error(&e))?;
    if let Some(kind) = kind {
        return preview_as(kind, &sheets, file_name)
            .map_err(|(code, message)| upload_error(code, &message));
    }
    for kind in ImportKind::ALL {
        if let Ok(preview) = preview_as(kind, &sheets, file_name.clone()) {
            return Ok(preview);
        }
    }
    Err(upload_error(
        "unknown_kind",
        "Không nhận ra loại báo cáo: không có bảng phân bổ vốn 135, danh sách nhiệm vụ hay \
         bảng tiêu chí nông thôn mới (the file holds none of the known report tables)",
    ))
}

/// The multipart form of an import.
#[derive(ToSchema)]
pub struct ImportForm {
    /// The report (.xlsx, .xls, .ods).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// `p135_allocation_report`, `directive_task_list` or
    /// `ntm_criteria_matrix`; detected from the content when absent.
    pub kind: Option<String>,
}

/// Upload a legacy report and get its preview. Nothing but the import
/// history is written. Fund managers import Programme 135 reports, the
/// Office directive lists, NTM coordinators criteria matrices.
#[utoipa::path(
    operation_id = "create_import",
    tag = "imports",
    security(("bearer" = [])),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = ImportPreview),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Larger than the upload limit", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a spreadsheet, damaged, empty, or no known table in it", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/imports")]
pub async fn create_import(
    state: web::Data<AppState>,
    actor: Actor,
    form: Multipart,
) -> ApiResult<HttpResponse> {
    let form = read_form(form, state.uploads.max_bytes).await?;
    let kind = match form.fields.get("kind").filter(|k| !k.is_empty()) {
        Some(code) => Some(ImportKind::parse(code).ok_or_else(|| {
            ApiError::field(
                "kind",
                "unknown_kind",
                "Loại báo cáo không hợp lệ (unknown kind)",
            )
        })?),
        None => None,
    };
    if let Some(kind) = kind {
        actor.authorize(kind.action(), Target::Global)?;
    }
    let bytes = form.bytes;
    let file_name = form.file_name;
    // Reading is CPU work: off the async executor.
    let (body, bytes) = web::block(move || read(&bytes, kind, file_name).map(|b| (b, bytes)))
        .await
        .map_err(ApiError::internal)??;
    actor.authorize(body.kind.action(), Target::Global)?;
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let sha256 = state.uploads.store.put(bytes.into()).await.map_err(|e| {
        tracing::error!(error = %e, "storing an import failed");
        ApiError::with_detail(
            ErrorCode::ServiceUnavailable,
            "Kho tệp tạm thời không sẵn sàng (file storage unavailable)",
        )
    })?;
    let preview = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let row = state
        .db
        .write(move |conn| -> ApiResult<ImportRow> {
            let row = store::insert(
                conn,
                &NewImport {
                    kind: body.kind.as_str().to_owned(),
                    status: "previewed".to_owned(),
                    file_name: body.file_name.clone(),
                    sha256,
                    size_bytes: size,
                    preview,
                    created_by: actor.principal.to_string(),
                    creator_name: actor.name.clone(),
                },
            )?;
            persistence::audit::append(
                conn,
                actor.audit(
                    "import.preview",
                    "import",
                    row.id,
                    None,
                    Some(json!({"kind": row.kind, "file_name": row.file_name, "sha256": row.sha256, "errors": body.errors.len()})),
                ),
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(view(row)?))
}

/// The kinds the actor may import.
fn kinds_for(actor: &Actor) -> Vec<&'static str> {
    ImportKind::ALL
        .into_iter()
        .filter(|k| actor.authorize(k.action(), Target::Global).is_ok())
        .map(ImportKind::as_str)
        .collect()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The import history of the kinds the caller may import, newest first.
#[utoipa::path(
    operation_id = "list_imports",
    tag = "imports",
    security(("bearer" = [])),
    params(ImportQuery),
    responses((status = 200, body = Vec<ImportPreview>))
)]
#[get("/imports")]
pub async fn list_imports(
    state: web::Data<AppState>,
    actor: Actor,
    q: web::Query<ImportQuery>,
) -> ApiResult<web::Json<Vec<ImportPreview>>> {
    let kinds = kinds_for(&actor);
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let offset = q.offset.unwrap_or(0).max(0);
    let rows = state
        .db
        .run(move |conn| store::list(conn, Some(&kinds), limit, offset))
        .await?;
    Ok(web::Json(
        rows.into_iter().map(view).collect::<ApiResult<_>>()?,
    ))
}

/// One import with its preview (404 for a kind the caller may not import).
#[utoipa::path(
    operation_id = "get_import",
    tag = "imports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Import id", example = 1)),
    responses((status = 200, body = ImportPreview), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/imports/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<ImportPreview>> {
    let id = id.into_inner();
    let kinds = kinds_for(&actor);
    let row = state.db.run(move |conn| store::get(conn, id)).await?;
    if !kinds.contains(&row.kind.as_str()) {
        return Err(ApiError::not_found());
    }
    Ok(web::Json(view(row)?))
}
