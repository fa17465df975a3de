//! Programme fund allocation (*phân bổ vốn*) and disbursement (*giải
//! ngân*) for Chương trình 135 and its successors, as pure rules over a
//! ledger.
//!
//! Money is tracked per [`FundKey`] (programme, year, component, fund
//! source) and per *holder*: a unit of the unit tree, or a project that
//! receives money like a unit does (the caller keeps project and unit ids
//! apart). Four kinds of entry make up the ledger ([`LedgerEntry`]):
//!
//! * a **root allocation** (`from: None`): the envelope assigned from above
//!   (e.g. the central budget's allocation to the province);
//! * an **allocation**: a holder passes part of what it received for a key
//!   down to a child (province → district → commune → project);
//! * an **adjustment** (*điều chỉnh*): a new, signed allocation entry that
//!   refers to the allocation it changes; earlier entries are never
//!   rewritten. The original allocation and all adjustments to it form an
//!   *adjustment chain* whose running total is what the allocation now
//!   amounts to;
//! * a **disbursement**: a holder spends from what it holds; a negative
//!   disbursement is a *reversal* (money recovered or a payment cancelled).
//!
//! # The rule
//!
//! For every holder and key, at all times, with the [`Balance`]
//! `received` (sum of every allocation to the holder, adjustments
//! included), `passed_down` (sum of every allocation from the holder) and
//! `disbursed` (sum of the holder's disbursements, reversals included):
//!
//! ```text
//! passed_down ≥ 0,   disbursed ≥ 0,   passed_down + disbursed ≤ received
//! available = received − passed_down − disbursed ≥ 0
//! ```
//!
//! So a district cannot both give all its money to its communes and spend
//! it itself. In addition the running total of every adjustment chain
//! stays ≥ 0. [`check_allocation`] and [`check_disbursement`] accept an
//! entry exactly when, applied to a state that satisfies the rule, the new
//! state still satisfies it and every amount still fits in an `i64`; the
//! persistence layer calls them before writing, and [`replay`] re-checks a
//! whole stored ledger.
//!
//! Because every allocation adds the same amount to one holder's
//! `received` and (unless it is a root allocation) to another's
//! `passed_down`, money is conserved: for each key, the sum of the root
//! allocations equals the sum over holders of `received − passed_down`,
//! i.e. of what is still available plus what was disbursed.
//!
//! All amounts are whole đồng in `i64`; arithmetic is checked, and an
//! amount that would not fit is [`FundRuleError::Overflow`].

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::money::format_dong;
use crate::units::UnitId;

/// What a pot of programme money is for: one programme, budget year,
/// component (*dự án / tiểu dự án / nội dung thành phần*) and fund source
/// (*nguồn vốn*: central budget, local budget, ODA, …). Balances and rules
/// apply per key; money never moves between keys.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FundKey {
    /// The programme (Chương trình 135, CTMTQG 1719, …).
    pub programme_id: i64,
    /// The budget year (*năm ngân sách*).
    pub year: i32,
    /// The component of the programme.
    pub component_id: i64,
    /// The fund source.
    pub source_id: i64,
}

/// One holder's position for one [`FundKey`], in đồng.
///
/// The invariant (see the [module documentation](self)) is
/// `passed_down ≥ 0`, `disbursed ≥ 0` and
/// `passed_down + disbursed ≤ received`; [`is_consistent`](Self::is_consistent)
/// tests it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    /// Everything allocated to the holder (adjustments included).
    pub received: i64,
    /// Everything the holder allocated to its children (adjustments
    /// included).
    pub passed_down: i64,
    /// Everything the holder disbursed itself (reversals included).
    pub disbursed: i64,
}

impl Balance {
    /// Nothing received, passed down or disbursed.
    pub const ZERO: Balance = Balance {
        received: 0,
        passed_down: 0,
        disbursed: 0,
    };

    /// `received − passed_down − disbursed`, computed without intermediate
    /// overflow.
    fn available_wide(&self) -> i128 {
        i128::from(self.received) - i128::from(self.passed_down) - i128::from(self.disbursed)
    }

    /// What the holder may still pass down or disburse:
    /// `received − passed_down − disbursed`. Passing down and disbursing
    /// draw on the same amount.
    ///
    /// # Errors
    /// [`FundRuleError::Overflow`] when the result does not fit in an
    /// `i64` (only possible for a balance that breaks the invariant).
    pub fn available(&self) -> Result<i64, FundRuleError> {
        i64::try_from(self.available_wide()).map_err(|_| FundRuleError::Overflow)
    }

    /// What has left the holder's hands: `passed_down + disbursed`.
    ///
    /// # Errors
    /// [`FundRuleError::Overflow`] when the sum does not fit in an `i64`.
    pub fn committed(&self) -> Result<i64, FundRuleError> {
        self.passed_down
            .checked_add(self.disbursed)
            .ok_or(FundRuleError::Overflow)
    }

    /// Whether the balance satisfies the invariant: `passed_down ≥ 0`,
    /// `disbursed ≥ 0` and `passed_down + disbursed ≤ received` (evaluated
    /// exactly, without overflow).
    pub fn is_consistent(&self) -> bool {
        self.passed_down >= 0 && self.disbursed >= 0 && self.available_wide() >= 0
    }
}

/// Why a ledger entry was refused. Each has a stable [`code`](Self::code)
/// for clients and a [`message_vi`](Self::message_vi) for people; the
/// `Display` text is the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{}", self.message_vi())]
pub enum FundRuleError {
    /// The amount is more than the giver (or spender) has available.
    Overdraw {
        /// What was available: `received − passed_down − disbursed`.
        available: i64,
        /// The amount asked for.
        requested: i64,
    },
    /// A new allocation or a disbursement must be greater than zero.
    NonPositiveAmount {
        /// The amount given.
        amount: i64,
    },
    /// An adjustment of zero changes nothing and is not recorded.
    ZeroAdjustment,
    /// The adjustment would make the adjusted allocation's running total
    /// negative.
    AdjustmentBelowZero {
        /// The adjustment chain's running total before this adjustment.
        total: i64,
        /// The (negative) adjustment.
        amount: i64,
    },
    /// A negative adjustment takes back more than the receiving holder
    /// still has: it would no longer cover what it passed down and
    /// disbursed.
    ChildOverdrawn {
        /// What the receiver still has available.
        available: i64,
        /// The amount the adjustment takes back (positive).
        requested: i64,
    },
    /// A disbursement marked as a reversal must be negative.
    ReversalNotNegative {
        /// The amount given.
        amount: i64,
    },
    /// A reversal takes back more than was disbursed.
    ReversalExceedsDisbursed {
        /// What the holder has disbursed so far.
        disbursed: i64,
        /// The amount the reversal takes back (positive).
        requested: i64,
    },
    /// A holder cannot allocate to itself.
    SelfAllocation,
    /// The entry adjusts an entry that is not an earlier allocation between
    /// the same holders for the same key.
    InvalidAdjustment {
        /// The ledger index the adjustment refers to.
        index: usize,
    },
    /// An amount or total does not fit in an `i64`.
    Overflow,
}

impl FundRuleError {
    /// A stable snake_case code for clients, e.g. `"overdraw"`.
    pub const fn code(self) -> &'static str {
        match self {
            FundRuleError::Overdraw { .. } => "overdraw",
            FundRuleError::NonPositiveAmount { .. } => "non_positive_amount",
            FundRuleError::ZeroAdjustment => "zero_adjustment",
            FundRuleError::AdjustmentBelowZero { .. } => "adjustment_below_zero",
            FundRuleError::ChildOverdrawn { .. } => "child_overdrawn",
            FundRuleError::ReversalNotNegative { .. } => "reversal_not_negative",
            FundRuleError::ReversalExceedsDisbursed { .. } => "reversal_exceeds_disbursed",
            FundRuleError::SelfAllocation => "self_allocation",
            FundRuleError::InvalidAdjustment { .. } => "invalid_adjustment",
            FundRuleError::Overflow => "overflow",
        }
    }

    /// The message to show, in Vietnamese with the English in parentheses;
    /// amounts are grouped with [`format_dong`] (`1.250.000 đồng`).
    pub fn message_vi(self) -> String {
        match self {
            FundRuleError::Overdraw {
                available,
                requested,
            } => {
                let (a, r) = (format_dong(available), format_dong(requested));
                format!(
                    "Số tiền {r} đồng vượt quá số vốn còn lại {a} đồng \
                     (The amount of {r} đồng exceeds the {a} đồng available)"
                )
            }
            FundRuleError::NonPositiveAmount { amount } => {
                let a = format_dong(amount);
                format!(
                    "Số tiền phải lớn hơn 0, nhận được {a} đồng \
                     (The amount must be greater than zero; got {a} đồng)"
                )
            }
            FundRuleError::ZeroAdjustment => {
                "Số tiền điều chỉnh phải khác 0 (An adjustment must not be zero)".to_owned()
            }
            FundRuleError::AdjustmentBelowZero { total, amount } => {
                let (t, a) = (format_dong(total), format_dong(amount));
                format!(
                    "Điều chỉnh {a} đồng làm khoản phân bổ hiện là {t} đồng bị âm \
                     (An adjustment of {a} đồng would make the allocation, now {t} đồng, negative)"
                )
            }
            FundRuleError::ChildOverdrawn {
                available,
                requested,
            } => {
                let (a, r) = (format_dong(available), format_dong(requested));
                format!(
                    "Không thể giảm {r} đồng: đơn vị nhận chỉ còn {a} đồng chưa phân bổ, chưa giải ngân \
                     (Cannot take back {r} đồng: the receiving unit has only {a} đồng not yet passed down or disbursed)"
                )
            }
            FundRuleError::ReversalNotNegative { amount } => {
                let a = format_dong(amount);
                format!(
                    "Số tiền thu hồi giải ngân phải là số âm, nhận được {a} đồng \
                     (A disbursement reversal must be negative; got {a} đồng)"
                )
            }
            FundRuleError::ReversalExceedsDisbursed {
                disbursed,
                requested,
            } => {
                let (d, r) = (format_dong(disbursed), format_dong(requested));
                format!(
                    "Số tiền thu hồi {r} đồng vượt quá số đã giải ngân {d} đồng \
                     (The reversal of {r} đồng exceeds the {d} đồng disbursed)"
                )
            }
            FundRuleError::SelfAllocation => {
                "Đơn vị không thể tự phân bổ vốn cho chính mình (A unit cannot allocate funds to itself)"
                    .to_owned()
            }
            FundRuleError::InvalidAdjustment { index } => format!(
                "Bút toán điều chỉnh tham chiếu không hợp lệ tới bút toán số {index} \
                 (The adjustment refers to entry {index}, which is not an earlier allocation \
                 between the same units for the same fund)"
            ),
            FundRuleError::Overflow => {
                "Số tiền vượt quá giới hạn tính toán (Amount out of range)".to_owned()
            }
        }
    }
}

/// The input of [`check_allocation`]: both sides of an allocation or
/// adjustment, as they stand before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AllocationCheck {
    /// The giver's balance for the key; `None` for a root allocation (the
    /// envelope from above has no source holder).
    pub parent: Option<Balance>,
    /// The receiver's balance for the key (all zero if it has none yet).
    pub child: Balance,
    /// The amount: positive for a new allocation; any non-zero amount for
    /// an adjustment.
    pub amount: i64,
    /// For an adjustment, the current running total of the adjustment
    /// chain it belongs to (the original allocation plus every earlier
    /// adjustment to it); `None` for a new allocation.
    pub adjusts: Option<i64>,
}

/// The balances and chain total after an accepted allocation.
struct AllocationEffect {
    parent: Option<Balance>,
    child: Balance,
    chain_total: i64,
}

/// Checks an allocation or adjustment. The rules, checked in this order
/// (the first that fails is reported):
///
/// 1. A new allocation (`adjusts: None`), root or not, must be > 0
///    ([`FundRuleError::NonPositiveAmount`]); an adjustment must be ≠ 0
///    ([`FundRuleError::ZeroAdjustment`]).
/// 2. An adjustment must leave its chain's running total ≥ 0
///    ([`FundRuleError::AdjustmentBelowZero`]).
/// 3. A positive amount with a parent must be ≤ the parent's
///    [`available`](Balance::available) ([`FundRuleError::Overdraw`]). A
///    root allocation has no parent and no upper limit.
/// 4. A negative adjustment takes money back from the child, so its
///    magnitude must be ≤ the child's available amount: the child must
///    still cover what it passed down and disbursed
///    ([`FundRuleError::ChildOverdrawn`]). (The parent only gains.)
/// 5. The new balances and chain total must fit in an `i64`
///    ([`FundRuleError::Overflow`]).
///
/// For balances that satisfy the invariant, the entry is accepted exactly
/// when applying it keeps the invariant and the chain total ≥ 0.
///
/// # Errors
/// The first rule broken, as above.
pub fn check_allocation(check: &AllocationCheck) -> Result<(), FundRuleError> {
    allocation_effect(check).map(|_| ())
}

fn allocation_effect(check: &AllocationCheck) -> Result<AllocationEffect, FundRuleError> {
    let amount = check.amount;
    match check.adjusts {
        None if amount <= 0 => return Err(FundRuleError::NonPositiveAmount { amount }),
        Some(_) if amount == 0 => return Err(FundRuleError::ZeroAdjustment),
        _ => {}
    }
    let chain_total = match check.adjusts {
        None => amount,
        Some(total) => {
            let new_total = total.checked_add(amount).ok_or(FundRuleError::Overflow)?;
            if new_total < 0 {
                return Err(FundRuleError::AdjustmentBelowZero { total, amount });
            }
            new_total
        }
    };
    if amount > 0 {
        if let Some(parent) = &check.parent {
            let available = parent.available_wide();
            if i128::from(amount) > available {
                return Err(FundRuleError::Overdraw {
                    available: parent.available()?,
                    requested: amount,
                });
            }
        }
    } else {
        let available = check.child.available_wide();
        let requested = amount.checked_neg().ok_or(FundRuleError::Overflow)?;
        if i128::from(requested) > available {
            return Err(FundRuleError::ChildOverdrawn {
                available: check.child.available()?,
                requested,
            });
        }
    }
    let child = Balance {
        received: check
            .child
            .received
            .checked_add(amount)
            .ok_or(FundRuleError::Overflow)?,
        ..check.child
    };
    let parent = match check.parent {
        None => None,
        Some(p) => Some(Balance {
            passed_down: p
                .passed_down
                .checked_add(amount)
                .ok_or(FundRuleError::Overflow)?,
            ..p
        }),
    };
    Ok(AllocationEffect {
        parent,
        child,
        chain_total,
    })
}

/// Checks a disbursement by a holder with `balance` for the key.
///
/// * A normal disbursement must be > 0 ([`FundRuleError::NonPositiveAmount`])
///   and ≤ the [`available`](Balance::available) amount
///   ([`FundRuleError::Overdraw`]): what the holder passed down is not
///   its to spend.
/// * A reversal (`is_reversal`) must be < 0
///   ([`FundRuleError::ReversalNotNegative`]) and take back at most what
///   was disbursed ([`FundRuleError::ReversalExceedsDisbursed`]).
/// * The new `disbursed` must fit in an `i64` ([`FundRuleError::Overflow`]).
///
/// # Errors
/// The first rule broken, as above.
pub fn check_disbursement(
    balance: &Balance,
    amount: i64,
    is_reversal: bool,
) -> Result<(), FundRuleError> {
    disbursement_effect(balance, amount, is_reversal).map(|_| ())
}

fn disbursement_effect(
    balance: &Balance,
    amount: i64,
    is_reversal: bool,
) -> Result<Balance, FundRuleError> {
    if is_reversal {
        if amount >= 0 {
            return Err(FundRuleError::ReversalNotNegative { amount });
        }
        let requested = amount.checked_neg().ok_or(FundRuleError::Overflow)?;
        if requested > balance.disbursed {
            return Err(FundRuleError::ReversalExceedsDisbursed {
                disbursed: balance.disbursed,
                requested,
            });
        }
    } else {
        if amount <= 0 {
            return Err(FundRuleError::NonPositiveAmount { amount });
        }
        if i128::from(amount) > balance.available_wide() {
            return Err(FundRuleError::Overdraw {
                available: balance.available()?,
                requested: amount,
            });
        }
    }
    Ok(Balance {
        disbursed: balance
            .disbursed
            .checked_add(amount)
            .ok_or(FundRuleError::Overflow)?,
        ..*balance
    })
}

/// A rate in basis points (*phần vạn*): 10 000 is 100 %, 8 765 is 87,65 %.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct BasisPoints(pub i64);

impl BasisPoints {
    /// The number of basis points.
    pub const fn value(self) -> i64 {
        self.0
    }
}

impl fmt::Display for BasisPoints {
    /// Vietnamese percent with two decimals: `"87,65%"`, `"-0,05%"`,
    /// `"100,00%"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        let whole = format_dong(i64::try_from(magnitude / 100).unwrap_or(i64::MAX));
        write!(f, "{sign}{whole},{:02}%", magnitude % 100)
    }
}

/// The disbursement rate (*tỷ lệ giải ngân*) `disbursed / allocated` in
/// basis points, exactly: the quotient `disbursed × 10 000 / allocated`
/// is rounded to the nearest basis point, halves away from zero (for the
/// usual non-negative amounts: half up, so 1/8 = 12,5 % = 1 250 and
/// 1/3 = 3 333,33… → 3 333, 2/3 → 6 667).
///
/// Returns `None` when `allocated` is 0 (no rate) or, for absurd inputs,
/// when the rate does not fit in an `i64`. Rates above 100 % (legacy data
/// that overspent) and negative rates are returned as they are.
pub fn disbursement_rate(disbursed: i64, allocated: i64) -> Option<BasisPoints> {
    if allocated == 0 {
        return None;
    }
    let numer = i128::from(disbursed) * 10_000;
    let denom = i128::from(allocated);
    let mut q = numer / denom;
    let r = numer % denom;
    if r.unsigned_abs() * 2 >= denom.unsigned_abs() {
        q += numer.signum() * denom.signum();
    }
    i64::try_from(q).ok().map(BasisPoints)
}

/// What is left to disburse (*còn lại*): `allocated − disbursed`, negative
/// when more was disbursed than allocated (legacy data). Saturates at the
/// `i64` limits, which no real amount approaches (9,2 × 10¹⁸ đồng).
pub fn remaining(allocated: i64, disbursed: i64) -> i64 {
    allocated.saturating_sub(disbursed)
}

/// One entry of the fund ledger, in the order it was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LedgerEntry {
    /// An allocation (or, with `adjusts`, an adjustment of one).
    Allocation {
        /// The giver; `None` for a root allocation (the envelope from
        /// above).
        from: Option<UnitId>,
        /// The receiver: a unit or a project.
        to: UnitId,
        /// What the money is for.
        key: FundKey,
        /// The amount in đồng: > 0 for a new allocation, ≠ 0 for an
        /// adjustment.
        amount: i64,
        /// For an adjustment, the ledger index of the allocation it
        /// adjusts: the original or any earlier adjustment of it, with the
        /// same `from`, `to` and `key`.
        adjusts: Option<usize>,
    },
    /// A disbursement by a holder; a negative amount is a reversal.
    Disbursement {
        /// The holder spending: a unit or a project.
        unit: UnitId,
        /// What the money is for.
        key: FundKey,
        /// The amount in đồng: > 0, or < 0 for a reversal.
        amount: i64,
    },
}

/// An in-memory fund ledger that accepts only entries the rules allow.
///
/// Indices are positions among the accepted entries, which is what an
/// adjustment's `adjusts` refers to. A refused entry leaves the ledger as
/// it was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    entries: Vec<LedgerEntry>,
    /// For each entry, the index of the first allocation of its chain
    /// (itself for a new allocation or a disbursement).
    chain_root: Vec<usize>,
    /// The running total of each adjustment chain, by its root index.
    chain_totals: BTreeMap<usize, i64>,
    balances: BTreeMap<(UnitId, FundKey), Balance>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger::default()
    }

    /// Checks `entry` against the current balances and, if the rules
    /// allow it, records it and returns its index.
    ///
    /// A disbursement with a negative amount is checked as a reversal.
    ///
    /// # Errors
    /// [`FundRuleError::SelfAllocation`] when `from == Some(to)`,
    /// [`FundRuleError::InvalidAdjustment`] when `adjusts` does not name an
    /// earlier allocation with the same `from`, `to` and `key`, and
    /// otherwise whatever [`check_allocation`] or [`check_disbursement`]
    /// returns.
    pub fn apply(&mut self, entry: LedgerEntry) -> Result<usize, FundRuleError> {
        let index = self.entries.len();
        match entry {
            LedgerEntry::Allocation {
                from,
                to,
                key,
                amount,
                adjusts,
            } => {
                if from == Some(to) {
                    return Err(FundRuleError::SelfAllocation);
                }
                let (root, adjusted_total) = match adjusts {
                    None => (index, None),
                    Some(j) => {
                        let same = matches!(
                            self.entries.get(j),
                            Some(LedgerEntry::Allocation { from: f, to: t, key: k, .. })
                                if *f == from && *t == to && *k == key
                        );
                        let root = self.chain_root.get(j).copied().filter(|_| same);
                        let total = root.and_then(|r| self.chain_totals.get(&r).copied());
                        match (root, total) {
                            (Some(r), Some(total)) => (r, Some(total)),
                            _ => return Err(FundRuleError::InvalidAdjustment { index: j }),
                        }
                    }
                };
                let check = AllocationCheck {
                    parent: from.map(|f| self.balance(f, key)),
                    child: self.balance(to, key),
                    amount,
                    adjusts: adjusted_total,
                };
                let effect = allocation_effect(&check)?;
                if let (Some(f), Some(parent)) = (from, effect.parent) {
                    self.balances.insert((f, key), parent);
                }
                self.balances.insert((to, key), effect.child);
                self.chain_totals.insert(root, effect.chain_total);
                self.chain_root.push(root);
            }
            LedgerEntry::Disbursement { unit, key, amount } => {
                let balance = disbursement_effect(&self.balance(unit, key), amount, amount < 0)?;
                self.balances.insert((unit, key), balance);
                self.chain_root.push(index);
            }
        }
        self.entries.push(entry);
        Ok(index)
    }

    /// The accepted entries, in order.
    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    /// The balance of `holder` for `key` (all zero when it has none).
    pub fn balance(&self, holder: UnitId, key: FundKey) -> Balance {
        self.balances
            .get(&(holder, key))
            .copied()
            .unwrap_or_default()
    }

    /// Every balance touched so far, by holder and key.
    pub fn balances(&self) -> &BTreeMap<(UnitId, FundKey), Balance> {
        &self.balances
    }

    /// The balances, consuming the ledger.
    pub fn into_balances(self) -> BTreeMap<(UnitId, FundKey), Balance> {
        self.balances
    }

    /// The current running total of the adjustment chain that the
    /// allocation at `index` belongs to (what that allocation amounts to
    /// after all adjustments so far); `None` if `index` is not an
    /// allocation.
    pub fn allocation_total(&self, index: usize) -> Option<i64> {
        match self.entries.get(index) {
            Some(LedgerEntry::Allocation { .. }) => {
                let root = self.chain_root.get(index)?;
                self.chain_totals.get(root).copied()
            }
            _ => None,
        }
    }
}

/// Replays a stored ledger from the start, checking every entry with the
/// rules of [`Ledger::apply`], and returns every holder's balance by holder
/// and key. Used by tests and by the persistence layer's consistency
/// checks.
///
/// # Errors
/// The index of the first entry the rules refuse, with the reason.
pub fn replay(
    entries: &[LedgerEntry],
) -> Result<BTreeMap<(UnitId, FundKey), Balance>, (usize, FundRuleError)> {
    let mut ledger = Ledger::new();
    for (i, entry) in entries.iter().enumerate() {
        ledger.apply(*entry).map_err(|e| (i, e))?;
    }
    Ok(ledger.into_balances())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    const KEY: FundKey = FundKey {
        programme_id: 135,
        year: 2024,
        component_id: 1,
        source_id: 1,
    };

    fn bal(received: i64, passed_down: i64, disbursed: i64) -> Balance {
        Balance {
            received,
            passed_down,
            disbursed,
        }
    }

    fn alloc(from: Option<UnitId>, to: UnitId, amount: i64) -> LedgerEntry {
        LedgerEntry::Allocation {
            from,
            to,
            key: KEY,
            amount,
            adjusts: None,
        }
    }

    fn adjust(from: Option<UnitId>, to: UnitId, amount: i64, index: usize) -> LedgerEntry {
        LedgerEntry::Allocation {
            from,
            to,
            key: KEY,
            amount,
            adjusts: Some(index),
        }
    }

    fn disburse(unit: UnitId, amount: i64) -> LedgerEntry {
        LedgerEntry::Disbursement {
            unit,
            key: KEY,
            amount,
        }
    }

    #[test]
    fn balance_arithmetic() {
        let cases = [
            (bal(100, 30, 20), Ok(50), Ok(50), true),
            (bal(100, 60, 40), Ok(0), Ok(100), true),
            (bal(100, 60, 41), Ok(-1), Ok(101), false),
            (bal(0, 0, 0), Ok(0), Ok(0), true),
            (bal(10, -1, 0), Ok(11), Ok(-1), false),
            (bal(10, 0, -1), Ok(11), Ok(-1), false),
            (bal(i64::MAX, i64::MAX, 0), Ok(0), Ok(i64::MAX), true),
            (
                bal(i64::MAX, i64::MAX, i64::MAX),
                Ok(-i64::MAX),
                Err(FundRuleError::Overflow),
                false,
            ),
            (
                bal(i64::MAX, -1, 0),
                Err(FundRuleError::Overflow),
                Ok(-1),
                false,
            ),
        ];
        for (b, available, committed, consistent) in cases {
            assert_eq!(b.available(), available, "{b:?}");
            assert_eq!(b.committed(), committed, "{b:?}");
            assert_eq!(b.is_consistent(), consistent, "{b:?}");
        }
        assert_eq!(Balance::ZERO, Balance::default());
    }

    #[test]
    fn allocation_rules() {
        use FundRuleError::*;
        let district = bal(1_000, 600, 300); // 100 available
        let commune = bal(500, 200, 100); // 200 available
        let empty = Balance::ZERO;
        // (name, parent, child, amount, adjusts, expected)
        type Case = (
            &'static str,
            Option<Balance>,
            Balance,
            i64,
            Option<i64>,
            Result<(), FundRuleError>,
        );
        let cases: &[Case] = &[
            ("root allocation", None, empty, 1_000, None, Ok(())),
            (
                "root allocation of zero",
                None,
                empty,
                0,
                None,
                Err(NonPositiveAmount { amount: 0 }),
            ),
            (
                "negative root allocation",
                None,
                empty,
                -5,
                None,
                Err(NonPositiveAmount { amount: -5 }),
            ),
            (
                "within available",
                Some(district),
                commune,
                100,
                None,
                Ok(()),
            ),
            (
                "one đồng over",
                Some(district),
                commune,
                101,
                None,
                Err(Overdraw {
                    available: 100,
                    requested: 101,
                }),
            ),
            (
                "zero",
                Some(district),
                commune,
                0,
                None,
                Err(NonPositiveAmount { amount: 0 }),
            ),
            (
                "negative without adjusts",
                Some(district),
                commune,
                -50,
                None,
                Err(NonPositiveAmount { amount: -50 }),
            ),
            (
                "parent spent everything",
                Some(bal(1_000, 0, 1_000)),
                empty,
                1,
                None,
                Err(Overdraw {
                    available: 0,
                    requested: 1,
                }),
            ),
            (
                "parent passed everything down",
                Some(bal(1_000, 1_000, 0)),
                empty,
                1,
                None,
                Err(Overdraw {
                    available: 0,
                    requested: 1,
                }),
            ),
            (
                "parent has nothing",
                Some(empty),
                empty,
                1,
                None,
                Err(Overdraw {
                    available: 0,
                    requested: 1,
                }),
            ),
            (
                "positive adjustment within available",
                Some(district),
                commune,
                100,
                Some(300),
                Ok(()),
            ),
            (
                "positive adjustment over available",
                Some(district),
                commune,
                150,
                Some(300),
                Err(Overdraw {
                    available: 100,
                    requested: 150,
                }),
            ),
            (
                "zero adjustment",
                Some(district),
                commune,
                0,
                Some(300),
                Err(ZeroAdjustment),
            ),
            (
                "negative adjustment",
                Some(district),
                commune,
                -150,
                Some(300),
                Ok(()),
            ),
            (
                "negative adjustment to exactly zero",
                Some(district),
                bal(300, 0, 0),
                -300,
                Some(300),
                Ok(()),
            ),
            (
                "adjustment below zero",
                Some(district),
                commune,
                -301,
                Some(300),
                Err(AdjustmentBelowZero {
                    total: 300,
                    amount: -301,
                }),
            ),
            // The child passed 200 down and disbursed 100 of its 500: only
            // 200 can be taken back although the allocation was 300.
            (
                "child would be overdrawn",
                Some(district),
                commune,
                -201,
                Some(300),
                Err(ChildOverdrawn {
                    available: 200,
                    requested: 201,
                }),
            ),
            (
                "child exactly covered",
                Some(district),
                commune,
                -200,
                Some(300),
                Ok(()),
            ),
            (
                "negative root adjustment",
                None,
                bal(1_000, 0, 400),
                -600,
                Some(1_000),
                Ok(()),
            ),
            (
                "negative root adjustment overdraws",
                None,
                bal(1_000, 0, 400),
                -601,
                Some(1_000),
                Err(ChildOverdrawn {
                    available: 600,
                    requested: 601,
                }),
            ),
            (
                "positive root adjustment has no ceiling",
                None,
                bal(1_000, 0, 0),
                5_000,
                Some(1_000),
                Ok(()),
            ),
            (
                "root received overflows",
                None,
                bal(i64::MAX, 0, 0),
                1,
                None,
                Err(Overflow),
            ),
            (
                "chain total overflows",
                None,
                bal(0, 0, 0),
                1,
                Some(i64::MAX),
                Err(Overflow),
            ),
            (
                "most negative adjustment",
                None,
                bal(i64::MAX, 0, 0),
                i64::MIN,
                Some(i64::MAX),
                Err(AdjustmentBelowZero {
                    total: i64::MAX,
                    amount: i64::MIN,
                }),
            ),
        ];
        for &(name, parent, child, amount, adjusts, expected) in cases {
            let check = AllocationCheck {
                parent,
                child,
                amount,
                adjusts,
            };
            assert_eq!(check_allocation(&check), expected, "{name}");
        }
    }

    #[test]
    fn disbursement_rules() {
        use FundRuleError::*;
        // (name, balance, amount, is_reversal, expected)
        type Case = (&'static str, Balance, i64, bool, Result<(), FundRuleError>);
        let commune = bal(500, 200, 100); // 200 available
        let cases: &[Case] = &[
            ("within available", commune, 200, false, Ok(())),
            (
                "over available",
                commune,
                201,
                false,
                Err(Overdraw {
                    available: 200,
                    requested: 201,
                }),
            ),
            // What was passed down cannot be spent again.
            (
                "passed down is not available",
                bal(500, 500, 0),
                1,
                false,
                Err(Overdraw {
                    available: 0,
                    requested: 1,
                }),
            ),
            (
                "zero",
                commune,
                0,
                false,
                Err(NonPositiveAmount { amount: 0 }),
            ),
            (
                "negative without reversal",
                commune,
                -1,
                false,
                Err(NonPositiveAmount { amount: -1 }),
            ),
            ("reversal", commune, -100, true, Ok(())),
            (
                "reversal over disbursed",
                commune,
                -101,
                true,
                Err(ReversalExceedsDisbursed {
                    disbursed: 100,
                    requested: 101,
                }),
            ),
            (
                "positive reversal",
                commune,
                5,
                true,
                Err(ReversalNotNegative { amount: 5 }),
            ),
            (
                "zero reversal",
                commune,
                0,
                true,
                Err(ReversalNotNegative { amount: 0 }),
            ),
            (
                "most negative reversal",
                commune,
                i64::MIN,
                true,
                Err(Overflow),
            ),
            // Only a balance that breaks the invariant can overflow.
            (
                "disbursed overflows",
                bal(i64::MAX, -10, i64::MAX),
                1,
                false,
                Err(Overflow),
            ),
            (
                "consistent at the limit",
                bal(i64::MAX, 0, i64::MAX - 1),
                1,
                false,
                Ok(()),
            ),
        ];
        for &(name, balance, amount, reversal, expected) in cases {
            assert_eq!(
                check_disbursement(&balance, amount, reversal),
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn error_codes_and_messages() {
        use FundRuleError::*;
        let cases = [
            (
                Overdraw {
                    available: 1_250_000,
                    requested: 2_000_000,
                },
                "overdraw",
                "Số tiền 2.000.000 đồng vượt quá số vốn còn lại 1.250.000 đồng \
                 (The amount of 2.000.000 đồng exceeds the 1.250.000 đồng available)",
            ),
            (
                NonPositiveAmount { amount: -5_000 },
                "non_positive_amount",
                "Số tiền phải lớn hơn 0, nhận được -5.000 đồng \
                 (The amount must be greater than zero; got -5.000 đồng)",
            ),
            (
                ZeroAdjustment,
                "zero_adjustment",
                "Số tiền điều chỉnh phải khác 0 (An adjustment must not be zero)",
            ),
            (
                AdjustmentBelowZero {
                    total: 300_000,
                    amount: -301_000,
                },
                "adjustment_below_zero",
                "Điều chỉnh -301.000 đồng làm khoản phân bổ hiện là 300.000 đồng bị âm \
                 (An adjustment of -301.000 đồng would make the allocation, now 300.000 đồng, negative)",
            ),
            (
                ChildOverdrawn {
                    available: 200_000,
                    requested: 201_000,
                },
                "child_overdrawn",
                "Không thể giảm 201.000 đồng: đơn vị nhận chỉ còn 200.000 đồng chưa phân bổ, chưa giải ngân \
                 (Cannot take back 201.000 đồng: the receiving unit has only 200.000 đồng not yet passed down or disbursed)",
            ),
            (
                ReversalNotNegative { amount: 1_000 },
                "reversal_not_negative",
                "Số tiền thu hồi giải ngân phải là số âm, nhận được 1.000 đồng \
                 (A disbursement reversal must be negative; got 1.000 đồng)",
            ),
            (
                ReversalExceedsDisbursed {
                    disbursed: 100_000,
                    requested: 101_000,
                },
                "reversal_exceeds_disbursed",
                "Số tiền thu hồi 101.000 đồng vượt quá số đã giải ngân 100.000 đồng \
                 (The reversal of 101.000 đồng exceeds the 100.000 đồng disbursed)",
            ),
            (
                SelfAllocation,
                "self_allocation",
                "Đơn vị không thể tự phân bổ vốn cho chính mình (A unit cannot allocate funds to itself)",
            ),
            (
                InvalidAdjustment { index: 7 },
                "invalid_adjustment",
                "Bút toán điều chỉnh tham chiếu không hợp lệ tới bút toán số 7 \
                 (The adjustment refers to entry 7, which is not an earlier allocation \
                 between the same units for the same fund)",
            ),
            (
                Overflow,
                "overflow",
                "Số tiền vượt quá giới hạn tính toán (Amount out of range)",
            ),
        ];
        let mut codes = std::collections::BTreeSet::new();
        for (error, code, message) in cases {
            assert_eq!(error.code(), code);
            assert_eq!(error.message_vi(), message);
            assert_eq!(error.to_string(), message);
            assert!(codes.insert(code), "duplicate code {code}");
        }
    }

    #[test]
    fn rates_and_remaining() {
        let rates: &[(i64, i64, Option<i64>)] = &[
            (0, 100, Some(0)),
            (100, 100, Some(10_000)),
            (8_765, 10_000, Some(8_765)),
            (1, 8, Some(1_250)),
            (1, 3, Some(3_333)),
            (2, 3, Some(6_667)),
            // 0,005 basis points below half: rounds down; exactly half: up.
            (1, 20_000, Some(1)),
            (1, 20_001, Some(0)),
            (1_234_567_890, 2_000_000_000, Some(6_173)),
            (150, 100, Some(15_000)),
            (5, 0, None),
            (0, 0, None),
            (-1, 20_000, Some(-1)),
            (1, -20_000, Some(-1)),
            (i64::MAX, i64::MAX, Some(10_000)),
            (i64::MAX, 1, None),
            (i64::MIN, i64::MIN, Some(10_000)),
        ];
        for &(disbursed, allocated, expected) in rates {
            assert_eq!(
                disbursement_rate(disbursed, allocated).map(BasisPoints::value),
                expected,
                "{disbursed}/{allocated}"
            );
        }
        let shown = [
            (8_765, "87,65%"),
            (10_000, "100,00%"),
            (5, "0,05%"),
            (-5, "-0,05%"),
            (0, "0,00%"),
            (1_234_567, "12.345,67%"),
        ];
        for (bp, text) in shown {
            assert_eq!(BasisPoints(bp).to_string(), text);
        }
        let left = [
            (1_000, 400, 600),
            (1_000, 1_000, 0),
            (1_000, 1_200, -200),
            (0, 0, 0),
            (i64::MIN, 1, i64::MIN),
            (i64::MAX, -1, i64::MAX),
        ];
        for (allocated, disbursed, expected) in left {
            assert_eq!(remaining(allocated, disbursed), expected);
        }
    }

    /// Province 1 → district 10 → communes 100, 101; project 1000 under
    /// commune 100.
    #[test]
    fn ledger_walkthrough() {
        let mut ledger = Ledger::new();
        let steps: &[(LedgerEntry, Result<usize, FundRuleError>)] = &[
            (alloc(None, 1, 10_000), Ok(0)),
            (alloc(Some(1), 10, 6_000), Ok(1)),
            (alloc(Some(10), 100, 4_000), Ok(2)),
            (alloc(Some(10), 101, 2_000), Ok(3)),
            // The district gave everything away: it can neither spend nor
            // give more.
            (
                disburse(10, 1),
                Err(FundRuleError::Overdraw {
                    available: 0,
                    requested: 1,
                }),
            ),
            (
                alloc(Some(10), 101, 1),
                Err(FundRuleError::Overdraw {
                    available: 0,
                    requested: 1,
                }),
            ),
            (alloc(Some(100), 1000, 3_000), Ok(4)),
            (disburse(1000, 2_500), Ok(5)),
            (disburse(100, 1_000), Ok(6)),
            // Commune 100 has 0 left; taking back 1 of its 4 000 fails.
            (
                adjust(Some(10), 100, -1, 2),
                Err(FundRuleError::ChildOverdrawn {
                    available: 0,
                    requested: 1,
                }),
            ),
            // Commune 101 has spent nothing: cut its allocation by 500.
            (adjust(Some(10), 101, -500, 3), Ok(7)),
            // Adjusting an adjustment continues the same chain (now 1 500).
            (
                adjust(Some(10), 101, -1_501, 7),
                Err(FundRuleError::AdjustmentBelowZero {
                    total: 1_500,
                    amount: -1_501,
                }),
            ),
            // The district can now spend the 500 it got back.
            (disburse(10, 500), Ok(8)),
            (disburse(1000, -500), Ok(9)),
            (
                disburse(1000, -2_001),
                Err(FundRuleError::ReversalExceedsDisbursed {
                    disbursed: 2_000,
                    requested: 2_001,
                }),
            ),
            (alloc(Some(10), 10, 1), Err(FundRuleError::SelfAllocation)),
            // Wrong references: not an allocation, other holders, later.
            (
                adjust(Some(10), 101, 1, 5),
                Err(FundRuleError::InvalidAdjustment { index: 5 }),
            ),
            (
                adjust(Some(10), 100, 1, 3),
                Err(FundRuleError::InvalidAdjustment { index: 3 }),
            ),
            (
                adjust(Some(10), 101, 1, 99),
                Err(FundRuleError::InvalidAdjustment { index: 99 }),
            ),
            (
                LedgerEntry::Allocation {
                    from: Some(10),
                    to: 101,
                    key: FundKey { year: 2025, ..KEY },
                    amount: -1,
                    adjusts: Some(3),
                },
                Err(FundRuleError::InvalidAdjustment { index: 3 }),
            ),
            // Another key is another pot: the province has nothing there.
            (
                LedgerEntry::Allocation {
                    from: Some(1),
                    to: 10,
                    key: FundKey {
                        source_id: 2,
                        ..KEY
                    },
                    amount: 1,
                    adjusts: None,
                },
                Err(FundRuleError::Overdraw {
                    available: 0,
                    requested: 1,
                }),
            ),
        ];
        for (i, (entry, expected)) in steps.iter().enumerate() {
            let before = ledger.clone();
            let got = ledger.apply(*entry);
            assert_eq!(got, *expected, "step {i}: {entry:?}");
            if got.is_err() {
                assert_eq!(ledger, before, "step {i} changed the ledger");
            }
        }
        let expected = [
            (1, bal(10_000, 6_000, 0)),
            (10, bal(6_000, 5_500, 500)),
            (100, bal(4_000, 3_000, 1_000)),
            (101, bal(1_500, 0, 0)),
            (1000, bal(3_000, 0, 2_000)),
        ];
        for (holder, balance) in expected {
            assert_eq!(ledger.balance(holder, KEY), balance, "holder {holder}");
        }
        assert_eq!(ledger.balances().len(), expected.len());
        assert_eq!(ledger.allocation_total(3), Some(1_500));
        assert_eq!(ledger.allocation_total(7), Some(1_500));
        assert_eq!(ledger.allocation_total(2), Some(4_000));
        assert_eq!(ledger.allocation_total(5), None);
        assert_eq!(ledger.allocation_total(42), None);
        assert_eq!(ledger.entries().len(), 10);
        assert_eq!(replay(ledger.entries()), Ok(ledger.balances().clone()));
    }

    #[test]
    fn replay_reports_first_refused_entry() {
        let entries = [
            alloc(None, 1, 1_000),
            alloc(Some(1), 2, 700),
            disburse(1, 300),
            disburse(1, 1),
            disburse(2, 1),
        ];
        assert_eq!(
            replay(&entries),
            Err((
                3,
                FundRuleError::Overdraw {
                    available: 0,
                    requested: 1
                }
            ))
        );
        assert_eq!(replay(&entries[..3]).map(|b| b.len()), Ok(2));
        assert_eq!(replay(&[]), Ok(BTreeMap::new()));
    }

    /// An operation of the random ledger; picks are resolved against the
    /// ledger at the time the operation is applied.
    #[derive(Debug, Clone)]
    enum Op {
        Root {
            to: i64,
            key: usize,
            amount: i64,
        },
        /// With `pick`, the giver and key are those of an existing balance
        /// (so that most allocations have money behind them).
        Pass {
            pick: Option<usize>,
            from: i64,
            to: i64,
            key: usize,
            amount: i64,
        },
        Adjust {
            pick: usize,
            amount: i64,
        },
        /// With `pick`, the holder and key are those of an existing balance.
        Disburse {
            pick: Option<usize>,
            unit: i64,
            key: usize,
            amount: i64,
        },
    }

    const KEYS: [FundKey; 2] = [
        KEY,
        FundKey {
            programme_id: 135,
            year: 2025,
            component_id: 2,
            source_id: 1,
        },
    ];

    fn amount() -> impl Strategy<Value = i64> {
        prop_oneof![
            6 => 1i64..=1_000,
            2 => -1_000i64..=0,
            1 => any::<i64>(),
            1 => prop_oneof![Just(i64::MAX), Just(i64::MIN), Just(i64::MAX / 2 + 1)],
        ]
    }

    fn op() -> impl Strategy<Value = Op> {
        let unit = 0i64..6;
        let key = 0usize..KEYS.len();
        let pick = prop::option::weighted(0.75, any::<usize>());
        let root_amount = prop_oneof![4 => 1i64..=5_000, 1 => amount()];
        prop_oneof![
            1 => (unit.clone(), key.clone(), root_amount)
                .prop_map(|(to, key, amount)| Op::Root { to, key, amount }),
            4 => (pick.clone(), unit.clone(), unit.clone(), key.clone(), amount())
                .prop_map(|(pick, from, to, key, amount)| Op::Pass { pick, from, to, key, amount }),
            2 => (any::<usize>(), amount()).prop_map(|(pick, amount)| Op::Adjust { pick, amount }),
            3 => (pick, unit, key, amount())
                .prop_map(|(pick, unit, key, amount)| Op::Disburse { pick, unit, key, amount }),
        ]
    }

    /// Balances recomputed from scratch, in i128, with the chain totals.
    #[derive(Default)]
    struct Oracle {
        balances: BTreeMap<(UnitId, FundKey), [i128; 3]>,
        chains: BTreeMap<usize, i128>,
        roots: BTreeMap<FundKey, i128>,
    }

    fn oracle(entries: &[LedgerEntry]) -> Oracle {
        let mut o = Oracle::default();
        let mut chain_of: Vec<usize> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            match *entry {
                LedgerEntry::Allocation {
                    from,
                    to,
                    key,
                    amount,
                    adjusts,
                } => {
                    let a = i128::from(amount);
                    o.balances.entry((to, key)).or_default()[0] += a;
                    match from {
                        Some(f) => o.balances.entry((f, key)).or_default()[1] += a,
                        None => *o.roots.entry(key).or_default() += a,
                    }
                    let root = adjusts.map_or(i, |j| chain_of[j]);
                    chain_of.push(root);
                    *o.chains.entry(root).or_default() += a;
                }
                LedgerEntry::Disbursement { unit, key, amount } => {
                    o.balances.entry((unit, key)).or_default()[2] += i128::from(amount);
                    chain_of.push(i);
                }
            }
        }
        o
    }

    impl Oracle {
        /// Whether the state satisfies the invariant and fits in `i64`.
        fn valid(&self) -> bool {
            let fits = |v: i128| i64::try_from(v).is_ok();
            self.balances
                .values()
                .all(|&[r, p, d]| fits(r) && fits(p) && fits(d) && p >= 0 && d >= 0 && p + d <= r)
                && self.chains.values().all(|&t| fits(t) && t >= 0)
        }
    }

    /// The holder and key of an existing balance chosen by `pick`, or the
    /// given ones.
    fn holder(ledger: &Ledger, pick: Option<usize>, unit: i64, key: usize) -> (i64, FundKey) {
        let balances = ledger.balances();
        match pick {
            Some(p) if !balances.is_empty() => *balances.keys().nth(p % balances.len()).unwrap(),
            _ => (unit, KEYS[key]),
        }
    }

    fn entry_for(op: &Op, ledger: &Ledger) -> Option<LedgerEntry> {
        Some(match *op {
            Op::Root { to, key, amount } => LedgerEntry::Allocation {
                from: None,
                to,
                key: KEYS[key],
                amount,
                adjusts: None,
            },
            Op::Pass {
                pick,
                from,
                to,
                key,
                amount,
            } => {
                let (from, key) = holder(ledger, pick, from, key);
                LedgerEntry::Allocation {
                    from: Some(from),
                    to,
                    key,
                    amount,
                    adjusts: None,
                }
            }
            Op::Adjust { pick, amount } => {
                let allocations: Vec<(usize, &LedgerEntry)> = ledger
                    .entries()
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| matches!(e, LedgerEntry::Allocation { .. }))
                    .collect();
                if allocations.is_empty() {
                    return None;
                }
                let (index, entry) = allocations[pick % allocations.len()];
                let LedgerEntry::Allocation { from, to, key, .. } = *entry else {
                    return None;
                };
                LedgerEntry::Allocation {
                    from,
                    to,
                    key,
                    amount,
                    adjusts: Some(index),
                }
            }
            Op::Disburse {
                pick,
                unit,
                key,
                amount,
            } => {
                let (unit, key) = holder(ledger, pick, unit, key);
                LedgerEntry::Disbursement { unit, key, amount }
            }
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Invariant checked after every step, for every holder and key:
        /// `0 ≤ passed_down`, `0 ≤ disbursed`, `passed_down + disbursed ≤
        /// received`; every adjustment chain's total is ≥ 0; for each key,
        /// Σ root allocations = Σ over holders of (received − passed_down)
        /// = Σ available + Σ disbursed (money is conserved). The ledger's
        /// balances equal sums recomputed from the accepted entries, an
        /// entry is accepted exactly when the state after it would still
        /// satisfy the invariant (the rules are neither too loose nor too
        /// strict), a refused entry changes nothing, and `replay` of the
        /// accepted entries gives the same balances.
        #[test]
        fn ledger_keeps_invariant(ops in prop::collection::vec(op(), 0..60)) {
            let mut ledger = Ledger::new();
            for op in &ops {
                let Some(entry) = entry_for(op, &ledger) else { continue };
                let mut candidate = ledger.entries().to_vec();
                candidate.push(entry);
                let self_allocation = matches!(entry, LedgerEntry::Allocation { from: Some(f), to, .. } if f == to);
                let sign_ok = match entry {
                    LedgerEntry::Allocation { amount, adjusts: None, .. } => amount > 0,
                    LedgerEntry::Allocation { amount, .. } | LedgerEntry::Disbursement { amount, .. } => amount != 0,
                };
                let should_accept = !self_allocation && sign_ok && oracle(&candidate).valid();
                let before = ledger.clone();
                let result = ledger.apply(entry);
                prop_assert_eq!(result.is_ok(), should_accept, "{:?} -> {:?}", entry, result);
                if result.is_err() {
                    prop_assert_eq!(&ledger, &before);
                }

                let o = oracle(ledger.entries());
                prop_assert!(o.valid());
                prop_assert_eq!(o.balances.len(), ledger.balances().len());
                for (holder_key, b) in ledger.balances() {
                    prop_assert!(b.is_consistent());
                    let expected = o.balances.get(holder_key).copied().unwrap_or_default();
                    prop_assert_eq!([i128::from(b.received), i128::from(b.passed_down), i128::from(b.disbursed)], expected);
                }
                for key in KEYS {
                    let mut retained = 0i128;
                    let mut available = 0i128;
                    let mut disbursed = 0i128;
                    for ((_, k), b) in ledger.balances() {
                        if *k == key {
                            retained += i128::from(b.received) - i128::from(b.passed_down);
                            available += i128::from(b.available().unwrap());
                            disbursed += i128::from(b.disbursed);
                        }
                    }
                    let roots = o.roots.get(&key).copied().unwrap_or(0);
                    prop_assert_eq!(roots, retained);
                    prop_assert_eq!(roots, available + disbursed);
                }
                for (index, e) in ledger.entries().iter().enumerate() {
                    if matches!(e, LedgerEntry::Allocation { .. }) {
                        prop_assert!(ledger.allocation_total(index).unwrap() >= 0);
                    }
                }
            }
            prop_assert_eq!(replay(ledger.entries()), Ok(ledger.balances().clone()));
        }

        /// The check functions agree with the invariant on arbitrary
        /// consistent balances.
        #[test]
        fn checks_match_invariant(
            r in 0i64..10_000, p_share in 0u32..=100, d_share in 0u32..=100,
            amount in -12_000i64..12_000, reversal in any::<bool>(),
        ) {
            let p = r * i64::from(p_share) / 100;
            let d = (r - p) * i64::from(d_share) / 100;
            let b = bal(r, p, d);
            prop_assert!(b.is_consistent());
            let after = bal(r, p, d + amount);
            let sign_ok = if reversal { amount < 0 } else { amount > 0 };
            prop_assert_eq!(check_disbursement(&b, amount, reversal).is_ok(), sign_ok && after.is_consistent());
        }
    }
}
