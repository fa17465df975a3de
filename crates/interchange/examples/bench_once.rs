//! Runs one function of the `interchange` bench once: a target for a
//! profiler (`valgrind --tool=callgrind` counts instructions, the same
//! from run to run on a shared machine).
//!
//! * `import FILE`: `legacy_p135::read` on the file's bytes (the bench's
//!   `legacy_p135_read`), e.g. a P135 file `bench_files` wrote;
//! * `calamine FILE`: open the workbook with calamine and read every
//!   sheet's range (the bench's `calamine_parse_only`);
//! * `report ROWS`, `plain ROWS`, `formatted ROWS`: the export bench's
//!   `report_write_xlsx`, `plain_xlsxwriter` and `formatted_xlsxwriter`
//!   on a report of `ROWS` detail rows (made before the function runs:
//!   read the function's inclusive count, e.g. `interchange::report::write_xlsx`
//!   or `bench_once::export`).
//!
//! ```sh
//! cargo run --release -p interchange --example bench_files -- bench/out
//! cargo build --release -p interchange --example bench_once
//! valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=bench/out/import.cg \
//!     target/release/examples/bench_once import bench/out/p135_10000.xlsx
//! callgrind_annotate --inclusive=yes bench/out/import.cg-01 | head -60
//! ```

#[path = "../benches/common/export.rs"]
mod export_data;

use std::hint::black_box;
use std::io::Cursor;
use std::process::ExitCode;

use calamine::{open_workbook_auto_from_rs, Reader};
use export_data::{cell_formats, export_report, plain_cells, write_plain};
use interchange::legacy_p135;
use interchange::report;

fn import(what: &str, path: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    if what == "import" {
        let import = legacy_p135::read(&bytes).map_err(|e| e.to_string())?;
        return Ok(format!(
            "{} rows, {} subtotals, {} problems",
            import.rows.len(),
            import.subtotals.len(),
            import.problems.len()
        ));
    }
    let mut book =
        open_workbook_auto_from_rs(Cursor::new(&bytes[..])).map_err(|e| e.to_string())?;
    let mut cells = 0;
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).map_err(|e| e.to_string())?;
        cells += range.get_size().0 * range.get_size().1;
    }
    Ok(format!("{cells} cells"))
}

/// The export function `what` on its inputs, made beforehand.
#[inline(never)]
fn export(what: &str, rows: usize) -> Result<String, String> {
    let report = export_report(rows);
    let plain = plain_cells(&report);
    let formats = cell_formats();
    let bytes = match what {
        "report" => report::write_xlsx(black_box(&report)).map_err(|e| e.to_string())?,
        "plain" => write_plain(black_box(&plain), None),
        _ => write_plain(black_box(&plain), Some(&formats)),
    };
    Ok(format!("{} bytes", bytes.len()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [what, path] if what == "import" || what == "calamine" => import(what, path),
        [what, rows] if ["report", "plain", "formatted"].contains(&what.as_str()) => {
            match rows.replace('_', "").parse() {
                Ok(rows) => export(what, rows),
                Err(_) => Err(format!("not a number of rows: {rows}")),
            }
        }
        _ => Err("usage: bench_once import|calamine FILE | report|plain|formatted ROWS".to_owned()),
    };
    match result {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench_once: {e}");
            ExitCode::FAILURE
        }
    }
}
