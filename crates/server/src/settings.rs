//! Settings: one struct, read from an optional file plus `APP__…`
//! environment overrides (`APP__DATABASE__URL`, `APP__SERVER__PORT`, …), with
//! defaults that run the embedded SQLite setup without any configuration.

use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Development,
    Production,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub environment: Environment,
    /// Folder for the SQLite file, the generated JWT secret and local files.
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub auth: AuthSettings,
    pub log: LogSettings,
    pub jobs: JobSettings,
    pub storage: StorageSettings,
    pub mail: MailSettings,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageBackend {
    Local,
    S3,
}

/// Where attachments are kept.
#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    pub backend: StorageBackend,
    /// Local folder; defaults to `attachments` in the data folder.
    pub local_dir: Option<PathBuf>,
    /// Largest upload accepted, in bytes.
    pub max_upload_bytes: usize,
    /// S3-compatible endpoint (MinIO, …); empty for AWS itself.
    pub s3_endpoint: Option<String>,
    pub s3_bucket: Option<String>,
    pub s3_region: String,
    pub s3_access_key: Option<String>,
    pub s3_secret_key: Option<SecretString>,
    /// Allow a plain-HTTP endpoint (a MinIO inside the deployment network).
    pub s3_allow_http: bool,
}

/// Reminder e-mail. Without `smtp_url` reminders stay in the application.
#[derive(Debug, Clone, Deserialize)]
pub struct MailSettings {
    /// `smtp://host:port` (plain, for a relay on the local network),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host` (TLS).
    pub smtp_url: Option<SecretString>,
    /// The sender, e.g. `Điều hành số <no-reply@ubnd.gov.vn>`.
    pub from: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct JobSettings {
    /// Seconds between deadline-reminder runs; 0 turns them off.
    pub reminder_interval_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    /// 0 binds a free port (tests).
    pub port: u16,
    /// Folder of the built SPA; served at `/` when it exists.
    pub static_dir: PathBuf,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Seconds a computed wall board is served to other screens of the
    /// same unit; 0 computes it on every poll.
    pub board_cache_seconds: u64,
    /// Seconds a client has to send a request's head (method, path,
    /// headers) once connected; then 408 and the connection is closed.
    pub client_request_timeout_seconds: u64,
    /// Seconds a client has to send the whole body once the head is in;
    /// then 408 `request_timeout` and the connection is closed. It also
    /// bounds uploads: `storage.max_upload_bytes` in this time is the
    /// slowest link served (20 MiB in 300 s is about 560 kbit/s).
    pub body_timeout_seconds: u64,
    /// Seconds an idle keep-alive connection is kept open; 0 closes it
    /// after each response.
    pub keep_alive_seconds: u64,
    /// On SIGTERM the server stops accepting connections and gives
    /// requests in flight this many seconds to finish (SIGINT and SIGQUIT
    /// stop it at once).
    pub shutdown_timeout_seconds: u64,
    /// Largest JSON body, in bytes (413 `payload_too_large` beyond).
    pub json_limit_bytes: usize,
    /// Largest raw body of any other kind except multipart uploads (which
    /// `storage.max_upload_bytes` bounds).
    pub payload_limit_bytes: usize,
    /// Expensive reports (Excel exports, task, fund and NTM statistics) one
    /// user or service account may ask an instance for per minute; then
    /// 429 `rate_limited` with `Retry-After`. 0 turns the limit off.
    pub reports_per_minute: usize,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://…`.
    pub url: String,
    pub max_connections: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JwtAlgorithm {
    Hs256,
    Rs256,
    Eddsa,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    /// HS256 (default) signs with `jwt_secret`; RS256 and EdDSA sign with a
    /// PEM key pair so integrations can verify tokens with the public key.
    pub algorithm: JwtAlgorithm,
    /// HS256 secret for access tokens. Required in production; generated
    /// once into the data folder otherwise.
    pub jwt_secret: Option<SecretString>,
    pub private_key_path: Option<PathBuf>,
    pub public_key_path: Option<PathBuf>,
    pub access_ttl_seconds: u64,
    pub refresh_ttl_days: u64,
    /// Failed sign-ins allowed per username (and per address) in the window.
    pub max_failures_per_user: i64,
    pub max_failures_per_addr: i64,
    pub throttle_window_seconds: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LogSettings {
    pub format: LogFormat,
    /// `tracing` filter directive, e.g. `info,server=debug`.
    pub filter: String,
}

const DEFAULTS: &str = r#"
environment = "development"
data_dir = "./data"

[server]
host = "127.0.0.1"
port = 8080
static_dir = "./frontend/dist"
workers = 0
board_cache_seconds = 15
client_request_timeout_seconds = 5
body_timeout_seconds = 300
keep_alive_seconds = 5
shutdown_timeout_seconds = 30
json_limit_bytes = 1048576
payload_limit_bytes = 2097152
reports_per_minute = 60

[database]
url = "sqlite://./data/app.db"
max_connections = 8

[auth]
algorithm = "hs256"
access_ttl_seconds = 900
refresh_ttl_days = 14
max_failures_per_user = 5
max_failures_per_addr = 30
throttle_window_seconds = 900

[log]
format = "pretty"
filter = "info"

[jobs]
reminder_interval_seconds = 900

[storage]
backend = "local"
max_upload_bytes = 20971520
s3_region = "us-east-1"
s3_allow_http = false

[mail]
from = "Điều hành số <no-reply@localhost>"
"#;

impl Settings {
    /// Defaults, then the file (if given and present), then `APP__…`.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        Self::load_with_env(file, None)
    }

    /// [`Settings::load`] with the environment given (tests) instead of the
    /// process's.
    fn load_with_env(
        file: Option<&Path>,
        env: Option<std::collections::HashMap<String, String>>,
    ) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(path) = file {
            builder = builder.add_source(config::File::from(path).required(true));
        }
        builder
            .add_source(
                config::Environment::with_prefix("APP")
                    .prefix_separator("__")
                    .separator("__")
                    .source(env),
            )
            .build()
            .context("reading settings")?
            .try_deserialize()
            .context("invalid settings")
    }

    /// Defaults only (tests build on these).
    pub fn defaults() -> anyhow::Result<Self> {
        config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml))
            .build()?
            .try_deserialize()
            .context("invalid default settings")
    }

    /// The JWT secret: the configured one, or in development one generated
    /// once and kept in the data folder. Production without one is an error.
    pub fn jwt_secret(&self) -> anyhow::Result<SecretString> {
        if let Some(secret) = &self.auth.jwt_secret {
            anyhow::ensure!(
                secret.expose_secret().len() >= 32,
                "auth.jwt_secret must be at least 32 characters"
            );
            return Ok(secret.clone());
        }
        anyhow::ensure!(
            self.environment == Environment::Development,
            "auth.jwt_secret (APP__AUTH__JWT_SECRET) is required in production"
        );
        let path = self.data_dir.join("jwt_secret");
        if let Ok(existing) = std::fs::read_to_string(&path) {
            let existing = existing.trim().to_owned();
            if existing.len() >= 32 {
                return Ok(SecretString::from(existing));
            }
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("creating {}", self.data_dir.display()))?;
        let secret = random_secret();
        write_private(&path, &secret)?;
        tracing::warn!(
            path = %path.display(),
            "no auth.jwt_secret configured: generated one and stored it in the data folder \
             (fine for the embedded setup; set APP__AUTH__JWT_SECRET in production)"
        );
        Ok(SecretString::from(secret))
    }
}

impl Settings {
    /// The blob store for attachments these settings describe.
    pub fn blob_store(&self) -> anyhow::Result<storage::BlobStore> {
        let s = &self.storage;
        let config = match s.backend {
            StorageBackend::Local => storage::StoreConfig::Local {
                root: s
                    .local_dir
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("attachments")),
            },
            StorageBackend::S3 => {
                let (Some(bucket), Some(access), Some(secret)) =
                    (&s.s3_bucket, &s.s3_access_key, &s.s3_secret_key)
                else {
                    anyhow::bail!(
                        "storage.s3_bucket, storage.s3_access_key and storage.s3_secret_key \
                         are required when storage.backend is s3"
                    );
                };
                storage::StoreConfig::S3 {
                    endpoint: s.s3_endpoint.clone().filter(|e| !e.is_empty()),
                    bucket: bucket.clone(),
                    region: s.s3_region.clone(),
                    access_key_id: access.clone(),
                    secret_access_key: secret.expose_secret().to_owned(),
                    allow_http: s.s3_allow_http,
                }
            }
        };
        storage::BlobStore::open(&config).context("opening the attachment store")
    }

    /// The reminder mailer, when `mail.smtp_url` is set.
    pub fn mailer(&self) -> anyhow::Result<Option<crate::mail::Mailer>> {
        self.mail
            .smtp_url
            .as_ref()
            .map(|url| url.expose_secret().trim())
            .filter(|url| !url.is_empty())
            .map(|url| crate::mail::Mailer::new(url, &self.mail.from))
            .transpose()
    }

    /// The access-token issuer these settings describe.
    pub fn token_issuer(&self) -> anyhow::Result<auth::jwt::TokenIssuer> {
        use auth::jwt::SigningKey;
        let key = match self.auth.algorithm {
            JwtAlgorithm::Hs256 => SigningKey::hs256(self.jwt_secret()?),
            JwtAlgorithm::Rs256 | JwtAlgorithm::Eddsa => {
                let (Some(private), Some(public)) =
                    (&self.auth.private_key_path, &self.auth.public_key_path)
                else {
                    anyhow::bail!(
                        "auth.private_key_path and auth.public_key_path are required for {:?}",
                        self.auth.algorithm
                    );
                };
                if self.auth.algorithm == JwtAlgorithm::Rs256 {
                    SigningKey::rs256_from_pem_files(private, public)?
                } else {
                    SigningKey::ed_dsa_from_pem_files(private, public)?
                }
            }
        };
        Ok(auth::jwt::TokenIssuer::new(
            key,
            "dieu-hanh-so",
            std::time::Duration::from_secs(self.auth.access_ttl_seconds),
        )?)
    }

    /// What a client may send.
    pub fn request_limits(&self) -> api::extract::RequestLimits {
        api::extract::RequestLimits {
            json_bytes: self.server.json_limit_bytes,
            payload_bytes: self.server.payload_limit_bytes,
            body_timeout: std::time::Duration::from_secs(self.server.body_timeout_seconds),
        }
    }

    /// Everything the auth routes need.
    pub fn auth_config(&self) -> anyhow::Result<api::state::AuthConfig> {
        Ok(api::state::AuthConfig {
            tokens: self.token_issuer()?,
            refresh_ttl: std::time::Duration::from_secs(self.auth.refresh_ttl_days * 24 * 3600),
            throttle: api::state::Throttle {
                window: std::time::Duration::from_secs(self.auth.throttle_window_seconds),
                max_failures_per_user: self.auth.max_failures_per_user,
                max_failures_per_addr: self.auth.max_failures_per_addr,
            },
        })
    }
}

fn random_secret() -> String {
    use rand::distr::{Alphanumeric, SampleString};
    Alphanumeric.sample_string(&mut rand::rng(), 64)
}

fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    file.write_all(contents.as_bytes())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn defaults_are_the_embedded_setup() {
        let s = Settings::defaults().unwrap();
        assert_eq!(s.database.url, "sqlite://./data/app.db");
        assert_eq!(s.server.host, "127.0.0.1");
        assert_eq!(s.server.port, 8080);
        assert_eq!(s.environment, Environment::Development);
        assert_eq!(
            s.request_limits(),
            api::extract::RequestLimits::default(),
            "the documented defaults are the API's"
        );
    }

    #[test]
    fn production_requires_a_secret() {
        let mut s = Settings::defaults().unwrap();
        s.environment = Environment::Production;
        let err = s.jwt_secret().unwrap_err().to_string();
        assert!(err.contains("required in production"), "{err}");
    }

    #[test]
    fn development_secret_is_generated_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("settings-test-{}", random_secret()));
        let mut s = Settings::defaults().unwrap();
        s.data_dir = dir.clone();
        let first = s.jwt_secret().unwrap();
        let second = s.jwt_secret().unwrap();
        assert_eq!(first.expose_secret(), second.expose_secret());
        assert_eq!(first.expose_secret().len(), 64);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn short_configured_secret_is_refused() {
        let mut s = Settings::defaults().unwrap();
        s.auth.jwt_secret = Some(SecretString::from("short"));
        assert!(s.jwt_secret().is_err());
    }

    #[test]
    fn the_compose_environment_selects_s3_and_mail() {
        let env = [
            ("APP__STORAGE__BACKEND", "s3"),
            ("APP__STORAGE__S3_ENDPOINT", "http://objects:9000"),
            ("APP__STORAGE__S3_BUCKET", "attachments"),
            ("APP__STORAGE__S3_ALLOW_HTTP", "true"),
            ("APP__STORAGE__S3_ACCESS_KEY", "app"),
            ("APP__STORAGE__S3_SECRET_KEY", "change-me-please"),
            ("APP__MAIL__SMTP_URL", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let s = Settings::load_with_env(None, Some(env)).unwrap();
        assert_eq!(s.storage.backend, StorageBackend::S3);
        assert!(s.storage.s3_allow_http);
        assert_eq!(s.blob_store().unwrap().describe(), "s3");
        // An empty SMTP URL means in-app reminders only.
        assert!(s.mailer().unwrap().is_none());
        let mut s = s;
        s.mail.smtp_url = Some(SecretString::from("smtp://relay.example:25"));
        assert!(s.mailer().unwrap().is_some());
        s.storage.s3_bucket = None;
        assert!(s.blob_store().is_err(), "S3 without a bucket is refused");
    }
}
