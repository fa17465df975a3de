#!/usr/bin/env python3
"""Load tests of the release server on loopback, with oha as the load
generator, on SQLite and PostgreSQL, at several history sizes, with the
framework floor (a bare actix-web handler serving the same JSON) and,
optionally, Redmine 5 from Debian serving the same tasks as issues.

    python3 bench/load.py                      # the full set (see --help)
    python3 bench/load.py --quick              # SQLite, 10k tasks, 1 run each
    python3 bench/load.py --scales 10000 1000000 --backends sqlite postgres --redmine

Databases are generated once with `server seed --scale N` and kept in
bench/out/load/ (SQLite files; PostgreSQL databases `bench_scale_N`) for
later runs; `--fresh` regenerates them. Every server started here listens on
127.0.0.1 and stops by itself (`timeout`). Results: bench/out/load/results.json
and a Markdown summary on standard output (the figures in BENCHMARKS.md).
Only the Python standard library is used.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "load"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
# BENCH_SERVER: another build of the server to measure (say, before a change).
SERVER = Path(os.environ.get("BENCH_SERVER", TARGET / "release" / "server"))
FLOOR = TARGET / "release" / "examples" / "floor"
OHA_VERSION = "1.16.0"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
PASSWORD = "thuchanh2026"  # the demo accounts' password
PORT = int(os.environ.get("BENCH_PORT", "18300"))
# The longest any server started here may live.
SERVER_LIFETIME = "3600"


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run(cmd, **kw):
    log("$", " ".join(str(c) for c in cmd))
    return subprocess.run(cmd, check=True, **kw)


def oha_binary():
    for candidate in (
        os.environ.get("OHA"),
        shutil.which("oha"),
        str(ROOT / "bench" / ".tools" / "bin" / "oha"),
    ):
        if candidate and Path(candidate).is_file():
            return candidate
    log(f"oha is missing: installing oha {OHA_VERSION} from crates.io into bench/.tools")
    run(["cargo", "install", "--locked", f"oha@{OHA_VERSION}", "--root", str(ROOT / "bench" / ".tools")])
    return str(ROOT / "bench" / ".tools" / "bin" / "oha")


def build():
    run(["cargo", "build", "--release", "-p", "server", "--bin", "server", "--example", "floor"], cwd=ROOT)


def psql(sql, db="postgres"):
    return subprocess.run(
        ["psql", f"{PG}/{db}", "-v", "ON_ERROR_STOP=1", "-tAc", sql],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


def database(backend, scale, fresh):
    """The URL of a database holding the scale data set (generated when
    missing) and the seconds generating it took (None when reused)."""
    OUT.mkdir(parents=True, exist_ok=True)
    if backend == "sqlite":
        path = OUT / f"sqlite-{scale}.db"
        url = f"sqlite://{path}"
        marker = OUT / f"sqlite-{scale}.seeded"
        if marker.exists() and path.exists() and not fresh:
            return url, None
        for p in OUT.glob(f"sqlite-{scale}.db*"):
            p.unlink()
        marker.unlink(missing_ok=True)
    else:
        name = f"bench_scale_{scale}"
        url = f"{PG}/{name}"
        exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
        if exists and not fresh:
            seeded = psql("SELECT COUNT(*) FROM app_meta WHERE key = 'scale_seeded'", name)
            if seeded == "1":
                return url, None
        psql(f"DROP DATABASE IF EXISTS {name}")
        psql(f"CREATE DATABASE {name}")
        marker = None
    started = time.monotonic()
    run([str(SERVER), "seed", "--scale", str(scale)], env=server_env(url), cwd=ROOT)
    took = time.monotonic() - started
    if marker:
        marker.write_text(f"{took:.1f}\n")
    return url, took


def server_env(url):
    env = dict(os.environ)
    env.update({
        "APP__DATABASE__URL": url,
        "APP__SERVER__HOST": "127.0.0.1",
        "APP__SERVER__PORT": str(PORT),
        "APP__DATA_DIR": str(OUT / "data"),
        "APP__LOG__FILTER": "warn",
        # Every board request is computed: the deployed default caches the
        # board for 15 s, which would hide its cost.
        "APP__SERVER__BOARD_CACHE_SECONDS": "0",
        # Sign-in is not measured; the throttle must not refuse the script.
        "APP__AUTH__MAX_FAILURES_PER_ADDR": "1000",
        # Nor may the per-account limit on reports (statistics, exports).
        "APP__SERVER__REPORTS_PER_MINUTE": "0",
    })
    return env


class Server:
    def __init__(self, cmd, env, health):
        self.proc = subprocess.Popen(
            ["timeout", SERVER_LIFETIME, *cmd], env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL, stderr=open(OUT / "server.log", "ab"),
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(health, timeout=2).read()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{cmd[0]} did not start (see {OUT / 'server.log'})")
                time.sleep(0.2)

    def pid(self):
        """The served process (the child of `timeout`)."""
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return int(children[0]) if children else self.proc.pid

    def rss_kb(self, field="VmRSS"):
        for line in Path(f"/proc/{self.pid()}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        return 0

    def stop(self):
        os.killpg(self.proc.pid, 15)
        self.proc.wait(timeout=60)


def call(method, path, token=None, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}", data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.loads(res.read())


def login(username):
    return call("POST", "/api/v1/auth/login", body={"username": username, "password": PASSWORD})["access_token"]


def unit_id(token, name, kind):
    q = urllib.parse.quote(name)
    found = call("GET", f"/api/v1/org-units?q={q}&kind={kind}&limit=50", token)
    items = found["items"] if isinstance(found, dict) else found
    return next(u["id"] for u in items if u["name"] == name)


def endpoints(year):
    """(name, account, path) of every measured request; a path may name
    {province}, {office}, {programme} and {round}, filled in per database."""
    return [
        ("task list", "lanhdao.ubnd", "/api/v1/tasks?state=in_progress&sort=deadline&limit=50"),
        ("task search", "lanhdao.ubnd",
         "/api/v1/tasks?q=giai%20ngan&timeliness=overdue&sort=deadline&limit=50"),
        # The year's work (the default), and every task ever (grows with
        # history by its nature).
        ("task statistics", "lanhdao.ubnd", "/api/v1/task-stats"),
        ("task statistics, all time", "lanhdao.ubnd", "/api/v1/task-stats?period=all"),
        ("wall board", None, "/api/v1/board?token={board}"),
        ("fund report", "von.quanly",
         f"/api/v1/fund-reports/allocation?unit_id={{province}}&programme_id={{programme}}&year_from={year}"),
        ("NTM statistics", "ntm.dieuphoi", "/api/v1/ntm-stats?round_id={round}"),
    ]


def context(year):
    """Ids the measured paths need, and a board token for the office."""
    admin = login("admin")
    province = unit_id(admin, "Tỉnh Phú Thọ", "province")
    office = unit_id(admin, "Văn phòng UBND tỉnh Phú Thọ", "agency")
    programmes = call("GET", "/api/v1/programmes", admin)
    programmes = programmes["items"] if isinstance(programmes, dict) else programmes
    programme = next(p["id"] for p in programmes if p["code"] == "P135")
    rounds = call("GET", "/api/v1/evaluation-rounds?limit=100", login("ntm.dieuphoi"))
    rounds = rounds["items"] if isinstance(rounds, dict) else rounds
    round_id = next(r["id"] for r in rounds if r["name"] == f"Đánh giá năm {year - 1}")
    board = call("POST", "/api/v1/board-tokens", login("vp.lanhdao"),
                 {"name": "Phòng họp (đo tải)", "unit_id": office})["token"]
    return {"province": province, "office": office, "programme": programme,
            "round": round_id, "board": board}


def oha(url, seconds, connections, headers=()):
    # -w: requests still running at the deadline are awaited and counted
    # (without it a request slower than the run would count as nothing).
    cmd = [OHA, "-z", f"{seconds}s", "-w", "-c", str(connections), "--no-tui", "--output-format", "json"]
    for h in headers:
        cmd += ["-H", h]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout
    result = json.loads(out)
    codes = result.get("statusCodeDistribution", {})
    bad = {k: v for k, v in codes.items() if k != "200"}
    if bad or not codes:
        raise RuntimeError(f"{url}: answers other than 200: {codes}")
    return {
        "rps": result["summary"]["requestsPerSec"],
        "p50_ms": result["latencyPercentiles"]["p50"] * 1000,
        "p99_ms": result["latencyPercentiles"]["p99"] * 1000,
        "requests": sum(codes.values()),
    }


def measure(url, args, headers=(), sample=None):
    """Warm-up, then `args.runs` runs; the median of each figure."""
    oha(url, 2, args.connections, headers)
    runs = []
    for _ in range(args.runs):
        stop = threading.Event()
        peak = [0]
        if sample:
            def sampler():
                while not stop.is_set():
                    peak[0] = max(peak[0], sample())
                    time.sleep(0.2)
            t = threading.Thread(target=sampler)
            t.start()
        try:
            runs.append(oha(url, args.seconds, args.connections, headers))
        finally:
            stop.set()
            if sample:
                t.join()
        runs[-1]["peak_rss_kb"] = peak[0]
    return {
        "rps": statistics.median(r["rps"] for r in runs),
        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
        "p99_ms": statistics.median(r["p99_ms"] for r in runs),
        "peak_rss_kb": max(r["peak_rss_kb"] for r in runs),
        "runs": runs,
    }


def bench_config(backend, scale, args, year):
    url, seeded = database(backend, scale, args.fresh)
    server = Server([str(SERVER), "serve"], server_env(url), f"http://127.0.0.1:{PORT}/health")
    result = {"backend": backend, "scale": scale, "seed_seconds": seeded, "endpoints": {}}
    try:
        ids = context(year)
        time.sleep(1)
        # Anonymous memory (heap, stacks): SQLite connections map the
        # database file, and its pages, the operating system's shared page
        # cache, would count in VmRSS once per connection's mapping.
        result["idle_rss_kb"] = server.rss_kb("RssAnon")
        tokens = {}
        for name, account, path in endpoints(year):
            if args.only and name not in args.only:
                continue
            if account and account not in tokens:
                tokens[account] = login(account)
            headers = [f"Authorization: Bearer {tokens[account]}"] if account else []
            target = f"http://127.0.0.1:{PORT}{path.format(**ids)}"
            log(f"[{backend} {scale}] {name}")
            result["endpoints"][name] = measure(target, args, headers, lambda: server.rss_kb("RssAnon"))
        result["peak_rss_kb"] = max([e["peak_rss_kb"] for e in result["endpoints"].values()],
                                    default=result["idle_rss_kb"])
        # The task list's answer, for the floor to serve.
        body = call("GET", endpoints(year)[0][2], login("lanhdao.ubnd"))
        (OUT / "task-list.json").write_text(json.dumps(body, ensure_ascii=False))
        result["task_list_bytes"] = len(json.dumps(body, ensure_ascii=False).encode())
    finally:
        server.stop()
    return result


def bench_floor(args):
    body = OUT / "task-list.json"
    floor = Server([str(FLOOR), str(body), str(PORT)], dict(os.environ), f"http://127.0.0.1:{PORT}/")
    try:
        log("[floor] bare actix-web handler")
        return measure(f"http://127.0.0.1:{PORT}/api/v1/tasks", args)
    finally:
        floor.stop()


def bench_redmine(scale, args):
    """Redmine on the same tasks (exported from the PostgreSQL data set of
    this size), serving the equivalent filter."""
    scripts = ROOT / "bench" / "redmine"
    csv = OUT / f"tasks-{scale}.csv"
    name = f"bench_scale_{scale}"
    with open(csv, "w") as f:
        subprocess.run(
            ["psql", f"{PG}/{name}", "-v", "ON_ERROR_STOP=1", "-c",
             "\\copy (SELECT t.id, p.code AS province_code, l.name AS lead_unit, d.number AS directive_number,"
             " t.content, t.state, t.deadline, t.progress_percent, t.completed_on,"
             " to_char(t.created_at, 'YYYY-MM-DD HH24:MI:SS') AS created_at"
             " FROM tasks t JOIN directives d ON d.id = t.directive_id"
             " JOIN org_units p ON p.id = t.issuing_unit_id JOIN org_units l ON l.id = t.lead_unit_id"
             " ORDER BY t.id) TO STDOUT WITH CSV HEADER"],
            check=True, stdout=f,
        )
    env = dict(os.environ, OUT=str(OUT / "redmine"))
    (OUT / "redmine").mkdir(exist_ok=True)
    run([str(scripts / "setup.sh")], env=env)
    started = time.monotonic()
    run([str(scripts / "load.sh"), str(csv)], env=env)
    loaded = time.monotonic() - started
    port = PORT + 1
    run([str(scripts / "serve.sh"), str(port)], env=env)
    try:
        key = (OUT / "redmine" / "redmine.key").read_text().strip()
        status = "2"
        env_file = OUT / "redmine" / "redmine.env"
        if env_file.exists():
            for line in env_file.read_text().splitlines():
                if line.startswith("IN_PROGRESS_STATUS_ID="):
                    status = line.split("=", 1)[1].strip()
        url = (f"http://127.0.0.1:{port}/issues.json?project_id=tinh-25&status_id={status}"
               "&sort=due_date&limit=50")
        log("[redmine] issues.json")
        result = measure(url, args, [f"X-Redmine-API-Key: {key}"])
        result["load_seconds"] = loaded
        return result
    finally:
        run([str(scripts / "stop.sh")], env=env)


def ratio(a, b):
    return a / b if b else float("nan")


def summary(results):
    lines = []
    for r in results["configs"]:
        lines.append(f"\n### {r['backend']}, {r['scale']:,} tasks "
                     f"(anonymous RSS idle {r['idle_rss_kb'] / 1024:.0f} MB, peak {r['peak_rss_kb'] / 1024:.0f} MB)\n")
        lines.append("| request | req/s | p50 ms | p99 ms | peak anonymous RSS MB |")
        lines.append("|---|---:|---:|---:|---:|")
        for name, e in r["endpoints"].items():
            lines.append(f"| {name} | {e['rps']:.0f} | {e['p50_ms']:.1f} | {e['p99_ms']:.1f} | "
                         f"{e['peak_rss_kb'] / 1024:.0f} |")
    by = {(r["backend"], r["scale"]): r for r in results["configs"]}
    scales = sorted({r["scale"] for r in results["configs"]})
    if len(scales) > 1:
        lo, hi = scales[0], scales[-1]
        lines.append(f"\n### Scaling: p50 latency at {hi:,} tasks / at {lo:,} (goal ≤ 1.5)\n")
        lines.append("| backend | request | ratio |")
        lines.append("|---|---|---:|")
        for backend in sorted({r["backend"] for r in results["configs"]}):
            if (backend, lo) in by and (backend, hi) in by:
                for name in by[(backend, lo)]["endpoints"]:
                    a = by[(backend, hi)]["endpoints"][name]["p50_ms"]
                    b = by[(backend, lo)]["endpoints"][name]["p50_ms"]
                    lines.append(f"| {backend} | {name} | {ratio(a, b):.2f} |")
    if "floor" in results and "task list" in results["configs"][-1]["endpoints"]:
        last = results["configs"][-1]
        ours = last["endpoints"]["task list"]["rps"]
        lines.append(f"\n### Task list against the framework floor ({last['backend']}, {last['scale']:,})\n")
        lines.append(f"floor {results['floor']['rps']:.0f} req/s, ours {ours:.0f} req/s: "
                     f"ours / floor = {ratio(ours, results['floor']['rps']):.3f}")
    if "redmine" in results:
        red = results["redmine"]
        mine = by.get(("postgres", red["scale"])) or by.get(("sqlite", red["scale"]))
        ours = mine["endpoints"]["task list"]["rps"]
        lines.append(f"\n### Task list against Redmine 5 (PostgreSQL, {red['scale']:,} tasks)\n")
        lines.append(f"Redmine {red['rps']:.1f} req/s (p50 {red['p50_ms']:.0f} ms), ours {ours:.0f} req/s: "
                     f"ours / Redmine = {ratio(ours, red['rps']):.1f} (goal ≥ 20)")
    return "\n".join(lines)


def main():
    global OHA
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backends", nargs="+", default=["sqlite", "postgres"], choices=["sqlite", "postgres"])
    ap.add_argument("--scales", nargs="+", type=int, default=[10_000, 1_000_000])
    ap.add_argument("--seconds", type=int, default=10, help="length of one measured run")
    ap.add_argument("--runs", type=int, default=3, help="measured runs per request (median)")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--redmine", action="store_true", help="Redmine at the smallest scale (PostgreSQL)")
    ap.add_argument("--no-floor", action="store_true")
    ap.add_argument("--fresh", action="store_true", help="regenerate the databases")
    ap.add_argument("--quick", action="store_true", help="SQLite, 10k tasks, one 5 s run per request")
    ap.add_argument("--only", nargs="+", help="measure only these requests (by name, e.g. 'task list')")
    ap.add_argument("--results", default="results.json", help="file name in bench/out/load/")
    args = ap.parse_args()
    if args.quick:
        args.backends, args.scales, args.seconds, args.runs = ["sqlite"], [10_000], 5, 1
    OHA = oha_binary()
    if "BENCH_SERVER" not in os.environ:
        build()
    year = int(time.strftime("%Y"))
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} cores, {os.uname().release}",
        "connections": args.connections, "seconds": args.seconds, "runs": args.runs,
        "configs": [],
    }
    for backend in args.backends:
        for scale in args.scales:
            results["configs"].append(bench_config(backend, scale, args, year))
            (OUT / args.results).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    if not args.no_floor:
        results["floor"] = bench_floor(args)
    if args.redmine:
        scale = min(args.scales)
        database("postgres", scale, False)
        results["redmine"] = bench_redmine(scale, args)
        results["redmine"]["scale"] = scale
    (OUT / args.results).write_text(json.dumps(results, indent=1, ensure_ascii=False))
    print(summary(results))


if __name__ == "__main__":
    main()
