//! Legacy Excel imports, the commit and rollback steps: every sample in
//! `data/samples` commits with the per-unit or per-task detail its
//! `expected.json` states, through the workflows' own rules; committing
//! the same file again changes nothing; a rollback restores the state
//! before, unless later records rest on the import.

use blackbox::{backend_tests, workspace_root, TestApp, Value};
use serde_json::json;

backend_tests!(demo:
    p135_reports_commit_idempotently_and_roll_back,
    a_rollback_is_refused_while_later_records_rest_on_it,
    task_lists_commit_through_the_directive_rules,
    ntm_matrices_record_results_into_a_round,
    the_command_line_imports_as_an_account,
    a_wrong_total_is_reported_and_not_written_unless_accepted,
    a_commit_reports_its_progress,
    a_grant_on_the_new_province_covers_its_old_districts_money,
);

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(workspace_root().join("data/samples").join(name)).unwrap()
}

fn expected(name: &str) -> Value {
    let stem = name.rsplit_once('.').unwrap().0;
    serde_json::from_slice(&sample(&format!("{stem}.expected.json"))).unwrap()
}

async fn preview(app: &TestApp, token: &str, name: &str, fields: &[(&str, String)]) -> Value {
    TestApp::expect(
        app.import_with(token, name, sample(name), fields).await,
        201,
    )
    .await
}

/// `POST /imports/{id}/{step}` (`commit` or `rollback`) answering `status`.
async fn step(app: &TestApp, token: &str, id: i64, step: &str, status: u16) -> Value {
    TestApp::expect(
        app.post_as(token, &format!("/api/v1/imports/{id}/{step}"), &json!({}))
            .await,
        status,
    )
    .await
}

async fn commit(app: &TestApp, token: &str, id: i64, status: u16) -> Value {
    step(app, token, id, "commit", status).await
}

async fn rollback(app: &TestApp, token: &str, id: i64, status: u16) -> Value {
    step(app, token, id, "rollback", status).await
}

fn codes(issues: &Value) -> Vec<String> {
    issues
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_owned())
        .collect()
}

/// `(allocated, disbursed)` of `child` in the fund report on `unit` for
/// one component of the previewed plan.
async fn report_row(
    app: &TestApp,
    token: &str,
    plan: &Value,
    unit: i64,
    component: &str,
    child: i64,
) -> (i64, i64) {
    let report = TestApp::expect(
        app.get_as(
            token,
            &format!(
                "/api/v1/fund-reports/allocation?unit_id={unit}&programme_id={}&year_from={}&component_id={}&source_id={}",
                plan["programme_id"], plan["year"], plan["components"][component], plan["source_id"]
            ),
        )
        .await,
        200,
    )
    .await;
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit_id"] == child)
        .map_or((0, 0), |r| {
            (
                r["allocated"].as_i64().unwrap(),
                r["disbursed"].as_i64().unwrap(),
            )
        })
}

/// Checks every unit of `expected.json` against the fund reports:
/// village rows in the commune's report, commune rows in the district's.
async fn assert_units_as_expected(app: &TestApp, token: &str, got: &Value, want: &Value) {
    let plan = &got["plan"];
    let district = plan["district"]["id"].as_i64().unwrap();
    let rows = got["rows"].as_array().unwrap();
    for unit in want["units"].as_array().unwrap() {
        let row = rows
            .iter()
            .find(|r| {
                r["values"]["commune_code"] == unit["commune_code"]
                    && (unit["village"].is_null() || r["values"]["name"] == unit["village"])
            })
            .unwrap_or_else(|| panic!("no previewed row for {unit}"));
        let commune = row["values"]["commune"]["id"].as_i64().unwrap();
        for (component, planned) in unit["planned_dong"].as_object().unwrap() {
            let disbursed = unit["disbursed_dong"][component].as_i64().unwrap();
            let (parent, child) = if unit["village"].is_null() {
                (district, commune)
            } else {
                let village = TestApp::expect(
                    app.get_as(
                        token,
                        &format!(
                            "/api/v1/org-units?parent_id={commune}&as_of={}-12-31&limit=500",
                            plan["year"]
                        ),
                    )
                    .await,
                    200,
                )
                .await;
                let id = village["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|v| v["name"] == unit["village"])
                    .and_then(|v| v["id"].as_i64())
                    .unwrap_or_else(|| panic!("village {} not created", unit["village"]));
                (commune, id)
            };
            let got = report_row(app, token, plan, parent, component, child).await;
            assert_eq!(
                got,
                (planned.as_i64().unwrap(), disbursed),
                "{unit}: {component}"
            );
        }
    }
}

async fn p135_reports_commit_idempotently_and_roll_back(app: TestApp) {
    let token = app.archivist("luu.tru", &[], "25").await;
    for name in ["p135_tan-son_2014.xlsx", "p135_yen-lap_2013_tcvn3.xls"] {
        let want = expected(name);
        let first = preview(&app, &token, name, &[]).await;
        assert_eq!(first["errors"], json!([]), "{name}");
        // The district the heading names, in the structure of its year.
        let district = TestApp::expect(
            app.get_as(
                &token,
                &format!("/api/v1/org-units/{}", first["unit"]["id"]),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(district["code"], want["district_code"], "{name}");
        assert_eq!(first["plan"]["year"], want["year"]);
        let villages = want["units"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| !u["village"].is_null())
            .count();
        assert_eq!(
            codes(&first["warnings"])
                .iter()
                .filter(|c| *c == "new_village")
                .count(),
            villages,
            "{name}: every village is proposed for creation"
        );
        let id = first["id"].as_i64().unwrap();
        let done = commit(&app, &token, id, 200).await;
        assert_eq!(done["status"], "committed");
        // Timestamps carry their zone (RFC 3339, as `date-time` requires).
        for at in ["created_at", "committed_at"] {
            let text = done[at].as_str().unwrap_or_default();
            assert!(text.ends_with('Z'), "{at}: {text}");
        }
        assert!(done["result"]["created"]["allocations"].as_u64().unwrap() > 0);
        assert_eq!(
            done["result"]["created"]["units"].as_u64().unwrap_or(0),
            villages as u64
        );
        assert_units_as_expected(&app, &token, &first, &want).await;

        // Committing again, or the same file uploaded again, changes nothing.
        let again = commit(&app, &token, id, 200).await;
        assert_eq!(again["result"], done["result"]);
        let second = preview(&app, &token, name, &[]).await;
        assert_eq!(second["duplicate_of"], id);
        assert_eq!(codes(&second["warnings"])[0], "already_committed");
        assert!(!codes(&second["warnings"]).contains(&"new_village".to_owned()));
        let noop = commit(&app, &token, second["id"].as_i64().unwrap(), 200).await;
        assert_eq!(noop["result"]["created"], json!({}), "{name}");
        assert!(noop["result"]["unchanged"]["allocations"].as_u64().unwrap() > 0);
        assert_units_as_expected(&app, &token, &first, &want).await;

        // Rolling the first back restores the state before it.
        rollback(&app, &token, second["id"].as_i64().unwrap(), 200).await;
        let undone = rollback(&app, &token, id, 200).await;
        assert_eq!(undone["status"], "rolled_back");
        rollback(&app, &token, id, 409).await;
        commit(&app, &token, id, 409).await;
        let plan = &first["plan"];
        let district = plan["district"]["id"].as_i64().unwrap();
        for (component, _) in plan["components"].as_object().unwrap() {
            for row in first["rows"].as_array().unwrap() {
                let commune = row["values"]["commune"]["id"].as_i64().unwrap();
                assert_eq!(
                    report_row(&app, &token, plan, district, component, commune).await,
                    (0, 0)
                );
            }
        }
        let third = preview(&app, &token, name, &[]).await;
        assert_eq!(third["duplicate_of"], Value::Null);
        assert_eq!(
            codes(&third["warnings"])
                .iter()
                .filter(|c| *c == "new_village")
                .count(),
            villages,
            "{name}: the villages went with the rollback"
        );
        // And it can be committed afresh.
        let redone = commit(&app, &token, third["id"].as_i64().unwrap(), 200).await;
        assert_eq!(redone["result"]["created"], done["result"]["created"]);
        assert_units_as_expected(&app, &token, &third, &want).await;
    }
}

async fn a_rollback_is_refused_while_later_records_rest_on_it(app: TestApp) {
    let token = app.archivist("luu.tru", &[], "25").await;
    let name = "p135_yen-lap_2013_tcvn3.xls";
    let got = preview(&app, &token, name, &[]).await;
    let id = got["id"].as_i64().unwrap();
    commit(&app, &token, id, 200).await;
    // A commune without villages spends what the report left it.
    let plan = &got["plan"];
    let row = &got["rows"][0]["values"];
    let (component, _) = row["planned_by_component"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, v)| {
            v.as_i64().unwrap() > row["disbursed_by_component"][k.as_str()].as_i64().unwrap()
        })
        .unwrap();
    TestApp::expect(
        app.post_as(
            &token,
            "/api/v1/disbursements",
            &json!({
                "programme_id": plan["programme_id"], "year": plan["year"],
                "component_id": plan["components"][component], "source_id": plan["source_id"],
                "unit_id": row["commune"]["id"], "amount": 1_000_000,
                "paid_on": "2013-12-31", "voucher": "PC-01/2013"
            }),
        )
        .await,
        201,
    )
    .await;
    let refused = rollback(&app, &token, id, 409).await;
    assert_eq!(refused["errors"][0]["code"], "has_dependents");
    // Nothing was removed.
    let still = TestApp::expect(
        app.get_as(&token, &format!("/api/v1/imports/{id}")).await,
        200,
    )
    .await;
    assert_eq!(still["status"], "committed");
    let district = plan["district"]["id"].as_i64().unwrap();
    let commune = row["commune"]["id"].as_i64().unwrap();
    let (allocated, _) = report_row(&app, &token, plan, district, component, commune).await;
    assert_eq!(
        allocated,
        row["planned_by_component"][component].as_i64().unwrap()
    );
}

/// Agencies of the old Tiền Giang the sample names (the reference data
/// holds administrative units only).
const TIEN_GIANG_AGENCIES: [&str; 13] = [
    "Sở Công Thương",
    "Sở Y tế",
    "Sở Tài nguyên và Môi trường",
    "Sở Giao thông vận tải",
    "Sở Giáo dục và Đào tạo",
    "Sở Nội vụ",
    "Sở Thông tin và Truyền thông",
    "Sở Xây dựng",
    "Sở Kế hoạch và Đầu tư",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Nông nghiệp và Phát triển nông thôn",
    "Công an tỉnh",
    "Sở Tài chính",
];

/// Whether a unit called `unit` is the agency the list calls `lead`:
/// *UBND huyện Cái Bè* is the district *Huyện Cái Bè*, *Văn phòng UBND
/// tỉnh* is *Văn phòng UBND tỉnh Tiền Giang*.
fn lead_is(unit: &str, lead: &str) -> bool {
    unit == lead
        || unit == format!("{lead} Tiền Giang")
        || lead
            .strip_prefix("UBND ")
            .is_some_and(|u| unit.to_lowercase() == u.to_lowercase())
}

async fn task_lists_commit_through_the_directive_rules(app: TestApp) {
    let token = app.archivist("luu.tru", &["82"], "82").await;
    let name = "nhiem-vu_ubnd-tinh_2017.xlsx";
    let want = expected(name);
    // Without the province's agencies, every lead is an error with a code.
    let bare = preview(&app, &token, name, &[]).await;
    let errors = codes(&bare["errors"]);
    assert!(errors.contains(&"no_office".to_owned()), "{errors:?}");
    assert!(errors.contains(&"unknown_agency".to_owned()), "{errors:?}");
    assert_eq!(bare["plan"], Value::Null);
    commit(&app, &token, bare["id"].as_i64().unwrap(), 422).await;

    // Administrators extend the abbreviations the importer knows.
    let alias = json!({"alias": "Sở KHCN", "name": "Sở Khoa học và Công nghệ"});
    let added = TestApp::expect(
        app.post_as(&token, "/api/v1/agency-aliases", &alias).await,
        201,
    )
    .await;
    assert_eq!(added["name"], "Sở Khoa học và Công nghệ");
    let again = json!({"alias": "sở khcn.", "name": "Sở Khác"});
    TestApp::expect(
        app.post_as(&token, "/api/v1/agency-aliases", &again).await,
        409,
    )
    .await;
    let listed = TestApp::expect(app.get_as(&token, "/api/v1/agency-aliases").await, 200).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let viewer = app.token("xem.baocao").await;
    TestApp::expect(
        app.post_as(&viewer, "/api/v1/agency-aliases", &alias).await,
        403,
    )
    .await;

    // The old province is closed: its agencies are set up as they stood.
    let province = bare["unit"]["id"].as_i64().unwrap();
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        db.write_blocking(|conn| -> Result<(), persistence::PersistenceError> {
            for agency in ["Văn phòng UBND tỉnh Tiền Giang"]
                .into_iter()
                .chain(TIEN_GIANG_AGENCIES)
            {
                persistence::units::insert(
                    conn,
                    &persistence::units::NewUnit {
                        name: agency.into(),
                        short_name: agency.into(),
                        kind: "agency".into(),
                        unit_type: "sở".into(),
                        parent_id: Some(province),
                        valid_to: chrono::NaiveDate::from_ymd_opt(2025, 6, 30),
                        ..Default::default()
                    },
                )?;
            }
            Ok(())
        })
    })
    .await
    .unwrap()
    .unwrap();
    let got = preview(&app, &token, name, &[]).await;
    assert_eq!(got["errors"], json!([]));
    let id = got["id"].as_i64().unwrap();
    let done = commit(&app, &token, id, 200).await;
    assert_eq!(done["result"]["created"]["directives"], want["directives"]);
    assert_eq!(done["result"]["created"]["tasks"], want["tasks"]);

    // Every task as the list states it.
    for item in want["task_list"].as_array().unwrap() {
        let number = item["doc"].as_str().unwrap();
        let page = TestApp::expect(
            app.get_as(
                &token,
                &format!("/api/v1/directives?q={}", number.replace('/', "%2F")),
            )
            .await,
            200,
        )
        .await;
        let directive = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["number"] == number)
            .unwrap_or_else(|| panic!("directive {number}"));
        let detail = TestApp::expect(
            app.get_as(&token, &format!("/api/v1/directives/{}", directive["id"]))
                .await,
            200,
        )
        .await;
        let expected_lead = item["lead"].as_str().unwrap();
        let mut task = None;
        for t in detail["tasks"].as_array().unwrap() {
            if t["content"] != item["content"] {
                continue;
            }
            let lead = TestApp::expect(
                app.get_as(&token, &format!("/api/v1/org-units/{}", t["lead_unit_id"]))
                    .await,
                200,
            )
            .await;
            if lead_is(lead["name"].as_str().unwrap(), expected_lead) {
                task = Some(t.clone());
            }
        }
        let task = task.unwrap_or_else(|| panic!("task {item}"));
        assert_eq!(task["deadline"], item["deadline"], "{item}");
        assert_eq!(
            task["coordinating_unit_ids"].as_array().unwrap().len(),
            item["coordinating"].as_array().unwrap().len(),
            "{item}"
        );
        let (state, timeliness) = match item["status"].as_str().unwrap() {
            "completed_on_time" => ("completed", Some("completed_on_time")),
            "completed_late" => ("completed", Some("completed_late")),
            "not_started" => ("assigned", None),
            _ => ("in_progress", None),
        };
        assert_eq!(task["state"], state, "{item}");
        // Timeliness needs a deadline (a standing task listed as late has
        // none to be late against).
        if let (Some(t), false) = (timeliness, item["deadline"].is_null()) {
            assert_eq!(task["timeliness"], t, "{item}");
        }
    }

    // Again: nothing new; then rolled back: the directives are gone.
    let second = preview(&app, &token, name, &[]).await;
    let noop = commit(&app, &token, second["id"].as_i64().unwrap(), 200).await;
    assert_eq!(noop["result"]["created"], json!({}));
    assert_eq!(noop["result"]["unchanged"]["tasks"], want["tasks"]);
    rollback(&app, &token, id, 200).await;
    let page = TestApp::expect(app.get_as(&token, "/api/v1/directives?q=3142").await, 200).await;
    assert_eq!(page["items"], json!([]));
}

async fn ntm_matrices_record_results_into_a_round(app: TestApp) {
    let token = app.archivist("luu.tru", &["66"], "66").await;
    let name = "ntm_krong-buk_2022.xlsx";
    let want = expected(name);
    // Without a round the preview says so.
    let bare = preview(&app, &token, name, &[]).await;
    assert!(codes(&bare["errors"]).contains(&"no_round".to_owned()));
    let sets = TestApp::expect(app.get_as(&token, "/api/v1/criteria-sets").await, 200).await;
    let set = sets
        .as_array()
        .or_else(|| sets["items"].as_array())
        .unwrap()
        .iter()
        .find(|s| s["code"] == "QD318-DEMO")
        .unwrap()["id"]
        .clone();
    // The round lists one commune; the import adds the others.
    let first_commune = bare["rows"][0]["values"]["unit"]["id"].clone();
    let round = TestApp::expect(
        app.post_as(
            &token,
            "/api/v1/evaluation-rounds",
            &json!({
                "set_id": set, "name": "Đánh giá năm 2022 (nhập từ báo cáo)", "kind": "annual", "year": 2022,
                "period_from": "2022-01-01", "period_to": "2022-12-31",
                "opens_on": "2022-11-01", "closes_on": "2022-12-20", "default_region": "TN",
                "chain": [
                    {"name": "Xã tự đánh giá", "role": "commune_officer", "performer": {"kind": "evaluated_unit"}},
                    {"name": "UBND tỉnh công nhận", "role": "committee_leader", "performer": {"kind": "province"}, "records_decision": true}
                ],
                "participants": [{"unit_id": first_commune}]
            }),
        )
        .await,
        201,
    )
    .await["id"]
        .clone();
    let got = preview(&app, &token, name, &[("round_id", round.to_string())]).await;
    assert_eq!(got["errors"], json!([]));
    let id = got["id"].as_i64().unwrap();
    let done = commit(&app, &token, id, 200).await;
    assert_eq!(done["result"]["created"]["evaluations"], want["communes"]);

    let stats = TestApp::expect(
        app.get_as(&token, &format!("/api/v1/ntm-stats?round_id={round}"))
            .await,
        200,
    )
    .await;
    assert_eq!(stats["units_evaluated"], want["communes"]);
    assert_eq!(stats["units_meeting_all"], want["communes_meeting_all_19"]);
    assert_eq!(
        stats["average_criteria_met"],
        json!(format!(
            "{:.2}",
            want["average_criteria_met"].as_f64().unwrap()
        ))
    );
    for c in stats["per_criterion"].as_array().unwrap() {
        assert_eq!(
            c["passed"],
            want["per_criterion_communes_met"][c["number"].to_string()],
            "{c}"
        );
    }
    let codes_by_unit: std::collections::HashMap<i64, String> = got["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["values"]["unit"]["id"].as_i64().unwrap(),
                r["values"]["code"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_default(),
            )
        })
        .collect();
    for u in stats["units"].as_array().unwrap() {
        assert_eq!(u["status"], "recorded");
        let code = &codes_by_unit[&u["unit_id"].as_i64().unwrap()];
        let unit_code = if code.is_empty() {
            TestApp::expect(
                app.get_as(&token, &format!("/api/v1/org-units/{}", u["unit_id"]))
                    .await,
                200,
            )
            .await["code"]
                .as_str()
                .unwrap()
                .to_owned()
        } else {
            code.clone()
        };
        assert_eq!(u["met"], want["per_commune"][&unit_code], "{unit_code}");
    }

    // A second commit of the same file is a no-op; rollback restores the
    // round as it was: one empty draft.
    let second = preview(&app, &token, name, &[("round_id", round.to_string())]).await;
    let noop = commit(&app, &token, second["id"].as_i64().unwrap(), 200).await;
    assert_eq!(noop["result"]["created"], json!({}));
    rollback(&app, &token, id, 200).await;
    let after = TestApp::expect(
        app.get_as(
            &token,
            &format!("/api/v1/ntm-stats?round_id={round}&include_drafts=true"),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(after["units_evaluated"], 1);
    assert_eq!(after["units"][0]["status"], "draft");
    assert_eq!(after["units"][0]["criteria_met"], 0);
}

async fn the_command_line_imports_as_an_account(app: TestApp) {
    app.archivist("luu.tru", &[], "25").await;
    let blobs = blackbox::test_settings(&app.database).blob_store().unwrap();
    let args = server::import::ImportArgs {
        file: workspace_root().join("data/samples/p135_tan-son_2014.xlsx"),
        username: "luu.tru".into(),
        kind: None,
        org_unit_id: None,
        programme_id: None,
        source_id: None,
        round_id: None,
        commit: true,
        accept_mismatches: false,
    };
    let done = server::import::run(&app.db, &blobs, args.clone())
        .await
        .unwrap();
    assert_eq!(done.status, "committed");
    let created = &done.result.as_ref().unwrap().created;
    let villages = expected("p135_tan-son_2014.xlsx")["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| !u["village"].is_null())
        .count() as u64;
    assert_eq!(created.get("units"), Some(&villages), "{created:?}");
    let printed = server::import::describe(&done);
    assert!(printed.contains("Huyện Tân Sơn"), "{printed}");
    assert!(printed.contains("48715625000"), "{printed}");
    // The same file again writes nothing.
    let again = server::import::run(&app.db, &blobs, args.clone())
        .await
        .unwrap();
    assert!(again.result.as_ref().unwrap().created.is_empty());
    assert_eq!(again.body.duplicate_of, Some(done.id));
    // A preview only, as an account that may not import it: refused.
    let refused = server::import::run(
        &app.db,
        &blobs,
        server::import::ImportArgs {
            username: "xem.baocao".into(),
            commit: false,
            ..args
        },
    )
    .await;
    assert!(refused.is_err());
}

/// A Programme 135 report of two communes of Tân Sơn in 2014, typed the
/// way another office does (disbursed before planned, "Vốn kế hoạch
/// giao", amounts in nghìn đồng as Vietnamese text), whose TỔNG CỘNG row
/// overstates the production disbursement.
fn p135_with_a_wrong_total() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    let merge = rust_xlsxwriter::Format::new();
    ws.write_string(0, 0, "UBND HUYỆN TÂN SƠN").unwrap();
    ws.write_string(
        2,
        0,
        "BÁO CÁO PHÂN BỔ VÀ GIẢI NGÂN VỐN CHƯƠNG TRÌNH 135 NĂM 2014",
    )
    .unwrap();
    ws.write_string(3, 0, "Đơn vị tính: nghìn đồng").unwrap();
    ws.write_string(4, 0, "STT").unwrap();
    ws.write_string(4, 1, "Tên xã").unwrap();
    ws.merge_range(4, 2, 4, 3, "Vốn đã giải ngân", &merge)
        .unwrap();
    ws.merge_range(4, 4, 4, 5, "Vốn kế hoạch giao", &merge)
        .unwrap();
    for (c, h) in [
        "Hỗ trợ đầu tư CSHT",
        "Hỗ trợ PTSX",
        "Hỗ trợ đầu tư CSHT",
        "Hỗ trợ PTSX",
    ]
    .into_iter()
    .enumerate()
    {
        ws.write_string(5, 2 + u16::try_from(c).unwrap(), h)
            .unwrap();
    }
    let rows: [(&str, [&str; 4]); 2] = [
        ("Xã Thu Cúc", ["80.000", "40.000", "100.000", "50.000"]),
        ("xã Thạch Kiệt", ["150.000", "90.000", "200.000", "100.000"]),
    ];
    for (i, (name, amounts)) in rows.into_iter().enumerate() {
        let row = 6 + u32::try_from(i).unwrap();
        ws.write_number(row, 0, f64::from(row - 5)).unwrap();
        ws.write_string(row, 1, name).unwrap();
        for (c, a) in amounts.into_iter().enumerate() {
            ws.write_string(row, 2 + u16::try_from(c).unwrap(), a)
                .unwrap();
        }
    }
    ws.write_string(8, 1, "TỔNG CỘNG").unwrap();
    for (c, a) in [230_000.0, 999_000.0, 300_000.0, 150_000.0]
        .into_iter()
        .enumerate()
    {
        ws.write_number(8, 2 + u16::try_from(c).unwrap(), a)
            .unwrap();
    }
    book.save_to_buffer().unwrap()
}

async fn a_wrong_total_is_reported_and_not_written_unless_accepted(app: TestApp) {
    let token = app.archivist("luu.tru", &[], "25").await;
    let got = TestApp::expect(
        app.import(
            &token,
            "tan-son-sai-tong.xlsx",
            p135_with_a_wrong_total(),
            None,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(got["kind"], "p135_allocation_report");
    assert_eq!(got["summary"]["total_planned_dong"], 450_000_000);
    assert_eq!(got["summary"]["total_disbursed_dong"], 360_000_000);
    assert_eq!(got["summary"]["total_row_reconciles"], false);
    let errors = got["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], "total_mismatch");
    assert_eq!(errors[0]["acceptable"], true);
    let id = got["id"].as_i64().unwrap();
    // Not written without the user's word.
    let refused = commit(&app, &token, id, 422).await;
    assert_eq!(refused["errors"][0]["code"], "total_mismatch");
    let plan = &got["plan"];
    let district = plan["district"]["id"].as_i64().unwrap();
    let thu_cuc = got["rows"][0]["values"]["commune"]["id"].as_i64().unwrap();
    assert_eq!(
        report_row(&app, &token, plan, district, "infrastructure", thu_cuc).await,
        (0, 0)
    );
    // Accepted: the detail rows are written, not the stated total.
    let done = TestApp::expect(
        app.post_as(
            &token,
            &format!("/api/v1/imports/{id}/commit"),
            &json!({"accept_mismatches": true}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(done["status"], "committed");
    assert_eq!(
        report_row(&app, &token, plan, district, "infrastructure", thu_cuc).await,
        (100_000_000, 80_000_000)
    );
    assert_eq!(
        report_row(&app, &token, plan, district, "production", thu_cuc).await,
        (50_000_000, 40_000_000)
    );
}

async fn a_commit_reports_its_progress(app: TestApp) {
    app.archivist("luu.tru", &[], "25").await;
    let token = app.token("luu.tru").await;
    let got = preview(&app, &token, "p135_tan-son_2014.xlsx", &[]).await;
    let id = got["id"].as_i64().unwrap();
    let components = got["plan"]["components"].as_object().unwrap().len();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = seen.clone();
    let db = app.db.clone();
    let committed = tokio::task::spawn_blocking(move || {
        db.write_blocking(|conn| {
            let user = persistence::identity::find_user_by_username(conn, "luu.tru")?.unwrap();
            let actor = api::actor::load_actor(
                conn,
                auth::jwt::Principal::User(user.id),
                api::actor::RequestMeta::default(),
            )?;
            api::routes::imports::commit_import(
                conn,
                &actor,
                id,
                &api::routes::imports::CommitBody::default(),
                &|done, total| recorded.lock().unwrap().push((done, total)),
            )
        })
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(committed.status, "committed");
    // One step per component of the programme the report splits into.
    let want: Vec<(usize, usize)> = (0..components).map(|i| (i, components)).collect();
    assert_eq!(*seen.lock().unwrap(), want);
    // Once done, the import reads as committed at 100 %.
    let read = TestApp::expect(
        app.get_as(&token, &format!("/api/v1/imports/{id}")).await,
        200,
    )
    .await;
    assert_eq!(read["status"], "committed");
    assert_eq!(read["progress"], 100);
    // The registry turns reports into percents.
    let progress = api::routes::imports::CommitProgress::default();
    progress.report(id, 0, 4);
    assert_eq!(progress.percent(id), Some(0));
    progress.report(id, 1, 4);
    assert_eq!(progress.percent(id), Some(25));
    progress.report(id, 4, 4);
    assert_eq!(progress.percent(id), Some(100));
    assert_eq!(progress.percent(id + 1), None);
}

/// After the 2025 reform the fund manager's grant is on today's province;
/// the 2014 report is of a district closed in 2025. The grant covers the
/// units merged into the province: the import commits, and the lists and
/// reports under the grant find what it wrote.
async fn a_grant_on_the_new_province_covers_its_old_districts_money(app: TestApp) {
    let name = "p135_tan-son_2014.xlsx";
    let officer = app.token("xa.tanson").await;
    let refused = app.import(&officer, name, sample(name), None).await;
    assert_eq!(
        refused.status().as_u16(),
        403,
        "a commune officer imports no fund report"
    );

    let token = app.token("von.quanly").await;
    let first = preview(&app, &token, name, &[]).await;
    assert_eq!(first["errors"], json!([]));
    let done = commit(&app, &token, first["id"].as_i64().unwrap(), 200).await;
    assert_eq!(done["status"], "committed");
    assert_units_as_expected(&app, &token, &first, &expected(name)).await;

    let year = first["plan"]["year"].as_i64().unwrap();
    let listed = TestApp::expect(
        app.get_as(
            &token,
            &format!("/api/v1/allocations?year={year}&limit=500"),
        )
        .await,
        200,
    )
    .await;
    let communes: Vec<i64> = first["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["values"]["commune"]["id"].as_i64())
        .collect();
    let received: Vec<i64> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["to_unit_id"].as_i64())
        .collect();
    assert!(
        communes.iter().all(|c| received.contains(c)),
        "every commune of the old district is in the province's list: {communes:?} in {received:?}"
    );
}
