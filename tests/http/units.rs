//! The unit tree: search with and without diacritics, the tree as of a
//! date before and after 1 July 2025, lineage, and administration.

use blackbox::{backend_tests, json, TestApp, Value};
use reqwest::Method;

backend_tests!(demo:
    search_ignores_diacritics_case_and_tone_placement,
    tree_as_of_dates_before_and_after_the_reform,
    detail_lineage_and_predecessors,
    admin_creates_renames_and_closes_units_with_audit,
    merge_closes_links_and_moves_children,
    only_admins_change_units,
);

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_owned())
        .collect()
}

async fn search_ignores_diacritics_case_and_tone_placement(app: TestApp) {
    let t = app.token("xem.baocao").await;
    let plain = TestApp::expect(
        app.get_as(&t, "/api/v1/org-units?q=tan+son&limit=500")
            .await,
        200,
    )
    .await;
    let marked = TestApp::expect(
        app.get_as(&t, "/api/v1/org-units?q=T%C3%A2n+S%C6%A1n&limit=500")
            .await,
        200,
    )
    .await;
    let upper = TestApp::expect(
        app.get_as(&t, "/api/v1/org-units?q=TAN+SON&limit=500")
            .await,
        200,
    )
    .await;
    let found = names(&plain);
    assert!(found.contains(&"Huyện Tân Sơn".to_owned()), "{found:?}");
    assert!(found.contains(&"Xã Tân Sơn".to_owned()), "{found:?}");
    assert_eq!(plain["total"], marked["total"]);
    assert_eq!(plain["total"], upper["total"]);
    // The file spells the old province "Hoà Bình"; new-style "Hòa" finds it.
    let new_style = TestApp::expect(
        app.get_as(&t, "/api/v1/org-units?q=H%C3%B2a+B%C3%ACnh&kind=province")
            .await,
        200,
    )
    .await;
    assert_eq!(names(&new_style), vec!["Tỉnh Hoà Bình".to_owned()]);
    let old_style = TestApp::expect(
        app.get_as(&t, "/api/v1/org-units?q=Ho%C3%A0+B%C3%ACnh&kind=province")
            .await,
        200,
    )
    .await;
    assert_eq!(names(&new_style), names(&old_style));
    // Paging: total stays, items are capped, order is stable.
    let page1 = TestApp::expect(app.get_as(&t, "/api/v1/org-units?q=xa&limit=5").await, 200).await;
    let page2 = TestApp::expect(
        app.get_as(&t, "/api/v1/org-units?q=xa&limit=5&offset=5")
            .await,
        200,
    )
    .await;
    assert_eq!(page1["items"].as_array().unwrap().len(), 5);
    assert_eq!(page1["total"], page2["total"]);
    assert_ne!(names(&page1), names(&page2));
    let bad = TestApp::expect(app.get_as(&t, "/api/v1/org-units?limit=0").await, 422).await;
    assert_eq!(bad["errors"][0]["field"], "limit");
    let bad_kind =
        TestApp::expect(app.get_as(&t, "/api/v1/org-units?kind=planet").await, 400).await;
    assert_eq!(bad_kind["code"], "invalid_query");
}

async fn tree_as_of_dates_before_and_after_the_reform(app: TestApp) {
    let t = app.token("xem.baocao").await;
    let count = |v: Value| v["total"].as_i64().unwrap();
    let before = count(
        TestApp::expect(
            app.get_as(&t, "/api/v1/org-units?kind=district&as_of=2025-06-01")
                .await,
            200,
        )
        .await,
    );
    let after = count(
        TestApp::expect(
            app.get_as(&t, "/api/v1/org-units?kind=district&as_of=2025-08-01")
                .await,
            200,
        )
        .await,
    );
    // Phú Thọ, Vĩnh Phúc and Hòa Bình had 32 districts; none exist after.
    assert_eq!(before, 32);
    assert_eq!(after, 0);
    let provinces_before = count(
        TestApp::expect(
            app.get_as(&t, "/api/v1/org-units?kind=province&as_of=2025-06-30")
                .await,
            200,
        )
        .await,
    );
    let provinces_after = count(
        TestApp::expect(
            app.get_as(&t, "/api/v1/org-units?kind=province&as_of=2025-07-01")
                .await,
            200,
        )
        .await,
    );
    assert_eq!((provinces_before, provinces_after), (3, 1));
    let new_province = app.unit_id(&t, "Tỉnh Phú Thọ").await;
    let communes = count(
        TestApp::expect(
            app.get_as(
                &t,
                &format!(
                    "/api/v1/org-units?kind=commune&parent_id={new_province}&as_of=2025-07-01"
                ),
            )
            .await,
            200,
        )
        .await,
    );
    assert_eq!(communes, 148);
}

async fn detail_lineage_and_predecessors(app: TestApp) {
    let t = app.token("xem.baocao").await;
    let old = TestApp::expect(
        app.get_as(&t, "/api/v1/org-units?code=08566&as_of=2025-01-01")
            .await,
        200,
    )
    .await;
    assert_eq!(old["items"][0]["name"], "Thị trấn Tân Phú");
    let old_id = old["items"][0]["id"].as_i64().unwrap();
    let detail = TestApp::expect(
        app.get_as(&t, &format!("/api/v1/org-units/{old_id}")).await,
        200,
    )
    .await;
    let ancestors: Vec<&str> = detail["ancestors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(ancestors, vec!["Tỉnh Phú Thọ", "Huyện Tân Sơn"]);
    assert_eq!(detail["valid_to"], "2025-06-30");
    let successors = TestApp::expect(
        app.get_as(&t, &format!("/api/v1/org-units/{old_id}/successors"))
            .await,
        200,
    )
    .await;
    assert_eq!(successors[0]["unit"]["name"], "Xã Tân Sơn");
    assert_eq!(successors[0]["effective_date"], "2025-07-01");
    let new_id = successors[0]["unit"]["id"].as_i64().unwrap();
    let preds = TestApp::expect(
        app.get_as(&t, &format!("/api/v1/org-units/{new_id}/predecessors"))
            .await,
        200,
    )
    .await;
    let mut pred_names: Vec<&str> = preds
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["unit"]["name"].as_str().unwrap())
        .collect();
    pred_names.sort();
    assert_eq!(
        pred_names,
        vec!["Thị trấn Tân Phú", "Xã Thu Ngạc", "Xã Thạch Kiệt"]
    );
    TestApp::expect(app.get_as(&t, "/api/v1/org-units/999999999").await, 404).await;
    TestApp::expect(
        app.get_as(&t, "/api/v1/org-units/999999999/successors")
            .await,
        404,
    )
    .await;
    let bad = TestApp::expect(app.get_as(&t, "/api/v1/org-units/abc").await, 400).await;
    assert_eq!(bad["code"], "invalid_path");
}

async fn audit_actions(app: &TestApp, admin: &str, entity_id: i64) -> Vec<String> {
    let page = TestApp::expect(
        app.get_as(
            admin,
            &format!("/api/v1/audit?entity=org_unit&entity_id={entity_id}"),
        )
        .await,
        200,
    )
    .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap().to_owned())
        .collect()
}

async fn admin_creates_renames_and_closes_units_with_audit(app: TestApp) {
    let admin = app.token("admin").await;
    let commune = app.unit_id(&admin, "Xã Tân Sơn").await;
    let village = TestApp::expect(
        app.post_as(
            &admin,
            "/api/v1/org-units",
            &json!({"name": "Thôn Xuân Thắng", "kind": "village", "unit_type": "thôn", "parent_id": commune, "valid_from": "2025-07-01"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(village["short_name"], "Xuân Thắng");
    assert_eq!(village["depth"], 2);
    let id = village["id"].as_i64().unwrap();
    // A village cannot sit under a province.
    let province = app.unit_id(&admin, "Tỉnh Phú Thọ").await;
    let wrong = TestApp::expect(
        app.post_as(&admin, "/api/v1/org-units", &json!({"name": "Thôn Lạc", "kind": "village", "unit_type": "thôn", "parent_id": province})).await,
        422,
    )
    .await;
    assert_eq!(wrong["errors"][0]["field"], "parent_id");
    let bad_code = TestApp::expect(
        app.post_as(&admin, "/api/v1/org-units", &json!({"name": "Thôn A", "code": "12a", "kind": "village", "unit_type": "thôn", "parent_id": commune})).await,
        422,
    )
    .await;
    assert_eq!(bad_code["errors"][0]["field"], "code");
    let renamed = TestApp::expect(
        app.call(
            &admin,
            Method::PATCH,
            &format!("/api/v1/org-units/{id}"),
            Some(&json!({"name": "Thôn Xuân Thịnh"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(renamed["alt_names"], json!(["Thôn Xuân Thắng"]));
    // The old name still finds it.
    let found = TestApp::expect(
        app.get_as(&admin, "/api/v1/org-units?q=xuan+thang").await,
        200,
    )
    .await;
    assert_eq!(found["items"][0]["id"], id);
    let closed = TestApp::expect(
        app.post_as(
            &admin,
            &format!("/api/v1/org-units/{id}/close"),
            &json!({"valid_to": "2026-12-31"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(closed["valid_to"], "2026-12-31");
    TestApp::expect(
        app.post_as(
            &admin,
            &format!("/api/v1/org-units/{id}/close"),
            &json!({"valid_to": "2026-12-31"}),
        )
        .await,
        409,
    )
    .await;
    // The commune cannot close while... it has no open child now, but the
    // province has open communes: refused.
    let refused = TestApp::expect(
        app.post_as(
            &admin,
            &format!("/api/v1/org-units/{province}/close"),
            &json!({"valid_to": "2026-12-31"}),
        )
        .await,
        409,
    )
    .await;
    assert_eq!(refused["code"], "conflict");
    let mut actions = audit_actions(&app, &admin, id).await;
    actions.sort();
    assert_eq!(
        actions,
        vec!["org_unit.close", "org_unit.create", "org_unit.rename"]
    );
    let db = app.db.clone();
    let report = tokio::task::spawn_blocking(move || {
        persistence::audit::verify(&mut db.conn().unwrap()).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(report.first_broken, None);
    assert!(report.rows >= 3);
}

async fn merge_closes_links_and_moves_children(app: TestApp) {
    let admin = app.token("admin").await;
    let province = app.unit_id(&admin, "Tỉnh Phú Thọ").await;
    let a = app.unit_id(&admin, "Xã Tân Sơn").await;
    let b = app.unit_id(&admin, "Xã Minh Đài").await;
    let village = TestApp::expect(
        app.post_as(
            &admin,
            "/api/v1/org-units",
            &json!({"name": "Bản Cỏi", "kind": "village", "unit_type": "bản", "parent_id": a}),
        )
        .await,
        201,
    )
    .await;
    let merged = TestApp::expect(
        app.post_as(
            &admin,
            "/api/v1/org-units/merges",
            &json!({
                "predecessor_ids": [a, b],
                "new_unit": {"name": "Xã Tân Minh", "kind": "commune", "unit_type": "xã", "parent_id": province},
                "effective_date": "2027-01-01",
                "move_children": true
            }),
        )
        .await,
        200,
    )
    .await;
    let new_id = merged["successor"]["id"].as_i64().unwrap();
    assert_eq!(merged["successor"]["valid_from"], "2027-01-01");
    assert_eq!(merged["closed"][0]["valid_to"], "2026-12-31");
    assert_eq!(merged["closed"][1]["valid_to"], "2026-12-31");
    // The new village moves with the commune's other villages.
    assert!(
        merged["moved_children"]
            .as_array()
            .unwrap()
            .contains(&village["id"]),
        "{merged}"
    );
    let moved = TestApp::expect(
        app.get_as(&admin, &format!("/api/v1/org-units/{}", village["id"]))
            .await,
        200,
    )
    .await;
    assert_eq!(moved["parent_id"], new_id);
    assert_eq!(moved["ancestors"][1]["name"], "Xã Tân Minh");
    let within = TestApp::expect(
        app.get_as(&admin, &format!("/api/v1/org-units?within={new_id}"))
            .await,
        200,
    )
    .await;
    assert_eq!(
        within["total"].as_u64().unwrap(),
        merged["moved_children"].as_array().unwrap().len() as u64 + 1,
        "the new commune and its moved villages"
    );
    let preds = TestApp::expect(
        app.get_as(&admin, &format!("/api/v1/org-units/{new_id}/predecessors"))
            .await,
        200,
    )
    .await;
    assert_eq!(preds.as_array().unwrap().len(), 2);
    // History is kept: the old commune is still there, closed.
    let old = TestApp::expect(
        app.get_as(&admin, &format!("/api/v1/org-units/{a}")).await,
        200,
    )
    .await;
    assert_eq!(old["valid_to"], "2026-12-31");
    assert_eq!(
        audit_actions(&app, &admin, a).await,
        vec!["org_unit.merge", "org_unit.close"]
    );
    // Exactly one of successor_id / new_unit.
    let both = TestApp::expect(
        app.post_as(
            &admin,
            "/api/v1/org-units/merges",
            &json!({"predecessor_ids": [a], "effective_date": "2027-01-01"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(both["errors"][0]["field"], "successor_id");
}

async fn only_admins_change_units(app: TestApp) {
    let leader = app.token("lanhdao.ubnd").await;
    let commune = app.unit_id(&leader, "Xã Tân Sơn").await;
    let res = TestApp::expect(
        app.post_as(&leader, "/api/v1/org-units", &json!({"name": "Thôn Mới", "kind": "village", "unit_type": "thôn", "parent_id": commune})).await,
        403,
    )
    .await;
    assert_eq!(res["code"], "forbidden");
    TestApp::expect(
        app.call(
            &leader,
            Method::PATCH,
            &format!("/api/v1/org-units/{commune}"),
            Some(&json!({"name": "Xã Khác"})),
        )
        .await,
        403,
    )
    .await;
}
