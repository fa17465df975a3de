//! NTM configuration over HTTP: versioned criteria sets (draft →
//! published; a published set never changes, a new version is a copy) and
//! evaluation rounds with their review chain and participating units.

use std::collections::BTreeSet;

use actix_web::{get, post, put, web, HttpResponse};
use chrono::NaiveDate;
use domain::access::{Action, Role, Target as AccessTarget};
use domain::ntm::{self as rules, Comparator, PassRule, Target, ValueType};
use domain::ntm_review::{self as review, CriterionReview, Performer, Stage};
use persistence::ntm::{self as store, CriterionRow, NewEvaluation, NewRound, SetFields, SetRow};
use persistence::units;
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode, FieldError, Problem};
use crate::extract::ValidJson;
use crate::state::AppState;

/// A 409 naming the field and a stable code.
pub fn conflict(field: &str, code: &str, message: &str) -> ApiError {
    let mut error = ApiError::with_detail(ErrorCode::Conflict, message);
    error.errors.push(FieldError {
        field: field.to_owned(),
        code: code.to_owned(),
        message: message.to_owned(),
    });
    error
}

/// The level a set evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SetLevel {
    /// *Xã*.
    Commune,
    /// *Huyện* (before 2025).
    District,
    /// *Tỉnh*.
    Province,
}

impl SetLevel {
    pub const fn as_str(self) -> &'static str {
        match self {
            SetLevel::Commune => "commune",
            SetLevel::District => "district",
            SetLevel::Province => "province",
        }
    }

    fn parse(code: &str) -> Self {
        match code {
            "district" => SetLevel::District,
            "province" => SetLevel::Province,
            _ => SetLevel::Commune,
        }
    }
}

/// The kind of recognition a set is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SetVariant {
    /// *Nông thôn mới*.
    Ntm,
    /// *Nông thôn mới nâng cao*.
    Advanced,
    /// *Nông thôn mới kiểu mẫu*.
    Model,
    /// *Nông thôn mới hiện đại* (the 2026–2030 pilot).
    Modern,
}

impl SetVariant {
    pub const fn as_str(self) -> &'static str {
        match self {
            SetVariant::Ntm => "ntm",
            SetVariant::Advanced => "advanced",
            SetVariant::Model => "model",
            SetVariant::Modern => "modern",
        }
    }

    fn parse(code: &str) -> Self {
        match code {
            "advanced" => SetVariant::Advanced,
            "model" => SetVariant::Model,
            "modern" => SetVariant::Modern,
            _ => SetVariant::Ntm,
        }
    }
}

/// An indicator (*chỉ tiêu*) of a criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
pub struct IndicatorDef {
    /// Unique within the set, e.g. `"15.1"`.
    #[validate(length(min = 1, max = 20))]
    #[schema(example = "15.1", min_length = 1, max_length = 20)]
    pub code: String,
    #[validate(length(min = 1, max = 500))]
    #[schema(
        example = "Tỷ lệ người dân tham gia bảo hiểm y tế",
        min_length = 1,
        max_length = 500
    )]
    pub name: String,
    pub value_type: ValueType,
    /// The unit of measure shown, e.g. `"%"`, `"triệu đồng/người/năm"`.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_length = 50)]
    pub unit: String,
    pub comparator: Comparator,
    /// Thresholds, generic or per region (Decision 318), commune group
    /// (Decision 51/2025) and years; the most specific that applies wins.
    /// Empty: not scored until an administrator enters them.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub targets: Vec<Target>,
    /// The answers offered for a `choice` indicator.
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub choices: Vec<String>,
}

/// A criterion (*tiêu chí*) with its indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Validate, ToSchema)]
pub struct CriterionDef {
    #[validate(range(min = 1, max = 99))]
    #[schema(minimum = 1, maximum = 99)]
    pub number: u8,
    #[validate(length(min = 1, max = 300))]
    #[schema(example = "Y tế", min_length = 1, max_length = 300)]
    pub name: String,
    /// The group, e.g. `"IV"`.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_length = 20)]
    pub group: String,
    /// The department (agency unit) that owns and appraises it.
    pub department_unit_id: Option<i64>,
    /// Met when all indicators pass (default) or at least k.
    #[serde(default = "all")]
    pub pass_rule: PassRule,
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub indicators: Vec<IndicatorDef>,
}

fn all() -> PassRule {
    PassRule::All
}

/// A criteria set to define (or a draft to rewrite).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"code": "QD318", "name": "Bộ tiêu chí quốc gia về xã nông thôn mới 2021–2025", "level": "commune", "variant": "ntm", "legal_basis": "Quyết định 318/QĐ-TTg ngày 08/3/2022", "valid_from": "2022-03-08", "valid_to": "2025-12-31", "criteria": [{"number": 15, "name": "Y tế", "group": "IV", "department_unit_id": 27, "indicators": [{"code": "15.1", "name": "Tỷ lệ người dân tham gia bảo hiểm y tế", "value_type": "percent", "unit": "%", "comparator": "gte", "targets": [{"value": {"number": "95"}, "region": null, "group": null, "year_from": null, "year_to": null}]}]}]}))]
pub struct CriteriaSetBody {
    #[validate(length(min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub code: String,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    pub level: SetLevel,
    pub variant: SetVariant,
    #[serde(default)]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub legal_basis: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    #[validate(length(min = 1, max = 60), nested)]
    #[schema(min_items = 1, max_items = 60)]
    pub criteria: Vec<CriterionDef>,
}

/// A criteria set with its criteria.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CriteriaSet {
    pub id: i64,
    #[schema(example = "QD318")]
    pub code: String,
    pub version: i32,
    #[schema(example = "Bộ tiêu chí quốc gia về xã nông thôn mới 2021–2025")]
    pub name: String,
    pub level: SetLevel,
    pub variant: SetVariant,
    pub legal_basis: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// `draft` (editable) or `published` (immutable).
    #[schema(example = "published")]
    pub status: String,
    /// The version this one was copied from.
    pub based_on_id: Option<i64>,
    pub criteria: Vec<CriterionDef>,
}

/// The stored definition of a set.
pub fn definition(row: &SetRow) -> ApiResult<Vec<CriterionDef>> {
    serde_json::from_str(&row.definition).map_err(ApiError::internal)
}

pub fn set_view(row: SetRow) -> ApiResult<CriteriaSet> {
    let criteria = definition(&row)?;
    Ok(CriteriaSet {
        id: row.id,
        code: row.code,
        version: row.version,
        name: row.name,
        level: SetLevel::parse(&row.level),
        variant: SetVariant::parse(&row.variant),
        legal_basis: row.legal_basis,
        valid_from: row.valid_from,
        valid_to: row.valid_to,
        status: row.status,
        based_on_id: row.based_on_id,
        criteria,
    })
}

/// The domain's view of a definition, for scoring.
pub fn scoring_set(code: &str, name: &str, criteria: &[CriterionDef]) -> rules::CriteriaSet {
    rules::CriteriaSet {
        code: code.to_owned(),
        name: name.to_owned(),
        criteria: criteria
            .iter()
            .map(|c| rules::Criterion {
                number: c.number,
                name: c.name.clone(),
                group: c.group.clone(),
                pass_rule: c.pass_rule,
                indicators: c
                    .indicators
                    .iter()
                    .map(|i| rules::Indicator {
                        code: i.code.clone(),
                        name: i.name.clone(),
                        value_type: i.value_type,
                        comparator: i.comparator,
                        targets: i.targets.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Checks a body as data (the domain's rules, departments that exist and
/// are agencies, valid dates) and turns it into the stored fields.
fn set_fields(conn: &mut DbConnection, body: &CriteriaSetBody) -> ApiResult<SetFields> {
    if let (Some(from), Some(to)) = (body.valid_from, body.valid_to) {
        if to < from {
            return Err(ApiError::field(
                "valid_to",
                "before_start",
                "Ngày hết hiệu lực trước ngày có hiệu lực (valid_to before valid_from)",
            ));
        }
    }
    let canonical: Vec<CriterionDef> = body
        .criteria
        .iter()
        .map(|c| CriterionDef {
            name: domain::text::canonical(&c.name),
            group: c.group.trim().to_owned(),
            indicators: c
                .indicators
                .iter()
                .map(|i| IndicatorDef {
                    code: i.code.trim().to_owned(),
                    name: domain::text::canonical(&i.name),
                    unit: i.unit.trim().to_owned(),
                    choices: i
                        .choices
                        .iter()
                        .map(|x| domain::text::canonical(x))
                        .collect(),
                    ..i.clone()
                })
                .collect(),
            ..c.clone()
        })
        .collect();
    if let Err(problems) = rules::validate(&scoring_set(&body.code, &body.name, &canonical)) {
        return Err(ApiError::fields(
            problems
                .iter()
                .map(|p| FieldError {
                    field: "criteria".into(),
                    code: p.code().into(),
                    message: p.to_string(),
                })
                .collect(),
        ));
    }
    for (i, c) in canonical.iter().enumerate() {
        if let Some(dept) = c.department_unit_id {
            let ok = units::get(conn, dept).is_ok_and(|u| u.kind == "agency");
            if !ok {
                return Err(ApiError::field(
                    &format!("criteria[{i}].department_unit_id"),
                    "not_a_department",
                    "Đơn vị phụ trách phải là một sở, ngành (the owner must be an agency)",
                ));
            }
        }
    }
    Ok(SetFields {
        code: body.code.trim().to_owned(),
        name: domain::text::canonical(&body.name),
        level: body.level.as_str().to_owned(),
        variant: body.variant.as_str().to_owned(),
        legal_basis: domain::text::canonical(&body.legal_basis),
        valid_from: body.valid_from,
        valid_to: body.valid_to,
        definition: serde_json::to_string(&canonical).map_err(ApiError::internal)?,
    })
}

/// Stores a new draft set (also the seed's path).
pub fn define_set(
    conn: &mut DbConnection,
    actor: &Actor,
    body: &CriteriaSetBody,
) -> ApiResult<CriteriaSet> {
    actor.authorize(Action::ManageNtm, AccessTarget::Global)?;
    let fields = set_fields(conn, body)?;
    let row = store::insert_set(conn, &fields, None, actor.user_id())?;
    persistence::audit::append(
        conn,
        actor.audit(
            "ntm_set.create",
            "ntm_criteria_set",
            row.id,
            None,
            Some(serde_json::json!({"code": row.code, "version": row.version})),
        ),
    )?;
    set_view(row)
}

/// Publishes a draft after checking it again (also the seed's path).
pub fn publish_set(conn: &mut DbConnection, actor: &Actor, id: i64) -> ApiResult<CriteriaSet> {
    actor.authorize(Action::ManageNtm, AccessTarget::Global)?;
    let row = store::get_set(conn, id)?;
    if row.status != "draft" {
        return Err(conflict(
            "status",
            "already_published",
            "Bộ tiêu chí đã ban hành (the set is already published)",
        ));
    }
    store::publish(conn, id)?;
    persistence::audit::append(
        conn,
        actor.audit("ntm_set.publish", "ntm_criteria_set", id, None, None),
    )?;
    set_view(store::get_set(conn, id)?)
}

/// Criteria sets, every version, newest version of each code first.
#[utoipa::path(
    operation_id = "list_criteria_sets",
    tag = "ntm",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<CriteriaSet>))
)]
#[get("/criteria-sets")]
pub async fn list_criteria_sets(
    state: web::Data<AppState>,
    actor: Actor,
) -> ApiResult<web::Json<Vec<CriteriaSet>>> {
    actor.authorize(Action::ViewNtm, AccessTarget::Global)?;
    let rows = state.db.run(store::list_sets).await?;
    Ok(web::Json(
        rows.into_iter().map(set_view).collect::<ApiResult<_>>()?,
    ))
}

/// One criteria set with its criteria, indicators and targets.
#[utoipa::path(
    operation_id = "get_criteria_set",
    tag = "ntm",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Set id", example = 1)),
    responses((status = 200, body = CriteriaSet), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/criteria-sets/{id}")]
pub async fn get_criteria_set(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<CriteriaSet>> {
    actor.authorize(Action::ViewNtm, AccessTarget::Global)?;
    let id = id.into_inner();
    let row = state.db.run(move |conn| store::get_set(conn, id)).await?;
    Ok(web::Json(set_view(row)?))
}

/// Define a criteria set as a draft (NTM coordinators, administrators).
#[utoipa::path(
    operation_id = "create_criteria_set",
    tag = "ntm",
    security(("bearer" = [])),
    request_body = CriteriaSetBody,
    responses(
        (status = 201, body = CriteriaSet),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/criteria-sets")]
pub async fn create_criteria_set(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<CriteriaSetBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let set = state
        .db
        .write(move |conn| define_set(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(set))
}

/// Rewrite a draft set (thresholds, owners, indicators). A published set
/// answers 409 `published_immutable`: make a new version instead.
#[utoipa::path(
    operation_id = "update_criteria_set",
    tag = "ntm",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Set id", example = 1)),
    request_body = CriteriaSetBody,
    responses(
        (status = 200, body = CriteriaSet),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[put("/criteria-sets/{id}")]
pub async fn update_criteria_set(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<CriteriaSetBody>,
) -> ApiResult<web::Json<CriteriaSet>> {
    let id = id.into_inner();
    let body = body.0;
    let set = state
        .db
        .write(move |conn| -> ApiResult<CriteriaSet> {
            actor.authorize(Action::ManageNtm, AccessTarget::Global)?;
            let before = store::get_set(conn, id)?;
            if before.status != "draft" {
                return Err(conflict(
                    "status",
                    "published_immutable",
                    "Bộ tiêu chí đã ban hành không sửa được; hãy tạo phiên bản mới \
                     (a published set cannot change; create a new version)",
                ));
            }
            let fields = set_fields(conn, &body)?;
            if fields.code != before.code {
                return Err(ApiError::field(
                    "code",
                    "immutable",
                    "Không đổi mã của bộ tiêu chí (the code cannot change)",
                ));
            }
            store::update_draft(conn, id, &fields)?;
            persistence::audit::append(
                conn,
                actor.audit(
                    "ntm_set.update",
                    "ntm_criteria_set",
                    id,
                    Some(serde_json::json!({"definition": before.definition})),
                    None,
                ),
            )?;
            set_view(store::get_set(conn, id)?)
        })
        .await?;
    Ok(web::Json(set))
}

/// Publish a draft: from then on it cannot change and rounds may use it.
#[utoipa::path(
    operation_id = "publish_criteria_set",
    tag = "ntm",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Set id", example = 1)),
    responses(
        (status = 200, body = CriteriaSet),
        (status = 409, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/criteria-sets/{id}/publish")]
pub async fn publish_criteria_set(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<CriteriaSet>> {
    let id = id.into_inner();
    let set = state
        .db
        .write(move |conn| publish_set(conn, &actor, id))
        .await?;
    Ok(web::Json(set))
}

/// Start a new version of a set: a draft copy of it, next version number.
#[utoipa::path(
    operation_id = "copy_criteria_set",
    tag = "ntm",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Set id to copy", example = 1)),
    responses((status = 201, body = CriteriaSet), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/criteria-sets/{id}/versions")]
pub async fn copy_criteria_set(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let set = state
        .db
        .write(move |conn| -> ApiResult<CriteriaSet> {
            actor.authorize(Action::ManageNtm, AccessTarget::Global)?;
            let from = store::get_set(conn, id)?;
            let fields = SetFields {
                code: from.code.clone(),
                name: from.name.clone(),
                level: from.level.clone(),
                variant: from.variant.clone(),
                legal_basis: from.legal_basis.clone(),
                valid_from: from.valid_from,
                valid_to: from.valid_to,
                definition: from.definition.clone(),
            };
            let row = store::insert_set(conn, &fields, Some(from.id), actor.user_id())?;
            persistence::audit::append(
                conn,
                actor.audit(
                    "ntm_set.copy",
                    "ntm_criteria_set",
                    row.id,
                    None,
                    Some(serde_json::json!({"based_on_id": from.id, "version": row.version})),
                ),
            )?;
            set_view(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(set))
}

/// How often a round runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoundKind {
    /// *6 tháng*.
    SixMonthly,
    /// *Hằng năm*.
    Annual,
    /// *Đột xuất*.
    AdHoc,
}

impl RoundKind {
    pub const fn as_str(self) -> &'static str {
        match self {
            RoundKind::SixMonthly => "six_monthly",
            RoundKind::Annual => "annual",
            RoundKind::AdHoc => "ad_hoc",
        }
    }

    pub(crate) fn parse(code: &str) -> Self {
        match code {
            "six_monthly" => RoundKind::SixMonthly,
            "ad_hoc" => RoundKind::AdHoc,
            _ => RoundKind::Annual,
        }
    }
}

/// A unit taking part in a round, with what decides its targets.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct Participant {
    pub unit_id: i64,
    /// Its region (Decision 318: `TDMNPB`, `DBSH`, `BTB`, `DHNTB`, `TN`,
    /// `DNB`, `DBSCL`); the round's `default_region` when absent.
    #[validate(length(max = 20))]
    #[schema(max_length = 20)]
    pub region: Option<String>,
    /// Its commune group (Decision 51/2025).
    #[validate(length(max = 20))]
    #[schema(max_length = 20)]
    pub group: Option<String>,
}

/// A round to open.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"set_id": 1, "name": "Đánh giá năm 2026", "kind": "annual", "year": 2026, "period_from": "2026-01-01", "period_to": "2026-12-31", "opens_on": "2026-11-01", "closes_on": "2026-12-20", "default_region": "TDMNPB", "participants": [{"unit_id": 812}]}))]
pub struct NewRoundBody {
    /// A published set of the participants' level.
    pub set_id: i64,
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub name: String,
    pub kind: RoundKind,
    /// The year whose targets apply.
    #[validate(range(min = 2000, max = 2100))]
    #[schema(minimum = 2000, maximum = 2100)]
    pub year: i32,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// Entry opens on this date...
    pub opens_on: NaiveDate,
    /// ...and locks after it, unless a coordinator reopens one unit.
    pub closes_on: NaiveDate,
    /// Region for participants that name none.
    #[validate(length(max = 20))]
    #[schema(max_length = 20)]
    pub default_region: Option<String>,
    /// The review chain; the standard one when absent (commune submits →
    /// district verifies where one exists → departments appraise their
    /// criteria → provincial coordination concludes → the provincial
    /// committee recognises).
    pub chain: Option<Vec<Stage>>,
    #[validate(length(min = 1, max = 2000), nested)]
    #[schema(min_items = 1, max_items = 2000)]
    pub participants: Vec<Participant>,
}

/// The standard chain of Decision 318's procedure.
pub fn standard_chain() -> Vec<Stage> {
    let stage = |name: &str, role, performer, records_decision| Stage {
        name: name.to_owned(),
        role,
        performer,
        records_decision,
    };
    vec![
        stage(
            "Xã tự đánh giá",
            Role::CommuneOfficer,
            Performer::EvaluatedUnit,
            false,
        ),
        stage(
            "Huyện thẩm tra",
            Role::NtmCoordinator,
            Performer::District,
            false,
        ),
        stage(
            "Sở, ngành thẩm định",
            Role::DepartmentAppraiser,
            Performer::OwningDepartment,
            false,
        ),
        stage(
            "Văn phòng Điều phối NTM tổng hợp",
            Role::NtmCoordinator,
            Performer::Province,
            false,
        ),
        stage(
            "UBND tỉnh công nhận",
            Role::CommitteeLeader,
            Performer::Province,
            true,
        ),
    ]
}

/// A round as shown.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Round {
    pub id: i64,
    pub set_id: i64,
    #[schema(example = "Đánh giá năm 2026")]
    pub name: String,
    pub kind: RoundKind,
    pub year: i32,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub chain: Vec<Stage>,
}

pub fn chain_of(row: &store::RoundRow) -> ApiResult<Vec<Stage>> {
    serde_json::from_str(&row.chain).map_err(ApiError::internal)
}

pub fn round_view(row: store::RoundRow) -> ApiResult<Round> {
    let chain = chain_of(&row)?;
    Ok(Round {
        id: row.id,
        set_id: row.set_id,
        name: row.name,
        kind: RoundKind::parse(&row.kind),
        year: row.year,
        period_from: row.period_from,
        period_to: row.period_to,
        opens_on: row.opens_on,
        closes_on: row.closes_on,
        chain,
    })
}

/// The unit of `kind` above `unit_id`, if any.
pub fn ancestor_of_kind(
    conn: &mut DbConnection,
    unit_id: i64,
    kind: &str,
) -> ApiResult<Option<i64>> {
    Ok(units::ancestors(conn, unit_id)?
        .into_iter()
        .find(|u| u.kind == kind)
        .map(|u| u.id))
}

/// The unit that must act on criterion `c` at `stage` of an evaluation of
/// `unit_id` (None past the last stage).
pub fn awaiting_unit(
    conn: &mut DbConnection,
    chain: &[Stage],
    stage: usize,
    unit_id: i64,
    district_id: Option<i64>,
    department: Option<i64>,
) -> ApiResult<Option<i64>> {
    let Some(s) = chain.get(stage) else {
        return Ok(None);
    };
    Ok(match s.performer {
        Performer::EvaluatedUnit => Some(unit_id),
        Performer::District => district_id,
        Performer::OwningDepartment => department,
        Performer::Unit { unit_id } => Some(unit_id),
        Performer::Province => match ancestor_of_kind(conn, unit_id, "province")? {
            Some(province) => Some(units::current_heir(conn, province)?),
            None => None,
        },
    })
}

fn check_round(conn: &mut DbConnection, body: &NewRoundBody, chain: &[Stage]) -> ApiResult<()> {
    if body.period_to < body.period_from {
        return Err(ApiError::field(
            "period_to",
            "before_start",
            "Kỳ đánh giá kết thúc trước khi bắt đầu (period ends before it starts)",
        ));
    }
    if body.closes_on < body.opens_on {
        return Err(ApiError::field(
            "closes_on",
            "before_start",
            "Ngày khóa sổ trước ngày mở (closes before it opens)",
        ));
    }
    review::validate_chain(chain).map_err(|p| ApiError::field("chain", p.code(), p.to_string()))?;
    for (i, s) in chain.iter().enumerate() {
        if let Performer::Unit { unit_id } = s.performer {
            if units::get(conn, unit_id).is_err() {
                return Err(ApiError::field(
                    &format!("chain[{i}].performer.unit_id"),
                    "unknown",
                    "Không có đơn vị này (no such unit)",
                ));
            }
        }
    }
    let regions = |r: &Option<String>| {
        r.as_deref()
            .is_none_or(|r| rules::REGIONS_318.iter().any(|x| x.id == r))
    };
    if !regions(&body.default_region) {
        return Err(ApiError::field(
            "default_region",
            "unknown_region",
            "Vùng không thuộc danh mục của Quyết định 318 (unknown region)",
        ));
    }
    if let Some(i) = body.participants.iter().position(|p| !regions(&p.region)) {
        return Err(ApiError::field(
            &format!("participants[{i}].region"),
            "unknown_region",
            "Vùng không thuộc danh mục của Quyết định 318 (unknown region)",
        ));
    }
    Ok(())
}

/// Opens a round and an evaluation for each participant (also the seed's
/// path).
pub fn open_round(conn: &mut DbConnection, actor: &Actor, body: &NewRoundBody) -> ApiResult<Round> {
    actor.authorize(Action::ManageNtm, AccessTarget::Global)?;
    let chain = body.chain.clone().unwrap_or_else(standard_chain);
    check_round(conn, body, &chain)?;
    let set = store::get_set(conn, body.set_id).map_err(|e| match e {
        persistence::PersistenceError::NotFound => ApiError::field(
            "set_id",
            "unknown",
            "Không có bộ tiêu chí này (no such set)",
        ),
        other => other.into(),
    })?;
    if set.status != "published" {
        return Err(ApiError::field(
            "set_id",
            "not_published",
            "Bộ tiêu chí chưa ban hành (the set is not published)",
        ));
    }
    let criteria = definition(&set)?;
    let per_department = chain
        .iter()
        .any(|s| s.performer == Performer::OwningDepartment);
    if per_department {
        if let Some(c) = criteria.iter().find(|c| c.department_unit_id.is_none()) {
            return Err(ApiError::field(
                "chain",
                "department_missing",
                format!(
                    "Tiêu chí {} chưa có sở, ngành phụ trách (criterion {} has no owning department)",
                    c.number, c.number
                ),
            ));
        }
    }
    let round = store::insert_round(
        conn,
        &NewRound {
            set_id: set.id,
            name: domain::text::canonical(&body.name),
            kind: body.kind.as_str().to_owned(),
            year: body.year,
            period_from: body.period_from,
            period_to: body.period_to,
            opens_on: body.opens_on,
            closes_on: body.closes_on,
            chain: serde_json::to_string(&chain).map_err(ApiError::internal)?,
            created_by: actor.user_id(),
        },
    )?;
    let mut seen = BTreeSet::new();
    for (i, p) in body.participants.iter().enumerate() {
        let field = format!("participants[{i}].unit_id");
        if !seen.insert(p.unit_id) {
            return Err(ApiError::field(
                &field,
                "duplicate",
                "Đơn vị được liệt kê hai lần (listed twice)",
            ));
        }
        let unit = units::get(conn, p.unit_id).map_err(|_| {
            ApiError::field(&field, "unknown", "Không có đơn vị này (no such unit)")
        })?;
        if unit.kind != set.level {
            return Err(ApiError::field(
                &field,
                "wrong_level",
                "Đơn vị không cùng cấp với bộ tiêu chí (the unit is not of the set's level)",
            ));
        }
        actor
            .authorize_unit_with_heirs(conn, Action::ManageNtm, unit.id)
            .map_err(|_| {
                ApiError::field(
                    &field,
                    "out_of_scope",
                    "Đơn vị ngoài phạm vi (out of scope)",
                )
            })?;
        let district_id = ancestor_of_kind(conn, unit.id, "district")?;
        let rows = criteria
            .iter()
            .map(|c| CriterionRow {
                evaluation_id: 0,
                number: i32::from(c.number),
                department_unit_id: c.department_unit_id,
                stage: 0,
                state: CriterionReview::open(c.number).state.as_str().to_owned(),
                awaiting_unit_id: Some(unit.id),
                met: false,
                claimed_met: None,
                return_reason: None,
            })
            .collect::<Vec<_>>();
        store::insert_evaluation(
            conn,
            &NewEvaluation {
                round_id: round.id,
                unit_id: unit.id,
                district_id,
                region: p.region.clone().or_else(|| body.default_region.clone()),
                commune_group: p.group.clone(),
                status: domain::ntm_review::EvaluationStatus::Draft
                    .as_str()
                    .to_owned(),
            },
            &rows,
        )?;
    }
    persistence::audit::append(
        conn,
        actor.audit(
            "ntm_round.create",
            "ntm_round",
            round.id,
            None,
            Some(serde_json::json!({"set_id": set.id, "name": round.name, "participants": body.participants.len()})),
        ),
    )?;
    round_view(round)
}

/// Open an evaluation round (NTM coordinators): one evaluation per
/// participating unit, entry between `opens_on` and `closes_on`.
#[utoipa::path(
    operation_id = "create_evaluation_round",
    tag = "ntm",
    security(("bearer" = [])),
    request_body = NewRoundBody,
    responses(
        (status = 201, body = Round),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/evaluation-rounds")]
pub async fn create_evaluation_round(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<NewRoundBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let round = state
        .db
        .write(move |conn| open_round(conn, &actor, &body))
        .await?;
    Ok(HttpResponse::Created().json(round))
}

/// Rounds with an evaluation in the caller's scope, latest first.
#[utoipa::path(
    operation_id = "list_evaluation_rounds",
    tag = "ntm",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<Round>))
)]
#[get("/evaluation-rounds")]
pub async fn list_evaluation_rounds(
    state: web::Data<AppState>,
    actor: Actor,
) -> ApiResult<web::Json<Vec<Round>>> {
    let roots = actor.scope_roots(Action::ViewNtm)?;
    let rows = state
        .db
        .run(move |conn| -> ApiResult<Vec<store::RoundRow>> {
            let roots = units::with_predecessors(conn, roots)?;
            Ok(store::list_rounds(conn, roots.as_deref())?)
        })
        .await?;
    Ok(web::Json(
        rows.into_iter().map(round_view).collect::<ApiResult<_>>()?,
    ))
}

/// One round with its chain.
#[utoipa::path(
    operation_id = "get_evaluation_round",
    tag = "ntm",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Round id", example = 1)),
    responses((status = 200, body = Round), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/evaluation-rounds/{id}")]
pub async fn get_evaluation_round(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Round>> {
    let id = id.into_inner();
    let roots = actor.scope_roots(Action::ViewNtm)?;
    let row = state
        .db
        .run(move |conn| -> ApiResult<store::RoundRow> {
            let roots = units::with_predecessors(conn, roots)?;
            let visible = store::list_rounds(conn, roots.as_deref())?;
            visible
                .into_iter()
                .find(|r| r.id == id)
                .ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(web::Json(round_view(row)?))
}
