//! Crash safety: the server binary is killed (SIGKILL) while an import
//! commits and during a burst of allocations, then started again on the
//! same database, on SQLite and (with `TEST_DATABASE_URL`) PostgreSQL.
//! What it wrote is all or nothing: the import is committed whole or not
//! at all and its status says which; every ledger entry has its audit row
//! and every audit row its entry; acknowledged entries survive; no unit
//! is overdrawn; the audit chain verifies; and the server goes on from
//! there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs::File;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use blackbox::funds::{programme, OVERDRAWN, UNAUDITED};
use blackbox::{json, Backend, Shot, TestApp, TestDatabase, Value};

/// The server process on a test database; killed when dropped.
struct Server {
    child: Child,
}

impl Server {
    /// The binary with `args`, configured for `database`: loopback on a
    /// port of the system's choosing, the data folder in the test's
    /// folder, a fixed secret (tokens outlive a restart), no reminders.
    fn command(database: &TestDatabase, args: &[&str]) -> Command {
        let dir = database.dir.path();
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .args(args)
            .env_remove("RUST_LOG")
            .env("APP__DATABASE__URL", &database.url)
            .env("APP__SERVER__HOST", "127.0.0.1")
            .env("APP__SERVER__PORT", "0")
            .env("APP__SERVER__WORKERS", "2")
            .env("APP__SERVER__STATIC_DIR", dir.join("no-spa"))
            .env("APP__DATA_DIR", dir.join("data"))
            .env(
                "APP__AUTH__JWT_SECRET",
                "crash-test-secret-crash-test-secret-0123456789",
            )
            .env("APP__JOBS__REMINDER_INTERVAL_SECONDS", "0")
            .env("APP__LOG__FILTER", "warn");
        command
    }

    /// Starts `serve` (`--demo`: loading the demo data first) and waits
    /// for the address it prints.
    async fn start(database: &TestDatabase, demo: bool) -> (Self, String) {
        static RUNS: AtomicU32 = AtomicU32::new(0);
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let out = database.dir.path().join(format!("server-{run}.out"));
        let err = out.with_extension("err");
        let args: &[&str] = if demo {
            &["serve", "--demo"]
        } else {
            &["serve"]
        };
        let child = Self::command(database, args)
            .stdout(File::create(&out).unwrap())
            .stderr(File::create(&err).unwrap())
            .spawn()
            .unwrap();
        let mut server = Self { child };
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let printed = std::fs::read_to_string(&out).unwrap_or_default();
            if let Some(rest) = printed.split("is serving at ").nth(1) {
                let address = rest.split_whitespace().next().unwrap_or_default();
                return (server, address.trim_end_matches('/').to_owned());
            }
            let failed = server.child.try_wait().unwrap();
            assert!(
                failed.is_none() && Instant::now() < deadline,
                "the server did not start ({failed:?}): {}",
                std::fs::read_to_string(&err).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGKILL: no shutdown, no flushing, no rollback by the process.
    fn kill(&mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert_eq!(status.signal(), Some(9), "{status:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test database, the server on it, and a client. The server is
/// declared first so that it stops before the database is dropped.
struct Rig {
    server: Server,
    app: TestApp,
}

impl Rig {
    /// The server with the demo data on a fresh database; `None` when the
    /// backend is not configured.
    async fn start(backend: Backend) -> Option<Self> {
        let database = TestDatabase::create(backend)?;
        let (server, address) = Server::start(&database, true).await;
        Some(Self {
            server,
            app: TestApp::attach(backend, database, address),
        })
    }

    /// Starts the server again on the same database (after a kill).
    async fn restart(&mut self) {
        let (server, address) = Server::start(&self.app.database, false).await;
        self.server = server;
        self.app.address = address;
    }

    /// `server audit verify`: the audit log's hash chain is whole.
    fn assert_audit_chain_verifies(&self) {
        let out = Server::command(&self.app.database, &["audit", "verify"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "audit verify: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Runs `test` on a fresh rig, or says why it cannot.
async fn on(backend: Backend, test: impl AsyncFnOnce(Rig)) {
    match Rig::start(backend).await {
        Some(rig) => test(rig).await,
        None if backend == Backend::Postgres => blackbox::postgres_unavailable(),
        None => panic!("no SQLite test database"),
    }
}

/// A directive list of the demo province for 2026 in the flat layout:
/// `tasks` tasks, ten to a directive, led in turn by the Department of
/// Finance and of Construction, in progress, due in December.
fn task_list(tasks: usize) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "UBND TỈNH PHÚ THỌ").unwrap();
    ws.write_string(1, 0, "DANH MỤC NHIỆM VỤ DO UBND TỈNH GIAO NĂM 2026")
        .unwrap();
    let header = [
        "STT",
        "Số, ký hiệu văn bản",
        "Ngày ban hành",
        "Trích yếu nội dung",
        "Nội dung nhiệm vụ",
        "Cơ quan chủ trì",
        "Thời hạn",
        "Tình hình thực hiện",
    ];
    for (c, h) in (0_u16..).zip(header) {
        ws.write_string(3, c, h).unwrap();
    }
    for (i, row) in (0..tasks).zip(4_u32..) {
        let doc = i / 10;
        let lead = if i % 2 == 0 {
            "Sở Tài chính"
        } else {
            "Sở Xây dựng"
        };
        let cells = [
            format!("{}/CT-UBND", doc + 1),
            format!("{}/{}/2026", 1 + doc % 28, 1 + (doc / 28) % 10),
            format!("Chỉ thị số {} về nhiệm vụ trọng tâm năm 2026", doc + 1),
            format!("Nhiệm vụ {}: rà soát và báo cáo kết quả thực hiện", i + 1),
            lead.to_owned(),
            "Tháng 12/2026".to_owned(),
            "Đang thực hiện".to_owned(),
        ];
        ws.write_number(row, 0, f64::from(row - 3)).unwrap();
        for (c, cell) in (1_u16..).zip(cells) {
            ws.write_string(row, c, cell).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

/// What a kill during a commit left: how far the commit had come, or
/// `None` when it finished before the kill could land.
async fn kill_during_commit(rig: &mut Rig, token: &str, id: i64) -> Option<i64> {
    let commit = {
        let request = rig
            .app
            .client
            .post(rig.app.url(&format!("/api/v1/imports/{id}/commit")))
            .bearer_auth(token)
            .json(&json!({}));
        tokio::spawn(async move { request.send().await.map(|r| r.status().as_u16()) })
    };
    let path = format!("/api/v1/imports/{id}");
    loop {
        let import = TestApp::expect(rig.app.get_as(token, &path).await, 200).await;
        let progress = import["progress"].as_i64().unwrap();
        match import["status"].as_str().unwrap() {
            "committing" if progress >= 20 => {
                rig.server.kill();
                let answer = commit.await.unwrap();
                assert!(answer.is_err(), "the commit was answered: {answer:?}");
                return Some(progress);
            }
            "committed" => {
                assert_eq!(commit.await.unwrap().ok(), Some(200));
                return None;
            }
            _ => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

async fn an_import_killed_while_committing_is_all_or_nothing(backend: Backend) {
    if backend == Backend::Postgres && blackbox::postgres_url().is_none() {
        return blackbox::postgres_unavailable();
    }
    // Larger files until the kill lands while the commit runs.
    for tasks in [1_500, 4_000, 10_000] {
        let mut landed = None;
        on(backend, async |mut rig: Rig| {
            landed = import_killed_mid_commit(&mut rig, tasks).await;
        })
        .await;
        if landed.is_some() {
            return;
        }
    }
    panic!("every commit finished before the kill could land");
}

/// One attempt: `Some(progress)` when the kill landed mid-commit (and
/// everything after it checked out), `None` when the commit was done
/// first.
async fn import_killed_mid_commit(rig: &mut Rig, tasks: usize) -> Option<i64> {
    let token = rig.app.token("admin").await;
    let directives = tasks.div_ceil(10);
    let started = Instant::now();
    let preview = TestApp::expect(
        rig.app
            .import(
                &token,
                "nhiem-vu-2026.xlsx",
                task_list(tasks),
                Some("directive_task_list"),
            )
            .await,
        201,
    )
    .await;
    assert_eq!(preview["errors"], json!([]), "{}", preview["errors"]);
    assert_eq!(preview["summary"]["tasks"], tasks);
    assert_eq!(preview["summary"]["directives"], directives);
    let id = preview["id"].as_i64().unwrap();
    let previewed = started.elapsed();
    let tasks_before = rig.app.count("SELECT COUNT(*) AS n FROM tasks");
    let audit_before = rig
        .app
        .count("SELECT COALESCE(MAX(id), 0) AS n FROM audit_log");
    let tagged = |table: &str| format!("SELECT COUNT(*) AS n FROM {table} WHERE import_id = {id}");

    let started = Instant::now();
    let Some(progress) = kill_during_commit(rig, &token, id).await else {
        eprintln!(
            "{tasks} tasks: the commit finished in {:?} before the kill",
            started.elapsed()
        );
        return None;
    };
    let killed_after = started.elapsed();
    rig.restart().await;

    // Nothing of it: no rows, no audit rows; it reads as not committed.
    let import = TestApp::expect(
        rig.app
            .get_as(&token, &format!("/api/v1/imports/{id}"))
            .await,
        200,
    )
    .await;
    assert_eq!(import["status"], "previewed");
    assert_eq!(import["result"], Value::Null);
    assert_eq!(rig.app.count(&tagged("tasks")), 0);
    assert_eq!(rig.app.count(&tagged("directives")), 0);
    assert_eq!(
        rig.app.count("SELECT COUNT(*) AS n FROM tasks"),
        tasks_before
    );
    assert_eq!(
        rig.app
            .count("SELECT COALESCE(MAX(id), 0) AS n FROM audit_log"),
        audit_before
    );
    rig.assert_audit_chain_verifies();

    // Committed again: all of it, each task and directive audited.
    let started = Instant::now();
    let done = TestApp::expect(
        rig.app
            .post_as(&token, &format!("/api/v1/imports/{id}/commit"), &json!({}))
            .await,
        200,
    )
    .await;
    let committed_in = started.elapsed();
    assert_eq!(done["status"], "committed");
    assert_eq!(done["result"]["created"]["tasks"], tasks);
    assert_eq!(done["result"]["created"]["directives"], directives);
    let n = |v: usize| i64::try_from(v).unwrap();
    assert_eq!(rig.app.count(&tagged("tasks")), n(tasks));
    assert_eq!(rig.app.count(&tagged("directives")), n(directives));
    for (table, entity) in [("tasks", "task"), ("directives", "directive")] {
        assert_eq!(
            rig.app.count(&format!(
                "SELECT COUNT(*) AS n FROM {table} t WHERE t.import_id = {id} AND (SELECT COUNT(*)
                   FROM audit_log l WHERE l.entity = '{entity}' AND l.action = '{entity}.create'
                     AND l.entity_id = CAST(t.id AS TEXT)) <> 1"
            )),
            0,
            "every {entity} the import wrote is audited once"
        );
    }
    assert_eq!(
        rig.app.count(&format!(
            "SELECT COUNT(*) AS n FROM audit_log WHERE id > {audit_before}"
        )),
        n(tasks + directives + 1),
        "one audit row per task and directive, and the commit's"
    );
    rig.assert_audit_chain_verifies();
    eprintln!(
        "{tasks} tasks: preview {previewed:?}; killed at {progress} % after {killed_after:?}; \
         committed after the restart in {committed_in:?}"
    );
    Some(progress)
}

async fn an_allocation_burst_killed_leaves_a_consistent_ledger(mut rig: Rig) {
    const ENVELOPE: i64 = 1_000_000_000;
    const EACH: i64 = 3_500_000;
    const SHOTS: usize = 300;
    let manager = rig.app.token("von.quanly").await;
    let fund = programme(&rig.app, &manager, "T-CRASH").await;
    let province = rig.app.unit_id(&manager, "Tỉnh Phú Thọ").await;
    let commune = rig.app.unit_id(&manager, "Xã Tân Sơn").await;
    let allocate = |from: Option<i64>, to: i64, amount: i64| {
        fund.allocation(from, json!({"to_unit_id": to}), amount)
    };
    TestApp::expect(
        rig.app
            .post_as(
                &manager,
                "/api/v1/allocations",
                &allocate(None, province, ENVELOPE),
            )
            .await,
        201,
    )
    .await;
    let given = format!(
        "FROM fund_allocations WHERE programme_id = {} AND from_unit_id = {province}",
        fund.programme
    );
    let stored = format!("SELECT COUNT(*) AS n {given}");

    // 300 allocations of 3.5 million at once (1 050 million asked of the
    // 1 000 million); the server dies once 25 are written.
    let shots = vec![
        Shot::new(
            &manager,
            "/api/v1/allocations",
            allocate(Some(province), commune, EACH)
        );
        SHOTS
    ];
    let started = Instant::now();
    let answered = AtomicBool::new(false);
    let (answers, killed_after) = {
        let Rig { server, app } = &mut rig;
        tokio::join!(
            async {
                let answers = app.burst(&shots).await;
                answered.store(true, Ordering::Relaxed);
                answers
            },
            async {
                let deadline = Instant::now() + Duration::from_secs(120);
                while app.count(&stored) < 25
                    && !answered.load(Ordering::Relaxed)
                    && Instant::now() < deadline
                {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                server.kill();
                started.elapsed()
            }
        )
    };
    let mut acknowledged = Vec::new();
    let mut refused = 0;
    let mut busy = 0;
    for (status, body) in answers.iter().flatten() {
        match status {
            201 => acknowledged.push(body["id"].as_i64().unwrap()),
            422 => {
                assert_eq!(body["errors"][0]["code"], "overdraw", "{body}");
                refused += 1;
            }
            // A loaded machine: the request waited too long for a
            // database connection, and nothing was written.
            503 => {
                assert_eq!(body["code"], "service_unavailable", "{body}");
                busy += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let unanswered = answers.iter().filter(|a| a.is_none()).count();
    assert!(
        unanswered > 0,
        "the kill landed after the burst: {} acknowledged, {refused} refused, {busy} busy",
        acknowledged.len()
    );
    rig.restart().await;

    // Every acknowledged allocation survived; every stored one is audited
    // once and every audit row has its entry; nothing is overdrawn.
    let rows = rig.app.count(&stored);
    if !acknowledged.is_empty() {
        let ids: Vec<String> = acknowledged.iter().map(i64::to_string).collect();
        assert_eq!(
            rig.app.count(&format!(
                "SELECT COUNT(*) AS n FROM fund_allocations WHERE id IN ({})",
                ids.join(", ")
            )),
            i64::try_from(acknowledged.len()).unwrap()
        );
    }
    assert!(rows >= i64::try_from(acknowledged.len()).unwrap());
    let given_total = rig.app.count(&format!(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS n {given}"
    ));
    assert_eq!(given_total, rows * EACH);
    assert!(given_total <= ENVELOPE);
    assert_eq!(rig.app.count(UNAUDITED), 0);
    assert_eq!(rig.app.count(OVERDRAWN), 0);
    rig.assert_audit_chain_verifies();

    // The restarted server goes on from the ledger as stored: what is left
    // can be given, and then nothing.
    let rest = ENVELOPE - given_total;
    let last = TestApp::expect(
        rig.app
            .post_as(
                &manager,
                "/api/v1/allocations",
                &allocate(Some(province), commune, rest),
            )
            .await,
        201,
    )
    .await;
    assert_eq!(last["from_balance"]["passed_down"], ENVELOPE);
    let over = TestApp::expect(
        rig.app
            .post_as(
                &manager,
                "/api/v1/allocations",
                &allocate(Some(province), commune, 1),
            )
            .await,
        422,
    )
    .await;
    assert_eq!(over["errors"][0]["code"], "overdraw");
    eprintln!(
        "{SHOTS} allocations fired; killed after {killed_after:?}: {} acknowledged, {refused} \
         refused, {busy} busy, {unanswered} unanswered; {rows} stored",
        acknowledged.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn import_commit_killed_sqlite() {
    an_import_killed_while_committing_is_all_or_nothing(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn import_commit_killed_postgres() {
    an_import_killed_while_committing_is_all_or_nothing(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn allocation_burst_killed_sqlite() {
    on(
        Backend::Sqlite,
        an_allocation_burst_killed_leaves_a_consistent_ledger,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn allocation_burst_killed_postgres() {
    on(
        Backend::Postgres,
        an_allocation_burst_killed_leaves_a_consistent_ledger,
    )
    .await;
}
