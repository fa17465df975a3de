//! Org units: search, detail with ancestors, lineage, and administration
//! (create, rename, close, merge). Units are reference data: every signed-in
//! actor may read them (pickers need the whole tree); only administrators
//! change them.

use actix_web::{get, patch, post, web, HttpResponse};
use chrono::NaiveDate;
use domain::access::{Action, Target};
use domain::units::UnitKind;
use persistence::units::{self, Direction, LinkedUnit, NewUnit, UnitFilter, UnitRow};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode, Problem};
use crate::extract::ValidJson;
use crate::paging::{Page, Paging};
use crate::state::AppState;

/// An org unit.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Unit {
    pub id: i64,
    /// Official statistics-office code, zero-padded text.
    #[schema(example = "07900")]
    pub code: Option<String>,
    #[schema(example = "Xã Tân Sơn")]
    pub name: String,
    #[schema(example = "Tân Sơn")]
    pub short_name: String,
    pub kind: UnitKind,
    /// The official type: tỉnh, huyện, xã, phường, thị trấn, đặc khu, thôn, sở…
    #[schema(example = "xã")]
    pub unit_type: String,
    pub parent_id: Option<i64>,
    pub depth: i32,
    /// First day the unit exists (None: before records began).
    pub valid_from: Option<NaiveDate>,
    /// Last day the unit exists (None: still exists).
    pub valid_to: Option<NaiveDate>,
    /// Other spellings (old and new tone placement and the like).
    pub alt_names: Vec<String>,
}

impl From<UnitRow> for Unit {
    fn from(r: UnitRow) -> Self {
        Self {
            id: r.id,
            code: r.code,
            name: r.name,
            short_name: r.short_name,
            kind: UnitKind::parse(&r.kind).unwrap_or(UnitKind::Agency),
            unit_type: r.unit_type,
            parent_id: r.parent_id,
            depth: r.depth,
            valid_from: r.valid_from,
            valid_to: r.valid_to,
            alt_names: r
                .alt_names
                .split('|')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// A unit with its ancestors, root first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitDetail {
    #[serde(flatten)]
    pub unit: Unit,
    pub ancestors: Vec<Unit>,
}

/// A merge or split link to another unit.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitLink {
    pub unit: Unit,
    /// The day the change took effect.
    #[schema(example = "2025-07-01")]
    pub effective_date: NaiveDate,
    /// Share of the old unit that went this way (None: equal shares).
    pub weight: Option<i64>,
    pub note: String,
}

impl From<LinkedUnit> for UnitLink {
    fn from(l: LinkedUnit) -> Self {
        Self {
            unit: l.unit.into(),
            effective_date: l.effective_date,
            weight: l.weight,
            note: l.note,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// Name search, diacritic- and case-insensitive ("tan son" finds "Tân Sơn").
    #[validate(length(max = 200))]
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// Exact official code.
    pub code: Option<String>,
    pub kind: Option<UnitKind>,
    pub parent_id: Option<i64>,
    /// Only units under this one, at any depth.
    pub within: Option<i64>,
    /// Only units that existed on this date (the tree as it was).
    pub as_of: Option<NaiveDate>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// Rows to skip (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

fn require_view(actor: &Actor) -> ApiResult<()> {
    actor.authorize(Action::ViewUnits, Target::Global)
}

/// Search and list units.
#[utoipa::path(
    operation_id = "list_org_units",
    tag = "org-units",
    security(("bearer" = [])),
    params(UnitQuery),
    responses(
        (status = 200, body = Page<Unit>),
        (status = 401, body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/org-units")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<UnitQuery>,
) -> ApiResult<web::Json<Page<Unit>>> {
    require_view(&actor)?;
    let query = query.into_inner();
    query.validate()?;
    let (limit, offset) = Paging::new(query.limit, query.offset).resolve()?;
    let filter = UnitFilter {
        q: query.q.as_deref().map(domain::text::fold),
        code: query.code,
        kind: query.kind.map(|k| k.as_str().to_owned()),
        parent_id: query.parent_id,
        within: query.within,
        as_of: query.as_of,
        limit,
        offset,
    };
    let (rows, total) = state
        .db
        .run(move |conn| units::list(conn, &filter).map_err(ApiError::from))
        .await?;
    Ok(web::Json(Page::new(
        rows.into_iter().map(Unit::from).collect(),
        total,
        limit,
        offset,
    )))
}

/// One unit with its ancestors.
#[utoipa::path(
    operation_id = "get_org_unit",
    tag = "org-units",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Unit id")),
    responses(
        (status = 200, body = UnitDetail),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/org-units/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<UnitDetail>> {
    require_view(&actor)?;
    let id = id.into_inner();
    let detail = state
        .db
        .run(move |conn| -> ApiResult<UnitDetail> {
            Ok(UnitDetail {
                unit: units::get(conn, id)?.into(),
                ancestors: units::ancestors(conn, id)?
                    .into_iter()
                    .map(Unit::from)
                    .collect(),
            })
        })
        .await?;
    Ok(web::Json(detail))
}

async fn links(
    state: web::Data<AppState>,
    actor: Actor,
    id: i64,
    direction: Direction,
) -> ApiResult<web::Json<Vec<UnitLink>>> {
    require_view(&actor)?;
    let links = state
        .db
        .run(move |conn| -> ApiResult<Vec<UnitLink>> {
            units::get(conn, id)?;
            Ok(units::linked(conn, id, direction)?
                .into_iter()
                .map(UnitLink::from)
                .collect())
        })
        .await?;
    Ok(web::Json(links))
}

/// The units this one was merged or split into.
#[utoipa::path(
    operation_id = "list_org_unit_successors",
    tag = "org-units",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Unit id")),
    responses((status = 200, body = Vec<UnitLink>), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/org-units/{id}/successors")]
pub async fn successors(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<UnitLink>>> {
    links(state, actor, id.into_inner(), Direction::Successors).await
}

/// The units that were merged into this one.
#[utoipa::path(
    operation_id = "list_org_unit_predecessors",
    tag = "org-units",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Unit id")),
    responses((status = 200, body = Vec<UnitLink>), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/org-units/{id}/predecessors")]
pub async fn predecessors(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<UnitLink>>> {
    links(state, actor, id.into_inner(), Direction::Predecessors).await
}

fn code_is_valid(code: &str) -> Result<(), validator::ValidationError> {
    if code.chars().all(|c| c.is_ascii_digit()) && (1..=10).contains(&code.len()) {
        Ok(())
    } else {
        Err(validator::ValidationError::new("code")
            .with_message("Mã đơn vị gồm 1 đến 10 chữ số (1 to 10 digits)".into()))
    }
}

/// A unit to create.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Thôn Xuân Thắng", "kind": "village", "unit_type": "thôn", "parent_id": 12, "valid_from": "2026-01-01"}))]
pub struct CreateUnit {
    #[validate(custom(function = "code_is_valid"))]
    pub code: Option<String>,
    #[validate(length(min = 1, max = 200, message = "Tên từ 1 đến 200 ký tự"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// Defaults to the name without its administrative prefix.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub short_name: Option<String>,
    pub kind: UnitKind,
    #[validate(length(min = 1, max = 50, message = "Loại đơn vị từ 1 đến 50 ký tự"))]
    #[schema(min_length = 1, max_length = 50)]
    pub unit_type: String,
    pub parent_id: Option<i64>,
    pub valid_from: Option<NaiveDate>,
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub alt_names: Vec<String>,
}

fn join_alt_names(names: &[String]) -> String {
    names
        .iter()
        .map(|n| domain::text::canonical(n).replace('|', " "))
        .filter(|n| !n.is_empty())
        .collect::<Vec<_>>()
        .join("|")
}

fn create_unit(conn: &mut DbConnection, actor: &Actor, body: &CreateUnit) -> ApiResult<UnitRow> {
    let parent_kind = match body.parent_id {
        Some(parent) => {
            actor.authorize_unit(conn, Action::ManageUnits, parent)?;
            let parent = units::get(conn, parent)?;
            if parent.valid_to.is_some() {
                return Err(ApiError::field(
                    "parent_id",
                    "closed",
                    "Đơn vị cấp trên đã giải thể (the parent unit is closed)",
                ));
            }
            UnitKind::parse(&parent.kind)
        }
        None => {
            actor.authorize(Action::ManageUnits, Target::Global)?;
            None
        }
    };
    if !body.kind.may_be_under(parent_kind) {
        return Err(ApiError::field(
            "parent_id",
            "parent_kind",
            format!(
                "{} không thể trực thuộc {} (this kind of unit cannot sit there)",
                body.kind.label_vi(),
                parent_kind.map_or("cấp gốc", |k| k.label_vi())
            ),
        ));
    }
    let name = domain::text::canonical(&body.name);
    let short_name = body
        .short_name
        .as_deref()
        .map(domain::text::canonical)
        .unwrap_or_else(|| domain::text::strip_unit_prefix(&name).to_owned());
    let row = units::insert(
        conn,
        &NewUnit {
            code: body.code.clone(),
            name,
            short_name,
            kind: body.kind.as_str().to_owned(),
            unit_type: domain::text::canonical(&body.unit_type),
            parent_id: body.parent_id,
            valid_from: body.valid_from,
            valid_to: None,
            alt_names: join_alt_names(&body.alt_names),
        },
    )?;
    persistence::audit::append(
        conn,
        actor.audit(
            "org_unit.create",
            "org_unit",
            row.id,
            None,
            Some(json(&row)),
        ),
    )?;
    Ok(row)
}

fn json<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// Create a unit (administrators).
#[utoipa::path(
    operation_id = "create_org_unit",
    tag = "org-units",
    security(("bearer" = [])),
    request_body = CreateUnit,
    responses(
        (status = 201, body = Unit),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A unit with this code exists", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/org-units")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<CreateUnit>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let row = state
        .db
        .write(move |conn| create_unit(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(Unit::from(row)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RenameUnit {
    #[validate(length(min = 1, max = 200))]
    #[schema(example = "Xã Hòa Bình", min_length = 1, max_length = 200)]
    pub name: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub short_name: Option<String>,
    /// Replaces the alternative spellings when given.
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub alt_names: Option<Vec<String>>,
}

/// Rename a unit (administrators). The old name is kept as an alternative
/// spelling so searches for it still work.
#[utoipa::path(
    operation_id = "rename_org_unit",
    tag = "org-units",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Unit id")),
    request_body = RenameUnit,
    responses((status = 200, body = Unit), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[patch("/org-units/{id}")]
pub async fn rename(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<RenameUnit>,
) -> ApiResult<web::Json<Unit>> {
    let (id, body) = (id.into_inner(), body.0);
    let row = state
        .db
        .write(move |conn| -> ApiResult<UnitRow> {
            actor.authorize_unit(conn, Action::ManageUnits, id)?;
            let before = units::get(conn, id)?;
            let name = domain::text::canonical(&body.name);
            let short_name = body
                .short_name
                .as_deref()
                .map(domain::text::canonical)
                .unwrap_or_else(|| domain::text::strip_unit_prefix(&name).to_owned());
            let mut alt: Vec<String> = match &body.alt_names {
                Some(names) => names.clone(),
                None => Unit::from(before.clone()).alt_names,
            };
            if before.name != name && !alt.contains(&before.name) {
                alt.push(before.name.clone());
            }
            let after = units::rename(conn, id, &name, &short_name, &join_alt_names(&alt))?;
            persistence::audit::append(
                conn,
                actor.audit(
                    "org_unit.rename",
                    "org_unit",
                    id,
                    Some(json(&before)),
                    Some(json(&after)),
                ),
            )?;
            Ok(after)
        })
        .await?;
    Ok(web::Json(row.into()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct CloseUnit {
    /// Last day the unit exists.
    #[schema(example = "2025-06-30")]
    pub valid_to: NaiveDate,
}

fn close_unit(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    valid_to: NaiveDate,
) -> ApiResult<UnitRow> {
    actor.authorize_unit(conn, Action::ManageUnits, id)?;
    let before = units::get(conn, id)?;
    if before.valid_to.is_some() {
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            "Đơn vị đã giải thể (the unit is already closed)",
        ));
    }
    if before.valid_from.is_some_and(|from| valid_to < from) {
        return Err(ApiError::field(
            "valid_to",
            "before_valid_from",
            "Ngày kết thúc trước ngày thành lập (closing date before the unit existed)",
        ));
    }
    let open = units::open_children(conn, id, valid_to)?;
    if !open.is_empty() {
        let names: Vec<&str> = open.iter().take(5).map(|u| u.name.as_str()).collect();
        return Err(ApiError::with_detail(
            ErrorCode::Conflict,
            format!(
                "Còn {} đơn vị trực thuộc đang hoạt động ({}…): giải thể hoặc chuyển chúng trước \
                 (open child units remain)",
                open.len(),
                names.join(", ")
            ),
        ));
    }
    let after = units::close(conn, id, valid_to)?;
    persistence::audit::append(
        conn,
        actor.audit(
            "org_unit.close",
            "org_unit",
            id,
            Some(json(&before)),
            Some(json(&after)),
        ),
    )?;
    Ok(after)
}

/// Close a unit (administrators). Refused while it has open child units.
#[utoipa::path(
    operation_id = "close_org_unit",
    tag = "org-units",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Unit id")),
    request_body = CloseUnit,
    responses((status = 200, body = Unit), (status = 409, body = Problem, content_type = "application/problem+json"))
)]
#[post("/org-units/{id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<CloseUnit>,
) -> ApiResult<web::Json<Unit>> {
    let (id, valid_to) = (id.into_inner(), body.0.valid_to);
    let row = state
        .db
        .write(move |conn| close_unit(conn, &actor, id, valid_to))
        .await?;
    Ok(web::Json(row.into()))
}

/// Merge units into one (existing or new). The old units are closed the day
/// before `effective_date` and linked to the successor; nothing is deleted.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"predecessor_ids": [101, 102], "new_unit": {"name": "Xã Hòa Bình", "kind": "commune", "unit_type": "xã", "parent_id": 1}, "effective_date": "2025-07-01", "move_children": true}))]
pub struct MergeUnits {
    #[validate(length(min = 1, max = 50, message = "Chọn từ 1 đến 50 đơn vị"))]
    #[schema(min_items = 1, max_items = 50)]
    pub predecessor_ids: Vec<i64>,
    /// Merge into this existing unit…
    pub successor_id: Option<i64>,
    /// …or into a unit created now (exactly one of the two).
    #[validate(nested)]
    pub new_unit: Option<CreateUnit>,
    pub effective_date: NaiveDate,
    /// Move the old units' open children (villages) under the successor.
    #[serde(default)]
    pub move_children: bool,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MergeResult {
    pub successor: Unit,
    pub closed: Vec<Unit>,
    /// Children moved under the successor.
    pub moved_children: Vec<i64>,
}

fn merge_units(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &MergeUnits,
) -> ApiResult<MergeResult> {
    let successor = match (&body.successor_id, &body.new_unit) {
        (Some(id), None) => {
            actor.authorize_unit(conn, Action::ManageUnits, *id)?;
            units::get(conn, *id)?
        }
        (None, Some(new_unit)) => {
            let mut new_unit = new_unit.clone();
            new_unit.valid_from.get_or_insert(body.effective_date);
            create_unit(conn, actor, &new_unit)?
        }
        _ => {
            return Err(ApiError::field(
                "successor_id",
                "one_of",
                "Chọn đơn vị tiếp nhận hoặc tạo đơn vị mới, không cả hai \
                 (give exactly one of successor_id and new_unit)",
            ))
        }
    };
    let last_day = body.effective_date.pred_opt().ok_or_else(|| {
        ApiError::field(
            "effective_date",
            "range",
            "Ngày không hợp lệ (invalid date)",
        )
    })?;
    let mut closed = Vec::new();
    let mut moved = Vec::new();
    for &old in &body.predecessor_ids {
        if old == successor.id {
            return Err(ApiError::field(
                "predecessor_ids",
                "self",
                "Đơn vị không thể sáp nhập vào chính nó (a unit cannot merge into itself)",
            ));
        }
        actor.authorize_unit(conn, Action::ManageUnits, old)?;
        if body.move_children {
            for child in units::open_children(conn, old, body.effective_date)? {
                units::move_subtree(conn, child.id, successor.id)?;
                moved.push(child.id);
            }
        }
        let row = close_unit(conn, actor, old, last_day)?;
        units::add_link(
            conn,
            old,
            successor.id,
            body.effective_date,
            None,
            "Sáp nhập",
        )?;
        persistence::audit::append(
            conn,
            actor.audit(
                "org_unit.merge",
                "org_unit",
                old,
                None,
                Some(serde_json::json!({"successor_id": successor.id, "effective_date": body.effective_date})),
            ),
        )?;
        closed.push(row.into());
    }
    Ok(MergeResult {
        successor: units::get(conn, successor.id)?.into(),
        closed,
        moved_children: moved,
    })
}

/// Merge units (administrators).
#[utoipa::path(
    operation_id = "merge_org_units",
    tag = "org-units",
    security(("bearer" = [])),
    request_body = MergeUnits,
    responses(
        (status = 200, body = MergeResult),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/org-units/merges")]
pub async fn merge(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<MergeUnits>,
) -> ApiResult<web::Json<MergeResult>> {
    let body = body.0;
    let result = state
        .db
        .write(move |conn| merge_units(conn, &actor, &body))
        .await?;
    Ok(web::Json(result))
}
