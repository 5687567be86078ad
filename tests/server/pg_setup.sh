#!/usr/bin/env bash
# Makes a local PostgreSQL ready for the server tests and prints its URL:
# installs the server when missing (as root), starts the cluster when it is
# down, creates the role "touchpoint" (password, CREATEDB) when missing.
# Idempotent; run by ctest as the setup of the "postgres" fixture.
#
#   tests/server/pg_setup.sh [PASSWORD]   (default: touchpoint)
#
# Exits non-zero, saying why, when PostgreSQL cannot be made ready: the tests
# that need it then fail rather than being skipped.
set -euo pipefail

PASSWORD=${1:-${TOUCHPOINT_PG_PASSWORD:-touchpoint}}
HOST=127.0.0.1
PORT=5432

die() {
  echo "pg_setup: $*" >&2
  exit 1
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  elif [ "$(id -un)" = postgres ]; then
    "$@"
  else
    sudo -n -u postgres -- "$@"
  fi
}

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed and this is not root: apt-get install postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || die "apt-get update failed"
  apt-get install -y -qq postgresql >/dev/null || die "apt-get install postgresql failed"
fi

# The newest installed version's "main" cluster (created when missing).
VERSION=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
[ -n "$VERSION" ] || die "no PostgreSQL version under /usr/lib/postgresql"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$VERSION main"; then
  [ "$(id -u)" -eq 0 ] || die "no cluster $VERSION/main and this is not root"
  pg_createcluster "$VERSION" main --port "$PORT" >/dev/null || die "pg_createcluster failed"
fi
if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
  if [ "$(id -u)" -eq 0 ]; then
    pg_ctlcluster "$VERSION" main start || die "pg_ctlcluster $VERSION main start failed"
  else
    as_postgres pg_ctlcluster "$VERSION" main start || die "cannot start cluster $VERSION/main"
  fi
fi
PORT=$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')

for _ in $(seq 1 50); do
  pg_isready -q -h "$HOST" -p "$PORT" && break
  sleep 0.2
done
pg_isready -q -h "$HOST" -p "$PORT" || die "PostgreSQL on $HOST:$PORT does not answer"

# The role, created or given its password and CREATEDB again (idempotent).
as_postgres psql -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres -v pw="$PASSWORD" <<'SQL' >/dev/null ||
SELECT 'CREATE ROLE touchpoint LOGIN' WHERE NOT EXISTS
    (SELECT 1 FROM pg_roles WHERE rolname = 'touchpoint') \gexec
ALTER ROLE touchpoint LOGIN CREATEDB PASSWORD :'pw';
SQL
  die "cannot create the role touchpoint"

URL="postgresql://touchpoint:${PASSWORD}@${HOST}:${PORT}/postgres"
psql -q -d "$URL" -c 'SELECT 1' >/dev/null || die "cannot log in as touchpoint at $HOST:$PORT"
echo "$URL"
