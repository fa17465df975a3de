//! The hot pure rules, each against a floor doing the least the same job
//! needs, in the same run:
//!
//! * `timeliness`: [`domain::tasks::classify`] over 100,000 generated tasks
//!   against comparing each deadline with today (the floor of any
//!   classification);
//! * `permission`: [`domain::access::authorize`] for an agency officer's
//!   grants on 100,000 unit ancestries against the bare scope test
//!   (`ancestry.contains(grant unit)`);
//! * `fold`: [`domain::text::fold`] (the diacritic-free search key every
//!   unit, task and directive gets) on Vietnamese task texts against
//!   `str::to_lowercase`;
//! * `money`: a triệu đồng amount as text to exact đồng
//!   ([`domain::money::Decimal`] then `to_dong`) against `str::parse::<f64>`.
//!
//! `cargo bench -p domain --bench rules`, then `python3 bench/ratios.py timeliness
//! permission fold money` prints each median over its floor's.
//! Figures: `BENCHMARKS.md`, "Pure rules".

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput};
use domain::access::{authorize, Action, Grant, Role, Target};
use domain::money::{AmountUnit, Decimal};
use domain::tasks::{classify, TaskState};

const N: usize = 100_000;

/// A small deterministic generator (the inputs only need to vary).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

fn tasks() -> Vec<(TaskState, Option<NaiveDate>, Option<NaiveDate>)> {
    let mut rng = Lcg(1);
    let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let states = TaskState::ALL;
    (0..N)
        .map(|_| {
            let state = states[rng.next(states.len() as u64) as usize];
            let deadline =
                (rng.next(20) > 0).then(|| base + chrono::Duration::days(rng.next(365) as i64));
            let done = deadline.map(|d| d + chrono::Duration::days(rng.next(30) as i64 - 20));
            (state, deadline, done)
        })
        .collect()
}

fn ancestries() -> Vec<[i64; 4]> {
    let mut rng = Lcg(2);
    // Country, province, department or commune, section or village.
    (0..N)
        .map(|_| {
            [
                1,
                10 + rng.next(34) as i64,
                1_000 + rng.next(400) as i64,
                100_000 + rng.next(5_000) as i64,
            ]
        })
        .collect()
}

fn texts() -> Vec<String> {
    let subjects = [
        "Rà soát, báo cáo kết quả giải ngân vốn đầu tư công trên địa bàn Phú Thọ",
        "Hướng dẫn các xã, phường thực hiện xây dựng nông thôn mới nâng cao",
        "Chủ trì, phối hợp xử lý dứt điểm bồi thường, giải phóng mặt bằng dự án",
        "Tổ chức kiểm tra việc thực hiện phòng, chống thiên tai mùa mưa bão",
    ];
    (0..1_000)
        .map(|i| format!("{} (mục {i})", subjects[i % 4]))
        .collect()
}

fn amounts() -> Vec<(String, String)> {
    let mut rng = Lcg(3);
    (0..10_000)
        .map(|_| {
            let whole = rng.next(100_000);
            let frac = rng.next(1_000);
            (format!("{whole}.{frac:03}"), format!("{whole}.{frac:03}"))
        })
        .collect()
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    let today = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();

    let tasks = tasks();
    let mut g = c.benchmark_group("timeliness");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("floor_compare_dates", |b| {
        b.iter(|| {
            black_box(&tasks)
                .iter()
                .filter(|(_, deadline, _)| deadline.is_some_and(|d| today > d))
                .count()
        })
    });
    g.bench_function("classify", |b| {
        b.iter(|| {
            black_box(&tasks)
                .iter()
                .map(|&(s, d, done)| classify(s, d, done, today, 3) as usize)
                .sum::<usize>()
        })
    });
    g.finish();

    let ancestries = ancestries();
    let grants = [
        Grant {
            role: Role::AgencyOfficer,
            unit_id: 1_005,
        },
        Grant {
            role: Role::Viewer,
            unit_id: 12,
        },
    ];
    let mut g = c.benchmark_group("permission");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("floor_scope_test", |b| {
        b.iter(|| {
            black_box(&ancestries)
                .iter()
                .filter(|a| grants.iter().any(|g| a.contains(&g.unit_id)))
                .count()
        })
    });
    g.bench_function("authorize", |b| {
        b.iter(|| {
            black_box(&ancestries)
                .iter()
                .filter(|a| authorize(&grants, Action::ViewTasks, Target::Unit(&a[..])).is_ok())
                .count()
        })
    });
    g.finish();

    let texts = texts();
    let mut g = c.benchmark_group("fold");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function("floor_to_lowercase", |b| {
        b.iter(|| {
            black_box(&texts)
                .iter()
                .map(|t| t.to_lowercase().len())
                .sum::<usize>()
        })
    });
    g.bench_function("fold", |b| {
        b.iter(|| {
            black_box(&texts)
                .iter()
                .map(|t| domain::text::fold(t).len())
                .sum::<usize>()
        })
    });
    g.finish();

    let amounts = amounts();
    let mut g = c.benchmark_group("money");
    g.throughput(Throughput::Elements(amounts.len() as u64));
    g.bench_function("floor_parse_f64", |b| {
        b.iter(|| {
            black_box(&amounts)
                .iter()
                .map(|(t, _)| t.parse::<f64>().unwrap())
                .sum::<f64>()
        })
    });
    g.bench_function("decimal_to_dong", |b| {
        b.iter(|| {
            black_box(&amounts)
                .iter()
                .map(|(_, t)| {
                    t.parse::<Decimal>()
                        .unwrap()
                        .to_dong(AmountUnit::TrieuDong)
                        .unwrap()
                })
                .sum::<i64>()
        })
    });
    g.finish();
    c.final_summary();
}
