//! Paging: `limit`/`offset` in, `{items, total, limit, offset}` out.

use serde::{Deserialize, Serialize};

use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 500;

/// `limit`/`offset` as given (each query struct declares them itself:
/// serde's `flatten` breaks number parsing of query strings).
#[derive(Debug, Clone, Copy, Default)]
pub struct Paging {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Paging {
    pub fn new(limit: Option<i64>, offset: Option<i64>) -> Self {
        Self { limit, offset }
    }

    pub fn resolve(self) -> ApiResult<(i64, i64)> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        let offset = self.offset.unwrap_or(0);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::field(
                "limit",
                "range",
                format!("limit phải từ 1 đến {MAX_LIMIT} (limit must be 1 to {MAX_LIMIT})"),
            ));
        }
        if offset < 0 {
            return Err(ApiError::field(
                "offset",
                "range",
                "offset không được âm (offset must be ≥ 0)",
            ));
        }
        Ok((limit, offset))
    }
}

/// One page of a list, with the total number of matching rows.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: i64, limit: i64, offset: i64) -> Self {
        Self {
            items,
            total,
            limit,
            offset,
        }
    }
}
