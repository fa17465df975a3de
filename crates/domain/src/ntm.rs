//! New Rural Development (*nông thôn mới*, NTM) criteria scoring.
//!
//! A [`CriteriaSet`] is data, not code: the national commune set of
//! Decision 318/QĐ-TTg (19 criteria in five groups for 2021–2025), its
//! successors, or a province's advanced set. Each [`Criterion`] has
//! [`Indicator`]s (*chỉ tiêu*), each with a [`ValueType`], a [`Comparator`]
//! and [`Target`]s. Targets may differ by region (the seven regions of
//! Decision 318, [`REGIONS_318`]), by commune group (the groups of
//! Decision 51/2025) and by year; [`applicable_target`] picks the one that
//! applies to a commune in a year.
//!
//! Scoring goes upwards: [`indicator_passes`] gives an [`IndicatorResult`],
//! [`criterion_result`] combines a criterion's indicators by its
//! [`PassRule`] (all, or at least *k*), [`evaluate`] and
//! [`evaluation_summary`] count the criteria a commune meets, and
//! [`statistics`] aggregates communes for reports (communes meeting every
//! criterion, the average number of criteria met, communes one or two
//! criteria short).
//!
//! Numbers are exact [`Decimal`]s, never floats: a threshold of 95,5 % and
//! a value of 95,5 % compare equal.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::money::Decimal;
use crate::text::canonical;
use crate::units::UnitId;

/// One of the seven socio-economic regions whose thresholds differ in
/// Decision 318/QĐ-TTg.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    /// The short id used in [`Target::region`], e.g. `"TDMNPB"`.
    pub id: &'static str,
    /// The Vietnamese name.
    pub name_vi: &'static str,
    /// The English name.
    pub name_en: &'static str,
}

/// The seven regions of Decision 318/QĐ-TTg, as in
/// `data/reference/ntm_commune_criteria_2021_2025.json`.
///
/// Extremely difficult communes (*xã đặc biệt khó khăn*) and safe-zone
/// communes (*xã an toàn khu*) of poor districts and districts that had
/// just left poverty in 2018–2020 are assessed with the thresholds of the
/// Northern Midlands and Mountains ([`REGION_TDMNPB`]) whatever their
/// region: the caller passes that region id for them.
pub const REGIONS_318: [Region; 7] = [
    Region {
        id: "TDMNPB",
        name_vi: "Trung du miền núi phía Bắc",
        name_en: "Northern Midlands and Mountains",
    },
    Region {
        id: "DBSH",
        name_vi: "Đồng bằng sông Hồng",
        name_en: "Red River Delta",
    },
    Region {
        id: "BTB",
        name_vi: "Bắc Trung Bộ",
        name_en: "North Central Coast",
    },
    Region {
        id: "DHNTB",
        name_vi: "Duyên hải Nam Trung Bộ",
        name_en: "South Central Coast",
    },
    Region {
        id: "TN",
        name_vi: "Tây Nguyên",
        name_en: "Central Highlands",
    },
    Region {
        id: "DNB",
        name_vi: "Đông Nam Bộ",
        name_en: "South East",
    },
    Region {
        id: "DBSCL",
        name_vi: "Đồng bằng sông Cửu Long",
        name_en: "Mekong River Delta",
    },
];

/// The id of the Northern Midlands and Mountains region (*Trung du miền
/// núi phía Bắc*), whose thresholds also apply to extremely difficult and
/// safe-zone communes (see [`REGIONS_318`]).
pub const REGION_TDMNPB: &str = "TDMNPB";

/// The kind of value an indicator takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ValueType {
    /// Đạt / không đạt, có / không: an [`IndicatorValue::Bool`].
    Boolean,
    /// A quantity (income in triệu đồng/người/năm, km of road): an
    /// [`IndicatorValue::Number`].
    Number,
    /// A percentage, as the number of percent (95,5 % is `95.5`): an
    /// [`IndicatorValue::Number`].
    Percent,
    /// One of a list of answers (a level, a grade): an
    /// [`IndicatorValue::Choice`].
    Choice,
    /// Free text for the record; never scored.
    Text,
}

/// How a value is compared with its target.
///
/// | Comparator | Value types | Target value | Passes when |
/// |---|---|---|---|
/// | `Gte`, `Gt`, `Lte`, `Lt` | number, percent | `Number` | value ≥ / > / ≤ / < target |
/// | `Eq` | number, percent | `Number` | value = target (exactly) |
/// | `Eq` | boolean | `Bool` | value = target |
/// | `Eq` | choice | `Choice` of one answer | value is that answer |
/// | `OneOf` | choice | `Choice` | value is one of the answers |
/// | `IsTrue` | boolean | `Bool(true)` | value is true |
///
/// Choices are compared after [`canonical`] spelling, ignoring case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Comparator {
    /// At least (≥).
    Gte,
    /// More than (>).
    Gt,
    /// At most (≤).
    Lte,
    /// Less than (<).
    Lt,
    /// Equal to.
    Eq,
    /// One of the listed answers.
    OneOf,
    /// True (đạt).
    IsTrue,
}

impl Comparator {
    /// The symbol shown next to a threshold: `"≥"`, `">"`, `"≤"`, `"<"`,
    /// `"="`, `"∈"`, `"đạt"`.
    pub const fn symbol(self) -> &'static str {
        match self {
            Comparator::Gte => "≥",
            Comparator::Gt => ">",
            Comparator::Lte => "≤",
            Comparator::Lt => "<",
            Comparator::Eq => "=",
            Comparator::OneOf => "∈",
            Comparator::IsTrue => "đạt",
        }
    }

    /// Whether the comparator can be used with indicators of `value_type`
    /// (see the table on [`Comparator`]). Text indicators are never
    /// scored, so every comparator is allowed (and ignored) there.
    pub const fn fits(self, value_type: ValueType) -> bool {
        match value_type {
            ValueType::Number | ValueType::Percent => matches!(
                self,
                Comparator::Gte
                    | Comparator::Gt
                    | Comparator::Lte
                    | Comparator::Lt
                    | Comparator::Eq
            ),
            ValueType::Boolean => matches!(self, Comparator::Eq | Comparator::IsTrue),
            ValueType::Choice => matches!(self, Comparator::Eq | Comparator::OneOf),
            ValueType::Text => true,
        }
    }
}

/// A threshold.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TargetValue {
    /// A number, exact (serialised as a decimal string such as `"95.5"`).
    #[cfg_attr(feature = "openapi", schema(value_type = DecimalText))]
    Number(#[serde(with = "decimal_text")] Decimal),
    /// A yes/no requirement.
    Bool(bool),
    /// The accepted answers.
    Choice(Vec<String>),
}

/// The threshold of an indicator for some communes and years. A field left
/// `None` applies to all: a target with no region applies in every region.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    /// The threshold.
    pub value: TargetValue,
    /// The region id (see [`REGIONS_318`]) this target is for; compared
    /// exactly.
    pub region: Option<String>,
    /// The commune group (Decision 51/2025) this target is for; compared
    /// exactly.
    pub group: Option<String>,
    /// The first year the target applies to (inclusive).
    pub year_from: Option<i32>,
    /// The last year the target applies to (inclusive).
    pub year_to: Option<i32>,
}

impl Target {
    /// A target for every commune and year.
    pub fn generic(value: TargetValue) -> Self {
        Target {
            value,
            region: None,
            group: None,
            year_from: None,
            year_to: None,
        }
    }

    /// Whether `year` lies in `year_from ..= year_to` (an open end is no
    /// limit).
    pub fn covers_year(&self, year: i32) -> bool {
        self.year_from.is_none_or(|from| from <= year) && self.year_to.is_none_or(|to| year <= to)
    }

    /// Whether the target applies to a commune in `region` and `group` in
    /// `year`: the year is covered, and the target's region and group are
    /// either unset or equal to the commune's.
    pub fn applies(&self, region: Option<&str>, group: Option<&str>, year: i32) -> bool {
        let matches = |want: &Option<String>, have: Option<&str>| {
            want.as_deref().is_none_or(|w| have == Some(w))
        };
        self.covers_year(year) && matches(&self.region, region) && matches(&self.group, group)
    }

    /// How many years the target spans; `u64::MAX - 1` with one open end
    /// and `u64::MAX` with both.
    fn year_span(&self) -> u64 {
        match (self.year_from, self.year_to) {
            (Some(from), Some(to)) => (i64::from(to) - i64::from(from)).unsigned_abs(),
            (Some(_), None) | (None, Some(_)) => u64::MAX - 1,
            (None, None) => u64::MAX,
        }
    }
}

/// An indicator (*chỉ tiêu*) of a criterion.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Indicator {
    /// The code, unique within the set, e.g. `"15.1"`.
    pub code: String,
    /// The name, e.g. *Tỷ lệ người dân tham gia bảo hiểm y tế*.
    pub name: String,
    /// The kind of value.
    pub value_type: ValueType,
    /// How the value is compared with the target.
    pub comparator: Comparator,
    /// The thresholds; see [`applicable_target`].
    pub targets: Vec<Target>,
}

/// When a criterion is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PassRule {
    /// Every scored indicator passes (the usual rule).
    All,
    /// At least this many indicators pass.
    #[cfg_attr(feature = "openapi", schema(value_type = IndicatorCount))]
    AtLeast(usize),
}

/// The schema of [`PassRule::AtLeast`]'s count: 1 to 50, the most
/// indicators a criterion holds (the API's limit); it may not exceed the
/// criterion's own indicators.
#[cfg(feature = "openapi")]
pub struct IndicatorCount;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for IndicatorCount {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(50))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for IndicatorCount {}

/// A criterion (*tiêu chí*), e.g. no. 15 *Y tế*.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Criterion {
    /// The number, unique within the set (1–19 in Decision 318).
    pub number: u8,
    /// The name, e.g. *Y tế*.
    pub name: String,
    /// The group, e.g. `"IV"` (*Văn hóa - Xã hội - Môi trường*).
    pub group: String,
    /// The indicators.
    pub indicators: Vec<Indicator>,
    /// When the criterion is met.
    pub pass_rule: PassRule,
}

/// A criteria set (*bộ tiêu chí*).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriteriaSet {
    /// A stable code, e.g. `"318/QĐ-TTg"`.
    pub code: String,
    /// The name.
    pub name: String,
    /// The criteria, in order.
    pub criteria: Vec<Criterion>,
}

/// A value reported for an indicator.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IndicatorValue {
    /// For [`ValueType::Boolean`].
    Bool(bool),
    /// For [`ValueType::Number`] and [`ValueType::Percent`] (serialised as
    /// a decimal string such as `"95.5"`).
    #[cfg_attr(feature = "openapi", schema(value_type = DecimalText))]
    Number(#[serde(with = "decimal_text")] Decimal),
    /// For [`ValueType::Choice`].
    Choice(String),
    /// For [`ValueType::Text`].
    Text(String),
}

impl IndicatorValue {
    /// Whether this is the kind of value an indicator of `value_type`
    /// takes (a number for number and percent indicators, and so on).
    pub const fn fits(&self, value_type: ValueType) -> bool {
        matches!(
            (self, value_type),
            (IndicatorValue::Bool(_), ValueType::Boolean)
                | (
                    IndicatorValue::Number(_),
                    ValueType::Number | ValueType::Percent
                )
                | (IndicatorValue::Choice(_), ValueType::Choice)
                | (IndicatorValue::Text(_), ValueType::Text)
        )
    }
}

/// The outcome of one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IndicatorResult {
    /// *Đạt*: the value meets the target.
    Pass,
    /// *Không đạt*: the value does not meet the target (or the target is
    /// misconfigured; see [`validate`]).
    Fail,
    /// *Thiếu số liệu*: no value, or a value of the wrong kind; counts as
    /// not passing.
    Missing,
    /// *Không đánh giá*: not scored (a text indicator, or no target applies
    /// to this commune and year); left out of the criterion's count.
    NoTarget,
}

impl IndicatorResult {
    /// The stable code: `"pass"`, `"fail"`, `"missing"`, `"no_target"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            IndicatorResult::Pass => "pass",
            IndicatorResult::Fail => "fail",
            IndicatorResult::Missing => "missing",
            IndicatorResult::NoTarget => "no_target",
        }
    }

    /// The Vietnamese label: *Đạt*, *Không đạt*, *Thiếu số liệu*, *Không
    /// đánh giá*.
    pub const fn label_vi(self) -> &'static str {
        match self {
            IndicatorResult::Pass => "Đạt",
            IndicatorResult::Fail => "Không đạt",
            IndicatorResult::Missing => "Thiếu số liệu",
            IndicatorResult::NoTarget => "Không đánh giá",
        }
    }
}

/// The target that applies to a commune in `region` and `group` in `year`:
/// among the targets that [apply](Target::applies), the most specific.
///
/// Tie-breaking, in order:
/// 1. specific to both the commune's group and region, then to its group
///    only, then to its region only, then generic (the commune group of
///    Decision 51/2025 is assessed per commune and is the finer
///    classification; a set normally uses only one of the two);
/// 2. the narrower year range (`2024–2024` before `2022–2025` before
///    `2022–` before no years);
/// 3. the earlier target in [`Indicator::targets`].
///
/// `None` when no target applies.
pub fn applicable_target<'a>(
    indicator: &'a Indicator,
    region: Option<&str>,
    group: Option<&str>,
    year: i32,
) -> Option<&'a Target> {
    indicator
        .targets
        .iter()
        .filter(|t| t.applies(region, group, year))
        // min_by_key keeps the first of equal keys.
        .min_by_key(|t| {
            let rank = match (t.group.is_some(), t.region.is_some()) {
                (true, true) => 0u8,
                (true, false) => 1,
                (false, true) => 2,
                (false, false) => 3,
            };
            (rank, t.year_span())
        })
}

/// Scores one indicator against its applicable `target`, in this order:
///
/// * a [`ValueType::Text`] indicator, or no target: [`IndicatorResult::NoTarget`];
/// * no value, or a value of the wrong kind (see [`IndicatorValue::fits`]):
///   [`IndicatorResult::Missing`];
/// * otherwise [`IndicatorResult::Pass`] or [`IndicatorResult::Fail`] by
///   the comparator (see the table on [`Comparator`]). A comparator that
///   does not fit the value type or the target value is a configuration
///   error ([`validate`] reports it) and scores [`IndicatorResult::Fail`],
///   never a silent pass.
pub fn indicator_passes(
    indicator: &Indicator,
    value: Option<&IndicatorValue>,
    target: Option<&Target>,
) -> IndicatorResult {
    if indicator.value_type == ValueType::Text {
        return IndicatorResult::NoTarget;
    }
    let Some(target) = target else {
        return IndicatorResult::NoTarget;
    };
    let Some(value) = value.filter(|v| v.fits(indicator.value_type)) else {
        return IndicatorResult::Missing;
    };
    if !indicator.comparator.fits(indicator.value_type) {
        return IndicatorResult::Fail;
    }
    match compare(indicator.comparator, value, &target.value) {
        Some(true) => IndicatorResult::Pass,
        Some(false) | None => IndicatorResult::Fail,
    }
}

/// The comparison of the table on [`Comparator`]; `None` when the
/// comparator, value and target do not go together.
fn compare(comparator: Comparator, value: &IndicatorValue, target: &TargetValue) -> Option<bool> {
    use Comparator::*;
    match (comparator, value, target) {
        (Gte, IndicatorValue::Number(v), TargetValue::Number(t)) => Some(v >= t),
        (Gt, IndicatorValue::Number(v), TargetValue::Number(t)) => Some(v > t),
        (Lte, IndicatorValue::Number(v), TargetValue::Number(t)) => Some(v <= t),
        (Lt, IndicatorValue::Number(v), TargetValue::Number(t)) => Some(v < t),
        (Eq, IndicatorValue::Number(v), TargetValue::Number(t)) => Some(v == t),
        (Eq, IndicatorValue::Bool(v), TargetValue::Bool(t)) => Some(v == t),
        (IsTrue, IndicatorValue::Bool(v), TargetValue::Bool(true)) => Some(*v),
        (Eq, IndicatorValue::Choice(v), TargetValue::Choice(list)) if list.len() == 1 => {
            Some(list.iter().any(|c| same_choice(c, v)))
        }
        (OneOf, IndicatorValue::Choice(v), TargetValue::Choice(list)) => {
            Some(list.iter().any(|c| same_choice(c, v)))
        }
        _ => None,
    }
}

/// Choices compare by [`canonical`] spelling, ignoring case: *Đạt*,
/// *đạt* and a decomposed *Đạt* are the same answer.
fn same_choice(a: &str, b: &str) -> bool {
    canonical(a).to_lowercase() == canonical(b).to_lowercase()
}

/// The outcome of one criterion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionResult {
    /// Whether the criterion is met.
    pub met: bool,
    /// How many indicators passed.
    pub passed: usize,
    /// How many had to pass.
    pub required: usize,
}

/// Combines the results of a criterion's indicators, given in the order of
/// [`Criterion::indicators`] (an indicator without a result counts as
/// [`IndicatorResult::Missing`]; extra results are ignored).
///
/// Indicators scored [`IndicatorResult::NoTarget`] are left out. `passed`
/// counts [`IndicatorResult::Pass`]; `required` is the number of scored
/// indicators under [`PassRule::All`] and `k` under
/// [`PassRule::AtLeast`]. The criterion is met when `passed ≥ required`
/// and `required ≥ 1`: a criterion with nothing scored is not met.
pub fn criterion_result(criterion: &Criterion, results: &[IndicatorResult]) -> CriterionResult {
    let result = |i: usize| results.get(i).copied().unwrap_or(IndicatorResult::Missing);
    let n = criterion.indicators.len();
    let scored = (0..n)
        .filter(|&i| result(i) != IndicatorResult::NoTarget)
        .count();
    let passed = (0..n)
        .filter(|&i| result(i) == IndicatorResult::Pass)
        .count();
    let required = match criterion.pass_rule {
        PassRule::All => scored,
        PassRule::AtLeast(k) => k,
    };
    CriterionResult {
        met: required >= 1 && passed >= required,
        passed,
        required,
    }
}

/// Where and when a commune is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EvaluationContext<'a> {
    /// The commune's region id (see [`REGIONS_318`]), if the set uses
    /// regions.
    pub region: Option<&'a str>,
    /// The commune's group (Decision 51/2025), if the set uses groups.
    pub group: Option<&'a str>,
    /// The year evaluated.
    pub year: i32,
}

/// The outcome of one indicator, by code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndicatorOutcome {
    /// The indicator's code.
    pub code: String,
    /// Its result.
    pub result: IndicatorResult,
}

/// The outcome of one criterion with its indicators.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CriterionOutcome {
    /// The criterion's number.
    pub number: u8,
    /// Its result.
    pub result: CriterionResult,
    /// Its indicators' results, in order.
    pub indicators: Vec<IndicatorOutcome>,
}

/// Scores every indicator of `criterion` (values by indicator code, each
/// against its [`applicable_target`]) and combines them with
/// [`criterion_result`].
pub fn evaluate_criterion(
    criterion: &Criterion,
    context: &EvaluationContext<'_>,
    values: &BTreeMap<String, IndicatorValue>,
) -> CriterionOutcome {
    let indicators: Vec<IndicatorOutcome> = criterion
        .indicators
        .iter()
        .map(|indicator| {
            let target = applicable_target(indicator, context.region, context.group, context.year);
            IndicatorOutcome {
                code: indicator.code.clone(),
                result: indicator_passes(indicator, values.get(&indicator.code), target),
            }
        })
        .collect();
    let results: Vec<IndicatorResult> = indicators.iter().map(|o| o.result).collect();
    CriterionOutcome {
        number: criterion.number,
        result: criterion_result(criterion, &results),
        indicators,
    }
}

/// How many criteria a commune meets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EvaluationSummary {
    /// The number of (distinct) criteria in the set.
    pub criteria_total: usize,
    /// The number met: `met.len()`.
    pub criteria_met: usize,
    /// Whether every criterion is met (*đạt chuẩn*): `unmet` is empty and
    /// the set has at least one criterion.
    pub all_met: bool,
    /// The numbers of the criteria met, ascending.
    pub met: Vec<u8>,
    /// The numbers of the criteria not met, ascending.
    pub unmet: Vec<u8>,
}

/// Summarises a commune's results: `met` holds the numbers of the criteria
/// met (from [`evaluate`], or as recorded after appraisal). Every
/// criterion of `set` not in `met` is unmet; numbers in `met` that are not
/// in the set are ignored, so `criteria_met ≤ criteria_total`.
pub fn evaluation_summary(set: &CriteriaSet, met: &BTreeSet<u8>) -> EvaluationSummary {
    let numbers: BTreeSet<u8> = set.criteria.iter().map(|c| c.number).collect();
    let (met, unmet): (Vec<u8>, Vec<u8>) = numbers.iter().partition(|n| met.contains(n));
    EvaluationSummary {
        criteria_total: numbers.len(),
        criteria_met: met.len(),
        all_met: unmet.is_empty() && !met.is_empty(),
        met,
        unmet,
    }
}

/// A commune's full evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evaluation {
    /// Every criterion's outcome, in the set's order.
    pub criteria: Vec<CriterionOutcome>,
    /// The summary.
    pub summary: EvaluationSummary,
}

/// Evaluates a commune against the whole set (see [`evaluate_criterion`]
/// and [`evaluation_summary`]). If the set lists a criterion number twice
/// (which [`validate`] reports), the number is met only when every entry
/// with it is met.
pub fn evaluate(
    set: &CriteriaSet,
    context: &EvaluationContext<'_>,
    values: &BTreeMap<String, IndicatorValue>,
) -> Evaluation {
    let criteria: Vec<CriterionOutcome> = set
        .criteria
        .iter()
        .map(|c| evaluate_criterion(c, context, values))
        .collect();
    let unmet: BTreeSet<u8> = criteria
        .iter()
        .filter(|o| !o.result.met)
        .map(|o| o.number)
        .collect();
    let met: BTreeSet<u8> = criteria
        .iter()
        .map(|o| o.number)
        .filter(|n| !unmet.contains(n))
        .collect();
    Evaluation {
        summary: evaluation_summary(set, &met),
        criteria,
    }
}

/// A commune's evaluation summary, for [`statistics`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitEvaluation {
    /// The commune.
    pub unit_id: UnitId,
    /// Its summary.
    pub summary: EvaluationSummary,
}

/// Aggregate NTM figures for a list of communes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NtmStats {
    /// The number of communes evaluated.
    pub units_evaluated: usize,
    /// Communes meeting every criterion (*xã đạt chuẩn*).
    pub units_meeting_all: usize,
    /// The sum over communes of the criteria met: the exact average is
    /// `criteria_met_total / units_evaluated`.
    pub criteria_met_total: u64,
    /// The average number of criteria met per commune (*bình quân tiêu
    /// chí/xã*), rounded to hundredths, halves up (15,125 → 15,13), always
    /// with two decimals (serialised as `"15.25"`); `None` when no commune
    /// was evaluated.
    #[serde(with = "option_decimal_text")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub average_criteria_met: Option<Decimal>,
    /// For every criterion number met or unmet by some commune, how many
    /// communes meet it.
    pub per_criterion_pass_counts: BTreeMap<u8, usize>,
    /// Communes exactly one criterion short.
    pub units_one_away: usize,
    /// Communes exactly two criteria short.
    pub units_two_away: usize,
}

/// Aggregates commune summaries (one per commune). Each commune counts
/// with the criteria in its `met` and `unmet` lists (duplicates within a
/// list are counted once): criteria met = distinct numbers in `met`,
/// short by = distinct numbers in `unmet` that are not also in `met`;
/// it meets all when it is short by none and meets at least one.
pub fn statistics(units: &[UnitEvaluation]) -> NtmStats {
    let mut per_criterion: BTreeMap<u8, usize> = BTreeMap::new();
    let mut meeting_all = 0;
    let mut one_away = 0;
    let mut two_away = 0;
    let mut total: u64 = 0;
    for unit in units {
        let met: BTreeSet<u8> = unit.summary.met.iter().copied().collect();
        let unmet: BTreeSet<u8> = unit
            .summary
            .unmet
            .iter()
            .copied()
            .filter(|n| !met.contains(n))
            .collect();
        for n in &met {
            *per_criterion.entry(*n).or_default() += 1;
        }
        for n in &unmet {
            per_criterion.entry(*n).or_default();
        }
        total = total.saturating_add(u64::try_from(met.len()).unwrap_or(u64::MAX));
        match unmet.len() {
            0 if !met.is_empty() => meeting_all += 1,
            1 => one_away += 1,
            2 => two_away += 1,
            _ => {}
        }
    }
    let count = u64::try_from(units.len()).unwrap_or(u64::MAX);
    let average = (count > 0).then(|| {
        // total ≤ 255 × count, so 200 × total fits easily.
        let hundredths = (u128::from(total) * 200 + u128::from(count)) / (u128::from(count) * 2);
        Decimal::new(i128::try_from(hundredths).unwrap_or(i128::MAX), 2)
    });
    NtmStats {
        units_evaluated: units.len(),
        units_meeting_all: meeting_all,
        criteria_met_total: total,
        average_criteria_met: average,
        per_criterion_pass_counts: per_criterion,
        units_one_away: one_away,
        units_two_away: two_away,
    }
}

/// Something wrong with a [`CriteriaSet`] as data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum SetProblem {
    /// Two criteria have the same number.
    #[error("tiêu chí số {number} bị trùng / criterion {number} is listed twice")]
    DuplicateCriterion {
        /// The number.
        number: u8,
    },
    /// A criterion has no indicators.
    #[error("tiêu chí số {number} không có chỉ tiêu / criterion {number} has no indicators")]
    EmptyCriterion {
        /// The number.
        number: u8,
    },
    /// `AtLeast(k)` with `k` of 0 or more than the number of indicators.
    #[error("tiêu chí số {number}: yêu cầu đạt {at_least} trên {indicators} chỉ tiêu / criterion {number}: requires {at_least} of {indicators} indicators")]
    InvalidPassRule {
        /// The criterion.
        number: u8,
        /// The `k` of `AtLeast(k)`.
        at_least: usize,
        /// How many indicators the criterion has.
        indicators: usize,
    },
    /// Two indicators have the same code.
    #[error("mã chỉ tiêu {code} bị trùng / indicator code {code} is used twice")]
    DuplicateIndicator {
        /// The code.
        code: String,
    },
    /// The comparator cannot be used with the indicator's value type.
    #[error("chỉ tiêu {code}: phép so sánh {comparator:?} không dùng được cho kiểu {value_type:?} / indicator {code}: comparator {comparator:?} does not fit value type {value_type:?}")]
    ComparatorMismatch {
        /// The indicator.
        code: String,
        /// Its comparator.
        comparator: Comparator,
        /// Its value type.
        value_type: ValueType,
    },
    /// A target's value does not go with the comparator (see the table on
    /// [`Comparator`]).
    #[error("chỉ tiêu {code}: ngưỡng thứ {index} không phù hợp phép so sánh / indicator {code}: target {index} does not fit the comparator")]
    TargetMismatch {
        /// The indicator.
        code: String,
        /// The target's position in [`Indicator::targets`], from 0.
        index: usize,
    },
    /// A target's `year_from` is after its `year_to`.
    #[error("chỉ tiêu {code}: ngưỡng thứ {index} có năm bắt đầu sau năm kết thúc / indicator {code}: target {index} starts after it ends")]
    InvertedYears {
        /// The indicator.
        code: String,
        /// The target's position, from 0.
        index: usize,
    },
}

impl SetProblem {
    /// A stable snake_case code for clients, e.g. `"duplicate_criterion"`.
    pub const fn code(&self) -> &'static str {
        match self {
            SetProblem::DuplicateCriterion { .. } => "duplicate_criterion",
            SetProblem::EmptyCriterion { .. } => "empty_criterion",
            SetProblem::InvalidPassRule { .. } => "invalid_pass_rule",
            SetProblem::DuplicateIndicator { .. } => "duplicate_indicator",
            SetProblem::ComparatorMismatch { .. } => "comparator_mismatch",
            SetProblem::TargetMismatch { .. } => "target_mismatch",
            SetProblem::InvertedYears { .. } => "inverted_years",
        }
    }
}

/// Whether a target value goes with a comparator (see the table on
/// [`Comparator`]).
fn target_fits(comparator: Comparator, value_type: ValueType, target: &TargetValue) -> bool {
    use Comparator::*;
    match (comparator, target) {
        (_, _) if value_type == ValueType::Text => true,
        (Gte | Gt | Lte | Lt, TargetValue::Number(_)) => true,
        (Eq, TargetValue::Number(_)) => {
            matches!(value_type, ValueType::Number | ValueType::Percent)
        }
        (Eq, TargetValue::Bool(_)) => value_type == ValueType::Boolean,
        (Eq, TargetValue::Choice(list)) => list.len() == 1,
        (OneOf, TargetValue::Choice(list)) => !list.is_empty(),
        (IsTrue, TargetValue::Bool(true)) => true,
        _ => false,
    }
}

/// Checks a criteria set before it is stored: criterion numbers and
/// indicator codes unique, every criterion with indicators, `AtLeast(k)`
/// with `1 ≤ k ≤ indicators`, comparators that fit their value types,
/// target values that fit their comparators, and year ranges in order.
///
/// # Errors
/// Every problem found, in the order of the set.
pub fn validate(set: &CriteriaSet) -> Result<(), Vec<SetProblem>> {
    let mut problems = Vec::new();
    let mut numbers = BTreeSet::new();
    let mut codes = BTreeSet::new();
    for criterion in &set.criteria {
        let number = criterion.number;
        if !numbers.insert(number) {
            problems.push(SetProblem::DuplicateCriterion { number });
        }
        let n = criterion.indicators.len();
        if n == 0 {
            problems.push(SetProblem::EmptyCriterion { number });
        }
        if let PassRule::AtLeast(k) = criterion.pass_rule {
            if k == 0 || k > n {
                problems.push(SetProblem::InvalidPassRule {
                    number,
                    at_least: k,
                    indicators: n,
                });
            }
        }
        for indicator in &criterion.indicators {
            let code = &indicator.code;
            if !codes.insert(code.as_str()) {
                problems.push(SetProblem::DuplicateIndicator { code: code.clone() });
            }
            let comparator_fits = indicator.comparator.fits(indicator.value_type);
            if !comparator_fits {
                problems.push(SetProblem::ComparatorMismatch {
                    code: code.clone(),
                    comparator: indicator.comparator,
                    value_type: indicator.value_type,
                });
            }
            for (index, target) in indicator.targets.iter().enumerate() {
                if comparator_fits
                    && !target_fits(indicator.comparator, indicator.value_type, &target.value)
                {
                    problems.push(SetProblem::TargetMismatch {
                        code: code.clone(),
                        index,
                    });
                }
                if let (Some(from), Some(to)) = (target.year_from, target.year_to) {
                    if from > to {
                        problems.push(SetProblem::InvertedYears {
                            code: code.clone(),
                            index,
                        });
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// The schema of a [`Decimal`] as the API writes it: a plain decimal
/// string (`"95"`, `"95.5"`, `"-0.25"`), at most 38 characters, which is
/// what [`Decimal::from_str`] reads without overflow.
#[cfg(feature = "openapi")]
pub struct DecimalText;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for DecimalText {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("A decimal number as text, e.g. `\"95.5\"`."))
            .pattern(Some(r"^[+-]?([0-9]+|[0-9]*\.[0-9]+)$"))
            .max_length(Some(38))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for DecimalText {}

/// Serde for [`Decimal`]: written as its plain decimal string (`"95.5"`),
/// read from such a string or from a JSON number (integers exactly;
/// fractions by the shortest decimal that reads back as the same double,
/// see [`Decimal::from_f64_exact`]).
mod decimal_text {
    use super::*;
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        d.deserialize_any(DecimalVisitor)
    }

    pub(super) struct DecimalVisitor;

    impl Visitor<'_> for DecimalVisitor {
        type Value = Decimal;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a decimal number as a string such as \"95.5\", or a number")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            v.trim().parse().map_err(E::custom)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from_i64(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::new(i128::from(v), 0))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
            Decimal::from_f64_exact(v).map_err(E::custom)
        }
    }
}

/// Serde for `Option<Decimal>` (see `decimal_text`); `None` is `null`.
mod option_decimal_text {
    use super::*;
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        value: &Option<Decimal>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Decimal>, D::Error> {
        d.deserialize_option(OptionVisitor)
    }

    struct OptionVisitor;

    impl<'de> Visitor<'de> for OptionVisitor {
        type Value = Option<Decimal>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("null or a decimal number")
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            super::decimal_text::deserialize(d).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn num(s: &str) -> IndicatorValue {
        IndicatorValue::Number(dec(s))
    }

    fn target(value: &str) -> Target {
        Target::generic(TargetValue::Number(dec(value)))
    }

    fn regional(value: &str, region: &str) -> Target {
        Target {
            region: Some(region.to_owned()),
            ..target(value)
        }
    }

    fn years(value: &str, from: Option<i32>, to: Option<i32>) -> Target {
        Target {
            year_from: from,
            year_to: to,
            ..target(value)
        }
    }

    fn indicator(
        code: &str,
        value_type: ValueType,
        comparator: Comparator,
        targets: Vec<Target>,
    ) -> Indicator {
        Indicator {
            code: code.to_owned(),
            name: format!("Chỉ tiêu {code}"),
            value_type,
            comparator,
            targets,
        }
    }

    fn criterion(number: u8, indicators: Vec<Indicator>, pass_rule: PassRule) -> Criterion {
        Criterion {
            number,
            name: format!("Tiêu chí {number}"),
            group: "I".to_owned(),
            indicators,
            pass_rule,
        }
    }

    /// Income (criterion 10) with the 2020 thresholds of Decision
    /// 1980/QĐ-TTg (national 45, TDMNPB 36, DBSH 50 triệu đồng/người/năm,
    /// from the reference data) and made-up thresholds from 2021 on.
    fn income() -> Indicator {
        indicator(
            "10",
            ValueType::Number,
            Comparator::Gte,
            vec![
                years("45", None, Some(2020)),
                Target {
                    year_to: Some(2020),
                    ..regional("36", "TDMNPB")
                },
                Target {
                    year_to: Some(2020),
                    ..regional("50", "DBSH")
                },
                years("60", Some(2021), None),
                Target {
                    year_from: Some(2021),
                    ..regional("48", "TDMNPB")
                },
            ],
        )
    }

    #[test]
    fn regions_match_reference_data() {
        let json = include_str!("../../../data/reference/ntm_commune_criteria_2021_2025.json");
        for region in REGIONS_318 {
            assert!(
                json.contains(&format!("\"id\": \"{}\"", region.id)),
                "{}",
                region.id
            );
            assert!(json.contains(region.name_vi), "{}", region.name_vi);
            assert!(json.contains(region.name_en), "{}", region.name_en);
        }
        assert!(json.contains("\"criteria_count\": 19"));
        assert_eq!(REGIONS_318[0].id, REGION_TDMNPB);
        let ids: BTreeSet<&str> = REGIONS_318.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), 7);
    }

    #[test]
    fn region_specific_targets() {
        let income = income();
        // (region, year, value, expected threshold, expected result)
        let cases: &[(Option<&str>, i32, &str, &str, IndicatorResult)] = &[
            // A mountain commune and a delta commune with the same income.
            (Some("TDMNPB"), 2020, "40", "36", IndicatorResult::Pass),
            (Some("DBSH"), 2020, "40", "50", IndicatorResult::Fail),
            (Some("DBSH"), 2020, "50", "50", IndicatorResult::Pass),
            (Some("DBSH"), 2020, "49.99", "50", IndicatorResult::Fail),
            // A region without its own threshold uses the national one.
            (Some("TN"), 2020, "44.9", "45", IndicatorResult::Fail),
            (Some("TN"), 2020, "45", "45", IndicatorResult::Pass),
            (None, 2020, "45.0", "45", IndicatorResult::Pass),
            // From 2021 the delta has no regional target: the generic 60.
            (Some("TDMNPB"), 2023, "50", "48", IndicatorResult::Pass),
            (Some("DBSH"), 2023, "55", "60", IndicatorResult::Fail),
            (Some("DBSH"), 2023, "60", "60", IndicatorResult::Pass),
        ];
        for &(region, year, value, threshold, expected) in cases {
            let t = applicable_target(&income, region, None, year).unwrap();
            assert_eq!(
                t.value,
                TargetValue::Number(dec(threshold)),
                "{region:?} {year}"
            );
            assert_eq!(
                indicator_passes(&income, Some(&num(value)), Some(t)),
                expected,
                "{region:?} {year} {value}"
            );
        }
    }

    #[test]
    fn target_selection() {
        let group = |value: &str, group: &str| Target {
            group: Some(group.to_owned()),
            ..target(value)
        };
        let both = |value: &str, region: &str, g: &str| Target {
            region: Some(region.to_owned()),
            ..group(value, g)
        };
        let ind = indicator(
            "12.1",
            ValueType::Percent,
            Comparator::Gte,
            vec![
                target("70"),                        // 0 generic
                regional("65", "TDMNPB"),            // 1 region
                group("60", "nhom_3"),               // 2 group
                both("55", "TDMNPB", "nhom_3"),      // 3 both
                years("75", Some(2022), Some(2025)), // 4 generic, 4 years
                years("80", Some(2024), Some(2024)), // 5 generic, 1 year
                years("85", Some(2026), None),       // 6 generic, open end
                years("90", Some(2024), Some(2024)), // 7 same as 5, later
                Target {
                    year_from: Some(2030),
                    year_to: Some(2031),
                    ..regional("50", "DBSH")
                }, // 8 region, 2030–2031
            ],
        );
        // (region, group, year, expected index)
        type Case = (
            Option<&'static str>,
            Option<&'static str>,
            i32,
            Option<usize>,
        );
        let cases: &[Case] = &[
            (None, None, 2020, Some(0)),
            (None, None, 2022, Some(4)),
            (None, None, 2024, Some(5)),
            (None, None, 2026, Some(6)),
            (Some("TDMNPB"), None, 2024, Some(1)),
            (None, Some("nhom_3"), 2024, Some(2)),
            (Some("DBSH"), Some("nhom_3"), 2024, Some(2)),
            (Some("TDMNPB"), Some("nhom_3"), 2024, Some(3)),
            (Some("TDMNPB"), Some("nhom_1"), 2024, Some(1)),
            (Some("DBSH"), None, 2030, Some(8)),
            (Some("DBSH"), None, 2032, Some(6)),
            // Region ids are compared exactly.
            (Some("tdmnpb"), None, 2020, Some(0)),
        ];
        for &(region, group, year, expected) in cases {
            let got = applicable_target(&ind, region, group, year)
                .map(|t| ind.targets.iter().position(|x| std::ptr::eq(x, t)).unwrap());
            assert_eq!(got, expected, "{region:?} {group:?} {year}");
        }
        let bounded = indicator(
            "x",
            ValueType::Number,
            Comparator::Gte,
            vec![years("1", Some(2022), Some(2025))],
        );
        for (year, applies) in [(2021, false), (2022, true), (2025, true), (2026, false)] {
            assert_eq!(
                applicable_target(&bounded, None, None, year).is_some(),
                applies,
                "{year}"
            );
        }
        assert_eq!(
            applicable_target(&bounded, Some("TN"), None, 2023),
            Some(&bounded.targets[0])
        );
    }

    #[test]
    fn year_ranged_targets() {
        // Health-insurance coverage: ≥ 85 % until 2020, ≥ 90 % 2021–2023,
        // ≥ 95 % from 2024 (the later figures made up for the test).
        let bhyt = indicator(
            "15.1",
            ValueType::Percent,
            Comparator::Gte,
            vec![
                years("85", None, Some(2020)),
                years("90", Some(2021), Some(2023)),
                years("95", Some(2024), None),
            ],
        );
        let value = num("92.5");
        for (year, expected) in [
            (2019, IndicatorResult::Pass),
            (2020, IndicatorResult::Pass),
            (2021, IndicatorResult::Pass),
            (2023, IndicatorResult::Pass),
            (2024, IndicatorResult::Fail),
            (2030, IndicatorResult::Fail),
        ] {
            let t = applicable_target(&bhyt, None, None, year);
            assert_eq!(indicator_passes(&bhyt, Some(&value), t), expected, "{year}");
        }
    }

    #[test]
    fn comparators() {
        use Comparator::*;
        use IndicatorResult::*;
        use ValueType::*;
        let choice =
            |list: &[&str]| TargetValue::Choice(list.iter().map(|s| (*s).to_owned()).collect());
        let n = |s: &str| TargetValue::Number(dec(s));
        let c = |s: &str| IndicatorValue::Choice(s.to_owned());
        let cases: Vec<(
            ValueType,
            Comparator,
            TargetValue,
            Option<IndicatorValue>,
            IndicatorResult,
        )> = vec![
            (Number, Gte, n("10"), Some(num("10")), Pass),
            (Number, Gte, n("10"), Some(num("9.999")), Fail),
            (Number, Gt, n("10"), Some(num("10.00")), Fail),
            (Number, Gt, n("10"), Some(num("10.001")), Pass),
            (Percent, Lte, n("21.8"), Some(num("21.80")), Pass),
            (Percent, Lte, n("21.8"), Some(num("21.81")), Fail),
            (Percent, Lt, n("5"), Some(num("4.99")), Pass),
            (Percent, Lt, n("5"), Some(num("5")), Fail),
            (Number, Eq, n("1.5"), Some(num("1.50")), Pass),
            (Number, Eq, n("1.5"), Some(num("1.51")), Fail),
            (Percent, Gte, n("-1"), Some(num("-0.5")), Pass),
            (
                Boolean,
                IsTrue,
                TargetValue::Bool(true),
                Some(IndicatorValue::Bool(true)),
                Pass,
            ),
            (
                Boolean,
                IsTrue,
                TargetValue::Bool(true),
                Some(IndicatorValue::Bool(false)),
                Fail,
            ),
            (
                Boolean,
                Eq,
                TargetValue::Bool(false),
                Some(IndicatorValue::Bool(false)),
                Pass,
            ),
            (
                Boolean,
                Eq,
                TargetValue::Bool(false),
                Some(IndicatorValue::Bool(true)),
                Fail,
            ),
            (
                Choice,
                OneOf,
                choice(&["Đạt", "Đạt chuẩn mức 2"]),
                Some(c("đạt")),
                Pass,
            ),
            // Decomposed input and the other tone placement.
            (
                Choice,
                OneOf,
                choice(&["Khá", "Tốt"]),
                Some(c("Kha\u{301}")),
                Pass,
            ),
            (
                Choice,
                OneOf,
                choice(&["Hòa giải tốt"]),
                Some(c("hoà giải tốt")),
                Pass,
            ),
            (Choice, OneOf, choice(&["Đạt"]), Some(c("Dat")), Fail),
            (Choice, OneOf, choice(&["Tốt"]), Some(c("Trung bình")), Fail),
            (Choice, Eq, choice(&["Tốt"]), Some(c("TỐT")), Pass),
            // Missing values and values of the wrong kind.
            (Number, Gte, n("10"), None, Missing),
            (
                Number,
                Gte,
                n("10"),
                Some(IndicatorValue::Text("10".into())),
                Missing,
            ),
            (
                Percent,
                Gte,
                n("10"),
                Some(IndicatorValue::Bool(true)),
                Missing,
            ),
            (
                Boolean,
                IsTrue,
                TargetValue::Bool(true),
                Some(num("1")),
                Missing,
            ),
            (
                Choice,
                OneOf,
                choice(&["A"]),
                Some(IndicatorValue::Bool(true)),
                Missing,
            ),
            // Text is never scored, whatever the value.
            (
                Text,
                Eq,
                choice(&["x"]),
                Some(IndicatorValue::Text("x".into())),
                NoTarget,
            ),
            (Text, Eq, choice(&["x"]), None, NoTarget),
            // Misconfigured: fails, never passes silently.
            (Number, Gte, TargetValue::Bool(true), Some(num("10")), Fail),
            (Number, OneOf, n("10"), Some(num("10")), Fail),
            (
                Boolean,
                IsTrue,
                TargetValue::Bool(false),
                Some(IndicatorValue::Bool(true)),
                Fail,
            ),
            (
                Boolean,
                Gte,
                TargetValue::Bool(true),
                Some(IndicatorValue::Bool(true)),
                Fail,
            ),
            (Choice, Eq, choice(&["A", "B"]), Some(c("A")), Fail),
        ];
        for (value_type, comparator, value, reported, expected) in cases {
            let ind = indicator("x", value_type, comparator, vec![Target::generic(value)]);
            let t = applicable_target(&ind, None, None, 2024);
            assert_eq!(
                indicator_passes(&ind, reported.as_ref(), t),
                expected,
                "{value_type:?} {comparator:?} {:?} {reported:?}",
                ind.targets[0].value
            );
        }
        // No applicable target: not scored, even without a value.
        let ind = indicator("x", Number, Gte, vec![years("1", Some(2030), None)]);
        assert_eq!(indicator_passes(&ind, Some(&num("5")), None), NoTarget);
        assert_eq!(indicator_passes(&ind, None, None), NoTarget);
        let symbols: Vec<&str> = [Gte, Gt, Lte, Lt, Eq, OneOf, IsTrue]
            .iter()
            .map(|c| c.symbol())
            .collect();
        assert_eq!(symbols, ["≥", ">", "≤", "<", "=", "∈", "đạt"]);
    }

    #[test]
    fn criterion_rules() {
        use IndicatorResult::*;
        let three = |rule| {
            criterion(
                5,
                vec![
                    indicator("a", ValueType::Boolean, Comparator::IsTrue, vec![]),
                    indicator("b", ValueType::Boolean, Comparator::IsTrue, vec![]),
                    indicator("c", ValueType::Boolean, Comparator::IsTrue, vec![]),
                ],
                rule,
            )
        };
        let r = |met, passed, required| CriterionResult {
            met,
            passed,
            required,
        };
        let cases: &[(PassRule, &[IndicatorResult], CriterionResult)] = &[
            (PassRule::All, &[Pass, Pass, Pass], r(true, 3, 3)),
            (PassRule::All, &[Pass, Fail, Pass], r(false, 2, 3)),
            (PassRule::All, &[Pass, Missing, Pass], r(false, 2, 3)),
            // Unscored indicators are left out.
            (PassRule::All, &[Pass, NoTarget, Pass], r(true, 2, 2)),
            (
                PassRule::All,
                &[NoTarget, NoTarget, NoTarget],
                r(false, 0, 0),
            ),
            // Too few results: the rest are missing.
            (PassRule::All, &[Pass, Pass], r(false, 2, 3)),
            (PassRule::All, &[Pass, Pass, Pass, Fail], r(true, 3, 3)),
            // k of n.
            (PassRule::AtLeast(2), &[Pass, Fail, Pass], r(true, 2, 2)),
            (PassRule::AtLeast(2), &[Pass, Missing, Fail], r(false, 1, 2)),
            (PassRule::AtLeast(2), &[Pass, Pass, Pass], r(true, 3, 2)),
            (
                PassRule::AtLeast(2),
                &[NoTarget, Pass, NoTarget],
                r(false, 1, 2),
            ),
            (PassRule::AtLeast(1), &[Fail, Fail, Pass], r(true, 1, 1)),
            (PassRule::AtLeast(0), &[Fail, Fail, Fail], r(false, 0, 0)),
        ];
        for &(rule, results, expected) in cases {
            assert_eq!(
                criterion_result(&three(rule), results),
                expected,
                "{rule:?} {results:?}"
            );
        }
    }

    /// A small set: income by region (criterion 10), health 2 of 3
    /// (criterion 15), and a criterion with a text note (criterion 19).
    fn small_set() -> CriteriaSet {
        CriteriaSet {
            code: "test".to_owned(),
            name: "Bộ tiêu chí thử".to_owned(),
            criteria: vec![
                criterion(10, vec![income()], PassRule::All),
                criterion(
                    15,
                    vec![
                        indicator(
                            "15.1",
                            ValueType::Percent,
                            Comparator::Gte,
                            vec![target("95")],
                        ),
                        indicator(
                            "15.2",
                            ValueType::Boolean,
                            Comparator::IsTrue,
                            vec![Target::generic(TargetValue::Bool(true))],
                        ),
                        indicator(
                            "15.3",
                            ValueType::Percent,
                            Comparator::Lte,
                            vec![target("21.8"), regional("26.7", "TDMNPB")],
                        ),
                    ],
                    PassRule::AtLeast(2),
                ),
                criterion(
                    19,
                    vec![
                        indicator(
                            "19.1",
                            ValueType::Choice,
                            Comparator::OneOf,
                            vec![Target::generic(TargetValue::Choice(vec!["Đạt".to_owned()]))],
                        ),
                        indicator("19.2", ValueType::Text, Comparator::Eq, vec![]),
                    ],
                    PassRule::All,
                ),
            ],
        }
    }

    #[test]
    fn whole_set_evaluation() {
        let set = small_set();
        assert_eq!(validate(&set), Ok(()));
        let values: BTreeMap<String, IndicatorValue> = [
            ("10", num("40")),
            ("15.1", num("96")),
            ("15.3", num("25")),
            ("19.1", IndicatorValue::Choice("Đạt".into())),
            ("19.2", IndicatorValue::Text("ghi chú".into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        let mountain = EvaluationContext {
            region: Some("TDMNPB"),
            group: None,
            year: 2020,
        };
        let e = evaluate(&set, &mountain, &values);
        assert_eq!(
            e.summary,
            EvaluationSummary {
                criteria_total: 3,
                criteria_met: 3,
                all_met: true,
                met: vec![10, 15, 19],
                unmet: vec![],
            }
        );
        let health: Vec<IndicatorResult> =
            e.criteria[1].indicators.iter().map(|o| o.result).collect();
        assert_eq!(
            health,
            [
                IndicatorResult::Pass,
                IndicatorResult::Missing,
                IndicatorResult::Pass
            ]
        );
        assert_eq!(e.criteria[2].result.required, 1);
        // The same values in the Red River Delta: income 40 < 50 and
        // stunting 25 % > 21.8 %, so health has only 1 of 3.
        let delta = EvaluationContext {
            region: Some("DBSH"),
            ..mountain
        };
        let e = evaluate(&set, &delta, &values);
        assert_eq!(e.summary.met, vec![19]);
        assert_eq!(e.summary.unmet, vec![10, 15]);
        assert_eq!((e.summary.criteria_met, e.summary.all_met), (1, false));
        assert_eq!(
            e.criteria[1].result,
            CriterionResult {
                met: false,
                passed: 1,
                required: 2
            }
        );
        // No values at all.
        let e = evaluate(&set, &mountain, &BTreeMap::new());
        assert_eq!(e.summary.criteria_met, 0);
        assert_eq!(e.summary.unmet, vec![10, 15, 19]);
    }

    #[test]
    fn summaries() {
        let set = small_set();
        let met = |ns: &[u8]| ns.iter().copied().collect::<BTreeSet<u8>>();
        let cases: &[(&[u8], usize, bool, &[u8])] = &[
            (&[10, 15, 19], 3, true, &[]),
            (&[15], 1, false, &[10, 19]),
            (&[], 0, false, &[10, 15, 19]),
            // Numbers outside the set are ignored.
            (&[1, 2, 10, 15, 19], 3, true, &[]),
        ];
        for &(given, count, all, unmet) in cases {
            let s = evaluation_summary(&set, &met(given));
            assert_eq!(
                (s.criteria_total, s.criteria_met, s.all_met),
                (3, count, all),
                "{given:?}"
            );
            assert_eq!(s.unmet, unmet, "{given:?}");
            assert_eq!(s.met.len(), s.criteria_met);
        }
        let empty = CriteriaSet {
            criteria: vec![],
            ..set
        };
        assert_eq!(
            evaluation_summary(&empty, &met(&[])),
            EvaluationSummary::default()
        );
    }

    fn unit(unit_id: UnitId, met: u8, of: u8) -> UnitEvaluation {
        UnitEvaluation {
            unit_id,
            summary: EvaluationSummary {
                criteria_total: usize::from(of),
                criteria_met: usize::from(met),
                all_met: met == of,
                met: (1..=met).collect(),
                unmet: (met + 1..=of).collect(),
            },
        }
    }

    #[test]
    fn statistics_fixture() {
        // 4 communes of 19 criteria meeting 19, 18, 13 and 11: 61 / 4.
        let units = [
            unit(1, 19, 19),
            unit(2, 18, 19),
            unit(3, 13, 19),
            unit(4, 11, 19),
        ];
        let s = statistics(&units);
        assert_eq!(s.units_evaluated, 4);
        assert_eq!(s.units_meeting_all, 1);
        assert_eq!(s.criteria_met_total, 61);
        assert_eq!(s.average_criteria_met, Some(dec("15.25")));
        assert_eq!(s.average_criteria_met.unwrap().to_string(), "15.25");
        assert_eq!((s.units_one_away, s.units_two_away), (1, 0));
        let expected: BTreeMap<u8, usize> = (1..=19)
            .map(|n| {
                (
                    n,
                    match n {
                        1..=11 => 4,
                        12..=13 => 3,
                        14..=18 => 2,
                        _ => 1,
                    },
                )
            })
            .collect();
        assert_eq!(s.per_criterion_pass_counts, expected);

        // Rounding to hundredths, halves up.
        // ([(criteria met, of)], average, meeting all, one away, two away)
        type Case = (&'static [(u8, u8)], &'static str, usize, usize, usize);
        let cases: &[Case] = &[
            // 47 / 3 = 15.666… → 15.67
            (&[(16, 19), (16, 19), (15, 19)], "15.67", 0, 0, 0),
            // 46 / 3 = 15.333… → 15.33
            (&[(16, 19), (15, 19), (15, 19)], "15.33", 0, 0, 0),
            // 121 / 8 = 15.125 → 15.13
            (
                &[
                    (16, 19),
                    (16, 19),
                    (15, 19),
                    (15, 19),
                    (15, 19),
                    (15, 19),
                    (15, 19),
                    (14, 19),
                ],
                "15.13",
                0,
                0,
                0,
            ),
            // 17.5 exactly, two decimals kept.
            (&[(19, 19), (16, 19)], "17.50", 1, 0, 0),
            (&[(17, 19), (18, 19), (19, 19)], "18.00", 1, 1, 1),
            (&[(0, 19)], "0.00", 0, 0, 0),
        ];
        for &(spec, average, all, one, two) in cases {
            let units: Vec<UnitEvaluation> = spec
                .iter()
                .enumerate()
                .map(|(i, &(met, of))| unit(i64::try_from(i).unwrap(), met, of))
                .collect();
            let s = statistics(&units);
            let shown = s.average_criteria_met.unwrap();
            assert_eq!(shown.to_string(), average, "{spec:?}");
            assert_eq!(shown.scale(), 2);
            assert_eq!(
                (s.units_meeting_all, s.units_one_away, s.units_two_away),
                (all, one, two),
                "{spec:?}"
            );
        }
        let none = statistics(&[]);
        assert_eq!(none.units_evaluated, 0);
        assert_eq!(none.average_criteria_met, None);
        assert!(none.per_criterion_pass_counts.is_empty());
    }

    #[test]
    fn validation() {
        let good = small_set();
        let with = |f: &dyn Fn(&mut CriteriaSet)| {
            let mut s = good.clone();
            f(&mut s);
            validate(&s).err().unwrap_or_default()
        };
        let codes =
            |problems: Vec<SetProblem>| problems.iter().map(SetProblem::code).collect::<Vec<_>>();
        assert_eq!(
            codes(with(&|s| s.criteria[1].number = 10)),
            ["duplicate_criterion"]
        );
        assert_eq!(
            codes(with(&|s| s.criteria[0].indicators.clear())),
            ["empty_criterion"]
        );
        assert_eq!(
            codes(with(&|s| s.criteria[1].pass_rule = PassRule::AtLeast(4))),
            ["invalid_pass_rule"]
        );
        assert_eq!(
            codes(with(&|s| s.criteria[1].pass_rule = PassRule::AtLeast(0))),
            ["invalid_pass_rule"]
        );
        assert_eq!(
            codes(with(&|s| s.criteria[2].indicators[0].code = "15.1".into())),
            ["duplicate_indicator"]
        );
        assert_eq!(
            codes(with(
                &|s| s.criteria[0].indicators[0].comparator = Comparator::IsTrue
            )),
            ["comparator_mismatch"]
        );
        assert_eq!(
            codes(with(
                &|s| s.criteria[1].indicators[1].targets[0].value = TargetValue::Bool(false)
            )),
            ["target_mismatch"]
        );
        assert_eq!(
            codes(with(
                &|s| s.criteria[2].indicators[0].targets[0].value = TargetValue::Choice(vec![])
            )),
            ["target_mismatch"]
        );
        assert_eq!(
            codes(with(&|s| {
                let t = &mut s.criteria[0].indicators[0].targets[3];
                t.year_to = Some(2020);
            })),
            ["inverted_years"]
        );
        let problems = with(&|s| {
            s.criteria[1].number = 10;
            s.criteria[2].pass_rule = PassRule::AtLeast(3);
        });
        assert_eq!(
            codes(problems.clone()),
            ["duplicate_criterion", "invalid_pass_rule"]
        );
        assert_eq!(
            problems[1].to_string(),
            "tiêu chí số 19: yêu cầu đạt 3 trên 2 chỉ tiêu / criterion 19: requires 3 of 2 indicators"
        );
        // Text indicators may carry any comparator and targets.
        assert!(codes(with(
            &|s| s.criteria[2].indicators[1].comparator = Comparator::Gte
        ))
        .is_empty());
    }

    #[test]
    fn result_codes_and_labels() {
        use IndicatorResult::*;
        let cases = [
            (Pass, "pass", "Đạt"),
            (Fail, "fail", "Không đạt"),
            (Missing, "missing", "Thiếu số liệu"),
            (NoTarget, "no_target", "Không đánh giá"),
        ];
        for (result, code, label) in cases {
            assert_eq!(result.as_str(), code);
            assert_eq!(result.label_vi(), label);
        }
    }

    #[test]
    fn decimal_serde() {
        use serde::de::value::{
            Error, F64Deserializer, I64Deserializer, StrDeserializer, U64Deserializer,
        };
        use serde::de::IntoDeserializer;
        let s: StrDeserializer<'_, Error> = "95.50".into_deserializer();
        assert_eq!(decimal_text::deserialize(s).unwrap(), dec("95.5"));
        let s: StrDeserializer<'_, Error> = "9,5".into_deserializer();
        assert!(decimal_text::deserialize(s).is_err());
        let i: I64Deserializer<Error> = (-3i64).into_deserializer();
        assert_eq!(decimal_text::deserialize(i).unwrap(), dec("-3"));
        let u: U64Deserializer<Error> = u64::MAX.into_deserializer();
        assert_eq!(
            decimal_text::deserialize(u).unwrap().to_string(),
            u64::MAX.to_string()
        );
        let f: F64Deserializer<Error> = 21.8f64.into_deserializer();
        assert_eq!(decimal_text::deserialize(f).unwrap().to_string(), "21.8");
        let f: F64Deserializer<Error> = f64::NAN.into_deserializer();
        assert!(decimal_text::deserialize(f).is_err());
    }

    fn any_result() -> impl Strategy<Value = IndicatorResult> {
        prop_oneof![
            Just(IndicatorResult::Pass),
            Just(IndicatorResult::Fail),
            Just(IndicatorResult::Missing),
            Just(IndicatorResult::NoTarget),
        ]
    }

    fn any_set() -> impl Strategy<Value = CriteriaSet> {
        let crit = (1u8..=25, 1usize..5, 0usize..6).prop_map(|(number, n, k)| {
            let indicators = (0..n)
                .map(|i| {
                    indicator(
                        &format!("{number}.{i}"),
                        ValueType::Number,
                        Comparator::Gte,
                        vec![target("50"), regional("40", "TDMNPB")],
                    )
                })
                .collect();
            let rule = if k == 0 {
                PassRule::All
            } else {
                PassRule::AtLeast(k)
            };
            criterion(number, indicators, rule)
        });
        prop::collection::vec(crit, 0..20).prop_map(|criteria| CriteriaSet {
            code: "p".into(),
            name: "p".into(),
            criteria,
        })
    }

    proptest! {
        /// For any set (duplicate numbers included) and any values:
        /// criteria_met ≤ number of (distinct) criteria, met and unmet
        /// partition the set's numbers, and all_met ⇔ nothing unmet and
        /// something met. Then for the communes: units_meeting_all ≤
        /// units_evaluated, meeting all + one away + two away ≤ evaluated,
        /// every per-criterion count ≤ evaluated, and the average lies
        /// between the smallest and largest criteria met (within rounding).
        #[test]
        fn counts_are_bounded(
            set in any_set(),
            communes in prop::collection::vec(
                (prop::option::of(prop_oneof![Just("TDMNPB"), Just("DBSH")]),
                 prop::collection::btree_map(0u8..=25, (0usize..5, 0i64..100), 0..40)),
                0..12,
            ),
        ) {
            let distinct: BTreeSet<u8> = set.criteria.iter().map(|c| c.number).collect();
            let mut units = Vec::new();
            for (i, (region, raw)) in communes.iter().enumerate() {
                let values: BTreeMap<String, IndicatorValue> = raw
                    .iter()
                    .map(|(n, (i, v))| (format!("{n}.{i}"), IndicatorValue::Number(Decimal::from_i64(*v))))
                    .collect();
                let context = EvaluationContext { region: *region, group: None, year: 2024 };
                let e = evaluate(&set, &context, &values);
                let s = &e.summary;
                prop_assert!(s.criteria_met <= set.criteria.len());
                prop_assert!(s.criteria_met <= s.criteria_total);
                prop_assert_eq!(s.criteria_total, distinct.len());
                prop_assert_eq!(s.met.len() + s.unmet.len(), distinct.len());
                prop_assert_eq!(s.all_met, s.unmet.is_empty() && !s.met.is_empty());
                for o in &e.criteria {
                    prop_assert!(o.result.passed <= o.indicators.len());
                    // A number is met only when every entry with it is met.
                    prop_assert_eq!(s.unmet.contains(&o.number), e.criteria.iter().any(|x| x.number == o.number && !x.result.met));
                }
                units.push(UnitEvaluation { unit_id: i64::try_from(i).unwrap(), summary: e.summary });
            }
            let stats = statistics(&units);
            prop_assert_eq!(stats.units_evaluated, units.len());
            prop_assert!(stats.units_meeting_all <= stats.units_evaluated);
            prop_assert!(stats.units_meeting_all + stats.units_one_away + stats.units_two_away <= stats.units_evaluated);
            for count in stats.per_criterion_pass_counts.values() {
                prop_assert!(*count <= stats.units_evaluated);
            }
            if let Some(avg) = stats.average_criteria_met {
                let lo = units.iter().map(|u| u.summary.criteria_met).min().unwrap();
                let hi = units.iter().map(|u| u.summary.criteria_met).max().unwrap();
                prop_assert!(avg >= Decimal::new(i128::try_from(lo).unwrap() * 100 - 1, 2));
                prop_assert!(avg <= Decimal::new(i128::try_from(hi).unwrap() * 100 + 1, 2));
                prop_assert!(avg <= Decimal::from_i64(i64::try_from(distinct.len()).unwrap()));
            } else {
                prop_assert!(units.is_empty());
            }
        }

        /// criterion_result: passed ≤ indicators, and met ⇔ passed ≥
        /// required ≥ 1.
        #[test]
        fn criterion_result_bounds(results in prop::collection::vec(any_result(), 0..8), n in 1usize..6, k in 0usize..7) {
            let indicators = (0..n)
                .map(|i| indicator(&i.to_string(), ValueType::Boolean, Comparator::IsTrue, vec![]))
                .collect();
            let rule = if k == 0 { PassRule::All } else { PassRule::AtLeast(k) };
            let r = criterion_result(&criterion(1, indicators, rule), &results);
            prop_assert!(r.passed <= n);
            prop_assert_eq!(r.met, r.required >= 1 && r.passed >= r.required);
            if rule == PassRule::All {
                prop_assert!(r.required <= n);
            }
        }
    }
}
