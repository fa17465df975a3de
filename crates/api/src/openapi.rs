//! The OpenAPI document: the base (info, tags, shared schemas) plus every
//! path collected from the route registration.

use actix_web::App;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::error::{ErrorCode, FieldError, Problem};
use crate::routes::funds::Structure;
use crate::routes::tasks::TaskSortParam;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Điều hành số API",
        description = "Theo dõi chỉ đạo, vốn chương trình và tiêu chí nông thôn mới. \
Directive tracking, programme-fund allocation and New Rural Development criteria \
for Vietnamese provincial and commune governments. Errors are RFC 9457 problem \
details (`application/problem+json`) with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0")
    ),
    tags(
        (name = "system", description = "Probes and service information"),
        (name = "auth", description = "Đăng nhập, phiên, tài khoản hiện tại (sign-in, sessions, the caller)"),
        (name = "org-units", description = "Đơn vị hành chính và cơ quan (administrative units and agencies, with history)"),
        (name = "users", description = "Người dùng và phân quyền (users and grants)"),
        (name = "directives", description = "Văn bản chỉ đạo và nhiệm vụ được giao (directives and the tasks they assign)"),
        (name = "tasks", description = "Nhiệm vụ: danh sách, tiến độ, quy trình xử lý (tasks: list, timeline, workflow)"),
        (name = "funds", description = "Vốn chương trình: chương trình, dự án, phân bổ, giải ngân, báo cáo (programme funds)"),
        (name = "ntm", description = "Nông thôn mới: bộ tiêu chí, đợt đánh giá, tự đánh giá, thẩm định, thống kê (New Rural Development criteria evaluation)"),
        (name = "imports", description = "Nhập báo cáo Excel cũ: xem trước (legacy Excel imports: preview)"),
        (name = "attachments", description = "Tệp đính kèm: tải lên, tải về (files: upload, download)"),
        (name = "notifications", description = "Thông báo trong ứng dụng (in-app notifications)"),
        (name = "admin", description = "Tài khoản dịch vụ, token bảng tin, nhật ký (service accounts, board tokens, audit)")
    ),
    components(schemas(Problem, ErrorCode, FieldError, TaskSortParam, Structure)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme the protected routes name.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Access token from POST /api/v1/auth/login or /auth/service-token",
                    ))
                    .build(),
            ),
        );
    }
}

/// The base document the route registration adds its paths to.
pub fn base() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The full document, as served at `/api/openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(base())
        .configure(crate::routes::configure)
        .split_for_parts();
    doc
}

/// The document as committed in `openapi/openapi.json`: pretty JSON with a
/// trailing newline.
pub fn document_json() -> String {
    let mut text = document().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Every `$ref` in `value`.
    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner) {
                        ("$ref", Value::String(target)) => out.push(target),
                        _ => refs(inner, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves() -> Result<(), serde_json::Error> {
        let doc: Value = serde_json::from_str(&super::document_json())?;
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.len() > 100, "the document references its schemas");
        let dangling: Vec<_> = found
            .into_iter()
            .filter(|r| {
                let pointer = r.strip_prefix('#').unwrap_or(r);
                doc.pointer(pointer).is_none()
            })
            .collect();
        assert!(dangling.is_empty(), "dangling references: {dangling:?}");
        Ok(())
    }
}
