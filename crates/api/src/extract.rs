//! Request extraction that turns every malformed input into a problem, and
//! the limits on what a client may send.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, PayloadError, QueryPayloadError};
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest, ResponseError};
use futures_util::Stream;
use serde::de::DeserializeOwned;
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;
use validator::Validate;

use crate::error::{ApiError, ErrorCode};

/// What a client may send (settings `server.json_limit_bytes`,
/// `server.payload_limit_bytes`, `server.body_timeout_seconds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest JSON body (uploads go through multipart with their own limit).
    pub json_bytes: usize,
    /// Largest raw body of any other kind.
    pub payload_bytes: usize,
    /// Time a client has to send the whole body once its head is in.
    pub body_timeout: Duration,
}

impl Default for RequestLimits {
    fn default() -> Self {
        Self {
            json_bytes: 1024 * 1024,
            payload_bytes: 2 * 1024 * 1024,
            body_timeout: Duration::from_secs(300),
        }
    }
}

/// A JSON body that has been deserialised and validated; handlers that take
/// one cannot forget validation.
pub struct ValidJson<T>(pub T);

impl<T: DeserializeOwned + Validate + 'static> FromRequest for ValidJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let mut json = json.await?.into_inner();
            integral_numbers(&mut json);
            let value = T::deserialize(json).map_err(|e| json_field_error(&e))?;
            value.validate().map_err(ApiError::from)?;
            Ok(ValidJson(value))
        })
    }
}

/// JSON Schema counts `2026.0` as an integer; serde does not. Numbers
/// with no fraction that fit an `i64` are made integers before the body is
/// read, so a client that sends `2026.0` for a year is not refused.
fn integral_numbers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                // -2^63 is an i64, 2^63 is not.
                let range = i64::MIN as f64..-(i64::MIN as f64);
                if f.fract() == 0.0 && range.contains(&f) {
                    *n = serde_json::Number::from(f as i64);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(integral_numbers),
        serde_json::Value::Object(map) => map.values_mut().for_each(integral_numbers),
        _ => {}
    }
}

/// Extractor configuration registered on the app: JSON, query and path
/// errors answer problem details with stable codes; the limits are
/// registered too, for [`body_deadline`].
pub fn configure_extractors(
    cfg: &mut utoipa_actix_web::service_config::ServiceConfig,
    limits: RequestLimits,
) {
    let json_bytes = limits.json_bytes;
    cfg.app_data(limits)
        .app_data(
            web::JsonConfig::default()
                .limit(json_bytes)
                .error_handler(move |err, _req| json_error(err, json_bytes).into()),
        )
        .app_data(web::PayloadConfig::new(limits.payload_bytes))
        .app_data(web::QueryConfig::default().error_handler(|err, _req| query_error(err).into()))
        .app_data(web::PathConfig::default().error_handler(path_error));
}

fn json_error(err: JsonPayloadError, limit: usize) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::with_detail(
                ErrorCode::PayloadTooLarge,
                format!("Tối đa {limit} byte (at most {limit} bytes)"),
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

/// Middleware: a request body must arrive within
/// [`RequestLimits::body_timeout`] of its head. A client trickling it
/// slower gets 408 `request_timeout` and the connection is closed, whatever
/// the handler made of the cut-off body. (The head has its own timeout,
/// `HttpServer::client_request_timeout`.)
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let timeout = req
        .app_data::<RequestLimits>()
        .copied()
        .unwrap_or_default()
        .body_timeout;
    let expired = Rc::new(Cell::new(false));
    let body = DeadlineBody {
        inner: req.take_payload(),
        deadline: Box::pin(actix_web::rt::time::sleep(timeout)),
        expired: expired.clone(),
    };
    req.set_payload(Payload::Stream {
        payload: Box::pin(body),
    });
    let res = next.call(req).await?;
    if !expired.get() {
        return Ok(res.map_into_left_body());
    }
    let seconds = timeout.as_secs();
    let mut timed_out = ApiError::with_detail(
        ErrorCode::RequestTimeout,
        format!(
            "Nội dung yêu cầu phải gửi xong trong {seconds} giây \
             (the request body must arrive within {seconds} seconds)"
        ),
    )
    .error_response();
    timed_out
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    Ok(res.into_response(timed_out).map_into_right_body())
}

/// A request body that fails with `TimedOut` once its deadline passes.
struct DeadlineBody {
    inner: Payload,
    deadline: Pin<Box<actix_web::rt::time::Sleep>>,
    expired: Rc<Cell<bool>>,
}

impl Stream for DeadlineBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if let Poll::Ready(item) = Pin::new(&mut this.inner).poll_next(cx) {
            return Poll::Ready(item);
        }
        if this.deadline.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        this.expired.set(true);
        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
            std::io::ErrorKind::TimedOut,
            "request body timeout",
        )))))
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

/// A path a route took but could not read: 405 when another route serves
/// the path with other methods (`PATCH /org-units/merges` is not a rename
/// of unit "merges"), else 400 `invalid_path`.
fn path_error(err: PathError, req: &HttpRequest) -> actix_web::Error {
    let allowed = crate::routes::allowed_methods(req.path());
    if !allowed.is_empty() && !allowed.contains(&req.method().as_str()) {
        return actix_web::error::InternalError::from_response(err, crate::routes::unrouted(req))
            .into();
    }
    ApiError::with_detail(ErrorCode::InvalidPath, err.to_string()).into()
}
