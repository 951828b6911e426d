#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server on 127.0.0.1 (a fresh cluster in /tmp,
# removed afterwards), its URL in TEST_DATABASE_URL. Used by tests/run.sh and the benchmarks.
#   tests/with-postgres.sh cargo test --test renkei
# POSTGRES_OPTIONS adds server settings, e.g. to count statements:
#   POSTGRES_OPTIONS="-c shared_preload_libraries=pg_stat_statements" tests/with-postgres.sh …
set -euo pipefail
pg="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$pg/initdb" ] || { echo "PostgreSQL server binaries not found: apt-get install postgresql" >&2; exit 1; }
scratch="$(mktemp -d /tmp/renkei-pg.XXXXXX)"
as_postgres=()
if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$scratch"; as_postgres=(runuser -u postgres --); fi
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"${as_postgres[@]}" "$pg/initdb" -D "$scratch/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
stop_postgres() { "${as_postgres[@]}" "$pg/pg_ctl" -D "$scratch/data" -m fast stop >/dev/null 2>&1 || true; rm -rf "$scratch"; }
trap stop_postgres EXIT
"${as_postgres[@]}" "$pg/pg_ctl" -D "$scratch/data" -l "$scratch/postgres.log" -w \
  -o "-p $port -k $scratch -c listen_addresses=127.0.0.1 -c max_connections=200 ${POSTGRES_OPTIONS:-}" start >/dev/null
TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres" "$@"
