//! Programme funds: programmes as data, projects, and the allocation and
//! disbursement ledger. The rules live in `domain::funds`; this module
//! reads the balances they need and writes the entries they accept, and
//! serialises writers on the same holder (an advisory lock on PostgreSQL;
//! SQLite writers are already one at a time).

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use domain::funds::{Balance, FundKey};

use crate::db::DbConnection;
use crate::error::{PersistenceError, PersistenceResult};
use crate::schema::{
    fund_allocations, fund_beneficiaries, fund_disbursements, fund_projects, fund_sources,
    org_unit_closure, programme_components, programme_phases, programmes,
};
use crate::units::UnitId;

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = programmes)]
pub struct ProgrammeRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub legal_basis: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = programme_phases)]
pub struct PhaseRow {
    pub id: i64,
    pub programme_id: i64,
    pub name: String,
    pub start_year: i32,
    pub end_year: i32,
    pub decision: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = programme_components)]
pub struct ComponentRow {
    pub id: i64,
    pub programme_id: i64,
    pub parent_id: Option<i64>,
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = fund_sources)]
pub struct SourceRow {
    pub id: i64,
    pub code: String,
    pub name: String,
}

pub fn insert_programme(
    conn: &mut DbConnection,
    code: &str,
    name: &str,
    legal_basis: &str,
) -> PersistenceResult<ProgrammeRow> {
    let id: i64 = diesel::insert_into(programmes::table)
        .values((
            programmes::code.eq(code),
            programmes::name.eq(name),
            programmes::legal_basis.eq(legal_basis),
            programmes::created_at.eq(now()),
        ))
        .returning(programmes::id)
        .get_result(conn)?;
    get_programme(conn, id)
}

pub fn get_programme(conn: &mut DbConnection, id: i64) -> PersistenceResult<ProgrammeRow> {
    programmes::table
        .find(id)
        .select(ProgrammeRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PersistenceError::NotFound)
}

pub fn find_programme(
    conn: &mut DbConnection,
    code: &str,
) -> PersistenceResult<Option<ProgrammeRow>> {
    Ok(programmes::table
        .filter(programmes::code.eq(code))
        .select(ProgrammeRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_programmes(conn: &mut DbConnection) -> PersistenceResult<Vec<ProgrammeRow>> {
    Ok(programmes::table
        .order(programmes::id)
        .select(ProgrammeRow::as_select())
        .load(conn)?)
}

pub fn insert_phase(
    conn: &mut DbConnection,
    programme_id: i64,
    name: &str,
    years: (i32, i32),
    decision: &str,
) -> PersistenceResult<i64> {
    Ok(diesel::insert_into(programme_phases::table)
        .values((
            programme_phases::programme_id.eq(programme_id),
            programme_phases::name.eq(name),
            programme_phases::start_year.eq(years.0),
            programme_phases::end_year.eq(years.1),
            programme_phases::decision.eq(decision),
        ))
        .returning(programme_phases::id)
        .get_result(conn)?)
}

pub fn phases(conn: &mut DbConnection, programme_id: i64) -> PersistenceResult<Vec<PhaseRow>> {
    Ok(programme_phases::table
        .filter(programme_phases::programme_id.eq(programme_id))
        .order((programme_phases::start_year, programme_phases::id))
        .select(PhaseRow::as_select())
        .load(conn)?)
}

pub fn insert_component(
    conn: &mut DbConnection,
    programme_id: i64,
    parent_id: Option<i64>,
    code: &str,
    name: &str,
) -> PersistenceResult<ComponentRow> {
    let id: i64 = diesel::insert_into(programme_components::table)
        .values((
            programme_components::programme_id.eq(programme_id),
            programme_components::parent_id.eq(parent_id),
            programme_components::code.eq(code),
            programme_components::name.eq(name),
        ))
        .returning(programme_components::id)
        .get_result(conn)?;
    get_component(conn, id)
}

pub fn get_component(conn: &mut DbConnection, id: i64) -> PersistenceResult<ComponentRow> {
    programme_components::table
        .find(id)
        .select(ComponentRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PersistenceError::NotFound)
}

pub fn components(
    conn: &mut DbConnection,
    programme_id: i64,
) -> PersistenceResult<Vec<ComponentRow>> {
    Ok(programme_components::table
        .filter(programme_components::programme_id.eq(programme_id))
        .order(programme_components::id)
        .select(ComponentRow::as_select())
        .load(conn)?)
}

pub fn insert_source(conn: &mut DbConnection, code: &str, name: &str) -> PersistenceResult<i64> {
    Ok(diesel::insert_into(fund_sources::table)
        .values((fund_sources::code.eq(code), fund_sources::name.eq(name)))
        .returning(fund_sources::id)
        .get_result(conn)?)
}

pub fn sources(conn: &mut DbConnection) -> PersistenceResult<Vec<SourceRow>> {
    Ok(fund_sources::table
        .order(fund_sources::id)
        .select(SourceRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = fund_projects)]
pub struct ProjectRow {
    pub id: i64,
    pub unit_id: i64,
    pub programme_id: i64,
    pub component_id: i64,
    pub name: String,
    pub investor: String,
    pub planned_cost: i64,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    pub status: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = fund_projects)]
pub struct NewProject {
    pub unit_id: i64,
    pub programme_id: i64,
    pub component_id: i64,
    pub name: String,
    pub investor: String,
    pub planned_cost: i64,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    pub status: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_project(conn: &mut DbConnection, p: &NewProject) -> PersistenceResult<ProjectRow> {
    let id: i64 = diesel::insert_into(fund_projects::table)
        .values(p.clone())
        .returning(fund_projects::id)
        .get_result(conn)?;
    get_project(conn, id)
}

/// What may change on a project after it is registered.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = fund_projects)]
pub struct ProjectChanges {
    pub status: Option<String>,
    pub planned_cost: Option<i64>,
    pub end_on: Option<NaiveDate>,
    pub investor: Option<String>,
}

impl ProjectChanges {
    /// Whether the changes leave every field as it is.
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.planned_cost.is_none()
            && self.end_on.is_none()
            && self.investor.is_none()
    }
}

pub fn update_project(
    conn: &mut DbConnection,
    id: i64,
    changes: &ProjectChanges,
) -> PersistenceResult<ProjectRow> {
    diesel::update(fund_projects::table.find(id))
        .set(changes.clone())
        .execute(conn)?;
    get_project(conn, id)
}

pub fn get_project(conn: &mut DbConnection, id: i64) -> PersistenceResult<ProjectRow> {
    fund_projects::table
        .find(id)
        .select(ProjectRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PersistenceError::NotFound)
}

/// Projects of units under `roots` (None: all), optionally one programme.
pub fn list_projects(
    conn: &mut DbConnection,
    roots: Option<&[UnitId]>,
    programme_id: Option<i64>,
) -> PersistenceResult<Vec<ProjectRow>> {
    let mut q = fund_projects::table.into_boxed();
    if let Some(roots) = roots {
        q = q.filter(
            fund_projects::unit_id.eq_any(
                org_unit_closure::table
                    .filter(org_unit_closure::ancestor_id.eq_any(roots.to_vec()))
                    .select(org_unit_closure::descendant_id),
            ),
        );
    }
    if let Some(p) = programme_id {
        q = q.filter(fund_projects::programme_id.eq(p));
    }
    Ok(q.order(fund_projects::id)
        .select(ProjectRow::as_select())
        .load(conn)?)
}

/// Who holds money: a unit or a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holder {
    Unit(i64),
    Project(i64),
}

/// Serialises writers on `holder`'s money for `key` until the transaction
/// ends (PostgreSQL advisory lock; SQLite writes are already serial).
/// Take locks in a stable order (sorted) to avoid deadlocks.
pub fn lock_holder(conn: &mut DbConnection, holder: Holder, key: FundKey) -> PersistenceResult<()> {
    if let DbConnection::Postgres(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(lock_key(holder, key))
            .execute(conn)?;
    }
    Ok(())
}

/// A stable 64-bit key for the advisory lock (FNV-1a over the parts); a
/// collision only makes two writers wait for each other.
fn lock_key(holder: Holder, key: FundKey) -> i64 {
    let (kind, id) = match holder {
        Holder::Unit(id) => (1_i64, id),
        Holder::Project(id) => (2, id),
    };
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [
        0x0f75_6e64, // "fund" namespace, apart from other advisory locks
        kind,
        id,
        key.programme_id,
        i64::from(key.year),
        key.component_id,
        key.source_id,
    ] {
        for byte in part.to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    i64::from_ne_bytes(hash.to_ne_bytes())
}

macro_rules! key_filter {
    ($table:ident, $key:expr) => {
        $table::programme_id
            .eq($key.programme_id)
            .and($table::year.eq($key.year))
            .and($table::component_id.eq($key.component_id))
            .and($table::source_id.eq($key.source_id))
    };
}

/// A holder's balance for a key, read inside the writer's transaction.
pub fn balance(
    conn: &mut DbConnection,
    holder: Holder,
    key: FundKey,
) -> PersistenceResult<Balance> {
    let received: Vec<i64> = match holder {
        Holder::Unit(u) => fund_allocations::table
            .filter(key_filter!(fund_allocations, key))
            .filter(fund_allocations::to_unit_id.eq(u))
            .select(fund_allocations::amount)
            .load(conn)?,
        Holder::Project(p) => fund_allocations::table
            .filter(key_filter!(fund_allocations, key))
            .filter(fund_allocations::to_project_id.eq(p))
            .select(fund_allocations::amount)
            .load(conn)?,
    };
    let passed_down: Vec<i64> = match holder {
        Holder::Unit(u) => fund_allocations::table
            .filter(key_filter!(fund_allocations, key))
            .filter(fund_allocations::from_unit_id.eq(u))
            .select(fund_allocations::amount)
            .load(conn)?,
        Holder::Project(_) => Vec::new(),
    };
    let disbursed: Vec<i64> = match holder {
        Holder::Unit(u) => fund_disbursements::table
            .filter(key_filter!(fund_disbursements, key))
            .filter(fund_disbursements::unit_id.eq(u))
            .select(fund_disbursements::amount)
            .load(conn)?,
        Holder::Project(p) => fund_disbursements::table
            .filter(key_filter!(fund_disbursements, key))
            .filter(fund_disbursements::project_id.eq(p))
            .select(fund_disbursements::amount)
            .load(conn)?,
    };
    Ok(Balance {
        received: total(received)?,
        passed_down: total(passed_down)?,
        disbursed: total(disbursed)?,
    })
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = fund_allocations)]
pub struct AllocationRow {
    pub id: i64,
    pub programme_id: i64,
    pub year: i32,
    pub component_id: i64,
    pub source_id: i64,
    pub from_unit_id: Option<i64>,
    pub to_unit_id: Option<i64>,
    pub to_project_id: Option<i64>,
    pub amount: i64,
    pub adjusts_id: Option<i64>,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

impl AllocationRow {
    pub fn key(&self) -> FundKey {
        FundKey {
            programme_id: self.programme_id,
            year: self.year,
            component_id: self.component_id,
            source_id: self.source_id,
        }
    }

    /// The receiving holder.
    pub fn to(&self) -> Option<Holder> {
        match (self.to_unit_id, self.to_project_id) {
            (Some(u), None) => Some(Holder::Unit(u)),
            (None, Some(p)) => Some(Holder::Project(p)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = fund_allocations)]
pub struct NewAllocation {
    pub programme_id: i64,
    pub year: i32,
    pub component_id: i64,
    pub source_id: i64,
    pub from_unit_id: Option<i64>,
    pub to_unit_id: Option<i64>,
    pub to_project_id: Option<i64>,
    pub amount: i64,
    pub adjusts_id: Option<i64>,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_allocation(
    conn: &mut DbConnection,
    a: &NewAllocation,
) -> PersistenceResult<AllocationRow> {
    let id: i64 = diesel::insert_into(fund_allocations::table)
        .values(a.clone())
        .returning(fund_allocations::id)
        .get_result(conn)?;
    get_allocation(conn, id)
}

pub fn get_allocation(conn: &mut DbConnection, id: i64) -> PersistenceResult<AllocationRow> {
    fund_allocations::table
        .find(id)
        .select(AllocationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(PersistenceError::NotFound)
}

/// The running total of an allocation and every adjustment to it.
pub fn chain_total(conn: &mut DbConnection, original: i64) -> PersistenceResult<i64> {
    let amounts: Vec<i64> = fund_allocations::table
        .filter(
            fund_allocations::id
                .eq(original)
                .or(fund_allocations::adjusts_id.eq(original)),
        )
        .select(fund_allocations::amount)
        .load(conn)?;
    total(amounts)
}

/// The sum of ledger amounts, refusing one that does not fit in an `i64`.
fn total(amounts: Vec<i64>) -> PersistenceResult<i64> {
    amounts
        .into_iter()
        .try_fold(0_i64, i64::checked_add)
        .ok_or_else(|| PersistenceError::Task("amount overflow".into()))
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = fund_disbursements)]
pub struct DisbursementRow {
    pub id: i64,
    pub programme_id: i64,
    pub year: i32,
    pub component_id: i64,
    pub source_id: i64,
    pub unit_id: Option<i64>,
    pub project_id: Option<i64>,
    pub amount: i64,
    pub reversal: bool,
    pub paid_on: NaiveDate,
    pub voucher: String,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = fund_disbursements)]
pub struct NewDisbursement {
    pub programme_id: i64,
    pub year: i32,
    pub component_id: i64,
    pub source_id: i64,
    pub unit_id: Option<i64>,
    pub project_id: Option<i64>,
    pub amount: i64,
    pub reversal: bool,
    pub paid_on: NaiveDate,
    pub voucher: String,
    pub note: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

pub fn insert_disbursement(
    conn: &mut DbConnection,
    d: &NewDisbursement,
) -> PersistenceResult<DisbursementRow> {
    let id: i64 = diesel::insert_into(fund_disbursements::table)
        .values(d.clone())
        .returning(fund_disbursements::id)
        .get_result(conn)?;
    Ok(fund_disbursements::table
        .find(id)
        .select(DisbursementRow::as_select())
        .first(conn)?)
}

/// What a report over a subtree reads: the filter on the key.
#[derive(Debug, Clone, Default)]
pub struct FundFilter {
    pub programme_id: i64,
    pub year_from: i32,
    pub year_to: i32,
    /// Only these components (a component and those nested under it).
    pub component_ids: Option<Vec<i64>>,
    pub source_id: Option<i64>,
}

/// One movement of money touching a subtree, reduced to what a report
/// needs: the giving unit (None from above), the receiving unit (a
/// project's own unit) and the amount.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub from_unit: Option<i64>,
    pub to_unit: i64,
    pub amount: i64,
}

macro_rules! report_filter {
    ($table:ident, $f:expr) => {{
        let mut q = $table::table
            .filter($table::programme_id.eq($f.programme_id))
            .filter($table::year.ge($f.year_from))
            .filter($table::year.le($f.year_to))
            .into_boxed();
        if let Some(ids) = &$f.component_ids {
            q = q.filter($table::component_id.eq_any(ids.clone()));
        }
        if let Some(s) = $f.source_id {
            q = q.filter($table::source_id.eq(s));
        }
        q
    }};
}

/// A subtree's allocations received and its disbursements as `(unit,
/// amount)`, a project's counted at its unit.
pub type SubtreeFlows = (Vec<Flow>, Vec<(i64, i64)>);

/// Allocations received inside the subtrees of `roots` (by its units or their
/// projects), and disbursements made there, for the filter.
pub fn subtree_flows(
    conn: &mut DbConnection,
    roots: &[UnitId],
    f: &FundFilter,
) -> PersistenceResult<SubtreeFlows> {
    let under = || {
        org_unit_closure::table
            .filter(org_unit_closure::ancestor_id.eq_any(roots.to_vec()))
            .select(org_unit_closure::descendant_id)
    };
    let project_units: Vec<(i64, i64)> = fund_projects::table
        .filter(fund_projects::unit_id.eq_any(under()))
        .select((fund_projects::id, fund_projects::unit_id))
        .load(conn)?;
    let under_nullable = under_roots(roots.to_vec());
    let project_ids: Vec<i64> = project_units.iter().map(|(id, _)| *id).collect();
    let project_units: std::collections::HashMap<i64, i64> = project_units.into_iter().collect();
    let project_unit = |p: i64| project_units.get(&p).copied();

    let to_units: Vec<(Option<i64>, Option<i64>, i64)> = report_filter!(fund_allocations, f)
        .filter(fund_allocations::to_unit_id.eq_any(under_nullable()))
        .select((
            fund_allocations::from_unit_id,
            fund_allocations::to_unit_id,
            fund_allocations::amount,
        ))
        .load(conn)?;
    let to_projects: Vec<(Option<i64>, Option<i64>, i64)> = report_filter!(fund_allocations, f)
        .filter(fund_allocations::to_project_id.eq_any(&project_ids))
        .select((
            fund_allocations::from_unit_id,
            fund_allocations::to_project_id,
            fund_allocations::amount,
        ))
        .load(conn)?;
    let mut flows: Vec<Flow> = to_units
        .into_iter()
        .filter_map(|(from, to, amount)| {
            to.map(|to_unit| Flow {
                from_unit: from,
                to_unit,
                amount,
            })
        })
        .collect();
    flows.extend(to_projects.into_iter().filter_map(|(from, to, amount)| {
        to.and_then(project_unit).map(|to_unit| Flow {
            from_unit: from,
            to_unit,
            amount,
        })
    }));

    let by_units: Vec<(Option<i64>, i64)> = report_filter!(fund_disbursements, f)
        .filter(fund_disbursements::unit_id.eq_any(under_nullable()))
        .select((fund_disbursements::unit_id, fund_disbursements::amount))
        .load(conn)?;
    let by_projects: Vec<(Option<i64>, i64)> = report_filter!(fund_disbursements, f)
        .filter(fund_disbursements::project_id.eq_any(&project_ids))
        .select((fund_disbursements::project_id, fund_disbursements::amount))
        .load(conn)?;
    let mut spent: Vec<(i64, i64)> = by_units
        .into_iter()
        .filter_map(|(u, a)| u.map(|u| (u, a)))
        .collect();
    spent.extend(
        by_projects
            .into_iter()
            .filter_map(|(p, a)| p.and_then(project_unit).map(|u| (u, a))),
    );
    Ok((flows, spent))
}

/// Planned cost of the programme's projects under `roots` running in the
/// filter's years (started by its end, not ended before its start), per
/// project unit.
pub fn subtree_planned(
    conn: &mut DbConnection,
    roots: &[UnitId],
    f: &FundFilter,
) -> PersistenceResult<Vec<(i64, i64)>> {
    let first = NaiveDate::from_ymd_opt(f.year_from, 1, 1);
    let last = NaiveDate::from_ymd_opt(f.year_to, 12, 31);
    let mut q = fund_projects::table
        .filter(fund_projects::programme_id.eq(f.programme_id))
        .filter(
            fund_projects::unit_id.eq_any(
                org_unit_closure::table
                    .filter(org_unit_closure::ancestor_id.eq_any(roots.to_vec()))
                    .select(org_unit_closure::descendant_id),
            ),
        )
        .into_boxed();
    if let Some(ids) = &f.component_ids {
        q = q.filter(fund_projects::component_id.eq_any(ids.clone()));
    }
    if let (Some(first), Some(last)) = (first, last) {
        q = q
            .filter(
                fund_projects::start_on
                    .is_null()
                    .or(fund_projects::start_on.le(last)),
            )
            .filter(
                fund_projects::end_on
                    .is_null()
                    .or(fund_projects::end_on.ge(first)),
            );
    }
    Ok(
        q.select((fund_projects::unit_id, fund_projects::planned_cost))
            .load(conn)?,
    )
}

/// What a ledger listing shows: entries touching units under `roots`
/// (None: all), optionally one programme and year.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub roots: Option<Vec<UnitId>>,
    pub programme_id: Option<i64>,
    pub year: Option<i32>,
    pub limit: i64,
    pub offset: i64,
}

macro_rules! ledger_query {
    ($table:ident, $f:expr, $scope:expr) => {{
        let mut q = $table::table.into_boxed();
        if let Some(p) = $f.programme_id {
            q = q.filter($table::programme_id.eq(p));
        }
        if let Some(y) = $f.year {
            q = q.filter($table::year.eq(y));
        }
        if let Some(roots) = &$f.roots {
            q = q.filter($scope(roots.clone()));
        }
        q
    }};
}

/// The units under `roots`, as a nullable-id subquery.
type UnderRoots = diesel::dsl::Select<
    diesel::dsl::Filter<
        org_unit_closure::table,
        diesel::dsl::EqAny<org_unit_closure::ancestor_id, Vec<UnitId>>,
    >,
    diesel::dsl::Nullable<org_unit_closure::descendant_id>,
>;

fn under_roots(roots: Vec<UnitId>) -> impl Fn() -> UnderRoots {
    move || {
        org_unit_closure::table
            .filter(org_unit_closure::ancestor_id.eq_any(roots.clone()))
            .select(org_unit_closure::descendant_id.nullable())
    }
}

/// Allocations, newest first, and how many match.
pub fn list_allocations(
    conn: &mut DbConnection,
    f: &LedgerFilter,
) -> PersistenceResult<(Vec<AllocationRow>, i64)> {
    let scope = |roots: Vec<UnitId>| {
        let under = under_roots(roots);
        fund_allocations::to_unit_id
            .eq_any(under())
            .or(fund_allocations::from_unit_id.eq_any(under()))
            .or(fund_allocations::to_project_id.eq_any(
                fund_projects::table
                    .filter(fund_projects::unit_id.nullable().eq_any(under()))
                    .select(fund_projects::id.nullable()),
            ))
    };
    let total = ledger_query!(fund_allocations, f, scope)
        .count()
        .get_result(conn)?;
    let rows = ledger_query!(fund_allocations, f, scope)
        .order(fund_allocations::id.desc())
        .limit(f.limit)
        .offset(f.offset)
        .select(AllocationRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Disbursements, newest first, and how many match.
pub fn list_disbursements(
    conn: &mut DbConnection,
    f: &LedgerFilter,
) -> PersistenceResult<(Vec<DisbursementRow>, i64)> {
    let scope = |roots: Vec<UnitId>| {
        let under = under_roots(roots);
        fund_disbursements::unit_id
            .eq_any(under())
            .or(fund_disbursements::project_id.eq_any(
                fund_projects::table
                    .filter(fund_projects::unit_id.nullable().eq_any(under()))
                    .select(fund_projects::id.nullable()),
            ))
    };
    let total = ledger_query!(fund_disbursements, f, scope)
        .count()
        .get_result(conn)?;
    let rows = ledger_query!(fund_disbursements, f, scope)
        .order(fund_disbursements::id.desc())
        .limit(f.limit)
        .offset(f.offset)
        .select(DisbursementRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Per project under `root`: what was allocated to it and what it
/// disbursed, for the filter.
pub fn project_totals(
    conn: &mut DbConnection,
    root: UnitId,
    f: &FundFilter,
) -> PersistenceResult<Vec<(ProjectRow, i64, i64)>> {
    let projects: Vec<ProjectRow> = fund_projects::table
        .filter(fund_projects::programme_id.eq(f.programme_id))
        .filter(
            fund_projects::unit_id.eq_any(
                org_unit_closure::table
                    .filter(org_unit_closure::ancestor_id.eq(root))
                    .select(org_unit_closure::descendant_id),
            ),
        )
        .order(fund_projects::id)
        .select(ProjectRow::as_select())
        .load(conn)?;
    let ids: Vec<i64> = projects.iter().map(|p| p.id).collect();
    let allocated: Vec<(Option<i64>, i64)> = report_filter!(fund_allocations, f)
        .filter(fund_allocations::to_project_id.eq_any(&ids))
        .select((fund_allocations::to_project_id, fund_allocations::amount))
        .load(conn)?;
    let spent: Vec<(Option<i64>, i64)> = report_filter!(fund_disbursements, f)
        .filter(fund_disbursements::project_id.eq_any(&ids))
        .select((fund_disbursements::project_id, fund_disbursements::amount))
        .load(conn)?;
    let sum = |rows: &[(Option<i64>, i64)], id: i64| -> i64 {
        rows.iter()
            .filter(|(p, _)| *p == Some(id))
            .fold(0_i64, |acc, (_, a)| acc.saturating_add(*a))
    };
    Ok(projects
        .into_iter()
        .map(|p| {
            let (a, d) = (sum(&allocated, p.id), sum(&spent, p.id));
            (p, a, d)
        })
        .collect())
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = fund_beneficiaries)]
pub struct BeneficiaryRow {
    pub id: i64,
    pub programme_id: i64,
    pub phase_id: Option<i64>,
    pub year: i32,
    pub unit_id: i64,
    pub category: String,
    pub decision: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = fund_beneficiaries)]
pub struct NewBeneficiary {
    pub programme_id: i64,
    pub phase_id: Option<i64>,
    pub year: i32,
    pub unit_id: i64,
    pub category: String,
    pub decision: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// Lists a unit as a beneficiary for the year, replacing an earlier
/// listing of the same unit and year.
pub fn put_beneficiary(conn: &mut DbConnection, b: &NewBeneficiary) -> PersistenceResult<()> {
    diesel::delete(
        fund_beneficiaries::table
            .filter(fund_beneficiaries::programme_id.eq(b.programme_id))
            .filter(fund_beneficiaries::year.eq(b.year))
            .filter(fund_beneficiaries::unit_id.eq(b.unit_id)),
    )
    .execute(conn)?;
    diesel::insert_into(fund_beneficiaries::table)
        .values(b.clone())
        .execute(conn)?;
    Ok(())
}

/// The beneficiaries of a programme in a year under `roots` (None: all),
/// optionally only these units.
pub fn beneficiaries(
    conn: &mut DbConnection,
    programme_id: i64,
    year: i32,
    roots: Option<&[UnitId]>,
) -> PersistenceResult<Vec<BeneficiaryRow>> {
    let mut q = fund_beneficiaries::table
        .filter(fund_beneficiaries::programme_id.eq(programme_id))
        .filter(fund_beneficiaries::year.eq(year))
        .into_boxed();
    if let Some(roots) = roots {
        q = q.filter(
            fund_beneficiaries::unit_id.eq_any(
                org_unit_closure::table
                    .filter(org_unit_closure::ancestor_id.eq_any(roots.to_vec()))
                    .select(org_unit_closure::descendant_id),
            ),
        );
    }
    Ok(q.order(fund_beneficiaries::unit_id)
        .select(BeneficiaryRow::as_select())
        .load(conn)?)
}

/// Every successor link (old unit → the unit that took it over).
pub fn successor_links(
    conn: &mut DbConnection,
) -> PersistenceResult<Vec<domain::units::SuccessorLink>> {
    use crate::schema::org_unit_successors as s;
    let rows: Vec<(i64, i64, NaiveDate, Option<i64>)> = s::table
        .select((
            s::predecessor_id,
            s::successor_id,
            s::effective_date,
            s::weight,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(predecessor, successor, effective, weight)| domain::units::SuccessorLink {
                predecessor,
                successor,
                effective,
                weight: weight.and_then(|w| u64::try_from(w).ok()),
            },
        )
        .collect())
}

/// The units under `root`, itself included.
pub fn subtree_units(conn: &mut DbConnection, root: UnitId) -> PersistenceResult<Vec<UnitId>> {
    Ok(org_unit_closure::table
        .filter(org_unit_closure::ancestor_id.eq(root))
        .select(org_unit_closure::descendant_id)
        .load(conn)?)
}

/// The direct children of `root`, and for every unit under them which
/// child it lies under.
pub fn children_map(
    conn: &mut DbConnection,
    root: UnitId,
) -> PersistenceResult<(Vec<i64>, std::collections::HashMap<i64, i64>)> {
    let children: Vec<i64> = org_unit_closure::table
        .filter(org_unit_closure::ancestor_id.eq(root))
        .filter(org_unit_closure::depth.eq(1))
        .select(org_unit_closure::descendant_id)
        .load(conn)?;
    let pairs: Vec<(i64, i64)> = org_unit_closure::table
        .filter(org_unit_closure::ancestor_id.eq_any(&children))
        .select((
            org_unit_closure::descendant_id,
            org_unit_closure::ancestor_id,
        ))
        .load(conn)?;
    Ok((children, pairs.into_iter().collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_differ_by_holder_kind_and_key() {
        let key = FundKey {
            programme_id: 1,
            year: 2026,
            component_id: 2,
            source_id: 3,
        };
        let unit = lock_key(Holder::Unit(7), key);
        assert_ne!(unit, lock_key(Holder::Project(7), key));
        assert_ne!(
            unit,
            lock_key(Holder::Unit(7), FundKey { year: 2025, ..key })
        );
        assert_eq!(unit, lock_key(Holder::Unit(7), key));
    }
}
