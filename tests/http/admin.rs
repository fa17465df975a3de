//! Board tokens and the audit trail's tamper evidence.

use blackbox::{backend_tests, json, TestApp};
use diesel::RunQueryDsl;
use reqwest::Method;

backend_tests!(demo:
    board_tokens_are_scoped_shown_once_and_revocable,
    tampering_with_the_audit_log_is_detected,
);

async fn board_tokens_are_scoped_shown_once_and_revocable(app: TestApp) {
    let office_leader = app.token("vp.lanhdao").await;
    let office = app
        .unit_id(&office_leader, "Văn phòng UBND tỉnh Phú Thọ")
        .await;
    let finance = app.unit_id(&office_leader, "Sở Tài chính").await;
    let created = TestApp::expect(
        app.post_as(
            &office_leader,
            "/api/v1/board-tokens",
            &json!({"name": "Màn hình phòng họp", "unit_id": office}),
        )
        .await,
        201,
    )
    .await;
    let token = created["token"].as_str().unwrap();
    assert!(token.starts_with("brd_"), "{token}");
    let id = created["board_token"]["id"].as_i64().unwrap();
    // Outside the office leader's subtree: not found.
    TestApp::expect(
        app.post_as(
            &office_leader,
            "/api/v1/board-tokens",
            &json!({"name": "Sở", "unit_id": finance}),
        )
        .await,
        404,
    )
    .await;
    let listed = TestApp::expect(
        app.get_as(&office_leader, "/api/v1/board-tokens").await,
        200,
    )
    .await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert!(
        !listed.to_string().contains(token),
        "the token is never shown again"
    );
    // A board token is not an API credential.
    TestApp::expect(app.get_as(token, "/api/v1/me").await, 401).await;
    let revoked = TestApp::expect(
        app.call(
            &office_leader,
            Method::POST,
            &format!("/api/v1/board-tokens/{id}/revoke"),
            None,
        )
        .await,
        200,
    )
    .await;
    assert!(revoked["revoked_at"].is_string());
    TestApp::expect(
        app.call(
            &office_leader,
            Method::POST,
            &format!("/api/v1/board-tokens/{id}/revoke"),
            None,
        )
        .await,
        404,
    )
    .await;
    let admin = app.token("admin").await;
    let audit = TestApp::expect(
        app.get_as(&admin, "/api/v1/audit?entity=board_token").await,
        200,
    )
    .await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["board_token.revoke", "board_token.create"]);
}

async fn tampering_with_the_audit_log_is_detected(app: TestApp) {
    let admin = app.token("admin").await;
    let commune = app.unit_id(&admin, "Xã Tân Sơn").await;
    for name in ["Thôn Một", "Thôn Hai", "Thôn Ba"] {
        TestApp::expect(
            app.post_as(&admin, "/api/v1/org-units", &json!({"name": name, "kind": "village", "unit_type": "thôn", "parent_id": commune})).await,
            201,
        )
        .await;
    }
    let db = app.db.clone();
    let (intact, broken) = tokio::task::spawn_blocking(move || {
        let mut conn = db.conn().unwrap();
        let intact = persistence::audit::verify(&mut conn).unwrap();
        diesel::sql_query(
            "UPDATE audit_log SET after_json = '{\"name\":\"Thôn Giả\"}' \
             WHERE id = (SELECT MIN(id) FROM audit_log WHERE action = 'org_unit.create')",
        )
        .execute(&mut conn)
        .unwrap();
        (intact, persistence::audit::verify(&mut conn).unwrap())
    })
    .await
    .unwrap();
    assert_eq!(intact.first_broken, None);
    assert!(intact.rows >= 4, "login + three creations: {intact:?}");
    assert!(broken.first_broken.is_some());
}

backend_tests!(bootstrap_administrator_can_sign_in);

async fn bootstrap_administrator_can_sign_in(app: TestApp) {
    let db = app.db.clone();
    let weak = tokio::task::spawn_blocking(move || {
        server::seed::reference::load_units(&db, Some(["25".to_owned()].into()))?;
        let weak = server::seed::create_admin(&db, "root", "Quản trị", "25", "short");
        server::seed::create_admin(&db, "root", "Quản trị", "25", "mot-mat-khau-dai-2026")?;
        anyhow::Ok(weak)
    })
    .await
    .unwrap()
    .unwrap();
    assert!(weak.is_err(), "a weak bootstrap password is refused");
    let pair = TestApp::expect(app.login_pair("root", "mot-mat-khau-dai-2026").await, 200).await;
    let me = TestApp::expect(
        app.get_as(pair["access_token"].as_str().unwrap(), "/api/v1/me")
            .await,
        200,
    )
    .await;
    assert_eq!(me["grants"][0]["role"], "system_admin");
    assert_eq!(me["grants"][0]["unit_name"], "Tỉnh Phú Thọ");
}
