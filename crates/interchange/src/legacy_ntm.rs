//! Reader for legacy NTM criteria matrices (`ntm_criteria_matrix`): a
//! district's table of communes × national criteria, as the district
//! offices kept it in Excel (e.g. Krông Búk 2022, sheet *TH 19 TC*; the
//! layout [`crate::ntm_matrix`] writes).
//!
//! What the reader expects, and tolerates:
//!
//! * heading lines above the table: the issuing body (*UBND HUYỆN KRÔNG
//!   BÚK*) and a title naming the year (*… NĂM 2022*);
//! * a header with the unit column (*Tên xã*, *Tên đơn vị*, *Đơn vị*,
//!   *Xã/thị trấn*, …) and *Kết quả thực hiện các tiêu chí…* over a second
//!   header row with the criterion numbers (`1`…`19`, `TC1`, `(1)`);
//!   optionally *STT*, a unit code (*Mã xã*), the count (*Tổng số tiêu chí
//!   đạt*, *Số tiêu chí đạt*, *Tổng*) and a note (*Ghi chú*), in any order,
//!   with other columns in between; on any visible sheet;
//! * one row per commune, a criterion met marked `x`, `X`, `✓`, `✔`, `√`,
//!   `Đạt` or `1` (not met: empty, `-`, `0`, *Không (đạt)*, *Chưa đạt*);
//! * a *Tổng cộng* row (before or after the communes), and a signature
//!   block (*NGƯỜI LẬP BIỂU*, *TM. UBND*, the date line) under the table,
//!   which ends it;
//! * text typed in TCVN3 or VNI (repaired by [`crate::table::open_workbook`]).
//!
//! Rows that only have an STT, rows with neither an STT nor marks nor a
//! count (a wrapped note, a footnote), and group rows (STT `I`, `II`, `A`, …
//! with no marks) are not communes. Whatever does not add up is reported as a
//! [`Problem`] rather than guessed away.

use std::collections::{BTreeMap, HashSet};

use domain::text::canonical;

use crate::legacy::{
    column_cell, find_issuer, find_year, is_group_number, locate, read_report_rows, ReportRows,
    CODE, CODE_COLUMN, NAME, NOTE, NOTE_COLUMN, STT, STT_COLUMN,
};
use crate::table::{normalize_header, CellValue, ColumnSpec, Located, Sheet};

const CRITERIA: &str = "criteria";
const COUNT: &str = "count";
/// Why no table was found, in Vietnamese then English.
const NOT_FOUND: &str = "không tìm thấy bảng tiêu chí nông thôn mới (cần cột Tên xã và cột Kết quả thực hiện các tiêu chí) / no NTM criteria table found (needs a commune-name column and a criteria column)";
/// The same, in Vietnamese only.
const NOT_FOUND_VI: &str = "Không tìm thấy bảng tiêu chí nông thôn mới: cần một dòng tiêu đề có cột Tên xã và cột Kết quả thực hiện các tiêu chí.";

/// The columns of the matrix and the header texts that name them.
pub const COLUMNS: &[ColumnSpec] = &[
    STT_COLUMN,
    CODE_COLUMN,
    ColumnSpec {
        key: NAME,
        names: &[
            "Tên xã",
            "Tên đơn vị",
            "Tên xã, thị trấn",
            "Tên xã/thị trấn",
            "Xã/thị trấn",
            "Xã, thị trấn",
            "Đơn vị",
            "Tên",
            "Xã",
        ],
        required: true,
    },
    ColumnSpec {
        key: CRITERIA,
        names: &[
            "Kết quả thực hiện các tiêu chí",
            "Kết quả thực hiện tiêu chí",
            "Kết quả đạt tiêu chí",
            "Kết quả thực hiện",
            "Các tiêu chí",
            "Tiêu chí",
            "Kết quả",
        ],
        required: true,
    },
    ColumnSpec {
        key: COUNT,
        names: &[
            "Tổng số tiêu chí đạt",
            "Số tiêu chí đạt",
            "Tổng số tiêu chí",
            "Số tiêu chí",
            "Tổng số",
            "Tổng",
        ],
        required: false,
    },
    NOTE_COLUMN,
];

/// One commune's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtmRow {
    /// The sheet row, 1-based as Excel shows it.
    pub row: usize,
    /// The unit code, when the table has a code column (*Mã xã*) and the
    /// row fills it.
    pub code: Option<String>,
    /// The unit name as written, repaired and in canonical spelling
    /// ([`domain::text::canonical`]), e.g. `"Xã Cư Né"`.
    pub name: String,
    /// The criteria marked as met, in column order.
    pub met: Vec<u8>,
    /// The number of criteria met as the file states it, if it does.
    pub stated_count: Option<u32>,
    /// The note; empty for none.
    pub note: String,
}

/// Something in the file that does not add up or cannot be read. Stable
/// codes:
/// * `count_mismatch`: the stated count differs from the marks;
/// * `total_mismatch`: a cell of the *Tổng cộng* row differs from the
///   column (one problem per criterion, naming it; or the count column);
/// * `unreadable_mark`: a criterion cell that is neither a mark nor
///   blank (taken as not met);
/// * `missing_name`: a row with marks or a count but no unit name (not
///   imported);
/// * `unreadable_count`: a count cell that is not a whole number;
/// * `unreadable_total`: a *Tổng cộng* cell that is not a whole number.
pub use crate::legacy::Problem;

/// What the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtmImport {
    /// The name of the sheet the table was found on.
    pub sheet: String,
    /// The year in the title (*… NĂM 2022*), if any.
    pub year: Option<i32>,
    /// The issuing unit from the heading, without *UBND* / *Ủy ban nhân
    /// dân*: `"UBND HUYỆN KRÔNG BÚK"` → `"HUYỆN KRÔNG BÚK"`, in the case
    /// written, repaired and in canonical spelling.
    pub issuer: Option<String>,
    /// The criterion numbers, in column order.
    pub criteria: Vec<u8>,
    /// The communes, top to bottom.
    pub rows: Vec<NtmRow>,
    /// The file's own *Tổng cộng* row: for each criterion whose cell holds
    /// a number, the number of communes stated to meet it. `None` when the
    /// table has no such row.
    pub totals: Option<Vec<(u8, u32)>>,
    /// Everything that does not add up, top to bottom.
    pub problems: Vec<Problem>,
}

/// Figures over an import.
#[derive(Debug, Clone, PartialEq)]
pub struct NtmSummary {
    /// Number of communes.
    pub communes: usize,
    /// Communes meeting every criterion of [`NtmImport::criteria`].
    pub communes_meeting_all: usize,
    /// Criteria met per commune on average, rounded to 2 decimals (0 for
    /// no commune).
    pub average_criteria_met: f64,
    /// For each criterion, the number of communes meeting it.
    pub per_criterion_met: BTreeMap<u8, u32>,
}

/// As [`read`], from sheets already opened with
/// [`crate::table::open_workbook`].
///
/// # Errors
/// As [`read`], less the workbook errors.
pub fn read_sheets(sheets: &[Sheet]) -> Result<NtmImport, ImportError> {
    let (sheet, located) = locate(sheets, COLUMNS)?;
    let criteria = criteria_columns(sheet, &located);
    if criteria.is_empty() {
        return Err(ImportError::CriteriaNotFound {
            row: located.header_rows.0 + 1,
        });
    }
    let heading = located.header_rows.0;
    let mut reader = RowReader::new(sheet, &located, criteria);
    reader.read_rows();
    reader.problems.sort_by_key(|p| p.row);
    Ok(NtmImport {
        sheet: sheet.name.clone(),
        year: find_year(sheet, heading),
        issuer: find_issuer(sheet, heading),
        criteria: reader.criteria.iter().map(|&(_, n)| n).collect(),
        totals: reader.totals.take().map(|t| t.cells),
        rows: reader.rows,
        problems: reader.problems,
    })
}

/// Figures over an import; see [`NtmSummary`].
pub fn summary(import: &NtmImport) -> NtmSummary {
    let mut per_criterion_met: BTreeMap<u8, u32> =
        import.criteria.iter().map(|&c| (c, 0)).collect();
    let mut met_total = 0usize;
    let mut meeting_all = 0usize;
    for row in &import.rows {
        let met: HashSet<u8> = row
            .met
            .iter()
            .copied()
            .filter(|c| per_criterion_met.contains_key(c))
            .collect();
        met_total += met.len();
        for c in &met {
            if let Some(n) = per_criterion_met.get_mut(c) {
                *n += 1;
            }
        }
        if import.criteria.iter().all(|c| met.contains(c)) {
            meeting_all += 1;
        }
    }
    let communes = import.rows.len();
    let average_criteria_met = if communes == 0 {
        0.0
    } else {
        (met_total as f64 / communes as f64 * 100.0).round() / 100.0
    };
    NtmSummary {
        communes,
        communes_meeting_all: meeting_all,
        average_criteria_met,
        per_criterion_met,
    }
}

crate::legacy::reader!(
    /// Why a file could not be imported at all: not a workbook, no visible
    /// sheet with a header with a unit-name column and a criteria column
    /// (`table_not_found`), or a criteria column without criterion numbers
    /// under it (`criteria_not_found`).
    ImportError,
    /// Reads a legacy NTM criteria matrix from the bytes of an `.xlsx`, `.xls`
    /// or `.ods` file; see the [module documentation](self).
    ///
    /// # Errors
    /// [`ImportError::Workbook`] for a file that is not a readable workbook,
    /// [`ImportError::TableNotFound`] when no visible sheet holds the table,
    /// [`ImportError::CriteriaNotFound`] when the criterion numbers are missing.
    read -> NtmImport, NOT_FOUND, NOT_FOUND_VI
);

// ---------------------------------------------------------------------------
// Header
// ---------------------------------------------------------------------------

/// The criterion columns with their numbers, from the second header row
/// under the criteria header: within its merged region, or (without merge
/// information) up to the next header cell or matched column.
fn criteria_columns(sheet: &Sheet, located: &Located) -> Vec<(usize, u8)> {
    let (top, bottom) = located.header_rows;
    let Some(&start) = located.columns.get(CRITERIA) else {
        return Vec::new();
    };
    if bottom == top {
        return Vec::new();
    }
    let others: HashSet<usize> = located
        .columns
        .iter()
        .filter(|(k, _)| **k != CRITERIA)
        .map(|(_, c)| *c)
        .collect();
    let end = match sheet.merge_at(top, start) {
        Some(m) if m.last_col > m.first_col => m.last_col,
        _ => (start + 1..sheet.end_col())
            .take_while(|&c| {
                !others.contains(&c)
                    && sheet.cell(top, c).is_empty()
                    && sheet.merge_at(top, c).is_none()
            })
            .last()
            .unwrap_or(start),
    };
    let mut seen = HashSet::new();
    (start..=end)
        .filter(|c| !others.contains(c))
        .filter_map(|c| criterion_number(sheet.cell(bottom, c)).map(|n| (c, n)))
        .filter(|&(_, n)| seen.insert(n))
        .collect()
}

/// A criterion number: `7`, `"7"`, `"(7)"`, `"TC7"`, `"TC 7"`, `"Tiêu chí 7"`.
fn criterion_number(cell: &CellValue) -> Option<u8> {
    let n = match cell {
        CellValue::Number(_) => cell.as_integer()?,
        CellValue::Text(s) => {
            let text = normalize_header(s);
            let digits_at = text.find(|c: char| c.is_ascii_digit())?;
            let (label, digits) = text.split_at(digits_at);
            if !digits.bytes().all(|b| b.is_ascii_digit())
                || !matches!(label.trim(), "" | "tc" | "tieu chi" | "chi tieu")
            {
                return None;
            }
            digits.parse().ok()?
        }
        _ => return None,
    };
    u8::try_from(n).ok().filter(|&n| n > 0)
}

/// How a criterion cell reads.
enum Mark {
    Met,
    NotMet,
    Unreadable(String),
}

fn read_mark(cell: &CellValue) -> Mark {
    match cell {
        CellValue::Empty => Mark::NotMet,
        CellValue::Bool(b) => {
            if *b {
                Mark::Met
            } else {
                Mark::NotMet
            }
        }
        CellValue::Number(n) if *n == 1.0 => Mark::Met,
        CellValue::Number(n) if *n == 0.0 => Mark::NotMet,
        CellValue::Text(s) => {
            let t = s.trim();
            if matches!(t, "✓" | "✔" | "√" | "☑" | "✅") {
                return Mark::Met;
            }
            if matches!(t, "-" | "–" | "—" | "−" | "0") {
                return Mark::NotMet;
            }
            match normalize_header(t).as_str() {
                "x" | "dat" | "1" => Mark::Met,
                "khong" | "khong dat" | "chua dat" | "chua" => Mark::NotMet,
                _ if t.is_empty() => Mark::NotMet,
                _ => Mark::Unreadable(t.to_owned()),
            }
        }
        other => Mark::Unreadable(other.to_text()),
    }
}

/// The file's totals row.
struct Totals {
    row: usize,
    cells: Vec<(u8, u32)>,
    count: Option<u32>,
}

struct RowReader<'a> {
    sheet: &'a Sheet,
    located: &'a Located,
    criteria: Vec<(usize, u8)>,
    rows: Vec<NtmRow>,
    totals: Option<Totals>,
    problems: Vec<Problem>,
}

impl<'a> RowReader<'a> {
    fn new(sheet: &'a Sheet, located: &'a Located, criteria: Vec<(usize, u8)>) -> Self {
        RowReader {
            sheet,
            located,
            criteria,
            rows: Vec::new(),
            totals: None,
            problems: Vec::new(),
        }
    }

    fn column(&self, key: &str) -> Option<usize> {
        self.located.columns.get(key).copied()
    }

    fn cell(&self, row: usize, key: &str) -> &'a CellValue {
        column_cell(self.sheet, self.located, row, key)
    }

    /// A whole number from `cell`: `None` when the cell is empty, or when
    /// it cannot be read, which is reported as `code` with the message
    /// `message` makes from the cell's text.
    fn count(
        &mut self,
        row: usize,
        cell: &CellValue,
        code: &'static str,
        message: impl FnOnce(&str) -> String,
    ) -> Option<u32> {
        if cell.is_empty() {
            return None;
        }
        let value = cell.as_integer().and_then(|n| u32::try_from(n).ok());
        if value.is_none() {
            let text = cell.to_text();
            self.problem(row, code, message(&text));
        }
        value
    }

    fn problem(&mut self, row: usize, code: &'static str, message: String) {
        self.problems.push(Problem::at(row, code, message));
    }

    fn read_rows(&mut self) {
        let rows = self.located.data_start..self.sheet.end_row();
        read_report_rows(self, rows);
        self.check_totals();
    }

    /// Compares the totals row with the rows read.
    fn check_totals(&mut self) {
        let Some(totals) = self.totals.take() else {
            return;
        };
        let line = totals.row + 1;
        for &(number, stated) in &totals.cells {
            let counted = self.rows.iter().filter(|r| r.met.contains(&number)).count();
            if usize::try_from(stated).ok() != Some(counted) {
                self.problem(
                    totals.row,
                    "total_mismatch",
                    format!("dòng {line} (Tổng cộng), tiêu chí {number}: ghi {stated} xã đạt nhưng đếm được {counted} / row {line} (total), criterion {number}: states {stated} communes but {counted} are marked"),
                );
            }
        }
        if let Some(stated) = totals.count {
            let counted: usize = self.rows.iter().map(|r| r.met.len()).sum();
            if usize::try_from(stated).ok() != Some(counted) {
                self.problem(
                    totals.row,
                    "total_mismatch",
                    format!("dòng {line} (Tổng cộng), cột tổng số tiêu chí đạt: ghi {stated} nhưng cộng các dòng được {counted} / row {line} (total), count column: states {stated} but the rows add up to {counted}"),
                );
            }
        }
        self.totals = Some(totals);
    }
}

impl ReportRows for RowReader<'_> {
    fn sheet(&self) -> &Sheet {
        self.sheet
    }

    /// Whether any criterion or count cell of the row holds something.
    fn has_figures(&self, row: usize) -> bool {
        self.criteria
            .iter()
            .any(|&(c, _)| !self.sheet.cell(row, c).is_empty())
            || !self.cell(row, COUNT).is_empty()
    }

    /// Whether a row names itself the totals row: a total label in the
    /// name column or any column left of the criteria.
    fn is_total_row(&self, row: usize) -> bool {
        let first_criterion = self
            .criteria
            .first()
            .map_or(self.sheet.end_col(), |&(c, _)| c);
        crate::legacy::is_total_row(self.sheet, row, first_criterion, self.column(NAME))
    }

    /// Reads one row; `false` if it is not a unit's row (blank but for the
    /// STT, or a group heading).
    fn read_unit(&mut self, row: usize) -> bool {
        let name = canonical(&self.cell(row, NAME).to_text());
        let code = Some(self.cell(row, CODE).to_text()).filter(|c| !c.is_empty());
        let note = canonical(&self.cell(row, NOTE).to_text());
        let figures = self.has_figures(row);
        if name.is_empty() && code.is_none() && note.is_empty() && !figures {
            return false;
        }
        let stt = self.cell(row, STT);
        if !figures && is_group_number(&stt.to_text()) {
            return false;
        }
        // Under a table with an STT column, a line with neither an STT nor
        // figures is a wrapped note or a footnote, not a commune.
        if !figures && code.is_none() && self.column(STT).is_some() && stt.is_empty() {
            return false;
        }
        let line = row + 1;
        if name.is_empty() {
            self.problem(
                row,
                "missing_name",
                format!("dòng {line}: có số liệu nhưng không có tên xã, dòng bị bỏ qua / row {line}: figures without a commune name, row skipped"),
            );
            return true;
        }
        let mut met = Vec::new();
        for &(col, number) in &self.criteria.clone() {
            match read_mark(self.sheet.cell(row, col)) {
                Mark::Met => met.push(number),
                Mark::NotMet => {}
                Mark::Unreadable(text) => self.problem(
                    row,
                    "unreadable_mark",
                    format!("dòng {line} ({name}), tiêu chí {number}: không hiểu dấu \"{text}\", coi như chưa đạt / row {line} ({name}), criterion {number}: unreadable mark \"{text}\", taken as not met"),
                ),
            }
        }
        let stated_count = self.count(row, self.cell(row, COUNT), "unreadable_count", |text| {
            format!("dòng {line} ({name}): không đọc được số tiêu chí đạt \"{text}\" / row {line} ({name}): unreadable count \"{text}\"")
        });
        if let Some(stated) = stated_count {
            if usize::try_from(stated).ok() != Some(met.len()) {
                let marked = met.len();
                self.problem(
                    row,
                    "count_mismatch",
                    format!("dòng {line} ({name}): ghi {stated} tiêu chí đạt nhưng đánh dấu {marked} / row {line} ({name}): states {stated} criteria met but {marked} are marked"),
                );
            }
        }
        self.rows.push(NtmRow {
            row: line,
            code,
            name,
            met,
            stated_count,
            note,
        });
        true
    }

    fn read_total(&mut self, row: usize) {
        let line = row + 1;
        let mut cells = Vec::new();
        for &(col, number) in &self.criteria.clone() {
            let cell = self.sheet.cell(row, col);
            if let Some(n) = self.count(row, cell, "unreadable_total", |text| {
                format!("dòng {line} (Tổng cộng), tiêu chí {number}: không đọc được \"{text}\" / row {line} (total), criterion {number}: unreadable \"{text}\"")
            }) {
                cells.push((number, n));
            }
        }
        let count = self.count(row, self.cell(row, COUNT), "unreadable_total", |text| {
            format!("dòng {line} (Tổng cộng), cột tổng số tiêu chí đạt: không đọc được \"{text}\" / row {line} (total), count column: unreadable \"{text}\"")
        });
        self.totals = Some(Totals { row, cells, count });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::legacy::testing::{samples, tcvn3};
    use crate::ntm_matrix::{self, MatrixRow, NtmMatrix};
    use rust_xlsxwriter::{Format, Workbook, Worksheet};

    /// The communes of the Krông Búk sample in row order, keyed as in the
    /// expected JSON.
    const KRONG_BUK: [(&str, &str); 6] = [
        ("24307", "Xã Cư Né"),
        ("24310", "Xã Chứ Kbô"),
        ("24313", "Xã Cư Pơng"),
        ("24314", "Xã Ea Sin"),
        ("24317", "Xã Tân Lập"),
        ("24319", "Xã Ea Ngai"),
    ];

    #[test]
    fn the_krong_buk_sample_reads_as_expected() {
        let bytes = std::fs::read(samples().join("ntm_krong-buk_2022.xlsx")).unwrap();
        let expected: serde_json::Value = serde_json::from_slice(
            &std::fs::read(samples().join("ntm_krong-buk_2022.expected.json")).unwrap(),
        )
        .unwrap();
        let import = read(&bytes).unwrap();

        assert_eq!(import.sheet, "TH 19 TC");
        assert_eq!(import.year, Some(2022));
        assert_eq!(
            Some(i64::from(import.year.unwrap())),
            expected["year"].as_i64()
        );
        assert_eq!(import.issuer.as_deref(), Some("HUYỆN KRÔNG BÚK"));
        assert_eq!(import.criteria, (1..=19).collect::<Vec<u8>>());
        assert!(import.problems.is_empty(), "{:#?}", import.problems);

        assert_eq!(import.rows.len(), KRONG_BUK.len());
        for (i, (row, (code, name))) in import.rows.iter().zip(KRONG_BUK).enumerate() {
            assert_eq!(row.row, 8 + i, "sheet row of {name}");
            assert_eq!(row.name, name);
            assert_eq!(row.code, None, "the sample has no code column");
            let met: Vec<u8> = expected["per_commune"][code]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| u8::try_from(v.as_u64().unwrap()).unwrap())
                .collect();
            assert_eq!(row.met, met, "{name}");
            assert_eq!(row.stated_count, Some(u32::try_from(met.len()).unwrap()));
        }
        assert_eq!(import.rows[5].note, "Đạt chuẩn NTM");
        assert!(import.rows[..5].iter().all(|r| r.note.is_empty()));

        let per_criterion: BTreeMap<u8, u32> = expected["per_criterion_communes_met"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.parse().unwrap(),
                    u32::try_from(v.as_u64().unwrap()).unwrap(),
                )
            })
            .collect();
        let totals = import.totals.clone().expect("the file has a Tổng cộng row");
        assert_eq!(
            totals,
            per_criterion.clone().into_iter().collect::<Vec<_>>()
        );

        let s = summary(&import);
        assert_eq!(
            s,
            NtmSummary {
                communes: 6,
                communes_meeting_all: 1,
                average_criteria_met: 14.83,
                per_criterion_met: per_criterion,
            }
        );
        assert_eq!(Some(s.communes as u64), expected["communes"].as_u64());
        assert_eq!(
            Some(s.communes_meeting_all as u64),
            expected["communes_meeting_all_19"].as_u64()
        );
        assert_eq!(
            Some(s.average_criteria_met),
            expected["average_criteria_met"].as_f64()
        );
    }

    // -----------------------------------------------------------------
    // Variations built here
    // -----------------------------------------------------------------

    /// A column of a built table.
    #[derive(Clone, Copy)]
    enum Col {
        Stt,
        Code(&'static str),
        Name(&'static str),
        Criteria,
        Count(&'static str),
        Note,
        Extra(&'static str),
    }

    /// A cell value written in place of a mark.
    #[derive(Clone, Copy)]
    enum Value {
        Text(&'static str),
        Number(f64),
    }

    #[derive(Clone)]
    struct Unit {
        stt: Option<Value>,
        code: &'static str,
        name: String,
        met: Vec<u8>,
        count: Option<Value>,
        note: &'static str,
        /// Criterion cells written as given instead of "x"/blank.
        cells: Vec<(u8, Value)>,
    }

    fn unit(name: &str, met: &[u8]) -> Unit {
        Unit {
            stt: None,
            code: "",
            name: name.to_owned(),
            met: met.to_vec(),
            count: Some(Value::Number(met.len() as f64)),
            note: "",
            cells: Vec::new(),
        }
    }

    enum TotalsRow {
        None,
        Computed,
        /// Computed, then these cells replaced.
        Wrong(Vec<(u8, u32)>),
    }

    struct Table {
        heading: Vec<&'static str>,
        columns: Vec<Col>,
        criteria_header: &'static str,
        note_header: &'static str,
        criteria: Vec<u8>,
        units: Vec<Unit>,
        totals: TotalsRow,
        totals_first: bool,
        signature: bool,
        merges: bool,
    }

    const TITLE_2023: &str =
        "BẢNG TỔNG HỢP KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ QUỐC GIA VỀ XÃ NÔNG THÔN MỚI NĂM 2023";

    impl Table {
        /// Four communes of a made-up district, 19 criteria, the usual
        /// layout.
        fn standard() -> Table {
            Table {
                heading: vec!["UBND HUYỆN YÊN LẬP", "", TITLE_2023],
                columns: vec![
                    Col::Stt,
                    Col::Name("Tên xã"),
                    Col::Criteria,
                    Col::Count("Tổng số tiêu chí đạt"),
                    Col::Note,
                ],
                criteria_header: "Kết quả thực hiện các tiêu chí (đánh dấu \"x\" nếu đạt)",
                note_header: "Ghi chú",
                criteria: (1..=19).collect(),
                units: vec![
                    unit("Xã Mỹ Lung", &[1, 2, 3, 5, 8, 13]),
                    unit("Xã Mỹ Lương", &(1..=19).collect::<Vec<_>>()),
                    unit("Xã Xuân Viên", &[]),
                    unit("Thị trấn Yên Lập", &[2, 4, 6, 8, 10, 12, 14, 16, 18]),
                ],
                totals: TotalsRow::Computed,
                totals_first: false,
                signature: false,
                merges: true,
            }
        }

        fn names(&self) -> Vec<String> {
            self.units.iter().map(|u| u.name.clone()).collect()
        }

        /// Sheet column of each table column; criteria expand.
        fn layout(&self) -> Vec<(Col, u16)> {
            let mut col = 0u16;
            let mut out = Vec::new();
            for c in &self.columns {
                out.push((*c, col));
                col += match c {
                    Col::Criteria => u16::try_from(self.criteria.len()).unwrap(),
                    _ => 1,
                };
            }
            out
        }

        fn header_row(&self) -> u32 {
            u32::try_from(self.heading.len()).unwrap() + 1
        }

        /// The 1-based sheet row of the i-th unit.
        fn unit_row(&self, i: usize) -> usize {
            let first = self.header_row() as usize + 2 + usize::from(self.totals_first);
            first + i + 1
        }

        fn totals(&self) -> Option<Vec<(u8, u32)>> {
            let computed = || {
                self.criteria
                    .iter()
                    .map(|&c| {
                        let n = self.units.iter().filter(|u| u.met.contains(&c)).count();
                        (c, u32::try_from(n).unwrap())
                    })
                    .collect::<Vec<_>>()
            };
            match &self.totals {
                TotalsRow::None => None,
                TotalsRow::Computed => Some(computed()),
                TotalsRow::Wrong(cells) => {
                    let mut totals = computed();
                    for (c, n) in &mut totals {
                        if let Some((_, wrong)) = cells.iter().find(|(k, _)| k == c) {
                            *n = *wrong;
                        }
                    }
                    Some(totals)
                }
            }
        }

        fn write_value(ws: &mut Worksheet, row: u32, col: u16, value: Value) {
            match value {
                Value::Text(t) => ws.write_string(row, col, t).unwrap(),
                Value::Number(n) => ws.write_number(row, col, n).unwrap(),
            };
        }

        fn write(&self, ws: &mut Worksheet) {
            let format = Format::new();
            for (r, line) in self.heading.iter().enumerate() {
                if !line.is_empty() {
                    ws.write_string(u32::try_from(r).unwrap(), 0, *line)
                        .unwrap();
                }
            }
            let h = self.header_row();
            let layout = self.layout();
            for (c, col) in &layout {
                let header = match c {
                    Col::Stt => "STT",
                    Col::Code(t) | Col::Name(t) | Col::Count(t) | Col::Extra(t) => t,
                    Col::Note => self.note_header,
                    Col::Criteria => self.criteria_header,
                };
                match (c, self.merges) {
                    (Col::Criteria, true) if self.criteria.len() > 1 => {
                        let last = col + u16::try_from(self.criteria.len()).unwrap() - 1;
                        ws.merge_range(h, *col, h, last, header, &format).unwrap();
                    }
                    (Col::Criteria, _) => {
                        ws.write_string(h, *col, header).unwrap();
                    }
                    (_, true) => {
                        ws.merge_range(h, *col, h + 1, *col, header, &format)
                            .unwrap();
                    }
                    (_, false) => {
                        ws.write_string(h, *col, header).unwrap();
                    }
                }
                if let Col::Criteria = c {
                    for (i, n) in self.criteria.iter().enumerate() {
                        let cc = col + u16::try_from(i).unwrap();
                        ws.write_number(h + 1, cc, f64::from(*n)).unwrap();
                    }
                }
            }
            let mut row = h + 2;
            let totals_row = |ws: &mut Worksheet, row: u32| {
                let Some(totals) = self.totals() else { return };
                for (c, col) in &layout {
                    match c {
                        Col::Name(_) => {
                            ws.write_string(row, *col, "Tổng cộng").unwrap();
                        }
                        Col::Criteria => {
                            for (i, (_, n)) in totals.iter().enumerate() {
                                let cc = col + u16::try_from(i).unwrap();
                                ws.write_number(row, cc, f64::from(*n)).unwrap();
                            }
                        }
                        _ => {}
                    }
                }
            };
            if self.totals_first {
                totals_row(ws, row);
                row += 1;
            }
            for (i, u) in self.units.iter().enumerate() {
                for (c, col) in &layout {
                    match c {
                        Col::Stt => Self::write_value(
                            ws,
                            row,
                            *col,
                            u.stt.unwrap_or(Value::Number(i as f64 + 1.0)),
                        ),
                        Col::Code(_) if !u.code.is_empty() => {
                            ws.write_string(row, *col, u.code).unwrap();
                        }
                        Col::Name(_) if !u.name.is_empty() => {
                            ws.write_string(row, *col, &u.name).unwrap();
                        }
                        Col::Criteria => {
                            for (k, n) in self.criteria.iter().enumerate() {
                                let cc = col + u16::try_from(k).unwrap();
                                if let Some((_, v)) = u.cells.iter().find(|(m, _)| m == n) {
                                    Self::write_value(ws, row, cc, *v);
                                } else if u.met.contains(n) {
                                    ws.write_string(row, cc, "x").unwrap();
                                }
                            }
                        }
                        Col::Count(_) => {
                            if let Some(v) = u.count {
                                Self::write_value(ws, row, *col, v);
                            }
                        }
                        Col::Note if !u.note.is_empty() => {
                            ws.write_string(row, *col, u.note).unwrap();
                        }
                        Col::Extra(_) => {
                            ws.write_number(row, *col, 1234.0).unwrap();
                        }
                        _ => {}
                    }
                }
                row += 1;
            }
            if !self.totals_first {
                totals_row(ws, row);
                row += 1;
            }
            if self.signature {
                let name_col = layout
                    .iter()
                    .find_map(|(c, col)| matches!(c, Col::Name(_)).then_some(*col))
                    .unwrap();
                let right = layout.last().unwrap().1;
                row += 1;
                ws.write_string(row, right, "Yên Lập, ngày 20 tháng 12 năm 2023")
                    .unwrap();
                row += 1;
                ws.write_string(row, name_col, "NGƯỜI LẬP BIỂU").unwrap();
                ws.write_string(row, right, "TM. UBND HUYỆN").unwrap();
                row += 1;
                ws.write_string(row, right, "KT. CHỦ TỊCH").unwrap();
                row += 1;
                ws.write_string(row, name_col, "(Ký, ghi rõ họ tên)")
                    .unwrap();
                ws.write_string(row, right, "PHÓ CHỦ TỊCH").unwrap();
                row += 4;
                ws.write_string(row, name_col, "Nguyễn Văn An").unwrap();
                ws.write_string(row, right, "Trần Thị Bình").unwrap();
            }
        }

        fn bytes(&self) -> Vec<u8> {
            let mut book = Workbook::new();
            self.write(book.add_worksheet());
            book.save_to_buffer().unwrap()
        }
    }

    fn codes(import: &NtmImport) -> Vec<&'static str> {
        import.problems.iter().map(|p| p.code).collect()
    }

    fn names(import: &NtmImport) -> Vec<String> {
        import.rows.iter().map(|r| r.name.clone()).collect()
    }

    fn mets(import: &NtmImport) -> Vec<Vec<u8>> {
        import.rows.iter().map(|r| r.met.clone()).collect()
    }

    #[test]
    fn the_standard_built_table_reads_cleanly() {
        let table = Table::standard();
        let import = read(&table.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.year, Some(2023));
        assert_eq!(import.issuer.as_deref(), Some("HUYỆN YÊN LẬP"));
        assert_eq!(names(&import), table.names());
        assert_eq!(
            mets(&import),
            table
                .units
                .iter()
                .map(|u| u.met.clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(import.rows[0].row, table.unit_row(0));
        assert_eq!(import.totals, table.totals());
        let s = summary(&import);
        assert_eq!(s.communes, 4);
        assert_eq!(s.communes_meeting_all, 1);
        // (6 + 19 + 0 + 9) / 4 = 8.5
        assert_eq!(s.average_criteria_met, 8.5);
        assert_eq!(s.per_criterion_met.get(&2), Some(&3));
        assert_eq!(s.per_criterion_met.get(&7), Some(&1));
    }

    #[test]
    fn what_the_matrix_writer_writes_reads_back() {
        let matrix = NtmMatrix {
            heading: vec![
                "UBND HUYỆN KRÔNG BÚK".into(),
                "BAN CHỈ ĐẠO CÁC CTMTQG".into(),
            ],
            title:
                "BẢNG TỔNG HỢP KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ QUỐC GIA VỀ XÃ NÔNG THÔN MỚI NĂM 2022"
                    .into(),
            unit_header: "Tên xã".into(),
            criteria: (1..=19).collect(),
            rows: vec![
                MatrixRow {
                    name: "Xã Cư Né".into(),
                    met: vec![4, 5, 8, 10, 12, 13, 15, 16, 19],
                    note: String::new(),
                },
                MatrixRow {
                    name: "Xã Ea Ngai".into(),
                    met: (1..=19).collect(),
                    note: "Đạt chuẩn NTM".into(),
                },
            ],
        };
        let import = read(&ntm_matrix::write(&matrix).unwrap()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.year, Some(2022));
        assert_eq!(import.issuer.as_deref(), Some("HUYỆN KRÔNG BÚK"));
        assert_eq!(import.criteria, matrix.criteria);
        let read_back: Vec<MatrixRow> = import
            .rows
            .iter()
            .map(|r| MatrixRow {
                name: r.name.clone(),
                met: r.met.clone(),
                note: r.note.clone(),
            })
            .collect();
        assert_eq!(read_back, matrix.rows);
        assert!(import.totals.is_some());
    }

    #[test]
    fn columns_in_another_order_with_a_code_and_an_extra_column() {
        let mut table = Table::standard();
        table.columns = vec![
            Col::Code("Mã xã"),
            Col::Stt,
            Col::Name("Tên đơn vị"),
            Col::Extra("Dân số (người)"),
            Col::Note,
            Col::Criteria,
            Col::Count("Số tiêu chí đạt"),
        ];
        let codes_in = ["08290", "08293", "08296", "08299"];
        for (u, code) in table.units.iter_mut().zip(codes_in) {
            u.code = code;
        }
        table.units[1].note = "Đạt chuẩn NTM";
        let import = read(&table.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(names(&import), table.names());
        assert_eq!(
            import
                .rows
                .iter()
                .map(|r| r.code.as_deref())
                .collect::<Vec<_>>(),
            codes_in.map(Some)
        );
        assert_eq!(
            mets(&import),
            table
                .units
                .iter()
                .map(|u| u.met.clone())
                .collect::<Vec<_>>()
        );
        assert_eq!(import.rows[1].note, "Đạt chuẩn NTM");
        assert_eq!(import.rows[0].stated_count, Some(6));
    }

    #[test]
    fn header_wording_varies() {
        for (name, count) in [
            ("Tên đơn vị", "Tổng"),
            ("Đơn vị", "Số tiêu chí đạt"),
            ("Xã/thị trấn", "Tổng số tiêu chí đạt"),
            ("TÊN XÃ:", "Tổng số TC đạt"),
        ] {
            let mut table = Table::standard();
            table.columns = vec![
                Col::Stt,
                Col::Name(name),
                Col::Criteria,
                Col::Count(count),
                Col::Note,
            ];
            table.criteria_header = "Kết quả thực hiện tiêu chí";
            let import = read(&table.bytes()).unwrap();
            assert!(
                import.problems.is_empty(),
                "{name} / {count}: {:#?}",
                import.problems
            );
            assert_eq!(names(&import), table.names(), "{name}");
            assert_eq!(
                import
                    .rows
                    .iter()
                    .map(|r| r.stated_count)
                    .collect::<Vec<_>>(),
                [Some(6), Some(19), Some(0), Some(9)],
                "{count}"
            );
        }
    }

    #[test]
    fn a_hidden_scratch_sheet_comes_first() {
        let mut decoy = Table::standard();
        decoy.units = vec![unit("Xã Nháp", &[1, 2])];
        let table = Table::standard();
        let mut book = Workbook::new();
        let scratch = book.add_worksheet();
        scratch.set_name("nhap").unwrap();
        decoy.write(scratch);
        scratch.set_hidden(true);
        let sheet = book.add_worksheet();
        sheet.set_name("TH 19 TC").unwrap();
        table.write(sheet);
        sheet.set_active(true);
        let import = read(&book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(import.sheet, "TH 19 TC");
        assert_eq!(names(&import), table.names());
        assert!(import.problems.is_empty());
    }

    #[test]
    fn the_signature_block_is_not_read_as_communes() {
        for totals in [TotalsRow::Computed, TotalsRow::None] {
            let mut table = Table::standard();
            table.signature = true;
            let has_totals = matches!(totals, TotalsRow::Computed);
            table.totals = totals;
            let import = read(&table.bytes()).unwrap();
            assert_eq!(names(&import), table.names(), "totals row: {has_totals}");
            assert!(import.problems.is_empty(), "{:#?}", import.problems);
            assert_eq!(import.totals.is_some(), has_totals);
            // The date line under the table is not the title's year.
            assert_eq!(import.year, Some(2023));
        }
    }

    #[test]
    fn wrapped_notes_and_footnotes_are_not_communes() {
        let mut table = Table::standard();
        table.totals = TotalsRow::None;
        let wrapped = Unit {
            stt: Some(Value::Text("")),
            count: None,
            note: "(tiếp) đề nghị công nhận",
            ..unit("", &[])
        };
        table.units.insert(2, wrapped);
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        table.write(ws);
        let after = u32::try_from(table.unit_row(table.units.len())).unwrap();
        ws.write_string(after, 1, "Ghi chú: số liệu tạm tính đến 30/11")
            .unwrap();
        ws.write_string(after + 1, 1, "Xã Không Phải").unwrap();
        let import = read(&book.save_to_buffer().unwrap()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(
            names(&import),
            [
                "Xã Mỹ Lung",
                "Xã Mỹ Lương",
                "Xã Xuân Viên",
                "Thị trấn Yên Lập"
            ]
        );
    }

    #[test]
    fn the_totals_row_may_come_first() {
        let mut table = Table::standard();
        table.totals_first = true;
        table.signature = true;
        let import = read(&table.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(names(&import), table.names());
        assert_eq!(import.totals, table.totals());
        assert_eq!(import.rows[0].row, table.unit_row(0));
    }

    #[test]
    fn a_sheet_typed_in_tcvn3() {
        assert_eq!(tcvn3("Xã Mỹ Lương"), "X· Mü L\u{AD}¬ng");
        let mut table = Table::standard();
        let heading = [
            tcvn3("UBND HUYỆN KRÔNG BÚK"),
            String::new(),
            tcvn3("BẢNG TỔNG HỢP KẾT QUẢ THỰC HIỆN CÁC TIÊU CHÍ NĂM 2021"),
        ];
        table.heading = heading
            .iter()
            .map(|s| &*Box::leak(s.clone().into_boxed_str()))
            .collect();
        table.columns = vec![
            Col::Stt,
            Col::Name(Box::leak(tcvn3("Tên xã").into_boxed_str())),
            Col::Criteria,
            Col::Count(Box::leak(tcvn3("Số tiêu chí đạt").into_boxed_str())),
            Col::Note,
        ];
        table.criteria_header = Box::leak(tcvn3("Kết quả thực hiện các tiêu chí").into_boxed_str());
        for u in &mut table.units {
            u.name = tcvn3(&u.name);
        }
        table.note_header = Box::leak(tcvn3("Ghi chú").into_boxed_str());
        table.units[1].note = Box::leak(tcvn3("Đạt chuẩn").into_boxed_str());
        let import = read(&table.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(
            names(&import),
            [
                "Xã Mỹ Lung",
                "Xã Mỹ Lương",
                "Xã Xuân Viên",
                "Thị trấn Yên Lập"
            ]
        );
        assert_eq!(import.rows[1].note, "Đạt chuẩn");
        assert_eq!(import.year, Some(2021));
        assert_eq!(import.issuer.as_deref(), Some("HUYỆN KRÔNG BÚK"));
    }

    #[test]
    fn a_two_row_header_without_merged_cells() {
        let mut table = Table::standard();
        table.merges = false;
        let import = read(&table.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.criteria, (1..=19).collect::<Vec<u8>>());
        assert_eq!(names(&import), table.names());
    }

    #[test]
    fn a_wrong_total_is_reported_naming_the_criterion() {
        let mut table = Table::standard();
        // Criterion 3 is met by 2 communes, criterion 7 by 1.
        table.totals = TotalsRow::Wrong(vec![(3, 4), (7, 0)]);
        let import = read(&table.bytes()).unwrap();
        assert_eq!(codes(&import), ["total_mismatch", "total_mismatch"]);
        let totals_row = table.unit_row(table.units.len());
        assert!(import.problems.iter().all(|p| p.row == totals_row));
        assert!(
            import.problems[0].message.contains("tiêu chí 3"),
            "{}",
            import.problems[0].message
        );
        assert!(import.problems[0].message.contains("ghi 4"));
        assert!(import.problems[0].message.contains("đếm được 2"));
        assert!(import.problems[1].message.contains("tiêu chí 7"));
        // The communes themselves are read as marked.
        assert_eq!(summary(&import).per_criterion_met.get(&3), Some(&2));
        assert!(import.totals.unwrap().contains(&(3, 4)));
    }

    #[test]
    fn a_wrong_count_is_reported() {
        let mut table = Table::standard();
        table.units[0].count = Some(Value::Number(7.0));
        table.units[3].count = Some(Value::Text("9"));
        let import = read(&table.bytes()).unwrap();
        assert_eq!(codes(&import), ["count_mismatch"]);
        let p = &import.problems[0];
        assert_eq!(p.row, table.unit_row(0));
        assert!(
            p.message.contains("Xã Mỹ Lung") && p.message.contains('7') && p.message.contains('6')
        );
        assert_eq!(import.rows[0].stated_count, Some(7));
        assert_eq!(import.rows[0].met.len(), 6);
        assert_eq!(
            import.rows[3].stated_count,
            Some(9),
            "a count typed as text"
        );
    }

    #[test]
    fn marks_are_read_as_a_clerk_would() {
        let mut table = Table::standard();
        table.totals = TotalsRow::None;
        table.units = vec![Unit {
            cells: vec![
                (1, Value::Text("X")),
                (2, Value::Text("✓")),
                (3, Value::Text("Đạt")),
                (4, Value::Number(1.0)),
                (5, Value::Text(" x ")),
                (6, Value::Text("√")),
                (7, Value::Number(0.0)),
                (8, Value::Text("-")),
                (9, Value::Text("không đạt")),
                (10, Value::Text("chưa đạt")),
                (11, Value::Text("?")),
                (12, Value::Number(2.0)),
            ],
            count: Some(Value::Number(6.0)),
            ..unit("Xã Mỹ Lung", &[])
        }];
        let import = read(&table.bytes()).unwrap();
        assert_eq!(import.rows[0].met, [1, 2, 3, 4, 5, 6]);
        assert_eq!(codes(&import), ["unreadable_mark", "unreadable_mark"]);
        assert!(import.problems[0].message.contains("tiêu chí 11"));
        assert!(import.problems[0].message.contains("\"?\""));
        assert!(import.problems[1].message.contains("tiêu chí 12"));
    }

    #[test]
    fn rows_without_a_name_stt_only_rows_and_group_rows() {
        let mut table = Table::standard();
        table.totals = TotalsRow::None;
        let group = Unit {
            stt: Some(Value::Text("II")),
            count: None,
            ..unit("Các xã chưa đạt chuẩn", &[])
        };
        let template = Unit {
            stt: Some(Value::Number(9.0)),
            count: None,
            ..unit("", &[])
        };
        let nameless = unit("", &[1, 2]);
        table.units.insert(1, group);
        table.units.insert(3, nameless);
        table.units.push(template);
        let import = read(&table.bytes()).unwrap();
        assert_eq!(
            names(&import),
            [
                "Xã Mỹ Lung",
                "Xã Mỹ Lương",
                "Xã Xuân Viên",
                "Thị trấn Yên Lập"
            ]
        );
        assert_eq!(codes(&import), ["missing_name"]);
        assert_eq!(import.problems[0].row, table.unit_row(3));
    }

    #[test]
    fn unreadable_counts_and_totals_are_reported() {
        let mut table = Table::standard();
        table.units[0].count = Some(Value::Text("sáu"));
        let import = read(&table.bytes()).unwrap();
        assert_eq!(codes(&import), ["unreadable_count"]);
        assert_eq!(import.rows[0].stated_count, None);
    }

    #[test]
    fn a_workbook_without_the_table() {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "DANH SÁCH CÁN BỘ").unwrap();
        ws.write_string(2, 0, "STT").unwrap();
        ws.write_string(2, 1, "Họ và tên").unwrap();
        ws.write_string(2, 2, "Ngày sinh").unwrap();
        ws.write_string(2, 3, "Ghi chú").unwrap();
        ws.write_number(3, 0, 1).unwrap();
        ws.write_string(3, 1, "Nguyễn Văn An").unwrap();
        let err = read(&book.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(err, ImportError::TableNotFound);
        assert_eq!(err.code(), "table_not_found");
        assert!(err.message_vi().starts_with("Không tìm thấy"));
        assert!(err.to_string().contains(" / no NTM criteria table found"));
    }

    #[test]
    fn a_criteria_header_without_numbers() {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        for (c, h) in ["STT", "Tên xã", "Kết quả thực hiện các tiêu chí", "Ghi chú"]
            .iter()
            .enumerate()
        {
            ws.write_string(0, u16::try_from(c).unwrap(), *h).unwrap();
        }
        ws.write_number(1, 0, 1).unwrap();
        ws.write_string(1, 1, "Xã A").unwrap();
        ws.write_string(1, 2, "x").unwrap();
        let err = read(&book.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(err, ImportError::CriteriaNotFound { row: 1 });
        assert_eq!(err.code(), "criteria_not_found");
    }

    #[test]
    fn unreadable_files_keep_the_workbook_codes() {
        assert_eq!(
            read(b"not a workbook").unwrap_err().code(),
            "not_a_spreadsheet"
        );
        let sample = std::fs::read(samples().join("ntm_krong-buk_2022.xlsx")).unwrap();
        assert_eq!(
            read(&sample[..sample.len() / 2]).unwrap_err().code(),
            "corrupt"
        );
        for len in (0..sample.len()).step_by(97) {
            assert!(read(&sample[..len]).is_err());
        }
    }

    #[test]
    fn criterion_numbers_as_written() {
        let text = |s: &str| CellValue::Text(s.to_owned());
        assert_eq!(criterion_number(&CellValue::Number(7.0)), Some(7));
        assert_eq!(criterion_number(&text("7")), Some(7));
        assert_eq!(criterion_number(&text("(7)")), Some(7));
        assert_eq!(criterion_number(&text("TC7")), Some(7));
        assert_eq!(criterion_number(&text("TC 17")), Some(17));
        assert_eq!(criterion_number(&text("Tiêu chí 3")), Some(3));
        assert_eq!(criterion_number(&CellValue::Number(0.0)), None);
        assert_eq!(criterion_number(&CellValue::Number(7.5)), None);
        assert_eq!(criterion_number(&text("Ghi chú")), None);
        assert_eq!(criterion_number(&text("Năm 2022")), None);
    }

    #[test]
    fn the_summary_of_nothing() {
        let import = NtmImport {
            sheet: String::new(),
            year: None,
            issuer: None,
            criteria: vec![1, 2],
            rows: Vec::new(),
            totals: None,
            problems: Vec::new(),
        };
        let s = summary(&import);
        assert_eq!(s.communes, 0);
        assert_eq!(s.average_criteria_met, 0.0);
        assert_eq!(s.per_criterion_met, BTreeMap::from([(1, 0), (2, 0)]));
    }
}
