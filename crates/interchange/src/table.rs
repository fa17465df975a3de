//! Finding the table in a legacy sheet, as a careful clerk would.
//!
//! Legacy reports are not tidy data: the table sits under a few lines of
//! heading (issuing body, national motto, title, date line), its header
//! often spans two rows (a merged parent cell over numbered sub-columns),
//! a row numbering the columns *(1) (2) (3)…* may follow, and a signature
//! block sits under it. The text may be typed in a legacy 8-bit encoding
//! (TCVN3, VNI).
//!
//! * [`open_workbook`] reads the bytes of an `.xlsx`, `.xls` or `.ods` file
//!   (`.xlsb` too) into [`Sheet`]s: the visible worksheets only, each a
//!   grid of [`CellValue`]s with its merged regions, text already repaired
//!   from TCVN3/VNI per sheet ([`crate::encoding::detect_all`] and
//!   [`crate::encoding::repair_with_hint`]).
//! * [`find_table`] picks the sheet and header row(s) that best match a list
//!   of expected columns ([`ColumnSpec`]), comparing header text without
//!   diacritics, case or punctuation ([`normalize_header`]).
//!
//! Rows and columns are 0-based here (row 0 is the row Excel shows as 1).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::panic::{catch_unwind, AssertUnwindSafe};

use calamine::{
    open_workbook_auto_from_rs, CellType, Data, DataRef, Dimensions, ExcelDateTime,
    ExcelDateTimeType, Reader, SheetType, SheetVisible, Sheets,
};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use domain::text::fold;

use crate::encoding::repair_all;
use crate::limits::CellBudget;
use crate::xlsx_merges::XlsxMerges;

/// How many rows from the top of a sheet are searched for the header.
const HEADER_SEARCH_ROWS: usize = 200;

/// Days between the Excel 1904 and 1900 date systems.
const EXCEL_1904_OFFSET: f64 = 1462.0;

// ---------------------------------------------------------------------------
// Cells and sheets
// ---------------------------------------------------------------------------

/// The value of one cell.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum CellValue {
    /// Nothing, or only white space.
    #[default]
    Empty,
    /// Text, repaired to Unicode (NFC) from TCVN3/VNI where the sheet was
    /// typed in a legacy encoding. Error values such as `#REF!` come as
    /// their text.
    Text(String),
    /// A number.
    Number(f64),
    /// A date or time as an Excel serial in the 1900 date system (as
    /// [`crate::dates::from_excel_serial`] takes it), whatever system the
    /// file uses.
    Date(f64),
    /// A boolean.
    Bool(bool),
}

impl CellValue {
    /// Whether the cell holds nothing (an empty or white-space text counts
    /// as nothing).
    pub fn is_empty(&self) -> bool {
        match self {
            CellValue::Empty => true,
            CellValue::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    /// The trimmed text of a text cell; `None` for other cells.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            CellValue::Text(s) => Some(s.trim()),
            _ => None,
        }
    }

    /// The cell as text: text trimmed, numbers as written without a
    /// trailing `.0` (`24307`), booleans as `TRUE`/`FALSE`, dates as their
    /// serial, empty as `""`.
    pub fn to_text(&self) -> String {
        match self {
            CellValue::Empty => String::new(),
            CellValue::Text(s) => s.trim().to_owned(),
            CellValue::Number(n) | CellValue::Date(n) => format!("{n}"),
            CellValue::Bool(true) => "TRUE".to_owned(),
            CellValue::Bool(false) => "FALSE".to_owned(),
        }
    }

    /// As [`CellValue::to_text`], borrowing the text of a text cell.
    pub(crate) fn text_or_shown(&self) -> Cow<'_, str> {
        match self {
            CellValue::Text(s) => Cow::Borrowed(s.trim()),
            other => Cow::Owned(other.to_text()),
        }
    }

    /// A whole number held by the cell, as a number or as text (`"16"`,
    /// `"16,0"`); `None` otherwise.
    pub fn as_integer(&self) -> Option<i64> {
        match self {
            CellValue::Number(n) => whole(*n),
            CellValue::Text(s) => {
                let n = crate::numbers::parse_number(s).ok()??.normalize();
                if n.scale() == 0 {
                    i64::try_from(n.mantissa()).ok()
                } else {
                    None
                }
            }
            _ => None,
        }
    }
}

/// `n` as an integer when it is a whole number within a safe range.
fn whole(n: f64) -> Option<i64> {
    // 2^53: beyond it not every integer is representable.
    const LIMIT: f64 = 9_007_199_254_740_992.0;
    (n.is_finite() && n.fract() == 0.0 && n.abs() <= LIMIT).then_some(n as i64)
}

/// A merged region, 0-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Merge {
    /// First row.
    pub first_row: usize,
    /// First column.
    pub first_col: usize,
    /// Last row (inclusive).
    pub last_row: usize,
    /// Last column (inclusive).
    pub last_col: usize,
}

impl Merge {
    /// Whether the region covers the cell.
    pub fn contains(&self, row: usize, col: usize) -> bool {
        (self.first_row..=self.last_row).contains(&row)
            && (self.first_col..=self.last_col).contains(&col)
    }
}

impl From<Dimensions> for Merge {
    fn from(d: Dimensions) -> Self {
        Merge {
            first_row: d.start.0 as usize,
            first_col: d.start.1 as usize,
            last_row: d.end.0 as usize,
            last_col: d.end.1 as usize,
        }
    }
}

/// One visible worksheet: its used area as a rectangular grid of cells
/// addressed by sheet position, and its merged regions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    /// The sheet's name (tab label).
    pub name: String,
    /// Merged regions, in sheet positions. Read from `.xlsx` and `.xls`
    /// files; empty for `.ods` and `.xlsb`, for which the reader does not
    /// report them.
    pub merged: Vec<Merge>,
    /// Sheet row and column (0-based) of `cells[0][0]`: the top-left corner
    /// of the used area.
    origin: (usize, usize),
    /// The used area, row by row, every row `width` cells long.
    cells: Vec<Vec<CellValue>>,
    width: usize,
}

/// Returned for cells outside the used area.
static EMPTY_CELL: CellValue = CellValue::Empty;

impl Sheet {
    /// A sheet whose `cells[0][0]` is A1; short rows are padded with
    /// empty cells.
    pub fn new(name: impl Into<String>, cells: Vec<Vec<CellValue>>, merged: Vec<Merge>) -> Self {
        Self::at((0, 0), name.into(), cells, merged)
    }

    fn at(
        origin: (usize, usize),
        name: String,
        mut cells: Vec<Vec<CellValue>>,
        merged: Vec<Merge>,
    ) -> Self {
        let width = cells.iter().map(Vec::len).max().unwrap_or(0);
        for row in &mut cells {
            row.resize(width, CellValue::Empty);
        }
        Sheet {
            name,
            merged,
            origin,
            cells,
            width,
        }
    }

    /// The cell at a sheet position (0-based); [`CellValue::Empty`]
    /// outside the used area.
    pub fn cell(&self, row: usize, col: usize) -> &CellValue {
        let (Some(r), Some(c)) = (
            row.checked_sub(self.origin.0),
            col.checked_sub(self.origin.1),
        ) else {
            return &EMPTY_CELL;
        };
        self.cells
            .get(r)
            .and_then(|cells| cells.get(c))
            .unwrap_or(&EMPTY_CELL)
    }

    /// The first used row (0-based).
    pub fn first_row(&self) -> usize {
        self.origin.0
    }

    /// The first used column (0-based).
    pub fn first_col(&self) -> usize {
        self.origin.1
    }

    /// One past the last used row.
    pub fn end_row(&self) -> usize {
        self.origin.0 + self.cells.len()
    }

    /// One past the last used column.
    pub fn end_col(&self) -> usize {
        self.origin.1 + self.width
    }

    /// The used area, row by row from [`Sheet::first_row`], each row from
    /// [`Sheet::first_col`] to [`Sheet::end_col`].
    pub fn rows(&self) -> &[Vec<CellValue>] {
        &self.cells
    }

    /// The merged region covering a cell, if any.
    pub fn merge_at(&self, row: usize, col: usize) -> Option<&Merge> {
        self.merged.iter().find(|m| m.contains(row, col))
    }

    /// Whether every cell of the row is empty.
    pub fn is_row_empty(&self, row: usize) -> bool {
        row.checked_sub(self.origin.0)
            .and_then(|r| self.cells.get(r))
            .is_none_or(|cells| cells.iter().all(CellValue::is_empty))
    }

    /// Whether the sheet has any non-empty cell.
    pub fn has_data(&self) -> bool {
        self.cells.iter().flatten().any(|c| !c.is_empty())
    }

    /// The trimmed text of a text cell; `""` for any other cell.
    pub fn text(&self, row: usize, col: usize) -> &str {
        self.cell(row, col).as_text().unwrap_or("")
    }

    /// The text shown for a cell, taking merged regions into account: a
    /// cell inside a merged region shows the region's top-left value.
    pub fn shown_text(&self, row: usize, col: usize) -> &str {
        match self.merge_at(row, col) {
            Some(m) => self.text(m.first_row, m.first_col),
            None => self.text(row, col),
        }
    }
}

// ---------------------------------------------------------------------------
// Opening a workbook
// ---------------------------------------------------------------------------

/// Why a file could not be read as a workbook.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookError {
    /// The bytes are not an Excel (`.xlsx`, `.xls`, `.xlsb`) or
    /// OpenDocument (`.ods`) spreadsheet.
    #[error("tệp không phải bảng tính Excel (.xlsx, .xls) hay OpenDocument (.ods) / the file is not an Excel or OpenDocument spreadsheet")]
    NotASpreadsheet,
    /// The file looks like a spreadsheet but cannot be read: damaged or
    /// cut short (e.g. an interrupted upload).
    #[error("tệp bảng tính bị hỏng hoặc không đầy đủ / the spreadsheet file is damaged or incomplete: {0}")]
    Corrupt(String),
    /// The file is empty, or no visible worksheet holds any data.
    #[error("bảng tính không có dữ liệu trên trang tính nào đang hiện / the workbook has no data on any visible sheet")]
    Empty,
    /// The file is over one of the [`crate::limits`]: refused before it is
    /// read into memory.
    #[error("tệp bảng tính vượt giới hạn: {} / the spreadsheet is over a limit: {}", .0.vi(), .0.en())]
    TooLarge(Limit),
}

/// Which of the [`crate::limits`] a file is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// The file is larger than [`crate::limits::MAX_FILE_BYTES`].
    FileSize,
    /// The parts of the package inflate to more than
    /// [`crate::limits::MAX_UNPACKED_BYTES`].
    Unpacked,
    /// A part inflates more than [`crate::limits::MAX_RATIO`] times (a zip
    /// bomb).
    Ratio,
    /// The sheets span, hold or declare more than
    /// [`crate::limits::MAX_CELLS`] cells.
    Cells,
}

impl Limit {
    /// What is over the limit, in Vietnamese.
    pub fn vi(self) -> String {
        use crate::limits::{MAX_CELLS, MAX_FILE_BYTES, MAX_RATIO, MAX_UNPACKED_BYTES};
        match self {
            Limit::FileSize => format!("tệp lớn hơn {} MB", MAX_FILE_BYTES >> 20),
            Limit::Unpacked => format!("nội dung giải nén lớn hơn {} MB", MAX_UNPACKED_BYTES >> 20),
            Limit::Ratio => {
                format!("một phần của tệp giải nén lớn gấp hơn {MAX_RATIO} lần (tệp nén độc hại)")
            }
            Limit::Cells => format!("các trang tính có hơn {MAX_CELLS} ô"),
        }
    }

    /// What is over the limit, in English.
    pub fn en(self) -> String {
        use crate::limits::{MAX_CELLS, MAX_FILE_BYTES, MAX_RATIO, MAX_UNPACKED_BYTES};
        match self {
            Limit::FileSize => format!("the file is larger than {} MB", MAX_FILE_BYTES >> 20),
            Limit::Unpacked => format!(
                "the package inflates to more than {} MB",
                MAX_UNPACKED_BYTES >> 20
            ),
            Limit::Ratio => format!("a part inflates more than {MAX_RATIO} times (a zip bomb)"),
            Limit::Cells => format!("the sheets span more than {MAX_CELLS} cells"),
        }
    }
}

impl WorkbookError {
    /// Stable code for clients: `not_a_spreadsheet`, `corrupt`, `empty`
    /// or `too_large`.
    pub fn code(&self) -> &'static str {
        match self {
            WorkbookError::NotASpreadsheet => "not_a_spreadsheet",
            WorkbookError::Corrupt(_) => "corrupt",
            WorkbookError::Empty => "empty",
            WorkbookError::TooLarge(_) => "too_large",
        }
    }

    /// The message in Vietnamese only, for people.
    pub fn message_vi(&self) -> String {
        match self {
            WorkbookError::NotASpreadsheet => {
                "Tệp không phải bảng tính Excel (.xlsx, .xls) hay OpenDocument (.ods).".to_owned()
            }
            WorkbookError::Corrupt(_) => {
                "Tệp bảng tính bị hỏng hoặc không đầy đủ; hãy mở và lưu lại bằng Excel rồi gửi lại."
                    .to_owned()
            }
            WorkbookError::Empty => {
                "Bảng tính không có dữ liệu trên trang tính nào đang hiện.".to_owned()
            }
            WorkbookError::TooLarge(limit) => format!(
                "Tệp bảng tính quá lớn: {}; hãy chia thành nhiều tệp nhỏ hơn rồi gửi lại.",
                limit.vi()
            ),
        }
    }
}

/// The container format, from the first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Container {
    /// ZIP: `.xlsx`, `.xlsb`, `.ods` (also `.docx`, `.jar`, …).
    Zip,
    /// OLE compound file: `.xls` (also `.doc`, `.msg`, …).
    Cfb,
}

fn container(bytes: &[u8]) -> Option<Container> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const ZIP_EMPTY: &[u8] = b"PK\x05\x06";
    const CFB: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(ZIP) || bytes.starts_with(ZIP_EMPTY) {
        Some(Container::Zip)
    } else if bytes.starts_with(CFB) {
        Some(Container::Cfb)
    } else {
        None
    }
}

/// Whether an OLE compound file is a whole number of sectors, as every
/// writer leaves it: a file cut short usually is not (a cut that only
/// loses the unused end of the last sector would otherwise go unnoticed).
fn whole_sectors(bytes: &[u8]) -> bool {
    let size = match bytes.get(0x1E..0x20) {
        Some([9, 0]) => 512,
        Some([12, 0]) => 4096,
        _ => return false,
    };
    bytes.len() >= size && bytes.len().is_multiple_of(size)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// For a file calamine could not open: does it look like a damaged
/// spreadsheet, or like some other document in the same container?
fn failure(bytes: &[u8], kind: Container, detail: String) -> WorkbookError {
    let spreadsheet = match kind {
        Container::Zip => {
            let other = [b"word/".as_slice(), b"ppt/", b"opendocument.text"]
                .iter()
                .any(|n| contains(bytes, n));
            let sheet = [
                b"xl/".as_slice(),
                b"opendocument.spreadsheet",
                b"[Content_Types].xml",
            ]
            .iter()
            .any(|n| contains(bytes, n));
            sheet && !other
        }
        Container::Cfb => !["WordDocument", "PowerPoint Document"]
            .iter()
            .any(|n| contains(bytes, &utf16(n))),
    };
    if spreadsheet {
        WorkbookError::Corrupt(detail)
    } else {
        WorkbookError::NotASpreadsheet
    }
}

/// Reads a workbook (`.xlsx`, `.xls`, `.ods`; `.xlsb` too) from its
/// bytes: the visible worksheets, in tab order, each with its text
/// repaired from TCVN3/VNI as a whole sheet. Hidden and very hidden sheets,
/// chart sheets and macro sheets are left out.
///
/// Never panics, whatever the bytes.
///
/// # Errors
/// * [`WorkbookError::NotASpreadsheet`] for anything that is not a
///   spreadsheet (a PDF, a Word file, random bytes);
/// * [`WorkbookError::Corrupt`] for a damaged or truncated spreadsheet;
/// * [`WorkbookError::Empty`] for a zero-byte file or one with no data on
///   any visible sheet;
/// * [`WorkbookError::TooLarge`] for a file over one of the
///   [`crate::limits`] (a zip bomb, a sheet spanning millions of cells).
pub fn open_workbook(bytes: &[u8]) -> Result<Vec<Sheet>, WorkbookError> {
    if bytes.is_empty() {
        return Err(WorkbookError::Empty);
    }
    let kind = container(bytes).ok_or(WorkbookError::NotASpreadsheet)?;
    if kind == Container::Cfb && !whole_sectors(bytes) {
        return Err(failure(
            bytes,
            kind,
            "the file ends inside a sector: truncated".to_owned(),
        ));
    }
    crate::limits::check(bytes, kind == Container::Zip)?;
    // The third-party parsers are not trusted never to panic on hostile
    // input; a panic is reported as a damaged file.
    let sheets =
        catch_unwind(AssertUnwindSafe(|| read_sheets(bytes, kind))).map_err(|_| stopped())??;
    if sheets.iter().any(Sheet::has_data) {
        Ok(sheets)
    } else {
        Err(WorkbookError::Empty)
    }
}

/// From this size on, the merged regions of an `.xlsx` file are read in a
/// second thread while the cells are read (see [`read_sheets`]).
const MERGES_APART_FROM: usize = 256 * 1024;

/// The used area of a sheet as read: the sheet position of its first cell
/// and its cells, row by row.
type Grid = ((usize, usize), Vec<Vec<CellValue>>);

/// Why reading stopped: a panic in a parser on malformed data.
fn stopped() -> WorkbookError {
    WorkbookError::Corrupt("the spreadsheet reader stopped on malformed data".to_owned())
}

fn read_sheets(bytes: &[u8], kind: Container) -> Result<Vec<Sheet>, WorkbookError> {
    read_sheets_in(bytes, kind, bytes.len() >= MERGES_APART_FROM)
}

/// As [`read_sheets`]; `apart`: read an `.xlsx` file's merged regions in a
/// second thread.
fn read_sheets_in(bytes: &[u8], kind: Container, apart: bool) -> Result<Vec<Sheet>, WorkbookError> {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| failure(bytes, kind, e.to_string()))?;
    let names: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.visible == SheetVisible::Visible && s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    if apart && matches!(book, Sheets::Xlsx(_)) {
        // An `.xlsx` sheet's merged regions follow its cells in its XML:
        // they are read straight from the package ([`XlsxMerges`]: the
        // sheet inflated again and its cell data skipped), in a second
        // thread while this one reads the cells. Same results, and the
        // same error as one thread would give (the first in sheet order,
        // cells before merged regions). Without a thread, one thread does
        // it all.
        let names = &names;
        let book = &mut book;
        let read = std::thread::scope(|scope| {
            let merges = std::thread::Builder::new()
                .spawn_scoped(scope, || merges_apart(bytes, names))
                .ok()?;
            let mut grids = Vec::with_capacity(names.len());
            let mut failed = None;
            let mut budget = CellBudget::new();
            for name in names {
                match read_grid(book, name, &mut budget) {
                    Ok(grid) => grids.push(grid),
                    Err(e) => {
                        failed = Some(e);
                        break;
                    }
                }
            }
            let merges = merges.join().unwrap_or_else(|_| vec![Err(stopped())]);
            Some(assemble(names, grids, failed, merges))
        });
        if let Some(read) = read {
            return read;
        }
    }
    let mut direct = if matches!(book, Sheets::Xlsx(_)) {
        XlsxMerges::open(bytes)
    } else {
        None
    };
    let mut sheets = Vec::with_capacity(names.len());
    let mut budget = CellBudget::new();
    for name in names {
        let (origin, cells) = read_grid(&mut book, &name, &mut budget)?;
        let merged = match direct.as_mut().and_then(|d| d.merge_cells(&name)) {
            Some(dims) => to_merges(dims),
            None => merged_regions(&mut book, &name)?,
        };
        sheets.push(build_sheet(name, origin, cells, merged));
    }
    Ok(sheets)
}

/// The sheets from the grids and merged regions read apart, or the first
/// failure in sheet order (the cells of a sheet before its merged
/// regions): `grids` end where reading cells `failed`, `merges` at their
/// first failure.
fn assemble(
    names: &[String],
    grids: Vec<Grid>,
    mut failed: Option<WorkbookError>,
    merges: Vec<Result<Vec<Merge>, WorkbookError>>,
) -> Result<Vec<Sheet>, WorkbookError> {
    let mut grids = grids.into_iter();
    let mut merges = merges.into_iter();
    let mut sheets = Vec::with_capacity(names.len());
    for name in names {
        let Some((origin, cells)) = grids.next() else {
            return Err(failed.take().unwrap_or_else(stopped));
        };
        let merged = merges.next().unwrap_or_else(|| Err(stopped()))?;
        sheets.push(build_sheet(name.clone(), origin, cells, merged));
    }
    Ok(sheets)
}

/// The merged regions of the `.xlsx` sheets `names` in order, read
/// straight from the package ([`XlsxMerges`]), or where that cannot be
/// done by calamine on a workbook opened anew; ends at the first failure
/// (a panic included).
fn merges_apart(bytes: &[u8], names: &[String]) -> Vec<Result<Vec<Merge>, WorkbookError>> {
    let mut direct = catch_unwind(|| XlsxMerges::open(bytes)).ok().flatten();
    let mut book = None;
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let merged = catch_unwind(AssertUnwindSafe(|| {
            if let Some(dims) = direct.as_mut().and_then(|d| d.merge_cells(name)) {
                return Ok(to_merges(dims));
            }
            let book = match &mut book {
                Some(book) => book,
                None => book.insert(
                    open_workbook_auto_from_rs(Cursor::new(bytes))
                        .map_err(|e| WorkbookError::Corrupt(e.to_string()))?,
                ),
            };
            merged_regions(book, name)
        }))
        .unwrap_or_else(|_| Err(stopped()));
        let failed = merged.is_err();
        out.push(merged);
        if failed {
            break;
        }
    }
    out
}

/// Reads the cells of one sheet, within what is left of the `budget`
/// (an `.xls` file was checked as a whole before it was opened).
fn read_grid(
    book: &mut Sheets<Cursor<&[u8]>>,
    name: &str,
    budget: &mut CellBudget,
) -> Result<Grid, WorkbookError> {
    let corrupt = |e: calamine::Error| WorkbookError::Corrupt(format!("{name}: {e}"));
    // `.xlsx` and `.xlsb` lend their shared strings: each text is copied
    // once, into its cell.
    let read = match book {
        Sheets::Xlsx(x) => match x.worksheet_cells_reader(name) {
            Ok(mut cells) => {
                let cells = within(budget, || cells.next_cell())
                    .map_err(|e| e.map(|e| corrupt(calamine::Error::Xlsx(e))))?;
                grid(&calamine::Range::from_sparse(cells), convert_ref)
            }
            // As calamine reads a part that is not a worksheet: no cells.
            Err(calamine::XlsxError::NotAWorksheet(_)) => ((0, 0), Vec::new()),
            Err(e) => return Err(corrupt(calamine::Error::Xlsx(e))),
        },
        Sheets::Xlsb(x) => {
            let mut cells = x
                .worksheet_cells_reader(name)
                .map_err(|e| corrupt(calamine::Error::Xlsb(e)))?;
            let cells = within(budget, || cells.next_cell())
                .map_err(|e| e.map(|e| corrupt(calamine::Error::Xlsb(e))))?;
            grid(&calamine::Range::from_sparse(cells), convert_ref)
        }
        Sheets::Xls(_) | Sheets::Ods(_) => {
            grid(&book.worksheet_range(name).map_err(corrupt)?, convert)
        }
    };
    budget.next_sheet();
    Ok(read)
}

/// The non-empty cells `next` reads, as calamine's `worksheet_range_ref`
/// collects them, refused once they span more than the `budget`: the
/// reader's error, or ours.
fn within<'a, E>(
    budget: &mut CellBudget,
    mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
) -> Result<Vec<calamine::Cell<DataRef<'a>>>, Either<E>> {
    let mut cells = Vec::new();
    while let Some(cell) = next().map_err(Either::Reader)? {
        if !matches!(cell.get_value(), DataRef::Empty) {
            budget.add(cell.get_position()).map_err(Either::Limit)?;
            cells.push(cell);
        }
    }
    Ok(cells)
}

/// A reader's error, or a limit reached while reading.
enum Either<E> {
    Reader(E),
    Limit(WorkbookError),
}

impl<E> Either<E> {
    fn map(self, f: impl FnOnce(E) -> WorkbookError) -> WorkbookError {
        match self {
            Either::Reader(e) => f(e),
            Either::Limit(e) => e,
        }
    }
}

/// The cells of a range, row by row, and the sheet position of its first
/// cell.
fn grid<T: CellType>(range: &calamine::Range<T>, convert: impl Fn(&T) -> CellValue) -> Grid {
    let origin = range
        .start()
        .map_or((0, 0), |(r, c)| (r as usize, c as usize));
    let cells = range
        .rows()
        .map(|row| row.iter().map(&convert).collect())
        .collect();
    (origin, cells)
}

fn merged_regions(
    book: &mut Sheets<Cursor<&[u8]>>,
    name: &str,
) -> Result<Vec<Merge>, WorkbookError> {
    let corrupt = |e: String| WorkbookError::Corrupt(format!("{name}: {e}"));
    let dims = match book {
        Sheets::Xlsx(x) => x
            .merge_cells_by_sheet_name(name)
            .map_err(|e| corrupt(e.to_string()))?,
        Sheets::Xls(x) => x
            .merge_cells_by_sheet_name(name)
            .map_err(|e| corrupt(e.to_string()))?,
        Sheets::Xlsb(_) | Sheets::Ods(_) => Vec::new(),
    };
    Ok(to_merges(dims))
}

/// Merged regions as calamine reports them, less the inverted ones.
fn to_merges(dims: Vec<Dimensions>) -> Vec<Merge> {
    dims.into_iter()
        .filter(|d| d.start.0 <= d.end.0 && d.start.1 <= d.end.1)
        .map(Merge::from)
        .collect()
}

fn build_sheet(
    name: String,
    origin: (usize, usize),
    mut cells: Vec<Vec<CellValue>>,
    merged: Vec<Merge>,
) -> Sheet {
    let mut texts: Vec<&mut String> = cells
        .iter_mut()
        .flatten()
        .filter_map(|c| match c {
            CellValue::Text(s) => Some(s),
            _ => None,
        })
        .collect();
    repair_all(&mut texts);
    drop(texts);
    Sheet::at(origin, name, cells, merged)
}

fn convert(data: &Data) -> CellValue {
    match data {
        Data::Empty => CellValue::Empty,
        Data::Int(i) => CellValue::Number(*i as f64),
        Data::Float(f) => CellValue::Number(*f),
        Data::Bool(b) => CellValue::Bool(*b),
        Data::String(s) if s.trim().is_empty() => CellValue::Empty,
        Data::String(s) => CellValue::Text(s.clone()),
        Data::DateTime(dt) => CellValue::Date(serial_1900(dt)),
        Data::DateTimeIso(s) => {
            iso_serial(s).map_or_else(|| CellValue::Text(s.clone()), CellValue::Date)
        }
        Data::DurationIso(s) => CellValue::Text(s.clone()),
        Data::Error(e) => CellValue::Text(e.to_string()),
    }
}

/// As [`convert`] does for the [`Data`] a [`DataRef`] stands for.
fn convert_ref(data: &DataRef<'_>) -> CellValue {
    match data {
        DataRef::Empty => CellValue::Empty,
        DataRef::Int(i) => CellValue::Number(*i as f64),
        DataRef::Float(f) => CellValue::Number(*f),
        DataRef::Bool(b) => CellValue::Bool(*b),
        DataRef::SharedString(s) if s.trim().is_empty() => CellValue::Empty,
        DataRef::SharedString(s) => CellValue::Text((*s).to_owned()),
        DataRef::String(s) if s.trim().is_empty() => CellValue::Empty,
        DataRef::String(s) => CellValue::Text(s.clone()),
        DataRef::DateTime(dt) => CellValue::Date(serial_1900(dt)),
        DataRef::DateTimeIso(s) => {
            iso_serial(s).map_or_else(|| CellValue::Text(s.clone()), CellValue::Date)
        }
        DataRef::DurationIso(s) => CellValue::Text(s.clone()),
        DataRef::Error(e) => CellValue::Text(e.to_string()),
    }
}

/// The serial of a date in the 1900 date system, whatever system the file
/// uses.
fn serial_1900(dt: &ExcelDateTime) -> f64 {
    let value = dt.as_f64();
    let in_1900 = ExcelDateTime::new(value, ExcelDateTimeType::DateTime, false);
    if dt.is_datetime() && *dt != in_1900 {
        value + EXCEL_1904_OFFSET
    } else {
        value
    }
}

/// An ISO 8601 date or date-time (as OpenDocument stores them) as an
/// Excel 1900 serial.
fn iso_serial(s: &str) -> Option<f64> {
    let s = s.trim();
    let datetime = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })?;
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30)?;
    let days = (datetime.date() - epoch).num_days() as f64;
    let seconds = f64::from(datetime.time().num_seconds_from_midnight());
    Some(days + seconds / 86_400.0)
}

// ---------------------------------------------------------------------------
// Finding the table
// ---------------------------------------------------------------------------

/// A column the caller expects in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    /// The caller's name for the column, the key in [`Located::columns`].
    pub key: &'static str,
    /// Header texts that name the column (synonyms), e.g. `["Tên xã",
    /// "Tên đơn vị", "Đơn vị"]`. Compared after [`normalize_header`]: a
    /// header cell matches a synonym when it is equal to it or contains it
    /// as whole words. Put the most specific synonyms first: an exact
    /// match beats containment, and a longer synonym beats a shorter one.
    pub names: &'static [&'static str],
    /// Whether a table without this column is not the table sought.
    pub required: bool,
}

/// Where the table is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Index into the sheets given to [`find_table`].
    pub sheet: usize,
    /// First and last header row (0-based, inclusive); equal for a
    /// one-row header.
    pub header_rows: (usize, usize),
    /// First row after the header (and after a column-number row, if
    /// any); 0-based.
    pub data_start: usize,
    /// Column (0-based) of each matched [`ColumnSpec::key`]. For a key
    /// matching a merged parent header, the first column under it.
    pub columns: HashMap<&'static str, usize>,
}

/// Header text reduced for comparison: [`fold`]ed (lower case, no
/// diacritics, `đ` → `d`), every character that is not a letter or digit
/// turned into a space, white space collapsed: `"Xã/thị trấn:"` →
/// `"xa thi tran"`, `"Tổng số (tiêu chí)"` → `"tong so tieu chi"`.
pub fn normalize_header(s: &str) -> String {
    let folded = fold(s);
    let mut out = String::with_capacity(folded.len());
    let mut space = false;
    for c in folded.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

/// How well a header matches a synonym; larger is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Score {
    /// Equal rather than contained.
    exact: bool,
    /// Words in the synonym.
    words: usize,
    /// Fewer words left over in the header is better.
    tightness: std::cmp::Reverse<usize>,
}

fn score(header: &[&str], synonym: &[&str]) -> Option<Score> {
    if synonym.is_empty() || header.len() < synonym.len() {
        return None;
    }
    let found = header.windows(synonym.len()).any(|w| w == synonym);
    found.then(|| Score {
        exact: header.len() == synonym.len(),
        words: synonym.len(),
        tightness: std::cmp::Reverse(header.len() - synonym.len()),
    })
}

/// The texts a column header may be read as, normalized.
fn column_labels(sheet: &Sheet, top: usize, bottom: usize) -> Vec<(usize, Vec<String>)> {
    let groups = if bottom > top {
        unmerged_groups(sheet, top)
    } else {
        HashMap::new()
    };
    (sheet.first_col()..sheet.end_col())
        .map(|col| {
            let mut labels = Vec::new();
            let parent = match sheet.merge_at(top, col) {
                Some(m) => sheet.text(m.first_row, m.first_col),
                None => match sheet.text(top, col) {
                    "" => groups.get(&col).map_or("", |&p| sheet.text(top, p)),
                    t => t,
                },
            };
            let parent = normalize_header(parent);
            let child = if bottom > top {
                match sheet.merge_at(bottom, col) {
                    Some(m) if m.contains(top, col) => String::new(),
                    Some(m) => normalize_header(sheet.text(m.first_row, m.first_col)),
                    None => normalize_header(sheet.text(bottom, col)),
                }
            } else {
                String::new()
            };
            if !parent.is_empty() && !child.is_empty() {
                labels.push(format!("{parent} {child}"));
            }
            if !parent.is_empty() {
                labels.push(parent);
            }
            if !child.is_empty() {
                labels.push(child);
            }
            (col, labels)
        })
        .filter(|(_, labels)| !labels.is_empty())
        .collect()
}

/// Without merged regions: the columns of `row + 1` that sit under an
/// empty cell of `row`, each with the nearest non-empty column to its left
/// in `row` (its parent, the group's title). Parents map to themselves.
fn unmerged_groups(sheet: &Sheet, row: usize) -> HashMap<usize, usize> {
    let mut groups = HashMap::new();
    let mut parent = None;
    for col in sheet.first_col()..sheet.end_col() {
        if !sheet.cell(row, col).is_empty() || sheet.merge_at(row, col).is_some() {
            parent = (!sheet.cell(row, col).is_empty()).then_some(col);
            continue;
        }
        if let Some(p) = parent {
            if !sheet.cell(row + 1, col).is_empty() {
                groups.insert(col, p);
                groups.insert(p, p);
            }
        }
    }
    groups
}

/// Whether `row + 1` continues the header that starts at `row`: header
/// cells merged down over both rows, a merged parent with sub-headers
/// under it, or (without merge information) sub-headers under the empty
/// cells right of a parent and nothing under the other headers.
fn continues_header(sheet: &Sheet, row: usize) -> bool {
    let next = row + 1;
    if sheet.is_row_empty(next) {
        return false;
    }
    if let Some(first) = first_used_col(sheet, row) {
        if is_column_number_row(sheet, next, first) {
            return false;
        }
    }
    let merged = sheet.merged.iter().any(|m| {
        m.first_row == row
            && (m.last_row >= next
                || (m.last_col > m.first_col
                    && (m.first_col..=m.last_col).any(|c| !sheet.cell(next, c).is_empty())))
    });
    if merged {
        return true;
    }
    // A lone text over the table (a title, *Đơn vị tính: …*) is no parent
    // row: a header row names at least two columns.
    let texts = (sheet.first_col()..sheet.end_col())
        .filter(|&c| !sheet.cell(row, c).is_empty())
        .count();
    let groups = unmerged_groups(sheet, row);
    texts >= 2
        && !groups.is_empty()
        && (sheet.first_col()..sheet.end_col())
            .filter(|&c| !sheet.cell(next, c).is_empty())
            .all(|c| groups.contains_key(&c))
}

fn first_used_col(sheet: &Sheet, row: usize) -> Option<usize> {
    (sheet.first_col()..sheet.end_col()).find(|&c| !sheet.cell(row, c).is_empty())
}

/// A column-number token: `1`, `(1)`, `(3)=(1)+(2)`, `A`, `(B)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Number(i64),
    Letter(u8),
}

fn column_token(cell: &CellValue) -> Option<Token> {
    match cell {
        CellValue::Number(n) => whole(*n).map(Token::Number),
        CellValue::Text(s) => {
            let s = s.trim();
            let head = match s.strip_prefix('(') {
                Some(rest) => rest.split(')').next()?,
                None => s.split(['=', ' ', '*']).next()?,
            }
            .trim();
            if !head.is_empty() && head.bytes().all(|b| b.is_ascii_digit()) {
                head.parse().ok().map(Token::Number)
            } else if let [b] = head.as_bytes() {
                b.is_ascii_uppercase().then_some(Token::Letter(*b))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether `row` numbers the columns: `1 2 3 …` or `(1) (2) …` (after
/// optional letters `A B …`), consecutive from 1, starting in the
/// table's first column `first_col`.
pub fn is_column_number_row(sheet: &Sheet, row: usize, first_col: usize) -> bool {
    let cells: Vec<(usize, &CellValue)> = (sheet.first_col()..sheet.end_col())
        .map(|c| (c, sheet.cell(row, c)))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if cells.len() < 2 || cells.first().map(|(c, _)| *c) != Some(first_col) {
        return false;
    }
    let mut next_letter = b'A';
    let mut next_number = 1;
    for (_, cell) in cells {
        match column_token(cell) {
            Some(Token::Letter(l)) if next_number == 1 && l == next_letter => next_letter += 1,
            Some(Token::Number(n)) if n == next_number => next_number += 1,
            _ => return false,
        }
    }
    next_number > 2 || (next_number > 1 && next_letter > b'A')
}

/// The columns matched on one candidate header, with its overall quality.
struct Candidate {
    columns: HashMap<&'static str, usize>,
    quality: (usize, usize, usize),
}

/// The synonyms of each spec, normalised and split into words.
fn synonym_words(normalized: &[Vec<String>]) -> Vec<Vec<Vec<&str>>> {
    normalized
        .iter()
        .map(|names| names.iter().map(|n| n.split(' ').collect()).collect())
        .collect()
}

/// `synonyms`: [`synonym_words`] of the specs' names.
fn match_header(
    sheet: &Sheet,
    top: usize,
    bottom: usize,
    specs: &[ColumnSpec],
    synonyms: &[Vec<Vec<&str>>],
) -> Option<Candidate> {
    let labels = column_labels(sheet, top, bottom);
    if labels.is_empty() {
        return None;
    }
    let mut pairs: Vec<(Score, usize, usize)> = Vec::new();
    for (col, texts) in &labels {
        let headers: Vec<Vec<&str>> = texts.iter().map(|t| t.split(' ').collect()).collect();
        for (i, names) in synonyms.iter().enumerate() {
            let best = headers
                .iter()
                .flat_map(|header| names.iter().filter_map(move |n| score(header, n)))
                .max();
            if let Some(best) = best {
                pairs.push((best, i, *col));
            }
        }
    }
    // Best matches first; among equals the leftmost column, then the
    // earlier spec.
    pairs.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)).then(a.1.cmp(&b.1)));
    let mut columns = HashMap::new();
    let mut used = HashSet::new();
    let (mut exact, mut words) = (0, 0);
    for (s, i, col) in pairs {
        let Some(spec) = specs.get(i) else { continue };
        if columns.contains_key(spec.key) || used.contains(&col) {
            continue;
        }
        columns.insert(spec.key, col);
        used.insert(col);
        exact += usize::from(s.exact);
        words += s.words;
    }
    let required = specs.iter().filter(|s| s.required).count();
    let minimum = required.max(specs.len().min(2));
    let complete = specs
        .iter()
        .filter(|s| s.required)
        .all(|s| columns.contains_key(s.key));
    (complete && columns.len() >= minimum.max(1)).then_some(Candidate {
        quality: (columns.len(), exact, words),
        columns,
    })
}

/// Finds the table whose header best matches `specs`: over every sheet
/// and each of its first 200 rows, the header with the most matched
/// columns (then the most exact matches, then the most specific
/// synonyms; then the first such), among those where every required
/// column is found and at least two columns match (one if there is a
/// single spec).
///
/// A header continues onto the next row when header cells are merged
/// down over both rows or a merged parent cell has sub-headers under it
/// (*Kết quả thực hiện các tiêu chí* over *1 2 … 19*); a sub-column is then
/// matched on the parent text, its own text and both together. A row
/// numbering the columns right under the header (`1 2 3…`, `(1) (2) …`)
/// is skipped: `data_start` is the row after it.
///
/// `None` when no sheet has such a header.
pub fn find_table(sheets: &[Sheet], specs: &[ColumnSpec]) -> Option<Located> {
    let normalized: Vec<Vec<String>> = specs
        .iter()
        .map(|s| s.names.iter().map(|n| normalize_header(n)).collect())
        .collect();
    let synonyms = synonym_words(&normalized);
    let mut best: Option<(Candidate, Located)> = None;
    for (index, sheet) in sheets.iter().enumerate() {
        let last = sheet
            .end_row()
            .min(sheet.first_row().saturating_add(HEADER_SEARCH_ROWS));
        for top in sheet.first_row()..last {
            if sheet.is_row_empty(top) {
                continue;
            }
            let bottom = if continues_header(sheet, top) {
                top + 1
            } else {
                top
            };
            let Some(candidate) = match_header(sheet, top, bottom, specs, &synonyms) else {
                continue;
            };
            if best
                .as_ref()
                .is_some_and(|(b, _)| b.quality >= candidate.quality)
            {
                continue;
            }
            let first = first_used_col(sheet, top).unwrap_or(sheet.first_col());
            let data_start = if is_column_number_row(sheet, bottom + 1, first) {
                bottom + 2
            } else {
                bottom + 1
            };
            let located = Located {
                sheet: index,
                header_rows: (top, bottom),
                data_start,
                columns: candidate.columns.clone(),
            };
            best = Some((candidate, located));
        }
    }
    best.map(|(_, located)| located)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::legacy::testing::samples;
    use proptest::prelude::*;
    use rust_xlsxwriter::{Format, Workbook};

    fn sample(name: &str) -> Vec<u8> {
        std::fs::read(samples().join(name)).expect("sample file under data/samples")
    }

    fn t(s: &str) -> CellValue {
        CellValue::Text(s.to_owned())
    }

    fn n(v: f64) -> CellValue {
        CellValue::Number(v)
    }

    const E: CellValue = CellValue::Empty;

    fn spec(key: &'static str, names: &'static [&'static str], required: bool) -> ColumnSpec {
        ColumnSpec {
            key,
            names,
            required,
        }
    }

    /// Columns of a simple commune list.
    const LIST: &[ColumnSpec] = &[
        ColumnSpec {
            key: "stt",
            names: &["STT", "TT"],
            required: false,
        },
        ColumnSpec {
            key: "name",
            names: &["Tên xã", "Đơn vị"],
            required: true,
        },
        ColumnSpec {
            key: "amount",
            names: &["Số tiền", "Kinh phí"],
            required: false,
        },
        ColumnSpec {
            key: "note",
            names: &["Ghi chú"],
            required: false,
        },
    ];

    #[test]
    fn header_text_is_compared_without_accents_case_or_punctuation() {
        assert_eq!(normalize_header("Xã/thị trấn:"), "xa thi tran");
        assert_eq!(
            normalize_header("  Tổng số\n(tiêu chí)  "),
            "tong so tieu chi"
        );
        assert_eq!(normalize_header("ĐƠN VỊ"), "don vi");
        assert_eq!(normalize_header("(1)"), "1");
        assert_eq!(normalize_header(""), "");
    }

    #[test]
    fn synonyms_match_equal_or_as_whole_words() {
        let words = |s: &'static str| s.split(' ').collect::<Vec<_>>();
        assert!(score(&words("ma so xa"), &words("ma")).is_some());
        assert!(score(&words("mai"), &words("ma")).is_none());
        assert!(score(&words("ten xa"), &words("xa")).is_some());
        assert!(score(&words("ten xanh"), &words("xa")).is_none());
        let exact = score(&words("tong"), &words("tong")).unwrap();
        let contained = score(&words("tong so tieu chi dat"), &words("tong")).unwrap();
        assert!(exact > contained);
        let longer = score(&words("tong so tieu chi dat"), &words("tieu chi dat")).unwrap();
        assert!(longer > contained);
    }

    #[test]
    fn column_number_rows() {
        let sheet = Sheet::new(
            "s",
            vec![
                vec![t("(1)"), t("(2)"), t("(3)=(1)+(2)")],
                vec![n(1.0), n(2.0), n(3.0)],
                vec![t("A"), t("B"), t("1"), t("2")],
                vec![n(1.0), n(2.0), n(4.0)],
                vec![E, n(1.0), n(2.0)],
                vec![n(1.0), t("Xã A"), t("x")],
                vec![n(1.0)],
            ],
            vec![],
        );
        assert!(is_column_number_row(&sheet, 0, 0));
        assert!(is_column_number_row(&sheet, 1, 0));
        assert!(is_column_number_row(&sheet, 2, 0));
        assert!(!is_column_number_row(&sheet, 3, 0), "not consecutive");
        assert!(
            !is_column_number_row(&sheet, 4, 0),
            "does not start in the first column"
        );
        assert!(!is_column_number_row(&sheet, 5, 0), "a data row");
        assert!(!is_column_number_row(&sheet, 6, 0), "a single number");
    }

    #[test]
    fn finds_a_one_row_header_below_a_heading_and_skips_the_column_numbers() {
        let sheet = Sheet::new(
            "Sheet1",
            vec![
                vec![t("UBND HUYỆN YÊN LẬP")],
                vec![t("DANH SÁCH CÁC XÃ ĐƯỢC HỖ TRỢ KINH PHÍ NĂM 2020")],
                vec![],
                vec![
                    t("STT"),
                    t("Tên xã:"),
                    t("Số tiền (triệu đồng)"),
                    t("Ghi chú"),
                ],
                vec![t("(1)"), t("(2)"), t("(3)"), t("(4)")],
                vec![n(1.0), t("Xã Mỹ Lung"), n(12.5), E],
            ],
            vec![],
        );
        let located = find_table(&[sheet], LIST).unwrap();
        assert_eq!(located.sheet, 0);
        assert_eq!(located.header_rows, (3, 3));
        assert_eq!(located.data_start, 5);
        assert_eq!(
            located.columns,
            HashMap::from([("stt", 0), ("name", 1), ("amount", 2), ("note", 3)])
        );
    }

    #[test]
    fn a_data_row_under_a_one_row_header_is_not_a_second_header_row() {
        let sheet = Sheet::new(
            "Sheet1",
            vec![
                vec![t("STT"), t("Đơn vị"), E, t("Ghi chú")],
                vec![n(1.0), t("Xã A"), t("?"), E],
            ],
            vec![],
        );
        let located = find_table(&[sheet], LIST).unwrap();
        assert_eq!(located.header_rows, (0, 0));
        assert_eq!(located.data_start, 1);
    }

    #[test]
    fn finds_a_two_row_header_with_a_merged_parent() {
        // Row 0: STT | Tên xã | Kinh phí (merged over 2..=3) | Ghi chú;
        // row 1: sub-headers under Kinh phí; STT, Tên xã, Ghi chú merged down.
        let sheet = Sheet::new(
            "Sheet1",
            vec![
                vec![t("STT"), t("Tên xã"), t("Kinh phí"), E, t("Ghi chú")],
                vec![E, E, t("Kế hoạch"), t("Giải ngân"), E],
                vec![n(1.0), t("Xã A"), n(10.0), n(5.0), E],
            ],
            vec![
                Merge {
                    first_row: 0,
                    first_col: 0,
                    last_row: 1,
                    last_col: 0,
                },
                Merge {
                    first_row: 0,
                    first_col: 1,
                    last_row: 1,
                    last_col: 1,
                },
                Merge {
                    first_row: 0,
                    first_col: 2,
                    last_row: 0,
                    last_col: 3,
                },
                Merge {
                    first_row: 0,
                    first_col: 4,
                    last_row: 1,
                    last_col: 4,
                },
            ],
        );
        let specs = [
            spec("name", &["Tên xã"], true),
            spec("planned", &["Kinh phí kế hoạch"], true),
            spec("paid", &["Kinh phí giải ngân", "Giải ngân"], true),
            spec("note", &["Ghi chú"], false),
        ];
        let located = find_table(std::slice::from_ref(&sheet), &specs).unwrap();
        assert_eq!(located.header_rows, (0, 1));
        assert_eq!(located.data_start, 2);
        assert_eq!(
            located.columns,
            HashMap::from([("name", 1), ("planned", 2), ("paid", 3), ("note", 4)])
        );
        // The parent alone names the group's first column.
        let located = find_table(
            &[sheet],
            &[
                spec("name", &["Tên xã"], true),
                spec("money", &["Kinh phí"], true),
            ],
        )
        .unwrap();
        assert_eq!(located.columns.get("money"), Some(&2));
    }

    #[test]
    fn finds_a_two_row_header_without_merge_information() {
        // As an .ods file reads: no merged regions, the parent text only in
        // its first column.
        let sheet = Sheet::new(
            "Sheet1",
            vec![
                vec![t("STT"), t("Tên xã"), t("Kinh phí"), E, t("Ghi chú")],
                vec![E, E, t("Kế hoạch"), t("Giải ngân"), E],
                vec![n(1.0), t("Xã A"), n(10.0), n(5.0), E],
            ],
            vec![],
        );
        let specs = [
            spec("name", &["Tên xã"], true),
            spec("planned", &["Kinh phí kế hoạch"], true),
            spec("paid", &["Kinh phí giải ngân"], true),
        ];
        let located = find_table(&[sheet], &specs).unwrap();
        assert_eq!(located.header_rows, (0, 1));
        assert_eq!(located.data_start, 2);
        assert_eq!(located.columns.get("paid"), Some(&3));
    }

    #[test]
    fn a_lone_line_above_the_header_is_not_its_parent_row() {
        // "Đơn vị tính" alone over a header whose group is merged across
        // but whose other cells are not merged down.
        let sheet = Sheet::new(
            "Sheet1",
            vec![
                vec![t("Đơn vị tính: nghìn đồng"), E, E, E],
                vec![t("STT"), t("Tên xã"), t("Kinh phí"), E],
                vec![E, E, t("Kế hoạch"), t("Giải ngân")],
                vec![n(1.0), t("Xã A"), n(10.0), n(5.0)],
            ],
            vec![Merge {
                first_row: 1,
                first_col: 2,
                last_row: 1,
                last_col: 3,
            }],
        );
        let specs = [
            spec("name", &["Tên xã"], true),
            spec("planned", &["Kinh phí kế hoạch"], true),
            spec("paid", &["Kinh phí giải ngân"], true),
        ];
        let located = find_table(&[sheet], &specs).unwrap();
        assert_eq!(located.header_rows, (1, 2));
        assert_eq!(located.data_start, 3);
        assert_eq!(located.columns.get("paid"), Some(&3));
    }

    #[test]
    fn picks_the_sheet_with_the_best_header() {
        let notes = Sheet::new(
            "Ghi chép",
            vec![vec![t("Đơn vị"), t("Ghi chú")], vec![t("Xã A"), t("nháp")]],
            vec![],
        );
        let table = Sheet::new(
            "Số liệu",
            vec![
                vec![t("STT"), t("Tên xã"), t("Kinh phí"), t("Ghi chú")],
                vec![n(1.0), t("Xã A"), n(3.0), E],
            ],
            vec![],
        );
        let located = find_table(&[notes, table], LIST).unwrap();
        assert_eq!(located.sheet, 1);
        assert_eq!(located.columns.len(), 4);
    }

    #[test]
    fn no_table_without_the_required_columns() {
        let sheet = Sheet::new(
            "Sheet1",
            vec![
                // The title names everything in one cell: one column only.
                vec![t("DANH SÁCH TÊN XÃ, SỐ TIỀN VÀ GHI CHÚ")],
                vec![t("STT"), t("Số tiền"), t("Ghi chú")],
                vec![n(1.0), n(2.0), E],
            ],
            vec![],
        );
        assert_eq!(find_table(&[sheet], LIST), None);
        assert_eq!(find_table(&[], LIST), None);
    }

    #[test]
    fn opens_the_xlsx_sample_with_merged_regions() {
        let sheets = open_workbook(&sample("ntm_krong-buk_2022.xlsx")).unwrap();
        assert_eq!(sheets.len(), 1);
        let sheet = &sheets[0];
        assert_eq!(sheet.name, "TH 19 TC");
        assert_eq!(sheet.text(0, 0), "UBND HUYỆN KRÔNG BÚK");
        assert_eq!(sheet.text(7, 1), "Xã Cư Né");
        assert_eq!(sheet.cell(6, 2), &n(1.0));
        assert_eq!(sheet.cell(7, 21), &n(9.0));
        assert_eq!(sheet.cell(500, 500), &E);
        assert_eq!(sheet.end_row(), 14);
        assert_eq!(sheet.end_col(), 23);
        let parent = Merge {
            first_row: 5,
            first_col: 2,
            last_row: 5,
            last_col: 20,
        };
        assert!(sheet.merged.contains(&parent));
        assert_eq!(sheet.merge_at(5, 10), Some(&parent));
        assert_eq!(sheet.shown_text(5, 10), sheet.text(5, 2));
        assert!(sheet.merged.contains(&Merge {
            first_row: 5,
            first_col: 0,
            last_row: 6,
            last_col: 0,
        }));
    }

    #[test]
    fn opens_the_tcvn3_xls_sample_with_text_repaired() {
        let sheets = open_workbook(&sample("p135_yen-lap_2013_tcvn3.xls")).unwrap();
        assert_eq!(sheets.len(), 1);
        let sheet = &sheets[0];
        assert_eq!(sheet.text(0, 0), "UBND HUYỆN YÊN LẬP");
        assert_eq!(sheet.text(6, 1), "Tên xã, thôn");
        assert_eq!(sheet.text(11, 1), "Xã Mỹ Lung");
        assert_eq!(
            sheet.text(10, 2),
            "08290",
            "codes typed as text keep their zeros"
        );
        // Two header rows, then the column numbers (1)…(11).
        let specs = [
            spec("stt", &["STT"], false),
            spec("name", &["Tên xã, thôn", "Tên xã"], true),
            spec("code", &["Mã xã"], false),
            spec(
                "planned_infra",
                &["Kế hoạch vốn năm 2013 Hỗ trợ đầu tư CSHT"],
                true,
            ),
            spec(
                "paid_production",
                &["Giải ngân đến 31/12/2013 Hỗ trợ PTSX"],
                true,
            ),
            spec("note", &["Ghi chú"], false),
        ];
        let located = find_table(&sheets, &specs).unwrap();
        assert_eq!(located.header_rows, (6, 7));
        assert_eq!(located.data_start, 9);
        assert_eq!(
            located.columns,
            HashMap::from([
                ("stt", 0),
                ("name", 1),
                ("code", 2),
                ("planned_infra", 4),
                ("paid_production", 8),
                ("note", 10),
            ])
        );
    }

    #[test]
    fn hidden_sheets_are_skipped_and_dates_are_serials() {
        let mut book = Workbook::new();
        let scratch = book.add_worksheet();
        scratch.set_name("nháp").unwrap();
        scratch.write_string(0, 0, "STT").unwrap();
        scratch.set_hidden(true);
        let data = book.add_worksheet();
        data.set_name("Báo cáo").unwrap();
        data.set_active(true);
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2022, 12, 20).unwrap();
        data.write_datetime_with_format(0, 0, &date, &Format::new().set_num_format("dd/mm/yyyy"))
            .unwrap();
        data.write_boolean(0, 1, true).unwrap();
        data.write_string(2, 3, "  ").unwrap();
        data.write_number(1, 1, 24307).unwrap();
        let sheets = open_workbook(&book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(sheets.len(), 1);
        let sheet = &sheets[0];
        assert_eq!(sheet.name, "Báo cáo");
        assert_eq!(sheet.cell(0, 0), &CellValue::Date(44915.0));
        assert_eq!(
            crate::dates::from_excel_serial(44915.0)
                .unwrap()
                .to_string(),
            "2022-12-20"
        );
        assert_eq!(sheet.cell(0, 1), &CellValue::Bool(true));
        assert_eq!(sheet.cell(1, 1).to_text(), "24307");
        assert!(sheet.cell(2, 3).is_empty());
    }

    #[test]
    fn a_workbook_with_no_visible_data_is_empty() {
        let mut book = Workbook::new();
        let hidden = book.add_worksheet();
        hidden.write_string(0, 0, "dữ liệu ẩn").unwrap();
        hidden.set_hidden(true);
        book.add_worksheet().set_active(true);
        let err = open_workbook(&book.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(err, WorkbookError::Empty);
        assert_eq!(err.code(), "empty");
        assert_eq!(open_workbook(&[]).unwrap_err().code(), "empty");
    }

    #[test]
    fn merged_regions_read_apart_are_the_ones_read_in_turn() {
        let mut book = Workbook::new();
        let fmt = Format::new();
        for (i, name) in (0u32..).zip(["Một", "Ẩn", "Ba"]) {
            let ws = book.add_worksheet();
            ws.set_name(name).unwrap();
            ws.merge_range(0, 0, 0, 3, "BÁO CÁO", &fmt).unwrap();
            ws.merge_range(1, 1, 2, 1, "Tên xã", &fmt).unwrap();
            for r in 3..500 {
                ws.write_string(r, 0, format!("Thôn {r}")).unwrap();
                ws.write_number(r, 1, f64::from(r * i)).unwrap();
            }
            ws.merge_range(500 + i, 0, 500 + i, 2, "Cộng", &fmt)
                .unwrap();
            ws.set_hidden(i == 1);
        }
        let bytes = book.save_to_buffer().unwrap();
        let apart = read_sheets_in(&bytes, Container::Zip, true).unwrap();
        assert_eq!(
            apart,
            read_sheets_in(&bytes, Container::Zip, false).unwrap()
        );
        let names: Vec<&str> = apart.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Một", "Ba"]);
        assert!(apart.iter().all(|s| s.merged.len() == 3), "{apart:?}");
        assert_eq!(apart[1].merged[2].first_row, 502);
    }

    #[test]
    fn merged_regions_are_calamine_s_read_straight_from_the_package_or_not() {
        // A sheet whose regions are read from the package, and one where
        // a comment before the end of its cell data leaves them to
        // calamine: the same regions either way.
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.merge_range(0, 0, 1, 1, "Tên xã", &Format::new())
            .unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let sheet_xml = |bytes: &[u8]| {
            let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
            let mut text = String::new();
            std::io::Read::read_to_string(
                &mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(),
                &mut text,
            )
            .unwrap();
            text
        };
        let commented = {
            let xml = sheet_xml(&bytes).replace("<sheetData>", "<sheetData><!-- x -->");
            let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
            let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
            for i in 0..zip.len() {
                let mut file = zip.by_index(i).unwrap();
                let name = file.name().unwrap().into_owned();
                let mut content = Vec::new();
                std::io::Read::read_to_end(&mut file, &mut content).unwrap();
                if name == "xl/worksheets/sheet1.xml" {
                    content = xml.clone().into_bytes();
                }
                out.start_file(name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                std::io::Write::write_all(&mut out, &content).unwrap();
            }
            out.finish().unwrap().into_inner()
        };
        let expected = vec![Merge {
            first_row: 0,
            first_col: 0,
            last_row: 1,
            last_col: 1,
        }];
        for bytes in [bytes, commented] {
            let mut calamine = open_workbook_auto_from_rs(Cursor::new(&bytes[..])).unwrap();
            assert_eq!(merged_regions(&mut calamine, "Sheet1").unwrap(), expected);
            for apart in [false, true] {
                let sheets = read_sheets_in(&bytes, Container::Zip, apart).unwrap();
                assert_eq!(sheets[0].merged, expected);
            }
        }
        for name in ["ntm_krong-buk_2022.xlsx", "p135_tan-son_2014.xlsx"] {
            let bytes = sample(name);
            let mut calamine = open_workbook_auto_from_rs(Cursor::new(&bytes[..])).unwrap();
            for sheet in open_workbook(&bytes).unwrap() {
                let expected = merged_regions(&mut calamine, &sheet.name).unwrap();
                assert!(!expected.is_empty(), "{name}");
                assert_eq!(sheet.merged, expected, "{name}");
            }
        }
    }

    #[test]
    fn read_apart_the_first_failure_in_sheet_order_wins() {
        let names = ["a".to_owned(), "b".to_owned()];
        let grid = || ((0, 0), vec![vec![t("x")]]);
        let cells = || Some(WorkbookError::Corrupt("cells of b".into()));
        let merges = |e: &str| Err(WorkbookError::Corrupt(e.into()));
        // The cells of b fail after a's merged regions were read.
        let read = assemble(&names, vec![grid()], cells(), vec![Ok(vec![]), merges("m")]);
        assert_eq!(read, Err(WorkbookError::Corrupt("cells of b".into())));
        // a's merged regions fail before the cells of b are read.
        let read = assemble(&names, vec![grid()], cells(), vec![merges("merges of a")]);
        assert_eq!(read, Err(WorkbookError::Corrupt("merges of a".into())));
        let read = assemble(
            &names,
            vec![grid(), grid()],
            None,
            vec![Ok(vec![]), Ok(vec![])],
        );
        assert_eq!(read.map(|s| s.len()), Ok(2));
    }

    #[test]
    fn other_files_are_not_spreadsheets() {
        for bytes in [
            b"%PDF-1.4 1 0 obj".as_slice(),
            b"STT;Ten xa;Ghi chu\n1;Xa A;\n",
            b"<html><body>bang</body></html>",
        ] {
            let err = open_workbook(bytes).unwrap_err();
            assert_eq!(err.code(), "not_a_spreadsheet");
        }
    }

    #[test]
    fn errors_have_stable_codes_and_vietnamese_messages() {
        let errors = [
            WorkbookError::NotASpreadsheet,
            WorkbookError::Corrupt("eof".into()),
            WorkbookError::Empty,
        ];
        let codes: Vec<_> = errors.iter().map(WorkbookError::code).collect();
        assert_eq!(codes, ["not_a_spreadsheet", "corrupt", "empty"]);
        for e in &errors {
            assert!(!e.message_vi().is_empty());
            let shown = e.to_string();
            let (vi, en) = shown.split_once(" / ").unwrap();
            assert!(!vi.is_ascii(), "Vietnamese first: {shown}");
            assert!(!en.is_empty());
        }
    }

    #[test]
    fn truncated_files_are_errors() {
        for name in ["ntm_krong-buk_2022.xlsx", "p135_yen-lap_2013_tcvn3.xls"] {
            let bytes = sample(name);
            for len in 0..bytes.len() {
                let result = open_workbook(&bytes[..len]);
                assert!(result.is_err(), "{name} cut to {len} bytes opened");
            }
            // Cut in the middle: recognisably a damaged spreadsheet.
            assert_eq!(
                open_workbook(&bytes[..bytes.len() / 2]).unwrap_err().code(),
                "corrupt",
                "{name}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_bytes_are_errors(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            prop_assert!(open_workbook(&bytes).is_err());
        }

        #[test]
        fn random_bytes_behind_a_spreadsheet_signature_are_errors(
            zip in any::<bool>(),
            tail in proptest::collection::vec(any::<u8>(), 0..2048),
        ) {
            let mut bytes = if zip {
                b"PK\x03\x04".to_vec()
            } else {
                vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
            };
            bytes.extend(tail);
            prop_assert!(open_workbook(&bytes).is_err());
        }

        #[test]
        fn damaged_samples_never_panic(
            xls in any::<bool>(),
            at in any::<prop::sample::Index>(),
            byte in any::<u8>(),
        ) {
            let name = if xls { "p135_yen-lap_2013_tcvn3.xls" } else { "ntm_krong-buk_2022.xlsx" };
            let mut bytes = sample(name);
            let i = at.index(bytes.len());
            bytes[i] = byte;
            // Ok or Err, but an answer.
            let _ = open_workbook(&bytes);
        }
    }
}
