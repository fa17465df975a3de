//! The export benchmark's input, shared by the `interchange` bench and the
//! `bench_files` example (each includes this file with `#[path]`): a
//! disbursement report (`report::Report`) with any number of detail rows,
//! the values `report::write_xlsx` writes for it, cell by cell, and the
//! plain writers the report is compared with.

// Bench input, not library code: a failed setup may panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use domain::money::AmountUnit;
use interchange::report::{self, Cell, Column, ColumnKind, Report, Row, RowStyle};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook};

/// Detail rows under each group row.
const ROWS_PER_GROUP: usize = 10;

fn column(header: &str, group: Option<&str>, width: f64, kind: ColumnKind) -> Column {
    Column {
        header: header.to_owned(),
        group: group.map(str::to_owned),
        width,
        kind,
    }
}

/// A disbursement report: `rows` detail rows (STT, name, four money
/// columns, a rate, a date, a note) under a group row every
/// [`ROWS_PER_GROUP`] rows (a Roman numeral, a commune, its subtotals), and
/// a total row.
pub fn export_report(rows: usize) -> Report {
    let planned = Some("Kế hoạch vốn năm 2026");
    let disbursed = Some("Giải ngân đến 31/12/2026");
    let columns = vec![
        column("STT", None, 6.0, ColumnKind::Integer),
        column("Tên xã, thôn", None, 28.0, ColumnKind::Text),
        column("Tổng số", planned, 14.0, ColumnKind::Money),
        column("Hỗ trợ đầu tư CSHT", planned, 14.0, ColumnKind::Money),
        column("Tổng số", disbursed, 14.0, ColumnKind::Money),
        column("Hỗ trợ đầu tư CSHT", disbursed, 14.0, ColumnKind::Money),
        column("Tỷ lệ giải ngân", None, 10.0, ColumnKind::Rate),
        column("Ngày giải ngân gần nhất", None, 12.0, ColumnKind::Date),
        column("Ghi chú", None, 16.0, ColumnKind::Text),
    ];
    let first_day = NaiveDate::from_ymd_opt(2026, 1, 5).expect("a date");
    let mut out = Vec::with_capacity(rows + rows / ROWS_PER_GROUP + 2);
    let mut grand = [0i64; 4];
    for g in 0..rows.div_ceil(ROWS_PER_GROUP) {
        let details: Vec<Row> = (g * ROWS_PER_GROUP..rows.min((g + 1) * ROWS_PER_GROUP))
            .map(|i| {
                let k = i64::try_from(i).expect("fits");
                let planned = 1_000_000_000 + (k * 7_919_000) % 2_000_000_000;
                let csht = planned / 5 * 3 / 1000 * 1000;
                let disbursed = planned / 100 * (60 + k % 40);
                let disbursed_csht = csht / 100 * (60 + k % 40);
                let bp = u64::try_from(disbursed * 10_000 / planned).expect("positive");
                let day = first_day + chrono::Days::new(u64::try_from(k % 350).expect("positive"));
                let note = if i.is_multiple_of(3) {
                    "Thôn ĐBKK"
                } else {
                    ""
                };
                Row::detail(vec![
                    Cell::Int(k % ROWS_PER_GROUP as i64 + 1),
                    Cell::Text(format!("Thôn Bản Mòn {}", i + 1)),
                    Cell::Money(planned),
                    Cell::Money(csht),
                    Cell::Money(disbursed),
                    Cell::Money(disbursed_csht),
                    Cell::Rate(Some(bp)),
                    Cell::Date(day),
                    if note.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(note.to_owned())
                    },
                ])
            })
            .collect();
        let mut sums = [0i64; 4];
        for row in &details {
            for (s, cell) in sums.iter_mut().zip(&row.cells[2..6]) {
                if let Cell::Money(v) = cell {
                    *s += v;
                }
            }
        }
        for (t, s) in grand.iter_mut().zip(sums) {
            *t += s;
        }
        out.push(Row::new(
            RowStyle::Group,
            vec![
                Cell::Text(report::roman(u32::try_from(g + 1).expect("fits"))),
                Cell::Text(format!("Xã Mỹ Lung {}", g + 1)),
                Cell::Money(sums[0]),
                Cell::Money(sums[1]),
                Cell::Money(sums[2]),
                Cell::Money(sums[3]),
                Cell::Rate(Some(u64::try_from(sums[2] * 10_000 / sums[0]).expect("+"))),
                Cell::Empty,
                Cell::Empty,
            ],
        ));
        out.extend(details);
    }
    out.push(Row::new(
        RowStyle::Total,
        vec![
            Cell::Empty,
            Cell::Empty,
            Cell::Money(grand[0]),
            Cell::Money(grand[1]),
            Cell::Money(grand[2]),
            Cell::Money(grand[3]),
            Cell::Rate(Some(
                u64::try_from(grand[2] * 10_000 / grand[0].max(1)).expect("+"),
            )),
            Cell::Empty,
            Cell::Empty,
        ],
    ));
    Report {
        issuing_body: "UBND huyện Yên Lập".to_owned(),
        issuing_office: Some("Phòng Dân tộc".to_owned()),
        place_and_date: report::vietnamese_date_line(
            "Yên Lập",
            NaiveDate::from_ymd_opt(2026, 12, 31).expect("a date"),
        ),
        title: "BÁO CÁO KẾT QUẢ GIẢI NGÂN VỐN CHƯƠNG TRÌNH 135 NĂM 2026".to_owned(),
        subtitle: Some("(Số liệu đến ngày 31/12/2026)".to_owned()),
        amount_unit: Some(AmountUnit::TrieuDong),
        columns,
        rows: out,
        signer_title: "KT. TRƯỞNG PHÒNG\nPHÓ TRƯỞNG PHÒNG".to_owned(),
        signer_name: "Hoàng Văn Thắng".to_owned(),
        recipients: vec!["UBND huyện".to_owned(), "Lưu: VT".to_owned()],
        chart: None,
        sheet_name: "Giải ngân 2026".to_owned(),
    }
}

/// A cell value as the plain writer writes it.
pub enum Plain {
    /// Text, written as a shared string.
    Text(String),
    /// A number (money in the report's unit, a rate as a fraction).
    Number(f64),
    /// A date.
    Date(ExcelDateTime),
}

/// The values `write_xlsx` writes for `report`, row by row at the same
/// positions, computed once before timing: the header block's and the
/// signature's texts, the column headers and numbers, and every table
/// cell (money in the report's unit, rates as fractions, dates as dates).
/// Blank cells are left out.
pub fn plain_cells(report: &Report) -> Vec<(u32, Vec<(u16, Plain)>)> {
    let text = |s: &str| Plain::Text(s.to_owned());
    let n = report.columns.len();
    let right = u16::try_from(n / 2).expect("fits");
    let mut rows: Vec<(u32, Vec<(u16, Plain)>)> = vec![
        (
            0,
            vec![
                (0, Plain::Text(report.issuing_body.to_uppercase())),
                (right, text(report::NATIONAL_NAME)),
            ],
        ),
        (
            1,
            vec![
                (
                    0,
                    Plain::Text(
                        report
                            .issuing_office
                            .clone()
                            .unwrap_or_default()
                            .to_uppercase(),
                    ),
                ),
                (right, text(report::NATIONAL_MOTTO)),
            ],
        ),
        (3, vec![(right, text(&report.place_and_date))]),
        (5, vec![(0, text(&report.title))]),
        (6, vec![(0, text(report.subtitle.as_deref().unwrap_or("")))]),
        (7, vec![(right, text("Đơn vị tính: triệu đồng"))]),
    ];
    let mut groups = Vec::new();
    let mut headers = Vec::new();
    for (c, column) in (0u16..).zip(&report.columns) {
        match &column.group {
            Some(g) if c == 0 || report.columns[usize::from(c) - 1].group.as_ref() != Some(g) => {
                groups.push((c, text(g)));
                headers.push((c, text(&column.header)));
            }
            Some(_) => headers.push((c, text(&column.header))),
            None => groups.push((c, text(&column.header))),
        }
    }
    rows.push((9, groups));
    rows.push((10, headers));
    rows.push((
        11,
        (0u16..)
            .take(n)
            .map(|c| (c, Plain::Text(format!("({})", c + 1))))
            .collect(),
    ));
    let factor = 1_000_000.0;
    let mut r = 12u32;
    for row in &report.rows {
        let mut cells = Vec::with_capacity(n);
        for (c, cell) in (0u16..).zip(&row.cells) {
            #[allow(clippy::cast_precision_loss)]
            let value = match cell {
                Cell::Text(s) => text(s),
                Cell::Int(v) => Plain::Number(*v as f64),
                Cell::Money(v) => Plain::Number(*v as f64 / factor),
                Cell::Rate(Some(bp)) => Plain::Number(*bp as f64 / 10_000.0),
                Cell::Date(d) => Plain::Date(
                    ExcelDateTime::from_ymd(
                        u16::try_from(chrono::Datelike::year(d)).expect("year"),
                        u8::try_from(chrono::Datelike::month(d)).expect("month"),
                        u8::try_from(chrono::Datelike::day(d)).expect("day"),
                    )
                    .expect("a date"),
                ),
                Cell::Rate(None) | Cell::Empty if c == 0 && row.style == RowStyle::Total => {
                    text(report::TOTAL_LABEL)
                }
                Cell::Rate(None) | Cell::Empty => continue,
            };
            cells.push((c, value));
        }
        rows.push((r, cells));
        r += 1;
    }
    r += 1;
    let mut signature: Vec<Vec<(u16, Plain)>> = Vec::new();
    signature.push(vec![(0, text(report::RECIPIENTS_HEADING))]);
    for recipient in &report.recipients {
        signature.push(vec![(0, Plain::Text(format!("- {recipient}")))]);
    }
    for (i, line) in report.signer_title.lines().enumerate() {
        signature[i].push((right, Plain::Text(line.trim().to_uppercase())));
    }
    let name_row = report.signer_title.lines().count() + 4;
    signature.resize_with(signature.len().max(name_row + 1), Vec::new);
    signature[name_row].push((right, text(&report.signer_name)));
    for cells in signature {
        rows.push((r, cells));
        r += 1;
    }
    rows
}

/// Formats like the report's table cells (Times New Roman 12, thin
/// borders, number formats) for text, numbers and dates.
pub fn cell_formats() -> [Format; 3] {
    let base = Format::new()
        .set_font_name("Times New Roman")
        .set_font_size(12)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter);
    [
        base.clone().set_align(FormatAlign::Left).set_text_wrap(),
        base.clone().set_num_format("#,##0.000"),
        base.set_num_format("dd/mm/yyyy")
            .set_align(FormatAlign::Center),
    ]
}

/// The floor: the same values, constant-memory mode, no formats; or, with
/// `formats`, each cell with the format for its type.
pub fn write_plain(rows: &[(u32, Vec<(u16, Plain)>)], formats: Option<&[Format; 3]>) -> Vec<u8> {
    let mut book = Workbook::new();
    let sheet = book
        .add_worksheet_with_constant_memory()
        .expect("a worksheet");
    for (r, cells) in rows {
        for (c, value) in cells {
            match (value, formats) {
                (Plain::Text(s), None) => sheet.write_string(*r, *c, s),
                (Plain::Number(v), None) => sheet.write_number(*r, *c, *v),
                (Plain::Date(d), None) => sheet.write_datetime(*r, *c, d),
                (Plain::Text(s), Some([f, _, _])) => sheet.write_string_with_format(*r, *c, s, f),
                (Plain::Number(v), Some([_, f, _])) => {
                    sheet.write_number_with_format(*r, *c, *v, f)
                }
                (Plain::Date(d), Some([_, _, f])) => sheet.write_datetime_with_format(*r, *c, d, f),
            }
            .expect("written");
        }
    }
    book.save_to_buffer().expect("saved")
}
