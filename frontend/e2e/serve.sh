#!/usr/bin/env bash
# The server for the end-to-end tests: the built SPA, a throwaway SQLite
# database with the demo data, 127.0.0.1 only. It stops when the test
# runner that started it goes away.
set -euo pipefail
frontend="$(cd "$(dirname "$0")/.." && pwd)"
root="$(dirname "$frontend")"
data="$frontend/test-results/e2e-data"
rm -rf "$data"
mkdir -p "$data"
cd "$root"
cargo build -q -p server
target="${CARGO_TARGET_DIR:-$root/target}"
export APP__DATABASE__URL="sqlite://$data/app.db"
export APP__DATA_DIR="$data"
export APP__SERVER__HOST=127.0.0.1
export APP__SERVER__PORT="${E2E_PORT:-18181}"
export APP__SERVER__STATIC_DIR="$frontend/dist"
export APP__LOG__FILTER=warn
runner="${E2E_RUNNER_PID:-$PPID}"
"$target/debug/server" serve --demo &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT INT TERM
while kill -0 "$runner" 2>/dev/null && kill -0 "$server" 2>/dev/null; do
  sleep 1
done
