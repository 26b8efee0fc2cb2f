#!/usr/bin/env bash
# Starts the local PostgreSQL (Debian's packages, installed by scripts/setup.sh) for the
# server tests, and makes sure their role and database exist. Idempotent: a running
# cluster is left running, existing role and database are kept.
#
#   scripts/postgres.sh           start, create the role and database if missing
#   scripts/postgres.sh --reset   the same, with the test database dropped and made anew
#   scripts/postgres.sh --url     only print the URL the tests use (PORTAL_TEST_POSTGRES):
#                                 loopback without TLS, as the server's own deployments
#                                 beside their database would use
#   scripts/postgres.sh --ca      only print the test certificate authority's file
#                                 (PORTAL_TEST_POSTGRES_CA): the cluster's TLS certificate,
#                                 made here, is signed by it for the name localhost
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
# The test cluster's TLS: a certificate authority of its own and a server certificate
# for localhost (not for 127.0.0.1, so that the tests can tell a name check from a chain
# check), made once with openssl.
tls_dir=/var/lib/postgresql/portal-test-tls

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
  echo "postgres://$role:$password@127.0.0.1:${port:-5432}/$database?sslmode=disable"
  exit 0
fi
if [ "${1:-}" = "--ca" ]; then
  echo "$tls_dir/ca.crt"
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
if [ ! -s "$tls_dir/server.crt" ] || [ ! -s "$tls_dir/ca.crt" ]; then
  log "making the test cluster's TLS certificate in $tls_dir"
  work="$(mktemp -d)"
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
  openssl req -x509 "${ec[@]}" -days 3650 -subj "/CN=patient portal test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null
  openssl req "${ec[@]}" -subj "/CN=localhost" -keyout "$work/server.key" \
    -out "$work/server.csr" 2>/dev/null
  printf '%s\n' "subjectAltName=DNS:localhost" "basicConstraints=critical,CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" >"$work/server.ext"
  openssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
    -CAcreateserial -days 3650 -extfile "$work/server.ext" -out "$work/server.crt" 2>/dev/null
  "${as_root[@]}" install -d -o postgres -g postgres -m 755 "$tls_dir"
  "${as_root[@]}" install -o postgres -g postgres -m 600 "$work/server.key" "$tls_dir/server.key"
  "${as_root[@]}" install -o postgres -g postgres -m 644 "$work/server.crt" "$tls_dir/server.crt"
  "${as_root[@]}" install -o postgres -g postgres -m 644 "$work/ca.crt" "$tls_dir/ca.crt"
  rm -rf "$work"
fi
if [ "$(psql_admin -c "SHOW ssl_cert_file")" != "$tls_dir/server.crt" ] ||
  [ "$(psql_admin -c "SHOW ssl")" != "on" ]; then
  log "turning on TLS with the test certificate"
  psql_admin -c "ALTER SYSTEM SET ssl_cert_file = '$tls_dir/server.crt'" \
    -c "ALTER SYSTEM SET ssl_key_file = '$tls_dir/server.key'" \
    -c "ALTER SYSTEM SET ssl_ca_file = ''" -c "ALTER SYSTEM SET ssl = on" \
    -c "SELECT pg_reload_conf()" >/dev/null
  for _ in $(seq 1 20); do
    [ "$(psql_admin -c "SHOW ssl_cert_file")" = "$tls_dir/server.crt" ] && break
    sleep 0.25
  done
  [ "$(psql_admin -c "SHOW ssl")" = "on" ] || {
    echo "PostgreSQL did not turn TLS on; see its log in /var/log/postgresql" >&2
    exit 1
  }
fi
log "ready on 127.0.0.1:$port (database $database; TLS for localhost, CA $tls_dir/ca.crt)"
