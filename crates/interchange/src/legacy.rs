//! What the legacy readers ([`crate::legacy_ntm`], [`crate::legacy_p135`],
//! [`crate::legacy_tasks`]) share: the problems they report and the errors
//! they fail with, the heading above a table (issuing body, year), total and
//! signature-block rows, group numbers, and the loop over the rows of a table
//! that ends at its signature block.

use std::convert::Infallible;
use std::fmt::Debug;
use std::marker::PhantomData;
use std::ops::Range;

use domain::text::{canonical, fold};

use crate::table::{
    find_table, normalize_header, open_workbook, CellValue, ColumnSpec, Located, Sheet,
    WorkbookError,
};

// ---------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------

/// Key of the row-number column (*STT*).
pub(crate) const STT: &str = "stt";
/// Key of the unit-code column (*Mã xã*).
pub(crate) const CODE: &str = "code";
/// Key of the unit-name column (*Tên xã*).
pub(crate) const NAME: &str = "name";
/// Key of the note column (*Ghi chú*).
pub(crate) const NOTE: &str = "note";

/// The row-number column, optional.
pub(crate) const STT_COLUMN: ColumnSpec = ColumnSpec {
    key: STT,
    names: &["STT", "Số TT", "Số thứ tự", "TT"],
    required: false,
};

/// The unit-code column, optional.
pub(crate) const CODE_COLUMN: ColumnSpec = ColumnSpec {
    key: CODE,
    names: &["Mã xã", "Mã đơn vị", "Mã ĐVHC", "Mã số", "Mã"],
    required: false,
};

/// The note column, optional.
pub(crate) const NOTE_COLUMN: ColumnSpec = ColumnSpec {
    key: NOTE,
    names: &["Ghi chú"],
    required: false,
};

// ---------------------------------------------------------------------------
// Problems and errors
// ---------------------------------------------------------------------------

/// Something in the file that does not add up or cannot be read. Each reader
/// lists the codes it reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The sheet row, 1-based.
    pub row: usize,
    /// Stable code, listed by each reader.
    pub code: &'static str,
    /// What is wrong, in Vietnamese then English.
    pub message: String,
}

impl Problem {
    /// Whether the problem must stop a commit unless the user accepts it:
    /// figures that do not add up (`*_mismatch`), cells that cannot be
    /// read (`unreadable_*`) and rows missing what identifies them
    /// (`missing_*`). The rest (a missing unit line, a task before any
    /// document) are warnings.
    pub fn blocks_commit(&self) -> bool {
        self.code.contains("mismatch")
            || self.code.starts_with("unreadable")
            || self.code.starts_with("missing")
    }

    /// A problem on the 0-based sheet row `row`.
    pub(crate) fn at(row: usize, code: &'static str, message: String) -> Problem {
        Problem {
            row: row + 1,
            code,
            message,
        }
    }
}

/// The table a reader looks for, as named in [`ImportError::TableNotFound`].
pub trait LegacyTable: Debug + Clone + PartialEq + Eq {
    /// Why the table was not found, in Vietnamese then English (`… / …`).
    const NOT_FOUND: &'static str;
    /// The same, in Vietnamese only, for people.
    const NOT_FOUND_VI: &'static str;
}

/// Why a file could not be imported at all; `T` names the table looked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError<T: LegacyTable> {
    /// The file is not a readable workbook.
    #[error(transparent)]
    Workbook(#[from] WorkbookError),
    /// No visible sheet has a header with the columns the reader needs.
    #[error("{}", T::NOT_FOUND)]
    TableNotFound,
    /// The header has a criteria column but no criterion numbers under it
    /// (NTM criteria matrices only).
    #[error("dòng {row}: không đọc được số thứ tự các tiêu chí dưới tiêu đề \"Kết quả thực hiện các tiêu chí\" / row {row}: no criterion numbers under the criteria header")]
    CriteriaNotFound {
        /// The header row, 1-based.
        row: usize,
    },
    /// Never built: ties the error to its table.
    #[doc(hidden)]
    #[error("{0}")]
    Never(Infallible, PhantomData<T>),
}

impl<T: LegacyTable> ImportError<T> {
    /// Stable code for clients: the [`WorkbookError::code`] for an
    /// unreadable file, else `table_not_found` or `criteria_not_found`.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Workbook(e) => e.code(),
            ImportError::TableNotFound => "table_not_found",
            ImportError::CriteriaNotFound { .. } => "criteria_not_found",
            ImportError::Never(never, _) => match *never {},
        }
    }

    /// The message in Vietnamese only, for people.
    pub fn message_vi(&self) -> String {
        match self {
            ImportError::Workbook(e) => e.message_vi(),
            ImportError::TableNotFound => T::NOT_FOUND_VI.to_owned(),
            ImportError::CriteriaNotFound { row } => format!(
                "Dòng {row}: không đọc được số thứ tự các tiêu chí dưới tiêu đề \"Kết quả thực hiện các tiêu chí\"."
            ),
            ImportError::Never(never, _) => match *never {},
        }
    }
}

/// Declares what a reader module shares with the others: its
/// `ImportError` (an [`ImportError`] naming its table), its `read` from the
/// bytes of a workbook (by its `read_sheets`), and the messages for a
/// missing table ([`LegacyTable`] for its import).
///
/// ```text
/// crate::legacy::reader!(
///     /// Docs of `ImportError`.
///     ImportError,
///     /// Docs of `read`.
///     read -> NtmImport, NOT_FOUND, NOT_FOUND_VI
/// );
/// ```
macro_rules! reader {
    (
        $(#[$error_doc:meta])*
        ImportError,
        $(#[$read_doc:meta])*
        read -> $import:ident, $not_found:expr, $not_found_vi:expr
    ) => {
        impl $crate::legacy::LegacyTable for $import {
            const NOT_FOUND: &'static str = $not_found;
            const NOT_FOUND_VI: &'static str = $not_found_vi;
        }

        $(#[$error_doc])*
        pub type ImportError = $crate::legacy::ImportError<$import>;

        $(#[$read_doc])*
        pub fn read(bytes: &[u8]) -> Result<$import, ImportError> {
            $crate::legacy::read_workbook(bytes, read_sheets)
        }
    };
}
pub(crate) use reader;

/// Opens a workbook from its bytes and reads it with `read_sheets`.
pub(crate) fn read_workbook<T: LegacyTable>(
    bytes: &[u8],
    read_sheets: impl FnOnce(&[Sheet]) -> Result<T, ImportError<T>>,
) -> Result<T, ImportError<T>> {
    let sheets = open_workbook(bytes)?;
    read_sheets(&sheets)
}

/// The table with `columns` on the first visible sheet that has one, and
/// that sheet.
pub(crate) fn locate<'s, T: LegacyTable>(
    sheets: &'s [Sheet],
    columns: &[ColumnSpec],
) -> Result<(&'s Sheet, Located), ImportError<T>> {
    let located = find_table(sheets, columns).ok_or(ImportError::TableNotFound)?;
    let sheet = sheets
        .get(located.sheet)
        .ok_or(ImportError::TableNotFound)?;
    Ok((sheet, located))
}

// ---------------------------------------------------------------------------
// Heading
// ---------------------------------------------------------------------------

/// The year of the title: the first `năm YYYY` above the header, outside
/// a date line (*…, ngày 20 tháng 12 năm 2022*).
pub(crate) fn find_year(sheet: &Sheet, header: usize) -> Option<i32> {
    heading_texts(sheet, header).find_map(|text| {
        let normalized = normalize_header(text);
        let words: Vec<&str> = normalized.split(' ').collect();
        if is_date_line(&words) {
            return None;
        }
        words.windows(2).find_map(|w| match w {
            ["nam", year] if year.len() == 4 => {
                year.parse().ok().filter(|y| (1945..=2100).contains(y))
            }
            _ => None,
        })
    })
}

/// The issuing unit: the first heading line starting with *UBND* or *Ủy
/// ban nhân dân*, without that prefix, repaired and in canonical spelling.
pub(crate) fn find_issuer(sheet: &Sheet, header: usize) -> Option<String> {
    heading_texts(sheet, header)
        .flat_map(str::lines)
        .find_map(|line| {
            let words = normalize_header(line);
            let prefix = if words.starts_with("ubnd ") {
                1
            } else if words.starts_with("uy ban nhan dan ") {
                4
            } else {
                return None;
            };
            let rest = skip_words(line, prefix).trim();
            (!rest.is_empty()).then(|| canonical(rest))
        })
}

/// `text` after its first `n` white-space separated words.
pub(crate) fn skip_words(text: &str, n: usize) -> &str {
    let mut rest = text;
    for _ in 0..n {
        rest = rest.trim_start();
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest.get(end..).unwrap_or("");
    }
    rest
}

/// The texts above the header, row by row.
fn heading_texts(sheet: &Sheet, header: usize) -> impl Iterator<Item = &str> {
    (sheet.first_row()..header).flat_map(move |r| {
        (sheet.first_col()..sheet.end_col())
            .map(move |c| sheet.text(r, c))
            .filter(|t| !t.is_empty())
    })
}

/// `ngày … tháng … năm …`, in that order.
fn is_date_line(words: &[&str]) -> bool {
    let mut wanted = ["ngay", "thang", "nam"].into_iter().peekable();
    for w in words {
        if wanted.peek() == Some(w) {
            wanted.next();
        }
    }
    wanted.peek().is_none()
}

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

/// Labels of the totals row.
const TOTAL_LABELS: &[&str] = &[
    "tong cong",
    "cong",
    "tong",
    "tong so",
    "toan huyen",
    "cong toan huyen",
    "tong toan huyen",
    "tong cong toan huyen",
];

/// Whether a text labels the totals row (*Tổng cộng*, *Toàn huyện*, …).
pub(crate) fn is_total_label(text: &str) -> bool {
    // Every label starts with `to` or `co` (`tong`, `toan`, `cong`):
    // asked of a few cells of every row, most are told apart without
    // normalising all of their text.
    if !matches!(
        first_folded_alphanumerics(text),
        [Some('t' | 'c'), Some('o')]
    ) {
        return false;
    }
    let t = normalize_header(text);
    TOTAL_LABELS.contains(&t.as_str()) || t.starts_with("tong cong ")
}

/// The first two letters or digits of [`normalize_header`]`(text)` (spaces
/// left out), found without normalising the rest: [`fold`] maps each
/// character on its own, and [`normalize_header`] keeps the letters and
/// digits it yields, in order.
fn first_folded_alphanumerics(text: &str) -> [Option<char>; 2] {
    let mut found = [None; 2];
    let mut n = 0;
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let mut push = |f: char| {
            if let Some(slot) = found.get_mut(n) {
                *slot = Some(f);
                n += 1;
            }
        };
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                push(c.to_ascii_lowercase());
            }
        } else {
            for f in fold(c.encode_utf8(&mut buf)).chars() {
                if f.is_alphanumeric() {
                    push(f);
                }
            }
        }
        if n == found.len() {
            break;
        }
    }
    found
}

/// How a reader tells the lines of a signature block under its table.
pub(crate) struct SignatureBlock {
    /// Beginnings of the lines (normalised, see [`normalize_header`]).
    pub starts: &'static [&'static str],
    /// The most words a line beginning with one of [`Self::starts`] has.
    pub max_title_words: usize,
    /// The most words a date line (*…, ngày 20 tháng 12 năm 2022*) has.
    pub max_date_words: usize,
}

/// The signature block (and footnotes) under a report table: a row without
/// figures holding one of these lines ends the table.
pub(crate) const REPORT_SIGNATURE: SignatureBlock = SignatureBlock {
    starts: &[
        "nguoi lap bieu",
        "nguoi lap",
        "nguoi tong hop",
        "tm ubnd",
        "tm uy ban",
        "tm ban chi dao",
        "kt chu tich",
        "kt truong ban",
        "kt truong phong",
        "chu tich",
        "pho chu tich",
        "truong ban",
        "truong phong",
        "pho truong phong",
        "giam doc",
        "thu truong don vi",
        "ky ten",
        "ky ghi ro ho ten",
        "ky ho ten",
        "noi nhan",
        "xac nhan",
        // Footnotes end the table too.
        "ghi chu",
        "nguon",
        "luu y",
    ],
    max_title_words: usize::MAX,
    max_date_words: usize::MAX,
};

impl SignatureBlock {
    /// Whether a text is a line of the block: a title (*NGƯỜI LẬP BIỂU*,
    /// *KT. CHỦ TỊCH*, *Nơi nhận:*) or a date line.
    pub(crate) fn is_line(&self, text: &str) -> bool {
        let t = normalize_header(text);
        let words: Vec<&str> = t.split(' ').collect();
        (is_date_line(&words) && words.len() <= self.max_date_words)
            || (words.len() <= self.max_title_words
                && self
                    .starts
                    .iter()
                    .any(|s| t == *s || t.starts_with(&format!("{s} "))))
    }
}

/// A group heading's STT: `I`, `II`, `IV`, … or a single capital letter.
pub(crate) fn is_group_number(text: &str) -> bool {
    let t = text.trim().trim_end_matches('.');
    (t.len() == 1 && t.bytes().all(|b| b.is_ascii_uppercase()))
        || (!t.is_empty() && t.len() <= 6 && t.bytes().all(|b| b"IVXLC".contains(&b)))
}

/// Stands for the cells of a column the table does not have.
pub(crate) static NO_CELL: CellValue = CellValue::Empty;

/// The cell of the column `key` in a row; [`NO_CELL`] when the table has no
/// such column.
pub(crate) fn column_cell<'a>(
    sheet: &'a Sheet,
    located: &Located,
    row: usize,
    key: &str,
) -> &'a CellValue {
    match located.columns.get(key) {
        Some(&col) => sheet.cell(row, col),
        None => &NO_CELL,
    }
}

/// Whether a row names itself the totals row: a total label in the name
/// column (`name`) or any column left of `first_figure`.
pub(crate) fn is_total_row(
    sheet: &Sheet,
    row: usize,
    first_figure: usize,
    name: Option<usize>,
) -> bool {
    (sheet.first_col()..sheet.end_col())
        .filter(|&c| c < first_figure || Some(c) == name)
        .any(|c| is_total_label(sheet.text(row, c)))
}

/// A report table read row by row: units, one totals row (before or after
/// them), and a signature block that ends it.
pub(crate) trait ReportRows {
    /// The sheet the table is on.
    fn sheet(&self) -> &Sheet;
    /// Whether any figure cell of the row holds a figure.
    fn has_figures(&self, row: usize) -> bool;
    /// Whether the row is the totals row.
    fn is_total_row(&self, row: usize) -> bool;
    /// Reads the first totals row.
    fn read_total(&mut self, row: usize);
    /// Reads one row; `false` if it is not a unit's row.
    fn read_unit(&mut self, row: usize) -> bool;
}

/// Reads the rows `rows` of a report table: skips blank rows, stops at the
/// signature block (a row without figures holding a line of
/// [`REPORT_SIGNATURE`]) and at a totals row after the units.
pub(crate) fn read_report_rows(reader: &mut impl ReportRows, rows: Range<usize>) {
    let mut seen_data = false;
    let mut seen_total = false;
    for row in rows {
        let sheet = reader.sheet();
        if sheet.is_row_empty(row) {
            continue;
        }
        let signature = !reader.has_figures(row)
            && (sheet.first_col()..sheet.end_col())
                .any(|c| REPORT_SIGNATURE.is_line(sheet.text(row, c)));
        if signature {
            break;
        }
        if reader.is_total_row(row) {
            if !seen_total {
                seen_total = true;
                reader.read_total(row);
            }
            if seen_data {
                break;
            }
            continue;
        }
        if reader.read_unit(row) {
            seen_data = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Problem;

    #[test]
    fn mismatches_unreadable_and_missing_cells_block_a_commit() {
        let p = |code| Problem {
            row: 1,
            code,
            message: String::new(),
        };
        for code in [
            "total_mismatch",
            "subtotal_mismatch",
            "count_mismatch",
            "unreadable_amount",
            "missing_name",
        ] {
            assert!(p(code).blocks_commit(), "{code}");
        }
        for code in ["unit_missing", "orphan_task"] {
            assert!(!p(code).blocks_commit(), "{code}");
        }
    }

    #[test]
    fn total_labels() {
        for label in [
            "TỔNG CỘNG",
            "Cộng:",
            " Toàn huyện",
            "Tổng cộng toàn tỉnh",
            "(tổng số)",
        ] {
            assert!(super::is_total_label(label), "{label}");
        }
        for text in ["Xã Mỹ Lung", "1", "", "Tổng hợp", "Thôn Mít", "Đông"] {
            assert!(!super::is_total_label(text), "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn the_first_folded_characters_are_the_normalised_header_s(
            text in "[ (\\-.:1aAcCoOtTđĐ`ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚĂĐĨŨƠƯẠ-ỹ\\p{L}\\p{M}\\p{N}\\p{Z}]{0,12}",
        ) {
            let normalized = crate::table::normalize_header(&text);
            let mut expected = normalized.chars().filter(|&c| c != ' ');
            proptest::prop_assert_eq!(
                super::first_folded_alphanumerics(&text),
                [expected.next(), expected.next()]
            );
        }

        #[test]
        fn total_labels_are_told_apart_as_by_their_normalised_text(
            text in "(Tổng|TỔNG|Toàn|Cộng|cong|Thôn|To|Co|T|C|)[ .:]{0,2}(cộng|CỘNG|số|huyện|toàn|Hợp|)[ ]?(toàn huyện|huyện|)",
        ) {
            let t = crate::table::normalize_header(&text);
            let expected =
                super::TOTAL_LABELS.contains(&t.as_str()) || t.starts_with("tong cong ");
            proptest::prop_assert_eq!(super::is_total_label(&text), expected);
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the readers' tests.

    use std::path::PathBuf;

    /// The folder of the sample files.
    pub(crate) fn samples() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/samples")
    }

    /// `s` typed in TCVN3 (`.VnTime` fonts) and read back as Latin-1.
    pub(crate) fn tcvn3(s: &str) -> String {
        let table: Vec<(char, char)> = (0xA0u32..=0xFF)
            .filter_map(|b| {
                let c = char::from_u32(b)?;
                let decoded = crate::encoding::decode_tcvn3(&c.to_string());
                let mut chars = decoded.chars();
                let u = chars.next()?;
                (chars.next().is_none() && u != c).then_some((u, c))
            })
            .collect();
        s.chars()
            .map(|c| {
                // Exact letters first: TCVN3 has capitals Ă Â Ê Ô Ơ Ư Đ;
                // other capitals use the lower-case codes.
                table
                    .iter()
                    .find(|(u, _)| *u == c)
                    .or_else(|| {
                        table
                            .iter()
                            .find(|(u, _)| u.to_uppercase().next() == Some(c))
                    })
                    .map_or(c, |(_, t)| *t)
            })
            .collect()
    }
}
