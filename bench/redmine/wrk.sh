#!/usr/bin/env bash
# Throughput of the query.sh request against a running Redmine peer (serve.sh),
# with wrk, plus the CPU the Redmine processes spent per request, a figure that
# holds up better than requests/s when other work shares the 2 cores.
#
#   bench/redmine/wrk.sh PORT [SECONDS=10] [CONNECTIONS=8]
#
# Only 127.0.0.1 is targeted; wrk stops after SECONDS.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$REPO/bench/out}"
PORT="${1:?usage: wrk.sh PORT [SECONDS] [CONNECTIONS]}"
SECONDS_="${2:-10}"
CONNS="${3:-8}"
PROVINCE="${PROVINCE:-25}"
key="$(cat "$OUT/redmine.key")"
IN_PROGRESS_STATUS_ID=2
# shellcheck disable=SC1091
[ -r "$OUT/redmine.env" ] && . "$OUT/redmine.env"
url="http://127.0.0.1:$PORT/issues.json?project_id=tinh-$PROVINCE&status_id=$IN_PROGRESS_STATUS_ID&sort=due_date&limit=50"
pid="$(cat "$OUT/redmine.pid")"

# CPU ticks (user + system) of every process in serve.sh's process group.
ticks() {
  local sum=0 p
  for p in $(pgrep -g "$pid"); do
    # fields 14 and 15 of /proc/PID/stat, after the "(comm)" field
    read -r u s < <(sed -e 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{ print $12, $13 }') || continue
    sum=$((sum + u + s))
  done
  echo "$sum"
}
hz="$(getconf CLK_TCK)"

# warm-up: a few requests per worker
for _ in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null -H "X-Redmine-API-Key: $key" "$url"; done

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
before="$(ticks)"
res="$(wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --timeout 10s --latency -H "X-Redmine-API-Key: $key" "$url")"
after="$(ticks)"
echo "$res"
reqs="$(echo "$res" | awk '/requests in/ { print $1 }')"
awk -v t=$((after - before)) -v hz="$hz" -v n="$reqs" \
  'BEGIN { if (n > 0) printf "Redmine CPU: %.1f ms per request (%d requests)\n", 1000 * t / hz / n, n }'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
