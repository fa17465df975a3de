//! Programme-fund reports over the demo's Programme 135 money: the Excel
//! report reopens with the API's figures to the đồng, and the warnings a
//! manager needs.

use blackbox::{backend_tests, TestApp, Value};

backend_tests!(demo:
    fund_report_export_reopens_with_the_api_totals,
    disbursement_export_reopens_with_the_report_totals,
    fund_warnings_flag_idle_money_and_late_projects,
    ledgers_and_the_project_report_follow_the_scope,
    beneficiary_lists_are_data_scoped_like_the_money,
    money_of_merged_communes_rolls_onto_todays_units,
);

fn this_year() -> i32 {
    use chrono::Datelike;
    (chrono::Utc::now().naive_utc() + chrono::Duration::hours(7))
        .date()
        .year()
}

async fn p135(app: &TestApp, token: &str) -> i64 {
    let list = TestApp::expect(app.get_as(token, "/api/v1/programmes").await, 200).await;
    list.as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "P135")
        .and_then(|p| p["id"].as_i64())
        .expect("the demo seeds P135")
}

/// A money cell (triệu đồng) back to đồng.
fn dong(cell: &calamine::Data) -> i64 {
    match cell {
        calamine::Data::Float(f) => (f * 1_000_000.0).round() as i64,
        calamine::Data::Int(i) => i * 1_000_000,
        other => panic!("not a number: {other:?}"),
    }
}

/// A rate cell (a fraction shown as a percentage) against the API's basis
/// points; a blank cell for no rate.
fn assert_rate(cell: &calamine::Data, rate_bp: &Value, what: &str) {
    match rate_bp.as_i64() {
        Some(bp) => assert_eq!(
            *cell,
            calamine::Data::Float(bp as f64 / 10_000.0),
            "{what}: {bp} bp"
        ),
        None => assert_eq!(*cell, calamine::Data::Empty, "{what}: no rate"),
    }
}

/// The first chart of a workbook, as XML.
fn chart_xml(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    archive
        .by_name("xl/charts/chart1.xml")
        .expect("the workbook has a chart")
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The index of the column headed `header` in the sheet's header rows.
fn column_of(sheet: &calamine::Range<calamine::Data>, header: &str) -> usize {
    sheet
        .rows()
        .find_map(|r| r.iter().position(|c| *c == header))
        .unwrap_or_else(|| panic!("no column {header}"))
}

async fn fund_report_export_reopens_with_the_api_totals(app: TestApp) {
    use calamine::{Reader, Xlsx};
    let manager = app.token("von.quanly").await;
    let programme = p135(&app, &manager).await;
    let province = app.unit_id(&manager, "Tỉnh Phú Thọ").await;
    let query = format!(
        "unit_id={province}&programme_id={programme}&year_from={}",
        this_year()
    );
    let report = TestApp::expect(
        app.get_as(
            &manager,
            &format!("/api/v1/fund-reports/allocation?{query}"),
        )
        .await,
        200,
    )
    .await;
    let total = &report["total"];
    assert_eq!(total["allocated"], 30_000_000_000_i64, "the demo envelope");
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "six demo communes");
    // The unit's own row and its children add up to the total.
    for field in ["allocated", "disbursed"] {
        let sum: i64 = rows.iter().map(|r| r[field].as_i64().unwrap()).sum::<i64>()
            + report["own"][field].as_i64().unwrap();
        assert_eq!(sum, total[field].as_i64().unwrap(), "{field}");
    }

    let res = app
        .get_as(
            &manager,
            &format!("/api/v1/fund-reports/allocation/export.xlsx?{query}"),
        )
        .await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap().to_vec();
    let chart = chart_xml(&bytes);
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    let sheet = book.worksheet_range(&name).unwrap();
    let lines: Vec<String> = sheet
        .rows()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    assert!(lines.iter().any(|l| l.contains("Đơn vị tính: triệu đồng")));
    assert!(lines.iter().any(|l| l.contains("(1)|(2)|(3)|(4)")));
    let header = sheet
        .rows()
        .find(|r| r.iter().any(|c| *c == "Tổng số"))
        .unwrap();
    let totals: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, c)| *c == "Tổng số")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(totals.len(), 2, "plan and disbursement totals");
    let (plan, paid) = (totals[0], totals[1]);
    let row_of = |label: &str| {
        sheet
            .rows()
            .find(|r| r.iter().any(|c| *c == label))
            .unwrap_or_else(|| panic!("no row {label}"))
            .to_vec()
    };
    let sheet_total = row_of("TỔNG CỘNG");
    assert_eq!(
        dong(&sheet_total[plan]),
        total["allocated"].as_i64().unwrap()
    );
    assert_eq!(
        dong(&sheet_total[paid]),
        total["disbursed"].as_i64().unwrap()
    );
    // Per component: the plan columns between the two totals add up.
    let parts: i64 = (plan + 1..paid).map(|i| dong(&sheet_total[i])).sum();
    assert_eq!(parts, total["allocated"].as_i64().unwrap());
    let rate = column_of(&sheet, "Tỷ lệ giải ngân (%)");
    assert_rate(&sheet_total[rate], &total["disbursement_rate_bp"], "total");
    for (i, api_row) in rows.iter().enumerate() {
        let line = row_of(api_row["unit_name"].as_str().unwrap());
        assert_eq!(
            line[0].to_string(),
            ["I", "II", "III", "IV", "V", "VI"][i],
            "Roman numerals in order"
        );
        assert_eq!(dong(&line[plan]), api_row["allocated"].as_i64().unwrap());
        assert_eq!(dong(&line[paid]), api_row["disbursed"].as_i64().unwrap());
        assert_rate(
            &line[rate],
            &api_row["disbursement_rate_bp"],
            api_row["unit_name"].as_str().unwrap(),
        );
    }
    // A native column chart of the disbursement rate per commune, over the
    // table on the chart sheet: the communes' rows of the report, no
    // villages, no total.
    assert!(chart.contains("<c:barDir val=\"col\"/>"), "{chart}");
    assert!(chart.contains("Tỷ lệ giải ngân theo đơn vị (%)"), "{chart}");
    assert!(
        chart.contains(&format!("!$B$2:$B${}", rows.len() + 1)),
        "{chart}"
    );
    assert_eq!(book.sheet_names()[1], "Biểu đồ");
    let plotted = book.worksheet_range("Biểu đồ").unwrap();
    assert_eq!(plotted.end(), Some((u32::try_from(rows.len()).unwrap(), 1)));
    for (i, api_row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap();
        let name = api_row["unit_name"].as_str().unwrap();
        assert_eq!(
            plotted.get_value((r, 0)),
            Some(&calamine::Data::String(name.to_owned()))
        );
        let value = plotted
            .get_value((r, 1))
            .cloned()
            .unwrap_or(calamine::Data::Empty);
        assert_rate(&value, &api_row["disbursement_rate_bp"], name);
    }
    // The demo's villages are listed under their commune, numbered.
    let village = row_of("Thôn Xuân Đài");
    assert_eq!(dong(&village[plan]), 800_000_000);
    assert!(lines.iter().any(|l| l.contains("Thôn ĐBKK")));
    assert!(
        lines.iter().any(|l| l.contains("Xã ĐBKK")),
        "notes from the beneficiary list"
    );

    // Out of scope: the commune officer cannot export the province.
    let commune = app.token("xa.tanson").await;
    let res = app
        .get_as(
            &commune,
            &format!("/api/v1/fund-reports/allocation/export.xlsx?{query}"),
        )
        .await;
    assert_eq!(res.status(), 404);
}

async fn disbursement_export_reopens_with_the_report_totals(app: TestApp) {
    use calamine::{Data, Reader, Xlsx};
    let manager = app.token("von.quanly").await;
    let commune = app.token("xa.tanson").await;
    let programme = p135(&app, &manager).await;
    let province = app.unit_id(&manager, "Tỉnh Phú Thọ").await;
    let tan_son = app.unit_id(&manager, "Xã Tân Sơn").await;
    let year = this_year();
    let query = |unit: i64| format!("unit_id={unit}&programme_id={programme}&year_from={year}");
    for (token, unit, projects_expected) in
        [(&manager, province, None), (&commune, tan_son, Some(1))]
    {
        let report = TestApp::expect(
            app.get_as(
                token,
                &format!("/api/v1/fund-reports/disbursement?{}", query(unit)),
            )
            .await,
            200,
        )
        .await;
        let projects = report["projects"].as_array().unwrap();
        assert!(!projects.is_empty(), "{report}");
        if let Some(n) = projects_expected {
            assert_eq!(projects.len(), n, "{report}");
        }
        let res = app
            .get_as(
                token,
                &format!(
                    "/api/v1/fund-reports/disbursement/export.xlsx?{}",
                    query(unit)
                ),
            )
            .await;
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        let bytes = res.bytes().await.unwrap().to_vec();
        let chart = chart_xml(&bytes);
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            vec![format!("Giải ngân {year}"), "Biểu đồ".to_owned()]
        );
        let sheet = book.worksheet_range(&format!("Giải ngân {year}")).unwrap();
        let lines: Vec<String> = sheet
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        assert!(lines
            .iter()
            .any(|l| l.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")));
        assert!(lines.iter().any(|l| l.contains("Đơn vị tính: triệu đồng")));
        assert!(lines
            .iter()
            .any(|l| l.contains("(1)|(2)|(3)|(4)|(5)|(6)|(7)|(8)|(9)|(10)")));
        let (allocated, disbursed, remaining, rate) = (
            column_of(&sheet, "Được phân bổ"),
            column_of(&sheet, "Đã giải ngân"),
            column_of(&sheet, "Chưa giải ngân"),
            column_of(&sheet, "Tỷ lệ giải ngân (%)"),
        );
        let row_of = |label: &str| {
            sheet
                .rows()
                .find(|r| r.iter().any(|c| *c == label))
                .unwrap_or_else(|| panic!("no row {label}"))
                .to_vec()
        };
        // The totals equal the JSON report's.
        let total = row_of("TỔNG CỘNG");
        let (a, d) = (
            report["allocated"].as_i64().unwrap(),
            report["disbursed"].as_i64().unwrap(),
        );
        assert_eq!(dong(&total[allocated]), a);
        assert_eq!(dong(&total[disbursed]), d);
        assert_eq!(dong(&total[remaining]), a - d);
        assert_rate(&total[rate], &report["disbursement_rate_bp"], "total");
        // Every project, numbered under the Roman-numeral row of its unit;
        // the projects add up to the total.
        let mut sum = (0, 0);
        for p in projects {
            let name = p["project"]["name"].as_str().unwrap();
            let line = row_of(name);
            assert!(
                line[0].to_string().parse::<u32>().is_ok(),
                "{name}: {line:?}"
            );
            assert_eq!(
                line[2],
                Data::String(p["project"]["investor"].as_str().unwrap().to_owned())
            );
            assert_eq!(
                dong(&line[allocated]),
                p["allocated"].as_i64().unwrap(),
                "{name}"
            );
            assert_eq!(
                dong(&line[disbursed]),
                p["disbursed"].as_i64().unwrap(),
                "{name}"
            );
            assert_eq!(
                dong(&line[remaining]),
                p["remaining"].as_i64().unwrap(),
                "{name}"
            );
            assert_rate(&line[rate], &p["disbursement_rate_bp"], name);
            sum.0 += dong(&line[allocated]);
            sum.1 += dong(&line[disbursed]);
        }
        assert_eq!(sum, (a, d));
        assert!(sheet.rows().any(|r| r[0] == "I"), "{lines:?}");

        // The chart: the rate per project, one bar per project row.
        assert!(chart.contains("<c:barDir val=\"col\"/>"), "{chart}");
        assert!(chart.contains("Tỷ lệ giải ngân theo dự án (%)"), "{chart}");
        let plotted = book.worksheet_range("Biểu đồ").unwrap();
        assert_eq!(
            plotted.end(),
            Some((u32::try_from(projects.len()).unwrap(), 1))
        );
        for r in 1..=u32::try_from(projects.len()).unwrap() {
            let name = plotted.get_value((r, 0)).unwrap().to_string();
            let p = projects
                .iter()
                .find(|p| p["project"]["name"] == name.as_str())
                .unwrap_or_else(|| panic!("{name} is not a project of the report"));
            let value = plotted.get_value((r, 1)).cloned().unwrap_or(Data::Empty);
            assert_rate(&value, &p["disbursement_rate_bp"], &name);
        }
    }
    // Out of scope: the commune officer cannot export the province.
    let res = app
        .get_as(
            &commune,
            &format!(
                "/api/v1/fund-reports/disbursement/export.xlsx?{}",
                query(province)
            ),
        )
        .await;
    assert_eq!(res.status(), 404);
    // Nor years backwards.
    let res = app
        .get_as(
            &manager,
            &format!(
                "/api/v1/fund-reports/disbursement/export.xlsx?{}&year_to={}",
                query(province),
                year - 1
            ),
        )
        .await;
    assert_eq!(res.status(), 422);
}

async fn fund_warnings_flag_idle_money_and_late_projects(app: TestApp) {
    let manager = app.token("von.quanly").await;
    let programme = p135(&app, &manager).await;
    let province = app.unit_id(&manager, "Tỉnh Phú Thọ").await;
    let year = this_year();
    let url = |extra: &str| {
        format!(
            "/api/v1/fund-reports/warnings?unit_id={province}&programme_id={programme}&year={year}{extra}"
        )
    };
    let w: Value = TestApp::expect(app.get_as(&manager, &url("")).await, 200).await;
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["unit_name"]
                    .as_str()
                    .or(r["name"].as_str())
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    // The demo leaves one commune without any disbursement this year.
    let idle = names(&w["no_disbursement"]);
    assert_eq!(idle.len(), 1, "{w}");
    for r in w["no_disbursement"].as_array().unwrap() {
        assert_eq!(r["disbursed"], 0);
        assert!(r["allocated"].as_i64().unwrap() > 0);
    }
    // Every flagged commune is really below 50 %.
    for r in w["low_rate"].as_array().unwrap() {
        assert!(r["disbursement_rate_bp"].as_i64().unwrap() < 5000, "{r}");
    }
    assert!(names(&w["low_rate"]).contains(&idle[0]));
    // One demo project ended yesterday and is not completed.
    let late = w["projects_overdue"].as_array().unwrap();
    assert_eq!(late.len(), 1, "{w}");
    assert_ne!(late[0]["status"], "completed");
    // Before the date nothing is idle yet; a zero threshold flags no rate.
    let early: Value = TestApp::expect(
        app.get_as(
            &manager,
            &url(&format!(
                "&no_disbursement_after={}-12-31&min_rate_bp=0",
                year
            )),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(early["no_disbursement"], serde_json::json!([]));
    assert_eq!(early["low_rate"], serde_json::json!([]));
    // Each year's warnings are the rows of that year's report that fail the
    // checks (the date set before the year: every idle unit is flagged).
    for y in [year - 1, year] {
        let warned: Value = TestApp::expect(
            app.get_as(
                &manager,
                &format!(
                    "/api/v1/fund-reports/warnings?unit_id={province}&programme_id={programme}&year={y}&no_disbursement_after={}-01-01",
                    y - 1
                ),
            )
            .await,
            200,
        )
        .await;
        let report: Value = TestApp::expect(
            app.get_as(
                &manager,
                &format!("/api/v1/fund-reports/allocation?unit_id={province}&programme_id={programme}&year_from={y}&year_to={y}"),
            )
            .await,
            200,
        )
        .await;
        let rows = report["rows"].as_array().unwrap();
        let funded = rows.iter().filter(|r| r["allocated"].as_i64().unwrap() > 0);
        let expected = |keep: &dyn Fn(&Value) -> bool| -> Vec<String> {
            funded
                .clone()
                .filter(|r| keep(r))
                .map(|r| r["unit_name"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            names(&warned["no_disbursement"]),
            expected(&|r| r["disbursed"] == 0),
            "{y}: {warned}"
        );
        assert_eq!(
            names(&warned["low_rate"]),
            expected(&|r| r["disbursement_rate_bp"]
                .as_i64()
                .is_some_and(|bp| bp < 5000)),
            "{y}: {warned}"
        );
    }
    // Out of scope.
    let commune = app.token("xa.tanson").await;
    TestApp::expect(app.get_as(&commune, &url("")).await, 404).await;
    // Marking the late project completed clears its warning; the commune
    // officer may not change projects.
    let project = format!("/api/v1/fund-projects/{}", late[0]["id"]);
    let done = serde_json::json!({"status": "completed"});
    let refused = app
        .call(
            &commune,
            blackbox::reqwest::Method::PATCH,
            &project,
            Some(&done),
        )
        .await;
    assert!(
        matches!(refused.status().as_u16(), 403 | 404),
        "{}",
        refused.status()
    );
    let updated = TestApp::expect(
        app.call(
            &manager,
            blackbox::reqwest::Method::PATCH,
            &project,
            Some(&done),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(updated["status"], "completed");
    let after: Value = TestApp::expect(app.get_as(&manager, &url("")).await, 200).await;
    assert_eq!(after["projects_overdue"], serde_json::json!([]));
    // Fund sources are data too.
    let source = serde_json::json!({"code": "tpcp", "name": "Vốn trái phiếu Chính phủ"});
    let created = TestApp::expect(
        app.post_as(&manager, "/api/v1/fund-sources", &source).await,
        201,
    )
    .await;
    assert_eq!(created["code"], "TPCP");
    TestApp::expect(
        app.post_as(&manager, "/api/v1/fund-sources", &source).await,
        409,
    )
    .await;
    TestApp::expect(
        app.post_as(&commune, "/api/v1/fund-sources", &source).await,
        403,
    )
    .await;
}

async fn ledgers_and_the_project_report_follow_the_scope(app: TestApp) {
    let manager = app.token("von.quanly").await;
    let commune = app.token("xa.tanson").await;
    let programme = p135(&app, &manager).await;
    let tan_son = app.unit_id(&manager, "Xã Tân Sơn").await;
    let province = app.unit_id(&manager, "Tỉnh Phú Thọ").await;
    let year = this_year();
    let filter = format!("programme_id={programme}&year={year}");
    // The demo's year: 2 envelopes, 6 communes × 2 components, 2 villages,
    // 6 project allocations; 5 communes have disbursed.
    let all = TestApp::expect(
        app.get_as(&manager, &format!("/api/v1/allocations?{filter}&limit=500"))
            .await,
        200,
    )
    .await;
    assert_eq!(all["total"], 22);
    let paid = TestApp::expect(
        app.get_as(&manager, &format!("/api/v1/disbursements?{filter}"))
            .await,
        200,
    )
    .await;
    assert_eq!(paid["total"], 5);
    // The commune sees what touches it: two allocations in, two to its
    // villages, one to its project; and its project's one disbursement.
    let mine = TestApp::expect(
        app.get_as(&commune, &format!("/api/v1/allocations?{filter}"))
            .await,
        200,
    )
    .await;
    assert_eq!(mine["total"], 5, "{mine}");
    let theirs = TestApp::expect(
        app.get_as(&commune, &format!("/api/v1/disbursements?{filter}"))
            .await,
        200,
    )
    .await;
    assert_eq!(theirs["total"], 1);
    TestApp::expect(
        app.get_as(
            &commune,
            &format!("/api/v1/allocations?{filter}&unit_id={province}"),
        )
        .await,
        404,
    )
    .await;
    // Project by project: the commune's road, 30 % disbursed.
    let report = TestApp::expect(
        app.get_as(
            &commune,
            &format!(
                "/api/v1/fund-reports/disbursement?unit_id={tan_son}&programme_id={programme}&year_from={year}"
            ),
        )
        .await,
        200,
    )
    .await;
    let projects = report["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{report}");
    assert_eq!(projects[0]["allocated"], 1_400_000_000_i64);
    assert_eq!(projects[0]["disbursed"], 420_000_000_i64);
    assert_eq!(projects[0]["disbursement_rate_bp"], 3000);
    assert_eq!(report["disbursed"], 420_000_000_i64);
    // Money for another component cannot go to the road project.
    let list = TestApp::expect(app.get_as(&manager, "/api/v1/programmes").await, 200).await;
    let p = list
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == programme)
        .unwrap();
    let production = p["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "TDA2")
        .unwrap()["id"]
        .clone();
    let sources = TestApp::expect(app.get_as(&manager, "/api/v1/fund-sources").await, 200).await;
    let refused = TestApp::expect(
        app.post_as(
            &manager,
            "/api/v1/allocations",
            &serde_json::json!({
                "programme_id": programme, "year": year, "component_id": production,
                "source_id": sources[0]["id"], "from_unit_id": tan_son,
                "to_project_id": projects[0]["project"]["id"], "amount": 1_000_000,
                "decision_number": "9/QĐ-UBND", "decision_date": format!("{year}-01-02")
            }),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "to_project_id");
    assert_eq!(refused["errors"][0]["code"], "other_component");
}

async fn beneficiary_lists_are_data_scoped_like_the_money(app: TestApp) {
    let manager = app.token("von.quanly").await;
    let commune = app.token("xa.tanson").await;
    let programme = p135(&app, &manager).await;
    let year = this_year();
    let url = format!("/api/v1/programmes/{programme}/beneficiaries");
    let all = TestApp::expect(
        app.get_as(&manager, &format!("{url}?year={year}")).await,
        200,
    )
    .await;
    assert_eq!(
        all.as_array().unwrap().len(),
        8,
        "six communes, two villages"
    );
    let mine = TestApp::expect(
        app.get_as(&commune, &format!("{url}?year={year}")).await,
        200,
    )
    .await;
    let categories: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["category"].as_str().unwrap())
        .collect();
    assert_eq!(
        categories
            .iter()
            .filter(|c| **c == "extremely_difficult_village")
            .count(),
        2
    );
    assert_eq!(categories.len(), 3, "{mine}");
    let tan_son = app.unit_id(&manager, "Xã Tân Sơn").await;
    let body = |category: &str| {
        serde_json::json!({"year": year + 1, "decision": "5/QĐ-UBND",
                           "entries": [{"unit_id": tan_son, "category": category}]})
    };
    // Only fund managers list units, and the category fits the unit.
    TestApp::expect(
        app.post_as(&commune, &url, &body("extremely_difficult_commune"))
            .await,
        403,
    )
    .await;
    let wrong = TestApp::expect(
        app.post_as(&manager, &url, &body("extremely_difficult_village"))
            .await,
        422,
    )
    .await;
    assert_eq!(wrong["errors"][0]["code"], "wrong_kind");
    let res = app.post_as(&manager, &url, &body("border_commune")).await;
    assert_eq!(res.status(), 204);
    let next = TestApp::expect(
        app.get_as(&manager, &format!("{url}?year={}", year + 1))
            .await,
        200,
    )
    .await;
    assert_eq!(next[0]["category"], "border_commune");
    assert_eq!(next.as_array().unwrap().len(), 1);
}

async fn money_of_merged_communes_rolls_onto_todays_units(app: TestApp) {
    let admin = app.token("admin").await;
    let tan_son = app.unit_id(&admin, "Xã Tân Sơn").await;
    let province = app.unit_id(&admin, "Tỉnh Phú Thọ").await;
    // An old commune that went wholly into today's Xã Tân Sơn in 2025.
    let preds = TestApp::expect(
        app.get_as(&admin, &format!("/api/v1/org-units/{tan_son}/predecessors"))
            .await,
        200,
    )
    .await;
    let mut old = None;
    for p in preds.as_array().unwrap() {
        let id = p["unit"]["id"].as_i64().unwrap();
        let succ = TestApp::expect(
            app.get_as(&admin, &format!("/api/v1/org-units/{id}/successors"))
                .await,
            200,
        )
        .await;
        if succ.as_array().unwrap().len() == 1 {
            old = Some(id);
            break;
        }
    }
    let old = old.expect("a predecessor of Xã Tân Sơn merged wholly into it");
    let programme = TestApp::expect(
        app.post_as(
            &admin,
            "/api/v1/programmes",
            &serde_json::json!({"code": "T-OLD", "name": "Chương trình thử", "components": [{"code": "A", "name": "Hạ tầng"}]}),
        )
        .await,
        201,
    )
    .await;
    let sources = TestApp::expect(app.get_as(&admin, "/api/v1/fund-sources").await, 200).await;
    let key = serde_json::json!({
        "programme_id": programme["id"], "year": 2024,
        "component_id": programme["components"][0]["id"], "source_id": sources[0]["id"]
    });
    let mut allocation = key.clone();
    allocation.as_object_mut().unwrap().extend(
        serde_json::json!({"to_unit_id": old, "amount": 900_000_000,
            "decision_number": "1/QĐ-UBND", "decision_date": "2024-02-01"})
        .as_object()
        .unwrap()
        .clone(),
    );
    TestApp::expect(
        app.post_as(&admin, "/api/v1/allocations", &allocation)
            .await,
        201,
    )
    .await;
    let mut payment = key.clone();
    payment.as_object_mut().unwrap().extend(
        serde_json::json!({"unit_id": old, "amount": 300_000_000, "paid_on": "2024-09-30", "voucher": "KB-1"})
            .as_object()
            .unwrap()
            .clone(),
    );
    TestApp::expect(
        app.post_as(&admin, "/api/v1/disbursements", &payment).await,
        201,
    )
    .await;

    let url = |structure: &str| {
        format!(
            "/api/v1/fund-reports/allocation?unit_id={province}&programme_id={}&year_from=2024&as_of_structure={structure}",
            programme["id"]
        )
    };
    // As recorded, the money sits on a unit of the old province.
    let recorded = TestApp::expect(app.get_as(&admin, &url("recorded")).await, 200).await;
    assert_eq!(recorded["total"]["allocated"], 0);
    assert_eq!(recorded["rows"], serde_json::json!([]));
    // On today's units it is Xã Tân Sơn's.
    let current = TestApp::expect(app.get_as(&admin, &url("current")).await, 200).await;
    assert_eq!(current["total"]["allocated"], 900_000_000);
    assert_eq!(current["total"]["disbursed"], 300_000_000);
    let row = &current["rows"][0];
    assert_eq!(row["unit_id"], tan_son);
    assert_eq!(row["allocated"], 900_000_000);
    assert_eq!(row["disbursement_rate_bp"], 3333);
}
