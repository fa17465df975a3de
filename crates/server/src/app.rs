//! Wiring: settings in, a running HTTP server out. No globals, so tests build
//! as many applications as they like, each on its own port and database.

use std::net::TcpListener;
use std::path::PathBuf;

use actix_files::{Files, NamedFile};
use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::{from_fn, Compress, DefaultHeaders, Next};
use actix_web::{guard, web, App, HttpMessage, HttpRequest, HttpResponse, HttpServer};
use actix_web_prom::{PrometheusMetrics, PrometheusMetricsBuilder};
use anyhow::Context;
use api::routes::board::BoardCache;
use api::state::Uploads;
use api::AppState;
use persistence::{Db, DbOptions};
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::settings::Settings;

/// A built, bound, not yet awaited server.
pub struct Application {
    port: u16,
    server: Server,
    db: Db,
}

/// Opens the database named by the settings and brings its schema up to date.
pub async fn open_database(settings: &Settings) -> anyhow::Result<Db> {
    let url = settings.database.url.clone();
    let options = DbOptions {
        max_connections: settings.database.max_connections,
        ..DbOptions::default()
    };
    tokio::task::spawn_blocking(move || -> anyhow::Result<Db> {
        let db = Db::connect(&url, &options).context("connecting to the database")?;
        let applied = db.migrate().context("running migrations")?;
        if !applied.is_empty() {
            tracing::info!(?applied, "applied migrations");
        }
        Ok(db)
    })
    .await?
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = open_database(&settings).await?;
        Self::build_with_db(settings, db)
    }

    /// Builds on an already opened (and migrated) database.
    pub fn build_with_db(settings: Settings, db: Db) -> anyhow::Result<Self> {
        let auth = std::sync::Arc::new(settings.auth_config()?);
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| {
                format!("binding {}:{}", settings.server.host, settings.server.port)
            })?;
        let port = listener.local_addr()?.port();
        let metrics = PrometheusMetricsBuilder::new("app")
            .endpoint("/metrics")
            .mask_unmatched_patterns("UNMATCHED")
            .exclude_regex("^/api/docs")
            .build()
            .map_err(|e| anyhow::anyhow!("metrics: {e}"))?;
        let uploads = std::sync::Arc::new(Uploads {
            store: settings.blob_store()?,
            max_bytes: settings.storage.max_upload_bytes,
        });
        let state = web::Data::new(AppState {
            db: db.clone(),
            auth,
            uploads: uploads.clone(),
            board_cache: std::sync::Arc::new(BoardCache::new(std::time::Duration::from_secs(
                settings.server.board_cache_seconds,
            ))),
            import_progress: std::sync::Arc::default(),
            reports: std::sync::Arc::new(api::state::ReportLimit::new(
                settings.server.reports_per_minute,
                std::time::Duration::from_secs(60),
            )),
        });
        let limits = settings.request_limits();
        let spa = Spa::at(settings.server.static_dir.clone());
        if spa.index().is_none() {
            tracing::warn!(
                dir = %settings.server.static_dir.display(),
                "the web application is not built; `make run` builds it"
            );
        }
        let seconds = std::time::Duration::from_secs;
        let mut server =
            HttpServer::new(move || build_app(state.clone(), metrics.clone(), spa.clone(), limits))
                .client_request_timeout(seconds(settings.server.client_request_timeout_seconds))
                .keep_alive(seconds(settings.server.keep_alive_seconds))
                // Without it a response written in two segments waits for
                // the client's delayed ACK (about 40 ms on Linux) on a
                // kept-alive connection.
                .tcp_nodelay(true)
                .shutdown_timeout(settings.server.shutdown_timeout_seconds)
                .listen(listener)?;
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let server = server.run();
        if settings.jobs.reminder_interval_seconds > 0 {
            crate::jobs::spawn_reminders(
                db.clone(),
                std::time::Duration::from_secs(settings.jobs.reminder_interval_seconds),
                api::routes::tasks::DUE_SOON_DAYS,
                settings.mailer()?,
                uploads.store.clone(),
            );
        }
        Ok(Self { port, server, db })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    /// Serves until the process is told to stop. On SIGTERM the listener
    /// closes at once and requests in flight get
    /// `server.shutdown_timeout_seconds` to finish; SIGINT and SIGQUIT stop
    /// at once.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn build_app(
    state: web::Data<AppState>,
    metrics: PrometheusMetrics,
    spa: Spa,
    limits: api::extract::RequestLimits,
) -> App<
    impl actix_web::dev::ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, doc) = App::new()
        .into_utoipa_app()
        .openapi(api::openapi::base())
        .app_data(state)
        .configure(|cfg| api::extract::configure_extractors(cfg, limits))
        .configure(api::routes::configure)
        .split_for_parts();
    let fallback = spa.clone();
    let app = app
        .service(web::redirect("/api/docs", "/api/docs/"))
        .service(
            SwaggerUi::new("/api/docs/{_:.*}")
                .url("/api/openapi.json", api::openapi::complete(doc)),
        );
    let to_fallback = move || {
        let fallback = fallback.clone();
        web::to(move |req: HttpRequest| {
            let spa = fallback.clone();
            async move { spa.fallback(req).await }
        })
    };
    // The SPA's files answer GET and HEAD only; other methods go on to the
    // fallback, which answers 405 with `Allow` on the API's paths (actix's
    // file service would answer a plain 405 without it).
    let app = match spa.dir() {
        Some(dir) => app.service(
            Files::new("/", dir)
                .index_file("index.html")
                .guard(guard::Any(guard::Get()).or(guard::Head()))
                .default_handler(to_fallback()),
        ),
        None => app,
    };
    let app = app.default_service(to_fallback());
    app.wrap(from_fn(api::extract::body_deadline))
        .wrap(security_headers())
        .wrap(Compress::default())
        .wrap(metrics)
        .wrap(from_fn(request_id_header))
        .wrap(TracingLogger::default())
}

fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
             script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; \
             form-action 'self'",
        ))
        .add((
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ))
        .add((
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ))
}

/// Copies the request id tracing-actix-web assigned into the response, so a
/// user reporting an error can quote it and it is found in the log.
async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let mut res = next.call(req).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}

const NOT_BUILT_PAGE: &str = "<!doctype html><html lang=\"vi\"><meta charset=\"utf-8\">\
<title>Điều hành số</title><h1>Điều hành số</h1>\
<p>Giao diện web chưa được build: chạy <code>make run</code>. \
API: <a href=\"/api/docs/\">/api/docs/</a></p>\
<p lang=\"en\">The web application is not built: run <code>make run</code>.</p></html>";

/// The built single-page application, if there is one.
#[derive(Clone)]
struct Spa {
    dir: PathBuf,
}

impl Spa {
    fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    fn dir(&self) -> Option<&PathBuf> {
        self.index().map(|_| &self.dir)
    }

    fn index(&self) -> Option<PathBuf> {
        let index = self.dir.join("index.html");
        index.is_file().then_some(index)
    }

    /// Unknown `/api/…` paths are API 404s (problem details); any other GET
    /// is a client-side route and gets `index.html`.
    async fn fallback(&self, req: HttpRequest) -> actix_web::Result<HttpResponse> {
        let path = req.path();
        let is_api = path == "/api" || path.starts_with("/api/");
        if is_api || req.method() != actix_web::http::Method::GET {
            return Ok(api::routes::unrouted(&req));
        }
        match self.index() {
            Some(index) => Ok(NamedFile::open_async(index).await?.into_response(&req)),
            None => Ok(HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .body(NOT_BUILT_PAGE)),
        }
    }
}
