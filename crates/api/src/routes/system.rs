//! Probes and service information.

use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult, ErrorCode, Problem};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct HealthStatus {
    #[schema(example = "ok")]
    pub status: String,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "system", responses((status = 200, body = HealthStatus)))]
#[get("/health")]
pub async fn health() -> web::Json<HealthStatus> {
    web::Json(HealthStatus {
        status: "ok".into(),
    })
}

/// Readiness: the database answers a query.
#[utoipa::path(
    tag = "system",
    responses(
        (status = 200, body = HealthStatus),
        (status = 503, description = "Database unreachable", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    state
        .db
        .run(|conn| persistence::meta::ping(conn).map_err(ApiError::from))
        .await
        .map_err(|e| ApiError::with_detail(ErrorCode::ServiceUnavailable, e.to_string()))?;
    Ok(HttpResponse::Ok().json(HealthStatus {
        status: "ready".into(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ServiceInfo {
    #[schema(example = "Điều hành số")]
    pub name: String,
    #[schema(example = "0.1.0")]
    pub version: String,
}

/// Name and version of the service.
#[utoipa::path(tag = "system", responses((status = 200, body = ServiceInfo)))]
#[get("/info")]
pub async fn info() -> web::Json<ServiceInfo> {
    web::Json(ServiceInfo {
        name: crate::PRODUCT_NAME.into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}
