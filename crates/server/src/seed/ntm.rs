//! NTM reference data and demo evaluations.
//!
//! Reference (every install): the 19 criteria of Decision 318/QĐ-TTg from
//! the embedded `ntm_commune_criteria_2021_2025.json`, as a draft without
//! thresholds or owning departments (the file has none: an administrator
//! enters them), and a skeleton of the 10-criteria set of Decision
//! 51/2025 whose criteria are placeholders to be named.
//!
//! Demo: a published copy of the 318 set whose owners are the demo
//! province's departments and whose thresholds are plausible values
//! clearly marked as demo values (not the official figures), and two
//! rounds over six communes at different stages of review, every value
//! and step written through the API's own rules.

use anyhow::Context;
use api::actor::Actor;
use api::routes::ntm_evaluations::{
    act, enter_values, ClaimEntry, ReviewAction, ReviewBody, ValueEntry, ValuesBody,
};
use api::routes::ntm_sets::{
    define_set, open_round, publish_set, CriteriaSetBody, CriterionDef, IndicatorDef, NewRoundBody,
    Participant, RoundKind, SetLevel, SetVariant,
};
use chrono::{Datelike, Duration, NaiveDate};
use domain::money::Decimal;
use domain::ntm::{Comparator, IndicatorValue, PassRule, Target, TargetValue, ValueType};
use persistence::ntm as store;
use persistence::units::UnitId;
use persistence::DbConnection;
use serde_json::Value;

const CRITERIA_318: &str =
    include_str!("../../../../data/reference/ntm_commune_criteria_2021_2025.json");

/// The code of the reference set of Decision 318.
pub const SET_318: &str = "QD318";
/// The code of the demo copy with demo thresholds.
pub const SET_318_DEMO: &str = "QD318-DEMO";

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_owned()
}

fn boolean(code: String, name: String) -> IndicatorDef {
    IndicatorDef {
        code,
        name,
        value_type: ValueType::Boolean,
        unit: "Đạt/Không đạt".into(),
        comparator: Comparator::IsTrue,
        targets: Vec::new(),
        choices: Vec::new(),
    }
}

/// The indicators the file lists for a criterion (criteria 10, 11, 12,
/// 15), else one yes/no indicator for the criterion as a whole.
fn indicators(criterion: &Value, number: u8, name: &str) -> Vec<IndicatorDef> {
    let listed = criterion["sub_indicators"].as_array();
    let Some(listed) = listed.filter(|l| !l.is_empty()) else {
        return vec![boolean(
            format!("{number}"),
            format!("Đạt tiêu chí {name} theo hướng dẫn của sở, ngành"),
        )];
    };
    listed
        .iter()
        .map(|i| {
            let unit = text(&i["unit"]);
            let (value_type, comparator) = match (unit.as_str(), i["operator"].as_str()) {
                ("Đạt/Không đạt", _) => (ValueType::Boolean, Comparator::IsTrue),
                ("%", Some("<=")) => (ValueType::Percent, Comparator::Lte),
                ("%", _) => (ValueType::Percent, Comparator::Gte),
                (_, Some("<=")) => (ValueType::Number, Comparator::Lte),
                _ => (ValueType::Number, Comparator::Gte),
            };
            IndicatorDef {
                code: text(&i["code"]),
                name: text(&i["name_vi"]),
                value_type,
                unit,
                comparator,
                targets: Vec::new(),
                choices: Vec::new(),
            }
        })
        .collect()
}

/// The 19 criteria of Decision 318 as the reference file gives them, each
/// with its typical lead department's name (after the 2025 restructuring).
fn criteria_318() -> anyhow::Result<Vec<(CriterionDef, String)>> {
    let data: Value = serde_json::from_str(CRITERIA_318).context("ntm criteria json")?;
    let mut out = Vec::new();
    for c in data["criteria"].as_array().into_iter().flatten() {
        let number = u8::try_from(c["number"].as_u64().unwrap_or(0)).unwrap_or(0);
        let name = text(&c["name_vi"]);
        out.push((
            CriterionDef {
                number,
                indicators: indicators(c, number, &name),
                name,
                group: text(&c["group"]),
                department_unit_id: None,
                pass_rule: PassRule::All,
            },
            text(&c["typical_lead_department"]["lead_after_2025_restructuring"]),
        ));
    }
    anyhow::ensure!(out.len() == 19, "expected 19 criteria, found {}", out.len());
    Ok(out)
}

fn set_body(
    code: &str,
    name: &str,
    legal_basis: &str,
    valid: (Option<NaiveDate>, Option<NaiveDate>),
    criteria: Vec<CriterionDef>,
) -> CriteriaSetBody {
    CriteriaSetBody {
        code: code.into(),
        name: name.into(),
        level: SetLevel::Commune,
        variant: SetVariant::Ntm,
        legal_basis: legal_basis.into(),
        valid_from: valid.0,
        valid_to: valid.1,
        criteria,
    }
}

fn exists(conn: &mut DbConnection, code: &str) -> anyhow::Result<bool> {
    Ok(store::list_sets(conn)?.iter().any(|s| s.code == code))
}

/// The reference sets, as drafts for an administrator to complete.
pub fn ensure_reference(conn: &mut DbConnection, admin: &Actor) -> anyhow::Result<()> {
    if !exists(conn, SET_318)? {
        let criteria = criteria_318()?.into_iter().map(|(c, _)| c).collect();
        define_set(
            conn,
            admin,
            &set_body(
                SET_318,
                "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021-2025",
                "Quyết định 318/QĐ-TTg ngày 08/3/2022 của Thủ tướng Chính phủ \
                 (ngưỡng đạt chưa nhập: quản trị nhập theo văn bản chính thức)",
                (
                    NaiveDate::from_ymd_opt(2022, 3, 8),
                    NaiveDate::from_ymd_opt(2025, 12, 31),
                ),
                criteria,
            ),
        )
        .map_err(super::api)?;
    }
    if !exists(conn, "QD51-2025")? {
        let criteria = (1..=10)
            .map(|n| CriterionDef {
                number: n,
                name: format!("Tiêu chí {n} (khung, cần cập nhật tên theo văn bản)"),
                group: String::new(),
                department_unit_id: None,
                pass_rule: PassRule::All,
                indicators: vec![boolean(
                    format!("{n}"),
                    format!("Đạt tiêu chí {n} theo hướng dẫn"),
                )],
            })
            .collect();
        define_set(
            conn,
            admin,
            &set_body(
                "QD51-2025",
                "Bộ tiêu chí xã nông thôn mới giai đoạn 2026-2030 (khung 10 tiêu chí)",
                "Quyết định 51/2025/QĐ-TTg (khung: tên, chỉ tiêu và ngưỡng do quản trị nhập)",
                (
                    NaiveDate::from_ymd_opt(2026, 1, 1),
                    NaiveDate::from_ymd_opt(2030, 12, 31),
                ),
                criteria,
            ),
        )
        .map_err(super::api)?;
    }
    Ok(())
}

fn number(v: i64) -> TargetValue {
    TargetValue::Number(Decimal::from_i64(v))
}

fn regional(value: i64, region: &str) -> Target {
    Target {
        region: Some(region.into()),
        ..Target::generic(number(value))
    }
}

/// Demo thresholds (plausible, NOT the official figures): income by
/// region, the rest generic with a lower bar for the northern mountains.
fn demo_targets(indicator: &IndicatorDef) -> Vec<Target> {
    match indicator.code.as_str() {
        "10" => vec![
            Target::generic(number(55)),
            regional(46, "TDMNPB"),
            regional(50, "TN"),
            regional(64, "DNB"),
        ],
        "11.1" => vec![Target::generic(number(6)), regional(13, "TDMNPB")],
        "12.1" => vec![Target::generic(number(35)), regional(25, "TDMNPB")],
        "12.2" => vec![Target::generic(number(95))],
        "15.1" => vec![Target::generic(number(95)), regional(90, "TDMNPB")],
        "15.3" => vec![Target::generic(number(20)), regional(25, "TDMNPB")],
        _ if indicator.value_type == ValueType::Boolean => {
            vec![Target::generic(TargetValue::Bool(true))]
        }
        _ => vec![Target::generic(number(70))],
    }
}

/// The demo province's department whose name appears first in `lead`.
fn department(
    lead: &str,
    agencies: &[persistence::units::UnitRow],
) -> anyhow::Result<Option<UnitId>> {
    Ok(agencies
        .iter()
        .filter_map(|a| lead.find(&a.name).map(|at| (at, a.id)))
        .min()
        .map(|(_, id)| id))
}

/// The demo set: 318 with owners and demo thresholds, published.
fn demo_set(conn: &mut DbConnection, admin: &Actor, province: UnitId) -> anyhow::Result<i64> {
    let agencies = persistence::units::list(
        conn,
        &persistence::units::UnitFilter {
            kind: Some("agency".into()),
            parent_id: Some(province),
            limit: 1000,
            ..Default::default()
        },
    )?
    .0;
    let mut criteria = Vec::new();
    for (mut c, lead) in criteria_318()? {
        c.department_unit_id = department(&lead, &agencies)?;
        for i in &mut c.indicators {
            i.targets = demo_targets(i);
        }
        criteria.push(c);
    }
    let set = define_set(
        conn,
        admin,
        &set_body(
            SET_318_DEMO,
            "Bộ tiêu chí xã nông thôn mới 2021-2025 (DỮ LIỆU MẪU: ngưỡng minh họa, không phải số liệu chính thức)",
            "Quyết định 318/QĐ-TTg; ngưỡng là giá trị minh họa cho bản chạy thử",
            (NaiveDate::from_ymd_opt(2022, 3, 8), None),
            criteria,
        ),
    )
    .map_err(super::api)?;
    publish_set(conn, admin, set.id).map_err(super::api)?;
    Ok(set.id)
}

/// A value that meets (or misses) the indicator's target for a commune
/// of the northern mountains.
fn value_for(indicator: &IndicatorDef, meets: bool) -> Option<IndicatorValue> {
    let target = indicator
        .targets
        .iter()
        .find(|t| t.region.as_deref() == Some("TDMNPB"))
        .or_else(|| indicator.targets.iter().find(|t| t.region.is_none()))?;
    // The demo thresholds are whole numbers.
    let shifted = |n: &Decimal, delta: i128| {
        let n = n.normalize();
        (n.scale() == 0).then(|| IndicatorValue::Number(Decimal::new(n.mantissa() + delta, 0)))
    };
    match (&target.value, indicator.comparator) {
        (TargetValue::Number(n), Comparator::Lte) => shifted(n, if meets { -1 } else { 3 }),
        (TargetValue::Number(n), _) => shifted(n, if meets { 2 } else { -3 }),
        _ => Some(IndicatorValue::Bool(meets)),
    }
}

/// Values for every indicator: criteria in `unmet` miss their targets.
fn values(criteria: &[CriterionDef], unmet: &[u8]) -> ValuesBody {
    let values = criteria
        .iter()
        .flat_map(|c| {
            let meets = !unmet.contains(&c.number);
            c.indicators.iter().map(move |i| ValueEntry {
                indicator_code: i.code.clone(),
                value: value_for(i, meets),
                note: String::new(),
                attachment_ids: Vec::new(),
            })
        })
        .collect();
    ValuesBody {
        values,
        // The commune believes it meets everything: the differences show.
        claims: criteria
            .iter()
            .map(|c| ClaimEntry {
                number: c.number,
                met: Some(true),
            })
            .collect(),
    }
}

fn step(action: ReviewAction, criteria: Option<Vec<u8>>, reason: &str) -> ReviewBody {
    ReviewBody {
        action,
        criteria,
        reason: reason.into(),
        decision_number: None,
        decision_date: None,
    }
}

/// How far a demo evaluation goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Progress {
    /// Values entered, not submitted.
    Entered,
    /// Submitted; departments other than Sở Xây dựng accepted theirs, Sở
    /// Xây dựng's wait for its appraiser (the demo login).
    AtDepartments,
    /// As above, and one criterion returned to the commune.
    Returned,
    /// Through the coordination office; awaits recognition.
    Concluded,
    /// Recognised by the committee.
    Recognised,
}

/// Who takes the demo's steps, on which set.
struct Actors<'a> {
    admin: &'a Actor,
    commune: &'a Actor,
    coordinator: &'a Actor,
    leader: &'a Actor,
    criteria: &'a [CriterionDef],
    /// Sở Xây dựng, whose criteria are left for its demo appraiser.
    construction: Option<UnitId>,
}

fn drive(
    conn: &mut DbConnection,
    actors: &Actors<'_>,
    evaluation_id: i64,
    (unmet, progress): (&[u8], Progress),
    decision: (&str, NaiveDate),
    own: bool,
) -> anyhow::Result<()> {
    let (criteria, construction) = (actors.criteria, actors.construction);
    // Xã Tân Sơn enters its own figures; the others are entered by the
    // administrator (who holds every role) for lack of demo logins.
    let enterer = if own { actors.commune } else { actors.admin };
    enter_values(conn, enterer, evaluation_id, &values(criteria, unmet)).map_err(super::api)?;
    if progress == Progress::Entered {
        return Ok(());
    }
    act(
        conn,
        enterer,
        evaluation_id,
        &step(ReviewAction::Submit, None, ""),
    )
    .map_err(super::api)?;
    let others: Vec<u8> = criteria
        .iter()
        .filter(|c| c.department_unit_id != construction)
        .map(|c| c.number)
        .collect();
    let (returned, accepted): (Vec<u8>, Vec<u8>) = if progress == Progress::Returned {
        others.iter().partition(|&&n| n == 17)
    } else {
        (Vec::new(), others)
    };
    act(
        conn,
        actors.admin,
        evaluation_id,
        &step(ReviewAction::Accept, Some(accepted), ""),
    )
    .map_err(super::api)?;
    if !returned.is_empty() {
        act(
            conn,
            actors.admin,
            evaluation_id,
            &step(
                ReviewAction::Return,
                Some(returned),
                "Thiếu biên bản kiểm tra thu gom, xử lý rác thải; đề nghị bổ sung minh chứng",
            ),
        )
        .map_err(super::api)?;
    }
    if matches!(progress, Progress::AtDepartments | Progress::Returned) {
        return Ok(());
    }
    // Sở Xây dựng's own criteria, then the coordination office.
    act(
        conn,
        actors.admin,
        evaluation_id,
        &step(ReviewAction::Accept, None, ""),
    )
    .map_err(super::api)?;
    act(
        conn,
        actors.coordinator,
        evaluation_id,
        &step(ReviewAction::Accept, None, ""),
    )
    .map_err(super::api)?;
    if progress == Progress::Recognised {
        act(
            conn,
            actors.leader,
            evaluation_id,
            &ReviewBody {
                decision_number: Some(decision.0.into()),
                decision_date: Some(decision.1),
                ..step(ReviewAction::Accept, None, "")
            },
        )
        .map_err(super::api)?;
    }
    Ok(())
}

/// Two rounds over six communes; returns how many evaluations it wrote
/// (0 when the demo rounds exist already).
pub fn load_demo(
    conn: &mut DbConnection,
    province: UnitId,
    admin: &Actor,
    today: NaiveDate,
) -> anyhow::Result<usize> {
    if exists(conn, SET_318_DEMO)? {
        return Ok(0);
    }
    let set_id = demo_set(conn, admin, province)?;
    let criteria =
        api::routes::ntm_sets::definition(&store::get_set(conn, set_id)?).map_err(super::api)?;
    let communes = super::demo_communes(conn, province, today, 6)?;
    anyhow::ensure!(communes.len() == 6, "the demo needs six communes");
    let commune = super::actor(conn, "xa.tanson")?;
    let coordinator = super::actor(conn, "ntm.dieuphoi")?;
    let leader = super::actor(conn, "lanhdao.ubnd")?;
    let construction = super::unit_for(conn, province, "Sở Xây dựng")?;
    let actors = Actors {
        admin,
        commune: &commune,
        coordinator: &coordinator,
        leader: &leader,
        criteria: &criteria,
        construction: Some(construction),
    };
    let year = today.year();
    let participants: Vec<Participant> = communes
        .iter()
        .map(|c| Participant {
            unit_id: c.id,
            region: None,
            group: None,
        })
        .collect();
    // (criteria missed, progress) per commune, Xã Tân Sơn first.
    let first_half: [(&[u8], Progress); 6] = [
        (&[17], Progress::Concluded),
        (&[], Progress::Recognised),
        (&[10, 17], Progress::Concluded),
        (&[13], Progress::Concluded),
        (&[], Progress::Recognised),
        (&[5, 10, 17], Progress::Concluded),
    ];
    let whole_year: [(&[u8], Progress); 6] = [
        (&[], Progress::Returned),
        (&[], Progress::Recognised),
        (&[10], Progress::AtDepartments),
        (&[13], Progress::AtDepartments),
        (&[], Progress::Concluded),
        (&[5, 10], Progress::Entered),
    ];
    let rounds = [
        (
            format!("Đánh giá 6 tháng đầu năm {year}"),
            RoundKind::SixMonthly,
            (
                NaiveDate::from_ymd_opt(year, 1, 1),
                NaiveDate::from_ymd_opt(year, 6, 30),
            ),
            (today - Duration::days(150), today),
            first_half,
            format!("{}/QĐ-UBND", 1200 + year % 100),
        ),
        (
            format!("Đánh giá năm {year}"),
            RoundKind::Annual,
            (
                NaiveDate::from_ymd_opt(year, 1, 1),
                NaiveDate::from_ymd_opt(year, 12, 31),
            ),
            (today - Duration::days(10), today + Duration::days(30)),
            whole_year,
            format!("{}/QĐ-UBND", 2400 + year % 100),
        ),
    ];
    let mut written = 0;
    for (name, kind, (from, to), (opens_on, closes_on), plan, decision) in rounds {
        let round = open_round(
            conn,
            admin,
            &NewRoundBody {
                set_id,
                name,
                kind,
                year,
                period_from: from.context("period")?,
                period_to: to.context("period")?,
                opens_on,
                closes_on,
                default_region: Some("TDMNPB".into()),
                chain: None,
                participants: participants.clone(),
            },
        )
        .map_err(super::api)?;
        let evaluations = store::list_evaluations(
            conn,
            &store::EvaluationFilter {
                round_id: Some(round.id),
                ..Default::default()
            },
        )?;
        for (c, (unmet, progress)) in communes.iter().zip(plan) {
            let evaluation = evaluations
                .iter()
                .find(|e| e.unit_id == c.id)
                .context("demo evaluation")?;
            drive(
                conn,
                &actors,
                evaluation.id,
                (unmet, progress),
                (&decision, today),
                c.name == "Xã Tân Sơn",
            )?;
            written += 1;
        }
    }
    Ok(written)
}
