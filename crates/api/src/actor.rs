//! Who is calling: the signed-in user or service account, as an extractor,
//! so a handler that needs an actor cannot forget to ask.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use auth::jwt::Principal;
use domain::access::{self, Action, Denial, Grant, Role, Target};
use persistence::audit::AuditEntry;
use persistence::identity::{self, Holder};
use persistence::DbConnection;
use tracing_actix_web::RequestId;

use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;

/// Request facts the audit trail records.
#[derive(Debug, Clone, Default)]
pub struct RequestMeta {
    pub request_id: Option<String>,
    /// The TCP peer (not a forwarded header a client could forge).
    pub client_addr: String,
}

impl RequestMeta {
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            request_id: req.extensions().get::<RequestId>().map(|id| id.to_string()),
            client_addr: req
                .peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_else(|| "unknown".into()),
        }
    }
}

impl FromRequest for RequestMeta {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self::of(req)))
    }
}

/// An authenticated caller with its grants, loaded fresh on every request so
/// a revoked grant or deactivated account takes effect at once.
#[derive(Debug, Clone)]
pub struct Actor {
    pub principal: Principal,
    pub name: String,
    pub grants: Vec<Grant>,
    pub meta: RequestMeta,
}

pub fn unauthorized(detail: &str) -> ApiError {
    ApiError::with_detail(ErrorCode::Unauthorized, detail)
}

/// The policy's answer as an HTTP error: out of scope is a 404 so ids leak
/// nothing; in scope but not allowed is a 403.
pub fn denied(denial: Denial) -> ApiError {
    match denial {
        Denial::OutOfScope => ApiError::not_found(),
        Denial::Forbidden => ApiError::with_detail(
            ErrorCode::Forbidden,
            "Vai trò của bạn không cho phép thao tác này (your role does not allow this action)",
        ),
    }
}

impl Actor {
    /// May the actor do `action` on the unit whose ancestry is given?
    pub fn authorize(&self, action: Action, target: Target<'_>) -> ApiResult<()> {
        access::authorize(&self.grants, action, target).map_err(denied)
    }

    /// [`Actor::authorize`] against a unit looked up by id (inside a
    /// transaction or read); an unknown unit is a 404 like one out of scope.
    pub fn authorize_unit(
        &self,
        conn: &mut DbConnection,
        action: Action,
        unit_id: i64,
    ) -> ApiResult<()> {
        let ancestry = persistence::units::ancestry(conn, unit_id)?;
        self.authorize(action, Target::Unit(&ancestry))
    }

    /// [`Actor::authorize_unit`] through the units the unit went into (see
    /// `persistence::units::ancestry_with_heirs`): for records kept under
    /// units merged in 2025.
    pub fn authorize_unit_with_heirs(
        &self,
        conn: &mut DbConnection,
        action: Action,
        unit_id: i64,
    ) -> ApiResult<()> {
        let ancestry = persistence::units::ancestry_with_heirs(conn, unit_id)?;
        self.authorize(action, Target::Unit(&ancestry))
    }

    /// The roots of the subtrees where the actor may do `action`, for SQL
    /// list filters: `None` means everywhere; no root at all is a 403.
    pub fn scope_roots(&self, action: Action) -> ApiResult<Option<Vec<i64>>> {
        match access::scope_units(&self.grants, action) {
            access::Scope::All => Ok(None),
            access::Scope::Units(units) if units.is_empty() => Err(denied(Denial::Forbidden)),
            access::Scope::Units(units) => Ok(Some(units.into_iter().collect())),
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        match self.principal {
            Principal::User(id) => Some(id),
            Principal::ServiceAccount(_) => None,
        }
    }

    /// An audit entry by this actor for this request.
    pub fn audit(
        &self,
        action: &str,
        entity: &str,
        entity_id: impl ToString,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> AuditEntry {
        let (actor_kind, actor_id) = match self.principal {
            Principal::User(id) => ("user", id),
            Principal::ServiceAccount(id) => ("service_account", id),
        };
        AuditEntry {
            actor_kind: actor_kind.into(),
            actor_id: Some(actor_id),
            actor_name: self.name.clone(),
            action: action.into(),
            entity: entity.into(),
            entity_id: entity_id.to_string(),
            before,
            after,
            request_id: self.meta.request_id.clone(),
            client_addr: Some(self.meta.client_addr.clone()),
        }
    }
}

/// Grants as stored → grants the policy understands (unknown role names,
/// e.g. from a newer version, are ignored rather than trusted).
pub fn policy_grants(rows: &[identity::GrantWithUnit]) -> Vec<Grant> {
    rows.iter()
        .filter_map(|(g, _)| {
            Role::parse(&g.role).map(|role| Grant {
                role,
                unit_id: g.unit_id,
            })
        })
        .collect()
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// The actor for a principal, with its current grants (also used by the
/// demo seed to act through the same rules as the API).
pub fn load_actor(
    conn: &mut DbConnection,
    principal: Principal,
    meta: RequestMeta,
) -> ApiResult<Actor> {
    let gone = || unauthorized("Tài khoản không còn hiệu lực (account disabled)");
    let (name, holder) = match principal {
        Principal::User(id) => {
            let user = identity::get_user(conn, id).map_err(|_| gone())?;
            if !user.active {
                return Err(gone());
            }
            (user.username, Holder::User(id))
        }
        Principal::ServiceAccount(id) => {
            let account = identity::get_service_account(conn, id).map_err(|_| gone())?;
            if !account.active || account.revoked_at.is_some() {
                return Err(gone());
            }
            (account.name, Holder::ServiceAccount(id))
        }
    };
    let grants = policy_grants(&identity::grants_of(conn, holder)?);
    Ok(Actor {
        principal,
        name,
        grants,
        meta,
    })
}

impl FromRequest for Actor {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        let meta = RequestMeta::of(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::internal("application state missing"))?;
            let token = token.ok_or_else(|| {
                unauthorized("Cần đăng nhập: thiếu Bearer token (missing bearer token)")
            })?;
            let verified = state.auth.tokens.verify(&token).map_err(|e| match e {
                auth::jwt::TokenError::Expired => {
                    unauthorized("Phiên đăng nhập đã hết hạn (token expired)")
                }
                auth::jwt::TokenError::Invalid => {
                    unauthorized("Token không hợp lệ (invalid token)")
                }
            })?;
            let actor = state
                .db
                .run(move |conn| load_actor(conn, verified.principal, meta))
                .await?;
            Ok(actor)
        })
    }
}
