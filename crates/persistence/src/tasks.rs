//! Directives, their tasks, coordinating units and the task timeline.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{PersistenceError, PersistenceResult};
use crate::schema::{directives, org_unit_closure, task_coordinators, task_events, tasks};
use crate::units::UnitId;

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = directives)]
pub struct DirectiveRow {
    pub id: i64,
    pub issuing_unit_id: UnitId,
    pub office_unit_id: UnitId,
    pub issuer: String,
    pub issuer_name: String,
    pub kind: String,
    pub number: String,
    pub issued_on: NaiveDate,
    pub summary: String,
    pub search_key: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewDirective {
    pub issuing_unit_id: UnitId,
    pub office_unit_id: UnitId,
    pub issuer: String,
    pub issuer_name: String,
    pub kind: String,
    pub number: String,
    pub issued_on: NaiveDate,
    pub summary: String,
    pub created_by: Option<i64>,
}

pub fn insert_directive(
    conn: &mut DbConnection,
    d: &NewDirective,
) -> PersistenceResult<DirectiveRow> {
    let at = now();
    let id: i64 = diesel::insert_into(directives::table)
        .values((
            directives::issuing_unit_id.eq(d.issuing_unit_id),
            directives::office_unit_id.eq(d.office_unit_id),
            directives::issuer.eq(&d.issuer),
            directives::issuer_name.eq(&d.issuer_name),
            directives::kind.eq(&d.kind),
            directives::number.eq(&d.number),
            directives::issued_on.eq(d.issued_on),
            directives::summary.eq(&d.summary),
            directives::search_key.eq(domain::text::fold(&format!("{} {}", d.number, d.summary))),
            directives::created_by.eq(d.created_by),
            directives::created_at.eq(at),
            directives::updated_at.eq(at),
        ))
        .returning(directives::id)
        .get_result(conn)?;
    get_directive(conn, id)
}

pub fn get_directive(conn: &mut DbConnection, id: i64) -> PersistenceResult<DirectiveRow> {
    Ok(directives::table
        .find(id)
        .select(DirectiveRow::as_select())
        .first(conn)?)
}

/// Units under any of `roots` (a subquery for `eq_any`).
macro_rules! under {
    ($roots:expr) => {
        org_unit_closure::table
            .filter(org_unit_closure::ancestor_id.eq_any($roots.clone()))
            .select(org_unit_closure::descendant_id)
    };
}

/// Tasks with a coordinating unit under one of `roots`.
macro_rules! coordinated {
    ($roots:expr) => {
        task_coordinators::table
            .filter(task_coordinators::unit_id.eq_any(under!($roots)))
            .select(task_coordinators::task_id)
    };
}

/// Directives the scope can see: issued or followed up inside it, or with a
/// task led or coordinated inside it (`roots` None: all).
pub fn list_directives(
    conn: &mut DbConnection,
    roots: Option<&[UnitId]>,
    q: Option<&str>,
    limit: i64,
    offset: i64,
) -> PersistenceResult<(Vec<DirectiveRow>, i64)> {
    let query = || {
        let mut query = directives::table.into_boxed();
        if let Some(roots) = roots {
            let roots = roots.to_vec();
            let visible_tasks = tasks::table
                .filter(
                    tasks::lead_unit_id
                        .eq_any(under!(roots))
                        .or(tasks::id.eq_any(coordinated!(roots))),
                )
                .select(tasks::directive_id);
            query = query.filter(
                directives::issuing_unit_id
                    .eq_any(under!(roots))
                    .or(directives::office_unit_id.eq_any(under!(roots)))
                    .or(directives::id.eq_any(visible_tasks)),
            );
        }
        if let Some(q) = q.filter(|q| !q.is_empty()) {
            query = query.filter(
                directives::search_key
                    .like(crate::like_pattern(q))
                    .escape('\\'),
            );
        }
        query
    };
    let total = query().select(count_star()).first(conn)?;
    let rows = query()
        .order((directives::issued_on.desc(), directives::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(DirectiveRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = tasks)]
pub struct TaskRow {
    pub id: i64,
    pub directive_id: i64,
    pub parent_task_id: Option<i64>,
    pub content: String,
    pub search_key: String,
    pub issuing_unit_id: UnitId,
    pub office_unit_id: UnitId,
    pub lead_unit_id: UnitId,
    pub specialist_id: Option<i64>,
    pub original_deadline: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub reporting_cycle: Option<String>,
    pub priority: String,
    pub tags: String,
    pub state: String,
    pub progress_percent: i32,
    pub has_difficulty: bool,
    pub completed_on: Option<NaiveDate>,
    pub version: i32,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewTask {
    pub directive_id: i64,
    pub parent_task_id: Option<i64>,
    pub content: String,
    pub issuing_unit_id: UnitId,
    pub office_unit_id: UnitId,
    pub lead_unit_id: UnitId,
    pub specialist_id: Option<i64>,
    pub deadline: Option<NaiveDate>,
    pub reporting_cycle: Option<String>,
    pub priority: String,
    pub tags: String,
    pub state: String,
    pub coordinators: Vec<UnitId>,
    pub created_by: Option<i64>,
}

pub fn insert_task(conn: &mut DbConnection, t: &NewTask) -> PersistenceResult<TaskRow> {
    let at = now();
    let id: i64 = diesel::insert_into(tasks::table)
        .values((
            tasks::directive_id.eq(t.directive_id),
            tasks::parent_task_id.eq(t.parent_task_id),
            tasks::content.eq(&t.content),
            tasks::search_key.eq(domain::text::fold(&t.content)),
            tasks::issuing_unit_id.eq(t.issuing_unit_id),
            tasks::office_unit_id.eq(t.office_unit_id),
            tasks::lead_unit_id.eq(t.lead_unit_id),
            tasks::specialist_id.eq(t.specialist_id),
            tasks::original_deadline.eq(t.deadline),
            tasks::deadline.eq(t.deadline),
            tasks::reporting_cycle.eq(&t.reporting_cycle),
            tasks::priority.eq(&t.priority),
            tasks::tags.eq(&t.tags),
            tasks::state.eq(&t.state),
            tasks::created_by.eq(t.created_by),
            tasks::created_at.eq(at),
            tasks::updated_at.eq(at),
        ))
        .returning(tasks::id)
        .get_result(conn)?;
    for unit in &t.coordinators {
        diesel::insert_into(task_coordinators::table)
            .values((
                task_coordinators::task_id.eq(id),
                task_coordinators::unit_id.eq(unit),
            ))
            .execute(conn)?;
    }
    get_task(conn, id)
}

pub fn get_task(conn: &mut DbConnection, id: i64) -> PersistenceResult<TaskRow> {
    Ok(tasks::table
        .find(id)
        .select(TaskRow::as_select())
        .first(conn)?)
}

/// Coordinating units of each task.
pub fn coordinators_of(
    conn: &mut DbConnection,
    task_ids: &[i64],
) -> PersistenceResult<Vec<(i64, UnitId)>> {
    Ok(task_coordinators::table
        .filter(task_coordinators::task_id.eq_any(task_ids))
        .order((task_coordinators::task_id, task_coordinators::unit_id))
        .select((task_coordinators::task_id, task_coordinators::unit_id))
        .load(conn)?)
}

/// Child tasks forwarded from a task (cascade).
pub fn children(conn: &mut DbConnection, task_id: i64) -> PersistenceResult<Vec<TaskRow>> {
    Ok(tasks::table
        .filter(tasks::parent_task_id.eq(task_id))
        .order(tasks::id)
        .select(TaskRow::as_select())
        .load(conn)?)
}

/// Timeliness classes as SQL conditions (mirrors `domain::tasks::classify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelinessFilter {
    OnTime,
    DueSoon,
    Overdue,
    CompletedOnTime,
    CompletedLate,
    NoDeadline,
}

/// States in which a task is still open.
pub const OPEN_STATES: [&str; 5] = [
    "assigned",
    "in_progress",
    "completion_proposed",
    "reviewed",
    "decline_proposed",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskSort {
    DeadlineAsc,
    DeadlineDesc,
    CreatedAsc,
    CreatedDesc,
}

#[derive(Debug, Clone)]
pub struct TaskFilter {
    /// Scope roots (None: everything).
    pub roots: Option<Vec<UnitId>>,
    pub directive_id: Option<i64>,
    pub issuing_unit_id: Option<UnitId>,
    pub lead_unit_id: Option<UnitId>,
    pub coordinating_unit_id: Option<UnitId>,
    pub specialist_id: Option<i64>,
    pub issuer: Option<String>,
    pub states: Vec<String>,
    pub timeliness: Option<TimelinessFilter>,
    pub deadline_from: Option<NaiveDate>,
    pub deadline_to: Option<NaiveDate>,
    /// Folded search text.
    pub q: Option<String>,
    pub today: NaiveDate,
    pub due_soon_days: u32,
    /// Leave out tasks closed (completed or cancelled) before this day, so
    /// views of "now" do not grow with history.
    pub closed_since: Option<NaiveDate>,
    pub sort: TaskSort,
    pub limit: i64,
    pub offset: i64,
}

macro_rules! task_query {
    ($f:expr) => {{
        let f = $f;
        let mut query = tasks::table.into_boxed();
        match &f.roots {
            // With states asked for, each way into the scope carries the
            // state condition, so both backends read the (unit, state)
            // indexes for each branch (SQLite's multi-index OR, PostgreSQL's
            // BitmapOr) instead of scanning every task in that state across
            // the country: the cost follows the open tasks in scope, not
            // history.
            Some(roots) if !f.states.is_empty() => {
                let states = || tasks::state.eq_any(f.states.clone());
                query = query.filter(
                    tasks::issuing_unit_id
                        .eq_any(under!(roots))
                        .and(states())
                        .or(tasks::office_unit_id.eq_any(under!(roots)).and(states()))
                        .or(tasks::lead_unit_id.eq_any(under!(roots)).and(states()))
                        .or(tasks::id.eq_any(coordinated!(roots)).and(states())),
                );
            }
            Some(roots) => {
                query = query.filter(
                    tasks::issuing_unit_id
                        .eq_any(under!(roots))
                        .or(tasks::office_unit_id.eq_any(under!(roots)))
                        .or(tasks::lead_unit_id.eq_any(under!(roots)))
                        .or(tasks::id.eq_any(coordinated!(roots))),
                );
            }
            None => {}
        }
        if let Some(v) = f.directive_id {
            query = query.filter(tasks::directive_id.eq(v));
        }
        if let Some(v) = f.issuing_unit_id {
            query = query.filter(tasks::issuing_unit_id.eq(v));
        }
        if let Some(v) = f.lead_unit_id {
            query = query.filter(tasks::lead_unit_id.eq_any(under!(vec![v])));
        }
        if let Some(v) = f.coordinating_unit_id {
            query = query.filter(tasks::id.eq_any(coordinated!(vec![v])));
        }
        if let Some(v) = f.specialist_id {
            query = query.filter(tasks::specialist_id.eq(v));
        }
        if let Some(issuer) = &f.issuer {
            query = query.filter(
                tasks::directive_id.eq_any(
                    directives::table
                        .filter(directives::issuer.eq(issuer.clone()))
                        .select(directives::id),
                ),
            );
        }
        if !f.states.is_empty() && f.roots.is_none() {
            query = query.filter(tasks::state.eq_any(f.states.clone()));
        }
        if let Some(from) = f.deadline_from {
            query = query.filter(tasks::deadline.ge(from));
        }
        if let Some(to) = f.deadline_to {
            query = query.filter(tasks::deadline.le(to));
        }
        if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
            query = query.filter(tasks::search_key.like(crate::like_pattern(q)).escape('\\'));
        }
        if let Some(since) = f.closed_since {
            query = query.filter(
                tasks::state
                    .eq_any(OPEN_STATES)
                    .or(tasks::completed_on.ge(since))
                    .or(tasks::state
                        .eq("cancelled")
                        .and(tasks::updated_at.ge(since.and_time(chrono::NaiveTime::MIN)))),
            );
        }
        if let Some(class) = f.timeliness {
            let soon = f.today + chrono::Days::new(u64::from(f.due_soon_days));
            let open = tasks::state.eq_any(OPEN_STATES);
            query = match class {
                // Mirrors domain::tasks::classify: cancelled tasks are grey
                // (no deadline); a completed task without a deadline or a
                // known completion day counts as on time.
                TimelinessFilter::NoDeadline => query.filter(
                    tasks::state
                        .eq("cancelled")
                        .or(open.and(tasks::deadline.is_null())),
                ),
                TimelinessFilter::Overdue => query.filter(open).filter(tasks::deadline.lt(f.today)),
                TimelinessFilter::DueSoon => query
                    .filter(open)
                    .filter(tasks::deadline.ge(f.today))
                    .filter(tasks::deadline.le(soon)),
                TimelinessFilter::OnTime => query.filter(open).filter(tasks::deadline.gt(soon)),
                TimelinessFilter::CompletedOnTime => {
                    query.filter(tasks::state.eq("completed")).filter(
                        tasks::deadline
                            .is_null()
                            .or(tasks::completed_on.is_null())
                            .or(tasks::completed_on.le(tasks::deadline)),
                    )
                }
                TimelinessFilter::CompletedLate => query
                    .filter(tasks::state.eq("completed"))
                    .filter(tasks::completed_on.gt(tasks::deadline)),
            };
        }
        query
    }};
}

/// One page of tasks matching the filter, and the total.
pub fn list_tasks(
    conn: &mut DbConnection,
    f: &TaskFilter,
) -> PersistenceResult<(Vec<TaskRow>, i64)> {
    let total = task_query!(f).select(count_star()).first(conn)?;
    let query = task_query!(f);
    let query = match f.sort {
        TaskSort::DeadlineAsc => query.order((
            tasks::deadline.is_null().asc(),
            tasks::deadline.asc(),
            tasks::id.asc(),
        )),
        TaskSort::DeadlineDesc => query.order((
            tasks::deadline.is_null().asc(),
            tasks::deadline.desc(),
            tasks::id.desc(),
        )),
        TaskSort::CreatedAsc => query.order(tasks::id.asc()),
        TaskSort::CreatedDesc => query.order(tasks::id.desc()),
    };
    let rows = query
        .limit(f.limit)
        .offset(f.offset)
        .select(TaskRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The fields a workflow step changes.
#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = tasks)]
pub struct TaskChanges {
    pub state: String,
    pub progress_percent: i32,
    pub has_difficulty: bool,
    pub deadline: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

/// Applies a change if the task is still at `version` (optimistic locking:
/// two concurrent steps on one task cannot both apply).
pub fn update_task(
    conn: &mut DbConnection,
    id: i64,
    version: i32,
    mut changes: TaskChanges,
) -> PersistenceResult<TaskRow> {
    changes.version = version + 1;
    changes.updated_at = now();
    let n = diesel::update(tasks::table.find(id).filter(tasks::version.eq(version)))
        .set(&changes)
        .execute(conn)?;
    if n == 0 {
        return Err(PersistenceError::UniqueViolation {
            constraint: "tasks.version (changed concurrently)".into(),
        });
    }
    get_task(conn, id)
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = task_events)]
pub struct TaskEventRow {
    pub id: i64,
    pub task_id: i64,
    pub kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub at: NaiveDateTime,
    pub note: String,
    pub percent: Option<i32>,
    pub requested_deadline: Option<NaiveDate>,
    pub approved: Option<bool>,
    pub from_state: String,
    pub to_state: String,
    pub late: bool,
}

#[derive(Debug, Clone, Default)]
pub struct NewTaskEvent {
    pub task_id: i64,
    pub kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub note: String,
    pub percent: Option<i32>,
    pub requested_deadline: Option<NaiveDate>,
    pub approved: Option<bool>,
    pub from_state: String,
    pub to_state: String,
    pub late: bool,
}

pub fn insert_event(conn: &mut DbConnection, e: &NewTaskEvent) -> PersistenceResult<TaskEventRow> {
    let id: i64 = diesel::insert_into(task_events::table)
        .values((
            task_events::task_id.eq(e.task_id),
            task_events::kind.eq(&e.kind),
            task_events::actor_id.eq(e.actor_id),
            task_events::actor_name.eq(&e.actor_name),
            task_events::at.eq(now()),
            task_events::note.eq(&e.note),
            task_events::percent.eq(e.percent),
            task_events::requested_deadline.eq(e.requested_deadline),
            task_events::approved.eq(e.approved),
            task_events::from_state.eq(&e.from_state),
            task_events::to_state.eq(&e.to_state),
            task_events::late.eq(e.late),
        ))
        .returning(task_events::id)
        .get_result(conn)?;
    Ok(task_events::table
        .find(id)
        .select(TaskEventRow::as_select())
        .first(conn)?)
}

/// The timeline of a task, oldest first.
pub fn events(conn: &mut DbConnection, task_id: i64) -> PersistenceResult<Vec<TaskEventRow>> {
    Ok(task_events::table
        .filter(task_events::task_id.eq(task_id))
        .order(task_events::id)
        .select(TaskEventRow::as_select())
        .load(conn)?)
}

/// The pending extension request of a task, if any: the latest
/// `request_extension` event with no later `decide_extension`.
pub fn pending_extension(
    conn: &mut DbConnection,
    task_id: i64,
) -> PersistenceResult<Option<TaskEventRow>> {
    let last: Option<TaskEventRow> = task_events::table
        .filter(task_events::task_id.eq(task_id))
        .filter(task_events::kind.eq_any(["request_extension", "decide_extension"]))
        .order(task_events::id.desc())
        .select(TaskEventRow::as_select())
        .first(conn)
        .optional()?;
    Ok(last.filter(|e| e.kind == "request_extension"))
}

/// What statistics need of a task.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct TaskStatRow {
    pub id: i64,
    pub directive_id: i64,
    pub lead_unit_id: UnitId,
    pub specialist_id: Option<i64>,
    pub state: String,
    pub original_deadline: Option<NaiveDate>,
    pub deadline: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
}

/// Every task matching the filter (paging ignored), cancelled ones left
/// out, with the columns statistics need.
pub fn stat_rows(conn: &mut DbConnection, f: &TaskFilter) -> PersistenceResult<Vec<TaskStatRow>> {
    Ok(task_query!(f)
        .filter(tasks::state.ne("cancelled"))
        .order(tasks::id)
        .select((
            tasks::id,
            tasks::directive_id,
            tasks::lead_unit_id,
            tasks::specialist_id,
            tasks::state,
            tasks::original_deadline,
            tasks::deadline,
            tasks::completed_on,
        ))
        .load(conn)?)
}

/// The issuer of each directive.
pub fn directive_issuers(
    conn: &mut DbConnection,
    ids: &[i64],
) -> PersistenceResult<Vec<(i64, String)>> {
    Ok(directives::table
        .filter(directives::id.eq_any(ids))
        .select((directives::id, directives::issuer))
        .load(conn)?)
}
