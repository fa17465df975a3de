//! Peak heap of a P135 import: generates the same allocation report as the
//! `interchange` bench (100 000 village rows unless a number is given),
//! then measures, each in a fresh process of its own so that nothing else
//! has touched the heap:
//!
//! * `legacy_p135::read` on the file's bytes (the whole import);
//! * calamine alone on the same bytes: open the workbook and read every
//!   sheet's range (the floor the bench compares the import with).
//!
//! The heap is counted by a global allocator wrapping `std::alloc::System`
//! (the `cap` crate: current and maximum bytes in atomics; reallocations
//! count their size change). "Peak" is the most bytes allocated at once in
//! the measuring process, which holds the file's bytes throughout; "above
//! the file" subtracts what was allocated before the measured call started
//! (the file's bytes and the runtime's few allocations); "result held" is
//! what the result keeps allocated afterwards (the import; calamine's
//! workbook and ranges). The process's peak resident set (`VmHWM`) is
//! printed too, for comparison.
//!
//! ```sh
//! cargo run --release -p interchange --example import_peak_memory
//! cargo run --release -p interchange --example import_peak_memory -- 10000
//! ```

#[path = "../benches/common/mod.rs"]
mod common;

use std::alloc::System;
use std::io::Cursor;
use std::path::Path;
use std::process::{Command, ExitCode};

use calamine::{open_workbook_auto_from_rs, Reader};
use cap::Cap;
use interchange::legacy_p135;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// The goal for the 100 000-row import, in MB (10^6 bytes).
const GOAL_MB: f64 = 150.0;

fn mb(bytes: usize) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let mb = bytes as f64 / 1e6;
    mb
}

/// The process's peak resident set in bytes, from `/proc/self/status`.
fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// In the child: reads the file, runs `what` on its bytes, prints
/// `baseline peak held rss` (bytes) on one line, `held` being what the
/// result (the import, or calamine's workbook and ranges) keeps allocated.
fn measure(what: &str, path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let baseline = ALLOCATOR.allocated();
    let held = match what {
        "import" => {
            let import = legacy_p135::read(&bytes).map_err(|e| e.to_string())?;
            if !import.problems.is_empty() || import.rows.is_empty() {
                return Err(format!(
                    "the import found {} problems and {} rows",
                    import.problems.len(),
                    import.rows.len()
                ));
            }
            ALLOCATOR.allocated()
        }
        "calamine" => {
            let mut book =
                open_workbook_auto_from_rs(Cursor::new(&bytes[..])).map_err(|e| e.to_string())?;
            let mut ranges = Vec::new();
            for name in book.sheet_names() {
                ranges.push(book.worksheet_range(&name).map_err(|e| e.to_string())?);
            }
            std::hint::black_box(&ranges);
            ALLOCATOR.allocated()
        }
        other => return Err(format!("unknown measurement {other}")),
    };
    let peak = ALLOCATOR.max_allocated();
    println!(
        "{baseline} {peak} {} {}",
        held.saturating_sub(baseline),
        peak_rss().unwrap_or(0)
    );
    Ok(())
}

/// In the parent: runs one measurement in a child process.
fn child(what: &str, path: &Path) -> Result<(usize, usize, usize, usize), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .arg("--measure")
        .arg(what)
        .arg(path)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "{what}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let numbers: Vec<usize> = text
        .split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect();
    match numbers[..] {
        [baseline, peak, held, rss] => Ok((baseline, peak, held, rss)),
        _ => Err(format!("{what}: unexpected output {text:?}")),
    }
}

fn run(rows: usize) -> Result<(), String> {
    let file = common::p135_report(rows).map_err(|e| e.to_string())?;
    let path = std::env::temp_dir().join(format!(
        "interchange-peak-memory-{}.xlsx",
        std::process::id()
    ));
    std::fs::write(&path, &file.bytes).map_err(|e| e.to_string())?;
    let results = child("calamine", &path).and_then(|c| Ok((c, child("import", &path)?)));
    // Best effort: a temporary file left behind is harmless.
    let _ = std::fs::remove_file(&path);
    let (calamine, import) = results?;

    println!(
        "P135 allocation report: {} village rows, {} commune rows; file {:.1} MB ({} bytes)",
        file.villages,
        file.communes,
        mb(file.bytes.len()),
        file.bytes.len()
    );
    println!("peak heap (MB = 10^6 bytes), each in a fresh process holding the file's bytes:");
    println!(
        "  {:<22} {:>10} {:>13} {:>13} {:>13}",
        "", "peak heap", "above file", "result held", "peak RSS"
    );
    for (label, (baseline, peak, held, rss)) in [
        ("calamine parse-only", calamine),
        ("legacy_p135::read", import),
    ] {
        println!(
            "  {label:<22} {:>7.1} MB {:>10.1} MB {:>10.1} MB {:>10.1} MB",
            mb(peak),
            mb(peak.saturating_sub(baseline)),
            mb(held),
            mb(rss)
        );
    }
    let (import_peak, calamine_peak) = (mb(import.1), mb(calamine.1));
    println!(
        "import / calamine parse-only (peak heap): {:.2}x",
        import_peak / calamine_peak
    );
    if rows == 100_000 {
        let verdict = if import_peak <= GOAL_MB {
            "met"
        } else {
            "NOT met"
        };
        println!("goal: peak heap of the 100k-row import <= {GOAL_MB} MB: {verdict}");
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [flag, what, path] if flag == "--measure" => measure(what, Path::new(path)),
        [] => run(100_000),
        [rows] => match rows.replace('_', "").parse() {
            Ok(rows) => run(rows),
            Err(_) => Err(format!("not a number of rows: {rows}")),
        },
        _ => Err("usage: import_peak_memory [ROWS]".to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("import_peak_memory: {e}");
            ExitCode::FAILURE
        }
    }
}
