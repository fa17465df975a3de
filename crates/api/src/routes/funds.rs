//! Programme funds over HTTP: programmes as data, projects, allocations
//! (with adjustments), disbursements, and the allocation report of a
//! subtree. Every amount is whole đồng (`i64`); the rules are
//! `domain::funds`, checked in the same transaction that writes.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime, Utc};
use domain::access::Action;
use domain::funds::{self as rules, Balance, FundKey, FundRuleError};
use persistence::funds::{
    self as store, AllocationRow, DisbursementRow, FundFilter, Holder, NewAllocation,
    NewDisbursement, NewProject, ProjectRow,
};
use persistence::{units, DbConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode, Problem};
use crate::extract::ValidJson;
use crate::state::AppState;

fn field(name: &str, code: &str, message: &str) -> ApiError {
    ApiError::field(name, code, message)
}

fn rule_error(e: FundRuleError) -> ApiError {
    ApiError::field("amount", e.code(), e.message_vi())
}

/// A programme component (*dự án / tiểu dự án / nội dung thành phần*).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Component {
    pub id: i64,
    pub parent_id: Option<i64>,
    #[schema(example = "CSHT")]
    pub code: String,
    #[schema(example = "Hỗ trợ đầu tư cơ sở hạ tầng")]
    pub name: String,
}

/// A phase of a programme.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Phase {
    pub id: i64,
    #[schema(example = "Giai đoạn III")]
    pub name: String,
    pub start_year: i32,
    pub end_year: i32,
    #[schema(example = "551/QĐ-TTg")]
    pub decision: String,
}

/// A programme with its phases and components.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Programme {
    pub id: i64,
    #[schema(example = "P135")]
    pub code: String,
    #[schema(example = "Chương trình 135")]
    pub name: String,
    pub legal_basis: String,
    pub phases: Vec<Phase>,
    pub components: Vec<Component>,
}

fn programme_view(conn: &mut DbConnection, row: store::ProgrammeRow) -> ApiResult<Programme> {
    let phases = store::phases(conn, row.id)?
        .into_iter()
        .map(|p| Phase {
            id: p.id,
            name: p.name,
            start_year: p.start_year,
            end_year: p.end_year,
            decision: p.decision,
        })
        .collect();
    let components = store::components(conn, row.id)?
        .into_iter()
        .map(|c| Component {
            id: c.id,
            parent_id: c.parent_id,
            code: c.code,
            name: c.name,
        })
        .collect();
    Ok(Programme {
        id: row.id,
        code: row.code,
        name: row.name,
        legal_basis: row.legal_basis,
        phases,
        components,
    })
}

/// Programmes, with their phases and components.
#[utoipa::path(
    operation_id = "list_programmes",
    tag = "funds",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Programme>, example = json!([{"id": 1, "code": "P135", "name": "Chương trình 135", "legal_basis": "Quyết định 135/1998/QĐ-TTg", "phases": [], "components": []}])))
)]
#[get("/programmes")]
pub async fn list_programmes(
    state: web::Data<AppState>,
    _actor: Actor,
) -> ApiResult<web::Json<Vec<Programme>>> {
    let list = state
        .db
        .run(|conn| -> ApiResult<Vec<Programme>> {
            store::list_programmes(conn)?
                .into_iter()
                .map(|row| programme_view(conn, row))
                .collect()
        })
        .await?;
    Ok(web::Json(list))
}

/// A phase to define.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct NewPhaseBody {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(range(min = 1990, max = 2100))]
    #[schema(minimum = 1990, maximum = 2100)]
    pub start_year: i32,
    #[validate(range(min = 1990, max = 2100))]
    #[schema(minimum = 1990, maximum = 2100)]
    pub end_year: i32,
    #[serde(default)]
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub decision: String,
}

/// A component to define; `parent_code` nests it under an earlier one.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct NewComponentBody {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub code: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    pub parent_code: Option<String>,
}

/// A programme to define, as data.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"code": "MTQG-2026", "name": "Chương trình mục tiêu quốc gia 2026–2035", "legal_basis": "Nghị quyết của Quốc hội", "phases": [{"name": "Giai đoạn I", "start_year": 2026, "end_year": 2030}], "components": [{"code": "CSHT", "name": "Đầu tư cơ sở hạ tầng"}]}))]
pub struct NewProgrammeBody {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub code: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub legal_basis: String,
    #[serde(default)]
    #[validate(length(max = 20), nested)]
    #[schema(max_items = 20)]
    pub phases: Vec<NewPhaseBody>,
    #[serde(default)]
    #[validate(length(max = 200), nested)]
    #[schema(max_items = 200)]
    pub components: Vec<NewComponentBody>,
}

/// Stores a programme with its phases and components (also the seed's
/// path).
pub fn define_programme(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &NewProgrammeBody,
) -> ApiResult<Programme> {
    actor.authorize(Action::ManageProgrammes, domain::access::Target::Global)?;
    let row = store::insert_programme(
        conn,
        body.code.trim(),
        &domain::text::canonical(&body.name),
        &domain::text::canonical(&body.legal_basis),
    )?;
    for (i, phase) in body.phases.iter().enumerate() {
        if phase.end_year < phase.start_year {
            return Err(field(
                &format!("phases[{i}].end_year"),
                "before_start",
                "Năm kết thúc trước năm bắt đầu (end year before start year)",
            ));
        }
        store::insert_phase(
            conn,
            row.id,
            &domain::text::canonical(&phase.name),
            (phase.start_year, phase.end_year),
            phase.decision.trim(),
        )?;
    }
    let mut codes: HashMap<String, i64> = HashMap::new();
    for (i, c) in body.components.iter().enumerate() {
        let parent = match &c.parent_code {
            None => None,
            Some(code) => Some(*codes.get(code.trim()).ok_or_else(|| {
                field(
                    &format!("components[{i}].parent_code"),
                    "unknown",
                    "Thành phần cha phải được khai báo trước (the parent must come earlier)",
                )
            })?),
        };
        let comp = store::insert_component(
            conn,
            row.id,
            parent,
            c.code.trim(),
            &domain::text::canonical(&c.name),
        )
        .map_err(|e| match e {
            persistence::PersistenceError::UniqueViolation { .. } => field(
                &format!("components[{i}].code"),
                "duplicate",
                "Mã thành phần bị trùng (duplicate component code)",
            ),
            other => other.into(),
        })?;
        codes.insert(comp.code.clone(), comp.id);
    }
    persistence::audit::append(
        conn,
        actor.audit(
            "programme.create",
            "programme",
            row.id,
            None,
            Some(serde_json::json!({"code": row.code, "name": row.name})),
        ),
    )?;
    programme_view(conn, row)
}

/// Define a programme with its phases and components (fund managers,
/// administrators). Nothing about any programme is built in.
#[utoipa::path(
    operation_id = "create_programme",
    tag = "funds",
    security(("bearer" = [])),
    request_body = NewProgrammeBody,
    responses(
        (status = 201, body = Programme),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/programmes")]
pub async fn create_programme(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<NewProgrammeBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let programme = state
        .db
        .write(move |conn| define_programme(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(programme))
}

/// A fund source (*nguồn vốn*).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FundSource {
    pub id: i64,
    #[schema(example = "NSTW_DTPT")]
    pub code: String,
    #[schema(example = "Ngân sách trung ương - vốn đầu tư phát triển")]
    pub name: String,
}

/// The fund sources.
#[utoipa::path(
    operation_id = "list_fund_sources",
    tag = "funds",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<FundSource>, example = json!([{"id": 1, "code": "NSTW_DTPT", "name": "Ngân sách trung ương - vốn đầu tư phát triển"}])))
)]
#[get("/fund-sources")]
pub async fn list_fund_sources(
    state: web::Data<AppState>,
    _actor: Actor,
) -> ApiResult<web::Json<Vec<FundSource>>> {
    let rows = state.db.run(store::sources).await?;
    Ok(web::Json(
        rows.into_iter()
            .map(|s| FundSource {
                id: s.id,
                code: s.code,
                name: s.name,
            })
            .collect(),
    ))
}

/// The key fields every entry carries.
#[derive(Debug, Clone, Copy, Deserialize, Validate, ToSchema)]
pub struct KeyBody {
    pub programme_id: i64,
    /// The budget year.
    #[validate(range(min = 1990, max = 2100))]
    #[schema(minimum = 1990, maximum = 2100)]
    pub year: i32,
    pub component_id: i64,
    pub source_id: i64,
}

impl KeyBody {
    fn key(self) -> FundKey {
        FundKey {
            programme_id: self.programme_id,
            year: self.year,
            component_id: self.component_id,
            source_id: self.source_id,
        }
    }
}

/// Checks that the programme, component and source exist and belong
/// together.
/// The component exists and is one of the programme's (422 on
/// `component_id` otherwise).
fn ensure_component(
    conn: &mut DbConnection,
    programme_id: i64,
    component_id: i64,
) -> ApiResult<()> {
    match store::get_component(conn, component_id) {
        Ok(c) if c.programme_id == programme_id => Ok(()),
        _ => Err(field(
            "component_id",
            "unknown",
            "Thành phần không thuộc chương trình (the component is not part of the programme)",
        )),
    }
}

fn check_key(conn: &mut DbConnection, key: FundKey) -> ApiResult<()> {
    store::get_programme(conn, key.programme_id).map_err(|_| {
        field(
            "programme_id",
            "unknown",
            "Không có chương trình này (no such programme)",
        )
    })?;
    ensure_component(conn, key.programme_id, key.component_id)?;
    if !store::sources(conn)?.iter().any(|s| s.id == key.source_id) {
        return Err(field(
            "source_id",
            "unknown",
            "Không có nguồn vốn này (no such fund source)",
        ));
    }
    Ok(())
}

/// A project (*dự án, công trình*).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Project {
    pub id: i64,
    pub unit_id: i64,
    pub programme_id: i64,
    pub component_id: i64,
    #[schema(example = "Đường giao thông thôn Đồng Sơn")]
    pub name: String,
    /// *Chủ đầu tư*.
    #[schema(example = "UBND xã Tân Sơn")]
    pub investor: String,
    /// Planned cost in đồng.
    #[schema(example = 1_250_000_000_i64)]
    pub planned_cost: i64,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    pub status: ProjectStatus,
}

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Planned,
    InProgress,
    Completed,
    Suspended,
}

impl ProjectStatus {
    fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Suspended => "suspended",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "in_progress" => Self::InProgress,
            "completed" => Self::Completed,
            "suspended" => Self::Suspended,
            _ => Self::Planned,
        }
    }

    /// What an official report writes.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Planned => "Chưa khởi công",
            Self::InProgress => "Đang thực hiện",
            Self::Completed => "Đã hoàn thành",
            Self::Suspended => "Tạm dừng",
        }
    }
}

impl From<ProjectRow> for Project {
    fn from(p: ProjectRow) -> Self {
        Self {
            id: p.id,
            unit_id: p.unit_id,
            programme_id: p.programme_id,
            component_id: p.component_id,
            name: p.name,
            investor: p.investor,
            planned_cost: p.planned_cost,
            start_on: p.start_on,
            end_on: p.end_on,
            status: ProjectStatus::parse(&p.status),
        }
    }
}

/// A project to register.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"unit_id": 1201, "programme_id": 1, "component_id": 2, "name": "Đường giao thông thôn Đồng Sơn", "investor": "UBND xã Tân Sơn", "planned_cost": 1_250_000_000_i64, "start_on": "2026-03-01", "end_on": "2026-12-31"}))]
pub struct NewProjectBody {
    pub unit_id: i64,
    pub programme_id: i64,
    pub component_id: i64,
    #[validate(length(min = 1, max = 500, message = "Tên dự án từ 1 đến 500 ký tự"))]
    #[schema(min_length = 1, max_length = 500)]
    pub name: String,
    #[serde(default)]
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub investor: String,
    #[validate(range(min = 0, message = "Tổng mức đầu tư không âm (planned cost ≥ 0)"))]
    #[schema(minimum = 0)]
    pub planned_cost: i64,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    pub status: Option<ProjectStatus>,
}

/// Register a project of a unit (fund managers in scope).
#[utoipa::path(
    operation_id = "create_fund_project",
    tag = "funds",
    security(("bearer" = [])),
    request_body = NewProjectBody,
    responses(
        (status = 201, body = Project),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/fund-projects")]
pub async fn create_fund_project(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<NewProjectBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let project = state
        .db
        .write(move |conn| register_project(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(project))
}

/// Checks and registers a project (also the demo seed's path).
pub fn register_project(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &NewProjectBody,
) -> ApiResult<Project> {
    actor.authorize_unit_with_heirs(conn, Action::ManageFunds, body.unit_id)?;
    ensure_component(conn, body.programme_id, body.component_id)?;
    if let (Some(start), Some(end)) = (body.start_on, body.end_on) {
        if end < start {
            return Err(field(
                "end_on",
                "before_start",
                "Ngày kết thúc trước ngày khởi công (end before start)",
            ));
        }
    }
    let row = store::insert_project(
        conn,
        &NewProject {
            unit_id: body.unit_id,
            programme_id: body.programme_id,
            component_id: body.component_id,
            name: domain::text::canonical(&body.name),
            investor: domain::text::canonical(&body.investor),
            planned_cost: body.planned_cost,
            start_on: body.start_on,
            end_on: body.end_on,
            status: body
                .status
                .unwrap_or(ProjectStatus::Planned)
                .as_str()
                .into(),
            created_by: actor.user_id(),
            created_at: Utc::now().naive_utc(),
        },
    )?;
    persistence::audit::append(
        conn,
        actor.audit(
            "fund_project.create",
            "fund_project",
            row.id,
            None,
            Some(serde_json::json!({"unit_id": row.unit_id, "name": row.name, "planned_cost": row.planned_cost})),
        ),
    )?;
    Ok(row.into())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    pub programme_id: Option<i64>,
}

/// Projects in the caller's scope.
#[utoipa::path(
    operation_id = "list_fund_projects",
    tag = "funds",
    security(("bearer" = [])),
    params(ProjectQuery),
    responses((status = 200, body = Vec<Project>, example = json!([{"id": 1, "unit_id": 1201, "programme_id": 1, "component_id": 2, "name": "Đường giao thông thôn Đồng Sơn", "investor": "UBND xã Tân Sơn", "planned_cost": 1_250_000_000_i64, "start_on": "2026-03-01", "end_on": "2026-12-31", "status": "in_progress"}])))
)]
#[get("/fund-projects")]
pub async fn list_fund_projects(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<ProjectQuery>,
) -> ApiResult<web::Json<Vec<Project>>> {
    let roots = actor.scope_roots(Action::ViewFunds)?;
    let programme = query.into_inner().programme_id;
    let rows = state
        .db
        .run(move |conn| -> ApiResult<_> {
            let roots = units::with_predecessors(conn, roots)?;
            Ok(store::list_projects(conn, roots.as_deref(), programme)?)
        })
        .await?;
    Ok(web::Json(rows.into_iter().map(Project::from).collect()))
}

/// An allocation (*phân bổ, giao vốn*) or an adjustment of one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Allocation {
    pub id: i64,
    pub programme_id: i64,
    pub year: i32,
    pub component_id: i64,
    pub source_id: i64,
    /// None: the envelope received from above.
    pub from_unit_id: Option<i64>,
    pub to_unit_id: Option<i64>,
    pub to_project_id: Option<i64>,
    /// đồng; an adjustment may be negative.
    #[schema(example = 3_500_000_000_i64)]
    pub amount: i64,
    /// The allocation this adjusts.
    pub adjusts_id: Option<i64>,
    #[schema(example = "1520/QĐ-UBND")]
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub note: String,
    #[serde(with = "crate::utc")]
    pub created_at: NaiveDateTime,
    /// The giver's position after this entry (root: none; not in lists).
    pub from_balance: Option<Balance>,
    /// The receiver's position after this entry (not in lists).
    pub to_balance: Option<Balance>,
}

fn allocation_view(conn: &mut DbConnection, row: AllocationRow) -> ApiResult<Allocation> {
    let key = row.key();
    let from_balance = match row.from_unit_id {
        Some(u) => Some(store::balance(conn, Holder::Unit(u), key)?),
        None => None,
    };
    let to = row
        .to()
        .ok_or_else(|| ApiError::internal("allocation without receiver"))?;
    let to_balance = Some(store::balance(conn, to, key)?);
    Ok(Allocation {
        from_balance,
        to_balance,
        ..allocation_item(row)
    })
}

/// An allocation as listed (no balances).
fn allocation_item(row: AllocationRow) -> Allocation {
    Allocation {
        id: row.id,
        programme_id: row.programme_id,
        year: row.year,
        component_id: row.component_id,
        source_id: row.source_id,
        from_unit_id: row.from_unit_id,
        to_unit_id: row.to_unit_id,
        to_project_id: row.to_project_id,
        amount: row.amount,
        adjusts_id: row.adjusts_id,
        decision_number: row.decision_number,
        decision_date: row.decision_date,
        note: row.note,
        created_at: row.created_at,
        from_balance: None,
        to_balance: None,
    }
}

/// The decision an entry is made under.
#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct DecisionBody {
    /// Number and symbol of the decision (*số quyết định*).
    #[validate(length(min = 1, max = 100, message = "Số quyết định từ 1 đến 100 ký tự"))]
    #[schema(min_length = 1, max_length = 100)]
    pub decision_number: String,
    pub decision_date: NaiveDate,
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: String,
}

/// An allocation to record: from a unit (or from above when
/// `from_unit_id` is absent) to a unit below it or to a project under it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"programme_id": 1, "year": 2026, "component_id": 2, "source_id": 1, "from_unit_id": 12, "to_unit_id": 1201, "amount": 3_500_000_000_i64, "decision_number": "1520/QĐ-UBND", "decision_date": "2026-02-15"}))]
pub struct NewAllocationBody {
    #[serde(flatten)]
    #[validate(nested)]
    pub key: KeyBody,
    pub from_unit_id: Option<i64>,
    pub to_unit_id: Option<i64>,
    pub to_project_id: Option<i64>,
    /// đồng, > 0.
    pub amount: i64,
    #[serde(flatten)]
    #[validate(nested)]
    pub decision: DecisionBody,
}

/// The project an entry names, which must be of the entry's programme and
/// component.
fn project_for_key(
    conn: &mut DbConnection,
    id: i64,
    key: FundKey,
    name: &str,
) -> ApiResult<ProjectRow> {
    let project = store::get_project(conn, id)
        .map_err(|_| field(name, "unknown", "Không có dự án này (no such project)"))?;
    if project.programme_id != key.programme_id || project.component_id != key.component_id {
        return Err(field(
            name,
            "other_component",
            "Dự án thuộc chương trình hoặc thành phần khác \
             (the project belongs to another programme or component)",
        ));
    }
    Ok(project)
}

/// Locks the holders in a stable order, then reads their balances.
fn lock_all(conn: &mut DbConnection, mut holders: Vec<Holder>, key: FundKey) -> ApiResult<()> {
    holders.sort();
    holders.dedup();
    for h in holders {
        store::lock_holder(conn, h, key)?;
    }
    Ok(())
}

/// Checks and records an allocation (also the demo seed's path).
pub fn record_allocation(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &NewAllocationBody,
) -> ApiResult<Allocation> {
    let key = body.key.key();
    check_key(conn, key)?;
    let to = match (body.to_unit_id, body.to_project_id) {
        (Some(u), None) => Holder::Unit(u),
        (None, Some(p)) => Holder::Project(p),
        _ => {
            return Err(field(
                "to_unit_id",
                "one_receiver",
                "Chọn đúng một nơi nhận: đơn vị hoặc dự án (give exactly one of to_unit_id and to_project_id)",
            ))
        }
    };
    let to_unit = match to {
        Holder::Unit(u) => u,
        Holder::Project(p) => {
            let project = project_for_key(conn, p, key, "to_project_id")?;
            project.unit_id
        }
    };
    let to_ancestry = units::ancestry(conn, to_unit).map_err(|_| {
        field(
            "to_unit_id",
            "unknown",
            "Không có đơn vị này (no such unit)",
        )
    })?;
    match body.from_unit_id {
        Some(from) => {
            actor.authorize_unit_with_heirs(conn, Action::ManageFunds, from)?;
            let below = to_ancestry.contains(&from)
                && (to_unit != from || matches!(to, Holder::Project(_)));
            if !below {
                return Err(field(
                    "to_unit_id",
                    "not_below",
                    "Chỉ phân bổ cho đơn vị cấp dưới hoặc dự án của đơn vị mình \
                     (allocate only to a unit below, or to a project of your own subtree)",
                ));
            }
        }
        None => actor.authorize_unit_with_heirs(conn, Action::ManageFunds, to_unit)?,
    }
    let giver = body.from_unit_id.map(Holder::Unit);
    lock_all(conn, giver.into_iter().chain([to]).collect(), key)?;
    let parent = match giver {
        Some(g) => Some(store::balance(conn, g, key)?),
        None => None,
    };
    let child = store::balance(conn, to, key)?;
    rules::check_allocation(&rules::AllocationCheck {
        parent,
        child,
        amount: body.amount,
        adjusts: None,
    })
    .map_err(rule_error)?;
    let row = store::insert_allocation(
        conn,
        &NewAllocation {
            programme_id: key.programme_id,
            year: key.year,
            component_id: key.component_id,
            source_id: key.source_id,
            from_unit_id: body.from_unit_id,
            to_unit_id: body.to_unit_id,
            to_project_id: body.to_project_id,
            amount: body.amount,
            adjusts_id: None,
            decision_number: domain::text::canonical(&body.decision.decision_number),
            decision_date: body.decision.decision_date,
            note: domain::text::canonical(&body.decision.note),
            created_by: actor.user_id(),
            created_at: Utc::now().naive_utc(),
        },
    )?;
    audit_allocation(conn, actor, &row)?;
    allocation_view(conn, row)
}

fn audit_allocation(conn: &mut DbConnection, actor: &Actor, row: &AllocationRow) -> ApiResult<()> {
    persistence::audit::append(
        conn,
        actor.audit(
            if row.adjusts_id.is_some() { "allocation.adjust" } else { "allocation.create" },
            "allocation",
            row.id,
            None,
            Some(serde_json::json!({
                "key": row.key(), "from_unit_id": row.from_unit_id, "to_unit_id": row.to_unit_id,
                "to_project_id": row.to_project_id, "amount": row.amount, "adjusts_id": row.adjusts_id,
                "decision_number": row.decision_number
            })),
        ),
    )?;
    Ok(())
}

/// Record an allocation. What a unit passes down for a programme, year,
/// component and source never exceeds what it received (less what it
/// disbursed itself); concurrent allocations against the same giver are
/// serialised, so it is never overdrawn. A refusal is a 422 on `amount`
/// with the rule's code (`overdraw`, `non_positive_amount`, …).
#[utoipa::path(
    operation_id = "create_allocation",
    tag = "funds",
    security(("bearer" = [])),
    request_body = NewAllocationBody,
    responses(
        (status = 201, body = Allocation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid, or refused by the conservation rule", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/allocations")]
pub async fn create_allocation(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<NewAllocationBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let allocation = state
        .db
        .write(move |conn| record_allocation(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(allocation))
}

/// An adjustment (*điều chỉnh*) of an allocation: a signed amount.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"amount": -200_000_000_i64, "decision_number": "2011/QĐ-UBND", "decision_date": "2026-08-01", "note": "Điều chỉnh giảm do dự án hoàn thành"}))]
pub struct AdjustmentBody {
    /// đồng; negative takes money back, never below what the receiver
    /// already passed down or disbursed.
    pub amount: i64,
    #[serde(flatten)]
    #[validate(nested)]
    pub decision: DecisionBody,
}

/// Adjust an allocation with a new signed entry; the original is kept.
#[utoipa::path(
    operation_id = "adjust_allocation",
    tag = "funds",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The allocation to adjust (the original, not an adjustment)", example = 1)),
    request_body = AdjustmentBody,
    responses(
        (status = 201, body = Allocation),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The allocation is itself an adjustment: adjust the original", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/allocations/{id}/adjustments")]
pub async fn adjust_allocation(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<AdjustmentBody>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.0);
    let allocation = state
        .db
        .write(move |conn| -> ApiResult<Allocation> {
            let original = store::get_allocation(conn, id)?;
            if original.adjusts_id.is_some() {
                return Err(ApiError::with_detail(
                    ErrorCode::Conflict,
                    "Điều chỉnh khoản phân bổ gốc, không điều chỉnh một điều chỉnh \
                     (adjust the original allocation, not an adjustment)",
                ));
            }
            let key = original.key();
            let to = original
                .to()
                .ok_or_else(|| ApiError::internal("allocation without receiver"))?;
            let unit = match (original.from_unit_id, to) {
                (Some(from), _) => from,
                (None, Holder::Unit(u)) => u,
                (None, Holder::Project(p)) => store::get_project(conn, p)?.unit_id,
            };
            actor.authorize_unit_with_heirs(conn, Action::ManageFunds, unit)?;
            let giver = original.from_unit_id.map(Holder::Unit);
            lock_all(conn, giver.into_iter().chain([to]).collect(), key)?;
            let parent = match giver {
                Some(g) => Some(store::balance(conn, g, key)?),
                None => None,
            };
            rules::check_allocation(&rules::AllocationCheck {
                parent,
                child: store::balance(conn, to, key)?,
                amount: body.amount,
                adjusts: Some(store::chain_total(conn, id)?),
            })
            .map_err(rule_error)?;
            let row = store::insert_allocation(
                conn,
                &NewAllocation {
                    programme_id: key.programme_id,
                    year: key.year,
                    component_id: key.component_id,
                    source_id: key.source_id,
                    from_unit_id: original.from_unit_id,
                    to_unit_id: original.to_unit_id,
                    to_project_id: original.to_project_id,
                    amount: body.amount,
                    adjusts_id: Some(id),
                    decision_number: domain::text::canonical(&body.decision.decision_number),
                    decision_date: body.decision.decision_date,
                    note: domain::text::canonical(&body.decision.note),
                    created_by: actor.user_id(),
                    created_at: Utc::now().naive_utc(),
                },
            )?;
            audit_allocation(conn, &actor, &row)?;
            allocation_view(conn, row)
        })
        .await?;
    Ok(HttpResponse::Created().json(allocation))
}

/// A disbursement (*giải ngân*) as recorded.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Disbursement {
    pub id: i64,
    pub programme_id: i64,
    pub year: i32,
    pub component_id: i64,
    pub source_id: i64,
    pub unit_id: Option<i64>,
    pub project_id: Option<i64>,
    /// đồng; a reversal is negative.
    #[schema(example = 450_000_000_i64)]
    pub amount: i64,
    pub reversal: bool,
    pub paid_on: NaiveDate,
    #[schema(example = "PC-0012/2026")]
    pub voucher: String,
    pub note: String,
    /// The spender's position after it (not in lists).
    pub balance: Option<Balance>,
}

/// A disbursement to record, by a unit or by a project.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"programme_id": 1, "year": 2026, "component_id": 2, "source_id": 1, "project_id": 7, "amount": 450_000_000_i64, "paid_on": "2026-06-30", "voucher": "PC-0012/2026"}))]
pub struct NewDisbursementBody {
    #[serde(flatten)]
    #[validate(nested)]
    pub key: KeyBody,
    pub unit_id: Option<i64>,
    pub project_id: Option<i64>,
    /// đồng: > 0, or < 0 with `reversal`.
    pub amount: i64,
    /// A reversal (*thu hồi*) of earlier payments.
    #[serde(default)]
    pub reversal: bool,
    pub paid_on: NaiveDate,
    /// The voucher (*chứng từ*) reference.
    #[validate(length(min = 1, max = 100, message = "Số chứng từ từ 1 đến 100 ký tự"))]
    #[schema(min_length = 1, max_length = 100)]
    pub voucher: String,
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: String,
}

fn disbursement_view(conn: &mut DbConnection, row: DisbursementRow) -> ApiResult<Disbursement> {
    let key = FundKey {
        programme_id: row.programme_id,
        year: row.year,
        component_id: row.component_id,
        source_id: row.source_id,
    };
    let holder = match (row.unit_id, row.project_id) {
        (_, Some(p)) => Holder::Project(p),
        (Some(u), None) => Holder::Unit(u),
        (None, None) => return Err(ApiError::internal("disbursement without spender")),
    };
    Ok(Disbursement {
        balance: Some(store::balance(conn, holder, key)?),
        ..disbursement_item(row)
    })
}

/// A disbursement as listed (no balance).
fn disbursement_item(row: DisbursementRow) -> Disbursement {
    Disbursement {
        balance: None,
        id: row.id,
        programme_id: row.programme_id,
        year: row.year,
        component_id: row.component_id,
        source_id: row.source_id,
        unit_id: row.unit_id,
        project_id: row.project_id,
        amount: row.amount,
        reversal: row.reversal,
        paid_on: row.paid_on,
        voucher: row.voucher,
        note: row.note,
    }
}

/// Record a disbursement: never above what the unit or project holds
/// (received less passed down less disbursed); a refusal is a 422 on
/// `amount` with the rule's code.
#[utoipa::path(
    operation_id = "create_disbursement",
    tag = "funds",
    security(("bearer" = [])),
    request_body = NewDisbursementBody,
    responses(
        (status = 201, body = Disbursement),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/disbursements")]
pub async fn create_disbursement(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<NewDisbursementBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let disbursement = state
        .db
        .write(move |conn| record_disbursement(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(disbursement))
}

/// Checks and records a disbursement (also the demo seed's path).
pub fn record_disbursement(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &NewDisbursementBody,
) -> ApiResult<Disbursement> {
    let key = body.key.key();
    check_key(conn, key)?;
    let (holder, unit) = match (body.unit_id, body.project_id) {
        (Some(u), None) => (Holder::Unit(u), u),
        (None, Some(p)) => {
            let project = project_for_key(conn, p, key, "project_id")?;
            (Holder::Project(p), project.unit_id)
        }
        _ => {
            return Err(field(
                "unit_id",
                "one_spender",
                "Chọn đúng một: đơn vị hoặc dự án (give exactly one of unit_id and project_id)",
            ))
        }
    };
    actor.authorize_unit_with_heirs(conn, Action::RecordDisbursements, unit)?;
    lock_all(conn, vec![holder], key)?;
    let balance = store::balance(conn, holder, key)?;
    rules::check_disbursement(&balance, body.amount, body.reversal).map_err(rule_error)?;
    let row = store::insert_disbursement(
        conn,
        &NewDisbursement {
            programme_id: key.programme_id,
            year: key.year,
            component_id: key.component_id,
            source_id: key.source_id,
            unit_id: body.unit_id,
            project_id: body.project_id,
            amount: body.amount,
            reversal: body.reversal,
            paid_on: body.paid_on,
            voucher: domain::text::canonical(&body.voucher),
            note: domain::text::canonical(&body.note),
            created_by: actor.user_id(),
            created_at: Utc::now().naive_utc(),
        },
    )?;
    persistence::audit::append(
        conn,
        actor.audit(
            "disbursement.create",
            "disbursement",
            row.id,
            None,
            Some(serde_json::json!({"key": key, "unit_id": row.unit_id, "project_id": row.project_id, "amount": row.amount, "voucher": row.voucher})),
        ),
    )?;
    disbursement_view(conn, row)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FundReportQuery {
    /// The unit whose subtree is reported.
    #[param(example = 12)]
    pub unit_id: i64,
    #[param(example = 1)]
    pub programme_id: i64,
    #[param(example = 2026)]
    pub year_from: i32,
    /// Defaults to `year_from`.
    pub year_to: Option<i32>,
    /// One component (with those nested under it).
    pub component_id: Option<i64>,
    /// `current` rolls figures recorded against units since merged onto
    /// today's units.
    #[serde(default)]
    pub as_of_structure: Structure,
    pub source_id: Option<i64>,
}

/// One row of a fund report: a child unit's subtree, or the unit itself.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FundReportRow {
    pub unit_id: i64,
    #[schema(example = "Xã Tân Sơn")]
    pub unit_name: String,
    /// Planned cost of the programme's projects in it running in the
    /// period, đồng.
    pub planned: i64,
    /// Received into it from outside it, đồng.
    pub allocated: i64,
    /// Disbursed by its units and projects, đồng.
    pub disbursed: i64,
    /// `allocated − disbursed`.
    pub remaining: i64,
    /// `disbursed / allocated` in basis points (10000 = 100 %); none when
    /// nothing was allocated.
    pub disbursement_rate_bp: Option<i64>,
}

/// A unit's subtree rolled up: one row per child unit with money or
/// projects in the period, one for the unit's own holdings (its own
/// disbursements and projects), and the total.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FundReport {
    pub unit_id: i64,
    pub unit_name: String,
    pub programme_id: i64,
    pub year_from: i32,
    pub year_to: i32,
    /// The unit's own holdings: what it received less what it passed to
    /// its children, its own disbursements and projects. `own` plus `rows`
    /// adds up to `total`.
    pub own: FundReportRow,
    pub rows: Vec<FundReportRow>,
    pub total: FundReportRow,
}

#[derive(Default, Clone, Copy)]
struct Sums {
    planned: i64,
    allocated: i64,
    disbursed: i64,
}

fn report_row(unit_id: i64, unit_name: String, s: Sums) -> FundReportRow {
    FundReportRow {
        unit_id,
        unit_name,
        planned: s.planned,
        allocated: s.allocated,
        disbursed: s.disbursed,
        remaining: rules::remaining(s.allocated, s.disbursed),
        disbursement_rate_bp: rules::disbursement_rate(s.disbursed, s.allocated).map(|r| r.0),
    }
}

/// Which unit tree figures are reported against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Structure {
    /// The units the money was recorded against.
    #[default]
    Recorded,
    /// Today's units: money recorded against units since merged or split
    /// is moved onto their successors, exactly (largest remainder by the
    /// links' weights).
    Current,
}

type Flows = (Vec<store::Flow>, Vec<(i64, i64)>, Vec<(i64, i64)>);

/// The flows of `root`'s subtree and of every unit that has since gone
/// into it, moved onto today's units. Money held by a unit with no
/// successor under `root` (an abolished district's own holdings) stays
/// where it was and so outside the report.
fn current_structure_flows(
    conn: &mut DbConnection,
    root: i64,
    filter: &FundFilter,
) -> ApiResult<Flows> {
    use domain::units::{current_shares, roll_up};
    let links = store::successor_links(conn)?;
    let mut predecessors: HashMap<i64, Vec<i64>> = HashMap::new();
    for link in &links {
        predecessors
            .entry(link.successor)
            .or_default()
            .push(link.predecessor);
    }
    let mut seen: std::collections::HashSet<i64> =
        store::subtree_units(conn, root)?.into_iter().collect();
    let mut stack: Vec<i64> = seen.iter().copied().collect();
    let mut roots = vec![root];
    while let Some(unit) = stack.pop() {
        for p in predecessors.get(&unit).into_iter().flatten() {
            if seen.insert(*p) {
                roots.push(*p);
                stack.push(*p);
            }
        }
    }
    let (flows, spent) = store::subtree_flows(conn, &roots, filter)?;
    let planned = store::subtree_planned(conn, &roots, filter)?;
    let on = NaiveDate::from_ymd_opt(filter.year_from, 1, 1).unwrap_or_default();
    let lineage = |e: domain::units::LineageError| ApiError::internal(e.to_string());
    let remap = |pairs: Vec<(i64, i64)>| -> ApiResult<Vec<(i64, i64)>> {
        let mut out = Vec::with_capacity(pairs.len());
        for pair in pairs {
            out.extend(roll_up(&[pair], on, &links).map_err(lineage)?);
        }
        Ok(out)
    };
    let mut moved = Vec::with_capacity(flows.len());
    for f in flows {
        let from_unit = match f.from_unit {
            Some(u) => current_shares(u, on, &links)
                .map_err(lineage)?
                .first()
                .map(|(unit, _)| *unit),
            None => None,
        };
        for (to_unit, amount) in roll_up(&[(f.to_unit, f.amount)], on, &links).map_err(lineage)? {
            moved.push(store::Flow {
                from_unit,
                to_unit,
                amount,
            });
        }
    }
    Ok((moved, remap(spent)?, remap(planned)?))
}

/// Rolls a subtree's flows up per child of `root`.
pub fn fund_report(
    conn: &mut DbConnection,
    root: i64,
    filter: &FundFilter,
    structure: Structure,
) -> ApiResult<FundReport> {
    let (children, child_of) = store::children_map(conn, root)?;
    let (flows, spent, planned) = match structure {
        Structure::Recorded => {
            let (flows, spent) = store::subtree_flows(conn, &[root], filter)?;
            (flows, spent, store::subtree_planned(conn, &[root], filter)?)
        }
        Structure::Current => current_structure_flows(conn, root, filter)?,
    };
    let in_tree = |unit: i64| unit == root || child_of.contains_key(&unit);
    let flows: Vec<_> = flows.into_iter().filter(|f| in_tree(f.to_unit)).collect();
    let spent: Vec<_> = spent.into_iter().filter(|(u, _)| in_tree(*u)).collect();
    let planned: Vec<_> = planned.into_iter().filter(|(u, _)| in_tree(*u)).collect();
    // None: the root's own bucket.
    let bucket = |unit: i64| -> Option<i64> { child_of.get(&unit).copied() };
    let mut sums: BTreeMap<Option<i64>, Sums> = BTreeMap::new();
    let mut total = Sums::default();
    let add = |a: i64, b: i64| a.saturating_add(b);
    for f in &flows {
        let to = bucket(f.to_unit);
        let from = f
            .from_unit
            .filter(|u| *u == root || child_of.contains_key(u));
        let from_bucket = from.map(bucket);
        // Money entering a bucket from outside it counts as its allocation.
        if from_bucket != Some(to) {
            let s = sums.entry(to).or_default();
            s.allocated = add(s.allocated, f.amount);
            // What the unit passes to a child is no longer its own.
            if from_bucket == Some(None) {
                let own = sums.entry(None).or_default();
                own.allocated = own.allocated.saturating_sub(f.amount);
            }
        }
        if from.is_none() {
            total.allocated = add(total.allocated, f.amount);
        }
    }
    for (unit, amount) in &spent {
        let s = sums.entry(bucket(*unit)).or_default();
        s.disbursed = add(s.disbursed, *amount);
        total.disbursed = add(total.disbursed, *amount);
    }
    for (unit, cost) in &planned {
        let s = sums.entry(bucket(*unit)).or_default();
        s.planned = add(s.planned, *cost);
        total.planned = add(total.planned, *cost);
    }
    let mut ids = children.clone();
    ids.push(root);
    let names = units::names(conn, &ids)?;
    let name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    // Children with no money and no project in the period are left out.
    let mut rows: Vec<FundReportRow> = children
        .iter()
        .filter_map(|c| sums.get(&Some(*c)).map(|s| report_row(*c, name(*c), *s)))
        .collect();
    rows.sort_by_cached_key(|r| domain::text::fold(&r.unit_name));
    Ok(FundReport {
        unit_id: root,
        unit_name: name(root),
        programme_id: filter.programme_id,
        year_from: filter.year_from,
        year_to: filter.year_to,
        own: report_row(
            root,
            name(root),
            sums.get(&None).copied().unwrap_or_default(),
        ),
        rows,
        total: report_row(root, name(root), total),
    })
}

/// Allocation and disbursement of a unit's subtree for a programme and
/// years: per child unit, the unit's own holdings and the total — planned,
/// allocated, disbursed, remaining, disbursement rate. Only for a unit in
/// the caller's scope (404 otherwise).
#[utoipa::path(
    operation_id = "fund_report_allocation",
    tag = "funds",
    security(("bearer" = [])),
    params(FundReportQuery),
    responses(
        (status = 200, body = FundReport, example = json!({"unit_id": 12, "unit_name": "Huyện Tân Sơn", "programme_id": 1, "year_from": 2026, "year_to": 2026,
            "own": {"unit_id": 12, "unit_name": "Huyện Tân Sơn", "planned": 0, "allocated": 0, "disbursed": 0, "remaining": 0, "disbursement_rate_bp": null},
            "rows": [{"unit_id": 1201, "unit_name": "Xã Tân Sơn", "planned": 1_250_000_000_i64, "allocated": 3_500_000_000_i64, "disbursed": 450_000_000_i64, "remaining": 3_050_000_000_i64, "disbursement_rate_bp": 1285}],
            "total": {"unit_id": 12, "unit_name": "Huyện Tân Sơn", "planned": 1_250_000_000_i64, "allocated": 3_500_000_000_i64, "disbursed": 450_000_000_i64, "remaining": 3_050_000_000_i64, "disbursement_rate_bp": 1285}})),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/fund-reports/allocation")]
pub async fn fund_report_allocation(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<FundReportQuery>,
) -> ApiResult<web::Json<FundReport>> {
    state.reports.check(&actor)?;
    let q = query.into_inner();
    let report = state
        .db
        .run(move |conn| -> ApiResult<FundReport> {
            let filter = report_filter(conn, &actor, &q)?;
            fund_report(conn, q.unit_id, &filter, q.as_of_structure)
        })
        .await?;
    Ok(web::Json(report))
}

/// A component and every component nested under it.
pub fn component_with_nested(components: &[store::ComponentRow], id: i64) -> Vec<i64> {
    let mut ids = vec![id];
    let mut i = 0;
    while i < ids.len() {
        let parent = ids[i];
        ids.extend(
            components
                .iter()
                .filter(|c| c.parent_id == Some(parent))
                .map(|c| c.id),
        );
        i += 1;
    }
    ids
}

/// Checks the caller may read the unit's figures and turns the query into
/// a filter (years, the component with its nested ones, the source).
pub fn report_filter(
    conn: &mut DbConnection,
    actor: &Actor,
    q: &FundReportQuery,
) -> ApiResult<FundFilter> {
    let year_to = q.year_to.unwrap_or(q.year_from);
    if year_to < q.year_from {
        return Err(ApiError::field(
            "year_to",
            "before_start",
            "Năm cuối trước năm đầu (year_to before year_from)",
        ));
    }
    actor.authorize_unit_with_heirs(conn, Action::ViewFunds, q.unit_id)?;
    store::get_programme(conn, q.programme_id)?;
    let components = store::components(conn, q.programme_id)?;
    let component_ids =
        match q.component_id {
            None => None,
            Some(c) if components.iter().any(|x| x.id == c) => {
                Some(component_with_nested(&components, c))
            }
            Some(_) => return Err(ApiError::field(
                "component_id",
                "unknown",
                "Thành phần không thuộc chương trình (the component is not part of the programme)",
            )),
        };
    Ok(FundFilter {
        programme_id: q.programme_id,
        year_from: q.year_from,
        year_to,
        component_ids,
        source_id: q.source_id,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FundWarningQuery {
    pub unit_id: i64,
    pub programme_id: i64,
    pub year: i32,
    /// A unit that received money and disbursed nothing is flagged once
    /// this date has passed; defaults to 30 June of the year.
    pub no_disbursement_after: Option<NaiveDate>,
    /// Units below this disbursement rate (basis points, default 5000 =
    /// 50 %) are flagged.
    #[param(minimum = 0, maximum = 10000)]
    pub min_rate_bp: Option<i64>,
}

/// What a manager should look at.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FundWarnings {
    /// Child units that received money for the year and have disbursed
    /// nothing, past the date.
    pub no_disbursement: Vec<FundReportRow>,
    /// Child units below the rate.
    pub low_rate: Vec<FundReportRow>,
    /// Projects of the programme in the subtree past their end date and
    /// not completed.
    pub projects_overdue: Vec<Project>,
    pub as_of: NaiveDate,
}

/// Warnings for a unit's subtree: money not disbursed after a date, a
/// disbursement rate below a threshold, projects past their end date.
#[utoipa::path(
    operation_id = "fund_warnings",
    tag = "funds",
    security(("bearer" = [])),
    params(FundWarningQuery),
    responses(
        (status = 200, body = FundWarnings, example = json!({"no_disbursement": [], "low_rate": [{"unit_id": 1201, "unit_name": "Xã Tân Sơn", "planned": 0, "allocated": 3_500_000_000_i64, "disbursed": 450_000_000_i64, "remaining": 3_050_000_000_i64, "disbursement_rate_bp": 1285}], "projects_overdue": [], "as_of": "2026-11-23"})),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/fund-reports/warnings")]
pub async fn fund_warnings(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<FundWarningQuery>,
) -> ApiResult<web::Json<FundWarnings>> {
    state.reports.check(&actor)?;
    let q = query.into_inner();
    let today = crate::routes::tasks::today();
    let after = q
        .no_disbursement_after
        .or_else(|| NaiveDate::from_ymd_opt(q.year, 6, 30))
        .unwrap_or(today);
    let min_rate = q.min_rate_bp.unwrap_or(5000).clamp(0, 10_000);
    let warnings = state
        .db
        .run(move |conn| -> ApiResult<FundWarnings> {
            let filter = report_filter(
                conn,
                &actor,
                &FundReportQuery {
                    unit_id: q.unit_id,
                    programme_id: q.programme_id,
                    year_from: q.year,
                    year_to: None,
                    component_id: None,
                    source_id: None,
                    as_of_structure: Structure::Recorded,
                },
            )?;
            let report = fund_report(conn, q.unit_id, &filter, Structure::Recorded)?;
            let funded = || report.rows.iter().filter(|r| r.allocated > 0);
            let no_disbursement = if today > after {
                funded().filter(|r| r.disbursed == 0).cloned().collect()
            } else {
                Vec::new()
            };
            let low_rate = funded()
                .filter(|r| r.disbursement_rate_bp.is_some_and(|bp| bp < min_rate))
                .cloned()
                .collect();
            let projects_overdue =
                store::list_projects(conn, Some(&[q.unit_id]), Some(q.programme_id))?
                    .into_iter()
                    .filter(|p| p.end_on.is_some_and(|end| end < today) && p.status != "completed")
                    .map(Project::from)
                    .collect();
            Ok(FundWarnings {
                no_disbursement,
                low_rate,
                projects_overdue,
                as_of: today,
            })
        })
        .await?;
    Ok(web::Json(warnings))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    pub programme_id: Option<i64>,
    pub year: Option<i32>,
    /// Only entries touching this unit's subtree (within the caller's
    /// scope).
    pub unit_id: Option<i64>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The filter a ledger listing runs with: the caller's scope, narrowed to
/// one unit when asked (404 outside the scope).
fn ledger_filter(
    conn: &mut DbConnection,
    actor: &Actor,
    q: &LedgerQuery,
) -> ApiResult<store::LedgerFilter> {
    let (limit, offset) = crate::paging::Paging::new(q.limit, q.offset).resolve()?;
    let roots = match q.unit_id {
        Some(unit) => {
            actor.authorize_unit_with_heirs(conn, Action::ViewFunds, unit)?;
            Some(vec![unit])
        }
        None => units::with_predecessors(conn, actor.scope_roots(Action::ViewFunds)?)?,
    };
    Ok(store::LedgerFilter {
        roots,
        programme_id: q.programme_id,
        year: q.year,
        limit,
        offset,
    })
}

/// Allocations and adjustments touching the caller's units, newest first.
#[utoipa::path(
    operation_id = "list_allocations",
    tag = "funds",
    security(("bearer" = [])),
    params(LedgerQuery),
    responses(
        (status = 200, body = crate::paging::Page<Allocation>, example = json!({"items": [{"id": 3, "programme_id": 1, "year": 2026, "component_id": 1, "source_id": 1, "from_unit_id": 515, "to_unit_id": 1201, "to_project_id": null, "amount": 3_000_000_000_i64, "adjusts_id": null, "decision_number": "152/QĐ-UBND", "decision_date": "2026-02-15", "note": "", "created_at": "2026-02-15T08:00:00", "from_balance": null, "to_balance": null}], "total": 1, "limit": 50, "offset": 0})),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/allocations")]
pub async fn list_allocations(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<LedgerQuery>,
) -> ApiResult<web::Json<crate::paging::Page<Allocation>>> {
    let q = query.into_inner();
    let page = state
        .db
        .run(move |conn| -> ApiResult<crate::paging::Page<Allocation>> {
            let f = ledger_filter(conn, &actor, &q)?;
            let (rows, total) = store::list_allocations(conn, &f)?;
            let items = rows.into_iter().map(allocation_item).collect();
            Ok(crate::paging::Page::new(items, total, f.limit, f.offset))
        })
        .await?;
    Ok(web::Json(page))
}

/// Disbursements of the caller's units and their projects, newest first.
#[utoipa::path(
    operation_id = "list_disbursements",
    tag = "funds",
    security(("bearer" = [])),
    params(LedgerQuery),
    responses(
        (status = 200, body = crate::paging::Page<Disbursement>, example = json!({"items": [{"id": 9, "programme_id": 1, "year": 2026, "component_id": 1, "source_id": 1, "unit_id": null, "project_id": 7, "amount": 450_000_000_i64, "reversal": false, "paid_on": "2026-06-30", "voucher": "KBNN-2026-001", "note": "", "balance": null}], "total": 1, "limit": 50, "offset": 0})),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/disbursements")]
pub async fn list_disbursements(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<LedgerQuery>,
) -> ApiResult<web::Json<crate::paging::Page<Disbursement>>> {
    let q = query.into_inner();
    let page = state
        .db
        .run(
            move |conn| -> ApiResult<crate::paging::Page<Disbursement>> {
                let f = ledger_filter(conn, &actor, &q)?;
                let (rows, total) = store::list_disbursements(conn, &f)?;
                let items = rows.into_iter().map(disbursement_item).collect();
                Ok(crate::paging::Page::new(items, total, f.limit, f.offset))
            },
        )
        .await?;
    Ok(web::Json(page))
}

/// One project's money in a disbursement report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProjectFunds {
    pub project: Project,
    /// Allocated to the project in the period, đồng.
    pub allocated: i64,
    /// Disbursed by the project in the period, đồng.
    pub disbursed: i64,
    pub remaining: i64,
    pub disbursement_rate_bp: Option<i64>,
}

/// Disbursement per project of a unit's subtree.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DisbursementReport {
    pub unit_id: i64,
    pub programme_id: i64,
    pub year_from: i32,
    pub year_to: i32,
    pub projects: Vec<ProjectFunds>,
    /// Over the listed projects.
    pub allocated: i64,
    pub disbursed: i64,
    pub disbursement_rate_bp: Option<i64>,
}

/// Disbursement of a unit's subtree project by project: allocated,
/// disbursed, remaining, rate (same parameters as
/// `/fund-reports/allocation`).
#[utoipa::path(
    operation_id = "fund_report_disbursement",
    tag = "funds",
    security(("bearer" = [])),
    params(FundReportQuery),
    responses(
        (status = 200, body = DisbursementReport),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/fund-reports/disbursement")]
pub async fn fund_report_disbursement(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<FundReportQuery>,
) -> ApiResult<web::Json<DisbursementReport>> {
    state.reports.check(&actor)?;
    let q = query.into_inner();
    let report = state
        .db
        .run(move |conn| disbursement_report(conn, &actor, &q))
        .await?;
    Ok(web::Json(report))
}

/// The disbursement report of the query's unit (404 outside the caller's
/// scope): the projects with money in the period, in the order recorded.
pub fn disbursement_report(
    conn: &mut DbConnection,
    actor: &Actor,
    q: &FundReportQuery,
) -> ApiResult<DisbursementReport> {
    let filter = report_filter(conn, actor, q)?;
    let rows = store::project_totals(conn, q.unit_id, &filter)?;
    let (mut allocated, mut disbursed) = (0_i64, 0_i64);
    let projects = rows
        .into_iter()
        .filter(|(_, a, d)| *a != 0 || *d != 0)
        .map(|(p, a, d)| {
            allocated = allocated.saturating_add(a);
            disbursed = disbursed.saturating_add(d);
            ProjectFunds {
                project: p.into(),
                allocated: a,
                disbursed: d,
                remaining: rules::remaining(a, d),
                disbursement_rate_bp: rules::disbursement_rate(d, a).map(|r| r.0),
            }
        })
        .collect();
    Ok(DisbursementReport {
        unit_id: q.unit_id,
        programme_id: filter.programme_id,
        year_from: filter.year_from,
        year_to: filter.year_to,
        projects,
        allocated,
        disbursed,
        disbursement_rate_bp: rules::disbursement_rate(disbursed, allocated).map(|r| r.0),
    })
}

/// Why a commune or village is covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BeneficiaryCategory {
    /// *Xã đặc biệt khó khăn*.
    ExtremelyDifficultCommune,
    /// *Thôn, bản đặc biệt khó khăn*.
    ExtremelyDifficultVillage,
    /// *Xã biên giới*.
    BorderCommune,
    /// *Xã an toàn khu*.
    SafeZoneCommune,
}

impl BeneficiaryCategory {
    const ALL: [Self; 4] = [
        Self::ExtremelyDifficultCommune,
        Self::ExtremelyDifficultVillage,
        Self::BorderCommune,
        Self::SafeZoneCommune,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExtremelyDifficultCommune => "extremely_difficult_commune",
            Self::ExtremelyDifficultVillage => "extremely_difficult_village",
            Self::BorderCommune => "border_commune",
            Self::SafeZoneCommune => "safe_zone_commune",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The note an official report writes beside the unit.
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::ExtremelyDifficultCommune => "Xã ĐBKK",
            Self::ExtremelyDifficultVillage => "Thôn ĐBKK",
            Self::BorderCommune => "Xã biên giới",
            Self::SafeZoneCommune => "Xã ATK",
        }
    }
}

/// A unit on a programme's beneficiary list for a year.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Beneficiary {
    pub unit_id: i64,
    pub year: i32,
    pub phase_id: Option<i64>,
    pub category: BeneficiaryCategory,
    #[schema(example = "900/QĐ-TTg")]
    pub decision: String,
}

/// One unit to list.
#[derive(Debug, Serialize, Deserialize, Validate, ToSchema)]
pub struct BeneficiaryEntry {
    pub unit_id: i64,
    pub category: BeneficiaryCategory,
}

/// A beneficiary list (or part of one) for a year, under its decision.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"year": 2026, "decision": "900/QĐ-TTg", "entries": [{"unit_id": 1201, "category": "extremely_difficult_commune"}]}))]
pub struct BeneficiaryListBody {
    #[validate(range(min = 1990, max = 2100))]
    #[schema(minimum = 1990, maximum = 2100)]
    pub year: i32,
    pub phase_id: Option<i64>,
    #[validate(length(min = 1, max = 200, message = "Số quyết định từ 1 đến 200 ký tự"))]
    #[schema(min_length = 1, max_length = 200)]
    pub decision: String,
    #[validate(length(min = 1, max = 5000), nested)]
    #[schema(min_items = 1, max_items = 5000)]
    pub entries: Vec<BeneficiaryEntry>,
}

/// Records a beneficiary list (also the demo seed's path).
pub fn record_beneficiaries(
    conn: &mut DbConnection,
    actor: &Actor,
    programme_id: i64,
    body: &BeneficiaryListBody,
) -> ApiResult<usize> {
    actor.authorize(Action::ManageProgrammes, domain::access::Target::Global)?;
    store::get_programme(conn, programme_id)?;
    if let Some(phase) = body.phase_id {
        let known = store::phases(conn, programme_id)?
            .into_iter()
            .find(|p| p.id == phase);
        match known {
            Some(p) if (p.start_year..=p.end_year).contains(&body.year) => {}
            _ => {
                return Err(field(
                    "phase_id",
                    "not_this_year",
                    "Giai đoạn không thuộc chương trình hoặc không gồm năm này \
                     (the phase is not the programme's or does not cover the year)",
                ))
            }
        }
    }
    for (i, entry) in body.entries.iter().enumerate() {
        let unit = units::get(conn, entry.unit_id).map_err(|_| {
            field(
                &format!("entries[{i}].unit_id"),
                "unknown",
                "Không có đơn vị này (no such unit)",
            )
        })?;
        let village = entry.category == BeneficiaryCategory::ExtremelyDifficultVillage;
        if (unit.kind == "village") != village
            || !matches!(unit.kind.as_str(), "commune" | "village")
        {
            return Err(field(
                &format!("entries[{i}].category"),
                "wrong_kind",
                "Diện thụ hưởng không khớp cấp đơn vị (thôn hoặc xã) \
                 (the category does not match the unit's level)",
            ));
        }
        store::put_beneficiary(
            conn,
            &store::NewBeneficiary {
                programme_id,
                phase_id: body.phase_id,
                year: body.year,
                unit_id: entry.unit_id,
                category: entry.category.as_str().into(),
                decision: domain::text::canonical(&body.decision),
                created_by: actor.user_id(),
                created_at: Utc::now().naive_utc(),
            },
        )?;
    }
    persistence::audit::append(
        conn,
        actor.audit(
            "beneficiaries.set",
            "programme",
            programme_id,
            None,
            Some(serde_json::json!({"year": body.year, "decision": body.decision, "units": body.entries.len()})),
        ),
    )?;
    Ok(body.entries.len())
}

/// List communes and villages as a programme's beneficiaries for a year
/// (a unit listed again for the same year is replaced).
#[utoipa::path(
    operation_id = "set_beneficiaries",
    tag = "funds",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Programme id", example = 1)),
    request_body = BeneficiaryListBody,
    responses(
        (status = 204, description = "Recorded"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/programmes/{id}/beneficiaries")]
pub async fn set_beneficiaries(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<BeneficiaryListBody>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.0);
    state
        .db
        .write(move |conn| record_beneficiaries(conn, &actor, id, &body))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BeneficiaryQuery {
    #[param(example = 2026)]
    pub year: i32,
}

/// A programme's beneficiaries for a year, within the caller's scope.
#[utoipa::path(
    operation_id = "list_beneficiaries",
    tag = "funds",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Programme id", example = 1), BeneficiaryQuery),
    responses(
        (status = 200, body = Vec<Beneficiary>),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/programmes/{id}/beneficiaries")]
pub async fn list_beneficiaries(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    query: web::Query<BeneficiaryQuery>,
) -> ApiResult<web::Json<Vec<Beneficiary>>> {
    let (id, year) = (id.into_inner(), query.into_inner().year);
    let roots = actor.scope_roots(Action::ViewFunds)?;
    let list = state
        .db
        .run(move |conn| -> ApiResult<Vec<Beneficiary>> {
            store::get_programme(conn, id)?;
            let roots = units::with_predecessors(conn, roots)?;
            Ok(store::beneficiaries(conn, id, year, roots.as_deref())?
                .into_iter()
                .filter_map(|b| {
                    Some(Beneficiary {
                        category: BeneficiaryCategory::parse(&b.category)?,
                        unit_id: b.unit_id,
                        year: b.year,
                        phase_id: b.phase_id,
                        decision: b.decision,
                    })
                })
                .collect())
        })
        .await?;
    Ok(web::Json(list))
}

/// Changes to a project: its status as work goes on, a revised planned
/// cost or end date, the investor. Fields left out stay as they are; a
/// body with none changes nothing.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"status": "completed"}))]
pub struct ProjectUpdateBody {
    pub status: Option<ProjectStatus>,
    #[validate(range(min = 0, message = "Tổng mức đầu tư không âm (planned cost ≥ 0)"))]
    #[schema(minimum = 0)]
    pub planned_cost: Option<i64>,
    pub end_on: Option<NaiveDate>,
    #[validate(length(max = 300))]
    #[schema(max_length = 300)]
    pub investor: Option<String>,
}

/// Update a project (fund managers of its unit).
#[utoipa::path(
    operation_id = "update_fund_project",
    tag = "funds",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Project id", example = 7)),
    request_body = ProjectUpdateBody,
    responses(
        (status = 200, body = Project),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[patch("/fund-projects/{id}")]
pub async fn update_fund_project(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<ProjectUpdateBody>,
) -> ApiResult<web::Json<Project>> {
    let (id, body) = (id.into_inner(), body.0);
    let project = state
        .db
        .write(move |conn| -> ApiResult<Project> {
            let before = store::get_project(conn, id)?;
            actor.authorize_unit_with_heirs(conn, Action::ManageFunds, before.unit_id)?;
            if let (Some(start), Some(end)) = (before.start_on, body.end_on) {
                if end < start {
                    return Err(field(
                        "end_on",
                        "before_start",
                        "Ngày kết thúc trước ngày khởi công (end before start)",
                    ));
                }
            }
            let changes = store::ProjectChanges {
                status: body.status.map(|s| s.as_str().to_owned()),
                planned_cost: body.planned_cost,
                end_on: body.end_on,
                investor: body.investor.as_deref().map(domain::text::canonical),
            };
            if changes.is_empty() {
                // Nothing asked to change: the project as it is, no audit row.
                return Ok(before.into());
            }
            let after = store::update_project(conn, id, &changes)?;
            persistence::audit::append(
                conn,
                actor.audit(
                    "fund_project.update",
                    "fund_project",
                    id,
                    Some(serde_json::json!({"status": before.status, "planned_cost": before.planned_cost, "end_on": before.end_on})),
                    Some(serde_json::json!({"status": after.status, "planned_cost": after.planned_cost, "end_on": after.end_on})),
                ),
            )?;
            Ok(after.into())
        })
        .await?;
    Ok(web::Json(project))
}

/// A fund source to add.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"code": "TPCP", "name": "Vốn trái phiếu Chính phủ"}))]
pub struct NewFundSourceBody {
    #[validate(length(min = 1, max = 30))]
    #[schema(min_length = 1, max_length = 30)]
    pub code: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
}

/// Add a fund source (fund managers, administrators).
#[utoipa::path(
    operation_id = "create_fund_source",
    tag = "funds",
    security(("bearer" = [])),
    request_body = NewFundSourceBody,
    responses(
        (status = 201, body = FundSource),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The code is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/fund-sources")]
pub async fn create_fund_source(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<NewFundSourceBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let source = state
        .db
        .write(move |conn| -> ApiResult<FundSource> {
            actor.authorize(Action::ManageProgrammes, domain::access::Target::Global)?;
            let code = body.code.trim().to_uppercase();
            let name = domain::text::canonical(&body.name);
            let id = store::insert_source(conn, &code, &name)?;
            persistence::audit::append(
                conn,
                actor.audit(
                    "fund_source.create",
                    "fund_source",
                    id,
                    None,
                    Some(serde_json::json!({"code": code, "name": name})),
                ),
            )?;
            Ok(FundSource { id, code, name })
        })
        .await?;
    Ok(HttpResponse::Created().json(source))
}
