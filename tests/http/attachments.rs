//! Attachments over HTTP: upload, attach to a directive, a task and a
//! timeline entry, download by those who may read them, and refusals.

use blackbox::{json, Backend, TestApp, Value};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde";
/// Uploads in these tests are limited to this many bytes.
const LIMIT: usize = 64 * 1024;

macro_rules! attachment_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    let app = super::spawn(blackbox::Backend::Sqlite).await.expect("SQLite app");
                    super::$name(app).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    match super::spawn(blackbox::Backend::Postgres).await {
                        Some(app) => super::$name(app).await,
                        None => blackbox::postgres_unavailable(),
                    }
                }
            }
        )*
    };
}

attachment_tests!(
    files_travel_with_directives_tasks_and_timeline,
    uploads_are_checked_and_private_until_attached,
    uploads_never_attached_are_removed_after_a_day,
);

async fn spawn(backend: Backend) -> Option<TestApp> {
    TestApp::spawn_demo_with(backend, |s| s.storage.max_upload_bytes = LIMIT).await
}

async fn upload(app: &TestApp, token: &str, name: &str, bytes: &[u8]) -> Value {
    TestApp::expect(app.upload(token, name, bytes.to_vec()).await, 201).await
}

fn today() -> String {
    (chrono::Utc::now().naive_utc() + chrono::Duration::hours(7))
        .date()
        .to_string()
}

async fn files_travel_with_directives_tasks_and_timeline(app: TestApp) {
    let specialist = app.token("vp.chuyenvien").await;
    let officer = app.token("sotc.canbo").await;
    let commune = app.token("xa.tanson").await;
    let office = app
        .unit_id(&specialist, "Văn phòng UBND tỉnh Phú Thọ")
        .await;
    let province = app.unit_id(&specialist, "Tỉnh Phú Thọ").await;
    let finance = app.unit_id(&specialist, "Sở Tài chính").await;

    let signed = upload(&app, &specialist, "Thông báo 412-TB-UBND.pdf", PDF).await;
    assert_eq!(signed["content_type"], "application/pdf");
    assert_eq!(signed["size_bytes"], PDF.len());
    assert_eq!(signed["sha256"].as_str().unwrap().len(), 64);
    let annex = upload(&app, &specialist, "Phụ lục.png", PNG).await;
    let directive = TestApp::expect(
        app.post_as(
            &specialist,
            "/api/v1/directives",
            &json!({
                "issuing_unit_id": province, "office_unit_id": office, "issuer": "chair",
                "kind": "conclusion_notice", "number": "412/TB-UBND", "issued_on": today(),
                "summary": "Kết luận về cải cách hành chính",
                "attachment_ids": [signed["id"]],
                "tasks": [{"content": "Rút ngắn thời gian giải quyết thủ tục", "lead_unit_id": finance,
                           "deadline": today(), "attachment_ids": [annex["id"]]}]
            }),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(directive["attachments"][0]["id"], signed["id"]);
    let task = directive["tasks"][0]["id"].as_i64().unwrap();
    let seen = TestApp::expect(
        app.get_as(&officer, &format!("/api/v1/tasks/{task}")).await,
        200,
    )
    .await;
    assert_eq!(seen["attachments"][0]["file_name"], "Phụ lục.png");

    // The lead agency proposes completion with its result report.
    let result = upload(&app, &officer, "Kết quả.pdf", PDF).await;
    let proposed = TestApp::expect(
        app.post_as(
            &officer,
            &format!("/api/v1/tasks/{task}/actions"),
            &json!({"action": "propose_completion", "result": "Đã rút ngắn còn 5 ngày",
                    "attachment_ids": [result["id"]]}),
        )
        .await,
        200,
    )
    .await;
    let entry = proposed["timeline"].as_array().unwrap().last().unwrap();
    assert_eq!(entry["kind"], "propose_completion");
    assert_eq!(entry["attachments"][0]["id"], result["id"]);
    assert_eq!(proposed["attachments"].as_array().unwrap().len(), 1);

    // The Office downloads it under its name; the content is what was sent.
    let url = entry["attachments"][0]["download_url"].as_str().unwrap();
    let res = app.get_as(&specialist, url).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment;")
            && disposition.contains("filename*=UTF-8''K%E1%BA%BFt%20qu%E1%BA%A3.pdf"),
        "{disposition}"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let png = app
        .get_as(
            &officer,
            &format!("/api/v1/attachments/{}/content", annex["id"]),
        )
        .await;
    assert_eq!(png.status(), 200);
    assert_eq!(png.bytes().await.unwrap().as_ref(), PNG);

    // Outside the task's units: not found, description and content alike.
    for path in [
        format!("/api/v1/attachments/{}", result["id"]),
        format!("/api/v1/attachments/{}/content", result["id"]),
        format!("/api/v1/attachments/{}/content", signed["id"]),
    ] {
        TestApp::expect(app.get_as(&commune, &path).await, 404).await;
    }

    // A file is attached once: reusing it, or someone else's, is refused
    // and the action does not happen.
    let other = upload(&app, &specialist, "Của chuyên viên.pdf", PDF).await;
    for ids in [
        json!([result["id"]]),
        json!([other["id"]]),
        json!([999_999]),
    ] {
        let refused = TestApp::expect(
            app.post_as(
                &officer,
                &format!("/api/v1/tasks/{task}/actions"),
                &json!({"action": "comment", "note": "Bổ sung", "attachment_ids": ids}),
            )
            .await,
            422,
        )
        .await;
        assert_eq!(refused["errors"][0]["field"], "attachment_ids");
        assert_eq!(refused["errors"][0]["code"], "unknown_attachment");
    }
    let after = TestApp::expect(
        app.get_as(&officer, &format!("/api/v1/tasks/{task}")).await,
        200,
    )
    .await;
    assert_eq!(
        after["timeline"], proposed["timeline"],
        "no comment was recorded"
    );
}

async fn uploads_are_checked_and_private_until_attached(app: TestApp) {
    let officer = app.token("sotc.canbo").await;
    let other = app.token("soxd.thamdinh").await;

    // Checked from the content, not the name.
    let cases: [(&str, Vec<u8>, u16, &str); 4] = [
        ("rong.pdf", Vec::new(), 422, "empty"),
        (
            "chuong-trinh.pdf",
            b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".repeat(8),
            422,
            "type_not_allowed",
        ),
        ("anh.pdf", PNG.to_vec(), 422, "extension_mismatch"),
        (
            "lon.pdf",
            [PDF, &vec![b' '; LIMIT]].concat(),
            413,
            "payload_too_large",
        ),
    ];
    for (name, bytes, status, code) in cases {
        let body = TestApp::expect(app.upload(&officer, name, bytes).await, status).await;
        let got = body["errors"][0]["code"].as_str().or(body["code"].as_str());
        assert_eq!(got, Some(code), "{name}: {body}");
    }
    // No file part at all (an import form with its other fields only).
    let manager = app.token("von.quanly").await;
    let res = app
        .client
        .post(app.url("/api/v1/imports"))
        .bearer_auth(&manager)
        .multipart(blackbox::reqwest::multipart::Form::new().text("kind", "p135_allocation_report"))
        .send()
        .await
        .unwrap();
    let body = TestApp::expect(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "file");
    assert_eq!(body["errors"][0]["code"], "required");
    // A part the form does not take, named in the answer.
    let form = blackbox::reqwest::multipart::Form::new()
        .text("note", "không có tệp")
        .part(
            "file",
            blackbox::reqwest::multipart::Part::bytes(b"%PDF-1.4\n".to_vec()).file_name("a.pdf"),
        );
    let res = app
        .client
        .post(app.url("/api/v1/attachments"))
        .bearer_auth(&officer)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body = TestApp::expect(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "note");
    assert_eq!(body["errors"][0]["code"], "unknown_field");
    // Not signed in.
    let res = app
        .client
        .post(app.url("/api/v1/attachments"))
        .multipart(blackbox::reqwest::multipart::Form::new().text("file", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    // The same content twice is stored once but described twice; a name
    // with a path keeps only its last part.
    let first = upload(&app, &officer, "../../etc/Báo cáo.pdf", PDF).await;
    let second = upload(&app, &officer, "Bản sao.pdf", PDF).await;
    assert_eq!(first["file_name"], "Báo cáo.pdf");
    assert_eq!(first["sha256"], second["sha256"]);
    assert_ne!(first["id"], second["id"]);
    // Not yet attached: its uploader only.
    let path = format!("/api/v1/attachments/{}", first["id"]);
    TestApp::expect(app.get_as(&officer, &path).await, 200).await;
    TestApp::expect(app.get_as(&other, &path).await, 404).await;
    let path = format!("/api/v1/attachments/{}/content", first["id"]);
    TestApp::expect(app.get_as(&other, &path).await, 404).await;
}

/// The same upload and download with the S3 backend (moto in CI), so the
/// deployment's object storage path runs end to end.
#[actix_web::test]
async fn files_round_trip_through_s3_storage() {
    let Ok(endpoint) = std::env::var("S3_TEST_ENDPOINT") else {
        assert!(
            std::env::var("REQUIRE_S3").map_or(true, |v| v != "1"),
            "REQUIRE_S3=1 but S3_TEST_ENDPOINT is unset"
        );
        eprintln!("S3_TEST_ENDPOINT unset: the S3 attachment test did not run");
        return;
    };
    let bucket = format!("http-test-{}", rand::random::<u32>());
    let created = blackbox::reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(
        created.status().is_success(),
        "creating the bucket: {}",
        created.status()
    );
    let app = TestApp::spawn_demo_with(Backend::Sqlite, |s| {
        s.storage.backend = server::settings::StorageBackend::S3;
        s.storage.s3_endpoint = Some(endpoint.clone());
        s.storage.s3_bucket = Some(bucket.clone());
        s.storage.s3_access_key = Some("test".into());
        s.storage.s3_secret_key = Some(secrecy::SecretString::from("test"));
        s.storage.s3_allow_http = true;
    })
    .await
    .unwrap();
    let officer = app.token("sotc.canbo").await;
    let stored = upload(&app, &officer, "Báo cáo.pdf", PDF).await;
    let res = app
        .get_as(&officer, stored["download_url"].as_str().unwrap())
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    // The object is in the bucket under its content address.
    let sha = stored["sha256"].as_str().unwrap();
    let listing = blackbox::reqwest::Client::new()
        .get(format!("{endpoint}/{bucket}?list-type=2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listing.contains(&format!("sha256/{}/{}/{sha}", &sha[..2], &sha[2..4])),
        "{listing}"
    );
}

async fn uploads_never_attached_are_removed_after_a_day(app: TestApp) {
    use diesel::prelude::*;
    use persistence::schema::attachments;
    let specialist = app.token("vp.chuyenvien").await;
    let officer = app.token("sotc.canbo").await;
    let office = app
        .unit_id(&specialist, "Văn phòng UBND tỉnh Phú Thọ")
        .await;
    let province = app.unit_id(&specialist, "Tỉnh Phú Thọ").await;
    // The same content attached by one and abandoned by another; a second
    // abandoned file of its own; a fresh one not yet a day old.
    let kept = upload(&app, &specialist, "Quyết định.pdf", PDF).await;
    TestApp::expect(
        app.post_as(
            &specialist,
            "/api/v1/directives",
            &json!({"issuing_unit_id": province, "office_unit_id": office, "issuer": "chair",
                    "kind": "decision", "number": "77/QĐ-UBND", "issued_on": today(),
                    "summary": "Quyết định thử", "attachment_ids": [kept["id"]]}),
        )
        .await,
        201,
    )
    .await;
    let same = upload(&app, &officer, "Bản nháp.pdf", PDF).await;
    let own = upload(&app, &officer, "Ảnh.png", PNG).await;
    let fresh = upload(
        &app,
        &officer,
        "Mới.png",
        b"\x89PNG\r\n\x1a\nfresh".as_ref(),
    )
    .await;
    let (ids, db) = (
        vec![same["id"].as_i64().unwrap(), own["id"].as_i64().unwrap()],
        app.db.clone(),
    );
    tokio::task::spawn_blocking(move || {
        let two_days_ago = chrono::Utc::now().naive_utc() - chrono::Duration::days(2);
        diesel::update(attachments::table.filter(attachments::id.eq_any(ids)))
            .set(attachments::uploaded_at.eq(two_days_ago))
            .execute(&mut db.conn().unwrap())
            .unwrap()
    })
    .await
    .unwrap();
    let blobs = storage::BlobStore::open(&storage::StoreConfig::Local {
        root: app.database.dir.path().join("data").join("attachments"),
    })
    .unwrap();
    let report = server::jobs::purge_stale_uploads(&app.db, &blobs, chrono::Duration::hours(24))
        .await
        .unwrap();
    assert_eq!(report.removed, 2, "{report:?}");
    assert_eq!(report.blobs_removed, 1, "the shared content stays");
    for gone in [&same, &own] {
        let path = format!("/api/v1/attachments/{}", gone["id"]);
        TestApp::expect(app.get_as(&officer, &path).await, 404).await;
    }
    assert!(blobs.get(own["sha256"].as_str().unwrap()).await.is_err());
    let res = app
        .get_as(&specialist, kept["download_url"].as_str().unwrap())
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let path = format!("/api/v1/attachments/{}", fresh["id"]);
    TestApp::expect(app.get_as(&officer, &path).await, 200).await;
}
