//! The fund reports as the `.xlsx` district and provincial offices send
//! upward, both in the official layout of [`interchange::report`]
//! (national header, title, "Đơn vị tính: triệu đồng", two-row merged
//! headers, the column-number row, TỔNG CỘNG, Roman-numeral groups, the
//! signature block):
//!
//! * the allocation report (the layout of the Programme 135 annual
//!   report): plan and disbursement, each as a total and per component,
//!   one Roman-numeral row per child unit with its own children (villages)
//!   numbered under it, the disbursement rate; a chart of the rate per
//!   child unit;
//! * the disbursement report: one Roman-numeral row per unit holding
//!   projects, its projects numbered under it with their period, money
//!   allocated, disbursed and remaining, the rate and the status; a chart
//!   of the rate per project.

use actix_web::{get, web, HttpResponse};
use domain::funds as rules;
use domain::money::AmountUnit;
use interchange::report::{self, Cell, ChartSpec, Column, ColumnKind, Row, RowStyle};
use persistence::funds::{self as store, FundFilter};
use persistence::DbConnection;

use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, Problem};
use crate::routes::funds::{
    component_with_nested, disbursement_report, fund_report, report_filter, BeneficiaryCategory,
    FundReport, FundReportQuery, ProjectFunds, Structure,
};
use crate::routes::task_stats::{xlsx_response, XlsxFile};
use crate::routes::tasks::today;
use crate::state::AppState;

/// A top-level component and the report of each unit for it.
struct Part {
    label: String,
    ids: Vec<i64>,
}

/// One unit's figures: in total and per part.
struct Figures {
    name: String,
    code: Option<String>,
    allocated: Vec<i64>,
    disbursed: Vec<i64>,
    rate_bp: Option<i64>,
}

fn figures_of(
    reports: &[FundReport],
    pick: impl Fn(&FundReport) -> Option<&crate::routes::funds::FundReportRow>,
) -> Option<Figures> {
    let rows: Vec<_> = reports.iter().map(&pick).collect();
    let total = rows.first().copied().flatten()?;
    let amount = |f: fn(&crate::routes::funds::FundReportRow) -> i64| -> Vec<i64> {
        rows.iter().map(|r| r.map(f).unwrap_or(0)).collect()
    };
    Some(Figures {
        name: total.unit_name.clone(),
        code: None,
        allocated: amount(|r| r.allocated),
        disbursed: amount(|r| r.disbursed),
        rate_bp: total.disbursement_rate_bp,
    })
}

/// The reports of `unit` overall (first) and for each part.
fn reports_for(
    conn: &mut DbConnection,
    unit: i64,
    filter: &FundFilter,
    parts: &[Part],
    structure: Structure,
) -> ApiResult<Vec<FundReport>> {
    let mut out = vec![fund_report(conn, unit, filter, structure)?];
    for part in parts {
        let scoped = FundFilter {
            component_ids: Some(match &filter.component_ids {
                Some(ids) => part
                    .ids
                    .iter()
                    .copied()
                    .filter(|i| ids.contains(i))
                    .collect(),
                None => part.ids.clone(),
            }),
            ..filter.clone()
        };
        out.push(fund_report(conn, unit, &scoped, structure)?);
    }
    Ok(out)
}

fn money_cells(f: &Figures) -> Vec<Cell> {
    f.allocated
        .iter()
        .chain(&f.disbursed)
        .map(|a| Cell::Money(*a))
        .collect()
}

fn row(style: RowStyle, number: String, f: &Figures, note: &str) -> Row {
    let mut cells = vec![
        Cell::Text(number),
        Cell::Text(f.name.clone()),
        f.code.clone().map_or(Cell::Empty, Cell::Text),
    ];
    cells.extend(money_cells(f));
    cells.push(rate_cell(f.rate_bp));
    cells.push(if note.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(note.into())
    });
    Row::new(style, cells)
}

/// Builds the workbook for the query's unit.
pub fn fund_report_xlsx(
    conn: &mut DbConnection,
    actor: &Actor,
    q: &FundReportQuery,
) -> ApiResult<Vec<u8>> {
    let filter = report_filter(conn, actor, q)?;
    let programme = store::get_programme(conn, q.programme_id)?;
    let components = store::components(conn, q.programme_id)?;
    let all_parts: Vec<Part> = components
        .iter()
        .filter(|c| c.parent_id.is_none())
        .map(|c| Part {
            label: short_label(&c.name),
            ids: component_with_nested(&components, c.id),
        })
        .collect();
    // Only the components with money in the period get columns.
    let mut probe =
        reports_for(conn, q.unit_id, &filter, &all_parts, q.as_of_structure)?.into_iter();
    let mut top = Vec::new();
    top.extend(probe.next());
    let mut parts = Vec::new();
    for (part, report) in all_parts.into_iter().zip(probe) {
        if report.total.allocated != 0 || report.total.disbursed != 0 {
            parts.push(part);
            top.push(report);
        }
    }
    let total =
        figures_of(&top, |r| Some(&r.total)).ok_or_else(|| ApiError::internal("empty report"))?;
    let mut rows = vec![Row::new(RowStyle::Total, {
        let mut cells = vec![Cell::Empty, Cell::Empty, Cell::Empty];
        cells.extend(money_cells(&total));
        cells.push(rate_cell(total.rate_bp));
        cells.push(Cell::Empty);
        cells
    })];
    let root_kind = persistence::units::get(conn, q.unit_id)?.kind;
    // The note column says why a unit is covered (its beneficiary listing).
    let listed = store::beneficiaries(conn, q.programme_id, filter.year_to, Some(&[q.unit_id]))?;
    let note = |unit: i64| -> &'static str {
        listed
            .iter()
            .find(|b| b.unit_id == unit)
            .and_then(|b| BeneficiaryCategory::parse(&b.category))
            .map_or("", BeneficiaryCategory::label_vi)
    };
    let own = figures_of(&top, |r| Some(&r.own));
    if let Some(own) = own.filter(|o| o.allocated[0] != 0 || o.disbursed[0] != 0) {
        rows.push(row(
            RowStyle::Detail,
            String::new(),
            &own,
            "Đơn vị trực tiếp quản lý",
        ));
    }
    let children: Vec<(i64, String)> = top[0]
        .rows
        .iter()
        .map(|r| (r.unit_id, r.unit_name.clone()))
        .collect();
    for (i, (child, _)) in children.iter().enumerate() {
        let Some(mut figures) = figures_of(&top, |r| r.rows.iter().find(|x| x.unit_id == *child))
        else {
            continue;
        };
        figures.code = persistence::units::get(conn, *child)?.code;
        rows.push(row(
            RowStyle::Group,
            report::roman(u32::try_from(i + 1).unwrap_or(0)),
            &figures,
            note(*child),
        ));
        let below = reports_for(conn, *child, &filter, &parts, q.as_of_structure)?;
        for (j, grand) in below[0].rows.iter().enumerate() {
            if let Some(f) = figures_of(&below, |r| {
                r.rows.iter().find(|x| x.unit_id == grand.unit_id)
            }) {
                rows.push(row(
                    RowStyle::Detail,
                    (j + 1).to_string(),
                    &f,
                    note(grand.unit_id),
                ));
            }
        }
    }
    let years = years_label(filter.year_from, filter.year_to);
    let as_of = today();
    let money = |header: String, group: String| Column {
        header,
        group: Some(group),
        width: 13.0,
        kind: ColumnKind::Money,
    };
    let plan_group = format!("Kế hoạch vốn {years}");
    let paid_group = format!("Giải ngân đến {}", as_of.format("%d/%m/%Y"));
    let mut columns = vec![
        Column {
            header: "STT".into(),
            group: None,
            width: 6.0,
            kind: ColumnKind::Text,
        },
        Column {
            header: "Tên đơn vị".into(),
            group: None,
            width: 30.0,
            kind: ColumnKind::Text,
        },
        Column {
            header: "Mã đơn vị".into(),
            group: None,
            width: 9.0,
            kind: ColumnKind::Text,
        },
    ];
    for group in [&plan_group, &paid_group] {
        columns.push(money("Tổng số".into(), group.clone()));
        for part in &parts {
            columns.push(money(part.label.clone(), group.clone()));
        }
    }
    let rate_column = columns.len();
    columns.push(Column {
        header: "Tỷ lệ giải ngân (%)".into(),
        group: None,
        width: 11.0,
        kind: ColumnKind::Rate,
    });
    columns.push(Column {
        header: "Ghi chú".into(),
        group: None,
        width: 14.0,
        kind: ColumnKind::Text,
    });
    let unit_name = top[0].unit_name.clone();
    let body = report::Report {
        issuing_body: format!("UBND {unit_name}").to_uppercase(),
        issuing_office: None,
        place_and_date: report::vietnamese_date_line(place_of(&unit_name), as_of),
        title: format!(
            "BÁO CÁO KẾT QUẢ PHÂN BỔ VÀ GIẢI NGÂN VỐN {} {}",
            programme.code,
            years.to_uppercase()
        ),
        subtitle: Some(format!("{} ({})", programme.name, scope_label(&root_kind))),
        amount_unit: Some(AmountUnit::TrieuDong),
        columns,
        rows,
        signer_title: "THỦ TRƯỞNG ĐƠN VỊ".into(),
        signer_name: String::new(),
        recipients: vec!["Như trên".into(), "Lưu: VT".into()],
        // The child units are the Roman-numeral rows.
        chart: Some(ChartSpec {
            title: "Tỷ lệ giải ngân theo đơn vị (%)".into(),
            category_column: 1,
            value_column: rate_column,
            plotted: RowStyle::Group,
        }),
        sheet_name: format!("BC {}", filter.year_to),
    };
    report::write_xlsx(&body).map_err(ApiError::internal)
}

/// `"năm 2026"` or `"giai đoạn 2026–2030"`.
fn years_label(from: i32, to: i32) -> String {
    if from == to {
        format!("năm {from}")
    } else {
        format!("giai đoạn {from}–{to}")
    }
}

/// The place in the date line: the unit's name without its kind.
fn place_of(unit_name: &str) -> &str {
    unit_name
        .trim_start_matches("Tỉnh ")
        .trim_start_matches("Huyện ")
        .trim_start_matches("Xã ")
}

/// A rate cell from the API's basis points.
fn rate_cell(rate_bp: Option<i64>) -> Cell {
    Cell::Rate(rate_bp.and_then(|r| u64::try_from(r).ok()))
}

/// Allocated, disbursed, remaining and rate of a sum of projects.
fn money_and_rate(allocated: i64, disbursed: i64) -> [Cell; 4] {
    [
        Cell::Money(allocated),
        Cell::Money(disbursed),
        Cell::Money(rules::remaining(allocated, disbursed)),
        rate_cell(rules::disbursement_rate(disbursed, allocated).map(|r| r.0)),
    ]
}

/// Builds the disbursement workbook for the query's unit: the figures of
/// [`disbursement_report`], the projects grouped by the unit holding them
/// (units in alphabetical order, projects in the report's order).
pub fn disbursement_report_xlsx(
    conn: &mut DbConnection,
    actor: &Actor,
    q: &FundReportQuery,
) -> ApiResult<Vec<u8>> {
    let report = disbursement_report(conn, actor, q)?;
    let programme = store::get_programme(conn, q.programme_id)?;
    let root = persistence::units::get(conn, q.unit_id)?;
    let holders: Vec<i64> = report.projects.iter().map(|p| p.project.unit_id).collect();
    let names = persistence::units::names(conn, &holders)?;
    let mut groups: Vec<(String, i64)> = Vec::new();
    for unit in holders {
        if !groups.iter().any(|(_, u)| *u == unit) {
            groups.push((names.get(&unit).cloned().unwrap_or_default(), unit));
        }
    }
    groups.sort_by_cached_key(|(name, unit)| (domain::text::fold(name), *unit));

    let lead = |first: Cell, name: &str| vec![first, Cell::Text(name.to_owned()), Cell::Empty];
    let mut total = vec![Cell::Empty; 5];
    total.extend(money_and_rate(report.allocated, report.disbursed));
    total.push(Cell::Empty);
    let mut rows = vec![Row::new(RowStyle::Total, total)];
    for (g, (name, unit)) in groups.iter().enumerate() {
        let projects: Vec<&ProjectFunds> = report
            .projects
            .iter()
            .filter(|p| p.project.unit_id == *unit)
            .collect();
        let (allocated, disbursed) = projects.iter().fold((0_i64, 0_i64), |(a, d), p| {
            (a.saturating_add(p.allocated), d.saturating_add(p.disbursed))
        });
        let mut cells = lead(
            Cell::Text(report::roman(u32::try_from(g + 1).unwrap_or(u32::MAX))),
            name,
        );
        cells.extend([Cell::Empty, Cell::Empty]);
        cells.extend(money_and_rate(allocated, disbursed));
        cells.push(Cell::Empty);
        rows.push(Row::new(RowStyle::Group, cells));
        for (i, p) in projects.iter().enumerate() {
            let mut cells = lead(Cell::Text((i + 1).to_string()), &p.project.name);
            cells[2] = Cell::Text(p.project.investor.clone());
            cells.push(p.project.start_on.map_or(Cell::Empty, Cell::Date));
            cells.push(p.project.end_on.map_or(Cell::Empty, Cell::Date));
            cells.extend([
                Cell::Money(p.allocated),
                Cell::Money(p.disbursed),
                Cell::Money(p.remaining),
                rate_cell(p.disbursement_rate_bp),
            ]);
            cells.push(Cell::Text(p.project.status.label_vi().into()));
            rows.push(Row::detail(cells));
        }
    }

    let years = years_label(report.year_from, report.year_to);
    let column = |header: &str, group: Option<&str>, width: f64, kind: ColumnKind| Column {
        header: header.into(),
        group: group.map(Into::into),
        width,
        kind,
    };
    let period = Some("Thời gian thực hiện");
    let money_group = format!("Vốn {years}");
    let money = Some(money_group.as_str());
    let columns = vec![
        column("STT", None, 6.0, ColumnKind::Text),
        column("Tên dự án", None, 34.0, ColumnKind::Text),
        column("Chủ đầu tư", None, 18.0, ColumnKind::Text),
        column("Khởi công", period, 12.0, ColumnKind::Date),
        column("Hoàn thành", period, 12.0, ColumnKind::Date),
        column("Được phân bổ", money, 13.0, ColumnKind::Money),
        column("Đã giải ngân", money, 13.0, ColumnKind::Money),
        column("Chưa giải ngân", money, 13.0, ColumnKind::Money),
        column("Tỷ lệ giải ngân (%)", None, 11.0, ColumnKind::Rate),
        column("Tình trạng", None, 14.0, ColumnKind::Text),
    ];
    let body = report::Report {
        issuing_body: format!("UBND {}", root.name).to_uppercase(),
        issuing_office: None,
        place_and_date: report::vietnamese_date_line(place_of(&root.name), today()),
        title: format!(
            "BÁO CÁO TÌNH HÌNH GIẢI NGÂN VỐN {} THEO DỰ ÁN {}",
            programme.code,
            years.to_uppercase()
        ),
        subtitle: Some(format!("{} ({})", programme.name, root.name)),
        amount_unit: Some(AmountUnit::TrieuDong),
        columns,
        rows,
        signer_title: "THỦ TRƯỞNG ĐƠN VỊ".into(),
        signer_name: String::new(),
        recipients: vec!["Như trên".into(), "Lưu: VT".into()],
        chart: Some(ChartSpec {
            title: "Tỷ lệ giải ngân theo dự án (%)".into(),
            category_column: 1,
            value_column: 8,
            plotted: RowStyle::Detail,
        }),
        sheet_name: format!("Giải ngân {}", report.year_to),
    };
    report::write_xlsx(&body).map_err(ApiError::internal)
}

/// A column header from a component's name: without the "Tiểu dự án 1:"
/// prefix and up to the first comma.
fn short_label(name: &str) -> String {
    let tail = name.split_once(": ").map_or(name, |(_, t)| t);
    tail.split(',').next().unwrap_or(tail).trim().to_owned()
}

fn scope_label(kind: &str) -> &'static str {
    match kind {
        "province" => "số liệu toàn tỉnh",
        "district" => "số liệu toàn huyện",
        _ => "số liệu của đơn vị và cấp dưới",
    }
}

/// The allocation report as an `.xlsx` in the official layout, amounts in
/// triệu đồng converted exactly (same parameters as
/// `/fund-reports/allocation`).
#[utoipa::path(
    operation_id = "export_fund_report_allocation",
    tag = "funds",
    security(("bearer" = [])),
    params(FundReportQuery),
    responses(
        (status = 200, description = "The report", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/fund-reports/allocation/export.xlsx")]
pub async fn export_fund_report_allocation(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<FundReportQuery>,
) -> ApiResult<HttpResponse> {
    state.reports.check(&actor)?;
    let q = query.into_inner();
    let year = q.year_to.unwrap_or(q.year_from);
    let bytes = state
        .db
        .run(move |conn| fund_report_xlsx(conn, &actor, &q))
        .await?;
    Ok(xlsx_response(
        bytes,
        &format!("phan-bo-giai-ngan-{year}.xlsx"),
    ))
}

/// The disbursement report as an `.xlsx` in the official layout: the
/// projects grouped by the unit holding them, amounts in triệu đồng
/// converted exactly, a chart of the rate per project (same parameters
/// and scope as `/fund-reports/disbursement`).
#[utoipa::path(
    operation_id = "export_fund_report_disbursement",
    tag = "funds",
    security(("bearer" = [])),
    params(FundReportQuery),
    responses(
        (status = 200, description = "The report", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many reports; retry after `Retry-After` seconds", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/fund-reports/disbursement/export.xlsx")]
pub async fn export_fund_report_disbursement(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<FundReportQuery>,
) -> ApiResult<HttpResponse> {
    state.reports.check(&actor)?;
    let q = query.into_inner();
    let year = q.year_to.unwrap_or(q.year_from);
    let bytes = state
        .db
        .run(move |conn| disbursement_report_xlsx(conn, &actor, &q))
        .await?;
    Ok(xlsx_response(
        bytes,
        &format!("giai-ngan-du-an-{year}.xlsx"),
    ))
}
