//! Programme 135 allocation reports: preview (units found, components
//! mapped, villages to create) and commit through the fund ledger's own
//! rules — the district receives what the report allocates (from above
//! for whatever it does not already hold), passes it to each commune,
//! each commune to its villages, and the village (or the commune without
//! villages) disburses what the report says it did.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use domain::funds::FundKey;
use interchange::legacy_p135::{self, Level, P135Import};
use persistence::funds as ledger;
use persistence::imports::{self as store, Tagged};
use persistence::units::{self, NewUnit, UnitRow};
use persistence::DbConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::resolve::{self, UnitRef};
use super::{Draft, ImportContext, ImportKind, Issue, Outcome, PreviewBody};
use crate::actor::Actor;
use crate::error::{ApiError, ApiResult};
use crate::routes::funds::{
    record_allocation, record_disbursement, DecisionBody, KeyBody, NewAllocationBody,
    NewDisbursementBody,
};

/// One record of the report as it will be written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub level: String,
    pub code: Option<String>,
    pub commune_code: Option<String>,
    pub name: String,
    pub parent: Option<String>,
    pub planned_dong: i64,
    pub planned_by_component: BTreeMap<String, i64>,
    pub disbursed_dong: i64,
    pub disbursed_by_component: BTreeMap<String, i64>,
    pub note: String,
    /// The commune the record is (or is under).
    pub commune: Option<UnitRef>,
    /// The village, when it exists already.
    pub village: Option<UnitRef>,
    /// A village not yet known, to be created under its commune.
    #[serde(default)]
    pub new_village: bool,
}

/// Where the records go.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub district: UnitRef,
    pub programme_id: i64,
    pub source_id: i64,
    pub year: i32,
    /// The file's component keys → the programme's component ids.
    pub components: BTreeMap<String, i64>,
}

fn by_component(keys: &[&str], amounts: &[i64]) -> BTreeMap<String, i64> {
    keys.iter()
        .map(|k| (*k).to_owned())
        .zip(amounts.iter().copied())
        .collect()
}

/// The programme, source and the file's component keys → component ids.
type Target = (i64, i64, BTreeMap<String, i64>);

/// The programme, source and components the records are written under;
/// issues when the context cannot be settled.
fn plan_key(
    conn: &mut DbConnection,
    import: &P135Import,
    ctx: &ImportContext,
    issues: &mut Vec<Issue>,
) -> ApiResult<Option<Target>> {
    let programme = match ctx.programme_id {
        Some(id) => ledger::get_programme(conn, id).ok(),
        None => ledger::find_programme(conn, "P135")?,
    };
    let Some(programme) = programme else {
        issues.push(Issue::blocking(
            1,
            "unknown_programme",
            "Không có chương trình để ghi số liệu (programme_id) / no programme to record under (programme_id)".into(),
        ));
        return Ok(None);
    };
    let sources = ledger::sources(conn)?;
    let source = match ctx.source_id {
        Some(id) => sources.iter().find(|s| s.id == id),
        None => sources
            .iter()
            .find(|s| s.code == "NSTW_DTPT")
            .or(sources.first()),
    };
    let Some(source) = source else {
        issues.push(Issue::blocking(
            1,
            "unknown_source",
            "Không có nguồn vốn (source_id) / no fund source (source_id)".into(),
        ));
        return Ok(None);
    };
    let components = ledger::components(conn, programme.id)?;
    let mut mapped = BTreeMap::new();
    for c in &import.components {
        let found: Vec<_> = components
            .iter()
            .filter(|pc| legacy_p135::component_key(&pc.name) == c.key)
            .collect();
        match found.as_slice() {
            [one] => {
                mapped.insert(c.key.clone(), one.id);
            }
            _ => issues.push(Issue::blocking(
                1,
                "unknown_component",
                format!(
                    "Cột \"{}\" không ứng với đúng một thành phần của chương trình {} / the column \"{}\" is not exactly one component of {}",
                    c.header, programme.code, c.header, programme.code
                ),
            )),
        }
    }
    if import.components.is_empty() {
        issues.push(Issue::blocking(
            1,
            "no_components",
            "Báo cáo không tách vốn theo thành phần; chưa nhập được / the report does not split amounts by component".into(),
        ));
    }
    Ok(Some((programme.id, source.id, mapped)))
}

/// Finds the commune and village of each record.
fn locate(
    conn: &mut DbConnection,
    district: &UnitRow,
    on: NaiveDate,
    import: &P135Import,
    records: &mut [Record],
    issues: &mut Vec<Issue>,
) -> ApiResult<()> {
    let communes = resolve::children_on(conn, district.id, on)?;
    let mut villages: BTreeMap<i64, Vec<UnitRow>> = BTreeMap::new();
    for (record, row) in records.iter_mut().zip(&import.rows) {
        let commune_name = match row.level {
            Level::Commune => row.name.as_str(),
            Level::Village => row.parent.as_deref().unwrap_or_default(),
        };
        let by_code = match &row.commune_code {
            Some(code) => units::find_by_code(conn, "commune", code, on)?
                .filter(|u| communes.iter().any(|c| c.id == u.id)),
            None => None,
        };
        let commune = match by_code {
            Some(u) => u,
            None => match resolve::unit_on_row(&communes, commune_name, &district.name, row.row) {
                Ok(u) => u.clone(),
                Err(issue) => {
                    issues.push(issue);
                    continue;
                }
            },
        };
        record.commune = Some(UnitRef::from(&commune));
        record.commune_code = commune.code.clone().or(record.commune_code.take());
        if row.level == Level::Village {
            if let std::collections::btree_map::Entry::Vacant(slot) = villages.entry(commune.id) {
                slot.insert(resolve::children_on(conn, commune.id, on)?);
            }
            let known = villages.get(&commune.id).map_or(&[][..], Vec::as_slice);
            match resolve::match_name(known, &row.name) {
                resolve::Match::One(v) => record.village = Some(UnitRef::from(v)),
                resolve::Match::None(_) => {
                    record.new_village = true;
                    issues.push(Issue::warning(
                        row.row,
                        "new_village",
                        format!(
                            "dòng {}: thôn \"{}\" chưa có trong danh mục của {}, sẽ được tạo / row {}: village \"{}\" is not known under {} and will be created",
                            row.row, row.name, commune.name, row.row, row.name, commune.name
                        ),
                    ));
                }
                resolve::Match::Several(found) => issues.push(Issue::blocking(
                    row.row,
                    "ambiguous_unit",
                    format!(
                        "dòng {}: \"{}\" trùng nhiều thôn: {} / row {}: several villages match",
                        row.row,
                        row.name,
                        resolve::candidates(found.into_iter()),
                        row.row
                    ),
                )),
            }
        }
    }
    Ok(())
}

/// Reads the records and settles where they go.
pub fn preview(
    conn: &mut DbConnection,
    import: &P135Import,
    ctx: &ImportContext,
    file_name: String,
    today: NaiveDate,
) -> ApiResult<PreviewBody> {
    let s = legacy_p135::summary(import);
    let summary = json!({
        "records": s.records,
        "communes": s.communes,
        "amount_unit_in_file": import.amount_unit.label(),
        "total_planned_dong": s.total_planned_dong,
        "total_disbursed_dong": s.total_disbursed_dong,
        "total_row_reconciles": s.total_row_reconciles,
        "by_component_planned_dong": s.by_component_planned_dong,
    });
    let keys: Vec<&str> = import.components.iter().map(|c| c.key.as_str()).collect();
    let mut records: Vec<Record> = import
        .rows
        .iter()
        .map(|r| Record {
            level: match r.level {
                Level::Commune => "commune",
                Level::Village => "village",
            }
            .to_owned(),
            code: r.code.clone(),
            commune_code: r.commune_code.clone(),
            name: r.name.clone(),
            parent: r.parent.clone(),
            planned_dong: r.planned_dong,
            planned_by_component: by_component(&keys, &r.planned_by_component),
            disbursed_dong: r.disbursed_dong,
            disbursed_by_component: by_component(&keys, &r.disbursed_by_component),
            note: r.note.clone(),
            commune: None,
            village: None,
            new_village: false,
        })
        .collect();
    let mut issues: Vec<Issue> = import.problems.iter().map(Issue::from_read).collect();
    for (row, r) in import.rows.iter().zip(&records) {
        for (key, disbursed) in &r.disbursed_by_component {
            let planned = r.planned_by_component.get(key).copied().unwrap_or(0);
            if *disbursed > planned {
                issues.push(Issue::blocking(
                    row.row,
                    "overdisbursed",
                    format!(
                        "\"{}\": giải ngân {disbursed} đồng vượt kế hoạch {planned} đồng ({key}); sổ vốn không cho chi quá số được giao / disbursed more than planned",
                        r.name
                    ),
                ));
            }
        }
    }
    let on = resolve::structure_date(import.year, today);
    let district = resolve::report_unit(
        conn,
        ctx.org_unit_id,
        import.issuer.as_deref(),
        &["district"],
        on,
    )?;
    let key = plan_key(conn, import, ctx, &mut issues)?;
    let mut unit = None;
    let mut plan = None;
    match district {
        Ok(district) => {
            locate(conn, &district, on, import, &mut records, &mut issues)?;
            unit = Some(UnitRef::from(&district));
            if let (Some((programme_id, source_id, components)), Some(year)) = (key, import.year) {
                plan = Some(Plan {
                    district: UnitRef::from(&district),
                    programme_id,
                    source_id,
                    year,
                    components,
                });
            }
        }
        Err(issue) => issues.push(issue),
    }
    if import.year.is_none() {
        issues.push(Issue::blocking(
            1,
            "missing_year",
            "Tiêu đề không ghi năm / the title states no year".into(),
        ));
    }
    Draft {
        kind: ImportKind::P135AllocationReport,
        file_name,
        head: (import.sheet.clone(), import.year, import.issuer.clone()),
        summary,
        records: import.rows.iter().map(|r| r.row).zip(&records).collect(),
        issues,
        unit,
        plan,
    }
    .assemble()
}

/// One entry the commit writes.
enum Entry {
    Allocation {
        from: Option<i64>,
        to: i64,
        amount: i64,
        row: usize,
    },
    Disbursement {
        unit: i64,
        amount: i64,
        row: usize,
    },
}

/// Writes the previewed records; entries an earlier import already wrote
/// with the same amount are left as they are.
pub fn commit(
    conn: &mut DbConnection,
    actor: &Actor,
    import_id: i64,
    preview: &PreviewBody,
    progress: &dyn Fn(usize, usize),
) -> ApiResult<Outcome> {
    let plan: Plan = preview.plan_as()?;
    let mut outcome = Outcome::default();
    // Each record with its commune; villages first (every component's
    // entries need them).
    let mut rows: Vec<(usize, i64, Record)> = Vec::new();
    let mut village_ids: BTreeMap<usize, i64> = BTreeMap::new();
    for r in &preview.rows {
        let record: Record =
            serde_json::from_value(r.values.clone()).map_err(ApiError::internal)?;
        let Some(commune) = record.commune.as_ref().map(|c| c.id) else {
            return Err(ApiError::internal("a previewed record without its commune"));
        };
        if let Some(v) = &record.village {
            village_ids.insert(r.row, v.id);
        } else if record.new_village {
            let id = create_village(conn, actor, import_id, commune, &record.name)?;
            village_ids.insert(r.row, id);
            outcome.created("units", 1);
        }
        rows.push((r.row, commune, record));
    }
    let date = NaiveDate::from_ymd_opt(plan.year, 12, 31)
        .ok_or_else(|| ApiError::internal("year out of range"))?;
    let total = plan.components.len();
    for (done, (component, component_id)) in plan.components.iter().enumerate() {
        progress(done, total);
        let key = FundKey {
            programme_id: plan.programme_id,
            year: plan.year,
            component_id: *component_id,
            source_id: plan.source_id,
        };
        let mut to_communes: BTreeMap<i64, (i64, usize)> = BTreeMap::new();
        let mut entries = Vec::new();
        for &(row, commune, ref record) in &rows {
            let planned = record
                .planned_by_component
                .get(component)
                .copied()
                .unwrap_or(0);
            let disbursed = record
                .disbursed_by_component
                .get(component)
                .copied()
                .unwrap_or(0);
            let sum = to_communes.entry(commune).or_insert((0, row));
            sum.0 += planned;
            let spender = match village_ids.get(&row) {
                Some(&village) => {
                    entries.push(Entry::Allocation {
                        from: Some(commune),
                        to: village,
                        amount: planned,
                        row,
                    });
                    village
                }
                None => commune,
            };
            entries.push(Entry::Disbursement {
                unit: spender,
                amount: disbursed,
                row,
            });
        }
        let mut ordered: Vec<Entry> = to_communes
            .iter()
            .map(|(&commune, &(amount, row))| Entry::Allocation {
                from: Some(plan.district.id),
                to: commune,
                amount,
                row,
            })
            .collect();
        ordered.extend(entries);
        write_entries(
            conn,
            actor,
            import_id,
            key,
            &plan,
            date,
            &preview.file_name,
            ordered,
            &mut outcome,
        )?;
    }
    Ok(outcome)
}

fn create_village(
    conn: &mut DbConnection,
    actor: &Actor,
    import_id: i64,
    commune_id: i64,
    name: &str,
) -> ApiResult<i64> {
    actor.authorize_unit_with_heirs(conn, domain::access::Action::ManageFunds, commune_id)?;
    let commune = units::get(conn, commune_id)?;
    let (prefix, short) = domain::text::split_unit_prefix(name);
    let row = units::insert(
        conn,
        &NewUnit {
            code: None,
            name: domain::text::canonical(name),
            short_name: domain::text::canonical(short),
            kind: "village".into(),
            unit_type: prefix.map_or("thôn".to_owned(), |p| p.label().to_lowercase()),
            parent_id: Some(commune_id),
            valid_from: commune.valid_from,
            valid_to: commune.valid_to,
            alt_names: String::new(),
        },
    )?;
    store::tag(conn, Tagged::Unit, row.id, Some(import_id))?;
    persistence::audit::append(
        conn,
        actor.audit(
            "unit.create",
            "org_unit",
            row.id,
            None,
            Some(json!({"name": row.name, "parent_id": commune_id, "import_id": import_id})),
        ),
    )?;
    Ok(row.id)
}

fn already(row: usize, earlier: store::Imported, amount: i64) -> ApiError {
    ApiError::with_detail(
        crate::error::ErrorCode::Conflict,
        format!(
            "dòng {row}: số liệu này đã được nhập (lần nhập #{}) với số tiền {} đồng khác {amount} đồng; hãy hủy lần nhập đó trước / row {row}: already imported by import #{} with a different amount; roll it back first",
            earlier.import_id, earlier.amount, earlier.import_id
        ),
    )
}

#[allow(clippy::too_many_arguments)]
fn write_entries(
    conn: &mut DbConnection,
    actor: &Actor,
    import_id: i64,
    key: FundKey,
    plan: &Plan,
    date: NaiveDate,
    file_name: &str,
    entries: Vec<Entry>,
    outcome: &mut Outcome,
) -> ApiResult<()> {
    let key_body = KeyBody {
        programme_id: key.programme_id,
        year: key.year,
        component_id: key.component_id,
        source_id: key.source_id,
    };
    let decision = |row: usize| DecisionBody {
        decision_number: format!("Báo cáo năm {}", key.year),
        decision_date: date,
        note: format!("Nhập từ {file_name}, dòng {row}"),
    };
    // What is new, after the natural-key check.
    let mut todo = Vec::new();
    for e in entries {
        match e {
            Entry::Allocation { amount: 0, .. } | Entry::Disbursement { amount: 0, .. } => {}
            Entry::Allocation {
                from,
                to,
                amount,
                row,
            } => match store::imported_allocation(conn, key, from, to)? {
                Some(x) if x.amount == amount => outcome.unchanged("allocations", 1),
                Some(x) => return Err(already(row, x, amount)),
                None => todo.push(e),
            },
            Entry::Disbursement { unit, amount, row } => {
                match store::imported_disbursement(conn, key, unit)? {
                    Some(x) if x.amount == amount => outcome.unchanged("disbursements", 1),
                    Some(x) => return Err(already(row, x, amount)),
                    None => todo.push(e),
                }
            }
        }
    }
    // The district passes down what it holds; what the report allocates
    // beyond that came from above.
    let needed: i64 = todo
        .iter()
        .map(|e| match e {
            Entry::Allocation {
                from: Some(f),
                amount,
                ..
            } if *f == plan.district.id => *amount,
            _ => 0,
        })
        .sum();
    let held = ledger::balance(conn, ledger::Holder::Unit(plan.district.id), key)?
        .available()
        .unwrap_or(0)
        .max(0);
    if needed > held {
        todo.insert(
            0,
            Entry::Allocation {
                from: None,
                to: plan.district.id,
                amount: needed - held,
                row: 1,
            },
        );
    }
    let mut touched = BTreeSet::new();
    for e in todo {
        match e {
            Entry::Allocation {
                from,
                to,
                amount,
                row,
            } => {
                let a = record_allocation(
                    conn,
                    actor,
                    &NewAllocationBody {
                        key: key_body,
                        from_unit_id: from,
                        to_unit_id: Some(to),
                        to_project_id: None,
                        amount,
                        decision: decision(row),
                    },
                )
                .map_err(|e| at_row(row, e))?;
                store::tag(conn, Tagged::Allocation, a.id, Some(import_id))?;
                outcome.created("allocations", 1);
                touched.insert(to);
            }
            Entry::Disbursement { unit, amount, row } => {
                let d = record_disbursement(
                    conn,
                    actor,
                    &NewDisbursementBody {
                        key: key_body,
                        unit_id: Some(unit),
                        project_id: None,
                        amount,
                        reversal: false,
                        paid_on: date,
                        voucher: format!("Báo cáo năm {}", key.year),
                        note: format!("Nhập từ {file_name}, dòng {row}"),
                    },
                )
                .map_err(|e| at_row(row, e))?;
                store::tag(conn, Tagged::Disbursement, d.id, Some(import_id))?;
                outcome.created("disbursements", 1);
            }
        }
    }
    Ok(())
}

/// A workflow refusal on a row: the row named in the detail.
fn at_row(row: usize, e: ApiError) -> ApiError {
    e.prefixed(&format!("dòng {row} / row {row}: "))
}

/// Whether nothing later rests on what the import wrote: no adjustments of
/// its allocations, and once removed no holder it touched is overdrawn.
pub fn rollback(conn: &mut DbConnection, import_id: i64) -> ApiResult<Vec<String>> {
    let mut blockers = store::fund_dependents(conn, import_id)?;
    let mut holders: BTreeSet<(i64, FundKey)> = BTreeSet::new();
    for id in store::tagged(conn, Tagged::Allocation, import_id)? {
        let a = ledger::get_allocation(conn, id)?;
        let key = a.key();
        holders.extend(a.from_unit_id.map(|u| (u, key)));
        holders.extend(a.to_unit_id.map(|u| (u, key)));
    }
    store::remove_fund_entries(conn, import_id)?;
    for (unit, key) in holders {
        let balance = ledger::balance(conn, ledger::Holder::Unit(unit), key)?;
        if balance.available().map_or(true, |a| a < 0) {
            blockers.push(format!(
                "đơn vị #{unit} đã phân bổ hoặc giải ngân tiếp số vốn này (năm {}) / unit #{unit} passed on or spent this money since",
                key.year
            ));
        }
    }
    Ok(blockers)
}
