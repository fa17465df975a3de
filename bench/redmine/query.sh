#!/usr/bin/env bash
# Prints the Redmine request equivalent to our
#   GET /api/v1/tasks?state=in_progress&sort=deadline&limit=50
# for the demo province (code 25, project tinh-25), then sends it once and
# shows that it returns 50 issues.
#
#   bench/redmine/query.sh PORT
#
# Reads $OUT/redmine.key (setup.sh) and $OUT/redmine.env (load.sh).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$REPO/bench/out}"
PORT="${1:?usage: query.sh PORT}"
PROVINCE="${PROVINCE:-25}"

key="$(cat "$OUT/redmine.key")"
IN_PROGRESS_STATUS_ID=2 # Redmine's default "In Progress"; load.sh records the real id
# shellcheck disable=SC1091
[ -r "$OUT/redmine.env" ] && . "$OUT/redmine.env"

url="http://127.0.0.1:$PORT/issues.json?project_id=tinh-$PROVINCE&status_id=$IN_PROGRESS_STATUS_ID&sort=due_date&limit=50"
echo "URL:    $url"
echo "header: X-Redmine-API-Key: $key"
echo "curl:   curl -s -H 'X-Redmine-API-Key: $key' '$url'"
echo "wrk:    wrk -t2 -c8 -d10s -H 'X-Redmine-API-Key: $key' '$url'"

body="$(mktemp)"
trap 'rm -f "$body"' EXIT
code="$(curl -s -o "$body" -w '%{http_code} %{time_total}' -H "X-Redmine-API-Key: $key" "$url")"
echo "answer: HTTP ${code% *} in ${code#* } s, $(wc -c <"$body") bytes"
# ruby comes with Redmine
ruby -rjson -e '
  j = JSON.parse(File.read(ARGV[0]))
  is = j["issues"]
  puts "issues: #{is.size} of total_count #{j["total_count"]}"
  is.first(3).each { |i| puts "  ##{i["id"]} due #{i["due_date"].inspect} #{i["status"]["name"]} #{i["done_ratio"]}% #{i["project"]["name"]} / #{i.dig("category", "name")}: #{i["subject"][0, 60]}" }
  dues = is.map { |i| i["due_date"] }
  ok = dues.compact == dues.compact.sort && dues.index(nil).then { |n| n.nil? || dues[n..].all?(&:nil?) }
  puts "sorted by due_date ascending (empty last): #{ok}"
  exit(is.size == 50 ? 0 : 1)
' "$body"
