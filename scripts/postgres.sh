#!/usr/bin/env bash
# Starts the local PostgreSQL (Debian's packages, installed by scripts/setup.sh) for the
# server tests, and makes sure their role and database exist. Idempotent: a running
# cluster is left running, existing role and database are kept.
#
#   scripts/postgres.sh           start, create the role and database if missing
#   scripts/postgres.sh --reset   the same, with the test database dropped and made anew
#   scripts/postgres.sh --url     only print the URL the tests use (PORTAL_TEST_POSTGRES)
#
# Runs as root (as CI does) or through sudo. The cluster is Debian's default one
# (`pg_ctlcluster VERSION main`), created if the package did not create it.
set -euo pipefail

log() { printf '[postgres] %s\n' "$*" >&2; }
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

role=portal_test
password=portal_test
database=portal_test
cluster=main

version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n1)"
if [ -z "$version" ]; then
  echo "PostgreSQL is not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi

# The cluster's port, once it exists.
port_of_cluster() {
  pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $3 }'
}

if [ "${1:-}" = "--url" ]; then
  port="$(port_of_cluster)"
  echo "postgres://$role:$password@127.0.0.1:${port:-5432}/$database"
  exit 0
fi

if [ -z "$(port_of_cluster)" ]; then
  log "creating cluster $version/$cluster"
  "${as_root[@]}" pg_createcluster "$version" "$cluster" >/dev/null
fi
port="$(port_of_cluster)"
status="$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c { print $4 }')"
if [ "$status" != "online" ]; then
  log "starting cluster $version/$cluster on port $port"
  "${as_root[@]}" pg_ctlcluster "$version" "$cluster" start
fi
for _ in $(seq 1 60); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$port" || { echo "PostgreSQL did not become ready" >&2; exit 1; }

psql_admin() {
  "${as_root[@]}" runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qAt "$@"
}

if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != "1" ]; then
  log "creating role $role"
  psql_admin -c "CREATE ROLE $role LOGIN PASSWORD '$password'"
fi
if [ "${1:-}" = "--reset" ]; then
  psql_admin -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)"
fi
if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" != "1" ]; then
  log "creating database $database"
  # C collation: text sorts by code point, as in SQLite, so both backends order alike.
  psql_admin -c "CREATE DATABASE $database OWNER $role TEMPLATE template0
                 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
fi
log "ready on 127.0.0.1:$port (database $database)"
