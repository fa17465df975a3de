//! Administrative units and their lineage across reorganisations.
//!
//! Vietnamese administrative units are merged and split from time to time
//! (the 2019–2021 commune mergers, the 2025 reform that removed the district
//! level and merged provinces and communes). A [`SuccessorLink`] records that
//! an old unit went, wholly or in part, into a new one on a given date.
//! [`current_shares`] follows these links to today's units with exact
//! rational [`Share`]s, and [`roll_up`] moves amounts in đồng recorded
//! against old units onto today's units without losing or creating a đồng,
//! so that a 2014 report can be shown on 2026 units.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Database id of an organisational unit (administrative unit or agency).
pub type UnitId = i64;

/// The kind of an organisational unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// *Tỉnh* or centrally governed *thành phố*.
    Province,
    /// *Huyện*, *quận*, *thị xã* or provincial *thành phố* (the district
    /// level, abolished in 2025 but present in older records).
    District,
    /// *Xã*, *phường*, *thị trấn* or *đặc khu*.
    Commune,
    /// *Thôn*, *bản*, *xóm*, *khu* or *tổ dân phố*.
    Village,
    /// An agency: *sở*, *ban*, *ngành*, the *Văn phòng UBND*, the New Rural
    /// Development (NTM) coordination office.
    Agency,
}

impl UnitKind {
    /// Every kind, administrative levels from the top, then agencies.
    pub const ALL: [UnitKind; 5] = [
        UnitKind::Province,
        UnitKind::District,
        UnitKind::Commune,
        UnitKind::Village,
        UnitKind::Agency,
    ];

    /// The stable code, as stored and serialised: `"province"`, `"district"`,
    /// `"commune"`, `"village"`, `"agency"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            UnitKind::Province => "province",
            UnitKind::District => "district",
            UnitKind::Commune => "commune",
            UnitKind::Village => "village",
            UnitKind::Agency => "agency",
        }
    }

    /// The kind with the code [`as_str`](Self::as_str) returns; `None` for
    /// any other text.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// The Vietnamese label, e.g. `"Xã/Phường"`.
    pub const fn label_vi(self) -> &'static str {
        match self {
            UnitKind::Province => "Tỉnh/Thành phố",
            UnitKind::District => "Huyện",
            UnitKind::Commune => "Xã/Phường",
            UnitKind::Village => "Thôn/Bản",
            UnitKind::Agency => "Cơ quan",
        }
    }

    /// Where a unit of this kind may sit: provinces at the root; districts
    /// under a province; communes under a district or (after 2025) directly
    /// under a province; villages under a commune; agencies under any
    /// administrative unit or another agency (a department's office).
    pub const fn may_be_under(self, parent: Option<UnitKind>) -> bool {
        matches!(
            (self, parent),
            (UnitKind::Province, None)
                | (UnitKind::District, Some(UnitKind::Province))
                | (
                    UnitKind::Commune,
                    Some(UnitKind::Province | UnitKind::District)
                )
                | (UnitKind::Village, Some(UnitKind::Commune))
                | (UnitKind::Agency, Some(_))
        )
    }
}

#[cfg(test)]
mod placement_tests {
    use super::UnitKind::{self, *};

    #[test]
    fn every_kind_and_parent_pair() {
        let parents = [
            None,
            Some(Province),
            Some(District),
            Some(Commune),
            Some(Village),
            Some(Agency),
        ];
        // Rows: child kind; columns: the parents above, in order.
        let expected: [(UnitKind, [bool; 6]); 5] = [
            (Province, [true, false, false, false, false, false]),
            (District, [false, true, false, false, false, false]),
            (Commune, [false, true, true, false, false, false]),
            (Village, [false, false, false, true, false, false]),
            (Agency, [false, true, true, true, true, true]),
        ];
        for (child, row) in expected {
            for (parent, allowed) in parents.iter().zip(row) {
                assert_eq!(
                    child.may_be_under(*parent),
                    allowed,
                    "{child:?} under {parent:?}"
                );
            }
        }
    }
}

/// An old unit merged, wholly or in part, into a new one on `effective`.
///
/// All links from one predecessor describe how it was divided: a whole merge
/// is a single link; a split is one link per new unit. `weight` gives the
/// predecessor's share going to this successor (for example its population
/// or area there); `None` on every link of the predecessor means equal
/// shares, and a mix of `Some` and `None` is an error
/// ([`LineageError::MixedWeights`]). A weight of zero gives that successor
/// nothing, but the weights of one predecessor must not all be zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SuccessorLink {
    /// The unit that ceased to exist (or was divided).
    pub predecessor: UnitId,
    /// The unit that took over all or part of it.
    pub successor: UnitId,
    /// The first day on which the successor took over.
    pub effective: NaiveDate,
    /// Relative share of the predecessor going to this successor; `None`
    /// for equal shares.
    pub weight: Option<u64>,
}

/// Why a lineage could not be followed. Messages are Vietnamese / English.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineageError {
    /// Following the links leads back to a unit already on the path.
    #[error("chuỗi kế thừa bị lặp vòng tại đơn vị {unit} / unit lineage has a cycle through unit {unit}")]
    Cycle {
        /// A unit on the cycle.
        unit: UnitId,
    },
    /// Some links of the predecessor have a weight and some do not.
    #[error("đơn vị {predecessor}: chỉ một số đơn vị kế thừa có trọng số / unit {predecessor}: weights are given for only some successors")]
    MixedWeights {
        /// The predecessor whose links disagree.
        predecessor: UnitId,
    },
    /// Every weight of the predecessor's links is zero.
    #[error("đơn vị {predecessor}: tổng trọng số bằng 0 / unit {predecessor}: successor weights sum to zero")]
    ZeroWeights {
        /// The predecessor whose weights are all zero.
        predecessor: UnitId,
    },
    /// The predecessor has links (after the date asked about) on two
    /// different dates, so it would have ceased to exist twice.
    #[error("đơn vị {predecessor} có liên kết kế thừa ở hai ngày khác nhau ({first}, {second}) / unit {predecessor} has successor links on two different dates ({first}, {second})")]
    ConflictingDates {
        /// The predecessor.
        predecessor: UnitId,
        /// One effective date.
        first: NaiveDate,
        /// Another effective date.
        second: NaiveDate,
    },
    /// The same predecessor–successor pair is linked twice.
    #[error("liên kết {predecessor} → {successor} bị trùng / link {predecessor} → {successor} is duplicated")]
    DuplicateLink {
        /// The predecessor.
        predecessor: UnitId,
        /// The successor.
        successor: UnitId,
    },
    /// An exact share or a rolled-up total does not fit the integer types.
    #[error("tràn số khi tính tỷ lệ kế thừa / arithmetic overflow in unit lineage")]
    Overflow,
}

/// An exact non-negative fraction `numer / denom`, always in lowest terms
/// (so `==` compares values). Lineage shares lie between 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Share {
    numer: u128,
    denom: u128,
}

impl Share {
    /// The whole: 1/1.
    pub const ONE: Share = Share { numer: 1, denom: 1 };

    /// Nothing: 0/1.
    pub const ZERO: Share = Share { numer: 0, denom: 1 };

    /// `numer / denom` in lowest terms; `None` when `denom` is zero.
    pub fn new(numer: u128, denom: u128) -> Option<Share> {
        if denom == 0 {
            return None;
        }
        let g = gcd(numer, denom);
        Some(Share {
            numer: numer / g,
            denom: denom / g,
        })
    }

    /// The numerator, in lowest terms.
    pub const fn numer(self) -> u128 {
        self.numer
    }

    /// The denominator, in lowest terms (never zero).
    pub const fn denom(self) -> u128 {
        self.denom
    }

    /// Whether the share is zero.
    pub const fn is_zero(self) -> bool {
        self.numer == 0
    }

    /// The exact sum; `None` if it does not fit in `u128` terms.
    pub fn checked_add(self, other: Share) -> Option<Share> {
        let g = gcd(self.denom, other.denom);
        let (a, b) = (self.denom / g, other.denom / g);
        let denom = a.checked_mul(other.denom)?;
        let numer = self
            .numer
            .checked_mul(b)?
            .checked_add(other.numer.checked_mul(a)?)?;
        Share::new(numer, denom)
    }

    /// The exact product; `None` if it does not fit in `u128` terms.
    pub fn checked_mul(self, other: Share) -> Option<Share> {
        // Cancel across first so that the result is already in lowest terms.
        let g1 = gcd(self.numer, other.denom);
        let g2 = gcd(other.numer, self.denom);
        let numer = (self.numer / g1).checked_mul(other.numer / g2)?;
        let denom = (self.denom / g2).checked_mul(other.denom / g1)?;
        Share::new(numer, denom)
    }
}

impl PartialOrd for Share {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Share {
    fn cmp(&self, other: &Self) -> Ordering {
        mul_wide(self.numer, other.denom).cmp(&mul_wide(other.numer, self.denom))
    }
}

impl fmt::Display for Share {
    /// `"1/3"`, or just the numerator when the denominator is 1 (`"1"`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.denom == 1 {
            write!(f, "{}", self.numer)
        } else {
            write!(f, "{}/{}", self.numer, self.denom)
        }
    }
}

/// The units of today that `unit`, as it stood on `on`, became, with the
/// share of it each received.
///
/// Every link whose `effective` date is after `on` is followed,
/// transitively (a commune of 2014 merged in 2020 and the result merged
/// again in 2025); links effective on or before `on` had already happened
/// and are ignored. A unit with no such links maps to itself with share 1.
/// The shares are exact and add up to exactly 1; successors that received
/// nothing (weight 0) are left out. Sorted by unit id.
///
/// # Errors
/// [`LineageError`] when the links reachable from `unit` are inconsistent:
/// a cycle, mixed or all-zero weights, one predecessor ceasing on two
/// different dates, a duplicated link, or shares too fine for `u128`.
pub fn current_shares(
    unit: UnitId,
    on: NaiveDate,
    links: &[SuccessorLink],
) -> Result<Vec<(UnitId, Share)>, LineageError> {
    let mut lineage = Lineage::new(on, links);
    lineage.shares(unit).map(<[_]>::to_vec)
}

/// Moves amounts in đồng recorded against units as they stood on `on` onto
/// today's units, exactly: each amount is divided by the unit's
/// [`current_shares`] with the largest-remainder method (ties to the lower
/// unit id; a negative amount is divided as its magnitude and negated), so
/// the rolled-up total equals the input total to the đồng.
///
/// The result has an entry for every current unit that received a share of
/// any amount, even when its total comes to zero.
///
/// # Errors
/// Any [`LineageError`] from [`current_shares`] for one of the units, and
/// [`LineageError::Overflow`] when a unit's total does not fit in an `i64`.
pub fn roll_up(
    amounts: &[(UnitId, i64)],
    on: NaiveDate,
    links: &[SuccessorLink],
) -> Result<BTreeMap<UnitId, i64>, LineageError> {
    let mut lineage = Lineage::new(on, links);
    let mut totals: BTreeMap<UnitId, i128> = BTreeMap::new();
    for &(unit, amount) in amounts {
        let shares = lineage.shares(unit)?;
        let parts = apportion_by_shares(amount, shares);
        for (&(current, _), part) in shares.iter().zip(parts) {
            *totals.entry(current).or_default() += i128::from(part);
        }
    }
    totals
        .into_iter()
        .map(|(unit, total)| {
            i64::try_from(total)
                .map(|t| (unit, t))
                .map_err(|_| LineageError::Overflow)
        })
        .collect()
}

/// The links after one date, indexed by predecessor, with the shares
/// already resolved.
struct Lineage<'a> {
    outgoing: BTreeMap<UnitId, Vec<&'a SuccessorLink>>,
    resolved: BTreeMap<UnitId, Vec<(UnitId, Share)>>,
}

/// A step of the depth-first walk in [`Lineage::shares`].
enum Step {
    /// Look at a unit for the first time.
    Enter(UnitId),
    /// All successors are resolved: combine them.
    Combine(UnitId, Vec<(UnitId, Share)>),
}

impl<'a> Lineage<'a> {
    fn new(on: NaiveDate, links: &'a [SuccessorLink]) -> Self {
        let mut outgoing: BTreeMap<UnitId, Vec<&SuccessorLink>> = BTreeMap::new();
        for link in links.iter().filter(|l| l.effective > on) {
            outgoing.entry(link.predecessor).or_default().push(link);
        }
        Lineage {
            outgoing,
            resolved: BTreeMap::new(),
        }
    }

    /// How `unit` was divided among its direct successors, or `None` if it
    /// has no links (it is a unit of today).
    fn split(&self, unit: UnitId) -> Result<Option<Vec<(UnitId, Share)>>, LineageError> {
        let Some(links) = self.outgoing.get(&unit) else {
            return Ok(None);
        };
        let mut successors = BTreeSet::new();
        for link in links {
            if link.effective != links[0].effective {
                return Err(LineageError::ConflictingDates {
                    predecessor: unit,
                    first: links[0].effective.min(link.effective),
                    second: links[0].effective.max(link.effective),
                });
            }
            if !successors.insert(link.successor) {
                return Err(LineageError::DuplicateLink {
                    predecessor: unit,
                    successor: link.successor,
                });
            }
        }
        let weighted = links.iter().filter(|l| l.weight.is_some()).count();
        let weights: Vec<u128> = if weighted == 0 {
            vec![1; links.len()]
        } else if weighted == links.len() {
            links
                .iter()
                .map(|l| u128::from(l.weight.unwrap_or(0)))
                .collect()
        } else {
            return Err(LineageError::MixedWeights { predecessor: unit });
        };
        // At most 2^64 weights below 2^64 each: the sum fits in u128.
        let total: u128 = weights.iter().sum();
        if total == 0 {
            return Err(LineageError::ZeroWeights { predecessor: unit });
        }
        links
            .iter()
            .zip(weights)
            .map(|(link, w)| {
                Share::new(w, total)
                    .map(|s| (link.successor, s))
                    .ok_or(LineageError::Overflow)
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// [`current_shares`] of `unit`, memoised. Walks the links with an
    /// explicit stack, so long chains cannot overflow the call stack and a
    /// cycle is reported instead of looping.
    fn shares(&mut self, unit: UnitId) -> Result<&[(UnitId, Share)], LineageError> {
        // Units entered but not yet combined: the current path.
        let mut on_path: BTreeSet<UnitId> = BTreeSet::new();
        let mut stack = vec![Step::Enter(unit)];
        while let Some(step) = stack.pop() {
            match step {
                Step::Enter(u) => {
                    if self.resolved.contains_key(&u) {
                        continue;
                    }
                    if on_path.contains(&u) {
                        return Err(LineageError::Cycle { unit: u });
                    }
                    let Some(parts) = self.split(u)? else {
                        self.resolved.insert(u, vec![(u, Share::ONE)]);
                        continue;
                    };
                    on_path.insert(u);
                    let pending: Vec<UnitId> = parts
                        .iter()
                        .map(|&(s, _)| s)
                        .filter(|s| !self.resolved.contains_key(s))
                        .collect();
                    stack.push(Step::Combine(u, parts));
                    for successor in pending {
                        if on_path.contains(&successor) {
                            return Err(LineageError::Cycle { unit: successor });
                        }
                        stack.push(Step::Enter(successor));
                    }
                }
                Step::Combine(u, parts) => {
                    let mut acc: BTreeMap<UnitId, Share> = BTreeMap::new();
                    for (successor, fraction) in parts {
                        // Every successor was resolved before this step.
                        let sub = self
                            .resolved
                            .get(&successor)
                            .ok_or(LineageError::Cycle { unit: successor })?;
                        for &(current, share) in sub {
                            let part = fraction.checked_mul(share).ok_or(LineageError::Overflow)?;
                            let slot = acc.entry(current).or_insert(Share::ZERO);
                            *slot = slot.checked_add(part).ok_or(LineageError::Overflow)?;
                        }
                    }
                    on_path.remove(&u);
                    let shares = acc.into_iter().filter(|(_, s)| !s.is_zero()).collect();
                    self.resolved.insert(u, shares);
                }
            }
        }
        self.resolved
            .get(&unit)
            .map(Vec::as_slice)
            .ok_or(LineageError::Cycle { unit })
    }
}

/// Divides `amount` by `shares` (which add up to 1) with the
/// largest-remainder method, ties to the earlier entry; a negative amount
/// is divided as its magnitude and negated. The parts add up to `amount`.
///
/// This is [`crate::money::apportion`] for exact rational shares with
/// unrelated `u128` denominators, which need not have a common denominator
/// that fits `u64` weights; the products are computed in 256 bits.
fn apportion_by_shares(amount: i64, shares: &[(UnitId, Share)]) -> Vec<i64> {
    let magnitude = u128::from(amount.unsigned_abs());
    let mut parts: Vec<u128> = Vec::with_capacity(shares.len());
    // (remainder, denominator, index): the fractional part is rem / denom.
    let mut remainders: Vec<(u128, u128, usize)> = Vec::with_capacity(shares.len());
    let mut assigned: u128 = 0;
    for (i, &(_, share)) in shares.iter().enumerate() {
        let (hi, lo) = mul_wide(magnitude, share.numer);
        let (part, rem) = div_wide(hi, lo, share.denom);
        assigned += part;
        parts.push(part);
        remainders.push((rem, share.denom, i));
    }
    // The shares add up to 1, so fewer than `shares.len()` đồng are left.
    let leftover = magnitude.saturating_sub(assigned);
    // Largest fractional part first (compared exactly by cross-multiplying);
    // the stable sort keeps ties in order, i.e. the lower unit id first.
    remainders.sort_by(|a, b| mul_wide(b.0, a.1).cmp(&mul_wide(a.0, b.1)));
    for &(_, _, i) in remainders
        .iter()
        .take(usize::try_from(leftover).unwrap_or(usize::MAX))
    {
        parts[i] += 1;
    }
    parts
        .into_iter()
        .map(|p| {
            // Each part is at most |amount|, so its signed value fits.
            let p = i128::try_from(p).unwrap_or(i128::MAX);
            let signed = if amount < 0 { -p } else { p };
            i64::try_from(signed).unwrap_or(if amount < 0 { i64::MIN } else { i64::MAX })
        })
        .collect()
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The full 256-bit product `a × b` as `(high, low)` halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const MASK: u128 = u64::MAX as u128;
    let (a1, a0) = (a >> 64, a & MASK);
    let (b1, b0) = (b >> 64, b & MASK);
    let p00 = a0 * b0;
    let p01 = a0 * b1;
    let p10 = a1 * b0;
    let p11 = a1 * b1;
    // Below 3 × 2^64: no overflow.
    let mid = (p00 >> 64) + (p01 & MASK) + (p10 & MASK);
    let lo = (p00 & MASK) | (mid << 64);
    let hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    (hi, lo)
}

/// `(high × 2^128 + low) / d` and the remainder, for `d > 0` and a
/// quotient that fits in `u128` (`high < d`).
fn div_wide(hi: u128, lo: u128, d: u128) -> (u128, u128) {
    if hi == 0 {
        return (lo / d, lo % d);
    }
    // Schoolbook binary long division over the low 128 bits.
    let mut rem = hi % d;
    let mut quot: u128 = 0;
    for i in (0..128).rev() {
        let carry = rem >> 127;
        rem = (rem << 1) | ((lo >> i) & 1);
        // With the carry the true value is 2^128 + rem > d, and the
        // difference is below d, so the wrapping subtraction is exact.
        if carry == 1 || rem >= d {
            rem = rem.wrapping_sub(d);
            quot |= 1 << i;
        }
    }
    (quot, rem)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;
    use serde::de::value::{Error as DeError, StrDeserializer};
    use serde::de::IntoDeserializer;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn link(
        predecessor: UnitId,
        successor: UnitId,
        year: i32,
        weight: Option<u64>,
    ) -> SuccessorLink {
        SuccessorLink {
            predecessor,
            successor,
            effective: ymd(year, 7, 1),
            weight,
        }
    }

    fn share(n: u128, d: u128) -> Share {
        Share::new(n, d).unwrap()
    }

    fn sum_shares(shares: &[(UnitId, Share)]) -> Share {
        shares
            .iter()
            .fold(Share::ZERO, |acc, &(_, s)| acc.checked_add(s).unwrap())
    }

    #[test]
    fn unit_kind_codes_and_labels() {
        let cases = [
            (UnitKind::Province, "province", "Tỉnh/Thành phố"),
            (UnitKind::District, "district", "Huyện"),
            (UnitKind::Commune, "commune", "Xã/Phường"),
            (UnitKind::Village, "village", "Thôn/Bản"),
            (UnitKind::Agency, "agency", "Cơ quan"),
        ];
        assert_eq!(cases.len(), UnitKind::ALL.len());
        for (kind, code, label) in cases {
            assert_eq!(kind.as_str(), code);
            assert_eq!(kind.label_vi(), label);
            assert_eq!(UnitKind::parse(code), Some(kind));
            let de: StrDeserializer<'_, DeError> = code.into_deserializer();
            assert_eq!(UnitKind::deserialize(de).unwrap(), kind);
        }
        for bad in ["", "Province", "xa", "commune ", "tỉnh"] {
            assert_eq!(UnitKind::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn share_arithmetic() {
        assert_eq!(share(2, 4), share(1, 2));
        assert_eq!(share(0, 7), Share::ZERO);
        assert_eq!(Share::new(1, 0), None);
        assert_eq!(share(1, 3).checked_add(share(1, 6)).unwrap(), share(1, 2));
        assert_eq!(share(2, 3).checked_mul(share(3, 4)).unwrap(), share(1, 2));
        assert_eq!(share(1, 3).to_string(), "1/3");
        assert_eq!(Share::ONE.to_string(), "1");
        assert!(share(1, 3) < share(1, 2));
        assert_eq!(share(u128::MAX, u128::MAX), Share::ONE);
        assert_eq!(share(1, u128::MAX).checked_mul(share(1, 2)), None);
        assert_eq!(share(1, u128::MAX).checked_add(share(1, 2)), None);
        assert_eq!((share(3, 7).numer(), share(3, 7).denom()), (3, 7));
    }

    /// A lineage case: links, then for one unit on a date, its expected
    /// shares, and for amounts on that date the expected roll-up.
    struct Case {
        name: &'static str,
        links: Vec<SuccessorLink>,
        on: NaiveDate,
        unit: UnitId,
        shares: Vec<(UnitId, Share)>,
        amounts: Vec<(UnitId, i64)>,
        rolled: Vec<(UnitId, i64)>,
    }

    #[test]
    fn lineage_table() {
        let y2014 = ymd(2014, 1, 1);
        let cases = vec![
            Case {
                name: "no links: itself",
                links: vec![],
                on: y2014,
                unit: 101,
                shares: vec![(101, Share::ONE)],
                amounts: vec![(101, 500)],
                rolled: vec![(101, 500)],
            },
            Case {
                name: "whole merge",
                links: vec![link(101, 201, 2020, None)],
                on: y2014,
                unit: 101,
                shares: vec![(201, Share::ONE)],
                amounts: vec![(101, 1_000_000), (201, 5)],
                rolled: vec![(201, 1_000_005)],
            },
            Case {
                name: "3-way merge",
                links: vec![
                    link(101, 201, 2025, None),
                    link(102, 201, 2025, None),
                    link(103, 201, 2025, None),
                ],
                on: y2014,
                unit: 102,
                shares: vec![(201, Share::ONE)],
                amounts: vec![(101, 10), (102, 20), (103, 30), (104, 7)],
                rolled: vec![(104, 7), (201, 60)],
            },
            Case {
                name: "split into 2 equal parts",
                links: vec![link(101, 201, 2020, None), link(101, 202, 2020, None)],
                on: y2014,
                unit: 101,
                shares: vec![(201, share(1, 2)), (202, share(1, 2))],
                // 101 = 50.5 + 50.5: the tie goes to the lower id.
                amounts: vec![(101, 101)],
                rolled: vec![(201, 51), (202, 50)],
            },
            Case {
                name: "split by weights 2:1",
                links: vec![link(101, 201, 2020, Some(2)), link(101, 202, 2020, Some(1))],
                on: y2014,
                unit: 101,
                shares: vec![(201, share(2, 3)), (202, share(1, 3))],
                amounts: vec![(101, 100)],
                rolled: vec![(201, 67), (202, 33)],
            },
            Case {
                name: "split by population, successors listed out of order",
                links: vec![
                    link(101, 203, 2020, Some(1_877)),
                    link(101, 201, 2020, Some(4_512)),
                    link(101, 202, 2020, Some(3_020)),
                ],
                on: y2014,
                unit: 101,
                shares: vec![
                    (201, share(4_512, 9_409)),
                    (202, share(3_020, 9_409)),
                    (203, share(1_877, 9_409)),
                ],
                amounts: vec![(101, 2_766_500_000)],
                rolled: vec![(201, 1_326_649_803), (202, 887_961_526), (203, 551_888_671)],
            },
            Case {
                name: "chain of two merges",
                links: vec![link(101, 201, 2020, None), link(201, 301, 2025, None)],
                on: y2014,
                unit: 101,
                shares: vec![(301, Share::ONE)],
                amounts: vec![(101, 40), (201, 2)],
                rolled: vec![(301, 42)],
            },
            Case {
                name: "100 đồng split three ways",
                links: vec![
                    link(101, 203, 2020, None),
                    link(101, 202, 2020, None),
                    link(101, 201, 2020, None),
                ],
                on: y2014,
                unit: 101,
                shares: vec![(201, share(1, 3)), (202, share(1, 3)), (203, share(1, 3))],
                amounts: vec![(101, 100)],
                rolled: vec![(201, 34), (202, 33), (203, 33)],
            },
            Case {
                name: "negative amounts (adjustments)",
                links: vec![
                    link(101, 201, 2020, None),
                    link(101, 202, 2020, None),
                    link(101, 203, 2020, None),
                    link(102, 203, 2020, None),
                ],
                on: y2014,
                unit: 101,
                shares: vec![(201, share(1, 3)), (202, share(1, 3)), (203, share(1, 3))],
                amounts: vec![(101, -100), (102, 40), (101, 1)],
                rolled: vec![(201, -33), (202, -33), (203, 7)],
            },
            Case {
                name: "a total that nets to zero is kept",
                links: vec![link(101, 201, 2020, None)],
                on: y2014,
                unit: 101,
                shares: vec![(201, Share::ONE)],
                amounts: vec![(101, 250), (201, -250)],
                rolled: vec![(201, 0)],
            },
            Case {
                name: "links effective before or on the date are ignored",
                links: vec![
                    link(101, 201, 2020, None),
                    link(102, 201, 2021, None),
                    link(201, 301, 2025, None),
                ],
                on: ymd(2021, 7, 1),
                unit: 101,
                shares: vec![(101, Share::ONE)],
                // 102's link took effect on the date itself: not followed.
                amounts: vec![(101, 9), (102, 3), (201, 5)],
                rolled: vec![(101, 9), (102, 3), (301, 5)],
            },
            Case {
                name: "the date the day before a merge",
                links: vec![link(101, 201, 2020, None)],
                on: ymd(2020, 6, 30),
                unit: 101,
                shares: vec![(201, Share::ONE)],
                amounts: vec![(101, 9)],
                rolled: vec![(201, 9)],
            },
            Case {
                name: "split then merged back together",
                links: vec![
                    link(101, 201, 2020, Some(1)),
                    link(101, 202, 2020, Some(2)),
                    link(201, 301, 2025, None),
                    link(202, 301, 2025, None),
                ],
                on: y2014,
                unit: 101,
                shares: vec![(301, Share::ONE)],
                amounts: vec![(101, 100)],
                rolled: vec![(301, 100)],
            },
            Case {
                name: "diamond: split 1:3, one half split again",
                links: vec![
                    link(101, 201, 2020, Some(1)),
                    link(101, 202, 2020, Some(3)),
                    link(201, 301, 2025, None),
                    link(201, 302, 2025, None),
                    link(202, 302, 2025, None),
                ],
                on: y2014,
                unit: 101,
                shares: vec![(301, share(1, 8)), (302, share(7, 8))],
                // 12.5 and 87.5: tie to the lower id.
                amounts: vec![(101, 100)],
                rolled: vec![(301, 13), (302, 87)],
            },
            Case {
                name: "zero weight gets nothing",
                links: vec![link(101, 201, 2020, Some(0)), link(101, 202, 2020, Some(5))],
                on: y2014,
                unit: 101,
                shares: vec![(202, Share::ONE)],
                amounts: vec![(101, 77)],
                rolled: vec![(202, 77)],
            },
            Case {
                name: "extreme amounts",
                links: vec![
                    link(101, 201, 2020, None),
                    link(101, 202, 2020, None),
                    link(101, 203, 2020, None),
                ],
                on: y2014,
                unit: 101,
                shares: vec![(201, share(1, 3)), (202, share(1, 3)), (203, share(1, 3))],
                amounts: vec![(101, i64::MIN)],
                rolled: vec![
                    (201, -3_074_457_345_618_258_603),
                    (202, -3_074_457_345_618_258_603),
                    (203, -3_074_457_345_618_258_602),
                ],
            },
        ];
        for case in cases {
            let shares = current_shares(case.unit, case.on, &case.links).unwrap();
            assert_eq!(shares, case.shares, "{}: shares", case.name);
            assert_eq!(sum_shares(&shares), Share::ONE, "{}: sum", case.name);
            let rolled = roll_up(&case.amounts, case.on, &case.links).unwrap();
            let expected: BTreeMap<UnitId, i64> = case.rolled.into_iter().collect();
            assert_eq!(rolled, expected, "{}: roll-up", case.name);
            let input: i128 = case.amounts.iter().map(|&(_, a)| i128::from(a)).sum();
            let output: i128 = rolled.values().map(|&a| i128::from(a)).sum();
            assert_eq!(input, output, "{}: total", case.name);
        }
    }

    #[test]
    fn lineage_errors() {
        let y2014 = ymd(2014, 1, 1);
        let cases: Vec<(&str, Vec<SuccessorLink>, UnitId, LineageError)> = vec![
            (
                "two-unit cycle across dates",
                vec![link(101, 201, 2020, None), link(201, 101, 2025, None)],
                101,
                LineageError::Cycle { unit: 101 },
            ),
            (
                "self link",
                vec![link(101, 101, 2020, None)],
                101,
                LineageError::Cycle { unit: 101 },
            ),
            (
                "three-unit cycle reached through a chain",
                vec![
                    link(100, 101, 2019, None),
                    link(101, 102, 2020, None),
                    link(102, 103, 2020, None),
                    link(103, 101, 2020, None),
                ],
                100,
                LineageError::Cycle { unit: 101 },
            ),
            (
                "mixed weights",
                vec![link(101, 201, 2020, Some(3)), link(101, 202, 2020, None)],
                101,
                LineageError::MixedWeights { predecessor: 101 },
            ),
            (
                "all weights zero",
                vec![link(101, 201, 2020, Some(0)), link(101, 202, 2020, Some(0))],
                101,
                LineageError::ZeroWeights { predecessor: 101 },
            ),
            (
                "ceased on two dates",
                vec![link(101, 201, 2025, None), link(101, 202, 2020, None)],
                101,
                LineageError::ConflictingDates {
                    predecessor: 101,
                    first: ymd(2020, 7, 1),
                    second: ymd(2025, 7, 1),
                },
            ),
            (
                "duplicate link",
                vec![link(101, 201, 2020, None), link(101, 201, 2020, None)],
                101,
                LineageError::DuplicateLink {
                    predecessor: 101,
                    successor: 201,
                },
            ),
            (
                "error further down the chain",
                vec![
                    link(101, 201, 2020, None),
                    link(201, 301, 2025, Some(1)),
                    link(201, 302, 2025, None),
                ],
                101,
                LineageError::MixedWeights { predecessor: 201 },
            ),
        ];
        for (name, links, unit, expected) in cases {
            assert_eq!(
                current_shares(unit, y2014, &links),
                Err(expected.clone()),
                "{name}"
            );
            assert_eq!(
                roll_up(&[(unit, 1)], y2014, &links),
                Err(expected),
                "{name}"
            );
        }
        // Bad links that are not reached, or already in the past, do not matter.
        let links = vec![
            link(101, 201, 2020, None),
            link(201, 101, 2025, None),
            link(102, 202, 2020, None),
        ];
        assert_eq!(
            current_shares(102, y2014, &links).unwrap(),
            vec![(202, Share::ONE)]
        );
        // From 2022 on, the 2020 link is history and the cycle is broken.
        assert_eq!(
            current_shares(201, ymd(2022, 1, 1), &links).unwrap(),
            vec![(101, Share::ONE)]
        );
        // A total outside i64.
        let links = vec![link(101, 201, 2020, None)];
        assert_eq!(
            roll_up(&[(101, i64::MAX), (201, 1)], y2014, &links),
            Err(LineageError::Overflow)
        );
    }

    #[test]
    fn long_chain_does_not_recurse() {
        let links: Vec<SuccessorLink> = (0..100_000).map(|i| link(i, i + 1, 2020, None)).collect();
        assert_eq!(
            current_shares(0, ymd(2014, 1, 1), &links).unwrap(),
            vec![(100_000, Share::ONE)]
        );
        let mut cyclic = links.clone();
        cyclic.push(link(100_000, 0, 2020, None));
        assert!(matches!(
            current_shares(0, ymd(2014, 1, 1), &cyclic),
            Err(LineageError::Cycle { .. })
        ));
    }

    #[test]
    fn wide_arithmetic() {
        assert_eq!(mul_wide(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
        assert_eq!(mul_wide(1 << 64, 1 << 64), (1, 0));
        assert_eq!(div_wide(1, 0, u128::MAX), (1, 1));
        let (hi, lo) = mul_wide(u128::from(u64::MAX), u128::MAX - 6);
        assert_eq!(div_wide(hi, lo, u128::MAX - 6), (u128::from(u64::MAX), 0));
        // Shares whose common denominator does not fit in u64.
        let p = (1u128 << 61) - 1; // prime
        let q = (1u128 << 31) - 1; // prime
        let rest = share(p * q - p - q, p * q);
        let shares = [(1, share(1, p)), (2, share(1, q)), (3, rest)];
        assert_eq!(sum_shares(&shares), Share::ONE);
        for amount in [i64::MIN, i64::MAX, -1, 1, 0, 1_000_000_007] {
            let parts = apportion_by_shares(amount, &shares);
            assert_eq!(
                parts.iter().map(|&x| i128::from(x)).sum::<i128>(),
                i128::from(amount)
            );
        }
        assert_eq!(
            apportion_by_shares(i64::MAX, &shares),
            vec![4, 4_294_967_298, 9_223_372_032_559_808_505]
        );
    }

    /// Links that form no cycle (predecessor id below successor id), with
    /// consistent weights and one date per predecessor.
    fn acyclic_links() -> impl Strategy<Value = Vec<SuccessorLink>> {
        (
            prop::collection::vec((1i64..8, 1i64..=8, 1u64..100), 0..20),
            prop::collection::vec((any::<bool>(), 2015i32..2027), 8),
        )
            .prop_map(|(edges, per_unit)| {
                let mut seen = BTreeSet::new();
                edges
                    .into_iter()
                    .filter(|&(p, s, _)| p < s && seen.insert((p, s)))
                    .map(|(p, s, w)| {
                        let (weighted, year) = per_unit[usize::try_from(p - 1).unwrap()];
                        link(p, s, year, weighted.then_some(w))
                    })
                    .collect()
            })
    }

    fn any_links() -> impl Strategy<Value = Vec<SuccessorLink>> {
        prop::collection::vec(
            (1i64..=6, 1i64..=6, 2015i32..2027, prop::option::of(0u64..4)),
            0..12,
        )
        .prop_map(|edges| {
            edges
                .into_iter()
                .map(|(p, s, year, w)| link(p, s, year, w))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn roll_up_conserves_total(
            links in acyclic_links(),
            on_year in 2014i32..2027,
            amounts in prop::collection::vec((1i64..=8, -1_000_000_000_000i64..1_000_000_000_000), 0..12),
        ) {
            let on = ymd(on_year, 1, 1);
            let rolled = roll_up(&amounts, on, &links).unwrap();
            let input: i64 = amounts.iter().map(|&(_, a)| a).sum();
            prop_assert_eq!(rolled.values().sum::<i64>(), input);
            // Only units of today receive amounts.
            for unit in rolled.keys() {
                prop_assert!(!links.iter().any(|l| l.predecessor == *unit && l.effective > on));
            }
            for unit in 1..=8 {
                let shares = current_shares(unit, on, &links).unwrap();
                prop_assert_eq!(sum_shares(&shares), Share::ONE);
                prop_assert!(shares.windows(2).all(|w| w[0].0 < w[1].0));
            }
        }

        #[test]
        fn roll_up_arbitrary_links_never_hangs(
            links in any_links(),
            on_year in 2014i32..2027,
            amounts in prop::collection::vec((1i64..=6, any::<i32>()), 0..8),
        ) {
            let amounts: Vec<(UnitId, i64)> = amounts.into_iter().map(|(u, a)| (u, i64::from(a))).collect();
            if let Ok(rolled) = roll_up(&amounts, ymd(on_year, 1, 1), &links) {
                let input: i64 = amounts.iter().map(|&(_, a)| a).sum();
                prop_assert_eq!(rolled.values().sum::<i64>(), input);
            }
        }

        #[test]
        fn apportion_by_shares_matches_money_apportion(
            total in any::<i64>(),
            weights in prop::collection::vec(1u64..1000, 1..6),
        ) {
            let sum: u64 = weights.iter().sum();
            let shares: Vec<(UnitId, Share)> = weights
                .iter()
                .zip(1..)
                .map(|(&w, id)| (id, share(u128::from(w), u128::from(sum))))
                .collect();
            prop_assert_eq!(apportion_by_shares(total, &shares), crate::money::apportion(total, &weights));
        }

        #[test]
        fn div_wide_inverts_mul_wide(a in any::<u64>(), b in any::<u128>(), extra in any::<u128>()) {
            let d = b.saturating_add(extra).max(1);
            let (hi, lo) = mul_wide(u128::from(a), b);
            let (q, r) = div_wide(hi, lo, d);
            prop_assert!(r < d);
            let (qh, ql) = mul_wide(q, d);
            let (sum_lo, carry) = ql.overflowing_add(r);
            prop_assert_eq!((qh + u128::from(carry), sum_lo), (hi, lo));
        }
    }
}
