#!/usr/bin/env bash
# Starts the Redmine peer in production, on 127.0.0.1:PORT, in the background,
# and returns once it answers the API.
#
#   bench/redmine/serve.sh PORT        # then bench/redmine/stop.sh
#
# Environment:
#   OUT           pid file redmine.pid and log redmine.log (default <repo>/bench/out)
#   WORKERS       puma worker processes (default 2: one per core)
#   THREADS       threads per worker (default 4)
#   MAX_SECONDS   the server stops by itself after this long (default 3600)
#
# Why 2 x 4: the machine has 2 cores and our server runs 2 actix workers. Ruby
# runs one thread at a time per process (the GVL), so a process per core is
# what uses both cores; a few threads per process let one request run Ruby
# while others wait for PostgreSQL. More workers only add memory and context
# switches on 2 cores (see README.md for the measured alternatives).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$REPO/bench/out}"
PORT="${1:?usage: serve.sh PORT}"
WORKERS="${WORKERS:-2}"
THREADS="${THREADS:-4}"
MAX_SECONDS="${MAX_SECONDS:-3600}"
REDMINE_DIR=/usr/share/redmine
PIDFILE="$OUT/redmine.pid"
LOG="$OUT/redmine.log"

[[ "$PORT" =~ ^[0-9]+$ ]] || { echo "PORT must be a number" >&2; exit 1; }
command -v puma >/dev/null || { echo "puma is not installed: run setup.sh first" >&2; exit 1; }
mkdir -p "$OUT"
if [ -s "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "Redmine already running (pid $(cat "$PIDFILE")); run stop.sh first" >&2
  exit 1
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "port $PORT is already in use" >&2
  exit 1
fi

# timeout(1) is the process recorded in the pid file: it ends puma (and its
# workers, which share its process group) after MAX_SECONDS, or when stop.sh
# sends it SIGTERM. setpriv execs puma as www-data without a forking wrapper.
cd "$REDMINE_DIR"
setsid timeout --kill-after=20 "$MAX_SECONDS" \
  setpriv --reuid=www-data --regid=www-data --init-groups -- \
  env HOME=/tmp RAILS_ENV=production REDMINE_INSTANCE=default \
  puma --environment production --bind "tcp://127.0.0.1:$PORT" \
       --workers "$WORKERS" --threads "$THREADS:$THREADS" config.ru \
  </dev/null >"$LOG" 2>&1 &
pid=$!
echo "$pid" >"$PIDFILE"

key=""
[ -r "$OUT/redmine.key" ] && key="$(cat "$OUT/redmine.key")"
for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "Redmine exited while starting; log: $LOG" >&2
    tail -n 20 "$LOG" >&2
    rm -f "$PIDFILE"
    exit 1
  fi
  code="$(curl -s -o /dev/null -w '%{http_code}' -H "X-Redmine-API-Key: $key" \
          "http://127.0.0.1:$PORT/issues.json?limit=1" || true)"
  if [ "$code" = 200 ]; then
    # one request per worker so neither pays its first-request cost later
    for _ in $(seq 1 $((WORKERS * 2))); do
      curl -s -o /dev/null -H "X-Redmine-API-Key: $key" "http://127.0.0.1:$PORT/issues.json?limit=1" || true
    done
    echo "Redmine on http://127.0.0.1:$PORT (pid $pid, $WORKERS workers x $THREADS threads, stops by itself in ${MAX_SECONDS}s)"
    exit 0
  fi
  sleep 1
done
echo "Redmine did not answer within 120 s; log: $LOG" >&2
kill -TERM "$pid" 2>/dev/null || true
rm -f "$PIDFILE"
exit 1
