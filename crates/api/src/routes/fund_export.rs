//! The allocation and disbursement report as the `.xlsx` district and
//! provincial offices send upward (the layout of the Programme 135 annual
//! report): national header, title, "Đơn vị tính: triệu đồng", two-row
//! merged headers (plan and disbursement, each as a total and per
//! component), the column-number row, TỔNG CỘNG, one Roman-numeral row per
//! child unit with its own children (villages) numbered under it, the
//! disbursement rate, and the signature block.

use actix_web::{get, web, HttpResponse};
use domain::money::AmountUnit;
use interchange::report::{self, Cell, Column, ColumnKind, Row, RowStyle};
use persistence::funds::{self as store, FundFilter};
use persistence::DbConnection;

use crate::actor::Actor;
use crate::error::{ApiError, ApiResult, Problem};
use crate::routes::funds::{
    component_with_nested, fund_report, report_filter, BeneficiaryCategory, FundReport,
    FundReportQuery, Structure,
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
    cells.push(Cell::Rate(f.rate_bp.and_then(|r| u64::try_from(r).ok())));
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
        cells.push(Cell::Rate(
            total.rate_bp.and_then(|r| u64::try_from(r).ok()),
        ));
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
    let years = if filter.year_from == filter.year_to {
        format!("năm {}", filter.year_from)
    } else {
        format!("giai đoạn {}–{}", filter.year_from, filter.year_to)
    };
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
        place_and_date: report::vietnamese_date_line(
            unit_name
                .trim_start_matches("Tỉnh ")
                .trim_start_matches("Huyện ")
                .trim_start_matches("Xã "),
            as_of,
        ),
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
        chart: None,
        sheet_name: format!("BC {}", filter.year_to),
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
        (status = 422, body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/fund-reports/allocation/export.xlsx")]
pub async fn export_fund_report_allocation(
    state: web::Data<AppState>,
    actor: Actor,
    query: web::Query<FundReportQuery>,
) -> ApiResult<HttpResponse> {
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
