//! The OpenAPI document: the base (info, tags, shared schemas) plus every
//! path collected from the route registration.

use actix_web::App;
use utoipa::openapi::schema::{AdditionalProperties, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};
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
    complete(doc)
}

/// The answers every operation can give whatever it does, added to the
/// document once the routes have added their paths: 400 where it takes
/// parameters or a body, 401 where it needs a token, 404 where it names a
/// record in its path or body, 413, 415 and 422 where it takes a body, 422
/// where it takes query parameters. An operation that
/// declares one of these itself keeps its own.
pub fn complete(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{Content, Ref};
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.values_mut().for_each(bound_integers);
    for name in EXTERNALLY_TAGGED {
        if let Some(RefOr::T(Schema::OneOf(one))) = components.schemas.get_mut(name) {
            for variant in &mut one.items {
                let object = match variant {
                    RefOr::T(Schema::Object(object)) => object,
                    _ => continue,
                };
                if object.schema_type == SchemaType::Type(Type::Object) {
                    object.additional_properties =
                        Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
    }
    for (_, name, description) in COMMON_RESPONSES {
        components.responses.insert(
            name.to_owned(),
            RefOr::T(
                utoipa::openapi::ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/problem+json",
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    )
                    .build(),
            ),
        );
    }
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                if let RefOr::T(parameter) = parameter {
                    parameter.schema.iter_mut().for_each(bound_integers);
                }
            }
            let responses = operation
                .responses
                .responses
                .values_mut()
                .filter_map(|r| match r {
                    RefOr::T(response) => Some(response.content.values_mut()),
                    RefOr::Ref(_) => None,
                });
            let body = operation.request_body.iter_mut().filter_map(|b| match b {
                RefOr::T(body) => Some(body.content.values_mut()),
                RefOr::Ref(_) => None,
            });
            for content in responses.flatten().chain(body.flatten()) {
                if let RefOr::T(content) = content {
                    content.schema.iter_mut().for_each(bound_integers);
                }
            }
            let parameters = operation.parameters.as_deref().unwrap_or_default();
            let placed = |place: ParameterIn| {
                parameters
                    .iter()
                    .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
            };
            let (has_path, has_query) = (placed(ParameterIn::Path), placed(ParameterIn::Query));
            let has_body = operation.request_body.is_some();
            let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
            for (status, name, _) in COMMON_RESPONSES {
                let applies = match status {
                    "400" => !parameters.is_empty() || has_body,
                    "401" => secured,
                    "404" => has_path || has_body,
                    "413" | "415" => has_body,
                    _ => has_body || has_query,
                };
                if applies {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| {
                            RefOr::Ref(Ref::new(format!("#/components/responses/{name}")))
                        });
                }
            }
        }
    }
    doc
}

/// Gives every integer schema of a Rust type narrower than OpenAPI's
/// `int32` and `int64` formats its range, where the type does not narrow it
/// already (a `u8` criterion number is declared 0–255, so clients and
/// fuzzers know 300 is not one), and spells the format as usual (`uint8`,
/// where utoipa writes `u-int8`).
fn bound_integers(schema: &mut RefOr<Schema>) {
    use utoipa::openapi::schema::{ArrayItems, KnownFormat, SchemaFormat};
    use utoipa::Number;
    let RefOr::T(schema) = schema else {
        return;
    };
    match schema {
        Schema::Object(object) => {
            let (name, min, max) = match &object.format {
                Some(SchemaFormat::KnownFormat(format)) => match format {
                    KnownFormat::Int8 => ("int8", i8::MIN as isize, i8::MAX as isize),
                    KnownFormat::UInt8 => ("uint8", 0, u8::MAX as isize),
                    KnownFormat::Int16 => ("int16", i16::MIN as isize, i16::MAX as isize),
                    KnownFormat::UInt16 => ("uint16", 0, u16::MAX as isize),
                    KnownFormat::UInt32 => ("uint32", 0, u32::MAX as isize),
                    KnownFormat::UInt64 => ("uint64", 0, isize::MAX),
                    _ => ("", 0, 0),
                },
                _ => ("", 0, 0),
            };
            if !name.is_empty() {
                object.format = Some(SchemaFormat::Custom(name.to_owned()));
                object.minimum.get_or_insert(Number::Int(min));
                object.maximum.get_or_insert(Number::Int(max));
            }
            object.properties.values_mut().for_each(bound_integers);
            if let Some(AdditionalProperties::RefOr(inner)) =
                object.additional_properties.as_deref_mut()
            {
                bound_integers(inner);
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(items) = &mut array.items {
                bound_integers(items);
            }
        }
        Schema::OneOf(one) => one.items.iter_mut().for_each(bound_integers),
        Schema::AllOf(all) => all.items.iter_mut().for_each(bound_integers),
        Schema::AnyOf(any) => any.items.iter_mut().for_each(bound_integers),
        _ => {}
    }
}

/// The enums serde writes with their variant's name as the only key
/// (`{"number": "95.5"}`) and reads only so: their variants' objects take
/// no other property.
const EXTERNALLY_TAGGED: [&str; 3] = ["IndicatorValue", "PassRule", "TargetValue"];

/// Status, component name and description of the answers `complete` adds.
const COMMON_RESPONSES: [(&str, &str, &str); 6] = [
    (
        "400",
        "BadRequest",
        "Yêu cầu sai dạng: tham số đường dẫn, truy vấn hoặc JSON không đọc được \
(malformed path, query or JSON: code `invalid_path`, `invalid_query` or `invalid_json`)",
    ),
    (
        "401",
        "Unauthorized",
        "Chưa đăng nhập hoặc token không hợp lệ, hết hạn, đã thu hồi \
(missing, invalid, expired or revoked bearer token: code `unauthorized`)",
    ),
    (
        "404",
        "NotFound",
        "Không tìm thấy, hoặc ngoài phạm vi của người gọi \
(no such record, or not in the caller's scope: code `not_found`)",
    ),
    (
        "413",
        "PayloadTooLarge",
        "Nội dung vượt giới hạn (body over the limit: code `payload_too_large`)",
    ),
    (
        "415",
        "UnsupportedMediaType",
        "Kiểu nội dung không được hỗ trợ (unsupported Content-Type: code `unsupported_media_type`)",
    ),
    (
        "422",
        "ValidationFailed",
        "Dữ liệu không hợp lệ, lỗi theo từng trường (validation failed, one error per field: \
code `validation_failed`)",
    ),
];

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

    /// A schema whose variants are objects of one key each, the key not a
    /// tag (a string of one value), is an externally tagged enum and must
    /// be listed, so its variants refuse other keys as serde does.
    #[test]
    fn externally_tagged_enums_are_listed() -> Result<(), serde_json::Error> {
        let doc: Value = serde_json::from_str(&super::document_json())?;
        let schemas = doc["components"]["schemas"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut found: Vec<String> = schemas
            .iter()
            .filter(|(_, schema)| {
                schema["oneOf"].as_array().is_some_and(|variants| {
                    variants.iter().any(|v| {
                        let properties = v["properties"].as_object();
                        properties.is_some_and(|p| {
                            p.len() == 1
                                && p.values()
                                    .all(|p| p["enum"].as_array().is_none_or(|e| e.len() != 1))
                        })
                    })
                })
            })
            .map(|(name, _)| name.clone())
            .collect();
        found.sort();
        assert_eq!(found, super::EXTERNALLY_TAGGED);
        for name in super::EXTERNALLY_TAGGED {
            for variant in schemas[name]["oneOf"].as_array().into_iter().flatten() {
                if variant["type"] == "object" {
                    assert_eq!(variant["additionalProperties"], false, "{name}: {variant}");
                }
            }
        }
        Ok(())
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
