#!/usr/bin/env bash
# Excel import/export benchmarks with their Python peers, on the same files:
#
#   1. a virtualenv at bench/.venv with bench/excel/requirements.txt (pinned);
#   2. the inputs, written by the Rust generators the bench uses
#      (crates/interchange/examples/bench_files.rs) into bench/out: the P135
#      .xlsx files the import bench reads and the export bench's cells;
#   3. the Rust criterion bench (crates/interchange/benches/interchange.rs),
#      which checks that it imports the very bytes written in step 2, prints
#      its ratios and writes them to bench/out/rust.json;
#   4. the Python peers (bench/excel/peers.py): pandas.read_excel with a
#      clerk's header and totals check (also paired, run for run, with the
#      Rust import in a child process), and XlsxWriter on the export cells;
#      then a table of medians and ratios of both.
#
# Usage (from anywhere; arguments go to criterion, e.g. a filter):
#   bench/excel/run.sh                # everything (about 15 minutes on 2 cores)
#   bench/excel/run.sh import/10k     # one group (the Python peers run whole)
# Environment: CARGO_TARGET_DIR as for cargo; PAIRED_ROUNDS (see the bench);
# RUNS, RUNS_LARGE: Python runs per median at 10k (default 5) and 100k (3).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$root/bench/out"
venv="$root/bench/.venv"
cd "$root"
mkdir -p "$out"

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r bench/excel/requirements.txt

echo "== inputs (bench/out)"
cargo run --quiet --release -p interchange --example bench_files -- "$out"
# The Rust import alone, for the Python peers' paired runs.
cargo build --quiet --release -p interchange --example bench_once
once="${CARGO_TARGET_DIR:-$root/target}/release/examples/bench_once"

echo "== Rust: cargo bench -p interchange --bench interchange $*"
uptime
BENCH_SUMMARY="$out/rust.json" BENCH_FILES="$out" \
    cargo bench -p interchange --bench interchange -- "$@"
uptime

echo "== Python peers"
"$venv/bin/python" bench/excel/peers.py --files "$out" --out "$out/python.json" \
    --rust "$out/rust.json" --rust-once "$once" \
    --runs "${RUNS:-5}" --runs-large "${RUNS_LARGE:-3}"
uptime
