//! The Vietnamese administrative units before and after the 2025 reform,
//! and the old-to-new mapping, loaded from `data/reference/` (embedded in
//! the binary so `server seed units` works from any folder).

use std::collections::{BTreeSet, HashMap};

use anyhow::Context;
use chrono::NaiveDate;
use persistence::units::{self, NewUnit, UnitId};
use persistence::{Db, DbConnection};
use serde::Deserialize;

const OLD_UNITS: &str = include_str!("../../../../data/reference/admin_units_until_2025-06-30.csv");
const NEW_UNITS: &str = include_str!("../../../../data/reference/admin_units_from_2025-07-01.csv");
const COMMUNE_MAPPING: &str =
    include_str!("../../../../data/reference/admin_unit_mapping_2025.csv");
const PROVINCE_MAPPING: &str =
    include_str!("../../../../data/reference/admin_province_mapping_2025.csv");

/// The last day of the three-tier structure and the first of the two-tier one.
pub fn reform_dates() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or_default(),
        NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or_default(),
    )
}

/// A row of either unit list (the columns both files share; the rest are
/// ignored).
#[derive(Debug, Deserialize)]
struct UnitRecord {
    level: u8,
    code: String,
    name: String,
    short_name: String,
    unit_type: String,
    parent_code: String,
    province_code: String,
    alt_names: String,
}

#[derive(Debug, Deserialize)]
struct CommuneLink {
    new_province_code: String,
    new_commune_code: String,
    old_province_code: String,
    old_commune_code: String,
}

#[derive(Debug, Deserialize)]
struct ProvinceLink {
    old_province_code: String,
    new_province_code: String,
}

fn records<T: for<'de> Deserialize<'de>>(text: &str) -> anyhow::Result<Vec<T>> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .context("reading reference data")
}

fn kind_of_level(level: u8, tiers: u8) -> &'static str {
    match (tiers, level) {
        (_, 1) => "province",
        (3, 2) => "district",
        _ => "commune",
    }
}

/// Which new provinces to load (`None`: the whole country).
pub type ProvinceFilter = Option<BTreeSet<String>>;

/// What was loaded.
#[derive(Debug, Default)]
pub struct UnitsReport {
    pub old_units: usize,
    pub new_units: usize,
    pub links: usize,
    pub skipped: bool,
}

fn meta_key(filter: &ProvinceFilter) -> String {
    match filter {
        None => "reference_units:all".into(),
        Some(codes) => format!(
            "reference_units:{}",
            codes.iter().cloned().collect::<Vec<_>>().join(",")
        ),
    }
}

/// Loads both structures and the links between them, in one transaction.
/// Idempotent: a second run with the same filter does nothing.
pub fn load_units(db: &Db, new_provinces: ProvinceFilter) -> anyhow::Result<UnitsReport> {
    let old: Vec<UnitRecord> = records(OLD_UNITS)?;
    let new: Vec<UnitRecord> = records(NEW_UNITS)?;
    let communes: Vec<CommuneLink> = records(COMMUNE_MAPPING)?;
    let provinces: Vec<ProvinceLink> = records(PROVINCE_MAPPING)?;
    let keep_new = |code: &str| new_provinces.as_ref().is_none_or(|set| set.contains(code));
    let old_provinces: BTreeSet<&str> = provinces
        .iter()
        .filter(|p| keep_new(&p.new_province_code))
        .map(|p| p.old_province_code.as_str())
        .collect();
    let key = meta_key(&new_provinces);
    db.write_blocking(|conn| -> anyhow::Result<UnitsReport> {
        if persistence::meta::get(conn, &key)?.is_some() {
            return Ok(UnitsReport {
                skipped: true,
                ..UnitsReport::default()
            });
        }
        let (last_old, first_new) = reform_dates();
        let mut report = UnitsReport::default();
        let mut old_ids: HashMap<(u8, String), UnitId> = HashMap::new();
        for u in old
            .iter()
            .filter(|u| old_provinces.contains(u.province_code.as_str()))
        {
            let parent = match u.level {
                1 => None,
                level => old_ids.get(&(level - 1, u.parent_code.clone())).copied(),
            };
            let id = insert_or_find(
                conn,
                NewUnit {
                    code: Some(u.code.clone()),
                    name: u.name.clone(),
                    short_name: u.short_name.clone(),
                    kind: kind_of_level(u.level, 3).into(),
                    unit_type: u.unit_type.clone(),
                    parent_id: parent,
                    valid_from: None,
                    valid_to: Some(last_old),
                    alt_names: u.alt_names.clone(),
                },
                last_old,
                &mut report.old_units,
            )?;
            old_ids.insert((u.level, u.code.clone()), id);
        }
        let mut new_ids: HashMap<(u8, String), UnitId> = HashMap::new();
        for u in new.iter().filter(|u| keep_new(&u.province_code)) {
            let parent = match u.level {
                1 => None,
                _ => new_ids.get(&(1, u.parent_code.clone())).copied(),
            };
            let id = insert_or_find(
                conn,
                NewUnit {
                    code: Some(u.code.clone()),
                    name: u.name.clone(),
                    short_name: u.short_name.clone(),
                    kind: kind_of_level(u.level, 2).into(),
                    unit_type: u.unit_type.clone(),
                    parent_id: parent,
                    valid_from: Some(first_new),
                    valid_to: None,
                    alt_names: u.alt_names.clone(),
                },
                first_new,
                &mut report.new_units,
            )?;
            new_ids.insert((u.level, u.code.clone()), id);
        }
        let mut link =
            |old: Option<&UnitId>, new: Option<&UnitId>, note: &str| -> anyhow::Result<()> {
                if let (Some(&o), Some(&n)) = (old, new) {
                    if units::linked(conn, o, units::Direction::Successors)?
                        .iter()
                        .all(|l| l.unit.id != n)
                    {
                        units::add_link(conn, o, n, first_new, None, note)?;
                        report.links += 1;
                    }
                }
                Ok(())
            };
        for p in provinces.iter().filter(|p| keep_new(&p.new_province_code)) {
            link(
                old_ids.get(&(1, p.old_province_code.clone())),
                new_ids.get(&(1, p.new_province_code.clone())),
                "Sắp xếp đơn vị hành chính cấp tỉnh 2025",
            )?;
        }
        for c in communes.iter().filter(|c| keep_new(&c.new_province_code)) {
            if !old_provinces.contains(c.old_province_code.as_str()) {
                continue;
            }
            link(
                old_ids.get(&(3, c.old_commune_code.clone())),
                new_ids.get(&(2, c.new_commune_code.clone())),
                "Sắp xếp đơn vị hành chính cấp xã 2025",
            )?;
        }
        persistence::meta::set(conn, &key, "1")?;
        Ok(report)
    })
}

/// Inserts a unit unless one of the same kind and code is valid on `on`
/// (a wider earlier load already brought it).
fn insert_or_find(
    conn: &mut DbConnection,
    unit: NewUnit,
    on: NaiveDate,
    inserted: &mut usize,
) -> anyhow::Result<UnitId> {
    if let Some(code) = &unit.code {
        if let Some(existing) = units::find_by_code(conn, &unit.kind, code, on)? {
            return Ok(existing.id);
        }
    }
    *inserted += 1;
    Ok(units::insert(conn, &unit)?.id)
}
