#!/usr/bin/env bash
# Spec fuzzing: schemathesis (pinned in requirements.txt, installed into a
# virtual environment) against a live server, over every operation of
# openapi/openapi.json, signed in as the system administrator of the demo
# data, on a throwaway SQLite database. Every check runs, with our own in
# place of `positive_data_acceptance` (hooks.py says why); the run fails on
# any server error, any response the spec does not describe, and any
# request the spec allows that is refused for its form.
#
#   tests/spec-fuzz/run.sh                  # the bounded run of make test
#   SPEC_FUZZ_EXAMPLES=500 tests/spec-fuzz/run.sh   # a longer one
#
# The report (JUnit and NDJSON) lands in target/spec-fuzz/.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
target="${CARGO_TARGET_DIR:-$root/target}"
out="$target/spec-fuzz"
venv="${SPEC_FUZZ_VENV:-$target/spec-fuzz-venv}"
examples="${SPEC_FUZZ_EXAMPLES:-25}"
seed="${SPEC_FUZZ_SEED:-20261203}"

# The virtual environment, (re)built when the pins change.
stamp="$venv/.requirements"
if ! cmp -s "$here/requirements.txt" "$stamp" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$stamp"
fi

cargo build -q -p server
rm -rf "$out"
mkdir -p "$out/data"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

# The report limit and the sign-in throttle would answer a fuzzer with 429;
# both have their own tests.
APP__DATABASE__URL="sqlite://$out/data/app.db" \
  APP__DATA_DIR="$out/data" \
  APP__SERVER__HOST=127.0.0.1 \
  APP__SERVER__PORT="$port" \
  APP__SERVER__REPORTS_PER_MINUTE=0 \
  APP__AUTH__MAX_FAILURES_PER_USER=1000000 \
  APP__AUTH__MAX_FAILURES_PER_ADDR=1000000 \
  APP__AUTH__ACCESS_TTL_SECONDS=86400 \
  APP__LOG__FILTER=error \
  "$target/debug/server" serve --demo >"$out/server.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
# The server also stops if this script is killed outright.
(while kill -0 $$ 2>/dev/null; do sleep 1; done; kill "$server" 2>/dev/null) &
for _ in $(seq 1 300); do
  curl -fs "$base/ready" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$out/server.log" >&2; exit 1; }
  sleep 0.2
done

token="$(curl -fsS -H 'Content-Type: application/json' \
  -d '{"username":"admin","password":"thuchanh2026"}' "$base/api/v1/auth/login" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')"

status=0
# Run from the output folder, where schemathesis keeps its example database.
cd "$out"
PYTHONPATH="$here" SCHEMATHESIS_HOOKS=hooks "$venv/bin/st" run "$root/openapi/openapi.json" \
  --url "$base" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --exclude-checks positive_data_acceptance \
  --max-examples "$examples" \
  --seed "$seed" \
  --workers 2 \
  --request-timeout 30 \
  --suppress-health-check too_slow,filter_too_much \
  --report junit,ndjson --report-dir "$out" \
  --output-truncate false || status=$?

# A server that panicked or died fails the run whatever schemathesis said.
if ! kill -0 "$server" 2>/dev/null; then
  echo "the server stopped during the run" >&2
  status=1
elif grep -q "panicked" "$out/server.log"; then
  grep -n "panicked" "$out/server.log" >&2
  status=1
fi
exit "$status"
