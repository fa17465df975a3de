//! Directive tracking: directives, their tasks, the task workflow and its
//! timeline. Who may do what on a task comes from `domain::task_parties`
//! (the actor's capacities on the task's units) and `domain::tasks` (the
//! workflow rules); this module only reads, asks, writes and audits.

use actix_web::{get, post, web, HttpResponse};
use chrono::{NaiveDate, Utc};
use domain::access::{self, Action};
use domain::task_parties::{self, TaskUnits};
use domain::tasks::{
    self as rules, Priority, ReportingCycle, TaskAction, TaskActionKind, TaskParty, TaskRuleError,
    TaskRuleErrorKind, TaskState, Timeliness, TimelinessColour, TransitionContext,
};
use persistence::attachments::{self, Owner};
use persistence::tasks::{
    self as store, DirectiveRow, NewDirective, NewTask, NewTaskEvent, TaskChanges, TaskEventRow,
    TaskFilter, TaskRow, TaskSort, TimelinessFilter,
};
use persistence::units;
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::actor::{denied, Actor};
use crate::error::{ApiError, ApiResult, ErrorCode, Problem};
use crate::extract::ValidJson;
use crate::paging::{Page, Paging};
use crate::state::AppState;

use super::attachments::{attach, split_by_event, Attachment};

/// Days before the deadline at which an open task turns yellow.
pub const DUE_SOON_DAYS: u32 = 3;

/// Today in Vietnam.
pub fn today() -> NaiveDate {
    rules::local_today(Utc::now().naive_utc())
}

/// Who issued a directive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Issuer {
    /// *UBND* (the committee as a body).
    Committee,
    /// *Chủ tịch*.
    Chair,
    /// *Phó Chủ tịch*.
    ViceChair,
}

impl Issuer {
    fn as_str(self) -> &'static str {
        match self {
            Self::Committee => "committee",
            Self::Chair => "chair",
            Self::ViceChair => "vice_chair",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "chair" => Self::Chair,
            "vice_chair" => Self::ViceChair,
            _ => Self::Committee,
        }
    }
}

/// The kind of document a directive is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectiveKind {
    /// *Quyết định*.
    Decision,
    /// *Chỉ thị*.
    Directive,
    /// *Công văn*.
    OfficialLetter,
    /// *Thông báo kết luận*.
    ConclusionNotice,
    /// *Kết luận cuộc họp*.
    MeetingConclusion,
    /// *Khác*.
    Other,
}

impl DirectiveKind {
    const ALL: [Self; 6] = [
        Self::Decision,
        Self::Directive,
        Self::OfficialLetter,
        Self::ConclusionNotice,
        Self::MeetingConclusion,
        Self::Other,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Decision => "decision",
            Self::Directive => "directive",
            Self::OfficialLetter => "official_letter",
            Self::ConclusionNotice => "conclusion_notice",
            Self::MeetingConclusion => "meeting_conclusion",
            Self::Other => "other",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or(Self::Other)
    }
}

/// A task as listed and shown.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Task {
    pub id: i64,
    pub directive_id: i64,
    /// Set when the task was forwarded from another (cascade).
    pub parent_task_id: Option<i64>,
    #[schema(example = "Rà soát, báo cáo tình hình giải ngân vốn đầu tư công năm 2026")]
    pub content: String,
    pub issuing_unit_id: i64,
    pub office_unit_id: i64,
    pub lead_unit_id: i64,
    pub coordinating_unit_ids: Vec<i64>,
    pub specialist_id: Option<i64>,
    /// The deadline first assigned (None: a standing task, *thường xuyên*).
    pub original_deadline: Option<NaiveDate>,
    /// The deadline after approved extensions.
    pub deadline: Option<NaiveDate>,
    pub reporting_cycle: Option<ReportingCycle>,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub state: TaskState,
    pub progress_percent: i32,
    /// A reported difficulty awaits the leadership's attention.
    pub has_difficulty: bool,
    /// The day the completion that was confirmed was proposed.
    pub completed_on: Option<NaiveDate>,
    /// Computed on every read from today's date in Vietnam.
    pub timeliness: Timeliness,
    /// The stable colour of the timeliness class (green, yellow, red, blue,
    /// orange, grey).
    pub colour: TimelinessColour,
    /// Increases with every change.
    pub version: i32,
}

fn task_view(row: TaskRow, coordinators: Vec<i64>, today: NaiveDate) -> Task {
    let state = TaskState::parse(&row.state).unwrap_or(TaskState::Assigned);
    let timeliness = rules::classify(state, row.deadline, row.completed_on, today, DUE_SOON_DAYS);
    Task {
        id: row.id,
        directive_id: row.directive_id,
        parent_task_id: row.parent_task_id,
        content: row.content,
        issuing_unit_id: row.issuing_unit_id,
        office_unit_id: row.office_unit_id,
        lead_unit_id: row.lead_unit_id,
        coordinating_unit_ids: coordinators,
        specialist_id: row.specialist_id,
        original_deadline: row.original_deadline,
        deadline: row.deadline,
        reporting_cycle: row
            .reporting_cycle
            .as_deref()
            .and_then(ReportingCycle::parse),
        priority: Priority::parse(&row.priority).unwrap_or(Priority::Normal),
        tags: row
            .tags
            .split('|')
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        state,
        progress_percent: row.progress_percent,
        has_difficulty: row.has_difficulty,
        completed_on: row.completed_on,
        timeliness,
        colour: timeliness.colour(),
        version: row.version,
    }
}

pub fn task_views(conn: &mut DbConnection, rows: Vec<TaskRow>) -> ApiResult<Vec<Task>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let links = store::coordinators_of(conn, &ids)?;
    let today = today();
    Ok(rows
        .into_iter()
        .map(|row| {
            let coordinators = links
                .iter()
                .filter(|(t, _)| *t == row.id)
                .map(|(_, u)| *u)
                .collect();
            task_view(row, coordinators, today)
        })
        .collect())
}

/// A directive (văn bản chỉ đạo) with its tasks.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Directive {
    pub id: i64,
    pub issuing_unit_id: i64,
    pub office_unit_id: i64,
    pub issuer: Issuer,
    #[schema(example = "Phó Chủ tịch UBND tỉnh Nguyễn Văn A")]
    pub issuer_name: String,
    pub kind: DirectiveKind,
    /// Number and symbol.
    #[schema(example = "8164/UBND-VP")]
    pub number: String,
    pub issued_on: NaiveDate,
    /// *Trích yếu*.
    #[schema(example = "Về việc đẩy nhanh tiến độ giải ngân vốn đầu tư công")]
    pub summary: String,
    /// The tasks the caller may see.
    pub tasks: Vec<Task>,
    /// The directive's files (the signed document); empty in lists.
    pub attachments: Vec<Attachment>,
}

fn directive_view(
    row: DirectiveRow,
    tasks: Vec<Task>,
    attachments: Vec<attachments::AttachmentRow>,
) -> Directive {
    Directive {
        id: row.id,
        issuing_unit_id: row.issuing_unit_id,
        office_unit_id: row.office_unit_id,
        issuer: Issuer::parse(&row.issuer),
        issuer_name: row.issuer_name,
        kind: DirectiveKind::parse(&row.kind),
        number: row.number,
        issued_on: row.issued_on,
        summary: row.summary,
        tasks,
        attachments: attachments.into_iter().map(Attachment::from).collect(),
    }
}

/// A task to assign.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"content": "Báo cáo tiến độ giải ngân vốn đầu tư công", "lead_unit_id": 21, "coordinating_unit_ids": [22], "deadline": "2026-12-15", "priority": "high"}))]
pub struct NewTaskBody {
    #[validate(length(min = 1, max = 4000, message = "Nội dung từ 1 đến 4000 ký tự"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub content: String,
    pub lead_unit_id: i64,
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub coordinating_unit_ids: Vec<i64>,
    /// The follow-up specialist (a user of the Office).
    pub specialist_id: Option<i64>,
    /// None: a standing task (*thường xuyên*).
    pub deadline: Option<NaiveDate>,
    pub reporting_cycle: Option<ReportingCycle>,
    #[serde(default = "normal")]
    pub priority: Priority,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub tags: Vec<String>,
    /// Files uploaded beforehand (`POST /attachments`) to attach.
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
}

fn normal() -> Priority {
    Priority::Normal
}

/// A directive to record, with its tasks.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"issuing_unit_id": 1, "office_unit_id": 20, "issuer": "vice_chair", "issuer_name": "Phó Chủ tịch UBND tỉnh", "kind": "conclusion_notice", "number": "3784/TB-UBND", "issued_on": "2026-11-02", "summary": "Kết luận tại cuộc họp đẩy nhanh tiến độ giải phóng mặt bằng", "tasks": [{"content": "Hoàn thành giải phóng mặt bằng dự án", "lead_unit_id": 22, "deadline": "2026-12-31"}]}))]
pub struct NewDirectiveBody {
    /// The People's Committee issuing it.
    pub issuing_unit_id: i64,
    /// Its Office, which follows the tasks up.
    pub office_unit_id: i64,
    pub issuer: Issuer,
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub issuer_name: String,
    pub kind: DirectiveKind,
    #[validate(length(min = 1, max = 100, message = "Số, ký hiệu từ 1 đến 100 ký tự"))]
    #[schema(min_length = 1, max_length = 100)]
    pub number: String,
    pub issued_on: NaiveDate,
    #[validate(length(min = 1, max = 2000, message = "Trích yếu từ 1 đến 2000 ký tự"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub summary: String,
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    #[schema(max_items = 200)]
    pub tasks: Vec<NewTaskBody>,
    /// Files uploaded beforehand (`POST /attachments`): the signed
    /// document, appendices.
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
}

fn field(field: &str, code: &str, message: &str) -> ApiError {
    ApiError::field(field, code, message)
}

/// Checks a task's units and people and stores it with its `task.create`
/// audit row. Its units must exist on `valid_on`: today for a task assigned
/// now, the directive's date for one recorded from a past list.
pub fn create_task(
    conn: &mut DbConnection,
    actor: &Actor,
    directive: &DirectiveRow,
    body: &NewTaskBody,
    index: Option<usize>,
    valid_on: NaiveDate,
) -> ApiResult<TaskRow> {
    let prefix = index.map(|i| format!("tasks[{i}].")).unwrap_or_default();
    let open_unit = |conn: &mut DbConnection, id: i64, name: &str| -> ApiResult<()> {
        match units::get(conn, id) {
            Ok(u) if u.valid_to.is_none_or(|to| to >= valid_on) => Ok(()),
            Ok(_) => Err(field(
                &format!("{prefix}{name}"),
                "closed",
                "Đơn vị đã giải thể (the unit no longer exists)",
            )),
            Err(persistence::PersistenceError::NotFound) => Err(field(
                &format!("{prefix}{name}"),
                "unknown",
                "Không có đơn vị này (no such unit)",
            )),
            Err(e) => Err(e.into()),
        }
    };
    open_unit(conn, body.lead_unit_id, "lead_unit_id")?;
    let mut coordinators = body.coordinating_unit_ids.clone();
    coordinators.sort_unstable();
    coordinators.dedup();
    if coordinators.contains(&body.lead_unit_id) {
        return Err(field(
            &format!("{prefix}coordinating_unit_ids"),
            "lead_unit",
            "Đơn vị chủ trì không đồng thời là đơn vị phối hợp (the lead unit cannot also coordinate)",
        ));
    }
    for &unit in &coordinators {
        open_unit(conn, unit, "coordinating_unit_ids")?;
    }
    if let Some(specialist) = body.specialist_id {
        let user = persistence::identity::get_user(conn, specialist).map_err(|_| {
            field(
                &format!("{prefix}specialist_id"),
                "unknown",
                "Không có người dùng này (no such user)",
            )
        })?;
        let office = units::ancestry(conn, user.primary_unit_id)?;
        if !user.active || !office.contains(&directive.office_unit_id) {
            return Err(field(
                &format!("{prefix}specialist_id"),
                "not_in_office",
                "Chuyên viên theo dõi phải thuộc Văn phòng (the specialist must belong to the Office)",
            ));
        }
    }
    if body.deadline.is_some_and(|d| d < directive.issued_on) {
        return Err(field(
            &format!("{prefix}deadline"),
            "before_issued",
            "Thời hạn trước ngày ban hành văn bản (deadline before the directive's date)",
        ));
    }
    let row = store::insert_task(
        conn,
        &NewTask {
            directive_id: directive.id,
            parent_task_id: None,
            content: domain::text::canonical(&body.content),
            issuing_unit_id: directive.issuing_unit_id,
            office_unit_id: directive.office_unit_id,
            lead_unit_id: body.lead_unit_id,
            specialist_id: body.specialist_id,
            deadline: body.deadline,
            reporting_cycle: body.reporting_cycle.map(|c| c.as_str().to_owned()),
            priority: body.priority.as_str().to_owned(),
            tags: body
                .tags
                .iter()
                .map(|t| domain::text::canonical(t).replace('|', " "))
                .collect::<Vec<_>>()
                .join("|"),
            state: TaskState::Assigned.as_str().to_owned(),
            coordinators,
            created_by: actor.user_id(),
        },
    )?;
    persistence::audit::append(
        conn,
        actor.audit(
            "task.create",
            "task",
            row.id,
            None,
            Some(serde_json::json!({"directive_id": directive.id, "lead_unit_id": row.lead_unit_id, "deadline": row.deadline})),
        ),
    )?;
    attach(
        conn,
        actor,
        &body.attachment_ids,
        Owner::Task(row.id),
        &format!("{prefix}attachment_ids"),
    )?;
    Ok(row)
}

/// Records a directive and its tasks after checking who may and what is
/// valid (also used by the demo seed).
pub fn record_directive(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &NewDirectiveBody,
) -> ApiResult<Directive> {
    actor.authorize_unit(conn, Action::ManageDirectives, body.office_unit_id)?;
    let office = units::get(conn, body.office_unit_id)?;
    if office.kind != "agency" || office.parent_id != Some(body.issuing_unit_id) {
        return Err(field(
            "office_unit_id",
            "not_the_office",
            "Văn phòng phải là cơ quan trực thuộc đơn vị ban hành \
             (the office must be an agency directly under the issuing unit)",
        ));
    }
    let row = store::insert_directive(
        conn,
        &NewDirective {
            issuing_unit_id: body.issuing_unit_id,
            office_unit_id: body.office_unit_id,
            issuer: body.issuer.as_str().into(),
            issuer_name: domain::text::canonical(&body.issuer_name),
            kind: body.kind.as_str().into(),
            number: domain::text::canonical(&body.number),
            issued_on: body.issued_on,
            summary: domain::text::canonical(&body.summary),
            created_by: actor.user_id(),
        },
    )?;
    persistence::audit::append(
        conn,
        actor.audit(
            "directive.create",
            "directive",
            row.id,
            None,
            Some(serde_json::json!({"number": row.number, "issued_on": row.issued_on, "summary": row.summary})),
        ),
    )?;
    let mut tasks = Vec::new();
    for (i, task) in body.tasks.iter().enumerate() {
        tasks.push(create_task(conn, actor, &row, task, Some(i), today())?);
    }
    let tasks = task_views(conn, tasks)?;
    attach(
        conn,
        actor,
        &body.attachment_ids,
        Owner::Directive(row.id),
        "attachment_ids",
    )?;
    let files = attachments::of_directive(conn, row.id)?;
    Ok(directive_view(row, tasks, files))
}

/// Record a directive and assign its tasks (the Committee's leaders and
/// its Office).
#[utoipa::path(
    operation_id = "create_directive",
    tag = "directives",
    security(("bearer" = [])),
    request_body = NewDirectiveBody,
    responses(
        (status = 201, body = Directive, links(
            ("act_on_its_first_task" = (operation_id = "act_on_task", parameters(("id" = "$response.body#/tasks/0/id")))),
            ("forward_its_first_task" = (operation_id = "forward_task", parameters(("id" = "$response.body#/tasks/0/id")))),
            ("read_it" = (operation_id = "get_directive", parameters(("id" = "$response.body#/id"))))
        )),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Same number and date already recorded", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/directives")]
pub async fn create_directive(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<NewDirectiveBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let directive = state
        .db
        .write(move |conn| record_directive(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(directive))
}

/// Add a task to a directive.
#[utoipa::path(
    operation_id = "create_directive_task",
    tag = "directives",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Directive id")),
    request_body = NewTaskBody,
    responses(
        (status = 201, body = Task),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/directives/{id}/tasks")]
pub async fn create_directive_task(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<NewTaskBody>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.0);
    let task = state
        .db
        .write(move |conn| -> ApiResult<Task> {
            let directive = store::get_directive(conn, id)?;
            actor.authorize_unit(conn, Action::ManageDirectives, directive.office_unit_id)?;
            let row = create_task(conn, &actor, &directive, &body, None, today())?;
            Ok(task_views(conn, vec![row])?.remove(0))
        })
        .await?;
    Ok(HttpResponse::Created().json(task))
}

/// Scope roots for reading tasks; `Err` when the actor may read none.
pub fn task_roots(actor: &Actor) -> ApiResult<Option<Vec<i64>>> {
    actor.scope_roots(Action::ViewTasks)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectiveQuery {
    /// Number or summary text, diacritic-insensitive.
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Directives the caller may see, newest first.
#[utoipa::path(
    operation_id = "list_directives",
    tag = "directives",
    security(("bearer" = [])),
    params(DirectiveQuery),
    responses((status = 200, body = Page<Directive>), (status = 401, body = Problem, content_type = "application/problem+json"))
)]
#[get("/directives")]
pub async fn list_directives(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<DirectiveQuery>,
) -> ApiResult<web::Json<Page<Directive>>> {
    let q = query.into_inner();
    let (limit, offset) = Paging::new(q.limit, q.offset).resolve()?;
    let roots = task_roots(&actor)?;
    let folded = q.q.as_deref().map(domain::text::fold);
    let page = state
        .db
        .run(move |conn| -> ApiResult<Page<Directive>> {
            let (rows, total) =
                store::list_directives(conn, roots.as_deref(), folded.as_deref(), limit, offset)?;
            let items = rows
                .into_iter()
                .map(|row| directive_view(row, Vec::new(), Vec::new()))
                .collect();
            Ok(Page::new(items, total, limit, offset))
        })
        .await?;
    Ok(web::Json(page))
}

/// A directive with the tasks the caller may see.
#[utoipa::path(
    operation_id = "get_directive",
    tag = "directives",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Directive id")),
    responses((status = 200, body = Directive), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/directives/{id}")]
pub async fn get_directive(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Directive>> {
    let id = id.into_inner();
    let directive = state
        .db
        .run(move |conn| -> ApiResult<Directive> {
            let (row, tasks) = visible_directive(conn, &actor, id)?;
            let tasks = task_views(conn, tasks)?;
            let files = attachments::of_directive(conn, id)?;
            Ok(directive_view(row, tasks, files))
        })
        .await?;
    Ok(web::Json(directive))
}

/// A directive and the tasks of it the actor may see; 404 when the actor
/// sees none of its tasks and may not manage it.
pub fn visible_directive(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
) -> ApiResult<(DirectiveRow, Vec<TaskRow>)> {
    let roots = task_roots(actor)?;
    let row = store::get_directive(conn, id)?;
    let unrestricted = roots.is_none();
    let (tasks, _) = store::list_tasks(
        conn,
        &TaskFilter {
            directive_id: Some(id),
            limit: 1000,
            ..base_filter(roots)
        },
    )?;
    let can_manage = actor
        .authorize_unit(conn, Action::ManageDirectives, row.office_unit_id)
        .is_ok();
    if tasks.is_empty() && !can_manage && !unrestricted {
        return Err(ApiError::not_found());
    }
    Ok((row, tasks))
}

pub fn base_filter(roots: Option<Vec<i64>>) -> TaskFilter {
    TaskFilter::new(roots, today(), DUE_SOON_DAYS)
}

/// How to sort the task list.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskSortParam {
    /// Nearest deadline first, standing tasks last (the default).
    Deadline,
    DeadlineDesc,
    Created,
    CreatedDesc,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskQuery {
    pub directive_id: Option<i64>,
    pub issuing_unit_id: Option<i64>,
    /// The lead unit or any unit under it.
    pub lead_unit_id: Option<i64>,
    /// A coordinating unit or any unit under it.
    pub coordinating_unit_id: Option<i64>,
    pub specialist_id: Option<i64>,
    pub issuer: Option<Issuer>,
    pub state: Option<TaskState>,
    pub timeliness: Option<Timeliness>,
    pub deadline_from: Option<NaiveDate>,
    pub deadline_to: Option<NaiveDate>,
    /// Text in the task's content, diacritic-insensitive.
    #[param(example = "giai ngan")]
    pub q: Option<String>,
    pub sort: Option<TaskSortParam>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The list filter a query asks for, scoped to the actor (first page).
fn task_filter(actor: &Actor, q: &TaskQuery) -> ApiResult<TaskFilter> {
    Ok(TaskFilter {
        directive_id: q.directive_id,
        issuing_unit_id: q.issuing_unit_id,
        lead_unit_id: q.lead_unit_id,
        coordinating_unit_id: q.coordinating_unit_id,
        specialist_id: q.specialist_id,
        issuer: q.issuer.map(|i| i.as_str().to_owned()),
        states: q
            .state
            .map(|s| vec![s.as_str().to_owned()])
            .unwrap_or_default(),
        timeliness: q.timeliness.map(|t| match t {
            Timeliness::OnTime => TimelinessFilter::OnTime,
            Timeliness::DueSoon => TimelinessFilter::DueSoon,
            Timeliness::Overdue => TimelinessFilter::Overdue,
            Timeliness::CompletedOnTime => TimelinessFilter::CompletedOnTime,
            Timeliness::CompletedLate => TimelinessFilter::CompletedLate,
            Timeliness::NoDeadline => TimelinessFilter::NoDeadline,
        }),
        deadline_from: q.deadline_from,
        deadline_to: q.deadline_to,
        q: q.q.as_deref().map(domain::text::fold),
        sort: match q.sort.unwrap_or(TaskSortParam::Deadline) {
            TaskSortParam::Deadline => TaskSort::DeadlineAsc,
            TaskSortParam::DeadlineDesc => TaskSort::DeadlineDesc,
            TaskSortParam::Created => TaskSort::CreatedAsc,
            TaskSortParam::CreatedDesc => TaskSort::CreatedDesc,
        },
        ..base_filter(task_roots(actor)?)
    })
}

/// Tasks the caller may see, filtered, with their timeliness.
#[utoipa::path(
    operation_id = "list_tasks",
    tag = "tasks",
    security(("bearer" = [])),
    params(TaskQuery),
    responses((status = 200, body = Page<Task>), (status = 401, body = Problem, content_type = "application/problem+json"))
)]
#[get("/tasks")]
pub async fn list_tasks(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<TaskQuery>,
) -> ApiResult<web::Json<Page<Task>>> {
    let q = query.into_inner();
    let (limit, offset) = Paging::new(q.limit, q.offset).resolve()?;
    let filter = TaskFilter {
        limit,
        offset,
        ..task_filter(&actor, &q)?
    };
    let page = state
        .db
        .run(move |conn| -> ApiResult<Page<Task>> {
            let (rows, total) = store::list_tasks(conn, &filter)?;
            Ok(Page::new(task_views(conn, rows)?, total, limit, offset))
        })
        .await?;
    Ok(web::Json(page))
}

/// One entry of a task's timeline.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskEvent {
    pub id: i64,
    pub kind: TaskActionKind,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    #[serde(with = "crate::utc")]
    pub at: chrono::NaiveDateTime,
    pub note: String,
    pub percent: Option<i32>,
    pub requested_deadline: Option<NaiveDate>,
    pub approved: Option<bool>,
    pub from_state: TaskState,
    pub to_state: TaskState,
    /// A completion proposed after the deadline.
    pub late: bool,
    /// Files posted with this entry.
    pub attachments: Vec<Attachment>,
}

impl From<TaskEventRow> for TaskEvent {
    fn from(e: TaskEventRow) -> Self {
        let state = |s: &str| TaskState::parse(s).unwrap_or(TaskState::Assigned);
        Self {
            id: e.id,
            kind: TaskActionKind::parse(&e.kind).unwrap_or(TaskActionKind::Comment),
            actor_id: e.actor_id,
            actor_name: e.actor_name,
            at: e.at,
            note: e.note,
            percent: e.percent,
            requested_deadline: e.requested_deadline,
            approved: e.approved,
            from_state: state(&e.from_state),
            to_state: state(&e.to_state),
            late: e.late,
            attachments: Vec::new(),
        }
    }
}

/// A task with what the caller may do on it and its timeline.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TaskDetail {
    #[serde(flatten)]
    pub task: Task,
    /// The caller's capacities on this task.
    pub parties: Vec<TaskParty>,
    /// The actions the caller may take now (the buttons to show).
    pub available_actions: Vec<TaskActionKind>,
    /// Tasks forwarded from this one, with their states.
    pub children: Vec<Task>,
    pub timeline: Vec<TaskEvent>,
    /// Files attached when the task was assigned (timeline files are on
    /// their entries).
    pub attachments: Vec<Attachment>,
    /// The NTM criterion this task was raised from, if any.
    pub ntm_criterion: Option<NtmCriterionLink>,
}

/// An NTM evaluation's criterion a task was raised from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
pub struct NtmCriterionLink {
    pub evaluation_id: i64,
    #[schema(example = 17)]
    pub criterion_number: i32,
}

/// The caller's capacities on a task; 404 when it has none.
fn task_parties(
    conn: &mut DbConnection,
    actor: &Actor,
    task: &TaskRow,
) -> ApiResult<Vec<TaskParty>> {
    let issuing = units::ancestry(conn, task.issuing_unit_id)?;
    let office = units::ancestry(conn, task.office_unit_id)?;
    let lead = units::ancestry(conn, task.lead_unit_id)?;
    let mut coordinators = Vec::new();
    for (_, unit) in store::coordinators_of(conn, &[task.id])? {
        coordinators.push(units::ancestry(conn, unit)?);
    }
    let mut parties = task_parties::parties(
        &actor.grants,
        &TaskUnits {
            issuing: &issuing,
            office: &office,
            lead: &lead,
            coordinators: &coordinators,
            forwarded: task.parent_task_id.is_some(),
        },
    );
    if task.specialist_id.is_some() && task.specialist_id == actor.user_id() {
        parties.push(TaskParty::Specialist);
        parties.sort();
        parties.dedup();
    }
    if parties.is_empty() {
        return Err(ApiError::not_found());
    }
    Ok(parties)
}

/// A task the actor has some capacity on; 404 otherwise.
pub fn visible_task(conn: &mut DbConnection, actor: &Actor, id: i64) -> ApiResult<TaskRow> {
    let row = store::get_task(conn, id)?;
    task_parties(conn, actor, &row)?;
    Ok(row)
}

fn context(task: &TaskRow) -> TransitionContext {
    TransitionContext {
        today: today(),
        deadline: task.deadline,
    }
}

fn detail(conn: &mut DbConnection, actor: &Actor, id: i64) -> ApiResult<TaskDetail> {
    let row = store::get_task(conn, id)?;
    let parties = task_parties(conn, actor, &row)?;
    let state = TaskState::parse(&row.state).unwrap_or(TaskState::Assigned);
    let mut actions = rules::available_actions(state, &parties, &context(&row));
    if store::pending_extension(conn, id)?.is_none() {
        actions.retain(|a| *a != TaskActionKind::DecideExtension);
    }
    let children = store::children(conn, id)?;
    let children = task_views(conn, children)?;
    let (own_files, event_files) = split_by_event(attachments::of_task(conn, id)?);
    let mut timeline: Vec<TaskEvent> = store::events(conn, id)?
        .into_iter()
        .map(TaskEvent::from)
        .collect();
    for (event_id, file) in event_files {
        if let Some(event) = timeline.iter_mut().find(|e| e.id == event_id) {
            event.attachments.push(file);
        }
    }
    Ok(TaskDetail {
        task: task_views(conn, vec![row])?.remove(0),
        parties,
        available_actions: actions,
        children,
        timeline,
        attachments: own_files,
        ntm_criterion: persistence::ntm::criterion_of_task(conn, id)?.map(
            |(evaluation_id, criterion_number)| NtmCriterionLink {
                evaluation_id,
                criterion_number,
            },
        ),
    })
}

/// A task with its timeline and the caller's possible actions.
#[utoipa::path(
    operation_id = "get_task",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Task id")),
    responses((status = 200, body = TaskDetail), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/tasks/{id}")]
pub async fn get_task(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<TaskDetail>> {
    let id = id.into_inner();
    let detail = state.db.run(move |conn| detail(conn, &actor, id)).await?;
    Ok(web::Json(detail))
}

fn rule_error(e: TaskRuleError) -> ApiError {
    let code = match e.kind() {
        TaskRuleErrorKind::Forbidden => ErrorCode::Forbidden,
        TaskRuleErrorKind::Conflict => ErrorCode::Conflict,
        TaskRuleErrorKind::Invalid => {
            return ApiError::field(e.field(), e.code(), e.message_vi());
        }
    };
    ApiError::with_detail(code, e.message_vi())
}

/// The text an action carries, for the timeline.
fn action_note(action: &TaskAction) -> String {
    match action {
        TaskAction::ReportProgress { note, .. }
        | TaskAction::ReportDifficulty { note }
        | TaskAction::Remind { note }
        | TaskAction::Comment { note } => note.clone(),
        TaskAction::RequestExtension { reason, .. }
        | TaskAction::Return { reason }
        | TaskAction::ProposeDecline { reason }
        | TaskAction::Cancel { reason }
        | TaskAction::Reopen { reason } => reason.clone(),
        TaskAction::DecideExtension { reason, .. }
        | TaskAction::Review { reason, .. }
        | TaskAction::DecideDecline { reason, .. } => reason.clone().unwrap_or_default(),
        TaskAction::ProposeCompletion {
            result,
            explanation,
        } => match explanation {
            Some(e) if !e.trim().is_empty() => format!("{result}\nGiải trình: {e}"),
            _ => result.clone(),
        },
        TaskAction::Accept | TaskAction::Confirm => String::new(),
    }
}

/// One workflow step, in one transaction: the rule decides, the task and
/// its timeline change, the audit trail records it.
pub fn act(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    action: &TaskAction,
) -> ApiResult<TaskEventRow> {
    let row = store::get_task(conn, id)?;
    let parties = task_parties(conn, actor, &row)?;
    let state = TaskState::parse(&row.state).unwrap_or(TaskState::Assigned);
    let ctx = context(&row);
    let outcome = rules::apply(state, action, &parties, &ctx).map_err(rule_error)?;
    let pending = store::pending_extension(conn, id)?;
    let mut changes = TaskChanges {
        state: outcome.next.as_str().to_owned(),
        progress_percent: row.progress_percent,
        has_difficulty: row.has_difficulty,
        deadline: row.deadline,
        completed_on: row.completed_on,
        version: row.version,
        updated_at: row.updated_at,
    };
    let mut event = NewTaskEvent {
        task_id: id,
        kind: action.kind().as_str().to_owned(),
        actor_id: actor.user_id(),
        actor_name: actor.name.clone(),
        note: action_note(action),
        from_state: state.as_str().to_owned(),
        to_state: outcome.next.as_str().to_owned(),
        late: outcome.late,
        ..NewTaskEvent::default()
    };
    match action {
        TaskAction::ReportProgress { percent, .. } => {
            changes.progress_percent = i32::from(*percent);
            event.percent = Some(i32::from(*percent));
        }
        TaskAction::ReportDifficulty { .. } => changes.has_difficulty = true,
        TaskAction::RequestExtension { new_deadline, .. } => {
            if pending.is_some() {
                return Err(ApiError::with_detail(
                    ErrorCode::Conflict,
                    "Đã có đề nghị gia hạn đang chờ xử lý (an extension request is pending)",
                ));
            }
            event.requested_deadline = Some(*new_deadline);
        }
        TaskAction::DecideExtension { approve, .. } => {
            let request = pending.ok_or_else(|| {
                ApiError::with_detail(
                    ErrorCode::Conflict,
                    "Không có đề nghị gia hạn nào đang chờ (no pending extension request)",
                )
            })?;
            event.approved = Some(*approve);
            event.requested_deadline = request.requested_deadline;
            if *approve {
                changes.deadline = request.requested_deadline;
            }
        }
        TaskAction::ProposeCompletion { .. } => {
            changes.progress_percent = 100;
            changes.completed_on = Some(ctx.today);
        }
        TaskAction::Review { accept: false, .. } | TaskAction::Return { .. } => {
            changes.completed_on = None;
        }
        TaskAction::Reopen { .. } => changes.completed_on = None,
        TaskAction::Confirm => changes.has_difficulty = false,
        _ => {}
    }
    let after = store::update_task(conn, id, row.version, changes).map_err(|e| match e {
        persistence::PersistenceError::UniqueViolation { .. } => ApiError::with_detail(
            ErrorCode::Conflict,
            "Nhiệm vụ vừa được người khác cập nhật, vui lòng tải lại \
             (the task changed meanwhile; reload and try again)",
        ),
        other => other.into(),
    })?;
    let event = store::insert_event(conn, &event)?;
    persistence::audit::append(
        conn,
        actor.audit(
            &format!("task.{}", action.kind().as_str()),
            "task",
            id,
            Some(serde_json::json!({"state": row.state, "deadline": row.deadline, "version": row.version})),
            Some(serde_json::json!({"state": after.state, "deadline": after.deadline, "version": after.version, "note": event.note})),
        ),
    )?;
    Ok(event)
}

/// A workflow action with the files posted with it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct TaskActionBody {
    #[serde(flatten)]
    pub action: TaskAction,
    /// Files uploaded beforehand (`POST /attachments`) to post with this
    /// entry: a progress report's documents, the result report.
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
}

/// Take a workflow action on a task: accept, report progress or a
/// difficulty, remind, comment, request or decide an extension, propose
/// completion (a late one needs an explanation), review, confirm, return,
/// propose or decide a decline, cancel, reopen. The body names the action
/// in `action`; the answer is the task as it now stands.
#[utoipa::path(
    operation_id = "act_on_task",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Task id")),
    request_body(content = TaskActionBody, example = json!({"action": "propose_completion", "result": "Đã hoàn thành giải phóng mặt bằng", "explanation": "Chậm do vướng mắc đền bù", "attachment_ids": [7]})),
    responses(
        (status = 200, body = TaskDetail),
        (status = 403, description = "Your capacity on the task does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The task's state does not allow it, or it changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/tasks/{id}/actions")]
pub async fn act_on_task(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<TaskActionBody>,
) -> ApiResult<web::Json<TaskDetail>> {
    let (id, body) = (id.into_inner(), body.0);
    let detail = state
        .db
        .write(move |conn| {
            let event = act(conn, &actor, id, &body.action)?;
            attach(
                conn,
                &actor,
                &body.attachment_ids,
                Owner::Event {
                    task_id: id,
                    event_id: event.id,
                },
                "attachment_ids",
            )?;
            detail(conn, &actor, id)
        })
        .await?;
    Ok(web::Json(detail))
}

/// A part of a task forwarded to a unit under the lead unit.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"content": "Rà soát danh sách hộ nghèo của thôn", "lead_unit_id": 1201, "deadline": "2026-12-10"}))]
pub struct ForwardBody {
    #[validate(length(min = 1, max = 4000, message = "Nội dung từ 1 đến 4000 ký tự"))]
    #[schema(min_length = 1, max_length = 4000)]
    pub content: String,
    /// A unit under the parent task's lead unit.
    pub lead_unit_id: i64,
    /// Not later than the parent's deadline; defaults to it.
    pub deadline: Option<NaiveDate>,
    #[serde(default = "normal")]
    pub priority: Priority,
}

fn forward(
    conn: &mut DbConnection,
    actor: &Actor,
    parent_id: i64,
    body: &ForwardBody,
) -> ApiResult<TaskRow> {
    let parent = store::get_task(conn, parent_id)?;
    let parties = task_parties(conn, actor, &parent)?;
    if !parties
        .iter()
        .any(|p| matches!(p, TaskParty::LeadAgency | TaskParty::LeadAgencyLeader))
    {
        return Err(denied(access::Denial::Forbidden));
    }
    let state = TaskState::parse(&parent.state).unwrap_or(TaskState::Assigned);
    if !state.is_open() {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "Nhiệm vụ đã kết thúc, không thể giao tiếp (the task is closed)",
        ));
    }
    let ancestry = units::ancestry(conn, body.lead_unit_id).map_err(|_| {
        field(
            "lead_unit_id",
            "unknown",
            "Không có đơn vị này (no such unit)",
        )
    })?;
    if body.lead_unit_id == parent.lead_unit_id || !ancestry.contains(&parent.lead_unit_id) {
        return Err(field(
            "lead_unit_id",
            "not_subordinate",
            "Chỉ giao tiếp cho đơn vị trực thuộc đơn vị chủ trì (forward only to a unit under the lead unit)",
        ));
    }
    let deadline = body.deadline.or(parent.deadline);
    if let (Some(child), Some(limit)) = (deadline, parent.deadline) {
        if child > limit {
            return Err(field(
                "deadline",
                "after_parent",
                "Thời hạn không được sau thời hạn của nhiệm vụ gốc (not later than the parent's deadline)",
            ));
        }
    }
    let row = store::insert_task(
        conn,
        &NewTask {
            directive_id: parent.directive_id,
            parent_task_id: Some(parent.id),
            content: domain::text::canonical(&body.content),
            issuing_unit_id: parent.lead_unit_id,
            office_unit_id: parent.lead_unit_id,
            lead_unit_id: body.lead_unit_id,
            specialist_id: None,
            deadline,
            reporting_cycle: parent.reporting_cycle.clone(),
            priority: body.priority.as_str().to_owned(),
            tags: parent.tags.clone(),
            state: TaskState::Assigned.as_str().to_owned(),
            coordinators: Vec::new(),
            created_by: actor.user_id(),
        },
    )?;
    persistence::audit::append(
        conn,
        actor.audit(
            "task.forward",
            "task",
            row.id,
            None,
            Some(serde_json::json!({"parent_task_id": parent.id, "lead_unit_id": row.lead_unit_id, "deadline": row.deadline})),
        ),
    )?;
    Ok(row)
}

/// Forward part of a task to a unit under its lead unit (a commune to its
/// villages, an agency to its divisions). The parent shows its children.
#[utoipa::path(
    operation_id = "forward_task",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Parent task id")),
    request_body = ForwardBody,
    responses(
        (status = 201, body = Task),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/tasks/{id}/subtasks")]
pub async fn forward_task(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<ForwardBody>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.0);
    let task = state
        .db
        .write(move |conn| -> ApiResult<Task> {
            let row = forward(conn, &actor, id, &body)?;
            Ok(task_views(conn, vec![row])?.remove(0))
        })
        .await?;
    Ok(HttpResponse::Created().json(task))
}

/// Most rows a task-list export holds.
const EXPORT_LIMIT: i64 = 10_000;

/// The task list as an official-layout report: one Roman-numeral group per
/// directive, its tasks below.
fn task_list_report(
    conn: &mut DbConnection,
    tasks: Vec<Task>,
    as_of: NaiveDate,
) -> ApiResult<Vec<u8>> {
    use interchange::report::{roman, Cell, Column, ColumnKind, Report, Row, RowStyle};
    let column = |header: &str, width: f64, kind: ColumnKind| Column {
        header: header.into(),
        group: None,
        width,
        kind,
    };
    let columns = vec![
        column("STT", 6.0, ColumnKind::Text),
        column("Nội dung nhiệm vụ", 48.0, ColumnKind::Text),
        column("Cơ quan chủ trì", 24.0, ColumnKind::Text),
        column("Thời hạn", 12.0, ColumnKind::Date),
        column("Trạng thái", 16.0, ColumnKind::Text),
        column("Tình hình thực hiện", 16.0, ColumnKind::Text),
        column("Tiến độ (%)", 9.0, ColumnKind::Integer),
    ];
    let mut order: Vec<i64> = Vec::new();
    for t in &tasks {
        if !order.contains(&t.directive_id) {
            order.push(t.directive_id);
        }
    }
    let leads: Vec<i64> = tasks.iter().map(|t| t.lead_unit_id).collect();
    let names = units::names(conn, &leads)?;
    let mut rows = Vec::with_capacity(tasks.len() + order.len());
    for (g, directive_id) in order.iter().enumerate() {
        let d = store::get_directive(conn, *directive_id)?;
        let mut group = vec![Cell::Empty; columns.len()];
        group[0] = Cell::Text(roman(u32::try_from(g + 1).unwrap_or(u32::MAX)));
        group[1] = Cell::Text(format!(
            "{} ngày {}: {}",
            d.number,
            d.issued_on.format("%d/%m/%Y"),
            d.summary
        ));
        rows.push(Row {
            style: RowStyle::Group,
            cells: group,
        });
        for (i, t) in tasks
            .iter()
            .filter(|t| t.directive_id == *directive_id)
            .enumerate()
        {
            let lead = names.get(&t.lead_unit_id).cloned().unwrap_or_default();
            rows.push(Row {
                style: RowStyle::Detail,
                cells: vec![
                    Cell::Text((i + 1).to_string()),
                    Cell::Text(t.content.clone()),
                    Cell::Text(lead),
                    t.deadline
                        .map_or(Cell::Text("Thường xuyên".into()), Cell::Date),
                    Cell::Text(t.state.label_vi().into()),
                    Cell::Text(t.timeliness.label_vi().into()),
                    Cell::Int(i64::from(t.progress_percent)),
                ],
            });
        }
    }
    let report = Report {
        issuing_body: "UBND".into(),
        issuing_office: Some("Văn phòng".into()),
        place_and_date: interchange::report::vietnamese_date_line("", as_of),
        title: "DANH MỤC NHIỆM VỤ ĐƯỢC GIAO".into(),
        subtitle: Some(format!("Số liệu đến ngày {}", as_of.format("%d/%m/%Y"))),
        amount_unit: None,
        columns,
        rows,
        signer_title: "CHÁNH VĂN PHÒNG".into(),
        signer_name: String::new(),
        recipients: vec!["Lưu: VT".into()],
        chart: None,
        sheet_name: "Danh mục nhiệm vụ".into(),
    };
    interchange::report::write_xlsx(&report).map_err(ApiError::internal)
}

/// The task list (same filters, sort and paging as `GET /tasks`; without
/// `limit`, up to 10,000 tasks from `offset`) as an `.xlsx` report, grouped
/// by directive.
#[utoipa::path(
    operation_id = "export_tasks",
    tag = "tasks",
    security(("bearer" = [])),
    params(TaskQuery),
    responses(
        (status = 200, description = "The report", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = crate::routes::task_stats::XlsxFile),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/tasks/export.xlsx")]
pub async fn export_tasks(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<TaskQuery>,
) -> ApiResult<HttpResponse> {
    state.reports.check(&actor)?;
    let q = query.into_inner();
    let (limit, offset) = Paging::new(q.limit, q.offset).resolve()?;
    let filter = TaskFilter {
        limit: if q.limit.is_some() {
            limit
        } else {
            EXPORT_LIMIT
        },
        offset,
        ..task_filter(&actor, &q)?
    };
    let bytes = state
        .db
        .run(move |conn| {
            let (rows, _) = store::list_tasks(conn, &filter)?;
            let tasks = task_views(conn, rows)?;
            task_list_report(conn, tasks, filter.today)
        })
        .await?;
    Ok(crate::routes::task_stats::xlsx_response(
        bytes,
        "danh-muc-nhiem-vu.xlsx",
    ))
}
