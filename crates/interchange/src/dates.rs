//! Dates and deadlines from report cells: Excel serial numbers and the
//! ways deadlines are written in Vietnamese directives.
//!
//! # Accepted text (case and diacritics do not matter)
//!
//! | text | deadline |
//! |---|---|
//! | `15/11/2017`, `15-11-2017`, `15.11.2017`, `2017-11-15`, `ngày 15 tháng 11 năm 2017` | that day |
//! | `Trước ngày 15/10/2017`, `Hạn: 30/6/2017`, `chậm nhất 15/10/2017` | that day (the surrounding words are ignored; with several dates, e.g. a range, the last one) |
//! | `Tháng 12/2017`, `tháng 12 năm 2017`, `12/2017` | last day of the month |
//! | `Quý IV/2017`, `Quý 4/2017`, `Quý IV năm 2017` | last day of the quarter |
//! | `6 tháng đầu năm 2017` (any 1–12), `6 tháng cuối năm 2017` | 30/06/2017; 31/12/2017 |
//! | `Năm 2017`, `cuối năm 2017`, `trong năm 2017` | 31/12/2017 |
//! | `Thường xuyên`, `thường xuyên, hàng tháng`, `hằng quý`, `định kỳ 6 tháng` | standing task, with its cycle when stated |
//!
//! Days come before months (`11/15/2017` is an error, never swapped).
//! Two-digit years are read as 2000–2069 (`00`–`69`) or 1970–1999.
//! A text with a standing-task phrase is a standing task even if it also
//! names a date (`Trước ngày 25 hàng tháng`). `Đầu năm 2017` / `giữa năm
//! 2017` name no deadline and are errors.

use chrono::{Datelike, Duration, NaiveDate};
use domain::text::fold;

/// How often a standing task recurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cycle {
    /// *Hàng ngày*.
    Daily,
    /// *Hàng tuần*.
    Weekly,
    /// *Hàng tháng*.
    Monthly,
    /// *Hàng quý*.
    Quarterly,
    /// *Định kỳ 6 tháng*, *nửa năm*.
    HalfYearly,
    /// *Hàng năm*.
    Yearly,
}

/// A deadline read from a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deadline {
    /// Due on (by the end of) this day.
    Date(NaiveDate),
    /// A standing task (*thường xuyên*) with no final deadline, recurring
    /// with `cycle` when the text states one.
    Standing {
        /// The recurrence, if stated.
        cycle: Option<Cycle>,
    },
}

impl Deadline {
    /// The due date, if the deadline has one.
    pub fn date(self) -> Option<NaiveDate> {
        match self {
            Deadline::Date(d) => Some(d),
            Deadline::Standing { .. } => None,
        }
    }
}

/// A cell that could not be read as a date or deadline. Messages are in
/// Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Nothing in the text looks like a date or deadline.
    #[error("không hiểu thời hạn \"{0}\" / unrecognised date or deadline \"{0}\"")]
    Unrecognised(String),
    /// The text names a day, month or quarter that does not exist
    /// (`31/02/2017`, `Quý 5/2017`).
    #[error("ngày không tồn tại trong \"{0}\" / no such date in \"{0}\"")]
    NoSuchDate(String),
    /// The text names a period without a definite end (`đầu năm 2017`).
    #[error("thời hạn không rõ ràng \"{0}\" / vague deadline \"{0}\"")]
    Vague(String),
    /// An Excel serial number outside 1..=2958465 (31/12/9999), or 60,
    /// Excel's non-existent 29/02/1900.
    #[error("số ngày Excel {0} không hợp lệ / invalid Excel date serial {0}")]
    BadSerial(String),
}

/// The date of an Excel serial number in the 1900 date system (time of day
/// ignored). Excel counts 1900 as a leap year: serial 60 is its
/// non-existent 29/02/1900 and is rejected; serials 1–59 are 01/01/1900 to
/// 28/02/1900 and 61 onwards is 01/03/1900 onwards (43054 = 15/11/2017).
///
/// # Errors
/// [`DateError::BadSerial`] for NaN, values below 1, 60, and values after
/// 31/12/9999.
pub fn from_excel_serial(serial: f64) -> Result<NaiveDate, DateError> {
    let bad = || DateError::BadSerial(serial.to_string());
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return Err(bad());
    }
    // In range, so the cast is exact.
    let days = serial.floor() as i64;
    let epoch = match days {
        60 => return Err(bad()),
        ..60 => NaiveDate::from_ymd_opt(1899, 12, 31),
        _ => NaiveDate::from_ymd_opt(1899, 12, 30),
    }
    .ok_or_else(bad)?;
    epoch
        .checked_add_signed(Duration::days(days))
        .ok_or_else(bad)
}

fn last_day_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    let (y, m) = if month == 12 {
        (year.checked_add(1)?, 1)
    } else {
        (year, month.checked_add(1)?)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    /// A run of digits: its value (saturated) and length.
    Num(u32, usize),
    Sep(char),
}

fn tokenize(folded: &str) -> Vec<Tok<'_>> {
    let mut toks = Vec::new();
    let mut chars = folded.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_ascii_alphabetic() {
            let mut end = start + 1;
            while let Some(&(i, c)) = chars.peek() {
                if !c.is_ascii_alphabetic() {
                    break;
                }
                end = i + 1;
                chars.next();
            }
            toks.push(Tok::Word(&folded[start..end]));
        } else if c.is_ascii_digit() {
            let mut end = start + 1;
            while let Some(&(i, c)) = chars.peek() {
                if !c.is_ascii_digit() {
                    break;
                }
                end = i + 1;
                chars.next();
            }
            let digits = &folded[start..end];
            let value = digits.parse::<u32>().unwrap_or(u32::MAX);
            toks.push(Tok::Num(value, digits.len()));
        } else if !c.is_whitespace() {
            toks.push(Tok::Sep(c));
        }
    }
    toks
}

fn word_at(toks: &[Tok<'_>], i: usize, w: &str) -> bool {
    matches!(toks.get(i), Some(Tok::Word(x)) if *x == w)
}

fn num_at(toks: &[Tok<'_>], i: usize, max_len: usize) -> Option<u32> {
    match toks.get(i) {
        Some(&Tok::Num(v, len)) if len <= max_len => Some(v),
        _ => None,
    }
}

fn year_at(toks: &[Tok<'_>], i: usize) -> Option<i32> {
    match toks.get(i) {
        Some(&Tok::Num(v, 4)) => i32::try_from(v).ok(),
        _ => None,
    }
}

fn sep_at(toks: &[Tok<'_>], i: usize) -> Option<char> {
    match toks.get(i) {
        Some(&Tok::Sep(c)) if matches!(c, '/' | '-' | '.') => Some(c),
        _ => None,
    }
}

/// A separator between a period and its year: `/`, `-`, `.` or `năm`.
/// Returns the number of tokens it takes.
fn year_link_at(toks: &[Tok<'_>], i: usize) -> Option<usize> {
    if sep_at(toks, i).is_some() || word_at(toks, i, "nam") {
        Some(1)
    } else {
        None
    }
}

fn two_digit_year(yy: u32) -> i32 {
    let yy = i32::try_from(yy).unwrap_or(0);
    if yy < 70 {
        2000 + yy
    } else {
        1900 + yy
    }
}

type Found = Option<(i32, u32, u32)>;

/// `d/m/yyyy`, `d-m-yyyy`, `d.m.yyyy`, `d/m/yy`, `yyyy-mm-dd`,
/// `ngày d tháng m năm yyyy`, at token `i`: (year, month, day).
fn full_date_at(toks: &[Tok<'_>], i: usize) -> Found {
    // Day first.
    if let (Some(d), Some(s1), Some(m), Some(s2)) = (
        num_at(toks, i, 2),
        sep_at(toks, i + 1),
        num_at(toks, i + 2, 2),
        sep_at(toks, i + 3),
    ) {
        if s1 == s2 {
            if let Some(y) = year_at(toks, i + 4) {
                return Some((y, m, d));
            }
            if let Some(&Tok::Num(yy, 2)) = toks.get(i + 4) {
                return Some((two_digit_year(yy), m, d));
            }
        }
    }
    // ISO order.
    if let (Some(y), Some(s1), Some(m), Some(s2), Some(d)) = (
        year_at(toks, i),
        sep_at(toks, i + 1),
        num_at(toks, i + 2, 2),
        sep_at(toks, i + 3),
        num_at(toks, i + 4, 2),
    ) {
        if s1 == s2 {
            return Some((y, m, d));
        }
    }
    // ngày d tháng m năm yyyy
    if word_at(toks, i, "ngay") && word_at(toks, i + 2, "thang") && word_at(toks, i + 4, "nam") {
        if let (Some(d), Some(m), Some(y)) = (
            num_at(toks, i + 1, 2),
            num_at(toks, i + 3, 2),
            year_at(toks, i + 5),
        ) {
            return Some((y, m, d));
        }
    }
    None
}

/// `tháng m/yyyy`, `tháng m năm yyyy`, or a bare `m/yyyy`: (year, month).
fn month_at(toks: &[Tok<'_>], i: usize) -> Option<(i32, u32)> {
    let start = if word_at(toks, i, "thang") { i + 1 } else { i };
    let m = num_at(toks, start, 2)?;
    let link = year_link_at(toks, start + 1)?;
    if start == i && !matches!(toks.get(start + 1), Some(Tok::Sep('/' | '-' | '.'))) {
        return None;
    }
    let y = year_at(toks, start + 1 + link)?;
    // A bare m/yyyy must not be the tail of a d/m/yyyy date.
    if start == i && i > 0 && sep_at(toks, i - 1).is_some() {
        return None;
    }
    Some((y, m))
}

/// `quý IV/2017`, `quý 4/2017`, `quý IV năm 2017`: (year, quarter).
fn quarter_at(toks: &[Tok<'_>], i: usize) -> Option<(i32, u32)> {
    if !word_at(toks, i, "quy") {
        return None;
    }
    let q = match toks.get(i + 1)? {
        Tok::Word("i") => 1,
        Tok::Word("ii") => 2,
        Tok::Word("iii") => 3,
        Tok::Word("iv") => 4,
        &Tok::Num(n, 1) => n,
        _ => return None,
    };
    let link = year_link_at(toks, i + 2)?;
    let y = year_at(toks, i + 2 + link)?;
    Some((y, q))
}

/// `N tháng đầu năm yyyy` → end of month N; `N tháng cuối năm yyyy` and
/// `nửa cuối năm` → end of year; `nửa đầu năm yyyy` → end of June.
fn months_of_year_at(toks: &[Tok<'_>], i: usize) -> Option<(i32, u32)> {
    let (n, next) = if let Some(n) = num_at(toks, i, 2) {
        if !word_at(toks, i + 1, "thang") {
            return None;
        }
        (n, i + 2)
    } else if word_at(toks, i, "nua") {
        (6, i + 1)
    } else {
        return None;
    };
    let first = if word_at(toks, next, "dau") {
        true
    } else if word_at(toks, next, "cuoi") {
        false
    } else {
        return None;
    };
    if !word_at(toks, next + 1, "nam") {
        return None;
    }
    let y = year_at(toks, next + 2)?;
    Some((y, if first { n } else { 12 }))
}

/// `năm yyyy` (also `cuối năm`, `trong năm`); `Err` for `đầu/giữa năm`.
fn year_only_at(toks: &[Tok<'_>], i: usize) -> Option<Result<i32, ()>> {
    if !word_at(toks, i, "nam") {
        return None;
    }
    let y = year_at(toks, i + 1)?;
    let vague = i > 0 && (word_at(toks, i - 1, "dau") || word_at(toks, i - 1, "giua"));
    Some(if vague { Err(()) } else { Ok(y) })
}

const PERIODS: [(&str, Cycle); 5] = [
    ("ngay", Cycle::Daily),
    ("tuan", Cycle::Weekly),
    ("thang", Cycle::Monthly),
    ("quy", Cycle::Quarterly),
    ("nam", Cycle::Yearly),
];

/// Standing-task phrases: `None` if there is none, else the cycle if
/// stated.
fn standing(toks: &[Tok<'_>]) -> Option<Option<Cycle>> {
    let mut standing = false;
    let mut cycle = None;
    for i in 0..toks.len() {
        if (word_at(toks, i, "thuong") && word_at(toks, i + 1, "xuyen"))
            || (word_at(toks, i, "lien") && word_at(toks, i + 1, "tuc"))
        {
            standing = true;
        }
        let marker = ["hang", "moi"].iter().any(|w| word_at(toks, i, w));
        if marker {
            if let Some(&(_, c)) = PERIODS.iter().find(|(w, _)| word_at(toks, i + 1, w)) {
                standing = true;
                cycle = cycle.or(Some(c));
            }
            if word_at(toks, i + 1, "nua") && word_at(toks, i + 2, "nam") {
                standing = true;
                cycle = cycle.or(Some(Cycle::HalfYearly));
            }
        }
        if word_at(toks, i, "dinh") && word_at(toks, i + 1, "ky") {
            standing = true;
            let after = i + 2;
            let c = if let Some(&(_, c)) = PERIODS.iter().find(|(w, _)| word_at(toks, after, w)) {
                Some(c)
            } else if word_at(toks, after, "hang") || word_at(toks, after, "moi") {
                PERIODS
                    .iter()
                    .find(|(w, _)| word_at(toks, after + 1, w))
                    .map(|&(_, c)| c)
            } else if num_at(toks, after, 2) == Some(6) && word_at(toks, after + 1, "thang") {
                Some(Cycle::HalfYearly)
            } else if num_at(toks, after, 2) == Some(3) && word_at(toks, after + 1, "thang") {
                Some(Cycle::Quarterly)
            } else {
                None
            };
            cycle = cycle.or(c);
        }
    }
    standing.then_some(cycle)
}

/// Reads a deadline from a cell's text; see the [module table](self).
/// `Ok(None)` for an empty cell or a dash.
///
/// # Errors
/// [`DateError::Unrecognised`] when no date or deadline is found,
/// [`DateError::NoSuchDate`] for impossible dates (`31/02/2017`),
/// [`DateError::Vague`] for *đầu năm* / *giữa năm*.
pub fn parse_deadline(text: &str) -> Result<Option<Deadline>, DateError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().all(|c| matches!(c, '-' | '–' | '—')) {
        return Ok(None);
    }
    let folded = fold(trimmed);
    let toks = tokenize(&folded);
    let no_such = || DateError::NoSuchDate(trimmed.to_owned());

    if let Some(cycle) = standing(&toks) {
        return Ok(Some(Deadline::Standing { cycle }));
    }

    let date = |d: Option<NaiveDate>| d.map(|d| Some(Deadline::Date(d))).ok_or_else(no_such);

    if let Some((y, m, d)) = (0..toks.len()).rev().find_map(|i| full_date_at(&toks, i)) {
        return date(NaiveDate::from_ymd_opt(y, m, d));
    }
    if let Some((y, m)) = (0..toks.len())
        .rev()
        .find_map(|i| months_of_year_at(&toks, i))
    {
        if !(1..=12).contains(&m) {
            return Err(no_such());
        }
        return date(last_day_of_month(y, m));
    }
    if let Some((y, q)) = (0..toks.len()).rev().find_map(|i| quarter_at(&toks, i)) {
        if !(1..=4).contains(&q) {
            return Err(no_such());
        }
        return date(last_day_of_month(y, q * 3));
    }
    if let Some((y, m)) = (0..toks.len()).rev().find_map(|i| month_at(&toks, i)) {
        return date(last_day_of_month(y, m).filter(|_| (1..=12).contains(&m)));
    }
    if let Some(found) = (0..toks.len()).rev().find_map(|i| year_only_at(&toks, i)) {
        return match found {
            Ok(y) => date(NaiveDate::from_ymd_opt(y, 12, 31)),
            Err(()) => Err(DateError::Vague(trimmed.to_owned())),
        };
    }
    Err(DateError::Unrecognised(trimmed.to_owned()))
}

/// Reads a plain date (no periods, no standing tasks) from a cell's text,
/// e.g. a signing date: `15/11/2017`, `2017-11-15`, `ngày 15 tháng 11 năm
/// 2017`. `Ok(None)` for an empty cell.
///
/// # Errors
/// As [`parse_deadline`]; a period (`Quý IV/2017`) or a standing task is
/// [`DateError::Unrecognised`] here.
pub fn parse_date(text: &str) -> Result<Option<NaiveDate>, DateError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Ok(None);
    }
    let folded = fold(trimmed);
    let toks = tokenize(&folded);
    match (0..toks.len()).rev().find_map(|i| full_date_at(&toks, i)) {
        Some((y, m, d)) => NaiveDate::from_ymd_opt(y, m, d)
            .map(Some)
            .ok_or_else(|| DateError::NoSuchDate(trimmed.to_owned())),
        None => Err(DateError::Unrecognised(trimmed.to_owned())),
    }
}

/// The last day of the quarter containing `date` (useful for reports).
pub fn end_of_quarter(date: NaiveDate) -> NaiveDate {
    let q_end_month = date.month().div_ceil(3) * 3;
    last_day_of_month(date.year(), q_end_month).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn on(y: i32, m: u32, d: u32) -> Result<Option<Deadline>, DateError> {
        Ok(Some(Deadline::Date(ymd(y, m, d))))
    }

    fn standing(cycle: Option<Cycle>) -> Result<Option<Deadline>, DateError> {
        Ok(Some(Deadline::Standing { cycle }))
    }

    #[test]
    fn deadlines() {
        let cases = [
            // Dates.
            ("15/11/2017", on(2017, 11, 15)),
            ("15-11-2017", on(2017, 11, 15)),
            ("15.11.2017", on(2017, 11, 15)),
            ("2017-11-15", on(2017, 11, 15)),
            ("5/1/2018", on(2018, 1, 5)),
            ("05/01/2018", on(2018, 1, 5)),
            ("15/11/17", on(2017, 11, 15)),
            ("31/12/99", on(1999, 12, 31)),
            ("Ngày 15 tháng 11 năm 2017", on(2017, 11, 15)),
            ("ngày 5 tháng 9 năm 2018", on(2018, 9, 5)),
            ("Trước ngày 15/10/2017", on(2017, 10, 15)),
            ("trước ngày 15/10/2017", on(2017, 10, 15)),
            ("Hạn: 30/6/2017", on(2017, 6, 30)),
            ("Chậm nhất ngày 20/12/2017", on(2017, 12, 20)),
            ("Từ 01/10/2017 đến 15/11/2017", on(2017, 11, 15)),
            ("  15/11/2017  ", on(2017, 11, 15)),
            ("29/02/2016", on(2016, 2, 29)),
            // Months.
            ("Tháng 12/2017", on(2017, 12, 31)),
            ("tháng 12 năm 2017", on(2017, 12, 31)),
            ("Tháng 2/2016", on(2016, 2, 29)),
            ("Tháng 2/2017", on(2017, 2, 28)),
            ("THÁNG 6 NĂM 2017", on(2017, 6, 30)),
            ("Trong tháng 9/2017", on(2017, 9, 30)),
            ("11/2017", on(2017, 11, 30)),
            ("Tháng 11-2017", on(2017, 11, 30)),
            // Quarters.
            ("Quý IV/2017", on(2017, 12, 31)),
            ("Quý 4/2017", on(2017, 12, 31)),
            ("Quý IV năm 2017", on(2017, 12, 31)),
            ("quý I/2018", on(2018, 3, 31)),
            ("Quý II năm 2018", on(2018, 6, 30)),
            ("Quý III/2018", on(2018, 9, 30)),
            ("Trong Quý 3 - 2018", on(2018, 9, 30)),
            // Parts of a year.
            ("6 tháng đầu năm 2017", on(2017, 6, 30)),
            ("9 tháng đầu năm 2017", on(2017, 9, 30)),
            ("6 tháng cuối năm 2017", on(2017, 12, 31)),
            ("Nửa đầu năm 2018", on(2018, 6, 30)),
            // Years.
            ("Năm 2017", on(2017, 12, 31)),
            ("cuối năm 2017", on(2017, 12, 31)),
            ("Trong năm 2018", on(2018, 12, 31)),
            ("Hoàn thành trong năm 2019", on(2019, 12, 31)),
            // Standing tasks.
            ("Thường xuyên", standing(None)),
            ("thường xuyên", standing(None)),
            ("THƯỜNG XUYÊN", standing(None)),
            ("thường xuyên, hàng tháng", standing(Some(Cycle::Monthly))),
            (
                "Thường xuyên; báo cáo hằng quý",
                standing(Some(Cycle::Quarterly)),
            ),
            ("Hàng năm", standing(Some(Cycle::Yearly))),
            ("Hằng tuần", standing(Some(Cycle::Weekly))),
            ("hàng ngày", standing(Some(Cycle::Daily))),
            ("Định kỳ 6 tháng", standing(Some(Cycle::HalfYearly))),
            ("Định kỳ hàng quý", standing(Some(Cycle::Quarterly))),
            ("Trước ngày 25 hàng tháng", standing(Some(Cycle::Monthly))),
            ("Liên tục", standing(None)),
            ("Mỗi tháng một lần", standing(Some(Cycle::Monthly))),
            (
                "Thường xuyên, tổng hợp báo cáo trước 15/12/2017",
                standing(None),
            ),
            // Empty.
            ("", Ok(None)),
            ("   ", Ok(None)),
            ("-", Ok(None)),
            ("—", Ok(None)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_deadline(text), expected, "{text:?}");
        }
    }

    #[test]
    fn errors() {
        let unrecognised = [
            "Sớm",
            "Khi có yêu cầu",
            "2017",
            "6 tháng đầu năm",
            "Quý IV",
            "15/11",
            "abc",
            "183/BC-PDT",
        ];
        for text in unrecognised {
            assert_eq!(
                parse_deadline(text),
                Err(DateError::Unrecognised(text.to_owned())),
                "{text:?}"
            );
        }
        let no_such = [
            "31/02/2017",
            "29/02/2017",
            "11/15/2017",
            "32/1/2017",
            "Quý 5/2017",
            "Tháng 13/2017",
            "13 tháng đầu năm 2017",
            "0/1/2017",
        ];
        for text in no_such {
            assert_eq!(
                parse_deadline(text),
                Err(DateError::NoSuchDate(text.to_owned())),
                "{text:?}"
            );
        }
        for text in ["Đầu năm 2017", "giữa năm 2018"] {
            assert_eq!(parse_deadline(text), Err(DateError::Vague(text.to_owned())));
        }
        let message = parse_deadline("Sớm").unwrap_err().to_string();
        assert_eq!(
            message,
            "không hiểu thời hạn \"Sớm\" / unrecognised date or deadline \"Sớm\""
        );
    }

    #[test]
    fn excel_serials() {
        let cases = [
            (1.0, ymd(1900, 1, 1)),
            (59.0, ymd(1900, 2, 28)),
            (61.0, ymd(1900, 3, 1)),
            (25569.0, ymd(1970, 1, 1)),
            (36526.0, ymd(2000, 1, 1)),
            (43054.0, ymd(2017, 11, 15)),
            (43054.75, ymd(2017, 11, 15)),
            (43100.0, ymd(2017, 12, 31)),
            (2_958_465.0, ymd(9999, 12, 31)),
        ];
        for (serial, date) in cases {
            assert_eq!(from_excel_serial(serial), Ok(date), "{serial}");
        }
        for bad in [
            0.0,
            0.5,
            -1.0,
            60.0,
            60.5,
            2_958_466.0,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert!(from_excel_serial(bad).is_err(), "{bad}");
        }
        assert_eq!(
            from_excel_serial(60.0).unwrap_err().to_string(),
            "số ngày Excel 60 không hợp lệ / invalid Excel date serial 60"
        );
    }

    #[test]
    fn plain_dates() {
        assert_eq!(parse_date("15/11/2017"), Ok(Some(ymd(2017, 11, 15))));
        assert_eq!(parse_date("ngày 15/12/2013"), Ok(Some(ymd(2013, 12, 15))));
        assert_eq!(parse_date(""), Ok(None));
        assert!(parse_date("Quý IV/2017").is_err());
        assert!(parse_date("31/02/2017").is_err());
    }

    #[test]
    fn quarter_ends() {
        assert_eq!(end_of_quarter(ymd(2017, 11, 15)), ymd(2017, 12, 31));
        assert_eq!(end_of_quarter(ymd(2017, 1, 1)), ymd(2017, 3, 31));
        assert_eq!(end_of_quarter(ymd(2017, 6, 30)), ymd(2017, 6, 30));
        assert_eq!(
            Deadline::Date(ymd(2017, 1, 1)).date(),
            Some(ymd(2017, 1, 1))
        );
        assert_eq!(Deadline::Standing { cycle: None }.date(), None);
    }
}
