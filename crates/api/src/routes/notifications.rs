//! The signed-in user's in-app notifications (deadline reminders and the
//! like) and marking them read.

use actix_web::{get, post, web, HttpResponse};
use chrono::NaiveDateTime;
use persistence::notifications::{self as store, NotificationRow};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, ErrorCode, Problem};
use crate::paging::Paging;
use crate::state::AppState;

/// One notification.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Notification {
    pub id: i64,
    /// `deadline_soon` or `overdue` (a task); `ntm_awaiting`,
    /// `ntm_returned` or `ntm_completed` (an NTM evaluation).
    #[schema(example = "overdue")]
    pub kind: String,
    pub task_id: Option<i64>,
    pub ntm_evaluation_id: Option<i64>,
    #[schema(example = "Nhiệm vụ đã quá hạn 15/11/2026 (task overdue)")]
    pub title: String,
    pub body: String,
    #[serde(with = "crate::utc")]
    pub created_at: NaiveDateTime,
    #[serde(default, with = "crate::utc::option")]
    pub read_at: Option<NaiveDateTime>,
}

impl From<NotificationRow> for Notification {
    fn from(r: NotificationRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind,
            task_id: r.task_id,
            ntm_evaluation_id: r.ntm_evaluation_id,
            title: r.title,
            body: r.body,
            created_at: r.created_at,
            read_at: r.read_at,
        }
    }
}

/// A page of notifications with the unread count.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<Notification>,
    pub total: i64,
    /// Unread notifications in all (for the bell badge).
    pub unread: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

fn user_id(actor: &Actor) -> ApiResult<i64> {
    actor.user_id().ok_or_else(|| {
        ApiError::with_detail(
            ErrorCode::Forbidden,
            "Tài khoản dịch vụ không có thông báo (service accounts have no notifications)",
        )
    })
}

/// The caller's notifications, newest first.
#[utoipa::path(
    operation_id = "list_notifications",
    tag = "notifications",
    security(("bearer" = [])),
    params(NotificationQuery),
    responses((status = 200, body = NotificationPage, links(
        ("mark_the_first_read" = (operation_id = "mark_notification_read", parameters(("id" = "$response.body#/items/0/id"))))
    )), (status = 401, body = Problem, content_type = "application/problem+json"))
)]
#[get("/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<NotificationQuery>,
) -> ApiResult<web::Json<NotificationPage>> {
    let q = query.into_inner();
    let (limit, offset) = Paging::new(q.limit, q.offset).resolve()?;
    let user = user_id(&actor)?;
    let unread_only = q.unread.unwrap_or(false);
    let (rows, total, unread) = state
        .db
        .run(move |conn| {
            store::list(conn, user, unread_only, limit, offset).map_err(ApiError::from)
        })
        .await?;
    Ok(web::Json(NotificationPage {
        items: rows.into_iter().map(Notification::from).collect(),
        total,
        unread,
        limit,
        offset,
    }))
}

/// Mark one notification read.
#[utoipa::path(
    operation_id = "mark_notification_read",
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "Notification id", example = 1)),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json"))
)]
#[post("/notifications/{id}/read")]
pub async fn mark_read(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<i64>,
) -> ApiResult<HttpResponse> {
    let (user, id) = (user_id(&actor)?, id.into_inner());
    state
        .db
        .write(move |conn| store::mark_read(conn, user, id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How many notifications changed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Updated {
    #[schema(example = 3)]
    pub updated: u64,
}

/// Mark all the caller's notifications read.
#[utoipa::path(
    operation_id = "mark_all_notifications_read",
    tag = "notifications",
    security(("bearer" = [])),
    responses((status = 200, body = Updated))
)]
#[post("/notifications/read-all")]
pub async fn mark_all_read(
    state: web::Data<AppState>,
    actor: Actor,
) -> ApiResult<web::Json<Updated>> {
    let user = user_id(&actor)?;
    let n = state
        .db
        .write(move |conn| store::mark_all_read(conn, user).map_err(ApiError::from))
        .await?;
    Ok(web::Json(Updated { updated: n as u64 }))
}
