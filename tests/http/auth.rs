//! Sign-in, refresh rotation and reuse detection, throttling, sign-out,
//! service accounts, and the caller's profile.

use blackbox::{backend_tests, json, TestApp, Value};
use reqwest::Method;

backend_tests!(demo:
    login_gives_tokens_and_me_shows_grants,
    refresh_rotates_and_reuse_revokes_the_family,
    wrong_password_and_unknown_user_look_the_same,
    repeated_failures_are_throttled,
    logout_ends_the_session,
    missing_or_forged_tokens_are_refused,
    service_account_key_exchange_and_revocation,
    deactivated_user_loses_access,
);

async fn login_gives_tokens_and_me_shows_grants(app: TestApp) {
    let body = TestApp::expect(app.login_pair("vp.chuyenvien", "thuchanh2026").await, 200).await;
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert!(body["refresh_token"].as_str().unwrap().starts_with("rt_"));
    let token = body["access_token"].as_str().unwrap();
    let me = TestApp::expect(app.get_as(token, "/api/v1/me").await, 200).await;
    assert_eq!(me["kind"], "user");
    assert_eq!(me["username"], "vp.chuyenvien");
    assert_eq!(me["grants"][0]["role"], "office_specialist");
    assert_eq!(me["grants"][0]["role_label"], "Chuyên viên theo dõi");
    assert_eq!(me["grants"][0]["unit_name"], "Văn phòng UBND tỉnh Phú Thọ");
}

async fn refresh_rotates_and_reuse_revokes_the_family(app: TestApp) {
    let first = TestApp::expect(app.login_pair("admin", "thuchanh2026").await, 200).await;
    let r1 = first["refresh_token"].as_str().unwrap().to_owned();
    let second = TestApp::expect(
        app.post("/api/v1/auth/refresh", &json!({"refresh_token": r1}))
            .await,
        200,
    )
    .await;
    let r2 = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(r1, r2);
    let access = second["access_token"].as_str().unwrap();
    TestApp::expect(app.get_as(access, "/api/v1/me").await, 200).await;
    // r1 again: a reuse. The whole family dies, r2 included.
    let reuse = TestApp::expect(
        app.post("/api/v1/auth/refresh", &json!({"refresh_token": r1}))
            .await,
        401,
    )
    .await;
    assert_eq!(reuse["code"], "unauthorized");
    TestApp::expect(
        app.post("/api/v1/auth/refresh", &json!({"refresh_token": r2}))
            .await,
        401,
    )
    .await;
    // The reuse is in the audit trail.
    let admin = app.token("admin").await;
    let audit = TestApp::expect(
        app.get_as(&admin, "/api/v1/audit?action=auth.refresh_reuse_detected")
            .await,
        200,
    )
    .await;
    assert_eq!(audit["total"], 1);
    // A separate sign-in is unaffected.
    TestApp::expect(app.get_as(&admin, "/api/v1/me").await, 200).await;
}

async fn wrong_password_and_unknown_user_look_the_same(app: TestApp) {
    let wrong = app.login_pair("admin", "not-the-password-1").await;
    let unknown = app.login_pair("nobody.here", "not-the-password-1").await;
    assert_eq!(wrong.status(), 401);
    assert_eq!(unknown.status(), 401);
    assert_eq!(wrong.headers()["www-authenticate"], "Bearer");
    let a: Value = wrong.json().await.unwrap();
    let b: Value = unknown.json().await.unwrap();
    assert_eq!(a, b);
    let empty = TestApp::expect(
        app.post(
            "/api/v1/auth/login",
            &json!({"username": "", "password": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(empty["errors"][0]["field"], "username");
    let missing = TestApp::expect(
        app.post("/api/v1/auth/login", &json!({"username": "admin"}))
            .await,
        422,
    )
    .await;
    assert_eq!(missing["errors"][0]["field"], "password");
}

async fn repeated_failures_are_throttled(app: TestApp) {
    for _ in 0..5 {
        TestApp::expect(app.login_pair("xem.baocao", "wrong-password-9").await, 401).await;
    }
    // Even the right password is refused now, with a Retry-After.
    let res = app.login_pair("xem.baocao", "thuchanh2026").await;
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "900");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "rate_limited");
    // Other users are not affected.
    TestApp::expect(app.login_pair("admin", "thuchanh2026").await, 200).await;
}

async fn logout_ends_the_session(app: TestApp) {
    let pair = TestApp::expect(app.login_pair("sotc.canbo", "thuchanh2026").await, 200).await;
    let refresh = pair["refresh_token"].as_str().unwrap();
    let res = app
        .post("/api/v1/auth/logout", &json!({"refresh_token": refresh}))
        .await;
    assert_eq!(res.status(), 204);
    TestApp::expect(
        app.post("/api/v1/auth/refresh", &json!({"refresh_token": refresh}))
            .await,
        401,
    )
    .await;
    // Logging out with nonsense says nothing either way.
    let res = app
        .post(
            "/api/v1/auth/logout",
            &json!({"refresh_token": "rt_nope_nope"}),
        )
        .await;
    assert_eq!(res.status(), 204);
}

async fn missing_or_forged_tokens_are_refused(app: TestApp) {
    let none = app.get("/api/v1/me").await;
    assert_eq!(none.status(), 401);
    assert_eq!(none.headers()["content-type"], "application/problem+json");
    for token in [
        "garbage",
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1c2VyOjEifQ.",
    ] {
        let res = app.get_as(token, "/api/v1/me").await;
        assert_eq!(res.status(), 401, "{token}");
    }
    // A refresh token is not an access token.
    let pair = TestApp::expect(app.login_pair("admin", "thuchanh2026").await, 200).await;
    let res = app
        .get_as(pair["refresh_token"].as_str().unwrap(), "/api/v1/me")
        .await;
    assert_eq!(res.status(), 401);
}

async fn service_account_key_exchange_and_revocation(app: TestApp) {
    let admin = app.token("admin").await;
    let province = app.unit_id(&admin, "Tỉnh Phú Thọ").await;
    let created = TestApp::expect(
        app.post_as(
            &admin,
            "/api/v1/service-accounts",
            &json!({"name": "Cổng dịch vụ công", "role": "viewer", "unit_id": province}),
        )
        .await,
        201,
    )
    .await;
    let key = created["key"].as_str().unwrap();
    let id = created["account"]["id"].as_i64().unwrap();
    let token = TestApp::expect(
        app.post("/api/v1/auth/service-token", &json!({"key": key}))
            .await,
        200,
    )
    .await;
    let access = token["access_token"].as_str().unwrap().to_owned();
    let me = TestApp::expect(app.get_as(&access, "/api/v1/me").await, 200).await;
    assert_eq!(me["kind"], "service_account");
    assert_eq!(me["grants"][0]["role"], "viewer");
    let listed = TestApp::expect(app.get_as(&admin, "/api/v1/service-accounts").await, 200).await;
    assert!(listed[0]["last_used_at"].is_string(), "{listed}");
    assert!(
        listed.to_string().find(key).is_none(),
        "the key is never shown again"
    );
    // A viewer may not create service accounts.
    let viewer = TestApp::expect(
        app.post_as(
            &access,
            "/api/v1/service-accounts",
            &json!({"name": "x", "role": "viewer", "unit_id": province}),
        )
        .await,
        403,
    )
    .await;
    assert_eq!(viewer["code"], "forbidden");
    TestApp::expect(
        app.call(
            &admin,
            Method::POST,
            &format!("/api/v1/service-accounts/{id}/revoke"),
            None,
        )
        .await,
        200,
    )
    .await;
    TestApp::expect(
        app.post("/api/v1/auth/service-token", &json!({"key": key}))
            .await,
        401,
    )
    .await;
    TestApp::expect(app.get_as(&access, "/api/v1/me").await, 401).await;
}

async fn deactivated_user_loses_access(app: TestApp) {
    let admin = app.token("admin").await;
    let officer = app.token("sotc.canbo").await;
    let me = TestApp::expect(app.get_as(&officer, "/api/v1/me").await, 200).await;
    let id = me["id"].as_i64().unwrap();
    TestApp::expect(
        app.call(
            &admin,
            Method::PATCH,
            &format!("/api/v1/users/{id}"),
            Some(&json!({"active": false})),
        )
        .await,
        200,
    )
    .await;
    TestApp::expect(app.get_as(&officer, "/api/v1/me").await, 401).await;
    TestApp::expect(app.login_pair("sotc.canbo", "thuchanh2026").await, 401).await;
}
