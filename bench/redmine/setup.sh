#!/usr/bin/env bash
# Installs Redmine 5 (Debian packages) as a load-test peer, on the local
# PostgreSQL, in a database of its own (redmine_bench). Idempotent: every step
# checks before it acts, so running it again is cheap and changes nothing.
#
#   bench/redmine/setup.sh
#
# Environment:
#   OUT          where the admin API key is written (default: <repo>/bench/out)
#   PGHOST       PostgreSQL host (default 127.0.0.1), PGPORT (default 5432)
#   PGUSER       PostgreSQL user (default postgres, trust auth)
#   REDMINE_DB   database name (default redmine_bench)
#   REDMINE_LANG language of Redmine's default data (default en: the status
#                names that load.rb maps onto are the English ones)
#
# Only the database REDMINE_DB is created or changed; no other database is
# touched. dbconfig-common is bypassed (dbconfig-no-thanks), so the package
# neither prompts nor creates a database or role of its own.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
OUT="${OUT:-$REPO/bench/out}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
REDMINE_DB="${REDMINE_DB:-redmine_bench}"
REDMINE_LANG="${REDMINE_LANG:-en}"
INSTANCE=default
REDMINE_DIR=/usr/share/redmine
ETC=/etc/redmine/$INSTANCE
export DEBIAN_FRONTEND=noninteractive
export PGHOST PGPORT PGUSER

log() { printf '[setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
t0=$(date +%s)

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh must run as root (apt-get, /etc/redmine)" >&2
  exit 1
fi

# --- 1. packages --------------------------------------------------------------
PKGS=(redmine redmine-pgsql dbconfig-no-thanks puma wrk)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing: ${missing[*]}"
  # Answers for redmine's own debconf questions: one instance named
  # "default"; its database is configured by hand below.
  debconf-set-selections <<EOF
redmine redmine/current-instances string $INSTANCE
EOF
  apt-get update -qq
  # dbconfig-no-thanks satisfies redmine-pgsql's "dbconfig-pgsql |
  # dbconfig-no-thanks" and makes dbconfig-common skip every database step.
  apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${PKGS[@]}" >/dev/null
  log "packages installed in $(( $(date +%s) - t0 )) s"
else
  log "packages already installed"
fi

# --- 2. database.yml ----------------------------------------------------------
# The package creates /etc/redmine/default/ (redmine-instances) but, with
# dbconfig-no-thanks, leaves database.yml to us. Rewritten only if different.
mkdir -p "$ETC"
want_yml="$(mktemp)"
cat >"$want_yml" <<EOF
# Written by bench/redmine/setup.sh: load-test peer, not for real use.
production:
  adapter: postgresql
  database: $REDMINE_DB
  host: $PGHOST
  port: $PGPORT
  username: $PGUSER
  encoding: unicode
  pool: 16
EOF
if ! cmp -s "$want_yml" "$ETC/database.yml"; then
  install -o root -g www-data -m 0640 "$want_yml" "$ETC/database.yml"
  log "wrote $ETC/database.yml"
fi
rm -f "$want_yml"
if [ ! -s "$ETC/secret_key.txt" ]; then
  ruby -rsecurerandom -e 'puts SecureRandom.hex(16)' >"$ETC/secret_key.txt"
  chown root:www-data "$ETC/secret_key.txt"
  chmod 0640 "$ETC/secret_key.txt"
fi
# Instance directories (files, tmp, log) belong to www-data, which runs Redmine.
/usr/share/redmine/bin/redmine-instances create "$INSTANCE" >/dev/null 2>&1 || true

# --- 3. database --------------------------------------------------------------
if ! psql -d postgres -Atc "select 1 from pg_database where datname = '$REDMINE_DB'" | grep -q 1; then
  log "creating database $REDMINE_DB"
  createdb -E UTF8 -T template0 "$REDMINE_DB"
fi

# Redmine commands run as www-data, in production, for the instance.
# SCHEMA=/dev/null: db:migrate must not dump db/schema.rb into the read-only
# package tree (Debian's postinst does the same).
rails_env=(env RAILS_ENV=production REDMINE_INSTANCE="$INSTANCE" REDMINE_LANG="$REDMINE_LANG" SCHEMA=/dev/null)
as_redmine() { (cd "$REDMINE_DIR" && runuser -u www-data -- "${rails_env[@]}" "$@"); }

log "migrating"
t1=$(date +%s)
as_redmine bundle exec rake db:migrate redmine:plugins:migrate >/dev/null
log "migrated in $(( $(date +%s) - t1 )) s"

# Default data (trackers, statuses, roles, workflows, enumerations), once.
if [ "$(psql -d "$REDMINE_DB" -Atc 'select count(*) from issue_statuses')" = 0 ]; then
  log "loading default data ($REDMINE_LANG)"
  as_redmine bundle exec rake redmine:load_default_data >/dev/null
fi

# --- 4. REST API and admin key ------------------------------------------------
mkdir -p "$OUT"
keyfile="$OUT/redmine.key"
key="$(as_redmine bundle exec rails runner '
  Setting.rest_api_enabled = "1"
  admin = User.find_by!(login: "admin")
  # the first-login password change would not matter for the API; clear it
  admin.update_columns(must_change_passwd: false) if admin.must_change_passwd?
  puts admin.api_key
' 2>/dev/null | tail -n 1)"
if ! [[ "$key" =~ ^[0-9a-f]{40}$ ]]; then
  echo "could not obtain an API key (got: $key)" >&2
  exit 1
fi
umask 077
printf '%s\n' "$key" >"$keyfile"
log "REST API enabled; admin API key in $keyfile"
log "done in $(( $(date +%s) - t0 )) s"
