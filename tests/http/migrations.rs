//! Migrations: both backends hold the same names, and every migration runs
//! up, down and up again with the same resulting schema.

use blackbox::{postgres_unavailable, workspace_root, Backend, TestDatabase};
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use persistence::{Db, DbConnection, DbOptions};

#[test]
fn both_backends_have_the_same_migration_names() {
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(workspace_root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    };
    let [sqlite, postgres] = persistence::MIGRATION_DIRS;
    assert!(!names(sqlite).is_empty());
    assert_eq!(names(sqlite), names(postgres));
    assert_eq!(
        persistence::migration_names(false),
        persistence::migration_names(true)
    );
}

#[derive(QueryableByName, PartialEq, Debug)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// A textual dump of the schema (tables, columns, indexes), backend-specific.
fn dump(conn: &mut DbConnection) -> Vec<String> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT type || ' ' || name || ': ' || COALESCE(sql, '') AS line FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations' ORDER BY type, name"
        }
        DbConnection::Postgres(_) => {
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS line \
             FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name <> '__diesel_schema_migrations' \
             UNION ALL SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename <> '__diesel_schema_migrations' \
             ORDER BY 1"
        }
    };
    diesel::sql_query(sql)
        .load::<Line>(conn)
        .unwrap()
        .into_iter()
        .map(|l| l.line)
        .collect()
}

fn up_down_up(backend: Backend) {
    let Some(database) = TestDatabase::create(backend) else {
        return postgres_unavailable();
    };
    let db = Db::connect(&database.url, &DbOptions::default()).unwrap();
    let applied = db.migrate().unwrap();
    assert_eq!(applied.len(), persistence::migration_names(false).len());
    let first = dump(&mut db.conn().unwrap());
    assert!(!first.is_empty());
    let reverted = db.revert_all_migrations().unwrap();
    assert_eq!(reverted, applied.len());
    assert!(
        dump(&mut db.conn().unwrap()).is_empty(),
        "down left tables behind"
    );
    db.migrate().unwrap();
    assert_eq!(dump(&mut db.conn().unwrap()), first);
    assert!(
        db.migrate().unwrap().is_empty(),
        "second run applies nothing"
    );
}

#[test]
fn migrations_up_down_up_sqlite() {
    up_down_up(Backend::Sqlite);
}

#[test]
fn migrations_up_down_up_postgres() {
    up_down_up(Backend::Postgres);
}
