//! The binary's operations, run as an operator would: `backup` and
//! `restore` of the SQLite database, and graceful shutdown on SIGTERM.
//! Every server started here listens on 127.0.0.1, port 0, and is killed
//! when its guard is dropped; one-shot commands run under `timeout`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};

const BINARY: &str = env!("CARGO_BIN_EXE_server");
const DEMO_LOGIN: &str = r#"{"username":"vp.lanhdao","password":"thuchanh2026"}"#;

/// A scratch folder with its own SQLite database, and the binary's
/// settings pointing into it.
struct Sandbox {
    dir: tempfile::TempDir,
    database_url: String,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = format!("sqlite://{}", dir.path().join("app.db").display());
        Self { dir, database_url }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("app.db")
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn configure(&self, cmd: &mut Command) {
        cmd.current_dir(self.dir.path())
            .env_remove("APP_CONFIG")
            .env_remove("RUST_LOG")
            .env("APP__DATABASE__URL", &self.database_url)
            .env("APP__DATA_DIR", self.dir.path().join("data"))
            .env("APP__SERVER__PORT", "0")
            .env("APP__SERVER__STATIC_DIR", self.dir.path().join("no-spa"))
            .env("APP__JOBS__REMINDER_INTERVAL_SECONDS", "0")
            .env("APP__LOG__FILTER", "error");
    }

    /// Runs a one-shot command to its end (killed after two minutes).
    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("timeout");
        cmd.args(["--signal=KILL", "120", BINARY]).args(args);
        self.configure(&mut cmd);
        cmd.output().unwrap()
    }

    /// Runs a command that must succeed; its standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    /// Runs a command that must fail; its error message.
    fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "{args:?} succeeded: {}",
            text(&out.stdout)
        );
        text(&out.stderr)
    }

    /// `server serve` with these extra settings, up and listening.
    fn serve(&self, args: &[&str], env: &[(&str, &str)]) -> RunningServer {
        let mut cmd = Command::new(BINARY);
        cmd.arg("serve").args(args).envs(env.iter().copied());
        self.configure(&mut cmd);
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (lines, announced) = std::sync::mpsc::channel();
        // Reads the whole output, so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut server = RunningServer { child, port: 0 };
        let deadline = Instant::now() + Duration::from_secs(120);
        while server.port == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            let line: String = announced
                .recv_timeout(left)
                .expect("the server announces its address");
            if let Some(port) = line
                .split("http://127.0.0.1:")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
            {
                server.port = port.parse().unwrap();
            }
        }
        server
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A running `server serve`, killed if the test ends without stopping it.
struct RunningServer {
    child: Child,
    port: u16,
}

impl RunningServer {
    fn connect(&self) -> std::io::Result<TcpStream> {
        let stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(stream)
    }

    fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit on its own.
    fn exit_status(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "the server did not exit within {within:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads one response on a keep-alive connection (the status line, the
/// headers and a `Content-Length` body); returns the status and the body.
fn read_response(reader: &mut BufReader<TcpStream>) -> (u16, String) {
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {status_line:?}"));
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap();
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    (status, text(&body))
}

#[derive(Debug, PartialEq, Eq, QueryableByName)]
struct Fingerprint {
    #[diesel(sql_type = BigInt)]
    tasks: i64,
    #[diesel(sql_type = BigInt)]
    directives: i64,
    #[diesel(sql_type = BigInt)]
    allocations: i64,
    #[diesel(sql_type = BigInt)]
    users: i64,
    #[diesel(sql_type = BigInt)]
    audit_rows: i64,
    /// Every task's state, progress and content, in id order.
    #[diesel(sql_type = Text)]
    task_content: String,
    /// Every allocation's amount and holder, in id order.
    #[diesel(sql_type = Text)]
    allocation_content: String,
    /// The audit chain's last hash: it covers every audit row.
    #[diesel(sql_type = Text)]
    audit_head: String,
}

const FINGERPRINT: &str = "SELECT \
    (SELECT count(*) FROM tasks) AS tasks, \
    (SELECT count(*) FROM directives) AS directives, \
    (SELECT count(*) FROM fund_allocations) AS allocations, \
    (SELECT count(*) FROM users) AS users, \
    (SELECT count(*) FROM audit_log) AS audit_rows, \
    coalesce((SELECT group_concat(id || ':' || state || ':' || progress_percent || ':' || content, char(10)) \
              FROM (SELECT * FROM tasks ORDER BY id)), '') AS task_content, \
    coalesce((SELECT group_concat(id || ':' || amount || ':' || coalesce(to_unit_id, to_project_id), ',') \
              FROM (SELECT * FROM fund_allocations ORDER BY id)), '') AS allocation_content, \
    coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '') AS audit_head";

/// Row counts and content of a few tables of the database file at `path`.
fn fingerprint(path: &Path) -> Fingerprint {
    assert!(path.is_file(), "{} is missing", path.display());
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    diesel::sql_query(FINGERPRINT)
        .get_result(&mut conn)
        .unwrap()
}

fn execute(path: &Path, sql: &str) {
    use diesel::connection::SimpleConnection;
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute(sql).unwrap();
}

#[test]
fn a_backup_taken_while_serving_restores_the_data_exactly() {
    let sandbox = Sandbox::new();
    let db = sandbox.db();
    let backup = sandbox.file("backup.db");
    let backup_arg = backup.to_str().unwrap();
    let mut server = sandbox.serve(&["--demo"], &[]);
    let before = fingerprint(&db);
    assert!(
        before.tasks > 0 && before.allocations > 0 && before.audit_rows > 0,
        "the demo data is loaded: {before:?}"
    );

    // Online: the server is running.
    let printed = sandbox.ok(&["backup", "--to", backup_arg]);
    assert!(
        printed.contains(backup_arg) && printed.contains("integrity ok"),
        "{printed}"
    );
    assert_eq!(fingerprint(&backup), before);

    // An existing file is kept unless --force.
    std::fs::write(&backup, "keep me").unwrap();
    let refusal = sandbox.refused(&["backup", "--to", backup_arg]);
    assert!(refusal.contains("--force"), "{refusal}");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), "keep me");
    sandbox.ok(&["backup", "--to", backup_arg, "--force"]);
    assert_eq!(fingerprint(&backup), before);

    // Not while the server has the database open.
    let refusal = sandbox.refused(&["restore", "--from", backup_arg]);
    assert!(refusal.contains("in use"), "{refusal}");
    server.sigterm();
    assert!(server.exit_status(Duration::from_secs(30)).success());
    assert_eq!(
        fingerprint(&db),
        before,
        "a refused restore changes nothing"
    );

    // Changed data comes back.
    execute(
        &db,
        "UPDATE tasks SET progress_percent = 7, content = 'đã sửa'; \
         UPDATE fund_allocations SET amount = amount + 1; \
         DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log);",
    );
    assert_ne!(fingerprint(&db), before);
    let printed = sandbox.ok(&["restore", "--from", backup_arg]);
    assert!(printed.contains("restored"), "{printed}");
    assert_eq!(fingerprint(&db), before);

    // So does a lost database.
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    sandbox.ok(&["restore", "--from", backup_arg]);
    assert_eq!(fingerprint(&db), before);

    // And the restored database serves.
    let server = sandbox.serve(&[], &[]);
    let mut reader = BufReader::new(server.connect().unwrap());
    write!(
        reader.get_mut(),
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{DEMO_LOGIN}",
        DEMO_LOGIN.len()
    )
    .unwrap();
    let (status, body) = read_response(&mut reader);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn backup_and_restore_refuse_what_they_cannot_do_safely() {
    let sandbox = Sandbox::new();
    sandbox.ok(&["migrate"]);
    let db = sandbox.db();
    let migrated = fingerprint(&db);

    // No database file: nothing to back up, and none is created.
    let other = Sandbox::new();
    let refusal = other.refused(&["backup", "--to", other.file("b.db").to_str().unwrap()]);
    assert!(refusal.contains("no database"), "{refusal}");
    assert!(!other.db().exists());

    let not_a_database = sandbox.file("notes.db");
    std::fs::write(&not_a_database, "Báo cáo tháng 11\n".repeat(300)).unwrap();
    let foreign = sandbox.file("foreign.db");
    execute(&foreign, "CREATE TABLE t (x INTEGER);");
    let newer = sandbox.file("newer.db");
    sandbox.ok(&["backup", "--to", newer.to_str().unwrap()]);
    execute(
        &newer,
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000001');",
    );
    for (file, why) in [
        (&not_a_database, "not a database"),
        (&foreign, "no migrations table"),
        (&newer, "newer version"),
        (&sandbox.file("missing.db"), "no such file"),
    ] {
        let refusal = sandbox.refused(&["restore", "--from", file.to_str().unwrap()]);
        assert!(refusal.contains(why), "{why}: {refusal}");
        assert_eq!(
            fingerprint(&db),
            migrated,
            "{why}: the database is untouched"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(sandbox.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary copies removed: {leftovers:?}"
    );

    // PostgreSQL has its own tools; nothing is attempted.
    let postgres = Sandbox {
        database_url: "postgres://postgres@127.0.0.1:5432/test".into(),
        ..Sandbox::new()
    };
    let refusal = postgres.refused(&["backup", "--to", postgres.file("pg.dump").to_str().unwrap()]);
    assert!(refusal.contains("pg_dump"), "{refusal}");
    assert!(!postgres.file("pg.dump").exists());
    let refusal = postgres.refused(&["restore", "--from", newer.to_str().unwrap()]);
    assert!(refusal.contains("pg_restore"), "{refusal}");
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_and_exits_cleanly() {
    let sandbox = Sandbox::new();
    let mut server = sandbox.serve(
        &["--demo"],
        &[("APP__SERVER__SHUTDOWN_TIMEOUT_SECONDS", "20")],
    );
    // A first exchange proves the connection is held by a worker.
    let mut reader = BufReader::new(server.connect().unwrap());
    reader
        .get_mut()
        .write_all(b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    assert_eq!(read_response(&mut reader).0, 200);

    // The in-flight request: a sign-in whose body arrives slowly.
    let (first, rest) = DEMO_LOGIN.split_at(10);
    write!(
        reader.get_mut(),
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{first}",
        DEMO_LOGIN.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    server.sigterm();

    // New connections are refused while it is still in flight.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpStream::connect(("127.0.0.1", server.port)) {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
            Err(e) => panic!("unexpected connect error: {e}"),
            Ok(_) => {
                assert!(Instant::now() < deadline, "still accepting after SIGTERM");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server waits for the request in flight"
    );
    for chunk in rest.as_bytes().chunks(8) {
        reader.get_mut().write_all(chunk).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let (status, body) = read_response(&mut reader);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("access_token"), "{body}");
    let exit = server.exit_status(Duration::from_secs(20));
    assert_eq!(exit.code(), Some(0), "{exit:?}");
}
