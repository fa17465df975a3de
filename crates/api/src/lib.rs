//! The HTTP API: handlers, request and response types, the OpenAPI document
//! and the mapping of every failure to problem details.

pub mod actor;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod paging;
pub mod routes;
pub mod state;
pub mod utc;

pub use error::{ApiError, ApiResult, ErrorCode, FieldError, Problem};
pub use state::AppState;

/// The product's name as users see it.
pub const PRODUCT_NAME: &str = "Điều hành số";
