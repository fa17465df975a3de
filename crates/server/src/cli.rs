//! The command line of the `server` binary.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::app::{open_database, Application};
use crate::settings::Settings;

#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Điều hành số: API server and tools")]
pub struct Cli {
    /// Settings file (TOML); `APP__…` environment variables override it.
    #[arg(long, short, global = true, env = "APP_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the web application (the default).
    Serve {
        /// Load the demo data first (idempotent).
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Copy the SQLite database to a file, consistently, while the server
    /// may be running (PostgreSQL: `pg_dump`, see docs/deploy.md).
    Backup {
        /// The backup file to write.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Replace the SQLite database with a backup (stop the server first),
    /// then apply pending migrations.
    Restore {
        /// The backup file to restore.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
    },
    /// Print the OpenAPI document (as committed in openapi/openapi.json).
    Openapi,
    /// Load data.
    Seed {
        /// The demo data set (idempotent).
        #[arg(long)]
        demo: bool,
        /// A national-scale data set on top of the demo, for benchmarks:
        /// this many tasks over as many years as they need (about 136,000
        /// a year), the whole country's units, Programme 135 money and NTM
        /// results. Only on a database without one.
        #[arg(long, value_name = "TASKS")]
        scale: Option<usize>,
        /// Allocation and disbursement rows of the scale data set
        /// (default: as many as tasks).
        #[arg(long, requires = "scale")]
        fund_rows: Option<usize>,
        /// The scale generator's seed: the same seed gives the same rows.
        #[arg(long, default_value_t = 2026, requires = "scale")]
        seed: u64,
        /// Only these (post-2025) provinces, by code, in the scale data set.
        #[arg(long = "province", requires = "scale")]
        provinces: Vec<String>,
        #[command(subcommand)]
        what: Option<SeedCommand>,
    },
    /// Administration tasks.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Import a legacy Excel report: show its preview and, with
    /// `--commit`, write it (as `POST /api/v1/imports` and its commit).
    Import(crate::import::ImportArgs),
}

#[derive(Debug, Subcommand)]
pub enum SeedCommand {
    /// Administrative units before and after 1 July 2025 with the mapping.
    Units {
        /// Only these new (post-2025) provinces, by code (and the old
        /// provinces merged into them); default: the whole country.
        #[arg(long = "province")]
        provinces: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a system administrator (the bootstrap account).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// Official code of the province the account belongs to.
        #[arg(long)]
        province_code: String,
        /// Read the password from this environment variable; otherwise one
        /// is generated and printed once.
        #[arg(long)]
        password_env: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute the hash chain; fails if any row was altered or removed.
    Verify,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve { demo: false });
    if let Command::Openapi = command {
        print!("{}", api::openapi::document_json());
        return Ok(());
    }
    let settings = Settings::load(cli.config.as_deref())?;
    crate::telemetry::init(&settings.log);
    match command {
        Command::Openapi => Ok(()),
        Command::Migrate => {
            let db = open_database(&settings).await?;
            tracing::info!(backend = ?db.backend(), "database is up to date");
            Ok(())
        }
        Command::Backup { to, force } => {
            let source = persistence::backup::sqlite_database_file(&settings.database.url)?;
            let report =
                run_blocking(move || Ok(persistence::backup::backup(&source, &to, force)?)).await?;
            println!("Đã sao lưu vào / backed up to {report}");
            Ok(())
        }
        Command::Restore { from } => {
            let target = persistence::backup::sqlite_database_file(&settings.database.url)?;
            let report =
                run_blocking(move || Ok(persistence::backup::restore(&from, &target)?)).await?;
            println!("Đã phục hồi / restored {report}");
            let db = open_database(&settings).await?;
            let latest = persistence::migration_names(false)
                .pop()
                .unwrap_or_default();
            println!(
                "Cơ sở dữ liệu đã cập nhật / database is up to date ({:?}, migration {latest})",
                db.backend()
            );
            Ok(())
        }
        Command::Seed {
            demo,
            scale,
            fund_rows,
            seed,
            provinces,
            what,
        } => {
            let db = open_database(&settings).await?;
            match (demo, what) {
                (_, None) if scale.is_some() => {
                    let tasks = scale.unwrap_or_default();
                    let options = crate::seed::scale::ScaleOptions {
                        tasks,
                        fund_rows: fund_rows.unwrap_or(tasks),
                        seed,
                        provinces: (!provinces.is_empty()).then(|| provinces.into_iter().collect()),
                        today: domain::tasks::local_today(chrono::Utc::now().naive_utc()),
                    };
                    let report =
                        run_blocking(move || crate::seed::scale::generate(&db, &options)).await?;
                    print!("{report}");
                }
                (true, None) => {
                    let report = run_blocking(move || crate::seed::demo(&db)).await?;
                    println!("{report}");
                }
                (false, Some(SeedCommand::Units { provinces })) => {
                    let filter = (!provinces.is_empty()).then(|| provinces.into_iter().collect());
                    let report =
                        run_blocking(move || crate::seed::reference::load_units(&db, filter))
                            .await?;
                    println!("{report:?}");
                }
                _ => anyhow::bail!(
                    "say what to seed: `seed --demo`, `seed --scale N` or `seed units`"
                ),
            }
            Ok(())
        }
        Command::Admin {
            command:
                AdminCommand::Create {
                    username,
                    full_name,
                    province_code,
                    password_env,
                },
        } => {
            let db = open_database(&settings).await?;
            let password = match password_env {
                Some(var) => std::env::var(&var).with_context(|| format!("{var} is not set"))?,
                None => {
                    use rand::distr::{Alphanumeric, SampleString};
                    let generated = Alphanumeric.sample_string(&mut rand::rng(), 14) + "9a";
                    println!("Mật khẩu được tạo / generated password: {generated}");
                    generated
                }
            };
            run_blocking(move || {
                crate::seed::create_admin(&db, &username, &full_name, &province_code, &password)
            })
            .await?;
            println!("Đã tạo quản trị viên (administrator created)");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let db = open_database(&settings).await?;
            let report = run_blocking(move || {
                let mut conn = db.conn()?;
                Ok(persistence::audit::verify(&mut conn)?)
            })
            .await?;
            match report.first_broken {
                None => {
                    println!(
                        "Chuỗi nhật ký toàn vẹn (audit chain intact): {} rows",
                        report.rows
                    );
                    Ok(())
                }
                Some(id) => anyhow::bail!(
                    "nhật ký bị sửa đổi tại dòng {id} (audit chain broken at row {id})"
                ),
            }
        }
        Command::Import(args) => {
            let db = open_database(&settings).await?;
            let blobs = settings.blob_store()?;
            let commit = args.commit;
            let import = crate::import::run(&db, &blobs, args).await?;
            print!("{}", crate::import::describe(&import));
            if !commit && !import.body.errors.is_empty() {
                anyhow::bail!(
                    "tệp có lỗi, chưa thể ghi (the file has errors and cannot be committed yet)"
                );
            }
            Ok(())
        }
        Command::Serve { demo } => {
            let db = open_database(&settings).await?;
            if demo {
                let seed_db = db.clone();
                let report = run_blocking(move || crate::seed::demo(&seed_db)).await?;
                println!("{report}");
            }
            let host = settings.server.host.clone();
            let app = Application::build_with_db(settings, db)?;
            println!(
                "Điều hành số đang chạy tại / is serving at http://{host}:{}/",
                app.port()
            );
            app.run_until_stopped().await.context("server stopped")
        }
    }
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f).await?
}
