//! Programme-fund reference data (fund sources; Programme 135 from the
//! embedded `program135.json`; a skeleton of the 2026–2035 merged
//! programme, marked as an example) and two years of demo money for the
//! demo province, each entry written through the API's own checks.

use anyhow::Context;
use api::actor::Actor;
use api::routes::funds::{
    define_programme, record_allocation, record_beneficiaries, record_disbursement,
    register_project, BeneficiaryCategory, BeneficiaryEntry, BeneficiaryListBody, DecisionBody,
    KeyBody, NewAllocationBody, NewComponentBody, NewDisbursementBody, NewPhaseBody,
    NewProgrammeBody, NewProjectBody, ProjectStatus,
};
use chrono::{Datelike, NaiveDate};
use persistence::funds as store;
use persistence::units::{self, NewUnit, UnitId};
use persistence::DbConnection;
use serde_json::Value;

const PROGRAM135: &str = include_str!("../../../../data/reference/program135.json");

/// The fund sources (*nguồn vốn*) of the budget law's classification.
const SOURCES: [(&str, &str); 6] = [
    ("NSTW_DTPT", "Ngân sách trung ương - vốn đầu tư phát triển"),
    ("NSTW_SN", "Ngân sách trung ương - vốn sự nghiệp"),
    ("NSDP", "Ngân sách địa phương"),
    ("ODA", "Vốn ODA, vốn vay ưu đãi"),
    ("HUY_DONG", "Vốn huy động, nhân dân đóng góp"),
    ("KHAC", "Nguồn vốn khác"),
];

/// `"2012/2014-2015 and 2016-2020"` → (2012, 2020): the first and last
/// four-digit years mentioned.
fn years(period: &str) -> Option<(i32, i32)> {
    let found: Vec<i32> = period
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() == 4)
        .filter_map(|w| w.parse().ok())
        .collect();
    Some((*found.first()?, *found.last()?))
}

/// Programme 135 as the reference file describes it: phases I–III (the
/// 2021– successor is another programme) and the components of phase III,
/// with maintenance nested under infrastructure.
fn program135() -> anyhow::Result<NewProgrammeBody> {
    let data: Value = serde_json::from_str(PROGRAM135).context("program135.json")?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut phases = Vec::new();
    let mut components = Vec::new();
    for phase in data["phases"].as_array().into_iter().flatten() {
        let name = text(&phase["phase"]);
        if !matches!(name.as_str(), "I" | "II" | "III") {
            continue;
        }
        let Some((start_year, end_year)) = years(&text(&phase["period"])) else {
            continue;
        };
        let decisions: Vec<String> = phase["legal_basis"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| text(&l["decision"]))
            .filter(|d| !d.is_empty())
            .collect();
        phases.push(NewPhaseBody {
            name: format!("Giai đoạn {name}"),
            start_year,
            end_year,
            decision: decisions.join("; "),
        });
        if name == "III" {
            for c in phase["components"].as_array().into_iter().flatten() {
                let code = text(&c["id"]);
                let title = text(&c["vi"]);
                if code.is_empty() || title.is_empty() {
                    continue;
                }
                let infrastructure = code == "TDA1";
                components.push(NewComponentBody {
                    code: code.clone(),
                    name: title,
                    parent_code: None,
                });
                if infrastructure {
                    components.push(NewComponentBody {
                        code: "TDA1.DTBD".into(),
                        name: "Duy tu, bảo dưỡng công trình".into(),
                        parent_code: Some(code),
                    });
                }
            }
        }
    }
    anyhow::ensure!(
        !components.is_empty(),
        "program135.json: no phase III components"
    );
    Ok(NewProgrammeBody {
        code: "P135".into(),
        name: text(&data["full_name_vi"]),
        legal_basis: "Quyết định 135/1998/QĐ-TTg".into(),
        phases,
        components,
    })
}

fn merged_2026() -> NewProgrammeBody {
    let component = |code: &str, name: &str| NewComponentBody {
        code: code.into(),
        name: name.into(),
        parent_code: None,
    };
    NewProgrammeBody {
        code: "CTMTQG-2026".into(),
        name: "Chương trình mục tiêu quốc gia giai đoạn 2026–2035 (ví dụ)".into(),
        legal_basis: "Ví dụ: nhập căn cứ pháp lý thực tế khi chương trình được phê duyệt \
                      (example: enter the real legal basis once approved)"
            .into(),
        phases: vec![
            NewPhaseBody {
                name: "Giai đoạn I".into(),
                start_year: 2026,
                end_year: 2030,
                decision: String::new(),
            },
            NewPhaseBody {
                name: "Giai đoạn II".into(),
                start_year: 2031,
                end_year: 2035,
                decision: String::new(),
            },
        ],
        components: vec![
            component("CSHT", "Đầu tư cơ sở hạ tầng thiết yếu"),
            component("SX", "Hỗ trợ phát triển sản xuất, đa dạng hóa sinh kế"),
            component("NL", "Nâng cao năng lực cộng đồng và cán bộ cơ sở"),
        ],
    }
}

/// Fund sources and the example programmes, once.
pub fn ensure_reference(conn: &mut DbConnection, admin: &Actor) -> anyhow::Result<()> {
    let existing = store::sources(conn)?;
    for (code, name) in SOURCES {
        if !existing.iter().any(|s| s.code == code) {
            store::insert_source(conn, code, name)?;
        }
    }
    for body in [program135()?, merged_2026()] {
        if store::find_programme(conn, &body.code)?.is_none() {
            define_programme(conn, admin, &body)
                .map_err(|e| anyhow::anyhow!("programme {}: {e}", body.code))?;
        }
    }
    Ok(())
}

/// Villages made for the demo under its first commune.
const VILLAGES: [&str; 2] = ["Thôn Xuân Đài", "Thôn Minh Đài"];
/// How many communes of the demo province receive money.
const COMMUNES: usize = 6;

/// Two years (last year and this) of Programme 135 money for the demo
/// province: the central envelope, the province's allocations to six
/// communes, two villages of the first, a road project per commune,
/// disbursements (nearly all of last year's; this year's partly, one
/// commune none yet, one project past its end date).
/// Programme 135 and what the demo and the scale data put money through:
/// infrastructure (TDA1) from investment capital, production (TDA2) from
/// recurrent funds.
pub(super) struct P135Keys {
    pub programme: i64,
    pub infra: i64,
    pub production: i64,
    pub investment: i64,
    pub recurrent: i64,
}

pub(super) fn p135_keys(conn: &mut DbConnection) -> anyhow::Result<P135Keys> {
    let programme = store::find_programme(conn, "P135")?
        .context("P135 not seeded")?
        .id;
    let components = store::components(conn, programme)?;
    let component = |code: &str| {
        components
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.id)
            .with_context(|| format!("P135 component {code}"))
    };
    let sources = store::sources(conn)?;
    let source = |code: &str| {
        sources
            .iter()
            .find(|s| s.code == code)
            .map(|s| s.id)
            .with_context(|| format!("fund source {code}"))
    };
    Ok(P135Keys {
        programme,
        infra: component("TDA1")?,
        production: component("TDA2")?,
        investment: source("NSTW_DTPT")?,
        recurrent: source("NSTW_SN")?,
    })
}

pub fn load_demo(
    conn: &mut DbConnection,
    province: UnitId,
    admin: &Actor,
    fund_manager: &Actor,
    today: NaiveDate,
) -> anyhow::Result<usize> {
    let P135Keys {
        programme,
        infra,
        production,
        investment,
        recurrent,
    } = p135_keys(conn)?;
    let already = units::list(
        conn,
        &units::UnitFilter {
            q: Some(domain::text::fold(VILLAGES[0])),
            within: Some(province),
            limit: 1,
            ..Default::default()
        },
    )?;
    if already.1 > 0 {
        return Ok(0);
    }
    let communes = super::demo_communes(conn, province, today, COMMUNES)?;
    anyhow::ensure!(!communes.is_empty(), "the demo province has no communes");
    let first = communes[0].id;
    let mut villages = Vec::new();
    for name in VILLAGES {
        let row = units::insert(
            conn,
            &NewUnit {
                name: name.into(),
                kind: "village".into(),
                unit_type: "thôn".into(),
                parent_id: Some(first),
                ..NewUnit::default()
            },
        )?;
        villages.push(row.id);
    }
    let mut entries = 0;
    for (y, year) in [today.year() - 1, today.year()].into_iter().enumerate() {
        let this_year = y == 1;
        let mut listed: Vec<BeneficiaryEntry> = communes
            .iter()
            .map(|c| BeneficiaryEntry {
                unit_id: c.id,
                category: BeneficiaryCategory::ExtremelyDifficultCommune,
            })
            .collect();
        listed.extend(villages.iter().map(|v| BeneficiaryEntry {
            unit_id: *v,
            category: BeneficiaryCategory::ExtremelyDifficultVillage,
        }));
        record_beneficiaries(
            conn,
            admin,
            programme,
            &BeneficiaryListBody {
                year,
                phase_id: None,
                decision: format!("{}/QĐ-UBND (danh sách mẫu)", 10 + y),
                entries: listed,
            },
        )
        .map_err(super::api)?;
        let key = |component_id, source_id| KeyBody {
            programme_id: programme,
            year,
            component_id,
            source_id,
        };
        let date = |month: u32, day: u32| {
            NaiveDate::from_ymd_opt(year, month, day)
                .unwrap_or(today)
                .min(today)
        };
        let decision = |number: &str, month, day| DecisionBody {
            decision_number: format!("{number}/QĐ-UBND"),
            decision_date: date(month, day),
            note: String::new(),
        };
        let allocate = |conn: &mut DbConnection,
                        key: KeyBody,
                        from: Option<UnitId>,
                        to_unit: Option<UnitId>,
                        to_project: Option<i64>,
                        amount: i64,
                        decision: DecisionBody|
         -> anyhow::Result<()> {
            record_allocation(
                conn,
                fund_manager,
                &NewAllocationBody {
                    key,
                    from_unit_id: from,
                    to_unit_id: to_unit,
                    to_project_id: to_project,
                    amount,
                    decision,
                },
            )
            .map(|_| ())
            .map_err(super::api)
        };
        // The envelope from the central budget.
        allocate(
            conn,
            key(infra, investment),
            None,
            Some(province),
            None,
            24_000_000_000,
            decision("35", 1, 10),
        )?;
        allocate(
            conn,
            key(production, recurrent),
            None,
            Some(province),
            None,
            6_000_000_000,
            decision("36", 1, 10),
        )?;
        entries += 2;
        for (i, commune) in communes.iter().enumerate() {
            let step = i64::try_from(i).unwrap_or(0);
            let infra_amount = 3_000_000_000 + step * 250_000_000;
            allocate(
                conn,
                key(infra, investment),
                Some(province),
                Some(commune.id),
                None,
                infra_amount,
                decision("152", 2, 15),
            )?;
            allocate(
                conn,
                key(production, recurrent),
                Some(province),
                Some(commune.id),
                None,
                700_000_000,
                decision("153", 2, 15),
            )?;
            entries += 2;
            let mut project_amount = infra_amount;
            if commune.id == first {
                for village in &villages {
                    allocate(
                        conn,
                        key(infra, investment),
                        Some(first),
                        Some(*village),
                        None,
                        800_000_000,
                        decision("48", 3, 1),
                    )?;
                    project_amount -= 800_000_000;
                    entries += 1;
                }
            }
            let late = this_year && i == 1;
            let project = register_project(
                conn,
                fund_manager,
                &NewProjectBody {
                    unit_id: commune.id,
                    programme_id: programme,
                    component_id: infra,
                    name: format!(
                        "Đường giao thông liên thôn {} năm {year}",
                        commune.name.trim_start_matches("Xã ")
                    ),
                    investor: format!("UBND {}", commune.name),
                    planned_cost: project_amount,
                    start_on: Some(date(3, 15)),
                    end_on: Some(if late {
                        today.pred_opt().unwrap_or(today)
                    } else {
                        date(12, 31)
                    }),
                    status: Some(if this_year {
                        ProjectStatus::InProgress
                    } else {
                        ProjectStatus::Completed
                    }),
                },
            )
            .map_err(super::api)?;
            allocate(
                conn,
                key(infra, investment),
                Some(commune.id),
                None,
                Some(project.id),
                project_amount,
                decision("61", 3, 10),
            )?;
            entries += 1;
            // Last year nearly all spent; this year partly, one commune nothing yet.
            let share = match (this_year, i) {
                (false, _) => 95,
                (true, 2) => 0,
                (true, _) => 30 + 5 * step,
            };
            let paid = project_amount / 100 * share;
            if paid > 0 {
                record_disbursement(
                    conn,
                    fund_manager,
                    &NewDisbursementBody {
                        key: key(infra, investment),
                        unit_id: None,
                        project_id: Some(project.id),
                        amount: paid,
                        reversal: false,
                        paid_on: date(if this_year { 6 } else { 11 }, 30),
                        voucher: format!("KBNN-{year}-{:03}", i + 1),
                        note: String::new(),
                    },
                )
                .map_err(super::api)?;
                entries += 1;
            }
        }
    }
    Ok(entries)
}
