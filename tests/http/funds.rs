//! Programme funds over HTTP: money flowing from the envelope down to a
//! village project, the conservation rules refusing what would overdraw,
//! concurrent allocations and disbursements against one holder, and who
//! sees which subtree.
//!
//! Every test defines its own programme so the demo's Programme 135 money
//! never enters its sums.

use blackbox::funds::{programme, Fund, OVERDRAWN, UNAUDITED, YEAR};
use blackbox::{backend_tests, json, reqwest, Shot, TestApp, Value};

backend_tests!(demo:
    money_flows_from_the_envelope_to_a_village_project,
    over_allocation_and_over_disbursement_are_refused,
    fifty_concurrent_allocations_never_overdraw_the_parent,
    forty_concurrent_disbursements_never_overdraw_the_commune,
    concurrent_allocations_and_disbursements_share_one_parent,
    each_role_sees_exactly_its_subtree,
    a_project_patch_changes_what_it_names_and_only_that,
);

async fn allocate(
    app: &TestApp,
    token: &str,
    fund: &Fund,
    from: Option<i64>,
    to: Value,
    amount: i64,
) -> reqwest::Response {
    app.post_as(
        token,
        "/api/v1/allocations",
        &fund.allocation(from, to, amount),
    )
    .await
}

async fn disburse(
    app: &TestApp,
    token: &str,
    fund: &Fund,
    spender: Value,
    amount: i64,
    reversal: bool,
) -> reqwest::Response {
    app.post_as(
        token,
        "/api/v1/disbursements",
        &fund.disbursement(spender, amount, reversal),
    )
    .await
}

async fn adjust(app: &TestApp, token: &str, allocation: i64, amount: i64) -> reqwest::Response {
    app.post_as(
        token,
        &format!("/api/v1/allocations/{allocation}/adjustments"),
        &json!({"amount": amount, "decision_number": "02/QĐ-UBND", "decision_date": format!("{YEAR}-08-01")}),
    )
    .await
}

async fn report(app: &TestApp, token: &str, fund: &Fund, unit: i64) -> reqwest::Response {
    app.get_as(
        token,
        &format!(
            "/api/v1/fund-reports/allocation?unit_id={unit}&programme_id={}&year_from={YEAR}",
            fund.programme
        ),
    )
    .await
}

async fn project(app: &TestApp, token: &str, fund: &Fund, unit: i64, name: &str) -> i64 {
    let created = TestApp::expect(
        app.post_as(
            token,
            "/api/v1/fund-projects",
            &json!({
                "unit_id": unit, "programme_id": fund.programme, "component_id": fund.component,
                "name": name, "investor": "UBND xã", "planned_cost": 1_000_000_000_i64,
                "start_on": format!("{YEAR}-03-01"), "end_on": format!("{YEAR}-12-31")
            }),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(created["unit_id"], unit);
    assert_eq!(created["status"], "planned");
    created["id"].as_i64().unwrap()
}

/// `(received, passed_down, disbursed)` of a balance.
fn balance(v: &Value) -> (i64, i64, i64) {
    (
        v["received"].as_i64().unwrap(),
        v["passed_down"].as_i64().unwrap(),
        v["disbursed"].as_i64().unwrap(),
    )
}

/// A rule refusal: 422 with the rule's code on `field`.
async fn refused(res: reqwest::Response, field: &str, code: &str) {
    let body = TestApp::expect(res, 422).await;
    assert_eq!(body["errors"][0]["field"], field, "{body}");
    assert_eq!(body["errors"][0]["code"], code, "{body}");
}

/// Splits a burst's answers into the entries accepted (201, with their
/// index in the burst) and the indices refused by the conservation rule
/// (422 `overdraw` on `amount`); any other answer fails the test.
fn accepted_and_overdrawn(answers: Vec<Option<(u16, Value)>>) -> (Vec<(usize, Value)>, Vec<usize>) {
    let mut accepted = Vec::new();
    let mut overdrawn = Vec::new();
    for (i, answer) in answers.into_iter().enumerate() {
        match answer.expect("an answer") {
            (201, body) => accepted.push((i, body)),
            (422, body) => {
                assert_eq!(body["errors"][0]["field"], "amount", "{body}");
                assert_eq!(body["errors"][0]["code"], "overdraw", "{body}");
                overdrawn.push(i);
            }
            (other, body) => panic!("unexpected status {other}: {body}"),
        }
    }
    (accepted, overdrawn)
}

/// A sum in đồng on the app's database (`SUM` is NUMERIC on PostgreSQL).
fn sum(app: &TestApp, table: &str, condition: &str) -> i64 {
    app.count(&format!(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS n FROM {table} WHERE {condition}"
    ))
}

fn row(report: &Value, unit: i64) -> &Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit_id"] == unit)
        .unwrap_or_else(|| panic!("no row for unit {unit} in {report}"))
}

/// `own` plus every row adds up to `total`, for each amount.
fn assert_adds_up(report: &Value) {
    for field in ["planned", "allocated", "disbursed", "remaining"] {
        let rows: i64 = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[field].as_i64().unwrap())
            .sum();
        assert_eq!(
            report["own"][field].as_i64().unwrap() + rows,
            report["total"][field].as_i64().unwrap(),
            "{field} does not add up: {report}"
        );
    }
}

async fn money_flows_from_the_envelope_to_a_village_project(app: TestApp) {
    let admin = app.token("admin").await;
    let manager = app.token("von.quanly").await;
    let commune_officer = app.token("xa.tanson").await;
    let fund = programme(&app, &manager, "T-FLOW").await;
    let province = app.unit_id(&manager, "Tỉnh Phú Thọ").await;
    let commune = app.unit_id(&manager, "Xã Tân Sơn").await;

    // The envelope from above reaches the province.
    let root = TestApp::expect(
        allocate(
            &app,
            &manager,
            &fund,
            None,
            json!({"to_unit_id": province}),
            10_000_000_000,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(root["from_unit_id"], Value::Null);
    assert_eq!(root["from_balance"], Value::Null);
    assert_eq!(root["amount"], 10_000_000_000_i64);
    assert_eq!(balance(&root["to_balance"]), (10_000_000_000, 0, 0));

    // Province → commune.
    let to_commune = TestApp::expect(
        allocate(
            &app,
            &manager,
            &fund,
            Some(province),
            json!({"to_unit_id": commune}),
            3_000_000_000,
        )
        .await,
        201,
    )
    .await;
    let to_commune_id = to_commune["id"].as_i64().unwrap();
    assert_eq!(
        balance(&to_commune["from_balance"]),
        (10_000_000_000, 3_000_000_000, 0)
    );
    assert_eq!(balance(&to_commune["to_balance"]), (3_000_000_000, 0, 0));

    // Commune → a village of it: not the commune officer's to decide.
    let village = TestApp::expect(
        app.post_as(&admin, "/api/v1/org-units", &json!({"name": "Thôn Đồng Sơn", "kind": "village", "unit_type": "thôn", "parent_id": commune})).await,
        201,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let denied = TestApp::expect(
        allocate(
            &app,
            &commune_officer,
            &fund,
            Some(commune),
            json!({"to_unit_id": village}),
            1_200_000_000,
        )
        .await,
        403,
    )
    .await;
    assert_eq!(denied["code"], "forbidden");
    let to_village = TestApp::expect(
        allocate(
            &app,
            &manager,
            &fund,
            Some(commune),
            json!({"to_unit_id": village}),
            1_200_000_000,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        balance(&to_village["from_balance"]),
        (3_000_000_000, 1_200_000_000, 0)
    );
    assert_eq!(balance(&to_village["to_balance"]), (1_200_000_000, 0, 0));

    // Village → its project.
    let road = project(
        &app,
        &manager,
        &fund,
        village,
        "Đường giao thông thôn Đồng Sơn",
    )
    .await;
    let to_project = TestApp::expect(
        allocate(
            &app,
            &manager,
            &fund,
            Some(village),
            json!({"to_project_id": road}),
            1_000_000_000,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(to_project["to_project_id"], road);
    assert_eq!(to_project["to_unit_id"], Value::Null);
    assert_eq!(
        balance(&to_project["from_balance"]),
        (1_200_000_000, 1_000_000_000, 0)
    );
    assert_eq!(balance(&to_project["to_balance"]), (1_000_000_000, 0, 0));

    // The commune officer records the project's payments (the village is
    // in the commune's subtree), and a reversal.
    let project = json!({"project_id": road});
    let paid = TestApp::expect(
        disburse(
            &app,
            &commune_officer,
            &fund,
            project.clone(),
            400_000_000,
            false,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(paid["project_id"], road);
    assert_eq!(paid["reversal"], false);
    assert_eq!(balance(&paid["balance"]), (1_000_000_000, 0, 400_000_000));
    let paid = TestApp::expect(
        disburse(
            &app,
            &commune_officer,
            &fund,
            project.clone(),
            350_000_000,
            false,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(balance(&paid["balance"]), (1_000_000_000, 0, 750_000_000));
    let reversed = TestApp::expect(
        disburse(&app, &commune_officer, &fund, project, -50_000_000, true).await,
        201,
    )
    .await;
    assert_eq!(reversed["amount"], -50_000_000_i64);
    assert_eq!(reversed["reversal"], true);
    assert_eq!(
        balance(&reversed["balance"]),
        (1_000_000_000, 0, 700_000_000)
    );

    // Taking back more than the commune still holds (3 000 − 1 200 =
    // 1 800 million) is refused; 500 million is fine.
    refused(
        adjust(&app, &manager, to_commune_id, -2_900_000_000).await,
        "amount",
        "child_overdrawn",
    )
    .await;
    let adjusted = TestApp::expect(
        adjust(&app, &manager, to_commune_id, -500_000_000).await,
        201,
    )
    .await;
    assert_eq!(adjusted["adjusts_id"], to_commune_id);
    assert_eq!(adjusted["amount"], -500_000_000_i64);
    assert_eq!(adjusted["from_unit_id"], province);
    assert_eq!(adjusted["to_unit_id"], commune);
    assert_eq!(
        balance(&adjusted["from_balance"]),
        (10_000_000_000, 2_500_000_000, 0)
    );
    assert_eq!(
        balance(&adjusted["to_balance"]),
        (2_500_000_000, 1_200_000_000, 0)
    );
    // The allocation now amounts to 2 500 million: it cannot go below zero.
    refused(
        adjust(&app, &manager, to_commune_id, -2_600_000_000).await,
        "amount",
        "adjustment_below_zero",
    )
    .await;

    // The province's report: Xã Tân Sơn's row holds its subtree.
    let province_report = TestApp::expect(report(&app, &manager, &fund, province).await, 200).await;
    assert_eq!(province_report["unit_id"], province);
    assert_eq!(province_report["programme_id"], fund.programme);
    assert_eq!(province_report["year_from"], YEAR);
    assert_eq!(province_report["year_to"], YEAR);
    let tan_son = row(&province_report, commune);
    assert_eq!(tan_son["unit_name"], "Xã Tân Sơn");
    assert_eq!(tan_son["planned"], 1_000_000_000_i64);
    assert_eq!(tan_son["allocated"], 2_500_000_000_i64);
    assert_eq!(tan_son["disbursed"], 700_000_000_i64);
    assert_eq!(tan_son["remaining"], 1_800_000_000_i64);
    assert_eq!(tan_son["disbursement_rate_bp"], 2800);
    let own = &province_report["own"];
    assert_eq!(own["allocated"], 7_500_000_000_i64);
    assert_eq!(own["disbursed"], 0);
    let total = &province_report["total"];
    assert_eq!(total["allocated"], 10_000_000_000_i64);
    assert_eq!(total["disbursed"], 700_000_000_i64);
    assert_eq!(total["remaining"], 9_300_000_000_i64);
    assert_eq!(total["disbursement_rate_bp"], 700);
    assert_adds_up(&province_report);
    // Every other child of the province got nothing of this programme.
    for other in province_report["rows"].as_array().unwrap() {
        if other["unit_id"] != commune {
            assert_eq!(other["allocated"], 0, "{other}");
            assert_eq!(other["disbursement_rate_bp"], Value::Null, "{other}");
        }
    }

    // The commune officer sees its commune, with the village as a row…
    let commune_report =
        TestApp::expect(report(&app, &commune_officer, &fund, commune).await, 200).await;
    let dong_son = row(&commune_report, village);
    assert_eq!(dong_son["unit_name"], "Thôn Đồng Sơn");
    assert_eq!(dong_son["planned"], 1_000_000_000_i64);
    assert_eq!(dong_son["allocated"], 1_200_000_000_i64);
    assert_eq!(dong_son["disbursed"], 700_000_000_i64);
    assert_eq!(dong_son["remaining"], 500_000_000_i64);
    // 700 / 1 200 = 58.33 %.
    assert_eq!(dong_son["disbursement_rate_bp"], 5833);
    assert_eq!(commune_report["own"]["allocated"], 1_300_000_000_i64);
    assert_eq!(commune_report["own"]["disbursed"], 0);
    assert_eq!(commune_report["total"]["allocated"], 2_500_000_000_i64);
    assert_eq!(commune_report["total"]["disbursed"], 700_000_000_i64);
    assert_eq!(commune_report["total"]["disbursement_rate_bp"], 2800);
    assert_adds_up(&commune_report);
    // …but not the province.
    TestApp::expect(report(&app, &commune_officer, &fund, province).await, 404).await;
}

async fn over_allocation_and_over_disbursement_are_refused(app: TestApp) {
    let manager = app.token("von.quanly").await;
    let commune_officer = app.token("xa.tanson").await;
    let fund = programme(&app, &manager, "T-REFUSE").await;
    let province = app.unit_id(&manager, "Tỉnh Phú Thọ").await;
    let commune = app.unit_id(&manager, "Xã Tân Sơn").await;
    let to_commune = json!({"to_unit_id": commune});
    TestApp::expect(
        allocate(
            &app,
            &manager,
            &fund,
            None,
            json!({"to_unit_id": province}),
            1_000_000_000,
        )
        .await,
        201,
    )
    .await;
    TestApp::expect(
        allocate(
            &app,
            &manager,
            &fund,
            Some(province),
            to_commune.clone(),
            400_000_000,
        )
        .await,
        201,
    )
    .await;

    // More than the province has left (600 million).
    refused(
        allocate(
            &app,
            &manager,
            &fund,
            Some(province),
            to_commune.clone(),
            600_000_001,
        )
        .await,
        "amount",
        "overdraw",
    )
    .await;
    // Upwards, or to itself: not below the giver.
    refused(
        allocate(
            &app,
            &manager,
            &fund,
            Some(commune),
            json!({"to_unit_id": province}),
            1_000,
        )
        .await,
        "to_unit_id",
        "not_below",
    )
    .await;
    refused(
        allocate(
            &app,
            &manager,
            &fund,
            Some(commune),
            to_commune.clone(),
            1_000,
        )
        .await,
        "to_unit_id",
        "not_below",
    )
    .await;
    // Zero and negative amounts, for allocations and disbursements.
    for amount in [0, -5_000_000] {
        refused(
            allocate(
                &app,
                &manager,
                &fund,
                Some(province),
                to_commune.clone(),
                amount,
            )
            .await,
            "amount",
            "non_positive_amount",
        )
        .await;
        refused(
            allocate(
                &app,
                &manager,
                &fund,
                None,
                json!({"to_unit_id": province}),
                amount,
            )
            .await,
            "amount",
            "non_positive_amount",
        )
        .await;
        refused(
            disburse(
                &app,
                &commune_officer,
                &fund,
                json!({"unit_id": commune}),
                amount,
                false,
            )
            .await,
            "amount",
            "non_positive_amount",
        )
        .await;
    }

    // The commune spends: never more than it holds.
    let spender = json!({"unit_id": commune});
    refused(
        disburse(
            &app,
            &commune_officer,
            &fund,
            spender.clone(),
            400_000_001,
            false,
        )
        .await,
        "amount",
        "overdraw",
    )
    .await;
    let paid = TestApp::expect(
        disburse(
            &app,
            &commune_officer,
            &fund,
            spender.clone(),
            300_000_000,
            false,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(balance(&paid["balance"]), (400_000_000, 0, 300_000_000));
    // What it disbursed is no longer its to pass down: 100 million left.
    let village = app.unit_id(&manager, "Thôn Xuân Đài").await;
    refused(
        allocate(
            &app,
            &manager,
            &fund,
            Some(commune),
            json!({"to_unit_id": village}),
            100_000_001,
        )
        .await,
        "amount",
        "overdraw",
    )
    .await;
    // Reversals: at most what was disbursed, and negative.
    refused(
        disburse(
            &app,
            &commune_officer,
            &fund,
            spender.clone(),
            -300_000_001,
            true,
        )
        .await,
        "amount",
        "reversal_exceeds_disbursed",
    )
    .await;
    refused(
        disburse(
            &app,
            &commune_officer,
            &fund,
            spender.clone(),
            50_000_000,
            true,
        )
        .await,
        "amount",
        "reversal_not_negative",
    )
    .await;

    // Nothing refused was written: the report and the balances show only
    // the accepted entries, and exactly what is left can still be used.
    let before = TestApp::expect(report(&app, &manager, &fund, province).await, 200).await;
    assert_eq!(before["total"]["allocated"], 1_000_000_000_i64);
    assert_eq!(before["total"]["disbursed"], 300_000_000_i64);
    assert_eq!(before["own"]["allocated"], 600_000_000_i64);
    assert_eq!(row(&before, commune)["allocated"], 400_000_000_i64);
    assert_eq!(row(&before, commune)["disbursed"], 300_000_000_i64);
    assert_adds_up(&before);
    let rest = TestApp::expect(
        allocate(
            &app,
            &manager,
            &fund,
            Some(province),
            to_commune.clone(),
            600_000_000,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        balance(&rest["from_balance"]),
        (1_000_000_000, 1_000_000_000, 0)
    );
    assert_eq!(
        balance(&rest["to_balance"]),
        (1_000_000_000, 0, 300_000_000)
    );
    let last = TestApp::expect(
        disburse(
            &app,
            &commune_officer,
            &fund,
            spender.clone(),
            700_000_000,
            false,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(balance(&last["balance"]), (1_000_000_000, 0, 1_000_000_000));
    refused(
        disburse(&app, &commune_officer, &fund, spender, 1, false).await,
        "amount",
        "overdraw",
    )
    .await;
    refused(
        allocate(&app, &manager, &fund, Some(province), to_commune, 1).await,
        "amount",
        "overdraw",
    )
    .await;
}

async fn fifty_concurrent_allocations_never_overdraw_the_parent(app: TestApp) {
    const EACH: i64 = 30_000_000;
    let manager = app.token("von.quanly").await;
    let fund = programme(&app, &manager, "T-RACE").await;
    let province = app.unit_id(&manager, "Tỉnh Phú Thọ").await;
    let commune = app.unit_id(&manager, "Xã Tân Sơn").await;
    TestApp::expect(
        allocate(
            &app,
            &manager,
            &fund,
            None,
            json!({"to_unit_id": province}),
            1_000_000_000,
        )
        .await,
        201,
    )
    .await;

    let body = fund.allocation(Some(province), json!({"to_unit_id": commune}), EACH);
    let shots = vec![Shot::new(&manager, "/api/v1/allocations", body); 50];
    let (created, overdrawn) = accepted_and_overdrawn(app.burst(&shots).await);
    // 1 000 million / 30 million = 33, 10 million left over.
    assert_eq!((created.len(), overdrawn.len()), (33, 17));
    // Each accepted allocation saw all the earlier ones: the givers'
    // balances after them are exactly 30, 60, …, 990 million.
    let mut passed: Vec<i64> = created
        .iter()
        .map(|(_, a)| balance(&a["from_balance"]).1)
        .collect();
    passed.sort_unstable();
    let expected: Vec<i64> = (1..=33).map(|k| k * EACH).collect();
    assert_eq!(passed, expected);

    let after = TestApp::expect(report(&app, &manager, &fund, province).await, 200).await;
    assert_eq!(after["own"]["allocated"], 10_000_000_i64);
    assert_eq!(row(&after, commune)["allocated"], 990_000_000_i64);
    assert_eq!(after["total"]["allocated"], 1_000_000_000_i64);
    assert_adds_up(&after);
    // The 10 million left can still go; then nothing.
    let rest = TestApp::expect(
        allocate(
            &app,
            &manager,
            &fund,
            Some(province),
            json!({"to_unit_id": commune}),
            10_000_000,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        balance(&rest["from_balance"]),
        (1_000_000_000, 1_000_000_000, 0)
    );
    assert_eq!(balance(&rest["to_balance"]), (1_000_000_000, 0, 0));
}

/// The 1 000 million envelope to the province, then `commune_amount` of
/// it to Xã Tân Sơn (none when 0).
async fn province_and_commune(
    app: &TestApp,
    manager: &str,
    fund: &Fund,
    commune_amount: i64,
) -> (i64, i64) {
    let province = app.unit_id(manager, "Tỉnh Phú Thọ").await;
    let commune = app.unit_id(manager, "Xã Tân Sơn").await;
    for (from, to, amount) in [
        (None, province, 1_000_000_000),
        (Some(province), commune, commune_amount),
    ]
    .into_iter()
    .filter(|(_, _, amount)| *amount > 0)
    {
        TestApp::expect(
            allocate(app, manager, fund, from, json!({"to_unit_id": to}), amount).await,
            201,
        )
        .await;
    }
    (province, commune)
}

async fn forty_concurrent_disbursements_never_overdraw_the_commune(app: TestApp) {
    const EACH: i64 = 30_000_000;
    let manager = app.token("von.quanly").await;
    let commune_officer = app.token("xa.tanson").await;
    let fund = programme(&app, &manager, "T-RACE-D").await;
    let (_, commune) = province_and_commune(&app, &manager, &fund, 500_000_000).await;

    // 40 payments of 30 million (1 200 million) against the 500 million
    // the commune received.
    let body = fund.disbursement(json!({"unit_id": commune}), EACH, false);
    let shots = vec![Shot::new(&commune_officer, "/api/v1/disbursements", body); 40];
    let (paid, overdrawn) = accepted_and_overdrawn(app.burst(&shots).await);
    assert_eq!((paid.len(), overdrawn.len()), (16, 24));
    // Each accepted payment saw all the earlier ones.
    let mut disbursed: Vec<i64> = paid.iter().map(|(_, d)| balance(&d["balance"]).2).collect();
    disbursed.sort_unstable();
    assert_eq!(disbursed, (1..=16).map(|k| k * EACH).collect::<Vec<_>>());
    // The ledger holds exactly the accepted payments, no unit anywhere
    // pays out more than it received, and each entry is audited once.
    let condition = format!("unit_id = {commune} AND programme_id = {}", fund.programme);
    assert_eq!(sum(&app, "fund_disbursements", &condition), 16 * EACH);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM fund_disbursements WHERE {condition}"
        )),
        16
    );
    assert_eq!(app.count(OVERDRAWN), 0);
    assert_eq!(app.count(UNAUDITED), 0);
    // The 20 million left can still be paid; then nothing.
    let last = TestApp::expect(
        disburse(
            &app,
            &commune_officer,
            &fund,
            json!({"unit_id": commune}),
            20_000_000,
            false,
        )
        .await,
        201,
    )
    .await;
    assert_eq!(balance(&last["balance"]), (500_000_000, 0, 500_000_000));
    refused(
        disburse(
            &app,
            &commune_officer,
            &fund,
            json!({"unit_id": commune}),
            1,
            false,
        )
        .await,
        "amount",
        "overdraw",
    )
    .await;
}

/// At once: the province allocates to two communes and pays out itself
/// (60 draws of 40 million on its 1 000 million), while one of the
/// communes pays out of what reaches it. Exactly 25 draws pass, each
/// after all the earlier ones; the commune never pays more than it has
/// received at that moment.
async fn concurrent_allocations_and_disbursements_share_one_parent(app: TestApp) {
    const EACH: i64 = 40_000_000;
    const LOCAL: i64 = 25_000_000;
    let manager = app.token("von.quanly").await;
    let commune_officer = app.token("xa.tanson").await;
    let fund = programme(&app, &manager, "T-RACE-M").await;
    let (province, commune) = province_and_commune(&app, &manager, &fund, 0).await;
    let other = communes_of(&app, &manager, province)
        .await
        .iter()
        .find(|u| u["id"] != commune)
        .and_then(|u| u["id"].as_i64())
        .expect("a second commune in the demo province");

    let mut shots = Vec::new();
    for _ in 0..20 {
        let to = |unit: i64| fund.allocation(Some(province), json!({"to_unit_id": unit}), EACH);
        shots.push(Shot::new(&manager, "/api/v1/allocations", to(commune)));
        shots.push(Shot::new(&manager, "/api/v1/allocations", to(other)));
        shots.push(Shot::new(
            &manager,
            "/api/v1/disbursements",
            fund.disbursement(json!({"unit_id": province}), EACH, false),
        ));
        shots.push(Shot::new(
            &commune_officer,
            "/api/v1/disbursements",
            fund.disbursement(json!({"unit_id": commune}), LOCAL, false),
        ));
    }
    let (accepted, overdrawn) = accepted_and_overdrawn(app.burst(&shots).await);
    let kind = |i: usize| i % 4;
    // The province's draws: what left its hands after each accepted one
    // is 40, 80, …, 1 000 million.
    let mut committed: Vec<i64> = accepted
        .iter()
        .filter(|(i, _)| kind(*i) < 3)
        .map(|(i, body)| {
            let (_, passed_down, disbursed) = if kind(*i) == 2 {
                balance(&body["balance"])
            } else {
                balance(&body["from_balance"])
            };
            passed_down + disbursed
        })
        .collect();
    committed.sort_unstable();
    assert_eq!(committed, (1..=25).map(|k| k * EACH).collect::<Vec<_>>());
    assert_eq!(overdrawn.iter().filter(|i| kind(**i) < 3).count(), 35);
    // The commune's payments never exceed what it had received.
    let local: Vec<&Value> = accepted
        .iter()
        .filter(|(i, _)| kind(*i) == 3)
        .map(|(_, body)| &body["balance"])
        .collect();
    for b in &local {
        let (received, passed_down, disbursed) = balance(b);
        assert!(passed_down + disbursed <= received, "{b}");
    }
    let to_commune = accepted.iter().filter(|(i, _)| kind(*i) == 0).count();
    let local_paid = i64::try_from(local.len()).unwrap() * LOCAL;

    // In SQL: the province gave and paid exactly its envelope; the
    // commune received and paid what the answers say; no unit anywhere
    // is overdrawn; each entry is audited once.
    let key = format!("programme_id = {}", fund.programme);
    assert_eq!(
        sum(
            &app,
            "fund_allocations",
            &format!("{key} AND from_unit_id = {province}")
        ) + sum(
            &app,
            "fund_disbursements",
            &format!("{key} AND unit_id = {province}")
        ),
        1_000_000_000
    );
    let received = sum(
        &app,
        "fund_allocations",
        &format!("{key} AND to_unit_id = {commune}"),
    );
    assert_eq!(received, i64::try_from(to_commune).unwrap() * EACH);
    assert_eq!(
        sum(
            &app,
            "fund_disbursements",
            &format!("{key} AND unit_id = {commune}")
        ),
        local_paid
    );
    assert!(local_paid <= received);
    assert_eq!(app.count(OVERDRAWN), 0);
    assert_eq!(app.count(UNAUDITED), 0);
    let after = TestApp::expect(report(&app, &manager, &fund, province).await, 200).await;
    assert_eq!(after["total"]["allocated"], 1_000_000_000_i64);
    assert_eq!(row(&after, commune)["disbursed"], local_paid);
    assert_adds_up(&after);
}

async fn each_role_sees_exactly_its_subtree(app: TestApp) {
    let admin = app.token("admin").await;
    let manager = app.token("von.quanly").await;
    let viewer = app.token("xem.baocao").await;
    let commune_officer = app.token("xa.tanson").await;
    let agency_officer = app.token("sotc.canbo").await;
    let fund = programme(&app, &manager, "T-SCOPE").await;
    let province = app.unit_id(&manager, "Tỉnh Phú Thọ").await;
    let commune = app.unit_id(&manager, "Xã Tân Sơn").await;
    let finance = app.unit_id(&manager, "Sở Tài chính").await;
    let other = communes_of(&app, &admin, province)
        .await
        .iter()
        .find(|u| u["name"] != "Xã Tân Sơn")
        .and_then(|u| u["id"].as_i64())
        .expect("a second commune in the demo province");
    let subtree: Vec<i64> = TestApp::expect(
        app.get_as(
            &admin,
            &format!("/api/v1/org-units?within={commune}&limit=500"),
        )
        .await,
        200,
    )
    .await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|u| u["id"].as_i64())
        .collect();
    assert!(subtree.contains(&commune), "{subtree:?}");
    assert!(!subtree.contains(&other), "{subtree:?}");

    let here = project(&app, &manager, &fund, commune, "Nhà văn hóa xã Tân Sơn").await;
    let there = project(&app, &manager, &fund, other, "Nhà văn hóa xã bên cạnh").await;
    TestApp::expect(
        allocate(
            &app,
            &manager,
            &fund,
            None,
            json!({"to_unit_id": province}),
            1_000_000_000,
        )
        .await,
        201,
    )
    .await;
    for unit in [commune, other] {
        TestApp::expect(
            allocate(
                &app,
                &manager,
                &fund,
                Some(province),
                json!({"to_unit_id": unit}),
                100_000_000,
            )
            .await,
            201,
        )
        .await;
    }

    // The province viewer sees the province and anything under it.
    let seen = TestApp::expect(report(&app, &viewer, &fund, province).await, 200).await;
    assert_eq!(row(&seen, commune)["allocated"], 100_000_000_i64);
    assert_eq!(row(&seen, other)["allocated"], 100_000_000_i64);
    assert_eq!(seen["total"]["allocated"], 1_000_000_000_i64);
    assert_eq!(seen["total"]["planned"], 2_000_000_000_i64);
    assert_adds_up(&seen);
    TestApp::expect(report(&app, &viewer, &fund, other).await, 200).await;

    // The commune officer: its commune only.
    let own = TestApp::expect(report(&app, &commune_officer, &fund, commune).await, 200).await;
    assert_eq!(own["total"]["allocated"], 100_000_000_i64);
    assert_eq!(own["total"]["planned"], 1_000_000_000_i64);
    TestApp::expect(report(&app, &commune_officer, &fund, province).await, 404).await;
    TestApp::expect(report(&app, &commune_officer, &fund, other).await, 404).await;

    // The agency officer: its agency, not a commune.
    TestApp::expect(report(&app, &agency_officer, &fund, commune).await, 404).await;
    let agency = TestApp::expect(report(&app, &agency_officer, &fund, finance).await, 200).await;
    assert_eq!(agency["total"]["allocated"], 0);

    // Projects: each sees those under its own units.
    let ids = |list: &Value| -> Vec<i64> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect()
    };
    let of_programme = format!("/api/v1/fund-projects?programme_id={}", fund.programme);
    let mine = TestApp::expect(app.get_as(&commune_officer, &of_programme).await, 200).await;
    assert_eq!(ids(&mine), vec![here]);
    let everything = TestApp::expect(
        app.get_as(&commune_officer, "/api/v1/fund-projects").await,
        200,
    )
    .await;
    assert!(ids(&everything).contains(&here));
    assert!(!ids(&everything).contains(&there));
    for p in everything.as_array().unwrap() {
        let unit = p["unit_id"].as_i64().unwrap();
        assert!(subtree.contains(&unit), "project outside the commune: {p}");
    }
    let all = TestApp::expect(app.get_as(&viewer, &of_programme).await, 200).await;
    assert_eq!(ids(&all), vec![here, there]);
    let agency_projects =
        TestApp::expect(app.get_as(&agency_officer, &of_programme).await, 200).await;
    assert_eq!(ids(&agency_projects), Vec::<i64>::new());

    // Out of scope is not found; in scope without the role is forbidden.
    TestApp::expect(
        disburse(
            &app,
            &commune_officer,
            &fund,
            json!({"project_id": there}),
            1_000,
            false,
        )
        .await,
        404,
    )
    .await;
    let denied = TestApp::expect(
        allocate(
            &app,
            &viewer,
            &fund,
            Some(province),
            json!({"to_unit_id": commune}),
            1_000,
        )
        .await,
        403,
    )
    .await;
    assert_eq!(denied["code"], "forbidden");
    let denied = TestApp::expect(
        app.post_as(
            &commune_officer,
            "/api/v1/programmes",
            &json!({"code": "T-XA", "name": "Chương trình của xã"}),
        )
        .await,
        403,
    )
    .await;
    assert_eq!(denied["code"], "forbidden");
    TestApp::expect(
        app.post_as(
            &commune_officer,
            "/api/v1/fund-projects",
            &json!({"unit_id": commune, "programme_id": fund.programme, "component_id": fund.component,
                    "name": "Dự án của xã", "planned_cost": 1}),
        )
        .await,
        403,
    )
    .await;
    let programmes = TestApp::expect(app.get_as(&viewer, "/api/v1/programmes").await, 200).await;
    assert!(!programmes
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["code"] == "T-XA"));
}

/// The communes of a province, as `token` lists them.
async fn communes_of(app: &TestApp, token: &str, province: i64) -> Vec<Value> {
    let page = TestApp::expect(
        app.get_as(
            token,
            &format!("/api/v1/org-units?kind=commune&parent_id={province}&limit=500"),
        )
        .await,
        200,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

async fn a_project_patch_changes_what_it_names_and_only_that(app: TestApp) {
    let manager = app.token("von.quanly").await;
    let fund = programme(&app, &manager, "T-PATCH").await;
    let commune = app.unit_id(&manager, "Xã Tân Sơn").await;
    let id = project(&app, &manager, &fund, commune, "Đường thôn Đồng Bài").await;
    let path = format!("/api/v1/fund-projects/{id}");
    let updates = || {
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'fund_project.update' AND entity_id = '{id}'"
        ))
    };

    let patch = |body: Value, status: u16| {
        let (app, manager, path) = (&app, &manager, &path);
        async move {
            let res = app
                .call(manager, reqwest::Method::PATCH, path, Some(&body))
                .await;
            TestApp::expect(res, status).await
        }
    };

    // A body naming nothing changes nothing and writes no audit row.
    let same = patch(json!({}), 200).await;
    assert_eq!(same["planned_cost"], 1_000_000_000_i64);
    assert_eq!(same["status"], "planned");
    assert_eq!(updates(), 0);

    // JSON Schema's integer 1200000000.0 is read as the whole number it is.
    let changed = patch(json!({"planned_cost": 1_200_000_000.0_f64}), 200).await;
    assert_eq!(changed["planned_cost"], 1_200_000_000_i64);
    assert_eq!(changed["status"], "planned");
    assert_eq!(updates(), 1);

    // A fraction is not an amount in đồng.
    let refused = patch(json!({"planned_cost": 1_200_000_000.5_f64}), 400).await;
    assert_eq!(refused["code"], "invalid_json");
    assert_eq!(updates(), 1);
}
