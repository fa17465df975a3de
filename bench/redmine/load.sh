#!/usr/bin/env bash
# Loads a task CSV into the Redmine peer (see load.rb for the mapping), replacing
# what an earlier run loaded.
#
#   bench/redmine/load.sh tasks.csv
#
# Environment: OUT (default <repo>/bench/out) receives redmine.env with the ids
# query.sh needs; BATCH (default 5000) rows per INSERT. Runs as root; Redmine
# runs as www-data, reading the CSV on its standard input, so the file need not
# be readable by www-data.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$REPO/bench/out}"
REDMINE_DIR=/usr/share/redmine
CSV_FILE="${1:?usage: load.sh tasks.csv}"
[ -r "$CSV_FILE" ] || { echo "cannot read $CSV_FILE" >&2; exit 1; }
[ -d "$REDMINE_DIR" ] || { echo "Redmine is not installed: run setup.sh first" >&2; exit 1; }
mkdir -p "$OUT"

# load.rb and the province names go to a temporary folder www-data can read.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
install -m 0644 "$HERE/load.rb" "$tmp/load.rb"
provinces="$REPO/data/reference/admin_province_mapping_2025.csv"
if [ -r "$provinces" ]; then
  install -m 0644 "$provinces" "$tmp/provinces.csv"
fi
chmod 0755 "$tmp"

start=$(date +%s.%N)
(cd "$REDMINE_DIR" && runuser -u www-data -- env RAILS_ENV=production REDMINE_INSTANCE=default \
   BATCH="${BATCH:-5000}" PROVINCES_CSV="$tmp/provinces.csv" \
   bundle exec rails runner "$tmp/load.rb" - <"$CSV_FILE") | tee "$tmp/out.txt"
end=$(date +%s.%N)
grep -E '^[A-Z_]+=[0-9]+$' "$tmp/out.txt" >"$OUT/redmine.env"
awk -v a="$start" -v b="$end" 'BEGIN { printf "load.sh: %.1f s wall (Rails boot included)\n", b - a }'
