//! Users, grants, service accounts, refresh tokens, board tokens and login
//! throttling records.

use chrono::{NaiveDateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::error::{affected, PersistenceResult};
use crate::schema::{
    board_tokens, grants, login_failures, org_unit_closure, org_units, refresh_tokens,
    service_accounts, users,
};
use crate::units::UnitId;

fn now() -> NaiveDateTime {
    Utc::now().naive_utc()
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub primary_unit_id: UnitId,
    pub password_hash: String,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub primary_unit_id: UnitId,
    pub password_hash: String,
    pub active: bool,
}

pub fn insert_user(conn: &mut DbConnection, new: &NewUser) -> PersistenceResult<UserRow> {
    let at = now();
    let id: i64 = diesel::insert_into(users::table)
        .values((
            users::username.eq(&new.username),
            users::full_name.eq(&new.full_name),
            users::search_key.eq(domain::text::fold(&new.full_name)),
            users::email.eq(&new.email),
            users::phone.eq(&new.phone),
            users::primary_unit_id.eq(new.primary_unit_id),
            users::password_hash.eq(&new.password_hash),
            users::active.eq(new.active),
            users::created_at.eq(at),
            users::updated_at.eq(at),
        ))
        .returning(users::id)
        .get_result(conn)?;
    get_user(conn, id)
}

pub fn get_user(conn: &mut DbConnection, id: i64) -> PersistenceResult<UserRow> {
    Ok(users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)?)
}

pub fn find_user_by_username(
    conn: &mut DbConnection,
    username: &str,
) -> PersistenceResult<Option<UserRow>> {
    Ok(users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Profile fields an update may change (None = unchanged).
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges {
    pub full_name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub primary_unit_id: Option<UnitId>,
    pub active: Option<bool>,
    pub password_hash: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_user(
    conn: &mut DbConnection,
    id: i64,
    mut changes: UserChanges,
) -> PersistenceResult<UserRow> {
    changes.updated_at = Some(now());
    let search_key = changes.full_name.as_deref().map(domain::text::fold);
    affected(
        diesel::update(users::table.find(id))
            .set((&changes, search_key.map(|key| users::search_key.eq(key))))
            .execute(conn)?,
    )?;
    get_user(conn, id)
}

/// Gives every user whose search key is still empty (rows older than the
/// key) the folded full name; returns how many. Run after migrating.
pub fn fill_search_keys(conn: &mut DbConnection) -> PersistenceResult<usize> {
    let missing: Vec<(i64, String)> = users::table
        .filter(users::search_key.eq(""))
        .filter(users::full_name.ne(""))
        .select((users::id, users::full_name))
        .load(conn)?;
    for (id, name) in &missing {
        diesel::update(users::table.find(id))
            .set(users::search_key.eq(domain::text::fold(name)))
            .execute(conn)?;
    }
    Ok(missing.len())
}

/// Users whose primary unit lies in one of the given subtrees (`None`: all).
pub fn list_users(
    conn: &mut DbConnection,
    roots: Option<&[UnitId]>,
    q: Option<&str>,
    limit: i64,
    offset: i64,
) -> PersistenceResult<(Vec<UserRow>, i64)> {
    let query = || {
        let mut query = users::table.into_boxed();
        if let Some(roots) = roots {
            query = query.filter(
                users::primary_unit_id.eq_any(
                    org_unit_closure::table
                        .filter(org_unit_closure::ancestor_id.eq_any(roots.to_vec()))
                        .select(org_unit_closure::descendant_id),
                ),
            );
        }
        if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
            query = query.filter(
                users::username
                    .like(crate::like_pattern(q))
                    .escape('\\')
                    .or(users::search_key
                        .like(crate::like_pattern(&domain::text::fold(q)))
                        .escape('\\')),
            );
        }
        query
    };
    let total = query().select(count_star()).first(conn)?;
    let rows = query()
        .order((users::username, users::id))
        .limit(limit)
        .offset(offset)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = grants)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: Option<i64>,
    pub service_account_id: Option<i64>,
    pub role: String,
    pub unit_id: UnitId,
    pub granted_by: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// Who holds a grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    User(i64),
    ServiceAccount(i64),
}

pub fn insert_grant(
    conn: &mut DbConnection,
    holder: Holder,
    role: &str,
    unit_id: UnitId,
    granted_by: Option<i64>,
) -> PersistenceResult<GrantRow> {
    let (user_id, service_account_id) = match holder {
        Holder::User(id) => (Some(id), None),
        Holder::ServiceAccount(id) => (None, Some(id)),
    };
    let id: i64 = diesel::insert_into(grants::table)
        .values((
            grants::user_id.eq(user_id),
            grants::service_account_id.eq(service_account_id),
            grants::role.eq(role),
            grants::unit_id.eq(unit_id),
            grants::granted_by.eq(granted_by),
            grants::created_at.eq(now()),
        ))
        .returning(grants::id)
        .get_result(conn)?;
    Ok(grants::table
        .find(id)
        .select(GrantRow::as_select())
        .first(conn)?)
}

/// A grant with the name of its unit, for display.
pub type GrantWithUnit = (GrantRow, String);

pub fn grants_of(conn: &mut DbConnection, holder: Holder) -> PersistenceResult<Vec<GrantWithUnit>> {
    let query = grants::table
        .inner_join(org_units::table)
        .order(grants::id)
        .select((GrantRow::as_select(), org_units::name))
        .into_boxed();
    let query = match holder {
        Holder::User(id) => query.filter(grants::user_id.eq(id)),
        Holder::ServiceAccount(id) => query.filter(grants::service_account_id.eq(id)),
    };
    Ok(query.load(conn)?)
}

pub fn get_grant(conn: &mut DbConnection, id: i64) -> PersistenceResult<GrantRow> {
    Ok(grants::table
        .find(id)
        .select(GrantRow::as_select())
        .first(conn)?)
}

pub fn delete_grant(conn: &mut DbConnection, id: i64) -> PersistenceResult<()> {
    affected(diesel::delete(grants::table.find(id)).execute(conn)?)
}

// ---- refresh tokens ----

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = refresh_tokens)]
pub struct RefreshTokenRow {
    pub id: i64,
    pub user_id: i64,
    pub family: String,
    pub lookup: String,
    pub token_hash: String,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub rotated_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_refresh_token(
    conn: &mut DbConnection,
    user_id: i64,
    family: &str,
    lookup: &str,
    token_hash: &str,
    expires_at: NaiveDateTime,
) -> PersistenceResult<()> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::user_id.eq(user_id),
            refresh_tokens::family.eq(family),
            refresh_tokens::lookup.eq(lookup),
            refresh_tokens::token_hash.eq(token_hash),
            refresh_tokens::issued_at.eq(now()),
            refresh_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find_refresh_token(
    conn: &mut DbConnection,
    lookup: &str,
) -> PersistenceResult<Option<RefreshTokenRow>> {
    Ok(refresh_tokens::table
        .filter(refresh_tokens::lookup.eq(lookup))
        .select(RefreshTokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Marks a token used; returns false when it was already rotated (a reuse).
pub fn mark_rotated(conn: &mut DbConnection, id: i64) -> PersistenceResult<bool> {
    let n = diesel::update(
        refresh_tokens::table
            .find(id)
            .filter(refresh_tokens::rotated_at.is_null()),
    )
    .set(refresh_tokens::rotated_at.eq(now()))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn revoke_family(conn: &mut DbConnection, family: &str) -> PersistenceResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)?)
}

pub fn revoke_user_tokens(conn: &mut DbConnection, user_id: i64) -> PersistenceResult<usize> {
    Ok(diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::user_id.eq(user_id))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(now()))
    .execute(conn)?)
}

// ---- login throttling ----

pub fn record_login_failure(
    conn: &mut DbConnection,
    username: &str,
    client_addr: &str,
) -> PersistenceResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::username.eq(username),
            login_failures::client_addr.eq(client_addr),
            login_failures::failed_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failures since `since` for the username and for the address.
pub fn recent_login_failures(
    conn: &mut DbConnection,
    username: &str,
    client_addr: &str,
    since: NaiveDateTime,
) -> PersistenceResult<(i64, i64)> {
    let by_user = login_failures::table
        .filter(login_failures::username.eq(username))
        .filter(login_failures::failed_at.ge(since))
        .select(count_star())
        .first(conn)?;
    let by_addr = login_failures::table
        .filter(login_failures::client_addr.eq(client_addr))
        .filter(login_failures::failed_at.ge(since))
        .select(count_star())
        .first(conn)?;
    Ok((by_user, by_addr))
}

/// A successful login forgets the user's failures.
pub fn clear_login_failures(conn: &mut DbConnection, username: &str) -> PersistenceResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::username.eq(username)))
        .execute(conn)?;
    Ok(())
}

// ---- service accounts ----

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = service_accounts)]
pub struct ServiceAccountRow {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub key_lookup: String,
    pub key_hash: String,
    pub active: bool,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_service_account(
    conn: &mut DbConnection,
    name: &str,
    description: &str,
    key_lookup: &str,
    key_hash: &str,
    created_by: Option<i64>,
) -> PersistenceResult<ServiceAccountRow> {
    let id: i64 = diesel::insert_into(service_accounts::table)
        .values((
            service_accounts::name.eq(name),
            service_accounts::description.eq(description),
            service_accounts::key_lookup.eq(key_lookup),
            service_accounts::key_hash.eq(key_hash),
            service_accounts::active.eq(true),
            service_accounts::created_by.eq(created_by),
            service_accounts::created_at.eq(now()),
        ))
        .returning(service_accounts::id)
        .get_result(conn)?;
    get_service_account(conn, id)
}

pub fn get_service_account(
    conn: &mut DbConnection,
    id: i64,
) -> PersistenceResult<ServiceAccountRow> {
    Ok(service_accounts::table
        .find(id)
        .select(ServiceAccountRow::as_select())
        .first(conn)?)
}

pub fn find_service_account_by_lookup(
    conn: &mut DbConnection,
    lookup: &str,
) -> PersistenceResult<Option<ServiceAccountRow>> {
    Ok(service_accounts::table
        .filter(service_accounts::key_lookup.eq(lookup))
        .select(ServiceAccountRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn list_service_accounts(conn: &mut DbConnection) -> PersistenceResult<Vec<ServiceAccountRow>> {
    Ok(service_accounts::table
        .order(service_accounts::id)
        .select(ServiceAccountRow::as_select())
        .load(conn)?)
}

pub fn touch_service_account(conn: &mut DbConnection, id: i64) -> PersistenceResult<()> {
    diesel::update(service_accounts::table.find(id))
        .set(service_accounts::last_used_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

pub fn revoke_service_account(
    conn: &mut DbConnection,
    id: i64,
) -> PersistenceResult<ServiceAccountRow> {
    affected(
        diesel::update(service_accounts::table.find(id))
            .set((
                service_accounts::active.eq(false),
                service_accounts::revoked_at.eq(now()),
            ))
            .execute(conn)?,
    )?;
    get_service_account(conn, id)
}

// ---- board tokens ----

#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = board_tokens)]
pub struct BoardTokenRow {
    pub id: i64,
    pub name: String,
    pub unit_id: UnitId,
    pub lookup: String,
    pub token_hash: String,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
}

pub fn insert_board_token(
    conn: &mut DbConnection,
    name: &str,
    unit_id: UnitId,
    lookup: &str,
    token_hash: &str,
    created_by: Option<i64>,
) -> PersistenceResult<BoardTokenRow> {
    let id: i64 = diesel::insert_into(board_tokens::table)
        .values((
            board_tokens::name.eq(name),
            board_tokens::unit_id.eq(unit_id),
            board_tokens::lookup.eq(lookup),
            board_tokens::token_hash.eq(token_hash),
            board_tokens::created_by.eq(created_by),
            board_tokens::created_at.eq(now()),
        ))
        .returning(board_tokens::id)
        .get_result(conn)?;
    get_board_token(conn, id)
}

pub fn get_board_token(conn: &mut DbConnection, id: i64) -> PersistenceResult<BoardTokenRow> {
    Ok(board_tokens::table
        .find(id)
        .select(BoardTokenRow::as_select())
        .first(conn)?)
}

pub fn find_board_token_by_lookup(
    conn: &mut DbConnection,
    lookup: &str,
) -> PersistenceResult<Option<BoardTokenRow>> {
    Ok(board_tokens::table
        .filter(board_tokens::lookup.eq(lookup))
        .select(BoardTokenRow::as_select())
        .first(conn)
        .optional()?)
}

/// Board tokens whose unit lies in one of the subtrees (`None`: all).
pub fn list_board_tokens(
    conn: &mut DbConnection,
    roots: Option<&[UnitId]>,
) -> PersistenceResult<Vec<BoardTokenRow>> {
    let mut query = board_tokens::table.into_boxed();
    if let Some(roots) = roots {
        query = query.filter(
            board_tokens::unit_id.eq_any(
                org_unit_closure::table
                    .filter(org_unit_closure::ancestor_id.eq_any(roots.to_vec()))
                    .select(org_unit_closure::descendant_id),
            ),
        );
    }
    Ok(query
        .order(board_tokens::id)
        .select(BoardTokenRow::as_select())
        .load(conn)?)
}

pub fn revoke_board_token(conn: &mut DbConnection, id: i64) -> PersistenceResult<BoardTokenRow> {
    affected(
        diesel::update(
            board_tokens::table
                .find(id)
                .filter(board_tokens::revoked_at.is_null()),
        )
        .set(board_tokens::revoked_at.eq(now()))
        .execute(conn)?,
    )?;
    get_board_token(conn, id)
}

pub fn touch_board_token(conn: &mut DbConnection, id: i64) -> PersistenceResult<()> {
    diesel::update(board_tokens::table.find(id))
        .set(board_tokens::last_used_at.eq(now()))
        .execute(conn)?;
    Ok(())
}
