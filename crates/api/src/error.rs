//! One error type for the whole API, rendered as RFC 9457 problem details.
//! `ErrorCode` is the stable contract: clients switch on it, never on text.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use persistence::PersistenceError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Stable machine-readable error codes. Each maps to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A field failed validation; `errors` lists each one.
    ValidationFailed,
    /// The body is not valid JSON or does not match the schema.
    InvalidJson,
    /// A query parameter is missing or malformed.
    InvalidQuery,
    /// A path parameter is malformed.
    InvalidPath,
    /// Credentials or token missing, wrong or expired.
    Unauthorized,
    /// Authenticated, but the role does not allow the action.
    Forbidden,
    /// No such resource (or not within the caller's scope).
    NotFound,
    /// The method is not allowed on this resource.
    MethodNotAllowed,
    /// The request conflicts with existing data (duplicate, stale state).
    Conflict,
    /// The body is larger than the limit.
    PayloadTooLarge,
    /// The content type is not accepted here.
    UnsupportedMediaType,
    /// The client did not send the request in time.
    RequestTimeout,
    /// Too many requests; retry later.
    RateLimited,
    /// The database or another dependency is unavailable.
    ServiceUnavailable,
    /// Unexpected failure; details are in the server log under the request id.
    InternalError,
}

impl ErrorCode {
    pub fn status(self) -> StatusCode {
        match self {
            Self::ValidationFailed => StatusCode::UNPROCESSABLE_ENTITY,
            Self::InvalidJson | Self::InvalidQuery | Self::InvalidPath => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RequestTimeout => StatusCode::REQUEST_TIMEOUT,
            Self::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            Self::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Short human title, Vietnamese first.
    pub fn title(self) -> &'static str {
        match self {
            Self::ValidationFailed => "Dữ liệu không hợp lệ (validation failed)",
            Self::InvalidJson => "Nội dung JSON không hợp lệ (invalid JSON body)",
            Self::InvalidQuery => "Tham số truy vấn không hợp lệ (invalid query)",
            Self::InvalidPath => "Đường dẫn không hợp lệ (invalid path parameter)",
            Self::Unauthorized => "Chưa đăng nhập hoặc phiên đã hết hạn (unauthorized)",
            Self::Forbidden => "Không có quyền thực hiện (forbidden)",
            Self::NotFound => "Không tìm thấy (not found)",
            Self::MethodNotAllowed => "Phương thức không được hỗ trợ (method not allowed)",
            Self::Conflict => "Xung đột dữ liệu (conflict)",
            Self::PayloadTooLarge => "Dữ liệu gửi lên quá lớn (payload too large)",
            Self::UnsupportedMediaType => {
                "Kiểu nội dung không được hỗ trợ (unsupported media type)"
            }
            Self::RequestTimeout => "Gửi yêu cầu quá chậm (request timeout)",
            Self::RateLimited => "Quá nhiều yêu cầu (rate limited)",
            Self::ServiceUnavailable => "Dịch vụ tạm thời không sẵn sàng (service unavailable)",
            Self::InternalError => "Lỗi hệ thống (internal error)",
        }
    }

    fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// Path of the field, e.g. `name` or `items[2].amount`.
    #[schema(example = "username")]
    pub field: String,
    /// Stable code of the rule that failed, e.g. `length`, `required`.
    #[schema(example = "length")]
    pub code: String,
    /// Human message, Vietnamese first.
    #[schema(example = "Độ dài phải từ 3 đến 64 ký tự")]
    pub message: String,
}

/// RFC 9457 problem details, the body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// URI reference naming the problem type: `/problems/{code}`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation_failed")]
    pub problem_type: String,
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    pub code: ErrorCode,
    /// Per-field errors, for `validation_failed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// The error every handler returns.
#[derive(Debug)]
pub struct ApiError {
    pub code: ErrorCode,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    /// Sent as `Retry-After` (rate limiting).
    pub retry_after_seconds: Option<u64>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            detail: None,
            errors: Vec::new(),
            retry_after_seconds: None,
            source: None,
        }
    }

    pub fn with_detail(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            detail: Some(detail.into()),
            ..Self::new(code)
        }
    }

    pub fn not_found() -> Self {
        Self::new(ErrorCode::NotFound)
    }

    /// A validation failure on one field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::fields(vec![FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }])
    }

    pub fn fields(errors: Vec<FieldError>) -> Self {
        Self {
            errors,
            ..Self::new(ErrorCode::ValidationFailed)
        }
    }

    /// The same error with its detail and field messages prefixed (a row
    /// of an import: `"dòng 12 / row 12: "`).
    #[must_use]
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.detail = Some(format!(
            "{prefix}{}",
            self.detail.take().unwrap_or_default()
        ));
        for e in &mut self.errors {
            e.message = format!("{prefix}{}", e.message);
        }
        self
    }

    /// An unexpected failure: the client sees an opaque 500, the log the chain.
    pub fn internal(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            source: Some(source.into()),
            ..Self::new(ErrorCode::InternalError)
        }
    }

    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("/problems/{}", self.code.as_str()),
            title: self.code.title().to_owned(),
            status: self.code.status().as_u16(),
            detail: self.detail.clone(),
            code: self.code,
            errors: self.errors.clone(),
        }
    }
}

fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = err.to_string();
    let mut next = err.source();
    while let Some(cause) = next {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        next = cause.source();
    }
    chain
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code.as_str())?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {}", cause_chain(source.as_ref()))?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        if self.code == ErrorCode::InternalError || self.code == ErrorCode::ServiceUnavailable {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if let Some(seconds) = self.retry_after_seconds {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if self.code == ErrorCode::Unauthorized {
            response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
        }
        response.json(self.problem())
    }
}

impl From<PersistenceError> for ApiError {
    fn from(e: PersistenceError) -> Self {
        match e {
            PersistenceError::NotFound => Self::not_found(),
            PersistenceError::UniqueViolation { .. } => Self {
                detail: Some("Bản ghi đã tồn tại (a record with the same key exists)".into()),
                ..Self::internal_with_code(ErrorCode::Conflict, e)
            },
            PersistenceError::ForeignKeyViolation { .. } => Self {
                detail: Some(
                    "Bản ghi liên quan không tồn tại hoặc đang được sử dụng \
                     (a referenced record is missing or in use)"
                        .into(),
                ),
                ..Self::internal_with_code(ErrorCode::Conflict, e)
            },
            PersistenceError::Unavailable(_) => {
                Self::internal_with_code(ErrorCode::ServiceUnavailable, e)
            }
            other => Self::internal(other),
        }
    }
}

impl ApiError {
    fn internal_with_code(code: ErrorCode, source: PersistenceError) -> Self {
        Self {
            source: Some(Box::new(source)),
            ..Self::new(code)
        }
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errors: validator::ValidationErrors) -> Self {
        let mut out = Vec::new();
        flatten_validation("", &errors, &mut out);
        out.sort_by(|a, b| a.field.cmp(&b.field));
        Self::fields(out)
    }
}

fn flatten_validation(
    prefix: &str,
    errors: &validator::ValidationErrors,
    out: &mut Vec<FieldError>,
) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                out.extend(list.iter().map(|e| {
                    FieldError {
                        field: path.clone(),
                        code: e.code.to_string(),
                        message: e
                            .message
                            .as_ref()
                            .map(ToString::to_string)
                            .unwrap_or_else(|| format!("Giá trị không hợp lệ ({})", e.code)),
                    }
                }));
            }
            ValidationErrorsKind::Struct(inner) => flatten_validation(&path, inner, out),
            ValidationErrorsKind::List(items) => {
                for (index, inner) in items {
                    flatten_validation(&format!("{path}[{index}]"), inner, out);
                }
            }
        }
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
