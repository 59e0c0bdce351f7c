#!/usr/bin/env bash
# Makes sure the services the tests talk to are running: PostgreSQL on 127.0.0.1:5432 reachable as
# `postgres` without a password (as on this project's machines) and Redis on 127.0.0.1:6379. On a
# fresh Debian machine it installs them and, for a cluster it just created, trusts loopback
# connections.
set -euo pipefail

sudo_prefix() { [ "$(id -u)" -ne 0 ] && echo sudo || true; }

# wait_until CHECK MESSAGE: up to 30 s for CHECK to succeed, else MESSAGE and failure.
wait_until() {
  for _ in $(seq 1 30); do
    "$1" && return 0
    sleep 1
  done
  echo "services: $2" >&2
  return 1
}

postgres_answers() {
  psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1
}

ensure_postgres() {
  postgres_answers && return 0
  local sudo
  sudo=$(sudo_prefix)
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "services: installing PostgreSQL"
    $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq postgresql
    local version hba
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    hba="/etc/postgresql/$version/main/pg_hba.conf"
    # A throwaway test machine: loopback connections are trusted, as on the project's machines.
    $sudo sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "services: starting PostgreSQL $version"
  $sudo pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  wait_until postgres_answers "PostgreSQL does not answer on 127.0.0.1:5432 as postgres"
}

redis_answers() {
  [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = "PONG" ]
}

ensure_redis() {
  redis_answers && return 0
  local sudo
  sudo=$(sudo_prefix)
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "services: installing Redis"
    $sudo apt-get -o DPkg::Lock::Timeout=900 update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=900 install -y -qq redis-server
  fi
  echo "services: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
  wait_until redis_answers "Redis does not answer on 127.0.0.1:6379"
}

ensure_postgres
ensure_redis
