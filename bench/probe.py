#!/usr/bin/env python3
"""One request at a time: for each request of bench/load.py, the median
latency of N requests sent one after another (after 3 warm-ups) and the
server's CPU time per request (user + system, from /proc before and after).
Without concurrency the figures move less with the machine's load than the
load tests' do, and the CPU time shows what a request costs the server
alone (on PostgreSQL the database's own CPU is not in it).

    python3 bench/probe.py --backend sqlite --scale 1000000
    BENCH_SERVER=/path/to/other/server python3 bench/probe.py --backend postgres --scale 10000

The databases are those of bench/load.py (generated there when missing).
"""

import argparse
import os
import statistics
import time
from pathlib import Path

import load


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--scale", type=int, default=10_000)
    ap.add_argument("--requests", type=int, default=30, help="timed requests per path")
    ap.add_argument("--only", nargs="+", help="these requests only (names as in bench/load.py)")
    args = ap.parse_args()

    url, _ = load.database(args.backend, args.scale, fresh=False)
    server = load.Server([str(load.SERVER), "serve"], load.server_env(url),
                         f"http://127.0.0.1:{load.PORT}/health")
    try:
        year = time.localtime().tm_year
        ids = load.context(year)
        tokens = {}
        print(f"| {args.backend}, {args.scale:,} tasks | median ms | server CPU ms per request |")
        print("|---|---:|---:|")
        for name, account, path in load.endpoints(year):
            if args.only and name not in args.only:
                continue
            path = path.format(**ids)
            token = tokens.setdefault(account, load.login(account)) if account else None
            for _ in range(3):
                load.call("GET", path, token)
            took = []
            before = cpu_seconds(server.pid())
            for _ in range(args.requests):
                started = time.perf_counter()
                load.call("GET", path, token)
                took.append((time.perf_counter() - started) * 1000)
            cpu = (cpu_seconds(server.pid()) - before) * 1000 / args.requests
            print(f"| {name} | {statistics.median(took):.2f} | {cpu:.2f} |", flush=True)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
