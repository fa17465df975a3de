//! In-app notifications and the leases that keep background jobs to one
//! server instance at a time.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{affected, PersistenceError, PersistenceResult};
use crate::schema::{grants, job_leases, notifications, org_unit_closure, tasks, users};
use crate::tasks::{TaskRow, OPEN_STATES};
use crate::units::UnitId;

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub task_id: Option<i64>,
    pub title: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
    pub ntm_evaluation_id: Option<i64>,
}

/// A notification to create.
#[derive(Debug, Clone, Copy)]
pub struct Notice<'a> {
    pub kind: &'a str,
    pub task_id: i64,
    pub title: &'a str,
    pub body: &'a str,
}

/// Creates the notification unless the user already has one of this kind
/// for this task; returns whether it was created. With `email_to` it is
/// also queued for e-mail.
pub fn notify_once(
    conn: &mut DbConnection,
    user_id: i64,
    notice: Notice<'_>,
    email_to: Option<&str>,
) -> PersistenceResult<bool> {
    let Notice {
        kind,
        task_id,
        title,
        body,
    } = notice;
    let exists: i64 = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::kind.eq(kind))
        .filter(notifications::task_id.eq(task_id))
        .select(count_star())
        .first(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    insert(
        conn,
        user_id,
        kind,
        (Some(task_id), None),
        (title, body),
        email_to,
    )?;
    Ok(true)
}

/// Creates a notification about an NTM evaluation (every event is its
/// own: a criterion returned twice notifies twice).
pub fn notify_evaluation(
    conn: &mut DbConnection,
    user_id: i64,
    kind: &str,
    evaluation_id: i64,
    (title, body): (&str, &str),
) -> PersistenceResult<()> {
    insert(
        conn,
        user_id,
        kind,
        (None, Some(evaluation_id)),
        (title, body),
        None,
    )
}

fn insert(
    conn: &mut DbConnection,
    user_id: i64,
    kind: &str,
    (task_id, evaluation_id): (Option<i64>, Option<i64>),
    (title, body): (&str, &str),
    email_to: Option<&str>,
) -> PersistenceResult<()> {
    diesel::insert_into(notifications::table)
        .values((
            notifications::user_id.eq(user_id),
            notifications::kind.eq(kind),
            notifications::task_id.eq(task_id),
            notifications::ntm_evaluation_id.eq(evaluation_id),
            notifications::title.eq(title),
            notifications::body.eq(body),
            notifications::created_at.eq(now()),
            notifications::email_to.eq(email_to),
        ))
        .execute(conn)?;
    Ok(())
}

/// A user's notifications, newest first, and how many are unread.
pub fn list(
    conn: &mut DbConnection,
    user_id: i64,
    unread_only: bool,
    limit: i64,
    offset: i64,
) -> PersistenceResult<(Vec<NotificationRow>, i64, i64)> {
    let query = || {
        let mut q = notifications::table
            .filter(notifications::user_id.eq(user_id))
            .into_boxed();
        if unread_only {
            q = q.filter(notifications::read_at.is_null());
        }
        q
    };
    let total = query().select(count_star()).first(conn)?;
    let unread = notifications::table
        .filter(notifications::user_id.eq(user_id))
        .filter(notifications::read_at.is_null())
        .select(count_star())
        .first(conn)?;
    let rows = query()
        .order(notifications::id.desc())
        .limit(limit)
        .offset(offset)
        .select(NotificationRow::as_select())
        .load(conn)?;
    Ok((rows, total, unread))
}

/// Marks one of the user's notifications read (NotFound if not theirs).
pub fn mark_read(conn: &mut DbConnection, user_id: i64, id: i64) -> PersistenceResult<()> {
    let exists: i64 = notifications::table
        .filter(notifications::id.eq(id))
        .filter(notifications::user_id.eq(user_id))
        .select(count_star())
        .first(conn)?;
    affected(usize::try_from(exists).unwrap_or(0))?;
    diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(now()))
    .execute(conn)?;
    Ok(())
}

/// Marks all of the user's notifications read; returns how many changed.
pub fn mark_all_read(conn: &mut DbConnection, user_id: i64) -> PersistenceResult<usize> {
    Ok(diesel::update(
        notifications::table
            .filter(notifications::user_id.eq(user_id))
            .filter(notifications::read_at.is_null()),
    )
    .set(notifications::read_at.eq(now()))
    .execute(conn)?)
}

/// Open tasks whose deadline is on or before `until` (due soon or overdue).
pub fn tasks_due_by(conn: &mut DbConnection, until: NaiveDate) -> PersistenceResult<Vec<TaskRow>> {
    Ok(tasks::table
        .filter(tasks::state.eq_any(OPEN_STATES))
        .filter(tasks::deadline.le(until))
        .order(tasks::id)
        .select(TaskRow::as_select())
        .load(conn)?)
}

/// Active users holding one of `roles` on the unit or an ancestor of it.
pub fn users_with_role_over(
    conn: &mut DbConnection,
    unit: UnitId,
    roles: &[&str],
) -> PersistenceResult<Vec<i64>> {
    let mut ids: Vec<i64> = grants::table
        .inner_join(users::table.on(users::id.nullable().eq(grants::user_id)))
        .filter(users::active.eq(true))
        .filter(grants::role.eq_any(roles))
        .filter(
            grants::unit_id.eq_any(
                org_unit_closure::table
                    .filter(org_unit_closure::descendant_id.eq(unit))
                    .select(org_unit_closure::ancestor_id),
            ),
        )
        .select(users::id)
        .load(conn)?;
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The e-mail addresses of those of `users` who are active and have one.
pub fn email_addresses(
    conn: &mut DbConnection,
    users: &[i64],
) -> PersistenceResult<HashMap<i64, String>> {
    let rows: Vec<(i64, Option<String>)> = users::table
        .filter(users::id.eq_any(users))
        .filter(users::active.eq(true))
        .select((users::id, users::email))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, email)| {
            let email = email?.trim().to_owned();
            (!email.is_empty()).then_some((id, email))
        })
        .collect())
}

/// A notification waiting to be e-mailed.
#[derive(Debug, Clone, PartialEq)]
pub struct MailItem {
    pub id: i64,
    pub email_to: String,
    pub title: String,
    pub body: String,
}

/// Notifications queued for e-mail and not yet sent, oldest first, skipping
/// those that failed `max_attempts` times.
pub fn mail_queue(
    conn: &mut DbConnection,
    max_attempts: i32,
    limit: i64,
) -> PersistenceResult<Vec<MailItem>> {
    let rows: Vec<(i64, Option<String>, String, String)> = notifications::table
        .filter(notifications::email_to.is_not_null())
        .filter(notifications::emailed_at.is_null())
        .filter(notifications::email_attempts.lt(max_attempts))
        .order(notifications::id)
        .limit(limit)
        .select((
            notifications::id,
            notifications::email_to,
            notifications::title,
            notifications::body,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, to, title, body)| {
            to.map(|email_to| MailItem {
                id,
                email_to,
                title,
                body,
            })
        })
        .collect())
}

/// Records the outcome of one e-mail send.
pub fn record_mail(conn: &mut DbConnection, id: i64, sent: bool) -> PersistenceResult<()> {
    let target = notifications::table.filter(notifications::id.eq(id));
    if sent {
        diesel::update(target)
            .set(notifications::emailed_at.eq(now()))
            .execute(conn)?;
    } else {
        diesel::update(target)
            .set(notifications::email_attempts.eq(notifications::email_attempts + 1))
            .execute(conn)?;
    }
    Ok(())
}

/// Takes the named lease until `until` if it is free or expired; returns
/// whether this holder now has it. Works the same on both backends.
pub fn try_lease(
    conn: &mut DbConnection,
    name: &str,
    holder: &str,
    until: NaiveDateTime,
) -> PersistenceResult<bool> {
    let at = now();
    let taken = diesel::update(
        job_leases::table.filter(job_leases::name.eq(name)).filter(
            job_leases::locked_until
                .lt(at)
                .or(job_leases::holder.eq(holder)),
        ),
    )
    .set((
        job_leases::holder.eq(holder),
        job_leases::locked_until.eq(until),
    ))
    .execute(conn)?;
    if taken == 1 {
        return Ok(true);
    }
    let exists: i64 = job_leases::table
        .filter(job_leases::name.eq(name))
        .select(count_star())
        .first(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    let inserted = diesel::insert_into(job_leases::table)
        .values((
            job_leases::name.eq(name),
            job_leases::holder.eq(holder),
            job_leases::locked_until.eq(until),
        ))
        .execute(conn)
        .map_err(PersistenceError::from);
    match inserted {
        Ok(_) => Ok(true),
        // Another instance created it first: it holds the lease.
        Err(PersistenceError::UniqueViolation { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Gives a lease back early.
pub fn release_lease(conn: &mut DbConnection, name: &str, holder: &str) -> PersistenceResult<()> {
    diesel::update(
        job_leases::table
            .filter(job_leases::name.eq(name))
            .filter(job_leases::holder.eq(holder)),
    )
    .set(job_leases::locked_until.eq(now() - chrono::Duration::seconds(1)))
    .execute(conn)?;
    Ok(())
}
