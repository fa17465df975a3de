//! The scale data generator (`server seed --scale`): what it writes keeps
//! the workflows' rules, reads back through the API, and is the same for
//! the same seed.

use blackbox::funds::OVERDRAWN;
use blackbox::{backend_tests, Backend, TestApp};
use server::seed::scale::{generate, ScaleOptions, ScaleReport};

const TASKS: usize = 1_500;
const FUND_ROWS: usize = 1_500;

fn options() -> ScaleOptions {
    ScaleOptions {
        tasks: TASKS,
        fund_rows: FUND_ROWS,
        seed: 7,
        provinces: Some(["25".to_owned()].into()),
        today: api::routes::tasks::today(),
    }
}

async fn seed(app: &TestApp) -> anyhow::Result<ScaleReport> {
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || generate(&db, &options())).await?
}

backend_tests!(demo: scale_data_keeps_the_rules_and_reads_back);

async fn scale_data_keeps_the_rules_and_reads_back(app: TestApp) {
    let tasks_before = app.count("SELECT COUNT(*) AS n FROM tasks");
    let report = seed(&app).await.unwrap();
    assert_eq!(report.tasks, TASKS);
    assert_eq!(report.allocations + report.disbursements, FUND_ROWS);
    assert!(report.disbursements > 0, "{report}");
    assert!(report.villages > 0 && report.evaluations > 0, "{report}");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM tasks"),
        tasks_before + TASKS as i64
    );
    // A task's state agrees with its dates (the completion day is kept from
    // the proposal on).
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM tasks
             WHERE (state IN ('completed', 'completion_proposed', 'reviewed')) <> (completed_on IS NOT NULL)"
        ),
        0
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) AS n FROM tasks WHERE state = 'completed' AND progress_percent <> 100"
        ),
        0
    );
    assert_eq!(app.count(OVERDRAWN), 0, "money is conserved");
    // Every rural commune has a recorded result in each of the three rounds.
    let rural = app.count("SELECT COUNT(*) AS n FROM org_units WHERE kind = 'commune' AND unit_type = 'xã' AND valid_to IS NULL",
    );
    assert_eq!(report.evaluations as i64, 3 * rural);
    // Left as a database in use would be: analysed and, on PostgreSQL,
    // vacuumed (the visibility map index-only scans rely on).
    let settled = match app.backend {
        Backend::Postgres => app.count(
            "SELECT COUNT(*) AS n FROM pg_stat_user_tables
             WHERE schemaname = current_schema()
               AND relname IN ('tasks', 'org_unit_closure', 'fund_allocations')
               AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL",
        ),
        Backend::Sqlite => app.count(
            "SELECT COUNT(DISTINCT tbl) AS n FROM sqlite_stat1
             WHERE tbl IN ('tasks', 'org_unit_closure', 'fund_allocations')",
        ),
    };
    assert_eq!(settled, 3);

    // It reads back through the API: the province's leader sees every task.
    let leader = app.token("lanhdao.ubnd").await;
    let list = TestApp::expect(app.get_as(&leader, "/api/v1/tasks?limit=5").await, 200).await;
    assert_eq!(list["total"], tasks_before + TASKS as i64);
    let stats = TestApp::expect(app.get_as(&leader, "/api/v1/task-stats").await, 200).await;
    assert!(stats.to_string().contains("overdue"), "{stats}");
    let (_, created) = app.office_board_token().await;
    let token = created["token"].as_str().unwrap();
    let board = TestApp::expect(app.get(&format!("/api/v1/board?token={token}")).await, 200).await;
    // More than the demo's 18 open or closed-this-year tasks.
    assert!(
        board["total"]["counts"]["total"].as_i64().unwrap() > 18,
        "{board}"
    );

    // A department sees, state by state, exactly the tasks it issued,
    // follows up, leads or coordinates (the list's scope with and without a
    // state, against the rule written out in SQL).
    let officer = app.token("sotc.canbo").await;
    let finance = app.unit_id(&officer, "Sở Tài chính").await;
    let in_scope = format!(
        "SELECT COUNT(*) AS n FROM tasks WHERE {{}} (
           issuing_unit_id IN (SELECT descendant_id FROM org_unit_closure WHERE ancestor_id = {finance})
           OR office_unit_id IN (SELECT descendant_id FROM org_unit_closure WHERE ancestor_id = {finance})
           OR lead_unit_id IN (SELECT descendant_id FROM org_unit_closure WHERE ancestor_id = {finance})
           OR id IN (SELECT task_id FROM task_coordinators WHERE unit_id IN
             (SELECT descendant_id FROM org_unit_closure WHERE ancestor_id = {finance})))"
    );
    let coordinated_only = app.count(&format!(
            "SELECT COUNT(*) AS n FROM task_coordinators c JOIN tasks t ON t.id = c.task_id
             WHERE c.unit_id = {finance} AND t.lead_unit_id <> {finance} AND t.state = 'in_progress'"
        ),
    );
    assert!(
        coordinated_only > 0,
        "the data set has tasks the department only coordinates"
    );
    for (query, condition) in [
        ("", String::new()),
        ("state=in_progress&", "state = 'in_progress' AND".to_owned()),
        ("state=assigned&", "state = 'assigned' AND".to_owned()),
    ] {
        let page = TestApp::expect(
            app.get_as(&officer, &format!("/api/v1/tasks?{query}limit=1"))
                .await,
            200,
        )
        .await;
        let expected = app.count(&in_scope.replace("{}", &condition));
        assert_eq!(page["total"], expected, "{query}");
    }
    // Pages come in the asked order, the same as the database sorts them.
    for (sort, order) in [
        ("deadline", "deadline IS NULL, deadline, id"),
        ("deadline_desc", "deadline IS NULL, deadline DESC, id DESC"),
        ("created", "id"),
        ("created_desc", "id DESC"),
    ] {
        let page = TestApp::expect(
            app.get_as(
                &officer,
                &format!("/api/v1/tasks?state=in_progress&sort={sort}&limit=7&offset=5"),
            )
            .await,
            200,
        )
        .await;
        let ids: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_i64().unwrap())
            .collect();
        let expected: Vec<i64> = (0..7)
            .map(|i| {
                let ids = in_scope
                    .replace("COUNT(*) AS n", "id AS n")
                    .replace("{}", "state = 'in_progress' AND");
                app.count(&format!("{ids} ORDER BY {order} LIMIT 1 OFFSET {}", 5 + i))
            })
            .collect();
        assert_eq!(ids, expected, "{sort}");
    }
    // Statistics of the year's work (open tasks and those closed since
    // 1 January) and of all time, and the overdue tasks, against the rule in
    // SQL; cancelled tasks are not counted.
    let stats = TestApp::expect(app.get_as(&officer, "/api/v1/task-stats").await, 200).await;
    let today = stats["as_of"].as_str().unwrap().to_owned();
    let year_start = format!("{}-01-01", &today[..4]);
    let open = "'assigned', 'in_progress', 'completion_proposed', 'reviewed', 'decline_proposed'";
    for (query, condition) in [
        (
            "task-stats",
            format!(
                "state <> 'cancelled' AND (state IN ({open}) OR completed_on >= '{year_start}') AND"
            ),
        ),
        (
            "task-stats?period=all",
            "state <> 'cancelled' AND".to_owned(),
        ),
    ] {
        let stats =
            TestApp::expect(app.get_as(&officer, &format!("/api/v1/{query}")).await, 200).await;
        let expected = app.count(&in_scope.replace("{}", &condition));
        assert_eq!(stats["total"]["counts"]["total"], expected, "{query}");
    }
    let overdue = TestApp::expect(
        app.get_as(&officer, "/api/v1/tasks?timeliness=overdue&limit=1")
            .await,
        200,
    )
    .await;
    let expected = app.count(&in_scope.replace(
        "{}",
        &format!("state IN ({open}) AND deadline < '{today}' AND"),
    ));
    assert!(expected > 0, "the data set has overdue tasks");
    assert_eq!(overdue["total"], expected);

    // A second run on the same database is refused.
    let again = seed(&app).await.unwrap_err().to_string();
    assert!(again.contains("already holds"), "{again}");
}

backend_tests!(the_same_seed_gives_the_same_data);

async fn the_same_seed_gives_the_same_data(app: TestApp) {
    let other = TestApp::spawn(app.backend).await.unwrap();
    seed(&app).await.unwrap();
    seed(&other).await.unwrap();
    for fingerprint in [
        "SELECT CAST(SUM(LENGTH(content) * id + lead_unit_id * progress_percent) AS BIGINT) AS n FROM tasks",
        "SELECT COUNT(DISTINCT deadline) AS n FROM tasks",
        "SELECT COUNT(*) AS n FROM tasks WHERE state = 'completed' AND completed_on > deadline",
        "SELECT COUNT(*) AS n FROM tasks WHERE state = 'in_progress'",
        "SELECT CAST(SUM(amount) AS BIGINT) AS n FROM fund_disbursements",
        "SELECT CAST(SUM(criteria_met * unit_id) AS BIGINT) AS n FROM ntm_evaluations",
    ] {
        assert_eq!(app.count(fingerprint), other.count(fingerprint), "{fingerprint}");
    }
}
