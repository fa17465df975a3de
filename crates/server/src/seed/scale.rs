//! A national-scale data set for benchmarks and load tests (`server seed
//! --scale N`): every province and commune of the reference data, the
//! departments of every province, years of directives and tasks, Programme
//! 135 money from the province down to villages, and NTM results for every
//! rural commune over three annual rounds.
//!
//! Deterministic: the same options on an empty database give the same rows
//! (ChaCha8 from the seed; `rand_chacha` promises the same stream on every
//! platform and release, which `StdRng` does not). Fast: rows are written
//! many per statement through [`persistence::bulk`], not through the
//! workflows, so the rules are kept by construction here:
//!
//! * a task's state agrees with its dates (tasks reported done have a
//!   completion day and 100 %, the others none; only tasks due last year or
//!   this year are still open);
//! * money is conserved: every province receives from the centre at least
//!   what it passes to its communes, every commune passes at most 75 % of it
//!   on to its villages, and no unit disburses more than it holds;
//! * NTM results are *recorded* (as a legacy import records them), with a
//!   commune's criteria met growing from year to year.
//!
//! Simplifications, stated: history is written in today's (post-2025)
//! structure of units; generated tasks have no timeline events, specialists
//! or attachments; no audit rows are written for generated data.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use persistence::bulk::{self, Inserter};
use persistence::units::{self, NewUnit, UnitFilter, UnitId, UnitRow};
use persistence::{Db, DbConnection};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::reference::{self, ProvinceFilter};

/// Tasks a province's committee assigns in a year, on average over the
/// country (34 provinces × 4,000 ≈ 136,000 a year): the history spans as
/// many years as the requested tasks need.
const TASKS_PER_YEAR: usize = 136_000;
/// Fund rows a year at national scale; the history spans as many years.
const FUND_ROWS_PER_YEAR: usize = 100_000;
/// The longest history generated, in years.
const MAX_YEARS: usize = 10;
/// Share of rural communes in Programme 135 (extremely difficult areas).
const FUNDED_SHARE: f64 = 0.35;
/// Villages created under each funded commune.
const VILLAGES_PER_COMMUNE: usize = 3;
/// Annual NTM rounds recorded, the years before this one.
const NTM_ROUNDS: i32 = 3;
/// Marks a database that holds a generated data set.
const META_KEY: &str = "scale_seeded";

/// What to generate.
#[derive(Debug, Clone)]
pub struct ScaleOptions {
    /// Tasks in all, spread over the years they need.
    pub tasks: usize,
    /// Allocation and disbursement rows in all.
    pub fund_rows: usize,
    /// The generator's seed.
    pub seed: u64,
    /// Only these (post-2025) provinces, by code; `None`: the country.
    pub provinces: ProvinceFilter,
    /// The day the data set ends on (tasks due later are still open).
    pub today: NaiveDate,
}

/// What was generated, with the time each part took.
#[derive(Debug, Default)]
pub struct ScaleReport {
    pub provinces: usize,
    pub communes: usize,
    pub villages: usize,
    pub directives: usize,
    pub tasks: usize,
    pub coordinators: usize,
    pub allocations: usize,
    pub disbursements: usize,
    pub evaluations: usize,
    pub timings: Vec<(&'static str, Duration)>,
}

impl std::fmt::Display for ScaleReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "Dữ liệu quy mô (scale data): {} tỉnh, {} xã/phường, {} thôn mới",
            self.provinces, self.communes, self.villages
        )?;
        writeln!(
            f,
            "  {} văn bản chỉ đạo, {} nhiệm vụ, {} đơn vị phối hợp",
            self.directives, self.tasks, self.coordinators
        )?;
        writeln!(
            f,
            "  {} dòng phân bổ vốn, {} dòng giải ngân",
            self.allocations, self.disbursements
        )?;
        writeln!(f, "  {} phiếu đánh giá nông thôn mới", self.evaluations)?;
        for (step, took) in &self.timings {
            writeln!(f, "  {step}: {:.1} s", took.as_secs_f64())?;
        }
        Ok(())
    }
}

/// A province with what the generator needs of it.
struct Province {
    id: UnitId,
    short_name: String,
    /// The office first, then the other departments.
    agencies: Vec<UnitId>,
    communes: Vec<UnitRow>,
}

/// Generates the data set on top of the demo (loaded first, idempotent).
/// Refused on a database that already holds one.
pub fn generate(db: &Db, options: &ScaleOptions) -> anyhow::Result<ScaleReport> {
    let mut report = ScaleReport::default();
    let step = |name: &'static str, started: Instant, report: &mut ScaleReport| {
        report.timings.push((name, started.elapsed()));
    };
    let started = Instant::now();
    let seeded = db.write_blocking(|conn| persistence::meta::get(conn, META_KEY))?;
    anyhow::ensure!(
        seeded.is_none(),
        "this database already holds a generated data set ({}); use an empty one",
        seeded.unwrap_or_default()
    );
    super::demo(db)?;
    reference::load_units(db, options.provinces.clone())?;
    step("units", started, &mut report);

    let started = Instant::now();
    let provinces = db.write_blocking(|conn| provinces(conn, options))?;
    report.provinces = provinces.len();
    report.communes = provinces.iter().map(|p| p.communes.len()).sum();
    step("departments", started, &mut report);

    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let started = Instant::now();
    db.write_blocking(|conn| tasks(conn, &provinces, options, &mut rng, &mut report))
        .context("generating directives and tasks")?;
    step("directives and tasks", started, &mut report);

    let started = Instant::now();
    db.write_blocking(|conn| funds(conn, &provinces, options, &mut rng, &mut report))
        .context("generating Programme 135 money")?;
    step("funds", started, &mut report);

    let started = Instant::now();
    db.write_blocking(|conn| ntm(conn, &provinces, options, &mut rng, &mut report))
        .context("generating NTM evaluations")?;
    step("NTM evaluations", started, &mut report);

    let started = Instant::now();
    db.write_blocking(|conn| bulk::finish(conn, &["directives", "tasks", "ntm_evaluations"]))?;
    bulk::settle(
        &mut *db.conn()?,
        &[
            "org_units",
            "org_unit_closure",
            "directives",
            "tasks",
            "task_coordinators",
            "fund_allocations",
            "fund_disbursements",
            "fund_beneficiaries",
            "ntm_evaluations",
            "ntm_evaluation_criteria",
        ],
    )?;
    // Last, so a database marked as seeded is a settled one.
    db.write_blocking(|conn| {
        persistence::meta::set(
            conn,
            META_KEY,
            &format!(
                "tasks={} fund_rows={} seed={}",
                options.tasks, options.fund_rows, options.seed
            ),
        )
    })?;
    step("sequences, VACUUM and ANALYZE", started, &mut report);
    Ok(report)
}

/// The provinces in scope with their departments (created where missing)
/// and communes.
fn provinces(conn: &mut DbConnection, options: &ScaleOptions) -> anyhow::Result<Vec<Province>> {
    let listed = units::list(
        conn,
        &UnitFilter {
            kind: Some("province".into()),
            as_of: Some(options.today),
            limit: 1000,
            ..Default::default()
        },
    )?
    .0;
    let mut out = Vec::new();
    for p in listed {
        let code = p.code.clone().unwrap_or_default();
        if !options.provinces.as_ref().is_none_or(|s| s.contains(&code)) {
            continue;
        }
        super::ensure_agencies(conn, p.id, &p.name)?;
        let list = |conn: &mut DbConnection, kind: &str| -> anyhow::Result<Vec<UnitRow>> {
            let mut rows = units::list(
                conn,
                &UnitFilter {
                    kind: Some(kind.into()),
                    within: Some(p.id),
                    as_of: Some(options.today),
                    limit: 100_000,
                    ..Default::default()
                },
            )?
            .0;
            rows.sort_by_key(|u| u.id);
            Ok(rows)
        };
        let mut agencies = list(conn, "agency")?;
        let office = super::office_name(&p.name);
        agencies.sort_by_key(|a| a.name != office);
        anyhow::ensure!(
            agencies.first().is_some_and(|a| a.name == office),
            "{} has no office",
            p.name
        );
        out.push(Province {
            id: p.id,
            short_name: p.short_name.clone(),
            agencies: agencies.iter().map(|a| a.id).collect(),
            communes: list(conn, "commune")?,
        });
    }
    anyhow::ensure!(!out.is_empty(), "no province in scope");
    Ok(out)
}

fn years_for(rows: usize, per_year: usize) -> usize {
    rows.div_ceil(per_year).clamp(1, MAX_YEARS)
}

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> NaiveDateTime {
    day.and_hms_opt(hour, minute % 60, 0).unwrap_or_default()
}

fn jan1(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default()
}

/// An index drawn with probability proportional to `weights`' entries.
fn weighted(rng: &mut ChaCha8Rng, cumulative: &[u64]) -> usize {
    let total = cumulative.last().copied().unwrap_or(1).max(1);
    let x = rng.random_range(0..total);
    cumulative.partition_point(|&c| c <= x)
}

/// One of `choices` by weight (weights in per mille, summing to 1000).
fn pick<T: Copy>(rng: &mut ChaCha8Rng, choices: &[(T, u32)]) -> T {
    let mut x = rng.random_range(0..1000);
    for (value, weight) in choices {
        if x < *weight {
            return *value;
        }
        x -= weight;
    }
    choices[choices.len() - 1].0
}

const ACTIONS: [&str; 8] = [
    "Rà soát, báo cáo kết quả",
    "Xây dựng kế hoạch triển khai",
    "Tham mưu UBND ban hành văn bản về",
    "Tổ chức kiểm tra việc thực hiện",
    "Hướng dẫn các xã, phường thực hiện",
    "Đẩy nhanh tiến độ",
    "Tổng hợp khó khăn, đề xuất giải pháp về",
    "Chủ trì, phối hợp xử lý dứt điểm",
];

const SUBJECTS: [&str; 14] = [
    "giải ngân vốn đầu tư công",
    "chuyển đổi số trong cơ quan nhà nước",
    "xây dựng nông thôn mới nâng cao",
    "phòng, chống thiên tai mùa mưa bão",
    "cải cách thủ tục hành chính",
    "bồi thường, giải phóng mặt bằng dự án giao thông",
    "quản lý đất đai và khoáng sản",
    "bảo đảm an toàn thực phẩm dịp Tết",
    "phát triển sản xuất nông nghiệp hàng hóa",
    "đào tạo nghề cho lao động nông thôn",
    "tiêm chủng mở rộng",
    "sắp xếp trụ sở, tài sản công sau hợp nhất",
    "kiên cố hóa trường lớp học",
    "hạ tầng thiết yếu vùng đồng bào dân tộc thiểu số",
];

/// ((kind, number suffix), weight ‰).
const KINDS: [((&str, &str), u32); 5] = [
    (("official_letter", "UBND-KT"), 450),
    (("conclusion_notice", "TB-UBND"), 250),
    (("decision", "QĐ-UBND"), 150),
    (("directive", "CT-UBND"), 50),
    (("meeting_conclusion", "TB-VP"), 100),
];

/// A task's state and completion day, from its deadline and today.
fn task_state(
    rng: &mut ChaCha8Rng,
    deadline: NaiveDate,
    today: NaiveDate,
) -> (&'static str, Option<NaiveDate>) {
    let this_year = jan1(today.year());
    let (state, late) = if deadline < jan1(today.year() - 1) {
        (pick(rng, &[("completed", 970), ("cancelled", 30)]), 150)
    } else if deadline < this_year {
        let states = [("completed", 960), ("cancelled", 25), ("in_progress", 15)];
        (pick(rng, &states), 150)
    } else if deadline < today {
        let states = [
            ("completed", 820),
            ("in_progress", 120),
            ("assigned", 20),
            ("completion_proposed", 30),
            ("reviewed", 10),
        ];
        (pick(rng, &states), 150)
    } else {
        let states = [
            ("completed", 250),
            ("in_progress", 500),
            ("assigned", 120),
            ("completion_proposed", 70),
            ("reviewed", 30),
            ("decline_proposed", 30),
        ];
        (pick(rng, &states), 0)
    };
    // The day the lead agency reported the work done: kept from the
    // proposal on, as the workflow does.
    let reported = matches!(state, "completed" | "completion_proposed" | "reviewed");
    let completed_on = reported.then(|| {
        let offset = if rng.random_range(0..1000) < late {
            rng.random_range(1..=20)
        } else {
            -rng.random_range(0..=25)
        };
        (deadline + days(offset)).min(today)
    });
    (state, completed_on)
}

fn tasks(
    conn: &mut DbConnection,
    provinces: &[Province],
    options: &ScaleOptions,
    rng: &mut ChaCha8Rng,
    report: &mut ScaleReport,
) -> anyhow::Result<()> {
    let today = options.today;
    let years = years_for(options.tasks, TASKS_PER_YEAR);
    let first_day = jan1(today.year() - i32::try_from(years)? + 1);
    let span = (today - first_day).num_days().max(1);
    let cumulative: Vec<u64> = provinces
        .iter()
        .scan(0_u64, |sum, p| {
            *sum += p.communes.len().max(1) as u64;
            Some(*sum)
        })
        .collect();
    let mut directive_id = bulk::next_id(conn, "directives")?;
    let mut task_id = bulk::next_id(conn, "tasks")?;
    let mut directives = Inserter::new(
        "directives",
        &[
            "id",
            "issuing_unit_id",
            "office_unit_id",
            "issuer",
            "issuer_name",
            "kind",
            "number",
            "issued_on",
            "summary",
            "search_key",
            "created_at",
            "updated_at",
        ],
    );
    let mut tasks = Inserter::new(
        "tasks",
        &[
            "id",
            "directive_id",
            "content",
            "search_key",
            "issuing_unit_id",
            "office_unit_id",
            "lead_unit_id",
            "original_deadline",
            "deadline",
            "priority",
            "tags",
            "state",
            "progress_percent",
            "has_difficulty",
            "completed_on",
            "version",
            "created_at",
            "updated_at",
        ],
    );
    let mut coordinators = Inserter::new(
        "task_coordinators",
        &["task_id", "unit_id", "task_state", "task_completed_on"],
    );
    // Directive numbers run per province and year, from 9000 so they never
    // meet the demo's.
    let mut numbers = vec![9000_u32; provinces.len() * (years + 1)];
    let mut written = 0;
    let mut planned = Vec::new();
    while written < options.tasks {
        let p = weighted(rng, &cumulative);
        let province = &provinces[p];
        let issued_on = first_day + days(rng.random_range(0..=span));
        let year_index = usize::try_from(issued_on.year() - first_day.year())?;
        let number = &mut numbers[p * (years + 1) + year_index];
        *number += 1;
        let (kind, suffix) = pick(rng, &KINDS);
        let subject = SUBJECTS[rng.random_range(0..SUBJECTS.len())];
        let summary = format!("Về việc {subject} trên địa bàn {}", province.short_name);
        let issuer = pick(
            rng,
            &[("committee", 500), ("chair", 200), ("vice_chair", 300)],
        );
        let office = province.agencies[0];
        let key = domain::text::fold(&summary);
        directives.push(
            conn,
            &[
                directive_id.into(),
                province.id.into(),
                office.into(),
                issuer.into(),
                "".into(),
                kind.into(),
                format!("{number}/{suffix}").into(),
                issued_on.into(),
                summary.into(),
                key.into(),
                at(issued_on, 8, 0).into(),
                at(issued_on, 8, 0).into(),
            ],
        )?;
        report.directives += 1;
        let count = rng.random_range(1..=15).min(options.tasks - written);
        planned.push((directive_id, p, issued_on, subject, count));
        written += count;
        directive_id += 1;
    }
    // Each table is written whole before the ones that refer to it (the
    // batches of two tables would otherwise interleave).
    directives.finish(conn)?;
    let mut pairs = Vec::new();
    for (directive_id, p, issued_on, subject, count) in planned {
        let province = &provinces[p];
        let office = province.agencies[0];
        for k in 0..count {
            let action = ACTIONS[rng.random_range(0..ACTIONS.len())];
            let content = format!(
                "{action} {subject} trên địa bàn {} (mục {})",
                province.short_name,
                k + 1
            );
            let lead = province.agencies[rng.random_range(1..province.agencies.len())];
            let deadline = issued_on + days(rng.random_range(7..=180));
            let (state, completed_on) = task_state(rng, deadline, today);
            let progress = match (state, completed_on) {
                (_, Some(_)) => 100,
                ("assigned", None) => 0,
                _ => rng.random_range(10..=90),
            };
            let priority = pick(
                rng,
                &[("normal", 750), ("high", 150), ("urgent", 50), ("low", 50)],
            );
            let created = at(issued_on, 9, u32::try_from(k)?);
            let key = domain::text::fold(&content);
            let updated = completed_on.map_or(created, |d| at(d, 16, 0));
            tasks.push(
                conn,
                &[
                    task_id.into(),
                    directive_id.into(),
                    content.into(),
                    key.into(),
                    province.id.into(),
                    office.into(),
                    lead.into(),
                    deadline.into(),
                    deadline.into(),
                    priority.into(),
                    "".into(),
                    state.into(),
                    progress.into(),
                    (state != "completed" && rng.random_range(0..100) < 8).into(),
                    completed_on.into(),
                    1.into(),
                    created.into(),
                    updated.into(),
                ],
            )?;
            if rng.random_range(0..100) < 30 {
                let other = province.agencies[rng.random_range(1..province.agencies.len())];
                if other != lead {
                    pairs.push((task_id, other, state, completed_on));
                }
            }
            task_id += 1;
        }
    }
    report.tasks = tasks.finish(conn)?;
    for (task, unit, state, completed_on) in pairs {
        coordinators.push(
            conn,
            &[task.into(), unit.into(), state.into(), completed_on.into()],
        )?;
    }
    report.coordinators = coordinators.finish(conn)?;
    Ok(())
}

/// Village names (*thôn, bản*) given in turn.
const VILLAGES: [&str; 12] = [
    "Thôn Đồng Tâm",
    "Bản Nà Lầu",
    "Thôn Tiến Bộ",
    "Bản Khe Mạ",
    "Thôn Hợp Nhất",
    "Bản Pác Bó",
    "Thôn Đoàn Kết",
    "Bản Suối Con",
    "Thôn Quyết Thắng",
    "Bản Lũng Cú",
    "Thôn Tân Lập",
    "Bản Nậm Cắt",
];

/// A funded commune with its new villages.
struct Funded {
    province: usize,
    commune: UnitId,
    villages: Vec<UnitId>,
}

/// The P135 component and source pairs money flows through:
/// infrastructure from investment capital, production from recurrent.
struct Flow {
    component: i64,
    source: i64,
    /// A commune's yearly amount, in millions of đồng.
    millions: std::ops::RangeInclusive<i64>,
}

fn funds(
    conn: &mut DbConnection,
    provinces: &[Province],
    options: &ScaleOptions,
    rng: &mut ChaCha8Rng,
    report: &mut ScaleReport,
) -> anyhow::Result<()> {
    use persistence::funds as store;
    let today = options.today;
    let keys = super::funds::p135_keys(conn)?;
    let programme = keys.programme;
    let flows = [
        Flow {
            component: keys.infra,
            source: keys.investment,
            millions: 800..=2500,
        },
        Flow {
            component: keys.production,
            source: keys.recurrent,
            millions: 300..=900,
        },
    ];
    let years = years_for(options.fund_rows, FUND_ROWS_PER_YEAR);
    // Rows a funded commune adds each year: per flow one allocation to it
    // and one to each village.
    let per_commune = flows.len() * (1 + VILLAGES_PER_COMMUNE);
    let eligible: Vec<(usize, UnitId)> = provinces
        .iter()
        .enumerate()
        .flat_map(|(p, province)| {
            province
                .communes
                .iter()
                .filter(|c| c.unit_type == "xã")
                .map(move |c| (p, c.id))
        })
        .filter(|_| rng.random_bool(FUNDED_SHARE))
        .collect();
    // Allocations take at most half of the rows asked for.
    let wanted = (options.fund_rows / (2 * years * per_commune)).max(1);
    let chosen: Vec<(usize, UnitId)> = if wanted >= eligible.len() {
        eligible
    } else {
        (0..wanted)
            .map(|i| eligible[i * eligible.len() / wanted])
            .collect()
    };
    let mut funded = Vec::with_capacity(chosen.len());
    for (n, (province, commune)) in chosen.into_iter().enumerate() {
        let mut villages = Vec::with_capacity(VILLAGES_PER_COMMUNE);
        for v in 0..VILLAGES_PER_COMMUNE {
            let row = units::insert(
                conn,
                &NewUnit {
                    name: VILLAGES[(n * VILLAGES_PER_COMMUNE + v) % VILLAGES.len()].into(),
                    kind: "village".into(),
                    unit_type: "thôn".into(),
                    parent_id: Some(commune),
                    ..NewUnit::default()
                },
            )?;
            villages.push(row.id);
        }
        funded.push(Funded {
            province,
            commune,
            villages,
        });
    }
    report.villages = funded.len() * VILLAGES_PER_COMMUNE;
    let provinces_funded: BTreeSet<usize> = funded.iter().map(|f| f.province).collect();
    let allocation_rows =
        years * flows.len() * provinces_funded.len() + years * funded.len() * per_commune;
    // Disbursements fill the rest, spread evenly over the units holding
    // money (each commune and village, per year and flow).
    let slots = years * funded.len() * flows.len() * (1 + VILLAGES_PER_COMMUNE);
    let payments = options.fund_rows.saturating_sub(allocation_rows);
    let mut allocations = Inserter::new(
        "fund_allocations",
        &[
            "programme_id",
            "year",
            "component_id",
            "source_id",
            "from_unit_id",
            "to_unit_id",
            "amount",
            "decision_number",
            "decision_date",
            "note",
            "created_at",
        ],
    );
    let mut disbursements = Inserter::new(
        "fund_disbursements",
        &[
            "programme_id",
            "year",
            "component_id",
            "source_id",
            "unit_id",
            "amount",
            "reversal",
            "paid_on",
            "voucher",
            "note",
            "created_at",
        ],
    );
    let mut beneficiaries = Inserter::new(
        "fund_beneficiaries",
        &[
            "programme_id",
            "year",
            "unit_id",
            "category",
            "decision",
            "created_at",
        ],
    );
    let mut slot = 0;
    let mut voucher = 0_u64;
    for y in 0..years {
        let year = today.year() - i32::try_from(years - 1 - y)?;
        let dated = |month: u32, day: u32| {
            NaiveDate::from_ymd_opt(year, month, day)
                .unwrap_or(today)
                .min(today)
        };
        let decision = format!("{}/QĐ-UBND", 100 + y);
        // The demo already lists its communes for the last two years.
        let listed_before: BTreeSet<UnitId> = store::beneficiaries(conn, programme, year, None)?
            .into_iter()
            .map(|b| b.unit_id)
            .collect();
        for f in funded
            .iter()
            .filter(|f| !listed_before.contains(&f.commune))
        {
            let mut listed = vec![(f.commune, "extremely_difficult_commune")];
            listed.extend(
                f.villages
                    .iter()
                    .map(|v| (*v, "extremely_difficult_village")),
            );
            for (unit, category) in listed {
                beneficiaries.push(
                    conn,
                    &[
                        programme.into(),
                        year.into(),
                        unit.into(),
                        category.into(),
                        decision.as_str().into(),
                        at(dated(1, 5), 8, 0).into(),
                    ],
                )?;
            }
        }
        // The share of the year's money paid out by today.
        let elapsed = if year == today.year() {
            f64::from(today.ordinal()) / 366.0
        } else {
            1.0
        };
        for flow in &flows {
            let amounts: Vec<i64> = funded
                .iter()
                .map(|_| rng.random_range(flow.millions.clone()) * 1_000_000)
                .collect();
            let mut allocate = |conn: &mut DbConnection,
                                from: Option<UnitId>,
                                to: UnitId,
                                amount: i64,
                                (month, day): (u32, u32)|
             -> anyhow::Result<()> {
                allocations.push(
                    conn,
                    &[
                        programme.into(),
                        year.into(),
                        flow.component.into(),
                        flow.source.into(),
                        from.into(),
                        to.into(),
                        amount.into(),
                        format!("{}/QĐ-UBND", 200 + month * 10).into(),
                        dated(month, day).into(),
                        "".into(),
                        at(dated(month, day), 10, 0).into(),
                    ],
                )?;
                Ok(())
            };
            // The centre gives each province what its communes get and 5 %
            // kept at the province.
            for &p in &provinces_funded {
                let total: i64 = funded
                    .iter()
                    .zip(&amounts)
                    .filter(|(f, _)| f.province == p)
                    .map(|(_, a)| a)
                    .sum();
                allocate(conn, None, provinces[p].id, total + total / 20, (1, 10))?;
            }
            for (f, &amount) in funded.iter().zip(&amounts) {
                allocate(
                    conn,
                    Some(provinces[f.province].id),
                    f.commune,
                    amount,
                    (1, 25),
                )?;
                let each = amount / 4 / 1000 * 1000;
                for v in &f.villages {
                    allocate(conn, Some(f.commune), *v, each, (2, 15))?;
                }
                // The commune keeps what it did not pass on.
                let kept = amount - each * i64::try_from(f.villages.len())?;
                let holders =
                    std::iter::once((f.commune, kept)).chain(f.villages.iter().map(|v| (*v, each)));
                for (unit, holding) in holders {
                    let count = payments / slots + usize::from(slot < payments % slots);
                    slot += 1;
                    if count == 0 {
                        continue;
                    }
                    let rate = rng.random_range(0.55..=1.0) * elapsed;
                    // Rounded down to 1,000 đồng: never more than held.
                    let each_payment = (holding as f64 * rate / count as f64) as i64 / 1000 * 1000;
                    let first = dated(3, 1);
                    let window = (dated(12, 20) - first).num_days().max(0);
                    for _ in 0..count {
                        voucher += 1;
                        let paid_on = first + days(rng.random_range(0..=window));
                        disbursements.push(
                            conn,
                            &[
                                programme.into(),
                                year.into(),
                                flow.component.into(),
                                flow.source.into(),
                                unit.into(),
                                each_payment.into(),
                                false.into(),
                                paid_on.into(),
                                format!("UNC-{voucher:07}").into(),
                                "".into(),
                                at(paid_on, 14, 0).into(),
                            ],
                        )?;
                    }
                }
            }
        }
    }
    report.allocations = allocations.finish(conn)?;
    report.disbursements = disbursements.finish(conn)?;
    beneficiaries.finish(conn)?;
    Ok(())
}

fn ntm(
    conn: &mut DbConnection,
    provinces: &[Province],
    options: &ScaleOptions,
    rng: &mut ChaCha8Rng,
    report: &mut ScaleReport,
) -> anyhow::Result<()> {
    use api::routes::ntm_sets::{chain_of, definition, open_round, NewRoundBody, RoundKind};
    use persistence::ntm as store;
    let set = store::list_sets(conn)?
        .into_iter()
        .find(|s| s.code == super::ntm::SET_318_DEMO)
        .context("the demo criteria set is missing")?;
    let criteria = definition(&set).map_err(super::api)?;
    let admin = super::actor(conn, "admin")?;
    let rural: Vec<UnitId> = provinces
        .iter()
        .flat_map(|p| {
            p.communes
                .iter()
                .filter(|c| c.unit_type == "xã")
                .map(|c| c.id)
        })
        .collect();
    // Where each commune starts: criteria met in the first round.
    let mut level: Vec<usize> = rural.iter().map(|_| rng.random_range(6..=17)).collect();
    let mut id = bulk::next_id(conn, "ntm_evaluations")?;
    let mut evaluations = Inserter::new(
        "ntm_evaluations",
        &[
            "id",
            "round_id",
            "unit_id",
            "status",
            "criteria_met",
            "all_met",
            "decision_number",
            "decision_date",
            "updated_at",
        ],
    );
    let mut rows = Inserter::new(
        "ntm_evaluation_criteria",
        &[
            "evaluation_id",
            "number",
            "department_unit_id",
            "stage",
            "state",
            "met",
            "claimed_met",
        ],
    );
    let accepted = domain::ntm_review::ReviewState::Accepted.as_str();
    // Written after the evaluations they belong to.
    let mut results = Vec::new();
    for year in options.today.year() - NTM_ROUNDS..options.today.year() {
        let date = |month, day| NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default();
        let round = open_round(
            conn,
            &admin,
            &NewRoundBody {
                set_id: set.id,
                name: format!("Đánh giá năm {year}"),
                kind: RoundKind::Annual,
                year,
                period_from: date(1, 1),
                period_to: date(12, 31),
                opens_on: date(12, 1),
                closes_on: date(12, 31),
                default_region: None,
                chain: None,
                participants: Vec::new(),
            },
        )
        .map_err(super::api)?;
        let stage = i32::try_from(
            chain_of(&store::get_round(conn, round.id)?)
                .map_err(super::api)?
                .len(),
        )?;
        let mut decisions = 0;
        for (unit, level) in rural.iter().zip(level.iter_mut()) {
            let met_count = (*level).min(criteria.len());
            let unmet: BTreeSet<usize> =
                rand::seq::index::sample(rng, criteria.len(), criteria.len() - met_count)
                    .into_iter()
                    .collect();
            let all_met = unmet.is_empty();
            let decision = all_met.then(|| {
                decisions += 1;
                format!("{}/QĐ-UBND", 5000 + decisions)
            });
            evaluations.push(
                conn,
                &[
                    id.into(),
                    round.id.into(),
                    (*unit).into(),
                    "recorded".into(),
                    i32::try_from(met_count)?.into(),
                    all_met.into(),
                    decision.into(),
                    all_met.then(|| date(12, 28)).into(),
                    at(date(12, 20), 15, 0).into(),
                ],
            )?;
            for (i, c) in criteria.iter().enumerate() {
                results.push((
                    id,
                    c.number,
                    c.department_unit_id,
                    stage,
                    !unmet.contains(&i),
                ));
            }
            id += 1;
            *level += rng.random_range(0..=2);
        }
    }
    report.evaluations = evaluations.finish(conn)?;
    for (evaluation, number, department, stage, met) in results {
        rows.push(
            conn,
            &[
                evaluation.into(),
                i32::from(number).into(),
                department.into(),
                stage.into(),
                accepted.into(),
                met.into(),
                met.into(),
            ],
        )?;
    }
    rows.finish(conn)?;
    Ok(())
}
