//! Directives, their tasks, coordinating units and the task timeline.

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Nullable};

use crate::db::{DbConnection, MultiBackend};
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
                task_coordinators::task_state.eq(&t.state),
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

impl TaskFilter {
    /// Every task under `roots` (None: everything), classed as of `today`,
    /// by deadline, the first 50.
    pub fn new(roots: Option<Vec<UnitId>>, today: NaiveDate, due_soon_days: u32) -> Self {
        Self {
            roots,
            directive_id: None,
            issuing_unit_id: None,
            lead_unit_id: None,
            coordinating_unit_id: None,
            specialist_id: None,
            issuer: None,
            states: Vec::new(),
            timeliness: None,
            deadline_from: None,
            deadline_to: None,
            q: None,
            today,
            due_soon_days,
            closed_since: None,
            sort: TaskSort::DeadlineAsc,
            limit: 50,
            offset: 0,
        }
    }
}

/// A condition on tasks, boxed so the ways into a scope are built at run
/// time.
type TaskCondition = Box<dyn BoxableExpression<tasks::table, MultiBackend, SqlType = Bool>>;

/// The units of a scope as each backend searches them best. SQLite plans
/// the closure subquery as a short list and searches the (unit, state)
/// indexes unit by unit; given the ids as a long list, it reckons each unit
/// holds the average share of tasks and walks a state index instead.
/// PostgreSQL estimates a list value by value from its statistics, but a
/// subquery only by averages, and then scans the table.
enum ScopeUnits {
    Under(Vec<UnitId>),
    Ids(Vec<UnitId>),
}

fn scope_units(conn: &mut DbConnection, roots: &[UnitId]) -> PersistenceResult<ScopeUnits> {
    if matches!(conn, DbConnection::Sqlite(_)) {
        return Ok(ScopeUnits::Under(roots.to_vec()));
    }
    let mut ids: Vec<UnitId> = org_unit_closure::table
        .filter(org_unit_closure::ancestor_id.eq_any(roots))
        .select(org_unit_closure::descendant_id)
        .load(conn)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ScopeUnits::Ids(ids))
}

/// The ids of the tasks coordinated by one of `units` (an `eq_any`
/// argument) in the state group (an `Option<&StateGroup>`), through the
/// coordinators' (unit, state, completed_on) index: a subquery bound to `$q`
/// in `$finish`. One arm per group: a subquery cannot hold a boxed
/// condition.
macro_rules! coordinated_in {
    ($units:expr, $group:expr, |$q:ident| $finish:expr) => {{
        let coordinators =
            task_coordinators::table.filter(task_coordinators::unit_id.eq_any($units));
        match $group {
            None => {
                let $q = coordinators.select(task_coordinators::task_id);
                $finish
            }
            Some(StateGroup::In(states)) => {
                let $q = coordinators
                    .filter(task_coordinators::task_state.eq_any(states.clone()))
                    .select(task_coordinators::task_id);
                $finish
            }
            Some(StateGroup::CompletedSince(day)) => {
                let $q = coordinators
                    .filter(task_coordinators::task_state.eq("completed"))
                    .filter(
                        task_coordinators::task_completed_on
                            .assume_not_null()
                            .ge(*day),
                    )
                    .select(task_coordinators::task_id);
                $finish
            }
            // Few tasks are cancelled; the day is checked on the task.
            Some(StateGroup::CancelledSince(_)) => {
                let $q = coordinators
                    .filter(task_coordinators::task_state.eq("cancelled"))
                    .select(task_coordinators::task_id);
                $finish
            }
        }
    }};
}

/// The four ways a task enters the scope: issued, followed up, led or
/// coordinated inside it, each carrying the state group (None: any state).
/// PostgreSQL gets the coordinated tasks as a list too: for the subquery it
/// has been seen to hash-join against every task in the state.
fn ways_into(
    conn: &mut DbConnection,
    units: &ScopeUnits,
    group: Option<&StateGroup>,
) -> PersistenceResult<[TaskCondition; 4]> {
    let on_task = |way: TaskCondition| -> TaskCondition {
        match group {
            Some(g) => Box::new(way.and(g.on_task())),
            None => way,
        }
    };
    Ok(match units {
        ScopeUnits::Under(roots) => [
            on_task(Box::new(tasks::issuing_unit_id.eq_any(under!(roots)))),
            on_task(Box::new(tasks::office_unit_id.eq_any(under!(roots)))),
            on_task(Box::new(tasks::lead_unit_id.eq_any(under!(roots)))),
            on_task(coordinated_in!(under!(roots), group, |q| Box::new(
                tasks::id.eq_any(q)
            ))),
        ],
        ScopeUnits::Ids(ids) => {
            let coordinated: Vec<i64> = coordinated_in!(ids.clone(), group, |q| q.load(conn))?;
            [
                on_task(Box::new(tasks::issuing_unit_id.eq_any(ids.clone()))),
                on_task(Box::new(tasks::office_unit_id.eq_any(ids.clone()))),
                on_task(Box::new(tasks::lead_unit_id.eq_any(ids.clone()))),
                on_task(Box::new(tasks::id.eq_any(coordinated))),
            ]
        }
    })
}

/// A condition on a task's state that the (unit, state, completed_on)
/// indexes answer with one range search per unit.
enum StateGroup {
    In(Vec<String>),
    CompletedSince(NaiveDate),
    CancelledSince(NaiveDate),
}

impl StateGroup {
    fn on_task(&self) -> TaskCondition {
        match self {
            Self::In(states) => Box::new(tasks::state.eq_any(states.clone())),
            Self::CompletedSince(day) => Box::new(
                tasks::state
                    .eq("completed")
                    .and(tasks::completed_on.assume_not_null().ge(*day)),
            ),
            Self::CancelledSince(day) => Box::new(
                tasks::state
                    .eq("cancelled")
                    .and(tasks::updated_at.ge(day.and_time(chrono::NaiveTime::MIN))),
            ),
        }
    }
}

fn owned(states: &[&str]) -> Vec<String> {
    states.iter().map(|s| (*s).to_owned()).collect()
}

/// The states a filter can match at all: those asked for, narrowed by the
/// timeliness class (None: any state).
fn possible_states(f: &TaskFilter) -> Option<Vec<String>> {
    let implied: Option<&[&str]> = f.timeliness.map(|class| match class {
        TimelinessFilter::OnTime | TimelinessFilter::DueSoon | TimelinessFilter::Overdue => {
            &OPEN_STATES[..]
        }
        TimelinessFilter::CompletedOnTime | TimelinessFilter::CompletedLate => &["completed"][..],
        TimelinessFilter::NoDeadline => &NO_DEADLINE_STATES[..],
    });
    match (f.states.is_empty(), implied) {
        (true, None) => None,
        (true, Some(implied)) => Some(owned(implied)),
        (false, implied) => Some(
            f.states
                .iter()
                .filter(|s| implied.is_none_or(|i| i.contains(&s.as_str())))
                .cloned()
                .collect(),
        ),
    }
}

/// The states in which a task can have no deadline class (open without a
/// deadline, or cancelled).
const NO_DEADLINE_STATES: [&str; 6] = [
    "assigned",
    "in_progress",
    "completion_proposed",
    "reviewed",
    "decline_proposed",
    "cancelled",
];

/// The state conditions each way into the scope carries: the states the
/// filter can match or, for views of "now", the open tasks and those closed
/// since the day. Empty: any state.
fn state_groups(f: &TaskFilter) -> Vec<StateGroup> {
    if let Some(states) = possible_states(f) {
        return vec![StateGroup::In(states)];
    }
    match f.closed_since {
        Some(since) => vec![
            StateGroup::In(owned(&OPEN_STATES)),
            StateGroup::CompletedSince(since),
            StateGroup::CancelledSince(since),
        ],
        None => Vec::new(),
    }
}

/// The tasks matching the filter, as queries whose results are merged: per
/// state group (the groups' states differ, so no task matches two), one
/// query per way into the scope (each one index search per unit, so the
/// cost follows the tasks the filter can match inside the scope, not every
/// task the scope ever had); or a single one without a scope. Joined in one
/// OR, the planners weigh the ways together against walking the whole table
/// or a state or deadline index, and each choice has been seen to flip with
/// the table's statistics; apart, each way has one good plan.
fn task_query_groups(
    conn: &mut DbConnection,
    f: &TaskFilter,
) -> PersistenceResult<Vec<Vec<tasks::BoxedQuery<'static, MultiBackend>>>> {
    let Some(roots) = &f.roots else {
        return Ok(vec![vec![task_query(f, None, false, true)]]);
    };
    let units = scope_units(conn, roots)?;
    let groups = state_groups(f);
    let states_in_way = !groups.is_empty();
    let deadline_index = matches!(units, ScopeUnits::Ids(_));
    let groups: Vec<Option<&StateGroup>> = if groups.is_empty() {
        vec![None]
    } else {
        groups.iter().map(Some).collect()
    };
    let mut out = Vec::with_capacity(groups.len());
    for group in groups {
        out.push(
            ways_into(conn, &units, group)?
                .into_iter()
                .map(|way| task_query(f, Some(way), states_in_way, deadline_index))
                .collect(),
        );
    }
    Ok(out)
}

/// Ids bound to one `IN` list (SQLite takes 32,766 parameters a statement).
const ROWS_BY_ID: usize = 10_000;

/// Every task matching the filter, each read once by `read` (which selects
/// what the caller needs of a query's tasks). In each state group the first
/// way that matches anything is read whole; the group's other ways give
/// ids (on SQLite from their indexes alone), and only the tasks not seen yet
/// are read, by id. A province's tasks come in two or three ways at once
/// (issued and led inside it), which read whole cost each row that often.
fn read_once<T>(
    conn: &mut DbConnection,
    f: &TaskFilter,
    read: impl Fn(
        &mut DbConnection,
        tasks::BoxedQuery<'static, MultiBackend>,
    ) -> diesel::QueryResult<Vec<T>>,
    id_of: impl Fn(&T) -> i64,
) -> PersistenceResult<Vec<T>> {
    let mut out = Vec::new();
    for group in task_query_groups(conn, f)? {
        let mut seen: std::collections::HashSet<i64> = std::collections::HashSet::new();
        for query in group {
            if seen.is_empty() {
                let rows = read(conn, query)?;
                seen.extend(rows.iter().map(&id_of));
                out.extend(rows);
                continue;
            }
            let fresh: Vec<i64> = query
                .select(tasks::id)
                .load::<i64>(conn)?
                .into_iter()
                .filter(|id| seen.insert(*id))
                .collect();
            for chunk in fresh.chunks(ROWS_BY_ID) {
                let by_id = tasks::table
                    .into_boxed()
                    .filter(tasks::id.eq_any(chunk.to_vec()));
                out.extend(read(conn, by_id)?);
            }
        }
    }
    Ok(out)
}

type DeadlineTerm =
    Box<dyn BoxableExpression<tasks::table, MultiBackend, SqlType = Nullable<Date>>>;

/// The deadline as a query's conditions compare it: the column, or on
/// SQLite inside a scope the column behind a unary `+`, which SQLite's
/// planner cannot search an index by. Left the choice, with the statistics
/// of a few thousand tasks it walked the deadline index over every task in
/// the country due before today and tested each one's scope (the wall
/// board's overdue list: 4–8 ms a way) instead of searching the scope's
/// (unit, state) indexes.
fn deadline_term(index: bool) -> DeadlineTerm {
    if index {
        Box::new(tasks::deadline)
    } else {
        Box::new(diesel::dsl::sql::<Nullable<Date>>(
            "+\"tasks\".\"deadline\"",
        ))
    }
}

/// The tasks matching the filter through one way into its scope (None: no
/// scope), unordered. `states_in_way`: the way carries the filter's state
/// conditions, which repeated outside would only offer the planners a state
/// index across the country. `deadline_index`: see [`deadline_term`].
fn task_query(
    f: &TaskFilter,
    way: Option<TaskCondition>,
    states_in_way: bool,
    deadline_index: bool,
) -> tasks::BoxedQuery<'static, MultiBackend> {
    let deadline = || deadline_term(deadline_index);
    let mut query = tasks::table.into_boxed();
    match way {
        Some(way) => query = query.filter(way),
        None => {
            if let Some(states) = possible_states(f) {
                query = query.filter(tasks::state.eq_any(states));
            }
        }
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
    if let Some(from) = f.deadline_from {
        query = query.filter(deadline().ge(from));
    }
    if let Some(to) = f.deadline_to {
        query = query.filter(deadline().le(to));
    }
    if let Some(q) = f.q.as_deref().filter(|q| !q.is_empty()) {
        query = query.filter(tasks::search_key.like(crate::like_pattern(q)).escape('\\'));
    }
    if let Some(since) = f.closed_since.filter(|_| !states_in_way) {
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
        // The states each class allows are applied with the scope
        // (`possible_states`).
        query = match class {
            // Mirrors domain::tasks::classify: cancelled tasks are grey
            // (no deadline); a completed task without a deadline or a
            // known completion day counts as on time.
            TimelinessFilter::NoDeadline => query.filter(
                tasks::state
                    .eq("cancelled")
                    .or(open.and(deadline().is_null())),
            ),
            TimelinessFilter::Overdue => query.filter(deadline().lt(f.today)),
            TimelinessFilter::DueSoon => query
                .filter(deadline().ge(f.today))
                .filter(deadline().le(soon)),
            TimelinessFilter::OnTime => query.filter(deadline().gt(soon)),
            TimelinessFilter::CompletedOnTime => query.filter(
                tasks::deadline
                    .is_null()
                    .or(tasks::completed_on.is_null())
                    .or(tasks::completed_on.le(tasks::deadline)),
            ),
            TimelinessFilter::CompletedLate => {
                query.filter(tasks::completed_on.gt(tasks::deadline))
            }
        };
    }
    query
}

/// One page of tasks matching the filter, and the total.
pub fn list_tasks(
    conn: &mut DbConnection,
    f: &TaskFilter,
) -> PersistenceResult<(Vec<TaskRow>, i64)> {
    if f.roots.is_none() {
        return list_unscoped(conn, f);
    }
    // The ways into the scope give each matching task's sort key; the page
    // is cut here and its rows read by id.
    let mut keys = read_once(
        conn,
        f,
        |conn, query| {
            query
                .select((tasks::id, tasks::deadline))
                .load::<(i64, Option<NaiveDate>)>(conn)
        },
        |k| k.0,
    )?;
    keys.sort_unstable_by_key(|k| k.0);
    let total = i64::try_from(keys.len()).unwrap_or(i64::MAX);
    match f.sort {
        // Tasks without a deadline last, as in `list_unscoped`.
        TaskSort::DeadlineAsc => keys.sort_unstable_by_key(|&(id, d)| (d.is_none(), d, id)),
        TaskSort::DeadlineDesc => keys.sort_unstable_by_key(|&(id, d)| {
            (d.is_none(), std::cmp::Reverse(d), std::cmp::Reverse(id))
        }),
        TaskSort::CreatedAsc => {}
        TaskSort::CreatedDesc => keys.reverse(),
    }
    let page: Vec<i64> = keys
        .iter()
        .skip(usize::try_from(f.offset).unwrap_or(0))
        .take(usize::try_from(f.limit).unwrap_or(0))
        .map(|k| k.0)
        .collect();
    let mut rows = tasks::table
        .filter(tasks::id.eq_any(&page))
        .select(TaskRow::as_select())
        .load(conn)?;
    let place: std::collections::HashMap<i64, usize> =
        page.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_unstable_by_key(|r| place.get(&r.id).copied());
    Ok((rows, total))
}

/// The page and total without a scope (everything), ordered by the database.
fn list_unscoped(
    conn: &mut DbConnection,
    f: &TaskFilter,
) -> PersistenceResult<(Vec<TaskRow>, i64)> {
    let total = task_query(f, None, false, true)
        .select(count_star())
        .first(conn)?;
    let query = task_query(f, None, false, true);
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
    diesel::update(task_coordinators::table.filter(task_coordinators::task_id.eq(id)))
        .set((
            task_coordinators::task_state.eq(&changes.state),
            task_coordinators::task_completed_on.eq(changes.completed_on),
        ))
        .execute(conn)?;
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
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = tasks)]
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
/// out, with the columns statistics need, in id order.
pub fn stat_rows(conn: &mut DbConnection, f: &TaskFilter) -> PersistenceResult<Vec<TaskStatRow>> {
    let mut rows = read_once(
        conn,
        f,
        |conn, query| {
            query
                .filter(tasks::state.ne("cancelled"))
                .select(TaskStatRow::as_select())
                .load(conn)
        },
        |r| r.id,
    )?;
    rows.sort_unstable_by_key(|r| r.id);
    Ok(rows)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::{Arc, Mutex};

    use diesel::connection::{Instrumentation, InstrumentationEvent};
    use diesel::sql_types::Text;
    use diesel::{sql_query, Connection, QueryableByName, RunQueryDsl};

    use super::*;
    use crate::{Db, DbOptions};

    /// Collects each statement's SQL (without its binds) as it starts.
    struct Statements(Arc<Mutex<Vec<String>>>);

    impl Instrumentation for Statements {
        fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                let text = query.to_string();
                let sql = text.split(" -- binds:").next().unwrap_or_default();
                self.0.lock().unwrap().push(sql.to_owned());
            }
        }
    }

    #[derive(QueryableByName)]
    struct Step {
        #[diesel(sql_type = Text)]
        detail: String,
    }

    /// `sqlite_stat1` as `ANALYZE` left it on the 10,000-task data set
    /// (`server seed --scale 10000`): 334 tasks per issuing unit on average,
    /// 10 per deadline day.
    const STATS_AT_10K: [(&str, &str, &str); 6] = [
        (
            "org_unit_closure",
            "org_unit_closure_descendant",
            "44683 3 1",
        ),
        (
            "org_unit_closure",
            "sqlite_autoindex_org_unit_closure_1",
            "44683 30 1",
        ),
        ("tasks", "tasks_office", "10019 334 56 3"),
        ("tasks", "tasks_issuing", "10019 334 56 3"),
        ("tasks", "tasks_lead", "10019 33 8 2"),
        ("tasks", "tasks_deadline", "10019 10"),
    ];

    /// The overdue list of a scope (the wall board's) searches the ways into
    /// the scope by their unit indexes on SQLite, never the deadline index
    /// across the country, with the statistics that once led it there.
    #[test]
    fn sqlite_searches_a_scope_by_unit_not_by_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("app.db").display());
        Db::connect(&url, &DbOptions::default())
            .unwrap()
            .migrate()
            .unwrap();
        {
            let db = Db::connect(&url, &DbOptions::default()).unwrap();
            let mut conn = db.conn().unwrap();
            sql_query("ANALYZE").execute(&mut *conn).unwrap();
            sql_query("DELETE FROM sqlite_stat1")
                .execute(&mut *conn)
                .unwrap();
            for (tbl, idx, stat) in STATS_AT_10K {
                sql_query(format!(
                    "INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('{tbl}', '{idx}', '{stat}')"
                ))
                .execute(&mut *conn)
                .unwrap();
            }
        }
        // A new pool: its connections read the statistics on opening.
        let db = Db::connect(&url, &DbOptions::default()).unwrap();
        let mut conn = db.conn().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        conn.set_instrumentation(Statements(seen.clone()));
        let today = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let filter = TaskFilter {
            timeliness: Some(TimelinessFilter::Overdue),
            deadline_from: Some(today - chrono::Days::new(365)),
            ..TaskFilter::new(Some(vec![1]), today, 3)
        };
        list_tasks(&mut conn, &filter).unwrap();
        conn.set_instrumentation(diesel::connection::get_default_instrumentation());
        let statements = seen.lock().unwrap().clone();
        let ways: Vec<&String> = statements
            .iter()
            .filter(|sql| sql.contains("FROM `tasks`") || sql.contains("FROM \"tasks\""))
            .collect();
        assert!(ways.len() >= 3, "{statements:#?}");
        for sql in ways {
            let plan: Vec<String> = sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                .load::<Step>(&mut *conn)
                .unwrap()
                .into_iter()
                .map(|s| s.detail)
                .collect();
            assert!(
                plan.iter().all(|step| !step.contains("tasks_deadline")),
                "{sql}\n{plan:#?}"
            );
        }
    }
}
