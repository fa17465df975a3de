//! Request extraction that turns every malformed input into a problem.

use actix_web::dev::Payload;
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::{web, FromRequest, HttpRequest};
use serde::de::DeserializeOwned;
use std::future::Future;
use std::pin::Pin;
use validator::Validate;

use crate::error::{ApiError, ErrorCode};

/// Largest JSON body accepted (uploads go through multipart with their own limit).
pub const JSON_LIMIT_BYTES: usize = 1024 * 1024;

/// Largest raw body of any other kind.
pub const PAYLOAD_LIMIT_BYTES: usize = 2 * 1024 * 1024;

/// A JSON body that has been deserialised and validated; handlers that take
/// one cannot forget validation.
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<T>::from_request(req, payload);
        Box::pin(async move {
            let value = json.await?.into_inner();
            value.validate().map_err(ApiError::from)?;
            Ok(ValidJson(value))
        })
    }
}

/// Extractor configuration registered on the app: JSON, query and path
/// errors answer problem details with stable codes.
pub fn configure_extractors(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT_BYTES)
            .error_handler(|err, _req| json_error(err).into()),
    )
    .app_data(web::PayloadConfig::new(PAYLOAD_LIMIT_BYTES))
    .app_data(web::QueryConfig::default().error_handler(|err, _req| query_error(err).into()))
    .app_data(web::PathConfig::default().error_handler(|err, _req| path_error(err).into()));
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::with_detail(
                ErrorCode::PayloadTooLarge,
                format!("Tối đa {JSON_LIMIT_BYTES} byte (at most {JSON_LIMIT_BYTES} bytes)"),
            )
        }
        JsonPayloadError::ContentType => ApiError::with_detail(
            ErrorCode::UnsupportedMediaType,
            "Cần Content-Type: application/json (expected application/json)",
        ),
        JsonPayloadError::Deserialize(e) => json_field_error(&e),
        other => ApiError::with_detail(ErrorCode::InvalidJson, other.to_string()),
    }
}

/// serde reports "missing field `name`" or "unknown variant …"; surface the
/// field where serde names one so forms can show it in place.
fn json_field_error(e: &serde_json::Error) -> ApiError {
    let message = e.to_string();
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        return ApiError::field(
            field,
            "required",
            format!("Trường bắt buộc (required): {field}"),
        );
    }
    ApiError::with_detail(ErrorCode::InvalidJson, message)
}

fn query_error(err: QueryPayloadError) -> ApiError {
    ApiError::with_detail(ErrorCode::InvalidQuery, err.to_string())
}

fn path_error(err: PathError) -> ApiError {
    ApiError::with_detail(ErrorCode::InvalidPath, err.to_string())
}
