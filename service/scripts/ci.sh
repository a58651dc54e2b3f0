#!/usr/bin/env bash
# The service's CI: its test suite against a real PostgreSQL server, then the zero-downtime proof
# behind a real HAProxy. Called by the repository's .ci/run after `npm ci --prefix service`.
#
# It installs what it needs (Debian's postgresql, haproxy, openssl) when missing, starts its own
# PostgreSQL on a free loopback port in a temporary directory, and stops it on exit, including on
# failure. That server accepts TLS connections only (like RDS with rds.force_ssl=1), with a
# certificate from a throwaway CA, so the service connects with DB_SSL=verify-full and a CA file
# exactly as it does in production.
set -euo pipefail
SERVICE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$SERVICE_DIR"

step() { printf '\n==> %s\n' "$*"; }

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# --- tools -------------------------------------------------------------------------------------
missing=()
PG_BIN="$(pg_bindir)"
[[ -n "$PG_BIN" && -x "$PG_BIN/initdb" ]] || missing+=(postgresql)
command -v haproxy >/dev/null || missing+=(haproxy)
command -v openssl >/dev/null || missing+=(openssl)
if ((${#missing[@]})); then
  step "installing ${missing[*]}"
  # Keep the packages' init scripts from starting system-wide daemons we would then have to own.
  created_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  export DEBIAN_FRONTEND=noninteractive
  installed=1
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } ||
    installed=""
  if [[ -n "$created_policy" ]]; then rm -f /usr/sbin/policy-rc.d; fi
  [[ -n "$installed" ]] || { echo "apt-get could not install ${missing[*]}" >&2; exit 1; }
  PG_BIN="$(pg_bindir)"
fi
[[ -d node_modules ]] || npm ci --no-audit --no-fund

# moto (AWS emulator: DynamoDB, SNS, SQS) for the API/worker tests and the zero-downtime proof.
# Pinned, cached outside the repository. If it cannot be installed, those tests are SKIPPED
# (loudly) and the proof is skipped: never reported as passed.
MOTO_SKIP=""
if ! bash ../scripts/install-moto.sh >/dev/null; then
  MOTO_SKIP="moto could not be installed (bash scripts/install-moto.sh)"
  echo "!!! $MOTO_SKIP: the AWS emulator tests and the zero-downtime proof are SKIPPED" >&2
fi

# --- PostgreSQL ----------------------------------------------------------------------------------
WORK="$(mktemp -d /tmp/items-service-ci.XXXXXX)"
chmod 755 "$WORK"
PGDATA="$WORK/pgdata"
SOCKETS="$WORK/run"
mkdir -m 700 "$PGDATA" && mkdir "$SOCKETS"
chown postgres: "$PGDATA" "$SOCKETS"

EMULATOR_PID=""
cleanup() {
  local status=$?
  if [[ -n "$EMULATOR_PID" ]]; then kill "$EMULATOR_PID" 2>/dev/null || true; wait "$EMULATOR_PID" 2>/dev/null || true; fi
  if [[ -f "$PGDATA/postmaster.pid" ]]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 ||
      runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate stop >/dev/null 2>&1 || true
  fi
  if ((status != 0)) && [[ -f "$SOCKETS/postgres.log" ]]; then
    echo "--- last lines of the PostgreSQL log ---"
    tail -n 20 "$SOCKETS/postgres.log" || true
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PGPORT="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
DB_PASSWORD="ci-$(openssl rand -hex 16)"

step "starting PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PGPORT (TLS only)"
# A throwaway CA and a server certificate for 127.0.0.1 / localhost.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=items-service CI CA" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
  -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" \
  -CAcreateserial -days 2 -out "$WORK/server.crt" \
  -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n') 2>/dev/null
chown postgres: "$WORK/server.key" "$WORK/server.crt"
chmod 600 "$WORK/server.key"

printf '%s\n' "$DB_PASSWORD" >"$WORK/pwfile"
chown postgres: "$WORK/pwfile"
runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDATA" -U postgres -E UTF8 \
  --auth-local=trust --auth-host=scram-sha-256 --pwfile="$WORK/pwfile" >"$WORK/initdb.log"
# Local socket for setup; over TCP, TLS or nothing (hostnossl connections match no line).
cat >"$PGDATA/pg_hba.conf" <<'HBA'
local   all all                trust
hostssl all all 127.0.0.1/32   scram-sha-256
HBA
runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$SOCKETS/postgres.log" -w -t 30 start \
  -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $SOCKETS -c ssl=on \
      -c ssl_cert_file=$WORK/server.crt -c ssl_key_file=$WORK/server.key \
      -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  >/dev/null
runuser -u postgres -- "$PG_BIN/psql" -h "$SOCKETS" -p "$PGPORT" -U postgres -v ON_ERROR_STOP=1 -q <<SQL
-- CREATEROLE only so the password-rotation test can create a throwaway role and ALTER its password.
CREATE ROLE items_app LOGIN CREATEROLE PASSWORD '$DB_PASSWORD';
CREATE DATABASE items OWNER items_app;
SQL

export DATABASE_URL="postgres://items_app:${DB_PASSWORD}@127.0.0.1:${PGPORT}/items?sslmode=verify-full&sslrootcert=${WORK}/ca.pem"

# --- checks --------------------------------------------------------------------------------------
step "typecheck"
npm run --silent typecheck

step "service tests against PostgreSQL (TLS, verify-full)"
timeout 300 npm test

if [[ -n "$MOTO_SKIP" ]]; then
  step "zero-downtime proof: SKIPPED ($MOTO_SKIP)"
else
  step "zero-downtime proof (the items table and topic in moto)"
  # One process (node with tsx's loader, not the npx/tsx wrappers), so the cleanup's kill reaches
  # it; moto, its child, exits when its parent does.
  node --import tsx scripts/emulator.ts "$WORK/aws.env" &
  EMULATOR_PID=$!
  for _ in $(seq 1 300); do [[ -s "$WORK/aws.env" ]] && break; kill -0 "$EMULATOR_PID" || break; sleep 0.1; done
  [[ -s "$WORK/aws.env" ]] || { echo "the emulator did not start" >&2; exit 1; }
  # shellcheck disable=SC1091
  source "$WORK/aws.env"
  timeout 180 npm run --silent zero-downtime
fi

step "service CI passed"
