//! Blank import templates: the workbook an office downloads to send a clean
//! file of one of the legacy kinds from now on, laid out as the reader of
//! that kind expects ([`crate::legacy_p135`], [`crate::legacy_tasks`],
//! [`crate::legacy_ntm`]) and checking what is typed into it.
//!
//! The main sheet is an official report ([`crate::report`]): the national
//! header block, the title with the year, *Đơn vị tính: đồng* for the P135
//! report, the table header (two rows where columns are grouped), the
//! column-number row *(1) (2) …* with panes frozen below it, then
//! [`TemplateSpec::rows`] empty bordered rows; no signature block, the file
//! being for import. A4 landscape, one page wide, `#,##0` on amounts,
//! `dd/mm/yyyy` on dates.
//!
//! The empty rows carry Excel data validation:
//!
//! * unit names (communes, villages) and agencies: a drop-down of
//!   [`TemplateSpec::units`], kept on the hidden sheet *Danh mục* (a range
//!   source, so the list may be longer than Excel's 255 characters for an
//!   inline list); a name not in the list asks for confirmation, and the
//!   coordinating agencies accept several names separated by commas;
//! * amounts: whole numbers of đồng, 0 or more;
//! * dates (issue date, deadline): an input message giving the accepted
//!   forms and a date check that informs without rejecting, since a
//!   deadline may be text (*Thường xuyên*, *Quý IV năm 2026*);
//! * task status: a drop-down of status words the reader recognises;
//! * NTM criterion cells: `x` or blank.
//!
//! A visible sheet *Hướng dẫn* explains how to fill the template, in
//! Vietnamese then English. The readers skip hidden sheets, and the
//! instructions (one column of text) never look like a table to them.

use std::iter::repeat_n;

use domain::money::AmountUnit;
use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DataValidationRule, ExcelDateTime, FormatAlign,
    Formula, Workbook, Worksheet, XlsxError,
};

use crate::report::{
    self, base, col_num, row_num, Cell, Column, ColumnKind, Report, ReportError, Row,
};

/// Name of the hidden sheet holding the drop-down lists.
const LISTS_SHEET: &str = "Danh mục";
/// Name of the instructions sheet.
const GUIDE_SHEET: &str = "Hướng dẫn";
/// Most data rows a template prepares.
const MAX_ROWS: u32 = 10_000;
/// Issuing body left to fill in.
const BLANK_ISSUER: &str = "……………………………";
/// Place-and-date line left to fill in.
const BLANK_DATE_LINE: &str = "……………, ngày …… tháng …… năm ……";
/// Year left to fill in, in the title.
const BLANK_YEAR: &str = "……";
/// Header merged over the NTM criterion columns, as in the legacy reports.
const CRITERIA_HEADER: &str = "Kết quả thực hiện các tiêu chí (đánh dấu \"x\" nếu đạt)";
/// Mark of an NTM criterion met.
const MET_MARK: &str = "x";
/// The national NTM criteria, used when [`TemplateSpec::criteria`] is empty.
const NATIONAL_CRITERIA: std::ops::RangeInclusive<u8> = 1..=19;
/// Task statuses offered, each read by [`crate::legacy_tasks::read_status`]
/// as a different status.
const STATUSES: [&str; 5] = [
    "Chưa thực hiện",
    "Đang thực hiện",
    "Hoàn thành đúng hạn",
    "Hoàn thành trễ hạn",
    "Quá hạn",
];
/// Columns of the lists sheet: the units, then the statuses. Formulas
/// refer to them by letter.
const UNITS_LIST: (u16, char) = (0, 'A');
const STATUS_LIST: (u16, char) = (1, 'B');
/// Dates accepted without a notice: 2000 to 2100.
const FIRST_DATE: (u16, u8, u8) = (2000, 1, 1);
const LAST_DATE: (u16, u8, u8) = (2100, 12, 31);

/// The legacy kinds a template is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateKind {
    /// Programme 135 allocation and disbursement by commune and village
    /// (read by [`crate::legacy_p135`]).
    P135AllocationReport,
    /// Directives and their tasks with lead and coordinating agencies,
    /// deadline and status (read by [`crate::legacy_tasks`]).
    DirectiveTaskList,
    /// Communes × NTM criteria, `x` where met (read by
    /// [`crate::legacy_ntm`]).
    NtmCriteriaMatrix,
}

impl TemplateKind {
    const ALL: [TemplateKind; 3] = [
        TemplateKind::P135AllocationReport,
        TemplateKind::DirectiveTaskList,
        TemplateKind::NtmCriteriaMatrix,
    ];

    /// Stable code, the same as the import kind's:
    /// `p135_allocation_report`, `directive_task_list` or
    /// `ntm_criteria_matrix`.
    pub fn code(self) -> &'static str {
        match self {
            TemplateKind::P135AllocationReport => "p135_allocation_report",
            TemplateKind::DirectiveTaskList => "directive_task_list",
            TemplateKind::NtmCriteriaMatrix => "ntm_criteria_matrix",
        }
    }

    /// The kind with this [`code`](Self::code); `None` for any other text.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// What to put in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSpec {
    /// Which template.
    pub kind: TemplateKind,
    /// Issuing unit for the heading, e.g. "UBND huyện Tân Sơn" (written in
    /// capitals); empty → a blank line to fill in.
    pub issuer: String,
    /// Year named in the title (*… NĂM 2026*) and in the planned-funds
    /// header of the P135 report; `None` leaves it to fill in.
    pub year: Option<i32>,
    /// Names offered in the unit drop-down (communes, or communes and
    /// villages) for p135/ntm; agencies for tasks (lead and coordinating
    /// columns). Blank names are left out; with none, those columns have
    /// no drop-down.
    pub units: Vec<String>,
    /// Component headers for p135 (e.g. `["Hỗ trợ đầu tư cơ sở hạ tầng",
    /// "Hỗ trợ phát triển sản xuất"]`); criterion numbers for NTM come from
    /// `criteria`. Each component becomes a column under *Kế hoạch vốn* and
    /// one under *Vốn đã giải ngân*; with none (or only blank ones), each
    /// group is a single column. Ignored by the other kinds.
    pub components: Vec<String>,
    /// NTM criteria numbers, e.g. 1..=19, in column order (repeats and 0
    /// left out); empty means the 19 national criteria. Ignored by the
    /// other kinds.
    pub criteria: Vec<u8>,
    /// Number of empty data rows prepared with validation (e.g. 200); at
    /// most 10 000.
    pub rows: u32,
}

/// Writes the blank template `spec` describes and returns the `.xlsx`
/// bytes; see the [module documentation](self) for the layout.
///
/// # Errors
/// [`XlsxError::ParameterError`] for more than 10 000 rows; otherwise the
/// spreadsheet writer's errors (an over-long sheet name or message cannot
/// happen: all are fixed here).
pub fn write_template(spec: &TemplateSpec) -> Result<Vec<u8>, XlsxError> {
    write(spec, &[]).map_err(|e| match e {
        ReportError::Xlsx(e) => e,
        other => XlsxError::ParameterError(other.to_string()),
    })
}

/// Writes the template with `filled` rows (one cell per column, as
/// [`report::write_xlsx`] takes them) before the empty ones; the rows
/// with validation are the filled ones and the empty ones, at least
/// [`TemplateSpec::rows`] in all.
fn write(spec: &TemplateSpec, filled: &[Vec<Cell>]) -> Result<Vec<u8>, ReportError> {
    if spec.rows > MAX_ROWS {
        let n = spec.rows;
        return Err(XlsxError::ParameterError(format!(
            "mẫu nhập có tối đa {MAX_ROWS} dòng, yêu cầu {n} / a template has at most {MAX_ROWS} rows, {n} requested"
        ))
        .into());
    }
    let rows = usize::try_from(spec.rows).map_err(|_| XlsxError::RowColumnLimitError)?;
    let blank = rows.saturating_sub(filled.len());
    let layout = Layout::new(spec);
    let units: Vec<&str> = spec
        .units
        .iter()
        .map(|u| u.trim())
        .filter(|u| !u.is_empty())
        .collect();
    let width = layout.fields.len();
    let report = Report {
        issuing_body: match spec.issuer.trim() {
            "" => BLANK_ISSUER.to_owned(),
            issuer => issuer.to_owned(),
        },
        issuing_office: None,
        place_and_date: BLANK_DATE_LINE.to_owned(),
        title: layout.title.clone(),
        subtitle: None,
        amount_unit: layout.amount_unit,
        columns: layout.fields.iter().map(|f| f.column.clone()).collect(),
        rows: filled
            .iter()
            .map(|cells| Row::detail(cells.clone()))
            .chain(repeat_n(Row::detail(vec![Cell::Empty; width]), blank))
            .collect(),
        // No signature block: its lines would fall in data columns (an NTM
        // criterion, say) and the file is for import, not for signing.
        signer_title: String::new(),
        signer_name: String::new(),
        recipients: Vec::new(),
        chart: None,
        sheet_name: layout.sheet_name.to_owned(),
    };

    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_constant_memory()?;
    let first = report::write_report_sheet(sheet, &report)?;
    let count = filled.len() + blank;
    if count > 0 {
        let rows = (first, first + count - 1);
        add_validations(sheet, &layout.fields, rows, units.len())?;
    }
    write_guide(workbook.add_worksheet(), &layout)?;
    write_lists(workbook.add_worksheet(), &layout, &units)?;
    Ok(workbook.save_to_buffer()?)
}

// ---------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------

/// What a column accepts, and so its validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Input {
    /// Anything (STT, text, notes).
    Free,
    /// A commune or village from the units list.
    Unit,
    /// One agency from the units list.
    Lead,
    /// Agencies from the units list, several separated by commas.
    Coordinators,
    /// Whole đồng, 0 or more.
    Amount,
    /// A document's signing date.
    IssueDate,
    /// A date, or a deadline in words.
    Deadline,
    /// A status word.
    Status,
    /// `x` or blank.
    Mark,
}

/// One column of the table and what it accepts.
struct Field {
    column: Column,
    input: Input,
}

fn field(header: &str, group: Option<&str>, width: f64, kind: ColumnKind, input: Input) -> Field {
    Field {
        column: Column {
            header: header.to_owned(),
            group: group.map(str::to_owned),
            width,
            kind,
        },
        input,
    }
}

/// Everything that differs between the kinds.
struct Layout {
    sheet_name: &'static str,
    title: String,
    amount_unit: Option<AmountUnit>,
    fields: Vec<Field>,
    /// Header of the units list on the lists sheet.
    units_header: &'static str,
    /// Instructions for this kind, in Vietnamese and in English.
    guide_vi: &'static [&'static str],
    guide_en: &'static [&'static str],
}

impl Layout {
    fn new(spec: &TemplateSpec) -> Layout {
        let year = spec
            .year
            .map_or_else(|| BLANK_YEAR.to_owned(), |y| y.to_string());
        let stt = || field("STT", None, 6.0, ColumnKind::Integer, Input::Free);
        let note = || field("Ghi chú", None, 18.0, ColumnKind::Text, Input::Free);
        match spec.kind {
            TemplateKind::P135AllocationReport => {
                let planned = match spec.year {
                    Some(y) => format!("Kế hoạch vốn năm {y}"),
                    None => "Kế hoạch vốn".to_owned(),
                };
                let disbursed = "Vốn đã giải ngân";
                let components: Vec<&str> = spec
                    .components
                    .iter()
                    .map(|c| c.trim())
                    .filter(|c| !c.is_empty())
                    .collect();
                let mut fields = vec![
                    stt(),
                    field("Tên xã, thôn", None, 28.0, ColumnKind::Text, Input::Unit),
                ];
                for group in [planned.as_str(), disbursed] {
                    if components.is_empty() {
                        fields.push(field(group, None, 18.0, ColumnKind::Money, Input::Amount));
                    }
                    for component in &components {
                        fields.push(field(
                            component,
                            Some(group),
                            16.0,
                            ColumnKind::Money,
                            Input::Amount,
                        ));
                    }
                }
                fields.push(note());
                Layout {
                    sheet_name: "Vốn Chương trình 135",
                    title: format!(
                        "BÁO CÁO TÌNH HÌNH PHÂN BỔ VÀ GIẢI NGÂN VỐN CHƯƠNG TRÌNH 135 NĂM {year}"
                    ),
                    amount_unit: Some(AmountUnit::Dong),
                    fields,
                    units_header: "Xã, thôn",
                    guide_vi: P135_GUIDE_VI,
                    guide_en: P135_GUIDE_EN,
                }
            }
            TemplateKind::DirectiveTaskList => {
                use ColumnKind::{Date, Text};
                let fields = vec![
                    stt(),
                    field("Số, ký hiệu văn bản", None, 16.0, Text, Input::Free),
                    field("Ngày ban hành", None, 13.0, Date, Input::IssueDate),
                    field("Trích yếu nội dung", None, 30.0, Text, Input::Free),
                    field("Nội dung nhiệm vụ", None, 40.0, Text, Input::Free),
                    field("Cơ quan chủ trì", None, 22.0, Text, Input::Lead),
                    field("Cơ quan phối hợp", None, 24.0, Text, Input::Coordinators),
                    field("Thời hạn hoàn thành", None, 15.0, Date, Input::Deadline),
                    field("Tình trạng", None, 17.0, Text, Input::Status),
                    note(),
                ];
                Layout {
                    sheet_name: "Nhiệm vụ",
                    title: format!("DANH MỤC VĂN BẢN CHỈ ĐẠO VÀ NHIỆM VỤ ĐƯỢC GIAO NĂM {year}"),
                    amount_unit: None,
                    fields,
                    units_header: "Cơ quan, đơn vị",
                    guide_vi: TASKS_GUIDE_VI,
                    guide_en: TASKS_GUIDE_EN,
                }
            }
            TemplateKind::NtmCriteriaMatrix => {
                // Each number once, as the reader takes them; 0 is no criterion.
                let mut criteria: Vec<u8> = Vec::new();
                for &n in &spec.criteria {
                    if n > 0 && !criteria.contains(&n) {
                        criteria.push(n);
                    }
                }
                if criteria.is_empty() {
                    criteria = NATIONAL_CRITERIA.collect();
                }
                let mut fields = vec![
                    stt(),
                    field("Tên xã", None, 24.0, ColumnKind::Text, Input::Unit),
                ];
                fields.extend(criteria.iter().map(|n| {
                    field(
                        &n.to_string(),
                        Some(CRITERIA_HEADER),
                        5.0,
                        ColumnKind::Text,
                        Input::Mark,
                    )
                }));
                fields.push(note());
                Layout {
                    sheet_name: "Tiêu chí NTM",
                    title: format!(
                        "BÁO CÁO KẾT QUẢ THỰC HIỆN BỘ TIÊU CHÍ QUỐC GIA VỀ XÃ NÔNG THÔN MỚI NĂM {year}"
                    ),
                    amount_unit: None,
                    fields,
                    units_header: "Xã",
                    guide_vi: NTM_GUIDE_VI,
                    guide_en: NTM_GUIDE_EN,
                }
            }
        }
    }

    fn has_statuses(&self) -> bool {
        self.fields.iter().any(|f| f.input == Input::Status)
    }
}

// ---------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------

/// Adds each column's validation over the data rows `first..=last`, one
/// per run of adjacent columns accepting the same input.
fn add_validations(
    sheet: &mut Worksheet,
    fields: &[Field],
    (first, last): (usize, usize),
    units: usize,
) -> Result<(), ReportError> {
    let (r0, r1) = (row_num(first)?, row_num(last)?);
    let mut c = 0;
    while let Some(f) = fields.get(c) {
        let run = fields[c..]
            .iter()
            .take_while(|g| g.input == f.input)
            .count();
        if let Some(validation) = validation(f.input, units)? {
            sheet.add_data_validation(r0, col_num(c)?, r1, col_num(c + run - 1)?, &validation)?;
        }
        c += run;
    }
    Ok(())
}

/// A list on the lists sheet: column `letter`, `len` entries under its
/// header.
fn list_source(letter: char, len: usize) -> Formula {
    Formula::new(format!(
        "='{LISTS_SHEET}'!${letter}$2:${letter}${}",
        len + 1
    ))
}

fn date_rule() -> Result<DataValidationRule<ExcelDateTime>, XlsxError> {
    let (y0, m0, d0) = FIRST_DATE;
    let (y1, m1, d1) = LAST_DATE;
    Ok(DataValidationRule::Between(
        ExcelDateTime::from_ymd(y0, m0, d0)?,
        ExcelDateTime::from_ymd(y1, m1, d1)?,
    ))
}

/// The validation of a column accepting `input`; `None` for free text and
/// for unit columns without units.
fn validation(input: Input, units: usize) -> Result<Option<DataValidation>, XlsxError> {
    use DataValidationErrorStyle::{Information, Warning};
    let units_list = || DataValidation::new().allow_list_formula(list_source(UNITS_LIST.1, units));
    let validation = match input {
        Input::Free => return Ok(None),
        Input::Unit | Input::Lead | Input::Coordinators if units == 0 => return Ok(None),
        Input::Unit => units_list()
            .set_input_title("Tên đơn vị")?
            .set_input_message("Chọn tên trong danh sách.\nChoose a name from the list.")?
            .set_error_style(Warning)
            .set_error_title("Tên không có trong danh sách")?
            .set_error_message(
                "Tên này không có trong danh sách đơn vị. Chọn Có (Yes) để giữ, Không (No) để sửa.\nThis name is not in the list.",
            )?,
        Input::Lead => units_list()
            .set_input_title("Cơ quan chủ trì")?
            .set_input_message(
                "Chọn một cơ quan trong danh sách.\nChoose one agency from the list.",
            )?
            .set_error_style(Warning)
            .set_error_title("Cơ quan không có trong danh sách")?
            .set_error_message(
                "Cơ quan này không có trong danh sách. Chọn Có (Yes) để giữ, Không (No) để sửa.\nThis agency is not in the list.",
            )?,
        Input::Coordinators => units_list()
            .set_input_title("Cơ quan phối hợp")?
            .set_input_message(
                "Chọn trong danh sách, hoặc gõ nhiều cơ quan cách nhau bằng dấu phẩy.\nChoose from the list, or type several agencies separated by commas.",
            )?
            .set_error_style(Information)
            .set_error_title("Cơ quan phối hợp")?
            .set_error_message(
                "Nội dung được giữ nguyên; nhiều cơ quan ghi cách nhau bằng dấu phẩy.\nKept as typed; separate agencies with commas.",
            )?,
        Input::Amount => DataValidation::new()
            .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            .set_input_title("Số tiền (đồng)")?
            .set_input_message(
                "Số nguyên từ 0 trở lên, tính bằng đồng (không phải triệu đồng), ví dụ 1250000000.\nA whole number of đồng, 0 or more.",
            )?
            .set_error_title("Số tiền không hợp lệ")?
            .set_error_message(
                "Số tiền phải là số nguyên từ 0 trở lên, tính bằng đồng.\nThe amount must be a whole number of đồng, 0 or more.",
            )?,
        Input::IssueDate => DataValidation::new()
            .allow_date(date_rule()?)
            .set_input_title("Ngày ban hành")?
            .set_input_message(
                "Ngày ký văn bản, dạng dd/mm/yyyy, ví dụ 22/05/2026.\nSigning date, dd/mm/yyyy.",
            )?
            .set_error_style(Information)
            .set_error_title("Không phải ngày")?
            .set_error_message(
                "Ô này không phải ngày hợp lệ; nội dung được giữ nguyên, hãy kiểm tra lại.\nNot a date; kept as typed, please check.",
            )?,
        Input::Deadline => DataValidation::new()
            .allow_date(date_rule()?)
            .set_input_title("Thời hạn hoàn thành")?
            .set_input_message(
                "Ngày dạng dd/mm/yyyy (ví dụ 15/10/2026), hoặc ghi: Trước ngày 15/10/2026; Tháng 12/2026; Quý IV năm 2026; Thường xuyên.\nA date, or one of these texts.",
            )?
            .set_error_style(Information)
            .set_error_title("Thời hạn ghi bằng chữ")?
            .set_error_message(
                "Không phải ngày: được giữ nguyên dạng chữ, cần ghi như Trước ngày …, Tháng …/…, Quý … năm … hoặc Thường xuyên.\nNot a date: kept as text.",
            )?,
        Input::Status => DataValidation::new()
            .allow_list_formula(list_source(STATUS_LIST.1, STATUSES.len()))
            .set_input_title("Tình trạng")?
            .set_input_message("Chọn trong danh sách.\nChoose from the list.")?
            .set_error_title("Tình trạng không hợp lệ")?
            .set_error_message(
                "Chỉ chọn một tình trạng trong danh sách.\nChoose a status from the list.",
            )?,
        Input::Mark => DataValidation::new()
            .allow_list_strings(&[MET_MARK])?
            .set_input_title("Đạt tiêu chí?")?
            .set_input_message(
                "Ghi x nếu xã đạt tiêu chí, để trống nếu chưa đạt.\nx if the commune meets the criterion, else blank.",
            )?
            .set_error_title("Chỉ ghi x")?
            .set_error_message(
                "Ghi x (đạt) hoặc để trống (chưa đạt).\nType x (met) or leave the cell blank (not met).",
            )?,
    };
    Ok(Some(validation))
}

// ---------------------------------------------------------------------------
// Other sheets
// ---------------------------------------------------------------------------

/// The hidden lists sheet: the units in column A, the statuses in column
/// B (task lists only), each under a header.
fn write_lists(sheet: &mut Worksheet, layout: &Layout, units: &[&str]) -> Result<(), ReportError> {
    sheet.set_name(LISTS_SHEET)?;
    sheet.set_hidden(true);
    let header = base().set_bold();
    let text = base();
    let mut lists = vec![(UNITS_LIST.0, layout.units_header, units)];
    if layout.has_statuses() {
        lists.push((STATUS_LIST.0, "Tình trạng", &STATUSES[..]));
    }
    for (col, title, values) in lists {
        sheet.set_column_width(col, 40)?;
        sheet.write_string_with_format(0, col, title, &header)?;
        for (i, value) in values.iter().enumerate() {
            sheet.write_string_with_format(row_num(i + 1)?, col, *value, &text)?;
        }
    }
    Ok(())
}

/// The instructions sheet: one column of text, Vietnamese then English.
fn write_guide(sheet: &mut Worksheet, layout: &Layout) -> Result<(), ReportError> {
    sheet.set_name(GUIDE_SHEET)?;
    sheet.set_column_width(0, 110)?;
    let title = base().set_bold().set_font_size(14);
    let heading = base().set_bold();
    let text = base().set_text_wrap().set_align(FormatAlign::Top);
    let sheet_name = layout.sheet_name;
    let mut lines: Vec<(String, &_)> = vec![("HƯỚNG DẪN NHẬP SỐ LIỆU".to_owned(), &title)];
    let vi = [format!(
        "Ghi số liệu vào trang \"{sheet_name}\", từ dòng ngay dưới hàng số thứ tự cột (1), (2), …; không thêm, xóa hay đổi tên cột, không sửa phần tiêu đề."
    )]
    .into_iter()
    .chain(layout.guide_vi.iter().map(|s| (*s).to_owned()))
    .chain(COMMON_GUIDE_VI.iter().map(|s| (*s).to_owned()));
    lines.extend(
        vi.enumerate()
            .map(|(i, s)| (format!("{}. {s}", i + 1), &text)),
    );
    lines.push((String::new(), &text));
    lines.push(("Instructions (English)".to_owned(), &heading));
    let en = [format!(
        "Fill in the sheet \"{sheet_name}\" from the row under the column numbers (1), (2), …; do not add, delete or rename columns or edit the heading."
    )]
    .into_iter()
    .chain(layout.guide_en.iter().map(|s| (*s).to_owned()))
    .chain(COMMON_GUIDE_EN.iter().map(|s| (*s).to_owned()));
    lines.extend(
        en.enumerate()
            .map(|(i, s)| (format!("{}. {s}", i + 1), &text)),
    );
    for (r, (line, format)) in lines.iter().enumerate() {
        sheet.write_string_with_format(row_num(r)?, 0, line, format)?;
    }
    Ok(())
}

const COMMON_GUIDE_VI: &[&str] = &[
    "Ô có danh sách chọn: bấm mũi tên bên phải ô để chọn. Các danh sách nằm ở trang ẩn \"Danh mục\"; không sửa trang đó.",
    "Cần thêm dòng thì chèn dòng bên trong bảng (giữa các dòng đã kẻ khung) để giữ định dạng và phần kiểm tra dữ liệu.",
];

const COMMON_GUIDE_EN: &[&str] = &[
    "Cells with a list: click the arrow at the right of the cell. The lists are on the hidden sheet \"Danh mục\"; do not edit it.",
    "To add rows, insert them inside the table (between bordered rows) so that formats and checks carry over.",
];

const P135_GUIDE_VI: &[&str] = &[
    "Mỗi xã một dòng, STT ghi số La Mã (I, II, …); các thôn, bản của xã ghi ngay dưới dòng xã, STT 1, 2, …. Xã có thôn thì dòng xã để trống số tiền hoặc ghi đúng tổng các thôn; xã không chia thôn thì ghi số tiền ngay trên dòng xã.",
    "Tên ghi kèm cấp đơn vị: \"Xã …\", \"Thị trấn …\", \"Thôn …\", \"Bản …\", \"Xóm …\", \"Khu …\".",
    "Số tiền ghi bằng đồng (không phải triệu đồng), là số nguyên, theo từng hợp phần. Không cần dòng tổng cộng: hệ thống tự cộng.",
];

const P135_GUIDE_EN: &[&str] = &[
    "One row per commune, numbered I, II, …; its villages right under it, numbered 1, 2, …. A commune with villages leaves its amounts blank or states exactly the villages' total; a commune without villages carries its own amounts.",
    "Write names with their level: \"Xã …\", \"Thị trấn …\", \"Thôn …\", \"Bản …\", \"Xóm …\", \"Khu …\".",
    "Amounts in whole đồng (not millions), per component. No total row is needed: the system adds up.",
];

const TASKS_GUIDE_VI: &[&str] = &[
    "Mỗi văn bản chỉ đạo một dòng: STT số La Mã (I, II, …), số và ký hiệu (ví dụ 3142/CT-UBND), ngày ban hành, trích yếu. Các nhiệm vụ của văn bản ghi ở các dòng ngay dưới: STT 1, 2, …, nội dung nhiệm vụ, cơ quan chủ trì, cơ quan phối hợp, thời hạn, tình trạng.",
    "Cơ quan chủ trì: chọn một cơ quan trong danh sách. Cơ quan phối hợp: chọn, hoặc gõ nhiều cơ quan cách nhau bằng dấu phẩy.",
    "Thời hạn: ngày dạng dd/mm/yyyy, hoặc ghi bằng chữ \"Trước ngày 15/10/2026\", \"Tháng 12/2026\", \"Quý IV năm 2026\", \"Thường xuyên\".",
];

const TASKS_GUIDE_EN: &[&str] = &[
    "One row per directive: STT in Roman numerals (I, II, …), number and code (e.g. 3142/CT-UBND), signing date, summary. Its tasks on the rows right under it: STT 1, 2, …, task, lead agency, coordinating agencies, deadline, status.",
    "Lead agency: choose one from the list. Coordinating agencies: choose, or type several separated by commas.",
    "Deadline: a date dd/mm/yyyy, or in words \"Trước ngày 15/10/2026\", \"Tháng 12/2026\", \"Quý IV năm 2026\", \"Thường xuyên\" (standing task).",
];

const NTM_GUIDE_VI: &[&str] = &[
    "Mỗi xã một dòng; ghi \"x\" vào ô của tiêu chí xã đã đạt, để trống nếu chưa đạt.",
    "Không cần cột tổng số tiêu chí đạt hay dòng tổng cộng: hệ thống tự đếm.",
];

const NTM_GUIDE_EN: &[&str] = &[
    "One row per commune; \"x\" in the cell of each criterion it meets, blank otherwise.",
    "No count column or total row is needed: the system counts.",
];

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::{Cursor, Read};

    use chrono::NaiveDate;

    use super::*;
    use crate::dates::Deadline;
    use crate::legacy_p135::Level;
    use crate::legacy_tasks::{Layout as TaskLayout, TaskStatus};
    use crate::table::open_workbook;
    use crate::{legacy_ntm, legacy_p135, legacy_tasks};

    const P135_UNITS: [&str; 7] = [
        "Xã Thu Cúc",
        "Xóm Mít",
        "Khu Chiềng 2",
        "Xã Thạch Kiệt",
        "Bản Cỏi",
        "Xóm Bến Thân",
        "Xã Thu Ngạc",
    ];
    const AGENCIES: [&str; 6] = [
        "Sở Giao thông vận tải",
        "Sở Giáo dục và Đào tạo",
        "Sở Xây dựng",
        "Sở Tài chính",
        "UBND huyện Cái Bè",
        "Văn phòng UBND tỉnh",
    ];
    const COMMUNES: [&str; 3] = ["Xã Cư Né", "Xã Chứ Kbô", "Xã Ea Ngai"];

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn spec(kind: TemplateKind) -> TemplateSpec {
        let (issuer, units) = match kind {
            TemplateKind::P135AllocationReport => ("UBND huyện Tân Sơn", &P135_UNITS[..]),
            TemplateKind::DirectiveTaskList => ("UBND tỉnh Tiền Giang", &AGENCIES[..]),
            TemplateKind::NtmCriteriaMatrix => ("UBND huyện Krông Búk", &COMMUNES[..]),
        };
        TemplateSpec {
            kind,
            issuer: issuer.to_owned(),
            year: Some(2026),
            units: strings(units),
            components: strings(&["Hỗ trợ đầu tư cơ sở hạ tầng", "Hỗ trợ phát triển sản xuất"]),
            criteria: (1..=19).collect(),
            rows: 200,
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn t(s: &str) -> Cell {
        Cell::Text(s.to_owned())
    }

    /// The text of a file inside the `.xlsx` archive.
    fn entry(bytes: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut file = archive.by_name(name).unwrap();
        let mut text = String::new();
        file.read_to_string(&mut text).unwrap();
        text
    }

    /// The `<dataValidations>` element of the main sheet.
    fn validations(bytes: &[u8]) -> String {
        let xml = entry(bytes, "xl/worksheets/sheet1.xml");
        match (xml.find("<dataValidations"), xml.find("</dataValidations>")) {
            (Some(start), Some(end)) => xml[start..end].to_owned(),
            _ => String::new(),
        }
    }

    /// The `<sheet …/>` element of workbook.xml naming `name`.
    fn sheet_element(bytes: &[u8], name: &str) -> String {
        let workbook = entry(bytes, "xl/workbook.xml");
        let needle = format!("name=\"{name}\"");
        workbook
            .split("<sheet ")
            .skip(1)
            .map(|s| s.split("/>").next().unwrap().to_owned())
            .find(|s| s.contains(&needle))
            .unwrap_or_else(|| panic!("no sheet {name} in {workbook}"))
    }

    #[test]
    fn kind_codes_round_trip() {
        for kind in TemplateKind::ALL {
            assert_eq!(TemplateKind::parse(kind.code()), Some(kind));
        }
        assert_eq!(
            TemplateKind::P135AllocationReport.code(),
            "p135_allocation_report"
        );
        assert_eq!(
            TemplateKind::DirectiveTaskList.code(),
            "directive_task_list"
        );
        assert_eq!(
            TemplateKind::NtmCriteriaMatrix.code(),
            "ntm_criteria_matrix"
        );
        assert_eq!(TemplateKind::parse("P135_allocation_report"), None);
        assert_eq!(TemplateKind::parse(""), None);
    }

    #[test]
    fn the_status_words_are_read_as_five_different_statuses() {
        let statuses: Vec<_> = STATUSES
            .iter()
            .map(|s| legacy_tasks::read_status(s).0.unwrap())
            .collect();
        assert_eq!(
            statuses,
            [
                TaskStatus::NotStarted,
                TaskStatus::InProgress,
                TaskStatus::CompletedOnTime,
                TaskStatus::CompletedLate,
                TaskStatus::Overdue,
            ]
        );
    }

    #[test]
    fn blank_p135_template_reads_back_with_no_records() {
        let bytes = write_template(&spec(TemplateKind::P135AllocationReport)).unwrap();
        let sheets = open_workbook(&bytes).unwrap();
        let import = legacy_p135::read_sheets(&sheets).unwrap();
        assert_eq!(import.sheet, "Vốn Chương trình 135");
        assert_eq!(import.year, Some(2026));
        assert_eq!(import.issuer.as_deref(), Some("HUYỆN TÂN SƠN"));
        assert_eq!(import.amount_unit, AmountUnit::Dong);
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        let keys: Vec<&str> = import.components.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["infrastructure", "production"]);
        assert!(import.rows.is_empty());
        assert!(import.subtotals.is_empty());
        assert_eq!(import.total_row, None);
    }

    #[test]
    fn blank_task_template_reads_back_with_no_records() {
        let bytes = write_template(&spec(TemplateKind::DirectiveTaskList)).unwrap();
        let sheets = open_workbook(&bytes).unwrap();
        let import = legacy_tasks::read_sheets(&sheets).unwrap();
        assert_eq!(import.sheet, "Nhiệm vụ");
        assert_eq!(import.year, Some(2026));
        assert_eq!(import.issuer.as_deref(), Some("TỈNH TIỀN GIANG"));
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert!(import.documents.is_empty());
        assert!(import.tasks.is_empty());
    }

    #[test]
    fn blank_ntm_template_reads_back_with_no_records() {
        let bytes = write_template(&spec(TemplateKind::NtmCriteriaMatrix)).unwrap();
        let sheets = open_workbook(&bytes).unwrap();
        let import = legacy_ntm::read_sheets(&sheets).unwrap();
        assert_eq!(import.sheet, "Tiêu chí NTM");
        assert_eq!(import.year, Some(2026));
        assert_eq!(import.issuer.as_deref(), Some("HUYỆN KRÔNG BÚK"));
        assert_eq!(import.criteria, (1..=19).collect::<Vec<u8>>());
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert!(import.rows.is_empty());
        assert_eq!(import.totals, None);
    }

    #[test]
    fn blank_issuer_and_year_are_left_to_fill_in() {
        for kind in TemplateKind::ALL {
            let mut spec = spec(kind);
            spec.issuer = "  ".to_owned();
            spec.year = None;
            // Nothing usable: the national criteria.
            spec.criteria = vec![0];
            let bytes = write_template(&spec).unwrap();
            let sheets = open_workbook(&bytes).unwrap();
            let (year, issuer) = match kind {
                TemplateKind::P135AllocationReport => {
                    let import = legacy_p135::read_sheets(&sheets).unwrap();
                    assert!(import.problems.is_empty(), "{:#?}", import.problems);
                    (import.year, import.issuer)
                }
                TemplateKind::DirectiveTaskList => {
                    let import = legacy_tasks::read_sheets(&sheets).unwrap();
                    (import.year, import.issuer)
                }
                TemplateKind::NtmCriteriaMatrix => {
                    let import = legacy_ntm::read_sheets(&sheets).unwrap();
                    // No criteria given: the 19 national ones.
                    assert_eq!(import.criteria, (1..=19).collect::<Vec<u8>>());
                    (import.year, import.issuer)
                }
            };
            assert_eq!((year, issuer), (None, None), "{kind:?}");
            let main = sheets.first().unwrap();
            assert_eq!(main.text(0, 0), BLANK_ISSUER, "{kind:?}");
        }
    }

    #[test]
    fn templates_carry_data_validation_and_a_hidden_lists_sheet() {
        for kind in TemplateKind::ALL {
            let bytes = write_template(&spec(kind)).unwrap();
            let xml = validations(&bytes);
            assert!(xml.contains("<dataValidation type=\"list\""), "{kind:?}");
            let lists = sheet_element(&bytes, LISTS_SHEET);
            assert!(lists.contains("state=\"hidden\""), "{lists}");
            assert!(!sheet_element(&bytes, GUIDE_SHEET).contains("state="));
            match kind {
                TemplateKind::P135AllocationReport => {
                    assert!(!sheet_element(&bytes, "Vốn Chương trình 135").contains("state="));
                    // Units A2:A8 on the lists sheet, for the name column
                    // (B) of the 200 data rows (12 to 211).
                    assert!(xml.contains("'Danh mục'!$A$2:$A$8</formula1>"), "{xml}");
                    assert!(xml.contains("sqref=\"B12:B211\""), "{xml}");
                    // Amounts: one whole-number check over C:F.
                    assert!(
                        xml.contains(
                            "<dataValidation type=\"whole\" operator=\"greaterThanOrEqual\""
                        ),
                        "{xml}"
                    );
                    assert!(xml.contains("sqref=\"C12:F211\""), "{xml}");
                    assert!(xml.contains("<formula1>0</formula1>"));
                }
                TemplateKind::DirectiveTaskList => {
                    // Lead (F), coordinators (G), statuses (I) lists; dates
                    // (C, H) informing without rejecting.
                    assert!(xml.contains("'Danh mục'!$A$2:$A$7</formula1>"), "{xml}");
                    assert!(xml.contains("'Danh mục'!$B$2:$B$6</formula1>"), "{xml}");
                    assert_eq!(
                        xml.matches("<dataValidation type=\"date\" errorStyle=\"information\"")
                            .count(),
                        2,
                        "{xml}"
                    );
                    for range in ["C10:C209", "F10:F209", "G10:G209", "H10:H209", "I10:I209"] {
                        assert!(
                            xml.contains(&format!("sqref=\"{range}\"")),
                            "{range}: {xml}"
                        );
                    }
                    assert!(xml.contains("Thường xuyên"));
                }
                TemplateKind::NtmCriteriaMatrix => {
                    assert!(xml.contains("'Danh mục'!$A$2:$A$4</formula1>"), "{xml}");
                    assert!(xml.contains("<formula1>\"x\"</formula1>"), "{xml}");
                    assert!(xml.contains("sqref=\"C11:U210\""), "{xml}");
                }
            }
        }
    }

    #[test]
    fn long_unit_lists_are_a_range_on_the_lists_sheet() {
        let mut spec = spec(TemplateKind::NtmCriteriaMatrix);
        spec.units = (1..=300).map(|i| format!("Xã Số {i}")).collect();
        spec.units.push("   ".to_owned());
        let bytes = write_template(&spec).unwrap();
        let xml = validations(&bytes);
        assert!(xml.contains("'Danh mục'!$A$2:$A$301</formula1>"), "{xml}");
        // The lists sheet holds them, under its header.
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
        let range = calamine::Reader::worksheet_range(&mut book, LISTS_SHEET).unwrap();
        assert_eq!(
            range.get_value((0, 0)),
            Some(&calamine::Data::String("Xã".into()))
        );
        assert_eq!(
            range.get_value((300, 0)),
            Some(&calamine::Data::String("Xã Số 300".into()))
        );
        assert_eq!(range.end(), Some((300, 0)));
    }

    #[test]
    fn without_units_there_is_no_unit_list() {
        let mut spec = spec(TemplateKind::P135AllocationReport);
        spec.units.clear();
        let bytes = write_template(&spec).unwrap();
        let xml = validations(&bytes);
        assert!(!xml.contains("Danh mục"), "{xml}");
        assert!(xml.contains("type=\"whole\""));
    }

    #[test]
    fn too_many_rows_is_an_error() {
        let mut spec = spec(TemplateKind::NtmCriteriaMatrix);
        spec.rows = MAX_ROWS + 1;
        assert!(matches!(
            write_template(&spec),
            Err(XlsxError::ParameterError(_))
        ));
        spec.rows = 0;
        let bytes = write_template(&spec).unwrap();
        let xml = validations(&bytes);
        assert!(!xml.contains("<dataValidation"));
        let import = legacy_ntm::read_sheets(&open_workbook(&bytes).unwrap()).unwrap();
        assert!(import.rows.is_empty());
    }

    #[test]
    fn filled_p135_template_reads_back_communes_villages_and_dong() {
        use Cell::{Empty, Int, Money};
        let amounts = |a: [i64; 4]| a.map(Money);
        let row = |stt: Cell, name: &str, a: Option<[i64; 4]>, note: Cell| {
            let mut cells = vec![stt, t(name)];
            cells.extend(a.map_or([Empty, Empty, Empty, Empty], amounts));
            cells.push(note);
            cells
        };
        let filled = vec![
            row(t("I"), "Xã Thu Cúc", None, Empty),
            row(
                Int(1),
                "Xóm Mít",
                Some([795_000_000, 2_314_000_000, 458_554_000, 1_470_764_000]),
                t("Thôn ĐBKK"),
            ),
            row(
                Int(2),
                "Khu Chiềng 2",
                Some([1_140_000_000, 2_050_250_000, 852_992_000, 1_904_871_000]),
                Empty,
            ),
            // A commune stating its villages' total.
            row(
                t("II"),
                "Xã Thạch Kiệt",
                Some([2_946_250_000, 3_231_500_000, 2_669_230_000, 2_107_961_000]),
                Empty,
            ),
            row(
                Int(1),
                "Bản Cỏi",
                Some([490_250_000, 1_441_500_000, 382_786_000, 812_124_000]),
                Empty,
            ),
            row(
                Int(2),
                "Xóm Bến Thân",
                Some([2_456_000_000, 1_790_000_000, 2_286_444_000, 1_295_837_000]),
                Empty,
            ),
            // A commune without villages.
            row(
                t("III"),
                "Xã Thu Ngạc",
                Some([152_500_000, 1_009_000_000, 116_128_000, 1_000_082_000]),
                Empty,
            ),
        ];
        let bytes = write(&spec(TemplateKind::P135AllocationReport), &filled).unwrap();
        let import = legacy_p135::read_sheets(&open_workbook(&bytes).unwrap()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.amount_unit, AmountUnit::Dong);
        let records: Vec<_> = import
            .rows
            .iter()
            .map(|r| {
                (
                    r.name.as_str(),
                    r.level,
                    r.parent.as_deref(),
                    r.planned_by_component.clone(),
                    r.disbursed_by_component.clone(),
                )
            })
            .collect();
        assert_eq!(
            records,
            [
                (
                    "Xóm Mít",
                    Level::Village,
                    Some("Xã Thu Cúc"),
                    vec![795_000_000, 2_314_000_000],
                    vec![458_554_000, 1_470_764_000],
                ),
                (
                    "Khu Chiềng 2",
                    Level::Village,
                    Some("Xã Thu Cúc"),
                    vec![1_140_000_000, 2_050_250_000],
                    vec![852_992_000, 1_904_871_000],
                ),
                (
                    "Bản Cỏi",
                    Level::Village,
                    Some("Xã Thạch Kiệt"),
                    vec![490_250_000, 1_441_500_000],
                    vec![382_786_000, 812_124_000],
                ),
                (
                    "Xóm Bến Thân",
                    Level::Village,
                    Some("Xã Thạch Kiệt"),
                    vec![2_456_000_000, 1_790_000_000],
                    vec![2_286_444_000, 1_295_837_000],
                ),
                (
                    "Xã Thu Ngạc",
                    Level::Commune,
                    None,
                    vec![152_500_000, 1_009_000_000],
                    vec![116_128_000, 1_000_082_000],
                ),
            ]
        );
        let first = &import.rows[0];
        assert_eq!(first.planned_dong, 3_109_000_000);
        assert_eq!(first.disbursed_dong, 1_929_318_000);
        assert_eq!(first.note, "Thôn ĐBKK");
        let subtotals: Vec<&str> = import.subtotals.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(subtotals, ["Xã Thu Cúc", "Xã Thạch Kiệt"]);
        let summary = legacy_p135::summary(&import);
        assert_eq!(summary.records, 5);
        assert_eq!(summary.communes, 3);
    }

    #[test]
    fn p135_template_without_components_has_single_amount_columns() {
        let mut spec = spec(TemplateKind::P135AllocationReport);
        spec.components = vec![" ".to_owned()];
        let filled = vec![vec![
            t("I"),
            t("Xã Thu Ngạc"),
            Cell::Money(1_161_500_000),
            Cell::Money(1_116_210_000),
            Cell::Empty,
        ]];
        let bytes = write(&spec, &filled).unwrap();
        let import = legacy_p135::read_sheets(&open_workbook(&bytes).unwrap()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert!(import.components.is_empty());
        assert_eq!(import.rows.len(), 1);
        assert_eq!(import.rows[0].planned_dong, 1_161_500_000);
        assert_eq!(import.rows[0].disbursed_dong, 1_116_210_000);
        let xml = validations(&bytes);
        assert!(xml.contains("sqref=\"C11:D210\""), "{xml}");
    }

    #[test]
    fn filled_task_template_reads_back_documents_leads_and_deadlines() {
        use Cell::{Date, Empty, Int};
        let document = |stt: &str, number: &str, signed: NaiveDate, summary: &str| {
            let mut cells = vec![t(stt), t(number), Date(signed), t(summary)];
            cells.extend(vec![Empty; 6]);
            cells
        };
        let task =
            |stt: i64, content: &str, lead: &str, with: &str, deadline: Cell, status: &str| {
                let text = |s: &str| if s.is_empty() { Empty } else { t(s) };
                vec![
                    Int(stt),
                    Empty,
                    Empty,
                    Empty,
                    t(content),
                    t(lead),
                    text(with),
                    deadline,
                    t(status),
                    Empty,
                ]
            };
        let filled = vec![
            document(
                "I",
                "3142/CT-UBND",
                date(2026, 5, 22),
                "Chỉ thị về việc rà soát danh mục dự án kêu gọi đầu tư",
            ),
            task(
                1,
                "Tổ chức đối thoại với doanh nghiệp",
                "Sở Giao thông vận tải",
                "Sở Xây dựng, Sở Tài chính",
                Date(date(2026, 10, 20)),
                "Đang thực hiện",
            ),
            task(
                2,
                "Đánh giá tình hình giải ngân vốn đầu tư công",
                "Sở GD&ĐT",
                "",
                t("Thường xuyên"),
                "Chưa thực hiện",
            ),
            document(
                "II",
                "3784/TB-UBND",
                date(2026, 7, 3),
                "Thông báo kết luận về việc đẩy nhanh giải phóng mặt bằng",
            ),
            task(
                1,
                "Đẩy nhanh giải phóng mặt bằng dự án",
                "UBND huyện Cái Bè",
                "Văn phòng UBND tỉnh",
                t("Quý IV năm 2026"),
                "Hoàn thành trễ hạn",
            ),
        ];
        let bytes = write(&spec(TemplateKind::DirectiveTaskList), &filled).unwrap();
        let import = legacy_tasks::read_sheets(&open_workbook(&bytes).unwrap()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.layout, TaskLayout::Grouped);
        assert_eq!(import.year, Some(2026));
        let documents: Vec<_> = import
            .documents
            .iter()
            .map(|d| (d.number.as_str(), d.date, d.kind.map(|k| k.code())))
            .collect();
        assert_eq!(
            documents,
            [
                ("3142/CT-UBND", Some(date(2026, 5, 22)), Some("directive")),
                (
                    "3784/TB-UBND",
                    Some(date(2026, 7, 3)),
                    Some("conclusion_notice")
                ),
            ]
        );
        let tasks: Vec<_> = import
            .tasks
            .iter()
            .map(|t| {
                (
                    t.document_index,
                    t.lead.as_str(),
                    t.coordinators.clone(),
                    t.deadline,
                    t.status,
                )
            })
            .collect();
        assert_eq!(
            tasks,
            [
                (
                    Some(0),
                    "Sở Giao thông vận tải",
                    strings(&["Sở Xây dựng", "Sở Tài chính"]),
                    Some(Deadline::Date(date(2026, 10, 20))),
                    Some(TaskStatus::InProgress),
                ),
                (
                    Some(0),
                    "Sở Giáo dục và Đào tạo",
                    vec![],
                    Some(Deadline::Standing { cycle: None }),
                    Some(TaskStatus::NotStarted),
                ),
                (
                    Some(1),
                    "UBND huyện Cái Bè",
                    strings(&["Văn phòng UBND tỉnh"]),
                    Some(Deadline::Date(date(2026, 12, 31))),
                    Some(TaskStatus::CompletedLate),
                ),
            ]
        );
        assert_eq!(import.tasks[0].deadline_text, "20/10/2026");
        assert_eq!(import.tasks[1].lead_shown, "Sở GD&ĐT");
        assert_eq!(
            import.tasks[2].content,
            "Đẩy nhanh giải phóng mặt bằng dự án"
        );
    }

    #[test]
    fn filled_ntm_template_reads_back_the_criteria_met() {
        let communes: [(&str, Vec<u8>, &str); 3] = [
            ("Xã Cư Né", vec![4, 5, 8, 10, 12, 13, 15, 16, 19], ""),
            ("Xã Chứ Kbô", (1..=16).collect(), ""),
            ("Xã Ea Ngai", (1..=19).collect(), "Đạt chuẩn NTM"),
        ];
        let filled: Vec<Vec<Cell>> = communes
            .iter()
            .zip(1..)
            .map(|((name, met, note), stt)| {
                let mut cells = vec![Cell::Int(stt), t(name)];
                cells.extend((1..=19u8).map(|c| {
                    if met.contains(&c) {
                        t(MET_MARK)
                    } else {
                        Cell::Empty
                    }
                }));
                cells.push(if note.is_empty() {
                    Cell::Empty
                } else {
                    t(note)
                });
                cells
            })
            .collect();
        let bytes = write(&spec(TemplateKind::NtmCriteriaMatrix), &filled).unwrap();
        let import = legacy_ntm::read_sheets(&open_workbook(&bytes).unwrap()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        let rows: Vec<_> = import
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.met.clone(), r.note.as_str()))
            .collect();
        let expected: Vec<_> = communes
            .iter()
            .map(|(name, met, note)| (*name, met.clone(), *note))
            .collect();
        assert_eq!(rows, expected);
        let summary = legacy_ntm::summary(&import);
        assert_eq!(summary.communes, 3);
        assert_eq!(summary.communes_meeting_all, 1);
    }
}
