//! Service accounts, board tokens and the audit log.

use actix_web::{get, post, web, HttpResponse};
use auth::opaque;
use chrono::NaiveDateTime;
use domain::access::{Action, Role, Target};
use persistence::audit::{self, AuditFilter, AuditRow};
use persistence::identity::{self, BoardTokenRow, Holder, ServiceAccountRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::ValidJson;
use crate::paging::{Page, Paging};
use crate::routes::auth::GrantView;
use crate::state::AppState;

/// A service account (an integration that calls the API).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ServiceAccount {
    pub id: i64,
    #[schema(example = "Cổng dịch vụ công tỉnh")]
    pub name: String,
    pub description: String,
    pub active: bool,
    #[serde(with = "crate::utc")]
    pub created_at: NaiveDateTime,
    #[serde(default, with = "crate::utc::option")]
    pub last_used_at: Option<NaiveDateTime>,
    #[serde(default, with = "crate::utc::option")]
    pub revoked_at: Option<NaiveDateTime>,
    pub grants: Vec<GrantView>,
}

fn service_account_view(row: ServiceAccountRow, grants: Vec<GrantView>) -> ServiceAccount {
    ServiceAccount {
        id: row.id,
        name: row.name,
        description: row.description,
        active: row.active,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
        grants,
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Cổng dịch vụ công tỉnh", "role": "viewer", "unit_id": 1}))]
pub struct CreateServiceAccount {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    #[serde(default)]
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: String,
    /// The one role the account holds…
    pub role: Role,
    /// …on this unit's subtree.
    pub unit_id: i64,
}

/// A created service account with its key, shown this once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedServiceAccount {
    pub account: ServiceAccount,
    /// Exchange at `POST /api/v1/auth/service-token`. Stored only hashed:
    /// it cannot be shown again.
    pub key: String,
}

/// Service accounts (system administrators).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<ServiceAccount>), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
#[get("/service-accounts")]
pub async fn list_service_accounts(
    state: web::Data<AppState>,
    actor: Actor,
) -> ApiResult<web::Json<Vec<ServiceAccount>>> {
    actor.authorize(Action::ManageServiceAccounts, Target::Global)?;
    let list = state
        .db
        .run(|conn| -> ApiResult<Vec<ServiceAccount>> {
            identity::list_service_accounts(conn)?
                .into_iter()
                .map(|row| {
                    let grants = identity::grants_of(conn, Holder::ServiceAccount(row.id))?;
                    Ok(service_account_view(row, GrantView::from_rows(grants)))
                })
                .collect()
        })
        .await?;
    Ok(web::Json(list))
}

/// Create a service account; the answer carries its key once.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = CreateServiceAccount,
    responses((status = 201, body = CreatedServiceAccount), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
#[post("/service-accounts")]
pub async fn create_service_account(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<CreateServiceAccount>,
) -> ApiResult<HttpResponse> {
    actor.authorize(Action::ManageServiceAccounts, Target::Global)?;
    let body = body.0;
    let created = state
        .db
        .write(move |conn| -> ApiResult<CreatedServiceAccount> {
            persistence::units::get(conn, body.unit_id)?;
            let key = opaque::generate(opaque::PREFIX_SERVICE_ACCOUNT);
            let row = identity::insert_service_account(
                conn,
                &body.name,
                &body.description,
                &key.lookup,
                &key.hash,
                actor.user_id(),
            )?;
            identity::insert_grant(
                conn,
                Holder::ServiceAccount(row.id),
                body.role.as_str(),
                body.unit_id,
                actor.user_id(),
            )?;
            let grants = GrantView::from_rows(identity::grants_of(conn, Holder::ServiceAccount(row.id))?);
            audit::append(
                conn,
                actor.audit(
                    "service_account.create",
                    "service_account",
                    row.id,
                    None,
                    Some(serde_json::json!({"name": row.name, "role": body.role, "unit_id": body.unit_id})),
                ),
            )?;
            Ok(CreatedServiceAccount {
                account: service_account_view(row, grants),
                key: key.token,
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Revoke a service account: its key and tokens stop working at once.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Service account id")),
    responses((status = 200, body = ServiceAccount), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/service-accounts/{id}/revoke")]
pub async fn revoke_service_account(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<ServiceAccount>> {
    actor.authorize(Action::ManageServiceAccounts, Target::Global)?;
    let id = id.into_inner();
    let view = state
        .db
        .write(move |conn| -> ApiResult<ServiceAccount> {
            let row = identity::revoke_service_account(conn, id)?;
            audit::append(
                conn,
                actor.audit("service_account.revoke", "service_account", id, None, None),
            )?;
            let grants =
                GrantView::from_rows(identity::grants_of(conn, Holder::ServiceAccount(id))?);
            Ok(service_account_view(row, grants))
        })
        .await?;
    Ok(web::Json(view))
}

/// A read-only token for a public wall board of one issuing unit.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BoardToken {
    pub id: i64,
    #[schema(example = "Màn hình phòng họp UBND tỉnh")]
    pub name: String,
    pub unit_id: i64,
    #[serde(with = "crate::utc")]
    pub created_at: NaiveDateTime,
    #[serde(default, with = "crate::utc::option")]
    pub last_used_at: Option<NaiveDateTime>,
    #[serde(default, with = "crate::utc::option")]
    pub revoked_at: Option<NaiveDateTime>,
}

impl From<BoardTokenRow> for BoardToken {
    fn from(r: BoardTokenRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            unit_id: r.unit_id,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[schema(example = json!({"name": "Màn hình phòng họp UBND tỉnh", "unit_id": 1}))]
pub struct CreateBoardToken {
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The issuing unit whose board the token shows.
    pub unit_id: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedBoardToken {
    pub board_token: BoardToken,
    /// The token for the board's URL (`/board?token=…`), shown this once.
    pub token: String,
}

/// Board tokens in the caller's scope.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<BoardToken>), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
#[get("/board-tokens")]
pub async fn list_board_tokens(
    state: web::Data<AppState>,
    actor: Actor,
) -> ApiResult<web::Json<Vec<BoardToken>>> {
    let roots = actor.scope_roots(Action::ManageBoardTokens)?;
    let rows = state
        .db
        .run(move |conn| {
            identity::list_board_tokens(conn, roots.as_deref()).map_err(ApiError::from)
        })
        .await?;
    Ok(web::Json(rows.into_iter().map(BoardToken::from).collect()))
}

/// Issue a board token; the answer carries the token once.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    request_body = CreateBoardToken,
    responses((status = 201, body = CreatedBoardToken), (status = 403, body = Problem, content_type = "application/problem+json"), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/board-tokens")]
pub async fn create_board_token(
    state: web::Data<AppState>,
    actor: Actor,
    body: ValidJson<CreateBoardToken>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let created = state
        .db
        .write(move |conn| -> ApiResult<CreatedBoardToken> {
            actor.authorize_unit(conn, Action::ManageBoardTokens, body.unit_id)?;
            let token = opaque::generate(opaque::PREFIX_BOARD);
            let row = identity::insert_board_token(
                conn,
                &body.name,
                body.unit_id,
                &token.lookup,
                &token.hash,
                actor.user_id(),
            )?;
            audit::append(
                conn,
                actor.audit(
                    "board_token.create",
                    "board_token",
                    row.id,
                    None,
                    Some(serde_json::json!({"name": row.name, "unit_id": row.unit_id})),
                ),
            )?;
            Ok(CreatedBoardToken {
                board_token: row.into(),
                token: token.token,
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(created))
}

/// Revoke a board token.
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Board token id")),
    responses((status = 200, body = BoardToken), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/board-tokens/{id}/revoke")]
pub async fn revoke_board_token(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<web::Json<BoardToken>> {
    let id = id.into_inner();
    let row = state
        .db
        .write(move |conn| -> ApiResult<BoardTokenRow> {
            let row = identity::get_board_token(conn, id)?;
            actor.authorize_unit(conn, Action::ManageBoardTokens, row.unit_id)?;
            let row = identity::revoke_board_token(conn, id)?;
            audit::append(
                conn,
                actor.audit("board_token.revoke", "board_token", id, None, None),
            )?;
            Ok(row)
        })
        .await?;
    Ok(web::Json(row.into()))
}

/// One audit row.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AuditRecord {
    pub id: i64,
    #[serde(with = "crate::utc")]
    pub at: NaiveDateTime,
    #[schema(example = "user")]
    pub actor_kind: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    #[schema(example = "org_unit.create")]
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<String>,
    pub client_addr: Option<String>,
    /// SHA-256 chaining this row to the previous one.
    pub hash: String,
}

impl From<AuditRow> for AuditRecord {
    fn from(r: AuditRow) -> Self {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        Self {
            id: r.id,
            at: r.at,
            actor_kind: r.actor_kind,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: parse(r.before_json),
            after: parse(r.after_json),
            request_id: r.request_id,
            client_addr: r.client_addr,
            hash: r.hash,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `org_unit`, `user`, `grant`.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// e.g. `org_unit.create`.
    pub action: Option<String>,
    /// `user` or `service_account`.
    pub actor_kind: Option<String>,
    pub actor_id: Option<i64>,
    /// From this time (UTC, inclusive).
    #[serde(default, with = "crate::utc::option")]
    pub from: Option<NaiveDateTime>,
    /// Up to this time (UTC, inclusive).
    #[serde(default, with = "crate::utc::option")]
    pub to: Option<NaiveDateTime>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// The audit log, newest first (system administrators).
#[utoipa::path(
    tag = "admin",
    security(("bearer" = [])),
    params(AuditQuery),
    responses((status = 200, body = Page<AuditRecord>), (status = 403, body = Problem, content_type = "application/problem+json"))
)]
#[get("/audit")]
pub async fn audit_log(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<AuditQuery>,
) -> ApiResult<web::Json<Page<AuditRecord>>> {
    actor.authorize(Action::ViewAudit, Target::Global)?;
    let q = query.into_inner();
    let (limit, offset) = Paging::new(q.limit, q.offset).resolve()?;
    let filter = AuditFilter {
        entity: q.entity,
        entity_id: q.entity_id,
        action: q.action,
        actor_kind: q.actor_kind,
        actor_id: q.actor_id,
        from: q.from,
        to: q.to,
        limit,
        offset,
    };
    let (rows, total) = state
        .db
        .run(move |conn| audit::list(conn, &filter).map_err(ApiError::from))
        .await?;
    Ok(web::Json(Page::new(
        rows.into_iter().map(AuditRecord::from).collect(),
        total,
        limit,
        offset,
    )))
}
