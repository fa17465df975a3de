//! Numbers typed as text in report cells, Vietnamese or English style,
//! read exactly into [`Decimal`].
//!
//! # Rules
//!
//! * Surrounding white space (including no-break spaces) is ignored; `""`,
//!   `"-"`, `"–"`, `"—"` and similar dashes mean *no value* (`Ok(None)`).
//! * A leading `-`, `−` (U+2212) or `+` gives the sign; `(1.234)` in
//!   parentheses is negative (accounting style).
//! * When both `.` and `,` occur, the one that occurs last is the decimal
//!   separator and the other groups thousands: `1.234,5` and `1,234.5` are
//!   both 1234.5.
//! * A separator that occurs more than once groups thousands: `1.234.567`,
//!   `1,234,567`.
//! * A single `,` is the decimal separator (Vietnamese style): `1,5` = 1.5,
//!   `1234,5` = 1234.5, and also `1,234` = 1.234.
//! * A single `.` groups thousands when it is followed by exactly three
//!   digits and preceded by one to three digits not starting with 0
//!   (Vietnamese style): `1.234` = 1234, `12.345` = 12345. Otherwise it is
//!   the decimal point: `1234.5`, `1.5`, `0.234`, `1.2345`.
//! * Spaces (ordinary, no-break, thin) may group thousands: ` 12 345 `.
//!   Then a single `.` or `,` is the decimal separator: `1 234.5`.
//! * Thousands groups must be well formed (1–3 digits, then groups of
//!   exactly 3): `1.23.456` and `12 34` are errors, not guesses.
//! * Anything else (letters, `%`, currency signs, a trailing separator) is
//!   an error with a bilingual message.

use domain::money::{AmountUnit, Decimal, MoneyError};

/// Why a text is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberProblem {
    /// A character that cannot be part of a number.
    UnexpectedChar(char),
    /// No digits at all.
    NoDigits,
    /// A separator in a place where it makes no sense (`5,`, `1,2,3.4.5`).
    MisplacedSeparator,
    /// Thousands groups that are not 1–3 digits followed by groups of 3.
    BadGrouping,
    /// Both parentheses and a sign, or a sign in the wrong place.
    MisplacedSign,
    /// More than 38 significant digits.
    TooManyDigits,
}

impl NumberProblem {
    /// Vietnamese description.
    pub fn vi(self) -> String {
        match self {
            NumberProblem::UnexpectedChar(c) => format!("ký tự không hợp lệ '{c}'"),
            NumberProblem::NoDigits => "không có chữ số".to_owned(),
            NumberProblem::MisplacedSeparator => "dấu phân cách sai vị trí".to_owned(),
            NumberProblem::BadGrouping => "nhóm hàng nghìn không đúng".to_owned(),
            NumberProblem::MisplacedSign => "dấu âm/dương sai vị trí".to_owned(),
            NumberProblem::TooManyDigits => "quá nhiều chữ số".to_owned(),
        }
    }

    /// English description.
    pub fn en(self) -> String {
        match self {
            NumberProblem::UnexpectedChar(c) => format!("unexpected character '{c}'"),
            NumberProblem::NoDigits => "no digits".to_owned(),
            NumberProblem::MisplacedSeparator => "misplaced separator".to_owned(),
            NumberProblem::BadGrouping => "malformed thousands grouping".to_owned(),
            NumberProblem::MisplacedSign => "misplaced sign".to_owned(),
            NumberProblem::TooManyDigits => "too many digits".to_owned(),
        }
    }
}

/// A cell that could not be read as a number or amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// The text is not a number.
    #[error("không đọc được số \"{input}\": {} / cannot read number \"{input}\": {}", .problem.vi(), .problem.en())]
    Invalid {
        /// The cell text.
        input: String,
        /// What is wrong with it.
        problem: NumberProblem,
    },
    /// The number is fine but is not a whole amount of đồng.
    #[error("\"{input}\": {source}")]
    Money {
        /// The cell text.
        input: String,
        /// The conversion error.
        source: MoneyError,
    },
}

fn invalid(input: &str, problem: NumberProblem) -> NumberError {
    NumberError::Invalid {
        input: input.to_owned(),
        problem,
    }
}

fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{A0}' | '\u{202F}' | '\u{2009}')
}

fn is_empty_marker(s: &str) -> bool {
    s.is_empty() || s.chars().all(|c| matches!(c, '-' | '–' | '—' | '−' | '―'))
}

/// Checks thousands groups: the first 1–3 digits, the others exactly 3.
fn groups_ok<'a>(mut groups: impl Iterator<Item = &'a str>) -> bool {
    let Some(first) = groups.next() else {
        return false;
    };
    if !(1..=3).contains(&first.len()) {
        return false;
    }
    groups.all(|g| g.len() == 3)
}

/// Reads a number typed as text; see the [module rules](self).
/// `Ok(None)` for an empty cell or a dash.
///
/// # Errors
/// [`NumberError::Invalid`] with the reason, in Vietnamese and English.
pub fn parse_number(text: &str) -> Result<Option<Decimal>, NumberError> {
    let s = text.trim();
    if is_empty_marker(s) {
        return Ok(None);
    }
    let (parenthesised, s) = match s.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        Some(inner) => (true, inner.trim()),
        None => (false, s),
    };
    if parenthesised && is_empty_marker(s) {
        return Ok(None);
    }
    let (negative, body) = if let Some(rest) = s.strip_prefix(['-', '−']) {
        (true, rest.trim_start())
    } else if let Some(rest) = s.strip_prefix('+') {
        (false, rest.trim_start())
    } else {
        (false, s)
    };
    if parenthesised && body.len() != s.len() {
        return Err(invalid(text, NumberProblem::MisplacedSign));
    }
    let negative = negative || parenthesised;

    if let Some(c) = body
        .chars()
        .find(|&c| !(c.is_ascii_digit() || c == '.' || c == ',' || is_group_space(c)))
    {
        let problem = if matches!(c, '-' | '−' | '+' | '(' | ')') {
            NumberProblem::MisplacedSign
        } else {
            NumberProblem::UnexpectedChar(c)
        };
        return Err(invalid(text, problem));
    }
    if !body.bytes().any(|b| b.is_ascii_digit()) {
        return Err(invalid(text, NumberProblem::NoDigits));
    }

    let dots = body.matches('.').count();
    let commas = body.matches(',').count();
    let spaced = body.chars().any(is_group_space);
    let (decimal, group) = match (dots, commas) {
        (0, 0) => (None, None),
        (_, 0) if dots > 1 => (None, Some('.')),
        (_, 0) => {
            let (int, frac) = body.split_once('.').unwrap_or((body, ""));
            let thousands =
                !spaced && (1..=3).contains(&int.len()) && !int.starts_with('0') && frac.len() == 3;
            if thousands {
                (None, Some('.'))
            } else {
                (Some('.'), None)
            }
        }
        (0, _) if commas > 1 => (None, Some(',')),
        (0, _) => (Some(','), None),
        _ => {
            let last_dot = body.rfind('.');
            let last_comma = body.rfind(',');
            if last_dot > last_comma {
                (Some('.'), Some(','))
            } else {
                (Some(','), Some('.'))
            }
        }
    };
    if spaced && group.is_some() {
        return Err(invalid(text, NumberProblem::BadGrouping));
    }

    let (int, frac) = match decimal {
        Some(d) => {
            let (int, frac) = body.split_once(d).unwrap_or((body, ""));
            if frac.is_empty() || !frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(text, NumberProblem::MisplacedSeparator));
            }
            (int, frac)
        }
        None => (body, ""),
    };
    let int = int.trim_end_matches(is_group_space);
    if !int.is_empty() {
        let grouped = match group {
            Some(g) => int.contains(g),
            None => spaced,
        };
        if grouped {
            let ok = match group {
                Some(g) => groups_ok(int.split(g)),
                None => groups_ok(int.split(is_group_space).filter(|g| !g.is_empty())),
            };
            if !ok {
                return Err(invalid(text, NumberProblem::BadGrouping));
            }
        }
    }

    let digits = int.bytes().chain(frac.bytes()).filter(u8::is_ascii_digit);
    let mut mantissa: i128 = 0;
    let mut significant = 0usize;
    for b in digits {
        if mantissa != 0 || b != b'0' {
            significant += 1;
        }
        if significant > 38 {
            return Err(invalid(text, NumberProblem::TooManyDigits));
        }
        mantissa = mantissa * 10 + i128::from(b - b'0');
    }
    let scale =
        u32::try_from(frac.len()).map_err(|_| invalid(text, NumberProblem::TooManyDigits))?;
    Ok(Some(Decimal::new(
        if negative { -mantissa } else { mantissa },
        scale,
    )))
}

/// Reads an amount typed as text in `unit` and converts it to whole đồng:
/// `parse_amount("1.234,5", AmountUnit::TrieuDong)` → `Ok(Some(1_234_500_000))`.
///
/// # Errors
/// [`NumberError::Invalid`] for text that is not a number,
/// [`NumberError::Money`] for a fraction of a đồng or an overflow.
pub fn parse_amount(text: &str, unit: AmountUnit) -> Result<Option<i64>, NumberError> {
    let Some(value) = parse_number(text)? else {
        return Ok(None);
    };
    value
        .to_dong(unit)
        .map(Some)
        .map_err(|source| NumberError::Money {
            input: text.to_owned(),
            source,
        })
}

/// Converts a numeric cell (an Excel double) in `unit` to whole đồng
/// exactly, via [`Decimal::from_f64_exact`]: 2339.037 triệu →
/// 2 339 037 000 đ.
///
/// # Errors
/// [`NumberError::Money`] for NaN, infinities, fractions of a đồng and
/// overflow.
pub fn amount_from_f64(value: f64, unit: AmountUnit) -> Result<i64, NumberError> {
    if let Some(dong) = whole_dong(value, unit) {
        return Ok(dong);
    }
    Decimal::from_f64_exact(value)
        .and_then(|d| d.to_dong(unit))
        .map_err(|source| NumberError::Money {
            input: value.to_string(),
            source,
        })
}

/// The common case of [`amount_from_f64`] without formatting the double:
/// `value` × the unit factor rounded to a whole number `n` of đồng, when
/// `n` ÷ the factor rounds back to `value` and |`n`| < 2^50. Then `n` is
/// what the exact route gives: below 2^50 đồng the doubles that round to
/// `value` span less than a quarter of 10^-k units (k the unit's exponent),
/// so `n` ÷ 10^k is the only decimal with at most k decimals among them,
/// and the shortest decimal that reads back as `value` (which
/// [`Decimal::from_f64_exact`] takes) has at most k decimals whenever one
/// such decimal exists. `None` otherwise: the caller takes the exact route.
fn whole_dong(value: f64, unit: AmountUnit) -> Option<i64> {
    /// 2^50.
    const LIMIT: f64 = 1_125_899_906_842_624.0;
    // Exact: 1, 10^3, 10^6, 10^9.
    #[allow(clippy::cast_precision_loss)]
    let factor = unit.factor() as f64;
    let n = (value * factor).round();
    if !n.is_finite() || n.abs() >= LIMIT {
        return None;
    }
    // `n` is a whole number below 2^50: the cast is exact.
    #[allow(clippy::cast_possible_truncation)]
    (n / factor == value).then_some(n as i64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn numbers_from_the_brief_and_more() {
        let cases: &[(&str, &str)] = &[
            ("1.234,5", "1234.5"),
            ("1.234.567", "1234567"),
            ("1,234.5", "1234.5"),
            ("1234,5", "1234.5"),
            ("1234.5", "1234.5"),
            (" 12 345 ", "12345"),
            ("-1.234", "-1234"),
            ("(1.234)", "-1234"),
            // Ambiguous cases, Vietnamese style.
            ("1.234", "1234"),
            ("12.345", "12345"),
            ("123.456", "123456"),
            ("1,5", "1.5"),
            ("1,234", "1.234"),
            ("1.5", "1.5"),
            ("0.234", "0.234"),
            ("1.2345", "1.2345"),
            ("1234.567", "1234.567"),
            // Multiple groups.
            ("1,234,567", "1234567"),
            ("1.234.567,89", "1234567.89"),
            ("1,234,567.89", "1234567.89"),
            ("48.278,125", "48278.125"),
            ("48,278.125", "48278.125"),
            // Spaces.
            ("1 234 567", "1234567"),
            ("1\u{a0}234\u{a0}567,5", "1234567.5"),
            ("1\u{202f}234", "1234"),
            ("1 234.5", "1234.5"),
            ("12 345,678", "12345.678"),
            // Signs and parentheses.
            ("+7", "7"),
            ("−1,5", "-1.5"),
            ("- 1.234", "-1234"),
            ("( 1.234,5 )", "-1234.5"),
            ("(0)", "0"),
            ("-0", "0"),
            // Leading decimal separator, plain integers.
            (",5", "0.5"),
            (".5", "0.5"),
            ("0", "0"),
            ("007", "7"),
            ("2013", "2013"),
            ("0,0005", "0.0005"),
            (
                "99999999999999999999999999999999999999",
                "99999999999999999999999999999999999999",
            ),
        ];
        for &(text, expected) in cases {
            assert_eq!(parse_number(text), Ok(Some(dec(expected))), "{text:?}");
        }
        // Scale is kept (1,50 has two decimals).
        assert_eq!(parse_number("1,50").unwrap().unwrap().scale(), 2);
    }

    #[test]
    fn empty_cells() {
        for text in [
            "", "   ", "-", "--", "–", "—", "−", "\u{a0}", " - ", "(-)", "()",
        ] {
            assert_eq!(parse_number(text), Ok(None), "{text:?}");
            assert_eq!(
                parse_amount(text, AmountUnit::TrieuDong),
                Ok(None),
                "{text:?}"
            );
        }
    }

    #[test]
    fn garbage_is_rejected() {
        use NumberProblem::*;
        let cases: &[(&str, NumberProblem)] = &[
            ("abc", UnexpectedChar('a')),
            ("12a", UnexpectedChar('a')),
            ("79,2%", UnexpectedChar('%')),
            ("1.234 đ", UnexpectedChar('đ')),
            ("1e5", UnexpectedChar('e')),
            ("x", UnexpectedChar('x')),
            ("Không", UnexpectedChar('K')),
            ("5,", MisplacedSeparator),
            ("5.", MisplacedSeparator),
            ("1.234,", MisplacedSeparator),
            ("1,2,3.4.5", MisplacedSeparator),
            ("1.234,5,6", MisplacedSeparator),
            ("1.23.456", BadGrouping),
            ("1234.567.890", BadGrouping),
            ("12 34", BadGrouping),
            ("1 234.567.890", BadGrouping),
            ("1..234", BadGrouping),
            (".", NoDigits),
            (",.", NoDigits),
            ("(-5)", MisplacedSign),
            ("5-", MisplacedSign),
            ("1-2", MisplacedSign),
            ("--5", MisplacedSign),
            ("(5", MisplacedSign),
            ("999999999999999999999999999999999999999", TooManyDigits),
        ];
        for &(text, problem) in cases {
            assert_eq!(
                parse_number(text),
                Err(NumberError::Invalid {
                    input: text.to_owned(),
                    problem
                }),
                "{text:?}"
            );
        }
    }

    #[test]
    fn error_messages_are_bilingual() {
        let err = parse_number("12a").unwrap_err().to_string();
        assert_eq!(
            err,
            "không đọc được số \"12a\": ký tự không hợp lệ 'a' / cannot read number \"12a\": unexpected character 'a'"
        );
        let err = parse_amount("0,0000005", AmountUnit::TrieuDong)
            .unwrap_err()
            .to_string();
        assert!(err.contains("không phải số đồng nguyên"), "{err}");
        assert!(err.contains("not a whole number of đồng"), "{err}");
    }

    #[test]
    fn amounts() {
        use AmountUnit::*;
        let cases: &[(&str, AmountUnit, i64)] = &[
            ("1.234,5", TrieuDong, 1_234_500_000),
            ("0,0005", TrieuDong, 500),
            ("48.278,125", TrieuDong, 48_278_125_000),
            ("(1.234)", NghinDong, -1_234_000),
            ("1.234.567", Dong, 1_234_567),
            ("12,5", TyDong, 12_500_000_000),
        ];
        for &(text, unit, dong) in cases {
            assert_eq!(parse_amount(text, unit), Ok(Some(dong)), "{text:?}");
        }
        assert!(matches!(
            parse_amount("0,0000005", TrieuDong),
            Err(NumberError::Money {
                source: MoneyError::FractionalDong { .. },
                ..
            })
        ));
        assert!(matches!(
            parse_amount("99.999.999.999", TyDong),
            Err(NumberError::Money {
                source: MoneyError::Overflow,
                ..
            })
        ));
        assert_eq!(amount_from_f64(2339.037, TrieuDong), Ok(2_339_037_000));
        assert_eq!(amount_from_f64(263.249, TrieuDong), Ok(263_249_000));
        assert!(amount_from_f64(f64::NAN, TrieuDong).is_err());
        assert!(amount_from_f64(1.5, Dong).is_err());
    }

    proptest! {
        #[test]
        fn vietnamese_formatting_roundtrips(x in any::<i64>(), decimals in 0u32..4) {
            let text = domain::money::format_in_unit(x, AmountUnit::Dong, decimals);
            let parsed = parse_number(&text).unwrap().unwrap();
            prop_assert_eq!(parsed, Decimal::from_i64(x));
        }

        #[test]
        fn whole_dong_agrees_with_the_exact_route(
            n in -(1i64 << 52)..(1i64 << 52),
            bits in any::<u64>(),
            nudge in -2i64..=2,
            unit in prop_oneof![
                Just(AmountUnit::Dong),
                Just(AmountUnit::NghinDong),
                Just(AmountUnit::TrieuDong),
                Just(AmountUnit::TyDong),
            ],
        ) {
            let exact = |v: f64| Decimal::from_f64_exact(v).and_then(|d| d.to_dong(unit)).ok();
            #[allow(clippy::cast_precision_loss)]
            let typed = n as f64 / unit.factor() as f64;
            // The neighbouring doubles, which are not whole numbers of đồng.
            let nudged = f64::from_bits(typed.to_bits().wrapping_add_signed(nudge));
            for value in [typed, nudged, f64::from_bits(bits), -typed] {
                if let Some(dong) = whole_dong(value, unit) {
                    prop_assert_eq!(Some(dong), exact(value), "{} in {:?}", value, unit);
                }
                prop_assert_eq!(
                    amount_from_f64(value, unit).ok(),
                    exact(value),
                    "{} in {:?}",
                    value,
                    unit
                );
            }
            // Amounts as typed in a sheet take the quick route.
            if n.abs() < 1 << 50 {
                prop_assert_eq!(whole_dong(typed, unit), Some(n));
            }
        }

        #[test]
        fn never_panics(s in "\\PC{0,20}") {
            let _ = parse_number(&s);
        }

        #[test]
        fn digits_and_separators_never_panic(s in "[0-9.,() \\-]{0,20}") {
            let _ = parse_number(&s);
        }
    }
}
