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
use interchange::template::{write_template, TemplateKind, TemplateSpec};
use interchange::{legacy_ntm, legacy_p135, legacy_tasks};
use persistence::imports::{self as store, ImportRow, NewImport};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

mod directives;
mod ntm;
mod p135;
pub mod resolve;

use persistence::DbConnection;

use super::attachments::{put_blob, read_form, upload_error};
use super::ntm_sets::conflict;
use super::task_stats::{xlsx_response, XlsxFile};
use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode, FieldError, Problem};
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

    pub fn parse(code: &str) -> Option<Self> {
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

/// A problem found in the file or in matching it to the database.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Issue {
    /// The sheet row, 1-based (1 for the file as a whole).
    pub row: usize,
    #[schema(example = "total_mismatch")]
    pub code: String,
    pub message: String,
    /// A blocking figure mismatch (`*_mismatch`) that a commit may accept
    /// explicitly (`accept_mismatches`); other errors must be fixed.
    #[serde(default)]
    pub acceptable: bool,
    #[serde(skip)]
    pub blocking: bool,
}

impl Issue {
    pub fn blocking(row: usize, code: &str, message: String) -> Self {
        Issue {
            row,
            code: code.to_owned(),
            message,
            acceptable: false,
            blocking: true,
        }
    }

    pub fn warning(row: usize, code: &str, message: String) -> Self {
        Issue {
            blocking: false,
            ..Issue::blocking(row, code, message)
        }
    }

    /// A reader's problem: blocking as the reader says, acceptable when it
    /// is a figure that does not add up.
    pub fn from_read(p: &ReadProblem) -> Self {
        Issue {
            row: p.row,
            code: p.code.to_owned(),
            message: p.message.clone(),
            acceptable: p.code.contains("mismatch"),
            blocking: p.blocks_commit(),
        }
    }
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
    /// The record as read and as it will be written (fields depend on the
    /// kind; the units found carry `id` and `name`).
    #[schema(value_type = Object)]
    pub values: Value,
}

impl PreviewRow {
    /// The record on sheet row `row` with the issues raised on it.
    pub fn of(row: usize, record: &impl Serialize, issues: &[Issue]) -> ApiResult<Self> {
        let mine: Vec<&Issue> = issues.iter().filter(|i| i.row == row).collect();
        let status = if mine.iter().any(|i| i.blocking) {
            "error"
        } else if mine.is_empty() {
            "ok"
        } else {
            "warning"
        };
        Ok(PreviewRow {
            row,
            status: status.to_owned(),
            messages: mine.iter().map(|i| i.message.clone()).collect(),
            values: serde_json::to_value(record).map_err(ApiError::internal)?,
        })
    }
}

/// What was given with the file.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ImportContext {
    /// The unit the report is about; read from its heading when absent.
    pub org_unit_id: Option<i64>,
    /// Programme 135 reports: the programme (default `P135`).
    pub programme_id: Option<i64>,
    /// Programme 135 reports: the fund source (default central budget,
    /// development investment).
    pub source_id: Option<i64>,
    /// NTM matrices: the evaluation round to record the results into.
    pub round_id: Option<i64>,
}

/// What a file holds, as read and matched.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PreviewBody {
    pub kind: ImportKind,
    pub file_name: String,
    /// The sheet the table was found on.
    pub sheet: String,
    pub year: Option<i32>,
    /// The issuing committee named in the heading, e.g. `HUYỆN TÂN SƠN`.
    pub issuer: Option<String>,
    /// The unit the report is about, as found (or given).
    pub unit: Option<resolve::UnitRef>,
    #[serde(default)]
    pub context: ImportContext,
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
    /// Where a commit writes: district, programme, source and component ids
    /// (P135); committee and Office (task lists); round (NTM). Absent while
    /// errors prevent it.
    #[schema(value_type = Object)]
    pub plan: Option<Value>,
    /// An earlier committed import of the same file, if any: committing
    /// this one changes nothing.
    pub duplicate_of: Option<i64>,
    pub rows: Vec<PreviewRow>,
    /// Problems that do not stop a commit (a missing unit line, a village
    /// to be created).
    pub warnings: Vec<Issue>,
    /// Problems that block a commit: totals that do not add up (unless
    /// accepted), unreadable cells, rows without a name, units or agencies
    /// not found.
    pub errors: Vec<Issue>,
}

/// A kind's preview before assembly: what was read and what was found.
pub struct Draft<'a, R, P> {
    pub kind: ImportKind,
    pub file_name: String,
    /// The sheet, the year and the issuer from the heading.
    pub head: (String, Option<i32>, Option<String>),
    pub summary: Value,
    /// Each record with its sheet row.
    pub records: Vec<(usize, &'a R)>,
    pub issues: Vec<Issue>,
    pub unit: Option<resolve::UnitRef>,
    pub plan: Option<P>,
}

impl<R: Serialize, P: Serialize> Draft<'_, R, P> {
    /// The preview: records with the issues on their rows, errors and
    /// warnings apart, the plan only when no error must be fixed first.
    pub fn assemble(self) -> ApiResult<PreviewBody> {
        let rows = self
            .records
            .iter()
            .map(|(row, record)| PreviewRow::of(*row, record, &self.issues))
            .collect::<ApiResult<Vec<_>>>()?;
        let mut issues = self.issues;
        issues.sort_by_key(|i| i.row);
        let (errors, warnings): (Vec<Issue>, Vec<Issue>) =
            issues.into_iter().partition(|i| i.blocking);
        let plan = match self.plan {
            Some(p) if errors.iter().all(|e| e.acceptable) => {
                Some(serde_json::to_value(p).map_err(ApiError::internal)?)
            }
            _ => None,
        };
        let (sheet, year, issuer) = self.head;
        Ok(PreviewBody {
            kind: self.kind,
            file_name: self.file_name,
            sheet,
            year,
            issuer,
            unit: self.unit,
            context: ImportContext::default(),
            summary: self.summary,
            plan,
            duplicate_of: None,
            rows,
            warnings,
            errors,
        })
    }
}

impl PreviewBody {
    /// The plan as the kind's type.
    pub fn plan_as<T: serde::de::DeserializeOwned>(&self) -> ApiResult<T> {
        let plan = self
            .plan
            .clone()
            .ok_or_else(|| ApiError::internal("committing a preview without a plan"))?;
        serde_json::from_value(plan).map_err(ApiError::internal)
    }
}

/// What a commit wrote, per kind of record.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct Outcome {
    /// Records written, e.g. `{"allocations": 40, "disbursements": 38}`.
    pub created: BTreeMap<String, u64>,
    /// Records an earlier import had already written the same way.
    pub unchanged: BTreeMap<String, u64>,
    /// Kind-specific facts a rollback needs.
    #[schema(value_type = Object)]
    pub notes: BTreeMap<String, Value>,
}

impl Outcome {
    pub fn created(&mut self, what: &str, n: u64) {
        *self.created.entry(what.to_owned()).or_default() += n;
    }

    pub fn unchanged(&mut self, what: &str, n: u64) {
        *self.unchanged.entry(what.to_owned()).or_default() += n;
    }

    pub fn note(&mut self, what: &str, value: Value) {
        self.notes.insert(what.to_owned(), value);
    }
}

/// An import: its preview, who uploaded it when, and what became of it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImportPreview {
    pub id: i64,
    /// `previewed`, `committing` (while a commit runs), `committed` or
    /// `rolled_back`.
    #[schema(example = "previewed")]
    pub status: String,
    /// How far the running commit has come, 0–100 (100 once read or
    /// committed).
    pub progress: i32,
    pub sha256: String,
    pub creator_name: String,
    #[serde(with = "crate::utc")]
    pub created_at: NaiveDateTime,
    #[serde(default, with = "crate::utc::option")]
    pub committed_at: Option<NaiveDateTime>,
    #[serde(default, with = "crate::utc::option")]
    pub rolled_back_at: Option<NaiveDateTime>,
    /// What the commit wrote.
    pub result: Option<Outcome>,
    #[serde(flatten)]
    pub body: PreviewBody,
}

pub fn view(row: ImportRow) -> ApiResult<ImportPreview> {
    Ok(ImportPreview {
        id: row.id,
        status: row.status,
        progress: 100,
        sha256: row.sha256,
        creator_name: row.creator_name,
        created_at: row.created_at,
        committed_at: row.committed_at,
        rolled_back_at: row.rolled_back_at,
        result: row
            .result
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(ApiError::internal)?,
        body: serde_json::from_str(&row.preview).map_err(ApiError::internal)?,
    })
}

/// A file as read, before matching.
enum Read {
    P135(legacy_p135::P135Import),
    Tasks(legacy_tasks::TaskListImport),
    Ntm(legacy_ntm::NtmImport),
}

impl Read {
    fn kind(&self) -> ImportKind {
        match self {
            Read::P135(_) => ImportKind::P135AllocationReport,
            Read::Tasks(_) => ImportKind::DirectiveTaskList,
            Read::Ntm(_) => ImportKind::NtmCriteriaMatrix,
        }
    }
}

/// Why a reader found nothing: its stable code and message.
type NotRead = (&'static str, String);

fn read_as(kind: ImportKind, sheets: &[Sheet]) -> Result<Read, NotRead> {
    match kind {
        ImportKind::P135AllocationReport => legacy_p135::read_sheets(sheets)
            .map(Read::P135)
            .map_err(|e| (e.code(), e.to_string())),
        ImportKind::DirectiveTaskList => legacy_tasks::read_sheets(sheets)
            .map(Read::Tasks)
            .map_err(|e| (e.code(), e.to_string())),
        ImportKind::NtmCriteriaMatrix => legacy_ntm::read_sheets(sheets)
            .map(Read::Ntm)
            .map_err(|e| (e.code(), e.to_string())),
    }
}

fn workbook_error(e: &WorkbookError) -> ApiError {
    upload_error(e.code(), &e.message_vi())
}

/// Reads the file as `kind`, or as the first kind whose table it holds.
fn read(bytes: &[u8], kind: Option<ImportKind>) -> ApiResult<Read> {
    let sheets = table::open_workbook(bytes).map_err(|e| workbook_error(&e))?;
    if let Some(kind) = kind {
        return read_as(kind, &sheets).map_err(|(code, message)| upload_error(code, &message));
    }
    for kind in ImportKind::ALL {
        if let Ok(read) = read_as(kind, &sheets) {
            return Ok(read);
        }
    }
    Err(upload_error(
        "unknown_kind",
        "Không nhận ra loại báo cáo: không có bảng phân bổ vốn 135, danh sách nhiệm vụ hay \
         bảng tiêu chí nông thôn mới (the file holds none of the known report tables)",
    ))
}

/// Matches what was read against the database.
fn match_read(
    conn: &mut DbConnection,
    read: &Read,
    ctx: &ImportContext,
    file_name: String,
) -> ApiResult<PreviewBody> {
    let today = crate::routes::tasks::today();
    let mut body = match read {
        Read::P135(import) => p135::preview(conn, import, ctx, file_name, today)?,
        Read::Tasks(import) => directives::preview(conn, import, ctx, file_name, today)?,
        Read::Ntm(import) => ntm::preview(conn, import, ctx, file_name, today)?,
    };
    body.context = ctx.clone();
    Ok(body)
}

/// The multipart form of an import. (It documents the form; the serde
/// attribute tells the schema that no other field is taken, and a field left
/// out is absent, never null.)
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportForm {
    /// The report (.xlsx, .xls, .ods).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// The kind of report; detected from the content when absent.
    #[schema(nullable = false)]
    pub kind: Option<ImportKind>,
    /// The unit the report is about; read from its heading when absent.
    #[schema(nullable = false)]
    pub org_unit_id: Option<i64>,
    /// Programme 135 reports: the programme (default `P135`).
    #[schema(nullable = false)]
    pub programme_id: Option<i64>,
    /// Programme 135 reports: the fund source.
    #[schema(nullable = false)]
    pub source_id: Option<i64>,
    /// NTM matrices: the round to record into (required to commit).
    #[schema(nullable = false)]
    pub round_id: Option<i64>,
}

/// A whole-number form field, if given.
fn id_field(
    fields: &std::collections::HashMap<String, String>,
    name: &str,
) -> ApiResult<Option<i64>> {
    match fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| {
            ApiError::field(
                name,
                "not_a_number",
                "Phải là số nguyên (must be a whole number)",
            )
        }),
    }
}

/// Upload a legacy report and get its preview: what it holds, the units,
/// agencies and villages it names as found in the structure of its year,
/// and every problem. Nothing but the import history is written. Fund
/// managers import Programme 135 reports, the Office directive lists, NTM
/// coordinators criteria matrices.
#[utoipa::path(
    operation_id = "create_import",
    tag = "imports",
    security(("bearer" = [])),
    request_body(content = ImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = ImportPreview, links(
            ("read_it" = (operation_id = "get_import", parameters(("id" = "$response.body#/id")))),
            ("commit_it" = (operation_id = "commit_import", parameters(("id" = "$response.body#/id")))),
            ("roll_it_back" = (operation_id = "rollback_import", parameters(("id" = "$response.body#/id"))))
        )),
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
    let form = read_form(
        form,
        state.uploads.max_bytes,
        &[
            "kind",
            "org_unit_id",
            "programme_id",
            "source_id",
            "round_id",
        ],
    )
    .await?;
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
    let ctx = ImportContext {
        org_unit_id: id_field(&form.fields, "org_unit_id")?,
        programme_id: id_field(&form.fields, "programme_id")?,
        source_id: id_field(&form.fields, "source_id")?,
        round_id: id_field(&form.fields, "round_id")?,
    };
    let preview = preview_upload(
        &state.db,
        &state.uploads.store,
        actor,
        form.bytes,
        form.file_name,
        kind,
        ctx,
    )
    .await?;
    Ok(HttpResponse::Created().json(preview))
}

/// Reads a legacy report, matches it to the database, stores the file and
/// records the preview in the import history: the upload's whole path,
/// shared by `POST /imports` and `server import`.
#[allow(clippy::too_many_arguments)]
pub async fn preview_upload(
    db: &persistence::Db,
    blobs: &storage::BlobStore,
    actor: Actor,
    bytes: Vec<u8>,
    file_name: String,
    kind: Option<ImportKind>,
    ctx: ImportContext,
) -> ApiResult<ImportPreview> {
    // Reading is CPU work: off the async executor.
    let (read, bytes) = web::block(move || read(&bytes, kind).map(|r| (r, bytes)))
        .await
        .map_err(ApiError::internal)??;
    actor.authorize(read.kind().action(), Target::Global)?;
    let sha = storage::sha256_hex(&bytes);
    let mut body = db
        .run(move |conn| -> ApiResult<PreviewBody> {
            let mut body = match_read(conn, &read, &ctx, file_name)?;
            body.duplicate_of =
                store::committed_with(conn, body.kind.as_str(), &sha)?.map(|r| r.id);
            Ok(body)
        })
        .await?;
    if let Some(earlier) = body.duplicate_of {
        body.warnings.insert(
            0,
            Issue::warning(
                1,
                "already_committed",
                format!("Tệp này đã được nhập (lần nhập #{earlier}); ghi lần nữa không thay đổi gì / this file was committed before (import #{earlier}); committing it again changes nothing"),
            ),
        );
    }
    let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
    let sha256 = put_blob(blobs, bytes).await?;
    let preview = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let row = db
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
                    org_unit_id: body.unit.as_ref().map(|u| u.id),
                    context: serde_json::to_string(&body.context).map_err(ApiError::internal)?,
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
    view(row)
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

/// The import history of the kinds the caller may import, about units in
/// the caller's scope for each kind, newest first.
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
    // Per kind the caller may import, where it may (see `own_import`).
    let scopes: Vec<(&str, Option<Vec<i64>>)> = ImportKind::ALL
        .into_iter()
        .filter_map(|k| Some((k.as_str(), actor.scope_roots(k.action()).ok()?)))
        .collect();
    let (limit, offset) = crate::paging::Paging::new(q.limit, q.offset).resolve()?;
    let rows = state
        .db
        .run(move |conn| -> ApiResult<Vec<ImportRow>> {
            let mut kinds = Vec::with_capacity(scopes.len());
            for (kind, roots) in scopes {
                kinds.push((kind, persistence::units::with_predecessors(conn, roots)?));
            }
            Ok(store::list(conn, &kinds, limit, offset)?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(view).collect::<ApiResult<_>>()?,
    ))
}

/// One import with its preview (404 for a kind the caller may not import,
/// or for an import about a unit outside the caller's scope for that kind).
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
    let row = state
        .db
        .run(move |conn| own_import(conn, &actor, id))
        .await?;
    let mut import = view(row)?;
    if let Some(percent) = state.import_progress.percent(id) {
        import.status = "committing".to_owned();
        import.progress = percent;
    }
    Ok(web::Json(import))
}

/// How far the commits running in this process have come, by import id.
/// A commit is one transaction, so its progress cannot be read from the
/// database until it ends; `GET /imports/{id}` reads it from here.
#[derive(Debug, Default)]
pub struct CommitProgress {
    running: std::sync::Mutex<std::collections::HashMap<i64, i32>>,
}

impl CommitProgress {
    fn with<T>(&self, f: impl FnOnce(&mut std::collections::HashMap<i64, i32>) -> T) -> T {
        let mut running = match self.running.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut running)
    }

    /// Records `done` of `total` records written for import `id`.
    pub fn report(&self, id: i64, done: usize, total: usize) {
        let percent = (done.min(total) * 100)
            .checked_div(total)
            .map_or(100, |p| i32::try_from(p).unwrap_or(100));
        self.with(|r| r.insert(id, percent));
    }

    /// The percent of a running commit, if one runs.
    pub fn percent(&self, id: i64) -> Option<i32> {
        self.with(|r| r.get(&id).copied())
    }

    fn finish(&self, id: i64) {
        self.with(|r| r.remove(&id));
    }
}

/// Clears a commit's progress however it ends.
struct Running<'a>(&'a CommitProgress, i64);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.finish(self.1);
    }
}

/// What a commit may accept.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CommitBody {
    /// Commit even though the file's own totals or subtotals do not add
    /// up (`*_mismatch` errors); the records are written as read.
    #[serde(default)]
    pub accept_mismatches: bool,
}

/// The import, checked to be one the actor may import: of a kind it
/// manages and, when the preview found the report's unit, about a unit in
/// its scope for that kind (or one that went into such a unit). 404
/// otherwise, like a missing id.
fn own_import(conn: &mut DbConnection, actor: &Actor, id: i64) -> ApiResult<ImportRow> {
    let row = store::get(conn, id)?;
    let kind = ImportKind::parse(&row.kind)
        .filter(|k| actor.authorize(k.action(), Target::Global).is_ok())
        .ok_or_else(ApiError::not_found)?;
    if let Some(unit) = row.org_unit_id {
        actor.authorize_unit_with_heirs(conn, kind.action(), unit)?;
    }
    Ok(row)
}

/// Commits a preview in the caller's transaction.
pub fn commit_import(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    body: &CommitBody,
    progress: &dyn Fn(usize, usize),
) -> ApiResult<ImportRow> {
    let row = own_import(conn, actor, id)?;
    match row.status.as_str() {
        "committed" => return Ok(row),
        "rolled_back" => {
            return Err(conflict(
                "id",
                "rolled_back",
                "Lần nhập này đã bị hủy; hãy tải tệp lên lại / this import was rolled back; upload the file again",
            ))
        }
        _ => {}
    }
    let preview: PreviewBody = serde_json::from_str(&row.preview).map_err(ApiError::internal)?;
    let fixed: Vec<&Issue> = preview.errors.iter().filter(|e| !e.acceptable).collect();
    if !fixed.is_empty() {
        return Err(ApiError::fields(
            fixed
                .iter()
                .map(|e| FieldError {
                    field: format!("rows[{}]", e.row),
                    code: e.code.clone(),
                    message: e.message.clone(),
                })
                .collect(),
        ));
    }
    if !body.accept_mismatches && !preview.errors.is_empty() {
        let mut error = ApiError::fields(
            preview
                .errors
                .iter()
                .map(|e| FieldError {
                    field: format!("rows[{}]", e.row),
                    code: e.code.clone(),
                    message: e.message.clone(),
                })
                .collect(),
        );
        error.detail = Some(
            "Số liệu tổng cộng trong tệp không khớp với chi tiết; kiểm tra lại hoặc chấp nhận (accept_mismatches) / the file's totals do not add up; fix the file or accept"
                .to_owned(),
        );
        return Err(error);
    }
    let outcome = match preview.kind {
        ImportKind::P135AllocationReport => p135::commit(conn, actor, id, &preview, progress)?,
        ImportKind::DirectiveTaskList => directives::commit(conn, actor, id, &preview, progress)?,
        ImportKind::NtmCriteriaMatrix => ntm::commit(conn, actor, id, &preview, progress)?,
    };
    let result = serde_json::to_string(&outcome).map_err(ApiError::internal)?;
    store::mark_committed(conn, id, &actor.principal.to_string(), &result)?;
    persistence::audit::append(
        conn,
        actor.audit(
            "import.commit",
            "import",
            id,
            None,
            Some(json!({"kind": row.kind, "sha256": row.sha256, "created": outcome.created, "unchanged": outcome.unchanged, "accepted_mismatches": body.accept_mismatches && !preview.errors.is_empty()})),
        ),
    )?;
    Ok(store::get(conn, id)?)
}

/// Commit a previewed import: exactly the previewed records are written,
/// in one transaction, through each workflow's own checks (the fund
/// ledger's conservation rule, the directive and task rules, the round's
/// set). Records an earlier import already wrote the same way are left
/// alone, so committing the same file twice changes nothing; committing a
/// committed import answers it as it is. Errors block the commit; figure
/// mismatches only unless `accept_mismatches`.
#[utoipa::path(
    operation_id = "commit_import",
    tag = "imports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Import id", example = 1)),
    request_body(content = CommitBody, example = json!({"accept_mismatches": false})),
    responses(
        (status = 200, body = ImportPreview),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rolled back, or the same records were imported with other figures", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The preview has errors, or a workflow rule refused a row", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/imports/{id}/commit")]
pub async fn commit(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: Option<web::Json<CommitBody>>,
) -> ApiResult<web::Json<ImportPreview>> {
    let id = id.into_inner();
    let body = body.map(web::Json::into_inner).unwrap_or_default();
    let progress = state.import_progress.clone();
    let row = state
        .db
        .write(move |conn| {
            let _running = Running(&progress, id);
            progress.report(id, 0, 1);
            commit_import(conn, &actor, id, &body, &|done, total| {
                progress.report(id, done, total);
            })
        })
        .await?;
    Ok(web::Json(view(row)?))
}

/// Rolls a committed import back in the caller's transaction.
fn rollback_import(conn: &mut DbConnection, actor: &Actor, id: i64) -> ApiResult<ImportRow> {
    let row = own_import(conn, actor, id)?;
    if row.status != "committed" {
        return Err(conflict(
            "id",
            "not_committed",
            "Chỉ hủy được lần nhập đã ghi / only a committed import can be rolled back",
        ));
    }
    let result: Value = row
        .result
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(ApiError::internal)?
        .unwrap_or_default();
    let kind = ImportKind::parse(&row.kind).ok_or_else(|| ApiError::internal("unknown kind"))?;
    let blockers = match kind {
        ImportKind::P135AllocationReport => p135::rollback(conn, id)?,
        ImportKind::DirectiveTaskList => directives::rollback(conn, id)?,
        ImportKind::NtmCriteriaMatrix => ntm::rollback(conn, id, &result)?,
    };
    if !blockers.is_empty() {
        return Err(conflict(
            "id",
            "has_dependents",
            &format!(
                "Không hủy được: đã có số liệu phát sinh sau dựa trên lần nhập này: {} / cannot roll back: later records rest on it",
                blockers.join("; ")
            ),
        ));
    }
    store::remove_units(conn, id).map_err(|e| match e {
        persistence::PersistenceError::ForeignKeyViolation { .. } => conflict(
            "id",
            "has_dependents",
            "Không hủy được: thôn do lần nhập tạo đã được dùng ở nơi khác / cannot roll back: a village it created is in use",
        ),
        other => other.into(),
    })?;
    store::mark_rolled_back(conn, id)?;
    persistence::audit::append(
        conn,
        actor.audit(
            "import.rollback",
            "import",
            id,
            None,
            Some(json!({"kind": row.kind, "sha256": row.sha256})),
        ),
    )?;
    Ok(store::get(conn, id)?)
}

/// Roll a committed import back: everything it wrote is removed (villages
/// it created included; evaluations it filled return to empty drafts), in
/// one transaction, while nothing later rests on it — otherwise 409
/// `has_dependents` naming what does.
#[utoipa::path(
    operation_id = "rollback_import",
    tag = "imports",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Import id", example = 1)),
    responses(
        (status = 200, body = ImportPreview),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not committed, or later records rest on it", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/imports/{id}/rollback")]
pub async fn rollback(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<ImportPreview>> {
    let id = id.into_inner();
    let row = state
        .db
        .write(move |conn| rollback_import(conn, &actor, id))
        .await?;
    Ok(web::Json(view(row)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TemplateQuery {
    /// The unit the office reports on: its communes (and their villages)
    /// or, for task lists, its agencies fill the drop-downs.
    pub org_unit_id: Option<i64>,
    /// The year printed in the title.
    #[param(example = 2026)]
    pub year: Option<i32>,
}

/// What a template's drop-downs offer for the unit: communes and their
/// villages (P135), communes (NTM), agencies and units below (task lists);
/// with the programme's components for P135.
fn template_lists(
    conn: &mut DbConnection,
    kind: TemplateKind,
    unit: Option<&persistence::units::UnitRow>,
) -> ApiResult<(Vec<String>, Vec<String>)> {
    let today = crate::routes::tasks::today();
    let mut names = Vec::new();
    if let Some(unit) = unit {
        for child in resolve::children_on(conn, unit.id, today)? {
            let wanted = match kind {
                TemplateKind::DirectiveTaskList => true,
                TemplateKind::P135AllocationReport | TemplateKind::NtmCriteriaMatrix => {
                    child.kind == "commune"
                }
            };
            if !wanted {
                continue;
            }
            if kind == TemplateKind::P135AllocationReport {
                names.push(child.name.clone());
                names.extend(
                    resolve::children_on(conn, child.id, today)?
                        .into_iter()
                        .map(|v| v.name),
                );
            } else {
                names.push(if child.kind == "agency" {
                    child.name
                } else {
                    format!("UBND {}", child.name)
                });
            }
        }
    }
    let components = match kind {
        TemplateKind::P135AllocationReport => {
            match persistence::funds::find_programme(conn, "P135")? {
                Some(p) => persistence::funds::components(conn, p.id)?
                    .into_iter()
                    .filter(|c| c.parent_id.is_none())
                    .map(|c| c.name)
                    .collect(),
                None => Vec::new(),
            }
        }
        _ => Vec::new(),
    };
    Ok((names, components))
}

/// A blank template of a legacy report kind (`p135_allocation_report.xlsx`,
/// `directive_task_list.xlsx`, `ntm_criteria_matrix.xlsx`) in the layout
/// the importer reads, with drop-downs of the unit's communes, villages or
/// agencies, whole-number checks on amounts and date hints on deadlines, so
/// offices send clean files from now on.
#[utoipa::path(
    operation_id = "import_template",
    tag = "imports",
    security(("bearer" = [])),
    params(
        ("file" = String, Path, description = "`{kind}.xlsx`", example = "p135_allocation_report.xlsx"),
        TemplateQuery
    ),
    responses(
        (status = 200, description = "The template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/imports/templates/{file}")]
pub async fn import_template(
    state: web::Data<AppState>,
    actor: Actor,
    file: web::Path<String>,
    q: web::Query<TemplateQuery>,
) -> ApiResult<HttpResponse> {
    let file = file.into_inner();
    let kind = file
        .strip_suffix(".xlsx")
        .and_then(TemplateKind::parse)
        .ok_or_else(ApiError::not_found)?;
    let import_kind = ImportKind::parse(kind.code()).ok_or_else(ApiError::not_found)?;
    actor.authorize(import_kind.action(), Target::Global)?;
    let q = q.into_inner();
    let (issuer, units, components) = state
        .db
        .run(
            move |conn| -> ApiResult<(String, Vec<String>, Vec<String>)> {
                let unit = match q.org_unit_id {
                    Some(id) => {
                        actor.authorize_unit(conn, Action::ViewUnits, id)?;
                        Some(persistence::units::get(conn, id)?)
                    }
                    None => None,
                };
                let (units, components) = template_lists(conn, kind, unit.as_ref())?;
                Ok((
                    unit.map(|u| format!("UBND {}", u.name)).unwrap_or_default(),
                    units,
                    components,
                ))
            },
        )
        .await?;
    let spec = TemplateSpec {
        kind,
        issuer,
        year: q.year,
        units,
        components,
        criteria: (1..=19).collect(),
        rows: 200,
    };
    let bytes = web::block(move || write_template(&spec))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok(xlsx_response(bytes, &file))
}

/// An agency abbreviation the importer reads as the agency's full name.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AgencyAlias {
    pub id: i64,
    #[schema(example = "Sở KHCN")]
    pub alias: String,
    #[schema(example = "Sở Khoa học và Công nghệ")]
    pub name: String,
    pub created_by: String,
    #[serde(with = "crate::utc")]
    pub created_at: NaiveDateTime,
}

/// An alias to add.
#[derive(Debug, Deserialize, validator::Validate, ToSchema)]
#[schema(example = json!({"alias": "Sở KHCN", "name": "Sở Khoa học và Công nghệ"}))]
pub struct NewAliasBody {
    #[validate(length(min = 1, max = 200, message = "Tên viết tắt từ 1 đến 200 ký tự"))]
    #[schema(min_length = 1, max_length = 200)]
    pub alias: String,
    /// The agency's full name as the unit catalogue spells it.
    #[validate(length(min = 1, max = 300, message = "Tên đầy đủ từ 1 đến 300 ký tự"))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
}

fn alias_view(a: store::AliasRow) -> AgencyAlias {
    AgencyAlias {
        id: a.id,
        alias: a.alias,
        name: a.name,
        created_by: a.created_by,
        created_at: a.created_at,
    }
}

/// The agency aliases administrators added (beyond the built-in
/// abbreviations such as *Sở KH&ĐT*, *VP UBND tỉnh*).
#[utoipa::path(
    operation_id = "list_agency_aliases",
    tag = "imports",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<AgencyAlias>))
)]
#[get("/agency-aliases")]
pub async fn list_agency_aliases(
    state: web::Data<AppState>,
    actor: Actor,
) -> ApiResult<web::Json<Vec<AgencyAlias>>> {
    if kinds_for(&actor).is_empty() {
        return Err(ApiError::new(ErrorCode::Forbidden));
    }
    let rows = state.db.run(store::aliases).await?;
    Ok(web::Json(rows.into_iter().map(alias_view).collect()))
}

/// Add an agency alias (administrators): task lists naming `alias` then
/// match the agency called `name`. A second alias with the same letters
/// (case, diacritics and punctuation aside) is a 409.
#[utoipa::path(
    operation_id = "create_agency_alias",
    tag = "imports",
    security(("bearer" = [])),
    request_body = NewAliasBody,
    responses(
        (status = 201, body = AgencyAlias),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/agency-aliases")]
pub async fn create_agency_alias(
    state: web::Data<AppState>,
    actor: Actor,
    body: crate::extract::ValidJson<NewAliasBody>,
) -> ApiResult<HttpResponse> {
    actor.authorize(Action::ManageUnits, Target::Global)?;
    let body = body.0;
    let key = interchange::legacy_tasks::agency_key(&body.alias);
    if key.is_empty() {
        return Err(ApiError::field(
            "alias",
            "empty",
            "Tên viết tắt phải có chữ (the alias needs letters)",
        ));
    }
    let row = state
        .db
        .write(move |conn| -> ApiResult<store::AliasRow> {
            let alias = domain::text::canonical(&body.alias);
            let name = domain::text::canonical(&body.name);
            let row = store::insert_alias(conn, &alias, &key, &name, &actor.principal.to_string())?;
            persistence::audit::append(
                conn,
                actor.audit(
                    "agency_alias.create",
                    "agency_alias",
                    row.id,
                    None,
                    Some(json!({"alias": row.alias, "name": row.name})),
                ),
            )?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(alias_view(row)))
}
