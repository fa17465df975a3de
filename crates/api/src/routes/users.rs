//! Users and their grants, managed within the manager's scope: an agency
//! leader manages only the agency's users and grants only what the policy
//! lets that role delegate.

use actix_web::{delete, get, patch, post, web, HttpResponse};
use domain::access::{self, Action, Role};
use persistence::identity::{self, Holder, NewUser, UserChanges, UserRow};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::actor::{denied, Actor};
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::extract::ValidJson;
use crate::paging::{Page, Paging};
use crate::routes::auth::GrantView;
use crate::state::AppState;

/// A user account (never the password hash).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct User {
    pub id: i64,
    #[schema(example = "so.gtvt.canbo")]
    pub username: String,
    #[schema(example = "Trần Văn Minh")]
    pub full_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub primary_unit_id: i64,
    pub active: bool,
    #[serde(with = "crate::utc")]
    pub created_at: chrono::NaiveDateTime,
    #[serde(with = "crate::utc")]
    pub updated_at: chrono::NaiveDateTime,
}

impl From<UserRow> for User {
    fn from(u: UserRow) -> Self {
        Self {
            id: u.id,
            username: u.username,
            full_name: u.full_name,
            email: u.email,
            phone: u.phone,
            primary_unit_id: u.primary_unit_id,
            active: u.active,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

fn audit_view(u: &UserRow) -> serde_json::Value {
    serde_json::to_value(User::from(u.clone())).unwrap_or_default()
}

fn password_problems(password: &str, username: &str) -> ApiResult<()> {
    domain::password::check(password, username).map_err(|problems| {
        ApiError::fields(
            problems
                .into_iter()
                .map(|p| FieldError {
                    field: "password".into(),
                    code: p.code().into(),
                    message: p.message_vi(),
                })
                .collect(),
        )
    })
}

fn hash_password(password: &str) -> ApiResult<String> {
    auth::password::hash(password).map_err(ApiError::internal)
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct UserQuery {
    /// Part of the username or full name; the name is matched without
    /// regard to case or diacritics ("tran van" finds "Trần Văn Minh").
    #[validate(length(max = 100))]
    #[param(max_length = 100)]
    pub q: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// Users in the caller's scope.
#[utoipa::path(
    operation_id = "list_users",
    tag = "users",
    security(("bearer" = [])),
    params(UserQuery),
    responses((status = 200, body = Page<User>), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
#[get("/users")]
pub async fn list(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<UserQuery>,
) -> ApiResult<web::Json<Page<User>>> {
    let query = query.into_inner();
    query.validate()?;
    let (limit, offset) = Paging::new(query.limit, query.offset).resolve()?;
    let roots = actor.scope_roots(Action::ViewUsers)?;
    let (rows, total) = state
        .db
        .run(move |conn| {
            identity::list_users(conn, roots.as_deref(), query.q.as_deref(), limit, offset)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(web::Json(Page::new(
        rows.into_iter().map(User::from).collect(),
        total,
        limit,
        offset,
    )))
}

/// The schema of an email address as `validator`'s email rule accepts it:
/// letters, digits and `.!#$%&'*+/=?^_`{|}~-` before the `@`, a host name
/// after it, 254 characters at most.
pub struct EmailAddress;

impl utoipa::PartialSchema for EmailAddress {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
            .max_length(Some(254))
            .pattern(Some(
                r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$",
            ))
            .into()
    }
}

impl utoipa::ToSchema for EmailAddress {}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"username": "so.gtvt.canbo", "full_name": "Trần Văn Minh", "primary_unit_id": 7, "password": "giaothong2026"}))]
pub struct CreateUser {
    #[validate(
        length(min = 3, max = 64, message = "Tên đăng nhập từ 3 đến 64 ký tự"),
        custom(function = "username_chars")
    )]
    #[schema(min_length = 3, max_length = 64, pattern = "^[A-Za-z0-9._-]+$")]
    pub username: String,
    #[validate(length(min = 1, max = 200, message = "Họ tên từ 1 đến 200 ký tự"))]
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: String,
    #[validate(email(message = "Email không hợp lệ"))]
    #[schema(value_type = Option<EmailAddress>)]
    pub email: Option<String>,
    #[validate(length(min = 6, max = 20, message = "Số điện thoại từ 6 đến 20 ký tự"))]
    #[schema(min_length = 6, max_length = 20)]
    pub phone: Option<String>,
    pub primary_unit_id: i64,
    /// Initial password (10–128 characters, letters and digits).
    pub password: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn username_chars(name: &str) -> Result<(), validator::ValidationError> {
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        Ok(())
    } else {
        Err(
            validator::ValidationError::new("username_chars").with_message(
                "Chỉ gồm chữ không dấu, số, dấu chấm, gạch dưới, gạch ngang (a-z, 0-9, . _ -)"
                    .into(),
            ),
        )
    }
}

/// The user, if the caller may `action` on the user's primary unit.
fn user_in_scope(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    action: Action,
) -> ApiResult<UserRow> {
    let user = identity::get_user(conn, id)?;
    actor.authorize_unit(conn, action, user.primary_unit_id)?;
    Ok(user)
}

/// Create a user in a unit the caller manages.
#[utoipa::path(
    operation_id = "create_user",
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUser,
    responses(
        (status = 201, body = User),
        (status = 409, description = "Username taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/users")]
pub async fn create(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<CreateUser>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    password_problems(&body.password, &body.username)?;
    let hash = web::block({
        let password = body.password.clone();
        move || hash_password(&password)
    })
    .await
    .map_err(ApiError::internal)??;
    let user = state
        .db
        .write(move |conn| -> ApiResult<UserRow> {
            actor.authorize_unit(conn, Action::ManageUsers, body.primary_unit_id)?;
            let user = identity::insert_user(
                conn,
                &NewUser {
                    username: body.username.trim().to_lowercase(),
                    full_name: domain::text::canonical(&body.full_name),
                    email: body.email,
                    phone: body.phone,
                    primary_unit_id: body.primary_unit_id,
                    password_hash: hash,
                    active: body.active,
                },
            )?;
            persistence::audit::append(
                conn,
                actor.audit(
                    "user.create",
                    "user",
                    user.id,
                    None,
                    Some(audit_view(&user)),
                ),
            )?;
            Ok(user)
        })
        .await?;
    Ok(HttpResponse::Created().json(User::from(user)))
}

/// One user in the caller's scope.
#[utoipa::path(
    operation_id = "get_user",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = User), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/users/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<User>> {
    let id = id.into_inner();
    let user = state
        .db
        .run(move |conn| user_in_scope(conn, &actor, id, Action::ViewUsers))
        .await?;
    Ok(web::Json(user.into()))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct UpdateUser {
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub full_name: Option<String>,
    /// A new address; `null` removes it, absent leaves it.
    #[serde(default, deserialize_with = "present")]
    #[validate(email(message = "Email không hợp lệ"))]
    #[schema(value_type = Option<EmailAddress>, nullable)]
    pub email: Option<Option<String>>,
    /// A new number; `null` removes it, absent leaves it.
    #[serde(default, deserialize_with = "present")]
    #[validate(length(min = 6, max = 20, message = "Số điện thoại từ 6 đến 20 ký tự"))]
    #[schema(value_type = Option<String>, nullable, min_length = 6, max_length = 20)]
    pub phone: Option<Option<String>>,
    pub primary_unit_id: Option<i64>,
    /// false deactivates the account and ends its sessions.
    pub active: Option<bool>,
    /// A new password (same rules as at creation); ends the user's sessions.
    pub password: Option<String>,
}

/// A field sent, even as `null` (`Some(None)`), as against one left out
/// (`None`, through `#[serde(default)]`).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Change a user (profile, unit, active flag, password). A contact sent as
/// `null` is removed.
#[utoipa::path(
    operation_id = "update_user",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = UpdateUser,
    responses((status = 200, body = User), (status = 404, body = Problem, content_type = "application/problem+json"), (status = 422, body = Problem, content_type = "application/problem+json"))
)]
#[patch("/users/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<UpdateUser>,
) -> ApiResult<web::Json<User>> {
    let (id, body) = (id.into_inner(), body.0);
    let db = state.db.clone();
    let username = db
        .run(move |conn| -> ApiResult<String> { Ok(identity::get_user(conn, id)?.username) })
        .await?;
    let password_hash = match &body.password {
        Some(password) => {
            password_problems(password, &username)?;
            let password = password.clone();
            Some(
                web::block(move || hash_password(&password))
                    .await
                    .map_err(ApiError::internal)??,
            )
        }
        None => None,
    };
    let user = db
        .write(move |conn| -> ApiResult<UserRow> {
            let before = user_in_scope(conn, &actor, id, Action::ManageUsers)?;
            if let Some(unit) = body.primary_unit_id {
                actor.authorize_unit(conn, Action::ManageUsers, unit)?;
            }
            let ends_sessions = password_hash.is_some() || body.active == Some(false);
            let after = identity::update_user(
                conn,
                id,
                UserChanges {
                    full_name: body.full_name.as_deref().map(domain::text::canonical),
                    email: body.email,
                    phone: body.phone,
                    primary_unit_id: body.primary_unit_id,
                    active: body.active,
                    password_hash,
                    updated_at: None,
                },
            )?;
            if ends_sessions {
                identity::revoke_user_tokens(conn, id)?;
            }
            persistence::audit::append(
                conn,
                actor.audit(
                    "user.update",
                    "user",
                    id,
                    Some(audit_view(&before)),
                    Some(audit_view(&after)),
                ),
            )?;
            Ok(after)
        })
        .await?;
    Ok(web::Json(user.into()))
}

/// A user's grants.
#[utoipa::path(
    operation_id = "list_user_grants",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = Vec<GrantView>), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[get("/users/{id}/grants")]
pub async fn grants(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<Vec<GrantView>>> {
    let id = id.into_inner();
    let rows = state
        .db
        .run(move |conn| -> ApiResult<_> {
            user_in_scope(conn, &actor, id, Action::ViewUsers)?;
            Ok(identity::grants_of(conn, Holder::User(id))?)
        })
        .await?;
    Ok(web::Json(GrantView::from_rows(rows)))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"role": "agency_officer", "unit_id": 7}))]
pub struct CreateGrant {
    pub role: Role,
    /// The unit whose subtree the role covers.
    pub unit_id: i64,
}

/// Grant a role on a unit. The caller must manage the user, cover the unit,
/// and be allowed to delegate that role.
#[utoipa::path(
    operation_id = "create_user_grant",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id")),
    request_body = CreateGrant,
    responses(
        (status = 201, body = GrantView),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already granted", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/users/{id}/grants")]
pub async fn add_grant(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
    body: ValidJson<CreateGrant>,
) -> ApiResult<HttpResponse> {
    let (id, body) = (id.into_inner(), body.0);
    let view = state
        .db
        .write(move |conn| -> ApiResult<GrantView> {
            user_in_scope(conn, &actor, id, Action::ManageGrants)?;
            let ancestry = persistence::units::ancestry(conn, body.unit_id)?;
            access::authorize_grant(&actor.grants, body.role, &ancestry).map_err(denied)?;
            let grant = identity::insert_grant(
                conn,
                Holder::User(id),
                body.role.as_str(),
                body.unit_id,
                actor.user_id(),
            )?;
            let unit_name = persistence::units::get(conn, body.unit_id)?.name;
            let view = GrantView {
                id: grant.id,
                role: body.role,
                role_label: body.role.label_vi().into(),
                unit_id: body.unit_id,
                unit_name,
            };
            persistence::audit::append(
                conn,
                actor.audit(
                    "grant.create",
                    "grant",
                    grant.id,
                    None,
                    Some(serde_json::json!({"user_id": id, "role": body.role, "unit_id": body.unit_id})),
                ),
            )?;
            Ok(view)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Revoke a grant.
#[utoipa::path(
    operation_id = "delete_user_grant",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "User id", example = 7), ("grant_id" = i64, Path, description = "Grant id", example = 12)),
    responses((status = 204), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[delete("/users/{id}/grants/{grant_id}")]
pub async fn remove_grant(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(i64, i64)>,
) -> ApiResult<HttpResponse> {
    let (id, grant_id) = path.into_inner();
    state
        .db
        .write(move |conn| -> ApiResult<()> {
            user_in_scope(conn, &actor, id, Action::ManageGrants)?;
            let grant = identity::get_grant(conn, grant_id)?;
            if grant.user_id != Some(id) {
                return Err(ApiError::not_found());
            }
            let role = Role::parse(&grant.role).ok_or_else(ApiError::not_found)?;
            let ancestry = persistence::units::ancestry(conn, grant.unit_id)?;
            access::authorize_grant(&actor.grants, role, &ancestry).map_err(denied)?;
            identity::delete_grant(conn, grant_id)?;
            persistence::audit::append(
                conn,
                actor.audit(
                    "grant.delete",
                    "grant",
                    grant_id,
                    Some(
                        serde_json::json!({"user_id": id, "role": role, "unit_id": grant.unit_id}),
                    ),
                    None,
                ),
            )?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
