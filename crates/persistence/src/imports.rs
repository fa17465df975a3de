//! Legacy Excel imports: one row per uploaded file with the preview that
//! was answered for it, and once committed what it wrote. Every record an
//! import writes carries `import_id` ([`tag`]), so a rollback removes
//! exactly those ([`remove_tagged`]).

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{affected, PersistenceError, PersistenceResult};
use crate::schema::{
    agency_aliases, directives, fund_allocations, fund_disbursements, imports, ntm_evaluations,
    org_unit_closure, org_units, tasks,
};
use crate::units::UnitId;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = imports)]
pub struct ImportRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    /// The preview as JSON.
    pub preview: String,
    /// The uploader's principal (`user:12`, `service:3`).
    pub created_by: String,
    pub creator_name: String,
    pub created_at: NaiveDateTime,
    /// The unit the report is about (given or read from its heading).
    pub org_unit_id: Option<i64>,
    /// The context given with the file (programme, round, …) as JSON.
    pub context: String,
    pub committed_at: Option<NaiveDateTime>,
    pub committed_by: Option<String>,
    pub rolled_back_at: Option<NaiveDateTime>,
    /// What the commit wrote, as JSON.
    pub result: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = imports)]
pub struct NewImport {
    pub kind: String,
    pub status: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub preview: String,
    pub created_by: String,
    pub creator_name: String,
    pub org_unit_id: Option<i64>,
    pub context: String,
}

pub fn insert(conn: &mut DbConnection, new: &NewImport) -> PersistenceResult<ImportRow> {
    let id: i64 = diesel::insert_into(imports::table)
        .values((new, imports::created_at.eq(Utc::now().naive_utc())))
        .returning(imports::id)
        .get_result(conn)?;
    get(conn, id)
}

pub fn get(conn: &mut DbConnection, id: i64) -> PersistenceResult<ImportRow> {
    imports::table
        .find(id)
        .select(ImportRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PersistenceError::NotFound)
}

/// Imports of these kinds, newest first, each kind limited to the imports
/// without a unit or about a unit under its roots (`None`: everywhere).
pub fn list(
    conn: &mut DbConnection,
    kinds: &[(&str, Option<Vec<UnitId>>)],
    limit: i64,
    offset: i64,
) -> PersistenceResult<Vec<ImportRow>> {
    // One query per kind (there are three), each already cut to the page's
    // end, then merged: the page of the union lies within their union.
    let mut rows = Vec::new();
    for (kind, roots) in kinds {
        let mut q = imports::table.filter(imports::kind.eq(*kind)).into_boxed();
        if let Some(roots) = roots {
            let under = org_unit_closure::table
                .filter(org_unit_closure::ancestor_id.eq_any(roots.clone()))
                .select(org_unit_closure::descendant_id.nullable());
            q = q.filter(
                imports::org_unit_id
                    .is_null()
                    .or(imports::org_unit_id.eq_any(under)),
            );
        }
        rows.extend(
            q.order(imports::id.desc())
                .limit(offset.saturating_add(limit))
                .select(ImportRow::as_select())
                .load(conn)?,
        );
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.id));
    Ok(rows
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(0))
        .collect())
}

/// Marks an import committed with what it wrote.
pub fn mark_committed(
    conn: &mut DbConnection,
    id: i64,
    by: &str,
    result: &str,
) -> PersistenceResult<()> {
    affected(
        diesel::update(imports::table.find(id))
            .set((
                imports::status.eq("committed"),
                imports::committed_at.eq(Some(Utc::now().naive_utc())),
                imports::committed_by.eq(Some(by)),
                imports::result.eq(Some(result)),
            ))
            .execute(conn)?,
    )
}

/// Marks a committed import rolled back.
pub fn mark_rolled_back(conn: &mut DbConnection, id: i64) -> PersistenceResult<()> {
    affected(
        diesel::update(imports::table.find(id))
            .set((
                imports::status.eq("rolled_back"),
                imports::rolled_back_at.eq(Some(Utc::now().naive_utc())),
            ))
            .execute(conn)?,
    )
}

/// The committed (not rolled back) import of this kind and content, if any.
pub fn committed_with(
    conn: &mut DbConnection,
    kind: &str,
    sha256: &str,
) -> PersistenceResult<Option<ImportRow>> {
    Ok(imports::table
        .filter(imports::kind.eq(kind))
        .filter(imports::sha256.eq(sha256))
        .filter(imports::status.eq("committed"))
        .order(imports::id.asc())
        .select(ImportRow::as_select())
        .first(conn)
        .optional()?)
}

/// The tables whose rows an import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tagged {
    Allocation,
    Disbursement,
    Directive,
    Task,
    Evaluation,
    Unit,
}

/// Marks a row as written by an import (None: no longer).
pub fn tag(
    conn: &mut DbConnection,
    table: Tagged,
    id: i64,
    import: Option<i64>,
) -> PersistenceResult<()> {
    let n = match table {
        Tagged::Allocation => diesel::update(fund_allocations::table.find(id))
            .set(fund_allocations::import_id.eq(import))
            .execute(conn)?,
        Tagged::Disbursement => diesel::update(fund_disbursements::table.find(id))
            .set(fund_disbursements::import_id.eq(import))
            .execute(conn)?,
        Tagged::Directive => diesel::update(directives::table.find(id))
            .set(directives::import_id.eq(import))
            .execute(conn)?,
        Tagged::Task => diesel::update(tasks::table.find(id))
            .set(tasks::import_id.eq(import))
            .execute(conn)?,
        Tagged::Evaluation => diesel::update(ntm_evaluations::table.find(id))
            .set(ntm_evaluations::import_id.eq(import))
            .execute(conn)?,
        Tagged::Unit => diesel::update(org_units::table.find(id))
            .set(org_units::import_id.eq(import))
            .execute(conn)?,
    };
    affected(n)
}

/// The ids of the rows of `table` an import wrote, in id order.
pub fn tagged(
    conn: &mut DbConnection,
    table: Tagged,
    import_id: i64,
) -> PersistenceResult<Vec<i64>> {
    let import = Some(import_id);
    Ok(match table {
        Tagged::Allocation => fund_allocations::table
            .filter(fund_allocations::import_id.eq(import))
            .order(fund_allocations::id)
            .select(fund_allocations::id)
            .load(conn)?,
        Tagged::Disbursement => fund_disbursements::table
            .filter(fund_disbursements::import_id.eq(import))
            .order(fund_disbursements::id)
            .select(fund_disbursements::id)
            .load(conn)?,
        Tagged::Directive => directives::table
            .filter(directives::import_id.eq(import))
            .order(directives::id)
            .select(directives::id)
            .load(conn)?,
        Tagged::Task => tasks::table
            .filter(tasks::import_id.eq(import))
            .order(tasks::id)
            .select(tasks::id)
            .load(conn)?,
        Tagged::Evaluation => ntm_evaluations::table
            .filter(ntm_evaluations::import_id.eq(import))
            .order(ntm_evaluations::id)
            .select(ntm_evaluations::id)
            .load(conn)?,
        Tagged::Unit => org_units::table
            .filter(org_units::import_id.eq(import))
            .order(org_units::id)
            .select(org_units::id)
            .load(conn)?,
    })
}

/// An agency abbreviation an administrator added.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = agency_aliases)]
pub struct AliasRow {
    pub id: i64,
    pub alias: String,
    #[serde(skip)]
    pub alias_key: String,
    pub name: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// Every alias, by alias.
pub fn aliases(conn: &mut DbConnection) -> PersistenceResult<Vec<AliasRow>> {
    Ok(agency_aliases::table
        .order(agency_aliases::alias_key)
        .select(AliasRow::as_select())
        .load(conn)?)
}

/// Adds an alias (a duplicate key is a unique violation).
pub fn insert_alias(
    conn: &mut DbConnection,
    alias: &str,
    alias_key: &str,
    name: &str,
    by: &str,
) -> PersistenceResult<AliasRow> {
    let id: i64 = diesel::insert_into(agency_aliases::table)
        .values((
            agency_aliases::alias.eq(alias),
            agency_aliases::alias_key.eq(alias_key),
            agency_aliases::name.eq(name),
            agency_aliases::created_by.eq(by),
            agency_aliases::created_at.eq(Utc::now().naive_utc()),
        ))
        .returning(agency_aliases::id)
        .get_result(conn)?;
    Ok(agency_aliases::table
        .find(id)
        .select(AliasRow::as_select())
        .first(conn)?)
}

/// Why a committed import cannot be rolled back: later records rest on
/// what it wrote. Each entry names one, in Vietnamese then English.
pub type Dependents = Vec<String>;

/// Later records resting on the fund entries an import wrote: adjustments
/// of its allocations made since. (Balances that would turn negative are
/// the caller's check, after removal.)
pub fn fund_dependents(conn: &mut DbConnection, import_id: i64) -> PersistenceResult<Dependents> {
    let mine = tagged(conn, Tagged::Allocation, import_id)?;
    let adjustments: Vec<i64> = fund_allocations::table
        .filter(fund_allocations::adjusts_id.eq_any(&mine))
        .filter(
            fund_allocations::import_id
                .is_null()
                .or(fund_allocations::import_id.ne(import_id)),
        )
        .select(fund_allocations::id)
        .load(conn)?;
    Ok(adjustments
        .into_iter()
        .map(|id| format!("điều chỉnh phân bổ #{id} / allocation adjustment #{id}"))
        .collect())
}

/// Removes the fund entries an import wrote (disbursements first).
pub fn remove_fund_entries(conn: &mut DbConnection, import_id: i64) -> PersistenceResult<usize> {
    let import = Some(import_id);
    let d =
        diesel::delete(fund_disbursements::table.filter(fund_disbursements::import_id.eq(import)))
            .execute(conn)?;
    // Adjustments of the import's own allocations go before what they adjust.
    let a = diesel::delete(
        fund_allocations::table
            .filter(fund_allocations::import_id.eq(import))
            .filter(fund_allocations::adjusts_id.is_not_null()),
    )
    .execute(conn)?
        + diesel::delete(fund_allocations::table.filter(fund_allocations::import_id.eq(import)))
            .execute(conn)?;
    Ok(d + a)
}

/// Later records resting on the directives and tasks an import wrote:
/// anything done on its tasks (reports, reviews, extensions, forwarding),
/// files attached, tasks added under its directives, NTM links.
pub fn task_dependents(conn: &mut DbConnection, import_id: i64) -> PersistenceResult<Dependents> {
    use crate::schema::{attachments, ntm_criterion_tasks, task_events};
    let task_ids = tagged(conn, Tagged::Task, import_id)?;
    let directive_ids = tagged(conn, Tagged::Directive, import_id)?;
    let mut out = Dependents::new();
    let events: Vec<(i64, String)> = task_events::table
        .filter(task_events::task_id.eq_any(&task_ids))
        .filter(task_events::kind.ne(IMPORTED_EVENT))
        .select((task_events::task_id, task_events::kind))
        .load(conn)?;
    out.extend(events.into_iter().map(|(task, kind)| {
        format!(
            "nhiệm vụ #{task} đã có cập nhật ({kind}) / task #{task} has a later event ({kind})"
        )
    }));
    let others: Vec<i64> = tasks::table
        .filter(
            tasks::directive_id
                .eq_any(&directive_ids)
                .or(tasks::parent_task_id.eq_any(&task_ids)),
        )
        .filter(
            tasks::import_id
                .is_null()
                .or(tasks::import_id.ne(import_id)),
        )
        .select(tasks::id)
        .load(conn)?;
    out.extend(
        others.into_iter().map(|task| {
            format!("nhiệm vụ #{task} được giao thêm sau / task #{task} was added later")
        }),
    );
    let files: i64 = attachments::table
        .filter(
            attachments::task_id
                .eq_any(&task_ids)
                .or(attachments::directive_id.eq_any(&directive_ids)),
        )
        .count()
        .get_result(conn)?;
    if files > 0 {
        out.push(format!("{files} tệp đính kèm / {files} attached files"));
    }
    let links: i64 = ntm_criterion_tasks::table
        .filter(ntm_criterion_tasks::task_id.eq_any(&task_ids))
        .count()
        .get_result(conn)?;
    if links > 0 {
        out.push(format!(
            "{links} liên kết tiêu chí nông thôn mới / {links} NTM criterion links"
        ));
    }
    Ok(out)
}

/// The event kind an import writes on each task it creates.
pub const IMPORTED_EVENT: &str = "imported";

/// Removes the directives and tasks an import wrote, with their
/// coordinators, imported events and notifications.
pub fn remove_tasks(conn: &mut DbConnection, import_id: i64) -> PersistenceResult<usize> {
    use crate::schema::{notifications, task_coordinators, task_events};
    let task_ids = tagged(conn, Tagged::Task, import_id)?;
    diesel::delete(notifications::table.filter(notifications::task_id.eq_any(&task_ids)))
        .execute(conn)?;
    diesel::delete(task_events::table.filter(task_events::task_id.eq_any(&task_ids)))
        .execute(conn)?;
    diesel::delete(task_coordinators::table.filter(task_coordinators::task_id.eq_any(&task_ids)))
        .execute(conn)?;
    let n = diesel::delete(tasks::table.filter(tasks::id.eq_any(&task_ids))).execute(conn)?;
    Ok(
        n + diesel::delete(directives::table.filter(directives::import_id.eq(Some(import_id))))
            .execute(conn)?,
    )
}

/// The review-step action an import records on each evaluation.
pub const IMPORTED_STEP: &str = "imported";

/// Later records resting on the evaluations an import recorded: review
/// steps, entered values, evidence.
pub fn evaluation_dependents(
    conn: &mut DbConnection,
    import_id: i64,
) -> PersistenceResult<Dependents> {
    use crate::schema::{attachments, ntm_review_steps, ntm_values};
    let ids = tagged(conn, Tagged::Evaluation, import_id)?;
    let mut out = Dependents::new();
    let steps: Vec<i64> = ntm_review_steps::table
        .filter(ntm_review_steps::evaluation_id.eq_any(&ids))
        .filter(ntm_review_steps::action.ne(IMPORTED_STEP))
        .select(ntm_review_steps::evaluation_id)
        .load(conn)?;
    out.extend(steps.into_iter().map(|e| {
        format!("phiếu đánh giá #{e} đã được thẩm định tiếp / evaluation #{e} was reviewed since")
    }));
    let values: Vec<i64> = ntm_values::table
        .filter(ntm_values::evaluation_id.eq_any(&ids))
        .select(ntm_values::evaluation_id)
        .distinct()
        .load(conn)?;
    out.extend(values.into_iter().map(|e| {
        format!("phiếu đánh giá #{e} đã có số liệu nhập / evaluation #{e} has values entered")
    }));
    let files: i64 = attachments::table
        .filter(attachments::ntm_evaluation_id.eq_any(ids.iter().copied().map(Some)))
        .count()
        .get_result(conn)?;
    if files > 0 {
        out.push(format!("{files} tệp minh chứng / {files} evidence files"));
    }
    Ok(out)
}

/// Removes the imported review steps of an evaluation.
pub fn remove_imported_steps(conn: &mut DbConnection, evaluation_id: i64) -> PersistenceResult<()> {
    use crate::schema::ntm_review_steps;
    diesel::delete(
        ntm_review_steps::table
            .filter(ntm_review_steps::evaluation_id.eq(evaluation_id))
            .filter(ntm_review_steps::action.eq(IMPORTED_STEP)),
    )
    .execute(conn)?;
    Ok(())
}

/// Removes an evaluation an import created, with its criteria rows,
/// imported steps and notifications.
pub fn remove_evaluation(conn: &mut DbConnection, evaluation_id: i64) -> PersistenceResult<()> {
    use crate::schema::{notifications, ntm_evaluation_criteria};
    remove_imported_steps(conn, evaluation_id)?;
    diesel::delete(
        notifications::table.filter(notifications::ntm_evaluation_id.eq(Some(evaluation_id))),
    )
    .execute(conn)?;
    diesel::delete(
        ntm_evaluation_criteria::table
            .filter(ntm_evaluation_criteria::evaluation_id.eq(evaluation_id)),
    )
    .execute(conn)?;
    affected(diesel::delete(ntm_evaluations::table.find(evaluation_id)).execute(conn)?)
}

/// Removes the units an import created (villages), deepest first; a unit
/// something else still refers to fails with a foreign-key violation.
pub fn remove_units(conn: &mut DbConnection, import_id: i64) -> PersistenceResult<usize> {
    use crate::schema::org_unit_closure;
    let mut ids = tagged(conn, Tagged::Unit, import_id)?;
    ids.reverse();
    for &id in &ids {
        diesel::delete(org_unit_closure::table.filter(org_unit_closure::descendant_id.eq(id)))
            .execute(conn)?;
        diesel::delete(org_units::table.find(id)).execute(conn)?;
    }
    Ok(ids.len())
}

/// An entry an earlier (still committed) import wrote under the same
/// natural key: its amount and import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub amount: i64,
    pub import_id: i64,
}

/// The imported allocation for `key` from `from` (None: from above) to the
/// unit `to`, if an import wrote one.
pub fn imported_allocation(
    conn: &mut DbConnection,
    key: domain::funds::FundKey,
    from: Option<i64>,
    to: i64,
) -> PersistenceResult<Option<Imported>> {
    let mut q = fund_allocations::table
        .filter(fund_allocations::programme_id.eq(key.programme_id))
        .filter(fund_allocations::year.eq(key.year))
        .filter(fund_allocations::component_id.eq(key.component_id))
        .filter(fund_allocations::source_id.eq(key.source_id))
        .filter(fund_allocations::to_unit_id.eq(Some(to)))
        .filter(fund_allocations::adjusts_id.is_null())
        .into_boxed();
    q = match from {
        Some(f) => q.filter(fund_allocations::from_unit_id.eq(Some(f))),
        None => q.filter(fund_allocations::from_unit_id.is_null()),
    };
    Ok(
        q.select((fund_allocations::amount, fund_allocations::import_id))
            .load::<(i64, Option<i64>)>(conn)?
            .into_iter()
            .find_map(|(amount, import)| import.map(|import_id| Imported { amount, import_id })),
    )
}

/// The imported disbursement for `key` by the unit `unit`, if an import
/// wrote one.
pub fn imported_disbursement(
    conn: &mut DbConnection,
    key: domain::funds::FundKey,
    unit: i64,
) -> PersistenceResult<Option<Imported>> {
    Ok(fund_disbursements::table
        .filter(fund_disbursements::programme_id.eq(key.programme_id))
        .filter(fund_disbursements::year.eq(key.year))
        .filter(fund_disbursements::component_id.eq(key.component_id))
        .filter(fund_disbursements::source_id.eq(key.source_id))
        .filter(fund_disbursements::unit_id.eq(Some(unit)))
        .filter(fund_disbursements::import_id.is_not_null())
        .select((fund_disbursements::amount, fund_disbursements::import_id))
        .load::<(i64, Option<i64>)>(conn)?
        .into_iter()
        .find_map(|(amount, import)| import.map(|import_id| Imported { amount, import_id })))
}

/// Units by the folded name key (`|tan son|` in `search_key`), of a kind,
/// valid on a date: for finding the unit a report's heading names.
pub fn units_named(
    conn: &mut DbConnection,
    kind: &str,
    key: &str,
    on: NaiveDate,
) -> PersistenceResult<Vec<crate::units::UnitRow>> {
    Ok(org_units::table
        .filter(org_units::kind.eq(kind))
        .filter(org_units::search_key.like(format!("%|{key}|%")))
        .filter(
            org_units::valid_from
                .is_null()
                .or(org_units::valid_from.le(on)),
        )
        .filter(org_units::valid_to.is_null().or(org_units::valid_to.ge(on)))
        .order(org_units::id)
        .select(crate::units::UnitRow::as_select())
        .load(conn)?)
}

/// The directive of a committee with this number and date, if recorded.
pub fn directive_numbered(
    conn: &mut DbConnection,
    committee: i64,
    number: &str,
    issued_on: NaiveDate,
) -> PersistenceResult<Option<i64>> {
    Ok(directives::table
        .filter(directives::issuing_unit_id.eq(committee))
        .filter(directives::number.eq(number))
        .filter(directives::issued_on.eq(issued_on))
        .select(directives::id)
        .first(conn)
        .optional()?)
}

/// The task of a directive with this content and lead, if recorded.
pub fn task_in(
    conn: &mut DbConnection,
    directive_id: i64,
    content: &str,
    lead: i64,
) -> PersistenceResult<Option<i64>> {
    Ok(tasks::table
        .filter(tasks::directive_id.eq(directive_id))
        .filter(tasks::content.eq(content))
        .filter(tasks::lead_unit_id.eq(lead))
        .select(tasks::id)
        .first(conn)
        .optional()?)
}
