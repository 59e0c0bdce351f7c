#!/usr/bin/env bash
# Initialises PGDATA on the first start (user POSTGRES_USER with POSTGRES_PASSWORD, database
# POSTGRES_DB; password authentication over TCP), then runs PostgreSQL in the foreground.
set -euo pipefail
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
user="${POSTGRES_USER:-anochat}"
database="${POSTGRES_DB:-anochat}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  password_file=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
  initdb --pgdata="$PGDATA" --username="$user" --pwfile="$password_file" --auth-local=trust \
    --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$password_file"
  printf '%s\n' "host all all 0.0.0.0/0 scram-sha-256" "host all all ::/0 scram-sha-256" >>"$PGDATA/pg_hba.conf"
  postgres --single -D "$PGDATA" -c unix_socket_directories=/tmp postgres <<<"CREATE DATABASE \"$database\";" >/dev/null
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp \
  -c max_connections="${POSTGRES_MAX_CONNECTIONS:-200}"
