//! NTM (*nông thôn mới*) criteria evaluation over HTTP: versioned criteria
//! sets, rounds with their review chain, the commune's self-assessment
//! with evidence, criterion-by-criterion review by districts, departments,
//! the coordination office and the People's Committee, reopening after the
//! close date, statistics and their spreadsheet, scope, and tasks raised
//! from unmet criteria.
//!
//! Every test defines its own sets (codes unique per test) and rounds, and
//! looks only at its own rounds: the demo's NTM data never enters its
//! figures.

use blackbox::{backend_tests, json, reqwest, TestApp, Value};
use chrono::Datelike;
use reqwest::Method;

backend_tests!(demo:
    configure_a_set,
    a_post_reform_round_end_to_end,
    a_pre_reform_round_has_a_district_stage,
    entry_locks_after_close_and_reopens,
    statistics_match_a_hand_computed_fixture,
    out_of_scope_answers_404,
    criterion_task_links_back,
);

/// A small valid PDF, as evidence.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

/// Password of the accounts the tests create.
const PASSWORD: &str = "matkhau-ntm-2026";

/// The standard chain's stage names, by index.
const STAGES: [&str; 5] = [
    "Xã tự đánh giá",
    "Huyện thẩm tra",
    "Sở, ngành thẩm định",
    "Văn phòng Điều phối NTM tổng hợp",
    "UBND tỉnh công nhận",
];

/// Today in Vietnam (the date the server's rules use), moved by `days`.
fn day(days: i64) -> chrono::NaiveDate {
    (chrono::Utc::now().naive_utc() + chrono::Duration::hours(7) + chrono::Duration::days(days))
        .date()
}

/// The `errors[].code` of a problem.
fn codes(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A response that must be a problem with `status` naming `code`.
async fn refused(res: reqwest::Response, status: u16, code: &str) -> Value {
    let body = TestApp::expect(res, status).await;
    assert!(
        codes(&body).iter().any(|c| c == code),
        "expected {code} in {body}"
    );
    body
}

/// The units the tests use.
struct Units {
    province: i64,
    construction: i64,
    health: i64,
    tan_son: i64,
}

async fn units(app: &TestApp, token: &str) -> Units {
    Units {
        province: app.unit_id(token, "Tỉnh Phú Thọ").await,
        construction: app.unit_id(token, "Sở Xây dựng").await,
        health: app.unit_id(token, "Sở Y tế").await,
        tan_son: app.unit_id(token, "Xã Tân Sơn").await,
    }
}

/// Current rural communes (*xã*) of the province other than Xã Tân Sơn,
/// `n` of them, by id.
async fn other_communes(app: &TestApp, token: &str, province: i64, n: usize) -> Vec<i64> {
    let page = TestApp::expect(
        app.get_as(
            token,
            &format!(
                "/api/v1/org-units?kind=commune&parent_id={province}&as_of={}&limit=200",
                day(0)
            ),
        )
        .await,
        200,
    )
    .await;
    let found: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["name"].as_str().unwrap().starts_with("Xã ") && u["name"] != "Xã Tân Sơn")
        .map(|u| u["id"].as_i64().unwrap())
        .take(n)
        .collect();
    assert_eq!(found.len(), n, "{n} communes");
    found
}

/// A user with one role on one unit, signed in.
async fn new_user(app: &TestApp, admin: &str, username: &str, unit: i64, role: &str) -> String {
    let user = TestApp::expect(
        app.post_as(
            admin,
            "/api/v1/users",
            &json!({"username": username, "full_name": format!("Cán bộ {username}"),
                    "primary_unit_id": unit, "password": PASSWORD}),
        )
        .await,
        201,
    )
    .await;
    TestApp::expect(
        app.post_as(
            admin,
            &format!("/api/v1/users/{}/grants", user["id"]),
            &json!({"role": role, "unit_id": unit}),
        )
        .await,
        201,
    )
    .await;
    let signed = TestApp::expect(app.login_pair(username, PASSWORD).await, 200).await;
    signed["access_token"].as_str().unwrap().to_owned()
}

/// A three-criteria commune set: criteria 1 and 2 owned by Sở Xây dựng,
/// 3 by Sở Y tế; a percent indicator with a generic target of 50 and 45
/// for the Central Highlands (TN), a yes/no one, a choice one, and a text
/// one that is never scored.
fn rural_set(code: &str, u: &Units) -> Value {
    json!({
        "code": code,
        "name": format!("Bộ tiêu chí xã nông thôn mới thử nghiệm {code}"),
        "level": "commune",
        "variant": "ntm",
        "legal_basis": "Quyết định 318/QĐ-TTg ngày 08/3/2022",
        "valid_from": "2022-03-08",
        "criteria": [
            {"number": 1, "name": "Giao thông", "group": "II", "department_unit_id": u.construction,
             "indicators": [
                {"code": "1.1", "name": "Tỷ lệ đường xã được nhựa hóa, bê tông hóa",
                 "value_type": "percent", "unit": "%", "comparator": "gte",
                 "targets": [{"value": {"number": "50"}}, {"value": {"number": "45"}, "region": "TN"}]},
                {"code": "1.2", "name": "Đường xã được bảo trì hằng năm",
                 "value_type": "boolean", "comparator": "is_true", "targets": [{"value": {"bool": true}}]}
             ]},
            {"number": 2, "name": "Nhà ở dân cư", "group": "II", "department_unit_id": u.construction,
             "indicators": [
                {"code": "2.1", "name": "Nhà tạm, dột nát", "value_type": "choice", "comparator": "one_of",
                 "choices": ["Không còn", "Còn ít", "Còn nhiều"],
                 "targets": [{"value": {"choice": ["Không còn"]}}]}
             ]},
            {"number": 3, "name": "Y tế", "group": "IV", "department_unit_id": u.health,
             "indicators": [
                {"code": "3.1", "name": "Tỷ lệ người dân tham gia bảo hiểm y tế",
                 "value_type": "percent", "unit": "%", "comparator": "gte",
                 "targets": [{"value": {"number": "95"}}]},
                {"code": "3.2", "name": "Ghi chú của trạm y tế", "value_type": "text", "comparator": "eq"}
             ]}
        ]
    })
}

/// Defines and publishes a set; its id.
async fn published_set(app: &TestApp, token: &str, body: &Value) -> i64 {
    let set = TestApp::expect(app.post_as(token, "/api/v1/criteria-sets", body).await, 201).await;
    let id = set["id"].as_i64().unwrap();
    let published = TestApp::expect(
        app.post_as(
            token,
            &format!("/api/v1/criteria-sets/{id}/publish"),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(published["status"], "published");
    id
}

/// A round of this year over `participants`, entry open from `opens` to
/// `closes` days from today, default region TDMNPB.
fn round_body(set: i64, name: &str, opens: i64, closes: i64, participants: Value) -> Value {
    let year = day(0).year();
    json!({
        "set_id": set, "name": name, "kind": "annual", "year": year,
        "period_from": format!("{year}-01-01"), "period_to": format!("{year}-12-31"),
        "opens_on": day(opens), "closes_on": day(closes),
        "default_region": "TDMNPB", "participants": participants,
    })
}

/// Opens a round; its id.
async fn open_round(app: &TestApp, token: &str, body: &Value) -> i64 {
    let round = TestApp::expect(
        app.post_as(token, "/api/v1/evaluation-rounds", body).await,
        201,
    )
    .await;
    round["id"].as_i64().unwrap()
}

/// The evaluations of a round the caller sees.
async fn evaluations(app: &TestApp, token: &str, round: i64) -> Vec<Value> {
    let list = TestApp::expect(
        app.get_as(token, &format!("/api/v1/evaluations?round_id={round}"))
            .await,
        200,
    )
    .await;
    list.as_array().unwrap().clone()
}

/// The id of the unit's evaluation in a round.
async fn evaluation_of(app: &TestApp, token: &str, round: i64, unit: i64) -> i64 {
    evaluations(app, token, round)
        .await
        .iter()
        .find(|e| e["unit_id"] == unit)
        .and_then(|e| e["id"].as_i64())
        .unwrap_or_else(|| panic!("no evaluation of unit {unit} in round {round}"))
}

async fn detail(app: &TestApp, token: &str, evaluation: i64) -> Value {
    TestApp::expect(
        app.get_as(token, &format!("/api/v1/evaluations/{evaluation}"))
            .await,
        200,
    )
    .await
}

async fn put_values(
    app: &TestApp,
    token: &str,
    evaluation: i64,
    body: &Value,
) -> reqwest::Response {
    app.call(
        token,
        Method::PUT,
        &format!("/api/v1/evaluations/{evaluation}/values"),
        Some(body),
    )
    .await
}

async fn review(app: &TestApp, token: &str, evaluation: i64, body: &Value) -> reqwest::Response {
    app.post_as(
        token,
        &format!("/api/v1/evaluations/{evaluation}/review"),
        body,
    )
    .await
}

/// Values for every indicator of [`rural_set`].
fn rural_values(road: &str, insured: &str) -> Value {
    json!({"values": [
        {"indicator_code": "1.1", "value": {"number": road}},
        {"indicator_code": "1.2", "value": {"bool": true}},
        {"indicator_code": "2.1", "value": {"choice": "Không còn"}},
        {"indicator_code": "3.1", "value": {"number": insured}},
    ]})
}

fn criterion(detail: &Value, number: u64) -> &Value {
    detail["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["number"] == number)
        .unwrap_or_else(|| panic!("criterion {number} in {detail}"))
}

fn indicator<'a>(detail: &'a Value, code: &str) -> &'a Value {
    detail["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["indicators"].as_array().unwrap())
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("indicator {code}"))
}

/// (number, stage, state) of every criterion.
fn positions(detail: &Value) -> Vec<(u64, u64, String)> {
    detail["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["number"].as_u64().unwrap(),
                c["stage"].as_u64().unwrap(),
                c["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn at(stage: u64, state: &str, numbers: &[u64]) -> Vec<(u64, u64, String)> {
    numbers
        .iter()
        .map(|&n| (n, stage, state.to_owned()))
        .collect()
}

/// The numbers of the criteria the unit may edit.
fn editable(detail: &Value) -> Vec<u64> {
    detail["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["editable"] == true)
        .map(|c| c["number"].as_u64().unwrap())
        .collect()
}

/// (action, stage, criteria, actor) of every review step, in order.
fn steps(detail: &Value) -> Vec<(String, u64, Vec<u64>, String)> {
    detail["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["action"].as_str().unwrap().to_owned(),
                s["stage"].as_u64().unwrap(),
                s["criteria"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_u64().unwrap())
                    .collect(),
                s["actor_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn step(
    action: &str,
    stage: u64,
    criteria: &[u64],
    actor: &str,
) -> (String, u64, Vec<u64>, String) {
    (action.into(), stage, criteria.to_vec(), actor.into())
}

/// The criteria of one evaluation awaiting the caller's review.
async fn awaiting(app: &TestApp, token: &str, evaluation: i64) -> Vec<u64> {
    let items = TestApp::expect(app.get_as(token, "/api/v1/ntm-reviews/awaiting").await, 200).await;
    items
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["evaluation_id"] == evaluation)
        .map(|i| i["number"].as_u64().unwrap())
        .collect()
}

async fn configure_a_set(app: TestApp) {
    let coordinator = app.token("ntm.dieuphoi").await;
    let u = units(&app, &coordinator).await;
    let body = rural_set("NTM-CFG", &u);

    // Only coordinators (and administrators) define sets.
    for user in ["xa.tanson", "xem.baocao", "soxd.thamdinh"] {
        let t = app.token(user).await;
        TestApp::expect(app.post_as(&t, "/api/v1/criteria-sets", &body).await, 403).await;
    }

    // Invalid definitions answer with the domain's codes.
    let mut duplicate = body.clone();
    duplicate["criteria"][1]["indicators"][0]["code"] = json!("1.1");
    refused(
        app.post_as(&coordinator, "/api/v1/criteria-sets", &duplicate)
            .await,
        422,
        "duplicate_indicator",
    )
    .await;
    for not_an_agency in [u.province, u.tan_son] {
        let mut wrong_owner = body.clone();
        wrong_owner["criteria"][2]["department_unit_id"] = json!(not_an_agency);
        let problem = refused(
            app.post_as(&coordinator, "/api/v1/criteria-sets", &wrong_owner)
                .await,
            422,
            "not_a_department",
        )
        .await;
        assert_eq!(
            problem["errors"][0]["field"],
            "criteria[2].department_unit_id"
        );
    }
    let mut mismatch = body.clone();
    mismatch["criteria"][0]["indicators"][1]["comparator"] = json!("gte");
    refused(
        app.post_as(&coordinator, "/api/v1/criteria-sets", &mismatch)
            .await,
        422,
        "comparator_mismatch",
    )
    .await;

    // A draft, as defined.
    let draft = TestApp::expect(
        app.post_as(&coordinator, "/api/v1/criteria-sets", &body)
            .await,
        201,
    )
    .await;
    let id = draft["id"].as_i64().unwrap();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["version"], 1);
    assert_eq!(draft["based_on_id"], Value::Null);
    assert_eq!(draft["code"], "NTM-CFG");
    let criteria = draft["criteria"].as_array().unwrap();
    assert_eq!(criteria.len(), 3);
    assert_eq!(criteria[0]["department_unit_id"], u.construction);
    assert_eq!(criteria[1]["department_unit_id"], u.construction);
    assert_eq!(criteria[2]["department_unit_id"], u.health);
    assert_eq!(criteria[0]["pass_rule"], "all");
    let value_types: Vec<&str> = criteria
        .iter()
        .flat_map(|c| c["indicators"].as_array().unwrap())
        .map(|i| i["value_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        value_types,
        vec!["percent", "boolean", "choice", "percent", "text"]
    );
    let targets = &criteria[0]["indicators"][0]["targets"];
    assert_eq!(targets[0]["value"]["number"], "50");
    assert_eq!(targets[0]["region"], Value::Null);
    assert_eq!(targets[1]["value"]["number"], "45");
    assert_eq!(targets[1]["region"], "TN");

    // The draft changes: a higher generic threshold.
    let mut raised = body.clone();
    raised["criteria"][0]["indicators"][0]["targets"][0]["value"]["number"] = json!("60");
    let updated = TestApp::expect(
        app.call(
            &coordinator,
            Method::PUT,
            &format!("/api/v1/criteria-sets/{id}"),
            Some(&raised),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        updated["criteria"][0]["indicators"][0]["targets"][0]["value"]["number"],
        "60"
    );
    assert_eq!(updated["version"], 1);
    // The code stays; a rewrite is checked like a definition.
    let mut renamed = raised.clone();
    renamed["code"] = json!("NTM-CFG-2");
    refused(
        app.call(
            &coordinator,
            Method::PUT,
            &format!("/api/v1/criteria-sets/{id}"),
            Some(&renamed),
        )
        .await,
        422,
        "immutable",
    )
    .await;
    refused(
        app.call(
            &coordinator,
            Method::PUT,
            &format!("/api/v1/criteria-sets/{id}"),
            Some(&duplicate),
        )
        .await,
        422,
        "duplicate_indicator",
    )
    .await;

    // Published, it never changes.
    let published = TestApp::expect(
        app.post_as(
            &coordinator,
            &format!("/api/v1/criteria-sets/{id}/publish"),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(published["status"], "published");
    refused(
        app.post_as(
            &coordinator,
            &format!("/api/v1/criteria-sets/{id}/publish"),
            &json!({}),
        )
        .await,
        409,
        "already_published",
    )
    .await;
    refused(
        app.call(
            &coordinator,
            Method::PUT,
            &format!("/api/v1/criteria-sets/{id}"),
            Some(&body),
        )
        .await,
        409,
        "published_immutable",
    )
    .await;
    let read = TestApp::expect(
        app.get_as(&coordinator, &format!("/api/v1/criteria-sets/{id}"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        read["criteria"][0]["indicators"][0]["targets"][0]["value"]["number"],
        "60"
    );

    // A new version is a draft copy.
    let copy = TestApp::expect(
        app.post_as(
            &coordinator,
            &format!("/api/v1/criteria-sets/{id}/versions"),
            &json!({}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(copy["version"], 2);
    assert_eq!(copy["based_on_id"], id);
    assert_eq!(copy["status"], "draft");
    assert_eq!(copy["code"], "NTM-CFG");
    assert_eq!(copy["criteria"], read["criteria"]);
    assert_ne!(copy["id"], id);
    // The copy is editable; the published version stays as it was.
    let copy_id = copy["id"].as_i64().unwrap();
    TestApp::expect(
        app.call(
            &coordinator,
            Method::PUT,
            &format!("/api/v1/criteria-sets/{copy_id}"),
            Some(&body),
        )
        .await,
        200,
    )
    .await;
    let listed =
        TestApp::expect(app.get_as(&coordinator, "/api/v1/criteria-sets").await, 200).await;
    let mine: Vec<(i64, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["code"] == "NTM-CFG")
        .map(|s| {
            (
                s["version"].as_i64().unwrap(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        mine,
        vec![(2, "draft".to_owned()), (1, "published".to_owned())]
    );
    // Anyone signed in reads sets.
    let viewer = app.token("xem.baocao").await;
    TestApp::expect(
        app.get_as(&viewer, &format!("/api/v1/criteria-sets/{id}"))
            .await,
        200,
    )
    .await;
}

/// The caller's notifications about one evaluation, oldest first: (kind,
/// title, body).
async fn ntm_notices(app: &TestApp, token: &str, evaluation: i64) -> Vec<(String, String, String)> {
    let page = TestApp::expect(
        app.get_as(token, "/api/v1/notifications?limit=500").await,
        200,
    )
    .await;
    let mut notes: Vec<(String, String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["ntm_evaluation_id"] == evaluation)
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["title"].as_str().unwrap().to_owned(),
                n["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    notes.reverse();
    notes
}

async fn a_post_reform_round_end_to_end(app: TestApp) {
    let admin = app.token("admin").await;
    let coordinator = app.token("ntm.dieuphoi").await;
    let commune = app.token("xa.tanson").await;
    let construction_appraiser = app.token("soxd.thamdinh").await;
    let leader = app.token("lanhdao.ubnd").await;
    let u = units(&app, &admin).await;
    let other = other_communes(&app, &admin, u.province, 1).await[0];
    let health_appraiser = new_user(
        &app,
        &admin,
        "syt.thamdinh",
        u.health,
        "department_appraiser",
    )
    .await;

    let set = published_set(&app, &coordinator, &rural_set("NTM-E2E", &u)).await;
    // A draft set cannot be used.
    let draft = TestApp::expect(
        app.post_as(
            &coordinator,
            "/api/v1/criteria-sets",
            &rural_set("NTM-E2E-DRAFT", &u),
        )
        .await,
        201,
    )
    .await;
    refused(
        app.post_as(
            &coordinator,
            "/api/v1/evaluation-rounds",
            &round_body(
                draft["id"].as_i64().unwrap(),
                "Nháp",
                -1,
                30,
                json!([{"unit_id": u.tan_son}]),
            ),
        )
        .await,
        422,
        "not_published",
    )
    .await;
    refused(
        app.post_as(
            &coordinator,
            "/api/v1/evaluation-rounds",
            &round_body(
                set,
                "Sai vùng",
                -1,
                30,
                json!([{"unit_id": u.tan_son, "region": "XYZ"}]),
            ),
        )
        .await,
        422,
        "unknown_region",
    )
    .await;
    // Participants are checked one by one; a refused round leaves nothing.
    refused(
        app.post_as(
            &coordinator,
            "/api/v1/evaluation-rounds",
            &round_body(
                set,
                "Trùng xã",
                -1,
                30,
                json!([{"unit_id": u.tan_son}, {"unit_id": u.tan_son}]),
            ),
        )
        .await,
        422,
        "duplicate",
    )
    .await;
    let wrong_level = refused(
        app.post_as(
            &coordinator,
            "/api/v1/evaluation-rounds",
            &round_body(
                set,
                "Sai cấp",
                -1,
                30,
                json!([{"unit_id": u.tan_son}, {"unit_id": u.province}]),
            ),
        )
        .await,
        422,
        "wrong_level",
    )
    .await;
    assert_eq!(wrong_level["errors"][0]["field"], "participants[1].unit_id");
    let mut ownerless = rural_set("NTM-E2E-OWNERLESS", &u);
    ownerless["criteria"][2]["department_unit_id"] = Value::Null;
    let ownerless = published_set(&app, &coordinator, &ownerless).await;
    refused(
        app.post_as(
            &coordinator,
            "/api/v1/evaluation-rounds",
            &round_body(
                ownerless,
                "Thiếu sở",
                -1,
                30,
                json!([{"unit_id": u.tan_son}]),
            ),
        )
        .await,
        422,
        "department_missing",
    )
    .await;
    let rounds = TestApp::expect(app.get_as(&admin, "/api/v1/evaluation-rounds").await, 200).await;
    assert!(
        !rounds
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["set_id"] == set || r["set_id"] == ownerless),
        "{rounds}"
    );
    // A commune officer does not open rounds.
    TestApp::expect(
        app.post_as(
            &commune,
            "/api/v1/evaluation-rounds",
            &round_body(set, "Xã tự mở", -1, 30, json!([{"unit_id": u.tan_son}])),
        )
        .await,
        403,
    )
    .await;

    let round_name = "Đánh giá xã nông thôn mới thử nghiệm";
    let round = open_round(
        &app,
        &coordinator,
        &round_body(
            set,
            round_name,
            -1,
            30,
            json!([{"unit_id": u.tan_son, "region": "TN"}, {"unit_id": other}]),
        ),
    )
    .await;
    let shown = TestApp::expect(
        app.get_as(&coordinator, &format!("/api/v1/evaluation-rounds/{round}"))
            .await,
        200,
    )
    .await;
    let chain: Vec<&str> = shown["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(chain, STAGES);
    assert_eq!(shown["chain"][1]["performer"]["kind"], "district");
    assert_eq!(shown["chain"][2]["performer"]["kind"], "owning_department");
    assert_eq!(shown["chain"][4]["records_decision"], true);

    let listed = evaluations(&app, &coordinator, round).await;
    assert_eq!(listed.len(), 2);
    let ts = evaluation_of(&app, &coordinator, round, u.tan_son).await;
    let ot = evaluation_of(&app, &coordinator, round, other).await;
    for e in &listed {
        assert_eq!(e["status"], "draft");
        assert_eq!(e["district_id"], Value::Null);
        let region = if e["unit_id"] == u.tan_son {
            "TN"
        } else {
            "TDMNPB"
        };
        assert_eq!(e["region"], region);
    }
    // The commune sees its own only.
    let own: Vec<i64> = evaluations(&app, &commune, round)
        .await
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(own, vec![ts]);

    let opened = detail(&app, &commune, ts).await;
    assert_eq!(opened["entry_open"], true);
    assert_eq!(opened["criteria_total"], 3);
    assert_eq!(opened["unit_name"], "Xã Tân Sơn");
    assert_eq!(positions(&opened), at(0, "open", &[1, 2, 3]));
    assert_eq!(editable(&opened), vec![1, 2, 3]);
    assert_eq!(opened["criteria"][0]["awaiting_unit_id"], u.tan_son);
    assert_eq!(indicator(&opened, "1.1")["result"], "missing");
    assert_eq!(indicator(&opened, "3.2")["result"], "no_target");

    // Entry is the commune's: the coordinator sees it but does not enter.
    TestApp::expect(
        put_values(&app, &coordinator, ts, &rural_values("47", "90")).await,
        403,
    )
    .await;
    // A department reads it (it owns criteria) but does not enter either.
    TestApp::expect(
        put_values(&app, &construction_appraiser, ts, &rural_values("47", "90")).await,
        403,
    )
    .await;
    // Nothing submitted: no department can act yet.
    refused(
        review(
            &app,
            &construction_appraiser,
            ts,
            &json!({"action": "accept"}),
        )
        .await,
        409,
        "nothing_pending",
    )
    .await;

    // Xã Tân Sơn enters its figures with evidence and its own claims.
    let evidence = TestApp::expect(
        app.upload(&commune, "Biên bản kiểm đếm đường xã.pdf", PDF.to_vec())
            .await,
        201,
    )
    .await;
    let mut values = rural_values("47", "90");
    values["values"][0]["attachment_ids"] = json!([evidence["id"]]);
    values["values"][0]["note"] = json!("Theo biên bản kiểm đếm");
    values["claims"] = json!([{"number": 1, "met": true}, {"number": 3, "met": true}]);
    // A value of the wrong kind is refused.
    let mut wrong = rural_values("47", "90");
    wrong["values"][1]["value"] = json!({"number": "1"});
    refused(
        put_values(&app, &commune, ts, &wrong).await,
        422,
        "wrong_type",
    )
    .await;
    refused(
        put_values(
            &app,
            &commune,
            ts,
            &json!({"values": [{"indicator_code": "9.9", "value": {"bool": true}}]}),
        )
        .await,
        422,
        "unknown_indicator",
    )
    .await;
    let entered = TestApp::expect(put_values(&app, &commune, ts, &values).await, 200).await;
    let road = indicator(&entered, "1.1");
    assert_eq!(road["value"]["number"], "47");
    assert_eq!(road["result"], "pass");
    assert_eq!(road["target"]["value"]["number"], "45");
    assert_eq!(road["target"]["region"], "TN");
    assert_eq!(road["note"], "Theo biên bản kiểm đếm");
    assert_eq!(road["evidence"][0]["id"], evidence["id"]);
    assert_eq!(
        road["evidence"][0]["file_name"],
        "Biên bản kiểm đếm đường xã.pdf"
    );
    assert_eq!(indicator(&entered, "2.1")["result"], "pass");
    assert_eq!(indicator(&entered, "3.1")["result"], "fail");
    assert_eq!(indicator(&entered, "3.2")["result"], "no_target");
    assert_eq!(criterion(&entered, 1)["met"], true);
    assert_eq!(criterion(&entered, 1)["claim_differs"], false);
    assert_eq!(criterion(&entered, 2)["met"], true);
    assert_eq!(criterion(&entered, 2)["claimed_met"], Value::Null);
    assert_eq!(criterion(&entered, 3)["met"], false);
    assert_eq!(criterion(&entered, 3)["claimed_met"], true);
    assert_eq!(criterion(&entered, 3)["claim_differs"], true);
    assert_eq!(entered["criteria_met"], 2);
    assert_eq!(entered["all_met"], false);

    // The same 47 % fails where the generic 50 % applies.
    let other_entered = TestApp::expect(
        put_values(&app, &admin, ot, &rural_values("47", "97")).await,
        200,
    )
    .await;
    let other_road = indicator(&other_entered, "1.1");
    assert_eq!(other_road["result"], "fail");
    assert_eq!(other_road["target"]["value"]["number"], "50");
    assert_eq!(other_road["target"]["region"], Value::Null);
    assert_eq!(criterion(&other_entered, 1)["met"], false);
    assert_eq!(criterion(&other_entered, 3)["met"], true);
    assert_eq!(other_entered["criteria_met"], 2);

    // Submitted: with no district, straight to the departments.
    let submitted = TestApp::expect(
        review(&app, &commune, ts, &json!({"action": "submit"})).await,
        200,
    )
    .await;
    assert_eq!(submitted["status"], "in_review");
    assert_eq!(positions(&submitted), at(2, "pending", &[1, 2, 3]));
    for n in 1..=3 {
        assert_eq!(criterion(&submitted, n)["stage_name"], STAGES[2]);
    }
    assert_eq!(criterion(&submitted, 1)["awaiting_unit_id"], u.construction);
    assert_eq!(criterion(&submitted, 2)["awaiting_unit_id"], u.construction);
    assert_eq!(criterion(&submitted, 3)["awaiting_unit_id"], u.health);
    assert!(editable(&submitted).is_empty());
    refused(
        review(&app, &commune, ts, &json!({"action": "submit"})).await,
        409,
        "nothing_to_submit",
    )
    .await;
    refused(
        put_values(&app, &commune, ts, &rural_values("48", "90")).await,
        409,
        "criterion_locked",
    )
    .await;

    // Each department sees its own criteria; they act in parallel.
    let appraised_units: Vec<Value> = evaluations(&app, &construction_appraiser, round)
        .await
        .iter()
        .map(|e| e["unit_id"].clone())
        .collect();
    assert_eq!(
        appraised_units.len(),
        2,
        "both evaluations hold its criteria"
    );
    assert_eq!(
        awaiting(&app, &construction_appraiser, ts).await,
        vec![1, 2]
    );
    assert_eq!(awaiting(&app, &health_appraiser, ts).await, vec![3]);
    assert!(awaiting(&app, &commune, ts).await.is_empty());
    let items = TestApp::expect(
        app.get_as(&construction_appraiser, "/api/v1/ntm-reviews/awaiting")
            .await,
        200,
    )
    .await;
    let item = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["evaluation_id"] == ts)
        .unwrap();
    assert_eq!(item["round_id"], round);
    assert_eq!(item["round_name"], round_name);
    assert_eq!(item["unit_name"], "Xã Tân Sơn");
    assert_eq!(item["criterion_name"], "Giao thông");
    assert_eq!(item["stage"], 2);
    assert_eq!(item["stage_name"], STAGES[2]);
    assert_eq!(item["awaiting_unit_id"], u.construction);
    // Sở Y tế cannot act on Sở Xây dựng's criteria.
    TestApp::expect(
        review(
            &app,
            &health_appraiser,
            ts,
            &json!({"action": "accept", "criteria": [1]}),
        )
        .await,
        403,
    )
    .await;
    refused(
        review(
            &app,
            &health_appraiser,
            ts,
            &json!({"action": "return", "criteria": [3]}),
        )
        .await,
        422,
        "reason_required",
    )
    .await;
    refused(
        review(
            &app,
            &health_appraiser,
            ts,
            &json!({"action": "return", "criteria": [3], "reason": "   "}),
        )
        .await,
        422,
        "reason_required",
    )
    .await;

    let accepted = TestApp::expect(
        review(
            &app,
            &construction_appraiser,
            ts,
            &json!({"action": "accept"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        positions(&accepted),
        [at(2, "accepted", &[1, 2]), at(2, "pending", &[3])].concat()
    );
    assert!(awaiting(&app, &construction_appraiser, ts).await.is_empty());
    refused(
        review(
            &app,
            &construction_appraiser,
            ts,
            &json!({"action": "accept"}),
        )
        .await,
        409,
        "nothing_pending",
    )
    .await;

    let reason = "Thiếu danh sách người tham gia bảo hiểm y tế";
    let returned = TestApp::expect(
        review(
            &app,
            &health_appraiser,
            ts,
            &json!({"action": "return", "criteria": [3], "reason": reason}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(returned["status"], "returned");
    assert_eq!(
        positions(&returned),
        [at(2, "accepted", &[1, 2]), at(2, "returned", &[3])].concat()
    );
    assert_eq!(criterion(&returned, 3)["return_reason"], reason);
    assert_eq!(criterion(&returned, 3)["awaiting_unit_id"], u.tan_son);
    assert_eq!(editable(&returned), vec![3]);
    assert!(awaiting(&app, &health_appraiser, ts).await.is_empty());

    // Only the returned criterion can change.
    let locked = refused(
        put_values(
            &app,
            &commune,
            ts,
            &json!({"values": [{"indicator_code": "1.1", "value": {"number": "60"}}]}),
        )
        .await,
        409,
        "criterion_locked",
    )
    .await;
    assert_eq!(locked["errors"][0]["field"], "values[0].indicator_code");
    refused(
        put_values(
            &app,
            &commune,
            ts,
            &json!({"claims": [{"number": 2, "met": false}]}),
        )
        .await,
        409,
        "criterion_locked",
    )
    .await;
    let fixed = TestApp::expect(
        put_values(
            &app,
            &commune,
            ts,
            &json!({"values": [{"indicator_code": "3.1", "value": {"number": "96.5"}}]}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(criterion(&fixed, 3)["met"], true);
    assert_eq!(criterion(&fixed, 3)["claim_differs"], false);
    assert_eq!(fixed["all_met"], true);
    assert_eq!(fixed["criteria_met"], 3);

    // Resubmitted, it goes straight back to Sở Y tế, alone.
    let resubmitted = TestApp::expect(
        review(&app, &commune, ts, &json!({"action": "submit"})).await,
        200,
    )
    .await;
    assert_eq!(resubmitted["status"], "in_review");
    assert_eq!(
        positions(&resubmitted),
        [at(2, "accepted", &[1, 2]), at(2, "pending", &[3])].concat()
    );
    assert_eq!(criterion(&resubmitted, 3)["awaiting_unit_id"], u.health);
    assert_eq!(criterion(&resubmitted, 3)["return_reason"], Value::Null);
    assert!(awaiting(&app, &construction_appraiser, ts).await.is_empty());
    assert_eq!(awaiting(&app, &health_appraiser, ts).await, vec![3]);

    // All accepted by the departments: on to the coordination office.
    let appraised = TestApp::expect(
        review(&app, &health_appraiser, ts, &json!({"action": "accept"})).await,
        200,
    )
    .await;
    assert_eq!(positions(&appraised), at(3, "pending", &[1, 2, 3]));
    for n in 1..=3 {
        assert_eq!(criterion(&appraised, n)["stage_name"], STAGES[3]);
        assert_eq!(criterion(&appraised, n)["awaiting_unit_id"], u.province);
    }
    assert_eq!(awaiting(&app, &coordinator, ts).await, vec![1, 2, 3]);
    // The committee's turn has not come.
    refused(
        review(
            &app,
            &leader,
            ts,
            &json!({"action": "accept", "decision_number": "1/QĐ-UBND", "decision_date": day(0)}),
        )
        .await,
        409,
        "nothing_pending",
    )
    .await;
    let concluded = TestApp::expect(
        review(&app, &coordinator, ts, &json!({"action": "accept"})).await,
        200,
    )
    .await;
    assert_eq!(positions(&concluded), at(4, "pending", &[1, 2, 3]));
    assert_eq!(criterion(&concluded, 1)["stage_name"], STAGES[4]);
    assert_eq!(awaiting(&app, &leader, ts).await, vec![1, 2, 3]);

    // Recognition needs the decision.
    refused(
        review(&app, &leader, ts, &json!({"action": "accept"})).await,
        422,
        "decision_required",
    )
    .await;
    refused(
        review(
            &app,
            &leader,
            ts,
            &json!({"action": "accept", "decision_number": "15/QĐ-UBND"}),
        )
        .await,
        422,
        "decision_required",
    )
    .await;
    let recognised = TestApp::expect(
        review(
            &app,
            &leader,
            ts,
            &json!({"action": "accept", "decision_number": "15/QĐ-UBND", "decision_date": day(0)}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(recognised["status"], "completed");
    assert_eq!(recognised["decision_number"], "15/QĐ-UBND");
    assert_eq!(recognised["decision_date"], day(0).to_string());
    assert_eq!(positions(&recognised), at(5, "accepted", &[1, 2, 3]));
    assert_eq!(criterion(&recognised, 1)["stage_name"], Value::Null);
    assert_eq!(criterion(&recognised, 1)["awaiting_unit_id"], Value::Null);
    assert!(editable(&recognised).is_empty());
    assert!(awaiting(&app, &leader, ts).await.is_empty());
    let health_user = "syt.thamdinh";
    assert_eq!(
        steps(&recognised),
        vec![
            step("submit", 0, &[1, 2, 3], "xa.tanson"),
            step("accept", 2, &[1, 2], "soxd.thamdinh"),
            step("return", 2, &[3], health_user),
            step("submit", 0, &[3], "xa.tanson"),
            step("accept", 2, &[3], health_user),
            step("accept", 3, &[1, 2, 3], "ntm.dieuphoi"),
            step("recognise", 4, &[1, 2, 3], "lanhdao.ubnd"),
        ]
    );
    assert_eq!(recognised["steps"][2]["reason"], reason);
    assert_eq!(recognised["steps"][2]["stage_name"], STAGES[2]);
    // Each step told whoever had to act next, and the commune what came
    // back and how it ended; nobody was told about their own step.
    let kinds = |notes: &[(String, String, String)]| -> Vec<String> {
        notes.iter().map(|n| n.0.clone()).collect()
    };
    let construction_notes = ntm_notices(&app, &construction_appraiser, ts).await;
    assert_eq!(kinds(&construction_notes), ["ntm_awaiting"]);
    assert!(
        construction_notes[0].1.contains("tiêu chí 1, 2"),
        "{construction_notes:?}"
    );
    let health_notes = ntm_notices(&app, &health_appraiser, ts).await;
    assert_eq!(kinds(&health_notes), ["ntm_awaiting", "ntm_awaiting"]);
    assert!(health_notes[1].1.contains("tiêu chí 3"), "{health_notes:?}");
    assert_eq!(
        kinds(&ntm_notices(&app, &coordinator, ts).await),
        ["ntm_awaiting"]
    );
    assert_eq!(
        kinds(&ntm_notices(&app, &leader, ts).await),
        ["ntm_awaiting"]
    );
    let commune_notes = ntm_notices(&app, &commune, ts).await;
    assert_eq!(kinds(&commune_notes), ["ntm_returned", "ntm_completed"]);
    assert_eq!(commune_notes[0].2, reason);
    assert!(
        commune_notes[1].2.contains("15/QĐ-UBND"),
        "{commune_notes:?}"
    );
    let completed = TestApp::expect(
        app.get_as(
            &coordinator,
            &format!("/api/v1/evaluations?round_id={round}&status=completed"),
        )
        .await,
        200,
    )
    .await;
    let completed: Vec<i64> = completed
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(completed, vec![ts]);

    // The other commune misses criterion 1: it goes through the chain but
    // cannot be recognised.
    TestApp::expect(
        review(&app, &admin, ot, &json!({"action": "submit"})).await,
        200,
    )
    .await;
    TestApp::expect(
        review(
            &app,
            &construction_appraiser,
            ot,
            &json!({"action": "accept"}),
        )
        .await,
        200,
    )
    .await;
    TestApp::expect(
        review(&app, &health_appraiser, ot, &json!({"action": "accept"})).await,
        200,
    )
    .await;
    TestApp::expect(
        review(&app, &coordinator, ot, &json!({"action": "accept"})).await,
        200,
    )
    .await;
    refused(
        review(
            &app,
            &leader,
            ot,
            &json!({"action": "accept", "decision_number": "16/QĐ-UBND", "decision_date": day(0)}),
        )
        .await,
        409,
        "criteria_unmet",
    )
    .await;
    let unrecognised = detail(&app, &leader, ot).await;
    assert_eq!(unrecognised["status"], "in_review");
    assert_eq!(unrecognised["decision_number"], Value::Null);
    assert_eq!(positions(&unrecognised), at(4, "pending", &[1, 2, 3]));
    // It can be sent back instead.
    let sent_back = TestApp::expect(
        review(
            &app,
            &leader,
            ot,
            &json!({"action": "return", "criteria": [1], "reason": "Tiêu chí Giao thông chưa đạt"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(sent_back["status"], "returned");
    assert_eq!(editable(&sent_back), vec![1]);
}

async fn a_pre_reform_round_has_a_district_stage(app: TestApp) {
    let admin = app.token("admin").await;
    let coordinator = app.token("ntm.dieuphoi").await;
    let construction_appraiser = app.token("soxd.thamdinh").await;
    let u = units(&app, &admin).await;
    let before = "2025-06-01";
    let districts = TestApp::expect(
        app.get_as(
            &admin,
            &format!("/api/v1/org-units?kind=district&q=T%C3%A2n+S%C6%A1n&as_of={before}"),
        )
        .await,
        200,
    )
    .await;
    let district = districts["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "Huyện Tân Sơn")
        .expect("Huyện Tân Sơn before the reform");
    assert_eq!(district["valid_to"], "2025-06-30");
    let district = district["id"].as_i64().unwrap();
    let communes = TestApp::expect(
        app.get_as(
            &admin,
            &format!(
                "/api/v1/org-units?kind=commune&parent_id={district}&as_of={before}&limit=100"
            ),
        )
        .await,
        200,
    )
    .await;
    let old_commune = communes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with("Xã "))
        .expect("an old commune of Huyện Tân Sơn");
    let old_commune = old_commune["id"].as_i64().unwrap();

    // A district coordinator, granted on the (closed) district.
    let district_user = new_user(&app, &admin, "huyen.tanson", district, "ntm_coordinator").await;

    let set = published_set(&app, &coordinator, &rural_set("NTM-2024", &u)).await;
    // The coordinator of the new province opens a round on a unit merged
    // into it.
    let round = open_round(
        &app,
        &coordinator,
        &json!({
            "set_id": set, "name": "Đánh giá năm 2024", "kind": "annual", "year": 2024,
            "period_from": "2024-01-01", "period_to": "2024-12-31",
            "opens_on": day(-1), "closes_on": day(30),
            "default_region": "TDMNPB", "participants": [{"unit_id": old_commune}],
        }),
    )
    .await;
    let evaluation = evaluation_of(&app, &admin, round, old_commune).await;
    let opened = detail(&app, &district_user, evaluation).await;
    assert_eq!(opened["district_id"], district);
    assert_eq!(opened["year"], 2024);

    TestApp::expect(
        put_values(&app, &admin, evaluation, &rural_values("60", "96")).await,
        200,
    )
    .await;
    let submitted = TestApp::expect(
        review(&app, &admin, evaluation, &json!({"action": "submit"})).await,
        200,
    )
    .await;
    assert_eq!(positions(&submitted), at(1, "pending", &[1, 2, 3]));
    for n in 1..=3 {
        assert_eq!(criterion(&submitted, n)["stage_name"], STAGES[1]);
        assert_eq!(criterion(&submitted, n)["awaiting_unit_id"], district);
    }
    assert_eq!(submitted["all_met"], true);

    // The departments wait for the district.
    refused(
        review(
            &app,
            &construction_appraiser,
            evaluation,
            &json!({"action": "accept"}),
        )
        .await,
        409,
        "nothing_pending",
    )
    .await;
    assert!(awaiting(&app, &construction_appraiser, evaluation)
        .await
        .is_empty());
    assert_eq!(
        awaiting(&app, &district_user, evaluation).await,
        vec![1, 2, 3]
    );
    let verified = TestApp::expect(
        review(
            &app,
            &district_user,
            evaluation,
            &json!({"action": "accept"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(positions(&verified), at(2, "pending", &[1, 2, 3]));
    assert_eq!(criterion(&verified, 1)["stage_name"], STAGES[2]);
    assert_eq!(criterion(&verified, 1)["awaiting_unit_id"], u.construction);
    assert_eq!(criterion(&verified, 3)["awaiting_unit_id"], u.health);
    assert_eq!(
        steps(&verified),
        vec![
            step("submit", 0, &[1, 2, 3], "admin"),
            step("accept", 1, &[1, 2, 3], "huyen.tanson"),
        ]
    );
    // The district's part is done; now the departments'.
    refused(
        review(
            &app,
            &district_user,
            evaluation,
            &json!({"action": "accept"}),
        )
        .await,
        409,
        "nothing_pending",
    )
    .await;
    assert!(awaiting(&app, &district_user, evaluation).await.is_empty());
    assert_eq!(
        awaiting(&app, &construction_appraiser, evaluation).await,
        vec![1, 2]
    );
    let appraised = TestApp::expect(
        review(
            &app,
            &construction_appraiser,
            evaluation,
            &json!({"action": "accept"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        positions(&appraised),
        [at(2, "accepted", &[1, 2]), at(2, "pending", &[3])].concat()
    );
    TestApp::expect(
        review(&app, &admin, evaluation, &json!({"action": "accept"})).await,
        200,
    )
    .await;
    // The province's stage falls to the province the old one went into:
    // the coordinator there sees it waiting and concludes it.
    assert_eq!(
        awaiting(&app, &coordinator, evaluation).await,
        vec![1, 2, 3]
    );
    let concluded = TestApp::expect(
        review(&app, &coordinator, evaluation, &json!({"action": "accept"})).await,
        200,
    )
    .await;
    assert_eq!(positions(&concluded), at(4, "pending", &[1, 2, 3]));
    assert_eq!(criterion(&concluded, 1)["awaiting_unit_id"], u.province);
    // Statistics under the new province count the old commune.
    let stats = TestApp::expect(
        app.get_as(
            &coordinator,
            &format!("/api/v1/ntm-stats?round_id={round}&unit_id={}", u.province),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(stats["units_evaluated"], 1);
    assert_eq!(stats["units"][0]["unit_id"], old_commune);
}

async fn entry_locks_after_close_and_reopens(app: TestApp) {
    let coordinator = app.token("ntm.dieuphoi").await;
    let commune = app.token("xa.tanson").await;
    let u = units(&app, &coordinator).await;
    let set = published_set(&app, &coordinator, &rural_set("NTM-LOCK", &u)).await;
    let closed = open_round(
        &app,
        &coordinator,
        &round_body(
            set,
            "Đợt đã khóa sổ",
            -30,
            -1,
            json!([{"unit_id": u.tan_son}]),
        ),
    )
    .await;
    let evaluation = evaluation_of(&app, &coordinator, closed, u.tan_son).await;
    assert_eq!(
        detail(&app, &commune, evaluation).await["entry_open"],
        false
    );
    refused(
        put_values(&app, &commune, evaluation, &rural_values("60", "96")).await,
        409,
        "round_closed",
    )
    .await;
    refused(
        review(&app, &commune, evaluation, &json!({"action": "submit"})).await,
        409,
        "round_closed",
    )
    .await;

    // Only a coordinator reopens, and not into the past.
    TestApp::expect(
        app.post_as(
            &commune,
            &format!("/api/v1/evaluations/{evaluation}/reopen"),
            &json!({"until": day(7), "reason": "Xã tự mở lại"}),
        )
        .await,
        403,
    )
    .await;
    refused(
        app.post_as(
            &coordinator,
            &format!("/api/v1/evaluations/{evaluation}/reopen"),
            &json!({"until": day(-1), "reason": "Quá hạn"}),
        )
        .await,
        422,
        "in_the_past",
    )
    .await;
    let reason = "Xã bổ sung minh chứng tiêu chí Y tế";
    let reopened = TestApp::expect(
        app.post_as(
            &coordinator,
            &format!("/api/v1/evaluations/{evaluation}/reopen"),
            &json!({"until": day(7), "reason": reason}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(reopened["reopened_until"], day(7).to_string());
    assert_eq!(reopened["entry_open"], true);
    assert_eq!(
        steps(&reopened),
        vec![step("reopen", 0, &[], "ntm.dieuphoi")]
    );
    assert_eq!(reopened["steps"][0]["reason"], reason);
    let entered = TestApp::expect(
        put_values(&app, &commune, evaluation, &rural_values("60", "96")).await,
        200,
    )
    .await;
    assert_eq!(entered["all_met"], true);
    let submitted = TestApp::expect(
        review(&app, &commune, evaluation, &json!({"action": "submit"})).await,
        200,
    )
    .await;
    assert_eq!(positions(&submitted), at(2, "pending", &[1, 2, 3]));

    // A round that has not opened yet takes nothing either.
    let future = open_round(
        &app,
        &coordinator,
        &round_body(set, "Đợt chưa mở", 3, 30, json!([{"unit_id": u.tan_son}])),
    )
    .await;
    let later = evaluation_of(&app, &coordinator, future, u.tan_son).await;
    refused(
        put_values(&app, &commune, later, &rural_values("60", "96")).await,
        409,
        "round_not_open",
    )
    .await;
}

async fn statistics_match_a_hand_computed_fixture(app: TestApp) {
    use calamine::{Data, Reader, Xlsx};
    let admin = app.token("admin").await;
    let coordinator = app.token("ntm.dieuphoi").await;
    let u = units(&app, &admin).await;
    let owners = [u.construction, u.construction, u.health, u.health];
    let names = ["Giao thông", "Thủy lợi", "Y tế", "Văn hóa"];
    let criteria: Vec<Value> = (1..=4u8)
        .map(|n| {
            let i = usize::from(n - 1);
            json!({"number": n, "name": names[i], "department_unit_id": owners[i],
                   "indicators": [{"code": format!("{n}.1"), "name": format!("Đạt tiêu chí {}", names[i]),
                                   "value_type": "boolean", "comparator": "is_true",
                                   "targets": [{"value": {"bool": true}}]}]})
        })
        .collect();
    let set = published_set(
        &app,
        &coordinator,
        &json!({"code": "NTM-STATS", "name": "Bộ bốn tiêu chí", "level": "commune",
                "variant": "ntm", "criteria": criteria}),
    )
    .await;
    let communes = other_communes(&app, &admin, u.province, 5).await;
    let round_name = "Thống kê thử nghiệm";
    let round = open_round(
        &app,
        &coordinator,
        &round_body(
            set,
            round_name,
            -1,
            30,
            Value::Array(communes.iter().map(|c| json!({"unit_id": c})).collect()),
        ),
    )
    .await;
    // Met sets {1,2,3,4}, {1,2,3}, {1,2}, {} submitted; {1,2,3,4} a draft.
    let met: [&[u64]; 5] = [&[1, 2, 3, 4], &[1, 2, 3], &[1, 2], &[], &[1, 2, 3, 4]];
    let mut ids = Vec::new();
    for (i, (&unit, met)) in communes.iter().zip(met).enumerate() {
        let evaluation = evaluation_of(&app, &admin, round, unit).await;
        ids.push(evaluation);
        let values: Vec<Value> = (1..=4u64)
            .map(|n| json!({"indicator_code": format!("{n}.1"), "value": {"bool": met.contains(&n)}}))
            .collect();
        let entered = TestApp::expect(
            put_values(&app, &admin, evaluation, &json!({"values": values})).await,
            200,
        )
        .await;
        assert_eq!(entered["criteria_met"], met.len());
        if i < 4 {
            TestApp::expect(
                review(&app, &admin, evaluation, &json!({"action": "submit"})).await,
                200,
            )
            .await;
        }
    }

    let province = u.province;
    let stats = TestApp::expect(
        app.get_as(
            &coordinator,
            &format!("/api/v1/ntm-stats?round_id={round}&unit_id={province}"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(stats["round_name"], round_name);
    assert_eq!(stats["criteria_total"], 4);
    assert_eq!(stats["units_evaluated"], 4);
    assert_eq!(stats["units_meeting_all"], 1);
    assert_eq!(stats["criteria_met_total"], 9);
    assert_eq!(stats["average_criteria_met"], "2.25");
    let per: Vec<(u64, u64, String)> = stats["per_criterion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["number"].as_u64().unwrap(),
                c["passed"].as_u64().unwrap(),
                c["rate_percent"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        per,
        vec![
            (1, 3, "75.00".to_owned()),
            (2, 3, "75.00".to_owned()),
            (3, 2, "50.00".to_owned()),
            (4, 1, "25.00".to_owned()),
        ]
    );
    let away = |key: &str| -> Vec<(i64, Value)> {
        stats[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["unit_id"].as_i64().unwrap(), u["unmet"].clone()))
            .collect()
    };
    assert_eq!(away("units_one_away"), vec![(communes[1], json!([4]))]);
    assert_eq!(away("units_two_away"), vec![(communes[2], json!([3, 4]))]);
    let counted: Vec<(i64, u64)> = stats["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["evaluation_id"].as_i64().unwrap(),
                u["criteria_met"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counted,
        vec![(ids[0], 4), (ids[1], 3), (ids[2], 2), (ids[3], 0)]
    );
    let point = stats["trend"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["round_id"] == round)
        .expect("the round in the trend");
    assert_eq!(point["units_evaluated"], 4);
    assert_eq!(point["units_meeting_all"], 1);
    assert_eq!(point["average_criteria_met"], "2.25");
    // The same over the caller's whole scope.
    let scope = TestApp::expect(
        app.get_as(&coordinator, &format!("/api/v1/ntm-stats?round_id={round}"))
            .await,
        200,
    )
    .await;
    assert_eq!(scope["units_evaluated"], 4);
    assert_eq!(scope["criteria_met_total"], 9);

    // The draft counts only when asked for.
    let with_drafts = TestApp::expect(
        app.get_as(
            &coordinator,
            &format!("/api/v1/ntm-stats?round_id={round}&unit_id={province}&include_drafts=true"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(with_drafts["units_evaluated"], 5);
    assert_eq!(with_drafts["units_meeting_all"], 2);
    assert_eq!(with_drafts["criteria_met_total"], 13);
    assert_eq!(with_drafts["average_criteria_met"], "2.60");
    let passed: Vec<u64> = with_drafts["per_criterion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["passed"].as_u64().unwrap())
        .collect();
    assert_eq!(passed, vec![4, 4, 3, 2]);

    // One commune's own figures.
    let one = TestApp::expect(
        app.get_as(
            &coordinator,
            &format!("/api/v1/ntm-stats?round_id={round}&unit_id={}", communes[1]),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(one["units_evaluated"], 1);
    assert_eq!(one["average_criteria_met"], "3.00");

    // The matrix.
    let res = app
        .get_as(
            &coordinator,
            &format!("/api/v1/ntm-stats/export.xlsx?round_id={round}&unit_id={province}"),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"xl/charts/chart1.xml"), "a native chart");
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(
        book.sheet_names(),
        vec!["TH 4 TC".to_owned(), "Biểu đồ".to_owned()]
    );
    let sheet = book.worksheet_range("TH 4 TC").unwrap();
    let cell = |row: u32, col: u32| sheet.get_value((row, col)).cloned().unwrap_or(Data::Empty);
    let s = |text: &str| Data::String(text.to_owned());
    let n = |value: u32| Data::Float(f64::from(value));
    // The official layout: national header, title, period.
    assert_eq!(cell(0, 0), s("UBND TỈNH PHÚ THỌ"));
    assert_eq!(cell(0, 4), s("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
    assert!(cell(5, 0).to_string().contains("THỐNG KÊ THỬ NGHIỆM"));
    assert!(cell(6, 0).to_string().starts_with("Kỳ đánh giá: từ ngày "));
    // Rows 9–10 (0-based 8–9): the header, criterion numbers under
    // "Tiêu chí"; the column numbers below.
    assert_eq!(cell(8, 0), s("STT"));
    assert_eq!(cell(8, 2), s("Tiêu chí"));
    assert_eq!(cell(8, 6), s("Tổng số tiêu chí đạt"));
    for c in 1..=4 {
        assert_eq!(cell(9, 1 + c), s(&c.to_string()), "criterion column {c}");
    }
    assert_eq!(cell(10, 7), s("(8)"));
    // From row 12 (0-based 11): the units, in the API's order.
    let units = stats["units"].as_array().unwrap();
    for (i, (unit, met)) in units.iter().zip(met).enumerate() {
        let row = 11 + u32::try_from(i).unwrap();
        assert_eq!(cell(row, 0), n(u32::try_from(i).unwrap() + 1));
        assert_eq!(cell(row, 1), s(unit["unit_name"].as_str().unwrap()));
        for c in 1..=4u32 {
            let expected = if met.contains(&u64::from(c)) {
                s("x")
            } else {
                Data::Empty
            };
            assert_eq!(cell(row, 1 + c), expected, "row {row} criterion {c}");
        }
        assert_eq!(cell(row, 6), n(u32::try_from(met.len()).unwrap()));
    }
    assert_eq!(cell(11, 7), s("Đạt chuẩn NTM"));
    assert_eq!(cell(12, 7), Data::Empty);
    // The totals row, last in the table; the signature block below it.
    assert_eq!(cell(15, 0), s("TỔNG CỘNG"));
    let totals: Vec<Data> = (2..=6).map(|c| cell(15, c)).collect();
    assert_eq!(totals, vec![n(3), n(3), n(2), n(1), n(9)]);
    assert_eq!(cell(16, 0), Data::Empty);
    assert_eq!(cell(17, 0), s("Nơi nhận:"));
    assert_eq!(cell(17, 4), s("TM. BAN CHỈ ĐẠO"));
    // The chart's table: the criteria met per unit, the API's figures.
    let plotted = book.worksheet_range("Biểu đồ").unwrap();
    assert_eq!(plotted.end(), Some((4, 1)));
    for (i, unit) in units.iter().enumerate() {
        let row = 1 + u32::try_from(i).unwrap();
        assert_eq!(
            plotted.get_value((row, 0)).cloned(),
            Some(s(unit["unit_name"].as_str().unwrap()))
        );
        assert_eq!(
            plotted.get_value((row, 1)).cloned(),
            Some(n(
                u32::try_from(unit["criteria_met"].as_u64().unwrap()).unwrap()
            ))
        );
    }
}

async fn out_of_scope_answers_404(app: TestApp) {
    let admin = app.token("admin").await;
    let coordinator = app.token("ntm.dieuphoi").await;
    let commune = app.token("xa.tanson").await;
    let u = units(&app, &admin).await;
    let neighbour = other_communes(&app, &admin, u.province, 1).await[0];
    let stranger = new_user(&app, &admin, "xa.langgieng", neighbour, "commune_officer").await;
    let set = published_set(&app, &coordinator, &rural_set("NTM-SCOPE", &u)).await;
    let round = open_round(
        &app,
        &coordinator,
        &round_body(
            set,
            "Phạm vi",
            -1,
            30,
            json!([{"unit_id": u.tan_son, "region": "TN"}, {"unit_id": neighbour}]),
        ),
    )
    .await;
    let ts = evaluation_of(&app, &coordinator, round, u.tan_son).await;
    let own = evaluation_of(&app, &coordinator, round, neighbour).await;
    let file = TestApp::expect(
        app.upload(&commune, "Minh chứng bảo hiểm y tế.pdf", PDF.to_vec())
            .await,
        201,
    )
    .await;
    let mut values = rural_values("47", "96");
    values["values"][3]["attachment_ids"] = json!([file["id"]]);
    let entered = TestApp::expect(put_values(&app, &commune, ts, &values).await, 200).await;
    assert_eq!(indicator(&entered, "3.1")["evidence"][0]["id"], file["id"]);

    // The neighbour's officer: Xã Tân Sơn's evaluation does not exist.
    let missing = TestApp::expect(
        app.get_as(&stranger, "/api/v1/evaluations/987654321").await,
        404,
    )
    .await;
    let hidden = TestApp::expect(
        app.get_as(&stranger, &format!("/api/v1/evaluations/{ts}"))
            .await,
        404,
    )
    .await;
    assert_eq!(hidden, missing);
    TestApp::expect(
        put_values(&app, &stranger, ts, &rural_values("10", "10")).await,
        404,
    )
    .await;
    TestApp::expect(
        review(&app, &stranger, ts, &json!({"action": "submit"})).await,
        404,
    )
    .await;
    TestApp::expect(
        app.get_as(
            &stranger,
            &format!("/api/v1/ntm-stats?round_id={round}&unit_id={}", u.tan_son),
        )
        .await,
        404,
    )
    .await;
    TestApp::expect(
        app.get_as(
            &stranger,
            &format!(
                "/api/v1/ntm-stats/export.xlsx?round_id={round}&unit_id={}",
                u.tan_son
            ),
        )
        .await,
        404,
    )
    .await;
    let listed: Vec<i64> = TestApp::expect(app.get_as(&stranger, "/api/v1/evaluations").await, 200)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert!(!listed.contains(&ts), "{listed:?}");
    assert!(listed.contains(&own), "{listed:?}");
    let in_round: Vec<i64> = evaluations(&app, &stranger, round)
        .await
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(in_round, vec![own]);
    // Its own evaluation and statistics are there.
    detail(&app, &stranger, own).await;
    let mine = TestApp::expect(
        app.get_as(
            &stranger,
            &format!("/api/v1/ntm-stats?round_id={round}&unit_id={neighbour}"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(mine["units_evaluated"], 0);
    // Nor does the evidence of Xã Tân Sơn exist for it.
    let url = format!("/api/v1/attachments/{}/content", file["id"]);
    TestApp::expect(app.get_as(&stranger, &url).await, 404).await;
    TestApp::expect(
        app.get_as(&stranger, &format!("/api/v1/attachments/{}", file["id"]))
            .await,
        404,
    )
    .await;
    let res = app.get_as(&commune, &url).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    // The department owning the criterion and the coordinator read it too.
    let appraiser = app.token("soxd.thamdinh").await;
    assert_eq!(app.get_as(&appraiser, &url).await.status(), 200);
    assert_eq!(app.get_as(&coordinator, &url).await.status(), 200);
}

async fn criterion_task_links_back(app: TestApp) {
    let admin = app.token("admin").await;
    let coordinator = app.token("ntm.dieuphoi").await;
    let commune = app.token("xa.tanson").await;
    let u = units(&app, &admin).await;
    let set = published_set(&app, &coordinator, &rural_set("NTM-TASK", &u)).await;
    let round = open_round(
        &app,
        &coordinator,
        &round_body(
            set,
            "Nhiệm vụ từ tiêu chí",
            -1,
            30,
            json!([{"unit_id": u.tan_son}]),
        ),
    )
    .await;
    let evaluation = evaluation_of(&app, &coordinator, round, u.tan_son).await;
    let entered = TestApp::expect(
        put_values(&app, &commune, evaluation, &rural_values("60", "90")).await,
        200,
    )
    .await;
    assert_eq!(criterion(&entered, 1)["met"], true);
    assert_eq!(criterion(&entered, 3)["met"], false);
    let directives = TestApp::expect(app.get_as(&admin, "/api/v1/directives").await, 200).await;
    let directive = directives["items"][0]["id"].as_i64().unwrap();

    let body = json!({"directive_id": directive, "lead": "department",
                      "content": "Hướng dẫn xã Tân Sơn nâng tỷ lệ tham gia bảo hiểm y tế",
                      "deadline": day(60)});
    let path = |n: u8| format!("/api/v1/evaluations/{evaluation}/criteria/{n}/tasks");
    // Only coordinators raise tasks.
    TestApp::expect(app.post_as(&commune, &path(3), &body).await, 403).await;
    let task = TestApp::expect(app.post_as(&coordinator, &path(3), &body).await, 201).await;
    let task_id = task["id"].as_i64().unwrap();
    assert_eq!(task["directive_id"], directive);
    assert_eq!(task["lead_unit_id"], u.health);
    assert_eq!(task["deadline"], day(60).to_string());
    assert_eq!(task["tags"], json!(["NTM", "Tiêu chí 3"]));

    let seen = TestApp::expect(
        app.get_as(&admin, &format!("/api/v1/tasks/{task_id}"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        seen["ntm_criterion"],
        json!({"evaluation_id": evaluation, "criterion_number": 3})
    );
    let linked = detail(&app, &coordinator, evaluation).await;
    assert_eq!(criterion(&linked, 3)["task_ids"], json!([task_id]));
    assert_eq!(criterion(&linked, 1)["task_ids"], json!([]));
    // Led by the unit itself.
    let unit_led = TestApp::expect(
        app.post_as(
            &coordinator,
            &path(3),
            &json!({"directive_id": directive, "lead": "unit", "content": "Xã Tân Sơn vận động người dân tham gia bảo hiểm y tế"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(unit_led["lead_unit_id"], u.tan_son);
    let linked = detail(&app, &commune, evaluation).await;
    assert_eq!(
        criterion(&linked, 3)["task_ids"],
        json!([task_id, unit_led["id"]])
    );
    // Not from a criterion already met, an unknown one or an unknown directive.
    refused(
        app.post_as(&coordinator, &path(1), &body).await,
        422,
        "criterion_met",
    )
    .await;
    TestApp::expect(app.post_as(&coordinator, &path(9), &body).await, 404).await;
    let mut unknown = body.clone();
    unknown["directive_id"] = json!(987_654_321);
    let problem = refused(
        app.post_as(&coordinator, &path(3), &unknown).await,
        422,
        "unknown",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "directive_id");
}
