//! Demo data and reference data. Each workflow adds its part to [`demo`] so
//! `make run` always shows something real. Every step is idempotent.

mod funds;
mod ntm;
pub mod reference;
pub mod scale;
mod tasks;

use std::collections::BTreeSet;

use anyhow::Context;
use domain::access::Role;
use persistence::identity::{self, Holder, NewUser};
use persistence::units::{self, NewUnit, UnitId};
use persistence::{Db, DbConnection};

/// The demo province: Phú Thọ as formed on 1 July 2025 (old Phú Thọ, Vĩnh
/// Phúc and Hòa Bình), home of the Programme 135 districts in the samples.
pub const DEMO_PROVINCE_CODE: &str = "25";

/// Password of every demo account (printed by `make run`).
pub const DEMO_PASSWORD: &str = "thuchanh2026";

/// Departments of the demo province (the structure after the 2025 reform).
/// The first is the office, named after the province ([`office_name`]).
const AGENCIES: [(&str, &str, &str); 12] = [
    ("", "Văn phòng UBND tỉnh", "văn phòng"),
    ("Sở Tài chính", "Sở Tài chính", "sở"),
    ("Sở Nội vụ", "Sở Nội vụ", "sở"),
    ("Sở Xây dựng", "Sở Xây dựng", "sở"),
    ("Sở Nông nghiệp và Môi trường", "Sở NN&MT", "sở"),
    ("Sở Giáo dục và Đào tạo", "Sở GD&ĐT", "sở"),
    ("Sở Y tế", "Sở Y tế", "sở"),
    ("Sở Khoa học và Công nghệ", "Sở KH&CN", "sở"),
    ("Sở Công Thương", "Sở Công Thương", "sở"),
    ("Sở Văn hóa, Thể thao và Du lịch", "Sở VH-TT&DL", "sở"),
    ("Công an tỉnh", "Công an tỉnh", "công an"),
    (
        "Văn phòng Điều phối nông thôn mới tỉnh",
        "VP Điều phối NTM",
        "văn phòng",
    ),
];

/// A demo account: username, full name, role, and the unit it holds it on
/// (by agency short name, "province", or a commune name).
const ACCOUNTS: [(&str, &str, Role, &str); 11] = [
    ("admin", "Quản trị hệ thống", Role::SystemAdmin, "province"),
    (
        "lanhdao.ubnd",
        "Nguyễn Văn Hùng",
        Role::CommitteeLeader,
        "province",
    ),
    (
        "vp.lanhdao",
        "Trần Thị Mai",
        Role::OfficeLeader,
        "Văn phòng UBND tỉnh",
    ),
    (
        "vp.chuyenvien",
        "Lê Minh Tuấn",
        Role::OfficeSpecialist,
        "Văn phòng UBND tỉnh",
    ),
    (
        "sotc.lanhdao",
        "Phạm Quốc Bảo",
        Role::AgencyLeader,
        "Sở Tài chính",
    ),
    (
        "sotc.canbo",
        "Đỗ Thị Hương",
        Role::AgencyOfficer,
        "Sở Tài chính",
    ),
    ("von.quanly", "Hoàng Văn Nam", Role::FundManager, "province"),
    // Coordinates evaluations province-wide: the grant is on the province.
    (
        "ntm.dieuphoi",
        "Vũ Thị Lan",
        Role::NtmCoordinator,
        "province",
    ),
    (
        "soxd.thamdinh",
        "Bùi Đức Long",
        Role::DepartmentAppraiser,
        "Sở Xây dựng",
    ),
    (
        "xa.tanson",
        "Hà Văn Dũng",
        Role::CommuneOfficer,
        "Xã Tân Sơn",
    ),
    ("xem.baocao", "Ngô Thị Thu", Role::Viewer, "province"),
];

/// Today in Vietnam, as the workflows' date checks see it (the demo's
/// rounds and deadlines must agree with them at any hour of the UTC day).
fn today() -> chrono::NaiveDate {
    domain::tasks::local_today(chrono::Utc::now().naive_utc())
}

fn demo_province(conn: &mut DbConnection) -> anyhow::Result<UnitId> {
    Ok(
        units::find_by_code(conn, "province", DEMO_PROVINCE_CODE, today())?
            .context("the demo province is missing")?
            .id,
    )
}

/// The office of a province's committee: "Văn phòng UBND tỉnh Phú Thọ" for
/// "Tỉnh Phú Thọ".
fn office_name(province_name: &str) -> String {
    let mut chars = province_name.chars();
    let lowered: String = chars
        .next()
        .map(|c| c.to_lowercase().chain(chars).collect())
        .unwrap_or_default();
    format!("Văn phòng UBND {lowered}")
}

fn ensure_agencies(
    conn: &mut DbConnection,
    province: UnitId,
    province_name: &str,
) -> anyhow::Result<()> {
    let existing = units::list(
        conn,
        &units::UnitFilter {
            kind: Some("agency".into()),
            parent_id: Some(province),
            limit: 1000,
            ..Default::default()
        },
    )?
    .0;
    let office = office_name(province_name);
    for (name, short, unit_type) in AGENCIES {
        let name = if name.is_empty() {
            office.as_str()
        } else {
            name
        };
        if existing.iter().any(|u| u.name == name) {
            continue;
        }
        units::insert(
            conn,
            &NewUnit {
                name: name.into(),
                short_name: short.into(),
                kind: "agency".into(),
                unit_type: unit_type.into(),
                parent_id: Some(province),
                valid_from: chrono::NaiveDate::from_ymd_opt(2025, 7, 1),
                ..NewUnit::default()
            },
        )?;
    }
    Ok(())
}

/// A refusal of the API's own rules while seeding, as an error.
fn api(e: api::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{:?}: {:?} {:?}", e.code, e.detail, e.errors)
}

/// A demo account as an actor, with its grants.
fn actor(conn: &mut DbConnection, username: &str) -> anyhow::Result<api::actor::Actor> {
    let user = identity::find_user_by_username(conn, username)?
        .with_context(|| format!("demo account {username} is missing"))?;
    api::actor::load_actor(
        conn,
        auth::jwt::Principal::User(user.id),
        api::actor::RequestMeta::default(),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))
}

pub(crate) fn unit_for(
    conn: &mut DbConnection,
    province: UnitId,
    name: &str,
) -> anyhow::Result<UnitId> {
    if name == "province" {
        return Ok(province);
    }
    let found = units::list(
        conn,
        &units::UnitFilter {
            q: Some(domain::text::fold(name)),
            within: Some(province),
            as_of: Some(today()),
            limit: 10,
            ..Default::default()
        },
    )?
    .0;
    found
        .into_iter()
        .find(|u| u.name == name || u.short_name == name)
        .map(|u| u.id)
        .with_context(|| format!("demo unit {name} is missing"))
}

/// The demo's rural communes (*xã*, not wards) as of `today`, Xã Tân Sơn
/// first and then by name, at most `n`.
pub(crate) fn demo_communes(
    conn: &mut DbConnection,
    province: UnitId,
    today: chrono::NaiveDate,
    n: usize,
) -> anyhow::Result<Vec<units::UnitRow>> {
    let mut communes = units::list(
        conn,
        &units::UnitFilter {
            within: Some(province),
            kind: Some("commune".into()),
            as_of: Some(today),
            limit: 500,
            ..Default::default()
        },
    )?
    .0;
    communes.retain(|u| u.name.starts_with("Xã "));
    communes.sort_by(|a, b| {
        let tan_son = |u: &units::UnitRow| u.name != "Xã Tân Sơn";
        (tan_son(a), &a.name).cmp(&(tan_son(b), &b.name))
    });
    communes.truncate(n);
    Ok(communes)
}

fn ensure_accounts(conn: &mut DbConnection, province: UnitId, hash: &str) -> anyhow::Result<()> {
    for (username, full_name, role, unit) in ACCOUNTS {
        if identity::find_user_by_username(conn, username)?.is_some() {
            continue;
        }
        let unit_id = unit_for(conn, province, unit)?;
        let user = identity::insert_user(
            conn,
            &NewUser {
                username: username.into(),
                full_name: full_name.into(),
                // A reserved domain: the demo never mails anyone real.
                email: Some(format!("{username}@demo.example")),
                phone: None,
                primary_unit_id: unit_id,
                password_hash: hash.into(),
                active: true,
            },
        )?;
        identity::insert_grant(conn, Holder::User(user.id), role.as_str(), unit_id, None)?;
    }
    Ok(())
}

/// Loads the demo data set and returns what a newcomer needs to know.
pub fn demo(db: &Db) -> anyhow::Result<String> {
    let units = reference::load_units(db, Some(BTreeSet::from([DEMO_PROVINCE_CODE.to_owned()])))?;
    let hash = auth::password::hash(DEMO_PASSWORD)?;
    db.write_blocking(|conn| -> anyhow::Result<()> {
        let province = demo_province(conn)?;
        let name = units::get(conn, province)?.name;
        ensure_agencies(conn, province, &name)?;
        ensure_accounts(conn, province, &hash)?;
        persistence::meta::set(conn, "demo_seeded", "1")?;
        Ok(())
    })?;
    let tasks = db.write_blocking(|conn| -> anyhow::Result<usize> {
        let province = demo_province(conn)?;
        tasks::load(conn, province)
    })?;
    let fund_entries = db.write_blocking(|conn| -> anyhow::Result<usize> {
        let province = demo_province(conn)?;
        let admin = actor(conn, "admin")?;
        funds::ensure_reference(conn, &admin)?;
        let manager = actor(conn, "von.quanly")?;
        let today = domain::tasks::local_today(chrono::Utc::now().naive_utc());
        funds::load_demo(conn, province, &admin, &manager, today)
    })?;
    let evaluations = db.write_blocking(|conn| -> anyhow::Result<usize> {
        let province = demo_province(conn)?;
        let admin = actor(conn, "admin")?;
        ntm::ensure_reference(conn, &admin)?;
        ntm::load_demo(conn, province, &admin, today())
    })?;
    let mut out = String::new();
    if !units.skipped {
        out.push_str(&format!(
            "Đã nạp đơn vị hành chính (units loaded): {} trước / {} sau 01/07/2025, {} liên kết sáp nhập\n",
            units.old_units, units.new_units, units.links
        ));
    }
    if tasks > 0 {
        out.push_str(&format!(
            "Đã tạo {tasks} nhiệm vụ mẫu (demo tasks created)\n"
        ));
    }
    if fund_entries > 0 {
        out.push_str(&format!(
            "Đã tạo {fund_entries} bút toán vốn Chương trình 135 mẫu (demo fund entries created)\n"
        ));
    }
    if evaluations > 0 {
        out.push_str(&format!(
            "Đã tạo {evaluations} phiếu đánh giá nông thôn mới mẫu trong 2 đợt (demo NTM evaluations created)\n"
        ));
    }
    out.push_str("Tài khoản mẫu (demo logins), mật khẩu / password: ");
    out.push_str(DEMO_PASSWORD);
    out.push('\n');
    for (username, full_name, role, unit) in ACCOUNTS {
        out.push_str(&format!(
            "  {username:<15} {:<28} {full_name} — {}\n",
            role.label_vi(),
            if unit == "province" {
                "Tỉnh Phú Thọ"
            } else {
                unit
            }
        ));
    }
    Ok(out)
}

/// The bootstrap administrator: a system-admin grant on a province.
pub fn create_admin(
    db: &Db,
    username: &str,
    full_name: &str,
    province_code: &str,
    password: &str,
) -> anyhow::Result<()> {
    if let Err(problems) = domain::password::check(password, username) {
        let messages: Vec<String> = problems.iter().map(|p| p.message_vi()).collect();
        anyhow::bail!("{}", messages.join("; "));
    }
    let hash = auth::password::hash(password)?;
    db.write_blocking(|conn| -> anyhow::Result<()> {
        let province = units::find_by_code(conn, "province", province_code, today())?
            .with_context(|| {
                format!(
                    "no current province with code {province_code}: run `server seed units` first"
                )
            })?;
        let user = identity::insert_user(
            conn,
            &NewUser {
                username: username.into(),
                full_name: full_name.into(),
                email: None,
                phone: None,
                primary_unit_id: province.id,
                password_hash: hash,
                active: true,
            },
        )?;
        identity::insert_grant(
            conn,
            Holder::User(user.id),
            Role::SystemAdmin.as_str(),
            province.id,
            None,
        )?;
        persistence::audit::append(
            conn,
            persistence::audit::AuditEntry {
                actor_kind: "system".into(),
                actor_name: "server admin create".into(),
                action: "user.create".into(),
                entity: "user".into(),
                entity_id: user.id.to_string(),
                after: Some(serde_json::json!({"username": username, "role": "system_admin"})),
                ..Default::default()
            },
        )?;
        Ok(())
    })
}
