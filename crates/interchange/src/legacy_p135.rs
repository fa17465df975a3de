//! Reader for legacy Programme 135 allocation reports
//! (`p135_allocation_report`): a district's table of the P135 funds
//! planned for and disbursed to each commune and village, as the district
//! ethnic-affairs offices kept it in Excel (e.g. Tân Sơn 2014, Yên Lập 2013
//! typed in TCVN3).
//!
//! What the reader expects, and tolerates:
//!
//! * heading lines above the table: the issuing body (*UBND HUYỆN TÂN
//!   SƠN*), a title naming the year (*… CHƯƠNG TRÌNH 135 NĂM 2014*) and the
//!   unit of the amounts (*Đơn vị tính: triệu đồng*; *nghìn đồng*, *đồng*,
//!   *tỷ đồng* too, also in a header such as *Kế hoạch vốn (triệu đồng)*);
//! * a header with the unit-name column (*Tên xã, thôn*, *Tên xã*, *Đơn
//!   vị*, …), a planned group (*Kế hoạch vốn năm 2014*, *Vốn kế hoạch
//!   giao*, *Kế hoạch*, …) and a disbursed group (*Giải ngân đến
//!   31/12/2014*, *Đã giải ngân*, *Thực hiện giải ngân*, …), each either a
//!   single column or a merged parent over a second header row with a
//!   total (*Tổng số*) and the components (*Hỗ trợ đầu tư CSHT*, *Hỗ trợ
//!   PTSX*, …); optionally *STT*, a commune code (*Mã xã*), the disbursement
//!   rate (*Tỷ lệ giải ngân (%)*, not read) and a note (*Ghi chú*), in any
//!   order, with other columns in between; a column-number row *(1) (2) …*
//!   under the header is skipped;
//! * a *TỔNG CỘNG* row (before or after the detail), then communes
//!   (STT `I`, `II`, …, or a commune code, or a name *Xã …*, *Thị trấn …*,
//!   *Phường …*) with their villages under them (STT `1`, `2`, … or a name
//!   *Thôn …*, *Bản …*, *Xóm …*, *Khu …*). A commune row over village rows
//!   is the commune's subtotal, not a second allocation: the records are
//!   the villages, and the communes without villages;
//! * amounts as numbers or as text typed Vietnamese style (`1.234,5`), in
//!   the stated unit, converted exactly to whole đồng;
//! * a signature block (*NGƯỜI LẬP BIỂU*, *TRƯỞNG PHÒNG*, the date line)
//!   under the table, which ends it;
//! * text typed in TCVN3 or VNI (repaired by [`crate::table::open_workbook`]).
//!
//! Whatever does not add up is reported as a [`Problem`] rather than
//! guessed away.

use std::collections::BTreeMap;
use std::ops::Range;

use domain::money::{format_dong, AmountUnit};
use domain::text::{canonical, split_unit_prefix, UnitPrefix};

use crate::legacy::{
    find_issuer, find_year, is_group_number, locate, read_report_rows, ReportRows, CODE,
    CODE_COLUMN, NAME, NOTE, NOTE_COLUMN, NO_CELL, STT, STT_COLUMN,
};
use crate::numbers::{amount_from_f64, parse_amount, parse_number};
use crate::parallel::{map_chunks, SPLIT_FROM};
use crate::table::{normalize_header, CellValue, ColumnSpec, Located, Sheet};

const PLANNED: &str = "planned";
const DISBURSED: &str = "disbursed";
const RATE: &str = "rate";
/// Why no table was found, in Vietnamese then English.
const NOT_FOUND: &str = "không tìm thấy bảng phân bổ và giải ngân vốn Chương trình 135 (cần cột Tên xã, thôn, cột Kế hoạch vốn và cột Giải ngân) / no Programme 135 allocation table found (needs a name column, a planned column and a disbursed column)";
/// The same, in Vietnamese only.
const NOT_FOUND_VI: &str = "Không tìm thấy bảng phân bổ và giải ngân vốn Chương trình 135: cần một dòng tiêu đề có cột Tên xã, thôn, cột Kế hoạch vốn và cột Giải ngân.";

/// The columns of the report and the header texts that name them.
pub const COLUMNS: &[ColumnSpec] = &[
    STT_COLUMN,
    CODE_COLUMN,
    ColumnSpec {
        key: NAME,
        names: &[
            "Tên xã, thôn",
            "Tên xã, thôn, bản",
            "Tên xã, thôn bản",
            "Tên xã/thôn",
            "Xã, thôn",
            "Tên xã",
            "Tên đơn vị",
            "Đơn vị",
            "Địa bàn",
            "Tên",
        ],
        required: true,
    },
    ColumnSpec {
        key: PLANNED,
        names: &[
            "Kế hoạch vốn",
            "Vốn kế hoạch giao",
            "Kế hoạch vốn giao",
            "Vốn kế hoạch",
            "Vốn được giao",
            "Vốn phân bổ",
            "Kế hoạch",
            "Phân bổ",
        ],
        required: true,
    },
    ColumnSpec {
        key: DISBURSED,
        names: &[
            "Thực hiện giải ngân",
            "Đã giải ngân",
            "Vốn đã giải ngân",
            "Vốn giải ngân",
            "Giải ngân",
        ],
        required: true,
    },
    ColumnSpec {
        key: RATE,
        names: &["Tỷ lệ giải ngân", "Tỷ lệ", "Tỉ lệ giải ngân", "Tỉ lệ"],
        required: false,
    },
    NOTE_COLUMN,
];

/// Whether a record is a commune or a village.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Level {
    /// A commune (*xã*, *thị trấn*, *phường*).
    Commune,
    /// A village (*thôn*, *bản*, *xóm*, *khu*, …) under a commune.
    Village,
}

/// A fund component: a sub-column of the planned or disbursed group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// A stable key: `infrastructure` (*Hỗ trợ đầu tư CSHT*, *cơ sở hạ
    /// tầng*), `production` (*Hỗ trợ PTSX*, *phát triển sản xuất*),
    /// `maintenance` (*duy tu, bảo dưỡng*), `capacity_building` (*nâng cao
    /// năng lực*); otherwise the header without diacritics, words joined by
    /// `_`.
    pub key: String,
    /// The sub-column header as written (repaired, canonical spelling).
    pub header: String,
}

/// One row of the table: a record (a village, or a commune without
/// villages) or a commune's subtotal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct P135Row {
    /// The sheet row, 1-based as Excel shows it.
    pub row: usize,
    /// Commune or village.
    pub level: Level,
    /// The code written on the row (*Mã xã*), if any.
    pub code: Option<String>,
    /// The commune's code: the row's own for a commune, its commune's for
    /// a village.
    pub commune_code: Option<String>,
    /// The name as written, repaired and in canonical spelling
    /// ([`domain::text::canonical`]), e.g. `"Xóm Mít"`.
    pub name: String,
    /// For a village, the name of the commune it sits under.
    pub parent: Option<String>,
    /// Planned amount in đồng: the total column, or the sum of the
    /// components when the total cell is blank or the table has none.
    pub planned_dong: i64,
    /// Planned amount per component of [`P135Import::components`], in
    /// đồng (0 for a blank cell or a component the group lacks).
    pub planned_by_component: Vec<i64>,
    /// Disbursed amount in đồng, as [`P135Row::planned_dong`].
    pub disbursed_dong: i64,
    /// Disbursed amount per component, in đồng.
    pub disbursed_by_component: Vec<i64>,
    /// The note; empty for none.
    pub note: String,
}

/// The file's own *TỔNG CỘNG* row, as stated: `None` for a blank cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotalRow {
    /// The sheet row, 1-based.
    pub row: usize,
    /// Planned total, in đồng.
    pub planned_dong: Option<i64>,
    /// Planned per component of [`P135Import::components`], in đồng.
    pub planned_by_component: Vec<Option<i64>>,
    /// Disbursed total, in đồng.
    pub disbursed_dong: Option<i64>,
    /// Disbursed per component, in đồng.
    pub disbursed_by_component: Vec<Option<i64>>,
}

/// Something in the file that does not add up or cannot be read; its row
/// is the header row for `unit_missing`. Stable codes:
/// * `total_mismatch`: a cell of the *TỔNG CỘNG* row differs from the
///   sum of the records (one problem per column, naming it);
/// * `subtotal_mismatch`: a cell of a commune row over villages differs
///   from the sum of its villages (one per column);
/// * `component_mismatch`: a row's total differs from the sum of its
///   components (planned or disbursed);
/// * `unreadable_amount`: an amount cell that is not a number, or not
///   a whole number of đồng (taken as blank);
/// * `missing_name`: a row with amounts but no name (not imported);
/// * `unit_missing`: no *Đơn vị tính* found; amounts taken as đồng.
pub use crate::legacy::Problem;

/// What the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct P135Import {
    /// The name of the sheet the table was found on.
    pub sheet: String,
    /// The year in the title (*… NĂM 2014*), if any.
    pub year: Option<i32>,
    /// The issuing unit from the heading, without *UBND* / *Ủy ban nhân
    /// dân*: `"UBND HUYỆN TÂN SƠN"` → `"HUYỆN TÂN SƠN"`, in the case
    /// written, repaired and in canonical spelling.
    pub issuer: Option<String>,
    /// The unit the file states its amounts in; [`AmountUnit::Dong`] when
    /// it states none (reported as `unit_missing`).
    pub amount_unit: AmountUnit,
    /// The components found under the planned and disbursed groups
    /// (planned order first); empty when both are single columns.
    pub components: Vec<Component>,
    /// The records, top to bottom: villages, and communes without villages.
    pub rows: Vec<P135Row>,
    /// The commune rows over villages (their subtotals), top to bottom.
    pub subtotals: Vec<P135Row>,
    /// The file's own *TỔNG CỘNG* row, if it has one.
    pub total_row: Option<TotalRow>,
    /// Everything that does not add up, top to bottom.
    pub problems: Vec<Problem>,
}

/// Figures over an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct P135Summary {
    /// Number of records ([`P135Import::rows`]).
    pub records: usize,
    /// Number of communes: communes without villages, plus communes over
    /// villages.
    pub communes: usize,
    /// Sum of the records' planned amounts, in đồng.
    pub total_planned_dong: i64,
    /// Sum of the records' disbursed amounts, in đồng.
    pub total_disbursed_dong: i64,
    /// Whether the file has a *TỔNG CỘNG* row and every amount it states
    /// equals the sum of the records.
    pub total_row_reconciles: bool,
    /// Planned amount per [`Component::key`], in đồng.
    pub by_component_planned_dong: BTreeMap<String, i64>,
}

/// As [`read`], from sheets already opened with
/// [`crate::table::open_workbook`].
///
/// # Errors
/// As [`read`], less the workbook errors.
pub fn read_sheets(sheets: &[Sheet]) -> Result<P135Import, ImportError> {
    let (sheet, located) = locate(sheets, COLUMNS)?;
    let layout = Layout::new(sheet, &located).ok_or(ImportError::TableNotFound)?;
    let heading = located.header_rows.0;
    let mut problems = Vec::new();
    let unit = match find_unit(sheet, &located) {
        Some(unit) => unit,
        None => {
            let line = heading + 1;
            problems.push(Problem {
                row: line,
                code: "unit_missing",
                message: format!("dòng {line}: không thấy đơn vị tính (Đơn vị tính: triệu đồng, …), coi số liệu là đồng / row {line}: no amount unit stated (Đơn vị tính: triệu đồng, …), amounts taken as đồng"),
            });
            AmountUnit::Dong
        }
    };
    let columns = UnitColumns::new(&located);
    let data = located.data_start..sheet.end_row();
    let mut reader = RowReader {
        sheet,
        located: &located,
        layout: &layout,
        columns,
        ahead: UnitTexts::ahead(sheet, columns, data.clone()),
        ahead_from: data.start,
        unit,
        rows: Vec::new(),
        subtotals: Vec::new(),
        open: None,
        total: None,
        problems,
    };
    reader.read_rows();
    reader.problems.sort_by_key(|p| p.row);
    Ok(P135Import {
        sheet: sheet.name.clone(),
        year: find_year(sheet, heading),
        issuer: find_issuer(sheet, heading),
        amount_unit: unit,
        components: layout.components.clone(),
        rows: reader.rows,
        subtotals: reader.subtotals,
        total_row: reader.total.map(|(row, cells)| TotalRow {
            row: row + 1,
            planned_dong: cells.planned,
            planned_by_component: cells.planned_by_component,
            disbursed_dong: cells.disbursed,
            disbursed_by_component: cells.disbursed_by_component,
        }),
        problems: reader.problems,
    })
}

/// Figures over an import; see [`P135Summary`].
pub fn summary(import: &P135Import) -> P135Summary {
    let records = import.rows.len();
    let communes = import
        .rows
        .iter()
        .filter(|r| r.level == Level::Commune)
        .count()
        + import.subtotals.len();
    let total_planned_dong = import.rows.iter().map(|r| r.planned_dong).sum();
    let total_disbursed_dong = import.rows.iter().map(|r| r.disbursed_dong).sum();
    let mut by_component_planned_dong = BTreeMap::new();
    for (i, component) in import.components.iter().enumerate() {
        let sum: i64 = import
            .rows
            .iter()
            .filter_map(|r| r.planned_by_component.get(i))
            .sum();
        by_component_planned_dong.insert(component.key.clone(), sum);
    }
    let total_row_reconciles = import.total_row.as_ref().is_some_and(|t| {
        let sums = Cells::sum(import.components.len(), import.rows.iter());
        t.planned_dong.is_none_or(|v| v == sums.planned_dong)
            && t.disbursed_dong.is_none_or(|v| v == sums.disbursed_dong)
            && t.planned_by_component
                .iter()
                .zip(&sums.planned_by_component)
                .all(|(t, s)| t.is_none_or(|v| v == *s))
            && t.disbursed_by_component
                .iter()
                .zip(&sums.disbursed_by_component)
                .all(|(t, s)| t.is_none_or(|v| v == *s))
    });
    P135Summary {
        records,
        communes,
        total_planned_dong,
        total_disbursed_dong,
        total_row_reconciles,
        by_component_planned_dong,
    }
}

crate::legacy::reader!(
    /// Why a file could not be imported at all: not a workbook, or no visible
    /// sheet with a header with a unit-name column, a planned column and a
    /// disbursed column (`table_not_found`).
    ImportError,
    /// Reads a legacy P135 allocation report from the bytes of an `.xlsx`,
    /// `.xls` or `.ods` file; see the [module documentation](self).
    ///
    /// # Errors
    /// [`ImportError::Workbook`] for a file that is not a readable workbook,
    /// [`ImportError::TableNotFound`] when no visible sheet holds the table.
    read -> P135Import, NOT_FOUND, NOT_FOUND_VI
);

// ---------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------

/// The columns of the planned or disbursed group.
#[derive(Debug, Clone)]
struct Group {
    /// The group's header text, e.g. `"Kế hoạch vốn năm 2014"`.
    label: String,
    /// The total column, if any.
    total: Option<(usize, String)>,
    /// The component columns: (column, index into the components, header).
    components: Vec<(usize, usize, String)>,
}

impl Group {
    fn columns(&self) -> impl Iterator<Item = usize> + '_ {
        self.total
            .iter()
            .map(|&(c, _)| c)
            .chain(self.components.iter().map(|&(c, _, _)| c))
    }
}

struct Layout {
    planned: Group,
    disbursed: Group,
    components: Vec<Component>,
    /// The first amount column.
    first_amount: usize,
}

/// Labels of a group's total sub-column.
const TOTAL_COLUMN_LABELS: &[&str] = &[
    "tong so",
    "tong",
    "cong",
    "tong cong",
    "tong von",
    "tong so von",
    "tong kinh phi",
    "tong muc",
];

fn is_total_column(text: &str) -> bool {
    let t = normalize_header(text);
    TOTAL_COLUMN_LABELS.contains(&t.as_str())
}

/// The stable key of a component header; see [`Component::key`].
pub fn component_key(header: &str) -> String {
    let t = normalize_header(header);
    let padded = format!(" {t} ");
    let has = |w: &str| padded.contains(&format!(" {w} "));
    if has("csht") || has("co so ha tang") || has("ha tang") {
        "infrastructure".to_owned()
    } else if has("ptsx") || has("phat trien san xuat") || has("san xuat") || has("sinh ke") {
        "production".to_owned()
    } else if has("duy tu") || has("bao duong") {
        "maintenance".to_owned()
    } else if has("nang cao nang luc") || has("dao tao") {
        "capacity_building".to_owned()
    } else {
        t.replace(' ', "_")
    }
}

impl Layout {
    fn new(sheet: &Sheet, located: &Located) -> Option<Layout> {
        let planned = *located.columns.get(PLANNED)?;
        let disbursed = *located.columns.get(DISBURSED)?;
        let others: Vec<usize> = located
            .columns
            .iter()
            .filter(|(k, _)| **k != PLANNED && **k != DISBURSED)
            .map(|(_, c)| *c)
            .collect();
        let mut components = Vec::new();
        let planned_extent = group_extent(sheet, located, planned, &others, disbursed);
        let disbursed_extent = group_extent(sheet, located, disbursed, &others, planned);
        let planned = group(sheet, located, planned_extent, &mut components);
        let disbursed = group(sheet, located, disbursed_extent, &mut components);
        if planned.total.is_none() && planned.components.is_empty() {
            return None;
        }
        if disbursed.total.is_none() && disbursed.components.is_empty() {
            return None;
        }
        let first_amount = planned_extent.0.min(disbursed_extent.0);
        Some(Layout {
            planned,
            disbursed,
            components,
            first_amount,
        })
    }
}

/// The columns (first, last) under a group header found at `start`: its
/// merged region, or (without merge information) the columns to its right
/// with a sub-header under an empty top cell.
fn group_extent(
    sheet: &Sheet,
    located: &Located,
    start: usize,
    others: &[usize],
    other_group: usize,
) -> (usize, usize) {
    let (top, bottom) = located.header_rows;
    if let Some(m) = sheet.merge_at(top, start) {
        if m.last_col > m.first_col || m.last_row >= bottom {
            return (m.first_col, m.last_col);
        }
    }
    if bottom == top {
        return (start, start);
    }
    // A sub-column found first: walk back to its parent.
    let mut first = start;
    while sheet.text(top, first).is_empty() && first > sheet.first_col() {
        let left = first - 1;
        if others.contains(&left) || left == other_group || sheet.merge_at(top, left).is_some() {
            break;
        }
        first = left;
    }
    let mut last = first;
    for c in first + 1..sheet.end_col() {
        if others.contains(&c)
            || c == other_group
            || !sheet.cell(top, c).is_empty()
            || sheet.merge_at(top, c).is_some()
            || sheet.cell(bottom, c).is_empty()
        {
            break;
        }
        last = c;
    }
    (first, last)
}

/// Reads the sub-columns of a group, adding its components to
/// `components`.
fn group(
    sheet: &Sheet,
    located: &Located,
    (first, last): (usize, usize),
    components: &mut Vec<Component>,
) -> Group {
    let (top, bottom) = located.header_rows;
    let label = canonical(sheet.shown_text(top, first));
    let mut total = None;
    let mut parts = Vec::new();
    for col in first..=last {
        let child = if bottom > top {
            match sheet.merge_at(bottom, col) {
                Some(m) if m.contains(top, col) => "",
                Some(m) => sheet.text(m.first_row, m.first_col),
                None => sheet.text(bottom, col),
            }
        } else {
            ""
        };
        if child.is_empty() {
            if first == last && total.is_none() {
                total = Some((col, label.clone()));
            }
            continue;
        }
        let header = canonical(child);
        if is_total_column(child) {
            if total.is_none() {
                total = Some((col, header));
            }
            continue;
        }
        let key = component_key(child);
        let index = match components.iter().position(|c| c.key == key) {
            Some(i) => i,
            None => {
                components.push(Component {
                    key,
                    header: header.clone(),
                });
                components.len() - 1
            }
        };
        if parts.iter().all(|&(_, i, _)| i != index) {
            parts.push((col, index, header));
        }
    }
    Group {
        label,
        total,
        components: parts,
    }
}

/// The unit of the amounts: a *Đơn vị tính* line above the header (the
/// nearest first), else a header cell naming one.
fn find_unit(sheet: &Sheet, located: &Located) -> Option<AmountUnit> {
    let (top, bottom) = located.header_rows;
    let cols = sheet.first_col()..sheet.end_col();
    (sheet.first_row()..top)
        .rev()
        .chain(top..=bottom)
        .find_map(|r| {
            cols.clone().find_map(|c| match sheet.text(r, c) {
                "" => None,
                text => AmountUnit::parse(text),
            })
        })
}

fn is_commune_prefix(prefix: Option<UnitPrefix>) -> bool {
    matches!(
        prefix,
        Some(UnitPrefix::Commune | UnitPrefix::Ward | UnitPrefix::Township)
    )
}

fn is_village_prefix(prefix: Option<UnitPrefix>) -> bool {
    matches!(
        prefix,
        Some(
            UnitPrefix::Village
                | UnitPrefix::Ban
                | UnitPrefix::Hamlet
                | UnitPrefix::Area
                | UnitPrefix::Quarter
                | UnitPrefix::ResidentialGroup
        )
    )
}

/// The amounts of a row as stated: `None` for a blank (or unreadable)
/// cell.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stated {
    planned: Option<i64>,
    planned_by_component: Vec<Option<i64>>,
    disbursed: Option<i64>,
    disbursed_by_component: Vec<Option<i64>>,
    /// Whether a cell could not be read (then the total is not compared
    /// with the components).
    unreadable: bool,
}

/// Resolved amounts of one row or a sum of rows.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cells {
    planned_dong: i64,
    planned_by_component: Vec<i64>,
    disbursed_dong: i64,
    disbursed_by_component: Vec<i64>,
}

impl Cells {
    fn sum<'a>(components: usize, rows: impl Iterator<Item = &'a P135Row>) -> Cells {
        let mut sum = Cells {
            planned_dong: 0,
            planned_by_component: vec![0; components],
            disbursed_dong: 0,
            disbursed_by_component: vec![0; components],
        };
        for r in rows {
            sum.planned_dong = sum.planned_dong.saturating_add(r.planned_dong);
            sum.disbursed_dong = sum.disbursed_dong.saturating_add(r.disbursed_dong);
            for (s, v) in sum
                .planned_by_component
                .iter_mut()
                .zip(&r.planned_by_component)
            {
                *s = s.saturating_add(*v);
            }
            for (s, v) in sum
                .disbursed_by_component
                .iter_mut()
                .zip(&r.disbursed_by_component)
            {
                *s = s.saturating_add(*v);
            }
        }
        sum
    }
}

/// A commune row waiting to learn whether villages follow it.
struct Open {
    row: P135Row,
    stated: Stated,
    /// Numbered as a group (`I`, `II`, …): arabic-numbered rows under it
    /// are its villages.
    grouped: bool,
    villages: usize,
}

/// The columns of a unit's own cells, looked up once.
#[derive(Debug, Clone, Copy)]
struct UnitColumns {
    stt: Option<usize>,
    name: Option<usize>,
    code: Option<usize>,
    note: Option<usize>,
}

impl UnitColumns {
    fn new(located: &Located) -> Self {
        let column = |key| located.columns.get(key).copied();
        UnitColumns {
            stt: column(STT),
            name: column(NAME),
            code: column(CODE),
            note: column(NOTE),
        }
    }
}

/// The cell of a column in a row; [`NO_CELL`] when the table has no such
/// column.
fn unit_cell(sheet: &Sheet, row: usize, column: Option<usize>) -> &CellValue {
    column.map_or(&NO_CELL, |c| sheet.cell(row, c))
}

/// What costs the most in reading a unit's row: its name and note in
/// canonical form, and the administrative prefix of its name.
struct UnitTexts {
    name: String,
    note: String,
    prefix: Option<UnitPrefix>,
}

impl UnitTexts {
    fn read(sheet: &Sheet, columns: UnitColumns, row: usize) -> UnitTexts {
        let name = canonical(&unit_cell(sheet, row, columns.name).text_or_shown());
        let note = canonical(&unit_cell(sheet, row, columns.note).text_or_shown());
        let prefix = split_unit_prefix(&name).0;
        UnitTexts { name, note, prefix }
    }

    /// For a large table, the texts of every row of `rows`, read ahead by
    /// two threads ([`map_chunks`]); nothing for a small one (each row's
    /// are read when it is).
    fn ahead(sheet: &Sheet, columns: UnitColumns, rows: Range<usize>) -> Vec<Option<UnitTexts>> {
        if rows.len() < SPLIT_FROM {
            return Vec::new();
        }
        let first = rows.start;
        map_chunks(rows.len(), |part| {
            part.map(|i| Some(UnitTexts::read(sheet, columns, first + i)))
                .collect::<Vec<_>>()
        })
        .into_iter()
        .flatten()
        .collect()
    }
}

struct RowReader<'a> {
    sheet: &'a Sheet,
    located: &'a Located,
    layout: &'a Layout,
    columns: UnitColumns,
    /// [`UnitTexts`] read ahead, from the row `ahead_from` on.
    ahead: Vec<Option<UnitTexts>>,
    ahead_from: usize,
    unit: AmountUnit,
    rows: Vec<P135Row>,
    subtotals: Vec<P135Row>,
    open: Option<Open>,
    total: Option<(usize, Stated)>,
    problems: Vec<Problem>,
}

impl<'a> RowReader<'a> {
    /// The row's [`UnitTexts`]: read ahead, or read now.
    fn unit_texts(&mut self, row: usize) -> UnitTexts {
        row.checked_sub(self.ahead_from)
            .and_then(|i| self.ahead.get_mut(i))
            .and_then(Option::take)
            .unwrap_or_else(|| UnitTexts::read(self.sheet, self.columns, row))
    }

    fn problem(&mut self, row: usize, code: &'static str, message: String) {
        self.problems.push(Problem::at(row, code, message));
    }

    fn amount_columns(&self) -> impl Iterator<Item = usize> + 'a {
        let layout = self.layout;
        layout.planned.columns().chain(layout.disbursed.columns())
    }

    fn has_amounts(&self, row: usize) -> bool {
        self.amount_columns()
            .any(|c| !self.sheet.cell(row, c).is_empty())
    }

    fn read_rows(&mut self) {
        let rows = self.located.data_start..self.sheet.end_row();
        read_report_rows(self, rows);
        self.close();
        self.check_total();
    }

    /// One amount cell in the file's unit, in đồng; `None` when blank or
    /// unreadable (reported).
    /// The column is named (`group`, `header`: see [`column_name`]) only
    /// when a problem is reported.
    fn amount(
        &mut self,
        row: usize,
        col: usize,
        what: &str,
        (group, header): (&Group, &str),
    ) -> Option<i64> {
        let cell = self.sheet.cell(row, col);
        let result = match cell {
            CellValue::Empty => return None,
            CellValue::Number(n) => amount_from_f64(*n, self.unit).map(Some),
            CellValue::Text(s) => parse_amount(s, self.unit),
            other => {
                let text = other.to_text();
                let line = row + 1;
                let column = column_name(group, header);
                self.problem(row, "unreadable_amount", format!("dòng {line} ({what}), cột {column}: không đọc được số tiền \"{text}\", coi như để trống / row {line} ({what}), column {column}: unreadable amount \"{text}\", taken as blank"));
                return None;
            }
        };
        match result {
            Ok(v) => v,
            Err(e) => {
                let line = row + 1;
                let column = column_name(group, header);
                self.problem(row, "unreadable_amount", format!("dòng {line} ({what}), cột {column}: {e}; coi như để trống / row {line} ({what}), column {column}: unreadable amount, taken as blank"));
                None
            }
        }
    }

    fn stated(&mut self, row: usize, what: &str) -> Stated {
        let layout = self.layout;
        let problems = self.problems.len();
        let n = layout.components.len();
        let read_group = |reader: &mut Self, group: &Group| {
            let total = group
                .total
                .as_ref()
                .and_then(|(col, header)| reader.amount(row, *col, what, (group, header)));
            let mut parts = vec![None; n];
            for (col, index, header) in &group.components {
                let v = reader.amount(row, *col, what, (group, header));
                if let Some(slot) = parts.get_mut(*index) {
                    *slot = v;
                }
            }
            (total, parts)
        };
        let (planned, planned_by_component) = read_group(self, &layout.planned);
        let (disbursed, disbursed_by_component) = read_group(self, &layout.disbursed);
        Stated {
            planned,
            planned_by_component,
            disbursed,
            disbursed_by_component,
            unreadable: self.problems.len() > problems,
        }
    }

    /// Reports a row whose total differs from its components.
    fn check_components(&mut self, row: usize, what: &str, stated: &Stated) {
        let layout = self.layout;
        if stated.unreadable {
            return;
        }
        for (group, total, parts) in [
            (
                &layout.planned,
                stated.planned,
                &stated.planned_by_component,
            ),
            (
                &layout.disbursed,
                stated.disbursed,
                &stated.disbursed_by_component,
            ),
        ] {
            let Some(total) = total else { continue };
            if parts.iter().all(Option::is_none) || group.components.is_empty() {
                continue;
            }
            let sum: i64 = parts.iter().flatten().sum();
            if sum != total {
                let line = row + 1;
                let label = &group.label;
                let (stated_text, sum_text) = (format_dong(total), format_dong(sum));
                self.problem(row, "component_mismatch", format!("dòng {line} ({what}), {label}: tổng số ghi {stated_text} đ nhưng cộng các hợp phần được {sum_text} đ / row {line} ({what}), {label}: total states {stated_text} đ but the components add up to {sum_text} đ"));
            }
        }
    }

    /// Closes the open commune: a record of its own, or the subtotal of
    /// the villages under it.
    fn close(&mut self) {
        let Some(open) = self.open.take() else {
            return;
        };
        if open.villages == 0 {
            // No village was pushed after it: its place is the last.
            self.rows.push(open.row);
            return;
        }
        let start = self.rows.len().saturating_sub(open.villages);
        let sums = Cells::sum(
            self.layout.components.len(),
            self.rows.get(start..).unwrap_or(&[]).iter(),
        );
        let name = &open.row.name;
        self.compare(
            open.row.row - 1,
            "subtotal_mismatch",
            || format!("{name}, dòng tổng của xã"),
            &open.stated,
            &sums,
            "cộng các thôn",
            "the villages add up to",
        );
        self.subtotals.push(open.row);
    }

    fn check_total(&mut self) {
        let Some((row, stated)) = self.total.clone() else {
            return;
        };
        let sums = Cells::sum(self.layout.components.len(), self.rows.iter());
        self.compare(
            row,
            "total_mismatch",
            || "Tổng cộng".to_owned(),
            &stated,
            &sums,
            "cộng các dòng chi tiết",
            "the records add up to",
        );
    }

    /// Reports each stated cell that differs from the sum.
    #[allow(clippy::too_many_arguments)]
    fn compare(
        &mut self,
        row: usize,
        code: &'static str,
        what: impl Fn() -> String,
        stated: &Stated,
        sums: &Cells,
        sum_vi: &str,
        sum_en: &str,
    ) {
        let layout = self.layout;
        // (group, column header (`None`: the group's label), stated, sum);
        // the column's name is built only for a message.
        let mut checks: Vec<(&Group, Option<&str>, Option<i64>, i64)> = Vec::new();
        for (group, total, parts, total_sum, part_sums) in [
            (
                &layout.planned,
                stated.planned,
                &stated.planned_by_component,
                sums.planned_dong,
                &sums.planned_by_component,
            ),
            (
                &layout.disbursed,
                stated.disbursed,
                &stated.disbursed_by_component,
                sums.disbursed_dong,
                &sums.disbursed_by_component,
            ),
        ] {
            let total_header = group.total.as_ref().map(|(_, header)| header.as_str());
            checks.push((group, total_header, total, total_sum));
            for (_, index, header) in &group.components {
                let value = parts.get(*index).copied().flatten();
                let sum = part_sums.get(*index).copied().unwrap_or(0);
                checks.push((group, Some(header.as_str()), value, sum));
            }
        }
        let line = row + 1;
        for (group, header, value, sum) in checks {
            let Some(value) = value else { continue };
            if value != sum {
                let column = match header {
                    Some(header) => column_name(group, header),
                    None => group.label.clone(),
                };
                let what = what();
                let (v, s) = (format_dong(value), format_dong(sum));
                self.problem(row, code, format!("dòng {line} ({what}), cột {column}: ghi {v} đ nhưng {sum_vi} được {s} đ / row {line} ({what}), column {column}: states {v} đ but {sum_en} {s} đ"));
            }
        }
    }
}

impl ReportRows for RowReader<'_> {
    fn sheet(&self) -> &Sheet {
        self.sheet
    }

    /// Whether any amount cell holds a number (a signature block may put
    /// a title such as *TRƯỞNG PHÒNG* in an amount column).
    fn has_figures(&self, row: usize) -> bool {
        self.amount_columns()
            .any(|c| match self.sheet.cell(row, c) {
                CellValue::Number(_) => true,
                CellValue::Text(s) => matches!(parse_number(s), Ok(Some(_))),
                _ => false,
            })
    }

    fn is_total_row(&self, row: usize) -> bool {
        crate::legacy::is_total_row(self.sheet, row, self.layout.first_amount, self.columns.name)
    }

    fn read_total(&mut self, row: usize) {
        let stated = self.stated(row, "Tổng cộng");
        self.check_components(row, "Tổng cộng", &stated);
        self.total = Some((row, stated));
    }

    /// Reads one row; `false` if it is not a unit's row.
    fn read_unit(&mut self, row: usize) -> bool {
        let UnitTexts { name, note, prefix } = self.unit_texts(row);
        let sheet = self.sheet;
        let code =
            Some(unit_cell(sheet, row, self.columns.code).to_text()).filter(|c| !c.is_empty());
        let stt = unit_cell(sheet, row, self.columns.stt).text_or_shown();
        let amounts = self.has_amounts(row);
        let line = row + 1;
        if name.is_empty() {
            if amounts {
                self.problem(row, "missing_name", format!("dòng {line}: có số liệu nhưng không có tên xã, thôn, dòng bị bỏ qua / row {line}: amounts without a commune or village name, row skipped"));
                return true;
            }
            return false;
        }
        let grouped = is_group_number(&stt);
        let level = if code.is_some() || is_commune_prefix(prefix) {
            Level::Commune
        } else if is_village_prefix(prefix) {
            Level::Village
        } else if grouped {
            if !amounts {
                // A group heading (*I. Các xã khu vực III*).
                self.close();
                return false;
            }
            Level::Commune
        } else if self.open.as_ref().is_some_and(|o| o.grouped) {
            Level::Village
        } else if amounts {
            Level::Commune
        } else {
            // A wrapped note or a footnote.
            return false;
        };
        let stated = self.stated(row, &name);
        self.check_components(row, &name, &stated);
        let n = self.layout.components.len();
        let resolve = |total: Option<i64>, parts: &[Option<i64>]| {
            let parts: Vec<i64> = parts.iter().map(|v| v.unwrap_or(0)).collect();
            let total = total.unwrap_or_else(|| parts.iter().sum());
            (total, parts)
        };
        let (planned_dong, planned_by_component) =
            resolve(stated.planned, &stated.planned_by_component);
        let (disbursed_dong, disbursed_by_component) =
            resolve(stated.disbursed, &stated.disbursed_by_component);
        debug_assert_eq!(planned_by_component.len(), n);
        let mut record = P135Row {
            row: line,
            level,
            code: code.clone(),
            commune_code: code,
            name,
            parent: None,
            planned_dong,
            planned_by_component,
            disbursed_dong,
            disbursed_by_component,
            note,
        };
        match level {
            Level::Commune => {
                self.close();
                self.open = Some(Open {
                    row: record,
                    stated,
                    grouped,
                    villages: 0,
                });
            }
            Level::Village => {
                if let Some(open) = self.open.as_mut() {
                    open.villages += 1;
                    record.parent = Some(open.row.name.clone());
                    if record.commune_code.is_none() {
                        record.commune_code.clone_from(&open.row.code);
                    }
                }
                self.rows.push(record);
            }
        }
        true
    }
}

/// A column's name for messages: the group's header and the sub-column's,
/// e.g. `"Kế hoạch vốn năm 2014 – Hỗ trợ đầu tư CSHT"`.
fn column_name(group: &Group, header: &str) -> String {
    if header == group.label || header.is_empty() {
        group.label.clone()
    } else {
        format!("{} – {header}", group.label)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::legacy::testing::samples;
    use rust_xlsxwriter::{Format, Workbook};
    use serde_json::Value;

    fn codes(import: &P135Import) -> Vec<&'static str> {
        import.problems.iter().map(|p| p.code).collect()
    }

    /// Reads a sample and checks it against its expected JSON, field by
    /// field.
    fn check_sample(file: &str, expected: &str) -> P135Import {
        let bytes = std::fs::read(samples().join(file)).unwrap();
        let expected: Value =
            serde_json::from_slice(&std::fs::read(samples().join(expected)).unwrap()).unwrap();
        let import = read(&bytes).unwrap();
        assert!(import.problems.is_empty(), "{file}: {:#?}", import.problems);
        assert_eq!(
            import.year.map(i64::from),
            expected["year"].as_i64(),
            "{file}"
        );
        assert_eq!(
            Some(import.amount_unit.label()),
            expected["amount_unit_in_file"].as_str()
        );
        let keys: Vec<&str> = import.components.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["infrastructure", "production"]);

        let s = summary(&import);
        assert_eq!(Some(s.records as u64), expected["records"].as_u64());
        assert_eq!(Some(s.communes as u64), expected["communes"].as_u64());
        assert_eq!(
            Some(s.total_planned_dong),
            expected["total_planned_dong"].as_i64()
        );
        assert_eq!(
            Some(s.total_disbursed_dong),
            expected["total_disbursed_dong"].as_i64()
        );
        assert_eq!(
            Some(s.total_row_reconciles),
            expected["total_row_reconciles"].as_bool()
        );
        let by_component: BTreeMap<String, i64> = expected["by_component_planned_dong"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_i64().unwrap()))
            .collect();
        assert_eq!(s.by_component_planned_dong, by_component);

        let units = expected["units"].as_array().unwrap();
        assert_eq!(import.rows.len(), units.len());
        for (row, unit) in import.rows.iter().zip(units) {
            let at = format!("{file} row {} ({})", row.row, row.name);
            assert_eq!(
                row.commune_code.as_deref(),
                unit["commune_code"].as_str(),
                "{at}"
            );
            match unit["village"].as_str() {
                Some(village) => {
                    assert_eq!(row.level, Level::Village, "{at}");
                    assert_eq!(row.name, village, "{at}");
                    assert!(row.parent.is_some(), "{at}");
                    assert_eq!(row.code, None, "{at}");
                }
                None => {
                    assert_eq!(row.level, Level::Commune, "{at}");
                    assert_eq!(row.parent, None, "{at}");
                    assert_eq!(row.code, row.commune_code, "{at}");
                }
            }
            for (i, key) in keys.iter().enumerate() {
                assert_eq!(
                    Some(row.planned_by_component[i]),
                    unit["planned_dong"][key].as_i64(),
                    "{at} planned {key}"
                );
                assert_eq!(
                    Some(row.disbursed_by_component[i]),
                    unit["disbursed_dong"][key].as_i64(),
                    "{at} disbursed {key}"
                );
            }
            assert_eq!(
                row.planned_dong,
                row.planned_by_component.iter().sum::<i64>(),
                "{at}"
            );
            assert_eq!(
                row.disbursed_dong,
                row.disbursed_by_component.iter().sum::<i64>(),
                "{at}"
            );
        }
        // Each commune over villages is a subtotal, not a record.
        assert_eq!(
            import
                .rows
                .iter()
                .filter(|r| r.level == Level::Commune)
                .count()
                + import.subtotals.len(),
            s.communes
        );
        let total = import.total_row.clone().expect("a TỔNG CỘNG row");
        assert_eq!(total.planned_dong, Some(s.total_planned_dong));
        assert_eq!(total.disbursed_dong, Some(s.total_disbursed_dong));
        import
    }

    #[test]
    fn the_tan_son_sample_reads_as_expected() {
        let import = check_sample("p135_tan-son_2014.xlsx", "p135_tan-son_2014.expected.json");
        assert_eq!(import.issuer.as_deref(), Some("HUYỆN TÂN SƠN"));
        assert_eq!(import.sheet, "BC 2014");
        assert_eq!(import.rows[0].row, 12);
        assert_eq!(import.rows[0].parent.as_deref(), Some("Xã Thu Cúc"));
        assert_eq!(import.rows[0].note, "Thôn ĐBKK");
        assert_eq!(import.subtotals[0].name, "Xã Thu Cúc");
        assert_eq!(import.subtotals[0].row, 11);
        assert_eq!(import.subtotals[0].planned_dong, 9_929_875_000);
        assert_eq!(
            import
                .components
                .iter()
                .map(|c| c.header.as_str())
                .collect::<Vec<_>>(),
            ["Hỗ trợ đầu tư CSHT", "Hỗ trợ PTSX"]
        );
        assert_eq!(import.total_row.unwrap().row, 10);
    }

    #[test]
    fn the_yen_lap_tcvn3_sample_reads_as_expected() {
        let import = check_sample(
            "p135_yen-lap_2013_tcvn3.xls",
            "p135_yen-lap_2013_tcvn3.expected.json",
        );
        assert_eq!(import.issuer.as_deref(), Some("HUYỆN YÊN LẬP"));
        assert_eq!(import.rows[0].name, "Thị trấn Yên Lập");
        assert_eq!(import.rows[3].parent.as_deref(), Some("Xã Lương Sơn"));
        // 2339.037 triệu, exactly.
        assert_eq!(import.rows[0].disbursed_dong, 2_339_037_000);
    }

    // -----------------------------------------------------------------
    // Variations built here
    // -----------------------------------------------------------------

    /// A column of a built table.
    #[derive(Clone, Copy, PartialEq)]
    enum Col {
        Stt,
        Name,
        Code,
        Planned,
        Disbursed,
        Rate,
        Note,
        Extra(&'static str),
    }

    impl Col {
        fn width(self) -> u16 {
            match self {
                Col::Planned | Col::Disbursed => 3,
                _ => 1,
            }
        }
    }

    /// One line of a built table; amounts in đồng, per component
    /// (infrastructure, production).
    #[derive(Clone)]
    struct Line {
        stt: &'static str,
        name: &'static str,
        code: &'static str,
        planned: [i64; 2],
        disbursed: [i64; 2],
        note: &'static str,
        /// A commune over villages: amounts filled from the villages.
        subtotal: bool,
        /// Cells written as given instead of the amount: (slot, text);
        /// slots 0–2 planned total, infrastructure, production; 3–5 the
        /// same disbursed.
        overrides: Vec<(usize, &'static str)>,
    }

    fn line(
        stt: &'static str,
        name: &'static str,
        code: &'static str,
        planned: [i64; 2],
        disbursed: [i64; 2],
    ) -> Line {
        Line {
            stt,
            name,
            code,
            planned,
            disbursed,
            note: "",
            subtotal: false,
            overrides: Vec::new(),
        }
    }

    fn commune(stt: &'static str, name: &'static str, code: &'static str) -> Line {
        Line {
            subtotal: true,
            ..line(stt, name, code, [0, 0], [0, 0])
        }
    }

    struct Table {
        unit_line: Option<&'static str>,
        unit: AmountUnit,
        text_amounts: bool,
        planned_header: &'static str,
        disbursed_header: &'static str,
        columns: Vec<Col>,
        /// PTSX before CSHT.
        swapped: bool,
        lines: Vec<Line>,
        /// Cells of the TỔNG CỘNG row written as given: (slot, value in
        /// đồng).
        total_overrides: Vec<(usize, i64)>,
        total_row: bool,
        signature: bool,
    }

    impl Table {
        fn standard() -> Table {
            let mut t = Table {
                unit_line: Some("Đơn vị tính: triệu đồng"),
                unit: AmountUnit::TrieuDong,
                text_amounts: false,
                planned_header: "Kế hoạch vốn năm 2015",
                disbursed_header: "Giải ngân đến 31/12/2015",
                columns: vec![
                    Col::Stt,
                    Col::Name,
                    Col::Code,
                    Col::Planned,
                    Col::Disbursed,
                    Col::Rate,
                    Col::Note,
                ],
                swapped: false,
                lines: vec![
                    commune("I", "Xã Mỹ Lung", "08293"),
                    Line {
                        note: "Thôn ĐBKK",
                        ..line(
                            "1",
                            "Bản Mòn",
                            "",
                            [360_500_000, 2_227_000_000],
                            [263_249_000, 1_644_591_000],
                        )
                    },
                    line(
                        "2",
                        "Xóm Giác",
                        "",
                        [2_073_125_000, 1_725_000_000],
                        [1_737_958_000, 1_012_918_000],
                    ),
                    line(
                        "II",
                        "Xã Mỹ Lương",
                        "08296",
                        [522_125_000, 1_967_000_000],
                        [442_443_000, 1_941_615_000],
                    ),
                    commune("III", "Thị trấn Yên Lập", "08290"),
                    line(
                        "1",
                        "Khu Liên Thành",
                        "",
                        [895_500_000, 1_050_000_000],
                        [874_424_000, 1_010_051_000],
                    ),
                ],
                total_overrides: Vec::new(),
                total_row: true,
                signature: true,
            };
            t.fill_subtotals();
            t
        }

        fn fill_subtotals(&mut self) {
            for i in 0..self.lines.len() {
                if !self.lines[i].subtotal {
                    continue;
                }
                let (mut planned, mut disbursed) = ([0, 0], [0, 0]);
                for l in self.lines[i + 1..]
                    .iter()
                    .take_while(|l| l.code.is_empty() && !l.subtotal)
                {
                    for k in 0..2 {
                        planned[k] += l.planned[k];
                        disbursed[k] += l.disbursed[k];
                    }
                }
                self.lines[i].planned = planned;
                self.lines[i].disbursed = disbursed;
            }
        }

        /// The records as the reader should give them: (name, planned,
        /// disbursed, planned per component key, disbursed per key).
        fn records(&self) -> Vec<Record> {
            let subtotal_over_villages: Vec<bool> = (0..self.lines.len())
                .map(|i| {
                    self.lines[i].subtotal
                        && self
                            .lines
                            .get(i + 1)
                            .is_some_and(|l| l.code.is_empty() && !l.subtotal)
                })
                .collect();
            self.lines
                .iter()
                .zip(subtotal_over_villages)
                .filter(|(_, sub)| !sub)
                .map(|(l, _)| record_of(l))
                .collect()
        }

        /// The six amounts of a line, by slot.
        fn slots(l: &Line) -> [i64; 6] {
            [
                l.planned[0] + l.planned[1],
                l.planned[0],
                l.planned[1],
                l.disbursed[0] + l.disbursed[1],
                l.disbursed[0],
                l.disbursed[1],
            ]
        }

        fn amount_text(&self, dong: i64) -> String {
            let factor = self.unit.factor();
            let (int, frac) = (dong / factor, dong % factor);
            let mut out = domain::money::format_dong(int);
            if frac != 0 {
                let width = self.unit.exponent() as usize;
                let digits = format!("{frac:0width$}");
                out.push(',');
                out.push_str(digits.trim_end_matches('0'));
            }
            out
        }

        fn write_amount(&self, ws: &mut rust_xlsxwriter::Worksheet, r: u32, c: u16, dong: i64) {
            if self.text_amounts {
                ws.write_string(r, c, self.amount_text(dong)).unwrap();
            } else {
                #[allow(clippy::cast_precision_loss)]
                let value = dong as f64 / self.unit.factor() as f64;
                ws.write_number(r, c, value).unwrap();
            }
        }

        /// Where each column starts.
        fn starts(&self) -> Vec<(Col, u16)> {
            let mut c = 0;
            self.columns
                .iter()
                .map(|&col| {
                    let start = c;
                    c += col.width();
                    (col, start)
                })
                .collect()
        }

        /// The sheet row (1-based) of line `i`.
        fn line_row(&self, i: usize) -> usize {
            9 + i
        }

        fn bytes(&self) -> Vec<u8> {
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            self.write(ws);
            book.save_to_buffer().unwrap()
        }

        fn write(&self, ws: &mut rust_xlsxwriter::Worksheet) {
            let starts = self.starts();
            let width: u16 = self.columns.iter().map(|c| c.width()).sum();
            let fmt = Format::new();
            ws.write_string(0, 0, "UBND HUYỆN YÊN LẬP").unwrap();
            ws.write_string(0, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
                .unwrap();
            ws.write_string(
                2,
                0,
                "BÁO CÁO KẾT QUẢ PHÂN BỔ VÀ GIẢI NGÂN VỐN CHƯƠNG TRÌNH 135 NĂM 2015",
            )
            .unwrap();
            if let Some(unit) = self.unit_line {
                ws.write_string(3, width - 2, unit).unwrap();
            }
            let (top, bottom) = (4, 5);
            let components = if self.swapped {
                ["Hỗ trợ PTSX", "Hỗ trợ đầu tư CSHT"]
            } else {
                ["Hỗ trợ đầu tư CSHT", "Hỗ trợ PTSX"]
            };
            for &(col, c) in &starts {
                let single = match col {
                    Col::Stt => "STT",
                    Col::Name => "Tên xã, thôn",
                    Col::Code => "Mã xã",
                    Col::Rate => "Tỷ lệ giải ngân (%)",
                    Col::Note => "Ghi chú",
                    Col::Extra(h) => h,
                    Col::Planned | Col::Disbursed => {
                        let header = if col == Col::Planned {
                            self.planned_header
                        } else {
                            self.disbursed_header
                        };
                        ws.merge_range(top, c, top, c + 2, header, &fmt).unwrap();
                        ws.write_string(bottom, c, "Tổng số").unwrap();
                        ws.write_string(bottom, c + 1, components[0]).unwrap();
                        ws.write_string(bottom, c + 2, components[1]).unwrap();
                        continue;
                    }
                };
                ws.merge_range(top, c, bottom, c, single, &fmt).unwrap();
            }
            for c in 0..width {
                ws.write_string(6, c, format!("({})", c + 1)).unwrap();
            }
            let slot_col = |slot: usize| -> u16 {
                let (group, within) = (slot / 3, slot % 3);
                let col = if group == 0 {
                    Col::Planned
                } else {
                    Col::Disbursed
                };
                let start = starts.iter().find(|(c, _)| *c == col).unwrap().1;
                let within = match (within, self.swapped) {
                    (0, _) => 0,
                    (1, false) | (2, true) => 1,
                    _ => 2,
                };
                start + within
            };
            let col_of = |want: Col| starts.iter().find(|(c, _)| *c == want).map(|x| x.1);
            if self.total_row {
                let name = col_of(Col::Name).unwrap();
                ws.write_string(7, name, "TỔNG CỘNG").unwrap();
                let leaves = self.records();
                let mut sums = [0i64; 6];
                for r in &leaves {
                    for (s, v) in sums.iter_mut().zip(r.slots) {
                        *s += v;
                    }
                }
                for (slot, &sum) in sums.iter().enumerate() {
                    let value = self
                        .total_overrides
                        .iter()
                        .find(|(s, _)| *s == slot)
                        .map_or(sum, |&(_, v)| v);
                    self.write_amount(ws, 7, slot_col(slot), value);
                }
            }
            for (i, l) in self.lines.iter().enumerate() {
                let r = u32::try_from(self.line_row(i) - 1).unwrap();
                for &(col, c) in &starts {
                    match col {
                        Col::Stt => ws.write_string(r, c, l.stt).map(|_| ()).unwrap(),
                        Col::Name if !l.name.is_empty() => {
                            ws.write_string(r, c, l.name).map(|_| ()).unwrap();
                        }
                        Col::Code if !l.code.is_empty() => {
                            ws.write_string(r, c, l.code).map(|_| ()).unwrap();
                        }
                        Col::Note if !l.note.is_empty() => {
                            ws.write_string(r, c, l.note).map(|_| ()).unwrap();
                        }
                        Col::Rate => ws.write_number(r, c, 75.3).map(|_| ()).unwrap(),
                        Col::Extra(_) => ws.write_string(r, c, "NSTW").map(|_| ()).unwrap(),
                        _ => {}
                    }
                }
                for (slot, value) in Table::slots(l).into_iter().enumerate() {
                    match l.overrides.iter().find(|(s, _)| *s == slot) {
                        Some((_, text)) => {
                            ws.write_string(r, slot_col(slot), *text).unwrap();
                        }
                        None => self.write_amount(ws, r, slot_col(slot), value),
                    }
                }
            }
            if self.signature {
                let r = u32::try_from(self.line_row(self.lines.len()) + 1).unwrap();
                let name = col_of(Col::Name).unwrap();
                ws.write_string(r - 1, name + 1, "Yên Lập, ngày 15 tháng 12 năm 2014")
                    .unwrap();
                ws.write_string(r, name, "NGƯỜI LẬP BIỂU").unwrap();
                ws.write_string(r, slot_col(3), "TRƯỞNG PHÒNG").unwrap();
                ws.write_string(r + 3, name, "Nguyễn Thị Hằng").unwrap();
                ws.write_string(r + 3, slot_col(3), "Hoàng Văn Thắng")
                    .unwrap();
            }
        }
    }

    /// A record as expected: name, the six slots, per-key amounts.
    #[derive(Debug, Clone, PartialEq)]
    struct Record {
        name: String,
        slots: [i64; 6],
    }

    fn record_of(l: &Line) -> Record {
        Record {
            name: l.name.to_owned(),
            slots: Table::slots(l),
        }
    }

    /// The records read, in the same shape, whatever the component order.
    fn records_read(import: &P135Import) -> Vec<Record> {
        let index = |key: &str| import.components.iter().position(|c| c.key == key).unwrap();
        let (inf, prod) = (index("infrastructure"), index("production"));
        import
            .rows
            .iter()
            .map(|r| Record {
                name: r.name.clone(),
                slots: [
                    r.planned_dong,
                    r.planned_by_component[inf],
                    r.planned_by_component[prod],
                    r.disbursed_dong,
                    r.disbursed_by_component[inf],
                    r.disbursed_by_component[prod],
                ],
            })
            .collect()
    }

    #[test]
    fn a_built_table_reads_back() {
        let table = Table::standard();
        let import = read(&table.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(records_read(&import), table.records());
        assert_eq!(import.year, Some(2015), "not the date line's 2014");
        assert_eq!(import.amount_unit, AmountUnit::TrieuDong);
        let levels: Vec<(Level, Option<&str>, Option<&str>)> = import
            .rows
            .iter()
            .map(|r| (r.level, r.parent.as_deref(), r.commune_code.as_deref()))
            .collect();
        assert_eq!(
            levels,
            [
                (Level::Village, Some("Xã Mỹ Lung"), Some("08293")),
                (Level::Village, Some("Xã Mỹ Lung"), Some("08293")),
                (Level::Commune, None, Some("08296")),
                (Level::Village, Some("Thị trấn Yên Lập"), Some("08290")),
            ]
        );
        assert_eq!(import.rows[0].row, table.line_row(1));
        assert_eq!(
            import
                .subtotals
                .iter()
                .map(|r| r.name.as_str())
                .collect::<Vec<_>>(),
            ["Xã Mỹ Lung", "Thị trấn Yên Lập"]
        );
        let s = summary(&import);
        assert_eq!(s.records, 4);
        assert_eq!(s.communes, 3);
        assert!(s.total_row_reconciles);
        let planned: i64 = table.records().iter().map(|r| r.slots[0]).sum();
        assert_eq!(s.total_planned_dong, planned);
        assert_eq!(
            s.by_component_planned_dong.get("infrastructure"),
            Some(&table.records().iter().map(|r| r.slots[1]).sum())
        );
    }

    #[test]
    fn amounts_as_vietnamese_text_and_in_nghin_dong() {
        for (unit_line, unit) in [
            ("Đơn vị tính: triệu đồng", AmountUnit::TrieuDong),
            ("Đơn vị tính: nghìn đồng", AmountUnit::NghinDong),
            ("ĐVT: đồng", AmountUnit::Dong),
        ] {
            for text_amounts in [false, true] {
                let mut table = Table::standard();
                table.unit_line = Some(unit_line);
                table.unit = unit;
                table.text_amounts = text_amounts;
                let import = read(&table.bytes()).unwrap();
                assert!(
                    import.problems.is_empty(),
                    "{unit_line} {text_amounts}: {:#?}",
                    import.problems
                );
                assert_eq!(import.amount_unit, unit);
                assert_eq!(records_read(&import), table.records(), "{unit_line}");
            }
        }
        let mut table = Table::standard();
        table.text_amounts = true;
        assert_eq!(table.amount_text(1_234_500_000), "1.234,5");
        table.unit = AmountUnit::NghinDong;
        assert_eq!(table.amount_text(1_234_500_000), "1.234.500");
    }

    #[test]
    fn columns_in_another_order_with_an_extra_column_and_synonyms() {
        for planned in ["Kế hoạch vốn", "Vốn kế hoạch giao"] {
            for disbursed in ["Giải ngân", "Đã giải ngân", "Thực hiện giải ngân"] {
                let mut table = Table::standard();
                table.planned_header = planned;
                table.disbursed_header = disbursed;
                table.swapped = true;
                table.columns = vec![
                    Col::Stt,
                    Col::Name,
                    Col::Extra("Nguồn vốn"),
                    Col::Rate,
                    Col::Disbursed,
                    Col::Note,
                    Col::Planned,
                    Col::Code,
                ];
                let import = read(&table.bytes()).unwrap();
                assert!(
                    import.problems.is_empty(),
                    "{planned} / {disbursed}: {:#?}",
                    import.problems
                );
                assert_eq!(
                    records_read(&import),
                    table.records(),
                    "{planned} / {disbursed}"
                );
                assert_eq!(import.rows[0].note, "Thôn ĐBKK");
                assert_eq!(import.rows[2].code.as_deref(), Some("08296"));
            }
        }
    }

    #[test]
    fn a_wrong_total_cell_is_reported_naming_the_column() {
        let mut table = Table::standard();
        let right: i64 = table.records().iter().map(|r| r.slots[5]).sum();
        // Disbursed production, and the disbursed total with it.
        let disbursed: i64 = table.records().iter().map(|r| r.slots[3]).sum();
        table.total_overrides = vec![(5, right + 1_000_000), (3, disbursed + 1_000_000)];
        let import = read(&table.bytes()).unwrap();
        assert_eq!(codes(&import), ["total_mismatch", "total_mismatch"]);
        assert!(import.problems.iter().all(|p| p.row == 8));
        let messages: Vec<&str> = import.problems.iter().map(|p| p.message.as_str()).collect();
        assert!(
            messages[0].contains("Giải ngân đến 31/12/2015 – Tổng số"),
            "{}",
            messages[0]
        );
        assert!(
            messages[1].contains("Giải ngân đến 31/12/2015 – Hỗ trợ PTSX"),
            "{}",
            messages[1]
        );
        assert!(!summary(&import).total_row_reconciles);
        // The records are read as written.
        assert_eq!(records_read(&import), table.records());
        assert_eq!(
            import.total_row.unwrap().disbursed_dong,
            Some(disbursed + 1_000_000)
        );
    }

    #[test]
    fn a_commune_subtotal_that_differs_from_its_villages() {
        let mut table = Table::standard();
        table.lines[0].planned[1] += 5_000_000;
        let import = read(&table.bytes()).unwrap();
        // The planned total and the production column of the subtotal.
        assert_eq!(codes(&import), ["subtotal_mismatch", "subtotal_mismatch"]);
        assert!(import.problems.iter().all(|p| p.row == table.line_row(0)));
        assert!(import.problems[1].message.contains("Hỗ trợ PTSX"));
        assert!(import.problems[1].message.contains("Xã Mỹ Lung"));
        // Not a second allocation: the TỔNG CỘNG row still reconciles.
        let s = summary(&import);
        assert_eq!(s.records, 4);
        assert!(s.total_row_reconciles);
    }

    #[test]
    fn a_total_that_differs_from_its_components() {
        let mut table = Table::standard();
        table.lines[3].overrides = vec![(0, "9.999")];
        let import = read(&table.bytes()).unwrap();
        let found = codes(&import);
        assert!(found.contains(&"component_mismatch"), "{found:?}");
        let p = import
            .problems
            .iter()
            .find(|p| p.code == "component_mismatch")
            .unwrap();
        assert_eq!(p.row, table.line_row(3));
        assert!(p.message.contains("Kế hoạch vốn năm 2015"), "{}", p.message);
        // The stated total is kept; the TỔNG CỘNG row no longer matches it.
        assert_eq!(import.rows[2].planned_dong, 9_999_000_000);
        assert!(found.contains(&"total_mismatch"));
    }

    #[test]
    fn unreadable_amounts_and_rows_without_a_name() {
        let mut table = Table::standard();
        table.total_row = false;
        table.lines[3].overrides = vec![(5, "khoảng 2 tỷ")];
        let mut nameless = line("", "", "", [1_000_000, 0], [0, 0]);
        nameless.stt = "";
        table.lines.push(nameless);
        let import = read(&table.bytes()).unwrap();
        assert_eq!(
            codes(&import),
            ["unreadable_amount", "missing_name"],
            "an unreadable component is not also a component mismatch"
        );
        assert!(import.problems[0].message.contains("khoảng 2 tỷ"));
        assert_eq!(import.problems[1].row, table.line_row(6));
        assert_eq!(import.rows.len(), 4);
        assert_eq!(import.rows[2].disbursed_by_component[1], 0);
        assert!(import.total_row.is_none());
        assert!(!summary(&import).total_row_reconciles);
    }

    #[test]
    fn no_unit_line_means_dong_and_a_problem() {
        let mut table = Table::standard();
        table.unit_line = None;
        table.unit = AmountUnit::Dong;
        let import = read(&table.bytes()).unwrap();
        assert_eq!(codes(&import), ["unit_missing"]);
        assert_eq!(import.amount_unit, AmountUnit::Dong);
        assert_eq!(records_read(&import), table.records());
    }

    #[test]
    fn the_signature_block_is_not_read_as_rows() {
        for signature in [true, false] {
            let mut table = Table::standard();
            table.signature = signature;
            let import = read(&table.bytes()).unwrap();
            assert!(import.problems.is_empty(), "{:#?}", import.problems);
            assert_eq!(records_read(&import), table.records());
            assert_eq!(import.subtotals.len(), 2);
        }
    }

    #[test]
    fn a_total_row_after_the_detail_ends_the_table() {
        let mut table = Table::standard();
        table.total_row = false;
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        table.write(ws);
        let r = u32::try_from(table.line_row(table.lines.len()) - 1).unwrap();
        ws.write_string(r, 1, "Cộng").unwrap();
        ws.write_number(r, 2, 1.0).unwrap();
        let import = read(&book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(records_read(&import), table.records());
        assert!(import.total_row.is_some());
    }

    #[test]
    fn a_workbook_without_the_table() {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "DANH SÁCH CÁN BỘ").unwrap();
        for (c, h) in ["STT", "Họ và tên", "Đơn vị", "Ghi chú"].iter().enumerate() {
            ws.write_string(2, u16::try_from(c).unwrap(), *h).unwrap();
        }
        ws.write_number(3, 0, 1).unwrap();
        ws.write_string(3, 1, "Nguyễn Văn An").unwrap();
        let err = read(&book.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(err, ImportError::TableNotFound);
        assert_eq!(err.code(), "table_not_found");
        assert!(err.message_vi().starts_with("Không tìm thấy"));
        assert!(err
            .to_string()
            .contains(" / no Programme 135 allocation table"));
        assert_eq!(
            read(b"not a workbook").unwrap_err().code(),
            "not_a_spreadsheet"
        );
        let sample = std::fs::read(samples().join("p135_tan-son_2014.xlsx")).unwrap();
        assert_eq!(
            read(&sample[..sample.len() / 2]).unwrap_err().code(),
            "corrupt"
        );
    }

    #[test]
    fn component_keys() {
        assert_eq!(component_key("Hỗ trợ đầu tư CSHT"), "infrastructure");
        assert_eq!(component_key("Đầu tư cơ sở hạ tầng"), "infrastructure");
        assert_eq!(component_key("Hỗ trợ PTSX"), "production");
        assert_eq!(component_key("Hỗ trợ phát triển sản xuất"), "production");
        assert_eq!(component_key("Duy tu, bảo dưỡng"), "maintenance");
        assert_eq!(component_key("Vốn khác"), "von_khac");
    }
}
