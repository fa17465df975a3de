//! Money: always a whole number of đồng in an `i64`, never a float.
//!
//! Legacy reports state amounts in nghìn / triệu / tỷ đồng with decimals
//! ("1.234,5" triệu đồng); [`Decimal`] holds such a figure exactly and
//! [`Decimal::to_dong`] converts it to đồng, refusing (never rounding) when
//! the result is not a whole number of đồng or does not fit.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::text::fold;

/// Errors from exact money arithmetic. Messages are Vietnamese / English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The amount is not a whole number of đồng (e.g. 0,0000005 triệu).
    #[error("{amount} {unit} không phải số đồng nguyên / is not a whole number of đồng")]
    FractionalDong {
        /// The amount as written in its unit, e.g. `"0.0000005"`.
        amount: String,
        /// The unit the amount was stated in.
        unit: AmountUnit,
    },
    /// The amount does not fit in an `i64` number of đồng.
    #[error("số tiền vượt quá giới hạn / amount out of range")]
    Overflow,
    /// A float cell was NaN or infinite.
    #[error("giá trị không phải số hữu hạn / value is not a finite number")]
    NotFinite,
    /// Text given to [`Decimal::from_str`] is not a plain decimal.
    #[error("\"{0}\" không phải số thập phân / is not a plain decimal number")]
    InvalidDecimal(String),
}

/// The unit in which a report states its amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmountUnit {
    /// *đồng* (×1).
    Dong,
    /// *nghìn đồng* / *ngàn đồng* (×1 000).
    NghinDong,
    /// *triệu đồng* (×1 000 000).
    TrieuDong,
    /// *tỷ đồng* (×1 000 000 000).
    TyDong,
}

impl AmountUnit {
    /// All units, smallest first.
    pub const ALL: [AmountUnit; 4] = [
        AmountUnit::Dong,
        AmountUnit::NghinDong,
        AmountUnit::TrieuDong,
        AmountUnit::TyDong,
    ];

    /// Đồng per unit: 1, 1 000, 1 000 000 or 1 000 000 000.
    pub const fn factor(self) -> i64 {
        match self {
            AmountUnit::Dong => 1,
            AmountUnit::NghinDong => 1_000,
            AmountUnit::TrieuDong => 1_000_000,
            AmountUnit::TyDong => 1_000_000_000,
        }
    }

    /// The power of ten of [`factor`](Self::factor): 0, 3, 6 or 9.
    pub const fn exponent(self) -> u32 {
        match self {
            AmountUnit::Dong => 0,
            AmountUnit::NghinDong => 3,
            AmountUnit::TrieuDong => 6,
            AmountUnit::TyDong => 9,
        }
    }

    /// The Vietnamese name, e.g. `"triệu đồng"`.
    pub const fn label(self) -> &'static str {
        match self {
            AmountUnit::Dong => "đồng",
            AmountUnit::NghinDong => "nghìn đồng",
            AmountUnit::TrieuDong => "triệu đồng",
            AmountUnit::TyDong => "tỷ đồng",
        }
    }

    fn from_exponent(e: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|u| u.exponent() == e)
    }

    /// Reads the unit a report states, from a caption or header cell:
    /// `"Đơn vị tính: triệu đồng"`, `"ĐVT: Tr.đồng"`, `"(Đơn vị: 1.000
    /// đồng)"`, `"nghìn đồng"`, `"Triệu đồng"`, `"đồng"`, `"Tỷ đồng"`,
    /// `"ngàn đồng"`, `"1000đ"`, `"VNĐ"`, or a header such as `"Kế hoạch
    /// (triệu đồng)"`. Case, diacritics and spacing do not matter.
    ///
    /// To avoid reading names such as *Khu Đồng Tâm* as a unit, the unit
    /// must be the whole text, follow a *Đơn vị (tính)* / *ĐVT* marker, or
    /// be the whole of a parenthesised part. After a marker a bare
    /// multiplier is enough (`"ĐVT: triệu"`). Returns `None` when the text
    /// states no money unit (`"Đơn vị tính: người"`, `"Tỷ lệ (%)"`).
    pub fn parse(text: &str) -> Option<AmountUnit> {
        let folded = fold(text);
        // After an explicit marker.
        for marker in ["don vi tinh", "don vi", "dvt", "dv"] {
            let mut from = 0;
            while let Some(pos) = folded[from..].find(marker) {
                let start = from + pos;
                let end = start + marker.len();
                from = end;
                let boundary_before = folded[..start]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !c.is_ascii_alphanumeric());
                let boundary_after = folded[end..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_ascii_alphanumeric());
                if !(boundary_before && boundary_after) {
                    continue;
                }
                let rest = folded[end..].trim_start_matches([' ', ':', '.', '-']);
                if let Some(unit) = unit_expression(segment(rest), true) {
                    return Some(unit);
                }
            }
        }
        // The whole text.
        let whole = folded.trim_matches(|c: char| c == '(' || c == ')' || c == ' ');
        if let Some(unit) = unit_expression(whole, false) {
            return Some(unit);
        }
        // A parenthesised part.
        let mut rest = folded.as_str();
        while let Some(open) = rest.find('(') {
            let inner = &rest[open + 1..];
            let close = inner.find(')').unwrap_or(inner.len());
            if let Some(unit) = unit_expression(&inner[..close], false) {
                return Some(unit);
            }
            rest = &inner[close.min(inner.len())..];
        }
        None
    }
}

impl fmt::Display for AmountUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The part of a caption up to the next delimiter.
fn segment(s: &str) -> &str {
    let end = s
        .find([';', ',', ')', '(', '/', '\n', '|'])
        .unwrap_or(s.len());
    &s[..end]
}

/// Parses a folded unit expression such as `"trieu dong"`, `"tr.d"`,
/// `"1.000 dong"`, `"1000d"`, `"vnd"`. With `bare_multiplier`, a
/// multiplier without a currency word is accepted (`"trieu"`).
fn unit_expression(expr: &str, bare_multiplier: bool) -> Option<AmountUnit> {
    // Tokenise: digit groups (with . , and space separators) and letter runs.
    let mut number = String::new();
    let mut words: Vec<&str> = Vec::new();
    let bytes = expr.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            if !words.is_empty() {
                return None;
            }
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_digit()
                    || (matches!(bytes[i], b'.' | b',' | b' ')
                        && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)))
            {
                i += 1;
            }
            number.extend(expr[start..i].chars().filter(char::is_ascii_digit));
        } else if b.is_ascii_alphabetic() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            words.push(&expr[start..i]);
        } else if matches!(b, b' ' | b'.' | b'\t') {
            i += 1;
        } else {
            return None;
        }
    }
    let mut exponent = 0u32;
    let mut has_multiplier = false;
    if !number.is_empty() {
        let digits = number.trim_start_matches('0');
        let rest = digits.strip_prefix('1')?;
        if !rest.bytes().all(|b| b == b'0') {
            return None;
        }
        exponent = u32::try_from(rest.len()).ok()?;
        has_multiplier = true;
    }
    let mut words = words.as_slice();
    // Fused abbreviations.
    let fused = match words {
        ["trd"] => Some(6),
        ["tyd" | "tid"] => Some(9),
        ["ngd"] => Some(3),
        _ => None,
    };
    if let Some(e) = fused {
        return if has_multiplier {
            None
        } else {
            AmountUnit::from_exponent(e)
        };
    }
    if let [first, rest @ ..] = words {
        let e = match *first {
            "nghin" | "ngan" | "ng" => Some(3),
            "trieu" | "tr" => Some(6),
            "ty" | "ti" => Some(9),
            _ => None,
        };
        if let Some(e) = e {
            if has_multiplier {
                return None;
            }
            exponent = e;
            has_multiplier = true;
            words = rest;
        }
    }
    let has_currency = match words {
        [] => false,
        ["dong"] | ["d"] | ["vnd"] | ["dong", "vn"] | ["dong", "viet", "nam"] => true,
        _ => return None,
    };
    if !(has_currency || (bare_multiplier && has_multiplier)) {
        return None;
    }
    AmountUnit::from_exponent(exponent)
}

/// An exact decimal number `mantissa × 10^-scale`, for amounts read from
/// reports before they are converted to whole đồng.
///
/// Equality and ordering are by value (`1.50 == 1.5`).
#[derive(Debug, Clone, Copy)]
pub struct Decimal {
    mantissa: i128,
    scale: u32,
}

/// `10^exp` if it fits in an `i128`.
fn pow10(exp: u32) -> Option<i128> {
    10i128.checked_pow(exp)
}

impl Decimal {
    /// Zero.
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa × 10^-scale`: `Decimal::new(12345, 1)` is 1234.5.
    pub const fn new(mantissa: i128, scale: u32) -> Self {
        Decimal { mantissa, scale }
    }

    /// A whole number.
    pub const fn from_i64(value: i64) -> Self {
        Decimal {
            mantissa: value as i128,
            scale: 0,
        }
    }

    /// The digits, as given (see [`normalize`](Self::normalize)).
    pub const fn mantissa(self) -> i128 {
        self.mantissa
    }

    /// The number of decimal places, as given.
    pub const fn scale(self) -> u32 {
        self.scale
    }

    /// The same value with trailing zero decimals removed: 1.500 → 1.5,
    /// and zero as `0` with scale 0.
    pub fn normalize(self) -> Self {
        let mut d = self;
        if d.mantissa == 0 {
            return Decimal::ZERO;
        }
        while d.scale > 0 && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }

    /// Whether the value is zero.
    pub const fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// Whether the value is below zero.
    pub const fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    /// The negated value; `None` only for the most negative mantissa.
    pub fn checked_neg(self) -> Option<Self> {
        Some(Decimal {
            mantissa: self.mantissa.checked_neg()?,
            scale: self.scale,
        })
    }

    /// The exact decimal a spreadsheet shows for a numeric cell.
    ///
    /// An Excel number such as 2339.037 is stored as the nearest binary
    /// double (2339.03699999…). This takes the *shortest* decimal that
    /// reads back as the same double (Rust's `{:e}` formatting, the same
    /// rule as Excel's display and ryu), so 2339.037 stays 2339.037 and
    /// `to_dong(TrieuDong)` gives 2 339 037 000 đ exactly. No float
    /// arithmetic is done. `-0.0` gives zero.
    ///
    /// # Errors
    /// [`MoneyError::NotFinite`] for NaN and infinities;
    /// [`MoneyError::Overflow`] for magnitudes of 10^38 and above.
    pub fn from_f64_exact(x: f64) -> Result<Self, MoneyError> {
        if !x.is_finite() {
            return Err(MoneyError::NotFinite);
        }
        if x == 0.0 {
            return Ok(Decimal::ZERO);
        }
        let text = format!("{x:e}");
        let (digits_part, exp_part) = text
            .split_once('e')
            .ok_or_else(|| MoneyError::InvalidDecimal(text.clone()))?;
        let exp: i64 = exp_part
            .parse()
            .map_err(|_| MoneyError::InvalidDecimal(text.clone()))?;
        let (negative, digits_part) = match digits_part.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, digits_part),
        };
        let (int_digits, frac_digits) = digits_part.split_once('.').unwrap_or((digits_part, ""));
        let mut mantissa: i128 = 0;
        for b in int_digits.bytes().chain(frac_digits.bytes()) {
            mantissa = mantissa * 10 + i128::from(b - b'0');
        }
        if negative {
            mantissa = -mantissa;
        }
        // value = mantissa × 10^(exp - frac_len)
        let shift = exp - i64::try_from(frac_digits.len()).map_err(|_| MoneyError::Overflow)?;
        if shift >= 0 {
            let factor = u32::try_from(shift)
                .ok()
                .and_then(pow10)
                .ok_or(MoneyError::Overflow)?;
            let mantissa = mantissa.checked_mul(factor).ok_or(MoneyError::Overflow)?;
            Ok(Decimal { mantissa, scale: 0 })
        } else {
            let scale = u32::try_from(-shift).map_err(|_| MoneyError::Overflow)?;
            Ok(Decimal { mantissa, scale })
        }
    }

    /// Converts an amount stated in `unit` to whole đồng, exactly:
    /// 1234.5 triệu → 1 234 500 000; 0.0005 triệu → 500.
    ///
    /// # Errors
    /// [`MoneyError::FractionalDong`] when the result has a fraction of a
    /// đồng (0.0000005 triệu), [`MoneyError::Overflow`] when it does not
    /// fit in an `i64`. Never rounds.
    pub fn to_dong(self, unit: AmountUnit) -> Result<i64, MoneyError> {
        let k = unit.exponent();
        let dong = if self.scale <= k {
            let factor = pow10(k - self.scale).ok_or(MoneyError::Overflow)?;
            self.mantissa
                .checked_mul(factor)
                .ok_or(MoneyError::Overflow)?
        } else {
            let fractional = || MoneyError::FractionalDong {
                amount: self.to_string(),
                unit,
            };
            match pow10(self.scale - k) {
                Some(divisor) if self.mantissa % divisor == 0 => self.mantissa / divisor,
                Some(_) => return Err(fractional()),
                // |mantissa| < 10^39 <= divisor: only zero divides.
                None if self.mantissa == 0 => 0,
                None => return Err(fractional()),
            }
        };
        i64::try_from(dong).map_err(|_| MoneyError::Overflow)
    }
}

impl Default for Decimal {
    fn default() -> Self {
        Decimal::ZERO
    }
}

impl From<i64> for Decimal {
    fn from(value: i64) -> Self {
        Decimal::from_i64(value)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Decimal {}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let n = self.normalize();
        n.mantissa.hash(state);
        n.scale.hash(state);
    }
}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (self.normalize(), other.normalize());
        if a.scale == b.scale {
            return a.mantissa.cmp(&b.mantissa);
        }
        // Bring the one with fewer decimals to the other's scale; if that
        // overflows its magnitude is the larger one.
        let (small, large, flipped) = if a.scale < b.scale {
            (a, b, false)
        } else {
            (b, a, true)
        };
        let scaled = pow10(large.scale - small.scale).and_then(|f| small.mantissa.checked_mul(f));
        let ord = match scaled {
            Some(m) => m.cmp(&large.mantissa),
            None if small.mantissa > 0 => Ordering::Greater,
            None => Ordering::Less,
        };
        if flipped {
            ord.reverse()
        } else {
            ord
        }
    }
}

/// Plain form: optional `-`, digits, optional `.` and decimals (`-1234.5`).
impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = usize::try_from(self.scale).unwrap_or(usize::MAX);
        if self.mantissa < 0 {
            f.write_str("-")?;
        }
        if scale == 0 {
            return f.write_str(&digits);
        }
        if digits.len() > scale {
            let (int, frac) = digits.split_at(digits.len() - scale);
            write!(f, "{int}.{frac}")
        } else {
            f.write_str("0.")?;
            for _ in digits.len()..scale {
                f.write_str("0")?;
            }
            f.write_str(&digits)
        }
    }
}

/// Parses the plain form written by `Display` (`-1234.5`, `0.0005`, `+7`).
/// For numbers typed in Vietnamese or English style use
/// `interchange::numbers`.
impl FromStr for Decimal {
    type Err = MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || MoneyError::InvalidDecimal(s.to_owned());
        let (negative, body) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        let (int, frac) = body.split_once('.').unwrap_or((body, ""));
        if (int.is_empty() && frac.is_empty())
            || (body.contains('.') && frac.is_empty())
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
        {
            return Err(invalid());
        }
        let mut mantissa: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or(MoneyError::Overflow)?;
        }
        let scale = u32::try_from(frac.len()).map_err(|_| MoneyError::Overflow)?;
        Ok(Decimal {
            mantissa: if negative { -mantissa } else { mantissa },
            scale,
        })
    }
}

/// Splits `total` in proportion to `weights` so that the parts add up to
/// exactly `total` (largest-remainder method): each part gets the floor of
/// its exact share, and the đồng left over go one each to the largest
/// remainders, ties to the earlier index. A negative total is split as its
/// magnitude and negated, so `apportion(-t, w)` is `-apportion(t, w)`. If
/// every weight is zero the split is equal.
///
/// Used when an old commune's amounts are divided among the new communes
/// it was split into. With no weights there is nothing to split into and
/// the result is empty; callers must pass at least one weight.
pub fn apportion(total: i64, weights: &[u64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let all_zero = weights.iter().all(|&w| w == 0);
    let weight = |w: u64| -> u128 {
        if all_zero {
            1
        } else {
            u128::from(w)
        }
    };
    let sum: u128 = weights.iter().map(|&w| weight(w)).sum();
    let magnitude = u128::from(total.unsigned_abs());
    let mut parts: Vec<u128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    let mut assigned: u128 = 0;
    for (i, &w) in weights.iter().enumerate() {
        // magnitude ≤ 2^63 and weight < 2^64: the product fits in u128.
        let exact = magnitude * weight(w);
        let part = exact / sum;
        assigned += part;
        parts.push(part);
        remainders.push((exact % sum, i));
    }
    let leftover = magnitude - assigned; // < weights.len()
                                         // Largest remainder first; the stable sort keeps earlier indices first.
    remainders.sort_by_key(|&(remainder, _)| std::cmp::Reverse(remainder));
    for &(_, i) in remainders
        .iter()
        .take(usize::try_from(leftover).unwrap_or(usize::MAX))
    {
        parts[i] += 1;
    }
    parts
        .into_iter()
        .map(|p| {
            // Every part is at most |total|, so it fits as a signed value.
            let p = i128::try_from(p).unwrap_or(i128::MAX);
            let signed = if total < 0 { -p } else { p };
            i64::try_from(signed).unwrap_or(if total < 0 { i64::MIN } else { i64::MAX })
        })
        .collect()
}

/// Groups the digits of a non-negative integer string with dots.
fn group_thousands(digits: &str, out: &mut String) {
    let len = digits.len();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (len - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
}

/// Formats đồng with Vietnamese digit grouping: `1.234.567.890`,
/// `-1.234`, `0`.
pub fn format_dong(amount: i64) -> String {
    let mut out = String::with_capacity(27);
    if amount < 0 {
        out.push('-');
    }
    group_thousands(&amount.unsigned_abs().to_string(), &mut out);
    out
}

/// Formats an amount of đồng in `unit` with `decimals` decimal places,
/// Vietnamese style (`.` groups thousands, `,` before decimals), rounding
/// half away from zero: `format_in_unit(1_234_567_890, TrieuDong, 2)` →
/// `"1.234,57"`. A value that rounds to zero has no minus sign.
pub fn format_in_unit(amount: i64, unit: AmountUnit, decimals: u32) -> String {
    let factor = i128::from(unit.factor());
    let amount = i128::from(amount);
    // Work in units of 10^-decimals of `unit`, with i128 headroom; beyond
    // 18 decimals every digit past the đồng is zero anyway.
    let shown = decimals.min(18);
    let scale = 10i128.pow(shown);
    let numerator = amount * scale;
    let mut q = numerator / factor;
    let r = numerator % factor;
    if r.unsigned_abs() * 2 >= factor.unsigned_abs() {
        q += numerator.signum();
    }
    let mut out = String::new();
    if q < 0 {
        out.push('-');
    }
    let digits = q.unsigned_abs().to_string();
    let shown_len = usize::try_from(shown).unwrap_or(0);
    let padded = if digits.len() <= shown_len {
        format!("{}{digits}", "0".repeat(shown_len + 1 - digits.len()))
    } else {
        digits
    };
    let (int, frac) = padded.split_at(padded.len() - shown_len);
    group_thousands(int, &mut out);
    if decimals > 0 {
        out.push(',');
        out.push_str(frac);
        for _ in shown..decimals {
            out.push('0');
        }
    }
    out
}

/// Formats đồng as triệu đồng for reports: `format_trieu(1_234_567_890, 2)`
/// → `"1.234,57"`. See [`format_in_unit`].
pub fn format_trieu(amount: i64, decimals: u32) -> String {
    format_in_unit(amount, AmountUnit::TrieuDong, decimals)
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
    fn unit_factors() {
        let cases = [
            (AmountUnit::Dong, 1, "đồng"),
            (AmountUnit::NghinDong, 1_000, "nghìn đồng"),
            (AmountUnit::TrieuDong, 1_000_000, "triệu đồng"),
            (AmountUnit::TyDong, 1_000_000_000, "tỷ đồng"),
        ];
        for (unit, factor, label) in cases {
            assert_eq!(unit.factor(), factor);
            assert_eq!(10i64.pow(unit.exponent()), factor);
            assert_eq!(unit.to_string(), label);
            assert_eq!(AmountUnit::parse(label), Some(unit));
        }
    }

    #[test]
    fn unit_parsing() {
        use AmountUnit::*;
        let cases: &[(&str, Option<AmountUnit>)] = &[
            ("Đơn vị tính: triệu đồng", Some(TrieuDong)),
            ("ĐVT: Tr.đồng", Some(TrieuDong)),
            ("ĐVT: tr.đ", Some(TrieuDong)),
            ("ĐVT: trđ", Some(TrieuDong)),
            ("ĐVT: Triệu", Some(TrieuDong)),
            ("(Đơn vị: 1.000 đồng)", Some(NghinDong)),
            ("Đơn vị tính: 1000đ", Some(NghinDong)),
            ("Đơn vị: 1.000.000 đồng", Some(TrieuDong)),
            ("ĐVT: 1 000 000 đ", Some(TrieuDong)),
            ("nghìn đồng", Some(NghinDong)),
            ("Ngàn đồng", Some(NghinDong)),
            ("đồng", Some(Dong)),
            ("Đồng", Some(Dong)),
            ("VNĐ", Some(Dong)),
            ("Đơn vị tính: Đồng", Some(Dong)),
            ("Triệu đồng", Some(TrieuDong)),
            ("TRIỆU ĐỒNG", Some(TrieuDong)),
            ("trieu dong", Some(TrieuDong)),
            ("Tỷ đồng", Some(TyDong)),
            ("tỉ đồng", Some(TyDong)),
            ("ĐVT: Tỷ đồng", Some(TyDong)),
            ("(triệu đồng)", Some(TrieuDong)),
            ("Kế hoạch vốn (triệu đồng)", Some(TrieuDong)),
            ("Đơn vị tính:triệu đồng; người", Some(TrieuDong)),
            ("Đơn  vị  tính :  Triệu  đồng", Some(TrieuDong)),
            // Decoded TCVN3 caption from the Yên Lập sample.
            ("Đơn vị tính: triệu đồng", Some(TrieuDong)),
            // No unit stated.
            ("Đơn vị tính: người", None),
            ("ĐVT: %", None),
            ("Tỷ lệ giải ngân (%)", None),
            ("Khu Đồng Tâm", None),
            ("Xã Đồng Thịnh", None),
            ("Kế hoạch vốn năm 2013", None),
            ("Tổng số", None),
            ("", None),
            ("(2)", None),
            ("Đơn vị thực hiện", None),
            ("ĐVT: 2.000 đồng", None),
        ];
        for &(text, expected) in cases {
            assert_eq!(AmountUnit::parse(text), expected, "{text:?}");
        }
    }

    #[test]
    fn to_dong_is_exact() {
        use AmountUnit::*;
        let cases: &[(&str, AmountUnit, Result<i64, ()>)] = &[
            ("1234.5", TrieuDong, Ok(1_234_500_000)),
            ("0.0005", TrieuDong, Ok(500)),
            ("0.0000005", TrieuDong, Err(())),
            ("48278.125", TrieuDong, Ok(48_278_125_000)),
            ("2339.037", TrieuDong, Ok(2_339_037_000)),
            ("-1.5", NghinDong, Ok(-1_500)),
            ("1.5", Dong, Err(())),
            ("1.000", Dong, Ok(1)),
            ("12", TyDong, Ok(12_000_000_000)),
            ("0.000000001", TyDong, Ok(1)),
            ("0", TyDong, Ok(0)),
            ("9223372036854775807", Dong, Ok(i64::MAX)),
            ("-9223372036854775808", Dong, Ok(i64::MIN)),
            ("9223372036854775808", Dong, Err(())),
            ("9223372036.854775808", TyDong, Err(())),
            ("9223372036.854775807", TyDong, Ok(i64::MAX)),
            ("10000000000", TyDong, Err(())),
        ];
        for &(amount, unit, expected) in cases {
            let got = dec(amount).to_dong(unit);
            match expected {
                Ok(v) => assert_eq!(got, Ok(v), "{amount} {unit}"),
                Err(()) => assert!(got.is_err(), "{amount} {unit}: {got:?}"),
            }
        }
        assert_eq!(
            dec("0.0000005").to_dong(TrieuDong),
            Err(MoneyError::FractionalDong {
                amount: "0.0000005".into(),
                unit: TrieuDong
            })
        );
        assert_eq!(
            dec("9223372036854775808").to_dong(Dong),
            Err(MoneyError::Overflow)
        );
        // Huge scales do not overflow the check.
        assert!(Decimal::new(5, 300).to_dong(TyDong).is_err());
        assert_eq!(Decimal::new(0, 300).to_dong(TyDong), Ok(0));
        assert_eq!(
            Decimal::new(i128::MAX, 0).to_dong(Dong),
            Err(MoneyError::Overflow)
        );
        assert_eq!(Decimal::new(1, 0).to_dong(TyDong), Ok(1_000_000_000));
    }

    #[test]
    fn from_f64_uses_shortest_decimal() {
        use AmountUnit::*;
        let cases: &[(f64, &str, i64)] = &[
            (1234.5, "1234.5", 1_234_500_000),
            // Values from the Yên Lập sample (triệu đồng), not exact in binary.
            (2339.037, "2339.037", 2_339_037_000),
            (38221.628, "38221.628", 38_221_628_000),
            (20113.821, "20113.821", 20_113_821_000),
            (1869.646, "1869.646", 1_869_646_000),
            (0.1, "0.1", 100_000),
            (0.0005, "0.0005", 500),
            (-254.199, "-254.199", -254_199_000),
            (1e6, "1000000", 1_000_000_000_000),
            (0.0, "0", 0),
            (-0.0, "0", 0),
        ];
        for &(x, text, dong) in cases {
            let d = Decimal::from_f64_exact(x).unwrap();
            assert_eq!(d.to_string(), text, "{x}");
            assert_eq!(d.to_dong(TrieuDong), Ok(dong), "{x}");
        }
        // Multiplying floats would be wrong: 263.249 * 1e6 = 263249000.00000003
        // and 1.005 * 1e6 = 1004999.9999999999; the exact path is not.
        assert_ne!(263.249_f64 * 1e6, 263_249_000.0);
        assert_ne!(1.005_f64 * 1e6, 1_005_000.0);
        let exact = |x: f64| Decimal::from_f64_exact(x).unwrap().to_dong(TrieuDong);
        assert_eq!(exact(263.249), Ok(263_249_000));
        assert_eq!(exact(1.005), Ok(1_005_000));
        assert_eq!(
            Decimal::from_f64_exact(f64::NAN),
            Err(MoneyError::NotFinite)
        );
        assert_eq!(
            Decimal::from_f64_exact(f64::INFINITY),
            Err(MoneyError::NotFinite)
        );
        assert_eq!(Decimal::from_f64_exact(1e300), Err(MoneyError::Overflow));
        assert!(Decimal::from_f64_exact(5e-324)
            .unwrap()
            .to_dong(TyDong)
            .is_err());
        assert_eq!(
            Decimal::from_f64_exact(1e-7).unwrap().to_string(),
            "0.0000001"
        );
        assert!(Decimal::from_f64_exact(1e-7)
            .unwrap()
            .to_dong(TrieuDong)
            .is_err());
    }

    #[test]
    fn decimal_value_semantics() {
        assert_eq!(dec("1.50"), dec("1.5"));
        assert_eq!(dec("-0"), Decimal::ZERO);
        assert!(dec("1.05") < dec("1.5"));
        assert!(dec("-2") < dec("-1.99"));
        assert!(Decimal::new(i128::MAX, 0) > dec("0.5"));
        assert!(Decimal::new(i128::MIN + 1, 0) < dec("-0.5"));
        assert_eq!(dec("1.500").normalize(), Decimal::new(15, 1));
        assert_eq!(dec("1.500").normalize().scale(), 1);
        assert_eq!(Decimal::new(12345, 1).to_string(), "1234.5");
        assert_eq!(Decimal::new(-5, 4).to_string(), "-0.0005");
        assert_eq!(Decimal::from(42).to_string(), "42");
        assert_eq!(dec("+7"), Decimal::from_i64(7));
        assert_eq!(dec(".5"), dec("0.5"));
        for bad in ["", "-", ".", "1.", "1,5", "1e3", "abc", "--1", "1.2.3"] {
            assert!(bad.parse::<Decimal>().is_err(), "{bad:?}");
        }
        use std::collections::HashSet;
        let set: HashSet<Decimal> = [dec("1.5"), dec("1.50"), dec("1.500")]
            .into_iter()
            .collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn apportion_examples() {
        let cases: &[(i64, &[u64], &[i64])] = &[
            (100, &[1, 1, 1], &[34, 33, 33]),
            (-100, &[1, 1, 1], &[-34, -33, -33]),
            (10, &[1, 1, 1], &[4, 3, 3]),
            (10, &[0, 0, 0], &[4, 3, 3]),
            (0, &[5, 3], &[0, 0]),
            (1_000_000_000, &[1], &[1_000_000_000]),
            (7, &[0, 1, 0], &[0, 7, 0]),
            (100, &[3, 7], &[30, 70]),
            // 1 đồng left over, remainders equal: the earlier index gets it.
            (5, &[1, 1], &[3, 2]),
            // Largest remainder wins over index: 2.5→2, 7.5→7, remainder ties → first.
            (10, &[1, 3], &[3, 7]),
            (10, &[2, 1, 1], &[5, 3, 2]),
            // A commune split by population.
            (
                2_766_500_000,
                &[4_512, 3_020, 1_877],
                &[1_326_649_803, 887_961_526, 551_888_671],
            ),
            (
                i64::MAX,
                &[1, 1],
                &[4_611_686_018_427_387_904, 4_611_686_018_427_387_903],
            ),
            (
                i64::MIN,
                &[1, 1],
                &[-4_611_686_018_427_387_904, -4_611_686_018_427_387_904],
            ),
            (100, &[u64::MAX, u64::MAX, 1], &[50, 50, 0]),
        ];
        for &(total, weights, expected) in cases {
            let parts = apportion(total, weights);
            assert_eq!(parts, expected, "{total} {weights:?}");
            assert_eq!(
                parts.iter().map(|&p| i128::from(p)).sum::<i128>(),
                i128::from(total)
            );
        }
        assert!(apportion(100, &[]).is_empty());
    }

    #[test]
    fn formatting() {
        let dong = [
            (1_234_567_890, "1.234.567.890"),
            (-1_234, "-1.234"),
            (0, "0"),
            (999, "999"),
            (1_000, "1.000"),
            (i64::MIN, "-9.223.372.036.854.775.808"),
            (i64::MAX, "9.223.372.036.854.775.807"),
        ];
        for (amount, text) in dong {
            assert_eq!(format_dong(amount), text);
        }
        let trieu = [
            (1_234_567_890, 2, "1.234,57"),
            (1_234_567_890, 0, "1.235"),
            (1_234_567_890, 3, "1.234,568"),
            (1_234_567_890, 6, "1.234,567890"),
            (1_234_567_890, 8, "1.234,56789000"),
            (-1_234_567_890, 2, "-1.234,57"),
            (48_278_125_000, 3, "48.278,125"),
            (500, 2, "0,00"),
            (5_000, 2, "0,01"),
            (-5_000, 2, "-0,01"),
            (-4_999, 2, "0,00"),
            (0, 0, "0"),
            (999_999_999, 0, "1.000"),
            (i64::MIN, 2, "-9.223.372.036.854,78"),
            (
                i64::MAX,
                30,
                "9.223.372.036.854,775807000000000000000000000000",
            ),
        ];
        for (amount, decimals, text) in trieu {
            assert_eq!(format_trieu(amount, decimals), text, "{amount} {decimals}");
        }
        assert_eq!(
            format_in_unit(1_234_500, AmountUnit::NghinDong, 1),
            "1.234,5"
        );
        assert_eq!(
            format_in_unit(12_345_000_000, AmountUnit::TyDong, 2),
            "12,35"
        );
        assert_eq!(format_in_unit(1_234, AmountUnit::Dong, 0), "1.234");
    }

    proptest! {
        #[test]
        fn apportion_sums_to_total(total in any::<i64>(), weights in prop::collection::vec(any::<u64>(), 1..8)) {
            let parts = apportion(total, &weights);
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().map(|&p| i128::from(p)).sum::<i128>(), i128::from(total));
            for p in &parts {
                prop_assert!(p.signum() == total.signum() || *p == 0);
            }
        }

        #[test]
        fn apportion_small_weights(total in -1_000_000i64..1_000_000, weights in prop::collection::vec(0u64..1000, 1..6)) {
            let parts = apportion(total, &weights);
            let sum: u64 = weights.iter().sum();
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            if sum > 0 {
                // Each part is within one đồng of its exact share.
                for (p, w) in parts.iter().zip(&weights) {
                    let exact = i128::from(total) * i128::from(*w);
                    let diff = i128::from(*p) * i128::from(sum) - exact;
                    prop_assert!(diff.abs() < i128::from(sum));
                }
            }
            prop_assert_eq!(apportion(-total, &weights), parts.iter().map(|p| -p).collect::<Vec<_>>());
        }

        #[test]
        fn f64_roundtrip(x in -1e15f64..1e15) {
            let d = Decimal::from_f64_exact(x).unwrap();
            prop_assert_eq!(d.to_string().parse::<f64>().unwrap(), x);
        }

        #[test]
        fn decimal_display_roundtrip(m in any::<i64>(), scale in 0u32..20) {
            let d = Decimal::new(i128::from(m), scale);
            prop_assert_eq!(d.to_string().parse::<Decimal>().unwrap(), d);
        }

        #[test]
        fn format_dong_roundtrip(x in any::<i64>()) {
            let text = format_dong(x);
            prop_assert_eq!(text.replace('.', "").parse::<i64>().unwrap(), x);
        }
    }
}
