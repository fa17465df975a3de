//! Directive tracking over HTTP: the whole life of a task as the right
//! roles, refusals for the wrong ones, conflicting actions at once,
//! timeliness and list filters.

use blackbox::{backend_tests, days_from_today, json, Shot, TestApp, Value};
use diesel::RunQueryDsl;

backend_tests!(demo:
    a_task_from_assignment_to_confirmation,
    task_list_filters_scope_and_timeliness,
    statistics_match_a_hand_computed_fixture,
    demo_data_holds_every_state_and_timeliness_class,
    the_board_works_with_a_board_token_and_nothing_else,
    a_commune_forwards_part_of_a_task_to_a_village,
    reminders_fire_once_per_task_and_event,
    reminder_mail_goes_out_once_and_is_retried_after_a_failure,
    statistics_export_reopens_with_the_api_totals,
    task_list_export_follows_the_filters,
    concurrent_actions_on_one_task_chain_legal_steps,
);

struct Fixture {
    office: i64,
    province: i64,
    finance: i64,
    construction: i64,
    specialist_id: i64,
}

async fn fixture(app: &TestApp, specialist: &str) -> Fixture {
    let me = TestApp::expect(app.get_as(specialist, "/api/v1/me").await, 200).await;
    Fixture {
        office: app.unit_id(specialist, "Văn phòng UBND tỉnh Phú Thọ").await,
        province: app.unit_id(specialist, "Tỉnh Phú Thọ").await,
        finance: app.unit_id(specialist, "Sở Tài chính").await,
        construction: app.unit_id(specialist, "Sở Xây dựng").await,
        specialist_id: me["id"].as_i64().unwrap(),
    }
}

async fn act(app: &TestApp, token: &str, task: i64, body: Value, status: u16) -> Value {
    TestApp::expect(
        app.post_as(token, &format!("/api/v1/tasks/{task}/actions"), &body)
            .await,
        status,
    )
    .await
}

async fn a_task_from_assignment_to_confirmation(app: TestApp) {
    let specialist = app.token("vp.chuyenvien").await;
    let office_leader = app.token("vp.lanhdao").await;
    let officer = app.token("sotc.canbo").await;
    let agency_leader = app.token("sotc.lanhdao").await;
    let commune = app.token("xa.tanson").await;
    let appraiser = app.token("soxd.thamdinh").await;
    let f = fixture(&app, &specialist).await;
    let directive = TestApp::expect(
        app.post_as(
            &specialist,
            "/api/v1/directives",
            &json!({
                "issuing_unit_id": f.province, "office_unit_id": f.office,
                "issuer": "vice_chair", "issuer_name": "Phó Chủ tịch UBND tỉnh",
                "kind": "conclusion_notice", "number": "3784/TB-UBND",
                "issued_on": days_from_today(-40),
                "summary": "Kết luận về đẩy nhanh tiến độ giải ngân vốn đầu tư công",
                "tasks": [{
                    "content": "Rà soát, điều chuyển vốn của các dự án giải ngân chậm",
                    "lead_unit_id": f.finance, "coordinating_unit_ids": [f.construction],
                    "specialist_id": f.specialist_id, "deadline": days_from_today(-2),
                    "priority": "high"
                }]
            }),
        )
        .await,
        201,
    )
    .await;
    let task = directive["tasks"][0]["id"].as_i64().unwrap();
    assert_eq!(directive["tasks"][0]["state"], "assigned");
    assert_eq!(directive["tasks"][0]["timeliness"], "overdue");
    assert_eq!(directive["tasks"][0]["colour"], "red");
    // The same number and date twice is a conflict.
    let dup = app
        .post_as(&specialist, "/api/v1/directives", &json!({
            "issuing_unit_id": f.province, "office_unit_id": f.office, "issuer": "chair",
            "kind": "conclusion_notice", "number": "3784/TB-UBND", "issued_on": days_from_today(-40),
            "summary": "Trùng"}))
        .await;
    assert_eq!(dup.status(), 409);
    // Outside every grant: not found. An observer may look but not act.
    TestApp::expect(
        app.get_as(&commune, &format!("/api/v1/tasks/{task}")).await,
        404,
    )
    .await;
    let seen = TestApp::expect(
        app.get_as(&appraiser, &format!("/api/v1/tasks/{task}"))
            .await,
        200,
    )
    .await;
    assert_eq!(seen["parties"], json!(["observer"]));
    assert_eq!(seen["available_actions"], json!([]));
    let refused = act(
        &app,
        &appraiser,
        task,
        json!({"action": "report_progress", "percent": 10}),
        403,
    )
    .await;
    assert_eq!(refused["code"], "forbidden");
    // The lead agency works on it.
    let accepted = act(&app, &officer, task, json!({"action": "accept"}), 200).await;
    assert_eq!(accepted["state"], "in_progress");
    // Progress with a file: uploaded first, then posted with the entry.
    let report = TestApp::expect(
        app.upload(
            &officer,
            "Báo cáo rà soát.pdf",
            b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec(),
        )
        .await,
        201,
    )
    .await;
    let progressed = act(
        &app,
        &officer,
        task,
        json!({"action": "report_progress", "percent": 40, "note": "Đã rà soát 12 dự án",
               "attachment_ids": [report["id"]]}),
        200,
    )
    .await;
    let entry = progressed["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(entry["kind"], "report_progress");
    assert_eq!(entry["attachments"][0]["file_name"], "Báo cáo rà soát.pdf");
    let file = app
        .get_as(
            &specialist,
            entry["attachments"][0]["download_url"].as_str().unwrap(),
        )
        .await;
    assert_eq!(file.status(), 200);
    assert_eq!(
        file.bytes().await.unwrap().as_ref(),
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    );
    let bad = act(
        &app,
        &officer,
        task,
        json!({"action": "report_progress", "percent": 140}),
        422,
    )
    .await;
    assert_eq!(bad["errors"][0]["field"], "percent");
    let flagged = act(
        &app,
        &officer,
        task,
        json!({"action": "report_difficulty", "note": "Chưa có ý kiến của Bộ"}),
        200,
    )
    .await;
    assert_eq!(flagged["has_difficulty"], true);
    act(
        &app,
        &specialist,
        task,
        json!({"action": "remind", "note": "Đề nghị khẩn trương báo cáo"}),
        200,
    )
    .await;
    // An extension is asked for and approved; the original deadline stays.
    let asked = act(&app, &agency_leader, task, json!({"action": "request_extension", "new_deadline": days_from_today(1), "reason": "Chờ ý kiến Bộ Tài chính"}), 200).await;
    assert!(
        asked["available_actions"].as_array().unwrap().is_empty()
            || asked["state"] == "in_progress"
    );
    act(&app, &agency_leader, task, json!({"action": "request_extension", "new_deadline": days_from_today(5), "reason": "Lần hai"}), 409).await;
    TestApp::expect(
        app.get_as(&officer, &format!("/api/v1/tasks/{task}")).await,
        200,
    )
    .await;
    let decision = act(
        &app,
        &officer,
        task,
        json!({"action": "decide_extension", "approve": true}),
        403,
    )
    .await;
    assert_eq!(decision["code"], "forbidden");
    let extended = act(
        &app,
        &office_leader,
        task,
        json!({"action": "decide_extension", "approve": true}),
        200,
    )
    .await;
    assert_eq!(extended["deadline"], days_from_today(1));
    assert_eq!(extended["original_deadline"], days_from_today(-2));
    assert_eq!(extended["timeliness"], "due_soon");
    // Shorten it back to the past to exercise a late completion: a second
    // extension request to yesterday is refused (must be later than today).
    act(
        &app,
        &agency_leader,
        task,
        json!({"action": "request_extension", "new_deadline": days_from_today(-1), "reason": "x"}),
        422,
    )
    .await;
    // Completion: proposed, returned by the specialist, proposed again,
    // reviewed, returned by the leadership, proposed, reviewed, confirmed.
    act(
        &app,
        &officer,
        task,
        json!({"action": "propose_completion", "result": ""}),
        422,
    )
    .await;
    let proposed = act(
        &app,
        &officer,
        task,
        json!({"action": "propose_completion", "result": "Đã điều chuyển 120 tỷ đồng"}),
        200,
    )
    .await;
    assert_eq!(proposed["state"], "completion_proposed");
    let returned = act(
        &app,
        &specialist,
        task,
        json!({"action": "review", "accept": false}),
        422,
    )
    .await;
    assert_eq!(returned["errors"][0]["field"], "reason");
    act(
        &app,
        &specialist,
        task,
        json!({"action": "review", "accept": false, "reason": "Thiếu danh mục dự án"}),
        200,
    )
    .await;
    act(&app, &officer, task, json!({"action": "propose_completion", "result": "Đã điều chuyển 120 tỷ đồng, kèm danh mục"}), 200).await;
    let reviewed = act(
        &app,
        &specialist,
        task,
        json!({"action": "review", "accept": true}),
        200,
    )
    .await;
    assert_eq!(reviewed["state"], "reviewed");
    // Only the leadership confirms.
    act(&app, &officer, task, json!({"action": "confirm"}), 403).await;
    act(&app, &specialist, task, json!({"action": "confirm"}), 403).await;
    act(
        &app,
        &office_leader,
        task,
        json!({"action": "return", "reason": "Bổ sung số liệu giải ngân"}),
        200,
    )
    .await;
    act(
        &app,
        &officer,
        task,
        json!({"action": "propose_completion", "result": "Bổ sung số liệu"}),
        200,
    )
    .await;
    act(
        &app,
        &specialist,
        task,
        json!({"action": "review", "accept": true}),
        200,
    )
    .await;
    let done = act(
        &app,
        &office_leader,
        task,
        json!({"action": "confirm"}),
        200,
    )
    .await;
    assert_eq!(done["state"], "completed");
    assert_eq!(done["timeliness"], "completed_on_time");
    assert_eq!(done["colour"], "blue");
    // A closed task only takes comments and (by the leadership) reopening.
    act(
        &app,
        &officer,
        task,
        json!({"action": "report_progress", "percent": 100}),
        409,
    )
    .await;
    let timeline: Vec<String> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        timeline,
        vec![
            "accept",
            "report_progress",
            "report_difficulty",
            "remind",
            "request_extension",
            "decide_extension",
            "propose_completion",
            "review",
            "propose_completion",
            "review",
            "return",
            "propose_completion",
            "review",
            "confirm"
        ]
    );
    let admin = app.token("admin").await;
    let audit = TestApp::expect(
        app.get_as(
            &admin,
            &format!("/api/v1/audit?entity=task&entity_id={task}&limit=100"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(audit["total"], 15, "task.create plus one row per step");
}

async fn task_list_filters_scope_and_timeliness(app: TestApp) {
    let specialist = app.token("vp.chuyenvien").await;
    let f = fixture(&app, &specialist).await;
    let tasks = json!([
        {"content": "Báo cáo quyết toán vốn", "lead_unit_id": f.finance, "deadline": days_from_today(-1)},
        {"content": "Kiểm tra chất lượng công trình", "lead_unit_id": f.construction, "deadline": days_from_today(2)},
        {"content": "Theo dõi giá vật liệu xây dựng", "lead_unit_id": f.construction, "deadline": days_from_today(30)},
        {"content": "Cập nhật cơ sở dữ liệu giá", "lead_unit_id": f.finance}
    ]);
    let created = TestApp::expect(
        app.post_as(
            &specialist,
            "/api/v1/directives",
            &json!({
            "issuing_unit_id": f.province, "office_unit_id": f.office, "issuer": "chair",
            "kind": "directive", "number": "12/CT-UBND", "issued_on": days_from_today(-10),
            "summary": "Chỉ thị về quản lý đầu tư xây dựng", "tasks": tasks}),
        )
        .await,
        201,
    )
    .await;
    let classes: Vec<&str> = created["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["timeliness"].as_str().unwrap())
        .collect();
    assert_eq!(
        classes,
        vec!["overdue", "due_soon", "on_time", "no_deadline"]
    );
    // The demo has its own tasks: look at this directive's.
    let d = created["id"].as_i64().unwrap();
    let total = |v: &Value| v["total"].as_i64().unwrap();
    for (class, expected) in [
        ("overdue", 1),
        ("due_soon", 1),
        ("on_time", 1),
        ("no_deadline", 1),
        ("completed_late", 0),
    ] {
        let page = TestApp::expect(
            app.get_as(
                &specialist,
                &format!("/api/v1/tasks?directive_id={d}&timeliness={class}"),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(total(&page), expected, "{class}");
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["timeliness"] == class),
            "{class}"
        );
    }
    let found = TestApp::expect(
        app.get_as(
            &specialist,
            &format!("/api/v1/tasks?directive_id={d}&q=chat+luong+cong+trinh"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(total(&found), 1);
    let by_lead = TestApp::expect(
        app.get_as(
            &specialist,
            &format!(
                "/api/v1/tasks?directive_id={d}&lead_unit_id={}",
                f.construction
            ),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(total(&by_lead), 2);
    // Deadline order, standing tasks last.
    let all = TestApp::expect(
        app.get_as(&specialist, &format!("/api/v1/tasks?directive_id={d}"))
            .await,
        200,
    )
    .await;
    let contents: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents.last(), Some(&"Cập nhật cơ sở dữ liệu giá"));
    // Each agency sees its own; a commune sees none.
    let finance_view = TestApp::expect(
        app.get_as(
            &app.token("sotc.canbo").await,
            &format!("/api/v1/tasks?directive_id={d}"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(total(&finance_view), 2);
    let commune_view = TestApp::expect(
        app.get_as(
            &app.token("xa.tanson").await,
            &format!("/api/v1/tasks?directive_id={d}"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(total(&commune_view), 0);
    let directives = TestApp::expect(
        app.get_as(
            &app.token("sotc.canbo").await,
            "/api/v1/directives?q=12/ct-ubnd",
        )
        .await,
        200,
    )
    .await;
    assert_eq!(total(&directives), 1);
    // An agency officer cannot record directives.
    let denied = app.post_as(&app.token("sotc.canbo").await, "/api/v1/directives", &json!({
        "issuing_unit_id": f.province, "office_unit_id": f.office, "issuer": "chair",
        "kind": "directive", "number": "13/CT-UBND", "issued_on": days_from_today(-1), "summary": "x"})).await;
    assert_eq!(denied.status(), 404);
    let bad = TestApp::expect(
        app.get_as(&specialist, "/api/v1/tasks?timeliness=purple")
            .await,
        400,
    )
    .await;
    assert_eq!(bad["code"], "invalid_query");
}

async fn statistics_match_a_hand_computed_fixture(app: TestApp) {
    let specialist = app.token("vp.chuyenvien").await;
    let officer = app.token("sotc.canbo").await;
    let office_leader = app.token("vp.lanhdao").await;
    let f = fixture(&app, &specialist).await;
    let created = TestApp::expect(
        app.post_as(&specialist, "/api/v1/directives", &json!({
            "issuing_unit_id": f.province, "office_unit_id": f.office, "issuer": "vice_chair",
            "kind": "meeting_conclusion", "number": "45/TB-UBND", "issued_on": days_from_today(-20),
            "summary": "Kết luận giao ban tháng",
            "tasks": [
                {"content": "A quá hạn", "lead_unit_id": f.finance, "deadline": days_from_today(-3), "specialist_id": f.specialist_id},
                {"content": "B thường xuyên", "lead_unit_id": f.finance, "reporting_cycle": "monthly"},
                {"content": "C hoàn thành đúng hạn", "lead_unit_id": f.finance, "deadline": days_from_today(20)},
                {"content": "D sắp đến hạn", "lead_unit_id": f.construction, "deadline": days_from_today(1)},
                {"content": "E trong hạn", "lead_unit_id": f.construction, "deadline": days_from_today(40)},
                {"content": "F bị hủy", "lead_unit_id": f.construction, "deadline": days_from_today(5)}
            ]})).await,
        201,
    )
    .await;
    let id = |i: usize| created["tasks"][i]["id"].as_i64().unwrap();
    // The demo has its own tasks: look at this directive's.
    let d = created["id"].as_i64().unwrap();
    act(&app, &officer, id(2), json!({"action": "accept"}), 200).await;
    act(
        &app,
        &officer,
        id(2),
        json!({"action": "propose_completion", "result": "Xong"}),
        200,
    )
    .await;
    act(
        &app,
        &specialist,
        id(2),
        json!({"action": "review", "accept": true}),
        200,
    )
    .await;
    act(
        &app,
        &office_leader,
        id(2),
        json!({"action": "confirm"}),
        200,
    )
    .await;
    act(
        &app,
        &office_leader,
        id(5),
        json!({"action": "cancel", "reason": "Giao lại đơn vị khác"}),
        200,
    )
    .await;

    let stats = TestApp::expect(
        app.get_as(
            &specialist,
            &format!("/api/v1/task-stats?directive_id={d}&group_by=lead_unit"),
        )
        .await,
        200,
    )
    .await;
    let rows = stats["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let finance = rows.iter().find(|r| r["label"] == "Sở Tài chính").unwrap();
    assert_eq!(
        finance["counts"],
        json!({"total": 3, "on_time": 0, "due_soon": 0, "overdue": 1, "completed_on_time": 1, "completed_late": 0, "no_deadline": 1})
    );
    assert_eq!(finance["on_time_rate_bp"], 10000);
    let construction = rows.iter().find(|r| r["label"] == "Sở Xây dựng").unwrap();
    assert_eq!(
        construction["counts"],
        json!({"total": 2, "on_time": 1, "due_soon": 1, "overdue": 0, "completed_on_time": 0, "completed_late": 0, "no_deadline": 0})
    );
    assert!(construction["on_time_rate_bp"].is_null());
    assert_eq!(
        stats["total"]["counts"]["total"], 5,
        "the cancelled task is not counted"
    );
    // The province's leader reaches these tasks three ways (issued, followed
    // up and led inside the province), the specialist one (the office): each
    // task is counted and listed once all the same.
    let leader = app.token("lanhdao.ubnd").await;
    let path = format!("/api/v1/task-stats?directive_id={d}&group_by=lead_unit");
    let by_leader = TestApp::expect(app.get_as(&leader, &path).await, 200).await;
    assert_eq!(
        (&by_leader["rows"], &by_leader["total"]),
        (&stats["rows"], &stats["total"])
    );
    let listed = TestApp::expect(
        app.get_as(&leader, &format!("/api/v1/tasks?directive_id={d}&limit=50"))
            .await,
        200,
    )
    .await;
    let mut ids: Vec<i64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    assert_eq!(ids, (0..6).map(id).collect::<Vec<_>>());
    assert_eq!(listed["total"], 6);
    let by_issuer = TestApp::expect(
        app.get_as(
            &specialist,
            &format!("/api/v1/task-stats?directive_id={d}&group_by=issuer"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(by_issuer["rows"][0]["key"], "vice_chair");
    assert_eq!(by_issuer["rows"][0]["label"], "Phó Chủ tịch UBND");
    let by_specialist = TestApp::expect(
        app.get_as(
            &specialist,
            &format!("/api/v1/task-stats?directive_id={d}&group_by=specialist"),
        )
        .await,
        200,
    )
    .await;
    let named: Vec<&str> = by_specialist["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["label"].as_str().unwrap())
        .collect();
    assert!(named.contains(&"Lê Minh Tuấn"), "{named:?}");
    let by_quarter = TestApp::expect(
        app.get_as(
            &specialist,
            &format!("/api/v1/task-stats?directive_id={d}&group_by=quarter"),
        )
        .await,
        200,
    )
    .await;
    let sum: i64 = by_quarter["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["counts"]["total"].as_i64().unwrap())
        .sum();
    assert_eq!(sum, 5);
    // The finance officer's statistics cover only its own tasks.
    let own = TestApp::expect(
        app.get_as(&officer, &format!("/api/v1/task-stats?directive_id={d}"))
            .await,
        200,
    )
    .await;
    assert_eq!(own["total"]["counts"]["total"], 3);
    // By default the statistics hold the year's work: a task completed in
    // an earlier year counts only with `period=all`.
    let year: i32 = stats["as_of"].as_str().unwrap()[..4].parse().unwrap();
    let earlier = format!("'{}-06-30'", year - 1);
    let mut conn = app.db.conn().unwrap();
    for sql in [
        format!(
            "UPDATE tasks SET completed_on = {earlier} WHERE id = {}",
            id(2)
        ),
        format!(
            "UPDATE task_coordinators SET task_completed_on = {earlier} WHERE task_id = {}",
            id(2)
        ),
    ] {
        diesel::sql_query(sql).execute(&mut *conn).unwrap();
    }
    drop(conn);
    for (period, total, on_time) in [("", 2, 0), ("&period=current", 2, 0), ("&period=all", 3, 1)] {
        let own = TestApp::expect(
            app.get_as(
                &officer,
                &format!("/api/v1/task-stats?directive_id={d}{period}"),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(own["total"]["counts"]["total"], total, "{period}: {own}");
        assert_eq!(
            own["total"]["counts"]["completed_on_time"], on_time,
            "{period}"
        );
    }
    TestApp::expect(
        app.get_as(&officer, "/api/v1/task-stats?period=forever")
            .await,
        400,
    )
    .await;
    TestApp::expect(
        app.get_as(&specialist, "/api/v1/task-stats?group_by=planet")
            .await,
        400,
    )
    .await;
}

async fn demo_data_holds_every_state_and_timeliness_class(app: TestApp) {
    let leader = app.token("lanhdao.ubnd").await;
    let page = TestApp::expect(app.get_as(&leader, "/api/v1/tasks?limit=500").await, 200).await;
    let mut states: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["state"].as_str().unwrap())
        .collect();
    states.sort();
    states.dedup();
    assert_eq!(
        states,
        vec![
            "assigned",
            "cancelled",
            "completed",
            "completion_proposed",
            "decline_proposed",
            "in_progress",
            "reviewed"
        ]
    );
    let mut classes: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["timeliness"].as_str().unwrap())
        .collect();
    classes.sort();
    classes.dedup();
    assert_eq!(
        classes,
        vec![
            "completed_late",
            "completed_on_time",
            "due_soon",
            "no_deadline",
            "on_time",
            "overdue"
        ]
    );
    // The timeline of a confirmed demo task was written through the rules.
    let done = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["state"] == "completed")
        .unwrap();
    let detail = TestApp::expect(
        app.get_as(&leader, &format!("/api/v1/tasks/{}", done["id"]))
            .await,
        200,
    )
    .await;
    assert_eq!(
        detail["timeline"].as_array().unwrap().last().unwrap()["kind"],
        "confirm"
    );
}

async fn the_board_works_with_a_board_token_and_nothing_else(app: TestApp) {
    let (office_leader, created) = app.office_board_token().await;
    let token = created["token"].as_str().unwrap();
    let board = TestApp::expect(app.get(&format!("/api/v1/board?token={token}")).await, 200).await;
    assert_eq!(board["unit_name"], "Văn phòng UBND tỉnh Phú Thọ");
    assert_eq!(board["refresh_seconds"], 30);
    // The demo's 19 tasks less the cancelled one.
    assert_eq!(board["total"]["counts"]["total"], 18);
    let tiles: i64 = board["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["counts"]["total"].as_i64().unwrap())
        .sum();
    assert_eq!(tiles, 18);
    let overdue = board["overdue"].as_array().unwrap();
    assert_eq!(
        overdue.len() as i64,
        board["total"]["counts"]["overdue"].as_i64().unwrap()
    );
    let days: Vec<i64> = overdue
        .iter()
        .map(|o| o["days_overdue"].as_i64().unwrap())
        .collect();
    let mut sorted = days.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(days, sorted, "most overdue first");
    // Nothing but a valid board token opens it.
    TestApp::expect(app.get("/api/v1/board").await, 401).await;
    TestApp::expect(
        app.get(&format!("/api/v1/board?token={office_leader}"))
            .await,
        401,
    )
    .await;
    let with_jwt = app.get_as(&office_leader, "/api/v1/board").await;
    assert_eq!(with_jwt.status(), 401);
    TestApp::expect(app.get(&format!("/api/v1/board?token={token}x")).await, 401).await;
    let id = created["board_token"]["id"].as_i64().unwrap();
    TestApp::expect(
        app.post_as(
            &office_leader,
            &format!("/api/v1/board-tokens/{id}/revoke"),
            &json!({}),
        )
        .await,
        200,
    )
    .await;
    TestApp::expect(app.get(&format!("/api/v1/board?token={token}")).await, 401).await;
}

async fn a_commune_forwards_part_of_a_task_to_a_village(app: TestApp) {
    let admin = app.token("admin").await;
    let specialist = app.token("vp.chuyenvien").await;
    let commune_officer = app.token("xa.tanson").await;
    let f = fixture(&app, &specialist).await;
    let commune = app.unit_id(&admin, "Xã Tân Sơn").await;
    let village = TestApp::expect(
        app.post_as(&admin, "/api/v1/org-units", &json!({"name": "Thôn Đồng Sơn", "kind": "village", "unit_type": "thôn", "parent_id": commune})).await,
        201,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let directive = TestApp::expect(
        app.post_as(&specialist, "/api/v1/directives", &json!({
            "issuing_unit_id": f.province, "office_unit_id": f.office, "issuer": "committee",
            "kind": "official_letter", "number": "77/UBND-VP", "issued_on": days_from_today(-3),
            "summary": "Rà soát hộ nghèo cuối năm",
            "tasks": [{"content": "Rà soát hộ nghèo trên địa bàn xã", "lead_unit_id": commune, "deadline": days_from_today(20)}]})).await,
        201,
    )
    .await;
    let parent = directive["tasks"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/tasks/{parent}/subtasks");
    // Not under the lead unit: refused in place.
    let wrong = TestApp::expect(
        app.post_as(
            &commune_officer,
            &path,
            &json!({"content": "x", "lead_unit_id": f.finance}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(wrong["errors"][0]["field"], "lead_unit_id");
    let late = TestApp::expect(
        app.post_as(
            &commune_officer,
            &path,
            &json!({"content": "x", "lead_unit_id": village, "deadline": days_from_today(30)}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(late["errors"][0]["field"], "deadline");
    // Only the lead unit forwards.
    TestApp::expect(
        app.post_as(
            &specialist,
            &path,
            &json!({"content": "x", "lead_unit_id": village}),
        )
        .await,
        403,
    )
    .await;
    let child = TestApp::expect(
        app.post_as(
            &commune_officer,
            &path,
            &json!({"content": "Rà soát hộ nghèo thôn Đồng Sơn", "lead_unit_id": village}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(child["parent_task_id"], parent);
    assert_eq!(child["deadline"], days_from_today(20));
    let child_id = child["id"].as_i64().unwrap();
    // The commune acts as the child's issuer: it can take it through to confirmation.
    for body in [
        json!({"action": "accept"}),
        json!({"action": "propose_completion", "result": "Đã rà soát 45 hộ"}),
        json!({"action": "review", "accept": true}),
        json!({"action": "confirm"}),
    ] {
        act(&app, &commune_officer, child_id, body, 200).await;
    }
    let parent_view = TestApp::expect(
        app.get_as(&specialist, &format!("/api/v1/tasks/{parent}"))
            .await,
        200,
    )
    .await;
    assert_eq!(parent_view["children"][0]["id"], child_id);
    assert_eq!(parent_view["children"][0]["state"], "completed");
}

async fn reminders_fire_once_per_task_and_event(app: TestApp) {
    let today = chrono::NaiveDate::parse_from_str(&days_from_today(0), "%Y-%m-%d").unwrap();
    let run = |db: persistence::Db| async move {
        server::jobs::run_reminders(&db, today, 3, None)
            .await
            .unwrap()
    };
    let first = run(app.db.clone()).await;
    assert!(first.ran);
    assert!(first.notifications_created > 0, "{first:?}");
    assert_eq!(
        first.mail,
        server::mail::MailReport::default(),
        "no mailer, no mail"
    );
    let second = run(app.db.clone()).await;
    assert!(second.ran);
    assert_eq!(second.notifications_created, 0, "reminders are idempotent");
    // Another instance holding the lease: this one skips the run.
    let db = app.db.clone();
    let held = tokio::task::spawn_blocking(move || {
        let until = chrono::Utc::now().naive_utc() + chrono::Duration::minutes(5);
        persistence::notifications::try_lease(
            &mut db.conn().unwrap(),
            "reminders",
            "other-instance",
            until,
        )
        .unwrap()
    })
    .await
    .unwrap();
    assert!(held);
    assert!(!run(app.db.clone()).await.ran);

    // The finance officer hears about the agency's overdue tasks; the
    // commune officer about its task due in two days.
    let officer = app.token("sotc.canbo").await;
    let mine = TestApp::expect(app.get_as(&officer, "/api/v1/notifications").await, 200).await;
    let kinds: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"overdue"), "{kinds:?}");
    assert_eq!(mine["unread"], mine["total"]);
    let commune = app.token("xa.tanson").await;
    let theirs = TestApp::expect(app.get_as(&commune, "/api/v1/notifications").await, 200).await;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "deadline_soon"),
        "{theirs}"
    );
    // Reading: one, then all; someone else's is not found.
    let first_id = mine["items"][0]["id"].as_i64().unwrap();
    let res = app
        .post_as(
            &officer,
            &format!("/api/v1/notifications/{first_id}/read"),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 204);
    TestApp::expect(
        app.post_as(
            &commune,
            &format!("/api/v1/notifications/{first_id}/read"),
            &json!({}),
        )
        .await,
        404,
    )
    .await;
    let after = TestApp::expect(
        app.get_as(&officer, "/api/v1/notifications?unread=true")
            .await,
        200,
    )
    .await;
    assert_eq!(
        after["total"].as_i64().unwrap(),
        mine["total"].as_i64().unwrap() - 1
    );
    let all = TestApp::expect(
        app.post_as(&officer, "/api/v1/notifications/read-all", &json!({}))
            .await,
        200,
    )
    .await;
    assert_eq!(all["updated"], after["total"]);
    let none = TestApp::expect(
        app.get_as(&officer, "/api/v1/notifications?unread=true")
            .await,
        200,
    )
    .await;
    assert_eq!(none["total"], 0);
}

async fn reminder_mail_goes_out_once_and_is_retried_after_a_failure(app: TestApp) {
    let today = chrono::NaiveDate::parse_from_str(&days_from_today(0), "%Y-%m-%d").unwrap();
    let from = "Điều hành số <no-reply@demo.example>";
    // The SMTP server is down: notices are created, mail is queued.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = format!("smtp://127.0.0.1:{}", closed.local_addr().unwrap().port());
    drop(closed);
    let mailer = server::mail::Mailer::new(&down, from).unwrap();
    let first = server::jobs::run_reminders(&app.db, today, 3, Some(&mailer))
        .await
        .unwrap();
    assert!(first.notifications_created > 0, "{first:?}");
    assert_eq!(first.mail.sent, 0);
    assert!(first.mail.failed > 0, "{first:?}");

    // Back up: the queued mail goes out, each notice once.
    let sink = blackbox::smtp::SmtpSink::start().await;
    let mailer = server::mail::Mailer::new(&sink.url(), from).unwrap();
    let second = server::jobs::run_reminders(&app.db, today, 3, Some(&mailer))
        .await
        .unwrap();
    assert_eq!(second.notifications_created, 0);
    assert_eq!(second.mail.sent, first.mail.failed, "{second:?}");
    assert_eq!(second.mail.failed, 0);
    let received = sink.received();
    assert_eq!(received.len(), second.mail.sent);
    assert!(
        received
            .iter()
            .any(|m| m.to == ["sotc.canbo@demo.example"] && m.data.contains("Subject:")),
        "{received:?}"
    );
    let third = server::jobs::run_reminders(&app.db, today, 3, Some(&mailer))
        .await
        .unwrap();
    assert_eq!(third.mail, server::mail::MailReport::default());
    assert_eq!(
        sink.received().len(),
        received.len(),
        "nothing is sent twice"
    );
}

async fn statistics_export_reopens_with_the_api_totals(app: TestApp) {
    use calamine::{Reader, Xlsx};
    let specialist = app.token("vp.chuyenvien").await;
    let stats = TestApp::expect(app.get_as(&specialist, "/api/v1/task-stats").await, 200).await;
    let res = app
        .get_as(&specialist, "/api/v1/task-stats/export.xlsx")
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("Thống kê nhiệm vụ").unwrap();
    let text: Vec<String> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    assert!(text[0].contains("UBND TỈNH PHÚ THỌ"), "{:?}", &text[..3]);
    assert!(text
        .iter()
        .any(|l| l.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")));
    assert!(text
        .iter()
        .any(|l| l.contains("BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ ĐƯỢC GIAO")));
    let total_row = sheet
        .rows()
        .find(|r| {
            r.iter()
                .any(|c| matches!(c, calamine::Data::String(s) if s == "TỔNG CỘNG"))
        })
        .unwrap();
    let total_tasks = total_row[2].to_string();
    assert_eq!(total_tasks, stats["total"]["counts"]["total"].to_string());
    assert_eq!(
        total_row[5].to_string(),
        stats["total"]["counts"]["overdue"].to_string()
    );
    // One detail row per API row, in order.
    for (i, row) in stats["rows"].as_array().unwrap().iter().enumerate() {
        let line = sheet
            .rows()
            .find(|r| r[0].to_string() == (i + 1).to_string())
            .unwrap();
        assert_eq!(line[1].to_string(), row["label"].as_str().unwrap());
        assert_eq!(line[2].to_string(), row["counts"]["total"].to_string());
    }
    assert!(text.iter().any(|l| l.contains("CHÁNH VĂN PHÒNG")));
}

async fn task_list_export_follows_the_filters(app: TestApp) {
    use calamine::{Data, Reader, Xlsx};
    let leader = app.token("lanhdao.ubnd").await;
    for query in ["", "?timeliness=overdue"] {
        let listed = TestApp::expect(
            app.get_as(&leader, &format!("/api/v1/tasks{query}")).await,
            200,
        )
        .await;
        let res = app
            .get_as(&leader, &format!("/api/v1/tasks/export.xlsx{query}"))
            .await;
        assert_eq!(res.status(), 200, "{query}");
        let bytes = res.bytes().await.unwrap().to_vec();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let sheet = book.worksheet_range("Danh mục nhiệm vụ").unwrap();
        let contents: Vec<String> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["content"].as_str().unwrap().to_owned())
            .collect();
        let in_sheet: Vec<String> = sheet
            .rows()
            .filter(|r| matches!(&r[0], Data::String(s) if s.parse::<u32>().is_ok()))
            .map(|r| r[1].to_string())
            .collect();
        let mut a = contents.clone();
        let mut b = in_sheet.clone();
        a.sort();
        b.sort();
        assert_eq!(a, b, "{query}");
        assert!(
            sheet
                .rows()
                .any(|r| matches!(&r[0], Data::String(s) if s == "I")),
            "directive group rows"
        );
    }
}

/// Whether the rules take a task from `from` to `to` by `kind`, for the
/// actions the race below fires (each by a party allowed to take it).
fn legal_step(from: &str, kind: &str, to: &str) -> bool {
    let open = !matches!(from, "completed" | "cancelled");
    let working = matches!(from, "assigned" | "in_progress");
    match kind {
        "report_progress" => working && to == "in_progress",
        "propose_completion" => working && to == "completion_proposed",
        "review" => from == "completion_proposed" && matches!(to, "reviewed" | "in_progress"),
        "return" => matches!(from, "completion_proposed" | "reviewed") && to == "in_progress",
        "confirm" => from == "reviewed" && to == "completed",
        "cancel" => open && to == "cancelled",
        "comment" => to == from,
        _ => false,
    }
}

/// Fires `shots` (actions on `task`) at once and checks the outcome: the
/// accepted ones are exactly the new timeline entries, one each, whose
/// states chain legal steps from the state before to the task's state
/// now; the answers' versions are the next versions, one each; every
/// step is audited; the refused ones are 409 `conflict` (the state no
/// longer allows it, or the task changed meanwhile). Returns the accepted
/// and refused counts.
async fn race(app: &TestApp, reader: &str, task: i64, shots: &[Shot]) -> (usize, usize) {
    let path = format!("/api/v1/tasks/{task}");
    let audited = format!(
        "SELECT COUNT(*) AS n FROM audit_log WHERE entity = 'task' AND entity_id = '{task}'"
    );
    let before = TestApp::expect(app.get_as(reader, &path).await, 200).await;
    let audit_before = app.count(&audited);
    let seen = before["timeline"].as_array().unwrap().len();
    let version = before["version"].as_i64().unwrap();
    let mut accepted = Vec::new();
    let mut refused = 0;
    for (shot, answer) in shots.iter().zip(app.burst(shots).await) {
        let (status, body) = answer.expect("an answer");
        match status {
            200 => {
                // The answer is the task right after this step: its entry
                // is the last.
                let entry = body["timeline"].as_array().unwrap().last().unwrap();
                assert_eq!(entry["kind"], shot.body["action"], "{body}");
                accepted.push((body["version"].as_i64().unwrap(), entry["id"].clone()));
            }
            409 => {
                assert_eq!(body["code"], "conflict", "{body}");
                refused += 1;
            }
            other => panic!("{}: unexpected {other}: {body}", shot.body),
        }
    }
    let after = TestApp::expect(app.get_as(reader, &path).await, 200).await;
    let steps = &after["timeline"].as_array().unwrap()[seen..];
    accepted.sort_by_key(|(v, _)| *v);
    let n = i64::try_from(accepted.len()).unwrap();
    assert_eq!(
        accepted.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
        (version + 1..=version + n).collect::<Vec<_>>(),
        "each accepted step took the next version"
    );
    assert_eq!(
        accepted.into_iter().map(|(_, id)| id).collect::<Vec<_>>(),
        steps.iter().map(|e| e["id"].clone()).collect::<Vec<_>>(),
        "the new timeline entries are the accepted steps, in version order"
    );
    let mut state = before["state"].as_str().unwrap().to_owned();
    for step in steps {
        let (kind, from, to) = (
            step["kind"].as_str().unwrap(),
            step["from_state"].as_str().unwrap(),
            step["to_state"].as_str().unwrap(),
        );
        assert_eq!(from, state, "the timeline chains: {step}");
        assert!(legal_step(from, kind, to), "illegal step {step}");
        state = to.to_owned();
    }
    assert_eq!(after["state"], state.as_str());
    assert_eq!(after["version"], version + n);
    assert_eq!(
        app.count(&audited) - audit_before,
        n,
        "one audit row per step"
    );
    assert!(n >= 1 && refused >= 1, "{n} accepted, {refused} refused");
    eprintln!("task {task}: {n} accepted, {refused} refused, now {state}");
    (steps.len(), refused)
}

async fn concurrent_actions_on_one_task_chain_legal_steps(app: TestApp) {
    let specialist = app.token("vp.chuyenvien").await;
    let office_leader = app.token("vp.lanhdao").await;
    let committee_leader = app.token("lanhdao.ubnd").await;
    let officer = app.token("sotc.canbo").await;
    let agency_leader = app.token("sotc.lanhdao").await;
    let f = fixture(&app, &specialist).await;
    let directive = TestApp::expect(
        app.post_as(
            &specialist,
            "/api/v1/directives",
            &json!({
                "issuing_unit_id": f.province, "office_unit_id": f.office,
                "issuer": "chair", "kind": "directive", "number": "77/CT-UBND",
                "issued_on": days_from_today(-10),
                "summary": "Chỉ thị về rà soát các dự án chậm giải ngân",
                "tasks": [
                    {"content": "Rà soát dự án chậm giải ngân", "lead_unit_id": f.finance,
                     "specialist_id": f.specialist_id, "deadline": days_from_today(30)},
                    {"content": "Báo cáo tiến độ giải ngân", "lead_unit_id": f.finance,
                     "specialist_id": f.specialist_id, "deadline": days_from_today(30)}
                ]
            }),
        )
        .await,
        201,
    )
    .await;
    let ids: Vec<i64> = directive["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    let leader_on = TestApp::expect(
        app.get_as(&committee_leader, &format!("/api/v1/tasks/{}", ids[0]))
            .await,
        200,
    )
    .await;
    assert!(leader_on["parties"]
        .as_array()
        .unwrap()
        .contains(&json!("issuer")));
    let on = |task: i64| format!("/api/v1/tasks/{task}/actions");
    let times =
        |n: usize, token: &str, task: i64, body: Value| vec![Shot::new(token, &on(task), body); n];

    // A proposed completion: the specialist accepts or returns it, the
    // leadership returns, confirms or cancels, the lead agency reports
    // and proposes again, all at once.
    let first = ids[0];
    act(&app, &officer, first, json!({"action": "accept"}), 200).await;
    let result = json!({"action": "propose_completion", "result": "Đã rà soát 14 dự án"});
    act(&app, &officer, first, result.clone(), 200).await;
    let shots: Vec<Shot> = [
        times(
            3,
            &specialist,
            first,
            json!({"action": "review", "accept": true}),
        ),
        times(
            2,
            &specialist,
            first,
            json!({"action": "review", "accept": false, "reason": "Thiếu số liệu"}),
        ),
        times(
            2,
            &office_leader,
            first,
            json!({"action": "return", "reason": "Bổ sung"}),
        ),
        times(3, &office_leader, first, json!({"action": "confirm"})),
        times(
            2,
            &committee_leader,
            first,
            json!({"action": "cancel", "reason": "Không còn cần thiết"}),
        ),
        times(
            3,
            &officer,
            first,
            json!({"action": "report_progress", "percent": 50}),
        ),
        times(2, &officer, first, result),
    ]
    .concat();
    let (accepted, refused) = race(&app, &specialist, first, &shots).await;
    assert_eq!(accepted + refused, 17);

    // Work in progress: reports, proposals, comments, a review, a
    // confirmation and a cancellation, all at once.
    let second = ids[1];
    act(&app, &officer, second, json!({"action": "accept"}), 200).await;
    let mut shots: Vec<Shot> = (1..=6)
        .map(|k| {
            Shot::new(
                &officer,
                &on(second),
                json!({"action": "report_progress", "percent": 10 * k}),
            )
        })
        .collect();
    shots.extend(
        [
            times(
                3,
                &agency_leader,
                second,
                json!({"action": "propose_completion", "result": "Đã báo cáo"}),
            ),
            times(
                3,
                &specialist,
                second,
                json!({"action": "comment", "note": "Đề nghị gửi kèm số liệu"}),
            ),
            times(
                2,
                &specialist,
                second,
                json!({"action": "review", "accept": true}),
            ),
            times(2, &office_leader, second, json!({"action": "confirm"})),
            times(
                1,
                &office_leader,
                second,
                json!({"action": "cancel", "reason": "Gộp vào nhiệm vụ khác"}),
            ),
        ]
        .concat(),
    );
    let (accepted, refused) = race(&app, &specialist, second, &shots).await;
    assert_eq!(accepted + refused, 17);
}
