//! The authorization matrix: every operation of the committed OpenAPI
//! document, called as every principal (anonymous, each demo role, a board
//! token, a service account) on a target inside the principal's scope and
//! on one outside it (another province created for the test), against the
//! outcome the policy (`domain::access`) and the documented rules give.
//!
//! An operation in the document without a row here, or a row for an
//! operation the document no longer has, fails the test by name. All
//! mismatches are collected and reported together.
//!
//! An *allowed* call is recognised by an answer that is neither 401, 403
//! nor 404: a 2xx, or a 409 or 422 that the handler can only give after
//! authorizing (a duplicate, a state that does not allow the step, a rule
//! of the workflow). Writes are built so that nothing a later row needs
//! is destroyed: the unit writes ask for what the rules refuse after the
//! check (a unit merged into itself, closed before it existed, renamed to
//! its own name), money rows add to the matrix's own programme, grants
//! are deleted from a fresh grant each time, and revocations go to spare
//! tokens and accounts.

use std::collections::{BTreeMap, BTreeSet};

use blackbox::{backend_tests, json, workspace_root, TestApp, Value};
use reqwest::Method;

backend_tests!(demo: every_route_as_every_principal);

/// The principals, in the column order of [`TABLE`]: the short code, the
/// demo account (empty for the three that are no account), and the
/// account's home, the unit its only grant is on.
const PRINCIPALS: [(&str, &str, Home); 14] = [
    ("anon", "", Home::Province),
    ("admin", "admin", Home::Province),
    ("CL", "lanhdao.ubnd", Home::Province),
    ("OL", "vp.lanhdao", Home::Office),
    ("OS", "vp.chuyenvien", Home::Office),
    ("AL", "sotc.lanhdao", Home::Finance),
    ("AO", "sotc.canbo", Home::Finance),
    ("FM", "von.quanly", Home::Province),
    ("NC", "ntm.dieuphoi", Home::Province),
    ("DA", "soxd.thamdinh", Home::Construction),
    ("CO", "xa.tanson", Home::Commune),
    ("V", "xem.baocao", Home::Province),
    ("board", "", Home::Office),
    ("svc", "", Home::Province),
];

const ANON: usize = 0;
const ADMIN: usize = 1;
const FUND_MANAGER: usize = 7;
const COMMUNE_OFFICER: usize = 10;
const BOARD: usize = 12;
const SERVICE: usize = 13;

/// Where a principal's grant is (the service account's: viewer on the
/// province; the board token's: issued for the Office).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Home {
    Province,
    Office,
    Finance,
    Construction,
    Commune,
}

/// One operation: `METHOD /path` as in the OpenAPI document, the request
/// (path and JSON body templates, see [`Fixtures::resolve`]; a body
/// `@file` is the multipart upload of that fixture file), and the expected
/// outcome per principal inside and outside its scope.
///
/// Codes, one per principal in the order of [`PRINCIPALS`] (spaces are
/// for reading only): `A` allowed (2xx, or a 409/422 given after the
/// check), `1` 401, `3` 403, `4` 404, `S` 422 naming a unit of the body
/// as out of scope (units are reference data everyone reads, so naming
/// one leaks nothing). An empty outside column: the
/// operation has no target a scope could exclude (public, global or own
/// data); it runs once.
type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // operation                              path                                              body                 in: an ad CL OL OS AL AO FM NC DA CO V  bd sv     out
    ("GET /health",                           "/health",                                        "",                  "AA AAA AA AA AAA AA", ""),
    ("GET /ready",                            "/ready",                                         "",                  "AA AAA AA AA AAA AA", ""),
    ("GET /api/v1/info",                      "/api/v1/info",                                   "",                  "AA AAA AA AA AAA AA", ""),
    ("POST /api/v1/auth/login",               "/api/v1/auth/login",                             r#"{"username":"xem.baocao","password":"thuchanh2026"}"#, "AA AAA AA AA AAA AA", ""),
    ("POST /api/v1/auth/refresh",             "/api/v1/auth/refresh",                           r#"{"refresh_token":"rt_none"}"#, "11 111 11 11 111 11", ""),
    ("POST /api/v1/auth/logout",              "/api/v1/auth/logout",                            r#"{"refresh_token":"rt_none"}"#, "AA AAA AA AA AAA AA", ""),
    ("POST /api/v1/auth/service-token",       "/api/v1/auth/service-token",                     r#"{"key":"sak_none"}"#, "11 111 11 11 111 11", ""),
    ("GET /api/v1/me",                        "/api/v1/me",                                     "",                  "1A AAA AA AA AAA 1A", ""),
    // Units are reference data every signed-in caller reads; only the
    // system administrator changes them.
    ("GET /api/v1/org-units",                 "/api/v1/org-units?within=$home",                 "",                  "1A AAA AA AA AAA 1A", "1A AAA AA AA AAA 1A"),
    ("POST /api/v1/org-units",                "/api/v1/org-units",                              r#"{"name":"Ban $n","kind":"agency","unit_type":"ban","parent_id":$home}"#, "1A 333 33 33 333 13", "1A 444 44 44 444 14"),
    ("POST /api/v1/org-units/merges",         "/api/v1/org-units/merges",                       r#"{"predecessor_ids":[$home],"successor_id":$home,"effective_date":"2026-01-01"}"#, "1A 333 33 33 333 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/org-units/{id}",            "/api/v1/org-units/$home",                        "",                  "1A AAA AA AA AAA 1A", "1A AAA AA AA AAA 1A"),
    ("PATCH /api/v1/org-units/{id}",          "/api/v1/org-units/$home",                        r#"{"name":"$home_name"}"#, "1A 333 33 33 333 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/org-units/{id}/successors", "/api/v1/org-units/$home/successors",             "",                  "1A AAA AA AA AAA 1A", "1A AAA AA AA AAA 1A"),
    ("GET /api/v1/org-units/{id}/predecessors", "/api/v1/org-units/$home/predecessors",         "",                  "1A AAA AA AA AAA 1A", "1A AAA AA AA AAA 1A"),
    ("POST /api/v1/org-units/{id}/close",     "/api/v1/org-units/$home/close",                  r#"{"valid_to":"1900-01-01"}"#, "1A 333 33 33 333 13", "1A 444 44 44 444 14"),
    // Users: the home user is an account without grants on the caller's
    // home unit; outside is one on the other province's agency.
    ("GET /api/v1/users",                     "/api/v1/users",                                  "",                  "1A AA3 A3 33 333 13", ""),
    ("POST /api/v1/users",                    "/api/v1/users",                                  r#"{"username":"matran.$n","full_name":"Người Thử","primary_unit_id":$home,"password":"matkhau-moi-2026"}"#, "1A 3A3 A3 33 333 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/users/{id}",                "/api/v1/users/$home_user",                       "",                  "1A AA3 A3 33 333 13", "1A 444 44 44 444 14"),
    ("PATCH /api/v1/users/{id}",              "/api/v1/users/$home_user",                       r#"{"full_name":"Người Thử $n"}"#, "1A 3A3 A3 33 333 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/users/{id}/grants",         "/api/v1/users/$home_user/grants",                "",                  "1A AA3 A3 33 333 13", "1A 444 44 44 444 14"),
    ("POST /api/v1/users/{id}/grants",        "/api/v1/users/$home_user/grants",                r#"{"role":"viewer","unit_id":$home}"#, "1A 3A3 A3 33 333 13", "1A 444 44 44 444 14"),
    ("DELETE /api/v1/users/{id}/grants/{grant_id}", "/api/v1/users/$home_user/grants/$fresh_grant", "",                  "1A 3A3 A3 33 333 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/service-accounts",          "/api/v1/service-accounts",                       "",                  "1A 333 33 33 333 13", ""),
    ("POST /api/v1/service-accounts",         "/api/v1/service-accounts",                       r#"{"name":"Dịch vụ $n","role":"viewer","unit_id":$home}"#, "1A 333 33 33 333 13", "1A 333 33 33 333 13"),
    ("POST /api/v1/service-accounts/{id}/revoke", "/api/v1/service-accounts/$spare_service/revoke", "",              "1A 333 33 33 333 13", ""),
    ("GET /api/v1/board-tokens",              "/api/v1/board-tokens",                           "",                  "1A 3A3 33 33 333 13", ""),
    ("POST /api/v1/board-tokens",             "/api/v1/board-tokens",                           r#"{"name":"Bảng $n","unit_id":$home}"#, "1A 3A3 33 33 333 13", "1A 444 44 44 444 14"),
    ("POST /api/v1/board-tokens/{id}/revoke", "/api/v1/board-tokens/$fresh_board/revoke",       "",                  "1A 3A3 44 33 443 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/audit",                     "/api/v1/audit",                                  "",                  "1A 333 33 33 333 13", ""),
    // Directives and tasks: the inside task is issued by the province
    // through its Office, led by Sở Tài chính and coordinated by Sở Xây
    // dựng and Xã Tân Sơn, so every demo role has a capacity on it.
    ("GET /api/v1/directives",                "/api/v1/directives",                             "",                  "1A AAA AA AA AAA 1A", ""),
    ("POST /api/v1/directives",               "/api/v1/directives",                             r#"{"issuing_unit_id":$province,"office_unit_id":$office,"issuer":"chair","kind":"conclusion_notice","number":"$n/TB-UBND","issued_on":"2026-01-10","summary":"Kết luận thử"}"#, "1A AAA 44 33 443 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/directives/{id}",           "/api/v1/directives/$directive",                  "",                  "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    ("POST /api/v1/directives/{id}/tasks",    "/api/v1/directives/$directive/tasks",            r#"{"content":"Việc thử $n","lead_unit_id":$lead,"deadline":"2027-12-31"}"#, "1A AAA 44 33 443 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/tasks/export.xlsx",         "/api/v1/tasks/export.xlsx",                      "",                  "1A AAA AA AA AAA 1A", ""),
    ("GET /api/v1/tasks",                     "/api/v1/tasks",                                  "",                  "1A AAA AA AA AAA 1A", ""),
    ("GET /api/v1/tasks/{id}",                "/api/v1/tasks/$task",                            "",                  "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    // A comment is for every party but an observer (the administrator,
    // and grants over the issuing province without a part in the task).
    ("POST /api/v1/tasks/{id}/actions",       "/api/v1/tasks/$task/actions",                    r#"{"action":"comment","note":"Ý kiến $n"}"#, "13 AAA AA 33 3A3 13", "13 444 44 44 444 14"),
    // Forwarding is the lead agency's; the target is the lead itself,
    // which the rule refuses (422) after the check.
    ("POST /api/v1/tasks/{id}/subtasks",      "/api/v1/tasks/$task/subtasks",                   r#"{"content":"Phần việc $n","lead_unit_id":$lead}"#, "13 333 AA 33 333 13", "13 444 44 44 444 14"),
    ("GET /api/v1/task-stats/export.xlsx",    "/api/v1/task-stats/export.xlsx",                 "",                  "1A AAA AA AA AAA 1A", ""),
    ("GET /api/v1/task-stats",                "/api/v1/task-stats",                             "",                  "1A AAA AA AA AAA 1A", ""),
    ("POST /api/v1/attachments",              "/api/v1/attachments",                            "@attachment",       "1A AAA AA AA AAA 1A", ""),
    ("GET /api/v1/attachments/{id}",          "/api/v1/attachments/$attachment",                "",                  "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    ("GET /api/v1/attachments/{id}/content",  "/api/v1/attachments/$attachment/content",        "",                  "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    // Programme funds: programmes and sources are global data of the
    // fund managers; money is scoped to the holder's unit.
    ("GET /api/v1/programmes",                "/api/v1/programmes",                             "",                  "1A AAA AA AA AAA 1A", ""),
    ("POST /api/v1/programmes",               "/api/v1/programmes",                             r#"{"code":"MT$n","name":"Chương trình thử $n","phases":[{"name":"Giai đoạn I","start_year":2026,"end_year":2030}],"components":[{"code":"CSHT","name":"Cơ sở hạ tầng"}]}"#, "1A 333 33 A3 333 13", ""),
    ("GET /api/v1/programmes/{id}/beneficiaries", "/api/v1/programmes/$programme/beneficiaries?year=2026", "",       "1A AAA AA AA AAA 1A", ""),
    ("POST /api/v1/programmes/{id}/beneficiaries", "/api/v1/programmes/$programme/beneficiaries", r#"{"year":2026,"decision":"$n/QĐ-TTg","entries":[{"unit_id":$commune,"category":"extremely_difficult_commune"}]}"#, "1A 333 33 A3 333 13", ""),
    ("GET /api/v1/fund-sources",              "/api/v1/fund-sources",                           "",                  "1A AAA AA AA AAA 1A", ""),
    ("POST /api/v1/fund-sources",             "/api/v1/fund-sources",                           r#"{"code":"NGUON$n","name":"Nguồn thử $n"}"#, "1A 333 33 A3 333 13", ""),
    ("PATCH /api/v1/fund-projects/{id}",      "/api/v1/fund-projects/$project",                 r#"{"investor":"UBND xã $n"}"#, "1A 344 44 A3 433 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/fund-projects",             "/api/v1/fund-projects",                          "",                  "1A AAA AA AA AAA 1A", ""),
    ("POST /api/v1/fund-projects",            "/api/v1/fund-projects",                          r#"{"unit_id":$home,"programme_id":$programme,"component_id":$component,"name":"Dự án $n","investor":"UBND","planned_cost":1000000,"start_on":"2026-03-01","end_on":"2026-12-31"}"#, "1A 333 33 A3 333 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/allocations",               "/api/v1/allocations?unit_id=$home",              "",                  "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    ("POST /api/v1/allocations",              "/api/v1/allocations",                            r#"{"programme_id":$programme,"year":2026,"component_id":$component,"source_id":$source,"to_unit_id":$home,"amount":1000,"decision_number":"$n/QĐ-UBND","decision_date":"2026-02-15"}"#, "1A 333 33 A3 333 13", "1A 444 44 44 444 14"),
    ("POST /api/v1/allocations/{id}/adjustments", "/api/v1/allocations/$allocation/adjustments", r#"{"amount":1000,"decision_number":"$n/QĐ-UBND","decision_date":"2026-08-01"}"#, "1A 344 44 A3 433 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/disbursements",             "/api/v1/disbursements?unit_id=$home",            "",                  "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    ("POST /api/v1/disbursements",            "/api/v1/disbursements",                          r#"{"programme_id":$programme,"year":2026,"component_id":$component,"source_id":$source,"unit_id":$home,"amount":999999999999,"reversal":false,"paid_on":"2026-06-30","voucher":"KB-$n"}"#, "1A 333 33 A3 3A3 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/fund-reports/allocation/export.xlsx", "/api/v1/fund-reports/allocation/export.xlsx?unit_id=$home&programme_id=$programme&year_from=2026", "", "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    ("GET /api/v1/fund-reports/allocation",   "/api/v1/fund-reports/allocation?unit_id=$home&programme_id=$programme&year_from=2026", "", "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    ("GET /api/v1/fund-reports/warnings",     "/api/v1/fund-reports/warnings?unit_id=$home&programme_id=$programme&year=2026", "", "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    ("GET /api/v1/fund-reports/disbursement/export.xlsx", "/api/v1/fund-reports/disbursement/export.xlsx?unit_id=$home&programme_id=$programme&year_from=2026", "", "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    ("GET /api/v1/fund-reports/disbursement", "/api/v1/fund-reports/disbursement?unit_id=$home&programme_id=$programme&year_from=2026", "", "1A AAA AA AA AAA 1A", "1A 444 44 44 444 14"),
    // NTM: criteria sets are global data of the coordinators; the inside
    // evaluation is Xã Tân Sơn's in a round of its own.
    ("GET /api/v1/criteria-sets",             "/api/v1/criteria-sets",                          "",                  "1A AAA AA AA AAA 1A", ""),
    ("POST /api/v1/criteria-sets",            "/api/v1/criteria-sets",                          "$set_body",         "1A 333 33 3A 333 13", ""),
    ("GET /api/v1/criteria-sets/{id}",        "/api/v1/criteria-sets/$set",                     "",                  "1A AAA AA AA AAA 1A", ""),
    ("PUT /api/v1/criteria-sets/{id}",        "/api/v1/criteria-sets/$set",                     "$set_body",         "1A 333 33 3A 333 13", ""),
    ("POST /api/v1/criteria-sets/{id}/publish", "/api/v1/criteria-sets/$set/publish",           "",                  "1A 333 33 3A 333 13", ""),
    ("POST /api/v1/criteria-sets/{id}/versions", "/api/v1/criteria-sets/$set/versions",         "",                  "1A 333 33 3A 333 13", ""),
    ("GET /api/v1/evaluation-rounds",         "/api/v1/evaluation-rounds",                      "",                  "1A AAA AA AA AAA 1A", ""),
    ("POST /api/v1/evaluation-rounds",        "/api/v1/evaluation-rounds",                      r#"{"set_id":$set,"name":"Đợt $n","kind":"annual","year":$year,"period_from":"$year-01-01","period_to":"$year-12-31","opens_on":"$today","closes_on":"$year-12-31","default_region":"TDMNPB","participants":[{"unit_id":$commune}]}"#, "1A 333 33 3A 333 13", "1A 333 33 3S 333 13"),
    ("GET /api/v1/evaluation-rounds/{id}",    "/api/v1/evaluation-rounds/$round",               "",                  "1A A44 44 AA 4AA 1A", "1A 444 44 44 444 14"),
    ("GET /api/v1/evaluations",               "/api/v1/evaluations?round_id=$round",            "",                  "1A AAA AA AA AAA 1A", "1A AAA AA AA AAA 1A"),
    ("GET /api/v1/ntm-reviews/awaiting",      "/api/v1/ntm-reviews/awaiting",                   "",                  "1A AAA AA AA AAA 1A", ""),
    ("GET /api/v1/evaluations/{id}",          "/api/v1/evaluations/$evaluation",                "",                  "1A A44 44 AA AAA 1A", "1A 444 44 44 444 14"),
    ("PUT /api/v1/evaluations/{id}/values",   "/api/v1/evaluations/$evaluation/values",         r#"{"values":[]}"#,  "1A 344 44 33 3A3 13", "1A 444 44 44 444 14"),
    ("POST /api/v1/evaluations/{id}/review",  "/api/v1/evaluations/$evaluation/review",         r#"{"action":"submit"}"#, "1A 344 44 33 3A3 13", "1A 444 44 44 444 14"),
    ("POST /api/v1/evaluations/{id}/reopen",  "/api/v1/evaluations/$evaluation/reopen",         r#"{"until":"$year-12-31","reason":"Bổ sung $n"}"#, "1A 344 44 3A 433 13", "1A 444 44 44 444 14"),
    ("POST /api/v1/evaluations/{id}/criteria/{number}/tasks", "/api/v1/evaluations/$evaluation/criteria/1/tasks", r#"{"directive_id":$directive,"lead":"unit","content":"Hoàn thiện tiêu chí $n"}"#, "1A 344 44 3A 433 13", "1A 444 44 44 444 14"),
    ("GET /api/v1/ntm-stats/export.xlsx",     "/api/v1/ntm-stats/export.xlsx?round_id=$round&unit_id=$home", "",      "1A A44 44 AA 4AA 1A", "1A 444 44 44 444 14"),
    ("GET /api/v1/ntm-stats",                 "/api/v1/ntm-stats?round_id=$round&unit_id=$home", "",                 "1A A44 44 AA 4AA 1A", "1A 444 44 44 444 14"),
    // Imports: a Programme 135 report is the fund managers'; an import of
    // a kind the caller may not import, or about a unit outside the scope
    // where the caller may, is answered as missing.
    ("GET /api/v1/imports",                   "/api/v1/imports",                                "",                  "1A AAA AA AA AAA 1A", ""),
    ("POST /api/v1/imports",                  "/api/v1/imports",                                "@import",           "1A 333 33 A3 333 13", ""),
    ("GET /api/v1/imports/{id}",              "/api/v1/imports/$import",                        "",                  "1A 444 44 A4 444 14", "1A 444 44 44 444 14"),
    ("POST /api/v1/imports/{id}/commit",      "/api/v1/imports/$import/commit",                 "{}",                "1A 444 44 A4 444 14", "1A 444 44 44 444 14"),
    ("POST /api/v1/imports/{id}/rollback",    "/api/v1/imports/$import/rollback",               "",                  "1A 444 44 A4 444 14", "1A 444 44 44 444 14"),
    ("GET /api/v1/imports/templates/{file}",  "/api/v1/imports/templates/p135_allocation_report.xlsx?org_unit_id=$home", "", "1A 333 33 A3 333 13", "1A 333 33 43 333 13"),
    ("GET /api/v1/agency-aliases",            "/api/v1/agency-aliases",                         "",                  "1A AAA 33 AA 333 13", ""),
    ("POST /api/v1/agency-aliases",           "/api/v1/agency-aliases",                         r#"{"alias":"STC$n","name":"Sở Tài chính"}"#, "1A 333 33 33 333 13", ""),
    // The board opens to a board token only (given in the query).
    ("GET /api/v1/board",                     "/api/v1/board?token=$board_token",               "",                  "11 111 11 11 111 A1", ""),
    // Notifications are the caller's own: Xã Tân Sơn's is missing to
    // everyone else, the administrator included; a service account has
    // none (403).
    ("GET /api/v1/notifications",             "/api/v1/notifications",                          "",                  "1A AAA AA AA AAA 13", ""),
    ("POST /api/v1/notifications/read-all",   "/api/v1/notifications/read-all",                 "",                  "1A AAA AA AA AAA 13", ""),
    ("POST /api/v1/notifications/{id}/read",  "/api/v1/notifications/$notification/read",       "",                  "14 444 44 44 4A4 13", ""),
];

/// Served outside the OpenAPI document, open to everyone.
const UNDOCUMENTED: &[Row] = &[
    ("GET /metrics", "/metrics", "", "AA AAA AA AA AAA AA", ""),
    (
        "GET /api/openapi.json",
        "/api/openapi.json",
        "",
        "AA AAA AA AA AAA AA",
        "",
    ),
];

/// `METHOD /path` of every operation in the committed OpenAPI document.
fn documented_operations() -> BTreeSet<String> {
    let path = workspace_root().join("openapi/openapi.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let spec: Value = serde_json::from_str(&text).expect("the OpenAPI document is JSON");
    let mut out = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                out.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    out
}

#[test]
fn every_documented_operation_has_a_row() {
    let documented = documented_operations();
    let rows: BTreeSet<String> = TABLE.iter().map(|r| r.0.to_owned()).collect();
    assert_eq!(rows.len(), TABLE.len(), "an operation has two rows");
    let missing: Vec<&String> = documented.difference(&rows).collect();
    let stale: Vec<&String> = rows.difference(&documented).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "the authorization matrix and openapi/openapi.json differ:\n  \
         operations without a row: {missing:?}\n  rows for no operation: {stale:?}"
    );
    for (op, _, _, inside, outside) in TABLE.iter().chain(UNDOCUMENTED) {
        assert_eq!(codes(inside).len(), PRINCIPALS.len(), "{op}: inside");
        assert!(
            outside.is_empty() || codes(outside).len() == PRINCIPALS.len(),
            "{op}: outside"
        );
    }
}

fn codes(column: &str) -> Vec<char> {
    column.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The outcome code of an answer, as written in [`TABLE`].
fn outcome(status: u16, problem: &Value) -> char {
    let out_of_scope = problem["errors"]
        .as_array()
        .is_some_and(|errors| errors.iter().any(|e| e["code"] == "out_of_scope"));
    match status {
        401 => '1',
        403 => '3',
        404 => '4',
        422 if out_of_scope => 'S',
        200..=299 | 409 | 422 => 'A',
        _ => '?',
    }
}

/// Units, keyed by home: inside (the demo province) and outside (the
/// province created for the test).
struct Place {
    province: i64,
    office: i64,
    finance: i64,
    construction: i64,
    commune: i64,
}

impl Place {
    fn unit(&self, home: Home) -> i64 {
        match home {
            Home::Province => self.province,
            Home::Office => self.office,
            Home::Finance => self.finance,
            Home::Construction => self.construction,
            Home::Commune => self.commune,
        }
    }
}

/// What the rows point at, inside and outside.
struct Side {
    place: Place,
    names: BTreeMap<i64, String>,
    /// A user without grants on each home unit.
    users: BTreeMap<Home, i64>,
    directive: i64,
    task: i64,
    attachment: i64,
    project: i64,
    allocation: i64,
    round: i64,
    evaluation: i64,
}

struct Fixtures {
    admin: String,
    tokens: Vec<String>,
    board_token: String,
    inside: Side,
    outside: Side,
    programme: i64,
    component: i64,
    source: i64,
    set: i64,
    set_body: String,
    /// A Programme 135 import inside and outside.
    imports: (i64, i64),
    spare_service: i64,
    notification: i64,
}

fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(7)).date_naive()
}

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    TestApp::expect(app.post_as(token, path, &body).await, 201).await
}

async fn id_of(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    created(app, token, path, body).await["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("POST {path}: no id"))
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn p135_sample() -> Vec<u8> {
    std::fs::read(workspace_root().join("data/samples/p135_tan-son_2014.xlsx")).expect("sample")
}

impl Fixtures {
    async fn prepare(app: &TestApp) -> Self {
        let admin = app.token("admin").await;
        let (_, board) = app.office_board_token().await;
        let board_token = board["token"].as_str().expect("board token").to_owned();
        let province = app.unit_id(&admin, "Tỉnh Phú Thọ").await;
        let inside = Place {
            province,
            office: app.unit_id(&admin, "Văn phòng UBND tỉnh Phú Thọ").await,
            finance: app.unit_id(&admin, "Sở Tài chính").await,
            construction: app.unit_id(&admin, "Sở Xây dựng").await,
            commune: app.unit_id(&admin, "Xã Tân Sơn").await,
        };
        let other = id_of(
            app,
            &admin,
            "/api/v1/org-units",
            json!({"code": "99", "name": "Tỉnh Ngoài Phạm Vi", "kind": "province", "unit_type": "tỉnh"}),
        )
        .await;
        let agency = |name: &str| json!({"name": name, "kind": "agency", "unit_type": "sở", "parent_id": other});
        let outside = Place {
            province: other,
            office: id_of(app, &admin, "/api/v1/org-units", agency("Văn phòng UBND tỉnh Ngoài Phạm Vi")).await,
            finance: id_of(app, &admin, "/api/v1/org-units", agency("Sở Tài chính tỉnh Ngoài")).await,
            construction: id_of(app, &admin, "/api/v1/org-units", agency("Sở Xây dựng tỉnh Ngoài")).await,
            commune: id_of(
                app,
                &admin,
                "/api/v1/org-units",
                json!({"name": "Xã Ngoài Phạm Vi", "kind": "commune", "unit_type": "xã", "parent_id": other}),
            )
            .await,
        };
        let programme = created(
            app,
            &admin,
            "/api/v1/programmes",
            json!({
                "code": "MATRAN", "name": "Chương trình của ma trận",
                "phases": [{"name": "Giai đoạn I", "start_year": 2026, "end_year": 2030}],
                "components": [{"code": "CSHT", "name": "Đầu tư cơ sở hạ tầng"}]
            }),
        )
        .await;
        let component = programme["components"][0]["id"]
            .as_i64()
            .expect("component");
        let sources = TestApp::expect(app.get_as(&admin, "/api/v1/fund-sources").await, 200).await;
        let source = sources
            .as_array()
            .and_then(|s| s.iter().find(|s| s["code"] == "NSTW_DTPT"))
            .and_then(|s| s["id"].as_i64())
            .expect("fund source NSTW_DTPT");
        let programme = programme["id"].as_i64().expect("programme id");
        let sets = TestApp::expect(app.get_as(&admin, "/api/v1/criteria-sets").await, 200).await;
        let set = sets
            .as_array()
            .and_then(|s| s.iter().find(|s| s["status"] == "published"))
            .and_then(|s| s["id"].as_i64())
            .expect("a published criteria set");
        let set_body = TestApp::expect(
            app.get_as(&admin, &format!("/api/v1/criteria-sets/{set}"))
                .await,
            200,
        )
        .await;
        // The other province's round uses a copy of the set whose criteria
        // its own department owns, as a set of that province would.
        let mut foreign = set_body.clone();
        foreign["code"] = json!("MATRAN-NGOAI");
        if let Some(criteria) = foreign["criteria"].as_array_mut() {
            for c in criteria {
                c["department_unit_id"] = json!(outside.construction);
            }
        }
        let foreign = id_of(app, &admin, "/api/v1/criteria-sets", foreign).await;
        let publish = format!("/api/v1/criteria-sets/{foreign}/publish");
        TestApp::expect(app.post_as(&admin, &publish, &json!({})).await, 200).await;
        let money = Money {
            programme,
            component,
            source,
        };
        let inside = money.side(app, &admin, inside, set, "TRONG").await;
        let outside = money.side(app, &admin, outside, foreign, "NGOAI").await;
        let set_body = set_body.to_string();
        // Inside: the sample names its district (Tân Sơn, Phú Thọ before
        // 2025); outside: the same report given as a district's of the
        // other province.
        let district = id_of(
            app,
            &admin,
            "/api/v1/org-units",
            json!({"name": "Huyện Ngoài Phạm Vi", "kind": "district", "unit_type": "huyện", "parent_id": outside.place.province}),
        )
        .await;
        let mut imports = Vec::new();
        for fields in [vec![], vec![("org_unit_id", district.to_string())]] {
            let res = app
                .import_with(&admin, "p135_tan-son_2014.xlsx", p135_sample(), &fields)
                .await;
            imports.push(
                TestApp::expect(res, 201).await["id"]
                    .as_i64()
                    .expect("import id"),
            );
        }
        let spare_service = created(
            app,
            &admin,
            "/api/v1/service-accounts",
            json!({"name": "Dự phòng", "role": "viewer", "unit_id": province}),
        )
        .await["account"]["id"]
            .as_i64()
            .expect("service account id");
        let key = created(
            app,
            &admin,
            "/api/v1/service-accounts",
            json!({"name": "Cổng dữ liệu", "role": "viewer", "unit_id": province}),
        )
        .await["key"]
            .as_str()
            .expect("service key")
            .to_owned();
        let service = TestApp::expect(
            app.post("/api/v1/auth/service-token", &json!({"key": key}))
                .await,
            200,
        )
        .await["access_token"]
            .as_str()
            .expect("service token")
            .to_owned();
        let mut tokens = Vec::new();
        for (i, (_, username, _)) in PRINCIPALS.iter().enumerate() {
            tokens.push(match i {
                ANON => String::new(),
                BOARD => board_token.clone(),
                SERVICE => service.clone(),
                _ => app.token(username).await,
            });
        }
        let commune_officer = &tokens[COMMUNE_OFFICER];
        let notices = TestApp::expect(
            app.get_as(commune_officer, "/api/v1/notifications").await,
            200,
        )
        .await;
        let notification = notices["items"][0]["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("the demo gives Xã Tân Sơn a notification: {notices}"));
        Fixtures {
            admin,
            tokens,
            board_token,
            inside,
            outside,
            programme,
            component,
            source,
            set,
            set_body,
            imports: (imports[0], imports[1]),
            spare_service,
            notification,
        }
    }
}

/// The matrix's own programme, to build each side's money on.
struct Money {
    programme: i64,
    component: i64,
    source: i64,
}

impl Money {
    /// The objects of one side: its units' names, a user without grants
    /// on each home unit, a directive with one task and a file, an
    /// allocation and a project of its commune, and a round of the
    /// published criteria set `set` over the commune.
    async fn side(&self, app: &TestApp, admin: &str, place: Place, set: i64, tag: &str) -> Side {
        let mut names = BTreeMap::new();
        for home in HOMES {
            let id = place.unit(home);
            let unit = TestApp::expect(
                app.get_as(admin, &format!("/api/v1/org-units/{id}")).await,
                200,
            )
            .await;
            names.insert(id, unit["name"].as_str().expect("unit name").to_owned());
        }
        let mut users = BTreeMap::new();
        for (i, home) in HOMES.into_iter().enumerate() {
            let body = json!({
                "username": format!("matran.{}.{i}", tag.to_lowercase()), "full_name": "Người Thử",
                "primary_unit_id": place.unit(home), "password": "matkhau-moi-2026"
            });
            users.insert(home, id_of(app, admin, "/api/v1/users", body).await);
        }
        let file = TestApp::expect(app.upload(admin, "Văn bản.pdf", PDF.to_vec()).await, 201).await;
        let attachment = file["id"].as_i64().expect("attachment id");
        let directive = created(
            app,
            admin,
            "/api/v1/directives",
            json!({
                "issuing_unit_id": place.province, "office_unit_id": place.office,
                "issuer": "chair", "kind": "conclusion_notice", "number": format!("1/{tag}"),
                "issued_on": "2026-01-05", "summary": "Chỉ đạo của ma trận phân quyền",
                "attachment_ids": [attachment],
                "tasks": [{
                    "content": "Nhiệm vụ của ma trận phân quyền", "lead_unit_id": place.finance,
                    "coordinating_unit_ids": [place.construction, place.commune],
                    "deadline": "2027-12-31"
                }]
            }),
        )
        .await;
        let allocation = id_of(
            app,
            admin,
            "/api/v1/allocations",
            json!({
                "programme_id": self.programme, "year": 2026, "component_id": self.component,
                "source_id": self.source, "to_unit_id": place.commune, "amount": 1_000_000,
                "decision_number": format!("1/{tag}"), "decision_date": "2026-02-15"
            }),
        )
        .await;
        let project = id_of(
            app,
            admin,
            "/api/v1/fund-projects",
            json!({
                "unit_id": place.commune, "programme_id": self.programme,
                "component_id": self.component, "name": format!("Dự án {tag}"),
                "investor": "UBND xã", "planned_cost": 1_000_000,
                "start_on": "2026-03-01", "end_on": "2026-12-31"
            }),
        )
        .await;
        let year = chrono::Datelike::year(&today());
        let round = id_of(
            app,
            admin,
            "/api/v1/evaluation-rounds",
            json!({
                "set_id": set, "name": format!("Đợt của ma trận {tag}"), "kind": "annual",
                "year": year, "period_from": format!("{year}-01-01"), "period_to": format!("{year}-12-31"),
                "opens_on": today() - chrono::Duration::days(1), "closes_on": today() + chrono::Duration::days(30),
                "default_region": "TDMNPB", "participants": [{"unit_id": place.commune}]
            }),
        )
        .await;
        let evaluations = TestApp::expect(
            app.get_as(admin, &format!("/api/v1/evaluations?round_id={round}"))
                .await,
            200,
        )
        .await;
        Side {
            names,
            users,
            directive: directive["id"].as_i64().expect("directive id"),
            task: directive["tasks"][0]["id"].as_i64().expect("task id"),
            attachment,
            project,
            allocation,
            round,
            evaluation: evaluations[0]["id"].as_i64().expect("evaluation id"),
            place,
        }
    }
}

const HOMES: [Home; 5] = [
    Home::Province,
    Home::Office,
    Home::Finance,
    Home::Construction,
    Home::Commune,
];

/// One call of the matrix: who, on which side.
struct Call {
    principal: usize,
    outside: bool,
    serial: usize,
}

impl Fixtures {
    fn side(&self, outside: bool) -> &Side {
        if outside {
            &self.outside
        } else {
            &self.inside
        }
    }

    /// The value of `$name` for this call.
    fn value(&self, name: &str, call: &Call) -> String {
        let side = self.side(call.outside);
        let home = PRINCIPALS[call.principal].2;
        let year = chrono::Datelike::year(&today());
        let v = match name {
            "home" => side.place.unit(home),
            "home_name" => return side.names[&side.place.unit(home)].clone(),
            "home_user" => side.users[&home],
            "province" => side.place.province,
            "office" => side.place.office,
            "lead" => side.place.finance,
            "commune" => side.place.commune,
            "directive" => side.directive,
            "task" => side.task,
            "attachment" => side.attachment,
            "project" => side.project,
            "allocation" => side.allocation,
            "round" => side.round,
            "evaluation" => side.evaluation,
            "programme" => self.programme,
            "component" => self.component,
            "source" => self.source,
            "set" => self.set,
            "set_body" => return self.set_body.clone(),
            "import" if call.outside => self.imports.1,
            "import" => self.imports.0,
            "spare_service" => self.spare_service,
            "notification" => self.notification,
            "board_token" => {
                return match call.principal {
                    BOARD => self.board_token.clone(),
                    _ => self.tokens[call.principal].clone(),
                }
            }
            "today" => return today().to_string(),
            // Made for each call by `Fixtures::fresh`.
            "fresh_grant" | "fresh_board" => return format!("${name}"),
            "year" => i64::from(year),
            "n" => i64::try_from(call.serial).unwrap_or_default(),
            other => panic!("unknown placeholder ${other}"),
        };
        v.to_string()
    }

    /// The template with every `$name` replaced for this call (the
    /// `$fresh_…` ones are left for [`Fixtures::fresh`]).
    fn resolve(&self, template: &str, call: &Call) -> String {
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let tail = &rest[at + 1..];
            let len = tail
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .unwrap_or(tail.len());
            out.push_str(&self.value(&tail[..len], call));
            rest = &tail[len..];
        }
        out.push_str(rest);
        out
    }

    /// Replaces `$fresh_grant` and `$fresh_board` with an object made for
    /// this call by the administrator, so that an earlier principal's
    /// delete or revoke cannot change the answer: a viewer grant of the
    /// home user on the home unit (found, if an earlier row left one), and
    /// a board token of the side's Office.
    async fn fresh(&self, app: &TestApp, path: String, call: &Call) -> String {
        let side = self.side(call.outside);
        if path.contains("$fresh_board") {
            let body =
                json!({"name": format!("Bảng {}", call.serial), "unit_id": side.place.office});
            let id = created(app, &self.admin, "/api/v1/board-tokens", body).await["board_token"]
                ["id"]
                .as_i64()
                .expect("board token id");
            return path.replace("$fresh_board", &id.to_string());
        }
        if !path.contains("$fresh_grant") {
            return path;
        }
        let home = PRINCIPALS[call.principal].2;
        let (user, unit) = (side.users[&home], side.place.unit(home));
        let grants_path = format!("/api/v1/users/{user}/grants");
        let grants = TestApp::expect(app.get_as(&self.admin, &grants_path).await, 200).await;
        let existing = grants.as_array().and_then(|g| {
            g.iter()
                .find(|g| g["role"] == "viewer" && g["unit_id"] == unit)
                .and_then(|g| g["id"].as_i64())
        });
        let id = match existing {
            Some(id) => id,
            None => {
                let body = json!({"role": "viewer", "unit_id": unit});
                id_of(app, &self.admin, &grants_path, body).await
            }
        };
        path.replace("$fresh_grant", &id.to_string())
    }
}

/// Sends one call; its outcome code.
async fn send(app: &TestApp, fx: &Fixtures, row: &Row, call: &Call) -> (char, u16) {
    let (op, path, body, _, _) = *row;
    let token = &fx.tokens[call.principal];
    let path = fx.fresh(app, fx.resolve(path, call), call).await;
    let res = match body {
        "@attachment" => app.upload(token, "Tài liệu.pdf", PDF.to_vec()).await,
        "@import" => {
            app.import(token, "p135_tan-son_2014.xlsx", p135_sample(), None)
                .await
        }
        _ => {
            let method = op.split(' ').next().and_then(|m| m.parse::<Method>().ok());
            let method = method.unwrap_or_else(|| panic!("{op}: method"));
            let body: Option<Value> = (!body.is_empty()).then(|| {
                let text = fx.resolve(body, call);
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{op}: body {text}: {e}"))
            });
            app.call(token, method, &path, body.as_ref()).await
        }
    };
    let status = res.status().as_u16();
    let problem: Value = res.json().await.unwrap_or_default();
    (outcome(status, &problem), status)
}

async fn every_route_as_every_principal(app: TestApp) {
    let started = std::time::Instant::now();
    let fx = Fixtures::prepare(&app).await;
    let mut mismatches = Vec::new();
    let (mut requests, mut serial) = (0_usize, 0_usize);
    for row in TABLE.iter().chain(UNDOCUMENTED) {
        let (op, _, _, inside, outside) = row;
        let sides = [(false, codes(inside)), (true, codes(outside))];
        for (is_outside, expected) in sides.iter().filter(|(_, c)| !c.is_empty()) {
            for (principal, want) in expected.iter().enumerate() {
                serial += 1;
                let call = Call {
                    principal,
                    outside: *is_outside,
                    serial,
                };
                let (got, status) = send(&app, &fx, row, &call).await;
                requests += 1;
                if got != *want {
                    mismatches.push(format!(
                        "{op} as {} {}: expected {want}, got {status}",
                        PRINCIPALS[principal].0,
                        if *is_outside { "outside" } else { "inside" },
                    ));
                }
            }
        }
    }
    // A list answers everyone; its scope is what it holds. The imports
    // list: the administrator's holds both imports, the fund manager's
    // only the one inside.
    for (principal, want) in [(ADMIN, [true, true]), (FUND_MANAGER, [true, false])] {
        let res = app.get_as(&fx.tokens[principal], "/api/v1/imports").await;
        let list = TestApp::expect(res, 200).await;
        let ids: Vec<i64> = list
            .as_array()
            .map(|l| l.iter().filter_map(|i| i["id"].as_i64()).collect())
            .unwrap_or_default();
        let got = [ids.contains(&fx.imports.0), ids.contains(&fx.imports.1)];
        if got != want {
            mismatches.push(format!(
                "GET /api/v1/imports as {}: holds the inside and outside imports {got:?}, expected {want:?}",
                PRINCIPALS[principal].0
            ));
        }
    }
    println!(
        "authorization matrix ({:?}): {} operations × {} principals × inside/outside = {requests} requests in {:.1?}",
        app.backend,
        TABLE.len() + UNDOCUMENTED.len(),
        PRINCIPALS.len(),
        started.elapsed(),
    );
    assert!(
        mismatches.is_empty(),
        "{} of {requests} calls differ from the matrix:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
