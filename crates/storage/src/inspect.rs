//! Upload checking: size, type from magic bytes, extension agreement, and a
//! safe file name. Pure: no I/O.

use std::io::Cursor;

use unicode_normalization::UnicodeNormalization;

/// Longest file name kept, in characters, extension included.
const MAX_NAME_CHARS: usize = 200;
/// Name used when nothing usable is left of the one given.
const FALLBACK_STEM: &str = "tep-dinh-kem";
/// Longer "extensions" are taken as part of the name.
const MAX_EXTENSION_CHARS: usize = 16;

/// An upload that passed [`inspect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspected {
    /// The sanitised file name, extension kept.
    pub file_name: String,
    /// MIME type to serve the file with.
    pub content_type: &'static str,
    /// Lowercase extension of the file name, as it was given ("jpeg" stays
    /// "jpeg").
    pub extension: &'static str,
}

/// Why an upload was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    #[error("{}", self.message_vi())]
    Empty,
    #[error("{}", self.message_vi())]
    TooLarge { max_bytes: usize },
    #[error("{}", self.message_vi())]
    TypeNotAllowed { detected: Option<String> },
    #[error("{}", self.message_vi())]
    ExtensionMismatch { extension: String, detected: String },
}

impl Rejection {
    /// Stable snake_case code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::TooLarge { .. } => "too_large",
            Self::TypeNotAllowed { .. } => "type_not_allowed",
            Self::ExtensionMismatch { .. } => "extension_mismatch",
        }
    }

    /// Message for people: Vietnamese, then English in parentheses.
    pub fn message_vi(&self) -> String {
        match self {
            Self::Empty => "Tệp rỗng, không có nội dung (the file is empty)".to_owned(),
            Self::TooLarge { max_bytes } => {
                let mb = megabytes(*max_bytes);
                format!("Tệp quá lớn, tối đa {mb} MB (file too large, at most {mb} MB)")
            }
            Self::TypeNotAllowed { detected } => {
                let vi = match detected {
                    Some(kind) => format!("Loại tệp không được phép ({kind})"),
                    None => "Không nhận ra loại tệp".to_owned(),
                };
                format!(
                    "{vi}; chỉ nhận {ALLOWED_LIST} (file type not allowed; accepted: {ALLOWED_LIST})"
                )
            }
            Self::ExtensionMismatch {
                extension,
                detected,
            } => {
                let shown = if extension.is_empty() {
                    "(không có)".to_owned()
                } else {
                    format!(".{extension}")
                };
                let shown_en = if extension.is_empty() {
                    "(none)".to_owned()
                } else {
                    format!(".{extension}")
                };
                format!(
                    "Phần mở rộng {shown} không khớp với nội dung tệp ({detected}) \
                     (extension {shown_en} does not match the file content, {detected})"
                )
            }
        }
    }
}

const ALLOWED_LIST: &str =
    "PDF, DOC, DOCX, XLS, XLSX, PPT, PPTX, ODT, ODS, JPG, PNG, TIF, ZIP, RAR, 7Z";

fn megabytes(bytes: usize) -> String {
    const MIB: usize = 1024 * 1024;
    if bytes.is_multiple_of(MIB) {
        (bytes / MIB).to_string()
    } else {
        // Display only; precision loss is irrelevant at these sizes.
        #[allow(clippy::cast_precision_loss)]
        let mb = bytes as f64 / MIB as f64;
        format!("{mb:.1}")
    }
}

/// The allowed types, as detected from content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pdf,
    Doc,
    Docx,
    Xls,
    Xlsx,
    Ppt,
    Pptx,
    Odt,
    Ods,
    Jpeg,
    Png,
    Tiff,
    Zip,
    Rar,
    SevenZ,
    /// A password-protected docx/xlsx/pptx: an OLE container holding an
    /// `EncryptedPackage` stream, which does not say which of the three.
    EncryptedOoxml,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Self::Pdf => "pdf",
            Self::Doc => "doc",
            Self::Docx => "docx",
            Self::Xls => "xls",
            Self::Xlsx => "xlsx",
            Self::Ppt => "ppt",
            Self::Pptx => "pptx",
            Self::Odt => "odt",
            Self::Ods => "ods",
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Tiff => "tif",
            Self::Zip => "zip",
            Self::Rar => "rar",
            Self::SevenZ => "7z",
            Self::EncryptedOoxml => "office-encrypted",
        }
    }
}

/// Allowed extensions, the MIME type served for each, and the detected
/// kinds each accepts. An Office Open XML or OpenDocument file is a zip
/// archive, so `.zip` accepts those too; the reverse does not hold.
const EXTENSIONS: &[(&str, &str, &[Kind])] = &[
    ("pdf", "application/pdf", &[Kind::Pdf]),
    ("doc", "application/msword", &[Kind::Doc]),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &[Kind::Docx, Kind::EncryptedOoxml],
    ),
    ("xls", "application/vnd.ms-excel", &[Kind::Xls]),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &[Kind::Xlsx, Kind::EncryptedOoxml],
    ),
    ("ppt", "application/vnd.ms-powerpoint", &[Kind::Ppt]),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        &[Kind::Pptx, Kind::EncryptedOoxml],
    ),
    (
        "odt",
        "application/vnd.oasis.opendocument.text",
        &[Kind::Odt],
    ),
    (
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        &[Kind::Ods],
    ),
    ("jpg", "image/jpeg", &[Kind::Jpeg]),
    ("jpeg", "image/jpeg", &[Kind::Jpeg]),
    ("png", "image/png", &[Kind::Png]),
    ("tif", "image/tiff", &[Kind::Tiff]),
    ("tiff", "image/tiff", &[Kind::Tiff]),
    (
        "zip",
        "application/zip",
        &[
            Kind::Zip,
            Kind::Docx,
            Kind::Xlsx,
            Kind::Pptx,
            Kind::Odt,
            Kind::Ods,
        ],
    ),
    ("rar", "application/vnd.rar", &[Kind::Rar]),
    ("7z", "application/x-7z-compressed", &[Kind::SevenZ]),
];

/// Checks an upload: not empty, at most `max_bytes`, a type on the
/// allow-list judged from its content, and a file name whose extension
/// agrees with that type. Returns the sanitised name and the type to serve.
pub fn inspect(file_name: &str, bytes: &[u8], max_bytes: usize) -> Result<Inspected, Rejection> {
    if bytes.is_empty() {
        return Err(Rejection::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(Rejection::TooLarge { max_bytes });
    }
    let kind = detect(bytes).map_err(|detected| Rejection::TypeNotAllowed { detected })?;

    let file_name = sanitize_file_name(file_name);
    let extension = split_extension(&file_name)
        .map(|(_, ext)| ext.to_lowercase())
        .unwrap_or_default();
    let entry = EXTENSIONS
        .iter()
        .find(|(ext, _, kinds)| *ext == extension && kinds.contains(&kind));
    match entry {
        Some((ext, content_type, _)) => Ok(Inspected {
            file_name,
            content_type,
            extension: ext,
        }),
        None => Err(Rejection::ExtensionMismatch {
            extension,
            detected: kind.label().to_owned(),
        }),
    }
}

/// What the content is, or, when it is not on the allow-list, what it
/// looked like (if anything was recognised).
fn detect(bytes: &[u8]) -> Result<Kind, Option<String>> {
    let other = || infer::get(bytes).map(|t| t.extension().to_owned());

    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return detect_ole(bytes).ok_or_else(|| Some(other().unwrap_or_else(|| "ole".into())));
    }

    if infer::archive::is_zip(bytes) {
        // ODF puts an uncompressed `mimetype` entry first; infer reads it.
        if infer::odf::is_odt(bytes) {
            return Ok(Kind::Odt);
        }
        if infer::odf::is_ods(bytes) {
            return Ok(Kind::Ods);
        }
        // Office Open XML: look at the entry names in the central directory,
        // which works whatever order the producer wrote the entries in.
        if let Some(kind) = zip_entry_names(bytes).and_then(|names| detect_ooxml(&names)) {
            return Ok(kind);
        }
        // Fall back on infer's look at the first entries.
        if infer::doc::is_docx(bytes) {
            return Ok(Kind::Docx);
        }
        if infer::doc::is_xlsx(bytes) {
            return Ok(Kind::Xlsx);
        }
        if infer::doc::is_pptx(bytes) {
            return Ok(Kind::Pptx);
        }
        // Zip-based formats off the list (jar, apk, epub, odp, ...) stay refused.
        return match infer::get(bytes).map(|t| t.extension()) {
            None | Some("zip") => Ok(Kind::Zip),
            Some(ext) => Err(Some(ext.to_owned())),
        };
    }

    let Some(found) = infer::get(bytes) else {
        return Err(None);
    };
    match found.extension() {
        "pdf" => Ok(Kind::Pdf),
        "jpg" => Ok(Kind::Jpeg),
        "png" => Ok(Kind::Png),
        "tif" => Ok(Kind::Tiff),
        "rar" => Ok(Kind::Rar),
        "7z" => Ok(Kind::SevenZ),
        ext => Err(Some(ext.to_owned())),
    }
}

/// Legacy Office (OLE compound file): judged by the streams inside, which
/// is what Word, Excel and PowerPoint themselves read. A bare header that
/// does not parse, or a container of another kind (MSI, ...), is `None`.
fn detect_ole(bytes: &[u8]) -> Option<Kind> {
    let file = cfb::CompoundFile::open(Cursor::new(bytes)).ok()?;
    let mut kind = None;
    for entry in file.read_root_storage() {
        if !entry.is_stream() {
            continue;
        }
        let name = entry.name();
        let found = if name.eq_ignore_ascii_case("WordDocument") {
            Some(Kind::Doc)
        } else if name.eq_ignore_ascii_case("Workbook") || name.eq_ignore_ascii_case("Book") {
            Some(Kind::Xls)
        } else if name.eq_ignore_ascii_case("PowerPoint Document") {
            Some(Kind::Ppt)
        } else if name.eq_ignore_ascii_case("EncryptedPackage") {
            Some(Kind::EncryptedOoxml)
        } else {
            None
        };
        match (kind, found) {
            (_, None) => {}
            (None, Some(k)) => kind = Some(k),
            // Two different document streams: ambiguous, refuse.
            (Some(prev), Some(k)) if prev != k => return None,
            (Some(_), Some(_)) => {}
        }
    }
    kind
}

fn detect_ooxml(names: &[&[u8]]) -> Option<Kind> {
    if !names.iter().any(|n| *n == b"[Content_Types].xml") {
        return None;
    }
    let has = |prefix: &[u8]| names.iter().any(|n| n.starts_with(prefix));
    match (has(b"word/"), has(b"xl/"), has(b"ppt/")) {
        (true, false, false) => Some(Kind::Docx),
        (false, true, false) => Some(Kind::Xlsx),
        (false, false, true) => Some(Kind::Pptx),
        _ => None,
    }
}

/// Entry names from a zip's central directory, or `None` if it cannot be
/// read (zip64 archives included: the caller falls back on infer then).
fn zip_entry_names(bytes: &[u8]) -> Option<Vec<&[u8]>> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const CENTRAL: &[u8] = b"PK\x01\x02";
    const EOCD_LEN: usize = 22;
    const MAX_COMMENT: usize = 0xFFFF;

    let u16_at = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at + 2)?;
        Some(usize::from(u16::from_le_bytes([b[0], b[1]])))
    };
    let u32_at = |at: usize| -> Option<usize> {
        let b = bytes.get(at..at + 4)?;
        usize::try_from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])).ok()
    };

    // The end-of-central-directory record sits in the last 22 + 65535 bytes.
    let last = bytes.len().checked_sub(EOCD_LEN)?;
    let first = last.saturating_sub(MAX_COMMENT);
    let eocd = (first..=last)
        .rev()
        .find(|&i| bytes[i..].starts_with(EOCD))?;
    let count = u16_at(eocd + 10)?;
    let mut at = u32_at(eocd + 16)?;

    let mut names = Vec::with_capacity(count);
    for _ in 0..count {
        if !bytes.get(at..)?.starts_with(CENTRAL) {
            return None;
        }
        let name_len = u16_at(at + 28)?;
        let extra_len = u16_at(at + 30)?;
        let comment_len = u16_at(at + 32)?;
        names.push(bytes.get(at + 46..at + 46 + name_len)?);
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(names)
}

/// A file name safe to store and show: the last path component, no control
/// characters, NFC-normalised, trimmed, at most 200 characters with the
/// extension kept, never empty ("tep-dinh-kem" plus the extension if
/// nothing else is left).
pub fn sanitize_file_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.nfc().filter(|c| !c.is_control()).collect();
    // Trailing dots vanish on Windows; leading ones are handled per part below
    // so that ".pdf" keeps its extension.
    let cleaned = cleaned
        .trim_start()
        .trim_end_matches(|c: char| c.is_whitespace() || c == '.');

    let (stem, extension) = match split_extension(cleaned) {
        Some((stem, ext)) => (trim_name(stem), Some(ext)),
        None => (cleaned, None),
    };

    let room = match extension {
        Some(ext) => MAX_NAME_CHARS - 1 - ext.chars().count(),
        None => MAX_NAME_CHARS,
    };
    let stem: String = stem.chars().take(room).collect();
    let stem = match trim_name(&stem) {
        "" => FALLBACK_STEM,
        s => s,
    };
    match extension {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem.to_owned(),
    }
}

/// Trims white space and dots at both ends of a name's stem: leading dots
/// make hidden or relative-looking names, trailing ones vanish on Windows.
fn trim_name(name: &str) -> &str {
    name.trim_matches(|c: char| c.is_whitespace() || c == '.')
}

/// Splits "name.ext" at the last dot. `None` when there is no dot, or the
/// part after it is empty, too long, or not plain letters and digits.
fn split_extension(name: &str) -> Option<(&str, &str)> {
    let (stem, ext) = name.rsplit_once('.')?;
    let plausible = !ext.is_empty()
        && ext.chars().count() <= MAX_EXTENSION_CHARS
        && ext.chars().all(char::is_alphanumeric);
    plausible.then_some((stem, ext))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::io::Write;

    use super::*;

    const MAX: usize = 20 * 1024 * 1024;

    fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
            .to_vec()
    }

    fn png() -> Vec<u8> {
        let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        // IHDR chunk header, enough for a signature check.
        b.extend_from_slice(&[0, 0, 0, 13, b'I', b'H', b'D', b'R', 0, 0, 0, 1, 0, 0, 0, 1]);
        b
    }

    fn jpeg() -> Vec<u8> {
        vec![0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0]
    }

    fn xlsx() -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        workbook
            .add_worksheet()
            .write_string(0, 0, "Tiêu chí nông thôn mới")
            .unwrap();
        workbook.save_to_buffer().unwrap()
    }

    /// A zip with stored (uncompressed) entries, written by hand so the entry
    /// order can be chosen.
    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        fn crc32(data: &[u8]) -> u32 {
            let mut crc = 0xFFFF_FFFFu32;
            for &byte in data {
                crc ^= u32::from(byte);
                for _ in 0..8 {
                    crc = if crc & 1 == 1 {
                        (crc >> 1) ^ 0xEDB8_8320
                    } else {
                        crc >> 1
                    };
                }
            }
            !crc
        }
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = u32::try_from(out.len()).unwrap();
            let crc = crc32(data);
            let size = u32::try_from(data.len()).unwrap();
            let name_len = u16::try_from(name.len()).unwrap();
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&name_len.to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);

            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&crc.to_le_bytes());
            central.extend_from_slice(&size.to_le_bytes());
            central.extend_from_slice(&size.to_le_bytes());
            central.extend_from_slice(&name_len.to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let central_offset = u32::try_from(out.len()).unwrap();
        let central_len = u32::try_from(central.len()).unwrap();
        let count = u16::try_from(entries.len()).unwrap();
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&central_len.to_le_bytes());
        out.extend_from_slice(&central_offset.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    fn plain_zip() -> Vec<u8> {
        zip_of(&[("bao-cao.txt", "Báo cáo quý".as_bytes())])
    }

    /// A real OLE compound file with one stream of the given name.
    fn ole_with(stream: &str) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
        file.create_stream(format!("/{stream}"))
            .unwrap()
            .write_all(&[0u8; 4096])
            .unwrap();
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    fn mz_executable() -> Vec<u8> {
        let mut b = vec![0u8; 256];
        b[0] = b'M';
        b[1] = b'Z';
        b[0x3C] = 0x80; // e_lfanew
        b[0x80..0x84].copy_from_slice(b"PE\0\0");
        b
    }

    fn rejected(name: &str, bytes: &[u8]) -> Rejection {
        inspect(name, bytes, MAX).unwrap_err()
    }

    #[test]
    fn accepts_a_pdf() {
        let ok = inspect("Công văn 123.pdf", &pdf(), MAX).unwrap();
        assert_eq!(ok.file_name, "Công văn 123.pdf");
        assert_eq!(ok.content_type, "application/pdf");
        assert_eq!(ok.extension, "pdf");
    }

    #[test]
    fn extension_case_is_ignored_and_kept_in_the_name() {
        let ok = inspect("BAO-CAO.PDF", &pdf(), MAX).unwrap();
        assert_eq!(ok.file_name, "BAO-CAO.PDF");
        assert_eq!(ok.extension, "pdf");
    }

    #[test]
    fn accepts_png_and_both_jpeg_spellings() {
        assert_eq!(
            inspect("a.png", &png(), MAX).unwrap().content_type,
            "image/png"
        );
        let jpg = inspect("a.jpg", &jpeg(), MAX).unwrap();
        assert_eq!((jpg.extension, jpg.content_type), ("jpg", "image/jpeg"));
        let jpeg_name = inspect("a.JPEG", &jpeg(), MAX).unwrap();
        assert_eq!(jpeg_name.extension, "jpeg");
        assert_eq!(
            rejected("a.png", &jpeg()),
            Rejection::ExtensionMismatch {
                extension: "png".into(),
                detected: "jpg".into()
            }
        );
    }

    #[test]
    fn accepts_tiff_under_both_spellings() {
        let tiff = [b'I', b'I', 0x2A, 0, 8, 0, 0, 0, 0, 0];
        assert_eq!(
            inspect("scan.tif", &tiff, MAX).unwrap().content_type,
            "image/tiff"
        );
        assert_eq!(inspect("scan.tiff", &tiff, MAX).unwrap().extension, "tiff");
    }

    #[test]
    fn accepts_a_real_xlsx() {
        let ok = inspect("Bang tong hop.xlsx", &xlsx(), MAX).unwrap();
        assert_eq!(ok.extension, "xlsx");
        assert_eq!(
            ok.content_type,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
    }

    #[test]
    fn xlsx_under_another_office_extension_is_a_mismatch() {
        assert_eq!(
            rejected("a.docx", &xlsx()),
            Rejection::ExtensionMismatch {
                extension: "docx".into(),
                detected: "xlsx".into()
            }
        );
    }

    #[test]
    fn office_file_named_zip_is_accepted_as_a_zip() {
        // It is a genuine zip archive; it is served as one.
        let ok = inspect("bang.zip", &xlsx(), MAX).unwrap();
        assert_eq!((ok.extension, ok.content_type), ("zip", "application/zip"));
    }

    #[test]
    fn plain_zip_is_a_zip_not_an_office_file() {
        let ok = inspect("ho-so.zip", &plain_zip(), MAX).unwrap();
        assert_eq!((ok.extension, ok.content_type), ("zip", "application/zip"));
        assert_eq!(
            rejected("ho-so.docx", &plain_zip()),
            Rejection::ExtensionMismatch {
                extension: "docx".into(),
                detected: "zip".into()
            }
        );
    }

    #[test]
    fn docx_is_found_whatever_the_entry_order() {
        // infer only looks at the first entries; here `word/` comes last.
        let bytes = zip_of(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("_rels/.rels", b"<Relationships/>"),
            ("docProps/app.xml", b"<Properties/>"),
            ("docProps/core.xml", b"<coreProperties/>"),
            ("word/document.xml", b"<document/>"),
        ]);
        assert!(!infer::doc::is_docx(&bytes), "infer alone would miss it");
        assert_eq!(
            inspect("to-trinh.docx", &bytes, MAX).unwrap().extension,
            "docx"
        );
        assert!(matches!(
            rejected("to-trinh.pptx", &bytes),
            Rejection::ExtensionMismatch { .. }
        ));
    }

    #[test]
    fn odt_and_ods_are_recognised() {
        let odt = zip_of(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b"<office:document-content/>"),
        ]);
        let ods = zip_of(&[
            (
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            ("content.xml", b"<office:document-content/>"),
        ]);
        assert_eq!(inspect("a.odt", &odt, MAX).unwrap().extension, "odt");
        assert_eq!(inspect("a.ods", &ods, MAX).unwrap().extension, "ods");
        assert_eq!(
            rejected("a.ods", &odt),
            Rejection::ExtensionMismatch {
                extension: "ods".into(),
                detected: "odt".into()
            }
        );
    }

    #[test]
    fn zip_based_types_off_the_list_are_refused_even_as_zip() {
        let epub = zip_of(&[
            ("mimetype", b"application/epub+zip"),
            ("META-INF/container.xml", b"<container/>"),
        ]);
        assert_eq!(
            rejected("sach.zip", &epub),
            Rejection::TypeNotAllowed {
                detected: Some("epub".into())
            }
        );
    }

    #[test]
    fn legacy_office_files_are_told_apart() {
        let doc = ole_with("WordDocument");
        let xls = ole_with("Workbook");
        let ppt = ole_with("PowerPoint Document");
        assert_eq!(
            inspect("a.doc", &doc, MAX).unwrap().content_type,
            "application/msword"
        );
        assert_eq!(
            inspect("a.XLS", &xls, MAX).unwrap().content_type,
            "application/vnd.ms-excel"
        );
        assert_eq!(
            inspect("a.ppt", &ppt, MAX).unwrap().content_type,
            "application/vnd.ms-powerpoint"
        );
        assert_eq!(
            rejected("a.xls", &doc),
            Rejection::ExtensionMismatch {
                extension: "xls".into(),
                detected: "doc".into()
            }
        );
        assert!(matches!(
            rejected("a.pdf", &xls),
            Rejection::ExtensionMismatch { .. }
        ));
    }

    #[test]
    fn password_protected_office_file_is_accepted_under_an_office_extension() {
        let encrypted = ole_with("EncryptedPackage");
        assert_eq!(
            inspect("mat.xlsx", &encrypted, MAX).unwrap().extension,
            "xlsx"
        );
        assert_eq!(
            inspect("mat.docx", &encrypted, MAX).unwrap().extension,
            "docx"
        );
        assert!(matches!(
            rejected("mat.doc", &encrypted),
            Rejection::ExtensionMismatch { .. }
        ));
    }

    #[test]
    fn ole_container_of_another_kind_or_a_bare_header_is_refused() {
        let other = ole_with("SummaryInformation");
        assert!(matches!(
            rejected("a.doc", &other),
            Rejection::TypeNotAllowed { .. }
        ));
        let mut header = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        header.resize(512, 0);
        assert!(matches!(
            rejected("a.doc", &header),
            Rejection::TypeNotAllowed { .. }
        ));
    }

    #[test]
    fn executable_renamed_pdf_is_refused() {
        assert_eq!(
            rejected("hop-dong.pdf", &mz_executable()),
            Rejection::TypeNotAllowed {
                detected: Some("exe".into())
            }
        );
    }

    #[test]
    fn unknown_content_is_refused() {
        assert_eq!(
            rejected("ghi-chu.pdf", b"just some text"),
            Rejection::TypeNotAllowed { detected: None }
        );
    }

    #[test]
    fn pdf_with_the_wrong_or_no_extension_is_a_mismatch() {
        assert_eq!(
            rejected("a.docx", &pdf()),
            Rejection::ExtensionMismatch {
                extension: "docx".into(),
                detected: "pdf".into()
            }
        );
        assert_eq!(
            rejected("khong-duoi", &pdf()),
            Rejection::ExtensionMismatch {
                extension: String::new(),
                detected: "pdf".into()
            }
        );
        assert!(matches!(
            rejected("a.exe", &pdf()),
            Rejection::ExtensionMismatch { .. }
        ));
    }

    #[test]
    fn empty_and_too_large() {
        assert_eq!(rejected("a.pdf", b""), Rejection::Empty);
        let big = pdf();
        assert_eq!(
            inspect("a.pdf", &big, big.len() - 1).unwrap_err(),
            Rejection::TooLarge {
                max_bytes: big.len() - 1
            }
        );
        assert!(inspect("a.pdf", &big, big.len()).is_ok());
    }

    #[test]
    fn path_components_are_dropped() {
        assert_eq!(
            inspect("../../etc/passwd.pdf", &pdf(), MAX)
                .unwrap()
                .file_name,
            "passwd.pdf"
        );
        assert_eq!(
            inspect("C:\\x\\y.pdf", &pdf(), MAX).unwrap().file_name,
            "y.pdf"
        );
        assert_eq!(sanitize_file_name("a/b\\c/"), "tep-dinh-kem");
    }

    #[test]
    fn control_characters_and_padding_are_removed() {
        assert_eq!(sanitize_file_name("  bao\u{0}\ncao\t.pdf  "), "baocao.pdf");
        assert_eq!(sanitize_file_name("a.pdf."), "a.pdf");
        assert_eq!(sanitize_file_name("..pdf"), "tep-dinh-kem.pdf");
    }

    #[test]
    fn nothing_left_falls_back_with_the_extension() {
        assert_eq!(sanitize_file_name(".pdf"), "tep-dinh-kem.pdf");
        assert_eq!(sanitize_file_name("  \u{7}.PDF"), "tep-dinh-kem.PDF");
        assert_eq!(sanitize_file_name(""), "tep-dinh-kem");
        assert_eq!(sanitize_file_name(".."), "tep-dinh-kem");
        assert_eq!(
            inspect("/", &pdf(), MAX).unwrap_err().code(),
            "extension_mismatch"
        );
    }

    #[test]
    fn long_names_are_cut_to_200_characters_keeping_the_extension() {
        let name = format!("{}.pdf", "ắ".repeat(300));
        let ok = inspect(&name, &pdf(), MAX).unwrap();
        assert_eq!(ok.file_name.chars().count(), 200);
        assert!(ok.file_name.ends_with("ắ.pdf"));
        let no_ext = sanitize_file_name(&"x".repeat(300));
        assert_eq!(no_ext.chars().count(), 200);
    }

    #[test]
    fn names_are_nfc_normalised() {
        // "ạ" written as "a" plus a combining dot below (how macOS sends it).
        let decomposed = "ba\u{323}n.pdf";
        assert_eq!(sanitize_file_name(decomposed), "bạn.pdf");
    }

    #[test]
    fn codes_are_stable() {
        assert_eq!(Rejection::Empty.code(), "empty");
        assert_eq!(Rejection::TooLarge { max_bytes: 1 }.code(), "too_large");
        assert_eq!(
            Rejection::TypeNotAllowed { detected: None }.code(),
            "type_not_allowed"
        );
        assert_eq!(
            Rejection::ExtensionMismatch {
                extension: "a".into(),
                detected: "b".into()
            }
            .code(),
            "extension_mismatch"
        );
    }

    #[test]
    fn messages_are_vietnamese_then_english() {
        assert_eq!(
            Rejection::TooLarge { max_bytes: MAX }.message_vi(),
            "Tệp quá lớn, tối đa 20 MB (file too large, at most 20 MB)"
        );
        assert_eq!(
            Rejection::TooLarge {
                max_bytes: 512 * 1024
            }
            .message_vi(),
            "Tệp quá lớn, tối đa 0.5 MB (file too large, at most 0.5 MB)"
        );
        let mismatch = Rejection::ExtensionMismatch {
            extension: "pdf".into(),
            detected: "exe".into(),
        }
        .message_vi();
        assert!(
            mismatch.starts_with("Phần mở rộng .pdf không khớp"),
            "{mismatch}"
        );
        assert!(mismatch.ends_with("(extension .pdf does not match the file content, exe)"));
        let not_allowed = Rejection::TypeNotAllowed {
            detected: Some("exe".into()),
        }
        .message_vi();
        assert!(
            not_allowed.starts_with("Loại tệp không được phép (exe)"),
            "{not_allowed}"
        );
        assert!(Rejection::Empty.message_vi().starts_with("Tệp rỗng"));
    }
}
