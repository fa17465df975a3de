//! Sign-in, token refresh with rotation and reuse detection, sign-out,
//! service-account token exchange, and the caller's own profile.

use std::time::Duration;

use actix_web::{get, post, web, HttpResponse};
use auth::jwt::Principal;
use auth::opaque;
use chrono::Utc;
use domain::access::Role;
use persistence::audit::{self, AuditEntry};
use persistence::identity::{self, Holder, UserRow};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use validator::Validate;

use crate::actor::{unauthorized, Actor, RequestMeta};
use crate::error::{ApiError, ApiResult, ErrorCode, Problem};
use crate::extract::ValidJson;
use crate::state::{AppState, AuthConfig};

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct LoginRequest {
    #[validate(length(min = 1, max = 64, message = "Tên đăng nhập từ 1 đến 64 ký tự"))]
    #[schema(example = "vp.chuyenvien", min_length = 1, max_length = 64)]
    pub username: String,
    #[validate(length(min = 1, max = 256, message = "Mật khẩu từ 1 đến 256 ký tự"))]
    #[schema(example = "thuchanh2026", min_length = 1, max_length = 256)]
    pub password: String,
}

/// Tokens issued at sign-in and on refresh.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TokenPair {
    /// Short-lived bearer token for `Authorization: Bearer …`.
    pub access_token: String,
    /// Single-use token for `POST /api/v1/auth/refresh`; rotated each time.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct RefreshRequest {
    #[validate(length(min = 1, max = 512))]
    #[schema(example = "rt_k3m2x7q9wz4a_…", min_length = 1, max_length = 512)]
    pub refresh_token: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
pub struct ServiceTokenRequest {
    /// The service account's key, as shown once when it was created.
    #[validate(length(min = 1, max = 512))]
    #[schema(min_length = 1, max_length = 512)]
    pub key: String,
}

/// An access token without a refresh token (service accounts).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AccessToken {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    #[schema(example = 900)]
    pub expires_in: u64,
}

/// A role on a unit, as shown to people.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GrantView {
    pub id: i64,
    pub role: Role,
    /// Vietnamese label of the role.
    #[schema(example = "Chuyên viên theo dõi")]
    pub role_label: String,
    pub unit_id: i64,
    #[schema(example = "Văn phòng UBND tỉnh Phú Thọ")]
    pub unit_name: String,
}

impl GrantView {
    pub fn from_rows(rows: Vec<identity::GrantWithUnit>) -> Vec<Self> {
        rows.into_iter()
            .filter_map(|(g, unit_name)| {
                let role = Role::parse(&g.role)?;
                Some(Self {
                    id: g.id,
                    role,
                    role_label: role.label_vi().to_owned(),
                    unit_id: g.unit_id,
                    unit_name,
                })
            })
            .collect()
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    ServiceAccount,
}

/// The signed-in caller.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Me {
    pub kind: PrincipalKind,
    pub id: i64,
    #[schema(example = "vp.chuyenvien")]
    pub username: String,
    #[schema(example = "Nguyễn Thị Lan")]
    pub full_name: String,
    pub email: Option<String>,
    pub primary_unit_id: Option<i64>,
    pub grants: Vec<GrantView>,
}

fn new_refresh(
    conn: &mut DbConnection,
    config: &AuthConfig,
    user_id: i64,
    family: &str,
) -> ApiResult<String> {
    let token = opaque::generate(opaque::PREFIX_REFRESH);
    let ttl = chrono::Duration::from_std(config.refresh_ttl).map_err(ApiError::internal)?;
    identity::insert_refresh_token(
        conn,
        user_id,
        family,
        &token.lookup,
        &token.hash,
        Utc::now().naive_utc() + ttl,
    )?;
    Ok(token.token)
}

fn token_pair(config: &AuthConfig, user_id: i64, refresh_token: String) -> ApiResult<TokenPair> {
    let access = config
        .tokens
        .issue(Principal::User(user_id))
        .map_err(ApiError::internal)?;
    Ok(TokenPair {
        access_token: access.token,
        refresh_token,
        token_type: "Bearer".into(),
        expires_in: access.expires_in_seconds,
    })
}

fn invalid_credentials() -> ApiError {
    unauthorized("Tên đăng nhập hoặc mật khẩu không đúng (wrong username or password)")
}

fn system_entry(action: &str, user: &UserRow, meta: &RequestMeta) -> AuditEntry {
    AuditEntry {
        actor_kind: "user".into(),
        actor_id: Some(user.id),
        actor_name: user.username.clone(),
        action: action.into(),
        entity: "user".into(),
        entity_id: user.id.to_string(),
        request_id: meta.request_id.clone(),
        client_addr: Some(meta.client_addr.clone()),
        ..AuditEntry::default()
    }
}

enum LoginCheck {
    Throttled,
    Verified(Box<UserRow>),
    Failed,
}

/// Sign in with username and password.
///
/// Throttled per username and per client address; an unknown username takes
/// as long as a wrong password and gets the same answer.
#[utoipa::path(
    tag = "auth",
    request_body(content = LoginRequest, example = json!({"username": "vp.chuyenvien", "password": "thuchanh2026"})),
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "Wrong username or password", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid request", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: ValidJson<LoginRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    let LoginRequest { username, password } = body.0;
    let username = username.trim().to_owned();
    let config = state.auth.clone();
    let (check_user, check_addr) = (username.clone(), meta.client_addr.clone());
    let check = state
        .db
        .run(move |conn| -> ApiResult<LoginCheck> {
            let window =
                chrono::Duration::from_std(config.throttle.window).map_err(ApiError::internal)?;
            let since = Utc::now().naive_utc() - window;
            let (by_user, by_addr) =
                identity::recent_login_failures(conn, &check_user, &check_addr, since)?;
            if by_user >= config.throttle.max_failures_per_user
                || by_addr >= config.throttle.max_failures_per_addr
            {
                return Ok(LoginCheck::Throttled);
            }
            // Argon2 runs here, on the blocking pool.
            Ok(match identity::find_user_by_username(conn, &check_user)? {
                Some(user)
                    if auth::password::verify(&password, &user.password_hash) && user.active =>
                {
                    LoginCheck::Verified(Box::new(user))
                }
                Some(_) => LoginCheck::Failed,
                None => {
                    auth::password::verify_unknown_user(&password);
                    LoginCheck::Failed
                }
            })
        })
        .await?;
    let config = state.auth.clone();
    match check {
        LoginCheck::Throttled => {
            let mut error = ApiError::with_detail(
                ErrorCode::RateLimited,
                "Đăng nhập sai quá nhiều lần, vui lòng thử lại sau \
                 (too many failed sign-ins, try again later)",
            );
            error.retry_after_seconds = Some(state.auth.throttle.window.as_secs());
            Err(error)
        }
        LoginCheck::Failed => {
            state
                .db
                .write(move |conn| {
                    identity::record_login_failure(conn, &username, &meta.client_addr)
                })
                .await
                .map_err(ApiError::from)?;
            Err(invalid_credentials())
        }
        LoginCheck::Verified(user) => {
            let pair = state
                .db
                .write(move |conn| -> ApiResult<TokenPair> {
                    identity::clear_login_failures(conn, &user.username)?;
                    let family = opaque::generate("fam").lookup;
                    let refresh_token = new_refresh(conn, &config, user.id, &family)?;
                    audit::append(conn, system_entry("auth.login", &user, &meta))?;
                    token_pair(&config, user.id, refresh_token)
                })
                .await?;
            Ok(web::Json(pair))
        }
    }
}

enum RefreshOutcome {
    Rotated(TokenPair),
    Reused,
    Invalid,
}

/// Exchange a refresh token for a new pair. Each refresh token works once:
/// presenting a used one again revokes its whole family (every token issued
/// from the same sign-in), since it means the token was stolen.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "Invalid, expired, revoked or reused token", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: ValidJson<RefreshRequest>,
) -> ApiResult<web::Json<TokenPair>> {
    let token = body.0.refresh_token;
    let config = state.auth.clone();
    let outcome = state
        .db
        .write(move |conn| -> ApiResult<RefreshOutcome> {
            let Some((lookup, _)) = opaque::parse(&token, opaque::PREFIX_REFRESH) else {
                return Ok(RefreshOutcome::Invalid);
            };
            let Some(row) = identity::find_refresh_token(conn, lookup)? else {
                return Ok(RefreshOutcome::Invalid);
            };
            if !opaque::verify(&token, &row.token_hash) {
                return Ok(RefreshOutcome::Invalid);
            }
            if row.revoked_at.is_some() || row.expires_at < Utc::now().naive_utc() {
                return Ok(RefreshOutcome::Invalid);
            }
            let user = identity::get_user(conn, row.user_id)?;
            if row.rotated_at.is_some() || !identity::mark_rotated(conn, row.id)? {
                identity::revoke_family(conn, &row.family)?;
                audit::append(
                    conn,
                    system_entry("auth.refresh_reuse_detected", &user, &meta),
                )?;
                return Ok(RefreshOutcome::Reused);
            }
            if !user.active {
                return Ok(RefreshOutcome::Invalid);
            }
            let refresh_token = new_refresh(conn, &config, user.id, &row.family)?;
            Ok(RefreshOutcome::Rotated(token_pair(
                &config,
                user.id,
                refresh_token,
            )?))
        })
        .await?;
    match outcome {
        RefreshOutcome::Rotated(pair) => Ok(web::Json(pair)),
        RefreshOutcome::Reused => Err(unauthorized(
            "Refresh token đã được dùng: mọi phiên của lần đăng nhập này bị thu hồi \
             (refresh token reused: the session was revoked)",
        )),
        RefreshOutcome::Invalid => Err(unauthorized(
            "Refresh token không hợp lệ hoặc đã hết hạn (invalid or expired refresh token)",
        )),
    }
}

/// Sign out: revokes the refresh token's family. Always answers 204, so it
/// reveals nothing about the token.
#[utoipa::path(tag = "auth", request_body = RefreshRequest, responses((status = 204)))]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: ValidJson<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let token = body.0.refresh_token;
    state
        .db
        .write(move |conn| -> ApiResult<()> {
            let Some((lookup, _)) = opaque::parse(&token, opaque::PREFIX_REFRESH) else {
                return Ok(());
            };
            if let Some(row) = identity::find_refresh_token(conn, lookup)? {
                if opaque::verify(&token, &row.token_hash) && row.revoked_at.is_none() {
                    identity::revoke_family(conn, &row.family)?;
                    let user = identity::get_user(conn, row.user_id)?;
                    audit::append(conn, system_entry("auth.logout", &user, &meta))?;
                }
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Exchange a service account's key for an access token (integrations).
#[utoipa::path(
    tag = "auth",
    request_body = ServiceTokenRequest,
    responses(
        (status = 200, body = AccessToken),
        (status = 401, description = "Unknown or revoked key", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/service-token")]
pub async fn service_token(
    state: web::Data<AppState>,
    body: ValidJson<ServiceTokenRequest>,
) -> ApiResult<web::Json<AccessToken>> {
    let key = body.0.key;
    let account_id = state
        .db
        .write(move |conn| -> ApiResult<Option<i64>> {
            let Some((lookup, _)) = opaque::parse(&key, opaque::PREFIX_SERVICE_ACCOUNT) else {
                return Ok(None);
            };
            let Some(account) = identity::find_service_account_by_lookup(conn, lookup)? else {
                return Ok(None);
            };
            if !opaque::verify(&key, &account.key_hash) || !account.active {
                return Ok(None);
            }
            identity::touch_service_account(conn, account.id)?;
            Ok(Some(account.id))
        })
        .await?
        .ok_or_else(|| unauthorized("Khóa tài khoản dịch vụ không hợp lệ (invalid service key)"))?;
    let access = state
        .auth
        .tokens
        .issue(Principal::ServiceAccount(account_id))
        .map_err(ApiError::internal)?;
    Ok(web::Json(AccessToken {
        access_token: access.token,
        token_type: "Bearer".into(),
        expires_in: access.expires_in_seconds,
    }))
}

/// The signed-in caller: profile, units and roles.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, actor: Actor) -> ApiResult<web::Json<Me>> {
    let me = state
        .db
        .run(move |conn| -> ApiResult<Me> {
            Ok(match actor.principal {
                Principal::User(id) => {
                    let user = identity::get_user(conn, id)?;
                    Me {
                        kind: PrincipalKind::User,
                        id,
                        username: user.username,
                        full_name: user.full_name,
                        email: user.email,
                        primary_unit_id: Some(user.primary_unit_id),
                        grants: GrantView::from_rows(identity::grants_of(conn, Holder::User(id))?),
                    }
                }
                Principal::ServiceAccount(id) => {
                    let account = identity::get_service_account(conn, id)?;
                    Me {
                        kind: PrincipalKind::ServiceAccount,
                        id,
                        username: account.name.clone(),
                        full_name: account.name,
                        email: None,
                        primary_unit_id: None,
                        grants: GrantView::from_rows(identity::grants_of(
                            conn,
                            Holder::ServiceAccount(id),
                        )?),
                    }
                }
            })
        })
        .await?;
    Ok(web::Json(me))
}

/// Default lifetimes.
pub const ACCESS_TTL: Duration = Duration::from_secs(15 * 60);
pub const REFRESH_TTL: Duration = Duration::from_secs(14 * 24 * 3600);
