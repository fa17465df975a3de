//! Hostile input for the importers and the text parsers, as property tests
//! on the stable toolchain: arbitrary bytes and damaged samples (bit flips,
//! cuts, spliced bytes) into every reader of `.xls`/`.xlsx` files,
//! arbitrary cell grids into header detection, arbitrary text into the
//! TCVN3/VNI repair and the number and date parsers. None may panic; each
//! answers a value or a typed error.
//!
//! `FUZZ_CASES` sets the cases per target (default 64, a few seconds in a
//! debug build; `make fuzz` runs many more in a release build). The
//! limits on hostile workbooks (`interchange::limits`) are checked with
//! files built here.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Read, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use interchange::table::{open_workbook, CellValue, Limit, Merge, Sheet, WorkbookError};
use interchange::{dates, encoding, legacy_ntm, legacy_p135, legacy_tasks, limits, numbers};
use proptest::prelude::*;
use proptest::sample::Index;

fn cases() -> u32 {
    std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

const SAMPLES: [&str; 4] = [
    "nhiem-vu_ubnd-tinh_2017.xlsx",
    "ntm_krong-buk_2022.xlsx",
    "p135_tan-son_2014.xlsx",
    "p135_yen-lap_2013_tcvn3.xls",
];

fn sample(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/samples")
        .join(name);
    std::fs::read(path).expect("sample under data/samples")
}

const CODES: [&str; 7] = [
    "not_a_spreadsheet",
    "corrupt",
    "empty",
    "too_large",
    "table_not_found",
    "criteria_not_found",
    "unknown",
];

/// Every reader of a file, through its public entry point: an answer, or
/// an error with a known code and a message in both languages.
fn read_everything(bytes: &[u8]) -> Result<(), TestCaseError> {
    let codes = [
        legacy_ntm::read(bytes)
            .err()
            .map(|e| (e.code(), e.to_string())),
        legacy_p135::read(bytes)
            .err()
            .map(|e| (e.code(), e.to_string())),
        legacy_tasks::read(bytes)
            .err()
            .map(|e| (e.code(), e.to_string())),
    ];
    for (code, message) in codes.into_iter().flatten() {
        prop_assert!(CODES.contains(&code), "code {code}");
        prop_assert!(message.contains(" / "), "{message}");
    }
    Ok(())
}

/// A damaged copy of a sample.
#[derive(Debug, Clone)]
enum Damage {
    /// Bits flipped at some places.
    Flip(Vec<(Index, u8)>),
    /// Cut at some length.
    Cut(Index),
    /// Bytes put in at some place (the rest shifted).
    Splice(Index, Vec<u8>),
    /// A stretch copied over another place of the file.
    Copy(Index, Index, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        prop::collection::vec((any::<Index>(), 1u8..), 1..8).prop_map(Damage::Flip),
        any::<Index>().prop_map(Damage::Cut),
        (any::<Index>(), prop::collection::vec(any::<u8>(), 1..64))
            .prop_map(|(at, bytes)| Damage::Splice(at, bytes)),
        (any::<Index>(), any::<Index>(), 1usize..512)
            .prop_map(|(from, to, len)| Damage::Copy(from, to, len)),
    ]
}

fn damaged(mut bytes: Vec<u8>, damage: &Damage) -> Vec<u8> {
    let n = bytes.len();
    match damage {
        Damage::Flip(flips) => {
            for (at, bits) in flips {
                bytes[at.index(n)] ^= bits;
            }
        }
        Damage::Cut(at) => bytes.truncate(at.index(n)),
        Damage::Splice(at, spliced) => {
            let at = at.index(n);
            bytes.splice(at..at, spliced.iter().copied());
        }
        Damage::Copy(from, to, len) => {
            let (from, to) = (from.index(n), to.index(n));
            let len = (*len).min(n - from).min(n - to);
            bytes.copy_within(from..from + len, to);
        }
    }
    bytes
}

// ---------------------------------------------------------------------------
// Grids for header detection
// ---------------------------------------------------------------------------

fn cell() -> impl Strategy<Value = CellValue> {
    let header = prop::sample::select(
        legacy_ntm::COLUMNS
            .iter()
            .chain(legacy_p135::COLUMNS)
            .chain(legacy_tasks::COLUMNS)
            .flat_map(|c| c.names.iter().copied())
            .collect::<Vec<_>>(),
    );
    prop_oneof![
        2 => Just(CellValue::Empty),
        3 => header.prop_map(|h| CellValue::Text(h.to_owned())),
        2 => "\\PC{0,12}".prop_map(CellValue::Text),
        1 => "(Tổng cộng|TỔNG|Cộng|[0-9]{1,3}|[IVX]{1,3}|[a-d]\\))".prop_map(CellValue::Text),
        2 => any::<f64>().prop_map(CellValue::Number),
        1 => (0.0..80_000.0f64).prop_map(CellValue::Date),
        1 => any::<bool>().prop_map(CellValue::Bool),
    ]
}

fn sheet() -> impl Strategy<Value = Sheet> {
    (1usize..12, 1usize..30)
        .prop_flat_map(|(cols, rows)| {
            (
                prop::collection::vec(prop::collection::vec(cell(), cols), rows),
                prop::collection::vec((0..rows + 2, 0..cols + 2, 0usize..4, 0usize..4), 0..6),
            )
        })
        .prop_map(|(cells, merges)| {
            let merged = merges
                .into_iter()
                .map(|(r, c, h, w)| Merge {
                    first_row: r,
                    first_col: c,
                    last_row: r + h,
                    last_col: c + w,
                })
                .collect();
            Sheet::new("Sheet1", cells, merged)
        })
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary bytes, bare or behind a spreadsheet's signature.
    #[test]
    fn arbitrary_bytes_are_refused(
        signature in prop_oneof![
            Just(&b""[..]),
            Just(&b"PK\x03\x04"[..]),
            Just(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..]),
        ],
        tail in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut bytes = signature.to_vec();
        bytes.extend(tail);
        prop_assert!(open_workbook(&bytes).is_err());
        read_everything(&bytes)?;
    }

    /// The samples damaged: any answer, never a panic.
    #[test]
    fn damaged_samples_are_read_or_refused(which in 0..SAMPLES.len(), damage in damage()) {
        let bytes = damaged(sample(SAMPLES[which]), &damage);
        read_everything(&bytes)?;
    }

    /// Two samples spliced: the head of one, the tail of another.
    #[test]
    fn spliced_samples_are_read_or_refused(
        a in 0..SAMPLES.len(),
        b in 0..SAMPLES.len(),
        cut_a in any::<Index>(),
        cut_b in any::<Index>(),
    ) {
        let (a, b) = (sample(SAMPLES[a]), sample(SAMPLES[b]));
        let mut bytes = a[..cut_a.index(a.len())].to_vec();
        bytes.extend_from_slice(&b[cut_b.index(b.len())..]);
        read_everything(&bytes)?;
    }

    /// Header detection and the readers over arbitrary grids: a table
    /// found lies inside its sheet.
    #[test]
    fn arbitrary_grids_into_header_detection(sheets in prop::collection::vec(sheet(), 1..3)) {
        for columns in [legacy_ntm::COLUMNS, legacy_p135::COLUMNS, legacy_tasks::COLUMNS] {
            if let Some(found) = interchange::table::find_table(&sheets, columns) {
                let sheet = &sheets[found.sheet];
                prop_assert!(found.header_rows.0 <= found.header_rows.1);
                prop_assert!(found.header_rows.1 < sheet.end_row());
                prop_assert!(found.columns.values().all(|&c| c < sheet.end_col()));
            }
        }
        let _ = legacy_ntm::read_sheets(&sheets);
        let _ = legacy_p135::read_sheets(&sheets);
        let _ = legacy_tasks::read_sheets(&sheets);
    }

    /// Repair of arbitrary text: no panic, and what it gives is left as is.
    #[test]
    fn repair_is_idempotent(text in "\\PC{0,40}") {
        let once = encoding::repair(&text).into_owned();
        prop_assert_eq!(encoding::repair(&once), once.as_str());
        for as_encoding in [encoding::Encoding::Tcvn3, encoding::Encoding::Vni] {
            let _ = encoding::repair_as(&text, as_encoding);
            let _ = encoding::repair_with_hint(&text, as_encoding);
        }
        let _ = encoding::decode_tcvn3_upper(&text);
    }

    /// Vietnamese text in Unicode is left as it is.
    #[test]
    fn unicode_vietnamese_is_untouched(
        words in prop::collection::vec(
            prop::sample::select(vec![
                "Ủy", "ban", "nhân", "dân", "tỉnh", "Phú", "Thọ", "huyện", "Yên", "Lập",
                "xã", "Mỹ", "Lung", "thôn", "bản", "đường", "giao", "thông", "nông", "thôn",
                "mới", "Chương", "trình", "135", "kế", "hoạch", "vốn", "đầu", "tư", "phát",
                "triển", "sự", "nghiệp", "Tổng", "cộng", "Ghi", "chú", "Quyết", "định",
            ]),
            1..10,
        ),
    ) {
        let text = words.join(" ");
        prop_assert_eq!(encoding::repair(&text), text.as_str());
    }

    /// Numbers: arbitrary text never panics; a number formatted the
    /// Vietnamese way reads back.
    #[test]
    fn numbers(text in "\\PC{0,24}", typed in "[-+(]?[0-9.,]{0,18}[)%]?", n in any::<i64>()) {
        for t in [&text, &typed] {
            let _ = numbers::parse_number(t);
            let _ = numbers::parse_amount(t, domain::money::AmountUnit::TrieuDong);
        }
        let shown = domain::money::format_dong(n);
        prop_assert_eq!(
            numbers::parse_amount(&shown, domain::money::AmountUnit::Dong),
            Ok(Some(n))
        );
    }

    /// Dates: arbitrary text and serials never panic; a date written
    /// dd/mm/yyyy reads back.
    #[test]
    fn dates(
        text in "\\PC{0,24}",
        typed in "(ngày |Quý |tháng |trước |)[0-9]{1,4}[/.\\-]?[0-9]{0,4}[/.\\-]?[0-9]{0,5}",
        serial in any::<f64>(),
        day in 0i32..80_000,
    ) {
        for t in [&text, &typed] {
            let _ = dates::parse_date(t);
            let _ = dates::parse_deadline(t);
        }
        let _ = dates::from_excel_serial(serial);
        let date = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap() + chrono::Days::new(day as u64);
        prop_assert_eq!(dates::parse_date(&date.format("%d/%m/%Y").to_string()), Ok(Some(date)));
    }
}

// ---------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------

/// Opens `bytes`, which must be refused as over `limit`, quickly.
fn refused(bytes: &[u8], limit: Limit) {
    let started = Instant::now();
    let result = open_workbook(bytes);
    assert_eq!(result.map(|s| s.len()), Err(WorkbookError::TooLarge(limit)));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let shown = WorkbookError::TooLarge(limit).to_string();
    let (vi, en) = shown.split_once(" / ").unwrap();
    assert!(!vi.is_ascii() && en.is_ascii(), "{shown}");
}

/// A workbook with one sheet holding `cells`.
fn workbook(cells: &[(u32, u16, &str)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for &(row, col, text) in cells {
        sheet.write_string(row, col, text).unwrap();
    }
    book.save_to_buffer().unwrap()
}

/// The package `bytes` with parts replaced or added, deflated.
fn with_parts(bytes: &[u8], parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut from = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut to = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..from.len() {
        let mut part = from.by_index(i).unwrap();
        let name = part.name().unwrap().into_owned();
        if parts.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let mut data = Vec::new();
        part.read_to_end(&mut data).unwrap();
        to.start_file(name, options).unwrap();
        to.write_all(&data).unwrap();
    }
    for (name, data) in parts {
        to.start_file(*name, options).unwrap();
        to.write_all(data).unwrap();
    }
    to.finish().unwrap().into_inner()
}

/// Regression: two cells at `A1` and `XFD1048576` made the reader ask for
/// 512 GiB at once and abort the process.
#[test]
fn a_sheet_spanning_the_whole_grid_is_refused() {
    refused(
        &workbook(&[(0, 0, "STT"), (1_048_575, 16_383, "z")]),
        Limit::Cells,
    );
    // A long thin sheet too, and many sheets together.
    refused(&workbook(&[(0, 0, "a"), (1_048_575, 3, "z")]), Limit::Cells);
}

#[test]
fn a_declared_dimension_alone_allocates_nothing() {
    let sheet = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
        <dimension ref=\"A1:XFD1048576\"/><sheetData><row r=\"1\">\
        <c r=\"A1\" t=\"inlineStr\"><is><t>STT</t></is></c></row></sheetData></worksheet>";
    let bytes = with_parts(
        &workbook(&[(0, 0, "x")]),
        &[("xl/worksheets/sheet1.xml", sheet.as_bytes())],
    );
    let sheets = open_workbook(&bytes).unwrap();
    assert_eq!(sheets[0].text(0, 0), "STT");
    assert_eq!((sheets[0].end_row(), sheets[0].end_col()), (1, 1));
}

#[test]
fn a_zip_bomb_is_refused() {
    // 64 MiB of one byte deflates about 1,000 to 1.
    let mut sheet = b"<worksheet><sheetData>".to_vec();
    sheet.resize(64 << 20, b' ');
    let bytes = with_parts(
        &workbook(&[(0, 0, "x")]),
        &[("xl/worksheets/sheet1.xml", &sheet)],
    );
    assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
    refused(&bytes, Limit::Ratio);
}

/// `bytes` with the uncompressed size of the part `name` set to `size`
/// in its local header and in the central directory (a package built
/// here: 32-bit sizes, one entry of that name).
fn declaring(mut bytes: Vec<u8>, name: &str, size: u32) -> Vec<u8> {
    for (signature, size_at, name_len_at, name_at) in
        [(b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)]
    {
        let at = (0..bytes.len() - name_at)
            .find(|&at| {
                let len = usize::from(u16::from_le_bytes([
                    bytes[at + name_len_at],
                    bytes[at + name_len_at + 1],
                ]));
                bytes[at..].starts_with(signature)
                    && bytes[at + name_at..].get(..len) == Some(name.as_bytes())
            })
            .unwrap();
        bytes[at + size_at..at + size_at + 4].copy_from_slice(&size.to_le_bytes());
    }
    bytes
}

#[test]
fn a_zip_bomb_declaring_a_small_size_is_cut_at_that_size() {
    // The sheet of `a_zip_bomb_is_refused`, declared as 4 KiB: its ratio
    // looks harmless, so it is not refused before it is read; the reader
    // stops at the declared size, and the file is damaged.
    let mut sheet = b"<worksheet><sheetData>".to_vec();
    sheet.resize(64 << 20, b' ');
    let part = "xl/worksheets/sheet1.xml";
    let bytes = declaring(
        with_parts(&workbook(&[(0, 0, "x")]), &[(part, &sheet)]),
        part,
        4096,
    );
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
    let mut inflated = Vec::new();
    let read = zip.by_name(part).unwrap().read_to_end(&mut inflated);
    assert!(read.is_err());
    assert!(inflated.len() <= 4097, "{} bytes", inflated.len());
    let started = Instant::now();
    let result = open_workbook(&bytes).map(|s| s.len());
    assert!(
        matches!(result, Err(WorkbookError::Corrupt(_))),
        "{result:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_package_inflating_past_the_total_is_refused() {
    // Parts of 1 MiB are not held to the ratio; enough of them are to the
    // total. One part is deflated, and copied deflated under other names.
    let pad = vec![b' '; limits::RATIO_FROM_BYTES as usize];
    let one = with_parts(&workbook(&[(0, 0, "x")]), &[("xl/media/pad.xml", &pad)]);
    let mut from = zip::ZipArchive::new(Cursor::new(&one[..])).unwrap();
    let mut to = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..from.len() {
        to.raw_copy_file(from.by_index_raw(i).unwrap()).unwrap();
    }
    for i in 0..limits::MAX_UNPACKED_BYTES / limits::RATIO_FROM_BYTES {
        let part = from.by_name("xl/media/pad.xml").unwrap();
        to.raw_copy_file_rename(part, format!("xl/media/pad{i}.xml"))
            .unwrap();
    }
    let bytes = to.finish().unwrap().into_inner();
    refused(&bytes, Limit::Unpacked);
}

#[test]
fn a_huge_count_of_shared_strings_is_refused() {
    let sst = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
        <sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" \
        count=\"1\" uniqueCount=\"1000000000000\"><si><t>x</t></si></sst>";
    let bytes = with_parts(
        &workbook(&[(0, 0, "x")]),
        &[("xl/sharedStrings.xml", sst.as_bytes())],
    );
    refused(&bytes, Limit::Cells);
}

#[test]
fn a_huge_file_is_refused() {
    let mut bytes = sample("ntm_krong-buk_2022.xlsx");
    bytes.resize(limits::MAX_FILE_BYTES + 1, 0);
    refused(&bytes, Limit::FileSize);
}

/// The position of the first BIFF record of type `typ` with data of `len`
/// bytes in the sample `.xls` (its workbook stream is stored in one run).
fn xls_record(bytes: &[u8], typ: u16, len: u16) -> usize {
    let header = [typ.to_le_bytes(), len.to_le_bytes()].concat();
    bytes.windows(4).position(|w| w == header).unwrap() + 4
}

/// Regression: an `.xls` sheet whose dimensions say four billion rows made
/// the reader reserve them and abort the process.
#[test]
fn an_xls_sheet_declaring_billions_of_rows_is_refused() {
    let mut bytes = sample("p135_yen-lap_2013_tcvn3.xls");
    let at = xls_record(&bytes, 0x0200, 14);
    bytes[at + 4..at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
    refused(&bytes, Limit::Cells);
}

#[test]
fn an_xls_cell_far_away_is_refused() {
    let mut bytes = sample("p135_yen-lap_2013_tcvn3.xls");
    // A shared-string label moved to the last row and column.
    let at = xls_record(&bytes, 0x00FD, 10);
    bytes[at..at + 4].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0x00]);
    refused(&bytes, Limit::Cells);
}

#[test]
fn the_samples_are_within_the_limits() {
    for name in SAMPLES {
        assert!(open_workbook(&sample(name)).is_ok(), "{name}");
    }
}
