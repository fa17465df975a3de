//! Legacy Excel imports over HTTP, the preview step: every sample in
//! `data/samples` previews with the summary its `expected.json` states;
//! bad files get 422 problems with stable codes; who may import what; the
//! history.

use blackbox::{backend_tests, workspace_root, TestApp, Value};

backend_tests!(demo:
    every_sample_previews_as_expected,
    bad_files_get_clear_problems,
    importers_are_the_owners_of_each_kind,
);

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(workspace_root().join("data/samples").join(name)).unwrap()
}

fn expected(name: &str) -> Value {
    let stem = name.rsplit_once('.').unwrap().0;
    serde_json::from_slice(&sample(&format!("{stem}.expected.json"))).unwrap()
}

/// The errors about the file's content: figures, unreadable cells, rows
/// without a name (not the matching of its units to the database).
fn reading_errors(preview: &Value) -> Vec<Value> {
    preview["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            let code = e["code"].as_str().unwrap();
            code.contains("mismatch")
                || code.starts_with("unreadable")
                || code.starts_with("missing")
        })
        .cloned()
        .collect()
}

async fn preview(app: &TestApp, token: &str, name: &str, kind: Option<&str>) -> Value {
    TestApp::expect(app.import(token, name, sample(name), kind).await, 201).await
}

const P135_FIELDS: &[&str] = &[
    "records",
    "communes",
    "total_planned_dong",
    "total_disbursed_dong",
    "total_row_reconciles",
    "by_component_planned_dong",
    "amount_unit_in_file",
];

const SAMPLES: [(&str, &[&str]); 4] = [
    ("p135_tan-son_2014.xlsx", P135_FIELDS),
    ("p135_yen-lap_2013_tcvn3.xls", P135_FIELDS),
    (
        "nhiem-vu_ubnd-tinh_2017.xlsx",
        &[
            "directives",
            "tasks",
            "tasks_without_deadline",
            "tasks_by_lead",
            "layout",
        ],
    ),
    (
        "ntm_krong-buk_2022.xlsx",
        &[
            "communes",
            "communes_meeting_all_19",
            "average_criteria_met",
            "per_criterion_communes_met",
        ],
    ),
];

async fn every_sample_previews_as_expected(app: TestApp) {
    let admin = app.token("admin").await;
    for (name, fields) in SAMPLES {
        let want = expected(name);
        // The kind is read from the content.
        let got = preview(&app, &admin, name, None).await;
        assert_eq!(got["kind"], want["kind"], "{name}");
        assert_eq!(got["status"], "previewed", "{name}");
        assert_eq!(got["year"], want["year"], "{name}");
        assert_eq!(got["file_name"], name);
        for field in fields {
            assert_eq!(got["summary"][field], want[field], "{name}: {field}");
        }
        // Nothing in the reading is wrong (the units of provinces the demo
        // does not hold are another matter: see `import_commit`).
        assert_eq!(reading_errors(&got), Vec::<Value>::new(), "{name}");
        // Asking for the kind gives the same.
        let asked = preview(&app, &admin, name, want["kind"].as_str()).await;
        assert_eq!(asked["summary"], got["summary"], "{name}");
        // The history keeps it.
        let id = got["id"].as_i64().unwrap();
        let stored = TestApp::expect(
            app.get_as(&admin, &format!("/api/v1/imports/{id}")).await,
            200,
        )
        .await;
        assert_eq!(stored["summary"], got["summary"], "{name}");
        assert_eq!(stored["rows"], got["rows"], "{name}");
    }
    // Row detail: the NTM matrix's communes with their criteria met.
    let ntm = preview(&app, &admin, "ntm_krong-buk_2022.xlsx", None).await;
    let want = expected("ntm_krong-buk_2022.xlsx");
    let rows = ntm["rows"].as_array().unwrap();
    let per_commune = want["per_commune"].as_object().unwrap();
    assert_eq!(rows.len(), per_commune.len());
    for (row, (_, met)) in rows.iter().zip(per_commune) {
        assert_eq!(&row["values"]["met"], met);
    }
    // The P135 report's records carry amounts in đồng.
    let p135 = preview(&app, &admin, "p135_tan-son_2014.xlsx", None).await;
    let total: i64 = p135["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["values"]["planned_dong"].as_i64().unwrap())
        .sum();
    assert_eq!(
        total,
        expected("p135_tan-son_2014.xlsx")["total_planned_dong"]
    );
}

/// A criteria matrix whose TỔNG CỘNG row claims 3 communes for criterion 2
/// where the marks give 1.
fn matrix_with_a_wrong_total() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "UBND HUYỆN THỬ NGHIỆM").unwrap();
    ws.write_string(
        2,
        0,
        "BẢNG TỔNG HỢP KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ NÔNG THÔN MỚI NĂM 2023",
    )
    .unwrap();
    ws.write_string(4, 0, "STT").unwrap();
    ws.write_string(4, 1, "Tên xã").unwrap();
    ws.write_string(4, 2, "Kết quả thực hiện các tiêu chí")
        .unwrap();
    ws.write_string(4, 4, "Tổng số tiêu chí đạt").unwrap();
    ws.merge_range(
        4,
        2,
        4,
        3,
        "Kết quả thực hiện các tiêu chí",
        &rust_xlsxwriter::Format::new(),
    )
    .unwrap();
    ws.write_number(5, 2, 1).unwrap();
    ws.write_number(5, 3, 2).unwrap();
    for (i, (name, marks)) in [("Xã Một", ["x", "x"]), ("Xã Hai", ["x", ""])]
        .into_iter()
        .enumerate()
    {
        let row = 6 + u32::try_from(i).unwrap();
        ws.write_number(row, 0, f64::from(row - 5)).unwrap();
        ws.write_string(row, 1, name).unwrap();
        for (c, mark) in marks.into_iter().enumerate() {
            if !mark.is_empty() {
                ws.write_string(row, 2 + u16::try_from(c).unwrap(), mark)
                    .unwrap();
            }
        }
        let count = marks.iter().filter(|m| !m.is_empty()).count();
        ws.write_number(row, 4, f64::from(u32::try_from(count).unwrap()))
            .unwrap();
    }
    ws.write_string(8, 1, "Tổng cộng").unwrap();
    ws.write_number(8, 2, 2).unwrap();
    ws.write_number(8, 3, 3).unwrap();
    book.save_to_buffer().unwrap()
}

async fn refused(res: reqwest::Response, status: u16, code: &str) {
    let body = TestApp::expect(res, status).await;
    assert_eq!(body["errors"][0]["code"], code, "{body}");
    assert_eq!(body["errors"][0]["field"], "file", "{body}");
}

async fn bad_files_get_clear_problems(app: TestApp) {
    let admin = app.token("admin").await;
    refused(
        app.import(
            &admin,
            "notes.txt",
            b"hello, not a spreadsheet".to_vec(),
            None,
        )
        .await,
        422,
        "not_a_spreadsheet",
    )
    .await;
    let mut truncated = sample("ntm_krong-buk_2022.xlsx");
    truncated.truncate(truncated.len() / 2);
    refused(
        app.import(&admin, "cut.xlsx", truncated, None).await,
        422,
        "corrupt",
    )
    .await;
    // A real spreadsheet with none of the known tables.
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .write_string(0, 0, "Danh sách cán bộ")
        .unwrap();
    refused(
        app.import(&admin, "other.xlsx", book.save_to_buffer().unwrap(), None)
            .await,
        422,
        "unknown_kind",
    )
    .await;
    // Asked as the wrong kind: that kind's table is not there.
    refused(
        app.import(
            &admin,
            "ntm.xlsx",
            sample("ntm_krong-buk_2022.xlsx"),
            Some("p135_allocation_report"),
        )
        .await,
        422,
        "table_not_found",
    )
    .await;
    let unknown = TestApp::expect(
        app.import(
            &admin,
            "ntm.xlsx",
            sample("ntm_krong-buk_2022.xlsx"),
            Some("payroll"),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(unknown["errors"][0]["field"], "kind");
    // Totals that do not add up are reported, row by row.
    let wrong = TestApp::expect(
        app.import(&admin, "sai-tong.xlsx", matrix_with_a_wrong_total(), None)
            .await,
        201,
    )
    .await;
    assert_eq!(wrong["kind"], "ntm_criteria_matrix");
    assert_eq!(wrong["summary"]["communes"], 2);
    assert_eq!(wrong["summary"]["per_criterion_communes_met"]["2"], 1);
    let errors = reading_errors(&wrong);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["code"], "total_mismatch");
    assert_eq!(errors[0]["row"], 9);
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("tiêu chí 2"));
}

async fn importers_are_the_owners_of_each_kind(app: TestApp) {
    let admin = app.token("admin").await;
    let funds = app.token("von.quanly").await;
    let office = app.token("vp.chuyenvien").await;
    let coordinator = app.token("ntm.dieuphoi").await;
    let viewer = app.token("xem.baocao").await;
    let p135 = preview(&app, &funds, "p135_tan-son_2014.xlsx", None).await;
    assert_eq!(p135["creator_name"], "von.quanly");
    preview(&app, &office, "nhiem-vu_ubnd-tinh_2017.xlsx", None).await;
    let ntm = preview(&app, &coordinator, "ntm_krong-buk_2022.xlsx", None).await;
    // Detected or asked, a kind the caller does not manage is refused.
    for (token, name, kind) in [
        (&funds, "ntm_krong-buk_2022.xlsx", None),
        (
            &funds,
            "nhiem-vu_ubnd-tinh_2017.xlsx",
            Some("directive_task_list"),
        ),
        (&coordinator, "p135_tan-son_2014.xlsx", None),
        (
            &viewer,
            "p135_tan-son_2014.xlsx",
            Some("p135_allocation_report"),
        ),
    ] {
        TestApp::expect(app.import(token, name, sample(name), kind).await, 403).await;
    }
    // The history shows each caller the kinds they import.
    let kinds = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|i| i["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    let all = TestApp::expect(app.get_as(&admin, "/api/v1/imports").await, 200).await;
    assert_eq!(
        kinds(&all),
        [
            "ntm_criteria_matrix",
            "directive_task_list",
            "p135_allocation_report"
        ]
    );
    let mine = TestApp::expect(app.get_as(&funds, "/api/v1/imports").await, 200).await;
    assert_eq!(kinds(&mine), ["p135_allocation_report"]);
    let ntm_id = ntm["id"].as_i64().unwrap();
    TestApp::expect(
        app.get_as(&funds, &format!("/api/v1/imports/{ntm_id}"))
            .await,
        404,
    )
    .await;
    let none = TestApp::expect(app.get_as(&viewer, "/api/v1/imports").await, 200).await;
    assert_eq!(none, serde_json::json!([]));
}
