//! Finding the units a legacy report names: the report's own unit from
//! its heading (or as given), communes and villages under it by code or by
//! name in the structure of the report's year, agencies by name or alias.

use chrono::NaiveDate;
use domain::text::{fold, split_unit_prefix, unit_name_key};
use interchange::legacy_tasks::agency_key;
use persistence::imports as store;
use persistence::units::{self, UnitRow};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Issue;
use crate::error::ApiResult;

/// A unit as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UnitRef {
    pub id: i64,
    pub name: String,
}

impl From<&UnitRow> for UnitRef {
    fn from(u: &UnitRow) -> Self {
        UnitRef {
            id: u.id,
            name: u.name.clone(),
        }
    }
}

/// The day whose administrative structure a report of `year` is read in:
/// the last day of that year, or of 30 June 2025 for 2025 (the last day
/// of the old structure), today without a year.
pub fn structure_date(year: Option<i32>, today: NaiveDate) -> NaiveDate {
    match year {
        Some(2025) => NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or(today),
        Some(y) => NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(today),
        None => today,
    }
}

/// The unit a report is about: the one given (which must be of one of
/// `kinds`), else the one its heading names (`"HUYỆN TÂN SƠN"`), valid on
/// `on`. A blocking issue on row 1 when none or several match.
pub fn report_unit(
    conn: &mut DbConnection,
    given: Option<i64>,
    heading: Option<&str>,
    kinds: &[&str],
    on: NaiveDate,
) -> ApiResult<Result<UnitRow, Issue>> {
    if let Some(id) = given {
        return Ok(match units::get(conn, id) {
            Ok(u) if kinds.contains(&u.kind.as_str()) => Ok(u),
            _ => Err(Issue::blocking(
                1,
                "unknown_report_unit",
                format!(
                    "Đơn vị được chọn (#{id}) không phải {} / the unit given is not a {}",
                    kinds.join(", "),
                    kinds.join(", ")
                ),
            )),
        });
    }
    let Some(heading) = heading.filter(|h| !h.trim().is_empty()) else {
        return Ok(Err(Issue::blocking(
            1,
            "unknown_report_unit",
            "Tiêu đề không ghi đơn vị báo cáo; hãy chọn đơn vị (org_unit_id) / the heading names no unit; give org_unit_id".to_owned(),
        )));
    };
    let key = unit_name_key(heading);
    let mut found = Vec::new();
    for kind in kinds {
        found.extend(store::units_named(conn, kind, &key, on)?);
    }
    let mut found = of_stated_kind(found, heading);
    Ok(match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(Issue::blocking(
            1,
            "unknown_report_unit",
            format!(
                "Không tìm thấy đơn vị \"{heading}\" trong danh mục năm {on}; hãy chọn đơn vị (org_unit_id) / no unit \"{heading}\" in the structure of {on}; give org_unit_id"
            ),
        )),
        _ => Err(Issue::blocking(
            1,
            "ambiguous_report_unit",
            format!(
                "Có nhiều đơn vị tên \"{heading}\": {}; hãy chọn đơn vị (org_unit_id) / several units match; give org_unit_id",
                candidates(found.iter())
            ),
        )),
    })
}

/// How a name matched among units.
pub enum Match<'a> {
    One(&'a UnitRow),
    Several(Vec<&'a UnitRow>),
    /// None; the closest names, for the message.
    None(Vec<&'a UnitRow>),
}

/// `"Xã Cư Né (#812), Xã Cư Pơng (#813)"`.
pub fn candidates<'a>(units: impl Iterator<Item = &'a UnitRow>) -> String {
    units
        .map(|u| format!("{} (#{})", u.name, u.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a unit answers to `name` (prefix, case, diacritics, tone
/// placement and apostrophes aside; when both state a prefix, it must
/// agree for numeric names such as *Phường 1*).
fn answers_to(unit: &UnitRow, name: &str) -> bool {
    let key = unit_name_key(name);
    if key.is_empty() {
        return false;
    }
    let (prefix, _) = split_unit_prefix(name);
    let spelled = [unit.name.as_str(), unit.short_name.as_str()]
        .into_iter()
        .chain(unit.alt_names.split('|'))
        .filter(|n| !n.trim().is_empty());
    for spelling in spelled {
        if unit_name_key(spelling) != key {
            continue;
        }
        let numeric = key.bytes().all(|b| b.is_ascii_digit());
        match (prefix, split_unit_prefix(spelling).0) {
            (Some(a), Some(b)) if numeric && a != b => continue,
            _ => return true,
        }
    }
    false
}

/// Of several units answering to `name`, the one of the kind the name
/// states (*huyện Cai Lậy* / *thị xã Cai Lậy*, *TỈNH PHÚ THỌ* / *Phường
/// Phú Thọ*) when exactly one is; otherwise all of them.
fn of_stated_kind<T: std::borrow::Borrow<UnitRow>>(mut found: Vec<T>, name: &str) -> Vec<T> {
    if let (true, (Some(prefix), _)) = (found.len() > 1, split_unit_prefix(name)) {
        let stated = |u: &T| split_unit_prefix(&u.borrow().name).0 == Some(prefix);
        if found.iter().filter(|u| stated(u)).count() == 1 {
            found.retain(stated);
        }
    }
    found
}

/// Finds `name` among `units` (children of one parent). Where several
/// answer to it and the name states its kind (*huyện Cai Lậy*, *thị xã
/// Cai Lậy*), the one of that kind is taken.
pub fn match_name<'a>(units: &'a [UnitRow], name: &str) -> Match<'a> {
    let found = of_stated_kind(units.iter().filter(|u| answers_to(u, name)).collect(), name);
    match found.len() {
        1 => Match::One(found[0]),
        0 => {
            let words: Vec<String> = unit_name_key(name)
                .split(' ')
                .filter(|w| w.len() > 1)
                .map(str::to_owned)
                .collect();
            let close = units
                .iter()
                .filter(|u| {
                    let k = unit_name_key(&u.name);
                    words.iter().any(|w| k.split(' ').any(|x| x == w))
                })
                .take(5)
                .collect();
            Match::None(close)
        }
        _ => Match::Several(found),
    }
}

/// A unit named on a row: the match, or a blocking issue naming the
/// candidates.
pub fn unit_on_row<'a>(
    units: &'a [UnitRow],
    name: &str,
    within: &str,
    row: usize,
) -> Result<&'a UnitRow, Issue> {
    match match_name(units, name) {
        Match::One(u) => Ok(u),
        Match::Several(found) => Err(Issue::blocking(
            row,
            "ambiguous_unit",
            format!(
                "dòng {row}: \"{name}\" trùng nhiều đơn vị thuộc {within}: {} / row {row}: \"{name}\" matches several units",
                candidates(found.into_iter())
            ),
        )),
        Match::None(close) => {
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!(" (gần giống / close: {})", candidates(close.into_iter()))
            };
            Err(Issue::blocking(
                row,
                "unknown_unit",
                format!(
                    "dòng {row}: không có \"{name}\" thuộc {within}{hint} / row {row}: no unit \"{name}\" under {within}"
                ),
            ))
        }
    }
}

/// The units under `parent` valid on `on`.
pub fn children_on(conn: &mut DbConnection, parent: i64, on: NaiveDate) -> ApiResult<Vec<UnitRow>> {
    Ok(units::open_children(conn, parent, on)?
        .into_iter()
        .filter(|u| u.valid_from.is_none_or(|from| from <= on))
        .collect())
}

/// Agencies and the committees of units below a province, for matching a
/// task list's lead and coordinating agencies.
pub struct Agencies {
    /// The committee's agencies.
    agencies: Vec<UnitRow>,
    /// The units directly below it (their committees lead tasks too).
    below: Vec<UnitRow>,
    /// The province's short name folded, for names that append it
    /// (*Văn phòng UBND tỉnh Tiền Giang*).
    province: String,
    /// Administrators' aliases: key → full name.
    aliases: Vec<(String, String)>,
}

impl Agencies {
    pub fn load(conn: &mut DbConnection, province: &UnitRow, on: NaiveDate) -> ApiResult<Self> {
        let (agencies, below) = children_on(conn, province.id, on)?
            .into_iter()
            .partition(|u| u.kind == "agency");
        let aliases = store::aliases(conn)?
            .into_iter()
            .map(|a| (a.alias_key, a.name))
            .collect();
        Ok(Agencies {
            agencies,
            below,
            province: agency_key(&province.short_name),
            aliases,
        })
    }

    /// The committee's Office: its agency whose name begins *Văn phòng
    /// UBND* (or *Văn phòng Ủy ban nhân dân*).
    pub fn office(&self) -> Option<&UnitRow> {
        self.agencies.iter().find(|u| {
            let name = fold(&u.name);
            name.starts_with("van phong ubnd") || name.starts_with("van phong uy ban nhan dan")
        })
    }

    /// The full name an administrator's alias gives `shown`, if any.
    pub fn alias(&self, shown: &str) -> Option<&str> {
        let key = agency_key(shown);
        self.aliases
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, name)| name.as_str())
    }

    /// The agency or committee called `name` (a full name as
    /// `legacy_tasks::agency_name` gives it).
    pub fn find(&self, name: &str, row: usize) -> Result<&UnitRow, Issue> {
        let folded = fold(name);
        if folded.starts_with("ubnd ") {
            // The committee of a unit below: the unit itself.
            let unit_name = name.split_once(' ').map_or(name, |(_, rest)| rest.trim());
            return unit_on_row(&self.below, unit_name, "tỉnh", row);
        }
        let key = agency_key(name);
        let with_province = format!("{key}{}", self.province);
        let found: Vec<&UnitRow> = self
            .agencies
            .iter()
            .filter(|u| {
                [u.name.as_str(), u.short_name.as_str()]
                    .into_iter()
                    .chain(u.alt_names.split('|'))
                    .map(agency_key)
                    .any(|k| !k.is_empty() && (k == key || k == with_province))
            })
            .collect();
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(Issue::blocking(
                row,
                "unknown_agency",
                format!(
                    "dòng {row}: không có cơ quan \"{name}\" trong tỉnh; thêm cơ quan hoặc tên viết tắt (POST /api/v1/agency-aliases) / row {row}: no agency \"{name}\"; add it or an alias"
                ),
            )),
            _ => Err(Issue::blocking(
                row,
                "ambiguous_agency",
                format!(
                    "dòng {row}: \"{name}\" trùng nhiều cơ quan: {} / row {row}: several agencies match",
                    candidates(found.into_iter())
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn unit(id: i64, name: &str, short: &str) -> UnitRow {
        UnitRow {
            id,
            code: None,
            name: name.into(),
            short_name: short.into(),
            kind: "commune".into(),
            unit_type: "xã".into(),
            parent_id: Some(1),
            depth: 2,
            valid_from: None,
            valid_to: None,
            alt_names: String::new(),
            search_key: String::new(),
            created_at: NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
            updated_at: NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        }
    }

    #[test]
    fn names_match_across_prefix_case_tone_and_apostrophes() {
        let units = vec![
            unit(1, "Xã Sơn Hùng", "Sơn Hùng"),
            unit(2, "Thị trấn Thanh Sơn", "Thanh Sơn"),
            unit(3, "Xã Ea H'leo", "Ea H'leo"),
            unit(4, "Xã Thủy Sơn", "Thủy Sơn"),
            unit(5, "Phường 1", "1"),
            unit(6, "Xã 1", "1"),
        ];
        let one = |name: &str| match match_name(&units, name) {
            Match::One(u) => Some(u.id),
            _ => None,
        };
        assert_eq!(one("xã Sơn Hùng"), Some(1));
        assert_eq!(one("SƠN HÙNG"), Some(1));
        assert_eq!(one("TT Thanh Sơn"), Some(2));
        assert_eq!(one("Ea H\u{2019}leo"), Some(3));
        // Old tone placement (Thuỷ) equals the new one (Thủy).
        assert_eq!(one("Xã Thuỷ Sơn"), Some(4));
        assert_eq!(one("P.01"), Some(5));
        assert!(matches!(match_name(&units, "1"), Match::Several(v) if v.len() == 2));
        // The stated kind settles a name two units share.
        assert_eq!(one("Xã 1"), Some(6));
        let province = UnitRow {
            kind: "province".into(),
            ..unit(7, "Tỉnh Phú Thọ", "Phú Thọ")
        };
        let ward = unit(8, "Phường Phú Thọ", "Phú Thọ");
        let ids = |found: Vec<UnitRow>| found.iter().map(|u| u.id).collect::<Vec<_>>();
        let both = || vec![province.clone(), ward.clone()];
        assert_eq!(ids(of_stated_kind(both(), "TỈNH PHÚ THỌ")), [7]);
        assert_eq!(ids(of_stated_kind(both(), "phường Phú Thọ")), [8]);
        assert_eq!(ids(of_stated_kind(both(), "Phú Thọ")), [7, 8]);
        assert!(
            matches!(match_name(&units, "Sơn Hà"), Match::None(close) if close.iter().any(|u| u.id == 1))
        );
    }

    #[test]
    fn an_unknown_name_is_a_blocking_issue_with_candidates() {
        let units = vec![unit(1, "Xã Sơn Hùng", "Sơn Hùng")];
        let issue = unit_on_row(&units, "Xã Sơn Hà", "huyện Thanh Sơn", 7).unwrap_err();
        assert_eq!(issue.code, "unknown_unit");
        assert!(issue.blocking && !issue.acceptable);
        assert!(
            issue.message.contains("Xã Sơn Hùng (#1)"),
            "{}",
            issue.message
        );
    }

    fn of_kind(mut u: UnitRow, kind: &str) -> UnitRow {
        u.kind = kind.into();
        u
    }

    #[test]
    fn agencies_by_name_alias_province_suffix_and_committee() {
        let agencies = Agencies {
            agencies: vec![
                of_kind(unit(10, "Sở Khoa học và Công nghệ", "Sở KH&CN"), "agency"),
                of_kind(
                    unit(
                        11,
                        "Văn phòng UBND tỉnh Tiền Giang",
                        "Văn phòng UBND tỉnh Tiền Giang",
                    ),
                    "agency",
                ),
            ],
            below: vec![
                of_kind(unit(12, "Huyện Cai Lậy", "Cai Lậy"), "district"),
                of_kind(unit(13, "Thị xã Cai Lậy", "Cai Lậy"), "district"),
            ],
            province: agency_key("Tiền Giang"),
            aliases: vec![(agency_key("Sở KHCN"), "Sở Khoa học và Công nghệ".into())],
        };
        // An administrator's alias gives the full name, which finds the unit.
        let name = agencies.alias("sở khcn").unwrap();
        assert_eq!(agencies.find(name, 5).unwrap().id, 10);
        assert_eq!(agencies.alias("Sở KH-ĐT"), None);
        // The province's name appended to the unit's is no obstacle.
        assert_eq!(agencies.find("Văn phòng UBND tỉnh", 5).unwrap().id, 11);
        assert_eq!(agencies.office().unwrap().id, 11);
        // A committee is its unit, the stated kind settling a shared name.
        assert_eq!(agencies.find("UBND huyện Cai Lậy", 5).unwrap().id, 12);
        assert_eq!(agencies.find("UBND thị xã Cai Lậy", 5).unwrap().id, 13);
        let unknown = agencies.find("Sở Y tế", 7).unwrap_err();
        assert_eq!((unknown.code.as_str(), unknown.row), ("unknown_agency", 7));
    }

    #[test]
    fn structure_dates() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        assert_eq!(structure_date(Some(2014), today).to_string(), "2014-12-31");
        assert_eq!(structure_date(Some(2025), today).to_string(), "2025-06-30");
        assert_eq!(structure_date(None, today), today);
    }
}
