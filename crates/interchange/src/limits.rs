//! What a workbook may hold before it is read: hostile files are refused
//! with [`WorkbookError::TooLarge`] instead of taking the process's memory.
//!
//! calamine builds a sheet as one block of the size of the rectangle its
//! cells span (`Range::from_sparse`): two cells at `A1` and `XFD1048576`
//! ask for half a terabyte, which aborts the process (a failed allocation
//! is not a panic that can be caught). It also reserves what a file
//! declares (the count of shared strings, an `.xls` sheet's dimensions),
//! and inflates the parts of an `.xlsx` package whatever their size. So,
//! before calamine sees the bytes:
//!
//! * the file is at most [`MAX_FILE_BYTES`];
//! * an `.xlsx` package's parts declare at most [`MAX_UNPACKED_BYTES`]
//!   inflated in all, each part at most [`MAX_RATIO`] times its compressed
//!   size once over [`RATIO_FROM_BYTES`] (a zip bomb), and the shared
//!   strings declare at most [`MAX_CELLS`] strings;
//! * an `.xls` file's sheets are walked record by record as calamine walks
//!   them: the rectangle each spans, the cells in it and the dimensions it
//!   declares stay within [`MAX_CELLS`] over the whole workbook.
//!
//! The sizes an `.xlsx` package declares are what it can inflate to: the
//! `zip` reader (which calamine reads the package with, from version 9.0.1)
//! fails a part's read as soon as it inflates past the size the central
//! directory declares, and reads no more of its compressed bytes than
//! declared. So the parts need not be inflated to be checked: a part that
//! lies about its size is cut at that size, and the file is refused as
//! damaged. Only the start of the shared strings is inflated, for their
//! count.
//!
//! While an `.xlsx` sheet is read, its cells are counted and the rectangle
//! they span is checked against [`MAX_CELLS`] before the block is made
//! ([`CellBudget`]).

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::Event;
use zip::ZipArchive;

use crate::table::{Limit, WorkbookError};
use crate::xlsx_merges::{attr, xml_reader};

/// Largest file read: 64 MiB.
pub const MAX_FILE_BYTES: usize = 64 << 20;

/// Largest total of an `.xlsx` package's parts once inflated: 256 MiB.
pub const MAX_UNPACKED_BYTES: u64 = 256 << 20;

/// Largest ratio of a part's inflated to compressed size, for parts over
/// [`RATIO_FROM_BYTES`] inflated (worksheets compress about 10:1; deflate
/// cannot do better than about 1,000:1, which zip bombs reach).
pub const MAX_RATIO: u64 = 200;

/// Parts up to this size inflated are not held to [`MAX_RATIO`]: 1 MiB.
pub const RATIO_FROM_BYTES: u64 = 1 << 20;

/// Most cells in a workbook, counted as the rectangles its sheets span
/// (100,000 rows of 40 columns).
pub const MAX_CELLS: u64 = 4_000_000;

fn too_large(limit: Limit) -> WorkbookError {
    WorkbookError::TooLarge(limit)
}

/// Checks a file before calamine opens it. Damage is left to calamine to
/// report: only what is over a limit is refused here.
pub(crate) fn check(bytes: &[u8], zip: bool) -> Result<(), WorkbookError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(too_large(Limit::FileSize));
    }
    if zip {
        check_package(bytes)
    } else {
        check_xls(bytes)
    }
}

// ---------------------------------------------------------------------------
// .xlsx
// ---------------------------------------------------------------------------

fn check_package(bytes: &[u8]) -> Result<(), WorkbookError> {
    let Ok(mut zip) = ZipArchive::new(Cursor::new(bytes)) else {
        return Ok(());
    };
    let mut left = MAX_UNPACKED_BYTES;
    for i in 0..zip.len() {
        // A part whose header cannot be read cannot be read by calamine
        // either: damage, for calamine to report.
        let Ok(part) = zip.by_index_raw(i) else {
            continue;
        };
        let declared = part.size();
        if declared > left {
            return Err(too_large(Limit::Unpacked));
        }
        if declared > RATIO_FROM_BYTES && declared / part.compressed_size().max(1) >= MAX_RATIO {
            return Err(too_large(Limit::Ratio));
        }
        left -= declared;
        let shared_strings = part
            .name()
            .is_ok_and(|n| n.to_ascii_lowercase().ends_with("sharedstrings.xml"));
        drop(part);
        if shared_strings {
            if let Ok(mut part) = zip.by_index(i) {
                check_shared_strings(&mut part)?;
            }
        }
    }
    Ok(())
}

/// The count of strings `<sst uniqueCount="…">` declares, which calamine
/// reserves room for.
fn check_shared_strings(part: &mut impl Read) -> Result<(), WorkbookError> {
    let mut xml = xml_reader(BufReader::new(part));
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                if e.local_name().as_ref() != "sst" {
                    return Ok(());
                }
                let declared = attr(&e, "uniqueCount")
                    .flatten()
                    .and_then(|n| n.parse::<u64>().ok());
                return match declared {
                    Some(n) if n > MAX_CELLS => Err(too_large(Limit::Cells)),
                    _ => Ok(()),
                };
            }
            Ok(Event::Eof) | Err(_) => return Ok(()),
            Ok(_) => buf.clear(),
        }
    }
}

/// Counts the cells of a sheet as they are read, and the rectangle they
/// span, against [`MAX_CELLS`] for the whole workbook.
#[derive(Debug)]
pub(crate) struct CellBudget {
    left: u64,
    cells: u64,
    first: (u32, u32),
    last: (u32, u32),
}

impl CellBudget {
    pub(crate) fn new() -> Self {
        CellBudget {
            left: MAX_CELLS,
            cells: 0,
            first: (u32::MAX, u32::MAX),
            last: (0, 0),
        }
    }

    /// Starts the next sheet, what the sheets before it took spent.
    pub(crate) fn next_sheet(&mut self) {
        self.left = self.left.saturating_sub(self.area());
        self.cells = 0;
        self.first = (u32::MAX, u32::MAX);
        self.last = (0, 0);
    }

    /// The rectangle the cells counted so far span, or their count if more.
    fn area(&self) -> u64 {
        if self.cells == 0 {
            return 0;
        }
        let rows = u64::from(self.last.0 - self.first.0) + 1;
        let cols = u64::from(self.last.1 - self.first.1) + 1;
        rows.saturating_mul(cols).max(self.cells)
    }

    /// Counts a cell at `(row, col)`.
    pub(crate) fn add(&mut self, (row, col): (u32, u32)) -> Result<(), WorkbookError> {
        self.cells += 1;
        self.first = (self.first.0.min(row), self.first.1.min(col));
        self.last = (self.last.0.max(row), self.last.1.max(col));
        if self.area() > self.left {
            Err(too_large(Limit::Cells))
        } else {
            Ok(())
        }
    }

    /// Counts what an `.xls` sheet's dimensions record makes calamine
    /// reserve.
    fn reserve(&self, cells: u64) -> Result<(), WorkbookError> {
        if cells > self.left {
            Err(too_large(Limit::Cells))
        } else {
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------
// .xls
// ---------------------------------------------------------------------------

fn check_xls(bytes: &[u8]) -> Result<(), WorkbookError> {
    let Ok(mut file) = cfb::CompoundFile::open(Cursor::new(bytes)) else {
        return Ok(());
    };
    let Ok(stream) = file
        .open_stream("/Workbook")
        .or_else(|_| file.open_stream("/Book"))
    else {
        return Ok(());
    };
    let mut workbook = Vec::new();
    let read = (stream.take(MAX_FILE_BYTES as u64 + 1)).read_to_end(&mut workbook);
    if read.is_err() {
        return Ok(());
    }
    if workbook.len() > MAX_FILE_BYTES {
        return Err(too_large(Limit::FileSize));
    }
    let sheets: Vec<usize> = records(&workbook)
        .take_while(|(typ, _)| *typ != EOF)
        .filter(|(typ, data)| *typ == BOUND_SHEET && data.len() >= 4)
        .filter_map(|(_, data)| Some(u32::from_le_bytes(data.get(..4)?.try_into().ok()?) as usize))
        .collect();
    let mut budget = CellBudget::new();
    for at in sheets {
        check_xls_sheet(workbook.get(at..).unwrap_or_default(), &mut budget)?;
        budget.next_sheet();
    }
    Ok(())
}

const EOF: u16 = 0x000A;
const BOF: u16 = 0x0809;
const BOUND_SHEET: u16 = 0x0085;
const DIMENSIONS: u16 = 0x0200;
const MUL_RK: u16 = 0x00BD;
const CONTINUE: u16 = 0x003C;
/// Records of one cell, row and column first, that calamine keeps:
/// number, label, rich string, boolean or error, RK, label from the
/// shared strings, formula.
const CELLS: [u16; 7] = [0x0203, 0x0204, 0x00D6, 0x0205, 0x027E, 0x00FD, 0x0006];

/// The records of a BIFF stream as calamine iterates them (continuation
/// records skipped), up to the first that does not fit.
fn records(mut stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let (typ, data, rest) = record(stream)?;
        stream = rest;
        while let Some((CONTINUE, _, rest)) = record(stream) {
            stream = rest;
        }
        Some((typ, data))
    })
}

fn record(stream: &[u8]) -> Option<(u16, &[u8], &[u8])> {
    let typ = u16_at(stream, 0)?;
    let len = usize::from(u16_at(stream, 2)?);
    let data = stream.get(4..4 + len)?;
    Some((typ, data, &stream[4 + len..]))
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

/// One sheet from its first record, as calamine reads it: nested
/// substreams (embedded charts) skipped, up to its end-of-file record.
fn check_xls_sheet(stream: &[u8], budget: &mut CellBudget) -> Result<(), WorkbookError> {
    let mut seen_bof = false;
    let mut depth = 0usize;
    for (typ, data) in records(stream) {
        if depth > 0 {
            match typ {
                BOF => depth += 1,
                EOF => depth -= 1,
                _ => (),
            }
            continue;
        }
        match typ {
            BOF if seen_bof => depth += 1,
            BOF => seen_bof = true,
            EOF => break,
            DIMENSIONS => budget.reserve(dimensions(data))?,
            MUL_RK => {
                if let (Some(row), Some(first)) = (u16_at(data, 0), u16_at(data, 2)) {
                    let count = data.len().saturating_sub(6) / 6;
                    let last = usize::from(first) + count.max(1) - 1;
                    budget.add((u32::from(row), u32::from(first)))?;
                    budget.add((u32::from(row), u32::try_from(last).unwrap_or(u32::MAX)))?;
                }
            }
            t if CELLS.contains(&t) => {
                if let (Some(row), Some(col)) = (u16_at(data, 0), u16_at(data, 2)) {
                    budget.add((u32::from(row), u32::from(col)))?;
                }
            }
            _ => (),
        }
    }
    Ok(())
}

/// The cells calamine reserves for a dimensions record, with its
/// arithmetic (which wraps on rows last before rows first).
fn dimensions(data: &[u8]) -> u64 {
    let (first_row, last_row, mut first_col, last_col) = match data.len() {
        10 => (
            u16_at(data, 0).map(u32::from),
            u16_at(data, 2).map(u32::from),
            u16_at(data, 4).map(u32::from),
            u16_at(data, 6).map(u32::from),
        ),
        14 | 16 => (
            u32_at(data, 0),
            u32_at(data, 4),
            u16_at(data, 8).map(u32::from),
            u16_at(data, 10).map(u32::from),
        ),
        _ => return 0,
    };
    let (Some(rf), Some(rl), Some(cf), Some(cl)) =
        (first_row, last_row, first_col.as_mut(), last_col)
    else {
        return 0;
    };
    if 0xFF < *cf || cl < *cf {
        *cf = 0;
    }
    if rl == 0 || cl == 0 {
        return 1;
    }
    let rows = (rl - 1).wrapping_sub(rf).wrapping_add(1);
    let cols = (cl - 1).wrapping_sub(*cf).wrapping_add(1);
    u64::from(rows).saturating_mul(u64::from(cols))
}
