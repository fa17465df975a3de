//! The NTM (*nông thôn mới*) criteria matrix: one row per unit (commune),
//! one column per national criterion, an "x" where the unit meets it.
//!
//! The layout follows the legacy district reports (e.g. Krông Búk 2022,
//! sheet *TH 19 TC*); rows are 1-based as Excel shows them:
//!
//! 1. rows 1–2: the issuing body, one line a row (more lines take more
//!    rows and push everything below down);
//! 2. row 4: the title, merged across the whole table;
//! 3. rows 6–7: the table header. *STT*, the unit header (e.g. *Tên xã*),
//!    *Tổng số tiêu chí đạt* and *Ghi chú* are each merged over both rows;
//!    *Kết quả thực hiện các tiêu chí (đánh dấu "x" nếu đạt)* is merged
//!    across the criteria columns in row 6, with the criterion numbers (as
//!    numbers) under it in row 7. Panes are frozen below row 7 and the two
//!    header rows repeat on every printed page;
//! 4. from row 8: one row per unit: STT, name, "x" marks, the number of
//!    criteria met and the note;
//! 5. the last row: *Tổng cộng*, the number of units meeting each
//!    criterion and, in the total column, the sum of criteria met.
//!
//! The page is A4 landscape, fitted to one page wide. As in
//! [`crate::report`], the workbook is written in constant-memory mode.

use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

/// Header of the STT column.
const STT_HEADER: &str = "STT";
/// Header merged across the criteria columns.
const CRITERIA_HEADER: &str = "Kết quả thực hiện các tiêu chí (đánh dấu \"x\" nếu đạt)";
/// Header of the column counting the criteria a unit meets.
const TOTAL_HEADER: &str = "Tổng số tiêu chí đạt";
/// Header of the notes column.
const NOTE_HEADER: &str = "Ghi chú";
/// Label of the totals row, in the names column.
const TOTAL_LABEL: &str = "Tổng cộng";
/// Mark of a criterion met.
const MET_MARK: &str = "x";

const FONT: &str = "Times New Roman";
const FONT_SIZE: f64 = 12.0;
const TITLE_FONT_SIZE: f64 = 14.0;
const HEADER_FILL: u32 = 0x00D9_E1F2;
const TOTAL_FILL: u32 = 0x00F2_F2F2;

/// Column widths in tenths of Excel character units (integers, so that
/// text-wrap estimates need no float casts).
const STT_WIDTH: u16 = 50;
const NAME_WIDTH: u16 = 280;
const CRITERION_WIDTH: u16 = 45;
const TOTAL_WIDTH: u16 = 100;
const NOTE_WIDTH: u16 = 160;

/// Height of one line of 12 pt text, and of one line of the 14 pt title.
const LINE_HEIGHT: f64 = 16.0;
const TITLE_LINE_HEIGHT: f64 = 20.0;

/// Column of the STT, of the names and of the first criterion.
const STT_COL: usize = 0;
const NAME_COL: usize = 1;
const FIRST_CRITERION_COL: usize = 2;
/// Heading criteria columns spanned by the issuing-body lines (besides
/// the STT and names columns).
const HEADING_CRITERIA_SPAN: usize = 6;

/// One unit's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatrixRow {
    /// The unit's name, e.g. `"Xã Cư Né"`.
    pub name: String,
    /// The criterion numbers the unit meets, in any order; numbers not in
    /// [`NtmMatrix::criteria`] are ignored, repeats count once.
    pub met: Vec<u8>,
    /// The note, e.g. `"Đạt chuẩn NTM"`; empty for none.
    pub note: String,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtmMatrix {
    /// Lines at the top left (issuing body), e.g. `["UBND TỈNH PHÚ THỌ", "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI"]`.
    pub heading: Vec<String>,
    /// The title, e.g. "BẢNG TỔNG HỢP KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ QUỐC GIA VỀ XÃ NÔNG THÔN MỚI NĂM 2022".
    pub title: String,
    /// Header of the names column, e.g. "Tên xã".
    pub unit_header: String,
    /// The criterion numbers, in column order.
    pub criteria: Vec<u8>,
    /// The units, top to bottom.
    pub rows: Vec<MatrixRow>,
}

/// The workbook's bytes. A `met` number not in `criteria` is ignored; totals are computed here.
///
/// A unit's count is the number of criteria columns marked "x" in its row;
/// the totals row holds, per criterion column, the number of units marked
/// in it and, in the count column, the sum of all units' counts. The sheet
/// is named after the number of criteria as in the legacy reports
/// (`"TH 19 TC"`). With no criteria the criteria header is left out and the
/// count and note columns follow the names column.
///
/// # Errors
/// [`XlsxError`] when the spreadsheet writer fails, e.g. with more rows
/// than Excel allows.
pub fn write(matrix: &NtmMatrix) -> Result<Vec<u8>, XlsxError> {
    let layout = Layout::new(matrix);
    let styles = Styles::new();
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    sheet.set_name(format!("TH {} TC", matrix.criteria.len()))?;
    setup_page(sheet, matrix, &layout)?;
    write_heading(sheet, matrix, &layout, &styles)?;
    write_header(sheet, matrix, &layout, &styles)?;
    let marks = marks(matrix);
    for (i, (row, marked)) in matrix.rows.iter().zip(&marks).enumerate() {
        write_unit(sheet, &layout, &styles, i, row, marked)?;
    }
    write_totals(sheet, &layout, &styles, &marks)?;
    workbook.save_to_buffer()
}

/// Where everything goes (0-based rows and columns).
struct Layout {
    /// Number of criteria columns.
    criteria: usize,
    title_row: usize,
    header_row: usize,
    numbers_row: usize,
    first_data_row: usize,
}

impl Layout {
    fn new(matrix: &NtmMatrix) -> Self {
        // Rows 1–2 are the heading even when it has fewer lines.
        let heading_rows = matrix.heading.len().max(2);
        Layout {
            criteria: matrix.criteria.len(),
            title_row: heading_rows + 1,
            header_row: heading_rows + 3,
            numbers_row: heading_rows + 4,
            first_data_row: heading_rows + 5,
        }
    }

    fn total_col(&self) -> usize {
        FIRST_CRITERION_COL + self.criteria
    }

    fn note_col(&self) -> usize {
        self.total_col() + 1
    }

    fn last_col(&self) -> usize {
        self.note_col()
    }

    /// Last column of the merged heading lines.
    fn heading_last_col(&self) -> usize {
        NAME_COL + self.criteria.clamp(1, HEADING_CRITERIA_SPAN)
    }

    fn totals_row(&self, units: usize) -> usize {
        self.first_data_row + units
    }

    /// Widths of all columns, in tenths of a character.
    fn widths(&self) -> Vec<u16> {
        let mut widths = vec![STT_WIDTH, NAME_WIDTH];
        widths.extend(std::iter::repeat_n(CRITERION_WIDTH, self.criteria));
        widths.push(TOTAL_WIDTH);
        widths.push(NOTE_WIDTH);
        widths
    }
}

fn base() -> Format {
    Format::new().set_font_name(FONT).set_font_size(FONT_SIZE)
}

struct Styles {
    heading_first: Format,
    heading_rest: Format,
    title: Format,
    header: Format,
    stt: Format,
    name: Format,
    mark: Format,
    count: Format,
    note: Format,
    total_label: Format,
    total_number: Format,
    total_blank: Format,
}

impl Styles {
    fn new() -> Self {
        let center = base().set_align(FormatAlign::Center);
        let cell = base()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter);
        let centered = cell.clone().set_align(FormatAlign::Center);
        let total = cell
            .clone()
            .set_bold()
            .set_background_color(Color::RGB(TOTAL_FILL));
        Styles {
            heading_first: center.clone(),
            heading_rest: center.clone().set_bold(),
            title: center
                .set_bold()
                .set_font_size(TITLE_FONT_SIZE)
                .set_text_wrap()
                .set_align(FormatAlign::VerticalCenter),
            header: base()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap()
                .set_border(FormatBorder::Thin)
                .set_background_color(Color::RGB(HEADER_FILL)),
            stt: centered.clone().set_num_format("0"),
            name: cell.clone().set_align(FormatAlign::Left).set_text_wrap(),
            mark: centered.clone(),
            count: centered.set_num_format("0"),
            note: cell.set_align(FormatAlign::Left).set_text_wrap(),
            total_label: total.clone().set_align(FormatAlign::Center),
            total_number: total
                .clone()
                .set_align(FormatAlign::Center)
                .set_num_format("0"),
            total_blank: total,
        }
    }
}

/// Column of the `i`-th (0-based) criterion.
fn criterion_col(i: usize) -> usize {
    FIRST_CRITERION_COL + i
}

/// Excel row / column numbers.
fn row_num(r: usize) -> Result<u32, XlsxError> {
    u32::try_from(r).map_err(|_| XlsxError::RowColumnLimitError)
}

fn col_num(c: usize) -> Result<u16, XlsxError> {
    u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)
}

/// A count as a cell value.
fn number(n: usize) -> Result<f64, XlsxError> {
    u32::try_from(n)
        .map(f64::from)
        .map_err(|_| XlsxError::RowColumnLimitError)
}

fn width(tenths: u16) -> f64 {
    f64::from(tenths) / 10.0
}

/// Lines `text` needs in a cell `width_tenths` wide when one character
/// takes `char_tenths` tenths of a width unit: at least 1, at most 10.
fn lines(text: &str, width_tenths: usize, char_tenths: usize) -> f64 {
    let needed = (text.chars().count() * char_tenths)
        .div_ceil(width_tenths.max(1))
        .clamp(1, 10);
    f64::from(u8::try_from(needed).unwrap_or(10))
}

/// Writes `text` over `first..=last` of `row`, merging when the range has
/// more than one cell.
fn span(
    sheet: &mut Worksheet,
    row: usize,
    first: usize,
    last: usize,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    let (r, c0, c1) = (row_num(row)?, col_num(first)?, col_num(last)?);
    if c0 == c1 {
        sheet.write_string_with_format(r, c0, text, format)?;
    } else {
        sheet.merge_range(r, c0, r, c1, text, format)?;
    }
    Ok(())
}

/// Writes `text` in `col` merged over the two header rows.
fn tall(
    sheet: &mut Worksheet,
    layout: &Layout,
    col: usize,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    let c = col_num(col)?;
    sheet.merge_range(
        row_num(layout.header_row)?,
        c,
        row_num(layout.numbers_row)?,
        c,
        text,
        format,
    )?;
    Ok(())
}

/// Page setup, widths, heights, frozen panes: everything that must be set
/// before rows are streamed out.
fn setup_page(sheet: &mut Worksheet, matrix: &NtmMatrix, layout: &Layout) -> Result<(), XlsxError> {
    sheet.set_paper_size(9); // A4
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    let widths = layout.widths();
    for (c, tenths) in widths.iter().enumerate() {
        sheet.set_column_width(col_num(c)?, width(*tenths))?;
    }
    let table_width: usize = widths.iter().copied().map(usize::from).sum();
    let criteria_width = usize::from(CRITERION_WIDTH) * layout.criteria;

    // A bold 14 pt character is about 1.4 width units wide, a bold 12 pt
    // one about 1.2.
    let title_lines = lines(&matrix.title, table_width, 14);
    sheet.set_row_height(
        row_num(layout.title_row)?,
        TITLE_LINE_HEIGHT * title_lines + 4.0,
    )?;
    let header_lines = [
        (matrix.unit_header.as_str(), usize::from(NAME_WIDTH)),
        (TOTAL_HEADER, usize::from(TOTAL_WIDTH)),
        (CRITERIA_HEADER, criteria_width),
    ]
    .into_iter()
    .filter(|(_, w)| *w > 0)
    .map(|(text, w)| lines(text, w, 12))
    .fold(2.0, f64::max);
    // The numbers row takes one line of the tall merged cells.
    let first_header_lines = (header_lines - 1.0).max(1.0);
    sheet.set_row_height(
        row_num(layout.header_row)?,
        LINE_HEIGHT * first_header_lines + 4.0,
    )?;
    sheet.set_row_height(row_num(layout.numbers_row)?, LINE_HEIGHT + 4.0)?;
    sheet.set_repeat_rows(row_num(layout.header_row)?, row_num(layout.numbers_row)?)?;
    sheet.set_freeze_panes(row_num(layout.first_data_row)?, 0)?;
    Ok(())
}

/// The issuing-body lines and the title.
fn write_heading(
    sheet: &mut Worksheet,
    matrix: &NtmMatrix,
    layout: &Layout,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let heading_last = layout.heading_last_col();
    for (row, line) in matrix.heading.iter().enumerate() {
        let format = if row == 0 {
            &styles.heading_first
        } else {
            &styles.heading_rest
        };
        span(sheet, row, STT_COL, heading_last, line, format)?;
    }
    span(
        sheet,
        layout.title_row,
        STT_COL,
        layout.last_col(),
        &matrix.title,
        &styles.title,
    )
}

/// The two header rows.
fn write_header(
    sheet: &mut Worksheet,
    matrix: &NtmMatrix,
    layout: &Layout,
    styles: &Styles,
) -> Result<(), XlsxError> {
    // Row 6. The tall cells pad row 7 ahead (constant-memory write-ahead).
    tall(sheet, layout, STT_COL, STT_HEADER, &styles.header)?;
    tall(sheet, layout, NAME_COL, &matrix.unit_header, &styles.header)?;
    if layout.criteria > 0 {
        span(
            sheet,
            layout.header_row,
            criterion_col(0),
            criterion_col(layout.criteria - 1),
            CRITERIA_HEADER,
            &styles.header,
        )?;
    }
    tall(
        sheet,
        layout,
        layout.total_col(),
        TOTAL_HEADER,
        &styles.header,
    )?;
    tall(
        sheet,
        layout,
        layout.note_col(),
        NOTE_HEADER,
        &styles.header,
    )?;

    // Row 7: the criterion numbers.
    let r = row_num(layout.numbers_row)?;
    for (i, criterion) in matrix.criteria.iter().enumerate() {
        sheet.write_number_with_format(
            r,
            col_num(criterion_col(i))?,
            f64::from(*criterion),
            &styles.header,
        )?;
    }
    Ok(())
}

/// Per unit, per criteria column: is the column's criterion met?
fn marks(matrix: &NtmMatrix) -> Vec<Vec<bool>> {
    matrix
        .rows
        .iter()
        .map(|row| {
            let mut met = [false; 256];
            for criterion in &row.met {
                met[usize::from(*criterion)] = true;
            }
            matrix
                .criteria
                .iter()
                .map(|criterion| met[usize::from(*criterion)])
                .collect()
        })
        .collect()
}

/// The `index`-th (0-based) unit's row.
fn write_unit(
    sheet: &mut Worksheet,
    layout: &Layout,
    styles: &Styles,
    index: usize,
    unit: &MatrixRow,
    marked: &[bool],
) -> Result<(), XlsxError> {
    let r = row_num(layout.first_data_row + index)?;
    sheet.write_number_with_format(r, col_num(STT_COL)?, number(index + 1)?, &styles.stt)?;
    sheet.write_string_with_format(r, col_num(NAME_COL)?, &unit.name, &styles.name)?;
    for (i, is_met) in marked.iter().enumerate() {
        let c = col_num(criterion_col(i))?;
        if *is_met {
            sheet.write_string_with_format(r, c, MET_MARK, &styles.mark)?;
        } else {
            sheet.write_blank(r, c, &styles.mark)?;
        }
    }
    let met = marked.iter().filter(|m| **m).count();
    sheet.write_number_with_format(r, col_num(layout.total_col())?, number(met)?, &styles.count)?;
    let note = col_num(layout.note_col())?;
    if unit.note.is_empty() {
        sheet.write_blank(r, note, &styles.note)?;
    } else {
        sheet.write_string_with_format(r, note, &unit.note, &styles.note)?;
    }
    Ok(())
}

/// The totals row under the units.
fn write_totals(
    sheet: &mut Worksheet,
    layout: &Layout,
    styles: &Styles,
    marks: &[Vec<bool>],
) -> Result<(), XlsxError> {
    let r = row_num(layout.totals_row(marks.len()))?;
    sheet.write_blank(r, col_num(STT_COL)?, &styles.total_blank)?;
    sheet.write_string_with_format(r, col_num(NAME_COL)?, TOTAL_LABEL, &styles.total_label)?;
    let mut sum = 0;
    for i in 0..layout.criteria {
        let units = marks
            .iter()
            .filter(|row| row.get(i).copied().unwrap_or(false))
            .count();
        sum += units;
        sheet.write_number_with_format(
            r,
            col_num(criterion_col(i))?,
            number(units)?,
            &styles.total_number,
        )?;
    }
    sheet.write_number_with_format(
        r,
        col_num(layout.total_col())?,
        number(sum)?,
        &styles.total_number,
    )?;
    sheet.write_blank(r, col_num(layout.note_col())?, &styles.total_blank)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use calamine::{open_workbook_from_rs, Data, Dimensions, Range, Reader, Xlsx};
    use std::io::Cursor;

    const TITLE: &str =
        "BẢNG TỔNG HỢP KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ QUỐC GIA VỀ XÃ NÔNG THÔN MỚI NĂM 2022";

    /// Per-criterion counts of `ntm_krong-buk_2022.expected.json`
    /// (`per_criterion_communes_met`), criteria 1..=19.
    const EXPECTED_TOTALS: [u8; 19] = [5, 5, 3, 6, 6, 4, 2, 6, 4, 4, 4, 5, 6, 4, 4, 6, 5, 4, 6];

    /// The communes of `ntm_krong-buk_2022.xlsx` in row order, with their
    /// criteria from the expected JSON (`per_commune`, keys 24307, 24310,
    /// 24313, 24314, 24317, 24319 in that order) and their notes.
    fn communes() -> Vec<(&'static str, Vec<u8>, &'static str)> {
        vec![
            ("Xã Cư Né", vec![4, 5, 8, 10, 12, 13, 15, 16, 19], ""),
            (
                "Xã Chứ Kbô",
                vec![1, 2, 3, 4, 5, 6, 8, 10, 11, 13, 14, 15, 16, 17, 18, 19],
                "",
            ),
            (
                "Xã Cư Pơng",
                vec![1, 2, 4, 5, 7, 8, 9, 11, 12, 13, 14, 16, 17, 18, 19],
                "",
            ),
            (
                "Xã Ea Sin",
                vec![1, 2, 4, 5, 6, 8, 9, 12, 13, 14, 16, 17, 18, 19],
                "",
            ),
            (
                "Xã Tân Lập",
                vec![1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 15, 16, 17, 19],
                "",
            ),
            ("Xã Ea Ngai", (1..=19).collect(), "Đạt chuẩn NTM"),
        ]
    }

    fn sample() -> NtmMatrix {
        NtmMatrix {
            heading: vec![
                "UBND HUYỆN KRÔNG BÚK".into(),
                "BAN CHỈ ĐẠO CÁC CTMTQG".into(),
            ],
            title: TITLE.into(),
            unit_header: "Tên xã".into(),
            criteria: (1..=19).collect(),
            rows: communes()
                .into_iter()
                .map(|(name, met, note)| MatrixRow {
                    name: name.into(),
                    met,
                    note: note.into(),
                })
                .collect(),
        }
    }

    /// The only sheet's cells and merged ranges.
    fn read(bytes: Vec<u8>) -> (Range<Data>, Vec<Dimensions>) {
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let names = book.sheet_names();
        assert_eq!(names.len(), 1, "{names:?}");
        let range = book.worksheet_range(&names[0]).unwrap();
        let merges = book.merge_cells_by_sheet_name(&names[0]).unwrap();
        (range, merges)
    }

    fn at(range: &Range<Data>, row: u32, col: u32) -> Data {
        range.get_value((row, col)).cloned().unwrap_or(Data::Empty)
    }

    fn s(text: &str) -> Data {
        Data::String(text.into())
    }

    fn n(value: impl Into<f64>) -> Data {
        Data::Float(value.into())
    }

    fn merged(merges: &[Dimensions], start: (u32, u32), end: (u32, u32)) -> bool {
        merges.iter().any(|d| d.start == start && d.end == end)
    }

    // 0-based: 0–1 heading, 3 title, 5–6 header, 7–12 communes, 13 totals;
    // columns 0 STT, 1 name, 2–20 criteria 1–19, 21 count, 22 note.
    #[test]
    fn writes_the_krong_buk_sample() {
        let (r, _) = read(write(&sample()).unwrap());

        assert_eq!(at(&r, 0, 0), s("UBND HUYỆN KRÔNG BÚK"));
        assert_eq!(at(&r, 1, 0), s("BAN CHỈ ĐẠO CÁC CTMTQG"));
        assert_eq!(at(&r, 2, 0), Data::Empty);
        assert_eq!(at(&r, 3, 0), s(TITLE));

        assert_eq!(at(&r, 5, 0), s("STT"));
        assert_eq!(at(&r, 5, 1), s("Tên xã"));
        assert_eq!(
            at(&r, 5, 2),
            s("Kết quả thực hiện các tiêu chí (đánh dấu \"x\" nếu đạt)")
        );
        assert_eq!(at(&r, 5, 21), s("Tổng số tiêu chí đạt"));
        assert_eq!(at(&r, 5, 22), s("Ghi chú"));
        for c in [0, 1, 21, 22] {
            assert_eq!(at(&r, 6, c), Data::Empty, "column {c}");
        }
        for criterion in 1..=19u32 {
            assert_eq!(at(&r, 6, criterion + 1), n(criterion));
        }

        for (i, (name, met, note)) in communes().into_iter().enumerate() {
            let row = 7 + u32::try_from(i).unwrap();
            assert_eq!(at(&r, row, 0), n(row - 6));
            assert_eq!(at(&r, row, 1), s(name));
            for criterion in 1..=19u8 {
                let expected = if met.contains(&criterion) {
                    s("x")
                } else {
                    Data::Empty
                };
                assert_eq!(
                    at(&r, row, u32::from(criterion) + 1),
                    expected,
                    "{name}, criterion {criterion}"
                );
            }
            assert_eq!(at(&r, row, 21), n(u32::try_from(met.len()).unwrap()));
            let note = if note.is_empty() {
                Data::Empty
            } else {
                s(note)
            };
            assert_eq!(at(&r, row, 22), note, "{name}");
        }
        // The counts as in the legacy sheet.
        let counts: Vec<Data> = (7..13).map(|row| at(&r, row, 21)).collect();
        assert_eq!(counts, [9, 16, 15, 14, 16, 19].map(n));

        assert_eq!(at(&r, 13, 0), Data::Empty);
        assert_eq!(at(&r, 13, 1), s("Tổng cộng"));
        for (i, expected) in EXPECTED_TOTALS.into_iter().enumerate() {
            let col = 2 + u32::try_from(i).unwrap();
            assert_eq!(at(&r, 13, col), n(expected), "criterion {}", i + 1);
        }
        // 9 + 16 + 15 + 14 + 16 + 19: 14.83 criteria per commune on average.
        assert_eq!(at(&r, 13, 21), n(89));
        assert_eq!(at(&r, 13, 22), Data::Empty);
        assert_eq!(r.end(), Some((13, 22)));
    }

    #[test]
    fn merged_ranges_follow_the_sample() {
        let (_, merges) = read(write(&sample()).unwrap());
        // The legacy sheet's merges: A4:W4, A6:A7, B6:B7, C6:U6, V6:V7, W6:W7.
        assert!(merged(&merges, (3, 0), (3, 22)), "{merges:?}");
        assert!(merged(&merges, (5, 0), (6, 0)));
        assert!(merged(&merges, (5, 1), (6, 1)));
        assert!(merged(&merges, (5, 2), (5, 20)));
        assert!(merged(&merges, (5, 21), (6, 21)));
        assert!(merged(&merges, (5, 22), (6, 22)));
        // Plus the heading lines, centred over the left part of the sheet.
        assert!(merged(&merges, (0, 0), (0, 7)));
        assert!(merged(&merges, (1, 0), (1, 7)));
        assert_eq!(merges.len(), 8, "{merges:?}");
    }

    #[test]
    fn no_units_gives_header_and_zero_totals() {
        let mut matrix = sample();
        matrix.rows.clear();
        let (r, _) = read(write(&matrix).unwrap());
        assert_eq!(at(&r, 3, 0), s(TITLE));
        assert_eq!(at(&r, 5, 0), s("STT"));
        assert_eq!(at(&r, 5, 1), s("Tên xã"));
        assert_eq!(at(&r, 5, 21), s("Tổng số tiêu chí đạt"));
        assert_eq!(at(&r, 6, 2), n(1));
        assert_eq!(at(&r, 6, 20), n(19));
        assert_eq!(at(&r, 7, 1), s("Tổng cộng"));
        for col in 2..=21 {
            assert_eq!(at(&r, 7, col), n(0), "column {col}");
        }
        assert_eq!(r.end(), Some((7, 22)));
    }

    #[test]
    fn unknown_and_repeated_criteria_are_ignored() {
        let matrix = NtmMatrix {
            heading: vec![],
            title: "T".into(),
            unit_header: "Tên đơn vị".into(),
            // Not sorted, not contiguous.
            criteria: vec![19, 1, 7],
            rows: vec![
                MatrixRow {
                    name: "A".into(),
                    met: vec![7, 20, 0, 7, 255, 2],
                    note: String::new(),
                },
                MatrixRow {
                    name: "B".into(),
                    met: vec![1, 19],
                    note: "ghi chú".into(),
                },
            ],
        };
        let (r, merges) = read(write(&matrix).unwrap());
        // No heading: rows 1–2 are empty, the rest keeps its place.
        assert_eq!(at(&r, 0, 0), Data::Empty);
        assert_eq!(at(&r, 3, 0), s("T"));
        assert_eq!(at(&r, 5, 1), s("Tên đơn vị"));
        assert_eq!(at(&r, 5, 5), s("Tổng số tiêu chí đạt"));
        assert_eq!(at(&r, 5, 6), s("Ghi chú"));
        let numbers: Vec<Data> = (2..5).map(|c| at(&r, 6, c)).collect();
        assert_eq!(numbers, [19, 1, 7].map(n));
        let row = |i: u32| -> Vec<Data> { (0..7).map(|c| at(&r, i, c)).collect() };
        let e = Data::Empty;
        assert_eq!(
            row(7),
            [n(1), s("A"), e.clone(), e.clone(), s("x"), n(1), e.clone()]
        );
        assert_eq!(
            row(8),
            [n(2), s("B"), s("x"), s("x"), e.clone(), n(2), s("ghi chú")]
        );
        assert_eq!(
            row(9),
            [e.clone(), s("Tổng cộng"), n(1), n(1), n(1), n(3), e]
        );
        assert!(merged(&merges, (5, 2), (5, 4)));
        assert!(merged(&merges, (3, 0), (3, 6)));
    }

    #[test]
    fn longer_heading_pushes_the_table_down() {
        let mut matrix = sample();
        matrix.heading = vec![
            "UBND TỈNH ĐẮK LẮK".into(),
            "SỞ NN&PTNT".into(),
            "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI".into(),
        ];
        let (r, merges) = read(write(&matrix).unwrap());
        assert_eq!(at(&r, 2, 0), s("VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI"));
        assert_eq!(at(&r, 3, 0), Data::Empty);
        assert_eq!(at(&r, 4, 0), s(TITLE));
        assert_eq!(at(&r, 6, 0), s("STT"));
        assert_eq!(at(&r, 7, 2), n(1));
        assert_eq!(at(&r, 8, 1), s("Xã Cư Né"));
        assert_eq!(at(&r, 14, 1), s("Tổng cộng"));
        assert!(merged(&merges, (6, 0), (7, 0)));
        assert!(merged(&merges, (6, 2), (6, 20)));
    }

    #[test]
    fn one_criterion_and_no_criteria() {
        let mut matrix = sample();
        matrix.criteria = vec![5];
        let (r, merges) = read(write(&matrix).unwrap());
        // A single criteria column: the group header is not merged.
        assert_eq!(
            at(&r, 5, 2),
            s("Kết quả thực hiện các tiêu chí (đánh dấu \"x\" nếu đạt)")
        );
        assert_eq!(at(&r, 6, 2), n(5));
        assert!(!merges.iter().any(|d| d.start == (5, 2)));
        assert_eq!(at(&r, 7, 2), s("x"));
        assert_eq!(at(&r, 7, 3), n(1));
        assert_eq!(at(&r, 13, 2), n(6));

        matrix.criteria.clear();
        let (r, _) = read(write(&matrix).unwrap());
        assert_eq!(at(&r, 5, 2), s("Tổng số tiêu chí đạt"));
        assert_eq!(at(&r, 5, 3), s("Ghi chú"));
        assert_eq!(at(&r, 7, 2), n(0));
        assert_eq!(at(&r, 12, 3), s("Đạt chuẩn NTM"));
        assert_eq!(at(&r, 13, 2), n(0));
    }

    #[test]
    fn sheet_is_named_after_the_criteria_count() {
        let book: Xlsx<_> = open_workbook_from_rs(Cursor::new(write(&sample()).unwrap())).unwrap();
        assert_eq!(book.sheet_names(), vec!["TH 19 TC".to_owned()]);
    }
}
