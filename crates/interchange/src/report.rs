//! Official Excel reports in the layout provincial offices send to their
//! People's Committee: one writer, [`write_xlsx`], for every report.
//!
//! The sheet is laid out top to bottom (A4 landscape, one page wide, the
//! table header repeated on every printed page):
//!
//! 1. the national header block: issuing body (capitals) and issuing office
//!    (bold, underlined) on the left; *CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM* and
//!    *Độc lập - Tự do - Hạnh phúc* on the right; then the place-and-date
//!    line in italics on the right (see [`vietnamese_date_line`]);
//! 2. the title, an optional subtitle (period) and, for reports with money
//!    columns in a unit, *Đơn vị tính: triệu đồng*;
//! 3. the table header (one or two rows, see [`Column::group`]) and the
//!    column-number row *(1) (2) … (n)*; panes are frozen below it;
//! 4. the rows ([`RowStyle`]), with borders on every table cell;
//! 5. the signature block: *Nơi nhận:* on the left, the signer's title and,
//!    four rows lower, the signer's name on the right.
//!
//! An optional native column chart ([`ChartSpec`]) goes on a second sheet
//! together with the (category, value) pairs of the rows it plots (the
//! `Detail` rows, or the `Group` rows where the groups are what is
//! compared), because those rows need not be contiguous in the report
//! table.
//!
//! The workbook is written in `rust_xlsxwriter`'s constant-memory mode, so
//! rows are written strictly in order and large reports stay cheap.
//!
//! Money is whole đồng ([`Cell::Money`]); in a report with an
//! [`AmountUnit`] the cell value is the đồng amount divided by the unit
//! factor, computed as an exact decimal and only then converted to the
//! nearest `f64` (1 234 500 000 đ in triệu đồng is the number 1234.5).

use chrono::{Datelike, NaiveDate};
use domain::money::{AmountUnit, Decimal};
use rust_xlsxwriter::{
    Chart, ChartType, Color, ExcelDateTime, Format, FormatAlign, FormatBorder, FormatUnderline,
    Workbook, Worksheet, XlsxError,
};

/// Label written in a [`RowStyle::Total`] row whose first cell is empty.
pub const TOTAL_LABEL: &str = "TỔNG CỘNG";
/// First line of the national header block.
pub const NATIONAL_NAME: &str = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
/// Second line of the national header block (the motto).
pub const NATIONAL_MOTTO: &str = "Độc lập - Tự do - Hạnh phúc";
/// Heading of the recipient list in the signature block.
pub const RECIPIENTS_HEADING: &str = "Nơi nhận:";
/// Name of the sheet holding the chart, when there is one.
pub const CHART_SHEET_NAME: &str = "Biểu đồ";
/// Sheet name used when [`Report::sheet_name`] is empty.
pub const DEFAULT_SHEET_NAME: &str = "Báo cáo";

const FONT: &str = "Times New Roman";
const FONT_SIZE: f64 = 12.0;
const HEADER_FILL: u32 = 0xD9E1F2;
const TOTAL_FILL: u32 = 0xF2F2F2;
/// Blank rows between the signer's title and name (room for signature and seal).
const SIGNATURE_GAP: usize = 4;

/// A complete official report. See the [module documentation](self) for
/// the layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Issuing body, e.g. `"UBND tỉnh Phú Thọ"`; written in capitals.
    pub issuing_body: String,
    /// Issuing office, e.g. `"VĂN PHÒNG"`; written bold and underlined.
    pub issuing_office: Option<String>,
    /// Place and date line, usually from [`vietnamese_date_line`].
    pub place_and_date: String,
    /// Report title.
    pub title: String,
    /// Subtitle or period line, in italics.
    pub subtitle: Option<String>,
    /// Unit of the [`ColumnKind::Money`] columns; `None` means đồng and no
    /// *Đơn vị tính* line.
    pub amount_unit: Option<AmountUnit>,
    /// Table columns, left to right; at least two.
    pub columns: Vec<Column>,
    /// Table rows, top to bottom.
    pub rows: Vec<Row>,
    /// Signer's title, e.g. `"Chánh Văn phòng"`; written bold in capitals.
    /// A `\n` splits it over several lines (`"KT. CHÁNH VĂN PHÒNG\nPHÓ CHÁNH VĂN PHÒNG"`).
    pub signer_title: String,
    /// Signer's name, written bold.
    pub signer_name: String,
    /// Recipients listed under *Nơi nhận:*, each written as `- {recipient}`;
    /// empty means no list.
    pub recipients: Vec<String>,
    /// Optional column chart over the rows of one style.
    pub chart: Option<ChartSpec>,
    /// Worksheet name; empty means [`DEFAULT_SHEET_NAME`]. Excel's rules
    /// apply (at most 31 characters, none of `[]:*?/\`).
    pub sheet_name: String,
}

/// One table column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Header text (wrapped, so it may be long or contain `\n`).
    pub header: String,
    /// Group header: consecutive columns with the same group share one
    /// merged cell in the first header row and show their own header in the
    /// second. When any column has a group the header has two rows, and
    /// ungrouped columns are merged over both.
    pub group: Option<String>,
    /// Column width in Excel character units.
    pub width: f64,
    /// What the column holds.
    pub kind: ColumnKind,
}

/// What a column holds, and so which cells it accepts (see [`Cell`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    /// Text, left-aligned and wrapped.
    Text,
    /// Whole numbers (counts, STT), `#,##0`.
    Integer,
    /// Money in whole đồng, shown in the report's unit.
    Money,
    /// Rates in basis points, shown as `0.00%`.
    Rate,
    /// Dates, shown as `dd/mm/yyyy`.
    Date,
}

impl ColumnKind {
    fn name(self) -> &'static str {
        match self {
            ColumnKind::Text => "Text",
            ColumnKind::Integer => "Integer",
            ColumnKind::Money => "Money",
            ColumnKind::Rate => "Rate",
            ColumnKind::Date => "Date",
        }
    }
}

/// One table row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// How the row is drawn.
    pub style: RowStyle,
    /// One cell per column.
    pub cells: Vec<Cell>,
}

impl Row {
    /// A row of the given style.
    pub fn new(style: RowStyle, cells: Vec<Cell>) -> Self {
        Row { style, cells }
    }

    /// A [`RowStyle::Detail`] row.
    pub fn detail(cells: Vec<Cell>) -> Self {
        Row::new(RowStyle::Detail, cells)
    }
}

/// How a row is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowStyle {
    /// An ordinary data row; the rows a chart plots unless its
    /// [`ChartSpec::plotted`] says otherwise.
    Detail,
    /// A group heading, bold; put a Roman numeral ([`roman`]) in its first
    /// cell as [`Cell::Text`].
    Group,
    /// A subtotal, bold.
    Subtotal,
    /// The grand total, bold on a fill. If its first cell is
    /// [`Cell::Empty`], [`TOTAL_LABEL`] is written there, merged over the
    /// leading run of empty cells (e.g. the STT and name columns).
    Total,
}

/// One table cell.
///
/// `Text` and `Empty` fit any column (a Roman numeral in an STT column,
/// `"-"` for "not applicable"); each other variant fits only its own
/// [`ColumnKind`]: `Int`–`Integer`, `Money`–`Money`, `Rate`–`Rate`,
/// `Date`–`Date`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// Money in whole đồng.
    Money(i64),
    /// A rate in basis points (8 765 = 87.65 %); `None` means no rate
    /// (e.g. nothing was due) and leaves the cell blank.
    Rate(Option<u64>),
    /// A date.
    Date(NaiveDate),
    /// Nothing (a bordered blank cell).
    Empty,
}

impl Cell {
    fn name(&self) -> &'static str {
        match self {
            Cell::Text(_) => "Text",
            Cell::Int(_) => "Int",
            Cell::Money(_) => "Money",
            Cell::Rate(_) => "Rate",
            Cell::Date(_) => "Date",
            Cell::Empty => "Empty",
        }
    }

    fn fits(&self, kind: ColumnKind) -> bool {
        match self {
            Cell::Text(_) | Cell::Empty => true,
            Cell::Int(_) => kind == ColumnKind::Integer,
            Cell::Money(_) => kind == ColumnKind::Money,
            Cell::Rate(_) => kind == ColumnKind::Rate,
            Cell::Date(_) => kind == ColumnKind::Date,
        }
    }
}

/// A native Excel column chart over the report's rows of one style, e.g.
/// the on-time rate per agency. It is drawn on a second sheet,
/// [`CHART_SHEET_NAME`], next to a two-column table of the plotted
/// (category, value) pairs that the chart references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSpec {
    /// Chart title.
    pub title: String,
    /// Index (0-based) of the column giving the categories (x axis).
    pub category_column: usize,
    /// Index (0-based) of the column giving the values; must be an
    /// `Integer`, `Money` or `Rate` column.
    pub value_column: usize,
    /// The rows plotted, top to bottom: [`RowStyle::Detail`] for most
    /// reports; [`RowStyle::Group`] where the groups are the things
    /// compared (the communes of a district's allocation report, each with
    /// its villages as `Detail` rows under it).
    pub plotted: RowStyle,
}

/// Why a report could not be written. Row and column numbers in messages
/// are 1-based: row *k* is `report.rows[k - 1]`, column *k* is the one
/// numbered *(k)* in the sheet.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Fewer than two columns: the header block needs a left and a right half.
    #[error("báo cáo cần ít nhất 2 cột, có {0} / a report needs at least 2 columns, got {0}")]
    TooFewColumns(usize),
    /// A row does not have one cell per column.
    #[error("dòng {row} có {found} ô, cần {expected} / row {row} has {found} cells, expected {expected}")]
    WrongCellCount {
        /// 1-based row number.
        row: usize,
        /// Cells in the row.
        found: usize,
        /// Columns in the report.
        expected: usize,
    },
    /// A cell does not fit its column (see [`Cell`]).
    #[error("dòng {row}, cột ({column}) \"{header}\": ô {cell} không hợp với cột {kind} / row {row}, column ({column}) \"{header}\": a {cell} cell does not fit a {kind} column")]
    CellKindMismatch {
        /// 1-based row number.
        row: usize,
        /// 1-based column number.
        column: usize,
        /// The column's header.
        header: String,
        /// The cell variant, e.g. `"Money"`.
        cell: &'static str,
        /// The column kind, e.g. `"Date"`.
        kind: &'static str,
    },
    /// Excel cannot hold the date (before 1900 or after 9999).
    #[error("dòng {row}, cột ({column}): ngày {date} nằm ngoài phạm vi Excel / row {row}, column ({column}): date {date} is outside Excel's range")]
    DateOutOfRange {
        /// 1-based row number.
        row: usize,
        /// 1-based column number.
        column: usize,
        /// The date.
        date: NaiveDate,
    },
    /// The chart refers to a missing or non-numeric column.
    #[error("biểu đồ: {0} / chart: {0}")]
    InvalidChart(String),
    /// The spreadsheet writer failed (invalid sheet name, too many rows, …).
    #[error("lỗi ghi Excel / xlsx writer error: {0}")]
    Xlsx(#[from] XlsxError),
}

/// Roman numeral for group rows: 1 → `"I"`, 4 → `"IV"`, 1994 →
/// `"MCMXCIV"`. 0 gives `""`; above 3999 the thousands are repeated `M`s.
pub fn roman(n: u32) -> String {
    const TABLE: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut rest = n;
    let mut out = String::new();
    for (value, numeral) in TABLE {
        while rest >= value {
            out.push_str(numeral);
            rest -= value;
        }
    }
    out
}

/// The place-and-date line of an official document:
/// `vietnamese_date_line("Phú Thọ", 2026-11-23)` →
/// `"Phú Thọ, ngày 23 tháng 11 năm 2026"`.
///
/// As Nghị định 30/2020/NĐ-CP requires, days below 10 and the months 1
/// and 2 get a leading zero ("ngày 05 tháng 02 năm 2026", but "tháng 3").
pub fn vietnamese_date_line(place: &str, date: NaiveDate) -> String {
    let month = date.month();
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        date.day(),
        date.year()
    )
}

/// Writes `report` as an `.xlsx` file and returns its bytes.
///
/// # Errors
/// [`ReportError`] for malformed input (checked before anything is
/// written) and for failures of the spreadsheet writer.
pub fn write_xlsx(report: &Report) -> Result<Vec<u8>, ReportError> {
    validate(report)?;
    let styles = Styles::new(report.amount_unit);
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    write_named_sheet(sheet, report, &styles)?;
    if let Some(spec) = &report.chart {
        write_chart_sheet(&mut workbook, report, spec, &styles)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// Writes the report's main sheet (everything but the chart) on `sheet`,
/// for writers that add sheets or data validation of their own
/// ([`crate::template`]), and returns the 0-based row of the first table
/// row (right under the column-number row).
///
/// # Errors
/// As [`write_xlsx`].
pub(crate) fn write_report_sheet(
    sheet: &mut Worksheet,
    report: &Report,
) -> Result<usize, ReportError> {
    validate(report)?;
    write_named_sheet(sheet, report, &Styles::new(report.amount_unit))
}

/// Names `sheet` after the report and writes the main sheet on it.
fn write_named_sheet(
    sheet: &mut Worksheet,
    report: &Report,
    styles: &Styles,
) -> Result<usize, ReportError> {
    let name = if report.sheet_name.is_empty() {
        DEFAULT_SHEET_NAME
    } else {
        report.sheet_name.as_str()
    };
    sheet.set_name(name)?;
    write_main_sheet(sheet, report, styles)
}

fn validate(report: &Report) -> Result<(), ReportError> {
    let n = report.columns.len();
    if n < 2 {
        return Err(ReportError::TooFewColumns(n));
    }
    for (r, row) in report.rows.iter().enumerate() {
        if row.cells.len() != n {
            return Err(ReportError::WrongCellCount {
                row: r + 1,
                found: row.cells.len(),
                expected: n,
            });
        }
        for (c, (cell, column)) in row.cells.iter().zip(&report.columns).enumerate() {
            if !cell.fits(column.kind) {
                return Err(ReportError::CellKindMismatch {
                    row: r + 1,
                    column: c + 1,
                    header: column.header.clone(),
                    cell: cell.name(),
                    kind: column.kind.name(),
                });
            }
            if let Cell::Date(date) = cell {
                excel_date(*date).ok_or(ReportError::DateOutOfRange {
                    row: r + 1,
                    column: c + 1,
                    date: *date,
                })?;
            }
        }
    }
    if let Some(spec) = &report.chart {
        for (what, index) in [
            ("category", spec.category_column),
            ("value", spec.value_column),
        ] {
            if index >= n {
                return Err(ReportError::InvalidChart(format!(
                    "cột {what} {index} không tồn tại / {what} column index {index} is out of range (0..{n})"
                )));
            }
        }
        let kind = report.columns[spec.value_column].kind;
        if !matches!(
            kind,
            ColumnKind::Integer | ColumnKind::Money | ColumnKind::Rate
        ) {
            return Err(ReportError::InvalidChart(format!(
                "cột giá trị phải là số, không phải {0} / the value column must be numeric, not {0}",
                kind.name()
            )));
        }
    }
    Ok(())
}

fn excel_date(date: NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(date.year()).ok()?;
    let month = u8::try_from(date.month()).ok()?;
    let day = u8::try_from(date.day()).ok()?;
    ExcelDateTime::from_ymd(year, month, day).ok()
}

/// The exact decimal `mantissa × 10^-scale` as the nearest `f64`.
fn exact_f64(mantissa: i128, scale: u32) -> f64 {
    // Display writes the exact decimal; Rust's float parsing rounds
    // correctly. The fallback cannot happen for that plain form.
    Decimal::new(mantissa, scale)
        .to_string()
        .parse()
        .unwrap_or(mantissa as f64)
}

/// `mantissa × 10^-scale` as the nearest `f64`, by one division when
/// both operands are exact doubles (|mantissa| ≤ 2^53, scale ≤ 22): IEEE
/// division rounds the exact quotient correctly, as parsing the exact
/// decimal does, so the result is the one [`exact_f64`] gives. `None`
/// otherwise.
fn quotient_f64(mantissa: i128, scale: u32) -> Option<f64> {
    /// 2^53: every whole number up to it is an exact double.
    const EXACT: i128 = 1 << 53;
    let divisor = 10i64.checked_pow(scale).filter(|_| scale <= 22)?;
    if mantissa.abs() > EXACT {
        return None;
    }
    // Both casts are exact: |mantissa| ≤ 2^53 and 10^scale ≤ 10^22.
    #[allow(clippy::cast_precision_loss)]
    Some(mantissa as f64 / divisor as f64)
}

/// The cell value of a money amount: đồng ÷ unit factor, exactly.
fn money_value(dong: i64, unit: Option<AmountUnit>) -> f64 {
    let (mantissa, scale) = (i128::from(dong), unit.map_or(0, AmountUnit::exponent));
    quotient_f64(mantissa, scale).unwrap_or_else(|| exact_f64(mantissa, scale))
}

/// The cell value of a rate: basis points ÷ 10 000, exactly.
fn rate_value(basis_points: u64) -> f64 {
    let mantissa = i128::from(basis_points);
    quotient_f64(mantissa, 4).unwrap_or_else(|| exact_f64(mantissa, 4))
}

/// How a value is drawn inside the table.
#[derive(Clone, Copy)]
enum ValueFormat {
    TextLeft,
    TextCenter,
    Integer,
    Money,
    Rate,
    Date,
}

impl ValueFormat {
    const COUNT: usize = 6;

    fn index(self) -> usize {
        self as usize
    }

    fn for_column(kind: ColumnKind) -> Self {
        match kind {
            ColumnKind::Text => ValueFormat::TextLeft,
            ColumnKind::Integer => ValueFormat::Integer,
            ColumnKind::Money => ValueFormat::Money,
            ColumnKind::Rate => ValueFormat::Rate,
            ColumnKind::Date => ValueFormat::Date,
        }
    }
}

/// The house font: Times New Roman, 12 pt.
pub(crate) fn base() -> Format {
    Format::new().set_font_name(FONT).set_font_size(FONT_SIZE)
}

struct Styles {
    body_left: Format,
    body_left_office: Format,
    national: Format,
    motto: Format,
    date_line: Format,
    title: Format,
    subtitle: Format,
    unit: Format,
    header: Format,
    column_number: Format,
    signer: Format,
    recipients_heading: Format,
    recipient: Format,
    /// `[style][value format]`.
    table: Vec<Vec<Format>>,
}

impl Styles {
    fn new(unit: Option<AmountUnit>) -> Self {
        let center = base().set_align(FormatAlign::Center);
        let money_format = match unit {
            None | Some(AmountUnit::Dong) => "#,##0",
            Some(_) => "#,##0.000",
        };
        let header = base()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap()
            .set_border(FormatBorder::Thin)
            .set_background_color(Color::RGB(HEADER_FILL));
        let table = [
            RowStyle::Detail,
            RowStyle::Group,
            RowStyle::Subtotal,
            RowStyle::Total,
        ]
        .into_iter()
        .map(|style| {
            let mut cell = base()
                .set_border(FormatBorder::Thin)
                .set_align(FormatAlign::VerticalCenter);
            if style != RowStyle::Detail {
                cell = cell.set_bold();
            }
            if style == RowStyle::Total {
                cell = cell.set_background_color(Color::RGB(TOTAL_FILL));
            }
            let formats: [Format; ValueFormat::COUNT] = [
                cell.clone().set_align(FormatAlign::Left).set_text_wrap(),
                cell.clone().set_align(FormatAlign::Center).set_text_wrap(),
                cell.clone().set_num_format("#,##0"),
                cell.clone().set_num_format(money_format),
                cell.clone().set_num_format("0.00%"),
                cell.clone()
                    .set_num_format("dd/mm/yyyy")
                    .set_align(FormatAlign::Center),
            ];
            formats.to_vec()
        })
        .collect();
        Styles {
            body_left: center.clone(),
            body_left_office: center
                .clone()
                .set_bold()
                .set_underline(FormatUnderline::Single),
            national: center.clone().set_bold(),
            motto: center
                .clone()
                .set_bold()
                .set_underline(FormatUnderline::Single),
            date_line: center.clone().set_italic(),
            title: center
                .clone()
                .set_bold()
                .set_font_size(14)
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter),
            subtitle: center.clone().set_italic(),
            unit: base().set_italic().set_align(FormatAlign::Right),
            column_number: header.clone().set_bold().set_italic(),
            header,
            signer: center.set_bold(),
            recipients_heading: base().set_bold().set_italic().set_font_size(11),
            recipient: base().set_italic().set_font_size(10),
            table,
        }
    }

    fn cell(&self, style: RowStyle, format: ValueFormat) -> &Format {
        let row = match style {
            RowStyle::Detail => 0,
            RowStyle::Group => 1,
            RowStyle::Subtotal => 2,
            RowStyle::Total => 3,
        };
        // Both indexes are in range by construction.
        &self.table[row][format.index()]
    }
}

/// Excel row / column numbers.
pub(crate) fn row_num(r: usize) -> Result<u32, ReportError> {
    u32::try_from(r).map_err(|_| ReportError::Xlsx(XlsxError::RowColumnLimitError))
}

pub(crate) fn col_num(c: usize) -> Result<u16, ReportError> {
    u16::try_from(c).map_err(|_| ReportError::Xlsx(XlsxError::RowColumnLimitError))
}

/// Writes `text` over columns `first..=last` of `row`, merging when the
/// range has more than one cell.
fn span(
    sheet: &mut Worksheet,
    row: usize,
    first: usize,
    last: usize,
    text: &str,
    format: &Format,
) -> Result<(), ReportError> {
    let (r, c0, c1) = (row_num(row)?, col_num(first)?, col_num(last)?);
    if c0 == c1 {
        sheet.write_string_with_format(r, c0, text, format)?;
    } else {
        sheet.merge_range(r, c0, r, c1, text, format)?;
    }
    Ok(())
}

/// Consecutive runs of columns sharing a group: `(first, last, group)`.
fn column_runs(columns: &[Column]) -> Vec<(usize, usize, Option<&str>)> {
    let mut runs: Vec<(usize, usize, Option<&str>)> = Vec::new();
    for (c, column) in columns.iter().enumerate() {
        let group = column.group.as_deref();
        match runs.last_mut() {
            Some((_, last, g)) if group.is_some() && *g == group => *last = c,
            _ => runs.push((c, c, group)),
        }
    }
    runs
}

/// Writes the main sheet; returns the 0-based row of the first table row.
fn write_main_sheet(
    sheet: &mut Worksheet,
    report: &Report,
    styles: &Styles,
) -> Result<usize, ReportError> {
    let n = report.columns.len();
    let last = n - 1;
    // Left half `0..=left_last`, right half `left_last + 1..=last`.
    let left_last = n / 2 - 1;
    let right_first = left_last + 1;

    sheet.set_paper_size(9); // A4
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    for (c, column) in report.columns.iter().enumerate() {
        sheet.set_column_width(col_num(c)?, column.width)?;
    }

    // 1. National header block.
    let mut row = 0;
    span(
        sheet,
        row,
        0,
        left_last,
        &report.issuing_body.to_uppercase(),
        &styles.body_left,
    )?;
    span(
        sheet,
        row,
        right_first,
        last,
        NATIONAL_NAME,
        &styles.national,
    )?;
    row += 1;
    if let Some(office) = &report.issuing_office {
        span(
            sheet,
            row,
            0,
            left_last,
            &office.to_uppercase(),
            &styles.body_left_office,
        )?;
    }
    span(sheet, row, right_first, last, NATIONAL_MOTTO, &styles.motto)?;
    row += 2;
    span(
        sheet,
        row,
        right_first,
        last,
        &report.place_and_date,
        &styles.date_line,
    )?;
    row += 2;

    // 2. Title, subtitle, unit.
    sheet.set_row_height(row_num(row)?, 22)?;
    span(sheet, row, 0, last, &report.title, &styles.title)?;
    row += 1;
    if let Some(subtitle) = &report.subtitle {
        span(sheet, row, 0, last, subtitle, &styles.subtitle)?;
        row += 1;
    }
    if let Some(unit) = report.amount_unit {
        let text = format!("Đơn vị tính: {}", unit.label());
        span(sheet, row, right_first, last, &text, &styles.unit)?;
        row += 1;
    }
    row += 1;

    // 3. Table header.
    let header_first = row;
    let two_rows = report.columns.iter().any(|c| c.group.is_some());
    let header_last = if two_rows { row + 1 } else { row };
    for r in header_first..=header_last {
        sheet.set_row_height(row_num(r)?, 32)?;
    }
    if two_rows {
        let (r0, r1) = (row_num(header_first)?, row_num(header_last)?);
        for (first, last_col, group) in column_runs(&report.columns) {
            match group {
                Some(group) => span(sheet, header_first, first, last_col, group, &styles.header)?,
                None => {
                    let c = col_num(first)?;
                    sheet.merge_range(
                        r0,
                        c,
                        r1,
                        c,
                        &report.columns[first].header,
                        &styles.header,
                    )?;
                }
            }
        }
        // Second header row: the grouped columns' own headers. The merged
        // cells above already padded the ungrouped ones (write-ahead).
        for (c, column) in report.columns.iter().enumerate() {
            if column.group.is_some() {
                sheet.write_string_with_format(r1, col_num(c)?, &column.header, &styles.header)?;
            }
        }
    } else {
        let r = row_num(header_first)?;
        for (c, column) in report.columns.iter().enumerate() {
            sheet.write_string_with_format(r, col_num(c)?, &column.header, &styles.header)?;
        }
    }
    let numbers_row = header_last + 1;
    for c in 0..n {
        sheet.write_string_with_format(
            row_num(numbers_row)?,
            col_num(c)?,
            format!("({})", c + 1),
            &styles.column_number,
        )?;
    }
    let first_data = numbers_row + 1;
    sheet.set_repeat_rows(row_num(header_first)?, row_num(numbers_row)?)?;
    sheet.set_freeze_panes(row_num(first_data)?, 0)?;

    // 4. Rows.
    for (i, data) in report.rows.iter().enumerate() {
        write_row(
            sheet,
            &report.columns,
            report.amount_unit,
            styles,
            first_data + i,
            data,
        )?;
    }
    row = first_data + report.rows.len() + 1;

    // 5. Signature block.
    write_signature(sheet, report, styles, row, left_last, right_first)?;
    Ok(first_data)
}

/// Writes one table row. rust_xlsxwriter looks a cell's format up by
/// hashing the whole [`Format`] (font, borders, alignment, fill, number
/// format) at every call that takes one, which costs more than writing
/// the value: so the row's first cell is written with its format (it
/// starts the row, and in constant-memory mode flushes the one before),
/// the other values without one, and then each run of neighbouring cells
/// sharing a format gets it in one call (`set_range_format`, which makes
/// the blank cells of the run too). The file is the same as with one
/// format per cell.
/// A total row whose first cells are empty gets "TỔNG CỘNG" merged over
/// them; the number of cells it took.
fn total_label(
    sheet: &mut Worksheet,
    styles: &Styles,
    row: usize,
    data: &Row,
) -> Result<usize, ReportError> {
    if data.style != RowStyle::Total || data.cells.first() != Some(&Cell::Empty) {
        return Ok(0);
    }
    let run = data
        .cells
        .iter()
        .take_while(|cell| **cell == Cell::Empty)
        .count();
    let label_format = styles.cell(RowStyle::Total, ValueFormat::TextCenter);
    span(sheet, row, 0, run - 1, TOTAL_LABEL, label_format)?;
    Ok(run)
}

fn write_row(
    sheet: &mut Worksheet,
    columns: &[Column],
    unit: Option<AmountUnit>,
    styles: &Styles,
    row: usize,
    data: &Row,
) -> Result<(), ReportError> {
    let r = row_num(row)?;
    let skip = total_label(sheet, styles, row, data)?;
    // Runs of columns sharing a format: (first, last, format).
    let mut runs: Vec<(u16, u16, &Format)> = Vec::with_capacity(columns.len());
    for (c, (cell, column)) in data.cells.iter().zip(columns).enumerate().skip(skip) {
        let col = col_num(c)?;
        let value_format = match cell {
            Cell::Text(_) if column.kind == ColumnKind::Text => ValueFormat::TextLeft,
            Cell::Text(_) => ValueFormat::TextCenter,
            Cell::Int(_) => ValueFormat::Integer,
            Cell::Money(_) => ValueFormat::Money,
            Cell::Rate(Some(_)) => ValueFormat::Rate,
            Cell::Date(_) => ValueFormat::Date,
            Cell::Rate(None) | Cell::Empty => ValueFormat::for_column(column.kind),
        };
        let format = styles.cell(data.style, value_format);
        // The first cell carries its format; the others get theirs by run.
        let own = (c == skip).then_some(format);
        match cell {
            Cell::Text(text) => match own {
                Some(f) => sheet.write_string_with_format(r, col, text, f)?,
                None => sheet.write_string(r, col, text)?,
            },
            Cell::Int(value) => {
                // Whole numbers beyond 2^53 lose precision in Excel anyway.
                #[allow(clippy::cast_precision_loss)]
                let value = *value as f64;
                match own {
                    Some(f) => sheet.write_number_with_format(r, col, value, f)?,
                    None => sheet.write_number(r, col, value)?,
                }
            }
            Cell::Money(dong) => {
                let value = money_value(*dong, unit);
                match own {
                    Some(f) => sheet.write_number_with_format(r, col, value, f)?,
                    None => sheet.write_number(r, col, value)?,
                }
            }
            Cell::Rate(Some(bp)) => match own {
                Some(f) => sheet.write_number_with_format(r, col, rate_value(*bp), f)?,
                None => sheet.write_number(r, col, rate_value(*bp))?,
            },
            Cell::Date(date) => {
                let value = excel_date(*date).ok_or(ReportError::DateOutOfRange {
                    row: row + 1,
                    column: c + 1,
                    date: *date,
                })?;
                match own {
                    Some(f) => sheet.write_datetime_with_format(r, col, value, f)?,
                    None => sheet.write_datetime(r, col, value)?,
                }
            }
            Cell::Rate(None) | Cell::Empty => match own {
                Some(f) => sheet.write_blank(r, col, f)?,
                // A blank cell: made by its run's format.
                None => sheet,
            },
        };
        if own.is_some() {
            continue;
        }
        match runs.last_mut() {
            Some((_, last, f)) if *last + 1 == col && std::ptr::eq(*f, format) => *last = col,
            _ => runs.push((col, col, format)),
        }
    }
    for (first, last, format) in runs {
        sheet.set_range_format(r, first, r, last, format)?;
    }
    Ok(())
}

/// [`write_row`] as it was written before runs: one format per cell. The
/// reference the tests compare it with.
#[cfg(test)]
fn write_row_cell_by_cell(
    sheet: &mut Worksheet,
    columns: &[Column],
    unit: Option<AmountUnit>,
    styles: &Styles,
    row: usize,
    data: &Row,
) -> Result<(), ReportError> {
    let r = row_num(row)?;
    let skip = total_label(sheet, styles, row, data)?;
    for (c, (cell, column)) in data.cells.iter().zip(columns).enumerate().skip(skip) {
        let col = col_num(c)?;
        let format_of = |f: ValueFormat| styles.cell(data.style, f);
        match cell {
            Cell::Text(text) => {
                let f = if column.kind == ColumnKind::Text {
                    ValueFormat::TextLeft
                } else {
                    ValueFormat::TextCenter
                };
                sheet.write_string_with_format(r, col, text, format_of(f))?;
            }
            Cell::Int(value) => {
                // Whole numbers beyond 2^53 lose precision in Excel anyway.
                #[allow(clippy::cast_precision_loss)]
                let value = *value as f64;
                sheet.write_number_with_format(r, col, value, format_of(ValueFormat::Integer))?;
            }
            Cell::Money(dong) => {
                let value = money_value(*dong, unit);
                sheet.write_number_with_format(r, col, value, format_of(ValueFormat::Money))?;
            }
            Cell::Rate(Some(bp)) => {
                sheet.write_number_with_format(
                    r,
                    col,
                    rate_value(*bp),
                    format_of(ValueFormat::Rate),
                )?;
            }
            Cell::Date(date) => {
                let value = excel_date(*date).ok_or(ReportError::DateOutOfRange {
                    row: row + 1,
                    column: c + 1,
                    date: *date,
                })?;
                sheet.write_datetime_with_format(r, col, value, format_of(ValueFormat::Date))?;
            }
            Cell::Rate(None) | Cell::Empty => {
                sheet.write_blank(r, col, format_of(ValueFormat::for_column(column.kind)))?;
            }
        }
    }
    Ok(())
}

fn write_signature(
    sheet: &mut Worksheet,
    report: &Report,
    styles: &Styles,
    first: usize,
    left_last: usize,
    right_first: usize,
) -> Result<(), ReportError> {
    let last = report.columns.len() - 1;
    let mut left: Vec<(String, &Format)> = Vec::new();
    if !report.recipients.is_empty() {
        left.push((RECIPIENTS_HEADING.to_owned(), &styles.recipients_heading));
        for recipient in &report.recipients {
            left.push((format!("- {recipient}"), &styles.recipient));
        }
    }
    let mut right: Vec<Option<String>> = report
        .signer_title
        .lines()
        .map(|line| Some(line.trim().to_uppercase()))
        .collect();
    right.extend(std::iter::repeat_n(None, SIGNATURE_GAP));
    right.push(Some(report.signer_name.clone()));
    for i in 0..left.len().max(right.len()) {
        let row = first + i;
        if let Some((text, format)) = left.get(i) {
            span(sheet, row, 0, left_last, text, format)?;
        }
        if let Some(Some(text)) = right.get(i) {
            span(sheet, row, right_first, last, text, &styles.signer)?;
        }
    }
    Ok(())
}

fn write_chart_sheet(
    workbook: &mut Workbook,
    report: &Report,
    spec: &ChartSpec,
    styles: &Styles,
) -> Result<(), ReportError> {
    let plotted: Vec<&Row> = report
        .rows
        .iter()
        .filter(|row| row.style == spec.plotted)
        .collect();
    let category_column = &report.columns[spec.category_column];
    let value_column = &report.columns[spec.value_column];
    let pair = [category_column.clone(), value_column.clone()];
    let sheet = workbook.add_worksheet();
    sheet.set_name(CHART_SHEET_NAME)?;
    sheet.set_column_width(0, category_column.width.max(20.0))?;
    sheet.set_column_width(1, value_column.width.max(12.0))?;
    sheet.write_string_with_format(0, 0, &category_column.header, &styles.header)?;
    sheet.write_string_with_format(0, 1, &value_column.header, &styles.header)?;
    for (i, data) in plotted.iter().enumerate() {
        let chart_row = Row::new(
            RowStyle::Detail,
            vec![
                data.cells[spec.category_column].clone(),
                data.cells[spec.value_column].clone(),
            ],
        );
        write_row(sheet, &pair, report.amount_unit, styles, i + 1, &chart_row)?;
    }
    if plotted.is_empty() {
        // Nothing to plot: keep the table header, draw no chart.
        return Ok(());
    }
    let last = row_num(plotted.len())?;
    let mut chart = Chart::new(ChartType::Column);
    chart.title().set_name(&spec.title);
    chart.legend().set_hidden();
    chart
        .add_series()
        .set_name(&value_column.header)
        .set_categories((CHART_SHEET_NAME, 1, 0, last, 0))
        .set_values((CHART_SHEET_NAME, 1, 1, last, 1));
    match value_column.kind {
        ColumnKind::Rate => {
            chart.y_axis().set_num_format("0%");
        }
        _ => {
            chart.y_axis().set_num_format("#,##0");
        }
    }
    sheet.insert_chart(0, 3, &chart)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use calamine::{open_workbook_from_rs, Data, Dimensions, Reader, Xlsx};
    use rust_xlsxwriter::DocProperties;
    use std::io::Cursor;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Excel's serial number of a date (1900 system).
    fn serial(d: NaiveDate) -> f64 {
        (d - date(1899, 12, 30)).num_days() as f64
    }

    fn columns() -> Vec<Column> {
        let col = |header: &str, group: Option<&str>, width: f64, kind| Column {
            header: header.into(),
            group: group.map(Into::into),
            width,
            kind,
        };
        vec![
            col("STT", None, 6.0, ColumnKind::Integer),
            col("Cơ quan, đơn vị", None, 30.0, ColumnKind::Text),
            col("Kế hoạch", Some("Vốn năm 2026"), 14.0, ColumnKind::Money),
            col("Giải ngân", Some("Vốn năm 2026"), 14.0, ColumnKind::Money),
            col("Tỷ lệ đúng hạn", None, 12.0, ColumnKind::Rate),
            col("Hạn hoàn thành", None, 14.0, ColumnKind::Date),
        ]
    }

    fn sample() -> Report {
        use Cell::*;
        let t = |s: &str| Text(s.into());
        Report {
            issuing_body: "UBND tỉnh Phú Thọ".into(),
            issuing_office: Some("Văn phòng".into()),
            place_and_date: vietnamese_date_line("Phú Thọ", date(2026, 11, 23)),
            title: "BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ".into(),
            subtitle: Some("(Từ ngày 01/10/2026 đến ngày 31/10/2026)".into()),
            amount_unit: Some(AmountUnit::TrieuDong),
            columns: columns(),
            rows: vec![
                Row::new(
                    RowStyle::Group,
                    vec![
                        t(&roman(1)),
                        t("Khối sở, ngành"),
                        Empty,
                        Empty,
                        Empty,
                        Empty,
                    ],
                ),
                Row::detail(vec![
                    Int(1),
                    t("Sở Tài chính"),
                    Money(1_234_500_000),
                    Money(987_654_321),
                    Rate(Some(8765)),
                    Date(date(2026, 11, 23)),
                ]),
                Row::detail(vec![
                    Int(2),
                    t("Sở Nội vụ"),
                    Money(263_249_000),
                    Money(1_005_000),
                    Rate(None),
                    Date(date(2026, 1, 5)),
                ]),
                Row::new(
                    RowStyle::Subtotal,
                    vec![
                        Empty,
                        t("Cộng khối sở, ngành"),
                        Money(1_497_749_000),
                        Money(988_659_321),
                        Rate(Some(8765)),
                        Empty,
                    ],
                ),
                Row::new(
                    RowStyle::Total,
                    vec![
                        Empty,
                        Empty,
                        Money(1_497_749_000),
                        Money(988_659_321),
                        Rate(Some(10_000)),
                        Empty,
                    ],
                ),
            ],
            signer_title: "Chánh Văn phòng".into(),
            signer_name: "Nguyễn Văn An".into(),
            recipients: vec!["UBND tỉnh (b/c);".into(), "Lưu: VT.".into()],
            chart: None,
            sheet_name: "Báo cáo tháng 10".into(),
        }
    }

    /// The rows written by [`write_row`] and by the reference that gives
    /// every cell its own format make the same file, byte for byte.
    #[test]
    fn rows_formatted_by_runs_are_the_rows_formatted_cell_by_cell() {
        use Cell::*;
        let mut report = sample();
        let t = |s: &str| Text(s.into());
        report.rows.extend([
            Row::detail(vec![Int(3), t(""), Empty, Money(5), Rate(None), Empty]),
            Row::detail(vec![
                t("a"),
                t("Sở Y tế"),
                t("—"),
                Money(-7),
                Rate(Some(1)),
                Empty,
            ]),
            Row::new(RowStyle::Group, vec![Empty; 6]),
            Row::new(RowStyle::Total, vec![Empty; 6]),
            Row::new(
                RowStyle::Total,
                vec![
                    Int(9),
                    Empty,
                    Money(1),
                    Empty,
                    Empty,
                    Date(date(2026, 2, 1)),
                ],
            ),
            Row::detail(vec![Empty, Empty, Money(2), Money(3), Rate(Some(5)), Empty]),
        ]);
        let styles = Styles::new(report.amount_unit);
        let write = |by_runs: bool| {
            let mut book = Workbook::new();
            let created = ExcelDateTime::from_ymd(2026, 12, 3).unwrap();
            book.set_properties(&DocProperties::new().set_creation_datetime(&created));
            let sheet = book.add_worksheet_with_constant_memory().unwrap();
            // A header merged down first, written ahead as the report's is.
            sheet
                .merge_range(0, 0, 1, 0, "STT", &styles.header)
                .unwrap();
            for (i, row) in report.rows.iter().enumerate() {
                let write = if by_runs {
                    write_row
                } else {
                    write_row_cell_by_cell
                };
                write(
                    sheet,
                    &report.columns,
                    report.amount_unit,
                    &styles,
                    i + 1,
                    row,
                )
                .unwrap();
            }
            book.save_to_buffer().unwrap()
        };
        assert!(write(true) == write(false));
    }

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        open_workbook_from_rs(Cursor::new(bytes)).unwrap()
    }

    fn sheet(bytes: Vec<u8>, name: &str) -> (calamine::Range<Data>, Vec<Dimensions>) {
        let mut book = open(bytes);
        let range = book.worksheet_range(name).unwrap();
        let merges = book.merge_cells_by_sheet_name(name).unwrap();
        (range, merges)
    }

    fn at(range: &calamine::Range<Data>, row: u32, col: u32) -> Data {
        range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
    }

    fn s(text: &str) -> Data {
        Data::String(text.into())
    }

    fn merged(merges: &[Dimensions], start: (u32, u32), end: (u32, u32)) -> bool {
        merges.iter().any(|d| d.start == start && d.end == end)
    }

    fn is_date(data: &Data, d: NaiveDate) -> bool {
        matches!(data, Data::DateTime(dt) if dt.is_datetime() && dt.as_f64() == serial(d))
    }

    // Layout of `sample()`: 0–1 header block, 3 date line, 5 title,
    // 6 subtitle, 7 unit, 9–10 table header, 11 column numbers, 12–16 rows,
    // 18– signature.
    #[test]
    fn writes_the_official_layout() {
        let (r, merges) = sheet(write_xlsx(&sample()).unwrap(), "Báo cáo tháng 10");

        // National header block.
        assert_eq!(at(&r, 0, 0), s("UBND TỈNH PHÚ THỌ"));
        assert_eq!(at(&r, 1, 0), s("VĂN PHÒNG"));
        assert_eq!(at(&r, 0, 3), s("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
        assert_eq!(at(&r, 1, 3), s("Độc lập - Tự do - Hạnh phúc"));
        assert!(merged(&merges, (0, 0), (0, 2)));
        assert!(merged(&merges, (0, 3), (0, 5)));
        assert!(merged(&merges, (1, 3), (1, 5)));
        assert_eq!(at(&r, 3, 3), s("Phú Thọ, ngày 23 tháng 11 năm 2026"));

        // Title, subtitle, unit.
        assert_eq!(at(&r, 5, 0), s("BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ"));
        assert!(merged(&merges, (5, 0), (5, 5)));
        assert_eq!(at(&r, 6, 0), s("(Từ ngày 01/10/2026 đến ngày 31/10/2026)"));
        assert_eq!(at(&r, 7, 3), s("Đơn vị tính: triệu đồng"));

        // Two-row header: group merged across its columns, ungrouped
        // columns merged over both rows.
        assert_eq!(at(&r, 9, 0), s("STT"));
        assert_eq!(at(&r, 9, 1), s("Cơ quan, đơn vị"));
        assert_eq!(at(&r, 9, 2), s("Vốn năm 2026"));
        assert_eq!(at(&r, 10, 2), s("Kế hoạch"));
        assert_eq!(at(&r, 10, 3), s("Giải ngân"));
        assert_eq!(at(&r, 9, 4), s("Tỷ lệ đúng hạn"));
        assert!(merged(&merges, (9, 2), (9, 3)));
        for c in [0, 1, 4, 5] {
            assert!(merged(&merges, (9, c), (10, c)), "column {c}");
        }
        for c in 0..6 {
            assert_eq!(at(&r, 11, c), s(&format!("({})", c + 1)));
        }

        // Group row.
        assert_eq!(at(&r, 12, 0), s("I"));
        assert_eq!(at(&r, 12, 1), s("Khối sở, ngành"));
        // Detail rows: money in triệu đồng is đồng / 10^6 exactly.
        assert_eq!(at(&r, 13, 0), Data::Float(1.0));
        assert_eq!(at(&r, 13, 1), s("Sở Tài chính"));
        assert_eq!(at(&r, 13, 2), Data::Float(1234.5));
        assert_eq!(at(&r, 13, 3), Data::Float(987.654321));
        assert_eq!(at(&r, 13, 4), Data::Float(0.8765));
        assert!(
            is_date(&at(&r, 13, 5), date(2026, 11, 23)),
            "{:?}",
            at(&r, 13, 5)
        );
        assert_eq!(at(&r, 14, 0), Data::Float(2.0));
        assert_eq!(at(&r, 14, 2), Data::Float(263.249));
        assert_eq!(at(&r, 14, 3), Data::Float(1.005));
        assert_eq!(at(&r, 14, 4), Data::Empty);
        assert!(is_date(&at(&r, 14, 5), date(2026, 1, 5)));
        // Subtotal and total.
        assert_eq!(at(&r, 15, 1), s("Cộng khối sở, ngành"));
        assert_eq!(at(&r, 15, 2), Data::Float(1497.749));
        assert_eq!(at(&r, 16, 0), s(TOTAL_LABEL));
        assert!(merged(&merges, (16, 0), (16, 1)));
        assert_eq!(at(&r, 16, 3), Data::Float(988.659321));
        assert_eq!(at(&r, 16, 4), Data::Float(1.0));

        // Signature block below the table.
        assert_eq!(at(&r, 17, 0), Data::Empty);
        assert_eq!(at(&r, 18, 0), s("Nơi nhận:"));
        assert_eq!(at(&r, 19, 0), s("- UBND tỉnh (b/c);"));
        assert_eq!(at(&r, 20, 0), s("- Lưu: VT."));
        assert_eq!(at(&r, 18, 3), s("CHÁNH VĂN PHÒNG"));
        for row in 19..23 {
            assert_eq!(at(&r, row, 3), Data::Empty, "row {row}");
        }
        assert_eq!(at(&r, 23, 3), s("Nguyễn Văn An"));
        assert_eq!(r.end(), Some((23, 5)));
    }

    #[test]
    fn money_values_are_exact_decimals() {
        use AmountUnit::*;
        let cases = [
            (1_234_500_000, Some(TrieuDong), 1234.5),
            (263_249_000, Some(TrieuDong), 263.249),
            (1_005_000, Some(TrieuDong), 1.005),
            (-254_199_000, Some(TrieuDong), -254.199),
            (2_339_037_000, Some(TrieuDong), 2339.037),
            (1, Some(TyDong), 0.000000001),
            (12_345_000_000, Some(TyDong), 12.345),
            (1_500, Some(NghinDong), 1.5),
            (1_234, Some(Dong), 1234.0),
            (1_234, None, 1234.0),
            (0, Some(TrieuDong), 0.0),
        ];
        for (dong, unit, expected) in cases {
            assert_eq!(money_value(dong, unit), expected, "{dong} {unit:?}");
        }
        // Beyond 2^53 đồng the i64 is not converted to f64 before dividing.
        assert_eq!(
            money_value(9_007_199_254_740_993, Some(TrieuDong)),
            9_007_199_254.740_993
        );
        assert_eq!(rate_value(8765), 0.8765);
        assert_eq!(rate_value(1), 0.0001);
        assert_eq!(rate_value(10_000), 1.0);
    }

    proptest::proptest! {
        #[test]
        fn the_quick_quotient_is_the_exact_one(
            mantissa in -(1i128 << 54)..(1i128 << 54),
            scale in 0u32..24,
        ) {
            if let Some(quick) = quotient_f64(mantissa, scale) {
                proptest::prop_assert_eq!(quick.to_bits(), exact_f64(mantissa, scale).to_bits());
            }
        }
    }

    #[test]
    fn single_header_row_without_groups_and_dong_without_unit() {
        let mut report = sample();
        for column in &mut report.columns {
            column.group = None;
        }
        report.amount_unit = None;
        report.subtitle = None;
        report.issuing_office = None;
        report.recipients.clear();
        report.sheet_name = String::new();
        let (r, merges) = sheet(write_xlsx(&report).unwrap(), DEFAULT_SHEET_NAME);
        assert_eq!(at(&r, 1, 0), Data::Empty);
        // 5 title, 7 header, 8 numbers, 9– rows.
        assert_eq!(at(&r, 5, 0), s("BÁO CÁO TÌNH HÌNH THỰC HIỆN NHIỆM VỤ"));
        assert_eq!(at(&r, 6, 3), Data::Empty);
        assert_eq!(at(&r, 7, 2), s("Kế hoạch"));
        assert_eq!(at(&r, 7, 3), s("Giải ngân"));
        assert_eq!(at(&r, 8, 0), s("(1)"));
        assert_eq!(at(&r, 10, 2), Data::Float(1_234_500_000.0));
        assert!(!merges.iter().any(|d| d.start.0 >= 7 && d.start.0 <= 8));
        // No recipients: the left side of the signature block is empty.
        assert_eq!(at(&r, 15, 0), Data::Empty);
        assert_eq!(at(&r, 15, 3), s("CHÁNH VĂN PHÒNG"));
        assert_eq!(at(&r, 20, 3), s("Nguyễn Văn An"));
    }

    #[test]
    fn multi_line_signer_title() {
        let mut report = sample();
        report.signer_title = "KT. Chánh Văn phòng\nPhó Chánh Văn phòng".into();
        let (r, _) = sheet(write_xlsx(&report).unwrap(), "Báo cáo tháng 10");
        assert_eq!(at(&r, 18, 3), s("KT. CHÁNH VĂN PHÒNG"));
        assert_eq!(at(&r, 19, 3), s("PHÓ CHÁNH VĂN PHÒNG"));
        assert_eq!(at(&r, 24, 3), s("Nguyễn Văn An"));
    }

    #[test]
    fn chart_over_detail_rows() {
        let mut report = sample();
        report.chart = Some(ChartSpec {
            title: "Tỷ lệ đúng hạn theo cơ quan".into(),
            category_column: 1,
            value_column: 4,
            plotted: RowStyle::Detail,
        });
        let bytes = write_xlsx(&report).unwrap();
        // Zip entry names are stored uncompressed.
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"xl/charts/chart1.xml"));
        assert!(has(b"xl/drawings/drawing1.xml"));
        let mut book = open(bytes);
        assert_eq!(
            book.sheet_names(),
            vec!["Báo cáo tháng 10".to_owned(), CHART_SHEET_NAME.to_owned()]
        );
        let r = book.worksheet_range(CHART_SHEET_NAME).unwrap();
        assert_eq!(at(&r, 0, 0), s("Cơ quan, đơn vị"));
        assert_eq!(at(&r, 0, 1), s("Tỷ lệ đúng hạn"));
        // Only the two Detail rows.
        assert_eq!(at(&r, 1, 0), s("Sở Tài chính"));
        assert_eq!(at(&r, 1, 1), Data::Float(0.8765));
        assert_eq!(at(&r, 2, 0), s("Sở Nội vụ"));
        assert_eq!(at(&r, 2, 1), Data::Empty);
        assert_eq!(r.end(), Some((2, 1)));
        // The main sheet is unchanged.
        let main = book.worksheet_range("Báo cáo tháng 10").unwrap();
        assert_eq!(at(&main, 13, 2), Data::Float(1234.5));

        // A chart over a text column is refused.
        report.chart = Some(ChartSpec {
            title: "x".into(),
            category_column: 1,
            value_column: 1,
            plotted: RowStyle::Detail,
        });
        assert!(matches!(
            write_xlsx(&report),
            Err(ReportError::InvalidChart(_))
        ));
        report.chart = Some(ChartSpec {
            title: "x".into(),
            category_column: 6,
            value_column: 4,
            plotted: RowStyle::Detail,
        });
        assert!(matches!(
            write_xlsx(&report),
            Err(ReportError::InvalidChart(_))
        ));
    }

    #[test]
    fn chart_over_group_rows() {
        let mut report = sample();
        // A second group, so that two groups are compared.
        report.rows.insert(
            3,
            Row::new(
                RowStyle::Group,
                vec![
                    Cell::Text(roman(2)),
                    Cell::Text("Khối huyện".into()),
                    Cell::Money(2_000_000),
                    Cell::Money(500_000),
                    Cell::Rate(Some(2500)),
                    Cell::Empty,
                ],
            ),
        );
        report.chart = Some(ChartSpec {
            title: "Tỷ lệ theo khối".into(),
            category_column: 1,
            value_column: 3,
            plotted: RowStyle::Group,
        });
        let bytes = write_xlsx(&report).unwrap();
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"xl/charts/chart1.xml"));
        let mut book = open(bytes);
        let r = book.worksheet_range(CHART_SHEET_NAME).unwrap();
        assert_eq!(at(&r, 0, 1), s("Giải ngân"));
        // Only the two Group rows, in order; money in the report's unit.
        assert_eq!(at(&r, 1, 0), s("Khối sở, ngành"));
        assert_eq!(at(&r, 1, 1), Data::Empty);
        assert_eq!(at(&r, 2, 0), s("Khối huyện"));
        assert_eq!(at(&r, 2, 1), Data::Float(0.5));
        assert_eq!(r.end(), Some((2, 1)));

        // No row of the plotted style: the table without a chart.
        report.rows.retain(|row| row.style != RowStyle::Group);
        let bytes = write_xlsx(&report).unwrap();
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(!has(b"xl/charts/chart1.xml"));
        let r = open(bytes).worksheet_range(CHART_SHEET_NAME).unwrap();
        assert_eq!(r.end(), Some((0, 1)));
    }

    #[test]
    fn malformed_input_is_an_error() {
        let mut report = sample();
        report.rows[1].cells.pop();
        let err = write_xlsx(&report).unwrap_err();
        assert!(matches!(
            err,
            ReportError::WrongCellCount {
                row: 2,
                found: 5,
                expected: 6
            }
        ));
        assert!(err.to_string().contains("row 2 has 5 cells, expected 6"));

        // Đồng given as a plain integer in a money column.
        let mut report = sample();
        report.rows[1].cells[2] = Cell::Int(1_234_500_000);
        let err = write_xlsx(&report).unwrap_err();
        assert!(matches!(
            err,
            ReportError::CellKindMismatch {
                row: 2,
                column: 3,
                cell: "Int",
                kind: "Money",
                ..
            }
        ));
        assert!(err.to_string().contains("\"Kế hoạch\""), "{err}");

        let mut report = sample();
        report.rows[2].cells[5] = Cell::Money(5);
        assert!(matches!(
            write_xlsx(&report),
            Err(ReportError::CellKindMismatch {
                row: 3,
                column: 6,
                ..
            })
        ));

        let mut report = sample();
        report.rows[2].cells[5] = Cell::Date(date(1850, 1, 1));
        assert!(matches!(
            write_xlsx(&report),
            Err(ReportError::DateOutOfRange {
                row: 3,
                column: 6,
                ..
            })
        ));

        let mut report = sample();
        report.columns.truncate(1);
        assert!(matches!(
            write_xlsx(&report),
            Err(ReportError::TooFewColumns(1))
        ));

        let mut report = sample();
        report.sheet_name = "Quý [3]".into();
        assert!(matches!(write_xlsx(&report), Err(ReportError::Xlsx(_))));
    }

    #[test]
    fn two_columns_are_enough() {
        let mut report = sample();
        report.columns = vec![
            Column {
                header: "Chỉ tiêu".into(),
                group: None,
                width: 30.0,
                kind: ColumnKind::Text,
            },
            Column {
                header: "Số lượng".into(),
                group: None,
                width: 12.0,
                kind: ColumnKind::Integer,
            },
        ];
        report.rows = vec![
            Row::detail(vec![Cell::Text("Nhiệm vụ".into()), Cell::Int(12)]),
            Row::new(RowStyle::Total, vec![Cell::Empty, Cell::Int(12)]),
        ];
        let (r, _) = sheet(write_xlsx(&report).unwrap(), "Báo cáo tháng 10");
        assert_eq!(at(&r, 0, 0), s("UBND TỈNH PHÚ THỌ"));
        assert_eq!(at(&r, 0, 1), s(NATIONAL_NAME));
        // 9 header, 10 column numbers, 11– rows.
        assert_eq!(at(&r, 10, 1), s("(2)"));
        assert_eq!(at(&r, 11, 1), Data::Float(12.0));
        assert_eq!(at(&r, 12, 0), s(TOTAL_LABEL));
    }

    #[test]
    fn ten_thousand_rows() {
        let mut report = sample();
        let detail = report.rows[1].clone();
        let total = report.rows[4].clone();
        report.rows = (0..10_000)
            .map(|i| {
                let mut row = detail.clone();
                row.cells[0] = Cell::Int(i + 1);
                row.cells[2] = Cell::Money((i + 1) * 1_000_000);
                row
            })
            .chain(std::iter::once(total))
            .collect();
        let start = std::time::Instant::now();
        let bytes = write_xlsx(&report).unwrap();
        let elapsed = start.elapsed();
        assert!(elapsed.as_secs() < 30, "took {elapsed:?}");
        let (r, _) = sheet(bytes, "Báo cáo tháng 10");
        assert_eq!(at(&r, 12, 0), Data::Float(1.0));
        assert_eq!(at(&r, 12 + 9_999, 0), Data::Float(10_000.0));
        assert_eq!(at(&r, 12 + 9_999, 2), Data::Float(10_000.0));
        assert_eq!(at(&r, 12 + 10_000, 0), s(TOTAL_LABEL));
        assert_eq!(at(&r, 12 + 10_002, 3), s("CHÁNH VĂN PHÒNG"));
    }

    #[test]
    fn roman_numerals() {
        let cases = [
            (1, "I"),
            (2, "II"),
            (3, "III"),
            (4, "IV"),
            (9, "IX"),
            (14, "XIV"),
            (40, "XL"),
            (90, "XC"),
            (400, "CD"),
            (1994, "MCMXCIV"),
            (3999, "MMMCMXCIX"),
            (0, ""),
        ];
        for (n, text) in cases {
            assert_eq!(roman(n), text, "{n}");
        }
    }

    #[test]
    fn date_lines() {
        let cases = [
            ((2026, 11, 23), "Phú Thọ, ngày 23 tháng 11 năm 2026"),
            ((2026, 3, 5), "Phú Thọ, ngày 05 tháng 3 năm 2026"),
            ((2026, 2, 9), "Phú Thọ, ngày 09 tháng 02 năm 2026"),
            ((2027, 1, 10), "Phú Thọ, ngày 10 tháng 01 năm 2027"),
            ((2026, 12, 1), "Phú Thọ, ngày 01 tháng 12 năm 2026"),
        ];
        for ((y, m, d), text) in cases {
            assert_eq!(vietnamese_date_line("Phú Thọ", date(y, m, d)), text);
        }
    }
}
