#!/usr/bin/env python3
"""Ratios of criterion medians to their floor, per benchmark group: in each
group the function named `floor_*` (or given with --floor) is the floor.

    python3 bench/ratios.py timeliness permission fold money

Reads `$CARGO_TARGET_DIR/criterion/<group>/<function>/new/estimates.json`
(the last run of each), so run the bench first.
"""

import argparse
import json
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("groups", nargs="+")
    args = ap.parse_args()
    base = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "criterion"
    print("| group | function | median | floor median | ratio |")
    print("|---|---|---:|---:|---:|")
    for group in args.groups:
        medians = {}
        for estimates in sorted((base / group).glob("*/new/estimates.json")):
            name = estimates.parent.parent.name
            medians[name] = json.loads(estimates.read_text())["median"]["point_estimate"]
        floors = [n for n in medians if n.startswith("floor")]
        if len(floors) != 1:
            raise SystemExit(f"{group}: expected one floor_* function, found {floors or 'none'}")
        floor = medians[floors[0]]
        for name, median in medians.items():
            if name != floors[0]:
                print(f"| {group} | {name} | {fmt(median)} | {fmt(floor)} | {median / floor:.2f} |")


def fmt(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2f} {unit}"
    return f"{ns:.0f} ns"


if __name__ == "__main__":
    main()
