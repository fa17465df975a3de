//! Excel interchange benchmarks, each against its floor in the same run:
//!
//! * `import/10k`, `import/100k`: `legacy_p135::read` (the whole import,
//!   from the bytes of a generated P135 allocation report with 10 000 or
//!   100 000 village rows) against `calamine_parse_only` (the same bytes
//!   opened with calamine and every sheet's range read, nothing else);
//! * `export/10k`, `export/100k`: `report::write_xlsx` on a report with
//!   10 000 or 100 000 detail rows against `plain_xlsxwriter` (the same cell
//!   values written with `rust_xlsxwriter` in constant-memory mode, no
//!   formats, no merges, no page setup); and, to tell the cost of formats
//!   in `rust_xlsxwriter` from the report's own, `formatted_xlsxwriter`
//!   (the same cells, each with a format like the report's).
//!
//! After the runs the ratios of the medians (and of the means) are printed
//! for every pair measured by this process. Then, for the same groups, a
//! paired measurement: rounds in which each function of the group runs
//! once, one after the other (in turn forwards and backwards), and the
//! median over the rounds of each round's ratio. Criterion measures one
//! function for many seconds and then the next; on a machine shared with
//! other work the load changes between them, and their ratio with it. A
//! round takes a few seconds at most, so both sides of a paired ratio see
//! about the same load. `PAIRED_ROUNDS` sets the number of rounds (0: none;
//! by default 21 for 10k, 9 for 100k).
//!
//! With `BENCH_SUMMARY=FILE`, the medians and ratios are also written to
//! `FILE` as JSON (for `bench/excel/run.sh`). With `BENCH_FILES=DIR`, the
//! generated P135 files are checked to be byte for byte the ones
//! `examples/bench_files.rs` wrote into `DIR` (those the Python peers
//! read).
//!
//! ```sh
//! cargo bench -p interchange --bench interchange
//! cargo bench -p interchange --bench interchange -- import/10k   # one group
//! PAIRED_ROUNDS=0 cargo bench -p interchange --bench interchange  # criterion only
//! ```
//!
//! Figures and how to read them: `BENCHMARKS.md`, "Excel import and export".

// A bench, not library code: a failed setup may panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/mod.rs"]
mod common;
#[path = "common/export.rs"]
mod export_data;

use std::hint::black_box;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use calamine::{open_workbook_auto_from_rs, Reader};
use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use export_data::{cell_formats, export_report, plain_cells, write_plain, Plain};
use interchange::legacy_p135;
use interchange::report::{self, Report};
use rust_xlsxwriter::Format;
use serde_json::json;

/// The sizes measured, with the group name suffix.
const SIZES: &[(usize, &str)] = &[(10_000, "10k"), (100_000, "100k")];

/// Pairs (floor, measured) compared after the runs, per group prefix.
const PAIRS: &[(&str, &str, &str)] = &[
    ("import", "calamine_parse_only", "legacy_p135_read"),
    ("export", "plain_xlsxwriter", "report_write_xlsx"),
    ("export", "plain_xlsxwriter", "formatted_xlsxwriter"),
    ("export", "formatted_xlsxwriter", "report_write_xlsx"),
];

fn configure(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, rows: usize) {
    // One iteration of the larger size takes about a second: a flat
    // sampling of 10 keeps a full run within minutes on 2 cores.
    group.sampling_mode(SamplingMode::Flat);
    if rows >= 100_000 {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_secs(2))
            .measurement_time(Duration::from_secs(30));
    } else {
        group
            .sample_size(20)
            .warm_up_time(Duration::from_secs(2))
            .measurement_time(Duration::from_secs(5));
    }
    group.throughput(Throughput::Elements(rows as u64));
}

// ---------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------

/// What the floor does: open the workbook from its bytes and read every
/// sheet's cells; returns the number of cells, so nothing is optimised away.
fn calamine_parse_only(bytes: &[u8]) -> usize {
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).expect("a workbook");
    let mut cells = 0;
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("a sheet");
        cells += range.get_size().0 * range.get_size().1;
    }
    cells
}

/// Checks that the generated file reads back whole and clean (or the
/// bench would time an import that stops early), and with `BENCH_FILES`
/// that it is the file the Python peers read.
fn check_import(file: &common::P135File, rows: usize, label: &str) {
    let import = legacy_p135::read(&file.bytes).expect("the generated report reads");
    assert!(import.problems.is_empty(), "{:#?}", &import.problems[..3]);
    assert_eq!(import.rows.len(), file.villages);
    assert_eq!(import.subtotals.len(), file.communes);
    let summary = legacy_p135::summary(&import);
    assert!(summary.total_row_reconciles);
    assert_eq!(summary.total_planned_dong, file.total_planned_dong);
    assert_eq!(summary.total_disbursed_dong, file.total_disbursed_dong);
    if let Some(dir) = std::env::var_os("BENCH_FILES") {
        let path = Path::new(&dir).join(format!("p135_{rows}.xlsx"));
        let written = std::fs::read(&path).expect("the file bench_files wrote");
        assert!(
            written == file.bytes,
            "{} differs from the generated file",
            path.display()
        );
    }
    eprintln!(
        "import/{label}: {} village rows, {} commune rows, file {} bytes",
        file.villages,
        file.communes,
        file.bytes.len()
    );
}

fn import(c: &mut Criterion, inputs: &[Inputs]) {
    for input in inputs {
        let mut group = c.benchmark_group(format!("import/{}", input.label));
        configure(&mut group, input.rows);
        group.bench_function("calamine_parse_only", |b| {
            b.iter(|| calamine_parse_only(black_box(&input.file.bytes)));
        });
        group.bench_function("legacy_p135_read", |b| {
            b.iter(|| legacy_p135::read(black_box(&input.file.bytes)).expect("reads"));
        });
        group.finish();
    }
}

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

fn export(c: &mut Criterion, inputs: &[Inputs]) {
    for input in inputs {
        let (report, plain, formats) = (&input.report, &input.plain, &input.formats);
        let mut group = c.benchmark_group(format!("export/{}", input.label));
        configure(&mut group, input.rows);
        group.bench_function("plain_xlsxwriter", |b| {
            b.iter(|| write_plain(black_box(plain), None));
        });
        group.bench_function("formatted_xlsxwriter", |b| {
            b.iter(|| write_plain(black_box(plain), Some(formats)));
        });
        group.bench_function("report_write_xlsx", |b| {
            b.iter(|| report::write_xlsx(black_box(report)).expect("writes"));
        });
        group.finish();
    }
}

// ---------------------------------------------------------------------------
// Inputs, and one run of a function
// ---------------------------------------------------------------------------

/// What the functions of one size work on, made before any timing.
struct Inputs {
    rows: usize,
    label: &'static str,
    file: common::P135File,
    report: Report,
    plain: Vec<(u32, Vec<(u16, Plain)>)>,
    formats: [Format; 3],
}

fn inputs() -> Vec<Inputs> {
    SIZES
        .iter()
        .map(|&(rows, label)| {
            let file = common::p135_report(rows).expect("generated report");
            check_import(&file, rows, label);
            let report = export_report(rows);
            let plain = plain_cells(&report);
            let written = report::write_xlsx(&report).expect("the report writes");
            eprintln!(
                "export/{label}: {} table rows, report {} bytes, plain {} bytes",
                report.rows.len(),
                written.len(),
                write_plain(&plain, None).len()
            );
            Inputs {
                rows,
                label,
                file,
                report,
                plain,
                formats: cell_formats(),
            }
        })
        .collect()
}

/// One run of the function `function` of the group `prefix` (as named in
/// [`PAIRS`]), timed.
fn run_once(input: &Inputs, prefix: &str, function: &str) -> Duration {
    let started = Instant::now();
    match (prefix, function) {
        ("import", "calamine_parse_only") => {
            black_box(calamine_parse_only(black_box(&input.file.bytes)));
        }
        ("import", "legacy_p135_read") => {
            black_box(legacy_p135::read(black_box(&input.file.bytes)).expect("reads"));
        }
        ("export", "plain_xlsxwriter") => {
            black_box(write_plain(black_box(&input.plain), None));
        }
        ("export", "formatted_xlsxwriter") => {
            black_box(write_plain(black_box(&input.plain), Some(&input.formats)));
        }
        ("export", "report_write_xlsx") => {
            black_box(report::write_xlsx(black_box(&input.report)).expect("writes"));
        }
        other => panic!("no function {other:?}"),
    }
    started.elapsed()
}

// ---------------------------------------------------------------------------
// Ratios
// ---------------------------------------------------------------------------

/// Where criterion keeps its estimates (as criterion finds it, less the
/// `cargo metadata` fallback: the workspace's `target`).
fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    );
    target.join("criterion")
}

/// (median, mean) in nanoseconds of one benchmark, if this process wrote
/// its estimates.
fn estimates(dir: &Path, group: &str, function: &str, since: SystemTime) -> Option<(f64, f64)> {
    // Criterion's directory names replace `/` in group names with `_`.
    let path = dir
        .join(group.replace('/', "_"))
        .join(function)
        .join("new/estimates.json");
    let fresh = std::fs::metadata(&path).ok()?.modified().ok()? >= since;
    if !fresh {
        return None;
    }
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    let point = |k: &str| json[k]["point_estimate"].as_f64();
    Some((point("median")?, point("mean")?))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => values[n / 2],
        n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

/// The (group prefix, size label) pairs this process measured with
/// criterion.
fn measured_groups(dir: &Path, since: SystemTime) -> Vec<(&'static str, &'static str)> {
    let mut groups = Vec::new();
    for &(prefix, floor, measured) in PAIRS {
        for &(_, label) in SIZES {
            let group = format!("{prefix}/{label}");
            let fresh = estimates(dir, &group, floor, since).is_some()
                && estimates(dir, &group, measured, since).is_some();
            if fresh && !groups.contains(&(prefix, label)) {
                groups.push((prefix, label));
            }
        }
    }
    groups
}

fn print_ratios(since: SystemTime, summary: &mut Vec<serde_json::Value>) {
    let dir = criterion_dir();
    let mut lines = Vec::new();
    for &(prefix, floor, measured) in PAIRS {
        for &(_, label) in SIZES {
            let group = format!("{prefix}/{label}");
            let (Some(f), Some(m)) = (
                estimates(&dir, &group, floor, since),
                estimates(&dir, &group, measured, since),
            ) else {
                continue;
            };
            lines.push(format!(
                "{group:<12} {measured} / {floor}: median {:.1} ms / {:.1} ms = {:.2}x, mean ratio {:.2}x",
                m.0 / 1e6,
                f.0 / 1e6,
                m.0 / f.0,
                m.1 / f.1
            ));
            summary.push(json!({
                "kind": "criterion", "group": group, "floor": floor, "measured": measured,
                "floor_median_ms": f.0 / 1e6, "measured_median_ms": m.0 / 1e6,
                "ratio": m.0 / f.0, "mean_ratio": m.1 / f.1,
            }));
        }
    }
    if !lines.is_empty() {
        println!("\nRatios (this run):");
        for line in lines {
            println!("  {line}");
        }
    }
}

/// Paired rounds (see the module documentation) for the groups criterion
/// measured in this process.
fn print_paired(inputs: &[Inputs], since: SystemTime, summary: &mut Vec<serde_json::Value>) {
    let groups = measured_groups(&criterion_dir(), since);
    let mut lines = Vec::new();
    for (prefix, label) in groups {
        let Some(input) = inputs.iter().find(|i| i.label == label) else {
            continue;
        };
        let rounds = std::env::var("PAIRED_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(if input.rows >= 100_000 { 9 } else { 21 });
        if rounds == 0 {
            continue;
        }
        let mut functions: Vec<&str> = Vec::new();
        for &(p, floor, measured) in PAIRS {
            for f in [floor, measured] {
                if p == prefix && !functions.contains(&f) {
                    functions.push(f);
                }
            }
        }
        // One run of each first, unmeasured (caches, allocator).
        for f in &functions {
            run_once(input, prefix, f);
        }
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); functions.len()];
        for round in 0..rounds {
            let mut order: Vec<usize> = (0..functions.len()).collect();
            if round % 2 == 1 {
                order.reverse();
            }
            for i in order {
                times[i].push(run_once(input, prefix, functions[i]).as_secs_f64());
            }
        }
        let index = |f: &str| functions.iter().position(|g| *g == f).unwrap_or(0);
        for &(p, floor, measured) in PAIRS {
            if p != prefix {
                continue;
            }
            let (fi, mi) = (index(floor), index(measured));
            let mut ratios: Vec<f64> = times[mi]
                .iter()
                .zip(&times[fi])
                .map(|(m, f)| m / f)
                .collect();
            let (f_ms, m_ms) = (
                median(&mut times[fi].clone()) * 1e3,
                median(&mut times[mi].clone()) * 1e3,
            );
            let ratio = median(&mut ratios);
            let (low, high) = (ratios[0], ratios[ratios.len() - 1]);
            let group = format!("{prefix}/{label}");
            lines.push(format!(
                "{group:<12} {measured} / {floor}: median of {rounds} rounds' ratios {ratio:.2}x (range {low:.2}–{high:.2}); medians {m_ms:.1} ms / {f_ms:.1} ms"
            ));
            summary.push(json!({
                "kind": "paired", "group": group, "floor": floor, "measured": measured,
                "rounds": rounds, "floor_median_ms": f_ms, "measured_median_ms": m_ms,
                "ratio": ratio, "ratio_min": low, "ratio_max": high,
            }));
        }
    }
    if !lines.is_empty() {
        println!("\nPaired ratios (this run, alternating rounds):");
        for line in lines {
            println!("  {line}");
        }
    }
}

fn main() {
    let started = SystemTime::now();
    let mut criterion = Criterion::default().configure_from_args();
    let inputs = inputs();
    import(&mut criterion, &inputs);
    export(&mut criterion, &inputs);
    criterion.final_summary();
    let mut summary = Vec::new();
    print_ratios(started, &mut summary);
    print_paired(&inputs, started, &mut summary);
    if let Some(path) = std::env::var_os("BENCH_SUMMARY") {
        let text = serde_json::to_string_pretty(&json!({ "results": summary })).expect("JSON");
        std::fs::write(&path, text).expect("the summary file");
    }
}
