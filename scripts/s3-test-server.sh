# Sourced by .ci/run: starts an S3-compatible server (moto, from PyPI, in a
# virtual environment kept under /var/tmp between runs) on 127.0.0.1 for the
# attachment-storage tests, exports S3_TEST_ENDPOINT and REQUIRE_S3=1, and
# stops it when the calling shell exits.
MOTO_VENV="${MOTO_VENV:-/var/tmp/dieu-hanh-so-moto}"
MOTO_PORT="${MOTO_PORT:-9199}"
if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
  python3 -m venv "$MOTO_VENV"
  "$MOTO_VENV/bin/pip" install -q 'moto[server]==5.*'
fi
"$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" > "$MOTO_VENV/server.log" 2>&1 &
MOTO_PID=$!
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -s -o /dev/null "http://127.0.0.1:$MOTO_PORT/" && break
  sleep 0.5
done
curl -s -o /dev/null "http://127.0.0.1:$MOTO_PORT/" || { echo "moto did not start"; cat "$MOTO_VENV/server.log"; exit 1; }
export S3_TEST_ENDPOINT="http://127.0.0.1:$MOTO_PORT"
export REQUIRE_S3=1
