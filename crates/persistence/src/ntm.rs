//! NTM criteria evaluation: criteria sets (their criteria as one JSON
//! document), rounds with their review chain, evaluations with per-
//! criterion review state, indicator values, the review trail and the
//! tasks raised from unmet criteria. The rules live in `domain::ntm` and
//! `domain::ntm_review`.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{affected, PersistenceError, PersistenceResult};
use crate::schema::{
    ntm_criteria_sets, ntm_criterion_tasks, ntm_evaluation_criteria, ntm_evaluations,
    ntm_review_steps, ntm_rounds, ntm_values, org_unit_closure,
};
use crate::units::UnitId;

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

fn found<T>(row: Option<T>) -> PersistenceResult<T> {
    row.ok_or(PersistenceError::NotFound)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = ntm_criteria_sets)]
pub struct SetRow {
    pub id: i64,
    pub code: String,
    pub version: i32,
    pub name: String,
    pub level: String,
    pub variant: String,
    pub legal_basis: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub status: String,
    pub definition: String,
    pub based_on_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
}

/// A set's descriptive fields and definition, as written.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = ntm_criteria_sets)]
pub struct SetFields {
    pub code: String,
    pub name: String,
    pub level: String,
    pub variant: String,
    pub legal_basis: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub definition: String,
}

/// Stores a new draft: version one past the latest of its code.
pub fn insert_set(
    conn: &mut DbConnection,
    fields: &SetFields,
    based_on_id: Option<i64>,
    created_by: Option<i64>,
) -> PersistenceResult<SetRow> {
    let latest: Option<i32> = ntm_criteria_sets::table
        .filter(ntm_criteria_sets::code.eq(&fields.code))
        .select(diesel::dsl::max(ntm_criteria_sets::version))
        .first(conn)?;
    let at = now();
    let id: i64 = diesel::insert_into(ntm_criteria_sets::table)
        .values((
            fields,
            ntm_criteria_sets::version.eq(latest.unwrap_or(0) + 1),
            ntm_criteria_sets::status.eq("draft"),
            ntm_criteria_sets::based_on_id.eq(based_on_id),
            ntm_criteria_sets::created_by.eq(created_by),
            ntm_criteria_sets::created_at.eq(at),
            ntm_criteria_sets::updated_at.eq(at),
        ))
        .returning(ntm_criteria_sets::id)
        .get_result(conn)?;
    get_set(conn, id)
}

pub fn get_set(conn: &mut DbConnection, id: i64) -> PersistenceResult<SetRow> {
    found(
        ntm_criteria_sets::table
            .find(id)
            .select(SetRow::as_select())
            .first(conn)
            .optional()?,
    )
}

/// Every set, newest version of each code first.
pub fn list_sets(conn: &mut DbConnection) -> PersistenceResult<Vec<SetRow>> {
    Ok(ntm_criteria_sets::table
        .order((ntm_criteria_sets::code, ntm_criteria_sets::version.desc()))
        .select(SetRow::as_select())
        .load(conn)?)
}

/// Rewrites a draft; `NotFound` when the set is not (or no longer) a
/// draft.
pub fn update_draft(conn: &mut DbConnection, id: i64, fields: &SetFields) -> PersistenceResult<()> {
    let changed = diesel::update(
        ntm_criteria_sets::table
            .find(id)
            .filter(ntm_criteria_sets::status.eq("draft")),
    )
    .set((fields, ntm_criteria_sets::updated_at.eq(now())))
    .execute(conn)?;
    affected(changed)
}

/// Publishes a draft; `NotFound` when it is not a draft.
pub fn publish(conn: &mut DbConnection, id: i64) -> PersistenceResult<()> {
    let at = now();
    let changed = diesel::update(
        ntm_criteria_sets::table
            .find(id)
            .filter(ntm_criteria_sets::status.eq("draft")),
    )
    .set((
        ntm_criteria_sets::status.eq("published"),
        ntm_criteria_sets::published_at.eq(at),
        ntm_criteria_sets::updated_at.eq(at),
    ))
    .execute(conn)?;
    affected(changed)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = ntm_rounds)]
pub struct RoundRow {
    pub id: i64,
    pub set_id: i64,
    pub name: String,
    pub kind: String,
    pub year: i32,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub chain: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ntm_rounds)]
pub struct NewRound {
    pub set_id: i64,
    pub name: String,
    pub kind: String,
    pub year: i32,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub chain: String,
    pub created_by: Option<i64>,
}

pub fn insert_round(conn: &mut DbConnection, new: &NewRound) -> PersistenceResult<RoundRow> {
    let id: i64 = diesel::insert_into(ntm_rounds::table)
        .values((new, ntm_rounds::created_at.eq(now())))
        .returning(ntm_rounds::id)
        .get_result(conn)?;
    get_round(conn, id)
}

pub fn get_round(conn: &mut DbConnection, id: i64) -> PersistenceResult<RoundRow> {
    found(
        ntm_rounds::table
            .find(id)
            .select(RoundRow::as_select())
            .first(conn)
            .optional()?,
    )
}

/// Rounds, latest period first; those with an evaluation under `roots`
/// when given.
pub fn list_rounds(
    conn: &mut DbConnection,
    roots: Option<&[UnitId]>,
) -> PersistenceResult<Vec<RoundRow>> {
    let mut q = ntm_rounds::table.into_boxed();
    if let Some(roots) = roots {
        q = q.filter(
            ntm_rounds::id.eq_any(
                ntm_evaluations::table
                    .filter(ntm_evaluations::unit_id.eq_any(subtree(roots)))
                    .select(ntm_evaluations::round_id),
            ),
        );
    }
    Ok(
        q.order((ntm_rounds::period_to.desc(), ntm_rounds::id.desc()))
            .select(RoundRow::as_select())
            .load(conn)?,
    )
}

fn subtree(
    roots: &[UnitId],
) -> diesel::dsl::Select<
    diesel::dsl::Filter<
        org_unit_closure::table,
        diesel::dsl::EqAny<org_unit_closure::ancestor_id, Vec<UnitId>>,
    >,
    org_unit_closure::descendant_id,
> {
    org_unit_closure::table
        .filter(org_unit_closure::ancestor_id.eq_any(roots.to_vec()))
        .select(org_unit_closure::descendant_id)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = ntm_evaluations)]
pub struct EvaluationRow {
    pub id: i64,
    pub round_id: i64,
    pub unit_id: i64,
    pub district_id: Option<i64>,
    pub region: Option<String>,
    pub commune_group: Option<String>,
    pub status: String,
    pub criteria_met: i32,
    pub all_met: bool,
    pub reopened_until: Option<NaiveDate>,
    pub decision_number: Option<String>,
    pub decision_date: Option<NaiveDate>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ntm_evaluations)]
pub struct NewEvaluation {
    pub round_id: i64,
    pub unit_id: i64,
    pub district_id: Option<i64>,
    pub region: Option<String>,
    pub commune_group: Option<String>,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = ntm_evaluation_criteria)]
pub struct CriterionRow {
    pub evaluation_id: i64,
    pub number: i32,
    pub department_unit_id: Option<i64>,
    pub stage: i32,
    pub state: String,
    pub awaiting_unit_id: Option<i64>,
    pub met: bool,
    pub claimed_met: Option<bool>,
    pub return_reason: Option<String>,
}

/// Stores an evaluation with its criteria rows (`evaluation_id` of the
/// given rows is replaced).
pub fn insert_evaluation(
    conn: &mut DbConnection,
    new: &NewEvaluation,
    criteria: &[CriterionRow],
) -> PersistenceResult<EvaluationRow> {
    let id: i64 = diesel::insert_into(ntm_evaluations::table)
        .values((new, ntm_evaluations::updated_at.eq(now())))
        .returning(ntm_evaluations::id)
        .get_result(conn)?;
    // One statement per row: batch inserts do not work over both backends.
    for c in criteria {
        diesel::insert_into(ntm_evaluation_criteria::table)
            .values(CriterionRow {
                evaluation_id: id,
                ..c.clone()
            })
            .execute(conn)?;
    }
    get_evaluation(conn, id)
}

pub fn get_evaluation(conn: &mut DbConnection, id: i64) -> PersistenceResult<EvaluationRow> {
    found(
        ntm_evaluations::table
            .find(id)
            .select(EvaluationRow::as_select())
            .first(conn)
            .optional()?,
    )
}

/// Which evaluations a list shows.
#[derive(Debug, Clone, Default)]
pub struct EvaluationFilter {
    pub round_id: Option<i64>,
    /// Only units in these subtrees (None: all)...
    pub roots: Option<Vec<UnitId>>,
    /// ...or, besides them, evaluations with a criterion owned by a
    /// department in these subtrees (the departments an appraiser serves).
    pub department_roots: Vec<UnitId>,
    pub status: Option<String>,
}

pub fn list_evaluations(
    conn: &mut DbConnection,
    f: &EvaluationFilter,
) -> PersistenceResult<Vec<EvaluationRow>> {
    let mut q = ntm_evaluations::table.into_boxed();
    if let Some(round) = f.round_id {
        q = q.filter(ntm_evaluations::round_id.eq(round));
    }
    if let Some(status) = &f.status {
        q = q.filter(ntm_evaluations::status.eq(status.clone()));
    }
    if let Some(roots) = &f.roots {
        let owned = ntm_evaluation_criteria::table
            .filter(
                ntm_evaluation_criteria::department_unit_id
                    .eq_any(subtree(&f.department_roots).nullable()),
            )
            .select(ntm_evaluation_criteria::evaluation_id);
        q = q.filter(
            ntm_evaluations::unit_id
                .eq_any(subtree(roots))
                .or(ntm_evaluations::id.eq_any(owned)),
        );
    }
    Ok(
        q.order((ntm_evaluations::round_id.desc(), ntm_evaluations::id))
            .select(EvaluationRow::as_select())
            .load(conn)?,
    )
}

/// The summary fields kept on an evaluation for lists and statistics.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = ntm_evaluations, treat_none_as_null = true)]
pub struct EvaluationSummaryFields {
    pub status: String,
    pub criteria_met: i32,
    pub all_met: bool,
}

pub fn update_summary(
    conn: &mut DbConnection,
    id: i64,
    fields: &EvaluationSummaryFields,
) -> PersistenceResult<()> {
    diesel::update(ntm_evaluations::table.find(id))
        .set((fields, ntm_evaluations::updated_at.eq(now())))
        .execute(conn)?;
    Ok(())
}

pub fn set_reopened(
    conn: &mut DbConnection,
    id: i64,
    until: Option<NaiveDate>,
) -> PersistenceResult<()> {
    diesel::update(ntm_evaluations::table.find(id))
        .set((
            ntm_evaluations::reopened_until.eq(until),
            ntm_evaluations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_decision(
    conn: &mut DbConnection,
    id: i64,
    number: &str,
    date: NaiveDate,
) -> PersistenceResult<()> {
    diesel::update(ntm_evaluations::table.find(id))
        .set((
            ntm_evaluations::decision_number.eq(number),
            ntm_evaluations::decision_date.eq(date),
            ntm_evaluations::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn criteria_of(
    conn: &mut DbConnection,
    evaluation_id: i64,
) -> PersistenceResult<Vec<CriterionRow>> {
    Ok(ntm_evaluation_criteria::table
        .filter(ntm_evaluation_criteria::evaluation_id.eq(evaluation_id))
        .order(ntm_evaluation_criteria::number)
        .select(CriterionRow::as_select())
        .load(conn)?)
}

/// Criteria rows of many evaluations at once (statistics).
pub fn criteria_of_many(
    conn: &mut DbConnection,
    evaluation_ids: &[i64],
) -> PersistenceResult<Vec<CriterionRow>> {
    let mut out = Vec::new();
    for chunk in evaluation_ids.chunks(500) {
        out.extend(
            ntm_evaluation_criteria::table
                .filter(ntm_evaluation_criteria::evaluation_id.eq_any(chunk.to_vec()))
                .order((
                    ntm_evaluation_criteria::evaluation_id,
                    ntm_evaluation_criteria::number,
                ))
                .select(CriterionRow::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// Rewrites one criterion row (its review position, result and claim).
pub fn update_criterion(conn: &mut DbConnection, row: &CriterionRow) -> PersistenceResult<()> {
    diesel::update(
        ntm_evaluation_criteria::table
            .filter(ntm_evaluation_criteria::evaluation_id.eq(row.evaluation_id))
            .filter(ntm_evaluation_criteria::number.eq(row.number)),
    )
    .set((
        ntm_evaluation_criteria::stage.eq(row.stage),
        ntm_evaluation_criteria::state.eq(&row.state),
        ntm_evaluation_criteria::awaiting_unit_id.eq(row.awaiting_unit_id),
        ntm_evaluation_criteria::met.eq(row.met),
        ntm_evaluation_criteria::claimed_met.eq(row.claimed_met),
        ntm_evaluation_criteria::return_reason.eq(&row.return_reason),
    ))
    .execute(conn)?;
    Ok(())
}

/// Criteria waiting (`pending`) for a unit in these subtrees (None: any),
/// with their evaluations, oldest evaluation first.
pub fn awaiting(
    conn: &mut DbConnection,
    roots: Option<&[UnitId]>,
) -> PersistenceResult<Vec<(CriterionRow, EvaluationRow)>> {
    let mut q = ntm_evaluation_criteria::table
        .inner_join(ntm_evaluations::table)
        .filter(ntm_evaluation_criteria::state.eq("pending"))
        .into_boxed();
    if let Some(roots) = roots {
        q = q.filter(ntm_evaluation_criteria::awaiting_unit_id.eq_any(subtree(roots).nullable()));
    }
    Ok(
        q.order((ntm_evaluations::id, ntm_evaluation_criteria::number))
            .select((CriterionRow::as_select(), EvaluationRow::as_select()))
            .load(conn)?,
    )
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = ntm_values)]
pub struct ValueRow {
    pub evaluation_id: i64,
    pub indicator_code: String,
    pub value: Option<String>,
    pub note: String,
    pub updated_by: Option<i64>,
    pub updated_at: NaiveDateTime,
}

/// Writes an indicator's value (as JSON text; None clears it) and note.
pub fn put_value(
    conn: &mut DbConnection,
    evaluation_id: i64,
    code: &str,
    value: Option<&str>,
    note: &str,
    by: Option<i64>,
) -> PersistenceResult<()> {
    let at = now();
    let key = ntm_values::table
        .filter(ntm_values::evaluation_id.eq(evaluation_id))
        .filter(ntm_values::indicator_code.eq(code));
    let changed = diesel::update(key)
        .set((
            ntm_values::value.eq(value),
            ntm_values::note.eq(note),
            ntm_values::updated_by.eq(by),
            ntm_values::updated_at.eq(at),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(ntm_values::table)
            .values((
                ntm_values::evaluation_id.eq(evaluation_id),
                ntm_values::indicator_code.eq(code),
                ntm_values::value.eq(value),
                ntm_values::note.eq(note),
                ntm_values::updated_by.eq(by),
                ntm_values::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn values_of(conn: &mut DbConnection, evaluation_id: i64) -> PersistenceResult<Vec<ValueRow>> {
    Ok(ntm_values::table
        .filter(ntm_values::evaluation_id.eq(evaluation_id))
        .order(ntm_values::indicator_code)
        .select(ValueRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = ntm_review_steps)]
pub struct StepRow {
    pub id: i64,
    pub evaluation_id: i64,
    pub stage: i32,
    pub action: String,
    /// The criteria numbers acted on, comma-separated.
    pub criteria: String,
    pub reason: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ntm_review_steps)]
pub struct NewStep {
    pub evaluation_id: i64,
    pub stage: i32,
    pub action: String,
    pub criteria: String,
    pub reason: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
}

pub fn insert_step(conn: &mut DbConnection, step: &NewStep) -> PersistenceResult<()> {
    diesel::insert_into(ntm_review_steps::table)
        .values((step, ntm_review_steps::at.eq(now())))
        .execute(conn)?;
    Ok(())
}

pub fn steps_of(conn: &mut DbConnection, evaluation_id: i64) -> PersistenceResult<Vec<StepRow>> {
    Ok(ntm_review_steps::table
        .filter(ntm_review_steps::evaluation_id.eq(evaluation_id))
        .order(ntm_review_steps::id)
        .select(StepRow::as_select())
        .load(conn)?)
}

/// Records that `task_id` was raised from criterion `number`.
pub fn link_task(
    conn: &mut DbConnection,
    task_id: i64,
    evaluation_id: i64,
    number: i32,
) -> PersistenceResult<()> {
    diesel::insert_into(ntm_criterion_tasks::table)
        .values((
            ntm_criterion_tasks::task_id.eq(task_id),
            ntm_criterion_tasks::evaluation_id.eq(evaluation_id),
            ntm_criterion_tasks::number.eq(number),
        ))
        .execute(conn)?;
    Ok(())
}

/// The tasks raised from an evaluation's criteria: (number, task id).
pub fn tasks_of(conn: &mut DbConnection, evaluation_id: i64) -> PersistenceResult<Vec<(i32, i64)>> {
    Ok(ntm_criterion_tasks::table
        .filter(ntm_criterion_tasks::evaluation_id.eq(evaluation_id))
        .order((ntm_criterion_tasks::number, ntm_criterion_tasks::task_id))
        .select((ntm_criterion_tasks::number, ntm_criterion_tasks::task_id))
        .load(conn)?)
}

/// The criterion a task was raised from: (evaluation id, number).
pub fn criterion_of_task(
    conn: &mut DbConnection,
    task_id: i64,
) -> PersistenceResult<Option<(i64, i32)>> {
    Ok(ntm_criterion_tasks::table
        .find(task_id)
        .select((
            ntm_criterion_tasks::evaluation_id,
            ntm_criterion_tasks::number,
        ))
        .first(conn)
        .optional()?)
}
