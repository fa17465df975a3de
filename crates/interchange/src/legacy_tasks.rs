//! Reader for legacy directive task lists (`directive_task_list`): a
//! provincial office's list of the directives (*văn bản chỉ đạo*) issued by
//! the People's Committee or its Chairman and the tasks each assigns, with
//! the lead agency (*chủ trì*), the coordinating agencies (*phối hợp*), a
//! deadline (*thời hạn*) and the status (*tình trạng*), as the offices kept
//! it in Excel (e.g. UBND tỉnh Tiền Giang 2017, sheet *Nhiệm vụ*).
//!
//! Two layouts are read, on any visible sheet:
//!
//! * **grouped** ([`Layout::Grouped`]): a document row (STT `I`, `II`, …;
//!   the number and signing date of the document and its summary) followed
//!   by the rows of its tasks (STT `1`, `2`, …; content, lead, coordinators,
//!   deadline, status). A document row may also be a single text naming the
//!   document (*Chỉ thị số 12/CT-UBND ngày 05/3/2017 của …*), in any column;
//! * **flat** ([`Layout::Flat`]): one row per task, each naming its
//!   document in the number column (repeated, merged down over the
//!   document's rows, or left blank for "as above").
//!
//! What the reader expects, and tolerates:
//!
//! * heading lines above the table (issuing body *UBND TỈNH …*, a title
//!   naming the year *… NĂM 2017*) and a signature block under it (*CHÁNH
//!   VĂN PHÒNG*, *KT. CHỦ TỊCH*, the date line), which ends the table;
//! * a header naming at least the task content (*Nội dung nhiệm vụ*,
//!   *Nhiệm vụ*, …) and the lead agency (*Cơ quan chủ trì*, *Đơn vị chủ
//!   trì*, *Chủ trì*, …); the other columns ([`COLUMNS`]) optional, in any
//!   order, with other columns in between, over one or two header rows,
//!   with or without a column-number row;
//! * deadlines as Excel dates or as text read by
//!   [`crate::dates::parse_deadline`] (*Trước ngày 15/10/2017*, *Tháng
//!   12/2017*, *Quý IV năm 2017*, *Thường xuyên*);
//! * agencies written in full or abbreviated (*Sở GD&ĐT*, *UBND H. Chợ
//!   Gạo*, *VP UBND tỉnh*): kept as written and also given their full name
//!   ([`agency_name`]);
//! * text typed in TCVN3 or VNI (repaired by [`crate::table::open_workbook`]).
//!
//! Whatever cannot be read is reported as a [`Problem`] rather than guessed
//! away.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use domain::text::{canonical, fold, split_unit_prefix, UnitPrefix};

use crate::dates::{from_excel_serial, parse_date, parse_deadline, Deadline};
use crate::legacy::{
    find_issuer, find_year, is_group_number, locate, skip_words, SignatureBlock, NOTE, NOTE_COLUMN,
    NO_CELL, STT, STT_COLUMN,
};
use crate::table::{normalize_header, CellValue, ColumnSpec, Located, Sheet};

const NUMBER: &str = "number";
const DATE: &str = "date";
const SUMMARY: &str = "summary";
const CONTENT: &str = "content";
const LEAD: &str = "lead";
const COORDINATORS: &str = "coordinators";
const DEADLINE: &str = "deadline";
const STATUS: &str = "status";
/// Why no table was found, in Vietnamese then English.
const NOT_FOUND: &str = "không tìm thấy bảng danh mục nhiệm vụ (cần cột Nội dung nhiệm vụ và cột Cơ quan chủ trì) / no task list found (needs a task-content column and a lead-agency column)";
/// The same, in Vietnamese only.
const NOT_FOUND_VI: &str = "Không tìm thấy bảng danh mục nhiệm vụ: cần một dòng tiêu đề có cột Nội dung nhiệm vụ và cột Cơ quan chủ trì.";

/// The columns of a task list and the header texts that name them.
pub const COLUMNS: &[ColumnSpec] = &[
    STT_COLUMN,
    ColumnSpec {
        key: NUMBER,
        names: &[
            "Số, ký hiệu văn bản",
            "Số ký hiệu văn bản",
            "Số hiệu văn bản",
            "Số, ký hiệu",
            "Số ký hiệu",
            "Số văn bản",
            "Ký hiệu văn bản",
            "Văn bản chỉ đạo",
            "Văn bản giao nhiệm vụ",
            "Văn bản",
        ],
        required: false,
    },
    ColumnSpec {
        key: DATE,
        names: &[
            "Ngày ban hành",
            "Ngày văn bản",
            "Ngày ký",
            "Ngày, tháng",
            "Ngày tháng năm",
        ],
        required: false,
    },
    ColumnSpec {
        key: SUMMARY,
        names: &[
            "Trích yếu nội dung",
            "Trích yếu văn bản",
            "Trích yếu",
            "Nội dung văn bản",
        ],
        required: false,
    },
    ColumnSpec {
        key: CONTENT,
        names: &[
            "Nội dung nhiệm vụ",
            "Nội dung công việc",
            "Nội dung chỉ đạo",
            "Nhiệm vụ được giao",
            "Nhiệm vụ",
            "Nội dung",
        ],
        required: true,
    },
    ColumnSpec {
        key: LEAD,
        names: &[
            "Cơ quan chủ trì",
            "Đơn vị chủ trì",
            "Cơ quan, đơn vị chủ trì",
            "Cơ quan thực hiện",
            "Đơn vị thực hiện",
            "Cơ quan được giao",
            "Đơn vị được giao",
            "Chủ trì",
        ],
        required: true,
    },
    ColumnSpec {
        key: COORDINATORS,
        names: &[
            "Cơ quan phối hợp",
            "Đơn vị phối hợp",
            "Cơ quan, đơn vị phối hợp",
            "Phối hợp",
        ],
        required: false,
    },
    ColumnSpec {
        key: DEADLINE,
        names: &[
            "Thời hạn hoàn thành",
            "Thời hạn",
            "Hạn xử lý",
            "Hạn hoàn thành",
            "Thời gian hoàn thành",
            "Thời hạn xử lý",
            "Hạn",
        ],
        required: false,
    },
    ColumnSpec {
        key: STATUS,
        names: &[
            "Tình trạng",
            "Tình hình thực hiện",
            "Kết quả thực hiện",
            "Tiến độ thực hiện",
            "Trạng thái",
            "Kết quả",
            "Tiến độ",
        ],
        required: false,
    },
    NOTE_COLUMN,
];

// ---------------------------------------------------------------------------
// What the reader returns
// ---------------------------------------------------------------------------

/// How the table ties tasks to their documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// A document row, then the rows of its tasks.
    Grouped,
    /// One row per task, each naming its document.
    Flat,
}

impl Layout {
    /// Stable code: `grouped` or `flat`.
    pub fn code(self) -> &'static str {
        match self {
            Layout::Grouped => "grouped",
            Layout::Flat => "flat",
        }
    }
}

/// The kind of a document, from its number's type code (*3142/**CT**-UBND*)
/// or, without one, the first words of its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// *Chỉ thị* (`CT`).
    Directive,
    /// *Thông báo (kết luận)* (`TB`).
    ConclusionNotice,
    /// *Công văn* (`CV`, or a number such as *3625/UBND-KT*).
    OfficialLetter,
    /// *Quyết định* (`QĐ`).
    Decision,
    /// *Kế hoạch* (`KH`).
    Plan,
}

impl DocumentKind {
    /// Stable code: `directive`, `conclusion_notice`, `official_letter`,
    /// `decision` or `plan`.
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Directive => "directive",
            DocumentKind::ConclusionNotice => "conclusion_notice",
            DocumentKind::OfficialLetter => "official_letter",
            DocumentKind::Decision => "decision",
            DocumentKind::Plan => "plan",
        }
    }

    /// The Vietnamese name: *Chỉ thị*, *Thông báo kết luận*, *Công văn*,
    /// *Quyết định*, *Kế hoạch*.
    pub fn label_vi(self) -> &'static str {
        match self {
            DocumentKind::Directive => "Chỉ thị",
            DocumentKind::ConclusionNotice => "Thông báo kết luận",
            DocumentKind::OfficialLetter => "Công văn",
            DocumentKind::Decision => "Quyết định",
            DocumentKind::Plan => "Kế hoạch",
        }
    }
}

/// A task's status as the file states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskStatus {
    /// *Đã hoàn thành*, *Hoàn thành (đúng hạn)*, *Xong*.
    CompletedOnTime,
    /// *Hoàn thành trễ hạn*, *Hoàn thành chậm*, *Hoàn thành quá hạn*.
    CompletedLate,
    /// *Đang thực hiện*, *Đang triển khai*, *Chưa hoàn thành* (not overdue).
    InProgress,
    /// *Quá hạn*, *Trễ hạn*, *Chưa hoàn thành, quá hạn*.
    Overdue,
    /// *Chưa thực hiện*, *Chưa triển khai*.
    NotStarted,
}

impl TaskStatus {
    /// Stable code: `completed_on_time`, `completed_late`, `in_progress`,
    /// `overdue` or `not_started`.
    pub fn code(self) -> &'static str {
        match self {
            TaskStatus::CompletedOnTime => "completed_on_time",
            TaskStatus::CompletedLate => "completed_late",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Overdue => "overdue",
            TaskStatus::NotStarted => "not_started",
        }
    }

    /// Whether the task is done.
    pub fn is_done(self) -> bool {
        matches!(
            self,
            TaskStatus::CompletedOnTime | TaskStatus::CompletedLate
        )
    }
}

/// A directive or other document assigning tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyDocument {
    /// The sheet row naming it (1-based; in the flat layout, its first
    /// task's row).
    pub row: usize,
    /// Its number and type code as written, e.g. `"3142/CT-UBND"`; empty
    /// when the file gives none.
    pub number: String,
    /// The signing date.
    pub date: Option<NaiveDate>,
    /// The summary (*trích yếu*), repaired and in canonical spelling; for
    /// a document named by a single text, that text.
    pub summary: String,
    /// The kind, from the number or the summary, when recognised.
    pub kind: Option<DocumentKind>,
}

/// One task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyTask {
    /// The sheet row, 1-based as Excel shows it.
    pub row: usize,
    /// Index into [`TaskListImport::documents`]; `None` for a task with no
    /// document before it (reported as `orphan_task`).
    pub document_index: Option<usize>,
    /// What is to be done, in canonical spelling.
    pub content: String,
    /// The lead agency as written (canonical spelling): `"Sở GD&ĐT"`.
    pub lead_shown: String,
    /// The lead agency's full name ([`agency_name`]): `"Sở Giáo dục và
    /// Đào tạo"`. Empty when the row names none (reported as
    /// `missing_lead`).
    pub lead: String,
    /// The coordinating agencies as written.
    pub coordinators_shown: String,
    /// The coordinating agencies, split ([`split_agencies`]) and each by
    /// its full name.
    pub coordinators: Vec<String>,
    /// The deadline cell as written (an Excel date as `dd/mm/yyyy`).
    pub deadline_text: String,
    /// The deadline as read; `None` when the cell is empty or unreadable
    /// (reported as `unreadable_deadline`).
    pub deadline: Option<Deadline>,
    /// The status cell as written.
    pub status_text: String,
    /// The status, when the text is recognised.
    pub status: Option<TaskStatus>,
    /// Whether the status says the task is done (`Some(false)` when it
    /// says it is not); `None` when there is no recognisable status.
    pub done: Option<bool>,
    /// The note; empty for none.
    pub note: String,
}

/// Something in the file that cannot be read or does not add up. Stable
/// codes:
/// * `unreadable_deadline`: a deadline that is neither a date, a month,
///   a quarter nor a standing task (the task is imported without one);
/// * `missing_lead`: a task without a lead agency (imported without);
/// * `missing_content`: a row with a lead, deadline or status but no
///   task content (not imported);
/// * `orphan_task`: a task with no document before it;
/// * `unreadable_date`: a document's date that cannot be read.
pub use crate::legacy::Problem;

/// What the file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskListImport {
    /// The name of the sheet the table was found on.
    pub sheet: String,
    /// The year in the title (*… NĂM 2017*); without one, the most common
    /// year of the documents' dates.
    pub year: Option<i32>,
    /// The issuing unit from the heading, without *UBND* / *Ủy ban nhân
    /// dân*: `"UBND TỈNH TIỀN GIANG"` → `"TỈNH TIỀN GIANG"`.
    pub issuer: Option<String>,
    /// How tasks are tied to documents.
    pub layout: Layout,
    /// The documents, top to bottom.
    pub documents: Vec<LegacyDocument>,
    /// The tasks, top to bottom.
    pub tasks: Vec<LegacyTask>,
    /// Everything that cannot be read, top to bottom.
    pub problems: Vec<Problem>,
}

/// Figures over an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskListSummary {
    /// Number of documents.
    pub directives: usize,
    /// Number of tasks.
    pub tasks: usize,
    /// Tasks without a due date: standing tasks (*thường xuyên*) and tasks
    /// whose deadline is empty or unreadable.
    pub tasks_without_deadline: usize,
    /// Tasks per lead agency (full name); tasks without a lead are not
    /// counted here.
    pub tasks_by_lead: BTreeMap<String, usize>,
}

/// As [`read`], from sheets already opened with
/// [`crate::table::open_workbook`].
///
/// # Errors
/// [`ImportError::TableNotFound`] when no sheet holds the table.
pub fn read_sheets(sheets: &[Sheet]) -> Result<TaskListImport, ImportError> {
    let (sheet, located) = locate(sheets, COLUMNS)?;
    let mut reader = RowReader::new(sheet, &located);
    reader.read_rows();
    let layout = if reader.heading_rows > 0 {
        Layout::Grouped
    } else {
        Layout::Flat
    };
    let mut problems = reader.problems;
    problems.sort_by_key(|p| p.row);
    let heading = located.header_rows.0;
    let year = find_year(sheet, heading).or_else(|| most_common_year(&reader.documents));
    Ok(TaskListImport {
        sheet: sheet.name.clone(),
        year,
        issuer: find_issuer(sheet, heading),
        layout,
        documents: reader.documents,
        tasks: reader.tasks,
        problems,
    })
}

/// Figures over an import; see [`TaskListSummary`].
pub fn summary(import: &TaskListImport) -> TaskListSummary {
    let mut tasks_by_lead = BTreeMap::new();
    for task in import.tasks.iter().filter(|t| !t.lead.is_empty()) {
        *tasks_by_lead.entry(task.lead.clone()).or_insert(0) += 1;
    }
    TaskListSummary {
        directives: import.documents.len(),
        tasks: import.tasks.len(),
        tasks_without_deadline: import
            .tasks
            .iter()
            .filter(|t| t.deadline.and_then(Deadline::date).is_none())
            .count(),
        tasks_by_lead,
    }
}

crate::legacy::reader!(
    /// Why a file could not be imported at all: not a workbook, or no visible
    /// sheet with a header with a task-content column and a lead-agency column
    /// (`table_not_found`).
    ImportError,
    /// Reads a legacy directive task list from the bytes of an `.xlsx`, `.xls`
    /// or `.ods` file; see the [module documentation](self).
    ///
    /// # Errors
    /// [`ImportError::Workbook`] for a file that is not a readable workbook,
    /// [`ImportError::TableNotFound`] when no visible sheet holds the table.
    read -> TaskListImport, NOT_FOUND, NOT_FOUND_VI
);

// ---------------------------------------------------------------------------
// Agencies
// ---------------------------------------------------------------------------

/// Provincial departments (*Sở*) and their usual abbreviations.
const DEPARTMENTS: &[(&str, &[&str])] = &[
    ("Sở Giáo dục và Đào tạo", &["GDĐT", "GD&ĐT", "GD-ĐT"]),
    ("Sở Giao thông vận tải", &["GTVT"]),
    ("Sở Thông tin và Truyền thông", &["TTTT", "TT&TT", "TT-TT"]),
    ("Sở Xây dựng", &["XD"]),
    ("Sở Kế hoạch và Đầu tư", &["KHĐT", "KH&ĐT", "KH-ĐT"]),
    (
        "Sở Lao động - Thương binh và Xã hội",
        &["LĐTBXH", "LĐ-TB&XH", "LĐTB&XH"],
    ),
    (
        "Sở Nông nghiệp và Phát triển nông thôn",
        &["NNPTNT", "NN&PTNT", "NN-PTNT"],
    ),
    ("Sở Tài chính", &["TC"]),
    ("Sở Công Thương", &["CT"]),
    ("Sở Tài nguyên và Môi trường", &["TNMT", "TN&MT", "TN-MT"]),
    ("Sở Nội vụ", &["NV"]),
    ("Sở Y tế", &["YT"]),
    ("Sở Tư pháp", &["TP"]),
    ("Sở Khoa học và Công nghệ", &["KHCN", "KH&CN", "KH-CN"]),
    (
        "Sở Văn hóa, Thể thao và Du lịch",
        &["VHTTDL", "VHTT&DL", "VH-TT&DL", "VH,TT&DL"],
    ),
    ("Sở Ngoại vụ", &["NgV"]),
];

/// Other agencies written under several names.
const AGENCIES: &[(&str, &[&str])] = &[
    (
        "Văn phòng UBND tỉnh",
        &[
            "VP UBND tỉnh",
            "VPUBND tỉnh",
            "Văn phòng Ủy ban nhân dân tỉnh",
            "VP Ủy ban nhân dân tỉnh",
        ],
    ),
    ("Công an tỉnh", &["CA tỉnh"]),
    (
        "Bộ Chỉ huy Quân sự tỉnh",
        &["BCH Quân sự tỉnh", "BCHQS tỉnh", "Bộ CHQS tỉnh"],
    ),
    ("Kho bạc Nhà nước tỉnh", &["KBNN tỉnh", "KBNN"]),
];

/// A key for comparing agency names: folded, letters and digits only
/// (`"Sở GD&ĐT"` and `"Sở GDĐT"` → `"sogddt"`).
pub fn agency_key(s: &str) -> String {
    fold(s).chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The full name of an agency written in full or abbreviated, in canonical
/// spelling:
///
/// * provincial departments: `"Sở GD&ĐT"`, `"Sở GDĐT"` → `"Sở Giáo dục và
///   Đào tạo"`, `"Sở LĐ-TB&XH"` → `"Sở Lao động - Thương binh và Xã hội"`,
///   `"Sở TC"` → `"Sở Tài chính"` (abbreviations of four letters or more
///   also without *Sở*: `"GTVT"`); a full name in another case (*Sở giao
///   thông vận tải*) → the usual spelling;
/// * `"VP UBND tỉnh"` → `"Văn phòng UBND tỉnh"`, `"CA tỉnh"` → `"Công an
///   tỉnh"`, and a few others;
/// * committees of units: `"UBND H. Chợ Gạo"` → `"UBND huyện Chợ Gạo"`,
///   `"Ủy ban nhân dân TX. Cai Lậy"` → `"UBND thị xã Cai Lậy"`;
/// * anything else as written (canonical spelling).
pub fn agency_name(name: &str) -> String {
    let name = canonical(name.trim().trim_end_matches(['.', ',', ';']));
    let key = agency_key(&name);
    if key.is_empty() {
        return name;
    }
    for (full, abbreviations) in DEPARTMENTS {
        if key == agency_key(full) {
            return (*full).to_owned();
        }
        for a in *abbreviations {
            let a = agency_key(a);
            if key.strip_prefix("so") == Some(a.as_str()) || (a.len() >= 4 && key == a) {
                return (*full).to_owned();
            }
        }
    }
    for (full, others) in AGENCIES {
        if key == agency_key(full) || others.iter().any(|o| agency_key(o) == key) {
            return (*full).to_owned();
        }
    }
    committee_name(&name).unwrap_or(name)
}

/// `"UBND H. Chợ Gạo"` → `"UBND huyện Chợ Gạo"`.
fn committee_name(name: &str) -> Option<String> {
    let folded = fold(name);
    let rest = if folded.starts_with("ubnd ") {
        skip_words(name, 1).trim_start()
    } else if folded.starts_with("uy ban nhan dan ") {
        skip_words(name, 4).trim_start()
    } else {
        return None;
    };
    match split_unit_prefix(rest) {
        (Some(kind), unit) => Some(format!("UBND {} {unit}", prefix_word(kind))),
        (None, unit) => Some(format!("UBND {}", unit.trim())),
    }
}

/// The unit prefix as written inside a name: `huyện`, `thị xã`, …
fn prefix_word(kind: UnitPrefix) -> String {
    kind.label().to_lowercase()
}

/// Words that begin an agency's name: a coordinators cell is split on
/// *và* only before one of these (*Sở Giáo dục và Đào tạo* stays whole).
const AGENCY_STARTS: &[&str] = &[
    "so",
    "ubnd",
    "uy ban",
    "ban",
    "cong an",
    "van phong",
    "vp",
    "bo",
    "thanh tra",
    "cuc",
    "chi cuc",
    "kho bac",
    "ngan hang",
    "dai",
    "bao",
    "hoi",
    "lien doan",
    "mat tran",
    "tinh doan",
    "trung tam",
    "truong",
    "benh vien",
    "phong",
    "cac",
    "doan",
    "cong ty",
    "quy",
];

fn starts_agency(text: &str) -> bool {
    let words = normalize_header(text);
    AGENCY_STARTS
        .iter()
        .any(|s| words == *s || words.starts_with(&format!("{s} ")))
}

/// Splits a cell naming several agencies on `,`, `;`, line breaks and
/// *và* (only where an agency's name follows it, so *Sở Giáo dục và Đào
/// tạo* stays whole). A piece starting in lower case continues the one
/// before it (*UBND các huyện, thị xã, thành phố* stays whole). Pieces are
/// trimmed (also of list dashes and bullets) and in canonical spelling.
pub fn split_agencies(text: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    for line in text.split(['\n', '\r', ';']) {
        let mut first_in_line = true;
        for piece in line.split(',') {
            let piece = piece
                .trim()
                .trim_start_matches(['-', '+', '•', '–', '*'])
                .trim()
                .trim_end_matches('.');
            if piece.is_empty() {
                continue;
            }
            let continues = !first_in_line && piece.chars().next().is_some_and(char::is_lowercase);
            first_in_line = false;
            match pieces.last_mut() {
                Some(last) if continues => {
                    last.push_str(", ");
                    last.push_str(piece);
                }
                _ => pieces.push(piece.to_owned()),
            }
        }
    }
    pieces
        .iter()
        .flat_map(|p| split_on_and(p))
        .map(|p| canonical(&p))
        .filter(|p| !p.is_empty())
        .collect()
}

/// Splits on ` và ` where an agency's name follows.
fn split_on_and(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    let mut search = 0;
    while let Some((at, len)) = rest.get(search..).and_then(find_and) {
        let at = search + at;
        let after = at + len;
        let tail = rest.get(after..).unwrap_or("");
        if starts_agency(tail) {
            out.push(rest.get(..at).unwrap_or("").trim().to_owned());
            rest = tail;
            search = 0;
        } else {
            search = after;
        }
    }
    out.push(rest.trim().to_owned());
    out.retain(|p| !p.is_empty());
    out
}

/// The first ` và ` (any case, with any white space around it): its byte
/// offset and length.
fn find_and(text: &str) -> Option<(usize, usize)> {
    let mut prev_space: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (i, &(at, c)) in chars.iter().enumerate() {
        if c.is_whitespace() {
            prev_space.get_or_insert(at);
            continue;
        }
        if let Some(space) = prev_space.take() {
            let word: String = chars
                .get(i..)
                .unwrap_or(&[])
                .iter()
                .take_while(|(_, c)| !c.is_whitespace())
                .map(|(_, c)| *c)
                .collect();
            let end = at + word.len();
            if fold(&word) == "va"
                && text
                    .get(end..)
                    .is_some_and(|t| t.starts_with(char::is_whitespace))
            {
                return Some((space, end - space));
            }
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Cells
// ---------------------------------------------------------------------------

/// A task's status from the status cell: the status, and whether it is
/// done (`Some(false)` also for *Chưa hoàn thành*).
pub fn read_status(text: &str) -> (Option<TaskStatus>, Option<bool>) {
    let t = format!(" {} ", normalize_header(text));
    let has = |p: &str| t.contains(&format!(" {p} "));
    let late = has("tre han") || has("qua han") || has("cham") || has("tre");
    let status = if has("chua hoan thanh") {
        if late {
            TaskStatus::Overdue
        } else {
            TaskStatus::InProgress
        }
    } else if has("hoan thanh") || has("xong") {
        if late {
            TaskStatus::CompletedLate
        } else {
            TaskStatus::CompletedOnTime
        }
    } else if has("qua han") || has("tre han") {
        TaskStatus::Overdue
    } else if has("chua thuc hien") || has("chua trien khai") || has("chua bat dau") {
        TaskStatus::NotStarted
    } else if has("dang thuc hien") || has("dang trien khai") || has("dang xu ly") {
        TaskStatus::InProgress
    } else {
        return (None, None);
    };
    (Some(status), Some(status.is_done()))
}

/// A document number in a text: the first word such as `3142/CT-UBND`
/// (digits, a slash, then letters).
fn find_number(text: &str) -> Option<(&str, &str)> {
    let mut offset = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let start = offset;
        offset += word.len();
        let trimmed = word.trim_end();
        let lead = trimmed.len() - trimmed.trim_start_matches(['(', '"', '“']).len();
        let token = trimmed
            .trim_start_matches(['(', '"', '“'])
            .trim_end_matches([',', ';', ':', '.', ')', '"', '”']);
        let Some((digits, code)) = token.split_once('/') else {
            continue;
        };
        if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && code.chars().any(char::is_alphabetic)
        {
            let from = start + lead;
            let rest = text.get(from + token.len()..).unwrap_or("");
            return text.get(from..from + token.len()).map(|n| (n, rest));
        }
    }
    None
}

/// The kind of a document from its number's type code, else from the
/// first words of its summary.
fn document_kind(number: &str, summary: &str) -> Option<DocumentKind> {
    let from_number = number.split_once('/').and_then(|(_, code)| {
        let first = code.split(['-', '/']).next()?;
        match agency_key(first).as_str() {
            "ct" => Some(DocumentKind::Directive),
            "tb" | "tbkl" => Some(DocumentKind::ConclusionNotice),
            "cv" | "ubnd" => Some(DocumentKind::OfficialLetter),
            "qd" => Some(DocumentKind::Decision),
            "kh" => Some(DocumentKind::Plan),
            _ => None,
        }
    });
    from_number.or_else(|| {
        let words = normalize_header(summary);
        [
            ("chi thi", DocumentKind::Directive),
            ("thong bao", DocumentKind::ConclusionNotice),
            ("cong van", DocumentKind::OfficialLetter),
            ("quyet dinh", DocumentKind::Decision),
            ("ke hoach", DocumentKind::Plan),
        ]
        .into_iter()
        .find(|(w, _)| words == *w || words.starts_with(&format!("{w} ")))
        .map(|(_, k)| k)
    })
}

/// An Excel serial as `dd/mm/yyyy`.
fn serial_text(serial: f64) -> String {
    from_excel_serial(serial)
        .map_or_else(|_| serial.to_string(), |d| d.format("%d/%m/%Y").to_string())
}

/// Plausible Excel serials held as plain numbers: 1927 to 2173.
const SERIALS: std::ops::RangeInclusive<f64> = 10_000.0..=100_000.0;

/// A deadline cell: its text as written and the deadline, or the error
/// message.
fn read_deadline(cell: &CellValue) -> (String, Result<Option<Deadline>, String>) {
    match cell {
        CellValue::Empty => (String::new(), Ok(None)),
        CellValue::Date(s) => (
            serial_text(*s),
            from_excel_serial(*s)
                .map(|d| Some(Deadline::Date(d)))
                .map_err(|e| e.to_string()),
        ),
        CellValue::Number(n) if SERIALS.contains(n) => (
            serial_text(*n),
            from_excel_serial(*n)
                .map(|d| Some(Deadline::Date(d)))
                .map_err(|e| e.to_string()),
        ),
        other => {
            let text = other.to_text();
            let parsed = parse_deadline(&text).map_err(|e| e.to_string());
            (canonical(&text), parsed)
        }
    }
}

/// A date cell: the date, or the error message.
fn read_date(cell: &CellValue) -> Result<Option<NaiveDate>, String> {
    match cell {
        CellValue::Empty => Ok(None),
        CellValue::Date(s) => from_excel_serial(*s).map(Some).map_err(|e| e.to_string()),
        CellValue::Number(n) if SERIALS.contains(n) => {
            from_excel_serial(*n).map(Some).map_err(|e| e.to_string())
        }
        other => parse_date(&other.to_text()).map_err(|e| e.to_string()),
    }
}

// ---------------------------------------------------------------------------
// Heading
// ---------------------------------------------------------------------------

/// The most common year of the documents' dates (the latest among equals).
fn most_common_year(documents: &[LegacyDocument]) -> Option<i32> {
    let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
    for d in documents.iter().filter_map(|d| d.date) {
        *counts.entry(d.year()).or_insert(0) += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(year, n)| (n, year))
        .map(|(year, _)| year)
}

// ---------------------------------------------------------------------------
// Rows
// ---------------------------------------------------------------------------

/// The signature block under a task list: a short title (*CHÁNH VĂN
/// PHÒNG*, *KT. CHỦ TỊCH*, *Nơi nhận:*) or a date line (*Tiền Giang, ngày
/// 30 tháng 12 năm 2017*); a row holding one (and no task) ends the table.
const SIGNATURE: SignatureBlock = SignatureBlock {
    starts: &[
        "chanh van phong",
        "pho chanh van phong",
        "kt chanh van phong",
        "tl chu tich",
        "tuq chu tich",
        "tm ubnd",
        "tm uy ban",
        "tm uy ban nhan dan",
        "kt chu tich",
        "chu tich",
        "pho chu tich",
        "kt giam doc",
        "giam doc",
        "pho giam doc",
        "truong phong",
        "pho truong phong",
        "nguoi lap bieu",
        "nguoi lap",
        "nguoi tong hop",
        "thu truong don vi",
        "ky ten",
        "ky ghi ro ho ten",
        "ky ho ten",
        "noi nhan",
    ],
    max_title_words: 8,
    max_date_words: 12,
};

fn is_signature_text(text: &str) -> bool {
    SIGNATURE.is_line(text)
}

struct RowReader<'a> {
    sheet: &'a Sheet,
    located: &'a Located,
    documents: Vec<LegacyDocument>,
    /// Documents by number (or summary), folded.
    by_key: HashMap<String, usize>,
    current: Option<usize>,
    tasks: Vec<LegacyTask>,
    problems: Vec<Problem>,
    /// Document rows seen (grouped layout).
    heading_rows: usize,
}

impl<'a> RowReader<'a> {
    fn new(sheet: &'a Sheet, located: &'a Located) -> Self {
        RowReader {
            sheet,
            located,
            documents: Vec::new(),
            by_key: HashMap::new(),
            current: None,
            tasks: Vec::new(),
            problems: Vec::new(),
            heading_rows: 0,
        }
    }

    fn column(&self, key: &str) -> Option<usize> {
        self.located.columns.get(key).copied()
    }

    /// The cell of a column in a row; a cell in a region merged down shows
    /// the region's value (a document number merged over its tasks' rows),
    /// the other columns of a region merged across are empty.
    fn cell(&self, row: usize, key: &str) -> &'a CellValue {
        let sheet = self.sheet;
        let Some(col) = self.column(key) else {
            return &NO_CELL;
        };
        match sheet.merge_at(row, col) {
            Some(m) if m.first_col == col => sheet.cell(m.first_row, col),
            Some(_) => &NO_CELL,
            None => sheet.cell(row, col),
        }
    }

    fn text(&self, row: usize, key: &str) -> String {
        canonical(&self.cell(row, key).to_text())
    }

    fn problem(&mut self, row: usize, code: &'static str, message: String) {
        self.problems.push(Problem::at(row, code, message));
    }

    /// The texts of a row, left to right.
    fn row_texts(&self, row: usize) -> Vec<String> {
        (self.sheet.first_col()..self.sheet.end_col())
            .filter(|&c| {
                self.sheet
                    .merge_at(row, c)
                    .is_none_or(|m| m.first_row == row && m.first_col == c)
            })
            .map(|c| canonical(&self.sheet.cell(row, c).to_text()))
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The texts of a row joined, without a group number (*I*, *II*).
    fn heading_text(&self, row: usize) -> String {
        self.row_texts(row)
            .into_iter()
            .filter(|t| !is_group_number(t))
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn read_rows(&mut self) {
        for row in self.located.data_start..self.sheet.end_row() {
            if self.sheet.is_row_empty(row) {
                continue;
            }
            let content = self.text(row, CONTENT);
            let lead = self.text(row, LEAD);
            let coordinators = self.text(row, COORDINATORS);
            let deadline = self.cell(row, DEADLINE);
            let status = self.text(row, STATUS);
            let assignment = !coordinators.is_empty() || !deadline.is_empty() || !status.is_empty();
            if !assignment
                && (content.is_empty() || is_signature_text(&content))
                && (lead.is_empty() || is_signature_text(&lead))
                && self.row_texts(row).iter().any(|t| is_signature_text(t))
            {
                break;
            }
            let number = self.text(row, NUMBER);
            let summary = self.text(row, SUMMARY);
            let date = self.cell(row, DATE);
            let own_document = !number.is_empty() || !summary.is_empty();
            if lead.is_empty() && !assignment {
                if content.is_empty() {
                    // A document row, a section heading, or a line with
                    // only an STT or a note.
                    if own_document || !date.is_empty() {
                        self.heading_rows += 1;
                        self.push_document(row, &number, date, &summary, false);
                    } else {
                        let joined = self.heading_text(row);
                        if find_number(&joined).is_some() {
                            self.heading_rows += 1;
                            self.push_document(row, &joined, &NO_CELL, "", false);
                        }
                    }
                    continue;
                }
                if !own_document {
                    let stt = self.cell(row, STT).to_text();
                    let group = is_group_number(&stt);
                    if (group || stt.is_empty()) && find_number(&content).is_some() {
                        // A document named in one text: *Chỉ thị số
                        // 12/CT-UBND ngày 05/3/2017 của …*.
                        self.heading_rows += 1;
                        self.push_document(row, &content, &NO_CELL, "", false);
                        continue;
                    }
                    if group {
                        // A section heading: *A. CÁC CHỈ THỊ*.
                        continue;
                    }
                }
            }
            if own_document {
                self.push_document(row, &number, date, &summary, true);
            }
            self.read_task(row, content, lead, coordinators);
        }
    }

    /// Records the document a row names and makes it current. With
    /// `reuse`, a document already seen under the same number (or summary)
    /// is made current instead.
    fn push_document(
        &mut self,
        row: usize,
        number_text: &str,
        date_cell: &CellValue,
        summary: &str,
        reuse: bool,
    ) {
        let line = row + 1;
        let (number, rest) = match find_number(number_text) {
            Some((n, rest)) => (n.to_owned(), rest),
            None => (number_text.to_owned(), ""),
        };
        let key = if number.is_empty() {
            format!("summary {}", fold(summary))
        } else {
            format!("number {}", fold(&number))
        };
        if reuse {
            if let Some(&index) = self.by_key.get(&key) {
                self.current = Some(index);
                return;
            }
        }
        let date = if date_cell.is_empty() {
            // The date may follow the number: *3142/CT-UBND ngày 22/5/2017*.
            if rest.chars().any(|c| c.is_ascii_digit()) {
                match parse_date(rest) {
                    Ok(d) => d,
                    Err(_) if fold(rest).contains("ngay") => {
                        self.problem(row, "unreadable_date", format!("dòng {line}: không đọc được ngày ban hành trong \"{}\" / row {line}: unreadable document date in \"{}\"", rest.trim(), rest.trim()));
                        None
                    }
                    Err(_) => None,
                }
            } else {
                None
            }
        } else {
            match read_date(date_cell) {
                Ok(d) => d,
                Err(e) => {
                    let text = date_cell.to_text();
                    self.problem(row, "unreadable_date", format!("dòng {line}: không đọc được ngày ban hành \"{text}\" / row {line}: unreadable document date \"{text}\" ({e})"));
                    None
                }
            }
        };
        // A document named in one text is summarised by that text.
        let summary = if summary.is_empty() && !rest.trim().is_empty() {
            canonical(number_text)
        } else {
            summary.to_owned()
        };
        let index = self.documents.len();
        self.documents.push(LegacyDocument {
            row: line,
            kind: document_kind(&number, &summary),
            number,
            date,
            summary,
        });
        self.by_key.entry(key).or_insert(index);
        self.current = Some(index);
    }

    fn read_task(
        &mut self,
        row: usize,
        content: String,
        lead_shown: String,
        coordinators_shown: String,
    ) {
        let line = row + 1;
        if content.is_empty() {
            self.problem(row, "missing_content", format!("dòng {line}: có cơ quan chủ trì, thời hạn hoặc tình trạng nhưng không có nội dung nhiệm vụ, dòng bị bỏ qua / row {line}: no task content, row skipped"));
            return;
        }
        if lead_shown.is_empty() {
            self.problem(row, "missing_lead", format!("dòng {line}: nhiệm vụ không có cơ quan chủ trì / row {line}: task without a lead agency"));
        }
        if self.current.is_none() {
            self.problem(row, "orphan_task", format!("dòng {line}: nhiệm vụ không thuộc văn bản nào (chưa có dòng văn bản phía trên) / row {line}: task with no document above it"));
        }
        let (deadline_text, parsed) = read_deadline(self.cell(row, DEADLINE));
        let deadline = match parsed {
            Ok(d) => d,
            Err(e) => {
                self.problem(row, "unreadable_deadline", format!("dòng {line}: không hiểu thời hạn \"{deadline_text}\", nhiệm vụ được nhập không có thời hạn / row {line}: unreadable deadline \"{deadline_text}\", task imported without one ({e})"));
                None
            }
        };
        let status_text = self.text(row, STATUS);
        let (status, done) = read_status(&status_text);
        self.tasks.push(LegacyTask {
            row: line,
            document_index: self.current,
            content,
            lead: if lead_shown.is_empty() {
                String::new()
            } else {
                agency_name(&lead_shown)
            },
            lead_shown,
            coordinators: split_agencies(&coordinators_shown)
                .iter()
                .map(|a| agency_name(a))
                .collect(),
            coordinators_shown,
            deadline_text,
            deadline,
            status_text,
            status,
            done,
            note: self.text(row, NOTE),
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::legacy::testing::{samples, tcvn3};
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet};

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn codes(import: &TaskListImport) -> Vec<(usize, &'static str)> {
        import.problems.iter().map(|p| (p.row, p.code)).collect()
    }

    fn json_date(v: &serde_json::Value) -> Option<NaiveDate> {
        v.as_str()
            .map(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap())
    }

    #[test]
    fn the_tien_giang_sample_reads_as_expected() {
        let bytes = std::fs::read(samples().join("nhiem-vu_ubnd-tinh_2017.xlsx")).unwrap();
        let expected: serde_json::Value = serde_json::from_slice(
            &std::fs::read(samples().join("nhiem-vu_ubnd-tinh_2017.expected.json")).unwrap(),
        )
        .unwrap();
        let import = read(&bytes).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(expected["kind"], "directive_task_list");
        assert_eq!(import.sheet, "Nhiệm vụ");
        assert_eq!(import.year.map(i64::from), expected["year"].as_i64());
        assert_eq!(import.issuer.as_deref(), Some("TỈNH TIỀN GIANG"));
        assert_eq!(Some(import.layout.code()), expected["layout"].as_str());

        // Documents: number, date, summary.
        let documents = expected["documents"].as_array().unwrap();
        assert_eq!(import.documents.len(), documents.len());
        for (doc, want) in import.documents.iter().zip(documents) {
            assert_eq!(doc.number, want["number"].as_str().unwrap());
            assert_eq!(doc.date, json_date(&want["date"]), "{}", doc.number);
            assert_eq!(doc.summary, want["summary"].as_str().unwrap());
        }
        assert_eq!(import.documents[0].row, 7);
        let kinds: Vec<_> = import
            .documents
            .iter()
            .map(|d| d.kind.map(DocumentKind::code))
            .collect();
        assert_eq!(
            kinds[..7],
            [
                Some("directive"),
                Some("directive"),
                Some("conclusion_notice"),
                Some("conclusion_notice"),
                Some("conclusion_notice"),
                Some("official_letter"),
                Some("decision"),
            ]
        );

        // Tasks, field by field.
        let tasks = expected["task_list"].as_array().unwrap();
        assert_eq!(import.tasks.len(), tasks.len());
        for (task, want) in import.tasks.iter().zip(tasks) {
            let at = format!("row {}", task.row);
            let doc = &import.documents[task.document_index.unwrap()];
            assert_eq!(doc.number, want["doc"].as_str().unwrap(), "{at}");
            assert_eq!(task.content, want["content"].as_str().unwrap(), "{at}");
            assert_eq!(
                task.lead_shown,
                want["lead_shown"].as_str().unwrap(),
                "{at}"
            );
            assert_eq!(task.lead, want["lead"].as_str().unwrap(), "{at}");
            assert_eq!(
                task.coordinators_shown,
                want["coordinating_shown"].as_str().unwrap(),
                "{at}"
            );
            let coordinators: Vec<&str> = want["coordinating"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert_eq!(task.coordinators, coordinators, "{at}");
            assert_eq!(
                task.deadline.and_then(Deadline::date),
                json_date(&want["deadline"]),
                "{at}: {}",
                task.deadline_text
            );
            assert_eq!(
                task.status_text,
                want["status_shown"].as_str().unwrap(),
                "{at}"
            );
            assert_eq!(
                task.status.map(TaskStatus::code),
                want["status"].as_str(),
                "{at}"
            );
            assert_eq!(
                task.done,
                Some(want["status"].as_str().unwrap().starts_with("completed")),
                "{at}"
            );
        }
        assert_eq!(import.tasks[0].row, 8);
        assert_eq!(import.tasks[0].deadline_text, "20/10/2017");
        assert_eq!(import.tasks[1].deadline_text, "Quý III năm 2017");
        let standing = import
            .tasks
            .iter()
            .filter(|t| matches!(t.deadline, Some(Deadline::Standing { .. })))
            .count();
        assert_eq!(standing, 4);

        let s = summary(&import);
        assert_eq!(Some(s.directives as u64), expected["directives"].as_u64());
        assert_eq!(Some(s.tasks as u64), expected["tasks"].as_u64());
        assert_eq!(
            Some(s.tasks_without_deadline as u64),
            expected["tasks_without_deadline"].as_u64()
        );
        let by_lead: BTreeMap<String, usize> = expected["tasks_by_lead"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), usize::try_from(v.as_u64().unwrap()).unwrap()))
            .collect();
        assert_eq!(s.tasks_by_lead, by_lead);
    }

    // -----------------------------------------------------------------
    // Variations built here
    // -----------------------------------------------------------------

    /// A cell written by the builder.
    #[derive(Clone, Debug)]
    enum C {
        T(String),
        N(f64),
        D(i32, u32, u32),
    }

    fn t(s: &str) -> C {
        C::T(s.to_owned())
    }

    /// The usual columns, keyed as in [`COLUMNS`].
    fn standard_columns() -> Vec<(&'static str, String)> {
        [
            (STT, "STT"),
            (NUMBER, "Số, ký hiệu văn bản"),
            (DATE, "Ngày ban hành"),
            (SUMMARY, "Trích yếu nội dung"),
            (CONTENT, "Nội dung nhiệm vụ"),
            (LEAD, "Cơ quan chủ trì"),
            (COORDINATORS, "Cơ quan phối hợp"),
            (DEADLINE, "Thời hạn"),
            (STATUS, "Tình hình thực hiện"),
        ]
        .into_iter()
        .map(|(k, h)| (k, h.to_owned()))
        .collect()
    }

    /// A sheet: heading lines, a blank row, the header, the rows (cells by
    /// column key), a blank row and the signature block (cells by column
    /// key).
    struct Built {
        heading: Vec<String>,
        columns: Vec<(&'static str, String)>,
        rows: Vec<Vec<(&'static str, C)>>,
        /// Data-row index ranges merged down in a column: (key, first, last).
        merges: Vec<(&'static str, usize, usize)>,
        signature: Vec<Vec<(&'static str, C)>>,
    }

    impl Built {
        fn new(rows: Vec<Vec<(&'static str, C)>>) -> Built {
            Built {
                heading: vec![
                    "UBND TỈNH TIỀN GIANG".to_owned(),
                    "DANH MỤC NHIỆM VỤ DO UBND TỈNH GIAO NĂM 2017".to_owned(),
                ],
                columns: standard_columns(),
                rows,
                merges: Vec::new(),
                signature: Vec::new(),
            }
        }

        fn header_row(&self) -> u32 {
            u32::try_from(self.heading.len()).unwrap() + 1
        }

        /// The 1-based sheet row of the i-th data row.
        fn row(&self, i: usize) -> usize {
            self.header_row() as usize + 2 + i
        }

        fn col(&self, key: &str) -> u16 {
            let i = self.columns.iter().position(|(k, _)| *k == key);
            u16::try_from(i.unwrap_or_else(|| panic!("no column {key}"))).unwrap()
        }

        fn write_cell(ws: &mut Worksheet, row: u32, col: u16, cell: &C) {
            match cell {
                C::T(s) => {
                    ws.write_string(row, col, s).unwrap();
                }
                C::N(n) => {
                    ws.write_number(row, col, *n).unwrap();
                }
                C::D(y, m, d) => {
                    let date = ExcelDateTime::from_ymd(
                        u16::try_from(*y).unwrap(),
                        u8::try_from(*m).unwrap(),
                        u8::try_from(*d).unwrap(),
                    )
                    .unwrap();
                    let format = Format::new().set_num_format("dd/mm/yyyy");
                    ws.write_datetime_with_format(row, col, &date, &format)
                        .unwrap();
                }
            }
        }

        fn bytes(&self) -> Vec<u8> {
            let mut book = Workbook::new();
            let ws = book.add_worksheet();
            for (r, line) in self.heading.iter().enumerate() {
                ws.write_string(u32::try_from(r).unwrap(), 0, line).unwrap();
            }
            let h = self.header_row();
            for (c, (_, header)) in self.columns.iter().enumerate() {
                ws.write_string(h, u16::try_from(c).unwrap(), header)
                    .unwrap();
            }
            let first = h + 1;
            let merged_below = |key: &str, i: usize| {
                self.merges
                    .iter()
                    .any(|&(k, a, b)| k == key && a < i && i <= b)
            };
            for (i, cells) in self.rows.iter().enumerate() {
                let row = first + u32::try_from(i).unwrap();
                for (key, cell) in cells {
                    if !merged_below(key, i) {
                        Self::write_cell(ws, row, self.col(key), cell);
                    }
                }
            }
            for &(key, a, b) in &self.merges {
                let text = self.rows[a]
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, c)| match c {
                        C::T(s) => s.clone(),
                        other => panic!("merge text cells only: {other:?}"),
                    })
                    .unwrap();
                let col = self.col(key);
                let (a, b) = (u32::try_from(a).unwrap(), u32::try_from(b).unwrap());
                ws.merge_range(first + a, col, first + b, col, &text, &Format::new())
                    .unwrap();
            }
            let after = first + u32::try_from(self.rows.len()).unwrap() + 1;
            for (i, cells) in self.signature.iter().enumerate() {
                let row = after + u32::try_from(i).unwrap();
                for (key, cell) in cells {
                    Self::write_cell(ws, row, self.col(key), cell);
                }
            }
            book.save_to_buffer().unwrap()
        }
    }

    fn doc_row(stt: &str, number: &str, date: C, summary: &str) -> Vec<(&'static str, C)> {
        vec![
            (STT, t(stt)),
            (NUMBER, t(number)),
            (DATE, date),
            (SUMMARY, t(summary)),
        ]
    }

    fn task_row(
        stt: f64,
        content: &str,
        lead: &str,
        deadline: C,
        status: &str,
    ) -> Vec<(&'static str, C)> {
        vec![
            (STT, C::N(stt)),
            (CONTENT, t(content)),
            (LEAD, t(lead)),
            (DEADLINE, deadline),
            (STATUS, t(status)),
        ]
    }

    /// Two directives with two tasks each, grouped.
    fn grouped() -> Built {
        Built::new(vec![
            doc_row(
                "I",
                "12/CT-UBND",
                C::D(2017, 3, 5),
                "Chỉ thị về tăng cường phòng cháy chữa cháy",
            ),
            task_row(
                1.0,
                "Kiểm tra các chợ",
                "Công an tỉnh",
                t("30/6/2017"),
                "Đã hoàn thành",
            ),
            task_row(
                2.0,
                "Tuyên truyền",
                "Sở TTTT",
                t("Quý III/2017"),
                "Đang thực hiện",
            ),
            doc_row(
                "II",
                "45/QĐ-UBND",
                t("10/4/2017"),
                "Quyết định ban hành kế hoạch cải cách hành chính",
            ),
            task_row(
                1.0,
                "Rà soát thủ tục",
                "Sở Tư pháp",
                t("Thường xuyên"),
                "Chưa thực hiện",
            ),
            task_row(
                2.0,
                "Công bố thủ tục",
                "UBND TP. Mỹ Tho",
                C::D(2017, 9, 15),
                "Quá hạn",
            ),
        ])
    }

    fn leads(import: &TaskListImport) -> Vec<&str> {
        import.tasks.iter().map(|t| t.lead.as_str()).collect()
    }

    fn due(import: &TaskListImport) -> Vec<Option<NaiveDate>> {
        import
            .tasks
            .iter()
            .map(|t| t.deadline.and_then(Deadline::date))
            .collect()
    }

    #[test]
    fn a_built_grouped_list_reads_cleanly() {
        let built = grouped();
        let import = read(&built.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.layout, Layout::Grouped);
        assert_eq!(import.year, Some(2017));
        let numbers: Vec<_> = import.documents.iter().map(|d| d.number.as_str()).collect();
        assert_eq!(numbers, ["12/CT-UBND", "45/QĐ-UBND"]);
        assert_eq!(import.documents[0].date, Some(ymd(2017, 3, 5)));
        assert_eq!(import.documents[1].date, Some(ymd(2017, 4, 10)));
        assert_eq!(import.documents[1].row, built.row(3));
        assert_eq!(import.documents[1].kind, Some(DocumentKind::Decision));
        let docs: Vec<_> = import.tasks.iter().map(|t| t.document_index).collect();
        assert_eq!(docs, [Some(0), Some(0), Some(1), Some(1)]);
        assert_eq!(
            leads(&import),
            [
                "Công an tỉnh",
                "Sở Thông tin và Truyền thông",
                "Sở Tư pháp",
                "UBND thành phố Mỹ Tho"
            ]
        );
        assert_eq!(import.tasks[1].lead_shown, "Sở TTTT");
        assert_eq!(import.tasks[3].row, built.row(5));
        assert_eq!(import.tasks[3].deadline_text, "15/09/2017");
        let done: Vec<_> = import.tasks.iter().map(|t| t.done).collect();
        assert_eq!(done, [Some(true), Some(false), Some(false), Some(false)]);
    }

    #[test]
    fn the_flat_layout_names_the_document_on_each_row() {
        let flat = |stt: f64, number: &str, date: C, summary: &str, content: &str, lead: &str| {
            vec![
                (STT, C::N(stt)),
                (NUMBER, t(number)),
                (DATE, date),
                (SUMMARY, t(summary)),
                (CONTENT, t(content)),
                (LEAD, t(lead)),
                (DEADLINE, t("Tháng 12/2017")),
                (STATUS, t("Đang thực hiện")),
            ]
        };
        let directive = "Chỉ thị về tăng cường phòng cháy chữa cháy";
        let plan = "Kế hoạch chuyển đổi cơ cấu cây trồng";
        let mut rows = vec![
            flat(
                1.0,
                "12/CT-UBND",
                C::D(2017, 3, 5),
                directive,
                "Kiểm tra các chợ",
                "Công an tỉnh",
            ),
            flat(
                2.0,
                "12/CT-UBND",
                C::D(2017, 3, 5),
                directive,
                "Tuyên truyền",
                "Sở TT&TT",
            ),
            flat(
                3.0,
                "45/TB-UBND",
                t("10/4/2017"),
                "Thông báo kết luận cuộc họp",
                "Báo cáo",
                "Sở KH&ĐT",
            ),
            // Merged down over its three rows.
            flat(
                4.0,
                "7/KH-UBND",
                t("01/02/2017"),
                plan,
                "Chọn giống",
                "Sở NN&PTNT",
            ),
            vec![
                (STT, C::N(5.0)),
                (CONTENT, t("Tập huấn")),
                (LEAD, t("UBND H. Cái Bè")),
            ],
            vec![
                (STT, C::N(6.0)),
                (CONTENT, t("Tổng kết")),
                (LEAD, t("Sở Tài chính")),
            ],
            // Blank document cells: as above.
            vec![
                (STT, C::N(7.0)),
                (CONTENT, t("Khen thưởng")),
                (LEAD, t("Sở Nội vụ")),
            ],
        ];
        rows[0].push((
            COORDINATORS,
            t("Sở GTVT và Sở Xây dựng; UBND các huyện, thị xã"),
        ));
        let mut built = Built::new(rows);
        built.merges = vec![(NUMBER, 3, 5), (DATE, 3, 5), (SUMMARY, 3, 5)];
        let import = read(&built.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.layout, Layout::Flat);
        let docs: Vec<_> = import
            .documents
            .iter()
            .map(|d| (d.row, d.number.as_str(), d.date, d.summary.as_str(), d.kind))
            .collect();
        assert_eq!(
            docs,
            [
                (
                    built.row(0),
                    "12/CT-UBND",
                    Some(ymd(2017, 3, 5)),
                    directive,
                    Some(DocumentKind::Directive)
                ),
                (
                    built.row(2),
                    "45/TB-UBND",
                    Some(ymd(2017, 4, 10)),
                    "Thông báo kết luận cuộc họp",
                    Some(DocumentKind::ConclusionNotice)
                ),
                (
                    built.row(3),
                    "7/KH-UBND",
                    Some(ymd(2017, 2, 1)),
                    plan,
                    Some(DocumentKind::Plan)
                ),
            ]
        );
        let index: Vec<_> = import.tasks.iter().map(|t| t.document_index).collect();
        assert_eq!(index, [0, 0, 1, 2, 2, 2, 2].map(Some));
        assert_eq!(
            import.tasks[0].coordinators,
            [
                "Sở Giao thông vận tải",
                "Sở Xây dựng",
                "UBND các huyện, thị xã"
            ]
        );
        assert_eq!(
            leads(&import)[1..5],
            [
                "Sở Thông tin và Truyền thông",
                "Sở Kế hoạch và Đầu tư",
                "Sở Nông nghiệp và Phát triển nông thôn",
                "UBND huyện Cái Bè"
            ]
        );
        let s = summary(&import);
        assert_eq!((s.directives, s.tasks, s.tasks_without_deadline), (3, 7, 3));
    }

    #[test]
    fn header_synonyms() {
        for (lead, deadline) in [
            ("Cơ quan chủ trì", "Thời hạn"),
            ("Đơn vị chủ trì", "Thời hạn hoàn thành"),
            ("Chủ trì", "Hạn xử lý"),
        ] {
            let mut built = grouped();
            for (key, header) in &mut built.columns {
                match *key {
                    LEAD => *header = lead.to_owned(),
                    DEADLINE => *header = deadline.to_owned(),
                    _ => {}
                }
            }
            let import = read(&built.bytes()).unwrap();
            assert!(
                import.problems.is_empty(),
                "{lead} / {deadline}: {:#?}",
                import.problems
            );
            assert_eq!(leads(&import)[0], "Công an tỉnh", "{lead}");
            assert_eq!(
                due(&import),
                [
                    Some(ymd(2017, 6, 30)),
                    Some(ymd(2017, 9, 30)),
                    None,
                    Some(ymd(2017, 9, 15))
                ],
                "{deadline}"
            );
        }
    }

    #[test]
    fn columns_in_another_order_with_an_extra_column() {
        let mut built = grouped();
        built.columns = [
            (CONTENT, "Nội dung nhiệm vụ"),
            (DEADLINE, "Thời hạn"),
            ("money", "Kinh phí (triệu đồng)"),
            (LEAD, "Cơ quan chủ trì"),
            (STT, "STT"),
            (STATUS, "Kết quả"),
            (SUMMARY, "Trích yếu"),
            (COORDINATORS, "Cơ quan phối hợp"),
            (NUMBER, "Số, ký hiệu văn bản"),
            (DATE, "Ngày ban hành"),
        ]
        .into_iter()
        .map(|(k, h)| (k, h.to_owned()))
        .collect();
        for row in &mut built.rows {
            row.push(("money", C::N(150.0)));
        }
        built.rows[2].push((COORDINATORS, t("Sở Y tế, VP UBND tỉnh")));
        let import = read(&built.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.documents.len(), 2);
        assert_eq!(
            import.documents[0].summary,
            "Chỉ thị về tăng cường phòng cháy chữa cháy"
        );
        assert_eq!(import.tasks.len(), 4);
        assert_eq!(import.tasks[2].content, "Rà soát thủ tục");
        assert_eq!(
            import.tasks[1].coordinators,
            ["Sở Y tế", "Văn phòng UBND tỉnh"]
        );
        assert_eq!(import.tasks[3].status, Some(TaskStatus::Overdue));
        assert_eq!(leads(&import)[2], "Sở Tư pháp");
    }

    #[test]
    fn deadlines_as_written() {
        let deadlines = [
            C::D(2017, 11, 15),
            t("Trước ngày 15/10/2017"),
            t("Tháng 12/2017"),
            t("Quý IV năm 2017"),
            t("Thường xuyên"),
            t("sớm nhất có thể"),
            t(""),
        ];
        let mut rows = vec![doc_row("I", "3/CT-UBND", C::D(2017, 1, 3), "Chỉ thị")];
        for (i, d) in deadlines.iter().enumerate() {
            rows.push(task_row(i as f64 + 1.0, "Việc", "Sở Nội vụ", d.clone(), ""));
        }
        let built = Built::new(rows);
        let import = read(&built.bytes()).unwrap();
        let deadlines: Vec<_> = import.tasks.iter().map(|t| t.deadline).collect();
        assert_eq!(
            deadlines,
            [
                Some(Deadline::Date(ymd(2017, 11, 15))),
                Some(Deadline::Date(ymd(2017, 10, 15))),
                Some(Deadline::Date(ymd(2017, 12, 31))),
                Some(Deadline::Date(ymd(2017, 12, 31))),
                Some(Deadline::Standing { cycle: None }),
                None,
                None,
            ]
        );
        let texts: Vec<_> = import
            .tasks
            .iter()
            .map(|t| t.deadline_text.as_str())
            .collect();
        assert_eq!(texts[0], "15/11/2017");
        assert_eq!(texts[5], "sớm nhất có thể");
        assert_eq!(texts[6], "");
        assert_eq!(codes(&import), [(built.row(6), "unreadable_deadline")]);
        assert!(import.problems[0].message.contains("sớm nhất có thể"));
        assert_eq!(summary(&import).tasks_without_deadline, 3);
        assert!(import
            .tasks
            .iter()
            .all(|t| t.status.is_none() && t.done.is_none()));
    }

    #[test]
    fn the_title_and_signature_block_are_not_rows() {
        let mut built = grouped();
        built.heading = vec![
            "UBND TỈNH PHÚ THỌ".to_owned(),
            "VĂN PHÒNG".to_owned(),
            String::new(),
            "DANH MỤC NHIỆM VỤ DO UBND TỈNH, CHỦ TỊCH UBND TỈNH GIAO NĂM 2019".to_owned(),
            "(Kèm theo Báo cáo số 15/BC-VP ngày 30/12/2019 của Văn phòng UBND tỉnh)".to_owned(),
        ];
        built.signature = vec![
            vec![(LEAD, t("Phú Thọ, ngày 30 tháng 12 năm 2019"))],
            vec![(STT, t("Nơi nhận:")), (LEAD, t("KT. CHÁNH VĂN PHÒNG"))],
            vec![(STT, t("- Như trên;")), (LEAD, t("PHÓ CHÁNH VĂN PHÒNG"))],
            vec![(STT, t("- Lưu: VT.")), (CONTENT, t("(Đã ký)"))],
            vec![(LEAD, t("Nguyễn Văn An"))],
        ];
        let import = read(&built.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.year, Some(2019));
        assert_eq!(import.issuer.as_deref(), Some("TỈNH PHÚ THỌ"));
        assert_eq!(import.documents.len(), 2);
        assert_eq!(import.tasks.len(), 4);
        assert_eq!(import.tasks[3].content, "Công bố thủ tục");
    }

    #[test]
    fn a_sheet_typed_in_tcvn3_is_repaired() {
        let mut built = grouped();
        built.heading = built.heading.iter().map(|h| tcvn3(h)).collect();
        for (_, header) in &mut built.columns {
            *header = tcvn3(header);
        }
        for row in &mut built.rows {
            for (_, cell) in row.iter_mut() {
                if let C::T(s) = cell {
                    *s = tcvn3(s);
                }
            }
        }
        assert_ne!(tcvn3("Công an tỉnh"), "Công an tỉnh");
        let import = read(&built.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.year, Some(2017));
        assert_eq!(
            import.documents[0].summary,
            "Chỉ thị về tăng cường phòng cháy chữa cháy"
        );
        assert_eq!(import.tasks[0].content, "Kiểm tra các chợ");
        assert_eq!(
            leads(&import)[..3],
            ["Công an tỉnh", "Sở Thông tin và Truyền thông", "Sở Tư pháp"]
        );
        assert_eq!(import.tasks[0].status, Some(TaskStatus::CompletedOnTime));
        assert_eq!(
            import.tasks[2].deadline,
            Some(Deadline::Standing { cycle: None })
        );
    }

    #[test]
    fn no_task_table_is_an_error() {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.write_string(0, 0, "STT").unwrap();
        ws.write_string(0, 1, "Tên xã").unwrap();
        ws.write_string(0, 2, "Ghi chú").unwrap();
        ws.write_number(1, 0, 1).unwrap();
        ws.write_string(1, 1, "Xã Mỹ Lung").unwrap();
        let err = read(&book.save_to_buffer().unwrap()).unwrap_err();
        assert_eq!(err, ImportError::TableNotFound);
        assert_eq!(err.code(), "table_not_found");
        assert!(!err.message_vi().is_empty());
        let err = read(b"%PDF-1.4").unwrap_err();
        assert_eq!(err.code(), "not_a_spreadsheet");
    }

    #[test]
    fn problems_are_reported_by_row() {
        let built = Built::new(vec![
            // Before any document.
            task_row(1.0, "Việc mồ côi", "Sở Nội vụ", t("30/6/2017"), ""),
            // A section heading.
            vec![(STT, t("A")), (CONTENT, t("CÁC CHỈ THỊ"))],
            doc_row("I", "12/CT-UBND", t("32/13/2017"), "Chỉ thị"),
            // No lead.
            vec![(STT, C::N(1.0)), (CONTENT, t("Việc không có chủ trì"))],
            // No content.
            task_row(2.0, "", "Sở Y tế", t("Quý II/2017"), "Đang thực hiện"),
            // Only an STT: a template row.
            vec![(STT, C::N(3.0))],
            task_row(4.0, "Việc tốt", "Sở Y tế", t("Quý II/2017"), "Xong"),
        ]);
        let import = read(&built.bytes()).unwrap();
        assert_eq!(
            codes(&import),
            [
                (built.row(0), "orphan_task"),
                (built.row(2), "unreadable_date"),
                (built.row(3), "missing_lead"),
                (built.row(4), "missing_content"),
            ]
        );
        assert_eq!(import.layout, Layout::Grouped);
        assert_eq!(import.documents.len(), 1);
        assert_eq!(import.documents[0].date, None);
        let tasks: Vec<_> = import
            .tasks
            .iter()
            .map(|t| (t.row, t.document_index, t.content.as_str(), t.lead.as_str()))
            .collect();
        assert_eq!(
            tasks,
            [
                (built.row(0), None, "Việc mồ côi", "Sở Nội vụ"),
                (built.row(3), Some(0), "Việc không có chủ trì", ""),
                (built.row(6), Some(0), "Việc tốt", "Sở Y tế"),
            ]
        );
        assert_eq!(import.tasks[2].done, Some(true));
        let s = summary(&import);
        assert_eq!(s.tasks, 3);
        assert_eq!(s.tasks_by_lead.values().sum::<usize>(), 2);
    }

    #[test]
    fn documents_named_in_one_text() {
        let mut built = Built::new(vec![
            vec![
                (STT, t("I")),
                (
                    CONTENT,
                    t("Chỉ thị số 12/CT-UBND ngày 05/3/2017 của Chủ tịch UBND tỉnh về phòng cháy"),
                ),
            ],
            task_row(1.0, "Kiểm tra các chợ", "Công an tỉnh", t("30/6/2017"), ""),
            vec![
                (STT, t("II")),
                (
                    CONTENT,
                    t("Thông báo kết luận tại cuộc họp ngày 7/4/2017 (số 45/TB-UBND)"),
                ),
            ],
            task_row(1.0, "Báo cáo", "Sở Tài chính", t("Tháng 5/2017"), ""),
        ]);
        built.columns = [
            (STT, "TT"),
            (CONTENT, "Nội dung"),
            (LEAD, "Chủ trì"),
            (DEADLINE, "Thời hạn"),
            (STATUS, "Kết quả"),
        ]
        .into_iter()
        .map(|(k, h)| (k, h.to_owned()))
        .collect();
        let import = read(&built.bytes()).unwrap();
        assert!(import.problems.is_empty(), "{:#?}", import.problems);
        assert_eq!(import.layout, Layout::Grouped);
        let docs: Vec<_> = import
            .documents
            .iter()
            .map(|d| (d.number.as_str(), d.date, d.kind))
            .collect();
        assert_eq!(
            docs,
            [
                (
                    "12/CT-UBND",
                    Some(ymd(2017, 3, 5)),
                    Some(DocumentKind::Directive)
                ),
                ("45/TB-UBND", None, Some(DocumentKind::ConclusionNotice)),
            ]
        );
        assert!(import.documents[0]
            .summary
            .starts_with("Chỉ thị số 12/CT-UBND"));
        let index: Vec<_> = import.tasks.iter().map(|t| t.document_index).collect();
        assert_eq!(index, [Some(0), Some(1)]);
    }

    #[test]
    fn agency_names_in_full() {
        for (written, full) in [
            ("Sở GD&ĐT", "Sở Giáo dục và Đào tạo"),
            ("Sở GDĐT", "Sở Giáo dục và Đào tạo"),
            ("sở giáo dục và đào tạo", "Sở Giáo dục và Đào tạo"),
            ("Sở LĐ-TB&XH", "Sở Lao động - Thương binh và Xã hội"),
            ("Sở TC", "Sở Tài chính"),
            ("Sở CT", "Sở Công Thương"),
            ("GTVT", "Sở Giao thông vận tải"),
            ("VP UBND tỉnh", "Văn phòng UBND tỉnh"),
            ("UBND H. Chợ Gạo", "UBND huyện Chợ Gạo"),
            ("UBND huyện Cái Bè", "UBND huyện Cái Bè"),
            ("Ủy ban nhân dân TX. Cai Lậy", "UBND thị xã Cai Lậy"),
            ("UBND tỉnh", "UBND tỉnh"),
            (
                "Ban Quản lý các khu công nghiệp",
                "Ban Quản lý các khu công nghiệp",
            ),
            ("  Sở Y tế. ", "Sở Y tế"),
        ] {
            assert_eq!(agency_name(written), full, "{written}");
        }
    }

    #[test]
    fn coordinators_split() {
        assert_eq!(
            split_agencies("Sở Giáo dục và Đào tạo, Sở Lao động - Thương binh và Xã hội"),
            [
                "Sở Giáo dục và Đào tạo",
                "Sở Lao động - Thương binh và Xã hội"
            ]
        );
        assert_eq!(
            split_agencies("Sở Y tế và UBND các huyện, thị xã, thành phố;\n- Công an tỉnh."),
            [
                "Sở Y tế",
                "UBND các huyện, thị xã, thành phố",
                "Công an tỉnh"
            ]
        );
        assert_eq!(
            split_agencies("Sở Tài chính\nSở Nội vụ"),
            ["Sở Tài chính", "Sở Nội vụ"]
        );
        assert!(split_agencies("  ").is_empty());
    }

    #[test]
    fn statuses() {
        for (text, status, done) in [
            ("Hoàn thành", Some(TaskStatus::CompletedOnTime), Some(true)),
            (
                "Đã hoàn thành",
                Some(TaskStatus::CompletedOnTime),
                Some(true),
            ),
            ("Xong", Some(TaskStatus::CompletedOnTime), Some(true)),
            (
                "Hoàn thành trễ hạn",
                Some(TaskStatus::CompletedLate),
                Some(true),
            ),
            ("Đang thực hiện", Some(TaskStatus::InProgress), Some(false)),
            ("Chưa hoàn thành", Some(TaskStatus::InProgress), Some(false)),
            (
                "Chưa hoàn thành, quá hạn",
                Some(TaskStatus::Overdue),
                Some(false),
            ),
            ("Quá hạn", Some(TaskStatus::Overdue), Some(false)),
            ("Chưa thực hiện", Some(TaskStatus::NotStarted), Some(false)),
            ("Đã báo cáo tại văn bản số 12/BC-SNV", None, None),
            ("", None, None),
        ] {
            assert_eq!(read_status(text), (status, done), "{text}");
        }
    }

    #[test]
    fn document_numbers_and_kinds() {
        assert_eq!(
            find_number("Số 3142/CT-UBND ngày 22/5/2017").map(|p| p.0),
            Some("3142/CT-UBND")
        );
        assert_eq!(find_number("ngày 22/5/2017"), None);
        for (number, kind) in [
            ("3142/CT-UBND", Some(DocumentKind::Directive)),
            ("3784/TB-UBND", Some(DocumentKind::ConclusionNotice)),
            ("3625/UBND-KT", Some(DocumentKind::OfficialLetter)),
            ("15/CV-UBND", Some(DocumentKind::OfficialLetter)),
            ("8866/QĐ-UBND", Some(DocumentKind::Decision)),
            ("12/KH-UBND", Some(DocumentKind::Plan)),
            ("5/BC-UBND", None),
        ] {
            assert_eq!(document_kind(number, ""), kind, "{number}");
        }
        assert_eq!(document_kind("", "Kế hoạch số …"), Some(DocumentKind::Plan));
    }
}
