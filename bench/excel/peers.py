"""Python peers of the Rust Excel benchmarks, on the same inputs.

Reads what ``examples/bench_files.rs`` wrote (``files.json``, the P135
``.xlsx`` files, the export cells as JSON) and times, as the median of
several runs in this process:

* ``pandas_import``: what a clerk's script does with a P135 allocation
  report: ``pandas.read_excel`` of the sheet (openpyxl, pandas' engine for
  ``.xlsx``), then find the header row (*STT*, *Tên xã, thôn*) and its
  second row, find the amount columns under *Kế hoạch vốn* and *Giải
  ngân* (*Tổng số*, *Hỗ trợ đầu tư CSHT*, *Hỗ trợ PTSX*), find the
  *TỔNG CỘNG* row, take the village rows (numbered 1, 2, …; the communes
  are numbered I, II, …), sum their amounts in đồng and compare each sum
  with the total row;
* ``xlsxwriter_plain`` and ``xlsxwriter_formatted``: Python XlsxWriter
  writing the export bench's cells (the same rows and columns) in
  constant-memory mode into memory, without formats, or each cell with a
  format like the Rust bench's ``formatted_xlsxwriter`` (Times New Roman
  12, thin border, vertically centred; text left and wrapped, numbers
  ``#,##0.000``, dates ``dd/mm/yyyy`` centred).

With ``--rust-once`` (the ``bench_once`` example), the import is also
timed paired: in each run ``pandas_import`` and then the Rust import in a
child process (``bench_once import FILE``: process start, reading the
file and ``legacy_p135::read``), and the median of the runs' ratios is
given. Both sides then see about the same load on a shared machine; the
child's start-up counts against the Rust side.

Results go to ``--out`` as JSON; with ``--rust`` (the bench's
``BENCH_SUMMARY`` file) a table of medians and ratios is printed.

    python bench/excel/peers.py --files bench/out --out bench/out/python.json \\
        --rust bench/out/rust.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import openpyxl
import pandas as pd
import xlsxwriter

# ---------------------------------------------------------------------------
# Import: a clerk's script
# ---------------------------------------------------------------------------


def fold(text: object) -> str:
    """Lower case without diacritics (đ as d), white space collapsed."""
    if not isinstance(text, str):
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def clerk_import(path: Path) -> dict:
    """Reads a P135 report and checks its totals; see the module doc."""
    sheet = pd.read_excel(path, sheet_name=0, header=None, dtype=object)
    folded_head = sheet.head(50).map(fold)

    # The header row: a cell "stt" and a cell naming the communes.
    header = next(
        r
        for r in folded_head.index
        if (folded_head.loc[r] == "stt").any()
        and folded_head.loc[r].str.startswith("ten xa").any()
    )
    top = folded_head.loc[header]
    sub = folded_head.loc[header + 1]
    name_col = top[top.str.startswith("ten xa")].index[0]
    stt_col = top[top == "stt"].index[0]
    # The group titles are merged over their columns: pandas gives the
    # first column the text and the others nothing, so carry it right.
    groups = top.replace("", pd.NA).ffill()
    columns = {}
    for col in sheet.columns:
        group, part = groups[col], sub[col]
        if not isinstance(group, str) or not part:
            continue
        kind = "planned" if group.startswith("ke hoach") else "disbursed"
        if group.startswith(("ke hoach", "giai ngan")):
            columns[(kind, part)] = col

    # The data: after the column-number row (1), (2), …
    data = sheet.iloc[header + 3 :]
    names = data[name_col].map(fold)
    total_row = data[names == "tong cong"].iloc[0]
    stt = data[stt_col].astype("string").str.strip()
    villages = data[stt.str.fullmatch(r"\d+", na=False)]
    communes = data[stt.str.fullmatch(r"[IVXLCDM]+", na=False)]

    sums, stated = {}, {}
    for key, col in columns.items():
        amounts = pd.to_numeric(villages[col], errors="coerce").fillna(0)
        # Triệu đồng with three decimals: whole đồng.
        sums[key] = int((amounts * 1_000_000).round().astype("int64").sum())
        stated[key] = int(round(float(total_row[col]) * 1_000_000))
    return {
        "villages": len(villages),
        "communes": len(communes),
        "total_planned_dong": sums[("planned", "tong so")],
        "total_disbursed_dong": sums[("disbursed", "tong so")],
        "reconciles": all(sums[k] == stated[k] for k in columns),
        "columns": len(columns),
    }


# ---------------------------------------------------------------------------
# Export: XlsxWriter on the export bench's cells
# ---------------------------------------------------------------------------


def load_cells(path: Path) -> list:
    """The cells, with dates as ``datetime.date`` (before any timing)."""
    rows = json.loads(path.read_text(encoding="utf-8"))["rows"]
    return [
        (r, [(c, k, dt.date.fromisoformat(v) if k == "d" else v) for c, k, v in cells])
        for r, cells in rows
    ]


def write_xlsx(rows: list, formatted: bool) -> int:
    """The cells written in constant-memory mode into memory; the size."""
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {"constant_memory": True})
    sheet = book.add_worksheet()
    text = number = date = None
    if formatted:
        base = {
            "font_name": "Times New Roman",
            "font_size": 12,
            "border": 1,
            "valign": "vcenter",
        }
        text = book.add_format({**base, "align": "left", "text_wrap": True})
        number = book.add_format({**base, "num_format": "#,##0.000"})
        date = book.add_format({**base, "num_format": "dd/mm/yyyy", "align": "center"})
    for r, cells in rows:
        for c, kind, value in cells:
            if kind == "s":
                sheet.write_string(r, c, value, text)
            elif kind == "n":
                sheet.write_number(r, c, value, number)
            else:
                sheet.write_datetime(r, c, value, date)
    book.close()
    return len(output.getvalue())


# ---------------------------------------------------------------------------
# Timing and the table
# ---------------------------------------------------------------------------


def median_ms(function, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1e3)
    return statistics.median(times), times


def label(rows: int) -> str:
    return f"{rows // 1000}k" if rows % 1000 == 0 else str(rows)


def paired_import(path: Path, rust_once: Path, runs: int) -> dict:
    """pandas_import and the Rust import in a child process, in turn."""
    python, rust = [], []
    for _ in range(runs):
        started = time.perf_counter()
        clerk_import(path)
        python.append((time.perf_counter() - started) * 1e3)
        started = time.perf_counter()
        subprocess.run([rust_once, "import", path], check=True, capture_output=True)
        rust.append((time.perf_counter() - started) * 1e3)
    ratios = [p / r for p, r in zip(python, rust)]
    return {
        "python_median_ms": statistics.median(python),
        "rust_median_ms": statistics.median(rust),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "runs": runs,
    }


def measure(
    files: Path, runs_small: int, runs_large: int, rust_once: Path | None
) -> list[dict]:
    manifest = json.loads((files / "files.json").read_text(encoding="utf-8"))
    results = []
    for size in manifest["sizes"]:
        rows = size["rows"]
        runs = runs_large if rows >= 100_000 else runs_small
        path = files / size["import_file"]
        # Checked once, untimed: the script finds what the Rust import finds.
        found = clerk_import(path)
        expected = {
            "villages": size["villages"],
            "communes": size["communes"],
            "total_planned_dong": size["total_planned_dong"],
            "total_disbursed_dong": size["total_disbursed_dong"],
            "reconciles": True,
            "columns": 6,
        }
        if found != expected:
            sys.exit(f"{path}: the clerk's script found {found}, expected {expected}")
        ms, times = median_ms(lambda: clerk_import(path), runs)
        results.append(
            {"group": f"import/{label(rows)}", "function": "pandas_import",
             "runs": runs, "median_ms": ms, "times_ms": times}
        )
        print(f"import/{label(rows)} pandas_import: median {ms:.0f} ms of {runs}", flush=True)
        if rust_once:
            paired = paired_import(path, rust_once, runs)
            results.append(
                {"group": f"import/{label(rows)}", "function": "pandas_vs_rust_paired", **paired}
            )
            print(
                f"import/{label(rows)} paired: pandas {paired['python_median_ms']:.0f} ms, "
                f"Rust (child process) {paired['rust_median_ms']:.0f} ms, median ratio "
                f"{paired['ratio']:.1f}x (range {paired['ratio_min']:.1f}-{paired['ratio_max']:.1f})",
                flush=True,
            )

        cells = load_cells(files / size["export_file"])
        for name, formatted in [("xlsxwriter_plain", False), ("xlsxwriter_formatted", True)]:
            ms, times = median_ms(lambda: write_xlsx(cells, formatted), runs)
            results.append(
                {"group": f"export/{label(rows)}", "function": name,
                 "runs": runs, "median_ms": ms, "times_ms": times}
            )
            print(f"export/{label(rows)} {name}: median {ms:.0f} ms of {runs}", flush=True)
    return results


def rust_medians(path: Path) -> dict:
    """(group, function) → median ms from the bench's summary: the paired
    measurement where there is one, criterion's otherwise."""
    medians = {}
    results = json.loads(path.read_text(encoding="utf-8"))["results"]
    for kind in ["criterion", "paired"]:  # paired last: it wins
        for r in results:
            if r["kind"] == kind:
                medians[(r["group"], r["floor"])] = r["floor_median_ms"]
                medians[(r["group"], r["measured"])] = r["measured_median_ms"]
    return medians


def table(python: list[dict], rust_path: Path) -> None:
    rust = rust_medians(rust_path)
    results = json.loads(rust_path.read_text(encoding="utf-8"))["results"]
    py = {(r["group"], r["function"]): r["median_ms"] for r in python if "median_ms" in r}
    paired = {r["group"]: r for r in python if r["function"] == "pandas_vs_rust_paired"}
    groups = sorted({g for g, _ in rust} | {g for g, _ in py})
    print("\nMedians (ms)")
    print(f"  {'group':<12} {'function':<24} {'median':>10}")
    for g in groups:
        for (group, function), ms in sorted(rust.items()):
            if group == g:
                print(f"  {g:<12} {function + ' (Rust)':<24} {ms:>10.1f}")
        for (group, function), ms in sorted(py.items()):
            if group == g:
                print(f"  {g:<12} {function + ' (Python)':<24} {ms:>10.1f}")

    print("\nRatios")
    for r in results:
        print(
            f"  {r['group']:<12} {r['measured']} / {r['floor']}: "
            f"{r['ratio']:.2f}x ({r['kind']})"
        )
    for g in groups:
        ours_import = rust.get((g, "legacy_p135_read"))
        if ours_import and (g, "pandas_import") in py:
            ratio = py[(g, "pandas_import")] / ours_import
            verdict = "met" if ratio >= 10 else "NOT met"
            print(f"  {g:<12} pandas_import / legacy_p135_read: {ratio:.1f}x (goal >= 10x: {verdict})")
        if g in paired:
            ratio = paired[g]["ratio"]
            verdict = "met" if ratio >= 10 else "NOT met"
            print(
                f"  {g:<12} pandas_import / Rust import in a child process, paired: "
                f"{ratio:.1f}x (goal >= 10x: {verdict})"
            )
        ours_export = rust.get((g, "report_write_xlsx"))
        for name in ["xlsxwriter_formatted", "xlsxwriter_plain"]:
            if ours_export and (g, name) in py:
                print(f"  {g:<12} {name} (Python) / report_write_xlsx: {py[(g, name)] / ours_export:.2f}x")
        for name, floor in [("xlsxwriter_plain", "plain_xlsxwriter"), ("xlsxwriter_formatted", "formatted_xlsxwriter")]:
            if (g, floor) in rust and (g, name) in py:
                print(f"  {g:<12} {name} (Python) / {floor} (Rust): {py[(g, name)] / rust[(g, floor)]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=Path, required=True, help="the folder bench_files wrote")
    parser.add_argument("--out", type=Path, help="where to write the results (JSON)")
    parser.add_argument("--rust", type=Path, help="the Rust bench's BENCH_SUMMARY file")
    parser.add_argument("--runs", type=int, default=5, help="runs for 10k rows (default 5)")
    parser.add_argument("--runs-large", type=int, default=3, help="runs for 100k rows (default 3)")
    parser.add_argument("--rust-once", type=Path, help="the bench_once example, for paired import runs")
    args = parser.parse_args()
    print(
        f"Python {sys.version.split()[0]}, pandas {pd.__version__}, "
        f"openpyxl {openpyxl.__version__}, XlsxWriter {xlsxwriter.__version__}",
        flush=True,
    )
    results = measure(args.files, args.runs, args.runs_large, args.rust_once)
    if args.out:
        args.out.write_text(json.dumps({"results": results}, indent=2), encoding="utf-8")
    if args.rust and args.rust.exists():
        table(results, args.rust)


if __name__ == "__main__":
    main()
