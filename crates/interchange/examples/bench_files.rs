//! Writes the inputs of the `interchange` bench into a folder, from the
//! same generators (`benches/common/`), for the Python peers of
//! `bench/excel/peers.py` to read the identical data:
//!
//! * `p135_ROWS.xlsx`: the P135 allocation report the `import/…` groups
//!   read (the generator fixes the creation date, so these are the bytes
//!   the bench imports);
//! * `export_ROWS.json`: the cells the `export/…` groups write, row by row:
//!   `{"rows": [[row, [[col, kind, value], …]], …]}` with `kind` `"s"`
//!   (text), `"n"` (a number: money in triệu đồng, a rate as a fraction) or
//!   `"d"` (a date, `"YYYY-MM-DD"`), 0-based positions, blank cells left
//!   out;
//! * `files.json`: for each size, the file names and what the import must
//!   find in the report (village and commune rows, the totals in đồng).
//!
//! ```sh
//! cargo run --release -p interchange --example bench_files -- bench/out            # 10 000 and 100 000 rows
//! cargo run --release -p interchange --example bench_files -- bench/out 1000 20000  # other sizes
//! ```

#[path = "../benches/common/mod.rs"]
mod common;
// Only the report and its cells are used here.
#[allow(dead_code)]
#[path = "../benches/common/export.rs"]
mod export_data;

use std::path::Path;
use std::process::ExitCode;

use chrono::{Days, NaiveDate};
use export_data::{export_report, plain_cells, Plain};
use serde_json::{json, Value};

/// An Excel serial (1900 system, after February 1900) as `YYYY-MM-DD`.
fn iso_date(serial: f64) -> String {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
    // Whole days: the export's dates have no time.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let days = serial as u64;
    (epoch + Days::new(days)).format("%Y-%m-%d").to_string()
}

fn export_json(rows: usize) -> Value {
    let report = export_report(rows);
    let cells: Vec<Value> = plain_cells(&report)
        .into_iter()
        .map(|(r, cells)| {
            let cells: Vec<Value> = cells
                .into_iter()
                .map(|(c, value)| match value {
                    Plain::Text(s) => json!([c, "s", s]),
                    Plain::Number(v) => json!([c, "n", v]),
                    Plain::Date(d) => json!([c, "d", iso_date(d.to_excel())]),
                })
                .collect();
            json!([r, cells])
        })
        .collect();
    json!({ "detail_rows": rows, "rows": cells })
}

fn write(dir: &Path, sizes: &[usize]) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let save = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("{} ({} bytes)", path.display(), bytes.len());
        Ok::<(), String>(())
    };
    let mut manifest = Vec::new();
    for &rows in sizes {
        let file = common::p135_report(rows).map_err(|e| e.to_string())?;
        let import = format!("p135_{rows}.xlsx");
        save(&import, &file.bytes)?;
        let export = format!("export_{rows}.json");
        let cells = serde_json::to_vec(&export_json(rows)).map_err(|e| e.to_string())?;
        save(&export, &cells)?;
        manifest.push(json!({
            "rows": rows,
            "import_file": import,
            "villages": file.villages,
            "communes": file.communes,
            "total_planned_dong": file.total_planned_dong,
            "total_disbursed_dong": file.total_disbursed_dong,
            "export_file": export,
        }));
    }
    let manifest =
        serde_json::to_vec_pretty(&json!({ "sizes": manifest })).map_err(|e| e.to_string())?;
    save("files.json", &manifest)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((dir, sizes)) = args.split_first() else {
        eprintln!("usage: bench_files DIR [ROWS…]");
        return ExitCode::FAILURE;
    };
    let sizes: Result<Vec<usize>, String> = if sizes.is_empty() {
        Ok(vec![10_000, 100_000])
    } else {
        sizes
            .iter()
            .map(|s| {
                s.replace('_', "")
                    .parse()
                    .map_err(|_| format!("not a number of rows: {s}"))
            })
            .collect()
    };
    match sizes.and_then(|sizes| write(Path::new(dir), &sizes)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_files: {e}");
            ExitCode::FAILURE
        }
    }
}
