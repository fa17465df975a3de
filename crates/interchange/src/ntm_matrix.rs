//! The NTM (*nông thôn mới*) criteria matrix: one row per unit (commune),
//! one column per national criterion, an "x" where the unit meets it, as
//! an official report of [`crate::report`] (national header, title,
//! signature block, A4 landscape: see there).
//!
//! The table follows the legacy district reports (e.g. Krông Búk 2022,
//! sheet *TH 19 TC*), which [`crate::legacy_ntm`] reads back:
//!
//! * columns *STT*, the unit header (e.g. *Tên xã*), one column per
//!   criterion under a two-row header (*Tiêu chí* over the criterion
//!   numbers), *Tổng số tiêu chí đạt* and *Ghi chú*; then the
//!   column-number row;
//! * one row per unit: STT, name, "x" marks, the number of criteria met
//!   and the note;
//! * the *TỔNG CỘNG* row: the number of units meeting each criterion and,
//!   in the count column, the sum of all units' counts.
//!
//! The chart sheet plots the criteria met per unit ([`CHART_TITLE`]).

use crate::report::{Cell, ChartSpec, Column, ColumnKind, Report, Row, RowStyle};

/// Header of the STT column.
const STT_HEADER: &str = "STT";
/// Group header over the criterion numbers.
pub const CRITERIA_HEADER: &str = "Tiêu chí";
/// Header of the column counting the criteria a unit meets.
pub const COUNT_HEADER: &str = "Tổng số tiêu chí đạt";
/// Header of the notes column.
const NOTE_HEADER: &str = "Ghi chú";
/// Mark of a criterion met.
pub const MET_MARK: &str = "x";
/// Title of the chart: the count column per unit.
pub const CHART_TITLE: &str = "Số tiêu chí đạt theo xã";

/// Column widths in Excel character units.
const STT_WIDTH: f64 = 5.0;
const NAME_WIDTH: f64 = 28.0;
const CRITERION_WIDTH: f64 = 4.5;
const COUNT_WIDTH: f64 = 10.0;
const NOTE_WIDTH: f64 = 16.0;

/// Column of the names and of the first criterion.
const NAME_COL: usize = 1;
const FIRST_CRITERION_COL: usize = 2;

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

/// The matrix's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NtmMatrix {
    /// The issuing body's lines at the top left: the first is the report's
    /// issuing body (e.g. `"UBND TỈNH PHÚ THỌ"`), any further ones its
    /// issuing office (e.g. `"BAN CHỈ ĐẠO CÁC CTMTQG"`), joined by a space.
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

/// The matrix as a [`Report`]; totals are computed here.
///
/// A unit's count is the number of criteria columns marked "x" in its row;
/// the totals row holds, per criterion column, the number of units marked
/// in it and, in the count column, the sum of all units' counts. The sheet
/// is named after the number of criteria as in the legacy reports
/// (`"TH 19 TC"`). With no criteria the criteria columns are left out and
/// the header has one row.
///
/// What the matrix does not carry is left empty for the caller to fill in
/// before [`crate::report::write_xlsx`]: the place-and-date line, the period
/// (subtitle), the signer and the recipients.
pub fn matrix_report(matrix: &NtmMatrix) -> Report {
    let criteria = matrix.criteria.len();
    let count_col = FIRST_CRITERION_COL + criteria;
    let column = |header: String, group: Option<&str>, width: f64, kind: ColumnKind| Column {
        header,
        group: group.map(Into::into),
        width,
        kind,
    };
    let mut columns = vec![
        column(STT_HEADER.into(), None, STT_WIDTH, ColumnKind::Integer),
        column(
            matrix.unit_header.clone(),
            None,
            NAME_WIDTH,
            ColumnKind::Text,
        ),
    ];
    columns.extend(matrix.criteria.iter().map(|number| {
        column(
            number.to_string(),
            Some(CRITERIA_HEADER),
            CRITERION_WIDTH,
            ColumnKind::Integer,
        )
    }));
    columns.push(column(
        COUNT_HEADER.into(),
        None,
        COUNT_WIDTH,
        ColumnKind::Integer,
    ));
    columns.push(column(
        NOTE_HEADER.into(),
        None,
        NOTE_WIDTH,
        ColumnKind::Text,
    ));

    let mut per_criterion = vec![0usize; criteria];
    let mut rows = Vec::with_capacity(matrix.rows.len() + 1);
    for (i, unit) in matrix.rows.iter().enumerate() {
        let marked = marks(&matrix.criteria, &unit.met);
        let mut cells = vec![count_cell(i + 1), Cell::Text(unit.name.clone())];
        for (c, is_met) in marked.iter().enumerate() {
            if *is_met {
                per_criterion[c] += 1;
                cells.push(Cell::Text(MET_MARK.into()));
            } else {
                cells.push(Cell::Empty);
            }
        }
        cells.push(count_cell(marked.iter().filter(|m| **m).count()));
        cells.push(if unit.note.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(unit.note.clone())
        });
        rows.push(Row::detail(cells));
    }
    // The label goes over the empty STT and name cells.
    let mut total = vec![Cell::Empty, Cell::Empty];
    total.extend(per_criterion.iter().map(|n| count_cell(*n)));
    total.push(count_cell(per_criterion.iter().sum()));
    total.push(Cell::Empty);
    rows.push(Row::new(RowStyle::Total, total));

    let mut heading = matrix.heading.iter();
    let issuing_body = heading.next().cloned().unwrap_or_default();
    let office = heading.cloned().collect::<Vec<_>>().join(" ");
    Report {
        issuing_body,
        issuing_office: (!office.is_empty()).then_some(office),
        place_and_date: String::new(),
        title: matrix.title.clone(),
        subtitle: None,
        amount_unit: None,
        columns,
        rows,
        signer_title: String::new(),
        signer_name: String::new(),
        recipients: Vec::new(),
        chart: Some(ChartSpec {
            title: CHART_TITLE.into(),
            category_column: NAME_COL,
            value_column: count_col,
            plotted: RowStyle::Detail,
        }),
        sheet_name: format!("TH {criteria} TC"),
    }
}

/// The matrix as written by [`matrix_report`], without date line or signer (for
/// the readers' round-trip tests).
#[cfg(test)]
pub(crate) fn write(matrix: &NtmMatrix) -> Result<Vec<u8>, crate::report::ReportError> {
    crate::report::write_xlsx(&matrix_report(matrix))
}

/// Per criteria column: is the column's criterion among `met`?
fn marks(criteria: &[u8], met: &[u8]) -> Vec<bool> {
    let mut is_met = [false; 256];
    for criterion in met {
        is_met[usize::from(*criterion)] = true;
    }
    criteria
        .iter()
        .map(|criterion| is_met[usize::from(*criterion)])
        .collect()
}

/// A count as a cell.
fn count_cell(n: usize) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::report::{self, CHART_SHEET_NAME, TOTAL_LABEL};
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

    /// The matrix sheet's cells and merged ranges.
    fn read(bytes: Vec<u8>) -> (Range<Data>, Vec<Dimensions>) {
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let name = book.sheet_names()[0].clone();
        let range = book.worksheet_range(&name).unwrap();
        let merges = book.merge_cells_by_sheet_name(&name).unwrap();
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

    // 0-based rows: 0–1 issuing body and office, 5 title, 7–8 header,
    // 9 column numbers, 10–15 communes, 16 totals; columns 0 STT, 1 name,
    // 2–20 criteria 1–19, 21 count, 22 note.
    #[test]
    fn writes_the_krong_buk_sample() {
        let (r, _) = read(write(&sample()).unwrap());

        assert_eq!(at(&r, 0, 0), s("UBND HUYỆN KRÔNG BÚK"));
        assert_eq!(at(&r, 1, 0), s("BAN CHỈ ĐẠO CÁC CTMTQG"));
        assert_eq!(at(&r, 0, 11), s(report::NATIONAL_NAME));
        assert_eq!(at(&r, 5, 0), s(TITLE));

        assert_eq!(at(&r, 7, 0), s("STT"));
        assert_eq!(at(&r, 7, 1), s("Tên xã"));
        assert_eq!(at(&r, 7, 2), s("Tiêu chí"));
        assert_eq!(at(&r, 7, 21), s("Tổng số tiêu chí đạt"));
        assert_eq!(at(&r, 7, 22), s("Ghi chú"));
        for c in [0, 1, 21, 22] {
            assert_eq!(at(&r, 8, c), Data::Empty, "column {c}");
        }
        for criterion in 1..=19u32 {
            assert_eq!(at(&r, 8, criterion + 1), s(&criterion.to_string()));
        }
        for c in 0..23u32 {
            assert_eq!(at(&r, 9, c), s(&format!("({})", c + 1)));
        }

        for (i, (name, met, note)) in communes().into_iter().enumerate() {
            let row = 10 + u32::try_from(i).unwrap();
            assert_eq!(at(&r, row, 0), n(row - 9));
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
        let counts: Vec<Data> = (10..16).map(|row| at(&r, row, 21)).collect();
        assert_eq!(counts, [9, 16, 15, 14, 16, 19].map(n));

        assert_eq!(at(&r, 16, 0), s(TOTAL_LABEL));
        for (i, expected) in EXPECTED_TOTALS.into_iter().enumerate() {
            let col = 2 + u32::try_from(i).unwrap();
            assert_eq!(at(&r, 16, col), n(expected), "criterion {}", i + 1);
        }
        // 9 + 16 + 15 + 14 + 16 + 19: 14.83 criteria per commune on average.
        assert_eq!(at(&r, 16, 21), n(89));
        assert_eq!(at(&r, 16, 22), Data::Empty);
        // Below: the signature block (empty here, see `matrix_report`).
        assert_eq!(at(&r, 17, 0), Data::Empty);
    }

    #[test]
    fn merged_ranges_follow_the_sample() {
        let (_, merges) = read(write(&sample()).unwrap());
        // The legacy sheet's header merges, moved under the national
        // header: A6:W6 (title), A8:A9, B8:B9, C8:U8, V8:V9, W8:W9.
        assert!(merged(&merges, (5, 0), (5, 22)), "{merges:?}");
        assert!(merged(&merges, (7, 0), (8, 0)));
        assert!(merged(&merges, (7, 1), (8, 1)));
        assert!(merged(&merges, (7, 2), (7, 20)));
        assert!(merged(&merges, (7, 21), (8, 21)));
        assert!(merged(&merges, (7, 22), (8, 22)));
        // TỔNG CỘNG over the STT and name columns.
        assert!(merged(&merges, (16, 0), (16, 1)));
    }

    #[test]
    fn no_units_gives_header_and_zero_totals() {
        let mut matrix = sample();
        matrix.rows.clear();
        let (r, _) = read(write(&matrix).unwrap());
        assert_eq!(at(&r, 5, 0), s(TITLE));
        assert_eq!(at(&r, 7, 0), s("STT"));
        assert_eq!(at(&r, 7, 1), s("Tên xã"));
        assert_eq!(at(&r, 7, 21), s("Tổng số tiêu chí đạt"));
        assert_eq!(at(&r, 8, 2), s("1"));
        assert_eq!(at(&r, 8, 20), s("19"));
        assert_eq!(at(&r, 10, 0), s(TOTAL_LABEL));
        for col in 2..=21 {
            assert_eq!(at(&r, 10, col), n(0), "column {col}");
        }
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
        // No heading: the issuing body is blank, the rest keeps its place.
        assert_eq!(at(&r, 0, 0), Data::Empty);
        assert_eq!(at(&r, 5, 0), s("T"));
        assert_eq!(at(&r, 7, 1), s("Tên đơn vị"));
        assert_eq!(at(&r, 7, 5), s("Tổng số tiêu chí đạt"));
        assert_eq!(at(&r, 7, 6), s("Ghi chú"));
        let numbers: Vec<Data> = (2..5).map(|c| at(&r, 8, c)).collect();
        assert_eq!(numbers, [s("19"), s("1"), s("7")]);
        let row = |i: u32| -> Vec<Data> { (0..7).map(|c| at(&r, i, c)).collect() };
        let e = Data::Empty;
        assert_eq!(
            row(10),
            [n(1), s("A"), e.clone(), e.clone(), s("x"), n(1), e.clone()]
        );
        assert_eq!(
            row(11),
            [n(2), s("B"), s("x"), s("x"), e.clone(), n(2), s("ghi chú")]
        );
        assert_eq!(
            row(12),
            [s(TOTAL_LABEL), e.clone(), n(1), n(1), n(1), n(3), e]
        );
        assert!(merged(&merges, (7, 2), (7, 4)));
        assert!(merged(&merges, (5, 0), (5, 6)));
    }

    #[test]
    fn heading_lines_after_the_first_make_the_office() {
        let mut matrix = sample();
        matrix.heading = vec![
            "UBND TỈNH ĐẮK LẮK".into(),
            "SỞ NN&PTNT".into(),
            "VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI".into(),
        ];
        let report = matrix_report(&matrix);
        assert_eq!(report.issuing_body, "UBND TỈNH ĐẮK LẮK");
        assert_eq!(
            report.issuing_office.as_deref(),
            Some("SỞ NN&PTNT VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI")
        );
        let (r, _) = read(write(&matrix).unwrap());
        assert_eq!(
            at(&r, 1, 0),
            s("SỞ NN&PTNT VĂN PHÒNG ĐIỀU PHỐI NÔNG THÔN MỚI")
        );
        // The table does not move.
        assert_eq!(at(&r, 5, 0), s(TITLE));
        assert_eq!(at(&r, 10, 1), s("Xã Cư Né"));
    }

    #[test]
    fn one_criterion_and_no_criteria() {
        let mut matrix = sample();
        matrix.criteria = vec![5];
        let (r, merges) = read(write(&matrix).unwrap());
        // A single criteria column: the group header is not merged.
        assert_eq!(at(&r, 7, 2), s("Tiêu chí"));
        assert_eq!(at(&r, 8, 2), s("5"));
        assert!(!merges.iter().any(|d| d.start == (7, 2)));
        assert_eq!(at(&r, 10, 2), s("x"));
        assert_eq!(at(&r, 10, 3), n(1));
        assert_eq!(at(&r, 16, 2), n(6));

        // No criteria: one header row, the count and note columns follow
        // the names.
        matrix.criteria.clear();
        let (r, _) = read(write(&matrix).unwrap());
        assert_eq!(at(&r, 7, 2), s("Tổng số tiêu chí đạt"));
        assert_eq!(at(&r, 7, 3), s("Ghi chú"));
        assert_eq!(at(&r, 8, 0), s("(1)"));
        assert_eq!(at(&r, 9, 2), n(0));
        assert_eq!(at(&r, 14, 3), s("Đạt chuẩn NTM"));
        assert_eq!(at(&r, 15, 0), s(TOTAL_LABEL));
        assert_eq!(at(&r, 15, 2), n(0));
    }

    #[test]
    fn sheets_and_the_chart_of_criteria_met() {
        let bytes = write(&sample()).unwrap();
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"xl/charts/chart1.xml"));
        let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        assert_eq!(
            book.sheet_names(),
            vec!["TH 19 TC".to_owned(), CHART_SHEET_NAME.to_owned()]
        );
        let chart = book.worksheet_range(CHART_SHEET_NAME).unwrap();
        assert_eq!(at(&chart, 0, 0), s("Tên xã"));
        assert_eq!(at(&chart, 0, 1), s("Tổng số tiêu chí đạt"));
        for (i, (name, met, _)) in communes().into_iter().enumerate() {
            let row = 1 + u32::try_from(i).unwrap();
            assert_eq!(at(&chart, row, 0), s(name));
            assert_eq!(at(&chart, row, 1), n(u32::try_from(met.len()).unwrap()));
        }
        // The totals row is not plotted.
        assert_eq!(chart.end(), Some((6, 1)));
    }

    /// With the letterhead an export fills in (period, date line, signer,
    /// recipients), the legacy reader takes the matrix back unchanged.
    #[test]
    fn the_full_report_reads_back() {
        let matrix = sample();
        let mut full = matrix_report(&matrix);
        full.subtitle = Some("Kỳ đánh giá: từ ngày 01/01/2022 đến ngày 31/12/2022".into());
        full.place_and_date = report::vietnamese_date_line(
            "Krông Búk",
            chrono::NaiveDate::from_ymd_opt(2022, 12, 20).unwrap(),
        );
        full.signer_title = "TM. BAN CHỈ ĐẠO\nTRƯỞNG BAN".into();
        full.signer_name = "Nguyễn Văn A".into();
        full.recipients = vec!["UBND tỉnh (b/c)".into(), "Lưu: VT".into()];
        let import = crate::legacy_ntm::read(&report::write_xlsx(&full).unwrap()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.sheet, "TH 19 TC");
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
        let totals: Vec<u32> = import.totals.unwrap().into_iter().map(|(_, n)| n).collect();
        assert_eq!(totals, EXPECTED_TOTALS.map(u32::from));
    }
}
