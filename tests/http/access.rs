//! Scoped access over HTTP: every demo role against the administrative
//! routes, 404 outside scope, scoped lists, delegation limits.

use blackbox::{backend_tests, json, TestApp, Value};
use reqwest::Method;

backend_tests!(demo:
    every_role_against_the_admin_routes,
    agency_leader_manages_only_the_agency,
    users_are_created_with_password_rules_and_audited,
    contacts_are_set_kept_and_removed,
    users_are_found_without_diacritics,
);

/// (account, GET /users, GET /audit, GET /service-accounts, GET /board-tokens,
/// POST /org-units under the province). Creating under the province is a 403
/// for roles held on the province and a 404 for roles held only on a unit
/// below it (the province is outside their scope).
const TABLE: [(&str, u16, u16, u16, u16, u16); 11] = [
    ("admin", 200, 200, 200, 200, 201),
    ("lanhdao.ubnd", 200, 403, 403, 403, 403),
    ("vp.lanhdao", 200, 403, 403, 200, 404),
    ("vp.chuyenvien", 403, 403, 403, 403, 404),
    ("sotc.lanhdao", 200, 403, 403, 403, 404),
    ("sotc.canbo", 403, 403, 403, 403, 404),
    ("von.quanly", 403, 403, 403, 403, 403),
    ("ntm.dieuphoi", 403, 403, 403, 403, 403),
    ("soxd.thamdinh", 403, 403, 403, 403, 404),
    ("xa.tanson", 403, 403, 403, 403, 404),
    ("xem.baocao", 403, 403, 403, 403, 403),
];

async fn every_role_against_the_admin_routes(app: TestApp) {
    let admin = app.token("admin").await;
    let province = app.unit_id(&admin, "Tỉnh Phú Thọ").await;
    for (i, (user, users, audit, accounts, boards, create_unit)) in TABLE.into_iter().enumerate() {
        let t = app.token(user).await;
        let status = |r: reqwest::Response| r.status().as_u16();
        assert_eq!(
            status(app.get_as(&t, "/api/v1/users").await),
            users,
            "{user} GET /users"
        );
        assert_eq!(
            status(app.get_as(&t, "/api/v1/audit").await),
            audit,
            "{user} GET /audit"
        );
        assert_eq!(
            status(app.get_as(&t, "/api/v1/service-accounts").await),
            accounts,
            "{user} GET /service-accounts"
        );
        assert_eq!(
            status(app.get_as(&t, "/api/v1/board-tokens").await),
            boards,
            "{user} GET /board-tokens"
        );
        let body = json!({"name": format!("Ban {i}"), "kind": "agency", "unit_type": "ban", "parent_id": province});
        assert_eq!(
            status(app.post_as(&t, "/api/v1/org-units", &body).await),
            create_unit,
            "{user} POST /org-units"
        );
        // Everyone signed in reads the unit tree.
        assert_eq!(
            status(app.get_as(&t, "/api/v1/org-units?kind=province").await),
            200,
            "{user} GET /org-units"
        );
    }
}

async fn user_id(app: &TestApp, admin: &str, username: &str) -> i64 {
    let page = TestApp::expect(
        app.get_as(admin, &format!("/api/v1/users?q={username}"))
            .await,
        200,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .and_then(|u| u["id"].as_i64())
        .unwrap()
}

async fn agency_leader_manages_only_the_agency(app: TestApp) {
    let admin = app.token("admin").await;
    let leader = app.token("sotc.lanhdao").await;
    let officer_id = user_id(&app, &admin, "sotc.canbo").await;
    let commune_officer_id = user_id(&app, &admin, "xa.tanson").await;
    let finance = app.unit_id(&admin, "Sở Tài chính").await;
    let construction = app.unit_id(&admin, "Sở Xây dựng").await;

    // The leader's list holds only the agency's two accounts.
    let mine = TestApp::expect(app.get_as(&leader, "/api/v1/users").await, 200).await;
    let mut usernames: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    usernames.sort();
    assert_eq!(usernames, vec!["sotc.canbo", "sotc.lanhdao"]);
    assert_eq!(mine["total"], 2);
    // Inside the scope: visible. Outside: 404, the same as a missing id.
    TestApp::expect(
        app.get_as(&leader, &format!("/api/v1/users/{officer_id}"))
            .await,
        200,
    )
    .await;
    let outside = TestApp::expect(
        app.get_as(&leader, &format!("/api/v1/users/{commune_officer_id}"))
            .await,
        404,
    )
    .await;
    let missing = TestApp::expect(app.get_as(&leader, "/api/v1/users/987654321").await, 404).await;
    assert_eq!(outside, missing);
    TestApp::expect(
        patch_user(&app, &leader, commune_officer_id, json!({"full_name": "X"})).await,
        404,
    )
    .await;
    // Delegation: an agency officer role on the agency, yes; a leader role, no;
    // anything on another agency, not found.
    let granted = TestApp::expect(
        app.post_as(
            &leader,
            &format!("/api/v1/users/{officer_id}/grants"),
            &json!({"role": "viewer", "unit_id": finance}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(granted["unit_name"], "Sở Tài chính");
    TestApp::expect(
        app.post_as(
            &leader,
            &format!("/api/v1/users/{officer_id}/grants"),
            &json!({"role": "agency_leader", "unit_id": finance}),
        )
        .await,
        403,
    )
    .await;
    TestApp::expect(
        app.post_as(
            &leader,
            &format!("/api/v1/users/{officer_id}/grants"),
            &json!({"role": "viewer", "unit_id": construction}),
        )
        .await,
        404,
    )
    .await;
    // The same grant twice is a conflict.
    let dup = TestApp::expect(
        app.post_as(
            &leader,
            &format!("/api/v1/users/{officer_id}/grants"),
            &json!({"role": "viewer", "unit_id": finance}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(dup["code"], "conflict");
    let grants = TestApp::expect(
        app.get_as(&leader, &format!("/api/v1/users/{officer_id}/grants"))
            .await,
        200,
    )
    .await;
    assert_eq!(grants.as_array().unwrap().len(), 2);
    let grant_id = granted["id"].as_i64().unwrap();
    let res = app
        .call(
            &leader,
            Method::DELETE,
            &format!("/api/v1/users/{officer_id}/grants/{grant_id}"),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    // Creating a user elsewhere is not possible either.
    TestApp::expect(
        app.post_as(&leader, "/api/v1/users", &json!({"username": "sxd.moi", "full_name": "Người Mới", "primary_unit_id": construction, "password": "matkhau-moi-2026"})).await,
        404,
    )
    .await;
    let audit = TestApp::expect(app.get_as(&admin, "/api/v1/audit?entity=grant").await, 200).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r: &Value| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["grant.delete", "grant.create"]);
}

async fn users_are_created_with_password_rules_and_audited(app: TestApp) {
    let admin = app.token("admin").await;
    let finance = app.unit_id(&admin, "Sở Tài chính").await;
    let weak = TestApp::expect(
        app.post_as(&admin, "/api/v1/users", &json!({"username": "sotc.moi", "full_name": "Cán bộ Mới", "primary_unit_id": finance, "password": "short"})).await,
        422,
    )
    .await;
    let codes: Vec<&str> = weak["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"too_short"), "{codes:?}");
    assert!(weak["errors"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["field"] == "password"));
    let bad_name = TestApp::expect(
        app.post_as(&admin, "/api/v1/users", &json!({"username": "có dấu", "full_name": "A", "primary_unit_id": finance, "password": "matkhau-moi-2026"})).await,
        422,
    )
    .await;
    assert_eq!(bad_name["errors"][0]["field"], "username");
    let created = TestApp::expect(
        app.post_as(&admin, "/api/v1/users", &json!({"username": "sotc.moi", "full_name": "Cán bộ Mới", "email": "moi@phutho.gov.vn", "primary_unit_id": finance, "password": "matkhau-moi-2026"})).await,
        201,
    )
    .await;
    assert!(created.get("password_hash").is_none());
    TestApp::expect(
        app.post_as(&admin, "/api/v1/users", &json!({"username": "sotc.moi", "full_name": "Trùng", "primary_unit_id": finance, "password": "matkhau-moi-2026"})).await,
        409,
    )
    .await;
    TestApp::expect(app.login_pair("sotc.moi", "matkhau-moi-2026").await, 200).await;
    let audit = TestApp::expect(
        app.get_as(
            &admin,
            &format!("/api/v1/audit?entity=user&entity_id={}", created["id"]),
        )
        .await,
        200,
    )
    .await;
    let row = &audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action"] == "user.create")
        .unwrap();
    assert_eq!(row["actor_name"], "admin");
    assert_eq!(row["after"]["username"], "sotc.moi");
    assert!(row["after"].get("password_hash").is_none());
    assert!(row["request_id"].as_str().unwrap().len() == 36);
}

/// PATCH /users/{id} with `body`, as `token`.
async fn patch_user(app: &TestApp, token: &str, id: i64, body: Value) -> reqwest::Response {
    app.call(
        token,
        Method::PATCH,
        &format!("/api/v1/users/{id}"),
        Some(&body),
    )
    .await
}

/// PATCH /users: a contact sent is set, one left out is kept, one sent as
/// `null` is removed; a malformed one is refused by field.
async fn contacts_are_set_kept_and_removed(app: TestApp) {
    let admin = app.token("admin").await;
    let id = user_id(&app, &admin, "sotc.canbo").await;
    let patch = |body: Value| patch_user(&app, &admin, id, body);
    let set = TestApp::expect(
        patch(json!({"email": "canbo@sotc.gov.vn", "phone": "0210 3812 345"})).await,
        200,
    )
    .await;
    assert_eq!(
        (&set["email"], &set["phone"]),
        (&json!("canbo@sotc.gov.vn"), &json!("0210 3812 345"))
    );
    let kept = TestApp::expect(patch(json!({"full_name": "Lê Thị Hoa"})).await, 200).await;
    assert_eq!(
        (&kept["email"], &kept["phone"]),
        (&set["email"], &set["phone"])
    );
    let removed = TestApp::expect(patch(json!({"email": null})).await, 200).await;
    assert_eq!(
        (&removed["email"], &removed["phone"]),
        (&Value::Null, &set["phone"])
    );
    let bad = TestApp::expect(
        patch(json!({"email": "khong-phai-email", "phone": "1"})).await,
        422,
    )
    .await;
    let mut fields: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["email", "phone"]);
    let read = TestApp::expect(
        app.get_as(&admin, &format!("/api/v1/users/{id}")).await,
        200,
    )
    .await;
    assert_eq!(
        (&read["email"], &read["phone"]),
        (&Value::Null, &set["phone"])
    );
}

/// The usernames GET /users?q= finds, sorted.
async fn found(app: &TestApp, admin: &str, q: &str) -> Vec<String> {
    let url = reqwest::Url::parse_with_params(&app.url("/api/v1/users"), [("q", q)]).unwrap();
    let path = format!("{}?{}", url.path(), url.query().unwrap());
    let page = TestApp::expect(app.get_as(admin, &path).await, 200).await;
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

/// A name is found typed without diacritics or in another case, a renamed
/// user by the new name, and accounts older than the search key get one
/// when the server migrates.
async fn users_are_found_without_diacritics(app: TestApp) {
    let admin = app.token("admin").await;
    for q in ["Trần Thị Mai", "tran thi mai", "TRAN THI", "trần thị mai"] {
        assert_eq!(found(&app, &admin, q).await, ["vp.lanhdao"], "{q}");
    }
    assert_eq!(found(&app, &admin, "vp.lanh").await, ["vp.lanhdao"]);
    assert!(found(&app, &admin, "tran thi hoa").await.is_empty());

    let id = user_id(&app, &admin, "vp.lanhdao").await;
    TestApp::expect(
        patch_user(&app, &admin, id, json!({"full_name": "Đỗ Thị Hoà"})).await,
        200,
    )
    .await;
    assert!(found(&app, &admin, "tran thi mai").await.is_empty());
    assert_eq!(found(&app, &admin, "do thi hoa").await, ["vp.lanhdao"]);

    // Rows from before the key: blank, then filled in by migrating again.
    let blanked = diesel::RunQueryDsl::execute(
        diesel::sql_query("UPDATE users SET search_key = ''"),
        &mut *app.db.conn().unwrap(),
    )
    .unwrap();
    assert!(blanked >= 11, "{blanked}");
    assert!(found(&app, &admin, "do thi hoa").await.is_empty());
    assert!(app.db.migrate().unwrap().is_empty());
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM users WHERE search_key = ''"),
        0
    );
    assert_eq!(found(&app, &admin, "do thi hoa").await, ["vp.lanhdao"]);
}
