//! NTM evaluations over HTTP: a unit's self-assessment (indicator values,
//! notes, evidence files, its own claim per criterion), the pass/fail the
//! system computes from the targets that apply to the unit, the review
//! chain step by step, reopening after the close date, tasks raised from
//! unmet criteria, and the list of what awaits the caller's review.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use actix_web::{get, post, put, web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};
use domain::access::{self, Action, Denial, Target as AccessTarget};
use domain::ntm::{self as rules, IndicatorResult, IndicatorValue, Target, ValueType};
use domain::ntm_review::{
    self as review, CriterionReview, EvaluationStatus, ReviewError, ReviewState, Stage,
};
use persistence::attachments::{self as files, Owner};
use persistence::ntm::{self as store, CriterionRow, EvaluationRow, RoundRow};
use persistence::{units, DbConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::attachments::{attach, Attachment};
use super::ntm_sets::{
    awaiting_unit, chain_of, conflict, definition, scoring_set, CriterionDef, RoundKind,
};
use super::tasks::{create_task, today as task_today, NewTaskBody, Task};
use crate::actor::{denied, Actor};
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ValidJson;
use crate::state::AppState;

/// Everything about one evaluation that its rules need.
pub struct Loaded {
    pub evaluation: EvaluationRow,
    pub round: RoundRow,
    pub chain: Vec<Stage>,
    pub set_code: String,
    pub set_name: String,
    pub criteria: Vec<CriterionDef>,
    pub rows: Vec<CriterionRow>,
}

impl Loaded {
    fn has_district(&self) -> bool {
        self.evaluation.district_id.is_some()
    }

    fn reviews(&self) -> Vec<CriterionReview> {
        self.rows
            .iter()
            .map(|r| CriterionReview {
                number: u8::try_from(r.number).unwrap_or(u8::MAX),
                stage: usize::try_from(r.stage).unwrap_or(0),
                state: ReviewState::parse(&r.state).unwrap_or(ReviewState::Open),
            })
            .collect()
    }

    fn department_of(&self, number: u8) -> Option<i64> {
        self.criteria
            .iter()
            .find(|c| c.number == number)
            .and_then(|c| c.department_unit_id)
    }
}

pub fn load(conn: &mut DbConnection, evaluation: EvaluationRow) -> ApiResult<Loaded> {
    let round = store::get_round(conn, evaluation.round_id)?;
    let chain = chain_of(&round)?;
    let set = store::get_set(conn, round.set_id)?;
    let criteria = definition(&set)?;
    let rows = store::criteria_of(conn, evaluation.id)?;
    Ok(Loaded {
        evaluation,
        round,
        chain,
        set_code: set.code,
        set_name: set.name,
        criteria,
        rows,
    })
}

/// Whether the actor holds any grant covering one of `unit_ids`.
fn covers_any(conn: &mut DbConnection, actor: &Actor, unit_ids: &BTreeSet<i64>) -> ApiResult<bool> {
    for &unit in unit_ids {
        let ancestry = units::ancestry_with_heirs(conn, unit)?;
        if actor.grants.iter().any(|g| g.covers(&ancestry)) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// An evaluation the actor may read: its unit is in scope, or the actor
/// serves a unit that owns one of its criteria or must act on it (a
/// department, the district, the coordination office). 404 otherwise.
pub fn visible(conn: &mut DbConnection, actor: &Actor, id: i64) -> ApiResult<Loaded> {
    let evaluation = store::get_evaluation(conn, id)?;
    let ancestry = units::ancestry_with_heirs(conn, evaluation.unit_id)?;
    let loaded = load(conn, evaluation)?;
    match access::authorize(
        &actor.grants,
        Action::ViewNtm,
        AccessTarget::Unit(&ancestry),
    ) {
        Ok(()) => return Ok(loaded),
        Err(Denial::Forbidden) => return Err(denied(Denial::Forbidden)),
        Err(Denial::OutOfScope) => {}
    }
    let related: BTreeSet<i64> = loaded
        .rows
        .iter()
        .flat_map(|r| [r.department_unit_id, r.awaiting_unit_id])
        .flatten()
        .chain(loaded.evaluation.district_id)
        .collect();
    if covers_any(conn, actor, &related)? {
        Ok(loaded)
    } else {
        Err(ApiError::not_found())
    }
}

/// An indicator with the unit's value and what the system computed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct IndicatorView {
    #[schema(example = "15.1")]
    pub code: String,
    pub name: String,
    pub value_type: ValueType,
    pub unit: String,
    pub comparator: domain::ntm::Comparator,
    /// The target that applies to this unit (its region or group, the
    /// round's year); none: not scored.
    pub target: Option<Target>,
    pub choices: Vec<String>,
    pub value: Option<IndicatorValue>,
    pub note: String,
    /// Computed, never entered.
    pub result: IndicatorResult,
    /// Evidence files (*minh chứng*).
    pub evidence: Vec<Attachment>,
}

/// A criterion of an evaluation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CriterionView {
    pub number: u8,
    #[schema(example = "Y tế")]
    pub name: String,
    pub group: String,
    pub department_unit_id: Option<i64>,
    /// Computed from the indicators.
    pub met: bool,
    /// What the unit itself claims, if it said.
    pub claimed_met: Option<bool>,
    /// The claim differs from the computed result: to look at.
    pub claim_differs: bool,
    /// The stage it sits at (index into the round's chain; the chain's
    /// length once done) and its state there.
    pub stage: usize,
    pub stage_name: Option<String>,
    pub state: ReviewState,
    /// Who must act next.
    pub awaiting_unit_id: Option<i64>,
    pub return_reason: Option<String>,
    /// The unit may change its values now (never submitted, or returned).
    pub editable: bool,
    pub indicators: Vec<IndicatorView>,
    /// Tasks raised from this criterion.
    pub task_ids: Vec<i64>,
}

/// One recorded review step.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewStep {
    pub stage: usize,
    pub stage_name: Option<String>,
    /// `submit`, `accept`, `return` or `reopen`.
    #[schema(example = "return")]
    pub action: String,
    pub criteria: Vec<u8>,
    pub reason: String,
    pub actor_name: String,
    #[serde(with = "crate::utc")]
    pub at: NaiveDateTime,
}

/// An evaluation as listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvaluationSummary {
    pub id: i64,
    pub round_id: i64,
    pub unit_id: i64,
    #[schema(example = "Xã Tân Sơn")]
    pub unit_name: String,
    pub district_id: Option<i64>,
    pub region: Option<String>,
    pub group: Option<String>,
    pub status: EvaluationStatus,
    pub criteria_met: i32,
    pub all_met: bool,
    pub reopened_until: Option<NaiveDate>,
    /// The People's Committee's recognition decision.
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
}

fn summary(row: &EvaluationRow, unit_name: String) -> EvaluationSummary {
    EvaluationSummary {
        id: row.id,
        round_id: row.round_id,
        unit_id: row.unit_id,
        unit_name,
        district_id: row.district_id,
        region: row.region.clone(),
        group: row.commune_group.clone(),
        status: EvaluationStatus::parse(&row.status).unwrap_or(EvaluationStatus::Draft),
        criteria_met: row.criteria_met,
        all_met: row.all_met,
        reopened_until: row.reopened_until,
        decision_number: row.decision_number.clone(),
        decision_date: row.decision_date,
    }
}

/// An evaluation with everything needed to enter or review it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvaluationDetail {
    #[serde(flatten)]
    pub summary: EvaluationSummary,
    pub round_name: String,
    pub round_kind: RoundKind,
    pub year: i32,
    pub set_code: String,
    pub set_name: String,
    pub criteria_total: usize,
    /// Entry is open today (between the round's dates, or reopened).
    pub entry_open: bool,
    pub chain: Vec<Stage>,
    pub criteria: Vec<CriterionView>,
    pub steps: Vec<ReviewStep>,
}

fn parse_value(text: Option<&str>) -> Option<IndicatorValue> {
    text.and_then(|t| serde_json::from_str(t).ok())
}

fn values_map(
    conn: &mut DbConnection,
    id: i64,
) -> ApiResult<BTreeMap<String, (Option<IndicatorValue>, String)>> {
    Ok(store::values_of(conn, id)?
        .into_iter()
        .map(|v| (v.indicator_code, (parse_value(v.value.as_deref()), v.note)))
        .collect())
}

fn stage_name(chain: &[Stage], stage: usize) -> Option<String> {
    chain.get(stage).map(|s| s.name.clone())
}

fn entry_open(round: &RoundRow, evaluation: &EvaluationRow, today: NaiveDate) -> bool {
    (round.opens_on <= today && today <= round.closes_on)
        || evaluation
            .reopened_until
            .is_some_and(|until| today <= until)
}

pub fn detail(conn: &mut DbConnection, loaded: &Loaded) -> ApiResult<EvaluationDetail> {
    let e = &loaded.evaluation;
    let values = values_map(conn, e.id)?;
    let plain: BTreeMap<String, IndicatorValue> = values
        .iter()
        .filter_map(|(k, (v, _))| v.clone().map(|v| (k.clone(), v)))
        .collect();
    let set = scoring_set(&loaded.set_code, &loaded.set_name, &loaded.criteria);
    let context = rules::EvaluationContext {
        region: e.region.as_deref(),
        group: e.commune_group.as_deref(),
        year: loaded.round.year,
    };
    let outcome = rules::evaluate(&set, &context, &plain);
    let mut evidence: HashMap<String, Vec<Attachment>> = HashMap::new();
    for row in files::of_evaluation(conn, e.id)? {
        let code = row.ntm_indicator_code.clone().unwrap_or_default();
        evidence.entry(code).or_default().push(row.into());
    }
    let mut tasks: HashMap<i32, Vec<i64>> = HashMap::new();
    for (number, task) in store::tasks_of(conn, e.id)? {
        tasks.entry(number).or_default().push(task);
    }
    let mut criteria = Vec::new();
    for (def, result) in loaded.criteria.iter().zip(&outcome.criteria) {
        let row = loaded
            .rows
            .iter()
            .find(|r| r.number == i32::from(def.number))
            .ok_or_else(|| ApiError::internal("criterion row missing"))?;
        let state = ReviewState::parse(&row.state).unwrap_or(ReviewState::Open);
        let stage = usize::try_from(row.stage).unwrap_or(0);
        let indicators = def
            .indicators
            .iter()
            .zip(&result.indicators)
            .map(|(i, r)| {
                let (value, note) = values.get(&i.code).cloned().unwrap_or_default();
                let domain_indicator = &set
                    .criteria
                    .iter()
                    .find(|c| c.number == def.number)
                    .and_then(|c| c.indicators.iter().find(|x| x.code == i.code));
                IndicatorView {
                    code: i.code.clone(),
                    name: i.name.clone(),
                    value_type: i.value_type,
                    unit: i.unit.clone(),
                    comparator: i.comparator,
                    target: domain_indicator.and_then(|d| {
                        rules::applicable_target(d, context.region, context.group, context.year)
                            .cloned()
                    }),
                    choices: i.choices.clone(),
                    value,
                    note,
                    result: r.result,
                    evidence: evidence.remove(&i.code).unwrap_or_default(),
                }
            })
            .collect();
        criteria.push(CriterionView {
            number: def.number,
            name: def.name.clone(),
            group: def.group.clone(),
            department_unit_id: def.department_unit_id,
            met: result.result.met,
            claimed_met: row.claimed_met,
            claim_differs: row.claimed_met.is_some_and(|c| c != result.result.met),
            stage,
            stage_name: stage_name(&loaded.chain, stage),
            state,
            awaiting_unit_id: row.awaiting_unit_id,
            return_reason: row.return_reason.clone(),
            editable: matches!(state, ReviewState::Open | ReviewState::Returned),
            indicators,
            task_ids: tasks.remove(&row.number).unwrap_or_default(),
        });
    }
    let steps = store::steps_of(conn, e.id)?
        .into_iter()
        .map(|s| {
            let stage = usize::try_from(s.stage).unwrap_or(0);
            ReviewStep {
                stage,
                stage_name: stage_name(&loaded.chain, stage),
                action: s.action,
                criteria: s
                    .criteria
                    .split(',')
                    .filter_map(|n| n.parse().ok())
                    .collect(),
                reason: s.reason,
                actor_name: s.actor_name,
                at: s.at,
            }
        })
        .collect();
    let unit_name = units::get(conn, e.unit_id)?.name;
    Ok(EvaluationDetail {
        summary: summary(e, unit_name),
        round_name: loaded.round.name.clone(),
        round_kind: RoundKind::parse(&loaded.round.kind),
        year: loaded.round.year,
        set_code: loaded.set_code.clone(),
        set_name: loaded.set_name.clone(),
        criteria_total: loaded.criteria.len(),
        entry_open: entry_open(&loaded.round, e, task_today()),
        chain: loaded.chain.clone(),
        criteria,
        steps,
    })
}

/// Recomputes pass/fail of every criterion from the stored values, and
/// the evaluation's summary and status, and stores them.
fn rescore(conn: &mut DbConnection, loaded: &mut Loaded) -> ApiResult<()> {
    let values: BTreeMap<String, IndicatorValue> = values_map(conn, loaded.evaluation.id)?
        .into_iter()
        .filter_map(|(k, (v, _))| v.map(|v| (k, v)))
        .collect();
    let set = scoring_set(&loaded.set_code, &loaded.set_name, &loaded.criteria);
    let e = &loaded.evaluation;
    let outcome = rules::evaluate(
        &set,
        &rules::EvaluationContext {
            region: e.region.as_deref(),
            group: e.commune_group.as_deref(),
            year: loaded.round.year,
        },
        &values,
    );
    for row in &mut loaded.rows {
        let met = outcome
            .criteria
            .iter()
            .any(|c| i32::from(c.number) == row.number && c.result.met);
        if row.met != met {
            row.met = met;
            store::update_criterion(conn, row)?;
        }
    }
    let status = review::status(loaded.chain.len(), &loaded.reviews());
    store::update_summary(
        conn,
        e.id,
        &store::EvaluationSummaryFields {
            status: status.as_str().to_owned(),
            criteria_met: i32::try_from(outcome.summary.criteria_met).unwrap_or(i32::MAX),
            all_met: outcome.summary.all_met,
        },
    )?;
    loaded.evaluation = store::get_evaluation(conn, e.id)?;
    Ok(())
}

/// Evaluations in the caller's scope, and those with a criterion owned by
/// a department the caller serves.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EvaluationQuery {
    pub round_id: Option<i64>,
    /// `draft`, `in_review`, `returned` or `completed`.
    pub status: Option<EvaluationStatus>,
}

/// Evaluations the caller may see.
#[utoipa::path(
    operation_id = "list_evaluations",
    tag = "ntm",
    security(("bearer" = [])),
    params(EvaluationQuery),
    responses((status = 200, body = Vec<EvaluationSummary>))
)]
#[get("/evaluations")]
pub async fn list_evaluations(
    state: web::Data<AppState>,
    actor: Actor,
    q: web::Query<EvaluationQuery>,
) -> ApiResult<web::Json<Vec<EvaluationSummary>>> {
    let roots = actor.scope_roots(Action::ViewNtm)?;
    let all_grant_units: Vec<i64> = actor.grants.iter().map(|g| g.unit_id).collect();
    let q = q.into_inner();
    let list = state
        .db
        .run(move |conn| -> ApiResult<Vec<EvaluationSummary>> {
            let roots = units::with_predecessors(conn, roots)?;
            let rows = store::list_evaluations(
                conn,
                &store::EvaluationFilter {
                    round_id: q.round_id,
                    roots,
                    department_roots: all_grant_units,
                    status: q.status.map(|s| s.as_str().to_owned()),
                },
            )?;
            let ids: Vec<i64> = rows.iter().map(|r| r.unit_id).collect();
            let names = units::names(conn, &ids)?;
            Ok(rows
                .iter()
                .map(|r| summary(r, names.get(&r.unit_id).cloned().unwrap_or_default()))
                .collect())
        })
        .await?;
    Ok(web::Json(list))
}

/// One evaluation: values, computed results, claims, review position,
/// evidence and the review trail.
#[utoipa::path(
    operation_id = "get_evaluation",
    tag = "ntm",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Evaluation id", example = 1)),
    responses((status = 200, body = EvaluationDetail), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/evaluations/{id}")]
pub async fn get_evaluation(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<EvaluationDetail>> {
    let id = id.into_inner();
    let detail = state
        .db
        .run(move |conn| {
            let loaded = visible(conn, &actor, id)?;
            detail(conn, &loaded)
        })
        .await?;
    Ok(web::Json(detail))
}

/// A value to record for an indicator.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct ValueEntry {
    #[validate(length(min = 1, max = 20))]
    #[schema(min_length = 1, max_length = 20)]
    pub indicator_code: String,
    /// `{"number": "96.5"}`, `{"bool": true}`, `{"choice": "Đạt"}`,
    /// `{"text": "..."}`; null clears it.
    pub value: Option<IndicatorValue>,
    #[serde(default)]
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub note: String,
    /// Evidence files uploaded beforehand (`POST /attachments`).
    #[serde(default)]
    pub attachment_ids: Vec<i64>,
}

/// The unit's own claim on a criterion (null: no claim).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
pub struct ClaimEntry {
    pub number: u8,
    pub met: Option<bool>,
}

/// Values and claims to record.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"values": [{"indicator_code": "15.1", "value": {"number": "96.2"}, "note": "Theo số liệu BHXH huyện", "attachment_ids": [12]}], "claims": [{"number": 15, "met": true}]}))]
pub struct ValuesBody {
    #[serde(default)]
    #[validate(length(max = 500), nested)]
    #[schema(max_items = 500)]
    pub values: Vec<ValueEntry>,
    #[serde(default)]
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub claims: Vec<ClaimEntry>,
}

/// The actor holds the first stage's role on the unit (403 otherwise: the
/// callers have already checked that the actor may read the evaluation).
fn may_enter(conn: &mut DbConnection, actor: &Actor, loaded: &Loaded) -> ApiResult<()> {
    let ancestry = units::ancestry_with_heirs(conn, loaded.evaluation.unit_id)?;
    let role = loaded
        .chain
        .first()
        .ok_or_else(|| ApiError::internal("empty chain"))?
        .role;
    // The caller can read the evaluation (see `visible`), so a unit outside
    // their grants is a refusal, not a secret.
    access::hold_role(&actor.grants, role, &ancestry).map_err(|_| denied(Denial::Forbidden))
}

fn ensure_open(loaded: &Loaded) -> ApiResult<()> {
    let today = task_today();
    if today < loaded.round.opens_on {
        return Err(conflict(
            "round",
            "round_not_open",
            "Đợt đánh giá chưa mở (the round has not opened yet)",
        ));
    }
    if !entry_open(&loaded.round, &loaded.evaluation, today) {
        return Err(conflict(
            "round",
            "round_closed",
            "Đợt đánh giá đã khóa sổ; đề nghị Văn phòng Điều phối mở lại \
             (the round is closed; ask the coordination office to reopen it)",
        ));
    }
    Ok(())
}

fn record_values(
    conn: &mut DbConnection,
    actor: &Actor,
    loaded: &mut Loaded,
    body: &ValuesBody,
) -> ApiResult<()> {
    let editable: BTreeSet<u8> = loaded
        .reviews()
        .iter()
        .filter(|r| r.editable())
        .map(|r| r.number)
        .collect();
    for (i, entry) in body.values.iter().enumerate() {
        let field = |name: &str| format!("values[{i}].{name}");
        let code = entry.indicator_code.trim();
        let (criterion, indicator) = loaded
            .criteria
            .iter()
            .find_map(|c| c.indicators.iter().find(|x| x.code == code).map(|x| (c, x)))
            .ok_or_else(|| {
                ApiError::field(
                    &field("indicator_code"),
                    "unknown_indicator",
                    "Không có chỉ tiêu này trong bộ tiêu chí (no such indicator)",
                )
            })?;
        if !editable.contains(&criterion.number) {
            return Err(conflict(
                &field("indicator_code"),
                "criterion_locked",
                &format!(
                    "Tiêu chí {} đã gửi thẩm định, không sửa được (criterion {} is under review)",
                    criterion.number, criterion.number
                ),
            ));
        }
        if let Some(value) = &entry.value {
            if !value.fits(indicator.value_type) {
                return Err(ApiError::field(
                    &field("value"),
                    "wrong_type",
                    "Giá trị không đúng kiểu của chỉ tiêu (the value is not of the indicator's type)",
                ));
            }
        }
        let text = entry
            .value
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(ApiError::internal)?;
        store::put_value(
            conn,
            loaded.evaluation.id,
            code,
            text.as_deref(),
            &domain::text::canonical(&entry.note),
            actor.user_id(),
        )?;
        attach(
            conn,
            actor,
            &entry.attachment_ids,
            Owner::Evidence {
                evaluation_id: loaded.evaluation.id,
                indicator_code: code,
            },
            &field("attachment_ids"),
        )?;
    }
    for (i, claim) in body.claims.iter().enumerate() {
        let field = format!("claims[{i}].number");
        let row = loaded
            .rows
            .iter_mut()
            .find(|r| r.number == i32::from(claim.number))
            .ok_or_else(|| {
                ApiError::field(
                    &field,
                    "unknown_criterion",
                    "Không có tiêu chí này (no such criterion)",
                )
            })?;
        if !editable.contains(&claim.number) {
            return Err(conflict(
                &field,
                "criterion_locked",
                "Tiêu chí đã gửi thẩm định (the criterion is under review)",
            ));
        }
        row.claimed_met = claim.met;
        store::update_criterion(conn, row)?;
    }
    rescore(conn, loaded)
}

/// Record indicator values, notes, evidence and claims (the evaluated
/// unit, while entry is open and only on criteria not under review).
#[utoipa::path(
    operation_id = "put_evaluation_values",
    tag = "ntm",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Evaluation id", example = 1)),
    request_body = ValuesBody,
    responses(
        (status = 200, body = EvaluationDetail),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Round closed or criterion under review", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[put("/evaluations/{id}/values")]
pub async fn put_evaluation_values(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<ValuesBody>,
) -> ApiResult<web::Json<EvaluationDetail>> {
    let (id, body) = (id.into_inner(), body.0);
    let detail = state
        .db
        .write(move |conn| enter_values(conn, &actor, id, &body))
        .await?;
    Ok(web::Json(detail))
}

/// Records values and claims as the evaluated unit (also the seed's path).
pub fn enter_values(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    body: &ValuesBody,
) -> ApiResult<EvaluationDetail> {
    let mut loaded = visible(conn, actor, id)?;
    may_enter(conn, actor, &loaded)?;
    ensure_open(&loaded)?;
    record_values(conn, actor, &mut loaded, body)?;
    persistence::audit::append(
        conn,
        actor.audit(
            "ntm_evaluation.values",
            "ntm_evaluation",
            id,
            None,
            Some(serde_json::json!({"values": body.values.len(), "claims": body.claims.len()})),
        ),
    )?;
    detail(conn, &loaded)
}

/// What a review step does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    /// The evaluated unit sends its open and returned criteria on.
    Submit,
    /// A stage accepts what waits for it (at the last stage with a
    /// decision: recognition).
    Accept,
    /// A stage sends criteria back, with a reason.
    Return,
}

/// A review step.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"action": "return", "criteria": [17], "reason": "Thiếu biên bản kiểm tra vệ sinh môi trường"}))]
pub struct ReviewBody {
    pub action: ReviewAction,
    /// The criteria acted on; absent: all the caller may act on at the
    /// stage (the whole evaluation for a whole-evaluation stage).
    #[validate(length(min = 1, max = 60))]
    #[schema(min_items = 1, max_items = 60)]
    pub criteria: Option<Vec<u8>>,
    /// Required to return.
    #[serde(default)]
    #[validate(length(max = 4000))]
    #[schema(max_length = 4000)]
    pub reason: String,
    /// The recognition decision, at a stage that records one.
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
}

fn review_error(e: &ReviewError) -> ApiError {
    match e {
        ReviewError::NotYours(_) => denied(Denial::Forbidden),
        ReviewError::ReasonRequired => ApiError::field("reason", e.code(), e.to_string()),
        ReviewError::NothingToSubmit | ReviewError::NothingPending => {
            conflict("action", e.code(), &e.to_string())
        }
        ReviewError::NotAtStage(_) => ApiError::field("criteria", e.code(), e.to_string()),
    }
}

/// For each stage, which criteria there the actor may act on.
struct Stages<'a> {
    loaded: &'a Loaded,
    ancestry: HashMap<i64, Vec<i64>>,
}

impl Stages<'_> {
    fn may(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        stage: usize,
        number: u8,
    ) -> ApiResult<bool> {
        let e = &self.loaded.evaluation;
        let unit = awaiting_unit(
            conn,
            &self.loaded.chain,
            stage,
            e.unit_id,
            e.district_id,
            self.loaded.department_of(number),
        )?;
        let Some(unit) = unit else { return Ok(false) };
        let ancestry = match self.ancestry.entry(unit) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(slot) => slot.insert(units::ancestry_with_heirs(conn, unit)?),
        };
        let role = self.loaded.chain[stage].role;
        Ok(access::hold_role(&actor.grants, role, ancestry).is_ok())
    }

    /// The lowest stage (among those where something is in one of
    /// `states`) at which the actor may act on some criterion, with the
    /// criteria numbers there the actor may act on.
    fn pick(
        &mut self,
        conn: &mut DbConnection,
        actor: &Actor,
        states: &[ReviewState],
    ) -> ApiResult<Option<(usize, BTreeSet<u8>)>> {
        let reviews = self.loaded.reviews();
        let mut stages: Vec<usize> = reviews
            .iter()
            .filter(|r| {
                r.stage > 0 && r.stage < self.loaded.chain.len() && states.contains(&r.state)
            })
            .map(|r| r.stage)
            .collect();
        stages.sort_unstable();
        stages.dedup();
        for stage in stages {
            let mut mine = BTreeSet::new();
            for r in reviews.iter().filter(|r| r.stage == stage) {
                if self.may(conn, actor, stage, r.number)? {
                    mine.insert(r.number);
                }
            }
            if !mine.is_empty() {
                return Ok(Some((stage, mine)));
            }
        }
        Ok(None)
    }
}

fn step(
    conn: &mut DbConnection,
    actor: &Actor,
    evaluation_id: i64,
    stage: usize,
    action: &str,
    criteria: &[u8],
    reason: &str,
) -> ApiResult<()> {
    store::insert_step(
        conn,
        &store::NewStep {
            evaluation_id,
            stage: i32::try_from(stage).unwrap_or(i32::MAX),
            action: action.to_owned(),
            criteria: criteria
                .iter()
                .map(u8::to_string)
                .collect::<Vec<_>>()
                .join(","),
            reason: reason.to_owned(),
            actor_id: actor.user_id(),
            actor_name: actor.name.clone(),
        },
    )?;
    persistence::audit::append(
        conn,
        actor.audit(
            &format!("ntm_evaluation.{action}"),
            "ntm_evaluation",
            evaluation_id,
            None,
            Some(serde_json::json!({"stage": stage, "criteria": criteria, "reason": reason})),
        ),
    )?;
    Ok(())
}

/// Writes the reviews back: each criterion's stage, state, who must act
/// next, and the reason when `returned` holds it.
fn store_reviews(
    conn: &mut DbConnection,
    loaded: &mut Loaded,
    reviews: &[CriterionReview],
    returned: &[u8],
    reason: &str,
) -> ApiResult<()> {
    for r in reviews {
        let department = loaded.department_of(r.number);
        let e = &loaded.evaluation;
        let awaiting = awaiting_unit(
            conn,
            &loaded.chain,
            r.stage,
            e.unit_id,
            e.district_id,
            department,
        )?;
        let row = loaded
            .rows
            .iter_mut()
            .find(|x| x.number == i32::from(r.number))
            .ok_or_else(|| ApiError::internal("criterion row missing"))?;
        let stage = i32::try_from(r.stage).unwrap_or(i32::MAX);
        let awaiting = if r.state == ReviewState::Returned {
            Some(e.unit_id)
        } else {
            awaiting
        };
        let reason = if returned.contains(&r.number) {
            Some(reason.to_owned())
        } else if r.state == ReviewState::Returned {
            row.return_reason.clone()
        } else {
            None
        };
        if row.stage != stage
            || row.state != r.state.as_str()
            || row.awaiting_unit_id != awaiting
            || row.return_reason != reason
        {
            row.stage = stage;
            row.state = r.state.as_str().to_owned();
            row.awaiting_unit_id = awaiting;
            row.return_reason = reason;
            store::update_criterion(conn, row)?;
        }
    }
    rescore(conn, loaded)
}

/// Takes one review step (also the seed's path).
pub fn act(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    body: &ReviewBody,
) -> ApiResult<EvaluationDetail> {
    let mut loaded = visible(conn, actor, id)?;
    let before = loaded.reviews();
    let mut reviews = before.clone();
    let has_district = loaded.has_district();
    match body.action {
        ReviewAction::Submit => {
            may_enter(conn, actor, &loaded)?;
            ensure_open(&loaded)?;
            let moved = review::submit(&loaded.chain, has_district, &mut reviews)
                .map_err(|e| review_error(&e))?;
            store_reviews(conn, &mut loaded, &reviews, &[], "")?;
            step(conn, actor, id, 0, "submit", &moved, "")?;
        }
        ReviewAction::Accept | ReviewAction::Return => {
            let states: &[ReviewState] = if body.action == ReviewAction::Accept {
                &[ReviewState::Pending]
            } else {
                &[ReviewState::Pending, ReviewState::Accepted]
            };
            let picked = Stages {
                loaded: &loaded,
                ancestry: HashMap::new(),
            }
            .pick(conn, actor, states)?;
            let Some((stage, mine)) = picked else {
                return Err(conflict(
                    "action",
                    "nothing_pending",
                    "Không có tiêu chí nào chờ bạn xử lý (nothing awaits your review)",
                ));
            };
            let is_mine = |n: u8| mine.contains(&n);
            let only = body.criteria.as_deref();
            let (action, done) = if body.action == ReviewAction::Accept {
                let records = loaded.chain[stage].records_decision;
                if records {
                    if only.is_some() {
                        return Err(ApiError::field(
                            "criteria",
                            "whole_only",
                            "Quyết định công nhận áp dụng cho cả phiếu, không chọn từng tiêu chí \
                             (recognition covers the whole evaluation)",
                        ));
                    }
                    let (Some(number), Some(date)) = (&body.decision_number, body.decision_date)
                    else {
                        return Err(ApiError::field(
                            "decision_number",
                            "decision_required",
                            "Phải ghi số và ngày quyết định công nhận \
                             (the recognition decision's number and date are required)",
                        ));
                    };
                    if !loaded.evaluation.all_met {
                        return Err(conflict(
                            "action",
                            "criteria_unmet",
                            "Chưa đạt đủ các tiêu chí, không thể công nhận \
                             (not every criterion is met; cannot recognise)",
                        ));
                    }
                    store::set_decision(conn, id, number.trim(), date)?;
                }
                let done = review::accept(
                    &loaded.chain,
                    has_district,
                    &mut reviews,
                    stage,
                    &is_mine,
                    only,
                )
                .map_err(|e| review_error(&e))?;
                (if records { "recognise" } else { "accept" }, done)
            } else {
                let done = review::return_items(&mut reviews, stage, &is_mine, only, &body.reason)
                    .map_err(|e| review_error(&e))?;
                ("return", done)
            };
            let reason = domain::text::canonical(&body.reason);
            let returned: &[u8] = if action == "return" { &done } else { &[] };
            store_reviews(conn, &mut loaded, &reviews, returned, &reason)?;
            step(conn, actor, id, stage, action, &done, &reason)?;
        }
    }
    notify_changes(conn, actor, &loaded, &before, &body.reason)?;
    detail(conn, &loaded)
}

fn numbers(list: &[u8]) -> String {
    list.iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// In-app notifications after a step: whoever must now act on criteria
/// that just reached their stage, and the evaluated unit's staff when
/// criteria come back to them or the whole review completes. The actor is
/// not told about their own step.
fn notify_changes(
    conn: &mut DbConnection,
    actor: &Actor,
    loaded: &Loaded,
    before: &[CriterionReview],
    reason: &str,
) -> ApiResult<()> {
    let after = loaded.reviews();
    let e = &loaded.evaluation;
    let unit_name = units::get(conn, e.unit_id)?.name;
    let tell = |conn: &mut DbConnection,
                unit: i64,
                role: domain::access::Role,
                kind: &str,
                text: (&str, &str)|
     -> ApiResult<()> {
        for user in persistence::notifications::users_with_role_over(conn, unit, &[role.as_str()])?
        {
            if Some(user) != actor.user_id() {
                persistence::notifications::notify_evaluation(conn, user, kind, e.id, text)?;
            }
        }
        Ok(())
    };
    let mut waiting: BTreeMap<(usize, i64), Vec<u8>> = BTreeMap::new();
    let mut returned = Vec::new();
    for (was, now) in before.iter().zip(&after) {
        let changed = (was.stage, was.state) != (now.stage, now.state);
        if !changed {
            continue;
        }
        match now.state {
            ReviewState::Pending => {
                let row = loaded
                    .rows
                    .iter()
                    .find(|r| r.number == i32::from(now.number));
                if let Some(unit) = row.and_then(|r| r.awaiting_unit_id) {
                    waiting
                        .entry((now.stage, unit))
                        .or_default()
                        .push(now.number);
                }
            }
            ReviewState::Returned => returned.push(now.number),
            ReviewState::Open | ReviewState::Accepted => {}
        }
    }
    for ((stage, unit), list) in waiting {
        let title = format!(
            "{unit_name}: tiêu chí {} chờ bước \"{}\" (NTM criteria await you)",
            numbers(&list),
            loaded.chain[stage].name
        );
        tell(
            conn,
            unit,
            loaded.chain[stage].role,
            "ntm_awaiting",
            (&title, &loaded.round.name),
        )?;
    }
    let submitter = loaded.chain[0].role;
    if !returned.is_empty() {
        let title = format!(
            "{unit_name}: tiêu chí {} bị trả lại (NTM criteria returned)",
            numbers(&returned)
        );
        tell(conn, e.unit_id, submitter, "ntm_returned", (&title, reason))?;
    }
    let finished = |r: &[CriterionReview]| {
        review::status(loaded.chain.len(), r) == EvaluationStatus::Completed
    };
    if finished(&after) && !finished(before) {
        let title = format!(
            "{unit_name}: hoàn thành đánh giá {} (NTM review completed)",
            loaded.round.name
        );
        let body = e
            .decision_number
            .as_deref()
            .map(|d| format!("Quyết định công nhận số {d}"))
            .unwrap_or_default();
        tell(conn, e.unit_id, submitter, "ntm_completed", (&title, &body))?;
    }
    Ok(())
}

/// Take a step in the review chain: the unit submits; a stage accepts or
/// returns (with a reason), the whole evaluation or named criteria. The
/// stage is the lowest one where the caller holds the stage's role on the
/// unit that must act (a department acts on the criteria it owns).
#[utoipa::path(
    operation_id = "review_evaluation",
    tag = "ntm",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Evaluation id", example = 1)),
    request_body = ReviewBody,
    responses(
        (status = 200, body = EvaluationDetail),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/evaluations/{id}/review")]
pub async fn review_evaluation(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<ReviewBody>,
) -> ApiResult<web::Json<EvaluationDetail>> {
    let (id, body) = (id.into_inner(), body.0);
    let detail = state
        .db
        .write(move |conn| act(conn, &actor, id, &body))
        .await?;
    Ok(web::Json(detail))
}

/// Reopening entry for one unit after the close date.
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"until": "2026-12-31", "reason": "Xã bổ sung minh chứng tiêu chí 17"}))]
pub struct ReopenBody {
    /// Entry stays open through this date.
    pub until: NaiveDate,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Reopen entry for this unit until a date (NTM coordinators).
#[utoipa::path(
    operation_id = "reopen_evaluation",
    tag = "ntm",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Evaluation id", example = 1)),
    request_body = ReopenBody,
    responses(
        (status = 200, body = EvaluationDetail),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/evaluations/{id}/reopen")]
pub async fn reopen_evaluation(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<ReopenBody>,
) -> ApiResult<web::Json<EvaluationDetail>> {
    let (id, body) = (id.into_inner(), body.0);
    let detail = state
        .db
        .write(move |conn| -> ApiResult<EvaluationDetail> {
            let mut loaded = visible(conn, &actor, id)?;
            actor.authorize_unit_with_heirs(conn, Action::ManageNtm, loaded.evaluation.unit_id)?;
            if body.until < task_today() {
                return Err(ApiError::field(
                    "until",
                    "in_the_past",
                    "Ngày mở lại đến phải từ hôm nay (the date must not be in the past)",
                ));
            }
            store::set_reopened(conn, id, Some(body.until))?;
            step(
                conn,
                &actor,
                id,
                0,
                "reopen",
                &[],
                &domain::text::canonical(&body.reason),
            )?;
            loaded.evaluation = store::get_evaluation(conn, id)?;
            detail(conn, &loaded)
        })
        .await?;
    Ok(web::Json(detail))
}

/// Who leads a task raised from a criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskLead {
    /// The department owning the criterion.
    Department,
    /// The evaluated unit.
    Unit,
}

/// A task to raise from an unmet criterion, under an existing directive
/// (e.g. the province's NTM plan).
#[derive(Debug, Clone, Serialize, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"directive_id": 3, "lead": "department", "content": "Hướng dẫn xã Tân Sơn hoàn thiện tiêu chí 17 (Môi trường)", "deadline": "2027-03-31"}))]
pub struct CriterionTaskBody {
    pub directive_id: i64,
    pub lead: TaskLead,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub content: String,
    pub deadline: Option<NaiveDate>,
}

/// Raise a directive task from an unmet criterion, led by its owning
/// department or by the unit (NTM coordinators); the task links back.
#[utoipa::path(
    operation_id = "create_criterion_task",
    tag = "ntm",
    security(("bearer" = [])),
    params(
        ("id" = i64, Path, description = "Evaluation id", example = 1),
        ("number" = u8, Path, description = "Criterion number", example = 17)
    ),
    request_body = CriterionTaskBody,
    responses(
        (status = 201, body = Task),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/evaluations/{id}/criteria/{number}/tasks")]
pub async fn create_criterion_task(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, u8)>,
    body: ValidJson<CriterionTaskBody>,
) -> ApiResult<HttpResponse> {
    let ((id, number), body) = (path.into_inner(), body.0);
    let task = state
        .db
        .write(move |conn| -> ApiResult<Task> {
            let loaded = visible(conn, &actor, id)?;
            actor.authorize_unit_with_heirs(conn, Action::ManageNtm, loaded.evaluation.unit_id)?;
            let row = loaded
                .rows
                .iter()
                .find(|r| r.number == i32::from(number))
                .ok_or_else(ApiError::not_found)?;
            if row.met {
                return Err(ApiError::field(
                    "number",
                    "criterion_met",
                    "Tiêu chí đã đạt (the criterion is already met)",
                ));
            }
            let lead_unit_id = match body.lead {
                TaskLead::Unit => loaded.evaluation.unit_id,
                TaskLead::Department => row.department_unit_id.ok_or_else(|| {
                    ApiError::field(
                        "lead",
                        "department_missing",
                        "Tiêu chí chưa có sở, ngành phụ trách (the criterion has no owning department)",
                    )
                })?,
            };
            let directive = persistence::tasks::get_directive(conn, body.directive_id).map_err(|e| match e {
                persistence::PersistenceError::NotFound => ApiError::field(
                    "directive_id",
                    "unknown",
                    "Không có văn bản chỉ đạo này (no such directive)",
                ),
                other => other.into(),
            })?;
            let task = create_task(
                conn,
                &actor,
                &directive,
                &NewTaskBody {
                    content: body.content.clone(),
                    lead_unit_id,
                    coordinating_unit_ids: Vec::new(),
                    specialist_id: None,
                    deadline: body.deadline,
                    reporting_cycle: None,
                    priority: domain::tasks::Priority::Normal,
                    tags: vec!["NTM".into(), format!("Tiêu chí {number}")],
                    attachment_ids: Vec::new(),
                },
                None,
                crate::routes::tasks::today(),
            )?;
            store::link_task(conn, task.id, id, i32::from(number))?;
            Ok(super::tasks::task_views(conn, vec![task])?.remove(0))
        })
        .await?;
    Ok(HttpResponse::Created().json(task))
}

/// A criterion waiting for the caller's review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AwaitingItem {
    pub evaluation_id: i64,
    pub round_id: i64,
    pub round_name: String,
    pub unit_id: i64,
    #[schema(example = "Xã Tân Sơn")]
    pub unit_name: String,
    pub number: u8,
    #[schema(example = "Môi trường và an toàn thực phẩm")]
    pub criterion_name: String,
    pub met: bool,
    pub stage: usize,
    pub stage_name: Option<String>,
    /// The unit that must act (the caller's department, district, office).
    pub awaiting_unit_id: i64,
}

/// Everything awaiting the caller's review, across units: for a
/// department, the criteria it owns that wait for its appraisal.
#[utoipa::path(
    operation_id = "list_awaiting_reviews",
    tag = "ntm",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<AwaitingItem>))
)]
#[get("/ntm-reviews/awaiting")]
pub async fn list_awaiting_reviews(
    state: web::Data<AppState>,
    actor: Actor,
) -> ApiResult<web::Json<Vec<AwaitingItem>>> {
    let admin = actor
        .grants
        .iter()
        .any(|g| g.role == domain::access::Role::SystemAdmin);
    let roots: Option<Vec<i64>> =
        (!admin).then(|| actor.grants.iter().map(|g| g.unit_id).collect());
    let items = state
        .db
        .run(move |conn| -> ApiResult<Vec<AwaitingItem>> {
            let roots = units::with_predecessors(conn, roots)?;
            let rows = store::awaiting(conn, roots.as_deref())?;
            let mut rounds: HashMap<i64, (RoundRow, Vec<Stage>, Vec<CriterionDef>)> =
                HashMap::new();
            let mut ancestry: HashMap<i64, Vec<i64>> = HashMap::new();
            let unit_ids: Vec<i64> = rows.iter().map(|(_, e)| e.unit_id).collect();
            let names = units::names(conn, &unit_ids)?;
            let mut out = Vec::new();
            for (c, e) in rows {
                let Some(awaiting) = c.awaiting_unit_id else {
                    continue;
                };
                let (round, chain, criteria) = match rounds.entry(e.round_id) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => {
                        let round = store::get_round(conn, e.round_id)?;
                        let chain = chain_of(&round)?;
                        let criteria = definition(&store::get_set(conn, round.set_id)?)?;
                        slot.insert((round, chain, criteria))
                    }
                };
                let stage = usize::try_from(c.stage).unwrap_or(0);
                let Some(s) = chain.get(stage) else { continue };
                if stage == 0 {
                    continue;
                }
                let unit_ancestry = match ancestry.entry(awaiting) {
                    Entry::Occupied(known) => known.into_mut(),
                    Entry::Vacant(slot) => slot.insert(units::ancestry_with_heirs(conn, awaiting)?),
                };
                if access::hold_role(&actor.grants, s.role, unit_ancestry).is_err() {
                    continue;
                }
                let number = u8::try_from(c.number).unwrap_or(u8::MAX);
                out.push(AwaitingItem {
                    evaluation_id: e.id,
                    round_id: e.round_id,
                    round_name: round.name.clone(),
                    unit_id: e.unit_id,
                    unit_name: names.get(&e.unit_id).cloned().unwrap_or_default(),
                    number,
                    criterion_name: criteria
                        .iter()
                        .find(|d| d.number == number)
                        .map(|d| d.name.clone())
                        .unwrap_or_default(),
                    met: c.met,
                    stage,
                    stage_name: Some(s.name.clone()),
                    awaiting_unit_id: awaiting,
                });
            }
            Ok(out)
        })
        .await?;
    Ok(web::Json(items))
}
