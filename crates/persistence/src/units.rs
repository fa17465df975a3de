//! Org units: the tree (closure table), validity dates, successor links.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::DbConnection;
use crate::error::{affected, PersistenceError, PersistenceResult};
use crate::schema::{org_unit_closure, org_unit_successors, org_units};

pub type UnitId = i64;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Serialize)]
#[diesel(table_name = org_units)]
pub struct UnitRow {
    pub id: UnitId,
    pub code: Option<String>,
    pub name: String,
    pub short_name: String,
    pub kind: String,
    pub unit_type: String,
    pub parent_id: Option<UnitId>,
    pub depth: i32,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub alt_names: String,
    #[serde(skip)]
    pub search_key: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A unit to create.
#[derive(Debug, Clone, Default)]
pub struct NewUnit {
    pub code: Option<String>,
    pub name: String,
    pub short_name: String,
    pub kind: String,
    pub unit_type: String,
    pub parent_id: Option<UnitId>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// Other spellings, `|`-separated.
    pub alt_names: String,
}

/// The diacritic- and case-insensitive key a unit is found by: its name,
/// short name and every alternative spelling, folded.
pub fn search_key(name: &str, short_name: &str, alt_names: &str) -> String {
    let mut key = String::with_capacity(name.len() * 2 + alt_names.len());
    for part in [name, short_name]
        .into_iter()
        .chain(alt_names.split('|'))
        .filter(|p| !p.trim().is_empty())
    {
        key.push('|');
        key.push_str(&domain::text::fold(part));
    }
    key.push('|');
    key
}

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

/// Creates a unit and its closure rows (its ancestors' rows plus itself).
pub fn insert(conn: &mut DbConnection, new: &NewUnit) -> PersistenceResult<UnitRow> {
    let depth = match new.parent_id {
        Some(parent) => {
            org_units::table
                .find(parent)
                .select(org_units::depth)
                .first::<i32>(conn)?
                + 1
        }
        None => 0,
    };
    let at = now();
    let id: UnitId = diesel::insert_into(org_units::table)
        .values((
            org_units::code.eq(&new.code),
            org_units::name.eq(&new.name),
            org_units::short_name.eq(&new.short_name),
            org_units::kind.eq(&new.kind),
            org_units::unit_type.eq(&new.unit_type),
            org_units::parent_id.eq(new.parent_id),
            org_units::depth.eq(depth),
            org_units::valid_from.eq(new.valid_from),
            org_units::valid_to.eq(new.valid_to),
            org_units::alt_names.eq(&new.alt_names),
            org_units::search_key.eq(search_key(&new.name, &new.short_name, &new.alt_names)),
            org_units::created_at.eq(at),
            org_units::updated_at.eq(at),
        ))
        .returning(org_units::id)
        .get_result(conn)?;
    link_closure(conn, id, new.parent_id)?;
    get(conn, id)
}

/// Closure rows for `id` placed under `parent`: every ancestor of the parent
/// (the parent included) one level further, plus the unit itself.
fn link_closure(
    conn: &mut DbConnection,
    id: UnitId,
    parent: Option<UnitId>,
) -> PersistenceResult<()> {
    let mut rows = vec![(id, id, 0)];
    if let Some(parent) = parent {
        let ancestors: Vec<(UnitId, i32)> = org_unit_closure::table
            .filter(org_unit_closure::descendant_id.eq(parent))
            .select((org_unit_closure::ancestor_id, org_unit_closure::depth))
            .load(conn)?;
        rows.extend(ancestors.into_iter().map(|(a, d)| (a, id, d + 1)));
    }
    insert_closure_rows(conn, &rows)
}

/// Closure rows, one statement each (diesel's multi-backend connection has
/// no batch insert); callers run inside one transaction.
fn insert_closure_rows(
    conn: &mut DbConnection,
    rows: &[(UnitId, UnitId, i32)],
) -> PersistenceResult<()> {
    for &(ancestor, descendant, depth) in rows {
        diesel::insert_into(org_unit_closure::table)
            .values((
                org_unit_closure::ancestor_id.eq(ancestor),
                org_unit_closure::descendant_id.eq(descendant),
                org_unit_closure::depth.eq(depth),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn get(conn: &mut DbConnection, id: UnitId) -> PersistenceResult<UnitRow> {
    Ok(org_units::table
        .find(id)
        .select(UnitRow::as_select())
        .first(conn)?)
}

/// The unit's ancestors, root first (the unit itself excluded).
pub fn ancestors(conn: &mut DbConnection, id: UnitId) -> PersistenceResult<Vec<UnitRow>> {
    Ok(org_units::table
        .inner_join(org_unit_closure::table.on(org_unit_closure::ancestor_id.eq(org_units::id)))
        .filter(org_unit_closure::descendant_id.eq(id))
        .filter(org_unit_closure::depth.gt(0))
        .order(org_unit_closure::depth.desc())
        .select(UnitRow::as_select())
        .load(conn)?)
}

/// Ids of the unit and all its ancestors: what the access policy needs to
/// decide whether a grant covers it.
pub fn ancestry(conn: &mut DbConnection, id: UnitId) -> PersistenceResult<Vec<UnitId>> {
    let ids: Vec<UnitId> = org_unit_closure::table
        .filter(org_unit_closure::descendant_id.eq(id))
        .select(org_unit_closure::ancestor_id)
        .load(conn)?;
    if ids.is_empty() {
        return Err(PersistenceError::NotFound);
    }
    Ok(ids)
}

/// Filters of the unit list.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    /// Folded search text (see [`domain::text::fold`]).
    pub q: Option<String>,
    pub code: Option<String>,
    pub kind: Option<String>,
    pub parent_id: Option<UnitId>,
    /// Only units under this one (any depth).
    pub within: Option<UnitId>,
    /// Only units valid on this date.
    pub as_of: Option<NaiveDate>,
    pub limit: i64,
    pub offset: i64,
}

macro_rules! unit_filter_query {
    ($filter:expr) => {{
        let f = $filter;
        let mut query = org_units::table.into_boxed();
        if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
            query = query.filter(
                org_units::search_key
                    .like(crate::like_pattern(q))
                    .escape('\\'),
            );
        }
        if let Some(code) = &f.code {
            query = query.filter(org_units::code.eq(code.clone()));
        }
        if let Some(kind) = &f.kind {
            query = query.filter(org_units::kind.eq(kind.clone()));
        }
        if let Some(parent) = f.parent_id {
            query = query.filter(org_units::parent_id.eq(parent));
        }
        if let Some(root) = f.within {
            query = query.filter(
                org_units::id.eq_any(
                    org_unit_closure::table
                        .filter(org_unit_closure::ancestor_id.eq(root))
                        .select(org_unit_closure::descendant_id),
                ),
            );
        }
        if let Some(day) = f.as_of {
            query = query
                .filter(
                    org_units::valid_from
                        .is_null()
                        .or(org_units::valid_from.le(day)),
                )
                .filter(
                    org_units::valid_to
                        .is_null()
                        .or(org_units::valid_to.ge(day)),
                );
        }
        query
    }};
}

/// One page of units matching the filter, and the total count.
pub fn list(
    conn: &mut DbConnection,
    filter: &UnitFilter,
) -> PersistenceResult<(Vec<UnitRow>, i64)> {
    let total: i64 = unit_filter_query!(filter)
        .select(count_star())
        .first(conn)?;
    let rows = unit_filter_query!(filter)
        .order((
            org_units::depth,
            org_units::code,
            org_units::name,
            org_units::id,
        ))
        .limit(filter.limit)
        .offset(filter.offset)
        .select(UnitRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// A successor or predecessor link with the unit at its other end.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedUnit {
    pub unit: UnitRow,
    pub effective_date: NaiveDate,
    pub weight: Option<i64>,
    pub note: String,
}

#[derive(Debug, Clone, Copy)]
pub enum Direction {
    Successors,
    Predecessors,
}

/// Units `id` went into (successors) or came from (predecessors).
pub fn linked(
    conn: &mut DbConnection,
    id: UnitId,
    direction: Direction,
) -> PersistenceResult<Vec<LinkedUnit>> {
    let rows: Vec<(UnitRow, NaiveDate, Option<i64>, String)> = match direction {
        Direction::Successors => org_unit_successors::table
            .inner_join(org_units::table.on(org_units::id.eq(org_unit_successors::successor_id)))
            .filter(org_unit_successors::predecessor_id.eq(id))
            .order(org_units::id)
            .select((
                UnitRow::as_select(),
                org_unit_successors::effective_date,
                org_unit_successors::weight,
                org_unit_successors::note,
            ))
            .load(conn)?,
        Direction::Predecessors => org_unit_successors::table
            .inner_join(org_units::table.on(org_units::id.eq(org_unit_successors::predecessor_id)))
            .filter(org_unit_successors::successor_id.eq(id))
            .order(org_units::id)
            .select((
                UnitRow::as_select(),
                org_unit_successors::effective_date,
                org_unit_successors::weight,
                org_unit_successors::note,
            ))
            .load(conn)?,
    };
    Ok(rows
        .into_iter()
        .map(|(unit, effective_date, weight, note)| LinkedUnit {
            unit,
            effective_date,
            weight,
            note,
        })
        .collect())
}

/// `ids` and every unit reached from them by following links in
/// `direction`, transitively (a reform's successors of successors), in no
/// particular order.
pub fn lineage(
    conn: &mut DbConnection,
    ids: &[UnitId],
    direction: Direction,
) -> PersistenceResult<Vec<UnitId>> {
    let mut seen: std::collections::BTreeSet<UnitId> = ids.iter().copied().collect();
    let mut frontier: Vec<UnitId> = ids.to_vec();
    while !frontier.is_empty() {
        let next: Vec<UnitId> = match direction {
            Direction::Successors => org_unit_successors::table
                .filter(org_unit_successors::predecessor_id.eq_any(&frontier))
                .select(org_unit_successors::successor_id)
                .load(conn)?,
            Direction::Predecessors => org_unit_successors::table
                .filter(org_unit_successors::successor_id.eq_any(&frontier))
                .select(org_unit_successors::predecessor_id)
                .load(conn)?,
        };
        frontier = next.into_iter().filter(|id| seen.insert(*id)).collect();
    }
    Ok(seen.into_iter().collect())
}

/// The ancestry of a unit together with that of every unit it, or one of
/// its ancestors, went into: after the 2025 reform a grant on the new
/// province or commune covers the records of the units merged into it.
pub fn ancestry_with_heirs(conn: &mut DbConnection, id: UnitId) -> PersistenceResult<Vec<UnitId>> {
    let base = ancestry(conn, id)?;
    let mut all: std::collections::BTreeSet<UnitId> = base.iter().copied().collect();
    for heir in lineage(conn, &base, Direction::Successors)? {
        if all.insert(heir) {
            all.extend(ancestry(conn, heir)?);
        }
    }
    Ok(all.into_iter().collect())
}

/// Subtree roots widened with every unit that went into them, so a list
/// under the new province also finds the records of the old ones (None,
/// everywhere, stays None).
pub fn with_predecessors(
    conn: &mut DbConnection,
    roots: Option<Vec<UnitId>>,
) -> PersistenceResult<Option<Vec<UnitId>>> {
    roots
        .map(|r| lineage(conn, &r, Direction::Predecessors))
        .transpose()
}

/// The unit that carries on `id` today: itself while open, else its open
/// successor of the same kind (the new province of an old one), else
/// itself.
pub fn current_heir(conn: &mut DbConnection, id: UnitId) -> PersistenceResult<UnitId> {
    let unit = get(conn, id)?;
    if unit.valid_to.is_none() {
        return Ok(id);
    }
    for heir in lineage(conn, &[id], Direction::Successors)? {
        let row = get(conn, heir)?;
        if row.valid_to.is_none() && row.kind == unit.kind {
            return Ok(heir);
        }
    }
    Ok(id)
}

pub fn add_link(
    conn: &mut DbConnection,
    predecessor: UnitId,
    successor: UnitId,
    effective: NaiveDate,
    weight: Option<i64>,
    note: &str,
) -> PersistenceResult<()> {
    diesel::insert_into(org_unit_successors::table)
        .values((
            org_unit_successors::predecessor_id.eq(predecessor),
            org_unit_successors::successor_id.eq(successor),
            org_unit_successors::effective_date.eq(effective),
            org_unit_successors::weight.eq(weight),
            org_unit_successors::note.eq(note),
            org_unit_successors::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn rename(
    conn: &mut DbConnection,
    id: UnitId,
    name: &str,
    short_name: &str,
    alt_names: &str,
) -> PersistenceResult<UnitRow> {
    let rows = diesel::update(org_units::table.find(id))
        .set((
            org_units::name.eq(name),
            org_units::short_name.eq(short_name),
            org_units::alt_names.eq(alt_names),
            org_units::search_key.eq(search_key(name, short_name, alt_names)),
            org_units::updated_at.eq(now()),
        ))
        .execute(conn)?;
    affected(rows)?;
    get(conn, id)
}

/// Sets the last day a unit is valid.
pub fn close(
    conn: &mut DbConnection,
    id: UnitId,
    valid_to: NaiveDate,
) -> PersistenceResult<UnitRow> {
    let rows = diesel::update(org_units::table.find(id))
        .set((
            org_units::valid_to.eq(valid_to),
            org_units::updated_at.eq(now()),
        ))
        .execute(conn)?;
    affected(rows)?;
    get(conn, id)
}

/// Children of `id` still open on `on` (not closed before it).
pub fn open_children(
    conn: &mut DbConnection,
    id: UnitId,
    on: NaiveDate,
) -> PersistenceResult<Vec<UnitRow>> {
    Ok(org_units::table
        .filter(org_units::parent_id.eq(id))
        .filter(org_units::valid_to.is_null().or(org_units::valid_to.ge(on)))
        .order(org_units::id)
        .select(UnitRow::as_select())
        .load(conn)?)
}

/// Moves a unit (with its whole subtree) under a new parent: the closure
/// rows tying the subtree to its old ancestors are replaced.
pub fn move_subtree(
    conn: &mut DbConnection,
    id: UnitId,
    new_parent: UnitId,
) -> PersistenceResult<()> {
    let subtree: Vec<(UnitId, i32)> = org_unit_closure::table
        .filter(org_unit_closure::ancestor_id.eq(id))
        .select((org_unit_closure::descendant_id, org_unit_closure::depth))
        .load(conn)?;
    let subtree_ids: Vec<UnitId> = subtree.iter().map(|(d, _)| *d).collect();
    let old_ancestors: Vec<UnitId> = org_unit_closure::table
        .filter(org_unit_closure::descendant_id.eq(id))
        .filter(org_unit_closure::depth.gt(0))
        .select(org_unit_closure::ancestor_id)
        .load(conn)?;
    diesel::delete(
        org_unit_closure::table
            .filter(org_unit_closure::descendant_id.eq_any(&subtree_ids))
            .filter(org_unit_closure::ancestor_id.eq_any(&old_ancestors)),
    )
    .execute(conn)?;
    let new_ancestors: Vec<(UnitId, i32)> = org_unit_closure::table
        .filter(org_unit_closure::descendant_id.eq(new_parent))
        .select((org_unit_closure::ancestor_id, org_unit_closure::depth))
        .load(conn)?;
    let parent_depth = get(conn, new_parent)?.depth;
    let mut rows = Vec::with_capacity(subtree.len() * new_ancestors.len());
    for (descendant, below) in &subtree {
        for (ancestor, above) in &new_ancestors {
            rows.push((*ancestor, *descendant, above + below + 1));
        }
    }
    insert_closure_rows(conn, &rows)?;
    diesel::update(org_units::table.find(id))
        .set((
            org_units::parent_id.eq(new_parent),
            org_units::updated_at.eq(now()),
        ))
        .execute(conn)?;
    for (descendant, below) in subtree {
        diesel::update(org_units::table.find(descendant))
            .set(org_units::depth.eq(parent_depth + 1 + below))
            .execute(conn)?;
    }
    Ok(())
}

/// Finds a unit by kind and official code valid on a date (seeding, imports).
pub fn find_by_code(
    conn: &mut DbConnection,
    kind: &str,
    code: &str,
    on: NaiveDate,
) -> PersistenceResult<Option<UnitRow>> {
    Ok(org_units::table
        .filter(org_units::kind.eq(kind))
        .filter(org_units::code.eq(code))
        .filter(
            org_units::valid_from
                .is_null()
                .or(org_units::valid_from.le(on)),
        )
        .filter(org_units::valid_to.is_null().or(org_units::valid_to.ge(on)))
        .select(UnitRow::as_select())
        .first(conn)
        .optional()?)
}

/// How many units there are (seeding reports).
pub fn count(conn: &mut DbConnection) -> PersistenceResult<i64> {
    Ok(org_units::table.select(count_star()).first(conn)?)
}

/// Names of the given units in one query (for lists that show many).
pub fn names(
    conn: &mut DbConnection,
    ids: &[UnitId],
) -> PersistenceResult<std::collections::HashMap<UnitId, String>> {
    Ok(org_units::table
        .filter(org_units::id.eq_any(ids))
        .select((org_units::id, org_units::name))
        .load::<(UnitId, String)>(conn)?
        .into_iter()
        .collect())
}
