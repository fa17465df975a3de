//! Test support: start the real application on port 0 with a fresh database
//! per test, on SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL
//! (each test in its own schema, dropped afterwards).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

use diesel::sql_types::BigInt;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use persistence::{Db, DbOptions};
use server::{Application, Settings};

pub mod funds;
pub mod smtp;

pub use reqwest;
pub use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server tests use, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
}

/// One request of a [`TestApp::burst`]: a POST of `body` to `path` as the
/// holder of `token`.
#[derive(Debug, Clone)]
pub struct Shot {
    pub token: String,
    pub path: String,
    pub body: Value,
}

impl Shot {
    pub fn new(token: &str, path: &str, body: Value) -> Self {
        Self {
            token: token.to_owned(),
            path: path.to_owned(),
            body,
        }
    }
}

/// The calendar date `days` from today in Vietnam, as `YYYY-MM-DD`.
pub fn days_from_today(days: i64) -> String {
    (chrono::Utc::now().naive_utc() + chrono::Duration::hours(7) + chrono::Duration::days(days))
        .date()
        .to_string()
}

/// A database for one test: a SQLite file in a temporary folder, or a fresh
/// PostgreSQL schema that is dropped when this is dropped.
pub struct TestDatabase {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_schema: Option<(String, String)>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

impl TestDatabase {
    /// `None` when the backend is PostgreSQL and no server is configured.
    pub fn create(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().ok()?;
        match backend {
            Backend::Sqlite => Some(Self {
                url: format!("sqlite://{}", dir.path().join("test.db").display()),
                dir,
                pg_schema: None,
            }),
            Backend::Postgres => {
                let base = postgres_url()?;
                let schema = format!(
                    "t_{}_{}_{}",
                    std::process::id(),
                    COUNTER.fetch_add(1, Ordering::Relaxed),
                    rand::random::<u32>()
                );
                let mut conn = PgConnection::establish(&base).ok()?;
                diesel::sql_query(format!("CREATE SCHEMA {schema}"))
                    .execute(&mut conn)
                    .ok()?;
                let sep = if base.contains('?') { '&' } else { '?' };
                Some(Self {
                    url: format!("{base}{sep}options=-csearch_path%3D{schema}"),
                    dir,
                    pg_schema: Some((base, schema)),
                })
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_schema {
            if let Ok(mut conn) = PgConnection::establish(base) {
                let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                    .execute(&mut conn);
            }
        }
    }
}

/// Settings for a test app: port 0, the given database, no SPA, a fixed
/// secret, and the data folder inside the test's temporary folder.
pub fn test_settings(database: &TestDatabase) -> Settings {
    let mut settings = match Settings::defaults() {
        Ok(s) => s,
        Err(e) => panic!("default settings: {e}"),
    };
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.database.url = database.url.clone();
    settings.database.max_connections = 4;
    // Tests run the reminder job themselves.
    settings.jobs.reminder_interval_seconds = 0;
    // Tests read reports as fast as scripts do; the limit has its own test.
    settings.server.reports_per_minute = 0;
    settings.data_dir = database.dir.path().join("data");
    settings.server.static_dir = database.dir.path().join("no-spa");
    settings.auth.jwt_secret = Some(secrecy::SecretString::from(
        "test-secret-test-secret-test-secret-0123456789",
    ));
    settings
}

/// A running application and a client for it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: Db,
    pub backend: Backend,
    pub database: TestDatabase,
}

impl TestApp {
    /// Starts the app on `backend`; `None` when that backend is not available.
    pub async fn spawn(backend: Backend) -> Option<Self> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts the app after letting the test adjust the settings.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> Option<Self> {
        let database = TestDatabase::create(backend)?;
        let mut settings = test_settings(&database);
        adjust(&mut settings);
        let app = match Application::build(settings).await {
            Ok(app) => app,
            Err(e) => panic!("building the application: {e:#}"),
        };
        let address = format!("http://127.0.0.1:{}", app.port());
        let db = app.db().clone();
        // The server lives on the test's runtime and ends with it.
        actix_web::rt::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .ok()?;
        Some(Self {
            address,
            client,
            db,
            backend,
            database,
        })
    }

    /// Starts the app with the demo data (demo province, agencies, accounts).
    pub async fn spawn_demo(backend: Backend) -> Option<Self> {
        Self::spawn_demo_with(backend, |_| {}).await
    }

    /// Starts the app with the demo data after adjusting the settings.
    pub async fn spawn_demo_with(
        backend: Backend,
        adjust: impl FnOnce(&mut Settings),
    ) -> Option<Self> {
        let app = Self::spawn_with(backend, adjust).await?;
        let db = app.db.clone();
        let seeded = tokio::task::spawn_blocking(move || server::seed::demo(&db)).await;
        match seeded {
            Ok(Ok(_)) => Some(app),
            Ok(Err(e)) => panic!("demo seed: {e:#}"),
            Err(e) => panic!("demo seed task: {e}"),
        }
    }

    /// A client for an application running elsewhere (another process) on
    /// `database`, reachable at `address`; `db` is a pool of its own on
    /// that database, for checking what the application wrote.
    pub fn attach(backend: Backend, database: TestDatabase, address: String) -> Self {
        let db = match Db::connect(&database.url, &DbOptions::default()) {
            Ok(db) => db,
            Err(e) => panic!("connecting to the test database: {e}"),
        };
        Self {
            address,
            client: reqwest::Client::new(),
            db,
            backend,
            database,
        }
    }

    /// The single number a `SELECT COUNT(*) AS n …` (or any query
    /// answering one BIGINT column `n`) gives on the app's database.
    pub fn count(&self, sql: &str) -> i64 {
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = BigInt)]
            n: i64,
        }
        let mut conn = match self.db.conn() {
            Ok(conn) => conn,
            Err(e) => panic!("database connection: {e}"),
        };
        match diesel::sql_query(sql).get_result::<Count>(&mut *conn) {
            Ok(count) => count.n,
            Err(e) => panic!("{sql}: {e}"),
        }
    }

    /// POSTs every request at once, each from its own task, and returns
    /// what each got, in the order given: the status and the JSON body
    /// (`Null` when not JSON), or `None` when no answer came (the server
    /// went away).
    pub async fn burst(&self, shots: &[Shot]) -> Vec<Option<(u16, Value)>> {
        let handles: Vec<_> = shots
            .iter()
            .map(|shot| {
                let request = self
                    .client
                    .post(self.url(&shot.path))
                    .bearer_auth(&shot.token)
                    .json(&shot.body);
                tokio::spawn(async move {
                    let res = request.send().await.ok()?;
                    let status = res.status().as_u16();
                    let text = res.text().await.ok()?;
                    Some((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
                })
            })
            .collect();
        let mut answers = Vec::with_capacity(handles.len());
        for handle in handles {
            match handle.await {
                Ok(answer) => answers.push(answer),
                Err(e) => panic!("request task: {e}"),
            }
        }
        answers
    }

    /// Signs in and returns the whole token answer.
    pub async fn login_pair(&self, username: &str, password: &str) -> reqwest::Response {
        self.post(
            "/api/v1/auth/login",
            &json!({"username": username, "password": password}),
        )
        .await
    }

    /// Signs in a demo account and returns its access token.
    pub async fn token(&self, username: &str) -> String {
        let res = self.login_pair(username, server::seed::DEMO_PASSWORD).await;
        assert_eq!(res.status(), 200, "login {username}");
        let body: Value = res.json().await.unwrap_or_default();
        body["access_token"].as_str().unwrap_or_default().to_owned()
    }

    pub async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.send(self.client.post(self.url(path)).json(body)).await
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> reqwest::Response {
        match req.send().await {
            Ok(r) => r,
            Err(e) => panic!("request failed: {e}"),
        }
    }

    /// An authenticated request: `method` on `path` with an optional body.
    pub async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Response {
        let mut req = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            req = req.json(body);
        }
        self.send(req).await
    }

    /// Uploads a file as `POST /api/v1/attachments` (multipart, part `file`).
    pub async fn upload(&self, token: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        self.send(
            self.client
                .post(self.url("/api/v1/attachments"))
                .bearer_auth(token)
                .multipart(form),
        )
        .await
    }

    /// Uploads a report as `POST /api/v1/imports` (part `file`, and `kind`
    /// when given).
    pub async fn import(
        &self,
        token: &str,
        name: &str,
        bytes: Vec<u8>,
        kind: Option<&str>,
    ) -> reqwest::Response {
        let fields: Vec<(&str, String)> =
            kind.map(|k| ("kind", k.to_owned())).into_iter().collect();
        self.import_with(token, name, bytes, &fields).await
    }

    /// Uploads a report with the given form fields (`kind`, `round_id`, …).
    pub async fn import_with(
        &self,
        token: &str,
        name: &str,
        bytes: Vec<u8>,
        fields: &[(&str, String)],
    ) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
        let mut form = reqwest::multipart::Form::new().part("file", part);
        for (field, value) in fields {
            form = form.text((*field).to_owned(), value.clone());
        }
        self.send(
            self.client
                .post(self.url("/api/v1/imports"))
                .bearer_auth(token)
                .multipart(form),
        )
        .await
    }

    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.call(token, reqwest::Method::GET, path, None).await
    }

    pub async fn post_as(&self, token: &str, path: &str, body: &Value) -> reqwest::Response {
        self.call(token, reqwest::Method::POST, path, Some(body))
            .await
    }

    /// The JSON body of a response that must have the given status.
    pub async fn expect(res: reqwest::Response, status: u16) -> Value {
        let got = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        assert_eq!(got, status, "unexpected status; body: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// A board token for the demo province's office, issued by its leader:
    /// the leader's access token and the issuing answer (`token`,
    /// `board_token`).
    pub async fn office_board_token(&self) -> (String, Value) {
        let office_leader = self.token("vp.lanhdao").await;
        let office = self
            .unit_id(&office_leader, "Văn phòng UBND tỉnh Phú Thọ")
            .await;
        let created = Self::expect(
            self.post_as(
                &office_leader,
                "/api/v1/board-tokens",
                &json!({"name": "Phòng họp", "unit_id": office}),
            )
            .await,
            201,
        )
        .await;
        (office_leader, created)
    }

    /// The id of the first unit whose exact name matches, valid today.
    pub async fn unit_id(&self, token: &str, name: &str) -> i64 {
        let q: String = name
            .chars()
            .map(|c| if c == ' ' { '+' } else { c })
            .collect();
        let page = Self::expect(
            self.get_as(
                token,
                &format!(
                    "/api/v1/org-units?q={q}&limit=500&as_of={}",
                    chrono::Utc::now().date_naive()
                ),
            )
            .await,
            200,
        )
        .await;
        page["items"]
            .as_array()
            .and_then(|items| items.iter().find(|u| u["name"] == name))
            .and_then(|u| u["id"].as_i64())
            .unwrap_or_else(|| panic!("unit {name} not found"))
    }

    /// Loads the reference units of these (post-2025) provinces, then
    /// creates `username` (password [`server::seed::DEMO_PASSWORD`]) with a
    /// system-admin grant on the pre-2025 province `old_code`, as an
    /// archivist entering that province's old records; returns its token.
    pub async fn archivist(&self, username: &str, new_codes: &[&str], old_code: &str) -> String {
        let db = self.db.clone();
        let provinces: std::collections::BTreeSet<String> =
            new_codes.iter().map(|c| (*c).to_owned()).collect();
        let username_owned = username.to_owned();
        let old = old_code.to_owned();
        let done = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
            server::seed::reference::load_units(&db, Some(provinces))?;
            let hash = auth::password::hash(server::seed::DEMO_PASSWORD)?;
            db.write_blocking(|conn| -> anyhow::Result<()> {
                let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap_or_default();
                let province = persistence::units::find_by_code(conn, "province", &old, day)?
                    .ok_or_else(|| anyhow::anyhow!("no old province {old}"))?;
                let user = persistence::identity::insert_user(
                    conn,
                    &persistence::identity::NewUser {
                        username: username_owned.clone(),
                        full_name: "Lưu trữ".into(),
                        email: None,
                        phone: None,
                        primary_unit_id: province.id,
                        password_hash: hash,
                        active: true,
                    },
                )?;
                persistence::identity::insert_grant(
                    conn,
                    persistence::identity::Holder::User(user.id),
                    "system_admin",
                    province.id,
                    None,
                )?;
                Ok(())
            })
        })
        .await;
        match done {
            Ok(Ok(())) => self.token(username).await,
            Ok(Err(e)) => panic!("archivist: {e:#}"),
            Err(e) => panic!("archivist task: {e}"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        match self.client.get(self.url(path)).send().await {
            Ok(r) => r,
            Err(e) => panic!("GET {path}: {e}"),
        }
    }
}

/// The workspace root (for committed files such as the OpenAPI document).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// Declares each listed `async fn(TestApp)` as a test on SQLite and on
/// PostgreSQL. The PostgreSQL variant runs when `TEST_DATABASE_URL` is set;
/// with `REQUIRE_POSTGRES=1` (CI) its absence fails the test instead.
#[macro_export]
macro_rules! backend_tests {
    (demo: $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    let app = $crate::TestApp::spawn_demo($crate::Backend::Sqlite)
                        .await
                        .expect("SQLite test app");
                    super::$name(app).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    match $crate::TestApp::spawn_demo($crate::Backend::Postgres).await {
                        Some(app) => super::$name(app).await,
                        None => $crate::postgres_unavailable(),
                    }
                }
            }
        )*
    };
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[actix_web::test]
                async fn sqlite() {
                    let app = $crate::TestApp::spawn($crate::Backend::Sqlite)
                        .await
                        .expect("SQLite test app");
                    super::$name(app).await;
                }

                #[actix_web::test]
                async fn postgres() {
                    match $crate::TestApp::spawn($crate::Backend::Postgres).await {
                        Some(app) => super::$name(app).await,
                        None => $crate::postgres_unavailable(),
                    }
                }
            }
        )*
    };
}

/// What a PostgreSQL test does when no server is configured.
pub fn postgres_unavailable() {
    if std::env::var("REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
        panic!("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is unset or unreachable");
    }
    eprintln!("PostgreSQL not configured (TEST_DATABASE_URL): PostgreSQL variant not run");
}
