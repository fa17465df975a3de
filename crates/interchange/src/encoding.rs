//! Repair of legacy Vietnamese 8-bit text encodings found in old Excel
//! files.
//!
//! Before Unicode, Vietnamese documents were typed with special fonts and
//! stored as 8-bit text; read back today each byte shows up as its
//! Windows-1252 / Latin-1 character:
//!
//! * **TCVN3** (TCVN 5712:1993 VN3, "ABC", `.VnTime` fonts): one byte per
//!   letter, `Uû ban nh©n d©n` = *Uỷ ban nhân dân*, `X· Mü L­¬ng` = *Xã Mỹ
//!   Lương* (U+00AD SOFT HYPHEN is `ư`). It has precomposed capitals only for
//!   `Ă Â Ê Ô Ơ Ư Đ`; the capital fonts (`.VnTimeH`) draw the lower-case codes
//!   as capitals.
//! * **VNI-Windows** (`VNI-Times` fonts): a base letter followed by a mark
//!   character, `Vieät Nam` = *Việt Nam*, `ñ` = *đ*, `Ñ` = *Đ*.
//!
//! [`detect`] decides per cell, conservatively, by checking which reading
//! yields well-formed Vietnamese syllables ([`domain::text::is_vietnamese_syllable`]);
//! plain ASCII, ordinary Unicode Vietnamese and Latin-1 text in other
//! languages (*Café*, *Müller*) are left alone. Short cells can be genuinely
//! ambiguous (`Ghi chó` is valid Unicode letters but TCVN3 for *Ghi chú*):
//! for a whole sheet use [`detect_all`] and [`repair_with_hint`].

use std::borrow::Cow;
use std::fmt;

use domain::text::{is_vietnamese_syllable, split_tone, with_tone, Tone};
use unicode_normalization::{is_nfc, UnicodeNormalization};

use crate::parallel::map_chunks;

/// The encoding a cell's text is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// Already Unicode (or plain ASCII): nothing to repair.
    Unicode,
    /// TCVN3 / ABC (`.VnTime`, `.VnTimeH` fonts) read as Latin-1.
    Tcvn3,
    /// VNI-Windows (`VNI-Times` fonts) read as Latin-1.
    Vni,
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Unicode => "Unicode",
            Encoding::Tcvn3 => "TCVN3",
            Encoding::Vni => "VNI",
        })
    }
}

// ---------------------------------------------------------------------------
// TCVN3
// ---------------------------------------------------------------------------

/// The 74 letters of TCVN3 (VN3): the 67 lower-case Vietnamese letters that
/// are not ASCII, plus the capitals Ă Â Ê Ô Ơ Ư Đ. The other 60 capitals are
/// written with the lower-case codes in a `.VnTimeH` font.
const TCVN3_LETTERS: [(u8, char); 74] = [
    (0xA1, 'Ă'),
    (0xA2, 'Â'),
    (0xA3, 'Ê'),
    (0xA4, 'Ô'),
    (0xA5, 'Ơ'),
    (0xA6, 'Ư'),
    (0xA7, 'Đ'),
    (0xA8, 'ă'),
    (0xA9, 'â'),
    (0xAA, 'ê'),
    (0xAB, 'ô'),
    (0xAC, 'ơ'),
    (0xAD, 'ư'),
    (0xAE, 'đ'),
    (0xB5, 'à'),
    (0xB6, 'ả'),
    (0xB7, 'ã'),
    (0xB8, 'á'),
    (0xB9, 'ạ'),
    (0xBB, 'ằ'),
    (0xBC, 'ẳ'),
    (0xBD, 'ẵ'),
    (0xBE, 'ắ'),
    (0xC6, 'ặ'),
    (0xC7, 'ầ'),
    (0xC8, 'ẩ'),
    (0xC9, 'ẫ'),
    (0xCA, 'ấ'),
    (0xCB, 'ậ'),
    (0xCC, 'è'),
    (0xCE, 'ẻ'),
    (0xCF, 'ẽ'),
    (0xD0, 'é'),
    (0xD1, 'ẹ'),
    (0xD2, 'ề'),
    (0xD3, 'ể'),
    (0xD4, 'ễ'),
    (0xD5, 'ế'),
    (0xD6, 'ệ'),
    (0xD7, 'ì'),
    (0xD8, 'ỉ'),
    (0xDC, 'ĩ'),
    (0xDD, 'í'),
    (0xDE, 'ị'),
    (0xDF, 'ò'),
    (0xE1, 'ỏ'),
    (0xE2, 'õ'),
    (0xE3, 'ó'),
    (0xE4, 'ọ'),
    (0xE5, 'ồ'),
    (0xE6, 'ổ'),
    (0xE7, 'ỗ'),
    (0xE8, 'ố'),
    (0xE9, 'ộ'),
    (0xEA, 'ờ'),
    (0xEB, 'ở'),
    (0xEC, 'ỡ'),
    (0xED, 'ớ'),
    (0xEE, 'ợ'),
    (0xEF, 'ù'),
    (0xF1, 'ủ'),
    (0xF2, 'ũ'),
    (0xF3, 'ú'),
    (0xF4, 'ụ'),
    (0xF5, 'ừ'),
    (0xF6, 'ử'),
    (0xF7, 'ữ'),
    (0xF8, 'ứ'),
    (0xF9, 'ự'),
    (0xFA, 'ỳ'),
    (0xFB, 'ỷ'),
    (0xFC, 'ỹ'),
    (0xFD, 'ý'),
    (0xFE, 'ỵ'),
];

/// Lookup table indexed by `code - 0xA0`; `'\0'` where TCVN3 has no letter.
const TCVN3_TABLE: [char; 96] = {
    let mut table = ['\0'; 96];
    let mut i = 0;
    while i < TCVN3_LETTERS.len() {
        let (code, letter) = TCVN3_LETTERS[i];
        table[(code - 0xA0) as usize] = letter;
        i += 1;
    }
    table
};

/// The Unicode letter for a TCVN3 code read as a Latin-1 character.
fn tcvn3_char(c: char) -> Option<char> {
    let index = (c as u32).checked_sub(0xA0)?;
    let letter = *TCVN3_TABLE.get(usize::try_from(index).ok()?)?;
    (letter != '\0').then_some(letter)
}

fn push_upper(out: &mut String, word: &str) {
    for c in word.chars() {
        out.extend(c.to_uppercase());
    }
}

/// Decodes TCVN3 text unconditionally (use [`repair`] unless the encoding
/// is known). Characters that are not TCVN3 letters are kept.
///
/// Capitals: text typed in a `.VnTimeH` capital font uses the lower-case
/// codes. When the cell has at least two ASCII letters and all are capitals
/// (`CéNG HßA` → *CỘNG HÒA*), the whole cell is upper-cased; otherwise a word is
/// upper-cased when it has at least two ASCII capitals and no ASCII
/// lower-case letter (`HUYÖN` in a mixed cell → *HUYỆN*, while `Vµ` stays
/// *Và*). Text typed in lower case in a capital font cannot be recognised;
/// use [`decode_tcvn3_upper`] when the font is known.
pub fn decode_tcvn3(s: &str) -> String {
    let capitals = s.chars().filter(char::is_ascii_uppercase).count();
    let has_lower = s.chars().any(|c| c.is_ascii_lowercase());
    if capitals >= 2 && !has_lower {
        return decode_tcvn3_upper(s);
    }
    fn flush(out: &mut String, word: &mut String, upper: &mut u32, lower: &mut u32) {
        if *upper >= 2 && *lower == 0 {
            push_upper(out, word);
        } else {
            out.push_str(word);
        }
        word.clear();
        *upper = 0;
        *lower = 0;
    }
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    let mut word = String::new();
    let (mut upper, mut lower) = (0u32, 0u32);
    for c in s.chars() {
        if let Some(letter) = tcvn3_char(c) {
            word.push(letter);
        } else if c.is_ascii_alphabetic() {
            if c.is_ascii_uppercase() {
                upper += 1;
            } else {
                lower += 1;
            }
            word.push(c);
        } else {
            flush(&mut out, &mut word, &mut upper, &mut lower);
            out.push(c);
        }
    }
    flush(&mut out, &mut word, &mut upper, &mut lower);
    out
}

/// Decodes TCVN3 text typed in a capital font (`.VnTimeH`): every letter
/// comes out as a capital (`uû ban` → *UỶ BAN*).
pub fn decode_tcvn3_upper(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    for c in s.chars() {
        out.extend(tcvn3_char(c).unwrap_or(c).to_uppercase());
    }
    out
}

// ---------------------------------------------------------------------------
// VNI-Windows
// ---------------------------------------------------------------------------

/// What a Latin-1 character means in VNI-Windows.
#[derive(Clone, Copy)]
enum Vni {
    /// A letter on its own: `ñ` = đ, `ô` = ơ, `ö` = ư, and the toned `i`/`ỵ`.
    Letter(char),
    /// A tone mark for the preceding vowel.
    Tone(Tone),
    /// A circumflex (with a tone) for the preceding `a`, `e` or `o`.
    Hat(Tone),
    /// A breve (with a tone) for the preceding `a`.
    Breve(Tone),
}

fn vni_class(c: char) -> Option<Vni> {
    use Tone::{Acute, Dot, Grave, Hook, Level, Tilde};
    Some(match c {
        'ñ' => Vni::Letter('đ'),
        'Ñ' => Vni::Letter('Đ'),
        'ô' => Vni::Letter('ơ'),
        'Ô' => Vni::Letter('Ơ'),
        'ö' => Vni::Letter('ư'),
        'Ö' => Vni::Letter('Ư'),
        'í' => Vni::Letter('í'),
        'Í' => Vni::Letter('Í'),
        'ì' => Vni::Letter('ì'),
        'Ì' => Vni::Letter('Ì'),
        'æ' => Vni::Letter('ỉ'),
        'Æ' => Vni::Letter('Ỉ'),
        'ó' => Vni::Letter('ĩ'),
        'Ó' => Vni::Letter('Ĩ'),
        'ò' => Vni::Letter('ị'),
        'Ò' => Vni::Letter('Ị'),
        'î' => Vni::Letter('ỵ'),
        'Î' => Vni::Letter('Ỵ'),
        'ù' | 'Ù' => Vni::Tone(Acute),
        'ø' | 'Ø' => Vni::Tone(Grave),
        'û' | 'Û' => Vni::Tone(Hook),
        'õ' | 'Õ' => Vni::Tone(Tilde),
        'ï' | 'Ï' => Vni::Tone(Dot),
        'â' | 'Â' => Vni::Hat(Level),
        'á' | 'Á' => Vni::Hat(Acute),
        'à' | 'À' => Vni::Hat(Grave),
        'å' | 'Å' => Vni::Hat(Hook),
        'ã' | 'Ã' => Vni::Hat(Tilde),
        'ä' | 'Ä' => Vni::Hat(Dot),
        'ê' | 'Ê' => Vni::Breve(Level),
        'é' | 'É' => Vni::Breve(Acute),
        'è' | 'È' => Vni::Breve(Grave),
        'ú' | 'Ú' => Vni::Breve(Hook),
        'ü' | 'Ü' => Vni::Breve(Tilde),
        'ë' | 'Ë' => Vni::Breve(Dot),
        _ => return None,
    })
}

/// Applies a VNI mark to the letter before it, if it can take it.
fn vni_combine(prev: char, mark: Vni) -> Option<char> {
    let (base, tone) = split_tone(prev)?;
    if tone != Tone::Level {
        return None;
    }
    match mark {
        Vni::Letter(_) => None,
        Vni::Tone(t) => with_tone(base, t),
        Vni::Hat(t) => {
            let hatted = match base {
                'a' => 'â',
                'e' => 'ê',
                'o' => 'ô',
                'A' => 'Â',
                'E' => 'Ê',
                'O' => 'Ô',
                _ => return None,
            };
            with_tone(hatted, t)
        }
        Vni::Breve(t) => match base {
            'a' => with_tone('ă', t),
            'A' => with_tone('Ă', t),
            _ => None,
        },
    }
}

/// Decodes VNI into `out`; returns whether every non-ASCII character was
/// a VNI letter or a mark that found a letter to go on.
fn decode_vni_into(s: &str, out: &mut String) -> bool {
    let mut clean = true;
    for c in s.chars() {
        match vni_class(c) {
            Some(Vni::Letter(l)) => out.push(l),
            Some(mark) => {
                let combined = out.chars().next_back().and_then(|p| vni_combine(p, mark));
                if let Some(m) = combined {
                    out.pop();
                    out.push(m);
                } else {
                    clean = false;
                    out.push(c);
                }
            }
            None => {
                if !c.is_ascii() {
                    clean = false;
                }
                out.push(c);
            }
        }
    }
    clean
}

/// Decodes VNI-Windows text unconditionally (use [`repair`] unless the
/// encoding is known): `Vieät Nam` → *Việt Nam*. A mark with no letter
/// to go on is kept as it is.
pub fn decode_vni(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    decode_vni_into(s, &mut out);
    out
}

// ---------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------

/// Counts over the words of one or more cells.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    /// The text has letters only Unicode can hold (ơ, ư, ạ, CJK, ...).
    definitely_unicode: bool,
    /// All words.
    words: u32,
    /// ASCII-only words that read as Vietnamese (or are all-capital
    /// abbreviations like UBND).
    ascii_ok: u32,
    /// Words with a Latin-1 character above ASCII.
    accented: u32,
    /// Accented words that are Vietnamese syllables as they stand.
    unicode: u32,
    /// Accented words that are Vietnamese once read as TCVN3.
    tcvn3: u32,
    /// Accented words that are Vietnamese once read as VNI.
    vni: u32,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.words += other.words;
        self.ascii_ok += other.ascii_ok;
        self.accented += other.accented;
        self.unicode += other.unicode;
        self.tcvn3 += other.tcvn3;
        self.vni += other.vni;
    }

    fn count(&self, encoding: Encoding) -> u32 {
        match encoding {
            Encoding::Unicode => self.unicode,
            Encoding::Tcvn3 => self.tcvn3,
            Encoding::Vni => self.vni,
        }
    }

    /// At least 70 % of all words read as Vietnamese under `encoding`.
    fn mostly_vietnamese(&self, encoding: Encoding) -> bool {
        (self.count(encoding) + self.ascii_ok) * 10 >= self.words * 7
    }

    fn decide(&self, hint: Encoding) -> Encoding {
        if self.definitely_unicode || self.accented == 0 {
            return Encoding::Unicode;
        }
        let better = |e: Encoding| self.count(e) > self.unicode && self.mostly_vietnamese(e);
        match (better(Encoding::Tcvn3), better(Encoding::Vni)) {
            (true, false) => return Encoding::Tcvn3,
            (false, true) => return Encoding::Vni,
            (true, true) => match self.tcvn3.cmp(&self.vni) {
                std::cmp::Ordering::Greater => return Encoding::Tcvn3,
                std::cmp::Ordering::Less => return Encoding::Vni,
                std::cmp::Ordering::Equal => {}
            },
            (false, false) => {}
        }
        // A tie with the Unicode reading: follow the sheet's encoding.
        if hint != Encoding::Unicode
            && self.count(hint) > 0
            && self.count(hint) >= self.unicode
            && self.mostly_vietnamese(hint)
        {
            return hint;
        }
        Encoding::Unicode
    }
}

/// Letters that only Unicode text can contain: anything alphabetic above
/// Latin-1 (ă, đ, ơ, ư, ạ, ..., but also Cyrillic or CJK) and combining marks.
fn only_in_unicode(c: char) -> bool {
    (c as u32 > 0xFF && c.is_alphabetic()) || ('\u{300}'..='\u{36F}').contains(&c)
}

/// Characters that can be part of a word in some reading: ASCII letters and
/// Latin-1 characters from U+00A1 (TCVN3 uses symbols such as `·` and `©`
/// as letters).
fn is_raw_word_char(c: char) -> bool {
    c.is_ascii_alphabetic() || ('\u{A1}'..='\u{FF}').contains(&c)
}

/// A TCVN3 word only if every non-ASCII character is a TCVN3 letter.
fn tcvn3_word(raw: &str) -> Option<String> {
    // "µm", "µg": the micro sign before an SI unit, not "àm".
    if let Some(unit) = raw.strip_prefix('µ') {
        if matches!(
            unit,
            "m" | "g" | "l" | "s" | "mol" | "A" | "V" | "F" | "W" | "Hz"
        ) {
            return None;
        }
    }
    raw.chars()
        .map(|c| if c.is_ascii() { Some(c) } else { tcvn3_char(c) })
        .collect()
}

fn vni_word(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len() + 4);
    decode_vni_into(raw, &mut out).then_some(out)
}

fn is_capital_abbreviation(word: &str) -> bool {
    word.chars().count() >= 2 && word.chars().all(|c| c.is_ascii_uppercase() || c == 'Đ')
}

/// Vietnamese syllable, or an abbreviation such as `ĐBKK`, `HĐND`.
fn reads_as_vietnamese(word: &str) -> bool {
    is_vietnamese_syllable(word) || is_capital_abbreviation(word)
}

fn tally(s: &str) -> Tally {
    let mut t = Tally::default();
    if s.is_ascii() {
        return t;
    }
    if s.chars().any(only_in_unicode) {
        t.definitely_unicode = true;
        return t;
    }
    for raw in s
        .split(|c: char| !is_raw_word_char(c))
        .filter(|w| !w.is_empty())
    {
        t.words += 1;
        if raw.is_ascii() {
            if reads_as_vietnamese(raw) {
                t.ascii_ok += 1;
            }
            continue;
        }
        t.accented += 1;
        if is_vietnamese_syllable(raw) {
            t.unicode += 1;
        }
        if tcvn3_word(raw).is_some_and(|w| reads_as_vietnamese(&w)) {
            t.tcvn3 += 1;
        }
        if vni_word(raw).is_some_and(|w| reads_as_vietnamese(&w)) {
            t.vni += 1;
        }
    }
    t
}

/// Guesses the encoding of one cell's text.
///
/// Conservative: the text is taken as TCVN3 or VNI only if it contains no
/// letter beyond Latin-1, more of its accented words are well-formed
/// Vietnamese syllables in that reading than as they stand, and at least
/// 70 % of all its words (counting ASCII words and capital abbreviations)
/// read as Vietnamese. Ties stay [`Encoding::Unicode`].
pub fn detect(s: &str) -> Encoding {
    tally(s).decide(Encoding::Unicode)
}

/// Guesses the encoding of a whole sheet or column from all its cells;
/// pass the result to [`repair_with_hint`]. Cells that can only be Unicode
/// are left out of the count, so a few cells retyped in Unicode do not hide
/// a legacy sheet.
pub fn detect_all<'a, I>(cells: I) -> Encoding
where
    I: IntoIterator<Item = &'a str>,
{
    let mut total = Tally::default();
    for cell in cells {
        let t = tally(cell);
        if !t.definitely_unicode {
            total.add(t);
        }
    }
    total.decide(Encoding::Unicode)
}

/// Repairs the texts of a whole sheet in place, as [`detect_all`] over
/// them and then [`repair_with_hint`] on each would, reading each text
/// once: only the texts whose reading depends on the sheet's encoding keep
/// their counts for the second pass. Both passes are shared with a second
/// thread for a large sheet ([`crate::parallel`]): the counts add up and
/// each text is repaired on its own, so the result is the same.
pub(crate) fn repair_all(texts: &mut [&mut String]) {
    let view: &[&mut String] = texts;
    let counted = map_chunks(view.len(), |range| {
        let mut total = Tally::default();
        // Texts that are plainly Unicode (or ASCII) whatever the sheet's
        // encoding are not kept.
        let mut undecided: Vec<(usize, Tally)> = Vec::new();
        for i in range {
            let t = tally(view[i]);
            if t.definitely_unicode {
                continue;
            }
            total.add(t);
            if t.accented > 0 {
                undecided.push((i, t));
            }
        }
        (total, undecided)
    });
    let mut total = Tally::default();
    let mut undecided: Vec<(usize, Tally)> = Vec::new();
    for (part, kept) in counted {
        total.add(part);
        undecided.extend(kept);
    }
    let sheet = total.decide(Encoding::Unicode);
    let undecided = &undecided;
    let repaired = map_chunks(view.len(), |range| {
        let mut pending = undecided[undecided.partition_point(|(j, _)| *j < range.start)..]
            .iter()
            .peekable();
        let mut changed = Vec::new();
        for i in range {
            let encoding = match pending.next_if(|(j, _)| *j == i) {
                Some((_, t)) => t.decide(sheet),
                None => Encoding::Unicode,
            };
            if let Cow::Owned(text) = repair_as(view[i], encoding) {
                changed.push((i, text));
            }
        }
        changed
    });
    for (i, text) in repaired.into_iter().flatten() {
        *texts[i] = text;
    }
}

/// Repairs one cell: detects its encoding ([`detect`]) and returns NFC
/// Unicode. Borrows when nothing changes. Tone placement is kept as
/// written; use `domain::text::canonical` for comparison.
pub fn repair(s: &str) -> Cow<'_, str> {
    repair_as(s, detect(s))
}

/// Repairs one cell of a sheet whose encoding was found with
/// [`detect_all`]: a cell that is ambiguous on its own (`Ghi chó`) follows
/// the sheet, while cells that are clearly Unicode, or clearly not in the
/// sheet's encoding, are decided by themselves.
pub fn repair_with_hint(s: &str, sheet: Encoding) -> Cow<'_, str> {
    repair_as(s, tally(s).decide(sheet))
}

/// Decodes `s` as `encoding` unconditionally and returns NFC Unicode.
pub fn repair_as(s: &str, encoding: Encoding) -> Cow<'_, str> {
    match encoding {
        Encoding::Unicode if is_nfc(s) => Cow::Borrowed(s),
        Encoding::Unicode => Cow::Owned(s.nfc().collect()),
        Encoding::Tcvn3 if s.is_ascii() => Cow::Borrowed(s),
        Encoding::Tcvn3 => Cow::Owned(decode_tcvn3(s).nfc().collect()),
        Encoding::Vni if s.is_ascii() => Cow::Borrowed(s),
        Encoding::Vni => Cow::Owned(decode_vni(s).nfc().collect()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// Every text cell with non-ASCII characters in
    /// data/samples/p135_yen-lap_2013_tcvn3.xls (read with xlrd), and
    /// its meaning.
    const YEN_LAP: &[(&str, &str)] = &[
        ("UBND HUYÖN Y£N LËP", "UBND HUYỆN YÊN LẬP"),
        ("CéNG HßA X· HéI CHñ NGHÜA VIÖT NAM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
        ("PHßNG D¢N TéC", "PHÒNG DÂN TỘC"),
        ("§éc lËp - Tù do - H¹nh phóc", "Độc lập - Tự do - Hạnh phúc"),
        (
            "B¸O C¸O KÕT QU¶ PH¢N Bæ Vµ GI¶I NG¢N VèN CH¦¥NG TR×NH 135 N¡M 2013",
            "BÁO CÁO KẾT QUẢ PHÂN BỔ VÀ GIẢI NGÂN VỐN CHƯƠNG TRÌNH 135 NĂM 2013",
        ),
        (
            "(KÌm theo B¸o c¸o sè 183/BC-PDT ngµy 15/12/2013 cña Phßng D©n téc huyÖn Yªn LËp, tØnh Phó Thä)",
            "(Kèm theo Báo cáo số 183/BC-PDT ngày 15/12/2013 của Phòng Dân tộc huyện Yên Lập, tỉnh Phú Thọ)",
        ),
        ("§¬n vÞ tÝnh: triÖu ®ång", "Đơn vị tính: triệu đồng"),
        ("Tªn x·, th«n", "Tên xã, thôn"),
        ("M· x·", "Mã xã"),
        ("KÕ ho¹ch vèn n¨m 2013", "Kế hoạch vốn năm 2013"),
        ("Gi¶i ng©n ®Õn 31/12/2013", "Giải ngân đến 31/12/2013"),
        ("Tû lÖ gi¶i ng©n (%)", "Tỷ lệ giải ngân (%)"),
        ("Ghi chó", "Ghi chú"),
        ("Tæng sè", "Tổng số"),
        ("Hç trî ®Çu t\u{ad} CSHT", "Hỗ trợ đầu tư CSHT"),
        ("Hç trî PTSX", "Hỗ trợ PTSX"),
        ("TæNG CéNG", "TỔNG CỘNG"),
        ("ThÞ trÊn Yªn LËp", "Thị trấn Yên Lập"),
        ("X· Mü Lung", "Xã Mỹ Lung"),
        ("X· Mü L\u{ad}¬ng", "Xã Mỹ Lương"),
        ("X· L\u{ad}¬ng S¬n", "Xã Lương Sơn"),
        ("B¶n Mßn", "Bản Mòn"),
        ("Th«n §BKK", "Thôn ĐBKK"),
        ("Xãm Gi¸c", "Xóm Giác"),
        ("X· Xu©n An", "Xã Xuân An"),
        ("X· Xu©n Thñy", "Xã Xuân Thủy"),
        ("X· Trung S¬n", "Xã Trung Sơn"),
        ("Xãm Dïng", "Xóm Dùng"),
        ("Xãm BÕn Th©n", "Xóm Bến Thân"),
        ("B¶n LÇy", "Bản Lầy"),
        ("X· Nga Hoµng", "Xã Nga Hoàng"),
        ("B¶n Xu©n", "Bản Xuân"),
        ("Khu Liªn Thµnh", "Khu Liên Thành"),
        ("X· Th\u{ad}îng Long", "Xã Thượng Long"),
        ("Khu N\u{ad}a", "Khu Nưa"),
        ("X· §ång ThÞnh", "Xã Đồng Thịnh"),
        ("Khu §ång T©m", "Khu Đồng Tâm"),
        ("X· Phóc Kh¸nh", "Xã Phúc Khánh"),
        ("Xãm ChiÒng", "Xóm Chiềng"),
        ("Xãm §ång ThÞnh", "Xóm Đồng Thịnh"),
        ("NG¦êI LËP BIÓU", "NGƯỜI LẬP BIỂU"),
        ("TR¦ëNG PHßNG", "TRƯỞNG PHÒNG"),
        ("NguyÔn ThÞ H»ng", "Nguyễn Thị Hằng"),
        ("Hoµng V¨n Th¾ng", "Hoàng Văn Thắng"),
    ];

    /// Cells whose every accented word is also a valid syllable as it
    /// stands: undecidable alone, repaired with the sheet's hint.
    const YEN_LAP_AMBIGUOUS_ALONE: &[&str] = &["Ghi chó"];

    #[test]
    fn tcvn3_table_covers_all_letters() {
        let lower = "ăâêôơưđàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ";
        assert_eq!(lower.chars().count(), 67);
        let decoded: Vec<char> = TCVN3_LETTERS.iter().map(|&(_, c)| c).collect();
        for c in lower.chars() {
            assert!(decoded.contains(&c), "{c} missing");
        }
        for c in "ĂÂÊÔƠƯĐ".chars() {
            assert!(decoded.contains(&c), "{c} missing");
        }
        // The 60 toned capitals come from the capital font: lower-case code,
        // upper-cased. Together: all 134 letters.
        let mut all: Vec<char> = Vec::new();
        for &(code, _) in &TCVN3_LETTERS {
            let raw = char::from(code).to_string();
            all.extend(decode_tcvn3(&raw).chars());
            all.extend(decode_tcvn3_upper(&raw).chars());
        }
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 134);
        // Codes are distinct and all in A1..=FE.
        let mut codes: Vec<u8> = TCVN3_LETTERS.iter().map(|&(b, _)| b).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 74);
        assert!(codes.iter().all(|&b| (0xA1..=0xFE).contains(&b)));
    }

    #[test]
    fn tcvn3_examples_from_the_brief() {
        assert_eq!(repair("Uû ban nh©n d©n"), "Uỷ ban nhân dân");
        assert_eq!(repair("X· Mü L\u{ad}¬ng"), "Xã Mỹ Lương");
        assert_eq!(detect("Uû ban nh©n d©n"), Encoding::Tcvn3);
    }

    #[test]
    fn yen_lap_sample_per_cell() {
        for &(raw, expected) in YEN_LAP {
            let got = repair(raw);
            if YEN_LAP_AMBIGUOUS_ALONE.contains(&raw) {
                assert_eq!(got, raw, "{raw:?} should stay as it is when alone");
                assert_eq!(detect(raw), Encoding::Unicode);
            } else {
                assert_eq!(got, expected, "{raw:?}");
                assert_eq!(detect(raw), Encoding::Tcvn3, "{raw:?}");
            }
            // Unconditional decoding is always right for this file.
            assert_eq!(decode_tcvn3(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn yen_lap_sample_as_a_sheet() {
        let mut cells: Vec<&str> = YEN_LAP.iter().map(|&(raw, _)| raw).collect();
        cells.extend(["STT", "(1)", "08290", "I", "II", "48278.125", "", "1"]);
        let sheet = detect_all(cells.iter().copied());
        assert_eq!(sheet, Encoding::Tcvn3);
        for &(raw, expected) in YEN_LAP {
            assert_eq!(repair_with_hint(raw, sheet), expected, "{raw:?}");
        }
        for ascii in ["STT", "(1)", "08290", "CSHT"] {
            assert!(matches!(repair_with_hint(ascii, sheet), Cow::Borrowed(_)));
        }
        // A cell retyped in Unicode inside the legacy sheet is kept.
        assert_eq!(repair_with_hint("Xã Mỹ Lương", sheet), "Xã Mỹ Lương");
        // Latin-1 letters alone cannot say whether "Ghi chú" was retyped in
        // Unicode; inside a TCVN3 sheet it is read as TCVN3 ("Ghi chỳ").
    }

    #[test]
    fn tcvn3_capitals() {
        let cases = [
            ("TæNG CéNG", "TỔNG CỘNG"),
            ("UBND HUYÖN Y£N LËP", "UBND HUYỆN YÊN LẬP"),
            ("Phßng D©n téc HUYÖN Y£N LËP", "Phòng Dân tộc HUYỆN YÊN LẬP"),
            ("Vµ", "Và"),
            ("Th«n §BKK", "Thôn ĐBKK"),
            ("§¡K L¡K", "ĐĂK LĂK"),
        ];
        for (raw, expected) in cases {
            assert_eq!(decode_tcvn3(raw), expected, "{raw:?}");
        }
        assert_eq!(decode_tcvn3_upper("uû ban nh©n d©n"), "UỶ BAN NHÂN DÂN");
    }

    #[test]
    fn vni_examples() {
        let cases = [
            ("Vieät Nam", "Việt Nam"),
            ("Thaønh phoá Hoà Chí Minh", "Thành phố Hồ Chí Minh"),
            ("Ñaø Naüng", "Đà Nẵng"),
            ("UÛy ban nhaân daân", "Ủy ban nhân dân"),
            ("Ngöôøi laäp bieåu", "Người lập biểu"),
            ("Tröôøng Ñaïi hoïc", "Trường Đại học"),
            ("Nguyeãn Thò Minh Khai", "Nguyễn Thị Minh Khai"),
            ("Ñoàng Thaùp", "Đồng Tháp"),
            ("Quaûng Ngaõi", "Quảng Ngãi"),
            ("Kyø hoïp thöù 5", "Kỳ họp thứ 5"),
            ("Hoøa Bình", "Hòa Bình"),
            ("THAØNH PHOÁ", "THÀNH PHỐ"),
            ("ÑAÉK LAÉK", "ĐẮK LẮK"),
            ("Xaõ Myõ Löông", "Xã Mỹ Lương"),
            ("Tyû leä giaûi ngaân", "Tỷ lệ giải ngân"),
            ("Ñôn vò tính: trieäu ñoàng", "Đơn vị tính: triệu đồng"),
            ("Khu Ñoàng Taâm", "Khu Đồng Tâm"),
            ("Cuïc Thoáng keâ", "Cục Thống kê"),
            ("Thöôøng xuyeân, haøng thaùng", "Thường xuyên, hàng tháng"),
            ("Quyù IV/2017", "Quý IV/2017"),
            ("Ñaêk Toâ", "Đăk Tô"),
        ];
        for (raw, expected) in cases {
            assert_eq!(decode_vni(raw), expected, "{raw:?}");
            assert_eq!(detect(raw), Encoding::Vni, "{raw:?}");
            assert_eq!(repair(raw), expected, "{raw:?}");
        }
    }

    #[test]
    fn untouched_text() {
        let cases = [
            // Plain ASCII and Unicode Vietnamese.
            "",
            "STT",
            "48278.125",
            "Ghi chu",
            "Ủy ban nhân dân huyện Yên Lập",
            "Xã Mỹ Lương",
            "Tổng cộng",
            "Đồng Tâm",
            // Unicode Vietnamese using only Latin-1 letters.
            "Ghi chú",
            "Cà Mau",
            "Tô Hà",
            "Lê Bá Tá",
            "Phú Yên",
            "Tô Lâm",
            "Trà Vinh",
            // Other languages.
            "Café",
            "Crème brûlée",
            "Müller",
            "São Paulo",
            "España",
            "naïve",
            "Noël",
            "Ærø",
            "Größe",
            "façade",
            "smörgåsbord",
            "Zürich",
            "Ångström",
            "Là où il est",
            "Ça va très bien",
            "José Martí",
            "Łódź",
            "Москва",
            "北京",
            // Symbols.
            "5 µm",
            "© 2017 ABC",
            "½ kg",
            "± 5%",
            "25 °C",
            "§ 3",
            "« Bonjour »",
        ];
        for s in cases {
            assert_eq!(detect(s), Encoding::Unicode, "{s:?}");
            assert_eq!(repair(s), s, "{s:?}");
            assert!(matches!(repair(s), Cow::Borrowed(_)), "{s:?}");
        }
    }

    #[test]
    fn repair_normalises_unicode_to_nfc() {
        let nfd = "Vie\u{323}\u{302}t Nam";
        assert_eq!(detect(nfd), Encoding::Unicode);
        let repaired = repair(nfd);
        assert_eq!(repaired, "Việt Nam");
        assert!(matches!(repaired, Cow::Owned(_)));
    }

    #[test]
    fn sheet_detection() {
        let unicode_sheet = ["Xã Mỹ Lương", "Ghi chú", "Cà Mau", "Tổng số", "STT"];
        assert_eq!(detect_all(unicode_sheet), Encoding::Unicode);
        let vni_sheet = ["Xaõ Myõ Löông", "Ghi chuù", "Toång soá", "STT"];
        assert_eq!(detect_all(vni_sheet), Encoding::Vni);
        let foreign = ["Café", "Müller", "São Paulo", "Ça va"];
        assert_eq!(detect_all(foreign), Encoding::Unicode);
        assert_eq!(detect_all(Vec::<&str>::new()), Encoding::Unicode);
        // A Unicode cell in a TCVN3 sheet stays Unicode under the hint.
        assert_eq!(repair_with_hint("Hòa Bình", Encoding::Tcvn3), "Hòa Bình");
        assert_eq!(repair_with_hint("Café", Encoding::Tcvn3), "Café");
        assert_eq!(repair_with_hint("Café", Encoding::Vni), "Café");
        assert_eq!(repair_with_hint("Xãm", Encoding::Tcvn3), "Xóm");
        assert_eq!(repair_with_hint("Xãm", Encoding::Unicode), "Xãm");
    }

    #[test]
    fn repair_as_is_unconditional() {
        assert_eq!(repair_as("Café", Encoding::Tcvn3), "Cafộ");
        assert_eq!(repair_as("Vieät", Encoding::Vni), "Việt");
        assert_eq!(repair_as("Vieät", Encoding::Unicode), "Vieät");
        assert!(matches!(
            repair_as("ASCII", Encoding::Vni),
            Cow::Borrowed(_)
        ));
    }
}
