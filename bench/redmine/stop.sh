#!/usr/bin/env bash
# Stops the Redmine peer started by serve.sh (the pid in $OUT/redmine.pid).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$REPO/bench/out}"
PIDFILE="$OUT/redmine.pid"

if [ ! -s "$PIDFILE" ]; then
  echo "no $PIDFILE: nothing to stop"
  exit 0
fi
pid="$(cat "$PIDFILE")"
# Only the process serve.sh started: timeout(1) running puma.
if ! kill -0 "$pid" 2>/dev/null || ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q puma; then
  echo "pid $pid is not running Redmine any more"
  rm -f "$PIDFILE"
  exit 0
fi
kill -TERM "$pid"   # timeout passes it on to puma and its workers
for _ in $(seq 1 30); do
  kill -0 "$pid" 2>/dev/null || { rm -f "$PIDFILE"; echo "Redmine stopped (pid $pid)"; exit 0; }
  sleep 1
done
# Still there after 30 s: end its process group (serve.sh made it a session of its own).
kill -KILL -- "-$pid" 2>/dev/null || true
rm -f "$PIDFILE"
echo "Redmine killed (pid $pid)"
