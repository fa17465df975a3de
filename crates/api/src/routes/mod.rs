//! Every route, registered once: registering it here also documents it.

pub mod admin;
pub mod attachments;
pub mod auth;
pub mod board;
pub mod fund_export;
pub mod funds;
pub mod imports;
pub mod notifications;
pub mod ntm_evaluations;
pub mod ntm_sets;
pub mod ntm_stats;
pub mod system;
pub mod task_stats;
pub mod tasks;
pub mod units;
pub mod users;

use std::sync::OnceLock;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the whole HTTP surface (API and probes) on an app.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(system::health).service(system::ready).service(
        utoipa_actix_web::scope("/api/v1")
            .configure(v1)
            .default_service(actix_web::web::to(not_found)),
    );
}

fn v1(cfg: &mut ServiceConfig) {
    cfg.service(system::info)
        .service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(auth::service_token)
        .service(auth::me)
        .service(units::list)
        .service(units::merge)
        .service(units::get)
        .service(units::successors)
        .service(units::predecessors)
        .service(units::create)
        .service(units::rename)
        .service(units::close)
        .service(users::list)
        .service(users::create)
        .service(users::get)
        .service(users::update)
        .service(users::grants)
        .service(users::add_grant)
        .service(users::remove_grant)
        .service(admin::list_service_accounts)
        .service(admin::create_service_account)
        .service(admin::revoke_service_account)
        .service(admin::list_board_tokens)
        .service(admin::create_board_token)
        .service(admin::revoke_board_token)
        .service(admin::audit_log)
        .service(tasks::create_directive)
        .service(tasks::list_directives)
        .service(tasks::get_directive)
        .service(tasks::create_directive_task)
        .service(tasks::export_tasks)
        .service(tasks::list_tasks)
        .service(tasks::get_task)
        .service(tasks::act_on_task)
        .service(tasks::forward_task)
        .service(task_stats::export_task_stats)
        .service(task_stats::task_stats)
        .service(attachments::upload_attachment)
        .service(attachments::get_attachment)
        .service(attachments::download_attachment)
        .service(funds::list_programmes)
        .service(funds::create_programme)
        .service(funds::set_beneficiaries)
        .service(funds::list_beneficiaries)
        .service(funds::list_fund_sources)
        .service(funds::create_fund_source)
        .service(funds::update_fund_project)
        .service(funds::create_fund_project)
        .service(funds::list_fund_projects)
        .service(funds::create_allocation)
        .service(funds::adjust_allocation)
        .service(funds::create_disbursement)
        .service(fund_export::export_fund_report_allocation)
        .service(funds::fund_report_allocation)
        .service(funds::fund_warnings)
        .service(fund_export::export_fund_report_disbursement)
        .service(funds::fund_report_disbursement)
        .service(funds::list_allocations)
        .service(funds::list_disbursements)
        .service(ntm_sets::list_criteria_sets)
        .service(ntm_sets::create_criteria_set)
        .service(ntm_sets::get_criteria_set)
        .service(ntm_sets::update_criteria_set)
        .service(ntm_sets::publish_criteria_set)
        .service(ntm_sets::copy_criteria_set)
        .service(ntm_sets::list_evaluation_rounds)
        .service(ntm_sets::create_evaluation_round)
        .service(ntm_sets::get_evaluation_round)
        .service(ntm_evaluations::list_evaluations)
        .service(ntm_evaluations::list_awaiting_reviews)
        .service(ntm_evaluations::get_evaluation)
        .service(ntm_evaluations::put_evaluation_values)
        .service(ntm_evaluations::review_evaluation)
        .service(ntm_evaluations::reopen_evaluation)
        .service(ntm_evaluations::create_criterion_task)
        .service(ntm_stats::export_ntm_stats)
        .service(ntm_stats::ntm_stats)
        .service(imports::create_import)
        .service(imports::list_imports)
        .service(imports::get_import)
        .service(imports::commit)
        .service(imports::rollback)
        .service(imports::import_template)
        .service(imports::list_agency_aliases)
        .service(imports::create_agency_alias)
        .service(board::board)
        .service(notifications::list_notifications)
        .service(notifications::mark_all_read)
        .service(notifications::mark_read);
}

/// Unknown paths under the API answer a problem, not an empty 404.
async fn not_found(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    unrouted(&req)
}

/// A segment of a path template: a literal, or a parameter (`true` when
/// the document types it as an integer, so only digits match it).
enum Segment {
    Literal(String),
    Parameter { integer: bool },
}

impl Segment {
    fn matches(&self, segment: &str) -> bool {
        match self {
            Self::Literal(literal) => literal == segment,
            Self::Parameter { integer: true } => segment.parse::<i64>().is_ok(),
            Self::Parameter { integer: false } => !segment.is_empty(),
        }
    }
}

/// A path template of the document, with the methods served there.
type Template = (Vec<Segment>, Vec<&'static str>);

fn templates() -> &'static [Template] {
    static TEMPLATES: OnceLock<Vec<Template>> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let doc = serde_json::to_value(crate::openapi::document()).unwrap_or_default();
        let paths = doc["paths"].as_object().cloned().unwrap_or_default();
        paths
            .into_iter()
            .map(|(path, item)| {
                let methods: Vec<&'static str> = ["get", "put", "post", "delete", "patch"]
                    .into_iter()
                    .filter(|m| item.get(m).is_some())
                    .collect();
                let integer = |name: &str| {
                    methods.iter().any(|m| {
                        item[m]["parameters"].as_array().is_some_and(|ps| {
                            ps.iter().any(|p| {
                                p["in"] == "path"
                                    && p["name"] == name
                                    && p["schema"]["type"] == "integer"
                            })
                        })
                    })
                };
                let segments = path
                    .split('/')
                    .map(
                        |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => Segment::Parameter {
                                integer: integer(name),
                            },
                            None => Segment::Literal(s.to_owned()),
                        },
                    )
                    .collect();
                let methods = methods.into_iter().map(|m| match m {
                    "get" => "GET",
                    "put" => "PUT",
                    "post" => "POST",
                    "delete" => "DELETE",
                    _ => "PATCH",
                });
                (segments, methods.collect())
            })
            .collect()
    })
}

/// The methods the API serves at `path`, empty when no route has it.
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    let mut allowed = Vec::new();
    for (template, methods) in templates() {
        let matches = template.len() == segments.len()
            && template.iter().zip(&segments).all(|(t, s)| t.matches(s));
        if matches {
            for method in methods {
                if !allowed.contains(method) {
                    allowed.push(*method);
                }
            }
        }
    }
    allowed
}

/// The answer to a request no route took: 405 `method_not_allowed` with
/// `Allow` when the path is served with other methods, else 404
/// `not_found`; both problems.
pub fn unrouted(req: &actix_web::HttpRequest) -> actix_web::HttpResponse {
    use actix_web::ResponseError;
    let allowed = allowed_methods(req.path());
    if allowed.is_empty() {
        return crate::ApiError::not_found().error_response();
    }
    let mut response =
        crate::ApiError::new(crate::error::ErrorCode::MethodNotAllowed).error_response();
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allowed.join(", ")) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::allowed_methods;

    #[test]
    fn allowed_methods_follow_the_document() {
        assert_eq!(allowed_methods("/api/v1/tasks/7/actions"), ["POST"]);
        assert_eq!(allowed_methods("/api/v1/users/3"), ["GET", "PATCH"]);
        // The export shares its place with a task id and is read the same way.
        assert_eq!(allowed_methods("/api/v1/tasks/export.xlsx"), ["GET"]);
        assert_eq!(allowed_methods("/health"), ["GET"]);
        assert!(allowed_methods("/api/v1/tasks/7/nothing").is_empty());
        assert!(allowed_methods("/api/v1/users/").is_empty());
        // `merges` is not an id: only the merge is served there.
        assert_eq!(allowed_methods("/api/v1/org-units/merges"), ["POST"]);
        assert!(allowed_methods("/api/v1/org-units/x").is_empty());
        assert_eq!(
            allowed_methods("/api/v1/imports/templates/p135.xlsx"),
            ["GET"]
        );
    }
}
