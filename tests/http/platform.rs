//! The platform skeleton: probes, problem details, OpenAPI, docs, headers,
//! compression, metrics, SPA hosting.

use blackbox::{backend_tests, reqwest, workspace_root, Backend, TestApp, Value};

backend_tests!(
    health_and_ready_answer,
    unknown_api_path_is_a_problem,
    responses_carry_security_headers_and_request_id,
    served_openapi_equals_committed_file,
    docs_ui_is_served_without_internet,
    metrics_count_requests,
);

backend_tests!(demo: methods_not_served_get_405_with_allow, paging_is_checked_everywhere,);

async fn health_and_ready_answer(app: TestApp) {
    let health = app.get("/health").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");
    let ready = app.get("/ready").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.json::<Value>().await.unwrap()["status"], "ready");
}

async fn unknown_api_path_is_a_problem(app: TestApp) {
    for path in ["/api/v1/no-such-thing", "/api/nothing"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{path}"
        );
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "not_found");
        assert_eq!(body["status"], 404);
        assert_eq!(body["type"], "/problems/not_found");
    }
}

async fn responses_carry_security_headers_and_request_id(app: TestApp) {
    let res = app.get("/api/v1/info").await;
    assert_eq!(res.status(), 200);
    let h = res.headers();
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("default-src 'self'"));
    let id = h["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a UUID request id: {id}");
    let second = app.get("/api/v1/info").await;
    assert_ne!(second.headers()["x-request-id"].to_str().unwrap(), id);
}

async fn served_openapi_equals_committed_file(app: TestApp) {
    let served: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let committed_text = std::fs::read_to_string(workspace_root().join("openapi/openapi.json"))
        .expect("openapi/openapi.json is committed");
    let committed: Value = serde_json::from_str(&committed_text).unwrap();
    assert!(
        served == committed,
        "openapi/openapi.json is stale: run `make openapi`"
    );
    assert_eq!(
        committed_text,
        api::openapi::document_json(),
        "openapi/openapi.json is not formatted as `server openapi` prints it"
    );
    assert!(served["openapi"].as_str().unwrap().starts_with("3.1"));
    // Generated clients need one unique operationId per operation.
    let mut ids: Vec<&str> = served["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .map(|op| op["operationId"].as_str().unwrap())
        .collect();
    let count = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), count, "duplicate operationId");
    assert!(served["components"]["schemas"]["Problem"].is_object());
}

async fn docs_ui_is_served_without_internet(app: TestApp) {
    let redirect = app.get("/api/docs").await;
    assert!(redirect.status().is_redirection());
    assert_eq!(redirect.headers()["location"], "/api/docs/");
    let page = app.get("/api/docs/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "{html}");
    // Scripts come from the server itself, not a CDN.
    assert!(!html.contains("https://"), "docs page loads remote assets");
    let script = app.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(script.status(), 200);
}

async fn metrics_count_requests(app: TestApp) {
    app.get("/health").await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains("app_http_requests_total{endpoint=\"/health\""),
        "{text}"
    );
}

#[actix_web::test]
async fn responses_are_compressed_when_asked() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // A browser offers brotli first; the server answers with gzip, which
    // costs a fifth of the CPU on a task page (brotli as actix-web sets it
    // up prepares a 4 MiB window for every response).
    for offer in ["gzip", "br, gzip, deflate, zstd"] {
        let res = app
            .client
            .get(app.url("/api/openapi.json"))
            .header("accept-encoding", offer)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{offer}");
        assert_eq!(res.headers()["content-encoding"], "gzip", "{offer}");
    }
}

#[actix_web::test]
async fn spa_is_served_with_fallback_to_index() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        let dir = s.data_dir.with_file_name("spa");
        std::fs::create_dir_all(dir.join("assets")).unwrap();
        std::fs::write(dir.join("index.html"), "<html>SPA INDEX</html>").unwrap();
        std::fs::write(dir.join("assets/app.js"), "console.log(1)").unwrap();
        s.server.static_dir = dir;
    })
    .await
    .unwrap();
    for path in ["/", "/tasks/42", "/board"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            res.text().await.unwrap(),
            "<html>SPA INDEX</html>",
            "{path}"
        );
    }
    assert_eq!(
        app.get("/assets/app.js").await.text().await.unwrap(),
        "console.log(1)"
    );
    let api = app.get("/api/v1/missing").await;
    assert_eq!(api.status(), 404);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    // Other methods pass the SPA's files by: 405 with `Allow` where the API
    // serves the path, a 404 problem elsewhere.
    let trace = |path: &str| {
        app.client
            .request(reqwest::Method::TRACE, app.url(path))
            .send()
    };
    let probe = trace("/health").await.unwrap();
    assert_eq!(probe.status(), 405);
    assert_eq!(probe.headers()["allow"], "GET");
    assert_eq!(probe.headers()["content-type"], "application/problem+json");
    let page = trace("/tasks/42").await.unwrap();
    assert_eq!(page.status(), 404);
    assert_eq!(page.headers()["content-type"], "application/problem+json");
    let head = app
        .client
        .head(app.url("/assets/app.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
}

#[actix_web::test]
async fn without_a_built_spa_the_root_explains_how_to_build_it() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let res = app.get("/").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("make run"));
}

#[actix_web::test]
async fn malformed_bodies_get_problems_with_stable_codes() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let url = app.url("/api/v1/auth/login");
    let send = |body: Vec<u8>, content_type: &'static str| {
        app.client
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let cases: [(Vec<u8>, &str, u16, &str); 3] = [
        (
            b"{not json".to_vec(),
            "application/json",
            400,
            "invalid_json",
        ),
        (
            b"username=a".to_vec(),
            "text/plain",
            415,
            "unsupported_media_type",
        ),
        (
            format!(
                "{{\"username\":\"{}\",\"password\":\"x\"}}",
                "a".repeat(2 * 1024 * 1024)
            )
            .into_bytes(),
            "application/json",
            413,
            "payload_too_large",
        ),
    ];
    for (body, content_type, status, code) in cases {
        let res = send(body, content_type).await.unwrap();
        assert_eq!(res.status(), status, "{code}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], code);
    }
}

/// Whether a spec node (following `$ref`s into the schemas) carries an example.
fn has_example(node: &Value, schemas: &Value, seen: &mut Vec<String>) -> bool {
    match node {
        Value::Object(map) => {
            if map.contains_key("example") || map.contains_key("examples") {
                return true;
            }
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                let name = reference.rsplit('/').next().unwrap_or_default().to_owned();
                if seen.contains(&name) {
                    return false;
                }
                seen.push(name.clone());
                return has_example(&schemas[name.as_str()], schemas, seen);
            }
            map.values().any(|v| has_example(v, schemas, seen))
        }
        Value::Array(items) => items.iter().any(|v| has_example(v, schemas, seen)),
        _ => false,
    }
}

#[test]
fn every_operation_is_documented_with_an_example() {
    let spec: Value = serde_json::from_str(&api::openapi::document_json()).unwrap();
    let schemas = &spec["components"]["schemas"];
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let parts = [
                op.get("requestBody"),
                op.get("parameters"),
                op["responses"].get("200"),
                op["responses"].get("201"),
            ];
            if !parts
                .into_iter()
                .flatten()
                .any(|part| has_example(part, schemas, &mut Vec::new()))
            {
                missing.push(format!("{method} {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without an example: {missing:?}"
    );
}

/// A method no route serves on a path that exists: 405 `method_not_allowed`
/// with `Allow`, as problem+json; a path that does not exist stays 404.
async fn methods_not_served_get_405_with_allow(app: TestApp) {
    let admin = app.token("admin").await;
    let cases = [
        (reqwest::Method::TRACE, "/api/v1/me", "GET"),
        (reqwest::Method::DELETE, "/health", "GET"),
        (reqwest::Method::PUT, "/api/v1/users/3", "GET, PATCH"),
        // `merges` is not a unit id: the rename route does not take it.
        (reqwest::Method::PATCH, "/api/v1/org-units/merges", "POST"),
    ];
    for (method, path, allow) in cases {
        let res = app.call(&admin, method.clone(), path, None).await;
        assert_eq!(
            res.headers().get("allow").map(|v| v.to_str().unwrap()),
            Some(allow),
            "{method} {path}"
        );
        let body = TestApp::expect(res, 405).await;
        assert_eq!(body["code"], "method_not_allowed", "{method} {path}");
    }
    let res = app
        .call(
            &admin,
            reqwest::Method::DELETE,
            "/api/v1/no-such-thing",
            None,
        )
        .await;
    assert_eq!(TestApp::expect(res, 404).await["code"], "not_found");
    // A route that serves the method but cannot read the path: 400.
    let res = app.get_as(&admin, "/api/v1/org-units/abc").await;
    assert_eq!(TestApp::expect(res, 400).await["code"], "invalid_path");
}

/// Paging parameters out of range are refused with the field named, on the
/// lists and on the export that takes them, not silently clamped.
async fn paging_is_checked_everywhere(app: TestApp) {
    let admin = app.token("admin").await;
    for path in [
        "/api/v1/tasks?offset=-1",
        "/api/v1/tasks/export.xlsx?offset=-1",
        "/api/v1/imports?offset=-1",
        "/api/v1/imports?limit=0",
    ] {
        let body = TestApp::expect(app.get_as(&admin, path).await, 422).await;
        let field = if path.contains("limit") {
            "limit"
        } else {
            "offset"
        };
        assert_eq!(body["errors"][0]["field"], field, "{path}: {body}");
        assert_eq!(body["errors"][0]["code"], "range", "{path}: {body}");
    }
    // In range, the export takes the list's paging.
    let page = TestApp::expect(
        app.get_as(&admin, "/api/v1/tasks?limit=2&offset=1").await,
        200,
    )
    .await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let res = app
        .get_as(&admin, "/api/v1/tasks/export.xlsx?limit=2&offset=1")
        .await;
    assert_eq!(res.status(), 200);
}
