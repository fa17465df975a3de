#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The wall board against history: the cost of `compute_board` for the demo
//! province's Office must not grow with the number of tasks closed in past
//! years.
//!
//! For each backend (SQLite always, PostgreSQL when `TEST_DATABASE_URL` is
//! set) a fresh database is migrated and seeded with the demo, then closed
//! tasks from 2019–2024 are added in steps (0, 10 000, 100 000 and, with
//! `BENCH_FULL=1`, 1 000 000 in all). After each step the tables are
//! analysed and `compute_board` is timed 30 times after 3 warm-ups; the
//! board itself must stay identical to the one without history.
//!
//! `cargo bench -p server --bench board`
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test cargo bench -p server --bench board`
//!
//! Switches: `BENCH_SQL=1` also prints the SQL one `compute_board` call runs
//! (with its binds), to feed `EXPLAIN QUERY PLAN` / `EXPLAIN ANALYZE` by
//! hand; `BENCH_KEEP=1` leaves the SQLite file and the PostgreSQL schema in
//! place for that; `BENCH_NO_ANALYZE=1` skips `ANALYZE`, to see the plans a
//! database that was never analysed gets; `BENCH_RUNS=N` times N runs per
//! size instead of 30.

use std::time::{Duration, Instant};

use api::routes::board::{compute_board, Board};
use chrono::NaiveDate;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::{Connection, PgConnection, RunQueryDsl};
use persistence::units::{self, UnitFilter, UnitId};
use persistence::{Backend, Db, DbConnection, DbOptions};

const OFFICE: &str = "Văn phòng UBND tỉnh Phú Thọ";
const WARMUPS: usize = 3;
/// Timed runs per size (`BENCH_RUNS` overrides).
const RUNS: usize = 30;
/// History years: tasks closed in 2019–2024.
const FIRST_YEAR: i64 = 2019;
const YEARS: i64 = 6;
/// Deadlines fall on day 2..=331 of their year, completions within two days
/// of them, so every history date stays in its year.
const DAYS: i64 = 330;

/// The demo units the board is about.
struct Demo {
    province: UnitId,
    office: UnitId,
    agencies: Vec<UnitId>,
    /// One history directive per year, oldest first.
    directives: Vec<i64>,
}

struct Measurement {
    history: usize,
    load: Duration,
    median: Duration,
    p90: Duration,
}

/// A fresh PostgreSQL schema, dropped when this is dropped.
struct PgSchema {
    base: String,
    name: String,
}

impl PgSchema {
    fn create(base: &str) -> (Self, String) {
        let name = format!("bench_board_{}", std::process::id());
        let mut conn = PgConnection::establish(base).expect("connecting to TEST_DATABASE_URL");
        diesel::sql_query(format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
            .execute(&mut conn)
            .unwrap();
        diesel::sql_query(format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .unwrap();
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{name}");
        (
            Self {
                base: base.to_owned(),
                name,
            },
            url,
        )
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if keep() {
            eprintln!("kept PostgreSQL schema {}", self.name);
            return;
        }
        if let Ok(mut conn) = PgConnection::establish(&self.base) {
            let _ = diesel::sql_query(format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name))
                .execute(&mut conn);
        }
    }
}

fn main() {
    let mut sizes = vec![0, 10_000, 100_000];
    if std::env::var("BENCH_FULL").is_ok_and(|v| v == "1") {
        sizes.push(1_000_000);
    }
    let runs = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(RUNS);
    let today = api::routes::tasks::today();
    println!("# Wall board vs. history (as of {today}, {runs} runs after {WARMUPS} warm-ups)\n");

    let dir = std::env::temp_dir().join(format!("bench-board-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite_url = format!("sqlite://{}", dir.join("board.db").display());
    let sqlite = run("SQLite", &sqlite_url, &sizes, runs, today);
    if keep() {
        eprintln!("kept {sqlite_url}");
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    print_table("SQLite", &sqlite);

    if let Some(base) = std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
    {
        let (schema, url) = PgSchema::create(&base);
        let pg = run("PostgreSQL", &url, &sizes, runs, today);
        drop(schema);
        print_table("PostgreSQL", &pg);
    } else {
        println!("(PostgreSQL skipped: TEST_DATABASE_URL is not set)");
    }
}

/// `BENCH_KEEP=1`: leave the databases for inspection.
fn keep() -> bool {
    std::env::var("BENCH_KEEP").is_ok_and(|v| v == "1")
}

fn run(label: &str, url: &str, sizes: &[usize], runs: usize, today: NaiveDate) -> Vec<Measurement> {
    let options = DbOptions {
        max_connections: 2,
        ..DbOptions::default()
    };
    let db = Db::connect(url, &options).expect("opening the database");
    db.migrate().expect("migrating");
    server::seed::demo(&db).expect("seeding the demo");
    let demo = prepare(&db);
    eprintln!(
        "{label}: office {} in province {}, {} agencies",
        demo.office,
        demo.province,
        demo.agencies.len()
    );
    let mut conn = db.conn().unwrap();
    let baseline = serde_json::to_value(board(&mut conn, demo.office, today)).unwrap();
    if std::env::var("BENCH_SQL").is_ok_and(|v| v == "1") {
        conn.set_instrumentation(PrintSql);
        board(&mut conn, demo.office, today);
        conn.set_instrumentation(diesel::connection::get_default_instrumentation());
    }
    drop(conn);

    let mut loaded = 0;
    let mut out = Vec::with_capacity(sizes.len());
    for &size in sizes {
        let started = Instant::now();
        if size > loaded {
            add_history(&db, &demo, loaded, size);
            loaded = size;
        }
        analyze(&db);
        let load = started.elapsed();
        let mut conn = db.conn().unwrap();
        let mut samples = Vec::with_capacity(runs);
        for i in 0..WARMUPS + runs {
            let started = Instant::now();
            let b = board(&mut conn, demo.office, today);
            let took = started.elapsed();
            if i == 0 {
                // History must not change what the board shows.
                assert_eq!(
                    serde_json::to_value(&b).unwrap(),
                    baseline,
                    "{label}: the board changed with {size} history tasks"
                );
            }
            if i >= WARMUPS {
                samples.push(took);
            }
        }
        samples.sort();
        let m = Measurement {
            history: size,
            load,
            median: median(&samples),
            p90: samples[(runs * 9).div_ceil(10) - 1],
        };
        eprintln!(
            "{label}: {size} history tasks, median {:.3} ms",
            ms(m.median)
        );
        out.push(m);
    }
    out
}

fn board(conn: &mut DbConnection, unit: UnitId, today: NaiveDate) -> Board {
    compute_board(conn, unit, today).unwrap_or_else(|e| panic!("compute_board: {e}"))
}

/// Finds the demo units and records one directive per history year.
fn prepare(db: &Db) -> Demo {
    db.write_blocking(|conn| -> persistence::PersistenceResult<Demo> {
        let province = units::find_by_code(
            conn,
            "province",
            server::seed::DEMO_PROVINCE_CODE,
            api::routes::tasks::today(),
        )?
        .expect("the demo province")
        .id;
        let agencies = units::list(
            conn,
            &UnitFilter {
                kind: Some("agency".into()),
                parent_id: Some(province),
                limit: 1000,
                ..UnitFilter::default()
            },
        )?
        .0;
        let office = agencies
            .iter()
            .find(|u| u.name == OFFICE)
            .expect("the demo Office")
            .id;
        let mut agencies: Vec<UnitId> = agencies.iter().map(|u| u.id).collect();
        agencies.sort_unstable();
        let mut directives = Vec::new();
        for year in FIRST_YEAR..FIRST_YEAR + YEARS {
            let d = persistence::tasks::insert_directive(
                conn,
                &persistence::tasks::NewDirective {
                    issuing_unit_id: province,
                    office_unit_id: office,
                    issuer: "chair".into(),
                    issuer_name: "Chủ tịch UBND tỉnh".into(),
                    kind: "directive".into(),
                    number: format!("{:02}/CT-UBND", year - 2000),
                    issued_on: NaiveDate::from_ymd_opt(i32::try_from(year).unwrap(), 1, 2).unwrap(),
                    summary: format!("Chỉ thị về nhiệm vụ trọng tâm năm {year}"),
                    created_by: None,
                },
            )?;
            directives.push(d.id);
        }
        Ok(Demo {
            province,
            office,
            agencies,
            directives,
        })
    })
    .expect("preparing the demo units")
}

/// Adds history tasks number `from..to`: completed in 2019–2024, led in turn
/// by each demo agency, issued by the province and followed by the Office.
fn add_history(db: &Db, demo: &Demo, from: usize, to: usize) {
    let leads = values(&demo.agencies);
    let directives = values(&demo.directives);
    let n_leads = demo.agencies.len();
    let (province, office) = (demo.province, demo.office);
    // Task i: lead i % leads, year (i / leads) % YEARS, deadline on day
    // 2 + (i / (leads * YEARS)) % DAYS of the year, completed i % 5 - 2 days
    // from it.
    let numbering = format!(
        "i % {n_leads} AS lk, (i / {n_leads}) % {YEARS} AS yk, \
         2 + (i / ({n_leads} * {YEARS})) % {DAYS} AS dd, i % 5 - 2 AS late"
    );
    let columns = "directive_id, content, search_key, issuing_unit_id, office_unit_id, \
         lead_unit_id, specialist_id, original_deadline, deadline, priority, tags, state, \
         progress_percent, has_difficulty, completed_on, version, created_by, created_at, \
         updated_at";
    let sql = match db.backend() {
        Backend::Sqlite => format!(
            "WITH RECURSIVE n(i) AS (SELECT {from} UNION ALL SELECT i + 1 FROM n WHERE i < {last}),
             leads(k, unit_id) AS (VALUES {leads}),
             dirs(k, directive_id) AS (VALUES {directives}),
             h AS (SELECT i, {numbering} FROM n),
             t AS (
               SELECT h.i, h.lk, h.yk,
                 date(printf('%04d-01-01', {FIRST_YEAR} + h.yk), printf('%+d days', h.dd)) AS dl,
                 date(printf('%04d-01-01', {FIRST_YEAR} + h.yk), printf('%+d days', h.dd + h.late)) AS done
               FROM h)
             INSERT INTO tasks ({columns})
             SELECT dirs.directive_id,
               'Nhiệm vụ đã hoàn thành số ' || t.i,
               'nhiem vu da hoan thanh so ' || t.i,
               {province}, {office}, leads.unit_id, NULL, t.dl, t.dl, 'normal', '', 'completed',
               100, FALSE, t.done, 4, NULL,
               datetime(t.dl, '-60 days', '+8 hours'), datetime(t.done, '+16 hours')
             FROM t JOIN leads ON leads.k = t.lk JOIN dirs ON dirs.k = t.yk",
            last = to - 1
        ),
        Backend::Postgres => format!(
            "INSERT INTO tasks ({columns})
             SELECT dirs.directive_id,
               'Nhiệm vụ đã hoàn thành số ' || t.i,
               'nhiem vu da hoan thanh so ' || t.i,
               {province}, {office}, leads.unit_id, NULL, t.dl, t.dl, 'normal', '', 'completed',
               100, FALSE, t.done, 4, NULL,
               t.dl - 60 + time '08:00', t.done + time '16:00'
             FROM (
               SELECT h.i, h.lk, h.yk,
                 make_date({FIRST_YEAR}::int + h.yk::int, 1, 1) + h.dd::int AS dl,
                 make_date({FIRST_YEAR}::int + h.yk::int, 1, 1) + (h.dd + h.late)::int AS done
               FROM (SELECT i, {numbering} FROM generate_series({from}::bigint, {last}::bigint) AS n(i)) AS h
             ) AS t
             JOIN (VALUES {leads}) AS leads(k, unit_id) ON leads.k = t.lk
             JOIN (VALUES {directives}) AS dirs(k, directive_id) ON dirs.k = t.yk",
            last = to - 1
        ),
    };
    let inserted = db
        .write_blocking(|conn| -> persistence::PersistenceResult<usize> {
            Ok(diesel::sql_query(sql.as_str()).execute(conn)?)
        })
        .expect("adding history");
    assert_eq!(inserted, to - from, "history rows inserted");
}

/// `(0, a), (1, b), …` for a VALUES list.
fn values(ids: &[i64]) -> String {
    ids.iter()
        .enumerate()
        .map(|(k, id)| format!("({k}, {id})"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn analyze(db: &Db) {
    if std::env::var("BENCH_NO_ANALYZE").is_ok_and(|v| v == "1") {
        return;
    }
    let sql = match db.backend() {
        Backend::Sqlite => "ANALYZE",
        Backend::Postgres => {
            "ANALYZE tasks, task_coordinators, directives, org_units, org_unit_closure"
        }
    };
    let mut conn = db.conn().unwrap();
    diesel::sql_query(sql).execute(&mut *conn).unwrap();
}

/// Prints each statement as it starts.
struct PrintSql;

impl Instrumentation for PrintSql {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            println!("{query};\n");
        }
    }
}

/// The median of sorted samples.
fn median(sorted: &[Duration]) -> Duration {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn print_table(backend: &str, rows: &[Measurement]) {
    let base = rows.first().map_or(Duration::ZERO, |m| m.median);
    println!("\n## {backend}\n");
    println!("| history tasks | load + ANALYZE s | median ms | p90 ms | median / median(0) |");
    println!("|---:|---:|---:|---:|---:|");
    for m in rows {
        println!(
            "| {} | {:.1} | {:.3} | {:.3} | {:.2} |",
            m.history,
            m.load.as_secs_f64(),
            ms(m.median),
            ms(m.p90),
            m.median.as_secs_f64() / base.as_secs_f64()
        );
    }
    println!();
}
