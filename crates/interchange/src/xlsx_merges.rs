//! The merged regions of `.xlsx` worksheets, read straight from the
//! package.
//!
//! calamine reports a sheet's merged regions (`<mergeCells>`) by parsing the
//! sheet's whole XML a second time, after its cells were read: every cell's
//! elements again, for a list that follows them (`<mergeCells>` comes after
//! `<sheetData>` in the schema's order). For a large sheet that pass cost
//! about as much as reading the cells did.
//!
//! Here the sheet's part is inflated (the `zip` crate, as calamine reads it)
//! and the cell data is skipped by a byte search for the end tag of
//! `<sheetData>`: in well-formed XML a cell's text cannot hold a raw `<`,
//! so the first `</sheetData>` closes the data. Only what follows is parsed,
//! with `quick-xml` configured as calamine configures it and read with the
//! same steps as its `merge_cells_by_sheet_name`. The part of each sheet is
//! found as calamine finds it: the package's relationships name the
//! workbook part, the workbook's relationships and `<sheet>` elements the
//! sheets' parts, and part names are looked up without regard to case.
//!
//! Whenever this reader cannot be sure it reads what calamine would (a part
//! or relationship it cannot resolve, no `</sheetData>`, a comment, CDATA
//! section or declaration before it, an XML error, a reference it does not
//! read), it answers `None` and the caller asks calamine: the same results
//! and the same errors, only slower.

use std::collections::HashMap;
use std::io::{BufReader, Cursor, Read};

use calamine::Dimensions;
use memchr::memmem;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use zip::ZipArchive;

/// How much of an inflated sheet is searched at a time.
const CHUNK: usize = 256 * 1024;

/// Bytes kept from one chunk to the next, so that a tag cut by a chunk's
/// end is still found whole (a namespace prefix longer than this gives up
/// the search: calamine reads that sheet).
const CARRY: usize = 128;

/// The package of an `.xlsx` file, with the part of each worksheet.
pub(crate) struct XlsxMerges<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    /// Entry names lower-cased with `\` as `/` → entry names (calamine's
    /// lookup of part names).
    entries: HashMap<String, String>,
    /// Sheet names and their parts, in the workbook's order.
    sheets: Vec<(String, String)>,
}

impl<'a> XlsxMerges<'a> {
    /// Opens the package and resolves its sheets' parts; `None` when any
    /// step fails.
    pub(crate) fn open(bytes: &'a [u8]) -> Option<Self> {
        let zip = ZipArchive::new(Cursor::new(bytes)).ok()?;
        let mut entries = HashMap::with_capacity(zip.len());
        for name in zip.file_names() {
            let name = name.ok()?;
            entries.insert(
                name.replace('\\', "/").to_ascii_lowercase(),
                name.into_owned(),
            );
        }
        let mut package = XlsxMerges {
            zip,
            entries,
            sheets: Vec::new(),
        };
        package.sheets = package.resolve_sheets()?;
        Some(package)
    }

    /// The merged regions of a sheet, as calamine's
    /// `merge_cells_by_sheet_name` gives them; `None` to ask calamine.
    pub(crate) fn merge_cells(&mut self, sheet: &str) -> Option<Vec<Dimensions>> {
        let (_, path) = self.sheets.iter().find(|(name, _)| name == sheet)?;
        let entry = self.entry_name(path);
        let mut file = self.zip.by_name(&entry).ok()?;
        let (mut buf, end_tag) = skip_cell_data(&mut file)?;
        buf.drain(..end_tag);
        // Start tags for the end tag found and for the worksheet's, so
        // that the reader is as deep in the document as calamine's is
        // there: to quick-xml an end tag without its start is an error.
        let open = Cursor::new(b"<worksheet><sheetData>");
        let rest = open.chain(Cursor::new(buf)).chain(file);
        let mut xml = xml_reader(BufReader::new(rest));
        let mut event = Vec::new();
        loop {
            event.clear();
            match xml.read_event_into(&mut event).ok()? {
                Event::Start(e) if e.local_name().as_ref() == "mergeCells" => {
                    return read_merge_cells(&mut xml);
                }
                Event::Eof => return Some(Vec::new()),
                _ => (),
            }
        }
    }

    fn entry_name(&self, path: &str) -> String {
        self.entries
            .get(&path.to_ascii_lowercase())
            .cloned()
            .unwrap_or_else(|| path.to_owned())
    }

    /// A small part, whole; `None` if it is missing or unreadable.
    fn part(&mut self, path: &str) -> Option<Vec<u8>> {
        let entry = self.entry_name(path);
        let mut file = self.zip.by_name(&entry).ok()?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).ok()?;
        Some(bytes)
    }

    /// The sheets' parts, as calamine resolves them when it opens the
    /// workbook.
    fn resolve_sheets(&mut self) -> Option<Vec<(String, String)>> {
        let (dir, workbook) = self.workbook_part()?;
        let rels = self.part(&format!("{dir}_rels/{workbook}.rels"))?;
        let relationships = relationships(&rels)?;
        let xml = self.part(&format!("{dir}{workbook}"))?;
        let mut reader = xml_reader(&xml[..]);
        let mut buf = Vec::new();
        let mut sheets = Vec::new();
        loop {
            buf.clear();
            match reader.read_event_into(&mut buf).ok()? {
                Event::Start(e) if e.local_name().as_ref() == "sheet" => {
                    let mut name = None;
                    let mut id = "".into();
                    for attr in e.attributes().with_checks(false) {
                        let attr = attr.ok()?;
                        let key = attr.key.as_ref();
                        if key == "name" {
                            name =
                                Some(quick_xml::escape::unescape(&attr.value).ok()?.into_owned());
                        } else if key == "id" || key.ends_with(":id") {
                            id = attr.value;
                        }
                    }
                    let (target, _) = relationships.get(id.as_ref())?;
                    let path = match target.strip_prefix('/') {
                        Some(absolute) => absolute.to_owned(),
                        None => format!("{dir}{target}"),
                    };
                    sheets.push((name.unwrap_or_default(), path));
                }
                Event::End(e) if e.local_name().as_ref() == "workbook" => return Some(sheets),
                Event::Eof => return None,
                _ => (),
            }
        }
    }

    /// The folder (with its `/`) and name of the workbook part, from the
    /// package's relationships (the last `officeDocument` one).
    fn workbook_part(&mut self) -> Option<(String, String)> {
        let rels = self.part("_rels/.rels")?;
        let mut reader = xml_reader(&rels[..]);
        let mut buf = Vec::new();
        let mut target = None;
        let mut inside = false;
        loop {
            buf.clear();
            match reader.read_event_into(&mut buf).ok()? {
                Event::Start(e) if e.local_name().as_ref() == "Relationships" => inside = true,
                Event::Start(e) if inside && e.local_name().as_ref() == "Relationship" => {
                    let (Some(kind), Some(to)) = (attr(&e, "Type")?, attr(&e, "Target")?) else {
                        continue;
                    };
                    if kind.ends_with("/relationships/officeDocument") {
                        target = Some(quick_xml::escape::unescape(&to).ok()?.into_owned());
                    }
                }
                Event::End(e) if inside && e.local_name().as_ref() == "Relationships" => break,
                Event::Eof => return None,
                _ => (),
            }
        }
        let target = target?;
        let (dir, name) = match target.rfind('/') {
            Some(i) => target.split_at(i + 1),
            None => ("", target.as_str()),
        };
        let dir = dir.strip_prefix('/').unwrap_or(dir).to_owned();
        let name = if name.is_empty() {
            "workbook.xml"
        } else {
            name
        };
        Some((dir, name.to_owned()))
    }
}

/// A reader configured as calamine configures its own.
pub(crate) fn xml_reader<R: std::io::BufRead>(source: R) -> Reader<R> {
    let mut reader = Reader::from_reader(source);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    reader
}

/// The raw value of the attribute `key` (the whole name, prefix included);
/// `None` for a malformed attribute list.
pub(crate) fn attr(e: &BytesStart<'_>, key: &str) -> Option<Option<String>> {
    for a in e.attributes().with_checks(false) {
        let a = a.ok()?;
        if a.key.as_ref() == key {
            return Some(Some(a.value.into_owned()));
        }
    }
    Some(None)
}

/// The workbook's relationships: id → (target as written, type).
fn relationships(xml: &[u8]) -> Option<HashMap<String, (String, String)>> {
    let mut reader = xml_reader(xml);
    let mut buf = Vec::new();
    let mut out = HashMap::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "Relationship" => {
                if let Some(id) = attr(&e, "Id")? {
                    let kind = attr(&e, "Type")?.unwrap_or_default();
                    let target = attr(&e, "Target")?.unwrap_or_default();
                    out.insert(id, (target, kind));
                }
            }
            Event::End(e) if e.local_name().as_ref() == "Relationships" => return Some(out),
            Event::Eof => return None,
            _ => (),
        }
    }
}

/// Reads a sheet's part up to the end tag of its `<sheetData>`: the bytes
/// held and where in them that tag starts. `None` without such a tag, or
/// with a comment, CDATA section or declaration (`<!`) before it, which a
/// byte search cannot tell from markup.
fn skip_cell_data(file: &mut impl Read) -> Option<(Vec<u8>, usize)> {
    let end_tag = memmem::Finder::new(b"sheetData>");
    let declaration = memmem::Finder::new(b"<!");
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + CARRY);
    loop {
        let kept = buf.len();
        buf.resize(kept + CHUNK, 0);
        let read = read_full(file, &mut buf[kept..]).ok()?;
        buf.truncate(kept + read);
        let found = end_tag.find_iter(&buf).find_map(|i| end_tag_start(&buf, i));
        let scanned = found.unwrap_or(buf.len());
        if declaration.find(&buf[..scanned]).is_some() {
            return None;
        }
        if let Some(at) = found {
            return Some((buf, at));
        }
        if read == 0 {
            return None;
        }
        let keep = buf.len().min(CARRY);
        buf.drain(..buf.len() - keep);
    }
}

/// Fills `buf` as far as the reader goes; the number of bytes read.
fn read_full(file: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Where the end tag whose local name `sheetData>` starts at `i` begins:
/// `</sheetData>` or `</prefix:sheetData>`.
fn end_tag_start(buf: &[u8], i: usize) -> Option<usize> {
    let before = &buf[..i];
    if before.ends_with(b"</") {
        return Some(i - 2);
    }
    let prefix = before.strip_suffix(b":")?;
    let name_start = prefix
        .iter()
        .rposition(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')))?;
    (name_start + 1 < prefix.len() && prefix[..=name_start].ends_with(b"</"))
        .then(|| name_start - 1)
}

/// The `<mergeCell ref=…>` elements up to `</mergeCells>`, as calamine reads
/// them; `None` where calamine would fail (or might).
fn read_merge_cells<R: std::io::BufRead>(xml: &mut Reader<R>) -> Option<Vec<Dimensions>> {
    let mut merges = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf).ok()? {
            Event::Start(e) if e.local_name().as_ref() == "mergeCell" => {
                if let Some(reference) = attr(&e, "ref")? {
                    merges.push(dimension(&reference)?);
                }
            }
            Event::End(e) if e.local_name().as_ref() == "mergeCells" => return Some(merges),
            Event::Eof => return None,
            _ => (),
        }
    }
}

/// A reference (`A7:A8`, or one cell `B2`) as calamine's dimensions:
/// 0-based (row, column) of its first and last cells.
fn dimension(reference: &str) -> Option<Dimensions> {
    let mut parts = reference.split(':');
    let start = cell(parts.next()?)?;
    let end = match parts.next() {
        Some(end) => cell(end)?,
        None => start,
    };
    parts.next().is_none().then_some(Dimensions { start, end })
}

/// `B12` → (11, 1); letters of either case, then digits, nothing else.
fn cell(reference: &str) -> Option<(u32, u32)> {
    let bytes = reference.as_bytes();
    let letters = bytes
        .iter()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(bytes.len());
    let (col, row) = bytes.split_at(letters);
    if col.is_empty() || row.is_empty() || !row.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut c: u32 = 0;
    for b in col {
        let digit = u32::from(b.to_ascii_uppercase() - b'A') + 1;
        c = c.checked_mul(26)?.checked_add(digit)?;
    }
    let mut r: u32 = 0;
    for b in row {
        r = r.checked_mul(10)?.checked_add(u32::from(b - b'0'))?;
    }
    Some((r.checked_sub(1)?, c - 1))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::Write;

    use super::*;
    use crate::legacy::testing::samples;
    use calamine::{open_workbook_auto_from_rs, Reader, Sheets};
    use rust_xlsxwriter::{Format, Workbook};
    use zip::write::SimpleFileOptions;
    use zip::ZipWriter;

    /// calamine's answer for every sheet of an `.xlsx` file.
    fn by_calamine(bytes: &[u8]) -> Vec<(String, Result<Vec<Dimensions>, String>)> {
        let Sheets::Xlsx(mut book) = open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap() else {
            panic!("not an .xlsx file");
        };
        book.sheet_names()
            .into_iter()
            .map(|name| {
                let merges = book
                    .merge_cells_by_sheet_name(&name)
                    .map_err(|e| e.to_string());
                (name, merges)
            })
            .collect()
    }

    /// Every sheet read here as calamine reads it: the same regions, or
    /// `None` (calamine is asked). Returns how many were read here.
    fn agrees_with_calamine(bytes: &[u8]) -> usize {
        let mut direct = XlsxMerges::open(bytes).expect("the package opens");
        let mut read = 0;
        for (name, expected) in by_calamine(bytes) {
            if let Some(merges) = direct.merge_cells(&name) {
                assert_eq!(Ok(merges), expected, "{name}");
                read += 1;
            }
        }
        read
    }

    /// A workbook of a few sheets with merged regions (one hidden, one
    /// without any) and enough rows to span several chunks.
    fn workbook() -> Vec<u8> {
        let mut book = Workbook::new();
        let fmt = Format::new();
        for (i, name) in (0u32..).zip(["Một", "Hai & ba", "Ẩn", "Trống"]) {
            let ws = book.add_worksheet();
            ws.set_name(name).unwrap();
            if name == "Trống" {
                ws.write_string(0, 0, "không gộp ô").unwrap();
                continue;
            }
            ws.merge_range(0, 0, 0, 5, "BÁO CÁO", &fmt).unwrap();
            ws.merge_range(2, 1, 3, 1, "Tên xã", &fmt).unwrap();
            for r in 4..(4 + 9000 * (i + 1)) {
                ws.write_string(r, 0, format!("Thôn {r} <sheetData>"))
                    .unwrap();
                ws.write_number(r, 1, f64::from(r)).unwrap();
            }
            let last = 4 + 9000 * (i + 1);
            ws.merge_range(last, 0, last + i, 2, "Tổng cộng", &fmt)
                .unwrap();
            ws.set_hidden(name == "Ẩn");
        }
        book.save_to_buffer().unwrap()
    }

    /// The package `bytes` with the parts `changes` names replaced.
    fn with_parts(bytes: &[u8], changes: &[(&str, &str)]) -> Vec<u8> {
        let mut zip = ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut out = ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).unwrap();
            let name = file.name().unwrap().into_owned();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            let content = match changes.iter().find(|(n, _)| *n == name) {
                Some((_, text)) => text.as_bytes().to_vec(),
                None => content,
            };
            out.start_file(name, SimpleFileOptions::default()).unwrap();
            out.write_all(&content).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    /// A one-sheet workbook whose sheet part is `sheet`.
    fn with_sheet(sheet: &str) -> Vec<u8> {
        let mut book = Workbook::new();
        book.add_worksheet().write_string(0, 0, "x").unwrap();
        with_parts(
            &book.save_to_buffer().unwrap(),
            &[("xl/worksheets/sheet1.xml", sheet)],
        )
    }

    const HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:C3"/>"#;

    #[test]
    fn reads_the_samples_as_calamine_does() {
        for name in [
            "ntm_krong-buk_2022.xlsx",
            "p135_tan-son_2014.xlsx",
            "nhiem-vu_ubnd-tinh_2017.xlsx",
        ] {
            let bytes = std::fs::read(samples().join(name)).unwrap();
            assert!(agrees_with_calamine(&bytes) > 0, "{name}");
        }
    }

    #[test]
    fn reads_generated_sheets_as_calamine_does() {
        let bytes = workbook();
        assert_eq!(agrees_with_calamine(&bytes), 4);
        let mut direct = XlsxMerges::open(&bytes).unwrap();
        let merges = direct.merge_cells("Hai & ba").unwrap();
        assert_eq!(merges.len(), 3);
        assert_eq!(merges[2].start, (18_004, 0));
        assert_eq!(merges[2].end, (18_005, 2));
        assert_eq!(direct.merge_cells("Trống"), Some(vec![]));
        assert_eq!(direct.merge_cells("Không có"), None);
    }

    #[test]
    fn prefixed_and_unusual_markup_reads_as_calamine_does() {
        let cells = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>a &lt;/sheetData&gt; b</t></is></c></row>"#;
        for sheet in [
            // A namespace prefix on every element.
            format!(
                r#"<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:sheetData>{}</x:sheetData><x:mergeCells count="1"><x:mergeCell ref="a1:c1"/></x:mergeCells></x:worksheet>"#,
                cells.replace("<row", "<x:row").replace("</row", "</x:row")
            ),
            // Elements between the cells and the merged regions; a region
            // of one cell; a mergeCell without a reference.
            format!(
                r#"{HEAD}<sheetData>{cells}</sheetData><sheetProtection sheet="1"/><autoFilter ref="A1:C1"/><mergeCells count="3"><mergeCell ref="B2"/><mergeCell/><mergeCell ref="A2:A3"></mergeCell></mergeCells><pageMargins left="0.7"/></worksheet>"#
            ),
            // No merged regions; an empty list.
            format!(r#"{HEAD}<sheetData>{cells}</sheetData></worksheet>"#),
            format!(r#"{HEAD}<sheetData>{cells}</sheetData><mergeCells/></worksheet>"#),
            // Markup a byte search would not tell apart, after the cells
            // (where the XML is parsed).
            format!(
                r#"{HEAD}<sheetData>{cells}</sheetData><!-- <mergeCells> --><mergeCells><![CDATA[x]]><mergeCell ref="A1:B1"/></mergeCells></worksheet>"#
            ),
        ] {
            assert_eq!(agrees_with_calamine(&with_sheet(&sheet)), 1, "{sheet}");
        }
        // An inverted region: calamine reports it as written (and
        // overflows on it when built with overflow checks); the table
        // drops it.
        let bytes = with_sheet(&format!(
            r#"{HEAD}<sheetData>{cells}</sheetData><mergeCells><mergeCell ref="C3:A1"/></mergeCells></worksheet>"#
        ));
        assert_eq!(
            XlsxMerges::open(&bytes).unwrap().merge_cells("Sheet1"),
            Some(vec![Dimensions {
                start: (2, 2),
                end: (0, 0)
            }])
        );
    }

    #[test]
    fn what_it_cannot_be_sure_of_is_left_to_calamine() {
        let cells = r#"<row r="1"><c r="A1"><v>1</v></c></row>"#;
        for sheet in [
            // A comment could hide markup from a byte search.
            format!(
                r#"{HEAD}<sheetData><!-- </sheetData><mergeCells><mergeCell ref="A1:B1"/></mergeCells> -->{cells}</sheetData></worksheet>"#
            ),
            // No end tag of the cell data.
            format!(
                r#"{HEAD}<sheetData/><mergeCells><mergeCell ref="A1:B1"/></mergeCells></worksheet>"#
            ),
            // References calamine refuses, and a list cut short.
            format!(
                r#"{HEAD}<sheetData>{cells}</sheetData><mergeCells><mergeCell ref="A1:B1:C1"/></mergeCells></worksheet>"#
            ),
            format!(
                r#"{HEAD}<sheetData>{cells}</sheetData><mergeCells><mergeCell ref="1A:B2"/></mergeCells></worksheet>"#
            ),
            format!(r#"{HEAD}<sheetData>{cells}</sheetData><mergeCells><mergeCell ref="A0"/>"#),
            format!(r#"{HEAD}<sheetData>{cells}</sheetData><mergeCells><mergeCell ref="A1:B2""#),
            // An end tag without its start after the cells.
            format!(
                r#"{HEAD}<sheetData>{cells}</sheetData></extra></worksheet><mergeCells><mergeCell ref="A1:B1"/></mergeCells>"#
            ),
        ] {
            let bytes = with_sheet(&sheet);
            let mut direct = XlsxMerges::open(&bytes).unwrap();
            assert_eq!(direct.merge_cells("Sheet1"), None, "{sheet}");
        }
    }

    #[test]
    fn parts_are_found_as_calamine_finds_them() {
        let mut book = Workbook::new();
        let ws = book.add_worksheet();
        ws.merge_range(0, 0, 1, 1, "Tên xã", &Format::new())
            .unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let mut zip = ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        let mut part = |name: &str| {
            let mut text = String::new();
            zip.by_name(name)
                .unwrap()
                .read_to_string(&mut text)
                .unwrap();
            text
        };
        let (sheet, rels) = (
            part("xl/worksheets/sheet1.xml"),
            part("xl/_rels/workbook.xml.rels"),
        );
        // The sheet's part moved, named by an absolute target, in another
        // case than the relationship writes it.
        let moved = rels.replace("worksheets/sheet1.xml", "/xl/data/Sheet1.XML");
        let mut zip = ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        let mut out = ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut file = zip.by_index(i).unwrap();
            let name = match file.name().unwrap().as_ref() {
                "xl/worksheets/sheet1.xml" => "xl/data/sheet1.xml".to_owned(),
                other => other.to_owned(),
            };
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            if name == "xl/_rels/workbook.xml.rels" {
                content = moved.clone().into_bytes();
            }
            out.start_file(name, SimpleFileOptions::default()).unwrap();
            out.write_all(&content).unwrap();
        }
        let bytes = out.finish().unwrap().into_inner();
        assert_eq!(agrees_with_calamine(&bytes), 1);
        assert!(sheet.contains("<mergeCell "));
    }
}
